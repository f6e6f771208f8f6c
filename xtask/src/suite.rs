//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.
//!
//! Cheap static checks come first so a formatting slip fails in seconds, not after a browser run. Each step
//! prints a header; the last line is always `N passed, N failed` (counting steps).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::bootstrap::{self, Needs, Tools};
use crate::build;
use crate::dist;
use crate::fuzz;
use crate::loadtest;
use crate::npm;
use crate::size;
use crate::util::{bail, cargo, cargo_target_dir, probe, repo_root, run, Context as _, Result};

const E2E_DIR: &str = "tests/e2e";

/// State shared by steps: what bootstrap found and what build produced.
#[derive(Default)]
struct State {
    tools: Tools,
    site_dir: Option<PathBuf>,
}

type Step = (&'static str, fn(&mut State) -> Result<()>);

const STEPS: &[Step] = &[
    ("bootstrap tools", step_bootstrap),
    ("rustfmt", step_fmt),
    ("clippy (native)", step_clippy_native),
    ("clippy (wasm32)", step_clippy_wasm),
    ("cargo test (native)", step_cargo_test),
    ("fuzz (every parser, 20 s of mutations)", step_fuzz),
    (
        "health endpoint load test (nginx micro-cache, 4 s at 2,000 req/s)",
        step_health_load,
    ),
    ("build (wasm-pack, wasm-opt, site)", step_build),
    (
        "dist (single-file pages, CSP hashes, problem+json, recipes)",
        step_dist,
    ),
    ("size budgets (gzip -9)", step_size),
    (
        "wasm-bindgen-test in headless Chromium",
        step_wasm_pack_test,
    ),
    ("e2e (node --test, nginx, Chromium)", step_e2e),
];

pub fn cmd() -> Result<()> {
    let mut state = State::default();
    let mut passed = 0;
    let total = STEPS.len();
    let started = Instant::now();
    for (index, (name, step)) in STEPS.iter().enumerate() {
        eprintln!("\n==> [{}/{total}] {name}", index + 1);
        let t = Instant::now();
        match step(&mut state) {
            Ok(()) => {
                passed += 1;
                eprintln!("==> ok: {name} ({:.1} s)", t.elapsed().as_secs_f64());
            }
            Err(e) => {
                let not_run: Vec<&str> = STEPS[index + 1..].iter().map(|(n, _)| *n).collect();
                eprintln!("\n==> FAILED: {name}: {e}");
                if !not_run.is_empty() {
                    eprintln!("==> not run: {}", not_run.join(", "));
                }
                // The summary must be the last line, so exit here instead of returning an error for main
                // to print after it.
                eprintln!("{passed} passed, 1 failed");
                std::process::exit(1);
            }
        }
    }
    eprintln!(
        "\n==> all checks passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    eprintln!("{passed} passed, 0 failed");
    Ok(())
}

fn step_bootstrap(state: &mut State) -> Result<()> {
    state.tools = bootstrap::ensure(Needs::Test)?;
    Ok(())
}

fn step_fmt(_: &mut State) -> Result<()> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))
}

fn step_clippy_native(_: &mut State) -> Result<()> {
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// The browser half of the crate only compiles for wasm32, so native clippy never sees it. Lints the
/// library and its wasm-bindgen tests with every feature, then each shipped build with only its own
/// export (wasm-pack.toml: the error page's `page`, the status snippet's `snippet`), where code
/// that only another export uses would otherwise hide.
fn step_clippy_wasm(_: &mut State) -> Result<()> {
    let builds: [&[&str]; 3] = [
        &["--tests"],
        &["--no-default-features", "--features", "page"],
        &["--no-default-features", "--features", "snippet"],
    ];
    for build in builds {
        run(cargo()
            .args(["clippy", "-p", "gateway-doctor", "--lib"])
            .args(build)
            .args(["--target", "wasm32-unknown-unknown", "--", "-D", "warnings"]))?;
    }
    Ok(())
}

fn step_cargo_test(_: &mut State) -> Result<()> {
    run(cargo().args(["test", "--workspace"]))
}

/// The bounded run of `cargo xtask fuzz` (tests/fuzz.rs), with the debug build `cargo test` made.
fn step_fuzz(_: &mut State) -> Result<()> {
    fuzz::suite_step()
}

/// The short `cargo xtask bench health`: real nginx with the recipe's health endpoint, ≥ 1,000 req/s,
/// and the application must see about one request per second.
fn step_health_load(state: &mut State) -> Result<()> {
    let nginx = state
        .tools
        .nginx
        .as_deref()
        .expect("bootstrap checks nginx");
    loadtest::suite_step(nginx)
}

fn step_build(state: &mut State) -> Result<()> {
    state.site_dir = Some(build::build(&state.tools)?.site_dir);
    Ok(())
}

/// `dist/`, which the e2e tests `dist*.test.mjs` serve with nginx, Apache, Caddy and HAProxy.
fn step_dist(state: &mut State) -> Result<()> {
    let site = state
        .site_dir
        .as_deref()
        .expect("the build step ran before dist");
    dist::make(site).map(|_| ())
}

/// Fails only on the budgets in `size::ENFORCED`; the others are printed as "not enforced yet".
fn step_size(state: &mut State) -> Result<()> {
    let site = state
        .site_dir
        .as_deref()
        .expect("the build step ran before size");
    size::suite_check(site, &dist::dist_dir())
}

/// wasm-bindgen-test in real Chromium via chromedriver. The runner reads webdriver.json from the crate
/// root for the browser flags; `--mode no-install` forbids downloading a chromedriver.
fn step_wasm_pack_test(state: &mut State) -> Result<()> {
    let chromedriver = state
        .tools
        .chromedriver
        .as_deref()
        .expect("bootstrap for Test checks chromedriver");
    run(Command::new("wasm-pack")
        .current_dir(repo_root())
        .args(["test", "--headless", "--chrome", "--mode", "no-install"])
        .arg("--chromedriver")
        .arg(chromedriver)
        .env("CHROMEDRIVER", chromedriver))
}

fn step_e2e(state: &mut State) -> Result<()> {
    let e2e = repo_root().join(E2E_DIR);
    if !e2e.join("package.json").is_file() {
        bail!("{E2E_DIR}/package.json does not exist: the e2e suite is missing (this step never skips)");
    }
    let tests = test_files(&e2e)?;
    check_node_version()?;
    npm::ci_if_needed(&e2e, "the e2e test dependencies")?;

    // The tests start `xtask upstream` / `xtask nginx-conf` themselves, so they need the binary's path.
    run(cargo().args(["build", "--quiet", "-p", "xtask"]))?;
    let xtask_bin = cargo_target_dir().join("debug/xtask");
    let site_dir = state
        .site_dir
        .as_deref()
        .expect("the build step ran before e2e");

    // Files are listed explicitly: how `node --test <dir>` treats a directory differs between Node versions.
    // One file at a time: the tests start browsers and nginx instances, and CI has two cores.
    run(state
        .tools
        .harness_env(&mut Command::new("node"), &xtask_bin, site_dir)
        .current_dir(repo_root())
        .args(["--test", "--test-concurrency=1"])
        .args(&tests))
}

/// `tests/e2e/*.test.mjs`, sorted, as repo-relative paths (short, readable command lines).
fn test_files(e2e: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(e2e)
        .context(format!("reading {}", e2e.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name())
        .filter(|name| name.to_string_lossy().ends_with(".test.mjs"))
        .map(|name| Path::new(E2E_DIR).join(name))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no {E2E_DIR}/*.test.mjs files: the e2e suite is missing");
    }
    Ok(files)
}

/// `--test-concurrency` and the test runner features the suite relies on need Node 20 or newer.
fn check_node_version() -> Result<()> {
    let version = probe("node", &["--version"]).unwrap_or_default();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        bail!("the e2e tests need Node.js 20 or newer, found `{version}` (Debian's `nodejs` may be too old; use NodeSource or nvm)");
    }
    Ok(())
}
