//! The CLI suites: the real `lastschrift` binary (`CARGO_BIN_EXE_lastschrift`), always with a
//! clean environment (`test_support::cli`). One test binary for the crate, one module per suite:
//! each test binary links every dependency, and on two cores linking dominates the build.

/// The demo needs the `demo` feature (default on).
#[cfg(feature = "demo")]
mod demo;
mod mandates;
mod notify;
mod one_core;
mod pain008;
mod runs;
mod sync;
mod users;

/// Need xmllint and the XSD files in `SEPA_XSD_DIR` (feature `xsd`).
#[cfg(feature = "xsd")]
mod austria;
/// Also the demo, whose run the bank answers.
#[cfg(all(feature = "xsd", feature = "demo"))]
mod bank;
#[cfg(feature = "xsd")]
mod end_to_end;

/// Needs the binary's crash injection (`LASTSCHRIFT_FAIL_POINT`, feature `fail-points`).
#[cfg(feature = "fail-points")]
mod crash;

use std::path::Path;

use test_support::cli::Lastschrift;

/// This crate's binary with a clean environment on `data_dir` (also `HOME`); see
/// `test_support::cli` for what reaches it.
fn lastschrift(data_dir: &Path) -> Lastschrift {
    Lastschrift::new(env!("CARGO_BIN_EXE_lastschrift"), data_dir)
}

/// Ready for `sync` and `collect` against the sandbox at `base_url`: the files go to
/// `output_dir`, and the creditor is the one of these suites (Muster Software GmbH).
#[cfg(any(feature = "xsd", feature = "fail-points"))]
fn collecting(data_dir: &Path, output_dir: &Path, base_url: &str) -> Lastschrift {
    lastschrift(data_dir)
        .output_dir(output_dir)
        .sevdesk_base_url(base_url)
        .creditor(
            "Muster Software GmbH",
            "DE89370400440532013000",
            "DE98ZZZ09999999999",
        )
}
