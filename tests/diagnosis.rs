//! Evidence → verdict and hop marks, from the table of cases in `tests/cases/verdicts/`.
//!
//! Each file is an array of cases `{name, evidence, expect: {verdict, hops, reasons?,
//! incident?, alternateUp?}}`. A file named after a verdict holds only cases of that verdict;
//! `edges.json` holds the tricky mixes.

mod diagnosis_support;

use diagnosis_support::{cases, evidence, load_dir, name, strings};
use gateway_doctor::logic::evidence::{Evidence, ProbeOutcome};
use gateway_doctor::logic::verdict::{diagnose, Verdict};
use serde_json::Value;

/// Diagnoses `input` and compares with `expected`; returns a description of every mismatch.
fn check(input: &Evidence, expected: &Value) -> Vec<String> {
    let d = diagnose(input);
    let mut problems = Vec::new();
    let want_verdict = expected["verdict"].as_str().expect("expect.verdict");
    if d.verdict.as_str() != want_verdict {
        problems.push(format!(
            "verdict {} (want {want_verdict})",
            d.verdict.as_str()
        ));
    }
    let hops: Vec<&str> = d.hops.iter().map(|h| h.result.as_str()).collect();
    let want_hops = expected["hops"].as_str().expect("expect.hops: four marks");
    if hops.join(" ") != want_hops {
        problems.push(format!("hops {} (want {want_hops})", hops.join(" ")));
    }
    if let Some(want) = expected.get("reasons") {
        let got: Vec<String> = d.reasons.iter().map(|r| r.id()).collect();
        if got != strings(Some(want)) {
            problems.push(format!("reasons {got:?} (want {want})"));
        }
    }
    if let Some(want) = expected.get("incident") {
        let got = d.incident.as_ref().map(|i| i.title.as_str());
        if got != want.as_str() {
            problems.push(format!("incident {got:?} (want {want})"));
        }
    }
    if let Some(want) = expected.get("alternateUp") {
        let got = d.alternate_up.map(|i| i as u64);
        if got != want.as_u64() {
            problems.push(format!("alternate_up {got:?} (want {want})"));
        }
    }
    problems
}

#[test]
fn verdict_table() {
    let mut failures = Vec::new();
    let mut seen = Vec::new();
    let mut count = 0;
    for (file, content) in load_dir("verdicts") {
        for case in cases(&content) {
            count += 1;
            let expected = &case["expect"];
            let verdict = expected["verdict"].as_str().unwrap_or("");
            let verdict = Verdict::from_name(verdict)
                .unwrap_or_else(|| panic!("{file}: {}: unknown verdict {verdict:?}", name(case)));
            seen.push(verdict);
            if file != "edges" {
                assert_eq!(
                    verdict.as_str(),
                    file,
                    "{file}.json holds only {file} cases: {}",
                    name(case)
                );
            }
            let problems = check(&evidence(&case["evidence"]), expected);
            if !problems.is_empty() {
                failures.push(format!("{file}: {}: {}", name(case), problems.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    for verdict in Verdict::ALL {
        assert!(seen.contains(&verdict), "no case for {}", verdict.as_str());
    }
    assert!(count >= 40, "only {count} verdict cases found");
}

/// Whatever the evidence, the diagnosis is total: every combination of outcomes for the main
/// probes gives a verdict, four marks, and no panic; offline with no answers is always offline.
#[test]
fn every_combination_of_outcomes_is_diagnosed() {
    let outcomes = [
        ProbeOutcome::NotProbed,
        ProbeOutcome::NoAnswer { elapsed_ms: 5 },
        ProbeOutcome::TimedOut { elapsed_ms: 8000 },
        ProbeOutcome::opaque(10),
        ProbeOutcome::status(200, 10),
        ProbeOutcome::status(204, 10),
        ProbeOutcome::status(403, 10),
        ProbeOutcome::status(429, 10),
        ProbeOutcome::status(502, 10),
        ProbeOutcome::status(504, 10),
    ];
    let mut verdicts = std::collections::HashSet::new();
    for online in [true, false] {
        for page in outcomes {
            for gateway in outcomes {
                for health in outcomes {
                    for third_party in outcomes {
                        let e = Evidence {
                            online,
                            page,
                            gateway,
                            health,
                            third_party,
                            ..evidence(&serde_json::json!({}))
                        };
                        let d = diagnose(&e);
                        verdicts.insert(d.verdict.as_str());
                        let nothing_answered = [page, gateway, health, third_party]
                            .iter()
                            .all(|o| !o.got_answer());
                        if !online && nothing_answered {
                            assert_eq!(d.verdict, Verdict::VisitorOffline, "{e:?}");
                        }
                        if matches!(page.status_code(), Some(200 | 204)) {
                            assert_eq!(d.verdict, Verdict::Recovered, "{e:?}");
                        }
                    }
                }
            }
        }
    }
    assert!(verdicts.len() >= 7, "{verdicts:?}");
}

#[test]
fn evidence_slots_follow_the_config_and_history_stays_short() {
    use gateway_doctor::logic::config::AlternateKind;
    use gateway_doctor::logic::evidence::{PastTarget, HISTORY_LEN};
    let config = diagnosis_support::config(Some(&serde_json::json!({
        "statusPage": {"url": "/status.json"},
        "alternates": [
            {"name": "EU mirror", "url": "https://eu.shop.example/"},
            {"name": "Logo", "url": "/static/logo.png", "kind": "cdn-asset"}
        ]
    })));
    let mut e = Evidence::for_config(&config, false);
    assert!(!e.online);
    assert!(e.status_page.same_origin);
    let slots: Vec<(&str, AlternateKind, bool, ProbeOutcome)> = e
        .alternates
        .iter()
        .map(|a| (a.name.as_str(), a.kind, a.same_origin, a.outcome))
        .collect();
    assert_eq!(
        slots,
        [
            (
                "EU mirror",
                AlternateKind::Mirror,
                false,
                ProbeOutcome::NotProbed
            ),
            (
                "Logo",
                AlternateKind::CdnAsset,
                true,
                ProbeOutcome::NotProbed
            )
        ]
    );
    for status in 0..30 {
        e.history
            .push(PastTarget::Page, ProbeOutcome::status(500 + status, 1));
        e.history.push(PastTarget::Health, ProbeOutcome::NotProbed);
    }
    let kept: Vec<Option<u16>> = e
        .history
        .entries()
        .iter()
        .map(|(_, o)| o.status_code())
        .collect();
    assert_eq!(kept.len(), HISTORY_LEN);
    assert_eq!(kept.first(), Some(&Some(500 + 30 - HISTORY_LEN as u16)));
    assert_eq!(kept.last(), Some(&Some(529)));
}
