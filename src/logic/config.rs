//! Validated settings, made from the raw JSON a page author wrote.
//!
//! Bad input never blanks the page: every unknown key, wrong type or out-of-range value becomes a
//! [`Warning`] (shown in the console by the shell) and the default for that one setting is used.

use super::backoff::{Backoff, Jitter};
use super::brand::{
    is_logo_source, worst_contrast, Brand, Rgb, DARK_BACKGROUNDS, LIGHT_BACKGROUNDS,
    MAX_LOGO_CHARS, MIN_CONTRAST,
};
use super::json::Json;
use super::messages::{Locale, Message};
use super::status_page::{clean_text, StatusFormat};
use super::text::{concat, count_slots, push_decimal};
use super::url::{is_email_address, is_http_url, is_https_url};
use crate::prelude::*;

/// Default cap when tabs probe the page itself: every probe reaches the application.
pub const PAGE_MAX_DELAY_MS: u64 = 10_000;
/// Default cap when tabs probe a health endpoint: the gateway micro-caches it, so probes cost
/// the application nothing (at most one per second reaches it) and a visible tab notices recovery
/// within about 3 s, 1.5 s on average, counting the cache's second.
pub const HEALTH_MAX_DELAY_MS: u64 = 3_000;

/// See [`Config::reload_spread_ms`].
pub const DEFAULT_RELOAD_SPREAD_MS: u64 = 2_000;
/// See [`Config::reload_rate_per_second`]: a modest application server's page loads per second.
/// Too low only makes a big crowd wait longer (the window is capped at two minutes); too high
/// knocks the recovering server over again, which is why the default errs low.
pub const DEFAULT_RELOAD_RATE_PER_SECOND: u32 = 200;

/// Everything the logic needs, already checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub backoff: Backoff,
    /// After this long without recovery, automatic checks stop; "Check now" keeps working.
    pub give_up_after_ms: u64,
    /// A probe that has not answered after this long counts as timed out.
    pub probe_timeout_ms: u64,
    /// A cheap same-origin endpoint to poll instead of the page itself (path starting with `/`).
    pub health_url: Option<String>,
    /// Forces the language instead of negotiating it from the browser.
    pub locale: Option<Locale>,
    /// Once the site is back, each tab reloads at a random moment within this window, so the
    /// recovering server receives the waiting crowd gradually (≈ waiting tabs ÷ spare req/s).
    pub reload_spread_ms: u64,
    /// Requests per second the recovering application can take; with the gateway's crowd count
    /// (health recipe) it sizes the stagger window. Without the crowd count it is unused.
    pub reload_rate_per_second: u32,
    /// The site's status page JSON, read for the diagnosis.
    pub status_page: Option<StatusPageConfig>,
    /// Mirrors, other regions and CDN assets probed to tell the visitor's network from ours; a
    /// mirror or region that answers is offered as a place to continue. At most [`MAX_ALTERNATES`].
    pub alternates: Vec<Alternate>,
    /// An `https` endpoint on someone else's infrastructure, probed to see whether the visitor's
    /// internet works at all. Off unless configured: it tells that third party about the visit.
    pub third_party: Option<String>,
    pub support: Support,
    pub operator: Operator,
    /// The site's name as visitors know it; `None` shows the host name.
    pub site_name: Option<String>,
    /// Logo and accent colours of the error page.
    pub brand: Brand,
    /// The operator's own texts, replacing ours by message id in every language.
    pub messages: Vec<(Message, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backoff: Backoff {
                initial_delay_ms: 1_000,
                max_delay_ms: PAGE_MAX_DELAY_MS,
                jitter: Jitter::Full,
            },
            give_up_after_ms: 60 * 60 * 1000,
            probe_timeout_ms: 8_000,
            health_url: None,
            locale: None,
            reload_spread_ms: DEFAULT_RELOAD_SPREAD_MS,
            reload_rate_per_second: DEFAULT_RELOAD_RATE_PER_SECOND,
            status_page: None,
            alternates: Vec::new(),
            third_party: None,
            support: Support::default(),
            operator: Operator::default(),
            site_name: None,
            brand: Brand::default(),
            messages: Vec::new(),
        }
    }
}

/// What was wrong with one setting. The default was used instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Dotted path of the key, e.g. `retry.maxDelayMs`.
    pub key: String,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    NotAnObject,
    UnknownKey,
    WrongType {
        expected: &'static str,
        got: &'static str,
    },
    OutOfRange {
        min: u64,
        max: u64,
    },
    UnknownChoice {
        choices: &'static str,
    },
    NotSameOriginPath,
    /// Not an acceptable address; `allowed` says which kinds are.
    NotALink {
        allowed: &'static str,
    },
    NotAnEmail,
    /// A list longer than allowed; the first `max` entries are kept.
    TooMany {
        max: u64,
    },
    /// Longer than `max` characters; cut.
    TooLong {
        max: u64,
    },
    /// A required key of an entry is absent; the entry is ignored.
    Missing,
    /// An override must have a `{}` exactly when the original text has one.
    PlaceholderMismatch,
    /// Not `#rgb` or `#rrggbb`.
    NotAColour,
    /// A colour too close to the page's background to read text in it.
    LowContrast,
    /// Longer than the config can carry intact (a data URI): serve it as a file instead.
    TooLongToInline {
        max: u64,
    },
}

impl Warning {
    /// A one-line console message. Built by concatenation: `format!` costs kilobytes in the wasm.
    pub fn message(&self) -> String {
        let mut m = String::from("gateway-doctor config: ");
        if self.key.is_empty() {
            m.push_str("the config");
        } else {
            m.push('`');
            m.push_str(&self.key);
            m.push('`');
        }
        match &self.problem {
            Problem::NotAnObject => m.push_str(" is not a JSON object"),
            Problem::UnknownKey => m.push_str(" is not a known setting (typo?); it is ignored"),
            Problem::WrongType { expected, got } => {
                m.push_str(": expected ");
                m.push_str(expected);
                m.push_str(", got ");
                m.push_str(got);
            }
            Problem::OutOfRange { min, max } => {
                m.push_str(": must be a whole number from ");
                push_decimal(&mut m, *min);
                m.push_str(" to ");
                push_decimal(&mut m, *max);
            }
            Problem::UnknownChoice { choices } => {
                m.push_str(": must be one of ");
                m.push_str(choices);
            }
            Problem::NotSameOriginPath => {
                m.push_str(": must be a path on this site starting with a single '/'")
            }
            Problem::NotALink { allowed } => {
                m.push_str(": must be ");
                m.push_str(allowed);
            }
            Problem::NotAnEmail => {
                m.push_str(": must be a plain e-mail address like help@example.com")
            }
            Problem::TooMany { max } => {
                m.push_str(": only the first ");
                push_decimal(&mut m, *max);
                m.push_str(" entries are used");
            }
            Problem::TooLong { max } => {
                m.push_str(": cut to ");
                push_decimal(&mut m, *max);
                m.push_str(" characters");
            }
            Problem::Missing => m.push_str(" is required; the entry is ignored"),
            Problem::PlaceholderMismatch => {
                m.push_str(": must contain {} exactly where the original text has its number")
            }
            Problem::NotAColour => m.push_str(": must be a colour like #0a58ca"),
            Problem::LowContrast => m.push_str(
                ": too faint against the page's background (contrast below 4.5:1, hard to read)",
            ),
            Problem::TooLongToInline { max } => {
                m.push_str(": longer than ");
                push_decimal(&mut m, *max);
                m.push_str(" characters; serve the image as a file instead");
            }
        }
        if !matches!(
            self.problem,
            Problem::UnknownKey
                | Problem::TooMany { .. }
                | Problem::TooLong { .. }
                | Problem::Missing
        ) {
            m.push_str("; using the default");
        }
        m
    }
}

/// Turns what the page author wrote into settings plus one warning per problem.
pub fn config_from_json(raw: &Json) -> (Config, Vec<Warning>) {
    let mut v = Validator::default();
    let mut config = Config::default();
    let Json::Object(entries) = raw else {
        if *raw != Json::Null {
            v.warn("", Problem::NotAnObject);
        }
        return (config, v.warnings);
    };
    for (key, value) in entries {
        match key.as_str() {
            "retry" => v.retry(value, &mut config),
            "reloadSpreadMs" => v.millis(key, value, 0, 600_000, &mut config.reload_spread_ms),
            "reloadRatePerSecond" => {
                let mut rate = u64::from(config.reload_rate_per_second);
                v.millis(key, value, 1, 1_000_000, &mut rate);
                config.reload_rate_per_second = rate as u32;
            }
            "probeTimeoutMs" => v.millis(key, value, 1_000, 60_000, &mut config.probe_timeout_ms),
            "healthUrl" => {
                if let Some(path) = v.string(key, value) {
                    if is_same_origin_path(path) {
                        config.health_url = Some(path.to_owned());
                    } else {
                        v.warn(key, Problem::NotSameOriginPath);
                    }
                }
            }
            "locale" => {
                if let Some(tag) = v.string(key, value) {
                    match Locale::from_tag(tag) {
                        Some(locale) => config.locale = Some(locale),
                        None => v.warn(
                            key,
                            Problem::UnknownChoice {
                                choices: Locale::TAGS,
                            },
                        ),
                    }
                }
            }
            "statusPage" => v.status_page(value, &mut config),
            "alternates" => v.alternates(value, &mut config),
            "thirdParty" => {
                if *value != Json::Null {
                    config.third_party = v.link(key, value, LinkRule::Https);
                }
            }
            "support" => v.support(value, &mut config),
            "operator" => v.operator(value, &mut config),
            "siteName" => config.site_name = v.name(key, value),
            "brand" => v.brand(value, &mut config),
            "messages" => v.messages(value, &mut config),
            _ => v.warn(key, Problem::UnknownKey),
        }
    }
    let cap_given = raw.get("retry").and_then(|r| r.get("maxDelayMs")).is_some();
    if config.health_url.is_some() && !cap_given {
        let b = &mut config.backoff;
        b.max_delay_ms = HEALTH_MAX_DELAY_MS.max(b.initial_delay_ms);
    }
    (config, v.warnings)
}

/// A path on the current origin: `/health`, not `//evil.example/` or `https://…`.
pub fn is_same_origin_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

#[derive(Default)]
struct Validator {
    warnings: Vec<Warning>,
}

impl Validator {
    fn warn(&mut self, key: &str, problem: Problem) {
        self.warnings.push(Warning {
            key: key.to_owned(),
            problem,
        });
    }

    fn string<'a>(&mut self, key: &str, value: &'a Json) -> Option<&'a str> {
        let s = value.as_str();
        if s.is_none() {
            self.wrong_type(key, "a string", value);
        }
        s
    }

    fn wrong_type(&mut self, key: &str, expected: &'static str, got: &Json) {
        self.warn(
            key,
            Problem::WrongType {
                expected,
                got: got.kind(),
            },
        );
    }

    /// A whole number of milliseconds within `min..=max`, written into `slot` only when valid.
    fn millis(&mut self, key: &str, value: &Json, min: u64, max: u64, slot: &mut u64) {
        match value.as_f64() {
            Some(n) if super::is_whole(n) && n >= min as f64 && n <= max as f64 => *slot = n as u64,
            Some(_) => self.warn(key, Problem::OutOfRange { min, max }),
            None => self.wrong_type(key, "a number", value),
        }
    }

    fn retry(&mut self, value: &Json, config: &mut Config) {
        let Json::Object(entries) = value else {
            return self.wrong_type("retry", "an object", value);
        };
        let b = &mut config.backoff;
        for (key, value) in entries {
            let path = concat("retry.", key);
            match key.as_str() {
                "initialDelayMs" => self.millis(&path, value, 250, 60_000, &mut b.initial_delay_ms),
                "maxDelayMs" => self.millis(&path, value, 1_000, 600_000, &mut b.max_delay_ms),
                "giveUpAfterMs" => self.millis(
                    &path,
                    value,
                    10_000,
                    7 * 24 * 60 * 60 * 1000,
                    &mut config.give_up_after_ms,
                ),
                "jitter" => match self.string(&path, value) {
                    Some("full") => b.jitter = Jitter::Full,
                    Some("decorrelated") => b.jitter = Jitter::Decorrelated,
                    Some(_) => self.warn(
                        &path,
                        Problem::UnknownChoice {
                            choices: "\"full\", \"decorrelated\"",
                        },
                    ),
                    None => {}
                },
                _ => self.warn(&path, Problem::UnknownKey),
            }
        }
        // A cap below the first delay would make the schedule shrink: lift the cap instead.
        b.max_delay_ms = b.max_delay_ms.max(b.initial_delay_ms);
    }
}

// ---------------------------------------------------------------------------------------------
// Diagnosis settings: status page, alternates, third party, support, operator, texts.

/// At most this many alternate endpoints are probed (each one is a request per diagnosis).
pub const MAX_ALTERNATES: usize = 8;
/// At most this many social links are shown.
pub const MAX_SOCIAL_LINKS: usize = 6;
/// Names (site, alternates, social channels) are cut to this many characters.
pub const MAX_NAME_CHARS: usize = 60;
/// An operator's text override is cut to this many characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusPageConfig {
    /// A same-origin path or an `https` URL.
    pub url: String,
    /// `None`: recognised from the JSON's shape.
    pub format: Option<StatusFormat>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlternateKind {
    /// A full copy of the site elsewhere.
    Mirror,
    /// The same site served from another region.
    Region,
    /// A static file on the CDN: proves reachability, not a place to continue.
    CdnAsset,
}

impl AlternateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlternateKind::Mirror => "mirror",
            AlternateKind::Region => "region",
            AlternateKind::CdnAsset => "cdn-asset",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternate {
    pub name: String,
    /// A same-origin path or an `https` URL.
    pub url: String,
    pub kind: AlternateKind,
}

/// How visitors reach the site's team. Every link is `http(s)`; the e-mail is a plain address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Support {
    pub email: Option<String>,
    pub url: Option<String>,
    pub social: Vec<SocialLink>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocialLink {
    pub name: String,
    pub url: String,
}

/// The operator's checklist settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Operator {
    /// Off by default: the checklist is for the site's team, not for visitors.
    pub enabled: bool,
    pub server: ServerKind,
    pub upstream: UpstreamKind,
    pub hosting: HostingKind,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerKind {
    #[default]
    Nginx,
    Apache,
    Caddy,
    Haproxy,
    Traefik,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UpstreamKind {
    PhpFpm,
    Node,
    Python,
    #[default]
    Other,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostingKind {
    Shared,
    #[default]
    Vps,
    /// A VDS or a dedicated server: full control, and more services of its own.
    Dedicated,
}

/// Which addresses a setting accepts.
#[derive(Clone, Copy)]
enum LinkRule {
    /// Fetched by the page: a same-origin path, or `https` (an `http` fetch from an `https` page
    /// is blocked as mixed content).
    PathOrHttps,
    /// A third party: `https` only.
    Https,
    /// A link the visitor follows: `http(s)`.
    Http,
}

impl Validator {
    fn object<'a>(&mut self, key: &str, value: &'a Json) -> Option<&'a [(String, Json)]> {
        match value {
            Json::Object(entries) => Some(entries),
            _ => {
                self.wrong_type(key, "an object", value);
                None
            }
        }
    }

    fn link(&mut self, key: &str, value: &Json, rule: LinkRule) -> Option<String> {
        let url = self.string(key, value)?.trim();
        let (ok, allowed) = match rule {
            LinkRule::PathOrHttps => (
                is_same_origin_path(url) || is_https_url(url),
                "a path on this site or an https:// URL",
            ),
            LinkRule::Https => (is_https_url(url), "an https:// URL"),
            LinkRule::Http => (is_http_url(url), "an http:// or https:// URL"),
        };
        if ok {
            Some(url.to_owned())
        } else {
            self.warn(key, Problem::NotALink { allowed });
            None
        }
    }

    /// One clean line of text (no controls, no direction overrides), cut to `max` characters.
    fn clean(&mut self, key: &str, raw: &str, max: usize) -> String {
        let line = clean_text(raw, usize::MAX);
        // Characters are the bytes that do not continue a UTF-8 sequence (core's `chars().count()`
        // links a kilobyte of vectorised counting into the wasm for this one use).
        let chars = line.bytes().filter(|b| b & 0xc0 != 0x80).count();
        if chars <= max {
            return line;
        }
        self.warn(key, Problem::TooLong { max: max as u64 });
        clean_text(&line, max)
    }

    /// A display name of at most [`MAX_NAME_CHARS`].
    fn name(&mut self, key: &str, value: &Json) -> Option<String> {
        let raw = self.string(key, value)?;
        let name = self.clean(key, raw, MAX_NAME_CHARS);
        if name.is_empty() {
            self.warn(key, Problem::Missing);
        }
        (!name.is_empty()).then_some(name)
    }

    /// The index of `value` in `names`, or a warning listing `choices`.
    fn choice(
        &mut self,
        key: &str,
        value: &Json,
        names: &[&str],
        choices: &'static str,
    ) -> Option<usize> {
        let given = self.string(key, value)?;
        let index = names.iter().position(|n| *n == given);
        if index.is_none() {
            self.warn(key, Problem::UnknownChoice { choices });
        }
        index
    }

    fn status_page(&mut self, value: &Json, config: &mut Config) {
        let Some(entries) = self.object("statusPage", value) else {
            return;
        };
        let mut url = None;
        let mut format = None;
        for (key, value) in entries {
            let path = concat("statusPage.", key);
            match key.as_str() {
                "url" => url = self.link(&path, value, LinkRule::PathOrHttps),
                "format" => {
                    if let Some(name) = self.string(&path, value) {
                        format = StatusFormat::from_name(name);
                        if format.is_none() {
                            self.warn(
                                &path,
                                Problem::UnknownChoice {
                                    choices: StatusFormat::NAMES,
                                },
                            );
                        }
                    }
                }
                _ => self.warn(&path, Problem::UnknownKey),
            }
        }
        match url {
            Some(url) => config.status_page = Some(StatusPageConfig { url, format }),
            None if !entries.iter().any(|(k, _)| k == "url") => {
                self.warn("statusPage.url", Problem::Missing)
            }
            None => {}
        }
    }

    fn alternates(&mut self, value: &Json, config: &mut Config) {
        let Some(items) = value.as_array() else {
            return self.wrong_type("alternates", "an array", value);
        };
        if items.len() > MAX_ALTERNATES {
            self.warn(
                "alternates",
                Problem::TooMany {
                    max: MAX_ALTERNATES as u64,
                },
            );
        }
        for (i, item) in items.iter().take(MAX_ALTERNATES).enumerate() {
            let mut prefix = String::from("alternates[");
            push_decimal(&mut prefix, i as u64);
            prefix.push_str("].");
            let Some(entries) = self.object(prefix.trim_end_matches('.'), item) else {
                continue;
            };
            let (mut name, mut url, mut kind) = (None, None, AlternateKind::Mirror);
            for (key, value) in entries {
                let path = concat(prefix.as_str(), key);
                match key.as_str() {
                    "name" => name = self.name(&path, value),
                    "url" => url = self.link(&path, value, LinkRule::PathOrHttps),
                    "kind" => {
                        if let Some(k) = self.choice(
                            &path,
                            value,
                            &["mirror", "region", "cdn-asset"],
                            "\"mirror\", \"region\", \"cdn-asset\"",
                        ) {
                            kind = match k {
                                0 => AlternateKind::Mirror,
                                1 => AlternateKind::Region,
                                _ => AlternateKind::CdnAsset,
                            };
                        }
                    }
                    _ => self.warn(&path, Problem::UnknownKey),
                }
            }
            match (name, url) {
                (Some(name), Some(url)) => config.alternates.push(Alternate { name, url, kind }),
                (None, _) if !entries.iter().any(|(k, _)| k == "name") => {
                    self.warn(&concat(prefix.as_str(), "name"), Problem::Missing)
                }
                (_, None) if !entries.iter().any(|(k, _)| k == "url") => {
                    self.warn(&concat(prefix.as_str(), "url"), Problem::Missing)
                }
                // A bad name or url was already reported.
                _ => {}
            }
        }
    }

    fn brand(&mut self, value: &Json, config: &mut Config) {
        let Some(entries) = self.object("brand", value) else {
            return;
        };
        for (key, value) in entries {
            let path = concat("brand.", key);
            match key.as_str() {
                "logo" => {
                    let Some(src) = self.string(&path, value).map(str::trim) else {
                        continue;
                    };
                    if src.len() > MAX_LOGO_CHARS {
                        self.warn(
                            &path,
                            Problem::TooLongToInline {
                                max: MAX_LOGO_CHARS as u64,
                            },
                        );
                    } else if is_logo_source(src) {
                        config.brand.logo = Some(src.to_owned());
                    } else {
                        self.warn(
                            &path,
                            Problem::NotALink {
                                allowed: "a path on this site, an https:// URL or a \
                                          data:image/…;base64, URI",
                            },
                        );
                    }
                }
                "accent" => config.brand.accent = self.accent(&path, value, &LIGHT_BACKGROUNDS),
                "accentDark" => {
                    config.brand.accent_dark = self.accent(&path, value, &DARK_BACKGROUNDS)
                }
                _ => self.warn(&path, Problem::UnknownKey),
            }
        }
    }

    /// A colour that text can be read in against the page's `backgrounds`.
    fn accent(&mut self, key: &str, value: &Json, backgrounds: &[Rgb]) -> Option<Rgb> {
        let Some(rgb) = Rgb::parse(self.string(key, value)?) else {
            self.warn(key, Problem::NotAColour);
            return None;
        };
        if worst_contrast(rgb, backgrounds) < MIN_CONTRAST {
            self.warn(key, Problem::LowContrast);
            return None;
        }
        Some(rgb)
    }

    fn support(&mut self, value: &Json, config: &mut Config) {
        let Some(entries) = self.object("support", value) else {
            return;
        };
        for (key, value) in entries {
            let path = concat("support.", key);
            match key.as_str() {
                "email" => {
                    if let Some(raw) = self.string(&path, value) {
                        let raw = raw.trim();
                        // People paste `mailto:` links; the scheme is ours to add.
                        let address = match raw.get(..7) {
                            Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => {
                                raw.get(7..).unwrap_or("")
                            }
                            _ => raw,
                        };
                        if is_email_address(address) {
                            config.support.email = Some(address.to_owned());
                        } else {
                            self.warn(&path, Problem::NotAnEmail);
                        }
                    }
                }
                "url" => config.support.url = self.link(&path, value, LinkRule::Http),
                "social" => self.social(&path, value, config),
                _ => self.warn(&path, Problem::UnknownKey),
            }
        }
    }

    fn social(&mut self, key: &str, value: &Json, config: &mut Config) {
        let Some(items) = value.as_array() else {
            return self.wrong_type(key, "an array", value);
        };
        if items.len() > MAX_SOCIAL_LINKS {
            self.warn(
                key,
                Problem::TooMany {
                    max: MAX_SOCIAL_LINKS as u64,
                },
            );
        }
        for (i, item) in items.iter().take(MAX_SOCIAL_LINKS).enumerate() {
            let mut prefix = String::from(key);
            prefix.push('[');
            push_decimal(&mut prefix, i as u64);
            prefix.push_str("].");
            let (name, url) = (item.get("name"), item.get("url"));
            let Some(entries) = self.object(prefix.trim_end_matches('.'), item) else {
                continue;
            };
            for (k, _) in entries {
                if k != "name" && k != "url" {
                    self.warn(&concat(prefix.as_str(), k), Problem::UnknownKey);
                }
            }
            let name_path = concat(prefix.as_str(), "name");
            let url_path = concat(prefix.as_str(), "url");
            let name = match name {
                Some(n) => self.name(&name_path, n),
                None => {
                    self.warn(&name_path, Problem::Missing);
                    None
                }
            };
            let url = match url {
                Some(u) => self.link(&url_path, u, LinkRule::Http),
                None => {
                    self.warn(&url_path, Problem::Missing);
                    None
                }
            };
            if let (Some(name), Some(url)) = (name, url) {
                config.support.social.push(SocialLink { name, url });
            }
        }
    }

    fn operator(&mut self, value: &Json, config: &mut Config) {
        let Some(entries) = self.object("operator", value) else {
            return;
        };
        let op = &mut config.operator;
        for (key, value) in entries {
            let path = concat("operator.", key);
            match key.as_str() {
                "enabled" => match value {
                    Json::Bool(b) => op.enabled = *b,
                    _ => self.wrong_type(&path, "a boolean", value),
                },
                "server" => {
                    const NAMES: [&str; 5] = ["nginx", "apache", "caddy", "haproxy", "traefik"];
                    const KINDS: [ServerKind; 5] = [
                        ServerKind::Nginx,
                        ServerKind::Apache,
                        ServerKind::Caddy,
                        ServerKind::Haproxy,
                        ServerKind::Traefik,
                    ];
                    let choices = "\"nginx\", \"apache\", \"caddy\", \"haproxy\", \"traefik\"";
                    if let Some(i) = self.choice(&path, value, &NAMES, choices) {
                        op.server = KINDS.get(i).copied().unwrap_or_default();
                    }
                }
                "upstream" => {
                    const NAMES: [&str; 4] = ["php-fpm", "node", "python", "other"];
                    const KINDS: [UpstreamKind; 4] = [
                        UpstreamKind::PhpFpm,
                        UpstreamKind::Node,
                        UpstreamKind::Python,
                        UpstreamKind::Other,
                    ];
                    let choices = "\"php-fpm\", \"node\", \"python\", \"other\"";
                    if let Some(i) = self.choice(&path, value, &NAMES, choices) {
                        op.upstream = KINDS.get(i).copied().unwrap_or_default();
                    }
                }
                "hosting" => {
                    const NAMES: [&str; 4] = ["shared", "vps", "vds", "dedicated"];
                    const KINDS: [HostingKind; 4] = [
                        HostingKind::Shared,
                        HostingKind::Vps,
                        HostingKind::Dedicated,
                        HostingKind::Dedicated,
                    ];
                    let choices = "\"shared\", \"vps\", \"vds\", \"dedicated\"";
                    if let Some(i) = self.choice(&path, value, &NAMES, choices) {
                        op.hosting = KINDS.get(i).copied().unwrap_or_default();
                    }
                }
                _ => self.warn(&path, Problem::UnknownKey),
            }
        }
    }

    fn messages(&mut self, value: &Json, config: &mut Config) {
        let Some(entries) = self.object("messages", value) else {
            return;
        };
        for (id, value) in entries {
            let path = concat("messages.", id);
            let Some(message) = Message::from_id(id) else {
                self.warn(&path, Problem::UnknownKey);
                continue;
            };
            let Some(text) = self.string(&path, value) else {
                continue;
            };
            // Keep line breaks out and the length sane; the text is still shown with textContent.
            let cleaned = self.clean(&path, text, MAX_MESSAGE_CHARS);
            let wants_slot = message.has_slot();
            if count_slots(&cleaned) != usize::from(wants_slot) {
                self.warn(&path, Problem::PlaceholderMismatch);
                continue;
            }
            if cleaned.is_empty() {
                self.warn(&path, Problem::Missing);
                continue;
            }
            config.messages.retain(|(m, _)| *m != message);
            config.messages.push((message, cleaned));
        }
    }
}
