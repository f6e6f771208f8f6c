//! A hidden tab sends no probes and checks at once when it is visible again (real Chromium).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_hidden_tab_does_not_probe() {
    // Short delays: a visible tab would probe several times in the window below.
    let root = mounted(
        r#"{"retry": {"initialDelayMs": 250, "maxDelayMs": 1000}}"#,
        AFTER_POST,
    );
    // The diagnosis sends its requests once at mount, while the tab is visible; let them finish.
    for _ in 0..100 {
        if root.has_attribute("data-verdict") {
            break;
        }
        sleep(50).await;
    }
    set_visibility("hidden");
    wait_for_state(&root, "paused-hidden").await;
    let before = probes_sent();
    sleep(3_000).await;
    assert_eq!(probes_sent(), before, "a hidden tab sent probes");
    assert_eq!(state(&root), "paused-hidden");

    // Visible again: it asks for the prober lock, gets it, and checks at once.
    set_visibility("visible");
    wait_for_state(&root, "manual").await;
    assert_eq!(probes_sent(), before + 1);
}
