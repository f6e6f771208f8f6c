//! Native fuzzing of every parser that reads input from outside: the bounded JSON tree, the config
//! (`config_from_json`), the status page readers (`parse_status_report`, every format and
//! detection), `Retry-After`, the gateway's request line, the URL and e-mail checks, the
//! user-agent reader, and what they feed (diagnosis, steps, diagnostic report, recovery machine).
//!
//! cargo-fuzz needs a nightly toolchain, so this is a small driver of our own: it mutates the kept
//! corpus in `tests/fuzz-corpus/<target>/` (real-world seeds: Statuspage, Instatus, Uptime Kuma,
//! our status format, configs with hostile strings, `Retry-After` values, request lines, URLs,
//! user agents) with byte-level and JSON-structure-aware mutations, keeps inputs that show new
//! behaviour (a signature of what the parser made of them) for further mutation, and checks every
//! run for the guarantees below. A panic is caught, the input is saved to the corpus directory as
//! `crash-<hash>` (a regression seed from then on) and the test fails.
//!
//! Checked on every input (each check would fail if the guarantee broke):
//! - no panic (debug build: integer overflow panics too), no input takes longer than a second;
//! - the JSON tree stays within `MAX_DEPTH`, `MAX_ENTRIES` and `MAX_STRING_BYTES`;
//! - every link that can reach an `href` is `http(s)`, a same-origin path or a plain `mailto:`,
//!   checked independently of `logic::url` (browser URL normalisation: tabs and newlines removed,
//!   case folded): never `javascript:`, `data:`, `vbscript:`, protocol-relative `//host`;
//! - texts from data are one clean line (no controls, no bidi overrides) within their limits;
//! - config values stay within their documented ranges; warnings are prefixed and bounded;
//! - the diagnostic report is printable ASCII with bounded lines;
//! - `Retry-After` never yields a floor in the past or more than 24 h ahead, and the recovery
//!   machine's next deadline stays within that floor plus one capped delay.
//!
//! Modes (environment variables):
//! - none (`cargo test`): the whole corpus, then a short seeded burst of mutations per target;
//! - `GD_FUZZ_SECONDS=N`: mutate for N seconds in total, split over the targets (what
//!   `cargo xtask fuzz --seconds N` and the suite's bounded step use); the seed is printed;
//! - `GD_FUZZ_SEED=S` replays a run; `GD_FUZZ_TARGETS=config,status` limits the targets;
//! - `GD_FUZZ_GROW=1` also saves inputs with new behaviour to the corpus (`new-<hash>`), for
//!   review before committing.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gateway_doctor::logic::config::{config_from_json, is_same_origin_path, Config};
use gateway_doctor::logic::environment::{Browser, Environment, Os};
use gateway_doctor::logic::evidence::{Evidence, ProbeOutcome, Visit};
use gateway_doctor::logic::json::{Json, MAX_DEPTH, MAX_ENTRIES, MAX_STRING_BYTES};
use gateway_doctor::logic::machine::{Event, ProbeResult, Recovery, Start};
use gateway_doctor::logic::report::{diagnostic_report, ReportContext};
use gateway_doctor::logic::request::OriginalMethod;
use gateway_doctor::logic::retry_after::{parse_http_date, parse_retry_after, MAX_RETRY_AFTER_MS};
use gateway_doctor::logic::status_page::{
    parse_status_report, StatusFormat, StatusReport, MAX_DESCRIPTION_CHARS, MAX_TIME_CHARS,
    MAX_TITLE_CHARS,
};
use gateway_doctor::logic::steps::{steps, Detail, Label};
use gateway_doctor::logic::url::{
    http_url_or_none, is_email_address, is_http_url, is_https_url, push_percent_encoded,
    MAX_URL_BYTES,
};
use gateway_doctor::logic::verdict::{diagnose, Diagnosis, Verdict};
use proptest::prelude::*;

const T0: u64 = 1_700_000_000_000;
/// Inputs never grow beyond this (the browser caps nothing, but bigger inputs only slow the run).
const MAX_INPUT_BYTES: usize = 96 * 1024;
/// Inputs longer than this are run but not kept for further mutation.
const MAX_KEPT_BYTES: usize = 8 * 1024;
/// Inputs kept for mutation per target.
const MAX_POOL: usize = 4096;
/// A run of one input taking longer than this (in the fastest of four tries) is reported.
const SLOW_LIMIT: Duration = Duration::from_secs(1);
/// Mutations per target in the default (`cargo test`) mode.
const DEFAULT_RUNS: u32 = 300;

// ---------------------------------------------------------------------------------------------
// Targets

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Json,
    Config,
    Status,
    RetryAfter,
    RequestLine,
    Url,
    UserAgent,
}

impl Target {
    const ALL: [Target; 7] = [
        Target::Json,
        Target::Config,
        Target::Status,
        Target::RetryAfter,
        Target::RequestLine,
        Target::Url,
        Target::UserAgent,
    ];

    fn name(self) -> &'static str {
        match self {
            Target::Json => "json",
            Target::Config => "config",
            Target::Status => "status",
            Target::RetryAfter => "retry-after",
            Target::RequestLine => "request-line",
            Target::Url => "url",
            Target::UserAgent => "user-agent",
        }
    }

    /// Share of a timed run: the JSON readers have the most structure to explore (and run
    /// slowest); the one-line parsers saturate within a second.
    fn weight(self) -> f64 {
        match self {
            Target::Json => 2.0,
            Target::Config | Target::Status => 3.0,
            Target::RetryAfter | Target::Url => 1.0,
            Target::RequestLine | Target::UserAgent => 0.5,
        }
    }

    fn is_json(self) -> bool {
        matches!(self, Target::Json | Target::Config | Target::Status)
    }

    fn extension(self) -> &'static str {
        if self.is_json() {
            "json"
        } else {
            "txt"
        }
    }

    /// Runs the checks (panicking on a broken guarantee) and returns a behaviour signature.
    fn run(self, input: &[u8]) -> u64 {
        match self {
            Target::Json => check_json(input),
            Target::Config => check_config(input),
            Target::Status => check_status(input),
            Target::RetryAfter => check_retry_after(input),
            Target::RequestLine => check_request_line(input),
            Target::Url => check_url(input),
            Target::UserAgent => check_user_agent(input),
        }
    }
}

fn corpus_dir(target: Target) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-corpus")
        .join(target.name())
}

fn signature(parts: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// FNV-1a, for stable file names of saved inputs.
fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------------------------
// Guarantees shared by the targets

/// What a browser makes of an `href` before it looks at the scheme: leading and trailing C0
/// controls and spaces trimmed, tabs and newlines anywhere removed, ASCII case folded.
fn browser_normalised(href: &str) -> String {
    href.trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A link the page may render: `http(s)://host…`, a path on this origin, or `mailto:` a plain
/// address. Written independently of `logic::url`, so a regression there is caught here.
fn assert_safe_href(href: &str, what: &str) {
    let n = browser_normalised(href);
    for scheme in [
        "javascript:",
        "data:",
        "vbscript:",
        "blob:",
        "file:",
        "filesystem:",
    ] {
        assert!(!n.starts_with(scheme), "{what}: unsafe link {href:?}");
    }
    // Spaces are harmless (the URL parser trims or encodes them); controls are not: tabs and
    // newlines vanish, which is how `java<TAB>script:` and `/<TAB>/host` tricks work.
    assert!(
        !href.bytes().any(|b| b < 0x20 || b == 0x7f),
        "{what}: control character in link {href:?}"
    );
    let ok = if let Some(rest) = n
        .strip_prefix("https://")
        .or_else(|| n.strip_prefix("http://"))
    {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or("");
        !host.is_empty() && !host.starts_with(':') && !href.contains('\\')
    } else if let Some(address) = href.strip_prefix("mailto:") {
        !address.is_empty()
            && !address.contains(['?', '&', ',', ';', ' ', '%', '<', '>', '"'])
            && address.matches('@').count() == 1
    } else {
        n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !href.contains('\\')
    };
    assert!(
        ok,
        "{what}: link {href:?} is neither http(s), a same-origin path nor a plain mailto"
    );
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// One clean line of at most `max` characters.
fn assert_clean_line(text: &str, max: usize, what: &str) {
    assert!(
        text.chars().count() <= max,
        "{what}: {} characters > {max}",
        text.chars().count()
    );
    assert!(
        !text.chars().any(|c| c.is_control() || is_bidi_control(c)),
        "{what}: control or bidi character in {text:?}"
    );
    assert_eq!(text.trim(), text, "{what}: untrimmed {text:?}");
}

/// Every link in every step, for one diagnosis and a few environments chosen by `pick`.
fn assert_steps_safe(diagnosis: &Diagnosis, config: &Config, visit: &Visit, pick: u64) -> usize {
    let envs = [
        Environment::default(),
        Environment {
            os: Os::ALL[(pick % Os::ALL.len() as u64) as usize],
            browser: Browser::ALL[((pick >> 8) % Browser::ALL.len() as u64) as usize],
        },
    ];
    let mut links = 0;
    for env in envs {
        for step in steps(diagnosis, &env, config, visit) {
            for detail in &step.details {
                match detail {
                    Detail::Link(link) => {
                        links += 1;
                        assert_safe_href(&link.href, step.id.as_str());
                        // Config strings are capped by the JSON tree; `mailto:` adds 7 bytes.
                        assert!(link.href.len() <= MAX_STRING_BYTES + 7, "link too long");
                        if let Label::Verbatim(name) = &link.label {
                            assert!(name.chars().count() <= 254, "label {name:?}");
                            assert!(!name.chars().any(char::is_control), "label {name:?}");
                        }
                    }
                    Detail::Code(text) => {
                        assert!(text.len() <= 128 && !text.chars().any(char::is_control))
                    }
                    _ => {}
                }
            }
        }
    }
    links
}

fn assert_report_safe(diagnosis: &Diagnosis, evidence: &Evidence, visit: &Visit) {
    let report = diagnostic_report(
        diagnosis,
        evidence,
        &Environment::default(),
        visit,
        ReportContext {
            utc_time: "2025-03-01T10:20:30Z",
            checks_sent: 7,
        },
    );
    assert!(report.len() < 16 * 1024, "report of {} bytes", report.len());
    for line in report.lines() {
        assert!(
            line.bytes().all(|b| (b' '..=b'~').contains(&b)),
            "report line is not printable ASCII: {line:?}"
        );
        assert!(line.len() <= 400, "report line of {} bytes", line.len());
    }
}

fn assert_json_bounded(json: &Json, depth: u8) {
    assert!(depth <= MAX_DEPTH + 1, "JSON deeper than {MAX_DEPTH}");
    match json {
        Json::String(s) => assert!(s.len() <= MAX_STRING_BYTES),
        Json::Array(items) => {
            assert!(items.len() <= MAX_ENTRIES);
            items.iter().for_each(|i| assert_json_bounded(i, depth + 1));
        }
        Json::Object(entries) => {
            assert!(entries.len() <= MAX_ENTRIES);
            for (k, v) in entries {
                assert!(k.len() <= MAX_STRING_BYTES);
                assert_json_bounded(v, depth + 1);
            }
        }
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
}

fn json_shape(json: &Json, depth: u8, out: &mut Vec<(u8, u8)>) {
    if out.len() > 24 {
        return;
    }
    let kind = match json {
        Json::Null => 0,
        Json::Bool(_) => 1,
        Json::Number(_) => 2,
        Json::String(_) => 3,
        Json::Array(_) => 4,
        Json::Object(_) => 5,
    };
    out.push((depth.min(20), kind));
    match json {
        Json::Array(items) => items
            .iter()
            .take(3)
            .for_each(|i| json_shape(i, depth + 1, out)),
        Json::Object(entries) => entries
            .iter()
            .take(3)
            .for_each(|(_, v)| json_shape(v, depth + 1, out)),
        _ => {}
    }
}

/// What the browser does with the text: `JSON.parse`, then the bounded tree (natively: serde_json
/// into the same tree). Unparseable text means defaults (`None`).
fn parse(input: &[u8]) -> Option<Json> {
    let json: Json = serde_json::from_slice(input).ok()?;
    assert_json_bounded(&json, 0);
    Some(json)
}

// ---------------------------------------------------------------------------------------------
// The checks, one per target

fn check_json(input: &[u8]) -> u64 {
    let Some(json) = parse(input) else {
        return 1;
    };
    let mut shape = Vec::new();
    json_shape(&json, 0, &mut shape);
    // Any JSON value may arrive as config or as a status document.
    let (_, warnings) = config_from_json(&json);
    let (report, _) = parse_status_report(&json, None);
    assert_status_report(&report);
    signature((
        shape,
        warnings.len().min(8),
        report.format.map(StatusFormat::as_str),
    ))
}

fn check_config(input: &[u8]) -> u64 {
    let Some(json) = parse(input) else {
        return 1;
    };
    let (config, warnings) = config_from_json(&json);
    let b = &config.backoff;
    assert!((250..=60_000).contains(&b.initial_delay_ms), "{b:?}");
    assert!(
        b.max_delay_ms >= b.initial_delay_ms && b.max_delay_ms <= 600_000,
        "{b:?}"
    );
    assert!((10_000..=7 * 24 * 3_600_000).contains(&config.give_up_after_ms));
    assert!((1_000..=60_000).contains(&config.probe_timeout_ms));
    assert!(config.reload_spread_ms <= 600_000);
    if let Some(health) = &config.health_url {
        assert!(is_same_origin_path(health), "healthUrl {health:?}");
        assert_safe_href(health, "healthUrl");
    }
    if let Some(status) = &config.status_page {
        assert!(is_same_origin_path(&status.url) || is_https_url(&status.url));
        assert_safe_href(&status.url, "statusPage.url");
    }
    if let Some(third) = &config.third_party {
        assert!(
            browser_normalised(third).starts_with("https://"),
            "{third:?}"
        );
        assert_safe_href(third, "thirdParty");
    }
    assert!(config.alternates.len() <= 8);
    for a in &config.alternates {
        assert_safe_href(&a.url, "alternates.url");
        assert!(!a.name.is_empty());
        assert_clean_line(&a.name, 60, "alternates.name");
    }
    if let Some(email) = &config.support.email {
        assert!(is_email_address(email));
        assert_safe_href(&["mailto:", email].concat(), "support.email");
    }
    if let Some(url) = &config.support.url {
        assert_safe_href(url, "support.url");
    }
    assert!(config.support.social.len() <= 6);
    for s in &config.support.social {
        assert_safe_href(&s.url, "support.social.url");
        assert_clean_line(&s.name, 60, "support.social.name");
    }
    if let Some(name) = &config.site_name {
        assert_clean_line(name, 60, "siteName");
    }
    for (_, text) in &config.messages {
        assert!(!text.is_empty());
        assert_clean_line(text, 500, "messages");
    }
    for w in &warnings {
        let m = w.message();
        assert!(m.starts_with("gateway-doctor config: "), "{m}");
        assert!(
            m.len() <= 2 * MAX_STRING_BYTES + 300,
            "warning of {} bytes",
            m.len()
        );
    }
    assert!(
        warnings.len() <= 4 * MAX_ENTRIES,
        "{} warnings",
        warnings.len()
    );

    // What the config reaches: the visitor's steps for every verdict (with each alternate up).
    let pick = content_hash(input);
    let visit = Visit::new("shop.example", Some("0123abcd"));
    let mut links = 0;
    for verdict in Verdict::ALL {
        let mut d = Diagnosis::from_verdict(verdict);
        d.alternate_up = (!config.alternates.is_empty())
            .then(|| (pick as usize >> 16) % config.alternates.len());
        links += assert_steps_safe(&d, &config, &visit, pick);
    }
    let kinds: HashSet<_> = warnings
        .iter()
        .map(|w| {
            let key: String = w.key.chars().take(24).collect();
            (key, std::mem::discriminant(&w.problem))
        })
        .collect();
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    signature((
        kinds.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        kinds.len(),
        links.min(64),
        config.alternates.len(),
        config.support.social.len(),
        config.messages.len().min(8),
        config.health_url.is_some(),
        config.status_page.is_some(),
    ))
}

fn assert_status_report(report: &StatusReport) {
    if let Some(d) = &report.description {
        assert!(!d.is_empty());
        assert_clean_line(d, MAX_DESCRIPTION_CHARS, "description");
    }
    for entry in [&report.incident, &report.maintenance]
        .into_iter()
        .flatten()
    {
        assert!(!entry.title.is_empty());
        assert_clean_line(&entry.title, MAX_TITLE_CHARS, "title");
        for time in [&entry.started, &entry.updated].into_iter().flatten() {
            assert_clean_line(time, MAX_TIME_CHARS, "time");
        }
        if let Some(url) = &entry.url {
            assert!(is_http_url(url));
            assert_safe_href(url, "incident url");
        }
    }
}

fn check_status(input: &[u8]) -> u64 {
    let Some(json) = parse(input) else {
        return 1;
    };
    let formats = [
        None,
        Some(StatusFormat::Statuspage),
        Some(StatusFormat::Instatus),
        Some(StatusFormat::UptimeKuma),
        Some(StatusFormat::GatewayDoctor),
    ];
    let mut sig = Vec::new();
    let mut detected = None;
    for format in formats {
        let (report, warnings) = parse_status_report(&json, format);
        assert_status_report(&report);
        for w in &warnings {
            assert!(w.message().starts_with("gateway-doctor status page: "));
        }
        assert!(warnings.len() <= 16, "{} warnings", warnings.len());
        sig.push((
            report.indicator.as_str(),
            report.description.is_some(),
            report.incident.as_ref().map(|i| i.url.is_some()),
            report.maintenance.as_ref().map(|i| i.url.is_some()),
            warnings
                .iter()
                .map(|w| (w.field, w.problem as u8))
                .collect::<Vec<_>>(),
        ));
        if format.is_none() {
            detected = Some(report);
        }
    }

    // What the report reaches: the verdict, the steps (incident links) and the copied report.
    let report = detected.expect("the detected format ran");
    let config = Config::default();
    let mut evidence = Evidence::for_config(&config, true);
    evidence.page = ProbeOutcome::status(502, 30);
    evidence.gateway = ProbeOutcome::status(204, 5);
    evidence.status_page.outcome = ProbeOutcome::status(200, 80);
    evidence.status_page.report = Some(report);
    let diagnosis = diagnose(&evidence);
    if let Some(incident) = &diagnosis.incident {
        // A title, or the page's description when it reports an outage without an incident.
        let max = MAX_TITLE_CHARS.max(MAX_DESCRIPTION_CHARS);
        assert_clean_line(&incident.title, max, "diagnosis incident");
    }
    let visit = Visit::new("shop.example", Some("0123abcd"));
    assert_steps_safe(&diagnosis, &config, &visit, content_hash(input));
    assert_report_safe(&diagnosis, &evidence, &visit);
    signature((sig, diagnosis.verdict.as_str()))
}

fn lossy(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

fn check_retry_after(input: &[u8]) -> u64 {
    let value = lossy(input);
    let mut sig = Vec::new();
    for now in [0, T0, u64::MAX / 2, u64::MAX - 1_000, u64::MAX] {
        let floor = parse_retry_after(&value, now);
        if let Some(until) = floor {
            assert!(until >= now, "{value:?}: floor before now");
            assert!(
                until <= now.saturating_add(MAX_RETRY_AFTER_MS),
                "{value:?}: floor more than 24 h ahead"
            );
        }
        sig.push(floor.map(|f| f.saturating_sub(now) / 1000 == 0));
    }
    let date = parse_http_date(&value);
    // The machine applies it: from the page's own response and from a probe's answer.
    let config = Config::default();
    let cap = config.backoff.max_delay_ms;
    let mut m = Recovery::new(
        &config,
        Start {
            now_ms: T0,
            seed: content_hash(input),
            visible: true,
            online: true,
            method: OriginalMethod::Safe,
            retry_after: Some(&value),
        },
    );
    let first = m.next_deadline().expect("a waiting tab has a deadline");
    assert!(
        first > T0 && first <= T0 + MAX_RETRY_AFTER_MS + cap,
        "{value:?}"
    );
    let Some(probe) = m.handle(first, Event::Tick).probe else {
        // A floor beyond `giveUpAfterMs`: automatic checks end there; the button still checks.
        assert!(
            first >= T0 + config.give_up_after_ms,
            "{value:?}: no probe when due"
        );
        assert_eq!(m.next_deadline(), None);
        return signature((sig, date.is_some(), "gave up"));
    };
    let _ = m.handle(
        first + 20,
        Event::ProbeFinished {
            id: probe.id,
            result: ProbeResult::Answered {
                status: 503,
                retry_after: Some(&value),
                our_error_page: true,
            },
        },
    );
    let next = m.next_deadline().expect("still waiting");
    let now = first + 20;
    assert!(
        next > now && next <= now + MAX_RETRY_AFTER_MS + cap,
        "{value:?}"
    );
    signature((sig, date.is_some(), value.len().min(40) / 8))
}

fn check_request_line(input: &[u8]) -> u64 {
    let line = lossy(input);
    let method = OriginalMethod::from_request_line(&line);
    let first = line.trim_start().split(' ').next().unwrap_or("");
    if method.allows_auto_reload() {
        assert!(
            first == "GET" || first == "HEAD",
            "{line:?} counted as safe"
        );
    }
    if first == "GET" || first == "HEAD" {
        assert_eq!(method, OriginalMethod::Safe, "{line:?}");
    }
    signature((method as u8, first.len().min(10)))
}

fn check_url(input: &[u8]) -> u64 {
    let text = lossy(input);
    let http = is_http_url(&text);
    let https = is_https_url(&text);
    if http {
        assert_safe_href(&text, "is_http_url");
        assert!(text.len() <= MAX_URL_BYTES);
        let n = browser_normalised(&text);
        assert!(
            n.starts_with("http://") || n.starts_with("https://"),
            "{text:?}"
        );
    }
    if https {
        assert!(
            http && text[..8].eq_ignore_ascii_case("https://"),
            "{text:?}"
        );
    }
    let kept = http_url_or_none(&text);
    if let Some(url) = &kept {
        assert_eq!(url.as_str(), text.trim());
        assert_safe_href(url, "http_url_or_none");
    }
    let email = is_email_address(&text);
    if email {
        assert_safe_href(&["mailto:", &text].concat(), "is_email_address");
    }
    let path = is_same_origin_path(&text);
    if path {
        assert_safe_href(&text, "is_same_origin_path");
    }
    // Percent-encoding keeps only unreserved characters and escapes, and round-trips.
    let mut encoded = String::new();
    push_percent_encoded(&mut encoded, &text);
    assert!(encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    assert_eq!(percent_decode(&encoded), text.as_bytes());
    // A host name from the address bar: only plain host characters reach the links.
    let visit = Visit::new(&text, Some(&text));
    assert!(visit
        .host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'));
    if let Some(id) = &visit.request_id {
        assert!(id.len() <= 128 && !id.chars().any(|c| c.is_control() || c == '<'));
    }
    signature((
        http,
        https,
        kept.is_some(),
        email,
        path,
        visit.host.is_empty(),
    ))
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn check_user_agent(input: &[u8]) -> u64 {
    let ua = lossy(input);
    let (platform, touch) = match ua.split_once('\u{1}') {
        Some((ua_part, platform)) => (platform.to_owned(), ua_part.len() as u32 % 6),
        None => (String::new(), 0),
    };
    let env = Environment::detect(&ua, &platform, touch);
    let also = Environment::detect(&ua, "", u32::MAX);
    signature((env.os.as_str(), env.browser.as_str(), also.os.as_str()))
}

// ---------------------------------------------------------------------------------------------
// Mutation

/// SplitMix64: small, seeded, good enough to choose mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Strings that have broken parsers and pages before: scripts, schemes, controls, bidi
/// overrides, look-alike separators, huge numbers, SSI leftovers.
const HOSTILE: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\u{0}javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "blob:https://evil.example/x",
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "https://",
    "https://evil.example\\@good.example/",
    "https://good.example@evil.example/",
    "https://evil.example/\"><script>alert(1)</script>",
    "https://evil.example/' onmouseover='alert(1)",
    "http://[::1]:80/",
    "https://xn--80ak6aa92e.com/",
    "mailto:a@b.example?cc=victim@c.example",
    "a@b.example\r\nBcc: x@y.example",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<!--# exec cmd=\"id\" -->",
    "<!--# echo var=\"request\" -->",
    "{}",
    "\u{202E}gnp.exe",
    "\u{2066}\u{2069}\u{200E}\u{200F}",
    "\u{FEFF}\u{00A0}\u{2028}\u{2029}\u{0085}",
    "\u{7}\u{8}\u{1B}[31m",
    "\u{FFFD}\u{10FFFF}",
    "e\u{301}\u{301}\u{301}\u{301}",
    "👩‍👩‍👧‍👦",
    "{}{}",
    "%00%0a%0d",
    "GET",
    "HEAD",
    "POST",
    "18446744073709551616",
    "99999999999999999999999",
    "-1",
    "1e309",
    "Sun, 06 Nov 18446744073709551615 08:49:37 GMT",
    "Sun, 06 Nov 99999 23:59:60 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "",
    " ",
];

const JSON_NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    -1.0,
    0.5,
    1.0,
    249.0,
    250.0,
    999.0,
    1000.0,
    4000.0,
    10_000.0,
    60_000.0,
    600_000.0,
    600_001.0,
    604_800_000.0,
    9_007_199_254_740_993.0,
    1.8e19,
    1e300,
    -1e300,
    f64::MIN_POSITIVE,
];

#[derive(Default)]
struct Dictionary {
    keys: Vec<String>,
    strings: Vec<String>,
    tokens: Vec<Vec<u8>>,
}

impl Dictionary {
    fn new(target: Target, seeds: &[Vec<u8>]) -> Dictionary {
        let mut keys = HashSet::new();
        let mut strings = HashSet::new();
        for seed in seeds {
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(seed) {
                collect_words(&v, &mut keys, &mut strings);
            }
        }
        let mut keys: Vec<String> = keys.into_iter().collect();
        keys.sort();
        let mut strings: Vec<String> = strings.into_iter().filter(|s| s.len() < 200).collect();
        strings.sort();
        strings.extend(HOSTILE.iter().map(|s| s.to_string()));
        let mut tokens: Vec<Vec<u8>> = HOSTILE.iter().map(|s| s.as_bytes().to_vec()).collect();
        let structural: &[&str] = if target.is_json() {
            &[
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
                "\"",
                "\\u0000",
                "\\ud800",
                "\\u202e",
                "null",
                "true",
                "1e999",
                "-0",
                "[[[[[[[[[[[[[[[[[[[[",
            ]
        } else {
            &[
                " ",
                "  ",
                ",",
                "-",
                ":",
                "/",
                "?",
                "#",
                "@",
                "%",
                "\\",
                "GMT",
                "Nov",
                "Sun,",
                "HTTP/1.1",
                "https://",
                "http://",
                "mailto:",
                "Chrome/",
                "Safari/",
                "Mobile",
                "iPhone",
                "Android",
                "Windows NT",
                "Mac OS X",
                "Firefox/",
                "Edg/",
            ]
        };
        tokens.extend(structural.iter().map(|s| s.as_bytes().to_vec()));
        tokens.extend(keys.iter().map(|k| k.as_bytes().to_vec()));
        Dictionary {
            keys,
            strings,
            tokens,
        }
    }
}

fn collect_words(v: &serde_json::Value, keys: &mut HashSet<String>, strings: &mut HashSet<String>) {
    match v {
        serde_json::Value::String(s) => {
            strings.insert(s.clone());
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|i| collect_words(i, keys, strings))
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                keys.insert(k.clone());
                collect_words(v, keys, strings);
            }
        }
        _ => {}
    }
}

fn mutate_bytes(rng: &mut Rng, input: &[u8], pool: &[Vec<u8>], dict: &Dictionary) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = *rng.pick(&[0, b' ', b'"', b'\\', b'{', b'[', 0x7f, 0xff, b'9', b'\n']);
            }
            2 => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(16)).min(len);
                data.drain(start..end);
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let chunk = data[start..end].to_vec();
                let at = rng.below(len + 1);
                let most = if rng.chance(8) { 200 } else { 3 };
                for _ in 0..1 + rng.below(most) {
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            5 | 6 => {
                let token = rng.pick(&dict.tokens).clone();
                let at = rng.below(len + 1);
                if rng.chance(2) && len > 0 {
                    let end = (at + token.len()).min(len);
                    data.splice(at..end, token);
                } else {
                    data.splice(at..at, token);
                }
            }
            7 if !pool.is_empty() => {
                // Splice: the head of this input and the tail of another.
                let other = rng.pick(pool);
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            8 if len > 1 => data.truncate(rng.below(len)),
            _ => {
                let i = rng.below(len + 1);
                let digits = rng.next().to_string();
                data.splice(i..i, digits.bytes());
            }
        }
    }
    data.truncate(MAX_INPUT_BYTES);
    data
}

/// A random node of `v`, chosen by walking down from the root.
fn random_node<'a>(rng: &mut Rng, v: &'a mut serde_json::Value) -> &'a mut serde_json::Value {
    let descend = match v {
        serde_json::Value::Array(items) => !items.is_empty() && !rng.chance(3),
        serde_json::Value::Object(map) => !map.is_empty() && !rng.chance(3),
        _ => false,
    };
    if !descend {
        return v;
    }
    match v {
        serde_json::Value::Array(items) => {
            let i = rng.below(items.len());
            random_node(rng, &mut items[i])
        }
        serde_json::Value::Object(map) => {
            let i = rng.below(map.len());
            let key = map.keys().nth(i).cloned().unwrap();
            random_node(rng, map.get_mut(&key).unwrap())
        }
        _ => unreachable!(),
    }
}

fn random_scalar(rng: &mut Rng, dict: &Dictionary) -> serde_json::Value {
    use serde_json::Value;
    match rng.below(6) {
        0 | 1 => Value::String(rng.pick(&dict.strings).clone()),
        2 => serde_json::Number::from_f64(*rng.pick(JSON_NUMBERS))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        3 => Value::Bool(rng.chance(2)),
        4 => Value::Null,
        _ => {
            let s = rng.pick(&dict.strings).clone();
            let hostile = rng.pick(HOSTILE);
            Value::String(match rng.below(4) {
                0 => [hostile, s.as_str()].concat(),
                1 => [s.as_str(), hostile].concat(),
                2 => s.repeat(1 + rng.below(5000 / (s.len() + 1) + 1)),
                _ => {
                    let mut chars: Vec<char> = s.chars().collect();
                    let at = rng.below(chars.len() + 1);
                    chars.insert(at, *rng.pick(&['\u{0}', '\n', '\u{202E}', '\u{85}', '\t']));
                    chars.into_iter().collect()
                }
            })
        }
    }
}

fn mutate_json(
    rng: &mut Rng,
    input: &[u8],
    pool: &[Vec<u8>],
    dict: &Dictionary,
) -> Option<Vec<u8>> {
    use serde_json::Value;
    let mut root: Value = serde_json::from_slice(input).ok()?;
    for _ in 0..1 + rng.below(3) {
        let donor = if rng.chance(4) && !pool.is_empty() {
            serde_json::from_slice::<Value>(&rng.pick(pool)[..]).ok()
        } else {
            None
        };
        let node = random_node(rng, &mut root);
        match rng.below(11) {
            0 | 1 => *node = random_scalar(rng, dict),
            2 => {
                *node = if rng.chance(2) {
                    Value::Array(vec![])
                } else {
                    Value::Object(Default::default())
                }
            }
            3 => {
                let inner = node.take();
                *node = if rng.chance(2) {
                    Value::Array(vec![inner])
                } else {
                    let mut map = serde_json::Map::new();
                    map.insert(rng.pick(&dict.keys).clone(), inner);
                    Value::Object(map)
                };
            }
            4 | 5 => {
                if let Value::Object(map) = node {
                    let key = if rng.chance(8) {
                        rng.pick(&dict.strings).clone()
                    } else {
                        rng.pick(&dict.keys).clone()
                    };
                    let value = random_scalar(rng, dict);
                    map.insert(key, value);
                } else {
                    *node = random_scalar(rng, dict);
                }
            }
            6 => match node {
                Value::Object(map) if !map.is_empty() => {
                    let i = rng.below(map.len());
                    let key = map.keys().nth(i).cloned().unwrap();
                    let value = map.remove(&key).unwrap();
                    if rng.chance(2) {
                        map.insert(rng.pick(&dict.keys).clone(), value);
                    }
                }
                Value::Array(items) if !items.is_empty() => {
                    let i = rng.below(items.len());
                    items.remove(i);
                }
                _ => *node = Value::Null,
            },
            7 => {
                // Many copies: the entry caps and the item limits.
                let copies = *rng.pick(&[2, 9, 65, 513, 1100]);
                let unit = match &*node {
                    Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
                    other => other.clone(),
                };
                // Within the input size limit: serialising megabytes only to cut them is slow.
                let size = serde_json::to_vec(&unit).map_or(1, |b| b.len() + 1);
                let copies = copies.min(MAX_INPUT_BYTES / size).max(1);
                match node {
                    Value::Array(items) => items.extend(std::iter::repeat(unit).take(copies)),
                    _ => *node = Value::Array(vec![unit; copies]),
                }
            }
            8 => {
                // Deep nesting: the depth cap.
                let mut inner = node.take();
                for _ in 0..*rng.pick(&[15, 16, 17, 40, 200]) {
                    inner = if rng.chance(2) {
                        Value::Array(vec![inner])
                    } else {
                        let mut map = serde_json::Map::new();
                        map.insert(rng.pick(&dict.keys).clone(), inner);
                        Value::Object(map)
                    };
                }
                *node = inner;
            }
            9 if donor.is_some() => {
                let mut donor = donor.unwrap();
                *node = random_node(rng, &mut donor).take();
            }
            _ => {
                if let Value::String(s) = node {
                    let hostile: &&str = rng.pick(HOSTILE);
                    s.push_str(hostile);
                } else {
                    *node = random_scalar(rng, dict);
                }
            }
        }
    }
    let mut out = serde_json::to_vec(&root).ok()?;
    out.truncate(MAX_INPUT_BYTES);
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// The driver

struct Stats {
    runs: u64,
    new_behaviour: u64,
    crashes: Vec<String>,
    slowest: (Duration, Vec<u8>),
}

fn load_corpus(target: Target) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the corpus is part of the repository)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seeds", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Runs one input; a panic is recorded (and the input saved), never propagated.
fn execute(target: Target, input: &[u8], stats: &mut Stats) -> Option<u64> {
    let started = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| target.run(input)));
    let mut took = started.elapsed();
    stats.runs += 1;
    if took > SLOW_LIMIT && result.is_ok() {
        // A busy machine can pause any run: only an input that is slow every time is a finding.
        for _ in 0..3 {
            let again = Instant::now();
            target.run(input);
            took = took.min(again.elapsed());
        }
    }
    if took > stats.slowest.0 {
        stats.slowest = (took, input.to_vec());
    }
    match result {
        Ok(sig) => Some(sig),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let path = corpus_dir(target).join(format!(
                "crash-{:016x}.{}",
                content_hash(input),
                target.extension()
            ));
            if !path.exists() {
                let _ = std::fs::write(&path, input);
            }
            stats.crashes.push(format!(
                "{}: {message} (input saved to {})",
                target.name(),
                path.display()
            ));
            None
        }
    }
}

fn fuzz_target(target: Target, rng: &mut Rng, budget: Budget, grow: bool) -> Stats {
    let mut stats = Stats {
        runs: 0,
        new_behaviour: 0,
        crashes: Vec::new(),
        slowest: (Duration::ZERO, Vec::new()),
    };
    let corpus = load_corpus(target);
    let seeds: Vec<Vec<u8>> = corpus.iter().map(|(_, b)| b.clone()).collect();
    let dict = Dictionary::new(target, &seeds);
    let mut seen = HashMap::new();
    let mut pool = Vec::new();
    // Every kept input first: the corpus doubles as a regression suite.
    for (path, bytes) in &corpus {
        if let Some(sig) = execute(target, bytes, &mut stats) {
            seen.entry(sig).or_insert_with(|| path.clone());
            pool.push(bytes.clone());
        }
    }
    let started = Instant::now();
    let mut runs = 0u32;
    while match budget {
        Budget::Runs(n) => runs < n,
        Budget::Time(t) => started.elapsed() < t,
    } && stats.crashes.len() < 10
    {
        runs += 1;
        let parent = rng.pick(&pool).clone();
        let child = if target.is_json() && !rng.chance(3) {
            mutate_json(rng, &parent, &pool, &dict)
                .unwrap_or_else(|| mutate_bytes(rng, &parent, &pool, &dict))
        } else {
            mutate_bytes(rng, &parent, &pool, &dict)
        };
        let Some(sig) = execute(target, &child, &mut stats) else {
            continue;
        };
        // Huge inputs are run (they test the caps) but not bred: they would slow every
        // descendant down without reaching more code.
        if child.len() > MAX_KEPT_BYTES {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(sig) {
            stats.new_behaviour += 1;
            let path = corpus_dir(target).join(format!(
                "new-{:016x}.{}",
                content_hash(&child),
                target.extension()
            ));
            if grow {
                let _ = std::fs::write(&path, &child);
            }
            slot.insert(path);
            if pool.len() < MAX_POOL {
                pool.push(child);
            } else {
                let i = rng.below(pool.len());
                pool[i] = child;
            }
        }
    }
    stats
}

#[derive(Clone, Copy)]
enum Budget {
    Runs(u32),
    Time(Duration),
}

#[test]
fn fuzz_every_parser() {
    let seconds: Option<f64> = std::env::var("GD_FUZZ_SECONDS")
        .ok()
        .map(|s| s.parse().expect("GD_FUZZ_SECONDS is a number of seconds"));
    let seed: u64 = match std::env::var("GD_FUZZ_SEED") {
        Ok(s) => s.parse().expect("GD_FUZZ_SEED is a number"),
        // The default run is the same every time; a timed run explores.
        Err(_) if seconds.is_none() => 502,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    };
    let only: Option<Vec<String>> = std::env::var("GD_FUZZ_TARGETS")
        .ok()
        .map(|s| s.split(',').map(|t| t.trim().to_owned()).collect());
    let targets: Vec<Target> = Target::ALL
        .into_iter()
        .filter(|t| {
            only.as_ref()
                .map_or(true, |o| o.iter().any(|n| n == t.name()))
        })
        .collect();
    assert!(!targets.is_empty(), "GD_FUZZ_TARGETS names no target");
    let grow = std::env::var("GD_FUZZ_GROW").is_ok_and(|v| v == "1");
    let total_weight: f64 = targets.iter().map(|t| t.weight()).sum();
    eprintln!("fuzz: seed {seed} (replay with GD_FUZZ_SEED={seed})");
    let mut crashes = Vec::new();
    let mut slow = Vec::new();
    for target in targets {
        let mut rng = Rng(seed ^ content_hash(target.name().as_bytes()));
        let budget = match seconds {
            Some(s) => Budget::Time(Duration::from_secs_f64(s * target.weight() / total_weight)),
            None => Budget::Runs(DEFAULT_RUNS),
        };
        let stats = fuzz_target(target, &mut rng, budget, grow);
        eprintln!(
            "fuzz: {:<12} {:>8} runs, {:>4} new behaviours, slowest {:.1} ms, {} crashes",
            target.name(),
            stats.runs,
            stats.new_behaviour,
            stats.slowest.0.as_secs_f64() * 1000.0,
            stats.crashes.len()
        );
        if stats.slowest.0 > SLOW_LIMIT {
            slow.push(format!(
                "{}: one input took {:?} ({} bytes)",
                target.name(),
                stats.slowest.0,
                stats.slowest.1.len()
            ));
        }
        crashes.extend(stats.crashes);
    }
    assert!(
        crashes.is_empty(),
        "fuzzing found panics:\n{}",
        crashes.join("\n")
    );
    assert!(
        slow.is_empty(),
        "fuzzing found slow inputs:\n{}",
        slow.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Property tests over generated (not mutated) input, with proptest as in recovery_properties.rs.

/// Keys the config knows, so generated objects reach the validators instead of "unknown key".
const CONFIG_KEYS: &[&str] = &[
    "retry",
    "initialDelayMs",
    "maxDelayMs",
    "jitter",
    "giveUpAfterMs",
    "probeTimeoutMs",
    "healthUrl",
    "reloadSpreadMs",
    "reloadRatePerSecond",
    "locale",
    "statusPage",
    "url",
    "format",
    "alternates",
    "name",
    "kind",
    "thirdParty",
    "support",
    "email",
    "social",
    "operator",
    "enabled",
    "brand",
    "logo",
    "accent",
    "accentDark",
    "server",
    "upstream",
    "hosting",
    "siteName",
    "messages",
    "step-wait-title",
    "countdown-seconds",
];

fn json_strategy() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        proptest::sample::select(HOSTILE).prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        "(https?|javascript|data|mailto):[ -~]{0,30}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        3 => proptest::sample::select(CONFIG_KEYS).prop_map(str::to_owned),
                        1 => ".{0,12}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Generated trees under a config-shaped root: every guarantee of the config target holds.
    #[test]
    fn generated_configs_keep_every_guarantee(tree in json_strategy(), key in proptest::sample::select(CONFIG_KEYS)) {
        let mut root = serde_json::Map::new();
        root.insert(key.to_owned(), tree.clone());
        root.insert("support".to_owned(), serde_json::json!({ "social": [tree.clone()], "url": tree }));
        let text = serde_json::to_vec(&serde_json::Value::Object(root)).unwrap();
        check_config(&text);
        check_status(&text);
    }

    /// Arbitrary strings: the URL, e-mail, path, request-line and Retry-After checks.
    #[test]
    fn arbitrary_strings_keep_every_guarantee(text in "\\PC{0,80}|[ -~\t\n]{0,80}") {
        check_url(text.as_bytes());
        check_request_line(text.as_bytes());
        check_retry_after(text.as_bytes());
    }
}
