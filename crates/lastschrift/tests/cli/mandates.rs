//! `lastschrift mandates import|list|show|form` as the real binary on a SQLite data directory: the
//! table of row results, `--json`, the mandate forms' PDF and reservations, and the exit codes (0
//! done, 1 rows failed or no form needed, 2 unusable input, unknown reference or incomplete
//! creditor). Contacts are put into the same database through the store first, as a
//! sync would.

use std::path::{Path, PathBuf};

use lastschrift_core::settings::{DatabaseUrl, SQLITE_FILE_NAME};
use lastschrift_store::{Contact, open_url};

use super::lastschrift;

fn contact(id: i64, customer_number: &str, name: &str) -> Contact {
    test_support::organisation(id, customer_number, name, "DE02120300000000202051")
}

/// A data directory whose database already holds three synced contacts.
async fn data_dir_with_contacts() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = open_url(&DatabaseUrl::sqlite_file(
        &dir.path().join(SQLITE_FILE_NAME),
    ))
    .await
    .unwrap();
    store
        .upsert_contacts(&[
            contact(11, "1001", "Bäckerei Müller GmbH"),
            contact(12, "1002", "Schmidt & Söhne KG"),
            contact(13, "1003", "Anna Weber"),
        ])
        .await
        .unwrap();
    store.close().await;
    dir
}

async fn stored_references(dir: &Path) -> Vec<String> {
    let store = open_url(&DatabaseUrl::sqlite_file(&dir.join(SQLITE_FILE_NAME)))
        .await
        .unwrap();
    let refs = store
        .mandates()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.reference)
        .collect();
    store.close().await;
    refs
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reports_every_row_and_exits_1_when_one_failed() {
    let dir = data_dir_with_contacts().await;
    let input = tempfile::tempdir().unwrap();
    let mixed = write(
        input.path(),
        "mandate.csv",
        "Mandatsreferenz;Kundennummer;Unterschriftsdatum;Art\n\
         MANDAT-1001;1001;15.03.2021;Basis\n\
         MANDAT-1002;1002;31.02.2024;Firmen\n\
         MANDAT-1003;1003;01.06.2019;Lastschrift\n",
    );
    let first = lastschrift(dir.path()).run(["mandates", "import", mixed.to_str().unwrap()]);
    assert_eq!(first.code, 1, "{first:?}");
    let lines: Vec<&str> = first.text().lines().collect();
    assert!(
        lines[0].contains("Line") && lines[0].contains("Reference"),
        "{first:?}"
    );
    assert!(
        lines[1].contains("MANDAT-1001") && lines[1].ends_with("created"),
        "{first:?}"
    );
    assert!(
        lines[2].contains("MANDAT-1002")
            && lines[2].contains("ERROR: Unterschriftsdatum `31.02.2024` is not a date"),
        "{first:?}"
    );
    assert!(
        lines[3].contains("MANDAT-1003") && lines[3].contains("Art `Lastschrift`"),
        "{first:?}"
    );
    assert!(
        first
            .text()
            .contains("1 created, 0 updated, 0 unchanged, 2 with errors"),
        "{first:?}"
    );
    assert_eq!(stored_references(dir.path()).await, vec!["MANDAT-1001"]);

    // Fixed file: the first row is unchanged now, the other two are created; exit 0.
    let fixed = write(
        input.path(),
        "mandate.csv",
        "Mandatsreferenz;Kundennummer;Unterschriftsdatum;Art\n\
         MANDAT-1001;1001;15.03.2021;Basis\n\
         MANDAT-1002;1002;28.02.2024;Firmen\n\
         MANDAT-1003;1003;01.06.2019;CORE\n",
    );
    let second =
        lastschrift(dir.path()).run(["mandates", "import", fixed.to_str().unwrap(), "--json"]);
    assert_eq!(second.code, 0, "{second:?}");
    let json: serde_json::Value = serde_json::from_str(second.text()).expect("JSON");
    assert_eq!(json["created"], 2);
    assert_eq!(json["unchanged"], 1);
    assert_eq!(json["errors"], 0);
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["row"], 2);
    assert_eq!(rows[0]["reference"], "MANDAT-1001");
    assert_eq!(rows[0]["outcome"], "unchanged");
    assert_eq!(rows[1]["outcome"], "created");
    assert_eq!(
        stored_references(dir.path()).await,
        vec!["MANDAT-1001", "MANDAT-1002", "MANDAT-1003"]
    );

    // Errors in --json carry the sentence.
    let bad = write(
        input.path(),
        "bad.csv",
        "reference,customer_number,signature_date\nX-1,4711,2024-01-01\n",
    );
    let fourth =
        lastschrift(dir.path()).run(["mandates", "import", bad.to_str().unwrap(), "--json"]);
    assert_eq!(fourth.code, 1, "{fourth:?}");
    let json: serde_json::Value = serde_json::from_str(fourth.text()).expect("JSON");
    assert_eq!(json["rows"][0]["outcome"], "error");
    assert!(
        json["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("customer_number `4711` matches no synced sevdesk contact"),
        "{fourth:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_files_exit_2_and_store_nothing() {
    let dir = data_dir_with_contacts().await;
    let input = tempfile::tempdir().unwrap();
    let unknown = write(
        input.path(),
        "iban.csv",
        "Mandatsreferenz;Kundennummer;Unterschriftsdatum;IBAN\nM-1;1001;01.02.2024;DE02\n",
    );
    let run = lastschrift(dir.path()).run(["mandates", "import", unknown.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("the column `IBAN` is not known")
            && run.stderr.contains("nothing was imported"),
        "{run:?}"
    );
    assert!(run.stdout.is_empty(), "{run:?}");

    let missing = write(
        input.path(),
        "nodate.csv",
        "Mandatsreferenz;Kundennummer\nM-1;1001\n",
    );
    let run = lastschrift(dir.path()).run(["mandates", "import", missing.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("signature_date") && run.stderr.contains("missing"),
        "{run:?}"
    );

    let absent = input.path().join("does-not-exist.csv");
    let run = lastschrift(dir.path()).run(["mandates", "import", absent.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("could not read"), "{run:?}");

    assert!(stored_references(dir.path()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_example_imports_cleanly() {
    let dir = data_dir_with_contacts().await;
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mandates.csv");
    let bytes = std::fs::read(&example).unwrap();
    assert!(
        bytes.starts_with(b"\xef\xbb\xbfMandatsreferenz;"),
        "German headers, `;`"
    );
    let run = lastschrift(dir.path()).run([
        "mandates",
        "import",
        example.to_str().unwrap(),
        "--today",
        "2026-11-29",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.text()
            .contains("3 created, 0 updated, 0 unchanged, 0 with errors."),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_show_with_derived_status() {
    let dir = data_dir_with_contacts().await;
    let input = tempfile::tempdir().unwrap();
    let csv = write(
        input.path(),
        "m.csv",
        "reference;customer_number;signature_date;status;last_collection\n\
         OLD-UNUSED;1001;01.02.2020;;\n\
         RECENT;1002;01.02.2020;;01.12.2023\n\
         GONE;1003;01.02.2024;widerrufen;\n",
    );
    let run = lastschrift(dir.path()).run([
        "mandates",
        "import",
        csv.to_str().unwrap(),
        "--today",
        "2026-11-29",
    ]);
    assert_eq!(run.code, 0, "{run:?}");

    let list = lastschrift(dir.path()).run(["mandates", "list", "--json", "--today", "2026-11-29"]);
    assert_eq!(list.code, 0, "{list:?}");
    let json: serde_json::Value = serde_json::from_str(list.text()).expect("JSON");
    let statuses: Vec<(&str, &str)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["reference"].as_str().unwrap(),
                m["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("GONE", "revoked"),
            ("OLD-UNUSED", "expired"),
            ("RECENT", "active")
        ]
    );
    assert_eq!(json[2]["contact_name"], "Schmidt & Söhne KG");
    assert_eq!(json[2]["customer_number"], "1002");
    assert_eq!(json[2]["signature_date"], "2020-02-01");
    assert_eq!(json[2]["scheme"], "CORE");

    let table = lastschrift(dir.path()).run(["mandates", "list", "--today", "2026-11-29"]);
    assert_eq!(table.code, 0, "{table:?}");
    let recent = table
        .text()
        .lines()
        .find(|l| l.starts_with("RECENT"))
        .unwrap_or_else(|| panic!("{table:?}"));
    assert!(
        recent.contains("active")
            && recent.contains("01.02.2020")
            && recent.contains("01.12.2023")
            && recent.contains("Schmidt & Söhne KG (1002)"),
        "{recent}"
    );

    let show = lastschrift(dir.path()).run([
        "mandates",
        "show",
        "RECENT",
        "--json",
        "--today",
        "2026-12-02",
    ]);
    assert_eq!(show.code, 0, "{show:?}");
    let detail: serde_json::Value = serde_json::from_str(show.text()).expect("JSON");
    assert_eq!(detail["reference"], "RECENT");
    assert_eq!(detail["status"], "expired");
    assert_eq!(detail["contact"]["id"], 12);
    assert_eq!(detail["debits"], serde_json::json!([]));
    assert_eq!(detail["amendments"], serde_json::json!([]));

    let human = lastschrift(dir.path()).run(["mandates", "show", "GONE"]);
    assert_eq!(human.code, 0, "{human:?}");
    assert!(
        human.text().contains("revoked (widerrufen)") && human.text().contains("Anna Weber"),
        "{human:?}"
    );

    let unknown = lastschrift(dir.path()).run(["mandates", "show", "NOPE-1"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert_eq!(
        unknown.stderr.trim(),
        "lastschrift: mandate NOPE-1 does not exist; `lastschrift mandates list` shows the mandates"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_registry_lists_nothing_and_says_how_to_import() {
    let dir = tempfile::tempdir().unwrap();
    let run = lastschrift(dir.path()).run(["mandates", "list"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.text().contains("lastschrift mandates import"),
        "{run:?}"
    );
    let json = lastschrift(dir.path()).run(["mandates", "list", "--json"]);
    assert_eq!(json.code, 0, "{json:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(json.text()).unwrap(),
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_standard_input_and_excels_sep_line() {
    let dir = data_dir_with_contacts().await;
    // Excel's "sep=" line names the separator; CRLF line ends; the line numbers count it.
    let csv = "sep=;\r\nMandatsreferenz;Kontakt-ID;Mandatsdatum\r\nK-11, alt;11;01.02.2024\r\nK-12;12;30.02.2024\r\n";
    let run = lastschrift(dir.path())
        .run_with_input(["mandates", "import", "-", "--json"], csv.as_bytes());
    assert_eq!(run.code, 1, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(run.text()).expect("JSON");
    assert_eq!(json["rows"][0]["row"], 3);
    assert_eq!(json["rows"][0]["reference"], "K-11, alt");
    assert_eq!(json["rows"][0]["outcome"], "created");
    assert_eq!(json["rows"][1]["row"], 4);
    assert_eq!(json["rows"][1]["outcome"], "error");
    assert!(
        json["rows"][1]["message"]
            .as_str()
            .unwrap()
            .starts_with("Mandatsdatum `30.02.2024` is not a date"),
        "{run:?}"
    );
    assert_eq!(stored_references(dir.path()).await, vec!["K-11, alt"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_lists_debits_and_amendments() {
    use lastschrift_store::{
        Amendment, NewCollectionFile, NewCollectionRun, NewDebit, SequenceType,
    };
    let dir = data_dir_with_contacts().await;
    let input = tempfile::tempdir().unwrap();
    let csv = write(
        input.path(),
        "m.csv",
        "Mandatsreferenz;Kundennummer;Unterschriftsdatum\nMANDAT-1001;1001;15.03.2021\n",
    );
    let run = lastschrift(dir.path()).run(["mandates", "import", csv.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");

    let store = open_url(&DatabaseUrl::sqlite_file(
        &dir.path().join(SQLITE_FILE_NAME),
    ))
    .await
    .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let recorded = store
        .record_collection_run(&NewCollectionRun {
            confirm_key: None,
            format: "pain.008.001.08".into(),
            control_list_csv: b"x\n".to_vec(),
            files: vec![NewCollectionFile {
                file_name: "a.xml".into(),
                message_id: "MSG-A".into(),
                bytes: b"<Document/>".to_vec(),
                debits: vec![NewDebit {
                    invoice_id: 4711,
                    contact_id: 11,
                    mandate_reference: "MANDAT-1001".into(),
                    iban: "DE89370400440532013000".into(),
                    amount_cents: 123_456,
                    sequence_type: SequenceType::Rcur,
                    end_to_end_id: "E2E-4711".into(),
                    collection_date: day,
                    amendment: Some(Amendment {
                        original_reference: None,
                        original_iban: Some("DE02120300000000202051".into()),
                    }),
                }],
            }],
        })
        .await
        .unwrap();
    store.close().await;

    let show =
        lastschrift(dir.path()).run(["mandates", "show", "MANDAT-1001", "--today", "2026-12-05"]);
    assert_eq!(show.code, 0, "{show:?}");
    assert!(
        show.text().contains("Last debit   04.12.2026")
            && show.text().contains("Last IBAN    DE89370400440532013000")
            && show
                .text()
                .contains("IBAN was DE02120300000000202051, now DE89370400440532013000"),
        "{show:?}"
    );
    let debit_line = show
        .text()
        .lines()
        .find(|l| l.contains("4711"))
        .unwrap_or_else(|| panic!("{show:?}"));
    let run_id = recorded.id.to_string();
    let fields: Vec<&str> = debit_line.split_whitespace().collect();
    assert_eq!(fields[1], run_id, "{debit_line}");
    assert!(
        debit_line.contains("04.12.2026")
            && debit_line.contains("RCUR")
            && debit_line.contains("1.234,56 €")
            && debit_line.ends_with("pending"),
        "{debit_line}"
    );
}

/// The output's lines with single spaces, for table rows.
fn squeezed_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Who collects, with the address a mandate form prints (from a configuration file: the
/// environment would read the post code as a number).
fn with_creditor(dir: &Path) -> test_support::cli::Lastschrift {
    let config = write(
        dir,
        "lastschrift.toml",
        "[creditor]\n\
         name = \"Muster Software GmbH\"\n\
         iban = \"DE89370400440532013000\"\n\
         creditor_id = \"DE98ZZZ09999999999\"\n\
         [creditor.address]\n\
         street = \"Hauptstraße\"\n\
         building = \"1\"\n\
         postcode = \"10115\"\n\
         town = \"Berlin\"\n",
    );
    lastschrift(dir).env("LASTSCHRIFT_CONFIG", config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_writes_one_page_per_contact_and_reserves_each_reference_once() {
    let dir = data_dir_with_contacts().await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("mandate.pdf");
    let args = [
        "mandates",
        "form",
        "--contact",
        "11",
        "--contact",
        "12",
        "--out",
        file.to_str().unwrap(),
    ];
    let first = with_creditor(dir.path()).run(args);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        first.text().contains("2 mandate form(s)")
            && first.text().contains("2 reference(s) newly reserved"),
        "{first:?}"
    );
    // The references come from the customer numbers, the default sevdesk source.
    let lines = squeezed_lines(first.text());
    for row in [
        "1001 CORE recurrent new Bäckerei Müller GmbH (1001) [sevdesk id 11]",
        "1002 CORE recurrent new Schmidt & Söhne KG (1002) [sevdesk id 12]",
    ] {
        assert!(lines.iter().any(|l| l == row), "`{row}` in {first:?}");
    }
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(test_support::pdf::page_count(&bytes), 2);
    let pages = test_support::pdf::page_texts(&bytes);
    for (page, (name, reference)) in pages.iter().zip([
        ("Bäckerei Müller GmbH", "1001"),
        ("Schmidt & Söhne KG", "1002"),
    ]) {
        for expected in [
            "SEPA-Lastschriftmandat",
            "Gläubiger-Identifikationsnummer",
            "DE98ZZZ09999999999",
            "Hauptstraße 1",
            name,
            reference,
            "DE02 1203 0000 0000 2020 51",
            "Ich ermächtige Muster Software GmbH",
            "By signing this mandate form, you authorise (A) Muster Software GmbH",
        ] {
            assert!(page.contains(expected), "`{expected}` not on {page}");
        }
    }
    let mut references = stored_references(dir.path()).await;
    references.sort();
    assert_eq!(references, ["1001", "1002"]);

    // Again: the same forms, nothing new reserved.
    let again = with_creditor(dir.path()).run(args);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.text().contains("0 reference(s) newly reserved")
            && squeezed_lines(again.text())
                .iter()
                .any(|l| l.starts_with("1001 CORE recurrent before")),
        "{again:?}"
    );
    assert_eq!(stored_references(dir.path()).await.len(), 2);

    // The signed form is back: its date is entered, and the form is not printed again.
    let signed = with_creditor(dir.path()).run([
        "mandates",
        "edit",
        "1001",
        "--signature-date",
        "20.11.2026",
    ]);
    assert_eq!(signed.code, 0, "{signed:?}");
    let after = with_creditor(dir.path()).run(args);
    assert_eq!(after.code, 0, "{after:?}");
    assert!(
        after.text().contains("1 mandate form(s)")
            && after
                .text()
                .contains("[sevdesk id 11]: the contact has a usable mandate (has_usable_mandate)"),
        "{after:?}"
    );

    // B2B, as JSON.
    let b2b_file = out.path().join("b2b.pdf");
    let b2b = with_creditor(dir.path()).run([
        "mandates",
        "form",
        "--contact",
        "13",
        "--scheme",
        "b2b",
        "--one-off",
        "--out",
        b2b_file.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(b2b.code, 0, "{b2b:?}");
    let json = b2b.json();
    assert_eq!(json["newly_reserved"], 1, "{json}");
    assert_eq!(json["forms"][0]["reference"], "1003", "{json}");
    assert_eq!(json["forms"][0]["scheme"], "B2B", "{json}");
    assert_eq!(json["forms"][0]["one_off"], true, "{json}");
    assert_eq!(json["file"], b2b_file.to_str().unwrap(), "{json}");
    let text = test_support::pdf::text(&std::fs::read(&b2b_file).unwrap());
    assert!(
        text.contains("SEPA-Firmenlastschrift-Mandat")
            && text.contains("Dieses Lastschriftmandat dient nur dem Einzug von Lastschriften, die auf Konten von Unternehmen gezogen sind.")
            && !text.contains("acht Wochen"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_names_what_is_missing_and_who_needs_none() {
    let dir = data_dir_with_contacts().await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("mandate.pdf");
    let path = file.to_str().unwrap();

    // Without the creditor's address there is no form, and nothing is reserved.
    let no_address = lastschrift(dir.path())
        .creditor(
            "Muster Software GmbH",
            "DE89370400440532013000",
            "DE98ZZZ09999999999",
        )
        .run(["mandates", "form", "--contact", "11", "--out", path]);
    assert_eq!(no_address.code, 2, "{no_address:?}");
    assert!(
        no_address.stderr.contains("address.street"),
        "{no_address:?}"
    );
    assert!(stored_references(dir.path()).await.is_empty());
    assert!(!file.exists());

    // Neither --contact nor --all: a usage error.
    let nobody = with_creditor(dir.path()).run(["mandates", "form", "--out", path]);
    assert_eq!(nobody.code, 2, "{nobody:?}");

    // No open invoices: the needs-mandate list is empty, no file.
    let all = with_creditor(dir.path()).run(["mandates", "form", "--all", "--out", path, "--json"]);
    assert_eq!(all.code, 0, "{all:?}");
    assert_eq!(all.json()["forms"], serde_json::json!([]), "{all:?}");
    assert_eq!(all.json()["file"], serde_json::Value::Null);
    assert!(!file.exists());

    // A contact that is not synced gets none; exit 1 as nothing was made.
    let unknown =
        with_creditor(dir.path()).run(["mandates", "form", "--contact", "99", "--out", path]);
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(
        unknown.text().contains("No contact needs a mandate form")
            && unknown.text().contains("[sevdesk id 99]")
            && unknown.text().contains("contact_missing"),
        "{unknown:?}"
    );
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_edit_revoke_and_attach_one_mandate_on_the_command_line() {
    let dir = data_dir_with_contacts().await;
    let cli = lastschrift(dir.path());

    // The checks of the import, naming the flag; nothing stored, exit 1.
    let future = cli.run([
        "mandates",
        "add",
        "--reference",
        "M-2001",
        "--customer-number",
        "1001",
        "--signature-date",
        "01.01.2099",
    ]);
    assert_eq!(future.code, 1, "{future:?}");
    assert!(
        future.stderr.contains("Nothing was stored")
            && future
                .stderr
                .contains("--signature-date `01.01.2099` lies in the future"),
        "{future:?}"
    );
    let unknown = cli.run([
        "mandates",
        "add",
        "--reference",
        "M-2001",
        "--customer-number",
        "4711",
        "--signature-date",
        "01.03.2026",
    ]);
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(
        unknown.stderr.contains("--customer-number `4711`"),
        "{unknown:?}"
    );
    assert!(stored_references(dir.path()).await.is_empty());

    let added = cli.run([
        "mandates",
        "add",
        "--reference",
        "M-2001",
        "--customer-number",
        "1002",
        "--signature-date",
        "2026-03-01",
        "--scheme",
        "b2b",
        "--kind",
        "one-off",
        "--json",
    ]);
    assert_eq!(added.code, 0, "{added:?}");
    let json = added.json();
    assert_eq!(json["reference"], "M-2001");
    assert_eq!(json["contact_id"], 12);
    assert_eq!(json["scheme"], "B2B");
    assert_eq!(json["one_off"], true);
    assert_eq!(json["source"], "manual");
    let twice = cli.run([
        "mandates",
        "add",
        "--reference",
        "m-2001",
        "--contact",
        "11",
        "--signature-date",
        "2026-03-01",
    ]);
    assert_eq!(twice.code, 1, "{twice:?}");
    assert!(
        twice.stderr.contains("already exists as M-2001"),
        "{twice:?}"
    );

    // Edit: every wrong flag at once, then a real change.
    let wrong = cli.run([
        "mandates",
        "edit",
        "M-2001",
        "--scheme",
        "cor1",
        "--kind",
        "sometimes",
    ]);
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(
        wrong.stderr.contains("--scheme `cor1`") && wrong.stderr.contains("--kind `sometimes`"),
        "{wrong:?}"
    );
    let edited = cli.run([
        "mandates",
        "edit",
        "M-2001",
        "--kind",
        "recurrent",
        "--scheme",
        "core",
    ]);
    assert_eq!(edited.code, 0, "{edited:?}");
    assert!(
        edited.text().contains("Mandate M-2001 changed")
            && edited.text().contains("CORE, recurrent"),
        "{edited:?}"
    );
    let missing = cli.run(["mandates", "edit", "NOPE", "--kind", "ending"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing.stderr.contains("NOPE does not exist"),
        "{missing:?}"
    );

    // The signed copy: stored, listed, written out byte for byte.
    let input = tempfile::tempdir().unwrap();
    let mut scan = b"%PDF-1.4\n".to_vec();
    scan.extend((0..=255u8).cycle().take(10_000));
    let scan_path = input.path().join("Mandat M-2001.pdf");
    std::fs::write(&scan_path, &scan).unwrap();
    let attached = cli.run(["mandates", "attach", "M-2001", scan_path.to_str().unwrap()]);
    assert_eq!(attached.code, 0, "{attached:?}");
    assert!(
        attached
            .text()
            .contains("Stored Mandat M-2001.pdf (application/pdf, 10009 bytes"),
        "{attached:?}"
    );
    let text_path = write(input.path(), "notiz.pdf", "no PDF at all");
    let refused = cli.run(["mandates", "attach", "M-2001", text_path.to_str().unwrap()]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("notiz.pdf is neither a PDF nor a PNG or JPEG"),
        "{refused:?}"
    );
    let out = input.path().join("copy.pdf");
    let written = cli.run([
        "mandates",
        "document",
        "M-2001",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(written.code, 0, "{written:?}");
    assert_eq!(std::fs::read(&out).unwrap(), scan);
    let none = cli.run(["mandates", "document", "M-2001", "--id", "999"]);
    assert_eq!(none.code, 2, "{none:?}");

    // Revocation: the date is checked, recorded and shown.
    let early = cli.run(["mandates", "revoke", "M-2001", "--on", "01.02.2026"]);
    assert_eq!(early.code, 1, "{early:?}");
    assert!(
        early.stderr.contains("before the signature date"),
        "{early:?}"
    );
    let revoked = cli.run([
        "mandates",
        "revoke",
        "M-2001",
        "--on",
        "02.03.2026",
        "--note",
        "Brief",
    ]);
    assert_eq!(revoked.code, 0, "{revoked:?}");
    assert!(
        revoked
            .text()
            .contains("M-2001 is revoked as of 02.03.2026"),
        "{revoked:?}"
    );
    let again = cli.run(["mandates", "revoke", "M-2001"]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("already revoked"), "{again:?}");
    let shown = cli.run(["mandates", "show", "M-2001"]);
    assert_eq!(shown.code, 0, "{shown:?}");
    let text = shown.text();
    assert!(text.contains("Status       revoked"), "{text}");
    assert!(text.contains("Revoked on   02.03.2026 (Brief)"), "{text}");
    assert!(text.contains("Mandat M-2001.pdf  10009 bytes"), "{text}");
    assert!(text.contains("Kind         recurrent"), "{text}");
}
