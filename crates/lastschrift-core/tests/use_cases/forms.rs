//! Mandate forms to sign through the [`App`], against the sevdesk sandbox, on SQLite and on
//! PostgreSQL: a batch for the needs-mandate list is one PDF with a page per contact (read back
//! with pdftotext), each reference it names is reserved once, the reserved contacts' invoices
//! wait for the signature date and are collected once it is entered; B2B wording, contacts that
//! need no form, a revoked mandate's successor, and a creditor without address.

#[allow(unused_imports)]
use test_support::backends;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use lastschrift_core::mandates::{FormError, FormRequest, MandateFormBatch};
use lastschrift_core::secret::{SecretKey, SevdeskToken};
use lastschrift_core::settings::{AddressSettings, DatabaseUrl, Settings, SettingsSources};
use lastschrift_core::sync::NoProgress;
use lastschrift_core::{App, Clock, CoreError};
use lastschrift_store::*;
use sevdesk_sandbox::Sandbox;
use test_support::pdf;

#[cfg(feature = "postgres-tests")]
use super::by_url::run_postgres;
use super::by_url::run_sqlite;

backends!(
    a_batch_for_the_needs_mandate_list_reserves_each_reference_once,
    b2b_forms_for_named_contacts_and_the_contacts_that_need_none,
    a_revoked_mandate_gets_a_successor_that_waits_for_its_own_signature,
    a_creditor_without_address_gets_no_form,
);

/// Friday 2026-11-27 09:00 in Berlin, the day before the sandbox's `today`.
#[derive(Debug)]
struct Fixed;

impl Clock for Fixed {
    fn now(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap()
    }
}

const CREDITOR_ID: &str = "DE98ZZZ09999999999";

/// The problems a new signed mandate solves (the codes of the needs-mandate list).
const FORM_CODES: [&str; 8] = [
    "no_mandate",
    "invalid_mandate_reference",
    "mandate_reference_shared",
    "no_signature_date",
    "mandate_expired",
    "mandate_revoked",
    "one_off_mandate_used",
    "mandate_ended",
];

fn german_core() -> [&'static str; 2] {
    [
        "Zahlungen von meinem Konto mittels Lastschrift einzuziehen. Zugleich weise ich mein Kreditinstitut an, die von Muster Software GmbH auf mein Konto gezogenen Lastschriften einzulösen.",
        "Hinweis: Ich kann innerhalb von acht Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages verlangen. Es gelten dabei die mit meinem Kreditinstitut vereinbarten Bedingungen.",
    ]
}

fn english_core() -> [&'static str; 2] {
    [
        "By signing this mandate form, you authorise (A) Muster Software GmbH to send instructions to your bank to debit your account and (B) your bank to debit your account in accordance with the instructions from Muster Software GmbH.",
        "A refund must be claimed within 8 weeks starting from the date on which your account was debited.",
    ]
}

fn b2b_wording() -> [&'static str; 4] {
    [
        "SEPA-Firmenlastschrift-Mandat",
        "Dieses Lastschriftmandat dient nur dem Einzug von Lastschriften, die auf Konten von Unternehmen gezogen sind.",
        "nicht berechtigt, nach der erfolgten Einlösung eine Erstattung des belasteten Betrages zu verlangen.",
        "You are not entitled to a refund from your bank after your account has been debited, but you are entitled to request your bank not to debit your account up until the day on which the payment is due.",
    ]
}

struct Env {
    sb: Sandbox,
    app: App,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

impl Env {
    async fn new(url: &DatabaseUrl, with_address: bool) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let sb = super::sandbox(160).await;
        let mut creditor = super::creditor();
        if with_address {
            creditor.address = Some(AddressSettings {
                street: Some("Hauptstraße".into()),
                building: Some("1".into()),
                postcode: Some("10115".into()),
                town: Some("Berlin".into()),
                country: Some("DE".into()),
            });
        }
        let mut settings = Settings {
            data_dir: dir.path().to_owned(),
            database_url: Some(url.clone()),
            output_dir: Some(dir.path().join("files")),
            creditor: Some(creditor),
            ..Settings::default()
        };
        settings.sevdesk.base_url = sb.base_url();
        let store = open_url(url).await.expect("the store opens");
        let app = App::new(
            SettingsSources::given(settings),
            store.clone(),
            SecretKey::generate(),
        )
        .with_clock(Arc::new(Fixed));
        app.store_token(&SevdeskToken::new(sb.token()).unwrap())
            .await
            .unwrap();
        app.sync(&NoProgress).await.unwrap();
        Env {
            sb,
            app,
            store,
            _dir: dir,
        }
    }

    async fn close(self) {
        self.app.close().await;
        self.store.close().await;
        self.sb.shutdown().await;
    }

    /// The contacts of the needs-mandate list by the codes of their invoices' reasons.
    async fn needs(&self) -> BTreeMap<SevdeskId, BTreeSet<&'static str>> {
        let mut needs: BTreeMap<SevdeskId, BTreeSet<&'static str>> = BTreeMap::new();
        for e in self.app.needs_mandate().await.unwrap() {
            needs
                .entry(e.contact_id)
                .or_default()
                .insert(e.reason.code());
        }
        needs
    }

    async fn forms(&self, request: FormRequest) -> MandateFormBatch {
        self.app
            .mandate_forms(&request)
            .await
            .expect("mandate forms are made")
    }
}

fn grouped(iban: &str) -> String {
    iban.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text the PDF font prints as it is (sandbox names are Western European).
fn printable_as_is(text: &str) -> bool {
    text.chars().all(|c| (c as u32) < 0x100)
}

mod tests {
    use super::*;

    pub async fn a_batch_for_the_needs_mandate_list_reserves_each_reference_once(url: DatabaseUrl) {
        let env = Env::new(&url, true).await;
        let needs = env.needs().await;
        let wanted: BTreeSet<SevdeskId> = needs
            .iter()
            .filter(|(_, codes)| codes.iter().any(|c| FORM_CODES.contains(c)))
            .map(|(id, _)| *id)
            .collect();
        assert!(
            wanted.len() >= 3,
            "the sandbox has contacts without a usable mandate: {needs:?}"
        );
        let mandates_before = env.store.mandates().await.unwrap().len();

        let batch = env.forms(FormRequest::default()).await;
        let got: BTreeSet<SevdeskId> = batch.forms.iter().map(|f| f.contact_id).collect();
        let too_long: BTreeSet<SevdeskId> = batch
            .skipped
            .iter()
            .filter(|s| s.code == "form_text_too_long")
            .map(|s| s.contact_id)
            .collect();
        assert_eq!(
            got,
            wanted.difference(&too_long).copied().collect(),
            "{batch:?}"
        );
        // Every contact of the list is either printed or named with the reason it is not.
        let skipped: BTreeSet<SevdeskId> = batch.skipped.iter().map(|s| s.contact_id).collect();
        assert_eq!(
            got.union(&skipped).copied().collect::<BTreeSet<_>>(),
            needs.keys().copied().collect()
        );
        for s in &batch.skipped {
            assert!(!s.reason.german.is_empty() && !s.reason.english.is_empty());
            if s.code != "form_text_too_long" {
                assert!(
                    !FORM_CODES.contains(&s.code),
                    "{s:?} should have had a form"
                );
            }
        }
        assert_eq!(batch.newly_reserved(), batch.forms.len());
        let references: BTreeSet<String> = batch
            .forms
            .iter()
            .map(|f| f.reference.to_uppercase())
            .collect();
        assert_eq!(references.len(), batch.forms.len(), "one reference each");

        // One PDF, one page per contact, in the order of the list.
        let bytes = batch.pdf.clone().expect("a PDF");
        assert_eq!(pdf::page_count(&bytes), batch.forms.len());
        let pages = pdf::page_texts(&bytes);
        assert_eq!(pages.len(), batch.forms.len());
        let contacts: HashMap<SevdeskId, Contact> = env
            .store
            .contacts()
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut with_iban = 0;
        for (form, page) in batch.forms.iter().zip(&pages) {
            let contact = &contacts[&form.contact_id];
            for expected in [
                "SEPA-Lastschriftmandat",
                "SEPA Direct Debit Mandate",
                "Gläubiger-Identifikationsnummer",
                CREDITOR_ID,
                "Muster Software GmbH",
                "Hauptstraße 1",
                "10115 Berlin",
                form.reference.as_str(),
                "Wiederkehrende Zahlung / Recurrent payment",
                "Ort, Datum",
                "Unterschrift(en)",
            ]
            .into_iter()
            .chain(german_core())
            .chain(english_core())
            {
                assert!(page.contains(expected), "`{expected}` not on {page}");
            }
            assert!(!page.contains("Firmenlastschrift"), "{page}");
            if printable_as_is(&contact.display_name) {
                let name = contact.display_name.split_whitespace().collect::<Vec<_>>();
                assert!(page.contains(&name.join(" ")), "{name:?} not on {page}");
            }
            if let Some(iban) = &form.iban {
                with_iban += 1;
                assert!(page.contains(&grouped(iban)), "{iban} not on {page}");
            }
            // The registry holds the reservation: the contact's, no signature date.
            let m = env
                .store
                .mandate_by_reference(&form.reference)
                .await
                .unwrap()
                .expect("reserved");
            assert_eq!(
                (m.contact_id, m.signature_date, m.status, m.source, m.scheme),
                (
                    form.contact_id,
                    None,
                    MandateStatus::Active,
                    MandateSource::Form,
                    Scheme::Core
                )
            );
        }
        assert!(with_iban > 0, "some forms name the IBAN sevdesk has");
        assert_eq!(
            env.store.mandates().await.unwrap().len(),
            mandates_before + batch.forms.len()
        );

        // The reserved contacts wait for the signed form, and the list names the reference.
        let by_contact: HashMap<SevdeskId, &str> = batch
            .forms
            .iter()
            .map(|f| (f.contact_id, f.reference.as_str()))
            .collect();
        for e in env.app.needs_mandate().await.unwrap() {
            if let Some(reference) = by_contact.get(&e.contact_id) {
                assert_eq!(e.reason.code(), "no_signature_date", "{e:?}");
                assert!(e.reason.german().contains(reference), "{e:?}");
                assert!(e.reason.english().contains(reference), "{e:?}");
            }
        }

        // A second batch prints the same references and reserves nothing.
        let again = env.forms(FormRequest::default()).await;
        assert_eq!(again.newly_reserved(), 0);
        let pairs = |b: &MandateFormBatch| {
            b.forms
                .iter()
                .map(|f| (f.contact_id, f.reference.clone()))
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(pairs(&again), pairs(&batch));
        assert_eq!(
            env.store.mandates().await.unwrap().len(),
            mandates_before + batch.forms.len()
        );

        // The signed forms come back: with the date entered, the invoices are collected under
        // the reserved references (those with a usable IBAN and name).
        for form in &batch.forms {
            env.app
                .edit_mandate(
                    &form.reference,
                    &MandateEdit {
                        signature_date: Some(Some(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())),
                        ..MandateEdit::default()
                    },
                )
                .await
                .unwrap();
        }
        let plan = env.app.plan(None).await.unwrap();
        for e in &plan.exclusions {
            if by_contact.contains_key(&e.contact_id) {
                assert!(
                    !FORM_CODES.contains(&e.reason.code()),
                    "still lacks a mandate: {e:?}"
                );
            }
        }
        let collected: Vec<_> = plan
            .debits
            .iter()
            .filter(|d| by_contact.get(&d.contact_id) == Some(&d.mandate_reference.as_str()))
            .collect();
        assert!(
            !collected.is_empty(),
            "the reserved mandates are used once signed"
        );
        for d in collected {
            assert_eq!(
                d.signature_date,
                NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
            );
        }
        env.close().await;
    }

    pub async fn b2b_forms_for_named_contacts_and_the_contacts_that_need_none(url: DatabaseUrl) {
        let env = Env::new(&url, true).await;
        let needs = env.needs().await;
        let lacking = *needs
            .iter()
            .find(|(_, codes)| codes.contains("no_signature_date") || codes.contains("no_mandate"))
            .expect("a contact without a mandate")
            .0;
        let plan = env.app.plan(None).await.unwrap();
        let collectible = plan.debits[0].contact_id;
        let unknown = 987_654_321;

        let batch = env
            .forms(FormRequest {
                contacts: Some(vec![lacking, collectible, unknown, lacking]),
                scheme: Some(Scheme::B2b),
                one_off: Some(true),
            })
            .await;
        assert_eq!(batch.forms.len(), 1, "{batch:?}");
        let form = &batch.forms[0];
        assert_eq!(
            (form.contact_id, form.scheme, form.one_off),
            (lacking, Scheme::B2b, true)
        );
        let skipped: BTreeMap<SevdeskId, &str> = batch
            .skipped
            .iter()
            .map(|s| (s.contact_id, s.code))
            .collect();
        assert_eq!(
            skipped,
            BTreeMap::from([
                (collectible, "has_usable_mandate"),
                (unknown, "contact_missing")
            ])
        );
        let bytes = batch.pdf.expect("a PDF");
        assert_eq!(pdf::page_count(&bytes), 1);
        let text = pdf::text(&bytes);
        for expected in b2b_wording() {
            assert!(text.contains(expected), "`{expected}` not in {text}");
        }
        assert!(text.contains("SEPA Business-to-Business Direct Debit Mandate"));
        assert!(
            !text.contains("acht Wochen"),
            "no refund right in B2B: {text}"
        );
        assert!(text.contains(&form.reference));
        assert!(
            pdf::info(&bytes)
                .contains(&format!("SEPA-Firmenlastschrift-Mandat {}", form.reference))
        );
        let m = env
            .store
            .mandate_by_reference(&form.reference)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((m.scheme, m.one_off), (Scheme::B2b, true));

        // Asked again without a scheme: the reservation's; with CORE: the reservation follows.
        let again = env
            .forms(FormRequest {
                contacts: Some(vec![lacking]),
                ..FormRequest::default()
            })
            .await;
        assert_eq!(
            (
                again.forms[0].reference.as_str(),
                again.forms[0].scheme,
                again.forms[0].newly_reserved
            ),
            (form.reference.as_str(), Scheme::B2b, false)
        );
        let core = env
            .forms(FormRequest {
                contacts: Some(vec![lacking]),
                scheme: Some(Scheme::Core),
                one_off: Some(false),
            })
            .await;
        assert_eq!(core.forms[0].reference, form.reference);
        let text = pdf::text(core.pdf.as_ref().unwrap());
        assert!(text.contains(german_core()[1]), "{text}");
        let m = env
            .store
            .mandate_by_reference(&form.reference)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((m.scheme, m.one_off), (Scheme::Core, false));
        env.close().await;
    }

    pub async fn a_revoked_mandate_gets_a_successor_that_waits_for_its_own_signature(
        url: DatabaseUrl,
    ) {
        let env = Env::new(&url, true).await;
        let plan = env.app.plan(None).await.unwrap();
        // A debtor collected under the sevdesk reference with the sevdesk signature date.
        let debit = &plan.debits[0];
        let reference = debit.mandate_reference.as_str().to_owned();
        let mut old = Mandate::new(&reference, debit.contact_id, MandateSource::CsvImport);
        old.signature_date = Some(debit.signature_date);
        old.status = MandateStatus::Revoked;
        env.store.upsert_mandate(&old).await.unwrap();
        let plan = env.app.plan(None).await.unwrap();
        assert!(
            plan.exclusions
                .iter()
                .any(|e| e.contact_id == debit.contact_id && e.reason.code() == "mandate_revoked")
        );

        let batch = env
            .forms(FormRequest {
                contacts: Some(vec![debit.contact_id]),
                ..FormRequest::default()
            })
            .await;
        let successor = format!("{reference}-2");
        assert_eq!(batch.forms.len(), 1, "{batch:?}");
        assert_eq!(batch.forms[0].reference, successor);
        // sevdesk's date field belongs to the revoked mandate: the new one waits for its own.
        let plan = env.app.plan(None).await.unwrap();
        let waiting: Vec<_> = plan
            .exclusions
            .iter()
            .filter(|e| e.contact_id == debit.contact_id)
            .collect();
        assert!(!waiting.is_empty());
        for e in waiting {
            assert_eq!(e.reason.code(), "no_signature_date", "{e:?}");
            assert!(e.reason.english().contains(&successor), "{e:?}");
        }
        assert!(plan.debits.iter().all(|d| d.contact_id != debit.contact_id));
        env.close().await;
    }

    pub async fn a_creditor_without_address_gets_no_form(url: DatabaseUrl) {
        let env = Env::new(&url, false).await;
        let before = env.store.mandates().await.unwrap().len();
        let error = env
            .app
            .mandate_forms(&FormRequest::default())
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                CoreError::Form(FormError::MissingCreditorField {
                    field: "address.street"
                })
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("address.street"), "{error}");
        assert!(error.german().contains("address.street"));
        assert_eq!(
            env.store.mandates().await.unwrap().len(),
            before,
            "nothing reserved"
        );
        env.close().await;
    }
}
