//! An Austrian creditor collecting from Austrian (and one German) customers, as a user runs it:
//! the sandbox account holds exactly the contacts and invoices below, then `connect`, `sync`,
//! `collect --json`. Every written file must pass xmllint against the ISO schema and the German
//! DK one of its format (GBIC_5 for .08, GBIC_3 for .02), carry the Austrian creditor id, keep
//! ä ö ü ß under the German character policy, and add up to the ledger.
//!
//! Part of the schema suite (feature `xsd`, cfg'd in `main.rs`): it needs xmllint and the XSD
//! files in `SEPA_XSD_DIR`.

use std::collections::BTreeMap;

use chrono::Days;
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_store::RunStatus;
use sevdesk_sandbox::generate::{CATEGORY_INVOICE_ADDRESS, FIELD_MANDATE_DATE};
use sevdesk_sandbox::model::{Contact, ContactAddress, ContactCustomField, Invoice, MissingKey};
use sevdesk_sandbox::{Dataset, Sandbox, SandboxConfig};
use test_support::{PAIN008_02_SCHEMAS, PAIN008_08_SCHEMAS, assert_schema_valid, cents, element};

const CREDITOR_NAME: &str = "Müller & Söhne Installationen GmbH";
/// As the German policy writes it into XML (`&` is in the German set, escaped by the writer).
const CREDITOR_NAME_XML: &str = "Müller &amp; Söhne Installationen GmbH";
const CREDITOR_IBAN: &str = "AT063200000000123456";
const CREDITOR_ID: &str = "AT61ZZZ01234567890";

/// sevdesk's country ids in the sandbox (`StaticCountry`).
const GERMANY: u64 = 1;
const AUSTRIA: u64 = 2;

/// One customer of the Austrian creditor, with the one open direct-debit invoice it pays.
struct Customer {
    /// Organisation name, or first and last name of a person.
    name: Name,
    street: &'static str,
    zip: &'static str,
    city: &'static str,
    country_id: u64,
    iban: &'static str,
    mandate: &'static str,
    invoice_number: &'static str,
    cents: i64,
}

enum Name {
    Organisation(&'static str),
    Person(&'static str, &'static str),
}

impl Customer {
    fn display_name(&self) -> String {
        match self.name {
            Name::Organisation(n) => n.to_owned(),
            Name::Person(first, last) => format!("{first} {last}"),
        }
    }

    fn country(&self) -> &'static str {
        if self.country_id == AUSTRIA {
            "AT"
        } else {
            "DE"
        }
    }
}

const CUSTOMERS: &[Customer] = &[
    Customer {
        name: Name::Organisation("Grünwald Bäckerei GmbH"),
        street: "Mariahilfer Straße 12",
        zip: "1060",
        city: "Wien",
        country_id: AUSTRIA,
        iban: "AT611904300234573201",
        mandate: "MANDAT-AT-0001",
        invoice_number: "RE-2027-0101",
        cents: 12_345,
    },
    Customer {
        name: Name::Person("Jürgen", "Größinger"),
        street: "Herrengasse 5",
        zip: "8010",
        city: "Graz",
        country_id: AUSTRIA,
        iban: "AT871200052066543301",
        mandate: "MANDAT-AT-0002",
        invoice_number: "RE-2027-0102",
        cents: 4_800,
    },
    Customer {
        name: Name::Person("Sören", "Hüttenbrenner"),
        street: "Landstraße 33",
        zip: "4020",
        city: "Linz",
        country_id: AUSTRIA,
        // Typed in groups, as people copy it from a bank letter.
        iban: "AT13 2011 1827 1586 8200",
        mandate: "MANDAT-AT-0003",
        // A numbering scheme with an umlaut: it reaches the remittance text.
        invoice_number: "RE-Süd-0103",
        cents: 99_999,
    },
    Customer {
        name: Name::Organisation("Österreicher & Söhne KG"),
        street: "Maria-Theresien-Straße 18",
        zip: "6020",
        city: "Innsbruck",
        country_id: AUSTRIA,
        iban: "AT656000000001234567",
        mandate: "MANDAT-AT-0004",
        invoice_number: "RE-2027-0104",
        cents: 250_000,
    },
    Customer {
        name: Name::Organisation("Weißbräu Müller GmbH"),
        street: "Schloßallee 3",
        zip: "80331",
        city: "München",
        country_id: GERMANY,
        iban: "DE89370400440532013000",
        mandate: "MANDAT-DE-0005",
        invoice_number: "RE-2027-0105",
        cents: 1_999,
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn austrian_creditor_and_debtors_to_valid_pain_008_001_08_with_german_characters() {
    let xml = collect("pain.008.001.08", &PAIN008_08_SCHEMAS).await;
    for c in CUSTOMERS {
        let tx = transaction_of(&xml, c);
        // Structured debtor address (GBIC_5), Austrian ones with their 4-digit PLZ.
        for part in [
            format!("<StrtNm>{}</StrtNm>", c.street),
            format!("<PstCd>{}</PstCd>", c.zip),
            format!("<TwnNm>{}</TwnNm>", c.city),
            format!("<Ctry>{}</Ctry>", c.country()),
        ] {
            assert!(tx.contains(&part), "{part} missing in\n{tx}");
        }
    }
    // The creditor's own address, umlauts kept.
    for part in [
        "<StrtNm>Währinger Straße</StrtNm>",
        "<BldgNb>27</BldgNb>",
        "<PstCd>1090</PstCd>",
        "<TwnNm>Wien</TwnNm>",
    ] {
        assert!(xml.contains(part), "{part} missing in\n{xml}");
    }
}

/// The legacy format (opt-in) with the same data: GBIC_3 allows no structured address, so the
/// writer leaves addresses out, and names keep their umlauts all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn austrian_creditor_and_debtors_to_valid_legacy_pain_008_001_02_with_german_characters() {
    let xml = collect("pain.008.001.02", &PAIN008_02_SCHEMAS).await;
    assert!(!xml.contains("<PstlAdr>"), "{xml}");
}

/// Runs the whole job for `format` and checks what every format must hold; returns the one
/// file's XML for the format's own checks.
async fn collect(format: &str, schemas: &[&str]) -> String {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 9,
        invoices: 10,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    sandbox.with_data(only_the_customers);
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let output_dir = dir.path().join("out");
    // The creditor comes from a configuration file, as a user enters it: as environment
    // variables the numeric postcode and building number would be read as numbers and refused.
    let config = dir.path().join("lastschrift.toml");
    std::fs::write(
        &config,
        format!(
            "[creditor]\n\
             name = \"{CREDITOR_NAME}\"\n\
             iban = \"{CREDITOR_IBAN}\"\n\
             creditor_id = \"{CREDITOR_ID}\"\n\
             [creditor.address]\n\
             street = \"Währinger Straße\"\n\
             building = \"27\"\n\
             postcode = \"1090\"\n\
             town = \"Wien\"\n\
             country = \"AT\"\n\
             [policies]\n\
             character_policy = \"german\"\n\
             output_format = \"{format}\"\n"
        ),
    )
    .unwrap();
    let cli = super::lastschrift(&data_dir)
        .env("LASTSCHRIFT_CONFIG", &config)
        .output_dir(&output_dir)
        .sevdesk_base_url(sandbox.base_url());

    let connect = cli
        .clone()
        .token(sandbox.token())
        .run_async(["connect"])
        .await;
    assert_eq!(connect.code, 0, "{connect:?}");
    let sync = cli.run_async(["sync"]).await;
    assert_eq!(sync.code, 0, "{sync:?}");
    let collect = cli.run_async(["collect", "--json"]).await;
    assert_eq!(collect.code, 0, "{collect:?}");
    let outcome = collect.json();
    assert_eq!(
        outcome["plan"]["exclusions"].as_array().map(Vec::len),
        Some(0),
        "every invoice of the account is collectible: {outcome}"
    );
    let run_id = outcome["run"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no run was made: {outcome}"));

    // The ledger, read from the database the binary wrote.
    let db = data_dir.join(lastschrift_core::settings::SQLITE_FILE_NAME);
    let store = lastschrift_store::open_url(&DatabaseUrl::sqlite_file(&db))
        .await
        .unwrap();
    let run = store.collection_run(run_id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Exported);
    assert_eq!(run.format, format);
    let debits = store.debits_for_run(run_id).await.unwrap();
    let expected_total: i64 = CUSTOMERS.iter().map(|c| c.cents).sum();
    assert_eq!(debits.len(), CUSTOMERS.len());
    assert_eq!(run.debit_count, CUSTOMERS.len() as i64);
    assert_eq!(run.total_cents, expected_total);
    assert_eq!(
        debits.iter().map(|d| d.amount_cents).sum::<i64>(),
        expected_total
    );
    let by_mandate: BTreeMap<&str, i64> = debits
        .iter()
        .map(|d| (d.mandate_reference.as_str(), d.amount_cents))
        .collect();
    for c in CUSTOMERS {
        assert_eq!(by_mandate.get(c.mandate), Some(&c.cents), "{}", c.mandate);
    }

    // One CORE file with every debit (one scheme, one date, no size limit).
    let files = store.run_files(run_id).await.unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    let bytes = std::fs::read(output_dir.join(&file.info.file_name)).unwrap();
    assert!(
        bytes == file.bytes,
        "the file on disk differs from the ledger"
    );
    assert_schema_valid(&bytes, schemas);
    let xml = String::from_utf8(bytes).unwrap();
    assert!(
        xml.contains(&format!("urn:iso:std:iso:20022:tech:xsd:{format}")),
        "not {format}"
    );

    // Totals: group header, payment block and the transactions themselves, each = the ledger.
    assert_eq!(element(&xml, "NbOfTxs"), CUSTOMERS.len().to_string());
    assert_eq!(cents(element(&xml, "CtrlSum")), expected_total);
    let pmt_inf = &xml[xml.find("<PmtInf>").expect("a payment block")..];
    assert_eq!(cents(element(pmt_inf, "CtrlSum")), expected_total);
    assert_eq!(instructed_cents(&xml), expected_total);
    assert_eq!(file.info.total_cents, expected_total);

    // The Austrian creditor: name with umlauts, AT IBAN, AT creditor id, nothing German left.
    assert!(
        xml.contains(&format!("<Nm>{CREDITOR_NAME_XML}</Nm>")),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<IBAN>{CREDITOR_IBAN}</IBAN>")),
        "{xml}"
    );
    let scheme_ids: Vec<String> = xml
        .split("<CdtrSchmeId>")
        .skip(1)
        .map(|rest| rest[..rest.find("</CdtrSchmeId>").unwrap()].replace('\n', ""))
        .collect();
    assert!(!scheme_ids.is_empty(), "no creditor id in\n{xml}");
    for scheme_id in &scheme_ids {
        assert!(
            scheme_id.contains(&format!(
                "<PrvtId><Othr><Id>{CREDITOR_ID}</Id><SchmeNm><Prtry>SEPA</Prtry>"
            )),
            "{scheme_id}"
        );
    }
    assert!(!xml.contains("DE98ZZZ"), "{xml}");

    // Every debtor: its name with ä ö ü ß as sevdesk holds it, its IBAN, its invoice.
    for c in CUSTOMERS {
        let tx = transaction_of(&xml, c);
        let name = c.display_name().replace('&', "&amp;");
        assert!(tx.contains(&format!("<Nm>{name}</Nm>")), "{name}:\n{tx}");
        let iban = c.iban.replace(' ', "");
        assert!(tx.contains(&format!("<IBAN>{iban}</IBAN>")), "{tx}");
        assert!(
            tx.contains(&format!("Rechnung {} vom", c.invoice_number)),
            "{tx}"
        );
        assert_eq!(instructed_cents(tx), c.cents, "{tx}");
    }
    // Nothing was transliterated away (as the basic policy would: "Groessinger", "Weissbraeu").
    for umlaut in ['ä', 'ö', 'ü', 'ß', 'Ö'] {
        assert!(xml.contains(umlaut), "{umlaut} is missing");
    }
    for transliterated in [
        "Groessinger",
        "Weissbraeu",
        "Oesterreicher",
        "Muenchen",
        "Sued",
    ] {
        assert!(!xml.contains(transliterated), "{transliterated} in\n{xml}");
    }

    assert_eq!(sandbox.write_attempts(), 0);
    store.close().await;
    sandbox.shutdown().await;
    xml
}

/// The `<DrctDbtTxInf>` of the customer's mandate.
fn transaction_of<'a>(xml: &'a str, c: &Customer) -> &'a str {
    let mut found = xml
        .split("<DrctDbtTxInf>")
        .skip(1)
        .filter(|tx| tx.contains(&format!("<MndtId>{}</MndtId>", c.mandate)));
    let tx = found
        .next()
        .unwrap_or_else(|| panic!("no debit for mandate {}", c.mandate));
    assert!(found.next().is_none(), "two debits for {}", c.mandate);
    &tx[..tx.find("</DrctDbtTxInf>").expect("a closed transaction")]
}

/// Sum of every `<InstdAmt …>` in `xml`, in cents.
fn instructed_cents(xml: &str) -> i64 {
    xml.split("<InstdAmt Ccy=\"EUR\">")
        .skip(1)
        .map(|rest| cents(&rest[..rest.find('<').unwrap()]))
        .sum()
}

/// The sandbox account holds exactly [`CUSTOMERS`], each with one open direct-debit invoice, a
/// mandate reference on the contact and the signature date in the custom field.
fn only_the_customers(data: &mut Dataset) {
    let direct_debit = data
        .direct_debit_method_id()
        .expect("a direct-debit method");
    let date_setting = data
        .custom_field_settings
        .values()
        .find(|s| s.identifier == FIELD_MANDATE_DATE)
        .map(|s| s.id)
        .expect("the signature date field");
    data.contacts.clear();
    data.addresses.clear();
    data.communication_ways.clear();
    data.custom_fields.clear();
    data.invoices.clear();
    data.credit_notes.clear();
    let t = data.change_time();
    let invoice_date = data.today - Days::new(10);
    let signed = (data.today - Days::new(400)).format("%d.%m.%Y").to_string();
    for (k, c) in CUSTOMERS.iter().enumerate() {
        let id = 500 + k as u64;
        let (name, surename, familyname) = match c.name {
            Name::Organisation(n) => (Some(n.to_owned()), None, None),
            Name::Person(first, last) => (None, Some(first.to_owned()), Some(last.to_owned())),
        };
        data.contacts.insert(
            id,
            Contact {
                id,
                create: t,
                update: t,
                name,
                surename,
                familyname,
                parent: None,
                customer_number: format!("{}", 2000 + k),
                category_id: 3,
                status: "1000".into(),
                description: None,
                gender: None,
                vat_number: None,
                bank_account: Some(c.iban.to_owned()),
                bank_number: None,
                mandate_reference: Some(c.mandate.to_owned()),
                buyer_reference: None,
                default_time_to_pay: None,
            },
        );
        data.addresses.insert(
            id,
            ContactAddress {
                id,
                create: t,
                update: t,
                contact_id: id,
                street: Some(c.street.to_owned()),
                zip: Some(c.zip.to_owned()),
                city: Some(c.city.to_owned()),
                country_id: c.country_id,
                category_id: Some(CATEGORY_INVOICE_ADDRESS),
                name: None,
            },
        );
        data.custom_fields.insert(
            id,
            ContactCustomField {
                id,
                create: t,
                update: t,
                contact_id: id,
                setting_id: date_setting,
                value: signed.clone(),
            },
        );
        let display = c.display_name();
        data.insert_invoice(Invoice {
            id,
            invoice_number: Some(c.invoice_number.to_owned()),
            contact_id: id,
            create: t,
            update: t,
            invoice_date,
            header: Some(format!("Rechnung Nr. {}", c.invoice_number)),
            head_text: None,
            time_to_pay: 14,
            address_name: Some(display.clone()),
            address_street: Some(c.street.to_owned()),
            address_zip: Some(c.zip.to_owned()),
            address_city: Some(c.city.to_owned()),
            address_country_id: c.country_id,
            pay_date: None,
            delivery_date: invoice_date,
            delivery_date_until: None,
            status: 200,
            payment_method_id: Some(direct_debit),
            payment_method_missing: MissingKey::Absent,
            send_date: Some(t),
            origin_id: None,
            invoice_type: "RE".into(),
            address: Some(format!("{display}\n{}\n{} {}", c.street, c.zip, c.city)),
            currency: "EUR".into(),
            sum_net: c.cents,
            sum_tax: 0,
            sum_gross: c.cents,
            sum_gross_foreign_currency: 0,
            paid_amount: 0,
            customer_internal_note: None,
            sepa_mandate_reference: None,
            sepa_creditor_id: None,
            sepa_payer_iban: None,
            enshrined: Some(t),
            send_type: Some("VPDF".into()),
            tax_text: "Umsatzsteuer 0%".into(),
            tax_rule_id: 3,
            show_net: true,
        });
    }
}
