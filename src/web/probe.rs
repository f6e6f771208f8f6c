//! One probe: a cache-bypassing fetch whose answer becomes a `ProbeResult` for the logic, and
//! [`reach`], the reachability probe for endpoints on other origins.

use gloo_net::http::Request;
use js_sys::{Function, JsString, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, ReferrerPolicy, RequestCache, RequestCredentials, RequestMode, RequestRedirect,
    ResponseType,
};

use crate::logic::evidence::ProbeOutcome;

/// The marker our error page carries, so a copy of it served with 200 (a CDN cached the error)
/// is not mistaken for the site being back.
const BODY_MARKER: &str = "data-gateway-doctor=\"error-page\"";
const HEADER_MARKER: &str = "x-gateway-doctor";

/// An owned probe answer (the logic's `ProbeResult` borrows its strings).
pub enum Answer {
    Http {
        status: u16,
        retry_after: Option<String>,
        our_error_page: bool,
        /// The health recipe's count of the gateway's open connections (`X-Gateway-Doctor-Crowd`).
        crowd: Option<u32>,
    },
    Failed,
}

/// Sends a GET that skips every cache, does not follow redirects (a redirect is the application
/// answering, even when it points to another origin), and sends no cookies to other origins.
pub async fn send(url: &str, read_body: bool, signal: &AbortSignal) -> Answer {
    let response = Request::get(url)
        .cache(RequestCache::NoStore)
        .credentials(RequestCredentials::SameOrigin)
        .redirect(RequestRedirect::Manual)
        .abort_signal(Some(signal))
        .send()
        .await;
    let Ok(response) = response else {
        return Answer::Failed;
    };
    if response.type_() == ResponseType::Opaqueredirect {
        return Answer::Http {
            status: 302,
            retry_after: None,
            our_error_page: false,
            crowd: None,
        };
    }
    let status = response.status();
    let headers = response.headers();
    let mut our_error_page = headers
        .get(HEADER_MARKER)
        .is_some_and(|v| v.contains("error-page"));
    // Only a would-be success needs its body checked: 5xx is down whatever it says.
    if read_body && !our_error_page && status < 500 {
        // Searched on the JS side: the page body never needs to be copied into wasm memory.
        let raw: web_sys::Response = response.into();
        let body = match raw.text() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(e) => Err(e),
        };
        match body.ok().and_then(|b| b.dyn_into::<JsString>().ok()) {
            Some(body) => our_error_page = body.includes(BODY_MARKER, 0),
            None => return Answer::Failed,
        }
    } else {
        discard_body(response);
    }
    Answer::Http {
        status,
        retry_after: headers.get("retry-after"),
        our_error_page,
        crowd: headers
            .get("x-gateway-doctor-crowd")
            .and_then(|v| v.trim().parse().ok()),
    }
}

/// Cancels a body we do not read. Left unread, Chromium keeps each such response's loader, body
/// stream and abort signal alive for as long as the page lives: a few kilobytes per check, for
/// every check of a long outage (found by tests/e2e/long-run.test.mjs).
fn discard_body(response: gloo_net::http::Response) {
    let raw: web_sys::Response = response.into();
    let Ok(body) = Reflect::get(&raw, &JsValue::from_str("body")) else {
        return;
    };
    let cancel = Reflect::get(&body, &JsValue::from_str("cancel"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(cancel) = cancel {
        // Resolves (the stream is not locked: nobody reads it); the promise can be dropped.
        let _ = cancel.call0(&body);
    }
}

/// Whether an endpoint on another origin answers, without cookies or referrer (it learns nothing
/// about the visit but the visitor's address). A CORS request shows the status; where the endpoint
/// sends no CORS headers the browser refuses to show it, and an opaque `no-cors` request then
/// still proves that something answered. A redirect counts as an answer (the server is talking).
pub async fn reach(url: &str, signal: &AbortSignal) -> ProbeOutcome {
    let started = js_sys::Date::now();
    let elapsed = || (js_sys::Date::now() - started).clamp(0.0, f64::from(u32::MAX)) as u32;
    let request = |mode| {
        Request::get(url)
            .mode(mode)
            .cache(RequestCache::NoStore)
            .credentials(RequestCredentials::Omit)
            .referrer_policy(ReferrerPolicy::NoReferrer)
            .abort_signal(Some(signal))
    };
    let cors = request(RequestMode::Cors)
        .redirect(RequestRedirect::Manual)
        .send()
        .await;
    let failed = |signal: &AbortSignal, elapsed_ms| {
        if signal.aborted() {
            ProbeOutcome::TimedOut { elapsed_ms }
        } else {
            ProbeOutcome::NoAnswer { elapsed_ms }
        }
    };
    match cors {
        Ok(response) if response.type_() == ResponseType::Opaqueredirect => {
            ProbeOutcome::status(302, elapsed())
        }
        Ok(response) => {
            let status = response.status();
            discard_body(response);
            ProbeOutcome::status(status, elapsed())
        }
        Err(_) if signal.aborted() => failed(signal, elapsed()),
        // No CORS headers, or no answer at all: the browser does not say which.
        Err(_) => match request(RequestMode::NoCors).send().await {
            Ok(_) => ProbeOutcome::opaque(elapsed()),
            Err(_) => failed(signal, elapsed()),
        },
    }
}
