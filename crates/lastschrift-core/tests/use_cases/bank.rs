//! The bank's answers through the [`App`] on SQLite and PostgreSQL: a status report (validated
//! against the ISO schema first) rejects one debit of a recorded run; the same file again changes
//! nothing; a report about another message is refused; the worklist names reason and next step.

#[allow(unused_imports)]
use test_support::backends;

use lastschrift_core::bank::BankFileOutcome;
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_store::*;

#[cfg(feature = "postgres-tests")]
use super::by_url::run_postgres;
use super::by_url::run_sqlite;
use super::installation::app;

backends!(a_status_report_rejects_a_debit_once_and_puts_it_on_the_worklist);

fn pain002(original: &str, e2e: &str, reason: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
<CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-03T10:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{original}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>{original}-1</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>
<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf></TxInfAndSts>
</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt>
</Document>
"#
    )
    .into_bytes()
}

fn debit(invoice_id: i64) -> NewDebit {
    NewDebit {
        invoice_id,
        contact_id: 100 + invoice_id,
        mandate_reference: format!("MANDAT-{invoice_id}"),
        iban: "DE02120300000000202051".into(),
        amount_cents: 10_000 + invoice_id,
        sequence_type: SequenceType::Rcur,
        end_to_end_id: format!("E2E-{invoice_id}"),
        collection_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        amendment: None,
    }
}

mod tests {
    use super::*;

    pub async fn a_status_report_rejects_a_debit_once_and_puts_it_on_the_worklist(
        url: DatabaseUrl,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&url, dir.path(), None).await;
        let store = open_url(&url).await.unwrap();
        store
            .record_collection_run(&NewCollectionRun {
                confirm_key: None,
                format: "pain.008.001.08".into(),
                control_list_csv: b"x\n".to_vec(),
                files: vec![NewCollectionFile {
                    file_name: "LS-T-1.xml".into(),
                    message_id: "LS-T-1".into(),
                    bytes: b"<Document/>".to_vec(),
                    debits: vec![debit(1), debit(2)],
                }],
            })
            .await
            .unwrap();
        let report = pain002("LS-T-1", "E2E-2", "AC04");
        test_support::assert_schema_valid(&report, &["pain.002.001.03.xsd"]);
        let first = app
            .import_bank_files(vec![("pain002.xml".into(), report.clone())], Some("anna"))
            .await
            .unwrap();
        assert_eq!(first[0].count(BankEffect::Rejected), 1, "{first:?}");
        let rejected = &store
            .debits_by_end_to_end_ids(&["E2E-2".into()])
            .await
            .unwrap()[0];
        assert_eq!(rejected.status, DebitStatus::Rejected);
        assert_eq!(rejected.status_reason.as_deref(), Some("AC04"));
        let untouched = &store
            .debits_by_end_to_end_ids(&["E2E-1".into()])
            .await
            .unwrap()[0];
        assert_eq!(untouched.status, DebitStatus::Pending);

        let again = app
            .import_bank_files(
                vec![
                    ("again.xml".into(), report),
                    (
                        "other.xml".into(),
                        pain002("SOMEBODY-ELSE", "E2E-1", "AM04"),
                    ),
                    ("nonsense.xml".into(), b"<html>Login</html>".to_vec()),
                ],
                None,
            )
            .await
            .unwrap();
        assert!(matches!(
            again[0].outcome,
            BankFileOutcome::AlreadyImported { .. }
        ));
        match &again[1].outcome {
            BankFileOutcome::Refused {
                code, message_de, ..
            } => {
                assert_eq!(*code, "not_our_message");
                assert!(message_de.contains("SOMEBODY-ELSE"), "{message_de}");
            }
            other => panic!("a report about another message is refused: {other:?}"),
        }
        assert!(matches!(again[2].outcome, BankFileOutcome::Refused { .. }));
        assert_eq!(store.bank_imports().await.unwrap().len(), 1);
        assert_eq!(
            store
                .debits_by_end_to_end_ids(&["E2E-1".into()])
                .await
                .unwrap()[0]
                .status,
            DebitStatus::Pending,
            "nothing of a refused file applies"
        );

        let worklist = app.worklist().await.unwrap();
        assert_eq!(worklist.len(), 1);
        assert_eq!(worklist[0].follow_up, FollowUp::BlockMandate);
        assert_eq!(
            worklist[0].reason.as_ref().unwrap().german,
            "Konto aufgelöst"
        );
        assert!(worklist[0].next.german.contains("gesperrt"));
        app.decide_follow_up(rejected.id, FollowUp::Done, Some("anna"))
            .await
            .unwrap();
        assert!(!app.worklist().await.unwrap()[0].open());
        store.close().await;
    }
}
