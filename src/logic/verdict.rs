//! Evidence → what is broken, and where.
//!
//! [`diagnose`] first marks each hop of the path You → Network → Gateway → Application from
//! measurements only, then picks the verdict with the first matching rule below. A status code is
//! never enough on its own: "the gateway is alive" needs the gateway's self-check, our own error
//! page coming back with a 5xx (only the gateway serves it), or the application answering through
//! it.
//!
//! ## Hop marks
//!
//! | hop | ok | failed | degraded | otherwise |
//! |---|---|---|---|---|
//! | You | any endpoint gave an HTTP answer | offline, or nothing answered and another origin was probed | — | unknown |
//! | Network | a same-origin request got an HTTP answer | no same-origin answer while another origin answered, and none earlier in this visit | — | unknown |
//! | Gateway | self-check 2xx, our page with a 5xx, or the application answered | self-check 5xx from something in front; self-check silent while the origin answers or answered earlier | alive, but the self-check timed out | unknown |
//! | Application | the page answered (not 5xx, 403, 408, 425, 429, 451, nor our page), or health 2xx (also when the site came back, below) | gateway alive and page or health 5xx | health ok but page failing; gateway alive and a timeout, a 504, or successes earlier in this visit | unknown |
//!
//! The site *came back* when the health endpoint answers 2xx now, this visit's earlier checks
//! failed, and none of them succeeded before the last failure: failures, then only successes. The
//! page's failure is then the old news the visitor arrived with, not a sign of overload. A success
//! before a failure (up, down, up again: flapping) is not a comeback; nor is a slow health check
//! now.
//!
//! ## Verdict (first match wins)
//!
//! | # | verdict | when |
//! |---|---|---|
//! | 1 | `visitor-offline` | You failed |
//! | 2 | `recovered` | the page itself answered as the application, or the site came back (health) |
//! | 3 | `blocked` | page or health answered 403, 429 or 451 (a rule on the self-check path alone does not block the visitor) |
//! | 4 | `known-incident` | the status page lists an open incident, or says major or critical |
//! | 5 | `maintenance` | the status page says maintenance, or page or health answered 503 with `Retry-After` |
//! | 6 | `visitor-network` | Network failed |
//! | 7 | `gateway-down` | Gateway failed |
//! | 8 | `app-overloaded` | Application degraded |
//! | 9 | `app-down` | Application failed |
//! | 10 | `unknown` | nothing above |
//!
//! A status page incident outranks the visitor's network: when the operator says the site has a
//! problem, that is the likelier explanation. The visitor's connection outranks everything else,
//! because without it no other measurement means anything.

use super::config::AlternateKind;
use super::evidence::{Evidence, PastTarget, ProbeOutcome};
use super::messages::Message;
use super::status_page::{Incident, Indicator};
use crate::prelude::*;

/// The stable verdict ids (`data-verdict`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    VisitorOffline,
    VisitorNetwork,
    GatewayDown,
    AppDown,
    AppOverloaded,
    Maintenance,
    KnownIncident,
    Blocked,
    Recovered,
    Unknown,
}

impl Verdict {
    pub const ALL: [Verdict; 10] = [
        Verdict::VisitorOffline,
        Verdict::VisitorNetwork,
        Verdict::GatewayDown,
        Verdict::AppDown,
        Verdict::AppOverloaded,
        Verdict::Maintenance,
        Verdict::KnownIncident,
        Verdict::Blocked,
        Verdict::Recovered,
        Verdict::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::VisitorOffline => "visitor-offline",
            Verdict::VisitorNetwork => "visitor-network",
            Verdict::GatewayDown => "gateway-down",
            Verdict::AppDown => "app-down",
            Verdict::AppOverloaded => "app-overloaded",
            Verdict::Maintenance => "maintenance",
            Verdict::KnownIncident => "known-incident",
            Verdict::Blocked => "blocked",
            Verdict::Recovered => "recovered",
            Verdict::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == name)
    }

    /// The headline shown for this verdict.
    pub fn title(self) -> Message {
        match self {
            Verdict::VisitorOffline => Message::VerdictVisitorOfflineTitle,
            Verdict::VisitorNetwork => Message::VerdictVisitorNetworkTitle,
            Verdict::GatewayDown => Message::VerdictGatewayDownTitle,
            Verdict::AppDown => Message::VerdictAppDownTitle,
            Verdict::AppOverloaded => Message::VerdictAppOverloadedTitle,
            Verdict::Maintenance => Message::VerdictMaintenanceTitle,
            Verdict::KnownIncident => Message::VerdictKnownIncidentTitle,
            Verdict::Blocked => Message::VerdictBlockedTitle,
            Verdict::Recovered => Message::VerdictRecoveredTitle,
            Verdict::Unknown => Message::VerdictUnknownTitle,
        }
    }

    /// One or two sentences under the headline.
    pub fn explanation(self) -> Message {
        match self {
            Verdict::VisitorOffline => Message::VerdictVisitorOfflineDetail,
            Verdict::VisitorNetwork => Message::VerdictVisitorNetworkDetail,
            Verdict::GatewayDown => Message::VerdictGatewayDownDetail,
            Verdict::AppDown => Message::VerdictAppDownDetail,
            Verdict::AppOverloaded => Message::VerdictAppOverloadedDetail,
            Verdict::Maintenance => Message::VerdictMaintenanceDetail,
            Verdict::KnownIncident => Message::VerdictKnownIncidentDetail,
            Verdict::Blocked => Message::VerdictBlockedDetail,
            Verdict::Recovered => Message::VerdictRecoveredDetail,
            Verdict::Unknown => Message::VerdictUnknownDetail,
        }
    }

    /// The cause is on the visitor's side (their link, their network, or a rule about them).
    pub fn is_visitor_side(self) -> bool {
        matches!(
            self,
            Verdict::VisitorOffline | Verdict::VisitorNetwork | Verdict::Blocked
        )
    }
}

/// The hops of the diagram (`data-hop`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    You,
    Network,
    Gateway,
    Application,
}

impl Hop {
    pub const ALL: [Hop; 4] = [Hop::You, Hop::Network, Hop::Gateway, Hop::Application];

    pub fn as_str(self) -> &'static str {
        match self {
            Hop::You => "you",
            Hop::Network => "network",
            Hop::Gateway => "gateway",
            Hop::Application => "application",
        }
    }

    pub fn label(self) -> Message {
        match self {
            Hop::You => Message::HopYou,
            Hop::Network => Message::HopNetwork,
            Hop::Gateway => Message::HopGateway,
            Hop::Application => Message::HopApplication,
        }
    }
}

/// A hop's mark (`data-result`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HopResult {
    Ok,
    Failed,
    Degraded,
    /// Down on purpose: the application (or the status page) says it is under maintenance.
    Maintenance,
    #[default]
    Unknown,
}

impl HopResult {
    pub fn as_str(self) -> &'static str {
        match self {
            HopResult::Ok => "ok",
            HopResult::Failed => "failed",
            HopResult::Degraded => "degraded",
            HopResult::Maintenance => "maintenance",
            HopResult::Unknown => "unknown",
        }
    }

    pub fn label(self) -> Message {
        match self {
            HopResult::Ok => Message::HopOk,
            HopResult::Failed => Message::HopFailed,
            HopResult::Degraded => Message::HopDegraded,
            HopResult::Maintenance => Message::HopMaintenance,
            HopResult::Unknown => Message::HopUnknown,
        }
    }

    pub fn from_name(name: &str) -> Option<HopResult> {
        [
            HopResult::Ok,
            HopResult::Failed,
            HopResult::Degraded,
            HopResult::Maintenance,
            HopResult::Unknown,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HopMark {
    pub hop: Hop,
    pub result: HopResult,
}

/// Which measurement a [`Reason`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Browser,
    Page,
    Gateway,
    Health,
    StatusPage,
    /// Index into the configured alternates.
    Alternate(u8),
    ThirdParty,
    History,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Browser => "browser",
            Source::Page => "page",
            Source::Gateway => "gateway",
            Source::Health => "health",
            Source::StatusPage => "status-page",
            Source::Alternate(_) => "alternate",
            Source::ThirdParty => "third-party",
            Source::History => "history",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Source::Browser => 1,
            Source::Page => 2,
            Source::Gateway => 4,
            Source::Health => 8,
            Source::StatusPage => 16,
            Source::Alternate(_) => 32,
            Source::ThirdParty => 64,
            Source::History => 128,
        }
    }
}

/// What was observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    Offline,
    /// An HTTP answer; `None` when opaque (reachable, status hidden).
    Answered(Option<u16>),
    /// Our own error page came back with this (5xx) status: the gateway served it.
    ErrorPage(u16),
    /// Our own error page came back with a non-error status: a cache kept it.
    CachedErrorPage(u16),
    RetryAfter,
    TimedOut,
    NoAnswer,
    /// The gateway's self-check answered 2xx.
    Alive,
    Indicator(Indicator),
    Incident,
    Maintenance,
    /// A same-origin request got an HTTP answer earlier in this visit.
    AnsweredEarlier,
    /// Earlier in this visit the application answered, now it does not.
    Intermittent,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Offline => "offline",
            Finding::Answered(Some(_)) => "answered",
            Finding::Answered(None) => "reachable",
            Finding::ErrorPage(_) => "error-page",
            Finding::CachedErrorPage(_) => "cached-error-page",
            Finding::RetryAfter => "retry-after",
            Finding::TimedOut => "timed-out",
            Finding::NoAnswer => "no-answer",
            Finding::Alive => "alive",
            Finding::Indicator(i) => i.as_str(),
            Finding::Incident => "incident",
            Finding::Maintenance => "maintenance-ongoing",
            Finding::AnsweredEarlier => "answered-earlier",
            Finding::Intermittent => "intermittent",
        }
    }

    /// The HTTP status this finding is about, if any.
    pub fn status(self) -> Option<u16> {
        match self {
            Finding::Answered(status) => status,
            Finding::ErrorPage(s) | Finding::CachedErrorPage(s) => Some(s),
            _ => None,
        }
    }
}

/// One piece of evidence behind the verdict, e.g. `page` + `error-page` (502).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reason {
    pub source: Source,
    pub finding: Finding,
}

impl Reason {
    /// `source-finding`, e.g. `gateway-alive`, `page-error-page`, `status-page-incident`.
    pub fn id(self) -> String {
        let mut id = String::from(self.source.as_str());
        id.push('-');
        id.push_str(self.finding.as_str());
        id
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnosis {
    pub verdict: Verdict,
    /// You, Network, Gateway, Application, in this order.
    pub hops: [HopMark; 4],
    /// The evidence behind the verdict, in a fixed order (browser, page, gateway, health, status
    /// page, alternates, third party, history).
    pub reasons: Vec<Reason>,
    /// The status page's incident (for `known-incident`) or maintenance (for `maintenance`), to
    /// show with its title, time and link.
    pub incident: Option<Incident>,
    /// The first configured mirror or region that answered (index into the config's
    /// alternates): where the visitor can continue.
    pub alternate_up: Option<usize>,
}

impl Diagnosis {
    pub fn hop(&self, hop: Hop) -> HopResult {
        self.hops
            .iter()
            .find(|m| m.hop == hop)
            .map_or(HopResult::Unknown, |m| m.result)
    }

    /// The status the page probe answered with, if it answered visibly (e.g. to tell a rate
    /// limit, 429, from a refusal, 403).
    pub fn page_status(&self) -> Option<u16> {
        self.reasons
            .iter()
            .find(|r| r.source == Source::Page)
            .and_then(|r| r.finding.status())
    }

    /// A diagnosis made of a verdict alone (hops unknown), for callers that know the verdict
    /// already, such as tests of the steps.
    pub fn from_verdict(verdict: Verdict) -> Diagnosis {
        Diagnosis {
            verdict,
            hops: Hop::ALL.map(|hop| HopMark {
                hop,
                result: HopResult::Unknown,
            }),
            reasons: Vec::new(),
            incident: None,
            alternate_up: None,
        }
    }
}

/// Statuses that mean a rule about this visitor (a WAF, an IP block, a rate limit, a legal block).
pub fn is_blocking_status(status: u16) -> bool {
    matches!(status, 403 | 429 | 451)
}

/// The page answered as the application: not an error (5xx), not "come back later" (408, 425,
/// 429), not a block (403, 451), and not our own error page. A 404 or a redirect counts: the
/// application is talking.
fn page_answered_as_app(outcome: &ProbeOutcome) -> bool {
    match outcome.answer() {
        Some(a) if !a.our_error_page => match a.status {
            Some(s) => (200..500).contains(&s) && !matches!(s, 403 | 408 | 425 | 429 | 451),
            None => false,
        },
        _ => false,
    }
}

/// The health endpoint answered 2xx itself.
fn health_ok(outcome: &ProbeOutcome) -> bool {
    matches!(outcome.answer(), Some(a) if !a.our_error_page && matches!(a.status, Some(200..=299)))
}

/// Our own error page with a 5xx: only the gateway serves it, so the gateway is alive.
fn gateway_served_error_page(outcome: &ProbeOutcome) -> bool {
    matches!(outcome.answer(), Some(a) if a.our_error_page && matches!(a.status, Some(500..=599)))
}

/// The request reached the application and it is failing: a 5xx other than 504 (which is the
/// gateway giving up on a slow application).
fn is_down_status(outcome: &ProbeOutcome) -> bool {
    matches!(outcome.status_code(), Some(s) if (500..600).contains(&s) && s != 504)
}

fn is_slow(outcome: &ProbeOutcome) -> bool {
    matches!(outcome, ProbeOutcome::TimedOut { .. }) || outcome.status_code() == Some(504)
}

/// Everything in `evidence` that tells something about the visitor's connection to the site's
/// origin, for the hop rules.
struct Facts<'a> {
    e: &'a Evidence,
    /// Same-origin outcomes now: page, self-check, health, same-origin status page and alternates.
    same_origin: Vec<&'a ProbeOutcome>,
    /// Other origins: third party, cross-origin status page and alternates.
    independent: Vec<&'a ProbeOutcome>,
    answered_earlier: bool,
    app_answered_earlier: bool,
    /// Health 2xx now after failures only (see the module docs).
    came_back: bool,
}

impl<'a> Facts<'a> {
    fn new(e: &'a Evidence) -> Facts<'a> {
        let mut same_origin = vec![&e.page, &e.gateway, &e.health];
        let mut independent = vec![&e.third_party];
        let status = &e.status_page.outcome;
        if e.status_page.same_origin {
            same_origin.push(status);
        } else {
            independent.push(status);
        }
        for alternate in &e.alternates {
            if alternate.same_origin {
                same_origin.push(&alternate.outcome);
            } else {
                independent.push(&alternate.outcome);
            }
        }
        let history = e.history.entries();
        let succeeded = |(target, o): &(PastTarget, ProbeOutcome)| match target {
            PastTarget::Page => page_answered_as_app(o),
            PastTarget::Health => health_ok(o),
        };
        let last_failure = history.iter().rposition(|entry| !succeeded(entry));
        let came_back = health_ok(&e.health)
            && last_failure.is_some_and(|at| !history[..at].iter().any(succeeded));
        Facts {
            e,
            same_origin,
            independent,
            answered_earlier: history.iter().any(|(_, o)| o.got_answer()),
            app_answered_earlier: history.iter().any(succeeded),
            came_back,
        }
    }

    fn same_origin_answered(&self) -> bool {
        self.same_origin.iter().any(|o| o.got_answer())
    }

    fn same_origin_probed(&self) -> bool {
        self.same_origin.iter().any(|o| o.was_probed())
    }

    fn independent_answered(&self) -> bool {
        self.independent.iter().any(|o| o.got_answer())
    }

    fn independent_probed(&self) -> bool {
        self.independent.iter().any(|o| o.was_probed())
    }

    fn you(&self) -> HopResult {
        if self.same_origin_answered() || self.independent_answered() {
            HopResult::Ok
        } else if !self.e.online || self.independent_probed() {
            HopResult::Failed
        } else {
            HopResult::Unknown
        }
    }

    fn network(&self, you: HopResult) -> HopResult {
        if self.same_origin_answered() {
            HopResult::Ok
        } else if self.same_origin_probed() && you == HopResult::Ok && !self.answered_earlier {
            HopResult::Failed
        } else {
            HopResult::Unknown
        }
    }

    fn gateway(&self, you: HopResult, network: HopResult) -> HopResult {
        let e = self.e;
        let alive = matches!(e.gateway.status_code(), Some(200..=299))
            || self
                .same_origin
                .iter()
                .any(|o| gateway_served_error_page(o))
            || page_answered_as_app(&e.page)
            || health_ok(&e.health);
        if alive {
            return if matches!(e.gateway, ProbeOutcome::TimedOut { .. }) {
                HopResult::Degraded
            } else {
                HopResult::Ok
            };
        }
        let front_answered_for_it = matches!(e.gateway.status_code(), Some(500..=599));
        let silent = e.gateway.got_nothing()
            && (network == HopResult::Ok || (you == HopResult::Ok && self.answered_earlier));
        if front_answered_for_it || silent {
            HopResult::Failed
        } else {
            HopResult::Unknown
        }
    }

    fn application(&self, gateway: HopResult) -> HopResult {
        let e = self.e;
        if page_answered_as_app(&e.page) {
            return HopResult::Ok;
        }
        if health_ok(&e.health) {
            let page_failing =
                is_down_status(&e.page) || is_slow(&e.page) || gateway_served_error_page(&e.page);
            return if page_failing && !self.came_back {
                HopResult::Degraded
            } else {
                HopResult::Ok
            };
        }
        if !matches!(gateway, HopResult::Ok | HopResult::Degraded) {
            return HopResult::Unknown;
        }
        let failing_now = [&e.page, &e.health]
            .iter()
            .any(|o| is_down_status(o) || is_slow(o));
        if failing_now && self.app_answered_earlier {
            return HopResult::Degraded;
        }
        if is_slow(&e.page) || is_slow(&e.health) {
            HopResult::Degraded
        } else if is_down_status(&e.page) || is_down_status(&e.health) {
            HopResult::Failed
        } else {
            HopResult::Unknown
        }
    }
}

/// Evidence → verdict, hop marks and the reasons behind them. Pure and total: any evidence,
/// however contradictory, gives a diagnosis.
pub fn diagnose(evidence: &Evidence) -> Diagnosis {
    let facts = Facts::new(evidence);
    let you = facts.you();
    let network = facts.network(you);
    let gateway = facts.gateway(you, network);
    let application = facts.application(gateway);
    let report = evidence.status_page.report.as_ref();

    let blocked = [&evidence.page, &evidence.health]
        .iter()
        .any(|o| o.status_code().is_some_and(is_blocking_status));
    let incident = report.and_then(|r| {
        r.incident.clone().or_else(|| {
            matches!(r.indicator, Indicator::Major | Indicator::Critical).then(|| Incident {
                title: r.description.clone().unwrap_or_default(),
                ..Incident::default()
            })
        })
    });
    let maintenance_reported =
        report.filter(|r| r.maintenance.is_some() || r.indicator == Indicator::Maintenance);
    let maintenance_answer = [&evidence.page, &evidence.health]
        .iter()
        .any(|o| matches!(o.answer(), Some(a) if a.retry_after && a.status == Some(503)));

    let (verdict, sources) = if you == HopResult::Failed {
        (Verdict::VisitorOffline, ALL_BUT_HISTORY)
    } else if page_answered_as_app(&evidence.page) || facts.came_back {
        (Verdict::Recovered, PAGE | HEALTH)
    } else if blocked {
        (Verdict::Blocked, PAGE | HEALTH | GATEWAY)
    } else if incident.is_some() {
        (Verdict::KnownIncident, STATUS_PAGE | PAGE)
    } else if maintenance_reported.is_some() || maintenance_answer {
        (Verdict::Maintenance, STATUS_PAGE | PAGE | HEALTH)
    } else if network == HopResult::Failed {
        (Verdict::VisitorNetwork, ALL_BUT_HISTORY & !BROWSER)
    } else if gateway == HopResult::Failed {
        (
            Verdict::GatewayDown,
            GATEWAY | PAGE | HISTORY | ALTERNATES | THIRD_PARTY,
        )
    } else if application == HopResult::Degraded {
        (Verdict::AppOverloaded, GATEWAY | PAGE | HEALTH | HISTORY)
    } else if application == HopResult::Failed {
        (Verdict::AppDown, GATEWAY | PAGE | HEALTH)
    } else {
        (Verdict::Unknown, ALL_BUT_HISTORY | HISTORY)
    };

    // Down on purpose is not "not responding": the hop says what the verdict says.
    let application = match (verdict, application) {
        (Verdict::Maintenance, HopResult::Failed | HopResult::Unknown) => HopResult::Maintenance,
        _ => application,
    };
    let shown_incident = match verdict {
        Verdict::KnownIncident => incident,
        Verdict::Maintenance => maintenance_reported.and_then(|r| r.maintenance.clone()),
        _ => None,
    };
    let alternate_up = evidence
        .alternates
        .iter()
        .position(|a| a.kind != AlternateKind::CdnAsset && alternate_is_up(&a.outcome));
    let mut reasons = observations(&facts);
    reasons.retain(|r| sources & r.source.bit() != 0);
    Diagnosis {
        verdict,
        hops: [
            HopMark {
                hop: Hop::You,
                result: you,
            },
            HopMark {
                hop: Hop::Network,
                result: network,
            },
            HopMark {
                hop: Hop::Gateway,
                result: gateway,
            },
            HopMark {
                hop: Hop::Application,
                result: application,
            },
        ],
        reasons,
        incident: shown_incident,
        alternate_up,
    }
}

/// A mirror counts as up when it answered without an error: opaque answers count (a `no-cors`
/// probe cannot see more), 5xx and our own error page do not.
fn alternate_is_up(outcome: &ProbeOutcome) -> bool {
    match outcome.answer() {
        Some(a) => {
            !a.our_error_page
                && match a.status {
                    Some(s) => (200..400).contains(&s),
                    None => true,
                }
        }
        None => false,
    }
}

const BROWSER: u8 = 1;
const PAGE: u8 = 2;
const GATEWAY: u8 = 4;
const HEALTH: u8 = 8;
const STATUS_PAGE: u8 = 16;
const ALTERNATES: u8 = 32;
const THIRD_PARTY: u8 = 64;
const HISTORY: u8 = 128;
const ALL_BUT_HISTORY: u8 = !HISTORY;

/// Every observation, in the fixed order of [`Diagnosis::reasons`].
fn observations(facts: &Facts) -> Vec<Reason> {
    let e = facts.e;
    let mut out = Vec::new();
    let mut push = |source, finding| out.push(Reason { source, finding });
    if !e.online {
        push(Source::Browser, Finding::Offline);
    }
    for (source, outcome) in [
        (Source::Page, &e.page),
        (Source::Gateway, &e.gateway),
        (Source::Health, &e.health),
    ] {
        if let Some(finding) = probe_finding(outcome) {
            let alive =
                source == Source::Gateway && matches!(finding, Finding::Answered(Some(200..=299)));
            push(source, if alive { Finding::Alive } else { finding });
        }
        if outcome.answer().is_some_and(|a| a.retry_after) {
            push(source, Finding::RetryAfter);
        }
    }
    match &e.status_page.report {
        Some(report) => {
            push(Source::StatusPage, Finding::Indicator(report.indicator));
            if report.incident.is_some() {
                push(Source::StatusPage, Finding::Incident);
            }
            if report.maintenance.is_some() {
                push(Source::StatusPage, Finding::Maintenance);
            }
        }
        None => {
            if let Some(finding) = probe_finding(&e.status_page.outcome) {
                push(Source::StatusPage, finding);
            }
        }
    }
    for (i, alternate) in e.alternates.iter().enumerate() {
        if let Some(finding) = probe_finding(&alternate.outcome) {
            push(
                Source::Alternate(u8::try_from(i).unwrap_or(u8::MAX)),
                finding,
            );
        }
    }
    if let Some(finding) = probe_finding(&e.third_party) {
        push(Source::ThirdParty, finding);
    }
    if facts.app_answered_earlier {
        push(Source::History, Finding::Intermittent);
    } else if facts.answered_earlier {
        push(Source::History, Finding::AnsweredEarlier);
    }
    out
}

fn probe_finding(outcome: &ProbeOutcome) -> Option<Finding> {
    match *outcome {
        ProbeOutcome::NotProbed => None,
        ProbeOutcome::NoAnswer { .. } => Some(Finding::NoAnswer),
        ProbeOutcome::TimedOut { .. } => Some(Finding::TimedOut),
        ProbeOutcome::Answered(a) => Some(match a.status {
            Some(s) if a.our_error_page && (500..600).contains(&s) => Finding::ErrorPage(s),
            Some(s) if a.our_error_page => Finding::CachedErrorPage(s),
            status => Finding::Answered(status),
        }),
    }
}
