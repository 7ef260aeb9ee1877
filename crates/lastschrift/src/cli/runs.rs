//! `lastschrift runs list|show|file|controls`: recorded collection runs, their debits, and the
//! exact bytes of their files. The work is done by [`lastschrift_core::runs`]; this file parses and prints.

use super::context::{open_app, runtime, setup};
use super::output::{date_text, emit, quiet_broken_pipe, shorten};
use super::{Outcome, SetupError};
use clap::{Args, Subcommand};
use lastschrift_core::App;
use lastschrift_core::collect::format_euro;
use lastschrift_core::runs::RunDetail;
use lastschrift_core::store::CollectionRun;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    command: RunsCommand,
}

#[derive(Debug, Subcommand)]
enum RunsCommand {
    /// Lists the recorded collection runs, newest first.
    #[command(after_help = "Examples:
  lastschrift runs list
  lastschrift runs list --json")]
    List(ListArgs),
    /// Shows one run: its files and every debit with invoice, amount and status.
    #[command(after_help = "Examples:
  lastschrift runs show 7
  lastschrift runs show 7 --json")]
    Show(ShowArgs),
    /// Writes the exact pain.008 bytes of a run's file, as recorded (to standard output by default).
    #[command(after_help = "Examples:
  lastschrift runs file 7 --output lastschriften.xml
  lastschrift runs file 7 --file 2 > firmenlastschriften.xml")]
    File(FileArgs),
    /// Writes the control list (CSV for the accountant) of a run.
    #[command(after_help = "Examples:
  lastschrift runs controls 7 --output kontrollliste.csv")]
    Controls(ControlsArgs),
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Print the list as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The run id (see `lastschrift runs list`).
    id: i64,
    /// Print the run as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct FileArgs {
    /// The run id (see `lastschrift runs list`).
    id: i64,
    /// Which file of the run (1, 2, …; see `lastschrift runs show`); needed when it has several.
    #[arg(long = "file", value_name = "N")]
    position: Option<i64>,
    /// Write here (atomically: a temporary file beside it, synced, then renamed) instead of to
    /// standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ControlsArgs {
    /// The run id (see `lastschrift runs list`).
    id: i64,
    /// Write here (atomically) instead of to standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: &RunsArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    quiet_broken_pipe(runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = match &args.command {
            RunsCommand::List(args) => list(&app, args).await,
            RunsCommand::Show(args) => show(&app, args).await,
            RunsCommand::File(args) => file(&app, args).await,
            RunsCommand::Controls(args) => controls(&app, args).await,
        };
        app.close().await;
        result
    }))
}

pub(crate) fn no_such_run(id: i64) -> anyhow::Error {
    SetupError::new(format!(
        "collection run {id} does not exist; `lastschrift runs list` shows the runs"
    ))
    .into()
}

fn created_text(run: &CollectionRun) -> String {
    run.created_at
        .with_timezone(&chrono::Local)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

fn dates_text(run: &CollectionRun) -> String {
    if run.collection_dates.is_empty() {
        return "–".into();
    }
    run.collection_dates
        .iter()
        .map(|d| date_text(Some(*d)))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn list(app: &App, args: &ListArgs) -> anyhow::Result<Outcome> {
    let runs = app.runs().await.map_err(setup)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&runs)?)?;
        return Ok(Outcome::Done);
    }
    if runs.is_empty() {
        writeln!(out, "No collection runs yet.")?;
        return Ok(Outcome::Done);
    }
    writeln!(
        out,
        "{:>5}  {:<16}  {:<9}  {:>6}  {:>16}  {:>5}  Collection date",
        "Run", "Created", "Status", "Debits", "Total", "Files"
    )?;
    for run in &runs {
        writeln!(
            out,
            "{:>5}  {:<16}  {:<9}  {:>6}  {:>16}  {:>5}  {}",
            run.id,
            created_text(run),
            run.status.as_str(),
            run.debit_count,
            format_euro(run.total_cents),
            run.files.len(),
            dates_text(run)
        )?;
    }
    Ok(Outcome::Done)
}

async fn show(app: &App, args: &ShowArgs) -> anyhow::Result<Outcome> {
    let detail = app
        .run(args.id)
        .await
        .map_err(setup)?
        .ok_or_else(|| no_such_run(args.id))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&detail)?)?;
    } else {
        print_detail(&mut out, &detail)?;
    }
    Ok(Outcome::Done)
}

fn print_detail(out: &mut impl Write, d: &RunDetail) -> std::io::Result<()> {
    let run = &d.run;
    writeln!(out, "Collection run {}", run.id)?;
    writeln!(out, "Created          {}", created_text(run))?;
    writeln!(out, "Status           {}", run.status)?;
    writeln!(out, "Format           {}", run.format)?;
    writeln!(out, "Collection date  {}", dates_text(run))?;
    writeln!(
        out,
        "Debits           {} totalling {}",
        run.debit_count,
        format_euro(run.total_cents)
    )?;
    writeln!(out, "Files:")?;
    for f in &run.files {
        writeln!(
            out,
            "  {}. {}  (message id {}, {} debits, {}, SHA-256 {})",
            f.position,
            f.file_name,
            f.message_id,
            f.debit_count,
            format_euro(f.total_cents),
            f.sha256
        )?;
    }
    writeln!(out, "Debits:")?;
    writeln!(
        out,
        "  {:>6}  {:<14}  {:<24}  {:<20}  {:<4}  {:>14}  {:<10}  Status",
        "Debit", "Invoice", "Debtor", "Mandate", "Seq", "Amount", "Date"
    )?;
    for line in &d.debits {
        let debit = &line.debit;
        let invoice = line
            .invoice_number
            .clone()
            .unwrap_or_else(|| format!("id {}", debit.invoice_id));
        let debtor = line
            .contact_name
            .clone()
            .unwrap_or_else(|| format!("contact {}", debit.contact_id));
        let status = match &debit.status_reason {
            Some(reason) => format!("{} ({reason})", debit.status),
            None => debit.status.to_string(),
        };
        writeln!(
            out,
            "  {:>6}  {:<14}  {:<24}  {:<20}  {:<4}  {:>14}  {:<10}  {status}",
            debit.id,
            invoice,
            shorten(&debtor, 24),
            debit.mandate_reference,
            debit.sequence_type,
            format_euro(debit.amount_cents),
            date_text(Some(debit.collection_date)),
        )?;
    }
    Ok(())
}

async fn file(app: &App, args: &FileArgs) -> anyhow::Result<Outcome> {
    let run = app
        .run(args.id)
        .await
        .map_err(setup)?
        .ok_or_else(|| no_such_run(args.id))?
        .run;
    let positions = || {
        run.files
            .iter()
            .map(|f| format!("--file {}", f.position))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let info = match args.position {
        Some(n) => run.files.iter().find(|f| f.position == n).ok_or_else(|| {
            SetupError::new(format!(
                "collection run {} has no file {n}; choose {}",
                run.id,
                positions()
            ))
        })?,
        None => match run.files.as_slice() {
            [only] => only,
            [] => {
                return Err(
                    SetupError::new(format!("collection run {} has no files", run.id)).into(),
                );
            }
            _ => {
                return Err(SetupError::new(format!(
                    "collection run {} has {} files; choose one with {}",
                    run.id,
                    run.files.len(),
                    positions()
                ))
                .into());
            }
        },
    };
    let file = app
        .run_file(run.id, info.id)
        .await
        .map_err(setup)?
        .ok_or_else(|| no_such_run(args.id))?;
    emit(
        &file.bytes,
        args.output.as_deref(),
        &format!("file {} of run {}", info.position, run.id),
    )?;
    Ok(Outcome::Done)
}

async fn controls(app: &App, args: &ControlsArgs) -> anyhow::Result<Outcome> {
    let (_, csv) = app
        .control_list(args.id)
        .await
        .map_err(setup)?
        .ok_or_else(|| no_such_run(args.id))?;
    emit(
        &csv,
        args.output.as_deref(),
        &format!("the control list of run {}", args.id),
    )?;
    Ok(Outcome::Done)
}
