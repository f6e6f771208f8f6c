//! Status page JSON → one report, for every supported format, from the fixtures in
//! `tests/cases/status/` and the table `tests/cases/status/expected.json`.

mod diagnosis_support;

use diagnosis_support::{cases_dir, strings};
use gateway_doctor::logic::json::{Json, MAX_ENTRIES};
use gateway_doctor::logic::status_page::{
    parse_status_report, Incident, StatusFormat, StatusProblem, MAX_TITLE_CHARS,
};
use serde_json::Value;

fn problem_name(p: StatusProblem) -> &'static str {
    match p {
        StatusProblem::Unrecognised => "unrecognised",
        StatusProblem::Missing => "missing",
        StatusProblem::UnknownValue => "unknown-value",
        StatusProblem::UnsafeLink => "unsafe-link",
    }
}

fn incident_json(incident: &Option<Incident>) -> Value {
    match incident {
        None => Value::Null,
        Some(i) => serde_json::json!({
            "title": i.title, "started": i.started, "updated": i.updated, "url": i.url
        }),
    }
}

/// Parses `input` (as `format`, or detected) and compares every field with `expected`.
fn check(input: &Json, format: Option<StatusFormat>, expected: &Value) -> Vec<String> {
    let (report, warnings) = parse_status_report(input, format);
    let got = serde_json::json!({
        "format": report.format.map(StatusFormat::as_str),
        "indicator": report.indicator.as_str(),
        "description": report.description,
        "incident": incident_json(&report.incident),
        "maintenance": incident_json(&report.maintenance),
        "warnings": warnings
            .iter()
            .map(|w| [w.field, " ", problem_name(w.problem)].concat())
            .collect::<Vec<_>>(),
    });
    let mut problems = Vec::new();
    for key in [
        "format",
        "indicator",
        "description",
        "incident",
        "maintenance",
        "warnings",
    ] {
        if got[key] != expected[key] {
            problems.push(format!("{key}: got {}, want {}", got[key], expected[key]));
        }
    }
    // Every warning must also read as a sentence for the console.
    for w in &warnings {
        assert!(w.message().starts_with("gateway-doctor status page: "));
    }
    problems
}

fn fixture(name: &str) -> Json {
    let path = cases_dir("status").join([name, ".json"].concat());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn status_page_fixtures() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(cases_dir("status").join("expected.json")).unwrap(),
    )
    .unwrap();
    let table = expected.as_object().unwrap();
    let mut failures = Vec::new();
    let mut used = Vec::new();
    for (name, want) in table {
        let file = want.get("file").and_then(Value::as_str).unwrap_or(name);
        used.push(file.to_owned());
        let format = want
            .get("as")
            .and_then(Value::as_str)
            .map(|f| StatusFormat::from_name(f).unwrap());
        let problems = check(&fixture(file), format, want);
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // Every fixture is in the table, and every format has a case with an incident or maintenance.
    for entry in std::fs::read_dir(cases_dir("status")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|x| x == "json") && stem != "expected" {
            assert!(used.contains(&stem), "fixture {stem} has no expectation");
        }
    }
    for format in ["statuspage", "instatus", "uptime-kuma", "gateway-doctor"] {
        let covered = table.values().any(|w| {
            w["format"] == format && (!w["incident"].is_null() || !w["maintenance"].is_null())
        });
        assert!(covered, "no incident or maintenance fixture for {format}");
    }
    assert!(table.len() >= 20, "{}", table.len());
}

#[test]
fn text_that_is_not_json_gives_unknown_and_a_warning() {
    let text =
        std::fs::read_to_string(cases_dir("status").join("malformed-not-json.json.txt")).unwrap();
    // The shell hands over `null` when the body does not parse.
    let json = serde_json::from_str::<Json>(&text).unwrap_or(Json::Null);
    let want = serde_json::json!({
        "format": null, "indicator": "unknown", "description": null,
        "incident": null, "maintenance": null, "warnings": [" unrecognised"]
    });
    assert_eq!(check(&json, None, &want), Vec::<String>::new());
}

#[test]
fn huge_and_deep_input_is_bounded_and_never_panics() {
    // 2 000 open incidents with 10 kB titles: lists and strings are capped by the JSON tree.
    let title = "x".repeat(10_000);
    let incidents: Vec<Value> = (0..2_000)
        .map(|i| serde_json::json!({"name": title, "status": "investigating", "id": i}))
        .collect();
    let huge = serde_json::json!({"status": {"indicator": "critical"}, "incidents": incidents});
    let json: Json = serde_json::from_value(huge).unwrap();
    assert_eq!(
        json.get("incidents").unwrap().as_array().unwrap().len(),
        MAX_ENTRIES
    );
    let (report, _) = parse_status_report(&json, None);
    let incident = report.incident.unwrap();
    assert_eq!(incident.title.chars().count(), MAX_TITLE_CHARS);
    assert!(incident.title.ends_with('…'));

    // Nesting deeper than the tree keeps becomes null: still a report, no recursion.
    let mut deep = serde_json::json!({"status": "down"});
    for _ in 0..200 {
        deep = serde_json::json!({ "incident": deep, "status": "down" });
    }
    let text = serde_json::to_string(&deep).unwrap();
    let json = serde_json::from_str::<Json>(&text).unwrap_or(Json::Null);
    for format in [
        None,
        Some(StatusFormat::Statuspage),
        Some(StatusFormat::Instatus),
        Some(StatusFormat::UptimeKuma),
        Some(StatusFormat::GatewayDoctor),
    ] {
        let _ = parse_status_report(&json, format);
    }

    // Every value of every type in every field: no panic.
    let odd = [
        Value::Null,
        Value::Bool(true),
        serde_json::json!(-1e308),
        serde_json::json!(""),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([0, null, "x"]),
    ];
    for key in [
        "status",
        "page",
        "incidents",
        "scheduled_maintenances",
        "activeIncidents",
        "activeMaintenances",
        "heartbeatList",
        "incident",
        "maintenanceList",
        "message",
    ] {
        for value in &odd {
            let json: Json = serde_json::from_value(serde_json::json!({ key: value })).unwrap();
            let _ = parse_status_report(&json, None);
        }
    }
}

#[test]
fn formats_are_named_like_the_config_says() {
    for name in strings(Some(&serde_json::json!([
        "statuspage",
        "instatus",
        "uptime-kuma",
        "gateway-doctor"
    ]))) {
        assert_eq!(
            StatusFormat::from_name(&name).map(StatusFormat::as_str),
            Some(name.as_str())
        );
    }
    assert_eq!(StatusFormat::from_name("Statuspage"), None);
}
