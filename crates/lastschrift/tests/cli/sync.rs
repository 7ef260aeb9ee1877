//! `lastschrift connect` and `lastschrift sync` as the real binary against the sandbox over HTTP:
//! the token is checked, stored encrypted, never printed, and only GETs reach sevdesk.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use common::walk;
use sevdesk_sandbox::{Sandbox, SandboxConfig};
use std::path::Path;
use test_support::cli::Output;

use super::lastschrift;

/// Every byte under `dir` (database, WAL, key file) and every output must be free of the token.
fn assert_token_absent(token: &str, dir: &Path, outputs: &[&Output]) {
    let mut files = 0;
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap();
        files += 1;
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token is readable in {}",
            entry.display()
        );
    }
    assert!(
        files >= 2,
        "expected the database and the key file in {}",
        dir.display()
    );
    for run in outputs {
        assert!(!run.text().contains(token) && !run.stderr.contains(token));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_then_sync_reads_everything_and_writes_nothing() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 7,
        invoices: 300,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let token = sandbox.token().to_string();
    let url = sandbox.base_url();
    let dir = tempfile::tempdir().unwrap();

    let cli = lastschrift(dir.path()).sevdesk_base_url(&url);

    let wrong = cli
        .clone()
        .token("0123456789abcdef0123456789abcdef")
        .run_async(["connect"])
        .await;
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("The token was not stored"),
        "{}",
        wrong.stderr
    );
    let no_token = cli.run_async(["sync"]).await;
    assert_eq!(no_token.code, 2);
    assert!(
        no_token.stderr.contains("run `lastschrift connect`"),
        "{}",
        no_token.stderr
    );

    let connect = cli.clone().token(&token).run_async(["connect"]).await;
    assert_eq!(connect.code, 0, "{}", connect.stderr);
    assert!(
        connect.text().contains("stored encrypted"),
        "{}",
        connect.text()
    );

    let first = cli.run_async(["sync", "--json"]).await;
    let summary: serde_json::Value = serde_json::from_str(first.text())
        .unwrap_or_else(|e| panic!("{e}: {} / {}", first.text(), first.stderr));
    let open = sandbox.with_data(|d| {
        d.invoices
            .values()
            .filter(|i| i.status == 200 || i.status == 750)
            .count() as u64
    });
    let stored = summary["invoices"]["inserted"].as_u64().unwrap();
    let skipped = summary["problems"].as_array().unwrap().len() as u64;
    assert!(
        stored > 0 && stored <= open && stored + skipped >= open,
        "{summary}"
    );
    assert_eq!(summary["incremental"], false);

    let second = cli.run_async(["sync"]).await;
    assert!(
        second
            .text()
            .starts_with("Incremental sync: invoices 0 new"),
        "{}",
        second.text()
    );

    assert_eq!(sandbox.write_attempts(), 0);
    assert!(sandbox.requests().iter().all(|r| r.method == "GET"));
    assert_token_absent(
        &token,
        dir.path(),
        &[&wrong, &no_token, &connect, &first, &second],
    );
    sandbox.shutdown().await;
}
