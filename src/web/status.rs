//! The status snippet's wasm export: `www/snippet/gateway-status.js` fetches the health endpoint
//! and the status page JSON and hands the answers to a [`StatusMonitor`], which reads them with
//! the same parsers as the error page's diagnosis and returns what to show and when to look again
//! (decided in [`crate::logic::site_status`]). No DOM, no timers, no requests here.

use crate::prelude::*;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::dom::warn;
use super::js_value::to_json;
use crate::logic::site_status::{
    snippet_config_from_json, HealthCheck, Monitor, StatusCheck, Summary,
};
use crate::logic::status_page::parse_status_report;

/// One snippet instance's state between rounds.
#[wasm_bindgen]
pub struct StatusMonitor {
    monitor: Monitor,
    /// Status page warnings are logged once, not on every poll.
    warned: bool,
}

#[wasm_bindgen]
impl StatusMonitor {
    /// `config`: `healthUrl`, `statusPage: {url, format}`, `link`, `intervalMs`, `banner`
    /// (`texts` is the shell's). Bad values are reported in the console and replaced by defaults.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> StatusMonitor {
        let (config, warnings) = snippet_config_from_json(&to_json(&config));
        for warning in &warnings {
            warn(&warning.message());
        }
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
            ^ (js_sys::Date::now() as u64).rotate_left(32);
        StatusMonitor {
            monitor: Monitor::new(config, seed),
            warned: false,
        }
    }

    /// The same-origin health endpoint to fetch each round, if configured.
    #[wasm_bindgen(getter, js_name = healthUrl)]
    pub fn health_url(&self) -> Option<String> {
        self.monitor.config.health_url.clone()
    }

    /// The status page JSON to fetch each round, if configured.
    #[wasm_bindgen(getter, js_name = statusUrl)]
    pub fn status_url(&self) -> Option<String> {
        self.monitor
            .config
            .status_page
            .as_ref()
            .map(|s| s.url.clone())
    }

    /// One round finished. `health`: the HTTP status, 0 for no answer, -1 when not asked.
    /// `status`: the status page's parsed JSON, `null` when it failed, `undefined` when not asked.
    /// Returns `{ level, title, link, banner, delayMs }`.
    pub fn round(&mut self, health: i32, status: JsValue) -> JsValue {
        let health = match health {
            h if h < 0 => HealthCheck::NotAsked,
            0 => HealthCheck::NoAnswer,
            h => HealthCheck::Answered(h.min(999) as u16),
        };
        let report = if status.is_object() {
            let format = self
                .monitor
                .config
                .status_page
                .as_ref()
                .and_then(|s| s.format);
            let (report, warnings) = parse_status_report(&to_json(&status), format);
            if !self.warned {
                for w in &warnings {
                    warn(&w.message());
                }
                self.warned = !warnings.is_empty();
            }
            Some(report)
        } else {
            None
        };
        let status = match &report {
            Some(report) => StatusCheck::Read(report),
            None if status.is_undefined() => StatusCheck::NotConfigured,
            None => StatusCheck::Failed,
        };
        let (summary, delay) = self.monitor.round(health, status);
        self.view(&summary, delay)
    }

    /// One of the page's own requests finished with `status` (0 when the browser does not tell).
    /// Returns the delay (ms) within which to run a round when the banner just appeared and there
    /// is a health endpoint to retry, else -1. `bannerShown` tells whether the banner shows.
    #[wasm_bindgen(js_name = apiAnswer)]
    pub fn api_answer(&mut self, status: u16) -> f64 {
        self.monitor.api_answer(status).map_or(-1.0, |ms| ms as f64)
    }

    #[wasm_bindgen(getter, js_name = bannerShown)]
    pub fn banner_shown(&self) -> bool {
        self.monitor.banner.shown
    }

    fn view(&self, summary: &Summary, delay_ms: u64) -> JsValue {
        let view = Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&view, &JsValue::from_str(key), &value);
        };
        let text = |s: &Option<String>| s.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        set("level", JsValue::from_str(summary.level.as_str()));
        set("title", text(&summary.title));
        set("link", text(&summary.link));
        set("banner", JsValue::from_bool(self.monitor.banner.shown));
        set("delayMs", JsValue::from_f64(delay_ms as f64));
        view.into()
    }
}
