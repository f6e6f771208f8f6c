//! The "Copy diagnostic report" text.

mod diagnosis_support;

use diagnosis_support::evidence;
use gateway_doctor::logic::environment::Environment;
use gateway_doctor::logic::evidence::{Evidence, Visit};
use gateway_doctor::logic::report::{diagnostic_report, ReportContext};
use gateway_doctor::logic::verdict::diagnose;

const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

/// Builds the report for `input` and compares it line by line with `expected`.
fn check(input: (&Evidence, &Visit, &str, u32), expected: &str) {
    let (e, visit, ua, checks_sent) = input;
    let text = diagnostic_report(
        &diagnose(e),
        e,
        &Environment::detect(ua, "", 0),
        visit,
        ReportContext {
            utc_time: "2025-03-01T10:07:33.120Z",
            checks_sent,
        },
    );
    assert!(text.is_ascii(), "{text}");
    let got: Vec<&str> = text.lines().collect();
    let want: Vec<&str> = expected.trim_start_matches('\n').lines().collect();
    assert_eq!(got, want, "\n--- got ---\n{text}");
}

#[test]
fn known_incident_with_every_kind_of_probe() {
    let e = evidence(&serde_json::json!({
        "page": {"status": 502, "errorPage": true, "ms": 41},
        "gateway": {"status": 204, "ms": 9},
        "health": "timeout",
        "statusPage": {"outcome": {"status": 200, "ms": 180}, "body": {
            "status": {"indicator": "major", "description": "Partial System Outage"},
            "incidents": [{"name": "Checkout errors", "status": "identified", "started_at": "2025-03-01T09:55:00Z"}]
        }},
        "alternates": [
            {"name": "CDN logo", "kind": "cdn-asset", "outcome": {"status": null, "ms": 25}},
            {"name": "EU mirror", "kind": "mirror", "outcome": "no-answer"}
        ],
        "history": [{"page": {"status": 502, "errorPage": true}}, {"health": "timeout"}]
    }));
    let visit = Visit::new("shop.example.com", Some("7f3a9c2e5b1d4e60"));
    check(
        (&e, &visit, CHROME_WINDOWS, 7),
        r#"
gateway-doctor diagnostic report
Request ID: 7f3a9c2e5b1d4e60
Time (UTC): 2025-03-01T10:07:33.120Z
Site: shop.example.com
Verdict: known-incident
Path: you=ok network=ok gateway=ok application=degraded
Evidence: page-error-page 502, status-page-major, status-page-incident
Checks:
  page: HTTP 502, our error page in 41 ms
  gateway self-check: HTTP 204 in 9 ms
  health endpoint: timed out after 8000 ms
  status page: HTTP 200 in 180 ms
    reports: major, "Checkout errors" since 2025-03-01T09:55:00Z
  alternate #1 "CDN logo" (cdn-asset): reachable (status hidden) in 25 ms
  alternate #2 "EU mirror" (mirror): no answer after 12 ms
  third party: not checked
  earlier checks (oldest first): 502* timeout
Browser online: yes
Browser: chrome on windows
Checks sent by this page: 7
"#,
    );
}

#[test]
fn outside_text_is_cut_and_kept_ascii() {
    let long_name = "Zerkalo зеркало 鏡 \u{202E}\n".repeat(20);
    let e = evidence(&serde_json::json!({
        "online": false,
        "page": "no-answer",
        "alternates": [{"name": long_name, "kind": "region", "outcome": 429}]
    }));
    let visit = Visit::new("bücher.example", Some("<!--# echo var=\"request_id\" -->"));
    let text = diagnostic_report(
        &diagnose(&e),
        &e,
        &Environment::default(),
        &visit,
        ReportContext {
            utc_time: "2025-03-01T10:07:33Z\u{0}",
            checks_sent: u32::MAX,
        },
    );
    assert!(text.is_ascii(), "{text}");
    assert!(text.contains("Request ID: (none)\n"));
    assert!(text.contains("Site: (unknown)\n"));
    assert!(text.contains("Verdict: visitor-network\n"), "{text}");
    assert!(text.contains("Checks sent by this page: 4294967295\n"));
    assert!(text.contains("Browser online: no\n"));
    let alternate = text.lines().find(|l| l.contains("alternate #1")).unwrap();
    assert!(alternate.len() < 200, "{alternate}");
    assert!(
        alternate.ends_with("(region): HTTP 429 in 30 ms"),
        "{alternate}"
    );
}

#[test]
fn the_gateways_upstream_details_when_the_operator_opted_in() {
    let e = evidence(&serde_json::json!({
        "page": {"status": 502, "errorPage": true, "ms": 0},
        "gateway": {"status": 204, "ms": 3}
    }));
    let visit = Visit::new("shop.example.com", Some("abc123")).with_upstream(
        "127.0.0.1:8080",
        "502",
        "2025-03-01T10:07:30+00:00",
    );
    let text = diagnostic_report(
        &diagnose(&e),
        &e,
        &Environment::default(),
        &visit,
        ReportContext {
            utc_time: "2025-03-01T10:07:33Z",
            checks_sent: 0,
        },
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.get(4).copied(),
        Some("Upstream (from the gateway): address=127.0.0.1:8080 status=502 time=2025-03-01T10:07:30+00:00"),
        "{text}"
    );
    assert_eq!(lines.get(5).copied(), Some("Verdict: app-down"), "{text}");
    // Not opted in: no such line at all.
    let plain = Visit::new("shop.example.com", Some("abc123")).with_upstream("", "", "");
    let text = diagnostic_report(
        &diagnose(&e),
        &e,
        &Environment::default(),
        &plain,
        ReportContext {
            utc_time: "2025-03-01T10:07:33Z",
            checks_sent: 0,
        },
    );
    assert!(!text.contains("Upstream"), "{text}");
}

#[test]
fn a_cdn_fills_in_the_request_id_and_an_unfilled_placeholder_is_no_id() {
    // Cloudflare replaces `::RAY_ID::` in a custom error page with the request's Ray ID; served
    // by anything else the token stays as written and must not be shown as a reference.
    assert_eq!(
        Visit::new("shop.example.com", Some(" 8e3f0c2a9b1d4e57 "))
            .request_id
            .as_deref(),
        Some("8e3f0c2a9b1d4e57")
    );
    for unfilled in ["::RAY_ID::", "::CLIENT_IP::", "::"] {
        assert_eq!(
            Visit::new("shop.example.com", Some(unfilled)).request_id,
            None,
            "{unfilled}"
        );
    }
    // Colons inside an id are fine (a gateway's own format).
    assert_eq!(
        Visit::new("shop.example.com", Some("edge:fra:42"))
            .request_id
            .as_deref(),
        Some("edge:fra:42")
    );
}
