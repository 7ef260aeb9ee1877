//! The SEPA crate's suites: golden files, IBANs against an independent implementation, property
//! tests, validation and (feature `xsd`) schema conformance of every golden message. One test
//! binary for the crate, one module per suite: each test binary links every dependency, and on
//! two cores linking dominates the build. The fixtures and golden files stay in `tests/fixtures/`
//! and `tests/golden/`.

mod common;

mod austria;
mod bank;
mod golden;
mod iban;
mod properties;
mod streaming;
mod validation;

/// Needs xmllint and the schemas in `SEPA_XSD_DIR` (feature `xsd`).
#[cfg(feature = "xsd")]
mod xsd;
