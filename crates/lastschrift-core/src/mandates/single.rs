//! One mandate entered by hand (the web form, `lastschrift mandates add`), revoked when the
//! debtor withdraws it, and the signed copy kept with it.
//!
//! An entry passes exactly the checks of a CSV row ([`super::import::validate`]); only the names
//! of the fields differ, so that an error names the form field or the command-line flag.

use chrono::NaiveDate;

use super::import::{Cells, Column, ContactIndex, merged, validate};
use crate::collect::Explanation;
use crate::dates::parse_date;
use lastschrift_store::{
    DocumentType, Mandate, MandateDocumentInfo, MandateRevocation, MandateSource,
    NewMandateDocument, Store, StoreError,
};

/// A signed copy larger than this is refused: a scanned A4 page is a few hundred kilobytes, and
/// every copy lives in the database.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// A mandate as the user typed it. Every value is text, checked like a CSV cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewMandate {
    pub reference: Option<String>,
    /// The sevdesk contact id, or …
    pub contact_id: Option<String>,
    /// … the customer number (one of the two names the contact).
    pub customer_number: Option<String>,
    pub signature_date: Option<String>,
    /// CORE/Basis (default) or B2B/Firmen.
    pub scheme: Option<String>,
    /// recurrent/wiederkehrend (default), one-off/einmalig, ending/endet.
    pub kind: Option<String>,
}

/// Where the entry was typed: decides the names its errors use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryForm {
    /// `lastschrift mandates add --reference …`
    CommandLine,
    /// The web form (German labels).
    Web,
}

struct Entry<'a> {
    mandate: &'a NewMandate,
    form: EntryForm,
}

impl Cells for Entry<'_> {
    fn cell(&self, column: Column) -> Option<&str> {
        let m = self.mandate;
        let value = match column {
            Column::Reference => &m.reference,
            Column::ContactId => &m.contact_id,
            Column::CustomerNumber => &m.customer_number,
            Column::SignatureDate => &m.signature_date,
            Column::Scheme => &m.scheme,
            Column::Kind => &m.kind,
            // Entered by hand, a mandate is active and has no history yet.
            Column::Status | Column::FirstCollection | Column::LastCollection => return None,
        };
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }

    fn name(&self, column: Column) -> &str {
        match (self.form, column) {
            (EntryForm::CommandLine, Column::Reference) => "--reference",
            (EntryForm::CommandLine, Column::ContactId) => "--contact",
            (EntryForm::CommandLine, Column::CustomerNumber) => "--customer-number",
            (EntryForm::CommandLine, Column::SignatureDate) => "--signature-date",
            (EntryForm::CommandLine, Column::Scheme) => "--scheme",
            (EntryForm::CommandLine, Column::Kind) => "--kind",
            (EntryForm::Web, Column::Reference) => "Mandatsreferenz",
            (EntryForm::Web, Column::ContactId) => "Kontakt-ID",
            (EntryForm::Web, Column::CustomerNumber) => "Kundennummer",
            (EntryForm::Web, Column::SignatureDate) => "Unterschriftsdatum",
            (EntryForm::Web, Column::Scheme) => "Art",
            (EntryForm::Web, Column::Kind) => "Typ",
            (_, Column::Status) => "status",
            (_, Column::FirstCollection) => "first_collection",
            (_, Column::LastCollection) => "last_collection",
        }
    }

    fn has(&self, column: Column) -> bool {
        !matches!(
            column,
            Column::Status | Column::FirstCollection | Column::LastCollection
        )
    }
}

/// Why a single mandate, its revocation or its signed copy was refused. Each has an English
/// `Display`, a German sentence and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum MandateError {
    /// The store failed; becomes [`crate::CoreError::Store`] at the seam.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value failed the checks of the import.
    #[error("{}", .0.english)]
    Invalid(Explanation),
    #[error("a mandate with the reference {reference} already exists{}", spelled(.stored))]
    ReferenceTaken {
        reference: String,
        /// The stored spelling when it differs in case.
        stored: Option<String>,
    },
    #[error("the mandate {0} does not exist; `lastschrift mandates list` shows the mandates")]
    UnknownMandate(String),
    #[error(
        "the revocation date {date} lies in the future (today is {today}); a revocation takes effect when it is entered"
    )]
    RevocationInFuture { date: NaiveDate, today: NaiveDate },
    #[error("the revocation date {date} lies before the signature date {signed}")]
    RevocationBeforeSignature { date: NaiveDate, signed: NaiveDate },
    #[error("the revocation date `{0}` is not a date; write DD.MM.YYYY or YYYY-MM-DD")]
    UnreadableDate(String),
    #[error("the mandate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("the file {file_name} is empty")]
    EmptyDocument { file_name: String },
    #[error("the file {file_name} has {size} bytes; a signed copy may have at most {limit} bytes (5 MiB) — scan it at a lower resolution or as PDF", limit = MAX_DOCUMENT_BYTES)]
    DocumentTooLarge { file_name: String, size: usize },
    #[error(
        "the file {file_name} is neither a PDF nor a PNG or JPEG image; attach the signed copy as PDF, PNG or JPEG"
    )]
    UnsupportedDocument { file_name: String },
}

fn spelled(stored: &Option<String>) -> String {
    stored
        .as_ref()
        .map(|s| {
            format!(
                " as {s} (references differing only in upper/lower case are one mandate to a bank)"
            )
        })
        .unwrap_or_default()
}

impl MandateError {
    pub fn code(&self) -> &'static str {
        match self {
            MandateError::Store(_) => "database",
            MandateError::Invalid(_) => "mandate_invalid",
            MandateError::ReferenceTaken { .. } => "reference_taken",
            MandateError::UnknownMandate(_) => "mandate_unknown",
            MandateError::RevocationInFuture { .. } => "revocation_in_future",
            MandateError::RevocationBeforeSignature { .. } => "revocation_before_signature",
            MandateError::UnreadableDate(_) => "date_unreadable",
            MandateError::AlreadyRevoked(_) => "already_revoked",
            MandateError::EmptyDocument { .. } => "document_empty",
            MandateError::DocumentTooLarge { .. } => "document_too_large",
            MandateError::UnsupportedDocument { .. } => "document_type",
        }
    }

    pub fn german(&self) -> String {
        let day = |d: &NaiveDate| d.format("%d.%m.%Y").to_string();
        match self {
            MandateError::Store(e) => crate::error::store_german(e),
            MandateError::Invalid(why) => why.german.clone(),
            MandateError::ReferenceTaken { reference, stored } => match stored {
                None => format!("Ein Mandat mit der Referenz {reference} gibt es schon."),
                Some(stored) => format!(
                    "Die Referenz {reference} gibt es schon als {stored} (Referenzen, die sich nur in Groß-/Kleinschreibung unterscheiden, sind für eine Bank dasselbe Mandat)."
                ),
            },
            MandateError::UnknownMandate(reference) => {
                format!("Das Mandat {reference} gibt es nicht.")
            }
            MandateError::RevocationInFuture { date, today } => format!(
                "Das Widerrufsdatum {} liegt in der Zukunft (heute ist der {}); ein Widerruf gilt ab der Eingabe.",
                day(date),
                day(today)
            ),
            MandateError::RevocationBeforeSignature { date, signed } => format!(
                "Das Widerrufsdatum {} liegt vor dem Unterschriftsdatum {}.",
                day(date),
                day(signed)
            ),
            MandateError::UnreadableDate(text) => format!(
                "Das Widerrufsdatum „{text}“ ist kein Datum; bitte TT.MM.JJJJ oder JJJJ-MM-TT schreiben."
            ),
            MandateError::AlreadyRevoked(reference) => {
                format!("Das Mandat {reference} ist schon widerrufen.")
            }
            MandateError::EmptyDocument { file_name } => {
                format!("Die Datei {file_name} ist leer.")
            }
            MandateError::DocumentTooLarge { file_name, size } => format!(
                "Die Datei {file_name} hat {size} Bytes; eine unterschriebene Kopie darf höchstens {MAX_DOCUMENT_BYTES} Bytes (5 MiB) haben – bitte mit geringerer Auflösung oder als PDF scannen."
            ),
            MandateError::UnsupportedDocument { file_name } => format!(
                "Die Datei {file_name} ist weder PDF noch PNG- oder JPEG-Bild; bitte die unterschriebene Kopie als PDF, PNG oder JPEG anhängen."
            ),
        }
    }
}

/// Enters one mandate: the checks of the import, then one atomic insert that refuses a
/// reference the registry has in any upper/lower case.
pub async fn add(
    store: &dyn Store,
    entry: &NewMandate,
    form: EntryForm,
    today: NaiveDate,
) -> Result<Mandate, MandateError> {
    let contacts = ContactIndex::new(store.contacts().await?);
    let values = match validate(
        &Entry {
            mandate: entry,
            form,
        },
        &contacts,
        today,
    ) {
        Ok(values) => values,
        Err(why) => return Err(MandateError::Invalid(why)),
    };
    let mut mandate = merged(values, None);
    mandate.source = MandateSource::Manual;
    match store.insert_mandate(&mandate).await {
        Ok(stored) => Ok(stored),
        Err(StoreError::Conflict(_)) => {
            let stored = store
                .mandates()
                .await?
                .into_iter()
                .map(|m| m.reference)
                .find(|r| r.eq_ignore_ascii_case(&mandate.reference) && *r != mandate.reference);
            Err(MandateError::ReferenceTaken {
                reference: mandate.reference,
                stored,
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// Records the debtor's revocation (date `on`, today when not given).
pub async fn revoke(
    store: &dyn Store,
    reference: &str,
    on: Option<&str>,
    note: Option<&str>,
    today: NaiveDate,
) -> Result<(Mandate, MandateRevocation), MandateError> {
    let reference = reference.trim();
    let on = match on.map(str::trim).filter(|t| !t.is_empty()) {
        None => today,
        Some(text) => match parse_date(text) {
            Some(date) => date,
            None => return Err(MandateError::UnreadableDate(text.to_string())),
        },
    };
    if on > today {
        return Err(MandateError::RevocationInFuture { date: on, today });
    }
    let Some(mandate) = store.mandate_by_reference(reference).await? else {
        return Err(MandateError::UnknownMandate(reference.to_string()));
    };
    if let Some(signed) = mandate.signature_date
        && on < signed
    {
        return Err(MandateError::RevocationBeforeSignature { date: on, signed });
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    match store.revoke_mandate(reference, on, note).await {
        Ok(done) => Ok(done),
        Err(StoreError::Conflict(_)) => Err(MandateError::AlreadyRevoked(reference.into())),
        Err(StoreError::NotFound { .. }) => {
            Err(MandateError::UnknownMandate(reference.to_string()))
        }
        Err(other) => Err(other.into()),
    }
}

/// What the bytes are, by their first bytes: the name or the browser's content type may lie.
pub fn document_type(bytes: &[u8]) -> Option<DocumentType> {
    if bytes.starts_with(b"%PDF-") {
        Some(DocumentType::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(DocumentType::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(DocumentType::Jpeg)
    } else {
        None
    }
}

/// The file name to keep: its last path part, without control characters or quotes (it goes
/// into a `Content-Disposition` header), at most 120 characters; a name for an empty one.
pub fn clean_file_name(name: &str, kind: DocumentType) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(120)
        .collect();
    let clean = clean.trim().to_string();
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        let extension = match kind {
            DocumentType::Pdf => "pdf",
            DocumentType::Png => "png",
            DocumentType::Jpeg => "jpg",
        };
        format!("mandat.{extension}")
    } else {
        clean
    }
}

/// Stores the signed copy with the mandate after checking its size and type.
pub async fn attach(
    store: &dyn Store,
    reference: &str,
    file_name: &str,
    bytes: Vec<u8>,
    uploaded_by: Option<&str>,
) -> Result<MandateDocumentInfo, MandateError> {
    let reference = reference.trim();
    let shown = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    if bytes.is_empty() {
        return Err(MandateError::EmptyDocument {
            file_name: shown.to_string(),
        });
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(MandateError::DocumentTooLarge {
            file_name: shown.to_string(),
            size: bytes.len(),
        });
    }
    let Some(content_type) = document_type(&bytes) else {
        return Err(MandateError::UnsupportedDocument {
            file_name: shown.to_string(),
        });
    };
    let document = NewMandateDocument {
        file_name: clean_file_name(file_name, content_type),
        content_type,
        bytes,
        uploaded_by: uploaded_by.map(str::to_string),
    };
    match store.attach_mandate_document(reference, &document).await {
        Ok(info) => Ok(info),
        Err(StoreError::NotFound { .. }) => {
            Err(MandateError::UnknownMandate(reference.to_string()))
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_decide_the_type_not_the_name() {
        assert_eq!(document_type(b"%PDF-1.7\n..."), Some(DocumentType::Pdf));
        assert_eq!(
            document_type(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(DocumentType::Png)
        );
        assert_eq!(
            document_type(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            Some(DocumentType::Jpeg)
        );
        assert_eq!(document_type(b"<html>%PDF-"), None);
        assert_eq!(document_type(b"MZ\x90\0"), None);
    }

    #[test]
    fn file_names_lose_paths_quotes_and_control_characters() {
        assert_eq!(
            clean_file_name("C:\\Scans\\Mandat Müller.pdf", DocumentType::Pdf),
            "Mandat Müller.pdf"
        );
        assert_eq!(
            clean_file_name("../../etc/\"x\";\r\n.pdf", DocumentType::Pdf),
            "x.pdf"
        );
        assert_eq!(clean_file_name("..", DocumentType::Png), "mandat.png");
        assert_eq!(clean_file_name("", DocumentType::Jpeg), "mandat.jpg");
        assert_eq!(
            clean_file_name(&"a".repeat(500), DocumentType::Pdf)
                .chars()
                .count(),
            120
        );
    }
}
