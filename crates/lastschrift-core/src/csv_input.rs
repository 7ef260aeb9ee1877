//! The one reader of spreadsheet exports (mandate import, `lastschrift pain008` input): UTF-8 with
//! or without BOM, Excel's optional `sep=;` first line, the separator taken from the header line
//! (`;` from German Excel, `,` elsewhere), header names compared by one key, and line numbers that
//! are right for CRLF files too.

/// Why a file cannot be read as text at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error(
        "the file is not UTF-8 text (line {line} holds other bytes); save it as \"CSV UTF-8\" and import again"
    )]
    NotUtf8 { line: usize },
    #[error("the file is empty; it needs a header line")]
    Empty,
}

/// A CSV file as text, with its separator and where its header line starts.
#[derive(Debug, Clone, Copy)]
pub struct CsvText<'a> {
    /// The whole file after a byte order mark.
    pub text: &'a str,
    pub separator: u8,
    /// Byte offset of the header line (after a `sep=` line).
    pub start: usize,
}

impl<'a> CsvText<'a> {
    pub fn new(bytes: &'a [u8]) -> Result<CsvText<'a>, TextError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| TextError::NotUtf8 {
            line: 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count(),
        })?;
        let (separator, start) = separator_and_start(text).ok_or(TextError::Empty)?;
        Ok(CsvText {
            text,
            separator,
            start,
        })
    }

    /// From the header line on.
    pub fn body(&self) -> &'a str {
        &self.text[self.start..]
    }

    /// A csv reader over [`CsvText::body`]: the separator, headers, rows of any width (the
    /// callers name a row that is too short or too long).
    pub fn reader(&self) -> csv::Reader<&'a [u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.separator)
            .flexible(true)
            .has_headers(true)
            .from_reader(self.body().as_bytes())
    }

    /// The 1-based line of the whole file on which a record of [`CsvText::reader`] begins, from
    /// its byte position. Counts from the start: for one record. Use [`CsvText::lines`] for
    /// every record of a file.
    pub fn line_of(&self, byte: u64) -> u64 {
        self.lines().line_of(byte)
    }

    /// Line numbers for the records of one pass over the file, counted on from the previous
    /// record: linear in the file, where counting from the start for every record was
    /// quadratic (100 000 rows took 72 s).
    pub fn lines(&self) -> Lines<'a> {
        Lines {
            bytes: self.text.as_bytes(),
            start: self.start,
            counted_to: 0,
            breaks: 0,
        }
    }
}

/// See [`CsvText::lines`].
pub struct Lines<'a> {
    bytes: &'a [u8],
    start: usize,
    /// Line breaks before `counted_to` are `breaks`.
    counted_to: usize,
    breaks: u64,
}

impl Lines<'_> {
    /// The 1-based line on which the record at `byte` (of [`CsvText::reader`]) begins. The csv
    /// crate's own line counter is off by one for CRLF files (Excel's default), because it sees
    /// a record start between `\r` and `\n`; counting past any line break at the offset is right
    /// for both endings.
    pub fn line_of(&mut self, byte: u64) -> u64 {
        let bytes = self.bytes;
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .saturating_add(self.start)
            .min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at < self.counted_to {
            self.counted_to = 0;
            self.breaks = 0;
        }
        self.breaks += bytes[self.counted_to..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.counted_to = at;
        1 + self.breaks
    }
}

/// A text cell for a CSV file a person opens in a spreadsheet: a cell that begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return would be read as a formula (an invoice number
/// `=HYPERLINK(…)` from sevdesk runs when the control list is opened), so it gets a leading `'`,
/// which spreadsheets show as text and do not display.
pub fn spreadsheet_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// The key a header is compared by: case, spaces, `-`, `_`, `.` and umlaut spelling do not
/// matter — "Kontakt-ID", "kontakt id" and "KONTAKT_ID" are one column, and so are
/// "Fälligkeitsdatum" and "Faelligkeitsdatum".
pub fn header_key(header: &str) -> String {
    let mut key = String::new();
    for ch in header.trim().trim_start_matches('\u{feff}').chars() {
        match ch {
            'ä' | 'Ä' => key.push_str("ae"),
            'ö' | 'Ö' => key.push_str("oe"),
            'ü' | 'Ü' => key.push_str("ue"),
            'ß' => key.push_str("ss"),
            c if c.is_alphanumeric() => key.extend(c.to_lowercase()),
            _ => {}
        }
    }
    key
}

/// `;` or `,`, whichever the header line holds more of; German Excel writes `;`.
fn detect_separator(header_line: &str) -> u8 {
    let semicolons = header_line.matches(';').count();
    let commas = header_line.matches(',').count();
    if semicolons >= commas && semicolons > 0 {
        b';'
    } else {
        b','
    }
}

/// The separator, and where the header starts. Excel can put a `sep=;` line before the header
/// to name the separator; that line is honoured and skipped. `None` for a file without text.
pub(crate) fn separator_and_start(text: &str) -> Option<(u8, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim();
        if content.is_empty() {
            offset += line.len();
            continue;
        }
        if let Some(sep) = content
            .strip_prefix("sep=")
            .or_else(|| content.strip_prefix("SEP="))
            .filter(|sep| sep.len() == 1)
        {
            let after = offset + line.len();
            if text[after..].trim().is_empty() {
                return None;
            }
            return Some((sep.as_bytes()[0], after));
        }
        return Some((detect_separator(content), offset));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_bom_and_excel_sep_line() {
        let t = CsvText::new(b"\xEF\xBB\xBFa;b,c\n1;2\n").unwrap();
        assert_eq!((t.separator, t.start), (b';', 0));
        let t = CsvText::new(b"sep=;\r\na,b;c\n").unwrap();
        assert_eq!((t.separator, t.start), (b';', 7));
        assert_eq!(CsvText::new(b"sep=;\n").unwrap_err(), TextError::Empty);
        assert_eq!(CsvText::new(b" \n\n").unwrap_err(), TextError::Empty);
        assert_eq!(CsvText::new(b"reference").unwrap().separator, b',');
        assert_eq!(
            CsvText::new(b"a;b\n\xFF\n").unwrap_err(),
            TextError::NotUtf8 { line: 2 }
        );
    }

    #[test]
    fn one_key_for_every_spelling_of_a_header() {
        for spelling in [
            "Kontakt-ID",
            "kontakt id",
            "KONTAKT_ID",
            "kontakt.id",
            "\u{feff}KontaktID",
        ] {
            assert_eq!(header_key(spelling), "kontaktid", "{spelling}");
        }
        assert_eq!(
            header_key("Fälligkeitsdatum"),
            header_key("faelligkeitsdatum")
        );
        assert_eq!(header_key("end_to_end_id"), "endtoendid");
    }

    #[test]
    fn line_numbers_are_right_for_crlf() {
        let t = CsvText::new(b"a;b\r\n1;2\r\n3;4\r\n").unwrap();
        let mut reader = t.reader();
        let lines: Vec<u64> = reader
            .records()
            .map(|r| t.line_of(r.unwrap().position().unwrap().byte()))
            .collect();
        assert_eq!(lines, vec![2, 3]);
    }

    /// Regression: the control-list CSV did not guard against spreadsheet formulas.
    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_made_text() {
        for formula in ["=1+1", "+49 30", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_cell(formula), format!("'{formula}"));
        }
        for plain in ["RE-1001", "Müller GmbH", "", "12,50", "DE89 3704"] {
            assert_eq!(spreadsheet_cell(plain), plain);
        }
    }

    /// Regression: every row's line number was counted from the start of the file, so an
    /// import was quadratic (100 000 rows: 72 s). Counting on from the previous record must give
    /// the numbers counting from the start gives, also across quoted line breaks, blank lines,
    /// CRLF and a `sep=` line, and start over when asked for an earlier record.
    #[test]
    fn mandate_import_line_numbers_count_on_instead_of_from_the_start() {
        let text =
            b"sep=;\r\na;b\r\n1;2\r\n\r\n\"multi\r\nline\";4\n5;6\r\n7;\"x\ny\nz\"\r\n8;9\r\n";
        let t = CsvText::new(text).unwrap();
        let positions: Vec<u64> = t
            .reader()
            .records()
            .map(|r| r.unwrap().position().unwrap().byte())
            .collect();
        let from_start: Vec<u64> = positions.iter().map(|&p| t.line_of(p)).collect();
        assert_eq!(from_start, vec![3, 5, 7, 8, 11]);
        let mut lines = t.lines();
        let counted_on: Vec<u64> = positions.iter().map(|&p| lines.line_of(p)).collect();
        assert_eq!(counted_on, from_start);
        assert_eq!(
            lines.line_of(positions[1]),
            5,
            "an earlier record starts over"
        );
    }
}
