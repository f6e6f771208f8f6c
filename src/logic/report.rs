//! The "Copy diagnostic report" text: what a support person needs to find the request and see
//! what the visitor's browser measured.
//!
//! Plain ASCII in English (support reads it, and any mail client or ticket form accepts it), one
//! fact per line, built by concatenation: `format!` would pull float and padding code into the
//! wasm. Text from outside (names, titles, the request id) is cut and stripped to printable ASCII.

use super::environment::Environment;
use super::evidence::{Evidence, ProbeOutcome, Visit};
use super::text::push_decimal;
use super::verdict::{Diagnosis, Source};
use crate::prelude::*;

/// Longest piece of outside text copied into the report, in characters.
const MAX_FIELD_CHARS: usize = 120;

/// What only the shell knows when the visitor presses the button.
#[derive(Clone, Copy, Debug)]
pub struct ReportContext<'a> {
    /// The current time in UTC, e.g. `2025-03-01T10:20:30Z` (`Date.prototype.toISOString`).
    pub utc_time: &'a str,
    /// Checks this page has sent so far.
    pub checks_sent: u32,
}

pub fn diagnostic_report(
    diagnosis: &Diagnosis,
    evidence: &Evidence,
    environment: &Environment,
    visit: &Visit,
    context: ReportContext,
) -> String {
    let mut r = Report(String::with_capacity(1024));
    r.line("gateway-doctor diagnostic report");
    r.field(
        "Request ID",
        visit.request_id.as_deref().unwrap_or("(none)"),
    );
    r.field("Time (UTC)", context.utc_time);
    r.field(
        "Site",
        if visit.host.is_empty() {
            "(unknown)"
        } else {
            &visit.host
        },
    );
    if let Some(upstream) = &visit.upstream {
        // Only present when the operator opted in to show the gateway's request details.
        r.0.push_str("Upstream (from the gateway):");
        for (name, value) in [
            ("address", &upstream.address),
            ("status", &upstream.status),
            ("time", &upstream.time),
        ] {
            if !value.is_empty() {
                r.0.push(' ');
                r.0.push_str(name);
                r.0.push('=');
                r.ascii(value);
            }
        }
        r.0.push('\n');
    }
    r.field("Verdict", diagnosis.verdict.as_str());

    r.0.push_str("Path:");
    for mark in &diagnosis.hops {
        r.0.push(' ');
        r.0.push_str(mark.hop.as_str());
        r.0.push('=');
        r.0.push_str(mark.result.as_str());
    }
    r.0.push('\n');

    r.0.push_str("Evidence:");
    if diagnosis.reasons.is_empty() {
        r.0.push_str(" (none)");
    }
    for (i, reason) in diagnosis.reasons.iter().enumerate() {
        r.0.push_str(if i == 0 { " " } else { ", " });
        r.0.push_str(&reason.id());
        if let Some(status) = reason.finding.status() {
            r.0.push(' ');
            push_decimal(&mut r.0, u64::from(status));
        }
        if let Source::Alternate(index) = reason.source {
            r.0.push_str(" #");
            push_decimal(&mut r.0, u64::from(index) + 1);
        }
    }
    r.0.push('\n');

    r.line("Checks:");
    r.probe("page", &evidence.page);
    r.probe("gateway self-check", &evidence.gateway);
    r.probe("health endpoint", &evidence.health);
    r.probe("status page", &evidence.status_page.outcome);
    if let Some(report) = &evidence.status_page.report {
        r.0.push_str("    reports: ");
        r.0.push_str(report.indicator.as_str());
        if let Some(incident) = report.incident.as_ref().or(report.maintenance.as_ref()) {
            r.0.push_str(", \"");
            r.ascii(&incident.title);
            r.0.push('"');
            if let Some(started) = &incident.started {
                r.0.push_str(" since ");
                r.ascii(started);
            }
        }
        r.0.push('\n');
    }
    for (i, alternate) in evidence.alternates.iter().enumerate() {
        r.0.push_str("  alternate #");
        push_decimal(&mut r.0, i as u64 + 1);
        r.0.push_str(" \"");
        r.ascii(&alternate.name);
        r.0.push_str("\" (");
        r.0.push_str(alternate.kind.as_str());
        r.0.push_str("): ");
        r.outcome(&alternate.outcome);
    }
    r.probe("third party", &evidence.third_party);
    let earlier = evidence.history.entries();
    if !earlier.is_empty() {
        r.0.push_str("  earlier checks (oldest first):");
        for (_, outcome) in earlier {
            r.0.push(' ');
            r.0.push_str(&short_outcome(outcome));
        }
        r.0.push('\n');
    }

    r.field("Browser online", if evidence.online { "yes" } else { "no" });
    r.0.push_str("Browser: ");
    r.0.push_str(environment.browser.as_str());
    r.0.push_str(" on ");
    r.0.push_str(environment.os.as_str());
    r.0.push('\n');
    r.0.push_str("Checks sent by this page: ");
    push_decimal(&mut r.0, u64::from(context.checks_sent));
    r.0.push('\n');
    r.0
}

struct Report(String);

impl Report {
    fn line(&mut self, text: &str) {
        self.0.push_str(text);
        self.0.push('\n');
    }

    fn field(&mut self, name: &str, value: &str) {
        self.0.push_str(name);
        self.0.push_str(": ");
        self.ascii(value);
        self.0.push('\n');
    }

    /// Outside text as printable ASCII: other characters become `?`, controls a space.
    fn ascii(&mut self, text: &str) {
        for c in text.chars().take(MAX_FIELD_CHARS) {
            self.0.push(match c {
                ' '..='~' => c,
                c if c.is_control() => ' ',
                _ => '?',
            });
        }
    }

    fn probe(&mut self, name: &str, outcome: &ProbeOutcome) {
        self.0.push_str("  ");
        self.0.push_str(name);
        self.0.push_str(": ");
        self.outcome(outcome);
    }

    fn outcome(&mut self, outcome: &ProbeOutcome) {
        let out = &mut self.0;
        match *outcome {
            ProbeOutcome::NotProbed => out.push_str("not checked"),
            ProbeOutcome::NoAnswer { elapsed_ms } => {
                out.push_str("no answer after ");
                push_decimal(out, u64::from(elapsed_ms));
                out.push_str(" ms");
            }
            ProbeOutcome::TimedOut { elapsed_ms } => {
                out.push_str("timed out after ");
                push_decimal(out, u64::from(elapsed_ms));
                out.push_str(" ms");
            }
            ProbeOutcome::Answered(a) => {
                match a.status {
                    Some(status) => {
                        out.push_str("HTTP ");
                        push_decimal(out, u64::from(status));
                    }
                    None => out.push_str("reachable (status hidden)"),
                }
                if a.our_error_page {
                    out.push_str(", our error page");
                }
                if a.retry_after {
                    out.push_str(", Retry-After");
                }
                out.push_str(" in ");
                push_decimal(out, u64::from(a.elapsed_ms));
                out.push_str(" ms");
            }
        }
        out.push('\n');
    }
}

/// `502`, `502*` (our error page), `timeout`, `no-answer` or `opaque`.
fn short_outcome(outcome: &ProbeOutcome) -> String {
    let mut s = String::new();
    match outcome {
        ProbeOutcome::NotProbed => s.push('-'),
        ProbeOutcome::NoAnswer { .. } => s.push_str("no-answer"),
        ProbeOutcome::TimedOut { .. } => s.push_str("timeout"),
        ProbeOutcome::Answered(a) => {
            match a.status {
                Some(status) => push_decimal(&mut s, u64::from(status)),
                None => s.push_str("opaque"),
            }
            if a.our_error_page {
                s.push('*');
            }
        }
    }
    s
}
