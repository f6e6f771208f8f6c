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

#[wasm_bindgen_test]
async fn a_follower_counts_down_with_the_tab_that_goes_back_first() {
    // Widgets of earlier tests in this page may still hold the prober lock, so `first` may lead or
    // follow; the second one mounted here certainly follows.
    let first = mounted(r#"{"retry": {"initialDelayMs": 60000}}"#, AFTER_POST);
    let follower = mounted(r#"{"retry": {"initialDelayMs": 60000}}"#, AFTER_POST);
    wait_for_state(&follower, "following").await;
    assert!(part(&follower, "countdown").has_attribute("hidden"));
    // What the checking tab posts when the health endpoint says yes: it goes back in 30 s.
    let at = js_sys::Date::now() + 30_000.0;
    let channel = web_sys::BroadcastChannel::new("gateway-doctor").unwrap();
    let mut message = String::from("back-at:");
    message.push_str(&(at as u64).to_string());
    channel
        .post_message(&wasm_bindgen::JsValue::from_str(&message))
        .unwrap();
    wait_for_state(&follower, "coming-back").await;
    let countdown = part(&follower, "countdown");
    assert!(!countdown.has_attribute("hidden"));
    let text = countdown.text_content().unwrap_or_default();
    // After a POST the page does not go back by itself: the countdown is to its last check, after
    // which the visitor decides (a GET page reads "Returning in").
    assert!(
        text.starts_with("Next check in ") && (text.contains(" 30 s") || text.contains(" 29 s")),
        "{text}"
    );
    // A leading tab keeps its own schedule (another tab's word is not its check); a following
    // one counts down too.
    let first_state = state(&first);
    assert!(
        first_state == "waiting" || first_state == "coming-back",
        "{first_state}"
    );
    channel
        .post_message(&wasm_bindgen::JsValue::from_str("recovered"))
        .unwrap();
    wait_for_state(&follower, "manual").await;
    wait_for_state(&first, "manual").await;
}
