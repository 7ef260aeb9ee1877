//! pain.008 writers. Streaming: the XML goes straight to the `io::Write` through a fixed-size
//! buffer; nothing is collected per debit.

use std::io::{self, BufWriter, Write};

use crate::address::PostalAddress;
use crate::amount::Amount;
use crate::bic::Bic;
use crate::codes::LocalInstrument;
use crate::iban::Iban;
use crate::mandate::OriginalAccount;
use crate::model::{Block, Creditor, Debit, MessageHeader, Problem, ValidMessage};
use crate::rules::Rule;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// pain.008.001.08 (ISO 2019), valid against the ISO schema and DK GBIC_5. The default.
    #[default]
    Pain00800108,
    /// pain.008.001.02 (ISO 2009), legacy, valid against the ISO schema and DK GBIC_3.
    ///
    /// GBIC_3 can carry an address only as country plus two free lines, the unstructured form
    /// that is not allowed for collections due on or after 15 Nov 2026. So this format writes no
    /// postal address at all, and refuses a message in which a debtor address is required
    /// (debtor or creditor bank in a non-EEA SEPA country); see [`ValidMessage::check_format`].
    Pain00800102,
}

impl Format {
    /// Namespace / schema name, e.g. `pain.008.001.08`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pain00800108 => "pain.008.001.08",
            Format::Pain00800102 => "pain.008.001.02",
        }
    }

    /// Parses `pain.008.001.08` or `pain.008.001.02` (also `08`/`02`).
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim() {
            "pain.008.001.08" | "08" => Some(Format::Pain00800108),
            "pain.008.001.02" | "02" => Some(Format::Pain00800102),
            _ => None,
        }
    }
}

/// Why writing failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The chosen format cannot carry this message; nothing was written.
    #[error("the message cannot be written as {format}: {}", problems.first().map(|p| p.to_string()).unwrap_or_default())]
    Unsupported {
        /// The format asked for.
        format: &'static str,
        /// Every reason, with its place.
        problems: Vec<Problem>,
    },
    /// The output failed.
    #[error("could not write the file")]
    Io(#[from] io::Error),
}

impl WriteError {
    /// Stable code: `write_unsupported`, `write_io`.
    pub fn code(&self) -> &'static str {
        match self {
            WriteError::Unsupported { .. } => "write_unsupported",
            WriteError::Io(_) => "write_io",
        }
    }

    /// The message in German (the first reason, as in `Display`; every reason is in
    /// `problems`, each with its German sentence).
    pub fn german(&self) -> String {
        match self {
            WriteError::Unsupported { format, problems } => format!(
                "Die Nachricht kann nicht als {format} geschrieben werden: {}",
                problems
                    .first()
                    .map(|p| p.to_german_string())
                    .unwrap_or_default()
            ),
            WriteError::Io(_) => "Die Datei konnte nicht geschrieben werden".into(),
        }
    }
}

/// The XML output. One element per line without indentation: readable and diffable, while
/// leading spaces would make a large file about 40% bigger and slower to write.
pub(crate) struct Out<W: Write> {
    pub(crate) w: W,
}

impl<W: Write> Out<W> {
    #[inline]
    fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)
    }

    #[inline]
    fn open(&mut self, tag: &str) -> io::Result<()> {
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    #[inline]
    pub(crate) fn close(&mut self, tag: &str) -> io::Result<()> {
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    /// `<tag>text</tag>` with the text escaped.
    #[inline]
    fn leaf(&mut self, tag: &str, text: &str) -> io::Result<()> {
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">")?;
        self.escaped(text)?;
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    /// `<tag>text</tag>` for values that by construction contain no XML special characters
    /// (identifiers, IBAN, BIC, codes, numbers, dates).
    #[inline]
    fn leaf_plain(&mut self, tag: &str, text: &[u8]) -> io::Result<()> {
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">")?;
        self.w.write_all(text)?;
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    fn date(&mut self, tag: &str, d: chrono::NaiveDate) -> io::Result<()> {
        use chrono::Datelike;
        let mut b = *b"0000-00-00";
        let y = d.year().clamp(0, 9999) as u32;
        b[0] = b'0' + (y / 1000) as u8;
        b[1] = b'0' + (y / 100 % 10) as u8;
        b[2] = b'0' + (y / 10 % 10) as u8;
        b[3] = b'0' + (y % 10) as u8;
        b[5] = b'0' + (d.month() / 10) as u8;
        b[6] = b'0' + (d.month() % 10) as u8;
        b[8] = b'0' + (d.day() / 10) as u8;
        b[9] = b'0' + (d.day() % 10) as u8;
        self.leaf_plain(tag, &b)
    }

    fn escaped(&mut self, text: &str) -> io::Result<()> {
        let bytes = text.as_bytes();
        // Branch-free scan per chunk (vectorises); most text has nothing to escape.
        let special = |c: &[u8]| {
            c.iter().fold(false, |acc, &b| {
                acc | (b == b'&') | (b == b'<') | (b == b'>') | (b == b'"')
            })
        };
        if !bytes.chunks(32).any(special) {
            return self.w.write_all(bytes);
        }
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let rep: &[u8] = match b {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                b'>' => b"&gt;",
                b'"' => b"&quot;",
                _ => continue,
            };
            self.w.write_all(&bytes[start..i])?;
            self.w.write_all(rep)?;
            start = i + 1;
        }
        self.w.write_all(&bytes[start..])
    }

    fn amount(&mut self, tag: &str, cents: u128, ccy: bool) -> io::Result<()> {
        // Hand-formatted: this runs once per debit.
        let mut buf = [0u8; 48];
        let mut i = buf.len();
        let mut v = cents;
        let mut digits = 0;
        while v > 0 || digits < 3 {
            if digits == 2 {
                i -= 1;
                buf[i] = b'.';
            }
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            digits += 1;
        }
        let num = &buf[i..];
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        self.w
            .write_all(if ccy { b" Ccy=\"EUR\">" } else { b">" })?;
        self.w.write_all(num)?;
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    fn agent(&mut self, tag: &str, bic: Option<&Bic>, format: Format) -> io::Result<()> {
        self.open(tag)?;
        self.open("FinInstnId")?;
        match bic {
            Some(b) => {
                let el = if format == Format::Pain00800108 {
                    "BICFI"
                } else {
                    "BIC"
                };
                self.leaf_plain(el, b.as_str().as_bytes())?;
            }
            None => {
                self.open("Othr")?;
                self.leaf_plain("Id", b"NOTPROVIDED")?;
                self.close("Othr")?;
            }
        }
        self.close("FinInstnId")?;
        self.close(tag)
    }

    fn account(&mut self, tag: &str, iban: &Iban) -> io::Result<()> {
        self.open(tag)?;
        self.open("Id")?;
        self.leaf_plain("IBAN", iban.as_str().as_bytes())?;
        self.close("Id")?;
        self.close(tag)
    }

    fn address(&mut self, a: &PostalAddress) -> io::Result<()> {
        self.open("PstlAdr")?;
        if let Some(s) = a.street() {
            self.leaf("StrtNm", s.as_str())?;
        }
        if let Some(s) = a.building() {
            self.leaf("BldgNb", s.as_str())?;
        }
        if let Some(s) = a.postcode() {
            self.leaf("PstCd", s.as_str())?;
        }
        self.leaf("TwnNm", a.town().as_str())?;
        self.leaf("Ctry", a.country().as_str())?;
        for l in a.lines() {
            self.leaf("AdrLine", l.as_str())?;
        }
        self.close("PstlAdr")
    }

    fn party(
        &mut self,
        tag: &str,
        name: &str,
        address: Option<&PostalAddress>,
        format: Format,
    ) -> io::Result<()> {
        self.open(tag)?;
        self.leaf("Nm", name)?;
        if let (Some(a), Format::Pain00800108) = (address, format) {
            self.address(a)?;
        }
        self.close(tag)
    }

    fn scheme_id(&mut self, tag: &str, name: Option<&str>, id: Option<&str>) -> io::Result<()> {
        self.open(tag)?;
        if let Some(n) = name {
            self.leaf("Nm", n)?;
        }
        if let Some(id) = id {
            self.open("Id")?;
            self.open("PrvtId")?;
            self.open("Othr")?;
            self.leaf("Id", id)?;
            self.open("SchmeNm")?;
            self.leaf("Prtry", "SEPA")?;
            self.close("SchmeNm")?;
            self.close("Othr")?;
            self.close("PrvtId")?;
            self.close("Id")?;
        }
        self.close(tag)
    }
}

fn bic_2009_problem(field: String, debit: Option<usize>, e2e: Option<String>, b: &Bic) -> Problem {
    let rule = Rule::BicNot2009Pattern { bic: b.as_str() };
    Problem::new(
        debit,
        e2e,
        field,
        rule.code(),
        rule.english(),
        rule.german(),
    )
}

/// The creditor's reason why pain.008.001.02 cannot carry a message, if any.
pub(crate) fn creditor_problem_in_02(c: &Creditor) -> Option<Problem> {
    c.bic
        .as_ref()
        .filter(|b| !b.fits_2009_pattern())
        .map(|b| bic_2009_problem("creditor.bic".into(), None, None, b))
}

/// Why pain.008.001.02 cannot carry debit `i`: an address it would need, a BIC it cannot hold.
pub(crate) fn debit_problems_in_02(
    creditor_outside: bool,
    i: usize,
    d: &Debit,
    problems: &mut Vec<Problem>,
) {
    let e2e = Some(d.end_to_end_id.to_string());
    let outside = creditor_outside
        || crate::country::is_non_eea_sepa(d.debtor.iban.country_code())
        || d.debtor
            .bic
            .as_ref()
            .is_some_and(|b| crate::country::is_non_eea_sepa(b.country_code()));
    if outside {
        let rule = Rule::AddressNotIn02;
        problems.push(Problem::new(
            Some(i),
            e2e.clone(),
            format!("debits[{i}].debtor.address"),
            rule.code(),
            rule.english(),
            rule.german(),
        ));
    }
    if let Some(b) = &d.debtor.bic
        && !b.fits_2009_pattern()
    {
        problems.push(bic_2009_problem(
            format!("debits[{i}].debtor.bic"),
            Some(i),
            e2e,
            b,
        ));
    }
}

impl ValidMessage {
    /// Reasons why this message cannot be written in `format` (empty when it can).
    /// pain.008.001.08 takes every valid message; pain.008.001.02 refuses messages that need a
    /// debtor address and BICs that do not fit the 2009 pattern.
    pub fn check_format(&self, format: Format) -> Vec<Problem> {
        let mut problems = Vec::new();
        if format == Format::Pain00800108 {
            return problems;
        }
        let creditor_outside = crate::country::is_non_eea_sepa(self.creditor().iban.country_code());
        problems.extend(creditor_problem_in_02(self.creditor()));
        for (i, d) in self.debits().iter().enumerate() {
            debit_problems_in_02(creditor_outside, i, d, &mut problems);
        }
        problems
    }

    /// Writes the message as `format` to `out` (UTF-8 without BOM, no namespace prefixes).
    /// The same message gives the same bytes. Nothing is written when the format cannot carry
    /// the message ([`WriteError::Unsupported`]).
    pub fn write<W: Write>(&self, format: Format, out: W) -> Result<(), WriteError> {
        let problems = self.check_format(format);
        if !problems.is_empty() {
            return Err(WriteError::Unsupported {
                format: format.name(),
                problems,
            });
        }
        let mut o = Out {
            w: BufWriter::with_capacity(64 * 1024, out),
        };
        self.write_xml(&mut o, format)?;
        o.w.flush()?;
        Ok(())
    }

    fn write_xml<W: Write>(&self, o: &mut Out<W>, format: Format) -> io::Result<()> {
        o.group_header(
            format,
            self.header(),
            self.creditor(),
            self.number_of_transactions(),
            self.control_sum_cents(),
        )?;
        for block in self.blocks() {
            o.block_header(
                format,
                self.header(),
                self.creditor(),
                self.instrument(),
                block,
            )?;
            for d in self.block_debits(block) {
                o.transaction(d, format)?;
            }
            o.close("PmtInf")?;
        }
        o.document_end()
    }
}

impl<W: Write> Out<W> {
    /// From the XML declaration to the end of `GrpHdr`.
    pub(crate) fn group_header(
        &mut self,
        format: Format,
        h: &MessageHeader,
        c: &Creditor,
        transactions: usize,
        total_cents: u128,
    ) -> io::Result<()> {
        let o = self;
        o.w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
        writeln!(
            o.w,
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:{}\">",
            format.name()
        )?;
        o.open("CstmrDrctDbtInitn")?;
        o.open("GrpHdr")?;
        o.leaf("MsgId", h.message_id.as_str())?;
        o.leaf("CreDtTm", &h.created_at.to_xml())?;
        o.leaf("NbOfTxs", &transactions.to_string())?;
        o.amount("CtrlSum", total_cents, false)?;
        o.open("InitgPty")?;
        o.leaf(
            "Nm",
            h.initiating_party.as_ref().unwrap_or(&c.name).as_str(),
        )?;
        o.close("InitgPty")?;
        o.close("GrpHdr")
    }

    /// `PmtInf` up to its first `DrctDbtTxInf`.
    pub(crate) fn block_header(
        &mut self,
        format: Format,
        h: &MessageHeader,
        c: &Creditor,
        instrument: LocalInstrument,
        block: &Block,
    ) -> io::Result<()> {
        let o = self;
        o.open("PmtInf")?;
        o.leaf("PmtInfId", block.id.as_str())?;
        o.leaf("PmtMtd", "DD")?;
        if let Some(b) = h.batch_booking {
            o.leaf("BtchBookg", if b { "true" } else { "false" })?;
        }
        o.leaf("NbOfTxs", &block.count.to_string())?;
        o.amount("CtrlSum", block.sum_cents, false)?;
        o.open("PmtTpInf")?;
        o.open("SvcLvl")?;
        o.leaf("Cd", "SEPA")?;
        o.close("SvcLvl")?;
        o.open("LclInstrm")?;
        o.leaf("Cd", instrument.code())?;
        o.close("LclInstrm")?;
        o.leaf("SeqTp", block.sequence.code())?;
        o.close("PmtTpInf")?;
        o.date("ReqdColltnDt", block.collection_date)?;
        o.party("Cdtr", c.name.as_str(), c.address.as_ref(), format)?;
        o.account("CdtrAcct", &c.iban)?;
        o.agent("CdtrAgt", c.bic.as_ref(), format)?;
        o.leaf("ChrgBr", "SLEV")?;
        o.scheme_id("CdtrSchmeId", None, Some(c.creditor_id.as_str()))
    }

    /// After the last block.
    pub(crate) fn document_end(&mut self) -> io::Result<()> {
        self.close("CstmrDrctDbtInitn")?;
        self.w.write_all(b"</Document>\n")
    }

    /// One `DrctDbtTxInf`. Independent of its block, so the streaming writer can write it before
    /// the block's totals are known.
    pub(crate) fn transaction(&mut self, d: &Debit, format: Format) -> io::Result<()> {
        let v08 = format == Format::Pain00800108;
        let o = self;
        // The per-debit part is written with fixed byte strings (several elements at once):
        // it runs a million times for a large file, the rest a handful of times.
        o.raw(b"<DrctDbtTxInf>\n<PmtId>\n<EndToEndId>")?;
        o.raw(d.end_to_end_id.as_bytes())?;
        o.raw(b"</EndToEndId>\n</PmtId>\n")?;
        o.amount("InstdAmt", u128::from(Amount::cents(&d.amount)), true)?;
        o.raw(b"<DrctDbtTx>\n<MndtRltdInf>\n<MndtId>")?;
        o.raw(d.mandate.id.as_bytes())?;
        o.raw(b"</MndtId>\n")?;
        o.date("DtOfSgntr", d.mandate.signed_on)?;
        match &d.mandate.amendment {
            None => o.raw(b"<AmdmntInd>false</AmdmntInd>\n")?,
            Some(a) => {
                o.leaf("AmdmntInd", "true")?;
                o.open("AmdmntInfDtls")?;
                if let Some(m) = &a.original_mandate_id {
                    o.leaf("OrgnlMndtId", m.as_str())?;
                }
                if a.original_creditor_id.is_some() || a.original_creditor_name.is_some() {
                    o.scheme_id(
                        "OrgnlCdtrSchmeId",
                        a.original_creditor_name.as_ref().map(|n| n.as_str()),
                        a.original_creditor_id.as_ref().map(|i| i.as_str()),
                    )?;
                }
                match &a.original_account {
                    Some(OriginalAccount::SameBank(iban)) => o.account("OrgnlDbtrAcct", iban)?,
                    Some(OriginalAccount::NewBank) => {
                        o.open("OrgnlDbtrAcct")?;
                        o.open("Id")?;
                        o.open("Othr")?;
                        o.leaf("Id", "SMNDA")?;
                        o.close("Othr")?;
                        o.close("Id")?;
                        o.close("OrgnlDbtrAcct")?;
                    }
                    None => {}
                }
                o.close("AmdmntInfDtls")?;
            }
        }
        o.close("MndtRltdInf")?;
        o.close("DrctDbtTx")?;
        if let Some(u) = &d.ultimate_creditor {
            o.open("UltmtCdtr")?;
            o.leaf("Nm", u.as_str())?;
            o.close("UltmtCdtr")?;
        }
        match (&d.debtor.bic, v08) {
            (None, _) => o.raw(
                b"<DbtrAgt>\n<FinInstnId>\n<Othr>\n<Id>NOTPROVIDED</Id>\n</Othr>\n</FinInstnId>\n</DbtrAgt>\n",
            )?,
            (Some(bic), true) => {
                o.raw(b"<DbtrAgt>\n<FinInstnId>\n<BICFI>")?;
                o.raw(bic.as_bytes())?;
                o.raw(b"</BICFI>\n</FinInstnId>\n</DbtrAgt>\n")?;
            }
            (Some(bic), false) => {
                o.raw(b"<DbtrAgt>\n<FinInstnId>\n<BIC>")?;
                o.raw(bic.as_bytes())?;
                o.raw(b"</BIC>\n</FinInstnId>\n</DbtrAgt>\n")?;
            }
        }
        o.raw(b"<Dbtr>\n<Nm>")?;
        o.escaped(d.debtor.name.as_str())?;
        o.raw(b"</Nm>\n")?;
        if let (Some(a), true) = (d.debtor.address.as_ref(), v08) {
            o.address(a)?;
        }
        o.raw(b"</Dbtr>\n<DbtrAcct>\n<Id>\n<IBAN>")?;
        o.raw(d.debtor.iban.as_bytes())?;
        o.raw(b"</IBAN>\n</Id>\n</DbtrAcct>\n")?;
        if let Some(u) = &d.ultimate_debtor {
            o.open("UltmtDbtr")?;
            o.leaf("Nm", u.as_str())?;
            o.close("UltmtDbtr")?;
        }
        if let Some(p) = &d.purpose {
            o.open("Purp")?;
            o.leaf("Cd", p.as_str())?;
            o.close("Purp")?;
        }
        if let Some(r) = &d.remittance {
            o.open("RmtInf")?;
            o.leaf("Ustrd", r.as_str())?;
            o.close("RmtInf")?;
        }
        o.raw(b"</DrctDbtTxInf>\n")?;
        Ok(())
    }
}
