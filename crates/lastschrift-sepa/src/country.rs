//! SEPA countries and territories: IBAN lengths, EEA membership, names for messages.

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
    /// True when the BBAN (everything after the check digits) is digits only.
    pub numeric_bban: bool,
}

const fn c(
    code: &'static str,
    adjective: &'static str,
    iban_length: usize,
    eea: bool,
    numeric_bban: bool,
) -> SepaCountry {
    SepaCountry {
        code,
        adjective,
        iban_length,
        eea,
        numeric_bban,
    }
}

/// Every SEPA country with its own IBAN prefix (EPC409-09 list; lengths from the IBAN registry).
pub const SEPA_COUNTRIES: &[SepaCountry] = &[
    c("AD", "Andorran", 24, false, false),
    c("AL", "Albanian", 28, false, false),
    c("AT", "Austrian", 20, true, true),
    c("BE", "Belgian", 16, true, true),
    c("BG", "Bulgarian", 22, true, false),
    c("CH", "Swiss", 21, false, false),
    c("CY", "Cypriot", 28, true, false),
    c("CZ", "Czech", 24, true, true),
    c("DE", "German", 22, true, true),
    c("DK", "Danish", 18, true, true),
    c("EE", "Estonian", 20, true, true),
    c("ES", "Spanish", 24, true, true),
    c("FI", "Finnish", 18, true, true),
    c("FR", "French", 27, true, false),
    c("GB", "British", 22, false, false),
    c("GI", "Gibraltar", 23, false, false),
    c("GR", "Greek", 27, true, true),
    c("HR", "Croatian", 21, true, true),
    c("HU", "Hungarian", 28, true, true),
    c("IE", "Irish", 22, true, false),
    c("IS", "Icelandic", 26, true, true),
    c("IT", "Italian", 27, true, false),
    c("LI", "Liechtenstein", 21, true, false),
    c("LT", "Lithuanian", 20, true, true),
    c("LU", "Luxembourg", 20, true, false),
    c("LV", "Latvian", 21, true, false),
    c("MC", "Monegasque", 27, false, false),
    c("MD", "Moldovan", 24, false, false),
    c("ME", "Montenegrin", 22, false, true),
    c("MK", "North Macedonian", 19, false, false),
    c("MT", "Maltese", 31, true, false),
    c("NL", "Dutch", 18, true, false),
    c("NO", "Norwegian", 15, true, true),
    c("PL", "Polish", 28, true, true),
    c("PT", "Portuguese", 25, true, true),
    c("RO", "Romanian", 24, true, false),
    c("RS", "Serbian", 22, false, true),
    c("SE", "Swedish", 24, true, true),
    c("SI", "Slovenian", 19, true, true),
    c("SK", "Slovak", 24, true, true),
    c("SM", "Sammarinese", 27, false, false),
    c("VA", "Vatican", 22, false, true),
];

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
