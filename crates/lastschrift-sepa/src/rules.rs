//! Every message-level finding (problem or warning) of the builder, `validate` and the format
//! check, with its stable code and its sentence in English and German. One place for all of
//! them, so a code cannot be used twice and no sentence lacks its German.

use chrono::NaiveDate;

use crate::calendar::{self, ClosingDay};
use crate::codes::LocalInstrument;
use crate::explain::{german_date, quoted};

/// A field's name in both languages, for sentences about it ("the collection date" / "Das
/// Einzugsdatum"). The German one carries its article and starts in upper case.
#[derive(Debug, Clone, Copy)]
pub(crate) struct What {
    pub en: &'static str,
    pub de: &'static str,
}

impl What {
    pub const COLLECTION_DATE: What = What {
        en: "collection date",
        de: "Das Einzugsdatum",
    };
    pub const SIGNATURE_DATE: What = What {
        en: "mandate signature date",
        de: "Das Unterschriftsdatum des Mandats",
    };
    pub const INITIATING_PARTY: What = What {
        en: "initiating party name",
        de: "Der Name des Einreichers",
    };
    pub const CREDITOR_NAME: What = What {
        en: "creditor name",
        de: "Der Name des Gläubigers",
    };
    pub const DEBTOR_NAME: What = What {
        en: "debtor name",
        de: "Der Name des Zahlungspflichtigen",
    };
    pub const ULTIMATE_DEBTOR: What = What {
        en: "ultimate debtor name",
        de: "Der Name des abweichenden Zahlungspflichtigen",
    };
    pub const ULTIMATE_CREDITOR: What = What {
        en: "ultimate creditor name",
        de: "Der Name des abweichenden Zahlungsempfängers",
    };
    pub const ORIGINAL_CREDITOR_NAME: What = What {
        en: "original creditor name",
        de: "Der bisherige Name des Gläubigers",
    };
    pub const REMITTANCE: What = What {
        en: "remittance information",
        de: "Der Verwendungszweck",
    };
    pub const STREET: What = What {
        en: "street",
        de: "Die Straße",
    };
    pub const BUILDING: What = What {
        en: "building number",
        de: "Die Hausnummer",
    };
    pub const POSTCODE: What = What {
        en: "post code",
        de: "Die Postleitzahl",
    };
    pub const TOWN: What = What {
        en: "town",
        de: "Der Ort",
    };
    pub const ADDRESS_LINE: What = What {
        en: "address line",
        de: "Die Adresszeile",
    };
}

/// One finding with the data its sentences need.
#[derive(Debug, Clone)]
pub(crate) enum Rule<'a> {
    CollectionDateNotAfterToday {
        date: NaiveDate,
        today: NaiveDate,
    },
    CollectionOnClosingDay {
        date: NaiveDate,
        day: ClosingDay,
    },
    MandateSignedInFuture {
        signed: NaiveDate,
    },
    MandateSignedAfterCollection {
        signed: NaiveDate,
        collection: NaiveDate,
    },
    SchemesMixed {
        this: LocalInstrument,
        first: LocalInstrument,
    },
    BicCountryMismatch {
        english: String,
        german: String,
    },
    CreditorBicRequired {
        country: &'a str,
    },
    DebtorBicRequired {
        country: &'a str,
    },
    DebtorAddressRequired {
        country: &'a str,
    },
    AmendmentEmpty,
    AmendmentSameMandateId,
    AmendmentSameCreditorId,
    AmendmentSameIban,
    AmendmentIbanOtherCountry,
    AmendmentIbanOtherBank {
        old: &'a str,
        new: &'a str,
    },
    AmendmentIbanAndNewBank,
    NoDebits,
    EndToEndIdDuplicate {
        id: &'a str,
        first: usize,
    },
    TotalTooLarge,
    CreatedAtMissing,
    SequenceMissing,
    DateMissing {
        what: What,
    },
    DateFormat {
        what: What,
        value: &'a str,
    },
    AddressTownMissing,
    AddressCountryMissing,
    AddressTooManyLines {
        lines: usize,
    },
    BicNot2009Pattern {
        bic: &'a str,
    },
    AddressNotIn02,
}

impl Rule<'_> {
    pub fn code(&self) -> &'static str {
        match self {
            Rule::CollectionDateNotAfterToday { .. } => "collection_date_not_after_today",
            Rule::CollectionOnClosingDay { .. } => "collection_date_closing_day",
            Rule::MandateSignedInFuture { .. } => "mandate_signed_in_future",
            Rule::MandateSignedAfterCollection { .. } => "mandate_signed_after_collection",
            Rule::SchemesMixed { .. } => "schemes_mixed",
            Rule::BicCountryMismatch { .. } => "bic_country_mismatch",
            Rule::CreditorBicRequired { .. } => "creditor_bic_required_outside_eea",
            Rule::DebtorBicRequired { .. } => "bic_required_outside_eea",
            Rule::DebtorAddressRequired { .. } => "debtor_address_required_outside_eea",
            Rule::AmendmentEmpty => "amendment_empty",
            Rule::AmendmentSameMandateId => "amendment_same_mandate_id",
            Rule::AmendmentSameCreditorId => "amendment_same_creditor_id",
            Rule::AmendmentSameIban => "amendment_same_iban",
            Rule::AmendmentIbanOtherCountry => "amendment_iban_other_country",
            Rule::AmendmentIbanOtherBank { .. } => "amendment_iban_other_bank",
            Rule::AmendmentIbanAndNewBank => "amendment_iban_and_new_bank",
            Rule::NoDebits => "no_debits",
            Rule::EndToEndIdDuplicate { .. } => "end_to_end_id_duplicate",
            Rule::TotalTooLarge => "total_too_large",
            Rule::CreatedAtMissing => "created_at_missing",
            Rule::SequenceMissing => "sequence_missing",
            Rule::DateMissing { .. } => "date_missing",
            Rule::DateFormat { .. } => "date_format",
            Rule::AddressTownMissing => "address_town_missing",
            Rule::AddressCountryMissing => "address_country_missing",
            Rule::AddressTooManyLines { .. } => "address_too_many_lines",
            Rule::BicNot2009Pattern { .. } => "bic_not_2009_pattern",
            Rule::AddressNotIn02 => "address_not_in_pain_008_001_02",
        }
    }

    pub fn english(&self) -> String {
        match self {
            Rule::CollectionDateNotAfterToday { date, today } => {
                format!("the collection date {date} must be after today ({today})")
            }
            Rule::CollectionOnClosingDay { date, day } => format!(
                "{date} is {day}, not a TARGET2 business day; the bank will collect on {}",
                calendar::next_business_day_from(*date)
            ),
            Rule::MandateSignedInFuture { signed } => {
                format!("the mandate signature date {signed} is in the future")
            }
            Rule::MandateSignedAfterCollection { signed, collection } => format!(
                "the mandate was signed on {signed}, after the collection date {collection}"
            ),
            Rule::SchemesMixed { this, first } => format!(
                "this debit is {this} but the message already holds {first} debits; CORE and B2B cannot be mixed in one message (write one message per scheme)"
            ),
            Rule::BicCountryMismatch { english, .. } => english.clone(),
            Rule::CreditorBicRequired { country } => format!(
                "the creditor's BIC is required because the creditor's bank is in {country} (a SEPA country outside the EEA); IBAN-only works only inside the EEA"
            ),
            Rule::DebtorBicRequired { country } => format!(
                "the BIC of the debtor's bank is required because a bank in {country} (a SEPA country outside the EEA) takes part; IBAN-only works only inside the EEA"
            ),
            Rule::DebtorAddressRequired { country } => format!(
                "the debtor's address is required because a bank in {country} (a SEPA country outside the EEA) takes part"
            ),
            Rule::AmendmentEmpty => "an amendment must say what changed: original mandate id, original creditor id or name, original IBAN, or new bank".into(),
            Rule::AmendmentSameMandateId => {
                "the original mandate id is the same as the current one".into()
            }
            Rule::AmendmentSameCreditorId => {
                "the original creditor id is the same as the current one".into()
            }
            Rule::AmendmentSameIban => {
                "the original IBAN is the same as the debtor's current IBAN".into()
            }
            Rule::AmendmentIbanOtherCountry => "the original IBAN is from another country, so the bank changed: use new_bank instead".into(),
            Rule::AmendmentIbanOtherBank { old, new } => format!(
                "the original IBAN has bank code {old}, the new one {new}; if the debtor changed banks, use new_bank instead"
            ),
            Rule::AmendmentIbanAndNewBank => "give either original_iban (new account at the same bank) or new_bank (another bank), not both".into(),
            Rule::NoDebits => "the message has no debits".into(),
            Rule::EndToEndIdDuplicate { id, first } => format!(
                "the end-to-end id {id} is already used by debit {first}; every collection needs its own"
            ),
            Rule::TotalTooLarge => {
                "the sum of all amounts is too large for one file (18 digits)".into()
            }
            Rule::CreatedAtMissing => "the creation time is missing".into(),
            Rule::SequenceMissing => {
                "the sequence type (FRST, RCUR, OOFF or FNAL) is missing".into()
            }
            Rule::DateMissing { what } => format!("the {} is missing", what.en),
            Rule::DateFormat { what, value } => {
                format!("the {} must be a date like 2026-12-14, not \"{value}\"", what.en)
            }
            Rule::AddressTownMissing => "the town is required in every address".into(),
            Rule::AddressCountryMissing => "the country is required in every address".into(),
            Rule::AddressTooManyLines { lines } => {
                format!("an address has at most 2 lines, this one has {lines}")
            }
            Rule::BicNot2009Pattern { bic } => format!(
                "the BIC {bic} does not fit the 2009 pattern of pain.008.001.02; use pain.008.001.08"
            ),
            Rule::AddressNotIn02 => "pain.008.001.02 cannot carry the structured address this debtor needs; use pain.008.001.08".into(),
        }
    }

    pub fn german(&self) -> String {
        match self {
            Rule::CollectionDateNotAfterToday { date, today } => format!(
                "Das Einzugsdatum {} muss nach dem heutigen Tag ({}) liegen",
                german_date(*date),
                german_date(*today)
            ),
            Rule::CollectionOnClosingDay { date, day } => format!(
                "Der {} ist {} und kein TARGET2-Geschäftstag; die Bank zieht am {} ein",
                german_date(*date),
                day.german(),
                german_date(calendar::next_business_day_from(*date))
            ),
            Rule::MandateSignedInFuture { signed } => format!(
                "Das Unterschriftsdatum des Mandats ({}) liegt in der Zukunft",
                german_date(*signed)
            ),
            Rule::MandateSignedAfterCollection { signed, collection } => format!(
                "Das Mandat wurde am {} unterschrieben, nach dem Einzugsdatum {}",
                german_date(*signed),
                german_date(*collection)
            ),
            Rule::SchemesMixed { this, first } => format!(
                "Diese Lastschrift ist eine {this}-Lastschrift, die Nachricht enthält aber schon {first}-Lastschriften; CORE und B2B dürfen nicht in einer Nachricht gemischt werden (je Verfahren eine Nachricht schreiben)"
            ),
            Rule::BicCountryMismatch { german, .. } => german.clone(),
            Rule::CreditorBicRequired { country } => format!(
                "Die BIC des Gläubigers ist nötig, weil seine Bank in {country} ist (ein SEPA-Land außerhalb des EWR); IBAN ohne BIC (IBAN-only) gilt nur innerhalb des EWR"
            ),
            Rule::DebtorBicRequired { country } => format!(
                "Die BIC der Bank des Zahlungspflichtigen ist nötig, weil eine Bank in {country} beteiligt ist (ein SEPA-Land außerhalb des EWR); IBAN ohne BIC (IBAN-only) gilt nur innerhalb des EWR"
            ),
            Rule::DebtorAddressRequired { country } => format!(
                "Die Adresse des Zahlungspflichtigen ist nötig, weil eine Bank in {country} beteiligt ist (ein SEPA-Land außerhalb des EWR)"
            ),
            Rule::AmendmentEmpty => "Eine Mandatsänderung muss sagen, was sich geändert hat: bisherige Mandatsreferenz, bisherige Gläubiger-ID oder bisheriger Name des Gläubigers, bisherige IBAN oder neue Bank".into(),
            Rule::AmendmentSameMandateId => {
                "Die bisherige Mandatsreferenz ist dieselbe wie die aktuelle".into()
            }
            Rule::AmendmentSameCreditorId => {
                "Die bisherige Gläubiger-ID ist dieselbe wie die aktuelle".into()
            }
            Rule::AmendmentSameIban => {
                "Die bisherige IBAN ist dieselbe wie die aktuelle IBAN des Zahlungspflichtigen".into()
            }
            Rule::AmendmentIbanOtherCountry => "Die bisherige IBAN ist aus einem anderen Land, die Bank hat also gewechselt: stattdessen new_bank angeben".into(),
            Rule::AmendmentIbanOtherBank { old, new } => format!(
                "Die bisherige IBAN hat die Bankkennung {old}, die neue {new}; wenn der Zahlungspflichtige die Bank gewechselt hat, stattdessen new_bank angeben"
            ),
            Rule::AmendmentIbanAndNewBank => "Entweder original_iban (neues Konto bei derselben Bank) oder new_bank (andere Bank) angeben, nicht beides".into(),
            Rule::NoDebits => "Die Nachricht enthält keine Lastschriften".into(),
            Rule::EndToEndIdDuplicate { id, first } => format!(
                "Die Ende-zu-Ende-Referenz {id} wird schon von Lastschrift {first} verwendet; jeder Einzug braucht seine eigene"
            ),
            Rule::TotalTooLarge => {
                "Die Summe aller Beträge ist für eine Datei zu groß (18 Stellen)".into()
            }
            Rule::CreatedAtMissing => "Der Erstellungszeitpunkt fehlt".into(),
            Rule::SequenceMissing => {
                "Der Sequenztyp (FRST, RCUR, OOFF oder FNAL) fehlt".into()
            }
            Rule::DateMissing { what } => format!("{} fehlt", what.de),
            Rule::DateFormat { what, value } => format!(
                "{} muss ein Datum wie 2026-12-14 sein, nicht {}",
                what.de,
                quoted(value)
            ),
            Rule::AddressTownMissing => "Jede Adresse braucht den Ort".into(),
            Rule::AddressCountryMissing => "Jede Adresse braucht das Land".into(),
            Rule::AddressTooManyLines { lines } => {
                format!("Eine Adresse hat höchstens 2 Zeilen, diese hat {lines}")
            }
            Rule::BicNot2009Pattern { bic } => format!(
                "Die BIC {bic} passt nicht zum Muster von 2009 für pain.008.001.02; bitte pain.008.001.08 verwenden"
            ),
            Rule::AddressNotIn02 => "pain.008.001.02 kann die strukturierte Adresse, die dieser Zahlungspflichtige braucht, nicht aufnehmen; bitte pain.008.001.08 verwenden".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// One sample per variant; the match has no wildcard, so a new variant does not compile
    /// until it is counted here, and the count makes sure it got a sample.
    fn variant(r: &Rule<'_>) -> usize {
        match r {
            Rule::CollectionDateNotAfterToday { .. } => 0,
            Rule::CollectionOnClosingDay { .. } => 1,
            Rule::MandateSignedInFuture { .. } => 2,
            Rule::MandateSignedAfterCollection { .. } => 3,
            Rule::SchemesMixed { .. } => 4,
            Rule::BicCountryMismatch { .. } => 5,
            Rule::CreditorBicRequired { .. } => 6,
            Rule::DebtorBicRequired { .. } => 7,
            Rule::DebtorAddressRequired { .. } => 8,
            Rule::AmendmentEmpty => 9,
            Rule::AmendmentSameMandateId => 10,
            Rule::AmendmentSameCreditorId => 11,
            Rule::AmendmentSameIban => 12,
            Rule::AmendmentIbanOtherCountry => 13,
            Rule::AmendmentIbanOtherBank { .. } => 14,
            Rule::AmendmentIbanAndNewBank => 15,
            Rule::NoDebits => 16,
            Rule::EndToEndIdDuplicate { .. } => 17,
            Rule::TotalTooLarge => 18,
            Rule::CreatedAtMissing => 19,
            Rule::SequenceMissing => 20,
            Rule::DateMissing { .. } => 21,
            Rule::DateFormat { .. } => 22,
            Rule::AddressTownMissing => 23,
            Rule::AddressCountryMissing => 24,
            Rule::AddressTooManyLines { .. } => 25,
            Rule::BicNot2009Pattern { .. } => 26,
            Rule::AddressNotIn02 => 27,
        }
    }
    const VARIANTS: usize = 28;

    #[test]
    fn every_finding_has_a_unique_code_and_a_german_sentence() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let samples = [
            Rule::CollectionDateNotAfterToday {
                date: d(11, 28),
                today: d(11, 28),
            },
            Rule::CollectionOnClosingDay {
                date: d(12, 25),
                day: ClosingDay::ChristmasDay,
            },
            Rule::MandateSignedInFuture { signed: d(12, 1) },
            Rule::MandateSignedAfterCollection {
                signed: d(12, 16),
                collection: d(12, 15),
            },
            Rule::SchemesMixed {
                this: LocalInstrument::B2b,
                first: LocalInstrument::Core,
            },
            Rule::BicCountryMismatch {
                english: "the BIC … please check both".into(),
                german: "Die BIC … bitte beide prüfen".into(),
            },
            Rule::CreditorBicRequired { country: "CH" },
            Rule::DebtorBicRequired { country: "CH" },
            Rule::DebtorAddressRequired { country: "CH" },
            Rule::AmendmentEmpty,
            Rule::AmendmentSameMandateId,
            Rule::AmendmentSameCreditorId,
            Rule::AmendmentSameIban,
            Rule::AmendmentIbanOtherCountry,
            Rule::AmendmentIbanOtherBank {
                old: "37040044",
                new: "12030000",
            },
            Rule::AmendmentIbanAndNewBank,
            Rule::NoDebits,
            Rule::EndToEndIdDuplicate {
                id: "RE-1",
                first: 0,
            },
            Rule::TotalTooLarge,
            Rule::CreatedAtMissing,
            Rule::SequenceMissing,
            Rule::DateMissing {
                what: What::COLLECTION_DATE,
            },
            Rule::DateFormat {
                what: What::SIGNATURE_DATE,
                value: "1.2.2024",
            },
            Rule::AddressTownMissing,
            Rule::AddressCountryMissing,
            Rule::AddressTooManyLines { lines: 3 },
            Rule::BicNot2009Pattern { bic: "1BANDEFF" },
            Rule::AddressNotIn02,
        ];
        let seen: HashSet<usize> = samples.iter().map(variant).collect();
        assert_eq!(seen.len(), VARIANTS, "one sample per variant");
        assert_eq!(samples.len(), VARIANTS);
        let mut codes = HashSet::new();
        for r in &samples {
            let code = r.code();
            assert!(
                !code.is_empty()
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{code}"
            );
            assert!(codes.insert(code), "code {code} twice");
            assert!(!r.german().trim().is_empty(), "{code}");
            assert_ne!(r.german(), r.english(), "{code}");
        }
        assert_eq!(
            samples[1].german(),
            "Der 25.12.2026 ist der 1. Weihnachtstag und kein TARGET2-Geschäftstag; die Bank zieht am 28.12.2026 ein"
        );
    }
}
