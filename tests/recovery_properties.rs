//! Properties of the retry schedule as the state machine applies it, over random worlds: random
//! configs, seeds, answers (including `Retry-After`), and tabs going hidden and visible.
#![cfg(not(target_arch = "wasm32"))]

use gateway_doctor::logic::backoff::MIN_DELAY_MS;
use gateway_doctor::logic::config::config_from_json;
use gateway_doctor::logic::json::Json;
use gateway_doctor::logic::machine::{Event, ProbeResult, Recovery, Start};
use gateway_doctor::logic::request::OriginalMethod;
use proptest::prelude::*;

const T0: u64 = 1_700_000_000_000;
const LATENCY_MS: u64 = 40;

#[derive(Clone, Debug)]
enum Answer {
    Down,
    DownRetryAfter(u16),
    Failed,
    TimedOut,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        4 => Just(Answer::Down),
        1 => (0u16..400).prop_map(Answer::DownRetryAfter),
        2 => Just(Answer::Failed),
        1 => Just(Answer::TimedOut),
    ]
}

#[derive(Debug)]
struct World {
    seed: u64,
    initial_ms: u64,
    cap_ms: u64,
    give_up_ms: u64,
    start_retry_after: Option<u16>,
    answers: Vec<Answer>,
    /// (at ms after T0, visible)
    visibility: Vec<(u64, bool)>,
}

fn world() -> impl Strategy<Value = World> {
    (
        any::<u64>(),
        250u64..20_000,
        1_000u64..120_000,
        60_000u64..7_200_000,
        proptest::option::of(0u16..600),
        proptest::collection::vec(answer(), 1..40),
        proptest::collection::vec((0u64..7_200_000, any::<bool>()), 0..8),
    )
        .prop_map(
            |(seed, initial_ms, cap_ms, give_up_ms, start_retry_after, answers, mut visibility)| {
                visibility.sort_unstable();
                World {
                    seed,
                    initial_ms,
                    cap_ms,
                    give_up_ms,
                    start_retry_after,
                    answers,
                    visibility,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_schedule_respects_floor_cap_pause_and_limit(w in world()) {
        let json = [
            r#"{"probeTimeoutMs": 5000, "retry": {"initialDelayMs": "#,
            &w.initial_ms.to_string(),
            r#", "maxDelayMs": "#,
            &w.cap_ms.to_string(),
            r#", "giveUpAfterMs": "#,
            &w.give_up_ms.to_string(),
            "}}",
        ]
        .concat();
        let raw: Json = serde_json::from_str(&json).unwrap();
        let (config, warnings) = config_from_json(&raw);
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
        let cap = config.backoff.max_delay_ms.max(MIN_DELAY_MS);
        let start_floor = w.start_retry_after.map(|s| s.to_string());
        let mut m = Recovery::new(&config, Start {
            now_ms: T0,
            seed: w.seed,
            visible: true,
            online: true,
            method: OriginalMethod::Safe,
            retry_after: start_floor.as_deref(),
        });
        let mut floor = T0 + u64::from(w.start_retry_after.unwrap_or(0)) * 1000;
        let mut now = T0;
        let mut visible = true;
        let mut pending_visibility = w.visibility.iter().copied().peekable();
        let mut in_flight: Option<(u32, u64)> = None;
        let mut answers = w.answers.iter().cycle();
        let mut probes: Vec<u64> = vec![];
        let mut last_ready: Option<u64> = Some(T0);
        let end = T0 + 8 * 3_600_000;

        while now < end {
            let next_visibility = pending_visibility.peek().map(|(at, _)| T0 + at);
            let next = [m.next_deadline(), in_flight.map(|(_, at)| at), next_visibility]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { break };
            now = next.max(now);
            let effects = if next_visibility == Some(now) {
                let (_, v) = pending_visibility.next().unwrap();
                visible = v;
                if v { last_ready = Some(now); }
                m.handle(now, Event::VisibilityChanged { visible: v })
            } else if let Some((id, at)) = in_flight.filter(|(_, at)| *at <= now) {
                let _ = at;
                in_flight = None;
                let result = match answers.next().unwrap() {
                    Answer::Down => ProbeResult::Answered { status: 502, retry_after: None, our_error_page: true },
                    Answer::DownRetryAfter(s) => {
                        floor = floor.max(now + u64::from(*s) * 1000);
                        let text: &'static str = Box::leak(s.to_string().into_boxed_str());
                        ProbeResult::Answered { status: 503, retry_after: Some(text), our_error_page: true }
                    }
                    Answer::Failed => ProbeResult::Failed,
                    Answer::TimedOut => ProbeResult::TimedOut,
                };
                last_ready = Some(now);
                m.handle(now, Event::ProbeFinished { id, result })
            } else {
                m.handle(now, Event::Tick)
            };
            if effects.cancel_probe {
                in_flight = None;
                last_ready = Some(now);
            }
            if let Some(p) = effects.probe {
                // Never before the Retry-After floor, never while hidden.
                prop_assert!(now >= floor, "probe at +{} before floor +{}", now - T0, floor - T0);
                prop_assert!(visible, "probe from a hidden tab at +{}", now - T0);
                // Never later than the cap after the tab was last free to probe (unless the floor
                // or the give-up limit says so).
                if let Some(ready) = last_ready {
                    let waited = now - ready;
                    // After a Retry-After floor the probe comes at a jittered moment (≤ cap) after it.
                    prop_assert!(
                        waited <= cap || now <= floor + cap,
                        "waited {} ms > cap {} ms", waited, cap
                    );
                }
                probes.push(now);
                in_flight = Some((p.id, now + LATENCY_MS));
                last_ready = None;
            }
            prop_assert!(!effects.reload, "nothing ever answered up");
        }
        // Bounded: nothing after the give-up limit, and no more than one probe per minimum delay.
        if let Some(last) = probes.last() {
            prop_assert!(*last <= T0 + config.give_up_after_ms + cap, "probe at +{}", last - T0);
        }
        let max = config.give_up_after_ms / MIN_DELAY_MS + 2;
        prop_assert!((probes.len() as u64) <= max, "{} probes > {}", probes.len(), max);
    }
}
