//! What the bank says back: status reports (pain.002) and bookings (camt.054, camt.053) matched
//! to our debits and applied to the ledger.
//!
//! Parse ([`sepa::bank`]), then decide (this module: which debit, which effect, which follow-up
//! from the reason-code policy), then act (one atomic [`Store::record_bank_import`]). A file that
//! cannot be used at all — unreadable, another creditor's account, a report about a file that is
//! not ours — is refused with a sentence and nothing is stored; an entry that matches nothing is
//! recorded as unmatched and listed, and the rest of the file applies.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::collect::Explanation;
use crate::runs::reason_meaning;
use crate::settings::BankAnswerPolicy;
use lastschrift_store::{
    BankChange, BankEffect, BankEvent, BankImportOutcome, Debit, DebitStatus, FollowUp,
    NewBankImport, SequenceType, Store, StoreError,
};
use sepa::bank::{
    AccountReport, BankDocument, BankFileError, Entry, StatusReport, TransactionDetails,
};

/// What became of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankFileReport {
    pub file_name: String,
    /// `pain.002.001.03`, `camt.054.001.08`, … when the file could be read.
    pub format: Option<String>,
    #[serde(flatten)]
    pub outcome: BankFileOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BankFileOutcome {
    /// Recorded; the lines say what each entry did.
    Imported {
        import_id: i64,
        lines: Vec<BankLine>,
    },
    /// The same bytes were imported before: nothing changed.
    AlreadyImported {
        import_id: i64,
        imported_at: chrono::DateTime<chrono::Utc>,
    },
    /// Not used at all; nothing stored.
    Refused {
        code: &'static str,
        message: String,
        message_de: String,
    },
}

impl BankFileReport {
    /// How many entries had this effect.
    pub fn count(&self, effect: BankEffect) -> usize {
        match &self.outcome {
            BankFileOutcome::Imported { lines, .. } => {
                lines.iter().filter(|l| l.effect == effect).count()
            }
            _ => 0,
        }
    }
}

/// One entry of an imported file, as the user reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankLine {
    pub debit_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub effect: BankEffect,
    pub reason_code: Option<String>,
    /// The reason code's meaning.
    pub reason: Option<Explanation>,
    pub amount_cents: Option<i64>,
    pub fee_cents: i64,
    pub booked_on: Option<NaiveDate>,
    pub follow_up: Option<FollowUp>,
    /// What the file said (the entry, for an unmatched one).
    pub detail: String,
}

/// Why a whole file is refused.
#[derive(Debug, thiserror::Error)]
pub enum BankRefusal {
    #[error(transparent)]
    Unreadable(#[from] BankFileError),
    #[error(
        "the status report is about the message {0}, which is not one of our collection files (another creditor, another program, or a file not recorded here)"
    )]
    NotOurMessage(String),
    #[error(
        "the file is for the account {found}, not the creditor account {ours} of this installation"
    )]
    OtherAccount { found: String, ours: String },
    #[error(
        "the creditor data (creditor IBAN) is not set up yet; it is needed to check the account of a bank statement"
    )]
    NoCreditor,
}

impl BankRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            BankRefusal::Unreadable(e) => e.code(),
            BankRefusal::NotOurMessage(_) => "not_our_message",
            BankRefusal::OtherAccount { .. } => "other_account",
            BankRefusal::NoCreditor => "no_creditor",
        }
    }

    pub fn german(&self) -> String {
        match self {
            BankRefusal::Unreadable(e) => e.german(),
            BankRefusal::NotOurMessage(id) => format!(
                "Der Statusbericht betrifft die Nachricht {id}, die keine unserer Lastschriftdateien ist (anderer Gläubiger, anderes Programm oder hier nicht erfasste Datei)."
            ),
            BankRefusal::OtherAccount { found, ours } => format!(
                "Die Datei gilt für das Konto {found}, nicht für das Gläubigerkonto {ours} dieser Installation."
            ),
            BankRefusal::NoCreditor => "Die Gläubigerdaten (IBAN) sind noch nicht eingerichtet; sie werden gebraucht, um das Konto eines Kontoauszugs zu prüfen.".into(),
        }
    }
}

fn compact(iban: &str) -> String {
    iban.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The block order of the SEPA writer: by collection date, then FRST, RCUR, FNAL, OOFF.
fn sequence_rank(sequence: SequenceType) -> u8 {
    match sequence {
        SequenceType::Frst => 0,
        SequenceType::Rcur => 1,
        SequenceType::Fnal => 2,
        SequenceType::Ooff => 3,
    }
}

/// The `PmtInfId` of each debit of a file, as the writer numbered the blocks.
fn block_ids(message_id: &str, debits: &[Debit]) -> HashMap<String, Vec<Debit>> {
    let Ok(message) = sepa::MessageId::parse(message_id) else {
        return HashMap::new();
    };
    let mut keys: Vec<(NaiveDate, u8)> = debits
        .iter()
        .map(|d| (d.collection_date, sequence_rank(d.sequence_type)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut blocks: HashMap<String, Vec<Debit>> = HashMap::new();
    for d in debits {
        let key = (d.collection_date, sequence_rank(d.sequence_type));
        let n = keys.iter().position(|k| *k == key).unwrap_or(0) + 1;
        let id = sepa::PaymentInformationId::for_block(&message, n);
        blocks
            .entry(id.as_str().to_string())
            .or_default()
            .push(d.clone());
    }
    blocks
}

/// The debits of the block with this `PmtInfId` (`<message id>-<n>`), from the store.
async fn block_debits(
    store: &dyn Store,
    payment_information_id: &str,
) -> Result<Option<Vec<Debit>>, StoreError> {
    let Some((message_id, _)) = payment_information_id.rsplit_once('-') else {
        return Ok(None);
    };
    let Some((info, debits)) = store.file_by_message_id(message_id).await? else {
        return Ok(None);
    };
    Ok(block_ids(&info.message_id, &debits).remove(payment_information_id))
}

fn reason_text(code: Option<&str>) -> String {
    match code {
        Some(code) => match reason_meaning(code) {
            Some((_, en)) => format!("{code} ({en})"),
            None => code.to_string(),
        },
        None => "no reason code".into(),
    }
}

struct Decider<'a> {
    policy: &'a BankAnswerPolicy,
    changes: Vec<BankChange>,
    /// Debit id → invoice id, for the report.
    invoices: HashMap<i64, i64>,
}

impl Decider<'_> {
    fn answer(
        &mut self,
        debit: &Debit,
        effect: BankEffect,
        code: Option<String>,
        fee_cents: i64,
        booked_on: Option<NaiveDate>,
        detail: String,
    ) {
        let follow_up = matches!(effect, BankEffect::Rejected | BankEffect::Returned)
            .then(|| self.policy.follow_up(code.as_deref()));
        self.invoices.insert(debit.id, debit.invoice_id);
        self.changes.push(BankChange {
            debit_id: Some(debit.id),
            effect,
            blocked_iban: (follow_up == Some(FollowUp::BlockMandate)).then(|| debit.iban.clone()),
            reason_code: code,
            amount_cents: Some(debit.amount_cents),
            fee_cents,
            booked_on,
            detail,
            follow_up,
        });
    }

    fn unmatched(
        &mut self,
        amount_cents: Option<i64>,
        booked_on: Option<NaiveDate>,
        detail: String,
    ) {
        self.changes.push(BankChange {
            debit_id: None,
            effect: BankEffect::Unmatched,
            reason_code: None,
            amount_cents,
            fee_cents: 0,
            booked_on,
            detail,
            follow_up: None,
            blocked_iban: None,
        });
    }
}

async fn decide_status_report(
    store: &dyn Store,
    report: &StatusReport,
    decider: &mut Decider<'_>,
) -> Result<Result<(), BankRefusal>, StoreError> {
    let Some((info, debits)) = store
        .file_by_message_id(&report.original_message_id)
        .await?
    else {
        return Ok(Err(BankRefusal::NotOurMessage(
            report.original_message_id.clone(),
        )));
    };
    let on = report.created_at.map(|t| t.date());
    let blocks = block_ids(&info.message_id, &debits);
    let by_e2e: HashMap<&str, &Debit> = debits
        .iter()
        .map(|d| (d.end_to_end_id.as_str(), d))
        .collect();
    let first_code = |reasons: &[sepa::bank::StatusReason]| {
        reasons
            .iter()
            .find_map(|r| r.code.clone().or_else(|| r.proprietary.clone()))
    };
    let mut decided: std::collections::HashSet<i64> = std::collections::HashSet::new();
    // Transactions first: their own reason is more precise than the batch's or the file's.
    for batch in &report.batches {
        for tx in &batch.transactions {
            let Some(status) = &tx.status else { continue };
            let e2e = tx.end_to_end_id.as_deref().unwrap_or("");
            let Some(debit) = by_e2e.get(e2e) else {
                decider.unmatched(
                    tx.amount_cents,
                    on,
                    format!(
                        "status {} for end-to-end id {e2e}, which is not in {}",
                        status.0, info.message_id
                    ),
                );
                continue;
            };
            if status.is_rejected() {
                let code = first_code(&tx.reasons);
                decided.insert(debit.id);
                decider.answer(
                    debit,
                    BankEffect::Rejected,
                    code.clone(),
                    0,
                    on,
                    format!(
                        "{}: transaction {e2e} rejected, {}",
                        report.format.name(),
                        reason_text(code.as_deref())
                    ),
                );
            }
        }
    }
    for batch in &report.batches {
        let Some(status) = &batch.status else {
            continue;
        };
        if !status.is_rejected() {
            continue;
        }
        let Some(members) = blocks.get(&batch.payment_information_id) else {
            decider.unmatched(
                None,
                on,
                format!(
                    "batch {} rejected, but {} has no such batch",
                    batch.payment_information_id, info.message_id
                ),
            );
            continue;
        };
        let code = first_code(&batch.reasons);
        for debit in members {
            if decided.insert(debit.id) {
                decider.answer(
                    debit,
                    BankEffect::Rejected,
                    code.clone(),
                    0,
                    on,
                    format!(
                        "{}: batch {} rejected, {}",
                        report.format.name(),
                        batch.payment_information_id,
                        reason_text(code.as_deref())
                    ),
                );
            }
        }
    }
    if report
        .group_status
        .as_ref()
        .is_some_and(|s| s.is_rejected())
    {
        let code = first_code(&report.group_reasons);
        for debit in &debits {
            if decided.insert(debit.id) {
                decider.answer(
                    debit,
                    BankEffect::Rejected,
                    code.clone(),
                    0,
                    on,
                    format!(
                        "{}: the whole file {} rejected, {}",
                        report.format.name(),
                        info.message_id,
                        reason_text(code.as_deref())
                    ),
                );
            }
        }
    }
    Ok(Ok(()))
}

fn charges_of(charges: &[sepa::bank::Charge]) -> i64 {
    charges.iter().map(|c| c.amount_cents).sum()
}

fn entry_text(entry: &Entry) -> String {
    format!(
        "{} {},{:02} {}{}",
        if entry.credit { "credit" } else { "debit" },
        entry.amount_cents / 100,
        entry.amount_cents % 100,
        entry.currency,
        entry
            .entry_reference
            .as_deref()
            .map(|r| format!(", entry {r}"))
            .unwrap_or_default()
    )
}

/// A return's debit: by end-to-end id, else by mandate reference and amount among the debits
/// that can still be returned.
async fn returned_debit(
    store: &dyn Store,
    tx: &TransactionDetails,
    by_e2e: &HashMap<String, Debit>,
    fee_cents: i64,
) -> Result<Option<Debit>, StoreError> {
    if let Some(debit) = tx.end_to_end_id.as_deref().and_then(|e| by_e2e.get(e)) {
        return Ok(Some(debit.clone()));
    }
    let Some(mandate) = tx.mandate_id.as_deref() else {
        return Ok(None);
    };
    let amounts: Vec<i64> = [
        tx.original_amount_cents,
        tx.amount_cents,
        tx.amount_cents.map(|a| a - fee_cents),
    ]
    .into_iter()
    .flatten()
    .collect();
    let candidates: Vec<Debit> = store
        .debits_for_mandate(mandate)
        .await?
        .into_iter()
        .filter(|d| matches!(d.status, DebitStatus::Pending | DebitStatus::Collected))
        .filter(|d| amounts.contains(&d.amount_cents))
        .collect();
    // Two open debits of the same amount under one mandate: which one is a guess; leave it.
    Ok(match candidates.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

async fn decide_account_report(
    store: &dyn Store,
    report: &AccountReport,
    creditor_iban: Option<&str>,
    decider: &mut Decider<'_>,
) -> Result<Result<(), BankRefusal>, StoreError> {
    for statement in &report.statements {
        if let Some(found) = statement.account_iban.as_deref() {
            let Some(ours) = creditor_iban else {
                return Ok(Err(BankRefusal::NoCreditor));
            };
            if compact(found) != compact(ours) {
                return Ok(Err(BankRefusal::OtherAccount {
                    found: compact(found),
                    ours: compact(ours),
                }));
            }
        }
    }
    let e2e_ids: Vec<String> = report
        .statements
        .iter()
        .flat_map(|s| &s.entries)
        .flat_map(|e| &e.transactions)
        .filter_map(|t| t.end_to_end_id.clone())
        .collect();
    let by_e2e: HashMap<String, Debit> = store
        .debits_by_end_to_end_ids(&e2e_ids)
        .await?
        .into_iter()
        .map(|d| (d.end_to_end_id.clone(), d))
        .collect();
    let name = report.format.name();
    for statement in &report.statements {
        for entry in &statement.entries {
            if !entry.booked {
                continue;
            }
            let on = entry.booking_date.or(entry.value_date);
            let is_return = !entry.credit || entry.reversal;
            if is_return {
                let mut any = false;
                let single = entry.transactions.len() == 1;
                for tx in &entry.transactions {
                    let mut fee = charges_of(&tx.charges);
                    if fee == 0 && single {
                        fee = charges_of(&entry.charges);
                    }
                    match returned_debit(store, tx, &by_e2e, fee).await? {
                        Some(debit) => {
                            any = true;
                            let code = tx
                                .return_reason
                                .as_ref()
                                .and_then(|r| r.code.clone().or_else(|| r.proprietary.clone()));
                            if fee == 0
                                && let Some(amount) = tx.amount_cents
                                && amount > debit.amount_cents
                            {
                                // The booking includes the fee without listing it.
                                fee = amount - debit.amount_cents;
                            }
                            decider.answer(
                                &debit,
                                BankEffect::Returned,
                                code.clone(),
                                fee,
                                on,
                                format!(
                                    "{name}: return of {}, {}, fee {},{:02} €",
                                    debit.end_to_end_id,
                                    reason_text(code.as_deref()),
                                    fee / 100,
                                    fee % 100
                                ),
                            );
                        }
                        None if tx.return_reason.is_some() || tx.end_to_end_id.is_some() => {
                            any = true;
                            decider.unmatched(
                                tx.amount_cents.or(Some(entry.amount_cents)),
                                on,
                                format!(
                                    "{name}: {} — return of end-to-end id {} / mandate {} matches no debit of ours",
                                    entry_text(entry),
                                    tx.end_to_end_id.as_deref().unwrap_or("–"),
                                    tx.mandate_id.as_deref().unwrap_or("–")
                                ),
                            );
                        }
                        None => {}
                    }
                }
                if !any {
                    decider.unmatched(
                        Some(entry.amount_cents),
                        on,
                        format!(
                            "{name}: {} — no debit of ours named in it",
                            entry_text(entry)
                        ),
                    );
                }
                continue;
            }
            // A credit: the booking of a collection, per transaction or as one batch sum.
            let mut matched = false;
            for tx in &entry.transactions {
                if let Some(debit) = tx.end_to_end_id.as_deref().and_then(|e| by_e2e.get(e)) {
                    matched = true;
                    decider.answer(
                        debit,
                        BankEffect::Collected,
                        None,
                        0,
                        on,
                        format!("{name}: collection of {} booked", debit.end_to_end_id),
                    );
                }
            }
            if matched {
                continue;
            }
            let batch_id = entry
                .batch
                .as_ref()
                .and_then(|b| b.payment_information_id.clone())
                .or_else(|| {
                    entry
                        .transactions
                        .iter()
                        .find_map(|t| t.payment_information_id.clone())
                });
            let members = match &batch_id {
                Some(id) => block_debits(store, id).await?,
                None => None,
            };
            // The bank books the batch without what it rejected before settlement.
            let members = members.map(|m| {
                m.into_iter()
                    .filter(|d| !matches!(d.status, DebitStatus::Rejected | DebitStatus::Cancelled))
                    .collect::<Vec<_>>()
            });
            match members {
                Some(members) => {
                    let sum: i64 = members.iter().map(|d| d.amount_cents).sum();
                    let count_fits = entry
                        .batch
                        .as_ref()
                        .and_then(|b| b.number_of_transactions)
                        .is_none_or(|n| n == members.len() as u64);
                    if sum == entry.amount_cents && count_fits {
                        for debit in &members {
                            decider.answer(
                                debit,
                                BankEffect::Collected,
                                None,
                                0,
                                on,
                                format!(
                                    "{name}: batch {} booked as one sum",
                                    batch_id.as_deref().unwrap_or("")
                                ),
                            );
                        }
                    } else {
                        decider.unmatched(
                            Some(entry.amount_cents),
                            on,
                            format!(
                                "{name}: {} for batch {} — our batch has {} debits over {},{:02} €; not applied",
                                entry_text(entry),
                                batch_id.as_deref().unwrap_or(""),
                                members.len(),
                                sum / 100,
                                sum % 100
                            ),
                        );
                    }
                }
                None => decider.unmatched(
                    Some(entry.amount_cents),
                    on,
                    format!(
                        "{name}: {} — no debit or batch of ours named in it",
                        entry_text(entry)
                    ),
                ),
            }
        }
    }
    Ok(Ok(()))
}

/// Reads, matches and records one bank file.
pub async fn import_file(
    store: &dyn Store,
    policy: &BankAnswerPolicy,
    creditor_iban: Option<&str>,
    file_name: &str,
    bytes: Vec<u8>,
    imported_by: Option<&str>,
) -> Result<BankFileReport, StoreError> {
    let refused = |format: Option<String>, why: BankRefusal| BankFileReport {
        file_name: file_name.to_string(),
        format,
        outcome: BankFileOutcome::Refused {
            code: why.code(),
            message: why.to_string(),
            message_de: why.german(),
        },
    };
    let document = match sepa::bank::parse_bank_file(&bytes) {
        Ok(document) => document,
        Err(error) => return Ok(refused(None, error.into())),
    };
    let mut decider = Decider {
        policy,
        changes: Vec::new(),
        invoices: HashMap::new(),
    };
    let (format, message_id, decided) = match &document {
        BankDocument::StatusReport(report) => (
            report.format,
            report.message_id.clone(),
            decide_status_report(store, report, &mut decider).await?,
        ),
        BankDocument::AccountReport(report) => (
            report.format,
            report.message_id.clone(),
            decide_account_report(store, report, creditor_iban, &mut decider).await?,
        ),
    };
    let format_name = format.name().to_string();
    if let Err(why) = decided {
        return Ok(refused(Some(format_name), why));
    }
    let outcome = store
        .record_bank_import(&NewBankImport {
            file_name: file_name.to_string(),
            format: format_name.clone(),
            message_id,
            bytes,
            imported_by: imported_by.map(str::to_string),
            changes: decider.changes.clone(),
        })
        .await?;
    let outcome = match outcome {
        BankImportOutcome::AlreadyImported(import) => BankFileOutcome::AlreadyImported {
            import_id: import.id,
            imported_at: import.imported_at,
        },
        BankImportOutcome::Imported(import) => BankFileOutcome::Imported {
            import_id: import.id,
            lines: import
                .events
                .iter()
                .zip(&decider.changes)
                .map(|(event, change)| line(event, change, &decider.invoices))
                .collect(),
        },
    };
    Ok(BankFileReport {
        file_name: file_name.to_string(),
        format: Some(format_name),
        outcome,
    })
}

fn line(event: &BankEvent, change: &BankChange, invoices: &HashMap<i64, i64>) -> BankLine {
    BankLine {
        debit_id: event.debit_id,
        invoice_id: event.debit_id.and_then(|id| invoices.get(&id).copied()),
        effect: event.effect,
        reason: event
            .reason_code
            .as_deref()
            .and_then(reason_meaning)
            .map(|(de, en)| Explanation::new(en, de)),
        reason_code: event.reason_code.clone(),
        amount_cents: event.amount_cents,
        fee_cents: event.fee_cents,
        booked_on: event.booked_on,
        follow_up: if matches!(event.effect, BankEffect::Rejected | BankEffect::Returned) {
            change.follow_up
        } else {
            None
        },
        detail: event.detail.clone(),
    }
}

/// One rejected or returned debit on the worklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorklistItem {
    pub debit_id: i64,
    pub run_id: i64,
    pub invoice_id: i64,
    pub invoice_number: Option<String>,
    pub contact_id: i64,
    pub debtor: Option<String>,
    pub customer_number: Option<String>,
    pub mandate_reference: String,
    pub amount_cents: i64,
    /// The bank's fee, to pass on to the customer.
    pub fee_cents: i64,
    pub status: DebitStatus,
    pub status_on: Option<NaiveDate>,
    pub reason_code: Option<String>,
    pub reason: Option<Explanation>,
    pub follow_up: FollowUp,
    /// What happens next, in words.
    pub next: Explanation,
    /// How many of the invoice's debits the bank rejected or returned so far.
    pub attempts: usize,
    pub decided_by: Option<String>,
}

impl WorklistItem {
    /// Still needs somebody: everything but "done".
    pub fn open(&self) -> bool {
        self.follow_up != FollowUp::Done
    }
}

fn next_step(action: FollowUp, attempts: usize, policy: &BankAnswerPolicy) -> Explanation {
    let limit = policy.retry_limit as usize;
    match action {
        FollowUp::CollectAgain if attempts > limit => Explanation::new(
            format!(
                "not collected again: returned {attempts} times (limit {limit}); ask the customer to pay otherwise"
            ),
            format!(
                "Kein neuer Einzug: {attempts}-mal zurückgegeben (Grenze {limit}); bitte den Kunden um eine andere Zahlung bitten."
            ),
        ),
        FollowUp::CollectAgain => Explanation::new(
            format!(
                "collected again in the next run (attempt {} of {})",
                attempts + 1,
                limit + 1
            ),
            format!(
                "Wird im nächsten Lauf erneut eingezogen (Versuch {} von {}).",
                attempts + 1,
                limit + 1
            ),
        ),
        FollowUp::BlockMandate => Explanation::new(
            "the mandate is blocked until the debtor's IBAN changes in sevdesk (or lift the block here)",
            "Das Mandat ist gesperrt, bis sich die IBAN des Kunden in sevdesk ändert (oder die Sperre hier aufheben).",
        ),
        FollowUp::Review => Explanation::new(
            "the mandate is blocked and needs a look (no mandate or a refund): talk to the customer",
            "Das Mandat ist gesperrt und muss geprüft werden (kein Mandat oder Erstattung): bitte mit dem Kunden klären.",
        ),
        FollowUp::Done => Explanation::new(
            "done: not collected again",
            "Erledigt: wird nicht erneut eingezogen.",
        ),
    }
}

/// Every rejected or returned debit with its follow-up, newest first.
pub async fn worklist(
    store: &dyn Store,
    policy: &BankAnswerPolicy,
) -> Result<Vec<WorklistItem>, StoreError> {
    let follow_ups = store.debit_follow_ups().await?;
    let contacts: HashMap<i64, lastschrift_store::Contact> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut attempts: HashMap<i64, usize> = HashMap::new();
    for f in &follow_ups {
        *attempts.entry(f.debit.invoice_id).or_default() += 1;
    }
    let mut items = Vec::with_capacity(follow_ups.len());
    for f in follow_ups.iter().rev() {
        let d = &f.debit;
        let invoice = store.invoice(d.invoice_id).await?;
        let contact = contacts.get(&d.contact_id);
        let tries = attempts.get(&d.invoice_id).copied().unwrap_or(1);
        items.push(WorklistItem {
            debit_id: d.id,
            run_id: d.run_id,
            invoice_id: d.invoice_id,
            invoice_number: invoice.and_then(|i| i.number),
            contact_id: d.contact_id,
            debtor: contact.map(|c| c.display_name.clone()),
            customer_number: contact.and_then(|c| c.customer_number.clone()),
            mandate_reference: d.mandate_reference.clone(),
            amount_cents: d.amount_cents,
            fee_cents: d.fee_cents.unwrap_or(0),
            status: d.status,
            status_on: d.status_on,
            reason: f
                .reason_code
                .as_deref()
                .and_then(reason_meaning)
                .map(|(de, en)| Explanation::new(en, de)),
            reason_code: f.reason_code.clone(),
            follow_up: f.action,
            next: next_step(f.action, tries, policy),
            attempts: tries,
            decided_by: f.decided_by.clone(),
        });
    }
    Ok(items)
}

/// The worklist for the accountant: German headers, `;`, decimal comma, the fees to pass on.
pub fn worklist_csv(items: &[WorklistItem]) -> Vec<u8> {
    let euro = |cents: i64| format!("{},{:02}", cents / 100, (cents % 100).abs());
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = vec![
        [
            "Lastschrift-ID",
            "Rechnungsnummer",
            "Kunde",
            "Kundennummer",
            "Mandatsreferenz",
            "Betrag (EUR)",
            "Bankgebühr (EUR)",
            "Status",
            "Datum",
            "Grund (Code)",
            "Grund",
            "Versuche",
            "Nächster Schritt",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for i in items {
        rows.push(vec![
            i.debit_id.to_string(),
            i.invoice_number.clone().unwrap_or_default(),
            i.debtor.clone().unwrap_or_default(),
            i.customer_number.clone().unwrap_or_default(),
            i.mandate_reference.clone(),
            euro(i.amount_cents),
            euro(i.fee_cents),
            match i.status {
                DebitStatus::Rejected => "abgelehnt".into(),
                DebitStatus::Returned => "zurückgegeben".into(),
                other => other.to_string(),
            },
            i.status_on
                .map(|d| d.format("%d.%m.%Y").to_string())
                .unwrap_or_default(),
            i.reason_code.clone().unwrap_or_default(),
            i.reason
                .as_ref()
                .map(|r| r.german.clone())
                .unwrap_or_default(),
            i.attempts.to_string(),
            i.next.german.clone(),
        ]);
    }
    let total_fees: i64 = items.iter().map(|i| i.fee_cents).sum();
    rows.push(vec![
        "Summe Gebühren".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        euro(total_fees),
    ]);
    let width = rows[0].len();
    for mut row in rows {
        row.resize(width, String::new());
        for cell in &mut row {
            if let std::borrow::Cow::Owned(safe) = crate::csv_input::spreadsheet_cell(cell) {
                *cell = safe;
            }
        }
        // Writing into a Vec cannot fail.
        let _ = out.write_record(&row);
    }
    out.into_inner().unwrap_or_default()
}
