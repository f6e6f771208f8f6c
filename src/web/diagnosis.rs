//! The diagnosis under the recovery widget: the logic's verdict, hop marks and the visitor's
//! steps, a "Copy diagnostic report" button and, when the operator enabled it, the operator's
//! checklist. Everything is set as text or attributes.
//!
//! Evidence: the gateway's first answer (the page's own status, filled in by SSI) is shown at
//! once; then one round of probes ([`gather::round`]: self-check, status page, alternates, third
//! party) runs at mount, again when the device comes back online, and again when one of the
//! recovery machine's checks of the page differs in kind from the last one (the gateway may have
//! gone, the application may be back), or once a minute while the visitor waits
//! ([`round_due`]). The page and health outcomes come from the machine's own
//! checks ([`Diagnoser::observe`]), so the diagnosis adds no request to the application.

use super::dom;
use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::{Cell, Ref, RefCell};

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, Document, Element};

use super::app::is_visible;
use super::dom::{element, warn};
use super::gather::{self, CspWatch, Targets};
use super::page::PageInfo;
use super::promise::{after_queued_tasks, when_settled};
use super::teardown::Teardown;
use crate::logic::catalog::Catalog;
use crate::logic::config::{is_same_origin_path, Config};
use crate::logic::environment::Environment;
use crate::logic::evidence::{round_due, Evidence, PastTarget, ProbeOutcome, Stale, Visit};
use crate::logic::messages::Message;
use crate::logic::report::{diagnostic_report, ReportContext};
use crate::logic::steps::{operator_checklist, steps, Detail, Label};
use crate::logic::url::{is_email_address, is_http_url};
use crate::logic::verdict::{diagnose, Diagnosis};

pub use super::gather::outcome;

/// The report area: a button, a polite status line, and a read-only text box that shows the
/// report selected when the clipboard cannot be used.
struct ReportUi {
    status: Element,
    text: Element,
}

pub struct Diagnoser {
    document: Document,
    root: Element,
    section: Element,
    /// Re-rendered on every change: verdict, incident, hops, steps.
    live: Element,
    report_ui: RefCell<Option<ReportUi>>,
    config: Config,
    /// The visitor's language, with the operator's overrides.
    texts: Rc<Catalog>,
    /// Outcomes so far: the recovery machine's page and health probes land here too.
    evidence: Rc<RefCell<Evidence>>,
    /// The gateway recipe that provides the self-check also fills in the request line (nginx
    /// SSI); pages served without it (CDN single files) have no self-check to ask.
    self_check: bool,
    environment: Environment,
    visit: Visit,
    /// Bumped on every round: a slower, older round never overwrites a newer one.
    round: Cell<u32>,
    /// A round is in flight (a check that differs in kind does not start a second one).
    running: Cell<bool>,
    /// A round was asked for while the tab was hidden: it runs when the tab is visible again
    /// (a hidden tab sends no requests).
    pending: Cell<bool>,
    /// The recovery machine's checks so far, for the report.
    checks: Cell<u32>,
    csp: Rc<CspWatch>,
    csp_warned: Cell<u32>,
    /// The page and health outcomes from before the device went offline.
    stale: Cell<Option<Stale>>,
    /// When the last round started (`Date.now()`).
    round_started: Cell<u64>,
    /// Rounds in a row in which some probe hit the deadline.
    timed_out_rounds: Cell<u32>,
    /// The widget's: listeners are added through it, and nothing runs once it stopped.
    teardown: Teardown,
    /// The round in flight, aborted at unmount (npm build only).
    #[cfg(feature = "api")]
    round_abort: RefCell<Option<AbortController>>,
}

/// Starts the diagnosis under `root`: shows what the gateway already said, starts the first
/// round, and re-runs on `online`/`offline`.
pub fn start(
    root: &Element,
    config: Config,
    texts: Rc<Catalog>,
    page: &PageInfo,
    teardown: Teardown,
) -> Result<Rc<Diagnoser>, JsValue> {
    let window = dom::window().ok_or("gateway-doctor: no window")?;
    let document = window.document().ok_or("gateway-doctor: no document")?;
    let visit = Visit::new(&gather::host(), Some(&page.request_id)).with_upstream(
        &page.upstream_addr,
        &page.upstream_status,
        &page.time,
    );
    let mut evidence = Evidence::for_config(&config, window.navigator().on_line());
    evidence.page = ProbeOutcome::from_gateway_page(&page.status, !page.retry_after.is_empty());
    let section = element(&document, "section", &[("data-gd", "diagnosis")])?;
    // Hidden by the stylesheet until there is something to say.
    section.set_attribute("aria-busy", "true")?;
    let live = element(&document, "div", &[("data-gd", "verdict")])?;
    section.append_child(&live)?;
    root.append_child(&section)?;
    let d = Rc::new(Diagnoser {
        document,
        root: root.clone(),
        section,
        live,
        report_ui: RefCell::new(None),
        self_check: !page.request.is_empty(),
        evidence: Rc::new(RefCell::new(evidence)),
        config,
        texts,
        environment: gather::environment(),
        visit,
        round: Cell::new(0),
        running: Cell::new(false),
        pending: Cell::new(false),
        checks: Cell::new(0),
        csp: CspWatch::start(&teardown)?,
        csp_warned: Cell::new(0),
        stale: Cell::new(None),
        round_started: Cell::new(gather::now_ms()),
        timed_out_rounds: Cell::new(0),
        teardown,
        #[cfg(feature = "api")]
        round_abort: RefCell::new(None),
    });
    d.build_report_ui()?;
    if d.config.operator.enabled {
        d.build_operator()?;
    }

    let again = d.clone();
    let rerun = Closure::<dyn FnMut()>::new(move || run(&again)).into_js_value();
    d.teardown.listen(&window, "online", &rerun)?;
    d.teardown.listen(&window, "offline", &rerun)?;
    let shown = d.clone();
    let on_visible = Closure::<dyn FnMut()>::new(move || {
        if shown.pending.get() {
            run(&shown);
        }
    })
    .into_js_value();
    d.teardown
        .listen(&d.document, "visibilitychange", &on_visible)?;
    let refresh = d.clone();
    let on_csp = Closure::<dyn FnMut()>::new(move || {
        if !refresh.section.has_attribute("aria-busy") {
            refresh.show();
        }
    })
    .into_js_value();
    d.csp.on_change(on_csp.unchecked_into());

    // The gateway already told us how this request failed: say so at once, before any probe.
    if d.evidence.borrow().page.was_probed() {
        d.show();
    }
    run(&d);
    Ok(d)
}

fn run(d: &Rc<Diagnoser>) {
    let Some(window) = dom::window() else {
        return;
    };
    let hidden = !is_visible(&d.document);
    d.pending.set(hidden);
    if hidden {
        return;
    }
    let round = d.round.get().wrapping_add(1);
    d.round.set(round);
    if !window.navigator().on_line() {
        // Nothing can answer, and nothing measured before says anything about now.
        let stale = d.evidence.borrow_mut().went_offline();
        if d.stale.get().is_none() {
            d.stale.set(Some(stale));
        }
        d.set_running(false);
        d.show();
        return;
    }
    match d.stale.take() {
        Some(stale) => d.evidence.borrow_mut().came_online(stale),
        None => d.evidence.borrow_mut().online = true,
    }
    d.set_running(true);
    d.round_started.set(gather::now_ms());
    let targets = Targets {
        self_check: d.self_check,
        ..Targets::default()
    };
    let controller = AbortController::new();
    #[cfg(feature = "api")]
    d.round_abort.replace(controller.clone().ok());
    let landed = d.clone();
    let round_done = move |_sent: u32| {
        if landed.round.get() != round {
            return;
        }
        // Content-Security-Policy violations are reported as tasks: let them arrive first.
        after_queued_tasks(Box::new(move || {
            // Unmounted meanwhile (the round was aborted): nothing to show.
            if landed.teardown.is_stopped() {
                return;
            }
            let timed_out = landed.evidence.borrow().round_timed_out();
            landed.timed_out_rounds.set(if timed_out {
                landed.timed_out_rounds.get().saturating_add(1)
            } else {
                0
            });
            landed.set_running(false);
            landed.show();
        }));
    };
    gather::round(
        &d.config,
        &d.evidence,
        targets,
        controller,
        Box::new(round_done),
    );
}

/// Only links that the logic's own checks accept become `href`s; anything else stays text.
fn safe_href(href: &str) -> bool {
    is_http_url(href)
        || is_same_origin_path(href)
        || href.strip_prefix("mailto:").is_some_and(is_email_address)
}

impl Diagnoser {
    /// At unmount (after the teardown removed the listeners): aborts the round in flight and
    /// drops the callback that holds this diagnoser.
    #[cfg(feature = "api")]
    pub fn stop(&self) {
        if let Some(controller) = self.round_abort.take() {
            controller.abort();
        }
        self.csp.forget_on_change();
    }

    /// `data-round` on the section says whether probes are in flight (`running`) or the verdict
    /// rests on everything measured (`done`): a hook for styles, monitoring and tests.
    fn set_running(&self, running: bool) {
        self.running.set(running);
        let _ = self
            .section
            .set_attribute("data-round", if running { "running" } else { "done" });
    }

    /// One of the recovery machine's checks finished: record it and show the new diagnosis. A
    /// check that differs in kind from the last one (silence after answers, a new status)
    /// measures the rest again.
    pub fn observe(self: &Rc<Self>, health: bool, outcome: ProbeOutcome) {
        self.checks.set(self.checks.get().saturating_add(1));
        let target = if health {
            PastTarget::Health
        } else {
            PastTarget::Page
        };
        // Offline, a check that was already under way says nothing about now: an answer is kept
        // for when the link is back; a failure (aborted by the lost link) is not evidence at all.
        if let Some(mut stale) = self.stale.get() {
            if !outcome.got_answer() {
                return;
            }
            *(if health {
                &mut stale.health
            } else {
                &mut stale.page
            }) = outcome;
            self.stale.set(Some(stale));
            self.evidence.borrow_mut().history.push(target, outcome);
            return;
        }
        let changed = {
            let mut e = self.evidence.borrow_mut();
            let slot = if health { &mut e.health } else { &mut e.page };
            let before = *slot;
            *slot = outcome;
            e.history.push(target, outcome);
            let since = gather::now_ms().saturating_sub(self.round_started.get());
            round_due(&before, &outcome, since, self.timed_out_rounds.get())
        };
        if changed && !self.running.get() {
            // Shown when the new round lands, so the page does not flash a half-measured verdict.
            run(self);
        } else if !self.running.get() || !self.section.has_attribute("aria-busy") {
            self.show();
        }
    }

    /// The evidence as the logic should see it: endpoints the page's policy refused are
    /// forgotten, not failed. Forgotten in place (no copy of the evidence): the next round
    /// measures them again, and they are forgotten again before anything reads them.
    fn evidence(&self) -> Ref<'_, Evidence> {
        self.csp.apply(
            &self.config,
            &mut self.evidence.borrow_mut(),
            &self.csp_warned,
        );
        self.evidence.borrow()
    }

    fn show(&self) {
        let diagnosis = diagnose(&self.evidence());
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
        let s = &self.live;
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

        let tailored = steps(diagnosis, &self.environment, &self.config, &self.visit);
        let list = self.child(s, "ol", &[("data-gd", "steps")], "")?;
        for step in &tailored {
            let li = self.child(&list, "li", &[("data-step", step.id.as_str())], "")?;
            self.child(&li, "strong", &[], self.text(step.title))?;
            self.details(&li, &step.details)?;
        }
        if !tailored.is_empty() {
            // One list of steps: the page's static one stays for visitors without JavaScript.
            self.hide_static("section.gd-steps");
        }

        let _ = self.section.remove_attribute("aria-busy");
        self.section
            .set_attribute("data-verdict", verdict.as_str())?;
        self.root.set_attribute("data-verdict", verdict.as_str())
    }

    fn hide_static(&self, selector: &str) {
        if let Ok(Some(el)) = self.document.query_selector(selector) {
            let _ = el.set_attribute("hidden", "");
        }
    }

    /// A step's details in order. A label and the menu path or keys it introduces ("Where to find
    /// it: Menu → … → Delete browsing data", "Keyboard shortcut: Ctrl+Shift+Delete") make a line
    /// of their own (`data-gd="line"`, a block), so one path never runs into the next label.
    fn details(&self, li: &Element, details: &[Detail]) -> Result<(), JsValue> {
        let mut line: Option<Element> = None;
        for (i, detail) in details.iter().enumerate() {
            let introduces = matches!(detail, Detail::Text(_))
                && matches!(details.get(i + 1), Some(Detail::Menu(_) | Detail::Keys(_)));
            if introduces {
                // A line break in the text as well (collapsed between blocks), so the text read
                // out of the step (`textContent`, a copy) keeps the lines apart too.
                li.append_with_str_1("\n")?;
                line = Some(self.child(li, "div", &[("data-gd", "line")], "")?);
            }
            self.detail(line.as_ref().unwrap_or(li), detail)?;
            if matches!(detail, Detail::Menu(_) | Detail::Keys(_)) {
                line = None;
            }
        }
        Ok(())
    }

    fn detail(&self, li: &Element, detail: &Detail) -> Result<(), JsValue> {
        match detail {
            // The recovery widget above already shows the live countdown.
            Detail::Countdown => return Ok(()),
            // The first part of a line needs no space before it.
            _ if li.has_child_nodes() => li.append_with_str_1(" ")?,
            _ => {}
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
            Detail::Command(text) => {
                self.child(li, "code", &[], text)?;
            }
            Detail::ConfigSnippet(text) => {
                let pre = self.child(li, "pre", &[], "")?;
                self.child(&pre, "code", &[], text)?;
            }
            Detail::Countdown => {}
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // "Copy diagnostic report"

    fn build_report_ui(self: &Rc<Self>) -> Result<(), JsValue> {
        let area = self.child(&self.section, "div", &[("data-gd", "report")], "")?;
        let button = self.child(
            &area,
            "button",
            &[("type", "button"), ("data-gd", "report-copy")],
            self.text(Message::ReportCopy),
        )?;
        let status = self.child(
            &area,
            "span",
            &[("data-gd", "report-status"), ("role", "status")],
            "",
        )?;
        let text = self.child(
            &area,
            "textarea",
            &[
                ("data-gd", "report-text"),
                ("readonly", ""),
                ("hidden", ""),
                ("rows", "10"),
                ("spellcheck", "false"),
                ("aria-label", self.text(Message::ReportCopy)),
            ],
            "",
        )?;
        *self.report_ui.borrow_mut() = Some(ReportUi { status, text });
        let d = self.clone();
        let on_click = Closure::<dyn FnMut()>::new(move || d.copy_report()).into_js_value();
        self.teardown.listen(&button, "click", &on_click)
    }

    fn report_text(&self) -> String {
        let evidence = self.evidence();
        let time = gather::utc_now();
        diagnostic_report(
            &diagnose(&evidence),
            &evidence,
            &self.environment,
            &self.visit,
            ReportContext {
                utc_time: &time,
                checks_sent: self.checks.get(),
            },
        )
    }

    /// `navigator.clipboard.writeText`; where it is missing (plain-http pages) or refused, the
    /// report is shown selected in the text box, and `execCommand('copy')` is tried on it.
    fn copy_report(self: &Rc<Self>) {
        let report = self.report_text();
        if let Some(ui) = &*self.report_ui.borrow() {
            ui.status.set_text_content(None);
        }
        let navigator = dom::window().map(|w| w.navigator());
        let clipboard = navigator
            .and_then(|n| Reflect::get(&n, &JsValue::from_str("clipboard")).ok())
            .filter(JsValue::is_object);
        let write = clipboard.and_then(|c| {
            let f = Reflect::get(&c, &JsValue::from_str("writeText")).ok()?;
            let f: Function = f.dyn_into().ok()?;
            f.call1(&c, &JsValue::from_str(&report))
                .ok()?
                .dyn_into::<Promise>()
                .ok()
        });
        let Some(promise) = write else {
            self.show_report(&report);
            return;
        };
        let d = self.clone();
        when_settled(
            &promise,
            Box::new(move |written| match written {
                Ok(_) => d.copied(),
                Err(_) => d.show_report(&report),
            }),
        );
    }

    fn copied(&self) {
        if let Some(ui) = &*self.report_ui.borrow() {
            ui.status
                .set_text_content(Some(self.text(Message::ReportCopied)));
        }
    }

    fn show_report(&self, report: &str) {
        let ui = self.report_ui.borrow();
        let Some(ui) = &*ui else {
            return;
        };
        let text = &ui.text;
        let _ = Reflect::set(
            text,
            &JsValue::from_str("value"),
            &JsValue::from_str(report),
        );
        let _ = text.remove_attribute("hidden");
        let call = |target: &JsValue, name: &str, arg: Option<&str>| -> Option<JsValue> {
            let f: Function = Reflect::get(target, &JsValue::from_str(name))
                .ok()?
                .dyn_into()
                .ok()?;
            match arg {
                Some(a) => f.call1(target, &JsValue::from_str(a)).ok(),
                None => f.call0(target).ok(),
            }
        };
        let _ = call(text, "focus", None);
        let _ = call(text, "select", None);
        // Deprecated, but the only way left; where it fails the text stays selected to copy.
        let copied = call(&self.document, "execCommand", Some("copy"))
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if copied {
            ui.status
                .set_text_content(Some(self.text(Message::ReportCopied)));
        }
    }

    // -----------------------------------------------------------------------------------------
    // The operator's section

    fn build_operator(&self) -> Result<(), JsValue> {
        let details = self.child(&self.section, "details", &[("data-gd", "operator")], "")?;
        self.child(
            &details,
            "summary",
            &[],
            self.text(Message::OperatorHeading),
        )?;
        // The gateway's record of this request, named by the nginx variables an operator greps
        // their logs for; upstream details only when opted in (gateway-doctor-details.conf).
        // A fixed array, empty values skipped: no `Vec` and `retain` in the wasm for four rows.
        let (address, status, time) = match &self.visit.upstream {
            Some(u) => (u.address.as_str(), u.status.as_str(), u.time.as_str()),
            None => ("", "", ""),
        };
        let facts = [
            (
                "$request_id",
                self.visit.request_id.as_deref().unwrap_or(""),
            ),
            ("$upstream_addr", address),
            ("$upstream_status", status),
            ("$time_iso8601", time),
        ];
        if facts.iter().any(|(_, value)| !value.is_empty()) {
            let dl = self.child(&details, "dl", &[("data-gd", "request-details")], "")?;
            for (name, value) in facts {
                if value.is_empty() {
                    continue;
                }
                let dt = self.child(&dl, "dt", &[], "")?;
                self.child(&dt, "code", &[], name)?;
                // The variable's name without its `$`.
                let bare = name.get(1..).unwrap_or(name);
                self.child(&dl, "dd", &[("data-detail", bare)], value)?;
            }
        }
        let list = self.child(&details, "ol", &[("data-gd", "checklist")], "")?;
        for check in operator_checklist(&self.config) {
            let li = self.child(&list, "li", &[("data-check", check.id.as_str())], "")?;
            self.child(&li, "strong", &[], self.text(check.title))?;
            self.details(&li, &check.details)?;
        }
        // The page's static checklist says the same in general terms.
        self.hide_static("details.gd-owner");
        Ok(())
    }
}
