//! The diagnosis under the widget: evidence gathered at mount, then a verdict, four hop marks and
//! at least one step (real Chromium). The wasm-bindgen-test server answers the gateway self-check
//! with 404 and the page itself with 200, so only the structure is asserted, not the verdict.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const VERDICTS: [&str; 10] = [
    "visitor-offline",
    "visitor-network",
    "gateway-down",
    "app-down",
    "app-overloaded",
    "maintenance",
    "known-incident",
    "blocked",
    "recovered",
    "unknown",
];

#[wasm_bindgen_test]
async fn shows_a_verdict_the_hops_and_steps() {
    let root = mounted(r#"{"retry": {"initialDelayMs": 60000}}"#, AFTER_POST);
    let section = part(&root, "diagnosis");
    for _ in 0..100 {
        if section.has_attribute("data-verdict") {
            break;
        }
        sleep(50).await;
    }
    let verdict = section.get_attribute("data-verdict").unwrap_or_default();
    assert!(VERDICTS.contains(&verdict.as_str()), "verdict {verdict:?}");
    assert_eq!(root.get_attribute("data-verdict"), Some(verdict));
    assert!(!section.has_attribute("aria-busy"));
    assert!(!part(&section, "verdict-title")
        .text_content()
        .unwrap_or_default()
        .is_empty());

    // Walked with element siblings: the shell enables no NodeList in web-sys.
    let mut names = Vec::new();
    let mut hop = part(&section, "hops").first_element_child();
    while let Some(el) = hop {
        let result = el.get_attribute("data-result").unwrap_or_default();
        assert!(
            ["ok", "failed", "degraded", "unknown"].contains(&result.as_str()),
            "{result:?}"
        );
        // The result is written out, not only coloured.
        assert!(!el.text_content().unwrap_or_default().is_empty());
        names.push(el.get_attribute("data-hop").unwrap_or_default());
        hop = el.next_element_sibling();
    }
    assert_eq!(names, ["you", "network", "gateway", "application"]);

    let step = part(&section, "steps")
        .first_element_child()
        .expect("no step");
    assert!(step.has_attribute("data-step"));
    assert!(!step.text_content().unwrap_or_default().is_empty());
    assert!(section.query_selector("script, img").unwrap().is_none());
}
