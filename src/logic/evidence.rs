//! What the shell measured, as plain data: the input of [`diagnose`](super::verdict::diagnose).
//!
//! The shell sends its probes in parallel (short timeouts, `cache: no-store`) and writes each
//! outcome into an [`Evidence`] made by [`Evidence::for_config`], which already has one slot per
//! configured endpoint. Nothing here decides anything; the rules live in [`verdict`](super::verdict).

use super::config::{AlternateKind, Config};
use super::status_page::StatusReport;
use crate::prelude::*;

/// The gateway's own liveness location, answered `204` by the gateway without touching the
/// application (the shipped nginx snippet provides it).
pub const GATEWAY_SELF_CHECK_PATH: &str = "/_gateway-doctor/alive";

/// How many past outcomes [`History`] keeps: enough to see flapping, small enough to stay recent.
pub const HISTORY_LEN: usize = 12;

/// While the visitor waits, the rest of the evidence (self-check, status page, alternates, third
/// party) is measured again at most this often, so that an incident the status page opens after
/// the visitor arrived still shows up.
pub const ROUND_INTERVAL_MS: u64 = 60_000;

/// After a round in which some probe hit the deadline (a slow link, a busy device), the next one
/// comes sooner, once: a status page that was merely slow should not stay unread for a minute.
pub const ROUND_RETRY_MS: u64 = 15_000;

/// Whether a check of the page or health endpoint that just finished (`after`, the previous one
/// `before`) should trigger a new round of the other probes: when it differs in kind from a known
/// previous outcome (the gateway went silent, the status changed), or when the last round is
/// [`ROUND_INTERVAL_MS`] old — [`ROUND_RETRY_MS`] when exactly the last round timed out
/// (`timed_out_rounds` in a row, see [`Evidence::round_timed_out`]).
pub fn round_due(
    before: &ProbeOutcome,
    after: &ProbeOutcome,
    since_last_round_ms: u64,
    timed_out_rounds: u32,
) -> bool {
    let interval = if timed_out_rounds == 1 {
        ROUND_RETRY_MS
    } else {
        ROUND_INTERVAL_MS
    };
    (before.was_probed() && !before.same_kind(after)) || since_last_round_ms >= interval
}

/// How one probe ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The shell did not send this probe (not configured, or not yet run).
    #[default]
    NotProbed,
    /// Some HTTP answer arrived.
    Answered(HttpAnswer),
    /// No HTTP answer at all: refused, reset, DNS failure, TLS failure, blocked by CORS or an
    /// extension. The browser does not tell these apart.
    NoAnswer { elapsed_ms: u32 },
    /// Nothing came back within the probe timeout; the shell aborted the request.
    TimedOut { elapsed_ms: u32 },
}

/// An HTTP answer, as far as the browser lets us see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HttpAnswer {
    /// `None` for an opaque `no-cors` answer: the server answered, the browser hides the status.
    pub status: Option<u16>,
    /// The answer carried a `Retry-After` header.
    pub retry_after: bool,
    /// The answer is our own error page (its header or body marker), not the application.
    pub our_error_page: bool,
    pub elapsed_ms: u32,
}

impl ProbeOutcome {
    /// An answer with a visible status.
    pub fn status(status: u16, elapsed_ms: u32) -> ProbeOutcome {
        ProbeOutcome::Answered(HttpAnswer {
            status: Some(status),
            retry_after: false,
            our_error_page: false,
            elapsed_ms,
        })
    }

    /// An opaque `no-cors` answer: reachable, status unknown.
    pub fn opaque(elapsed_ms: u32) -> ProbeOutcome {
        ProbeOutcome::Answered(HttpAnswer {
            status: None,
            retry_after: false,
            our_error_page: false,
            elapsed_ms,
        })
    }

    pub fn answer(&self) -> Option<&HttpAnswer> {
        match self {
            ProbeOutcome::Answered(answer) => Some(answer),
            _ => None,
        }
    }

    /// Some HTTP answer arrived, whatever its status: the path to that server works.
    pub fn got_answer(&self) -> bool {
        matches!(self, ProbeOutcome::Answered(_))
    }

    /// The probe was sent and nothing HTTP came back.
    pub fn got_nothing(&self) -> bool {
        matches!(
            self,
            ProbeOutcome::NoAnswer { .. } | ProbeOutcome::TimedOut { .. }
        )
    }

    pub fn was_probed(&self) -> bool {
        *self != ProbeOutcome::NotProbed
    }

    /// The same kind of outcome, timings aside: both unsent, both silent, both timed out, or
    /// answers with the same status, error-page marker and `Retry-After`. When a new check of the
    /// page differs in kind from the last one, the rest of the evidence is worth measuring again.
    pub fn same_kind(&self, other: &ProbeOutcome) -> bool {
        match (self, other) {
            (ProbeOutcome::Answered(a), ProbeOutcome::Answered(b)) => {
                a.status == b.status
                    && a.our_error_page == b.our_error_page
                    && a.retry_after == b.retry_after
            }
            _ => core::mem::discriminant(self) == core::mem::discriminant(other),
        }
    }

    /// The gateway's answer that brought the visitor to this page, as the first piece of evidence:
    /// it served our error page with `status` (nginx SSI `$status`), with a `Retry-After` header
    /// when `retry_after`. Anything but three digits of a 5xx status (missing, an unprocessed SSI
    /// directive, junk) is no evidence at all.
    pub fn from_gateway_page(status: &str, retry_after: bool) -> ProbeOutcome {
        let digits = status.trim();
        let code = match digits.as_bytes() {
            [a @ b'5', b, c] if b.is_ascii_digit() && c.is_ascii_digit() => {
                u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
            }
            _ => return ProbeOutcome::NotProbed,
        };
        ProbeOutcome::Answered(HttpAnswer {
            status: Some(code),
            retry_after,
            our_error_page: true,
            elapsed_ms: 0,
        })
    }

    /// The visible status, if any.
    pub fn status_code(&self) -> Option<u16> {
        self.answer().and_then(|a| a.status)
    }

    /// How long the probe took, if it was sent.
    pub fn elapsed_ms(&self) -> Option<u32> {
        match *self {
            ProbeOutcome::NotProbed => None,
            ProbeOutcome::Answered(a) => Some(a.elapsed_ms),
            ProbeOutcome::NoAnswer { elapsed_ms } | ProbeOutcome::TimedOut { elapsed_ms } => {
                Some(elapsed_ms)
            }
        }
    }
}

/// The status page probe: how the fetch went and, when it returned JSON, the parsed report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusPageEvidence {
    pub outcome: ProbeOutcome,
    /// Served by the same origin as the page, so it fails together with the site and proves
    /// nothing about the visitor's internet connection.
    pub same_origin: bool,
    /// `None` when the probe failed or the answer was not JSON.
    pub report: Option<StatusReport>,
}

/// One configured alternate endpoint, in config order.
#[derive(Clone, Debug, PartialEq)]
pub struct AlternateEvidence {
    pub name: String,
    pub kind: AlternateKind,
    pub same_origin: bool,
    pub outcome: ProbeOutcome,
}

/// What a past probe of this visit was aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PastTarget {
    Page,
    Health,
}

/// Recent outcomes of this visit's page and health probes, oldest first, at most [`HISTORY_LEN`].
/// A site that answers now and then is overloaded or flapping, not down.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    entries: Vec<(PastTarget, ProbeOutcome)>,
}

impl History {
    /// Records one outcome, forgetting the oldest beyond [`HISTORY_LEN`]. Unsent probes are not
    /// history.
    pub fn push(&mut self, target: PastTarget, outcome: ProbeOutcome) {
        if !outcome.was_probed() {
            return;
        }
        if self.entries.len() >= HISTORY_LEN {
            self.entries.remove(0);
        }
        self.entries.push((target, outcome));
    }

    pub fn entries(&self) -> &[(PastTarget, ProbeOutcome)] {
        &self.entries
    }
}

/// Everything the shell measured for one diagnosis.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// `navigator.onLine`. `false` is reliable (no network link); `true` only means some link
    /// exists, so it is never taken as proof of a working connection.
    pub online: bool,
    /// The current URL fetched again.
    pub page: ProbeOutcome,
    /// [`GATEWAY_SELF_CHECK_PATH`].
    pub gateway: ProbeOutcome,
    /// The operator's health endpoint (`healthUrl`), through the gateway.
    pub health: ProbeOutcome,
    pub status_page: StatusPageEvidence,
    pub alternates: Vec<AlternateEvidence>,
    /// The optional third-party reachability endpoint (`thirdParty`), always another origin.
    pub third_party: ProbeOutcome,
    pub history: History,
}

impl Evidence {
    /// Empty evidence with one [`NotProbed`](ProbeOutcome::NotProbed) slot per configured
    /// endpoint, so the shell only fills in outcomes and cannot lose the names or kinds.
    pub fn for_config(config: &Config, online: bool) -> Evidence {
        // A plain loop, not `map` + `collect`: smaller in the wasm.
        let mut alternates = Vec::with_capacity(config.alternates.len());
        for a in &config.alternates {
            alternates.push(AlternateEvidence {
                name: a.name.clone(),
                kind: a.kind,
                same_origin: a.url.starts_with('/'),
                outcome: ProbeOutcome::NotProbed,
            });
        }
        Evidence {
            online,
            page: ProbeOutcome::NotProbed,
            gateway: ProbeOutcome::NotProbed,
            health: ProbeOutcome::NotProbed,
            status_page: StatusPageEvidence {
                outcome: ProbeOutcome::NotProbed,
                same_origin: config
                    .status_page
                    .as_ref()
                    .is_some_and(|s| s.url.starts_with('/')),
                report: None,
            },
            alternates,
            third_party: ProbeOutcome::NotProbed,
            history: History::default(),
        }
    }

    /// The device lost its network link: nothing measured before says anything about now. Every
    /// current outcome is forgotten (the page and health outcomes stay in the history), so the
    /// diagnosis is `visitor-offline` until something answers again. The last page and health
    /// outcomes are handed back for [`Evidence::came_online`].
    pub fn went_offline(&mut self) -> Stale {
        let stale = Stale {
            page: self.page,
            health: self.health,
        };
        self.online = false;
        self.page = ProbeOutcome::NotProbed;
        self.gateway = ProbeOutcome::NotProbed;
        self.health = ProbeOutcome::NotProbed;
        self.status_page.outcome = ProbeOutcome::NotProbed;
        self.status_page.report = None;
        for alternate in &mut self.alternates {
            alternate.outcome = ProbeOutcome::NotProbed;
        }
        self.third_party = ProbeOutcome::NotProbed;
        stale
    }

    /// Some probe of a round (self-check, status page, alternates, third party) hit the deadline.
    pub fn round_timed_out(&self) -> bool {
        let timed_out = |o: &ProbeOutcome| matches!(o, ProbeOutcome::TimedOut { .. });
        timed_out(&self.gateway)
            || timed_out(&self.status_page.outcome)
            || timed_out(&self.third_party)
            || self.alternates.iter().any(|a| timed_out(&a.outcome))
    }

    /// The link is back. Until the page and the health endpoint are checked again (the recovery
    /// machine does so at once), their last outcomes before going offline stand: the outage the
    /// visitor saw is still the best guess, better than "unknown".
    pub fn came_online(&mut self, stale: Stale) {
        self.online = true;
        if !self.page.was_probed() {
            self.page = stale.page;
        }
        if !self.health.was_probed() {
            self.health = stale.health;
        }
    }
}

/// The page and health outcomes from before the device went offline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stale {
    pub page: ProbeOutcome,
    pub health: ProbeOutcome,
}

/// Facts about this visit that the gateway and the address bar provide, used in steps and in the
/// diagnostic report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visit {
    /// `location.hostname`, for the "is it down for everyone" links.
    pub host: String,
    /// The gateway's request id (nginx `$request_id` through SSI), for support to find the request.
    pub request_id: Option<String>,
    /// What the gateway says about its upstream for this request, only when the operator opted
    /// in (`gateway-doctor-details.conf`): it names internal addresses.
    pub upstream: Option<UpstreamDetails>,
}

/// The gateway's own record of this request (nginx `$upstream_addr`, `$upstream_status`,
/// `$time_iso8601`), for the operator section and the report. Each field is empty when unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpstreamDetails {
    /// e.g. `127.0.0.1:8080` or `10.0.0.2:80, unix:/run/php/php-fpm.sock`.
    pub address: String,
    /// e.g. `502` or `504, 502` (one per upstream tried).
    pub status: String,
    /// When the gateway handled the request, e.g. `2025-03-01T10:07:33+00:00`.
    pub time: String,
}

/// Longest gateway-provided detail kept, in bytes.
const MAX_DETAIL_BYTES: usize = 200;

/// One detail from the gateway, kept only if it is plain printable ASCII (what nginx writes) and
/// not an unprocessed SSI directive.
fn gateway_detail(raw: &str) -> String {
    let value = raw.trim();
    let plain = value.len() <= MAX_DETAIL_BYTES
        && !value.starts_with("<!--")
        // `matches!` rather than `b"…".contains(&b)` (see url.rs): no memchr in the wasm.
        && value.bytes().all(|b| {
            (b' '..=b'~').contains(&b)
                && !matches!(b, b'<' | b'>' | b'"' | b'\'' | b'&' | b'`' | b'\\')
        });
    if plain {
        value.to_owned()
    } else {
        String::new()
    }
}

impl Visit {
    /// Keeps only a plausible host name and request id: both end up in links and copied text.
    pub fn new(host: &str, request_id: Option<&str>) -> Visit {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !host.starts_with(['.', '-']);
        let request_id = request_id.map(str::trim).filter(|id| {
            !id.is_empty()
                && id.len() <= 128
                // An unprocessed SSI directive (`<!--# echo … -->`) is not an id.
                && id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
                // Nor is a CDN placeholder nobody filled in (Cloudflare's `::RAY_ID::` on a page
                // served elsewhere).
                && !(id.starts_with("::") && id.ends_with("::"))
        });
        Visit {
            host: if host_ok { host } else { String::new() },
            request_id: request_id.map(str::to_owned),
            upstream: None,
        }
    }

    /// Adds the gateway's upstream details (see [`UpstreamDetails`]); all empty or implausible
    /// values mean none.
    pub fn with_upstream(mut self, address: &str, status: &str, time: &str) -> Visit {
        let details = UpstreamDetails {
            address: gateway_detail(address),
            status: gateway_detail(status),
            time: gateway_detail(time),
        };
        self.upstream = (details != UpstreamDetails::default()).then_some(details);
        self
    }
}
