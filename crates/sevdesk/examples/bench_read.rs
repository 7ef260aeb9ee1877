//! Benchmark: a full `read_all` of a large account from the sandbox, with latency injected on
//! every request.
//!
//! ```sh
//! cargo run --release -p sevdesk --example bench_read   # 10 000 invoices, 5 000 contacts, 20 ms
//! # invoices, contacts, latency ms, concurrency, runs:
//! cargo run --release -p sevdesk --example bench_read -- 10000 5000 20 4 3
//! ```
//!
//! Prints the requests sent, the pages the lists need, and the wall time of each run.

use std::time::{Duration, Instant};

use sevdesk::{ApiToken, Client, ClientConfig};
use sevdesk_sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let invoices = args.first().copied().unwrap_or(10_000) as usize;
    let contacts = args.get(1).copied().unwrap_or(5_000) as usize;
    let latency = Duration::from_millis(args.get(2).copied().unwrap_or(20));
    let concurrency = args.get(3).copied().unwrap_or(4) as usize;
    let runs = args.get(4).copied().unwrap_or(3);

    let sandbox = Sandbox::start(SandboxConfig {
        invoices,
        contacts: Some(contacts),
        ..SandboxConfig::default()
    })
    .await?;
    let counts = sandbox.with_data(|d| {
        let status = |s: u16| d.invoices.values().filter(|i| i.status == s).count();
        let emails = d.email_count();
        let address_categories = d.address_category_count();
        let credit_notes = |s: u16| d.credit_notes.values().filter(|c| c.status == s).count();
        [
            ("bookkeeping version", 1),
            ("payment methods", d.payment_methods.len()),
            ("invoices status 200", status(200)),
            ("invoices status 750", status(750)),
            ("contacts", d.contacts.len()),
            ("addresses", d.addresses.len()),
            ("e-mail addresses", emails),
            ("custom fields", d.custom_fields.len()),
            ("custom field settings", d.custom_field_settings.len()),
            ("address categories", address_categories),
            ("countries", d.countries.len()),
            ("credit notes status 200", credit_notes(200)),
            ("credit notes status 750", credit_notes(750)),
        ]
    });
    let total_invoices = sandbox.with_data(|d| d.invoices.len());
    println!(
        "sandbox: {total_invoices} invoices in all, latency {} ms per request, concurrency {concurrency}",
        latency.as_millis()
    );
    let mut pages_needed = 0;
    for (what, n) in counts {
        let pages = if what == "bookkeeping version" {
            1
        } else {
            n.div_ceil(1000).max(1)
        };
        pages_needed += pages;
        println!("  {what:<24} {n:>6} records  {pages:>2} page(s)");
    }
    println!("  pages needed: {pages_needed}");

    sandbox.set_faults(vec![Fault {
        path_prefix: None,
        kind: FaultKind::Latency(latency),
        times: None,
    }]);
    for run in 1..=runs {
        let mut config =
            ClientConfig::new(ApiToken::new(sandbox.token())?).with_base_url(sandbox.base_url());
        config.max_concurrency = concurrency;
        let client = Client::new(config)?;
        let before = sandbox.requests().len();
        let start = Instant::now();
        let snapshot = client.read_all().await?;
        let wall = start.elapsed();
        let sent = sandbox.requests().len() - before;
        println!(
            "run {run}: {} open invoices, {} contacts, {} addresses, {} e-mails read in {:.0} ms \
             with {sent} requests ({} logged by the client, {} non-GET seen by the server)",
            snapshot.invoices.len(),
            snapshot.contacts.len(),
            snapshot.contact_addresses.len(),
            snapshot.email_addresses.len(),
            wall.as_secs_f64() * 1000.0,
            client.request_log().total(),
            sandbox.write_attempts(),
        );
        if sent != pages_needed {
            println!("  WARNING: {sent} requests sent, {pages_needed} pages needed");
        }
    }
    sandbox.shutdown().await;
    Ok(())
}
