//! Diagnosis × device × locale → the visitor's ordered steps, and operator settings → the
//! operator's checklist, from the tables in `tests/cases/steps/`.
//!
//! Visitor cases: `{name, verdict, pageStatus?, alternateUp?, incidentUrl?, ua, platform, touch,
//! locale, host, requestId, config?, expect: {steps, details?, absent?}}`. Operator cases
//! (`operator.json`): `{name, config, expect: {checks, details?, absent?}}`. `details` lists, per
//! step, rendered parts that must appear in this order; `absent` lists parts that must not.

mod diagnosis_support;

use diagnosis_support::{cases, config, is_subsequence, load_dir, name, render, strings};
use gateway_doctor::logic::environment::Environment;
use gateway_doctor::logic::evidence::Visit;
use gateway_doctor::logic::messages::{Locale, Message};
use gateway_doctor::logic::status_page::Incident;
use gateway_doctor::logic::steps::{operator_checklist, steps, Detail};
use gateway_doctor::logic::verdict::{Diagnosis, Finding, Reason, Source, Verdict};
use serde_json::Value;

/// Compares ordered `(id, details)` items with the expectation `{<list key>, details?, absent?}`.
fn check(
    items: &[(&str, &[Detail])],
    list_key: &str,
    locale: Locale,
    expected: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    let ids: Vec<&str> = items.iter().map(|(id, _)| *id).collect();
    let want = strings(expected.get(list_key));
    if ids != want {
        problems.push(format!("{list_key} {ids:?} (want {want:?})"));
    }
    let rendered = |id: &str| -> Option<Vec<String>> {
        items
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, details)| details.iter().map(|d| render(d, locale)).collect())
    };
    for (id, want) in expected
        .get("details")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let want = strings(Some(want));
        match rendered(id) {
            Some(got) if is_subsequence(&want, &got) => {}
            got => problems.push(format!("{id} details {got:?} lack {want:?}")),
        }
    }
    for (id, unwanted) in expected
        .get("absent")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let got = rendered(id).unwrap_or_default();
        for u in strings(Some(unwanted)) {
            if got.contains(&u) {
                problems.push(format!("{id} must not have {u:?}"));
            }
        }
    }
    problems
}

fn diagnosis(case: &Value) -> Diagnosis {
    let verdict = case["verdict"].as_str().unwrap();
    let mut d = Diagnosis::from_verdict(
        Verdict::from_name(verdict).unwrap_or_else(|| panic!("unknown verdict {verdict}")),
    );
    if let Some(status) = case.get("pageStatus").and_then(Value::as_u64) {
        d.reasons.push(Reason {
            source: Source::Page,
            finding: Finding::Answered(Some(status as u16)),
        });
    }
    d.alternate_up = case
        .get("alternateUp")
        .and_then(Value::as_u64)
        .map(|i| i as usize);
    if let Some(url) = case.get("incidentUrl").and_then(Value::as_str) {
        d.incident = Some(Incident {
            title: "Incident".into(),
            url: Some(url.into()),
            ..Incident::default()
        });
    }
    d
}

#[test]
fn visitor_steps_table() {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut verdicts_seen = Vec::new();
    for (file, content) in load_dir("steps") {
        if file == "operator" {
            continue;
        }
        for case in cases(&content) {
            count += 1;
            let d = diagnosis(case);
            verdicts_seen.push(d.verdict);
            let environment = Environment::detect(
                case["ua"].as_str().unwrap(),
                case["platform"].as_str().unwrap_or(""),
                case["touch"].as_u64().unwrap_or(0) as u32,
            );
            let locale = Locale::negotiate([case["locale"].as_str().unwrap_or("en")]);
            let visit = Visit::new(
                case["host"].as_str().unwrap_or(""),
                case["requestId"].as_str(),
            );
            let list = steps(&d, &environment, &config(case.get("config")), &visit);
            let items: Vec<(&str, &[Detail])> = list
                .iter()
                .map(|s| (s.id.as_str(), s.details.as_slice()))
                .collect();
            let problems = check(&items, "steps", locale, &case["expect"]);
            if !problems.is_empty() {
                failures.push(format!("{file}: {}: {}", name(case), problems.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(count >= 30, "{count}");
    for verdict in Verdict::ALL {
        assert!(
            verdicts_seen.contains(&verdict),
            "no steps case for {}",
            verdict.as_str()
        );
    }
}

#[test]
fn operator_checklist_table() {
    let file = load_dir("steps")
        .into_iter()
        .find(|(f, _)| f == "operator")
        .expect("operator.json")
        .1;
    let mut failures = Vec::new();
    for case in cases(&file) {
        let list = operator_checklist(&config(case.get("config")));
        let items: Vec<(&str, &[Detail])> = list
            .iter()
            .map(|c| (c.id.as_str(), c.details.as_slice()))
            .collect();
        let problems = check(&items, "checks", Locale::En, &case["expect"]);
        if !problems.is_empty() {
            failures.push(format!("{}: {}", name(case), problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The rules that hold for every verdict on every device.
#[test]
fn step_invariants_across_all_verdicts_and_devices() {
    let user_agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
        "",
    ];
    let full = config(Some(&serde_json::json!({
        "support": {"email": "help@shop.example", "social": [{"name": "Mastodon", "url": "https://social.example/@shop"}]},
        "alternates": [{"name": "EU mirror", "url": "https://eu.shop.example/"}]
    })));
    let visit = Visit::new("shop.example.com", Some("abc123"));
    for verdict in Verdict::ALL {
        for ua in user_agents {
            let environment = Environment::detect(ua, "", 0);
            let mut d = Diagnosis::from_verdict(verdict);
            d.alternate_up = Some(0);
            let list = steps(&d, &environment, &full, &visit);
            let ids: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
            let ctx = format!("{} on {ua:?}: {ids:?}", verdict.as_str());
            assert!(!ids.is_empty(), "{ctx}");
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), ids.len(), "duplicate step: {ctx}");
            let network = ["restart-router", "other-network", "disable-vpn"];
            if !verdict.is_visitor_side() {
                assert!(
                    !ids.iter().any(|id| network.contains(id)),
                    "network step: {ctx}"
                );
            }
            let site_failing = matches!(
                verdict,
                Verdict::GatewayDown
                    | Verdict::AppDown
                    | Verdict::AppOverloaded
                    | Verdict::Maintenance
                    | Verdict::KnownIncident
            );
            if site_failing {
                assert!(
                    !ids.contains(&"clear-cache"),
                    "cache advice while the site fails: {ctx}"
                );
                assert!(
                    ids.first() == Some(&"wait"),
                    "wait first while the site fails: {ctx}"
                );
            }
            if verdict == Verdict::Recovered {
                assert_eq!(ids, ["refresh"], "the site is back: only the reload: {ctx}");
            }
            let everyone = matches!(
                verdict,
                Verdict::GatewayDown | Verdict::AppDown | Verdict::Unknown
            );
            assert_eq!(ids.contains(&"down-for-everyone"), everyone, "{ctx}");
            for step in &list {
                for detail in &step.details {
                    if let Detail::Link(link) = detail {
                        assert!(
                            link.href.starts_with("https://")
                                || link.href.starts_with("mailto:")
                                || link.href.starts_with('/'),
                            "{ctx}: {}",
                            link.href
                        );
                    }
                }
            }
        }
    }
}

/// The steps do not know the recovery widget's state, so the same steps show while the page
/// checks, after a POST (the page will not reload by itself) and after automatic checks stopped.
/// Only the status line above them says what the page does; no step or verdict text may.
#[test]
fn no_step_or_verdict_says_what_the_page_will_do() {
    let promises = [
        "reloads",
        "by itself",
        "this page",
        "keeps checking",
        "tries again",
    ];
    let says = |message: Message| {
        let text = gateway_doctor::logic::messages::text(Locale::En, message).to_lowercase();
        promises.iter().find(|p| text.contains(*p)).copied()
    };
    let full = config(Some(&serde_json::json!({
        "support": {"email": "help@shop.example"},
        "alternates": [{"name": "EU mirror", "url": "https://eu.shop.example/"}]
    })));
    let visit = Visit::new("shop.example.com", Some("abc123"));
    let environment = Environment::detect("", "", 0);
    let mut diagnoses: Vec<Diagnosis> = Verdict::ALL
        .into_iter()
        .map(Diagnosis::from_verdict)
        .collect();
    // A rate limit has its own wait text.
    let mut limited = Diagnosis::from_verdict(Verdict::Blocked);
    limited.reasons.push(Reason {
        source: Source::Page,
        finding: Finding::Answered(Some(429)),
    });
    diagnoses.push(limited);
    let mut waits = 0;
    for mut d in diagnoses {
        d.alternate_up = Some(0);
        let verdict = d.verdict.as_str();
        for message in [d.verdict.title(), d.verdict.explanation()] {
            assert_eq!(says(message), None, "{verdict}: {message:?}");
        }
        for step in steps(&d, &environment, &full, &visit) {
            waits += usize::from(step.id.as_str() == "wait");
            assert_eq!(says(step.title), None, "{verdict}: {:?}", step.title);
            for detail in &step.details {
                if let Detail::Text(message) = detail {
                    assert_eq!(says(*message), None, "{verdict}: {message:?}");
                }
            }
        }
    }
    assert!(waits >= 6, "{waits} wait steps");
}
