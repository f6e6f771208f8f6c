//! The texts of one language as data: what the widget actually reads at run time.
//!
//! Translations are written as exhaustive `match`es in [`super::messages`] (a missing one does not
//! compile), but they are not compiled into the wasm: the build turns each language into a small
//! bundle (`locales/<tag>.json`) and the page hands the visitor's one to `mount`. The wasm then
//! carries no text at all, and each extra language costs its bundle only, fetched or inlined on
//! demand.
//!
//! A bundle is `{"locale": "de", "catalog": "<fingerprint>", "texts": [...]}` with the texts in
//! [`Message::ALL`] order. The fingerprint is a hash of the message ids: a bundle from another
//! version of the widget (ids added, removed or reordered) is refused instead of showing the wrong
//! sentence in the wrong place.

use super::messages::{Locale, Message};
use super::status_page::clean_text;
use super::text::count_slots;
use crate::prelude::*;

/// Longest text a bundle may carry (characters); operators' overrides have the same limit.
pub const MAX_TEXT_CHARS: usize = 500;

/// One language's texts, with the operator's overrides applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    locale: Locale,
    texts: Vec<String>,
}

/// Why a bundle was refused. The page then keeps its static guidance (or tries English).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogError {
    /// The `locale` tag is not one we know.
    UnknownLocale,
    /// Built for another version of the widget.
    WrongCatalog,
    /// Not one text per message.
    WrongLength,
    /// A text is empty, or its `{}` slot does not match the message.
    BadText(Message),
}

impl CatalogError {
    /// For the console warning.
    pub fn describe(self) -> &'static str {
        match self {
            CatalogError::UnknownLocale => "the bundle's locale is not supported",
            CatalogError::WrongCatalog => "the bundle was built for another version of the widget",
            CatalogError::WrongLength => "the bundle does not have one text per message",
            CatalogError::BadText(_) => "a text in the bundle is empty or misses its {} slot",
        }
    }
}

/// FNV-1a over every message id in order, as 8 lowercase hex digits.
pub fn fingerprint() -> [u8; 8] {
    let mut hash: u32 = 0x811c_9dc5;
    for message in Message::ALL {
        for byte in message.id().bytes().chain([b'\n']) {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    }
    let mut hex = [b'0'; 8];
    for (i, digit) in hex.iter_mut().enumerate() {
        let nibble = (hash >> (28 - 4 * i)) & 0xf;
        *digit = b"0123456789abcdef"[nibble as usize];
    }
    hex
}

impl Catalog {
    /// Checks a bundle's parts: `locale` tag, `catalog` fingerprint and the texts in
    /// [`Message::ALL`] order. Texts are cleaned (no control or bidi-override characters) and
    /// length-limited; they are always rendered as text, never as HTML.
    pub fn from_bundle(
        tag: &str,
        catalog: &str,
        texts: Vec<String>,
    ) -> Result<Catalog, CatalogError> {
        let locale = Locale::from_tag(tag).ok_or(CatalogError::UnknownLocale)?;
        if catalog.as_bytes() != fingerprint() {
            return Err(CatalogError::WrongCatalog);
        }
        if texts.len() != Message::ALL.len() {
            return Err(CatalogError::WrongLength);
        }
        let mut cleaned = Vec::with_capacity(texts.len());
        for (message, text) in Message::ALL.into_iter().zip(texts) {
            let text = clean_text(&text, MAX_TEXT_CHARS);
            if !fits(message, &text) {
                return Err(CatalogError::BadText(message));
            }
            cleaned.push(text);
        }
        Ok(Catalog {
            locale,
            texts: cleaned,
        })
    }

    /// The compiled-in texts of `locale`: for native code (tests, the build that writes the
    /// bundles). The wasm never calls this, so the translations stay out of it.
    pub fn builtin(locale: Locale) -> Catalog {
        Catalog {
            locale,
            texts: Message::ALL
                .into_iter()
                .map(|m| super::messages::text(locale, m).to_string())
                .collect(),
        }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    pub fn get(&self, message: Message) -> &str {
        self.texts.get(message as usize).map_or("", String::as_str)
    }

    /// The operator's texts replace ours (already checked by the config reader).
    pub fn override_with(&mut self, overrides: &[(Message, String)]) {
        for (message, text) in overrides {
            if let Some(slot) = self.texts.get_mut(*message as usize) {
                slot.clone_from(text);
            }
        }
    }
}

/// Not empty, and exactly one `{}` where a number goes (none elsewhere).
pub fn fits(message: Message, text: &str) -> bool {
    !text.is_empty() && count_slots(text) == usize::from(message.has_slot())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english_texts() -> Vec<String> {
        Catalog::builtin(Locale::En).texts
    }

    #[test]
    fn a_bundle_of_this_version_is_accepted_and_read_by_message() {
        let fp = fingerprint();
        let catalog =
            Catalog::from_bundle("de", std::str::from_utf8(&fp).unwrap(), english_texts()).unwrap();
        assert_eq!(catalog.locale(), Locale::De);
        assert_eq!(catalog.get(Message::CheckNow), "Check now");
    }

    #[test]
    fn bundles_from_another_version_or_damaged_ones_are_refused() {
        let fp = fingerprint();
        let fp = std::str::from_utf8(&fp).unwrap();
        assert_eq!(
            Catalog::from_bundle("en", "00000000", english_texts()),
            Err(CatalogError::WrongCatalog)
        );
        assert_eq!(
            Catalog::from_bundle("tlh", fp, english_texts()),
            Err(CatalogError::UnknownLocale)
        );
        let mut short = english_texts();
        short.pop();
        assert_eq!(
            Catalog::from_bundle("en", fp, short),
            Err(CatalogError::WrongLength)
        );
        let mut no_slot = english_texts();
        no_slot[Message::CountdownSeconds as usize] = "Soon".into();
        assert_eq!(
            Catalog::from_bundle("en", fp, no_slot),
            Err(CatalogError::BadText(Message::CountdownSeconds))
        );
    }

    #[test]
    fn hostile_texts_are_cleaned_and_cut() {
        let fp = fingerprint();
        let mut texts = english_texts();
        texts[Message::CheckNow as usize] = "Check\u{202E}now\n".repeat(200);
        let catalog = Catalog::from_bundle("en", std::str::from_utf8(&fp).unwrap(), texts).unwrap();
        let text = catalog.get(Message::CheckNow);
        assert!(!text.contains('\u{202E}') && !text.contains('\n'));
        assert!(text.chars().count() <= MAX_TEXT_CHARS);
    }

    #[test]
    fn overrides_replace_texts() {
        let mut catalog = Catalog::builtin(Locale::En);
        catalog.override_with(&[(Message::CheckNow, "Try again".into())]);
        assert_eq!(catalog.get(Message::CheckNow), "Try again");
    }
}
