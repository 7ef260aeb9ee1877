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
    texts: &crate::settings::NotificationSettings,
    sender_domain: &str,
) -> Announcement {
    let language = texts.language;
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
        let (subject, body_text, body_html) = match texts.custom() {
            Some((subject, text)) => compose_custom(language, subject, text, &facts),
            None => compose(language, &facts),
        };
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
            template_version: texts.template_version(),
        });
    }
    Announcement {
        notifications,
        unannounceable,
    }
}

pub(crate) fn language_code(language: Language) -> &'static str {
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

/// The placeholders a template may use. The text must name every one of [`REQUIRED`]: a
/// pre-notification that leaves out the date, an amount or the mandate is none.
pub const PLACEHOLDERS: &[&str] = &[
    "debtor_name",
    "collection_date",
    "invoices",
    "total",
    "mandate_reference",
    "creditor_id",
    "creditor_name",
    "iban",
];

/// What the text of a pre-notification must contain.
pub const REQUIRED: &[&str] = &[
    "collection_date",
    "invoices",
    "total",
    "mandate_reference",
    "creditor_id",
];

/// `{name}` replaced by its value; `{{` and `}}` stand for braces. An unknown or unclosed
/// placeholder is an error naming it.
pub fn fill(template: &str, value: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if rest[i..].starts_with("{{") {
            out.push('{');
            rest = &rest[i + 2..];
        } else if rest[i..].starts_with("}}") {
            out.push('}');
            rest = &rest[i + 2..];
        } else if rest[i..].starts_with('}') {
            return Err("a single `}` (write `}}` for a brace)".into());
        } else {
            let Some(end) = after.find('}') else {
                return Err(format!(
                    "`{{{}` is not closed",
                    after.chars().take(20).collect::<String>()
                ));
            };
            let name = after[..end].trim();
            match value(name) {
                Some(v) => out.push_str(&v),
                None => {
                    return Err(format!(
                        "`{{{name}}}` is no placeholder; known are {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            rest = &after[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Placeholders a template names (for the check that the required ones are there).
pub fn named(template: &str) -> Vec<String> {
    let names = std::cell::RefCell::new(Vec::new());
    let _ = fill(template, &|name| {
        names.borrow_mut().push(name.to_owned());
        Some(String::new())
    });
    names.into_inner()
}

/// Subject, text and HTML from the organisation's own template.
fn compose_custom(
    language: Language,
    subject: &str,
    text: &str,
    f: &Facts,
) -> (String, String, String) {
    let items: Vec<String> = f.debits.iter().map(|d| item_line(d, language)).collect();
    let (date, total) = match language {
        Language::De => (
            f.date.format("%d.%m.%Y").to_string(),
            format_euro(f.total_cents),
        ),
        Language::En => (
            f.date.format("%d %B %Y").to_string(),
            english_euro(f.total_cents),
        ),
    };
    let value = |name: &str| -> Option<String> {
        Some(match name {
            "debtor_name" => f.debtor_name.to_owned(),
            "collection_date" => date.clone(),
            "invoices" => items
                .iter()
                .map(|i| format!("  {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
            "total" => total.clone(),
            "mandate_reference" => f.reference.to_owned(),
            "creditor_id" => f.creditor.creditor_id.trim().to_owned(),
            "creditor_name" => f.creditor.name.trim().to_owned(),
            "iban" => f.iban.clone(),
            _ => return None,
        })
    };
    // The templates were checked with the settings; a failure here keeps the raw text.
    let subject = fill(subject, &value).unwrap_or_else(|_| subject.to_owned());
    let text = fill(text, &value).unwrap_or_else(|_| text.to_owned());
    let text = if text.ends_with('\n') {
        text
    } else {
        text + "\n"
    };
    let paragraphs: Vec<&str> = text.trim_end().split("\n\n").collect();
    let html = html_of(language, &subject, &paragraphs);
    (subject, text, html)
}

fn html_of(language: Language, subject: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p).replace('\n', "<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{body}</body>\n</html>\n",
        language_code(language),
        escape(subject)
    )
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
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    let html = html_of(language, &subject, &refs);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::NotificationSettings;

    #[test]
    fn placeholders_are_filled_and_braces_escaped() {
        let value = |name: &str| (name == "total").then(|| "12,00 €".to_owned());
        assert_eq!(
            fill("Summe {total} {{x}}", &value).unwrap(),
            "Summe 12,00 € {x}"
        );
        assert!(
            fill("{betrag}", &value)
                .unwrap_err()
                .contains("`{betrag}` is no placeholder")
        );
        assert!(
            fill("offen {total", &value)
                .unwrap_err()
                .contains("not closed")
        );
        assert!(fill("zu }", &value).is_err());
    }

    #[test]
    fn an_own_text_must_name_date_invoices_total_mandate_and_creditor() {
        let texts = NotificationSettings {
            subject: Some("Lastschrift {collection_date}".into()),
            text: Some("Wir buchen {total} ab. {betrag}".into()),
            ..NotificationSettings::default()
        };
        let problems: Vec<String> = texts.problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("`{betrag}` is no placeholder"),
            "{problems:?}"
        );
        assert!(
            problems[1]
                .contains("{collection_date}, {invoices}, {mandate_reference}, {creditor_id}"),
            "{problems:?}"
        );
        let only_subject = NotificationSettings {
            subject: Some("x".into()),
            ..NotificationSettings::default()
        };
        assert_eq!(only_subject.problems().len(), 1);
        assert!(NotificationSettings::default().problems().is_empty());
    }
}
