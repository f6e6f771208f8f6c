//! The browser shell: the only code that touches wasm-bindgen, web-sys, js-sys, gloo-net and
//! serde-wasm-bindgen. It reads the page, runs one timer, sends probes, renders the view and carries
//! out the effects that `logic` decides. It decides nothing itself.

mod app;
mod diagnosis;
mod dom;
mod js_value;
mod probe;
mod tabs;

use wasm_bindgen::prelude::*;

use crate::logic::config::config_from_json;

/// Mounts the recovery widget into `root`.
///
/// `config` is the page author's configuration object (bad values are reported in the console and
/// replaced by defaults). `page` carries what the gateway told the page: `request` (the original
/// request line), `requestId` and `retryAfter`; any of them may be missing.
#[wasm_bindgen]
pub fn mount(root: web_sys::Element, config: JsValue, page: JsValue) -> Result<(), JsValue> {
    let (config, warnings) = config_from_json(&js_value::to_json(&config));
    for warning in &warnings {
        dom::warn(&warning.message());
    }
    app::start(root, config, page::read(&page))
}

mod page {
    use wasm_bindgen::JsValue;

    /// What the gateway injected into the page (nginx SSI), each field empty when unknown.
    pub struct PageInfo {
        pub request: String,
        pub request_id: String,
        pub retry_after: String,
    }

    fn field(page: &JsValue, key: &str) -> String {
        js_sys::Reflect::get(page, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }

    pub fn read(page: &JsValue) -> PageInfo {
        if !page.is_object() {
            return PageInfo {
                request: String::new(),
                request_id: String::new(),
                retry_after: String::new(),
            };
        }
        PageInfo {
            request: field(page, "request"),
            request_id: field(page, "requestId"),
            retry_after: field(page, "retryAfter"),
        }
    }
}
