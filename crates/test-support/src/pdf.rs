//! Reading a PDF the program made the way a person's viewer would: its text through poppler's
//! `pdftotext`, its page count and document info through `pdfinfo` (Debian package
//! `poppler-utils`). Fails, never skips, when the tools are missing.

use std::process::Command;

const INSTALL: &str =
    "pdftotext and pdfinfo are needed for this suite: install the Debian package poppler-utils";

fn run(tool: &str, pdf: &[u8], args: &[&str]) -> String {
    let file = tempfile::Builder::new()
        .suffix(".pdf")
        .tempfile()
        .expect("temporary file");
    std::fs::write(file.path(), pdf).expect("write the PDF to read");
    let out = Command::new(tool)
        .args(args)
        .arg(file.path())
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{INSTALL} ({tool}: {e})"));
    assert!(
        out.status.success(),
        "{tool} could not read the PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{tool} gave no UTF-8: {e}"))
}

/// The text of every page with each run of white space (line breaks too) as one space, so a
/// sentence wrapped over several lines is found whole.
pub fn text(pdf: &[u8]) -> String {
    raw_text(pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text as pdftotext gives it: lines as they are, a form feed after each page.
pub fn raw_text(pdf: &[u8]) -> String {
    run("pdftotext", pdf, &["-enc", "UTF-8"])
}

/// What `pdfinfo` says (Title, Pages, Page size, …).
pub fn info(pdf: &[u8]) -> String {
    run("pdfinfo", pdf, &["-enc", "UTF-8"])
}

/// The number of pages `pdfinfo` counts.
pub fn page_count(pdf: &[u8]) -> usize {
    let info = info(pdf);
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo names no page count:\n{info}"))
}

/// The text of each page (pdftotext ends every page with a form feed).
pub fn page_texts(pdf: &[u8]) -> Vec<String> {
    let raw = raw_text(pdf);
    let mut pages: Vec<String> = raw
        .split('\u{c}')
        .map(|page| page.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    if pages.last().is_some_and(String::is_empty) {
        pages.pop();
    }
    pages
}
