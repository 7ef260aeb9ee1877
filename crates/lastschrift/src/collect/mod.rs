//! Collection runs: which open invoices may be debited, and why the others may not.
//!
//! A use-case layer: it works on store models only, never on SQL.

pub mod eligibility;

pub use eligibility::{ExclusionReason, invoice_exclusion};
