//! The pre-notification as a letter for debtors without an e-mail address: A4, the recipient in
//! the DIN 5008 address field (form B: 45 mm from the top, 20 mm from the left, 85 × 45 mm) so
//! it shows in a window envelope (DL/C6 long), with fold and hole marks. The text is the same as
//! the e-mail's, so both channels announce the same words.
//!
//! Built-in Helvetica with the WinAnsi encoding, as the mandate forms: nothing embedded, umlauts
//! read back by text extraction. Longer texts go on to further pages.

use pdf_writer::{Content, Name, Str};

use crate::pdf::winansi::{self, Face};
use crate::pdf::wrap;

const MM: f32 = 2.834_646;
use crate::pdf::{PAGE_HEIGHT, PAGE_WIDTH};
/// DIN 5008: text starts 25 mm from the left edge, ends 20 mm before the right.
const LEFT: f32 = 25.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
/// Where the info block (date, references) starts: 125 mm from the left.
const INFO_LEFT: f32 = 125.0 * MM;

/// Everything on the letter, already in the debtor's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    /// The creditor in one line over the address ("Rücksendeangabe").
    pub return_line: String,
    /// Name and postal address, at most six lines (more are cut: the window has no room).
    pub recipient: Vec<String>,
    /// Label and value, right of the address field (date, mandate reference, creditor id).
    pub info: Vec<(String, String)>,
    pub subject: String,
    /// The text, line by line as in the e-mail; long lines are wrapped.
    pub body: String,
    /// The PDF's title (document information).
    pub title: String,
}

/// Top-down position on a page, in points from the bottom.
fn from_top(mm: f32) -> f32 {
    PAGE_HEIGHT - mm * MM
}

fn put(content: &mut Content, face: Face, size: f32, x: f32, y: f32, text: &str) {
    content
        .begin_text()
        .set_font(Name(face.resource()), size)
        .next_line(x, y)
        .show(Str(&winansi::encode(text)))
        .end_text();
}

fn marks(content: &mut Content) {
    content.set_line_width(0.4);
    // Fold marks for a window envelope (form B: 105 and 210 mm) and the hole mark (148.5 mm).
    for (at, length) in [(105.0, 5.0), (210.0, 5.0), (148.5, 8.0)] {
        content
            .move_to(3.5 * MM, from_top(at))
            .line_to((3.5 + length) * MM, from_top(at))
            .stroke();
    }
}

/// The pages' content streams.
fn layout(letter: &Letter) -> Vec<Vec<u8>> {
    let mut pages = Vec::new();
    let mut content = Content::new();
    marks(&mut content);
    // The address field: the return line in the top zone, then up to six lines of address.
    put(
        &mut content,
        Face::Regular,
        7.0,
        LEFT,
        from_top(59.5),
        &truncate_to(&letter.return_line, Face::Regular, 7.0, 80.0 * MM),
    );
    content
        .move_to(LEFT, from_top(60.3))
        .line_to(LEFT + 80.0 * MM, from_top(60.3))
        .stroke();
    for (i, line) in letter.recipient.iter().take(6).enumerate() {
        put(
            &mut content,
            Face::Regular,
            10.0,
            LEFT,
            from_top(67.0 + 4.23 * i as f32),
            &truncate_to(line, Face::Regular, 10.0, 80.0 * MM),
        );
    }
    for (i, (label, value)) in letter.info.iter().enumerate() {
        let y = from_top(52.0 + 4.5 * i as f32);
        put(&mut content, Face::Regular, 8.0, INFO_LEFT, y, label);
        put(
            &mut content,
            Face::Bold,
            8.5,
            INFO_LEFT + 28.0 * MM,
            y,
            value,
        );
    }
    let mut y = from_top(103.0);
    for line in wrap(&letter.subject, Face::Bold, 11.0, RIGHT - LEFT) {
        put(&mut content, Face::Bold, 11.0, LEFT, y, &line);
        y -= 14.0;
    }
    y -= 12.0;
    let leading = 13.0;
    for paragraph_line in letter.body.lines() {
        let lines = if paragraph_line.trim().is_empty() {
            vec![String::new()]
        } else {
            // Indented lines (the invoice list) keep their indentation.
            let indent = paragraph_line.len() - paragraph_line.trim_start().len();
            let x_indent = winansi::width(&paragraph_line[..indent], Face::Regular, 10.0);
            wrap(
                paragraph_line.trim_start(),
                Face::Regular,
                10.0,
                RIGHT - LEFT - x_indent,
            )
            .into_iter()
            .map(|l| format!("{}{l}", &paragraph_line[..indent]))
            .collect()
        };
        for line in lines {
            if y < BOTTOM {
                pages.push(content.finish().to_vec());
                content = Content::new();
                y = from_top(20.0);
            }
            if !line.is_empty() {
                put(&mut content, Face::Regular, 10.0, LEFT, y, &line);
            }
            y -= leading;
        }
    }
    pages.push(content.finish().to_vec());
    pages
}

/// `text` cut (with …) to fit `width`: the address field has fixed room.
fn truncate_to(text: &str, face: Face, size: f32, width: f32) -> String {
    if winansi::width(text, face, size) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.to_owned();
    while !cut.is_empty() && winansi::width(&format!("{cut}…"), face, size) > width {
        cut.pop();
    }
    format!("{}…", cut.trim_end())
}

/// The letter as a PDF.
pub fn render(letter: &Letter) -> Vec<u8> {
    crate::pdf::document(&layout(letter), &letter.title, None)
}
