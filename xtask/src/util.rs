//! Small helpers shared by every subcommand: errors, logging, running commands, paths, gzip.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// A human-readable failure. xtask only ever reports errors to a person, so a message with context is all
/// we need (no error types to match on).
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error(message.to_owned())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds "what we were doing" to an underlying error, so messages read like
/// `reading wasm-pack.toml: No such file or directory`.
pub trait Context<T> {
    fn context(self, what: impl fmt::Display) -> Result<T>;
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error(format!("{what}: {e}")))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error(format!("{}: {e}", what())))
    }
}

/// Returns early with a formatted [`Error`].
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::util::Error(format!($($arg)*)))
    };
}
pub(crate) use bail;

/// Progress messages go to stderr with a fixed prefix so they are easy to tell apart from the output of
/// the tools we run (and so stdout stays clean for machine-readable output such as `nginx-conf`).
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("gateway-doctor: {}", format!($($arg)*))
    };
}
pub(crate) use say;

/// The workspace root. xtask is always built from this repository, so the compile-time manifest dir is
/// reliable even when the binary is run directly (the e2e tests run `target/debug/xtask`).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR`), where `cargo build -p xtask` puts the binary.
pub fn cargo_target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => repo_root().join(dir),
        _ => repo_root().join("target"),
    }
}

/// `cargo` as chosen by the user: `cargo xtask` runs us with `CARGO` set to the cargo that started us, so
/// nested builds use the same toolchain.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(repo_root());
    cmd
}

/// `~/.cargo/bin`, where `cargo install` puts wasm-pack and wasm-bindgen.
pub fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home).join("bin"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".cargo/bin"))
}

/// Puts `~/.cargo/bin` first on our own PATH (inherited by every child). wasm-pack finds wasm-bindgen via
/// PATH, and with `--mode no-install` it fails instead of downloading, so the tools we installed must be
/// found even when the caller's PATH (CI, sudo, cron) lacks that directory.
pub fn ensure_cargo_bin_on_path() {
    let Some(bin) = cargo_bin_dir() else { return };
    let current = std::env::var_os("PATH").unwrap_or_default();
    if std::env::split_paths(&current).any(|p| p == bin) {
        return;
    }
    let joined = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&current)))
        .expect("PATH entries contain no separator");
    // Runs at the very start of main, before any thread exists.
    std::env::set_var("PATH", joined);
}

/// Looks `name` up on PATH, then in `extra` directories (e.g. /usr/sbin, which is not on a normal user's
/// PATH but is where Debian installs nginx).
pub fn which(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Renders a command the way a person would type it, for logs and error messages.
pub fn display_command(cmd: &Command) -> String {
    let mut parts = vec![shell_quote(cmd.get_program())];
    parts.extend(cmd.get_args().map(shell_quote));
    parts.join(" ")
}

fn shell_quote(arg: &OsStr) -> String {
    let s = arg.to_string_lossy();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Runs a command to completion with stdin closed (never wait for a prompt, CI has no terminal), echoing
/// it first so a failure can be reproduced by copy-paste.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display_command(cmd);
    eprintln!("$ {shown}");
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs a command quietly and returns its trimmed stdout, or `None` if it cannot run or fails. Used for
/// probes such as `wasm-bindgen --version`, where failure just means "not installed".
pub fn probe(program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Gzip at level 9.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// Gzipped size at level 9: what a visitor downloads, and what the size budgets in wasm-pack.toml limit.
pub fn gzip_len(bytes: &[u8]) -> usize {
    gzip(bytes).len()
}

/// Wall-clock time of day in UTC (`HH:MM:SSZ`), for logs that a person lines up with the browser; std has
/// no local-time support and UTC is unambiguous.
pub fn utc_time_of_day() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let day = secs % 86_400;
    format!(
        "{:02}:{:02}:{:02}Z",
        day / 3600,
        (day % 3600) / 60,
        day % 60
    )
}

/// The effective user is root: we may apt-get install, and nginx needs `user root;` so its workers can read
/// files under /work or /root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Absolute form of `path` (relative to the current directory) that must already exist.
pub fn absolute_existing(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .with_context(|| format!("{} does not exist or is not accessible", path.display()))
}

/// Minimal `--flag value` / `--flag=value` parser: every xtask flag takes a value, and the set is small
/// enough that a CLI framework would cost more than it saves.
pub struct Args {
    pairs: Vec<(String, String)>,
}

impl Args {
    pub fn parse(raw: impl IntoIterator<Item = OsString>) -> Result<Self> {
        let mut pairs = Vec::new();
        let mut iter = raw.into_iter();
        while let Some(arg) = iter.next() {
            let arg = arg
                .into_string()
                .map_err(|a| Error(format!("argument is not UTF-8: {a:?}")))?;
            let Some(flag) = arg.strip_prefix("--") else {
                bail!("unexpected argument `{arg}` (options look like `--name value`)");
            };
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => {
                    let value = iter
                        .next()
                        .ok_or_else(|| Error(format!("--{flag} needs a value")))?;
                    let value = value
                        .into_string()
                        .map_err(|v| Error(format!("value of --{flag} is not UTF-8: {v:?}")))?;
                    (flag.to_owned(), value)
                }
            };
            if pairs.iter().any(|(n, _)| *n == name) {
                bail!("--{name} given twice");
            }
            pairs.push((name, value));
        }
        Ok(Args { pairs })
    }

    /// Removes and returns the value of `--name`, if given.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let index = self.pairs.iter().position(|(n, _)| n == name)?;
        Some(self.pairs.remove(index).1)
    }

    pub fn required(&mut self, name: &str) -> Result<String> {
        self.take(name)
            .ok_or_else(|| Error(format!("missing required option --{name}")))
    }

    /// Parses `--name` with `FromStr`, naming the flag in the error.
    pub fn parsed<T>(&mut self, name: &str) -> Result<Option<T>>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        self.take(name)
            .map(|v| {
                v.parse()
                    .map_err(|e| Error(format!("invalid --{name} `{v}`: {e}")))
            })
            .transpose()
    }

    /// Fails on any option the subcommand did not consume, so typos are not silently ignored.
    pub fn finish(self) -> Result<()> {
        match self.pairs.first() {
            Some((name, _)) => bail!("unknown option --{name}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args> {
        Args::parse(list.iter().map(OsString::from))
    }

    #[test]
    fn parses_both_flag_forms_and_rejects_leftovers() {
        let mut a = args(&["--listen", "127.0.0.1:1", "--mode=up"]).unwrap();
        assert_eq!(a.take("mode").as_deref(), Some("up"));
        assert_eq!(a.required("listen").unwrap(), "127.0.0.1:1");
        a.finish().unwrap();

        let a = args(&["--bogus", "1"]).unwrap();
        assert!(a.finish().unwrap_err().0.contains("--bogus"));
        assert!(args(&["--listen"]).is_err());
        assert!(args(&["positional"]).is_err());
        assert!(args(&["--a", "1", "--a", "2"]).is_err());
    }

    #[test]
    fn parsed_reports_the_flag() {
        let mut a = args(&["--up-secs", "x"]).unwrap();
        let err = a.parsed::<u64>("up-secs").unwrap_err();
        assert!(err.0.contains("--up-secs"), "{err}");
    }

    #[test]
    fn quoting_is_copy_pasteable() {
        let mut cmd = Command::new("nginx");
        cmd.args(["-g", "daemon off;", "-p", "/tmp/x"]);
        assert_eq!(display_command(&cmd), "nginx -g 'daemon off;' -p /tmp/x");
    }

    #[test]
    fn gzip_shrinks_repetitive_input() {
        let n = gzip_len(&[b'a'; 10_000]);
        assert!(n > 0 && n < 100, "{n}");
    }
}
