//! `validate`: every problem at once with its place, warnings beside a valid message, and the
//! cross-field rules (dates, addresses, schemes, amendments, duplicates, block grouping).

use crate::common;

use common::{load_fixture, today};
use lastschrift_sepa::{
    CharacterPolicy, CreationTime, Format, Problem, RawAddress, RawAmendment, RawMessage,
    ValidationOptions, validate,
};

fn opts() -> ValidationOptions {
    ValidationOptions {
        policy: CharacterPolicy::German,
        created_at: None,
    }
}

fn problems(raw: RawMessage) -> Vec<Problem> {
    match validate(raw, &opts(), today()) {
        Ok(_) => panic!("expected problems"),
        Err(p) => p,
    }
}

fn has(problems: &[Problem], field: &str, needle: &str) -> bool {
    problems
        .iter()
        .any(|p| p.field == field && p.message.contains(needle))
}

fn show(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn reports_every_problem_at_once_with_its_place() {
    let mut raw = load_fixture("core_blocks");
    raw.creditor.creditor_id = "DE97ZZZ09999999999".into();
    raw.debits[0].debtor.iban = "DE0212030000000020205".into();
    raw.debits[1].amount = "12.345".into();
    raw.debits[2].collection_date = "2026-11-28".into();
    raw.debits[3].mandate.signed_on = "2026-12-01".into();
    raw.debits[4].sequence = "RPRE".into();
    raw.debits[5].scheme = Some("COR1".into());
    raw.debits[5].end_to_end_id = "RE 6".into();
    let p = problems(raw);
    let s = show(&p);
    assert!(
        has(&p, "creditor.creditor_id", "check digits do not match"),
        "{s}"
    );
    assert!(
        has(
            &p,
            "debits[0].debtor.iban",
            "a German IBAN has 22 characters, this one has 21"
        ),
        "{s}"
    );
    assert!(has(&p, "debits[1].amount", "at most two decimals"), "{s}");
    assert!(
        has(&p, "debits[4].sequence", "FRST, RCUR, OOFF or FNAL"),
        "{s}"
    );
    assert!(
        has(&p, "debits[5].scheme", "retired in November 2016"),
        "{s}"
    );
    assert!(
        has(&p, "debits[5].end_to_end_id", "' '") || has(&p, "debits[5].end_to_end_id", "U+0020"),
        "{s}"
    );
    // The header is broken (creditor id), so date checks that need the builder are not reached,
    // but the per-field problems of every debit are there.
    assert!(
        p.iter()
            .any(|p| p.debit == Some(0) && p.end_to_end_id.as_deref() == Some("RE-2026-1001"))
    );
}

#[test]
fn cross_field_rules_report_with_input_indices() {
    let mut raw = load_fixture("core_blocks");
    raw.debits[0].debtor.iban = "XX".into(); // debit 0 cannot be built at all
    raw.debits[2].collection_date = "2026-11-28".into();
    raw.debits[3].mandate.signed_on = "2026-12-01".into();
    raw.debits[4].mandate.signed_on = "2026-12-16".into();
    raw.debits[4].collection_date = "2026-12-15".into();
    raw.debits[5].end_to_end_id = "RE-2026-1002".into();
    let p = problems(raw);
    let s = show(&p);
    assert!(
        has(
            &p,
            "debits[2].collection_date",
            "must be after today (2026-11-28)"
        ),
        "{s}"
    );
    assert!(
        has(&p, "debits[3].mandate.signed_on", "in the future"),
        "{s}"
    );
    assert!(
        has(&p, "debits[4].mandate.signed_on", "in the future"),
        "{s}"
    );
    assert!(
        has(&p, "debits[5].end_to_end_id", "already used by debit 1"),
        "{s}"
    );
}

#[test]
fn mandate_signed_after_collection_date() {
    let mut raw = load_fixture("b2b");
    raw.debits[1].mandate.signed_on = "2026-11-28".into();
    raw.debits[1].collection_date = "2026-11-27".into();
    let p = problems(raw);
    assert!(
        has(&p, "debits[1].collection_date", "must be after today"),
        "{}",
        show(&p)
    );
    let mut raw = load_fixture("b2b");
    raw.debits[1].collection_date = "2026-12-01".into();
    raw.debits[1].mandate.signed_on = "2026-11-28".into();
    assert!(
        validate(raw, &opts(), today()).is_ok(),
        "signed today, collected later is fine"
    );
}

#[test]
fn core_and_b2b_are_not_mixed_but_can_be_split() {
    let mut raw = load_fixture("core_blocks");
    raw.debits[2].scheme = Some("B2B".into());
    let p = problems(raw.clone());
    assert!(
        has(&p, "debits[2].scheme", "cannot be mixed"),
        "{}",
        show(&p)
    );
    let parts = raw.split_by_scheme();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[0].message_id.as_deref(),
        Some("LS-2026-11-28-0001-CORE")
    );
    assert_eq!(
        parts[1].message_id.as_deref(),
        Some("LS-2026-11-28-0001-B2B")
    );
    assert_eq!(parts[0].debits.len(), 5);
    assert_eq!(parts[1].debits.len(), 1);
    for part in parts {
        let (msg, _) = validate(part, &opts(), today()).unwrap();
        let mut out = Vec::new();
        msg.write(Format::default(), &mut out).unwrap();
    }
    let single = load_fixture("b2b").split_by_scheme();
    assert_eq!(single.len(), 1);
}

#[test]
fn non_eea_debtor_needs_an_address() {
    let mut raw = load_fixture("non_eea");
    raw.debits[0].debtor.address = None;
    let p = problems(raw);
    assert!(has(&p, "debits[0].debtor.address", "CH"), "{}", show(&p));
    assert_eq!(p.len(), 1, "{}", show(&p));
    // A BIC from Jersey with a GB IBAN is fine for the country check but needs an address too.
    let mut raw = load_fixture("core_blocks");
    raw.debits[1].debtor.iban = "GB29NWBK60161331926819".into();
    raw.debits[1].debtor.bic = Some("RBOSJESH".into());
    let p = problems(raw);
    assert!(has(&p, "debits[1].debtor.address", "GB"), "{}", show(&p));
}

#[test]
fn addresses_need_town_and_country_and_at_most_two_lines() {
    let mut raw = load_fixture("core_blocks");
    raw.debits[0].debtor.address = Some(RawAddress {
        street: Some("Weg 1".into()),
        ..RawAddress::default()
    });
    raw.debits[2].debtor.address = Some(RawAddress {
        town: Some("Wien".into()),
        country: Some("Austria".into()),
        lines: vec!["a".into(), "b".into(), "c".into()],
        ..RawAddress::default()
    });
    let p = problems(raw);
    let s = show(&p);
    assert!(has(&p, "debits[0].debtor.address.town", "required"), "{s}");
    assert!(
        has(&p, "debits[0].debtor.address.country", "required"),
        "{s}"
    );
    assert!(
        has(&p, "debits[2].debtor.address.country", "two-letter"),
        "{s}"
    );
    assert!(
        has(&p, "debits[2].debtor.address.lines", "at most 2"),
        "{s}"
    );
}

#[test]
fn amendment_rules() {
    let mut raw = load_fixture("amendments");
    raw.debits[0].mandate.amendment = Some(RawAmendment {
        original_creditor_name: Some("\u{7}".into()),
        ..RawAmendment::default()
    });
    raw.debits[1].mandate.amendment = Some(RawAmendment {
        original_mandate_id: Some("MITGLIED-0002".into()),
        ..RawAmendment::default()
    });
    raw.debits[2].mandate.amendment = Some(RawAmendment {
        original_iban: Some("DE02120300000000202051".into()),
        new_bank: Some(true),
        ..RawAmendment::default()
    });
    raw.debits[3].mandate.amendment = Some(RawAmendment {
        original_iban: Some("DE12500105170648489890".into()),
        ..RawAmendment::default()
    });
    raw.debits[4].mandate.amendment = Some(RawAmendment {
        original_iban: Some("AT611904300234573201".into()),
        ..RawAmendment::default()
    });
    raw.debits[5].mandate.amendment = Some(RawAmendment {
        original_creditor_id: Some("DE98ZZZ09999999999".into()),
        ..RawAmendment::default()
    });
    let p = problems(raw);
    let s = show(&p);
    assert!(
        has(
            &p,
            "debits[0].mandate.amendment.original_creditor_name",
            "nothing usable"
        ),
        "{s}"
    );
    assert!(
        has(
            &p,
            "debits[1].mandate.amendment.original_mandate_id",
            "same as the current"
        ),
        "{s}"
    );
    assert!(has(&p, "debits[2].mandate.amendment", "not both"), "{s}");
    assert!(
        has(
            &p,
            "debits[3].mandate.amendment.original_iban",
            "same as the debtor's current IBAN"
        ),
        "{s}"
    );
    assert!(
        has(
            &p,
            "debits[4].mandate.amendment.original_iban",
            "use new_bank"
        ),
        "{s}"
    );
    assert!(
        has(
            &p,
            "debits[5].mandate.amendment.original_creditor_id",
            "same as the current"
        ),
        "{s}"
    );
}

#[test]
fn warnings_come_beside_a_valid_message() {
    let raw = load_fixture("transliteration");
    let (msg, warnings) = validate(
        raw,
        &ValidationOptions {
            policy: CharacterPolicy::Basic,
            created_at: None,
        },
        today(),
    )
    .unwrap();
    assert_eq!(msg.number_of_transactions(), 1);
    let fields: Vec<&str> = warnings.iter().map(|w| w.field.as_str()).collect();
    assert!(fields.contains(&"creditor.name"), "{fields:?}");
    assert!(fields.contains(&"debits[0].debtor.name"), "{fields:?}");
    assert!(fields.contains(&"debits[0].remittance"), "{fields:?}");
    let w = warnings
        .iter()
        .find(|w| w.field == "debits[0].debtor.name")
        .unwrap();
    assert_eq!(w.debit, Some(0));
    assert_eq!(w.end_to_end_id.as_deref(), Some("T-1"));
    assert!(w.message.contains("'Ł' → \"L\""), "{}", w.message);
    let json = serde_json::to_value(w).unwrap();
    assert_eq!(json["field"], "debits[0].debtor.name");
    assert_eq!(json["debit"], 0);
}

#[test]
fn truncation_and_closing_days_are_warnings() {
    let mut raw = load_fixture("b2b");
    raw.debits[0].debtor.name =
        "Ein sehr langer Firmenname, der weit über siebzig Zeichen hinausgeht GmbH & Co. KG".into();
    raw.debits[0].collection_date = "2026-12-25".into();
    let (msg, warnings) = validate(raw, &opts(), today()).unwrap();
    let w: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter()
            .any(|w| w.contains("debits[0].debtor.name") && w.contains("shortened from 82 to 70")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("Christmas Day") && w.contains("2026-12-28")),
        "{w:?}"
    );
    assert_eq!(msg.debits()[0].debtor.name.as_str().chars().count(), 70);
}

#[test]
fn blocks_group_by_date_and_sequence_with_exact_sums() {
    let (msg, _) = validate(load_fixture("core_blocks"), &opts(), today()).unwrap();
    let blocks: Vec<(String, &str, usize, u128)> = msg
        .blocks()
        .iter()
        .map(|b| {
            (
                b.collection_date.to_string(),
                b.sequence.code(),
                b.count,
                b.sum_cents,
            )
        })
        .collect();
    assert_eq!(
        blocks,
        vec![
            ("2026-12-14".into(), "FRST", 1, 4990),
            ("2026-12-14".into(), "RCUR", 2, 125_000 + 99_999_999_999),
            ("2026-12-15".into(), "RCUR", 1, 1),
            ("2026-12-15".into(), "FNAL", 1, 1250),
            ("2026-12-15".into(), "OOFF", 1, 7500),
        ]
    );
    assert_eq!(msg.control_sum(), "1000001387.40");
    let ids: Vec<&str> = msg.blocks().iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "LS-2026-11-28-0001-1",
            "LS-2026-11-28-0001-2",
            "LS-2026-11-28-0001-3",
            "LS-2026-11-28-0001-4",
            "LS-2026-11-28-0001-5"
        ]
    );
    let second: Vec<&str> = msg
        .block_debits(&msg.blocks()[1])
        .map(|d| d.end_to_end_id.as_str())
        .collect();
    assert_eq!(second, ["RE-2026-1002", "RE-2026-1004"]);
}

#[test]
fn missing_message_id_and_creation_time() {
    let mut raw = load_fixture("b2b");
    raw.message_id = None;
    raw.created_at = None;
    let p = problems(raw.clone());
    assert!(has(&p, "created_at", "missing"), "{}", show(&p));
    let options = ValidationOptions {
        policy: CharacterPolicy::German,
        created_at: Some(CreationTime::parse("2026-11-28T09:30:05").unwrap()),
    };
    let (msg, _) = validate(raw, &options, today()).unwrap();
    assert_eq!(msg.header().message_id.as_str(), "LS-20261128-093005-B2B");
}

#[test]
fn empty_message_and_unknown_json_fields() {
    let mut raw = load_fixture("b2b");
    raw.debits.clear();
    let p = problems(raw);
    assert!(has(&p, "debits", "no debits"), "{}", show(&p));
    let err = serde_json::from_str::<RawMessage>(r#"{"creditor": {"name": "x", "ibn": "y"}}"#)
        .unwrap_err();
    assert!(err.to_string().contains("ibn"), "{err}");
}

#[test]
fn legacy_format_refuses_what_it_cannot_carry() {
    let (msg, _) = validate(load_fixture("non_eea"), &opts(), today()).unwrap();
    let mut out = Vec::new();
    let err = msg.write(Format::Pain00800102, &mut out).unwrap_err();
    assert!(err.to_string().contains("pain.008.001.02"), "{err}");
    assert!(out.is_empty(), "nothing written");
    assert_eq!(msg.check_format(Format::Pain00800102).len(), 2);
    assert!(msg.check_format(Format::Pain00800108).is_empty());
}

#[test]
fn json_amounts_as_numbers_are_exact() {
    let mut raw = load_fixture("b2b");
    let json = serde_json::to_string(&raw).unwrap();
    let json = json
        .replace("\"amount\":\"15000.00\"", "\"amount\":999999999.99")
        .replace("\"amount\":\"2310.44\"", "\"amount\":0.1");
    raw = serde_json::from_str(&json).unwrap();
    assert_eq!(raw.debits[0].amount, "999999999.99");
    assert_eq!(raw.debits[1].amount, "0.1");
    let (msg, _) = validate(raw, &opts(), today()).unwrap();
    assert_eq!(msg.control_sum_cents(), 99_999_999_999 + 10);
    let raw: lastschrift_sepa::RawDebit = serde_json::from_str(r#"{"amount": 12}"#).unwrap();
    assert_eq!(raw.amount, "12");
    let raw: lastschrift_sepa::RawDebit = serde_json::from_str(r#"{"amount": 12.345}"#).unwrap();
    assert_eq!(
        lastschrift_sepa::Amount::parse(&raw.amount)
            .unwrap_err()
            .to_string(),
        "an amount has at most two decimals, \"12.345\" has more"
    );
}

#[test]
fn original_iban_at_another_german_bank_is_a_warning() {
    let mut raw = load_fixture("amendments");
    raw.debits[4].mandate.amendment = Some(RawAmendment {
        original_iban: Some("DE02120300000000202051".into()),
        ..RawAmendment::default()
    });
    let (_, warnings) = validate(raw, &opts(), today()).unwrap();
    let w: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter()
            .any(|w| w.contains("debits[4].mandate.amendment.original_iban")
                && w.contains("12030000")),
        "{w:?}"
    );
    let (_, warnings) = validate(load_fixture("amendments"), &opts(), today()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn split_shortens_long_message_ids_to_fit() {
    let mut raw = load_fixture("core_blocks");
    raw.message_id = Some("M".repeat(35));
    raw.debits[0].scheme = Some("B2B".into());
    let parts = raw.split_by_scheme();
    let ids: Vec<String> = parts
        .iter()
        .map(|p| p.message_id.clone().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            format!("{}-CORE", "M".repeat(30)),
            format!("{}-B2B", "M".repeat(31))
        ]
    );
    for part in parts {
        assert!(validate(part, &opts(), today()).is_ok());
    }
}

#[test]
fn blank_address_and_amendment_count_as_absent() {
    // Spreadsheet rows with empty address or amendment cells.
    let mut raw = load_fixture("b2b");
    raw.debits[0].debtor.address = Some(RawAddress {
        street: Some(" ".into()),
        lines: vec!["".into()],
        ..RawAddress::default()
    });
    raw.debits[0].mandate.amendment = Some(RawAmendment {
        new_bank: Some(false),
        original_iban: Some("".into()),
        ..RawAmendment::default()
    });
    let (msg, _) = validate(raw, &opts(), today()).unwrap();
    assert!(msg.debits()[0].debtor.address.is_none());
    assert!(msg.debits()[0].mandate.amendment.is_none());
}

#[test]
fn typed_amendment_without_content_is_refused() {
    use lastschrift_sepa::{Amendment, MessageBuilder};
    let (msg, _) = validate(load_fixture("b2b"), &opts(), today()).unwrap();
    let mut debit = msg.debits()[0].clone();
    debit.mandate.amendment = Some(Box::new(Amendment::default()));
    let mut b = MessageBuilder::new(msg.header().clone(), msg.creditor().clone(), today());
    b.push(debit);
    let p = b.build().unwrap_err();
    assert!(
        has(&p, "debits[0].mandate.amendment", "must say what changed"),
        "{}",
        show(&p)
    );
}

#[test]
fn many_repeats_of_one_end_to_end_id_are_all_reported() {
    let mut raw = load_fixture("b2b");
    let template = raw.debits[0].clone();
    raw.debits = vec![template; 20_000];
    raw.debits[7].debtor.iban = "bad".into(); // shifts indices: findings must keep input indices
    let p = problems(raw);
    let dups: Vec<&Problem> = p
        .iter()
        .filter(|p| p.field.ends_with("end_to_end_id"))
        .collect();
    assert_eq!(dups.len(), 19_998);
    assert!(
        dups.iter()
            .all(|p| p.message.contains("already used by debit 0"))
    );
    assert!(has(
        &p,
        "debits[8].end_to_end_id",
        "already used by debit 0"
    ));
    assert!(!p.iter().any(|p| p.field == "debits[7].end_to_end_id"));
}

/// The same input through both doors: `validate` on the raw strings, and `MessageBuilder` on
/// the typed values (taken from `valid`, the same input with BICs, then `edit`ed).
fn both_paths(
    raw: RawMessage,
    valid: RawMessage,
    edit: impl Fn(&mut lastschrift_sepa::Creditor, &mut [lastschrift_sepa::Debit]),
) -> (Vec<Problem>, Vec<Problem>) {
    use lastschrift_sepa::MessageBuilder;
    let from_raw = problems(raw);
    let (msg, _) = validate(valid, &opts(), today()).unwrap_or_else(|p| panic!("{}", show(&p)));
    let mut creditor = msg.creditor().clone();
    let mut debits = msg.debits().to_vec();
    edit(&mut creditor, &mut debits);
    let mut b = MessageBuilder::new(msg.header().clone(), creditor, today());
    b.push_all(debits);
    let from_typed = b.build().map(|_| ()).unwrap_err();
    (from_raw, from_typed)
}

#[test]
fn non_eea_debit_without_bic_is_refused() {
    // A Swiss debtor bank cannot be reached with the IBAN alone; this debit used to be written
    // with NOTPROVIDED (and the golden file approved it).
    let mut raw = load_fixture("non_eea");
    raw.debits[0].debtor.bic = None;
    let (from_raw, from_typed) =
        both_paths(raw, load_fixture("non_eea"), |_, d| d[0].debtor.bic = None);
    assert_eq!(from_raw.len(), 1, "{}", show(&from_raw));
    let p = &from_raw[0];
    assert_eq!(p.field, "debits[0].debtor.bic");
    assert_eq!(p.debit, Some(0));
    assert_eq!(p.end_to_end_id.as_deref(), Some("CH-1"));
    assert_eq!(
        p.message,
        "the BIC of the debtor's bank is required because a bank in CH (a SEPA country outside the EEA) takes part; IBAN-only works only inside the EEA"
    );
    assert_eq!(from_typed, from_raw, "both paths give the same problem");
}

#[test]
fn creditor_bank_outside_the_eea_needs_its_bic_and_so_do_the_debtor_banks() {
    let swiss = |raw: &mut RawMessage| {
        raw.creditor.iban = "CH9300762011623852957".into();
        for d in &mut raw.debits {
            d.debtor.address = Some(RawAddress {
                town: Some("Köln".into()),
                country: Some("DE".into()),
                ..RawAddress::default()
            });
        }
    };
    let mut raw = load_fixture("b2b");
    swiss(&mut raw);
    let mut valid = raw.clone();
    valid.creditor.bic = Some("UBSWCHZH80A".into());
    for d in &mut valid.debits {
        d.debtor.bic = Some("COBADEFFXXX".into());
    }
    for d in &mut raw.debits {
        d.debtor.bic = None;
    }
    let n = raw.debits.len();
    let (from_raw, from_typed) = both_paths(raw, valid.clone(), |c, debits| {
        c.bic = None;
        for d in debits {
            d.debtor.bic = None;
        }
    });
    let s = show(&from_raw);
    assert!(
        has(&from_raw, "creditor.bic", "the creditor's bank is in CH"),
        "{s}"
    );
    for i in 0..n {
        assert!(
            has(
                &from_raw,
                &format!("debits[{i}].debtor.bic"),
                "a bank in CH"
            ),
            "{s}"
        );
    }
    assert_eq!(from_raw.len(), n + 1, "{s}");
    assert_eq!(from_typed, from_raw, "both paths give the same problems");
    // The creditor alone, as a settings page checks it.
    let (msg, _) = validate(valid, &opts(), today()).unwrap();
    let mut creditor = msg.creditor().clone();
    assert!(creditor.check().0.is_empty());
    creditor.bic = None;
    let (problems, _) = creditor.check();
    assert_eq!(problems, from_raw[..1]);
}

#[test]
fn inside_the_eea_the_bic_stays_optional() {
    let mut raw = load_fixture("core_blocks");
    raw.creditor.bic = None;
    for d in &mut raw.debits {
        d.debtor.bic = None;
    }
    assert!(validate(raw, &opts(), today()).is_ok());
}

#[test]
fn every_problem_has_a_stable_code_and_a_german_sentence() {
    let mut raw = load_fixture("core_blocks");
    raw.debits[0].debtor.iban = "DE0212030000000020205".into();
    raw.debits[1].amount = "12.345".into();
    raw.debits[2].collection_date = "2026-11-28".into();
    raw.debits[3].remittance = Some("\u{301}".into());
    raw.debits[4].scheme = Some("B2B".into());
    let p = problems(raw);
    let by_field = |f: &str| {
        p.iter()
            .find(|p| p.field == f)
            .unwrap_or_else(|| panic!("{f}: {}", show(&p)))
    };
    let iban = by_field("debits[0].debtor.iban");
    assert_eq!(iban.code, "iban_length");
    assert_eq!(
        iban.german,
        "Eine deutsche IBAN hat 22 Zeichen, diese hat 21"
    );
    assert_eq!(by_field("debits[1].amount").code, "amount_decimals");
    let date = by_field("debits[2].collection_date");
    assert_eq!(date.code, "collection_date_not_after_today");
    assert_eq!(
        date.german,
        "Das Einzugsdatum 28.11.2026 muss nach dem heutigen Tag (28.11.2026) liegen"
    );
    let text = by_field("debits[3].remittance");
    assert_eq!(text.code, "text_empty_after_conversion");
    assert!(
        text.german.starts_with("Der Verwendungszweck enthält"),
        "{}",
        text.german
    );
    assert_eq!(by_field("debits[4].scheme").code, "schemes_mixed");
    // Serialized: the keys the CLI's --json list had, plus code and message_de.
    let json = serde_json::to_value(iban).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "code",
            "debit",
            "end_to_end_id",
            "field",
            "message",
            "message_de"
        ]
    );
    assert_eq!(json["code"], "iban_length");
    assert_eq!(json["message_de"], iban.german);
    assert_eq!(
        json["message"],
        "a German IBAN has 22 characters, this one has 21"
    );
    assert_eq!(
        iban.to_german_string(),
        "debits[0].debtor.iban (RE-2026-1001): Eine deutsche IBAN hat 22 Zeichen, diese hat 21"
    );
}

#[test]
fn write_errors_explain_themselves_in_german_too() {
    let (msg, _) = validate(load_fixture("non_eea"), &opts(), today()).unwrap();
    let err = msg
        .write(Format::Pain00800102, &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.code(), "write_unsupported");
    assert!(
        err.german()
            .starts_with("Die Nachricht kann nicht als pain.008.001.02 geschrieben werden: debits[0].debtor.address (CH-1): pain.008.001.02 kann"),
        "{}",
        err.german()
    );
    let problems = msg.check_format(Format::Pain00800102);
    assert!(
        problems
            .iter()
            .all(|p| p.code == "address_not_in_pain_008_001_02")
    );
}

#[test]
fn original_iban_at_another_bank_is_a_warning_in_every_country() {
    // Italy: the BBAN starts with the CIN check letter; the bank (ABI) follows it.
    let mut raw = load_fixture("amendments");
    raw.debits[4].debtor.iban = "IT60X0542811101000000123456".into();
    raw.debits[4].mandate.amendment = Some(RawAmendment {
        original_iban: Some("IT52K0542811101000000654321".into()),
        ..RawAmendment::default()
    });
    let (_, warnings) = validate(raw.clone(), &opts(), today()).unwrap();
    assert!(
        !warnings
            .iter()
            .any(|w| w.code == "amendment_iban_other_bank"),
        "same ABI, same bank: {warnings:?}"
    );
    raw.debits[4].mandate.amendment = Some(RawAmendment {
        original_iban: Some("IT59X0306909606100000063015".into()),
        ..RawAmendment::default()
    });
    let (_, warnings) = validate(raw, &opts(), today()).unwrap();
    let w = warnings
        .iter()
        .find(|w| w.code == "amendment_iban_other_bank")
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(w.message.contains("bank code 03069"), "{}", w.message);
    assert!(w.german.contains("Bankkennung 03069"), "{}", w.german);
}
