//! The bank's answers to a collection: the payment status report (pain.002) that rejects a file,
//! a batch or single debits before settlement, and the bookings of the collection and of every
//! return (camt.054 notification, camt.053 statement).
//!
//! [`parse_bank_file`] reads the exact bytes of an uploaded file with a streaming XML parser
//! (quick-xml) and returns validated domain values; it never applies anything. The document is
//! recognised by the namespace of its root `Document` element, whatever prefix it uses; any
//! other document is refused with a sentence naming what it is ([`BankFileError`]).
//!
//! Limits, checked before anything is built: at most [`MAX_BANK_FILE_BYTES`], nesting at most
//! [`MAX_XML_DEPTH`] elements deep, no DTD and no entity declarations (so no entity expansion),
//! UTF-8 (with or without a byte-order mark) or a declared ISO-8859-1, which is decoded.
//! Amounts are read as exact decimals into cents, never through floating point.
//!
//! ```
//! use lastschrift_sepa::bank::{parse_bank_file, BankDocument};
//! let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
//!   <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-01T08:00:00</CreDtTm></GrpHdr>
//!   <OrgnlGrpInfAndSts><OrgnlMsgId>LS-2026-11-28</OrgnlMsgId>
//!     <OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>
//!     <StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
//! </CstmrPmtStsRpt></Document>"#;
//! let BankDocument::StatusReport(report) = parse_bank_file(xml).unwrap() else { panic!() };
//! assert_eq!(report.original_message_id, "LS-2026-11-28");
//! assert!(report.group_status.unwrap().is_rejected());
//! assert_eq!(report.group_reasons[0].code.as_deref(), Some("FF01"));
//! ```

mod account;
mod error;
mod status;
mod values;
mod xml;

pub use error::{AmountProblem, BankFileError};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// Files larger than this (50 MiB) are refused before they are parsed.
pub const MAX_BANK_FILE_BYTES: usize = 50 * 1024 * 1024;

/// Elements nested deeper than this are refused (a real camt.054 needs about 15).
pub const MAX_XML_DEPTH: usize = 64;

/// The namespace prefix every ISO 20022 message shares.
pub(crate) const ISO_NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:";

/// Reads one file the bank sent: a pain.002 status report or a camt.054 / camt.053 account
/// report. Refuses, with a sentence saying what is wrong and where, anything else: another
/// message, another version, a file that is not XML, a truncated or malformed file, a file past
/// the limits, a missing mandatory element or an amount that is not exact cents.
pub fn parse_bank_file(bytes: &[u8]) -> Result<BankDocument, BankFileError> {
    let mut collect = Collect::default();
    let parsed = xml::read(bytes, &mut collect)?;
    if parsed.format.is_status_report() {
        status::build(parsed, collect.batches).map(BankDocument::StatusReport)
    } else {
        account::build(parsed, collect.statements).map(BankDocument::AccountReport)
    }
}

/// Takes the repeating parts out of the tree as they close: each `TxInfAndSts` and
/// `OrgnlPmtInfAndSts` (pain.002), each `Ntry` and `Ntfctn`/`Stmt` (camt). A part's children
/// close before it, so when a batch or statement closes, the transactions or entries taken
/// since are its own.
#[derive(Default)]
struct Collect {
    transactions: Vec<TransactionStatus>,
    batches: Vec<BatchStatus>,
    entries: Vec<Entry>,
    statements: Vec<Statement>,
}

impl xml::Collector for Collect {
    fn wants(&self, parent: &str, name: &str) -> bool {
        matches!(
            (parent, name),
            ("OrgnlPmtInfAndSts", "TxInfAndSts")
                | ("CstmrPmtStsRpt", "OrgnlPmtInfAndSts")
                | ("Ntfctn" | "Stmt", "Ntry")
                | ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
                | ("BkToCstmrStmt", "Stmt")
        )
    }

    fn close(
        &mut self,
        format: BankFormat,
        path: &str,
        node: xml::Node,
    ) -> Result<(), BankFileError> {
        let e = xml::Elem::new(&node, path.to_string(), format);
        match node.name.as_str() {
            "TxInfAndSts" => self.transactions.push(status::transaction(&e)?),
            "OrgnlPmtInfAndSts" => {
                let transactions = std::mem::take(&mut self.transactions);
                self.batches.push(status::batch(&e, transactions)?);
            }
            "Ntry" => self.entries.push(account::entry(&e)?),
            _ => {
                let entries = std::mem::take(&mut self.entries);
                self.statements.push(account::statement(&e, entries)?);
            }
        }
        Ok(())
    }
}

/// A document format this module reads, recognised by the root element's namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum BankFormat {
    /// Payment status report, ISO 2009 edition (also the German DK variant, same namespace).
    Pain002V03,
    /// Payment status report, ISO 2019 edition (pairs with pain.008.001.08).
    Pain002V10,
    /// Debit/credit notification, ISO 2009 edition.
    Camt054V02,
    /// Debit/credit notification, ISO 2019 edition.
    Camt054V08,
    /// Account statement, ISO 2009 edition.
    Camt053V02,
    /// Account statement, ISO 2019 edition.
    Camt053V08,
}

impl BankFormat {
    /// Every supported format, in the order the error messages list them.
    pub const ALL: [BankFormat; 6] = [
        BankFormat::Pain002V03,
        BankFormat::Pain002V10,
        BankFormat::Camt054V02,
        BankFormat::Camt054V08,
        BankFormat::Camt053V02,
        BankFormat::Camt053V08,
    ];

    /// The XML namespace of the format's `Document`, e.g.
    /// `urn:iso:std:iso:20022:tech:xsd:pain.002.001.03`.
    pub fn namespace(self) -> &'static str {
        match self {
            BankFormat::Pain002V03 => "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03",
            BankFormat::Pain002V10 => "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
            BankFormat::Camt054V02 => "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02",
            BankFormat::Camt054V08 => "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08",
            BankFormat::Camt053V02 => "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02",
            BankFormat::Camt053V08 => "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
        }
    }

    /// The message name and version, e.g. `pain.002.001.03`.
    pub fn name(self) -> &'static str {
        &self.namespace()[ISO_NAMESPACE_PREFIX.len()..]
    }

    /// The format whose namespace this is.
    pub fn from_namespace(namespace: &str) -> Option<BankFormat> {
        BankFormat::ALL
            .into_iter()
            .find(|f| f.namespace() == namespace.trim())
    }

    /// A status report (pain.002) rather than an account report (camt).
    pub fn is_status_report(self) -> bool {
        matches!(self, BankFormat::Pain002V03 | BankFormat::Pain002V10)
    }

    /// `pain.002.001.03, pain.002.001.10, …` for error messages.
    pub(crate) fn supported_list() -> String {
        BankFormat::ALL
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::fmt::Display for BankFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a bank file says: a status report or an account report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BankDocument {
    /// A pain.002 payment status report.
    StatusReport(StatusReport),
    /// A camt.054 notification or a camt.053 statement.
    AccountReport(AccountReport),
}

impl BankDocument {
    /// The format the file was recognised as.
    pub fn format(&self) -> BankFormat {
        match self {
            BankDocument::StatusReport(r) => r.format,
            BankDocument::AccountReport(r) => r.format,
        }
    }

    /// The bank's message id (`GrpHdr/MsgId`).
    pub fn message_id(&self) -> &str {
        match self {
            BankDocument::StatusReport(r) => &r.message_id,
            BankDocument::AccountReport(r) => &r.message_id,
        }
    }
}

/// A payment status report (pain.002, `CstmrPmtStsRpt`) on one file we sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// pain.002.001.03 or .10.
    pub format: BankFormat,
    /// `GrpHdr/MsgId`, the report's own id.
    pub message_id: String,
    /// `GrpHdr/CreDtTm` as written (a time-zone suffix is dropped).
    pub created_at: Option<NaiveDateTime>,
    /// `OrgnlGrpInfAndSts/OrgnlMsgId`: the message id of our pain.008.
    pub original_message_id: String,
    /// `OrgnlGrpInfAndSts/OrgnlMsgNmId`, e.g. `pain.008.001.08`.
    pub original_message_type: Option<String>,
    /// `OrgnlGrpInfAndSts/GrpSts`: the status of the whole file.
    pub group_status: Option<StatusCode>,
    /// `OrgnlGrpInfAndSts/StsRsnInf`: reasons on file level.
    pub group_reasons: Vec<StatusReason>,
    /// `OrgnlPmtInfAndSts`: one per batch the report speaks of.
    pub batches: Vec<BatchStatus>,
}

/// The status of one batch (`OrgnlPmtInfAndSts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BatchStatus {
    /// `OrgnlPmtInfId`: our payment information id.
    pub payment_information_id: String,
    /// `PmtInfSts`.
    pub status: Option<StatusCode>,
    /// `StsRsnInf` on batch level.
    pub reasons: Vec<StatusReason>,
    /// `TxInfAndSts`: single debits.
    pub transactions: Vec<TransactionStatus>,
}

/// The status of one debit (`TxInfAndSts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransactionStatus {
    /// `OrgnlEndToEndId`.
    pub end_to_end_id: Option<String>,
    /// `TxSts`.
    pub status: Option<StatusCode>,
    /// `StsRsnInf`.
    pub reasons: Vec<StatusReason>,
    /// `OrgnlTxRef/Amt/InstdAmt` in cents.
    pub amount_cents: Option<i64>,
    /// `OrgnlTxRef/MndtRltdInf/MndtId`.
    pub mandate_id: Option<String>,
    /// `OrgnlTxRef/ReqdColltnDt`.
    pub requested_collection_date: Option<NaiveDate>,
}

/// One `StsRsnInf`: why a file, batch or debit has its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusReason {
    /// `Rsn/Cd`, an ISO status reason code such as `AC04` or `MD07`.
    pub code: Option<String>,
    /// `Rsn/Prtry`, a bank's own code.
    pub proprietary: Option<String>,
    /// `AddtlInf`, free text lines.
    pub additional: Vec<String>,
}

/// A status code of pain.002 (`GrpSts`, `PmtInfSts`, `TxSts`): `ACCP`, `ACSC`, `ACSP`, `ACTC`,
/// `ACWC`, `PDNG`, `RCVD`, `PART`, `RJCT`, … kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct StatusCode(pub String);

impl StatusCode {
    /// `RJCT`: refused before settlement.
    pub fn is_rejected(&self) -> bool {
        self.0 == "RJCT"
    }

    /// `PART`: some of it refused; the details say which.
    pub fn is_partial(&self) -> bool {
        self.0 == "PART"
    }

    /// Accepted at some stage: `ACCP`, `ACSC`, `ACSP`, `ACTC`, `ACWC`, and the 2019 codes
    /// `ACCC`, `ACFC` and `ACWP`.
    pub fn is_accepted(&self) -> bool {
        matches!(
            self.0.as_str(),
            "ACCP" | "ACSC" | "ACSP" | "ACTC" | "ACWC" | "ACCC" | "ACFC" | "ACWP"
        )
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A camt.054 notification (`BkToCstmrDbtCdtNtfctn`) or camt.053 statement (`BkToCstmrStmt`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountReport {
    /// camt.054.001.02/.08 or camt.053.001.02/.08.
    pub format: BankFormat,
    /// `GrpHdr/MsgId`.
    pub message_id: String,
    /// Each `Ntfctn` (camt.054) or `Stmt` (camt.053); a file may hold several.
    pub statements: Vec<Statement>,
}

/// One notification or statement: the entries of one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// `Ntfctn/Id` or `Stmt/Id`.
    pub id: String,
    /// `Acct/Id/IBAN`.
    pub account_iban: Option<String>,
    /// `Ntry`, in file order.
    pub entries: Vec<Entry>,
}

/// One booking (`Ntry`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// `NtryRef`.
    pub entry_reference: Option<String>,
    /// `Amt` in cents (exact; fractions of a cent are refused).
    pub amount_cents: i64,
    /// `Amt/@Ccy`.
    pub currency: String,
    /// `CdtDbtInd` is `CRDT` (money in); `DBIT` is false.
    pub credit: bool,
    /// `RvslInd`: this entry reverses an earlier one.
    pub reversal: bool,
    /// `Sts` is `BOOK` (2009: text; 2019: `Sts/Cd`), not pending or information only.
    pub booked: bool,
    /// `BookgDt` (`Dt`, or the date of `DtTm`).
    pub booking_date: Option<NaiveDate>,
    /// `ValDt` (`Dt`, or the date of `DtTm`).
    pub value_date: Option<NaiveDate>,
    /// `BkTxCd`.
    pub bank_transaction_code: Option<BankTransactionCode>,
    /// `NtryDtls/Btch`: the batch this entry books as one sum.
    pub batch: Option<EntryBatch>,
    /// `Chrgs` on entry level (2009: each `Chrgs`; 2019: each `Chrgs/Rcrd`).
    pub charges: Vec<Charge>,
    /// `NtryDtls/TxDtls`, every detail of every `NtryDtls`.
    pub transactions: Vec<TransactionDetails>,
}

/// A bank transaction code (`BkTxCd`), e.g. `PMNT`/`IDDT`/`ESDD` for a collected SEPA Core
/// batch and `PMNT`/`IDDT`/`UPDD` for a returned direct debit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankTransactionCode {
    /// `Domn/Cd`.
    pub domain: Option<String>,
    /// `Domn/Fmly/Cd`.
    pub family: Option<String>,
    /// `Domn/Fmly/SubFmlyCd`.
    pub sub_family: Option<String>,
    /// `Prtry/Cd` (German banks: the GVC text).
    pub proprietary: Option<String>,
}

/// The batch of an entry (`NtryDtls/Btch`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryBatch {
    /// `MsgId`: our pain.008 message id.
    pub message_id: Option<String>,
    /// `PmtInfId`: our payment information id.
    pub payment_information_id: Option<String>,
    /// `NbOfTxs`.
    pub number_of_transactions: Option<u64>,
    /// `TtlAmt` in cents.
    pub total_cents: Option<i64>,
    /// `CdtDbtInd` is `CRDT`.
    pub credit: Option<bool>,
}

/// One transaction of an entry (`NtryDtls/TxDtls`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransactionDetails {
    /// `Refs/MsgId`.
    pub message_id: Option<String>,
    /// `Refs/PmtInfId`.
    pub payment_information_id: Option<String>,
    /// `Refs/EndToEndId`.
    pub end_to_end_id: Option<String>,
    /// `Refs/MndtId`.
    pub mandate_id: Option<String>,
    /// The transaction's amount in cents: `Amt` (2019), else `AmtDtls/TxAmt/Amt`, else
    /// `AmtDtls/InstdAmt/Amt`. For a return this is what was debited, fees included.
    pub amount_cents: Option<i64>,
    /// `AmtDtls/InstdAmt/Amt` in cents: the originally collected amount, when a return has it.
    pub original_amount_cents: Option<i64>,
    /// `CdtDbtInd` (2019) is `CRDT`.
    pub credit: Option<bool>,
    /// `Chrgs` on transaction level (the fees of a return).
    pub charges: Vec<Charge>,
    /// `RtrInf`: why the debit came back.
    pub return_reason: Option<ReturnReason>,
    /// `RltdPties/Dbtr/Nm` (2019: `Dbtr/Pty/Nm`).
    pub debtor_name: Option<String>,
    /// `RltdPties/DbtrAcct/Id/IBAN`.
    pub debtor_iban: Option<String>,
    /// `RltdPties/Cdtr/Id/PrvtId/Othr/Id` (2019: `Cdtr/Pty/Id/…`): the creditor identifier.
    pub creditor_id: Option<String>,
}

/// `RtrInf`: the reason of a return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReturnReason {
    /// `Rsn/Cd`, an ISO return reason such as `AM04`.
    pub code: Option<String>,
    /// `Rsn/Prtry`.
    pub proprietary: Option<String>,
    /// `AddtlInf`.
    pub additional: Vec<String>,
}

/// One charge (fee) of an entry or transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Charge {
    /// `Amt` in cents.
    pub amount_cents: i64,
    /// `ChrgInclInd` (2019 only): the fee is included in the entry's amount.
    pub included: Option<bool>,
    /// `Tp/Cd`.
    pub code: Option<String>,
}
