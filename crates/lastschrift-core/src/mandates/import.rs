//! CSV import of the mandate registry, for users who kept their mandates in a spreadsheet or in a
//! previous tool.
//!
//! Parse, validate, then act: the header is checked first (an unknown or missing column stops
//! the import before anything is stored); then every row is validated on its own, and the good
//! rows are stored while the bad ones are reported with a sentence naming the column and value.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use lastschrift_store::{Contact, Mandate, MandateSource, MandateStatus, Scheme, SevdeskId, Store};

/// What happened to one row of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowResult {
    /// Line in the file, the header being line 1 (what a spreadsheet shows as the row number).
    pub row: u64,
    /// The mandate reference as given (trimmed); `None` when the cell was empty.
    pub reference: Option<String>,
    #[serde(flatten)]
    pub outcome: RowOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
    /// Nothing of this row was stored.
    Error {
        message: String,
        /// `message` in German.
        message_de: String,
    },
}

/// One result per data row, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows: Vec<RowResult>,
}

impl ImportError {
    pub fn german(&self) -> String {
        match self {
            ImportError::NotUtf8 { line } => format!(
                "Die Datei ist kein UTF-8-Text (Zeile {line} enthält andere Zeichen); bitte als „CSV UTF-8“ speichern und erneut einlesen."
            ),
            ImportError::Empty => {
                "Die Datei ist leer; sie braucht eine Kopfzeile und eine Zeile je Mandat.".into()
            }
            ImportError::Csv(detail) => {
                format!("Die Datei ließ sich nicht als CSV lesen ({detail}).")
            }
            ImportError::UnknownColumn { column, known } => {
                format!("Die Spalte `{column}` ist unbekannt; bekannte Spalten: {known}")
            }
            ImportError::DuplicateColumn { first, second, .. } => format!(
                "Die Spalten `{first}` und `{second}` bedeuten dasselbe; bitte eine davon behalten."
            ),
            ImportError::MissingColumn(column) => format!("Die Pflichtspalte {column} fehlt."),
            ImportError::Store { stored, row, .. } => format!(
                "Das Speichern der Mandate ist nach {stored} Zeilen fehlgeschlagen; Zeilen bis {row} wurden verarbeitet."
            ),
            ImportError::Read(_) => {
                "Die abgeglichenen Kontakte und gespeicherten Mandate konnten nicht gelesen werden."
                    .into()
            }
        }
    }
}

impl ImportReport {
    fn count(&self, pick: impl Fn(&RowOutcome) -> bool) -> usize {
        self.rows.iter().filter(|r| pick(&r.outcome)).count()
    }

    pub fn created(&self) -> usize {
        self.count(|o| matches!(o, RowOutcome::Created))
    }

    pub fn updated(&self) -> usize {
        self.count(|o| matches!(o, RowOutcome::Updated))
    }

    pub fn unchanged(&self) -> usize {
        self.count(|o| matches!(o, RowOutcome::Unchanged))
    }

    pub fn errors(&self) -> usize {
        self.count(|o| matches!(o, RowOutcome::Error { .. }))
    }
}

/// Why the import did not start (nothing was stored), or why it stopped halfway (the rows before
/// were stored).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "the file is not UTF-8 text (line {line} holds other bytes); save it as \"CSV UTF-8\" and import again"
    )]
    NotUtf8 { line: usize },
    #[error("the file is empty; it needs a header line and one line per mandate")]
    Empty,
    #[error("the file could not be read as CSV: {0}")]
    Csv(String),
    #[error("the column `{column}` is not known; known columns: {known}")]
    UnknownColumn { column: String, known: String },
    #[error("the columns `{first}` and `{second}` both mean {meaning}; keep one of them")]
    DuplicateColumn {
        first: String,
        second: String,
        meaning: &'static str,
    },
    #[error("the required column {0} is missing")]
    MissingColumn(&'static str),
    #[error(
        "storing the mandates failed after {stored} rows; rows up to line {row} were processed"
    )]
    Store {
        stored: usize,
        row: u64,
        #[source]
        source: lastschrift_store::StoreError,
    },
    #[error("reading the synced contacts and stored mandates failed")]
    Read(#[source] lastschrift_store::StoreError),
}

/// The columns the import understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Column {
    Reference,
    CustomerNumber,
    ContactId,
    SignatureDate,
    Scheme,
    Status,
    Kind,
    FirstCollection,
    LastCollection,
}

/// Accepted header names per column, as keys (see [`crate::csv_input::header_key`]). The first is the
/// English name, the second the German one that README and the example use.
const HEADERS: &[(Column, &[&str])] = &[
    (
        Column::Reference,
        &["reference", "mandatsreferenz", "mandatereference"],
    ),
    (
        Column::CustomerNumber,
        &["customernumber", "kundennummer", "kundennr"],
    ),
    (Column::ContactId, &["contactid", "kontaktid"]),
    (
        Column::SignatureDate,
        &[
            "signaturedate",
            "unterschriftsdatum",
            "mandatsdatum",
            "datumderunterschrift",
        ],
    ),
    (Column::Scheme, &["scheme", "art", "lastschriftart"]),
    (Column::Status, &["status"]),
    (Column::Kind, &["kind", "typ", "mandatstyp"]),
    (
        Column::FirstCollection,
        &["firstcollection", "erstelastschrift"],
    ),
    (
        Column::LastCollection,
        &["lastcollection", "letztelastschrift"],
    ),
];

const KNOWN_COLUMNS: &str = "reference|Mandatsreferenz, customer_number|Kundennummer, contact_id|Kontakt-ID, signature_date|Unterschriftsdatum|Mandatsdatum, scheme|Art, status|Status, kind|Typ, first_collection|Erste Lastschrift, last_collection|Letzte Lastschrift";

impl Column {
    fn meaning(self) -> &'static str {
        match self {
            Column::Reference => "the mandate reference",
            Column::CustomerNumber => "the customer number",
            Column::ContactId => "the sevdesk contact id",
            Column::SignatureDate => "the signature date",
            Column::Scheme => "the scheme",
            Column::Status => "the status",
            Column::Kind => "the kind (recurrent, one-off, ending)",
            Column::FirstCollection => "the first collection date",
            Column::LastCollection => "the last collection date",
        }
    }
}

fn column_of(header: &str) -> Option<Column> {
    let key = header_key(header);
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(column, _)| *column)
}

/// The header: which field index holds which column, with the header text as written (error
/// messages name the column the way the user wrote it).
struct Layout {
    index: HashMap<Column, (usize, String)>,
    width: usize,
}

impl Layout {
    fn parse(headers: &csv::StringRecord) -> Result<Layout, ImportError> {
        let mut index: HashMap<Column, (usize, String)> = HashMap::new();
        for (i, header) in headers.iter().enumerate() {
            let trimmed = header.trim();
            if trimmed.is_empty() {
                // Spreadsheets often add empty columns at the right; they carry nothing.
                continue;
            }
            let column = column_of(trimmed).ok_or_else(|| ImportError::UnknownColumn {
                column: trimmed.to_string(),
                known: KNOWN_COLUMNS.to_string(),
            })?;
            if let Some((_, first)) = index.get(&column) {
                return Err(ImportError::DuplicateColumn {
                    first: first.clone(),
                    second: trimmed.to_string(),
                    meaning: column.meaning(),
                });
            }
            index.insert(column, (i, trimmed.to_string()));
        }
        if !index.contains_key(&Column::Reference) {
            return Err(ImportError::MissingColumn("reference (Mandatsreferenz)"));
        }
        if !index.contains_key(&Column::CustomerNumber) && !index.contains_key(&Column::ContactId) {
            return Err(ImportError::MissingColumn(
                "customer_number (Kundennummer) or contact_id (Kontakt-ID), to link the sevdesk contact",
            ));
        }
        if !index.contains_key(&Column::SignatureDate) {
            return Err(ImportError::MissingColumn(
                "signature_date (Unterschriftsdatum or Mandatsdatum)",
            ));
        }
        Ok(Layout {
            index,
            width: headers.len(),
        })
    }

    /// The trimmed cell, `None` when the column is absent or the cell empty.
    fn cell<'r>(&self, record: &'r csv::StringRecord, column: Column) -> Option<&'r str> {
        let (i, _) = self.index.get(&column)?;
        record.get(*i).map(str::trim).filter(|v| !v.is_empty())
    }

    fn name(&self, column: Column) -> &str {
        self.index
            .get(&column)
            .map(|(_, name)| name.as_str())
            .unwrap_or("?")
    }
}

/// The values of one mandate as entered (a CSV row, the single-mandate form, the CLI flags) and
/// the names under which the user knows each field, so that the same checks name the column,
/// the form field or the flag.
pub(crate) trait Cells {
    /// The trimmed value, `None` when absent or empty.
    fn cell(&self, column: Column) -> Option<&str>;
    fn name(&self, column: Column) -> &str;
    /// Whether the entry can give this field at all (the error for a missing contact names
    /// only the fields there are).
    fn has(&self, column: Column) -> bool;
}

struct Row<'a> {
    layout: &'a Layout,
    record: &'a csv::StringRecord,
}

impl Cells for Row<'_> {
    fn cell(&self, column: Column) -> Option<&str> {
        self.layout.cell(self.record, column)
    }
    fn name(&self, column: Column) -> &str {
        self.layout.name(column)
    }
    fn has(&self, column: Column) -> bool {
        self.layout.index.contains_key(&column)
    }
}

/// The values of one row once they all passed their checks.
pub(crate) struct RowValues {
    reference: String,
    contact_id: SevdeskId,
    signature_date: NaiveDate,
    scheme: Scheme,
    status: MandateStatus,
    kind: Kind,
    first_collection: Option<NaiveDate>,
    last_collection: Option<NaiveDate>,
}

/// Recurrent (the default), one-off (OOFF, one debit), or ending (the next debit is FNAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Recurrent,
    OneOff,
    Ending,
}

/// The kind as the edit's `(one_off, ending)` flags, from the words the import accepts.
pub fn kind_flags(text: &str) -> Option<(bool, bool)> {
    parse_kind(text.trim()).map(|kind| (kind == Kind::OneOff, kind == Kind::Ending))
}

fn parse_kind(text: &str) -> Option<Kind> {
    match text.to_lowercase().as_str() {
        "recurrent" | "wiederkehrend" | "rcur" => Some(Kind::Recurrent),
        "one-off" | "one off" | "einmalig" | "einzelmandat" | "ooff" => Some(Kind::OneOff),
        "ending" | "endet" | "letzte" | "fnal" => Some(Kind::Ending),
        _ => None,
    }
}

use crate::collect::Explanation;
use crate::csv_input::{CsvText, TextError, header_key};
use crate::dates::parse_date;

/// The scheme from the words the import accepts (CORE/Basis, B2B/Firmen, any case).
pub fn scheme_word(text: &str) -> Option<Scheme> {
    parse_scheme(text.trim())
}

fn parse_scheme(text: &str) -> Option<Scheme> {
    match text.to_lowercase().as_str() {
        "core" | "basis" | "basislastschrift" | "sepa-basislastschrift" => Some(Scheme::Core),
        "b2b" | "firmen" | "firmenlastschrift" | "sepa-firmenlastschrift" => Some(Scheme::B2b),
        _ => None,
    }
}

fn parse_status(text: &str) -> Option<MandateStatus> {
    match text.to_lowercase().as_str() {
        "active" | "aktiv" | "gültig" => Some(MandateStatus::Active),
        "revoked" | "widerrufen" => Some(MandateStatus::Revoked),
        _ => None,
    }
}

/// Finds contacts by customer number: the registry of a previous tool knows those, not sevdesk
/// ids.
pub(crate) struct ContactIndex {
    by_id: HashMap<SevdeskId, Contact>,
    by_customer_number: HashMap<String, Vec<SevdeskId>>,
}

impl ContactIndex {
    pub(crate) fn new(contacts: Vec<Contact>) -> ContactIndex {
        let mut by_customer_number: HashMap<String, Vec<SevdeskId>> = HashMap::new();
        for c in &contacts {
            if let Some(number) = c.customer_number.as_deref().map(str::trim)
                && !number.is_empty()
            {
                by_customer_number
                    .entry(number.to_string())
                    .or_default()
                    .push(c.id);
            }
        }
        ContactIndex {
            by_id: contacts.into_iter().map(|c| (c.id, c)).collect(),
            by_customer_number,
        }
    }
}

fn validate_row(
    layout: &Layout,
    record: &csv::StringRecord,
    contacts: &ContactIndex,
    today: NaiveDate,
) -> Result<RowValues, Explanation> {
    if record.len() > layout.width {
        return Err(Explanation::new(
            format!(
                "the row has {} fields, the header only {}; is a value with a separator missing its quotes?",
                record.len(),
                layout.width
            ),
            format!(
                "die Zeile hat {} Felder, die Kopfzeile nur {}; fehlen einem Wert mit Trennzeichen die Anführungszeichen?",
                record.len(),
                layout.width
            ),
        ));
    }
    validate(&Row { layout, record }, contacts, today)
}

/// The checks every mandate entry passes, from a file or a form: a valid reference, one synced
/// contact, a signature date that is not in the future, collection dates after it, known words
/// for scheme, status and kind.
pub(crate) fn validate(
    layout: &dyn Cells,
    contacts: &ContactIndex,
    today: NaiveDate,
) -> Result<RowValues, Explanation> {
    let reference_text = layout.cell(Column::Reference).ok_or_else(|| {
        let column = layout.name(Column::Reference);
        Explanation::new(
            format!("the column {column} is empty; every mandate needs its reference"),
            format!("die Spalte {column} ist leer; jedes Mandat braucht seine Referenz"),
        )
    })?;
    let reference = sepa::MandateId::parse(reference_text)
        .map_err(|e| {
            let column = layout.name(Column::Reference);
            Explanation::new(
                format!("{column} `{reference_text}` is not a valid mandate reference: {e}"),
                format!(
                    "{column} „{reference_text}“ ist keine gültige Mandatsreferenz: {}",
                    sepa::Explain::german(&e)
                ),
            )
        })?
        .as_str()
        .to_string();

    let contact_id = resolve_contact(layout, contacts)?;

    let date_of = |column: Column| -> Result<Option<NaiveDate>, Explanation> {
        let Some(text) = layout.cell(column) else {
            return Ok(None);
        };
        let name = layout.name(column);
        let date = parse_date(text).ok_or_else(|| {
            Explanation::new(
                format!("{name} `{text}` is not a date; write DD.MM.YYYY or YYYY-MM-DD"),
                format!(
                    "{name} „{text}“ ist kein Datum; bitte TT.MM.JJJJ oder JJJJ-MM-TT schreiben"
                ),
            )
        })?;
        if date > today {
            let today = today.format("%d.%m.%Y");
            return Err(Explanation::new(
                format!("{name} `{text}` lies in the future (today is {today})"),
                format!("{name} „{text}“ liegt in der Zukunft (heute ist der {today})"),
            ));
        }
        Ok(Some(date))
    };
    let signature_date = date_of(Column::SignatureDate)?.ok_or_else(|| {
        let column = layout.name(Column::SignatureDate);
        Explanation::new(
            format!(
                "the column {column} is empty; a mandate is only valid with the date it was signed"
            ),
            format!(
                "die Spalte {column} ist leer; ein Mandat gilt nur mit dem Datum seiner Unterschrift"
            ),
        )
    })?;
    let first_collection = date_of(Column::FirstCollection)?;
    let last_collection = date_of(Column::LastCollection)?;
    for (column, collection) in [
        (Column::FirstCollection, first_collection),
        (Column::LastCollection, last_collection),
    ] {
        if let Some(day) = collection
            && day < signature_date
        {
            let (name, day) = (layout.name(column), day.format("%d.%m.%Y"));
            let (signed_name, signed) = (
                layout.name(Column::SignatureDate),
                signature_date.format("%d.%m.%Y"),
            );
            return Err(Explanation::new(
                format!(
                    "{name} {day} lies before {signed_name} {signed}: nothing can be collected before the mandate is signed"
                ),
                format!(
                    "{name} {day} liegt vor {signed_name} {signed}: vor der Unterschrift kann nichts eingezogen werden"
                ),
            ));
        }
    }
    if let (Some(first), Some(last)) = (first_collection, last_collection)
        && last < first
    {
        let (last_name, last) = (layout.name(Column::LastCollection), last.format("%d.%m.%Y"));
        let (first_name, first) = (
            layout.name(Column::FirstCollection),
            first.format("%d.%m.%Y"),
        );
        return Err(Explanation::new(
            format!("{last_name} {last} lies before {first_name} {first}"),
            format!("{last_name} {last} liegt vor {first_name} {first}"),
        ));
    }

    let scheme = match layout.cell(Column::Scheme) {
        None => Scheme::Core,
        Some(text) => parse_scheme(text).ok_or_else(|| {
            let name = layout.name(Column::Scheme);
            Explanation::new(
                format!("{name} `{text}` is not a scheme; write CORE (Basis) or B2B (Firmen)"),
                format!(
                    "{name} „{text}“ ist kein Verfahren; bitte CORE (Basis) oder B2B (Firmen) schreiben"
                ),
            )
        })?,
    };
    let status = match layout.cell(Column::Status) {
        None => MandateStatus::Active,
        Some(text) => parse_status(text).ok_or_else(|| {
            let name = layout.name(Column::Status);
            Explanation::new(
                format!(
                    "{name} `{text}` is not a status; write active (aktiv) or revoked (widerrufen)"
                ),
                format!(
                    "{name} „{text}“ ist kein Status; bitte aktiv (active) oder widerrufen (revoked) schreiben"
                ),
            )
        })?,
    };
    let kind = match layout.cell(Column::Kind) {
        None => Kind::Recurrent,
        Some(text) => parse_kind(text).ok_or_else(|| {
            let name = layout.name(Column::Kind);
            Explanation::new(
                format!(
                    "{name} `{text}` is not a kind; write recurrent (wiederkehrend), one-off (einmalig) or ending (endet)"
                ),
                format!(
                    "{name} „{text}“ ist kein Mandatstyp; bitte wiederkehrend, einmalig oder endet schreiben"
                ),
            )
        })?,
    };
    Ok(RowValues {
        reference,
        contact_id,
        signature_date,
        scheme,
        status,
        kind,
        first_collection,
        last_collection,
    })
}

fn resolve_contact(layout: &dyn Cells, contacts: &ContactIndex) -> Result<SevdeskId, Explanation> {
    let by_id = match layout.cell(Column::ContactId) {
        None => None,
        Some(text) => {
            let name = layout.name(Column::ContactId);
            let id: SevdeskId = text.parse().map_err(|_| {
                Explanation::new(
                    format!("{name} `{text}` is not a sevdesk contact id (digits only)"),
                    format!("{name} „{text}“ ist keine sevdesk-Kontakt-ID (nur Ziffern)"),
                )
            })?;
            if !contacts.by_id.contains_key(&id) {
                return Err(Explanation::new(
                    format!(
                        "{name} `{text}` is not among the synced sevdesk contacts; run `lastschrift sync` first or check the id"
                    ),
                    format!(
                        "{name} „{text}“ ist keiner der abgeglichenen sevdesk-Kontakte; bitte zuerst abgleichen oder die ID prüfen"
                    ),
                ));
            }
            Some(id)
        }
    };
    let by_number = match layout.cell(Column::CustomerNumber) {
        None => None,
        Some(text) => match contacts
            .by_customer_number
            .get(text)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            [] => {
                let name = layout.name(Column::CustomerNumber);
                return Err(Explanation::new(
                    format!(
                        "{name} `{text}` matches no synced sevdesk contact; run `lastschrift sync` first or check the number"
                    ),
                    format!(
                        "{name} „{text}“ passt zu keinem abgeglichenen sevdesk-Kontakt; bitte zuerst abgleichen oder die Nummer prüfen"
                    ),
                ));
            }
            [id] => Some(*id),
            several => {
                let name = layout.name(Column::CustomerNumber);
                let ids = several
                    .iter()
                    .map(|id| id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Explanation::new(
                    format!(
                        "{name} `{text}` belongs to {} sevdesk contacts ({ids}); give the contact id instead",
                        several.len()
                    ),
                    format!(
                        "{name} „{text}“ gehört zu {} sevdesk-Kontakten ({ids}); bitte stattdessen die Kontakt-ID angeben",
                        several.len()
                    ),
                ));
            }
        },
    };
    match (by_id, by_number) {
        (Some(id), Some(other)) if id != other => {
            let (id_name, number_name) = (
                layout.name(Column::ContactId),
                layout.name(Column::CustomerNumber),
            );
            let number = layout.cell(Column::CustomerNumber).unwrap_or_default();
            Err(Explanation::new(
                format!(
                    "{id_name} {id} and {number_name} `{number}` name different contacts ({id} and {other})"
                ),
                format!(
                    "{id_name} {id} und {number_name} „{number}“ nennen verschiedene Kontakte ({id} und {other})"
                ),
            ))
        }
        (Some(id), _) | (None, Some(id)) => Ok(id),
        (None, None) => {
            let columns = [Column::ContactId, Column::CustomerNumber]
                .iter()
                .filter(|c| layout.has(**c))
                .map(|c| layout.name(*c))
                .collect::<Vec<_>>();
            Err(Explanation::new(
                format!("no contact given: fill in {}", columns.join(" or ")),
                format!(
                    "kein Kontakt angegeben: bitte {} ausfüllen",
                    columns.join(" oder ")
                ),
            ))
        }
    }
}

/// The mandate to store for a valid row. What the file does not say is kept from the stored
/// mandate; collection dates are merged so that a re-import of an old export never moves the
/// history our own runs recorded backwards (an older last collection would make the mandate look
/// expired, a later first collection would turn RCUR back into FRST).
pub(crate) fn merged(values: RowValues, existing: Option<&Mandate>) -> Mandate {
    let earliest = |a: Option<NaiveDate>, b: Option<NaiveDate>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let latest = |a: Option<NaiveDate>, b: Option<NaiveDate>| match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let mut mandate = Mandate::new(
        values.reference,
        values.contact_id,
        MandateSource::CsvImport,
    );
    mandate.signature_date = Some(values.signature_date);
    mandate.scheme = values.scheme;
    mandate.status = values.status;
    mandate.one_off = values.kind == Kind::OneOff;
    mandate.ending = values.kind == Kind::Ending;
    mandate.first_collection = earliest(
        values.first_collection,
        existing.and_then(|m| m.first_collection),
    );
    mandate.last_collection = latest(
        values.last_collection,
        existing.and_then(|m| m.last_collection),
    );
    if let Some(existing) = existing {
        mandate.last_iban = existing.last_iban.clone();
        mandate.last_reference = existing.last_reference.clone();
    }
    mandate
}

/// Imports the mandate registry from CSV bytes. See the module docs and README ("Mandate
/// import") for the columns.
pub async fn import_csv(
    store: &dyn Store,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<ImportReport, ImportError> {
    let csv_text = CsvText::new(bytes).map_err(|e| match e {
        TextError::NotUtf8 { line } => ImportError::NotUtf8 { line },
        TextError::Empty => ImportError::Empty,
    })?;
    let mut lines = csv_text.lines();
    let mut reader = csv_text.reader();
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Csv(e.to_string()))?
        .clone();
    let layout = Layout::parse(&headers)?;
    let contacts = ContactIndex::new(store.contacts().await.map_err(ImportError::Read)?);

    let mut report = ImportReport::default();
    // A reference twice in one file is almost always a copy-paste slip; the second row would
    // silently overwrite the first. Case does not make a different mandate: banks may compare
    // references case-insensitively, so `mandat-1` next to `MANDAT-1` is refused too.
    let mut seen: HashMap<String, (u64, String)> = HashMap::new();
    // Every stored mandate once, by its reference in lower case: a lookup per row would be a
    // query per row.
    let stored_mandates: HashMap<String, Mandate> = store
        .mandates()
        .await
        .map_err(ImportError::Read)?
        .into_iter()
        .map(|m| (m.reference.to_lowercase(), m))
        .collect();
    let mut stored = 0;
    let mut pending: Vec<Mandate> = Vec::new();
    let mut last_pending_row = 0;
    for (n, record) in reader.records().enumerate() {
        // A long file is checked without an await otherwise: give the other requests of the
        // server their turn, and a point where the work stops when the client has gone away
        // (the future is dropped there).
        if n % 256 == 255 {
            tokio::task::yield_now().await;
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let row = e.position().map(|p| lines.line_of(p.byte())).unwrap_or(0);
                report.rows.push(RowResult {
                    row,
                    reference: None,
                    outcome: RowOutcome::Error {
                        message: format!("the row could not be read as CSV: {e}"),
                        message_de: format!("die Zeile ließ sich nicht als CSV lesen ({e})"),
                    },
                });
                continue;
            }
        };
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let row = record
            .position()
            .map(|p| lines.line_of(p.byte()))
            .unwrap_or(0);
        let reference = layout.cell(&record, Column::Reference).map(str::to_string);
        let values = match validate_row(&layout, &record, &contacts, today) {
            Ok(values) => values,
            Err(why) => {
                report.rows.push(RowResult {
                    row,
                    reference,
                    outcome: RowOutcome::Error {
                        message: why.english,
                        message_de: why.german,
                    },
                });
                continue;
            }
        };
        let key = values.reference.to_lowercase();
        let (name, value) = (layout.name(Column::Reference), &values.reference);
        let clash = if let Some((first_row, spelling)) = seen.get(&key) {
            Some(if spelling == value {
                Explanation::new(
                    format!(
                        "{name} `{value}` already appears in line {first_row}; each mandate once, please"
                    ),
                    format!(
                        "{name} „{value}“ steht schon in Zeile {first_row}; jedes Mandat bitte nur einmal"
                    ),
                )
            } else {
                Explanation::new(
                    format!(
                        "{name} `{value}` differs only in upper/lower case from `{spelling}` in line {first_row}; banks may take them for one mandate"
                    ),
                    format!(
                        "{name} „{value}“ unterscheidet sich nur in Groß-/Kleinschreibung von „{spelling}“ in Zeile {first_row}; Banken können beide für ein Mandat halten"
                    ),
                )
            })
        } else {
            stored_mandates
                .get(&key)
                .map(|m| &m.reference)
                .filter(|spelling| *spelling != value)
                .map(|spelling| {
                    Explanation::new(
                        format!(
                            "{name} `{value}` differs only in upper/lower case from the stored mandate `{spelling}`; write it as stored"
                        ),
                        format!(
                            "{name} „{value}“ unterscheidet sich nur in Groß-/Kleinschreibung vom gespeicherten Mandat „{spelling}“; bitte so schreiben wie gespeichert"
                        ),
                    )
                })
        };
        if let Some(why) = clash {
            report.rows.push(RowResult {
                row,
                reference,
                outcome: RowOutcome::Error {
                    message: why.english,
                    message_de: why.german,
                },
            });
            continue;
        }
        seen.insert(key.clone(), (row, values.reference.clone()));
        let existing = stored_mandates.get(&key).cloned();
        let entered = (values.first_collection, values.last_collection);
        let mandate = merged(values, existing.as_ref());
        let outcome = match &existing {
            Some(existing) if *existing == mandate => RowOutcome::Unchanged,
            Some(_) => RowOutcome::Updated,
            None => RowOutcome::Created,
        };
        if outcome != RowOutcome::Unchanged {
            // Only what the file says is written as entered history: the store joins it with
            // the ledger when it reads, so a debit rejected later stops counting (writing the
            // derived dates back would freeze them).
            let mut to_store = mandate.clone();
            (to_store.first_collection, to_store.last_collection) = entered;
            pending.push(to_store);
            last_pending_row = row;
            // One transaction per chunk: a transaction per row was a disk sync per row.
            if pending.len() >= WRITE_CHUNK {
                store
                    .upsert_mandates(&pending)
                    .await
                    .map_err(|source| ImportError::Store {
                        stored,
                        row,
                        source,
                    })?;
                stored += pending.len();
                pending.clear();
            }
        }
        report.rows.push(RowResult {
            row,
            reference: Some(mandate.reference),
            outcome,
        });
    }
    if !pending.is_empty() {
        store
            .upsert_mandates(&pending)
            .await
            .map_err(|source| ImportError::Store {
                stored,
                row: last_pending_row,
                source,
            })?;
    }
    Ok(report)
}

/// Rows written per transaction.
const WRITE_CHUNK: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_in_any_case_and_spelling() {
        assert_eq!(column_of("Mandatsreferenz"), Some(Column::Reference));
        assert_eq!(column_of(" KONTAKT-ID "), Some(Column::ContactId));
        assert_eq!(column_of("contact_id"), Some(Column::ContactId));
        assert_eq!(
            column_of("Erste Lastschrift"),
            Some(Column::FirstCollection)
        );
        assert_eq!(
            column_of("letzte_lastschrift"),
            Some(Column::LastCollection)
        );
        assert_eq!(column_of("Mandatsdatum"), Some(Column::SignatureDate));
        assert_eq!(column_of("IBAN"), None);
    }

    #[test]
    fn dates_in_both_spellings_and_two_digit_years_as_in_the_contact_field() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        assert_eq!(parse_date("01.02.2024"), Some(d));
        assert_eq!(parse_date("1.2.2024"), Some(d));
        assert_eq!(parse_date("2024-02-01"), Some(d));
        assert_eq!(parse_date("31.02.2024"), None);
        // The same answer as for the sevdesk contact field (one parser): 2024, not the year 24.
        assert_eq!(parse_date("1.2.24"), Some(d));
        assert_eq!(parse_date("02/01/2024"), None);
    }

    #[test]
    fn scheme_and_status_words() {
        assert_eq!(parse_scheme("Basis"), Some(Scheme::Core));
        assert_eq!(parse_scheme("FIRMEN"), Some(Scheme::B2b));
        assert_eq!(parse_scheme("cor"), None);
        assert_eq!(parse_status("Widerrufen"), Some(MandateStatus::Revoked));
        assert_eq!(parse_status("aktiv"), Some(MandateStatus::Active));
        assert_eq!(parse_status("ended"), None);
    }

    #[test]
    fn merge_never_moves_history_backwards() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let mut existing = Mandate::new("M-1", 1, MandateSource::SevdeskField);
        existing.first_collection = Some(date(2023, 1, 1));
        existing.last_collection = Some(date(2026, 10, 1));
        existing.last_iban = Some("DE02120300000000202051".into());
        let values = RowValues {
            reference: "M-1".into(),
            contact_id: 1,
            signature_date: date(2022, 12, 1),
            scheme: Scheme::Core,
            status: MandateStatus::Active,
            kind: Kind::Recurrent,
            first_collection: Some(date(2022, 12, 15)),
            last_collection: Some(date(2025, 1, 1)),
        };
        let m = merged(values, Some(&existing));
        assert_eq!(m.first_collection, Some(date(2022, 12, 15)));
        assert_eq!(m.last_collection, Some(date(2026, 10, 1)));
        assert_eq!(m.last_iban, existing.last_iban);
        assert_eq!(m.source, MandateSource::CsvImport);
    }
}
