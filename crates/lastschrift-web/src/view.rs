//! The read model behind the dashboard and the invoice list, cached between requests.
//!
//! Building it runs the collection planner over every open invoice (the same use case as the
//! preview and the CLI's dry run) and reads the ledger; with 10 000 invoices that takes far longer
//! than a page may. So it is built once and reused until something changes: every change made
//! through the UI bumps [`super::AppState::changed`], and a short age limit picks up changes made
//! outside the UI (a CLI sync in parallel). Requests that arrive while it is being built wait for
//! that one build instead of starting their own.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use super::{AppState, WebError, config};
use lastschrift_core::collect;
use lastschrift_core::store::{DebitStatus, SevdeskId};

/// Rebuild at least this often, for changes made outside the UI.
const MAX_AGE: Duration = Duration::from_secs(30);

/// Where an invoice stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowState {
    Ready,
    Blocked {
        code: &'static str,
        german: String,
        english: String,
    },
    /// In the ledger with a pending or collected debit.
    Collected,
    /// Its last debit came back.
    Returned,
}

impl RowState {
    /// The filter name (`ready`, `blocked`, `collected`, `returned`).
    pub fn filter(&self) -> &'static str {
        match self {
            RowState::Ready => "ready",
            RowState::Blocked { .. } => "blocked",
            RowState::Collected => "collected",
            RowState::Returned => "returned",
        }
    }
}

#[derive(Clone, Debug)]
pub struct InvoiceRow {
    pub id: SevdeskId,
    pub number: String,
    pub customer: String,
    /// Lower-case number and customer, for the search.
    pub haystack: String,
    pub due: Option<NaiveDate>,
    pub open_cents: i64,
    pub state: RowState,
}

/// Blocked invoices of one reason.
#[derive(Clone, Debug)]
pub struct BlockedGroup {
    pub code: &'static str,
    /// The heading of the reason (`collect::eligibility::reason_title`).
    pub german: String,
    pub english: String,
    pub count: usize,
    pub cents: i64,
}

/// Every invoice the UI lists, classified, plus the dashboard figures.
#[derive(Debug, Default)]
pub struct InvoiceIndex {
    pub rows: Vec<InvoiceRow>,
    /// Every row's haystack, joined by newlines: one substring search over this text is much
    /// cheaper than one per row (10 000 searches cost more than the rest of the page).
    search_text: String,
    /// Where each row's haystack starts in `search_text`.
    search_starts: Vec<usize>,
    pub ready_count: usize,
    pub ready_cents: i64,
    /// Largest group first.
    pub blocked: Vec<BlockedGroup>,
    /// Why no plan could be made (e.g. settings missing); the rows are then unclassified.
    pub plan_error: Option<String>,
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
    let store = state.store();
    let settings = config::effective_settings(store, &state.inner().base_settings).await?;
    let contacts: HashMap<SevdeskId, String> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();

    // The ledger: the latest debit per invoice decides collected/returned.
    let mut latest_debit: HashMap<SevdeskId, (i64, DebitStatus)> = HashMap::new();
    for run in store.collection_runs().await? {
        for debit in store.debits_for_run(run.id).await? {
            let entry = latest_debit
                .entry(debit.invoice_id)
                .or_insert((debit.id, debit.status));
            if debit.id >= entry.0 {
                *entry = (debit.id, debit.status);
            }
        }
    }

    let mut index = InvoiceIndex::default();
    let mut states: HashMap<SevdeskId, RowState> = HashMap::new();
    match collect::plan_collection(store, &settings, super::berlin_now(), None).await {
        Ok(plan) => {
            for debit in &plan.debits {
                states.insert(debit.invoice_id, RowState::Ready);
            }
            for exclusion in &plan.exclusions {
                states.insert(
                    exclusion.invoice_id,
                    RowState::Blocked {
                        code: exclusion.reason.code(),
                        german: exclusion.reason.german(),
                        english: exclusion.reason.english(),
                    },
                );
            }
        }
        Err(error) => index.plan_error = Some(error.to_string()),
    }

    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for invoice in store.open_invoices().await? {
        seen.insert(invoice.id);
        let ledger = latest_debit.get(&invoice.id).map(|(_, status)| *status);
        let state = match ledger {
            Some(DebitStatus::Pending | DebitStatus::Collected) => RowState::Collected,
            Some(DebitStatus::Returned) => RowState::Returned,
            _ => states.remove(&invoice.id).unwrap_or(RowState::Blocked {
                code: "not_planned",
                german: "Nicht geplant.".into(),
                english: "not planned".into(),
            }),
        };
        rows.push(row(&invoice, &contacts, state));
    }
    // Invoices that are no longer open but were debited (paid by the debit, or returned).
    for (invoice_id, (_, status)) in &latest_debit {
        if seen.contains(invoice_id) {
            continue;
        }
        let state = match status {
            DebitStatus::Pending | DebitStatus::Collected => RowState::Collected,
            DebitStatus::Returned => RowState::Returned,
            DebitStatus::Cancelled => continue,
        };
        if let Some(invoice) = store.invoice(*invoice_id).await? {
            rows.push(row(&invoice, &contacts, state));
        }
    }
    rows.sort_by(|a, b| b.due.cmp(&a.due).then(b.id.cmp(&a.id)));

    let mut groups: BTreeMap<&'static str, BlockedGroup> = BTreeMap::new();
    for row in &rows {
        match &row.state {
            RowState::Ready => {
                index.ready_count += 1;
                index.ready_cents += row.open_cents;
            }
            RowState::Blocked {
                code,
                german,
                english,
            } => {
                let title = lastschrift_core::collect::eligibility::reason_title(code);
                let group = groups.entry(code).or_insert_with(|| BlockedGroup {
                    code,
                    german: title.map_or_else(|| german.clone(), |(de, _)| de.to_owned()),
                    english: title.map_or_else(|| english.clone(), |(_, en)| en.to_owned()),
                    count: 0,
                    cents: 0,
                });
                group.count += 1;
                group.cents += row.open_cents;
            }
            _ => {}
        }
    }
    index.blocked = groups.into_values().collect();
    index
        .blocked
        .sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    for row in &rows {
        index.search_starts.push(index.search_text.len());
        index.search_text.push_str(&row.haystack);
        index.search_text.push('\n');
    }
    index.rows = rows;
    Ok(index)
}

impl InvoiceIndex {
    /// Which rows contain `needle` (lower-case) in their number or customer; `None` for an empty
    /// needle (every row matches).
    pub fn search(&self, needle: &str) -> Option<Vec<bool>> {
        let needle = needle.trim();
        if needle.is_empty() {
            return None;
        }
        let mut hits = vec![false; self.rows.len()];
        if needle.contains('\n') {
            return Some(hits);
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        for at in finder.find_iter(self.search_text.as_bytes()) {
            let row = self.search_starts.partition_point(|&start| start <= at) - 1;
            hits[row] = true;
        }
        Some(hits)
    }
}

fn row(
    invoice: &lastschrift_core::store::Invoice,
    contacts: &HashMap<SevdeskId, String>,
    state: RowState,
) -> InvoiceRow {
    let number = invoice
        .number
        .clone()
        .unwrap_or_else(|| format!("#{}", invoice.id));
    let customer = contacts
        .get(&invoice.contact_id)
        .cloned()
        .unwrap_or_else(|| format!("#{}", invoice.contact_id));
    InvoiceRow {
        id: invoice.id,
        haystack: format!("{} {}", number, customer).to_lowercase(),
        number,
        customer,
        due: invoice.due_date,
        open_cents: invoice.open_cents(),
        state,
    }
}

/// The day a mandate lapses (36 months after its last use, or after signing if never used).
pub fn mandate_expiry(mandate: &lastschrift_core::store::Mandate) -> Option<NaiveDate> {
    mandate
        .last_collection
        .or(mandate.signature_date)
        .and_then(|since| since.checked_add_months(chrono::Months::new(36)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> InvoiceIndex {
        let mut index = InvoiceIndex::default();
        for (i, name) in names.iter().enumerate() {
            index.search_starts.push(index.search_text.len());
            index.search_text.push_str(name);
            index.search_text.push('\n');
            index.rows.push(InvoiceRow {
                id: i as i64,
                number: String::new(),
                customer: String::new(),
                haystack: (*name).into(),
                due: None,
                open_cents: 0,
                state: RowState::Ready,
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
}
