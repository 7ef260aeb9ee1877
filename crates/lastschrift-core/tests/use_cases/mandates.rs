//! The mandate use cases (`lastschrift_core::mandates`) on both backends: CSV import with German and
//! English headers, per-row results for bad rows, re-import, kept collection history, and the
//! derived status in the list and the detail view.

#[allow(unused_imports)]
use test_support::backends;

use std::sync::Arc;

use chrono::NaiveDate;
use lastschrift_core::mandates::{self, EffectiveStatus, ImportError, RowOutcome};
use lastschrift_store::*;

#[cfg(feature = "postgres-tests")]
use super::by_store::run_postgres;
use super::by_store::run_sqlite;

backends!(
    german_semicolon_headers_with_bom,
    english_comma_headers_with_contact_ids,
    bad_rows_are_reported_and_good_rows_stored,
    header_problems_stop_before_anything_is_stored,
    reimport_is_unchanged_and_keeps_collection_history,
    status_is_derived_in_list_and_show,
    references_differing_only_in_case_are_refused,
    one_off_and_ending_mandates_are_imported_by_their_kind,
    a_long_import_whose_caller_went_away_stops_and_keeps_whole_chunks,
);

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const TODAY: fn() -> NaiveDate = || date(2026, 11, 29);

fn contact(id: i64, customer_number: &str, name: &str) -> Contact {
    test_support::organisation(id, customer_number, name, "DE02120300000000202051")
}

/// Three customers, and two contacts sharing customer number 2000 (sevdesk allows that).
async fn seed_contacts(store: &dyn Store) {
    store
        .upsert_contacts(&[
            contact(11, "1001", "Bäckerei Müller GmbH"),
            contact(12, "1002", "Schmidt & Söhne KG"),
            contact(13, "1003", "Anna Weber"),
            contact(21, "2000", "Doppelt A"),
            contact(22, "2000", "Doppelt B"),
        ])
        .await
        .unwrap();
}

fn outcomes(report: &mandates::ImportReport) -> Vec<(u64, Option<&str>, &RowOutcome)> {
    report
        .rows
        .iter()
        .map(|r| (r.row, r.reference.as_deref(), &r.outcome))
        .collect()
}

fn error_of(report: &mandates::ImportReport, row: u64) -> &str {
    match report
        .rows
        .iter()
        .find(|r| r.row == row)
        .map(|r| &r.outcome)
    {
        Some(RowOutcome::Error {
            message,
            message_de,
        }) => {
            // Every row error has its German sentence for the web.
            assert!(
                !message_de.is_empty() && message_de != message,
                "line {row}: no German for {message}"
            );
            message
        }
        other => panic!("line {row}: expected an error, got {other:?}"),
    }
}

fn debit(invoice_id: i64, reference: &str, e2e: &str, day: NaiveDate, iban: &str) -> NewDebit {
    NewDebit {
        invoice_id,
        contact_id: 11,
        mandate_reference: reference.into(),
        iban: iban.into(),
        amount_cents: 11_900,
        sequence_type: SequenceType::Rcur,
        end_to_end_id: e2e.into(),
        collection_date: day,
        amendment: None,
    }
}

fn run_of(message_id: &str, debits: Vec<NewDebit>) -> NewCollectionRun {
    NewCollectionRun {
        confirm_key: None,
        format: "pain.008.001.08".into(),
        control_list_csv: b"Rechnung;Betrag\n".to_vec(),
        files: vec![NewCollectionFile {
            file_name: format!("{message_id}.xml"),
            message_id: message_id.into(),
            bytes: format!("<Document>{message_id}</Document>").into_bytes(),
            debits,
        }],
    }
}

mod tests {
    use super::*;

    pub async fn german_semicolon_headers_with_bom(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        let csv = "\u{feff}Mandatsreferenz;KUNDENNUMMER;Unterschriftsdatum;Art;Status;Erste Lastschrift;Letzte Lastschrift\r\n\
                   MANDAT-1001;1001;15.03.2021;Basis;aktiv;01.04.2021;01.10.2026\r\n\
                   MANDAT-1002 ; 1002 ;2.11.2025;Firmen;;;\r\n\
                   ;;;;;;\r\n\
                   MANDAT-1003;1003;01.06.2019;;Widerrufen;;\r\n";
        let report = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(
            outcomes(&report),
            vec![
                (2, Some("MANDAT-1001"), &RowOutcome::Created),
                (3, Some("MANDAT-1002"), &RowOutcome::Created),
                // Line 4 is empty (a spreadsheet's trailing separators) and is skipped.
                (5, Some("MANDAT-1003"), &RowOutcome::Created),
            ]
        );
        assert_eq!((report.created(), report.errors()), (3, 0), "{report:?}");

        let first = store.mandate_by_reference("MANDAT-1001").await.unwrap();
        assert_eq!(
            first,
            Some(Mandate {
                reference: "MANDAT-1001".into(),
                contact_id: 11,
                signature_date: Some(date(2021, 3, 15)),
                scheme: Scheme::Core,
                status: MandateStatus::Active,
                first_collection: Some(date(2021, 4, 1)),
                last_collection: Some(date(2026, 10, 1)),
                last_iban: None,
                last_reference: None,
                source: MandateSource::CsvImport,
                one_off: false,
                ending: false,
            })
        );
        let second = store
            .mandate_by_reference("MANDAT-1002")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                second.contact_id,
                second.scheme,
                second.status,
                second.signature_date
            ),
            (
                12,
                Scheme::B2b,
                MandateStatus::Active,
                Some(date(2025, 11, 2))
            )
        );
        assert_eq!(second.first_collection, None);
        let third = store
            .mandate_by_reference("MANDAT-1003")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (third.contact_id, third.scheme, third.status),
            (13, Scheme::Core, MandateStatus::Revoked)
        );
        assert_eq!(store.mandates().await.unwrap().len(), 3);
    }

    pub async fn english_comma_headers_with_contact_ids(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        let csv = "reference,Contact_ID,signature_date,scheme,status,first_collection\n\
                   \"LS-2024-1002\",12,2024-02-01,b2b,revoked,2024-03-01\n\
                   \"MR 13, Weber\",13,2023-12-31,CORE,active,\n";
        let report = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(report.errors(), 0, "{report:?}");
        assert_eq!(report.created(), 2);
        let b2b = store
            .mandate_by_reference("LS-2024-1002")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (b2b.contact_id, b2b.scheme, b2b.status, b2b.first_collection),
            (
                12,
                Scheme::B2b,
                MandateStatus::Revoked,
                Some(date(2024, 3, 1))
            )
        );
        // A quoted value may hold the separator; spaces inside a reference are allowed.
        let quoted = store
            .mandate_by_reference("MR 13, Weber")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(quoted.contact_id, 13);
        assert_eq!(quoted.signature_date, Some(date(2023, 12, 31)));
    }

    pub async fn one_off_and_ending_mandates_are_imported_by_their_kind(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        let csv = "Mandatsreferenz;Kontakt-ID;Unterschriftsdatum;Typ\n\
                   EINMAL-12;12;01.02.2024;einmalig\n\
                   ENDE-13;13;01.02.2024;endet\n\
                   LAUFEND-11;11;01.02.2024;\n\
                   FALSCH-11;11;01.02.2024;manchmal\n";
        let report = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!((report.created(), report.errors()), (3, 1), "{report:?}");
        let kind = |m: Mandate| (m.one_off, m.ending);
        let get = |r: &'static str| {
            let store = store.clone();
            async move { store.mandate_by_reference(r).await.unwrap().unwrap() }
        };
        assert_eq!(kind(get("EINMAL-12").await), (true, false));
        assert_eq!(kind(get("ENDE-13").await), (false, true));
        assert_eq!(kind(get("LAUFEND-11").await), (false, false));
        let refused = format!("{report:?}");
        assert!(
            refused.contains("manchmal") && refused.contains("Mandatstyp"),
            "{refused}"
        );
    }

    pub async fn bad_rows_are_reported_and_good_rows_stored(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        let too_long = "M".repeat(36);
        let csv = format!(
            "Mandatsreferenz;Kundennummer;Kontakt-ID;Unterschriftsdatum;Art;Letzte Lastschrift\n\
             GOOD-1;1001;;01.02.2024;CORE;\n\
             BAD-DATE;1001;;31.02.2024;CORE;\n\
             BAD-SCHEME;1002;;01.02.2024;Sofort;\n\
             {too_long};1002;;01.02.2024;B2B;\n\
             BAD-CUSTOMER;9999;;01.02.2024;;\n\
             GOOD-2;;13;2024-05-06;Firmen;\n\
             FUTURE;1003;;01.01.2027;;\n\
             GOOD-1;1001;;01.02.2024;CORE;\n\
             ;1001;;01.02.2024;;\n\
             AMBIGUOUS;2000;;01.02.2024;;\n\
             MISMATCH;1001;12;01.02.2024;;\n\
             BAD-UMLAUT-Ä;1001;;01.02.2024;;\n\
             NO-DATE;1001;;;;\n\
             TOO-EARLY;1001;;01.02.2024;;01.02.2023\n\
             BAD-ID;;zwölf;01.02.2024;;\n"
        );
        let report = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(report.rows.len(), 15, "{report:#?}");
        assert_eq!(report.created(), 2);
        assert_eq!(report.errors(), 13);
        assert_eq!(report.rows[0].outcome, RowOutcome::Created);
        assert_eq!(report.rows[5].outcome, RowOutcome::Created);
        assert_eq!(report.rows[5].reference.as_deref(), Some("GOOD-2"));

        // Every message names the column as written in the file and the value.
        let expectations: &[(u64, &[&str])] = &[
            (3, &["Unterschriftsdatum", "`31.02.2024`", "not a date"]),
            (4, &["Art", "`Sofort`", "CORE", "B2B"]),
            (5, &["Mandatsreferenz", &too_long, "35 characters"]),
            (6, &["Kundennummer", "`9999`", "no synced sevdesk contact"]),
            (8, &["Unterschriftsdatum", "`01.01.2027`", "future"]),
            (9, &["Mandatsreferenz", "`GOOD-1`", "line 2"]),
            (10, &["Mandatsreferenz", "empty"]),
            (
                11,
                &["Kundennummer", "`2000`", "2 sevdesk contacts", "21, 22"],
            ),
            (12, &["Kontakt-ID", "Kundennummer", "different contacts"]),
            (13, &["Mandatsreferenz", "BAD-UMLAUT-Ä", "Ä"]),
            (14, &["Unterschriftsdatum", "empty"]),
            (
                15,
                &["Letzte Lastschrift", "01.02.2023", "Unterschriftsdatum"],
            ),
            (16, &["Kontakt-ID", "`zwölf`"]),
        ];
        for (row, parts) in expectations {
            let message = error_of(&report, *row);
            for part in *parts {
                assert!(
                    message.contains(part),
                    "line {row}: `{part}` missing in: {message}"
                );
            }
        }
        // The scheme error must not be reported for a row whose date already failed, etc.:
        // exactly one result per row, in file order.
        let rows: Vec<u64> = report.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, (2..=16).collect::<Vec<_>>());

        let stored: Vec<String> = store
            .mandates()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.reference)
            .collect();
        assert_eq!(stored, vec!["GOOD-1".to_string(), "GOOD-2".to_string()]);
        let good2 = store.mandate_by_reference("GOOD-2").await.unwrap().unwrap();
        assert_eq!((good2.contact_id, good2.scheme), (13, Scheme::B2b));
    }

    pub async fn header_problems_stop_before_anything_is_stored(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        let cases: &[(&[u8], &str)] = &[
            (
                b"Mandatsreferenz;Kundennummer;Unterschriftsdatum;IBAN\nM-1;1001;01.02.2024;DE02\n",
                "`IBAN` is not known",
            ),
            (
                b"Kundennummer;Unterschriftsdatum\n1001;01.02.2024\n",
                "reference (Mandatsreferenz) is missing",
            ),
            (
                b"reference,signature_date\nM-1,2024-02-01\n",
                "customer_number (Kundennummer) or contact_id",
            ),
            (b"reference;customer_number\nM-1;1001\n", "signature_date"),
            (
                b"reference;Mandatsreferenz;Kundennummer;Mandatsdatum\nM-1;M-1;1001;01.02.2024\n",
                "`reference` and `Mandatsreferenz` both mean the mandate reference",
            ),
            // Windows-1252 "Müller" in line 2: Excel's classic CSV, not UTF-8.
            (
                b"Mandatsreferenz;Kundennummer;Unterschriftsdatum\nM-M\xfcller;1001;01.02.2024\n",
                "not UTF-8 text (line 2",
            ),
            (b"\xef\xbb\xbf\n\n", "empty"),
        ];
        for (bytes, expected) in cases {
            let error = mandates::import_csv(&*store, bytes, TODAY())
                .await
                .expect_err("the import must stop");
            assert!(!matches!(error, ImportError::Store { .. }), "{error:?}");
            assert!(
                error.to_string().contains(expected),
                "expected `{expected}` in: {error}"
            );
        }
        assert!(store.mandates().await.unwrap().is_empty());
    }

    pub async fn reimport_is_unchanged_and_keeps_collection_history(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        let csv = "Mandatsreferenz;Kundennummer;Unterschriftsdatum;Art\n\
                   MANDAT-1001;1001;15.03.2021;Basis\n\
                   MANDAT-1002;1002;02.11.2025;Firmen\n";
        let first = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(first.created(), 2);
        let again = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(
            outcomes(&again),
            vec![
                (2, Some("MANDAT-1001"), &RowOutcome::Unchanged),
                (3, Some("MANDAT-1002"), &RowOutcome::Unchanged),
            ]
        );

        // A collection run moves first/last collection and the last IBAN of MANDAT-1001.
        let iban = "DE89370400440532013000";
        store
            .record_collection_run(&run_of(
                "MSG-1",
                vec![debit(
                    501,
                    "MANDAT-1001",
                    "E2E-501",
                    date(2026, 11, 2),
                    iban,
                )],
            ))
            .await
            .unwrap();
        let collected = store
            .mandate_by_reference("MANDAT-1001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(collected.last_collection, Some(date(2026, 11, 2)));

        // The same file again changes nothing: the history the run wrote is kept.
        let third = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(third.unchanged(), 2, "{third:?}");
        assert_eq!(
            store.mandate_by_reference("MANDAT-1001").await.unwrap(),
            Some(collected.clone())
        );

        // A changed scheme, and an old tool's collection dates: the scheme changes, the first
        // collection moves back to the older date, the newer last collection and the IBAN stay.
        let changed = "Mandatsreferenz;Kundennummer;Unterschriftsdatum;Art;Erste Lastschrift;Letzte Lastschrift\n\
                       MANDAT-1001;1001;15.03.2021;Firmen;01.04.2021;01.06.2024\n\
                       MANDAT-1002;1002;02.11.2025;Firmen;;\n";
        let fourth = mandates::import_csv(&*store, changed.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(
            outcomes(&fourth),
            vec![
                (2, Some("MANDAT-1001"), &RowOutcome::Updated),
                (3, Some("MANDAT-1002"), &RowOutcome::Unchanged),
            ]
        );
        let updated = store
            .mandate_by_reference("MANDAT-1001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(updated.scheme, Scheme::B2b);
        assert_eq!(updated.first_collection, Some(date(2021, 4, 1)));
        assert_eq!(updated.last_collection, Some(date(2026, 11, 2)));
        assert_eq!(updated.last_iban.as_deref(), Some(iban));
        assert_eq!(updated.last_reference.as_deref(), Some("MANDAT-1001"));
        assert_eq!(updated.source, MandateSource::CsvImport);
    }

    pub async fn status_is_derived_in_list_and_show(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        // Signed in 2020 and never used: expired 36 months after signing. Last used 2023-12-01:
        // active until 2026-12-01. Revoked wins over everything.
        let csv = "reference;customer_number;signature_date;status;last_collection\n\
                   OLD-UNUSED;1001;01.02.2020;;\n\
                   RECENT;1002;01.02.2020;;01.12.2023\n\
                   GONE;1003;01.02.2024;revoked;\n";
        let report = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(report.created(), 3, "{report:?}");

        let list = mandates::list(&*store, TODAY()).await.unwrap();
        let statuses: Vec<(&str, EffectiveStatus)> = list
            .iter()
            .map(|v| (v.reference.as_str(), v.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                ("GONE", EffectiveStatus::Revoked),
                ("OLD-UNUSED", EffectiveStatus::Expired),
                ("RECENT", EffectiveStatus::Active),
            ]
        );
        let recent = &list[2];
        assert_eq!(recent.contact_name.as_deref(), Some("Schmidt & Söhne KG"));
        assert_eq!(recent.customer_number.as_deref(), Some("1002"));
        assert_eq!(recent.signature_date, Some(date(2020, 2, 1)));
        // One day after the 36 months, RECENT has lapsed too.
        let later = mandates::list(&*store, date(2026, 12, 2)).await.unwrap();
        assert_eq!(later[2].status, EffectiveStatus::Expired);

        // show: the contact, the debits under the reference, and an amendment.
        let mut amended = debit(
            601,
            "RECENT",
            "E2E-601",
            date(2026, 12, 4),
            "DE89370400440532013000",
        );
        amended.contact_id = 12;
        amended.amendment = Some(Amendment {
            original_reference: None,
            original_iban: Some("DE02120300000000202051".into()),
        });
        let run = store
            .record_collection_run(&run_of(
                "MSG-6",
                vec![
                    amended,
                    debit(
                        602,
                        "GONE-ELSEWHERE",
                        "E2E-602",
                        date(2026, 12, 4),
                        "DE02120300000000202051",
                    ),
                ],
            ))
            .await
            .unwrap();
        let detail = mandates::show(&*store, " RECENT ", TODAY())
            .await
            .unwrap()
            .expect("RECENT exists");
        assert_eq!(detail.view.status, EffectiveStatus::Active);
        assert_eq!(detail.view.last_collection, Some(date(2026, 12, 4)));
        assert_eq!(
            detail.contact.as_ref().map(|c| c.id),
            Some(12),
            "{detail:?}"
        );
        assert_eq!(detail.debits.len(), 1);
        assert_eq!(detail.debits[0].invoice_id, 601);
        assert_eq!(detail.debits[0].run_id, run.id);
        assert_eq!(detail.amendments.len(), 1);
        assert_eq!(
            detail.amendments[0].original_iban.as_deref(),
            Some("DE02120300000000202051")
        );
        assert_eq!(detail.last_iban.as_deref(), Some("DE89370400440532013000"));
        assert!(
            mandates::show(&*store, "NOPE", TODAY())
                .await
                .unwrap()
                .is_none()
        );
        // The JSON the CLI and web UI hand out carries the derived status.
        let json = serde_json::to_value(&detail).unwrap();
        assert_eq!(json["status"], "active");
        assert_eq!(json["reference"], "RECENT");
        assert_eq!(json["debits"][0]["status"], "pending");
    }

    pub async fn references_differing_only_in_case_are_refused(store: Arc<dyn Store>) {
        seed_contacts(&*store).await;
        let first = "Mandatsreferenz;Kundennummer;Unterschriftsdatum\n\
                     MANDAT-1001;1001;15.03.2021\n\
                     mandat-1001;1001;15.03.2021\n";
        let report = mandates::import_csv(&*store, first.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(report.rows[0].outcome, RowOutcome::Created);
        let message = error_of(&report, 3);
        assert!(
            message.contains(
                "`mandat-1001` differs only in upper/lower case from `MANDAT-1001` in line 2"
            ),
            "{message}"
        );

        let second = "Mandatsreferenz;Kundennummer;Unterschriftsdatum\n\
                      Mandat-1001;1001;15.03.2021\n\
                      MANDAT-1001;1001;15.03.2021\n";
        let report = mandates::import_csv(&*store, second.as_bytes(), TODAY())
            .await
            .unwrap();
        let message = error_of(&report, 2);
        assert!(
            message
                .contains("differs only in upper/lower case from the stored mandate `MANDAT-1001`"),
            "{message}"
        );
        assert_eq!(report.rows[1].outcome, RowOutcome::Unchanged);
        let stored: Vec<String> = store
            .mandates()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.reference)
            .collect();
        assert_eq!(stored, vec!["MANDAT-1001".to_string()]);
    }

    /// Regression: a long upload went on for minutes after the client had gone away. The
    /// import stops where its future is dropped (it yields between rows) and writes in whole
    /// transactions, so what is stored is a number of complete chunks; the same file imported
    /// again completes it.
    pub async fn a_long_import_whose_caller_went_away_stops_and_keeps_whole_chunks(
        store: Arc<dyn Store>,
    ) {
        let n: i64 = 30_000;
        let contacts: Vec<Contact> = (1..=n)
            .map(|id| contact(id, &format!("K{id}"), &format!("Kunde {id}")))
            .collect();
        store.upsert_contacts(&contacts).await.unwrap();
        let mut csv = String::from("Mandatsreferenz;Kontakt-ID;Unterschriftsdatum\n");
        for id in 1..=n {
            csv.push_str(&format!("MR-{id:06};{id};01.02.2024\n"));
        }
        let gone = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            mandates::import_csv(&*store, csv.as_bytes(), TODAY()),
        )
        .await;
        assert!(
            gone.is_err(),
            "30 000 rows took less than 300 ms: the test proves nothing"
        );
        // Dropped: nothing goes on in the background.
        let stored = store.mandates().await.unwrap().len();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(
            store.mandates().await.unwrap().len(),
            stored,
            "work went on"
        );
        assert!(stored < n as usize, "{stored}");
        assert_eq!(stored % 1000, 0, "whole chunks only: {stored}");

        let report = mandates::import_csv(&*store, csv.as_bytes(), TODAY())
            .await
            .unwrap();
        assert_eq!(report.rows.len(), n as usize);
        assert_eq!(report.unchanged(), stored);
        assert_eq!(store.mandates().await.unwrap().len(), n as usize);
        assert_eq!(report.rows.last().unwrap().row, n as u64 + 1);
    }
}
