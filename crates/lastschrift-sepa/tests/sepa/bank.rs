//! The bank-file parser (`lastschrift_sepa::bank::parse_bank_file`) on small hand-made
//! documents: pain.002 .03/.10, camt.054 .02/.08, camt.053 .02/.08, and everything that is not
//! one of them (truncated, hostile, too large, too deep, in other encodings, other documents).
//! Every refusal is checked by its variant and code, and by both sentences (English `Display`
//! and `german()`) naming what is wrong and, where the error has them, the line and element.
//! Property tests: arbitrary bytes and every truncation of a valid document never panic, and
//! generated amounts come back as exact cents. The four full documents below (`CAMT054_V08`,
//! `CAMT054_V02`, `PAIN002_V03`, `PAIN002_V10`) validate against their ISO schemas.

use std::time::{Duration, Instant};

use lastschrift_sepa::bank::{
    AccountReport, AmountProblem, BankDocument, BankFileError, BankFormat, MAX_BANK_FILE_BYTES,
    MAX_XML_DEPTH, StatusReport, parse_bank_file,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

/// A camt.054.001.08 notification as a German bank sends it: a collected batch booked as one
/// credit (with the batch and two transaction details) and a return with a fee.
const CAMT054_V08: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr>
<MsgId>CAMT-LS-2026-11-28</MsgId>
<CreDtTm>2026-12-07T06:00:00+01:00</CreDtTm>
</GrpHdr>
<Ntfctn>
<Id>1-CAMT-LS-2026-11-28</Id>
<ElctrncSeqNb>1</ElctrncSeqNb>
<CreDtTm>2026-12-07T06:00:00</CreDtTm>
<Acct>
<Id><IBAN>DE02120300000000202051</IBAN></Id>
<Ccy>EUR</Ccy>
</Acct>
<Ntry>
<NtryRef>C1</NtryRef>
<Amt Ccy="EUR">150.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-12-07</Dt></BookgDt>
<ValDt><DtTm>2026-12-08T00:00:00</DtTm></ValDt>
<AcctSvcrRef>BANK-C1</AcctSvcrRef>
<BkTxCd>
<Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn>
<Prtry><Cd>NTRF+171+00900</Cd><Issr>DK</Issr></Prtry>
</BkTxCd>
<NtryDtls>
<Btch>
<MsgId>LS-2026-11-28</MsgId>
<PmtInfId>PMT-RCUR</PmtInfId>
<NbOfTxs>2</NbOfTxs>
<TtlAmt Ccy="EUR">150.00</TtlAmt>
<CdtDbtInd>CRDT</CdtDbtInd>
</Btch>
<TxDtls>
<Refs><MsgId>LS-2026-11-28</MsgId><PmtInfId>PMT-RCUR</PmtInfId><EndToEndId>E2E-1</EndToEndId><MndtId>M-1</MndtId></Refs>
<Amt Ccy="EUR">100.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties>
<Dbtr><Pty><Nm>Erika Mustermann</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
<Cdtr><Pty><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id></Othr></PrvtId></Id></Pty></Cdtr>
</RltdPties>
</TxDtls>
<TxDtls>
<Refs><MsgId>LS-2026-11-28</MsgId><PmtInfId>PMT-RCUR</PmtInfId><EndToEndId>E2E-2</EndToEndId><MndtId>M-2</MndtId></Refs>
<Amt Ccy="EUR">50.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties>
<Dbtr><Pty><Nm>Jörg Schäfer</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct>
</RltdPties>
</TxDtls>
</NtryDtls>
</Ntry>
<Ntry>
<NtryRef>R1</NtryRef>
<Amt Ccy="EUR">53.50</Amt>
<CdtDbtInd>DBIT</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-12-09</Dt></BookgDt>
<ValDt><Dt>2026-12-09</Dt></ValDt>
<BkTxCd>
<Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn>
<Prtry><Cd>NTRF+109+00900</Cd><Issr>DK</Issr></Prtry>
</BkTxCd>
<NtryDtls>
<TxDtls>
<Refs><EndToEndId>E2E-3</EndToEndId><MndtId>M-3</MndtId></Refs>
<Amt Ccy="EUR">53.50</Amt>
<CdtDbtInd>DBIT</CdtDbtInd>
<AmtDtls>
<InstdAmt><Amt Ccy="EUR">50.00</Amt></InstdAmt>
<TxAmt><Amt Ccy="EUR">53.50</Amt></TxAmt>
</AmtDtls>
<Chrgs>
<TtlChrgsAndTaxAmt Ccy="EUR">3.50</TtlChrgsAndTaxAmt>
<Rcrd><Amt Ccy="EUR">3.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><ChrgInclInd>true</ChrgInclInd></Rcrd>
</Chrgs>
<RltdPties>
<Dbtr><Pty><Nm>Müller &amp; Söhne</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>AT611904300234573201</IBAN></Id></DbtrAcct>
</RltdPties>
<RtrInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>Rücklastschrift</AddtlInf></RtrInf>
</TxDtls>
</NtryDtls>
</Ntry>
</Ntfctn>
</BkToCstmrDbtCdtNtfctn>
</Document>
"#;

/// The return of [`CAMT054_V08`] in the 2009 shape: `Sts` as text, no `TxDtls/Amt`, the fee
/// as `Chrgs/Amt`, the debtor as `Dbtr/Nm`, the creditor id as `Cdtr/Id/…`.
const CAMT054_V02: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr>
<MsgId>CAMT-R-LS-2026-11-28</MsgId>
<CreDtTm>2026-12-09T06:00:00</CreDtTm>
</GrpHdr>
<Ntfctn>
<Id>1-CAMT-R-LS-2026-11-28</Id>
<CreDtTm>2026-12-09T06:00:00</CreDtTm>
<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry>
<NtryRef>R1</NtryRef>
<Amt Ccy="EUR">53.50</Amt>
<CdtDbtInd>DBIT</CdtDbtInd>
<Sts>BOOK</Sts>
<BookgDt><Dt>2026-12-09</Dt></BookgDt>
<ValDt><Dt>2026-12-09</Dt></ValDt>
<BkTxCd>
<Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn>
<Prtry><Cd>NTRF+109+00900</Cd><Issr>DK</Issr></Prtry>
</BkTxCd>
<NtryDtls>
<TxDtls>
<Refs><EndToEndId>E2E-3</EndToEndId><MndtId>M-3</MndtId></Refs>
<AmtDtls>
<InstdAmt><Amt Ccy="EUR">50.00</Amt></InstdAmt>
<TxAmt><Amt Ccy="EUR">53.50</Amt></TxAmt>
</AmtDtls>
<Chrgs><Amt Ccy="EUR">3.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Tp><Cd>COMM</Cd></Tp></Chrgs>
<RltdPties>
<Dbtr><Nm>Müller &amp; Söhne</Nm></Dbtr>
<DbtrAcct><Id><IBAN>AT611904300234573201</IBAN></Id></DbtrAcct>
<Cdtr><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id></Othr></PrvtId></Id></Cdtr>
</RltdPties>
<RtrInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>Rücklastschrift</AddtlInf></RtrInf>
</TxDtls>
</NtryDtls>
</Ntry>
</Ntfctn>
</BkToCstmrDbtCdtNtfctn>
</Document>
"#;

/// A pain.002.001.03 on a file with two batches: the group PART with a reason and two lines
/// of text, the first batch rejected with a proprietary reason, the second PART with two
/// rejected debits.
const PAIN002_V03: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
<CstmrPmtStsRpt>
<GrpHdr>
<MsgId>STS-LS-2026-11-28</MsgId>
<CreDtTm>2026-12-03T10:15:00.123Z</CreDtTm>
</GrpHdr>
<OrgnlGrpInfAndSts>
<OrgnlMsgId>LS-2026-11-28</OrgnlMsgId>
<OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>
<OrgnlNbOfTxs>4</OrgnlNbOfTxs>
<OrgnlCtrlSum>250.00</OrgnlCtrlSum>
<GrpSts>PART</GrpSts>
<StsRsnInf>
<Rsn><Cd>NARR</Cd></Rsn>
<AddtlInf>Teilweise abgelehnt</AddtlInf>
<AddtlInf>siehe Einzelposten</AddtlInf>
</StsRsnInf>
</OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts>
<OrgnlPmtInfId>PMT-FRST</OrgnlPmtInfId>
<OrgnlNbOfTxs>1</OrgnlNbOfTxs>
<PmtInfSts>RJCT</PmtInfSts>
<StsRsnInf><Rsn><Prtry>BANK17</Prtry></Rsn></StsRsnInf>
</OrgnlPmtInfAndSts>
<OrgnlPmtInfAndSts>
<OrgnlPmtInfId>PMT-RCUR</OrgnlPmtInfId>
<PmtInfSts>PART</PmtInfSts>
<TxInfAndSts>
<StsId>S1-PMT-RCUR</StsId>
<OrgnlEndToEndId>E2E-2</OrgnlEndToEndId>
<TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Konto erloschen</AddtlInf></StsRsnInf>
<OrgnlTxRef>
<Amt><InstdAmt Ccy="EUR">49.90</InstdAmt></Amt>
<ReqdColltnDt>2026-12-07</ReqdColltnDt>
<MndtRltdInf><MndtId>M-2</MndtId></MndtRltdInf>
</OrgnlTxRef>
</TxInfAndSts>
<TxInfAndSts>
<StsId>S2-PMT-RCUR</StsId>
<OrgnlEndToEndId>E2E-3</OrgnlEndToEndId>
<TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>MD07</Cd></Rsn></StsRsnInf>
<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">0.01</InstdAmt></Amt></OrgnlTxRef>
</TxInfAndSts>
</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt>
</Document>
"#;

/// A pain.002.001.10 accepting the whole file, with one accepted batch and an accepted debit.
const PAIN002_V10: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
<CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-10</MsgId><CreDtTm>2026-12-03T10:15:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts>
<OrgnlMsgId>LS-2026-12-01</OrgnlMsgId>
<OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>
<GrpSts>ACCP</GrpSts>
</OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts>
<OrgnlPmtInfId>PMT-OOFF</OrgnlPmtInfId>
<PmtInfSts>ACSC</PmtInfSts>
<TxInfAndSts>
<OrgnlEndToEndId>E2E-9</OrgnlEndToEndId>
<TxSts>ACSC</TxSts>
<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">12.5</InstdAmt></Amt><ReqdColltnDt>2026-12-14</ReqdColltnDt></OrgnlTxRef>
</TxInfAndSts>
</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt>
</Document>
"#;

/// A small camt.054 (`version` "02" or "08") with `entries` in one notification.
fn camt054(version: &str, entries: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>CAMT-MIN</MsgId><CreDtTm>2026-12-07T06:00:00</CreDtTm></GrpHdr>
<Ntfctn>
<Id>N-MIN</Id>
<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
{entries}
</Ntfctn>
</BkToCstmrDbtCdtNtfctn>
</Document>
"#
    )
}

/// One credit entry with `amount` and the status element `sts`.
fn entry(amount: &str, sts: &str) -> String {
    format!("<Ntry>\n<Amt Ccy=\"EUR\">{amount}</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n{sts}\n</Ntry>")
}

/// The same document with the namespace bound to `prefix` and every element prefixed.
fn with_prefix(xml: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(xml.len() + xml.len() / 4);
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tag = &rest[i..];
        if let Some(t) = tag.strip_prefix("</") {
            out.push_str(&format!("</{prefix}:"));
            rest = t;
        } else if tag[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            out.push_str(&format!("<{prefix}:"));
            rest = &tag[1..];
        } else {
            out.push('<');
            rest = &tag[1..];
        }
    }
    out.push_str(rest);
    out.replacen("xmlns=", &format!("xmlns:{prefix}="), 1)
}

/// 1-based line of the first occurrence of `needle` in `xml`.
fn line_of(xml: &str, needle: &str) -> usize {
    let at = xml
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the document"));
    1 + xml[..at].matches('\n').count()
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn parse(bytes: impl AsRef<[u8]>) -> BankDocument {
    parse_bank_file(bytes.as_ref()).unwrap_or_else(|e| panic!("refused: {e} ({})", e.code()))
}

fn account(bytes: impl AsRef<[u8]>) -> AccountReport {
    match parse(bytes) {
        BankDocument::AccountReport(r) => r,
        other => panic!("not an account report: {other:?}"),
    }
}

fn status(bytes: impl AsRef<[u8]>) -> StatusReport {
    match parse(bytes) {
        BankDocument::StatusReport(r) => r,
        other => panic!("not a status report: {other:?}"),
    }
}

fn refused(bytes: impl AsRef<[u8]>) -> BankFileError {
    match parse_bank_file(bytes.as_ref()) {
        Ok(doc) => panic!("accepted: {doc:?}"),
        Err(e) => e,
    }
}

/// The error has `code`, its English sentence contains every one of `english` and its German
/// sentence every one of `german` (and is not the English one).
fn assert_says(error: &BankFileError, code: &str, english: &[&str], german: &[&str]) {
    assert_eq!(error.code(), code, "{error:?}");
    let en = error.to_string();
    let de = error.german();
    for part in english {
        assert!(en.contains(part), "English {en:?} does not say {part:?}");
    }
    for part in german {
        assert!(de.contains(part), "German {de:?} does not say {part:?}");
    }
    assert_ne!(en, de, "no German sentence");
}

fn line_text(line: usize) -> (String, String) {
    (format!("line {line}:"), format!("Zeile {line}:"))
}

// ---------------------------------------------------------------------------------------------
// 1. Truncated files
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_camt054_inside_a_name_names_the_open_element_and_the_last_line() {
    let cut = CAMT054_V08.find("Erika Muster").unwrap() + "Erika Muster".len();
    let prefix = &CAMT054_V08[..cut];
    let last_line = 1 + prefix.matches('\n').count();
    let error = refused(prefix);
    assert_eq!(
        error,
        BankFileError::Truncated {
            element: "Nm".into(),
            line: last_line
        }
    );
    let (en, de) = line_text(last_line);
    assert_says(
        &error,
        "truncated",
        &[&en, "<Nm>", "incomplete"],
        &[&de, "<Nm>", "unvollständig"],
    );
    assert_eq!(error.line(), Some(last_line));
}

#[test]
fn truncated_camt054_inside_a_tag_names_the_enclosing_element() {
    // Cut in the middle of `<CdtDbtInd>` of the return entry, and in a closing tag.
    let start = CAMT054_V08.find("<NtryRef>R1").unwrap();
    let cut = start + CAMT054_V08[start..].find("<CdtDbt").unwrap() + "<CdtDbt".len();
    let error = refused(&CAMT054_V08[..cut]);
    assert!(
        matches!(&error, BankFileError::Truncated { element, .. } if element == "Ntry"),
        "{error:?}"
    );
    assert_says(&error, "truncated", &["<Ntry>"], &["<Ntry>"]);

    let cut = CAMT054_V08.find("</Ntfctn>").unwrap() + "</Ntf".len();
    let error = refused(&CAMT054_V08[..cut]);
    assert!(
        matches!(&error, BankFileError::Truncated { element, .. } if element == "Ntfctn"),
        "{error:?}"
    );
}

#[test]
fn truncated_camt054_just_before_the_end_of_document_is_refused() {
    let end = CAMT054_V08.rfind("</Document>").unwrap();
    let error = refused(&CAMT054_V08[..end]);
    let last_line = line_of(CAMT054_V08, "</Document>");
    assert_eq!(
        error,
        BankFileError::Truncated {
            element: "Document".into(),
            line: last_line
        }
    );
    // The whole document, and without its final newline, is read.
    assert_eq!(account(CAMT054_V08).statements.len(), 1);
    assert_eq!(account(CAMT054_V08.trim_end()).statements.len(), 1);
}

/// Regression: a file cut inside a multi-byte character was refused as "not valid UTF-8; save
/// the file as UTF-8", which sends the user to re-encode a file that is only incomplete.
#[test]
fn file_cut_inside_a_two_byte_character_is_truncated_not_invalid_utf8() {
    // "Jörg": the file ends after the first byte of "ö" (a download cut at a block boundary).
    let cut = CAMT054_V08.find("Jörg").unwrap() + "J".len() + 1;
    let bytes = &CAMT054_V08.as_bytes()[..cut];
    assert!(std::str::from_utf8(bytes).is_err());
    let error = refused(bytes);
    let last_line = 1 + bytes.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(
        error,
        BankFileError::Truncated {
            element: "Nm".into(),
            line: last_line
        },
        "{error}"
    );
}

/// Regression: a file cut inside `&amp;` was refused as not well-formed instead of truncated.
#[test]
fn file_cut_inside_an_entity_reference_is_truncated_not_malformed() {
    // "Müller &am": the file ends inside `&amp;`.
    let cut = CAMT054_V08.find("&amp;").unwrap() + "&am".len();
    let error = refused(&CAMT054_V08[..cut]);
    assert!(
        matches!(&error, BankFileError::Truncated { element, .. } if element == "Nm"),
        "{error:?}: {error}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Entities: billion laughs, external entities, undeclared entities
// ---------------------------------------------------------------------------------------------

const BILLION_LAUGHS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Document [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>&lol9;</MsgId><CreDtTm>2026-12-07T06:00:00</CreDtTm></GrpHdr>
</BkToCstmrDbtCdtNtfctn>
</Document>
"#;

#[test]
fn billion_laughs_is_refused_as_a_doctype_at_once() {
    let started = Instant::now();
    let error = refused(BILLION_LAUGHS);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let BankFileError::Doctype { line } = error else {
        panic!("not a Doctype error: {error:?}");
    };
    // The DOCTYPE runs from line 2 to line 13; the error names a line within it.
    let (first, last) = (2, line_of(BILLION_LAUGHS, "]>"));
    assert!((first..=last).contains(&line), "line {line}");
    let (en, de) = line_text(line);
    assert_says(
        &error,
        "doctype",
        &[&en, "DOCTYPE", "entity declarations are refused"],
        &[&de, "DOCTYPE", "Entity-Deklarationen"],
    );
}

#[test]
fn external_entity_is_refused_as_a_doctype() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"#;
    let error = refused(xml);
    assert_eq!(error, BankFileError::Doctype { line: 2 });
    assert_says(&error, "doctype", &["line 2:"], &["Zeile 2:"]);
}

#[test]
fn undeclared_entity_is_refused_naming_it_and_its_line() {
    let xml = camt054(
        "08",
        "<Ntry>\n<NtryRef>&lol9;</NtryRef>\n<Amt Ccy=\"EUR\">1.00</Amt>\n</Ntry>",
    );
    let line = line_of(&xml, "&lol9;");
    let error = refused(&xml);
    assert_eq!(
        error,
        BankFileError::UnknownEntity {
            name: "lol9".into(),
            line
        }
    );
    let (en, de) = line_text(line);
    assert_says(&error, "unknown_entity", &[&en, "&lol9;"], &[&de, "&lol9;"]);
}

#[test]
fn predefined_and_character_references_are_resolved() {
    let xml = camt054(
        "08",
        "<Ntry>\n<NtryRef>&lt;A&gt;&amp;&apos;B&quot;&#252;&#xFC;</NtryRef>\n<Amt Ccy=\"EUR\">1.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<Sts><Cd>BOOK</Cd></Sts>\n</Ntry>",
    );
    let report = account(&xml);
    assert_eq!(
        report.statements[0].entries[0].entry_reference.as_deref(),
        Some("<A>&'B\"üü")
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Size
// ---------------------------------------------------------------------------------------------

#[test]
fn file_of_100_mb_is_refused_as_too_large_before_it_is_read() {
    // A valid head, then 100 MB of a comment that never ends: reading it would take long and
    // end in an error of another kind.
    let mut bytes = camt054("08", &entry("1.00", "<Sts><Cd>BOOK</Cd></Sts>")).into_bytes();
    bytes.extend_from_slice(b"<!-- ");
    bytes.resize(100_000_000, b' ');
    let started = Instant::now();
    let error = refused(&bytes);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        error,
        BankFileError::TooLarge {
            bytes: 100_000_000,
            limit: MAX_BANK_FILE_BYTES
        }
    );
    assert_says(
        &error,
        "too_large",
        &["100000000 bytes", &MAX_BANK_FILE_BYTES.to_string()],
        &["100000000 Bytes", &MAX_BANK_FILE_BYTES.to_string()],
    );
    assert_eq!(error.line(), None);
}

#[test]
fn one_byte_over_the_limit_is_too_large_whatever_the_bytes() {
    // Zero bytes would otherwise be refused as UTF-16; the size is checked first.
    let bytes = vec![0u8; MAX_BANK_FILE_BYTES + 1];
    assert_eq!(
        refused(&bytes),
        BankFileError::TooLarge {
            bytes: MAX_BANK_FILE_BYTES + 1,
            limit: MAX_BANK_FILE_BYTES
        }
    );
}

#[test]
fn file_of_exactly_the_limit_is_read() {
    let mut bytes = camt054("08", &entry("1.00", "<Sts><Cd>BOOK</Cd></Sts>")).into_bytes();
    let padding = MAX_BANK_FILE_BYTES - bytes.len() - "<!---->".len();
    bytes.extend_from_slice(b"<!--");
    bytes.resize(bytes.len() + padding, b' ');
    bytes.extend_from_slice(b"-->");
    assert_eq!(bytes.len(), MAX_BANK_FILE_BYTES);
    let report = account(&bytes);
    assert_eq!(report.statements[0].entries[0].amount_cents, 100);
}

// ---------------------------------------------------------------------------------------------
// 4.–6. Encodings
// ---------------------------------------------------------------------------------------------

#[test]
fn utf8_with_byte_order_mark_is_read_like_without() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(CAMT054_V08.as_bytes());
    assert_eq!(parse(&bytes), parse(CAMT054_V08));
    let names: Vec<_> = account(&bytes).statements[0].entries[0]
        .transactions
        .iter()
        .map(|t| t.debtor_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["Erika Mustermann", "Jörg Schäfer"]);
    // A byte-order mark followed by a UTF-8 error still names the line.
    let mut broken = bytes.clone();
    let at = 3 + CAMT054_V08.find("Erika").unwrap();
    broken[at] = 0xFF;
    let line = line_of(CAMT054_V08, "Erika");
    assert_eq!(refused(&broken), BankFileError::InvalidUtf8 { line });
}

/// [`CAMT054_V02`] as ISO-8859-1: every character one byte.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

#[test]
fn iso_8859_1_declared_file_is_decoded() {
    let text = CAMT054_V02.replacen("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"", 1);
    let bytes = latin1(&text);
    assert!(bytes.contains(&0xFC), "ü as one byte");
    assert!(std::str::from_utf8(&bytes).is_err());
    let report = account(&bytes);
    let tx = &report.statements[0].entries[0].transactions[0];
    assert_eq!(tx.debtor_name.as_deref(), Some("Müller & Söhne"));
    assert_eq!(
        tx.return_reason.as_ref().unwrap().additional,
        ["Rücklastschrift"]
    );
    // Apart from the decoding, the same as the UTF-8 file.
    assert_eq!(report, account(CAMT054_V02));
    // Lower-case and in single quotes, as some banks write it.
    let text = CAMT054_V02.replacen("encoding=\"UTF-8\"", "encoding='iso-8859-1'", 1);
    assert_eq!(account(latin1(&text)), report);
}

#[test]
fn latin1_byte_in_a_file_declared_utf8_names_the_line() {
    let bytes = latin1(CAMT054_V02);
    let line = line_of(CAMT054_V02, "Müller");
    let error = refused(&bytes);
    assert_eq!(error, BankFileError::InvalidUtf8 { line });
    let (en, de) = line_text(line);
    assert_says(
        &error,
        "invalid_utf8",
        &[&en, "not valid UTF-8"],
        &[&de, "kein gültiges UTF-8"],
    );
    // No declaration at all means UTF-8, too.
    let without = latin1(CAMT054_V02.split_once('\n').unwrap().1);
    assert_eq!(
        refused(&without),
        BankFileError::InvalidUtf8 { line: line - 1 }
    );
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    for unit in units {
        if big_endian {
            out.extend_from_slice(&unit.to_be_bytes());
        } else {
            out.extend_from_slice(&unit.to_le_bytes());
        }
    }
    out
}

#[test]
fn utf16_files_are_refused() {
    let declared = CAMT054_V08.replacen("encoding=\"UTF-8\"", "encoding=\"UTF-16\"", 1);
    for (what, bytes) in [
        ("LE with BOM", utf16(&declared, false, true)),
        ("BE with BOM", utf16(&declared, true, true)),
        ("LE without BOM", utf16(&declared, false, false)),
        ("BE without BOM", utf16(&declared, true, false)),
        ("UTF-8 bytes declared UTF-16", declared.clone().into_bytes()),
    ] {
        let error = refused(&bytes);
        assert_eq!(error, BankFileError::Utf16, "{what}");
        assert_says(
            &error,
            "utf16",
            &["UTF-16", "save it as UTF-8"],
            &["UTF-16"],
        );
    }
}

#[test]
fn unsupported_declared_encodings_are_refused_naming_the_encoding() {
    for encoding in ["windows-1252", "IBM273", "ISO-8859-15", "Shift_JIS"] {
        let text = CAMT054_V08.replacen("UTF-8", encoding, 1);
        let error = refused(&text);
        assert_eq!(
            error,
            BankFileError::UnsupportedEncoding {
                encoding: encoding.into()
            }
        );
        assert_says(
            &error,
            "unsupported_encoding",
            &[&format!("\"{encoding}\""), "only UTF-8"],
            &[&format!("„{encoding}“"), "nur UTF-8"],
        );
    }
    // US-ASCII is a subset of UTF-8: read when it is ASCII, refused when it is not.
    let ascii =
        camt054("08", &entry("1.00", "<Sts><Cd>BOOK</Cd></Sts>")).replacen("UTF-8", "US-ASCII", 1);
    assert_eq!(account(&ascii).statements[0].entries[0].amount_cents, 100);
    let not_ascii = CAMT054_V08.replacen("UTF-8", "US-ASCII", 1);
    assert_eq!(
        refused(&not_ascii),
        BankFileError::UnsupportedEncoding {
            encoding: "US-ASCII".into()
        }
    );
}

#[test]
fn ebcdic_bytes_are_not_xml() {
    // "<?xml" in EBCDIC (code page 273): 4C 6F A7 94 93.
    let error = refused([0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40, 0xA5, 0x85, 0x99]);
    assert_eq!(error, BankFileError::NotXml);
    assert_says(
        &error,
        "not_xml",
        &["not an XML file"],
        &["keine XML-Datei"],
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Other documents
// ---------------------------------------------------------------------------------------------

#[test]
fn pain008_is_refused_as_our_own_direct_debit_file() {
    for version in ["001.08", "001.02"] {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.{version}"><CstmrDrctDbtInitn>
<GrpHdr><MsgId>LS-2026-11-28</MsgId><CreDtTm>2026-11-28T10:00:00</CreDtTm><NbOfTxs>1</NbOfTxs>
<InitgPty><Nm>Verein</Nm></InitgPty></GrpHdr></CstmrDrctDbtInitn></Document>"#
        );
        let error = refused(&xml);
        let message = format!("pain.008.{version}");
        assert_eq!(
            error,
            BankFileError::DirectDebitInitiation {
                message: message.clone()
            }
        );
        assert_says(
            &error,
            "pain008",
            &[&message, "direct-debit file", "not the bank's answer"],
            &[&message, "Lastschriftdatei", "nicht die Antwort der Bank"],
        );
    }
}

#[test]
fn camt052_is_refused_as_an_intraday_report() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"><BkToCstmrAcctRpt>
<GrpHdr><MsgId>C52</MsgId><CreDtTm>2026-12-07T12:00:00</CreDtTm></GrpHdr>
<Rpt><Id>R1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct></Rpt>
</BkToCstmrAcctRpt></Document>"#;
    let error = refused(xml);
    assert_eq!(
        error,
        BankFileError::IntradayReport {
            message: "camt.052.001.08".into()
        }
    );
    assert_says(
        &error,
        "camt052",
        &["camt.052.001.08", "intraday", "camt.054 or camt.053"],
        &["camt.052.001.08", "untertägiger"],
    );
}

#[test]
fn other_iso_messages_and_versions_are_refused_listing_what_is_read() {
    let doc = |ns: &str| format!("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:{ns}\"/>");
    let error = refused(doc("camt.054.001.04"));
    assert!(matches!(
        &error,
        BankFileError::UnsupportedVersion { message, .. } if message == "camt.054.001.04"
    ));
    let all = BankFormat::ALL.map(BankFormat::name);
    assert_says(&error, "unsupported_version", &all, &all);
    let error = refused(doc("pain.001.001.09"));
    assert_eq!(
        error,
        BankFileError::CreditTransfer {
            message: "pain.001.001.09".into()
        }
    );
    let error = refused(doc("camt.056.001.01"));
    assert!(matches!(
        &error,
        BankFileError::UnsupportedMessage { message, .. } if message == "camt.056.001.01"
    ));
    assert_says(
        &error,
        "unsupported_message",
        &["camt.056.001.01"],
        &["camt.056.001.01"],
    );
}

#[test]
fn html_login_pages_are_refused_as_html() {
    let pages = [
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"><title>Online-Banking Login</title></head>\n<body><form><input name=\"pin\" type=\"password\"></form></body></html>",
        "\n\n  <HTML><HEAD><TITLE>Sitzung abgelaufen</TITLE></HEAD><BODY>Bitte erneut anmelden<br></BODY></HTML>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Login</p></body></html>",
        "<?xml version=\"1.0\"?>\n<!-- portal -->\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Login</p></body></html>",
    ];
    for page in pages {
        let error = refused(page);
        assert_eq!(error, BankFileError::Html, "{page}");
        assert_says(
            &error,
            "html",
            &["HTML page", "not an ISO 20022 XML file"],
            &["HTML-Seite"],
        );
    }
}

#[test]
fn empty_files_are_refused_as_empty() {
    for bytes in [
        &b""[..],
        b"   \n\t\r\n ",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\n\n",
    ] {
        let error = refused(bytes);
        assert_eq!(error, BankFileError::Empty, "{bytes:?}");
        assert_says(&error, "empty", &["empty"], &["leer"]);
    }
}

#[test]
fn plain_text_is_refused_as_not_xml() {
    let text = "Hallo,\nanbei der Kontoauszug vom 7.12.\nViele Grüße\n";
    let error = refused(text);
    assert_eq!(error, BankFileError::NotXml);
    assert_says(
        &error,
        "not_xml",
        &["not an XML file", "does not start with \"<\""],
        &["keine XML-Datei"],
    );
}

#[test]
fn json_is_refused_as_not_xml() {
    let json = "{\n  \"messageId\": \"CAMT-1\",\n  \"entries\": []\n}\n";
    let error = refused(json);
    assert_eq!(error, BankFileError::NotXml, "{error}");
    assert_says(
        &error,
        "not_xml",
        &["not an XML file"],
        &["keine XML-Datei"],
    );
}

/// Regression: JSON on one line (as an API returns it) has commas and was called "a CSV
/// export".
#[test]
fn json_on_one_line_is_not_called_a_csv_export() {
    for json in [
        r#"{"messageId": "CAMT-1", "entries": [{"amount": "12.50", "currency": "EUR"}]}"#,
        r#"[{"amount": 12.5}, {"amount": 3}]"#,
    ] {
        let error = refused(json);
        assert_eq!(error, BankFileError::NotXml, "{json}: {error}");
    }
}

#[test]
fn zip_pdf_mt940_and_csv_are_named() {
    let cases: [(&[u8], BankFileError, &str); 4] = [
        (b"PK\x03\x04\x14\x00\x00\x00", BankFileError::Zip, "ZIP"),
        (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", BankFileError::Pdf, "PDF"),
        (
            b":20:STARTUMSE\r\n:25:12030000/0000202051\r\n:28C:00001/001\r\n:60F:C261206EUR1000,00\r\n",
            BankFileError::Mt940,
            "MT940",
        ),
        (
            b"Buchungstag;Valuta;Betrag;Verwendungszweck\n07.12.2026;07.12.2026;150,00;LS-2026-11-28\n",
            BankFileError::Csv,
            "CSV",
        ),
    ];
    for (bytes, expected, word) in cases {
        let error = refused(bytes);
        assert_eq!(error, expected);
        assert_says(&error, expected.code(), &[word], &[word]);
    }
}

#[test]
fn xml_that_is_no_iso_document_names_its_root() {
    let error = refused("<?xml version=\"1.0\"?>\n<Kontoauszug><Buchung/></Kontoauszug>");
    assert_eq!(
        error,
        BankFileError::NotIso20022 {
            root: "Kontoauszug".into(),
            namespace: None
        }
    );
    assert_says(
        &error,
        "not_iso20022",
        &["<Kontoauszug>"],
        &["<Kontoauszug>"],
    );
    let error = refused("<Document xmlns=\"urn:example:bank\"><x/></Document>");
    assert_says(
        &error,
        "not_iso20022",
        &["<Document>", "urn:example:bank"],
        &["<Document>", "urn:example:bank"],
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Depth
// ---------------------------------------------------------------------------------------------

/// A camt.054 `Document` with `depth` elements nested in all (the root counts), one per line.
fn nested(depth: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">\n",
    );
    for _ in 1..depth {
        xml.push_str("<Nest>\n");
    }
    for _ in 1..depth {
        xml.push_str("</Nest>\n");
    }
    xml.push_str("</Document>\n");
    xml
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_with_its_line() {
    let deep = nested(MAX_XML_DEPTH + 1);
    let error = refused(&deep);
    // Line 1 the declaration, line 2 the root (depth 1), so depth d is on line d + 1.
    let line = MAX_XML_DEPTH + 2;
    assert_eq!(
        error,
        BankFileError::TooDeep {
            limit: MAX_XML_DEPTH,
            line
        }
    );
    let (en, de) = line_text(line);
    assert_says(
        &error,
        "too_deep",
        &[&en, &format!("more than {MAX_XML_DEPTH} deep")],
        &[&de, &format!("mehr als {MAX_XML_DEPTH} Ebenen")],
    );
    // Exactly at the limit the nesting is fine; the document just lacks its content.
    let at_limit = refused(nested(MAX_XML_DEPTH));
    assert!(
        matches!(&at_limit, BankFileError::MissingElement { path, .. }
            if path == "Document/BkToCstmrDbtCdtNtfctn"),
        "{at_limit:?}"
    );
    // A million open elements: refused at the limit, not after reading them all.
    let mut huge =
        String::from("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">");
    huge.push_str(&"<a>".repeat(1_000_000));
    let started = Instant::now();
    assert_eq!(refused(&huge).code(), "too_deep");
    assert!(started.elapsed() < Duration::from_millis(500));
}

// ---------------------------------------------------------------------------------------------
// 9. Namespace prefixes
// ---------------------------------------------------------------------------------------------

#[test]
fn namespace_prefixes_read_the_same_as_the_default_namespace() {
    let prefixed = with_prefix(CAMT054_V08, "ns2");
    assert!(
        prefixed
            .contains("<ns2:Document xmlns:ns2=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"")
    );
    assert!(prefixed.contains("<ns2:Amt Ccy=\"EUR\">150.00</ns2:Amt>"));
    let plain = parse(CAMT054_V08);
    assert_eq!(parse(&prefixed), plain);
    for doc in [CAMT054_V02, PAIN002_V03, PAIN002_V10] {
        assert_eq!(parse(with_prefix(doc, "ns2")), parse(doc));
        assert_eq!(parse(with_prefix(doc, "iso")), parse(doc));
    }
    // Mixed: the root prefixed, the rest in the default namespace bound to the same URI.
    let ns = BankFormat::Camt054V08.namespace();
    let mixed = CAMT054_V08
        .replacen(
            &format!("<Document xmlns=\"{ns}\""),
            &format!("<doc:Document xmlns:doc=\"{ns}\" xmlns=\"{ns}\""),
            1,
        )
        .replacen("</Document>", "</doc:Document>", 1);
    assert_eq!(parse(&mixed), plain);
}

#[test]
fn elements_of_another_namespace_are_not_read() {
    // The same entry, once with a foreign element of the same name inside it: the foreign
    // `Amt` does not replace the ISO one, and the foreign subtree is skipped.
    let ns_entry = "<Ntry>\n<x:Amt xmlns:x=\"urn:example:bank\" Ccy=\"USD\">999.99</x:Amt>\n<Amt Ccy=\"EUR\">1.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<Sts><Cd>BOOK</Cd></Sts>\n<x:Extra xmlns:x=\"urn:example:bank\"><NtryRef>not ours</NtryRef></x:Extra>\n</Ntry>";
    let report = account(camt054("08", ns_entry));
    let entry = &report.statements[0].entries[0];
    assert_eq!((entry.amount_cents, entry.currency.as_str()), (100, "EUR"));
    assert_eq!(entry.entry_reference, None);
    // Elements without the prefix where no default namespace is declared are not ISO ones:
    // the document then lacks its content.
    let unbound = with_prefix(CAMT054_V08, "ns2")
        .replacen("<ns2:BkToCstmrDbtCdtNtfctn>", "<BkToCstmrDbtCdtNtfctn>", 1)
        .replacen(
            "</ns2:BkToCstmrDbtCdtNtfctn>",
            "</BkToCstmrDbtCdtNtfctn>",
            1,
        );
    let error = refused(&unbound);
    assert!(
        matches!(&error, BankFileError::MissingElement { path, .. } if path == "Document/BkToCstmrDbtCdtNtfctn"),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 10. Several notifications and statements
// ---------------------------------------------------------------------------------------------

/// Reference, cents, credit, booked.
type EntryShape<'a> = (&'a str, i64, bool, bool);

#[test]
fn several_notifications_in_one_camt054_keep_their_own_entries() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>CAMT-3</MsgId><CreDtTm>2026-12-07T06:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry><NtryRef>A1</NtryRef><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>
<Ntry><NtryRef>A2</NtryRef><Amt Ccy="EUR">2.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts></Ntry>
</Ntfctn>
<Ntfctn><Id>N2</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
</Ntfctn>
<Ntfctn><Id>N3</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry><NtryRef>C1</NtryRef><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts></Ntry>
</Ntfctn>
</BkToCstmrDbtCdtNtfctn>
</Document>"#;
    let report = account(xml);
    assert_eq!(report.format, BankFormat::Camt054V02);
    assert_eq!(report.message_id, "CAMT-3");
    let shape: Vec<(&str, Option<&str>, Vec<EntryShape>)> = report
        .statements
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.account_iban.as_deref(),
                s.entries
                    .iter()
                    .map(|e| {
                        (
                            e.entry_reference.as_deref().unwrap(),
                            e.amount_cents,
                            e.credit,
                            e.booked,
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (
                "N1",
                Some("DE02120300000000202051"),
                vec![("A1", 100, true, true), ("A2", 200, false, true)]
            ),
            ("N2", Some("DE89370400440532013000"), vec![]),
            (
                "N3",
                Some("DE02120300000000202051"),
                vec![("C1", 300, true, false)]
            ),
        ]
    );
}

#[test]
fn several_statements_in_one_camt053_keep_their_own_entries() {
    for version in ["02", "08"] {
        let sts = |code: &str| {
            if version == "02" {
                format!("<Sts>{code}</Sts>")
            } else {
                format!("<Sts><Cd>{code}</Cd></Sts>")
            }
        };
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
<BkToCstmrStmt>
<GrpHdr><MsgId>STMT-{version}</MsgId><CreDtTm>2026-12-08T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><ElctrncSeqNb>41</ElctrncSeqNb>
<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-06</Dt></Dt></Bal>
<Ntry><NtryRef>S1-1</NtryRef><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>{book}<BookgDt><Dt>2026-12-07</Dt></BookgDt>
<NtryDtls><Btch><PmtInfId>PMT-RCUR</PmtInfId><NbOfTxs>2</NbOfTxs><TtlAmt Ccy="EUR">150.00</TtlAmt></Btch></NtryDtls></Ntry>
</Stmt>
<Stmt><Id>S2</Id><ElctrncSeqNb>42</ElctrncSeqNb>
<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry><NtryRef>S2-1</NtryRef><Amt Ccy="EUR">53.50</Amt><CdtDbtInd>DBIT</CdtDbtInd>{book}<BookgDt><Dt>2026-12-08</Dt></BookgDt></Ntry>
<Ntry><NtryRef>S2-2</NtryRef><Amt Ccy="EUR">9.99</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>{info}</Ntry>
</Stmt>
</BkToCstmrStmt>
</Document>"#,
            book = sts("BOOK"),
            info = sts("INFO"),
        );
        let report = account(&xml);
        let expected_format = if version == "02" {
            BankFormat::Camt053V02
        } else {
            BankFormat::Camt053V08
        };
        assert_eq!(report.format, expected_format);
        assert_eq!(report.message_id, format!("STMT-{version}"));
        let ids: Vec<(&str, Vec<&str>)> = report
            .statements
            .iter()
            .map(|s| {
                (
                    s.id.as_str(),
                    s.entries
                        .iter()
                        .map(|e| e.entry_reference.as_deref().unwrap())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            vec![("S1", vec!["S1-1"]), ("S2", vec!["S2-1", "S2-2"])]
        );
        let s1 = &report.statements[0].entries[0];
        let batch = s1.batch.as_ref().unwrap();
        assert_eq!(
            (batch.number_of_transactions, batch.total_cents),
            (Some(2), Some(15_000))
        );
        let s2 = &report.statements[1].entries;
        assert_eq!(
            s2.iter()
                .map(|e| (e.amount_cents, e.credit, e.reversal, e.booked))
                .collect::<Vec<_>>(),
            [(5350, false, false, true), (999, false, true, false)]
        );
        assert_eq!(
            s2[0].booking_date,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 11. Amounts
// ---------------------------------------------------------------------------------------------

fn entry_cents(amount: &str) -> i64 {
    let report = account(camt054("08", &entry(amount, "<Sts><Cd>BOOK</Cd></Sts>")));
    report.statements[0].entries[0].amount_cents
}

#[test]
fn amounts_are_read_as_exact_cents() {
    assert_eq!(entry_cents("12.5"), 1250);
    assert_eq!(entry_cents("12.50"), 1250);
    assert_eq!(entry_cents("0.01"), 1);
    assert_eq!(entry_cents("0.10"), 10);
    assert_eq!(entry_cents("12"), 1200);
    assert_eq!(entry_cents(" 12.30 "), 1230);
    assert_eq!(entry_cents("12.300"), 1230);
    // 0.1 + 0.2 is not 0.30000000000000004 here.
    assert_eq!(entry_cents("0.3"), 30);
    assert_eq!(entry_cents("999999999999999.99"), 99_999_999_999_999_999);
    // Every amount of the full notification.
    let report = account(CAMT054_V08);
    let entries = &report.statements[0].entries;
    assert_eq!(
        entries.iter().map(|e| e.amount_cents).collect::<Vec<_>>(),
        [15_000, 5350]
    );
    assert_eq!(entries[0].batch.as_ref().unwrap().total_cents, Some(15_000));
    assert_eq!(
        entries[0]
            .transactions
            .iter()
            .map(|t| t.amount_cents)
            .collect::<Vec<_>>(),
        [Some(10_000), Some(5000)]
    );
}

#[test]
fn amounts_that_are_not_exact_cents_are_refused_naming_the_element_and_line() {
    let path = "Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/Amt";
    for (amount, problem, english, german) in [
        (
            "1.234",
            AmountProblem::FractionOfACent,
            "a fraction of a cent",
            "Bruchteil eines Cents",
        ),
        (
            "12.001",
            AmountProblem::FractionOfACent,
            "a fraction of a cent",
            "Bruchteil eines Cents",
        ),
        (
            "1e3",
            AmountProblem::NotANumber,
            "not a decimal number",
            "keine Dezimalzahl",
        ),
        ("-5", AmountProblem::Negative, "negative", "negativ"),
        (
            "abc",
            AmountProblem::NotANumber,
            "not a decimal number",
            "keine Dezimalzahl",
        ),
        (
            "12,50",
            AmountProblem::NotANumber,
            "not a decimal number",
            "keine Dezimalzahl",
        ),
        (
            "",
            AmountProblem::NotANumber,
            "not a decimal number",
            "keine Dezimalzahl",
        ),
        (
            "NaN",
            AmountProblem::NotANumber,
            "not a decimal number",
            "keine Dezimalzahl",
        ),
        (
            "1000000000000000000",
            AmountProblem::TooLarge,
            "too large",
            "zu groß",
        ),
    ] {
        let xml = camt054("08", &entry(amount, "<Sts><Cd>BOOK</Cd></Sts>"));
        let line = line_of(&xml, "<Amt ");
        let error = refused(&xml);
        assert_eq!(
            error,
            BankFileError::InvalidAmount {
                path: path.into(),
                line,
                value: amount.into(),
                problem
            },
            "{amount}"
        );
        let (en, de) = line_text(line);
        assert_says(
            &error,
            "invalid_amount",
            &[&en, path, &format!("\"{amount}\""), english],
            &[&de, path, &format!("„{amount}“"), german],
        );
    }
}

#[test]
fn amounts_deeper_in_the_file_are_checked_too() {
    // The batch sum, a transaction's amount and a status report's instructed amount.
    let bad = CAMT054_V08.replacen(
        "<TtlAmt Ccy=\"EUR\">150.00</TtlAmt>",
        "<TtlAmt Ccy=\"EUR\">150.005</TtlAmt>",
        1,
    );
    let error = refused(&bad);
    assert!(
        matches!(&error, BankFileError::InvalidAmount { path, line, problem: AmountProblem::FractionOfACent, .. }
            if path == "Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/NtryDtls/Btch/TtlAmt"
            && *line == line_of(CAMT054_V08, "<TtlAmt")),
        "{error:?}"
    );
    let bad = CAMT054_V08.replacen(
        "<Amt Ccy=\"EUR\">50.00</Amt>",
        "<Amt Ccy=\"EUR\">5O.00</Amt>",
        1,
    );
    let error = refused(&bad);
    assert!(
        matches!(&error, BankFileError::InvalidAmount { path, value, .. }
            if path == "Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/NtryDtls/TxDtls/Amt" && value == "5O.00"),
        "{error:?}"
    );
    let bad = PAIN002_V03.replacen(">49.90<", ">-49.90<", 1);
    let error = refused(&bad);
    assert!(
        matches!(&error, BankFileError::InvalidAmount { path, line, problem: AmountProblem::Negative, .. }
            if path == "Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts/OrgnlTxRef/Amt/InstdAmt"
            && *line == line_of(PAIN002_V03, ">49.90<")),
        "{error:?}"
    );
    // A missing or malformed currency is named by its attribute.
    let xml = camt054(
        "08",
        "<Ntry>\n<Amt>1.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<Sts><Cd>BOOK</Cd></Sts>\n</Ntry>",
    );
    let error = refused(&xml);
    assert!(
        matches!(&error, BankFileError::MissingElement { path, .. }
            if path == "Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/Amt/@Ccy"),
        "{error:?}"
    );
    let xml = camt054(
        "08",
        "<Ntry>\n<Amt Ccy=\"eur\">1.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<Sts><Cd>BOOK</Cd></Sts>\n</Ntry>",
    );
    let error = refused(&xml);
    assert_says(
        &error,
        "invalid_value",
        &["Ntry/Amt/@Ccy", "\"eur\"", "three capital letters"],
        &["Ntry/Amt/@Ccy", "„eur“", "drei Großbuchstaben"],
    );
}

// ---------------------------------------------------------------------------------------------
// 12. The 2009 and 2019 shapes
// ---------------------------------------------------------------------------------------------

#[test]
fn the_2009_and_2019_shapes_of_a_return_read_alike() {
    let old = account(CAMT054_V02);
    let new = account(CAMT054_V08);
    assert_eq!(old.format, BankFormat::Camt054V02);
    assert_eq!(new.format, BankFormat::Camt054V08);
    let old_entry = &old.statements[0].entries[0];
    let new_entry = &new.statements[0].entries[1];
    for e in [old_entry, new_entry] {
        assert_eq!(e.entry_reference.as_deref(), Some("R1"));
        assert_eq!((e.amount_cents, e.credit, e.booked), (5350, false, true));
        let code = e.bank_transaction_code.as_ref().unwrap();
        assert_eq!(code.sub_family.as_deref(), Some("UPDD"));
        assert_eq!(code.proprietary.as_deref(), Some("NTRF+109+00900"));
        let [tx] = e.transactions.as_slice() else {
            panic!("one transaction: {e:?}");
        };
        // `Sts` vs `Sts/Cd`: booked (above). `TxDtls/Amt` vs `AmtDtls/TxAmt/Amt`:
        assert_eq!(tx.amount_cents, Some(5350));
        assert_eq!(tx.original_amount_cents, Some(5000));
        // `Chrgs/Amt` vs `Chrgs/Rcrd/Amt` (the total beside the record is not a second fee):
        assert_eq!(
            tx.charges
                .iter()
                .map(|c| c.amount_cents)
                .collect::<Vec<_>>(),
            [350]
        );
        // `Dbtr/Nm` vs `Dbtr/Pty/Nm`:
        assert_eq!(tx.debtor_name.as_deref(), Some("Müller & Söhne"));
        assert_eq!(tx.debtor_iban.as_deref(), Some("AT611904300234573201"));
        // `RtrInf/Rsn/Cd`:
        let reason = tx.return_reason.as_ref().unwrap();
        assert_eq!(reason.code.as_deref(), Some("AM04"));
        assert_eq!(reason.additional, ["Rücklastschrift"]);
        assert_eq!(tx.end_to_end_id.as_deref(), Some("E2E-3"));
        assert_eq!(tx.mandate_id.as_deref(), Some("M-3"));
    }
    let old_tx = &old_entry.transactions[0];
    let new_tx = &new_entry.transactions[0];
    assert_eq!(old_tx.charges[0].included, None);
    assert_eq!(old_tx.charges[0].code.as_deref(), Some("COMM"));
    assert_eq!(new_tx.charges[0].included, Some(true));
    assert_eq!(old_tx.credit, None);
    assert_eq!(new_tx.credit, Some(false));
    // The creditor id: `Cdtr/Id/…` (2009) and `Cdtr/Pty/Id/…` (2019).
    assert_eq!(old_tx.creditor_id.as_deref(), Some("DE98ZZZ09999999999"));
    assert_eq!(
        new.statements[0].entries[0].transactions[0]
            .creditor_id
            .as_deref(),
        Some("DE98ZZZ09999999999")
    );
    // `ValDt/DtTm` gives its date.
    assert_eq!(
        new.statements[0].entries[0].value_date,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
    );
}

#[test]
fn entry_status_is_read_in_both_shapes() {
    for (version, sts, booked) in [
        ("02", "<Sts>BOOK</Sts>", true),
        ("02", "<Sts>PDNG</Sts>", false),
        ("02", "<Sts>INFO</Sts>", false),
        ("08", "<Sts><Cd>BOOK</Cd></Sts>", true),
        ("08", "<Sts><Cd>PDNG</Cd></Sts>", false),
        ("08", "<Sts><Prtry>BOOK</Prtry></Sts>", true),
        // A bank mixing the shapes is still understood.
        ("08", "<Sts>BOOK</Sts>", true),
        ("02", "<Sts><Cd>BOOK</Cd></Sts>", true),
    ] {
        let report = account(camt054(version, &entry("1.00", sts)));
        assert_eq!(
            report.statements[0].entries[0].booked, booked,
            "{version} {sts}"
        );
    }
    // `Sts` is mandatory.
    let xml = camt054(
        "08",
        "<Ntry>\n<Amt Ccy=\"EUR\">1.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n</Ntry>",
    );
    let line = line_of(&xml, "<Ntry>");
    let error = refused(&xml);
    assert_eq!(
        error,
        BankFileError::MissingElement {
            path: "Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/Sts".into(),
            line,
            format: "camt.054.001.08"
        }
    );
    let (en, de) = line_text(line);
    assert_says(
        &error,
        "missing_element",
        &[&en, "Ntry/Sts is missing", "camt.054.001.08"],
        &[&de, "Ntry/Sts fehlt", "camt.054.001.08"],
    );
    // `CdtDbtInd` must be CRDT or DBIT.
    let xml = camt054(
        "02",
        "<Ntry>\n<Amt Ccy=\"EUR\">1.00</Amt>\n<CdtDbtInd>CREDIT</CdtDbtInd>\n<Sts>BOOK</Sts>\n</Ntry>",
    );
    let error = refused(&xml);
    assert_says(
        &error,
        "invalid_value",
        &["Ntry/CdtDbtInd", "\"CREDIT\"", "CRDT or DBIT"],
        &["Ntry/CdtDbtInd", "„CREDIT“", "CRDT oder DBIT"],
    );
}

// ---------------------------------------------------------------------------------------------
// 13. pain.002
// ---------------------------------------------------------------------------------------------

#[test]
fn pain002_statuses_and_reasons_on_every_level() {
    let report = status(PAIN002_V03);
    assert_eq!(report.format, BankFormat::Pain002V03);
    assert_eq!(report.message_id, "STS-LS-2026-11-28");
    assert_eq!(
        report.created_at,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_milli_opt(10, 15, 0, 123)
    );
    assert_eq!(report.original_message_id, "LS-2026-11-28");
    assert_eq!(
        report.original_message_type.as_deref(),
        Some("pain.008.001.02")
    );
    let group = report.group_status.as_ref().unwrap();
    assert!(group.is_partial() && !group.is_rejected() && !group.is_accepted());
    assert_eq!(report.group_reasons.len(), 1);
    assert_eq!(report.group_reasons[0].code.as_deref(), Some("NARR"));
    assert_eq!(
        report.group_reasons[0].additional,
        ["Teilweise abgelehnt", "siehe Einzelposten"]
    );

    let [first, second] = report.batches.as_slice() else {
        panic!("two batches: {:?}", report.batches);
    };
    assert_eq!(first.payment_information_id, "PMT-FRST");
    assert!(first.status.as_ref().unwrap().is_rejected());
    assert_eq!(first.reasons[0].code, None);
    assert_eq!(first.reasons[0].proprietary.as_deref(), Some("BANK17"));
    assert!(first.transactions.is_empty());

    assert_eq!(second.payment_information_id, "PMT-RCUR");
    assert_eq!(second.status.as_ref().map(|s| s.as_str()), Some("PART"));
    assert!(second.reasons.is_empty());
    let [a, b] = second.transactions.as_slice() else {
        panic!("two transactions: {:?}", second.transactions);
    };
    assert_eq!(a.end_to_end_id.as_deref(), Some("E2E-2"));
    assert!(a.status.as_ref().unwrap().is_rejected());
    assert_eq!(a.reasons[0].code.as_deref(), Some("AC04"));
    assert_eq!(a.reasons[0].additional, ["Konto erloschen"]);
    assert_eq!(a.amount_cents, Some(4990));
    assert_eq!(a.mandate_id.as_deref(), Some("M-2"));
    assert_eq!(
        a.requested_collection_date,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
    );
    assert_eq!(b.end_to_end_id.as_deref(), Some("E2E-3"));
    assert_eq!(b.reasons[0].code.as_deref(), Some("MD07"));
    assert_eq!(b.amount_cents, Some(1));
    assert_eq!(
        (b.mandate_id.as_ref(), b.requested_collection_date),
        (None, None)
    );
}

#[test]
fn pain002_v10_accepted_file() {
    let report = status(PAIN002_V10);
    assert_eq!(report.format, BankFormat::Pain002V10);
    assert_eq!(parse(PAIN002_V10).format(), BankFormat::Pain002V10);
    assert_eq!(parse(PAIN002_V10).message_id(), "STS-10");
    assert!(report.group_status.as_ref().unwrap().is_accepted());
    assert!(report.group_reasons.is_empty());
    let tx = &report.batches[0].transactions[0];
    assert!(tx.status.as_ref().unwrap().is_accepted());
    assert_eq!(tx.amount_cents, Some(1250));
    assert_eq!(
        tx.requested_collection_date,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 14)
    );
}

#[test]
fn pain002_without_original_message_id_is_refused_naming_it() {
    let path = "Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId";
    let line = line_of(PAIN002_V03, "<OrgnlGrpInfAndSts>");
    for xml in [
        PAIN002_V03.replacen("<OrgnlMsgId>LS-2026-11-28</OrgnlMsgId>\n", "", 1),
        PAIN002_V03.replacen("<OrgnlMsgId>LS-2026-11-28</OrgnlMsgId>", "<OrgnlMsgId/>", 1),
        PAIN002_V03.replacen(
            "<OrgnlMsgId>LS-2026-11-28</OrgnlMsgId>",
            "<OrgnlMsgId>  </OrgnlMsgId>",
            1,
        ),
    ] {
        let error = refused(&xml);
        assert_eq!(
            error,
            BankFileError::MissingElement {
                path: path.into(),
                line,
                format: "pain.002.001.03"
            }
        );
        let (en, de) = line_text(line);
        assert_says(
            &error,
            "missing_element",
            &[&en, path, "is missing", "pain.002.001.03"],
            &[&de, path, "fehlt", "pain.002.001.03"],
        );
    }
}

#[test]
fn pain002_missing_parts_are_named() {
    // The batch's `OrgnlPmtInfId`.
    let xml = PAIN002_V10.replacen("<OrgnlPmtInfId>PMT-OOFF</OrgnlPmtInfId>\n", "", 1);
    let error = refused(&xml);
    assert!(
        matches!(&error, BankFileError::MissingElement { path, line, format: "pain.002.001.10" }
            if path == "Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/OrgnlPmtInfId"
            && *line == line_of(&xml, "<OrgnlPmtInfAndSts>")),
        "{error:?}"
    );
    // The whole `OrgnlGrpInfAndSts`, and the header's `MsgId`.
    let start = PAIN002_V10.find("<OrgnlGrpInfAndSts>").unwrap();
    let end = PAIN002_V10.find("</OrgnlGrpInfAndSts>").unwrap() + "</OrgnlGrpInfAndSts>".len();
    let xml = format!("{}{}", &PAIN002_V10[..start], &PAIN002_V10[end..]);
    assert!(
        matches!(refused(&xml), BankFileError::MissingElement { path, .. }
        if path == "Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts")
    );
    let xml = PAIN002_V10.replacen("<MsgId>STS-10</MsgId>", "", 1);
    assert!(
        matches!(refused(&xml), BankFileError::MissingElement { path, .. }
        if path == "Document/CstmrPmtStsRpt/GrpHdr/MsgId")
    );
    // A date that is not one.
    let xml = PAIN002_V10.replacen("2026-12-14", "14.12.2026", 1);
    let error = refused(&xml);
    assert_says(
        &error,
        "invalid_value",
        &[
            "OrgnlTxRef/ReqdColltnDt",
            "\"14.12.2026\"",
            "a date (YYYY-MM-DD)",
        ],
        &[
            "OrgnlTxRef/ReqdColltnDt",
            "„14.12.2026“",
            "ein Datum (JJJJ-MM-TT)",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    })
}

/// What [`arbitrary_bytes_never_panic`] parses.
#[derive(Clone, Debug)]
enum Input {
    /// Any bytes.
    Noise(Vec<u8>),
    /// A valid document with bytes changed (0), inserted (1) or removed (2).
    Edited(usize, Vec<(prop::sample::Index, u8, u8)>),
}

/// Arbitrary bytes, and valid documents with bytes changed, inserted or removed: an error or
/// a document, never a panic.
#[test]
fn arbitrary_bytes_never_panic() {
    let valid = [CAMT054_V08, CAMT054_V02, PAIN002_V03, PAIN002_V10];
    let interesting = proptest::sample::select(
        &[
            b'<', b'>', b'/', b'&', b';', b'"', b'=', b'?', b'!', b'-', b'[', b']', b'\n', 0x00,
            0xC3, 0xFC, 0xFF, 0xFE, 0xEF,
        ][..],
    );
    let edit = (
        any::<prop::sample::Index>(),
        0u8..3,
        prop_oneof![interesting, any::<u8>()],
    );
    let strategy = prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..600).prop_map(Input::Noise),
        3 => (0..valid.len(), proptest::collection::vec(edit, 1..8))
            .prop_map(|(doc, edits)| Input::Edited(doc, edits)),
    ];
    runner(256)
        .run(&strategy, |input| {
            let bytes = match input {
                Input::Noise(bytes) => bytes,
                Input::Edited(doc, edits) => {
                    let mut bytes = valid[doc].as_bytes().to_vec();
                    for (at, op, byte) in edits {
                        let at = at.index(bytes.len());
                        match op {
                            0 => bytes[at] = byte,
                            1 => bytes.insert(at, byte),
                            _ => {
                                bytes.remove(at);
                            }
                        }
                    }
                    bytes
                }
            };
            let _ = parse_bank_file(&bytes);
            Ok(())
        })
        .unwrap();
}

/// Every prefix of a valid document: an error while the root is not closed (a truncation, or
/// a malformed file before the root opened), the document once it is.
#[test]
fn every_truncation_of_a_valid_document_errors_or_parses() {
    for doc in [CAMT054_V08, PAIN002_V03] {
        let bytes = doc.as_bytes();
        let complete = doc.rfind("</Document>").unwrap() + "</Document>".len();
        let root_open = doc.find("<Document").unwrap()
            + doc[doc.find("<Document").unwrap()..].find('>').unwrap()
            + 1;
        let whole = parse(doc);
        for cut in 0..=bytes.len() {
            let result = std::panic::catch_unwind(|| parse_bank_file(&bytes[..cut]))
                .unwrap_or_else(|_| panic!("panicked at cut {cut}"));
            match result {
                Ok(parsed) => {
                    assert!(cut >= complete, "cut {cut} accepted");
                    assert_eq!(parsed, whole);
                }
                Err(error) => {
                    assert!(cut < complete, "cut {cut}: {error}");
                    if cut >= root_open {
                        assert_eq!(error.code(), "truncated", "cut {cut}: {error}");
                        assert_eq!(
                            error.line(),
                            Some(1 + bytes[..cut].iter().filter(|&&b| b == b'\n').count()),
                            "cut {cut}: {error}"
                        );
                    } else {
                        assert!(
                            ["empty", "malformed", "truncated"].contains(&error.code()),
                            "cut {cut}: {error}"
                        );
                    }
                }
            }
        }
    }
}

/// Amounts of whole cents written as `{euros}.{cents:02}` come back as the cents, in the entry,
/// the batch sum and a status report.
#[test]
fn generated_amounts_are_read_as_their_cents() {
    runner(256)
        .run(&(0i64..1_000_000_000_000), |cents| {
            let amount = format!("{}.{:02}", cents / 100, cents % 100);
            let xml = camt054(
                "08",
                &format!(
                    "<Ntry>\n<Amt Ccy=\"EUR\">{amount}</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<Sts><Cd>BOOK</Cd></Sts>\n<NtryDtls><Btch><TtlAmt Ccy=\"EUR\">{amount}</TtlAmt></Btch></NtryDtls>\n</Ntry>"
                ),
            );
            let report = account(&xml);
            let entry = &report.statements[0].entries[0];
            prop_assert_eq!(entry.amount_cents, cents);
            prop_assert_eq!(entry.batch.as_ref().unwrap().total_cents, Some(cents));
            let pain = PAIN002_V10.replacen(">12.5<", &format!(">{amount}<"), 1);
            let report = status(&pain);
            prop_assert_eq!(report.batches[0].transactions[0].amount_cents, Some(cents));
            Ok(())
        })
        .unwrap();
}
