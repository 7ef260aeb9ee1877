//! Seeded, deterministic test data: the same `SandboxConfig` (seed, invoices, contacts, today)
//! always gives the same `Dataset`, byte for byte once serialised. One ChaCha8 stream drives
//! everything, and every decision is drawn in a fixed order, so a new record kind must draw at
//! the end of its own loop, never in between.
//!
//! What the data holds (per draw; "N" = invoices, contacts = ⌈N/2⌉, at least 3):
//!
//! * **Contacts**: 40 % persons (`name` null, `surename`/`familyname` set; 15 % of them with a
//!   `parent` organisation, half of those without an own address), 60 % organisations.
//!   Countries DE 60 %, AT 15 %, NL 10 %, FR 8 %, CH 7 %. Contacts #0–#2 are always
//!   "Müller & Söhne GmbH" (DE), the person "Łukasz Żółć" (DE) and "Café Émile SARL" (FR), each
//!   with a valid IBAN, a mandate reference and a valid signature date. Customer numbers
//!   "1000", "1001", … on all.
//! * **IBAN** (`bankAccount`): 85 % valid (check digits and, for NL/FR, national check digits
//!   correct; a quarter typed in groups of four with spaces), 10 % none (null), 5 % broken (one
//!   digit changed or one dropped). **BIC** in `bankNumber` on half of those with an account,
//!   an 8-digit German BLZ on ~5 % of the German ones, null otherwise.
//! * **Mandate reference** (only for contacts with an account, valid or broken): 45 % in the
//!   contact's `mandateReference`, 30 % in the custom field `SEPAMANDATSREFERENZ`, 25 % none.
//!   Values `MR-<customerNumber>` or `LS-<year>-<customerNumber>`; 3 % contain characters outside
//!   the SEPA set ("MR 1234 Ä").
//! * **Signature date**: custom field `SEPAMANDATSDATUM`, "DD.MM.YYYY", 30 days to 4 years
//!   before `today`, on 83 % of contacts with a mandate reference; 2 % hold an impossible date
//!   ("31.02.YYYY"); the rest have none.
//! * **Addresses**: one billing address (category 47 "Rechnungsadresse" 60 %, work/private
//!   30 %, none 10 %); 8 % have a delivery address (48) with a *lower* id; 3 % none at all.
//! * **E-mail** (`CommunicationWay` type EMAIL): 88 % have a main one (key 2 work / 1 private);
//!   a quarter of those also a separate invoicing address (key 8, `main` "0"); 40 % a phone.
//! * **Invoices**: 5 % drafts (100, no number), 37 % open (200), 6 % partially paid (750,
//!   `paidAmount` 10–90 %), 4 % cancelled pairs (RE + SR, both 1000, `paidAmount` 0), 48 % paid
//!   (1000). 1 % of the open ones are "legacy" partial payments (200 with `paidAmount` > 0).
//!   Open/partial ones: 78 % "SEPA Lastschrift" (`electronicInvoiceId` 59), 12 % "SEPA
//!   Überweisung" (58), 5 % without payment method (key absent or null), 5 % other methods.
//!   Currency EUR except 1.5 % CHF and 1 % USD; invoices #5 and #8 (N ≥ 10) are always open CHF
//!   and USD direct-debit invoices. Invoice dates 0–56 days before `today`, `timeToPay` 7/14/30,
//!   so due dates spread from 8 weeks ago to 30 days ahead. 10 % of open direct-debit invoices
//!   carry `sepaMandateReference`/`sepaCreditorId`/`sepaPayerIban` copied from the contact.
//! * **Credit notes**: N/40 (at least 1); 40 % open (200) and reducing an open invoice of the same
//!   contact (the first one always, when there is an open invoice), the rest settled (1000) or
//!   drafts.
//! * **Payment-method ids** depend on the seed (21000 + (seed mod 1000)·10 + k), like ids differ
//!   between real accounts: resolve them by `electronicInvoiceId`.
//!
//! [`crate::DatasetStats`] counts the outcome; for seed 42, today 2026-11-28: 10 invoices → 1
//! "collectible", 100 → 19, 1000 → 169, 10 000 → 1604 (see its docs for the definition).

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::SandboxConfig;
use crate::iban;
use crate::model::*;

/// Identifier of the custom field holding the mandate reference (SEPApro convention).
pub const FIELD_MANDATE_REFERENCE: &str = "SEPAMANDATSREFERENZ";
/// Identifier of the custom field holding the mandate signature date, "DD.MM.YYYY".
pub const FIELD_MANDATE_DATE: &str = "SEPAMANDATSDATUM";
/// An unrelated custom field, so readers must pick by identifier.
pub const FIELD_OTHER: &str = "ANSPRECHPARTNER";

/// Our fictitious creditor identifier, used in the invoice `sepaCreditorId` field when filled.
pub const CREDITOR_ID: &str = "DE98ZZZ09999999999";

const COUNTRIES: &[(u64, &str, &str, &str, &str)] = &[
    (1, "de", "Deutschland", "Germany", "de_DE"),
    (2, "at", "Österreich", "Austria", "de_AT"),
    (3, "ch", "Schweiz", "Switzerland", "de_CH"),
    (4, "nl", "Niederlande", "Netherlands", "nl_NL"),
    (5, "fr", "Frankreich", "France", "fr_FR"),
    (6, "it", "Italien", "Italy", "it_IT"),
    (7, "be", "Belgien", "Belgium", "fr_BE"),
    (8, "pl", "Polen", "Poland", "pl_PL"),
    (9, "gb", "Vereinigtes Königreich", "United Kingdom", "en_GB"),
    (10, "us", "Vereinigte Staaten", "United States", "en_US"),
];

pub const CATEGORY_INVOICE_ADDRESS: u64 = 47;
pub const CATEGORY_WORK: u64 = 43;
pub const CATEGORY_PRIVATE: u64 = 44;
pub const CATEGORY_DELIVERY: u64 = 48;

const CATEGORIES: &[(u64, &str, &str, Option<&str>)] = &[
    (2, "Lieferant", "Contact", None),
    (3, "Kunde", "Contact", None),
    (4, "Partner", "Contact", None),
    (28, "Interessent", "Contact", None),
    (43, "Arbeit", "ContactAddress", Some("CATEGORY_WORK")),
    (44, "Privat", "ContactAddress", Some("CATEGORY_PRIVAT")),
    (
        47,
        "Rechnungsadresse",
        "ContactAddress",
        Some("CATEGORY_INVOICE_ADDRESS"),
    ),
    (
        48,
        "Lieferadresse",
        "ContactAddress",
        Some("CATEGORY_DELIVERY_ADDRESS"),
    ),
    (
        49,
        "Abholadresse",
        "ContactAddress",
        Some("CATEGORY_PICKUP_ADDRESS"),
    ),
    (50, "leer", "ContactAddress", Some("CATEGORY_EMPTY")),
];

const FIRST_NAMES: &[&str] = &[
    "Jürgen",
    "Anna",
    "Łukasz",
    "Zoë",
    "François",
    "Søren",
    "Renée",
    "Björn",
    "Maximilian",
    "Sophie",
    "Jan",
    "Marie",
    "Lukas",
    "Chloé",
    "Thomas",
    "Eva",
    "Jörg",
    "Noémie",
    "Daan",
    "Lea",
];
const LAST_NAMES: &[&str] = &[
    "Müller",
    "Schäfer",
    "Groß",
    "Weiß",
    "de Vries",
    "Dubois",
    "Nüßlein",
    "Ødegaard",
    "Żółć",
    "Núñez",
    "O'Brien",
    "Dvořák",
    "Schmidt",
    "Becker",
    "Wagner",
    "Hofmann",
    "Jansen",
    "Lefèvre",
    "Bauer",
    "Köhler",
    "Brändli",
    "Huber",
    "Gruber",
    "Smit",
];
const ORG_WORDS: &[&str] = &[
    "Bäckerei",
    "Malerbetrieb",
    "Praxis",
    "Ingenieurbüro",
    "Gärtnerei",
    "Sanitär",
    "Bau",
    "Software",
    "Druckerei",
    "Kanzlei",
    "Logistik",
    "Möbelwerk",
];

struct Place {
    country: &'static str,
    country_id: u64,
    streets: &'static [&'static str],
    cities: &'static [(&'static str, &'static str)],
    org_suffix: &'static [&'static str],
    email_tld: &'static str,
    dial: &'static str,
}

const PLACES: &[Place] = &[
    Place {
        country: "DE",
        country_id: 1,
        streets: &[
            "Hauptstraße",
            "Bahnhofstraße",
            "Gartenweg",
            "Schloßallee",
            "Am Mühlbach",
        ],
        cities: &[
            ("10115", "Berlin"),
            ("80331", "München"),
            ("50667", "Köln"),
            ("20095", "Hamburg"),
            ("01067", "Dresden"),
            ("97070", "Würzburg"),
        ],
        org_suffix: &["GmbH", "GmbH & Co. KG", "KG", "OHG", "e.K.", "AG"],
        email_tld: "com",
        dial: "+49 30",
    },
    Place {
        country: "AT",
        country_id: 2,
        streets: &["Mariahilfer Straße", "Getreidegasse", "Herrengasse"],
        cities: &[("1010", "Wien"), ("5020", "Salzburg"), ("8010", "Graz")],
        org_suffix: &["GmbH", "GesmbH", "KG"],
        email_tld: "org",
        dial: "+43 1",
    },
    Place {
        country: "NL",
        country_id: 4,
        streets: &["Keizersgracht", "Damrak", "Oudegracht"],
        cities: &[
            ("1015 CJ", "Amsterdam"),
            ("3511 AB", "Utrecht"),
            ("2511 BT", "Den Haag"),
        ],
        org_suffix: &["B.V.", "V.O.F."],
        email_tld: "net",
        dial: "+31 20",
    },
    Place {
        country: "FR",
        country_id: 5,
        streets: &[
            "Rue de la Paix",
            "Avenue des Champs-Élysées",
            "Rue Saint-Honoré",
        ],
        cities: &[
            ("75002", "Paris"),
            ("69001", "Lyon"),
            ("67000", "Strasbourg"),
        ],
        org_suffix: &["SARL", "SAS", "SA"],
        email_tld: "org",
        dial: "+33 1",
    },
    Place {
        country: "CH",
        country_id: 3,
        streets: &["Bahnhofstrasse", "Marktgasse", "Rue du Rhône"],
        cities: &[("8001", "Zürich"), ("3011", "Bern"), ("1204", "Genève")],
        org_suffix: &["AG", "GmbH", "SA"],
        email_tld: "net",
        dial: "+41 44",
    },
];

/// Country mix: DE 60 %, AT 15 %, NL 10 %, FR 8 %, CH 7 %.
fn pick_place(rng: &mut ChaCha8Rng) -> &'static Place {
    let r = rng.random_range(0..100);
    match r {
        0..60 => &PLACES[0],
        60..75 => &PLACES[1],
        75..85 => &PLACES[2],
        85..93 => &PLACES[3],
        _ => &PLACES[4],
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// ASCII slug for e-mail local parts ("Müller & Söhne" → "mueller-soehne").
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let rep: &str = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' | 'ø' | 'Ø' => "oe",
            'ü' | 'Ü' => "ue",
            'ß' => "ss",
            'é' | 'è' | 'ê' | 'É' | 'ë' | 'ě' => "e",
            'ç' | 'ć' | 'č' => "c",
            'ś' | 'š' => "s",
            'ą' | 'à' | 'â' => "a",
            'ę' => "e",
            'ń' => "n",
            'ł' | 'Ł' => "l",
            'ż' | 'Ż' | 'ź' => "z",
            'ó' => "o",
            'ú' | 'ů' => "u",
            'ñ' => "n",
            'ř' => "r",
            'á' => "a",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "-",
        };
        out.push_str(rep);
    }
    let parts: Vec<&str> = out.split('-').filter(|p| !p.is_empty()).collect();
    parts.join("-")
}

/// A Berlin-local wall-clock time on a date, as UTC.
fn at(d: NaiveDate, hour: u32, minute: u32, second: u32) -> Timestamp {
    let local = d.and_hms_opt(hour, minute, second).unwrap_or_default();
    Berlin
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

fn minus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

fn plus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

struct ContactExtras {
    country_id: u64,
    street: Option<String>,
    zip: Option<String>,
    city: Option<String>,
    iban_valid: Option<String>,
    mandate_ref: Option<String>,
}

pub fn generate(config: &SandboxConfig) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let today = config.today;
    let n_invoices = config.invoices;
    let n_contacts = config
        .contacts
        .unwrap_or_else(|| n_invoices.div_ceil(2).max(3));

    let epoch = at(
        NaiveDate::from_ymd_opt(2020, 10, 26).unwrap_or(today),
        18,
        57,
        14,
    );

    // Payment-method ids differ per account in sevdesk; derive them from the seed so that an
    // application that hard-codes 21920 fails against some seeds.
    let pm_base = 21_000 + (config.seed % 1_000) * 10;
    let pm_specs: [(u64, &str, &str, &str, &str); 6] = [
        (
            pm_base,
            "SEPA Überweisung",
            "Bitte überweisen Sie den Rechnungsbetrag unter Angabe der Rechnungsnummer auf das unten angegebene Konto. Der Rechnungsbetrag ist bis zum [%ZAHLUNGSZIEL%] fällig.",
            "58",
            "PAYMENT_METHOD_58",
        ),
        (
            pm_base + 1,
            "SEPA Lastschrift",
            "Der Betrag wird innerhalb der nächsten 30 Tage von Ihrem Konto eingezogen.",
            "59",
            // Recorded reality: the direct-debit method carries the credit-transfer code.
            "PAYMENT_METHOD_58",
        ),
        (
            pm_base + 2,
            "Bargeld",
            "Die Zahlung erfolgte per Barzahlung.",
            "10",
            "PAYMENT_METHOD_10",
        ),
        (
            pm_base + 3,
            "Schuldenausgleich zwischen beiden Parteien",
            "Bitte überweisen Sie den Rechnungsbetrag unter Angabe der Rechnungsnummer auf das unten angegebene Konto. Der Rechnungsbetrag ist bis zum [%ZAHLUNGSZIEL%] fällig.",
            "97",
            "PAYMENT_METHOD_97",
        ),
        (
            pm_base + 4,
            "Scheck",
            "Bitte überweisen Sie den Rechnungsbetrag unter Angabe der Rechnungsnummer auf das unten angegebene Konto. Der Rechnungsbetrag ist bis zum [%ZAHLUNGSZIEL%] fällig.",
            "20",
            "PAYMENT_METHOD_20",
        ),
        (
            pm_base + 90_000,
            "Online-Zahlung (z.B. PayPal)",
            "Die Zahlung erfolgt online.",
            "68",
            "PAYMENT_METHOD_68",
        ),
    ];
    let payment_methods: BTreeMap<u64, PaymentMethod> = pm_specs
        .iter()
        .map(|(id, name, text, eid, tc)| {
            (
                *id,
                PaymentMethod {
                    id: *id,
                    create: epoch,
                    update: epoch,
                    name: (*name).into(),
                    text: (*text).into(),
                    electronic_invoice_id: (*eid).into(),
                    translation_code: (*tc).into(),
                },
            )
        })
        .collect();
    let pm_transfer = pm_base;
    let pm_debit = pm_base + 1;
    let pm_others = [pm_base + 2, pm_base + 3, pm_base + 4, pm_base + 90_000];

    let countries: BTreeMap<u64, StaticCountry> = COUNTRIES
        .iter()
        .enumerate()
        .map(|(i, (id, code, name, en, locale))| {
            (
                *id,
                StaticCountry {
                    id: *id,
                    code: (*code).into(),
                    name: (*name).into(),
                    name_en: (*en).into(),
                    translation_code: format!("COUNTRY_{}", code.to_uppercase()),
                    locale: (*locale).into(),
                    priority: (i + 1).to_string(),
                },
            )
        })
        .collect();
    let categories: BTreeMap<u64, Category> = CATEGORIES
        .iter()
        .enumerate()
        .map(|(i, (id, name, ot, tc))| {
            (
                *id,
                Category {
                    id: *id,
                    name: (*name).into(),
                    object_type: (*ot).into(),
                    priority: (i + 1).to_string(),
                    translation_code: tc.map(Into::into),
                },
            )
        })
        .collect();

    let setting_ref = 41_001;
    let setting_date = 41_002;
    let setting_other = 41_003;
    let mut custom_field_settings = BTreeMap::new();
    for (id, name, ident, desc) in [
        (
            setting_ref,
            "SEPA-Mandatsreferenz",
            FIELD_MANDATE_REFERENCE,
            "Mandatsreferenz der SEPA-Lastschrift",
        ),
        (
            setting_date,
            "SEPA-Mandatsdatum",
            FIELD_MANDATE_DATE,
            "Datum der Unterschrift des Mandats (TT.MM.JJJJ)",
        ),
        (
            setting_other,
            "Ansprechpartner Buchhaltung",
            FIELD_OTHER,
            "Wer bei Rückfragen zu Rechnungen hilft",
        ),
    ] {
        custom_field_settings.insert(
            id,
            ContactCustomFieldSetting {
                id,
                create: epoch,
                update: epoch,
                name: name.into(),
                identifier: ident.into(),
                description: Some(desc.into()),
            },
        );
    }

    let mut contacts = BTreeMap::new();
    let mut addresses = BTreeMap::new();
    let mut communication_ways = BTreeMap::new();
    let mut custom_fields = BTreeMap::new();
    let mut extras: Vec<ContactExtras> = Vec::with_capacity(n_contacts);
    let mut contact_ids: Vec<u64> = Vec::with_capacity(n_contacts);

    let mut next_address_id = 120_000_000u64;
    let mut next_cw_id = 115_000_000u64;
    let mut next_cf_id = 9_000_000u64;
    let mut org_ids: Vec<u64> = Vec::new();

    for k in 0..n_contacts {
        let id = 138_000_000 + k as u64;
        let customer_number = (1000 + k).to_string();
        let place = pick_place(&mut rng);
        // Persons: 40 %. A few fixed names with characters outside the SEPA set come first, so
        // even a 10-invoice sandbox shows them.
        let mut is_person = rng.random_bool(0.4);
        let (mut name, mut first, mut last) = (None, None, None);
        let mut place = place;
        match k {
            0 => {
                name = Some("Müller & Söhne GmbH".to_string());
                is_person = false;
                place = &PLACES[0];
            }
            1 => {
                first = Some("Łukasz".to_string());
                last = Some("Żółć".to_string());
                is_person = true;
                place = &PLACES[0];
            }
            2 => {
                name = Some("Café Émile SARL".to_string());
                is_person = false;
                place = &PLACES[3];
            }
            _ if is_person => {
                first = Some(pick(&mut rng, FIRST_NAMES).to_string());
                last = Some(pick(&mut rng, LAST_NAMES).to_string());
            }
            _ => {
                let suffix = pick(&mut rng, place.org_suffix);
                let n = if rng.random_bool(0.5) {
                    format!("{} {}", pick(&mut rng, LAST_NAMES), suffix)
                } else {
                    format!(
                        "{} {} {}",
                        pick(&mut rng, ORG_WORDS),
                        pick(&mut rng, LAST_NAMES),
                        suffix
                    )
                };
                name = Some(n);
            }
        }
        // 15 % of persons belong to an organisation.
        let parent = if is_person && !org_ids.is_empty() && rng.random_bool(0.15) {
            Some(*pick(&mut rng, &org_ids))
        } else {
            None
        };
        if !is_person {
            org_ids.push(id);
        }

        let created = at(
            minus_days(today, rng.random_range(200..1500)),
            rng.random_range(8..18),
            rng.random_range(0..60),
            rng.random_range(0..60),
        );
        let updated = created + chrono::Duration::seconds(rng.random_range(0..90 * 86_400));

        // Bank data: 10 % none, 5 % broken, 85 % valid (a quarter of those typed with spaces).
        let r_bank = rng.random_range(0..100);
        let (generated_iban, bic) = iban::generate(&mut rng, place.country);
        let spaced = rng.random_bool(0.25);
        let broken = iban::break_iban(&mut rng, &generated_iban);
        let (bank_account, iban_valid) = match (k, r_bank) {
            // The fixed showcase contacts always have a valid IBAN.
            (0..3, _) | (_, 15..) => {
                let shown = if spaced {
                    iban::with_spaces(&generated_iban)
                } else {
                    generated_iban.clone()
                };
                (Some(shown), Some(generated_iban.clone()))
            }
            (_, 0..10) => (None, None),
            _ => (Some(broken), None),
        };
        // BIC on half of those with an account; a legacy BLZ on a few German ones.
        let r_bic = rng.random_range(0..100);
        let bank_number = match (&bank_account, r_bic) {
            (None, _) => None,
            (Some(_), 0..50) => Some(bic.to_string()),
            (Some(_), 50..55) if place.country == "DE" => Some(generated_iban[4..12].to_string()),
            _ => None,
        };

        // Mandate reference, for contacts that have an account: 45 % on the contact
        // (`mandateReference`), 30 % in the custom field SEPAMANDATSREFERENZ, 25 % none.
        let r_mandate = rng.random_range(0..100);
        let bad_chars = rng.random_bool(0.03);
        let mandate_text = if bad_chars {
            // Characters outside the SEPA set: the application must refuse it with a message.
            format!("MR {customer_number} Ä")
        } else if rng.random_bool(0.5) {
            format!("MR-{customer_number}")
        } else {
            format!("LS-{}-{customer_number}", 2020 + rng.random_range(0..6))
        };
        let (mandate_on_contact, mandate_in_field) = match (bank_account.is_some(), r_mandate, k) {
            (true, _, 0 | 2) => (Some(mandate_text.clone()), None),
            (true, _, 1) => (None, Some(mandate_text.clone())),
            (true, 0..45, _) => (Some(mandate_text.clone()), None),
            (true, 45..75, _) => (None, Some(mandate_text.clone())),
            _ => (None, None),
        };
        let mandate_ref = mandate_on_contact.clone().or(mandate_in_field.clone());

        // Signature date on 85 % of contacts with a mandate reference, "DD.MM.YYYY"; 2 % of
        // those hold an impossible date.
        let r_date = rng.random_range(0..100);
        let signed = minus_days(today, rng.random_range(30..1500));
        let mandate_date = match (&mandate_ref, r_date, k) {
            (Some(_), _, 0..3) | (Some(_), 2..85, _) => Some(signed.format("%d.%m.%Y").to_string()),
            (Some(_), 0..2, _) => Some(format!("31.02.{}", signed.format("%Y"))),
            _ => None,
        };

        let display = match &name {
            Some(n) => n.clone(),
            None => format!(
                "{} {}",
                first.as_deref().unwrap_or(""),
                last.as_deref().unwrap_or("")
            ),
        };

        contacts.insert(
            id,
            Contact {
                id,
                create: created,
                update: updated,
                name: name.clone(),
                surename: first.clone(),
                familyname: last.clone(),
                parent,
                customer_number: customer_number.clone(),
                category_id: 3,
                status: "1000".into(),
                description: None,
                gender: if is_person {
                    Some(if rng.random_bool(0.5) { "m" } else { "w" }.into())
                } else {
                    None
                },
                vat_number: if !is_person && rng.random_bool(0.6) {
                    Some(format!(
                        "{}{}",
                        place.country,
                        rng.random_range(100_000_000u64..999_999_999)
                    ))
                } else {
                    None
                },
                bank_account,
                bank_number,
                mandate_reference: mandate_on_contact,
                buyer_reference: None,
                default_time_to_pay: None,
            },
        );

        // Addresses: persons inside an organisation have none of their own half the time;
        // 3 % of the rest have none at all; 8 % have a delivery address created first (so the
        // lowest id is not the billing address); the billing one is category 47 (60 %),
        // 43/44 work/private (30 %) or uncategorised (10 %).
        let city = pick(&mut rng, place.cities);
        let house = rng.random_range(1..200);
        let street = if place.country == "FR" {
            format!("{house} {}", pick(&mut rng, place.streets))
        } else {
            format!("{} {house}", pick(&mut rng, place.streets))
        };
        let r_addr = rng.random_range(0..100);
        let r_cat = rng.random_range(0..100);
        let no_address = match parent {
            Some(_) => r_addr < 50,
            None => r_addr < 3 && k >= 3,
        };
        let mut extra = ContactExtras {
            country_id: place.country_id,
            street: None,
            zip: None,
            city: None,
            iban_valid,
            mandate_ref: mandate_ref.clone(),
        };
        if !no_address {
            if r_addr >= 92 {
                let did = next_address_id;
                next_address_id += 1;
                addresses.insert(
                    did,
                    ContactAddress {
                        id: did,
                        create: created,
                        update: created,
                        contact_id: id,
                        street: Some(format!("Lagerstraße {}", house + 1)),
                        zip: Some(city.0.to_string()),
                        city: Some(city.1.to_string()),
                        country_id: place.country_id,
                        category_id: Some(CATEGORY_DELIVERY),
                        name: Some(format!("{display} (Lager)")),
                    },
                );
            }
            let category_id = match r_cat {
                0..60 => Some(CATEGORY_INVOICE_ADDRESS),
                60..90 if is_person => Some(CATEGORY_PRIVATE),
                60..90 => Some(CATEGORY_WORK),
                _ => None,
            };
            let aid = next_address_id;
            next_address_id += 1;
            addresses.insert(
                aid,
                ContactAddress {
                    id: aid,
                    create: created,
                    update: created,
                    contact_id: id,
                    street: Some(street.clone()),
                    zip: Some(city.0.to_string()),
                    city: Some(city.1.to_string()),
                    country_id: place.country_id,
                    category_id,
                    name: None,
                },
            );
            extra.street = Some(street);
            extra.zip = Some(city.0.to_string());
            extra.city = Some(city.1.to_string());
        }

        // E-mail: 88 % have a main work/private address; a quarter of those also a separate
        // invoicing address (key 8, not main); 40 % have a phone number.
        let r_mail = rng.random_range(0..100);
        let r_inv = rng.random_range(0..100);
        let r_phone = rng.random_range(0..100);
        let local = slug(&display);
        if r_mail < 88 || k < 3 {
            let cid = next_cw_id;
            next_cw_id += 1;
            communication_ways.insert(
                cid,
                CommunicationWay {
                    id: cid,
                    create: created,
                    update: created,
                    contact_id: id,
                    kind: "EMAIL".into(),
                    value: format!("{local}@example.{}", place.email_tld),
                    key_id: if is_person { 1 } else { 2 },
                    main: true,
                },
            );
            if r_inv < 25 || k == 0 {
                let cid = next_cw_id;
                next_cw_id += 1;
                communication_ways.insert(
                    cid,
                    CommunicationWay {
                        id: cid,
                        create: created,
                        update: created,
                        contact_id: id,
                        kind: "EMAIL".into(),
                        value: format!("rechnung+{local}@example.{}", place.email_tld),
                        key_id: 8,
                        main: false,
                    },
                );
            }
        }
        if r_phone < 40 {
            let cid = next_cw_id;
            next_cw_id += 1;
            communication_ways.insert(
                cid,
                CommunicationWay {
                    id: cid,
                    create: created,
                    update: created,
                    contact_id: id,
                    kind: "PHONE".into(),
                    value: format!("{} {}", place.dial, rng.random_range(1_000_000..9_999_999)),
                    key_id: 2,
                    main: false,
                },
            );
        }

        let mut add_field = |setting_id: u64, value: String| {
            let fid = next_cf_id;
            next_cf_id += 1;
            custom_fields.insert(
                fid,
                ContactCustomField {
                    id: fid,
                    create: created,
                    update: created,
                    contact_id: id,
                    setting_id,
                    value,
                },
            );
        };
        if let Some(v) = mandate_in_field {
            add_field(setting_ref, v);
        }
        if let Some(v) = mandate_date {
            add_field(setting_date, v);
        }
        if rng.random_bool(0.1) {
            add_field(
                setting_other,
                format!("Frau {}", pick(&mut rng, LAST_NAMES)),
            );
        }

        extras.push(extra);
        contact_ids.push(id);
    }

    // Invoices. Status mix per draw: 5 % draft, 37 % open, 6 % partially paid, 4 % cancelled
    // pair (RE + SR, both 1000), 48 % paid. Open ones are paid by direct debit 78 % of the time.
    let mut invoices = BTreeMap::new();
    let mut next_invoice_id = 135_000_000u64;
    let mut next_number = 1000u64;
    let mut open_ids: Vec<(u64, u64)> = Vec::new(); // (invoice, contact)
    let mut paid_ids: Vec<(u64, u64)> = Vec::new();
    let mut slot = 0usize;
    while invoices.len() < n_invoices {
        let ci = if slot < n_contacts {
            slot
        } else {
            rng.random_range(0..n_contacts)
        };
        let contact_id = contact_ids[ci];
        let ex = &extras[ci];
        let contact = &contacts[&contact_id];
        let r_status = rng.random_range(0..100);
        let room_for_pair = n_invoices - invoices.len() >= 2;
        let (mut status, cancelled) = match r_status {
            0..5 => (100u16, false),
            5..42 => (200, false),
            42..48 => (750, false),
            48..52 if room_for_pair => (1000, true),
            _ => (1000, false),
        };
        let r_pm = rng.random_range(0..100);
        let r_other_pm = rng.random_range(0..pm_others.len());
        let mut payment_method_id = match (status, r_pm) {
            (200 | 750, 0..78) => Some(pm_debit),
            (200 | 750, 78..90) => Some(pm_transfer),
            (200 | 750, 90..95) => None,
            (200 | 750, _) => Some(pm_others[r_other_pm]),
            (_, 0..50) => Some(pm_debit),
            (_, 50..85) => Some(pm_transfer),
            (_, 85..93) => Some(pm_others[r_other_pm]),
            _ => None,
        };
        // A few foreign-currency invoices; two are forced open by direct debit so that every
        // sandbox with 10+ invoices has one CHF and one USD invoice the application must skip.
        let r_cur = rng.random_range(0..1000);
        let mut currency = match r_cur {
            0..15 => "CHF",
            15..25 => "USD",
            _ => "EUR",
        };
        if slot == 5 || slot == 8 {
            currency = if slot == 5 { "CHF" } else { "USD" };
            status = 200;
            payment_method_id = Some(pm_debit);
        }
        let cancelled = cancelled && slot != 5 && slot != 8;

        let invoice_date = minus_days(today, rng.random_range(0..=56));
        let time_to_pay = *pick(&mut rng, &[7u32, 14, 14, 14, 30]);
        let net: i64 = rng.random_range(1_000..250_000);
        let tax_pct: i64 = if ex.country_id == 1 || contact.is_person() {
            *pick(&mut rng, &[19i64, 19, 19, 7])
        } else {
            0
        };
        let tax = (net * tax_pct + 50) / 100;
        let gross = net + tax;
        let tax_rule_id = match (tax_pct, ex.country_id) {
            (0, 3) => 5,
            (0, _) => 3,
            _ => 1,
        };
        let created = at(
            invoice_date,
            rng.random_range(8..18),
            rng.random_range(0..60),
            rng.random_range(0..60),
        );
        let r_paid_frac = rng.random_range(10..90);
        let r_legacy = rng.random_range(0..100);
        let r_note = rng.random_range(0..100);
        let r_split = rng.random_bool(0.5);
        let r_sepa_fields = rng.random_range(0..100);
        let pay_after = rng.random_range(1..=u64::from(time_to_pay) + 10);
        let missing_key = if rng.random_bool(0.5) {
            MissingKey::Absent
        } else {
            MissingKey::Null
        };

        let is_draft = status == 100;
        let number = if is_draft {
            None
        } else {
            next_number += 1;
            Some(format!("RE-{}", next_number - 1))
        };
        let send_date = (!is_draft).then(|| created + chrono::Duration::seconds(180));
        let enshrined = send_date.map(|s| s + chrono::Duration::seconds(1));
        let mut paid_amount = 0;
        let mut pay_date = None;
        let mut update = enshrined.unwrap_or(created);
        match status {
            750 => {
                paid_amount = gross * r_paid_frac / 100;
                let d = plus_days(invoice_date, pay_after).min(today);
                let t = at(d, 12, 0, 0).max(update);
                pay_date = Some(t);
                update = t;
            }
            // 1 in 100 open invoices is a "legacy" partial payment: status stays 200.
            200 if r_legacy == 0 && currency == "EUR" => {
                paid_amount = gross * r_paid_frac / 100;
                let t = at(plus_days(invoice_date, 1), 12, 0, 0).max(update);
                pay_date = Some(t);
                update = t;
            }
            1000 if !cancelled => {
                paid_amount = gross;
                let d = plus_days(invoice_date, pay_after).min(today);
                let t = at(d, 12, 0, 0).max(update);
                pay_date = Some(t);
                update = t;
            }
            _ => {}
        }
        let display = contact.display_name();
        let country_line = match ex.country_id {
            1 => String::new(),
            id => format!(
                "\n{}",
                countries
                    .get(&id)
                    .map_or("", |c: &StaticCountry| c.name.as_str())
            ),
        };
        let address = match (&ex.street, &ex.zip, &ex.city) {
            (Some(s), Some(z), Some(c)) => Some(format!("{display}\n{s}\n{z} {c}{country_line}")),
            _ => Some(display.clone()),
        };
        let (a_name, a_street, a_zip, a_city) = if r_split {
            (
                Some(display.clone()),
                ex.street.clone(),
                ex.zip.clone(),
                ex.city.clone(),
            )
        } else {
            (None, None, None, None)
        };
        // 10 % of open direct-debit invoices carry the e-invoice SEPA fields, copied from the
        // contact's mandate data.
        let (sepa_ref, sepa_cid, sepa_iban) = match (&ex.mandate_ref, &ex.iban_valid) {
            (Some(m), Some(ib))
                if payment_method_id == Some(pm_debit) && r_sepa_fields < 10 && !is_draft =>
            {
                (
                    Some(m.clone()),
                    Some(CREDITOR_ID.to_string()),
                    Some(ib.clone()),
                )
            }
            _ => (None, None, None),
        };
        let id = next_invoice_id;
        next_invoice_id += 1;
        let inv = Invoice {
            id,
            invoice_number: number.clone(),
            contact_id,
            create: created,
            update,
            invoice_date,
            header: Some(match &number {
                Some(n) => format!("Rechnung Nr. {n}"),
                None => "Rechnung (Entwurf)".to_string(),
            }),
            head_text: Some("Vielen Dank für Ihren Auftrag.".into()),
            time_to_pay,
            address_name: a_name,
            address_street: a_street,
            address_zip: a_zip,
            address_city: a_city,
            address_country_id: ex.country_id,
            pay_date,
            delivery_date: invoice_date,
            delivery_date_until: None,
            status,
            payment_method_id,
            payment_method_missing: missing_key,
            send_date,
            origin_id: None,
            invoice_type: "RE".into(),
            address,
            currency: currency.into(),
            sum_net: net,
            sum_tax: tax,
            sum_gross: gross,
            sum_gross_foreign_currency: if currency == "EUR" { 0 } else { gross },
            paid_amount,
            customer_internal_note: (r_note < 30).then(|| format!("PO-{}", 40_000 + slot)),
            sepa_mandate_reference: sepa_ref,
            sepa_creditor_id: sepa_cid,
            sepa_payer_iban: sepa_iban,
            enshrined,
            send_type: (!is_draft).then(|| "VPDF".to_string()),
            tax_text: format!("Umsatzsteuer {tax_pct}%"),
            tax_rule_id,
            show_net: true,
        };
        match status {
            200 | 750 => open_ids.push((id, contact_id)),
            1000 if !cancelled => paid_ids.push((id, contact_id)),
            _ => {}
        }
        if cancelled {
            // The cancellation invoice: negative sums, origin → original, both 1000, paid 0.
            let sr_date = plus_days(invoice_date, rng.random_range(1..10)).min(today);
            let sr_created = at(sr_date, 16, 0, 0).max(created + chrono::Duration::seconds(60));
            let sr_id = next_invoice_id;
            next_invoice_id += 1;
            next_number += 1;
            let sr_number = format!("RE-{}", next_number - 1);
            let mut original = inv;
            original.update = sr_created + chrono::Duration::seconds(1);
            let sr = Invoice {
                id: sr_id,
                invoice_number: Some(sr_number.clone()),
                create: sr_created,
                update: sr_created + chrono::Duration::seconds(1),
                invoice_date: sr_date,
                header: Some(format!(
                    "Stornorechnung Nr. {sr_number} zur Rechnung Nr. {}",
                    original.invoice_number.as_deref().unwrap_or("")
                )),
                pay_date: None,
                send_date: None,
                origin_id: Some(original.id),
                invoice_type: "SR".into(),
                sum_net: -original.sum_net,
                sum_tax: -original.sum_tax,
                sum_gross: -original.sum_gross,
                sum_gross_foreign_currency: -original.sum_gross_foreign_currency,
                paid_amount: 0,
                enshrined: Some(sr_created + chrono::Duration::seconds(1)),
                sepa_mandate_reference: None,
                sepa_creditor_id: None,
                sepa_payer_iban: None,
                ..original.clone()
            };
            invoices.insert(original.id, original);
            invoices.insert(sr_id, sr);
        } else {
            invoices.insert(id, inv);
        }
        slot += 1;
    }

    // Credit notes: one per 40 invoices (at least one when there are invoices). 40 % are open
    // and reduce an open invoice of the same contact (the first one always does, when an open
    // invoice exists); the rest are settled (1000) against a paid invoice, or drafts.
    let mut credit_notes = BTreeMap::new();
    let n_credit = if n_invoices == 0 {
        0
    } else {
        (n_invoices / 40).max(1)
    };
    let mut next_cn_number = 1000u64;
    for k in 0..n_credit {
        let r_kind = rng.random_range(0..100);
        let r_pick = rng.random_range(0..usize::MAX);
        let r_frac = rng.random_range(5..50);
        let (status, source) = if (k == 0 || r_kind < 40) && !open_ids.is_empty() {
            (200u16, Some(open_ids[r_pick % open_ids.len()]))
        } else if r_kind < 90 && !paid_ids.is_empty() {
            (1000, Some(paid_ids[r_pick % paid_ids.len()]))
        } else {
            (100, None)
        };
        let (contact_id, ref_invoice_id, base_gross, base_date) = match source {
            Some((inv_id, cid)) => {
                let inv = &invoices[&inv_id];
                (cid, Some(inv_id), inv.sum_gross, inv.invoice_date)
            }
            None => (
                contact_ids[r_pick % contact_ids.len()],
                None,
                10_000,
                minus_days(today, 3),
            ),
        };
        let ex = &extras[(contact_id - contact_ids[0]) as usize];
        let display = contacts[&contact_id].display_name();
        let gross = (base_gross * r_frac / 100).max(100);
        let net = gross * 100 / 119;
        let tax = gross - net;
        let cn_date = plus_days(base_date, 2).min(today);
        let created = at(cn_date, 9, 30, 0);
        let is_draft = status == 100;
        let number = (!is_draft).then(|| {
            next_cn_number += 1;
            format!("GU-{}", next_cn_number - 1)
        });
        let id = 2_996_000 + k as u64;
        credit_notes.insert(
            id,
            CreditNote {
                id,
                credit_note_number: number.clone(),
                contact_id,
                create: created,
                update: created + chrono::Duration::seconds(30),
                credit_note_date: cn_date,
                header: Some(match (&number, ref_invoice_id) {
                    (Some(n), Some(inv)) => format!(
                        "Gutschrift Nr. {n} zur Rechnung Nr. {}",
                        invoices[&inv].invoice_number.as_deref().unwrap_or("")
                    ),
                    (Some(n), None) => format!("Gutschrift Nr. {n}"),
                    (None, _) => "Gutschrift (Entwurf)".into(),
                }),
                address_name: Some(display.clone()),
                address_street: ex.street.clone(),
                address_zip: ex.zip.clone(),
                address_city: ex.city.clone(),
                address_country_id: ex.country_id,
                pay_date: (status == 1000).then(|| created + chrono::Duration::seconds(30)),
                delivery_date: cn_date,
                status,
                send_date: (!is_draft).then(|| created + chrono::Duration::seconds(20)),
                ref_invoice_id,
                address: Some(display),
                currency: "EUR".into(),
                sum_net: net,
                sum_tax: tax,
                sum_gross: gross,
                customer_internal_note: None,
                enshrined: (!is_draft).then(|| created + chrono::Duration::seconds(21)),
                send_type: (!is_draft).then(|| "VPDF".to_string()),
                booking_category: "UNDERACHIEVEMENT".into(),
                tax_rule_id: 1,
            },
        );
    }

    Dataset {
        sev_client_id: 1_303_847,
        sev_user_id: 1_551_095,
        bookkeeping_version: "2.0".into(),
        today,
        payment_methods,
        contacts,
        addresses,
        communication_ways,
        custom_field_settings,
        custom_fields,
        categories,
        countries,
        invoices,
        credit_notes,
    }
}
