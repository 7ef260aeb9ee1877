//! Text in the PDF's built-in Helvetica: the WinAnsi encoding (Windows-1252) and the advance
//! widths of the Adobe core-font metrics (AFM), so no font file is embedded and lines can be
//! measured before they are placed.
//!
//! WinAnsi covers German and the other Western European letters (ä ö ü ß é ñ …); anything else
//! is transliterated (ł → l) or, failing that, printed as `?`, so a name never breaks the page.

/// The two faces the documents use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
}

impl Face {
    pub(crate) fn base_font(self) -> &'static [u8] {
        match self {
            Face::Regular => b"Helvetica",
            Face::Bold => b"Helvetica-Bold",
        }
    }

    /// The name of the font in the page resources.
    pub(crate) fn resource(self) -> &'static [u8] {
        match self {
            Face::Regular => b"F1",
            Face::Bold => b"F2",
        }
    }
}

/// Helvetica, characters 32 to 126, in 1/1000 em (Adobe AFM).
#[rustfmt::skip]
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ␠ to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556,                               // 0 to 9
    278, 278, 584, 584, 584, 556, 1015,                                             // : to @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,                // A to M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,                // N to Z
    278, 278, 278, 469, 556, 333,                                                   // [ to `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,                // a to m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,                // n to z
    334, 260, 334, 584,                                                             // { to ~
];

/// Helvetica-Bold, characters 32 to 126, in 1/1000 em (Adobe AFM).
#[rustfmt::skip]
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ␠ to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556,                               // 0 to 9
    333, 333, 584, 584, 584, 611, 975,                                              // : to @
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,                // A to M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,                // N to Z
    333, 278, 333, 584, 556, 333,                                                   // [ to `
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889,                // a to m
    611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500,                // n to z
    389, 280, 389, 584,                                                             // { to ~
];

/// The widest glyph of the non-ASCII part of WinAnsi (…, —, ‰, ™, Æ, Œ): an upper bound for
/// the characters the table does not name.
const WIDEST: u16 = 1000;

/// The WinAnsi byte of `c`, if the encoding has it.
pub(crate) fn encode_char(c: char) -> Option<u8> {
    Some(match c {
        ' '..='~' => c as u8,
        // Latin-1 is WinAnsi from 0xA0 on; the soft hyphen (0xAD) would print as nothing or a
        // dash depending on the reader, so it is left out.
        '\u{A1}'..='\u{FF}' if c != '\u{AD}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// `text` with every character the encoding lacks replaced: white space and control characters
/// by one space, others by their transliteration (deunicode), else `?`. Trimmed.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else if c == '\u{AD}' {
            // A soft hyphen marks where a word may break; it is no character of its own.
        } else if encode_char(c).is_some() {
            out.push(c);
        } else {
            let replaced: String = deunicode::deunicode_char(c)
                .unwrap_or("?")
                .chars()
                .filter(|r| encode_char(*r).is_some() && !r.is_control())
                .collect();
            out.push_str(if replaced.trim().is_empty() {
                "?"
            } else {
                &replaced
            });
        }
    }
    out.trim().to_owned()
}

/// The WinAnsi bytes of text made [`printable`].
pub(crate) fn encode(text: &str) -> Vec<u8> {
    text.chars().filter_map(encode_char).collect()
}

/// The advance width of `c` in 1/1000 em. Exact for ASCII; accented letters have the width of
/// their base letter in Helvetica; anything else counts as the widest glyph.
fn char_width(c: char, face: Face) -> u16 {
    let table = match face {
        Face::Regular => &REGULAR,
        Face::Bold => &BOLD,
    };
    match c {
        ' '..='~' => table[c as usize - 32],
        'ß' | 'ø' => 611,
        'Ø' => 778,
        'æ' => 889,
        'œ' => 944,
        _ => {
            let base = deunicode::deunicode_char(c).unwrap_or("");
            let mut chars = base.chars();
            match (chars.next(), chars.next()) {
                (Some(b), None) if c.is_alphabetic() && b.is_ascii_alphabetic() => {
                    table[b as usize - 32]
                }
                _ => WIDEST,
            }
        }
    }
}

/// The width of `text` at `size` points, in points.
pub(crate) fn width(text: &str, face: Face, size: f32) -> f32 {
    let units: u32 = text.chars().map(|c| u32::from(char_width(c, face))).sum();
    units as f32 * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_letters_are_single_winansi_bytes() {
        assert_eq!(
            encode("Zahlungsempfänger Gläubiger ÄÖÜäöüß €„“"),
            b"Zahlungsempf\xe4nger Gl\xe4ubiger \xc4\xd6\xdc\xe4\xf6\xfc\xdf \x80\x84\x93".to_vec()
        );
    }

    #[test]
    fn characters_outside_winansi_are_transliterated() {
        assert_eq!(printable("Łódź\tSp.\u{a0}z o.o."), "Lódz Sp. z o.o.");
        assert_eq!(printable("  中  "), "Zhong");
        assert_eq!(printable("Stra\u{ad}ße"), "Straße");
        assert_eq!(printable("a\u{E000}b"), "a?b");
    }

    #[test]
    fn widths_follow_the_core_font_metrics() {
        // "Hello" in Helvetica: 722 + 556 + 222 + 222 + 556 = 2278 units.
        assert!((width("Hello", Face::Regular, 10.0) - 22.78).abs() < 0.001);
        assert!(width("Hello", Face::Bold, 10.0) > width("Hello", Face::Regular, 10.0));
        assert_eq!(
            char_width('ä', Face::Regular),
            char_width('a', Face::Regular)
        );
        assert_eq!(char_width('Ü', Face::Bold), char_width('U', Face::Bold));
        assert_eq!(char_width('…', Face::Regular), WIDEST);
    }
}
