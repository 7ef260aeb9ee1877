//! How long generating a sandbox takes: `cargo bench -p sevdesk-sandbox --bench generate`.

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use sevdesk_sandbox::SandboxConfig;
use sevdesk_sandbox::generate::generate;

fn config(invoices: usize) -> SandboxConfig {
    SandboxConfig {
        seed: 42,
        invoices,
        today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default(),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("generate");
    g.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let cfg = config(n);
        g.bench_function(format!("{n} invoices"), |b| b.iter(|| generate(&cfg)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
