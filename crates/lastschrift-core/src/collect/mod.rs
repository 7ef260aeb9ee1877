//! Collection runs: which open invoices may be debited and why the others may not
//! ([`plan_collection`]), and making the run ([`execute_collection`]): re-read, build, record,
//! write.
//!
//! A use-case layer: it works on store models and the sevdesk client, never on SQL. The CLI and
//! the web UI call these functions and only present the results.

pub mod build;
pub mod eligibility;
pub mod execute;
pub mod mandate;
pub mod plan;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};

pub use build::FieldProblem;
pub use eligibility::{AnnouncedAs, ExclusionReason, Explanation, invoice_exclusion};
pub(crate) use execute::fail_point;
pub use execute::{
    CollectionLock, CollectionOutcome, control_list_file_name, execute_collection,
    export_recorded_runs, export_run, lock_collection, write_file_exactly,
};
pub use plan::{
    CollectionPlan, Exclusion, PlannedAmendment, PlannedDebit, Purpose, Snapshot, plan,
    plan_collection, plan_for,
};

use lastschrift_store::StoreError;

/// Why a collection run could not be made. `Display` is the sentence for the user.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(
        "no creditor is configured; add the [creditor] section (name, iban, creditor_id) to the configuration file (see lastschrift.example.toml)"
    )]
    NoCreditor,
    #[error("the creditor data is not valid: {}", join(.0, false))]
    InvalidCreditor(Vec<FieldProblem>),
    #[error("the pain.008 message could not be built: {}", join(.0, false))]
    Message(Vec<FieldProblem>),
    #[error(
        "the invoices could not be re-read from sevdesk before writing ({}); nothing was collected, try again later",
        .0.user_message()
    )]
    Reread(#[source] sevdesk::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("could not write {}: {source}", path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} already exists with other content; it is not overwritten — move it away and run the command again (the run is recorded and its file will be written then)",
        path.display()
    )]
    OutputExists { path: PathBuf },
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The confirmed preview is out of date (a mandate, an invoice or a setting changed since):
    /// nothing was written; this is the plan as it is now, to be previewed again.
    #[error(
        "the collection run changed since the preview ({} debit(s), {} now); nothing was written — check the new preview and confirm again",
        .0.debits.len(),
        format_euro(.0.total_cents)
    )]
    PlanChanged(Box<CollectionPlan>),
    /// A requested collection date beyond `policies.max_days_ahead`: banks keep a file at most
    /// a few weeks, and a typo (2062 for 2026) should not become a run.
    #[error(
        "the collection date {} is too far ahead; the latest date accepted is {} ({} days from today, policies.max_days_ahead)",
        .requested.format("%d.%m.%Y"),
        .latest.format("%d.%m.%Y"),
        .max_days_ahead
    )]
    DateTooFar {
        requested: chrono::NaiveDate,
        latest: chrono::NaiveDate,
        max_days_ahead: u32,
    },
}

/// Beyond this many calendar days the bank must hold (warehouse) the file before it presents
/// it (EBA STEP2 takes collections from D-14); many banks refuse earlier files.
pub const WAREHOUSING_DAYS: i64 = 14;

impl CollectError {
    /// A stable code for scripts and the web.
    pub fn code(&self) -> &'static str {
        match self {
            CollectError::NoCreditor => "no_creditor",
            CollectError::InvalidCreditor(_) => "invalid_creditor",
            CollectError::Message(_) => "message_not_built",
            CollectError::Reread(_) => "reread_failed",
            CollectError::Store(_) => "database",
            CollectError::Output { .. } => "output_not_written",
            CollectError::OutputExists { .. } => "output_exists",
            CollectError::Io(_) => "io",
            CollectError::File(_) => "output_not_written",
            CollectError::PlanChanged(_) => "plan_changed",
            CollectError::DateTooFar { .. } => "date_too_far",
        }
    }

    pub fn german(&self) -> String {
        match self {
            CollectError::NoCreditor => "Es ist kein Gläubiger eingerichtet; bitte Name, IBAN und Gläubiger-ID auf der Einstellungsseite (oder im Abschnitt [creditor] der Konfigurationsdatei) eintragen.".into(),
            CollectError::InvalidCreditor(problems) => {
                format!("Die Gläubigerdaten sind ungültig: {}", join(problems, true))
            }
            CollectError::Message(problems) => format!(
                "Die pain.008-Nachricht konnte nicht gebaut werden: {}",
                join(problems, true)
            ),
            CollectError::Reread(e) => format!(
                "Die Rechnungen konnten vor dem Schreiben nicht neu aus sevdesk gelesen werden ({}); es wurde nichts eingezogen, bitte später erneut versuchen.",
                crate::error::sevdesk_german(e)
            ),
            CollectError::Store(e) => crate::error::store_german(e),
            CollectError::Output { path, .. } => {
                format!("{} konnte nicht geschrieben werden.", path.display())
            }
            CollectError::OutputExists { path } => format!(
                "{} gibt es schon mit anderem Inhalt; die Datei wird nicht überschrieben. Bitte verschieben und erneut starten (der Lauf ist gespeichert, seine Datei wird dann geschrieben).",
                path.display()
            ),
            CollectError::Io(_) => "Eine Datei konnte nicht geschrieben werden; das Protokoll nennt die Ursache.".into(),
            CollectError::File(e) => e.german(),
            CollectError::DateTooFar {
                requested,
                latest,
                max_days_ahead,
            } => format!(
                "Das Einzugsdatum {} liegt zu weit in der Zukunft; spätestens möglich ist der {} ({max_days_ahead} Tage ab heute, Einstellung policies.max_days_ahead).",
                requested.format("%d.%m.%Y"),
                latest.format("%d.%m.%Y")
            ),
            CollectError::PlanChanged(plan) => format!(
                "Der Einzugslauf hat sich seit der Vorschau geändert ({} Lastschrift(en), jetzt {}); es wurde nichts geschrieben. Bitte die neue Vorschau prüfen und erneut bestätigen.",
                plan.debits.len(),
                format_euro(plan.total_cents)
            ),
        }
    }
}

fn join(problems: &[FieldProblem], german: bool) -> String {
    problems
        .iter()
        .map(|p| p.describe(german))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The bank's wall-clock time (Europe/Berlin). Cut-off times and "today" are the bank's, whatever
/// the zone of the machine.
pub fn bank_time(now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&chrono_tz::Europe::Berlin).naive_local()
}

/// `1.234,56 €`, as the German UI shows amounts.
pub fn format_euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02} €", abs % 100)
}

/// `1234,56`: for CSV files a German spreadsheet reads as a number.
pub fn format_euro_plain(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// A complete German contact for the unit tests of the rules.
#[cfg(test)]
pub(crate) fn test_contact(
    id: lastschrift_store::SevdeskId,
    customer_number: &str,
) -> lastschrift_store::Contact {
    lastschrift_store::Contact {
        id,
        customer_number: Some(customer_number.into()),
        display_name: format!("Kunde {id}"),
        is_organisation: false,
        parent_id: None,
        iban: Some("DE02120300000000202051".into()),
        bic: None,
        mandate_reference_field: None,
        mandate_reference: None,
        signature_date_field: Some("02.01.2024".into()),
        email: None,
        street: None,
        zip: None,
        city: None,
        country_code: Some("DE".into()),
        updated_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn bank_time_follows_the_eu_summer_time_rule() {
        // Winter: UTC+1.
        assert_eq!(
            bank_time(utc(2026, 11, 28, 9, 30)).to_string(),
            "2026-11-28 10:30:00"
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(
            bank_time(utc(2026, 3, 29, 0, 59)).to_string(),
            "2026-03-29 01:59:00"
        );
        assert_eq!(
            bank_time(utc(2026, 3, 29, 1, 0)).to_string(),
            "2026-03-29 03:00:00"
        );
        assert_eq!(
            bank_time(utc(2026, 10, 25, 0, 59)).to_string(),
            "2026-10-25 02:59:00"
        );
        assert_eq!(
            bank_time(utc(2026, 10, 25, 1, 0)).to_string(),
            "2026-10-25 02:00:00"
        );
    }

    #[test]
    fn euro_formats() {
        assert_eq!(format_euro(123_456), "1.234,56 €");
        assert_eq!(format_euro(5), "0,05 €");
        assert_eq!(format_euro(-100_000_000), "-1.000.000,00 €");
        assert_eq!(format_euro_plain(123_456), "1234,56");
    }
}
