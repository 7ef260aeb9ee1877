//! Reads a spreadsheet export (one debit per row) into the JSON shape of a pain.008 message
//! description, so that CSV and JSON input go through exactly the same validation.
//!
//! Clubs and small firms keep their members in Excel or LibreOffice; their exports use `;` or `,`,
//! German or English column names, decimal commas and `DD.MM.YYYY` dates. We accept all of those
//! and leave every judgement about the values to the SEPA validation, which names the row.

use serde_json::{Map, Value};

use crate::csv_input::{CsvText, TextError, header_key};

/// A problem with the CSV file itself (not with a value in it).
#[derive(Debug, thiserror::Error)]
pub enum CsvInputError {
    #[error("{0}")]
    Text(#[from] TextError),
    #[error("the CSV file could not be read: {0}")]
    Read(#[from] csv::Error),
    #[error("the CSV file has no header row")]
    NoHeader,
    #[error(
        "column {column} (\"{header}\") is not known; known columns are: {known}",
        known = known_columns()
    )]
    UnknownColumn { column: usize, header: String },
    #[error("column \"{field}\" appears twice (columns {first} and {second})")]
    DuplicateColumn {
        field: &'static str,
        first: usize,
        second: usize,
    },
    #[error("row {row} has {found} cells, the header has {expected}")]
    RaggedRow {
        row: usize,
        found: usize,
        expected: usize,
    },
}

impl CsvInputError {
    pub fn german(&self) -> String {
        match self {
            CsvInputError::Text(TextError::NotUtf8 { line }) => format!(
                "die Datei ist kein UTF-8-Text (Zeile {line}); bitte als „CSV UTF-8“ speichern"
            ),
            CsvInputError::Text(TextError::Empty) => "die Datei ist leer".into(),
            CsvInputError::Read(_) => "die Datei ist kein lesbares CSV".into(),
            CsvInputError::NoHeader => "die Datei hat keine Kopfzeile".into(),
            CsvInputError::UnknownColumn { column, header } => format!(
                "Spalte {column} („{header}“) ist unbekannt; bekannte Spalten: {}",
                known_columns()
            ),
            CsvInputError::DuplicateColumn {
                field,
                first,
                second,
            } => format!("die Spalte „{field}“ kommt doppelt vor (Spalten {first} und {second})"),
            CsvInputError::RaggedRow {
                row,
                found,
                expected,
            } => format!("Zeile {row} hat {found} Zellen, die Kopfzeile {expected}"),
        }
    }
}

/// Where a column's value goes in the message description, and the names people give it.
struct Column {
    path: &'static [&'static str],
    names: &'static [&'static str],
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Amount,
    Date,
    Flag,
}

const COLUMNS: &[Column] = &[
    col(
        &["end_to_end_id"],
        &[
            "end_to_end_id",
            "e2e",
            "endtoend_id",
            "ende_zu_ende_referenz",
            "e2e_referenz",
        ],
        Kind::Text,
    ),
    col(
        &["amount"],
        &["amount", "betrag", "betrag_eur"],
        Kind::Amount,
    ),
    col(
        &["collection_date"],
        &[
            "collection_date",
            "due_date",
            "faelligkeit",
            "faelligkeitsdatum",
            "einzugsdatum",
            "ausfuehrungsdatum",
        ],
        Kind::Date,
    ),
    col(
        &["sequence"],
        &[
            "sequence",
            "sequence_type",
            "sequenz",
            "sequenztyp",
            "lastschriftart",
        ],
        Kind::Text,
    ),
    col(
        &["scheme"],
        &[
            "scheme",
            "local_instrument",
            "verfahren",
            "lastschriftverfahren",
        ],
        Kind::Text,
    ),
    col(
        &["remittance"],
        &[
            "remittance",
            "remittance_information",
            "verwendungszweck",
            "zweck",
        ],
        Kind::Text,
    ),
    col(
        &["purpose"],
        &["purpose", "purpose_code", "zweckcode"],
        Kind::Text,
    ),
    col(
        &["debtor", "name"],
        &[
            "debtor_name",
            "name",
            "zahlungspflichtiger",
            "kontoinhaber",
            "schuldner",
        ],
        Kind::Text,
    ),
    col(&["debtor", "iban"], &["debtor_iban", "iban"], Kind::Text),
    col(&["debtor", "bic"], &["debtor_bic", "bic"], Kind::Text),
    col(
        &["debtor", "address", "street"],
        &["debtor_street", "street", "strasse"],
        Kind::Text,
    ),
    col(
        &["debtor", "address", "building"],
        &["debtor_building", "building", "hausnummer", "hausnr"],
        Kind::Text,
    ),
    col(
        &["debtor", "address", "postcode"],
        &["debtor_postcode", "postcode", "zip", "plz", "postleitzahl"],
        Kind::Text,
    ),
    col(
        &["debtor", "address", "town"],
        &["debtor_town", "town", "city", "ort", "stadt"],
        Kind::Text,
    ),
    col(
        &["debtor", "address", "country"],
        &["debtor_country", "country", "land"],
        Kind::Text,
    ),
    col(
        &["mandate", "id"],
        &[
            "mandate_id",
            "mandate_reference",
            "mandatsreferenz",
            "mandat",
        ],
        Kind::Text,
    ),
    col(
        &["mandate", "signed_on"],
        &[
            "mandate_signed_on",
            "signed_on",
            "mandatsdatum",
            "datum_der_unterschrift",
            "unterschrieben_am",
        ],
        Kind::Date,
    ),
    col(
        &["mandate", "amendment", "original_mandate_id"],
        &["original_mandate_id", "alte_mandatsreferenz"],
        Kind::Text,
    ),
    col(
        &["mandate", "amendment", "original_creditor_id"],
        &["original_creditor_id", "alte_glaeubiger_id"],
        Kind::Text,
    ),
    col(
        &["mandate", "amendment", "original_creditor_name"],
        &["original_creditor_name", "alter_glaeubigername"],
        Kind::Text,
    ),
    col(
        &["mandate", "amendment", "original_iban"],
        &["original_iban", "alte_iban"],
        Kind::Text,
    ),
    col(
        &["mandate", "amendment", "new_bank"],
        &["new_bank", "neue_bank"],
        Kind::Flag,
    ),
    col(
        &["ultimate_debtor"],
        &["ultimate_debtor", "abweichender_zahlungspflichtiger"],
        Kind::Text,
    ),
    col(
        &["ultimate_creditor"],
        &["ultimate_creditor", "abweichender_glaeubiger"],
        Kind::Text,
    ),
];

const fn col(path: &'static [&'static str], names: &'static [&'static str], kind: Kind) -> Column {
    Column { path, names, kind }
}

fn known_columns() -> String {
    COLUMNS
        .iter()
        .map(|c| c.names[0])
        .collect::<Vec<_>>()
        .join(", ")
}

/// "1.234,56" → "1234.56", "12,5" → "12.5"; anything else stays as typed so that the validation
/// can quote it back.
fn normalise_amount(raw: &str) -> String {
    let s: String = raw
        .trim()
        .trim_end_matches("EUR")
        .trim_end_matches('€')
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    match (s.rfind(','), s.rfind('.')) {
        (Some(comma), Some(dot)) if comma > dot => s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s.replace(',', ""),
        (Some(_), None) => s.replace(',', "."),
        _ => s,
    }
}

/// A date in any spelling the one date parser reads ("31.12.2026", "1.2.26") as ISO; other text
/// is passed on unchanged for the validation to judge.
fn normalise_date(raw: &str) -> String {
    match crate::dates::parse_date(raw) {
        Some(date) => date.format("%Y-%m-%d").to_string(),
        None => raw.trim().to_string(),
    }
}

fn flag(raw: &str) -> Value {
    match header_key(raw).as_str() {
        "1" | "true" | "yes" | "ja" | "x" => Value::Bool(true),
        "" | "0" | "false" | "no" | "nein" => Value::Bool(false),
        // Let the validation complain about the exact text.
        _ => Value::String(raw.to_string()),
    }
}

fn insert_path(target: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            target.insert((*last).to_string(), value);
        }
        [head, rest @ ..] => {
            let entry = target
                .entry((*head).to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// Reads every row into a `debits` array entry shaped like the JSON message description. Empty
/// cells are left out, so that "missing" and "empty" read the same to the validation.
pub fn read_debits(bytes: &[u8]) -> Result<Vec<Value>, CsvInputError> {
    let text = CsvText::new(bytes)?;
    let mut debits = Vec::new();
    each_row(text.reader(), |row| debits.push(row))?;
    Ok(debits)
}

/// Like [`read_debits`], row by row from a reader, so a file of any size is read in constant
/// memory: `each` gets every row as soon as it is read.
pub fn read_debits_from(
    mut input: impl std::io::Read,
    each: impl FnMut(Value),
) -> Result<(), CsvInputError> {
    // The separator and the header's start come from the first lines (after a BOM and Excel's
    // `sep=` line); read until they are surely complete.
    let mut prefix = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut chunk).map_err(csv::Error::from)?;
        prefix.extend_from_slice(&chunk[..n]);
        let lines = prefix.iter().filter(|&&b| b == b'\n').count();
        if n == 0 || lines >= 3 || prefix.len() > 16 * 1024 * 1024 {
            break;
        }
    }
    let body = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&prefix);
    let valid = match std::str::from_utf8(body) {
        Ok(t) => t,
        // A character cut at the end of the prefix is fine; anything else is not UTF-8.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or("")
        }
        Err(e) => {
            return Err(TextError::NotUtf8 {
                line: 1 + body[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count(),
            }
            .into());
        }
    };
    let (separator, start) =
        crate::csv_input::separator_and_start(valid).ok_or(TextError::Empty)?;
    let lines_before = body[..start].iter().filter(|&&b| b == b'\n').count();
    let rest = std::io::Cursor::new(body[start..].to_vec());
    let reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(256 * 1024)
        .from_reader(std::io::Read::chain(rest, input));
    each_row(reader, each).map_err(|e| match e {
        CsvInputError::Read(e) => match e.kind() {
            csv::ErrorKind::Utf8 { pos, .. } => TextError::NotUtf8 {
                line: lines_before + pos.as_ref().map_or(1, |p| p.line() as usize),
            }
            .into(),
            _ => CsvInputError::Read(e),
        },
        e => e,
    })
}

fn each_row<R: std::io::Read>(
    mut reader: csv::Reader<R>,
    mut each: impl FnMut(Value),
) -> Result<(), CsvInputError> {
    let headers = reader.headers()?.clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(CsvInputError::NoHeader);
    }
    let mut mapping: Vec<&Column> = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let key = header_key(header);
        let column = COLUMNS
            .iter()
            .find(|c| c.names.iter().any(|name| header_key(name) == key))
            .ok_or_else(|| CsvInputError::UnknownColumn {
                column: index + 1,
                header: header.to_string(),
            })?;
        if let Some(first) = mapping.iter().position(|c| c.path == column.path) {
            return Err(CsvInputError::DuplicateColumn {
                field: column.names[0],
                first: first + 1,
                second: index + 1,
            });
        }
        mapping.push(column);
    }

    let mut record = csv::StringRecord::new();
    let mut row_index = 0;
    while reader.read_record(&mut record)? {
        row_index += 1;
        record.trim();
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // trailing blank lines from spreadsheet exports
        }
        if record.len() != mapping.len() {
            return Err(CsvInputError::RaggedRow {
                row: row_index + 1,
                found: record.len(),
                expected: mapping.len(),
            });
        }
        let mut debit = Map::new();
        for (column, cell) in mapping.iter().zip(record.iter()) {
            if cell.is_empty() {
                continue;
            }
            let value = match column.kind {
                Kind::Text => Value::String(cell.to_string()),
                Kind::Amount => Value::String(normalise_amount(cell)),
                Kind::Date => Value::String(normalise_date(cell)),
                Kind::Flag => flag(cell),
            };
            insert_path(&mut debit, column.path, value);
        }
        each(Value::Object(debit));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn german_export_with_semicolons_decimal_commas_and_dates() {
        let csv = "Mandatsreferenz;Mandatsdatum;Name;IBAN;Betrag;Fälligkeitsdatum;Verwendungszweck\n\
                   M-1;01.02.2024;Müller & Söhne;DE89 3704 0044 0532 0130 00;1.234,56;15.12.2026;Beitrag 2026\n\
                   ;;;;;;\n";
        let debits = read_debits(csv.as_bytes()).unwrap();
        assert_eq!(
            debits,
            vec![json!({
                "mandate": {"id": "M-1", "signed_on": "2024-02-01"},
                "debtor": {"name": "Müller & Söhne", "iban": "DE89 3704 0044 0532 0130 00"},
                "amount": "1234.56",
                "collection_date": "2026-12-15",
                "remittance": "Beitrag 2026"
            })]
        );
    }

    #[test]
    fn english_export_with_commas_and_nested_address() {
        let csv = "end_to_end_id,amount,debtor_name,debtor_town,debtor_country,new_bank\n\
                   E1,12.50,Anna,Wien,AT,ja\n";
        let debits = read_debits(csv.as_bytes()).unwrap();
        assert_eq!(
            debits[0],
            json!({
                "end_to_end_id": "E1",
                "amount": "12.50",
                "debtor": {"name": "Anna", "address": {"town": "Wien", "country": "AT"}},
                "mandate": {"amendment": {"new_bank": true}}
            })
        );
    }

    #[test]
    fn unknown_and_duplicate_columns_are_named() {
        let err = read_debits("iban;Betrg\nX;1\n".as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("column 2 (\"Betrg\") is not known"),
            "{err}"
        );
        let err = read_debits("iban,debtor_iban\nX,Y\n".as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("appears twice (columns 1 and 2)"),
            "{err}"
        );
    }

    #[test]
    fn ragged_rows_name_the_line() {
        let err = read_debits("iban;amount\nX;1;3\n".as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "row 2 has 3 cells, the header has 2");
    }

    #[test]
    fn amounts_keep_what_they_cannot_read() {
        assert_eq!(normalise_amount("12,34 €"), "12.34");
        assert_eq!(normalise_amount("1,234.50"), "1234.50");
        assert_eq!(normalise_amount("zwölf"), "zwölf");
        assert_eq!(normalise_date("1.2.2026"), "2026-02-01");
        assert_eq!(normalise_date("2026-02-01"), "2026-02-01");
        // The one date parser: a two-digit year is 20YY here as everywhere.
        assert_eq!(normalise_date("1.2.26"), "2026-02-01");
        assert_eq!(normalise_date("Ostern"), "Ostern");
    }
}
