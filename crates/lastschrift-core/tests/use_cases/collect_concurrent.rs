//! Two collection runs started at the same moment (two terminals, or the CLI and the web UI):
//! they take turns on the installation's collection lock, so exactly one records the debits, the
//! other finds nothing left, neither fails, and the files on disk are exactly the recorded ones.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use chrono::Utc;
use lastschrift_core::collect::{ExclusionReason, execute_collection};
use lastschrift_core::settings::{DatabaseUrl, Settings};
use lastschrift_core::sync::{NoProgress, sync};
use lastschrift_store::RunStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_collects_at_once_record_one_run_and_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let sb = super::sandbox(150).await;
    let client = common::sandbox_client(&sb, 1);
    let mut settings = Settings {
        data_dir: dir.path().to_owned(),
        database_url: Some(DatabaseUrl::sqlite_file(&dir.path().join("db.sqlite3"))),
        output_dir: Some(dir.path().join("files")),
        creditor: Some(super::creditor()),
        ..Settings::default()
    };
    settings.sevdesk.base_url = sb.base_url();
    let store = lastschrift_store::open_url(&settings.database_url())
        .await
        .unwrap();
    sync(&*store, &client, &settings, &NoProgress, Utc::now())
        .await
        .unwrap();
    let now = super::now();

    let (a, b) = tokio::join!(
        execute_collection(&*store, &client, &settings, now, None, None),
        execute_collection(&*store, &client, &settings, now, None, None),
    );
    let (a, b) = (a.expect("first collect"), b.expect("second collect"));
    let runs: Vec<_> = [&a, &b].iter().filter_map(|o| o.run.clone()).collect();
    assert_eq!(runs.len(), 1, "exactly one of the two made a run");
    let run = &runs[0];
    assert_eq!(run.status, RunStatus::Exported);
    let other = if a.run.is_some() { &b } else { &a };
    let debits = store.debits_for_run(run.id).await.unwrap();
    for d in &debits {
        let e = other
            .plan
            .exclusions
            .iter()
            .find(|e| e.invoice_id == d.invoice_id)
            .expect("the other run explains every collected invoice");
        assert_eq!(e.reason, ExclusionReason::AlreadyCollected);
    }
    let out = settings.output_dir();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = store
        .run_files(run.id)
        .await
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(std::fs::read(out.join(&f.info.file_name)).unwrap(), f.bytes);
            f.info.file_name.clone()
        })
        .collect();
    expected.push(lastschrift_core::collect::control_list_file_name(run));
    expected.sort();
    assert_eq!(
        names, expected,
        "the output holds the run's files and nothing else"
    );
    sb.shutdown().await;
}
