//! `cargo xtask upstream`: a stand-in application behind nginx that can be up, down, slow or broken on
//! demand, so the demo and the e2e tests exercise real 502/503/504 responses produced by a real nginx.
//!
//! Deliberately tiny: std TcpListener, a thread per connection, just enough HTTP/1.1 to read a request head
//! and answer with `Connection: close`.
//!
//! It counts what reaches it (accepted connections, requests per method and path): `--stats FILE` keeps a
//! JSON copy of the counts up to date (rewritten within ~50 ms of a change, and once more on SIGTERM), and
//! the totals are printed when it stops. The load test and the e2e tests read these counts: what the
//! application really received, not what nginx says it sent.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{bail, utc_time_of_day, Args, Context as _, Error, Result};

/// The page the demo reloads into once the upstream is back.
const APP_PAGE: &str = "<!doctype html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>Demo app</title></head>
<body>
<h1>The demo application is up</h1>
<p>This page comes from <code>cargo xtask upstream</code>, the stand-in application behind nginx.</p>
</body>
</html>
";

/// Our own error page as served by the gateway, for `--mode cached-error`: what a CDN that cached the
/// error with a wrong status (200) would hand out. Its body carries `data-gateway-doctor="error-page"`.
const ERROR_PAGE: &str = include_str!("../../www/page/502.html");

/// Longest request head we read; anything longer is not a request this server needs to understand.
const MAX_HEAD: usize = 64 * 1024;
/// Request bodies are read (and discarded) up to this size so the client is not reset mid-upload.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Serve the demo app; `/health` answers `ok`.
    Up,
    /// Alternate: no listener for `down` (connection refused), then serve for `up`; starts down.
    Cycle { up: Duration, down: Duration },
    /// Accept and read the request, never answer (nginx times out: 504).
    Hang,
    /// Answer with bytes that are not a valid HTTP response, then close (nginx: 502).
    Garbage,
    /// Answer `code` on every path, with `Retry-After` if given.
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    /// Answer 200 with our own error page on every path (no `X-Gateway-Doctor` header: only the body
    /// tells), like a CDN that cached the error page with the wrong status.
    CachedError,
    /// Intermittent overload: the cheap `/health` gets through every other time (200, then 503,
    /// then 200, ...), every heavier path is shed with a 503 (no `Retry-After`: nobody knows when it
    /// ends). What an application looks like when it has more work than workers.
    Overloaded,
    /// A status page's JSON API: the current contents of `file` on every path, as
    /// `application/json` with `Access-Control-Allow-Origin: *` (as Statuspage and friends send it).
    /// Tests rewrite the file to change what the status page says.
    StatusPage { file: PathBuf },
}

/// How one accepted connection is answered (cycle serves like `Up` while it is up).
#[derive(Debug, PartialEq, Eq)]
enum Behaviour {
    App,
    Hang,
    Garbage,
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    CachedError,
    Overloaded,
    StatusPage {
        file: PathBuf,
    },
}

pub struct Options {
    pub listen: SocketAddr,
    pub mode: Mode,
}

/// The subcommand. SIGINT/SIGTERM end the process at once (after a last write of the counts): a test
/// harness waiting for us to exit should not wait on in-flight (possibly hanging) connections.
pub fn cmd(mut args: Args) -> Result<()> {
    let stats_file = args.take("stats").map(PathBuf::from);
    let options = parse_options(&mut args)?;
    args.finish()?;
    if let Some(path) = &stats_file {
        // Written at once, so a reader never finds the file missing while we run.
        write_stats(path).with_context(|| format!("writing --stats {}", path.display()))?;
        let path = path.clone();
        thread::spawn(move || keep_stats_written(&path));
    }
    ctrlc::set_handler(move || {
        if let Some(path) = &stats_file {
            if let Err(e) = write_stats(path) {
                eprintln!("upstream: writing {}: {e}", path.display());
            }
        }
        println!(
            "upstream: stopping (signal) at {}; {}",
            utc_time_of_day(),
            STATS.summary()
        );
        std::process::exit(0);
    })
    .context("installing the signal handler")?;
    serve(&options)
}

/// What reached this process. Process-wide, because `serve` also runs as a thread of `cargo xtask demo`.
struct Stats {
    connections: AtomicU64,
    /// `"GET /health"` → count (query strings dropped).
    requests: Mutex<BTreeMap<String, u64>>,
    /// Bumped on every change, so the writer thread rewrites the file only when something happened.
    changes: AtomicU64,
}

static STATS: Stats = Stats {
    connections: AtomicU64::new(0),
    requests: Mutex::new(BTreeMap::new()),
    changes: AtomicU64::new(0),
};
/// Serialises file writes between the writer thread and the signal handler.
static STATS_WRITE: Mutex<()> = Mutex::new(());

impl Stats {
    fn connection(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.changes.fetch_add(1, Ordering::Release);
    }

    fn request(&self, request: &Request) {
        let key = format!("{} {}", request.method, request.path);
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(0) += 1;
        self.changes.fetch_add(1, Ordering::Release);
    }

    fn snapshot(&self) -> (u64, BTreeMap<String, u64>) {
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        (self.connections.load(Ordering::Relaxed), requests)
    }

    fn json(&self) -> String {
        let (connections, by_request) = self.snapshot();
        let requests: u64 = by_request.values().sum();
        serde_json::json!({
            "connections": connections,
            "requests": requests,
            "by_request": by_request,
        })
        .to_string()
    }

    fn summary(&self) -> String {
        let (connections, by_request) = self.snapshot();
        let requests: u64 = by_request.values().sum();
        let detail: Vec<String> = by_request
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", detail.join(", "))
        };
        format!("{requests} requests on {connections} connections{detail}")
    }
}

/// Atomically replaces `path` with the current counts (temp file + rename: readers never see half a file).
fn write_stats(path: &Path) -> io::Result<()> {
    let _guard = STATS_WRITE.lock().unwrap_or_else(|e| e.into_inner());
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    fs::write(&tmp, STATS.json() + "\n")?;
    fs::rename(&tmp, path)
}

fn keep_stats_written(path: &Path) {
    let mut written = STATS.changes.load(Ordering::Acquire);
    loop {
        thread::sleep(Duration::from_millis(50));
        let now = STATS.changes.load(Ordering::Acquire);
        if now != written {
            match write_stats(path) {
                Ok(()) => written = now,
                Err(e) => eprintln!("upstream: writing {}: {e}", path.display()),
            }
        }
    }
}

fn parse_options(args: &mut Args) -> Result<Options> {
    let listen: SocketAddr = args
        .parsed("listen")?
        .ok_or_else(|| Error::from("missing required option --listen (e.g. 127.0.0.1:8503)"))?;
    let mode_name = args.required("mode")?;
    let up_secs: Option<u64> = args.parsed("up-secs")?;
    let down_secs: Option<u64> = args.parsed("down-secs")?;
    let status: Option<u16> = args.parsed("status")?;
    let retry_after = args.take("retry-after");
    let body_file = args.take("body-file").map(PathBuf::from);
    if body_file.is_some() != (mode_name == "status-page") {
        bail!("--mode status-page needs --body-file FILE, and --body-file only applies to it");
    }

    let cycle_only = up_secs.is_some() || down_secs.is_some();
    let status_only = status.is_some() || retry_after.is_some();
    if cycle_only && mode_name != "cycle" {
        bail!("--up-secs/--down-secs only apply to --mode cycle");
    }
    if status_only && mode_name != "status" {
        bail!("--status/--retry-after only apply to --mode status");
    }
    let mode = match mode_name.as_str() {
        "up" => Mode::Up,
        "cycle" => Mode::Cycle {
            up: Duration::from_secs(up_secs.unwrap_or(20)),
            down: Duration::from_secs(down_secs.unwrap_or(20)),
        },
        "hang" => Mode::Hang,
        "garbage" => Mode::Garbage,
        "cached-error" => Mode::CachedError,
        "overloaded" => Mode::Overloaded,
        "status-page" => Mode::StatusPage {
            file: body_file.unwrap_or_default(),
        },
        "status" => {
            let code = status.unwrap_or(503);
            if !(100..=599).contains(&code) {
                bail!("--status must be an HTTP status code (100-599), got {code}");
            }
            if let Some(v) = &retry_after {
                if v.chars().any(|c| c.is_control()) {
                    bail!("--retry-after must not contain control characters");
                }
            }
            Mode::Status { code, retry_after }
        }
        other => bail!(
            "unknown --mode `{other}` (up, cycle, hang, garbage, status, cached-error, overloaded, status-page)"
        ),
    };
    Ok(Options { listen, mode })
}

/// Runs until the process ends. Used in-process by `cargo xtask demo`.
pub fn serve(options: &Options) -> Result<()> {
    let addr = options.listen;
    let behaviour = match &options.mode {
        Mode::Cycle { up, down } => return cycle(addr, *up, *down),
        Mode::Up => Behaviour::App,
        Mode::Hang => Behaviour::Hang,
        Mode::Garbage => Behaviour::Garbage,
        Mode::Status { code, retry_after } => Behaviour::Status {
            code: *code,
            retry_after: retry_after.clone(),
        },
        Mode::CachedError => Behaviour::CachedError,
        Mode::Overloaded => Behaviour::Overloaded,
        Mode::StatusPage { file } => Behaviour::StatusPage { file: file.clone() },
    };
    let listener = bind(addr)?;
    let mode_name = match &options.mode {
        Mode::Up => "up",
        Mode::Hang => "hang",
        Mode::Garbage => "garbage",
        Mode::CachedError => "cached-error",
        Mode::Overloaded => "overloaded",
        Mode::StatusPage { .. } => "status-page",
        _ => "status",
    };
    println!(
        "upstream: listening on {addr} (mode {mode_name}) at {}",
        utc_time_of_day()
    );
    let behaviour = Arc::new(behaviour);
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => spawn_connection(stream, &behaviour),
            // Transient accept errors (e.g. the peer reset before accept) must not stop the server.
            Err(e) => eprintln!("upstream: accept failed: {e}"),
        }
    }
    Ok(())
}

fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| {
        let hint = if e.kind() == io::ErrorKind::AddrInUse {
            " (the port is already in use; is another upstream or demo running?)"
        } else {
            ""
        };
        Error(format!("upstream: cannot listen on {addr}: {e}{hint}"))
    })
}

/// Down means no listening socket at all, so nginx gets "connection refused" exactly as with a crashed
/// application; up re-binds the port. Connections accepted while up finish even if the phase ends.
fn cycle(addr: SocketAddr, up: Duration, down: Duration) -> Result<()> {
    // Fail now, not after the first down phase, if the port cannot be bound.
    drop(bind(addr)?);
    println!(
        "upstream: cycling on {addr}: down {} s, up {} s, starting down",
        down.as_secs(),
        up.as_secs()
    );
    let behaviour = Arc::new(Behaviour::App);
    loop {
        println!(
            "upstream: down (refusing connections for {} s) at {}",
            down.as_secs(),
            utc_time_of_day()
        );
        thread::sleep(down);

        let listener = bind(addr)?;
        listener
            .set_nonblocking(true)
            .context("making the listener non-blocking")?;
        println!(
            "upstream: up (serving for {} s) at {}",
            up.as_secs(),
            utc_time_of_day()
        );
        let until = Instant::now() + up;
        while Instant::now() < until {
            match listener.accept() {
                Ok((stream, _)) => {
                    // Accepted sockets must block: the per-connection thread does plain reads/writes.
                    if stream.set_nonblocking(false).is_ok() {
                        spawn_connection(stream, &behaviour);
                    }
                }
                // A short poll keeps the phase boundary within ~10 ms without a second thread.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(10))
                }
                Err(e) => eprintln!("upstream: accept failed: {e}"),
            }
        }
        drop(listener);
    }
}

fn spawn_connection(stream: TcpStream, behaviour: &Arc<Behaviour>) {
    STATS.connection();
    let behaviour = Arc::clone(behaviour);
    thread::spawn(move || {
        // Errors only mean the client went away; there is nobody to report them to.
        let _ = handle(stream, &behaviour);
    });
}

/// The parts of a request head this server cares about.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    method: String,
    path: String,
    content_length: usize,
}

fn handle(mut stream: TcpStream, behaviour: &Behaviour) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let Some((request, already_read)) = read_request(&mut stream)? else {
        return Ok(());
    };
    STATS.request(&request);
    match behaviour {
        Behaviour::Hang => {
            // Keep the connection open without answering until the client (nginx, after
            // proxy_read_timeout) gives up; then this thread ends.
            stream.set_read_timeout(None)?;
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink)? > 0 {}
            return Ok(());
        }
        Behaviour::Garbage => {
            // A valid-looking status line followed by an invalid header line: nginx must reject it
            // ("upstream sent invalid header") and answer 502. Bytes without any status line would be
            // passed through by nginx as an HTTP/0.9 response instead.
            stream.write_all(
                b"HTTP/1.1 200 OK\r\n\x01\x02 this is not an HTTP header \xff\xfe\r\n\r\n",
            )?;
        }
        Behaviour::App
        | Behaviour::Status { .. }
        | Behaviour::CachedError
        | Behaviour::Overloaded
        | Behaviour::StatusPage { .. } => {
            discard_body(
                &mut stream,
                request.content_length.saturating_sub(already_read),
            )?;
            stream.write_all(&response(behaviour, &request))?;
        }
    }
    finish(stream)
}

/// Reads up to the end of the request head. Returns the request and how many body bytes were already
/// read past the head, or `None` if the client closed first.
fn read_request(stream: &mut TcpStream) -> io::Result<Option<(Request, usize)>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = head_end(&buf) {
            let head = String::from_utf8_lossy(&buf[..end]);
            return Ok(parse_head(&head).map(|r| (r, buf.len() - end)));
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Index just past the blank line that ends the head (`\r\n\r\n`, tolerating bare `\n\n`).
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse_head(head: &str) -> Option<Request> {
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let target = first.next()?;
    let path = target.split(['?', '#']).next().unwrap_or("/").to_owned();
    let content_length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    Some(Request {
        method,
        path,
        content_length,
    })
}

fn discard_body(stream: &mut TcpStream, remaining: usize) -> io::Result<()> {
    let mut remaining = remaining.min(MAX_BODY);
    let mut sink = [0u8; 4096];
    while remaining > 0 {
        let n = stream.read(&mut sink[..remaining.min(4096)])?;
        if n == 0 {
            break;
        }
        remaining -= n;
    }
    Ok(())
}

/// Health checks answered so far in `overloaded` mode: even ones get through, odd ones are shed.
static OVERLOADED_HEALTH: AtomicU64 = AtomicU64::new(0);

fn response(behaviour: &Behaviour, request: &Request) -> Vec<u8> {
    if let Behaviour::StatusPage { file } = behaviour {
        return status_page_response(file, request);
    }
    let shed = |what: &str| {
        (
            503,
            "text/plain; charset=utf-8",
            format!("overloaded: {what} shed, try again\n"),
            None,
        )
    };
    let (code, content_type, body, retry_after) = match behaviour {
        Behaviour::Overloaded if request.path == "/health" => {
            if OVERLOADED_HEALTH
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(2)
            {
                (200, "text/plain; charset=utf-8", "ok".to_owned(), None)
            } else {
                shed("health check")
            }
        }
        Behaviour::Overloaded => shed("request"),
        Behaviour::Status { code, retry_after } => (
            *code,
            "text/html; charset=utf-8",
            format!(
                "<!doctype html>\n<title>{code} {reason}</title>\n<h1>{code} {reason}</h1>\n\
                 <p>Answered by <code>cargo xtask upstream --mode status</code>.</p>\n",
                reason = reason_phrase(*code)
            ),
            retry_after.as_deref(),
        ),
        Behaviour::CachedError => (200, "text/html; charset=utf-8", ERROR_PAGE.to_owned(), None),
        _ if request.path == "/health" => (200, "text/plain; charset=utf-8", "ok".to_owned(), None),
        _ => (200, "text/html; charset=utf-8", APP_PAGE.to_owned(), None),
    };
    let mut head = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n",
        reason_phrase(code),
        body.len()
    );
    if let Some(value) = retry_after {
        head.push_str(&format!("Retry-After: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if request.method != "HEAD" {
        bytes.extend_from_slice(body.as_bytes());
    }
    bytes
}

/// The file's current contents as a JSON API answer; 500 if it cannot be read.
fn status_page_response(file: &Path, request: &Request) -> Vec<u8> {
    let (code, body) = match fs::read(file) {
        Ok(body) => (200, body),
        Err(e) => (
            500,
            format!("cannot read {}: {e}\n", file.display()).into_bytes(),
        ),
    };
    let mut bytes = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
        reason_phrase(code),
        body.len()
    )
    .into_bytes();
    if request.method != "HEAD" {
        bytes.extend_from_slice(&body);
    }
    bytes
}

/// Half-closes and drains briefly before dropping: closing with unread input makes the kernel send RST,
/// which can destroy the response before the client has read it.
fn finish(stream: TcpStream) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut sink = [0u8; 1024];
    while matches!((&stream).read(&mut sink), Ok(n) if n > 0) {}
    Ok(())
}

fn reason_phrase(code: u16) -> &'static str {
    match code {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn options(list: &[&str]) -> Result<Options> {
        let mut args = Args::parse(list.iter().map(OsString::from))?;
        let options = parse_options(&mut args)?;
        args.finish()?;
        Ok(options)
    }

    #[test]
    fn parses_every_mode() {
        let o = options(&["--listen", "127.0.0.1:1", "--mode", "up"]).unwrap();
        assert_eq!(o.mode, Mode::Up);
        let o = options(&[
            "--listen",
            "127.0.0.1:1",
            "--mode",
            "cycle",
            "--up-secs",
            "3",
        ])
        .unwrap();
        assert_eq!(
            o.mode,
            Mode::Cycle {
                up: Duration::from_secs(3),
                down: Duration::from_secs(20)
            }
        );
        let o = options(&[
            "--listen",
            "127.0.0.1:1",
            "--mode",
            "status",
            "--status",
            "503",
            "--retry-after",
            "7",
        ])
        .unwrap();
        assert_eq!(
            o.mode,
            Mode::Status {
                code: 503,
                retry_after: Some("7".into())
            }
        );
        assert!(options(&["--listen", "127.0.0.1:1", "--mode", "up", "--status", "503"]).is_err());
        let o = options(&["--listen", "127.0.0.1:1", "--mode", "cached-error"]).unwrap();
        assert_eq!(o.mode, Mode::CachedError);
        let o = options(&["--listen", "127.0.0.1:1", "--mode", "overloaded"]).unwrap();
        assert_eq!(o.mode, Mode::Overloaded);
        let l = ["--listen", "127.0.0.1:1"];
        let o = options(
            &[
                &l[..],
                &["--mode", "status-page", "--body-file", "/tmp/s.json"],
            ]
            .concat(),
        )
        .unwrap();
        assert_eq!(
            o.mode,
            Mode::StatusPage {
                file: PathBuf::from("/tmp/s.json")
            }
        );
        assert!(options(&[&l[..], &["--mode", "status-page"]].concat()).is_err());
        assert!(
            options(&[&l[..], &["--mode", "up", "--body-file", "/tmp/s.json"]].concat()).is_err()
        );
        assert!(options(&["--listen", "127.0.0.1:1", "--mode", "nope"]).is_err());
        assert!(options(&["--listen", "nowhere", "--mode", "up"]).is_err());
    }

    #[test]
    fn parses_request_heads() {
        let head = "POST /cart?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length: 12\r\n\r\n";
        assert_eq!(head_end(head.as_bytes()), Some(head.len()));
        assert_eq!(
            parse_head(head),
            Some(Request {
                method: "POST".into(),
                path: "/cart".into(),
                content_length: 12
            })
        );
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
        assert_eq!(parse_head(""), None);
    }

    fn get(path: &str) -> Request {
        Request {
            method: "GET".into(),
            path: path.into(),
            content_length: 0,
        }
    }

    #[test]
    fn app_and_health_responses() {
        let page = String::from_utf8(response(&Behaviour::App, &get("/anything"))).unwrap();
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(page.contains("Cache-Control: no-store\r\n"));
        assert!(page.contains("Connection: close\r\n"));
        assert!(page.contains("<title>Demo app</title>"));
        assert!(page.contains("<h1>The demo application is up</h1>"));
        let (head, body) = page.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())));

        let health = String::from_utf8(response(&Behaviour::App, &get("/health"))).unwrap();
        assert!(health.ends_with("\r\n\r\nok"));
    }

    #[test]
    fn status_responses_carry_retry_after_and_head_has_no_body() {
        let b = Behaviour::Status {
            code: 503,
            retry_after: Some("30".into()),
        };
        let r = String::from_utf8(response(&b, &get("/health"))).unwrap();
        assert!(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(r.contains("Retry-After: 30\r\n"));
        let mut head = get("/");
        head.method = "HEAD".into();
        let r = String::from_utf8(response(&b, &head)).unwrap();
        assert!(r.ends_with("\r\n\r\n"));
    }

    #[test]
    fn cached_error_is_our_page_with_200_and_only_the_body_tells() {
        let r = String::from_utf8(response(&Behaviour::CachedError, &get("/some/page"))).unwrap();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains("data-gateway-doctor=\"error-page\""));
        assert!(!r.to_ascii_lowercase().contains("x-gateway-doctor"));
    }

    #[test]
    fn status_page_serves_the_file_as_it_is_now_with_cors() {
        let dir = std::env::temp_dir().join(format!("gd-upstream-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("status.json");
        let b = Behaviour::StatusPage { file: file.clone() };
        fs::write(&file, r#"{"status":"ok"}"#).unwrap();
        let r = String::from_utf8(response(&b, &get("/api/v2/summary.json"))).unwrap();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains("Content-Type: application/json\r\n"));
        assert!(r.contains("Access-Control-Allow-Origin: *\r\n"));
        assert!(r.ends_with("\r\n\r\n{\"status\":\"ok\"}"), "{r}");
        fs::write(&file, r#"{"status":"down"}"#).unwrap();
        let r = String::from_utf8(response(&b, &get("/"))).unwrap();
        assert!(r.ends_with("{\"status\":\"down\"}"), "{r}");
        fs::remove_dir_all(&dir).unwrap();
        let r = String::from_utf8(response(&b, &get("/"))).unwrap();
        assert!(r.starts_with("HTTP/1.1 500 "), "{r}");
    }

    #[test]
    fn overloaded_sheds_pages_and_lets_every_other_health_check_through() {
        let page = String::from_utf8(response(&Behaviour::Overloaded, &get("/"))).unwrap();
        assert!(page.starts_with("HTTP/1.1 503 "), "{page}");
        assert!(!page.contains("Retry-After"), "{page}");
        let health: Vec<bool> = (0..4)
            .map(|_| {
                String::from_utf8(response(&Behaviour::Overloaded, &get("/health")))
                    .unwrap()
                    .starts_with("HTTP/1.1 200 ")
            })
            .collect();
        // Other tests share the counter only through this test: two in a row never agree.
        assert!(health.windows(2).all(|w| w[0] != w[1]), "{health:?}");
    }

    #[test]
    fn stats_count_requests_per_method_and_path() {
        // STATS is process-wide and other tests use it: compare before and after.
        let key = "PATCH /stats-test";
        let before = STATS.snapshot().1.get(key).copied().unwrap_or(0);
        let mut request = get("/stats-test");
        request.method = "PATCH".into();
        STATS.request(&request);
        STATS.request(&request);
        assert_eq!(STATS.snapshot().1.get(key).copied(), Some(before + 2));
        let json: serde_json::Value = serde_json::from_str(&STATS.json()).unwrap();
        assert_eq!(json["by_request"][key].as_u64(), Some(before + 2));
        assert!(json["requests"].as_u64().unwrap() >= 2);
        assert!(STATS.summary().contains("PATCH /stats-test: "));

        let path =
            std::env::temp_dir().join(format!("gd-upstream-stats-{}.json", std::process::id()));
        write_stats(&path).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert!(written["by_request"][key].as_u64().unwrap() >= before + 2);
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn serves_over_a_real_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let behaviour = Arc::new(Behaviour::App);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                spawn_connection(stream, &behaviour);
            }
        });
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .write_all(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            .unwrap();
        let mut reply = String::new();
        client.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
        assert!(reply.ends_with("ok"), "{reply}");
    }
}
