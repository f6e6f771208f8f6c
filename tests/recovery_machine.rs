//! Behaviour of the recovery state machine, driven with simulated time.

use gateway_doctor::logic::catalog::Catalog;
use gateway_doctor::logic::config::{config_from_json, Config};
use gateway_doctor::logic::json::Json;
use gateway_doctor::logic::machine::{
    Carried, Effects, Event, Leadership, Phase, Probe, ProbeResult, ProbeTarget, Recovery, Start,
    PEER_WORD_GRACE_MS, RELOAD_FALLBACK_MS,
};
use gateway_doctor::logic::messages::{Locale, Message};
use gateway_doctor::logic::request::OriginalMethod;
use gateway_doctor::logic::view::{next_redraw, page_header, view, PageHeader, State};

const T0: u64 = 1_700_000_000_000;

fn start(method: OriginalMethod, retry_after: Option<&str>) -> Start<'_> {
    Start {
        now_ms: T0,
        seed: 99,
        visible: true,
        online: true,
        method,
        retry_after,
    }
}

fn config(json: &str) -> Config {
    let raw: Json = serde_json::from_str(json).unwrap();
    let (config, warnings) = config_from_json(&raw);
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

/// What the simulated world answers, by time and target.
type World = dyn Fn(u64, ProbeTarget) -> ProbeResult<'static>;

/// Runs the machine until `until`, answering each probe `latency` ms after it is sent.
/// Returns (probe send times with targets, reload time).
struct Run {
    probes: Vec<(u64, ProbeTarget)>,
    reload_at: Option<u64>,
    cancels: u32,
}

fn drive(m: &mut Recovery, from: u64, until: u64, latency: u64, world: &World) -> Run {
    let mut run = Run {
        probes: vec![],
        reload_at: None,
        cancels: 0,
    };
    let mut now = from;
    let mut in_flight: Option<(Probe, u64)> = None;
    let apply = |e: Effects, now: u64, run: &mut Run, in_flight: &mut Option<(Probe, u64)>| {
        if e.cancel_probe {
            run.cancels += 1;
            *in_flight = None;
        }
        if let Some(p) = e.probe {
            run.probes.push((now, p.target));
            *in_flight = Some((p, now + latency));
        }
        if e.reload && run.reload_at.is_none() {
            run.reload_at = Some(now);
        }
    };
    let e = m.handle(now, Event::Tick);
    apply(e, now, &mut run, &mut in_flight);
    while now < until && run.reload_at.is_none() {
        let answer_at = in_flight.map(|(_, at)| at);
        let next = [m.next_deadline(), answer_at].into_iter().flatten().min();
        let Some(next) = next else { break };
        now = next.max(now);
        if now > until {
            break;
        }
        let e = match in_flight {
            Some((p, at)) if at <= now => {
                in_flight = None;
                m.handle(
                    now,
                    Event::ProbeFinished {
                        id: p.id,
                        result: world(now, p.target),
                    },
                )
            }
            _ => m.handle(now, Event::Tick),
        };
        apply(e, now, &mut run, &mut in_flight);
    }
    run
}

/// The application answering: the site is back.
const UP: ProbeResult<'static> = ProbeResult::Answered {
    status: 200,
    retry_after: None,
    our_error_page: false,
};

fn down(_: u64, _: ProbeTarget) -> ProbeResult<'static> {
    ProbeResult::Answered {
        status: 502,
        retry_after: None,
        our_error_page: true,
    }
}

/// Ticks `m` at its next deadline, which sends the health check, and answers it "up" `latency`
/// ms later. Returns when the check was sent and the effects of the answer.
fn health_answers_up(m: &mut Recovery, latency: u64) -> (u64, Effects) {
    let due = m.next_deadline().unwrap();
    let health = m.handle(due, Event::Tick).probe.unwrap();
    assert_eq!(health.target, ProbeTarget::Health);
    let e = m.handle(
        due + latency,
        Event::ProbeFinished {
            id: health.id,
            result: UP,
        },
    );
    (due, e)
}

#[test]
fn reloads_after_the_page_answers_and_not_before() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    let back_at = T0 + 60_000;
    let world = move |now: u64, _| {
        if now < back_at {
            down(now, ProbeTarget::Page)
        } else {
            UP
        }
    };
    let run = drive(&mut m, T0, T0 + 3_600_000, 50, &world);
    let reload = run.reload_at.expect("reloads once the site is back");
    assert!(reload >= back_at, "reloaded at {reload} before recovery");
    // Default cap is 10 s: recovery is noticed within one capped interval plus the answer time.
    assert!(
        // One capped interval (10 s when probing the page) to notice, plus this tab's slot in
        // the 2 s stagger window.
        reload <= back_at + 10_000 + 50 + 2_000,
        "noticed {} ms late",
        reload - back_at
    );
    assert!(matches!(m.phase(), Phase::Reloading { .. }));
    // Backoff: far fewer probes than a fixed 1 s poll over the minute.
    assert!(
        run.probes.len() < 40,
        "{} probes in one minute",
        run.probes.len()
    );
    assert!(run.probes.iter().all(|(_, t)| *t == ProbeTarget::Page));
}

#[test]
fn first_probe_waits_for_the_first_backoff_delay() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    let e = m.handle(T0, Event::Tick);
    assert_eq!((e.probe, e.reload), (None, false));
    // A visible tab asks to be the site's prober.
    assert_eq!(e.leadership, Some(Leadership::Seek));
    let first = m.next_deadline().unwrap();
    assert!((T0 + 250..=T0 + 1_000).contains(&first), "{}", first - T0);
}

#[test]
fn a_post_is_never_reloaded_automatically() {
    for method in [OriginalMethod::Unsafe, OriginalMethod::Unknown] {
        let mut m = Recovery::new(&Config::default(), start(method, None));
        let up = |_, _| UP;
        let run = drive(&mut m, T0, T0 + 120_000, 10, &up);
        assert_eq!(run.reload_at, None, "{method:?}");
        assert_eq!(m.phase(), Phase::Manual);
        let texts = english();
        let v = view(&m, T0 + 120_000, &texts);
        assert_eq!(v.state, State::Manual);
        assert_eq!(v.button_label, "Reload page");
        // Only the visitor's own click reloads.
        assert!(m.handle(T0 + 130_000, Event::ButtonPressed).reload);
    }
}

#[test]
fn a_cached_error_page_with_status_200_is_not_recovery() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    let cached = |_, _| ProbeResult::Answered {
        status: 200,
        retry_after: None,
        our_error_page: true,
    };
    let run = drive(&mut m, T0, T0 + 600_000, 10, &cached);
    assert_eq!(run.reload_at, None);
    assert!(run.probes.len() > 10);
}

#[test]
fn retry_after_is_a_floor_for_every_request() {
    // From the page's own response, and then from a probe's answer.
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, Some("5")));
    let world = |now: u64, _| {
        if now < T0 + 30_000 {
            ProbeResult::Answered {
                status: 503,
                retry_after: Some("20"),
                our_error_page: true,
            }
        } else {
            UP
        }
    };
    // The visitor clicks "Check now" during the floor: nothing is sent.
    assert_eq!(m.handle(T0 + 1_000, Event::ButtonPressed).probe, None);
    assert!(!view(&m, T0 + 1_000, &english()).button_enabled);
    let run = drive(&mut m, T0, T0 + 120_000, 10, &world);
    let times: Vec<u64> = run.probes.iter().map(|(t, _)| t - T0).collect();
    assert!(times[0] >= 5_000, "{times:?}");
    // After the 503 at ~5 s said "20", the next probe waits until ~25 s.
    assert!(times[1] >= times[0] + 10 + 20_000, "{times:?}");
    assert!(run.reload_at.is_some());
}

#[test]
fn hidden_tabs_and_offline_devices_do_not_probe() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    assert_eq!(
        m.handle(T0, Event::VisibilityChanged { visible: false }),
        Effects::default()
    );
    assert_eq!(m.next_deadline(), None);
    let run = drive(&mut m, T0, T0 + 3_600_000, 10, &down);
    assert!(run.probes.is_empty());
    assert_eq!(view(&m, T0 + 5_000, &english()).state, State::PausedHidden);
    // Visible again: a probe at once.
    let e = m.handle(T0 + 10_000, Event::VisibilityChanged { visible: true });
    assert!(e.probe.is_some());

    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    let _ = m.handle(T0, Event::ConnectivityChanged { online: false });
    assert!(drive(&mut m, T0, T0 + 600_000, 10, &down).probes.is_empty());
    assert_eq!(view(&m, T0, &english()).state, State::PausedOffline);
    assert!(m
        .handle(T0 + 700_000, Event::ConnectivityChanged { online: true })
        .probe
        .is_some());
}

#[test]
fn a_probe_that_never_answers_times_out_and_its_late_answer_is_ignored() {
    let mut m = Recovery::new(
        &config(r#"{"probeTimeoutMs": 3000}"#),
        start(OriginalMethod::Safe, None),
    );
    let due = m.next_deadline().unwrap();
    let probe = m.handle(due, Event::Tick).probe.unwrap();
    assert_eq!(m.next_deadline(), Some(due + 3_000));
    let e = m.handle(due + 3_000, Event::Tick);
    assert!(e.cancel_probe);
    assert!(matches!(m.phase(), Phase::Waiting { .. }));
    let late = m.handle(
        due + 3_500,
        Event::ProbeFinished {
            id: probe.id,
            result: UP,
        },
    );
    assert_eq!(late, Effects::default());
    assert!(matches!(m.phase(), Phase::Waiting { .. }));
}

#[test]
fn health_endpoint_first_then_the_page_verifies() {
    let mut m = Recovery::new(
        &config(r#"{"healthUrl": "/healthz"}"#),
        start(OriginalMethod::Safe, None),
    );
    // Health is up, but the page still serves the error (e.g. a CDN cache): no reload.
    let world = |now: u64, target| match target {
        ProbeTarget::Health => UP,
        ProbeTarget::Page if now < T0 + 20_000 => down(now, target),
        ProbeTarget::Page => UP,
    };
    let run = drive(&mut m, T0, T0 + 600_000, 10, &world);
    assert_eq!(run.probes[0].1, ProbeTarget::Health);
    // The page is checked (within the stagger window), not just health.
    let first_page = run
        .probes
        .iter()
        .position(|(_, t)| *t == ProbeTarget::Page)
        .unwrap();
    assert!(run.probes[first_page].0 <= run.probes[0].0 + 2_000 + 10);
    let reload = run.reload_at.unwrap();
    assert!(reload >= T0 + 20_000);
    assert_eq!(run.probes.last().unwrap().1, ProbeTarget::Page);
}

#[test]
fn gives_up_after_the_limit_but_the_button_still_checks() {
    let mut m = Recovery::new(
        &config(r#"{"retry": {"giveUpAfterMs": 60000, "maxDelayMs": 5000}}"#),
        start(OriginalMethod::Safe, None),
    );
    let run = drive(&mut m, T0, T0 + 10 * 3_600_000, 10, &down);
    assert_eq!(m.phase(), Phase::Stopped);
    let last = run.probes.last().unwrap().0;
    assert!(last <= T0 + 60_000, "probed at +{} ms", last - T0);
    assert_eq!(m.next_deadline(), None);
    let texts = english();
    let v = view(&m, T0 + 100_000, &texts);
    assert_eq!(
        (v.state, v.button_enabled, v.countdown),
        (State::Stopped, true, None)
    );
    let probe = m.handle(T0 + 100_000, Event::ButtonPressed).probe.unwrap();
    let _ = m.handle(
        T0 + 100_050,
        Event::ProbeFinished {
            id: probe.id,
            result: ProbeResult::Failed,
        },
    );
    assert_eq!(m.phase(), Phase::Stopped);
}

#[test]
fn a_reload_that_does_not_happen_falls_back_to_a_button() {
    let mut m = Recovery::new(
        &config(r#"{"reloadSpreadMs": 0}"#),
        start(OriginalMethod::Safe, None),
    );
    let due = m.next_deadline().unwrap();
    let probe = m.handle(due, Event::Tick).probe.unwrap();
    let ok = ProbeResult::Answered {
        status: 204,
        retry_after: None,
        our_error_page: false,
    };
    assert!(
        m.handle(
            due + 5,
            Event::ProbeFinished {
                id: probe.id,
                result: ok
            }
        )
        .reload
    );
    assert_eq!(m.next_deadline(), Some(due + 5 + RELOAD_FALLBACK_MS));
    let _ = m.handle(due + 5 + RELOAD_FALLBACK_MS, Event::Tick);
    assert_eq!(m.phase(), Phase::Manual);
    // The request was a GET: the button's sentence says the site is back, not that a form was sent.
    let texts = english();
    let v = view(&m, due + 5 + RELOAD_FALLBACK_MS, &texts);
    assert_eq!(v.state, State::Manual);
    assert_eq!(v.button_label, "Reload page");
    assert!(v.status.contains("Reload the page"), "{}", v.status);
    assert!(!v.status.contains("form"), "{}", v.status);
}

#[test]
fn the_countdown_ticks_once_a_second_and_never_shows_zero_early() {
    let mut m = Recovery::new(
        &config(r#"{"retry": {"initialDelayMs": 5000}}"#),
        start(OriginalMethod::Safe, None),
    );
    let due = m.next_deadline().unwrap();
    let texts = english();
    let v = view(&m, T0, &texts);
    assert_eq!(v.state, State::Waiting);
    let shown = v.countdown.unwrap();
    let secs = (due - T0).div_ceil(1000);
    assert_eq!(shown, format!("Next check in {secs} s"));
    // Redraws happen exactly when the whole-second value changes, ending at the probe itself.
    let mut now = T0;
    let mut redraws = 0;
    while let Some(at) = next_redraw(&m, now) {
        assert!(at > now && at <= due);
        now = at;
        redraws += 1;
    }
    assert_eq!(now, due);
    assert_eq!(redraws, secs);
    let _ = m.handle(now, Event::Tick);
    assert_eq!(view(&m, now, &english()).state, State::Checking);
}

#[test]
fn reloads_are_staggered_over_the_spread_window() {
    let cfg = config(r#"{"reloadSpreadMs": 20000}"#);
    let mut slots = Vec::new();
    for seed in 0..500 {
        let mut m = Recovery::new(
            &cfg,
            Start {
                seed,
                ..start(OriginalMethod::Safe, None)
            },
        );
        let due = m.next_deadline().unwrap();
        let probe = m.handle(due, Event::Tick).probe.unwrap();
        let ok = UP;
        let e = m.handle(
            due,
            Event::ProbeFinished {
                id: probe.id,
                result: ok,
            },
        );
        assert_eq!(view(&m, due, &english()).state, State::Reloading);
        let reload_at = m.next_deadline().unwrap();
        assert!(reload_at >= due && reload_at <= due + 20_000);
        if reload_at > due {
            assert!(!e.reload && !e.announce_recovery, "nothing before the slot");
            let at_slot = m.handle(reload_at, Event::Tick);
            assert!(at_slot.reload);
            assert!(
                at_slot.announce_recovery,
                "the leader takes its followers along"
            );
        }
        slots.push((reload_at - due) / 1000);
    }
    // The crowd arrives slowly at first (a third of it in the first half, fewest in the first
    // second), then evenly: no second gets much more than 4/3 of a fair share (25).
    let per_second: Vec<usize> = (0..20)
        .map(|second| slots.iter().filter(|s| **s == second).count())
        .collect();
    let first_half: usize = per_second[..10].iter().sum();
    assert!((125..=210).contains(&first_half), "{per_second:?}");
    assert!(per_second[0] <= 8, "{per_second:?}");
    assert!(per_second[..5].iter().sum::<usize>() < per_second[5..10].iter().sum::<usize>());
    for (second, &n) in per_second.iter().enumerate().skip(10) {
        assert!((15..=55).contains(&n), "second {second}: {per_second:?}");
    }
}

#[test]
fn followers_never_probe_and_reload_on_the_leaders_word() {
    let mut m = Recovery::new(
        &config(r#"{"reloadSpreadMs": 5000}"#),
        start(OriginalMethod::Safe, None),
    );
    let _ = m.handle(T0, Event::LeadershipChanged { leader: false });
    assert_eq!(view(&m, T0, &english()).state, State::Following);
    assert!(drive(&mut m, T0, T0 + 600_000, 10, &down).probes.is_empty());
    // The leader reloads in its own slot; its followers reload with it, at once.
    let e = m.handle(T0 + 600_000, Event::PeerSawRecovery);
    assert!(e.reload && !e.announce_recovery && e.probe.is_none());

    // After a POST, the leader's word only offers the reload.
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Unsafe, None));
    let _ = m.handle(T0, Event::LeadershipChanged { leader: false });
    let _ = m.handle(T0 + 1_000, Event::PeerSawRecovery);
    assert_eq!(m.phase(), Phase::Manual);
}

#[test]
fn a_follower_that_becomes_leader_takes_over_probing() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    // Being confirmed as leader at start keeps the schedule.
    let e = m.handle(T0, Event::LeadershipChanged { leader: true });
    assert_eq!((e.probe, e.reload), (None, false));
    assert!(m.next_deadline().is_some());
    let _ = m.handle(T0, Event::LeadershipChanged { leader: false });
    assert_eq!(m.next_deadline(), None);
    // The leading tab was closed: this one probes at once.
    let e = m.handle(T0 + 30_000, Event::LeadershipChanged { leader: true });
    assert!(e.probe.is_some());
}

#[test]
fn a_missing_health_endpoint_falls_back_to_the_page() {
    let mut m = Recovery::new(
        &config(r#"{"healthUrl": "/nope"}"#),
        start(OriginalMethod::Safe, None),
    );
    let world = |now: u64, target| match target {
        ProbeTarget::Health => ProbeResult::Answered {
            status: 404,
            retry_after: None,
            our_error_page: false,
        },
        ProbeTarget::Page if now < T0 + 30_000 => down(now, target),
        ProbeTarget::Page => UP,
    };
    let run = drive(&mut m, T0, T0 + 600_000, 10, &world);
    assert_eq!(run.probes[0].1, ProbeTarget::Health);
    assert!(run.probes[1..].iter().all(|(_, t)| *t == ProbeTarget::Page));
    assert!(run.reload_at.unwrap() >= T0 + 30_000);
}

#[test]
fn a_hidden_tab_gives_up_leadership_and_seeks_it_again_when_visible() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    assert_eq!(m.handle(T0, Event::Tick).leadership, Some(Leadership::Seek));
    let _ = m.handle(T0, Event::LeadershipChanged { leader: true });
    let e = m.handle(T0 + 1, Event::VisibilityChanged { visible: false });
    assert_eq!(e.leadership, Some(Leadership::Resign));
    assert!(!m.is_leader());
    // Nothing more to say while hidden.
    assert_eq!(m.handle(T0 + 2, Event::Tick).leadership, None);
    let e = m.handle(T0 + 60_000, Event::VisibilityChanged { visible: true });
    assert_eq!(e.leadership, Some(Leadership::Seek));
    // Not leader until the lock says so: no probe yet.
    assert_eq!(e.probe, None);
    assert!(m
        .handle(T0 + 60_010, Event::LeadershipChanged { leader: true })
        .probe
        .is_some());
}

#[test]
fn health_up_waits_for_the_stagger_slot_before_verifying_the_page() {
    let mut m = Recovery::new(
        &config(r#"{"healthUrl": "/h", "reloadSpreadMs": 30000}"#),
        Start {
            seed: 7,
            ..start(OriginalMethod::Safe, None)
        },
    );
    let (due, e) = health_answers_up(&mut m, 5);
    assert!(e.probe.is_none(), "seed 7 draws a slot later than now");
    let slot = m.coming_back_at(due + 5).unwrap();
    assert!(slot > due + 5 && slot <= due + 5 + 30_000);
    // Until the slot the tab keeps asking health (micro-cached, free for the application), at the
    // usual pace, and never the page.
    let mut now;
    let mut health_checks = 0;
    let verify = loop {
        now = m.next_deadline().unwrap();
        assert!(now <= slot);
        let probe = m.handle(now, Event::Tick).probe.unwrap();
        if probe.target == ProbeTarget::Page {
            break probe;
        }
        health_checks += 1;
        // The visitor's countdown runs on through these checks: no flicker to "Checking…".
        let texts = english();
        let v = view(&m, now, &texts);
        assert_eq!(v.state, State::ComingBack);
        let left = (slot - now).div_ceil(1000).to_string();
        assert_eq!(
            v.countdown.as_deref(),
            Some(["Returning in ", &left, " s"].concat().as_str())
        );
        assert_eq!(
            next_redraw(&m, now),
            Some(slot - (slot - now).div_ceil(1000) * 1000 + 1000)
        );
        let _ = m.handle(
            now + 5,
            Event::ProbeFinished {
                id: probe.id,
                result: UP,
            },
        );
        assert_eq!(m.coming_back_at(now + 5), Some(slot), "the slot stays put");
    };
    assert_eq!(now, slot);
    assert!(
        health_checks >= (slot - due) / 3_000,
        "{health_checks} checks"
    );
    // Verified in its slot: reload at once, taking the other tabs along.
    let e = m.handle(
        slot + 5,
        Event::ProbeFinished {
            id: verify.id,
            result: UP,
        },
    );
    assert!(e.reload && e.announce_recovery);
}

#[test]
fn a_visitor_who_will_not_wait_for_their_turn_can_go_now() {
    let texts = english();
    let coming_back = |seed| {
        let mut m = Recovery::new(
            &config(r#"{"healthUrl": "/h", "reloadSpreadMs": 60000}"#),
            Start {
                seed,
                ..start(OriginalMethod::Safe, None)
            },
        );
        let (due, _) = health_answers_up(&mut m, 0);
        (m, due)
    };
    let (mut m, due) = coming_back(7);
    let slot = m.coming_back_at(due).unwrap();
    assert!(slot > due + 3_000, "seed 7: a turn worth skipping");
    let v = view(&m, due, &texts);
    assert_eq!(v.state, State::ComingBack);
    assert_eq!(
        (v.button_label, v.button_enabled),
        (texts.get(Message::ReloadNow), true)
    );
    // "Reload page": the page is checked now, and the reload follows its answer.
    let e = m.handle(due + 100, Event::ButtonPressed);
    let check = e.probe.unwrap();
    assert_eq!(check.target, ProbeTarget::Page);
    let e = m.handle(
        due + 150,
        Event::ProbeFinished {
            id: check.id,
            result: UP,
        },
    );
    assert!(e.reload);

    // Pressed while a health check of the countdown is in flight: that one is dropped.
    let (mut m, due) = coming_back(7);
    let at = m.next_deadline().unwrap();
    let health = m.handle(at, Event::Tick).probe.unwrap();
    assert_eq!(health.target, ProbeTarget::Health);
    let e = m.handle(at + 10, Event::ButtonPressed);
    assert!(e.cancel_probe);
    assert_eq!(e.probe.unwrap().target, ProbeTarget::Page);
    // A second press while the page is being checked changes nothing.
    assert_eq!(m.handle(at + 20, Event::ButtonPressed), Effects::default());
    assert!(due < at);
}

#[test]
fn the_slot_waits_while_the_site_is_down_again() {
    // The site flaps: up, then down again before this tab's turn, then up for good.
    let mut m = Recovery::new(
        &config(r#"{"healthUrl": "/h", "reloadSpreadMs": 60000}"#),
        Start {
            seed: 7,
            ..start(OriginalMethod::Safe, None)
        },
    );
    let texts = english();
    let answer = |m: &mut Recovery, now: u64, result| {
        let probe = m.handle(now, Event::Tick).probe.unwrap();
        assert_eq!(probe.target, ProbeTarget::Health);
        m.handle(
            now + 5,
            Event::ProbeFinished {
                id: probe.id,
                result,
            },
        )
    };
    let up_at = m.next_deadline().unwrap();
    let _ = answer(&mut m, up_at, UP);
    let slot = m.coming_back_at(up_at + 5).unwrap();
    let wait = slot - (up_at + 5);
    assert!(wait > 3_000, "seed 7: a slot worth waiting for");
    // Down again at the next health check: no page check, no countdown, and no place lost.
    let down_at = m.next_deadline().unwrap();
    assert!(down_at < slot);
    let e = answer(&mut m, down_at, down(down_at, ProbeTarget::Health));
    assert!(e.probe.is_none() && !e.reload);
    assert!(!m.is_coming_back(down_at + 5));
    assert_eq!(view(&m, down_at + 5, &texts).state, State::Waiting);
    // Ten minutes of outage: only health checks; then up: the rest of the wait, not a new draw.
    let mut now = down_at + 5;
    while now < down_at + 600_000 {
        now = m.next_deadline().unwrap();
        let _ = answer(&mut m, now, down(now, ProbeTarget::Health));
    }
    now = m.next_deadline().unwrap();
    let e = answer(&mut m, now, UP);
    let left = slot - (down_at + 5);
    assert_eq!(e.announce_coming_back, Some(now + 5 + left));
    assert_eq!(m.coming_back_at(now + 5), Some(now + 5 + left));
    assert_eq!(view(&m, now + 5, &texts).state, State::ComingBack);
}

#[test]
fn the_gateways_crowd_count_sizes_the_window() {
    // 500 waiting visitors at 100 requests/s: each costs a check and a reload, and the warm-up
    // shape peaks at 4/3 of its average, so 2 × 4/3 × 500 / 100 ≈ 13.3 s.
    let slots = |json: &str, crowd: u32| first_verification_slots(json, |m| m.crowd_hint(crowd));
    let with_rate = r#"{"healthUrl": "/h", "reloadSpreadMs": 2000, "reloadRatePerSecond": 100}"#;
    let sized = slots(with_rate, 500);
    assert!(sized.iter().all(|&s| s <= 13_334), "{sized:?}");
    assert!(
        sized.iter().filter(|&&s| s > 10_000).count() > 30,
        "{sized:?}"
    );
    // Without a rate, the conservative default (200/s) applies: half as long.
    let default_rate = slots(r#"{"healthUrl": "/h", "reloadSpreadMs": 2000}"#, 500);
    assert!(default_rate.iter().all(|&s| s <= 6_667), "{default_rate:?}");
    assert!(default_rate.iter().any(|&s| s > 5_000), "{default_rate:?}");
    // A small crowd, or no count at all (no health recipe), keeps the configured spread.
    assert!(slots(with_rate, 20).iter().all(|&s| s <= 2_000));
    assert!(slots(with_rate, 0).iter().all(|&s| s <= 2_000));
}

#[test]
fn followers_hear_that_the_site_is_coming_back_and_count_down_with_their_leader() {
    let texts = english();
    // The leader announces its turn when health says yes.
    let mut leader = Recovery::new(
        &config(r#"{"healthUrl": "/h", "reloadSpreadMs": 30000}"#),
        Start {
            seed: 11,
            ..start(OriginalMethod::Safe, None)
        },
    );
    let (due, e) = health_answers_up(&mut leader, 0);
    let at = e
        .announce_coming_back
        .expect("the leader tells its other tabs");
    assert_eq!(Some(at), leader.coming_back_at(due));
    // A follower shows the same countdown, then "following" again once the word is stale.
    let mut follower = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    let _ = follower.handle(T0, Event::LeadershipChanged { leader: false });
    assert_eq!(view(&follower, due, &texts).state, State::Following);
    let e = follower.handle(due, Event::PeerComingBack { at });
    assert!(e.probe.is_none() && !e.reload);
    let v = view(&follower, due, &texts);
    assert_eq!(v.state, State::ComingBack);
    let left = (at - due).div_ceil(1000);
    assert_eq!(
        v.countdown.as_deref(),
        Some(["Returning in ", &left.to_string(), " s"].concat().as_str())
    );
    assert!(next_redraw(&follower, due).is_some_and(|t| t > due && t <= at));
    let stale = at + PEER_WORD_GRACE_MS + 1;
    assert_eq!(view(&follower, stale, &texts).state, State::Following);
    // A tab that leads does not take another tab's word for its own checks.
    let _ = follower.handle(stale, Event::LeadershipChanged { leader: true });
    let _ = follower.handle(stale, Event::PeerComingBack { at: stale + 5_000 });
    assert!(!follower.is_coming_back(stale));
}

#[test]
fn a_check_is_not_announced_and_keeps_the_sentence() {
    // The live region must not speak every few seconds: a check changes data-state, the button and
    // the (silent) countdown line, not the status sentence.
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, None));
    let texts = english();
    let waiting = view(&m, T0, &texts);
    let due = m.next_deadline().unwrap();
    assert!(m.handle(due, Event::Tick).probe.is_some());
    let checking = view(&m, due, &texts);
    assert_eq!(checking.state, State::Checking);
    assert_eq!(checking.status, waiting.status);
    assert_eq!(
        checking.countdown.as_deref(),
        Some(texts.get(Message::StatusChecking))
    );
    assert!(!checking.button_enabled);
}

#[test]
fn the_visitor_is_told_the_site_is_coming_back_while_the_tab_waits_its_turn() {
    let mut m = Recovery::new(
        &config(r#"{"healthUrl": "/h", "reloadSpreadMs": 30000}"#),
        Start {
            seed: 11,
            ..start(OriginalMethod::Safe, None)
        },
    );
    let texts = english();
    assert_eq!(view(&m, T0, &texts).state, State::Waiting);
    // While the site fails, the page's own header (badge, heading, lede) stands.
    assert_eq!(page_header(view(&m, T0, &texts).state), None);
    let (due, e) = health_answers_up(&mut m, 5);
    assert!(e.probe.is_none(), "seed 11 draws a slot later than now");
    let slot = m.coming_back_at(due + 5).unwrap();
    assert!(m.next_deadline().unwrap() <= slot);
    assert!(m.is_coming_back(due + 5));
    let v = view(&m, due + 5, &texts);
    assert_eq!(v.state, State::ComingBack);
    assert_eq!(v.status, texts.get(Message::StatusComingBack));
    // The header says so too, not "temporarily unavailable" above "the site is back".
    assert_eq!(page_header(v.state), Some(BACK));
    assert_eq!(texts.get(BACK.heading), "The site is back");
    assert_eq!(texts.get(BACK.badge), "Available again");
    let left = (slot - due - 5).div_ceil(1000);
    assert_eq!(
        v.countdown.as_deref(),
        Some(["Returning in ", &left.to_string(), " s"].concat().as_str())
    );
    // A crowded server (the page check fails) ends it: back to waiting.
    let check = m.handle(slot, Event::Tick).probe.unwrap();
    assert_eq!(check.target, ProbeTarget::Page);
    assert_eq!(view(&m, slot, &texts).state, State::ComingBack);
    let busy = ProbeResult::Answered {
        status: 503,
        retry_after: None,
        our_error_page: true,
    };
    let _ = m.handle(
        slot + 5,
        Event::ProbeFinished {
            id: check.id,
            result: busy,
        },
    );
    assert!(!m.is_coming_back(slot + 5));
    assert_eq!(view(&m, slot + 5, &texts).state, State::Waiting);
    assert_eq!(
        page_header(State::Waiting),
        None,
        "failing again: the outage header is back"
    );
}

const BACK: PageHeader = PageHeader {
    badge: Message::PageBadgeBack,
    heading: Message::VerdictRecoveredTitle,
};

#[test]
fn the_page_header_says_the_site_is_back_in_every_state_that_says_so() {
    for state in [State::ComingBack, State::Reloading, State::Manual] {
        assert_eq!(page_header(state), Some(BACK), "{state:?}");
    }
    for state in [
        State::Waiting,
        State::Checking,
        State::PausedHidden,
        State::PausedOffline,
        State::Following,
        State::Stopped,
    ] {
        assert_eq!(page_header(state), None, "{state:?}");
    }
    // A POST: the visitor reloads; the header already says the site is back.
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Unsafe, None));
    let up = |_, _| UP;
    let _ = drive(&mut m, T0, T0 + 120_000, 10, &up);
    let texts = english();
    assert_eq!(
        page_header(view(&m, T0 + 120_000, &texts).state),
        Some(BACK)
    );
}

#[test]
fn a_peers_word_does_not_override_this_pages_retry_after() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Safe, Some("300")));
    let _ = m.handle(T0, Event::LeadershipChanged { leader: false });
    let e = m.handle(T0 + 10_000, Event::PeerSawRecovery);
    assert!(!e.reload);
    assert_eq!(m.next_deadline(), Some(T0 + 300_000));
    assert!(m.handle(T0 + 300_000, Event::Tick).reload);
}

#[test]
fn a_crowded_server_widens_the_stagger_window() {
    // Health keeps saying yes while the page keeps failing: the server is up but saturated.
    let world = |_: u64, target| match target {
        ProbeTarget::Health => UP,
        ProbeTarget::Page => ProbeResult::Answered {
            status: 503,
            retry_after: None,
            our_error_page: true,
        },
    };
    let mut m = Recovery::new(
        &config(r#"{"healthUrl": "/h", "reloadSpreadMs": 2000}"#),
        start(OriginalMethod::Safe, None),
    );
    let run = drive(&mut m, T0, T0 + 3_600_000, 10, &world);
    let verifications: Vec<u64> = run
        .probes
        .iter()
        .filter(|(_, t)| *t == ProbeTarget::Page)
        .map(|(at, _)| *at)
        .collect();
    // Without feedback a tab would check the page every few seconds (~1,000 times an hour).
    assert!(
        verifications.len() < 150,
        "{} page checks",
        verifications.len()
    );
    let late_gaps: Vec<u64> = verifications
        .windows(2)
        .skip(20)
        .map(|w| w[1] - w[0])
        .collect();
    let mean = late_gaps.iter().sum::<u64>() / late_gaps.len().max(1) as u64;
    assert!(mean > 20_000, "mean gap {mean} ms");
}

/// Where the first page check lands after health says yes (ms after the answer), for 200 tabs
/// with the config `json`, each prepared by `prepare` before its first check.
fn first_verification_slots(json: &str, prepare: impl Fn(&mut Recovery)) -> Vec<u64> {
    let cfg = config(json);
    (0..200)
        .map(|seed| {
            let mut m = Recovery::new(
                &cfg,
                Start {
                    seed,
                    ..start(OriginalMethod::Safe, None)
                },
            );
            prepare(&mut m);
            let (due, e) = health_answers_up(&mut m, 0);
            assert!(e.announce_coming_back.is_some());
            m.coming_back_at(due).expect("coming back") - due
        })
        .collect()
}

#[test]
fn a_reload_that_lands_on_the_error_page_again_starts_with_a_wider_window() {
    let spread = r#"{"healthUrl": "/h", "reloadSpreadMs": 2000}"#;
    let fresh = first_verification_slots(spread, |_| {});
    assert!(fresh.iter().all(|&slot| slot <= 2_000), "{fresh:?}");
    // The page it reloaded from had already doubled once (crowded = 1): now four times the base.
    let m = Recovery::new(
        &config(r#"{"healthUrl": "/h"}"#),
        start(OriginalMethod::Safe, None),
    );
    assert_eq!(m.carry(T0).crowded, 0);
    let again = first_verification_slots(spread, |m| {
        m.landed_again(Carried {
            crowded: 1,
            at_ms: T0,
        })
    });
    assert!(again.iter().all(|&slot| slot <= 8_000), "{again:?}");
    assert!(
        again.iter().filter(|&&slot| slot > 4_000).count() > 50,
        "{again:?}"
    );
}

#[test]
fn what_a_tab_carries_across_its_reload_is_checked_before_use() {
    let c = Carried {
        crowded: 3,
        at_ms: T0,
    };
    assert_eq!(Carried::decode(&c.encode(), T0 + 1_000), Some(c));
    // Stale, from the future, malformed: ignored.
    assert_eq!(
        Carried::decode(&c.encode(), T0 + Carried::FRESH_MS + 1),
        None
    );
    assert_eq!(Carried::decode(&c.encode(), T0 - 1), None);
    for raw in ["", "3", "x 5", "3 -1", "3 5 7", "99999999999 5"] {
        assert_eq!(Carried::decode(raw, T0), None, "{raw:?}");
    }
    // A hand-edited huge value is capped: the window cannot grow without bound.
    let huge = Carried::decode(&["1000 ", &T0.to_string()].concat(), T0).unwrap();
    assert_eq!(huge.crowded, 8);
}

#[test]
fn the_manual_reload_after_a_post_is_a_plain_get() {
    let mut m = Recovery::new(&Config::default(), start(OriginalMethod::Unsafe, None));
    let _ = m.handle(T0, Event::LeadershipChanged { leader: false });
    let _ = m.handle(T0 + 1, Event::PeerSawRecovery);
    let e = m.handle(T0 + 2, Event::ButtonPressed);
    assert!(e.reload && e.reload_as_get);
}

#[test]
fn tabs_given_the_same_http_date_do_not_probe_in_the_same_instant() {
    let date = "Tue, 14 Nov 2023 22:18:20 GMT"; // T0 + 300 s
    let firsts: std::collections::BTreeSet<u64> = (0..200)
        .map(|seed| {
            let m = Recovery::new(
                &Config::default(),
                Start {
                    seed,
                    now_ms: T0 + seed * 1_000,
                    ..start(OriginalMethod::Safe, Some(date))
                },
            );
            let first = m.next_deadline().unwrap();
            assert!(first >= T0 + 300_000, "before the floor");
            first
        })
        .collect();
    assert!(
        firsts.len() > 150,
        "only {} distinct instants",
        firsts.len()
    );
}

#[test]
fn without_a_health_endpoint_the_cap_is_long_and_with_one_short() {
    assert_eq!(Config::default().backoff.max_delay_ms, 10_000);
    assert_eq!(config(r#"{"healthUrl": "/h"}"#).backoff.max_delay_ms, 3_000);
    assert_eq!(
        config(r#"{"healthUrl": "/h", "retry": {"maxDelayMs": 20000}}"#)
            .backoff
            .max_delay_ms,
        20_000
    );
}

fn english() -> Catalog {
    Catalog::builtin(Locale::En)
}

#[test]
fn a_long_wait_counts_down_in_minutes() {
    let texts = english();
    let m = Recovery::new(
        &Config::default(),
        start(OriginalMethod::Safe, Some("1800")),
    );
    let due = m.next_deadline().unwrap();
    assert!(due >= T0 + 1_800_000);
    let shown = view(&m, T0, &texts).countdown.unwrap();
    let minutes = (due - T0).div_ceil(1000).div_ceil(60);
    assert_eq!(
        shown,
        ["Next check in ", &minutes.to_string(), " min"].concat()
    );
    assert!(minutes == 30 || minutes == 31, "{shown}");
    // The last two minutes in seconds.
    assert_eq!(
        view(&m, due - 120_000, &texts).countdown.as_deref(),
        Some("Next check in 120 s")
    );
    assert_eq!(
        view(&m, due - 121_000, &texts).countdown.as_deref(),
        Some("Next check in 3 min")
    );
    let german = Catalog::builtin(Locale::De);
    assert_eq!(
        view(&m, due - 600_000, &german).countdown.as_deref(),
        Some("Nächste Prüfung in 10 min")
    );
}

#[test]
fn a_turn_that_runs_past_the_give_up_time_is_still_taken() {
    // Automatic checks stop after an hour; the site comes back two seconds before that, and this
    // visitor's turn is later.
    let mut m = Recovery::new(
        &config(
            r#"{"healthUrl": "/h", "reloadSpreadMs": 120000, "retry": {"giveUpAfterMs": 3600000}}"#,
        ),
        Start {
            seed: 7,
            ..start(OriginalMethod::Safe, None)
        },
    );
    let back_at = T0 + 3_598_000;
    let mut now = T0;
    let mut answered_up = false;
    let mut reloaded = false;
    while now < T0 + 3_900_000 && !reloaded {
        let Some(at) = m.next_deadline() else { break };
        now = at;
        let e = m.handle(now, Event::Tick);
        reloaded |= e.reload;
        if let Some(probe) = e.probe {
            let result = if now >= back_at {
                UP
            } else {
                down(now, probe.target)
            };
            answered_up |= now >= back_at && probe.target == ProbeTarget::Health;
            let e = m.handle(
                now,
                Event::ProbeFinished {
                    id: probe.id,
                    result,
                },
            );
            reloaded |= e.reload;
        }
    }
    assert!(answered_up);
    assert!(reloaded, "stopped in {:?} at +{} ms", m.phase(), now - T0);
    // Without the fix the tab stopped at the give-up time, its visitor told "Returning in …".
    assert!(now > T0 + 3_600_000, "the turn was after the give-up time");
}

/// Words with which the widget says it will take the visitor back to the site by itself.
const RELOAD_PROMISES: [&str; 4] = ["reloads", "by itself", "takes you there", "Returning in"];

fn promises_a_reload(text: &str) -> bool {
    RELOAD_PROMISES.iter().any(|p| text.contains(p))
}

/// What the widget says (status, countdown, button) in every situation a page goes through, in
/// English: waiting (with and without `Retry-After`), checking, paused, following another tab,
/// coming back (its own turn and its leader's), the end (reload or the visitor's button), stopped.
fn every_view(method: OriginalMethod, texts: &Catalog) -> Vec<(State, String)> {
    let mut seen = Vec::new();
    let mut see = |m: &Recovery, now: u64| {
        let v = view(m, now, texts);
        let shown = [
            v.status,
            v.countdown.as_deref().unwrap_or(""),
            v.button_label,
        ]
        .join(" | ");
        seen.push((v.state, shown));
    };
    // With a health endpoint: waiting, health says yes, the turn, the page answers.
    let mut m = Recovery::new(
        &config(r#"{"healthUrl": "/h", "reloadSpreadMs": 30000}"#),
        Start {
            seed: 11,
            ..start(method, None)
        },
    );
    see(&m, T0);
    let (due, _) = health_answers_up(&mut m, 5);
    see(&m, due + 5);
    let slot = m.coming_back_at(due + 5).unwrap();
    let check = m.handle(slot, Event::Tick).probe.unwrap();
    see(&m, slot);
    let _ = m.handle(
        slot + 5,
        Event::ProbeFinished {
            id: check.id,
            result: UP,
        },
    );
    see(&m, slot + 5);

    // Without one, after a `Retry-After`: the floor, a check, paused while offline or hidden.
    let mut m = Recovery::new(&Config::default(), start(method, Some("30")));
    see(&m, T0);
    let due = m.next_deadline().unwrap();
    let probe = m.handle(due, Event::Tick).probe.unwrap();
    see(&m, due);
    let _ = m.handle(
        due + 5,
        Event::ProbeFinished {
            id: probe.id,
            result: down(due, ProbeTarget::Page),
        },
    );
    see(&m, due + 5);
    let _ = m.handle(due + 10, Event::VisibilityChanged { visible: false });
    see(&m, due + 10);
    let _ = m.handle(due + 20, Event::ConnectivityChanged { online: false });
    see(&m, due + 20);

    // Another tab leads: following, its word that the site is coming back, then that it is back.
    let mut m = Recovery::new(&Config::default(), start(method, None));
    let _ = m.handle(T0, Event::LeadershipChanged { leader: false });
    see(&m, T0);
    let _ = m.handle(T0 + 1_000, Event::PeerComingBack { at: T0 + 20_000 });
    see(&m, T0 + 1_000);
    let _ = m.handle(T0 + 20_000, Event::PeerSawRecovery);
    see(&m, T0 + 20_000);

    // Automatic checks give up.
    let mut m = Recovery::new(
        &config(r#"{"retry": {"giveUpAfterMs": 60000, "maxDelayMs": 5000}}"#),
        start(method, None),
    );
    let _ = drive(&mut m, T0, T0 + 3_600_000, 10, &down);
    see(&m, T0 + 3_600_000);
    seen
}

#[test]
fn a_page_that_may_not_reload_never_promises_a_reload() {
    let texts = english();
    for method in [OriginalMethod::Unsafe, OriginalMethod::Unknown] {
        let seen = every_view(method, &texts);
        for state in [
            State::Waiting,
            State::Checking,
            State::PausedHidden,
            State::PausedOffline,
            State::Following,
            State::ComingBack,
            State::Manual,
            State::Stopped,
        ] {
            assert!(
                seen.iter().any(|(s, _)| *s == state),
                "{method:?}: no {state:?} in {seen:#?}"
            );
        }
        assert!(!seen.iter().any(|(s, _)| *s == State::Reloading));
        for (state, shown) in &seen {
            assert!(
                !promises_a_reload(shown),
                "{method:?} {state:?} promises a reload: {shown}"
            );
        }
        let status = |state: State| {
            seen.iter()
                .filter(|(s, _)| *s == state)
                .map(|(_, shown)| shown.split(" | ").next().unwrap())
                .collect::<Vec<_>>()
        };
        let waiting = texts.get(Message::StatusWaitingManual);
        assert_eq!(
            waiting,
            "Still unavailable. This page keeps checking and tells you when the site is back."
        );
        assert!(status(State::Waiting).contains(&waiting), "{seen:#?}");
        assert!(status(State::Checking).contains(&waiting), "{seen:#?}");
        assert!(status(State::Following)
            .iter()
            .all(|s| *s == texts.get(Message::StatusFollowingManual)));
        assert!(status(State::ComingBack)
            .iter()
            .all(|s| *s == texts.get(Message::StatusComingBackManual)));
        // In its turn it only checks the page: the button says so, the countdown is to that check.
        for (_, shown) in seen.iter().filter(|(s, _)| *s == State::ComingBack) {
            assert!(shown.ends_with(" | Check now"), "{shown}");
        }
        assert!(seen
            .iter()
            .any(|(s, shown)| *s == State::ComingBack && shown.contains("| Next check in ")));
    }
}

#[test]
fn a_get_page_still_says_it_reloads_by_itself_until_checks_stop() {
    let texts = english();
    let seen = every_view(OriginalMethod::Safe, &texts);
    let first = &seen[0];
    assert_eq!(first.0, State::Waiting);
    assert!(first.1.starts_with(texts.get(Message::StatusWaiting)));
    assert!(promises_a_reload(texts.get(Message::StatusWaiting)));
    for (state, message) in [
        (State::Following, Message::StatusFollowing),
        (State::ComingBack, Message::StatusComingBack),
        (State::Reloading, Message::StatusRecovered),
    ] {
        assert!(
            seen.iter()
                .any(|(s, shown)| *s == state && shown.starts_with(texts.get(message))),
            "{state:?}: {seen:#?}"
        );
    }
    assert!(seen
        .iter()
        .any(|(s, shown)| *s == State::ComingBack && shown.ends_with("| Reload page")));
    // Once automatic checks have stopped, nothing promises a reload any more.
    let stopped: Vec<_> = seen.iter().filter(|(s, _)| *s == State::Stopped).collect();
    assert!(!stopped.is_empty());
    for (_, shown) in stopped {
        assert!(!promises_a_reload(shown), "{shown}");
    }
}
