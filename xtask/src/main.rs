//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does (no Makefile, no shell
//! scripts to keep portable). `cargo xtask help` lists the subcommands.

mod bench;
mod bootstrap;
mod build;
mod config;
mod demo;
mod dist;
mod fuzz;
mod imports;
mod loadtest;
mod locales;
mod minify;
mod nginx;
mod npm;
mod npm_package;
mod pageload;
mod screenshots;
mod size;
mod suite;
mod upstream;
mod util;

use std::ffi::OsString;
use std::process::ExitCode;

use util::{bail, Args, Result};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build        install missing build tools, wasm-pack (error page + full web build), wasm-opt, assemble target/site
  dist         build, then dist/: page/, single-file 502/503/504.html, csp.txt, problem+json, recipes/
  size         gzipped sizes against [budgets] in wasm-pack.toml, and the largest wasm functions
  screenshots  [--update-docs]  the page under nginx in headless Chromium (light/dark, desktop/mobile)
               into target/screenshots/; --update-docs also copies them to docs/screenshots/
  demo         build, then nginx on http://127.0.0.1:8502/ in front of an app that is down 20 s / up 20 s
  test         every CI check in order (fmt, clippy, cargo test, build, wasm-bindgen-test, e2e)
  fuzz         [--seconds N] [--targets json,config,...] [--seed S] [--save-new yes] [--build debug]
               mutate the kept corpus (tests/fuzz-corpus/) against every parser; crashes are saved there
  bootstrap    only install the tools `test` needs
  upstream     --listen ADDR --mode up|cycle|hang|garbage|status|cached-error|overloaded|status-page
               [--up-secs N --down-secs N] [--status CODE] [--retry-after V] [--body-file FILE]
               [--stats FILE]
  nginx-conf   --listen ADDR --upstream HOST:PORT --site DIR --out DIR [--extra FILE] [--snippet FILE]
               writes DIR/nginx.conf and prints its path; run it with
               nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'
  bench        recovery [--seed N] [--quick] [--out DIR] [--reload-spread-ms MS]
               seeded simulation of 10,000 waiting tabs driving the real state machine
  bench        health [--secs N] [--rate R] [--connections C] [--cases up,down,hang,unhealthy]
               load test of nginx's micro-cached health endpoint: what reaches the application
  bench        page [--runs N] [--quick]
               build + dist, then headless Chromium on slow 3G / fast 3G / 4G (CPU slowed 4×): time to the
               guidance and to the live widget, and the bytes, for the nginx recipe and the single files;
               table on stdout, target/bench/page-load.json
";

fn main() -> ExitCode {
    util::ensure_cargo_bin_on_path();
    let mut argv = std::env::args_os().skip(1);
    let command = argv.next();
    let rest: Vec<OsString> = argv.collect();
    match dispatch(command, rest) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Option<OsString>, rest: Vec<OsString>) -> Result<()> {
    let command = command.map(|c| c.to_string_lossy().into_owned());
    let Some(command) = command else {
        eprint!("{USAGE}");
        bail!("no command given");
    };
    let no_options = |rest: Vec<OsString>| Args::parse(rest)?.finish();
    match command.as_str() {
        "build" => {
            no_options(rest)?;
            build::cmd()
        }
        "dist" => dist::cmd(Args::parse(rest)?),
        "size" => size::cmd(Args::parse(rest)?),
        "fuzz" => fuzz::cmd(Args::parse(rest)?),
        "screenshots" => screenshots::cmd(rest),
        "demo" => {
            no_options(rest)?;
            demo::cmd()
        }
        "test" => {
            no_options(rest)?;
            suite::cmd()
        }
        "bootstrap" => {
            no_options(rest)?;
            bootstrap::ensure(bootstrap::Needs::Test).map(|_| ())
        }
        "upstream" => upstream::cmd(Args::parse(rest)?),
        "nginx-conf" => nginx::cmd(Args::parse(rest)?),
        "bench" if rest.first().is_some_and(|a| a == "health") => {
            loadtest::cmd(Args::parse(rest.into_iter().skip(1))?)
        }
        "bench" if rest.first().is_some_and(|a| a == "page") => {
            pageload::cmd(rest.into_iter().skip(1).collect())
        }
        "bench" => {
            let rest: Vec<String> = rest
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            bench::run(&rest).map_err(util::Error)
        }
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprint!("{USAGE}");
            bail!("unknown command `{other}`")
        }
    }
}
