//! Typed view of `wasm-pack.toml` (the packaging manifest) and of the one fact xtask needs from
//! `Cargo.lock` (the locked wasm-bindgen version).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::util::{bail, repo_root, Context as _, Result};

/// `wasm-pack.toml`. Unknown keys are rejected so a misspelt setting fails loudly instead of being ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packaging {
    pub build: BuildSection,
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
    pub site: Site,
    pub wasm_opt: WasmOpt,
    pub npm: Npm,
    pub budgets: Budgets,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSection {
    /// `wasm-pack build --out-name`.
    pub out_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// How other settings refer to this build; defaults to `name`.
    pub id: Option<String>,
    /// `wasm-pack build --target` (web, bundler, ...).
    pub name: String,
    /// Relative to the repository root.
    pub out_dir: PathBuf,
    /// Build with the crate's default features (every export). The error page's build turns them off.
    #[serde(default = "yes")]
    pub default_features: bool,
    /// Cargo features to turn on (with `default_features = false`: the exports this build carries).
    #[serde(default)]
    pub features: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Target {
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub dir: PathBuf,
    pub pages: PathBuf,
    pub wasm_from_target: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasmOpt {
    pub flags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Npm {
    pub name: String,
    /// The [[target]] whose wasm-pack output goes into dist/npm (see npm_package.rs).
    pub target: String,
    #[serde(default)]
    pub extra_keywords: Vec<String>,
}

/// Gzipped byte limits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    pub wasm_gzip_max: u64,
    pub page_gzip_max: u64,
    pub guidance_gzip_max: u64,
    pub locale_gzip_max: u64,
    pub page_guard_gzip_max: u64,
    pub locale_guard_gzip_max: u64,
}

impl Packaging {
    /// Loads `wasm-pack.toml` from the repository root.
    pub fn load() -> Result<Self> {
        let path = repo_root().join("wasm-pack.toml");
        let text = std::fs::read_to_string(&path).context(format!("reading {}", path.display()))?;
        Self::parse(&text).context(format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self> {
        let packaging: Packaging = toml::from_str(text).context("invalid packaging manifest")?;
        packaging.validate()?;
        Ok(packaging)
    }

    fn validate(&self) -> Result<()> {
        if self.targets.is_empty() {
            bail!("no [[target]] entries");
        }
        if self.target(&self.site.wasm_from_target).is_none() {
            bail!(
                "site.wasm_from_target = {:?} names no [[target]]",
                self.site.wasm_from_target
            );
        }
        if self.target(&self.npm.target).is_none() {
            bail!("npm.target = {:?} names no [[target]]", self.npm.target);
        }
        if self.build.out_name.is_empty() || self.build.out_name.contains('/') {
            bail!("build.out_name must be a plain file stem");
        }
        Ok(())
    }

    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id() == name)
    }

    /// Absolute path of a repo-relative setting.
    pub fn abs(&self, relative: &Path) -> PathBuf {
        repo_root().join(relative)
    }

    pub fn js_file(&self) -> String {
        format!("{}.js", self.build.out_name)
    }

    pub fn wasm_file(&self) -> String {
        format!("{}_bg.wasm", self.build.out_name)
    }
}

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
}

/// The wasm-bindgen version locked in `Cargo.lock`. The CLI must match the library exactly (the generated
/// JS glue and the wasm's custom section must agree), and Cargo.lock is the only place that version lives.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let path = repo_root().join("Cargo.lock");
    let text = std::fs::read_to_string(&path).context(format!("reading {}", path.display()))?;
    locked_version(&text, "wasm-bindgen").context(format!("in {}", path.display()))
}

fn locked_version(lockfile: &str, crate_name: &str) -> Result<String> {
    let lock: Lockfile = toml::from_str(lockfile).context("invalid Cargo.lock")?;
    let mut versions = lock
        .package
        .into_iter()
        .filter(|p| p.name == crate_name)
        .map(|p| p.version);
    match (versions.next(), versions.next()) {
        (Some(version), None) => Ok(version),
        (None, _) => bail!("{crate_name} is not locked (is the wasm32 dependency in Cargo.toml?)"),
        (Some(a), Some(b)) => bail!("{crate_name} is locked at two versions ({a}, {b}); pin one"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_manifest_parses() {
        let p = Packaging::load().unwrap();
        assert_eq!(p.build.out_name, "gateway_doctor");
        assert_eq!(
            p.target("web").unwrap().out_dir,
            Path::new("target/wasm/web")
        );
        let page = p.target("page").unwrap();
        assert_eq!(page.out_dir, Path::new("target/wasm/page"));
        assert!(!page.default_features, "the error page ships only `mount`");
        assert!(p.target("web").unwrap().default_features);
        assert_eq!(p.site.dir, Path::new("target/site"));
        assert!(p.wasm_opt.flags.iter().any(|f| f == "-Oz"));
        // The numbers are policy; what must hold is that every budget is read and is positive.
        assert!(p.budgets.wasm_gzip_max > 0);
        assert!(p.budgets.page_gzip_max > 0 && p.budgets.locale_gzip_max > 0);
        // A guard is a ceiling above a target that is not met yet; below it, it would be the target.
        assert!(p.budgets.page_guard_gzip_max > p.budgets.page_gzip_max);
        assert!(p.budgets.locale_guard_gzip_max > p.budgets.locale_gzip_max);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = std::fs::read_to_string(repo_root().join("wasm-pack.toml")).unwrap();
        let typo = text.replace("wasm_gzip_max", "wasm_gzip_maxx");
        assert!(Packaging::parse(&typo).is_err());
    }

    #[test]
    fn site_must_come_from_a_listed_target() {
        let text = std::fs::read_to_string(repo_root().join("wasm-pack.toml")).unwrap();
        let bad = text.replace("wasm_from_target = \"page\"", "wasm_from_target = \"deno\"");
        assert_ne!(bad, text, "the manifest names the site's target");
        assert!(Packaging::parse(&bad).is_err());
    }

    #[test]
    fn finds_the_single_locked_version() {
        let lock = r#"
version = 4
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["cfg-if"]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"
"#;
        assert_eq!(locked_version(lock, "wasm-bindgen").unwrap(), "0.2.130");
        assert!(locked_version(lock, "js-sys").is_err());
        let twice = format!("{lock}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        assert!(locked_version(&twice, "wasm-bindgen").is_err());
    }

    #[test]
    fn the_real_lockfile_pins_wasm_bindgen() {
        let version = locked_wasm_bindgen_version().unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
