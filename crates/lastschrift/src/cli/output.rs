//! How the commands print: shortened table cells, dates, and a reader that stops early.

use super::Outcome;
use anyhow::Context as _;
use chrono::NaiveDate;
use lastschrift_core::files::write_atomically;
use std::io::Write as _;
use std::path::Path;

/// Keeps a table column readable; the full text is in `--json`.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// `31.12.2026`, or `–` for no date.
pub(crate) fn date_text(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|| "–".into())
}

/// A reader that stops early (`lastschrift runs list | head`) closes the pipe; that is not a
/// failure, so end quietly instead of reporting the write error.
pub(crate) fn quiet_broken_pipe(result: anyhow::Result<Outcome>) -> anyhow::Result<Outcome> {
    match result {
        Err(e)
            if e.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(Outcome::Done)
        }
        other => other,
    }
}

/// Bytes to the file (atomically) or to standard output, unchanged.
pub fn emit(bytes: &[u8], output: Option<&Path>, what: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            write_atomically::<anyhow::Error>(path, |out| Ok(out.write_all(bytes)?))
                .with_context(|| format!("could not write {what} to {}", path.display()))?;
            eprintln!(
                "Wrote {what} to {} ({} bytes).",
                path.display(),
                bytes.len()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_cells_end_with_an_ellipsis() {
        assert_eq!(shorten("Müller", 10), "Müller");
        assert_eq!(shorten("Müller & Söhne GmbH", 8), "Müller …");
        assert_eq!(date_text(None), "–");
    }
}
