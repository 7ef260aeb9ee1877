//! Builds a small message from typed values and writes it as pain.008.001.08 to stdout.
//!
//! `cargo run -p lastschrift-sepa --example write_message > lastschrift.xml`

use chrono::NaiveDate;
use lastschrift_sepa::{
    Amount, CharacterPolicy, CountryCode, CreationTime, Creditor, CreditorId, Debit, Debtor,
    EndToEndId, Format, Iban, LocalInstrument, Mandate, MandateId, MessageBuilder, MessageHeader,
    MessageId, Name, PostalAddress, RemittanceText, SequenceType, TownName,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = CharacterPolicy::German;
    // Every text parse reports what it changed; a real application shows these to the user.
    let name = |s: &str| -> Result<Name, lastschrift_sepa::TextError> {
        let (n, changes) = Name::parse(s, policy)?;
        for c in changes {
            eprintln!("warning: {s}: {c}");
        }
        Ok(n)
    };
    let creditor = Creditor {
        name: name("Bäckerei Müller & Söhne GmbH")?,
        iban: Iban::parse("DE89 3704 0044 0532 0130 00")?,
        bic: None,
        creditor_id: CreditorId::parse("DE98ZZZ09999999999")?,
        address: Some(PostalAddress::structured(
            None,
            None,
            None,
            TownName::parse("Köln", policy)?.0,
            CountryCode::parse("DE")?,
        )),
    };
    let header = MessageHeader {
        message_id: MessageId::parse("LS-EXAMPLE-1")?,
        created_at: CreationTime::parse("2026-11-28T10:00:00+01:00")?,
        initiating_party: None,
        batch_booking: Some(true),
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).ok_or("bad date")?;
    let mut builder = MessageBuilder::new(header, creditor, today);
    for (i, (debtor, iban, amount, sequence)) in [
        (
            "Jürgen Groß",
            "DE02120300000000202051",
            "49.90",
            SequenceType::First,
        ),
        (
            "Schmidt & Partner",
            "DE02500105170137075030",
            "1250,00",
            SequenceType::Recurrent,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        builder.push(Debit {
            end_to_end_id: EndToEndId::parse(&format!("RE-2026-{}", 1001 + i))?,
            amount: Amount::parse(amount)?,
            collection_date: NaiveDate::from_ymd_opt(2026, 12, 14).ok_or("bad date")?,
            sequence,
            mandate: Mandate {
                id: MandateId::parse(&format!("KD-{}", 1001 + i))?,
                signed_on: NaiveDate::from_ymd_opt(2025, 3, 1).ok_or("bad date")?,
                scheme: LocalInstrument::Core,
                amendment: None,
            },
            debtor: Debtor {
                name: name(debtor)?,
                iban: Iban::parse(iban)?,
                bic: None,
                address: None,
            },
            remittance: Some(
                RemittanceText::parse(&format!("Rechnung RE-2026-{}", 1001 + i), policy)?.0,
            ),
            purpose: None,
            ultimate_debtor: None,
            ultimate_creditor: None,
        });
    }
    match builder.build() {
        Ok((message, warnings)) => {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            message.write(Format::Pain00800108, std::io::stdout().lock())?;
            Ok(())
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("error: {p}");
            }
            Err(format!("{} problems", problems.len()).into())
        }
    }
}
