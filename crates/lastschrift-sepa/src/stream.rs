//! A message of any size, debit by debit: each raw debit is checked and its `DrctDbtTxInf` is
//! written at once into the buffer of its payment-information block, which spills into a store
//! the caller gives (a temporary file); the debit itself is dropped. Memory stays flat but for
//! 12 bytes per debit (hash and position of its end-to-end id, for the duplicate check).
//!
//! Same checks, same findings in the same order and the same bytes as [`validate`] followed by
//! [`ValidMessage::write`]; only the listing of problems and warnings is capped
//! ([`Listed::total`] counts all of them).
//!
//! [`validate`]: crate::validate
//! [`ValidMessage::write`]: crate::ValidMessage::write

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom, Write};

use chrono::NaiveDate;

use crate::codes::{LocalInstrument, SequenceType};
use crate::country::is_non_eea_sepa;
use crate::ids::PaymentInformationId;
use crate::model::{
    Block, Creditor, Findings, MessageHeader, Place, Problem, Warning, check_debit, fnv1a,
};
use crate::raw::{RawCreditor, RawDebit, RawHeader, ValidationOptions, parse_creditor, parse_one};
use crate::rules::Rule;
use crate::text::CharacterPolicy;
use crate::writer::{Format, Out, WriteError, creditor_problem_in_02, debit_problems_in_02};

/// How many problems and warnings are kept for the listing; the count goes on.
pub const LISTING_LIMIT: usize = 10_000;

/// Findings of a streamed message: the first [`LISTING_LIMIT`] in order, and how many in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    /// The first ones, in the order [`validate`](crate::validate) reports them.
    pub items: Vec<T>,
    /// How many there are, listed or not.
    pub total: usize,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed {
            items: Vec::new(),
            total: 0,
        }
    }
}

impl<T> Listed<T> {
    /// Adds one: listed while fewer than [`LISTING_LIMIT`] are, counted always.
    pub fn push(&mut self, item: T) {
        self.total += 1;
        if self.items.len() < LISTING_LIMIT {
            self.items.push(item);
        }
    }

    fn extend(&mut self, items: impl IntoIterator<Item = T>) {
        for i in items {
            self.push(i);
        }
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// The message-level fields beside the creditor and the debits, as plain strings; in JSON they
/// may come after the debits, so they are given at the end.
#[derive(Debug, Clone, Default)]
pub struct RawMessageHeader {
    /// See [`RawMessage::message_id`](crate::RawMessage::message_id).
    pub message_id: Option<String>,
    /// See [`RawMessage::created_at`](crate::RawMessage::created_at).
    pub created_at: Option<String>,
    /// See [`RawMessage::batch_booking`](crate::RawMessage::batch_booking).
    pub batch_booking: Option<bool>,
    /// See [`RawMessage::initiating_party`](crate::RawMessage::initiating_party).
    pub initiating_party: Option<String>,
}

// A block's buffer goes to the store when it reaches this size, and every buffer when together
// they hold more than `ALL_BUFFERS` (many blocks).
const BLOCK_BUFFER: usize = 256 * 1024;
const ALL_BUFFERS: usize = 16 * 1024 * 1024;
// End-to-end id records: input index (4 bytes), length (1), id (35).
const ID_RECORD: usize = 40;
const IDS_PER_SEGMENT: usize = 1638;

#[derive(Debug, Default)]
struct Spilled {
    bytes: Vec<u8>,
    segments: Vec<(u64, usize)>,
}

#[derive(Debug)]
struct BlockSpill {
    collection_date: NaiveDate,
    sequence: SequenceType,
    count: usize,
    sum_cents: u128,
    xml: Spilled,
}

#[derive(Debug)]
struct Store<S> {
    inner: S,
    end: u64,
    buffered: usize,
}

impl<S: Write + Seek> Store<S> {
    fn spill(&mut self, s: &mut Spilled) -> io::Result<()> {
        if s.bytes.is_empty() {
            return Ok(());
        }
        self.inner.write_all(&s.bytes)?;
        s.segments.push((self.end, s.bytes.len()));
        self.end += s.bytes.len() as u64;
        self.buffered -= s.bytes.len();
        s.bytes.clear();
        Ok(())
    }
}

/// Checks and writes a message debit by debit; see the module documentation.
#[derive(Debug)]
pub struct MessageStream<S> {
    policy: CharacterPolicy,
    options: ValidationOptions,
    today: NaiveDate,
    format: Format,
    creditor: Option<Creditor>,
    creditor_outside: bool,
    // Findings in the order `validate` gives them once sorted: see `finish`.
    creditor_parse: Findings,
    creditor_check: Findings,
    parse_problems: Listed<Problem>,
    cross_problems: Listed<Problem>,
    format_problems: Listed<Problem>,
    warnings: Listed<Warning>,
    instrument: Option<LocalInstrument>,
    first_scheme: Option<Option<String>>,
    next_index: usize,
    parsed: usize,
    ids: Vec<(u64, u32)>,
    id_records: Spilled,
    blocks: BTreeMap<(NaiveDate, u8), BlockSpill>,
    total_cents: u128,
    store: Store<S>,
    error: Option<io::Error>,
}

impl<S: Read + Write + Seek> MessageStream<S> {
    /// Starts a message for `creditor`, writing `format`; `store` takes what does not fit in
    /// memory (a temporary file; `io::Cursor<Vec<u8>>` in tests).
    pub fn new(
        creditor: RawCreditor,
        options: &ValidationOptions,
        today: NaiveDate,
        format: Format,
        store: S,
    ) -> MessageStream<S> {
        let policy = options.policy;
        let mut creditor_parse = Findings::default();
        let mut creditor_check = Findings::default();
        let creditor = parse_creditor(&mut creditor_parse, policy, creditor);
        let mut format_problems = Listed::default();
        if let Some(c) = &creditor {
            c.check_into(&mut creditor_check);
            if format == Format::Pain00800102 {
                format_problems.extend(creditor_problem_in_02(c));
            }
        }
        MessageStream {
            policy,
            options: options.clone(),
            today,
            format,
            creditor_outside: creditor
                .as_ref()
                .is_some_and(|c| is_non_eea_sepa(c.iban.country_code())),
            creditor,
            creditor_parse,
            creditor_check,
            parse_problems: Listed::default(),
            cross_problems: Listed::default(),
            format_problems,
            warnings: Listed::default(),
            instrument: None,
            first_scheme: None,
            next_index: 0,
            parsed: 0,
            ids: Vec::new(),
            id_records: Spilled::default(),
            blocks: BTreeMap::new(),
            total_cents: 0,
            store: Store {
                inner: store,
                end: 0,
                buffered: 0,
            },
            error: None,
        }
    }

    /// Number of debits pushed so far.
    pub fn len(&self) -> usize {
        self.next_index
    }

    /// True when no debit was pushed.
    pub fn is_empty(&self) -> bool {
        self.next_index == 0
    }

    /// Checks the next debit of the input and, when the message can still be written, writes it.
    pub fn push(&mut self, raw: RawDebit) {
        let list = self.warnings.items.len() < LISTING_LIMIT;
        let parsed = ParsedDebit::new(self.policy, self.next_index, raw, list);
        self.push_parsed(parsed);
    }

    /// As [`push`](Self::push), for a debit parsed beforehand (on another thread) with the
    /// index it has in this stream.
    pub fn push_parsed(&mut self, parsed: ParsedDebit) {
        let ParsedDebit {
            index,
            scheme,
            debit,
            findings: mut f,
        } = parsed;
        debug_assert_eq!(index, self.next_index, "debits are pushed in their order");
        self.next_index += 1;
        if self.first_scheme.is_none() {
            self.first_scheme = Some(scheme);
        }
        self.parse_problems.extend(f.problems.drain(..));
        self.warnings.extend(f.warnings.drain(..));
        self.warnings.total += std::mem::take(&mut f.unlisted_warnings);
        let (Some(d), Some(creditor)) = (debit, &self.creditor) else {
            return;
        };
        check_debit(
            creditor,
            self.today,
            &mut self.instrument,
            &mut f,
            index,
            &d,
        );
        self.cross_problems.extend(f.problems);
        self.warnings.extend(f.warnings);
        self.warnings.total += f.unlisted_warnings;
        if self.format == Format::Pain00800102 {
            let mut p = Vec::new();
            debit_problems_in_02(self.creditor_outside, index, &d, &mut p);
            self.format_problems.extend(p);
        }
        self.parsed += 1;
        let cents = u128::from(d.amount.cents());
        self.total_cents += cents;
        if !self.parse_problems.is_empty() || !self.cross_problems.is_empty() {
            // Nothing will be written; only the duplicate check still needs the id.
            self.record_id(index, d.end_to_end_id.as_bytes());
            return;
        }
        self.record_id(index, d.end_to_end_id.as_bytes());
        let key = (d.collection_date, d.sequence as u8);
        let block = self.blocks.entry(key).or_insert_with(|| BlockSpill {
            collection_date: d.collection_date,
            sequence: d.sequence,
            count: 0,
            sum_cents: 0,
            xml: Spilled::default(),
        });
        block.count += 1;
        block.sum_cents += cents;
        let before = block.xml.bytes.len();
        let mut o = Out {
            w: &mut block.xml.bytes,
        };
        // Writing into a Vec cannot fail.
        let _ = o.transaction(&d, self.format);
        self.store.buffered += block.xml.bytes.len() - before;
        if block.xml.bytes.len() >= BLOCK_BUFFER {
            let r = self.store.spill(&mut block.xml);
            self.note(r);
        }
        if self.store.buffered > ALL_BUFFERS {
            for b in self.blocks.values_mut() {
                let r = self.store.spill(&mut b.xml);
                if let Err(e) = r {
                    self.error.get_or_insert(e);
                }
            }
        }
    }

    fn note(&mut self, r: io::Result<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    fn record_id(&mut self, index: usize, id: &[u8]) {
        self.ids.push((fnv1a(id), self.ids.len() as u32));
        let r = &mut self.id_records.bytes;
        r.extend_from_slice(&(index as u32).to_le_bytes());
        r.push(id.len() as u8);
        r.extend_from_slice(id);
        r.resize(r.len() + 35 - id.len(), 0);
        self.store.buffered += ID_RECORD;
        if r.len() == ID_RECORD * IDS_PER_SEGMENT {
            let r = self.store.spill(&mut self.id_records);
            self.note(r);
        }
    }

    /// Record `k` of the end-to-end ids: input index and id.
    fn read_id(&mut self, k: usize) -> io::Result<(usize, Vec<u8>)> {
        let seg = k / IDS_PER_SEGMENT;
        let at = (k % IDS_PER_SEGMENT) * ID_RECORD;
        let mut rec = [0u8; ID_RECORD];
        match self.id_records.segments.get(seg) {
            Some(&(offset, _)) => {
                self.store.inner.seek(SeekFrom::Start(offset + at as u64))?;
                self.store.inner.read_exact(&mut rec)?;
                self.store.inner.seek(SeekFrom::Start(self.store.end))?;
            }
            None => rec.copy_from_slice(&self.id_records.bytes[at..at + ID_RECORD]),
        }
        let index = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize;
        Ok((index, rec[5..5 + rec[4] as usize].to_vec()))
    }

    /// Every repeated end-to-end id as (input index, id, input index of the first).
    fn duplicates(&mut self) -> io::Result<Vec<(usize, String, usize)>> {
        let mut ids = std::mem::take(&mut self.ids);
        ids.sort_unstable();
        let mut found = Vec::new();
        let mut start = 0;
        while start < ids.len() {
            let mut end = start + 1;
            while end < ids.len() && ids[end].0 == ids[start].0 {
                end += 1;
            }
            if end - start > 1 {
                // Same hash: the ids themselves decide, as in `MessageBuilder::build`.
                let mut run = Vec::with_capacity(end - start);
                for &(_, k) in &ids[start..end] {
                    run.push(self.read_id(k as usize)?);
                }
                run.sort_by(|x, y| x.1.cmp(&y.1).then(x.0.cmp(&y.0)));
                let mut first = 0;
                for i in 1..run.len() {
                    if run[i].1 != run[first].1 {
                        first = i;
                        continue;
                    }
                    let id = String::from_utf8_lossy(&run[i].1).into_owned();
                    found.push((run[i].0, id, run[first].0));
                }
            }
            start = end;
        }
        found.sort_unstable_by_key(|d| d.0);
        Ok(found)
    }

    /// Finishes the message: every problem (the first [`LISTING_LIMIT`] listed), or the message
    /// ready to be written with its warnings.
    #[allow(clippy::type_complexity)] // the two findings lists are the point
    pub fn finish(
        mut self,
        header: RawMessageHeader,
    ) -> io::Result<Result<(StreamedMessage<S>, Listed<Warning>), Listed<Problem>>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut header_findings = Findings::default();
        let first_scheme = self.first_scheme.clone().flatten();
        let header = crate::raw::parse_header(
            &mut header_findings,
            self.policy,
            &self.options,
            RawHeader {
                message_id: header.message_id,
                created_at: header.created_at,
                batch_booking: header.batch_booking,
                initiating_party: header.initiating_party,
            },
            first_scheme.as_deref(),
        );
        let (header, creditor) = match (header, self.creditor.take()) {
            (Some(h), Some(c)) => (h, c),
            _ => {
                // As `validate` without a builder: parse problems only, in input order.
                let mut problems = Listed::default();
                problems.extend(header_findings.problems);
                problems.extend(std::mem::take(&mut self.creditor_parse.problems));
                let debits = std::mem::take(&mut self.parse_problems);
                let unlisted = debits.total - debits.items.len();
                problems.extend(debits.items);
                problems.total += unlisted;
                return Ok(Err(problems));
            }
        };
        let none = Place {
            debit: None,
            e2e: None,
        };
        let mut top = std::mem::take(&mut self.creditor_check);
        if self.next_index == 0 {
            top.problem(none, "debits", Rule::NoDebits);
        }
        let duplicates = self.duplicates()?;
        if self.total_cents >= 10u128.pow(18) {
            top.problem(none, "debits", Rule::TotalTooLarge);
        }
        let total = top.problems.len()
            + self.parse_problems.total
            + self.cross_problems.total
            + duplicates.len();
        if total > 0 {
            let mut problems = Listed::default();
            problems.extend(top.problems);
            // Merge by debit; at one debit its parse problems, then the cross checks, then
            // the duplicate id (the order of `validate`'s stable sort).
            let mut parse = std::mem::take(&mut self.parse_problems.items)
                .into_iter()
                .peekable();
            let mut cross = std::mem::take(&mut self.cross_problems.items)
                .into_iter()
                .peekable();
            let mut dups = duplicates.into_iter().peekable();
            loop {
                let key = |p: Option<&Problem>| p.map_or(usize::MAX, |p| p.debit.unwrap_or(0));
                let (kp, kc) = (key(parse.peek()), key(cross.peek()));
                let kd = dups.peek().map_or(usize::MAX, |d| d.0);
                let least = kp.min(kc).min(kd);
                if least == usize::MAX || problems.items.len() >= LISTING_LIMIT {
                    break;
                }
                if kp == least {
                    problems.items.extend(parse.next());
                } else if kc == least {
                    problems.items.extend(cross.next());
                } else if let Some((i, id, first)) = dups.next() {
                    let mut f = Findings::default();
                    f.problem(
                        Place {
                            debit: Some(i),
                            e2e: Some(&id),
                        },
                        "end_to_end_id",
                        Rule::EndToEndIdDuplicate { id: &id, first },
                    );
                    problems.items.extend(f.problems);
                }
            }
            problems.items.truncate(LISTING_LIMIT);
            problems.total = total;
            return Ok(Err(problems));
        }
        let mut warnings = Listed::default();
        warnings.extend(top.warnings);
        warnings.extend(header_findings.warnings);
        warnings.extend(std::mem::take(&mut self.creditor_parse.warnings));
        let debit_warnings = std::mem::take(&mut self.warnings);
        let listed = debit_warnings.items.len();
        warnings.extend(debit_warnings.items);
        warnings.total += debit_warnings.total - listed;
        warnings.items.truncate(LISTING_LIMIT);

        let mut spilled = Vec::with_capacity(self.blocks.len());
        for (n, (_, b)) in std::mem::take(&mut self.blocks).into_iter().enumerate() {
            spilled.push((
                Block {
                    id: PaymentInformationId::for_block(&header.message_id, n + 1),
                    collection_date: b.collection_date,
                    sequence: b.sequence,
                    count: b.count,
                    sum_cents: b.sum_cents,
                    start: 0,
                },
                b.xml,
            ));
        }
        Ok(Ok((
            StreamedMessage {
                header,
                creditor,
                instrument: self.instrument.unwrap_or_default(),
                format: self.format,
                transactions: self.parsed,
                total_cents: self.total_cents,
                blocks: spilled,
                format_problems: self.format_problems,
                store: self.store.inner,
            },
            warnings,
        )))
    }
}

/// One debit checked on its own (every field), before the checks across debits: the part of
/// [`MessageStream::push`] that can run on another thread.
#[derive(Debug)]
pub struct ParsedDebit {
    index: usize,
    // Only the first debit's scheme is kept: it names a derived message id.
    scheme: Option<String>,
    debit: Option<crate::Debit>,
    findings: Findings,
}

impl ParsedDebit {
    /// Parses debit `index` (its place in the stream it goes to) under `policy`; with
    /// `list_warnings` false its warnings are only counted (the listing is full).
    pub fn new(
        policy: CharacterPolicy,
        index: usize,
        raw: RawDebit,
        list_warnings: bool,
    ) -> ParsedDebit {
        let scheme = if index == 0 { raw.scheme.clone() } else { None };
        let mut findings = Findings {
            count_warnings_only: !list_warnings,
            ..Findings::default()
        };
        let debit = parse_one(&mut findings, policy, index, raw);
        ParsedDebit {
            index,
            scheme,
            debit,
            findings,
        }
    }

    /// How many warnings are listed in it.
    pub fn listed_warnings(&self) -> usize {
        self.findings.warnings.len()
    }
}

/// A streamed message that passed every check, ready to be written.
#[derive(Debug)]
pub struct StreamedMessage<S> {
    header: MessageHeader,
    creditor: Creditor,
    instrument: LocalInstrument,
    format: Format,
    transactions: usize,
    total_cents: u128,
    blocks: Vec<(Block, Spilled)>,
    format_problems: Listed<Problem>,
    store: S,
}

impl<S: Read + Write + Seek> StreamedMessage<S> {
    /// Group-header data.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }
    /// CORE or B2B.
    pub fn instrument(&self) -> LocalInstrument {
        self.instrument
    }
    /// `NbOfTxs` of the file.
    pub fn number_of_transactions(&self) -> usize {
        self.transactions
    }
    /// `CtrlSum` of the file as written (`1234.50`).
    pub fn control_sum(&self) -> String {
        let mut s = String::new();
        let _ = crate::amount::write_cents(&mut s, self.total_cents);
        s
    }

    /// Reasons why the format chosen at the start cannot carry this message (as
    /// [`ValidMessage::check_format`](crate::ValidMessage::check_format)).
    pub fn check_format(&self) -> &Listed<Problem> {
        &self.format_problems
    }

    /// Writes the file: the same bytes as [`ValidMessage::write`](crate::ValidMessage::write)
    /// for the same input.
    pub fn write<W: Write>(&mut self, out: W) -> Result<(), WriteError> {
        if !self.format_problems.is_empty() {
            return Err(WriteError::Unsupported {
                format: self.format.name(),
                problems: self.format_problems.items.clone(),
            });
        }
        let mut o = Out {
            w: io::BufWriter::with_capacity(256 * 1024, out),
        };
        o.group_header(
            self.format,
            &self.header,
            &self.creditor,
            self.transactions,
            self.total_cents,
        )?;
        for (block, xml) in &self.blocks {
            o.block_header(
                self.format,
                &self.header,
                &self.creditor,
                self.instrument,
                block,
            )?;
            for &(offset, len) in &xml.segments {
                self.store.seek(SeekFrom::Start(offset))?;
                // `io::copy` from a file into a (buffered) file lets the kernel move the bytes
                // (copy_file_range) instead of reading them into this process and back out:
                // the blocks are most of the file.
                let copied = io::copy(&mut (&mut self.store).take(len as u64), &mut o.w)?;
                if copied != len as u64 {
                    return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
                }
            }
            o.w.write_all(&xml.bytes)?;
            o.close("PmtInf")?;
        }
        o.document_end()?;
        o.w.flush()?;
        Ok(())
    }
}
