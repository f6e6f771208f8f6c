//! Tabs of one site elect a single prober and share the news of recovery (real Chromium).
//! Widgets mounted in one page coordinate exactly like tabs: Web Locks and BroadcastChannel are
//! per origin, not per document.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn two_tabs_elect_one_leader_and_both_hear_of_recovery() {
    let first = mounted(r#"{"retry": {"initialDelayMs": 60000}}"#, AFTER_POST);
    let second = mounted(r#"{"retry": {"initialDelayMs": 60000}}"#, AFTER_POST);
    wait_for_state(&second, "following").await;
    assert_eq!(
        state(&first),
        "waiting",
        "the first tab leads and keeps its countdown"
    );
    assert!(part(&second, "countdown").has_attribute("hidden"));

    // Another tab verified that the site is back: both reload (here, after a POST, both offer it).
    let channel = web_sys::BroadcastChannel::new("gateway-doctor").unwrap();
    channel
        .post_message(&wasm_bindgen::JsValue::from_str("recovered"))
        .unwrap();
    wait_for_state(&first, "manual").await;
    wait_for_state(&second, "manual").await;
}
