//! End to end, as a user runs it: a sandbox account with 1 000 invoices (seed 42), then the real
//! binary — `connect`, `sync`, `collect --json` — and every written file is checked against
//! the ISO and the German (DK) schemas with xmllint, against the ledger (read with the store
//! API) and against the sandbox data. sevdesk must have seen only GET requests, a second
//! `collect` must write nothing, and the token must be nowhere: not in the database, not in any
//! file of the data and output directories, not in any output, also with `-v`/`-vv`.
//!
//! Part of the schema suite (feature `xsd`, like `pain008`'s schema test; the module is cfg'd in
//! `main.rs`): it needs xmllint and the XSD files in `SEPA_XSD_DIR`. With `postgres-tests` the .08
//! case runs on PostgreSQL too.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{cents, element, walk};
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_store::RunStatus;
use sevdesk_sandbox::{Sandbox, SandboxConfig};
use test_support::cli::{Lastschrift, Output};

/// Exclusion reasons that make `collect` exit with 1 (data the user has to fix), as
/// `lastschrift collect --help` documents.
const PROBLEM_REASONS: &[&str] = &[
    "no_mandate",
    "invalid_mandate_reference",
    "no_signature_date",
    "unreadable_signature_date",
    "signature_date_in_future",
    "mandate_expired",
    "no_iban",
    "invalid_iban",
    "rejected_by_sepa_rules",
    "not_rereadable",
    "invalid_debtor_name",
    "contact_missing",
];

/// The binary, and every output it gave (all are searched for the token at the end).
struct Cli {
    lastschrift: Lastschrift,
    outputs: Vec<Output>,
}

impl Cli {
    async fn run(&mut self, args: &[&str], token: Option<&str>) -> &Output {
        let mut lastschrift = self.lastschrift.clone();
        if let Some(token) = token {
            lastschrift = lastschrift.token(token);
        }
        self.outputs.push(lastschrift.run_async(args).await);
        self.outputs.last().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_invoices_to_valid_pain_008_001_08_matching_the_ledger() {
    end_to_end(
        "pain.008.001.08",
        ["pain.008.001.08.xsd", "dk/pain.008.001.08_GBIC_5.xsd"],
        None,
    )
    .await;
}

#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_invoices_to_valid_pain_008_001_08_on_postgresql() {
    common::with_postgres_schema("lastschrift_e2e", |url| {
        end_to_end(
            "pain.008.001.08",
            ["pain.008.001.08.xsd", "dk/pain.008.001.08_GBIC_5.xsd"],
            Some(url),
        )
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_invoices_to_valid_legacy_pain_008_001_02_matching_the_ledger() {
    end_to_end(
        "pain.008.001.02",
        ["pain.008.001.02.xsd", "dk/pain.008.001.02_GBIC_3.xsd"],
        None,
    )
    .await;
}

async fn end_to_end(format: &'static str, schemas: [&str; 2], database: Option<DatabaseUrl>) {
    let xsd = common::xsd_dir();
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 42,
        invoices: 1000,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let token = sandbox.token().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let output_dir = dir.path().join("out");
    let mut lastschrift = super::collecting(&data_dir, &output_dir, &sandbox.base_url())
        .env("LASTSCHRIFT_CREDITOR__BIC", "COBADEFFXXX")
        .env("LASTSCHRIFT_POLICIES__OUTPUT_FORMAT", format);
    if let Some(url) = &database {
        lastschrift = lastschrift.env("LASTSCHRIFT_DATABASE_URL", url.expose());
    }
    let mut cli = Cli {
        lastschrift,
        outputs: Vec::new(),
    };

    let connect = cli.run(&["-v", "connect"], Some(&token)).await;
    assert_eq!(connect.code, 0, "{}", connect.stderr);
    let sync = cli.run(&["-v", "sync"], None).await;
    assert!(sync.code == 0 || sync.code == 1, "{}", sync.stderr);

    let collect = cli.run(&["-vv", "collect", "--json"], None).await;
    let first_code = collect.code;
    let outcome: serde_json::Value = serde_json::from_str(collect.text())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", collect.text(), collect.stderr));
    assert_eq!(
        first_code,
        expected_exit_code(&outcome["plan"]),
        "{}",
        collect.stderr
    );
    let run_json = &outcome["run"];
    let run_id = run_json["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no run was made: {outcome}"));

    // The ledger, read from the same database the binary wrote.
    let db = data_dir.join(lastschrift_core::settings::SQLITE_FILE_NAME);
    let url = database
        .clone()
        .unwrap_or_else(|| DatabaseUrl::sqlite_file(&db));
    let store = lastschrift_store::open_url(&url).await.unwrap();
    let run = store.collection_run(run_id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Exported);
    assert_eq!(run.format, format);
    assert_eq!(run_json["debit_count"].as_i64(), Some(run.debit_count));
    assert_eq!(run_json["total_cents"].as_i64(), Some(run.total_cents));
    let debits = store.debits_for_run(run_id).await.unwrap();
    assert!(
        debits.len() >= 50,
        "only {} debits out of 1 000 invoices",
        debits.len()
    );
    assert_eq!(run.debit_count, debits.len() as i64);
    assert_eq!(
        run.total_cents,
        debits.iter().map(|d| d.amount_cents).sum::<i64>()
    );
    assert_eq!(
        outcome["plan"]["debits"].as_array().unwrap().len(),
        debits.len()
    );

    // Every debit is an open direct-debit EUR invoice of the account, for its open amount.
    let direct_debit = sandbox.with_data(|d| d.direct_debit_method_id()).unwrap();
    sandbox.with_data(|data| {
        for debit in &debits {
            let invoice = &data.invoices[&(debit.invoice_id as u64)];
            assert!(
                invoice.status == 200 || invoice.status == 750,
                "invoice {} has status {}",
                invoice.id,
                invoice.status
            );
            assert_eq!(invoice.payment_method_id, Some(direct_debit));
            assert_eq!(invoice.currency, "EUR");
            assert_eq!(invoice.invoice_type, "RE");
            assert_eq!(invoice.contact_id as i64, debit.contact_id);
            assert_eq!(
                invoice.sum_gross - invoice.paid_amount,
                debit.amount_cents,
                "invoice {}",
                invoice.id
            );
        }
    });

    // Every file: on disk with the ledger's bytes, valid against both schemas, totals equal to
    // its debits in the ledger.
    let files = store.run_files(run_id).await.unwrap();
    assert!(!files.is_empty());
    let mut expected_names = BTreeSet::new();
    let mut seen_debits = 0;
    for file in &files {
        let path = output_dir.join(&file.info.file_name);
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            bytes == file.bytes,
            "{} differs from the ledger",
            path.display()
        );
        for schema in schemas {
            let result = Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(xsd.join(schema))
                .arg(&path)
                .output()
                .expect("xmllint is needed for this suite (Debian package libxml2-utils)");
            assert!(
                result.status.success(),
                "{} against {schema}: {}",
                file.info.file_name,
                String::from_utf8_lossy(&result.stderr)
            );
        }
        let xml = String::from_utf8(bytes).unwrap();
        assert!(
            xml.contains(&format!("urn:iso:std:iso:20022:tech:xsd:{format}")),
            "{} is not {format}",
            file.info.file_name
        );
        let mine: Vec<_> = debits
            .iter()
            .filter(|d| d.file_id == file.info.id)
            .collect();
        let sum: i64 = mine.iter().map(|d| d.amount_cents).sum();
        assert_eq!(element(&xml, "NbOfTxs"), mine.len().to_string());
        assert_eq!(cents(element(&xml, "CtrlSum")), sum);
        assert_eq!(file.info.debit_count, mine.len() as i64);
        assert_eq!(file.info.total_cents, sum);
        // The payment-information blocks add up to the group header too.
        let (blocks, block_sum) = payment_blocks(&xml);
        assert_eq!((blocks, block_sum), (mine.len(), sum));
        for d in &mine {
            assert!(
                xml.contains(&format!("<EndToEndId>{}</EndToEndId>", d.end_to_end_id)),
                "{} lacks the debit of invoice {}",
                file.info.file_name,
                d.invoice_id
            );
        }
        seen_debits += mine.len();
        expected_names.insert(file.info.file_name.clone());
    }
    assert_eq!(seen_debits, debits.len(), "a debit is in no file");
    expected_names.insert(format!("lauf-{run_id}-kontrollliste.csv"));
    let written: BTreeSet<String> = outcome["files_written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            Path::new(p.as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(written, expected_names);
    assert_eq!(list(&output_dir), expected_names);
    let control =
        std::fs::read(output_dir.join(format!("lauf-{run_id}-kontrollliste.csv"))).unwrap();
    assert_eq!(Some(control), store.control_list(run_id).await.unwrap());

    // A second collect finds nothing new and writes nothing.
    let again = cli.run(&["-v", "collect"], None).await;
    assert_eq!(again.code, first_code, "{}", again.stderr);
    assert!(
        again
            .text()
            .contains("Nothing to collect; no file was written."),
        "{}",
        again.text()
    );
    assert_eq!(list(&output_dir), expected_names);
    assert_eq!(store.collection_runs().await.unwrap().len(), 1);
    let listed = cli.run(&["-v", "runs", "list", "--json"], None).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);

    // sevdesk was only read.
    assert_eq!(sandbox.write_attempts(), 0);
    let requests = sandbox.requests();
    assert!(!requests.is_empty());
    let writes: Vec<_> = requests.iter().filter(|r| r.method != "GET").collect();
    assert!(writes.is_empty(), "non-GET requests: {writes:?}");

    println!(
        "{format} on {}: {} debit(s), {} cents, {} file(s) valid against {schemas:?}; {} GET request(s); \
         collect exit code {first_code} both times",
        store.backend(),
        debits.len(),
        run.total_cents,
        files.len(),
        requests.len()
    );
    // Stored sealed, not in clear (on PostgreSQL this is the database's only copy we can read).
    let sealed = store
        .secret(lastschrift_core::secret::SEVDESK_TOKEN)
        .await
        .unwrap()
        .expect("the token is stored");
    assert!(!contains(&sealed, token.as_bytes()));
    store.close().await;
    sandbox.shutdown().await;

    // The token: nowhere on disk, nowhere in any output.
    let mut searched = 0;
    for path in walk(dir.path()) {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            // SQLite's side files may still be removed by the closing connection's thread after
            // `close()` returned; what is gone cannot hold the token.
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    && ["-wal", "-shm", "-journal"]
                        .iter()
                        .any(|suffix| path.to_string_lossy().ends_with(suffix)) =>
            {
                continue;
            }
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        assert!(
            !contains(&bytes, token.as_bytes()),
            "the token is readable in {}",
            path.display()
        );
        searched += 1;
    }
    if database.is_none() {
        assert!(
            walk(&data_dir)
                .iter()
                .any(|p| p.ends_with(lastschrift_core::settings::SQLITE_FILE_NAME)),
            "the database file was not searched"
        );
    }
    // Key file and the run's files at least (and the SQLite file with its WAL).
    assert!(searched >= 3, "only {searched} files searched");
    for out in &cli.outputs {
        assert!(
            !out.text().contains(&token) && !out.stderr.contains(&token),
            "the token is in the output of `{}`",
            out.command
        );
    }
    // -vv did log: the search above covered real log output.
    assert!(
        cli.outputs.iter().any(|o| o.stderr.len() > 1000),
        "the verbose runs logged nothing"
    );
}

/// 1 when invoices were left out for data the user must fix, else 0 (`collect --help`).
fn expected_exit_code(plan: &serde_json::Value) -> i32 {
    let problem = plan["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| PROBLEM_REASONS.contains(&e["reason"]["code"].as_str().unwrap()));
    i32::from(problem)
}

/// Number of transactions and sum over the `<PmtInf>` blocks.
fn payment_blocks(xml: &str) -> (usize, i64) {
    let mut count = 0;
    let mut sum = 0;
    for block in xml.split("<PmtInf>").skip(1) {
        count += element(block, "NbOfTxs").parse::<usize>().unwrap();
        sum += cents(element(block, "CtrlSum"));
        // Each block's own transactions match its header.
        let amounts: i64 = block
            .split("<InstdAmt Ccy=\"EUR\">")
            .skip(1)
            .map(|s| cents(&s[..s.find('<').unwrap()]))
            .sum();
        assert_eq!(amounts, cents(element(block, "CtrlSum")));
    }
    (count, sum)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn list(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}
