//! `cargo xtask bench <name>`: simulations that hold the product to the numbers it promises.
//!
//! `recovery` is the benchmark of issue 4 and docs/RECOVERY.md: a seeded discrete-event simulation
//! that drives the real recovery state machine (`gateway_doctor::logic::machine`) with simulated
//! time, next to the reload schedules other error pages and clients use.
//!
//! - `scenario.rs`: the cases and the crowd of waiting tabs each one starts with.
//! - `world.rs`: the gateway (health micro-cache) and the origin (down, then capacity-limited).
//! - `strategy.rs`: the baselines' schedules.
//! - `sim.rs`: the event loop, including the driver that runs our machine like the browser shell.
//! - `report.rs` / `plot.rs`: metrics, target verdicts, JSON and SVG.
//! - `recovery.rs`: the command.

mod plot;
mod recovery;
mod report;
mod scenario;
mod sim;
mod strategy;
mod world;

/// Runs `cargo xtask bench …`; `args` are the words after `bench` (`health` and `page` are
/// dispatched before this, in main.rs: they are not simulations).
pub fn run(args: &[String]) -> Result<(), String> {
    let usage = || format!("{}\n{}", recovery::USAGE, crate::pageload::USAGE);
    match args.split_first() {
        Some((name, rest)) if name == "recovery" => recovery::run(&recovery::Options::parse(rest)?),
        Some((name, _)) if name == "-h" || name == "--help" || name == "help" => {
            println!("{}", usage());
            Ok(())
        }
        Some((name, _)) => Err(format!("unknown benchmark `{name}`\n{}", usage())),
        None => Err(format!("which benchmark?\n{}", usage())),
    }
}
