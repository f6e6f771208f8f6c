//! `unmount()` (the npm build's `mount` handle) in real Chromium: the element comes back empty,
//! nothing is sent any more, a late "the site is back" changes nothing, and the prober role
//! passes to the next widget.
//!
//! The page's `fetch` is wrapped (below) so a test can answer chosen URLs itself, hold an answer
//! back to deliver it late, and count every request the widgets make. Every test unmounts what it
//! mounted: a widget left running would hold the prober lock for the next test.
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use gateway_doctor::mount;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const real = globalThis.fetch.bind(globalThis);
const routes = new Map();
let total = 0;
globalThis.fetch = function (input, init) {
  total += 1;
  const url = typeof input === 'string' ? input : input.url;
  for (const [marker, route] of routes) {
    if (marker.startsWith('http') ? url === marker : url.includes(marker)) {
      route.count += 1;
      route.signals.push((init && init.signal) || (typeof input === 'object' ? input.signal : undefined));
      if (route.status) return Promise.resolve(new Response(null, { status: route.status }));
      // Held: settled only by answer(), whatever the signal says, like an answer already on its way.
      return new Promise((resolve) => route.held.push(resolve));
    }
  }
  return real(input, init);
};
// status 0: hold the answers back until answer() is called.
export function route(marker, status) { routes.set(marker, { count: 0, status, held: [], signals: [] }); }
export function requests(marker) { return routes.get(marker).count; }
export function fetches() { return total; }
export function answer(marker, status) {
  for (const resolve of routes.get(marker).held.splice(0)) resolve(new Response('<h1>back</h1>', { status }));
}
export function all_aborted(marker) {
  const signals = routes.get(marker).signals;
  return signals.length > 0 && signals.every((s) => s && s.aborted);
}
"#)]
extern "C" {
    fn route(marker: &str, status: u16);
    fn requests(marker: &str) -> u32;
    fn fetches() -> u32;
    fn answer(marker: &str, status: u16);
    fn all_aborted(marker: &str) -> bool;
}

fn fresh_root() -> Element {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    root
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..150 {
        if done() {
            return;
        }
        sleep(50).await;
    }
    panic!("timed out waiting until {what}");
}

/// Messages posted on the widgets' channel from now on.
fn overhear() -> (web_sys::BroadcastChannel, Rc<RefCell<Vec<String>>>) {
    let heard = Rc::new(RefCell::new(Vec::new()));
    let channel = web_sys::BroadcastChannel::new("gateway-doctor").unwrap();
    let into = heard.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            into.borrow_mut()
                .push(e.data().as_string().unwrap_or_default());
        })
        .into_js_value();
    channel.set_onmessage(Some(listener.unchecked_ref()));
    (channel, heard)
}

#[wasm_bindgen_test]
async fn unmount_gives_the_element_back_and_nothing_is_sent_any_more() {
    const HEALTH: &str = "/gd-unmount/health-down";
    route(HEALTH, 503);
    let root = fresh_root();
    // The host's own language stays the host's.
    root.set_attribute("lang", "fr").unwrap();
    root.set_text_content(Some("loading…"));
    let widget = mount(
        root.clone(),
        json(r#"{"healthUrl": "/gd-unmount/health-down", "retry": {"initialDelayMs": 100, "maxDelayMs": 200}}"#),
        json(AFTER_POST),
        english(),
    )
    .unwrap();
    assert_eq!(root.get_attribute("lang").as_deref(), Some("en"));
    // It is probing: the health endpoint is asked again and again.
    wait_until("the widget checked twice", || requests(HEALTH) >= 2).await;
    let button = part(&root, "retry-now");

    widget.unmount();
    assert!(!root.has_child_nodes(), "the element is not empty");
    for name in ["data-state", "data-verdict", "dir"] {
        assert!(!root.has_attribute(name), "{name} left on the element");
    }
    assert_eq!(root.get_attribute("lang").as_deref(), Some("fr"));

    let before = fetches();
    sleep(1_000).await;
    assert_eq!(fetches(), before, "requests after unmount (timer)");
    // Nothing the widget listened to does anything now: its button, the network coming back,
    // the tab becoming visible.
    button.unchecked_ref::<HtmlElement>().click();
    let window = web_sys::window().unwrap();
    window
        .dispatch_event(&web_sys::Event::new("online").unwrap())
        .unwrap();
    set_visibility("hidden");
    set_visibility("visible");
    sleep(500).await;
    assert_eq!(fetches(), before, "requests after unmount (events)");
    assert!(!root.has_child_nodes(), "redrawn after unmount");

    // Idempotent.
    widget.unmount();
    assert!(!root.has_child_nodes(), "the element is not empty");
}

#[wasm_bindgen_test]
async fn a_late_all_clear_after_unmount_leads_nowhere() {
    // After a GET, a healthy health endpoint leads to the page check, then to the reload. The
    // health answer is held back until after unmount; the page check is held back too, so even
    // a widget that failed to stop could not reload the test page: the page check itself is what
    // must not happen.
    const HEALTH: &str = "/gd-unmount/health-late";
    route(HEALTH, 0);
    let location = web_sys::window().unwrap().location().href().unwrap();
    let page = location.split('#').next().unwrap().to_owned();
    route(&page, 0);
    let (_channel, heard) = overhear();
    let root = fresh_root();
    let widget = mount(
        root.clone(),
        json(r#"{"healthUrl": "/gd-unmount/health-late", "retry": {"initialDelayMs": 100}, "reloadSpreadMs": 0}"#),
        json(r#"{"request": "GET /gd-unmount HTTP/1.1"}"#),
        english(),
    )
    .unwrap();
    wait_until("the health check is under way", || requests(HEALTH) == 1).await;
    assert_eq!(state(&root), "checking");

    widget.unmount();
    assert!(all_aborted(HEALTH), "the check in flight was not aborted");
    let before = fetches();
    answer(HEALTH, 200);
    sleep(1_500).await;
    assert_eq!(requests(&page), 0, "the page was checked after unmount");
    assert_eq!(fetches(), before, "requests after unmount");
    assert!(
        heard.borrow().is_empty(),
        "told the other tabs after unmount: {:?}",
        heard.borrow()
    );
    assert!(!root.has_child_nodes(), "the element is not empty");
}

#[wasm_bindgen_test]
async fn the_next_widget_takes_over_probing_and_an_element_can_be_mounted_again() {
    const HEALTH: &str = "/gd-unmount/health-handoff";
    route(HEALTH, 503);
    let config = r#"{"healthUrl": "/gd-unmount/health-handoff", "retry": {"initialDelayMs": 100, "maxDelayMs": 200}}"#;
    let first_root = fresh_root();
    let first = mount(
        first_root.clone(),
        json(config),
        json(AFTER_POST),
        english(),
    )
    .unwrap();
    wait_until("the first widget checks", || requests(HEALTH) >= 1).await;
    let second_root = fresh_root();
    let second = mount(
        second_root.clone(),
        json(config),
        json(AFTER_POST),
        english(),
    )
    .unwrap();
    wait_for_state(&second_root, "following").await;
    let second_root_parts = second_root.child_element_count();

    // The leader goes away: its lock is released and the follower probes in its place.
    first.unmount();
    wait_until("the second widget leads", || {
        state(&second_root) != "following"
    })
    .await;
    let before = requests(HEALTH);
    wait_until("the second widget checks", || requests(HEALTH) > before).await;
    second.unmount();

    // React's strict mode: mount, unmount, mount again on the same element.
    let again = mount(
        first_root.clone(),
        json(config),
        json(AFTER_POST),
        english(),
    )
    .unwrap();
    assert!(!state(&first_root).is_empty());
    assert_eq!(
        first_root.child_element_count(),
        second_root_parts,
        "not one widget's parts"
    );
    let before = requests(HEALTH);
    wait_until("the remounted widget checks", || requests(HEALTH) > before).await;
    again.unmount();
    assert!(!first_root.has_child_nodes(), "the element is not empty");
}
