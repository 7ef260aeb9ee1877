//! SEPA countries and territories: IBAN lengths, EEA membership, names for messages; the
//! national IBAN formats of every country in the IBAN registry.

pub use crate::registry::{CharClass, IBAN_REGISTRY, IbanFormat, iban_format};

/// One SEPA country that issues its own IBANs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SepaCountry {
    /// ISO 3166 alpha-2 code, as used in IBANs.
    pub code: &'static str,
    /// Adjective used in messages ("a German IBAN").
    pub adjective: &'static str,
    /// Total IBAN length for this country (SWIFT IBAN registry).
    pub iban_length: usize,
    /// True for EEA members; a debtor in a non-EEA SEPA country needs a postal address.
    pub eea: bool,
    /// True when the BBAN (everything after the check digits) is digits only; the full
    /// structure is in [`SepaCountry::iban_format`].
    pub numeric_bban: bool,
}

const fn c(code: &'static str, adjective: &'static str, eea: bool) -> SepaCountry {
    // Length and structure come from the IBAN registry, so the two tables cannot disagree.
    let format = crate::registry::const_format(code);
    let numeric_bban = format.is_numeric_const();
    SepaCountry {
        code,
        adjective,
        iban_length: format.iban_length,
        eea,
        numeric_bban,
    }
}

/// Every SEPA country with its own IBAN prefix (EPC409-09 list; lengths and structures from the
/// IBAN registry, see [`IBAN_REGISTRY`]).
pub const SEPA_COUNTRIES: &[SepaCountry] = &[
    c("AD", "Andorran", false),
    c("AL", "Albanian", false),
    c("AT", "Austrian", true),
    c("BE", "Belgian", true),
    c("BG", "Bulgarian", true),
    c("CH", "Swiss", false),
    c("CY", "Cypriot", true),
    c("CZ", "Czech", true),
    c("DE", "German", true),
    c("DK", "Danish", true),
    c("EE", "Estonian", true),
    c("ES", "Spanish", true),
    c("FI", "Finnish", true),
    c("FR", "French", true),
    c("GB", "British", false),
    c("GI", "Gibraltar", false),
    c("GR", "Greek", true),
    c("HR", "Croatian", true),
    c("HU", "Hungarian", true),
    c("IE", "Irish", true),
    c("IS", "Icelandic", true),
    c("IT", "Italian", true),
    c("LI", "Liechtenstein", true),
    c("LT", "Lithuanian", true),
    c("LU", "Luxembourg", true),
    c("LV", "Latvian", true),
    c("MC", "Monegasque", false),
    c("MD", "Moldovan", false),
    c("ME", "Montenegrin", false),
    c("MK", "North Macedonian", false),
    c("MT", "Maltese", true),
    c("NL", "Dutch", true),
    c("NO", "Norwegian", true),
    c("PL", "Polish", true),
    c("PT", "Portuguese", true),
    c("RO", "Romanian", true),
    c("RS", "Serbian", false),
    c("SE", "Swedish", true),
    c("SI", "Slovenian", true),
    c("SK", "Slovak", true),
    c("SM", "Sammarinese", false),
    c("VA", "Vatican", false),
];

/// German adjectives in the form after "eine" ("eine deutsche IBAN"), in the order of
/// [`SEPA_COUNTRIES`].
const GERMAN_ADJECTIVES: [&str; 42] = [
    "andorranische",
    "albanische",
    "österreichische",
    "belgische",
    "bulgarische",
    "Schweizer",
    "zyprische",
    "tschechische",
    "deutsche",
    "dänische",
    "estnische",
    "spanische",
    "finnische",
    "französische",
    "britische",
    "gibraltarische",
    "griechische",
    "kroatische",
    "ungarische",
    "irische",
    "isländische",
    "italienische",
    "liechtensteinische",
    "litauische",
    "luxemburgische",
    "lettische",
    "monegassische",
    "moldauische",
    "montenegrinische",
    "nordmazedonische",
    "maltesische",
    "niederländische",
    "norwegische",
    "polnische",
    "portugiesische",
    "rumänische",
    "serbische",
    "schwedische",
    "slowenische",
    "slowakische",
    "san-marinesische",
    "vatikanische",
];

impl SepaCountry {
    /// The country's entry in the IBAN registry (length, BBAN structure, bank identifier).
    #[inline]
    pub fn iban_format(&self) -> &'static IbanFormat {
        // Every SEPA country is in the registry (checked when the table is built).
        iban_format(self.code).unwrap_or(&IBAN_REGISTRY[0])
    }

    /// German adjective for messages, in the form after "eine": "deutsche", "Schweizer".
    pub fn adjective_de(&self) -> &'static str {
        let i = SEPA_COUNTRIES
            .iter()
            .position(|c| c.code == self.code)
            .unwrap_or(0);
        GERMAN_ADJECTIVES[i]
    }
}

/// The German adjective for an English one of [`SEPA_COUNTRIES`] ("German" → "deutsche"), for
/// errors that carry only the English adjective.
pub(crate) fn german_adjective(english: &str) -> &'static str {
    SEPA_COUNTRIES
        .iter()
        .position(|c| c.adjective == english)
        .map_or("", |i| GERMAN_ADJECTIVES[i])
}

/// SEPA territories without an IBAN prefix of their own: (territory, parent whose IBANs they use, EEA).
pub const SEPA_TERRITORIES: &[(&str, &str, bool)] = &[
    ("JE", "GB", false),
    ("GG", "GB", false),
    ("IM", "GB", false),
    ("PM", "FR", false),
    ("GF", "FR", true),
    ("GP", "FR", true),
    ("MQ", "FR", true),
    ("RE", "FR", true),
    ("YT", "FR", true),
    ("BL", "FR", true),
    ("MF", "FR", true),
    ("AX", "FI", true),
];

const fn build_index() -> [u8; 676] {
    let mut table = [u8::MAX; 676];
    let mut i = 0;
    while i < SEPA_COUNTRIES.len() {
        let b = SEPA_COUNTRIES[i].code.as_bytes();
        table[(b[0] - b'A') as usize * 26 + (b[1] - b'A') as usize] = i as u8;
        i += 1;
    }
    table
}

/// Position in [`SEPA_COUNTRIES`] for every two-letter code (looked up once per IBAN, so a
/// million debits should not pay for a search).
const INDEX: [u8; 676] = build_index();

/// The SEPA country with this IBAN prefix, if any.
pub fn sepa_country(code: &str) -> Option<&'static SepaCountry> {
    match code.as_bytes() {
        &[a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            let i = INDEX[(a - b'A') as usize * 26 + (b - b'A') as usize];
            SEPA_COUNTRIES.get(usize::from(i))
        }
        _ => None,
    }
}

/// The country whose IBANs a SEPA country or territory uses (`JE` → `GB`, `DE` → `DE`).
pub fn iban_parent(code: &str) -> Option<&'static str> {
    if let Some(c) = sepa_country(code) {
        return Some(c.code);
    }
    SEPA_TERRITORIES.iter().find(|t| t.0 == code).map(|t| t.1)
}

/// True for a SEPA country or territory outside the EEA (CH, GB, MC, SM, AD, VA, AL, ME, MD, MK,
/// RS, GI, JE, GG, IM, PM). A debtor there needs a postal address in the message.
pub fn is_non_eea_sepa(code: &str) -> bool {
    if let Some(c) = sepa_country(code) {
        return !c.eea;
    }
    SEPA_TERRITORIES.iter().any(|t| t.0 == code && !t.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_adjectives_fit_their_countries() {
        assert_eq!(GERMAN_ADJECTIVES.len(), SEPA_COUNTRIES.len());
        assert_eq!(sepa_country("DE").unwrap().adjective_de(), "deutsche");
        assert_eq!(
            sepa_country("AT").unwrap().adjective_de(),
            "österreichische"
        );
        assert_eq!(sepa_country("CH").unwrap().adjective_de(), "Schweizer");
        assert_eq!(sepa_country("VA").unwrap().adjective_de(), "vatikanische");
        assert_eq!(german_adjective("Greek"), "griechische");
        assert_eq!(german_adjective("Klingon"), "");
    }

    #[test]
    fn table_is_sorted_and_lookups_work() {
        assert!(SEPA_COUNTRIES.windows(2).all(|w| w[0].code < w[1].code));
        for c in SEPA_COUNTRIES {
            assert_eq!(sepa_country(c.code), Some(c));
        }
        assert_eq!(sepa_country("de"), None);
        assert_eq!(sepa_country("D"), None);
        assert_eq!(sepa_country("DE").map(|c| c.iban_length), Some(22));
        assert_eq!(sepa_country("US"), None);
        assert_eq!(iban_parent("JE"), Some("GB"));
        assert_eq!(iban_parent("MQ"), Some("FR"));
        assert_eq!(iban_parent("XX"), None);
        for c in [
            "CH", "GB", "MC", "SM", "AD", "VA", "AL", "ME", "MD", "MK", "RS", "GI", "JE", "GG",
            "IM", "PM",
        ] {
            assert!(is_non_eea_sepa(c), "{c}");
        }
        for c in ["DE", "AT", "FR", "NO", "IS", "LI", "MQ", "AX", "US"] {
            assert!(!is_non_eea_sepa(c), "{c}");
        }
    }
}
