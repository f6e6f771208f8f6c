//! What the gateway told the page about the visitor's original request.
//!
//! nginx rewrites the method of an `error_page` redirect to GET, so the page is given the original
//! request line (`$request`, e.g. `POST /cart HTTP/1.1`) through SSI and reads the method from it.

use super::text::before_byte;

/// Whether reloading the page would repeat the visitor's original request safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginalMethod {
    /// GET or HEAD: reloading repeats nothing the visitor did not already expect.
    Safe,
    /// POST, PUT, …: a reload could resubmit a form (or lose it). Never automatic.
    Unsafe,
    /// The gateway did not say (no SSI, a CDN page). Treated as unsafe.
    Unknown,
}

impl OriginalMethod {
    /// Reads the method from a request line. Anything unrecognisable, including an unprocessed SSI
    /// directive, is `Unknown`.
    pub fn from_request_line(line: &str) -> OriginalMethod {
        let method = before_byte(line.trim_start(), b' ');
        match method {
            "GET" | "HEAD" => OriginalMethod::Safe,
            "" => OriginalMethod::Unknown,
            m if m.bytes().all(|b| b.is_ascii_uppercase()) => OriginalMethod::Unsafe,
            _ => OriginalMethod::Unknown,
        }
    }

    pub fn allows_auto_reload(self) -> bool {
        self == OriginalMethod::Safe
    }
}

#[cfg(test)]
mod tests {
    use super::OriginalMethod::*;
    use super::*;

    #[test]
    fn request_lines() {
        for (line, want) in [
            ("GET /a?b=1 HTTP/1.1", Safe),
            ("HEAD / HTTP/1.1", Safe),
            ("POST /cart HTTP/1.1", Unsafe),
            ("DELETE /x HTTP/2.0", Unsafe),
            ("", Unknown),
            ("<!--# echo var=\"request\" -->", Unknown),
            ("get / HTTP/1.1", Unknown),
        ] {
            assert_eq!(OriginalMethod::from_request_line(line), want, "{line:?}");
        }
    }
}
