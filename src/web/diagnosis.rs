//! The diagnosis under the recovery widget: gathers evidence once at mount (and again when the
//! device goes online or offline), in parallel and with a short timeout, then renders the logic's
//! verdict, the hop marks and the visitor's steps. Everything is set as text or attributes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_net::http::Request;
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, spawn_local, JsFuture};
use web_sys::{
    AbortController, AbortSignal, Document, Element, RequestCache, RequestCredentials,
    VisibilityState,
};

use super::app::now_ms;
use super::dom::{element, warn};
use super::js_value::to_json;
use super::probe::{self, Answer};
use crate::logic::catalog::Catalog;
use crate::logic::config::{is_same_origin_path, Config};
use crate::logic::environment::Environment;
use crate::logic::evidence::{
    Evidence, HttpAnswer, PastTarget, ProbeOutcome, Visit, GATEWAY_SELF_CHECK_PATH,
};
use crate::logic::messages::Message;
use crate::logic::status_page::{parse_status_report, StatusFormat};
use crate::logic::steps::{steps, Detail, Label};
use crate::logic::url::{is_email_address, is_http_url};
use crate::logic::verdict::{diagnose, Diagnosis};

/// Every probe of one round is aborted after this long: the visitor should not wait for the
/// diagnosis longer than for the recovery widget's own checks.
const TIMEOUT_MS: u64 = 4_000;

pub struct Diagnoser {
    document: Document,
    root: Element,
    section: Element,
    config: Config,
    /// The visitor's language, with the operator's overrides.
    texts: Rc<Catalog>,
    /// Outcomes so far: the recovery machine's page and health probes land here too (see
    /// [`Diagnoser::observe`]), so the diagnosis sends no request to the application itself.
    evidence: Rc<RefCell<Evidence>>,
    /// The gateway recipe that provides [`GATEWAY_SELF_CHECK_PATH`] also fills in the request line
    /// (nginx SSI); pages served without it (CDN single files) have no self-check to ask.
    self_check: bool,
    /// The first round has been rendered; later machine probes re-render at once.
    shown: Cell<bool>,
    environment: Environment,
    visit: Visit,
    /// Bumped on every round: a slower, older round never overwrites a newer one.
    round: Cell<u32>,
    /// A round was asked for while the tab was hidden: it runs when the tab is visible again
    /// (a hidden tab sends no requests).
    pending: Cell<bool>,
}

/// Starts the first round and re-runs on `online`/`offline`. The section is appended to `root`.
pub fn start(
    root: &Element,
    config: Config,
    texts: Rc<Catalog>,
    request_line: &str,
    request_id: &str,
) -> Result<Rc<Diagnoser>, JsValue> {
    let window = web_sys::window().ok_or("gateway-doctor: no window")?;
    let document = window.document().ok_or("gateway-doctor: no document")?;
    let navigator = window.navigator();
    let platform = Reflect::get(&navigator, &JsValue::from_str("userAgentData"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|data| Reflect::get(&data, &JsValue::from_str("platform")).ok())
        .and_then(|p| p.as_string())
        .or_else(|| navigator.platform().ok())
        .unwrap_or_default();
    let environment = Environment::detect(
        &navigator.user_agent().unwrap_or_default(),
        &platform,
        navigator.max_touch_points().max(0) as u32,
    );
    let host = window.location().hostname().unwrap_or_default();
    let visit = Visit::new(&host, Some(request_id));
    let section = element(
        &document,
        "section",
        &[("data-gd", "diagnosis"), ("aria-busy", "true")],
    )?;
    root.append_child(&section)?;
    let d = Rc::new(Diagnoser {
        document,
        root: root.clone(),
        section,
        evidence: Rc::new(RefCell::new(Evidence::for_config(&config, true))),
        self_check: !request_line.is_empty(),
        shown: Cell::new(false),
        config,
        texts,
        environment,
        visit,
        round: Cell::new(0),
        pending: Cell::new(false),
    });
    let again = d.clone();
    let rerun = Closure::<dyn FnMut()>::new(move || run(&again)).into_js_value();
    window.add_event_listener_with_callback("online", rerun.unchecked_ref())?;
    window.add_event_listener_with_callback("offline", rerun.unchecked_ref())?;
    let shown = d.clone();
    let on_visible = Closure::<dyn FnMut()>::new(move || {
        if shown.pending.get() {
            run(&shown);
        }
    })
    .into_js_value();
    d.document
        .add_event_listener_with_callback("visibilitychange", on_visible.unchecked_ref())?;
    run(&d);
    Ok(d)
}

fn run(d: &Rc<Diagnoser>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hidden = d.document.visibility_state() != VisibilityState::Visible;
    d.pending.set(hidden);
    if hidden {
        return;
    }
    let round = d.round.get().wrapping_add(1);
    d.round.set(round);
    let online = window.navigator().on_line();
    d.evidence.borrow_mut().online = online;
    let evidence = d.evidence.clone();
    let promises = Array::new();
    // Offline, nothing can answer: the verdict needs no probe. The page and health endpoint are
    // never fetched here: the machine's own checks (which respect `Retry-After` and poll health
    // only while down) arrive through `observe`.
    if online {
        let Ok(controller) = AbortController::new() else {
            return;
        };
        let signal = controller.signal();
        if d.self_check {
            promises.push(&future_to_promise(self_check(
                signal.clone(),
                evidence.clone(),
            )));
        }
        if let Some(status) = &d.config.status_page {
            promises.push(&future_to_promise(status_page(
                status.url.clone(),
                status.format,
                signal.clone(),
                evidence.clone(),
            )));
        }
        // Aborting a finished round is harmless, so the timer is never cleared.
        let abort = Closure::once_into_js(move || controller.abort());
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            abort.unchecked_ref(),
            TIMEOUT_MS as i32,
        );
    }
    let d = d.clone();
    spawn_local(async move {
        let _ = JsFuture::from(Promise::all(&promises)).await;
        if d.round.get() != round {
            return;
        }
        d.shown.set(true);
        d.show();
    });
}

/// A probe's answer as evidence.
pub fn outcome(answer: &Answer, aborted: bool, elapsed_ms: u32) -> ProbeOutcome {
    match *answer {
        Answer::Http {
            status,
            ref retry_after,
            our_error_page,
        } => ProbeOutcome::Answered(HttpAnswer {
            status: Some(status),
            retry_after: retry_after.is_some(),
            our_error_page,
            elapsed_ms,
        }),
        Answer::Failed if aborted => ProbeOutcome::TimedOut { elapsed_ms },
        Answer::Failed => ProbeOutcome::NoAnswer { elapsed_ms },
    }
}

fn elapsed_since(started: u64) -> u32 {
    now_ms().saturating_sub(started).min(u32::MAX as u64) as u32
}

async fn self_check(
    signal: AbortSignal,
    evidence: Rc<RefCell<Evidence>>,
) -> Result<JsValue, JsValue> {
    let started = now_ms();
    let answer = probe::send(GATEWAY_SELF_CHECK_PATH, false, &signal).await;
    evidence.borrow_mut().gateway = outcome(&answer, signal.aborted(), elapsed_since(started));
    Ok(JsValue::UNDEFINED)
}

async fn status_page(
    url: String,
    format: Option<StatusFormat>,
    signal: AbortSignal,
    evidence: Rc<RefCell<Evidence>>,
) -> Result<JsValue, JsValue> {
    let started = now_ms();
    let response = Request::get(&url)
        .cache(RequestCache::NoStore)
        .credentials(RequestCredentials::SameOrigin)
        .abort_signal(Some(&signal))
        .send()
        .await;
    let (outcome, report) = match response {
        Ok(response) => {
            let status = response.status();
            let outcome = ProbeOutcome::status(status, elapsed_since(started));
            let mut report = None;
            if (200..300).contains(&status) {
                let raw: web_sys::Response = response.into();
                let json = match raw.json() {
                    Ok(promise) => JsFuture::from(promise).await.ok(),
                    Err(_) => None,
                };
                if let Some(json) = json {
                    let (parsed, warnings) = parse_status_report(&to_json(&json), format);
                    for w in &warnings {
                        warn(&w.message());
                    }
                    report = Some(parsed);
                }
            }
            (outcome, report)
        }
        Err(_) if signal.aborted() => (
            ProbeOutcome::TimedOut {
                elapsed_ms: elapsed_since(started),
            },
            None,
        ),
        Err(_) => (
            ProbeOutcome::NoAnswer {
                elapsed_ms: elapsed_since(started),
            },
            None,
        ),
    };
    let mut e = evidence.borrow_mut();
    e.status_page.outcome = outcome;
    e.status_page.report = report;
    Ok(JsValue::UNDEFINED)
}

/// Only links that the logic's own checks accept become `href`s; anything else stays text.
fn safe_href(href: &str) -> bool {
    is_http_url(href)
        || is_same_origin_path(href)
        || href.strip_prefix("mailto:").is_some_and(is_email_address)
}

impl Diagnoser {
    /// One of the recovery machine's checks finished: record it and show the new diagnosis.
    pub fn observe(&self, health: bool, outcome: ProbeOutcome) {
        {
            let mut e = self.evidence.borrow_mut();
            if health {
                e.health = outcome;
                e.history.push(PastTarget::Health, outcome);
            } else {
                e.page = outcome;
                e.history.push(PastTarget::Page, outcome);
            }
        }
        if self.shown.get() {
            self.show();
        }
    }

    fn show(&self) {
        let diagnosis = diagnose(&self.evidence.borrow());
        if self.render(&diagnosis).is_err() {
            warn("gateway-doctor: could not show the diagnosis");
        }
    }

    fn text(&self, message: Message) -> &str {
        self.texts.get(message)
    }

    fn child(
        &self,
        parent: &Element,
        tag: &str,
        attributes: &[(&str, &str)],
        text: &str,
    ) -> Result<Element, JsValue> {
        let el = element(&self.document, tag, attributes)?;
        if !text.is_empty() {
            el.set_text_content(Some(text));
        }
        parent.append_child(&el)?;
        Ok(el)
    }

    fn render(&self, diagnosis: &Diagnosis) -> Result<(), JsValue> {
        let verdict = diagnosis.verdict;
        let s = &self.section;
        s.set_text_content(None);
        self.child(
            s,
            "h2",
            &[("data-gd", "verdict-title")],
            self.text(verdict.title()),
        )?;
        self.child(
            s,
            "p",
            &[("data-gd", "verdict-detail")],
            self.text(verdict.explanation()),
        )?;
        if let Some(incident) = &diagnosis.incident {
            let title = if incident.title.is_empty() {
                self.text(Message::IncidentUntitled)
            } else {
                incident.title.as_str()
            };
            let p = self.child(s, "p", &[("data-gd", "incident")], title)?;
            if let Some(started) = &incident.started {
                p.append_with_str_1(" · ")?;
                p.append_with_str_1(self.text(Message::IncidentStarted))?;
                p.append_with_str_1(" ")?;
                self.child(&p, "time", &[], started)?;
            }
        }

        let hops = self.child(s, "ol", &[("data-gd", "hops")], "")?;
        for mark in &diagnosis.hops {
            let li = self.child(
                &hops,
                "li",
                &[
                    ("data-hop", mark.hop.as_str()),
                    ("data-result", mark.result.as_str()),
                ],
                "",
            )?;
            self.child(&li, "strong", &[], self.text(mark.hop.label()))?;
            self.child(&li, "span", &[], self.text(mark.result.label()))?;
        }

        let list = self.child(s, "ol", &[("data-gd", "steps")], "")?;
        for step in steps(diagnosis, &self.environment, &self.config, &self.visit) {
            let li = self.child(&list, "li", &[("data-step", step.id.as_str())], "")?;
            self.child(&li, "strong", &[], self.text(step.title))?;
            for detail in &step.details {
                self.detail(&li, detail)?;
            }
        }

        let _ = s.remove_attribute("aria-busy");
        s.set_attribute("data-verdict", verdict.as_str())?;
        self.root.set_attribute("data-verdict", verdict.as_str())
    }

    fn detail(&self, li: &Element, detail: &Detail) -> Result<(), JsValue> {
        match detail {
            // The recovery widget above already shows the live countdown.
            Detail::Countdown => return Ok(()),
            _ => li.append_with_str_1(" ")?,
        }
        match detail {
            Detail::Text(message) => li.append_with_str_1(self.text(*message))?,
            Detail::Keys(alternatives) => {
                for (i, combo) in alternatives.iter().enumerate() {
                    if i > 0 {
                        li.append_with_str_1(" / ")?;
                    }
                    for (j, key) in combo.iter().enumerate() {
                        if j > 0 {
                            li.append_with_str_1("+")?;
                        }
                        self.child(li, "kbd", &[], self.text(key.label()))?;
                    }
                }
            }
            Detail::Menu(path) => {
                let mut joined = String::new();
                for (i, item) in path.iter().enumerate() {
                    if i > 0 {
                        joined.push_str(" → ");
                    }
                    joined.push_str(self.text(*item));
                }
                self.child(li, "span", &[("data-gd", "menu")], &joined)?;
            }
            Detail::Link(link) => {
                let label = match &link.label {
                    Label::Message(message) => self.text(*message),
                    Label::Verbatim(name) => name.as_str(),
                };
                if safe_href(&link.href) {
                    let a = self.child(li, "a", &[], label)?;
                    a.set_attribute("href", &link.href)?;
                    if is_http_url(&link.href) {
                        a.set_attribute("rel", "noopener noreferrer")?;
                    }
                } else {
                    li.append_with_str_1(label)?;
                }
            }
            Detail::Code(text) => {
                self.child(li, "code", &[], text)?;
            }
            Detail::Command(text) | Detail::ConfigSnippet(text) => {
                self.child(li, "code", &[], text)?;
            }
            Detail::Countdown => {}
        }
        Ok(())
    }
}
