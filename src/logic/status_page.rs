//! The site's status page JSON → one [`StatusReport`], whatever service publishes it.
//!
//! Supported: Atlassian Statuspage (`/api/v2/status.json`, `/api/v2/summary.json`), Instatus
//! (`/summary.json`), Uptime Kuma (`/api/status-page/heartbeat/<slug>` and
//! `/api/status-page/<slug>`) and our own small format (`docs/status-format.md`). The format is
//! recognised from the JSON's shape unless the operator names it.
//!
//! The JSON comes from a server we do not control and is read while the site is in trouble, so
//! nothing here trusts it: unexpected shapes give [`Indicator::Unknown`] plus a warning, texts are
//! cleaned and shortened, and only `http(s)` links survive.

use super::json::Json;
use super::url::http_url_or_none;
use crate::prelude::*;

/// Longest incident or maintenance title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 160;
/// Longest description kept, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 300;
/// Longest time string kept; real ones are ~30 characters.
pub const MAX_TIME_CHARS: usize = 40;
/// At most this many entries of any list are looked at.
const MAX_ITEMS: usize = 64;

/// The overall state the status page reports, from best to worst (maintenance aside).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Indicator {
    Operational,
    /// Degraded performance.
    Minor,
    /// Partial outage.
    Major,
    /// Major outage.
    Critical,
    Maintenance,
    #[default]
    Unknown,
}

impl Indicator {
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Operational => "operational",
            Indicator::Minor => "minor",
            Indicator::Major => "major",
            Indicator::Critical => "critical",
            Indicator::Maintenance => "maintenance",
            Indicator::Unknown => "unknown",
        }
    }
}

/// An ongoing incident or maintenance as the status page describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Incident {
    pub title: String,
    /// When it started, as the status page wrote it (usually ISO 8601); shown as is.
    pub started: Option<String>,
    pub updated: Option<String>,
    /// Only `http(s)`.
    pub url: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusReport {
    /// The format that was read; `None` when the JSON was not recognised.
    pub format: Option<StatusFormat>,
    pub indicator: Indicator,
    /// The page's own one-line summary ("Partial System Outage"), when it has one.
    pub description: Option<String>,
    pub incident: Option<Incident>,
    /// Maintenance in progress (not merely scheduled).
    pub maintenance: Option<Incident>,
}

/// The status page services we read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFormat {
    Statuspage,
    Instatus,
    UptimeKuma,
    GatewayDoctor,
}

impl StatusFormat {
    /// For config warnings: the accepted `statusPage.format` values.
    pub const NAMES: &'static str =
        "\"statuspage\", \"instatus\", \"uptime-kuma\", \"gateway-doctor\"";

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFormat::Statuspage => "statuspage",
            StatusFormat::Instatus => "instatus",
            StatusFormat::UptimeKuma => "uptime-kuma",
            StatusFormat::GatewayDoctor => "gateway-doctor",
        }
    }

    pub fn from_name(name: &str) -> Option<StatusFormat> {
        [
            StatusFormat::Statuspage,
            StatusFormat::Instatus,
            StatusFormat::UptimeKuma,
            StatusFormat::GatewayDoctor,
        ]
        .into_iter()
        .find(|f| f.as_str() == name)
    }

    /// Recognises the format from the JSON's shape.
    pub fn detect(json: &Json) -> Option<StatusFormat> {
        let has = |key: &str| json.get(key).is_some();
        if json
            .get("status")
            .and_then(|s| s.get("indicator"))
            .is_some()
            || has("scheduled_maintenances")
        {
            Some(StatusFormat::Statuspage)
        } else if has("activeIncidents")
            || has("activeMaintenances")
            || json.get("page").and_then(|p| p.get("status")).is_some()
        {
            Some(StatusFormat::Instatus)
        } else if has("heartbeatList")
            || has("publicGroupList")
            || has("maintenanceList")
            || (has("config") && (has("incident") || has("incidents")))
        {
            Some(StatusFormat::UptimeKuma)
        } else if json.get("status").and_then(Json::as_str).is_some() {
            Some(StatusFormat::GatewayDoctor)
        } else {
            None
        }
    }
}

/// Something in the status JSON that could not be used. The report is still made from the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusWarning {
    /// Where in the JSON, e.g. `status.indicator`; empty for the document as a whole.
    pub field: &'static str,
    pub problem: StatusProblem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusProblem {
    /// The JSON matches none of the supported formats.
    Unrecognised,
    Missing,
    UnknownValue,
    /// A link that is not `http(s)` was dropped.
    UnsafeLink,
}

impl StatusWarning {
    /// A one-line console message, built without `format!`.
    pub fn message(&self) -> String {
        let mut m = String::from("gateway-doctor status page: ");
        if !self.field.is_empty() {
            m.push('`');
            m.push_str(self.field);
            m.push_str("` ");
        }
        m.push_str(match self.problem {
            StatusProblem::Unrecognised => {
                "the JSON is not a supported format (statuspage, instatus, uptime-kuma, gateway-doctor)"
            }
            StatusProblem::Missing => "is missing or has the wrong type",
            StatusProblem::UnknownValue => "has a value this page does not know",
            StatusProblem::UnsafeLink => "is not an http(s) link; it is ignored",
        });
        m
    }
}

/// Reads a status page's JSON. `format` is the operator's choice; `None` detects it.
pub fn parse_status_report(
    json: &Json,
    format: Option<StatusFormat>,
) -> (StatusReport, Vec<StatusWarning>) {
    let mut reader = Reader::default();
    let report = match format.or_else(|| StatusFormat::detect(json)) {
        Some(StatusFormat::Statuspage) => reader.statuspage(json),
        Some(StatusFormat::Instatus) => reader.instatus(json),
        Some(StatusFormat::UptimeKuma) => reader.uptime_kuma(json),
        Some(StatusFormat::GatewayDoctor) => reader.gateway_doctor(json),
        None => {
            reader.warn("", StatusProblem::Unrecognised);
            StatusReport::default()
        }
    };
    (report, reader.warnings)
}

#[derive(Default)]
struct Reader {
    warnings: Vec<StatusWarning>,
}

impl Reader {
    fn warn(&mut self, field: &'static str, problem: StatusProblem) {
        self.warnings.push(StatusWarning { field, problem });
    }

    /// A cleaned, shortened text, or `None` (with a warning when `required`).
    fn text(&mut self, value: Option<&Json>, field: &'static str, max: usize) -> Option<String> {
        match value.and_then(Json::as_str).map(|s| clean_text(s, max)) {
            Some(s) if !s.is_empty() => Some(s),
            _ => None,
        }
        .or_else(|| {
            self.warn(field, StatusProblem::Missing);
            None
        })
    }

    fn optional_text(value: Option<&Json>, max: usize) -> Option<String> {
        value
            .and_then(Json::as_str)
            .map(|s| clean_text(s, max))
            .filter(|s| !s.is_empty())
    }

    fn link(&mut self, value: Option<&Json>, field: &'static str) -> Option<String> {
        let raw = value.and_then(Json::as_str)?;
        let url = http_url_or_none(raw);
        if url.is_none() && !raw.trim().is_empty() {
            self.warn(field, StatusProblem::UnsafeLink);
        }
        url
    }

    /// An incident or maintenance from one object; `None` without a usable title.
    fn incident(
        &mut self,
        item: &Json,
        title_key: &str,
        title_field: &'static str,
        times: (&str, &str),
        url: Option<&Json>,
        url_field: &'static str,
    ) -> Option<Incident> {
        let title = self.text(item.get(title_key), title_field, MAX_TITLE_CHARS)?;
        Some(Incident {
            title,
            started: Reader::optional_text(item.get(times.0), MAX_TIME_CHARS),
            updated: Reader::optional_text(item.get(times.1), MAX_TIME_CHARS),
            url: self.link(url, url_field),
        })
    }

    fn statuspage(&mut self, json: &Json) -> StatusReport {
        let status = json.get("status");
        let mut indicator = match status
            .and_then(|s| s.get("indicator"))
            .and_then(Json::as_str)
        {
            Some("none") => Indicator::Operational,
            Some("minor") => Indicator::Minor,
            Some("major") => Indicator::Major,
            Some("critical") => Indicator::Critical,
            Some("maintenance") => Indicator::Maintenance,
            Some(_) => {
                self.warn("status.indicator", StatusProblem::UnknownValue);
                Indicator::Unknown
            }
            None => {
                self.warn("status.indicator", StatusProblem::Missing);
                Indicator::Unknown
            }
        };
        let description = Reader::optional_text(
            status.and_then(|s| s.get("description")),
            MAX_DESCRIPTION_CHARS,
        );
        let page_url = json.get("page").and_then(|p| p.get("url"));
        let incident = items(json.get("incidents"))
            .find(|i| {
                !matches!(
                    i.get("status").and_then(Json::as_str),
                    Some("resolved" | "postmortem" | "completed")
                )
            })
            .and_then(|i| {
                let url = i.get("shortlink").or(page_url);
                self.incident(
                    i,
                    "name",
                    "incidents.name",
                    (first_key(i, &["started_at", "created_at"]), "updated_at"),
                    url,
                    "incidents.shortlink",
                )
            });
        let maintenance = items(json.get("scheduled_maintenances"))
            .find(|m| m.get("status").and_then(Json::as_str) == Some("in_progress"))
            .and_then(|m| {
                let url = m.get("shortlink").or(page_url);
                self.incident(
                    m,
                    "name",
                    "scheduled_maintenances.name",
                    (first_key(m, &["started_at", "scheduled_for"]), "updated_at"),
                    url,
                    "scheduled_maintenances.shortlink",
                )
            });
        if maintenance.is_some() && indicator == Indicator::Operational {
            indicator = Indicator::Maintenance;
        }
        StatusReport {
            format: Some(StatusFormat::Statuspage),
            indicator,
            description,
            incident,
            maintenance,
        }
    }

    fn instatus(&mut self, json: &Json) -> StatusReport {
        let page = json.get("page");
        let incident_json = items(json.get("activeIncidents")).next();
        let mut indicator = match page.and_then(|p| p.get("status")).and_then(Json::as_str) {
            Some("UP") => Indicator::Operational,
            Some("HASISSUES") => Indicator::Minor,
            Some("UNDERMAINTENANCE") => Indicator::Maintenance,
            Some(_) => {
                self.warn("page.status", StatusProblem::UnknownValue);
                Indicator::Unknown
            }
            None => {
                self.warn("page.status", StatusProblem::Missing);
                Indicator::Unknown
            }
        };
        // Instatus names the impact per incident; the worst open one sets the overall level.
        for impact in items(json.get("activeIncidents"))
            .filter_map(|i| i.get("impact").and_then(Json::as_str))
        {
            let level = match impact {
                "MAJOROUTAGE" => Indicator::Critical,
                "PARTIALOUTAGE" => Indicator::Major,
                _ => Indicator::Minor,
            };
            indicator = worse(indicator, level);
        }
        let page_url = page.and_then(|p| p.get("url"));
        let incident = incident_json.and_then(|i| {
            let url = i.get("url").or(page_url);
            self.incident(
                i,
                "name",
                "activeIncidents.name",
                ("started", "updated"),
                url,
                "activeIncidents.url",
            )
        });
        let maintenance = items(json.get("activeMaintenances"))
            .find(|m| m.get("status").and_then(Json::as_str) == Some("INPROGRESS"))
            .and_then(|m| {
                let url = m.get("url").or(page_url);
                self.incident(
                    m,
                    "name",
                    "activeMaintenances.name",
                    ("start", "updated"),
                    url,
                    "activeMaintenances.url",
                )
            });
        if maintenance.is_some() && indicator == Indicator::Operational {
            indicator = Indicator::Maintenance;
        }
        StatusReport {
            format: Some(StatusFormat::Instatus),
            indicator,
            description: None,
            incident,
            maintenance,
        }
    }

    fn uptime_kuma(&mut self, json: &Json) -> StatusReport {
        let mut report = StatusReport {
            format: Some(StatusFormat::UptimeKuma),
            ..StatusReport::default()
        };
        let mut recognised = false;

        // Heartbeat endpoint: the latest beat of every public monitor.
        if let Some(Json::Object(monitors)) = json.get("heartbeatList") {
            recognised = true;
            let (mut up, mut down, mut pending, mut maintenance) = (0u32, 0u32, 0u32, 0u32);
            for (_, beats) in monitors.iter().take(MAX_ITEMS * 4) {
                // Oldest first; empty buckets are written as `0`, so take the last object.
                let latest = beats
                    .as_array()
                    .and_then(|b| b.iter().rev().find(|beat| matches!(beat, Json::Object(_))));
                let status = latest
                    .and_then(|b| b.get("status"))
                    .and_then(Json::as_f64)
                    .filter(|s| super::is_whole(*s) && (0.0..=3.0).contains(s))
                    .map(|s| s as u8);
                match status {
                    Some(0) => down += 1,
                    Some(1) => up += 1,
                    Some(2) => pending += 1,
                    Some(3) => maintenance += 1,
                    _ => {}
                }
            }
            report.indicator = if down > 0 && up + pending + maintenance == 0 {
                Indicator::Critical
            } else if down > 0 {
                Indicator::Major
            } else if maintenance > 0 {
                Indicator::Maintenance
            } else if pending > 0 {
                Indicator::Minor
            } else if up > 0 {
                Indicator::Operational
            } else {
                self.warn("heartbeatList", StatusProblem::Missing);
                Indicator::Unknown
            };
        }

        // Status page endpoint: pinned incident(s) and active maintenance. Uptime Kuma up to 1.x
        // sends one `incident`, 2.x an `incidents` array.
        let incident_json = match (json.get("incident"), json.get("incidents")) {
            (Some(i @ Json::Object(_)), _) => Some(i),
            (_, Some(list)) => items(Some(list)).next(),
            _ => None,
        };
        if json.get("incident").is_some()
            || json.get("incidents").is_some()
            || json.get("maintenanceList").is_some()
        {
            recognised = true;
        }
        if let Some(i) = incident_json {
            // `info`/`primary` styles are announcements, not trouble.
            let level = match i.get("style").and_then(Json::as_str) {
                Some("danger") => Some(Indicator::Major),
                Some("warning") | None => Some(Indicator::Minor),
                Some(_) => None,
            };
            match level {
                Some(level) => {
                    report.incident = self.incident(
                        i,
                        "title",
                        "incident.title",
                        ("createdDate", "lastUpdatedDate"),
                        None,
                        "",
                    );
                    if report.incident.is_some() {
                        report.indicator = worse(report.indicator, level);
                    }
                }
                None => report.description = Reader::optional_text(i.get("title"), MAX_TITLE_CHARS),
            }
        }
        let maintenance = items(json.get("maintenanceList")).find(|m| {
            matches!(
                m.get("status").and_then(Json::as_str),
                Some("under-maintenance") | None
            )
        });
        if let Some(m) = maintenance {
            let started = m
                .get("timeslotList")
                .and_then(|t| items(Some(t)).next())
                .and_then(|slot| Reader::optional_text(slot.get("startDate"), MAX_TIME_CHARS));
            if let Some(mut entry) =
                self.incident(m, "title", "maintenanceList.title", ("", ""), None, "")
            {
                entry.started = started;
                report.maintenance = Some(entry);
                if matches!(
                    report.indicator,
                    Indicator::Operational | Indicator::Unknown
                ) {
                    report.indicator = Indicator::Maintenance;
                }
            }
        }
        if !recognised {
            self.warn("heartbeatList", StatusProblem::Missing);
        }
        report
    }

    fn gateway_doctor(&mut self, json: &Json) -> StatusReport {
        let indicator = match json.get("status").and_then(Json::as_str) {
            Some("ok") => Indicator::Operational,
            Some("degraded") => Indicator::Minor,
            Some("down") => Indicator::Critical,
            Some("maintenance") => Indicator::Maintenance,
            Some(_) => {
                self.warn("status", StatusProblem::UnknownValue);
                Indicator::Unknown
            }
            None => {
                self.warn("status", StatusProblem::Missing);
                Indicator::Unknown
            }
        };
        let description = Reader::optional_text(json.get("message"), MAX_DESCRIPTION_CHARS);
        let mut entry = |key: &str, title_field, url_field| match json.get(key) {
            Some(item @ Json::Object(_)) => self.incident(
                item,
                "title",
                title_field,
                ("startedAt", "updatedAt"),
                item.get("url"),
                url_field,
            ),
            _ => None,
        };
        let incident = entry("incident", "incident.title", "incident.url");
        let maintenance = entry("maintenance", "maintenance.title", "maintenance.url");
        StatusReport {
            format: Some(StatusFormat::GatewayDoctor),
            indicator,
            description,
            incident,
            maintenance,
        }
    }
}

/// The entries of a JSON array (none for anything else), capped.
fn items(value: Option<&Json>) -> impl Iterator<Item = &Json> {
    value
        .and_then(Json::as_array)
        .unwrap_or(&[])
        .iter()
        .take(MAX_ITEMS)
}

/// The first of `keys` present in `item` as a string, else the first key (which then reads as
/// absent).
fn first_key<'a>(item: &Json, keys: &[&'a str]) -> &'a str {
    keys.iter()
        .copied()
        .find(|k| item.get(k).and_then(Json::as_str).is_some())
        .or_else(|| keys.first().copied())
        .unwrap_or("")
}

fn severity(indicator: Indicator) -> u8 {
    match indicator {
        Indicator::Unknown => 0,
        Indicator::Operational => 1,
        Indicator::Maintenance => 2,
        Indicator::Minor => 3,
        Indicator::Major => 4,
        Indicator::Critical => 5,
    }
}

/// The worse of two levels.
fn worse(a: Indicator, b: Indicator) -> Indicator {
    if severity(b) > severity(a) {
        b
    } else {
        a
    }
}

/// One line of plain text: control characters and bidirectional overrides (which could make a
/// hostile title display reversed) become spaces, runs of spaces collapse, and the result is cut
/// to `max` characters with an ellipsis.
pub fn clean_text(raw: &str, max: usize) -> String {
    let mut line = String::with_capacity(raw.len().min(max.saturating_mul(4)));
    // One pass over the characters (a `split` with a closure costs its own searcher in the wasm):
    // a separator after a word ends the word, and the text stops once it is long enough.
    let mut gap = false;
    for c in raw.chars() {
        let separator = c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
        if separator {
            if line.len() > max.saturating_mul(4) {
                break;
            }
            gap = !line.is_empty();
            continue;
        }
        if gap {
            line.push(' ');
            gap = false;
        }
        line.push(c);
    }
    cut_with_ellipsis(line, max)
}

/// `line` if it has at most `max` characters, else its first `max - 1` and an ellipsis.
fn cut_with_ellipsis(mut line: String, max: usize) -> String {
    match line.char_indices().nth(max) {
        Some(_) => {
            let keep = line
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(0, |(i, _)| i);
            line.truncate(keep);
            line.push('…');
            line
        }
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `clean_text` as it was written before it became one pass over the characters.
    fn clean_text_by_words(raw: &str, max: usize) -> String {
        let mut line = String::new();
        for word in raw
            .split(|c: char| {
                c.is_control()
                    || c.is_whitespace()
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
            })
            .filter(|w| !w.is_empty())
        {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            if line.len() > max.saturating_mul(4) {
                break;
            }
        }
        cut_with_ellipsis(line, max)
    }

    #[test]
    fn one_pass_cleaning_matches_the_word_split() {
        let inputs = [
            "",
            " ",
            "a",
            "  two  words  ",
            "tab\tand\nnewline\r\n",
            "\u{202E}reversed\u{202C} \u{2066}isolate\u{2069}",
            "ünïcödé wörds ✓ ✓ ✓",
            "averyveryverylongwordthatgoesonandon and more",
            "a b c d e f g h i j k l m n o p",
            "\u{7}\u{0}bell\u{85}next\u{a0}nbsp",
        ];
        for raw in inputs {
            for max in 0..20 {
                assert_eq!(
                    clean_text(raw, max),
                    clean_text_by_words(raw, max),
                    "{raw:?} {max}"
                );
            }
        }
    }

    #[test]
    fn text_is_one_clean_line() {
        assert_eq!(clean_text("  a\n\tb  ", 10), "a b");
        assert_eq!(clean_text("evil\u{202E}gnp.exe", 20), "evil gnp.exe");
        assert_eq!(clean_text("abcdef", 3), "ab…");
        assert_eq!(clean_text("abc", 3), "abc");
        assert_eq!(clean_text("", 3), "");
    }
}
