//! The discrete-event simulation: one strategy through one scenario.
//!
//! Events sit in a binary heap ordered by (time in ms, insertion number), so equal times run in the
//! order they were scheduled and a run is a pure function of its seed.
//!
//! Our strategy is the real [`Recovery`] machine, one per error-page tab. The driver does what the
//! browser shell does (`src/web/app.rs`, `src/web/tabs.rs`): feed each machine events with the
//! current time, carry out its [`Effects`], and wake it at [`Recovery::next_deadline`]. It never
//! second-guesses a machine, so a change in the machine's behaviour shows up here by itself.
//!
//! Tabs of one visitor share a browser, hence a Web Lock and a BroadcastChannel (we assume a secure
//! context, so Web Locks rather than the heartbeat fallback). The machine says when a tab seeks or
//! resigns the prober role (`Effects::leadership`); the driver plays the browser's lock manager:
//! - `Seek` is a request `ifAvailable`: granted, the tab leads; busy, it is told it follows and
//!   queues for the lock;
//! - `Resign` releases the lock (or leaves the queue); the lock passes to the first tab queued;
//! - a page that navigates away (a reload) releases the lock when the new page commits;
//! - `announce_recovery` reaches every other error page of the visitor as `PeerSawRecovery`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use gateway_doctor::logic::config::{config_from_json, Config};
use gateway_doctor::logic::json::Json;
use gateway_doctor::logic::machine::{
    Carried, Effects, Event as MachineEvent, Leadership, Phase, ProbeResult, ProbeTarget, Recovery,
    Start,
};
use gateway_doctor::logic::request::OriginalMethod;
use gateway_doctor::logic::rng::Rng;

use super::scenario::{Population, Scenario, SECOND_MS};
use super::strategy::{Baseline, Strategy};
use super::world::{Answer, World, ROUND_TRIP_MS};

/// How long after recovery the run follows the tabs; one still on the error page then is stranded.
pub const FOLLOW_AFTER_RECOVERY_MS: u64 = 4 * 60 * 60 * 1_000;
/// The window of origin requests per second kept for the plot, around recovery.
pub const SERIES_BEFORE_S: u64 = 60;
pub const SERIES_AFTER_S: u64 = 180;
/// The operator's health endpoint in our configuration (any same-origin path would do).
pub const HEALTH_URL: &str = "/healthz";

/// Our configuration for the benchmark: the defaults plus a health endpoint (the recommended setup),
/// and optionally another reload spread (a what-if; the default is the shipped default). Built
/// from JSON through the same validation a page author's config block goes through, so defaults
/// that depend on other keys (the shorter cap with a health endpoint) apply here too.
pub fn our_config(reload_spread_ms: Option<u64>, reload_rate: Option<u64>) -> Config {
    let mut raw = vec![("healthUrl".to_owned(), Json::String(HEALTH_URL.to_owned()))];
    if let Some(spread) = reload_spread_ms {
        raw.push(("reloadSpreadMs".to_owned(), Json::Number(spread as f64)));
    }
    if let Some(rate) = reload_rate {
        raw.push(("reloadRatePerSecond".to_owned(), Json::Number(rate as f64)));
    }
    let (config, warnings) = config_from_json(&Json::Object(raw));
    assert!(
        warnings.is_empty(),
        "benchmark config rejected: {warnings:?}"
    );
    config
}

/// What one run measured. Times are relative to recovery (the origin first coming back).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunResult {
    /// Requests reaching the origin per second before recovery: the highest second and the sum.
    pub outage_peak_rps: u32,
    pub outage_total: u64,
    /// Requests the gateway handled per second before recovery (before its health micro-cache).
    pub outage_gateway_peak_rps: u32,
    /// Requests reaching the origin from recovery to the end of the run.
    pub after_recovery_total: u64,
    /// Recovery → the page loaded, per tab; `None` for a tab still on the error page at the end.
    pub reload_delays_ms: Vec<Option<u64>>,
    /// The same for the tabs visible at recovery only.
    pub visible_reload_delays_ms: Vec<Option<u64>>,
    /// Tabs hidden at recovery: from the later of recovery and the moment their visitor shows the
    /// tab again, to the page loaded. What such a visitor actually waits.
    pub hidden_shown_to_reload_ms: Vec<Option<u64>>,
    /// Tabs visible at recovery: recovery → the tab knows the site is back (ours: its machine reaches
    /// the recovered state, by its own verification or a peer's word; a baseline: a reload succeeds).
    pub noticed_delays_ms: Vec<Option<u64>>,
    pub reloads_after_recovery: u64,
    pub reloads_rejected_after_recovery: u64,
    /// Requests a tab sent before the `Retry-After` of an answer it had received expired.
    pub before_retry_after: u64,
    /// Of those, reloads made on another tab's word (`PeerSawRecovery`).
    pub before_retry_after_on_peer_word: u64,
    /// Origin requests per second from `SERIES_BEFORE_S` before recovery to `SERIES_AFTER_S` after.
    pub origin_series: Vec<u32>,
    pub events: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrive {
        tab: u32,
    },
    Hide {
        tab: u32,
    },
    Show {
        tab: u32,
    },
    /// A baseline's reload timer; stale when the tab's timer generation has moved on.
    ReloadTimer {
        tab: u32,
        generation: u32,
    },
    /// The answer to a reload reaches the tab (any strategy).
    ReloadLanded {
        tab: u32,
        answer: Answer,
    },
    /// A tab's machine asked to be woken now; stale unless it is still the armed instant.
    MachineDeadline {
        tab: u32,
    },
    /// Events for a given page's machine: dropped if that page has since been replaced.
    ProbeAnswered {
        /// Health answers carry the gateway's crowd count (`X-Gateway-Doctor-Crowd`).
        crowd: Option<u32>,
        tab: u32,
        page: u32,
        probe_id: u32,
        answer: Answer,
    },
    PeerSawRecovery {
        tab: u32,
        page: u32,
    },
    /// The leader's "coming back at", over the BroadcastChannel.
    PeerComingBack {
        tab: u32,
        page: u32,
        at: u64,
    },
}

struct Queue {
    heap: BinaryHeap<Reverse<(u64, u64, Event)>>,
    scheduled: u64,
    horizon_ms: u64,
}

impl Queue {
    fn push(&mut self, at: u64, event: Event) {
        if at <= self.horizon_ms {
            self.heap.push(Reverse((at, self.scheduled, event)));
            self.scheduled += 1;
        }
    }

    fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|Reverse((at, _, event))| (at, event))
    }
}

#[derive(Clone, Debug, Default)]
struct Tab {
    visitor: u32,
    visible: bool,
    on_error_page: bool,
    /// Our own record of the latest `Retry-After` this tab was given, kept apart from the machine's so
    /// the benchmark checks the machine instead of trusting it.
    retry_after_until: u64,
    reloaded_at: Option<u64>,
    noticed_at: Option<u64>,
    /// Baselines: reloads so far (the step of the schedule) and the live timer's generation.
    reloads: u32,
    timer_generation: u32,
    /// Ours: the error page's machine, a counter of pages shown (to drop events meant for an earlier
    /// one), the instant its timer is armed for, and whether a peer told it the site is back.
    machine: Option<Recovery>,
    page: u32,
    armed_at: Option<u64>,
    heard_from_peer: bool,
    /// What the shell keeps in sessionStorage across the tab's own reload (see `Carried`).
    carried: Option<Carried>,
}

/// One visitor's browser: the prober lock and the tabs listening on the channel.
#[derive(Clone, Debug, Default)]
struct Visitor {
    lock_holder: Option<u32>,
    lock_queue: VecDeque<u32>,
    error_pages: Vec<u32>,
}

struct Sim<'a> {
    scenario: &'a Scenario,
    strategy: Strategy,
    config: &'a Config,
    recovery_at: u64,
    rng: Rng,
    queue: Queue,
    world: World<'a>,
    tabs: Vec<Tab>,
    visitors: Vec<Visitor>,
    reloads_after_recovery: u64,
    reloads_rejected_after_recovery: u64,
    before_retry_after: u64,
    before_retry_after_on_peer_word: u64,
    /// The second the crowd count was last taken, and the count.
    crowd_cache: (Option<u64>, u32),
}

pub fn simulate(
    scenario: &Scenario,
    population: &Population,
    strategy: Strategy,
    our_config: &Config,
    seed: u64,
) -> RunResult {
    let recovery_at = scenario.recovery_at();
    let horizon_ms = recovery_at + FOLLOW_AFTER_RECOVERY_MS;
    let mut sim = Sim {
        scenario,
        strategy,
        config: our_config,
        recovery_at,
        rng: Rng::new(seed),
        queue: Queue {
            heap: BinaryHeap::with_capacity(population.tabs.len() * 4),
            scheduled: 0,
            horizon_ms,
        },
        world: World::new(scenario, horizon_ms + ROUND_TRIP_MS),
        tabs: population
            .tabs
            .iter()
            .map(|plan| Tab {
                visitor: plan.visitor,
                visible: true,
                ..Tab::default()
            })
            .collect(),
        visitors: vec![Visitor::default(); population.visitors],
        reloads_after_recovery: 0,
        reloads_rejected_after_recovery: 0,
        before_retry_after: 0,
        before_retry_after_on_peer_word: 0,
        crowd_cache: (None, 0),
    };
    // Arrivals first: a tab hidden at the instant it arrives still arrives before it hides.
    for (i, plan) in population.tabs.iter().enumerate() {
        sim.queue
            .push(plan.arrive_at, Event::Arrive { tab: i as u32 });
    }
    for (i, plan) in population.tabs.iter().enumerate() {
        if let Some((hide_at, show_at)) = plan.hidden {
            sim.queue.push(hide_at, Event::Hide { tab: i as u32 });
            sim.queue.push(show_at, Event::Show { tab: i as u32 });
        }
    }
    let mut events = 0u64;
    while let Some((now, event)) = sim.queue.pop() {
        events += 1;
        sim.dispatch(now, event);
    }
    sim.finish(population, events)
}

impl Sim<'_> {
    fn dispatch(&mut self, now: u64, event: Event) {
        match event {
            // The page the visitor landed on was an outage answer, with its Retry-After if any.
            Event::Arrive { tab } => self.landed_on_error_page(now, tab, Answer::Down),
            Event::ReloadLanded { tab, answer } => {
                self.release_lock(now, tab);
                if answer == Answer::Up {
                    let t = &mut self.tabs[tab as usize];
                    t.reloaded_at = Some(now);
                    t.noticed_at.get_or_insert(now);
                } else {
                    self.landed_on_error_page(now, tab, answer);
                }
            }
            Event::Hide { tab } => self.set_visible(now, tab, false),
            Event::Show { tab } => self.set_visible(now, tab, true),
            Event::ReloadTimer { tab, generation } => {
                let t = &mut self.tabs[tab as usize];
                if t.timer_generation != generation || !t.on_error_page {
                    return;
                }
                t.reloads += 1;
                self.reload(now, tab);
            }
            Event::MachineDeadline { tab } => {
                let t = &mut self.tabs[tab as usize];
                if t.armed_at != Some(now) {
                    return;
                }
                t.armed_at = None;
                // A deadline that is still `now` after its tick would spin: wake it 1 ms later.
                self.deliver(now, tab, MachineEvent::Tick, now + 1);
            }
            Event::ProbeAnswered {
                crowd,
                tab,
                page,
                probe_id,
                answer,
            } => {
                if self.tabs[tab as usize].page != page {
                    return;
                }
                if let (Some(crowd), Some(machine)) =
                    (crowd, self.tabs[tab as usize].machine.as_mut())
                {
                    machine.crowd_hint(crowd);
                }
                if let Some(wait) = answer.retry_after_ms(self.scenario) {
                    let t = &mut self.tabs[tab as usize];
                    t.retry_after_until = t.retry_after_until.max(now + wait);
                }
                let result = ProbeResult::Answered {
                    status: answer.status(self.scenario),
                    retry_after: answer.retry_after(self.scenario),
                    // Every error the gateway serves is our page; a 200 is the application's.
                    our_error_page: answer != Answer::Up,
                };
                let event = MachineEvent::ProbeFinished {
                    id: probe_id,
                    result,
                };
                self.deliver(now, tab, event, now);
            }
            Event::PeerSawRecovery { tab, page } => {
                let t = &mut self.tabs[tab as usize];
                if t.page != page || t.machine.is_none() {
                    return;
                }
                t.heard_from_peer = true;
                self.deliver(now, tab, MachineEvent::PeerSawRecovery, now);
            }
            Event::PeerComingBack { tab, page, at } => {
                let t = &self.tabs[tab as usize];
                if t.page != page || t.machine.is_none() {
                    return;
                }
                self.deliver(now, tab, MachineEvent::PeerComingBack { at }, now);
            }
        }
    }

    /// A tab shows the error page: on arrival, or after a reload that failed.
    fn landed_on_error_page(&mut self, now: u64, tab: u32, answer: Answer) {
        let t = &mut self.tabs[tab as usize];
        t.on_error_page = true;
        if let Some(wait) = answer.retry_after_ms(self.scenario) {
            t.retry_after_until = t.retry_after_until.max(now + wait);
        }
        match self.strategy {
            Strategy::GatewayDoctor => self.mount(now, tab, answer),
            Strategy::Baseline(baseline) => self.arm_reload_timer(now, tab, baseline),
        }
    }

    fn set_visible(&mut self, now: u64, tab: u32, visible: bool) {
        let t = &mut self.tabs[tab as usize];
        t.visible = visible;
        if !t.on_error_page {
            return;
        }
        match self.strategy {
            Strategy::GatewayDoctor => {
                self.deliver(now, tab, MachineEvent::VisibilityChanged { visible }, now);
            }
            Strategy::Baseline(baseline) if baseline.pauses_while_hidden() => {
                if visible {
                    // Rescheduled at the current step, counted from the moment it is shown.
                    self.arm_reload_timer(now, tab, baseline);
                } else {
                    t.timer_generation += 1;
                }
            }
            Strategy::Baseline(_) => {}
        }
    }

    /// A full page load of the tab's URL (a baseline's retry, or our reload).
    fn reload(&mut self, now: u64, tab: u32) {
        let t = &mut self.tabs[tab as usize];
        if now < t.retry_after_until {
            self.before_retry_after += 1;
            if t.heard_from_peer {
                self.before_retry_after_on_peer_word += 1;
            }
        }
        t.on_error_page = false;
        let answer = self.world.page(now);
        if now >= self.recovery_at {
            self.reloads_after_recovery += 1;
            if answer != Answer::Up {
                self.reloads_rejected_after_recovery += 1;
            }
        }
        self.queue
            .push(now + ROUND_TRIP_MS, Event::ReloadLanded { tab, answer });
    }

    // ---- baselines ----

    fn arm_reload_timer(&mut self, now: u64, tab: u32, baseline: Baseline) {
        let t = &mut self.tabs[tab as usize];
        if baseline.pauses_while_hidden() && !t.visible {
            return;
        }
        t.timer_generation += 1;
        let at = now + baseline.delay_ms(t.reloads, &mut self.rng);
        let generation = t.timer_generation;
        self.queue.push(at, Event::ReloadTimer { tab, generation });
    }

    // ---- ours: the real machine, one per error page, run as the shell runs it ----

    /// `mount()`: a machine for the new page and its first tick (which seeks leadership).
    fn mount(&mut self, now: u64, tab: u32, page_answer: Answer) {
        let t = &mut self.tabs[tab as usize];
        t.machine = Some(Recovery::new(
            self.config,
            Start {
                now_ms: now,
                seed: self.rng.next_u64(),
                visible: t.visible,
                online: true,
                method: OriginalMethod::Safe,
                retry_after: page_answer.retry_after(self.scenario),
            },
        ));
        // What the shell reads back from sessionStorage at mount (stale records are ignored).
        if let (Some(machine), Some(carried)) = (t.machine.as_mut(), t.carried.take()) {
            if now.saturating_sub(carried.at_ms) <= Carried::FRESH_MS {
                machine.landed_again(carried);
            }
        }
        t.page += 1;
        t.armed_at = None;
        t.heard_from_peer = false;
        let visitor = t.visitor as usize;
        self.visitors[visitor].error_pages.push(tab);
        self.deliver(now, tab, MachineEvent::Tick, now);
    }

    /// `tabs::carry_out(Seek)`: Web Locks `request(ifAvailable)`, then the queue.
    fn seek_lock(&mut self, now: u64, tab: u32) {
        let visitor = self.tabs[tab as usize].visitor as usize;
        let v = &mut self.visitors[visitor];
        let leader = v.lock_holder.is_none();
        if leader {
            v.lock_holder = Some(tab);
        } else if !v.lock_queue.contains(&tab) {
            v.lock_queue.push_back(tab);
        }
        self.deliver(now, tab, MachineEvent::LeadershipChanged { leader }, now);
    }

    /// The page went away: its lock (held or queued for) goes with it.
    fn release_lock(&mut self, now: u64, tab: u32) {
        let visitor = self.tabs[tab as usize].visitor as usize;
        let v = &mut self.visitors[visitor];
        v.lock_queue.retain(|&queued| queued != tab);
        if v.lock_holder == Some(tab) {
            v.lock_holder = None;
            self.grant_lock(now, visitor);
        }
    }

    /// Web Locks grant a free lock to the longest-waiting request.
    fn grant_lock(&mut self, now: u64, visitor: usize) {
        let v = &mut self.visitors[visitor];
        if v.lock_holder.is_some() {
            return;
        }
        if let Some(next) = v.lock_queue.pop_front() {
            v.lock_holder = Some(next);
            self.deliver(
                now,
                next,
                MachineEvent::LeadershipChanged { leader: true },
                now,
            );
        }
    }

    /// nginx's `$connections_active` as the health recipe reports it: one kept-alive connection per
    /// browser that has a visible error page polling (new visitors' connections are left out, so
    /// the count errs low). Recounted once per simulated second.
    fn crowd(&mut self, now: u64) -> u32 {
        let second = now / SECOND_MS;
        if self.crowd_cache.0 != Some(second) {
            let count = self
                .visitors
                .iter()
                .filter(|v| {
                    v.error_pages
                        .iter()
                        .any(|&tab| self.tabs[tab as usize].visible)
                })
                .count();
            self.crowd_cache = (Some(second), count as u32);
        }
        self.crowd_cache.1
    }

    /// Hands one event to a tab's machine and carries out what it asks for.
    fn deliver(&mut self, now: u64, tab: u32, event: MachineEvent, earliest_wake: u64) {
        let Some(machine) = self.tabs[tab as usize].machine.as_mut() else {
            return;
        };
        let effects = machine.handle(now, event);
        self.carry_out(now, tab, effects, earliest_wake);
    }

    /// Does what the shell does with a machine's effects, then re-arms the tab's one timer.
    fn carry_out(&mut self, now: u64, tab: u32, effects: Effects, earliest_wake: u64) {
        let t = &mut self.tabs[tab as usize];
        if let Some(machine) = &t.machine {
            if now >= self.recovery_at
                && (machine.is_coming_back(now)
                    || matches!(
                        machine.phase(),
                        Phase::Recovered { .. } | Phase::Reloading { .. } | Phase::Manual
                    ))
            {
                t.noticed_at.get_or_insert(now);
            }
        }
        // `cancel_probe` aborts a fetch already sent: the request was counted when it left, and the
        // machine ignores a late answer by its id, so there is nothing else to do here.
        if let Some(probe) = effects.probe {
            if now < t.retry_after_until {
                self.before_retry_after += 1;
            }
            let page = t.page;
            let (answer, crowd) = match probe.target {
                ProbeTarget::Health => (self.world.health(now), Some(self.crowd(now))),
                ProbeTarget::Page => (self.world.page(now), None),
            };
            self.queue.push(
                now + ROUND_TRIP_MS,
                Event::ProbeAnswered {
                    crowd,
                    tab,
                    page,
                    probe_id: probe.id,
                    answer,
                },
            );
        }
        let visitor = self.tabs[tab as usize].visitor as usize;
        match effects.leadership {
            Some(Leadership::Seek) => self.seek_lock(now, tab),
            // `release_lock` also hands the lock to the first tab queued.
            Some(Leadership::Resign) => self.release_lock(now, tab),
            None => {}
        }
        if let Some(at) = effects.announce_coming_back {
            for &other in &self.visitors[visitor].error_pages {
                if other != tab {
                    let page = self.tabs[other as usize].page;
                    self.queue.push(
                        now,
                        Event::PeerComingBack {
                            tab: other,
                            page,
                            at,
                        },
                    );
                }
            }
        }
        if effects.announce_recovery {
            // BroadcastChannel: delivered to every other error page of this browser, asynchronously.
            for &other in &self.visitors[visitor].error_pages {
                if other != tab {
                    let page = self.tabs[other as usize].page;
                    self.queue
                        .push(now, Event::PeerSawRecovery { tab: other, page });
                }
            }
        }
        if effects.reload {
            // The page navigates: its machine and timer are gone; the lock goes when the next page
            // commits (see `ReloadLanded`).
            let t = &mut self.tabs[tab as usize];
            // What the shell writes to sessionStorage right before `location.reload()`.
            t.carried = t.machine.take().map(|machine| machine.carry(now));
            t.armed_at = None;
            self.visitors[visitor]
                .error_pages
                .retain(|&other| other != tab);
            self.reload(now, tab);
            return;
        }
        self.arm(now, tab, earliest_wake);
    }

    fn arm(&mut self, now: u64, tab: u32, earliest_wake: u64) {
        let t = &mut self.tabs[tab as usize];
        let wake = t
            .machine
            .as_ref()
            .and_then(Recovery::next_deadline)
            .map(|deadline| deadline.max(earliest_wake).max(now));
        if wake != t.armed_at {
            t.armed_at = wake;
            if let Some(at) = wake {
                self.queue.push(at, Event::MachineDeadline { tab });
            }
        }
    }

    fn finish(self, population: &Population, events: u64) -> RunResult {
        let recovery_s = (self.recovery_at / SECOND_MS) as usize;
        let origin = &self.world.origin_per_second;
        let outage = &origin[..recovery_s];
        let since_recovery = |at: Option<u64>| at.map(|at| at - self.recovery_at);
        let visible_at_recovery = || {
            self.tabs
                .iter()
                .zip(&population.tabs)
                .filter(|(_, plan)| plan.hidden.is_none())
                .map(|(t, _)| t)
        };
        RunResult {
            outage_peak_rps: outage.iter().copied().max().unwrap_or(0),
            outage_total: outage.iter().map(|&n| u64::from(n)).sum(),
            outage_gateway_peak_rps: self.world.gateway_per_second[..recovery_s]
                .iter()
                .copied()
                .max()
                .unwrap_or(0),
            after_recovery_total: origin[recovery_s..].iter().map(|&n| u64::from(n)).sum(),
            reload_delays_ms: self
                .tabs
                .iter()
                .map(|t| since_recovery(t.reloaded_at))
                .collect(),
            visible_reload_delays_ms: visible_at_recovery()
                .map(|t| since_recovery(t.reloaded_at))
                .collect(),
            hidden_shown_to_reload_ms: self
                .tabs
                .iter()
                .zip(&population.tabs)
                .filter_map(|(t, plan)| {
                    let (_, show_at) = plan.hidden?;
                    let from = show_at.max(self.recovery_at);
                    Some(t.reloaded_at.map(|at| at.saturating_sub(from)))
                })
                .collect(),
            noticed_delays_ms: visible_at_recovery()
                .map(|t| since_recovery(t.noticed_at))
                .collect(),
            reloads_after_recovery: self.reloads_after_recovery,
            reloads_rejected_after_recovery: self.reloads_rejected_after_recovery,
            before_retry_after: self.before_retry_after,
            before_retry_after_on_peer_word: self.before_retry_after_on_peer_word,
            origin_series: origin
                [recovery_s - SERIES_BEFORE_S as usize..recovery_s + SERIES_AFTER_S as usize]
                .to_vec(),
            events,
        }
    }
}
