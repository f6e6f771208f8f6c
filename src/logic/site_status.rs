//! The status snippet's decisions (`<gateway-status>` on the site's ordinary pages): what one
//! round of checks means for the visitor ([`summarize`]), when to check again ([`Poller`]), and
//! whether the "some features are unavailable" banner shows ([`Banner`]).
//!
//! The shell (`www/snippet/gateway-status.js` with `src/web/status.rs`) fetches the site's health
//! endpoint and the status page JSON, feeds the answers in, and renders the [`Summary`]. Nothing
//! here reads a clock or the network.

use super::backoff::{Backoff, Jitter, RetrySchedule};
use super::config::{config_from_json, is_same_origin_path, Problem, StatusPageConfig, Warning};
use super::json::Json;
use super::rng::Rng;
use super::status_page::{Indicator, StatusReport};
use super::url::is_http_url;
use crate::prelude::*;

/// Between two rounds while everything is fine.
pub const DEFAULT_INTERVAL_MS: u64 = 60_000;
/// The shortest `intervalMs` accepted: every visitor's open page polls.
pub const MIN_INTERVAL_MS: u64 = 2_000;
pub const MAX_INTERVAL_MS: u64 = 3_600_000;
/// While something is wrong, the first retry comes within this (then doubles, up to the interval),
/// so recovery is noticed soon after a short blip and a long outage costs little.
pub const TROUBLE_FIRST_DELAY_MS: u64 = 2_000;

/// Where the banner learns about the page's own API calls. Validated here (with the usual
/// warnings); the shell starts watching before the module has loaded, so it reads the same value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerMode {
    Off,
    /// Resource Timing `responseStatus` only (no change to the page's code).
    Observe,
    /// Resource Timing where the browser reports `responseStatus`; elsewhere a `fetch` wrapper.
    ObserveOrFetch,
}

/// The snippet's settings, already checked.
#[derive(Clone, Debug, PartialEq)]
pub struct SnippetConfig {
    /// The site's own health endpoint (same-origin path).
    pub health_url: Option<String>,
    /// The status page JSON (same-origin path or `https://`).
    pub status_page: Option<StatusPageConfig>,
    /// The human status page the element links to (same-origin path or `http(s)://`).
    pub link: Option<String>,
    pub interval_ms: u64,
    pub banner: BannerMode,
}

impl Default for SnippetConfig {
    fn default() -> Self {
        SnippetConfig {
            health_url: None,
            status_page: None,
            link: None,
            interval_ms: DEFAULT_INTERVAL_MS,
            banner: BannerMode::Off,
        }
    }
}

/// Keys the shell handles itself (the visitor-facing texts): accepted here without a warning.
const SHELL_KEYS: &[&str] = &["texts"];

/// Raw JSON (from the element's attributes and its JSON block) → settings plus one warning per
/// problem. `healthUrl` and `statusPage` mean exactly what they mean in the error page's config and
/// are checked by the same code.
pub fn snippet_config_from_json(raw: &Json) -> (SnippetConfig, Vec<Warning>) {
    let mut config = SnippetConfig::default();
    let mut warnings = Vec::new();
    let warn = |warnings: &mut Vec<Warning>, key: &str, problem| {
        warnings.push(Warning {
            key: key.to_owned(),
            problem,
        })
    };
    let Json::Object(entries) = raw else {
        if *raw != Json::Null {
            warn(&mut warnings, "", Problem::NotAnObject);
        }
        return (config, warnings);
    };
    let mut shared = Vec::new();
    for (key, value) in entries {
        match key.as_str() {
            "healthUrl" | "statusPage" => shared.push((key.clone(), value.clone())),
            "link" => match value.as_str().map(str::trim) {
                Some(url) if is_same_origin_path(url) || is_http_url(url) => {
                    config.link = Some(url.to_owned())
                }
                Some(_) => warn(
                    &mut warnings,
                    key,
                    Problem::NotALink {
                        allowed: "a path on this site or an http(s):// URL",
                    },
                ),
                None => warn(
                    &mut warnings,
                    key,
                    Problem::WrongType {
                        expected: "a string",
                        got: value.kind(),
                    },
                ),
            },
            "intervalMs" => match value.as_f64() {
                Some(n)
                    if super::is_whole(n)
                        && n >= MIN_INTERVAL_MS as f64
                        && n <= MAX_INTERVAL_MS as f64 =>
                {
                    config.interval_ms = n as u64
                }
                Some(_) => warn(
                    &mut warnings,
                    key,
                    Problem::OutOfRange {
                        min: MIN_INTERVAL_MS,
                        max: MAX_INTERVAL_MS,
                    },
                ),
                None => warn(
                    &mut warnings,
                    key,
                    Problem::WrongType {
                        expected: "a number",
                        got: value.kind(),
                    },
                ),
            },
            "banner" => match value {
                Json::Bool(true) => config.banner = BannerMode::Observe,
                Json::Bool(false) | Json::Null => config.banner = BannerMode::Off,
                Json::String(s) if s == "observe" => config.banner = BannerMode::Observe,
                Json::String(s) if s == "fetch" => config.banner = BannerMode::ObserveOrFetch,
                Json::String(s) if s == "off" => config.banner = BannerMode::Off,
                _ => warn(
                    &mut warnings,
                    key,
                    Problem::UnknownChoice {
                        choices: "true, false, \"observe\", \"fetch\"",
                    },
                ),
            },
            _ if SHELL_KEYS.contains(&key.as_str()) => {}
            _ => warn(&mut warnings, key, Problem::UnknownKey),
        }
    }
    let (page_config, page_warnings) = config_from_json(&Json::Object(shared));
    config.health_url = page_config.health_url;
    config.status_page = page_config.status_page;
    warnings.extend(page_warnings);
    (config, warnings)
}

/// What the site's own health endpoint said this round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthCheck {
    /// No `healthUrl`, or not asked this round.
    NotAsked,
    /// The HTTP status (a redirect counts as an answer: the application is talking).
    Answered(u16),
    /// Network error or timeout.
    NoAnswer,
}

impl HealthCheck {
    /// `Some(true)` up, `Some(false)` down, `None` says nothing (e.g. a 404: a wrong `healthUrl`).
    pub fn up(self) -> Option<bool> {
        match self {
            HealthCheck::NotAsked => None,
            HealthCheck::NoAnswer => Some(false),
            HealthCheck::Answered(status) if (200..400).contains(&status) => Some(true),
            HealthCheck::Answered(status) if status >= 500 => Some(false),
            HealthCheck::Answered(_) => None,
        }
    }
}

/// What the status page said this round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusCheck<'a> {
    NotConfigured,
    /// No answer, an HTTP error or not JSON.
    Failed,
    Read(&'a StatusReport),
}

/// One line of status for the visitor, from best to worst (maintenance and unknown aside).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Operational,
    Degraded,
    PartialOutage,
    MajorOutage,
    /// The site's own health endpoint does not answer (or answers 5xx): first-hand evidence.
    Down,
    Maintenance,
    /// Nothing usable was learned.
    Unknown,
}

impl Level {
    /// The `data-level` value and the key of the shell's text for this level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Operational => "operational",
            Level::Degraded => "degraded",
            Level::PartialOutage => "partial-outage",
            Level::MajorOutage => "major-outage",
            Level::Down => "down",
            Level::Maintenance => "maintenance",
            Level::Unknown => "unknown",
        }
    }
}

/// What the element shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub level: Level,
    /// The ongoing incident's (or maintenance's) title, already cleaned by the status page reader.
    pub title: Option<String>,
    /// Where "status page" links to: the configured link, else the incident's own page.
    pub link: Option<String>,
}

impl Summary {
    /// All fine: the next round can wait the full interval.
    pub fn calm(&self) -> bool {
        self.level == Level::Operational
    }
}

/// One round's answers → the summary. Precedence: the health endpoint failing (unless the status
/// page says maintenance is in progress) > critical > major > maintenance > minor or any ongoing
/// incident > operational > (no status page) the health endpoint answering > unknown.
pub fn summarize(config: &SnippetConfig, health: HealthCheck, status: StatusCheck) -> Summary {
    let report = match status {
        StatusCheck::Read(report) => Some(report),
        StatusCheck::NotConfigured | StatusCheck::Failed => None,
    };
    let incident = report.and_then(|r| r.incident.as_ref());
    let maintenance = report.and_then(|r| r.maintenance.as_ref());
    let in_maintenance =
        report.is_some_and(|r| r.indicator == Indicator::Maintenance || r.maintenance.is_some());
    let indicator = report.map_or(Indicator::Unknown, |r| r.indicator);
    let health_up = health.up();
    let level = if health_up == Some(false) {
        if in_maintenance {
            Level::Maintenance
        } else {
            Level::Down
        }
    } else {
        match indicator {
            Indicator::Critical => Level::MajorOutage,
            Indicator::Major => Level::PartialOutage,
            _ if in_maintenance => Level::Maintenance,
            Indicator::Minor => Level::Degraded,
            _ if incident.is_some() => Level::Degraded,
            Indicator::Operational => Level::Operational,
            _ if health_up == Some(true) => Level::Operational,
            _ => Level::Unknown,
        }
    };
    let shown = if level == Level::Maintenance {
        maintenance.or(incident)
    } else {
        incident
    };
    Summary {
        level,
        title: shown.map(|i| i.title.clone()),
        link: config
            .link
            .clone()
            .or_else(|| shown.and_then(|i| i.url.clone())),
    }
}

/// When to check again: the full interval (jittered down by up to a fifth, so pages opened
/// together drift apart) while all is fine; jittered exponential backoff from
/// [`TROUBLE_FIRST_DELAY_MS`] up to the interval while something is wrong.
#[derive(Clone, Debug)]
pub struct Poller {
    interval_ms: u64,
    trouble: RetrySchedule,
    rng: Rng,
}

impl Poller {
    pub fn new(interval_ms: u64, seed: u64) -> Self {
        let backoff = Backoff {
            initial_delay_ms: TROUBLE_FIRST_DELAY_MS.min(interval_ms),
            max_delay_ms: interval_ms,
            jitter: Jitter::Full,
        };
        Poller {
            interval_ms,
            trouble: RetrySchedule::new(backoff, seed),
            rng: Rng::new(seed.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15),
        }
    }

    /// The delay before the next round, after a round that was `calm` (or not).
    pub fn next_delay_ms(&mut self, calm: bool) -> u64 {
        if calm {
            self.trouble.restart();
            let i = self.interval_ms;
            self.rng.between(i - i / 5, i)
        } else {
            self.trouble.next().unwrap_or(self.interval_ms)
        }
    }
}

/// The banner over the page while its own API calls fail at the gateway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Banner {
    pub shown: bool,
}

impl Banner {
    /// One of the page's own requests finished with `status` (0: unknown — a network error, or a
    /// browser or origin that does not tell). 502/503/504 show the banner; any other answer means
    /// the gateway reached the application, so it goes. Returns whether it changed.
    pub fn api_answer(&mut self, status: u16) -> bool {
        let shown = match status {
            502..=504 => true,
            100..=999 => false,
            _ => return false,
        };
        let changed = shown != self.shown;
        self.shown = shown;
        changed
    }

    /// The health endpoint's answer: once it is up again the banner goes (the page's next call
    /// shows it again if that call still fails). Returns whether it changed.
    pub fn health(&mut self, health: HealthCheck) -> bool {
        let changed = self.shown && health.up() == Some(true);
        if changed {
            self.shown = false;
        }
        changed
    }
}

/// The snippet's state between rounds.
#[derive(Clone, Debug)]
pub struct Monitor {
    pub config: SnippetConfig,
    pub poller: Poller,
    pub banner: Banner,
}

impl Monitor {
    pub fn new(config: SnippetConfig, seed: u64) -> Self {
        Monitor {
            poller: Poller::new(config.interval_ms, seed),
            config,
            banner: Banner::default(),
        }
    }

    /// A round finished: the summary to show and the delay before the next round. The banner
    /// counts as trouble too, so the health endpoint is retried soon while it shows.
    pub fn round(&mut self, health: HealthCheck, status: StatusCheck) -> (Summary, u64) {
        self.banner.health(health);
        let summary = summarize(&self.config, health, status);
        let calm = summary.calm() && !self.banner.shown;
        (summary, self.poller.next_delay_ms(calm))
    }

    /// One of the page's own calls finished with `status`. When that made the banner appear and
    /// there is a health endpoint, returns the delay within which to check it ("retrying…").
    pub fn api_answer(&mut self, status: u16) -> Option<u64> {
        let appeared = self.banner.api_answer(status) && self.banner.shown;
        (appeared && self.config.health_url.is_some()).then(|| self.poller.next_delay_ms(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::status_page::Incident;

    /// An owned [`StatusCheck`] for case tables.
    #[derive(Debug)]
    enum Given {
        NotConfigured,
        Failed,
        Read(Box<StatusReport>),
    }

    impl Given {
        fn check(&self) -> StatusCheck<'_> {
            match self {
                Given::NotConfigured => StatusCheck::NotConfigured,
                Given::Failed => StatusCheck::Failed,
                Given::Read(r) => StatusCheck::Read(r),
            }
        }
    }

    fn json(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    fn report(indicator: Indicator, incident: Option<&str>, maintenance: Option<&str>) -> Given {
        let item = |title: &str| Incident {
            title: title.to_owned(),
            started: None,
            updated: None,
            url: Some("https://status.example.com/incidents/1".to_owned()),
        };
        Given::Read(Box::new(StatusReport {
            indicator,
            incident: incident.map(item),
            maintenance: maintenance.map(item),
            ..StatusReport::default()
        }))
    }

    #[test]
    fn config_reads_every_key_and_shares_the_page_checks() {
        let (c, w) = snippet_config_from_json(&json(
            r#"{"healthUrl":"/_gateway-doctor/health","statusPage":{"url":"https://status.example.com/api/v2/summary.json","format":"statuspage"},
                "link":"https://status.example.com/","intervalMs":30000,"banner":"fetch","texts":{"down":"x"}}"#,
        ));
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.health_url.as_deref(), Some("/_gateway-doctor/health"));
        assert_eq!(
            c.status_page.unwrap().url,
            "https://status.example.com/api/v2/summary.json"
        );
        assert_eq!(c.link.as_deref(), Some("https://status.example.com/"));
        assert_eq!(c.interval_ms, 30_000);
        assert_eq!(c.banner, BannerMode::ObserveOrFetch);
    }

    #[test]
    fn bad_values_warn_and_keep_defaults() {
        let (c, w) = snippet_config_from_json(&json(
            r#"{"healthUrl":"https://evil.example/","link":"javascript:alert(1)","intervalMs":10,
                "banner":"loud","statusPage":{"url":"http://plain.example/"},"colour":"red"}"#,
        ));
        assert_eq!(c, SnippetConfig::default());
        let keys: Vec<&str> = w.iter().map(|w| w.key.as_str()).collect();
        for key in [
            "healthUrl",
            "link",
            "intervalMs",
            "banner",
            "statusPage.url",
            "colour",
        ] {
            assert!(keys.contains(&key), "no warning for {key}: {keys:?}");
        }
        assert!(w
            .iter()
            .all(|w| w.message().starts_with("gateway-doctor config: ")));
        let (c, w) = snippet_config_from_json(&json("[1]"));
        assert_eq!((c, w.len()), (SnippetConfig::default(), 1));
        assert!(snippet_config_from_json(&Json::Null).1.is_empty());
    }

    #[test]
    fn health_answers() {
        assert_eq!(HealthCheck::Answered(204).up(), Some(true));
        assert_eq!(HealthCheck::Answered(302).up(), Some(true));
        assert_eq!(HealthCheck::Answered(503).up(), Some(false));
        assert_eq!(HealthCheck::NoAnswer.up(), Some(false));
        assert_eq!(HealthCheck::Answered(404).up(), None);
        assert_eq!(HealthCheck::NotAsked.up(), None);
    }

    #[test]
    fn summary_precedence() {
        use HealthCheck::{Answered, NoAnswer, NotAsked};
        use Indicator::*;
        let c = SnippetConfig::default();
        let cases = [
            (NotAsked, Given::NotConfigured, Level::Unknown, None),
            (NotAsked, Given::Failed, Level::Unknown, None),
            (
                Answered(200),
                Given::NotConfigured,
                Level::Operational,
                None,
            ),
            (Answered(200), Given::Failed, Level::Operational, None),
            (Answered(404), Given::NotConfigured, Level::Unknown, None),
            (NoAnswer, Given::NotConfigured, Level::Down, None),
            (
                Answered(503),
                report(Operational, None, None),
                Level::Down,
                None,
            ),
            (
                Answered(502),
                report(Major, Some("DB"), None),
                Level::Down,
                Some("DB"),
            ),
            (
                Answered(503),
                report(Operational, None, Some("Upgrade")),
                Level::Maintenance,
                Some("Upgrade"),
            ),
            (
                Answered(200),
                report(Operational, None, None),
                Level::Operational,
                None,
            ),
            (
                NotAsked,
                report(Operational, None, None),
                Level::Operational,
                None,
            ),
            (NotAsked, report(Minor, None, None), Level::Degraded, None),
            (
                NotAsked,
                report(Operational, Some("Slow logins"), None),
                Level::Degraded,
                Some("Slow logins"),
            ),
            (
                NotAsked,
                report(Major, Some("API errors"), None),
                Level::PartialOutage,
                Some("API errors"),
            ),
            (
                Answered(200),
                report(Critical, Some("All down"), None),
                Level::MajorOutage,
                Some("All down"),
            ),
            (
                NotAsked,
                report(Critical, Some("All down"), Some("Upgrade")),
                Level::MajorOutage,
                Some("All down"),
            ),
            (
                NotAsked,
                report(Maintenance, Some("Upgrade"), None),
                Level::Maintenance,
                Some("Upgrade"),
            ),
            (
                NotAsked,
                report(Minor, Some("Slow"), Some("Upgrade")),
                Level::Maintenance,
                Some("Upgrade"),
            ),
            (NotAsked, report(Unknown, None, None), Level::Unknown, None),
            (
                Answered(200),
                report(Unknown, None, None),
                Level::Operational,
                None,
            ),
        ];
        for (health, status, level, title) in cases {
            let s = summarize(&c, health, status.check());
            assert_eq!(
                (s.level, s.title.as_deref()),
                (level, title),
                "{health:?} {status:?}"
            );
        }
    }

    #[test]
    fn link_prefers_the_configured_page_then_the_incident() {
        let mut c = SnippetConfig::default();
        let status = report(Major, Some("API errors"), None);
        use Indicator::Major;
        let s = summarize(&c, HealthCheck::NotAsked, status.check());
        assert_eq!(
            s.link.as_deref(),
            Some("https://status.example.com/incidents/1")
        );
        c.link = Some("/status".to_owned());
        let s = summarize(&c, HealthCheck::NotAsked, status.check());
        assert_eq!(s.link.as_deref(), Some("/status"));
        assert_eq!(
            summarize(
                &SnippetConfig::default(),
                HealthCheck::NotAsked,
                StatusCheck::Failed
            )
            .link,
            None
        );
    }

    #[test]
    fn hostile_status_json_gives_plain_text() {
        let raw = json(
            r#"{"status":{"indicator":"major","description":"x"},"incidents":[{"name":"<img src=x onerror=alert(1)>\u0007 Outage\u202e","status":"investigating","shortlink":"javascript:alert(1)"}]}"#,
        );
        let (report, _) = crate::logic::status_page::parse_status_report(&raw, None);
        let s = summarize(
            &SnippetConfig::default(),
            HealthCheck::NotAsked,
            StatusCheck::Read(&report),
        );
        assert_eq!(s.level, Level::PartialOutage);
        // Kept as text (the shell sets it with textContent); controls and overrides are gone.
        let title = s.title.unwrap();
        assert!(title.starts_with("<img src=x onerror=alert(1)>"), "{title}");
        assert!(
            !title.contains('\u{7}') && !title.contains('\u{202e}'),
            "{title:?}"
        );
        assert_eq!(s.link, None);
    }

    #[test]
    fn calm_polls_wait_about_the_interval() {
        let mut p = Poller::new(60_000, 7);
        for _ in 0..200 {
            let d = p.next_delay_ms(true);
            assert!((48_000..=60_000).contains(&d), "{d}");
        }
    }

    #[test]
    fn trouble_backs_off_from_two_seconds_to_the_interval_and_resets_when_calm() {
        for seed in 0..100 {
            let mut p = Poller::new(60_000, seed);
            let first: Vec<u64> = (0..12).map(|_| p.next_delay_ms(false)).collect();
            assert!(first[0] <= 2_000, "seed {seed}: {first:?}");
            assert!(first[1] <= 4_000, "seed {seed}: {first:?}");
            assert!(first.iter().all(|d| *d <= 60_000 && *d >= 250));
            p.next_delay_ms(true);
            assert!(p.next_delay_ms(false) <= 2_000);
        }
        // Pages that saw the outage together do not come back together.
        let mut at: Vec<u64> = (0..500)
            .map(|seed| {
                let mut p = Poller::new(60_000, seed);
                (0..5).map(|_| p.next_delay_ms(false)).sum()
            })
            .collect();
        at.sort_unstable();
        at.dedup();
        assert!(at.len() > 450);
        // A short interval caps the first delay too.
        let mut p = Poller::new(2_000, 1);
        assert!((0..20).all(|_| p.next_delay_ms(false) <= 2_000));
    }

    #[test]
    fn banner_follows_the_page_calls_and_the_health_endpoint() {
        let mut b = Banner::default();
        assert!(!b.api_answer(200));
        assert!(
            !b.api_answer(0),
            "a network error or an opaque answer says nothing"
        );
        assert!(b.api_answer(502) && b.shown);
        assert!(!b.api_answer(504) && b.shown);
        assert!(!b.api_answer(0) && b.shown);
        assert!(!b.health(HealthCheck::Answered(503)) && b.shown);
        assert!(!b.health(HealthCheck::Answered(404)) && b.shown);
        assert!(b.health(HealthCheck::Answered(200)) && !b.shown);
        assert!(b.api_answer(503));
        assert!(b.api_answer(404) && !b.shown, "the application answered");
        assert!(b.api_answer(503));
        assert!(
            b.api_answer(500) && !b.shown,
            "the gateway reached the application"
        );
    }

    #[test]
    fn monitor_polls_soon_while_the_banner_shows() {
        let mut m = Monitor::new(
            SnippetConfig {
                health_url: Some("/health".into()),
                ..SnippetConfig::default()
            },
            3,
        );
        let (s, d) = m.round(HealthCheck::Answered(200), StatusCheck::NotConfigured);
        assert_eq!(s.level, Level::Operational);
        assert!(d >= 48_000);
        let soon = m.api_answer(502).unwrap();
        assert!(soon <= 2_000 && m.banner.shown);
        assert_eq!(m.api_answer(503), None, "already shown");
        let (_, d) = m.round(HealthCheck::Answered(503), StatusCheck::NotConfigured);
        assert!(d <= 4_000 && m.banner.shown, "the backoff goes on: {d}");
        let (_, d) = m.round(HealthCheck::Answered(200), StatusCheck::NotConfigured);
        assert!(!m.banner.shown && d >= 48_000);
        // Without a health endpoint only the page's next successful call hides it.
        let mut m = Monitor::new(SnippetConfig::default(), 3);
        assert_eq!(m.api_answer(502), None);
        assert!(m.banner.shown);
        assert_eq!(m.api_answer(200), None);
        assert!(!m.banner.shown);
    }
}
