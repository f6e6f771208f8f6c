//! One probe: a cache-bypassing fetch whose answer becomes a `ProbeResult` for the logic, and
//! [`reach`], the reachability probe for endpoints on other origins.

use crate::prelude::*;
use js_sys::{Function, JsString, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    AbortSignal, ReferrerPolicy, RequestCache, RequestCredentials, RequestMode, RequestRedirect,
    Response,
};

use super::promise::when_settled;
use crate::logic::evidence::ProbeOutcome;
use crate::logic::text::{contains, parse_count};

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

/// How one request is sent, besides `GET` and `cache: no-store`.
#[derive(Clone, Copy)]
pub struct Options {
    pub mode: RequestMode,
    pub credentials: RequestCredentials,
    pub redirect: RequestRedirect,
    /// `referrerPolicy: no-referrer` (requests to other origins).
    pub no_referrer: bool,
}

impl Options {
    /// A request to this site: its cookies, and a redirect is an answer (not followed).
    pub const SAME_ORIGIN: Options = Options {
        mode: RequestMode::Cors,
        credentials: RequestCredentials::SameOrigin,
        redirect: RequestRedirect::Manual,
        no_referrer: false,
    };
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, as gloo-net binds it (no `window` lookup per request).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &web_sys::RequestInit) -> Promise;
    #[cfg(feature = "api")]
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_request(request: &web_sys::Request) -> Promise;
}

/// Starts a `GET` of `url` that skips every cache. The promise rejects when no answer came (or
/// `signal` aborted it); it never throws.
#[cfg(not(feature = "api"))]
pub fn fetch(url: &str, options: Options, signal: &AbortSignal) -> Promise {
    // The error page builds the request itself: gloo-net's builder parses the URL twice and
    // carries its error formatting, kilobytes every visitor of a failing site would download.
    let init = web_sys::RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    init.set_mode(options.mode);
    init.set_credentials(options.credentials);
    init.set_redirect(options.redirect);
    if options.no_referrer {
        init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    }
    init.set_signal(Some(signal));
    fetch_with_init(url, &init)
}

/// Starts a `GET` of `url` that skips every cache. The promise rejects when no answer came (or
/// `signal` aborted it); it never throws.
#[cfg(feature = "api")]
pub fn fetch(url: &str, options: Options, signal: &AbortSignal) -> Promise {
    // The npm build (which has room for it) builds its requests with gloo-net's typed builder.
    let builder = gloo_net::http::Request::get(url)
        .cache(RequestCache::NoStore)
        .mode(options.mode)
        .credentials(options.credentials)
        .redirect(options.redirect)
        .abort_signal(Some(signal));
    let builder = if options.no_referrer {
        builder.referrer_policy(ReferrerPolicy::NoReferrer)
    } else {
        builder
    };
    match builder.build() {
        Ok(request) => fetch_with_request(&request.into()),
        Err(_) => Promise::reject(&JsValue::UNDEFINED),
    }
}

/// Sends a GET that skips every cache, does not follow redirects (a redirect is the application
/// answering, even when it points to another origin), and sends no cookies to other origins;
/// `done` gets the answer.
pub fn send(url: &str, read_body: bool, signal: &AbortSignal, done: Box<dyn FnOnce(Answer)>) {
    let promise = fetch(url, Options::SAME_ORIGIN, signal);
    when_settled(
        &promise,
        Box::new(move |settled| {
            let Ok(response) = settled else {
                return done(Answer::Failed);
            };
            let response: Response = response.unchecked_into();
            if is_opaque_redirect(&response) {
                return done(Answer::Http {
                    status: 302,
                    retry_after: None,
                    our_error_page: false,
                    crowd: None,
                });
            }
            let headers = response.headers();
            let header = |name: &str| headers.get(name).ok().flatten();
            let status = response.status();
            let retry_after = header("retry-after");
            let crowd = header("x-gateway-doctor-crowd").and_then(|v| parse_count(&v));
            let answer = move |our_error_page| Answer::Http {
                status,
                retry_after,
                our_error_page,
                crowd,
            };
            let marked = header(HEADER_MARKER).is_some_and(|v| contains(&v, "error-page"));
            // Only a would-be success needs its body checked: 5xx is down whatever it says.
            if !read_body || marked || status >= 500 {
                discard_body(&response);
                return done(answer(marked));
            }
            // Searched on the JS side: the page body never needs to be copied into wasm memory.
            let Ok(body) = response.text() else {
                return done(Answer::Failed);
            };
            when_settled(
                &body,
                Box::new(move |body| {
                    done(match body.map(JsValue::dyn_into::<JsString>) {
                        Ok(Ok(body)) => answer(body.includes(BODY_MARKER, 0)),
                        _ => Answer::Failed,
                    })
                }),
            );
        }),
    );
}

/// A redirect not followed (`redirect: "manual"`). Read as a string: web-sys's enum getter carries
/// a panic path for types it does not know.
fn is_opaque_redirect(response: &Response) -> bool {
    Reflect::get(response, &JsValue::from_str("type"))
        .ok()
        .and_then(|t| t.as_string())
        .is_some_and(|t| t == "opaqueredirect")
}

/// Cancels a body we do not read. Left unread, Chromium keeps each such response's loader, body
/// stream and abort signal alive for as long as the page lives: a few kilobytes per check, for
/// every check of a long outage (found by tests/e2e/long-run.test.mjs).
pub fn discard_body(response: &Response) {
    let Ok(body) = Reflect::get(response, &JsValue::from_str("body")) else {
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
pub fn reach(url: &str, signal: &AbortSignal, done: Box<dyn FnOnce(ProbeOutcome)>) {
    let started = js_sys::Date::now();
    let elapsed = move || (js_sys::Date::now() - started).clamp(0.0, f64::from(u32::MAX)) as u32;
    let options = Options {
        mode: RequestMode::Cors,
        credentials: RequestCredentials::Omit,
        redirect: RequestRedirect::Manual,
        no_referrer: true,
    };
    let failed = move |signal: &AbortSignal| {
        let elapsed_ms = elapsed();
        if signal.aborted() {
            ProbeOutcome::TimedOut { elapsed_ms }
        } else {
            ProbeOutcome::NoAnswer { elapsed_ms }
        }
    };
    let (url, signal) = (url.to_owned(), signal.clone());
    when_settled(
        &fetch(&url, options, &signal),
        Box::new(move |cors| match cors {
            Ok(response) => {
                let response: Response = response.unchecked_into();
                let status = if is_opaque_redirect(&response) {
                    302
                } else {
                    discard_body(&response);
                    response.status()
                };
                done(ProbeOutcome::status(status, elapsed()))
            }
            Err(_) if signal.aborted() => done(failed(&signal)),
            // No CORS headers, or no answer at all: the browser does not say which.
            Err(_) => {
                let no_cors = Options {
                    mode: RequestMode::NoCors,
                    redirect: RequestRedirect::Follow,
                    ..options
                };
                when_settled(
                    &fetch(&url, no_cors, &signal),
                    Box::new(move |opaque| {
                        done(match opaque {
                            Ok(_) => ProbeOutcome::opaque(elapsed()),
                            Err(_) => failed(&signal),
                        })
                    }),
                );
            }
        }),
    );
}
