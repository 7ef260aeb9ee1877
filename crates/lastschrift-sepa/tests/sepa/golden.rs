//! Golden files: representative messages compared byte for byte with `tests/golden/*.xml`.
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p lastschrift-sepa --test sepa golden` and review
//! the diff.

use crate::common;

use common::{golden_cases, golden_path, render};

#[test]
fn golden_files_match_byte_for_byte() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for case in golden_cases() {
        let (bytes, _) = render(&case);
        let path = golden_path(case.name);
        if update {
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let want = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
                path.display()
            )
        });
        if want != bytes {
            mismatches.push(format!(
                "{} differs; got:\n{}",
                path.display(),
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

#[test]
fn output_is_deterministic_and_plain_utf8() {
    for case in golden_cases() {
        let (a, _) = render(&case);
        let (b, _) = render(&case);
        assert_eq!(a, b, "{}", case.name);
        assert!(!a.starts_with(&[0xEF, 0xBB, 0xBF]), "no BOM");
        let text = String::from_utf8(a).expect("UTF-8");
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:"));
        assert!(!text.contains("<UETR>"));
        assert!(!text.contains(":Document"), "no namespace prefixes");
    }
}
