//! The message model: creditor, debits, the builder that checks them together, and the valid
//! message that the writers accept.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::address::PostalAddress;
use crate::amount::Amount;
use crate::bic::Bic;
use crate::calendar;
use crate::codes::{CreationTime, LocalInstrument, PurposeCode, SequenceType};
use crate::country::is_non_eea_sepa;
use crate::creditor_id::CreditorId;
use crate::iban::Iban;
use crate::ids::{EndToEndId, MessageId, PaymentInformationId};
use crate::mandate::{Mandate, OriginalAccount};
use crate::rules::Rule;
use crate::text::{Name, RemittanceText};

macro_rules! finding {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        pub struct $name {
            /// Index of the debit in the input (0-based), `None` for message-level findings.
            pub debit: Option<usize>,
            /// End-to-end id of that debit as given, when known.
            pub end_to_end_id: Option<String>,
            /// Path of the field, e.g. `debits[3].debtor.iban` or `creditor.creditor_id`.
            pub field: String,
            /// Plain sentence for the person who fixes the input.
            pub message: String,
            /// Stable machine code of the rule, e.g. `iban_length`, `schemes_mixed`; the same
            /// for every occurrence, whatever the details in the sentence.
            pub code: &'static str,
            /// `message` in German (serialized as `message_de`).
            #[serde(rename = "message_de")]
            pub german: String,
        }

        impl $name {
            /// A finding made outside this crate (e.g. unreadable input), with its code and
            /// both sentences.
            pub fn new(
                debit: Option<usize>,
                end_to_end_id: Option<String>,
                field: impl Into<String>,
                code: &'static str,
                message: impl Into<String>,
                german: impl Into<String>,
            ) -> $name {
                $name {
                    debit,
                    end_to_end_id,
                    field: field.into(),
                    message: message.into(),
                    code,
                    german: german.into(),
                }
            }

            /// Like `Display`, in German: `field (end-to-end id): German sentence`.
            pub fn to_german_string(&self) -> String {
                match &self.end_to_end_id {
                    Some(e) => format!("{} ({}): {}", self.field, e, self.german),
                    None => format!("{}: {}", self.field, self.german),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if let Some(e) = &self.end_to_end_id {
                    write!(f, "{} ({}): {}", self.field, e, self.message)
                } else {
                    write!(f, "{}: {}", self.field, self.message)
                }
            }
        }
    };
}

finding!(
    /// Something that prevents the message from being written.
    Problem
);
finding!(
    /// Something the user should know, beside a valid message (e.g. a transliterated name).
    Warning
);

/// Collects problems and warnings with their place.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
    /// Warnings are only counted (in `unlisted_warnings`), not written out: the streamed
    /// listing is full, and wording a warning costs more than checking the debit.
    pub count_warnings_only: bool,
    pub unlisted_warnings: usize,
}

/// Where a finding belongs.
#[derive(Clone, Copy)]
pub(crate) struct Place<'a> {
    pub debit: Option<usize>,
    pub e2e: Option<&'a str>,
}

impl Place<'_> {
    fn path(&self, field: &str) -> String {
        match self.debit {
            Some(i) => format!("debits[{i}].{field}"),
            None => field.to_string(),
        }
    }
}

impl Findings {
    pub(crate) fn problem(&mut self, place: Place<'_>, field: &str, rule: Rule<'_>) {
        self.problem_said(place, field, rule.code(), rule.english(), rule.german());
    }

    /// A problem whose sentences come from an error type of the crate.
    pub(crate) fn problem_said(
        &mut self,
        place: Place<'_>,
        field: &str,
        code: &'static str,
        message: String,
        german: String,
    ) {
        self.problems.push(Problem {
            debit: place.debit,
            end_to_end_id: place.e2e.map(str::to_string),
            field: place.path(field),
            message,
            code,
            german,
        });
    }

    pub(crate) fn warning(&mut self, place: Place<'_>, field: &str, rule: Rule<'_>) {
        if self.count_warnings_only {
            self.unlisted_warnings += 1;
            return;
        }
        self.warning_said(place, field, rule.code(), rule.english(), rule.german());
    }

    pub(crate) fn warning_said(
        &mut self,
        place: Place<'_>,
        field: &str,
        code: &'static str,
        message: String,
        german: String,
    ) {
        self.warnings.push(Warning {
            debit: place.debit,
            end_to_end_id: place.e2e.map(str::to_string),
            field: place.path(field),
            message,
            code,
            german,
        });
    }
}

/// The creditor (Gläubiger): who collects, and into which account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditor {
    /// Name (70 characters).
    pub name: Name,
    /// Account the money goes to.
    pub iban: Iban,
    /// BIC of the creditor's bank; `NOTPROVIDED` is written when absent. Required when the
    /// IBAN is from a SEPA country outside the EEA.
    pub bic: Option<Bic>,
    /// Creditor identifier (Gläubiger-ID).
    pub creditor_id: CreditorId,
    /// Postal address (optional; not written in pain.008.001.02).
    pub address: Option<PostalAddress>,
}

/// The debtor (Zahlungspflichtiger) of one debit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    /// Name (70 characters).
    pub name: Name,
    /// Account to debit.
    pub iban: Iban,
    /// BIC of the debtor's bank; `NOTPROVIDED` is written when absent. Required when the
    /// debtor's or the creditor's IBAN is from a SEPA country outside the EEA.
    pub bic: Option<Bic>,
    /// Postal address; required when the debtor's bank is in a non-EEA SEPA country.
    pub address: Option<PostalAddress>,
}

/// One direct debit (Lastschrift).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debit {
    /// The creditor's reference of this collection; unique within the message.
    pub end_to_end_id: EndToEndId,
    /// Amount to collect.
    pub amount: Amount,
    /// Due date (`ReqdColltnDt`).
    pub collection_date: NaiveDate,
    /// FRST, RCUR, FNAL or OOFF.
    pub sequence: SequenceType,
    /// The mandate, including the scheme (CORE/B2B) and any amendment.
    pub mandate: Mandate,
    /// Who pays.
    pub debtor: Debtor,
    /// Remittance information (Verwendungszweck), 140 characters.
    pub remittance: Option<RemittanceText>,
    /// ISO purpose code.
    pub purpose: Option<PurposeCode>,
    /// Ultimate debtor, when the mandate names one.
    pub ultimate_debtor: Option<Name>,
    /// Ultimate creditor (written at transaction level).
    pub ultimate_creditor: Option<Name>,
}

/// Group-header data of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// Message id (unique per creditor for a long time); block ids are derived from it.
    pub message_id: MessageId,
    /// Creation time written to `CreDtTm`.
    pub created_at: CreationTime,
    /// Initiating party name; the creditor's name when `None`.
    pub initiating_party: Option<Name>,
    /// `BtchBookg`: `Some(true)` one booking per block, `Some(false)` one per debit, `None` not
    /// written (the bank's agreed default applies).
    pub batch_booking: Option<bool>,
}

/// Builds a [`ValidMessage`] from typed values, checking what involves several values (dates,
/// addresses and BICs outside the EEA, scheme mixing, duplicate end-to-end ids, amendments). Every problem is collected;
/// [`MessageBuilder::build`] returns them all at once.
///
/// ```
/// # use lastschrift_sepa::*;
/// # use chrono::NaiveDate;
/// let p = CharacterPolicy::German;
/// let creditor = Creditor {
///     name: Name::parse("Muster GmbH", p).unwrap().0,
///     iban: Iban::parse("DE89370400440532013000").unwrap(),
///     bic: None,
///     creditor_id: CreditorId::parse("DE98ZZZ09999999999").unwrap(),
///     address: None,
/// };
/// let created = CreationTime::parse("2026-11-28T10:00:00").unwrap();
/// let header = MessageHeader {
///     message_id: MessageId::parse("MSG-1").unwrap(),
///     created_at: created,
///     initiating_party: None,
///     batch_booking: Some(true),
/// };
/// let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
/// let mut builder = MessageBuilder::new(header, creditor, today);
/// builder.push(Debit {
///     end_to_end_id: EndToEndId::parse("RE-1001").unwrap(),
///     amount: Amount::parse("19.99").unwrap(),
///     collection_date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
///     sequence: SequenceType::Recurrent,
///     mandate: Mandate {
///         id: MandateId::parse("K-1001").unwrap(),
///         signed_on: NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
///         scheme: LocalInstrument::Core,
///         amendment: None,
///     },
///     debtor: Debtor {
///         name: Name::parse("Erika Mustermann", p).unwrap().0,
///         iban: Iban::parse("DE02120300000000202051").unwrap(),
///         bic: None,
///         address: None,
///     },
///     remittance: Some(RemittanceText::parse("Rechnung RE-1001", p).unwrap().0),
///     purpose: None,
///     ultimate_debtor: None,
///     ultimate_creditor: None,
/// });
/// let (message, warnings) = builder.build().unwrap();
/// assert!(warnings.is_empty());
/// let mut xml = Vec::new();
/// message.write(Format::default(), &mut xml).unwrap();
/// ```
#[derive(Debug)]
pub struct MessageBuilder {
    header: MessageHeader,
    creditor: Creditor,
    today: NaiveDate,
    instrument: Option<LocalInstrument>,
    debits: Vec<Debit>,
    // Input indices of debits that could not be built (raw input), so findings keep input indices.
    skipped: Vec<usize>,
    findings: Findings,
}

/// FNV-1a, enough to spread end-to-end ids for duplicate detection.
pub(crate) fn fnv1a(s: &[u8]) -> u64 {
    s.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn input_index(skipped: &[usize], pos: usize) -> usize {
    // `skipped` is sorted; `skipped[j] - j` (debits kept before the j-th skipped one) never
    // decreases, so the skipped indices at or before the answer are found by binary search.
    let (mut lo, mut hi) = (0, skipped.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if skipped[mid] - mid <= pos {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    pos + lo
}

impl Creditor {
    /// The creditor's own problems and warnings, as [`MessageBuilder::new`] reports them
    /// (field `creditor.…`): a bank in a SEPA country outside the EEA must be named by its BIC
    /// (IBAN-only is an EEA rule); a BIC of another country than the IBAN is a warning.
    pub fn check(&self) -> (Vec<Problem>, Vec<Warning>) {
        let mut findings = Findings::default();
        self.check_into(&mut findings);
        (findings.problems, findings.warnings)
    }

    pub(crate) fn check_into(&self, findings: &mut Findings) {
        let place = Place {
            debit: None,
            e2e: None,
        };
        match &self.bic {
            Some(bic) => {
                if let Some((english, german)) = bic.country_mismatch_both(&self.iban) {
                    findings.warning(
                        place,
                        "creditor.bic",
                        Rule::BicCountryMismatch { english, german },
                    );
                }
            }
            None => {
                let country = self.iban.country_code();
                if is_non_eea_sepa(country) {
                    findings.problem(place, "creditor.bic", Rule::CreditorBicRequired { country });
                }
            }
        }
    }
}

/// The first of `countries` that is a SEPA country outside the EEA.
fn outside_eea<'a>(countries: impl IntoIterator<Item = Option<&'a str>>) -> Option<&'a str> {
    countries.into_iter().flatten().find(|c| is_non_eea_sepa(c))
}

impl MessageBuilder {
    /// Starts a message. `today` is the caller's date (the library has no clock).
    pub fn new(header: MessageHeader, creditor: Creditor, today: NaiveDate) -> MessageBuilder {
        let mut findings = Findings::default();
        creditor.check_into(&mut findings);
        MessageBuilder {
            header,
            creditor,
            today,
            instrument: None,
            debits: Vec::new(),
            skipped: Vec::new(),
            findings,
        }
    }

    /// Adds problems and warnings found before the builder (e.g. while parsing raw input).
    pub(crate) fn absorb(&mut self, findings: Findings) {
        self.findings.problems.extend(findings.problems);
        self.findings.warnings.extend(findings.warnings);
    }

    /// Number of debits pushed so far.
    pub fn len(&self) -> usize {
        self.debits.len()
    }

    /// True when no debit was pushed.
    pub fn is_empty(&self) -> bool {
        self.debits.is_empty()
    }

    /// Reserves room for `n` more debits (saves copying when the count is known).
    pub fn reserve(&mut self, n: usize) {
        self.debits.reserve(n);
    }

    /// Adds many debits; when the builder is still empty the vector is taken over without copying.
    pub fn push_all(&mut self, debits: Vec<Debit>) {
        if self.debits.is_empty() && self.skipped.is_empty() {
            self.adopt(debits, Vec::new());
        } else {
            self.reserve(debits.len());
            for d in debits {
                self.push(d);
            }
        }
    }

    /// Takes over `debits` (the builder must be empty); `skipped` lists the input indices of
    /// debits that could not be built, so findings keep input indices.
    pub(crate) fn adopt(&mut self, debits: Vec<Debit>, skipped: Vec<usize>) {
        let mut next_skip = 0;
        let mut input = 0;
        for d in &debits {
            while next_skip < skipped.len() && skipped[next_skip] == input {
                next_skip += 1;
                input += 1;
            }
            self.check(input, d);
            input += 1;
        }
        self.debits = debits;
        self.skipped = skipped;
    }

    /// Adds a debit and checks it against the creditor, today and the debits before it.
    pub fn push(&mut self, debit: Debit) {
        let index = self.debits.len() + self.skipped.len();
        self.check(index, &debit);
        self.debits.push(debit);
    }

    fn check(&mut self, index: usize, d: &Debit) {
        check_debit(
            &self.creditor,
            self.today,
            &mut self.instrument,
            &mut self.findings,
            index,
            d,
        );
    }

    /// Finishes the message: every problem of every debit at once, or the valid message with the
    /// warnings. Debits are grouped into blocks by collection date and sequence type (the scheme
    /// and the creditor account are the same for the whole message).
    pub fn build(self) -> Result<(ValidMessage, Vec<Warning>), Vec<Problem>> {
        let MessageBuilder {
            header,
            creditor,
            instrument,
            debits,
            skipped,
            mut findings,
            ..
        } = self;
        let none = Place {
            debit: None,
            e2e: None,
        };
        if debits.is_empty() && skipped.is_empty() {
            findings.problem(none, "debits", Rule::NoDebits);
        }
        // Duplicate end-to-end ids: sort (hash, index) pairs, a small contiguous array, instead
        // of jumping through the debits; equal hashes are then compared for real.
        // One pass over the debits (they are large; reading them three times costs more than
        // the work): hash for duplicates, block key, total.
        let mut by_hash: Vec<(u64, u32)> = Vec::with_capacity(debits.len());
        let mut keyed: Vec<u64> = Vec::with_capacity(debits.len());
        let mut total: u128 = 0;
        for (i, d) in debits.iter().enumerate() {
            by_hash.push((fnv1a(d.end_to_end_id.as_bytes()), i as u32));
            let day = d.collection_date.num_days_from_ce().max(0) as u64;
            keyed.push((day << 35) | ((d.sequence as u64) << 32) | i as u64);
            total += u128::from(d.amount.cents());
        }
        by_hash.sort_unstable();
        let mut run_start = 0;
        while run_start < by_hash.len() {
            let mut run_end = run_start + 1;
            while run_end < by_hash.len() && by_hash[run_end].0 == by_hash[run_start].0 {
                run_end += 1;
            }
            if run_end - run_start > 1 {
                // Same hash: order by the id itself (then input order) and report every repeat
                // against the first debit with that id; linear in the run, however long.
                let run = &mut by_hash[run_start..run_end];
                run.sort_unstable_by(|x, y| {
                    debits[x.1 as usize]
                        .end_to_end_id
                        .cmp(&debits[y.1 as usize].end_to_end_id)
                        .then(x.1.cmp(&y.1))
                });
                let mut first = run[0].1 as usize;
                for &(_, i) in &run[1..] {
                    let i = i as usize;
                    if debits[i].end_to_end_id != debits[first].end_to_end_id {
                        first = i;
                        continue;
                    }
                    let e2e = debits[i].end_to_end_id.as_str();
                    findings.problem(
                        Place {
                            debit: Some(input_index(&skipped, i)),
                            e2e: Some(e2e),
                        },
                        "end_to_end_id",
                        Rule::EndToEndIdDuplicate {
                            id: e2e,
                            first: input_index(&skipped, first),
                        },
                    );
                }
            }
            run_start = run_end;
        }
        drop(by_hash);
        if total >= 10u128.pow(18) {
            findings.problem(none, "debits", Rule::TotalTooLarge);
        }
        if !findings.problems.is_empty() {
            findings
                .problems
                .sort_by_key(|p| p.debit.map_or(0, |d| d + 1));
            return Err(findings.problems);
        }
        findings
            .warnings
            .sort_by_key(|w| w.debit.map_or(0, |d| d + 1));
        // Blocks: order by (date, sequence type), input order inside a block. Sorting packed
        // keys keeps the sort inside one small array.
        keyed.sort_unstable();
        let order: Vec<u32> = keyed.iter().map(|k| (*k & 0xFFFF_FFFF) as u32).collect();
        drop(keyed);
        let mut blocks: Vec<Block> = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            let d = &debits[i as usize];
            match blocks.last_mut() {
                Some(b) if b.collection_date == d.collection_date && b.sequence == d.sequence => {
                    b.count += 1;
                    b.sum_cents += u128::from(d.amount.cents());
                }
                _ => blocks.push(Block {
                    id: PaymentInformationId::for_block(&header.message_id, blocks.len() + 1),
                    collection_date: d.collection_date,
                    sequence: d.sequence,
                    count: 1,
                    sum_cents: u128::from(d.amount.cents()),
                    start: pos,
                }),
            }
        }
        let message = ValidMessage {
            header,
            creditor,
            instrument: instrument.unwrap_or_default(),
            debits,
            order,
            blocks,
            total_cents: total,
        };
        Ok((message, findings.warnings))
    }
}

/// The checks of one debit against the creditor, today and the scheme of the first debit
/// (`instrument`, set by the first one).
pub(crate) fn check_debit(
    creditor: &Creditor,
    today: NaiveDate,
    instrument: &mut Option<LocalInstrument>,
    f: &mut Findings,
    index: usize,
    d: &Debit,
) {
    let place = Place {
        debit: Some(index),
        e2e: Some(d.end_to_end_id.as_str()),
    };
    if d.collection_date <= today {
        f.problem(
            place,
            "collection_date",
            Rule::CollectionDateNotAfterToday {
                date: d.collection_date,
                today,
            },
        );
    } else if let Some(day) = calendar::closing_day(d.collection_date) {
        f.warning(
            place,
            "collection_date",
            Rule::CollectionOnClosingDay {
                date: d.collection_date,
                day,
            },
        );
    }
    if d.mandate.signed_on > today {
        f.problem(
            place,
            "mandate.signed_on",
            Rule::MandateSignedInFuture {
                signed: d.mandate.signed_on,
            },
        );
    } else if d.mandate.signed_on > d.collection_date {
        f.problem(
            place,
            "mandate.signed_on",
            Rule::MandateSignedAfterCollection {
                signed: d.mandate.signed_on,
                collection: d.collection_date,
            },
        );
    }
    match *instrument {
        None => *instrument = Some(d.mandate.scheme),
        Some(first) if first != d.mandate.scheme => f.problem(
            place,
            "scheme",
            Rule::SchemesMixed {
                this: d.mandate.scheme,
                first,
            },
        ),
        Some(_) => {}
    }
    let debtor_country = d.debtor.iban.country_code();
    let creditor_country = creditor.iban.country_code();
    match &d.debtor.bic {
        Some(bic) => {
            if let Some((english, german)) = bic.country_mismatch_both(&d.debtor.iban) {
                f.warning(
                    place,
                    "debtor.bic",
                    Rule::BicCountryMismatch { english, german },
                );
            }
        }
        None => {
            // IBAN-only is an EEA rule (sepa-rules §12): once a bank outside it takes part,
            // the debtor bank must be named.
            if let Some(country) = outside_eea([Some(debtor_country), Some(creditor_country)]) {
                f.problem(place, "debtor.bic", Rule::DebtorBicRequired { country });
            }
        }
    }
    if d.debtor.address.is_none() {
        let bic_country = d.debtor.bic.as_ref().map(|b| b.country_code());
        let outside = outside_eea([Some(debtor_country), bic_country, Some(creditor_country)]);
        if let Some(country) = outside {
            f.problem(
                place,
                "debtor.address",
                Rule::DebtorAddressRequired { country },
            );
        }
    }
    if let Some(a) = &d.mandate.amendment {
        if a.is_empty() {
            f.problem(place, "mandate.amendment", Rule::AmendmentEmpty);
        }
        if a.original_mandate_id.as_ref() == Some(&d.mandate.id) {
            f.problem(
                place,
                "mandate.amendment.original_mandate_id",
                Rule::AmendmentSameMandateId,
            );
        }
        if a.original_creditor_id.as_ref() == Some(&creditor.creditor_id)
            && a.original_creditor_name.is_none()
        {
            f.problem(
                place,
                "mandate.amendment.original_creditor_id",
                Rule::AmendmentSameCreditorId,
            );
        }
        if let Some(OriginalAccount::SameBank(old)) = &a.original_account {
            if old == &d.debtor.iban {
                f.problem(
                    place,
                    "mandate.amendment.original_iban",
                    Rule::AmendmentSameIban,
                );
            } else if old.country_code() != d.debtor.iban.country_code() {
                f.problem(
                    place,
                    "mandate.amendment.original_iban",
                    Rule::AmendmentIbanOtherCountry,
                );
            } else if !old.same_bank(&d.debtor.iban) {
                f.warning(
                    place,
                    "mandate.amendment.original_iban",
                    Rule::AmendmentIbanOtherBank {
                        old: old.bank_identifier(),
                        new: d.debtor.iban.bank_identifier(),
                    },
                );
            }
        }
    }
}

/// One payment-information block (`PmtInf`): debits with the same collection date and sequence type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// `PmtInfId`, derived from the message id: `<message id>-<n>`.
    pub id: PaymentInformationId,
    /// `ReqdColltnDt`.
    pub collection_date: NaiveDate,
    /// `SeqTp`.
    pub sequence: SequenceType,
    /// `NbOfTxs` of the block.
    pub count: usize,
    /// `CtrlSum` of the block in cents.
    pub sum_cents: u128,
    pub(crate) start: usize,
}

/// A message that passed every check; only this type can be written.
#[derive(Debug, Clone)]
pub struct ValidMessage {
    header: MessageHeader,
    creditor: Creditor,
    instrument: LocalInstrument,
    debits: Vec<Debit>,
    order: Vec<u32>,
    blocks: Vec<Block>,
    total_cents: u128,
}

impl ValidMessage {
    /// Group-header data.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }
    /// The creditor.
    pub fn creditor(&self) -> &Creditor {
        &self.creditor
    }
    /// CORE or B2B (the same for every debit).
    pub fn instrument(&self) -> LocalInstrument {
        self.instrument
    }
    /// The debits in input order.
    pub fn debits(&self) -> &[Debit] {
        &self.debits
    }
    /// The payment-information blocks in file order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }
    /// The debits of `block` in file order.
    pub fn block_debits<'a>(&'a self, block: &Block) -> impl Iterator<Item = &'a Debit> + 'a {
        self.order[block.start..block.start + block.count]
            .iter()
            .map(|&i| &self.debits[i as usize])
    }
    /// `NbOfTxs` of the file.
    pub fn number_of_transactions(&self) -> usize {
        self.debits.len()
    }
    /// `CtrlSum` of the file in cents.
    pub fn control_sum_cents(&self) -> u128 {
        self.total_cents
    }
    /// `CtrlSum` of the file as written (`1234.50`).
    pub fn control_sum(&self) -> String {
        let mut s = String::new();
        let _ = crate::amount::write_cents(&mut s, self.total_cents);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::input_index;

    #[test]
    fn input_index_skips_failed_debits() {
        // Input 0..8, debits 1, 2 and 5 could not be built: kept positions map to 0, 3, 4, 6, 7.
        let skipped = [1, 2, 5];
        let mapped: Vec<usize> = (0..5).map(|p| input_index(&skipped, p)).collect();
        assert_eq!(mapped, [0, 3, 4, 6, 7]);
        assert_eq!(input_index(&[], 4), 4);
        assert_eq!(input_index(&[0, 1, 2], 0), 3);
    }
}
