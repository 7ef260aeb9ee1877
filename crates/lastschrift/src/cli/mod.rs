//! The command line: argument definitions, dispatch and the exit-code convention
//! (0 done, 1 problems found, 2 usage or setup error).

mod bank;
mod check;
mod collect;
mod config;
mod connect;
mod context;

mod debits;
#[cfg(feature = "demo")]
mod demo;
mod mandates;
mod notify;
mod output;
mod pain008;
mod pain008_json;
mod pain008_stream;
mod runs;
mod serve;
mod sync;
mod users;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Turns the open invoices of a sevdesk account into SEPA direct-debit files (pain.008).
#[derive(Debug, Parser)]
#[command(name = "lastschrift", version, propagate_version = true)]
#[command(after_help = "Examples:
  lastschrift demo                                   everything on a built-in fake sevdesk account
  SEVDESK_TOKEN=… lastschrift connect && lastschrift sync
  lastschrift mandates import mandate.csv
  lastschrift collect --dry-run && lastschrift collect
  lastschrift runs list && lastschrift runs file 3 --output lastschriften.xml
  lastschrift debits return 42 --reason AM04
  lastschrift serve                                  the web UI on http://127.0.0.1:8080
  lastschrift config show                            every setting and where it comes from
  lastschrift check iban 'DE89 3704 0044 0532 0130 00'
  lastschrift pain008 --input mitglieder.csv --creditor verein.toml --output beitraege.xml

Exit codes: 0 done, 1 problems found (listed), 2 usage or setup error.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Show more detail (repeat for even more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Configuration file (see lastschrift.example.toml); default ~/.config/lastschrift/lastschrift.toml.
    #[arg(long, global = true, env = "LASTSCHRIFT_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks an IBAN, BIC or creditor identifier and prints its normalised form.
    Check(check::CheckArgs),
    /// Writes a pain.008 file from a JSON or CSV description of the debits.
    Pain008(Box<pain008::Pain008Args>),
    /// Checks a sevdesk API token (one read-only call) and stores it encrypted.
    Connect(connect::ConnectArgs),
    /// Reads open invoices, contacts, addresses and mandate fields from sevdesk (GET only).
    Sync(sync::SyncArgs),
    /// Imports, lists and shows SEPA mandates (the mandate registry).
    Mandates(mandates::MandatesArgs),
    /// Lists recorded collection runs; shows their debits; writes their files and control lists.
    Runs(runs::RunsArgs),
    /// Marks a debit as returned or cancelled, which frees its invoice for a later run.
    Debits(debits::DebitsArgs),
    /// Imports the bank's answers (pain.002, camt.054, camt.053); the worklist of returns.
    Bank(bank::BankArgs),
    /// Sends the pre-notifications of the next run (e-mail, else a PDF letter); lists them.
    Notify(notify::NotifyArgs),
    /// Collects the open direct-debit invoices: writes the pain.008 file(s) and records the run.
    Collect(collect::CollectArgs),
    /// Shows every effective setting and where it came from (secrets masked).
    Config(config::ConfigArgs),
    /// Runs everything on a built-in fake sevdesk account: sync, dry run, collect. No setup needed.
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
    /// Serves the web UI (first start: create the administrator in the browser).
    Serve(serve::ServeArgs),
    /// The users of the web UI: list, add, reset a password, change a role (to get back in).
    Users(users::UsersArgs),
}

/// Outcome of a command that ran: done, or problems found in the user's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    ProblemsFound,
}

/// A failure the user must fix before the command can run at all (exit code 2): a missing file,
/// an unreadable setting. The message is one sentence plus what to do; the causes (for `-v`) are
/// its [`std::error::Error::source`] chain.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SetupError {
    pub message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SetupError {
    pub fn new(message: impl Into<String>) -> SetupError {
        SetupError {
            message: message.into(),
            source: None,
        }
    }

    /// The error's sentence, with its causes (not the error itself: its sentence is the message).
    pub fn with_cause(error: lastschrift_core::CoreError) -> SetupError {
        use std::error::Error as _;
        let message = error.to_string();
        let source = error
            .source()
            .map(|cause| -> Box<dyn std::error::Error + Send + Sync> {
                Box::new(Cause::of(cause))
            });
        SetupError { message, source }
    }
}

/// A copy of a cause chain (the original borrows from the error that is consumed).
#[derive(Debug)]
struct Cause {
    message: String,
    source: Option<Box<Cause>>,
}

impl Cause {
    fn of(error: &dyn std::error::Error) -> Cause {
        Cause {
            message: error.to_string(),
            source: error.source().map(|inner| Box::new(Cause::of(inner))),
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// Runs the command line and maps the outcome to the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Pain008(args) => pain008::run(&args),
        Command::Connect(args) => connect::run(&args, cli.config.as_deref()),
        Command::Sync(args) => sync::run(&args, cli.config.as_deref()),
        Command::Mandates(args) => mandates::run(&args, cli.config.as_deref()),
        Command::Runs(args) => runs::run(&args, cli.config.as_deref()),
        Command::Users(args) => users::run(&args, cli.config.as_deref()),
        Command::Debits(args) => debits::run(&args, cli.config.as_deref()),
        Command::Bank(args) => bank::run(&args, cli.config.as_deref()),
        Command::Notify(args) => notify::run(&args, cli.config.as_deref()),
        Command::Collect(args) => collect::run(&args, cli.config.as_deref()),
        Command::Config(args) => config::run(&args, cli.config.as_deref()),
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(&args),
        Command::Serve(args) => serve::run(&args, cli.config.as_deref()),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::ProblemsFound) => ExitCode::from(1),
        Err(err) => {
            // The user reads the sentence; the chain of causes is for -v.
            eprintln!("lastschrift: {err}");
            if cli.verbose > 0 {
                for cause in err.chain().skip(1) {
                    eprintln!("  caused by: {cause}");
                }
            }
            ExitCode::from(2)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LASTSCHRIFT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
