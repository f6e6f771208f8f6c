//! Makes sure every tool a subcommand needs is installed, installing what is missing.
//!
//! Idempotent and cheap when everything is present (a few `--version` probes), so build, demo and test all
//! start with it: a fresh machine or CI runner needs nothing but rustup and this repository. It never asks
//! questions (CI=true, no stdin) and says what it installs and why before installing it. When a system
//! package is missing and we are not root, it prints the exact command to run and fails.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::config::locked_wasm_bindgen_version;
use crate::npm;
use crate::util::{
    bail, cargo, is_root, probe, repo_root, run, say, which, Context as _, Error, Result,
};

/// What the caller is about to do; each level needs everything the previous one needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Needs {
    /// wasm-pack, wasm-bindgen, the wasm32 target, node + npm, wasm-opt.
    Build,
    /// + nginx.
    Demo,
    /// + rustfmt, clippy, Chromium, chromedriver.
    Test,
}

/// Absolute paths of the system tools that were checked, for callers that pass them on (the e2e tests get
/// `GD_NGINX` and `GD_CHROMIUM`). `None` when the caller's [`Needs`] did not include the tool.
#[derive(Debug, Default)]
pub struct Tools {
    /// binaryen's wasm-opt (always checked).
    pub wasm_opt: PathBuf,
    pub nginx: Option<PathBuf>,
    pub chromium: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
}

impl Tools {
    /// What the e2e harness (tests/e2e/lib/harness.mjs) reads, for every node command that uses it:
    /// the xtask binary (it starts `xtask upstream` / `xtask nginx-conf`), the assembled site, nginx
    /// and Chromium. Only after `ensure(Needs::Test)`, which checks both tools.
    pub fn harness_env<'c>(
        &self,
        command: &'c mut Command,
        xtask_bin: &std::path::Path,
        site_dir: &std::path::Path,
    ) -> &'c mut Command {
        command
            .env("GD_XTASK_BIN", xtask_bin)
            .env("GD_SITE_DIR", site_dir)
            .env(
                "GD_NGINX",
                self.nginx.as_deref().expect("Needs::Test checks nginx"),
            )
            .env(
                "GD_CHROMIUM",
                self.chromium
                    .as_deref()
                    .expect("Needs::Test checks chromium"),
            )
    }
}

/// A binary that comes from a Debian package.
struct SystemTool {
    binary: &'static str,
    /// Also searched besides PATH: /usr/sbin is not on a normal user's PATH but holds nginx.
    extra_dirs: &'static [&'static str],
    package: &'static str,
    why: &'static str,
    needed_for: Needs,
}

const SYSTEM_TOOLS: &[SystemTool] = &[
    SystemTool {
        binary: "nginx",
        extra_dirs: &["/usr/sbin"],
        package: "nginx",
        why: "serving the error page in the demo and the e2e tests",
        needed_for: Needs::Demo,
    },
    SystemTool {
        binary: "chromium",
        extra_dirs: &["/usr/bin"],
        package: "chromium",
        why: "wasm-bindgen-test and the e2e tests",
        needed_for: Needs::Test,
    },
    SystemTool {
        binary: "chromedriver",
        extra_dirs: &["/usr/bin"],
        package: "chromium-driver",
        why: "running wasm-bindgen-test in Chromium",
        needed_for: Needs::Test,
    },
    // The distribution tests (tests/e2e/dist-recipes.test.mjs) validate and run the server recipes with
    // the real servers. Traefik has no Debian package, so its recipe gets only the YAML check.
    SystemTool {
        binary: "apache2",
        extra_dirs: &["/usr/sbin"],
        package: "apache2",
        why: "checking the Apache recipe (apache2 -t, then a real run)",
        needed_for: Needs::Test,
    },
    SystemTool {
        binary: "haproxy",
        extra_dirs: &["/usr/sbin"],
        package: "haproxy",
        why: "checking the HAProxy recipe and its errorfiles (haproxy -c, then a real run)",
        needed_for: Needs::Test,
    },
    SystemTool {
        binary: "caddy",
        extra_dirs: &["/usr/bin"],
        package: "caddy",
        why: "checking the Caddy recipe (caddy validate, then a real run)",
        needed_for: Needs::Test,
    },
    SystemTool {
        binary: "yamllint",
        extra_dirs: &["/usr/bin"],
        package: "yamllint",
        why: "checking the Kubernetes and Traefik YAML (it also brings python3-yaml)",
        needed_for: Needs::Test,
    },
    SystemTool {
        binary: "node",
        extra_dirs: &[],
        package: "nodejs",
        why: "wasm-opt (binaryen.js) and the e2e tests",
        needed_for: Needs::Build,
    },
    SystemTool {
        binary: "npm",
        extra_dirs: &[],
        package: "npm",
        why: "installing binaryen and the e2e test dependencies",
        needed_for: Needs::Build,
    },
];

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Installs whatever `needs` requires and is missing; see the module docs.
pub fn ensure(needs: Needs) -> Result<Tools> {
    // System packages first: without root this fails at once with the command to run, instead of after
    // minutes of `cargo install`.
    let mut tools = ensure_system_tools(needs)?;
    ensure_wasm_target()?;
    if needs >= Needs::Test {
        ensure_rust_components()?;
    }
    ensure_wasm_pack()?;
    let wasm_bindgen = ensure_wasm_bindgen()?;
    tools.wasm_opt = ensure_wasm_opt()?;
    say!("tools ready (wasm-bindgen {wasm_bindgen}, {needs:?} set)");
    Ok(tools)
}

fn ensure_wasm_target() -> Result<()> {
    let Some(installed) = probe("rustup", &["target", "list", "--installed"]) else {
        // Without rustup (e.g. a distro toolchain) we cannot add targets; check the sysroot instead.
        let sysroot = probe("rustc", &["--print", "sysroot"]).unwrap_or_default();
        if PathBuf::from(sysroot)
            .join("lib/rustlib")
            .join(WASM_TARGET)
            .is_dir()
        {
            return Ok(());
        }
        bail!("the {WASM_TARGET} Rust target is missing and rustup is not available to add it; install rustup (https://rustup.rs)");
    };
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    say!("installing Rust target {WASM_TARGET} (needed to compile the widget to WebAssembly)");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn ensure_rust_components() -> Result<()> {
    let missing: Vec<&str> = [("rustfmt", "fmt"), ("clippy", "clippy")]
        .into_iter()
        .filter(|(_, sub)| probe(cargo().get_program(), &[sub, "--version"]).is_none())
        .map(|(component, _)| component)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    say!(
        "installing Rust components {} (needed for the format and lint checks)",
        missing.join(", ")
    );
    run(Command::new("rustup")
        .args(["component", "add"])
        .args(&missing))
}

fn ensure_wasm_pack() -> Result<()> {
    if probe("wasm-pack", &["--version"]).is_some() {
        return Ok(());
    }
    say!("installing wasm-pack (needed to build and test the wasm package)");
    cargo_install(&["wasm-pack"])?;
    if probe("wasm-pack", &["--version"]).is_none() {
        bail!("wasm-pack was installed but does not run; is ~/.cargo/bin on PATH?");
    }
    Ok(())
}

/// The wasm-bindgen CLI must be exactly the locked library version: wasm-pack (in `--mode no-install`)
/// refuses a mismatch rather than downloading, and a mismatched CLI would produce broken glue anyway.
fn ensure_wasm_bindgen() -> Result<String> {
    let wanted = locked_wasm_bindgen_version()?;
    let installed = installed_wasm_bindgen();
    if installed.as_deref() == Some(wanted.as_str()) {
        return Ok(wanted);
    }
    match &installed {
        Some(other) => say!(
            "installing wasm-bindgen-cli {wanted} over {other} (must match wasm-bindgen {wanted} in Cargo.lock)"
        ),
        None => say!(
            "installing wasm-bindgen-cli {wanted} (wasm-pack needs it; must match Cargo.lock)"
        ),
    }
    cargo_install(&["wasm-bindgen-cli", "--version", &wanted, "--force"])?;
    match installed_wasm_bindgen() {
        Some(now) if now == wanted => Ok(wanted),
        now => bail!(
            "installed wasm-bindgen-cli {wanted} but `wasm-bindgen --version` reports {now:?}; \
             is another wasm-bindgen earlier on PATH?"
        ),
    }
}

/// binaryen's wasm-opt at the version pinned in xtask/tools/package-lock.json, installed with `npm ci`
/// into target/tools. Not Debian's `binaryen`: bookworm ships version 108, whose binary writer points
/// wasm-bindgen's `__wbindgen_externrefs` export at the wrong table, so the optimised module fails at
/// init (`WebAssembly.Table.set(): ... function-typed object`). A pinned version also makes the output
/// size, and so the budgets, the same on every machine.
fn ensure_wasm_opt() -> Result<PathBuf> {
    let pinned = repo_root().join("xtask/tools");
    let dir = repo_root().join("target/tools");
    fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
    for name in ["package.json", "package-lock.json"] {
        let src = pinned.join(name);
        let bytes = fs::read(&src).context(format!("reading {}", src.display()))?;
        let dst = dir.join(name);
        if fs::read(&dst).ok().as_deref() != Some(&bytes[..]) {
            fs::write(&dst, &bytes).context(format!("writing {}", dst.display()))?;
        }
    }
    npm::ci_if_needed(
        &dir,
        "binaryen's wasm-opt and terser, needed by `cargo xtask build`",
    )?;
    let wasm_opt = dir.join("node_modules/.bin/wasm-opt");
    for tool in [&wasm_opt, &terser()] {
        if probe(tool, &["--version"]).is_none() {
            bail!("{} does not run after npm ci", tool.display());
        }
    }
    Ok(wasm_opt)
}

/// terser, pinned in xtask/tools and installed with wasm-opt (see [`ensure`]).
pub fn terser() -> PathBuf {
    repo_root().join("target/tools/node_modules/.bin/terser")
}

/// `wasm-bindgen 0.2.130` (possibly followed by a commit hash) -> `0.2.130`.
fn installed_wasm_bindgen() -> Option<String> {
    let out = probe("wasm-bindgen", &["--version"])?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

/// `cargo install --locked`, falling back to a fresh resolution when the lockfile shipped in the crate
/// names a dependency version the registry (or mirror) does not have; this happens with wasm-bindgen-cli.
fn cargo_install(args: &[&str]) -> Result<()> {
    let locked = run(cargo().args(["install", "--locked"]).args(args));
    if locked.is_ok() {
        return locked;
    }
    say!("`cargo install --locked` failed; retrying without --locked (the crate's lockfile may name a dependency version the registry does not have)");
    run(cargo().arg("install").args(args))
}

fn find(tool: &SystemTool) -> Option<PathBuf> {
    which(tool.binary, tool.extra_dirs)
}

fn ensure_system_tools(needs: Needs) -> Result<Tools> {
    let wanted: Vec<&SystemTool> = SYSTEM_TOOLS
        .iter()
        .filter(|t| t.needed_for <= needs)
        .collect();
    let missing: Vec<&SystemTool> = wanted
        .iter()
        .copied()
        .filter(|t| find(t).is_none())
        .collect();
    if !missing.is_empty() {
        install_packages(&missing)?;
    }
    let mut tools = Tools::default();
    for tool in wanted {
        let path = find(tool).ok_or_else(|| {
            Error(format!(
                "`{}` is still missing after installing {}",
                tool.binary, tool.package
            ))
        })?;
        match tool.binary {
            "nginx" => tools.nginx = Some(path),
            "chromium" => tools.chromium = Some(path),
            "chromedriver" => tools.chromedriver = Some(path),
            _ => {}
        }
    }
    Ok(tools)
}

fn install_packages(missing: &[&SystemTool]) -> Result<()> {
    let packages: Vec<&str> = missing.iter().map(|t| t.package).collect();
    let list = packages.join(" ");
    for tool in missing {
        say!(
            "missing `{}` (Debian package {}), needed for {}",
            tool.binary,
            tool.package,
            tool.why
        );
    }
    if which("apt-get", &[]).is_none() {
        bail!(
            "no apt-get here: install the equivalents of these Debian packages and re-run: {list}"
        );
    }
    if !is_root() {
        eprintln!("\nRun this, then re-run the command:\n\n    sudo apt-get update && sudo apt-get install -y --no-install-recommends {list}\n");
        bail!("missing system packages and not root: {list}");
    }
    for tool in missing {
        say!("installing {} (needed for {})", tool.package, tool.why);
    }
    run(Command::new("apt-get")
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}
