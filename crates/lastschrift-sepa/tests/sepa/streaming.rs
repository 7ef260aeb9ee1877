//! The streaming path (`MessageStream`) against the in-memory one (`validate` + `write`): the
//! same bytes, the same problems and warnings in the same order, for the golden fixtures and
//! for generated messages with awkward names, texts, amounts and repeated ids.

use std::io::Cursor;

use lastschrift_sepa::{
    CharacterPolicy, Format, MessageStream, Problem, RawMessage, RawMessageHeader,
    ValidationOptions, Warning,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::common::{golden_cases, golden_path, load_fixture, today};
use crate::properties::message;

type Outcome = Result<(Vec<u8>, Vec<Warning>), Vec<Problem>>;

fn in_memory(raw: RawMessage, policy: CharacterPolicy, format: Format) -> Outcome {
    let options = ValidationOptions {
        policy,
        created_at: None,
    };
    let (msg, warnings) = lastschrift_sepa::validate(raw, &options, today())?;
    let problems = msg.check_format(format);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = Vec::new();
    msg.write(format, &mut out).unwrap();
    Ok((out, warnings))
}

fn streamed(raw: RawMessage, policy: CharacterPolicy, format: Format) -> Outcome {
    let options = ValidationOptions {
        policy,
        created_at: None,
    };
    let mut stream = MessageStream::new(
        raw.creditor,
        &options,
        today(),
        format,
        Cursor::new(Vec::new()),
    );
    for d in raw.debits {
        stream.push(d);
    }
    let header = RawMessageHeader {
        message_id: raw.message_id,
        created_at: raw.created_at,
        batch_booking: raw.batch_booking,
        initiating_party: raw.initiating_party,
    };
    let (mut msg, warnings) = stream.finish(header).unwrap().map_err(|p| {
        assert_eq!(
            p.total,
            p.items.len(),
            "nothing left unlisted in a small message"
        );
        p.items
    })?;
    if !msg.check_format().is_empty() {
        return Err(msg.check_format().items.clone());
    }
    let mut out = Vec::new();
    msg.write(&mut out).unwrap();
    assert_eq!(warnings.total, warnings.items.len());
    Ok((out, warnings.items))
}

#[test]
fn golden_fixtures_stream_to_the_same_bytes() {
    for case in golden_cases() {
        let raw = load_fixture(case.fixture);
        let memory = in_memory(raw.clone(), case.policy, case.format);
        let stream = streamed(raw, case.policy, case.format);
        assert_eq!(memory, stream, "{}", case.name);
        let golden = std::fs::read(golden_path(case.name)).unwrap();
        assert_eq!(stream.unwrap().0, golden, "{}", case.name);
    }
}

#[test]
fn generated_messages_stream_to_the_same_bytes_and_findings() {
    // The composed strategy is deep; unoptimised it needs more than a test thread's stack.
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(generated_messages)
        .unwrap()
        .join()
        .unwrap();
}

fn generated_messages() {
    let mut runner = TestRunner::new(Config {
        cases: 512,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        message(),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..6),
        prop_oneof![
            Just(None),
            Just(Some(String::new())),
            Just(Some("kein Datum".to_string()))
        ],
    );
    runner
        .run(&strategy, |((mut raw, basic), v02, repeats, created_at)| {
            let n = raw.debits.len();
            // Repeated end-to-end ids, so the duplicate check is compared too.
            for r in repeats {
                let (a, b) = (usize::from(r) % n, usize::from(r / 7) % n);
                raw.debits[a].end_to_end_id = raw.debits[b].end_to_end_id.clone();
            }
            if let Some(c) = created_at {
                raw.created_at = Some(c);
            }
            let policy = if basic {
                CharacterPolicy::Basic
            } else {
                CharacterPolicy::German
            };
            let format = if v02 {
                Format::Pain00800102
            } else {
                Format::Pain00800108
            };
            let memory = in_memory(raw.clone(), policy, format);
            let stream = streamed(raw, policy, format);
            prop_assert_eq!(memory, stream);
            Ok(())
        })
        .unwrap();
}

/// Far beyond one buffer: blocks spill to the store and are read back in order.
#[test]
fn a_large_message_spills_and_reads_back_the_same_bytes() {
    let mut raw = load_fixture("core_blocks");
    let template = raw.debits.clone();
    raw.debits = (0..20_000)
        .map(|i| {
            let mut d = template[i % template.len()].clone();
            d.end_to_end_id = format!("SPILL-{i}");
            d
        })
        .collect();
    let memory = in_memory(raw.clone(), CharacterPolicy::German, Format::Pain00800108);
    let stream = streamed(raw, CharacterPolicy::German, Format::Pain00800108);
    assert!(memory.as_ref().unwrap().0.len() > 4 * 1024 * 1024);
    assert!(memory == stream, "streamed bytes differ");
}
