//! The use-case suites of the application core, on SQLite and (feature `postgres-tests`) on
//! PostgreSQL. One test binary for the crate, one module per suite: each test binary links every
//! dependency, and on two cores linking dominates the build.

mod collect;
mod collect_concurrent;
mod mandates;
mod rules;
mod secrets;
mod sync;

/// Needs sevdesk's official OpenAPI document (`SEVDESK_REF_DIR`, feature `reference`).
#[cfg(feature = "reference")]
mod official_sync;
