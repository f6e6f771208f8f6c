//! `npm ci`, but only when needed: it deletes and reinstalls node_modules every time, which is slow and
//! pointless when the lockfile has not changed since the last install.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::{run, say, Context as _, Result};

/// Copy of the package-lock.json that the current node_modules was installed from.
const LOCK_STAMP: &str = "node_modules/.gateway-doctor-installed-lock.json";

/// Makes `dir/node_modules` match `dir/package-lock.json` exactly, running `npm ci` if node_modules is
/// missing or was installed from a different lockfile. `why` is shown when it installs.
pub fn ci_if_needed(dir: &Path, why: &str) -> Result<()> {
    let lock_path = dir.join("package-lock.json");
    let lock = fs::read(&lock_path).context(format!(
        "{} is required (`npm ci` installs exactly what it pins; run `npm install` next to its package.json and commit it)",
        lock_path.display()
    ))?;
    let stamp = dir.join(LOCK_STAMP);
    if dir.join("node_modules").is_dir() && fs::read(&stamp).ok().as_deref() == Some(&lock[..]) {
        return Ok(());
    }
    say!("installing npm packages in {} ({why})", dir.display());
    run(Command::new("npm")
        .current_dir(dir)
        .args(["ci", "--no-audit", "--no-fund"]))?;
    fs::write(&stamp, &lock).context(format!("writing {}", stamp.display()))
}
