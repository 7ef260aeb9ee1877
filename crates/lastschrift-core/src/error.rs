//! The error of the core seam: what an [`crate::App`] method can fail with.
//!
//! `Display` is one English sentence for the user and [`CoreError::german`] the German one; both
//! say what to do. The causes (why PostgreSQL refused, which HTTP status sevdesk sent) are the
//! [`std::error::Error::source`] chain, which the CLI prints with `-v` and the web writes to the
//! log — never to the page.

use crate::collect::CollectError;
use crate::mandates::{EditError, FormError, ImportError, MandateError};
use crate::secret::SecretError;
use crate::settings::SettingsError;
use crate::sync::SyncError;
use crate::users::UserError;
use lastschrift_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(
        "no sevdesk API token is stored yet; run `lastschrift connect` or enter it on the settings page"
    )]
    NoToken,
    /// The sevdesk client could not be made or answered with an error.
    #[error("{}", .0.user_message())]
    Sevdesk(#[source] sevdesk::Error),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Collect(#[from] CollectError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Edit(#[from] EditError),
    /// A single mandate, its revocation or signed copy was refused (never `MandateError::Store`:
    /// that becomes [`CoreError::Store`]).
    #[error(transparent)]
    Mandate(MandateError),
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Form(#[from] FormError),
    #[error(transparent)]
    Notify(#[from] crate::notify::NotifyError),
}

impl CoreError {
    /// A stable code for scripts (`--json`) and the web's catalogue.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Settings(_) => "settings_invalid",
            CoreError::Store(StoreError::NotFound { .. }) => "not_found",
            CoreError::Store(StoreError::Conflict(_)) => "conflict",
            CoreError::Store(StoreError::LastAdmin) => "last_admin",
            CoreError::Store(StoreError::AlreadyCollected { .. }) => "already_collected",
            CoreError::Store(_) => "database",
            CoreError::Secret(_) => "secret",
            CoreError::NoToken => "no_token",
            CoreError::Sevdesk(_) => "sevdesk",
            CoreError::Sync(_) => "sync_failed",
            CoreError::Collect(e) => e.code(),
            CoreError::Import(_) => "import_failed",
            CoreError::Edit(e) => e.code(),
            CoreError::Mandate(e) => e.code(),
            CoreError::User(e) => e.code(),
            CoreError::Form(e) => e.code(),
            CoreError::Notify(e) => e.code(),
        }
    }

    /// The sentence in German.
    pub fn german(&self) -> String {
        match self {
            CoreError::Settings(e) => format!("Eine Einstellung ist ungültig: {}", e.german()),
            CoreError::Store(e) => store_german(e),
            CoreError::Secret(e) => e.german(),
            CoreError::NoToken => "Es ist noch kein sevdesk-API-Token gespeichert; bitte auf der Einstellungsseite eingeben (oder `lastschrift connect`).".into(),
            CoreError::Sevdesk(e) => sevdesk_german(e),
            CoreError::Sync(e) => e.german(),
            CoreError::Collect(e) => e.german(),
            CoreError::Import(e) => e.german(),
            CoreError::Edit(e) => e.german(),
            CoreError::Mandate(e) => e.german(),
            CoreError::User(e) => e.german(),
            CoreError::Form(e) => e.german(),
            CoreError::Notify(e) => e.german(),
        }
    }

    /// Whether the user (not the setup) is at fault: a wrong value in a form, a state that does
    /// not allow the change. The CLI ends these with exit code 1, setup problems with 2.
    pub fn is_input_problem(&self) -> bool {
        matches!(
            self,
            CoreError::User(_)
                | CoreError::Edit(_)
                | CoreError::Mandate(_)
                | CoreError::Store(StoreError::Conflict(_))
                | CoreError::Store(StoreError::LastAdmin)
        )
    }
}

impl From<MandateError> for CoreError {
    fn from(error: MandateError) -> CoreError {
        match error {
            MandateError::Store(e) => CoreError::Store(e),
            other => CoreError::Mandate(other),
        }
    }
}

pub(crate) fn store_german(e: &StoreError) -> String {
    match e {
        StoreError::NotFound { what } => format!("{what} wurde nicht gefunden."),
        StoreError::AlreadyCollected { invoice_id } => format!(
            "Die Rechnung {invoice_id} wurde schon eingezogen (sie steht im Lastschriftbuch); erst nach einer Rückgabe oder Stornierung der Lastschrift kann sie erneut eingezogen werden."
        ),
        StoreError::Conflict(message) => format!(
            "Die Änderung widerspricht dem gespeicherten Stand und wurde nicht ausgeführt ({message})."
        ),
        StoreError::LastAdmin => {
            "Der letzte Administrator kann weder gelöscht werden noch seine Rolle verlieren.".into()
        }
        StoreError::UnsupportedUrl { scheme } => format!(
            "Die Datenbank-URL mit dem Schema `{scheme}` wird nicht unterstützt; postgres://… für PostgreSQL verwenden oder DATABASE_URL leer lassen (SQLite im Datenverzeichnis)."
        ),
        StoreError::Open { backend, url, .. } => {
            format!("Die {backend}-Datenbank {url} konnte nicht geöffnet werden.")
        }
        StoreError::Corrupt(what) => {
            format!("Die Datenbank enthält einen Wert, den diese Version nicht lesen kann: {what}")
        }
        StoreError::Database(_) => {
            "Ein Datenbankzugriff ist fehlgeschlagen; das Protokoll nennt die Ursache.".into()
        }
    }
}

/// The German sentence of a sevdesk failure: what happened and what to do (the English one is
/// [`sevdesk::Error::user_message`]).
pub fn sevdesk_german(e: &sevdesk::Error) -> String {
    e.user_message_de()
}
