//! Helpers shared by the browser tests.
#![allow(dead_code)]

use gateway_doctor::logic::catalog::fingerprint;
use gateway_doctor::logic::messages::{text, Locale, Message};
use gateway_doctor::mount;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

/// The page info nginx injects for a POST: the widget never reloads by itself, so a test page
/// that "recovers" (the test server answers 200) stays put and shows the manual state.
pub const AFTER_POST: &str = r#"{"request": "POST /checkout HTTP/1.1"}"#;

pub fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A language bundle as the build writes it (`locales/<tag>.json`), from the compiled-in texts.
pub fn bundle(locale: Locale) -> JsValue {
    let texts = js_sys::Array::new();
    for message in Message::ALL {
        texts.push(&JsValue::from_str(text(locale, message)));
    }
    let bundle = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| {
        js_sys::Reflect::set(&bundle, &JsValue::from_str(key), value).unwrap();
    };
    set("locale", &JsValue::from_str(locale.tag()));
    let fingerprint = fingerprint();
    set(
        "catalog",
        &JsValue::from_str(std::str::from_utf8(&fingerprint).unwrap()),
    );
    set("texts", &texts);
    bundle.into()
}

pub fn english() -> JsValue {
    bundle(Locale::En)
}

pub fn mounted(config: &str, page: &str) -> Element {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    mount(root.clone(), json(config), json(page), english()).unwrap();
    root
}

pub fn state(root: &Element) -> String {
    root.get_attribute("data-state").unwrap_or_default()
}

pub fn part(root: &Element, name: &str) -> Element {
    root.query_selector(&["[data-gd=\"", name, "\"]"].concat())
        .unwrap()
        .unwrap_or_else(|| panic!("no [data-gd={name}]"))
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

pub async fn wait_for_state(root: &Element, want: &str) {
    for _ in 0..100 {
        if state(root) == want {
            return;
        }
        sleep(50).await;
    }
    panic!("state stayed {:?}, wanted {want:?}", state(root));
}

/// Makes the document report `hidden`/`visible` and fires `visibilitychange`, as the browser does
/// when the visitor switches tabs (headless Chromium keeps every page visible).
pub fn set_visibility(value: &str) {
    let getter = js_sys::Function::new_no_args(&["return '", value, "';"].concat());
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"get".into(), &getter).unwrap();
    js_sys::Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
    js_sys::Object::define_property(&document(), &"visibilityState".into(), &descriptor);
    let event = web_sys::Event::new("visibilitychange").unwrap();
    document().dispatch_event(&event).unwrap();
}

/// Probes this page has sent so far: `fetch()` calls in the resource timeline (the widget is the
/// only code on the test page that fetches).
pub fn probes_sent() -> usize {
    let performance = web_sys::window().unwrap().performance().unwrap();
    performance
        .get_entries_by_type("resource")
        .iter()
        .filter(|e| {
            let e: &web_sys::PerformanceResourceTiming = e.unchecked_ref();
            e.initiator_type() == "fetch"
        })
        .count()
}
