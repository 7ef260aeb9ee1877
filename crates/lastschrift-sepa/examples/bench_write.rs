//! Benchmark: validate and write 100 000 and 1 000 000 debits of realistic German data
//! (2 collection dates × FRST/RCUR), to `io::sink` and to a file, through both entry points:
//! `raw` (plain strings → `validate`, what the CLI does) and `typed` (parsed values →
//! `MessageBuilder`, what the application does).
//!
//! ```text
//! cargo run --release -p lastschrift-sepa --example bench_write                  # everything
//! cargo run --release -p lastschrift-sepa --example bench_write -- 1000000 raw sink
//! cargo run --release -p lastschrift-sepa --example bench_write -- 1000000 typed /tmp/out.xml
//! cargo run --release -p lastschrift-sepa --example bench_write -- 1000000 iban      # Iban::parse alone
//! ```
//!
//! Memory: the peak resident set is read from /proc/self/status (VmHWM) after resetting it once
//! the input is built, so "beyond input" is what validation and writing add on top of the input.

use std::time::Instant;

use chrono::NaiveDate;
use lastschrift_sepa::{
    Amount, CharacterPolicy, CreationTime, Creditor, CreditorId, Debit, Debtor, EndToEndId, Format,
    Iban, LocalInstrument, Mandate, MandateId, MessageBuilder, MessageHeader, MessageId, Name,
    RawCreditor, RawDebit, RawDebtor, RawMandate, RawMessage, RemittanceText, SequenceType,
    ValidationOptions,
};

const FIRST: &[&str] = &[
    "Jürgen", "Anna", "Özlem", "Thomas", "Sabine", "Michael", "Jörg", "Ute", "Klaus", "Bärbel",
];
const LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weiß",
    "Meyer",
    "Wagner",
    "Becker",
    "Schäfer",
    "Groß",
];
const BANKS: &[(&str, Option<&str>)] = &[
    ("37040044", Some("COBADEFFXXX")),
    ("50010517", Some("INGDDEFFXXX")),
    ("12030000", None),
    ("10010010", None),
    ("70020270", Some("HYVEDEMMXXX")),
];

fn german_iban(bank: &str, account: u64) -> String {
    let bban = format!("{bank}{account:010}");
    // Check digits: 98 − (BBAN + "DE00" as number) mod 97.
    let digits = format!("{bban}131400");
    let r = digits
        .bytes()
        .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - r)
}

fn raw_debit(i: usize) -> RawDebit {
    let (bank, bic) = BANKS[i % BANKS.len()];
    RawDebit {
        end_to_end_id: format!("RE-2026-{i:08}"),
        amount: format!("{}.{:02}", 5 + (i * 7919) % 2000, (i * 31) % 100),
        collection_date: if i.is_multiple_of(2) {
            "2026-12-14".into()
        } else {
            "2026-12-15".into()
        },
        sequence: if i.is_multiple_of(10) {
            "FRST".into()
        } else {
            "RCUR".into()
        },
        scheme: Some("CORE".into()),
        remittance: Some(format!(
            "Rechnung RE-2026-{i:08} vom 01.12.2026, Kundennr. {}",
            10_000 + i
        )),
        purpose: None,
        debtor: RawDebtor {
            name: format!("{} {}", FIRST[i % FIRST.len()], LAST[(i / 10) % LAST.len()]),
            iban: german_iban(bank, 1_000_000 + i as u64),
            bic: bic.map(str::to_string),
            address: None,
        },
        mandate: RawMandate {
            id: format!("KD-{:08}", 10_000 + i),
            signed_on: "2024-03-01".into(),
            amendment: None,
        },
        ultimate_debtor: None,
        ultimate_creditor: None,
    }
}

fn raw_message(n: usize) -> RawMessage {
    RawMessage {
        message_id: Some("BENCH-2026-11-28".into()),
        created_at: Some("2026-11-28T10:00:00+01:00".into()),
        batch_booking: Some(true),
        initiating_party: None,
        creditor: RawCreditor {
            name: "Stadtwerke Musterstadt GmbH".into(),
            iban: "DE89370400440532013000".into(),
            bic: Some("COBADEFFXXX".into()),
            creditor_id: "DE98ZZZ09999999999".into(),
            address: None,
        },
        debits: (0..n).map(raw_debit).collect(),
    }
}

fn status_kib(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time of this thread in seconds (the machine is shared, so wall-clock time alone can
/// mislead; both are reported).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

fn reset_peak() {
    // "5" resets VmHWM to the current RSS (Linux ≥ 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default()
}

fn output(target: &str) -> Box<dyn std::io::Write> {
    if target == "sink" {
        Box::new(std::io::sink())
    } else {
        Box::new(std::fs::File::create(target).unwrap_or_else(|e| panic!("{target}: {e}")))
    }
}

fn run_raw(n: usize, target: &str) {
    let raw = raw_message(n);
    reset_peak();
    let base = status_kib("VmRSS:");
    let t = Instant::now();
    let cpu = cpu_seconds();
    let options = ValidationOptions {
        policy: CharacterPolicy::German,
        created_at: None,
    };
    let (msg, warnings) = lastschrift_sepa::validate(raw, &options, today())
        .unwrap_or_else(|p| panic!("{:?}", &p[..p.len().min(3)]));
    let t_valid = t.elapsed();
    msg.write(Format::Pain00800108, output(target))
        .unwrap_or_else(|e| panic!("{e}"));
    let total = t.elapsed();
    report(
        "raw",
        n,
        target,
        t_valid,
        total,
        cpu_seconds() - cpu,
        base,
        warnings.len(),
    );
}

fn run_typed(n: usize, target: &str) {
    // The application parses values as it reads them (here from strings) and hands the typed
    // debits to the builder. Timed: parsing every value, the builder's checks, writing.
    // Memory "beyond input" is measured from the point where the typed debits exist.
    let raws: Vec<RawDebit> = (0..n).map(raw_debit).collect();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let p = CharacterPolicy::German;
    let ok = |e: &dyn std::fmt::Display| -> ! { panic!("{e}") };
    let debits: Vec<Debit> = raws
        .into_iter()
        .map(|r| Debit {
            end_to_end_id: EndToEndId::parse(&r.end_to_end_id).unwrap_or_else(|e| ok(&e)),
            amount: Amount::parse(&r.amount).unwrap_or_else(|e| ok(&e)),
            collection_date: NaiveDate::parse_from_str(&r.collection_date, "%Y-%m-%d")
                .unwrap_or_else(|e| ok(&e)),
            sequence: SequenceType::parse(&r.sequence).unwrap_or_else(|e| ok(&e)),
            mandate: Mandate {
                id: MandateId::parse(&r.mandate.id).unwrap_or_else(|e| ok(&e)),
                signed_on: NaiveDate::parse_from_str(&r.mandate.signed_on, "%Y-%m-%d")
                    .unwrap_or_else(|e| ok(&e)),
                scheme: LocalInstrument::Core,
                amendment: None,
            },
            debtor: Debtor {
                name: Name::parse_owned(r.debtor.name, p)
                    .unwrap_or_else(|e| ok(&e))
                    .0,
                iban: Iban::parse(&r.debtor.iban).unwrap_or_else(|e| ok(&e)),
                bic: r
                    .debtor
                    .bic
                    .map(|b| lastschrift_sepa::Bic::parse(&b).unwrap_or_else(|e| ok(&e))),
                address: None,
            },
            remittance: r.remittance.map(|t| {
                RemittanceText::parse_owned(t, p)
                    .unwrap_or_else(|e| ok(&e))
                    .0
            }),
            purpose: None,
            ultimate_debtor: None,
            ultimate_creditor: None,
        })
        .collect();
    reset_peak();
    let base = status_kib("VmRSS:");
    let header = MessageHeader {
        message_id: MessageId::parse("BENCH-2026-11-28").unwrap_or_else(|e| ok(&e)),
        created_at: CreationTime::parse("2026-11-28T10:00:00+01:00").unwrap_or_else(|e| ok(&e)),
        initiating_party: None,
        batch_booking: Some(true),
    };
    let creditor = Creditor {
        name: Name::parse("Stadtwerke Musterstadt GmbH", p)
            .unwrap_or_else(|e| ok(&e))
            .0,
        iban: Iban::parse("DE89370400440532013000").unwrap_or_else(|e| ok(&e)),
        bic: None,
        creditor_id: CreditorId::parse("DE98ZZZ09999999999").unwrap_or_else(|e| ok(&e)),
        address: None,
    };
    let mut b = MessageBuilder::new(header, creditor, today());
    b.push_all(debits);
    let (msg, warnings) = b
        .build()
        .unwrap_or_else(|p| panic!("{:?}", &p[..p.len().min(3)]));
    let t_valid = t.elapsed();
    msg.write(Format::Pain00800108, output(target))
        .unwrap_or_else(|e| panic!("{e}"));
    let cpu = cpu_seconds() - cpu;
    report(
        "typed",
        n,
        target,
        t_valid,
        t.elapsed(),
        cpu,
        base,
        warnings.len(),
    );
}

/// `Iban::parse` alone, on the IBANs the raw run uses plus one typed with spaces in ten and a
/// foreign one (letters in the BBAN) in ten, so the structure check of every kind is timed.
fn run_iban(n: usize) {
    const FOREIGN: &[&str] = &[
        "GB29NWBK60161331926819",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "CH9300762011623852957",
        "MT84MALT011000012345MTLCAST001S",
    ];
    let inputs: Vec<String> = (0..n)
        .map(|i| match i % 10 {
            3 => FOREIGN[(i / 10) % FOREIGN.len()].to_string(),
            7 => Iban::parse(&raw_debit(i).debtor.iban)
                .map(|iban| iban.grouped())
                .unwrap_or_default(),
            _ => raw_debit(i).debtor.iban,
        })
        .collect();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let mut ok = 0usize;
    for s in &inputs {
        ok += usize::from(std::hint::black_box(Iban::parse(std::hint::black_box(s))).is_ok());
    }
    let wall = t.elapsed();
    let cpu = cpu_seconds() - cpu;
    assert_eq!(ok, n, "every benchmark IBAN is valid");
    println!(
        "iban  {n:>9} × Iban::parse: {:>6.3} s (CPU {:>6.3} s), {:>5.1} ns per IBAN (CPU)",
        wall.as_secs_f64(),
        cpu,
        cpu * 1e9 / n as f64
    );
}

#[allow(clippy::too_many_arguments)] // a bench print helper; a struct would only add noise
fn report(
    mode: &str,
    n: usize,
    target: &str,
    valid: std::time::Duration,
    total: std::time::Duration,
    cpu: f64,
    base_kib: u64,
    warnings: usize,
) {
    let peak = status_kib("VmHWM:");
    println!(
        "{mode:5} {n:>9} debits → {target:14}: validation {:>6.3} s, validation+write {:>6.3} s (CPU {:>6.3} s), peak RSS {:>6} MiB, beyond input {:>5} MiB, {warnings} warnings",
        valid.as_secs_f64(),
        total.as_secs_f64(),
        cpu,
        peak / 1024,
        peak.saturating_sub(base_kib) / 1024,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [n, mode] = args.as_slice()
        && mode == "iban"
    {
        run_iban(n.parse().unwrap_or_else(|e| panic!("{n}: {e}")));
        return;
    }
    if let [n, mode, target] = args.as_slice() {
        let n: usize = n.parse().unwrap_or_else(|e| panic!("{n}: {e}"));
        match mode.as_str() {
            "raw" => run_raw(n, target),
            "typed" => run_typed(n, target),
            _ => panic!("mode is raw or typed"),
        }
        return;
    }
    let file = std::env::temp_dir().join("sepa-bench.xml");
    let file = file.to_string_lossy().to_string();
    for n in [100_000, 1_000_000] {
        for mode in ["raw", "typed"] {
            for target in ["sink", file.as_str()] {
                // A fresh process per run so one run's peak memory does not hide another's.
                let status =
                    std::process::Command::new(std::env::current_exe().unwrap_or_default())
                        .args([n.to_string(), mode.to_string(), target.to_string()])
                        .status()
                        .unwrap_or_else(|e| panic!("{e}"));
                assert!(status.success());
            }
        }
    }
    let _ = std::fs::remove_file(&file);
    run_iban(1_000_000);
}
