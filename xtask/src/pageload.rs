//! `cargo xtask bench page [--runs N] [--quick]`: how long a visitor on a slow mobile link waits for
//! the error page's guidance and for its widget, in real headless Chromium, for each way the page is
//! delivered (the nginx recipe, the English single file, the multilingual single file).
//!
//! The measuring is done by `tests/e2e/bench/page-load.mjs` (its comments say what each number is):
//! a browser is driven from Node with playwright-core, next to the e2e harness that starts nginx
//! with the recipe, so the benchmark and the e2e tests share one way of serving the page. This
//! command makes sure that what it loads is current (the site and `dist/` are rebuilt, as
//! `screenshots` does), then runs it. The table goes to stdout, the runs to
//! `<target dir>/bench/page-load.json`.

use std::ffi::OsString;
use std::process::Command;

use crate::bootstrap::{self, Needs};
use crate::dist;
use crate::npm;
use crate::util::{bail, cargo_target_dir, repo_root, run, say, Context as _, Result};

const DRIVER: &str = "tests/e2e/bench/page-load.mjs";

pub const USAGE: &str = "\
usage: cargo xtask bench page [--runs N] [--quick]
  --runs N   loads per delivery and network profile (default 5); the table shows median and max
  --quick    one load of each delivery on slow 3G only: a smoke run";

pub fn cmd(rest: Vec<OsString>) -> Result<()> {
    let mut runs: u32 = 5;
    let mut quick = false;
    let mut args = rest.into_iter().map(|a| a.to_string_lossy().into_owned());
    // `Args` wants a value after every flag; `--quick` has none, as in `bench recovery --quick`.
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--runs" => {
                let value = args.next().unwrap_or_default();
                runs = match value.parse() {
                    Ok(n) if n > 0 => n,
                    _ => bail!("--runs wants a whole number ≥ 1, not `{value}`\n{USAGE}"),
                };
            }
            _ => bail!("unknown option `{arg}`\n{USAGE}"),
        }
    }

    let tools = bootstrap::ensure(Needs::Test)?;
    // Over the size budget is still worth measuring: that is when the numbers matter most. `build`,
    // `dist` and the test suite remain the budget's gate.
    let site = crate::size::build_even_over_budget(&tools)?;
    let dist_dir = dist::make(&site)?;
    let e2e = repo_root().join("tests/e2e");
    npm::ci_if_needed(&e2e, "playwright-core for driving Chromium")?;
    let out = cargo_target_dir().join("bench/page-load.json");
    let xtask = std::env::current_exe().context("locating the xtask binary")?;
    say!("loading the page in headless Chromium under throttled networks (a few minutes; --quick for one load each)");
    run(tools
        .harness_env(&mut Command::new("node"), &xtask, &site)
        .current_dir(repo_root())
        .arg(DRIVER)
        .args(["--runs", &runs.to_string()])
        .args(quick.then_some("--quick"))
        .arg("--out")
        .arg(&out)
        .env("GD_DIST_DIR", &dist_dir))
}
