//! From a plan to pain.008 bytes: the creditor from the settings, one message per scheme (and
//! per `max_debits_per_file` slice), each built with [`sepa::MessageBuilder`] so that nothing
//! invalid reaches the writer.

use chrono::NaiveDateTime;

use super::plan::{CollectionPlan, PlannedDebit, sepa_policy};
use super::{CollectError, ExclusionReason, Explanation};
use crate::settings::{OutputFormat, Settings};
use lastschrift_store::{NewCollectionFile, NewDebit, Scheme, SequenceType};

/// One problem with one field of the creditor data or of the message, in both languages.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    /// `creditor.iban`, `creditor.address.town`, …
    pub field: String,
    /// The SEPA crate's rule code, e.g. `iban_check_digits`.
    pub code: &'static str,
    pub english: String,
    pub german: String,
}

impl FieldProblem {
    fn of(field: impl Into<String>, error: &impl sepa::Explain) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            code: error.code(),
            english: error.to_string(),
            german: error.german(),
        }
    }

    fn of_problem(problem: &sepa::Problem) -> FieldProblem {
        FieldProblem {
            field: problem.field.clone(),
            code: problem.code,
            english: problem.message.clone(),
            german: problem.german.clone(),
        }
    }

    /// `field: sentence` in the chosen language.
    pub fn describe(&self, german: bool) -> String {
        format!(
            "{}: {}",
            self.field,
            if german { &self.german } else { &self.english }
        )
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.english)
    }
}

/// The creditor as the settings give it, with every problem at once — the one creditor check of
/// the application: a collection run, the settings page and its live check all use it.
pub fn creditor(settings: &Settings) -> Result<sepa::Creditor, CollectError> {
    let Some(c) = &settings.creditor else {
        return Err(CollectError::NoCreditor);
    };
    let policy = sepa_policy(settings.policies.character_policy);
    let mut problems = Vec::new();
    // The creditor's name appears in every file and on every debtor's statement: cutting it
    // would go unnoticed in every run, so a name too long is refused where it is entered.
    let name = match sepa::Name::parse(&c.name, policy) {
        Ok((name, changes)) => {
            match changes
                .iter()
                .find(|change| matches!(change, sepa::TextChange::Shortened { .. }))
            {
                Some(shortened) => {
                    problems.push(FieldProblem::of("creditor.name", shortened));
                    None
                }
                None => Some(name),
            }
        }
        Err(e) => {
            problems.push(FieldProblem::of("creditor.name", &e));
            None
        }
    };
    let iban = sepa::Iban::parse(&c.iban)
        .map_err(|e| problems.push(FieldProblem::of("creditor.iban", &e)))
        .ok();
    let bic = match c.bic.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => None,
        Some(raw) => sepa::Bic::parse(raw)
            .map_err(|e| problems.push(FieldProblem::of("creditor.bic", &e)))
            .ok(),
    };
    let creditor_id = sepa::CreditorId::parse(&c.creditor_id)
        .map_err(|e| problems.push(FieldProblem::of("creditor.creditor_id", &e)))
        .ok();
    let address = match &c.address {
        Some(a) if a.town.is_some() || a.country.is_some() => {
            match structured_address(
                a.street.as_deref(),
                a.building.as_deref(),
                a.postcode.as_deref(),
                a.town.as_deref().unwrap_or_default(),
                a.country.as_deref().unwrap_or_default(),
                policy,
            ) {
                Ok(address) => Some(address),
                Err(problem) => {
                    problems.push(problem);
                    None
                }
            }
        }
        _ => None,
    };
    match (name, iban, creditor_id) {
        (Some(name), Some(iban), Some(creditor_id)) if problems.is_empty() => {
            let creditor = sepa::Creditor {
                name,
                iban,
                bic,
                creditor_id,
                address,
            };
            // The bank rules on the creditor as a whole (a bank outside the EEA needs its BIC)
            // are the SEPA crate's.
            let (rules, _) = creditor.check();
            if rules.is_empty() {
                Ok(creditor)
            } else {
                Err(CollectError::InvalidCreditor(
                    rules.iter().map(FieldProblem::of_problem).collect(),
                ))
            }
        }
        _ => Err(CollectError::InvalidCreditor(problems)),
    }
}

/// A structured address from its parts; the first part the SEPA types refuse is the problem
/// (`creditor.address.street`, …).
pub(crate) fn structured_address(
    street: Option<&str>,
    building: Option<&str>,
    postcode: Option<&str>,
    town: &str,
    country: &str,
    policy: sepa::CharacterPolicy,
) -> Result<sepa::PostalAddress, FieldProblem> {
    fn opt(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let field = |part: &str| format!("creditor.address.{part}");
    let street = opt(street)
        .map(|s| sepa::StreetName::parse(s, policy).map(|(t, _)| t))
        .transpose()
        .map_err(|e| FieldProblem::of(field("street"), &e))?;
    let building = opt(building)
        .map(|s| sepa::BuildingNumber::parse(s, policy).map(|(t, _)| t))
        .transpose()
        .map_err(|e| FieldProblem::of(field("building"), &e))?;
    let postcode = opt(postcode)
        .map(|s| sepa::PostCode::parse(s, policy).map(|(t, _)| t))
        .transpose()
        .map_err(|e| FieldProblem::of(field("postcode"), &e))?;
    let town = sepa::TownName::parse(town, policy)
        .map(|(t, _)| t)
        .map_err(|e| FieldProblem::of(field("town"), &e))?;
    let country =
        sepa::CountryCode::parse(country).map_err(|e| FieldProblem::of(field("country"), &e))?;
    Ok(sepa::PostalAddress::structured(
        street, building, postcode, town, country,
    ))
}

fn sepa_format(format: OutputFormat) -> sepa::Format {
    match format {
        OutputFormat::Pain00800108 => sepa::Format::Pain00800108,
        OutputFormat::Pain00800102 => sepa::Format::Pain00800102,
    }
}

/// The typed debit: every value is validated already (the plan carries SEPA types); only the
/// end-to-end id of this run is new.
fn sepa_debit(d: &PlannedDebit, end_to_end_id: &str) -> Result<sepa::Debit, ExclusionReason> {
    let end_to_end_id =
        sepa::EndToEndId::parse(end_to_end_id).map_err(|e| ExclusionReason::Rejected {
            field: "end_to_end_id".into(),
            rule: sepa::Explain::code(&e),
            reason: Explanation::of(&e),
        })?;
    Ok(sepa::Debit {
        end_to_end_id,
        amount: d.amount,
        collection_date: d.collection_date,
        sequence: match d.sequence_type {
            SequenceType::Frst => sepa::SequenceType::First,
            SequenceType::Rcur => sepa::SequenceType::Recurrent,
            SequenceType::Ooff => sepa::SequenceType::OneOff,
            SequenceType::Fnal => sepa::SequenceType::Final,
        },
        mandate: sepa::Mandate {
            id: d.mandate_reference,
            signed_on: d.signature_date,
            scheme: match d.scheme {
                Scheme::Core => sepa::LocalInstrument::Core,
                Scheme::B2b => sepa::LocalInstrument::B2b,
            },
            amendment: d.amendment.as_ref().map(|a| Box::new(a.to_sepa())),
        },
        debtor: sepa::Debtor {
            name: d.debtor_name.clone(),
            iban: d.iban,
            bic: d.bic,
            address: d.debtor_address.clone(),
        },
        remittance: Some(d.remittance.clone()),
        purpose: None,
        ultimate_debtor: None,
        ultimate_creditor: None,
    })
}

/// The end-to-end id of a debit: the sevdesk invoice id plus the run token, so it is unique
/// across runs (an invoice collected again after a return gets a new one) and leads back to the
/// invoice when an R-transaction names it.
pub fn end_to_end_id(invoice_id: i64, run_token: &str) -> String {
    format!("{invoice_id}-{run_token}")
}

/// The debits of each file: split by scheme (a message carries one), by collection date when
/// `one_collection_date_per_file` (else a file has a payment block per date), then by the file
/// size limit.
fn file_groups<'a>(plan: &'a CollectionPlan, settings: &Settings) -> Vec<Vec<&'a PlannedDebit>> {
    let limit = settings
        .policies
        .max_debits_per_file
        .map_or(usize::MAX, |n| n as usize);
    let mut dates: Vec<Option<chrono::NaiveDate>> =
        if settings.policies.one_collection_date_per_file {
            plan.debits
                .iter()
                .map(|d| Some(d.collection_date))
                .collect()
        } else {
            vec![None]
        };
    dates.sort_unstable();
    dates.dedup();
    let mut groups = Vec::new();
    for scheme in [Scheme::Core, Scheme::B2b] {
        for date in &dates {
            let debits: Vec<&PlannedDebit> = plan
                .debits
                .iter()
                .filter(|d| d.scheme == scheme && date.is_none_or(|date| d.collection_date == date))
                .collect();
            for chunk in debits.chunks(limit.max(1)) {
                groups.push(chunk.to_vec());
            }
        }
    }
    groups
}

/// One file of a run, ready to record.
pub struct BuiltFile {
    pub file: NewCollectionFile,
    pub warnings: Vec<Explanation>,
}

enum BuildFailure {
    /// These invoices' debits break a rule; exclude them and build again.
    Debits(Vec<(i64, ExclusionReason)>),
    Message(Vec<FieldProblem>),
}

/// Bytes, ledger debits and warnings of one built file.
type BuiltOne = (Vec<u8>, Vec<NewDebit>, Vec<Explanation>);

fn build_one(
    group: &[&PlannedDebit],
    creditor: &sepa::Creditor,
    settings: &Settings,
    now: NaiveDateTime,
    message_id: &str,
    run_token: &str,
) -> Result<BuiltOne, BuildFailure> {
    let header = sepa::MessageHeader {
        message_id: sepa::MessageId::parse(message_id)
            .map_err(|e| BuildFailure::Message(vec![FieldProblem::of("message_id", &e)]))?,
        created_at: sepa::CreationTime::Local(
            chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now),
        ),
        initiating_party: None,
        batch_booking: Some(settings.policies.batch_booking),
    };
    let mut builder = sepa::MessageBuilder::new(header, creditor.clone(), now.date());
    let mut rejected = Vec::new();
    let mut pushed = Vec::new();
    for d in group {
        match sepa_debit(d, &end_to_end_id(d.invoice_id, run_token)) {
            Ok(debit) => {
                builder.push(debit);
                pushed.push(*d);
            }
            Err(reason) => rejected.push((d.invoice_id, reason)),
        }
    }
    let debit_problems = |problems: Vec<sepa::Problem>| {
        let mut by_debit = Vec::new();
        let mut message_level = Vec::new();
        for p in problems {
            match p.debit.and_then(|i| pushed.get(i)) {
                Some(d) => by_debit.push((
                    d.invoice_id,
                    ExclusionReason::Rejected {
                        field: p
                            .field
                            .split_once('.')
                            .map_or(p.field.clone(), |(_, f)| f.into()),
                        rule: p.code,
                        reason: Explanation::new(p.message, p.german),
                    },
                )),
                None => message_level.push(FieldProblem::of_problem(&p)),
            }
        }
        (by_debit, message_level)
    };
    if !rejected.is_empty() {
        return Err(BuildFailure::Debits(rejected));
    }
    let (message, warnings) = match builder.build() {
        Ok(built) => built,
        Err(problems) => {
            let (by_debit, message_level) = debit_problems(problems);
            if !message_level.is_empty() {
                return Err(BuildFailure::Message(message_level));
            }
            return Err(BuildFailure::Debits(by_debit));
        }
    };
    let format = sepa_format(settings.policies.output_format);
    let format_problems = message.check_format(format);
    if !format_problems.is_empty() {
        let (by_debit, message_level) = debit_problems(format_problems);
        if !message_level.is_empty() {
            return Err(BuildFailure::Message(message_level));
        }
        return Err(BuildFailure::Debits(by_debit));
    }
    let mut bytes = Vec::new();
    message
        .write(format, &mut bytes)
        .map_err(|e| BuildFailure::Message(vec![FieldProblem::of("message", &e)]))?;
    let debits = pushed
        .iter()
        .map(|d| NewDebit {
            invoice_id: d.invoice_id,
            contact_id: d.contact_id,
            mandate_reference: d.mandate_reference.as_str().to_owned(),
            iban: d.iban.as_str().to_owned(),
            amount_cents: d.amount_cents,
            sequence_type: d.sequence_type,
            end_to_end_id: end_to_end_id(d.invoice_id, run_token),
            collection_date: d.collection_date,
            amendment: d.amendment.as_ref().map(|a| a.to_ledger()),
        })
        .collect();
    Ok((
        bytes,
        debits,
        warnings
            .into_iter()
            .map(|w| Explanation::new(w.to_string(), w.to_german_string()))
            .collect(),
    ))
}

/// Builds every file of the plan. A debit the rules refuse is moved to the plan's exclusions
/// and the files are built again without it, so one bad record never stops the run.
pub fn build_files(
    plan: &mut CollectionPlan,
    creditor: &sepa::Creditor,
    settings: &Settings,
    now: NaiveDateTime,
    run_token: &str,
) -> Result<Vec<BuiltFile>, CollectError> {
    loop {
        let groups = file_groups(plan, settings);
        let mut files = Vec::new();
        let mut to_exclude = Vec::new();
        for (index, group) in groups.iter().enumerate() {
            let message_id = message_id(now, run_token, index + 1);
            match build_one(group, creditor, settings, now, &message_id, run_token) {
                Ok((bytes, debits, warnings)) => files.push(BuiltFile {
                    file: NewCollectionFile {
                        file_name: format!("{message_id}.xml"),
                        message_id,
                        bytes,
                        debits,
                    },
                    warnings,
                }),
                Err(BuildFailure::Debits(list)) => to_exclude.extend(list),
                Err(BuildFailure::Message(problems)) => {
                    return Err(CollectError::Message(problems));
                }
            }
        }
        if to_exclude.is_empty() {
            return Ok(files);
        }
        for (invoice_id, reason) in to_exclude {
            plan.exclude(invoice_id, reason);
        }
    }
}

/// `LS-<date>-<time>-<token>-<n>`: unique per creditor (the random token), readable, ≤ 35.
pub fn message_id(now: NaiveDateTime, run_token: &str, position: usize) -> String {
    format!("LS-{}-{run_token}-{position}", now.format("%Y%m%d-%H%M%S"))
}

/// Moves what the rules refuse into the exclusions (for the preview).
pub(crate) fn exclude_rejected(
    plan: &mut CollectionPlan,
    creditor: &sepa::Creditor,
    settings: &Settings,
    now: NaiveDateTime,
) {
    // A failure of the whole message (not of a debit) surfaces when the run is made.
    let _ = build_files(plan, creditor, settings, now, "PREVIEW");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::CreditorSettings;

    fn settings(iban: &str, bic: Option<&str>) -> Settings {
        Settings {
            creditor: Some(CreditorSettings {
                name: "Muster AG".into(),
                iban: iban.into(),
                bic: bic.map(Into::into),
                creditor_id: "DE98ZZZ09999999999".into(),
                address: None,
            }),
            ..Settings::default()
        }
    }

    #[test]
    fn a_creditor_bank_outside_the_eea_needs_its_bic() {
        // IBAN-only works inside the EEA; a Swiss creditor bank must be named by its BIC.
        match creditor(&settings("CH9300762011623852957", None)) {
            Err(CollectError::InvalidCreditor(problems)) => {
                assert!(
                    problems.iter().any(|p| p.field == "creditor.bic"
                        && p.code == "creditor_bic_required_outside_eea"),
                    "{problems:?}"
                );
            }
            other => panic!("a Swiss creditor without BIC was accepted: {other:?}"),
        }
        let c = creditor(&settings("CH9300762011623852957", Some("UBSWCHZH80A"))).unwrap();
        assert_eq!(
            c.bic.map(|b| b.as_str().to_owned()).as_deref(),
            Some("UBSWCHZH80A")
        );
        // Inside the EEA the BIC stays optional.
        assert!(creditor(&settings("DE89370400440532013000", None)).is_ok());
    }
}
