//! One prober per browser: the site's tabs elect a leader and share the news that the site is back.
//!
//! The machine decides when this tab seeks or resigns the role (`Effects::leadership`: only a
//! visible tab may lead); this module carries that out. Web Locks where available (secure
//! contexts): the tab holding the lock leads; queued tabs take over the moment it closes, reloads
//! or resigns. Otherwise a heartbeat election over BroadcastChannel (`logic::election`). With
//! neither, every tab leads itself.

use super::dom;
use crate::prelude::*;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

use super::app::{dispatch, now_ms, Shared};
use super::teardown::Teardown;
use crate::logic::election::{
    coming_back_message, parse_coming_back, parse_heartbeat, Election, HEARTBEAT_MS,
};
use crate::logic::machine::{Event, Leadership};
use crate::logic::text::push_decimal;

const CHANNEL: &str = "gateway-doctor";
const LOCK: &str = "gateway-doctor-prober";
const RECOVERED: &str = "recovered";

#[derive(Default)]
pub struct Tabs {
    channel: Option<BroadcastChannel>,
    /// Resolving it releases the Web Lock this tab holds.
    release_lock: Option<Function>,
    /// Bumped on every resignation: a lock granted to an older request is handed straight back.
    lock_generation: u32,
    uses_locks: bool,
    /// The BroadcastChannel election, when Web Locks are missing.
    election: Option<Election>,
    /// Aborted at unmount: a lock request still queued leaves the queue (npm build only).
    #[cfg(feature = "api")]
    abandon: Option<web_sys::AbortController>,
}

fn has_global(name: &str) -> bool {
    Reflect::has(&JsValue::from(dom::window()), &JsValue::from_str(name)).unwrap_or(false)
}

fn web_locks() -> Option<(JsValue, Function)> {
    let navigator = dom::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if !locks.is_object() {
        return None;
    }
    let request = Reflect::get(&locks, &JsValue::from_str("request")).ok()?;
    Some((locks, request.dyn_into().ok()?))
}

/// Starts coordinating. Called once, after the app exists.
pub fn start(app: &Shared, seed: u64, teardown: &Teardown) {
    let channel = if has_global("BroadcastChannel") {
        BroadcastChannel::new(CHANNEL).ok()
    } else {
        None
    };
    if let Some(channel) = &channel {
        let receiver = app.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_message(&receiver, e.data().as_string().unwrap_or_default());
        })
        .into_js_value();
        channel.set_onmessage(Some(on_message.unchecked_ref()));
    }
    let uses_locks = web_locks().is_some();
    let election = (!uses_locks && channel.is_some()).then(|| Election::new(seed >> 11));
    let has_election = election.is_some();
    {
        let mut a = app.borrow_mut();
        a.tabs = Tabs {
            channel,
            uses_locks,
            election,
            #[cfg(feature = "api")]
            abandon: web_sys::AbortController::new().ok(),
            ..Tabs::default()
        };
    }
    if has_election {
        let beat = app.clone();
        let beat_fn = Closure::<dyn FnMut()>::new(move || heartbeat(&beat)).into_js_value();
        if let Some(window) = dom::window() {
            if let Ok(id) = window.set_interval_with_callback_and_timeout_and_arguments_0(
                beat_fn.unchecked_ref(),
                HEARTBEAT_MS as i32,
            ) {
                teardown.on_stop(move || {
                    if let Some(window) = dom::window() {
                        window.clear_interval_with_handle(id);
                    }
                });
            }
        }
        heartbeat(app);
    }
}

/// At unmount: hands the prober role on (the lock released, a queued request abandoned; an
/// election peer takes over when the heartbeats stop) and closes the channel.
#[cfg(feature = "api")]
pub fn stop(app: &Shared) {
    let (release, abandon, channel) = {
        let mut a = app.borrow_mut();
        // A grant still on its way is handed straight back (see `request_lock`).
        a.tabs.lock_generation = a.tabs.lock_generation.wrapping_add(1);
        (
            a.tabs.release_lock.take(),
            a.tabs.abandon.take(),
            a.tabs.channel.take(),
        )
    };
    if let Some(release) = release {
        let _ = release.call0(&JsValue::UNDEFINED);
    }
    if let Some(abandon) = abandon {
        abandon.abort();
    }
    if let Some(channel) = channel {
        channel.set_onmessage(None);
        channel.close();
    }
}

fn on_message(app: &Shared, message: String) {
    if message == RECOVERED {
        dispatch(app, Event::PeerSawRecovery);
    } else if let Some(at) = parse_coming_back(&message) {
        dispatch(app, Event::PeerComingBack { at });
    } else if let Some(id) = parse_heartbeat(&message) {
        let changed = {
            let mut a = app.borrow_mut();
            let now = now_ms();
            let Some(election) = a.tabs.election.as_mut() else {
                return;
            };
            election.heard(id, now);
            let leader = election.is_leader(now);
            (leader != a.machine.is_leader()).then_some(leader)
        };
        if let Some(leader) = changed {
            dispatch(app, Event::LeadershipChanged { leader });
        }
    }
}

/// Every tab, every [`HEARTBEAT_MS`]: re-evaluate the election; a visible leader announces itself.
fn heartbeat(app: &Shared) {
    let (changed, message) = {
        let a = app.borrow();
        let Some(election) = a.tabs.election.as_ref() else {
            return;
        };
        let now = now_ms();
        let leader = election.is_leader(now) && a.machine.is_visible();
        let mut message = String::from("lead:");
        push_decimal(&mut message, election.id());
        (
            (leader != a.machine.is_leader()).then_some(leader),
            leader.then_some(message),
        )
    };
    if let Some(message) = message {
        post(app, &message);
    }
    if let Some(leader) = changed {
        dispatch(app, Event::LeadershipChanged { leader });
    }
}

fn post(app: &Shared, message: &str) {
    if let Some(channel) = &app.borrow().tabs.channel {
        let _ = channel.post_message(&JsValue::from_str(message));
    }
}

/// Tells the site's other tabs that it is back.
pub fn announce_recovery(app: &Shared) {
    post(app, RECOVERED);
}

/// Tells the site's other tabs that it is coming back and when this tab goes.
pub fn announce_coming_back(app: &Shared, at: u64) {
    post(app, &coming_back_message(at));
}

/// Carries out the machine's leadership request. Must be called with no borrow of the app held.
pub fn carry_out(app: &Shared, request: Leadership) {
    let (uses_locks, has_election) = {
        let a = app.borrow();
        (a.tabs.uses_locks, a.tabs.election.is_some())
    };
    match request {
        Leadership::Seek if uses_locks => {
            let generation = app.borrow().tabs.lock_generation;
            request_lock(app, true, generation);
        }
        // The heartbeat election answers on its own; a visible tab claims at once.
        Leadership::Seek if has_election => heartbeat(app),
        // Nobody to coordinate with: this tab leads itself.
        Leadership::Seek => dispatch(app, Event::LeadershipChanged { leader: true }),
        Leadership::Resign => {
            let release = {
                let mut a = app.borrow_mut();
                a.tabs.lock_generation = a.tabs.lock_generation.wrapping_add(1);
                a.tabs.release_lock.take()
            };
            if let Some(release) = release {
                let _ = release.call0(&JsValue::UNDEFINED);
            }
        }
    }
}

/// Asks for the prober lock. With `if_available`, a busy lock makes this tab a follower at once,
/// and it then waits in the queue; the lock is held until the tab resigns or the page goes away.
fn request_lock(app: &Shared, if_available: bool, generation: u32) {
    let Some((locks, request)) = web_locks() else {
        return;
    };
    let options = Object::new();
    if if_available {
        let _ = Reflect::set(&options, &JsValue::from_str("ifAvailable"), &JsValue::TRUE);
    }
    // Only a queued request can be abandoned (`ifAvailable` and `signal` do not go together).
    #[cfg(feature = "api")]
    if !if_available {
        if let Some(abandon) = &app.borrow().tabs.abandon {
            let _ = Reflect::set(&options, &JsValue::from_str("signal"), &abandon.signal());
        }
    }
    let app = app.clone();
    let granted = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if app.borrow().tabs.lock_generation != generation {
            // Resigned (went hidden) while this request waited: give the lock straight back.
            return JsValue::UNDEFINED;
        }
        if lock.is_null() {
            dispatch(&app, Event::LeadershipChanged { leader: false });
            request_lock(&app, false, generation);
            return JsValue::UNDEFINED;
        }
        let held = Promise::new(&mut |resolve, _| {
            app.borrow_mut().tabs.release_lock = Some(resolve);
        });
        dispatch(&app, Event::LeadershipChanged { leader: true });
        held.into()
    });
    let requested = request.call3(&locks, &JsValue::from_str(LOCK), &options, &granted);
    // An abandoned request rejects (AbortError): expected, not an error for the console.
    #[cfg(feature = "api")]
    if let Ok(requested) = requested.and_then(JsCast::dyn_into::<Promise>) {
        super::promise::when_settled(&requested, Box::new(drop));
    }
    #[cfg(not(feature = "api"))]
    let _ = requested;
}
