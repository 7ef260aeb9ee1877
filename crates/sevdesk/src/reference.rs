//! Every recorded sevdesk body in `../shared/ref/sevdesk/examples` parses (cargo feature
//! `reference`; directory from `SEVDESK_REF_DIR`, default `<workspace>/../shared/ref/sevdesk`).
//! Missing files fail the test: they are never skipped.

use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use reqwest::StatusCode;
use rust_decimal::Decimal;

use crate::client::{Outcome, classify};
use crate::de::{Id, OneOrMany};
use crate::endpoint::ApiEndpoint;
use crate::error::Error;
use crate::model::*;

fn ref_dir() -> PathBuf {
    sevdesk_sandbox::reference_file("examples")
        .parent()
        .expect("examples/ lies in the reference directory")
        .to_owned()
}

fn body(name: &str) -> Vec<u8> {
    let path = ref_dir().join("examples").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, status: u16) -> Result<Option<T>, Error> {
    parse_as(ApiEndpoint::Invoice, name, status)
}

/// The recorded body as the answer of `endpoint`.
fn parse_as<T: serde::de::DeserializeOwned>(
    endpoint: ApiEndpoint,
    name: &str,
    status: u16,
) -> Result<Option<T>, Error> {
    match classify::<T>(
        endpoint,
        "/reference",
        StatusCode::from_u16(status).unwrap(),
        "application/json",
        None,
        Ok(body(name)),
    ) {
        Outcome::Done(r) => r.map(|a| a.objects),
        Outcome::Retry(_) => panic!("{name}: classified as retryable"),
    }
}

fn list<T: serde::de::DeserializeOwned>(name: &str) -> Vec<T> {
    parse::<OneOrMany<T>>(name, 200)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .unwrap_or_else(|| panic!("{name}: no objects"))
        .0
}

fn dec(s: &str) -> Option<Decimal> {
    Some(Decimal::from_str(s).unwrap())
}

/// Every file in examples/ is listed here, so that a new recording without a test fails.
const COVERED: &[&str] = &[
    "bookkeeping_system_version.json",
    "communication_way_list.json",
    "contact.json",
    "contact_address_list.json",
    "contact_list_by_customer_number.json",
    "credit_note.json",
    "error_404_code_151.json",
    "error_422_offline_account.json",
    "invoice_enshrined.json",
    "invoice_list.json",
    "payment_method_list.json",
    "write_invoice_cancel.json",
];

#[test]
fn every_recorded_body_is_covered() {
    let mut names: Vec<String> = std::fs::read_dir(ref_dir().join("examples"))
        .expect("examples/ is readable")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(names, COVERED, "examples/ and this test disagree");
}

#[test]
fn bookkeeping_system_version() {
    let v: BookkeepingSystemVersion = parse("bookkeeping_system_version.json", 200)
        .unwrap()
        .unwrap();
    assert_eq!(v.version.as_deref(), Some("2.0"));
}

#[test]
fn open_invoice() {
    let inv: Vec<Invoice> = list("invoice_enshrined.json");
    assert_eq!(inv.len(), 1);
    let i = &inv[0];
    assert_eq!(i.id, Id(135169163));
    assert_eq!(i.invoice_number.as_deref(), Some("RE-1000"));
    assert_eq!(i.status, Some(InvoiceStatus::Open));
    assert_eq!(i.invoice_type, Some(InvoiceType::Invoice));
    assert_eq!(i.contact.as_ref().map(|c| c.id), Some(Id(138615465)));
    assert_eq!(i.sum_gross, dec("34.51"));
    assert_eq!(i.sum_net, dec("29"));
    assert_eq!(i.paid_amount, dec("0"));
    assert_eq!(i.open_amount(), dec("34.51"));
    assert_eq!(i.time_to_pay, Some(14));
    assert_eq!(i.invoice_day(), NaiveDate::from_ymd_opt(2026, 9, 1));
    assert_eq!(i.due_date(), NaiveDate::from_ymd_opt(2026, 9, 15));
    assert_eq!(i.currency.as_deref(), Some("EUR"));
    assert_eq!(i.payment_method, None);
    assert_eq!(i.address_country.as_ref().map(|c| c.id), Some(Id(1)));
    assert_eq!(
        i.customer_internal_note.as_deref(),
        Some("PROBE-R1-A1-str-date")
    );
    assert!(i.sepa_mandate_reference.is_none() && i.sepa_payer_iban.is_none());
    assert!(i.address.as_deref().unwrap().contains("10115 Berlin"));
    assert!(i.is_open());
}

#[test]
fn invoice_and_its_cancellation() {
    let inv: Vec<Invoice> = list("invoice_list.json");
    assert_eq!(inv.len(), 2);
    let sr = &inv[0];
    assert_eq!(sr.invoice_type, Some(InvoiceType::Cancellation));
    assert_eq!(sr.status, Some(InvoiceStatus::Paid));
    assert_eq!(sr.sum_gross, dec("-46.65"));
    assert_eq!(sr.origin.as_ref().map(|o| o.id), Some(inv[1].id));
    assert_eq!(sr.payment_method.as_ref().map(|p| p.id), Some(Id(21919)));
    assert_eq!(sr.address_zip.as_deref(), Some("10115"));
    assert_eq!(inv[1].invoice_number.as_deref(), Some("RE-1015"));
    assert!(!inv[1].is_open());
}

#[test]
fn write_answer_parses_as_one_invoice_with_embedded_contact() {
    let inv: Vec<Invoice> = list("write_invoice_cancel.json");
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0].id, Id(135582436));
    assert_eq!(inv[0].contact.as_ref().map(|c| c.id), Some(Id(138810529)));
    assert_eq!(inv[0].sum_gross, dec("-21.9"));
    assert_eq!(inv[0].address, None);
    // The embedded person contact, read as a contact of its own.
    let raw: serde_json::Value =
        serde_json::from_slice(&body("write_invoice_cancel.json")).unwrap();
    let person: Contact = serde_json::from_value(raw["objects"]["contact"].clone()).unwrap();
    assert!(person.is_person());
    assert_eq!(person.surename.as_deref(), Some("SDRS-LIVE"));
    assert_eq!(person.customer_number.as_deref(), Some("1035"));
}

#[test]
fn contacts() {
    let c: Vec<Contact> = list("contact.json");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name.as_deref(), Some("Probe Practice GmbH PROBE-R1"));
    assert_eq!(c[0].status, Some(ContactStatus::Active));
    assert_eq!(c[0].category.as_ref().map(|r| r.id), Some(Id(3)));
    assert_eq!(c[0].customer_number.as_deref(), Some("1000"));
    assert!(c[0].bank_account.is_none() && c[0].mandate_reference.is_none());
    assert!(!c[0].is_person());
    let by_number: Vec<Contact> = list("contact_list_by_customer_number.json");
    assert_eq!(by_number[0].id, Id(138810376));
    assert_eq!(
        by_number[0].update.map(|u| u.date_naive()),
        NaiveDate::from_ymd_opt(2026, 10, 1)
    );
}

#[test]
fn address_and_email() {
    let a: Vec<ContactAddress> = list("contact_address_list.json");
    assert_eq!(a[0].street.as_deref(), Some("Teststrasse 1"));
    assert_eq!(a[0].zip.as_deref(), Some("10115"));
    assert_eq!(a[0].city.as_deref(), Some("Berlin"));
    assert_eq!(a[0].country.as_ref().map(|c| c.id), Some(Id(1)));
    assert_eq!(a[0].category.as_ref().map(|c| c.id), Some(Id(47)));
    assert_eq!(a[0].contact.as_ref().map(|c| c.id), Some(Id(138810376)));
    let w: Vec<CommunicationWay> = list("communication_way_list.json");
    assert_eq!(w[0].kind, Some(CommunicationWayType::Email));
    assert_eq!(w[0].main, Some(true));
    assert_eq!(w[0].key.as_ref().map(|k| k.id), Some(Id(2)));
    assert_eq!(
        w[0].value.as_deref(),
        Some("sdrs-live-1790865321-contacts@example.com")
    );
}

#[test]
fn payment_methods() {
    let p: Vec<PaymentMethod> = list("payment_method_list.json");
    assert_eq!(p.len(), 6);
    let debit: Vec<&PaymentMethod> = p.iter().filter(|m| m.is_sepa_direct_debit()).collect();
    assert_eq!(debit.len(), 1);
    assert_eq!(debit[0].id, Id(21920));
    assert_eq!(debit[0].name.as_deref(), Some("SEPA Lastschrift"));
}

#[test]
fn credit_note() {
    let c: Vec<CreditNote> = list("credit_note.json");
    assert_eq!(c[0].status, Some(CreditNoteStatus::Paid));
    assert_eq!(c[0].sum_gross, dec("58.31"));
    assert_eq!(c[0].invoice_ref(), Some(Id(135171965)));
    assert_eq!(c[0].credit_note_type.as_deref(), Some("CN"));
    assert_eq!(c[0].booking_category.as_deref(), Some("UNDERACHIEVEMENT"));
}

#[test]
fn error_envelopes() {
    // With their own HTTP status …
    match parse::<OneOrMany<Invoice>>("error_404_code_151.json", 404) {
        Err(Error::NotFound { status: 404, .. }) => {}
        other => panic!("404 body: {:?}", other.map(|o| o.map(|v| v.0.len()))),
    }
    match parse::<OneOrMany<Invoice>>("error_422_offline_account.json", 422) {
        Err(Error::Rejected {
            message: Some(m), ..
        }) => assert!(m.contains("online checkaccounts")),
        other => panic!("422 body: {:?}", other.map(|o| o.map(|v| v.0.len()))),
    }
    // The same 404 body on a list endpoint: the endpoint is missing, not a record.
    match parse_as::<OneOrMany<PaymentMethod>>(
        ApiEndpoint::PaymentMethods,
        "error_404_code_151.json",
        404,
    ) {
        Err(Error::EndpointUnavailable {
            endpoint: ApiEndpoint::PaymentMethods,
            status: 404,
            ..
        }) => {}
        other => panic!(
            "404 body on a list: {:?}",
            other.map(|o| o.map(|v| v.0.len()))
        ),
    }
    // … and inside an HTTP 200.
    match parse::<OneOrMany<Invoice>>("error_404_code_151.json", 200) {
        Err(Error::Api {
            code: Some(151),
            response_code: Some(404),
            message: Some(m),
            ..
        }) => assert!(m.contains("was found")),
        other => panic!("404 body in 200: {:?}", other.map(|o| o.map(|v| v.0.len()))),
    }
    match parse::<OneOrMany<Invoice>>("error_422_offline_account.json", 200) {
        Err(Error::Api {
            code: None,
            response_code: Some(422),
            ..
        }) => {}
        other => panic!("422 body in 200: {:?}", other.map(|o| o.map(|v| v.0.len()))),
    }
}
