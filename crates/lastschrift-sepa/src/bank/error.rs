//! Why a bank file is refused: one sentence in English (`Display`) and German
//! ([`BankFileError::german`]), and a stable code ([`BankFileError::code`]).

use crate::explain::quoted;

/// Why a number is not an amount of exact cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountProblem {
    /// Empty, or not a plain decimal number.
    NotANumber,
    /// Below zero.
    Negative,
    /// A fraction of a cent (a third decimal that is not 0).
    FractionOfACent,
    /// More than 999 999 999 999 999.99.
    TooLarge,
}

impl AmountProblem {
    fn english(self) -> &'static str {
        match self {
            AmountProblem::NotANumber => "not a decimal number",
            AmountProblem::Negative => "negative (ISO 20022 amounts are never below zero)",
            AmountProblem::FractionOfACent => "a fraction of a cent (more than two decimals)",
            AmountProblem::TooLarge => "too large",
        }
    }

    fn german(self) -> &'static str {
        match self {
            AmountProblem::NotANumber => "keine Dezimalzahl",
            AmountProblem::Negative => "negativ (ISO-20022-Beträge sind nie kleiner als null)",
            AmountProblem::FractionOfACent => {
                "ein Bruchteil eines Cents (mehr als zwei Nachkommastellen)"
            }
            AmountProblem::TooLarge => "zu groß",
        }
    }
}

/// Why a bank file cannot be read. Every variant names what is wrong and, where there is one,
/// the line and the element path (`Document/…/Ntry/Amt`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankFileError {
    /// The file is empty or holds only white space.
    #[error("the file is empty")]
    Empty,
    /// Larger than [`super::MAX_BANK_FILE_BYTES`]; refused before parsing.
    #[error(
        "the file has {bytes} bytes, more than the {limit} bytes a bank file may have; it is not read"
    )]
    TooLarge {
        /// Size of the file.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A ZIP archive (banks often deliver camt files zipped).
    #[error("this is a ZIP archive, not an XML file; unpack it and import the XML files inside")]
    Zip,
    /// A PDF document.
    #[error("this is a PDF document, not an ISO 20022 XML file; import the XML file of the bank")]
    Pdf,
    /// SWIFT MT940/MT942 text.
    #[error(
        "this looks like an MT940 statement, not an ISO 20022 XML file; ask the bank for camt.053 or camt.054"
    )]
    Mt940,
    /// Comma/semicolon separated text.
    #[error(
        "this looks like a CSV export, not an ISO 20022 XML file; import the camt or pain.002 XML file of the bank"
    )]
    Csv,
    /// An HTML page (a saved web page or an error page of the bank's portal).
    #[error(
        "this is an HTML page, not an ISO 20022 XML file; download the file itself from the bank"
    )]
    Html,
    /// Anything else that does not start like XML.
    #[error("this is not an XML file (it does not start with \"<\")")]
    NotXml,
    /// UTF-16 (by byte-order mark or by its zero bytes).
    #[error("the file is UTF-16 encoded; save it as UTF-8 and import it again")]
    Utf16,
    /// An XML declaration names an encoding other than UTF-8, US-ASCII or ISO-8859-1.
    #[error(
        "the file declares the encoding \"{encoding}\"; only UTF-8 (and ISO-8859-1) are read, save it as UTF-8"
    )]
    UnsupportedEncoding {
        /// As declared.
        encoding: String,
    },
    /// Bytes that are not UTF-8 in a UTF-8 file.
    #[error("line {line}: the text is not valid UTF-8; save the file as UTF-8")]
    InvalidUtf8 {
        /// 1-based line.
        line: usize,
    },
    /// A DOCTYPE (DTD, entity declarations) — refused, so no entity is ever expanded.
    #[error(
        "line {line}: the file has a DOCTYPE declaration; bank files have none and DTDs and entity declarations are refused"
    )]
    Doctype {
        /// 1-based line.
        line: usize,
    },
    /// A reference to an entity other than the five predefined ones.
    #[error("line {line}: unknown entity &{name}; (only &lt; &gt; &amp; &apos; &quot; exist)")]
    UnknownEntity {
        /// The entity's name.
        name: String,
        /// 1-based line.
        line: usize,
    },
    /// Elements nested deeper than [`super::MAX_XML_DEPTH`].
    #[error("line {line}: elements are nested more than {limit} deep; this is not a bank file")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// 1-based line.
        line: usize,
    },
    /// The file ends inside an element: it was cut off.
    #[error(
        "line {line}: the file ends before <{element}> is closed; it is incomplete (cut off during download?)"
    )]
    Truncated {
        /// The innermost open element.
        element: String,
        /// 1-based line (the last one).
        line: usize,
    },
    /// Not well-formed XML.
    #[error("line {line}: the XML is not well-formed: {detail}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// The parser's description.
        detail: String,
    },
    /// The root element is not an ISO 20022 `Document`.
    #[error("the root element is <{root}>{}, not an ISO 20022 Document; this is not a bank file", namespace.as_ref().map(|n| format!(" in namespace {n}")).unwrap_or_default())]
    NotIso20022 {
        /// Local name of the root.
        root: String,
        /// Its namespace, if any.
        namespace: Option<String>,
    },
    /// A pain.008: the file we send, not the bank's answer.
    #[error(
        "this is a direct-debit file as we write it ({message}), not the bank's answer; import the bank's pain.002, camt.054 or camt.053"
    )]
    DirectDebitInitiation {
        /// e.g. `pain.008.001.08`.
        message: String,
    },
    /// A pain.001 credit transfer initiation.
    #[error(
        "this is a credit transfer initiation ({message}), not the bank's answer to a direct debit"
    )]
    CreditTransfer {
        /// e.g. `pain.001.001.09`.
        message: String,
    },
    /// A camt.052 intraday report.
    #[error(
        "this is an intraday account report ({message}); its bookings are not final, import the camt.054 or camt.053 of the day"
    )]
    IntradayReport {
        /// e.g. `camt.052.001.08`.
        message: String,
    },
    /// A pain.002, camt.054 or camt.053 of a version not read here.
    #[error("{message} is not supported; supported: {supported}")]
    UnsupportedVersion {
        /// e.g. `camt.054.001.04`.
        message: String,
        /// The supported formats, listed.
        supported: String,
    },
    /// Another ISO 20022 message.
    #[error("{message} is an ISO 20022 message this program does not read; supported: {supported}")]
    UnsupportedMessage {
        /// e.g. `camt.056.001.01`, or the namespace if it has no message name.
        message: String,
        /// The supported formats, listed.
        supported: String,
    },
    /// A mandatory element is missing.
    #[error("line {line}: {path} is missing; a {format} file must have it")]
    MissingElement {
        /// Element path, e.g. `Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId`.
        path: String,
        /// Line of the parent element.
        line: usize,
        /// The format name.
        format: &'static str,
    },
    /// An amount that is not exact cents.
    #[error("line {line}: {path} is \"{value}\", which is {}", problem.english())]
    InvalidAmount {
        /// Element path.
        path: String,
        /// 1-based line.
        line: usize,
        /// As written.
        value: String,
        /// What is wrong with it.
        problem: AmountProblem,
    },
    /// Another value that does not have its type (a date, a yes/no, a code, a number).
    #[error("line {line}: {path} is \"{value}\", which is not {expected}")]
    InvalidValue {
        /// Element path.
        path: String,
        /// 1-based line.
        line: usize,
        /// As written.
        value: String,
        /// What it should be, e.g. `a date (YYYY-MM-DD)`.
        expected: &'static str,
    },
}

impl BankFileError {
    /// Stable snake_case code, e.g. `truncated`.
    pub fn code(&self) -> &'static str {
        match self {
            BankFileError::Empty => "empty",
            BankFileError::TooLarge { .. } => "too_large",
            BankFileError::Zip => "zip",
            BankFileError::Pdf => "pdf",
            BankFileError::Mt940 => "mt940",
            BankFileError::Csv => "csv",
            BankFileError::Html => "html",
            BankFileError::NotXml => "not_xml",
            BankFileError::Utf16 => "utf16",
            BankFileError::UnsupportedEncoding { .. } => "unsupported_encoding",
            BankFileError::InvalidUtf8 { .. } => "invalid_utf8",
            BankFileError::Doctype { .. } => "doctype",
            BankFileError::UnknownEntity { .. } => "unknown_entity",
            BankFileError::TooDeep { .. } => "too_deep",
            BankFileError::Truncated { .. } => "truncated",
            BankFileError::Malformed { .. } => "malformed",
            BankFileError::NotIso20022 { .. } => "not_iso20022",
            BankFileError::DirectDebitInitiation { .. } => "pain008",
            BankFileError::CreditTransfer { .. } => "pain001",
            BankFileError::IntradayReport { .. } => "camt052",
            BankFileError::UnsupportedVersion { .. } => "unsupported_version",
            BankFileError::UnsupportedMessage { .. } => "unsupported_message",
            BankFileError::MissingElement { .. } => "missing_element",
            BankFileError::InvalidAmount { .. } => "invalid_amount",
            BankFileError::InvalidValue { .. } => "invalid_value",
        }
    }

    /// The 1-based line the error is on, where it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            BankFileError::InvalidUtf8 { line }
            | BankFileError::Doctype { line }
            | BankFileError::UnknownEntity { line, .. }
            | BankFileError::TooDeep { line, .. }
            | BankFileError::Truncated { line, .. }
            | BankFileError::Malformed { line, .. }
            | BankFileError::MissingElement { line, .. }
            | BankFileError::InvalidAmount { line, .. }
            | BankFileError::InvalidValue { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The same sentence in German.
    pub fn german(&self) -> String {
        match self {
            BankFileError::Empty => "Die Datei ist leer".into(),
            BankFileError::TooLarge { bytes, limit } => format!(
                "Die Datei hat {bytes} Bytes, mehr als die {limit} Bytes, die eine Bankdatei haben darf; sie wird nicht gelesen"
            ),
            BankFileError::Zip => "Das ist ein ZIP-Archiv, keine XML-Datei; bitte entpacken und die XML-Dateien darin importieren".into(),
            BankFileError::Pdf => "Das ist ein PDF-Dokument, keine ISO-20022-XML-Datei; bitte die XML-Datei der Bank importieren".into(),
            BankFileError::Mt940 => "Das sieht nach einem MT940-Kontoauszug aus, nicht nach einer ISO-20022-XML-Datei; bitte bei der Bank camt.053 oder camt.054 anfordern".into(),
            BankFileError::Csv => "Das sieht nach einem CSV-Export aus, nicht nach einer ISO-20022-XML-Datei; bitte die camt- oder pain.002-XML-Datei der Bank importieren".into(),
            BankFileError::Html => "Das ist eine HTML-Seite, keine ISO-20022-XML-Datei; bitte die Datei selbst bei der Bank herunterladen".into(),
            BankFileError::NotXml => "Das ist keine XML-Datei (sie beginnt nicht mit „<“)".into(),
            BankFileError::Utf16 => "Die Datei ist in UTF-16 kodiert; bitte als UTF-8 speichern und erneut importieren".into(),
            BankFileError::UnsupportedEncoding { encoding } => format!(
                "Die Datei gibt die Kodierung {} an; gelesen werden nur UTF-8 (und ISO-8859-1), bitte als UTF-8 speichern",
                quoted(encoding)
            ),
            BankFileError::InvalidUtf8 { line } => format!(
                "Zeile {line}: Der Text ist kein gültiges UTF-8; bitte die Datei als UTF-8 speichern"
            ),
            BankFileError::Doctype { line } => format!(
                "Zeile {line}: Die Datei enthält eine DOCTYPE-Deklaration; Bankdateien haben keine, DTDs und Entity-Deklarationen werden abgelehnt"
            ),
            BankFileError::UnknownEntity { name, line } => format!(
                "Zeile {line}: Unbekannte Entity &{name}; (es gibt nur &lt; &gt; &amp; &apos; &quot;)"
            ),
            BankFileError::TooDeep { limit, line } => format!(
                "Zeile {line}: Die Elemente sind mehr als {limit} Ebenen tief verschachtelt; das ist keine Bankdatei"
            ),
            BankFileError::Truncated { element, line } => format!(
                "Zeile {line}: Die Datei endet, bevor <{element}> geschlossen ist; sie ist unvollständig (beim Herunterladen abgeschnitten?)"
            ),
            BankFileError::Malformed { line, detail } => format!(
                "Zeile {line}: Das XML ist nicht wohlgeformt: {detail}"
            ),
            BankFileError::NotIso20022 { root, namespace } => format!(
                "Das Wurzelelement ist <{root}>{}, kein ISO-20022-Document; das ist keine Bankdatei",
                namespace.as_ref().map(|n| format!(" im Namensraum {n}")).unwrap_or_default()
            ),
            BankFileError::DirectDebitInitiation { message } => format!(
                "Das ist eine Lastschriftdatei, wie wir sie schreiben ({message}), nicht die Antwort der Bank; bitte pain.002, camt.054 oder camt.053 der Bank importieren"
            ),
            BankFileError::CreditTransfer { message } => format!(
                "Das ist ein Überweisungsauftrag ({message}), keine Antwort der Bank auf eine Lastschrift"
            ),
            BankFileError::IntradayReport { message } => format!(
                "Das ist ein untertägiger Kontobericht ({message}); seine Buchungen sind nicht endgültig, bitte camt.054 oder camt.053 des Tages importieren"
            ),
            BankFileError::UnsupportedVersion { message, supported } => format!(
                "{message} wird nicht unterstützt; unterstützt: {supported}"
            ),
            BankFileError::UnsupportedMessage { message, supported } => format!(
                "{message} ist eine ISO-20022-Nachricht, die dieses Programm nicht liest; unterstützt: {supported}"
            ),
            BankFileError::MissingElement { path, line, format } => format!(
                "Zeile {line}: {path} fehlt; eine {format}-Datei muss es enthalten"
            ),
            BankFileError::InvalidAmount { path, line, value, problem } => format!(
                "Zeile {line}: {path} ist {}, das ist {}",
                quoted(value),
                problem.german()
            ),
            BankFileError::InvalidValue { path, line, value, expected } => format!(
                "Zeile {line}: {path} ist {}, das ist nicht {}",
                quoted(value),
                german_expected(expected)
            ),
        }
    }
}

/// The German of [`BankFileError::InvalidValue::expected`].
fn german_expected(expected: &str) -> &'static str {
    match expected {
        super::values::EXPECT_DATE => "ein Datum (JJJJ-MM-TT)",
        super::values::EXPECT_DATE_TIME => "ein Zeitpunkt (JJJJ-MM-TTThh:mm:ss)",
        super::values::EXPECT_BOOL => "true oder false",
        super::values::EXPECT_CREDIT_DEBIT => "CRDT oder DBIT",
        super::values::EXPECT_COUNT => "eine Anzahl",
        super::values::EXPECT_CURRENCY => "ein Währungscode aus drei Großbuchstaben",
        _ => "ein gültiger Wert",
    }
}
