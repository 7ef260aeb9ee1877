//! The domain records the store keeps. Money is integer euro cents; sevdesk ids are `i64`
//! (sevdesk sends them as digit strings; they fit easily).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A sevdesk object id.
pub type SevdeskId = i64;

/// sevdesk invoice status codes we act on (see the API notes, §5.2).
pub mod invoice_status {
    pub const DRAFT: i32 = 100;
    pub const OPEN: i32 = 200;
    pub const PARTIALLY_PAID: i32 = 750;
    pub const PAID: i32 = 1000;
}

/// A sevdesk contact as synced, with the raw values the mandate logic reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: SevdeskId,
    pub customer_number: Option<String>,
    /// Organisation name, or "first last" for a person.
    pub display_name: String,
    pub is_organisation: bool,
    /// The organisation a person belongs to.
    pub parent_id: Option<SevdeskId>,
    /// Raw `bankAccount` as entered in sevdesk; validated when used.
    pub iban: Option<String>,
    /// Raw `bankNumber` (usually the BIC).
    pub bic: Option<String>,
    /// Value of the configured mandate-reference contact field (e.g. `SEPAMANDATSREFERENZ`).
    pub mandate_reference_field: Option<String>,
    /// sevdesk's own `mandateReference`.
    pub mandate_reference: Option<String>,
    /// Raw value of the signature-date contact field (e.g. `SEPAMANDATSDATUM`), unparsed.
    pub signature_date_field: Option<String>,
    pub email: Option<String>,
    pub street: Option<String>,
    pub zip: Option<String>,
    pub city: Option<String>,
    /// ISO 3166 alpha-2, resolved from sevdesk's StaticCountry.
    pub country_code: Option<String>,
    /// sevdesk's `update` timestamp.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A sevdesk invoice as synced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: SevdeskId,
    pub number: Option<String>,
    /// `RE`, `SR`, `AR`, … as sevdesk sends it.
    pub invoice_type: String,
    /// sevdesk status code, see [`invoice_status`].
    pub status: i32,
    pub contact_id: SevdeskId,
    pub currency: String,
    pub sum_gross_cents: i64,
    pub paid_cents: i64,
    pub payment_method_id: Option<SevdeskId>,
    pub invoice_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// sevdesk's `update` timestamp.
    pub updated_at: Option<DateTime<Utc>>,
    /// No longer among the open invoices sevdesk returns (paid, deleted, cancelled).
    pub gone: bool,
}

impl Invoice {
    /// sumGross − paidAmount.
    pub fn open_cents(&self) -> i64 {
        self.sum_gross_cents - self.paid_cents
    }
}

/// An open sevdesk credit note; money owed to the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNote {
    pub id: SevdeskId,
    pub contact_id: SevdeskId,
    /// The invoice it refers to (`refSrcInvoice` / `origin`), if any.
    pub invoice_id: Option<SevdeskId>,
    pub amount_cents: i64,
    pub status: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub id: SevdeskId,
    pub name: String,
    /// UNTDID 4461 code; `59` is SEPA direct debit.
    pub electronic_invoice_id: Option<String>,
}

/// How many records an upsert added and changed (unchanged ones count in neither).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
}

/// One record sync could not take, with the reason for the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProblem {
    /// `Invoice`, `Contact`, …
    pub object: String,
    pub id: Option<String>,
    pub message: String,
    /// `message` in German (empty in reports saved by versions before it existed).
    #[serde(default)]
    pub message_de: String,
}

/// The summary of one sync, as saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub new: u64,
    pub changed: u64,
    pub gone: u64,
    pub problems: Vec<SyncProblem>,
}

/// A saved [`SyncReport`] with its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRecord {
    pub id: i64,
    pub report: SyncReport,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// The text stored in the database and shown in `--json`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("`{other}` is not a {}", stringify!($name))),
                }
            }
        }
    };
}

text_enum!(
    /// SEPA scheme of a mandate.
    Scheme { Core = "CORE", B2b = "B2B" }
);
text_enum!(
    /// Stored mandate status. "Expired" is not stored: it is derived from the last collection
    /// (36 months without one), see [`Mandate::is_expired`].
    MandateStatus { Active = "active", Revoked = "revoked" }
);
text_enum!(
    /// Where a mandate record came from.
    MandateSource {
        CsvImport = "csv_import",
        SevdeskField = "sevdesk_field",
        Manual = "manual",
        /// Reserved by a printed mandate form; its signature date comes only from the registry.
        Form = "form",
    }
);
text_enum!(
    /// Position of a debit in a mandate's life, as written into the file.
    SequenceType { Frst = "FRST", Rcur = "RCUR", Ooff = "OOFF", Fnal = "FNAL" }
);
text_enum!(
    /// Ledger status of a debit. `rejected`, `returned` and `cancelled` free the invoice for
    /// another collection.
    DebitStatus {
        /// In a written file; the bank has not confirmed it yet.
        Pending = "pending",
        /// Confirmed by the bank, or by policy some TARGET2 business days after its collection
        /// date without a reject.
        Collected = "collected",
        /// Refused before settlement (pain.002 RJCT): never presented, so it is no use of the
        /// mandate and frees the invoice.
        Rejected = "rejected",
        /// Came back (R-transaction).
        Returned = "returned",
        /// Withdrawn before submission or by the bank.
        Cancelled = "cancelled",
    }
);
text_enum!(
    /// Status of a collection run.
    RunStatus {
        /// Recorded in the ledger (the file bytes are in the database).
        Recorded = "recorded",
        /// Its files are written to the output directory as well.
        Exported = "exported",
        /// All of its debits were cancelled.
        Cancelled = "cancelled",
    }
);
text_enum!(
    /// Web UI role.
    Role { Admin = "admin", Preparer = "preparer", Viewer = "viewer" }
);

/// A mandate in our own registry, keyed by its reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mandate {
    pub reference: String,
    pub contact_id: SevdeskId,
    pub signature_date: Option<NaiveDate>,
    pub scheme: Scheme,
    pub status: MandateStatus,
    /// The first and last collection: what the user entered (CSV import) joined with the
    /// ledger's debits of the mandate that were not rejected or cancelled. Read back from the
    /// store always derived; only the entered part is ever written.
    pub first_collection: Option<NaiveDate>,
    pub last_collection: Option<NaiveDate>,
    /// IBAN used at the last collection (amendment detection).
    pub last_iban: Option<String>,
    /// Reference used at the last collection (amendment detection when the source changes).
    pub last_reference: Option<String>,
    pub source: MandateSource,
    /// A one-off mandate: collected once with OOFF, then used up.
    #[serde(default)]
    pub one_off: bool,
    /// The mandate ends: its next debit is the final one (FNAL), then it is used up.
    #[serde(default)]
    pub ending: bool,
}

text_enum!(
    /// The file types a signed mandate copy may have (a scan or a photo of the paper form).
    DocumentType { Pdf = "application/pdf", Png = "image/png", Jpeg = "image/jpeg" }
);

/// A signed copy of a mandate to store with it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMandateDocument {
    /// The name the user's file had (shown and used for the download).
    pub file_name: String,
    pub content_type: DocumentType,
    pub bytes: Vec<u8>,
    /// Who uploaded it (web user name, or `cli`).
    pub uploaded_by: Option<String>,
}

impl fmt::Debug for NewMandateDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A scan is personal data and large: never in a log line.
        f.debug_struct("NewMandateDocument")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// A stored signed copy, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MandateDocumentInfo {
    pub id: i64,
    pub mandate_reference: String,
    pub file_name: String,
    pub content_type: DocumentType,
    /// Hex SHA-256 of the bytes, computed by the store.
    pub sha256: String,
    pub size_bytes: i64,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: Option<String>,
}

/// A stored signed copy with its exact bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MandateDocument {
    pub info: MandateDocumentInfo,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for MandateDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MandateDocument")
            .field("info", &self.info)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// The debtor withdrew the mandate: from `revoked_on` on nothing may be collected under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MandateRevocation {
    pub mandate_reference: String,
    pub revoked_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

text_enum!(
    /// What a bank file did to one debit: what the store applied, or why nothing.
    BankEffect {
        Rejected = "rejected",
        Returned = "returned",
        Collected = "collected",
        /// The debit's state did not allow the change (already returned, …); the file said it
        /// again or said it late.
        Unchanged = "unchanged",
        /// The entry matches no debit of ours.
        Unmatched = "unmatched",
    }
);
text_enum!(
    /// What happens after a reject or return (the policy's answer to the reason code, or the
    /// user's choice in the worklist).
    FollowUp {
        /// The invoice may be collected again in a later run (within the retry limit).
        CollectAgain = "collect_again",
        /// The mandate is blocked until the debtor's account changes in sevdesk or the user
        /// lifts the block.
        BlockMandate = "block_mandate",
        /// Blocked and flagged: somebody must look (no mandate, refund).
        Review = "review",
        /// Handled outside lastschrift; the invoice is not collected again.
        Done = "done",
    }
);

/// One effect a bank file asks for, decided by the application before the store applies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankChange {
    /// `None` for an entry that matches no debit.
    pub debit_id: Option<i64>,
    /// `Rejected`, `Returned`, `Collected` or `Unmatched`.
    pub effect: BankEffect,
    pub reason_code: Option<String>,
    pub amount_cents: Option<i64>,
    pub fee_cents: i64,
    pub booked_on: Option<NaiveDate>,
    /// What the file said, for the record (and the user, for unmatched entries).
    pub detail: String,
    /// For a reject or return: what happens next.
    pub follow_up: Option<FollowUp>,
    /// For a block: the debtor account refused.
    pub blocked_iban: Option<String>,
}

/// A bank file to record with the effects it has.
#[derive(Clone, PartialEq, Eq)]
pub struct NewBankImport {
    pub file_name: String,
    /// `pain.002.001.03`, `camt.054.001.08`, …
    pub format: String,
    /// The file's own `GrpHdr/MsgId`.
    pub message_id: String,
    pub bytes: Vec<u8>,
    pub imported_by: Option<String>,
    pub changes: Vec<BankChange>,
}

impl fmt::Debug for NewBankImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewBankImport")
            .field("file_name", &self.file_name)
            .field("format", &self.format)
            .field("message_id", &self.message_id)
            .field("size", &self.bytes.len())
            .field("changes", &self.changes)
            .finish()
    }
}

/// A recorded bank file (without its bytes) and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankImport {
    pub id: i64,
    pub sha256: String,
    pub file_name: String,
    pub format: String,
    pub message_id: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: Option<String>,
    pub events: Vec<BankEvent>,
}

/// What one entry of a bank file did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankEvent {
    pub id: i64,
    pub import_id: i64,
    pub debit_id: Option<i64>,
    pub effect: BankEffect,
    pub reason_code: Option<String>,
    pub amount_cents: Option<i64>,
    pub fee_cents: i64,
    pub booked_on: Option<NaiveDate>,
    pub detail: String,
}

/// Recording a bank file: new, or the same bytes were imported before (nothing changed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BankImportOutcome {
    Imported(BankImport),
    AlreadyImported(BankImport),
}

/// A rejected or returned debit with what happens next (the worklist, the planner's input).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DebitFollowUp {
    pub debit: Debit,
    pub action: FollowUp,
    pub reason_code: Option<String>,
    pub blocked_iban: Option<String>,
    pub decided_at: DateTime<Utc>,
    pub decided_by: Option<String>,
}

/// What the planner needs of one debit to know which account the bank saw last for a mandate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerDebit {
    pub id: i64,
    pub mandate_reference: String,
    pub status: DebitStatus,
    pub iban: String,
    /// The account before an amendment this debit carried.
    pub original_iban: Option<String>,
    pub sequence_type: SequenceType,
    pub collection_date: NaiveDate,
}

/// A change to the registry fields of one mandate; `None` leaves a field as it is, so two people
/// editing different fields of one mandate at once both keep their change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MandateEdit {
    /// `Some(None)` removes the date.
    pub signature_date: Option<Option<NaiveDate>>,
    pub scheme: Option<Scheme>,
    pub status: Option<MandateStatus>,
    pub one_off: Option<bool>,
    pub ending: Option<bool>,
}

impl MandateEdit {
    pub fn is_empty(&self) -> bool {
        self.signature_date.is_none()
            && self.scheme.is_none()
            && self.status.is_none()
            && self.one_off.is_none()
            && self.ending.is_none()
    }
}

impl Mandate {
    /// A new active mandate that has never been used.
    pub fn new(reference: impl Into<String>, contact_id: SevdeskId, source: MandateSource) -> Self {
        Mandate {
            reference: reference.into(),
            contact_id,
            signature_date: None,
            scheme: Scheme::Core,
            status: MandateStatus::Active,
            first_collection: None,
            last_collection: None,
            last_iban: None,
            last_reference: None,
            source,
            one_off: false,
            ending: false,
        }
    }

    /// A mandate lapses 36 months after its last collection (never-used mandates: counted from
    /// the signature date).
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        let Some(since) = self.last_collection.or(self.signature_date) else {
            return false;
        };
        since
            .checked_add_months(chrono::Months::new(36))
            .is_some_and(|limit| today > limit)
    }
}

/// A detected mandate amendment (changed reference or IBAN since the last collection).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub original_reference: Option<String>,
    pub original_iban: Option<String>,
}

/// A saved amendment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateAmendment {
    pub id: i64,
    pub mandate_reference: String,
    pub debit_id: Option<i64>,
    pub detected_at: DateTime<Utc>,
    pub original_reference: Option<String>,
    pub original_iban: Option<String>,
    pub new_iban: Option<String>,
}

/// A collection run to record: its files and every debit in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCollectionRun {
    /// `pain.008.001.08` or `pain.008.001.02`.
    pub format: String,
    /// The fingerprint of the preview the user confirmed; a second run with the same key is
    /// refused ([`crate::Store::collection_run_by_confirm_key`] finds the first).
    pub confirm_key: Option<String>,
    /// Control list for the accountant (CSV bytes).
    pub control_list_csv: Vec<u8>,
    pub files: Vec<NewCollectionFile>,
}

/// One pain.008 file of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCollectionFile {
    pub file_name: String,
    /// `GrpHdr/MsgId`; unique across all runs.
    pub message_id: String,
    pub bytes: Vec<u8>,
    pub debits: Vec<NewDebit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDebit {
    pub invoice_id: SevdeskId,
    pub contact_id: SevdeskId,
    pub mandate_reference: String,
    pub iban: String,
    pub amount_cents: i64,
    pub sequence_type: SequenceType,
    /// Unique across all debits; comes back with any R-transaction.
    pub end_to_end_id: String,
    pub collection_date: NaiveDate,
    /// Set when the file carries amendment information for this debit.
    pub amendment: Option<Amendment>,
}

/// A recorded collection run (without file bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionRun {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub status: RunStatus,
    pub format: String,
    /// Distinct collection dates of its debits, ascending.
    pub collection_dates: Vec<NaiveDate>,
    pub debit_count: i64,
    pub total_cents: i64,
    pub files: Vec<CollectionFileInfo>,
}

/// A file of a run, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionFileInfo {
    pub id: i64,
    pub run_id: i64,
    /// 1-based position within the run.
    pub position: i64,
    pub file_name: String,
    pub message_id: String,
    /// Hex SHA-256 of the bytes, computed by the store when recording.
    pub sha256: String,
    pub debit_count: i64,
    pub total_cents: i64,
}

/// A file of a run with its exact bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionFile {
    pub info: CollectionFileInfo,
    pub bytes: Vec<u8>,
}

/// A debit in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debit {
    pub id: i64,
    pub run_id: i64,
    pub file_id: i64,
    pub invoice_id: SevdeskId,
    pub contact_id: SevdeskId,
    pub mandate_reference: String,
    pub iban: String,
    pub amount_cents: i64,
    pub sequence_type: SequenceType,
    pub end_to_end_id: String,
    pub collection_date: NaiveDate,
    pub status: DebitStatus,
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Why it was returned or cancelled (e.g. the R-code `AM04`).
    pub status_reason: Option<String>,
    /// The bank's date of the reject, return or booking (from its file).
    #[serde(default)]
    pub status_on: Option<NaiveDate>,
    /// The bank's fee for a return, to pass on to the customer.
    #[serde(default)]
    pub fee_cents: Option<i64>,
    /// The bank's booking of the batch confirmed the collection (not only the settlement period).
    #[serde(default)]
    pub confirmed_by_bank: bool,
}

/// One request sent to sevdesk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRequestLogEntry {
    pub at: DateTime<Utc>,
    pub method: String,
    /// Path and query, never headers (the token travels in a header).
    pub path: String,
    /// HTTP status; `None` when no response came.
    pub status: Option<i32>,
    pub duration_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub status: Option<i32>,
    pub duration_ms: i64,
}

/// Which slice of a long list to return; `number` counts from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub fn first(size: u32) -> Self {
        Page { number: 0, size }
    }

    pub(crate) fn limit_offset(self) -> (i64, i64) {
        let size = i64::from(self.size.max(1));
        (size, i64::from(self.number) * size)
    }
}

/// A page of a list plus the total count (for "page 3 of 40").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: Page,
}

/// No `Serialize`, and a `Debug` that masks the hash: a password hash is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    /// An argon2 PHC string; hashing happens outside the store.
    pub password_hash: String,
    pub role: Role,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("password_hash", &"********")
            .field("role", &self.role)
            .finish()
    }
}

/// `Serialize` leaves the password hash out; `Debug` masks it.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password_hash", &"********")
            .field("role", &self.role)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A web session; the store only sees the hash of the session token, and neither `Debug` nor
/// `Serialize` shows even that.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    #[serde(skip_serializing)]
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token_hash", &"********")
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_debug_or_serialize_prints_a_password_hash_or_session_hash() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
        let now = Utc::now();
        let user = User {
            id: 1,
            username: "anna".into(),
            password_hash: hash.into(),
            role: Role::Admin,
            created_at: now,
        };
        let new_user = NewUser {
            username: "anna".into(),
            password_hash: hash.into(),
            role: Role::Admin,
        };
        let session = Session {
            token_hash: "d1e5e55a7ef0c0ffee".into(),
            user_id: 1,
            created_at: now,
            expires_at: now,
        };
        let shown = [
            format!("{user:?}"),
            format!("{new_user:?}"),
            format!("{session:?}"),
            serde_json::to_string(&user).unwrap(),
            serde_json::to_string(&session).unwrap(),
        ];
        for text in &shown {
            assert!(
                !text.contains("argon2id") && !text.contains("c0ffee"),
                "{text}"
            );
        }
        assert!(
            shown[3].contains("anna"),
            "the rest is still there: {}",
            shown[3]
        );
    }
}

text_enum!(
    /// How a pre-notification reaches its debtor.
    NotificationChannel { Email = "email", Letter = "letter" }
);
text_enum!(
    /// Where a pre-notification stands. `Sending` is claimed and not confirmed: after a crash
    /// it may or may not have gone out, so it is never sent again on its own.
    NotificationStatus {
        /// Prepared (the preview), not sent yet.
        Pending = "pending",
        /// Handed to the mail server or the printer right now, or a crash in the middle.
        Sending = "sending",
        /// Accepted by the mail server (its reply is kept), or the letter was made.
        Sent = "sent",
        /// Refused or not reachable; may be sent again.
        Failed = "failed",
    }
);

/// One invoice a pre-notification announces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreNotificationItem {
    pub invoice_id: SevdeskId,
    pub invoice_number: Option<String>,
    pub amount_cents: i64,
}

/// A pre-notification to record, with exactly what will be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewPreNotification {
    /// What it announces (reference, date, items) as a short hash: the same announcement
    /// prepared twice is one record.
    pub fingerprint: String,
    pub collection_date: NaiveDate,
    pub mandate_reference: String,
    pub contact_id: SevdeskId,
    pub debtor_name: String,
    pub channel: NotificationChannel,
    /// The e-mail address, or the postal address lines of the letter.
    pub address: String,
    pub creditor_id: String,
    pub items: Vec<PreNotificationItem>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub template_version: String,
    /// Chosen by us (`<…@…>`), so the message can be found in any mailbox.
    pub message_id: String,
}

/// A recorded pre-notification and its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PreNotification {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub fingerprint: String,
    pub collection_date: NaiveDate,
    pub mandate_reference: String,
    pub contact_id: SevdeskId,
    pub debtor_name: String,
    pub channel: NotificationChannel,
    pub address: String,
    pub creditor_id: String,
    pub items: Vec<PreNotificationItem>,
    pub total_cents: i64,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub template_version: String,
    pub message_id: String,
    pub status: NotificationStatus,
    pub attempts: i64,
    pub sent_at: Option<DateTime<Utc>>,
    /// The mail server's final reply (code and text).
    pub server_reply: Option<String>,
    pub pdf_sha256: Option<String>,
    /// The last refusal or connection problem, as the server or the system said it.
    pub last_error: Option<String>,
    pub status_changed_at: Option<DateTime<Utc>>,
}

/// An invoice a sent pre-notification announced (what the timing rule looks at).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnnouncedInvoice {
    pub invoice_id: SevdeskId,
    pub amount_cents: i64,
    pub collection_date: NaiveDate,
    pub sent_at: DateTime<Utc>,
    pub pre_notification_id: i64,
    /// The proof, as the control list shows it.
    pub channel: NotificationChannel,
    pub address: String,
    pub message_id: String,
    pub server_reply: Option<String>,
    pub pdf_sha256: Option<String>,
}
