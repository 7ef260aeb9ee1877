//! The JSON message description, read from a file in large chunks. serde_json reading from a
//! `Read` goes byte by byte through the reader and copies every string into its scratch buffer;
//! from a slice it is several times faster. So the file is cut, without parsing it, into the part
//! before the debits, each debit object and the part after; each piece is then parsed from a slice
//! by serde. Memory stays at one chunk whatever the size of the file.
//!
//! Anything unusual (an unknown or repeated key, the debits before the creditor, a syntax error,
//! a `"debits"` that is not a list of objects) ends the read with `Err(())`; the in-memory path
//! then reads the input again and says exactly what is wrong.

use std::fs::File;
use std::io::Read;

use sepa::{RawCreditor, RawDebit, RawMessageHeader};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};

const CHUNK: usize = 4 << 20;

/// Reads the message in `input`: the creditor goes to `creditor`, every debit in input order to
/// `debit` (each returns false when the receiver has gone), the header fields come back.
pub(super) fn read(
    input: File,
    creditor: impl FnMut(RawCreditor) -> bool,
    mut debit: impl FnMut(RawDebit) -> bool,
) -> Result<RawMessageHeader, ()> {
    let mut c = Chunks {
        file: input,
        buf: Vec::with_capacity(2 * CHUNK),
        pos: 0,
    };
    let mut head = Head {
        creditor,
        header: RawMessageHeader::default(),
        seen: [false; 6],
        has_creditor: false,
    };
    // The part before the debits, closed as if the list were empty.
    let list = loop {
        match debits_list(c.rest()) {
            Scan::Found(i) => break Some(i),
            Scan::Unusual => return Err(()),
            Scan::NeedMore => {
                if !c.more()? {
                    break None;
                }
            }
        }
    };
    let Some(list) = list else {
        // No debits key found: the whole file is the head.
        head.parse(c.rest())?;
        return head.finish();
    };
    let mut doc = c.rest()[..list].to_vec();
    doc.extend_from_slice(b"]}");
    head.parse(&doc)?;
    if !head.has_creditor {
        return Err(());
    }
    c.pos += list;

    let mut next = c.skip_ws()?;
    if next != Some(b']') {
        loop {
            if next != Some(b'{') {
                return Err(());
            }
            let end = loop {
                match object_end(c.rest()) {
                    Some(end) => break end,
                    None => {
                        if !c.more()? {
                            return Err(());
                        }
                    }
                }
            };
            let d: RawDebit = serde_json::from_slice(&c.rest()[..end]).map_err(|_| ())?;
            c.pos += end;
            if !debit(d) {
                return Err(());
            }
            match c.skip_ws()? {
                Some(b',') => {
                    c.pos += 1;
                    next = c.skip_ws()?;
                }
                Some(b']') => break,
                _ => return Err(()),
            }
        }
    }
    c.pos += 1;
    // The part after the debits, opened as if it started the object; a second "debits" key in it
    // is still refused as repeated.
    c.file.read_to_end(&mut c.buf).map_err(|_| ())?;
    let mut doc = b"{\"debits\":[]".to_vec();
    doc.extend_from_slice(c.rest());
    head.seen[5] = false;
    head.parse(&doc)?;
    head.finish()
}

struct Chunks {
    file: File,
    buf: Vec<u8>,
    pos: usize,
}

impl Chunks {
    fn rest(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads the next chunk behind what is left; false at the end of the file.
    fn more(&mut self) -> Result<bool, ()> {
        self.buf.drain(..self.pos);
        self.pos = 0;
        // A piece larger than a chunk doubles the read, so rescanning it stays linear.
        let want = CHUNK.max(self.buf.len());
        let n = (&mut self.file)
            .take(want as u64)
            .read_to_end(&mut self.buf)
            .map_err(|_| ())?;
        Ok(n > 0)
    }

    /// The next byte that is not JSON whitespace (not consumed), or `None` at the end.
    fn skip_ws(&mut self) -> Result<Option<u8>, ()> {
        loop {
            let rest = self.rest();
            match rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(i) => {
                    self.pos += i;
                    return Ok(Some(self.buf[self.pos]));
                }
                None => {
                    self.pos = self.buf.len();
                    if !self.more()? {
                        return Ok(None);
                    }
                }
            }
        }
    }
}

enum Scan {
    /// Index just after the `[` that opens the debits list.
    Found(usize),
    NeedMore,
    Unusual,
}

/// Finds the list of the top-level key `"debits"`. Keys are matched as written; an escaped one
/// is not found here, and the head's parser then meets a non-empty list and gives up.
fn debits_list(buf: &[u8]) -> Scan {
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut after_debits = false;
    let mut i = 0;
    while i < buf.len() {
        let b = buf[i];
        match b {
            b'"' => {
                let Some(end) = string_end(&buf[i + 1..]) else {
                    return Scan::NeedMore;
                };
                let s = &buf[i + 1..i + 1 + end];
                if depth == 1 && expect_key {
                    after_debits = s == b"debits";
                    expect_key = false;
                } else if after_debits {
                    return Scan::Unusual;
                }
                i += end + 2;
                continue;
            }
            b':' if depth == 1 => {}
            b',' if depth == 1 => expect_key = true,
            b'{' | b'[' => {
                if after_debits {
                    return if b == b'[' && depth == 1 {
                        Scan::Found(i + 1)
                    } else {
                        Scan::Unusual
                    };
                }
                depth += 1;
                expect_key = depth == 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ if after_debits => return Scan::Unusual,
            _ => {}
        }
        i += 1;
    }
    Scan::NeedMore
}

/// Length of the string body at the start of `buf` (after its opening quote), up to the closing
/// quote; `None` when `buf` ends first.
fn string_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let j = i + memchr::memchr2(b'"', b'\\', buf.get(i..)?)?;
        if buf[j] == b'"' {
            return Some(j);
        }
        i = j + 2;
    }
}

/// Length of the object that starts at `buf[0]` (`{`), or `None` when `buf` ends first. Only
/// strings and brackets are looked at: whether it is valid JSON is serde's to say.
fn object_end(buf: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < buf.len() {
        match buf[i] {
            b'"' => {
                i += string_end(&buf[i + 1..])? + 2;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The message object without its debits.
struct Head<C> {
    creditor: C,
    header: RawMessageHeader,
    seen: [bool; 6],
    has_creditor: bool,
}

impl<C: FnMut(RawCreditor) -> bool> Head<C> {
    fn parse(&mut self, doc: &[u8]) -> Result<(), ()> {
        let mut de = serde_json::Deserializer::from_slice(doc);
        de::Deserializer::deserialize_map(&mut de, &mut *self).map_err(|_| ())?;
        de.end().map_err(|_| ())
    }

    fn finish(self) -> Result<RawMessageHeader, ()> {
        if self.has_creditor {
            Ok(self.header)
        } else {
            Err(())
        }
    }
}

impl<'de, C: FnMut(RawCreditor) -> bool> Visitor<'de> for &mut Head<C> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a message description")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let once = |seen: &mut [bool; 6], i: usize| -> Result<(), A::Error> {
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::custom("repeated key"));
            }
            Ok(())
        };
        while let Some(key) = map.next_key::<&str>()? {
            let h = &mut self.header;
            match key {
                "message_id" => {
                    once(&mut self.seen, 0)?;
                    h.message_id = map.next_value()?;
                }
                "created_at" => {
                    once(&mut self.seen, 1)?;
                    h.created_at = map.next_value()?;
                }
                "batch_booking" => {
                    once(&mut self.seen, 2)?;
                    h.batch_booking = map.next_value()?;
                }
                "initiating_party" => {
                    once(&mut self.seen, 3)?;
                    h.initiating_party = map.next_value()?;
                }
                "creditor" => {
                    once(&mut self.seen, 4)?;
                    let c: RawCreditor = map.next_value()?;
                    self.has_creditor = true;
                    if !(self.creditor)(c) {
                        return Err(de::Error::custom("stopped"));
                    }
                }
                "debits" => {
                    once(&mut self.seen, 5)?;
                    if !self.has_creditor {
                        return Err(de::Error::custom("debits before the creditor"));
                    }
                    // Only the empty list put in place of the real one is expected here.
                    let v: Vec<IgnoredAny> = map.next_value()?;
                    if !v.is_empty() {
                        return Err(de::Error::custom("debits not where they were looked for"));
                    }
                }
                _ => return Err(de::Error::custom("unknown key")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sepa::RawMessage;
    use std::io::Write;

    /// What `read` gives for `json`, as the message serde reads whole.
    fn read_str(json: &str) -> Result<RawMessage, ()> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(json.as_bytes()).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let mut creditor = None;
        let mut debits = Vec::new();
        let h = read(
            file,
            |c| creditor.replace(c).is_none(),
            |d| {
                debits.push(d);
                true
            },
        )?;
        Ok(RawMessage {
            message_id: h.message_id,
            created_at: h.created_at,
            batch_booking: h.batch_booking,
            initiating_party: h.initiating_party,
            creditor: creditor.unwrap(),
            debits,
        })
    }

    const CREDITOR: &str = r#"{"name": "Verein", "iban": "DE02120300000000202051", "creditor_id": "DE98ZZZ09999999999"}"#;

    fn debit(i: usize) -> String {
        format!(
            r#"{{"end_to_end_id": "E-{i}", "amount": "1.{:02}", "collection_date": "2027-03-01",
                "sequence": "RCUR", "remittance": "}}\"]\\ {{[ Jürgen \u00e4 {i}",
                "debtor": {{"name": "A {{B}}", "iban": "DE02120300000000202051"}},
                "mandate": {{"id": "M-{i}", "signed_on": "2019-04-01"}}}}"#,
            i % 100
        )
    }

    #[test]
    fn reads_what_serde_reads_whole() {
        let many: Vec<String> = (0..20_000).map(debit).collect();
        let many = many.join(",\n");
        let inputs = [
            std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/debits.json"),
            )
            .unwrap(),
            format!(r#"{{"creditor":{CREDITOR},"debits":[{}]}}"#, debit(1)),
            format!(
                "{{\n \"message_id\" : \"X\", \"creditor\" :\n{CREDITOR} ,\r\n\t\"debits\"\n:\n[\n{} ,\n {}\n]\n,\"created_at\": \"2027-02-10T09:30:00\", \"batch_booking\": false}}\n",
                debit(1),
                debit(2)
            ),
            format!(r#"{{"creditor": {CREDITOR}, "debits": [ ]}}"#),
            format!(r#"{{"creditor": {CREDITOR}}}"#),
            format!(
                r#"{{"initiating_party": "\"debits\": [", "creditor": {CREDITOR}, "debits": [{many}]}}"#
            ),
        ];
        for json in &inputs {
            let whole: RawMessage = serde_json::from_str(json).unwrap();
            assert!(
                read_str(json) == Ok(whole),
                "{}",
                &json[..json.len().min(300)]
            );
        }
    }

    #[test]
    fn leaves_anything_unusual_to_the_in_memory_path() {
        let d = debit(1);
        let inputs = [
            format!(r#"{{"debits": [{d}], "creditor": {CREDITOR}}}"#),
            format!(
                r#"{{"message_id": "A", "creditor": {CREDITOR}, "debits": [{d}], "message_id": "B"}}"#
            ),
            format!(r#"{{"creditor": {CREDITOR}, "debits": [{d}], "debits": []}}"#),
            format!(r#"{{"creditor": {CREDITOR}, "debit": [{d}]}}"#),
            format!(r#"{{"creditor": {CREDITOR}, "debits": null}}"#),
            format!(r#"{{"creditor": {CREDITOR}, "debits": [{d},]}}"#),
            format!(r#"{{"creditor": {CREDITOR}, "debits": [{d}, 1]}}"#),
            format!(r#"{{"creditor": {CREDITOR}, "debits": [{d}]}} x"#),
            format!(r#"{{"creditor": {CREDITOR}, "d\u0065bits": [{d}]}}"#),
            format!(r#"{{"creditor": {CREDITOR}, "debits": [{d}"#),
            r#"{"debits": []}"#.to_string(),
        ];
        for json in &inputs {
            assert!(read_str(json).is_err(), "{json}");
        }
    }

    #[test]
    fn finds_the_debits_list_of_the_top_object_only() {
        let doc = br#"{"creditor": {"name": "x\"debits\"", "debits": []}, "debits" : [ {"#;
        match debits_list(doc) {
            Scan::Found(i) => assert_eq!(&doc[i..], b" {"),
            _ => panic!("not found"),
        }
        assert!(matches!(debits_list(br#"{"debits": null}"#), Scan::Unusual));
        assert!(matches!(debits_list(br#"{"creditor": {"#), Scan::NeedMore));
    }

    #[test]
    fn an_object_ends_at_its_own_brace() {
        let doc = br#"{"a": "}\\", "b": {"c": [1, "]"]}}, {"#;
        assert_eq!(object_end(doc), Some(doc.len() - 3));
        assert_eq!(object_end(br#"{"a": "\"#), None);
    }
}
