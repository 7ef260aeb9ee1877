//! Where every invoice stands — ready, blocked (with the reason), collected, returned — and the
//! figures the dashboard shows. Built from the collection planner over every open invoice (the
//! same plan as the preview and the dry run) and the ledger.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::collect::{self, CollectionPlan};
use lastschrift_store::{
    DebitStatus, Invoice, Mandate, MandateStatus, SevdeskId, Store, StoreError,
};

/// Where an invoice stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InvoiceState {
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

impl InvoiceState {
    /// The filter name (`ready`, `blocked`, `collected`, `returned`).
    pub fn filter(&self) -> &'static str {
        match self {
            InvoiceState::Ready => "ready",
            InvoiceState::Blocked { .. } => "blocked",
            InvoiceState::Collected => "collected",
            InvoiceState::Returned => "returned",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvoiceLine {
    pub id: SevdeskId,
    /// The invoice number, or `#<sevdesk id>` when it has none.
    pub number: String,
    /// The contact's name, or `#<contact id>` when the contact is not synced.
    pub customer: String,
    pub due: Option<NaiveDate>,
    pub open_cents: i64,
    pub state: InvoiceState,
}

/// Blocked invoices of one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlockedGroup {
    pub code: &'static str,
    /// The heading of the reason ([`collect::eligibility::reason_title`]).
    pub german: String,
    pub english: String,
    pub count: usize,
    pub cents: i64,
}

/// Every invoice the UI lists, classified, plus the dashboard figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InvoiceOverview {
    /// Newest due date first.
    pub lines: Vec<InvoiceLine>,
    pub ready_count: usize,
    pub ready_cents: i64,
    /// Largest group first.
    pub blocked: Vec<BlockedGroup>,
    /// Why no plan could be made (e.g. no creditor yet), in German and English; the open invoices
    /// are then listed as "not planned".
    pub plan_error: Option<(String, String)>,
}

pub(crate) async fn build(
    store: &dyn Store,
    plan: Result<CollectionPlan, crate::CoreError>,
) -> Result<InvoiceOverview, StoreError> {
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

    let mut overview = InvoiceOverview::default();
    let mut states: HashMap<SevdeskId, InvoiceState> = HashMap::new();
    match plan {
        Ok(plan) => {
            for debit in &plan.debits {
                states.insert(debit.invoice_id, InvoiceState::Ready);
            }
            for exclusion in &plan.exclusions {
                states.insert(
                    exclusion.invoice_id,
                    InvoiceState::Blocked {
                        code: exclusion.reason.code(),
                        german: exclusion.reason.german(),
                        english: exclusion.reason.english(),
                    },
                );
            }
        }
        Err(error) => overview.plan_error = Some((error.german(), error.to_string())),
    }

    let mut lines = Vec::new();
    let mut seen = HashSet::new();
    for invoice in store.open_invoices().await? {
        seen.insert(invoice.id);
        let ledger = latest_debit.get(&invoice.id).map(|(_, status)| *status);
        let state = match ledger {
            Some(DebitStatus::Pending | DebitStatus::Collected) => InvoiceState::Collected,
            Some(DebitStatus::Returned) => InvoiceState::Returned,
            _ => states.remove(&invoice.id).unwrap_or(InvoiceState::Blocked {
                code: "not_planned",
                german: "Nicht geplant.".into(),
                english: "not planned".into(),
            }),
        };
        lines.push(line(&invoice, &contacts, state));
    }
    // Invoices that are no longer open but were debited (paid by the debit, or returned).
    for (invoice_id, (_, status)) in &latest_debit {
        if seen.contains(invoice_id) {
            continue;
        }
        let state = match status {
            DebitStatus::Pending | DebitStatus::Collected => InvoiceState::Collected,
            DebitStatus::Returned => InvoiceState::Returned,
            DebitStatus::Cancelled | DebitStatus::Rejected => continue,
        };
        if let Some(invoice) = store.invoice(*invoice_id).await? {
            lines.push(line(&invoice, &contacts, state));
        }
    }
    lines.sort_by(|a, b| b.due.cmp(&a.due).then(b.id.cmp(&a.id)));

    let mut groups: BTreeMap<&'static str, BlockedGroup> = BTreeMap::new();
    for line in &lines {
        match &line.state {
            InvoiceState::Ready => {
                overview.ready_count += 1;
                overview.ready_cents += line.open_cents;
            }
            InvoiceState::Blocked {
                code,
                german,
                english,
            } => {
                let title = collect::eligibility::reason_title(code);
                let group = groups.entry(code).or_insert_with(|| BlockedGroup {
                    code,
                    german: title.map_or_else(|| german.clone(), |(de, _)| de.to_owned()),
                    english: title.map_or_else(|| english.clone(), |(_, en)| en.to_owned()),
                    count: 0,
                    cents: 0,
                });
                group.count += 1;
                group.cents += line.open_cents;
            }
            _ => {}
        }
    }
    overview.blocked = groups.into_values().collect();
    overview
        .blocked
        .sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    overview.lines = lines;
    Ok(overview)
}

fn line(
    invoice: &Invoice,
    contacts: &HashMap<SevdeskId, String>,
    state: InvoiceState,
) -> InvoiceLine {
    InvoiceLine {
        id: invoice.id,
        number: invoice
            .number
            .clone()
            .unwrap_or_else(|| format!("#{}", invoice.id)),
        customer: contacts
            .get(&invoice.contact_id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", invoice.contact_id)),
        due: invoice.due_date,
        open_cents: invoice.open_cents(),
        state,
    }
}

/// The day a mandate lapses (36 months after its last use, or after signing if never used).
pub fn mandate_expiry(mandate: &Mandate) -> Option<NaiveDate> {
    mandate
        .last_collection
        .or(mandate.signature_date)
        .and_then(|since| since.checked_add_months(chrono::Months::new(36)))
}

/// An active mandate that lapses soon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpiringMandate {
    pub reference: String,
    pub contact_name: Option<String>,
    pub expires_on: NaiveDate,
}

/// Active mandates that lapse within `days` of `today`, soonest first.
pub(crate) async fn expiring_mandates(
    store: &dyn Store,
    today: NaiveDate,
    days: i64,
) -> Result<Vec<ExpiringMandate>, StoreError> {
    let contacts: HashMap<SevdeskId, String> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();
    let mut expiring: Vec<ExpiringMandate> = store
        .mandates()
        .await?
        .into_iter()
        .filter(|m| m.status == MandateStatus::Active && !m.is_expired(today))
        .filter_map(|m| {
            let expires_on = mandate_expiry(&m)?;
            ((expires_on - today).num_days() <= days).then(|| ExpiringMandate {
                contact_name: contacts.get(&m.contact_id).cloned(),
                reference: m.reference,
                expires_on,
            })
        })
        .collect();
    expiring.sort_by_key(|m| m.expires_on);
    Ok(expiring)
}
