//! From a planned run to its pre-notifications: one per debtor (mandate) and collection date,
//! listing every invoice with its amount, the total, the mandate reference and the creditor id;
//! by e-mail to the contact's address in sevdesk, else as a letter to its postal address.
//!
//! The texts are the built-in templates in German or English ([`TEMPLATE_VERSION`] is recorded
//! with each message as proof of what was said). The HTML part is the text's twin: no remote
//! images, no scripts, every value escaped.

use std::collections::BTreeMap;
use std::collections::HashMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::collect::{CollectionPlan, PlannedDebit, format_euro};
use crate::settings::CreditorSettings;
use lastschrift_store::{
    Contact, NewPreNotification, NotificationChannel, PreNotification, PreNotificationItem,
    SevdeskId,
};

/// Recorded with each pre-notification: which text it was made from.
pub const TEMPLATE_VERSION: &str = "builtin-1";

/// The language of the texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    De,
    En,
}

/// A debtor that cannot be announced, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Unannounceable {
    pub contact_id: SevdeskId,
    pub debtor_name: String,
    pub mandate_reference: String,
    pub english: String,
    pub german: String,
}

/// The pre-notifications a plan calls for, and the debtors that cannot get one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Announcement {
    pub notifications: Vec<NewPreNotification>,
    pub unannounceable: Vec<Unannounceable>,
}

/// Groups the plan's debits per mandate and collection date and writes their texts.
pub fn announce(
    plan: &CollectionPlan,
    contacts: &[Contact],
    creditor: &CreditorSettings,
    language: Language,
    sender_domain: &str,
) -> Announcement {
    let contacts: HashMap<SevdeskId, &Contact> = contacts.iter().map(|c| (c.id, c)).collect();
    let mut groups: BTreeMap<(String, NaiveDate), Vec<&PlannedDebit>> = BTreeMap::new();
    for debit in &plan.debits {
        groups
            .entry((
                debit.mandate_reference.as_str().to_owned(),
                debit.collection_date,
            ))
            .or_default()
            .push(debit);
    }
    let mut notifications = Vec::new();
    let mut unannounceable = Vec::new();
    for ((reference, date), debits) in groups {
        let first = debits[0];
        let contact = contacts.get(&first.contact_id).copied();
        let debtor_name = contact
            .map(|c| c.display_name.clone())
            .unwrap_or_else(|| first.debtor_name.as_str().to_owned());
        let home = creditor
            .address
            .as_ref()
            .and_then(|a| a.country.as_deref())
            .unwrap_or("DE");
        let Some((channel, address)) = contact.and_then(|c| channel_of(c, home)) else {
            unannounceable.push(Unannounceable {
                contact_id: first.contact_id,
                debtor_name,
                mandate_reference: reference,
                english: "neither an e-mail address nor a complete postal address (street, postcode, town) in sevdesk".into(),
                german: "weder eine E-Mail-Adresse noch eine vollständige Postanschrift (Straße, PLZ, Ort) in sevdesk".into(),
            });
            continue;
        };
        let items: Vec<PreNotificationItem> = debits
            .iter()
            .map(|d| PreNotificationItem {
                invoice_id: d.invoice_id,
                invoice_number: d.invoice_number.clone(),
                amount_cents: d.amount_cents,
            })
            .collect();
        let facts = Facts {
            debtor_name: &debtor_name,
            date,
            debits: &debits,
            total_cents: debits.iter().map(|d| d.amount_cents).sum(),
            reference: &reference,
            creditor,
            iban: first.iban.masked(),
        };
        let (subject, body_text, body_html) = compose(language, &facts);
        let fingerprint = fingerprint(&reference, date, &items);
        notifications.push(NewPreNotification {
            message_id: format!("<pn-{}@{}>", &fingerprint[..32], sender_domain),
            fingerprint,
            collection_date: date,
            mandate_reference: reference,
            contact_id: first.contact_id,
            debtor_name,
            channel,
            address,
            creditor_id: creditor.creditor_id.trim().to_owned(),
            items,
            subject,
            body_text,
            body_html,
            template_version: format!("{TEMPLATE_VERSION}-{}", language_code(language)),
        });
    }
    Announcement {
        notifications,
        unannounceable,
    }
}

fn language_code(language: Language) -> &'static str {
    match language {
        Language::De => "de",
        Language::En => "en",
    }
}

/// What the announcement is (mandate, date, every invoice and amount), as hex: the same one
/// prepared twice is one record and is never sent twice.
pub fn fingerprint(reference: &str, date: NaiveDate, items: &[PreNotificationItem]) -> String {
    let mut hash = Sha256::new();
    hash.update(reference.to_uppercase().as_bytes());
    hash.update(b"\n");
    hash.update(date.to_string().as_bytes());
    let mut sorted: Vec<(SevdeskId, i64)> = items
        .iter()
        .map(|i| (i.invoice_id, i.amount_cents))
        .collect();
    sorted.sort_unstable();
    for (invoice, amount) in sorted {
        hash.update(format!("\n{invoice}:{amount}").as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// E-mail when the contact has an address that looks like one, else a letter when the postal
/// address is complete.
fn channel_of(contact: &Contact, home: &str) -> Option<(NotificationChannel, String)> {
    if let Some(email) = contact.email.as_deref().map(str::trim)
        && looks_like_email(email)
    {
        return Some((NotificationChannel::Email, email.to_owned()));
    }
    fn filled(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let (street, zip, city) = (
        filled(&contact.street)?,
        filled(&contact.zip)?,
        filled(&contact.city)?,
    );
    let mut lines = vec![contact.display_name.trim().to_owned()];
    lines.extend(street.lines().map(|l| l.trim().to_owned()));
    lines.push(format!("{zip} {city}"));
    if let Some(country) = contact.country_code.as_deref()
        && !country.eq_ignore_ascii_case(home)
    {
        lines.push(country_name(country));
    }
    Some((NotificationChannel::Letter, lines.join("\n")))
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// A foreign destination's last address line, in capitals as the postal services want it.
fn country_name(code: &str) -> String {
    let name = match code.to_ascii_uppercase().as_str() {
        "DE" => "DEUTSCHLAND",
        "AT" => "ÖSTERREICH",
        "CH" => "SCHWEIZ",
        "LI" => "LIECHTENSTEIN",
        "NL" => "NIEDERLANDE",
        "BE" => "BELGIEN",
        "LU" => "LUXEMBURG",
        "FR" => "FRANKREICH",
        "IT" => "ITALIEN",
        "ES" => "SPANIEN",
        "PL" => "POLEN",
        "CZ" => "TSCHECHIEN",
        "DK" => "DÄNEMARK",
        other => return other.to_owned(),
    };
    name.to_owned()
}

struct Facts<'a> {
    debtor_name: &'a str,
    date: NaiveDate,
    debits: &'a [&'a PlannedDebit],
    total_cents: i64,
    reference: &'a str,
    creditor: &'a CreditorSettings,
    iban: String,
}

fn item_line(d: &PlannedDebit, language: Language) -> String {
    let number = d
        .invoice_number
        .clone()
        .unwrap_or_else(|| format!("#{}", d.invoice_id));
    let dated = d.invoice_date.map(|date| match language {
        Language::De => format!(" vom {}", date.format("%d.%m.%Y")),
        Language::En => format!(" of {}", date.format("%d %b %Y")),
    });
    let amount = match language {
        Language::De => format_euro(d.amount_cents),
        Language::En => english_euro(d.amount_cents),
    };
    match language {
        Language::De => format!("Rechnung {number}{}: {amount}", dated.unwrap_or_default()),
        Language::En => format!("Invoice {number}{}: {amount}", dated.unwrap_or_default()),
    }
}

fn english_euro(cents: i64) -> String {
    let euros = cents / 100;
    let mut grouped = String::new();
    for (i, c) in euros.abs().to_string().chars().rev().enumerate() {
        if i > 0 && i % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let grouped: String = grouped.chars().rev().collect();
    format!("EUR {grouped}.{:02}", (cents % 100).abs())
}

/// Subject, plain text and HTML of one pre-notification.
fn compose(language: Language, f: &Facts) -> (String, String, String) {
    let items: Vec<String> = f.debits.iter().map(|d| item_line(d, language)).collect();
    let creditor = f.creditor.name.trim();
    let creditor_id = f.creditor.creditor_id.trim();
    let (subject, paragraphs) = match language {
        Language::De => {
            let date = f.date.format("%d.%m.%Y").to_string();
            let total = format_euro(f.total_cents);
            (
                format!("Vorabankündigung: SEPA-Lastschrift am {date} über {total}"),
                vec![
                    format!("Guten Tag {},", f.debtor_name),
                    format!(
                        "wir ziehen am {date} den Betrag von {total} per SEPA-Lastschrift von Ihrem Konto {} ein:",
                        f.iban
                    ),
                    items.iter().map(|i| format!("  {i}")).collect::<Vec<_>>().join("\n"),
                    format!(
                        "Summe: {total}\nMandatsreferenz: {}\nGläubiger-Identifikationsnummer: {creditor_id}",
                        f.reference
                    ),
                    "Bitte sorgen Sie für ausreichende Deckung Ihres Kontos. Bei Fragen antworten Sie einfach auf diese Nachricht.".into(),
                    format!("Mit freundlichen Grüßen\n{creditor}"),
                ],
            )
        }
        Language::En => {
            let date = f.date.format("%d %B %Y").to_string();
            let total = english_euro(f.total_cents);
            (
                format!("Pre-notification: SEPA direct debit on {date} of {total}"),
                vec![
                    format!("Dear {},", f.debtor_name),
                    format!(
                        "on {date} we will collect {total} by SEPA direct debit from your account {}:",
                        f.iban
                    ),
                    items.iter().map(|i| format!("  {i}")).collect::<Vec<_>>().join("\n"),
                    format!(
                        "Total: {total}\nMandate reference: {}\nCreditor identifier: {creditor_id}",
                        f.reference
                    ),
                    "Please make sure your account is sufficiently funded. If you have questions, simply reply to this message.".into(),
                    format!("Kind regards\n{creditor}"),
                ],
            )
        }
    };
    let text = paragraphs.join("\n\n") + "\n";
    let html_paragraphs: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p).replace('\n', "<br>\n")))
        .collect();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{html_paragraphs}</body>\n</html>\n",
        language_code(language),
        escape(&subject)
    );
    (subject, text, html)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The letter of a recorded pre-notification, dated `on`.
pub fn letter_of(
    notification: &PreNotification,
    creditor: &CreditorSettings,
    on: NaiveDate,
    language: Language,
) -> super::letter::Letter {
    let mut return_line = vec![creditor.name.trim().to_owned()];
    if let Some(address) = &creditor.address {
        let part = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
        let street = format!("{} {}", part(&address.street), part(&address.building));
        let town = format!("{} {}", part(&address.postcode), part(&address.town));
        for piece in [street.trim(), town.trim()] {
            if !piece.is_empty() {
                return_line.push(piece.to_owned());
            }
        }
    }
    let (date_label, reference_label, creditor_label) = match language {
        Language::De => ("Datum", "Mandatsreferenz", "Gläubiger-ID"),
        Language::En => ("Date", "Mandate reference", "Creditor ID"),
    };
    let date = match language {
        Language::De => on.format("%d.%m.%Y").to_string(),
        Language::En => on.format("%d %B %Y").to_string(),
    };
    super::letter::Letter {
        return_line: return_line.join(" · "),
        recipient: notification.address.lines().map(str::to_owned).collect(),
        info: vec![
            (date_label.into(), date),
            (
                reference_label.into(),
                notification.mandate_reference.clone(),
            ),
            (creditor_label.into(), notification.creditor_id.clone()),
        ],
        subject: notification.subject.clone(),
        body: notification.body_text.clone(),
        title: notification.subject.clone(),
    }
}
