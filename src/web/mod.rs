//! The browser shell: the only code that touches wasm-bindgen, web-sys, js-sys, gloo-net and
//! serde-wasm-bindgen (the last two only in the npm build). It reads the page, runs one timer, sends probes, renders the view and carries
//! out the effects that `logic` decides. It decides nothing itself.
// A build without `mount` (the status snippet's) leaves most of this shell unused.
#![cfg_attr(not(feature = "page"), allow(dead_code, unused_imports))]

mod app;
mod brand;
mod diagnosis;
mod dom;
mod gather;
mod js_value;
mod probe;
mod promise;
#[cfg(feature = "snippet")]
mod status;
mod tabs;
mod teardown;

use crate::prelude::*;
use alloc::rc::Rc;

/// Talc instead of Rust's default dlmalloc: about 2.5 KB less gzipped wasm for every visitor of a
/// failing site. It grows the wasm memory as needed and reuses freed blocks (coalesced, binned), so
/// a widget that runs for hours keeps its memory flat (tests/e2e/long-run.test.mjs: 1,000 retry
/// cycles). Realloc-in-place is left out (a feature in Cargo.toml): a few hundred bytes less, for a
/// copy when one of the few growing strings outgrows its block.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The `no_std` build's panic handler (src/lib.rs says why): trap, as `panic = "abort"` did after
/// std's hook had formatted a message nobody reads on wasm32-unknown-unknown. boot.js sees the
/// same `RuntimeError` as before and drops the widget.
#[cfg(all(not(feature = "api"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::logic::catalog::Catalog;
use crate::logic::config::config_from_json;

/// Mounts the recovery widget into `root`.
///
/// `config` is the page author's configuration object (bad values are reported in the console and
/// replaced by defaults). `page` carries what the gateway told the page: `request` (the original
/// request line), `requestId`, `retryAfter`, `status` (the status the gateway served the page
/// with) and, when the operator opted in, `upstreamAddr`, `upstreamStatus` and `time`; any of them
/// may be missing. `texts` is the
/// visitor's language bundle (`locales/<tag>.json`, see `logic::catalog`): the wasm itself carries
/// no text. A bundle that does not fit this build is refused with an error, so the caller can try
/// English or keep the static page.
///
/// In the npm build (feature `api`) it returns a handle whose `unmount()` stops the widget and
/// gives `root` back empty (`app::MountedWidget`); the error page's build returns nothing.
#[cfg(feature = "page")]
#[wasm_bindgen]
pub fn mount(
    root: web_sys::Element,
    config: JsValue,
    page: JsValue,
    texts: JsValue,
) -> Result<app::Mounted, JsValue> {
    let mut catalog = read_catalog(&texts).map_err(|problem| {
        let mut message = String::from("gateway-doctor: language bundle refused: ");
        message.push_str(problem);
        JsValue::from_str(&message)
    })?;
    let (config, warnings) = config_from_json(&js_value::to_json(&config));
    for warning in &warnings {
        dom::warn(&warning.message());
    }
    catalog.override_with(&config.messages);
    app::start(root, config, Rc::new(catalog), page::read(&page))
}

/// `{locale, catalog, texts: [...]}` → a checked [`Catalog`].
fn read_catalog(bundle: &JsValue) -> Result<Catalog, &'static str> {
    let field = |key: &str| js_sys::Reflect::get(bundle, &JsValue::from_str(key)).ok();
    let tag = field("locale")
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let fingerprint = field("catalog")
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let Some(array) = field("texts").and_then(|v| v.dyn_into::<js_sys::Array>().ok()) else {
        return Err("it has no texts array");
    };
    // A plain loop, not `map` + `collect`: smaller in the wasm.
    let mut texts = Vec::with_capacity(array.length() as usize);
    for i in 0..array.length() {
        texts.push(array.get(i).as_string().unwrap_or_default());
    }
    Catalog::from_bundle(&tag, &fingerprint, texts).map_err(|e| e.describe())
}

mod page {
    use crate::prelude::*;
    use wasm_bindgen::JsValue;

    /// What the gateway injected into the page (nginx SSI), each field empty when unknown.
    #[derive(Default)]
    pub struct PageInfo {
        pub request: String,
        pub request_id: String,
        pub retry_after: String,
        /// The status the gateway served this page with (`$status`): the first answer.
        pub status: String,
        /// Opt-in request details (`gateway-doctor-details.conf`) for the operator section.
        pub upstream_addr: String,
        pub upstream_status: String,
        pub time: String,
    }

    fn field(page: &JsValue, key: &str) -> String {
        js_sys::Reflect::get(page, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }

    pub fn read(page: &JsValue) -> PageInfo {
        if !page.is_object() {
            return PageInfo::default();
        }
        PageInfo {
            request: field(page, "request"),
            request_id: field(page, "requestId"),
            retry_after: field(page, "retryAfter"),
            status: field(page, "status"),
            upstream_addr: field(page, "upstreamAddr"),
            upstream_status: field(page, "upstreamStatus"),
            time: field(page, "time"),
        }
    }
}
