//! `cargo xtask fuzz`: runs the native fuzz driver (`tests/fuzz.rs`) for a time budget.
//!
//! cargo-fuzz needs a nightly toolchain, so the driver is an ordinary integration test that mutates
//! the kept corpus in `tests/fuzz-corpus/<target>/` when `GD_FUZZ_SECONDS` is set. Here it is built
//! optimised (about 4× more inputs per second than the debug build) but with overflow checks and
//! debug assertions on, in its own target directory (`target/fuzz`) so it never invalidates the
//! normal builds. A panic saves the input to the corpus as `crash-<hash>` and fails the run.
//!
//! `cargo xtask test` runs the same driver for [`SUITE_SECONDS`] with the debug build that
//! `cargo test` has already compiled.

use std::process::Command;

use crate::util::{bail, cargo, cargo_target_dir, run, Args, Result};

/// The suite's bounded run, in seconds of mutation (plus a second or two of corpus replay).
pub const SUITE_SECONDS: u32 = 20;

const TARGETS: &str = "json, config, status, retry-after, request-line, url, user-agent";

pub fn cmd(mut args: Args) -> Result<()> {
    let seconds: u32 = args.parsed("seconds")?.unwrap_or(300);
    let targets = args.take("targets");
    let seed: Option<u64> = args.parsed("seed")?;
    let save_new = match args.take("save-new").as_deref() {
        None | Some("no") => false,
        Some("yes") => true,
        Some(other) => bail!("--save-new takes yes or no, got `{other}`"),
    };
    let optimised = match args.take("build").as_deref() {
        None | Some("optimised") => true,
        Some("debug") => false,
        Some(other) => bail!("--build takes optimised or debug, got `{other}`"),
    };
    args.finish()?;
    if seconds == 0 {
        bail!("--seconds must be at least 1");
    }
    if let Some(list) = &targets {
        for name in list.split(',') {
            if !TARGETS.split(", ").any(|t| t == name.trim()) {
                bail!("unknown fuzz target `{name}` (targets: {TARGETS})");
            }
        }
    }
    let mut cmd = driver(seconds, optimised);
    if let Some(list) = targets {
        cmd.env("GD_FUZZ_TARGETS", list);
    }
    if let Some(seed) = seed {
        cmd.env("GD_FUZZ_SEED", seed.to_string());
    }
    if save_new {
        // Inputs that showed new behaviour become `new-<hash>` files: review before committing.
        cmd.env("GD_FUZZ_GROW", "1");
    }
    run(&mut cmd)
}

/// The bounded run of `cargo xtask test`.
pub fn suite_step() -> Result<()> {
    run(&mut driver(SUITE_SECONDS, false))
}

fn driver(seconds: u32, optimised: bool) -> Command {
    let mut cmd = cargo();
    // `--workspace` as in the suite's `cargo test` step: the same features, so nothing recompiles.
    cmd.args(["test", "--workspace", "--test", "fuzz"]);
    if optimised {
        cmd.arg("--release")
            .env("CARGO_TARGET_DIR", cargo_target_dir().join("fuzz"))
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true")
            .env("CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS", "true")
            // The driver catches panics to save the input; abort would lose it.
            .env("CARGO_PROFILE_RELEASE_PANIC", "unwind");
    }
    cmd.args(["--", "--exact", "fuzz_every_parser", "--nocapture"])
        .env("GD_FUZZ_SECONDS", seconds.to_string())
        // One line per panic is enough; a backtrace per crashing input floods the log.
        .env("RUST_BACKTRACE", "0");
    cmd
}
