//! National IBAN formats of the SWIFT IBAN Registry (ISO 13616): length, BBAN structure and
//! bank identifier of every country that issues IBANs.
//!
//! Source: SWIFT IBAN Registry, Release 100 (89 countries; the newest entry, Honduras, is
//! effective from October 2024), fields "BBAN structure", "IBAN length" and "Bank identifier
//! position within the BBAN". The registry's own SEPA column is not used: which countries take
//! part in SEPA is the EPC's list (EPC409-09) in [`crate::country`], which already counts AL,
//! MD, ME, MK and RS while Release 100 does not.

use std::ops::Range;

/// What one position of a BBAN may hold, in the registry's notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CharClass {
    /// `n`: a digit 0–9.
    Digit,
    /// `a`: an upper-case letter A–Z.
    Letter,
    /// `c`: a letter or a digit (upper or lower case in the registry; IBANs are compared in
    /// upper case).
    Alphanumeric,
}

impl CharClass {
    /// True when the upper-case ASCII letter or digit `b` fits.
    #[inline]
    fn fits(self, b: u8) -> bool {
        match self {
            CharClass::Digit => b.is_ascii_digit(),
            CharClass::Letter => b.is_ascii_uppercase(),
            CharClass::Alphanumeric => b.is_ascii_alphanumeric(),
        }
    }

    /// The registry letter: `n`, `a` or `c`.
    pub fn code(self) -> char {
        match self {
            CharClass::Digit => 'n',
            CharClass::Letter => 'a',
            CharClass::Alphanumeric => 'c',
        }
    }

    /// "a digit", "a letter", "a letter or digit".
    pub fn describe(self) -> &'static str {
        match self {
            CharClass::Digit => "a digit",
            CharClass::Letter => "a letter",
            CharClass::Alphanumeric => "a letter or digit",
        }
    }

    /// "eine Ziffer", "einen Buchstaben", "einen Buchstaben oder eine Ziffer" (accusative, as
    /// in "hat an Stelle 5 eine Ziffer").
    pub fn describe_german(self) -> &'static str {
        match self {
            CharClass::Digit => "eine Ziffer",
            CharClass::Letter => "einen Buchstaben",
            CharClass::Alphanumeric => "einen Buchstaben oder eine Ziffer",
        }
    }

    fn plural(self, n: u8) -> &'static str {
        match (self, n) {
            (CharClass::Digit, 1) => "digit",
            (CharClass::Digit, _) => "digits",
            (CharClass::Letter, 1) => "letter",
            (CharClass::Letter, _) => "letters",
            (CharClass::Alphanumeric, 1) => "letter or digit",
            (CharClass::Alphanumeric, _) => "letters or digits",
        }
    }

    fn plural_german(self, n: u8) -> &'static str {
        match (self, n) {
            (CharClass::Digit, 1) => "Ziffer",
            (CharClass::Digit, _) => "Ziffern",
            (CharClass::Letter, 1) => "Buchstabe",
            (CharClass::Letter, _) => "Buchstaben",
            (CharClass::Alphanumeric, 1) => "Buchstabe oder Ziffer",
            (CharClass::Alphanumeric, _) => "Buchstaben oder Ziffern",
        }
    }
}

/// Most segments of any registry structure (Mauritius: `4!a2!n2!n12!n3!n3!a`).
const MAX_SEGMENTS: usize = 8;

/// The national format of one country's IBANs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IbanFormat {
    /// ISO 3166 alpha-2 code, the IBAN's first two characters.
    pub code: &'static str,
    /// Total IBAN length.
    pub iban_length: usize,
    /// BBAN structure in the registry's notation, e.g. `8!n10!n` (everything after the check
    /// digits: `n` digit, `a` letter, `c` letter or digit, `!` fixed length).
    pub bban: &'static str,
    segments: [(u8, CharClass); MAX_SEGMENTS],
    segment_count: u8,
    bank: (u8, u8),
}

/// Parses `4!a6!n8!n` at compile time; a malformed entry, or one whose segments do not add up
/// to the IBAN length, stops the build.
const fn f(
    code: &'static str,
    iban_length: usize,
    bban: &'static str,
    bank_from: u8,
    bank_to: u8,
) -> IbanFormat {
    let b = bban.as_bytes();
    let mut segments = [(0u8, CharClass::Digit); MAX_SEGMENTS];
    let mut count = 0usize;
    let mut total = 0usize;
    let mut i = 0;
    while i < b.len() {
        let mut n = 0usize;
        while i < b.len() && b[i].is_ascii_digit() {
            n = n * 10 + (b[i] - b'0') as usize;
            i += 1;
        }
        assert!(
            n > 0 && i + 1 < b.len() && b[i] == b'!',
            "malformed BBAN structure"
        );
        let class = match b[i + 1] {
            b'n' => CharClass::Digit,
            b'a' => CharClass::Letter,
            b'c' => CharClass::Alphanumeric,
            _ => panic!("unknown character class in BBAN structure"),
        };
        assert!(count < MAX_SEGMENTS, "too many BBAN segments");
        segments[count] = (n as u8, class);
        count += 1;
        total += n;
        i += 2;
    }
    assert!(
        total + 4 == iban_length,
        "BBAN structure does not fit the IBAN length"
    );
    assert!(
        bank_from >= 1 && bank_from <= bank_to && bank_to as usize <= total,
        "bank identifier outside the BBAN"
    );
    IbanFormat {
        code,
        iban_length,
        bban,
        segments,
        segment_count: count as u8,
        bank: (bank_from - 1, bank_to),
    }
}

impl IbanFormat {
    /// The segments of the BBAN structure: (count, class), e.g. `[(8, Digit), (10, Digit)]`.
    pub fn segments(&self) -> &[(u8, CharClass)] {
        &self.segments[..usize::from(self.segment_count)]
    }

    /// Length of the BBAN (the IBAN without country code and check digits).
    pub fn bban_length(&self) -> usize {
        self.iban_length - 4
    }

    /// True when the BBAN is digits only.
    pub fn is_numeric(&self) -> bool {
        self.segments().iter().all(|s| s.1 == CharClass::Digit)
    }

    pub(crate) const fn is_numeric_const(&self) -> bool {
        let mut i = 0;
        while i < self.segment_count as usize {
            if !matches!(self.segments[i].1, CharClass::Digit) {
                return false;
            }
            i += 1;
        }
        true
    }

    /// What the BBAN may hold at `index` (0-based within the BBAN).
    pub fn class_at(&self, index: usize) -> Option<CharClass> {
        let mut start = 0;
        for &(n, class) in self.segments() {
            start += usize::from(n);
            if index < start {
                return Some(class);
            }
        }
        None
    }

    /// The first position of `bban` (upper-case letters and digits, of [`Self::bban_length`])
    /// that does not fit the structure: (0-based index within the BBAN, what belongs there).
    #[inline]
    pub fn first_mismatch(&self, bban: &[u8]) -> Option<(usize, CharClass)> {
        let mut start = 0;
        for &(n, class) in self.segments() {
            let end = (start + usize::from(n)).min(bban.len());
            // Everything reaching here is already a letter or digit.
            if class != CharClass::Alphanumeric
                && let Some(i) = bban[start..end].iter().position(|&b| !class.fits(b))
            {
                return Some((start + i, class));
            }
            start = end;
        }
        None
    }

    /// Where the bank identifier sits in the IBAN (0-based, end exclusive), e.g. `4..12` for
    /// the German Bankleitzahl.
    pub fn bank_identifier(&self) -> Range<usize> {
        4 + usize::from(self.bank.0)..4 + usize::from(self.bank.1)
    }

    /// The structure in words, e.g. "4 letters, 6 digits, 8 digits".
    pub fn describe(&self) -> String {
        self.words(CharClass::plural)
    }

    /// The structure in German words, e.g. "4 Buchstaben, 6 Ziffern, 8 Ziffern".
    pub fn describe_german(&self) -> String {
        self.words(CharClass::plural_german)
    }

    fn words(&self, word: fn(CharClass, u8) -> &'static str) -> String {
        let mut out = String::new();
        for (i, &(n, class)) in self.segments().iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("{n} {}", word(class, n)));
        }
        out
    }
}

/// Every country of the SWIFT IBAN Registry, Release 100, in code order: code, IBAN length,
/// BBAN structure, bank identifier position in the BBAN (1-based, inclusive).
pub const IBAN_REGISTRY: &[IbanFormat] = &[
    f("AD", 24, "4!n4!n12!c", 1, 4),
    f("AE", 23, "3!n16!n", 1, 3),
    f("AL", 28, "8!n16!c", 1, 3),
    f("AT", 20, "5!n11!n", 1, 5),
    f("AZ", 28, "4!a20!c", 1, 4),
    f("BA", 20, "3!n3!n8!n2!n", 1, 3),
    f("BE", 16, "3!n7!n2!n", 1, 3),
    f("BG", 22, "4!a4!n2!n8!c", 1, 4),
    f("BH", 22, "4!a14!c", 1, 4),
    f("BI", 27, "5!n5!n11!n2!n", 1, 5),
    f("BR", 29, "8!n5!n10!n1!a1!c", 1, 8),
    f("BY", 28, "4!c4!n16!c", 1, 4),
    f("CH", 21, "5!n12!c", 1, 5),
    f("CR", 22, "4!n14!n", 1, 4),
    f("CY", 28, "3!n5!n16!c", 1, 3),
    f("CZ", 24, "4!n16!n", 1, 4),
    f("DE", 22, "8!n10!n", 1, 8),
    f("DJ", 27, "5!n5!n11!n2!n", 1, 5),
    f("DK", 18, "4!n9!n1!n", 1, 4),
    f("DO", 28, "4!c20!n", 1, 4),
    f("EE", 20, "2!n14!n", 1, 2),
    f("EG", 29, "4!n4!n17!n", 1, 4),
    f("ES", 24, "4!n4!n1!n1!n10!n", 1, 4),
    f("FI", 18, "3!n11!n", 1, 3),
    f("FK", 18, "2!a12!n", 1, 2),
    f("FO", 18, "4!n9!n1!n", 1, 4),
    f("FR", 27, "5!n5!n11!c2!n", 1, 5),
    f("GB", 22, "4!a6!n8!n", 1, 4),
    f("GE", 22, "2!a16!n", 1, 2),
    f("GI", 23, "4!a15!c", 1, 4),
    f("GL", 18, "4!n9!n1!n", 1, 4),
    f("GR", 27, "3!n4!n16!c", 1, 3),
    f("GT", 28, "4!c20!c", 1, 4),
    f("HN", 28, "4!a20!n", 1, 4),
    f("HR", 21, "7!n10!n", 1, 7),
    f("HU", 28, "3!n4!n1!n15!n1!n", 1, 3),
    f("IE", 22, "4!a6!n8!n", 1, 4),
    f("IL", 23, "3!n3!n13!n", 1, 3),
    f("IQ", 23, "4!a3!n12!n", 1, 4),
    f("IS", 26, "4!n2!n6!n10!n", 1, 2),
    f("IT", 27, "1!a5!n5!n12!c", 2, 6),
    f("JO", 30, "4!a4!n18!c", 1, 4),
    f("KW", 30, "4!a22!c", 1, 4),
    f("KZ", 20, "3!n13!c", 1, 3),
    f("LB", 28, "4!n20!c", 1, 4),
    f("LC", 32, "4!a24!c", 1, 4),
    f("LI", 21, "5!n12!c", 1, 5),
    f("LT", 20, "5!n11!n", 1, 5),
    f("LU", 20, "3!n13!c", 1, 3),
    f("LV", 21, "4!a13!c", 1, 4),
    f("LY", 25, "3!n3!n15!n", 1, 3),
    f("MC", 27, "5!n5!n11!c2!n", 1, 5),
    f("MD", 24, "2!c18!c", 1, 2),
    f("ME", 22, "3!n13!n2!n", 1, 3),
    f("MK", 19, "3!n10!c2!n", 1, 3),
    f("MN", 20, "4!n12!n", 1, 4),
    f("MR", 27, "5!n5!n11!n2!n", 1, 5),
    f("MT", 31, "4!a5!n18!c", 1, 4),
    f("MU", 30, "4!a2!n2!n12!n3!n3!a", 1, 6),
    f("NI", 28, "4!a20!n", 1, 4),
    f("NL", 18, "4!a10!n", 1, 4),
    f("NO", 15, "4!n6!n1!n", 1, 4),
    f("OM", 23, "3!n16!c", 1, 3),
    f("PK", 24, "4!a16!c", 1, 4),
    f("PL", 28, "8!n16!n", 1, 8),
    f("PS", 29, "4!a21!c", 1, 4),
    f("PT", 25, "4!n4!n11!n2!n", 1, 4),
    f("QA", 29, "4!a21!c", 1, 4),
    f("RO", 24, "4!a16!c", 1, 4),
    f("RS", 22, "3!n13!n2!n", 1, 3),
    f("RU", 33, "9!n5!n15!c", 1, 9),
    f("SA", 24, "2!n18!c", 1, 2),
    f("SC", 31, "4!a2!n2!n16!n3!a", 1, 6),
    f("SD", 18, "2!n12!n", 1, 2),
    f("SE", 24, "3!n16!n1!n", 1, 3),
    f("SI", 19, "5!n8!n2!n", 1, 5),
    f("SK", 24, "4!n6!n10!n", 1, 4),
    f("SM", 27, "1!a5!n5!n12!c", 2, 6),
    f("SO", 23, "4!n3!n12!n", 1, 4),
    f("ST", 25, "4!n4!n11!n2!n", 1, 4),
    f("SV", 28, "4!a20!n", 1, 4),
    f("TL", 23, "3!n14!n2!n", 1, 3),
    f("TN", 24, "2!n3!n13!n2!n", 1, 2),
    f("TR", 26, "5!n1!n16!c", 1, 5),
    f("UA", 29, "6!n19!c", 1, 6),
    f("VA", 22, "3!n15!n", 1, 3),
    f("VG", 24, "4!a16!n", 1, 4),
    f("XK", 20, "4!n10!n2!n", 1, 2),
    f("YE", 30, "4!a4!n18!c", 1, 4),
];

const fn build_index() -> [u8; 676] {
    let mut table = [u8::MAX; 676];
    let mut i = 0;
    while i < IBAN_REGISTRY.len() {
        let b = IBAN_REGISTRY[i].code.as_bytes();
        assert!(b.len() == 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase());
        if i > 0 {
            let p = IBAN_REGISTRY[i - 1].code.as_bytes();
            assert!(
                p[0] < b[0] || (p[0] == b[0] && p[1] < b[1]),
                "registry not in code order"
            );
        }
        table[(b[0] - b'A') as usize * 26 + (b[1] - b'A') as usize] = i as u8;
        i += 1;
    }
    table
}

/// Position in [`IBAN_REGISTRY`] for every two-letter code: one lookup per IBAN parsed.
const INDEX: [u8; 676] = build_index();

/// The registry entry for an IBAN country code (`DE`), if that country issues IBANs.
#[inline]
pub fn iban_format(code: &str) -> Option<&'static IbanFormat> {
    match code.as_bytes() {
        &[a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => IBAN_REGISTRY.get(usize::from(
            INDEX[(a - b'A') as usize * 26 + (b - b'A') as usize],
        )),
        _ => None,
    }
}

/// Compile-time lookup for the SEPA table (which takes lengths and structures from here).
pub(crate) const fn const_format(code: &str) -> &'static IbanFormat {
    let c = code.as_bytes();
    let mut i = 0;
    while i < IBAN_REGISTRY.len() {
        let b = IBAN_REGISTRY[i].code.as_bytes();
        if b[0] == c[0] && b[1] == c[1] {
            return &IBAN_REGISTRY[i];
        }
        i += 1;
    }
    panic!("country not in the IBAN registry")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The registry's "IBAN electronic format example" of every country (Release 100).
    pub(crate) const REGISTRY_EXAMPLES: &[&str] = &[
        "AD1200012030200359100100",
        "AE070331234567890123456",
        "AL47212110090000000235698741",
        "AT611904300234573201",
        "AZ21NABZ00000000137010001944",
        "BA391290079401028494",
        "BE68539007547034",
        "BG80BNBG96611020345678",
        "BH67BMAG00001299123456",
        "BI4210000100010000332045181",
        "BR1800360305000010009795493C1",
        "BY13NBRB3600900000002Z00AB00",
        "CH9300762011623852957",
        "CR05015202001026284066",
        "CY17002001280000001200527600",
        "CZ6508000000192000145399",
        "DE89370400440532013000",
        "DJ2100010000000154000100186",
        "DK5000400440116243",
        "DO28BAGR00000001212453611324",
        "EE382200221020145685",
        "EG380019000500000000263180002",
        "ES9121000418450200051332",
        "FI2112345600000785",
        "FK88SC123456789012",
        "FO6264600001631634",
        "FR1420041010050500013M02606",
        "GB29NWBK60161331926819",
        "GE29NB0000000101904917",
        "GI75NWBK000000007099453",
        "GL8964710001000206",
        "GR1601101250000000012300695",
        "GT82TRAJ01020000001210029690",
        "HN88CABF00000000000250005469",
        "HR1210010051863000160",
        "HU42117730161111101800000000",
        "IE29AIBK93115212345678",
        "IL620108000000099999999",
        "IQ98NBIQ850123456789012",
        "IS140159260076545510730339",
        "IT60X0542811101000000123456",
        "JO94CBJO0010000000000131000302",
        "KW81CBKU0000000000001234560101",
        "KZ86125KZT5004100100",
        "LB62099900000001001901229114",
        "LC55HEMM000100010012001200023015",
        "LI21088100002324013AA",
        "LT121000011101001000",
        "LU280019400644750000",
        "LV80BANK0000435195001",
        "LY83002048000020100120361",
        "MC5811222000010123456789030",
        "MD24AG000225100013104168",
        "ME25505000012345678951",
        "MK07250120000058984",
        "MN121234123456789123",
        "MR1300020001010000123456753",
        "MT84MALT011000012345MTLCAST001S",
        "MU17BOMM0101101030300200000MUR",
        "NI45BAPR00000013000003558124",
        "NL91ABNA0417164300",
        "NO9386011117947",
        "OM810180000001299123456",
        "PK36SCBL0000001123456702",
        "PL61109010140000071219812874",
        "PS92PALS000000000400123456702",
        "PT50000201231234567890154",
        "QA58DOHB00001234567890ABCDEFG",
        "RO49AAAA1B31007593840000",
        "RS35260005601001611379",
        "RU0304452522540817810538091310419",
        "SA0380000000608010167519",
        "SC18SSCB11010000000000001497USD",
        "SD2129010501234001",
        "SE4550000000058398257466",
        "SI56263300012039086",
        "SK3112000000198742637541",
        "SM86U0322509800000000270100",
        "SO211000001001000100141",
        "ST23000100010051845310146",
        "SV62CENR00000000000000700025",
        "TL380080012345678910157",
        "TN5910006035183598478831",
        "TR330006100519786457841326",
        "UA213223130000026007233566001",
        "VA59001123000012345678",
        "VG96VPVG0000012345678901",
        "XK051212012345678906",
        "YE15CBYE0001018861234567891234",
    ];

    #[test]
    fn every_registry_example_fits_its_structure() {
        assert_eq!(IBAN_REGISTRY.len(), 89);
        assert_eq!(REGISTRY_EXAMPLES.len(), IBAN_REGISTRY.len());
        for (format, example) in IBAN_REGISTRY.iter().zip(REGISTRY_EXAMPLES) {
            assert_eq!(&example[..2], format.code);
            assert_eq!(example.len(), format.iban_length, "{example}");
            assert_eq!(
                format.first_mismatch(&example.as_bytes()[4..]),
                None,
                "{example}"
            );
            assert_eq!(iban_format(format.code), Some(format));
        }
        assert_eq!(iban_format("US"), None);
        assert_eq!(iban_format("de"), None);
        assert_eq!(iban_format("D"), None);
    }

    #[test]
    fn structures_read_as_the_registry_writes_them() {
        let gb = iban_format("GB").unwrap();
        assert_eq!(
            gb.segments(),
            [
                (4, CharClass::Letter),
                (6, CharClass::Digit),
                (8, CharClass::Digit)
            ]
        );
        assert_eq!(gb.describe(), "4 letters, 6 digits, 8 digits");
        assert_eq!(gb.describe_german(), "4 Buchstaben, 6 Ziffern, 8 Ziffern");
        assert_eq!(gb.class_at(3), Some(CharClass::Letter));
        assert_eq!(gb.class_at(4), Some(CharClass::Digit));
        assert_eq!(gb.class_at(18), None);
        assert_eq!(
            gb.first_mismatch(b"NWB160161331926819"),
            Some((3, CharClass::Letter))
        );
        assert_eq!(
            gb.first_mismatch(b"NWBK6016133192681X"),
            Some((17, CharClass::Digit))
        );
        let de = iban_format("DE").unwrap();
        assert!(de.is_numeric() && !gb.is_numeric());
        assert_eq!(de.bank_identifier(), 4..12);
        // Italy: the CIN check letter comes first, the ABI bank code after it.
        assert_eq!(iban_format("IT").unwrap().bank_identifier(), 5..10);
        assert!(
            !iban_format("GR").unwrap().is_numeric(),
            "Greek account numbers may hold letters"
        );
    }
}
