//! The `lastschrift` binary run by a test, always with a **clean environment**.
//!
//! Clean environment means, for every command this module builds:
//!
//! - `env_clear()`: nothing of the environment `cargo test` runs in reaches the binary;
//! - then only `PATH` (the caller's, so that the binary finds what it needs to spawn),
//!   `HOME` = the test's data directory and `LASTSCHRIFT_DATA_DIR` = the same directory;
//! - then exactly the variables the test names through the builder ([`Lastschrift::env`],
//!   [`Lastschrift::sevdesk_base_url`], [`Lastschrift::token`], …);
//! - stdin is `/dev/null` unless the test gives input ([`Lastschrift::run_with_input`]);
//! - the working directory is left as cargo sets it (the crate's directory); tests pass absolute
//!   paths.
//!
//! Why: the binary reads its settings from `~/.config/lastschrift/lastschrift.toml`,
//! `LASTSCHRIFT_CONFIG`, `LASTSCHRIFT_*`, `DATABASE_URL` and `SEVDESK_TOKEN`. A developer's own
//! configuration file or variables (a real sevdesk token, a production database URL, another
//! creditor) must never leak into a test: the test would pass or fail for reasons that are not
//! in the test, and could even talk to a real account. With `HOME` pointing into the test's
//! temporary directory there is no `~/.config/lastschrift` to find.
//!
//! ```no_run
//! use test_support::cli::Lastschrift;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let cli = Lastschrift::new("target/debug/lastschrift", dir.path())
//!     .sevdesk_base_url("http://127.0.0.1:8080/api/v1");
//! let out = cli.run(["runs", "list", "--json"]);
//! assert_eq!(out.code, 0, "{out:?}");
//! let runs = out.json();
//! # let _ = runs;
//! ```
//!
//! In a test, the program is `env!("CARGO_BIN_EXE_lastschrift")`. Every [`Output`] prints, with
//! `{:?}`, the command line, the variables the test set, the exit status and both streams, so an
//! assertion message `"{out:?}"` says everything about a failed run.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use lastschrift_store::DatabaseUrl;

/// How to run the binary: program, data directory and the extra variables. Cheap to clone, so
/// one run can add a variable (`cli.clone().token(t).run(…)`) without changing the others.
#[derive(Clone)]
pub struct Lastschrift {
    program: PathBuf,
    data_dir: PathBuf,
    env: Vec<(OsString, OsString)>,
}

impl Lastschrift {
    /// The binary at `program` (in tests `env!("CARGO_BIN_EXE_lastschrift")`) with `HOME` and
    /// `LASTSCHRIFT_DATA_DIR` set to `data_dir` (which need not exist yet).
    pub fn new(program: impl AsRef<Path>, data_dir: impl AsRef<Path>) -> Lastschrift {
        Lastschrift {
            program: program.as_ref().to_owned(),
            data_dir: data_dir.as_ref().to_owned(),
            env: Vec::new(),
        }
    }

    /// The data directory (also `HOME`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// One more environment variable (set after the clean base; a later value for the same key
    /// wins).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Lastschrift {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// `LASTSCHRIFT_SEVDESK__BASE_URL`: where sevdesk is (the sandbox).
    pub fn sevdesk_base_url(self, url: impl AsRef<OsStr>) -> Lastschrift {
        self.env("LASTSCHRIFT_SEVDESK__BASE_URL", url)
    }

    /// `SEVDESK_TOKEN`, the token `lastschrift connect` stores.
    pub fn token(self, token: impl AsRef<OsStr>) -> Lastschrift {
        self.env("SEVDESK_TOKEN", token)
    }

    /// `DATABASE_URL`: the binary uses that database instead of the data directory's SQLite
    /// file. (`LASTSCHRIFT_DATABASE_URL`, which wins over it, goes through [`Lastschrift::env`].)
    pub fn database_url(self, url: &DatabaseUrl) -> Lastschrift {
        self.env("DATABASE_URL", url.expose())
    }

    /// `LASTSCHRIFT_OUTPUT_DIR`: where `collect` writes its files.
    pub fn output_dir(self, dir: impl AsRef<Path>) -> Lastschrift {
        self.env("LASTSCHRIFT_OUTPUT_DIR", dir.as_ref())
    }

    /// `LASTSCHRIFT_CREDITOR__NAME`, `__IBAN` and `__CREDITOR_ID` (who collects); a BIC or an
    /// address go through [`Lastschrift::env`].
    pub fn creditor(self, name: &str, iban: &str, creditor_id: &str) -> Lastschrift {
        self.env("LASTSCHRIFT_CREDITOR__NAME", name)
            .env("LASTSCHRIFT_CREDITOR__IBAN", iban)
            .env("LASTSCHRIFT_CREDITOR__CREDITOR_ID", creditor_id)
    }

    /// The command with the clean environment and stdin from `/dev/null`, for a test that
    /// spawns, kills or pipes it itself. stdout and stderr are left as `Command` has them;
    /// [`Output::from_command`] runs it and captures both.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(&self.program);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.data_dir)
            .env("LASTSCHRIFT_DATA_DIR", &self.data_dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        cmd
    }

    /// Runs to the end and returns what it printed. Panics if the binary cannot be started.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Output::from_command(&mut self.command(args))
    }

    /// Like [`Lastschrift::run`], with `input` on stdin (closed after it: the binary sees end of
    /// input).
    pub fn run_with_input<I, S>(&self, args: I, input: &[u8]) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        use std::io::Write as _;
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("`{}` does not start: {e}", describe(&cmd)));
        // Dropped at the end of the statement: the binary sees end of input.
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(input)
            .expect("write the input to the binary's stdin");
        let out = child.wait_with_output().expect("wait for the binary");
        Output::new(describe(&cmd), out)
    }

    /// Like [`Lastschrift::run`], but awaits the process on the tokio runtime instead of
    /// blocking a worker thread: for tests whose sandbox (or web server) runs in the same
    /// runtime and has to answer the binary meanwhile.
    pub async fn run_async<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let cmd = self.command(args);
        let command = describe(&cmd);
        let out = tokio::process::Command::from(cmd)
            .output()
            .await
            .unwrap_or_else(|e| panic!("`{command}` does not start: {e}"));
        Output::new(command, out)
    }
}

/// Shows the variables and the program as [`Output`] does (the token masked).
impl fmt::Debug for Lastschrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe(&self.command(std::iter::empty::<&str>())))
    }
}

/// What one run printed, and how it ended.
pub struct Output {
    /// The command line and the variables the test set (shown by `Debug`).
    pub command: String,
    pub status: ExitStatus,
    /// The exit code; a run killed by a signal panics when its `Output` is made, with the
    /// streams (use [`Lastschrift::command`] for a test that kills on purpose).
    pub code: i32,
    /// Raw bytes: `runs file` prints files byte for byte. [`Output::text`] for text.
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    /// Runs `cmd` to the end, capturing stdout and stderr (stdin stays as `cmd` has it).
    pub fn from_command(cmd: &mut Command) -> Output {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("`{}` does not start: {e}", describe(cmd)));
        Output::new(describe(cmd), out)
    }

    fn new(command: String, out: std::process::Output) -> Output {
        let stderr = String::from_utf8(out.stderr).unwrap_or_else(|e| {
            panic!(
                "`{command}` wrote stderr that is not UTF-8 ({e}): {}",
                String::from_utf8_lossy(e.as_bytes())
            )
        });
        let output = Output {
            command,
            status: out.status,
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr,
        };
        assert!(
            output.status.code().is_some(),
            "the binary did not exit normally: {output:?}"
        );
        output
    }

    /// stdout as text; panics (showing the run) when it is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not UTF-8 ({e}): {self:?}"))
    }

    /// stdout parsed as JSON; panics (showing the run) when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n--- command\n{}", self.command)?;
        writeln!(f, "--- exit status\n{}", self.status)?;
        writeln!(f, "--- stdout\n{}", String::from_utf8_lossy(&self.stdout))?;
        writeln!(f, "--- stderr\n{}", self.stderr)
    }
}

/// `NAME=value … program arg …`, without PATH; the token and database passwords masked.
fn describe(cmd: &Command) -> String {
    let mut parts = Vec::new();
    for (key, value) in cmd.get_envs() {
        let key = key.to_string_lossy();
        if key == "PATH" {
            continue;
        }
        let value = value.map(|v| v.to_string_lossy().into_owned());
        let shown = match (key.as_ref(), value) {
            (_, None) => continue,
            ("SEVDESK_TOKEN", Some(_)) => "<token>".to_owned(),
            (k, Some(v)) if k.ends_with("DATABASE_URL") => DatabaseUrl::new(v).masked(),
            (_, Some(v)) => v,
        };
        parts.push(format!("{key}={}", quote(&shown)));
    }
    let program = Path::new(cmd.get_program());
    parts.push(
        program
            .file_name()
            .unwrap_or(program.as_os_str())
            .to_string_lossy()
            .into_owned(),
    );
    parts.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    parts.join(" ")
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `env` prints exactly what the binary would see.
    fn env_program() -> Lastschrift {
        let env = ["/usr/bin/env", "/bin/env"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .expect("env(1) is installed");
        Lastschrift::new(env, "/nonexistent/test-dir")
    }

    #[test]
    fn only_path_home_data_dir_and_the_named_variables_reach_the_binary() {
        let out = env_program()
            .sevdesk_base_url("http://127.0.0.1:1/api/v1")
            .token("0123456789abcdef0123456789abcdef")
            .run(std::iter::empty::<&str>());
        assert_eq!(out.code, 0, "{out:?}");
        let mut names: Vec<&str> = out
            .text()
            .lines()
            .map(|l| l.split_once('=').expect("NAME=value").0)
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "HOME",
                "LASTSCHRIFT_DATA_DIR",
                "LASTSCHRIFT_SEVDESK__BASE_URL",
                "PATH",
                "SEVDESK_TOKEN"
            ],
            "{out:?}"
        );
        assert!(
            out.text().contains("HOME=/nonexistent/test-dir\n"),
            "{out:?}"
        );
    }

    #[test]
    fn input_reaches_stdin_and_a_failure_shows_command_code_and_streams() {
        let cat = Lastschrift::new("/bin/sh", "/nonexistent/test-dir").token("secret-token-value");
        let out = cat.run_with_input(["-c", "cat; echo oops >&2; exit 3"], b"hello\n");
        assert_eq!(
            (out.code, out.text(), out.stderr.as_str()),
            (3, "hello\n", "oops\n")
        );
        let shown = format!("{out:?}");
        for part in [
            "sh -c 'cat; echo oops >&2; exit 3'",
            "LASTSCHRIFT_DATA_DIR=/nonexistent/test-dir",
            "exit status: 3",
            "--- stdout\nhello\n",
            "--- stderr\noops\n",
        ] {
            assert!(shown.contains(part), "{part:?} is missing in {shown}");
        }
        assert!(!shown.contains("secret-token-value"), "{shown}");
        let cli = format!("{cat:?}");
        assert!(cli.contains("SEVDESK_TOKEN='<token>'"), "{cli}");
        assert!(!cli.contains("secret-token-value"), "{cli}");
    }

    #[test]
    fn stdin_is_empty_unless_input_is_given() {
        let out = Lastschrift::new("/bin/sh", "/nonexistent/test-dir").run(["-c", "cat"]);
        assert_eq!((out.code, out.stdout.len()), (0, 0), "{out:?}");
    }
}
