//! Evidence helpers the shell relies on, from the tables in `tests/cases/evidence/`:
//! the gateway's first answer (`gateway-page.json`), forgetting stale answers when the device goes
//! offline (`offline.json`), when a new check differs in kind (`same-kind.json`) and when the
//! other probes run again (`rounds.json`), and the gateway's upstream details
//! (`upstream-details.json`).

mod diagnosis_support;

use diagnosis_support::{cases, evidence, load_dir, name, outcome};
use gateway_doctor::logic::evidence::{round_due, Evidence, ProbeOutcome, UpstreamDetails, Visit};
use gateway_doctor::logic::verdict::diagnose;
use serde_json::Value;

fn file(stem: &str) -> Value {
    load_dir("evidence")
        .into_iter()
        .find(|(s, _)| s == stem)
        .unwrap_or_else(|| panic!("tests/cases/evidence/{stem}.json"))
        .1
}

fn hops(e: &Evidence) -> String {
    let d = diagnose(e);
    let marks: Vec<&str> = d.hops.iter().map(|h| h.result.as_str()).collect();
    marks.join(" ")
}

#[test]
fn the_gateways_first_answer() {
    let mut failures = Vec::new();
    for case in cases(&file("gateway-page")) {
        let status = case["status"].as_str().unwrap();
        let retry_after = case.get("retryAfter").and_then(Value::as_bool) == Some(true);
        let got = ProbeOutcome::from_gateway_page(status, retry_after);
        let expect = &case["expect"];
        let want = outcome(Some(&expect["outcome"]));
        if got != want {
            failures.push(format!("{}: outcome {got:?} (want {want:?})", name(case)));
        }
        let mut e = evidence(case.get("evidence").unwrap_or(&serde_json::json!({})));
        e.page = got;
        let verdict = diagnose(&e).verdict.as_str();
        if verdict != expect["verdict"] || hops(&e) != expect["hops"] {
            failures.push(format!(
                "{}: {verdict} {} (want {} {})",
                name(case),
                hops(&e),
                expect["verdict"],
                expect["hops"]
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn going_offline_forgets_current_answers() {
    let mut failures = Vec::new();
    for case in cases(&file("offline")) {
        let mut e = evidence(&case["evidence"]);
        let history_before = e.history.entries().to_vec();
        let before = e.clone();
        let stale = e.went_offline();
        let expect = &case["expect"];
        let verdict = diagnose(&e).verdict.as_str();
        if verdict != expect["verdict"] || hops(&e) != expect["hops"] {
            failures.push(format!(
                "{}: {verdict} {} (want {} {})",
                name(case),
                hops(&e),
                expect["verdict"],
                expect["hops"]
            ));
        }
        assert_eq!(e.history.entries(), history_before, "{}", name(case));
        assert_eq!(
            e.history.entries().len() as u64,
            expect["history"].as_u64().unwrap()
        );
        assert!(!e.online);
        assert!(e.alternates.iter().all(|a| !a.outcome.was_probed()));
        assert!(e.status_page.report.is_none());

        // Back online: the outage seen before stands until the next check.
        e.came_online(stale);
        let back = &expect["back"];
        let verdict = diagnose(&e).verdict.as_str();
        if verdict != back["verdict"] || hops(&e) != back["hops"] {
            failures.push(format!(
                "{}: back online {verdict} {} (want {} {})",
                name(case),
                hops(&e),
                back["verdict"],
                back["hops"]
            ));
        }
        assert!(e.online);
        assert_eq!((e.page, e.health), (before.page, before.health));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn outcomes_of_the_same_kind() {
    for case in cases(&file("same-kind")) {
        let (a, b) = (outcome(Some(&case["a"])), outcome(Some(&case["b"])));
        let want = case["same"].as_bool().unwrap();
        assert_eq!(a.same_kind(&b), want, "{}", name(case));
        assert_eq!(b.same_kind(&a), want, "{} (reversed)", name(case));
        assert!(a.same_kind(&a) && b.same_kind(&b), "{}", name(case));
    }
}

#[test]
fn when_the_other_probes_run_again() {
    for case in cases(&file("rounds")) {
        let (before, after) = (
            outcome(Some(&case["before"])),
            outcome(Some(&case["after"])),
        );
        let since = case["sinceMs"].as_u64().unwrap();
        let want = case["due"].as_bool().unwrap();
        let timed_out = case
            .get("timedOutRounds")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32;
        assert_eq!(
            round_due(&before, &after, since, timed_out),
            want,
            "{}",
            name(case)
        );
    }
}

#[test]
fn a_round_timed_out_when_any_of_its_probes_did() {
    let quiet = evidence(&serde_json::json!({
        "page": "timeout",
        "health": "timeout",
        "gateway": 204,
        "alternates": [{"name": "M", "outcome": "no-answer"}]
    }));
    // The page and health checks are the recovery machine's, not the round's.
    assert!(!quiet.round_timed_out());
    for slow in [
        serde_json::json!({"gateway": "timeout"}),
        serde_json::json!({"statusPage": {"outcome": "timeout"}}),
        serde_json::json!({"thirdParty": "timeout"}),
        serde_json::json!({"alternates": [{"name": "A", "outcome": 200}, {"name": "B", "outcome": "timeout"}]}),
    ] {
        assert!(evidence(&slow).round_timed_out(), "{slow}");
    }
}

#[test]
fn upstream_details_from_the_gateway() {
    for case in cases(&file("upstream-details")) {
        let raw: Vec<&str> = case["raw"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let visit =
            Visit::new("shop.example.com", Some("abc")).with_upstream(raw[0], raw[1], raw[2]);
        let want = case["expect"].as_object().map(|o| UpstreamDetails {
            address: o["address"].as_str().unwrap().to_owned(),
            status: o["status"].as_str().unwrap().to_owned(),
            time: o["time"].as_str().unwrap().to_owned(),
        });
        assert_eq!(visit.upstream, want, "{}", name(case));
        assert_eq!(visit.request_id.as_deref(), Some("abc"));
    }
}
