//! Reads a spreadsheet export (one debit per row) into the JSON shape of a pain.008 message
//! description, so that CSV and JSON input go through exactly the same validation.
//!
//! Clubs and small firms keep their members in Excel or LibreOffice; their exports use `;` or `,`,
//! German or English column names, decimal commas and `DD.MM.YYYY` dates. We accept all of those
//! and leave every judgement about the values to the SEPA validation, which names the row.

use sepa::{RawAddress, RawAmendment, RawDebit};
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
        Some(date) => iso_date(date),
        None => raw.trim().to_string(),
    }
}

/// `date.format("%Y-%m-%d")` without chrono's formatter, which took ~7% of reading a large CSV
/// file. `parse_date` only gives years from 1900 on with at most four digits; any other year
/// still goes through the formatter, so the text is the same for every date.
fn iso_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let Ok(year) = u32::try_from(date.year()) else {
        return date.format("%Y-%m-%d").to_string();
    };
    if year > 9999 {
        return date.format("%Y-%m-%d").to_string();
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let (month, day) = (date.month(), date.day());
    let mut text = String::with_capacity(10);
    text.extend([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        '-',
        digit(month / 10),
        digit(month),
        '-',
        digit(day / 10),
        digit(day),
    ]);
    text
}

/// The flag's value, `None` for text the validation has to complain about.
fn flag_value(raw: &str) -> Option<bool> {
    match header_key(raw).as_str() {
        "1" | "true" | "yes" | "ja" | "x" => Some(true),
        "" | "0" | "false" | "no" | "nein" => Some(false),
        _ => None,
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
    each_row(text.reader(), row_value, |row| debits.push(row))?;
    Ok(debits)
}

/// Like [`read_debits`], each row already read as a debit, as `serde_json::from_value` would
/// read the row's JSON (with its error for a row that cannot be read).
pub fn read_raw_debits(
    bytes: &[u8],
) -> Result<Vec<Result<RawDebit, serde_json::Error>>, CsvInputError> {
    let text = CsvText::new(bytes)?;
    let mut debits = Vec::new();
    each_row(text.reader(), row_debit, |row| debits.push(row))?;
    Ok(debits)
}

/// Like [`read_debits`], row by row from a reader, so a file of any size is read in constant
/// memory: `each` gets every row as soon as it is read.
pub fn read_debits_from(
    input: impl std::io::Read,
    each: impl FnMut(Value),
) -> Result<(), CsvInputError> {
    read_from(input, row_value, each)
}

/// Like [`read_debits_from`], each row read as by [`read_raw_debits`].
pub fn read_raw_debits_from(
    input: impl std::io::Read,
    each: impl FnMut(Result<RawDebit, serde_json::Error>),
) -> Result<(), CsvInputError> {
    read_from(input, row_debit, each)
}

fn read_from<T>(
    mut input: impl std::io::Read,
    build: fn(&[Slot], &csv::StringRecord) -> T,
    each: impl FnMut(T),
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
    each_row(reader, build, each).map_err(|e| match e {
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

/// Where one column's cells go.
struct Slot {
    column: &'static Column,
    set: Setter,
}

/// How a cell is put into a [`RawDebit`], chosen once per column from its path so that a row is
/// filled without going through a JSON value.
#[derive(Clone, Copy)]
enum Setter {
    Text(fn(&mut RawDebit, String)),
    NewBank,
}

fn address(d: &mut RawDebit) -> &mut RawAddress {
    d.debtor.address.get_or_insert_with(RawAddress::default)
}

fn amendment(d: &mut RawDebit) -> &mut RawAmendment {
    d.mandate
        .amendment
        .get_or_insert_with(RawAmendment::default)
}

/// The setter for a column's path; the paths are those of [`COLUMNS`], each the field that
/// `serde_json::from_value` would fill from the row's JSON.
fn setter(path: &[&str]) -> Setter {
    let text = |f: fn(&mut RawDebit, String)| Setter::Text(f);
    match path {
        ["end_to_end_id"] => text(|d, v| d.end_to_end_id = v),
        ["amount"] => text(|d, v| d.amount = v),
        ["collection_date"] => text(|d, v| d.collection_date = v),
        ["sequence"] => text(|d, v| d.sequence = v),
        ["scheme"] => text(|d, v| d.scheme = Some(v)),
        ["remittance"] => text(|d, v| d.remittance = Some(v)),
        ["purpose"] => text(|d, v| d.purpose = Some(v)),
        ["debtor", "name"] => text(|d, v| d.debtor.name = v),
        ["debtor", "iban"] => text(|d, v| d.debtor.iban = v),
        ["debtor", "bic"] => text(|d, v| d.debtor.bic = Some(v)),
        ["debtor", "address", "street"] => text(|d, v| address(d).street = Some(v)),
        ["debtor", "address", "building"] => text(|d, v| address(d).building = Some(v)),
        ["debtor", "address", "postcode"] => text(|d, v| address(d).postcode = Some(v)),
        ["debtor", "address", "town"] => text(|d, v| address(d).town = Some(v)),
        ["debtor", "address", "country"] => text(|d, v| address(d).country = Some(v)),
        ["mandate", "id"] => text(|d, v| d.mandate.id = v),
        ["mandate", "signed_on"] => text(|d, v| d.mandate.signed_on = v),
        ["mandate", "amendment", "original_mandate_id"] => {
            text(|d, v| amendment(d).original_mandate_id = Some(v))
        }
        ["mandate", "amendment", "original_creditor_id"] => {
            text(|d, v| amendment(d).original_creditor_id = Some(v))
        }
        ["mandate", "amendment", "original_creditor_name"] => {
            text(|d, v| amendment(d).original_creditor_name = Some(v))
        }
        ["mandate", "amendment", "original_iban"] => {
            text(|d, v| amendment(d).original_iban = Some(v))
        }
        ["mandate", "amendment", "new_bank"] => Setter::NewBank,
        ["ultimate_debtor"] => text(|d, v| d.ultimate_debtor = Some(v)),
        ["ultimate_creditor"] => text(|d, v| d.ultimate_creditor = Some(v)),
        // A column added to COLUMNS without a setter here fails every test that reads CSV.
        _ => unreachable!("no setter for the CSV column {path:?}"),
    }
}

/// The row's JSON shape (empty cells left out).
fn row_value(slots: &[Slot], record: &csv::StringRecord) -> Value {
    let mut debit = Map::new();
    for (slot, cell) in slots.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let value = match slot.column.kind {
            Kind::Text => Value::String(cell.to_string()),
            Kind::Amount => Value::String(normalise_amount(cell)),
            Kind::Date => Value::String(normalise_date(cell)),
            Kind::Flag => flag(cell),
        };
        insert_path(&mut debit, slot.column.path, value);
    }
    Value::Object(debit)
}

/// The row as a debit, filled field by field: the same debit `serde_json::from_value` makes of
/// [`row_value`] (an address or amendment only when one of its cells is filled), without
/// building the JSON map. A flag the validation cannot read takes that old path, so that its
/// error is serde's own.
fn row_debit(slots: &[Slot], record: &csv::StringRecord) -> Result<RawDebit, serde_json::Error> {
    let mut debit = RawDebit::default();
    for (slot, cell) in slots.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        match slot.set {
            Setter::Text(set) => set(
                &mut debit,
                match slot.column.kind {
                    Kind::Amount => normalise_amount(cell),
                    Kind::Date => normalise_date(cell),
                    Kind::Text | Kind::Flag => cell.to_string(),
                },
            ),
            Setter::NewBank => match flag_value(cell) {
                Some(b) => amendment(&mut debit).new_bank = Some(b),
                None => return serde_json::from_value(row_value(slots, record)),
            },
        }
    }
    Ok(debit)
}

fn each_row<R: std::io::Read, T>(
    mut reader: csv::Reader<R>,
    build: fn(&[Slot], &csv::StringRecord) -> T,
    mut each: impl FnMut(T),
) -> Result<(), CsvInputError> {
    let headers = reader.headers()?.clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(CsvInputError::NoHeader);
    }
    let mut mapping: Vec<Slot> = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let key = header_key(header);
        let column = COLUMNS
            .iter()
            .find(|c| c.names.iter().any(|name| header_key(name) == key))
            .ok_or_else(|| CsvInputError::UnknownColumn {
                column: index + 1,
                header: header.to_string(),
            })?;
        if let Some(first) = mapping.iter().position(|s| s.column.path == column.path) {
            return Err(CsvInputError::DuplicateColumn {
                field: column.names[0],
                first: first + 1,
                second: index + 1,
            });
        }
        mapping.push(Slot {
            column,
            set: setter(column.path),
        });
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
        each(build(&mapping, &record));
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

    /// The direct fill gives what the JSON path gives, row for row, for every column and for
    /// rows that cannot be read (with serde's message).
    #[test]
    fn raw_debits_are_those_of_the_json_rows() {
        let all: Vec<&str> = COLUMNS.iter().map(|c| c.names[0]).collect();
        let full: Vec<String> = (0..all.len()).map(|i| format!("v{i}")).collect();
        let csv = format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n",
            all.join(";"),
            full.join(";"),
            // Only the amendment's flag: an amendment with just that.
            (0..all.len())
                .map(|i| if all[i] == "new_bank" { "nein" } else { "" })
                .collect::<Vec<_>>()
                .join(";"),
            // Only a town: an address with just that; dates and amounts normalised.
            (0..all.len())
                .map(|i| match all[i] {
                    "debtor_town" => "Wien",
                    "amount" => "1.234,5 €",
                    "collection_date" => "1.2.26",
                    "mandate_signed_on" => "Ostern",
                    _ => "",
                })
                .collect::<Vec<_>>()
                .join(";"),
            (0..all.len())
                .map(|i| if all[i] == "new_bank" {
                    "vielleicht"
                } else {
                    "x"
                })
                .collect::<Vec<_>>()
                .join(";"),
            (0..all.len())
                .map(|i| if all[i] == "new_bank" { "ja" } else { " " })
                .collect::<Vec<_>>()
                .join(";"),
        );
        let old: Vec<Result<RawDebit, String>> = read_debits(csv.as_bytes())
            .unwrap()
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
            .collect();
        let new: Vec<Result<RawDebit, String>> = read_raw_debits(csv.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect();
        assert_eq!(old.len(), 5);
        assert!(old[3].is_err(), "{:?}", old[3]);
        assert_eq!(new, old);

        let mut streamed = Vec::new();
        read_raw_debits_from(csv.as_bytes(), |r| {
            streamed.push(r.map_err(|e| e.to_string()))
        })
        .unwrap();
        assert_eq!(streamed, old);
    }

    #[test]
    fn iso_dates_are_chronos() {
        let mut date = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        while date < last {
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
            date += chrono::Duration::days(1);
        }
        for y in [-1, 10000, 262_142] {
            let d = chrono::NaiveDate::from_ymd_opt(y, 3, 4).unwrap();
            assert_eq!(iso_date(d), d.format("%Y-%m-%d").to_string());
        }
    }
}
