//! Single mandates through the [`App`] (what `lastschrift mandates add|revoke|attach` and the web
//! form call), against the sandbox, on SQLite and PostgreSQL: the checks of the import, the
//! registry governing the contact at once, one reference entered once even when entered at the
//! same moment, revocation with its date, the signed copy kept byte for byte.

#[allow(unused_imports)]
use test_support::backends;

use std::sync::Arc;

use lastschrift_core::collect::ExclusionReason;
use lastschrift_core::mandates::{EntryForm, MAX_DOCUMENT_BYTES, MandateError, NewMandate};
use lastschrift_core::secret::SevdeskToken;
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_core::sync::NoProgress;
use lastschrift_core::{App, CoreError};
use lastschrift_store::*;
use sevdesk_sandbox::Sandbox;

#[cfg(feature = "postgres-tests")]
use super::by_url::run_postgres;
use super::by_url::run_sqlite;
use super::installation::app;

backends!(
    a_mandate_entered_by_hand_governs_its_contact_at_once,
    a_single_mandate_passes_the_checks_of_the_import,
    one_reference_entered_at_the_same_time_is_stored_once,
    a_revoked_mandate_collects_nothing_and_keeps_its_date,
    the_signed_copy_is_kept_byte_for_byte_and_checked,
);

struct Env {
    sb: Sandbox,
    app: Arc<App>,
    /// The installation's database, read beside the app.
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

async fn env(url: DatabaseUrl) -> Env {
    let sb = crate::sandbox(160).await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&url, dir.path(), Some(sb.base_url())).await;
    app.store_token(&SevdeskToken::new(sb.token()).unwrap())
        .await
        .unwrap();
    app.sync(&NoProgress).await.unwrap();
    Env {
        sb,
        app: Arc::new(app),
        store: open_url(&url).await.unwrap(),
        _dir: dir,
    }
}

/// A contact the plan holds back for lack of a mandate, with a customer number and an IBAN that
/// is valid (so that a mandate is all it lacks).
async fn contact_without_mandate(env: &Env) -> Contact {
    let app = &env.app;
    let plan = app.plan(None).await.unwrap();
    for exclusion in &plan.exclusions {
        if !matches!(
            exclusion.reason,
            ExclusionReason::NoMandateReference | ExclusionReason::NoSignatureDate { .. }
        ) {
            continue;
        }
        let contact = env
            .store
            .contact(exclusion.contact_id)
            .await
            .unwrap()
            .unwrap();
        let other_problems = plan.exclusions.iter().any(|e| {
            e.contact_id == contact.id
                && !matches!(
                    e.reason,
                    ExclusionReason::NoMandateReference | ExclusionReason::NoSignatureDate { .. }
                )
        });
        if contact.customer_number.is_some()
            && contact
                .iban
                .as_deref()
                .is_some_and(|iban| sepa::Iban::parse(iban).is_ok())
            && !other_problems
        {
            return contact;
        }
    }
    panic!("the sandbox has no contact that lacks only a mandate");
}

fn entry(reference: &str, customer_number: &str, signed: &str) -> NewMandate {
    NewMandate {
        reference: Some(reference.into()),
        customer_number: Some(customer_number.into()),
        signature_date: Some(signed.into()),
        ..NewMandate::default()
    }
}

fn refusal(result: Result<Mandate, CoreError>) -> MandateError {
    match result {
        Err(CoreError::Mandate(error)) => error,
        other => panic!("the entry must be refused, got {other:?}"),
    }
}

mod tests {
    use super::*;

    pub async fn a_mandate_entered_by_hand_governs_its_contact_at_once(url: DatabaseUrl) {
        let env = env(url).await;
        let contact = contact_without_mandate(&env).await;
        let number = contact.customer_number.clone().unwrap();
        let stored = env
            .app
            .add_mandate(
                &NewMandate {
                    scheme: Some("Basis".into()),
                    kind: Some("wiederkehrend".into()),
                    ..entry("HAND-0001", &number, "01.10.2026")
                },
                EntryForm::Web,
            )
            .await
            .unwrap();
        assert_eq!(stored.contact_id, contact.id);
        assert_eq!(stored.source, MandateSource::Manual);
        assert_eq!(stored.status, MandateStatus::Active);
        assert_eq!(stored.signature_date.unwrap().to_string(), "2026-10-01");

        let plan = env.app.plan(None).await.unwrap();
        let debit = plan
            .debits
            .iter()
            .find(|d| d.contact_id == contact.id)
            .unwrap_or_else(|| {
                panic!(
                    "the contact is still held back: {:?}",
                    plan.exclusions
                        .iter()
                        .filter(|e| e.contact_id == contact.id)
                        .collect::<Vec<_>>()
                )
            });
        assert_eq!(debit.mandate_reference.as_str(), "HAND-0001");
        // The default policy: every debit RCUR (a recurrent mandate, not OOFF).
        assert_eq!(debit.sequence_type, SequenceType::Rcur);
        assert!(
            debit
                .reference_source
                .english
                .contains("from the mandate registry"),
            "{:?}",
            debit.reference_source
        );
        assert!(
            !plan
                .exclusions
                .iter()
                .any(|e| e.contact_id == contact.id && e.reason.needs_mandate_data()),
            "the contact is off the needs-mandate list"
        );
        env.sb.shutdown().await;
    }

    pub async fn a_single_mandate_passes_the_checks_of_the_import(url: DatabaseUrl) {
        let env = env(url).await;
        let app = &env.app;
        let contact = contact_without_mandate(&env).await;
        let number = contact.customer_number.clone().unwrap();

        // The sandbox's today is 2026-11-28 and the clock says 2026-11-27.
        let future = refusal(
            app.add_mandate(&entry("HAND-1", &number, "01.12.2026"), EntryForm::Web)
                .await,
        );
        assert_eq!(future.code(), "mandate_invalid");
        assert!(
            future.german().contains("Unterschriftsdatum") && future.german().contains("Zukunft"),
            "{}",
            future.german()
        );
        let flag = refusal(
            app.add_mandate(
                &entry("HAND-1", &number, "01.12.2026"),
                EntryForm::CommandLine,
            )
            .await,
        );
        assert!(
            flag.to_string().contains("--signature-date") && flag.to_string().contains("future"),
            "{flag}"
        );
        let unknown = refusal(
            app.add_mandate(&entry("HAND-1", "NO-SUCH-99", "01.10.2026"), EntryForm::Web)
                .await,
        );
        assert!(unknown.to_string().contains("NO-SUCH-99"), "{unknown}");
        let bad_reference = refusal(
            app.add_mandate(&entry("MANDAT-Ä1", &number, "01.10.2026"), EntryForm::Web)
                .await,
        );
        assert!(
            bad_reference.to_string().contains("Mandatsreferenz"),
            "{bad_reference}"
        );
        let no_date = refusal(
            app.add_mandate(
                &NewMandate {
                    signature_date: None,
                    ..entry("HAND-1", &number, "")
                },
                EntryForm::Web,
            )
            .await,
        );
        assert!(
            no_date.german().contains("Unterschrift"),
            "{}",
            no_date.german()
        );
        let bad_scheme = refusal(
            app.add_mandate(
                &NewMandate {
                    scheme: Some("COR1".into()),
                    ..entry("HAND-1", &number, "01.10.2026")
                },
                EntryForm::CommandLine,
            )
            .await,
        );
        assert!(bad_scheme.to_string().contains("--scheme"), "{bad_scheme}");
        let no_contact = refusal(
            app.add_mandate(
                &NewMandate {
                    customer_number: None,
                    ..entry("HAND-1", "", "01.10.2026")
                },
                EntryForm::CommandLine,
            )
            .await,
        );
        assert!(
            no_contact.to_string().contains("--contact")
                && no_contact.to_string().contains("--customer-number"),
            "{no_contact}"
        );
        assert!(
            env.store.mandates().await.unwrap().is_empty(),
            "nothing stored"
        );

        app.add_mandate(&entry("HAND-1", &number, "01.10.2026"), EntryForm::Web)
            .await
            .unwrap();
        let again = refusal(
            app.add_mandate(&entry("HAND-1", &number, "02.10.2026"), EntryForm::Web)
                .await,
        );
        assert!(matches!(
            again,
            MandateError::ReferenceTaken { stored: None, .. }
        ));
        let other_case = refusal(
            app.add_mandate(&entry("hand-1", &number, "02.10.2026"), EntryForm::Web)
                .await,
        );
        match &other_case {
            MandateError::ReferenceTaken { stored, .. } => {
                assert_eq!(stored.as_deref(), Some("HAND-1"))
            }
            other => panic!("expected the case clash, got {other:?}"),
        }
        assert!(other_case.german().contains("Groß-/Kleinschreibung"));
        assert_eq!(env.store.mandates().await.unwrap().len(), 1);
        env.sb.shutdown().await;
    }

    pub async fn one_reference_entered_at_the_same_time_is_stored_once(url: DatabaseUrl) {
        let env = env(url).await;
        let contact = contact_without_mandate(&env).await;
        let number = contact.customer_number.clone().unwrap();
        let mut tasks = Vec::new();
        for clerk in 0..8 {
            let app = env.app.clone();
            let reference = if clerk % 2 == 0 { "RACE-1" } else { "race-1" };
            let entry = entry(reference, &number, "01.10.2026");
            tasks.push(tokio::spawn(async move {
                app.add_mandate(&entry, EntryForm::Web).await
            }));
        }
        let mut stored = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => stored += 1,
                Err(CoreError::Mandate(MandateError::ReferenceTaken { .. })) => {}
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        assert_eq!(stored, 1);
        assert_eq!(env.store.mandates().await.unwrap().len(), 1);
        env.sb.shutdown().await;
    }

    pub async fn a_revoked_mandate_collects_nothing_and_keeps_its_date(url: DatabaseUrl) {
        let env = env(url).await;
        let app = &env.app;
        let contact = contact_without_mandate(&env).await;
        let number = contact.customer_number.clone().unwrap();
        app.add_mandate(&entry("HAND-REV", &number, "01.10.2026"), EntryForm::Web)
            .await
            .unwrap();
        let future = app
            .revoke_mandate("HAND-REV", Some("30.11.2026"), None)
            .await;
        assert!(
            matches!(
                future,
                Err(CoreError::Mandate(MandateError::RevocationInFuture { .. }))
            ),
            "{future:?}"
        );
        let early = app
            .revoke_mandate("HAND-REV", Some("30.09.2026"), None)
            .await;
        assert!(
            matches!(
                early,
                Err(CoreError::Mandate(
                    MandateError::RevocationBeforeSignature { .. }
                ))
            ),
            "{early:?}"
        );
        let unknown = app.revoke_mandate("NOPE-1", None, None).await;
        assert!(matches!(
            unknown,
            Err(CoreError::Mandate(MandateError::UnknownMandate(_)))
        ));

        let (mandate, revocation) = app
            .revoke_mandate("HAND-REV", Some("20.11.2026"), Some("Anruf"))
            .await
            .unwrap();
        assert_eq!(mandate.status, MandateStatus::Revoked);
        assert_eq!(revocation.revoked_on.to_string(), "2026-11-20");
        let plan = app.plan(None).await.unwrap();
        assert!(!plan.debits.iter().any(|d| d.contact_id == contact.id));
        assert!(
            plan.exclusions.iter().any(|e| e.contact_id == contact.id
                && e.reason
                    == ExclusionReason::MandateRevoked {
                        reference: "HAND-REV".into()
                    }),
            "the revoked mandate is named"
        );
        let detail = app
            .mandate("HAND-REV", app.bank_today())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(detail.revocation, Some(revocation.clone()));
        let twice = app.revoke_mandate("HAND-REV", None, None).await;
        assert!(matches!(
            twice,
            Err(CoreError::Mandate(MandateError::AlreadyRevoked(_)))
        ));
        assert_eq!(
            app.mandate_revocation("HAND-REV").await.unwrap(),
            Some(revocation)
        );
        env.sb.shutdown().await;
    }

    pub async fn the_signed_copy_is_kept_byte_for_byte_and_checked(url: DatabaseUrl) {
        let env = env(url).await;
        let app = &env.app;
        let contact = contact_without_mandate(&env).await;
        let number = contact.customer_number.clone().unwrap();
        app.add_mandate(&entry("HAND-DOC", &number, "01.10.2026"), EntryForm::Web)
            .await
            .unwrap();
        let refused = |result: Result<MandateDocumentInfo, CoreError>| match result {
            Err(CoreError::Mandate(error)) => error,
            other => panic!("the copy must be refused, got {other:?}"),
        };

        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend((0..=255u8).cycle().take(40_000));
        let info = app
            .attach_mandate_document("HAND-DOC", "/home/anna/Scans/Mandat.pdf", pdf.clone(), None)
            .await
            .unwrap();
        assert_eq!(info.file_name, "Mandat.pdf");
        assert_eq!(info.content_type, DocumentType::Pdf);
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let newer = app
            .attach_mandate_document("HAND-DOC", "foto.png", png, Some("anna"))
            .await
            .unwrap();
        assert_eq!(newer.content_type, DocumentType::Png);
        let read = app
            .mandate_document("HAND-DOC", info.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.bytes, pdf);
        let detail = app
            .mandate("HAND-DOC", app.bank_today())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(detail.documents, vec![newer, info]);

        let html = refused(
            app.attach_mandate_document("HAND-DOC", "mandat.pdf", b"<html>".to_vec(), None)
                .await,
        );
        assert!(matches!(html, MandateError::UnsupportedDocument { .. }));
        assert!(html.german().contains("mandat.pdf"));
        let mut large = b"%PDF-1.4\n".to_vec();
        large.resize(MAX_DOCUMENT_BYTES + 1, b'x');
        let too_large = refused(
            app.attach_mandate_document("HAND-DOC", "riesig.pdf", large, None)
                .await,
        );
        assert!(matches!(too_large, MandateError::DocumentTooLarge { .. }));
        let empty = refused(
            app.attach_mandate_document("HAND-DOC", "leer.pdf", Vec::new(), None)
                .await,
        );
        assert!(matches!(empty, MandateError::EmptyDocument { .. }));
        let unknown = refused(
            app.attach_mandate_document("NOPE-2", "m.pdf", b"%PDF-1.4".to_vec(), None)
                .await,
        );
        assert!(matches!(unknown, MandateError::UnknownMandate(_)));
        assert_eq!(app.mandate_documents("HAND-DOC").await.unwrap().len(), 2);
        env.sb.shutdown().await;
    }
}
