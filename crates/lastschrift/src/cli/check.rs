//! `lastschrift check iban|bic|creditor-id VALUE`: the quickest way to answer "is this right?".

use super::Outcome;
use clap::{Args, ValueEnum};
use serde::Serialize;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// What the value is.
    kind: Kind,
    /// The value as typed; spaces and lower case are fine.
    value: String,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Iban,
    Bic,
    CreditorId,
}

#[derive(Debug, Serialize)]
struct Verdict {
    kind: Kind,
    input: String,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalised: Option<String>,
    /// IBANs in groups of four, as printed on invoices.
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn judge(kind: Kind, value: &str) -> Verdict {
    let (normalised, display, reason) = match kind {
        Kind::Iban => match sepa::Iban::parse(value) {
            Ok(iban) => (Some(iban.as_str().to_string()), Some(iban.grouped()), None),
            Err(e) => (None, None, Some(e.to_string())),
        },
        Kind::Bic => match sepa::Bic::parse(value) {
            Ok(bic) => (Some(bic.as_str().to_string()), None, None),
            Err(e) => (None, None, Some(e.to_string())),
        },
        Kind::CreditorId => match sepa::CreditorId::parse(value) {
            Ok(ci) => (Some(ci.as_str().to_string()), None, None),
            Err(e) => (None, None, Some(e.to_string())),
        },
    };
    Verdict {
        kind,
        input: value.to_string(),
        valid: reason.is_none(),
        normalised,
        display: display.map(|d| d.to_string()),
        reason,
    }
}

pub fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let verdict = judge(args.kind, &args.value);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else if let Some(reason) = &verdict.reason {
        println!("invalid: {reason}");
    } else if let Some(display) = &verdict.display {
        println!(
            "{}  ({display})",
            verdict.normalised.as_deref().unwrap_or_default()
        );
    } else {
        println!("{}", verdict.normalised.as_deref().unwrap_or_default());
    }
    Ok(if verdict.valid {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}
