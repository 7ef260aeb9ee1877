//! What the PDF documents (mandate forms, pre-notification letters) share: text in the
//! built-in Helvetica, measured and encoded without embedding a font.

pub(crate) mod winansi;

use pdf_writer::{Finish, Name, Pdf, Rect, Ref, TextStr};
use winansi::Face;

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;

/// A PDF of A4 pages from their content streams, in the two built-in faces, with its title
/// (and subject) in the document information.
pub(crate) fn document(pages: &[Vec<u8>], title: &str, subject: Option<&str>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let fonts = [(Face::Regular, Ref::new(4)), (Face::Bold, Ref::new(5))];
    let ids: Vec<(Ref, Ref)> = (0..pages.len() as i32)
        .map(|i| (Ref::new(6 + 2 * i), Ref::new(7 + 2 * i)))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|(page, _)| *page))
        .count(pages.len() as i32);
    for (face, id) in fonts {
        pdf.type1_font(id)
            .base_font(Name(face.base_font()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (content, (page_id, content_id)) in pages.iter().zip(&ids) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(*content_id);
        let mut resources = page.resources();
        let mut dict = resources.fonts();
        for (face, id) in fonts {
            dict.pair(Name(face.resource()), id);
        }
        dict.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_id, content);
    }
    let mut document_info = pdf.document_info(info);
    document_info.title(TextStr(title));
    if let Some(subject) = subject {
        document_info.subject(TextStr(subject));
    }
    document_info.creator(TextStr("lastschrift"));
    document_info.finish();
    pdf.finish()
}

/// Greedy line breaking at spaces; a word wider than the line is broken between characters.
pub(crate) fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let fits = |s: &str| winansi::width(s, face, size) <= width;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: split it when it is wider than the line.
        for c in word.chars() {
            line.push(c);
            if !fits(&line) {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}
