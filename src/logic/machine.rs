//! The recovery state machine: when to probe, what a probe's answer means, when to reload.
//!
//! Sans-IO: it never reads a clock, never sleeps and never fetches. The shell feeds it events with
//! the current time and carries out the [`Effects`] it returns, then arms one timer for
//! [`Recovery::next_deadline`]. The recovery benchmark drives this same machine with simulated time.

use super::backoff::RetrySchedule;
use super::config::Config;
use super::request::OriginalMethod;
use super::retry_after::parse_retry_after;
use super::rng::Rng;
use super::text::{parse_u64, split_once_byte};
use crate::prelude::*;

/// How long the page may sit in "reloading" before we assume the navigation did not happen and
/// hand the visitor a button instead.
pub const RELOAD_FALLBACK_MS: u64 = 10_000;

/// Probes of the page itself reach the application (nothing caches them), so without a health
/// endpoint the backoff cap is at least this.
pub const PAGE_PROBE_MIN_CAP_MS: u64 = 10_000;

/// The stagger window never grows beyond this, however crowded the server.
pub const MAX_STAGGER_WINDOW_MS: u64 = 120_000;
/// Once crowding is seen, the window starts from at least this (even if the configured spread is 0).
pub const MIN_CROWDED_WINDOW_MS: u64 = 1_000;

/// The most crowded the stagger window may be carried across reloads (2⁸ × the base window, capped
/// by [`MAX_STAGGER_WINDOW_MS`] anyway).
const MAX_CROWDED: u32 = 8;

/// What a tab remembers across its own reload (the shell keeps it in `sessionStorage`, which stays
/// in the tab and is never sent to a server): how crowded it found the server. When the reload lands
/// on the error page again, the server was still saturated (or a cache served the old error), so the
/// next page starts with a wider stagger window instead of rejoining the rush at the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Carried {
    pub crowded: u32,
    /// When the reload was sent.
    pub at_ms: u64,
}

impl Carried {
    /// The `sessionStorage` key.
    pub const KEY: &'static str = "gateway-doctor:carry";
    /// An older record is from another episode and is ignored.
    pub const FRESH_MS: u64 = 5 * 60 * 1000;

    /// `"<crowded> <at_ms>"`.
    pub fn encode(self) -> String {
        let mut out = String::new();
        super::text::push_decimal(&mut out, u64::from(self.crowded));
        out.push(' ');
        super::text::push_decimal(&mut out, self.at_ms);
        out
    }

    /// The record if it is well-formed and fresh: not from the future, not older than
    /// [`Carried::FRESH_MS`]. Anything else (another version, a hand-edited value) is ignored.
    pub fn decode(raw: &str, now_ms: u64) -> Option<Carried> {
        let (crowded, at) = split_once_byte(raw, b' ')?;
        let crowded = u32::try_from(parse_u64(crowded)?).ok()?;
        let at_ms = parse_u64(at)?;
        let fresh = at_ms <= now_ms && now_ms - at_ms <= Carried::FRESH_MS;
        fresh.then_some(Carried {
            crowded: crowded.min(MAX_CROWDED),
            at_ms,
        })
    }
}

/// How long a follower keeps believing its leader's "coming back" after the announced instant.
pub const PEER_WORD_GRACE_MS: u64 = 10_000;

/// What the shell knows when the page mounts.
#[derive(Clone, Debug)]
pub struct Start<'a> {
    pub now_ms: u64,
    /// Seeds the jitter; must differ between visitors (the shell uses the platform's randomness).
    pub seed: u64,
    pub visible: bool,
    pub online: bool,
    pub method: OriginalMethod,
    /// The `Retry-After` of the response that produced this page, when the gateway passed it on.
    pub retry_after: Option<&'a str>,
}

/// What a probe is aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeTarget {
    /// The operator's cheap health endpoint.
    Health,
    /// The page the visitor asked for: the verification that must pass before any reload.
    Page,
}

/// A probe the shell must send. `id` comes back with the result so that a late answer to a
/// cancelled probe is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub id: u32,
    pub target: ProbeTarget,
}

/// How a probe ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeResult<'a> {
    Answered {
        status: u16,
        retry_after: Option<&'a str>,
        /// The body or headers carry our own error page's marker (e.g. a CDN cached the error).
        our_error_page: bool,
    },
    /// Refused, reset, DNS failure, blocked: no HTTP answer at all.
    Failed,
    TimedOut,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// The shell's timer fired (or any moment the shell wants the machine to catch up).
    Tick,
    ProbeFinished {
        id: u32,
        result: ProbeResult<'a>,
    },
    VisibilityChanged {
        visible: bool,
    },
    ConnectivityChanged {
        online: bool,
    },
    /// The visitor pressed the widget's button ("Check now", or "Reload page" once the site is back).
    ButtonPressed,
    /// This tab became (or stopped being) the one tab of the site that probes for all of them.
    LeadershipChanged {
        leader: bool,
    },
    /// The leading tab verified that the site is back.
    PeerSawRecovery,
    /// The leading tab heard from the health endpoint that the site is back and goes back at `at`
    /// (its stagger slot): this tab can tell its visitor too.
    PeerComingBack {
        at: u64,
    },
}

/// What the shell must do now. The timer is not here: after every call the shell re-arms its one
/// timer for [`Recovery::next_deadline`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct Effects {
    /// Abort the probe in flight (it timed out); its late result will be ignored anyway.
    pub cancel_probe: bool,
    pub probe: Option<Probe>,
    pub reload: bool,
    /// Navigate to the page with a plain GET instead of repeating the original request: the
    /// visitor's "Reload page" after a POST must not send the form again (the first attempt may
    /// even have been processed behind a 504).
    pub reload_as_get: bool,
    /// Tell the site's other tabs that the site is back (this tab verified it and reloads now).
    pub announce_recovery: bool,
    /// Ask for, or give up, the role of the site's one probing tab.
    pub leadership: Option<Leadership>,
    /// Tell the site's other tabs that the site is coming back and when this tab goes (its slot).
    pub announce_coming_back: Option<u64>,
}

/// What the shell does with the cross-tab prober lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leadership {
    /// Request it (Web Locks: `ifAvailable`, then queue). Without any cross-tab channel the shell
    /// answers at once with `LeadershipChanged { leader: true }`.
    Seek,
    /// Release it, or leave the queue. A hidden tab must not hold it: it would not probe, and the
    /// visible tabs queued behind it would wait for nothing.
    Resign,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Down; the next probe is due at this instant (unless paused).
    Waiting {
        next_probe_at: u64,
    },
    Checking {
        probe: Probe,
        started_at: u64,
    },
    /// Verified back; the reload waits for this tab's slot in the stagger window, so a crowd of
    /// waiting visitors does not arrive in the same second and knock the server over again.
    Recovered {
        reload_at: u64,
    },
    /// The reload was requested at this instant.
    Reloading {
        since: u64,
    },
    /// Back, but the reload is left to the visitor (the original request was not a GET).
    Manual,
    /// Automatic checks gave up; the button still checks.
    Stopped,
}

#[derive(Clone, Debug)]
pub struct Recovery {
    schedule: RetrySchedule,
    stagger: Rng,
    reload_spread_ms: u64,
    /// What the recovering application can take in requests per second (the operator's estimate,
    /// or a conservative default).
    reload_rate: u32,
    /// The gateway's latest count of open client connections: about how many visitors wait.
    crowd: u32,
    /// The leading tab said the site is coming back and it goes at this instant.
    peer_coming_back_at: Option<u64>,
    phase: Phase,
    /// Only the leading tab of a site probes; followers wait for its word.
    leader: bool,
    /// The machine has asked for leadership and not given it up since.
    seeking: bool,
    /// The health endpoint said yes: this tab checks the page at this instant, its stagger slot.
    /// Until then it keeps asking the health endpoint (free for the application: micro-cached).
    slot_at: Option<u64>,
    /// The health endpoint said no again before the slot came: what was left of the wait. The
    /// slot's clock only runs while the site is up, so a site that flaps, or sheds load on its
    /// health endpoint while the crowd returns, moves the whole queue back instead of sending its
    /// visitors to a server that is down (and a visitor keeps their place in the queue).
    slot_left: Option<u64>,
    /// Checks of the page that failed although health said yes: the server is up but saturated
    /// by the returning crowd. Each one doubles this tab's stagger window, so the crowd spreads
    /// itself until it fits the server's spare capacity (which no single tab can know).
    crowded: u32,
    visible: bool,
    online: bool,
    method: OriginalMethod,
    health_probe: bool,
    probe_timeout_ms: u64,
    give_up_at: u64,
    /// `Retry-After` floor: no request of ours before this instant.
    not_before: u64,
    next_probe_id: u32,
    probes_sent: u32,
    gave_up: bool,
}

impl Recovery {
    pub fn new(config: &Config, start: Start) -> Recovery {
        let mut schedule = RetrySchedule::new(config.backoff, start.seed);
        let not_before = start
            .retry_after
            .and_then(|v| parse_retry_after(v, start.now_ms))
            .unwrap_or(0);
        let first_delay = schedule.next().unwrap_or(0);
        Recovery {
            schedule,
            // A different stream from the schedule's, so the slot does not depend on the retry count.
            stagger: Rng::new(start.seed ^ 0x5DEE_CE66_D1CE_5EED),
            reload_spread_ms: config.reload_spread_ms,
            reload_rate: config.reload_rate_per_second,
            crowd: 0,
            peer_coming_back_at: None,
            leader: true,
            seeking: false,
            slot_at: None,
            slot_left: None,
            crowded: 0,
            phase: Phase::Waiting {
                next_probe_at: after_floor(start.now_ms, first_delay, not_before),
            },
            visible: start.visible,
            online: start.online,
            method: start.method,
            health_probe: config.health_url.is_some(),
            probe_timeout_ms: config.probe_timeout_ms,
            give_up_at: start.now_ms.saturating_add(config.give_up_after_ms),
            not_before,
            next_probe_id: 1,
            probes_sent: 0,
            gave_up: false,
        }
    }

    /// The gateway's count of open client connections, sent with the health endpoint's answers
    /// (`X-Gateway-Doctor-Crowd` in the nginx health recipe): about how many visitors wait. The
    /// stagger window is sized to let them all back at `reloadRatePerSecond` (the operator's figure,
    /// or a conservative default), before anyone meets a saturated server. Without the header the
    /// crowd is unknown (0) and only the configured spread and the feedback of failed checks count.
    pub fn crowd_hint(&mut self, connections: u32) {
        self.crowd = connections;
    }

    /// Right before the shell reloads: what the next page should know if it is the error page again.
    pub fn carry(&self, now_ms: u64) -> Carried {
        Carried {
            crowded: self.crowded,
            at_ms: now_ms,
        }
    }

    /// This page is the error page again right after this tab's own reload ([`Carried`]): the
    /// server was back but could not take the reload. One more doubling of the stagger window than
    /// the last page had reached.
    pub fn landed_again(&mut self, carried: Carried) {
        self.crowded = self
            .crowded
            .max(carried.crowded.saturating_add(1))
            .min(MAX_CROWDED);
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Automatic checks are suspended: a hidden tab, no network link, or another tab leads.
    pub fn is_paused(&self) -> bool {
        !self.visible || !self.online || !self.leader
    }

    /// The health endpoint said the site is back and this tab is waiting for its stagger slot to
    /// check the page (or is checking it): the visitor can already be told, with the countdown to
    /// the slot. A failed check (a crowded server) or the health endpoint saying no again ends it.
    pub fn is_coming_back(&self, now_ms: u64) -> bool {
        self.coming_back_at(now_ms).is_some()
    }

    /// When this tab goes back: its own stagger slot, or its leading tab's (see
    /// [`Recovery::peer_coming_back`]); `None` unless [`Recovery::is_coming_back`].
    pub fn coming_back_at(&self, now_ms: u64) -> Option<u64> {
        if !matches!(self.phase, Phase::Waiting { .. } | Phase::Checking { .. }) {
            return None;
        }
        self.slot_at.or_else(|| self.peer_coming_back(now_ms))
    }

    /// When the leading tab said it goes back, while that is still fresh: a follower shows the
    /// same countdown. If the leader's check then fails (a crowded server), the word expires after
    /// [`PEER_WORD_GRACE_MS`] and the follower shows "another tab is checking" again.
    pub fn peer_coming_back(&self, now_ms: u64) -> Option<u64> {
        self.peer_coming_back_at
            .filter(|&at| !self.leader && now_ms <= at.saturating_add(PEER_WORD_GRACE_MS))
    }

    pub fn is_leader(&self) -> bool {
        self.leader
    }

    /// Whether this page reloads by itself once the site is back. When it may not (the original
    /// request was not GET or HEAD, or is unknown), it hands the reload to the visitor instead
    /// ([`Phase::Manual`]), and the view must not promise a reload.
    pub fn reloads_by_itself(&self) -> bool {
        self.method.allows_auto_reload()
    }

    pub fn is_visible(&self) -> bool {
        self.visible
    }

    pub fn is_online(&self) -> bool {
        self.online
    }

    /// Requests sent so far (for the diagnostic report and the benchmark).
    pub fn probes_sent(&self) -> u32 {
        self.probes_sent
    }

    /// The `Retry-After` floor, if one is still ahead of `now_ms`.
    pub fn retry_after_floor(&self, now_ms: u64) -> Option<u64> {
        (self.not_before > now_ms).then_some(self.not_before)
    }

    /// When the machine next needs a [`Event::Tick`], if ever.
    pub fn next_deadline(&self) -> Option<u64> {
        match self.phase {
            Phase::Waiting { next_probe_at } if !self.is_paused() => Some(next_probe_at),
            Phase::Waiting { .. } => None,
            Phase::Checking { started_at, .. } => Some(started_at + self.probe_timeout_ms),
            Phase::Recovered { reload_at } => Some(reload_at),
            Phase::Reloading { since } => Some(since + RELOAD_FALLBACK_MS),
            Phase::Manual | Phase::Stopped => None,
        }
    }

    pub fn handle(&mut self, now_ms: u64, event: Event) -> Effects {
        let mut effects = self.handle_event(now_ms, event);
        // Only a visible tab may lead: seek the role when visible, give it up when hidden.
        if self.visible && !self.seeking {
            self.seeking = true;
            effects.leadership = Some(Leadership::Seek);
        } else if !self.visible && self.seeking {
            self.seeking = false;
            self.leader = false;
            effects.leadership = Some(Leadership::Resign);
        }
        effects
    }

    fn handle_event(&mut self, now_ms: u64, event: Event) -> Effects {
        match event {
            Event::Tick => self.tick(now_ms),
            Event::ProbeFinished { id, result } => match self.phase {
                Phase::Checking { probe, .. } if probe.id == id => {
                    self.probe_finished(now_ms, probe.target, result)
                }
                // A late answer to a probe we already gave up on.
                _ => Effects::default(),
            },
            Event::VisibilityChanged { visible } => {
                self.visible = visible;
                self.resume_if_due(now_ms)
            }
            Event::ConnectivityChanged { online } => {
                let came_back = online && !self.online;
                self.online = online;
                if came_back {
                    // The failures were probably our own link's: start again from short delays.
                    self.schedule.restart();
                }
                self.resume_if_due(now_ms)
            }
            Event::ButtonPressed => match self.phase {
                Phase::Manual => Effects {
                    reload: true,
                    reload_as_get: true,
                    ..Effects::default()
                },
                // The site is coming back and the visitor does not want to wait for their turn:
                // their "Reload page" checks the page now and reloads if it answers. One visitor
                // going early costs the server one page; a crowd that waits is what matters.
                Phase::Waiting { .. } | Phase::Checking { .. }
                    if self.is_coming_back(now_ms)
                        && now_ms >= self.not_before
                        && !self.is_checking(ProbeTarget::Page) =>
                {
                    // A health check in flight is dropped for it.
                    let cancel_probe = matches!(self.phase, Phase::Checking { .. });
                    self.slot_at = Some(now_ms);
                    Effects {
                        cancel_probe,
                        ..self.send_probe(now_ms, ProbeTarget::Page)
                    }
                }
                Phase::Waiting { .. } | Phase::Stopped if now_ms >= self.not_before => {
                    self.send_probe(now_ms, self.first_target())
                }
                _ => Effects::default(),
            },
            Event::LeadershipChanged { leader } => {
                // Taking over from a tab that left: its schedule is lost, so check at once. The
                // first grant of leadership at start changes nothing.
                let took_over = leader && !self.leader;
                self.leader = leader;
                if leader {
                    self.peer_coming_back_at = None;
                }
                if took_over {
                    self.tick(now_ms)
                } else {
                    Effects::default()
                }
            }
            Event::PeerComingBack { at } => {
                if !self.leader && matches!(self.phase, Phase::Waiting { .. }) {
                    self.peer_coming_back_at = Some(at);
                }
                Effects::default()
            }
            // The leading tab reloads now, in its own stagger slot: its followers go with it.
            Event::PeerSawRecovery => match self.phase {
                Phase::Waiting { .. } | Phase::Stopped => self.site_is_back(now_ms, false),
                Phase::Checking { .. } => {
                    let mut effects = self.site_is_back(now_ms, false);
                    effects.cancel_probe = true;
                    effects
                }
                _ => Effects::default(),
            },
        }
    }

    /// The site is back: reload (in a fresh stagger slot unless this tab already waited for one),
    /// or hand the decision to the visitor when repeating the original request would not be safe.
    /// A `Retry-After` floor still holds, whoever saw the site come back.
    fn site_is_back(&mut self, now_ms: u64, stagger: bool) -> Effects {
        if !self.reloads_by_itself() {
            self.phase = Phase::Manual;
            return Effects::default();
        }
        let slot = if stagger { self.stagger_slot() } else { 0 };
        self.phase = Phase::Recovered {
            reload_at: (now_ms + slot).max(self.not_before),
        };
        self.tick(now_ms)
    }

    fn stagger_slot(&mut self) -> u64 {
        // Each waiting visitor costs the recovering server two requests (the page check and the
        // reload), and the warm-up shape below peaks at 4/3 of its average: a crowd of N at R
        // requests per second needs 2 · 4/3 · N / R to come back without a rush.
        let admission =
            u64::from(self.crowd).saturating_mul(8_000) / (3 * u64::from(self.reload_rate.max(1)));
        let window = self
            .reload_spread_ms
            .max(admission)
            .max(MIN_CROWDED_WINDOW_MS * u64::from(self.crowded > 0))
            .saturating_mul(1 << self.crowded.min(MAX_CROWDED))
            .min(MAX_STAGGER_WINDOW_MS);
        warm_up_slot(&mut self.stagger, window)
    }

    /// Probe at once when the tab becomes visible or the link returns, as a visitor coming back
    /// would otherwise wait out a long backoff for nothing. The floor still holds.
    fn resume_if_due(&mut self, now_ms: u64) -> Effects {
        let paused = self.is_paused();
        if let Phase::Waiting { next_probe_at } = &mut self.phase {
            if paused {
                return Effects::default();
            }
            *next_probe_at = (*next_probe_at).min(now_ms).max(self.not_before);
        }
        self.tick(now_ms)
    }

    fn tick(&mut self, now_ms: u64) -> Effects {
        match self.phase {
            Phase::Waiting { next_probe_at } if !self.is_paused() && now_ms >= next_probe_at => {
                // A tab waiting for its turn has not given up: the site is back.
                if now_ms >= self.give_up_at && self.slot_at.is_none() {
                    self.gave_up = true;
                    self.phase = Phase::Stopped;
                    return Effects::default();
                }
                let target = match self.slot_at {
                    Some(slot) if now_ms >= slot => ProbeTarget::Page,
                    _ => self.first_target(),
                };
                self.send_probe(now_ms, target)
            }
            Phase::Checking { probe, started_at }
                if now_ms >= started_at + self.probe_timeout_ms =>
            {
                let mut effects = self.probe_finished(now_ms, probe.target, ProbeResult::TimedOut);
                effects.cancel_probe = true;
                effects
            }
            Phase::Recovered { reload_at } if now_ms >= reload_at => {
                self.phase = Phase::Reloading { since: now_ms };
                Effects {
                    reload: true,
                    // Followers reload with their leader: their slot is the leader's slot.
                    announce_recovery: self.leader,
                    ..Effects::default()
                }
            }
            Phase::Reloading { since } if now_ms >= since + RELOAD_FALLBACK_MS => {
                self.phase = Phase::Manual;
                Effects::default()
            }
            _ => Effects::default(),
        }
    }

    fn is_checking(&self, target: ProbeTarget) -> bool {
        matches!(self.phase, Phase::Checking { probe, .. } if probe.target == target)
    }

    fn first_target(&self) -> ProbeTarget {
        if self.health_probe {
            ProbeTarget::Health
        } else {
            ProbeTarget::Page
        }
    }

    fn send_probe(&mut self, now_ms: u64, target: ProbeTarget) -> Effects {
        let probe = Probe {
            id: self.next_probe_id,
            target,
        };
        self.next_probe_id = self.next_probe_id.wrapping_add(1);
        self.probes_sent = self.probes_sent.saturating_add(1);
        self.phase = Phase::Checking {
            probe,
            started_at: now_ms,
        };
        Effects {
            probe: Some(probe),
            ..Effects::default()
        }
    }

    fn probe_finished(&mut self, now_ms: u64, target: ProbeTarget, result: ProbeResult) -> Effects {
        if let (ProbeTarget::Health, ProbeResult::Answered { status, .. }) = (target, result) {
            if matches!(status, 404 | 405 | 410 | 501) {
                // No such endpoint (a config mistake): waiting on it would never end. Something
                // answered, so check the page itself now and from here on.
                self.health_probe = false;
                self.schedule.raise_cap(PAGE_PROBE_MIN_CAP_MS);
                return self.send_probe(now_ms, ProbeTarget::Page);
            }
        }
        let up = match result {
            ProbeResult::Answered {
                status,
                our_error_page,
                ..
            } => is_recovered(target, status, our_error_page),
            ProbeResult::Failed | ProbeResult::TimedOut => false,
        };
        let verified_in_slot = target == ProbeTarget::Page && self.slot_at.is_some();
        if verified_in_slot {
            self.slot_at = None;
            if !up {
                self.crowded = self.crowded.saturating_add(1);
            }
        }
        if target == ProbeTarget::Health {
            match (up, self.slot_at) {
                // Still up: keep waiting for the slot, asking health again meanwhile.
                (true, Some(slot)) => {
                    let delay = self.schedule.next().unwrap_or(0);
                    let next = after_floor(now_ms, delay, self.not_before).min(slot);
                    self.phase = Phase::Waiting {
                        next_probe_at: next.max(self.not_before),
                    };
                    return self.tick(now_ms);
                }
                // Down again before the slot: the slot's clock stops (see `slot_left`).
                (false, Some(slot)) => {
                    self.slot_left = Some(slot.saturating_sub(now_ms));
                    self.slot_at = None;
                }
                // Health says yes (and says it to every waiting tab in the same second, through
                // the gateway's micro-cache). The page itself must say so too before anyone
                // reloads; that check waits for this tab's stagger slot, so the crowd's checks and
                // reloads reach the recovering server spread out, not at once.
                (true, None) => {
                    let slot = match self.slot_left.take() {
                        Some(left) => left,
                        None => self.stagger_slot(),
                    };
                    let at = (now_ms + slot).max(self.not_before);
                    self.slot_at = Some(at);
                    let delay = self.schedule.next().unwrap_or(0);
                    self.phase = Phase::Waiting {
                        next_probe_at: after_floor(now_ms, delay, self.not_before).min(at),
                    };
                    let mut effects = self.tick(now_ms);
                    effects.announce_coming_back = Some(at);
                    return effects;
                }
                (false, None) => {}
            }
        } else if up {
            return self.site_is_back(now_ms, !verified_in_slot);
        }
        if let ProbeResult::Answered {
            retry_after: Some(value),
            ..
        } = result
        {
            if let Some(until) = parse_retry_after(value, now_ms) {
                self.not_before = self.not_before.max(until);
            }
        }
        self.phase = if self.gave_up {
            Phase::Stopped
        } else {
            let delay = self.schedule.next().unwrap_or(0);
            Phase::Waiting {
                next_probe_at: after_floor(now_ms, delay, self.not_before),
            }
        };
        Effects::default()
    }
}

/// Whether an answer means the site is really back.
///
/// 5xx is down; so are 408, 425 and 429 (come back later). Any other answer to the page — even a 404
/// or a login redirect — is the application speaking, unless it is our own error page served with
/// the wrong status (a CDN that cached it). A health endpoint must answer 2xx.
pub fn is_recovered(target: ProbeTarget, status: u16, our_error_page: bool) -> bool {
    if our_error_page {
        return false;
    }
    match target {
        ProbeTarget::Health => (200..300).contains(&status),
        ProbeTarget::Page => (200..500).contains(&status) && !matches!(status, 408 | 425 | 429),
    }
}

/// A moment in `0..=window` for one visitor's return, drawn so that the crowd arrives slowly at
/// first: the density rises linearly over the first half of the window, then stays flat. A server
/// that has just come back has cold caches, empty connection pools and often a capacity that
/// ramps up (instances still starting); a uniform draw would hit it hardest exactly then. The
/// rising half carries a third of the crowd, and the flat half runs at 4/3 of the uniform rate.
pub fn warm_up_slot(rng: &mut Rng, window: u64) -> u64 {
    let half = window / 2;
    if rng.between(0, 2) == 0 {
        // The inverse of the rising half's distribution function: half · √U.
        let u = rng.between(0, 1 << 20) as f64 / (1u64 << 20) as f64;
        (half as f64 * super::sqrt(u)) as u64
    } else {
        rng.between(half, window)
    }
}

/// When the next probe is due: `delay` after now, or — when a `Retry-After` floor is later — at a
/// jittered moment after the floor. Without that jitter every tab given the same HTTP-date would
/// probe in the same millisecond.
fn after_floor(now_ms: u64, delay: u64, not_before: u64) -> u64 {
    let due = now_ms + delay;
    if not_before <= due {
        return due;
    }
    // `delay` is already uniformly random: reuse it as the offset after the floor.
    not_before + delay
}
