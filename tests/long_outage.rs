//! A 24-hour outage, simulated: the real recovery machine (`src/logic/machine.rs`) driven the way
//! the browser shell drives it, by one timer armed for `min(next_deadline, next_redraw)`, one probe
//! at a time, and the visitor's tab going hidden, visible, offline and online.
//!
//! What must hold for the whole day (each assertion fails if the guarantee breaks):
//! - **bounded attempts**: with the defaults (`retry.giveUpAfterMs` 1 h, cap 10 s, full jitter
//!   from `MIN_DELAY_MS` 250 ms) and a visitor who just waits, every check waits at least
//!   `MIN_DELAY_MS` after the previous answer, so at most `giveUpAfterMs / MIN_DELAY_MS + 1` =
//!   14,401 checks can be sent; the jittered schedule sends about `1 h / mean(U(250 ms, 10 s))`
//!   ≈ 700 (measured: 691-723 over four seeds); then none for the remaining 23 hours;
//! - **capped backoff**: never more than the cap (`retry.maxDelayMs`) between an answer and the
//!   next check unless a `Retry-After` floor says later, never less than `MIN_DELAY_MS`;
//! - **no drift**: the machine's deadline is never in the past, the shell's timer never fires for
//!   nothing in a loop (every redraw is strictly later than now), and 24 h of simulated time end
//!   exactly where the schedule says;
//! - **no pile-up**: at most one probe in flight and one timer armed at any moment;
//! - **after giving up**: `Stopped`, no deadline, no checks from timers, visibility, the network
//!   coming back or another tab leaving; only the visitor's button sends one check, and the page
//!   stays stopped afterwards.

use gateway_doctor::logic::backoff::MIN_DELAY_MS;
use gateway_doctor::logic::config::{config_from_json, Config};
use gateway_doctor::logic::json::Json;
use gateway_doctor::logic::machine::{
    Effects, Event, Leadership, Phase, ProbeResult, Recovery, Start,
};
use gateway_doctor::logic::request::OriginalMethod;
use gateway_doctor::logic::rng::Rng;
use gateway_doctor::logic::view::next_redraw;

const T0: u64 = 1_700_000_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

fn config(json: &str) -> Config {
    let raw: Json = serde_json::from_str(json).unwrap();
    let (config, warnings) = config_from_json(&raw);
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

/// How the failing site answers a check.
#[derive(Clone, Copy)]
enum Outage {
    /// nginx answers 502 quickly (the application is down).
    Refused,
    /// A mix: 502s, 503s with `Retry-After: 120`, network failures and checks that never answer.
    Mixed,
}

/// The visitor's side of the day.
#[derive(Clone, Copy)]
struct Visitor {
    /// Switch tabs, lose the network, press the button now and then.
    restless: bool,
}

/// What happened during the simulated day.
#[derive(Default)]
struct Day {
    /// Send times of automatic checks (timer, visibility, network, leadership).
    automatic: Vec<u64>,
    /// Send times of checks the visitor asked for with the button.
    manual: Vec<u64>,
    /// (answer time, next send time, a Retry-After floor applied in between)
    gaps: Vec<(u64, u64, bool)>,
    gave_up_at: Option<u64>,
    timer_firings: u64,
    /// Stretches of time when the tab was visible and online: checking must never stall there.
    active: Vec<(u64, u64)>,
}

struct Sim {
    m: Recovery,
    cap: u64,
    rng: Rng,
    outage: Outage,
    visitor: Visitor,
    now: u64,
    /// (probe id, answer at; `None`: never answers)
    in_flight: Option<(u32, Option<u64>)>,
    /// The shell's single timer.
    timer: Option<u64>,
    visible: bool,
    online: bool,
    /// A Retry-After floor was seen since the last answer.
    floor_since_answer: bool,
    last_answer: Option<u64>,
    active_since: Option<u64>,
    day: Day,
}

impl Sim {
    fn new(config: &Config, seed: u64, outage: Outage, visitor: Visitor) -> Sim {
        let m = Recovery::new(
            config,
            Start {
                now_ms: T0,
                seed,
                visible: true,
                online: true,
                method: OriginalMethod::Safe,
                retry_after: None,
            },
        );
        Sim {
            m,
            cap: config.backoff.max_delay_ms,
            rng: Rng::new(seed ^ 0xDA7),
            outage,
            visitor,
            now: T0,
            in_flight: None,
            timer: None,
            visible: true,
            online: true,
            floor_since_answer: false,
            last_answer: Some(T0),
            active_since: Some(T0),
            day: Day::default(),
        }
    }

    /// Carries out the effects as the shell does, then re-arms the one timer.
    fn apply(&mut self, effects: Effects, manual: bool) {
        if effects.cancel_probe {
            self.in_flight = None;
        }
        assert!(!effects.reload, "nothing ever came back");
        if let Some(probe) = effects.probe {
            assert!(
                self.in_flight.is_none(),
                "a second probe at +{} ms while one is in flight",
                self.now - T0
            );
            assert!(self.visible && self.online, "probe while hidden or offline");
            let answer_at = match self.outage {
                Outage::Refused => Some(self.now + 3 + self.rng.between(0, 40)),
                Outage::Mixed if self.rng.between(0, 20) == 0 => None,
                Outage::Mixed => Some(self.now + self.rng.between(1, 3_000)),
            };
            self.in_flight = Some((probe.id, answer_at));
            if manual {
                self.day.manual.push(self.now);
            } else {
                self.day.automatic.push(self.now);
                if let Some(answered) = self.last_answer.take() {
                    self.day
                        .gaps
                        .push((answered, self.now, self.floor_since_answer));
                }
            }
        }
        // A single tab: the shell's Web Lock request is granted at once.
        if effects.leadership == Some(Leadership::Seek) {
            let granted = self
                .m
                .handle(self.now, Event::LeadershipChanged { leader: true });
            self.apply(granted, false);
            return;
        }
        // No drift: the machine never asks to be woken in the past.
        if let Some(deadline) = self.m.next_deadline() {
            assert!(
                deadline >= self.now,
                "deadline {} ms in the past",
                self.now - deadline
            );
        }
        // The shell's one timer: replaced, never added to.
        let redraw = next_redraw(&self.m, self.now);
        if let Some(at) = redraw {
            assert!(at > self.now, "a redraw timer for now would spin");
        }
        self.timer = [self.m.next_deadline(), redraw].into_iter().flatten().min();
        if self.m.phase() == Phase::Stopped && self.day.gave_up_at.is_none() {
            self.day.gave_up_at = Some(self.now);
        }
    }

    fn answer(&mut self) -> ProbeResult<'static> {
        match self.outage {
            Outage::Refused => ProbeResult::Answered {
                status: 502,
                retry_after: None,
                our_error_page: true,
            },
            Outage::Mixed => match self.rng.between(0, 9) {
                0..=4 => ProbeResult::Answered {
                    status: 502,
                    retry_after: None,
                    our_error_page: true,
                },
                5 => ProbeResult::Answered {
                    status: 503,
                    retry_after: Some("120"),
                    our_error_page: true,
                },
                _ => ProbeResult::Failed,
            },
        }
    }

    fn run_until(&mut self, end: u64) {
        let e = self.m.handle(self.now, Event::Tick);
        self.apply(e, false);
        let mut next_visitor_event = self.now + self.rng.between(60_000, 2 * HOUR);
        while self.now < end {
            let answer_at = self.in_flight.and_then(|(_, at)| at);
            let visitor_at = self.visitor.restless.then_some(next_visitor_event);
            let Some(next) = [self.timer, answer_at, visitor_at, Some(end)]
                .into_iter()
                .flatten()
                .min()
            else {
                break;
            };
            assert!(next >= self.now, "time went backwards");
            self.now = next;
            if self.now >= end {
                break;
            }
            self.step(answer_at, visitor_at, &mut next_visitor_event);
        }
        if let Some(since) = self.active_since.take() {
            self.day.active.push((since, end));
        }
    }

    /// One event of the simulated browser, at `self.now`.
    fn step(&mut self, answer_at: Option<u64>, visitor_at: Option<u64>, next_visitor: &mut u64) {
        if answer_at == Some(self.now) {
            let (id, _) = self.in_flight.take().unwrap();
            let result = self.answer();
            let e = self.m.handle(self.now, Event::ProbeFinished { id, result });
            self.last_answer = Some(self.now);
            self.floor_since_answer = result_has_floor(result);
            self.apply(e, false);
        } else if visitor_at == Some(self.now) {
            *next_visitor = self.now + self.rng.between(60_000, HOUR);
            self.visitor_event();
        } else {
            self.day.timer_firings += 1;
            let e = self.m.handle(self.now, Event::Tick);
            if e.cancel_probe {
                // A timeout counts as an answer for the gap to the next check.
                self.last_answer = Some(self.now);
                self.floor_since_answer = false;
            }
            self.apply(e, false);
        }
    }

    /// The visitor comes back to a hidden tab, the network returns, or (mostly while watching)
    /// the visitor switches away, loses the network, presses the button, or another tab closes.
    fn visitor_event(&mut self) {
        let (event, manual) = if !self.visible {
            self.visible = true;
            (Event::VisibilityChanged { visible: true }, false)
        } else if !self.online {
            self.online = true;
            (Event::ConnectivityChanged { online: true }, false)
        } else {
            match self.rng.between(0, 19) {
                0..=5 => {
                    self.visible = false;
                    (Event::VisibilityChanged { visible: false }, false)
                }
                6..=8 => {
                    self.online = false;
                    (Event::ConnectivityChanged { online: false }, false)
                }
                9..=12 => (Event::LeadershipChanged { leader: true }, false),
                _ => (Event::ButtonPressed, true),
            }
        };
        // Resuming (visible, online) checks at once by design: not a backoff gap.
        self.last_answer = None;
        match (self.active_since, self.visible && self.online) {
            (Some(since), false) => {
                self.day.active.push((since, self.now));
                self.active_since = None;
            }
            (None, true) => self.active_since = Some(self.now),
            _ => {}
        }
        let e = self.m.handle(self.now, event);
        self.apply(e, manual);
    }
}

fn result_has_floor(result: ProbeResult) -> bool {
    matches!(
        result,
        ProbeResult::Answered {
            retry_after: Some(_),
            ..
        }
    )
}

/// Expected number of full-jitter delays `U(MIN_DELAY_MS, cap)` that fit in `span_ms`.
fn expected_checks(span_ms: u64, cap: u64) -> u64 {
    span_ms / ((MIN_DELAY_MS + cap) / 2)
}

#[test]
fn a_day_long_outage_with_the_defaults_gives_up_after_an_hour_and_stays_quiet() {
    let config = Config::default();
    let give_up = config.give_up_after_ms;
    assert_eq!(give_up, HOUR, "the documented default");
    let hard_bound = give_up / MIN_DELAY_MS + 1;
    for seed in [1, 7, 502, 0xC0FFEE] {
        let mut sim = Sim::new(&config, seed, Outage::Refused, Visitor { restless: false });
        sim.run_until(T0 + DAY);
        let day = &sim.day;
        let n = day.automatic.len() as u64;
        assert!(n <= hard_bound, "seed {seed}: {n} checks > {hard_bound}");
        let expected = expected_checks(give_up, sim.cap);
        assert!(
            n >= expected * 8 / 10 && n <= expected * 12 / 10,
            "seed {seed}: {n} checks in the hour, expected about {expected}"
        );
        let gave_up = day.gave_up_at.expect("gives up within the day");
        assert!(
            (T0 + give_up..=T0 + give_up + sim.cap).contains(&gave_up),
            "seed {seed}: gave up at +{} ms",
            gave_up - T0
        );
        assert!(day.automatic.iter().all(|t| *t <= T0 + give_up));
        // Capped backoff without Retry-After: every gap within [MIN_DELAY_MS, cap].
        for (answered, sent, _) in &day.gaps {
            let gap = sent - answered;
            assert!(
                (MIN_DELAY_MS..=sim.cap).contains(&gap),
                "seed {seed}: {gap} ms between an answer and the next check"
            );
        }
        // One timer: after giving up, nothing is armed, so it never fires again.
        assert_eq!(sim.m.phase(), Phase::Stopped);
        assert_eq!(sim.m.next_deadline(), None);
        assert_eq!(next_redraw(&sim.m, sim.now), None);
        assert_eq!(sim.timer, None);
        assert!(
            day.timer_firings < 40 * n,
            "seed {seed}: {} timer firings for {n} checks (redraws are one a second at most)",
            day.timer_firings
        );
        assert!(day.manual.is_empty());
    }
}

#[test]
fn after_giving_up_only_the_visitor_can_check_again() {
    let config = Config::default();
    let mut sim = Sim::new(&config, 3, Outage::Refused, Visitor { restless: false });
    sim.run_until(T0 + 2 * HOUR);
    assert_eq!(sim.m.phase(), Phase::Stopped);
    let sent = sim.day.automatic.len();
    assert_eq!(sim.m.next_deadline(), None);
    assert_eq!(next_redraw(&sim.m, sim.now), None, "no countdown");

    // Nothing the browser does restarts automatic checks.
    let mut now = sim.now;
    for event in [
        Event::Tick,
        Event::VisibilityChanged { visible: false },
        Event::VisibilityChanged { visible: true },
        Event::ConnectivityChanged { online: false },
        Event::ConnectivityChanged { online: true },
        Event::LeadershipChanged { leader: false },
        Event::LeadershipChanged { leader: true },
        Event::Tick,
    ] {
        now += 60_000;
        let e = sim.m.handle(now, event);
        assert_eq!(e.probe, None, "{event:?} sent a check after giving up");
        assert_eq!(sim.m.next_deadline(), None, "{event:?} armed a timer");
    }

    // The button sends exactly one check; its failure leaves the page stopped, not retrying.
    for _ in 0..3 {
        now += 10 * 60_000;
        let probe = sim
            .m
            .handle(now, Event::ButtonPressed)
            .probe
            .expect("the button checks");
        assert_eq!(sim.m.handle(now + 1, Event::ButtonPressed).probe, None);
        let timeout = sim.m.next_deadline().expect("the check can time out");
        assert_eq!(timeout, now + config.probe_timeout_ms);
        let e = sim.m.handle(
            now + 30,
            Event::ProbeFinished {
                id: probe.id,
                result: ProbeResult::Failed,
            },
        );
        assert_eq!(e, Effects::default());
        assert_eq!(sim.m.phase(), Phase::Stopped);
        assert_eq!(sim.m.next_deadline(), None);
    }
    // A check that never answers times out and leaves the page stopped too.
    now += 60_000;
    let probe = sim.m.handle(now, Event::ButtonPressed).probe.unwrap();
    let e = sim.m.handle(now + config.probe_timeout_ms, Event::Tick);
    assert!(e.cancel_probe && e.probe.is_none());
    assert_eq!(sim.m.phase(), Phase::Stopped);
    let late = sim.m.handle(
        now + config.probe_timeout_ms + 5,
        Event::ProbeFinished {
            id: probe.id,
            result: ProbeResult::Failed,
        },
    );
    assert_eq!(late, Effects::default());
    assert_eq!(sim.m.probes_sent() as usize, sent + 4);
}

#[test]
fn a_full_day_of_checking_stays_capped_and_never_piles_up() {
    // An operator who lets the page check all day (the longest `giveUpAfterMs` is 7 days), with a
    // visitor who switches tabs, loses the network and presses the button, and a site that answers
    // with 502s, Retry-After floors, network failures and silence.
    let config = config(r#"{"retry": {"giveUpAfterMs": 604800000}, "probeTimeoutMs": 5000}"#);
    for seed in [11, 12, 13] {
        let mut sim = Sim::new(&config, seed, Outage::Mixed, Visitor { restless: true });
        sim.run_until(T0 + DAY);
        let day = &sim.day;
        let n = day.automatic.len() as u64;
        assert!(n > 100, "seed {seed}: only {n} checks in a day");
        // Never stalls: while the tab is visible and online, checks follow each other within
        // the longest legitimate wait (a check that times out after 5 s, then a Retry-After of
        // 120 s plus one capped delay).
        let mut sent: Vec<u64> = day.automatic.iter().chain(&day.manual).copied().collect();
        sent.sort_unstable();
        let longest = 5_000 + 3_000 + 120_000 + sim.cap;
        for (from, to) in day.active.iter().copied().filter(|(f, t)| t - f > longest) {
            let mut last = from;
            for t in sent
                .iter()
                .copied()
                .filter(|t| (from..to).contains(t))
                .chain([to])
            {
                assert!(
                    t - last <= longest,
                    "seed {seed}: no check for {} ms while visible and online",
                    t - last
                );
                last = t;
            }
        }
        // Never faster than the schedule allows: a check takes at least MIN_DELAY_MS after the
        // last answer, so at most one per MIN_DELAY_MS plus the resumes the visitor caused.
        assert!(n <= DAY / MIN_DELAY_MS, "seed {seed}: {n} checks");
        for (answered, sent, floor) in &day.gaps {
            let gap = sent - answered;
            assert!(gap >= MIN_DELAY_MS, "seed {seed}: {gap} ms after an answer");
            if !floor {
                assert!(
                    gap <= sim.cap,
                    "seed {seed}: waited {gap} ms > cap {}",
                    sim.cap
                );
            } else {
                // Retry-After: 120 → no earlier than the floor, at most one capped delay after it.
                assert!(
                    (120_000..=120_000 + sim.cap).contains(&gap),
                    "seed {seed}: {gap} ms after a Retry-After of 120 s"
                );
            }
        }
        // Every hour of the day is checked at a similar rate: the schedule neither drifts nor
        // slows down (nor speeds up) as attempts accumulate.
        let per_hour: Vec<usize> = (0..24)
            .map(|h| {
                let (from, to) = (T0 + h * HOUR, T0 + (h + 1) * HOUR);
                day.automatic
                    .iter()
                    .filter(|t| (from..to).contains(*t))
                    .count()
            })
            .collect();
        let busiest = *per_hour.iter().max().unwrap() as u64;
        assert!(
            busiest <= 2 * expected_checks(HOUR, sim.cap),
            "seed {seed}: {busiest} checks in one hour ({per_hour:?})"
        );
        assert_eq!(day.gave_up_at, None);
    }
}
