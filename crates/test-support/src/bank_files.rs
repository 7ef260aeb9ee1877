//! Bank files built from our own runs, as a bank would send them back: the payment status
//! report (pain.002 .03, the German DK variant of .03, and .10), the booking notification
//! camt.054 (.02, .08) and the account statement camt.053 (.02, .08, from the same entries).
//!
//! [`CollectionFile::read`] takes a pain.008 file we wrote apart (message, batches, debits);
//! [`pain002`], [`camt054`] and [`camt053`] write answers about it. The pain.002 and camt.054
//! files are meant to be checked with [`crate::assert_schema_valid`] against the schemas named
//! by [`Pain002Version::schemas`] and [`CamtVersion::camt054_schema`] before a test imports
//! them; camt.053 has no schema in `../shared/ref/xsd` and shares the entry shape of camt.054.
//!
//! The variants real banks send are options: a namespace prefix on every element, a batch booked
//! as one sum with or without its transaction details, entries spread over several
//! notifications or statements in one file, returns with fees (debited amount is the collected
//! amount plus the fee, the fee in the transaction's `Chrgs`), the reject of a whole file or
//! batch, and a PART status naming single rejected debits.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::fmt::Write as _;

/// One debit of a pain.008 file (`DrctDbtTxInf`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BankDebit {
    /// `PmtId/EndToEndId`.
    pub end_to_end_id: String,
    /// `MndtRltdInf/MndtId`.
    pub mandate_id: String,
    /// `InstdAmt` in cents.
    pub amount_cents: i64,
    /// `Dbtr/Nm`.
    pub debtor_name: String,
    /// `DbtrAcct/Id/IBAN`.
    pub debtor_iban: String,
}

/// One payment-information block (`PmtInf`) of a pain.008 file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BankBatch {
    /// `PmtInfId`.
    pub payment_information_id: String,
    /// `PmtTpInf/SeqTp`: FRST, RCUR, FNAL or OOFF.
    pub sequence_type: String,
    /// `ReqdColltnDt` (in .08 its `Dt`), `YYYY-MM-DD`.
    pub collection_date: String,
    /// `LclInstrm/Cd` is B2B.
    pub b2b: bool,
    /// The debits, in file order.
    pub debits: Vec<BankDebit>,
}

impl BankBatch {
    /// The sum of the batch in cents.
    pub fn total_cents(&self) -> i64 {
        self.debits.iter().map(|d| d.amount_cents).sum()
    }
}

/// A pain.008 file we wrote, taken apart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectionFile {
    /// `GrpHdr/MsgId`.
    pub message_id: String,
    /// `PmtInf/Cdtr/Nm` of the first block.
    pub creditor_name: String,
    /// `PmtInf/CdtrAcct/Id/IBAN` of the first block.
    pub creditor_iban: String,
    /// `CdtrSchmeId/…/Othr/Id` of the first block.
    pub creditor_id: String,
    /// The blocks, in file order.
    pub batches: Vec<BankBatch>,
}

impl CollectionFile {
    /// Reads a pain.008 (.02 or .08) file. Panics, naming the element, when it is not one.
    pub fn read(pain008: &[u8]) -> CollectionFile {
        let mut reader = Reader::from_reader(pain008);
        let mut path: Vec<String> = Vec::new();
        let mut text = String::new();
        let mut file = CollectionFile::default();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    match name.as_str() {
                        "PmtInf" => file.batches.push(BankBatch::default()),
                        "DrctDbtTxInf" => {
                            current_batch(&mut file).debits.push(BankDebit::default())
                        }
                        _ => {}
                    }
                    path.push(name);
                    text.clear();
                }
                Ok(Event::Text(t)) => text.push_str(&t.decode().expect("UTF-8 text")),
                Ok(Event::GeneralRef(r)) => {
                    let name = r.decode().expect("UTF-8 reference");
                    match r.resolve_char_ref().expect("character reference") {
                        Some(c) => text.push(c),
                        None => text.push_str(
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .unwrap_or_else(|| panic!("unknown entity &{name};")),
                        ),
                    }
                }
                Ok(Event::End(_)) => {
                    let joined = path.join("/");
                    take(&mut file, &joined, text.trim());
                    path.pop();
                    text.clear();
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(error) => panic!("not a readable pain.008 file: {error}"),
            }
        }
        assert!(
            !file.message_id.is_empty() && !file.batches.is_empty(),
            "not a pain.008 file: no GrpHdr/MsgId or no PmtInf"
        );
        file
    }

    /// Every debit of the file, block by block.
    pub fn debits(&self) -> impl Iterator<Item = &BankDebit> {
        self.batches.iter().flat_map(|b| &b.debits)
    }

    /// The debit with this end-to-end id. Panics when there is none.
    pub fn debit(&self, end_to_end_id: &str) -> &BankDebit {
        self.debits()
            .find(|d| d.end_to_end_id == end_to_end_id)
            .unwrap_or_else(|| panic!("no debit {end_to_end_id} in {}", self.message_id))
    }

    /// The blocks as the bank books them: without the debits it rejected before settlement
    /// (`rejected` end-to-end ids); a block left empty is dropped.
    pub fn booked_batches(&self, rejected: &[&str]) -> Vec<BankBatch> {
        self.batches
            .iter()
            .map(|b| BankBatch {
                debits: b
                    .debits
                    .iter()
                    .filter(|d| !rejected.contains(&d.end_to_end_id.as_str()))
                    .cloned()
                    .collect(),
                ..b.clone()
            })
            .filter(|b| !b.debits.is_empty())
            .collect()
    }
}

fn current_batch(file: &mut CollectionFile) -> &mut BankBatch {
    file.batches
        .last_mut()
        .expect("DrctDbtTxInf outside of a PmtInf")
}

fn take(file: &mut CollectionFile, path: &str, text: &str) {
    let Some(rest) = path.strip_prefix("Document/CstmrDrctDbtInitn/") else {
        return;
    };
    if rest == "GrpHdr/MsgId" {
        file.message_id = text.into();
        return;
    }
    let Some(block) = rest.strip_prefix("PmtInf/") else {
        return;
    };
    let first = file.batches.len() == 1;
    if let Some(tx) = block.strip_prefix("DrctDbtTxInf/") {
        let debit = current_batch(file)
            .debits
            .last_mut()
            .expect("a debit is open");
        match tx {
            "PmtId/EndToEndId" => debit.end_to_end_id = text.into(),
            "InstdAmt" => debit.amount_cents = crate::cents(text),
            "DrctDbtTx/MndtRltdInf/MndtId" => debit.mandate_id = text.into(),
            "Dbtr/Nm" => debit.debtor_name = text.into(),
            "DbtrAcct/Id/IBAN" => debit.debtor_iban = text.into(),
            _ => {}
        }
        return;
    }
    match block {
        "PmtInfId" => current_batch(file).payment_information_id = text.into(),
        "PmtTpInf/SeqTp" => current_batch(file).sequence_type = text.into(),
        "PmtTpInf/LclInstrm/Cd" => current_batch(file).b2b = text == "B2B",
        "ReqdColltnDt" | "ReqdColltnDt/Dt" => current_batch(file).collection_date = text.into(),
        "Cdtr/Nm" if first => file.creditor_name = text.into(),
        "CdtrAcct/Id/IBAN" if first => file.creditor_iban = text.into(),
        "CdtrSchmeId/Id/PrvtId/Othr/Id" if first => file.creditor_id = text.into(),
        _ => {}
    }
}

/// `12345` → `123.45`.
pub fn amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// At most 35 characters, the length of every ISO identifier here.
fn id35(text: &str) -> String {
    text.chars().take(35).collect()
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// Writes elements with an optional namespace prefix (`ns:`), as some banks do.
struct Xml {
    out: String,
    prefix: String,
}

impl Xml {
    fn new(namespace: &str, prefix: Option<&str>) -> Xml {
        let prefix = prefix.map(|p| format!("{p}:")).unwrap_or_default();
        let binding = match prefix.strip_suffix(':') {
            Some(p) => format!("xmlns:{p}"),
            None => "xmlns".into(),
        };
        let mut xml = Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            prefix,
        };
        let _ = writeln!(
            xml.out,
            "<{}Document {binding}=\"{namespace}\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
            xml.prefix
        );
        xml
    }

    /// A piece of a document (one entry), with the document's prefix.
    fn fragment(prefix: Option<&str>) -> Xml {
        Xml {
            out: String::new(),
            prefix: prefix.map(|p| format!("{p}:")).unwrap_or_default(),
        }
    }

    fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "<{}{name}>", self.prefix);
        self
    }

    fn close(&mut self, name: &str) -> &mut Self {
        let _ = writeln!(self.out, "</{}{name}>", self.prefix);
        self
    }

    fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = writeln!(
            self.out,
            "<{p}{name}>{}</{p}{name}>",
            escape(text),
            p = self.prefix
        );
        self
    }

    fn amount(&mut self, name: &str, cents: i64) -> &mut Self {
        let _ = writeln!(
            self.out,
            "<{p}{name} Ccy=\"EUR\">{}</{p}{name}>",
            amount(cents),
            p = self.prefix
        );
        self
    }

    fn finish(mut self) -> Vec<u8> {
        self.close("Document");
        self.out.into_bytes()
    }
}

/// The pain.002 edition to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pain002Version {
    /// pain.002.001.03, ISO schema.
    #[default]
    V03,
    /// pain.002.001.03 as the German DK restricts it (rejects only: no status but RJCT, one reason,
    /// no free text, `OrgnlTxRef` always present).
    V03Dk,
    /// pain.002.001.10.
    V10,
}

impl Pain002Version {
    /// The schemas (relative to [`crate::xsd_dir`]) a file of this edition must pass.
    pub fn schemas(self) -> &'static [&'static str] {
        match self {
            Pain002Version::V03 => &["pain.002.001.03.xsd"],
            Pain002Version::V03Dk => &["pain.002.001.03.xsd", "dk/pain.002.001.03_DK-A3-V3.0.xsd"],
            Pain002Version::V10 => &["pain.002.001.10.xsd"],
        }
    }

    fn namespace(self) -> &'static str {
        match self {
            Pain002Version::V03 | Pain002Version::V03Dk => {
                "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
            }
            Pain002Version::V10 => "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
        }
    }
}

/// What the status report says about the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum StatusOutcome {
    /// The whole file accepted (`GrpSts` ACCP).
    #[default]
    Accepted,
    /// The whole file rejected with a reason (`GrpSts` RJCT).
    FileRejected { reason: String },
    /// One block rejected (`PmtInfSts` RJCT), the rest accepted: the group is PART.
    BatchRejected {
        payment_information_id: String,
        reason: String,
    },
    /// Single debits rejected (end-to-end id, reason), each named in the block it is in.
    Partial { rejects: Vec<(String, String)> },
}

/// The options of a status report.
#[derive(Clone, Debug, Default)]
pub struct StatusReportOptions {
    pub version: Pain002Version,
    pub outcome: StatusOutcome,
    /// A namespace prefix such as `ns2`, on every element.
    pub prefix: Option<String>,
    /// The report's own message id; default `STS-<message id of the file>`.
    pub message_id: Option<String>,
}

/// A pain.002 status report on `file`.
pub fn pain002(file: &CollectionFile, options: &StatusReportOptions) -> Vec<u8> {
    let version = options.version;
    let dk = version == Pain002Version::V03Dk;
    let mut x = Xml::new(version.namespace(), options.prefix.as_deref());
    x.open("CstmrPmtStsRpt").open("GrpHdr");
    x.leaf(
        "MsgId",
        &id35(
            options
                .message_id
                .as_deref()
                .unwrap_or(&format!("STS-{}", file.message_id)),
        ),
    );
    x.leaf("CreDtTm", "2026-12-03T10:15:00").close("GrpHdr");
    let count: usize = file.batches.iter().map(|b| b.debits.len()).sum();
    let total: i64 = file.batches.iter().map(BankBatch::total_cents).sum();
    let group_status = match &options.outcome {
        StatusOutcome::Accepted => "ACCP",
        StatusOutcome::FileRejected { .. } => "RJCT",
        _ => "PART",
    };
    x.open("OrgnlGrpInfAndSts");
    x.leaf("OrgnlMsgId", &file.message_id);
    x.leaf(
        "OrgnlMsgNmId",
        if version == Pain002Version::V10 {
            "pain.008.001.08"
        } else {
            "pain.008.001.02"
        },
    );
    x.leaf("OrgnlNbOfTxs", &count.to_string());
    x.leaf("OrgnlCtrlSum", &amount(total));
    // The German DK variant reports rejects only: a status other than RJCT is left out.
    if !dk || group_status == "RJCT" {
        x.leaf("GrpSts", group_status);
    }
    if let StatusOutcome::FileRejected { reason } = &options.outcome {
        reason_info(&mut x, reason, dk);
    }
    x.close("OrgnlGrpInfAndSts");
    for batch in &file.batches {
        let (status, batch_reason, rejects): (&str, Option<&str>, Vec<(&BankDebit, &str)>) =
            match &options.outcome {
                StatusOutcome::BatchRejected {
                    payment_information_id,
                    reason,
                } if *payment_information_id == batch.payment_information_id => {
                    ("RJCT", Some(reason), Vec::new())
                }
                StatusOutcome::Partial { rejects } => {
                    let here: Vec<(&BankDebit, &str)> = batch
                        .debits
                        .iter()
                        .filter_map(|d| {
                            rejects
                                .iter()
                                .find(|(e2e, _)| *e2e == d.end_to_end_id)
                                .map(|(_, reason)| (d, reason.as_str()))
                        })
                        .collect();
                    if here.is_empty() {
                        continue;
                    }
                    ("PART", None, here)
                }
                _ => continue,
            };
        x.open("OrgnlPmtInfAndSts");
        x.leaf("OrgnlPmtInfId", &batch.payment_information_id);
        x.leaf("OrgnlNbOfTxs", &batch.debits.len().to_string());
        x.leaf("OrgnlCtrlSum", &amount(batch.total_cents()));
        if !dk || status == "RJCT" {
            x.leaf("PmtInfSts", status);
        }
        if let Some(reason) = batch_reason {
            reason_info(&mut x, reason, dk);
        }
        for (n, (debit, reason)) in rejects.into_iter().enumerate() {
            x.open("TxInfAndSts");
            x.leaf(
                "StsId",
                &id35(&format!("S{}-{}", n + 1, batch.payment_information_id)),
            );
            x.leaf("OrgnlEndToEndId", &debit.end_to_end_id);
            x.leaf("TxSts", "RJCT");
            reason_info(&mut x, reason, dk);
            x.open("OrgnlTxRef");
            x.open("Amt")
                .amount("InstdAmt", debit.amount_cents)
                .close("Amt");
            x.leaf("ReqdColltnDt", &batch.collection_date);
            x.open("MndtRltdInf")
                .leaf("MndtId", &debit.mandate_id)
                .close("MndtRltdInf");
            x.close("OrgnlTxRef");
            x.close("TxInfAndSts");
        }
        x.close("OrgnlPmtInfAndSts");
    }
    x.close("CstmrPmtStsRpt");
    x.finish()
}

fn reason_info(x: &mut Xml, reason: &str, dk: bool) {
    x.open("StsRsnInf")
        .open("Rsn")
        .leaf("Cd", reason)
        .close("Rsn");
    if !dk {
        x.leaf("AddtlInf", "Rückgabe laut Bank");
    }
    x.close("StsRsnInf");
}

/// The camt edition to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CamtVersion {
    /// 2009 edition: camt.054.001.02 / camt.053.001.02.
    #[default]
    V02,
    /// 2019 edition: camt.054.001.08 / camt.053.001.08.
    V08,
}

impl CamtVersion {
    /// The schema of the camt.054 file of this edition (relative to [`crate::xsd_dir`]).
    pub fn camt054_schema(self) -> &'static str {
        match self {
            CamtVersion::V02 => "camt.054.001.02.xsd",
            CamtVersion::V08 => "camt.054.001.08.xsd",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            CamtVersion::V02 => "001.02",
            CamtVersion::V08 => "001.08",
        }
    }
}

/// A return of one debit (Rücklastschrift), booked as a debit on the creditor's account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BankReturn {
    /// The returned debit, as in our file.
    pub debit: BankDebit,
    /// The return reason code, e.g. AM04.
    pub reason: String,
    /// The bank's fee in cents: debited on top of the collected amount.
    pub fee_cents: i64,
    /// Leave out the end-to-end id (some banks send only mandate reference and amount).
    pub without_end_to_end_id: bool,
}

/// The bookings of a camt.054 notification or camt.053 statement.
#[derive(Clone, Debug, Default)]
pub struct Bookings {
    /// The creditor's account, `Acct/Id/IBAN` of each notification.
    pub account_iban: String,
    /// The pain.008 message id of the collected blocks (for `Btch/MsgId`, `Refs/MsgId`).
    pub message_id: String,
    /// Each block booked as one credit entry.
    pub collections: Vec<BankBatch>,
    /// Book each collection with one `TxDtls` per debit; otherwise only the `Btch` with
    /// `PmtInfId`, count and sum.
    pub with_details: bool,
    /// The returns, each one debit entry.
    pub returns: Vec<BankReturn>,
    /// Book day (`YYYY-MM-DD`); default 2026-12-07.
    pub booking_date: Option<String>,
    /// Spread the entries over this many notifications or statements (at least one).
    pub parts: usize,
    /// A namespace prefix such as `ns2`, on every element.
    pub prefix: Option<String>,
    /// The file's own message id; default `CAMT-<message id>`.
    pub file_message_id: Option<String>,
}

impl Bookings {
    /// All blocks of `file`, booked in full, with transaction details.
    pub fn for_file(file: &CollectionFile) -> Bookings {
        Bookings {
            account_iban: file.creditor_iban.clone(),
            message_id: file.message_id.clone(),
            collections: file.batches.clone(),
            with_details: true,
            parts: 1,
            ..Bookings::default()
        }
    }

    /// Only the returns of `file` (a notification that comes later).
    pub fn returns_of(file: &CollectionFile, returns: Vec<BankReturn>) -> Bookings {
        Bookings {
            collections: Vec::new(),
            returns,
            file_message_id: Some(format!("CAMT-R-{}", file.message_id)),
            ..Bookings::for_file(file)
        }
    }

    fn entries(&self, version: CamtVersion) -> Vec<String> {
        let date = self.booking_date.as_deref().unwrap_or("2026-12-07");
        let mut entries = Vec::new();
        for (n, batch) in self.collections.iter().enumerate() {
            let mut x = Xml::fragment(self.prefix.as_deref());
            entry_head(
                &mut x,
                version,
                &format!("C{}", n + 1),
                batch.total_cents(),
                "CRDT",
                date,
                if batch.b2b { "BBDD" } else { "ESDD" },
                "171",
            );
            x.open("NtryDtls").open("Btch");
            x.leaf("MsgId", &self.message_id);
            x.leaf("PmtInfId", &batch.payment_information_id);
            x.leaf("NbOfTxs", &batch.debits.len().to_string());
            x.amount("TtlAmt", batch.total_cents());
            x.leaf("CdtDbtInd", "CRDT").close("Btch");
            if self.with_details {
                for debit in &batch.debits {
                    x.open("TxDtls");
                    refs(&mut x, Some(&self.message_id), Some(batch), Some(debit));
                    if version == CamtVersion::V08 {
                        x.amount("Amt", debit.amount_cents);
                        x.leaf("CdtDbtInd", "CRDT");
                    }
                    x.open("AmtDtls")
                        .open("InstdAmt")
                        .amount("Amt", debit.amount_cents)
                        .close("InstdAmt")
                        .open("TxAmt")
                        .amount("Amt", debit.amount_cents)
                        .close("TxAmt")
                        .close("AmtDtls");
                    parties(&mut x, version, debit);
                    x.close("TxDtls");
                }
            }
            x.close("NtryDtls").close("Ntry");
            entries.push(x.out);
        }
        for (n, ret) in self.returns.iter().enumerate() {
            let mut x = Xml::fragment(self.prefix.as_deref());
            let debited = ret.debit.amount_cents + ret.fee_cents;
            entry_head(
                &mut x,
                version,
                &format!("R{}", n + 1),
                debited,
                "DBIT",
                date,
                "UPDD",
                "109",
            );
            x.open("NtryDtls").open("TxDtls");
            let debit = (!ret.without_end_to_end_id).then_some(&ret.debit);
            refs_return(&mut x, debit, &ret.debit.mandate_id);
            if version == CamtVersion::V08 {
                x.amount("Amt", debited);
                x.leaf("CdtDbtInd", "DBIT");
            }
            x.open("AmtDtls")
                .open("InstdAmt")
                .amount("Amt", ret.debit.amount_cents)
                .close("InstdAmt")
                .open("TxAmt")
                .amount("Amt", debited)
                .close("TxAmt")
                .close("AmtDtls");
            if ret.fee_cents > 0 {
                match version {
                    CamtVersion::V02 => {
                        x.open("Chrgs")
                            .amount("Amt", ret.fee_cents)
                            .leaf("CdtDbtInd", "DBIT")
                            .close("Chrgs");
                    }
                    CamtVersion::V08 => {
                        x.open("Chrgs")
                            .amount("TtlChrgsAndTaxAmt", ret.fee_cents)
                            .open("Rcrd")
                            .amount("Amt", ret.fee_cents)
                            .leaf("CdtDbtInd", "DBIT")
                            .leaf("ChrgInclInd", "true")
                            .close("Rcrd")
                            .close("Chrgs");
                    }
                }
            }
            parties(&mut x, version, &ret.debit);
            x.open("RtrInf")
                .open("Rsn")
                .leaf("Cd", &ret.reason)
                .close("Rsn")
                .leaf("AddtlInf", "Rücklastschrift")
                .close("RtrInf");
            x.close("TxDtls").close("NtryDtls").close("Ntry");
            entries.push(x.out);
        }
        entries
    }
}

#[allow(clippy::too_many_arguments)]
fn entry_head(
    x: &mut Xml,
    version: CamtVersion,
    reference: &str,
    cents: i64,
    direction: &str,
    date: &str,
    sub_family: &str,
    gvc: &str,
) {
    x.open("Ntry");
    x.leaf("NtryRef", reference);
    x.amount("Amt", cents);
    x.leaf("CdtDbtInd", direction);
    match version {
        CamtVersion::V02 => {
            x.leaf("Sts", "BOOK");
        }
        CamtVersion::V08 => {
            x.open("Sts").leaf("Cd", "BOOK").close("Sts");
        }
    }
    x.open("BookgDt").leaf("Dt", date).close("BookgDt");
    x.open("ValDt").leaf("Dt", date).close("ValDt");
    x.leaf("AcctSvcrRef", &format!("BANK-{reference}"));
    x.open("BkTxCd")
        .open("Domn")
        .leaf("Cd", "PMNT")
        .open("Fmly")
        .leaf("Cd", "IDDT")
        .leaf("SubFmlyCd", sub_family)
        .close("Fmly")
        .close("Domn")
        .open("Prtry")
        .leaf("Cd", &format!("NTRF+{gvc}+00900"))
        .leaf("Issr", "DK")
        .close("Prtry")
        .close("BkTxCd");
}

fn refs(
    x: &mut Xml,
    message_id: Option<&str>,
    batch: Option<&BankBatch>,
    debit: Option<&BankDebit>,
) {
    x.open("Refs");
    if let Some(m) = message_id {
        x.leaf("MsgId", m);
    }
    if let Some(b) = batch {
        x.leaf("PmtInfId", &b.payment_information_id);
    }
    if let Some(d) = debit {
        x.leaf("EndToEndId", &d.end_to_end_id);
        x.leaf("MndtId", &d.mandate_id);
    }
    x.close("Refs");
}

fn refs_return(x: &mut Xml, debit: Option<&BankDebit>, mandate_id: &str) {
    x.open("Refs");
    if let Some(d) = debit {
        x.leaf("EndToEndId", &d.end_to_end_id);
    }
    x.leaf("MndtId", mandate_id);
    x.close("Refs");
}

fn parties(x: &mut Xml, version: CamtVersion, debit: &BankDebit) {
    x.open("RltdPties");
    match version {
        CamtVersion::V02 => {
            x.open("Dbtr").leaf("Nm", &debit.debtor_name).close("Dbtr");
        }
        CamtVersion::V08 => {
            x.open("Dbtr")
                .open("Pty")
                .leaf("Nm", &debit.debtor_name)
                .close("Pty")
                .close("Dbtr");
        }
    }
    x.open("DbtrAcct")
        .open("Id")
        .leaf("IBAN", &debit.debtor_iban)
        .close("Id")
        .close("DbtrAcct");
    x.close("RltdPties");
}

/// Head and accounts of a notification (`Ntfctn`) or statement (`Stmt`).
fn report(kind: &str, version: CamtVersion, bookings: &Bookings, with_balances: bool) -> Vec<u8> {
    let (wrapper, part) = match kind {
        "camt.053" => ("BkToCstmrStmt", "Stmt"),
        _ => ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    };
    let namespace = format!("urn:iso:std:iso:20022:tech:xsd:{kind}.{}", version.suffix());
    let mut x = Xml::new(&namespace, bookings.prefix.as_deref());
    let file_id = bookings
        .file_message_id
        .clone()
        .unwrap_or_else(|| format!("CAMT-{}", bookings.message_id));
    let file_id = id35(&file_id);
    x.open(wrapper).open("GrpHdr");
    x.leaf("MsgId", &file_id);
    x.leaf("CreDtTm", "2026-12-07T06:00:00").close("GrpHdr");
    let entries = bookings.entries(version);
    let parts = bookings.parts.max(1);
    let per_part = entries.len().div_ceil(parts).max(1);
    let chunks: Vec<&[String]> = if entries.is_empty() {
        vec![&[]]
    } else {
        entries.chunks(per_part).collect()
    };
    for (n, chunk) in chunks.iter().enumerate() {
        x.open(part);
        x.leaf("Id", &id35(&format!("{}-{file_id}", n + 1)));
        x.leaf("ElctrncSeqNb", &(n + 1).to_string());
        x.leaf("CreDtTm", "2026-12-07T06:00:00");
        x.open("Acct")
            .open("Id")
            .leaf("IBAN", &bookings.account_iban)
            .close("Id")
            .leaf("Ccy", "EUR")
            .close("Acct");
        if with_balances {
            for code in ["PRCD", "CLBD"] {
                x.open("Bal").open("Tp").open("CdOrPrtry").leaf("Cd", code);
                x.close("CdOrPrtry").close("Tp");
                x.amount("Amt", 100_000).leaf("CdtDbtInd", "CRDT");
                x.open("Dt")
                    .leaf("Dt", "2026-12-07")
                    .close("Dt")
                    .close("Bal");
            }
        }
        for entry in chunk.iter() {
            x.out.push_str(entry);
        }
        x.close(part);
    }
    x.close(wrapper);
    x.finish()
}

/// A camt.054 booking notification.
pub fn camt054(version: CamtVersion, bookings: &Bookings) -> Vec<u8> {
    report("camt.054", version, bookings, false)
}

/// A camt.053 account statement with the same entries (and an opening and closing balance).
pub fn camt053(version: CamtVersion, bookings: &Bookings) -> Vec<u8> {
    report("camt.053", version, bookings, true)
}
