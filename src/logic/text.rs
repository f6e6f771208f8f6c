//! Small text helpers that avoid `core::fmt` (each `format!` or `to_string` on a number costs
//! kilobytes in the wasm).

use crate::prelude::*;

/// Appends `n` in decimal. Recursive (at most 20 deep) rather than through a digit buffer, whose
/// indexing would link core's bounds-check panic.
pub fn push_decimal(out: &mut String, n: u64) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `a` then `b`: `[a, b].concat()` links alloc's generic `join` (about 1 KB in the wasm) for what
/// is two copies.
pub fn concat(a: &str, b: &str) -> String {
    let mut out = String::with_capacity(a.len() + b.len());
    out.push_str(a);
    out.push_str(b);
    out
}

/// Where the ASCII byte `b` first occurs in `s`. `str::find`, `split_once` and `contains` with a
/// `char` bring core's char searcher and `memchr` into the wasm; an ASCII byte needs neither.
pub fn find_byte(s: &str, b: u8) -> Option<usize> {
    s.bytes().position(|c| c == b)
}

/// `s.split_once(b as char)` for an ASCII `b` (see [`find_byte`]).
pub fn split_once_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = find_byte(s, b)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s.split(b as char).next().unwrap_or("")` for an ASCII `b`: all of `s` up to the first `b`.
pub fn before_byte(s: &str, b: u8) -> &str {
    split_once_byte(s, b).map_or(s, |(before, _)| before)
}

/// Replaces the first `{}` in `template` with `n`.
pub fn fill_number(template: &str, n: u64) -> String {
    let mut out = String::with_capacity(template.len() + 4);
    let slot = find(template, "{}");
    match slot.and_then(|i| Some((template.get(..i)?, template.get(i + 2..)?))) {
        Some((before, after)) => {
            out.push_str(before);
            push_decimal(&mut out, n);
            out.push_str(after);
        }
        None => out.push_str(template),
    }
    out
}

/// Where `needle` first occurs in `haystack`, as a byte offset.
///
/// A plain byte search instead of `str::find`/`contains`/`matches` with a `&str` pattern: those
/// bring core's two-way searcher into the wasm and, through its slicing checks, the panic message
/// that formats `char`s with Unicode tables (about 8 KB in all).
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w == needle)
}

/// Whether `needle` occurs in `haystack` (see [`find`]).
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// How many `{}` number slots `text` has (as `text.matches("{}").count()`, see [`find`]).
pub fn count_slots(text: &str) -> usize {
    let mut count = 0;
    let mut rest = text.as_bytes();
    while let Some(i) = rest.windows(2).position(|w| w == b"{}") {
        count += 1;
        rest = rest.get(i + 2..).unwrap_or_default();
    }
    count
}

/// A decimal number as `u64::from_str` reads it (an optional `+`, then digits only, no overflow),
/// without `str::parse`'s error paths.
pub fn parse_u64(value: &str) -> Option<u64> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// A header's count as `u32::from_str` reads it, surrounding blanks allowed.
pub fn parse_count(value: &str) -> Option<u32> {
    parse_u64(value.trim()).and_then(|n| u32::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_splits_match_char_splits() {
        for s in ["", "a", "-", "en-GB", "a-b-c", "-x", "x-", "é-ü", "no dash"] {
            assert_eq!(find_byte(s, b'-'), s.find('-'), "{s}");
            assert_eq!(split_once_byte(s, b'-'), s.split_once('-'), "{s}");
            assert_eq!(
                before_byte(s, b'-'),
                s.split('-').next().unwrap_or(""),
                "{s}"
            );
        }
    }

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
    fn searches_like_str() {
        let cases = [
            ("", ""),
            ("abc", ""),
            ("", "a"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS", "iPhone"),
            ("Edg/120 Chrome/120", "Chrome/"),
            ("aaab", "aab"),
            ("ab", "abc"),
            ("déjà vu", "jà"),
            ("{}{}}{{}}", "{}"),
        ];
        for (haystack, needle) in cases {
            assert_eq!(
                find(haystack, needle),
                haystack.find(needle),
                "{haystack:?} {needle:?}"
            );
            assert_eq!(contains(haystack, needle), haystack.contains(needle));
            assert_eq!(
                count_slots(haystack),
                haystack.matches("{}").count(),
                "{haystack:?}"
            );
        }
        assert_eq!(fill_number("{}", 5), "5");
        assert_eq!(fill_number("{{}} {}", 5), "{5} {}");
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
            assert_eq!(parse_u64(raw), raw.parse::<u64>().ok(), "{raw:?}");
        }
    }
}
