//! Checks for addresses that end up in `href` attributes or in fetches.
//!
//! Links come from the operator's config and from status page JSON that a third party serves.
//! Only `http(s)` (and `mailto` for the support address, built by us) may become a link:
//! `javascript:`, `data:` and friends are dropped before the shell ever sees them.

use super::text::{find_byte, split_once_byte};
use crate::prelude::*;

/// Longest address kept; longer ones are almost certainly not a real link.
pub const MAX_URL_BYTES: usize = 2048;

/// An absolute `http://` or `https://` URL with a host and nothing that could break out of an
/// attribute or be read differently by a browser (spaces, controls, backslashes, quotes).
pub fn is_http_url(url: &str) -> bool {
    let rest = strip_scheme(url, "https://").or_else(|| strip_scheme(url, "http://"));
    let Some(rest) = rest else {
        return false;
    };
    // Byte searches: `rsplit` would bring core's backwards split iterator into the wasm (0.5 KB
    // gzipped) for this one use.
    let authority_end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#'));
    // `get`, not indexing: the bounds are always fine, and indexing would link core's
    // slice-index panic (which formats numbers) for nothing.
    let authority = rest
        .as_bytes()
        .get(..authority_end.unwrap_or(rest.len()))
        .unwrap_or_default();
    let host = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    url.len() <= MAX_URL_BYTES
        && !host.is_empty()
        && !host.starts_with(b":")
        && url.bytes().all(is_plain_url_byte)
}

/// Like [`is_http_url`] but only `https://`: what fetches from an `https` page may use without
/// mixed-content blocking, and what third-party endpoints must use.
pub fn is_https_url(url: &str) -> bool {
    strip_scheme(url, "https://").is_some() && is_http_url(url)
}

/// The trimmed URL if it is `http(s)`, for data read from a status page.
pub fn http_url_or_none(url: &str) -> Option<String> {
    let url = url.trim();
    is_http_url(url).then(|| url.to_owned())
}

/// A plain e-mail address (`name@example.com`), so that `mailto:` + it cannot carry headers,
/// a second recipient or script.
pub fn is_email_address(address: &str) -> bool {
    let Some((local, domain)) = split_once_byte(address, b'@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            // No `%`: in a `mailto:` link it is an escape, so `a%0A…` would not be the address
            // it looks like (found by tests/fuzz.rs). `matches!`, here and below, rather than
            // `b"…".contains(&b)`: a slice search links core's memchr into the wasm.
            .all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'!' | b'#'
                            | b'$'
                            | b'\''
                            | b'*'
                            | b'+'
                            | b'-'
                            | b'/'
                            | b'='
                            | b'^'
                            | b'_'
                            | b'`'
                            | b'{'
                            | b'|'
                            | b'}'
                            | b'~'
                            | b'.'
                    )
            });
    let domain_ok = find_byte(domain, b'.').is_some()
        && domain.len() <= 253
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    local_ok && domain_ok
}

/// Appends `text` percent-encoded for a URL path segment or query value (RFC 3986 unreserved
/// characters stay as they are).
pub fn push_percent_encoded(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

fn strip_scheme<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let head = url.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| url.get(scheme.len()..))
        .flatten()
}

fn is_plain_url_byte(b: u8) -> bool {
    // Non-ASCII bytes (internationalised paths) are fine; ASCII must be visible and harmless.
    b >= 0x80
        || (b.is_ascii_graphic()
            && !matches!(
                b,
                b'\\' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'^'
            ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_links_pass() {
        for good in [
            "https://status.example.com/",
            "http://example.com",
            "HTTPS://example.com/a?b=c#d",
            "https://user@example.com:8443/x",
            "https://example.com/ünïcode",
        ] {
            assert!(is_http_url(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/\"onmouseover=x",
            "https://example.com\\@evil.example",
            "//example.com",
            "ftp://example.com",
            " https://example.com",
            "https://:80/",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
        assert!(!is_https_url("http://example.com"));
        assert!(is_https_url("https://example.com"));
        assert_eq!(
            http_url_or_none("  https://a.example "),
            Some("https://a.example".into())
        );
    }

    #[test]
    fn emails_and_paths() {
        assert!(is_email_address("help@example.com"));
        assert!(is_email_address("first.last+tag@mail.example.co.uk"));
        for bad in [
            "help",
            "@example.com",
            "help@localhost",
            "a@b.com?cc=x@y.com",
            "a b@example.com",
            "a@example.com\n",
            "mailto:a@example.com",
            "a%0Abcc%3Ax@example.com",
        ] {
            assert!(!is_email_address(bad), "{bad:?}");
        }
        let mut s = String::new();
        push_percent_encoded(&mut s, "shop.example.com/a b");
        assert_eq!(s, "shop.example.com%2Fa%20b");
    }
}
