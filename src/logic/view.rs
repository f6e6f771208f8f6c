//! What the widget shows, as plain data: the shell renders it with `text_content` and attributes.

use super::catalog::Catalog;
use super::machine::{Phase, Recovery, PEER_WORD_GRACE_MS};
use super::messages::Message;
use super::text::fill_number;
use crate::prelude::*;

/// The widget's state as exposed in `data-state` (a stable contract for operators' CSS and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Waiting,
    Checking,
    PausedHidden,
    PausedOffline,
    /// Another tab of this site is checking; this one reloads (or, when it may not, offers the
    /// reload) when that tab sees the site back.
    Following,
    /// The health endpoint says the site is back; this tab goes back in its turn (stagger slot).
    ComingBack,
    Reloading,
    Manual,
    Stopped,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Checking => "checking",
            State::PausedHidden => "paused-hidden",
            State::PausedOffline => "paused-offline",
            State::Following => "following",
            State::ComingBack => "coming-back",
            State::Reloading => "reloading",
            State::Manual => "manual",
            State::Stopped => "stopped",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View<'a> {
    pub state: State,
    /// The sentence for the polite live region; it changes only when the situation does.
    pub status: &'a str,
    /// "Next check in 12 s", ticking once a second, or what is happening now ("Checking…");
    /// `None` when no automatic check is scheduled.
    pub countdown: Option<String>,
    pub button_label: &'a str,
    pub button_enabled: bool,
}

pub fn view<'a>(machine: &Recovery, now_ms: u64, texts: &'a Catalog) -> View<'a> {
    let floor = machine.retry_after_floor(now_ms);
    // The status sentence is the one place that says what the page will do once the site is
    // back, so it must be true: a page that may not reload (after a POST, or an unknown method)
    // promises to tell the visitor instead.
    let reloads = machine.reloads_by_itself();
    let (waiting, following, coming_back) = if reloads {
        (
            Message::StatusWaiting,
            Message::StatusFollowing,
            Message::StatusComingBack,
        )
    } else {
        (
            Message::StatusWaitingManual,
            Message::StatusFollowingManual,
            Message::StatusComingBackManual,
        )
    };
    let (state, status) = match machine.phase() {
        Phase::Waiting { .. } if !machine.is_online() => {
            (State::PausedOffline, Message::StatusPausedOffline)
        }
        Phase::Waiting { .. } if !machine.is_visible() => {
            (State::PausedHidden, Message::StatusPausedHidden)
        }
        Phase::Waiting { .. } | Phase::Checking { .. } if machine.is_coming_back(now_ms) => {
            (State::ComingBack, coming_back)
        }
        Phase::Waiting { .. } if !machine.is_leader() => (State::Following, following),
        Phase::Waiting { .. } if floor.is_some() => {
            (State::Waiting, Message::StatusWaitingRetryAfter)
        }
        Phase::Waiting { .. } => (State::Waiting, waiting),
        // The live region keeps the waiting sentence during a check: a check every few seconds
        // must not be announced every few seconds, nor make the page below jump. The check shows
        // in `data-state`, the disabled button and the countdown line (which is not announced).
        Phase::Checking { .. } if floor.is_some() => {
            (State::Checking, Message::StatusWaitingRetryAfter)
        }
        Phase::Checking { .. } => (State::Checking, waiting),
        Phase::Recovered { .. } | Phase::Reloading { .. } => {
            (State::Reloading, Message::StatusRecovered)
        }
        // After a POST (or an unknown method) the visitor decides, and the sentence says why. A GET
        // page lands here only when its own reload did not happen: no form to mention, just the
        // way on (the recovered verdict's sentence, already in every language).
        Phase::Manual if reloads => (State::Manual, Message::VerdictRecoveredDetail),
        Phase::Manual => (State::Manual, Message::StatusManual),
        Phase::Stopped => (State::Stopped, Message::StatusStopped),
    };
    let countdown = match (machine.phase(), state) {
        (Phase::Waiting { next_probe_at }, State::Waiting) => {
            let seconds = seconds_left(next_probe_at, now_ms);
            // "1801 s" reads as a number, not a wait: past two minutes, whole minutes.
            Some(if seconds > 120 {
                fill_number(texts.get(Message::CountdownMinutes), seconds.div_ceil(60))
            } else {
                fill_number(texts.get(Message::CountdownSeconds), seconds)
            })
        }
        // The countdown runs to the tab's turn, through the health checks made meanwhile; at the
        // turn itself (the page check) there is nothing left to count. A page that does not
        // reload by itself only checks the page in its turn.
        (_, State::ComingBack) => machine
            .coming_back_at(now_ms)
            .filter(|&at| at > now_ms || machine.peer_coming_back(now_ms).is_some())
            .map(|at| {
                let countdown = if reloads {
                    Message::CountdownReturn
                } else {
                    Message::CountdownSeconds
                };
                fill_number(texts.get(countdown), seconds_left(at, now_ms))
            }),
        (Phase::Checking { .. }, State::Checking) => {
            Some(texts.get(Message::StatusChecking).to_string())
        }
        _ => None,
    };
    let (button, enabled) = match state {
        State::Manual => (Message::ReloadNow, true),
        // The visitor may go before their turn (the page is still checked first). A page that
        // does not reload by itself only checks: the reload is the visitor's next press.
        State::ComingBack if reloads => (Message::ReloadNow, floor.is_none()),
        State::Checking | State::Reloading => (Message::CheckNow, false),
        _ => (Message::CheckNow, floor.is_none()),
    };
    View {
        state,
        status: texts.get(status),
        countdown,
        button_label: texts.get(button),
        button_enabled: enabled,
    }
}

/// Whole seconds until `at`, rounded up so the display never shows 0 before the check happens.
pub fn seconds_left(at: u64, now_ms: u64) -> u64 {
    at.saturating_sub(now_ms).div_ceil(1000)
}

/// When the countdown text next changes, so the shell can redraw exactly then (and not every frame).
pub fn next_redraw(machine: &Recovery, now_ms: u64) -> Option<u64> {
    // A follower counting down to its leader's turn, then back to "following" when that word
    // expires.
    if let Some(at) = machine.peer_coming_back(now_ms) {
        return Some(if at > now_ms {
            at - (seconds_left(at, now_ms) - 1) * 1000
        } else {
            at + PEER_WORD_GRACE_MS + 1
        });
    }
    if let Some(at) = machine.coming_back_at(now_ms).filter(|&at| at > now_ms) {
        return Some(at - (seconds_left(at, now_ms) - 1) * 1000);
    }
    match machine.phase() {
        Phase::Waiting { next_probe_at } if !machine.is_paused() && next_probe_at > now_ms => {
            let left = seconds_left(next_probe_at, now_ms);
            Some(next_probe_at - (left - 1) * 1000)
        }
        _ => None,
    }
}

/// What the error page's own header (badge, `h1`) says once the site is back, instead of the
/// outage's texts; the lede and the "Error 502" part are hidden then, since the status line right
/// below says what happens next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageHeader {
    pub badge: Message,
    pub heading: Message,
}

/// The header for `state`: `None` while the site is still failing (the page's own texts stand),
/// and the "site is back" header while this tab waits for its turn, reloads, or leaves the reload
/// to the visitor (after a form).
pub fn page_header(state: State) -> Option<PageHeader> {
    matches!(state, State::ComingBack | State::Reloading | State::Manual).then_some(PageHeader {
        badge: Message::PageBadgeBack,
        heading: Message::VerdictRecoveredTitle,
    })
}
