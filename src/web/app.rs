//! The running widget: one recovery machine, one timer, one probe at a time, one render function.

use super::dom;
use crate::logic::text::{before_byte, find_byte};
use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, Document, Element, EventTarget, Window};

use super::diagnosis::{self, Diagnoser};
use super::dom::{element, set_attribute_if_changed, set_flag, set_text, warn};
use super::page::PageInfo;
use super::probe::{self, Answer};
use super::tabs::{self, Tabs};
use super::teardown::Teardown;
use crate::logic::catalog::Catalog;
use crate::logic::config::Config;
use crate::logic::machine::{Carried, Effects, Event, ProbeResult, ProbeTarget, Recovery, Start};
use crate::logic::messages::Message;
use crate::logic::request::OriginalMethod;
use crate::logic::view::{next_redraw, page_header, view, State};

/// The elements the widget renders into.
struct Widget {
    root: Element,
    status: Element,
    countdown: Element,
    button: Element,
    /// Our error page's own header, which follows the state once the site is back.
    header: Option<Header>,
}

/// The error page's badge, heading and lede (and the "· Error 502" part), with the texts they
/// had at mount, given back when the site fails again.
struct Header {
    badge: Element,
    badge_text: Element,
    heading: Element,
    lede: Option<Element>,
    code: Option<Element>,
    texts: [String; 2],
    title: String,
    back: bool,
}

impl Header {
    /// Only on our own error page (`<html data-gateway-doctor="error-page">`): a page that mounts
    /// the widget through the npm package keeps its header.
    fn find(document: &Document) -> Option<Header> {
        let html = document.document_element()?;
        if html.get_attribute("data-gateway-doctor").as_deref() != Some("error-page") {
            return None;
        }
        let find = |selector: &str| document.query_selector(selector).ok().flatten();
        let badge = find(".gd-badge")?;
        let badge_text = find(".gd-badge-text")?;
        let heading = find("h1")?;
        let text = |el: &Element| el.text_content().unwrap_or_default();
        Some(Header {
            texts: [text(&badge_text), text(&heading)],
            lede: find(".gd-lede"),
            code: find(".gd-code"),
            title: document.title(),
            badge,
            badge_text,
            heading,
            back: false,
        })
    }

    fn show(&mut self, document: &Document, state: State, texts: &Catalog) {
        let header = page_header(state);
        let back = header.is_some();
        if back == self.back {
            return;
        }
        self.back = back;
        let (badge, heading) = match header {
            Some(h) => (texts.get(h.badge), texts.get(h.heading)),
            None => (self.texts[0].as_str(), self.texts[1].as_str()),
        };
        set_text(&self.badge_text, badge);
        set_text(&self.heading, heading);
        set_flag(&self.badge, "data-back", back);
        for hidden in [&self.lede, &self.code].into_iter().flatten() {
            set_flag(hidden, "hidden", back);
        }
        document.set_title(if back { badge } else { &self.title });
    }
}

pub struct App {
    window: Window,
    pub machine: Recovery,
    /// The visitor's language, with the operator's overrides; shared with the diagnosis.
    texts: Rc<Catalog>,
    page_url: String,
    health_url: Option<String>,
    widget: Widget,
    /// The single timer callback, created once so retry cycles allocate no closures.
    tick: Option<js_sys::Function>,
    timer: Option<i32>,
    in_flight: Option<AbortController>,
    pub tabs: Tabs,
    /// Shown under the widget; fed with every finished check.
    diagnosis: Option<Rc<Diagnoser>>,
    /// How to undo all of the above (the npm build's `unmount`).
    #[cfg(feature = "api")]
    teardown: Teardown,
}

pub type Shared = Rc<RefCell<App>>;

/// What `mount` returns: in the npm build (feature `api`) a handle whose `unmount()` stops the
/// widget. The error page never unmounts (the page goes away instead) and gets nothing.
#[cfg(feature = "api")]
pub type Mounted = MountedWidget;
#[cfg(not(feature = "api"))]
pub type Mounted = ();

/// Whether the widget was unmounted: late callbacks (a probe's answer, a lock grant) return early.
/// A constant `false` in the error page's build, without even borrowing the app.
#[inline]
pub fn is_stopped(app: &Shared) -> bool {
    #[cfg(feature = "api")]
    return app.borrow().teardown.is_stopped();
    #[cfg(not(feature = "api"))]
    {
        let _ = app;
        false
    }
}

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

pub fn is_visible(document: &Document) -> bool {
    // Read as a string: web-sys's enum getter carries a panic path for values it does not know.
    Reflect::get(document, &JsValue::from_str("visibilityState"))
        .ok()
        .and_then(|v| v.as_string())
        .is_some_and(|v| v == "visible")
}

pub fn start(
    root: Element,
    config: Config,
    texts: Rc<Catalog>,
    page: PageInfo,
) -> Result<Mounted, JsValue> {
    let window = dom::window().ok_or("gateway-doctor: no window")?;
    let document = window.document().ok_or("gateway-doctor: no document")?;
    let navigator = window.navigator();
    let now = now_ms();
    // Jitter must differ between visitors; Math.random is plenty for spreading retries.
    let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 ^ now.rotate_left(32);
    let retry_after = (!page.retry_after.is_empty()).then_some(page.retry_after.as_str());
    let mut machine = Recovery::new(
        &config,
        Start {
            now_ms: now,
            seed,
            visible: is_visible(&document),
            online: navigator.on_line(),
            method: OriginalMethod::from_request_line(&page.request),
            retry_after,
        },
    );
    // Back on the error page right after this tab's own reload: start from a wider stagger window.
    if let Some(store) = session_storage(&window) {
        if let Ok(Some(raw)) = store.get_item(Carried::KEY) {
            let _ = store.remove_item(Carried::KEY);
            if let Some(carried) = Carried::decode(&raw, now) {
                machine.landed_again(carried);
            }
        }
    }
    let location = window.location();
    let mut page_url = location.href()?;
    if let Some(hash) = find_byte(&page_url, b'#') {
        page_url.truncate(hash);
    }
    // The host's own `lang`/`dir` on its element, given back at unmount.
    #[cfg(feature = "api")]
    let host_language = (root.get_attribute("lang"), root.get_attribute("dir"));
    let widget = build_widget(&document, root, &texts)?;
    let host = location.hostname().unwrap_or_default();
    let site_name = config.site_name.as_deref().unwrap_or(&host);
    super::brand::apply(&document, &config.brand, site_name);
    let button = widget.button.clone();
    let widget_root = widget.root.clone();
    let teardown = Teardown::new();
    let app: Shared = Rc::new(RefCell::new(App {
        window: window.clone(),
        machine,
        texts: texts.clone(),
        page_url,
        health_url: config.health_url.clone(),
        widget,
        tick: None,
        timer: None,
        in_flight: None,
        tabs: Tabs::default(),
        diagnosis: None,
        #[cfg(feature = "api")]
        teardown: teardown.clone(),
    }));

    let tick = callback(&app, Source::Tick);
    app.borrow_mut().tick = Some(tick.unchecked_into());
    let visibility = Source::Visibility(document.clone());
    listen(&teardown, &document, "visibilitychange", &app, visibility)?;
    listen(&teardown, &window, "online", &app, Source::Online(true))?;
    listen(&teardown, &window, "offline", &app, Source::Online(false))?;
    listen(&teardown, &button, "click", &app, Source::Button)?;
    tabs::start(&app, seed, &teardown);
    dispatch(&app, Event::Tick);
    // The diagnosis is extra: if it cannot start, the recovery widget still works.
    match diagnosis::start(&widget_root, config, texts, &page, teardown) {
        Ok(d) => app.borrow_mut().diagnosis = Some(d),
        Err(_) => warn("gateway-doctor: could not start the diagnosis"),
    }
    #[cfg(feature = "api")]
    return Ok(MountedWidget { app, host_language });
    #[cfg(not(feature = "api"))]
    Ok(())
}

/// A mounted widget, as the npm build's `mount` returns it.
#[cfg(feature = "api")]
#[wasm_bindgen]
pub struct MountedWidget {
    app: Shared,
    /// The element's `lang` and `dir` before the widget set its own.
    host_language: (Option<String>, Option<String>),
}

#[cfg(feature = "api")]
#[wasm_bindgen]
impl MountedWidget {
    /// Stops everything the widget started and gives the element back, empty: the timer, the
    /// probe and the diagnosis's round in flight (aborted), every event listener, the channel,
    /// the heartbeat and the prober lock (released or its request abandoned, so another tab's
    /// widget takes over). Whatever lands later is ignored; above all, no reload. Idempotent.
    pub fn unmount(&self) {
        let teardown = self.app.borrow().teardown.clone();
        if teardown.is_stopped() {
            return;
        }
        // The flag first: from here on every late callback returns early.
        teardown.stop();
        let (window, timer, probe, diagnosis, root) = {
            let mut a = self.app.borrow_mut();
            // The timer callback holds the app: dropping it here breaks that cycle.
            a.tick = None;
            (
                a.window.clone(),
                a.timer.take(),
                a.in_flight.take(),
                a.diagnosis.take(),
                a.widget.root.clone(),
            )
        };
        if let Some(id) = timer {
            window.clear_timeout_with_handle(id);
        }
        if let Some(controller) = probe {
            controller.abort();
        }
        tabs::stop(&self.app);
        if let Some(d) = diagnosis {
            d.stop();
        }
        root.set_text_content(None);
        for name in ["data-state", "data-verdict"] {
            let _ = root.remove_attribute(name);
        }
        for (name, host) in [
            ("lang", &self.host_language.0),
            ("dir", &self.host_language.1),
        ] {
            let _ = match host {
                Some(value) => root.set_attribute(name, value),
                None => root.remove_attribute(name),
            };
        }
    }
}

fn build_widget(document: &Document, root: Element, texts: &Catalog) -> Result<Widget, JsValue> {
    root.set_text_content(None);
    speak_language(document, &root, texts)?;
    let status = element(
        document,
        "p",
        &[
            ("data-gd", "status"),
            ("role", "status"),
            ("aria-live", "polite"),
        ],
    )?;
    // A timer role is not announced on every tick (aria-live off): the status line speaks instead.
    let countdown = element(
        document,
        "p",
        &[
            ("data-gd", "countdown"),
            ("role", "timer"),
            ("aria-live", "off"),
        ],
    )?;
    let button = element(
        document,
        "button",
        &[("type", "button"), ("data-gd", "retry-now")],
    )?;
    root.append_child(&status)?;
    root.append_child(&countdown)?;
    root.append_child(&button)?;
    Ok(Widget {
        root,
        status,
        countdown,
        button,
        // After `speak_language`: the texts to give back are the visitor's language.
        header: Header::find(document),
    })
}

/// `sessionStorage`, where the browser allows it (reading it throws when storage is blocked).
fn session_storage(window: &Window) -> Option<web_sys::Storage> {
    window.session_storage().ok().flatten()
}

/// Marks the widget with its language. On our error page (`<html data-gateway-doctor="error-page">`),
/// when that is not the page's own language, the page's heading, lead and labels follow too (and
/// `<html lang dir>`), so the visitor does not read a page in two languages.
fn speak_language(document: &Document, root: &Element, texts: &Catalog) -> Result<(), JsValue> {
    let locale = texts.locale();
    let dir = if locale.is_right_to_left() {
        "rtl"
    } else {
        "ltr"
    };
    root.set_attribute("lang", locale.tag())?;
    root.set_attribute("dir", dir)?;
    let Some(html) = document.document_element() else {
        return Ok(());
    };
    // Only our own error page is ours to rewrite; a page that mounts the widget through the npm
    // package keeps its language, title and heading.
    if html.get_attribute("data-gateway-doctor").as_deref() != Some("error-page") {
        return Ok(());
    }
    let page_lang = html.get_attribute("lang").unwrap_or_default();
    let primary = before_byte(&page_lang, b'-');
    if primary.eq_ignore_ascii_case(locale.tag()) {
        return Ok(());
    }
    html.set_attribute("lang", locale.tag())?;
    html.set_attribute("dir", dir)?;
    for (selector, message) in [
        (".gd-badge-text", Message::PageBadge),
        ("h1", Message::PageHeading),
        (".gd-lede", Message::PageLede),
        (".gd-code-label", Message::PageError),
        (".gd-ref-label", Message::PageReference),
        (".gd-time-label", Message::PageTime),
    ] {
        if let Ok(Some(found)) = document.query_selector(selector) {
            found.set_text_content(Some(texts.get(message)));
        }
    }
    document.set_title(texts.get(Message::PageBadge));
    Ok(())
}

/// A JS function that turns a DOM event into a machine event. Lives as long as the widget.
/// What a callback of the widget reports to the machine. One closure type for all of them:
/// each closure type costs the wasm its own shims and export.
enum Source {
    Tick,
    Visibility(Document),
    Online(bool),
    Button,
}

fn callback(app: &Shared, source: Source) -> JsValue {
    let app = app.clone();
    Closure::<dyn FnMut()>::new(move || {
        let event = match &source {
            Source::Tick => Event::Tick,
            Source::Visibility(document) => Event::VisibilityChanged {
                visible: is_visible(document),
            },
            Source::Online(online) => Event::ConnectivityChanged { online: *online },
            Source::Button => Event::ButtonPressed,
        };
        dispatch(&app, event);
    })
    .into_js_value()
}

fn listen(
    teardown: &Teardown,
    target: &EventTarget,
    name: &'static str,
    app: &Shared,
    source: Source,
) -> Result<(), JsValue> {
    let f = callback(app, source);
    teardown.listen(target, name, &f)
}

/// Feeds one event to the machine, carries out the effects, redraws and re-arms the timer.
/// Does nothing once the widget was unmounted: no probe, no timer, no reload.
pub fn dispatch(app: &Shared, event: Event) {
    if is_stopped(app) {
        return;
    }
    let now = now_ms();
    let effects = app.borrow_mut().machine.handle(now, event);
    carry_out(app, effects);
    app.borrow_mut().refresh(now);
}

fn carry_out(app: &Shared, effects: Effects) {
    let mut a = app.borrow_mut();
    if effects.cancel_probe {
        if let Some(controller) = a.in_flight.take() {
            controller.abort();
        }
    }
    if let Some(p) = effects.probe {
        let (url, health) = match (p.target, &a.health_url) {
            (ProbeTarget::Health, Some(health)) => (health.clone(), true),
            _ => (a.page_url.clone(), false),
        };
        let Ok(controller) = AbortController::new() else {
            return;
        };
        let signal = controller.signal();
        a.in_flight = Some(controller);
        let app = app.clone();
        let started = now_ms();
        let read_body = p.target == ProbeTarget::Page;
        let aborted = signal.clone();
        let landed = move |answer: Answer| {
            // Unmounted while under way (aborted): neither the machine nor the diagnosis hears it.
            if is_stopped(&app) {
                return;
            }
            let elapsed_ms = now_ms().saturating_sub(started).min(u32::MAX as u64) as u32;
            if let (true, Answer::Http { crowd: Some(c), .. }) = (health, &answer) {
                app.borrow_mut().machine.crowd_hint(*c);
            }
            let result = match &answer {
                Answer::Http {
                    status,
                    retry_after,
                    our_error_page,
                    ..
                } => ProbeResult::Answered {
                    status: *status,
                    retry_after: retry_after.as_deref(),
                    our_error_page: *our_error_page,
                },
                Answer::Failed if aborted.aborted() => ProbeResult::TimedOut,
                Answer::Failed => ProbeResult::Failed,
            };
            let diagnoser = {
                let mut a = app.borrow_mut();
                a.in_flight = None;
                a.diagnosis.clone()
            };
            dispatch(&app, Event::ProbeFinished { id: p.id, result });
            if let Some(d) = diagnoser {
                d.observe(
                    health,
                    diagnosis::outcome(&answer, aborted.aborted(), elapsed_ms),
                );
            }
        };
        probe::send(&url, read_body, &signal, Box::new(landed));
    }
    let window = a.window.clone();
    let page_url = a.page_url.clone();
    let carried = effects.reload.then(|| a.machine.carry(now_ms()));
    // Released before announcing: posting to the channel borrows the app again.
    drop(a);
    if effects.announce_recovery {
        tabs::announce_recovery(app);
    }
    if let Some(at) = effects.announce_coming_back {
        tabs::announce_coming_back(app, at);
    }
    if let Some(request) = effects.leadership {
        tabs::carry_out(app, request);
    }
    if let (Some(carried), Some(store)) = (carried, session_storage(&window)) {
        let _ = store.set_item(Carried::KEY, &carried.encode());
    }
    if effects.reload && effects.reload_as_get {
        // A plain GET of the page: never a resubmission of the visitor's form.
        let _ = window.location().replace(&page_url);
    } else if effects.reload {
        let _ = window.location().reload();
    }
}

impl App {
    fn refresh(&mut self, now: u64) {
        let texts = self.texts.clone();
        let v = view(&self.machine, now, &texts);
        let w = &self.widget;
        set_attribute_if_changed(&w.root, "data-state", v.state.as_str());
        set_text(&w.status, v.status);
        set_flag(&w.countdown, "hidden", v.countdown.is_none());
        if let Some(countdown) = &v.countdown {
            set_text(&w.countdown, countdown);
        }
        set_text(&w.button, v.button_label);
        set_flag(&w.button, "disabled", !v.button_enabled);
        if let (Some(header), Some(document)) = (&mut self.widget.header, self.window.document()) {
            header.show(&document, v.state, &texts);
        }

        if let Some(id) = self.timer.take() {
            self.window.clear_timeout_with_handle(id);
        }
        let deadline = [
            self.machine.next_deadline(),
            next_redraw(&self.machine, now),
        ]
        .into_iter()
        .flatten()
        .min();
        if let (Some(at), Some(tick)) = (deadline, &self.tick) {
            let delay = at.saturating_sub(now).min(i32::MAX as u64) as i32;
            self.timer = self
                .window
                .set_timeout_with_callback_and_timeout_and_arguments_0(tick, delay)
                .ok();
        }
    }
}
