//! pain.008 writers. Streaming: the XML goes straight to the `io::Write` through a fixed-size
//! buffer; nothing is collected per debit.

use std::io::{self, BufWriter, Write};

use crate::address::PostalAddress;
use crate::amount::Amount;
use crate::bic::Bic;
use crate::iban::Iban;
use crate::mandate::OriginalAccount;
use crate::model::{Problem, ValidMessage};

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

struct Out<W: Write> {
    w: BufWriter<W>,
}

impl<W: Write> Out<W> {
    /// No indentation: one element per line keeps files readable and diffable, while leading
    /// spaces would make a large file about 40% bigger and slower to write.
    #[inline]
    fn indent(&mut self, _depth: usize) -> io::Result<()> {
        Ok(())
    }

    #[inline]
    fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)
    }

    #[inline]
    fn open(&mut self, depth: usize, tag: &str) -> io::Result<()> {
        self.indent(depth)?;
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    #[inline]
    fn close(&mut self, depth: usize, tag: &str) -> io::Result<()> {
        self.indent(depth)?;
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    /// `<tag>text</tag>` with the text escaped.
    #[inline]
    fn leaf(&mut self, depth: usize, tag: &str, text: &str) -> io::Result<()> {
        self.indent(depth)?;
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
    fn leaf_plain(&mut self, depth: usize, tag: &str, text: &[u8]) -> io::Result<()> {
        self.indent(depth)?;
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">")?;
        self.w.write_all(text)?;
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    fn date(&mut self, depth: usize, tag: &str, d: chrono::NaiveDate) -> io::Result<()> {
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
        self.leaf_plain(depth, tag, &b)
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

    fn amount(&mut self, depth: usize, tag: &str, cents: u128, ccy: bool) -> io::Result<()> {
        self.indent(depth)?;
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

    fn agent(
        &mut self,
        depth: usize,
        tag: &str,
        bic: Option<&Bic>,
        format: Format,
    ) -> io::Result<()> {
        self.open(depth, tag)?;
        self.open(depth + 1, "FinInstnId")?;
        match bic {
            Some(b) => {
                let el = if format == Format::Pain00800108 {
                    "BICFI"
                } else {
                    "BIC"
                };
                self.leaf_plain(depth + 2, el, b.as_str().as_bytes())?;
            }
            None => {
                self.open(depth + 2, "Othr")?;
                self.leaf_plain(depth + 3, "Id", b"NOTPROVIDED")?;
                self.close(depth + 2, "Othr")?;
            }
        }
        self.close(depth + 1, "FinInstnId")?;
        self.close(depth, tag)
    }

    fn account(&mut self, depth: usize, tag: &str, iban: &Iban) -> io::Result<()> {
        self.open(depth, tag)?;
        self.open(depth + 1, "Id")?;
        self.leaf_plain(depth + 2, "IBAN", iban.as_str().as_bytes())?;
        self.close(depth + 1, "Id")?;
        self.close(depth, tag)
    }

    fn address(&mut self, depth: usize, a: &PostalAddress) -> io::Result<()> {
        self.open(depth, "PstlAdr")?;
        if let Some(s) = a.street() {
            self.leaf(depth + 1, "StrtNm", s.as_str())?;
        }
        if let Some(s) = a.building() {
            self.leaf(depth + 1, "BldgNb", s.as_str())?;
        }
        if let Some(s) = a.postcode() {
            self.leaf(depth + 1, "PstCd", s.as_str())?;
        }
        self.leaf(depth + 1, "TwnNm", a.town().as_str())?;
        self.leaf(depth + 1, "Ctry", a.country().as_str())?;
        for l in a.lines() {
            self.leaf(depth + 1, "AdrLine", l.as_str())?;
        }
        self.close(depth, "PstlAdr")
    }

    fn party(
        &mut self,
        depth: usize,
        tag: &str,
        name: &str,
        address: Option<&PostalAddress>,
        format: Format,
    ) -> io::Result<()> {
        self.open(depth, tag)?;
        self.leaf(depth + 1, "Nm", name)?;
        if let (Some(a), Format::Pain00800108) = (address, format) {
            self.address(depth + 1, a)?;
        }
        self.close(depth, tag)
    }

    fn scheme_id(
        &mut self,
        depth: usize,
        tag: &str,
        name: Option<&str>,
        id: Option<&str>,
    ) -> io::Result<()> {
        self.open(depth, tag)?;
        if let Some(n) = name {
            self.leaf(depth + 1, "Nm", n)?;
        }
        if let Some(id) = id {
            self.open(depth + 1, "Id")?;
            self.open(depth + 2, "PrvtId")?;
            self.open(depth + 3, "Othr")?;
            self.leaf(depth + 4, "Id", id)?;
            self.open(depth + 4, "SchmeNm")?;
            self.leaf(depth + 5, "Prtry", "SEPA")?;
            self.close(depth + 4, "SchmeNm")?;
            self.close(depth + 3, "Othr")?;
            self.close(depth + 2, "PrvtId")?;
            self.close(depth + 1, "Id")?;
        }
        self.close(depth, tag)
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
        let bic_problem = |field: String, debit: Option<usize>, e2e: Option<String>, b: &Bic| {
            Problem {
                debit,
                end_to_end_id: e2e,
                field,
                message: format!(
                    "the BIC {b} does not fit the 2009 pattern of pain.008.001.02; use pain.008.001.08"
                ),
            }
        };
        if let Some(b) = &self.creditor().bic
            && !b.fits_2009_pattern()
        {
            problems.push(bic_problem("creditor.bic".into(), None, None, b));
        }
        for (i, d) in self.debits().iter().enumerate() {
            let e2e = Some(d.end_to_end_id.to_string());
            let outside = creditor_outside
                || crate::country::is_non_eea_sepa(d.debtor.iban.country_code())
                || d.debtor
                    .bic
                    .as_ref()
                    .is_some_and(|b| crate::country::is_non_eea_sepa(b.country_code()));
            if outside {
                problems.push(Problem {
                    debit: Some(i),
                    end_to_end_id: e2e.clone(),
                    field: format!("debits[{i}].debtor.address"),
                    message: "pain.008.001.02 cannot carry the structured address this debtor needs; use pain.008.001.08".into(),
                });
            }
            if let Some(b) = &d.debtor.bic
                && !b.fits_2009_pattern()
            {
                problems.push(bic_problem(
                    format!("debits[{i}].debtor.bic"),
                    Some(i),
                    e2e,
                    b,
                ));
            }
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
        let v08 = format == Format::Pain00800108;
        let h = self.header();
        let c = self.creditor();
        o.w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
        writeln!(
            o.w,
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:{}\">",
            format.name()
        )?;
        o.open(1, "CstmrDrctDbtInitn")?;
        o.open(2, "GrpHdr")?;
        o.leaf(3, "MsgId", h.message_id.as_str())?;
        o.leaf(3, "CreDtTm", &h.created_at.to_xml())?;
        o.leaf(3, "NbOfTxs", &self.number_of_transactions().to_string())?;
        o.amount(3, "CtrlSum", self.control_sum_cents(), false)?;
        o.open(3, "InitgPty")?;
        o.leaf(
            4,
            "Nm",
            h.initiating_party.as_ref().unwrap_or(&c.name).as_str(),
        )?;
        o.close(3, "InitgPty")?;
        o.close(2, "GrpHdr")?;
        for block in self.blocks() {
            o.open(2, "PmtInf")?;
            o.leaf(3, "PmtInfId", block.id.as_str())?;
            o.leaf(3, "PmtMtd", "DD")?;
            if let Some(b) = h.batch_booking {
                o.leaf(3, "BtchBookg", if b { "true" } else { "false" })?;
            }
            o.leaf(3, "NbOfTxs", &block.count.to_string())?;
            o.amount(3, "CtrlSum", block.sum_cents, false)?;
            o.open(3, "PmtTpInf")?;
            o.open(4, "SvcLvl")?;
            o.leaf(5, "Cd", "SEPA")?;
            o.close(4, "SvcLvl")?;
            o.open(4, "LclInstrm")?;
            o.leaf(5, "Cd", self.instrument().code())?;
            o.close(4, "LclInstrm")?;
            o.leaf(4, "SeqTp", block.sequence.code())?;
            o.close(3, "PmtTpInf")?;
            o.date(3, "ReqdColltnDt", block.collection_date)?;
            o.party(3, "Cdtr", c.name.as_str(), c.address.as_ref(), format)?;
            o.account(3, "CdtrAcct", &c.iban)?;
            o.agent(3, "CdtrAgt", c.bic.as_ref(), format)?;
            o.leaf(3, "ChrgBr", "SLEV")?;
            o.scheme_id(3, "CdtrSchmeId", None, Some(c.creditor_id.as_str()))?;
            for d in self.block_debits(block) {
                // The per-debit part is written with fixed byte strings (indentation included):
                // it runs a million times for a large file, the rest a handful of times.
                o.raw(b"<DrctDbtTxInf>\n<PmtId>\n<EndToEndId>")?;
                o.raw(d.end_to_end_id.as_str().as_bytes())?;
                o.raw(b"</EndToEndId>\n</PmtId>\n")?;
                o.amount(4, "InstdAmt", u128::from(Amount::cents(&d.amount)), true)?;
                o.raw(b"<DrctDbtTx>\n<MndtRltdInf>\n<MndtId>")?;
                o.raw(d.mandate.id.as_str().as_bytes())?;
                o.raw(b"</MndtId>\n")?;
                o.date(6, "DtOfSgntr", d.mandate.signed_on)?;
                match &d.mandate.amendment {
                    None => o.raw(b"<AmdmntInd>false</AmdmntInd>\n")?,
                    Some(a) => {
                        o.leaf(6, "AmdmntInd", "true")?;
                        o.open(6, "AmdmntInfDtls")?;
                        if let Some(m) = &a.original_mandate_id {
                            o.leaf(7, "OrgnlMndtId", m.as_str())?;
                        }
                        if a.original_creditor_id.is_some() || a.original_creditor_name.is_some() {
                            o.scheme_id(
                                7,
                                "OrgnlCdtrSchmeId",
                                a.original_creditor_name.as_ref().map(|n| n.as_str()),
                                a.original_creditor_id.as_ref().map(|i| i.as_str()),
                            )?;
                        }
                        match &a.original_account {
                            Some(OriginalAccount::SameBank(iban)) => {
                                o.account(7, "OrgnlDbtrAcct", iban)?
                            }
                            Some(OriginalAccount::NewBank) => {
                                o.open(7, "OrgnlDbtrAcct")?;
                                o.open(8, "Id")?;
                                o.open(9, "Othr")?;
                                o.leaf(10, "Id", "SMNDA")?;
                                o.close(9, "Othr")?;
                                o.close(8, "Id")?;
                                o.close(7, "OrgnlDbtrAcct")?;
                            }
                            None => {}
                        }
                        o.close(6, "AmdmntInfDtls")?;
                    }
                }
                o.close(5, "MndtRltdInf")?;
                o.close(4, "DrctDbtTx")?;
                if let Some(u) = &d.ultimate_creditor {
                    o.open(4, "UltmtCdtr")?;
                    o.leaf(5, "Nm", u.as_str())?;
                    o.close(4, "UltmtCdtr")?;
                }
                match (&d.debtor.bic, v08) {
                    (None, _) => o.raw(
                        b"<DbtrAgt>\n<FinInstnId>\n<Othr>\n<Id>NOTPROVIDED</Id>\n</Othr>\n</FinInstnId>\n</DbtrAgt>\n",
                    )?,
                    (Some(bic), true) => {
                        o.raw(b"<DbtrAgt>\n<FinInstnId>\n<BICFI>")?;
                        o.raw(bic.as_str().as_bytes())?;
                        o.raw(b"</BICFI>\n</FinInstnId>\n</DbtrAgt>\n")?;
                    }
                    (Some(bic), false) => {
                        o.raw(b"<DbtrAgt>\n<FinInstnId>\n<BIC>")?;
                        o.raw(bic.as_str().as_bytes())?;
                        o.raw(b"</BIC>\n</FinInstnId>\n</DbtrAgt>\n")?;
                    }
                }
                o.raw(b"<Dbtr>\n<Nm>")?;
                o.escaped(d.debtor.name.as_str())?;
                o.raw(b"</Nm>\n")?;
                if let (Some(a), true) = (d.debtor.address.as_ref(), v08) {
                    o.address(5, a)?;
                }
                o.raw(b"</Dbtr>\n<DbtrAcct>\n<Id>\n<IBAN>")?;
                o.raw(d.debtor.iban.as_str().as_bytes())?;
                o.raw(b"</IBAN>\n</Id>\n</DbtrAcct>\n")?;
                if let Some(u) = &d.ultimate_debtor {
                    o.open(4, "UltmtDbtr")?;
                    o.leaf(5, "Nm", u.as_str())?;
                    o.close(4, "UltmtDbtr")?;
                }
                if let Some(p) = &d.purpose {
                    o.open(4, "Purp")?;
                    o.leaf(5, "Cd", p.as_str())?;
                    o.close(4, "Purp")?;
                }
                if let Some(r) = &d.remittance {
                    o.open(4, "RmtInf")?;
                    o.leaf(5, "Ustrd", r.as_str())?;
                    o.close(4, "RmtInf")?;
                }
                o.raw(b"</DrctDbtTxInf>\n")?;
            }
            o.close(2, "PmtInf")?;
        }
        o.close(1, "CstmrDrctDbtInitn")?;
        o.w.write_all(b"</Document>\n")?;
        Ok(())
    }
}
