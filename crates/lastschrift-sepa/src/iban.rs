//! International Bank Account Number (ISO 13616), restricted to SEPA countries, checked against
//! the national structure of the SWIFT IBAN registry.

use std::fmt;

use crate::ascii::{Ascii, compact_upper, describe_char, mod97};
use crate::country::{SepaCountry, sepa_country};
use crate::registry::{CharClass, IbanFormat};

/// Why a text is not a usable SEPA IBAN. The `Display` text is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    /// Nothing was given.
    #[error("the IBAN is empty")]
    Empty,
    /// A character other than a letter or digit.
    #[error("an IBAN contains only letters and digits, this one contains {0}")]
    BadCharacter(String),
    /// The first two characters are not letters.
    #[error("an IBAN starts with a two-letter country code, this one starts with \"{0}\"")]
    BadCountry(String),
    /// A country that is not part of SEPA.
    #[error("{0} is not a SEPA country, so this IBAN cannot be used for a SEPA direct debit")]
    NotSepa(String),
    /// Characters 3 and 4 are not digits.
    #[error("characters 3 and 4 of an IBAN are check digits, here they are \"{0}\"")]
    BadCheckDigitFormat(String),
    /// Wrong length for the country.
    #[error(
        "{} {adjective} IBAN has {expected} characters, this one has {actual}",
        article(.adjective)
    )]
    WrongLength {
        /// Country adjective, e.g. "German".
        adjective: &'static str,
        /// Length the country prescribes.
        expected: usize,
        /// Length given.
        actual: usize,
    },
    /// A letter where the country only uses digits.
    #[error(
        "{} {adjective} IBAN has only digits after the country code, this one has '{letter}' at position {position}",
        article(.adjective)
    )]
    LetterInNumericBban {
        /// Country adjective.
        adjective: &'static str,
        /// The letter found.
        letter: char,
        /// 1-based position in the electronic form.
        position: usize,
    },
    /// A character of the wrong kind for the country's BBAN structure (IBAN registry), in a
    /// country whose BBAN is not digits only (those report [`IbanError::LetterInNumericBban`]).
    #[error(
        "{} {adjective} IBAN has {} at position {position} (after the check digits: {}), this one has '{found}'",
        article(.adjective),
        .expected.describe(),
        .format.describe()
    )]
    BbanStructure {
        /// Country adjective.
        adjective: &'static str,
        /// 1-based position in the electronic form.
        position: usize,
        /// The character found there.
        found: char,
        /// What the registry puts there.
        expected: CharClass,
        /// The country's registry entry.
        format: &'static IbanFormat,
    },
    /// Check digits 00, 01 or 99: ISO 7064 MOD 97-10 only gives 02 to 98.
    #[error(
        "the check digits of an IBAN are 02 to 98, here they are \"{0}\" (typing error in the IBAN?)"
    )]
    CheckDigitsOutOfRange(String),
    /// The mod-97 check failed.
    #[error("check digits do not match (typing error in the IBAN?)")]
    CheckDigits,
}

/// "an Austrian IBAN", "a German IBAN": every vowel-initial adjective of the SEPA country list
/// (Albanian, Andorran, Austrian, Estonian, Icelandic, Irish, Italian) is said with a vowel.
fn article(adjective: &str) -> &'static str {
    if adjective.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

impl IbanError {
    /// Stable code, e.g. `iban_length`, `iban_check_digits`.
    pub fn code(&self) -> &'static str {
        match self {
            IbanError::Empty => "iban_empty",
            IbanError::BadCharacter(_) => "iban_character",
            IbanError::BadCountry(_) => "iban_country",
            IbanError::NotSepa(_) => "iban_not_sepa",
            IbanError::BadCheckDigitFormat(_) => "iban_check_digit_format",
            IbanError::WrongLength { .. } => "iban_length",
            IbanError::LetterInNumericBban { .. } => "iban_letter_in_digits",
            IbanError::BbanStructure { .. } => "iban_structure",
            IbanError::CheckDigitsOutOfRange(_) => "iban_check_digits_range",
            IbanError::CheckDigits => "iban_check_digits",
        }
    }

    /// The message in German.
    pub fn german(&self) -> String {
        use crate::country::german_adjective as de;
        use crate::explain::quoted;
        match self {
            IbanError::Empty => "Die IBAN ist leer".into(),
            IbanError::BadCharacter(c) => {
                format!("Eine IBAN enthält nur Buchstaben und Ziffern, diese enthält {c}")
            }
            IbanError::BadCountry(s) => format!(
                "Eine IBAN beginnt mit einem Ländercode aus zwei Buchstaben, diese beginnt mit {}",
                quoted(s)
            ),
            IbanError::NotSepa(c) => format!(
                "{c} ist kein SEPA-Land; mit dieser IBAN ist keine SEPA-Lastschrift möglich"
            ),
            IbanError::BadCheckDigitFormat(s) => format!(
                "Zeichen 3 und 4 einer IBAN sind die Prüfziffern, hier stehen dort {}",
                quoted(s)
            ),
            IbanError::WrongLength {
                adjective,
                expected,
                actual,
            } => format!(
                "Eine {} IBAN hat {expected} Zeichen, diese hat {actual}",
                de(adjective)
            ),
            IbanError::LetterInNumericBban {
                adjective,
                letter,
                position,
            } => format!(
                "Eine {} IBAN hat nach dem Ländercode nur Ziffern, diese hat „{letter}“ an Stelle {position}",
                de(adjective)
            ),
            IbanError::BbanStructure {
                adjective,
                position,
                found,
                expected,
                format,
            } => format!(
                "Eine {} IBAN hat an Stelle {position} {} (nach den Prüfziffern: {}), diese hat dort „{found}“",
                de(adjective),
                expected.describe_german(),
                format.describe_german()
            ),
            IbanError::CheckDigitsOutOfRange(s) => format!(
                "Die Prüfziffern einer IBAN liegen zwischen 02 und 98, hier sind es {} (Tippfehler in der IBAN?)",
                quoted(s)
            ),
            IbanError::CheckDigits => {
                "Die Prüfziffern stimmen nicht (Tippfehler in der IBAN?)".into()
            }
        }
    }
}

/// A valid SEPA IBAN in electronic form (upper case, no spaces).
///
/// `Display` prints the electronic form; [`Iban::grouped`] gives the form printed on paper.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iban(Ascii<34>);

impl Iban {
    /// Parses what a person typed: surrounding and inner spaces are dropped, letters upper-cased.
    ///
    /// ```
    /// let iban = lastschrift_sepa::Iban::parse(" de89 3704 0044 0532 0130 00 ").unwrap();
    /// assert_eq!(iban.as_str(), "DE89370400440532013000");
    /// assert_eq!(iban.grouped(), "DE89 3704 0044 0532 0130 00");
    /// ```
    pub fn parse(input: &str) -> Result<Iban, IbanError> {
        let s = compact_upper(input);
        if s.is_empty() {
            return Err(IbanError::Empty);
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(IbanError::BadCharacter(describe_char(c)));
        }
        // All ASCII from here on, so byte slicing is safe.
        let country_code = &s[..s.len().min(2)];
        if country_code.len() < 2 || !country_code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(IbanError::BadCountry(country_code.to_string()));
        }
        let country = sepa_country(country_code)
            .ok_or_else(|| IbanError::NotSepa(country_code.to_string()))?;
        let check = &s[2..s.len().min(4)];
        if check.len() < 2 || !check.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IbanError::BadCheckDigitFormat(check.to_string()));
        }
        if s.len() != country.iban_length {
            return Err(IbanError::WrongLength {
                adjective: country.adjective,
                expected: country.iban_length,
                actual: s.len(),
            });
        }
        let format = country.iban_format();
        if let Some((i, expected)) = format.first_mismatch(&s.as_bytes()[4..]) {
            let found = char::from(s.as_bytes()[4 + i]);
            return Err(if country.numeric_bban {
                IbanError::LetterInNumericBban {
                    adjective: country.adjective,
                    letter: found,
                    position: i + 5,
                }
            } else {
                IbanError::BbanStructure {
                    adjective: country.adjective,
                    position: i + 5,
                    found,
                    expected,
                    format,
                }
            });
        }
        // The check digits are 98 - (n mod 97), so 00, 01 and 99 are never issued even though
        // 97, 98 and 02 give the same remainder.
        if matches!(check, "00" | "01" | "99") {
            return Err(IbanError::CheckDigitsOutOfRange(check.to_string()));
        }
        let rearranged = s.bytes().skip(4).chain(s.bytes().take(4));
        if mod97(rearranged) != 1 {
            return Err(IbanError::CheckDigits);
        }
        Ok(Iban(Ascii::new(&s)))
    }

    /// Electronic form, e.g. `DE89370400440532013000`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Display form in groups of four, e.g. `DE89 3704 0044 0532 0130 00`.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(42);
        for (i, c) in self.as_str().chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// The national bank identifier as the IBAN registry places it in the BBAN, e.g. the
    /// Bankleitzahl `37040044` of `DE89370400440532013000`, `NWBK` of a British IBAN.
    ///
    /// ```
    /// let iban = lastschrift_sepa::Iban::parse("IT60X0542811101000000123456").unwrap();
    /// assert_eq!(iban.bank_identifier(), "05428");
    /// ```
    pub fn bank_identifier(&self) -> &str {
        &self.as_str()[self.country().iban_format().bank_identifier()]
    }

    /// True when both IBANs are at the same bank: same country and same bank identifier (see
    /// [`Iban::bank_identifier`]). Where the registry's bank identifier includes the branch
    /// (e.g. the Polish sort code), a move between branches counts as a change of bank, the
    /// safe side for an amendment (SMNDA instead of the old IBAN).
    ///
    /// ```
    /// use lastschrift_sepa::Iban;
    /// let a = Iban::parse("IT60X0542811101000000123456").unwrap();
    /// let b = Iban::parse("IT52K0542811101000000654321").unwrap();
    /// assert!(a.same_bank(&b));
    /// ```
    pub fn same_bank(&self, other: &Iban) -> bool {
        self.country_code() == other.country_code()
            && self.bank_identifier() == other.bank_identifier()
    }

    /// ISO country code of the IBAN, e.g. `DE`.
    pub fn country_code(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The SEPA country the IBAN belongs to.
    pub fn country(&self) -> &'static SepaCountry {
        // parse() only admits SEPA countries.
        sepa_country(self.country_code()).unwrap_or(&crate::country::SEPA_COUNTRIES[0])
    }

    /// IBAN with only the last four characters visible, for logs (`DE89 **** **** **** **30 00`).
    pub fn masked(&self) -> String {
        let g = self.grouped();
        let keep_from = g.len().saturating_sub(5);
        g.char_indices()
            .map(|(i, c)| {
                if i < 4 || i >= keep_from || c == ' ' {
                    c
                } else {
                    '*'
                }
            })
            .collect()
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iban({})", self.masked())
    }
}

impl std::str::FromStr for Iban {
    type Err = IbanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iban::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::country::SEPA_COUNTRIES;

    /// Example IBANs of the SWIFT IBAN registry (and national examples) for every SEPA country.
    const EXAMPLES: &[&str] = &[
        "AD1200012030200359100100",
        "AL47212110090000000235698741",
        "AT611904300234573201",
        "BE68539007547034",
        "BG80BNBG96611020345678",
        "CH9300762011623852957",
        "CY17002001280000001200527600",
        "CZ6508000000192000145399",
        "DE89370400440532013000",
        "DK5000400440116243",
        "EE382200221020145685",
        "ES9121000418450200051332",
        "FI2112345600000785",
        "FR1420041010050500013M02606",
        "GB29NWBK60161331926819",
        "GI75NWBK000000007099453",
        "GR1601101250000000012300695",
        "HR1210010051863000160",
        "HU42117730161111101800000000",
        "IE29AIBK93115212345678",
        "IS140159260076545510730339",
        "IT60X0542811101000000123456",
        "LI21088100002324013AA",
        "LT121000011101001000",
        "LU280019400644750000",
        "LV80BANK0000435195001",
        "MC5811222000010123456789030",
        "MD24AG000225100013104168",
        "ME25505000012345678951",
        "MK07250120000058984",
        "MT84MALT011000012345MTLCAST001S",
        "NL91ABNA0417164300",
        "NO9386011117947",
        "PL61109010140000071219812874",
        "PT50000201231234567890154",
        "RO49AAAA1B31007593840000",
        "RS35260005601001611379",
        "SE4550000000058398257466",
        "SI56263300012039086",
        "SK3112000000198742637541",
        "SM86U0322509800000000270100",
        "VA59001123000012345678",
    ];

    #[test]
    fn every_sepa_country_has_a_valid_example_with_the_registry_length() {
        assert_eq!(EXAMPLES.len(), SEPA_COUNTRIES.len());
        for c in SEPA_COUNTRIES {
            let ex = EXAMPLES
                .iter()
                .find(|e| e.starts_with(c.code))
                .unwrap_or_else(|| panic!("no example for {}", c.code));
            assert_eq!(ex.len(), c.iban_length, "{}", c.code);
            let iban = Iban::parse(ex).unwrap_or_else(|e| panic!("{ex}: {e}"));
            assert_eq!(iban.as_str(), *ex);
            assert_eq!(iban.country().code, c.code);
        }
    }

    #[test]
    fn every_country_refuses_one_character_too_few_and_too_many() {
        for ex in EXAMPLES {
            let short = &ex[..ex.len() - 1];
            let long = format!("{ex}0");
            for (s, actual) in [(short.to_string(), ex.len() - 1), (long, ex.len() + 1)] {
                match Iban::parse(&s) {
                    Err(IbanError::WrongLength {
                        expected,
                        actual: a,
                        ..
                    }) => {
                        assert_eq!((expected, a), (ex.len(), actual), "{s}")
                    }
                    other => panic!("{s}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn every_country_detects_a_changed_digit() {
        for ex in EXAMPLES {
            // Change the last character (a digit in every example) by one.
            let mut b = ex.as_bytes().to_vec();
            let last = b.len() - 1;
            b[last] = if b[last] == b'9' {
                b'0'
            } else if b[last].is_ascii_digit() {
                b[last] + 1
            } else {
                b'0'
            };
            let s = String::from_utf8(b).unwrap();
            assert_eq!(Iban::parse(&s), Err(IbanError::CheckDigits), "{s}");
        }
    }

    #[test]
    fn german_messages() {
        assert_eq!(
            Iban::parse("DE8937040044053201300")
                .unwrap_err()
                .to_string(),
            "a German IBAN has 22 characters, this one has 21"
        );
        assert_eq!(
            Iban::parse("DE88370400440532013000")
                .unwrap_err()
                .to_string(),
            "check digits do not match (typing error in the IBAN?)"
        );
        assert!(matches!(
            Iban::parse("DE89370400440532O13000"),
            Err(IbanError::LetterInNumericBban {
                letter: 'O',
                position: 17,
                ..
            })
        ));
    }

    #[test]
    fn valid_greek_iban_with_letters_in_the_account_is_accepted() {
        // Registry: GR 3!n4!n16!c, the account number may hold letters; until the registry
        // structure was checked, Greece counted as digits only and this IBAN was refused.
        let iban = Iban::parse("GR9201101250000000012300ABC").unwrap();
        assert_eq!(iban.bank_identifier(), "011");
        assert!(!iban.country().numeric_bban);
        assert!(Iban::parse("GR160110125000000001230069X").is_ok());
        // Letters still do not belong in the bank and branch codes.
        assert!(matches!(
            Iban::parse("GR16A1101250000000012300695"),
            Err(IbanError::BbanStructure {
                position: 5,
                found: 'A',
                expected: CharClass::Digit,
                ..
            })
        ));
    }

    #[test]
    fn structure_violations_name_the_position_and_what_belongs_there() {
        // Valid check digits, but a digit where the British bank code has letters.
        let e = Iban::parse("GB42NWB160161331926819").unwrap_err();
        assert!(matches!(
            e,
            IbanError::BbanStructure {
                position: 8,
                found: '1',
                expected: CharClass::Letter,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "a British IBAN has a letter at position 8 (after the check digits: 4 letters, 6 digits, 8 digits), this one has '1'"
        );
        // Every SEPA country: a letter in the first digit position of its structure is refused
        // even when the check digits are recomputed to fit.
        for c in SEPA_COUNTRIES {
            let format = c.iban_format();
            let Some(first_digit) =
                (0..format.bban_length()).find(|&i| format.class_at(i) == Some(CharClass::Digit))
            else {
                continue;
            };
            let example = EXAMPLES.iter().find(|e| e.starts_with(c.code)).unwrap();
            let mut bban = example.as_bytes()[4..].to_vec();
            bban[first_digit] = b'X';
            let bad = with_check_digits(c.code, std::str::from_utf8(&bban).unwrap());
            match Iban::parse(&bad) {
                Err(IbanError::BbanStructure { position, .. })
                | Err(IbanError::LetterInNumericBban { position, .. }) => {
                    assert_eq!(position, first_digit + 5, "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    /// `cc` + check digits + `bban`, the check digits computed as ISO 13616 prescribes.
    fn with_check_digits(cc: &str, bban: &str) -> String {
        let r = mod97(bban.bytes().chain(cc.bytes()).chain(*b"00"));
        format!("{cc}{:02}{bban}", 98 - r)
    }

    #[test]
    fn check_digits_00_01_and_99_are_refused_although_mod_97_fits() {
        // 99 ≡ 02, 00 ≡ 97, 01 ≡ 98 (mod 97): each pair passes the remainder test, but only the
        // second was issued.
        for (issued, alias) in [
            ("DE02370400440532013014", "DE99370400440532013014"),
            ("DE97370400440532013050", "DE00370400440532013050"),
            ("DE98370400440532013032", "DE01370400440532013032"),
        ] {
            assert!(Iban::parse(issued).is_ok(), "{issued}");
            let rearranged = alias.bytes().skip(4).chain(alias.bytes().take(4));
            assert_eq!(mod97(rearranged), 1, "{alias} passes the remainder test");
            assert_eq!(
                Iban::parse(alias),
                Err(IbanError::CheckDigitsOutOfRange(alias[2..4].to_string()))
            );
        }
    }

    #[test]
    fn every_error_has_a_code_and_a_german_sentence() {
        let gb = crate::registry::iban_format("GB").unwrap();
        crate::explain::tests::assert_explained(&[
            IbanError::Empty,
            IbanError::BadCharacter("'-'".into()),
            IbanError::BadCountry("12".into()),
            IbanError::NotSepa("US".into()),
            IbanError::BadCheckDigitFormat("AB".into()),
            IbanError::WrongLength {
                adjective: "German",
                expected: 22,
                actual: 21,
            },
            IbanError::LetterInNumericBban {
                adjective: "German",
                letter: 'O',
                position: 17,
            },
            IbanError::BbanStructure {
                adjective: "British",
                position: 8,
                found: '1',
                expected: CharClass::Letter,
                format: gb,
            },
            IbanError::CheckDigitsOutOfRange("99".into()),
            IbanError::CheckDigits,
        ]);
        assert_eq!(
            Iban::parse("DE8937040044053201300").unwrap_err().german(),
            "Eine deutsche IBAN hat 22 Zeichen, diese hat 21"
        );
        assert_eq!(
            Iban::parse("GB42NWB160161331926819").unwrap_err().german(),
            "Eine britische IBAN hat an Stelle 8 einen Buchstaben (nach den Prüfziffern: 4 Buchstaben, 6 Ziffern, 8 Ziffern), diese hat dort „1“"
        );
        assert_eq!(
            Iban::parse("CH930076201162385295").unwrap_err().german(),
            "Eine Schweizer IBAN hat 21 Zeichen, diese hat 20"
        );
    }

    #[test]
    fn typing_forms() {
        let want = "DE89370400440532013000";
        for s in [
            "de89370400440532013000",
            " DE89 3704 0044 0532 0130 00 ",
            "DE89\u{a0}3704\t0044 0532013000",
        ] {
            assert_eq!(Iban::parse(s).unwrap().as_str(), want, "{s}");
        }
        let i = Iban::parse(want).unwrap();
        assert_eq!(i.grouped(), "DE89 3704 0044 0532 0130 00");
        assert_eq!(i.to_string(), want);
        assert!(!format!("{i:?}").contains("0532"), "Debug masks the IBAN");
        // Letters in the BBAN where the country uses them, in lower case too.
        assert_eq!(
            Iban::parse("gb29 nwbk 6016 1331 9268 19").unwrap().as_str(),
            "GB29NWBK60161331926819"
        );
        assert_eq!(
            Iban::parse("mt84malt011000012345mtlcast001s")
                .unwrap()
                .country_code(),
            "MT"
        );
    }

    #[test]
    fn refuses_other_inputs() {
        assert_eq!(Iban::parse("  "), Err(IbanError::Empty));
        assert_eq!(
            Iban::parse("DE89-3704"),
            Err(IbanError::BadCharacter("'-'".into()))
        );
        assert_eq!(
            Iban::parse("US64SVBKUS6S3300958879"),
            Err(IbanError::NotSepa("US".into()))
        );
        assert_eq!(
            Iban::parse("TR330006100519786457841326"),
            Err(IbanError::NotSepa("TR".into()))
        );
        assert_eq!(
            Iban::parse("12345678"),
            Err(IbanError::BadCountry("12".into()))
        );
        assert_eq!(
            Iban::parse("DEAB370400440532013000"),
            Err(IbanError::BadCheckDigitFormat("AB".into()))
        );
        assert!(Iban::parse("DE89370400440532013000").is_ok());
    }

    #[test]
    fn italian_and_san_marino_bank_codes_follow_the_cin() {
        // BBAN = CIN (a check letter of the whole account) + ABI (bank) + CAB (branch) + account.
        // Two accounts at one bank have different CINs; the ABI decides (moved here from the
        // application, which compared the CIN letter and called every Italian change a new bank).
        let iban = |s| Iban::parse(s).unwrap();
        let same_bank_1 = iban("IT60X0542811101000000123456");
        let same_bank_2 = iban("IT52K0542811101000000654321");
        let other_bank = iban("IT59X0306909606100000063015");
        assert!(same_bank_1.same_bank(&same_bank_2));
        assert!(!same_bank_1.same_bank(&other_bank));
        assert!(
            iban("SM24A0854009803000030174419").same_bank(&iban("SM65B0854009803000030999999"))
        );
        let de = iban("DE02120300000000202051");
        assert!(de.same_bank(&de));
        assert!(!de.same_bank(&iban("DE89370400440532013000")));
    }
}
