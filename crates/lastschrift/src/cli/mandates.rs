//! `lastschrift mandates import|list|show|form`: the mandate registry on the command line. The
//! work is done by [`lastschrift_core::mandates`]; this file parses arguments and prints.

use super::context::{open_app, runtime, setup};
use super::output::{date_text, quiet_broken_pipe};
use super::{Outcome, SetupError};
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use lastschrift_core::collect::format_euro;
use lastschrift_core::files::{FileError, write_atomically};
use lastschrift_core::mandates::{
    self, FormRequest, MandateDetail, MandateFormBatch, MandateView, RowOutcome,
};
use lastschrift_core::store::Scheme;
use serde::Serialize;
use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct MandatesArgs {
    #[command(subcommand)]
    command: MandatesCommand,
}

#[derive(Debug, Subcommand)]
enum MandatesCommand {
    /// Imports mandates from a CSV file (one mandate per line); see README "Mandate import".
    #[command(
        after_help = "Columns (German or English names, any case; separator ; or ,):
  Mandatsreferenz | reference            required
  Kundennummer | customer_number         one of these two is required
  Kontakt-ID | contact_id                (the sevdesk contact)
  Unterschriftsdatum | Mandatsdatum | signature_date   required, DD.MM.YYYY or YYYY-MM-DD
  Art | scheme                           CORE/Basis (default) or B2B/Firmen
  Status | status                        aktiv/active (default) or widerrufen/revoked
  Erste Lastschrift | first_collection   optional date
  Letzte Lastschrift | last_collection   optional date

Exit code 0: every line stored or unchanged; 1: some lines had errors (the others were stored);
2: the file could not be used at all (unknown or missing column, not UTF-8): nothing was stored.

Examples:
  lastschrift mandates import examples/mandates.csv
  lastschrift mandates import mandate.csv --json"
    )]
    Import(ImportArgs),
    /// Lists every mandate with its status (active, expired, revoked) and contact.
    #[command(after_help = "Examples:
  lastschrift mandates list
  lastschrift mandates list --json | jq '.[] | select(.status == \"expired\")'")]
    List(ListArgs),
    /// Shows one mandate: contact, dates, amendments and every debit collected under it.
    #[command(after_help = "Examples:
  lastschrift mandates show MANDAT-1001
  lastschrift mandates show MANDAT-1001 --json")]
    Show(ShowArgs),
    /// Makes the SEPA mandate forms to sign (one PDF page per contact) and reserves the mandate
    /// reference each form names in the registry.
    #[command(after_help = "Each form names the creditor, the Gläubiger-Identifikationsnummer, the mandate
reference (Mandatsreferenz) the contact will get, the debtor's name, address and IBAN as
sevdesk has them, and the mandate text of the scheme in German and English. The reference is
reserved in the registry without a signature date: the contact's invoices wait until the signed
form is back and its date is entered (web: Mandate → bearbeiten). A contact reserved before gets
its form again; nothing is reserved twice. Contacts that need no new mandate are listed with the
reason.

Exit code 0: the PDF is written (or --all found nobody); 1: none of the named contacts needs a
form; 2: the creditor data is incomplete, or the file could not be written.

Examples:
  lastschrift mandates form --all --out mandate.pdf
  lastschrift mandates form --contact 4711 --contact 4712 --scheme b2b --out b2b.pdf
  lastschrift mandates form --all --out mandate.pdf --json")]
    Form(FormArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SchemeArg {
    /// SEPA-Basislastschrift (CORE)
    Core,
    /// SEPA-Firmenlastschrift (B2B)
    B2b,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("who").required(true).args(["contacts", "all"])))]
struct FormArgs {
    /// The sevdesk contact id of a debtor; repeat for several.
    #[arg(long = "contact", value_name = "ID")]
    contacts: Vec<i64>,
    /// Every contact on the needs-mandate list.
    #[arg(long)]
    all: bool,
    /// The scheme of the mandate; default: that of an earlier reservation, else core.
    #[arg(long, value_enum)]
    scheme: Option<SchemeArg>,
    /// A one-off payment (Einmalige Zahlung) instead of recurrent payments.
    #[arg(long)]
    one_off: bool,
    /// Where the PDF goes (written atomically; an existing file is replaced).
    #[arg(long, value_name = "FILE.pdf")]
    out: PathBuf,
    /// Print what was reserved and skipped as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The CSV file; `-` reads standard input.
    file: PathBuf,
    /// Print the result of every line as JSON.
    #[arg(long)]
    json: bool,
    /// Today's date (signature dates must not lie in the future).
    #[arg(long, hide = true)]
    today: Option<NaiveDate>,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Print the list as JSON.
    #[arg(long)]
    json: bool,
    /// Today's date (expiry is counted from it).
    #[arg(long, hide = true)]
    today: Option<NaiveDate>,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The mandate reference (Mandatsreferenz).
    reference: String,
    /// Print the mandate as JSON.
    #[arg(long)]
    json: bool,
    /// Today's date (expiry is counted from it).
    #[arg(long, hide = true)]
    today: Option<NaiveDate>,
}

pub fn run(args: &MandatesArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    quiet_broken_pipe(match &args.command {
        MandatesCommand::Import(args) => import(args, config),
        MandatesCommand::List(args) => list(args, config),
        MandatesCommand::Show(args) => show(args, config),
        MandatesCommand::Form(args) => form(args, config),
    })
}

/// The bank's today (Europe/Berlin), as `collect` counts it, unless a test gives one.
fn today(app: &lastschrift_core::App, given: Option<NaiveDate>) -> NaiveDate {
    given.unwrap_or_else(|| app.bank_today())
}

#[derive(Serialize)]
struct ImportJson<'a> {
    created: usize,
    updated: usize,
    unchanged: usize,
    errors: usize,
    rows: &'a [mandates::RowResult],
}

fn import(args: &ImportArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let bytes = if args.file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("could not read standard input")?;
        bytes
    } else {
        std::fs::read(&args.file)
            .map_err(|e| SetupError::new(format!("could not read {}: {e}", args.file.display())))?
    };
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let today = today(&app, args.today);
        let result = app.import_mandates(&bytes, today).await;
        app.close().await;
        let report = match result {
            Ok(report) => report,
            Err(lastschrift_core::CoreError::Import(e))
                if !matches!(
                    e,
                    mandates::ImportError::Store { .. } | mandates::ImportError::Read(_)
                ) =>
            {
                return Err(SetupError::new(format!(
                    "{}: {e}; nothing was imported",
                    args.file.display()
                ))
                .into());
            }
            Err(e) => return Err(setup(e)),
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            let json = ImportJson {
                created: report.created(),
                updated: report.updated(),
                unchanged: report.unchanged(),
                errors: report.errors(),
                rows: &report.rows,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        } else {
            let width = report
                .rows
                .iter()
                .filter_map(|r| r.reference.as_deref())
                .map(|r| r.chars().count())
                .max()
                .unwrap_or(0)
                .max("Reference".len());
            writeln!(out, "{:>5}  {:<width$}  Result", "Line", "Reference")?;
            for row in &report.rows {
                let result = match &row.outcome {
                    RowOutcome::Created => "created".to_string(),
                    RowOutcome::Updated => "updated".to_string(),
                    RowOutcome::Unchanged => "unchanged".to_string(),
                    RowOutcome::Error { message, .. } => format!("ERROR: {message}"),
                };
                writeln!(
                    out,
                    "{:>5}  {:<width$}  {result}",
                    row.row,
                    row.reference.as_deref().unwrap_or("–")
                )?;
            }
            writeln!(
                out,
                "{} created, {} updated, {} unchanged, {} with errors{}.",
                report.created(),
                report.updated(),
                report.unchanged(),
                report.errors(),
                if report.errors() > 0 {
                    " (not stored; fix them and import the file again)"
                } else {
                    ""
                }
            )?;
        }
        Ok(if report.errors() > 0 {
            Outcome::ProblemsFound
        } else {
            Outcome::Done
        })
    })
}

fn contact_text(view: &MandateView) -> String {
    match (&view.contact_name, &view.customer_number) {
        (Some(name), Some(number)) => format!("{name} ({number})"),
        (Some(name), None) => name.clone(),
        (None, _) => format!("contact {} (not synced)", view.contact_id),
    }
}

fn list(args: &ListArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let today = today(&app, args.today);
        let views = app.mandates(today).await.map_err(setup)?;
        app.close().await;
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&views)?)?;
            return Ok(Outcome::Done);
        }
        if views.is_empty() {
            writeln!(
                out,
                "No mandates yet; import them with `lastschrift mandates import FILE.csv`."
            )?;
            return Ok(Outcome::Done);
        }
        let width = views
            .iter()
            .map(|v| v.reference.chars().count())
            .max()
            .unwrap_or(0)
            .max("Reference".len());
        writeln!(
            out,
            "{:<width$}  {:<8}  {:<4}  {:<10}  {:<10}  {:<10}  Contact",
            "Reference", "Status", "Art", "Signed", "First", "Last"
        )?;
        for v in &views {
            writeln!(
                out,
                "{:<width$}  {:<8}  {:<4}  {:<10}  {:<10}  {:<10}  {}",
                v.reference,
                v.status.as_str(),
                v.scheme.as_str(),
                date_text(v.signature_date),
                date_text(v.first_collection),
                date_text(v.last_collection),
                contact_text(v)
            )?;
        }
        Ok(Outcome::Done)
    })
}

fn show(args: &ShowArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let today = today(&app, args.today);
        let detail = app.mandate(&args.reference, today).await.map_err(setup)?;
        app.close().await;
        let Some(detail) = detail else {
            return Err(SetupError::new(format!(
                "mandate {} does not exist; `lastschrift mandates list` shows the mandates",
                args.reference.trim()
            ))
            .into());
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&detail)?)?;
        } else {
            print_detail(&mut out, &detail)?;
        }
        Ok(Outcome::Done)
    })
}

fn print_detail(out: &mut impl Write, d: &MandateDetail) -> std::io::Result<()> {
    let v = &d.view;
    writeln!(out, "Mandate      {}", v.reference)?;
    writeln!(
        out,
        "Status       {} ({})",
        v.status.as_str(),
        v.status.german()
    )?;
    writeln!(out, "Scheme       {}", v.scheme)?;
    writeln!(
        out,
        "Contact      {} [sevdesk id {}]",
        contact_text(v),
        v.contact_id
    )?;
    writeln!(out, "Signed       {}", date_text(v.signature_date))?;
    writeln!(out, "First debit  {}", date_text(v.first_collection))?;
    writeln!(out, "Last debit   {}", date_text(v.last_collection))?;
    if let Some(iban) = &d.last_iban {
        writeln!(out, "Last IBAN    {iban}")?;
    }
    if let Some(reference) = d.last_reference.as_ref().filter(|r| **r != v.reference) {
        writeln!(out, "Last used as {reference}")?;
    }
    writeln!(out, "Source       {}", v.source)?;
    if d.amendments.is_empty() {
        writeln!(out, "Amendments   none")?;
    } else {
        writeln!(out, "Amendments:")?;
        for a in &d.amendments {
            let mut parts = Vec::new();
            if let Some(r) = &a.original_reference {
                parts.push(format!("reference was {r}"));
            }
            if let Some(iban) = &a.original_iban {
                parts.push(format!(
                    "IBAN was {iban}, now {}",
                    a.new_iban.as_deref().unwrap_or("?")
                ));
            }
            writeln!(
                out,
                "  {}  {}",
                a.detected_at.format("%d.%m.%Y"),
                parts.join("; ")
            )?;
        }
    }
    if d.debits.is_empty() {
        writeln!(out, "Debits       none yet")?;
    } else {
        writeln!(out, "Debits:")?;
        writeln!(
            out,
            "  {:>6}  {:>4}  {:>10}  {:<10}  {:<4}  {:>14}  Status",
            "Debit", "Run", "Invoice", "Date", "Seq", "Amount"
        )?;
        for debit in &d.debits {
            writeln!(
                out,
                "  {:>6}  {:>4}  {:>10}  {:<10}  {:<4}  {:>14}  {}",
                debit.id,
                debit.run_id,
                debit.invoice_id,
                date_text(Some(debit.collection_date)),
                debit.sequence_type,
                format_euro(debit.amount_cents),
                debit.status
            )?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct FormJson<'a> {
    /// The PDF written, or `null` when no contact got a form.
    file: Option<&'a Path>,
    newly_reserved: usize,
    #[serde(flatten)]
    batch: &'a MandateFormBatch,
}

fn form(args: &FormArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let request = FormRequest {
        contacts: (!args.all).then(|| args.contacts.clone()),
        scheme: args.scheme.map(|s| match s {
            SchemeArg::Core => Scheme::Core,
            SchemeArg::B2b => Scheme::B2b,
        }),
        one_off: args.one_off.then_some(true),
    };
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = app.mandate_forms(&request).await;
        app.close().await;
        let batch = result.map_err(setup)?;
        let written = match &batch.pdf {
            Some(pdf) => {
                write_atomically::<FileError>(&args.out, |out| {
                    out.write_all(pdf).map_err(|source| FileError::Io {
                        path: args.out.clone(),
                        source,
                    })
                })
                .map_err(|e| {
                    let cause = std::error::Error::source(&e)
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default();
                    SetupError::new(format!(
                        "{e}{cause}; the references are reserved, run the command again to write the forms"
                    ))
                })?;
                Some(args.out.as_path())
            }
            None => None,
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            let json = FormJson {
                file: written,
                newly_reserved: batch.newly_reserved(),
                batch: &batch,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        } else {
            print_forms(&mut out, &batch, written)?;
        }
        Ok(if written.is_none() && !args.all {
            Outcome::ProblemsFound
        } else {
            Outcome::Done
        })
    })
}

fn print_forms(
    out: &mut impl Write,
    batch: &MandateFormBatch,
    written: Option<&Path>,
) -> std::io::Result<()> {
    match written {
        Some(path) => writeln!(
            out,
            "Wrote {}: {} mandate form(s) to sign, {} reference(s) newly reserved.",
            path.display(),
            batch.forms.len(),
            batch.newly_reserved()
        )?,
        None => writeln!(
            out,
            "No contact needs a mandate form; no file was written."
        )?,
    }
    if !batch.forms.is_empty() {
        let width = batch
            .forms
            .iter()
            .map(|f| f.reference.chars().count())
            .max()
            .unwrap_or(0)
            .max("Reference".len());
        writeln!(
            out,
            "{:<width$}  {:<4}  {:<9}  {:<8}  Contact",
            "Reference", "Art", "Payment", "Reserved"
        )?;
        for f in &batch.forms {
            let contact = match &f.customer_number {
                Some(number) => format!("{} ({number}) [sevdesk id {}]", f.contact_name, f.contact_id),
                None => format!("{} [sevdesk id {}]", f.contact_name, f.contact_id),
            };
            writeln!(
                out,
                "{:<width$}  {:<4}  {:<9}  {:<8}  {contact}",
                f.reference,
                f.scheme.as_str(),
                if f.one_off { "one-off" } else { "recurrent" },
                if f.newly_reserved { "new" } else { "before" },
            )?;
        }
        writeln!(
            out,
            "Their invoices wait until the signed form is back and its signature date is entered."
        )?;
    }
    if !batch.skipped.is_empty() {
        writeln!(out, "No form for:")?;
        for s in &batch.skipped {
            writeln!(
                out,
                "  {} [sevdesk id {}]: {} ({})",
                s.contact_name.as_deref().unwrap_or("–"),
                s.contact_id,
                s.reason.english,
                s.code
            )?;
        }
    }
    Ok(())
}
