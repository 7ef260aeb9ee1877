//! `lastschrift pain008` on input of any size: the input is read on one thread while each debit
//! is checked and written (or spilled to a temporary file per payment-information block) on the
//! other, so memory stays flat however many debits there are. The file has the same bytes and the
//! problems are the same as the in-memory path's (`pain008::run_in_memory`), which still handles
//! the JSON this reader leaves to it.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;
use std::sync::mpsc;

use anyhow::Context;
use chrono::Local;
use sepa::{
    CharacterPolicy, CreationTime, Listed, LocalInstrument, MessageStream, ParsedDebit, Problem,
    RawCreditor, RawDebit, RawMessageHeader, StreamedMessage, ValidationOptions, Warning,
};

use super::pain008::{
    InputError, InputFormat, Pain008Args, WrittenFile, ZeroNanos, input_problem, read_creditor,
    report_listed,
};
use super::{Outcome, SetupError};
use lastschrift_core::debit_csv;

const BATCH: usize = 1024;

enum Event {
    Creditor(Box<RawCreditor>),
    /// Parsed debits, each with whether it goes to the B2B stream.
    Debits(Vec<(bool, ParsedDebit)>),
}

/// What the reader thread does to each debit before it is sent: the defaults, the stream it goes
/// to and the parsing of its fields, so the other thread only checks across debits and writes.
struct Prepare {
    is_csv: bool,
    split_schemes: bool,
    policy: CharacterPolicy,
    default_sequence: String,
    default_scheme: String,
    row: usize,
    // Per stream (CORE, B2B): debits so far, warnings listed so far.
    pushed: [usize; 2],
    listed: [usize; 2],
}

impl Prepare {
    fn new(args: &Pain008Args, is_csv: bool) -> Prepare {
        Prepare {
            is_csv,
            split_schemes: args.split_schemes,
            policy: args.charset,
            default_sequence: args.default_sequence.clone(),
            default_scheme: args.default_scheme.clone(),
            row: 0,
            pushed: [0; 2],
            listed: [0; 2],
        }
    }

    fn prepare(&mut self, mut d: RawDebit) -> (bool, ParsedDebit) {
        if self.is_csv && d.end_to_end_id.trim().is_empty() {
            // Spreadsheets rarely carry one; the row number keeps it unique.
            d.end_to_end_id = format!("ROW-{:06}", self.row + 1);
        }
        self.row += 1;
        if d.sequence.trim().is_empty() {
            d.sequence.clone_from(&self.default_sequence);
        }
        if d.scheme.as_deref().is_none_or(|s| s.trim().is_empty()) {
            d.scheme = Some(self.default_scheme.clone());
        }
        let is_b2b = self.split_schemes
            && d.scheme
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("B2B"));
        let k = usize::from(is_b2b);
        // Only this debit's own warnings are known here, so the count stays below the
        // stream's: nothing that would be listed is left unworded.
        let list = self.listed[k] < sepa::LISTING_LIMIT;
        let parsed = ParsedDebit::new(self.policy, self.pushed[k], d, list);
        self.pushed[k] += 1;
        self.listed[k] += parsed.listed_warnings();
        (is_b2b, parsed)
    }
}

/// `None`: the input is left to the in-memory path.
pub fn run(args: &Pain008Args) -> anyhow::Result<Option<Outcome>> {
    if args.input == Path::new("-") {
        // Standard input can be read only once, and the in-memory path may need to read it.
        return Ok(None);
    }
    let now = Local::now().naive_local();
    let today = args.today.unwrap_or(now.date());
    let is_csv = match args.input_format {
        InputFormat::Csv => true,
        InputFormat::Json => false,
        InputFormat::Auto => args
            .input
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
    };
    let input = match open_input(&args.input) {
        Ok(f) => f,
        Err(InputError::Setup(e)) => return Err(e),
        Err(InputError::Problems(p)) => return report_listed(args, &p, p.len()).map(Some),
    };
    let csv_creditor = if is_csv {
        match &args.creditor {
            Some(path) => match read_creditor(path) {
                Ok(c) => Some(c),
                Err(InputError::Setup(e)) => return Err(e),
                Err(InputError::Problems(p)) => {
                    return report_listed(args, &p, p.len()).map(Some);
                }
            },
            None => Some(RawCreditor::default()),
        }
    } else {
        None
    };

    let (tx, rx) = mpsc::sync_channel::<Event>(8);
    let mut prepare = Prepare::new(args, is_csv);
    let reader = std::thread::spawn(move || -> ReadResult {
        if let Some(c) = csv_creditor {
            if tx.send(Event::Creditor(Box::new(c))).is_err() {
                return ReadResult::Json(Err(()));
            }
            return ReadResult::Csv(read_csv(input, &tx, &mut prepare));
        }
        ReadResult::Json(read_json(input, &tx, &mut prepare))
    });

    let options = ValidationOptions {
        policy: args.charset,
        created_at: Some(CreationTime::Local(now.with_nanosecond_zeroed())),
    };
    let mut streams: Option<Streams> = None;
    let mut row_problems: Listed<Problem> = Listed::default();
    for event in rx {
        match event {
            Event::Creditor(c) => {
                let mut c = *c;
                apply_creditor_overrides(args, &mut c);
                streams = Some(Streams::new(args, c, &options, today)?);
            }
            Event::Debits(batch) => {
                let Some(s) = streams.as_mut() else { continue };
                for (is_b2b, d) in batch {
                    match &mut s.b2b {
                        Some(b2b) if is_b2b => b2b.push_parsed(d),
                        _ => s.core.push_parsed(d),
                    }
                }
            }
        }
    }
    let header = match reader.join() {
        Ok(ReadResult::Json(Ok(h))) => h,
        Ok(ReadResult::Json(Err(()))) => return Ok(None),
        Ok(ReadResult::Csv(Ok(rows))) => {
            row_problems = rows;
            RawMessageHeader::default()
        }
        Ok(ReadResult::Csv(Err(p))) => return report_listed(args, &p, p.len()).map(Some),
        Err(_) => anyhow::bail!("the input reader stopped unexpectedly"),
    };
    if !row_problems.is_empty() {
        return report_listed(args, &row_problems.items, row_problems.total).map(Some);
    }
    let Some(streams) = streams else {
        return Ok(None);
    };
    finish(args, streams, header).map(Some)
}

enum ReadResult {
    Json(Result<RawMessageHeader, ()>),
    /// Rows that could not be read, or the problem with the file as a whole.
    Csv(Result<Listed<Problem>, Vec<Problem>>),
}

fn open_input(path: &Path) -> Result<File, InputError> {
    File::open(path).map_err(|e| {
        InputError::Setup(
            SetupError::new(format!(
                "cannot read the input file {}: {e}; check the path given with --input",
                path.display()
            ))
            .into(),
        )
    })
}

fn read_json(
    input: File,
    tx: &mpsc::SyncSender<Event>,
    prepare: &mut Prepare,
) -> Result<RawMessageHeader, ()> {
    let mut batch = Vec::with_capacity(BATCH);
    let header = super::pain008_json::read(
        input,
        |c| tx.send(Event::Creditor(Box::new(c))).is_ok(),
        |d| {
            batch.push(prepare.prepare(d));
            if batch.len() < BATCH {
                return true;
            }
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            tx.send(Event::Debits(full)).is_ok()
        },
    )?;
    tx.send(Event::Debits(batch)).map_err(|_| ())?;
    Ok(header)
}

fn read_csv(
    input: File,
    tx: &mpsc::SyncSender<Event>,
    prepare: &mut Prepare,
) -> Result<Listed<Problem>, Vec<Problem>> {
    let mut problems: Listed<Problem> = Listed::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut index = 0usize;
    let mut stopped = false;
    // Each row is filled into the debit directly, without a JSON value in between.
    let read = debit_csv::read_raw_debits_from(BufReader::with_capacity(1 << 20, input), |row| {
        match row {
            Ok(debit) => batch.push(prepare.prepare(debit)),
            Err(e) => problems.push(Problem::new(
                Some(index),
                None,
                format!("debits[{index}]"),
                "row_unreadable",
                format!("row {} cannot be read: {e}", index + 2),
                format!("Zeile {} lässt sich nicht lesen ({e}).", index + 2),
            )),
        }
        index += 1;
        if batch.len() == BATCH && !stopped {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            stopped = tx.send(Event::Debits(full)).is_err();
        }
    });
    if let Err(e) = read {
        let InputError::Problems(p) = input_problem(
            format!("the CSV input cannot be read: {e}"),
            format!("Die CSV-Eingabe lässt sich nicht lesen: {}", e.german()),
        ) else {
            return Err(Vec::new());
        };
        return Err(p);
    }
    let _ = tx.send(Event::Debits(batch));
    Ok(problems)
}

fn apply_creditor_overrides(args: &Pain008Args, c: &mut RawCreditor) {
    let set = |target: &mut String, value: &Option<String>| {
        if let Some(v) = value {
            target.clone_from(v);
        }
    };
    set(&mut c.name, &args.creditor_name);
    set(&mut c.iban, &args.creditor_iban);
    set(&mut c.creditor_id, &args.creditor_id);
    if args.creditor_bic.is_some() {
        c.bic.clone_from(&args.creditor_bic);
    }
}

/// One stream, or with `--split-schemes` one per scheme (CORE first, as `split_by_scheme`).
struct Streams {
    core: MessageStream<File>,
    b2b: Option<MessageStream<File>>,
}

impl Streams {
    fn new(
        args: &Pain008Args,
        creditor: RawCreditor,
        options: &ValidationOptions,
        today: chrono::NaiveDate,
    ) -> anyhow::Result<Streams> {
        let spill = || tempfile::tempfile().context("could not create a temporary file");
        let b2b = if args.split_schemes {
            Some(MessageStream::new(
                creditor.clone(),
                options,
                today,
                args.format,
                spill()?,
            ))
        } else {
            None
        };
        Ok(Streams {
            core: MessageStream::new(creditor, options, today, args.format, spill()?),
            b2b,
        })
    }
}

fn with_suffix(message_id: &Option<String>, suffix: &str) -> Option<String> {
    message_id.as_ref().map(|m| {
        let m = m.trim();
        let keep = m.len().min(35 - suffix.len());
        let mut cut = keep;
        while !m.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}{suffix}", &m[..cut])
    })
}

fn finish(
    args: &Pain008Args,
    streams: Streams,
    mut header: RawMessageHeader,
) -> anyhow::Result<Outcome> {
    if args.message_id.is_some() {
        header.message_id.clone_from(&args.message_id);
    }
    if args.created_at.is_some() {
        header.created_at.clone_from(&args.created_at);
    }
    if args.batch_booking.is_some() {
        header.batch_booking = args.batch_booking;
    }
    let parts: Vec<(MessageStream<File>, RawMessageHeader)> = match streams.b2b {
        Some(b2b) if !b2b.is_empty() && !streams.core.is_empty() => {
            let core_header = RawMessageHeader {
                message_id: with_suffix(&header.message_id, "-CORE"),
                ..header.clone()
            };
            let b2b_header = RawMessageHeader {
                message_id: with_suffix(&header.message_id, "-B2B"),
                ..header
            };
            vec![(streams.core, core_header), (b2b, b2b_header)]
        }
        Some(b2b) if !b2b.is_empty() => vec![(b2b, header)],
        _ => vec![(streams.core, header)],
    };
    let mut messages: Vec<StreamedMessage<File>> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut total_problems = 0usize;
    let mut warnings: Vec<Warning> = Vec::new();
    let mut total_warnings = 0usize;
    for (stream, header) in parts {
        match stream
            .finish(header)
            .context("could not use the temporary file")?
        {
            Ok((message, w)) => {
                let f = message.check_format();
                total_problems += f.total;
                problems.extend(f.items.iter().cloned());
                total_warnings += w.total;
                warnings.extend(w.items);
                messages.push(message);
            }
            Err(p) => {
                total_problems += p.total;
                problems.extend(p.items);
            }
        }
    }
    {
        // Up to 10 000 lines: one write per line (eprintln) took longer than checking 100 000
        // debits.
        let mut err = std::io::BufWriter::new(std::io::stderr().lock());
        for w in &warnings {
            let _ = writeln!(err, "warning: {w}");
        }
        if total_warnings > warnings.len() {
            let _ = writeln!(
                err,
                "warning: … and {} more warnings (the first {} are listed)",
                total_warnings - warnings.len(),
                warnings.len()
            );
        }
    }
    if total_problems > 0 {
        return report_listed(args, &problems, total_problems);
    }

    let instruments: Vec<LocalInstrument> = messages.iter().map(|m| m.instrument()).collect();
    let targets = super::pain008::output_paths(args.output.as_deref(), &instruments)?;
    let mut files = Vec::new();
    for (message, target) in messages.iter_mut().zip(targets) {
        match &target {
            Some(path) => lastschrift_core::files::write_atomically::<anyhow::Error>(path, |out| {
                Ok(message.write(out)?)
            })
            .with_context(|| format!("could not write {}", path.display()))?,
            None => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                message.write(&mut lock)?;
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
    super::pain008::report_written(args, files, &warnings)
}
