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
}
