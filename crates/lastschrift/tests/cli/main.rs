//! The CLI suites: the real `lastschrift` binary (`CARGO_BIN_EXE_lastschrift`), always with a
//! clean environment (`test_support::cli`). One test binary for the crate, one module per suite:
//! each test binary links every dependency, and on two cores linking dominates the build.

mod mandates;
mod pain008;
mod runs;
mod sync;

/// Needs xmllint and the XSD files in `SEPA_XSD_DIR` (feature `xsd`).
#[cfg(feature = "xsd")]
mod end_to_end;

/// Needs the binary's crash injection (`LASTSCHRIFT_FAIL_POINT`, feature `fail-points`).
#[cfg(feature = "fail-points")]
mod crash;
