//! The diagnosis settings of the config (status page, alternates, third party, support, operator,
//! site name, message overrides), from `tests/cases/config/diagnosis-keys.json`.

mod diagnosis_support;

use diagnosis_support::{cases, load_dir, name, strings, to_json};
use gateway_doctor::logic::catalog::Catalog;
use gateway_doctor::logic::config::{
    config_from_json, Config, HostingKind, Problem, ServerKind, UpstreamKind,
};
use gateway_doctor::logic::messages::{Locale, Message};
use serde_json::{json, Value};

fn problem_name(p: &Problem) -> &'static str {
    match p {
        Problem::NotAnObject => "not-an-object",
        Problem::UnknownKey => "unknown-key",
        Problem::WrongType { .. } => "wrong-type",
        Problem::OutOfRange { .. } => "out-of-range",
        Problem::UnknownChoice { .. } => "unknown-choice",
        Problem::NotSameOriginPath => "not-same-origin-path",
        Problem::NotALink { .. } => "not-a-link",
        Problem::NotAnEmail => "not-an-email",
        Problem::TooMany { .. } => "too-many",
        Problem::TooLong { .. } => "too-long",
        Problem::Missing => "missing",
        Problem::PlaceholderMismatch => "placeholder-mismatch",
        Problem::NotAColour => "not-a-colour",
        Problem::LowContrast => "low-contrast",
        Problem::TooLongToInline { .. } => "too-long-to-inline",
    }
}

/// The diagnosis settings as JSON, in the shape the cases use.
fn settings(c: &Config) -> Value {
    json!({
        "statusPage": c.status_page.as_ref().map(|s| json!({"url": s.url, "format": s.format.map(|f| f.as_str())})),
        "alternates": c.alternates.iter().map(|a| json!({"name": a.name, "url": a.url, "kind": a.kind.as_str()})).collect::<Vec<_>>(),
        "thirdParty": c.third_party,
        "support": {
            "email": c.support.email,
            "url": c.support.url,
            "social": c.support.social.iter().map(|s| json!({"name": s.name, "url": s.url})).collect::<Vec<_>>(),
        },
        "operator": {
            "enabled": c.operator.enabled,
            "server": match c.operator.server {
                ServerKind::Nginx => "nginx", ServerKind::Apache => "apache", ServerKind::Caddy => "caddy",
                ServerKind::Haproxy => "haproxy", ServerKind::Traefik => "traefik",
            },
            "upstream": match c.operator.upstream {
                UpstreamKind::PhpFpm => "php-fpm", UpstreamKind::Node => "node",
                UpstreamKind::Python => "python", UpstreamKind::Other => "other",
            },
            "hosting": match c.operator.hosting {
                HostingKind::Shared => "shared", HostingKind::Vps => "vps", HostingKind::Dedicated => "dedicated",
            },
        },
        "siteName": c.site_name,
        "messages": c.messages.iter().map(|(m, t)| (m.id().to_owned(), json!(t))).collect::<serde_json::Map<_, _>>(),
    })
}

/// Validates `input` and compares the warnings and each expected setting.
fn check(input: &Value, expected: &Value) -> Vec<String> {
    let (config, warnings) = config_from_json(&to_json(input));
    let mut problems = Vec::new();
    // serde_json's test objects sort their keys, so the order of warnings is not the author's.
    let mut got_warnings: Vec<String> = warnings
        .iter()
        .map(|w| [w.key.as_str(), " ", problem_name(&w.problem)].concat())
        .collect();
    got_warnings.sort();
    let mut want_warnings = strings(expected.get("warnings"));
    want_warnings.sort();
    if got_warnings != want_warnings {
        problems.push(format!(
            "warnings {got_warnings:?} (want {})",
            expected["warnings"]
        ));
    }
    for w in &warnings {
        assert!(
            w.message().starts_with("gateway-doctor config: "),
            "{}",
            w.message()
        );
    }
    let got = settings(&config);
    for (key, want) in expected.as_object().unwrap() {
        if key != "warnings" && &got[key] != want {
            problems.push(format!("{key}: got {}, want {want}", got[key]));
        }
    }
    problems
}

#[test]
fn diagnosis_settings_table() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (_, file) in load_dir("config") {
        for case in cases(&file) {
            count += 1;
            let problems = check(&case["config"], &case["expect"]);
            if !problems.is_empty() {
                failures.push(format!("{}: {}", name(case), problems.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(count >= 15, "{count}");
}

#[test]
fn overrides_replace_texts_in_every_language() {
    let (config, warnings) = config_from_json(&to_json(&json!({
        "messages": {"step-refresh-title": "Try again"}
    })));
    assert!(warnings.is_empty());
    for locale in Locale::ALL {
        let mut texts = Catalog::builtin(locale);
        texts.override_with(&config.messages);
        assert_eq!(texts.get(Message::StepRefreshTitle), "Try again");
        assert_eq!(
            texts.get(Message::StepWaitTitle),
            Catalog::builtin(locale).get(Message::StepWaitTitle)
        );
    }
}

#[test]
fn warnings_read_as_sentences() {
    let (_, warnings) = config_from_json(&to_json(&json!({
        "alternates": [{"name": "x", "url": "ftp://x"}],
        "support": {"email": "nope", "social": (0..9).map(|i| json!({"name": i.to_string(), "url": "https://s.example/"})).collect::<Vec<_>>()},
        "messages": {"countdown-seconds": "soon"}
    })));
    let messages: Vec<String> = warnings.iter().map(|w| w.message()).collect();
    assert_eq!(
        messages,
        [
            "gateway-doctor config: `alternates[0].url`: must be a path on this site or an https:// URL; using the default",
            "gateway-doctor config: `messages.countdown-seconds`: must contain {} exactly where the original text has its number; using the default",
            "gateway-doctor config: `support.email`: must be a plain e-mail address like help@example.com; using the default",
            "gateway-doctor config: `support.social`: only the first 6 entries are used",
        ]
    );
}
