//! The first user-facing face, run as the real binary: `lastschrift check` and
//! `lastschrift pain008` with the example inputs shipped in `examples/`.

use std::path::{Path, PathBuf};
use test_support::cli::{Lastschrift, Output};

use super::lastschrift;

const TODAY: &str = "2027-02-10";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// The binary with a clean environment on an empty data directory of its own: `check` and
/// `pain008` need no data, and the test's files stay apart from it.
fn cli() -> (tempfile::TempDir, Lastschrift) {
    let home = tempfile::tempdir().unwrap();
    let cli = lastschrift(home.path());
    (home, cli)
}

#[test]
fn check_prints_the_normalised_value_or_the_reason() {
    let (_home, cli) = cli();
    let run = cli.run(["check", "iban", "de89 3704 0044 0532 0130 00"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.text().trim(),
        "DE89370400440532013000  (DE89 3704 0044 0532 0130 00)"
    );

    let run = cli.run(["check", "iban", "DE8937040044053201300", "--json"]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(run.text()).unwrap();
    assert_eq!(v["valid"], false);
    assert!(
        v["reason"].as_str().unwrap().contains("22 characters"),
        "{v}"
    );

    let run = cli.run(["check", "creditor-id", "de98 zzz 0999 9999 999"]);
    assert_eq!((run.code, run.text().trim()), (0, "DE98ZZZ09999999999"));
    let run = cli.run(["check", "bic", "COBADEF"]);
    let out = run.text();
    assert_eq!(run.code, 1, "{out}");
    assert!(out.starts_with("invalid: "), "{out}");
}

#[test]
fn json_example_gives_the_same_bytes_every_time() {
    let (_home, cli) = cli();
    let dir = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for name in ["a.xml", "b.xml"] {
        let path = dir.path().join(name);
        let run = Output::from_command(
            cli.command([
                "pain008",
                "--charset",
                "german",
                "--today",
                TODAY,
                "--input",
            ])
            .arg(examples().join("debits.json"))
            .arg("--output")
            .arg(&path),
        );
        let (code, out, err) = (run.code, run.text(), &run.stderr);
        assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
        assert!(out.contains("2 debits, 72.00 EUR"), "{out}");
        // Ø and the en dash are outside the German set: reported, never silent.
        assert!(err.contains("warning: debits[1]"), "{err}");
        written.push(std::fs::read(&path).unwrap());
    }
    assert_eq!(written[0], written[1]);
    let xml = String::from_utf8(written.remove(0)).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(xml.contains("<MsgId>BEITRAG-2027-03</MsgId>"));
    assert!(xml.contains("<Nm>Jürgen Müller &amp; Söhne</Nm>"), "{xml}");
    assert!(xml.contains("<Id>SMNDA</Id>"));
}

#[test]
fn problems_are_listed_as_json_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.json");
    let mut raw: serde_json::Value =
        serde_json::from_slice(&std::fs::read(examples().join("debits.json")).unwrap()).unwrap();
    raw["debits"][0]["debtor"]["iban"] = "DE89 3704 0044 0532 0130 01".into();
    raw["debits"][1]["amount"] = "0.00".into();
    std::fs::write(&input, raw.to_string()).unwrap();
    let output = dir.path().join("out.xml");
    let (_home, cli) = cli();
    let run = Output::from_command(
        cli.command(["pain008", "--json", "--today", TODAY, "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output),
    );
    let out = run.text();
    assert_eq!(run.code, 1);
    let problems: Vec<serde_json::Value> = serde_json::from_str(out).unwrap();
    let fields: Vec<&str> = problems
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"debits[0].debtor.iban"), "{out}");
    assert!(fields.contains(&"debits[1].amount"), "{out}");
    assert_eq!(problems[0]["debit"], 0);
    assert_eq!(problems[0]["end_to_end_id"], "BEITRAG-2027-03-0001");
    assert!(
        !output.exists(),
        "a message with problems must not be written"
    );
}

#[test]
fn csv_with_creditor_file_and_mixed_schemes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("beitraege.xml");
    let (_home, cli) = cli();
    let run = Output::from_command(
        cli.command(["pain008", "--today", TODAY, "--input"])
            .arg(examples().join("debits.csv"))
            .arg("--creditor")
            .arg(examples().join("creditor.toml"))
            .arg("--output")
            .arg(&out),
    );
    let (code, stdout, err) = (run.code, run.text(), &run.stderr);
    assert_eq!(code, 0, "{stdout}\n{err}");
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.contains("<NbOfTxs>2</NbOfTxs>") && xml.contains("<CtrlSum>72.00</CtrlSum>"));
    assert!(xml.contains("<EndToEndId>ROW-000002</EndToEndId>"));

    let csv = dir.path().join("mixed.csv");
    std::fs::write(
        &csv,
        "mandate_id,mandate_signed_on,name,iban,amount,collection_date,scheme\n\
         M-1,2020-01-01,Alpha GmbH,DE89370400440532013000,10.00,2027-03-01,CORE\n\
         M-2,2020-01-01,Beta AG,DE75512108001245126199,20.00,2027-03-01,B2B\n",
    )
    .unwrap();
    let creditor = [
        "--creditor-name",
        "Firma",
        "--creditor-iban",
        "DE02120300000000202051",
        "--creditor-id",
        "DE98ZZZ09999999999",
    ];
    let run = Output::from_command(
        cli.command(["pain008", "--today", TODAY, "--input"])
            .arg(&csv)
            .args(creditor)
            .arg("--output")
            .arg(dir.path().join("mixed.xml")),
    );
    let (code, err) = (run.code, &run.stderr);
    assert_eq!(code, 1);
    assert!(err.contains("B2B"), "{err}");

    let run = Output::from_command(
        cli.command([
            "pain008",
            "--split-schemes",
            "--json",
            "--today",
            TODAY,
            "--input",
        ])
        .arg(&csv)
        .args(creditor)
        .arg("--output")
        .arg(dir.path().join("mixed.xml")),
    );
    let (code, stdout, err) = (run.code, run.text(), &run.stderr);
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(stdout).unwrap();
    assert_eq!(summary["files"].as_array().unwrap().len(), 2);
    assert!(dir.path().join("mixed-CORE.xml").exists());
    assert!(dir.path().join("mixed-B2B.xml").exists());
}

#[test]
fn setup_errors_exit_with_2() {
    let (_home, cli) = cli();
    let run = cli.run(["pain008", "--input", "/nonexistent/debits.json"]);
    let (code, err) = (run.code, &run.stderr);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read the input file /nonexistent/debits.json"),
        "{err}"
    );
    let run = cli.run(["check", "telephone", "123"]);
    assert_eq!(run.code, 2);
}

/// Both formats written by the CLI pass xmllint against the ISO and the German schemas.
#[cfg(feature = "xsd")]
#[test]
fn written_files_validate_against_the_schemas() {
    let xsd = test_support::xsd_dir();
    let dir = tempfile::tempdir().unwrap();
    let (_home, cli) = cli();
    for (format, schemas) in [
        (
            "pain.008.001.08",
            ["pain.008.001.08.xsd", "dk/pain.008.001.08_GBIC_5.xsd"],
        ),
        (
            "pain.008.001.02",
            ["pain.008.001.02.xsd", "dk/pain.008.001.02_GBIC_3.xsd"],
        ),
    ] {
        let out = dir.path().join(format!("{format}.xml"));
        let run = Output::from_command(
            cli.command(["pain008", "--format", format, "--today", TODAY, "--input"])
                .arg(examples().join("debits.csv"))
                .arg("--creditor")
                .arg(examples().join("creditor.toml"))
                .arg("--output")
                .arg(&out),
        );
        let (code, err) = (run.code, &run.stderr);
        assert_eq!(code, 0, "{err}");
        for schema in schemas {
            let result = std::process::Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(xsd.join(schema))
                .arg(&out)
                .output()
                .expect("xmllint is needed for this suite (Debian package libxml2-utils)");
            assert!(
                result.status.success(),
                "{format} against {schema}: {}",
                String::from_utf8_lossy(&result.stderr)
            );
        }
    }
}

/// Regression: `pain008` wrote a debit from a Swiss bank without its BIC (IBAN-only is an EEA
/// rule); the SEPA crate now refuses it, and the CLI says which field.
#[test]
fn pain008_refuses_a_swiss_debit_without_bic() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(examples().join("debits.json")).unwrap();
    let without_bic = example.replace("\"bic\": \"UBSWCHZH80A\",", "");
    assert_ne!(without_bic, example, "the example carries the Swiss BIC");
    let input = dir.path().join("debits.json");
    std::fs::write(&input, without_bic).unwrap();
    let output = dir.path().join("out.xml");
    let (_home, cli) = cli();
    let run = Output::from_command(
        cli.command(["pain008", "--today", TODAY, "--json", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output),
    );
    let (code, out, err) = (run.code, run.text(), &run.stderr);
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    let problems: serde_json::Value = serde_json::from_str(out).unwrap();
    let problem = &problems[0];
    assert_eq!(problem["field"], "debits[1].debtor.bic", "{problems}");
    assert_eq!(problem["code"], "bic_required_outside_eea", "{problems}");
    assert!(
        problem["message_de"].as_str().unwrap().contains("BIC"),
        "{problems}"
    );
    assert!(!output.exists(), "nothing is written");
}

/// The streaming path at scale (issue #14): 100 000 debits from JSON, the file passes xmllint
/// against ISO pain.008.001.08 and DK GBIC_5.
#[cfg(feature = "xsd")]
#[test]
fn pain008_streams_100000_debits_to_a_schema_valid_file() {
    use std::fmt::Write as _;
    let xsd = test_support::xsd_dir();
    let dir = tempfile::tempdir().unwrap();
    let iban = |account: u64| {
        let bban = format!("37040044{account:010}");
        let r = format!("{bban}131400")
            .bytes()
            .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
        format!("DE{:02}{bban}", 98 - r)
    };
    let mut json = String::from(
        r#"{"message_id": "STREAM-100000", "created_at": "2027-02-10T09:30:00", "batch_booking": true,
            "creditor": {"name": "Turnverein Musterstadt e.V.", "iban": "DE02120300000000202051",
                         "creditor_id": "DE98ZZZ09999999999"},
            "debits": ["#,
    );
    for i in 0..100_000u64 {
        let sep = if i == 0 { "" } else { "," };
        write!(
            json,
            r#"{sep}{{"end_to_end_id": "E-{i}", "amount": "{}.{:02}", "collection_date": "2027-03-0{}",
               "sequence": "{}", "remittance": "Beitrag <{i}> & Co – Jugend",
               "debtor": {{"name": "Jürgen Müller {i}", "iban": "{}"}},
               "mandate": {{"id": "M-{i}", "signed_on": "2019-04-01"}}}}"#,
            1 + i % 500,
            i % 100,
            1 + i % 2,
            if i % 7 == 0 { "FRST" } else { "RCUR" },
            iban(1_000_000 + i)
        )
        .unwrap();
    }
    json.push_str("]}");
    let input = dir.path().join("debits.json");
    std::fs::write(&input, json).unwrap();
    let out = dir.path().join("out.xml");
    let (_home, cli) = cli();
    let run = Output::from_command(
        cli.command([
            "pain008",
            "--charset",
            "german",
            "--today",
            TODAY,
            "--input",
        ])
        .arg(&input)
        .arg("--output")
        .arg(&out),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.text().contains("100000 debits"), "{}", run.text());
    for schema in ["pain.008.001.08.xsd", "dk/pain.008.001.08_GBIC_5.xsd"] {
        let schema = xsd.join(schema);
        assert!(
            schema.exists(),
            "the schema {} is missing; set SEPA_XSD_DIR",
            schema.display()
        );
        let result = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(&out)
            .output()
            .expect("xmllint is needed for this suite (Debian package libxml2-utils)");
        assert!(
            result.status.success(),
            "against {}: {}",
            schema.display(),
            String::from_utf8_lossy(&result.stderr)
        );
    }
}

/// Issue #14: a file is streamed (chunked JSON, CSV row by row, parsing on the reader thread),
/// standard input is read whole; both give the same files, warnings and problems, also with
/// `--split-schemes`, the header after the debits and CSV rows without an end-to-end id.
#[test]
fn pain008_streamed_and_read_whole_give_the_same_files_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(examples().join("debits.json")).unwrap();
    let mut moved: serde_json::Value = serde_json::from_str(&example).unwrap();
    let header_last = {
        let m = moved.as_object_mut().unwrap();
        let debits = m.remove("debits").unwrap();
        let creditor = m.remove("creditor").unwrap();
        let mut d = debits.clone();
        d[1]["scheme"] = "B2B".into();
        format!(
            "{{\"creditor\": {creditor},\n \"debits\": {d:#},\n \"message_id\": \"KOPF-DANACH\", \"created_at\": \"2027-02-10T09:30:00\"}}"
        )
    };
    let csv = "end_to_end_id;mandate_id;mandate_signed_on;name;iban;amount;collection_date;scheme;Verwendungszweck\n\
               ;M-1;01.01.2020;Jürgen Groß;DE89370400440532013000;10,00;01.03.2027;CORE;Beitrag „März“\n\
               E-2;M-2;01.01.2020;Beta AG;DE75512108001245126199;20,00;01.03.2027;B2B;Rechnung\n\
               ;M-3;01.01.2020;Ønsker;DE89370400440532013000;0,00;01.03.2027;CORE;x\n\
               ;M-4;01.01.2020;Zoë;DE89370400440532013000;1,00;02.03.2027;CORE;x\n";
    let csv_ok = csv.replace(";0,00;", ";3,00;");
    let cases: [(&str, &str, &[&str]); 6] = [
        ("json", example.as_str(), &[]),
        ("json", example.as_str(), &["--charset", "german"]),
        ("json", header_last.as_str(), &["--split-schemes"]),
        ("csv", csv, &["--split-schemes"]),
        (
            "csv",
            csv_ok.as_str(),
            &["--split-schemes", "--message-id", "CSV-1"],
        ),
        ("csv", csv_ok.as_str(), &["--json", "--message-id", "CSV-2"]),
    ];
    let (_home, cli) = cli();
    for (n, (format, input, flags)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("in-{n}.{format}"));
        std::fs::write(&file, input).unwrap();
        let mut results = Vec::new();
        for whole in [false, true] {
            let out = dir.path().join(format!("out-{n}-{whole}.xml"));
            let mut args: Vec<String> = ["pain008", "--today", TODAY, "--input-format", format]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.extend(flags.iter().map(|s| s.to_string()));
            if *format == "csv" {
                args.push("--creditor".into());
                args.push(examples().join("creditor.toml").display().to_string());
            }
            args.extend(["--output".into(), out.display().to_string()]);
            args.push("--input".into());
            let run = if whole {
                args.push("-".into());
                cli.run_with_input(&args, input.as_bytes())
            } else {
                args.push(file.display().to_string());
                cli.run(&args)
            };
            let stem = format!("out-{n}-{whole}");
            let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&stem))
                .map(|p| {
                    let name = p
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .replace(&stem, "out");
                    (name, std::fs::read(&p).unwrap())
                })
                .collect();
            files.sort();
            let stdout = run.text().replace(&stem, "out");
            results.push((run.code, stdout, run.stderr.clone(), files));
        }
        assert!(
            results[0] == results[1],
            "case {n}: streamed {:?}\nwhole {:?}",
            &results[0].1,
            &results[1].1
        );
        assert!(
            results[0].0 == 0 || results[0].0 == 1,
            "case {n}: {}",
            results[0].2
        );
    }
}
