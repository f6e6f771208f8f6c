//! `cargo xtask bench recovery`: every strategy through every scenario of RECOVERY.md, then the
//! table, the verdicts on our targets, `recovery.json` and `recovery.svg`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use gateway_doctor::logic::backoff::Jitter;
use gateway_doctor::logic::config::Config;
use gateway_doctor::logic::rng::Rng;

use super::plot;
use super::report::{self, Row};
use super::scenario::{Population, Scenario, HIDDEN_RETURN_MEAN_MS};
use super::sim::{self, RunResult, SERIES_BEFORE_S};
use super::strategy::Strategy;
use super::world::{HEALTH_CACHE_MS, ROUND_TRIP_MS};

/// Fixed so that two runs of the benchmark print the same numbers.
pub const DEFAULT_SEED: u64 = 502;

pub const USAGE: &str = "\
usage: cargo xtask bench recovery [--seed N] [--quick] [--out DIR] [--reload-spread-ms MS]
  --seed N                seed of the simulation (default 502); same seed, same numbers
  --quick                 a tenth of the crowd, C and λ (same admission floor): a fast smoke run
  --out DIR               where recovery.json and recovery.svg go (default: <target dir>/bench)
  --reload-spread-ms MS   what-if: our config's reloadSpreadMs instead of its default
  --reload-rate R         what-if: our config's reloadRatePerSecond instead of its default (200)";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub seed: u64,
    pub quick: bool,
    pub out_dir: PathBuf,
    /// Overrides our `reloadSpreadMs` (the benchmark otherwise runs the shipped defaults).
    pub reload_spread_ms: Option<u64>,
    /// Overrides our `reloadRatePerSecond` (used with the gateway's crowd count, which the
    /// benchmark's health endpoint always sends, as the shipped nginx recipe does).
    pub reload_rate: Option<u64>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            seed: DEFAULT_SEED,
            quick: false,
            out_dir: default_out_dir(),
            reload_spread_ms: None,
            reload_rate: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next().cloned())
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
            };
            match flag {
                "--seed" => options.seed = whole_number(flag, &value()?)?,
                "--reload-spread-ms" => {
                    options.reload_spread_ms = Some(whole_number(flag, &value()?)?);
                }
                "--reload-rate" => options.reload_rate = Some(whole_number(flag, &value()?)?),
                "--out" => options.out_dir = PathBuf::from(value()?),
                "--quick" if inline.is_none() => options.quick = true,
                _ => return Err(format!("unknown option `{arg}`\n{USAGE}")),
            }
        }
        Ok(options)
    }
}

fn whole_number(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: `{value}` is not a whole number\n{USAGE}"))
}

/// `<target dir>/bench`, honouring `CARGO_TARGET_DIR` like the rest of xtask.
fn default_out_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    };
    target.join("bench")
}

/// Mixes the run seed with a scenario and stream number, so each scenario gets its own population
/// (shared by all strategies: they face the same visitors) and each strategy its own randomness.
fn derive_seed(seed: u64, scenario: usize, stream: usize) -> u64 {
    let mut rng = Rng::new(seed);
    let a = rng.next_u64() ^ (scenario as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng::new(a);
    Rng::new(rng.next_u64() ^ stream as u64).next_u64()
}

/// Every (scenario, strategy) run, on all cores; `results[scenario][strategy]` in `Strategy::ALL`
/// order. Runs are independent and seeded, so the thread count never changes a number.
pub fn run_all(scenarios: &[Scenario], seed: u64, our_config: &Config) -> Vec<Vec<RunResult>> {
    let populations: Vec<Population> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| Population::new(s, derive_seed(seed, i, 0)))
        .collect();
    let jobs: Vec<(usize, usize)> = (0..scenarios.len())
        .flat_map(|s| (0..Strategy::ALL.len()).map(move |k| (s, k)))
        .collect();
    let slots: Mutex<Vec<Option<RunResult>>> = Mutex::new(vec![None; jobs.len()]);
    let next_job = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let j = next_job.fetch_add(1, Ordering::Relaxed);
                let Some(&(s, k)) = jobs.get(j) else { break };
                let result = sim::simulate(
                    &scenarios[s],
                    &populations[s],
                    Strategy::ALL[k],
                    our_config,
                    derive_seed(seed, s, k + 1),
                );
                slots.lock().expect("no run panicked")[j] = Some(result);
            });
        }
    });
    let mut flat = slots
        .into_inner()
        .expect("no run panicked")
        .into_iter()
        .map(|r| r.expect("every job ran"));
    scenarios
        .iter()
        .map(|_| flat.by_ref().take(Strategy::ALL.len()).collect())
        .collect()
}

pub fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let scenarios = Scenario::all(options.quick);
    let config = sim::our_config(options.reload_spread_ms, options.reload_rate);
    let results = run_all(&scenarios, options.seed, &config);
    let rows: Vec<Row> = scenarios
        .iter()
        .zip(&results)
        .flat_map(|(scenario, runs)| {
            Strategy::ALL
                .iter()
                .zip(runs)
                .map(|(&strategy, run)| Row::new(scenario, strategy, run))
        })
        .collect();
    let elapsed = started.elapsed();
    let events: u64 = results.iter().flatten().map(|r| r.events).sum();

    let verdicts = report::verdicts(&rows);
    print!(
        "{}\n{}\n## Our targets (gateway-doctor)\n\n{}",
        preamble(&scenarios, &config, options),
        report::markdown_table(&rows),
        report::verdict_lines(&verdicts)
    );
    let failed = verdicts.iter().filter(|v| !v.pass).count();
    println!(
        "\n{} of {} targets met.",
        verdicts.len() - failed,
        verdicts.len()
    );

    std::fs::create_dir_all(&options.out_dir)
        .map_err(|e| format!("creating {}: {e}", options.out_dir.display()))?;
    let json_path = options.out_dir.join("recovery.json");
    std::fs::write(&json_path, report::json(&rows))
        .map_err(|e| format!("writing {}: {e}", json_path.display()))?;
    let svg_path = options.out_dir.join("recovery.svg");
    std::fs::write(&svg_path, figure_svg(&scenarios[0], &results[0], options))
        .map_err(|e| format!("writing {}: {e}", svg_path.display()))?;
    eprintln!(
        "bench recovery: {} runs, {events} events in {:.1} s; wrote {} and {}",
        rows.len(),
        elapsed.as_secs_f64(),
        json_path.display(),
        svg_path.display()
    );
    Ok(())
}

/// What was simulated, so that the table can be read (and challenged) on its own.
fn preamble(scenarios: &[Scenario], config: &Config, options: &Options) -> String {
    let base = &scenarios[0];
    let b = config.backoff;
    let jitter = match b.jitter {
        Jitter::Full => "full",
        Jitter::Decorrelated => "decorrelated",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Recovery benchmark (seed {}{})\n",
        options.seed,
        if options.quick { ", quick" } else { "" }
    );
    let _ = writeln!(
        out,
        "- Crowd: {} error-page tabs arriving uniformly over a {}-minute outage, 1.3 tabs per \
         visitor, 30 % hidden at recovery (switched away at a uniform moment of their wait, back in \
         front an exponential time after recovery, mean {} min). Request round trip {} ms.",
        report::thousands(base.tabs as u64),
        base.recovery_at() / 60_000,
        HIDDEN_RETURN_MEAN_MS / 60_000.0,
        ROUND_TRIP_MS
    );
    let _ = writeln!(
        out,
        "- Origin after recovery: C = {} req/s, λ = {} req/s of new traffic served first; the tabs' \
         requests beyond C − λ in a second get a 503 (no Retry-After). Outage load counts every \
         tab request reaching the origin; the gateway micro-caches the health endpoint ({} ms, \
         cache lock, any status), never the page.",
        base.capacity_rps, base.new_traffic_rps, HEALTH_CACHE_MS
    );
    let _ = writeln!(
        out,
        "- gateway-doctor: the real `Recovery` machine in every error-page tab, config {} plus \
         `healthUrl` (`{}`): backoff {} jitter from {} ms to {} ms, probe timeout {} ms, give up \
         after {} min, `reloadSpreadMs` {}. The shell's coordination is modelled after \
         `src/web/tabs.rs` with Web Locks: one lock per visitor, a hidden leader steps down, the \
         lock goes to the longest-waiting tab, `announce_recovery` reaches the visitor's other \
         error pages; a rejected reload mounts a fresh machine. Baselines reload blindly; only \
         Chromium's pauses in hidden tabs.",
        match (options.reload_spread_ms, options.reload_rate) {
            (None, None) => "defaults",
            (Some(_), None) => "defaults (reloadSpreadMs overridden)",
            (None, Some(_)) => "defaults (reloadRatePerSecond overridden)",
            (Some(_), Some(_)) => "defaults (reloadSpreadMs and reloadRatePerSecond overridden)",
        },
        config.health_url.as_deref().unwrap_or("none"),
        jitter,
        b.initial_delay_ms,
        b.max_delay_ms,
        config.probe_timeout_ms,
        config.give_up_after_ms / 60_000,
        config.reload_spread_ms
    );
    let _ = writeln!(
        out,
        "- Delays run from the origin first coming back; \"noticed\" is for tabs visible at \
         recovery (ours: the tab tells its visitor the site is back: the health endpoint \
         said so and the tab waits for its turn (`coming-back`), or it verified the page, or \
         another tab did; baselines: a successful reload); \"stranded\" tabs were still on the error page {} h after recovery. Flapping: \
         outage metrics cover the first outage only, reloads landing in a down window count as \
         rejected. Admission floor for the p99 target: the least time the spare capacity needs to \
         admit every tab once (25 s in the base case).",
        sim::FOLLOW_AFTER_RECOVERY_MS / 3_600_000
    );
    out
}

fn figure_svg(base: &Scenario, runs: &[RunResult], options: &Options) -> String {
    let rows: Vec<Row> = Strategy::ALL
        .iter()
        .zip(runs)
        .map(|(&s, r)| Row::new(base, s, r))
        .collect();
    plot::svg(&plot::Figure {
        title: format!(
            "Recovery without a stampede: {} waiting tabs, C = {} req/s, λ = {} req/s",
            report::thousands(base.tabs as u64),
            base.capacity_rps,
            base.new_traffic_rps
        ),
        subtitle: format!(
            "base scenario, seed {}; gateway-doctor counts origin requests after the gateway's 1 s \
             health micro-cache; baselines reload the page",
            options.seed
        ),
        series_start_s: -(SERIES_BEFORE_S as i64),
        lines: Strategy::ALL
            .iter()
            .zip(runs)
            .map(|(&s, r)| plot::Line {
                name: s.name(),
                per_second: &r.origin_series,
                emphasis: s == Strategy::GatewayDoctor,
            })
            .collect(),
        spare_rps: base.spare_rps(base.recovery_at() / 1_000),
        bars: rows
            .iter()
            .map(|r| plot::Bar {
                name: r.strategy.name(),
                p50_s: r.reload_p50_s,
                p99_s: r.reload_p99_s,
            })
            .collect(),
        reload_p99_target_s: base.reload_p99_target_ms() as f64 / 1_000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::super::strategy::Baseline;
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_parse_and_reject_junk() {
        let o = Options::parse(&args(&["--seed", "7", "--quick", "--out=/tmp/x"])).unwrap();
        assert_eq!((o.seed, o.quick, o.reload_spread_ms), (7, true, None));
        assert_eq!(o.out_dir, PathBuf::from("/tmp/x"));
        let o = Options::parse(&args(&["--reload-spread-ms=25000"])).unwrap();
        assert_eq!(o.reload_spread_ms, Some(25_000));
        assert_eq!(Options::parse(&[]).unwrap().seed, DEFAULT_SEED);
        assert!(Options::parse(&args(&["--seed"])).is_err());
        assert!(Options::parse(&args(&["--seed", "x"])).is_err());
        assert!(Options::parse(&args(&["--quick=1"])).is_err());
        assert!(Options::parse(&args(&["--fast"])).is_err());
    }

    /// A 1,000-tab crowd (the quick base case) for the tests, which run unoptimised.
    fn quick_base() -> Scenario {
        Scenario::all(true).remove(0)
    }

    #[test]
    fn a_fixed_5_s_refresh_sends_about_n_over_5_requests_per_second() {
        let scenario = quick_base();
        let population = Population::new(&scenario, 1);
        let run = sim::simulate(
            &scenario,
            &population,
            Strategy::Baseline(Baseline::Fixed5s),
            &sim::our_config(None, None),
            2,
        );
        // In the last 10 s of the outage all 1,000 tabs are waiting, each reloading every 5.05 s
        // (5 s timer + the round trip), hidden or not.
        let last_ten: u32 = run.origin_series
            [SERIES_BEFORE_S as usize - 10..SERIES_BEFORE_S as usize]
            .iter()
            .sum();
        let per_second = f64::from(last_ten) / 10.0;
        assert!((180.0..=215.0).contains(&per_second), "{per_second} req/s");
        // Tabs arrive uniformly, so the whole outage averages about half of that.
        let mean = run.outage_total as f64 / 600.0;
        assert!((90.0..=110.0).contains(&mean), "{mean} req/s");
        // Every tab gets back eventually, and the crowd is pushed through C − λ = 40 req/s.
        assert_eq!(
            run.reload_delays_ms.iter().filter(|d| d.is_none()).count(),
            0
        );
        assert!(run.reloads_rejected_after_recovery > 0);
    }

    #[test]
    fn chromium_sends_nothing_from_hidden_tabs() {
        let scenario = quick_base();
        let mut population = Population::new(&scenario, 1);
        // Everyone hides right after arriving and stays hidden until long after recovery.
        let show_at = scenario.recovery_at() + 3_600_000;
        for tab in &mut population.tabs {
            tab.hidden = Some((tab.arrive_at, show_at));
        }
        let strategy = Strategy::Baseline(Baseline::Chromium);
        let run = sim::simulate(
            &scenario,
            &population,
            strategy,
            &sim::our_config(None, None),
            3,
        );
        assert_eq!(run.outage_total, 0);
        // Nothing before they are shown (and, shown all at once, they then retry in lock-step: many
        // are still waiting at the end of the run).
        assert!(run.after_recovery_total > 0);
        assert!(run
            .reload_delays_ms
            .iter()
            .all(|d| d.is_none_or(|d| d >= 3_600_000)));
    }

    #[test]
    fn our_outage_load_is_bounded_by_the_health_cache() {
        let scenario = quick_base();
        let population = Population::new(&scenario, 1);
        let run = sim::simulate(
            &scenario,
            &population,
            Strategy::GatewayDoctor,
            &sim::our_config(None, None),
            4,
        );
        // Hundreds of probes per second reach the gateway; one per second reaches the origin.
        assert_eq!(run.outage_peak_rps, 1);
        assert!(
            run.outage_gateway_peak_rps > 50,
            "{}",
            run.outage_gateway_peak_rps
        );
        assert!(run.reload_delays_ms.iter().any(|d| d.is_some()));
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers_and_another_seed_does_not() {
        let scenarios = vec![Scenario::all(true).remove(4)];
        let config = sim::our_config(None, None);
        let a = run_all(&scenarios, 11, &config);
        assert_eq!(a, run_all(&scenarios, 11, &config));
        assert_ne!(a, run_all(&scenarios, 12, &config));
    }

    #[test]
    fn the_planned_outage_is_seen_by_every_baseline_as_requests_before_retry_after() {
        let scenario = Scenario::all(true).remove(3);
        let population = Population::new(&scenario, 1);
        let strategy = Strategy::Baseline(Baseline::MetaRefresh30s);
        let run = sim::simulate(
            &scenario,
            &population,
            strategy,
            &sim::our_config(None, None),
            5,
        );
        // Every 30 s reload during the outage is inside the 300 s it was asked to wait.
        assert!(run.before_retry_after as f64 > 0.9 * run.outage_total as f64);
    }
}
