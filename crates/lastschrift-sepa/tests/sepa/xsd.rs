//! Schema conformance (cargo feature `xsd`): every golden message is checked with xmllint against
//! the ISO schema and the German DK subset of its format.

use crate::common;

use common::{assert_schema_valid, golden_cases, render, scratch_dir, write_file};
use lastschrift_sepa::Format;

#[test]
fn golden_messages_are_schema_valid() {
    let dir = scratch_dir("xsd-golden");
    for format in [Format::Pain00800108, Format::Pain00800102] {
        let mut files = Vec::new();
        for case in golden_cases().into_iter().filter(|c| c.format == format) {
            let (bytes, _) = render(&case);
            let path = dir.join(format!("{}.xml", case.name));
            write_file(&path, &bytes);
            files.push(path);
        }
        assert!(!files.is_empty());
        assert_schema_valid(format, &files);
    }
}
