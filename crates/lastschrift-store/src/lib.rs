//! lastschrift's storage: the one storage contract ([`Store`]) and its two backends.
//!
//! SQL lives only below this module. SQLite (a file in the data directory, WAL, busy timeout,
//! foreign keys on) is the default; a `postgres://` or `postgresql://` database URL selects
//! PostgreSQL. Each backend has its own migrations (`migrations/sqlite`, `migrations/postgres`),
//! embedded in the binary and run when the store is opened.
//!
//! Both backends run the very same SQL text (see `sql.rs`): every statement is written in the
//! common subset of the two dialects, with `$n` placeholders, which SQLite accepts too.
//!
//! Why a trait object and not an enum: the application holds an `Arc<dyn Store>` (CLI, web
//! state, tests) and never needs to know the backend; `async-trait` makes the async methods
//! object-safe. The cost, one boxed future per call, is nothing next to a database round trip.

mod model;
mod postgres;
mod rows;
mod sql;
mod sqlite;
mod url;

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

pub use model::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use url::DatabaseUrl;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What went wrong in the store. `Display` is a sentence for the user; the underlying database
/// error, for the log, is the [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} was not found")]
    NotFound { what: String },
    /// The ledger already holds a debit for this invoice that is neither returned nor cancelled.
    #[error(
        "invoice {invoice_id} has already been collected (it is in the ledger); it can only be collected again after that debit is marked as returned or cancelled"
    )]
    AlreadyCollected { invoice_id: SevdeskId },
    /// The change contradicts what is stored (a taken name, an invalid status change, …).
    #[error("{0}")]
    Conflict(String),
    /// The change would leave the installation without an administrator.
    #[error("the last administrator cannot be deleted or lose the role")]
    LastAdmin,
    #[error(
        "the database URL scheme `{scheme}` is not supported; use postgres://… (or postgresql://…) for PostgreSQL, or leave DATABASE_URL unset for the SQLite file in the data directory"
    )]
    UnsupportedUrl { scheme: String },
    #[error("could not open the {backend} database {url}")]
    Open {
        backend: Backend,
        /// Masked: no password.
        url: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A stored value that this version cannot read (e.g. an unknown status text).
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
    #[error("a database operation failed")]
    Database(#[from] sqlx::Error),
}

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

impl Backend {
    /// Picks the backend from the URL scheme, once, with a precise error for anything else.
    pub fn from_url(url: &str) -> Result<Backend> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or("");
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl {
                scheme: if scheme.is_empty() {
                    // Never echo a whole unparsable URL: it may hold a password.
                    "(none)".into()
                } else {
                    scheme.into()
                },
            }),
        }
    }
}

/// Opens (and migrates) the database at `url` (`sqlite://PATH`, `postgres://…`).
pub async fn open_url(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    Ok(match Backend::from_url(url.expose())? {
        Backend::Sqlite => Arc::new(SqliteStore::open_url(url).await?),
        Backend::Postgres => Arc::new(PostgresStore::open_url(url).await?),
    })
}

/// The storage contract. Every method is one intent of the application; none exposes SQL.
///
/// Lookups return `Ok(None)` for a missing record; changes to a missing record return
/// [`StoreError::NotFound`].
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    fn backend(&self) -> Backend;

    /// Waits for open connections to finish and closes them (SQLite: checkpoints the WAL).
    async fn close(&self);

    // --- settings and secrets ---------------------------------------------------------------

    async fn put_setting(&self, key: &str, value: &str) -> Result<()>;
    async fn setting(&self, key: &str) -> Result<Option<String>>;
    /// Stores sealed (encrypted) bytes; sealed by the application's secret key. Never pass a secret in clear.
    async fn put_secret(&self, name: &str, sealed: &[u8]) -> Result<()>;
    async fn secret(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// `true` if there was one.
    async fn delete_secret(&self, name: &str) -> Result<bool>;

    // --- synced sevdesk data -----------------------------------------------------------------

    /// Inserts new contacts and updates changed ones, in one transaction.
    async fn upsert_contacts(&self, contacts: &[Contact]) -> Result<UpsertCounts>;
    async fn contact(&self, id: SevdeskId) -> Result<Option<Contact>>;
    async fn contacts(&self) -> Result<Vec<Contact>>;

    /// Inserts new invoices and updates changed ones (an updated invoice is no longer gone), in
    /// one transaction.
    async fn upsert_invoices(&self, invoices: &[Invoice]) -> Result<UpsertCounts>;
    /// Flags invoices sevdesk no longer lists as open; returns how many changed.
    async fn mark_invoices_gone(&self, ids: &[SevdeskId]) -> Result<u64>;
    async fn invoice(&self, id: SevdeskId) -> Result<Option<Invoice>>;
    /// Not gone, status 200 or 750, by id. Policy filters (type, currency, payment method) are
    /// the caller's.
    async fn open_invoices(&self) -> Result<Vec<Invoice>>;

    /// Replaces the whole set of open credit notes (they are few and re-read on every sync).
    async fn replace_open_credit_notes(&self, notes: &[CreditNote]) -> Result<()>;
    async fn open_credit_notes(&self) -> Result<Vec<CreditNote>>;
    async fn replace_payment_methods(&self, methods: &[PaymentMethod]) -> Result<()>;
    async fn payment_methods(&self) -> Result<Vec<PaymentMethod>>;

    /// The highest sevdesk `update` seen for `resource` (`"invoices"`, `"contacts"`, …).
    async fn sync_watermark(&self, resource: &str) -> Result<Option<DateTime<Utc>>>;
    async fn set_sync_watermark(&self, resource: &str, last_update: DateTime<Utc>) -> Result<()>;
    /// Returns the id of the saved report.
    async fn save_sync_report(&self, report: &SyncReport) -> Result<i64>;
    async fn last_sync(&self) -> Result<Option<SyncRecord>>;
    /// Newest first.
    async fn sync_history(&self, page: Page) -> Result<Paged<SyncRecord>>;

    // --- mandate registry ----------------------------------------------------------------------

    /// Inserts the mandate with this reference, or updates its registry fields (contact, signature
    /// date, scheme, status, source). The collection history is merged, never lost: the earlier
    /// first and the later last collection win, and the last IBAN and reference a run recorded
    /// stay unless the record brings newer ones.
    async fn upsert_mandate(&self, mandate: &Mandate) -> Result<()>;
    /// [`Store::upsert_mandate`] for many, in one transaction: all or none (the CSV import
    /// writes its rows in chunks).
    async fn upsert_mandates(&self, mandates: &[Mandate]) -> Result<()>;
    /// Changes only the fields the edit names, in one statement; [`StoreError::NotFound`] for an
    /// unknown reference.
    async fn edit_mandate(&self, reference: &str, edit: &MandateEdit) -> Result<Mandate>;
    async fn mandate_by_reference(&self, reference: &str) -> Result<Option<Mandate>>;
    async fn mandates_for_contact(&self, contact_id: SevdeskId) -> Result<Vec<Mandate>>;
    /// By reference.
    async fn mandates(&self) -> Result<Vec<Mandate>>;
    /// Oldest first.
    async fn mandate_amendments(&self, reference: &str) -> Result<Vec<MandateAmendment>>;
    /// Enters a new mandate — if and only if no mandate has this reference in any upper/lower
    /// case (banks may compare references case-insensitively). Atomic: of several inserts of one
    /// reference at the same time exactly one succeeds, the others get [`StoreError::Conflict`]
    /// naming the stored spelling. Returns the mandate as stored.
    async fn insert_mandate(&self, mandate: &Mandate) -> Result<Mandate>;
    /// Marks the mandate revoked and records the date and note of the revocation, in one
    /// transaction. [`StoreError::Conflict`] when it is already revoked (the first revocation
    /// and its date stay), [`StoreError::NotFound`] for an unknown reference.
    async fn revoke_mandate(
        &self,
        reference: &str,
        revoked_on: NaiveDate,
        note: Option<&str>,
    ) -> Result<(Mandate, MandateRevocation)>;
    async fn mandate_revocation(&self, reference: &str) -> Result<Option<MandateRevocation>>;
    /// Stores a signed copy with the mandate (earlier copies stay; the newest is the current
    /// one). [`StoreError::NotFound`] for an unknown reference.
    async fn attach_mandate_document(
        &self,
        reference: &str,
        document: &NewMandateDocument,
    ) -> Result<MandateDocumentInfo>;
    /// The mandate's signed copies, newest first, without their bytes.
    async fn mandate_documents(&self, reference: &str) -> Result<Vec<MandateDocumentInfo>>;
    /// One signed copy of this mandate with its bytes; `None` also when the id belongs to
    /// another mandate.
    async fn mandate_document(&self, reference: &str, id: i64) -> Result<Option<MandateDocument>>;

    // --- collection runs and the ledger ----------------------------------------------------------

    /// Records the run, its files (bytes and SHA-256) and every debit in ONE transaction, and
    /// moves the first/last collection, last IBAN and last reference of the mandates used. Either
    /// all of it is stored or nothing. An invoice that already has a debit that is neither
    /// returned nor cancelled fails the whole run with [`StoreError::AlreadyCollected`] — the
    /// database enforces this with a unique index.
    async fn record_collection_run(&self, run: &NewCollectionRun) -> Result<CollectionRun>;
    /// Newest first.
    async fn collection_runs(&self) -> Result<Vec<CollectionRun>>;
    async fn collection_run(&self, id: i64) -> Result<Option<CollectionRun>>;
    /// The run recorded with this confirm key (the fingerprint of the preview it was made from).
    async fn collection_run_by_confirm_key(&self, key: &str) -> Result<Option<CollectionRun>>;
    async fn set_run_status(&self, id: i64, status: RunStatus) -> Result<()>;
    /// One file with its exact bytes.
    async fn run_file(&self, file_id: i64) -> Result<Option<CollectionFile>>;
    /// All files of a run with their bytes, by position.
    async fn run_files(&self, run_id: i64) -> Result<Vec<CollectionFile>>;
    async fn control_list(&self, run_id: i64) -> Result<Option<Vec<u8>>>;
    async fn debits_for_run(&self, run_id: i64) -> Result<Vec<Debit>>;
    /// Every debit ever recorded for the invoice, oldest first.
    async fn debits_for_invoice(&self, invoice_id: SevdeskId) -> Result<Vec<Debit>>;
    /// Every debit ever collected under the mandate reference, oldest first.
    async fn debits_for_mandate(&self, reference: &str) -> Result<Vec<Debit>>;
    /// Every debit of the ledger with its mandate, status, IBAN and amended-from IBAN, by id (the
    /// planner's view of which account the bank saw last).
    async fn mandate_ledger(&self) -> Result<Vec<LedgerDebit>>;
    /// The id of the newest collection run, if any.
    async fn newest_run_id(&self) -> Result<Option<i64>>;
    /// Invoices with a debit that is pending or collected: these must not be collected again.
    async fn active_debit_invoice_ids(&self) -> Result<HashSet<SevdeskId>>;
    /// pending → collected. Each status change is one conditional update: of two changes at the
    /// same time exactly the one the status allows succeeds, the other gets
    /// [`StoreError::Conflict`].
    async fn mark_debit_collected(&self, debit_id: i64) -> Result<Debit>;
    /// pending/collected → rejected (refused before settlement); frees the invoice, and the
    /// debit no longer counts as a use of its mandate.
    async fn mark_debit_rejected(&self, debit_id: i64, reason: Option<&str>) -> Result<Debit>;
    /// Every pending debit collected on or before `last_date` becomes collected (the policy's
    /// settlement period passed without a reject); returns how many.
    async fn mark_debits_collected_through(&self, last_date: NaiveDate) -> Result<u64>;
    /// pending/collected → returned; frees the invoice for a later run.
    async fn mark_debit_returned(&self, debit_id: i64, reason: Option<&str>) -> Result<Debit>;
    /// pending → cancelled; frees the invoice for a later run. When it was the last debit of its
    /// run that was not cancelled, the run becomes cancelled in the same transaction.
    async fn mark_debit_cancelled(&self, debit_id: i64, reason: Option<&str>) -> Result<Debit>;

    // --- the bank's answers ---------------------------------------------------------------------

    /// Records a bank file (its exact bytes, who and when) and applies its changes, in ONE
    /// transaction: each change is a conditional status update, so a debit already returned stays
    /// returned and the event says `unchanged`; a reject or return gets its follow-up. The same
    /// bytes a second time change nothing and give [`BankImportOutcome::AlreadyImported`] — also
    /// when both arrive at the same moment.
    async fn record_bank_import(&self, import: &NewBankImport) -> Result<BankImportOutcome>;
    /// Newest first, with their events.
    async fn bank_imports(&self) -> Result<Vec<BankImport>>;
    /// The exact bytes of an imported file.
    async fn bank_import_bytes(&self, id: i64) -> Result<Option<Vec<u8>>>;
    /// The debits with these end-to-end ids (any status).
    async fn debits_by_end_to_end_ids(&self, ids: &[String]) -> Result<Vec<Debit>>;
    /// The file with this message id and its debits, oldest first.
    async fn file_by_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<(CollectionFileInfo, Vec<Debit>)>>;
    /// Every rejected or returned debit with its follow-up, oldest first.
    async fn debit_follow_ups(&self) -> Result<Vec<DebitFollowUp>>;
    /// The user's decision for a rejected or returned debit; [`StoreError::NotFound`] when the
    /// debit has no follow-up.
    async fn set_follow_up(
        &self,
        debit_id: i64,
        action: FollowUp,
        decided_by: Option<&str>,
    ) -> Result<DebitFollowUp>;

    // --- pre-notifications ------------------------------------------------------------------

    /// Records the pre-notifications not recorded yet (by fingerprint) and returns every one
    /// of them as stored, in the order given. Atomic: two calls at once record each once.
    async fn prepare_pre_notifications(
        &self,
        notifications: &[NewPreNotification],
    ) -> Result<Vec<PreNotification>>;
    /// All of them, newest first; with `collection_date` those announcing that date.
    async fn pre_notifications(
        &self,
        collection_date: Option<NaiveDate>,
    ) -> Result<Vec<PreNotification>>;
    async fn pre_notification(&self, id: i64) -> Result<Option<PreNotification>>;
    /// Every pre-notification that announced the invoice, newest first.
    async fn pre_notifications_for_invoice(
        &self,
        invoice_id: SevdeskId,
    ) -> Result<Vec<PreNotification>>;
    /// Takes a pending or failed pre-notification for sending (status `sending`, one attempt
    /// more). Atomic: of several calls at once exactly one gets `true`; a sent or sending one
    /// gives `false` to all.
    async fn claim_pre_notification(&self, id: i64) -> Result<bool>;
    /// `sending` → `sent`, with the proof. [`StoreError::Conflict`] if it was not claimed.
    async fn record_pre_notification_sent(
        &self,
        id: i64,
        sent_at: DateTime<Utc>,
        server_reply: Option<&str>,
        pdf: Option<&[u8]>,
    ) -> Result<PreNotification>;
    /// `sending` → `failed`, with what the server or the system said.
    async fn record_pre_notification_failed(&self, id: i64, error: &str)
    -> Result<PreNotification>;
    /// `sending` → `failed` by a person who checked that it did not arrive (the mail server's
    /// outbox, the debtor): the next round sends it again. [`StoreError::Conflict`] for any
    /// other status.
    async fn release_pre_notification(&self, id: i64, note: &str) -> Result<PreNotification>;
    /// The letter's PDF as it was made.
    async fn pre_notification_pdf(&self, id: i64) -> Result<Option<Vec<u8>>>;
    /// The invoices that sent pre-notifications announced (the timing rule's facts).
    async fn announced_invoices(&self) -> Result<Vec<AnnouncedInvoice>>;

    // --- sevdesk request log ---------------------------------------------------------------------

    async fn append_request_log(&self, entries: &[NewRequestLogEntry]) -> Result<()>;
    /// Newest first.
    async fn request_log(&self, page: Page) -> Result<Paged<RequestLogEntry>>;

    // --- web users and sessions ------------------------------------------------------------------

    /// [`StoreError::Conflict`] if the user name is taken.
    async fn create_user(&self, user: &NewUser) -> Result<User>;
    /// Creates the installation's first user — if and only if the installation has not been set
    /// up yet. Atomic: of several calls at the same time exactly one gets `Some(user)`, the
    /// others `None`.
    async fn create_first_admin(&self, user: &NewUser) -> Result<Option<User>>;
    async fn user(&self, id: i64) -> Result<Option<User>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
    async fn user_count(&self) -> Result<i64>;
    async fn set_user_password_hash(&self, id: i64, password_hash: &str) -> Result<()>;
    /// [`StoreError::LastAdmin`] instead of demoting the last administrator — also when two
    /// administrators demote each other at the same time.
    async fn set_user_role(&self, id: i64, role: Role) -> Result<()>;
    /// Also deletes the user's sessions. [`StoreError::LastAdmin`] for the last administrator.
    async fn delete_user(&self, id: i64) -> Result<()>;
    async fn create_session(&self, session: &Session) -> Result<()>;
    /// The session if it exists and has not expired at `now`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_sessions_of_user(&self, user_id: i64) -> Result<u64>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;
}
