//! Shared test harness: the golden cases, fixture loading, the xmllint schema check, and IBANs
//! generated from the registry structure.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use lastschrift_sepa::{CharacterPolicy, Format, RawMessage, ValidationOptions, Warning};

/// "Today" for every fixture.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One golden file: fixture + policy + format → `tests/golden/<name>.xml`.
pub struct GoldenCase {
    pub name: &'static str,
    pub fixture: &'static str,
    pub policy: CharacterPolicy,
    pub format: Format,
}

pub fn golden_cases() -> Vec<GoldenCase> {
    use CharacterPolicy::{Basic, German};
    use Format::{Pain00800102 as V02, Pain00800108 as V08};
    let c = |name, fixture, policy, format| GoldenCase {
        name,
        fixture,
        policy,
        format,
    };
    vec![
        c("core_blocks", "core_blocks", German, V08),
        c("core_blocks_basic", "core_blocks", Basic, V08),
        c("core_blocks_02", "core_blocks", German, V02),
        c("b2b", "b2b", German, V08),
        c("b2b_02", "b2b", German, V02),
        c("amendments", "amendments", German, V08),
        c("amendments_02", "amendments", German, V02),
        c("non_eea", "non_eea", German, V08),
        c("transliteration_basic", "transliteration", Basic, V08),
        c("transliteration_german", "transliteration", German, V08),
    ]
}

pub fn load_fixture(name: &str) -> RawMessage {
    let path = crate_dir()
        .join("tests/fixtures")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Validates and writes a golden case; panics with every problem when the fixture is invalid.
pub fn render(case: &GoldenCase) -> (Vec<u8>, Vec<Warning>) {
    let raw = load_fixture(case.fixture);
    let options = ValidationOptions {
        policy: case.policy,
        created_at: None,
    };
    let (msg, warnings) =
        lastschrift_sepa::validate(raw, &options, today()).unwrap_or_else(|problems| {
            panic!(
                "fixture {} is invalid:\n{}",
                case.fixture,
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    let mut out = Vec::new();
    msg.write(case.format, &mut out).unwrap();
    (out, warnings)
}

pub fn golden_path(name: &str) -> PathBuf {
    crate_dir().join("tests/golden").join(format!("{name}.xml"))
}

/// The schema folder: `SEPA_XSD_DIR`, else `<workspace>/../shared/ref/xsd`.
pub fn xsd_dir() -> PathBuf {
    match std::env::var_os("SEPA_XSD_DIR") {
        Some(d) => {
            let p = PathBuf::from(d);
            if p.is_relative() {
                // CI gives it relative to the clone (workspace root).
                crate_dir().join("../..").join(p)
            } else {
                p
            }
        }
        None => crate_dir().join("../../../shared/ref/xsd"),
    }
}

/// The two schemas a file of `format` must satisfy: ISO and the German DK subset.
pub fn schemas(format: Format) -> [PathBuf; 2] {
    let dir = xsd_dir();
    match format {
        Format::Pain00800108 => [
            dir.join("pain.008.001.08.xsd"),
            dir.join("dk/pain.008.001.08_GBIC_5.xsd"),
        ],
        Format::Pain00800102 => [
            dir.join("pain.008.001.02.xsd"),
            dir.join("dk/pain.008.001.02_GBIC_3.xsd"),
        ],
    }
}

/// Checks `files` against both schemas of `format` with one xmllint call per schema.
/// Panics with a sentence when xmllint or a schema is missing, or with xmllint's report.
pub fn assert_schema_valid(format: Format, files: &[PathBuf]) {
    if files.is_empty() {
        return;
    }
    for schema in schemas(format) {
        assert!(
            schema.is_file(),
            "the schema {} is missing; set SEPA_XSD_DIR to the folder with the ISO and DK pain.008 schemas (shared/ref/xsd)",
            schema.display()
        );
        // Batches keep the command line short while still validating thousands of files per call.
        for chunk in files.chunks(500) {
            let out = Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(&schema)
                .args(chunk)
                .output()
                .unwrap_or_else(|e| {
                    panic!("xmllint could not be run ({e}); install it (Debian package libxml2-utils) to run the xsd tests")
                });
            assert!(
                out.status.success(),
                "xmllint rejected files against {}:\n{}",
                schema.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A fresh, empty directory for files the tests write (under the target dir's tmp).
pub fn scratch_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("sepa-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write_file(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// A BBAN that fits `format`, from the regular expression of its registry structure.
pub fn bban_strategy(
    format: &'static lastschrift_sepa::country::IbanFormat,
) -> impl proptest::strategy::Strategy<Value = String> {
    use lastschrift_sepa::country::CharClass;
    let pattern: String = format
        .segments()
        .iter()
        .map(|&(n, class)| match class {
            CharClass::Digit => format!("[0-9]{{{n}}}"),
            CharClass::Letter => format!("[A-Z]{{{n}}}"),
            CharClass::Alphanumeric => format!("[A-Z0-9]{{{n}}}"),
        })
        .collect();
    proptest::string::string_regex(&pattern).expect("structure regex")
}

/// A valid IBAN of `format`'s country: a generated BBAN with its check digits.
pub fn iban_strategy(
    format: &'static lastschrift_sepa::country::IbanFormat,
) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    bban_strategy(format).prop_map(move |bban| with_check_digits(format.code, &bban))
}

/// Remainder mod 97 of an upper-case alphanumeric text, letters as 10..35 (ISO 7064).
pub fn mod97(s: &str) -> u32 {
    s.bytes().fold(0, |r, b| match b {
        b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
        _ => (r * 100 + u32::from(b - b'A' + 10)) % 97,
    })
}

/// Check digits as ISO 13616 computes them: 98 − (BBAN + country + "00") mod 97.
pub fn with_check_digits(cc: &str, bban: &str) -> String {
    format!("{cc}{:02}{bban}", 98 - mod97(&format!("{bban}{cc}00")))
}
