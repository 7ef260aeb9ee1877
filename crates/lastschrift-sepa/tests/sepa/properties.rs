//! Property tests: arbitrary Unicode names, remittance texts, addresses, amounts, dates and
//! amendments, both schemes, debtors and creditors inside and outside the EEA with IBANs of every
//! SEPA country, give either precise problems or a file that (with feature `xsd`) validates
//! against ISO pain.008.001.08 and DK GBIC_5, and, where the legacy format can carry it, ISO
//! pain.008.001.02 and DK GBIC_3: what the crate accepts, banks accept. Case count from
//! PROPTEST_CASES (CI: 3000). The written files are checked in a few batched xmllint calls after
//! all cases ran.

use crate::common;

use std::path::PathBuf;

use common::{iban_strategy, scratch_dir, today, write_file};
use lastschrift_sepa::country::{SEPA_COUNTRIES, is_non_eea_sepa};
use lastschrift_sepa::{
    CharacterPolicy, Format, RawAddress, RawAmendment, RawCreditor, RawDebit, RawDebtor,
    RawMandate, RawMessage, ValidationOptions,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const IBANS: &[&str] = &[
    "DE89370400440532013000",
    "DE02120300000000202051",
    "AT611904300234573201",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "CH9300762011623852957",
    "GB29NWBK60161331926819",
    "SM86U0322509800000000270100",
];

/// Mostly text that survives conversion (any printable Unicode), sometimes anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => "\\PC{1,90}",
        15 => "[a-zA-ZäöüÄÖÜßéèøŁ&@€ _\"'.,:/+()\\-]{1,150}",
        1 => any::<String>(),
        1 => "[ \t\r\n\u{a0}\u{0}-\u{1f}]{0,5}",
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![2 => Just(None), 3 => text().prop_map(Some)]
}

fn iban() -> impl Strategy<Value = String> {
    prop_oneof![
        60 => proptest::sample::select(IBANS).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[A-Z]{2}[0-9]{2}[A-Z0-9 ]{10,30}",
    ]
}

/// An account: an IBAN (mostly valid, of any SEPA country), a BIC that fits its country or
/// not (or none), and a second IBAN of the same country (for an amendment at the same bank).
fn account() -> impl Strategy<Value = (String, Option<String>, String)> {
    prop_oneof![
        4 => (0..SEPA_COUNTRIES.len()).prop_flat_map(|i| {
            let format = SEPA_COUNTRIES[i].iban_format();
            (iban_strategy(format), bic_for(format.code), iban_strategy(format))
        }),
        1 => (iban(), bic(), iban()),
    ]
}

/// A BIC of country `cc`: in the 2009 pattern (pain.008.001.02 takes it), in the 2019 one only
/// (a digit in the bank code), or none.
fn bic_for(cc: &'static str) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        2 => Just(None),
        4 => regex(&format!("[A-Z]{{4}}{cc}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{{3}})?")).prop_map(Some),
        1 => regex(&format!("[0-9][A-Z0-9]{{3}}{cc}[A-Z0-9]{{2}}")).prop_map(Some),
    ]
}

fn regex(pattern: &str) -> impl Strategy<Value = String> + use<> {
    proptest::string::string_regex(pattern).expect("test regex")
}

fn amount() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => (1u64..=99_999_999_999).prop_map(|c| format!("{}.{:02}", c / 100, c % 100)),
        3 => (1u64..=2_000_000).prop_map(|c| format!("{},{}", c / 100, c % 100)),
        1 => "[0-9]{0,12}[.,]?[0-9]{0,4}",
        1 => any::<String>(),
    ]
}

fn days_from_today(range: std::ops::Range<i64>) -> impl Strategy<Value = String> {
    range.prop_map(|d| {
        (today() + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    })
}

fn date(range: std::ops::Range<i64>) -> impl Strategy<Value = String> {
    prop_oneof![
        60 => days_from_today(range),
        1 => days_from_today(-400..800),
        1 => any::<String>(),
        1 => "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    ]
}

fn address() -> impl Strategy<Value = Option<RawAddress>> {
    let country = prop_oneof![
        30 => proptest::sample::select(&["DE", "AT", "CH", "GB", "FR", "de"][..]).prop_map(|s| Some(s.to_string())),
        1 => opt_text(),
    ];
    let town = prop_oneof![30 => text().prop_map(Some), 1 => Just(None)];
    let lines = prop_oneof![30 => proptest::collection::vec(text(), 0..3), 1 => proptest::collection::vec(text(), 3..5)];
    prop_oneof![
        1 => Just(None),
        2 => (opt_text(), opt_text(), opt_text(), town, country, lines).prop_map(
            |(street, building, postcode, town, country, lines)| Some(RawAddress {
                street,
                building,
                postcode,
                town,
                country,
                lines
            })
        ),
    ]
}

fn amendment(same_country: String) -> impl Strategy<Value = Option<RawAmendment>> {
    let original_iban = prop_oneof![
        3 => Just(same_country),
        1 => iban(),
    ];
    // New-bank amendments are rare among the accepted ones (most amendments carry some other
    // broken part): weighted up, so a default-sized run always meets them (the coverage check
    // below failed about one run in ten at 256 cases).
    let new_bank = prop_oneof![1 => Just(None), 2 => Just(Some(true)), 1 => Just(Some(false))];
    prop_oneof![
        10 => Just(None),
        4 => (
            proptest::option::of("[A-Za-z0-9/ -]{1,36}"),
            proptest::option::of(proptest::sample::select(&["NL53ZZZ091734220000", "DE98ABC09999999999", "XX"][..])),
            opt_text(),
            proptest::option::of(original_iban),
            new_bank,
        )
            .prop_map(|(m, c, n, i, b)| Some(RawAmendment {
                original_mandate_id: m,
                original_creditor_id: c.map(str::to_string),
                original_creditor_name: n,
                original_iban: i,
                new_bank: b,
            })),
    ]
}

fn bic() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        24 => Just(None),
        12 => proptest::sample::select(&["COBADEFFXXX", "NWBKGB2L", "BNPAFRPP"][..]).prop_map(|s| Some(s.to_string())),
        1 => "[A-Za-z0-9]{0,12}".prop_map(Some),
    ]
}

fn purpose() -> impl Strategy<Value = Option<String>> {
    prop_oneof![30 => Just(None), 12 => "[A-Z]{4}".prop_map(Some), 1 => "[A-Za-z0-9]{0,6}".prop_map(Some)]
}

fn sequence() -> impl Strategy<Value = &'static str> {
    prop_oneof![60 => proptest::sample::select(&["FRST", "RCUR", "OOFF", "FNAL", "rcur"][..]), 1 => Just("RPRE")]
}

fn mandate_id() -> impl Strategy<Value = String> {
    prop_oneof![60 => "[A-Za-z0-9][A-Za-z0-9 +?:().,'-]{0,34}", 1 => "[A-Za-z0-9 /+?:().,'_-]{1,36}"]
}

fn debit() -> impl Strategy<Value = RawDebit> {
    (
        (amount(), date(1..400), sequence()),
        (
            text(),
            account().prop_flat_map(|(iban, bic, same)| (Just(iban), Just(bic), amendment(same))),
        ),
        address(),
        (mandate_id(), date(-3000..0)),
        (opt_text(), opt_text(), opt_text(), purpose()),
    )
        .prop_map(
            |(
                (amount, collection_date, seq),
                (name, (iban, bic, am)),
                address,
                (mid, signed),
                (r, ud, uc, purpose),
            )| {
                RawDebit {
                    end_to_end_id: String::new(),
                    amount,
                    collection_date,
                    sequence: seq.to_string(),
                    scheme: None,
                    remittance: r,
                    purpose,
                    debtor: RawDebtor {
                        name,
                        iban,
                        bic,
                        address,
                    },
                    mandate: RawMandate {
                        id: mid,
                        signed_on: signed,
                        amendment: am,
                    },
                    ultimate_debtor: ud,
                    ultimate_creditor: uc,
                }
            },
        )
}

/// The creditor's account: mostly the German one without BIC, sometimes one of any SEPA country
/// (outside the EEA it needs its BIC).
fn creditor_account() -> impl Strategy<Value = (String, Option<String>)> {
    prop_oneof![
        5 => Just(("DE89370400440532013000".to_string(), None)),
        2 => account().prop_map(|(iban, bic, _)| (iban, bic)),
    ]
}

/// A creditor whose bank is in a SEPA country outside the EEA, with the BIC it then needs.
fn creditor_outside_eea() -> impl Strategy<Value = (String, Option<String>)> {
    let outside: Vec<usize> = (0..SEPA_COUNTRIES.len())
        .filter(|&i| !SEPA_COUNTRIES[i].eea)
        .collect();
    proptest::sample::select(outside).prop_flat_map(|i| {
        let format = SEPA_COUNTRIES[i].iban_format();
        (
            iban_strategy(format),
            regex(&format!("[A-Z]{{4}}{}[A-Z2-9][A-NP-Z0-9]", format.code)).prop_map(Some),
        )
    })
}

pub(crate) fn message() -> impl Strategy<Value = (RawMessage, bool)> {
    (
        (
            text(),
            prop_oneof![
                4 => creditor_account().prop_map(|a| (a, false)),
                1 => creditor_outside_eea().prop_map(|a| (a, true)),
            ],
        ),
        address(),
        proptest::collection::vec(debit(), 1..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                (creditor_name, ((creditor_iban, creditor_bic), outside)),
                creditor_address,
                mut debits,
                b2b,
                basic,
            )| {
                for (i, d) in debits.iter_mut().enumerate() {
                    if outside {
                        // With the creditor bank outside the EEA every debtor needs a BIC and an
                        // address; without them such a message would hardly ever be accepted.
                        d.debtor.bic.get_or_insert_with(|| "NWBKGB2L".into());
                        d.debtor.address.get_or_insert_with(|| RawAddress {
                            town: Some("Bern".into()),
                            country: Some("CH".into()),
                            ..RawAddress::default()
                        });
                    }
                    d.end_to_end_id = format!("E2E-{i}");
                    d.scheme = Some(if b2b { "B2B" } else { "CORE" }.to_string());
                }
                let raw = RawMessage {
                    message_id: Some("PROP-1".into()),
                    created_at: Some("2026-11-28T10:00:00".into()),
                    batch_booking: Some(true),
                    initiating_party: None,
                    creditor: RawCreditor {
                        name: creditor_name,
                        iban: creditor_iban,
                        bic: creditor_bic,
                        creditor_id: "DE98ZZZ09999999999".into(),
                        address: creditor_address,
                    },
                    debits,
                };
                (raw, basic)
            },
        )
}

#[test]
fn arbitrary_input_gives_precise_problems_or_a_valid_file() {
    let dir = scratch_dir("proptest");
    let written: std::cell::RefCell<Vec<PathBuf>> = std::cell::RefCell::new(Vec::new());
    let written_02: std::cell::RefCell<Vec<PathBuf>> = std::cell::RefCell::new(Vec::new());
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::cell::Cell::new(0usize);
    let seen = std::cell::RefCell::new(Coverage::default());
    let result = runner.run(&message(), |(raw, basic)| {
        case.set(case.get() + 1);
        let case = case.get();
        let n = raw.debits.len();
        let policy = if basic {
            CharacterPolicy::Basic
        } else {
            CharacterPolicy::German
        };
        match lastschrift_sepa::validate(
            raw,
            &ValidationOptions {
                policy,
                created_at: None,
            },
            today(),
        ) {
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for p in &problems {
                    prop_assert!(!p.message.trim().is_empty(), "empty message: {p:?}");
                    prop_assert!(!p.field.is_empty(), "no field: {p:?}");
                    prop_assert!(!p.code.is_empty(), "no code: {p:?}");
                    prop_assert!(!p.german.trim().is_empty(), "no German: {p:?}");
                    prop_assert_ne!(&p.german, &p.message, "German missing: {:?}", p);
                    if let Some(i) = p.debit {
                        prop_assert!(i < n, "index out of range: {p:?}");
                        prop_assert!(p.field.starts_with(&format!("debits[{i}]")), "{p:?}");
                    }
                }
            }
            Ok((msg, warnings)) => {
                seen.borrow_mut().add(&msg, basic);
                // The bank rules the schemas cannot see: outside the EEA, BICs and the debtor's
                // address are there.
                let outside = |iban: &lastschrift_sepa::Iban| is_non_eea_sepa(iban.country_code());
                let creditor_outside = outside(&msg.creditor().iban);
                prop_assert!(!creditor_outside || msg.creditor().bic.is_some());
                for d in msg.debits() {
                    if creditor_outside || outside(&d.debtor.iban) {
                        prop_assert!(d.debtor.bic.is_some(), "{:?}", d.debtor);
                        prop_assert!(d.debtor.address.is_some(), "{:?}", d.debtor);
                    }
                }
                for w in &warnings {
                    prop_assert!(!w.message.trim().is_empty());
                    prop_assert!(!w.code.is_empty(), "no code: {w:?}");
                    prop_assert_ne!(&w.german, &w.message, "German missing: {:?}", w);
                }
                let mut out = Vec::new();
                msg.write(Format::Pain00800108, &mut out)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let text = String::from_utf8(out.clone())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(text.matches("<DrctDbtTxInf>").count(), n);
                for c in text.chars() {
                    let allowed = c == '\n'
                        || c.is_ascii_graphic()
                        || c == ' '
                        || (!basic && "ÄÖÜäöüß".contains(c));
                    prop_assert!(allowed, "character {:?} in output", c);
                }
                let path = dir.join(format!("case-{case}.xml"));
                write_file(&path, &out);
                written.borrow_mut().push(path);
                // The legacy format too, where it can carry the message.
                let mut out02 = Vec::new();
                if msg.check_format(Format::Pain00800102).is_empty() {
                    msg.write(Format::Pain00800102, &mut out02)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let path = dir.join(format!("case-{case}-02.xml"));
                    write_file(&path, &out02);
                    written_02.borrow_mut().push(path);
                } else {
                    prop_assert!(msg.write(Format::Pain00800102, &mut out02).is_err());
                    prop_assert!(out02.is_empty());
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let written = written.into_inner();
    let written_02 = written_02.into_inner();
    let case = case.get();
    let seen = seen.into_inner();
    eprintln!("accepted messages had: {seen:?}");
    // With a default-sized run every kind of accepted message must have been written (and so
    // schema-checked); a generator that stops producing one of them fails here.
    if case >= 256 {
        seen.assert_complete();
    }
    // Enough valid cases for the schema check to mean something.
    assert!(
        !written.is_empty(),
        "no generated message was valid; the generators are too wild"
    );
    eprintln!(
        "{} of {case} generated messages were valid and written ({} also as pain.008.001.02)",
        written.len(),
        written_02.len()
    );
    #[cfg(feature = "xsd")]
    {
        common::assert_schema_valid(Format::Pain00800108, &written);
        common::assert_schema_valid(Format::Pain00800102, &written_02);
    }
    #[cfg(not(feature = "xsd"))]
    let _ = written_02;
}

/// What the accepted (written) messages contained, so the schema check is known to have seen it.
#[derive(Debug, Default)]
struct Coverage {
    debtor_outside_eea: usize,
    creditor_outside_eea: usize,
    debtor_countries: std::collections::BTreeSet<String>,
    addresses: usize,
    hybrid_addresses: usize,
    amendments: usize,
    new_bank: usize,
    b2b: usize,
    core: usize,
    basic: usize,
    german: usize,
    bics: usize,
    ultimate_parties: usize,
}

impl Coverage {
    fn add(&mut self, msg: &lastschrift_sepa::ValidMessage, basic: bool) {
        let outside = |iban: &lastschrift_sepa::Iban| is_non_eea_sepa(iban.country_code());
        let debits = msg.debits();
        self.creditor_outside_eea += usize::from(outside(&msg.creditor().iban));
        self.debtor_outside_eea += debits.iter().filter(|d| outside(&d.debtor.iban)).count();
        self.debtor_countries.extend(
            debits
                .iter()
                .map(|d| d.debtor.iban.country_code().to_string()),
        );
        let addresses = debits.iter().filter_map(|d| d.debtor.address.as_ref());
        self.addresses += addresses.clone().count();
        self.hybrid_addresses += addresses.filter(|a| !a.lines().is_empty()).count();
        self.amendments += debits
            .iter()
            .filter(|d| d.mandate.amendment.is_some())
            .count();
        self.new_bank += debits
            .iter()
            .filter(|d| {
                d.mandate.amendment.as_ref().is_some_and(|a| {
                    a.original_account == Some(lastschrift_sepa::OriginalAccount::NewBank)
                })
            })
            .count();
        match msg.instrument() {
            lastschrift_sepa::LocalInstrument::B2b => self.b2b += 1,
            lastschrift_sepa::LocalInstrument::Core => self.core += 1,
        }
        if basic {
            self.basic += 1;
        } else {
            self.german += 1;
        }
        self.bics += debits.iter().filter(|d| d.debtor.bic.is_some()).count();
        self.ultimate_parties += debits
            .iter()
            .filter(|d| d.ultimate_debtor.is_some() || d.ultimate_creditor.is_some())
            .count();
    }

    fn assert_complete(&self) {
        let counts = [
            ("debtor outside the EEA", self.debtor_outside_eea),
            ("creditor outside the EEA", self.creditor_outside_eea),
            ("address", self.addresses),
            ("hybrid address", self.hybrid_addresses),
            ("amendment", self.amendments),
            ("amendment to a new bank", self.new_bank),
            ("B2B", self.b2b),
            ("CORE", self.core),
            ("basic character set", self.basic),
            ("German character set", self.german),
            ("BIC", self.bics),
            ("ultimate party", self.ultimate_parties),
        ];
        for (what, n) in counts {
            assert!(n > 0, "no accepted message had a {what}: {self:?}");
        }
        assert!(
            self.debtor_countries.len() >= 20,
            "accepted debtors came from only {} countries: {self:?}",
            self.debtor_countries.len()
        );
    }
}

proptest! {
    /// Any text comes out allowed by its policy, within its length, and changed only with a
    /// reported change ("never silent").
    #[test]
    fn text_conversion_is_never_silent(input in any::<String>(), german in any::<bool>()) {
        let policy = if german { CharacterPolicy::German } else { CharacterPolicy::Basic };
        match lastschrift_sepa::Name::parse(&input, policy) {
            Ok((name, changes)) => {
                let out = name.as_str();
                prop_assert!(out.chars().all(|c| policy.allows(c)), "{out:?}");
                prop_assert!(out.chars().count() <= 70);
                prop_assert!(!out.trim().is_empty());
                let trimmed = input.trim_matches(|c: char| c.is_whitespace() || c.is_control());
                if out != trimmed {
                    prop_assert!(!changes.is_empty(), "{input:?} became {out:?} without a warning");
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Amounts: valid text gives exact cents that print back as the canonical form.
    #[test]
    fn amounts_round_trip(cents in 1u64..=99_999_999_999) {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        let a = lastschrift_sepa::Amount::parse(&text).unwrap();
        prop_assert_eq!(a.cents(), cents);
        prop_assert_eq!(a.to_string(), text.clone());
        prop_assert_eq!(lastschrift_sepa::Amount::parse(&text.replace('.', ",")).unwrap().cents(), cents);
    }
}

fn any_date() -> impl Strategy<Value = chrono::NaiveDate> {
    (1900i32..2400, 1u32..=366).prop_map(|(y, d)| {
        chrono::NaiveDate::from_yo_opt(y, d)
            .unwrap_or_else(|| chrono::NaiveDate::from_yo_opt(y, 365).unwrap())
    })
}

proptest! {
    /// Easter Sunday is a Sunday between 22 March and 25 April, so Good Friday and Easter Monday
    /// are closing days in every year.
    #[test]
    fn easter_is_a_sunday_in_its_window(year in 1583i32..10000) {
        use chrono::Datelike;
        let e = lastschrift_sepa::calendar::easter_sunday(year);
        prop_assert_eq!(e.weekday(), chrono::Weekday::Sun);
        prop_assert!((e.month(), e.day()) >= (3, 22) && (e.month(), e.day()) <= (4, 25), "{e}");
        prop_assert!(!lastschrift_sepa::calendar::is_business_day(e - chrono::Duration::days(2)));
        prop_assert!(!lastschrift_sepa::calendar::is_business_day(e + chrono::Duration::days(1)));
    }

    /// The chosen collection date is a business day, never before the request or the earliest
    /// date, equal to the request when the request is allowed, and the reason says why it moved.
    #[test]
    fn collection_dates_are_allowed_business_days(
        today in any_date(),
        hour in 0u32..24,
        ahead in -10i64..60,
        cut_off in 0u32..24,
        lead_days in 1u32..6,
        pre_notification_days in 0u32..20,
    ) {
        use lastschrift_sepa::calendar::{self, BankTiming, DateMove};
        let timing = BankTiming {
            cut_off: chrono::NaiveTime::from_hms_opt(cut_off, 0, 0).unwrap(),
            lead_days,
            pre_notification_days,
        };
        let now = today.and_hms_opt(hour, 30, 0).unwrap();
        let requested = today + chrono::Duration::days(ahead);
        let (earliest, _) = calendar::earliest_collection_date(&timing, now);
        prop_assert!(calendar::is_business_day(earliest));
        prop_assert!(earliest > today);
        prop_assert!(earliest >= today + chrono::Duration::days(i64::from(pre_notification_days)));
        let chosen = calendar::collection_date(&timing, now, requested);
        prop_assert!(calendar::is_business_day(chosen.date));
        prop_assert!(chosen.date >= requested && chosen.date >= earliest);
        match chosen.moved {
            None => prop_assert_eq!(chosen.date, requested),
            Some(DateMove::TooEarly { earliest: e, .. }) => {
                prop_assert!(requested < earliest);
                prop_assert_eq!((chosen.date, e), (earliest, earliest));
            }
            Some(DateMove::ClosingDay { .. }) => {
                prop_assert!(!calendar::is_business_day(requested));
                prop_assert_eq!(chosen.date, calendar::next_business_day_from(requested));
            }
        }
    }

    /// Every way a person types an IBAN gives the same electronic form.
    #[test]
    fn iban_typing_forms(index in 0usize..IBANS.len(), lower in any::<bool>(), group in 1usize..6) {
        let iban = IBANS[index];
        let mut typed = String::new();
        for (i, c) in iban.chars().enumerate() {
            if i > 0 && i % group == 0 {
                typed.push(' ');
            }
            typed.push(if lower { c.to_ascii_lowercase() } else { c });
        }
        let parsed = lastschrift_sepa::Iban::parse(&format!("  {typed} ")).unwrap();
        prop_assert_eq!(parsed.as_str(), iban);
        prop_assert_eq!(lastschrift_sepa::Iban::parse(&parsed.grouped()).unwrap(), parsed);
    }
}
