//! The XML layer: limits, encodings, what a non-XML file is, the root's namespace, and a small
//! tree of the elements in the document's namespace. The repeating parts (each `Ntry`, each
//! `TxInfAndSts`, …) are handed to a [`Collector`] as soon as they close and are not kept in the
//! tree, so memory stays near the size of one entry plus the results.

use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

use super::error::{AmountProblem, BankFileError};
use super::values;
use super::{BankFormat, ISO_NAMESPACE_PREFIX, MAX_BANK_FILE_BYTES, MAX_XML_DEPTH};

/// One element of the document's namespace: local name, attributes (local names), the text
/// directly inside it (trimmed), and the child elements still in the tree.
#[derive(Debug, Default)]
pub(super) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
    pub line: usize,
}

/// Receives each element as it closes, with its parent's local name and its path from the root
/// (`Document/…`); returns it to keep it in the parent, or `None` when it took it.
pub(super) trait Collector {
    /// Whether [`Collector::close`] wants an element called `name` under `parent`; only for
    /// those the path is built.
    fn wants(&self, parent: &str, name: &str) -> bool;
    /// Takes a wanted element.
    fn close(&mut self, format: BankFormat, path: &str, node: Node) -> Result<(), BankFileError>;
}

/// What [`read`] found: the format and the root with whatever the collector left in it.
pub(super) struct Parsed {
    pub format: BankFormat,
    pub root: Node,
}

/// Reads `bytes` into a [`Parsed`], handing the repeating parts to `collector`.
pub(super) fn read(bytes: &[u8], collector: &mut dyn Collector) -> Result<Parsed, BankFileError> {
    if bytes.len() > MAX_BANK_FILE_BYTES {
        return Err(BankFileError::TooLarge {
            bytes: bytes.len(),
            limit: MAX_BANK_FILE_BYTES,
        });
    }
    let bytes = sniff(bytes)?;
    match read_xml(bytes, collector, false)? {
        Outcome::Done(parsed) => Ok(parsed),
        Outcome::Latin1 => {
            // ISO-8859-1 maps each byte to the code point of the same number.
            let text: String = bytes.iter().map(|&b| char::from(b)).collect();
            match read_xml(text.as_bytes(), collector, true)? {
                Outcome::Done(parsed) => Ok(parsed),
                Outcome::Latin1 => unreachable!("decoded once"),
            }
        }
    }
}

/// Strips a UTF-8 byte-order mark; refuses UTF-16, empty files and files that are not XML,
/// naming what they look like.
fn sniff(bytes: &[u8]) -> Result<&[u8], BankFileError> {
    if bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || bytes.starts_with(&[0x00, b'<'])
        || bytes.starts_with(&[b'<', 0x00])
    {
        return Err(BankFileError::Utf16);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .ok_or(BankFileError::Empty)?;
    let head = &bytes[start..];
    if head[0] == b'<' {
        let lower: Vec<u8> = head
            .iter()
            .take(64)
            .map(|b| b.to_ascii_lowercase())
            .collect();
        if lower.starts_with(b"<html") || lower.starts_with(b"<!doctype html") {
            return Err(BankFileError::Html);
        }
        return Ok(bytes);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Err(BankFileError::Zip);
    }
    if head.starts_with(b"%PDF") {
        return Err(BankFileError::Pdf);
    }
    if looks_like_mt940(head) {
        return Err(BankFileError::Mt940);
    }
    if looks_like_csv(head) {
        return Err(BankFileError::Csv);
    }
    Err(BankFileError::NotXml)
}

/// SWIFT MT940/942: a `{1:` block header, or the `:20:` / `:25:` / `:60F:` tag lines.
fn looks_like_mt940(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096)];
    if sample.starts_with(b"{1:") {
        return true;
    }
    let text = String::from_utf8_lossy(sample);
    let tags = [":20:", ":25:", ":28C:", ":60F:", ":60M:", ":61:", ":86:"];
    let found = text
        .lines()
        .filter(|l| tags.iter().any(|t| l.trim_start().starts_with(t)))
        .count();
    found >= 2 || text.trim_start().starts_with(":20:")
}

/// A first line with at least two `;`, `,` or tab separated fields, and a second line with the
/// same number of them. JSON (starting with `{` or `[`) has commas too but is none.
fn looks_like_csv(head: &[u8]) -> bool {
    if head.starts_with(b"{") || head.starts_with(b"[") {
        return false;
    }
    let sample = &head[..head.len().min(4096)];
    let text = String::from_utf8_lossy(sample);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    [';', ',', '\t'].into_iter().any(|sep| {
        let n = first.matches(sep).count();
        n >= 1
            && lines
                .clone()
                .next()
                .is_none_or(|l| l.matches(sep).count() == n)
    })
}

enum Outcome {
    Done(Parsed),
    /// The declaration says ISO-8859-1: read again after decoding.
    Latin1,
}

/// Turns byte offsets into 1-based line numbers, counting forward.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: u64) -> usize {
        let pos = usize::try_from(pos)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if pos < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.pos..pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = pos;
        self.line
    }
}

fn malformed(line: usize, detail: impl Into<String>) -> BankFileError {
    BankFileError::Malformed {
        line,
        detail: detail.into(),
    }
}

/// An open element: its local name, and whether it is in the tree (in the document's
/// namespace and not below a foreign element).
struct Open {
    name: String,
    kept: bool,
}

fn read_xml(
    bytes: &[u8],
    collector: &mut dyn Collector,
    decoded_latin1: bool,
) -> Result<Outcome, BankFileError> {
    let mut reader = NsReader::from_reader(bytes);
    let mut lines = Lines {
        bytes,
        pos: 0,
        line: 1,
    };
    let mut open: Vec<Open> = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut format: Option<BankFormat> = None;
    let mut root: Option<Node> = None;
    loop {
        // The namespace borrows the reader: keep only what is needed of it.
        let (namespace, in_document_ns, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(Namespace(n)), event)) => {
                let in_ns = format.is_some_and(|f| n == f.namespace().as_bytes());
                let owned = format
                    .is_none()
                    .then(|| String::from_utf8_lossy(n).into_owned());
                (owned, in_ns, event)
            }
            Ok((_, event)) => (None, false, event),
            Err(error) => {
                let position = reader.error_position();
                if reference_cut_off(&error, bytes, position)
                    && let Some(innermost) = open.last()
                {
                    return Err(BankFileError::Truncated {
                        element: innermost.name.clone(),
                        line: lines.at(bytes.len() as u64),
                    });
                }
                let line = lines.at(position);
                return Err(map_error(error, line, &open));
            }
        };
        match event {
            Event::Decl(decl) => {
                let line = lines.at(reader.buffer_position());
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| malformed(line, e.to_string()))?;
                    let encoding = String::from_utf8_lossy(&encoding).trim().to_string();
                    match encoding.to_ascii_uppercase().as_str() {
                        "UTF-8" | "UTF8" => {}
                        "US-ASCII" | "ASCII" => {
                            if !bytes.is_ascii() {
                                return Err(BankFileError::UnsupportedEncoding { encoding });
                            }
                        }
                        "ISO-8859-1" | "ISO8859-1" | "ISO_8859-1" | "LATIN1" | "LATIN-1" | "L1" => {
                            if !decoded_latin1 {
                                return Ok(Outcome::Latin1);
                            }
                        }
                        "UTF-16" | "UTF16" | "UTF-16LE" | "UTF-16BE" => {
                            return Err(BankFileError::Utf16);
                        }
                        _ => return Err(BankFileError::UnsupportedEncoding { encoding }),
                    }
                }
            }
            Event::DocType(doctype) => {
                let line = lines.at(reader.buffer_position());
                let text = String::from_utf8_lossy(&doctype)
                    .trim()
                    .to_ascii_lowercase();
                if text.starts_with("html") {
                    return Err(BankFileError::Html);
                }
                return Err(BankFileError::Doctype { line });
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                let line = lines.at(reader.buffer_position());
                let empty = matches!(event, Event::Empty(_));
                if open.len() + 1 > MAX_XML_DEPTH {
                    return Err(BankFileError::TooDeep {
                        limit: MAX_XML_DEPTH,
                        line,
                    });
                }
                let local = start.local_name();
                let name = std::str::from_utf8(local.as_ref())
                    .map_err(|_| BankFileError::InvalidUtf8 { line })?
                    .to_string();
                let kept = match format {
                    None => {
                        if root.is_some() {
                            return Err(malformed(line, "a second root element"));
                        }
                        format = Some(classify(&name, namespace)?);
                        true
                    }
                    Some(_) => in_document_ns && open.last().is_some_and(|o| o.kept),
                };
                if root.is_some() {
                    return Err(malformed(line, "content after the end of the root element"));
                }
                if kept {
                    let mut node = Node {
                        name: name.clone(),
                        line,
                        ..Node::default()
                    };
                    for attr in start.attributes() {
                        let attr = attr.map_err(|e| malformed(line, e.to_string()))?;
                        let key = attr.key;
                        if key.as_namespace_binding().is_some() {
                            continue;
                        }
                        let value = attr
                            .decode_and_unescape_value(reader.decoder())
                            .map_err(|e| map_error(e, line, &open))?;
                        let key = String::from_utf8_lossy(key.local_name().as_ref()).into_owned();
                        node.attrs.push((key, value.into_owned()));
                    }
                    stack.push(node);
                }
                open.push(Open { name, kept });
                if empty {
                    close(&mut open, &mut stack, &mut root, format, collector)?;
                }
            }
            Event::End(_) => {
                close(&mut open, &mut stack, &mut root, format, collector)?;
            }
            Event::Text(text) => {
                let end = reader.buffer_position();
                let line = lines.at(end);
                let decoded = match text.xml10_content() {
                    Ok(decoded) => decoded,
                    Err(_) => {
                        // The file ends inside a character: cut off, not another encoding.
                        let cut_in_character = end >= bytes.len() as u64
                            && std::str::from_utf8(&text).is_err_and(|e| e.error_len().is_none());
                        return Err(match open.last() {
                            Some(innermost) if cut_in_character => BankFileError::Truncated {
                                element: innermost.name.clone(),
                                line,
                            },
                            _ => BankFileError::InvalidUtf8 { line },
                        });
                    }
                };
                append(&open, &mut stack, &decoded, line)?;
            }
            Event::CData(data) => {
                let line = lines.at(reader.buffer_position());
                let text = data
                    .xml10_content()
                    .map_err(|_| BankFileError::InvalidUtf8 { line })?;
                append(&open, &mut stack, &text, line)?;
            }
            Event::GeneralRef(reference) => {
                let line = lines.at(reader.buffer_position());
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = reference
                            .decode()
                            .map_err(|_| BankFileError::InvalidUtf8 { line })?;
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(BankFileError::UnknownEntity {
                                    name: name.into_owned(),
                                    line,
                                });
                            }
                        }
                    }
                    Err(e) => return Err(malformed(line, e.to_string())),
                };
                append(&open, &mut stack, &resolved, line)?;
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => {
                let line = lines.at(bytes.len() as u64);
                if let Some(innermost) = open.last() {
                    return Err(BankFileError::Truncated {
                        element: innermost.name.clone(),
                        line,
                    });
                }
                let (Some(format), Some(root)) = (format, root) else {
                    return Err(malformed(line, "there is no root element"));
                };
                return Ok(Outcome::Done(Parsed { format, root }));
            }
        }
    }
}

/// Text is allowed only inside elements; outside them only white space.
fn append(open: &[Open], stack: &mut [Node], text: &str, line: usize) -> Result<(), BankFileError> {
    match open.last() {
        None => {
            if text.trim().is_empty() {
                Ok(())
            } else {
                Err(malformed(line, "text outside the root element"))
            }
        }
        Some(o) if o.kept => {
            if let Some(node) = stack.last_mut() {
                node.text.push_str(text);
            }
            Ok(())
        }
        Some(_) => Ok(()),
    }
}

/// Closes the innermost element: hands it to the collector, or attaches it to its parent, or
/// makes it the root.
fn close(
    open: &mut Vec<Open>,
    stack: &mut Vec<Node>,
    root: &mut Option<Node>,
    format: Option<BankFormat>,
    collector: &mut dyn Collector,
) -> Result<(), BankFileError> {
    let Some(closed) = open.pop() else {
        return Ok(());
    };
    if !closed.kept {
        return Ok(());
    }
    let Some(mut node) = stack.pop() else {
        return Ok(());
    };
    let trimmed = node.text.trim();
    if trimmed.len() != node.text.len() {
        node.text = trimmed.to_string();
    }
    match (stack.last_mut(), format) {
        (Some(parent), Some(format)) => {
            if collector.wants(&parent.name, &node.name) {
                let mut path: Vec<&str> = open.iter().map(|o| o.name.as_str()).collect();
                path.push(&node.name);
                let path = path.join("/");
                collector.close(format, &path, node)?;
            } else {
                parent.children.push(node);
            }
        }
        _ => *root = Some(node),
    }
    Ok(())
}

/// The file ends inside an entity or character reference (`&am`): quick-xml reports an
/// unclosed reference when no `;`, `&` or `<` follows the `&` at `position`.
fn reference_cut_off(error: &quick_xml::Error, bytes: &[u8], position: u64) -> bool {
    use quick_xml::errors::{Error, IllFormedError};
    let Ok(position) = usize::try_from(position) else {
        return false;
    };
    matches!(error, Error::IllFormed(IllFormedError::UnclosedReference))
        && bytes
            .get(position + 1..)
            .is_some_and(|rest| !rest.iter().any(|b| matches!(b, b';' | b'&' | b'<')))
}

fn map_error(error: quick_xml::Error, line: usize, open: &[Open]) -> BankFileError {
    use quick_xml::errors::{Error, SyntaxError};
    match error {
        Error::Syntax(
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedPIOrXmlDecl
            | SyntaxError::UnclosedDoctype,
        ) if !open.is_empty() => BankFileError::Truncated {
            element: open.last().map(|o| o.name.clone()).unwrap_or_default(),
            line,
        },
        Error::Encoding(_) => BankFileError::InvalidUtf8 { line },
        Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            BankFileError::UnknownEntity { name, line }
        }
        other => malformed(line, other.to_string()),
    }
}

/// The format of a root element, or why it is none we read.
fn classify(root: &str, namespace: Option<String>) -> Result<BankFormat, BankFileError> {
    if root.eq_ignore_ascii_case("html") {
        return Err(BankFileError::Html);
    }
    let not_iso = |namespace| BankFileError::NotIso20022 {
        root: root.to_string(),
        namespace,
    };
    let Some(namespace) = namespace else {
        return Err(not_iso(None));
    };
    if root != "Document" {
        return Err(not_iso(Some(namespace)));
    }
    if let Some(format) = BankFormat::from_namespace(&namespace) {
        return Ok(format);
    }
    let Some(message) = namespace.trim().strip_prefix(ISO_NAMESPACE_PREFIX) else {
        return Err(not_iso(Some(namespace)));
    };
    let message = message.to_string();
    let supported = BankFormat::supported_list();
    let area = message.get(..8).unwrap_or(&message);
    Err(match area {
        "pain.008" => BankFileError::DirectDebitInitiation { message },
        "pain.001" => BankFileError::CreditTransfer { message },
        "camt.052" => BankFileError::IntradayReport { message },
        "pain.002" | "camt.053" | "camt.054" => {
            BankFileError::UnsupportedVersion { message, supported }
        }
        _ => BankFileError::UnsupportedMessage { message, supported },
    })
}

/// An element with its path from the root, for reading values and naming it in errors.
pub(super) struct Elem<'a> {
    pub node: &'a Node,
    pub path: String,
    pub format: BankFormat,
}

impl<'a> Elem<'a> {
    pub fn new(node: &'a Node, path: String, format: BankFormat) -> Self {
        Elem { node, path, format }
    }

    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<Elem<'a>> {
        self.node
            .children
            .iter()
            .find(|c| c.name == name)
            .map(|c| Elem::new(c, format!("{}/{name}", self.path), self.format))
    }

    /// Every child called `name`.
    pub fn children<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Elem<'a>> + 's {
        self.node
            .children
            .iter()
            .filter(move |c| c.name == name)
            .map(move |c| Elem::new(c, format!("{}/{name}", self.path), self.format))
    }

    /// The descendant along `names` (first match at each step).
    pub fn at(&self, names: &[&str]) -> Option<Elem<'a>> {
        let mut current = Elem::new(self.node, self.path.clone(), self.format);
        for name in names {
            current = current.child(name)?;
        }
        Some(current)
    }

    /// The child `name`, or an error naming its path.
    pub fn required(&self, name: &str) -> Result<Elem<'a>, BankFileError> {
        self.child(name)
            .ok_or_else(|| self.missing(&format!("{}/{name}", self.path)))
    }

    /// The text of the descendant along `names`, if it is there and not empty.
    pub fn text(&self, names: &[&str]) -> Option<String> {
        self.at(names)
            .map(|e| e.node.text.clone())
            .filter(|t| !t.is_empty())
    }

    /// The text of the descendant along `names`, or an error naming the first missing step.
    pub fn required_text(&self, names: &[&str]) -> Result<String, BankFileError> {
        let mut current = Elem::new(self.node, self.path.clone(), self.format);
        for name in names {
            current = current.required(name)?;
        }
        if current.node.text.is_empty() {
            return Err(self.missing(&current.path));
        }
        Ok(current.node.text.clone())
    }

    /// The element's own text as cents.
    pub fn cents(&self) -> Result<i64, BankFileError> {
        values::parse_cents(&self.node.text).map_err(|problem| self.amount_error(problem))
    }

    fn amount_error(&self, problem: AmountProblem) -> BankFileError {
        BankFileError::InvalidAmount {
            path: self.path.clone(),
            line: self.node.line,
            value: self.node.text.clone(),
            problem,
        }
    }

    /// The cents of the descendant along `names`, if it is there.
    pub fn cents_at(&self, names: &[&str]) -> Result<Option<i64>, BankFileError> {
        self.at(names).map(|e| e.cents()).transpose()
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&'a str> {
        self.node
            .attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }

    /// An attribute's value, or an error naming it (`…/Amt/@Ccy`).
    pub fn required_attr(&self, name: &str) -> Result<String, BankFileError> {
        match self.attr(name) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            _ => Err(self.missing(&format!("{}/@{name}", self.path))),
        }
    }

    /// An attribute's value is not what it should be.
    pub fn invalid_attr(&self, name: &str, value: &str, expected: &'static str) -> BankFileError {
        BankFileError::InvalidValue {
            path: format!("{}/@{name}", self.path),
            line: self.node.line,
            value: value.to_string(),
            expected,
        }
    }

    /// The element's text read by `parse`, or an error saying what was expected.
    pub fn parsed<T>(
        &self,
        parse: impl Fn(&str) -> Option<T>,
        expected: &'static str,
    ) -> Result<T, BankFileError> {
        parse(&self.node.text).ok_or_else(|| self.invalid(expected))
    }

    /// The descendant along `names` read by `parse`, if it is there.
    pub fn parsed_at<T>(
        &self,
        names: &[&str],
        parse: impl Fn(&str) -> Option<T>,
        expected: &'static str,
    ) -> Result<Option<T>, BankFileError> {
        self.at(names)
            .map(|e| e.parsed(parse, expected))
            .transpose()
    }

    /// This element's value is not what it should be.
    pub fn invalid(&self, expected: &'static str) -> BankFileError {
        BankFileError::InvalidValue {
            path: self.path.clone(),
            line: self.node.line,
            value: self.node.text.clone(),
            expected,
        }
    }
}

impl Elem<'_> {
    fn missing(&self, path: &str) -> BankFileError {
        BankFileError::MissingElement {
            path: path.to_string(),
            line: self.node.line,
            format: self.format.name(),
        }
    }
}
