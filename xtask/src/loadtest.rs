//! `cargo xtask bench health`: proof that the recipe's micro-cached health endpoint puts O(1) load on the
//! application, whatever the number of waiting visitors.
//!
//! A real nginx (the shipped recipe, rendered by [`nginx::render`]) in front of `xtask upstream` as a
//! separate process, and a load generator in this process: keep-alive HTTP/1.1 connections, one thread
//! each, firing `GET /_gateway-doctor/health` on an open-loop schedule (request `i` is due at
//! `start + i / rate`; a connection that is still waiting for an answer makes its next request late, and
//! the late ones are sent as soon as a connection is free, so the offered load is kept up on average).
//! Requests carry the headers Chromium sends for the widget's `fetch(…, {cache: "no-store"})`
//! (`Cache-Control: no-cache`, `Pragma: no-cache`), which nginx's cache must ignore.
//!
//! What reaches the application is counted by the application: the upstream's `--stats` file (requests
//! per method and path, accepted connections). With nothing listening (`down`) there is no process to
//! count, so nginx's own error log gives the connection attempts ("connect() failed … refused"), with
//! the kernel's count of TCP resets sent (system-wide, so an upper bound) as a cross-check.
//!
//! Cases: `up` (answers `ok`), `down` (connection refused), `hang` (accepts, never answers: nginx times
//! out), `unhealthy` (the application's own health check answers 503).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::bootstrap::{self, Needs};
use crate::nginx::{self, ConfOptions};
use crate::util::{bail, cargo_target_dir, say, Args, Context as _, Error, Result};

const HEALTH_PATH: &str = "/_gateway-doctor/health";

/// The claim under test: about one request per second reaches the application (nginx's 1 s validity
/// counts whole seconds, so up to one per 1–2 s, plus the first miss).
const MAX_APP_HITS_PER_SEC: f64 = 1.5;
/// Slack on top of `MAX_APP_HITS_PER_SEC × secs`: the cold first miss and the partial seconds at the ends.
const MAX_APP_HITS_SLACK: u64 = 5;
/// The load the issue asks for: at least this many requests per second, sustained.
const MIN_RATE: f64 = 1_000.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Up,
    Down,
    Hang,
    Unhealthy,
}

impl Case {
    const ALL: [Case; 4] = [Case::Up, Case::Down, Case::Hang, Case::Unhealthy];

    fn name(self) -> &'static str {
        match self {
            Case::Up => "up",
            Case::Down => "down",
            Case::Hang => "hang",
            Case::Unhealthy => "unhealthy",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Case::Up => "up (`ok`)",
            Case::Down => "down (refused)",
            Case::Hang => "hung (never answers)",
            Case::Unhealthy => "unhealthy (its 503)",
        }
    }

    /// `xtask upstream` arguments, or `None` when nothing must listen.
    fn upstream_args(self) -> Option<&'static [&'static str]> {
        match self {
            Case::Up => Some(&["--mode", "up"]),
            Case::Down => None,
            Case::Hang => Some(&["--mode", "hang"]),
            Case::Unhealthy => Some(&["--mode", "status", "--status", "503"]),
        }
    }

    fn parse(name: &str) -> Result<Case> {
        Case::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| Error(format!("unknown case `{name}` (up, down, hang, unhealthy)")))
    }
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub secs: u64,
    /// Offered requests per second.
    pub rate: u64,
    /// Keep-alive connections (one thread each).
    pub connections: usize,
    pub cases: Vec<Case>,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            secs: 10,
            rate: 2_000,
            connections: 256,
            cases: Case::ALL.to_vec(),
        }
    }
}

/// `cargo xtask bench health [--secs N] [--rate R] [--connections C] [--cases a,b]`.
pub fn cmd(mut args: Args) -> Result<()> {
    let mut plan = Plan::default();
    if let Some(secs) = args.parsed("secs")? {
        plan.secs = secs;
    }
    if let Some(rate) = args.parsed("rate")? {
        plan.rate = rate;
    }
    if let Some(connections) = args.parsed("connections")? {
        plan.connections = connections;
    }
    if let Some(cases) = args.take("cases") {
        plan.cases = cases
            .split(',')
            .map(|c| Case::parse(c.trim()))
            .collect::<Result<_>>()?;
    }
    args.finish()?;
    if plan.secs == 0 || plan.rate == 0 || plan.connections == 0 || plan.cases.is_empty() {
        bail!("--secs, --rate, --connections and --cases must be positive / non-empty");
    }
    let tools = bootstrap::ensure(Needs::Demo)?;
    let nginx_bin = tools.nginx.expect("bootstrap for Demo checks nginx");
    let results = run(&nginx_bin, &plan)?;
    println!("{}", table(&plan, &results));
    check(&plan, &results)
}

/// The short version `cargo xtask test` runs: the application up, a few seconds.
pub fn suite_step(nginx_bin: &Path) -> Result<()> {
    let plan = Plan {
        secs: 4,
        cases: vec![Case::Up],
        ..Plan::default()
    };
    let results = run(nginx_bin, &plan)?;
    eprintln!("{}", table(&plan, &results));
    check(&plan, &results)
}

/// What one case measured.
#[derive(Debug)]
pub struct CaseResult {
    pub case: Case,
    pub load: LoadOutcome,
    /// Requests the application received (its own count), `None` when nothing listened.
    pub app_requests: Option<u64>,
    /// Connections the application accepted (its own count).
    pub app_connections: Option<u64>,
    /// Connection attempts nginx logged as failed (refused), for the `down` case.
    pub refused_attempts: u64,
    /// TCP resets the kernel sent during the run (every refused SYN on loopback is one; system-wide).
    pub kernel_resets: Option<u64>,
}

impl CaseResult {
    /// What reached the application: requests it counted, or (down) connection attempts nginx made.
    pub fn reached(&self) -> u64 {
        match self.case {
            Case::Down => self.refused_attempts,
            // A hung application is reached by a connection even if it never parses a request.
            Case::Hang => self.app_connections.unwrap_or(0),
            _ => self.app_requests.unwrap_or(0),
        }
    }
}

pub fn run(nginx_bin: &Path, plan: &Plan) -> Result<Vec<CaseResult>> {
    let root = cargo_target_dir().join("bench/health");
    // An empty "site": the health endpoint never touches the page, and nginx-conf only needs a directory.
    let site = root.join("site");
    fs::create_dir_all(&site).context(format!("creating {}", site.display()))?;
    let xtask = std::env::current_exe().context("locating the xtask binary")?;
    let mut results = Vec::new();
    for &case in &plan.cases {
        say!(
            "bench health: {} for {} s at {} req/s over {} connections",
            case.describe(),
            plan.secs,
            plan.rate,
            plan.connections
        );
        results.push(run_case(case, plan, nginx_bin, &xtask, &site, &root)?);
    }
    Ok(results)
}

fn run_case(
    case: Case,
    plan: &Plan,
    nginx_bin: &Path,
    xtask: &Path,
    site: &Path,
    root: &Path,
) -> Result<CaseResult> {
    let dir = root.join(case.name());
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
    let upstream_addr = free_addr()?;
    let nginx_addr = free_addr()?;
    let stats = dir.join("upstream-stats.json");

    let mut children = Children::default();
    if let Some(mode) = case.upstream_args() {
        let log = fs::File::create(dir.join("upstream.log")).context("creating upstream.log")?;
        let mut cmd = Command::new(xtask);
        cmd.arg("upstream")
            .arg("--listen")
            .arg(upstream_addr.to_string())
            .args(mode)
            .arg("--stats")
            .arg(&stats)
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("upstream.log")?)
            .stderr(log);
        children.upstream = Some(spawn_tied(&mut cmd, "xtask upstream")?);
        wait_listening(upstream_addr, children.upstream.as_mut(), "the upstream")?;
    }

    let conf = nginx::render(&ConfOptions {
        listen: nginx_addr,
        upstream: upstream_addr.to_string(),
        site: site.to_owned(),
        out: dir.join("nginx"),
        extra: None,
        snippet: nginx::default_snippet(),
    })?;
    let prefix = conf.parent().expect("conf lives in its output directory");
    let mut cmd = Command::new(nginx_bin);
    cmd.arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    children.nginx = Some(spawn_tied(&mut cmd, "nginx")?);
    wait_listening(nginx_addr, children.nginx.as_mut(), "nginx")
        .map_err(|e| Error(format!("{e}; see {}", prefix.join("error.log").display())))?;

    let resets_before = kernel_tcp_resets();
    let load = generate(&Load {
        addr: nginx_addr,
        path: HEALTH_PATH,
        rate: plan.rate,
        duration: Duration::from_secs(plan.secs),
        connections: plan.connections,
    })?;
    let resets_after = kernel_tcp_resets();

    // SIGTERM: the upstream writes its counts one last time, then exits.
    let (app_requests, app_connections) = match children.upstream.take() {
        Some(child) => {
            stop(child, "xtask upstream");
            let (requests, connections) = read_stats(&stats)?;
            (Some(requests), Some(connections))
        }
        None => (None, None),
    };
    if let Some(child) = children.nginx.take() {
        stop(child, "nginx");
    }
    let error_log = fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
    let refused_attempts = error_log
        .lines()
        .filter(|l| l.contains("connect() failed") && l.contains("refused"))
        .count() as u64;
    Ok(CaseResult {
        case,
        load,
        app_requests,
        app_connections,
        refused_attempts,
        kernel_resets: resets_before
            .zip(resets_after)
            .map(|(a, b)| b.saturating_sub(a)),
    })
}

/// Health requests the application counted (`GET /health`, any other path would be a bug) and the
/// connections it accepted.
fn read_stats(path: &Path) -> Result<(u64, u64)> {
    let text = fs::read_to_string(path).context(format!("reading {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).context(format!("parsing {}", path.display()))?;
    let requests = json["requests"].as_u64().unwrap_or(0);
    let connections = json["connections"].as_u64().unwrap_or(0);
    if let Some(by) = json["by_request"].as_object() {
        if let Some((other, _)) = by.iter().find(|(k, _)| *k != "GET /health") {
            bail!("the application received `{other}`: the health endpoint must only ever ask for GET /health");
        }
    }
    Ok((requests, connections))
}

/// The claims: ≥ 1,000 req/s really sent and answered without errors; at most ~1.5 requests per second
/// of test reached the application, in every case.
pub fn check(plan: &Plan, results: &[CaseResult]) -> Result<()> {
    let budget = (MAX_APP_HITS_PER_SEC * plan.secs as f64).ceil() as u64 + MAX_APP_HITS_SLACK;
    let mut problems = Vec::new();
    for r in results {
        let name = r.case.name();
        let rate = r.load.achieved_rate();
        if plan.rate as f64 >= MIN_RATE && rate < MIN_RATE {
            problems.push(format!(
                "{name}: only {rate:.0} req/s answered (at least {MIN_RATE:.0} wanted)"
            ));
        }
        let served_floor = (MIN_RATE as u64).min(plan.rate) * plan.secs;
        if r.load.answered() < served_floor {
            problems.push(format!(
                "{name}: nginx answered {} requests, fewer than {served_floor}",
                r.load.answered()
            ));
        }
        if r.load.errors > 0 {
            problems.push(format!(
                "{name}: {} requests failed without an HTTP answer",
                r.load.errors
            ));
        }
        let expected = match r.case {
            Case::Up => 200,
            _ => 503,
        };
        if let Some((status, n)) = r.load.statuses.iter().find(|(s, _)| **s != expected) {
            problems.push(format!(
                "{name}: {n} answers were {status}, expected only {expected}"
            ));
        }
        if r.reached() > budget {
            problems.push(format!(
                "{name}: {} requests reached the application in {} s (at most {budget} allowed)",
                r.reached(),
                plan.secs
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("health endpoint load test: {}", problems.join("; "))
    }
}

/// A markdown table of the results.
pub fn table(plan: &Plan, results: &[CaseResult]) -> String {
    let mut t = format!(
        "\nHealth endpoint under load: {} s at {} req/s offered, {} keep-alive connections\n\n\
         | application | answered | achieved req/s | statuses | X-Cache-Status | latency p50 / p99 / max (ms) | reached the application | per s |\n\
         |---|--:|--:|---|---|--:|--:|--:|\n",
        plan.secs, plan.rate, plan.connections
    );
    for r in results {
        let reached = match r.case {
            Case::Down => format!(
                "{} connects (refused; kernel RSTs {})",
                r.refused_attempts,
                r.kernel_resets
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "?".into())
            ),
            Case::Hang => format!(
                "{} connections ({} requests)",
                r.app_connections.unwrap_or(0),
                r.app_requests.unwrap_or(0)
            ),
            _ => format!("{} requests", r.app_requests.unwrap_or(0)),
        };
        let l = &r.load;
        t.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {:.1} / {:.1} / {:.0} | {} | {:.2} |\n",
            r.case.describe(),
            l.answered(),
            l.achieved_rate(),
            join_counts(&l.statuses),
            join_counts(&l.cache),
            l.latency_ms(0.50),
            l.latency_ms(0.99),
            l.latency_ms(1.0),
            reached,
            r.reached() as f64 / plan.secs as f64,
        ));
    }
    t
}

fn join_counts<K: std::fmt::Display>(counts: &BTreeMap<K, u64>) -> String {
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

// ---------------------------------------------------------------------------------------------
// Processes

/// Children stopped on drop, so an error anywhere leaves nothing running.
#[derive(Default)]
struct Children {
    upstream: Option<Child>,
    nginx: Option<Child>,
}

impl Drop for Children {
    fn drop(&mut self) {
        if let Some(child) = self.upstream.take() {
            stop(child, "xtask upstream");
        }
        if let Some(child) = self.nginx.take() {
            stop(child, "nginx");
        }
    }
}

/// Spawns a child that the kernel stops (SIGTERM) if this process dies without cleaning up.
fn spawn_tied(cmd: &mut Command, name: &str) -> Result<Child> {
    // SAFETY: the closure runs between fork and exec and only calls prctl, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().context(format!("starting {name}"))
}

/// SIGTERM, then SIGKILL if it has not exited within 5 s.
fn stop(mut child: Child, name: &str) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our own child, not yet reaped.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    say!("{name} did not stop within 5 s; killing it");
    let _ = child.kill();
    let _ = child.wait();
}

fn free_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    listener.local_addr().context("finding a free port")
}

fn wait_listening(addr: SocketAddr, child: Option<&mut Child>, name: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut child = child;
    loop {
        if let Some(c) = child.as_deref_mut() {
            if let Some(status) = c.try_wait().context(format!("checking {name}"))? {
                bail!("{name} exited during startup ({status})");
            }
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{name} did not listen on {addr} within 10 s");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// `Tcp: … OutRsts …` from /proc/net/snmp: resets this machine sent, including one per SYN to a closed
/// loopback port. System-wide, so other traffic counts too.
fn kernel_tcp_resets() -> Option<u64> {
    let snmp = fs::read_to_string("/proc/net/snmp").ok()?;
    let mut tcp = snmp.lines().filter(|l| l.starts_with("Tcp:"));
    let names: Vec<&str> = tcp.next()?.split_whitespace().collect();
    let values: Vec<&str> = tcp.next()?.split_whitespace().collect();
    let index = names.iter().position(|n| *n == "OutRsts")?;
    values.get(index)?.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// The load generator

pub struct Load {
    pub addr: SocketAddr,
    pub path: &'static str,
    pub rate: u64,
    pub duration: Duration,
    pub connections: usize,
}

#[derive(Debug, Default)]
pub struct LoadOutcome {
    /// Answers by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Answers by `X-Cache-Status` (`-` when absent).
    pub cache: BTreeMap<String, u64>,
    /// Requests that got no HTTP answer (connection error, timeout, unparsable response).
    pub errors: u64,
    /// TCP connections opened to nginx.
    pub connects: u64,
    /// Answer times in microseconds, sorted.
    pub latencies_us: Vec<u64>,
    /// Worst delay between a request's scheduled time and its sending (the generator falling behind).
    pub max_late: Duration,
    /// From the first scheduled request to the last answer.
    pub elapsed: Duration,
}

impl LoadOutcome {
    pub fn answered(&self) -> u64 {
        self.statuses.values().sum()
    }

    pub fn achieved_rate(&self) -> f64 {
        self.answered() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn latency_ms(&self, quantile: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let index = ((self.latencies_us.len() - 1) as f64 * quantile).round() as usize;
        self.latencies_us[index] as f64 / 1000.0
    }

    fn merge(&mut self, other: LoadOutcome) {
        for (k, n) in other.statuses {
            *self.statuses.entry(k).or_insert(0) += n;
        }
        for (k, n) in other.cache {
            *self.cache.entry(k).or_insert(0) += n;
        }
        self.errors += other.errors;
        self.connects += other.connects;
        self.latencies_us.extend(other.latencies_us);
        self.max_late = self.max_late.max(other.max_late);
    }
}

/// Fires `rate × duration` requests on the open-loop schedule described in the module docs.
pub fn generate(load: &Load) -> Result<LoadOutcome> {
    let total = load.rate.saturating_mul(load.duration.as_secs().max(1));
    let interval_ns = 1_000_000_000 / load.rate.max(1);
    let next = Arc::new(AtomicU64::new(0));
    let request = Arc::new(
        format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: gateway-doctor-bench\r\n\
             Accept: */*\r\nCache-Control: no-cache\r\nPragma: no-cache\r\n\r\n",
            load.path, load.addr
        )
        .into_bytes(),
    );
    // Threads start before the clock does, so spawning them is not counted as lateness.
    let start = Instant::now() + Duration::from_millis(200);
    let mut workers = Vec::with_capacity(load.connections);
    for i in 0..load.connections {
        let next = Arc::clone(&next);
        let request = Arc::clone(&request);
        let addr = load.addr;
        let worker = thread::Builder::new()
            .name(format!("load-{i}"))
            .stack_size(256 * 1024)
            .spawn(move || worker(addr, &request, start, interval_ns, total, &next))
            .context("starting a load generator thread")?;
        workers.push(worker);
    }
    let mut outcome = LoadOutcome::default();
    for worker in workers {
        let part = worker
            .join()
            .map_err(|_| Error::from("a load generator thread panicked"))?;
        outcome.merge(part);
    }
    outcome.elapsed = start.elapsed();
    outcome.latencies_us.sort_unstable();
    Ok(outcome)
}

fn worker(
    addr: SocketAddr,
    request: &[u8],
    start: Instant,
    interval_ns: u64,
    total: u64,
    next: &AtomicU64,
) -> LoadOutcome {
    let mut out = LoadOutcome::default();
    let mut conn: Option<BufReader<TcpStream>> = None;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= total {
            break;
        }
        let due = start + Duration::from_nanos(i * interval_ns);
        let now = Instant::now();
        if due > now {
            thread::sleep(due - now);
        } else {
            out.max_late = out.max_late.max(now - due);
        }
        let sent = Instant::now();
        if conn.is_none() {
            match connect(addr) {
                Ok(c) => {
                    out.connects += 1;
                    conn = Some(c);
                }
                Err(_) => {
                    out.errors += 1;
                    continue;
                }
            }
        }
        let reader = conn.as_mut().expect("connected above");
        match exchange(reader, request) {
            Ok(answer) => {
                out.latencies_us.push(sent.elapsed().as_micros() as u64);
                *out.statuses.entry(answer.status).or_insert(0) += 1;
                *out.cache.entry(answer.cache_status).or_insert(0) += 1;
                if answer.close {
                    conn = None;
                }
            }
            Err(_) => {
                out.errors += 1;
                conn = None;
            }
        }
    }
    out
}

fn connect(addr: SocketAddr) -> io::Result<BufReader<TcpStream>> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_nodelay(true)?;
    // Longer than anything the recipe can make a request wait (lock timeout 5 s).
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    Ok(BufReader::with_capacity(16 * 1024, stream))
}

struct Answer {
    status: u16,
    cache_status: String,
    /// The server closes the connection after this answer.
    close: bool,
}

/// Sends one request on a keep-alive connection and reads the whole answer.
fn exchange(reader: &mut BufReader<TcpStream>, request: &[u8]) -> io::Result<Answer> {
    reader.get_mut().write_all(request)?;
    read_answer(reader)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

fn read_answer(reader: &mut impl BufRead) -> io::Result<Answer> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let http10 = line.starts_with("HTTP/1.0");
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    let mut close = http10;
    let mut cache_status = String::from("-");
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(bad("connection closed in the headers"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(bad("bad header line"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                content_length = Some(value.parse().map_err(|_| bad("bad content-length"))?)
            }
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => close = value.eq_ignore_ascii_case("close"),
            "x-cache-status" => cache_status = value.to_owned(),
            _ => {}
        }
    }
    if chunked {
        read_chunked(reader)?;
    } else if let Some(n) = content_length {
        io::copy(&mut reader.take(n as u64), &mut io::sink())?;
    } else if status >= 200 && status != 204 && status != 304 {
        // No length: the body ends when the connection does.
        io::copy(reader, &mut io::sink())?;
        close = true;
    }
    Ok(Answer {
        status,
        cache_status,
        close,
    })
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            // Trailers, then the empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(());
                }
            }
        }
        io::copy(&mut reader.take(size as u64 + 2), &mut io::sink())?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> io::Result<Answer> {
        read_answer(&mut io::Cursor::new(raw.as_bytes().to_vec()))
    }

    #[test]
    fn reads_keep_alive_answers() {
        let a =
            parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Cache-Status: HIT\r\n\r\nok").unwrap();
        assert_eq!(
            (a.status, a.cache_status.as_str(), a.close),
            (200, "HIT", false)
        );
        let a = parse(
            "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((a.status, a.close), (503, true));
        let a = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
            .unwrap();
        assert_eq!(a.cache_status, "-");
        assert!(parse("").is_err());
        assert!(parse("garbage\r\n\r\n").is_err());
    }

    #[test]
    fn cases_parse_and_budget_checks() {
        assert_eq!(Case::parse("hang").unwrap(), Case::Hang);
        assert!(Case::parse("sideways").is_err());
        let plan = Plan {
            secs: 10,
            rate: 1_000,
            connections: 1,
            cases: vec![Case::Up],
        };
        let mut load = LoadOutcome {
            elapsed: Duration::from_secs(10),
            ..LoadOutcome::default()
        };
        load.statuses.insert(200, 10_000);
        let ok = CaseResult {
            case: Case::Up,
            load,
            app_requests: Some(20),
            app_connections: Some(20),
            refused_attempts: 0,
            kernel_resets: None,
        };
        check(&plan, std::slice::from_ref(&ok)).unwrap();
        let too_many = CaseResult {
            app_requests: Some(21),
            ..ok
        };
        assert!(check(&plan, &[too_many]).is_err());
    }

    /// The generator against a tiny in-process keep-alive server: it really sustains the rate.
    #[test]
    fn generator_keeps_the_rate() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => {
                                let _ = stream.write_all(
                                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Cache-Status: HIT\r\n\r\nok",
                                );
                            }
                            Ok(_) => {}
                        }
                    }
                });
            }
        });
        let out = generate(&Load {
            addr,
            path: "/x",
            rate: 2_000,
            duration: Duration::from_secs(1),
            connections: 8,
        })
        .unwrap();
        assert_eq!(out.answered(), 2_000);
        assert_eq!(out.errors, 0);
        assert_eq!(out.connects, 8);
        assert!(out.achieved_rate() > 1_500.0, "{}", out.achieved_rate());
    }
}
