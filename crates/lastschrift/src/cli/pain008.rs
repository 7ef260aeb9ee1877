//! `lastschrift pain008`: from a JSON or CSV description of debits to a pain.008 file, for users
//! without sevdesk (clubs, spreadsheets). Everything is validated first; with any problem nothing
//! is written and every problem is listed.

use super::{Outcome, SetupError};
use anyhow::Context;
use chrono::{Local, NaiveDate};
use clap::{Args, ValueEnum};
use lastschrift_core::debit_csv;
use sepa::{
    CharacterPolicy, CreationTime, Format, Problem, RawCreditor, RawMessage, ValidationOptions,
    Warning,
};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct Pain008Args {
    /// The message description: JSON (see README) or CSV with one debit per row; `-` reads stdin.
    #[arg(long, short)]
    pub(super) input: PathBuf,
    /// How to read the input; by default from the file name (`.csv` is CSV, anything else JSON).
    #[arg(long, value_enum, default_value = "auto")]
    pub(super) input_format: InputFormat,
    /// Where to write the XML; standard output when absent.
    #[arg(long, short)]
    pub(super) output: Option<PathBuf>,
    /// The pain.008 version: pain.008.001.08 (current, German GBIC_5) or pain.008.001.02 (legacy).
    #[arg(long, default_value = "pain.008.001.08", value_parser = parse_format)]
    pub(super) format: Format,
    /// Characters allowed in names and texts: basic (EPC) or german (adds ÄÖÜäöüß&*$%).
    #[arg(long, default_value = "basic", value_parser = parse_charset)]
    pub(super) charset: CharacterPolicy,
    /// Write one file per scheme when CORE and B2B debits are mixed (banks refuse mixed files).
    #[arg(long)]
    pub(super) split_schemes: bool,
    /// Creditor data as a JSON or TOML file (`name`, `iban`, `bic`, `creditor_id`, `address`);
    /// needed for CSV input.
    #[arg(long)]
    pub(super) creditor: Option<PathBuf>,
    /// Creditor name (overrides the file).
    #[arg(long)]
    pub(super) creditor_name: Option<String>,
    /// Creditor IBAN (overrides the file).
    #[arg(long)]
    pub(super) creditor_iban: Option<String>,
    /// Creditor BIC (overrides the file).
    #[arg(long)]
    pub(super) creditor_bic: Option<String>,
    /// Creditor identifier, Gläubiger-ID (overrides the file).
    #[arg(long)]
    pub(super) creditor_id: Option<String>,
    /// Message id (overrides the input); derived from the creation time when absent.
    #[arg(long)]
    pub(super) message_id: Option<String>,
    /// Creation time, e.g. 2026-11-28T14:05:00 (overrides the input); now when absent.
    #[arg(long)]
    pub(super) created_at: Option<String>,
    /// Book the debits as one sum (true) or one by one (false, only if agreed with the bank).
    #[arg(long)]
    pub(super) batch_booking: Option<bool>,
    /// Sequence type for debits that give none. RCUR is right for the first debit too since 2016.
    #[arg(long, default_value = "RCUR")]
    pub(super) default_sequence: String,
    /// Scheme for debits that give none: CORE (Basislastschrift) or B2B (Firmenlastschrift).
    #[arg(long, default_value = "CORE")]
    pub(super) default_scheme: String,
    /// Today's date for the checks (collection date after today, signature not in the future).
    #[arg(long, hide = true)]
    pub(super) today: Option<NaiveDate>,
    /// Print problems (or the summary) as JSON on standard output.
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum InputFormat {
    Auto,
    Json,
    Csv,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s)
        .ok_or_else(|| format!("unknown format {s:?}; use pain.008.001.08 or pain.008.001.02"))
}

fn parse_charset(s: &str) -> Result<CharacterPolicy, String> {
    CharacterPolicy::parse(s)
        .ok_or_else(|| format!("unknown character set {s:?}; use basic or german"))
}

#[derive(Debug, Serialize)]
pub(super) struct WrittenFile {
    pub(super) path: Option<PathBuf>,
    pub(super) message_id: String,
    pub(super) scheme: String,
    pub(super) transactions: usize,
    pub(super) control_sum: String,
}

#[derive(Debug, Serialize)]
pub(super) struct Summary<'a> {
    pub(super) files: Vec<WrittenFile>,
    pub(super) warnings: &'a [Warning],
}

pub fn run(args: &Pain008Args) -> anyhow::Result<Outcome> {
    match super::pain008_stream::run(args)? {
        Some(outcome) => Ok(outcome),
        // Input the streaming reader does not take (JSON with the debits before the creditor,
        // or unreadable JSON, whose exact error the whole-document parser gives).
        None => run_in_memory(args),
    }
}

fn run_in_memory(args: &Pain008Args) -> anyhow::Result<Outcome> {
    let now = Local::now().naive_local();
    let today = args.today.unwrap_or(now.date());
    let mut raw = match read_message(args) {
        Ok(raw) => raw,
        Err(InputError::Setup(e)) => return Err(e),
        Err(InputError::Problems(problems)) => return report_problems(args, &problems),
    };
    apply_overrides(args, &mut raw)?;

    let raws = if args.split_schemes {
        raw.split_by_scheme()
    } else {
        vec![raw]
    };
    let options = ValidationOptions {
        policy: args.charset,
        created_at: Some(CreationTime::Local(now.with_nanosecond_zeroed())),
    };
    let mut messages = Vec::new();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for raw in raws {
        match sepa::validate(raw, &options, today) {
            Ok((message, w)) => {
                problems.extend(message.check_format(args.format));
                warnings.extend(w);
                messages.push(message);
            }
            Err(p) => problems.extend(p),
        }
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if !problems.is_empty() {
        return report_problems(args, &problems);
    }

    let instruments: Vec<_> = messages.iter().map(|m| m.instrument()).collect();
    let targets = output_paths(args.output.as_deref(), &instruments)?;
    let mut files = Vec::new();
    for (message, target) in messages.iter().zip(targets) {
        match &target {
            Some(path) => lastschrift_core::files::write_atomically::<anyhow::Error>(path, |out| {
                Ok(message.write(args.format, out)?)
            })
            .with_context(|| format!("could not write {}", path.display()))?,
            None => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                message.write(args.format, &mut lock)?;
                lock.flush()?;
            }
        }
        files.push(WrittenFile {
            path: target,
            message_id: message.header().message_id.as_str().to_string(),
            scheme: message.instrument().to_string(),
            transactions: message.number_of_transactions(),
            control_sum: message.control_sum(),
        });
    }
    report_written(args, files, &warnings)
}

/// What was written, when it went to files (stdout carries the XML itself).
pub(super) fn report_written(
    args: &Pain008Args,
    files: Vec<WrittenFile>,
    warnings: &[Warning],
) -> anyhow::Result<Outcome> {
    let to_file = files.iter().all(|f| f.path.is_some());
    if args.json && to_file {
        let summary = Summary { files, warnings };
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if to_file {
        for f in &files {
            let path = f.path.as_deref().map(Path::display);
            println!(
                "{}: {} debits, {} EUR ({}, message {})",
                path.map(|p| p.to_string()).unwrap_or_default(),
                f.transactions,
                f.control_sum,
                f.scheme,
                f.message_id
            );
        }
    }
    Ok(Outcome::Done)
}

pub(super) trait ZeroNanos {
    fn with_nanosecond_zeroed(self) -> Self;
}

impl ZeroNanos for chrono::NaiveDateTime {
    /// `CreDtTm` carries whole seconds; fractions would only make reruns differ.
    fn with_nanosecond_zeroed(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

pub(super) enum InputError {
    Setup(anyhow::Error),
    Problems(Vec<Problem>),
}

pub(super) fn input_problem(message: impl Into<String>, german: impl Into<String>) -> InputError {
    InputError::Problems(vec![Problem::new(
        None,
        None,
        "input",
        "input_unreadable",
        message,
        german,
    )])
}

fn read_source(path: &Path) -> Result<String, InputError> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| {
            InputError::Setup(anyhow::anyhow!("could not read standard input: {e}"))
        })?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| {
        InputError::Setup(
            SetupError::new(format!(
                "cannot read the input file {}: {e}; check the path given with --input",
                path.display()
            ))
            .into(),
        )
    })
}

fn read_message(args: &Pain008Args) -> Result<RawMessage, InputError> {
    let is_csv = match args.input_format {
        InputFormat::Csv => true,
        InputFormat::Json => false,
        InputFormat::Auto => args
            .input
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
    };
    let text = read_source(&args.input)?;
    if !is_csv {
        return serde_json::from_str(&text).map_err(|e| {
            input_problem(
                format!(
                    "the JSON input cannot be read at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                ),
                format!(
                    "Die JSON-Eingabe lässt sich in Zeile {}, Spalte {} nicht lesen.",
                    e.line(),
                    e.column()
                ),
            )
        });
    }
    let rows = debit_csv::read_raw_debits(text.as_bytes()).map_err(|e| {
        input_problem(
            format!("the CSV input cannot be read: {e}"),
            format!("Die CSV-Eingabe lässt sich nicht lesen: {}", e.german()),
        )
    })?;
    let mut problems = Vec::new();
    let mut debits = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        match row {
            Ok(mut debit) => {
                if debit.end_to_end_id.trim().is_empty() {
                    // Spreadsheets rarely carry one; the row number keeps it unique in the file.
                    debit.end_to_end_id = format!("ROW-{:06}", index + 1);
                }
                debits.push(debit);
            }
            Err(e) => problems.push(Problem::new(
                Some(index),
                None,
                format!("debits[{index}]"),
                "row_unreadable",
                format!("row {} cannot be read: {e}", index + 2),
                format!("Zeile {} lässt sich nicht lesen ({e}).", index + 2),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(InputError::Problems(problems));
    }
    let creditor = match &args.creditor {
        Some(path) => read_creditor(path)?,
        None => RawCreditor::default(),
    };
    Ok(RawMessage {
        creditor,
        debits,
        ..RawMessage::default()
    })
}

pub(super) fn read_creditor(path: &Path) -> Result<RawCreditor, InputError> {
    let text = read_source(path)?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let parsed = if is_toml {
        toml::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        input_problem(
            "creditor",
            format!("the creditor file {} cannot be read: {e}", path.display()),
        )
    })
}

fn apply_overrides(args: &Pain008Args, raw: &mut RawMessage) -> anyhow::Result<()> {
    let set = |target: &mut String, value: &Option<String>| {
        if let Some(v) = value {
            *target = v.clone();
        }
    };
    set(&mut raw.creditor.name, &args.creditor_name);
    set(&mut raw.creditor.iban, &args.creditor_iban);
    set(&mut raw.creditor.creditor_id, &args.creditor_id);
    if args.creditor_bic.is_some() {
        raw.creditor.bic = args.creditor_bic.clone();
    }
    if args.message_id.is_some() {
        raw.message_id = args.message_id.clone();
    }
    if args.created_at.is_some() {
        raw.created_at = args.created_at.clone();
    }
    if args.batch_booking.is_some() {
        raw.batch_booking = args.batch_booking;
    }
    for debit in &mut raw.debits {
        if debit.sequence.trim().is_empty() {
            debit.sequence = args.default_sequence.clone();
        }
        if debit.scheme.as_deref().is_none_or(|s| s.trim().is_empty()) {
            debit.scheme = Some(args.default_scheme.clone());
        }
    }
    Ok(())
}

/// One path per message: the given one, or `name-CORE.xml` / `name-B2B.xml` when the input was
/// split by scheme.
pub(super) fn output_paths(
    output: Option<&Path>,
    instruments: &[sepa::LocalInstrument],
) -> anyhow::Result<Vec<Option<PathBuf>>> {
    match (output, instruments.len()) {
        (None, 1) => Ok(vec![None]),
        (None, _) => Err(SetupError::new(
            "the debits give one file per scheme; name the output with --output",
        )
        .into()),
        (Some(path), 1) => Ok(vec![Some(path.to_path_buf())]),
        (Some(path), _) => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "pain008".into());
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_else(|| "xml".into());
            Ok(instruments
                .iter()
                .map(|i| Some(path.with_file_name(format!("{stem}-{i}.{ext}"))))
                .collect())
        }
    }
}

/// Writes beside the target, syncs, then renames: a reader (or the bank upload) never sees half
/// a file, and a crash leaves either the old file or the new one.
pub(super) fn report_problems(args: &Pain008Args, problems: &[Problem]) -> anyhow::Result<Outcome> {
    report_listed(args, problems, problems.len())
}

/// Problems of which the first `problems` are listed, `total` in all.
pub(super) fn report_listed(
    args: &Pain008Args,
    problems: &[Problem],
    total: usize,
) -> anyhow::Result<Outcome> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(problems)?);
    } else {
        eprintln!(
            "{} problem{} found, nothing was written:",
            total,
            if total == 1 { "" } else { "s" }
        );
        for p in problems {
            eprintln!("  {p}");
        }
        if total > problems.len() {
            eprintln!(
                "  … and {} more (the first {} are listed)",
                total - problems.len(),
                problems.len()
            );
        }
    }
    Ok(Outcome::ProblemsFound)
}
