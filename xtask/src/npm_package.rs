//! `dist/npm/` (the npm package, `[npm] name` in wasm-pack.toml) and `dist/snippet/` (the status
//! snippet), assembled by `cargo xtask dist`.
//!
//! ```text
//! dist/npm/        package.json  index.js index.d.ts README.md      (www/npm/, hand-written)
//!                  gateway_doctor.js gateway_doctor.d.ts gateway_doctor_bg.wasm(.d.ts)
//!                                                                  (wasm-pack's `[npm] target` output)
//!                  locales/<tag>.json, locales/<tag>.js, locales/index.js  (the language bundles)
//! dist/snippet/    gateway-status.js README.md                      (www/snippet/, minified)
//!                  gateway_doctor.js gateway_doctor_bg.wasm        (the same build, glue minified,
//!                                                                  loaded lazily)
//! ```
//!
//! package.json starts from the one wasm-pack generated (name, version, description, license,
//! repository and keywords come from Cargo.toml and wasm-pack.toml, nowhere else) and gets the
//! entry points. `npm pack` in dist/npm makes the tarball; tests/e2e/npm-package.test.mjs installs it
//! into a Vite app.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};

use crate::config::Packaging;
use crate::locales;
use crate::util::{bail, repo_root, Context as _, Result};
use gateway_doctor::logic::messages::Locale;

/// Hand-written sources of the package, copied as they are.
const NPM_SOURCES: &str = "www/npm";
const NPM_FILES: [&str; 3] = ["index.js", "index.d.ts", "README.md"];
/// Hand-written sources of the snippet.
const SNIPPET_SOURCES: &str = "www/snippet";
const SNIPPET_FILES: [&str; 2] = ["gateway-status.js", "README.md"];
/// The wasm-pack.toml `[[target]]` id of the snippet's own build.
const SNIPPET_TARGET: &str = "snippet";

/// Writes `dist/npm` and `dist/snippet` (`dist` exists).
pub fn make(cfg: &Packaging, dist: &Path) -> Result<()> {
    npm_package(cfg, &dist.join("npm"))?;
    snippet(cfg, &dist.join("snippet"))
}

fn npm_package(cfg: &Packaging, out: &Path) -> Result<()> {
    let Some(target) = cfg.target(&cfg.npm.target) else {
        bail!(
            "wasm-pack.toml: [npm] target = {:?} names no [[target]]",
            cfg.npm.target
        );
    };
    let wasm_dir = cfg.abs(&target.out_dir);
    fresh_dir(out)?;

    let glue = cfg.js_file();
    let stem = &cfg.build.out_name;
    let generated = [
        glue.clone(),
        format!("{stem}.d.ts"),
        cfg.wasm_file(),
        format!("{stem}_bg.wasm.d.ts"),
    ];
    for name in &generated {
        copy(&wasm_dir.join(name), &out.join(name))?;
    }
    // index.js imports these by name: fail here, not in a user's bundler.
    let glue_text = read(&out.join(&glue))?;
    for export in ["export function mount(", "export function diagnose("] {
        if !glue_text.contains(export) {
            bail!("{glue} has no `{export}…`: the wasm exports changed; update www/npm/index.js");
        }
    }
    if !glue_text.contains("import.meta.url") {
        bail!(
            "{glue} does not locate its .wasm with import.meta.url: [npm] target must be \"web\""
        );
    }
    for name in NPM_FILES {
        copy(&repo_root().join(NPM_SOURCES).join(name), &out.join(name))?;
    }

    let dir = out.join(locales::DIR);
    fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
    for locale in Locale::ALL {
        let json = locales::bundle_json(locale);
        write(&dir.join(format!("{}.json", locale.tag())), &json)?;
        write(
            &dir.join(format!("{}.js", locale.tag())),
            &locale_module(&json),
        )?;
    }
    write(
        &dir.join("index.js"),
        &locale_index(&Locale::ALL.map(Locale::tag)),
    )?;

    let base_path = wasm_dir.join("package.json");
    let base: Value = serde_json::from_str(&read(&base_path)?)
        .context(format!("parsing {}", base_path.display()))?;
    let mut files: Vec<String> = NPM_FILES.iter().map(|f| (*f).to_owned()).collect();
    files.extend(generated);
    files.push(format!("{}/", locales::DIR));
    let package = package_json(&base, &files)?;
    let mut text = serde_json::to_string_pretty(&package).context("serialising package.json")?;
    text.push('\n');
    write(&out.join("package.json"), &text)
}

/// The published package.json: wasm-pack's metadata plus our entry points. Everything it points at
/// is listed in `files`.
fn package_json(base: &Value, files: &[String]) -> Result<Value> {
    let mut package = serde_json::Map::new();
    for key in [
        "name",
        "version",
        "description",
        "license",
        "repository",
        "keywords",
    ] {
        match base.get(key) {
            Some(value) => {
                package.insert(key.to_owned(), value.clone());
            }
            None if matches!(key, "name" | "version") => {
                bail!("wasm-pack's package.json has no `{key}`")
            }
            None => {}
        }
    }
    let entries = json!({
        "type": "module",
        "main": "./index.js",
        "module": "./index.js",
        "types": "./index.d.ts",
        // No condition objects: serde_json sorts keys, and "types" must come before "default".
        // TypeScript finds index.d.ts next to index.js by itself.
        "exports": {
            ".": "./index.js",
            "./locales/*": "./locales/*",
            "./package.json": "./package.json"
        },
        "files": files,
        // Importing the package defines <gateway-doctor>; nothing else runs on import.
        "sideEffects": ["./index.js"]
    });
    if let Value::Object(entries) = entries {
        package.extend(entries);
    }
    Ok(Value::Object(package))
}

/// A language bundle as an ES module, so every bundler (and a browser without JSON modules) takes it.
fn locale_module(json: &str) -> String {
    format!("// Generated by `cargo xtask dist` from locales/ (see xtask/src/locales.rs).\nexport default {json};\n")
}

/// `LOCALES` in the page's order and one lazy loader per language: a bundler makes a chunk of each,
/// fetched only when that language is asked for.
fn locale_index(tags: &[&str]) -> String {
    let mut out = String::from(
        "// Generated by `cargo xtask dist`: the languages of this build, English first.\n",
    );
    let quoted: Vec<String> = tags.iter().map(|t| format!("'{t}'")).collect();
    out.push_str(&format!(
        "export const LOCALES = Object.freeze([{}]);\n",
        quoted.join(", ")
    ));
    // English is imported statically by index.js: a loader for it would only split it into a chunk.
    out.push_str("export const loaders = {\n");
    for tag in tags.iter().filter(|t| **t != "en") {
        out.push_str(&format!("  {tag}: () => import('./{tag}.js'),\n"));
    }
    out.push_str("};\n");
    out
}

/// The snippet takes its own build (wasm-pack.toml target `snippet`): only the `StatusMonitor`
/// export, so an ordinary page does not download the error page's widget.
fn snippet(cfg: &Packaging, out: &Path) -> Result<()> {
    let Some(target) = cfg.target(SNIPPET_TARGET) else {
        bail!("wasm-pack.toml has no [[target]] with id = {SNIPPET_TARGET:?} (the status snippet's build)");
    };
    let wasm_dir = cfg.abs(&target.out_dir);
    fresh_dir(out)?;
    for name in SNIPPET_FILES {
        copy(
            &repo_root().join(SNIPPET_SOURCES).join(name),
            &out.join(name),
        )?;
    }
    for name in [cfg.js_file(), cfg.wasm_file()] {
        copy(&wasm_dir.join(&name), &out.join(&name))?;
    }
    let glue = read(&out.join(cfg.js_file()))?;
    if !glue.contains("export class StatusMonitor") {
        bail!(
            "{} has no StatusMonitor export (src/web/status.rs): the snippet cannot work",
            cfg.js_file()
        );
    }
    // Every page of the site loads these (the readable sources stay in www/snippet and target/wasm).
    for name in [SNIPPET_FILES[0].to_owned(), cfg.js_file()] {
        crate::minify::file(&out.join(name))?;
    }
    // Served from /usr/share/gateway-doctor/status by the nginx recipe, with gzip_static.
    crate::build::precompress(out)
}

fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).context(format!("removing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).context(format!("creating {}", dir.display()))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(drop)
        .context(format!("copying {} to {}", from.display(), to.display()))
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).context(format!("reading {}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).context(format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_json_keeps_the_metadata_and_points_at_listed_files() {
        let base = json!({
            "name": "gateway-doctor", "version": "1.2.3", "license": "MIT OR Apache-2.0",
            "keywords": ["502"], "main": "gateway_doctor.js", "sideEffects": ["./snippets/*"],
        });
        let files = vec!["index.js".to_owned(), "index.d.ts".to_owned()];
        let p = package_json(&base, &files).unwrap();
        assert_eq!(p["name"], "gateway-doctor");
        assert_eq!(p["version"], "1.2.3");
        assert_eq!(p["keywords"], json!(["502"]));
        assert_eq!(p["type"], "module");
        assert_eq!(p["exports"]["."], "./index.js");
        assert_eq!(p["types"], "./index.d.ts");
        assert_eq!(p["sideEffects"], json!(["./index.js"]));
        assert_eq!(p["files"], json!(files));
        assert!(p.get("description").is_none());
        assert!(package_json(&json!({"name": "x"}), &files).is_err());
    }

    #[test]
    fn locale_modules_are_javascript() {
        assert_eq!(
            locale_module("{\"locale\":\"de\"}"),
            "// Generated by `cargo xtask dist` from locales/ (see xtask/src/locales.rs).\nexport default {\"locale\":\"de\"};\n"
        );
        let index = locale_index(&["en", "de"]);
        assert!(index.contains("export const LOCALES = Object.freeze(['en', 'de']);"));
        assert!(index.contains("  de: () => import('./de.js'),"));
        assert!(!index.contains("en.js"), "{index}");
    }

    #[test]
    fn the_sources_exist() {
        for name in NPM_FILES {
            assert!(repo_root().join(NPM_SOURCES).join(name).is_file(), "{name}");
        }
        for name in SNIPPET_FILES {
            assert!(
                repo_root().join(SNIPPET_SOURCES).join(name).is_file(),
                "{name}"
            );
        }
    }
}
