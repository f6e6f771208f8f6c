//! Language bundles: `locales/<tag>.json`, one per [`Locale`], written from the compiled-in
//! translations (`src/logic/messages/`). The wasm carries no text; the page hands it the visitor's
//! bundle (see `logic::catalog` for the format and why).

use std::fs;
use std::path::Path;

use crate::util::{Context as _, Result};
use gateway_doctor::logic::catalog::fingerprint;
use gateway_doctor::logic::messages::{text, Locale, Message};

/// Where the bundles live, relative to the site (and to boot.js, which fetches them).
pub const DIR: &str = "locales";

/// `{"locale":"de","catalog":"…","texts":[…]}`, compact. `<` is escaped so the same text can sit
/// inside an inline `<script type="application/json">` without ending it.
pub fn bundle_json(locale: Locale) -> String {
    let texts: Vec<&str> = Message::ALL.iter().map(|&m| text(locale, m)).collect();
    let fingerprint = fingerprint();
    let value = serde_json::json!({
        "locale": locale.tag(),
        "catalog": std::str::from_utf8(&fingerprint).unwrap_or_default(),
        "texts": texts,
    });
    value.to_string().replace('<', "\\u003c")
}

/// Writes every bundle into `site/locales/`.
pub fn write_all(site: &Path) -> Result<()> {
    let dir = site.join(DIR);
    fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
    for locale in Locale::ALL {
        let path = dir.join([locale.tag(), ".json"].concat());
        fs::write(&path, bundle_json(locale)).context(format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The tags in the order the page offers them, space-separated (the `gateway-doctor:locales` meta).
pub fn all_tags() -> String {
    Locale::ALL.map(Locale::tag).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_doctor::logic::catalog::Catalog;

    #[test]
    fn every_bundle_is_accepted_by_the_widget_and_keeps_its_texts() {
        for locale in Locale::ALL {
            let json: serde_json::Value = serde_json::from_str(&bundle_json(locale)).unwrap();
            let texts: Vec<String> = json["texts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            let catalog = Catalog::from_bundle(
                json["locale"].as_str().unwrap(),
                json["catalog"].as_str().unwrap(),
                texts,
            )
            .unwrap();
            assert_eq!(catalog, Catalog::builtin(locale), "{locale:?}");
        }
    }

    #[test]
    fn the_page_offers_every_language() {
        let page = include_str!("../../www/page/502.html");
        let meta = [
            "<meta name=\"gateway-doctor:locales\" content=\"",
            &all_tags(),
            "\">",
        ]
        .concat();
        assert!(
            page.contains(&meta),
            "www/page/502.html must contain {meta}"
        );
    }
}
