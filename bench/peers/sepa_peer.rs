// Peer driver for bench/compare.sh: the same generated JSON as `lastschrift pain008`, through the
// crate `sepa` 0.9.0 (one group per collection date and sequence type, as lastschrift writes).
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use serde::Deserialize;

#[derive(Deserialize)]
struct Msg {
    message_id: String,
    created_at: String,
    creditor: Cred,
    debits: Vec<Deb>,
}
#[derive(Deserialize)]
struct Cred {
    name: String,
    iban: String,
    bic: Option<String>,
    creditor_id: String,
}
#[derive(Deserialize)]
struct Deb {
    end_to_end_id: String,
    amount: String,
    collection_date: String,
    sequence: String,
    remittance: String,
    debtor: Debtor,
    mandate: Mandate,
}
#[derive(Deserialize)]
struct Debtor {
    name: String,
    iban: String,
    bic: Option<String>,
}
#[derive(Deserialize)]
struct Mandate {
    id: String,
    signed_on: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let input = std::fs::read(&args[1])?;
    let m: Msg = serde_json::from_slice(&input)?;
    drop(input);
    let iban = sepa::validate_iban(&m.creditor.iban)?;
    let cid = sepa::validate_creditor_id(&m.creditor.creditor_id)?;
    let mut groups: BTreeMap<(String, String), sepa::DirectDebitGroup> = BTreeMap::new();
    for d in m.debits {
        let key = (d.collection_date.clone(), d.sequence.clone());
        let g = match groups.remove(&key) {
            Some(g) => g,
            None => {
                let mut g = sepa::DirectDebitGroup::new(
                    m.creditor.name.as_str(),
                    &iban,
                    &cid,
                    d.collection_date.parse()?,
                )
                .sequence_type(d.sequence.parse()?)
                .batch_booking(true);
                if let Some(b) = &m.creditor.bic {
                    g = g.creditor_bic(sepa::validate_bic(b)?);
                }
                g
            }
        };
        let mut e = sepa::DirectDebitEntry::new(
            d.mandate.id,
            d.mandate.signed_on.parse()?,
            d.debtor.name,
            sepa::validate_iban(&d.debtor.iban)?,
            sepa::ct_from_eur_str(&d.amount)?,
            d.end_to_end_id,
        )
        .with_description(d.remittance);
        if let Some(b) = &d.debtor.bic {
            e = e.with_bic(sepa::validate_bic(b)?);
        }
        groups.insert(key, g.add_entry(e));
    }
    let mut b = sepa::Pain008Builder::new(m.creditor.name.as_str(), m.message_id)
        .created_at(m.created_at.parse()?);
    for g in groups.into_values() {
        b = b.add_group(g);
    }
    let mut out = BufWriter::new(std::fs::File::create(&args[2])?);
    b.write_to(&mut out)?;
    out.flush()?;
    Ok(())
}
