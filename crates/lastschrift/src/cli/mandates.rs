//! `lastschrift mandates import|list|show|add|edit|revoke|attach|document|form`: the mandate
//! registry on the command line. The work is done by [`lastschrift_core::mandates`]; this file
//! parses arguments and prints.

use super::context::{open_app, runtime, setup};
use super::output::{date_text, emit, quiet_broken_pipe};
use super::{Outcome, SetupError};
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use lastschrift_core::CoreError;
use lastschrift_core::collect::format_euro;
use lastschrift_core::files::{FileError, write_atomically};
use lastschrift_core::mandates::{
    self, EntryForm, FormRequest, MandateDetail, MandateFormBatch, MandateView, NewMandate,
    RowOutcome,
};
use lastschrift_core::store::{Mandate, MandateEdit, Scheme};
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
  Typ | kind                             wiederkehrend/recurrent (default), einmalig/one-off
                                         (OOFF, one debit) or endet/ending (next debit is FNAL)
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
    /// Enters one mandate, with the same checks as the import.
    #[command(
        after_help = "The contact is named by its sevdesk id (--contact) or its customer number
(--customer-number); it must be among the synced contacts (`lastschrift sync`). A reference
that exists already, also in other upper/lower case, is refused.

Exit code 0: stored; 1: refused (the message names the field), nothing was stored.

Examples:
  lastschrift mandates add --reference MANDAT-2001 --customer-number 1001 --signature-date 01.03.2026
  lastschrift mandates add --reference M-77 --contact 4711 --signature-date 2026-03-01 --scheme b2b --kind one-off"
    )]
    Add(AddArgs),
    /// Changes the signature date, scheme or kind of one mandate (only what you name).
    #[command(after_help = "Examples:
  lastschrift mandates edit MANDAT-1001 --signature-date 15.01.2025
  lastschrift mandates edit MANDAT-1001 --scheme b2b --kind ending
  lastschrift mandates edit MANDAT-1001 --active      # undo a revocation entered by mistake")]
    Edit(EditArgs),
    /// Records that the debtor revoked the mandate: nothing is collected under it any more.
    #[command(
        after_help = "The date is the day the revocation reached you (default: today); it may
not lie in the future or before the signature. Pending debits of the mandate are not touched:
cancel them with `lastschrift debits cancel` if the bank has not collected them yet.

Examples:
  lastschrift mandates revoke MANDAT-1003
  lastschrift mandates revoke MANDAT-1003 --on 28.11.2026 --note \"Brief vom 27.11.\""
    )]
    Revoke(RevokeArgs),
    /// Keeps the signed mandate (PDF, PNG or JPEG scan, at most 5 MiB) with the mandate.
    #[command(
        after_help = "Earlier copies stay; the newest is the current one (`mandates show` lists them).

Examples:
  lastschrift mandates attach MANDAT-1001 scans/mandat-1001.pdf"
    )]
    Attach(AttachArgs),
    /// Writes a signed copy of the mandate out again, byte for byte.
    #[command(after_help = "Examples:
  lastschrift mandates document MANDAT-1001 --output mandat-1001.pdf
  lastschrift mandates document MANDAT-1001 --id 3 > alte-kopie.pdf")]
    Document(DocumentArgs),
    /// Makes the SEPA mandate forms to sign (one PDF page per contact) and reserves the mandate
    /// reference each form names in the registry.
    #[command(
        after_help = "Each form names the creditor, the Gläubiger-Identifikationsnummer, the mandate
reference (Mandatsreferenz) the contact will get, the debtor's name, address and IBAN as
sevdesk has them, and the mandate text of the scheme in German and English. The reference is
reserved in the registry without a signature date: the contact's invoices wait until the signed
form is back and its date is entered (`lastschrift mandates edit REFERENCE --signature-date
DATE`, or on the web's mandate page). A contact reserved before gets
its form again; nothing is reserved twice. Contacts that need no new mandate are listed with the
reason.

Exit code 0: the PDF is written (or --all found nobody); 1: none of the named contacts needs a
form; 2: the creditor data is incomplete, or the file could not be written.

Examples:
  lastschrift mandates form --all --out mandate.pdf
  lastschrift mandates form --contact 4711 --contact 4712 --scheme b2b --out b2b.pdf
  lastschrift mandates form --all --out mandate.pdf --json"
    )]
    Form(FormArgs),
}

#[derive(Debug, Args)]
struct AddArgs {
    /// The mandate reference (Mandatsreferenz), at most 35 characters.
    #[arg(long)]
    reference: String,
    /// The sevdesk contact id.
    #[arg(long, value_name = "ID")]
    contact: Option<String>,
    /// The customer number of the sevdesk contact (instead of --contact).
    #[arg(long, value_name = "NUMBER")]
    customer_number: Option<String>,
    /// When the debtor signed: DD.MM.YYYY or YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    signature_date: Option<String>,
    /// core (Basis, default) or b2b (Firmen).
    #[arg(long)]
    scheme: Option<String>,
    /// recurrent (default), one-off or ending.
    #[arg(long)]
    kind: Option<String>,
    /// Print the stored mandate as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct EditArgs {
    /// The mandate reference.
    reference: String,
    /// The new signature date: DD.MM.YYYY or YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    signature_date: Option<String>,
    /// core (Basis) or b2b (Firmen).
    #[arg(long)]
    scheme: Option<String>,
    /// recurrent, one-off or ending.
    #[arg(long)]
    kind: Option<String>,
    /// Makes a revoked mandate active again (a revocation entered by mistake).
    #[arg(long)]
    active: bool,
    /// Print the changed mandate as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RevokeArgs {
    /// The mandate reference.
    reference: String,
    /// The day of the revocation (default: today): DD.MM.YYYY or YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    on: Option<String>,
    /// A note, e.g. how the revocation arrived.
    #[arg(long)]
    note: Option<String>,
    /// Print the revocation as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct AttachArgs {
    /// The mandate reference.
    reference: String,
    /// The scan or PDF of the signed mandate.
    file: PathBuf,
    /// Print the stored copy's details as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DocumentArgs {
    /// The mandate reference.
    reference: String,
    /// Which copy (see `mandates show`); default the newest.
    #[arg(long)]
    id: Option<i64>,
    /// Write here (atomically) instead of to standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
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
        MandatesCommand::Add(args) => add(args, config),
        MandatesCommand::Edit(args) => edit(args, config),
        MandatesCommand::Revoke(args) => revoke(args, config),
        MandatesCommand::Attach(args) => attach(args, config),
        MandatesCommand::Document(args) => document(args, config),
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

/// A refusal of the user's input: exit code 1 with the sentence, nothing stored. Anything else
/// is a setup problem (exit code 2).
fn refused(error: CoreError) -> anyhow::Result<Outcome> {
    if error.is_input_problem() {
        eprintln!("Nothing was stored: {error}.");
        Ok(Outcome::ProblemsFound)
    } else {
        Err(setup(error))
    }
}

fn kind_text(one_off: bool, ending: bool) -> &'static str {
    match (one_off, ending) {
        (true, _) => "one-off (OOFF)",
        (false, true) => "ending (next debit FNAL)",
        (false, false) => "recurrent",
    }
}

fn print_mandate(out: &mut impl Write, verb: &str, m: &Mandate) -> std::io::Result<()> {
    writeln!(
        out,
        "Mandate {} {verb}: contact {}, signed {}, {}, {}, {}.",
        m.reference,
        m.contact_id,
        date_text(m.signature_date),
        m.scheme,
        kind_text(m.one_off, m.ending),
        m.status
    )
}

fn add(args: &AddArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let entry = NewMandate {
        reference: Some(args.reference.clone()),
        contact_id: args.contact.clone(),
        customer_number: args.customer_number.clone(),
        signature_date: args.signature_date.clone(),
        scheme: args.scheme.clone(),
        kind: args.kind.clone(),
    };
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = app.add_mandate(&entry, EntryForm::CommandLine).await;
        app.close().await;
        let mandate = match result {
            Ok(mandate) => mandate,
            Err(error) => return refused(error),
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&mandate)?)?;
        } else {
            print_mandate(&mut out, "stored", &mandate)?;
        }
        Ok(Outcome::Done)
    })
}

fn edit(args: &EditArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let mut problems = Vec::new();
    let signature_date = match args.signature_date.as_deref().map(str::trim) {
        None => None,
        Some(text) => match lastschrift_core::dates::parse_date(text) {
            Some(date) => Some(Some(date)),
            None => {
                problems.push(format!(
                    "--signature-date `{text}` is not a date; write DD.MM.YYYY or YYYY-MM-DD"
                ));
                None
            }
        },
    };
    let scheme = match args.scheme.as_deref() {
        None => None,
        Some(text) => match mandates::scheme_word(text) {
            Some(scheme) => Some(scheme),
            None => {
                problems.push(format!(
                    "--scheme `{text}` is not a scheme; write core (Basis) or b2b (Firmen)"
                ));
                None
            }
        },
    };
    let kind = match args.kind.as_deref() {
        None => None,
        Some(text) => match mandates::kind_flags(text) {
            Some(flags) => Some(flags),
            None => {
                problems.push(format!(
                    "--kind `{text}` is not a kind; write recurrent, one-off or ending"
                ));
                None
            }
        },
    };
    // Every wrong flag at once, not one per attempt.
    if !problems.is_empty() {
        eprintln!("Nothing was changed: {}.", problems.join("; "));
        return Ok(Outcome::ProblemsFound);
    }
    let edit = MandateEdit {
        signature_date,
        scheme,
        status: args
            .active
            .then_some(lastschrift_core::store::MandateStatus::Active),
        one_off: kind.map(|(one_off, _)| one_off),
        ending: kind.map(|(_, ending)| ending),
    };
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = app.edit_mandate(args.reference.trim(), &edit).await;
        app.close().await;
        let mandate = match result {
            Ok(mandate) => mandate,
            Err(CoreError::Store(lastschrift_core::store::StoreError::NotFound { .. })) => {
                eprintln!(
                    "Nothing was changed: the mandate {} does not exist; `lastschrift mandates list` shows the mandates.",
                    args.reference.trim()
                );
                return Ok(Outcome::ProblemsFound);
            }
            Err(error) => return refused(error),
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&mandate)?)?;
        } else {
            print_mandate(&mut out, "changed", &mandate)?;
        }
        Ok(Outcome::Done)
    })
}

fn revoke(args: &RevokeArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = app
            .revoke_mandate(&args.reference, args.on.as_deref(), args.note.as_deref())
            .await;
        app.close().await;
        let (mandate, revocation) = match result {
            Ok(done) => done,
            Err(error) => return refused(error),
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&revocation)?)?;
        } else {
            writeln!(
                out,
                "Mandate {} is revoked as of {}; nothing will be collected under it any more.",
                mandate.reference,
                date_text(Some(revocation.revoked_on))
            )?;
        }
        Ok(Outcome::Done)
    })
}

fn attach(args: &AttachArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let metadata = std::fs::metadata(&args.file)
        .map_err(|e| SetupError::new(format!("could not read {}: {e}", args.file.display())))?;
    // Refused before reading: a wrong file of gigabytes should not fill the memory.
    if metadata.len() > mandates::MAX_DOCUMENT_BYTES as u64 {
        eprintln!(
            "Nothing was stored: {} has {} bytes; a signed copy may have at most {} bytes (5 MiB).",
            args.file.display(),
            metadata.len(),
            mandates::MAX_DOCUMENT_BYTES
        );
        return Ok(Outcome::ProblemsFound);
    }
    let bytes = std::fs::read(&args.file)
        .map_err(|e| SetupError::new(format!("could not read {}: {e}", args.file.display())))?;
    let file_name = args.file.to_string_lossy().into_owned();
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = app
            .attach_mandate_document(&args.reference, &file_name, bytes, Some("cli"))
            .await;
        app.close().await;
        let info = match result {
            Ok(info) => info,
            Err(error) => return refused(error),
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&info)?)?;
        } else {
            writeln!(
                out,
                "Stored {} ({}, {} bytes, SHA-256 {}) as copy {} of mandate {}.",
                info.file_name,
                info.content_type,
                info.size_bytes,
                info.sha256,
                info.id,
                info.mandate_reference
            )?;
        }
        Ok(Outcome::Done)
    })
}

fn document(args: &DocumentArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let reference = args.reference.trim();
        let id = match args.id {
            Some(id) => Some(id),
            None => app
                .mandate_documents(reference)
                .await
                .map_err(setup)?
                .first()
                .map(|d| d.id),
        };
        let document = match id {
            Some(id) => app.mandate_document(reference, id).await.map_err(setup)?,
            None => None,
        };
        app.close().await;
        let Some(document) = document else {
            return Err(SetupError::new(match args.id {
                Some(id) => format!(
                    "mandate {reference} has no signed copy {id}; `lastschrift mandates show {reference}` lists its copies"
                ),
                None => format!(
                    "mandate {reference} has no signed copy; attach one with `lastschrift mandates attach {reference} FILE`"
                ),
            })
            .into());
        };
        emit(
            &document.bytes,
            args.output.as_deref(),
            &format!("the signed copy {}", document.info.file_name),
        )?;
        Ok(Outcome::Done)
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
    writeln!(out, "Kind         {}", kind_text(d.one_off, d.ending))?;
    if let Some(r) = &d.revocation {
        writeln!(
            out,
            "Revoked on   {}{}",
            date_text(Some(r.revoked_on)),
            r.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        )?;
    }
    if d.documents.is_empty() {
        writeln!(out, "Signed copy  none")?;
    } else {
        writeln!(out, "Signed copies (newest first):")?;
        for doc in &d.documents {
            writeln!(
                out,
                "  {:>4}  {}  {}  {} bytes  {}",
                doc.id,
                doc.uploaded_at.format("%d.%m.%Y %H:%M"),
                doc.file_name,
                doc.size_bytes,
                doc.content_type
            )?;
        }
    }
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
        None => writeln!(out, "No contact needs a mandate form; no file was written.")?,
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
                Some(number) => format!(
                    "{} ({number}) [sevdesk id {}]",
                    f.contact_name, f.contact_id
                ),
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
            "Their invoices wait until the signed form is back and its date is entered: `lastschrift mandates edit REFERENCE --signature-date DATE`."
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
