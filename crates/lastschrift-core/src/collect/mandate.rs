//! From a synced contact and our mandate registry to the mandate and debtor account a debit may
//! use — or the reason it may not.
//!
//! The registry wins over sevdesk: a signature date, scheme or status entered in lastschrift
//! (CSV import, web UI) is taken before the contact field, because sevdesk has no notion of
//! revocation or scheme and its free-text date field is often stale.

use chrono::NaiveDate;

use super::{ExclusionReason, Explanation};
use crate::settings::{MandateReferenceSource, Policies};
use lastschrift_store::{Contact, Mandate, MandateSource, MandateStatus, Scheme};

/// A mandate that may be used for a debit, with the debtor account it points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsableMandate {
    /// The registry record as it is (or as it will be created from the sevdesk fields).
    pub mandate: Mandate,
    /// False when the registry has no record yet; the run creates it.
    pub registered: bool,
    pub signature_date: NaiveDate,
    pub scheme: Scheme,
    pub iban: sepa::Iban,
    /// A BIC entered in sevdesk that is not valid is left out (IBAN-only is allowed), with a note.
    pub bic: Option<sepa::Bic>,
    pub notes: Vec<Explanation>,
}

/// The value one source gives for `contact`; `governing` is the contact's mandate in the registry
/// (see [`governing_mandate`]).
fn source_value<'a>(
    source: &MandateReferenceSource,
    contact: &'a Contact,
    governing: Option<&'a Mandate>,
) -> Option<&'a str> {
    let value = match source {
        MandateReferenceSource::Registry => governing.map(|m| m.reference.as_str()),
        // Sync stores the value of the first configured custom field.
        MandateReferenceSource::CustomField(_) => contact.mandate_reference_field.as_deref(),
        MandateReferenceSource::MandateReference => contact.mandate_reference.as_deref(),
        MandateReferenceSource::CustomerNumber => contact.customer_number.as_deref(),
    };
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The mandate reference sevdesk gives for `contact`: the first configured sevdesk source that
/// has one (the registry left aside).
pub fn mandate_reference(contact: &Contact, policies: &Policies) -> Option<String> {
    policies
        .mandate_reference_sources
        .iter()
        .filter(|s| **s != MandateReferenceSource::Registry)
        .find_map(|source| source_value(source, contact, None))
        .map(str::to_owned)
}

/// The first mandate reference a configured sevdesk source gives for `contact` that is a valid
/// SEPA mandate reference (the registry left aside): the reference a new mandate form names.
pub fn valid_sevdesk_reference(contact: &Contact, policies: &Policies) -> Option<String> {
    policies
        .mandate_reference_sources
        .iter()
        .filter(|s| **s != MandateReferenceSource::Registry)
        .filter_map(|source| source_value(source, contact, None))
        .find(|value| sepa::MandateId::parse(value).is_ok())
        .map(str::to_owned)
}

/// The contact's mandate that the user entered into the registry (CSV import, the mandate form)
/// and that governs the contact's invoices: an active, unexpired one, the most recently signed
/// first (on a tie the unused one); else the most recent of the others, so that a revoked or lapsed mandate is reported
/// instead of being bypassed. Mandates the registry only took over from sevdesk's fields do not
/// govern: sevdesk stays their source.
pub fn governing_mandate<'a>(mandates: &[&'a Mandate], on: NaiveDate) -> Option<&'a Mandate> {
    let entered = || {
        mandates
            .iter()
            .copied()
            .filter(|m| m.source != MandateSource::SevdeskField)
    };
    // A record signed on the same day as a used one of the contact is that mandate under a new
    // reference (an amendment): its 36 months run from the old one's last collection.
    let live = |m: &Mandate| {
        let mut clock = m.clone();
        clock.last_collection = clock.last_collection.or_else(|| {
            entered()
                .filter(|o| o.signature_date == m.signature_date)
                .filter_map(|o| o.last_collection)
                .max()
        });
        m.status == MandateStatus::Active && !clock.is_expired(on)
    };
    // Of two live ones signed on the same day, the unused one is the newer record: a reference
    // the user renamed takes over from the old one.
    entered()
        .filter(|m| live(m))
        .max_by_key(|m| (m.signature_date, m.last_collection.is_none(), &m.reference))
        .or_else(|| entered().max_by_key(|m| (m.signature_date, m.last_collection)))
}

/// The reference a debit uses and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenReference {
    pub reference: String,
    pub source: MandateReferenceSource,
    /// A later source that names another reference (the earlier source decided).
    pub overruled: Option<(MandateReferenceSource, String)>,
}

fn source_names(source: &MandateReferenceSource) -> (String, String) {
    match source {
        MandateReferenceSource::Registry => {
            ("the mandate registry".into(), "dem Mandatsregister".into())
        }
        MandateReferenceSource::CustomField(name) => (
            format!("the sevdesk contact field {name}"),
            format!("dem sevdesk-Kontaktfeld {name}"),
        ),
        MandateReferenceSource::MandateReference => (
            "sevdesk's mandate reference".into(),
            "der Mandatsreferenz in sevdesk".into(),
        ),
        MandateReferenceSource::CustomerNumber => {
            ("the customer number".into(), "der Kundennummer".into())
        }
    }
}

impl ChosenReference {
    /// For the dry run: which reference, from where, and what it overruled.
    pub fn explanation(&self) -> Explanation {
        let (en, de) = source_names(&self.source);
        let mut english = format!("mandate reference {} from {en}", self.reference);
        let mut german = format!("Mandatsreferenz {} aus {de}", self.reference);
        if let Some((other, value)) = &self.overruled {
            let (other_en, other_de) = source_names(other);
            english.push_str(&format!(
                "; {other_en} says {value}, the earlier source in policies.mandate_reference_sources decides"
            ));
            german.push_str(&format!(
                "; in {other_de} steht {value}, die frühere Quelle in policies.mandate_reference_sources entscheidet"
            ));
        }
        Explanation::new(english, german)
    }
}

/// The reference of `contact` from the first configured source that has one, and the first
/// later source that disagrees.
pub fn choose_reference(
    contact: &Contact,
    governing: Option<&Mandate>,
    policies: &Policies,
) -> Option<ChosenReference> {
    let sources = &policies.mandate_reference_sources;
    let (index, reference) = sources
        .iter()
        .enumerate()
        .find_map(|(i, s)| source_value(s, contact, governing).map(|v| (i, v)))?;
    let overruled = sources[index + 1..].iter().find_map(|s| {
        source_value(s, contact, governing)
            .filter(|v| !v.eq_ignore_ascii_case(reference))
            .map(|v| (s.clone(), v.to_owned()))
    });
    Some(ChosenReference {
        reference: reference.to_owned(),
        source: sources[index].clone(),
        overruled,
    })
}

/// Parses a signature date as people type it in sevdesk (see [`crate::dates::parse_date`]).
pub fn parse_signature_date(text: &str) -> Option<NaiveDate> {
    crate::dates::parse_date(text)
}

/// Decides whether `contact` has a mandate that may be collected on `collection_date`.
///
/// `reference` is the one [`choose_reference`] chose; `registered` is the registry record for it,
/// if any. `continues_from` is
/// the last collection of the mandate this one amends (same mandate, new reference), if any: the
/// 36 months run from there, not from the (old) signature date.
pub fn usable_mandate(
    contact: &Contact,
    reference: Option<&str>,
    registered: Option<&Mandate>,
    policies: &Policies,
    today: NaiveDate,
    collection_date: NaiveDate,
    continues_from: Option<NaiveDate>,
) -> Result<UsableMandate, ExclusionReason> {
    let reference = reference
        .map(str::to_owned)
        .ok_or(ExclusionReason::NoMandateReference)?;
    if let Err(error) = sepa::MandateId::parse(&reference) {
        return Err(ExclusionReason::InvalidMandateReference {
            reference,
            reason: Explanation::of(&error),
        });
    }
    if let Some(m) = registered
        && m.contact_id != contact.id
    {
        return Err(ExclusionReason::MandateOfOtherContact {
            reference,
            contact_id: m.contact_id,
        });
    }
    let field = &policies.signature_date_field;
    let signature_date = match registered.and_then(|m| m.signature_date) {
        Some(date) => date,
        // A printed mandate form is a new mandate: the contact field's date belongs to an older
        // one, so only the date entered when the signed form comes back counts.
        None if registered.is_some_and(|m| m.source == MandateSource::Form) => {
            return Err(ExclusionReason::MandateFormNotSigned { reference });
        }
        None => match contact
            .signature_date_field
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => {
                return Err(ExclusionReason::NoSignatureDate {
                    field: field.clone(),
                });
            }
            Some(value) => parse_signature_date(value).ok_or_else(|| {
                ExclusionReason::UnreadableSignatureDate {
                    field: field.clone(),
                    value: value.to_owned(),
                }
            })?,
        },
    };
    if signature_date > today {
        return Err(ExclusionReason::SignatureDateInFuture {
            date: signature_date,
        });
    }
    let mut mandate = registered.cloned().unwrap_or_else(|| {
        let mut m = Mandate::new(reference.clone(), contact.id, MandateSource::SevdeskField);
        m.signature_date = Some(signature_date);
        m
    });
    if mandate.signature_date.is_none() {
        mandate.signature_date = Some(signature_date);
    }
    if mandate.status == MandateStatus::Revoked {
        return Err(ExclusionReason::MandateRevoked { reference });
    }
    // Expiry counts to the day the money is collected, not the day the file is made.
    let mut clock = mandate.clone();
    clock.last_collection = clock.last_collection.or(continues_from);
    if clock.is_expired(collection_date) {
        let since = clock
            .last_collection
            .unwrap_or(signature_date)
            .max(signature_date);
        return Err(ExclusionReason::MandateExpired { reference, since });
    }
    let raw_iban = contact
        .iban
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(ExclusionReason::NoIban)?;
    let iban = sepa::Iban::parse(raw_iban).map_err(|e| ExclusionReason::InvalidIban {
        reason: Explanation::of(&e),
    })?;
    let mut notes = Vec::new();
    let bic = match contact
        .bic
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(raw) => match sepa::Bic::parse(raw) {
            Ok(bic) => Some(bic),
            Err(error) => {
                notes.push(Explanation::new(
                    format!(
                        "the BIC `{raw}` of the contact is invalid ({error}); the debit is sent with the IBAN only"
                    ),
                    format!(
                        "Die BIC „{raw}“ des Kontakts ist ungültig ({}); die Lastschrift geht nur mit der IBAN.",
                        sepa::Explain::german(&error)
                    ),
                ));
                None
            }
        },
    };
    Ok(UsableMandate {
        scheme: mandate.scheme,
        registered: registered.is_some(),
        mandate,
        signature_date,
        iban,
        bic,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        Contact {
            display_name: "Erika Mustermann".into(),
            iban: Some("DE02 1203 0000 0000 2020 51".into()),
            ..super::super::test_contact(7, "K-1001")
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn check(c: &Contact, reg: Option<&Mandate>) -> Result<UsableMandate, ExclusionReason> {
        usable_mandate(
            c,
            mandate_reference(c, &Policies::default()).as_deref(),
            reg,
            &Policies::default(),
            d(2026, 11, 28),
            d(2026, 12, 14),
            None,
        )
    }

    #[test]
    fn reference_sources_are_tried_in_order() {
        let mut c = contact();
        let p = Policies::default();
        assert_eq!(mandate_reference(&c, &p).as_deref(), Some("K-1001"));
        c.mandate_reference = Some("SEV-1".into());
        assert_eq!(mandate_reference(&c, &p).as_deref(), Some("SEV-1"));
        c.mandate_reference_field = Some("  FIELD-1 ".into());
        assert_eq!(mandate_reference(&c, &p).as_deref(), Some("FIELD-1"));
        let customer_first = Policies {
            mandate_reference_sources: vec![MandateReferenceSource::CustomerNumber],
            ..Policies::default()
        };
        assert_eq!(
            mandate_reference(&c, &customer_first).as_deref(),
            Some("K-1001")
        );
    }

    #[test]
    fn signature_dates_in_the_usual_spellings() {
        assert_eq!(parse_signature_date("02.01.2024"), Some(d(2024, 1, 2)));
        assert_eq!(parse_signature_date("2.1.2024"), Some(d(2024, 1, 2)));
        assert_eq!(parse_signature_date("2024-01-02"), Some(d(2024, 1, 2)));
        assert_eq!(parse_signature_date("02.01.24"), Some(d(2024, 1, 2)));
        assert_eq!(parse_signature_date("Januar 2024"), None);
        assert_eq!(parse_signature_date("31.02.2024"), None);
        assert_eq!(parse_signature_date("02.01.0024"), None);
    }

    #[test]
    fn a_complete_contact_gives_a_new_mandate_from_the_sevdesk_fields() {
        let m = check(&contact(), None).unwrap();
        assert!(!m.registered);
        assert_eq!(m.mandate.reference, "K-1001");
        assert_eq!(m.mandate.source, MandateSource::SevdeskField);
        assert_eq!(m.signature_date, d(2024, 1, 2));
        assert_eq!(m.iban.as_str(), "DE02120300000000202051");
    }

    #[test]
    fn every_mandate_reason_is_detected() {
        let mut c = contact();
        c.customer_number = None;
        assert_eq!(check(&c, None), Err(ExclusionReason::NoMandateReference));

        let mut c = contact();
        c.customer_number = Some("K 1001 ü".into());
        assert!(matches!(
            check(&c, None),
            Err(ExclusionReason::InvalidMandateReference { .. })
        ));

        let mut c = contact();
        c.signature_date_field = None;
        assert!(matches!(
            check(&c, None),
            Err(ExclusionReason::NoSignatureDate { .. })
        ));
        c.signature_date_field = Some("irgendwann".into());
        assert!(matches!(
            check(&c, None),
            Err(ExclusionReason::UnreadableSignatureDate { .. })
        ));
        c.signature_date_field = Some("01.12.2026".into());
        assert!(matches!(
            check(&c, None),
            Err(ExclusionReason::SignatureDateInFuture { .. })
        ));

        let mut c = contact();
        c.iban = None;
        assert_eq!(check(&c, None), Err(ExclusionReason::NoIban));
        c.iban = Some("DE02120300000000202052".into());
        assert!(matches!(
            check(&c, None),
            Err(ExclusionReason::InvalidIban { .. })
        ));

        let c = contact();
        let mut reg = Mandate::new("K-1001", 7, MandateSource::CsvImport);
        reg.status = MandateStatus::Revoked;
        assert!(matches!(
            check(&c, Some(&reg)),
            Err(ExclusionReason::MandateRevoked { .. })
        ));
        let mut reg = Mandate::new("K-1001", 7, MandateSource::CsvImport);
        reg.last_collection = Some(d(2023, 12, 13));
        assert!(matches!(
            check(&c, Some(&reg)),
            Err(ExclusionReason::MandateExpired { .. })
        ));
        let reg = Mandate::new("K-1001", 99, MandateSource::CsvImport);
        assert!(matches!(
            check(&c, Some(&reg)),
            Err(ExclusionReason::MandateOfOtherContact { contact_id: 99, .. })
        ));
    }

    #[test]
    fn the_registry_wins_over_the_contact_field() {
        let mut c = contact();
        c.signature_date_field = Some("kaputt".into());
        let mut reg = Mandate::new("K-1001", 7, MandateSource::CsvImport);
        reg.signature_date = Some(d(2025, 5, 5));
        reg.scheme = Scheme::B2b;
        let m = check(&c, Some(&reg)).unwrap();
        assert!(m.registered);
        assert_eq!(m.signature_date, d(2025, 5, 5));
        assert_eq!(m.scheme, Scheme::B2b);
    }

    #[test]
    fn a_printed_form_waits_for_its_own_signature_date_not_the_contact_fields() {
        // The contact field still holds the date of an older mandate.
        let c = contact();
        let mut reserved = Mandate::new("K-1001", 7, MandateSource::Form);
        assert_eq!(
            check(&c, Some(&reserved)),
            Err(ExclusionReason::MandateFormNotSigned {
                reference: "K-1001".into()
            })
        );
        assert_eq!(
            ExclusionReason::MandateFormNotSigned {
                reference: "K-1001".into()
            }
            .code(),
            "no_signature_date"
        );
        reserved.signature_date = Some(d(2026, 11, 20));
        assert_eq!(
            check(&c, Some(&reserved)).unwrap().signature_date,
            d(2026, 11, 20)
        );
    }

    #[test]
    fn an_amended_mandate_lapses_36_months_after_the_last_collection_under_the_old_reference() {
        let mut c = contact();
        c.signature_date_field = Some("01.03.2019".into());
        let at = |continues_from| {
            usable_mandate(
                &c,
                mandate_reference(&c, &Policies::default()).as_deref(),
                None,
                &Policies::default(),
                d(2026, 11, 28),
                d(2026, 12, 14),
                continues_from,
            )
        };
        assert!(matches!(
            at(None),
            Err(ExclusionReason::MandateExpired { .. })
        ));
        assert!(at(Some(d(2026, 10, 1))).is_ok());
        assert!(matches!(
            at(Some(d(2023, 12, 13))),
            Err(ExclusionReason::MandateExpired { since, .. }) if since == d(2023, 12, 13)
        ));
    }

    #[test]
    fn a_broken_bic_is_dropped_with_a_note() {
        let mut c = contact();
        c.bic = Some("NOTABIC".into());
        let m = check(&c, None).unwrap();
        assert_eq!(m.bic, None);
        assert_eq!(m.notes.len(), 1);
    }

    #[test]
    fn the_registry_governs_by_contact_whatever_sevdesk_says() {
        let c = contact();
        let p = Policies::default();
        let mut imported = Mandate::new("MANDAT-1001", 7, MandateSource::CsvImport);
        imported.signature_date = Some(d(2021, 3, 15));
        let chosen = choose_reference(&c, Some(&imported), &p).unwrap();
        assert_eq!(chosen.reference, "MANDAT-1001");
        assert_eq!(chosen.source, MandateReferenceSource::Registry);
        assert_eq!(
            chosen.overruled,
            Some((MandateReferenceSource::CustomerNumber, "K-1001".into()))
        );
        let said = chosen.explanation();
        assert!(said.german.contains("Mandatsregister") && said.german.contains("K-1001"));
        // With sevdesk first in the settings, sevdesk decides and the registry is what it overruled.
        let sevdesk_first = Policies {
            mandate_reference_sources: vec![
                MandateReferenceSource::CustomerNumber,
                MandateReferenceSource::Registry,
            ],
            ..Policies::default()
        };
        let chosen = choose_reference(&c, Some(&imported), &sevdesk_first).unwrap();
        assert_eq!(chosen.reference, "K-1001");
        assert_eq!(
            chosen.overruled,
            Some((MandateReferenceSource::Registry, "MANDAT-1001".into()))
        );
        // The same reference in both: nothing overruled.
        let mut same = imported.clone();
        same.reference = "k-1001".into();
        assert_eq!(
            choose_reference(&c, Some(&same), &p).unwrap().overruled,
            None
        );
    }

    #[test]
    fn the_governing_mandate_is_the_live_one_else_the_latest() {
        let on = d(2026, 12, 14);
        let mut old = Mandate::new("OLD", 7, MandateSource::CsvImport);
        old.signature_date = Some(d(2019, 1, 1));
        let mut revoked = Mandate::new("REVOKED", 7, MandateSource::Manual);
        revoked.signature_date = Some(d(2025, 1, 1));
        revoked.status = MandateStatus::Revoked;
        let mut live = Mandate::new("LIVE", 7, MandateSource::CsvImport);
        live.signature_date = Some(d(2024, 1, 1));
        let from_sevdesk = Mandate::new("SEV", 7, MandateSource::SevdeskField);
        assert_eq!(
            governing_mandate(&[&old, &revoked, &live, &from_sevdesk], on).map(|m| &*m.reference),
            Some("LIVE")
        );
        // Only a revoked one: it governs, so the revocation is reported, not bypassed.
        assert_eq!(
            governing_mandate(&[&revoked, &from_sevdesk], on).map(|m| &*m.reference),
            Some("REVOKED")
        );
        // Taken over from sevdesk's fields only: sevdesk stays the source.
        assert_eq!(governing_mandate(&[&from_sevdesk], on), None);
    }
}
