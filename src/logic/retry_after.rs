//! `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
//!
//! Recipients must accept all three HTTP-date forms (IMF-fixdate, RFC 850, asctime), so all three
//! are parsed here. The result is an absolute instant: the floor before which no request is sent.

use super::text::{find_byte, parse_u64, split_once_byte};

/// A Retry-After further away than this is treated as this: a typo in a header must not silence
/// a page for a year.
pub const MAX_RETRY_AFTER_MS: u64 = 24 * 60 * 60 * 1000;

/// Parses a `Retry-After` value into the instant (ms since the Unix epoch) before which we must not
/// send another request. `None` for an absent or malformed value.
pub fn parse_retry_after(value: &str, now_ms: u64) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let until = if value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = parse_u64(value.get(..12).unwrap_or(value))?;
        now_ms.saturating_add(seconds.saturating_mul(1000))
    } else {
        parse_http_date(value)?.max(now_ms)
    };
    Some(until.min(now_ms.saturating_add(MAX_RETRY_AFTER_MS)))
}

/// Parses an HTTP-date into ms since the Unix epoch.
pub fn parse_http_date(value: &str) -> Option<u64> {
    let mut words = value.split([' ', ',']).filter(|w| !w.is_empty());
    let _weekday = words.next()?;
    let (day, month, year, time) = if find_byte(value, b',').is_some() {
        let first = words.next()?;
        if let Some((d, rest)) = split_once_byte(first, b'-') {
            // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
            let (m, y) = split_once_byte(rest, b'-')?;
            let y = parse_u64(y)?;
            let year = if y < 70 {
                2000 + y
            } else if y < 100 {
                1900 + y
            } else {
                y
            };
            (parse_u64(d)?, month_number(m)?, year, words.next()?)
        } else {
            // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
            let month = month_number(words.next()?)?;
            let year = parse_u64(words.next()?)?;
            (parse_u64(first)?, month, year, words.next()?)
        }
    } else {
        // asctime: "Sun Nov  6 08:49:37 1994"
        let month = month_number(words.next()?)?;
        let day = parse_u64(words.next()?)?;
        let time = words.next()?;
        (day, month, parse_u64(words.next()?)?, time)
    };
    // "hh:mm:ss"; a fourth part leaves a `:` in the seconds, which then do not parse.
    let (h, rest) = split_once_byte(time, b':')?;
    let (m, s) = split_once_byte(rest, b':')?;
    let (h, m, s) = (parse_u64(h)?, parse_u64(m)?, parse_u64(s)?);
    // HTTP-dates have four-digit years; a longer one would overflow the day arithmetic below.
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400) + h * 3600 + m * 60 + s) * 1000)
}

fn month_number(name: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS.iter().position(|m| *m == name).map(|i| i as u64 + 1)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994: u64 = 784_111_777_000;

    #[test]
    fn all_three_http_date_forms() {
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(form), Some(NOV_6_1994), "{form}");
        }
    }

    #[test]
    fn seconds_and_dates_become_a_floor() {
        assert_eq!(parse_retry_after("120", 1_000), Some(121_000));
        assert_eq!(parse_retry_after(" 0 ", 1_000), Some(1_000));
        // A date in the past means "now", never earlier.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOV_6_1994 + 5),
            Some(NOV_6_1994 + 5)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOV_6_1994 - 30_000),
            Some(NOV_6_1994)
        );
    }

    #[test]
    fn absurd_or_malformed_values() {
        assert_eq!(
            parse_retry_after("99999999999999999999", 0),
            Some(MAX_RETRY_AFTER_MS)
        );
        for bad in [
            "",
            "-5",
            "soon",
            "1.5",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            // Found by tests/fuzz.rs: overflowed the day arithmetic.
            "Sun, 06 Nov 1992696414869922644 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, 0), None, "{bad}");
        }
    }
}
