//! Sending recorded pre-notifications: each is claimed in the store first (so two instances or
//! a double click send it once), then handed to the mail server or made into its letter, then
//! recorded with the proof. Nothing is marked sent that the server did not accept; a refusal or
//! an unreachable server leaves it failed with the server's words, to be sent again later.
//!
//! A crash between the server's acceptance and the record leaves it `sending`: it may have gone
//! out, so it is never sent again on its own ("unclear", to be checked in the mailbox).

use chrono::{DateTime, NaiveDate, Utc};

use super::announce::{Language, letter_of};
use super::mail::{Mailer, OutgoingMail};
use crate::settings::CreditorSettings;
use lastschrift_store::{
    NotificationChannel, NotificationStatus, PreNotification, Store, StoreError,
};

/// What one round of sending did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SendReport {
    /// Accepted by the mail server, or the letter made, in this round.
    pub sent: Vec<PreNotification>,
    /// Refused or not reachable in this round (each with `last_error`).
    pub failed: Vec<PreNotification>,
    /// Sent before: left alone.
    pub already_sent: Vec<PreNotification>,
    /// Claimed by an earlier round that never recorded the outcome (a crash): perhaps sent,
    /// never sent again on its own.
    pub unclear: Vec<PreNotification>,
}

/// Everything sending needs besides the store.
pub struct Sender<'a> {
    /// `None` when no mail server is configured: e-mails then fail with that reason.
    pub mailer: Option<&'a Mailer>,
    pub creditor: &'a CreditorSettings,
    pub language: Language,
    pub now: DateTime<Utc>,
    /// The letter's date (bank date).
    pub today: NaiveDate,
}

/// Sends each of `notifications` that is pending or failed.
pub async fn send(
    store: &dyn Store,
    sender: &Sender<'_>,
    notifications: Vec<PreNotification>,
) -> Result<SendReport, StoreError> {
    let mut report = SendReport::default();
    for notification in notifications {
        match notification.status {
            NotificationStatus::Sent => {
                report.already_sent.push(notification);
                continue;
            }
            NotificationStatus::Sending => {
                report.unclear.push(notification);
                continue;
            }
            NotificationStatus::Pending | NotificationStatus::Failed => {}
        }
        if !store.claim_pre_notification(notification.id).await? {
            // Another round took it meanwhile: report it as it stands now.
            if let Some(now) = store.pre_notification(notification.id).await? {
                match now.status {
                    NotificationStatus::Sent => report.already_sent.push(now),
                    _ => report.unclear.push(now),
                }
            }
            continue;
        }
        let outcome = match notification.channel {
            NotificationChannel::Email => match sender.mailer {
                None => Err("no mail server is configured ([smtp] host in the configuration file); nothing was sent".to_owned()),
                Some(mailer) => mailer
                    .send(&OutgoingMail {
                        to_name: notification.debtor_name.clone(),
                        to_address: notification.address.clone(),
                        subject: notification.subject.clone(),
                        text: notification.body_text.clone(),
                        html: notification.body_html.clone(),
                        message_id: notification.message_id.clone(),
                    })
                    .await
                    .map(|receipt| (Some(receipt.reply), None))
                    .map_err(|error| error.to_string()),
            },
            NotificationChannel::Letter => {
                let letter = letter_of(&notification, sender.creditor, sender.today, sender.language);
                Ok((None, Some(super::letter::render(&letter))))
            }
        };
        match outcome {
            Ok((reply, pdf)) => {
                let sent = store
                    .record_pre_notification_sent(
                        notification.id,
                        sender.now,
                        reply.as_deref(),
                        pdf.as_deref(),
                    )
                    .await?;
                tracing::info!(id = sent.id, channel = %sent.channel, "pre-notification sent");
                report.sent.push(sent);
            }
            Err(error) => {
                tracing::warn!(id = notification.id, %error, "pre-notification not sent");
                report.failed.push(
                    store
                        .record_pre_notification_failed(notification.id, &error)
                        .await?,
                );
            }
        }
    }
    Ok(report)
}
