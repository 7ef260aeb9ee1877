//! Pre-notifications (Vorabankündigungen): what a run announces to each debtor, how it is sent
//! (e-mail, or a PDF letter), and the proof kept of it.

pub mod announce;
pub mod letter;
pub mod mail;
pub mod send;

/// Why pre-notifications cannot be made or sent. `Display` is the English sentence.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(
        "the invoices announce the debits (policies.pre_notification = \"invoice\"): lastschrift sends no pre-notification; set policies.pre_notification = \"send\" to have it send them"
    )]
    InvoiceAnnounces,
    #[error(
        "pre-notifications need the creditor's name and creditor id; enter them on the settings page or in the [creditor] section"
    )]
    NoCreditor,
    #[error("the mail server settings ([smtp]) are not usable: {0}")]
    Mail(#[from] mail::MailError),
}

impl NotifyError {
    pub fn code(&self) -> &'static str {
        match self {
            NotifyError::InvoiceAnnounces => "invoice_announces",
            NotifyError::NoCreditor => "no_creditor",
            NotifyError::Mail(e) => e.code(),
        }
    }

    pub fn german(&self) -> String {
        match self {
            NotifyError::InvoiceAnnounces => "Die Rechnungen kündigen die Lastschriften an (Einstellung policies.pre_notification = \"invoice\"); lastschrift verschickt keine Vorabankündigung. Mit policies.pre_notification = \"send\" verschickt es sie.".into(),
            NotifyError::NoCreditor => "Für Vorabankündigungen fehlen Name und Gläubiger-ID des Gläubigers; bitte auf der Einstellungsseite oder im Abschnitt [creditor] eintragen.".into(),
            NotifyError::Mail(e) => format!("Die Einstellungen des Mailservers ([smtp]) sind nicht verwendbar: {}", e.german()),
        }
    }
}
