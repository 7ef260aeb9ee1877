//! Rows as the database returns them, and their conversion into domain records. Status texts are
//! parsed here, so an unknown value is a clear [`StoreError::Corrupt`], never a panic.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

use super::model::*;
use super::{Result, StoreError};

pub(crate) fn parse<T: FromStr<Err = String>>(text: &str) -> Result<T> {
    text.parse().map_err(StoreError::Corrupt)
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    id: i64,
    customer_number: Option<String>,
    display_name: String,
    is_organisation: bool,
    parent_id: Option<i64>,
    iban: Option<String>,
    bic: Option<String>,
    mandate_reference_field: Option<String>,
    mandate_reference: Option<String>,
    signature_date_field: Option<String>,
    email: Option<String>,
    street: Option<String>,
    zip: Option<String>,
    city: Option<String>,
    country_code: Option<String>,
    sevdesk_updated_at: Option<DateTime<Utc>>,
}

pub(crate) const CONTACT_COLUMNS: &str = "id, customer_number, display_name, is_organisation, parent_id, iban, bic, \
     mandate_reference_field, mandate_reference, signature_date_field, email, street, zip, city, \
     country_code, sevdesk_updated_at";

impl From<ContactRow> for Contact {
    fn from(row: ContactRow) -> Self {
        Contact {
            id: row.id,
            customer_number: row.customer_number,
            display_name: row.display_name,
            is_organisation: row.is_organisation,
            parent_id: row.parent_id,
            iban: row.iban,
            bic: row.bic,
            mandate_reference_field: row.mandate_reference_field,
            mandate_reference: row.mandate_reference,
            signature_date_field: row.signature_date_field,
            email: row.email,
            street: row.street,
            zip: row.zip,
            city: row.city,
            country_code: row.country_code,
            updated_at: row.sevdesk_updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InvoiceRow {
    id: i64,
    number: Option<String>,
    invoice_type: String,
    status: i32,
    contact_id: i64,
    currency: String,
    sum_gross_cents: i64,
    paid_cents: i64,
    payment_method_id: Option<i64>,
    invoice_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    sevdesk_updated_at: Option<DateTime<Utc>>,
    gone: bool,
}

pub(crate) const INVOICE_COLUMNS: &str = "id, number, invoice_type, status, contact_id, currency, sum_gross_cents, \
     paid_cents, payment_method_id, invoice_date, due_date, sevdesk_updated_at, gone";

impl From<InvoiceRow> for Invoice {
    fn from(row: InvoiceRow) -> Self {
        Invoice {
            id: row.id,
            number: row.number,
            invoice_type: row.invoice_type,
            status: row.status,
            contact_id: row.contact_id,
            currency: row.currency,
            sum_gross_cents: row.sum_gross_cents,
            paid_cents: row.paid_cents,
            payment_method_id: row.payment_method_id,
            invoice_date: row.invoice_date,
            due_date: row.due_date,
            updated_at: row.sevdesk_updated_at,
            gone: row.gone,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CreditNoteRow {
    id: i64,
    contact_id: i64,
    invoice_id: Option<i64>,
    amount_cents: i64,
    status: i32,
}

impl From<CreditNoteRow> for CreditNote {
    fn from(row: CreditNoteRow) -> Self {
        CreditNote {
            id: row.id,
            contact_id: row.contact_id,
            invoice_id: row.invoice_id,
            amount_cents: row.amount_cents,
            status: row.status,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PaymentMethodRow {
    id: i64,
    name: String,
    electronic_invoice_id: Option<String>,
}

impl From<PaymentMethodRow> for PaymentMethod {
    fn from(row: PaymentMethodRow) -> Self {
        PaymentMethod {
            id: row.id,
            name: row.name,
            electronic_invoice_id: row.electronic_invoice_id,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SyncRow {
    id: i64,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    new_count: i64,
    changed_count: i64,
    gone_count: i64,
    errors: String,
}

impl TryFrom<SyncRow> for SyncRecord {
    type Error = StoreError;
    fn try_from(row: SyncRow) -> Result<Self> {
        let problems: Vec<SyncProblem> = serde_json::from_str(&row.errors)
            .map_err(|error| StoreError::Corrupt(format!("sync run {}: {error}", row.id)))?;
        Ok(SyncRecord {
            id: row.id,
            report: SyncReport {
                started_at: row.started_at,
                finished_at: row.finished_at,
                new: count(row.new_count),
                changed: count(row.changed_count),
                gone: count(row.gone_count),
                problems,
            },
        })
    }
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[derive(sqlx::FromRow)]
pub(crate) struct MandateRow {
    reference: String,
    contact_id: i64,
    signature_date: Option<NaiveDate>,
    scheme: String,
    status: String,
    first_collection: Option<NaiveDate>,
    last_collection: Option<NaiveDate>,
    last_iban: Option<String>,
    last_reference: Option<String>,
    source: String,
    one_off: bool,
    ending: bool,
}

/// The mandates with their first and last collection derived: the entered dates joined with the
/// ledger's debits that count as a use (not rejected, not cancelled — never presented). Add a
/// `WHERE` on `m.`.
pub(crate) const MANDATE_SELECT: &str = "SELECT m.reference, m.contact_id, m.signature_date, \
     m.scheme, m.status, \
     CASE WHEN u.first_use IS NULL THEN m.first_collection \
     WHEN m.first_collection IS NULL OR u.first_use < m.first_collection THEN u.first_use \
     ELSE m.first_collection END AS first_collection, \
     CASE WHEN u.last_use IS NULL THEN m.last_collection \
     WHEN m.last_collection IS NULL OR u.last_use > m.last_collection THEN u.last_use \
     ELSE m.last_collection END AS last_collection, \
     m.last_iban, m.last_reference, m.source, m.one_off, m.ending \
     FROM mandates m LEFT JOIN (SELECT mandate_reference, MIN(collection_date) AS first_use, \
     MAX(collection_date) AS last_use FROM debits \
     WHERE status NOT IN ('rejected', 'cancelled') GROUP BY mandate_reference) u \
     ON u.mandate_reference = m.reference";

impl TryFrom<MandateRow> for Mandate {
    type Error = StoreError;
    fn try_from(row: MandateRow) -> Result<Self> {
        Ok(Mandate {
            scheme: parse(&row.scheme)?,
            status: parse(&row.status)?,
            source: parse(&row.source)?,
            reference: row.reference,
            contact_id: row.contact_id,
            signature_date: row.signature_date,
            first_collection: row.first_collection,
            last_collection: row.last_collection,
            last_iban: row.last_iban,
            last_reference: row.last_reference,
            one_off: row.one_off,
            ending: row.ending,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AmendmentRow {
    id: i64,
    mandate_reference: String,
    debit_id: Option<i64>,
    detected_at: DateTime<Utc>,
    original_reference: Option<String>,
    original_iban: Option<String>,
    new_iban: Option<String>,
}

impl From<AmendmentRow> for MandateAmendment {
    fn from(row: AmendmentRow) -> Self {
        MandateAmendment {
            id: row.id,
            mandate_reference: row.mandate_reference,
            debit_id: row.debit_id,
            detected_at: row.detected_at,
            original_reference: row.original_reference,
            original_iban: row.original_iban,
            new_iban: row.new_iban,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocumentInfoRow {
    id: i64,
    mandate_reference: String,
    file_name: String,
    content_type: String,
    sha256: String,
    size_bytes: i64,
    uploaded_at: DateTime<Utc>,
    uploaded_by: Option<String>,
}

pub(crate) const DOCUMENT_INFO_COLUMNS: &str =
    "id, mandate_reference, file_name, content_type, sha256, size_bytes, uploaded_at, uploaded_by";

impl TryFrom<DocumentInfoRow> for MandateDocumentInfo {
    type Error = StoreError;
    fn try_from(row: DocumentInfoRow) -> Result<Self> {
        Ok(MandateDocumentInfo {
            content_type: parse(&row.content_type)?,
            id: row.id,
            mandate_reference: row.mandate_reference,
            file_name: row.file_name,
            sha256: row.sha256,
            size_bytes: row.size_bytes,
            uploaded_at: row.uploaded_at,
            uploaded_by: row.uploaded_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    #[sqlx(flatten)]
    info: DocumentInfoRow,
    bytes: Vec<u8>,
}

impl TryFrom<DocumentRow> for MandateDocument {
    type Error = StoreError;
    fn try_from(row: DocumentRow) -> Result<Self> {
        Ok(MandateDocument {
            info: row.info.try_into()?,
            bytes: row.bytes,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct BankImportRow {
    pub(crate) id: i64,
    sha256: String,
    file_name: String,
    format: String,
    message_id: String,
    imported_at: DateTime<Utc>,
    imported_by: Option<String>,
}

pub(crate) const BANK_IMPORT_COLUMNS: &str =
    "id, sha256, file_name, format, message_id, imported_at, imported_by";

impl BankImportRow {
    pub(crate) fn with_events(self, events: Vec<BankEvent>) -> BankImport {
        BankImport {
            id: self.id,
            sha256: self.sha256,
            file_name: self.file_name,
            format: self.format,
            message_id: self.message_id,
            imported_at: self.imported_at,
            imported_by: self.imported_by,
            events,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct BankEventRow {
    id: i64,
    import_id: i64,
    debit_id: Option<i64>,
    effect: String,
    reason_code: Option<String>,
    amount_cents: Option<i64>,
    fee_cents: i64,
    booked_on: Option<NaiveDate>,
    detail: String,
}

pub(crate) const BANK_EVENT_COLUMNS: &str =
    "id, import_id, debit_id, effect, reason_code, amount_cents, fee_cents, booked_on, detail";

impl TryFrom<BankEventRow> for BankEvent {
    type Error = StoreError;
    fn try_from(row: BankEventRow) -> Result<Self> {
        Ok(BankEvent {
            effect: parse(&row.effect)?,
            id: row.id,
            import_id: row.import_id,
            debit_id: row.debit_id,
            reason_code: row.reason_code,
            amount_cents: row.amount_cents,
            fee_cents: row.fee_cents,
            booked_on: row.booked_on,
            detail: row.detail,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FollowUpRow {
    #[sqlx(flatten)]
    debit: DebitRow,
    action: String,
    follow_up_reason: Option<String>,
    blocked_iban: Option<String>,
    decided_at: DateTime<Utc>,
    decided_by: Option<String>,
}

impl TryFrom<FollowUpRow> for DebitFollowUp {
    type Error = StoreError;
    fn try_from(row: FollowUpRow) -> Result<Self> {
        Ok(DebitFollowUp {
            action: parse(&row.action)?,
            debit: Debit::try_from(row.debit)?,
            reason_code: row.follow_up_reason,
            blocked_iban: row.blocked_iban,
            decided_at: row.decided_at,
            decided_by: row.decided_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RevocationRow {
    mandate_reference: String,
    revoked_on: NaiveDate,
    note: Option<String>,
    recorded_at: DateTime<Utc>,
}

impl From<RevocationRow> for MandateRevocation {
    fn from(row: RevocationRow) -> Self {
        MandateRevocation {
            mandate_reference: row.mandate_reference,
            revoked_on: row.revoked_on,
            note: row.note,
            recorded_at: row.recorded_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    pub(crate) id: i64,
    created_at: DateTime<Utc>,
    status: String,
    format: String,
    collection_dates: String,
    debit_count: i64,
    total_cents: i64,
}

pub(crate) const RUN_COLUMNS: &str =
    "id, created_at, status, format, collection_dates, debit_count, total_cents";

impl RunRow {
    pub(crate) fn into_run(self, files: Vec<CollectionFileInfo>) -> Result<CollectionRun> {
        let collection_dates = self
            .collection_dates
            .split(',')
            .filter(|text| !text.is_empty())
            .map(|text| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    StoreError::Corrupt(format!("run {}: collection date `{text}`", self.id))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CollectionRun {
            id: self.id,
            created_at: self.created_at,
            status: parse(&self.status)?,
            format: self.format,
            collection_dates,
            debit_count: self.debit_count,
            total_cents: self.total_cents,
            files,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FileInfoRow {
    id: i64,
    pub(crate) run_id: i64,
    position: i64,
    file_name: String,
    message_id: String,
    sha256: String,
    debit_count: i64,
    total_cents: i64,
}

pub(crate) const FILE_INFO_COLUMNS: &str =
    "id, run_id, position, file_name, message_id, sha256, debit_count, total_cents";

impl From<FileInfoRow> for CollectionFileInfo {
    fn from(row: FileInfoRow) -> Self {
        CollectionFileInfo {
            id: row.id,
            run_id: row.run_id,
            position: row.position,
            file_name: row.file_name,
            message_id: row.message_id,
            sha256: row.sha256,
            debit_count: row.debit_count,
            total_cents: row.total_cents,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FileRow {
    #[sqlx(flatten)]
    info: FileInfoRow,
    bytes: Vec<u8>,
}

impl From<FileRow> for CollectionFile {
    fn from(row: FileRow) -> Self {
        CollectionFile {
            info: row.info.into(),
            bytes: row.bytes,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DebitRow {
    id: i64,
    run_id: i64,
    file_id: i64,
    invoice_id: i64,
    contact_id: i64,
    mandate_reference: String,
    iban: String,
    amount_cents: i64,
    sequence_type: String,
    end_to_end_id: String,
    collection_date: NaiveDate,
    status: String,
    status_changed_at: Option<DateTime<Utc>>,
    status_reason: Option<String>,
    status_on: Option<NaiveDate>,
    fee_cents: Option<i64>,
    confirmed_by_bank: bool,
}

pub(crate) const DEBIT_COLUMNS: &str = "id, run_id, file_id, invoice_id, contact_id, mandate_reference, iban, amount_cents, \
     sequence_type, end_to_end_id, collection_date, status, status_changed_at, status_reason, \
     status_on, fee_cents, confirmed_by_bank";

impl TryFrom<DebitRow> for Debit {
    type Error = StoreError;
    fn try_from(row: DebitRow) -> Result<Self> {
        Ok(Debit {
            sequence_type: parse(&row.sequence_type)?,
            status: parse(&row.status)?,
            id: row.id,
            run_id: row.run_id,
            file_id: row.file_id,
            invoice_id: row.invoice_id,
            contact_id: row.contact_id,
            mandate_reference: row.mandate_reference,
            iban: row.iban,
            amount_cents: row.amount_cents,
            end_to_end_id: row.end_to_end_id,
            collection_date: row.collection_date,
            status_changed_at: row.status_changed_at,
            status_reason: row.status_reason,
            status_on: row.status_on,
            fee_cents: row.fee_cents,
            confirmed_by_bank: row.confirmed_by_bank,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RequestLogRow {
    id: i64,
    at: DateTime<Utc>,
    method: String,
    path: String,
    status: Option<i32>,
    duration_ms: i64,
}

impl From<RequestLogRow> for RequestLogEntry {
    fn from(row: RequestLogRow) -> Self {
        RequestLogEntry {
            id: row.id,
            at: row.at,
            method: row.method,
            path: row.path,
            status: row.status,
            duration_ms: row.duration_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    created_at: DateTime<Utc>,
}

pub(crate) const USER_COLUMNS: &str = "id, username, password_hash, role, created_at";

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self> {
        Ok(User {
            role: parse(&row.role)?,
            id: row.id,
            username: row.username,
            password_hash: row.password_hash,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    token_hash: String,
    user_id: i64,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Session {
            token_hash: row.token_hash,
            user_id: row.user_id,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PreNotificationRow {
    pub(crate) id: i64,
    created_at: DateTime<Utc>,
    fingerprint: String,
    collection_date: NaiveDate,
    mandate_reference: String,
    contact_id: i64,
    debtor_name: String,
    channel: String,
    address: String,
    creditor_id: String,
    total_cents: i64,
    subject: String,
    body_text: String,
    body_html: String,
    template_version: String,
    message_id: String,
    status: String,
    attempts: i64,
    sent_at: Option<DateTime<Utc>>,
    server_reply: Option<String>,
    pdf_sha256: Option<String>,
    last_error: Option<String>,
    status_changed_at: Option<DateTime<Utc>>,
}

pub(crate) const PRE_NOTIFICATION_COLUMNS: &str = "id, created_at, fingerprint, collection_date, \
     mandate_reference, contact_id, debtor_name, channel, address, creditor_id, total_cents, \
     subject, body_text, body_html, template_version, message_id, status, attempts, sent_at, \
     server_reply, pdf_sha256, last_error, status_changed_at";

impl PreNotificationRow {
    pub(crate) fn with_items(self, items: Vec<PreNotificationItem>) -> Result<PreNotification> {
        Ok(PreNotification {
            channel: parse(&self.channel)?,
            status: parse(&self.status)?,
            id: self.id,
            created_at: self.created_at,
            fingerprint: self.fingerprint,
            collection_date: self.collection_date,
            mandate_reference: self.mandate_reference,
            contact_id: self.contact_id,
            debtor_name: self.debtor_name,
            address: self.address,
            creditor_id: self.creditor_id,
            items,
            total_cents: self.total_cents,
            subject: self.subject,
            body_text: self.body_text,
            body_html: self.body_html,
            template_version: self.template_version,
            message_id: self.message_id,
            attempts: self.attempts,
            sent_at: self.sent_at,
            server_reply: self.server_reply,
            pdf_sha256: self.pdf_sha256,
            last_error: self.last_error,
            status_changed_at: self.status_changed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PreNotificationItemRow {
    pub(crate) pre_notification_id: i64,
    pub(crate) invoice_id: i64,
    pub(crate) invoice_number: Option<String>,
    pub(crate) amount_cents: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AnnouncedInvoiceRow {
    invoice_id: i64,
    amount_cents: i64,
    collection_date: NaiveDate,
    sent_at: DateTime<Utc>,
    pre_notification_id: i64,
    channel: String,
    address: String,
    message_id: String,
    server_reply: Option<String>,
    pdf_sha256: Option<String>,
}

impl TryFrom<AnnouncedInvoiceRow> for AnnouncedInvoice {
    type Error = StoreError;
    fn try_from(row: AnnouncedInvoiceRow) -> Result<Self> {
        Ok(AnnouncedInvoice {
            channel: parse(&row.channel)?,
            invoice_id: row.invoice_id,
            amount_cents: row.amount_cents,
            collection_date: row.collection_date,
            sent_at: row.sent_at,
            pre_notification_id: row.pre_notification_id,
            address: row.address,
            message_id: row.message_id,
            server_reply: row.server_reply,
            pdf_sha256: row.pdf_sha256,
        })
    }
}
