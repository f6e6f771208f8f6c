//! Small text helpers that avoid `core::fmt` (each `format!` or `to_string` on a number costs
//! kilobytes in the wasm).

/// Appends `n` in decimal.
pub fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// Replaces the first `{}` in `template` with `n`.
pub fn fill_number(template: &str, n: u64) -> String {
    let mut out = String::with_capacity(template.len() + 4);
    match template.split_once("{}") {
        Some((before, after)) => {
            out.push_str(before);
            push_decimal(&mut out, n);
            out.push_str(after);
        }
        None => out.push_str(template),
    }
    out
}

/// A decimal count as `u32::from_str` reads it (an optional `+`, digits only, no overflow), with
/// surrounding blanks allowed, for header values; without `str::parse`'s error paths.
pub fn parse_count(value: &str) -> Option<u32> {
    let trimmed = value.trim();
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u32, |n, b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u32::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_templates() {
        for n in [0u64, 7, 10, 1234, u64::MAX] {
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        assert_eq!(fill_number("Next check in {} s", 12), "Next check in 12 s");
        assert_eq!(fill_number("no slot", 3), "no slot");
    }

    #[test]
    fn counts_read_like_from_str() {
        for raw in [
            "0",
            "42",
            " 42 ",
            "+7",
            "+",
            "",
            " ",
            "-1",
            "4x",
            "4294967295",
            "4294967296",
            "007",
            "1 2",
        ] {
            assert_eq!(parse_count(raw), raw.trim().parse::<u32>().ok(), "{raw:?}");
        }
    }
}
