//! Minifies the JavaScript the error page ships (the wasm-bindgen glue, boot.js and the single files'
//! inline module) with terser, pinned in xtask/tools. The page is shown while the site is failing,
//! often on slow mobile links: the glue shrinks from about 7.4 KB to 5.2 KB gzipped.

use std::collections::HashMap;
use std::fs;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use crate::bootstrap;
use crate::util::{bail, Context as _, Result};

/// `source` (an ES module) minified: compressed and mangled, strings and exports kept. Results are
/// cached for the process: dist minifies the same inline module for every status page.
pub fn module(source: &str) -> Result<String> {
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(done) = cache.lock().ok().and_then(|c| c.get(source).cloned()) {
        return Ok(done);
    }
    let dir = std::env::temp_dir()
        .join(["gateway-doctor-minify-", &std::process::id().to_string()].concat());
    fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
    let input = dir.join("in.mjs");
    let output = dir.join("out.mjs");
    fs::write(&input, source).context(format!("writing {}", input.display()))?;
    let status = Command::new(bootstrap::terser())
        .arg(&input)
        .args(["--module", "--compress", "passes=2", "--mangle", "--output"])
        .arg(&output)
        .status()
        .context("running terser (installed by `cargo xtask build` into target/tools)")?;
    if !status.success() {
        bail!("terser failed ({status}) on a {} byte module", source.len());
    }
    let minified = fs::read_to_string(&output).context(format!("reading {}", output.display()))?;
    let _ = fs::remove_dir_all(&dir);
    if let Ok(mut c) = cache.lock() {
        c.insert(source.to_owned(), minified.clone());
    }
    Ok(minified)
}

/// Minifies a file in place.
pub fn file(path: &std::path::Path) -> Result<()> {
    let source = fs::read_to_string(path).context(format!("reading {}", path.display()))?;
    let minified = module(&source)?;
    fs::write(path, minified).context(format!("writing {}", path.display()))
}
