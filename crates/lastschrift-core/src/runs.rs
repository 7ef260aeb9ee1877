//! Recorded collection runs as the user sees them: the list, one run with its debits, the exact
//! file bytes and control list, and marking a debit as returned or cancelled.
//!
//! A use-case layer on top of the [`Store`] trait, shared by the CLI and the web UI. Writing runs
//! is `crate::collect`'s job; this module only reads them and moves debits along the ledger.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use lastschrift_store::{
    CollectionFile, CollectionRun, Debit, RunStatus, SevdeskId, Store, StoreError,
};

/// Newest first.
pub async fn list(store: &dyn Store) -> Result<Vec<CollectionRun>, StoreError> {
    store.collection_runs().await
}

/// A debit with what the user recognises it by: the invoice number and the debtor's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DebitLine {
    #[serde(flatten)]
    pub debit: Debit,
    /// sevdesk invoice number; `None` if the invoice is not in the synced copy.
    pub invoice_number: Option<String>,
    pub contact_name: Option<String>,
}

/// One run with its files (without bytes) and debits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: CollectionRun,
    pub debits: Vec<DebitLine>,
}

pub async fn show(store: &dyn Store, run_id: i64) -> Result<Option<RunDetail>, StoreError> {
    let Some(run) = store.collection_run(run_id).await? else {
        return Ok(None);
    };
    let debits = store.debits_for_run(run_id).await?;
    let names: HashMap<SevdeskId, String> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();
    let mut lines = Vec::with_capacity(debits.len());
    for debit in debits {
        let invoice_number = store
            .invoice(debit.invoice_id)
            .await?
            .and_then(|invoice| invoice.number);
        lines.push(DebitLine {
            invoice_number,
            contact_name: names.get(&debit.contact_id).cloned(),
            debit,
        });
    }
    Ok(Some(RunDetail { run, debits: lines }))
}

/// One file with its exact bytes, as recorded (and as sent to the bank).
pub async fn file_bytes(
    store: &dyn Store,
    file_id: i64,
) -> Result<Option<CollectionFile>, StoreError> {
    store.run_file(file_id).await
}

/// The control list (CSV) of a run; `None` if the run does not exist.
pub async fn control_list(store: &dyn Store, run_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    store.control_list(run_id).await
}

/// What the user reports about a debit after the file went to the bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DebitMark {
    /// Refused by the bank before settlement (status report pain.002), e.g. AC04: never
    /// presented, so it is no use of the mandate (a rejected first debit leaves it unused).
    Rejected,
    /// Came back (Rücklastschrift), e.g. with reason code AM04.
    Returned,
    /// Withdrawn before it was collected.
    Cancelled,
}

/// The last collection date whose debits count as collected on `today`: `business_days` TARGET2
/// business days have passed since it. `None` when the policy leaves it to the bank's answer.
pub fn settled_through(today: NaiveDate, business_days: u32) -> Option<NaiveDate> {
    if business_days == 0 {
        return None;
    }
    let mut date = today;
    while sepa::calendar::add_business_days(date, business_days) > today {
        date = date.pred_opt()?;
    }
    Some(date)
}

/// Pending debits whose settlement period passed without a reject become collected
/// (`policies.collected_after_business_days`); returns how many.
pub async fn settle_debits(
    store: &dyn Store,
    today: NaiveDate,
    business_days: u32,
) -> Result<u64, StoreError> {
    match settled_through(today, business_days) {
        Some(date) => store.mark_debits_collected_through(date).await,
        None => Ok(0),
    }
}

/// The outcome of [`mark_debit`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MarkedDebit {
    pub debit: Debit,
    pub invoice_number: Option<String>,
    /// The invoice has no pending or collected debit left, so a later run may collect it.
    pub invoice_free: bool,
    /// Set when this was the last live debit of its run and the run is now cancelled as a whole.
    pub run_cancelled: bool,
}

/// Marks a debit as returned or cancelled, which frees its invoice for a later run. Errors:
/// [`StoreError::NotFound`] for an unknown debit, [`StoreError::Conflict`] when the debit's
/// status does not allow it (a collected debit can be returned but not cancelled).
pub async fn mark_debit(
    store: &dyn Store,
    debit_id: i64,
    mark: DebitMark,
    reason: Option<&str>,
) -> Result<MarkedDebit, StoreError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let debit = match mark {
        DebitMark::Rejected => store.mark_debit_rejected(debit_id, reason).await?,
        DebitMark::Returned => store.mark_debit_returned(debit_id, reason).await?,
        DebitMark::Cancelled => store.mark_debit_cancelled(debit_id, reason).await?,
    };
    let invoice_free = !store
        .active_debit_invoice_ids()
        .await?
        .contains(&debit.invoice_id);
    // The store cancels the run with its last debit, in the same transaction.
    let run_cancelled = mark == DebitMark::Cancelled
        && store
            .collection_run(debit.run_id)
            .await?
            .is_some_and(|run| run.status == RunStatus::Cancelled);
    let invoice_number = store
        .invoice(debit.invoice_id)
        .await?
        .and_then(|invoice| invoice.number);
    Ok(MarkedDebit {
        debit,
        invoice_number,
        invoice_free,
        run_cancelled,
    })
}

/// What a bank's reason code says (ISO 20022 ExternalReturnReason / StatusReason, the codes that
/// come with German returns), so `debits return 7 --reason AM04` can confirm "insufficient
/// funds". `None` for free text or a code not in the list; the reason is stored as given anyway.
pub fn return_reason_text(reason: &str) -> Option<&'static str> {
    reason_meaning(reason).map(|(_, english)| english)
}

/// The meaning of an R-transaction reason code (ISO ExternalStatusReason / ReturnReason as the
/// EPC uses them), in German and English; any case, surrounding blanks ignored.
pub fn reason_meaning(reason: &str) -> Option<(&'static str, &'static str)> {
    Some(match reason.trim().to_ascii_uppercase().as_str() {
        "AC01" => ("Kontonummer falsch", "incorrect account number"),
        "AC04" => ("Konto aufgelöst", "account closed"),
        "AC06" => (
            "Konto gesperrt oder Lastschriften vom Kunden gesperrt",
            "account blocked, or the debtor blocked direct debits",
        ),
        "AC13" => (
            "falsche Kontoart (Verbraucherkonto bei B2B)",
            "invalid debtor account type (consumer account in B2B)",
        ),
        "AG01" => (
            "Konto lässt keine Lastschriften zu",
            "transaction forbidden: the account does not accept direct debits",
        ),
        "AG02" => (
            "ungültiger Buchungscode oder falscher Sequenztyp",
            "invalid bank operation code or wrong sequence type",
        ),
        "AM04" => ("keine Deckung", "insufficient funds"),
        "AM05" => ("doppelte Lastschrift", "duplicate collection"),
        "BE05" => (
            "Gläubiger-ID nicht erkannt",
            "unrecognised creditor identifier",
        ),
        "CNOR" => (
            "Bank des Zahlungsempfängers nicht erreichbar",
            "creditor bank not registered",
        ),
        "DNOR" => (
            "Bank des Zahlungspflichtigen nicht erreichbar",
            "debtor bank not registered or not reachable",
        ),
        "FF01" => ("Dateiformat ungültig", "invalid file format"),
        "MD01" => (
            "kein Mandat oder nicht autorisiert",
            "no mandate or unauthorised transaction",
        ),
        "MD02" => (
            "Pflichtangaben zum Mandat fehlen",
            "missing mandatory mandate information",
        ),
        "MD06" => (
            "Erstattung auf Wunsch des Kunden (Widerspruch)",
            "refund request by the debtor",
        ),
        "MD07" => ("Kontoinhaber verstorben", "debtor deceased"),
        "MS02" => (
            "ohne Angabe von Gründen durch den Kunden (oft Widerspruch)",
            "reason not specified, by the debtor (often a refusal)",
        ),
        "MS03" => (
            "ohne Angabe von Gründen durch die Bank",
            "reason not specified, by the bank",
        ),
        "RC01" => ("BIC falsch", "bank identifier (BIC) incorrect"),
        "RR01" => (
            "regulatorisch: Konto oder Kennung des Kunden fehlt",
            "regulatory reason: debtor account or identification missing",
        ),
        "RR02" => (
            "regulatorisch: Name oder Adresse des Kunden fehlt",
            "regulatory reason: debtor name or address missing",
        ),
        "RR03" => (
            "regulatorisch: Name oder Adresse des Gläubigers fehlt",
            "regulatory reason: creditor name or address missing",
        ),
        "RR04" => ("regulatorischer Grund", "regulatory reason"),
        "SL01" => (
            "besonderer Dienst der Kundenbank (z. B. Sperrliste)",
            "specific service of the debtor bank (e.g. a block list)",
        ),
        "FOCR" => ("nach Rückrufantrag", "following a cancellation request"),
        "ED05" => ("Verrechnung fehlgeschlagen", "settlement failed"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::return_reason_text;
    use chrono::NaiveDate;

    #[test]
    fn reason_codes_in_any_case() {
        assert_eq!(return_reason_text("AM04"), Some("insufficient funds"));
        assert_eq!(
            return_reason_text(" md06 "),
            Some("refund request by the debtor")
        );
        assert_eq!(return_reason_text("customer paid by transfer"), None);
    }

    #[test]
    fn a_debit_counts_as_collected_after_its_business_days_passed() {
        use super::settled_through;
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // Wednesday 2 December 2026, two business days: Monday's debits have had Tue and Wed.
        assert_eq!(settled_through(d(2026, 12, 2), 2), Some(d(2026, 11, 30)));
        // Saturday: Thursday's debits have had Friday only; Wednesday's have had Thu and Fri.
        assert_eq!(settled_through(d(2026, 12, 5), 2), Some(d(2026, 12, 2)));
        // Over Christmas (25 and 26 December are TARGET2 closing days): Monday the 28th is one
        // business day after the 24th; the Sunday before counts, no debit falls on it.
        assert_eq!(settled_through(d(2026, 12, 28), 1), Some(d(2026, 12, 27)));
        assert_eq!(settled_through(d(2026, 12, 24), 1), Some(d(2026, 12, 23)));
        assert_eq!(settled_through(d(2026, 12, 2), 0), None);
    }
}
