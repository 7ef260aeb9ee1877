//! The client over real HTTP: against the sevdesk sandbox (`sandbox`, `endpoint_unavailable`),
//! against scripted answers the sandbox does not give (`quirks`) and against the examples of
//! sevdesk's official OpenAPI document (`official_examples`, feature `reference`). One test binary,
//! one module per suite: each test binary links every dependency, and on two cores linking
//! dominates the build. `tests/token_secrecy.rs` stays a binary of its own (see there).

mod endpoint_unavailable;
mod quirks;
mod sandbox;

/// Needs sevdesk's official OpenAPI document (`SEVDESK_REF_DIR`, feature `reference`).
#[cfg(feature = "reference")]
mod official_examples;
