//! Benchmark: the mandate CSV import (the code behind `lastschrift mandates import` and the web
//! upload) at growing sizes, into a SQLite file in a temporary directory. Each size imports a
//! fresh registry of N rows for N synced contacts, then the same file again (all unchanged).
//!
//! ```text
//! cargo run --release -p lastschrift-core --example bench_mandate_import
//! cargo run --release -p lastschrift-core --example bench_mandate_import -- 5000 40000 100000
//! ```
//!
//! Linear means: ten times the rows, about ten times the time. Before the fix a row's line
//! number was counted from the start of the file (5 000 rows 0.2 s, 40 000 11 s, 100 000 72 s).

use std::time::Instant;

use chrono::NaiveDate;
use lastschrift_core::mandates::import_csv;
use lastschrift_store::{Contact, DatabaseUrl, open_url};

fn contact(id: i64) -> Contact {
    test_support::organisation(
        id,
        &format!("K{id}"),
        &format!("Kunde {id} GmbH"),
        "DE89370400440532013000",
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = match std::env::args().skip(1).collect::<Vec<_>>() {
        args if args.is_empty() => vec![5_000, 40_000, 100_000],
        args => args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?,
    };
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    println!(
        "{:>8}  {:>10}  {:>10}  {:>9}",
        "rows", "CSV", "import", "again"
    );
    for n in sizes {
        let dir = tempfile::tempdir()?;
        let store = open_url(&DatabaseUrl::sqlite_file(&dir.path().join("bench.sqlite3"))).await?;
        let contacts: Vec<Contact> = (1..=n as i64).map(contact).collect();
        store.upsert_contacts(&contacts).await?;
        let mut csv = String::from("Mandatsreferenz;Kontakt-ID;Unterschriftsdatum\r\n");
        for id in 1..=n {
            csv.push_str(&format!("MR-{id:07};{id};01.02.2024\r\n"));
        }
        let started = Instant::now();
        let report = import_csv(&*store, csv.as_bytes(), today).await?;
        let first = started.elapsed();
        anyhow::ensure!(
            report.rows.len() == n,
            "{} rows reported",
            report.rows.len()
        );
        let started = Instant::now();
        import_csv(&*store, csv.as_bytes(), today).await?;
        let again = started.elapsed();
        println!(
            "{n:>8}  {:>7} KiB  {:>8.2} s  {:>7.2} s",
            csv.len() / 1024,
            first.as_secs_f64(),
            again.as_secs_f64()
        );
        store.close().await;
    }
    Ok(())
}
