//! Small DOM helpers. Data is always set as text, never parsed as HTML.

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Window};

#[wasm_bindgen]
extern "C" {
    /// The page's `window`.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<Window>;
}

/// The page's `window`. `web_sys::window()` goes through `js_sys::global()`, which probes
/// `self`, `window`, `globalThis` and `global` for workers and Node (0.4 KB of wasm); the widget
/// only ever runs in a page.
pub fn window() -> Option<Window> {
    WINDOW.with(Option::clone)
}

pub fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}

/// Creates `<tag>` with the given attributes. Fails only if the DOM refuses (never for our names).
pub fn element(
    document: &Document,
    tag: &str,
    attributes: &[(&str, &str)],
) -> Result<Element, JsValue> {
    let el = document.create_element(tag)?;
    for (name, value) in attributes {
        el.set_attribute(name, value)?;
    }
    Ok(el)
}

/// Sets text only when it changed: rewriting a live region's text makes screen readers repeat it.
pub fn set_text(el: &Element, text: &str) {
    if el.text_content().as_deref() != Some(text) {
        el.set_text_content(Some(text));
    }
}

pub fn set_attribute_if_changed(el: &Element, name: &str, value: &str) {
    if el.get_attribute(name).as_deref() != Some(value) {
        let _ = el.set_attribute(name, value);
    }
}

pub fn set_flag(el: &Element, name: &str, on: bool) {
    if on != el.has_attribute(name) {
        let _ = if on {
            el.set_attribute(name, "")
        } else {
            el.remove_attribute(name)
        };
    }
}
