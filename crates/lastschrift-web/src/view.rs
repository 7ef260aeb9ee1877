//! The read model behind the dashboard and the invoice list, cached between requests.
//!
//! Building it runs the collection planner over every open invoice (the same use case as the
//! preview and the CLI's dry run) and reads the ledger; with 10 000 invoices that takes far longer
//! than a page may. So it is built once and reused until something changes: every change made
//! through the UI bumps [`super::AppState::changed`], and a short age limit picks up changes made
//! outside the UI (a CLI sync in parallel). Requests that arrive while it is being built wait for
//! that one build instead of starting their own.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{AppState, WebError};
pub use lastschrift_core::overview::{BlockedGroup, InvoiceLine, InvoiceOverview, InvoiceState};

/// Rebuild at least this often, for changes made outside the UI.
const MAX_AGE: Duration = Duration::from_secs(30);

/// The core's overview plus a search index over its lines.
#[derive(Debug, Default)]
pub struct InvoiceIndex {
    pub overview: InvoiceOverview,
    /// Every line's lower-case number and customer, joined by newlines: one substring search over
    /// this text is much cheaper than one per line (10 000 searches cost more than the rest of
    /// the page).
    search_text: String,
    /// Where each line's text starts in `search_text`.
    search_starts: Vec<usize>,
}

pub struct CachedIndex {
    generation: u64,
    built: Instant,
    index: Arc<InvoiceIndex>,
}

/// The current index. Built on the spot when missing or when the UI changed something (the user
/// must see their own change); when it is only old, the old one is served and a rebuild runs in
/// the background, so no request waits for it.
pub async fn invoice_index(state: &AppState) -> Result<Arc<InvoiceIndex>, WebError> {
    let generation = state.generation();
    if let Some(index) = cached(state, generation) {
        return Ok(index);
    }
    let _building = state.inner().index_build.lock().await;
    // Another request may have built it while this one waited.
    let generation = state.generation();
    if let Some(cached) = state.inner().index_cache.lock().expect("lock").as_ref()
        && cached.generation == generation
    {
        return Ok(cached.index.clone());
    }
    let index = Arc::new(build(state).await?);
    store_index(state, generation, index.clone());
    Ok(index)
}

/// The cached index of this generation; starts a background rebuild when it is old.
fn cached(state: &AppState, generation: u64) -> Option<Arc<InvoiceIndex>> {
    let cache = state.inner().index_cache.lock().expect("lock");
    let cached = cache.as_ref().filter(|c| c.generation == generation)?;
    if cached.built.elapsed() >= MAX_AGE
        && !state.inner().index_refreshing.swap(true, Ordering::SeqCst)
    {
        let state = state.clone();
        tokio::spawn(async move {
            let _building = state.inner().index_build.lock().await;
            let generation = state.generation();
            match build(&state).await {
                Ok(index) => store_index(&state, generation, Arc::new(index)),
                Err(error) => tracing::warn!(error = %error, "rebuilding the invoice index failed"),
            }
            state
                .inner()
                .index_refreshing
                .store(false, Ordering::SeqCst);
        });
    }
    Some(cached.index.clone())
}

fn store_index(state: &AppState, generation: u64, index: Arc<InvoiceIndex>) {
    *state.inner().index_cache.lock().expect("lock") = Some(CachedIndex {
        generation,
        built: Instant::now(),
        index,
    });
}

async fn build(state: &AppState) -> Result<InvoiceIndex, WebError> {
    let overview = state.app().invoice_overview().await?;
    let mut index = InvoiceIndex {
        overview,
        ..InvoiceIndex::default()
    };
    for line in &index.overview.lines {
        index.search_starts.push(index.search_text.len());
        let text = format!("{} {}", line.number, line.customer);
        push_searchable(&mut index.search_text, &text);
        index.search_text.push('\n');
    }
    Ok(index)
}

/// A row as the search compares it: lower case without accents ("noemie" finds "Noémie",
/// "muller" finds "Müller"), and once more in the German spelling without umlauts ("mueller"
/// finds it too). The two forms are joined by a byte no needle holds.
fn push_searchable(out: &mut String, text: &str) {
    let lower = text.to_lowercase();
    out.push_str(&fold(&lower));
    out.push('\u{1}');
    let german = lower
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss");
    out.push_str(&fold(&german));
}

/// Lower-case text without accents; ASCII stays as it is (most rows and needles).
fn fold(lower: &str) -> String {
    if lower.is_ascii() {
        lower.to_owned()
    } else {
        deunicode::deunicode(lower).to_lowercase()
    }
}

impl InvoiceIndex {
    /// Which rows contain `needle` (lower-case) in their number or customer; `None` for an empty
    /// needle (every row matches).
    pub fn search(&self, needle: &str) -> Option<Vec<bool>> {
        let needle = needle.trim();
        if needle.is_empty() {
            return None;
        }
        let mut hits = vec![false; self.overview.lines.len()];
        if needle.contains(['\n', '\u{1}']) {
            return Some(hits);
        }
        let needle = fold(&needle.to_lowercase());
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        for at in finder.find_iter(self.search_text.as_bytes()) {
            let row = self.search_starts.partition_point(|&start| start <= at) - 1;
            hits[row] = true;
        }
        Some(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> InvoiceIndex {
        let mut index = InvoiceIndex::default();
        for (i, name) in names.iter().enumerate() {
            index.search_starts.push(index.search_text.len());
            push_searchable(&mut index.search_text, name);
            index.search_text.push('\n');
            index.overview.lines.push(InvoiceLine {
                id: i as i64,
                number: String::new(),
                customer: (*name).into(),
                due: None,
                open_cents: 0,
                state: InvoiceState::Ready,
            });
        }
        index
    }

    #[test]
    fn search_marks_exactly_the_rows_that_contain_the_needle() {
        let index = index(&["re-1001 gross gmbh", "re-1002 anna", "re-1003 gmbh & co"]);
        assert_eq!(index.search(""), None);
        assert_eq!(index.search("gmbh"), Some(vec![true, false, true]));
        assert_eq!(index.search("re-100"), Some(vec![true, true, true]));
        assert_eq!(index.search("re-1002"), Some(vec![false, true, false]));
        // A needle never matches across two rows.
        assert_eq!(index.search("gmbh\nre"), Some(vec![false, false, false]));
        assert_eq!(index.search("anna re"), Some(vec![false, false, false]));
        assert_eq!(index.search("zzz"), Some(vec![false, false, false]));
    }

    /// Regression: search did not fold accents (`noemie` did not find `Noémie`).
    #[test]
    fn search_folds_accents_and_umlauts_both_ways() {
        let index = index(&[
            "RE-1 Noémie Lefèvre",
            "RE-2 Bäckerei Müller",
            "RE-3 Straße AG",
        ]);
        for (needle, row) in [
            ("noemie", 0),
            ("NOÉMIE", 0),
            ("lefevre", 0),
            ("muller", 1),
            ("mueller", 1),
            ("Müller", 1),
            ("baeckerei", 1),
            ("strasse", 2),
            ("straße", 2),
        ] {
            let hits = index.search(needle).unwrap();
            let expected: Vec<bool> = (0..3).map(|i| i == row).collect();
            assert_eq!(hits, expected, "{needle}");
        }
    }
}
