//! `cargo xtask demo`: the error page in action. A real nginx on :8502 in front of an application (the
//! in-process test upstream on :8503) that is down for 20 s, up for 20 s, and so on, starting down.
//!
//! Nothing may outlive the demo: the upstream is a thread of this process, and nginx is our child, stopped
//! on SIGINT/SIGTERM, and also told by the kernel (PR_SET_PDEATHSIG) to stop if we die without cleaning up.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::bootstrap::{self, Needs};
use crate::build;
use crate::nginx::{self, ConfOptions};
use crate::upstream::{self, Mode, Options};
use crate::util::{bail, repo_root, say, Context as _, Error, Result};

const NGINX_ADDR: &str = "127.0.0.1:8502";
const UPSTREAM_ADDR: &str = "127.0.0.1:8503";
const PHASE: Duration = Duration::from_secs(20);

pub fn cmd() -> Result<()> {
    let tools = bootstrap::ensure(Needs::Demo)?;
    let nginx_bin = tools
        .nginx
        .clone()
        .expect("bootstrap for Demo checks nginx");
    let nginx_addr: SocketAddr = NGINX_ADDR.parse().expect("constant address");
    let upstream_addr: SocketAddr = UPSTREAM_ADDR.parse().expect("constant address");
    // Before building, so a second demo fails in a second rather than after a build.
    ensure_port_free(nginx_addr, "nginx")?;
    ensure_port_free(upstream_addr, "the demo upstream")?;
    let built = build::build(&tools)?;

    let out = repo_root().join("target/demo");
    let conf = nginx::render(&ConfOptions {
        listen: nginx_addr,
        upstream: UPSTREAM_ADDR.to_owned(),
        site: built.site_dir,
        out: out.clone(),
        extra: None,
        snippet: nginx::default_snippet(),
    })?;

    // Signals go to a channel; the main loop below is the only place that stops things.
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .context("installing the signal handler")?;

    let mut nginx_child = spawn_nginx(&nginx_bin, &conf)?;
    if let Err(e) = wait_until_listening(nginx_addr, &mut nginx_child) {
        stop_nginx(&mut nginx_child);
        return Err(Error(format!(
            "{e}; see {}",
            out.join("error.log").display()
        )));
    }

    println!(
        "
  gateway-doctor demo: open http://{NGINX_ADDR}/

  The application behind nginx starts DOWN, so you first get the 502 error page with a countdown
  (it retries by itself). About 20 s later the application comes up and the page reloads by itself into
  \"The demo application is up\". The application goes down again ~20 s after that: reload to see the
  error page again. The cycle repeats; watch the up/down log lines below.

  nginx conf and logs: {}
  Ctrl-C stops everything.
",
        out.display()
    );

    // Started last, so its first "down" line follows the instructions above.
    let upstream = thread::spawn(move || {
        let result = upstream::serve(&Options {
            listen: upstream_addr,
            mode: Mode::Cycle {
                up: PHASE,
                down: PHASE,
            },
        });
        if let Err(e) = result {
            eprintln!("{e}");
        }
    });

    let result = supervise(&stop_rx, &mut nginx_child, &upstream, &out);
    stop_nginx(&mut nginx_child);
    say!("demo stopped");
    result
}

/// Says clearly which port is taken instead of letting nginx fail with a bind error in its log.
fn ensure_port_free(addr: SocketAddr, who: &str) -> Result<()> {
    match TcpListener::bind(addr) {
        Ok(listener) => {
            drop(listener);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => bail!(
            "port {} (for {who}) is already in use: is another demo running? Find it with `ss -ltnp 'sport = :{}'`",
            addr.port(),
            addr.port()
        ),
        Err(e) => bail!("cannot use {addr} for {who}: {e}"),
    }
}

fn spawn_nginx(nginx_bin: &Path, conf: &Path) -> Result<Child> {
    let prefix = conf.parent().expect("conf lives in its output directory");
    let mut cmd = Command::new(nginx_bin);
    cmd.arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(conf)
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null());
    // SAFETY: the closure runs between fork and exec and only calls prctl, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            // If xtask dies without cleaning up (SIGKILL, panic), the kernel sends nginx SIGTERM.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    say!("starting {}", crate::util::display_command(&cmd));
    cmd.spawn()
        .context(format!("starting {}", nginx_bin.display()))
}

/// Waits for nginx to accept connections, failing early if it exits (bad conf, port race).
fn wait_until_listening(addr: SocketAddr, child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().context("checking nginx")? {
            bail!("nginx exited during startup ({status})");
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("nginx did not start listening on {addr} within 10 s");
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Runs until a signal arrives or a component dies; a dead component ends the demo rather than leaving
/// a half-working setup.
fn supervise(
    stop: &mpsc::Receiver<()>,
    nginx_child: &mut Child,
    upstream: &thread::JoinHandle<()>,
    out: &Path,
) -> Result<()> {
    loop {
        match stop.recv_timeout(Duration::from_millis(200)) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                say!("stopping (signal)");
                return Ok(());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if let Some(status) = nginx_child.try_wait().context("checking nginx")? {
            bail!(
                "nginx exited unexpectedly ({status}); see {}",
                out.join("error.log").display()
            );
        }
        if upstream.is_finished() {
            bail!("the demo upstream stopped unexpectedly (see its message above)");
        }
    }
}

/// SIGTERM to the nginx master (fast shutdown: it stops its workers, then exits), escalating to SIGKILL
/// if it has not exited after 5 s. The master also got SIGINT from the terminal on Ctrl-C; either way we
/// wait for it so no process is left behind.
fn stop_nginx(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pids fit in pid_t");
    // SAFETY: plain kill(2) on our own child, which has not been reaped yet (so the pid is still ours).
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    say!("nginx did not stop within 5 s; killing it");
    let _ = child.kill();
    let _ = child.wait();
}
