//! camt.054 (`BkToCstmrDbtCdtNtfctn/Ntfctn`) and camt.053 (`BkToCstmrStmt/Stmt`), editions
//! 2009 (.001.02) and 2019 (.001.08). Where the editions differ (`Sts` text or `Sts/Cd`,
//! `Chrgs` or `Chrgs/Rcrd`, `Dbtr/Nm` or `Dbtr/Pty/Nm`, `TxDtls/Amt`) both shapes are read, so
//! a bank that mixes them is still understood.

use super::values::{
    EXPECT_BOOL, EXPECT_COUNT, EXPECT_CREDIT_DEBIT, EXPECT_CURRENCY, EXPECT_DATE, EXPECT_DATE_TIME,
    is_currency, parse_bool, parse_credit, parse_date, parse_date_time,
};
use super::xml::{Elem, Parsed};
use super::{
    AccountReport, BankFileError, BankFormat, BankTransactionCode, Charge, Entry, EntryBatch,
    ReturnReason, Statement, TransactionDetails,
};

/// The wrapper element under `Document` and the name of each statement in it.
pub(super) fn wrapper(format: BankFormat) -> (&'static str, &'static str) {
    match format {
        BankFormat::Camt053V02 | BankFormat::Camt053V08 => ("BkToCstmrStmt", "Stmt"),
        _ => ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    }
}

/// The report from what the collector left in the tree and the statements it took.
pub(super) fn build(
    parsed: Parsed,
    statements: Vec<Statement>,
) -> Result<AccountReport, BankFileError> {
    let document = Elem::new(&parsed.root, "Document".into(), parsed.format);
    let (wrapper, _) = wrapper(parsed.format);
    let report = document.required(wrapper)?;
    let header = report.required("GrpHdr")?;
    Ok(AccountReport {
        format: parsed.format,
        message_id: header.required_text(&["MsgId"])?,
        statements,
    })
}

/// One `Ntfctn` or `Stmt` with the entries taken from it before.
pub(super) fn statement(e: &Elem<'_>, entries: Vec<Entry>) -> Result<Statement, BankFileError> {
    Ok(Statement {
        id: e.required_text(&["Id"])?,
        account_iban: e.text(&["Acct", "Id", "IBAN"]),
        entries,
    })
}

/// One `Ntry`.
pub(super) fn entry(e: &Elem<'_>) -> Result<Entry, BankFileError> {
    let amount = e.required("Amt")?;
    let amount_cents = amount.cents()?;
    let currency = amount.required_attr("Ccy")?;
    if !is_currency(&currency) {
        return Err(amount.invalid_attr("Ccy", &currency, EXPECT_CURRENCY));
    }
    let credit = e
        .required("CdtDbtInd")?
        .parsed(parse_credit, EXPECT_CREDIT_DEBIT)?;
    let status = e.required("Sts")?;
    let status = status
        .text(&["Cd"])
        .or_else(|| status.text(&["Prtry"]))
        .unwrap_or_else(|| status.node.text.clone());
    let mut batch = None;
    let mut transactions = Vec::new();
    for details in e.children("NtryDtls") {
        if batch.is_none() {
            batch = details.child("Btch").map(|b| entry_batch(&b)).transpose()?;
        }
        for tx in details.children("TxDtls") {
            transactions.push(transaction(&tx)?);
        }
    }
    Ok(Entry {
        entry_reference: e.text(&["NtryRef"]),
        amount_cents,
        currency,
        credit,
        reversal: e
            .parsed_at(&["RvslInd"], parse_bool, EXPECT_BOOL)?
            .unwrap_or(false),
        booked: status == "BOOK",
        booking_date: date_choice(e, "BookgDt")?,
        value_date: date_choice(e, "ValDt")?,
        bank_transaction_code: e.child("BkTxCd").map(|c| BankTransactionCode {
            domain: c.text(&["Domn", "Cd"]),
            family: c.text(&["Domn", "Fmly", "Cd"]),
            sub_family: c.text(&["Domn", "Fmly", "SubFmlyCd"]),
            proprietary: c.text(&["Prtry", "Cd"]),
        }),
        batch,
        charges: charges(e)?,
        transactions,
    })
}

/// `Dt`, or the date of `DtTm`, of the child `name`.
fn date_choice(e: &Elem<'_>, name: &str) -> Result<Option<chrono::NaiveDate>, BankFileError> {
    let Some(choice) = e.child(name) else {
        return Ok(None);
    };
    if let Some(date) = choice.child("Dt") {
        return date.parsed(parse_date, EXPECT_DATE).map(Some);
    }
    if let Some(time) = choice.child("DtTm") {
        return time
            .parsed(parse_date_time, EXPECT_DATE_TIME)
            .map(|t| Some(t.date()));
    }
    Ok(None)
}

fn entry_batch(b: &Elem<'_>) -> Result<EntryBatch, BankFileError> {
    Ok(EntryBatch {
        message_id: b.text(&["MsgId"]),
        payment_information_id: b.text(&["PmtInfId"]),
        number_of_transactions: b.parsed_at(
            &["NbOfTxs"],
            |t| t.trim().parse::<u64>().ok(),
            EXPECT_COUNT,
        )?,
        total_cents: b.cents_at(&["TtlAmt"])?,
        credit: b.parsed_at(&["CdtDbtInd"], parse_credit, EXPECT_CREDIT_DEBIT)?,
    })
}

/// Every charge of `e`: each `Chrgs/Rcrd` (2019), each `Chrgs` with an `Amt` (2009), or the
/// total of a `Chrgs` that has nothing else.
fn charges(e: &Elem<'_>) -> Result<Vec<Charge>, BankFileError> {
    let mut out = Vec::new();
    for c in e.children("Chrgs") {
        let records: Vec<_> = c.children("Rcrd").collect();
        if !records.is_empty() {
            for r in &records {
                out.push(charge(r)?);
            }
        } else if c.child("Amt").is_some() {
            out.push(charge(&c)?);
        } else if let Some(total) = c.child("TtlChrgsAndTaxAmt") {
            out.push(Charge {
                amount_cents: total.cents()?,
                included: None,
                code: None,
            });
        }
    }
    Ok(out)
}

fn charge(r: &Elem<'_>) -> Result<Charge, BankFileError> {
    Ok(Charge {
        amount_cents: r.required("Amt")?.cents()?,
        included: r.parsed_at(&["ChrgInclInd"], parse_bool, EXPECT_BOOL)?,
        code: r.text(&["Tp", "Cd"]),
    })
}

/// One `TxDtls`.
fn transaction(tx: &Elem<'_>) -> Result<TransactionDetails, BankFileError> {
    let amount_cents = match tx.cents_at(&["Amt"])? {
        Some(cents) => Some(cents),
        None => match tx.cents_at(&["AmtDtls", "TxAmt", "Amt"])? {
            Some(cents) => Some(cents),
            None => tx.cents_at(&["AmtDtls", "InstdAmt", "Amt"])?,
        },
    };
    let party =
        |path_2019: &[&str], path_2009: &[&str]| tx.text(path_2019).or_else(|| tx.text(path_2009));
    Ok(TransactionDetails {
        message_id: tx.text(&["Refs", "MsgId"]),
        payment_information_id: tx.text(&["Refs", "PmtInfId"]),
        end_to_end_id: tx.text(&["Refs", "EndToEndId"]),
        mandate_id: tx.text(&["Refs", "MndtId"]),
        amount_cents,
        original_amount_cents: tx.cents_at(&["AmtDtls", "InstdAmt", "Amt"])?,
        credit: tx.parsed_at(&["CdtDbtInd"], parse_credit, EXPECT_CREDIT_DEBIT)?,
        charges: charges(tx)?,
        return_reason: tx.child("RtrInf").map(|r| ReturnReason {
            code: r.text(&["Rsn", "Cd"]),
            proprietary: r.text(&["Rsn", "Prtry"]),
            additional: r
                .children("AddtlInf")
                .map(|a| a.node.text.clone())
                .filter(|t| !t.is_empty())
                .collect(),
        }),
        debtor_name: party(
            &["RltdPties", "Dbtr", "Pty", "Nm"],
            &["RltdPties", "Dbtr", "Nm"],
        ),
        debtor_iban: tx.text(&["RltdPties", "DbtrAcct", "Id", "IBAN"]),
        creditor_id: party(
            &["RltdPties", "Cdtr", "Pty", "Id", "PrvtId", "Othr", "Id"],
            &["RltdPties", "Cdtr", "Id", "PrvtId", "Othr", "Id"],
        ),
    })
}
