//! The site's look on its error page: a logo and an accent colour, checked so that a brand cannot
//! make the page unreadable or unsafe.
//!
//! The page's stylesheet reads the accent from custom properties (`--gd-brand-accent` and its
//! text colour, with `-dark` twins for dark mode) and falls back to its own colours; the shell sets
//! them through the CSSOM, which a strict Content-Security-Policy allows (a `style` attribute it
//! would refuse).

use super::config::is_same_origin_path;
use super::url::is_https_url;
use crate::prelude::*;

/// A colour as `0xRRGGBB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u32);

/// What the page must reach against its own background: WCAG AA for normal text, since the accent
/// colours links and the button's label sits on it.
pub const MIN_CONTRAST: f64 = 4.5;

/// The page's backgrounds an accent must stand out from: the body's and the card's, light
/// (`#f6f7f9`, `#ffffff`) and dark (`#121418`, `#1b1f25`), as in `www/page/page.css`.
pub const LIGHT_BACKGROUNDS: [Rgb; 2] = [Rgb(0xf6f7f9), Rgb(0xffffff)];
pub const DARK_BACKGROUNDS: [Rgb; 2] = [Rgb(0x121418), Rgb(0x1b1f25)];

/// Text on an accent-coloured button: whichever of these reads better.
const LIGHT_TEXT: Rgb = Rgb(0xffffff);
const DARK_TEXT: Rgb = Rgb(0x111111);

/// A data URI logo longer than this (in bytes; such URIs are ASCII) is cut by the config reader (see `json::MAX_STRING_BYTES`), which
/// would break the image: it must be served as a file instead.
pub const MAX_LOGO_CHARS: usize = 4000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Brand {
    /// Where the logo comes from: a path on the site (served by the gateway, not the application,
    /// which is down), an `https` URL, or a `data:image/…` URI (the single-file pages).
    pub logo: Option<String>,
    /// The accent in light mode, and in dark mode.
    pub accent: Option<Rgb>,
    pub accent_dark: Option<Rgb>,
}

impl Rgb {
    /// `#rgb` or `#rrggbb`, any case.
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.trim().as_bytes().strip_prefix(b"#")?;
        let mut value = 0u32;
        for &b in hex {
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return None,
            };
            value = (value << 4) | u32::from(digit);
        }
        match hex.len() {
            // #abc is #aabbcc: each digit doubled.
            3 => {
                let (r, g, b) = (value >> 8, (value >> 4) & 0xf, value & 0xf);
                Some(Rgb(((r * 0x11) << 16) | ((g * 0x11) << 8) | (b * 0x11)))
            }
            6 => Some(Rgb(value)),
            _ => None,
        }
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(7);
        out.push('#');
        for shift in (0..6).rev() {
            out.push(DIGITS[(self.0 >> (shift * 4) & 0xf) as usize] as char);
        }
        out
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let channel = |shift: u32| {
            let c = f64::from((self.0 >> shift) & 0xff) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                pow_2_4((c + 0.055) / 1.055)
            }
        };
        0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }
}

/// `y^2.4` for `y` in `(0, 1]`, as `y² · y^0.4` with the fifth root of `y²` found by Newton's
/// method: `f64::powf` would link a libm `pow` into the wasm for this one use.
fn pow_2_4(y: f64) -> f64 {
    let square = y * y;
    // y^0.5 is within a factor of 1.2 of y^0.4 on the range used (y ≥ 0.05): a few steps suffice.
    let mut root = super::sqrt(y);
    for _ in 0..6 {
        let fourth = root * root * root * root;
        root -= (fourth * root - square) / (5.0 * fourth);
    }
    square * root
}

/// WCAG contrast ratio, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

/// The lowest contrast of `accent` against the page's `backgrounds`: what the check is about.
pub fn worst_contrast(accent: Rgb, backgrounds: &[Rgb]) -> f64 {
    backgrounds
        .iter()
        .map(|&bg| contrast(accent, bg))
        .fold(f64::INFINITY, f64::min)
}

/// The label colour for a button filled with `accent`.
pub fn text_on(accent: Rgb) -> Rgb {
    if contrast(accent, LIGHT_TEXT) >= contrast(accent, DARK_TEXT) {
        LIGHT_TEXT
    } else {
        DARK_TEXT
    }
}

/// A logo source the page may load: a path on this site, `https`, or an inline raster or SVG
/// image (an SVG loaded as an image runs no script).
pub fn is_logo_source(src: &str) -> bool {
    const DATA_IMAGES: [&str; 5] = [
        "data:image/png;base64,",
        "data:image/svg+xml;base64,",
        "data:image/webp;base64,",
        "data:image/jpeg;base64,",
        "data:image/gif;base64,",
    ];
    if let Some(prefix) = DATA_IMAGES.iter().find(|p| {
        src.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    }) {
        let payload = src.get(prefix.len()..).unwrap_or("");
        return !payload.is_empty()
            && payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    }
    is_same_origin_path(src) || is_https_url(src)
}

/// The custom properties the page's stylesheet reads, with their values; nothing for what the
/// operator did not set (the stylesheet's own colours stay).
pub fn css_properties(brand: &Brand) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(accent) = brand.accent {
        out.push(("--gd-brand-accent", accent.hex()));
        out.push(("--gd-brand-accent-fg", text_on(accent).hex()));
    }
    if let Some(accent) = brand.accent_dark {
        out.push(("--gd-brand-accent-dark", accent.hex()));
        out.push(("--gd-brand-accent-dark-fg", text_on(accent).hex()));
    }
    out
}
