//! `cargo xtask build`: wasm-pack for every target in wasm-pack.toml, wasm-opt, npm metadata, the site.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bootstrap::{self, Needs, Tools};
use crate::config::{Packaging, Target};
use crate::util::{bail, gzip_len, run, say, Context as _, Result};

/// What a build produced, for callers that go on to serve or test it.
pub struct Built {
    /// The assembled site directory (absolute).
    pub site_dir: PathBuf,
}

/// The subcommand: make sure the build tools exist, then build.
pub fn cmd() -> Result<()> {
    let tools = bootstrap::ensure(Needs::Build)?;
    build(&tools).map(|_| ())
}

/// Builds everything with the tools [`bootstrap::ensure`] found (demo and test bootstrap more than build
/// needs, then call this).
pub fn build(tools: &Tools) -> Result<Built> {
    let cfg = Packaging::load()?;
    for target in &cfg.targets {
        let out_dir = cfg.abs(&target.out_dir);
        wasm_pack(&cfg, target, &out_dir)?;
        let wasm = out_dir.join(cfg.wasm_file());
        wasm_opt(&tools.wasm_opt, &cfg.wasm_opt.flags, &wasm)?;
        // The `web` glue hands its imports over as one object, so their names are ours to choose
        // (xtask/src/imports.rs); other glue styles import the module by its file name.
        if target.name == "web" {
            let module = format!("./{}_bg.js", cfg.build.out_name);
            crate::imports::shorten(&wasm, &out_dir.join(cfg.js_file()), &module)?;
        }
        patch_package_json(&cfg, &out_dir.join("package.json"))?;
    }
    let site_dir = assemble_site(&cfg)?;
    report_sizes(&cfg, &site_dir)?;
    say!("site assembled in {}", site_dir.display());
    Ok(Built { site_dir })
}

fn wasm_pack(cfg: &Packaging, target: &Target, out_dir: &Path) -> Result<()> {
    let features = cargo_feature_args(target);
    // Stale files from an older build (renamed outputs) must not end up in the site or the npm package.
    if out_dir.exists() {
        fs::remove_dir_all(out_dir).context(format!("removing {}", out_dir.display()))?;
    }
    // `--mode no-install`: wasm-pack must never download tools; bootstrap installed the exact versions.
    run(Command::new("wasm-pack")
        .current_dir(crate::util::repo_root())
        .args([
            "build",
            "--mode",
            "no-install",
            "--release",
            "--target",
            &target.name,
        ])
        .arg("--out-dir")
        .arg(out_dir)
        .args(["--out-name", &cfg.build.out_name])
        // What follows `--` goes to cargo.
        .args(if features.is_empty() {
            &[][..]
        } else {
            &["--"][..]
        })
        .args(features))
}

/// Cargo's flags for this build's features (`--no-default-features`, `--features a,b`).
pub fn cargo_feature_args(target: &Target) -> Vec<String> {
    let mut args = Vec::new();
    if !target.default_features {
        args.push("--no-default-features".to_owned());
    }
    if !target.features.is_empty() {
        args.push("--features".to_owned());
        args.push(target.features.join(","));
    }
    args
}

/// Runs wasm-opt in place via a temporary file, so an interrupted run never leaves a truncated module.
fn wasm_opt(wasm_opt: &Path, flags: &[String], wasm: &Path) -> Result<()> {
    if !wasm.is_file() {
        bail!("wasm-pack did not produce {}", wasm.display());
    }
    let tmp = wasm.with_extension("wasm.opt-tmp");
    let result = run(Command::new(wasm_opt)
        .args(flags)
        .arg(wasm)
        .arg("-o")
        .arg(&tmp));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, wasm).context(format!("replacing {}", wasm.display()))
}

/// Applies the npm-only settings from wasm-pack.toml to the package.json wasm-pack generated from
/// Cargo.toml: the package name, and extra keywords appended to the crates.io ones.
fn patch_package_json(cfg: &Packaging, path: &Path) -> Result<()> {
    let text = fs::read_to_string(path).context(format!("reading {}", path.display()))?;
    let mut json: serde_json::Value =
        serde_json::from_str(&text).context(format!("parsing {}", path.display()))?;
    let Some(object) = json.as_object_mut() else {
        bail!("{} is not a JSON object", path.display());
    };
    object.insert("name".into(), cfg.npm.name.clone().into());
    let keywords = object
        .entry("keywords")
        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    let Some(keywords) = keywords.as_array_mut() else {
        bail!("{}: keywords is not an array", path.display());
    };
    for extra in &cfg.npm.extra_keywords {
        if !keywords.iter().any(|k| k.as_str() == Some(extra)) {
            keywords.push(extra.clone().into());
        }
    }
    let mut out = serde_json::to_string_pretty(&json).expect("a JSON value always serialises");
    out.push('\n');
    fs::write(path, out).context(format!("writing {}", path.display()))
}

/// `target/site` = every file of the page sources + the web target's JS glue and wasm. Rebuilt from
/// scratch so a file deleted from www/page disappears from the site too.
fn assemble_site(cfg: &Packaging) -> Result<PathBuf> {
    let pages = cfg.abs(&cfg.site.pages);
    if !pages.is_dir() {
        bail!(
            "page sources {} are missing (the site needs 502.html, page.css and boot.js)",
            pages.display()
        );
    }
    let site = cfg.abs(&cfg.site.dir);
    if site.exists() {
        fs::remove_dir_all(&site).context(format!("removing {}", site.display()))?;
    }
    fs::create_dir_all(&site).context(format!("creating {}", site.display()))?;
    copy_tree(&pages, &site)?;
    // nginx serves the one page for 502, 503 and 504: its heading and lede follow the status (SSI).
    let page = site.join("502.html");
    let html = fs::read_to_string(&page).context(format!("reading {}", page.display()))?;
    fs::write(&page, crate::dist::with_status_texts(&html)?)
        .context(format!("writing {}", page.display()))?;

    let from = cfg
        .target(&cfg.site.wasm_from_target)
        .expect("validated when loading wasm-pack.toml");
    let wasm_dir = cfg.abs(&from.out_dir);
    for name in [cfg.js_file(), cfg.wasm_file()] {
        let src = wasm_dir.join(&name);
        fs::copy(&src, site.join(&name)).context(format!("copying {}", src.display()))?;
    }
    crate::locales::write_all(&site)?;
    // Visitors download these while the site is failing; the readable sources stay in www/page and
    // in the wasm-pack output (which dist reads for the single files).
    for name in [cfg.js_file(), "boot.js".to_owned()] {
        crate::minify::file(&site.join(name))?;
    }
    precompress(&site)?;
    Ok(site)
}

/// Extensions of the assets that get a `.gz` twin.
const PRECOMPRESSED: &[&str] = &["wasm", "js", "css", "json", "svg"];

/// Writes `<file>.gz` (zopfli: smaller than gzip -9) next to every asset, for nginx's `gzip_static` and
/// Caddy's `precompressed`: a failing site then spends no CPU compressing what every waiting visitor
/// downloads, and sends fewer bytes than on-the-fly gzip would. The HTML is left alone: nginx runs
/// SSI on it, which needs the plain text.
pub fn precompress(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).context(format!("reading {}", dir.display()))? {
        let path = entry.context(format!("reading {}", dir.display()))?.path();
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !PRECOMPRESSED.contains(&ext) {
            continue;
        }
        let bytes = fs::read(&path).context(format!("reading {}", path.display()))?;
        let mut gz = path.clone().into_os_string();
        gz.push(".gz");
        fs::write(&gz, crate::dist::zopfli_gzip(&bytes)?)
            .context(format!("writing {}", Path::new(&gz).display()))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in fs::read_dir(from).context(format!("reading {}", from.display()))? {
        let entry = entry.context(format!("reading {}", from.display()))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if src.is_dir() {
            fs::create_dir_all(&dst).context(format!("creating {}", dst.display()))?;
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).context(format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}

/// Prints raw and gzipped sizes and enforces the wasm budget. The page and locale budgets are listed so
/// they stay visible, but their artefacts do not exist yet.
fn report_sizes(cfg: &Packaging, site: &Path) -> Result<()> {
    let mut over_budget = Vec::new();
    eprintln!(
        "\n  {:<28} {:>9} {:>9} {:>9}",
        "file", "bytes", "gzip -9", "budget"
    );
    for (name, budget) in [
        (cfg.wasm_file(), Some(cfg.budgets.wasm_gzip_max)),
        (cfg.js_file(), None),
    ] {
        let bytes = fs::read(site.join(&name)).context(format!("reading {name}"))?;
        let gz = gzip_len(&bytes) as u64;
        let budget_text = budget.map_or_else(|| "-".to_owned(), |b| b.to_string());
        eprintln!("  {name:<28} {:>9} {gz:>9} {budget_text:>9}", bytes.len());
        if let Some(max) = budget.filter(|max| gz > *max) {
            over_budget.push(format!("{name} is {gz} bytes gzipped, budget {max}"));
        }
    }
    eprintln!(
        "  {:<28} {:>9} {:>9} {:>9}  (not built yet)",
        "single-file page", "-", "-", cfg.budgets.page_gzip_max
    );
    eprintln!(
        "  {:<28} {:>9} {:>9} {:>9}  (not built yet)\n",
        "each locale", "-", "-", cfg.budgets.locale_gzip_max
    );
    if !over_budget.is_empty() {
        bail!(
            "size budget exceeded (wasm-pack.toml [budgets]): {}",
            over_budget.join("; ")
        );
    }
    Ok(())
}
