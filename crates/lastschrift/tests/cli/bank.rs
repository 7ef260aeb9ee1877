//! `lastschrift bank import|worklist|decide` end to end, as a user runs it: the demo collects
//! from its fake sevdesk account, the bank answers the file it wrote (a DK status report with a
//! reject, the batch booking, a return with a fee, each validated against the XSDs first), the
//! answers are imported with the real binary, the worklist says what they mean, and the next dry
//! run collects the right invoices again with the right sequence type.

use std::path::{Path, PathBuf};

use test_support::bank_files::{
    BankReturn, Bookings, CamtVersion, CollectionFile, Pain002Version, StatusOutcome,
    StatusReportOptions, camt054, pain002,
};
use test_support::cli::Lastschrift;

use super::lastschrift;

/// The binary on the demo's database, with the demo's creditor.
fn on_demo(dir: &Path) -> Lastschrift {
    lastschrift(dir).creditor(
        "Muster Software GmbH",
        "DE89370400440532013000",
        "DE98ZZZ09999999999",
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn planned(plan: &serde_json::Value, invoice_id: u64) -> Option<&serde_json::Value> {
    plan["debits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["invoice_id"].as_u64() == Some(invoice_id))
}

#[test]
fn demo_answers_imported_give_the_worklist_and_the_next_dry_run() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("demo");
    let demo = lastschrift(home.path()).run([
        "demo",
        "--invoices",
        "300",
        "--json",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(demo.code, 0, "{demo:?}");
    let first_plan = demo.json()["plan"].clone();
    let pain008 = std::fs::read_dir(dir.join("files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "xml"))
        .expect("the demo wrote a pain.008 file");
    let file = CollectionFile::read(&std::fs::read(&pain008).unwrap());
    let debits: Vec<_> = file.debits().cloned().collect();
    assert!(debits.len() >= 3, "{}", debits.len());
    let (rejected, returned) = (&debits[0], &debits[1]);

    let answers = home.path().join("bank");
    std::fs::create_dir_all(&answers).unwrap();
    let status = pain002(
        &file,
        &StatusReportOptions {
            version: Pain002Version::V03Dk,
            outcome: StatusOutcome::Partial {
                rejects: vec![(rejected.end_to_end_id.clone(), "AM04".into())],
            },
            ..StatusReportOptions::default()
        },
    );
    test_support::assert_schema_valid(&status, Pain002Version::V03Dk.schemas());
    let booking = camt054(
        CamtVersion::V02,
        &Bookings {
            collections: file.booked_batches(&[rejected.end_to_end_id.as_str()]),
            ..Bookings::for_file(&file)
        },
    );
    test_support::assert_schema_valid(&booking, &[CamtVersion::V02.camt054_schema()]);
    let returns = camt054(
        CamtVersion::V08,
        &Bookings::returns_of(
            &file,
            vec![BankReturn {
                debit: returned.clone(),
                reason: "AC04".into(),
                fee_cents: 450,
                ..BankReturn::default()
            }],
        ),
    );
    test_support::assert_schema_valid(&returns, &[CamtVersion::V08.camt054_schema()]);
    let files = [
        write(&answers, "pain002.xml", &status),
        write(&answers, "camt054-booking.xml", &booking),
        write(&answers, "camt054-returns.xml", &returns),
    ];
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a = vec!["bank".to_string(), "import".into()];
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend(files.iter().map(|p| p.display().to_string()));
        a
    };

    let cli = on_demo(&dir);
    let import = cli.run(args(&["--json"]));
    assert_eq!(import.code, 0, "{import:?}");
    let reports = import.json();
    let outcomes: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["imported"; 3], "{import:?}");
    let effects = |n: usize, effect: &str| {
        reports[n]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["effect"] == effect)
            .count()
    };
    assert_eq!(effects(0, "rejected"), 1);
    assert_eq!(effects(1, "collected"), debits.len() - 1);
    assert_eq!(effects(2, "returned"), 1);

    // The same files again: nothing changes, and the text says so.
    let again = cli.run(args(&[]));
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        again.text().matches("nothing changed").count(),
        3,
        "{again:?}"
    );

    // A broken file beside a good one: the broken one is named and refused, exit 1.
    let truncated = write(&answers, "truncated.xml", &returns[..returns.len() / 2]);
    let broken = cli.run([
        "bank",
        "import",
        truncated.to_str().unwrap(),
        files[2].to_str().unwrap(),
    ]);
    assert_eq!(broken.code, 1, "{broken:?}");
    assert!(
        broken
            .text()
            .contains("truncated.xml: REFUSED, nothing applied"),
        "{broken:?}"
    );
    assert!(broken.text().contains("imported before"), "{broken:?}");

    // The worklist: both with reason and next step; the CSV carries the fee.
    let worklist = cli.run(["bank", "worklist", "--json"]);
    assert_eq!(worklist.code, 0, "{worklist:?}");
    let items = worklist.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2, "{worklist:?}");
    let item = |reason: &str| {
        items
            .iter()
            .find(|i| i["reason_code"] == reason)
            .unwrap_or_else(|| panic!("{reason} on the worklist: {worklist:?}"))
    };
    assert_eq!(item("AM04")["follow_up"], "collect_again");
    assert_eq!(item("AC04")["follow_up"], "block_mandate");
    assert_eq!(item("AC04")["fee_cents"], 450);
    assert_eq!(item("AC04")["reason"]["german"], "Konto aufgelöst");
    let csv_path = home.path().join("ruecklastschriften.csv");
    let csv = cli.run(["bank", "worklist", "--csv", csv_path.to_str().unwrap()]);
    assert_eq!(csv.code, 0, "{csv:?}");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.contains(";4,50;"), "{csv}");

    // The next dry run: the AM04 reject again, as it went the first time; the AC04 return's
    // mandate blocked, with the reason.
    let rejected_invoice = item("AM04")["invoice_id"].as_u64().unwrap();
    let returned_invoice = item("AC04")["invoice_id"].as_u64().unwrap();
    let dry = cli.run(["collect", "--dry-run", "--json"]);
    assert!(dry.code == 0 || dry.code == 1, "{dry:?}");
    let plan = dry.json();
    let again = planned(&plan, rejected_invoice).expect("the AM04 reject is collected again");
    let before = planned(&first_plan, rejected_invoice).unwrap();
    assert_eq!(
        again["sequence_type"], before["sequence_type"],
        "a rejected debit was no use of the mandate"
    );
    assert!(planned(&plan, returned_invoice).is_none());
    let blocked = plan["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["invoice_id"].as_u64() == Some(returned_invoice))
        .expect("the blocked invoice is explained");
    assert_eq!(blocked["reason"]["code"], "mandate_blocked", "{blocked}");
    // The collected invoices are not collected again.
    for d in first_plan["debits"].as_array().unwrap() {
        let id = d["invoice_id"].as_u64().unwrap();
        if id != rejected_invoice {
            assert!(planned(&plan, id).is_none(), "invoice {id} collected twice");
        }
    }

    // Lifting the block puts the invoice into the next run, now on RCUR: it was presented.
    let debit_id = item("AC04")["debit_id"].as_i64().unwrap().to_string();
    let decide = cli.run(["bank", "decide", &debit_id, "collect-again"]);
    assert_eq!(decide.code, 0, "{decide:?}");
    let plan = cli.run(["collect", "--dry-run", "--json"]).json();
    let lifted = planned(&plan, returned_invoice).expect("collected again after the decision");
    assert_eq!(lifted["sequence_type"], "RCUR", "{lifted}");
}

/// The latest collection date is a policy (`policies.max_days_ahead`), and a date more than 14
/// days ahead is warned about in the dry run: the bank must hold the file until then.
#[test]
fn a_far_collection_date_is_warned_about_and_the_maximum_is_a_policy() {
    let home = tempfile::tempdir().unwrap();
    // The demo's own folder inside the test's home, never the working directory (the source
    // tree, under cargo test); the commands then work on the demo's installation.
    let dir = home.path().join("demo");
    let demo =
        lastschrift(home.path()).run(["demo", "--invoices", "300", "--dir", dir.to_str().unwrap()]);
    assert_eq!(demo.code, 0, "{demo:?}");
    let cli = on_demo(&dir);
    let today = chrono::Local::now().date_naive();
    let date = |days| (today + chrono::Days::new(days)).to_string();
    let far = cli.run(["collect", "--dry-run", "--date", &date(21)]);
    assert!(far.code == 0 || far.code == 1, "{far:?}");
    assert!(
        far.text().contains("warning: the collection date")
            && far.text().contains("14 calendar days"),
        "{far:?}"
    );
    let near = cli.run(["collect", "--dry-run", "--date", &date(5)]);
    assert!(!near.text().contains("calendar days ahead"), "{near:?}");

    let limited = cli
        .command(["collect", "--dry-run", "--date", &date(21)])
        .env("LASTSCHRIFT_POLICIES__MAX_DAYS_AHEAD", "20")
        .output()
        .unwrap();
    assert_eq!(limited.status.code(), Some(2), "{limited:?}");
    let stderr = String::from_utf8_lossy(&limited.stderr);
    assert!(
        stderr.contains("too far ahead") && stderr.contains("policies.max_days_ahead"),
        "{stderr}"
    );
}
