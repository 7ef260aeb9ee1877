//! lastschrift's application core: settings, the secret key, sync, mandates and collection runs.

mod app;
pub mod bank;
pub mod collect;
pub mod csv_input;
pub mod dates;
pub mod debit_csv;
mod error;
pub mod files;
pub mod mandates;
pub mod notify;
pub mod overview;
pub(crate) mod pdf;
pub mod runs;
pub mod saved_settings;
pub mod secret;
pub mod settings;
pub mod sync;
pub mod users;

pub use app::{
    App, Clock, ConnectOutcome, NotificationPreview, NotifyOutcome, PolicyChanges, SetupStatus,
    SystemClock,
};
pub use error::{CoreError, sevdesk_german};

/// The store's records and errors as the faces see them. The storage itself (the `Store` trait,
/// the backends, the SQL) stays behind [`App`]: a face cannot name it, so it cannot bypass a rule.
pub mod store {
    pub use lastschrift_store::{
        Amendment, AnnouncedInvoice, Backend, BankEffect, BankEvent, BankImport, CollectionFile,
        CollectionFileInfo, CollectionRun, Contact, CreditNote, DatabaseUrl, Debit, DebitFollowUp,
        DebitStatus, DocumentType, FollowUp, Invoice, Mandate, MandateAmendment,
        MandateDocumentInfo, MandateEdit, MandateRevocation, MandateSource, MandateStatus,
        NotificationChannel, NotificationStatus, Page, Paged, PaymentMethod, PreNotification,
        PreNotificationItem, RequestLogEntry, Role, RunStatus, Scheme, SequenceType, Session,
        SevdeskId, StoreError, SyncProblem, SyncRecord, SyncReport, UpsertCounts, User,
        invoice_status,
    };
}
