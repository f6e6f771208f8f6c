//! Turns runs into the metrics of RECOVERY.md: the markdown table, the target verdicts and the JSON.

use std::fmt::Write as _;

use super::scenario::Scenario;
use super::sim::RunResult;
use super::strategy::Strategy;

/// One strategy in one scenario. Delays are in seconds after recovery; `None` means some tab never
/// got there within the run (the percentile falls among the stranded tabs).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub strategy: Strategy,
    pub scenario: &'static str,
    pub tabs: usize,
    pub outage_peak_rps: u32,
    pub outage_total: u64,
    pub outage_gateway_peak_rps: u32,
    pub after_recovery_total: u64,
    pub reload_p50_s: Option<f64>,
    pub reload_p99_s: Option<f64>,
    pub reload_max_s: Option<f64>,
    pub visible_reload_p99_s: Option<f64>,
    /// Tabs hidden at recovery, counted from when their visitor shows them (see `RunResult`).
    pub hidden_shown_p99_s: Option<f64>,
    pub rejected_pct: f64,
    pub before_retry_after: u64,
    pub before_retry_after_on_peer_word: u64,
    pub noticed_p50_s: Option<f64>,
    pub noticed_p99_s: Option<f64>,
    pub stranded: usize,
    pub reload_p99_target_s: f64,
    pub has_retry_after: bool,
}

impl Row {
    pub fn new(scenario: &Scenario, strategy: Strategy, run: &RunResult) -> Row {
        let reload = sorted(&run.reload_delays_ms);
        let noticed = sorted(&run.noticed_delays_ms);
        Row {
            strategy,
            scenario: scenario.name,
            tabs: scenario.tabs,
            outage_peak_rps: run.outage_peak_rps,
            outage_total: run.outage_total,
            outage_gateway_peak_rps: run.outage_gateway_peak_rps,
            after_recovery_total: run.after_recovery_total,
            reload_p50_s: percentile_s(&reload, 50),
            reload_p99_s: percentile_s(&reload, 99),
            reload_max_s: percentile_s(&reload, 100),
            visible_reload_p99_s: percentile_s(&sorted(&run.visible_reload_delays_ms), 99),
            hidden_shown_p99_s: percentile_s(&sorted(&run.hidden_shown_to_reload_ms), 99),
            rejected_pct: if run.reloads_after_recovery == 0 {
                0.0
            } else {
                100.0 * run.reloads_rejected_after_recovery as f64
                    / run.reloads_after_recovery as f64
            },
            before_retry_after: run.before_retry_after,
            before_retry_after_on_peer_word: run.before_retry_after_on_peer_word,
            noticed_p50_s: percentile_s(&noticed, 50),
            noticed_p99_s: percentile_s(&noticed, 99),
            stranded: run.reload_delays_ms.iter().filter(|d| d.is_none()).count(),
            reload_p99_target_s: scenario.reload_p99_target_ms() as f64 / 1_000.0,
            has_retry_after: scenario.retry_after.is_some(),
        }
    }
}

/// Stranded tabs sort last, as "never".
fn sorted(delays: &[Option<u64>]) -> Vec<u64> {
    let mut v: Vec<u64> = delays.iter().map(|d| d.unwrap_or(u64::MAX)).collect();
    v.sort_unstable();
    v
}

/// Nearest-rank percentile, in seconds.
pub fn percentile_s(sorted_ms: &[u64], percent: usize) -> Option<f64> {
    if sorted_ms.is_empty() {
        return None;
    }
    let rank = (sorted_ms.len() * percent).div_ceil(100).max(1);
    let ms = sorted_ms[rank - 1];
    (ms != u64::MAX).then(|| ms as f64 / 1_000.0)
}

/// 10000 → "10,000": counts people read.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn seconds(value: Option<f64>) -> String {
    value.map_or_else(|| "never".to_owned(), |s| format!("{s:.1}"))
}

pub fn markdown_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| strategy | scenario | outage peak req/s | outage total | gateway peak req/s | \
         reload p50 s | reload p99 s | reload max s | reload p99 s, visible tabs | rejected % | before Retry-After | \
         noticed p50 s | noticed p99 s | stranded | origin req after recovery |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {} | {} | {} | {} | {} |",
            r.strategy.name(),
            r.scenario,
            r.outage_peak_rps,
            r.outage_total,
            r.outage_gateway_peak_rps,
            seconds(r.reload_p50_s),
            seconds(r.reload_p99_s),
            seconds(r.reload_max_s),
            seconds(r.visible_reload_p99_s),
            r.rejected_pct,
            r.before_retry_after,
            seconds(r.noticed_p50_s),
            seconds(r.noticed_p99_s),
            r.stranded,
            r.after_recovery_total,
        );
    }
    out
}

/// A target's verdict with the number it was judged on.
pub struct Verdict {
    pub scenario: &'static str,
    pub target: String,
    pub pass: bool,
    pub measured: String,
}

/// RECOVERY.md's targets, judged for our strategy's rows.
pub fn verdicts(rows: &[Row]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.strategy == Strategy::GatewayDoctor)
    {
        let mut judge = |target: String, pass: bool, measured: String| {
            out.push(Verdict {
                scenario: r.scenario,
                target,
                pass,
                measured,
            })
        };
        judge(
            "origin load during the outage ≤ 5 req/s".to_owned(),
            r.outage_peak_rps <= 5,
            format!(
                "peak {} req/s at the origin ({} req/s at the gateway, before its micro-cache)",
                r.outage_peak_rps, r.outage_gateway_peak_rps
            ),
        );
        judge(
            "visible tabs notice recovery: p50 ≤ 3 s".to_owned(),
            r.noticed_p50_s.is_some_and(|s| s <= 3.0),
            format!("p50 {} s", seconds(r.noticed_p50_s)),
        );
        judge(
            "visible tabs notice recovery: p99 ≤ 10 s".to_owned(),
            r.noticed_p99_s.is_some_and(|s| s <= 10.0),
            format!("p99 {} s", seconds(r.noticed_p99_s)),
        );
        judge(
            format!(
                "reload p99 ≤ 1.1 × admission floor + 5 s = {:.1} s",
                r.reload_p99_target_s
            ),
            r.reload_p99_s.is_some_and(|s| s <= r.reload_p99_target_s),
            format!(
                "p99 {} s; {} s for the tabs visible at recovery; tabs hidden at recovery: {} s \
                 after their visitor shows them",
                seconds(r.reload_p99_s),
                seconds(r.visible_reload_p99_s),
                seconds(r.hidden_shown_p99_s)
            ),
        );
        judge(
            "rejected reloads ≤ 1 %".to_owned(),
            r.rejected_pct <= 1.0,
            format!("{:.2} %", r.rejected_pct),
        );
        if r.has_retry_after {
            judge(
                "zero requests before Retry-After".to_owned(),
                r.before_retry_after == 0,
                format!(
                    "{} ({} reloads on another tab's word, {} of the tab's own probes or reloads)",
                    r.before_retry_after,
                    r.before_retry_after_on_peer_word,
                    r.before_retry_after - r.before_retry_after_on_peer_word
                ),
            );
        }
    }
    out
}

pub fn verdict_lines(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    for v in verdicts {
        let _ = writeln!(
            out,
            "- {} · {}: **{}** ({})",
            v.scenario,
            v.target,
            if v.pass { "PASS" } else { "FAIL" },
            v.measured
        );
    }
    out
}

/// The machine-readable copy of the table: the keys of issue 4, nothing more (null = never).
pub fn json(rows: &[Row]) -> String {
    let number = |v: Option<f64>| v.map_or_else(|| "null".to_owned(), |s| format!("{s:.3}"));
    let mut out = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            out,
            "  {{\"strategy\": \"{}\", \"scenario\": \"{}\", \"outage_peak_rps\": {}, \
             \"outage_total\": {}, \"reload_p50_s\": {}, \"reload_p99_s\": {}, \
             \"reload_max_s\": {}, \"rejected_pct\": {:.3}, \"before_retry_after\": {}}}",
            r.strategy.name(),
            r.scenario,
            r.outage_peak_rps,
            r.outage_total,
            number(r.reload_p50_s),
            number(r.reload_p99_s),
            number(r.reload_max_s),
            r.rejected_pct,
            r.before_retry_after,
        );
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        let shown: Vec<String> = [0, 999, 1_000, 10_000, 1_234_567].map(thousands).into();
        assert_eq!(shown, ["0", "999", "1,000", "10,000", "1,234,567"]);
    }

    #[test]
    fn nearest_rank_percentiles_and_never() {
        let ms: Vec<u64> = (1..=100).map(|s| s * 1_000).collect();
        assert_eq!(percentile_s(&ms, 50), Some(50.0));
        assert_eq!(percentile_s(&ms, 99), Some(99.0));
        assert_eq!(percentile_s(&ms, 100), Some(100.0));
        assert_eq!(percentile_s(&[7], 99), Some(0.007));
        assert_eq!(percentile_s(&[], 50), None);
        let stranded = sorted(&[Some(1_000), None]);
        assert_eq!(percentile_s(&stranded, 50), Some(1.0));
        assert_eq!(percentile_s(&stranded, 99), None);
    }

    #[test]
    fn json_has_exactly_the_issue_keys() {
        let scenario = &Scenario::all(true)[0];
        let run = RunResult {
            outage_peak_rps: 3,
            outage_total: 10,
            outage_gateway_peak_rps: 30,
            after_recovery_total: 5,
            reload_delays_ms: vec![Some(1_500), None],
            visible_reload_delays_ms: vec![],
            hidden_shown_to_reload_ms: vec![],
            noticed_delays_ms: vec![],
            reloads_after_recovery: 4,
            reloads_rejected_after_recovery: 1,
            before_retry_after: 0,
            before_retry_after_on_peer_word: 0,
            origin_series: vec![],
            events: 0,
        };
        let row = Row::new(scenario, Strategy::GatewayDoctor, &run);
        let json = json(&[row.clone(), row]);
        assert!(json.starts_with("[\n  {\"strategy\": \"gateway-doctor\", \"scenario\": \"base\""));
        assert!(json.contains("\"reload_p50_s\": 1.500, \"reload_p99_s\": null"));
        assert!(json.contains("\"rejected_pct\": 25.000, \"before_retry_after\": 0}"));
        assert_eq!(json.matches("},\n").count(), 1);
        assert!(json.ends_with("}\n]\n"));
    }
}
