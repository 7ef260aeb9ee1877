//! The sandbox observed over real HTTP on 127.0.0.1: faults, generated data, paging and the
//! sevdesk quirks it reproduces, and (feature `openapi`) the checks against sevdesk's reference
//! material. One test binary for the crate, one module per suite: each test binary links every
//! dependency, and on two cores linking dominates the build.

mod common;

mod faults;
mod generator;
mod paging_props;
mod quirks;

/// Needs `../shared/ref/sevdesk` (or `SEVDESK_REF_DIR`) and the feature `openapi`.
#[cfg(feature = "openapi")]
mod reference;
