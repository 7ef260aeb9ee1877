//! `lastschrift runs list|show|file|controls` and `lastschrift debits return|cancel` as the real
//! binary. The run is recorded directly through the store into the data directory's SQLite file
//! (as `collect` would), then read back through the binary: the file bytes and the control list
//! must come out byte for byte, `--json` must parse, unknown ids exit 2 with a hint, and marking
//! a debit frees its invoice in the ledger.

#[cfg(feature = "postgres-tests")]
use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use chrono::NaiveDate;
use lastschrift_core::settings::{DatabaseUrl, SQLITE_FILE_NAME};
use lastschrift_store::*;

use super::lastschrift;

async fn open(dir: &Path) -> Arc<dyn Store> {
    open_url(&DatabaseUrl::sqlite_file(&dir.join(SQLITE_FILE_NAME)))
        .await
        .expect("open the data directory's SQLite file")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn debit(invoice_id: i64, contact_id: i64, amount_cents: i64) -> NewDebit {
    NewDebit {
        invoice_id,
        contact_id,
        mandate_reference: format!("MANDAT-{contact_id}"),
        iban: "DE02120300000000202051".into(),
        amount_cents,
        sequence_type: SequenceType::Rcur,
        end_to_end_id: format!("E2E-{invoice_id}"),
        collection_date: date(2026, 12, 4),
        amendment: None,
    }
}

fn invoice(id: i64, contact_id: i64, cents: i64) -> Invoice {
    Invoice {
        id,
        number: Some(format!("RE-{id}")),
        invoice_type: "RE".into(),
        status: 200,
        contact_id,
        currency: "EUR".into(),
        sum_gross_cents: cents,
        paid_cents: 0,
        payment_method_id: None,
        invoice_date: Some(date(2026, 11, 1)),
        due_date: None,
        updated_at: None,
        gone: false,
    }
}

fn contact(id: i64, name: &str) -> Contact {
    Contact {
        id,
        customer_number: Some(format!("{}", 1000 + id)),
        display_name: name.into(),
        is_organisation: true,
        parent_id: None,
        iban: None,
        bic: None,
        mandate_reference_field: None,
        mandate_reference: None,
        signature_date_field: None,
        email: None,
        street: None,
        zip: None,
        city: None,
        country_code: None,
        updated_at: None,
    }
}

/// Bytes no text conversion survives: every byte value, a BOM, NULs, invalid UTF-8, CRLF.
fn awkward_bytes() -> Vec<u8> {
    let mut bytes = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n".to_vec();
    bytes.extend((0..=255u8).cycle().take(20_000));
    bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF, 0, 0, 0xFF, 0xFE, b'\r', b'\n']);
    bytes
}

struct Recorded {
    run: CollectionRun,
    first_bytes: Vec<u8>,
    second_bytes: Vec<u8>,
    control: Vec<u8>,
}

/// One run with two files (CORE and B2B) and three debits; invoices and contacts synced.
async fn record_run(dir: &Path) -> Recorded {
    let store = open(dir).await;
    store
        .upsert_contacts(&[contact(1, "Bäckerei Müller GmbH"), contact(2, "Anna Weber")])
        .await
        .unwrap();
    store
        .upsert_invoices(&[
            invoice(101, 1, 123_456),
            invoice(102, 2, 11_900),
            invoice(103, 2, 5),
        ])
        .await
        .unwrap();
    let first_bytes = awkward_bytes();
    let second_bytes = "<Document>Firmenlastschrift ä</Document>\n"
        .as_bytes()
        .to_vec();
    let control = "Rechnung;Kunde;Betrag\r\nRE-101;Bäckerei Müller GmbH;1234,56\r\n"
        .as_bytes()
        .to_vec();
    let run = store
        .record_collection_run(&NewCollectionRun {
            confirm_key: None,
            format: "pain.008.001.08".into(),
            control_list_csv: control.clone(),
            files: vec![
                NewCollectionFile {
                    file_name: "lastschriften-CORE.xml".into(),
                    message_id: "LS-20261128-140502-CORE".into(),
                    bytes: first_bytes.clone(),
                    debits: vec![debit(101, 1, 123_456), debit(102, 2, 11_900)],
                },
                NewCollectionFile {
                    file_name: "lastschriften-B2B.xml".into(),
                    message_id: "LS-20261128-140502-B2B".into(),
                    bytes: second_bytes.clone(),
                    debits: vec![debit(103, 2, 5)],
                },
            ],
        })
        .await
        .unwrap();
    store.close().await;
    Recorded {
        run,
        first_bytes,
        second_bytes,
        control,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_and_controls_come_out_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let rec = record_run(dir.path()).await;
    let id = rec.run.id.to_string();

    let ambiguous = lastschrift(dir.path()).run(["runs", "file", &id]);
    assert_eq!(ambiguous.code, 2, "{ambiguous:?}");
    assert!(
        ambiguous.stderr.contains(&format!(
            "collection run {id} has 2 files; choose one with --file 1 or --file 2"
        )),
        "{ambiguous:?}"
    );
    let no_such_file = lastschrift(dir.path()).run(["runs", "file", &id, "--file", "3"]);
    assert_eq!(no_such_file.code, 2, "{no_such_file:?}");

    let first = lastschrift(dir.path()).run(["runs", "file", &id, "--file", "1"]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.stdout == rec.first_bytes, "file 1 differs on stdout");

    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("b2b.xml");
    std::fs::write(&target, b"an older file that must be replaced whole").unwrap();
    let second = lastschrift(dir.path()).run([
        "runs",
        "file",
        &id,
        "--file",
        "2",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(second.code, 0, "{second:?}");
    assert!(second.stdout.is_empty(), "{second:?}");
    assert_eq!(std::fs::read(&target).unwrap(), rec.second_bytes);
    // The temporary file was renamed, not left behind.
    let names: Vec<_> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("b2b.xml")]);

    let controls = lastschrift(dir.path()).run(["runs", "controls", &id]);
    assert_eq!(controls.code, 0, "{controls:?}");
    assert!(controls.stdout == rec.control, "{controls:?}");
    let csv_path = out_dir.path().join("kontrollliste.csv");
    let written =
        lastschrift(dir.path()).run(["runs", "controls", &id, "-o", csv_path.to_str().unwrap()]);
    assert_eq!(written.code, 0, "{written:?}");
    assert_eq!(std::fs::read(&csv_path).unwrap(), rec.control);

    // The bytes are the ones the store hashed when recording.
    let sha = |bytes: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(sha(&first.stdout), rec.run.files[0].sha256);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_show_in_json_and_as_tables() {
    let dir = tempfile::tempdir().unwrap();
    let empty = lastschrift(dir.path()).run(["runs", "list"]);
    assert_eq!(empty.code, 0, "{empty:?}");
    assert!(empty.text().contains("No collection runs yet"), "{empty:?}");

    let rec = record_run(dir.path()).await;
    let id = rec.run.id;

    let list = lastschrift(dir.path()).run(["runs", "list", "--json"]);
    assert_eq!(list.code, 0, "{list:?}");
    let json = list.json();
    let runs = json.as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["id"], id);
    assert_eq!(runs[0]["status"], "recorded");
    assert_eq!(runs[0]["debit_count"], 3);
    assert_eq!(runs[0]["total_cents"], 123_456 + 11_900 + 5);
    assert_eq!(
        runs[0]["collection_dates"],
        serde_json::json!(["2026-12-04"])
    );
    assert_eq!(runs[0]["files"].as_array().unwrap().len(), 2);

    let table = lastschrift(dir.path()).run(["runs", "list"]);
    let text = table.text();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&id.to_string()))
        .unwrap_or_else(|| panic!("{table:?}"));
    assert!(
        line.contains("recorded") && line.contains("1.353,61 €") && line.contains("04.12.2026"),
        "{line}"
    );

    let show = lastschrift(dir.path()).run(["runs", "show", &id.to_string(), "--json"]);
    assert_eq!(show.code, 0, "{show:?}");
    let detail = show.json();
    assert_eq!(detail["id"], id);
    let debits = detail["debits"].as_array().unwrap();
    assert_eq!(debits.len(), 3);
    assert_eq!(debits[0]["invoice_id"], 101);
    assert_eq!(debits[0]["invoice_number"], "RE-101");
    assert_eq!(debits[0]["contact_name"], "Bäckerei Müller GmbH");
    assert_eq!(debits[0]["amount_cents"], 123_456);
    assert_eq!(debits[0]["status"], "pending");
    assert_eq!(debits[2]["file_id"], rec.run.files[1].id);

    let human = lastschrift(dir.path()).run(["runs", "show", &id.to_string()]);
    assert_eq!(human.code, 0, "{human:?}");
    let text = human.text();
    let row = text
        .lines()
        .find(|l| l.contains("RE-101"))
        .unwrap_or_else(|| panic!("{human:?}"));
    assert!(
        row.contains("Bäckerei Müller GmbH")
            && row.contains("MANDAT-1")
            && row.contains("1.234,56 €")
            && row.contains("pending"),
        "{row}"
    );
    assert!(text.contains("0,05 €"), "{human:?}");
    assert!(text.contains("lastschriften-B2B.xml"), "{human:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_exit_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    record_run(dir.path()).await;
    let expected =
        "lastschrift: collection run 7 does not exist; `lastschrift runs list` shows the runs";
    for args in [
        &["runs", "show", "7"][..],
        &["runs", "show", "7", "--json"],
        &["runs", "file", "7"],
        &["runs", "controls", "7"],
    ] {
        let run = lastschrift(dir.path()).run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stderr.trim(), expected, "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
    }
    let debit = lastschrift(dir.path()).run(["debits", "return", "999"]);
    assert_eq!(debit.code, 2, "{debit:?}");
    assert!(
        debit.stderr.contains("debit 999 does not exist"),
        "{debit:?}"
    );
    // A usage error (not a number) is clap's exit 2 as well.
    let usage = lastschrift(dir.path()).run(["runs", "show", "sieben"]);
    assert_eq!(usage.code, 2, "{usage:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returning_and_cancelling_debits_frees_their_invoices() {
    let dir = tempfile::tempdir().unwrap();
    let rec = record_run(dir.path()).await;
    let debits = {
        let store = open(dir.path()).await;
        let debits = store.debits_for_run(rec.run.id).await.unwrap();
        assert_eq!(
            store.active_debit_invoice_ids().await.unwrap(),
            [101, 102, 103].into_iter().collect()
        );
        store.close().await;
        debits
    };
    let id_of = |invoice: i64| {
        debits
            .iter()
            .find(|d| d.invoice_id == invoice)
            .unwrap()
            .id
            .to_string()
    };

    let returned =
        lastschrift(dir.path()).run(["debits", "return", &id_of(101), "--reason", "AM04"]);
    assert_eq!(returned.code, 0, "{returned:?}");
    let text = returned.text();
    assert!(
        text.contains("(invoice RE-101, 1.234,56 €")
            && text.contains("is now returned (AM04: insufficient funds)")
            && text.contains("Invoice RE-101 can be collected again"),
        "{returned:?}"
    );

    // Cancelled after being returned: refused, nothing changes, exit 1.
    let refused = lastschrift(dir.path()).run(["debits", "cancel", &id_of(101)]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("Nothing was changed") && refused.stderr.contains("returned"),
        "{refused:?}"
    );

    let cancelled = lastschrift(dir.path()).run([
        "debits",
        "cancel",
        &id_of(102),
        "--reason",
        "paid by transfer",
        "--json",
    ]);
    assert_eq!(cancelled.code, 0, "{cancelled:?}");
    let json = cancelled.json();
    assert_eq!(json["debit"]["status"], "cancelled");
    assert_eq!(json["debit"]["status_reason"], "paid by transfer");
    assert_eq!(json["invoice_free"], true);
    assert_eq!(json["run_cancelled"], false);

    let store = open(dir.path()).await;
    assert_eq!(
        store.active_debit_invoice_ids().await.unwrap(),
        [103].into_iter().collect()
    );
    let after: Vec<Debit> = store.debits_for_run(rec.run.id).await.unwrap();
    let first = after.iter().find(|d| d.invoice_id == 101).unwrap();
    assert_eq!(first.status, DebitStatus::Returned);
    assert_eq!(first.status_reason.as_deref(), Some("AM04"));
    assert_eq!(
        store
            .collection_run(rec.run.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        RunStatus::Recorded
    );
    store.close().await;

    // `runs show` reflects the ledger.
    let show = lastschrift(dir.path()).run(["runs", "show", &rec.run.id.to_string()]);
    assert!(show.text().contains("returned (AM04)"), "{show:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_every_debit_cancels_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let rec = record_run(dir.path()).await;
    let store = open(dir.path()).await;
    let debits = store.debits_for_run(rec.run.id).await.unwrap();
    store.close().await;
    let (last, rest) = debits.split_last().unwrap();
    for d in rest {
        let run = lastschrift(dir.path()).run(["debits", "cancel", &d.id.to_string()]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            !run.text().contains("run is marked as cancelled"),
            "{run:?}"
        );
    }
    let run = lastschrift(dir.path()).run(["debits", "cancel", &last.id.to_string()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.text()
            .contains(&format!("Every debit of run {} is cancelled", rec.run.id)),
        "{run:?}"
    );
    let list = lastschrift(dir.path()).run(["runs", "list", "--json"]);
    assert_eq!(list.json()[0]["status"], "cancelled");
    let store = open(dir.path()).await;
    assert!(store.active_debit_invoice_ids().await.unwrap().is_empty());
    store.close().await;
}

/// `lastschrift runs file 1 | head -c 10`: the reader goes away early. That is no error: exit 0,
/// nothing on stderr (no panic about a broken pipe).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_early_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    // Far more than a pipe buffers (64 KiB on Linux), so the write must hit the closed pipe.
    let big: Vec<u8> = (0..=255u8).cycle().take(4 << 20).collect();
    let run = store
        .record_collection_run(&NewCollectionRun {
            confirm_key: None,
            format: "pain.008.001.08".into(),
            control_list_csv: b"x\n".to_vec(),
            files: vec![NewCollectionFile {
                file_name: "big.xml".into(),
                message_id: "BIG-1".into(),
                bytes: big,
                debits: vec![debit(1, 1, 100)],
            }],
        })
        .await
        .unwrap();
    store.close().await;
    let mut child = lastschrift(dir.path())
        .command(["runs", "file", &run.id.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// The same commands against PostgreSQL (DATABASE_URL), with the feature `postgres-tests`.
#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_too() {
    common::with_postgres_schema("lastschrift_cli_runs", |url| async move {
        let dir = tempfile::tempdir().unwrap();
        let store = open_url(&url).await.unwrap();
        assert_eq!(store.backend(), Backend::Postgres);
        let bytes = awkward_bytes();
        let run = store
            .record_collection_run(&NewCollectionRun {
                confirm_key: None,
                format: "pain.008.001.08".into(),
                control_list_csv: "Rechnung;Betrag\r\nRE-201;2,01\r\n".as_bytes().to_vec(),
                files: vec![NewCollectionFile {
                    file_name: "pg.xml".into(),
                    message_id: "PG-1".into(),
                    bytes: bytes.clone(),
                    debits: vec![debit(201, 1, 201)],
                }],
            })
            .await
            .unwrap();
        let id = run.id.to_string();

        let file = lastschrift(dir.path())
            .database_url(&url)
            .run(["runs", "file", &id]);
        assert_eq!(file.code, 0, "{file:?}");
        assert!(file.stdout == bytes, "file differs");
        let controls = lastschrift(dir.path())
            .database_url(&url)
            .run(["runs", "controls", &id]);
        assert_eq!(
            controls.stdout,
            "Rechnung;Betrag\r\nRE-201;2,01\r\n".as_bytes()
        );
        let list = lastschrift(dir.path())
            .database_url(&url)
            .run(["runs", "list", "--json"]);
        assert_eq!(list.json()[0]["id"], run.id);
        let missing = lastschrift(dir.path())
            .database_url(&url)
            .run(["runs", "show", "999999"]);
        assert_eq!(missing.code, 2, "{missing:?}");

        let debit_id = store.debits_for_run(run.id).await.unwrap()[0]
            .id
            .to_string();
        assert!(
            store
                .active_debit_invoice_ids()
                .await
                .unwrap()
                .contains(&201)
        );
        let returned = lastschrift(dir.path())
            .database_url(&url)
            .run(["debits", "return", &debit_id, "--reason", "MD06"]);
        assert_eq!(returned.code, 0, "{returned:?}");
        assert!(store.active_debit_invoice_ids().await.unwrap().is_empty());
        // Nothing went to the SQLite file of the data directory.
        assert!(!dir.path().join(SQLITE_FILE_NAME).exists());
        store.close().await;
    })
    .await;
}
