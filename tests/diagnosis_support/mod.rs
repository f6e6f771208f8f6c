//! Reading the JSON test cases under `tests/cases/` into the diagnosis types.
#![allow(dead_code)]

use gateway_doctor::logic::config::{config_from_json, AlternateKind, Config};
use gateway_doctor::logic::evidence::{
    AlternateEvidence, Evidence, HttpAnswer, PastTarget, ProbeOutcome, StatusPageEvidence,
};
use gateway_doctor::logic::json::Json;
use gateway_doctor::logic::messages::{text, Locale};
use gateway_doctor::logic::status_page::{parse_status_report, StatusFormat};
use gateway_doctor::logic::steps::{Detail, Label};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn cases_dir(area: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(area)
}

/// Every `*.json` file of an area, sorted by name: (file stem, parsed JSON).
pub fn load_dir(area: &str) -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(cases_dir(area))
        .unwrap_or_else(|e| panic!("tests/cases/{area}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, value)
        })
        .collect()
}

/// The cases of one file: an array of objects, each with a `name`.
pub fn cases(file: &Value) -> &[Value] {
    file.as_array().expect("a case file is an array of cases")
}

pub fn name(case: &Value) -> &str {
    case["name"].as_str().expect("every case has a name")
}

pub fn to_json(value: &Value) -> Json {
    serde_json::from_value(value.clone()).unwrap()
}

/// A config from raw JSON; the case must not produce warnings (a typo in a case would otherwise
/// silently test the defaults).
pub fn config(value: Option<&Value>) -> Config {
    let Some(value) = value else {
        return Config::default();
    };
    let (config, warnings) = config_from_json(&to_json(value));
    assert!(
        warnings.is_empty(),
        "config in a case has warnings: {warnings:?}"
    );
    config
}

/// A probe outcome, written compactly:
/// `"not-probed"`, `"no-answer"`, `"timeout"`, `"opaque"`, a status number, or
/// `{"status": 502, "errorPage": true, "retryAfter": true, "ms": 40}`.
pub fn outcome(value: Option<&Value>) -> ProbeOutcome {
    let Some(value) = value else {
        return ProbeOutcome::NotProbed;
    };
    let ms = |v: &Value| v.get("ms").and_then(Value::as_u64).unwrap_or(30) as u32;
    match value {
        Value::Null => ProbeOutcome::NotProbed,
        Value::String(s) => match s.as_str() {
            "not-probed" => ProbeOutcome::NotProbed,
            "no-answer" => ProbeOutcome::NoAnswer { elapsed_ms: 12 },
            "timeout" => ProbeOutcome::TimedOut { elapsed_ms: 8000 },
            "opaque" => ProbeOutcome::opaque(45),
            other => panic!("unknown outcome {other:?}"),
        },
        Value::Number(n) => ProbeOutcome::status(n.as_u64().unwrap() as u16, 30),
        Value::Object(_) => ProbeOutcome::Answered(HttpAnswer {
            status: value
                .get("status")
                .and_then(Value::as_u64)
                .map(|s| s as u16),
            retry_after: value
                .get("retryAfter")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            our_error_page: value
                .get("errorPage")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            elapsed_ms: ms(value),
        }),
        other => panic!("unknown outcome {other}"),
    }
}

fn alternate_kind(name: &str) -> AlternateKind {
    match name {
        "mirror" => AlternateKind::Mirror,
        "region" => AlternateKind::Region,
        "cdn-asset" => AlternateKind::CdnAsset,
        other => panic!("unknown alternate kind {other:?}"),
    }
}

/// Evidence from a case's `evidence` object. A status page `body` goes through the real parser.
pub fn evidence(value: &Value) -> Evidence {
    let known = [
        "online",
        "page",
        "gateway",
        "health",
        "statusPage",
        "alternates",
        "thirdParty",
        "history",
    ];
    for key in value.as_object().expect("evidence is an object").keys() {
        assert!(
            known.contains(&key.as_str()),
            "unknown evidence key {key:?}"
        );
    }
    let status_page = value
        .get("statusPage")
        .map_or_else(StatusPageEvidence::default, |s| {
            let format = s.get("format").and_then(Value::as_str).map(|f| {
                StatusFormat::from_name(f).unwrap_or_else(|| panic!("unknown format {f}"))
            });
            StatusPageEvidence {
                outcome: outcome(s.get("outcome")),
                same_origin: s
                    .get("sameOrigin")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                report: s
                    .get("body")
                    .map(|body| parse_status_report(&to_json(body), format).0),
            }
        });
    let mut evidence = Evidence {
        online: value.get("online").and_then(Value::as_bool).unwrap_or(true),
        page: outcome(value.get("page")),
        gateway: outcome(value.get("gateway")),
        health: outcome(value.get("health")),
        status_page,
        alternates: value
            .get("alternates")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|a| AlternateEvidence {
                        name: a["name"].as_str().unwrap_or("alternate").to_owned(),
                        kind: alternate_kind(a["kind"].as_str().unwrap_or("mirror")),
                        same_origin: a
                            .get("sameOrigin")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        outcome: outcome(a.get("outcome")),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        third_party: outcome(value.get("thirdParty")),
        history: Default::default(),
    };
    for past in value
        .get("history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (target, o) = match (past.get("page"), past.get("health")) {
            (Some(o), None) => (PastTarget::Page, o),
            (None, Some(o)) => (PastTarget::Health, o),
            _ => panic!("a history entry is {{\"page\": …}} or {{\"health\": …}}"),
        };
        evidence.history.push(target, outcome(Some(o)));
    }
    evidence
}

/// A detail as one comparable line, with texts in `locale`:
/// `text:<message id>`, `keys:F5 | Ctrl+R`, `menu:Settings > Privacy`, `link:<href> <label>`,
/// `countdown`, `code:<text>`, `command:<text>`, `config:<text>`.
pub fn render(detail: &Detail, locale: Locale) -> String {
    match detail {
        Detail::Text(m) => ["text:", m.id()].concat(),
        Detail::Keys(combos) => {
            let combos: Vec<String> = combos
                .iter()
                .map(|keys| {
                    keys.iter()
                        .map(|k| text(locale, k.label()))
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .collect();
            ["keys:", &combos.join(" | ")].concat()
        }
        Detail::Menu(path) => {
            let segments: Vec<&str> = path.iter().map(|m| text(locale, *m)).collect();
            ["menu:", &segments.join(" > ")].concat()
        }
        Detail::Link(link) => {
            let label = match &link.label {
                Label::Message(m) => text(locale, *m).to_owned(),
                Label::Verbatim(s) => s.clone(),
            };
            ["link:", &link.href, " ", &label].concat()
        }
        Detail::Countdown => "countdown".to_owned(),
        Detail::Code(s) => ["code:", s].concat(),
        Detail::Command(s) => ["command:", s].concat(),
        Detail::ConfigSnippet(s) => ["config:", s].concat(),
    }
}

/// `expected` appears in `actual` in the same order (other items may sit in between).
pub fn is_subsequence(expected: &[String], actual: &[String]) -> bool {
    let mut rest = actual.iter();
    expected.iter().all(|e| rest.any(|a| a == e))
}

pub fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|v| v.as_str().expect("a list of strings").to_owned())
                .collect()
        })
        .unwrap_or_default()
}
