//! pain.002 (`CstmrPmtStsRpt`), .001.03 and .001.10: the two differ only in parts this module
//! does not read, so one reader serves both.

use super::values::{EXPECT_DATE, EXPECT_DATE_TIME, parse_date, parse_date_time};
use super::xml::{Elem, Parsed};
use super::{
    BankFileError, BatchStatus, StatusCode, StatusReason, StatusReport, TransactionStatus,
};

/// The report from what the collector left in the tree and the batches it took.
pub(super) fn build(
    parsed: Parsed,
    batches: Vec<BatchStatus>,
) -> Result<StatusReport, BankFileError> {
    let document = Elem::new(&parsed.root, "Document".into(), parsed.format);
    let report = document.required("CstmrPmtStsRpt")?;
    let header = report.required("GrpHdr")?;
    let group = report.required("OrgnlGrpInfAndSts")?;
    Ok(StatusReport {
        format: parsed.format,
        message_id: header.required_text(&["MsgId"])?,
        created_at: header.parsed_at(&["CreDtTm"], parse_date_time, EXPECT_DATE_TIME)?,
        original_message_id: group.required_text(&["OrgnlMsgId"])?,
        original_message_type: group.text(&["OrgnlMsgNmId"]),
        group_status: group.text(&["GrpSts"]).map(StatusCode),
        group_reasons: reasons(&group),
        batches,
    })
}

/// One `OrgnlPmtInfAndSts` with the `TxInfAndSts` taken from it before.
pub(super) fn batch(
    e: &Elem<'_>,
    transactions: Vec<TransactionStatus>,
) -> Result<BatchStatus, BankFileError> {
    Ok(BatchStatus {
        payment_information_id: e.required_text(&["OrgnlPmtInfId"])?,
        status: e.text(&["PmtInfSts"]).map(StatusCode),
        reasons: reasons(e),
        transactions,
    })
}

/// One `TxInfAndSts`.
pub(super) fn transaction(e: &Elem<'_>) -> Result<TransactionStatus, BankFileError> {
    Ok(TransactionStatus {
        end_to_end_id: e.text(&["OrgnlEndToEndId"]),
        status: e.text(&["TxSts"]).map(StatusCode),
        reasons: reasons(e),
        amount_cents: e.cents_at(&["OrgnlTxRef", "Amt", "InstdAmt"])?,
        mandate_id: e.text(&["OrgnlTxRef", "MndtRltdInf", "MndtId"]),
        requested_collection_date: e.parsed_at(
            &["OrgnlTxRef", "ReqdColltnDt"],
            parse_date,
            EXPECT_DATE,
        )?,
    })
}

/// Every `StsRsnInf` of `e`.
fn reasons(e: &Elem<'_>) -> Vec<StatusReason> {
    e.children("StsRsnInf")
        .map(|r| StatusReason {
            code: r.text(&["Rsn", "Cd"]),
            proprietary: r.text(&["Rsn", "Prtry"]),
            additional: r
                .children("AddtlInf")
                .map(|a| a.node.text.clone())
                .filter(|t| !t.is_empty())
                .collect(),
        })
        .collect()
}
