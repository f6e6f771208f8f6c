//! `cargo xtask nginx-conf`: a complete, self-contained nginx.conf for a throwaway nginx in front of the
//! test upstream, with the operator snippet (www/recipes/nginx/gateway-doctor.conf) included unchanged
//! except for its install path. The optional health endpoint of the recipe is included too: its
//! http-level file (gateway-doctor-http.conf, cache directory moved under the output directory) and its
//! server-level file (gateway-doctor-health.conf, pointed at the upstream's `/health`), so tests and the
//! demo exercise exactly what operators install.
//!
//! Everything nginx writes (pid, logs, temp files) goes under the output directory, so several instances can
//! run side by side (e2e tests) without root and without touching /var. `daemon` is left to the caller
//! (`-g 'daemon off;'`): nginx rejects a directive given both in the file and with -g.

use crate::util::{absolute_existing, bail, is_root, repo_root, Args, Context as _, Result};
use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The install path the shipped snippet uses; the only text we rewrite in it.
pub const INSTALL_PATH: &str = "/usr/share/gateway-doctor/";

/// Name of the rendered snippet inside the output directory.
const SNIPPET_NAME: &str = "gateway-doctor.conf";

/// The recipe's http-level file (the health endpoint's cache) and the cache directory it names.
const HTTP_SNIPPET: &str = "gateway-doctor-http.conf";
pub const CACHE_PATH: &str = "/var/cache/gateway-doctor";
/// The recipe's health endpoint and the one line operators edit in it: rewritten to the upstream's
/// `/health` (which `xtask upstream --mode up` answers with `ok`).
const HEALTH_SNIPPET: &str = "gateway-doctor-health.conf";
pub const HEALTH_TARGET: &str = "proxy_pass http://127.0.0.1:8080/health;";

pub struct ConfOptions {
    /// `listen` address of the server block.
    pub listen: SocketAddr,
    /// `host:port` of the application nginx proxies to.
    pub upstream: String,
    /// The assembled site (replaces [`INSTALL_PATH`] in the snippet).
    pub site: PathBuf,
    /// Where nginx.conf, the rendered snippet, logs and temp dirs go.
    pub out: PathBuf,
    /// Extra file included inside the server block (tests add locations or headers with it).
    pub extra: Option<PathBuf>,
    /// The snippet to render; the shipped one unless a test wants another.
    pub snippet: PathBuf,
}

/// The subcommand: renders and prints the conf path (only that, on stdout, for scripts).
pub fn cmd(mut args: Args) -> Result<()> {
    let listen = args
        .parsed("listen")?
        .ok_or_else(|| crate::util::Error::from("missing required option --listen"))?;
    let upstream = args.required("upstream")?;
    let site = PathBuf::from(args.required("site")?);
    let out = PathBuf::from(args.required("out")?);
    let extra = args.take("extra").map(PathBuf::from);
    let snippet = args
        .take("snippet")
        .map(PathBuf::from)
        .unwrap_or_else(default_snippet);
    args.finish()?;
    let conf = render(&ConfOptions {
        listen,
        upstream,
        site,
        out,
        extra,
        snippet,
    })?;
    println!("{}", conf.display());
    Ok(())
}

pub fn default_snippet() -> PathBuf {
    recipe_dir().join(SNIPPET_NAME)
}

fn recipe_dir() -> PathBuf {
    repo_root().join("www/recipes/nginx")
}

/// Reads a recipe file and replaces `from` (which must be there: it is what makes the file work in a
/// throwaway prefix) with `to`, writing the result to `dest`.
fn render_recipe(name: &str, from: &str, to: &str, dest: &Path) -> Result<()> {
    let source = recipe_dir().join(name);
    let text = fs::read_to_string(&source)
        .with_context(|| format!("reading the nginx recipe {}", source.display()))?;
    if !text.contains(from) {
        bail!(
            "{} does not contain `{from}`, which `xtask nginx-conf` rewrites for tests (keep that line as shipped)",
            source.display()
        );
    }
    fs::write(dest, text.replace(from, to)).context(format!("writing {}", dest.display()))
}

/// Writes `OUT/nginx.conf`, `OUT/gateway-doctor.conf` and the log/temp directories; returns the conf path.
pub fn render(opts: &ConfOptions) -> Result<PathBuf> {
    if opts.upstream.is_empty()
        || opts
            .upstream
            .contains(|c: char| c.is_whitespace() || c == ';')
    {
        bail!(
            "--upstream must look like host:port, got `{}`",
            opts.upstream
        );
    }
    let site = absolute_existing(&opts.site).context("--site (run `cargo xtask build` first?)")?;
    fs::create_dir_all(&opts.out).context(format!("creating {}", opts.out.display()))?;
    let out = absolute_existing(&opts.out)?;
    let extra = opts
        .extra
        .as_deref()
        .map(absolute_existing)
        .transpose()
        .context("--extra")?;
    for path in [Some(&site), Some(&out), extra.as_ref()]
        .into_iter()
        .flatten()
    {
        check_conf_safe(path)?;
    }

    let snippet_text = fs::read_to_string(&opts.snippet).with_context(|| {
        format!(
            "reading the nginx snippet {} (written by the page/recipes work)",
            opts.snippet.display()
        )
    })?;
    if !snippet_text.contains(INSTALL_PATH) {
        bail!(
            "{} does not mention {INSTALL_PATH}; nothing would point nginx at the site",
            opts.snippet.display()
        );
    }
    let snippet = out.join(SNIPPET_NAME);
    let site_with_slash = format!("{}/", site.display());
    fs::write(
        &snippet,
        snippet_text.replace(INSTALL_PATH, &site_with_slash),
    )
    .context(format!("writing {}", snippet.display()))?;

    let http_snippet = out.join(HTTP_SNIPPET);
    let cache_dir = out.join("cache/health");
    render_recipe(
        HTTP_SNIPPET,
        CACHE_PATH,
        &cache_dir.display().to_string(),
        &http_snippet,
    )?;
    let health_snippet = out.join(HEALTH_SNIPPET);
    render_recipe(
        HEALTH_SNIPPET,
        HEALTH_TARGET,
        &format!("proxy_pass http://{}/health;", opts.upstream),
        &health_snippet,
    )?;

    // nginx opens <prefix>/logs/error.log before it has read the conf; create it to avoid an alert.
    for dir in [
        "cache/health",
        "logs",
        "tmp/client_body",
        "tmp/proxy",
        "tmp/fastcgi",
        "tmp/uwsgi",
        "tmp/scgi",
    ] {
        let dir = out.join(dir);
        fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
    }

    let conf = out.join("nginx.conf");
    let includes = Includes {
        http: &http_snippet,
        server: &[&snippet, &health_snippet],
        extra: extra.as_deref(),
    };
    let text = conf_text(opts, &out, &includes, is_root());
    fs::write(&conf, text).context(format!("writing {}", conf.display()))?;
    Ok(conf)
}

/// Paths go into the conf quoted; refuse the few characters that would still break or change its meaning
/// (`$` would be expanded as a variable in `alias`).
fn check_conf_safe(path: &Path) -> Result<()> {
    let s = path.to_string_lossy();
    if s.contains(|c: char| c.is_whitespace() || c.is_control() || "\"'\\$;{}#".contains(c)) {
        bail!(
            "path `{s}` contains characters that cannot be used in nginx.conf; use a simpler path"
        );
    }
    Ok(())
}

/// The rendered recipe files the conf includes.
struct Includes<'a> {
    /// Inside `http { }`.
    http: &'a Path,
    /// Inside `server { }`, in this order.
    server: &'a [&'a Path],
    /// The caller's `--extra`, last in `server { }`.
    extra: Option<&'a Path>,
}

fn conf_text(opts: &ConfOptions, out: &Path, includes: &Includes, as_root: bool) -> String {
    let o = out.display();
    let mut t = String::new();
    t.push_str(
        "# Generated by `cargo xtask nginx-conf`; re-run it instead of editing.\n\
         # Start with: nginx -p OUT -c OUT/nginx.conf -g 'daemon off;'\n\n",
    );
    if as_root {
        t.push_str(
            "# Running as root: workers would otherwise drop to `nobody`, which cannot read the site.\n\
             user root;\n",
        );
    }
    let _ = write!(
        t,
        "worker_processes 1;
pid \"{o}/nginx.pid\";
error_log \"{o}/error.log\" notice;

events {{
    # Room for `cargo xtask bench health` (hundreds of keep-alive clients, plus the upstream side).
    worker_connections 1024;
}}

http {{
    # Inline so the conf does not depend on the distro's mime.types; application/wasm matters for
    # WebAssembly.instantiateStreaming.
    types {{
        text/html                html htm;
        text/css                 css;
        text/javascript          js mjs;
        application/json         json;
        application/wasm         wasm;
        image/svg+xml            svg;
        image/png                png;
        image/x-icon             ico;
        text/plain               txt;
    }}
    default_type application/octet-stream;

    log_format gateway_doctor '$remote_addr [$time_local] \"$request\" $status $body_bytes_sent '
                              'upstream=$upstream_addr/$upstream_status rt=$request_time id=$request_id';
    access_log \"{o}/access.log\" gateway_doctor;

    client_body_temp_path \"{o}/tmp/client_body\";
    proxy_temp_path \"{o}/tmp/proxy\";
    fastcgi_temp_path \"{o}/tmp/fastcgi\";
    uwsgi_temp_path \"{o}/tmp/uwsgi\";
    scgi_temp_path \"{o}/tmp/scgi\";

    sendfile on;
    server_tokens off;
    keepalive_timeout 10s;

    # The recipe's http-level part: the health endpoint's cache.
    include \"{http}\";

    server {{
        listen {listen};
        server_name _;

        location / {{
            proxy_pass http://{upstream};
            # A dead upstream refuses at once; a hung one becomes a 504 after 5 s, quick enough for a demo.
            proxy_connect_timeout 2s;
            proxy_read_timeout 5s;
            proxy_send_timeout 5s;
            # One upstream, nothing to fail over to: report the failure instead of retrying.
            proxy_next_upstream off;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-Id $request_id;
        }}

",
        listen = opts.listen,
        upstream = opts.upstream,
        http = includes.http.display(),
    );
    for file in includes.server.iter().chain(&includes.extra) {
        let _ = writeln!(t, "        include \"{}\";", file.display());
    }
    t.push_str("    }\n}\n");
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::which;
    use std::process::Command;

    /// `nginx -t`, the real judge of a rendered conf.
    fn check(nginx: &Path, conf: &Path) -> Result<()> {
        let prefix = conf.parent().expect("conf lives in the output directory");
        crate::util::run(
            Command::new(nginx)
                .arg("-t")
                .arg("-p")
                .arg(prefix)
                .arg("-c")
                .arg(conf),
        )
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gd-xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn options(dir: &Path, extra: Option<PathBuf>) -> ConfOptions {
        let site = dir.join("site");
        fs::create_dir_all(&site).unwrap();
        let snippet = dir.join("snippet.conf");
        fs::write(
            &snippet,
            "error_page 502 503 504 /_gateway-doctor/502.html;\n\
             location ^~ /_gateway-doctor/ { alias /usr/share/gateway-doctor/; }\n",
        )
        .unwrap();
        ConfOptions {
            listen: "127.0.0.1:18502".parse().unwrap(),
            upstream: "127.0.0.1:18503".into(),
            site,
            out: dir.join("out"),
            extra,
            snippet,
        }
    }

    #[test]
    fn renders_conf_and_snippet() {
        let dir = scratch("render");
        let extra = dir.join("extra.conf");
        fs::write(&extra, "add_header X-Test yes;\n").unwrap();
        let opts = options(&dir, Some(extra.clone()));
        let conf = render(&opts).unwrap();
        let out = opts.out.canonicalize().unwrap();
        assert_eq!(conf, out.join("nginx.conf"));

        let text = fs::read_to_string(&conf).unwrap();
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("daemon")),
            "daemon is the caller's choice"
        );
        assert!(text.contains(&format!("pid \"{}/nginx.pid\";", out.display())));
        assert!(text.contains("listen 127.0.0.1:18502;"));
        assert!(text.contains("proxy_pass http://127.0.0.1:18503;"));
        assert!(text.contains(&format!(
            "include \"{}/gateway-doctor.conf\";",
            out.display()
        )));
        assert!(text.contains(&format!(
            "include \"{}\";",
            extra.canonicalize().unwrap().display()
        )));
        assert_eq!(text.contains("user root;"), is_root());

        let snippet = fs::read_to_string(out.join("gateway-doctor.conf")).unwrap();
        let site = opts.site.canonicalize().unwrap();
        assert!(snippet.contains(&format!("alias {}/;", site.display())));
        assert!(!snippet.contains(INSTALL_PATH));
        assert!(out.join("tmp/proxy").is_dir());

        // The recipe's health endpoint: its cache inside the output directory, aimed at the upstream.
        assert!(text.contains(&format!(
            "include \"{}/gateway-doctor-http.conf\";",
            out.display()
        )));
        assert!(text.contains(&format!(
            "include \"{}/gateway-doctor-health.conf\";",
            out.display()
        )));
        let http = fs::read_to_string(out.join("gateway-doctor-http.conf")).unwrap();
        assert!(http.contains(&format!("proxy_cache_path {}/cache/health ", out.display())));
        assert!(!http.contains(CACHE_PATH));
        let health = fs::read_to_string(out.join("gateway-doctor-health.conf")).unwrap();
        assert!(health.contains("proxy_pass http://127.0.0.1:18503/health;"));
        assert!(!health.contains(HEALTH_TARGET));
        assert!(health.contains("location = /_gateway-doctor/health {"));
        assert!(out.join("cache/health").is_dir());

        // nginx itself is the real judge, when it is installed.
        if let Some(nginx) = which("nginx", &["/usr/sbin"]) {
            check(&nginx, &conf).unwrap();
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_unsafe_paths_and_missing_site() {
        let dir = scratch("unsafe");
        let mut opts = options(&dir, None);
        opts.site = dir.join("does-not-exist");
        assert!(render(&opts).is_err());
        assert!(check_conf_safe(Path::new("/tmp/a b")).is_err());
        assert!(check_conf_safe(Path::new("/tmp/$x")).is_err());
        assert!(check_conf_safe(Path::new("/work/main/target/site")).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }
}
