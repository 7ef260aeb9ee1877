//! Austrian values: creditor identifiers (`ATkkZZZ` + 11-character national identifier, the
//! form the Austrian banks issue), IBANs (20 characters, 5-digit Bankleitzahl) and what
//! `same_bank` makes of two Austrian accounts. The expected check digits are computed here with
//! an ISO 7064 MOD 97-10 of our own, so the crate's arithmetic is not checked against itself.

use lastschrift_sepa::{CreditorId, CreditorIdError, Iban, IbanError};

/// Remainder mod 97 of the digits that result from replacing A–Z by 10–35 (ISO 7064 MOD 97-10),
/// one decimal digit at a time: small enough to read, independent of the crate's version.
fn mod97(text: &str) -> u32 {
    let mut digits = String::new();
    for c in text.chars() {
        digits.push_str(&c.to_digit(36).expect("letters and digits").to_string());
    }
    digits
        .chars()
        .fold(0, |r, d| (r * 10 + d.to_digit(10).unwrap()) % 97)
}

/// `AT` + check digits + business code + national id; the business code is not covered by the
/// check digits (EPC262-08).
fn austrian_creditor_id(business_code: &str, national: &str) -> String {
    let check = 98 - mod97(&format!("{national}AT00"));
    format!("AT{check:02}{business_code}{national}")
}

fn austrian_iban(bankleitzahl: &str, account: &str) -> String {
    let bban = format!("{bankleitzahl}{account}");
    let check = 98 - mod97(&format!("{bban}AT00"));
    format!("AT{check:02}{bban}")
}

#[test]
fn austrian_creditor_ids_with_correct_check_digits_are_accepted() {
    // The helper agrees with the one Austrian id everyone quotes.
    assert_eq!(
        austrian_creditor_id("ZZZ", "01234567890"),
        "AT61ZZZ01234567890"
    );
    for national in [
        "01234567890",
        "00000012345",
        "12345678901",
        "00000000015",
        "99999999999",
    ] {
        let id = austrian_creditor_id("ZZZ", national);
        let parsed = CreditorId::parse(&id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(parsed.as_str(), id);
        assert_eq!(parsed.country_code(), "AT");
    }
    // Spaces and lower case as people type them from a letter of the bank.
    assert_eq!(
        CreditorId::parse("at61 zzz 0123 4567 890")
            .unwrap()
            .as_str(),
        "AT61ZZZ01234567890"
    );
    // The business code (positions 5–7) is the creditor's choice and not part of the check.
    assert_eq!(
        CreditorId::parse("AT61ABC01234567890").unwrap().as_str(),
        "AT61ABC01234567890"
    );
}

#[test]
fn austrian_creditor_ids_with_wrong_check_digits_are_refused() {
    let good = "AT61ZZZ01234567890";
    assert!(CreditorId::parse(good).is_ok());
    for check in (0..100).filter(|c| *c != 61) {
        let bad = format!("AT{check:02}{}", &good[4..]);
        assert_eq!(
            CreditorId::parse(&bad),
            Err(CreditorIdError::CheckDigits),
            "{bad}"
        );
    }
    // One mistyped digit of the national part.
    assert_eq!(
        CreditorId::parse("AT61ZZZ01234567891"),
        Err(CreditorIdError::CheckDigits)
    );
    // Two swapped digits.
    assert_eq!(
        CreditorId::parse("AT61ZZZ10234567890"),
        Err(CreditorIdError::CheckDigits)
    );
    // The German id's check digits do not carry over to an Austrian country code.
    assert_eq!(
        CreditorId::parse("AT98ZZZ09999999999"),
        Err(CreditorIdError::CheckDigits)
    );
    assert_eq!(
        CreditorId::parse("ATXXZZZ01234567890"),
        Err(CreditorIdError::BadCheckDigitFormat("XX".into()))
    );
}

/// Regression: `CreditorId::parse` accepted check digits 00, 01 and 99. They pass the mod-97
/// remainder test as aliases of 97, 98 and 02, but ISO 7064 MOD 97-10 never gives them, so such
/// an id is a typing error (the IBAN parser already refused them).
#[test]
fn creditor_id_check_digits_00_01_and_99_are_refused_although_mod_97_fits() {
    for (issued, alias) in [
        ("AT98ZZZ00000000015", "AT01ZZZ00000000015"),
        ("AT97ZZZ00000000033", "AT00ZZZ00000000033"),
        ("AT02ZZZ00000000094", "AT99ZZZ00000000094"),
    ] {
        assert_eq!(austrian_creditor_id("ZZZ", &issued[7..]), issued);
        assert!(CreditorId::parse(issued).is_ok(), "{issued}");
        assert_eq!(
            mod97(&format!("{}{}", &alias[7..], &alias[..4])),
            1,
            "{alias} passes the remainder test"
        );
        assert_eq!(
            CreditorId::parse(alias),
            Err(CreditorIdError::CheckDigits),
            "{alias}"
        );
    }
}

#[test]
fn austrian_ibans_are_accepted() {
    assert_eq!(
        austrian_iban("19043", "00234573201"),
        "AT611904300234573201"
    );
    for (blz, account) in [
        ("19043", "00234573201"),
        ("12000", "52066543301"),
        ("20111", "82715868200"),
        ("32000", "00000123456"),
        ("60000", "00001234567"),
    ] {
        let text = austrian_iban(blz, account);
        let iban = Iban::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(iban.as_str(), text);
        assert_eq!(iban.country_code(), "AT");
        assert_eq!(iban.bank_identifier(), blz);
    }
    let typed = Iban::parse("at61 1904 3002 3457 3201").unwrap();
    assert_eq!(typed.as_str(), "AT611904300234573201");
    assert_eq!(typed.grouped(), "AT61 1904 3002 3457 3201");
}

#[test]
fn austrian_ibans_of_the_wrong_length_are_refused() {
    for (text, actual) in [
        ("AT61190430023457320", 19),
        ("AT6119043002345732010", 21),
        // A German account number in an Austrian IBAN.
        ("AT89370400440532013000", 22),
    ] {
        let error = Iban::parse(text).unwrap_err();
        assert_eq!(
            error,
            IbanError::WrongLength {
                adjective: "Austrian",
                expected: 20,
                actual,
            },
            "{text}"
        );
        assert_eq!(
            error.german(),
            format!("Eine österreichische IBAN hat 20 Zeichen, diese hat {actual}")
        );
    }
}

#[test]
fn austrian_ibans_with_a_wrong_check_digit_or_a_letter_are_refused() {
    assert_eq!(
        Iban::parse("AT611904300234573202"),
        Err(IbanError::CheckDigits)
    );
    assert_eq!(
        Iban::parse("AT621904300234573201"),
        Err(IbanError::CheckDigits)
    );
    // Austrian BBANs are digits only; a letter O for a zero is named with its place.
    assert!(matches!(
        Iban::parse("AT6119043002345732O1"),
        Err(IbanError::LetterInNumericBban {
            adjective: "Austrian",
            letter: 'O',
            position: 19,
        })
    ));
}

#[test]
fn same_bank_compares_the_five_digit_bankleitzahl_of_austrian_ibans() {
    let iban = |blz, account| Iban::parse(&austrian_iban(blz, account)).unwrap();
    let a = iban("19043", "00234573201");
    let same_blz = iban("19043", "00987654321");
    assert!(a.same_bank(&same_blz));
    assert!(same_blz.same_bank(&a));
    // Another Bankleitzahl is another bank, even when the account number is the same.
    let other_blz = iban("12000", "00234573201");
    assert!(!a.same_bank(&other_blz));
    assert!(!other_blz.same_bank(&a));
    // Only the five BLZ digits count: a difference in the sixth digit is the account number,
    // one in the fifth the bank.
    let sixth = iban("20111", "82715868200");
    assert!(sixth.same_bank(&iban("20111", "92715868200")));
    assert!(!sixth.same_bank(&iban("20112", "82715868200")));
    // The same digits in a German IBAN are a German bank code, not this Austrian bank.
    let german = Iban::parse("DE89370400440532013000").unwrap();
    assert!(!a.same_bank(&german));
}

/// Regression: the English sentences said "a Austrian IBAN" (and "a Italian", "a Irish", …),
/// which `lastschrift check iban` prints as it is.
#[test]
fn iban_messages_say_an_austrian_iban_not_a_austrian_iban() {
    assert_eq!(
        Iban::parse("AT61190430023457320").unwrap_err().to_string(),
        "an Austrian IBAN has 20 characters, this one has 19"
    );
    assert_eq!(
        Iban::parse("AT6119043002345732O1").unwrap_err().to_string(),
        "an Austrian IBAN has only digits after the country code, this one has 'O' at position 19"
    );
    assert_eq!(
        Iban::parse("IT60X054281110100000012345")
            .unwrap_err()
            .to_string(),
        "an Italian IBAN has 27 characters, this one has 26"
    );
    assert_eq!(
        Iban::parse("IE29AIBK9311521234567")
            .unwrap_err()
            .to_string(),
        "an Irish IBAN has 22 characters, this one has 21"
    );
    // Consonants keep "a".
    assert_eq!(
        Iban::parse("DE8937040044053201300")
            .unwrap_err()
            .to_string(),
        "a German IBAN has 22 characters, this one has 21"
    );
}
