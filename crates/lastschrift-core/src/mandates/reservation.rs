//! Mandate forms for the contacts who lack a usable mandate: who gets one, which reference each
//! form names, and the reservation of that reference in the registry.
//!
//! The reference a form names is the one the contact's invoices will be collected under: the
//! first configured sevdesk source with a valid value, else one made from the customer number or
//! the contact id — never one the registry or another contact already has (in any upper/lower
//! case); then `-2`, `-3`, … is appended. It is reserved as a registry mandate without signature
//! date (source `form`), which holds the contact's invoices back (`no_signature_date`) until the
//! signed form is back and its date entered. A contact that already has such a reservation gets
//! the form for it again; nothing is reserved twice.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::form::{self, FormError, FormParty, MandateForm, MandateFormInput};
use crate::collect::mandate::{
    choose_reference, governing_mandate, mandate_reference, usable_mandate, valid_sevdesk_reference,
};
use crate::collect::{CollectionPlan, ExclusionReason, Explanation};
use crate::error::CoreError;
use crate::settings::{AddressSettings, Settings};
use lastschrift_store::{
    Contact, Mandate, MandateEdit, MandateSource, MandateStatus, Scheme, SevdeskId, Store,
    StoreError,
};

/// Which forms to make.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormRequest {
    /// `None`: every contact on the needs-mandate list.
    pub contacts: Option<Vec<SevdeskId>>,
    /// `None`: the scheme of the contact's reservation, else CORE.
    pub scheme: Option<Scheme>,
    /// `None`: as the reservation says, else recurrent payments.
    pub one_off: Option<bool>,
}

/// One page of the PDF.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrintedForm {
    pub contact_id: SevdeskId,
    pub contact_name: String,
    pub customer_number: Option<String>,
    /// The reference the form names, reserved in the registry.
    pub reference: String,
    pub scheme: Scheme,
    pub one_off: bool,
    /// False when the reference was reserved by an earlier form (this one prints it again).
    pub newly_reserved: bool,
    /// The IBAN the form names, when sevdesk has a valid one.
    pub iban: Option<String>,
}

/// A contact that gets no form, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedContact {
    pub contact_id: SevdeskId,
    pub contact_name: Option<String>,
    /// `contact_missing`, `has_usable_mandate`, or the code of the problem to fix instead (e.g.
    /// `invalid_iban`).
    pub code: &'static str,
    pub reason: Explanation,
}

/// The result of one request for mandate forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MandateFormBatch {
    /// One page per form; `None` when no contact got one.
    #[serde(skip)]
    pub pdf: Option<Vec<u8>>,
    pub forms: Vec<PrintedForm>,
    pub skipped: Vec<SkippedContact>,
}

impl MandateFormBatch {
    /// How many references this request reserved (the others were reserved before).
    pub fn newly_reserved(&self) -> usize {
        self.forms.iter().filter(|f| f.newly_reserved).count()
    }
}

fn missing(field: &'static str) -> FormError {
    FormError::MissingCreditorField { field }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The creditor as the form prints it; a missing part is named.
fn creditor(settings: &Settings) -> Result<(FormParty, sepa::CreditorId, String), FormError> {
    let c = settings.creditor.as_ref().ok_or(missing("name"))?;
    if c.name.trim().is_empty() {
        return Err(missing("name"));
    }
    if c.creditor_id.trim().is_empty() {
        return Err(missing("creditor_id"));
    }
    let creditor_id =
        sepa::CreditorId::parse(&c.creditor_id).map_err(|e| FormError::InvalidCreditorId {
            value: c.creditor_id.trim().to_owned(),
            reason: Explanation::of(&e),
        })?;
    let empty = AddressSettings::default();
    let a = c.address.as_ref().unwrap_or(&empty);
    let street = present(&a.street).ok_or(missing("address.street"))?;
    let postcode = present(&a.postcode).ok_or(missing("address.postcode"))?;
    let town = present(&a.town).ok_or(missing("address.town"))?;
    let country = present(&a.country).unwrap_or("DE").to_ascii_uppercase();
    let mut lines = vec![
        match present(&a.building) {
            Some(building) => format!("{street} {building}"),
            None => street.to_owned(),
        },
        format!("{postcode} {town}"),
    ];
    if country != "DE" {
        lines.push(country.clone());
    }
    Ok((
        FormParty::new("creditor", &c.name, &lines)?,
        creditor_id,
        country,
    ))
}

/// The debtor as sevdesk has it; the country is named when it is not the creditor's.
fn debtor(contact: &Contact, creditor_country: &str) -> Result<FormParty, FormError> {
    let mut lines = Vec::new();
    if let Some(street) = present(&contact.street) {
        lines.push(street.to_owned());
    }
    let town = [present(&contact.zip), present(&contact.city)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        lines.push(town);
    }
    if let Some(country) = present(&contact.country_code)
        && !country.eq_ignore_ascii_case(creditor_country)
    {
        lines.push(country.to_ascii_uppercase());
    }
    FormParty::new("debtor", &contact.display_name, &lines)
}

/// The reference a contact without a usable sevdesk value gets.
fn made_reference(contact: &Contact) -> String {
    let number: String = contact
        .customer_number
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_uppercase();
    let number = number.trim_matches('-');
    if number.is_empty() {
        format!("LS-{}", contact.id)
    } else {
        format!("LS-{}", &number[..number.len().min(32)])
    }
}

/// `base`, then `base-2`, `base-3`, …, each a valid mandate reference (35 characters at most).
fn candidates(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(base.to_owned())
        .chain((2..1000).map(move |n| {
            let suffix = format!("-{n}");
            let keep: String = base.chars().take(35 - suffix.len()).collect();
            format!("{keep}{suffix}")
        }))
        .filter(|r| sepa::MandateId::parse(r).is_ok())
}

/// A reservation of the contact made by an earlier form (or entered without a date): active,
/// never used, no signature date.
fn reservation_of<'a>(mandates: impl IntoIterator<Item = &'a Mandate>) -> Option<&'a Mandate> {
    mandates
        .into_iter()
        .filter(|m| {
            m.source != MandateSource::SevdeskField
                && m.status == MandateStatus::Active
                && m.signature_date.is_none()
                && m.first_collection.is_none()
        })
        .min_by(|a, b| a.reference.cmp(&b.reference))
}

enum Decision {
    Form,
    Skip(&'static str, Explanation),
}

/// Makes the forms `request` asks for, reserving their references; `plan` is the current plan
/// (its exclusions are the needs-mandate list).
pub(crate) async fn make_forms(
    store: &dyn Store,
    settings: &Settings,
    plan: &CollectionPlan,
    request: &FormRequest,
    today: NaiveDate,
) -> Result<MandateFormBatch, CoreError> {
    let (creditor, creditor_id, creditor_country) = creditor(settings)?;
    let policies = &settings.policies;
    let contacts: HashMap<SevdeskId, Contact> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let registry = store.mandates().await?;

    let mut reasons: HashMap<SevdeskId, Vec<&ExclusionReason>> = HashMap::new();
    for e in &plan.exclusions {
        reasons.entry(e.contact_id).or_default().push(&e.reason);
    }
    let planned: HashSet<SevdeskId> = plan.debits.iter().map(|d| d.contact_id).collect();
    let mut ids: Vec<SevdeskId> = match &request.contacts {
        Some(ids) => ids.clone(),
        None => plan
            .exclusions
            .iter()
            .filter(|e| e.reason.needs_mandate_data())
            .map(|e| e.contact_id)
            .collect(),
    };
    let mut seen = HashSet::new();
    ids.retain(|id| seen.insert(*id));
    if request.contacts.is_none() {
        // A printed batch in the order of the names.
        ids.sort_by_cached_key(|id| (contacts.get(id).map(|c| c.display_name.to_lowercase()), *id));
    }

    // Every reference in use, case folded: the registry's and what sevdesk names for each contact.
    let mut taken: HashSet<String> = registry
        .iter()
        .map(|m| m.reference.to_uppercase())
        .collect();
    let mut sevdesk_owner: HashMap<String, Vec<SevdeskId>> = HashMap::new();
    for c in contacts.values() {
        for value in [
            mandate_reference(c, policies),
            valid_sevdesk_reference(c, policies),
        ]
        .into_iter()
        .flatten()
        {
            sevdesk_owner
                .entry(value.to_uppercase())
                .or_default()
                .push(c.id);
        }
    }

    let mut forms = Vec::new();
    let mut printed = Vec::new();
    let mut skipped = Vec::new();
    for id in ids {
        let Some(contact) = contacts.get(&id) else {
            skipped.push(SkippedContact {
                contact_id: id,
                contact_name: None,
                code: "contact_missing",
                reason: Explanation::new(
                    format!("contact {id} is not among the synced contacts"),
                    format!("Kontakt {id} ist nicht unter den synchronisierten Kontakten."),
                ),
            });
            continue;
        };
        let own: Vec<&Mandate> = registry.iter().filter(|m| m.contact_id == id).collect();
        let skip = |code, reason| SkippedContact {
            contact_id: id,
            contact_name: Some(contact.display_name.clone()),
            code,
            reason,
        };
        let contact_reasons = reasons.get(&id).map_or(&[][..], Vec::as_slice);
        let decision = if contact_reasons.iter().any(|r| r.calls_for_mandate_form()) {
            Decision::Form
        } else if let Some(r) = contact_reasons.iter().find(|r| r.needs_mandate_data()) {
            Decision::Skip(
                r.code(),
                Explanation::new(
                    format!("{}; a new mandate does not change that", r.english()),
                    format!("{} Ein neues Mandat ändert daran nichts.", r.german()),
                ),
            )
        } else if planned.contains(&id) {
            has_usable_mandate()
        } else {
            // No open invoice reached the mandate checks: check the mandate itself.
            let governing = governing_mandate(&own, today);
            let chosen = choose_reference(contact, governing, policies);
            let registered = chosen.as_ref().and_then(|c| {
                registry
                    .iter()
                    .find(|m| m.reference.eq_ignore_ascii_case(&c.reference))
            });
            match usable_mandate(
                contact,
                chosen.as_ref().map(|c| c.reference.as_str()),
                registered,
                policies,
                today,
                today,
                None,
            ) {
                Ok(_) => has_usable_mandate(),
                Err(r) if r.calls_for_mandate_form() => Decision::Form,
                Err(r) => Decision::Skip(r.code(), Explanation::new(r.english(), r.german())),
            }
        };
        if let Decision::Skip(code, reason) = decision {
            skipped.push(skip(code, reason));
            continue;
        }
        // The debtor's part first: a contact whose data does not fit reserves nothing.
        let debtor = match debtor(contact, &creditor_country) {
            Ok(debtor) => debtor,
            Err(e) => {
                skipped.push(skip(
                    e.code(),
                    Explanation::new(
                        format!("{e}; shorten it in sevdesk"),
                        format!("{} Bitte in sevdesk kürzen.", e.german()),
                    ),
                ));
                continue;
            }
        };
        let (mandate, newly_reserved) = reserve(
            store,
            contact,
            &own,
            request,
            policies,
            &mut taken,
            &sevdesk_owner,
        )
        .await?;
        let reference = sepa::MandateId::parse(&mandate.reference).map_err(|e| {
            StoreError::Corrupt(format!("mandate reference {}: {e}", mandate.reference))
        })?;
        let iban = present(&contact.iban).and_then(|v| sepa::Iban::parse(v).ok());
        let bic = present(&contact.bic).and_then(|v| sepa::Bic::parse(v).ok());
        printed.push(PrintedForm {
            contact_id: id,
            contact_name: contact.display_name.clone(),
            customer_number: contact.customer_number.clone(),
            reference: mandate.reference.clone(),
            scheme: mandate.scheme,
            one_off: mandate.one_off,
            newly_reserved,
            iban: iban.as_ref().map(|i| i.as_str().to_owned()),
        });
        forms.push(MandateForm::new(MandateFormInput {
            creditor: creditor.clone(),
            creditor_id,
            reference,
            debtor,
            iban,
            bic,
            scheme: mandate.scheme,
            one_off: mandate.one_off,
        })?);
    }
    let pdf = if forms.is_empty() {
        None
    } else {
        Some(form::render_pdf(&forms)?)
    };
    Ok(MandateFormBatch {
        pdf,
        forms: printed,
        skipped,
    })
}

fn has_usable_mandate() -> Decision {
    Decision::Skip(
        "has_usable_mandate",
        Explanation::new(
            "the contact has a usable mandate",
            "Der Kontakt hat ein verwendbares Mandat.",
        ),
    )
}

/// The contact's reservation: the one an earlier form made (brought to the requested scheme and
/// payment type), else a new one under the first free reference. `true` when it is new.
async fn reserve(
    store: &dyn Store,
    contact: &Contact,
    own: &[&Mandate],
    request: &FormRequest,
    policies: &crate::settings::Policies,
    taken: &mut HashSet<String>,
    sevdesk_owner: &HashMap<String, Vec<SevdeskId>>,
) -> Result<(Mandate, bool), CoreError> {
    if let Some(existing) = reservation_of(own.iter().copied()) {
        return Ok((adjust(store, existing, request).await?, false));
    }
    let base =
        valid_sevdesk_reference(contact, policies).unwrap_or_else(|| made_reference(contact));
    let free = |r: &str, taken: &HashSet<String>| {
        let folded = r.to_uppercase();
        !taken.contains(&folded)
            && sevdesk_owner
                .get(&folded)
                .is_none_or(|owners| owners.iter().all(|o| *o == contact.id))
    };
    for reference in candidates(&base) {
        if !free(&reference, taken) {
            continue;
        }
        let mut mandate = Mandate::new(reference.clone(), contact.id, MandateSource::Form);
        mandate.scheme = request.scheme.unwrap_or(Scheme::Core);
        mandate.one_off = request.one_off.unwrap_or(false);
        match store.insert_mandate(&mandate).await {
            Ok(stored) => {
                taken.insert(reference.to_uppercase());
                return Ok((stored, true));
            }
            Err(StoreError::Conflict(_)) => {
                // Taken meanwhile — by a form for this very contact made at the same time?
                let now = store.mandates_for_contact(contact.id).await?;
                if let Some(existing) = reservation_of(&now) {
                    return Ok((adjust(store, existing, request).await?, false));
                }
                taken.insert(reference.to_uppercase());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict(format!(
        "no free mandate reference from {base} to {base}-999 for contact {}",
        contact.id
    ))
    .into())
}

/// The reservation with the scheme and payment type the request names.
async fn adjust(
    store: &dyn Store,
    existing: &Mandate,
    request: &FormRequest,
) -> Result<Mandate, CoreError> {
    let edit = MandateEdit {
        scheme: request.scheme.filter(|s| *s != existing.scheme),
        one_off: request.one_off.filter(|o| *o != existing.one_off),
        ..MandateEdit::default()
    };
    if edit.is_empty() {
        return Ok(existing.clone());
    }
    Ok(store.edit_mandate(&existing.reference, &edit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_append_a_number_and_stay_within_35_characters() {
        let got: Vec<String> = candidates("K-1001").take(3).collect();
        assert_eq!(got, ["K-1001", "K-1001-2", "K-1001-3"]);
        let long = "A".repeat(35);
        let second = candidates(&long).nth(1).unwrap();
        assert_eq!(second.len(), 35);
        assert!(second.ends_with("-2"));
    }

    #[test]
    fn a_made_reference_uses_the_customer_number_or_the_contact_id() {
        let mut c = crate::collect::test_contact(42, "k 10/01");
        assert_eq!(made_reference(&c), "LS-K1001");
        c.customer_number = Some("  ".into());
        assert_eq!(made_reference(&c), "LS-42");
        c.customer_number = None;
        assert!(sepa::MandateId::parse(&made_reference(&c)).is_ok());
    }

    #[test]
    fn a_missing_creditor_field_is_named() {
        let mut settings = Settings::default();
        assert_eq!(
            creditor(&settings).unwrap_err(),
            FormError::MissingCreditorField { field: "name" }
        );
        settings.creditor = Some(crate::settings::CreditorSettings {
            name: "Muster GmbH".into(),
            iban: "DE89370400440532013000".into(),
            bic: None,
            creditor_id: "DE98ZZZ09999999999".into(),
            address: Some(AddressSettings {
                street: Some("Hauptstraße".into()),
                town: Some("Berlin".into()),
                ..AddressSettings::default()
            }),
        });
        assert_eq!(
            creditor(&settings).unwrap_err(),
            FormError::MissingCreditorField {
                field: "address.postcode"
            }
        );
        let c = settings.creditor.as_mut().unwrap();
        c.address.as_mut().unwrap().postcode = Some("10115".into());
        c.address.as_mut().unwrap().building = Some("1".into());
        let (party, id, country) = creditor(&settings).unwrap();
        assert_eq!(party.address(), ["Hauptstraße 1", "10115 Berlin"]);
        assert_eq!(
            (id.as_str(), country.as_str()),
            ("DE98ZZZ09999999999", "DE")
        );
        settings.creditor.as_mut().unwrap().creditor_id = "DE00ZZZ09999999999".into();
        assert!(matches!(
            creditor(&settings),
            Err(FormError::InvalidCreditorId { .. })
        ));
    }
}
