//! The mandate registry as the user sees it: import from CSV, list with the derived status, one
//! mandate with its contact, amendments and debits, and the mandate forms to sign for the
//! contacts who lack a mandate (the reference each names is reserved in the registry).
//!
//! A use-case layer on top of the [`Store`] trait, shared by the CLI and the web UI.

mod form;
mod import;
mod reservation;
mod single;

pub use form::{
    B2B_BANK_NOTE, FormError, FormParty, MAX_ADDRESS_LINE_CHARS, MAX_ADDRESS_LINES, MAX_NAME_CHARS,
    MandateForm, MandateFormInput, mandate_text, render_pdf, title,
};
pub use import::{
    ImportError, ImportReport, RowOutcome, RowResult, import_csv, kind_flags, scheme_word,
};
pub(crate) use reservation::make_forms;
pub use reservation::{FormRequest, MandateFormBatch, PrintedForm, SkippedContact};
pub use single::{
    EntryForm, MAX_DOCUMENT_BYTES, MandateError, NewMandate, add, attach, clean_file_name,
    document_type, revoke,
};

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use lastschrift_store::{
    Contact, Debit, Mandate, MandateAmendment, MandateDocumentInfo, MandateEdit, MandateRevocation,
    MandateSource, MandateStatus, Scheme, SevdeskId, Store, StoreError,
};

/// Why a single mandate edit is refused; the same rules as the CSV import.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error("the signature date {date} lies in the future (today is {today})")]
    SignatureInFuture { date: NaiveDate, today: NaiveDate },
    #[error("nothing to change")]
    Nothing,
}

impl EditError {
    pub fn code(&self) -> &'static str {
        match self {
            EditError::SignatureInFuture { .. } => "signature_date_in_future",
            EditError::Nothing => "nothing_to_change",
        }
    }

    pub fn german(&self) -> String {
        match self {
            EditError::SignatureInFuture { date, today } => format!(
                "Das Unterschriftsdatum {} liegt in der Zukunft (heute ist der {}).",
                date.format("%d.%m.%Y"),
                today.format("%d.%m.%Y")
            ),
            EditError::Nothing => "Es gibt nichts zu ändern.".into(),
        }
    }
}

/// The rules an edit must keep (years before 1900 cannot reach here: [`crate::dates::parse_date`]
/// refuses them).
pub fn check_edit(edit: &MandateEdit, today: NaiveDate) -> Result<(), EditError> {
    if edit.is_empty() {
        return Err(EditError::Nothing);
    }
    if let Some(Some(date)) = edit.signature_date
        && date > today
    {
        return Err(EditError::SignatureInFuture { date, today });
    }
    Ok(())
}

/// The status the user sees. "Expired" is never stored: it follows from the dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveStatus {
    Active,
    /// 36 months without a collection (see [`Mandate::is_expired`]); a new mandate is needed.
    Expired,
    Revoked,
}

impl EffectiveStatus {
    pub fn of(mandate: &Mandate, today: NaiveDate) -> EffectiveStatus {
        // Revoked wins: the debtor's word counts more than a date.
        if mandate.status == MandateStatus::Revoked {
            EffectiveStatus::Revoked
        } else if mandate.is_expired(today) {
            EffectiveStatus::Expired
        } else {
            EffectiveStatus::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EffectiveStatus::Active => "active",
            EffectiveStatus::Expired => "expired",
            EffectiveStatus::Revoked => "revoked",
        }
    }

    /// The word in the German UI.
    pub fn german(self) -> &'static str {
        match self {
            EffectiveStatus::Active => "aktiv",
            EffectiveStatus::Expired => "abgelaufen",
            EffectiveStatus::Revoked => "widerrufen",
        }
    }
}

impl fmt::Display for EffectiveStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the mandate list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MandateView {
    pub reference: String,
    pub status: EffectiveStatus,
    pub contact_id: SevdeskId,
    /// `None` when the contact is not (or no longer) among the synced contacts.
    pub contact_name: Option<String>,
    pub customer_number: Option<String>,
    pub signature_date: Option<NaiveDate>,
    pub scheme: Scheme,
    pub first_collection: Option<NaiveDate>,
    pub last_collection: Option<NaiveDate>,
    pub source: MandateSource,
}

impl MandateView {
    fn new(mandate: &Mandate, contact: Option<&Contact>, today: NaiveDate) -> MandateView {
        MandateView {
            reference: mandate.reference.clone(),
            status: EffectiveStatus::of(mandate, today),
            contact_id: mandate.contact_id,
            contact_name: contact.map(|c| c.display_name.clone()),
            customer_number: contact.and_then(|c| c.customer_number.clone()),
            signature_date: mandate.signature_date,
            scheme: mandate.scheme,
            first_collection: mandate.first_collection,
            last_collection: mandate.last_collection,
            source: mandate.source,
        }
    }
}

/// Every mandate, by reference.
pub async fn list(store: &dyn Store, today: NaiveDate) -> Result<Vec<MandateView>, StoreError> {
    let contacts: HashMap<SevdeskId, Contact> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(store
        .mandates()
        .await?
        .iter()
        .map(|m| MandateView::new(m, contacts.get(&m.contact_id), today))
        .collect())
}

/// One mandate with everything known about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MandateDetail {
    #[serde(flatten)]
    pub view: MandateView,
    /// IBAN used at the last collection.
    pub last_iban: Option<String>,
    /// Reference used at the last collection (differs after a reference change).
    pub last_reference: Option<String>,
    pub contact: Option<Contact>,
    /// Oldest first.
    pub amendments: Vec<MandateAmendment>,
    /// Every debit collected under this reference, oldest first.
    pub debits: Vec<Debit>,
    /// The signed copies, newest first.
    pub documents: Vec<MandateDocumentInfo>,
    /// When the debtor revoked it (entered here; a revocation imported by CSV has no date).
    pub revocation: Option<MandateRevocation>,
    /// A one-off mandate (OOFF) or one that ends with its next debit (FNAL).
    pub one_off: bool,
    pub ending: bool,
}

pub async fn show(
    store: &dyn Store,
    reference: &str,
    today: NaiveDate,
) -> Result<Option<MandateDetail>, StoreError> {
    let Some(mandate) = store.mandate_by_reference(reference.trim()).await? else {
        return Ok(None);
    };
    let contact = store.contact(mandate.contact_id).await?;
    Ok(Some(MandateDetail {
        view: MandateView::new(&mandate, contact.as_ref(), today),
        last_iban: mandate.last_iban.clone(),
        last_reference: mandate.last_reference.clone(),
        contact,
        amendments: store.mandate_amendments(&mandate.reference).await?,
        debits: store.debits_for_mandate(&mandate.reference).await?,
        documents: store.mandate_documents(&mandate.reference).await?,
        revocation: store.mandate_revocation(&mandate.reference).await?,
        one_off: mandate.one_off,
        ending: mandate.ending,
    }))
}
