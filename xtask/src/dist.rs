//! `cargo xtask dist`: everything an operator installs, in `dist/` (gitignored).
//!
//! ```text
//! dist/page/                 the assembled site as separate files (a copy of target/site), for nginx
//! dist/page/no-ssi/          502/503/504.html without SSI, style inlined, scripts from /_gateway-doctor/
//!                            (Apache, Caddy, Traefik, HAProxy: servers that can serve the assets)
//! dist/502.html 503 504      one self-contained file per status: CSS, boot script, wasm-bindgen glue,
//!                            the wasm and the English texts inlined; no SSI; served alone by any server or CDN
//! dist/multilingual/         the same with every language's texts inside (the visitor's is picked)
//! dist/csp.txt               sha256 of every inline script and style of those files, ready to paste
//! dist/502.json 503 504      application/problem+json bodies (RFC 9457) from www/problem/
//! dist/recipes/              www/recipes/* + the nginx Accept switch + generated files (HAProxy errorfiles,
//!                            the Kubernetes manifest with the pages inside)
//! ```
//!
//! The single files are derived from `www/page/502.html` at build time: the few texts that differ per
//! status come from [`TEXTS`], SSI directives are removed (a CDN runs none), markup that only makes sense
//! with SSI is cut out between `<!--gd:ssi-only-->` markers, and every `/_gateway-doctor/` asset is inlined.
//! Anything unexpected (a new asset, a changed sentence) fails the build instead of shipping a page that
//! would make a request to the failing site.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use gateway_doctor::logic::messages::Locale;

use crate::bootstrap::{self, Needs};
use crate::build;
use crate::config::Packaging;
use crate::locales;
use crate::util::{bail, repo_root, say, Args, Context as _, Result};

/// The output directory, relative to the repository root.
pub const DIST_DIR: &str = "dist";
/// The statuses a gateway answers for an application it cannot use.
pub const CODES: [u16; 3] = [502, 503, 504];
/// URL prefix of the page's assets (see www/recipes/nginx/gateway-doctor.conf).
const ASSET_PREFIX: &str = "/_gateway-doctor/";
/// HAProxy's default `tune.bufsize`: an errorfile (status line, headers and body) must fit in it.
pub const HAPROXY_BUFSIZE: usize = 16_384;
/// The part of the buffer HAProxy keeps free for header rewrites (`tune.maxrewrite`, default 1024 with
/// the default bufsize): an errorfile larger than bufsize - maxrewrite is refused at start-up.
pub const HAPROXY_MAXREWRITE: usize = 1_024;

/// Markers around markup that only makes sense when nginx fills it in with SSI (request details, the
/// reference). SSI-free builds cut everything between them; nginx passes them through as comments.
const SSI_ONLY_START: &str = "<!--gd:ssi-only-->";
const SSI_ONLY_END: &str = "<!--/gd:ssi-only-->";

/// A sentence of `www/page/502.html` (which serves all three statuses under nginx) and what the
/// per-status single files say instead. Each `source` must occur exactly once in the page: when the page
/// is edited, the build fails here instead of silently shipping stale texts.
pub struct Text {
    pub source: &'static str,
    pub for_503: &'static str,
    pub for_504: &'static str,
    /// The 502 text of the single files (`dist/502.html`, `dist/multilingual/502.html`), which a
    /// CDN or any server may serve: that the web server is up and the application behind it
    /// failed is not known there, so they say only what a visitor of any server can be told.
    pub single_502: &'static str,
    /// Likewise for 504: that the application was too slow is known; that the web server in front
    /// of it is up is the gateway's knowledge, not a CDN's.
    pub single_504: &'static str,
}

pub const TEXTS: &[Text] = &[
    Text {
        source: "This site can’t reach its application right now",
        for_503: "This site is temporarily unavailable",
        for_504: "This site’s application is taking too long to answer",
        single_502: "This site is not answering right now",
        single_504: "This site is taking too long to answer",
    },
    Text {
        source: "The web server is up, but the application behind it did not answer properly.",
        for_503: "It is down for maintenance or too busy to answer right now.",
        for_504: "The web server is up, but the application behind it answered too slowly.",
        single_502: "The site did not answer properly.",
        single_504: "The site took too long to answer.",
    },
];

/// The subcommand: build, then assemble `dist/`.
pub fn cmd(args: Args) -> Result<()> {
    args.finish()?;
    let tools = bootstrap::ensure(Needs::Build)?;
    let built = build::build(&tools)?;
    let dist = make(&built.site_dir)?;
    print!(
        "{}",
        fs::read_to_string(dist.join("csp.txt")).unwrap_or_default()
    );
    say!("distribution assembled in {}", dist.display());
    Ok(())
}

/// The absolute dist directory.
pub fn dist_dir() -> PathBuf {
    repo_root().join(DIST_DIR)
}

/// Assembles `dist/` from the built site; returns its path.
pub fn make(site: &Path) -> Result<PathBuf> {
    let cfg = Packaging::load()?;
    let dist = dist_dir();
    if dist.exists() {
        fs::remove_dir_all(&dist).context(format!("removing {}", dist.display()))?;
    }
    fs::create_dir_all(&dist).context(format!("creating {}", dist.display()))?;

    let page_dir = dist.join("page");
    fs::create_dir_all(&page_dir).context(format!("creating {}", page_dir.display()))?;
    copy_tree(site, &page_dir)?;

    let source = read_text(&site.join("502.html"))?;
    let mut csp = String::from(CSP_HEADER);
    let mut lights = Vec::new();
    let multilingual = dist.join("multilingual");
    fs::create_dir_all(&multilingual).context(format!("creating {}", multilingual.display()))?;
    let no_ssi = page_dir.join("no-ssi");
    fs::create_dir_all(&no_ssi).context(format!("creating {}", no_ssi.display()))?;
    for code in CODES {
        let plain = ssi_free(&source, code)?;
        let anywhere = for_any_server(&plain, code)?;
        let single = inline_assets(&anywhere, site, &cfg, Inline::Everything(&[Locale::En]))?;
        let name = format!("{code}.html");
        write(&dist.join(&name), &single.html)?;
        csp_entry(&mut csp, &name, &single);
        let every = inline_assets(&anywhere, site, &cfg, Inline::Everything(&Locale::ALL))?;
        write(&multilingual.join(&name), &every.html)?;
        csp_entry(&mut csp, &format!("multilingual/{name}"), &every);
        let light = inline_assets(&plain, site, &cfg, Inline::StyleOnly)?;
        write(&no_ssi.join(&name), &light.html)?;
        csp_entry(&mut csp, &format!("page/no-ssi/{name}"), &light);
        lights.push((code, light.html));
    }
    write(&dist.join("csp.txt"), &csp)?;

    let problems = problem_json(&dist)?;

    let recipes = dist.join("recipes");
    copy_tree(&repo_root().join("www/recipes"), &recipes)?;
    let nginx = recipes.join("nginx");
    fs::create_dir_all(&nginx).context(format!("creating {}", nginx.display()))?;
    for (from, to) in [
        (
            "nginx-accept-map.conf",
            "gateway-doctor-problem-json-map.conf",
        ),
        ("nginx-accept.conf", "gateway-doctor-problem-json.conf"),
    ] {
        let src = repo_root().join("www/problem").join(from);
        fs::copy(&src, nginx.join(to)).context(format!("copying {}", src.display()))?;
    }
    haproxy_errorfiles(&recipes.join("haproxy/errors"), &lights)?;
    kubernetes_manifest(&recipes.join("kubernetes"), &dist, &problems)?;
    crate::npm_package::make(&cfg, &dist)?;

    say!(
        "dist: page/, {}, csp.txt, {}, recipes/",
        CODES.map(|c| format!("{c}.html")).join(" "),
        CODES.map(|c| format!("{c}.json")).join(" ")
    );
    Ok(dist)
}

// ---------------------------------------------------------------------------------------------
// The SSI-free page

/// The SSI that picks a [`Text`] by the status nginx serves the page with.
fn status_conditional(text: &Text) -> String {
    [
        "<!--# if expr=\"$status = 503\" -->",
        text.for_503,
        "<!--# elif expr=\"$status = 504\" -->",
        text.for_504,
        "<!--# else -->",
        text.source,
        "<!--# endif -->",
    ]
    .concat()
}

/// `www/page/502.html` as nginx serves it for all three statuses (the site's copy): each [`Text`]
/// becomes an SSI conditional on `$status`, so a 503 reads "temporarily unavailable" before any
/// script runs.
pub fn with_status_texts(source: &str) -> Result<String> {
    let mut html = source.to_owned();
    for text in TEXTS {
        let count = html.matches(text.source).count();
        if count != 1 {
            bail!(
                "www/page/502.html contains {:?} {count} times (expected once); update TEXTS in xtask/src/dist.rs to match the page",
                text.source
            );
        }
        html = html.replace(text.source, &status_conditional(text));
    }
    Ok(html)
}

/// The site's `502.html` (see [`with_status_texts`]) without SSI for one status: its texts, the
/// status number written in, SSI-only markup removed, every other SSI directive and every comment
/// dropped. Assets are still linked from `/_gateway-doctor/` (HAProxy's errorfiles use this form;
/// [`inline_assets`] makes the single file).
pub fn ssi_free(site_page: &str, code: u16) -> Result<String> {
    let mut html = site_page.to_owned();
    for text in TEXTS {
        let conditional = status_conditional(text);
        if html.matches(&conditional).count() != 1 {
            bail!(
                "the site's 502.html lacks the status texts for {:?}",
                text.source
            );
        }
        let with = match code {
            503 => text.for_503,
            504 => text.for_504,
            _ => text.source,
        };
        html = html.replace(&conditional, with);
    }
    let html = cut_regions(&html, SSI_ONLY_START, SSI_ONLY_END)?;
    let html = strip_comments(&html, code)?;
    // Lines that held only a comment or an SSI-only block are now empty.
    let mut out = String::with_capacity(html.len());
    for line in html.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str(line);
        out.push('\n');
    }
    if out.contains("<!--") {
        bail!("an SSI directive or comment survived in the SSI-free page");
    }
    Ok(out)
}

/// An SSI-free page (see [`ssi_free`]) for the single files, which any server or CDN may serve:
/// the 502 and 504 texts that only the gateway itself can say ("the web server is up…") become
/// [`Text::single_502`] and [`Text::single_504`]. The `no-ssi` pages, served by the gateway
/// (Apache, Caddy, HAProxy, Traefik), keep them; 503's texts hold for any server.
pub fn for_any_server(plain: &str, code: u16) -> Result<String> {
    let mut html = plain.to_owned();
    let texts: fn(&Text) -> (&'static str, &'static str) = match code {
        502 => |text| (text.source, text.single_502),
        504 => |text| (text.for_504, text.single_504),
        _ => return Ok(html),
    };
    for (gateway, neutral) in TEXTS.iter().map(texts) {
        if html.matches(gateway).count() != 1 {
            bail!("the SSI-free {code} page lacks {gateway:?}");
        }
        html = html.replace(gateway, neutral);
    }
    Ok(html)
}

fn cut_regions(html: &str, start: &str, end: &str) -> Result<String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(start) {
        out.push_str(&rest[..at]);
        let after = &rest[at + start.len()..];
        let Some(stop) = after.find(end) else {
            bail!("www/page/502.html: {start} without a matching {end}");
        };
        if after[..stop].contains(start) {
            bail!("www/page/502.html: nested {start} markers");
        }
        rest = &after[stop + end.len()..];
    }
    if rest.contains(end) {
        bail!("www/page/502.html: {end} without a matching {start}");
    }
    out.push_str(rest);
    Ok(out)
}

/// Drops comments and SSI directives outside `<script>` elements; an SSI `echo` of `status` becomes
/// the status number.
fn strip_comments(html: &str, code: u16) -> Result<String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let comment = rest.find("<!--");
        let script = find_tag(rest, "script");
        let take_comment = match (comment, script) {
            (Some(c), Some(s)) => c < s,
            (Some(_), None) => true,
            (None, _) => false,
        };
        match (comment, script) {
            (Some(c), _) if take_comment => {
                out.push_str(&rest[..c]);
                let Some(len) = rest[c..].find("-->") else {
                    bail!("unterminated comment in the page");
                };
                let comment = &rest[c..c + len + 3];
                if comment.starts_with("<!--#") && is_status_echo(comment) {
                    let _ = write!(out, "{code}");
                }
                rest = &rest[c + len + 3..];
            }
            (_, Some(s)) => {
                let Some(end) = rest[s..].find("</script>") else {
                    bail!("unterminated <script> in the page");
                };
                let end = s + end + "</script>".len();
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
            _ => {
                out.push_str(rest);
                return Ok(out);
            }
        }
    }
}

fn is_status_echo(directive: &str) -> bool {
    let d = directive.trim_start_matches("<!--#").trim_start();
    d.starts_with("echo") && (d.contains("var=\"status\"") || d.contains("var='status'"))
}

/// Byte offset of the next `<name` tag (followed by whitespace or `>`), case-sensitive like our sources.
fn find_tag(html: &str, name: &str) -> Option<usize> {
    let open = format!("<{name}");
    let mut from = 0;
    while let Some(at) = html[from..].find(&open) {
        let at = from + at;
        match html[at + open.len()..].chars().next() {
            Some(c) if c.is_whitespace() || c == '>' => return Some(at),
            _ => from = at + open.len(),
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Inlining

pub struct Inlined {
    pub html: String,
    /// Text of every inline executable script, exactly as CSP hashes it.
    pub scripts: Vec<String>,
    /// Text of every `<style>` element.
    pub styles: Vec<String>,
    /// Whether scripts are still loaded from `/_gateway-doctor/` (CSP: `script-src 'self'`).
    pub external_scripts: bool,
}

/// How much [`inline_assets`] inlines.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Inline<'a> {
    /// Everything: a single file that requests nothing, with these languages' bundles inside (the
    /// first is the fallback).
    Everything(&'a [Locale]),
    /// Stylesheet and icon only: the page looks right even when its scripts cannot load, and stays
    /// small enough for HAProxy's errorfile buffer.
    StyleOnly,
}

/// Replaces `/_gateway-doctor/` references: the stylesheet becomes a `<style>`, the icon a data: URL,
/// and with [`Inline::Everything`] the boot module an inline module holding the wasm-bindgen glue and
/// the wasm as base64, moved with the language bundles to the end of `<body>`.
pub fn inline_assets(html: &str, site: &Path, cfg: &Packaging, what: Inline) -> Result<Inlined> {
    let offered_meta = |tags: &str| {
        [
            "<meta name=\"gateway-doctor:locales\" content=\"",
            tags,
            "\">",
        ]
        .concat()
    };
    let retagged;
    let html = match what {
        Inline::Everything(locales) => {
            let all = offered_meta(&locales::all_tags());
            if html.matches(&all).count() != 1 {
                bail!("the page must offer every language once: {all}");
            }
            let tags: Vec<&str> = locales.iter().map(|l| l.tag()).collect();
            retagged = html.replace(&all, &offered_meta(&tags.join(" ")));
            retagged.as_str()
        }
        Inline::StyleOnly => html,
    };
    let asset = |href: &str| -> Result<(String, Vec<u8>)> {
        let Some(name) = href.strip_prefix(ASSET_PREFIX) else {
            bail!("the page references {href:?}, outside {ASSET_PREFIX}: a single file must not load anything");
        };
        let path = site.join(name);
        let bytes = fs::read(&path).context(format!("reading {}", path.display()))?;
        Ok((name.to_owned(), bytes))
    };
    let mut out = String::with_capacity(html.len() + 128 * 1024);
    // The inlined module (glue + wasm) and the language bundles are most of a single file's bytes.
    // They go last, just before `</body>`: a module runs after parsing anyway, and the guidance in
    // `<main>` then arrives within the first kilobytes instead of after the whole wasm, so a visitor
    // on a slow or stalling connection reads it while the rest is still on its way.
    let mut tail = String::new();
    let mut scripts = Vec::new();
    let mut styles = Vec::new();
    let mut rest = html;
    loop {
        let next = [find_tag(rest, "link"), find_tag(rest, "script")]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        let Some(close) = rest[at..].find('>') else {
            bail!("unterminated tag in the page");
        };
        let tag = &rest[at..at + close + 1];
        rest = &rest[at + close + 1..];
        let attrs = attributes(tag)?;
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        if tag.starts_with("<link") {
            let href = get("href").unwrap_or("");
            match get("rel") {
                Some("stylesheet") => {
                    let (name, bytes) = asset(href)?;
                    let css = String::from_utf8(bytes).context(format!("{name} is not UTF-8"))?;
                    if css.contains("</style") || css.contains("url(") || css.contains("@import") {
                        bail!(
                            "{name} contains </style, url( or @import: it cannot be inlined as is"
                        );
                    }
                    let _ = write!(out, "<style>{css}</style>");
                    styles.push(css);
                }
                Some("icon") => {
                    let (name, bytes) = asset(href)?;
                    let svg = String::from_utf8(bytes).context(format!("{name} is not UTF-8"))?;
                    let _ = write!(
                        out,
                        "<link rel=\"icon\" href=\"data:image/svg+xml,{}\">",
                        percent_encode_svg(svg.trim())
                    );
                }
                // Hints to fetch the glue and the wasm early: a page that loads them keeps
                // them, a single file (which has both inside) drops them.
                Some("modulepreload" | "preload") if what == Inline::StyleOnly => {
                    asset(href)?;
                    out.push_str(tag);
                }
                Some("modulepreload" | "preload") => {
                    rest = rest.strip_prefix('\n').unwrap_or(rest);
                }
                other => bail!(
                    "the page has a <link rel={other:?}> that dist does not know how to inline"
                ),
            }
        } else {
            let Some(end) = rest.find("</script>") else {
                bail!("unterminated <script> in the page");
            };
            let body = &rest[..end];
            rest = &rest[end + "</script>".len()..];
            match (get("src"), get("type")) {
                (None, Some("application/json")) => {
                    // Data, never executed: CSP does not apply to it.
                    out.push_str(tag);
                    out.push_str(body);
                    out.push_str("</script>");
                }
                (Some(_), Some("module")) if what == Inline::StyleOnly => {
                    out.push_str(tag);
                    out.push_str(body);
                    out.push_str("</script>");
                }
                (Some(src), Some("module")) if body.trim().is_empty() => {
                    if let Inline::Everything(locales) = what {
                        // Language bundles are data, like the config block: no CSP hash needed.
                        for locale in locales {
                            let _ = write!(
                                tail,
                                "<script type=\"application/json\" id=\"gateway-doctor-texts-{}\">{}</script>",
                                locale.tag(),
                                locales::bundle_json(*locale)
                            );
                        }
                    }
                    let (_, boot) = asset(src)?;
                    let boot = String::from_utf8(boot).context("boot.js is not UTF-8")?;
                    let module = inline_module(&boot, site, cfg)?;
                    let _ = write!(tail, "<script type=\"module\">{module}</script>");
                    scripts.push(module);
                }
                _ => bail!("the page has a {tag} that dist does not know how to inline"),
            }
        }
    }
    if !tail.is_empty() {
        let Some(end) = out.rfind("</body>") else {
            bail!("the page has no </body> to put the inlined scripts before");
        };
        out.insert_str(end, &tail);
    }
    if what != Inline::StyleOnly && out.contains(ASSET_PREFIX) {
        bail!("the single-file page still mentions {ASSET_PREFIX}: some asset was not inlined");
    }
    Ok(Inlined {
        html: out,
        scripts,
        styles,
        external_scripts: what == Inline::StyleOnly,
    })
}

/// `name="value"` pairs of one tag (double quotes, as our sources write them; valueless attributes get "").
fn attributes(tag: &str) -> Result<Vec<(String, String)>> {
    let inner = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    let mut rest = inner
        .split_once(char::is_whitespace)
        .map_or("", |(_, r)| r)
        .trim_start();
    let mut attrs = Vec::new();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        if let Some(value) = rest.strip_prefix("=\"") {
            let Some(end) = value.find('"') else {
                bail!("unterminated attribute value in {tag}");
            };
            attrs.push((name, value[..end].to_owned()));
            rest = value[end + 1..].trim_start();
        } else if rest.starts_with('=') {
            bail!("dist expects double-quoted attribute values: {tag}");
        } else {
            attrs.push((name, String::new()));
            rest = rest.trim_start();
        }
    }
    Ok(attrs)
}

/// The inline module: the glue wrapped in a function (its exports become an object, so its names never
/// meet boot.js's), the wasm as base64, then boot.js with its dynamic import of the glue replaced by
/// that object, whose `default()` instantiates the inlined bytes.
fn inline_module(boot: &str, site: &Path, cfg: &Packaging) -> Result<String> {
    // The readable glue from wasm-pack's output: the site's copy is minified, and glue_as_expression
    // only accepts the forms wasm-bindgen writes. The finished module is minified at the end.
    let from = cfg
        .target(&cfg.site.wasm_from_target)
        .expect("validated when loading wasm-pack.toml");
    let glue_path = cfg.abs(&from.out_dir).join(cfg.js_file());
    let glue = read_text(&glue_path)?;
    let wasm = fs::read(site.join(cfg.wasm_file())).context("reading the wasm")?;
    let glue = glue_as_expression(&glue)?;

    let mut boot_inlined = None;
    for quote in ['\'', '"'] {
        let import = format!("import({quote}./{}{quote})", cfg.js_file());
        match boot.matches(&import).count() {
            0 => {}
            1 => {
                boot_inlined = Some(boot.replace(&import, "Promise.resolve(gatewayDoctorInlined)"))
            }
            n => bail!("boot.js imports the glue {n} times; dist expects one `{import}`"),
        }
    }
    let Some(boot) = boot_inlined else {
        bail!(
            "boot.js no longer contains `import('./{}')`; update inline_module in xtask/src/dist.rs",
            cfg.js_file()
        );
    };
    for name in [
        "gatewayDoctorGlue",
        "gatewayDoctorWasm",
        "gatewayDoctorInlined",
    ] {
        if boot.matches(name).count() > usize::from(name == "gatewayDoctorInlined") {
            bail!("boot.js uses the name {name}, which the single-file build reserves");
        }
    }
    let mut module = String::with_capacity(glue.len() + wasm.len() * 4 / 3 + boot.len() + 512);
    module.push_str(
        "\n// wasm-bindgen glue (gateway_doctor.js), wrapped so its names stay private.\n",
    );
    let _ = writeln!(module, "const gatewayDoctorGlue = {glue};");
    // Gzipped before base64: the page is served gzipped too, and base64 of already-compressed bytes
    // costs almost nothing on the wire, while base64 of the raw wasm hides its repetitions from the
    // server's gzip (≈30 % more). The browser inflates it with DecompressionStream; where that is
    // missing, `default()` rejects and boot.js keeps the static guidance. Zopfli writes the same
    // gzip format about 5 % smaller than gzip -9 (3 KB of every single file), once per build.
    let _ = writeln!(
        module,
        "const gatewayDoctorWasm = \"{}\";",
        base64(&zopfli_gzip(&wasm)?)
    );
    module.push_str(
        "const gatewayDoctorInlined = { ...gatewayDoctorGlue, default: async () => gatewayDoctorGlue.default({ \
         module_or_path: await new Response(new Blob([Uint8Array.from(atob(gatewayDoctorWasm), (c) => c.charCodeAt(0))])\
         .stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer() }) };\n",
    );
    module.push_str("// boot.js\n");
    module.push_str(&boot);
    let module = crate::minify::module(&module)?;
    // The HTML parser ends a script at `</script`, and after `<!--` a `<script` changes how it looks for
    // the end: either would cut the module short.
    let lower = module.to_ascii_lowercase();
    if lower.contains("</script") || (lower.contains("<!--") && lower.contains("<script")) {
        bail!("the inline module contains </script (or <!-- with <script), which would break the HTML");
    }
    Ok(module)
}

/// The glue (an ES module) as an expression: `(() => { ...body...; return { exports } })()`. Only the
/// forms wasm-bindgen generates are accepted; any other import/export fails the build.
pub fn glue_as_expression(glue: &str) -> Result<String> {
    let mut body = String::with_capacity(glue.len());
    let mut exports: Vec<(String, String)> = Vec::new();
    for line in glue.lines() {
        if let Some(decl) = line.strip_prefix("export ") {
            if let Some(list) = decl.strip_prefix('{') {
                let Some(list) = list.trim_end().strip_suffix("};") else {
                    bail!("unexpected export list in the glue: {line}");
                };
                for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    let (local, exported) = item.split_once(" as ").unwrap_or((item, item));
                    exports.push((exported.trim().to_owned(), local.trim().to_owned()));
                }
                continue;
            }
            let name = ["async function ", "function ", "class ", "const ", "let "]
                .iter()
                .find_map(|kw| decl.strip_prefix(kw))
                .map(|r| {
                    r.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                        .next()
                        .unwrap_or("")
                })
                .filter(|n| !n.is_empty());
            let Some(name) = name else {
                bail!("unexpected export in the glue: {line}");
            };
            exports.push((name.to_owned(), name.to_owned()));
            body.push_str(decl);
        } else if line.starts_with("import ") {
            bail!("the glue imports another module ({line}); a single file cannot");
        } else {
            body.push_str(line);
        }
        body.push('\n');
    }
    if !exports.iter().any(|(e, _)| e == "default") {
        bail!("the glue has no default export (the init function)");
    }
    let list: Vec<String> = exports
        .iter()
        .map(|(exported, local)| format!("{exported}: {local}"))
        .collect();
    Ok(format!(
        "(() => {{\n{body}return {{ {} }};\n}})()",
        list.join(", ")
    ))
}

/// `<` `>` `#` `%` `"` and non-ASCII are escaped; the rest of an SVG reads fine in a data: URL.
fn percent_encode_svg(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() + 32);
    for b in svg.bytes() {
        match b {
            b'<' | b'>' | b'#' | b'%' | b'"' | b'\n' | b'\r' | 0x80..=0xff => {
                let _ = write!(out, "%{b:02X}");
            }
            _ => out.push(char::from(b)),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Content-Security-Policy

const CSP_HEADER: &str = "\
# Content-Security-Policy for the single-file pages, written by `cargo xtask dist`.
# The hashes change with every build of the widget: regenerate and redeploy them together.
# 'wasm-unsafe-eval' lets the page compile its WebAssembly; connect-src 'self' lets it check the site;
# img-src data: is the inlined icon. The JSON config block is data, not script: it needs no hash.
";

fn csp_entry(out: &mut String, name: &str, page: &Inlined) {
    let hashes = |texts: &[String]| -> String {
        texts
            .iter()
            .map(|t| format!("'sha256-{}'", base64(&sha256(t.as_bytes()))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut scripts = hashes(&page.scripts);
    if page.external_scripts {
        scripts = ["'self'", &scripts].join(" ").trim().to_owned();
    }
    let styles = hashes(&page.styles);
    let _ = write!(
        out,
        "\n# {name}\n\
         script-src {scripts} 'wasm-unsafe-eval'; style-src {styles}\n\
         Content-Security-Policy: default-src 'none'; script-src {scripts} 'wasm-unsafe-eval'; \
         style-src {styles}; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'\n"
    );
}

// ---------------------------------------------------------------------------------------------
// problem+json

/// Checks `www/problem/<code>.json` (RFC 9457 members, status matching the file) and copies each to
/// `dist/`. Returns (code, text) for the recipes that embed them.
fn problem_json(dist: &Path) -> Result<Vec<(u16, String)>> {
    let mut out = Vec::new();
    for code in CODES {
        let src = repo_root().join(format!("www/problem/{code}.json"));
        let text = read_text(&src)?;
        check_problem(&text, code).context(format!("{}", src.display()))?;
        write(&dist.join(format!("{code}.json")), &text)?;
        out.push((code, text));
    }
    Ok(out)
}

pub fn check_problem(text: &str, code: u16) -> Result<()> {
    let value: serde_json::Value = serde_json::from_str(text).context("invalid JSON")?;
    let Some(object) = value.as_object() else {
        bail!("not a JSON object");
    };
    for member in ["type", "title", "detail"] {
        if !object.get(member).is_some_and(|v| v.is_string()) {
            bail!("`{member}` must be a string (RFC 9457)");
        }
    }
    if object.get("status").and_then(|s| s.as_u64()) != Some(u64::from(code)) {
        bail!("`status` must be the number {code}");
    }
    if let Some(retry) = object.get("retryAfter") {
        if retry.as_u64().unwrap_or(0) == 0 {
            bail!("`retryAfter` must be a positive number of seconds");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generated recipe files

/// `errors/<code>.http` for HAProxy's `errorfile`: a raw HTTP/1.1 response. The single file is far above
/// HAProxy's buffer, so these carry the light page (style inlined, scripts from `/_gateway-doctor/`,
/// served by a static backend; see www/recipes/haproxy/README.md). Fails if one would not fit.
fn haproxy_errorfiles(dir: &Path, pages: &[(u16, String)]) -> Result<()> {
    fs::create_dir_all(dir).context(format!("creating {}", dir.display()))?;
    for (code, html) in pages {
        let response = http_response(*code, html);
        let limit = HAPROXY_BUFSIZE - HAPROXY_MAXREWRITE;
        if response.len() > limit {
            bail!(
                "the HAProxy errorfile for {code} is {} bytes; it must stay under {limit} (tune.bufsize - tune.maxrewrite)",
                response.len()
            );
        }
        write(&dir.join(format!("{code}.http")), &response)?;
    }
    Ok(())
}

pub fn reason(code: u16) -> &'static str {
    match code {
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// A complete HTTP/1.1 response: CRLF header lines, exact Content-Length, then the body.
pub fn http_response(code: u16, body: &str) -> String {
    format!(
        "HTTP/1.1 {code} {}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         X-Robots-Tag: noindex\r\n\
         X-Gateway-Doctor: error-page\r\n\
         Connection: close\r\n\
         \r\n\
         {body}",
        reason(code),
        body.len()
    )
}

/// `gateway-doctor.yaml`: ConfigMap (nginx.conf, the three single files, the problem+json bodies),
/// Deployment and Service of the default backend that ingress-nginx sends 502/503/504 to. The ConfigMap
/// is generated so the pages inside always match this build.
fn kubernetes_manifest(dir: &Path, dist: &Path, problems: &[(u16, String)]) -> Result<()> {
    let template = read_text(&dir.join("gateway-doctor.template.yaml"))?;
    let nginx_conf = read_text(&dir.join("default-backend.nginx.conf"))?;
    let mut files: Vec<(String, String)> = vec![("default.conf".into(), nginx_conf)];
    for code in CODES {
        files.push((
            format!("{code}.html"),
            read_text(&dist.join(format!("{code}.html")))?,
        ));
    }
    for (code, text) in problems {
        files.push((format!("{code}.json"), text.clone()));
    }
    let mut data = String::new();
    for (name, text) in &files {
        let _ = writeln!(data, "  {name}: |");
        for line in text.lines() {
            if line.is_empty() {
                data.push('\n');
            } else {
                let _ = writeln!(data, "    {line}");
            }
        }
    }
    const MARK: &str = "  # @generated-data@\n";
    if template.matches(MARK).count() != 1 {
        bail!(
            "gateway-doctor.template.yaml must contain the line `{}` once",
            MARK.trim_end()
        );
    }
    let yaml = template.replace(MARK, &data);
    if yaml.len() > 1_000_000 {
        bail!(
            "the Kubernetes ConfigMap would exceed 1 MB ({} bytes)",
            yaml.len()
        );
    }
    fs::remove_file(dir.join("gateway-doctor.template.yaml"))
        .context("removing the copied template")?;
    write(&dir.join("gateway-doctor.yaml"), &yaml)
}

// ---------------------------------------------------------------------------------------------
// Small helpers: files, base64, SHA-256 (xtask needs one hash; a crate for it is not worth it)

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).context(format!("reading {}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).context(format!("writing {}", path.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).context(format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).context(format!("reading {}", from.display()))? {
        let entry = entry.context(format!("reading {}", from.display()))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).context(format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}

/// `bytes` in the gzip format, compressed with zopfli (smaller than gzip -9, slower to make). Results
/// are kept for the life of the process: the site's precompressed assets and every single file
/// compress the same wasm.
pub fn zopfli_gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    type Done = Vec<(Vec<u8>, Vec<u8>)>;
    static DONE: std::sync::Mutex<Done> = std::sync::Mutex::new(Vec::new());
    let mut done = DONE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, output)) = done.iter().find(|(input, _)| input == bytes) {
        return Ok(output.clone());
    }
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )
    .context("compressing with zopfli")?;
    done.push((bytes.to_vec(), out.clone()));
    Ok(out)
}

/// Standard base64 with padding (RFC 4648 §4), as CSP hashes and `atob` want it.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SHA-256 (FIPS 180-4).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_known_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&sha256(&million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn base64_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
    }

    const PAGE: &str = "<!doctype html>\n<head>\n<!--gd:ssi-only-->\n<!-- filled by SSI -->\n\
        <meta name=\"gateway-doctor:request\" content=\"<!--# echo var='request' default='' -->\">\n\
        <!--/gd:ssi-only-->\n<link rel=\"stylesheet\" href=\"/_gateway-doctor/page.css\">\n\
        <script type=\"application/json\" id=\"cfg\">{\"a\":\"<!-- kept -->\"}</script>\n</head>\n\
        <p>Error <span><!--# echo var=\"status\" default=\"\" --></span></p>\n\
        <p>mention the time<!--gd:ssi-only--> and the reference<!--/gd:ssi-only-->.</p>\n";

    #[test]
    fn ssi_free_cuts_ssi_markup_and_writes_the_status() {
        let html = cut_regions(PAGE, SSI_ONLY_START, SSI_ONLY_END).unwrap();
        let html = strip_comments(&html, 503).unwrap();
        assert!(!html.contains("gateway-doctor:request"), "{html}");
        assert!(html.contains("Error <span>503</span>"), "{html}");
        assert!(html.contains("mention the time.</p>"), "{html}");
        assert!(
            html.contains("{\"a\":\"<!-- kept -->\"}"),
            "script data untouched: {html}"
        );
        assert!(cut_regions("a<!--gd:ssi-only-->b", SSI_ONLY_START, SSI_ONLY_END).is_err());
        assert!(cut_regions("a<!--/gd:ssi-only-->b", SSI_ONLY_START, SSI_ONLY_END).is_err());
    }

    #[test]
    fn the_real_page_has_every_text_once_and_no_ssi_left() {
        let source = fs::read_to_string(repo_root().join("www/page/502.html")).unwrap();
        let source = with_status_texts(&source).unwrap();
        assert!(source.contains(
            "<h1><!--# if expr=\"$status = 503\" -->This site is temporarily unavailable<!--# elif"
        ));
        for code in CODES {
            let html = ssi_free(&source, code).unwrap();
            assert!(!html.contains("<!--"), "{code}");
            assert!(
                html.contains(&format!("<span class=\"gd-num\">{code}</span>")),
                "{code}"
            );
            assert!(!html.contains("gateway-doctor:request"), "{code}");
            assert!(
                html.contains("data-gateway-doctor=\"error-page\""),
                "{code}"
            );
        }
        let h503 = ssi_free(&source, 503).unwrap();
        let h504 = ssi_free(&source, 504).unwrap();
        assert!(h503.contains(TEXTS[0].for_503) && !h503.contains(TEXTS[0].source));
        assert!(h504.contains(TEXTS[1].for_504) && !h504.contains(TEXTS[1].source));
    }

    #[test]
    fn single_files_say_only_what_any_server_can_say_for_502() {
        let source = fs::read_to_string(repo_root().join("www/page/502.html")).unwrap();
        let source = with_status_texts(&source).unwrap();
        let plain = ssi_free(&source, 502).unwrap();
        // The gateway's own pages (no-ssi: Apache, Caddy, HAProxy) know the web server is up.
        assert!(plain.contains("<h1>This site can’t reach its application right now</h1>"));
        assert!(plain.contains("The web server is up"));
        let single = for_any_server(&plain, 502).unwrap();
        assert!(
            single.contains("<h1>This site is not answering right now</h1>"),
            "{single}"
        );
        assert!(single.contains(
            "<p class=\"gd-lede\">The site did not answer properly. Nothing you did caused this"
        ));
        for text in TEXTS {
            assert!(!single.contains(text.source), "{}", text.source);
        }
        let header = &single[single.find("<header").unwrap()..single.find("</header>").unwrap()];
        assert!(
            !header.contains("application") && !header.contains("web server"),
            "nothing about what is behind it: {header}"
        );
        // 504: slow, without claiming what is in front of the application.
        let plain = ssi_free(&source, 504).unwrap();
        assert!(plain.contains("The web server is up"));
        let single = for_any_server(&plain, 504).unwrap();
        let header = &single[single.find("<header").unwrap()..single.find("</header>").unwrap()];
        assert!(
            header.contains("<h1>This site is taking too long to answer</h1>"),
            "{header}"
        );
        assert!(
            header.contains("The site took too long to answer."),
            "{header}"
        );
        assert!(!header.contains("web server"), "{header}");
        // 503's texts hold for any server.
        let plain = ssi_free(&source, 503).unwrap();
        assert_eq!(for_any_server(&plain, 503).unwrap(), plain);
    }

    #[test]
    fn glue_exports_become_an_object() {
        let glue =
            "let wasm;\nexport function mount(a) { return a; }\nasync function __wbg_init(m) {}\n\
                    function initSync(m) {}\nexport { initSync, __wbg_init as default };\n";
        let expr = glue_as_expression(glue).unwrap();
        assert!(expr.contains("\nfunction mount(a)"), "{expr}");
        assert!(
            expr.contains("return { mount: mount, initSync: initSync, default: __wbg_init };"),
            "{expr}"
        );
        assert!(glue_as_expression("import x from './y.js';\nexport { x as default };\n").is_err());
        assert!(glue_as_expression("export default 1;\n").is_err());
    }

    #[test]
    fn attributes_and_tags() {
        let attrs =
            attributes("<link rel=\"icon\" href=\"/x.svg\" type=\"image/svg+xml\">").unwrap();
        assert_eq!(attrs[1], ("href".into(), "/x.svg".into()));
        assert_eq!(
            attributes("<script type=\"module\" async>").unwrap()[1].0,
            "async"
        );
        assert!(attributes("<link rel=icon>").is_err());
        assert_eq!(find_tag("<linkx><link>", "link"), Some(7));
    }

    #[test]
    fn http_response_is_exact() {
        let r = http_response(503, "héllo");
        assert!(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(r.contains("Content-Length: 6\r\n"), "bytes, not chars");
        assert!(r.ends_with("\r\n\r\nhéllo"));
    }

    #[test]
    fn problem_sources_are_valid() {
        for code in CODES {
            let text =
                fs::read_to_string(repo_root().join(format!("www/problem/{code}.json"))).unwrap();
            check_problem(&text, code).unwrap();
        }
        assert!(check_problem(
            r#"{"type":"about:blank","title":"x","detail":"y","status":502}"#,
            503
        )
        .is_err());
        assert!(check_problem(r#"{"title":"x","detail":"y","status":502}"#, 502).is_err());
    }
}
