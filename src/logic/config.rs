//! Validated settings, made from the raw JSON a page author wrote.
//!
//! Bad input never blanks the page: every unknown key, wrong type or out-of-range value becomes a
//! [`Warning`] (shown in the console by the shell) and the default for that one setting is used.

use super::backoff::{Backoff, Jitter};
use super::json::Json;
use super::messages::Locale;
use super::text::push_decimal;

/// See [`Config::reload_spread_ms`].
pub const DEFAULT_RELOAD_SPREAD_MS: u64 = 2_000;

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backoff: Backoff {
                initial_delay_ms: 1_000,
                // Probes of the gateway's micro-cached health endpoint cost the application nothing,
                // so the cap is short: a visible tab notices recovery within a few seconds.
                max_delay_ms: 4_000,
                jitter: Jitter::Full,
            },
            give_up_after_ms: 60 * 60 * 1000,
            probe_timeout_ms: 8_000,
            health_url: None,
            locale: None,
            reload_spread_ms: DEFAULT_RELOAD_SPREAD_MS,
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
        }
        if self.problem != Problem::UnknownKey {
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
            _ => v.warn(key, Problem::UnknownKey),
        }
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
            Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => *slot = n as u64,
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
            let path = ["retry.", key].concat();
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
