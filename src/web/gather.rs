//! Measuring, for the diagnosis: one round of probes sent in parallel under one deadline, each
//! outcome written into the shared [`Evidence`] as it lands, and the `diagnose(config)` export
//! that gathers once and returns plain data (no rendering).
//!
//! What a round probes: the gateway self-check (when asked), the status page, every configured
//! alternate (mirrors, regions, CDN assets) and the optional third-party endpoint; the page and
//! the health endpoint only when asked (the widget takes those from the recovery machine's own
//! checks, so it never adds a request to the application before `Retry-After`).
//!
//! Cross-origin endpoints are probed without cookies or referrer. When the endpoint sends no CORS
//! headers, an opaque `no-cors` request still proves it is reachable (its status stays hidden).
//! An endpoint the page's Content-Security-Policy refuses (`connect-src`) was never really probed:
//! [`CspWatch`] notices the violation and the outcome is forgotten, with a console warning saying
//! what to add, instead of counting it as "no answer" (which would blame the visitor's network).
// The error page's build has no `diagnose` export (feature "api" off): its helpers are unused there.
#![cfg_attr(not(feature = "api"), allow(dead_code, unused_imports))]

use super::dom;
use crate::logic::text::find_byte;
use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal, RequestCredentials, RequestMode, RequestRedirect};

use super::dom::warn;
use super::js_value::to_json;
use super::probe::{self, Options};
use super::promise::{after_queued_tasks, when_settled};
use super::teardown::Teardown;
use crate::logic::config::{config_from_json, is_same_origin_path, Config, StatusPageConfig};
use crate::logic::environment::Environment;
use crate::logic::evidence::{Evidence, HttpAnswer, ProbeOutcome, Visit, GATEWAY_SELF_CHECK_PATH};
use crate::logic::report::{diagnostic_report, ReportContext};
use crate::logic::status_page::parse_status_report;
use crate::logic::steps::steps;
use crate::logic::verdict::{diagnose as decide, Diagnosis};

/// No probe of a round waits longer than this (nor longer than `probeTimeoutMs`): the visitor
/// should not wait for the diagnosis longer than for the recovery widget's own checks.
pub const ROUND_TIMEOUT_MS: u64 = 4_000;

/// What one round probes besides the configured endpoints.
#[derive(Clone, Default)]
pub struct Targets {
    /// [`GATEWAY_SELF_CHECK_PATH`]; only where the gateway provides it.
    pub self_check: bool,
    /// The page itself (URL without fragment).
    pub page: Option<String>,
    /// The operator's health endpoint.
    pub health: Option<String>,
}

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn elapsed_since(started: u64) -> u32 {
    now_ms().saturating_sub(started).min(u64::from(u32::MAX)) as u32
}

/// A [`probe::Answer`] as evidence.
pub fn outcome(answer: &probe::Answer, aborted: bool, elapsed_ms: u32) -> ProbeOutcome {
    match *answer {
        probe::Answer::Http {
            status,
            ref retry_after,
            our_error_page,
            ..
        } => ProbeOutcome::Answered(HttpAnswer {
            status: Some(status),
            retry_after: retry_after.is_some(),
            our_error_page,
            elapsed_ms,
        }),
        probe::Answer::Failed if aborted => ProbeOutcome::TimedOut { elapsed_ms },
        probe::Answer::Failed => ProbeOutcome::NoAnswer { elapsed_ms },
    }
}

/// How long a round may take for this config.
pub fn round_timeout_ms(config: &Config) -> u64 {
    config.probe_timeout_ms.min(ROUND_TIMEOUT_MS)
}

/// Which evidence slot a probe fills.
#[derive(Clone, Copy)]
enum Slot {
    Page,
    Gateway,
    Health,
    StatusPage,
    Alternate(usize),
    ThirdParty,
}

fn store(evidence: &RefCell<Evidence>, slot: Slot, outcome: ProbeOutcome) {
    let mut e = evidence.borrow_mut();
    match slot {
        Slot::Page => e.page = outcome,
        Slot::Gateway => e.gateway = outcome,
        Slot::Health => e.health = outcome,
        Slot::Alternate(i) => {
            if let Some(a) = e.alternates.get_mut(i) {
                a.outcome = outcome;
            }
        }
        Slot::ThirdParty => e.third_party = outcome,
        // `status_page` stores the outcome together with the report.
        Slot::StatusPage => {}
    }
}

/// Counts the probes of a round still in flight; the last one to land calls the round's `done`.
struct Pending {
    left: Cell<u32>,
    done: Cell<Option<Box<dyn FnOnce()>>>,
}

impl Pending {
    fn landed(&self) {
        let left = self.left.get().saturating_sub(1);
        self.left.set(left);
        if left == 0 {
            if let Some(done) = self.done.take() {
                done();
            }
        }
    }
}

/// Sends one round; `done` gets how many requests were sent once every probe has landed or the
/// deadline aborted it.
///
/// `controller` aborts every probe of the round: at its deadline, or earlier when the caller
/// aborts it (unmount). Without one (the browser refused to make it) nothing is sent.
pub fn round(
    config: &Config,
    evidence: &Rc<RefCell<Evidence>>,
    targets: Targets,
    controller: Result<AbortController, JsValue>,
    done: Box<dyn FnOnce(u32)>,
) {
    let (Some(window), Ok(controller)) = (dom::window(), controller) else {
        return done(0);
    };
    let signal = controller.signal();
    // Each probe below is `(slot, url, how)`; sent once the count is known.
    enum How {
        SameOrigin { read_body: bool },
        Reach,
        StatusPage(StatusPageConfig),
    }
    let mut probes: Vec<(Slot, String, How)> = Vec::new();
    if let Some(page) = targets.page {
        probes.push((Slot::Page, page, How::SameOrigin { read_body: true }));
    }
    if targets.self_check {
        let url = GATEWAY_SELF_CHECK_PATH.to_owned();
        probes.push((Slot::Gateway, url, How::SameOrigin { read_body: false }));
    }
    if let Some(health) = targets.health {
        probes.push((Slot::Health, health, How::SameOrigin { read_body: false }));
    }
    if let Some(status) = &config.status_page {
        probes.push((
            Slot::StatusPage,
            String::new(),
            How::StatusPage(status.clone()),
        ));
    }
    for (i, alternate) in config.alternates.iter().enumerate() {
        let how = if is_same_origin_path(&alternate.url) {
            How::SameOrigin { read_body: false }
        } else {
            How::Reach
        };
        probes.push((Slot::Alternate(i), alternate.url.clone(), how));
    }
    if let Some(url) = &config.third_party {
        probes.push((Slot::ThirdParty, url.clone(), How::Reach));
    }
    let sent = probes.len() as u32;
    // One more than the probes: released below, after every probe is under way.
    let pending = Rc::new(Pending {
        left: Cell::new(sent + 1),
        done: Cell::new(Some(Box::new(move || done(sent)))),
    });
    for (slot, url, how) in probes {
        let (into, pending) = (evidence.clone(), pending.clone());
        let landed = move |outcome: ProbeOutcome| {
            store(&into, slot, outcome);
            pending.landed();
        };
        match how {
            How::SameOrigin { read_body } => {
                let started = now_ms();
                let aborted = signal.clone();
                probe::send(
                    &url,
                    read_body,
                    &signal,
                    Box::new(move |answer| {
                        landed(outcome(&answer, aborted.aborted(), elapsed_since(started)))
                    }),
                );
            }
            How::Reach => probe::reach(&url, &signal, Box::new(landed)),
            How::StatusPage(status) => status_page(status, &signal, evidence.clone(), landed),
        }
    }
    // Aborting a finished round is harmless, so the timer is never cleared.
    let abort = Closure::once_into_js(move || controller.abort());
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        abort.unchecked_ref(),
        round_timeout_ms(config) as i32,
    );
    // A round without probes is done after the tasks already queued, like one whose probes
    // all failed at once.
    after_queued_tasks(Box::new(move || pending.landed()));
}

/// Fetches the status page and reads its JSON into the evidence; `landed` gets the outcome.
fn status_page(
    status: StatusPageConfig,
    signal: &AbortSignal,
    evidence: Rc<RefCell<Evidence>>,
    landed: impl FnOnce(ProbeOutcome) + 'static,
) {
    let started = now_ms();
    // Same origin: the site's cookies are fine. Elsewhere: none (privacy), and CORS is required
    // anyway to read the JSON.
    let credentials = if is_same_origin_path(&status.url) {
        RequestCredentials::SameOrigin
    } else {
        RequestCredentials::Omit
    };
    let options = Options {
        mode: RequestMode::Cors,
        credentials,
        redirect: RequestRedirect::Follow,
        no_referrer: false,
    };
    let aborted = signal.clone();
    let finish = move |outcome: ProbeOutcome, json: Option<JsValue>| {
        let report = json.map(|json| {
            let (parsed, warnings) = parse_status_report(&to_json(&json), status.format);
            for w in &warnings {
                warn(&w.message());
            }
            parsed
        });
        {
            let mut e = evidence.borrow_mut();
            e.status_page.outcome = outcome;
            e.status_page.report = report;
        }
        landed(outcome);
    };
    when_settled(
        &probe::fetch(&status.url, options, signal),
        Box::new(move |response| {
            let elapsed_ms = elapsed_since(started);
            let response: web_sys::Response = match response {
                Ok(response) => response.unchecked_into(),
                Err(_) if aborted.aborted() => {
                    return finish(ProbeOutcome::TimedOut { elapsed_ms }, None)
                }
                Err(_) => return finish(ProbeOutcome::NoAnswer { elapsed_ms }, None),
            };
            let code = response.status();
            let outcome = ProbeOutcome::status(code, elapsed_ms);
            if !(200..300).contains(&code) {
                return finish(outcome, None);
            }
            let Ok(json) = response.json() else {
                warn(NOT_JSON);
                return finish(outcome, None);
            };
            when_settled(
                &json,
                Box::new(move |json| {
                    if json.is_err() {
                        warn(NOT_JSON);
                    }
                    finish(outcome, json.ok())
                }),
            );
        }),
    );
}

const NOT_JSON: &str = "gateway-doctor: the status page did not answer JSON";

// ---------------------------------------------------------------------------------------------
// Content-Security-Policy

/// Remembers which configured endpoints the page's Content-Security-Policy refused, so they
/// count as not probed rather than as failed.
#[derive(Default)]
pub struct CspWatch {
    /// Origins (`https://host:port`) a `securitypolicyviolation` event named.
    blocked: RefCell<Vec<String>>,
    /// Called after each newly blocked origin (the widget re-renders).
    on_change: RefCell<Option<js_sys::Function>>,
}

fn origin_of(url: &str) -> Option<String> {
    let base = dom::window()?.location().href().ok()?;
    web_sys::Url::new_with_base(url, &base)
        .ok()
        .map(|u| u.origin())
}

impl CspWatch {
    /// Listens for violations until `teardown` stops (the widget's unmount, or the end of a
    /// `diagnose` call); on the error page, for the rest of the page's life.
    pub fn start(teardown: &Teardown) -> Result<Rc<CspWatch>, JsValue> {
        let document = dom::window()
            .and_then(|w| w.document())
            .ok_or("gateway-doctor: no document")?;
        let watch = Rc::new(CspWatch::default());
        let w = watch.clone();
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let uri = Reflect::get(&event, &JsValue::from_str("blockedURI"))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let Some(origin) = origin_of(&uri) else {
                return;
            };
            if w.blocked.borrow().contains(&origin) {
                return;
            }
            w.blocked.borrow_mut().push(origin);
            let callback = w.on_change.borrow().clone();
            if let Some(f) = callback {
                let _ = f.call0(&JsValue::NULL);
            }
        })
        .into_js_value();
        teardown.listen(&document, "securitypolicyviolation", &listener)?;
        Ok(watch)
    }

    /// Runs `f` after each newly blocked origin.
    pub fn on_change(&self, f: js_sys::Function) {
        *self.on_change.borrow_mut() = Some(f);
    }

    /// Forgets the `on_change` callback (at unmount: it holds the widget, which holds this).
    #[cfg(feature = "api")]
    pub fn forget_on_change(&self) {
        self.on_change.take();
    }

    fn is_blocked(&self, url: &str) -> bool {
        !is_same_origin_path(url)
            && origin_of(url).is_some_and(|o| self.blocked.borrow().contains(&o))
    }

    /// Forgets the outcomes of endpoints the policy refused, warning once per endpoint.
    pub fn apply(&self, config: &Config, evidence: &mut Evidence, warned: &Cell<u32>) {
        let note = |bit: u32, url: &str| {
            if warned.get() & bit == 0 {
                warned.set(warned.get() | bit);
                let mut m =
                    String::from("gateway-doctor: the page's Content-Security-Policy blocks ");
                m.push_str(url);
                m.push_str(
                    "; add its origin to connect-src (see the nginx recipe), until then it is not used for the diagnosis",
                );
                warn(&m);
            }
        };
        for (i, (alternate, slot)) in config
            .alternates
            .iter()
            .zip(evidence.alternates.iter_mut())
            .enumerate()
        {
            if self.is_blocked(&alternate.url) {
                slot.outcome = ProbeOutcome::NotProbed;
                note(1 << i, &alternate.url);
            }
        }
        if let Some(url) = &config.third_party {
            if self.is_blocked(url) {
                evidence.third_party = ProbeOutcome::NotProbed;
                note(1 << 30, url);
            }
        }
        if let Some(status) = &config.status_page {
            if self.is_blocked(&status.url) {
                evidence.status_page.outcome = ProbeOutcome::NotProbed;
                evidence.status_page.report = None;
                note(1 << 31, &status.url);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The visitor's device and visit

/// OS and browser, from the user agent (client hints' platform where the browser has them).
pub fn environment() -> Environment {
    let Some(window) = dom::window() else {
        return Environment::default();
    };
    let navigator = window.navigator();
    let platform = Reflect::get(&navigator, &JsValue::from_str("userAgentData"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|data| Reflect::get(&data, &JsValue::from_str("platform")).ok())
        .and_then(|p| p.as_string())
        .or_else(|| navigator.platform().ok())
        .unwrap_or_default();
    Environment::detect(
        &navigator.user_agent().unwrap_or_default(),
        &platform,
        navigator.max_touch_points().max(0) as u32,
    )
}

/// `location.hostname`.
pub fn host() -> String {
    dom::window()
        .and_then(|w| w.location().hostname().ok())
        .unwrap_or_default()
}

/// A `<meta name="gateway-doctor:NAME">` value, empty when missing (nginx SSI fills these in).
pub fn meta(name: &str) -> String {
    let mut selector = String::from("meta[name=\"gateway-doctor:");
    selector.push_str(name);
    selector.push_str("\"]");
    dom::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(&selector).ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default()
}

/// `new Date().toISOString()`.
pub fn utc_now() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

// ---------------------------------------------------------------------------------------------
// The `diagnose(config)` export

// The result is declared as typed structs (mirroring `Diagnosis` in www/npm/index.d.ts) and turned
// into plain JavaScript objects by serde-wasm-bindgen. Only the npm build (feature `api`) has this
// export, so the error page's wasm carries neither serde's serializer nor these types.

#[cfg(feature = "api")]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct DiagnoseResult<'a> {
    verdict: &'static str,
    hops: Vec<HopOut>,
    steps: Vec<&'static str>,
    report: String,
    evidence: EvidenceOut<'a>,
}

#[cfg(feature = "api")]
#[derive(serde::Serialize)]
struct HopOut {
    hop: &'static str,
    result: &'static str,
}

#[cfg(feature = "api")]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct EvidenceOut<'a> {
    online: bool,
    reasons: Vec<String>,
    probes: Vec<ProbeOut<'a>>,
    incident: Option<IncidentOut<'a>>,
    alternate_up: Option<AlternateOut<'a>>,
}

#[cfg(feature = "api")]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ProbeOut<'a> {
    target: &'static str,
    outcome: &'static str,
    status: Option<u16>,
    error_page: bool,
    retry_after: bool,
    ms: u32,
    // Alternates only: absent (not null) on the other probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
}

#[cfg(feature = "api")]
#[derive(serde::Serialize)]
struct IncidentOut<'a> {
    title: &'a str,
    started: Option<&'a str>,
    url: Option<&'a str>,
}

#[cfg(feature = "api")]
#[derive(serde::Serialize)]
struct AlternateOut<'a> {
    name: &'a str,
    url: &'a str,
}

#[cfg(feature = "api")]
fn probe_out(target: &'static str, outcome: &ProbeOutcome) -> ProbeOut<'static> {
    let outcome_kind = match outcome {
        ProbeOutcome::NotProbed => "not-probed",
        ProbeOutcome::NoAnswer { .. } => "no-answer",
        ProbeOutcome::TimedOut { .. } => "timeout",
        ProbeOutcome::Answered(HttpAnswer { status: None, .. }) => "opaque",
        ProbeOutcome::Answered(_) => "answered",
    };
    let answer = outcome.answer();
    ProbeOut {
        target,
        outcome: outcome_kind,
        status: outcome.status_code(),
        error_page: answer.is_some_and(|a| a.our_error_page),
        retry_after: answer.is_some_and(|a| a.retry_after),
        ms: outcome.elapsed_ms().unwrap_or(0),
        name: None,
        kind: None,
    }
}

/// The diagnosis as plain data (the shape is documented in ARCHITECTURE.md and index.d.ts).
#[cfg(feature = "api")]
fn result_value(
    config: &Config,
    d: &Diagnosis,
    e: &Evidence,
    environment: &Environment,
    visit: &Visit,
    report: String,
) -> Result<JsValue, JsValue> {
    let mut probes = Vec::new();
    for (target, outcome) in [
        ("page", &e.page),
        ("gateway", &e.gateway),
        ("health", &e.health),
        ("status-page", &e.status_page.outcome),
    ] {
        if outcome.was_probed() {
            probes.push(probe_out(target, outcome));
        }
    }
    for alternate in &e.alternates {
        if alternate.outcome.was_probed() {
            probes.push(ProbeOut {
                name: Some(&alternate.name),
                kind: Some(alternate.kind.as_str()),
                ..probe_out("alternate", &alternate.outcome)
            });
        }
    }
    if e.third_party.was_probed() {
        probes.push(probe_out("third-party", &e.third_party));
    }
    let result = DiagnoseResult {
        verdict: d.verdict.as_str(),
        hops: d
            .hops
            .iter()
            .map(|mark| HopOut {
                hop: mark.hop.as_str(),
                result: mark.result.as_str(),
            })
            .collect(),
        steps: steps(d, environment, config, visit)
            .iter()
            .map(|step| step.id.as_str())
            .collect(),
        report,
        evidence: EvidenceOut {
            online: e.online,
            reasons: d.reasons.iter().map(|reason| reason.id()).collect(),
            probes,
            incident: d.incident.as_ref().map(|i| IncidentOut {
                title: &i.title,
                started: i.started.as_deref(),
                url: i.url.as_deref(),
            }),
            alternate_up: d
                .alternate_up
                .and_then(|i| config.alternates.get(i))
                .map(|a| AlternateOut {
                    name: &a.name,
                    url: &a.url,
                }),
        },
    };
    // Plain objects (not Maps), and null rather than undefined for what is missing.
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    serde::Serialize::serialize(&result, &serializer).map_err(JsValue::from)
}

/// Gathers the evidence once — the page, the gateway self-check, the health endpoint, the status
/// page, the alternates and the third party, in parallel, each aborted after
/// `min(probeTimeoutMs, 4 s)` — and returns the diagnosis as plain data:
/// `{verdict, hops: [{hop, result}], steps: [id], report, evidence: {online, reasons, probes,
/// incident, alternateUp}}`. Nothing is rendered. Bad config keys give console warnings and
/// defaults, as with `mount`.
#[cfg(feature = "api")]
#[wasm_bindgen]
pub fn diagnose(config: JsValue) -> Promise {
    let (config, warnings) = config_from_json(&to_json(&config));
    for warning in &warnings {
        warn(&warning.message());
    }
    let Some(window) = dom::window() else {
        return Promise::reject(&JsValue::from_str("gateway-doctor: no window"));
    };
    let online = window.navigator().on_line();
    let evidence = Rc::new(RefCell::new(Evidence::for_config(&config, online)));
    // The violation listener lives as long as this call, not as long as the page.
    let listening = Teardown::new();
    let csp = match CspWatch::start(&listening) {
        Ok(csp) => csp,
        Err(e) => return Promise::reject(&e),
    };
    let page = match window.location().href() {
        Ok(mut page) => {
            if let Some(hash) = find_byte(&page, b'#') {
                page.truncate(hash);
            }
            page
        }
        Err(e) => return Promise::reject(&e),
    };
    let config = Rc::new(config);
    Promise::new(&mut |resolve, reject| {
        let (settings, gathered, csp, listening) = (
            config.clone(),
            evidence.clone(),
            csp.clone(),
            listening.clone(),
        );
        let decided = move |sent: u32| {
            let config = settings;
            if online {
                csp.apply(&config, &mut gathered.borrow_mut(), &Cell::new(0));
            }
            listening.stop();
            let e = gathered.borrow().clone();
            let d = decide(&e);
            let environment = environment();
            let request_id = meta("request-id");
            let visit = Visit::new(&host(), Some(&request_id));
            let time = utc_now();
            let report = diagnostic_report(
                &d,
                &e,
                &environment,
                &visit,
                ReportContext {
                    utc_time: &time,
                    checks_sent: sent,
                },
            );
            match result_value(&config, &d, &e, &environment, &visit, report) {
                Ok(result) => drop(resolve.call1(&JsValue::UNDEFINED, &result)),
                Err(error) => drop(reject.call1(&JsValue::UNDEFINED, &error)),
            }
        };
        if !online {
            return decided(0);
        }
        let targets = Targets {
            self_check: true,
            page: Some(page.clone()),
            health: config.health_url.clone(),
        };
        // Violation events are queued as tasks: let them arrive before deciding.
        let after_violations = move |sent: u32| after_queued_tasks(Box::new(move || decided(sent)));
        round(
            &config,
            &evidence,
            targets,
            AbortController::new(),
            Box::new(after_violations),
        );
    })
}
