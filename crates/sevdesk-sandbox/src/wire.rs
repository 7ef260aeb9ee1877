//! The JSON shapes sevdesk sends, field for field and in the recorded order
//! (see shared/ref/sevdesk/examples): ids and most numbers as strings, money as decimal strings,
//! `paidAmount` as a JSON number, timestamps with the Berlin offset, undocumented fields included.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Europe::Berlin;
use serde::Serialize;
use serde_json::{Number, Value};

use crate::model::{
    Category, CommunicationWay, Contact, ContactAddress, ContactCustomField,
    ContactCustomFieldSetting, CreditNote, Dataset, Invoice, MissingKey, PaymentMethod,
    StaticCountry, Timestamp,
};

/// "2026-09-01T00:00:00+02:00": the instant in Berlin local time with its (DST-correct) offset.
pub fn ts(t: Timestamp) -> String {
    t.with_timezone(&Berlin)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Berlin midnight of a calendar date, as sevdesk sends date-only fields like `invoiceDate`.
pub fn date(d: NaiveDate) -> String {
    match Berlin
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
    {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        // Midnight always exists in Berlin (DST switches at 02:00/03:00).
        None => format!("{d}T00:00:00+01:00"),
    }
}

/// Unix seconds of a Berlin-midnight date, for `startDate`/`endDate` filters.
pub fn date_unix(d: NaiveDate) -> i64 {
    Berlin
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or(0, |t| t.timestamp())
}

/// sevdesk's decimal strings: no fixed scale, no trailing zeros ("29", "5.51", "-39.2").
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    let (euros, rest) = (a / 100, a % 100);
    match rest {
        0 => format!("{sign}{euros}"),
        r if r % 10 == 0 => format!("{sign}{euros}.{}", r / 10),
        r => format!("{sign}{euros}.{r:02}"),
    }
}

/// `paidAmount` is a JSON number: `0` for nothing, `12.5` for 12.50.
pub fn money_number(cents: i64) -> Number {
    if cents % 100 == 0 {
        Number::from(cents / 100)
    } else {
        // Shortest round-trip formatting of cents/100 prints exactly the decimal we mean.
        Number::from_f64(cents as f64 / 100.0).unwrap_or_else(|| Number::from(0))
    }
}

fn flag(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

#[derive(Serialize, Clone, Debug)]
pub struct Ref {
    pub id: String,
    #[serde(rename = "objectName")]
    pub object_name: &'static str,
}

pub fn r(id: u64, object_name: &'static str) -> Ref {
    Ref {
        id: id.to_string(),
        object_name,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WPaymentMethod {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    create: String,
    update: String,
    name: String,
    text: String,
    electronic_invoice_id: String,
    translation_code: String,
}

pub fn payment_method(p: &PaymentMethod) -> WPaymentMethod {
    WPaymentMethod {
        id: p.id.to_string(),
        object_name: "PaymentMethod",
        additional_information: None,
        create: ts(p.create),
        update: ts(p.update),
        name: p.name.clone(),
        text: p.text.clone(),
        electronic_invoice_id: p.electronic_invoice_id.clone(),
        translation_code: p.translation_code.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WContact {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    create: String,
    update: String,
    name: Option<String>,
    status: String,
    customer_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<Ref>,
    surename: Option<String>,
    familyname: Option<String>,
    titel: Option<String>,
    category: Ref,
    description: Option<String>,
    academic_title: Option<String>,
    gender: Option<String>,
    sev_client: Ref,
    name2: Option<String>,
    birthday: Option<String>,
    vat_number: Option<String>,
    bank_account: Option<String>,
    bank_number: Option<String>,
    mandate_reference: Option<String>,
    default_cashback_time: Option<String>,
    default_cashback_percent: Option<String>,
    default_time_to_pay: Option<String>,
    tax_number: Option<String>,
    tax_office: Option<String>,
    exempt_vat: &'static str,
    tax_type: Option<String>,
    default_discount_amount: Option<String>,
    default_discount_percentage: &'static str,
    buyer_reference: Option<String>,
    government_agency: &'static str,
    default_show_vat: &'static str,
}

pub fn contact(d: &Dataset, c: &Contact) -> WContact {
    WContact {
        id: c.id.to_string(),
        object_name: "Contact",
        additional_information: None,
        create: ts(c.create),
        update: ts(c.update),
        name: c.name.clone(),
        status: c.status.clone(),
        customer_number: c.customer_number.clone(),
        parent: c.parent.map(|p| r(p, "Contact")),
        surename: c.surename.clone(),
        familyname: c.familyname.clone(),
        titel: None,
        category: r(c.category_id, "Category"),
        description: c.description.clone(),
        academic_title: None,
        gender: c.gender.clone(),
        sev_client: r(d.sev_client_id, "SevClient"),
        name2: None,
        birthday: None,
        vat_number: c.vat_number.clone(),
        bank_account: c.bank_account.clone(),
        bank_number: c.bank_number.clone(),
        mandate_reference: c.mandate_reference.clone(),
        default_cashback_time: None,
        default_cashback_percent: None,
        default_time_to_pay: c.default_time_to_pay.clone(),
        tax_number: None,
        tax_office: None,
        exempt_vat: "0",
        tax_type: None,
        default_discount_amount: None,
        default_discount_percentage: "1",
        buyer_reference: c.buyer_reference.clone(),
        government_agency: "0",
        default_show_vat: "1",
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WAddress {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    create: String,
    update: String,
    contact: Ref,
    street: Option<String>,
    zip: Option<String>,
    city: Option<String>,
    country: Ref,
    category: Option<Ref>,
    name: Option<String>,
    sev_client: Ref,
}

pub fn address(d: &Dataset, a: &ContactAddress) -> WAddress {
    WAddress {
        id: a.id.to_string(),
        object_name: "ContactAddress",
        additional_information: None,
        create: ts(a.create),
        update: ts(a.update),
        contact: r(a.contact_id, "Contact"),
        street: a.street.clone(),
        zip: a.zip.clone(),
        city: a.city.clone(),
        country: r(a.country_id, "StaticCountry"),
        category: a.category_id.map(|c| r(c, "Category")),
        name: a.name.clone(),
        sev_client: r(d.sev_client_id, "SevClient"),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WCommunicationWay {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    create: String,
    update: String,
    contact: Ref,
    #[serde(rename = "type")]
    kind: String,
    value: String,
    key: Ref,
    main: &'static str,
    sev_client: Ref,
}

pub fn communication_way(d: &Dataset, c: &CommunicationWay) -> WCommunicationWay {
    WCommunicationWay {
        id: c.id.to_string(),
        object_name: "CommunicationWay",
        additional_information: None,
        create: ts(c.create),
        update: ts(c.update),
        contact: r(c.contact_id, "Contact"),
        kind: c.kind.clone(),
        value: c.value.clone(),
        key: r(c.key_id, "CommunicationWayKey"),
        main: flag(c.main),
        sev_client: r(d.sev_client_id, "SevClient"),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WCustomFieldSetting {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    create: String,
    update: String,
    sev_client: Ref,
    name: String,
    identifier: String,
    description: Option<String>,
}

pub fn custom_field_setting(d: &Dataset, s: &ContactCustomFieldSetting) -> WCustomFieldSetting {
    WCustomFieldSetting {
        id: s.id.to_string(),
        object_name: "ContactCustomFieldSetting",
        additional_information: None,
        create: ts(s.create),
        update: ts(s.update),
        sev_client: r(d.sev_client_id, "SevClient"),
        name: s.name.clone(),
        identifier: s.identifier.clone(),
        description: s.description.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WCustomField {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    create: String,
    update: String,
    sev_client: Ref,
    contact: Ref,
    contact_custom_field_setting: Ref,
    value: String,
}

pub fn custom_field(d: &Dataset, f: &ContactCustomField) -> WCustomField {
    WCustomField {
        id: f.id.to_string(),
        object_name: "ContactCustomField",
        additional_information: None,
        create: ts(f.create),
        update: ts(f.update),
        sev_client: r(d.sev_client_id, "SevClient"),
        contact: r(f.contact_id, "Contact"),
        contact_custom_field_setting: r(f.setting_id, "ContactCustomFieldSetting"),
        value: f.value.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WCategory {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    create: String,
    update: String,
    name: String,
    object_type: String,
    priority: String,
    code: Option<String>,
    color: Option<String>,
    posting_account: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    translation_code: Option<String>,
}

pub fn category(c: &Category, epoch: Timestamp) -> WCategory {
    WCategory {
        id: c.id.to_string(),
        object_name: "Category",
        additional_information: None,
        create: ts(epoch),
        update: ts(epoch),
        name: c.name.clone(),
        object_type: c.object_type.clone(),
        priority: c.priority.clone(),
        code: None,
        color: None,
        posting_account: None,
        kind: None,
        translation_code: c.translation_code.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WCountry {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    code: String,
    name: String,
    name_en: String,
    translation_code: String,
    locale: String,
    priority: String,
}

pub fn country(c: &StaticCountry) -> WCountry {
    WCountry {
        id: c.id.to_string(),
        object_name: "StaticCountry",
        additional_information: None,
        code: c.code.clone(),
        name: c.name.clone(),
        name_en: c.name_en.clone(),
        translation_code: c.translation_code.clone(),
        locale: c.locale.clone(),
        priority: c.priority.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WInvoice {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    invoice_number: Option<String>,
    contact: Ref,
    create: String,
    update: String,
    sev_client: Ref,
    invoice_date: String,
    header: Option<String>,
    head_text: Option<String>,
    foot_text: Option<String>,
    time_to_pay: String,
    discount_time: Option<String>,
    discount: &'static str,
    address_name: Option<String>,
    address_street: Option<String>,
    address_zip: Option<String>,
    address_city: Option<String>,
    address_country: Ref,
    pay_date: Option<String>,
    create_user: Ref,
    delivery_date: String,
    status: String,
    small_settlement: &'static str,
    contact_person: Ref,
    tax_rate: &'static str,
    tax_text: String,
    dunning_level: Option<String>,
    address_parent_name: Option<String>,
    tax_type: Option<String>,
    /// Outer `None`: key absent (as in `invoice_enshrined.json`); `Some(None)`: explicit null.
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_method: Option<Option<Ref>>,
    send_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<Ref>,
    invoice_type: String,
    account_intervall: Option<String>,
    account_last_invoice: Option<String>,
    account_next_invoice: Option<String>,
    reminder_total: Option<String>,
    reminder_debit: Option<String>,
    reminder_deadline: Option<String>,
    reminder_charge: &'static str,
    address_parent_name2: Option<String>,
    address_name2: Option<String>,
    address_gender: Option<String>,
    account_start_date: Option<String>,
    account_end_date: Option<String>,
    address: Option<String>,
    currency: String,
    sum_net: String,
    sum_tax: String,
    sum_gross: String,
    sum_discounts: &'static str,
    sum_net_foreign_currency: String,
    sum_tax_foreign_currency: &'static str,
    sum_gross_foreign_currency: String,
    sum_discounts_foreign_currency: &'static str,
    sum_net_accounting: String,
    sum_tax_accounting: String,
    sum_gross_accounting: String,
    paid_amount: Number,
    customer_internal_note: Option<String>,
    einvoice_reference: Option<String>,
    sepa_mandate_reference: Option<String>,
    sepa_creditor_id: Option<String>,
    sepa_payer_iban: Option<String>,
    show_net: &'static str,
    enshrined: Option<String>,
    send_type: Option<String>,
    delivery_date_until: Option<String>,
    send_payment_received_notification_date: Option<String>,
    sum_discount_net: &'static str,
    sum_discount_gross: &'static str,
    sum_discount_net_foreign_currency: &'static str,
    sum_discount_gross_foreign_currency: &'static str,
    tax_rule: Ref,
}

pub fn invoice(d: &Dataset, i: &Invoice) -> WInvoice {
    let foreign = i.currency != "EUR";
    WInvoice {
        id: i.id.to_string(),
        object_name: "Invoice",
        additional_information: None,
        invoice_number: i.invoice_number.clone(),
        contact: r(i.contact_id, "Contact"),
        create: ts(i.create),
        update: ts(i.update),
        sev_client: r(d.sev_client_id, "SevClient"),
        invoice_date: date(i.invoice_date),
        header: i.header.clone(),
        head_text: i.head_text.clone(),
        foot_text: None,
        time_to_pay: i.time_to_pay.to_string(),
        discount_time: None,
        discount: "0",
        address_name: i.address_name.clone(),
        address_street: i.address_street.clone(),
        address_zip: i.address_zip.clone(),
        address_city: i.address_city.clone(),
        address_country: r(i.address_country_id, "StaticCountry"),
        pay_date: i.pay_date.map(ts),
        create_user: r(d.sev_user_id, "SevUser"),
        delivery_date: date(i.delivery_date),
        status: i.status.to_string(),
        small_settlement: "0",
        contact_person: r(d.sev_user_id, "SevUser"),
        tax_rate: "0",
        tax_text: i.tax_text.clone(),
        dunning_level: None,
        address_parent_name: None,
        tax_type: None,
        payment_method: match (i.payment_method_id, i.payment_method_missing) {
            (Some(p), _) => Some(Some(r(p, "PaymentMethod"))),
            (None, MissingKey::Null) => Some(None),
            (None, MissingKey::Absent) => None,
        },
        send_date: i.send_date.map(ts),
        origin: i.origin_id.map(|o| r(o, "Invoice")),
        invoice_type: i.invoice_type.clone(),
        account_intervall: None,
        account_last_invoice: None,
        account_next_invoice: None,
        reminder_total: None,
        reminder_debit: None,
        reminder_deadline: None,
        reminder_charge: "0",
        address_parent_name2: None,
        address_name2: None,
        address_gender: None,
        account_start_date: None,
        account_end_date: None,
        address: i.address.clone(),
        currency: i.currency.clone(),
        sum_net: money(i.sum_net),
        sum_tax: money(i.sum_tax),
        sum_gross: money(i.sum_gross),
        sum_discounts: "0",
        sum_net_foreign_currency: if foreign {
            money(i.sum_net)
        } else {
            "0".into()
        },
        sum_tax_foreign_currency: "0",
        sum_gross_foreign_currency: money(i.sum_gross_foreign_currency),
        sum_discounts_foreign_currency: "0",
        sum_net_accounting: money(i.sum_net),
        sum_tax_accounting: money(i.sum_tax),
        sum_gross_accounting: money(i.sum_gross),
        paid_amount: money_number(i.paid_amount),
        customer_internal_note: i.customer_internal_note.clone(),
        einvoice_reference: None,
        sepa_mandate_reference: i.sepa_mandate_reference.clone(),
        sepa_creditor_id: i.sepa_creditor_id.clone(),
        sepa_payer_iban: i.sepa_payer_iban.clone(),
        show_net: flag(i.show_net),
        enshrined: i.enshrined.map(ts),
        send_type: i.send_type.clone(),
        delivery_date_until: i.delivery_date_until.map(date),
        send_payment_received_notification_date: None,
        sum_discount_net: "0",
        sum_discount_gross: "0",
        sum_discount_net_foreign_currency: "0",
        sum_discount_gross_foreign_currency: "0",
        tax_rule: r(i.tax_rule_id, "TaxRule"),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WCreditNote {
    id: String,
    object_name: &'static str,
    additional_information: Option<Value>,
    credit_note_number: Option<String>,
    contact: Ref,
    create: String,
    update: String,
    credit_note_date: String,
    header: Option<String>,
    head_text: Option<String>,
    foot_text: Option<String>,
    time_to_pay: Option<String>,
    discount_time: &'static str,
    discount: &'static str,
    address_name: Option<String>,
    address_street: Option<String>,
    address_zip: Option<String>,
    address_city: Option<String>,
    address_country: Ref,
    pay_date: Option<String>,
    create_user: Ref,
    sev_client: Ref,
    delivery_date: String,
    status: String,
    small_settlement: &'static str,
    contact_person: Ref,
    tax_rate: &'static str,
    tax_text: Option<String>,
    address_parent_name: Option<String>,
    tax_type: Option<String>,
    send_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<Ref>,
    credit_note_type: &'static str,
    account_intervall: Option<String>,
    account_last_credit_note: Option<String>,
    account_next_credit_note: Option<String>,
    reminder_total: Option<String>,
    reminder_debit: Option<String>,
    reminder_deadline: Option<String>,
    reminder_charge: Option<String>,
    address_parent_name2: Option<String>,
    address_name2: Option<String>,
    address_gender: Option<String>,
    account_end_date: Option<String>,
    address: Option<String>,
    currency: String,
    sum_net: String,
    sum_tax: String,
    sum_gross: String,
    sum_discounts: &'static str,
    sum_net_foreign_currency: &'static str,
    sum_tax_foreign_currency: &'static str,
    sum_gross_foreign_currency: &'static str,
    sum_discounts_foreign_currency: &'static str,
    sum_net_accounting: String,
    sum_tax_accounting: String,
    sum_gross_accounting: String,
    customer_internal_note: Option<String>,
    tax_number: Option<String>,
    vat_number: Option<String>,
    show_net: &'static str,
    enshrined: Option<String>,
    send_type: Option<String>,
    booking_category: String,
    delivery_date_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ref_src_invoice: Option<Ref>,
    is_transferred: &'static str,
    sum_discount_net: &'static str,
    sum_discount_gross: &'static str,
    sum_discount_net_foreign_currency: &'static str,
    sum_discount_gross_foreign_currency: &'static str,
    tax_rule: Ref,
}

pub fn credit_note(d: &Dataset, c: &CreditNote) -> WCreditNote {
    WCreditNote {
        id: c.id.to_string(),
        object_name: "CreditNote",
        additional_information: None,
        credit_note_number: c.credit_note_number.clone(),
        contact: r(c.contact_id, "Contact"),
        create: ts(c.create),
        update: ts(c.update),
        credit_note_date: date(c.credit_note_date),
        header: c.header.clone(),
        head_text: None,
        foot_text: None,
        time_to_pay: None,
        discount_time: "0",
        discount: "0",
        address_name: c.address_name.clone(),
        address_street: c.address_street.clone(),
        address_zip: c.address_zip.clone(),
        address_city: c.address_city.clone(),
        address_country: r(c.address_country_id, "StaticCountry"),
        pay_date: c.pay_date.map(ts),
        create_user: r(d.sev_user_id, "SevUser"),
        sev_client: r(d.sev_client_id, "SevClient"),
        delivery_date: date(c.delivery_date),
        status: c.status.to_string(),
        small_settlement: "0",
        contact_person: r(d.sev_user_id, "SevUser"),
        tax_rate: "0",
        tax_text: None,
        address_parent_name: None,
        tax_type: None,
        send_date: c.send_date.map(ts),
        origin: c.ref_invoice_id.map(|o| r(o, "Invoice")),
        credit_note_type: "CN",
        account_intervall: None,
        account_last_credit_note: None,
        account_next_credit_note: None,
        reminder_total: None,
        reminder_debit: None,
        reminder_deadline: None,
        reminder_charge: None,
        address_parent_name2: None,
        address_name2: None,
        address_gender: None,
        account_end_date: None,
        address: c.address.clone(),
        currency: c.currency.clone(),
        sum_net: money(c.sum_net),
        sum_tax: money(c.sum_tax),
        sum_gross: money(c.sum_gross),
        sum_discounts: "0",
        sum_net_foreign_currency: "0",
        sum_tax_foreign_currency: "0",
        sum_gross_foreign_currency: "0",
        sum_discounts_foreign_currency: "0",
        sum_net_accounting: money(c.sum_net),
        sum_tax_accounting: money(c.sum_tax),
        sum_gross_accounting: money(c.sum_gross),
        customer_internal_note: c.customer_internal_note.clone(),
        tax_number: None,
        vat_number: None,
        show_net: "1",
        enshrined: c.enshrined.map(ts),
        send_type: c.send_type.clone(),
        booking_category: c.booking_category.clone(),
        delivery_date_until: None,
        ref_src_invoice: c.ref_invoice_id.map(|o| r(o, "Invoice")),
        is_transferred: "0",
        sum_discount_net: "0",
        sum_discount_gross: "0",
        sum_discount_net_foreign_currency: "0",
        sum_discount_gross_foreign_currency: "0",
        tax_rule: r(c.tax_rule_id, "TaxRule"),
    }
}

/// `{"objects": [...]}` plus `"total": "157"` (a string) when `countAll=true`.
#[derive(Serialize)]
pub struct ListEnvelope<T: Serialize> {
    pub objects: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
}

/// sevdesk's error body, keys in the recorded order; it comes with `"objects": null`.
pub fn error_body(uuid: &str, message: &str, code: Option<u32>, response_code: u16) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner<'a> {
        #[serde(rename = "exceptionUUID")]
        exception_uuid: &'a str,
        message: &'a str,
        error_code: u32,
        code: Option<u32>,
        data: [u8; 0],
        response_code: u16,
    }
    #[derive(Serialize)]
    struct Envelope<'a> {
        error: Inner<'a>,
        objects: Option<()>,
    }
    serde_json::to_vec(&Envelope {
        error: Inner {
            exception_uuid: uuid,
            message,
            error_code: 0,
            code,
            data: [],
            response_code,
        },
        objects: None,
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn money_has_no_trailing_zeros() {
        assert_eq!(money(2900), "29");
        assert_eq!(money(551), "5.51");
        assert_eq!(money(-3920), "-39.2");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(0), "0");
        assert_eq!(money_number(0).to_string(), "0");
        assert_eq!(money_number(1250).to_string(), "12.5");
        assert_eq!(money_number(123_456_789).to_string(), "1234567.89");
    }

    #[test]
    fn berlin_offset_follows_dst() {
        let summer = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default();
        let winter = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        assert_eq!(date(summer), "2026-09-01T00:00:00+02:00");
        assert_eq!(date(winter), "2026-11-01T00:00:00+01:00");
        // 2026-03-29 01:00 UTC is the switch to summer time.
        let before = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
        assert_eq!(ts(before), "2026-03-29T01:59:00+01:00");
        assert_eq!(ts(after), "2026-03-29T03:00:00+02:00");
    }
}
