//! `cargo xtask screenshots [--update-docs]`: the real page, served by nginx with the shipped snippet in
//! front of a dead application, in headless Chromium: light and dark, desktop (1280×900) and mobile
//! (390×844). The pictures are taken by `tests/e2e/dist-screenshots.test.mjs` (so `cargo xtask test`
//! takes them too) into `target/screenshots/`; `--update-docs` copies them to `docs/screenshots/` for
//! the README.

use std::ffi::OsString;
use std::fs;
use std::process::Command;

use crate::bootstrap::{self, Needs};
use crate::npm;
use crate::util::{bail, cargo_target_dir, repo_root, run, say, Context as _, Result};

pub const TEST_FILE: &str = "tests/e2e/dist-screenshots.test.mjs";
const DOCS_DIR: &str = "docs/screenshots";

pub fn cmd(rest: Vec<OsString>) -> Result<()> {
    let mut update_docs = false;
    for arg in rest {
        match arg.to_str() {
            Some("--update-docs") => update_docs = true,
            _ => bail!("unknown option {arg:?} (screenshots takes only --update-docs)"),
        }
    }
    let tools = bootstrap::ensure(Needs::Test)?;
    let site = crate::size::build_even_over_budget(&tools)?;
    let e2e = repo_root().join("tests/e2e");
    npm::ci_if_needed(&e2e, "the e2e test dependencies")?;
    let out = cargo_target_dir().join("screenshots");
    let xtask = std::env::current_exe().context("locating the xtask binary")?;
    run(tools
        .harness_env(&mut Command::new("node"), &xtask, &site)
        .current_dir(repo_root())
        .args(["--test", "--test-concurrency=1", TEST_FILE])
        .env("GD_SCREENSHOT_DIR", &out))?;
    say!("screenshots in {}", out.display());
    if update_docs {
        let docs = repo_root().join(DOCS_DIR);
        fs::create_dir_all(&docs).context(format!("creating {}", docs.display()))?;
        let mut copied = 0;
        for entry in fs::read_dir(&out).context(format!("reading {}", out.display()))? {
            let path = entry.context("reading the screenshots")?.path();
            if path.extension().is_some_and(|e| e == "png") {
                let name = path.file_name().expect("a file has a name");
                fs::copy(&path, docs.join(name)).context(format!("copying {}", path.display()))?;
                copied += 1;
            }
        }
        say!("copied {copied} screenshots to {}", docs.display());
    }
    Ok(())
}
