//! `cargo xtask size`: what a visitor downloads, gzipped at level 9, against `[budgets]` in wasm-pack.toml,
//! and which functions make the wasm big.
//!
//! The contributors come from a names-preserving variant of the release build (cargo with
//! `strip=false`, wasm-bindgen, wasm-opt with the shipped flags plus `-g`): same code, function names
//! kept. The code section and the "name" custom section are read here, so no extra tool is needed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use gateway_doctor::logic::messages::Locale;

use crate::bootstrap::{self, Needs, Tools};
use crate::build;
use crate::config::Packaging;
use crate::dist::{self, CODES};
use crate::util::{bail, cargo, cargo_target_dir, gzip_len, run, say, Args, Context as _, Result};

/// Budgets the test suite enforces. The others are reported as "not enforced yet" until they are met;
/// move a budget here the day it passes, never loosen its number instead.
pub const ENFORCED: &[&str] = &["wasm_gzip_max", "guidance_gzip_max"];

/// One measured file.
pub struct Measured {
    pub label: String,
    pub raw: usize,
    pub gzip: usize,
    /// (budget key, limit in bytes)
    pub budget: Option<(&'static str, u64)>,
    /// A regression guard for a file whose budget is not met yet: (key, limit in bytes), always
    /// enforced, so the file cannot grow unnoticed while its budget is still out of reach.
    pub guard: Option<(&'static str, u64)>,
}

impl Measured {
    fn over(&self) -> bool {
        self.budget.is_some_and(|(_, max)| self.gzip as u64 > max)
    }

    fn over_guard(&self) -> bool {
        self.guard.is_some_and(|(_, max)| self.gzip as u64 > max)
    }
}

/// The subcommand: build + dist, then the report; fails when any budget is exceeded.
pub fn cmd(args: Args) -> Result<()> {
    args.finish()?;
    let tools = bootstrap::ensure(Needs::Build)?;
    let cfg = Packaging::load()?;
    // A size report must show the numbers most when they are bad.
    let site = build_even_over_budget(&tools)?;
    let dist_dir = dist::make(&site)?;
    let files = measure(&cfg, &site, &dist_dir)?;
    print!("{}", table(&files));
    match contributors(&cfg, &tools) {
        Ok(text) => print!("{text}"),
        Err(e) => println!("\nlargest wasm contributors: not available ({e})"),
    }
    let mut failed = Vec::new();
    for f in &files {
        let exceeded = [
            f.budget.filter(|_| f.over()),
            f.guard.filter(|_| f.over_guard()),
        ];
        for (key, max) in exceeded.into_iter().flatten() {
            failed.push(format!(
                "{} {} > {key} {}",
                f.label,
                kb(f.gzip as u64),
                kb(max)
            ));
        }
    }
    if !failed.is_empty() {
        bail!("over budget: {}", failed.join("; "));
    }
    Ok(())
}

/// `build::build`, except that a wasm over its size budget is reported and the assembled site returned:
/// `build` checks the budget after assembling the site. For commands that are not the budget's gate
/// (`size`, `screenshots`); `build`, `dist` and the test suite still fail on it.
pub fn build_even_over_budget(tools: &Tools) -> Result<PathBuf> {
    match build::build(tools) {
        Ok(built) => Ok(built.site_dir),
        Err(e) if e.0.contains("size budget exceeded") => {
            say!("build: {e}; going on with the assembled site");
            let cfg = Packaging::load()?;
            Ok(cfg.abs(&cfg.site.dir))
        }
        Err(e) => Err(e),
    }
}

/// The test-suite step: prints the table, fails only on the [`ENFORCED`] budgets and names the others.
pub fn suite_check(site: &Path, dist_dir: &Path) -> Result<()> {
    let cfg = Packaging::load()?;
    let files = measure(&cfg, site, dist_dir)?;
    eprint!("{}", table(&files));
    let mut failed = Vec::new();
    for f in &files {
        let line = |max: u64| format!("{}: {} > {}", f.label, kb(f.gzip as u64), kb(max));
        if let Some((key, max)) = f.budget.filter(|_| f.over()) {
            if ENFORCED.contains(&key) {
                failed.push(format!("{key}: {}", line(max)));
            } else {
                eprintln!("not enforced yet ({key}): {}", line(max));
            }
        }
        if let Some((key, max)) = f.guard.filter(|_| f.over_guard()) {
            failed.push(format!("{key} (regression guard): {}", line(max)));
        }
    }
    if !failed.is_empty() {
        bail!("size budget exceeded: {}", failed.join("; "));
    }
    Ok(())
}

pub fn measure(cfg: &Packaging, site: &Path, dist_dir: &Path) -> Result<Vec<Measured>> {
    let read = |path: PathBuf| fs::read(&path).context(format!("reading {}", path.display()));
    let mut files = Vec::new();
    let mut add = |label: String, bytes: Vec<u8>, budget: Option<(&'static str, u64)>| {
        files.push(Measured {
            label,
            raw: bytes.len(),
            gzip: gzip_len(&bytes),
            budget,
            guard: None,
        });
    };
    add(
        cfg.wasm_file(),
        read(site.join(cfg.wasm_file()))?,
        Some(("wasm_gzip_max", cfg.budgets.wasm_gzip_max)),
    );
    add(cfg.js_file(), read(site.join(cfg.js_file()))?, None);
    add("boot.js".into(), read(site.join("boot.js"))?, None);
    let html = read(site.join("502.html"))?;
    // What one visitor's first view of the nginx page costs: the page (gzip -9 here, as for every
    // row) and each asset as the recipe sends it, its shipped .gz twin.
    let mut first_visit = Measured {
        label: "first visit, nginx recipe (.gz twins)".into(),
        raw: html.len(),
        gzip: gzip_len(&html),
        budget: None,
        guard: None,
    };
    let mut page = html;
    page.extend(read(site.join("page.css"))?);
    add("502.html + page.css (nginx)".into(), page, None);
    let english = [crate::locales::DIR, "/en.json"].concat();
    for name in [
        "page.css".to_owned(),
        "boot.js".to_owned(),
        cfg.js_file(),
        cfg.wasm_file(),
        english,
    ] {
        first_visit.raw += read(site.join(&name))?.len();
        first_visit.gzip += read(site.join([name.as_str(), ".gz"].concat()))?.len();
    }
    add(
        "page/no-ssi/502.html (light)".into(),
        read(dist_dir.join("page/no-ssi/502.html"))?,
        None,
    );
    for code in CODES {
        add(
            format!("dist/{code}.html (single file)"),
            read(dist_dir.join(format!("{code}.html")))?,
            Some(("page_gzip_max", cfg.budgets.page_gzip_max)),
        );
    }
    let multilingual = read(dist_dir.join("multilingual/502.html"))?;
    for (label, file) in [
        ("dist/502.html", read(dist_dir.join("502.html"))?),
        ("dist/multilingual/502.html", multilingual.clone()),
    ] {
        add(
            [label, " through </main>"].concat(),
            through_main(&file, label)?,
            Some(("guidance_gzip_max", cfg.budgets.guidance_gzip_max)),
        );
    }
    add("dist/multilingual/502.html".into(), multilingual, None);
    // Every language the page can fetch (or a single file can carry), English included.
    for locale in Locale::ALL {
        let name = [crate::locales::DIR, "/", locale.tag(), ".json"].concat();
        add(
            name.clone(),
            read(site.join(&name))?,
            Some(("locale_gzip_max", cfg.budgets.locale_gzip_max)),
        );
    }
    // The two targets not met yet keep a ceiling at today's size, so they can only move down.
    for f in &mut files {
        f.guard = match f.budget {
            Some(("page_gzip_max", _)) => {
                Some(("page_guard_gzip_max", cfg.budgets.page_guard_gzip_max))
            }
            Some(("locale_gzip_max", _)) => {
                Some(("locale_guard_gzip_max", cfg.budgets.locale_guard_gzip_max))
            }
            _ => None,
        };
    }
    // Under the nginx page's own row.
    let at = files
        .iter()
        .position(|f| f.label.ends_with("(nginx)"))
        .map_or(files.len(), |i| i + 1);
    files.insert(at, first_visit);
    Ok(files)
}

/// The start of a page through the end of its `<main>`: what must arrive before the visitor can read
/// the guidance.
fn through_main(page: &[u8], label: &str) -> Result<Vec<u8>> {
    const END: &[u8] = b"</main>";
    match page.windows(END.len()).position(|w| w == END) {
        Some(at) => Ok(page[..at + END.len()].to_vec()),
        None => bail!("{label} has no </main>"),
    }
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

fn table(files: &[Measured]) -> String {
    let mut t = String::from("\n");
    t.push_str(&format!(
        "  {:<44} {:>9} {:>9} {:>20}  {}\n",
        "file", "bytes", "gzip -9", "budget (gzip)", "result"
    ));
    for f in files {
        let (budget, mut result) = match f.budget {
            Some((key, max)) => (
                format!("{key} {}", kb(max).replace(" KB", "K")),
                if f.over() { "FAIL" } else { "PASS" }.to_owned(),
            ),
            None => ("-".into(), String::new()),
        };
        if let Some((_, max)) = f.guard {
            let verdict = if f.over_guard() { "OVER" } else { "under" };
            result.push_str(&format!(
                " ({verdict} guard {})",
                kb(max).replace(" KB", "K")
            ));
        }
        t.push_str(&format!(
            "  {:<44} {:>9} {:>9} {:>20}  {result}\n",
            f.label, f.raw, f.gzip, budget
        ));
    }
    let gz = |label: &str| files.iter().find(|f| f.label == label).map(|f| f.gzip);
    if let (Some(one), Some(all)) = (
        gz("dist/502.html (single file)"),
        gz("dist/multilingual/502.html"),
    ) {
        t.push_str(&format!(
            "  each language added to a single file costs {} gzipped on average\n",
            kb((all.saturating_sub(one) / (Locale::ALL.len() - 1)) as u64)
        ));
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Largest contributors

/// Builds the names-preserving variant in target/size/ and lists the largest functions and crates.
fn contributors(cfg: &Packaging, tools: &Tools) -> Result<String> {
    let out_dir = cargo_target_dir().join("size");
    fs::create_dir_all(&out_dir).context(format!("creating {}", out_dir.display()))?;
    // Same profile as the shipped build (Cargo.toml already has strip = false); said explicitly so the
    // name section is kept whatever the profile says later.
    run(cargo()
        .args([
            "build",
            "--quiet",
            "--release",
            "--lib",
            "-p",
            "gateway-doctor",
            "--target",
            "wasm32-unknown-unknown",
            "--config",
            "profile.release.strip=false",
        ])
        .args(
            // The same features as the site's build (the error page carries only `mount`).
            cfg.target(&cfg.site.wasm_from_target)
                .map(crate::build::cargo_feature_args)
                .unwrap_or_default(),
        ))?;
    let raw = cargo_target_dir().join("wasm32-unknown-unknown/release/gateway_doctor.wasm");
    run(Command::new("wasm-bindgen")
        .args(["--target", "web", "--out-name", &cfg.build.out_name])
        .arg("--out-dir")
        .arg(&out_dir)
        .arg(&raw))?;
    let bound = out_dir.join(cfg.wasm_file());
    let named = out_dir.join("named.wasm");
    run(Command::new(&tools.wasm_opt)
        .args(&cfg.wasm_opt.flags)
        .arg("-g")
        .arg(&bound)
        .arg("-o")
        .arg(&named))?;
    let bytes = fs::read(&named).context(format!("reading {}", named.display()))?;
    let module = parse_wasm(&bytes)?;
    let shipped = fs::read(cfg.abs(&cfg.site.dir).join(cfg.wasm_file()))
        .ok()
        .and_then(|b| parse_wasm(&b).ok());

    let mut t = String::new();
    let total: usize = module.functions.iter().map(|f| f.size).sum();
    t.push_str(&format!(
        "\nlargest wasm contributors (names-preserving build {}; code section {} bytes{})\n",
        named.display(),
        module.code_section,
        shipped.map_or(String::new(), |s| format!(
            ", shipped build {} bytes",
            s.code_section
        ))
    ));
    let mut functions: Vec<&Function> = module.functions.iter().collect();
    functions.sort_by_key(|f| std::cmp::Reverse(f.size));
    t.push_str(&format!("  {:>7} {:>6}  function\n", "bytes", "share"));
    for f in functions.iter().take(20) {
        t.push_str(&format!(
            "  {:>7} {:>5.1}%  {}\n",
            f.size,
            100.0 * f.size as f64 / total.max(1) as f64,
            shorten(&f.name, 110)
        ));
    }
    let mut by_crate: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in &module.functions {
        let entry = by_crate.entry(crate_of(&f.name)).or_default();
        entry.0 += f.size;
        entry.1 += 1;
    }
    let mut crates: Vec<(String, (usize, usize))> = by_crate.into_iter().collect();
    crates.sort_by_key(|(_, (size, _))| std::cmp::Reverse(*size));
    t.push_str(&format!(
        "\n  {:>7} {:>6} {:>6}  crate (first path segment of the function name)\n",
        "bytes", "share", "fns"
    ));
    for (name, (size, count)) in crates.iter().take(12) {
        t.push_str(&format!(
            "  {size:>7} {:>5.1}% {count:>6}  {name}\n",
            100.0 * *size as f64 / total.max(1) as f64
        ));
    }
    t.push_str(&format!(
        "  {:>7}         {:>5}  functions in total ({} data bytes)\n",
        total,
        module.functions.len(),
        module.data_section
    ));
    if which_twiggy().is_some() {
        t.push_str(&format!(
            "  (twiggy is installed: `twiggy top -n 30 {}` gives retained sizes too)\n",
            named.display()
        ));
    }
    say!("size report done");
    Ok(t)
}

fn which_twiggy() -> Option<PathBuf> {
    crate::util::which("twiggy", &[])
}

fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let cut: String = name.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// Readable function names: rustc's crate disambiguators (`core[c5930c85a12de822]`) and symbol hashes
/// (`::h30e6f99d776ef80e`) removed.
pub fn clean_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']').map(|c| open + c);
        match close {
            Some(close)
                if close > open + 1
                    && rest[open + 1..close].bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                out.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    if let Some(at) = out.rfind("::h") {
        let hash = &out[at + 3..];
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.truncate(at);
        }
    }
    out
}

/// `core::fmt::write` → `core`; `<alloc::vec::Vec<T> as core::ops::Drop>::drop` → `alloc`; names
/// wasm-bindgen gives its generated code get a bucket of their own. Expects [`clean_name`]d names.
pub fn crate_of(name: &str) -> String {
    if name.ends_with(" shim") {
        return "(wasm-bindgen export shims, with the code inlined into them)".to_owned();
    }
    if name.starts_with("Closure(")
        || name.starts_with("__wbindgen")
        || name.starts_with("__externref")
    {
        return "(wasm-bindgen glue code)".to_owned();
    }
    if name.starts_with("function[") {
        return "(unnamed)".to_owned();
    }
    let trimmed = name.trim_start_matches(['<', '&', '*', ' ']);
    let trimmed = trimmed
        .strip_prefix("mut ")
        .or_else(|| trimmed.strip_prefix("dyn "))
        .unwrap_or(trimmed);
    let is_ident =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match trimmed.split_once("::") {
        Some((head, _)) if is_ident(head) => head.to_owned(),
        // `<T as core::fmt::Write>::write_str`: a generic type, so the trait's crate.
        _ => match trimmed.split_once(" as ") {
            Some((_, rest)) => crate_of(rest),
            None => "(runtime: memcmp, __multi3, …)".to_owned(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal wasm reader: section sizes, function bodies and their names.

pub struct Function {
    pub name: String,
    pub size: usize,
}

pub struct Module {
    pub functions: Vec<Function>,
    pub code_section: usize,
    pub data_section: usize,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| crate::util::Error::from("unexpected end of the wasm"))?;
        self.pos += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        bail!("LEB128 number too long")
    }

    fn len(&mut self) -> Result<usize> {
        usize::try_from(self.leb()?).map_err(|_| crate::util::Error::from("length too large"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| crate::util::Error::from("section runs past the end of the wasm"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn name(&mut self) -> Result<String> {
        let n = self.len()?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }
}

/// Reads the function bodies (code section), the function names (the "name" section, subsection 1) and
/// the number of imported functions (names are indexed over imports + bodies).
pub fn parse_wasm(bytes: &[u8]) -> Result<Module> {
    if bytes.get(..8) != Some(b"\0asm\x01\0\0\0") {
        bail!("not a wasm module (version 1)");
    }
    let mut r = Reader { bytes, pos: 8 };
    let mut imported_functions = 0usize;
    let mut bodies = Vec::new();
    let mut names: BTreeMap<usize, String> = BTreeMap::new();
    let mut code_section = 0;
    let mut data_section = 0;
    while !r.done() {
        let id = r.byte()?;
        let size = r.len()?;
        let body = r.take(size)?;
        let mut s = Reader {
            bytes: body,
            pos: 0,
        };
        match id {
            2 => {
                for _ in 0..s.len()? {
                    s.name()?;
                    s.name()?;
                    match s.byte()? {
                        0 => {
                            s.leb()?;
                            imported_functions += 1;
                        }
                        1 => {
                            s.byte()?; // reftype
                            skip_limits(&mut s)?;
                        }
                        2 => skip_limits(&mut s)?,
                        3 => {
                            s.byte()?; // valtype
                            s.byte()?; // mutability
                        }
                        4 => {
                            s.byte()?; // tag attribute
                            s.leb()?;
                        }
                        other => bail!("unknown import kind {other}"),
                    }
                }
            }
            10 => {
                code_section = size;
                for _ in 0..s.len()? {
                    let len = s.len()?;
                    s.take(len)?;
                    bodies.push(len);
                }
            }
            11 => data_section = size,
            0 if s.name()? == "name" => {
                while !s.done() {
                    let sub = s.byte()?;
                    let len = s.len()?;
                    let content = s.take(len)?;
                    if sub == 1 {
                        let mut n = Reader {
                            bytes: content,
                            pos: 0,
                        };
                        for _ in 0..n.len()? {
                            let index = n.len()?;
                            let name = n.name()?;
                            names.insert(index, name);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let functions = bodies
        .into_iter()
        .enumerate()
        .map(|(i, size)| {
            let index = imported_functions + i;
            Function {
                name: names
                    .remove(&index)
                    .map_or_else(|| format!("function[{index}]"), |n| clean_name(&n)),
                size,
            }
        })
        .collect();
    Ok(Module {
        functions,
        code_section,
        data_section,
    })
}

fn skip_limits(r: &mut Reader<'_>) -> Result<()> {
    let flags = r.byte()?;
    r.leb()?;
    if flags & 1 != 0 {
        r.leb()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leb(n: usize, out: &mut Vec<u8>) {
        crate::imports::push_leb(out, n as u64);
    }

    fn section(id: u8, content: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(content.len(), out);
        out.extend_from_slice(content);
    }

    #[test]
    fn reads_bodies_and_names_past_imports() {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        // one imported function "env"."f" of type 0
        let mut imports = vec![1, 3];
        imports.extend(b"env");
        imports.push(1);
        imports.push(b'f');
        imports.extend([0, 0]);
        section(2, &imports, &mut m);
        // two bodies: 3 bytes and 200 bytes
        let mut code = vec![2, 3, 0, 0, 0x0b];
        leb(200, &mut code);
        code.extend(vec![0u8; 200]);
        section(10, &code, &mut m);
        // names: index 1 (the first body) and 2
        let mut names = vec![2, 1];
        names.push(4);
        names.extend(b"core::fmt::write".iter().take(4));
        names.push(2);
        let long = "<alloc::vec::Vec<T> as core::ops::Drop>::drop";
        leb(long.len(), &mut names);
        names.extend(long.as_bytes());
        let mut sub = vec![1];
        leb(names.len(), &mut sub);
        sub.extend(&names);
        let mut custom = vec![4];
        custom.extend(b"name");
        custom.extend(&sub);
        section(0, &custom, &mut m);

        let module = parse_wasm(&m).unwrap();
        assert_eq!(module.functions.len(), 2);
        assert_eq!(module.functions[0].size, 3);
        assert_eq!(module.functions[0].name, "core");
        assert_eq!(module.functions[1].size, 200);
        assert_eq!(module.functions[1].name, long);
        assert!(parse_wasm(b"nope").is_err());
        assert!(parse_wasm(&m[..m.len() - 3]).is_err());
    }

    #[test]
    fn crates_from_names() {
        assert_eq!(crate_of("core::fmt::write::h123"), "core");
        assert_eq!(
            crate_of("<alloc::vec::Vec<T> as core::ops::Drop>::drop"),
            "alloc"
        );
        assert_eq!(crate_of("<&mut T as core::fmt::Write>::write_str"), "core");
        assert_eq!(crate_of("__wbindgen_malloc"), "(wasm-bindgen glue code)");
        assert_eq!(crate_of("memcmp"), "(runtime: memcmp, __multi3, …)");
        assert_eq!(
            clean_name("<dlmalloc[e24a27700634d609]::Dlmalloc<x[0a]>>::malloc::h30e6f99d776ef80e"),
            "<dlmalloc::Dlmalloc<x>>::malloc"
        );
        assert_eq!(clean_name("a[zz]::b"), "a[zz]::b");
        assert_eq!(
            crate_of("gateway_doctor::web::app::App::dispatch"),
            "gateway_doctor"
        );
    }
}
