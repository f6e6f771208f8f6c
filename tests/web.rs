//! The browser shell in real Chromium (wasm-bindgen-test, run by `wasm-pack test --headless --chrome`).
#![cfg(target_arch = "wasm32")]

mod support;

use gateway_doctor::mount;
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_root() -> Element {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    root
}

fn after_post() -> JsValue {
    json(AFTER_POST)
}

#[wasm_bindgen_test]
fn mounts_an_accessible_widget_with_a_countdown() {
    let root = fresh_root();
    mount(
        root.clone(),
        json(r#"{"retry": {"initialDelayMs": 5000}}"#),
        after_post(),
        english(),
    )
    .unwrap();
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("waiting"));
    let status = part(&root, "status");
    assert_eq!(status.get_attribute("aria-live").as_deref(), Some("polite"));
    assert!(!status.text_content().unwrap().is_empty());
    let countdown = part(&root, "countdown");
    assert_eq!(countdown.get_attribute("role").as_deref(), Some("timer"));
    let text = countdown.text_content().unwrap();
    assert!(
        text.starts_with("Next check in ") && text.ends_with(" s"),
        "{text}"
    );
    let button = part(&root, "retry-now");
    assert_eq!(button.text_content().as_deref(), Some("Check now"));
    assert!(!button.has_attribute("disabled"));
    assert_eq!(root.get_attribute("lang").as_deref(), Some("en"));
}

#[wasm_bindgen_test]
async fn check_now_probes_and_a_post_waits_for_the_visitor() {
    // The test server answers the current URL with 200: the site is "back", but after a POST the
    // widget only offers the reload.
    let root = fresh_root();
    mount(
        root.clone(),
        json(r#"{"retry": {"initialDelayMs": 60000}}"#),
        after_post(),
        english(),
    )
    .unwrap();
    part(&root, "retry-now")
        .unchecked_into::<HtmlElement>()
        .click();
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("checking")
    );
    // Generous: the state matters here, not the speed (CI machines can be busy).
    for _ in 0..150 {
        if root.get_attribute("data-state").as_deref() == Some("manual") {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("manual"));
    assert_eq!(
        part(&root, "retry-now").text_content().as_deref(),
        Some("Reload page")
    );
    assert!(part(&root, "countdown").has_attribute("hidden"));
}

#[wasm_bindgen_test]
fn bad_config_still_mounts_with_defaults() {
    for config in [
        r#"{"retry": "fast", "bogus": [1,2,3], "probeTimeoutMs": -1, "healthUrl": "https://evil.example/"}"#,
        r#"[1, 2]"#,
        r#""just a string""#,
        r#"null"#,
    ] {
        let root = fresh_root();
        mount(root.clone(), json(config), after_post(), english()).unwrap();
        assert_eq!(
            root.get_attribute("data-state").as_deref(),
            Some("waiting"),
            "{config}"
        );
    }
    // Not even an object for the page info.
    let root = fresh_root();
    mount(
        root.clone(),
        JsValue::UNDEFINED,
        JsValue::from_f64(3.0),
        english(),
    )
    .unwrap();
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("waiting"));
}

#[wasm_bindgen_test]
fn hostile_strings_are_never_parsed_as_html() {
    let root = fresh_root();
    mount(
        root.clone(),
        json(r#"{"locale": "<img src=x onerror=alert(1)>"}"#),
        json(r#"{"request": "<script>alert(1)</script>", "retryAfter": "<b>5</b>"}"#),
        english(),
    )
    .unwrap();
    assert!(root.query_selector("img, script, b").unwrap().is_none());
}

#[wasm_bindgen_test]
fn a_language_bundle_from_another_build_is_refused() {
    let root = fresh_root();
    let stale = english();
    js_sys::Reflect::set(&stale, &"catalog".into(), &"00000000".into()).unwrap();
    assert!(mount(root.clone(), json("{}"), json("{}"), stale).is_err());
    assert!(mount(root, json("{}"), json("{}"), json("{}")).is_err());
}

#[wasm_bindgen_test]
fn the_widget_speaks_the_bundle_language_and_only_rewrites_our_own_page() {
    use gateway_doctor::logic::messages::Locale;
    let html = document().document_element().unwrap();
    // Any other page (say, one using the npm package) keeps its own language.
    let root = fresh_root();
    mount(root.clone(), json("{}"), json("{}"), bundle(Locale::Ar)).unwrap();
    assert_eq!(root.get_attribute("lang").as_deref(), Some("ar"));
    assert_eq!(root.get_attribute("dir").as_deref(), Some("rtl"));
    assert_ne!(html.get_attribute("dir").as_deref(), Some("rtl"));
    // Our error page follows the widget.
    html.set_attribute("data-gateway-doctor", "error-page")
        .unwrap();
    let root = fresh_root();
    mount(root.clone(), json("{}"), json("{}"), bundle(Locale::Ar)).unwrap();
    assert_eq!(html.get_attribute("lang").as_deref(), Some("ar"));
    assert_eq!(html.get_attribute("dir").as_deref(), Some("rtl"));
    // Back to English for the other tests in this page.
    html.remove_attribute("data-gateway-doctor").unwrap();
    html.set_attribute("lang", "en").unwrap();
    html.set_attribute("dir", "ltr").unwrap();
}

#[wasm_bindgen_test]
fn the_brand_colours_the_page_and_puts_the_logo_in_our_own_header() {
    let html = document().document_element().unwrap();
    let style = html.dyn_ref::<HtmlElement>().unwrap().style();
    let property = |name: &str| style.get_property_value(name).unwrap();
    let head = document().create_element("header").unwrap();
    head.set_attribute("class", "gd-head").unwrap();
    head.append_child(&document().create_element("h1").unwrap())
        .unwrap();
    document().body().unwrap().append_child(&head).unwrap();
    let config = r##"{"siteName": "Example Shop",
        "brand": {"logo": "/brand/logo.svg", "accent": "#0a7f5a", "accentDark": "#ff0"}}"##;

    // Any page: the colours (they only feed our stylesheet), with a readable label colour each.
    mount(fresh_root(), json(config), json("{}"), english()).unwrap();
    assert_eq!(property("--gd-brand-accent"), "#0a7f5a");
    assert_eq!(property("--gd-brand-accent-fg"), "#ffffff");
    assert_eq!(property("--gd-brand-accent-dark"), "#ffff00");
    assert_eq!(property("--gd-brand-accent-dark-fg"), "#111111");
    // A page that is not our error page keeps its header.
    assert!(head.query_selector("img").unwrap().is_none());

    // Our error page: the logo comes first in the header, named after the site.
    html.set_attribute("data-gateway-doctor", "error-page")
        .unwrap();
    mount(fresh_root(), json(config), json("{}"), english()).unwrap();
    let logo = head.first_element_child().unwrap();
    assert_eq!(logo.tag_name(), "IMG");
    assert_eq!(logo.get_attribute("alt").as_deref(), Some("Example Shop"));
    assert_eq!(
        logo.get_attribute("src").as_deref(),
        Some("/brand/logo.svg")
    );

    // A colour too faint to read on the page, or a logo that is not an image source: refused,
    // the page keeps its own look.
    for name in [
        "--gd-brand-accent",
        "--gd-brand-accent-fg",
        "--gd-brand-accent-dark",
        "--gd-brand-accent-dark-fg",
    ] {
        style.remove_property(name).unwrap();
    }
    head.set_text_content(None);
    let hostile = r##"{"brand": {"accent": "#ffff00", "logo": "javascript:alert(1)"}}"##;
    mount(fresh_root(), json(hostile), json("{}"), english()).unwrap();
    assert_eq!(property("--gd-brand-accent"), "");
    assert!(head.query_selector("img").unwrap().is_none());

    html.remove_attribute("data-gateway-doctor").unwrap();
    head.remove();
}
