//! The only requests this crate can send.
//!
//! [`Endpoint`] is private and is the only input of the request function, which always uses GET.
//! [`check_allowed`] re-checks the finished method, path and query against an explicit
//! allow-list before anything leaves the process, so that a future edit of `Endpoint` cannot
//! reach a writing or side-effecting URL (`getPdf`, `sendByWithRender`, `Export/*`, `enshrine`)
//! without failing the allow-list test.

use chrono::{DateTime, Utc};

use crate::de::Id;
use crate::error::Error;
use crate::model::{CommunicationWayType, CreditNoteStatus, InvoiceStatus, InvoiceType};

/// Largest page sevdesk allows.
pub(crate) const MAX_PAGE_SIZE: u32 = 1000;

/// A page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub offset: u64,
    pub limit: u32,
}

/// Filters for invoice lists. sevdesk ignores filters it does not know and then returns
/// everything, so the client re-checks every condition on each invoice it receives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceQuery {
    pub status: Option<InvoiceStatus>,
    pub contact: Option<Id>,
    pub invoice_type: Option<InvoiceType>,
    pub payment_method: Option<Id>,
    /// Only invoices changed at or after this instant (`updateAfter`, Unix seconds).
    pub updated_after: Option<DateTime<Utc>>,
}

impl InvoiceQuery {
    /// Invoices of one status, e.g. `InvoiceQuery::status(InvoiceStatus::Open)`.
    pub fn status(status: InvoiceStatus) -> Self {
        InvoiceQuery {
            status: Some(status),
            ..InvoiceQuery::default()
        }
    }

    /// The client-side re-check of every filter.
    pub fn matches(&self, invoice: &crate::model::Invoice) -> bool {
        let ref_is = |r: &Option<crate::model::Ref>, want: Option<Id>| match want {
            None => true,
            Some(id) => r.as_ref().is_some_and(|r| r.id == id),
        };
        self.status
            .as_ref()
            .is_none_or(|s| invoice.status.as_ref() == Some(s))
            && self
                .invoice_type
                .as_ref()
                .is_none_or(|t| invoice.invoice_type.as_ref() == Some(t))
            && ref_is(&invoice.contact, self.contact)
            && ref_is(&invoice.payment_method, self.payment_method)
            && updated_at_or_after(invoice.update, self.updated_after)
    }
}

/// Records without an `update` timestamp are kept: we cannot prove they are unchanged.
pub(crate) fn updated_at_or_after(
    update: Option<DateTime<chrono::FixedOffset>>,
    after: Option<DateTime<Utc>>,
) -> bool {
    match (update, after) {
        (_, None) | (None, _) => true,
        // Whole seconds, as sevdesk's timestamps and `updateAfter` have no finer resolution.
        (Some(u), Some(a)) => u.timestamp() >= a.timestamp(),
    }
}

/// The lists we read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum List {
    PaymentMethods,
    Invoices(InvoiceQuery),
    /// Always with `depth=1`: without it sevdesk silently omits persons.
    Contacts {
        updated_after: Option<DateTime<Utc>>,
    },
    ContactAddresses {
        updated_after: Option<DateTime<Utc>>,
    },
    CommunicationWays {
        kind: Option<CommunicationWayType>,
        updated_after: Option<DateTime<Utc>>,
    },
    ContactCustomFields {
        updated_after: Option<DateTime<Utc>>,
    },
    ContactCustomFieldSettings,
    /// `Category?objectType=ContactAddress`.
    AddressCategories,
    StaticCountries,
    CreditNotes {
        status: Option<CreditNoteStatus>,
        updated_after: Option<DateTime<Utc>>,
    },
}

impl List {
    pub(crate) fn path(&self) -> &'static str {
        match self {
            List::PaymentMethods => "/PaymentMethod",
            List::Invoices(_) => "/Invoice",
            List::Contacts { .. } => "/Contact",
            List::ContactAddresses { .. } => "/ContactAddress",
            List::CommunicationWays { .. } => "/CommunicationWay",
            List::ContactCustomFields { .. } => "/ContactCustomField",
            List::ContactCustomFieldSettings => "/ContactCustomFieldSetting",
            List::AddressCategories => "/Category",
            List::StaticCountries => "/StaticCountry",
            List::CreditNotes { .. } => "/CreditNote",
        }
    }

    fn filters(&self, q: &mut Vec<(&'static str, String)>) {
        let since = |q: &mut Vec<(&'static str, String)>, t: &Option<DateTime<Utc>>| {
            // One second early: whether sevdesk compares with > or >= is unverified, and the
            // exact bound is re-checked on our side anyway.
            if let Some(t) = t {
                q.push(("updateAfter", (t.timestamp() - 1).to_string()));
            }
        };
        match self {
            List::PaymentMethods | List::ContactCustomFieldSettings | List::StaticCountries => {}
            List::Invoices(f) => {
                if let Some(s) = &f.status {
                    q.push(("status", s.code().to_owned()));
                }
                if let Some(id) = f.contact {
                    q.push(("contact[id]", id.to_string()));
                    q.push(("contact[objectName]", "Contact".into()));
                }
                if let Some(t) = &f.invoice_type {
                    q.push(("invoiceType", t.code().to_owned()));
                }
                if let Some(id) = f.payment_method {
                    q.push(("paymentMethod[id]", id.to_string()));
                    q.push(("paymentMethod[objectName]", "PaymentMethod".into()));
                }
                since(q, &f.updated_after);
            }
            List::Contacts { updated_after } => {
                q.push(("depth", "1".into()));
                since(q, updated_after);
            }
            List::ContactAddresses { updated_after }
            | List::ContactCustomFields { updated_after } => since(q, updated_after),
            List::CommunicationWays {
                kind,
                updated_after,
            } => {
                if let Some(k) = kind {
                    q.push(("type", k.code().to_owned()));
                }
                since(q, updated_after);
            }
            List::AddressCategories => q.push(("objectType", "ContactAddress".into())),
            List::CreditNotes {
                status,
                updated_after,
            } => {
                if let Some(s) = status {
                    q.push(("status", s.code().to_owned()));
                }
                since(q, updated_after);
            }
        }
    }
}

/// Every request the client can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    BookkeepingSystemVersion,
    Invoice(Id),
    InvoiceIsPartiallyPaid(Id),
    Contact(Id),
    List(List, Page),
}

impl Endpoint {
    pub(crate) fn path(&self) -> String {
        match self {
            Endpoint::BookkeepingSystemVersion => "/Tools/bookkeepingSystemVersion".into(),
            Endpoint::Invoice(id) => format!("/Invoice/{id}"),
            Endpoint::InvoiceIsPartiallyPaid(id) => format!("/Invoice/{id}/getIsPartiallyPaid"),
            Endpoint::Contact(id) => format!("/Contact/{id}"),
            Endpoint::List(list, _) => list.path().into(),
        }
    }

    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        match self {
            Endpoint::List(list, page) => {
                q.push(("limit", page.limit.to_string()));
                q.push(("offset", page.offset.to_string()));
                q.push(("countAll", "true".into()));
                list.filters(&mut q);
            }
            // By-id reads of contacts also include persons only with depth=1.
            Endpoint::Contact(_) => q.push(("depth", "1".into())),
            _ => {}
        }
        q
    }
}

/// Query parameters we ever send. Everything else (`embed`, `preventSendBy`, `enshrine…`) is
/// refused.
const ALLOWED_QUERY_KEYS: &[&str] = &[
    "limit",
    "offset",
    "countAll",
    "depth",
    "status",
    "contact[id]",
    "contact[objectName]",
    "invoiceType",
    "paymentMethod[id]",
    "paymentMethod[objectName]",
    "updateAfter",
    "type",
    "objectType",
];

/// The allow-list: GET only, on these paths only (relative to the base URL).
pub(crate) fn check_allowed(
    method: &str,
    path: &str,
    query: &[(&'static str, String)],
) -> Result<(), Error> {
    let refuse = || {
        Err(Error::NotAllowed {
            method: method.to_owned(),
            path: path.to_owned(),
        })
    };
    if method != "GET" {
        return refuse();
    }
    let segments: Vec<&str> = match path.strip_prefix('/') {
        Some(rest) => rest.split('/').collect(),
        None => return refuse(),
    };
    let is_id = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let path_ok = match segments.as_slice() {
        ["Tools", "bookkeepingSystemVersion"]
        | ["PaymentMethod"]
        | ["Invoice"]
        | ["Contact"]
        | ["ContactAddress"]
        | ["CommunicationWay"]
        | ["ContactCustomField"]
        | ["ContactCustomFieldSetting"]
        | ["Category"]
        | ["StaticCountry"]
        | ["CreditNote"] => true,
        ["Invoice", id] | ["Contact", id] => is_id(id),
        ["Invoice", id, "getIsPartiallyPaid"] => is_id(id),
        _ => false,
    };
    if !path_ok {
        return refuse();
    }
    for (key, value) in query {
        let bad_value =
            value.to_ascii_lowercase().contains("enshrine") || value.contains(['&', '?', '#', '/']);
        if !ALLOWED_QUERY_KEYS.contains(key) || bad_value {
            return refuse();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_endpoint() -> Vec<Endpoint> {
        let page = Page {
            offset: 2000,
            limit: 1000,
        };
        let t = DateTime::from_timestamp(1_767_222_000, 0);
        let lists = vec![
            List::PaymentMethods,
            List::Invoices(InvoiceQuery {
                status: Some(InvoiceStatus::PartiallyPaid),
                contact: Some(Id(5)),
                invoice_type: Some(InvoiceType::Invoice),
                payment_method: Some(Id(21920)),
                updated_after: t,
            }),
            List::Invoices(InvoiceQuery::default()),
            List::Contacts { updated_after: t },
            List::ContactAddresses { updated_after: t },
            List::CommunicationWays {
                kind: Some(CommunicationWayType::Email),
                updated_after: t,
            },
            List::ContactCustomFields { updated_after: t },
            List::ContactCustomFieldSettings,
            List::AddressCategories,
            List::StaticCountries,
            List::CreditNotes {
                status: Some(CreditNoteStatus::Open),
                updated_after: t,
            },
        ];
        let mut all = vec![
            Endpoint::BookkeepingSystemVersion,
            Endpoint::Invoice(Id(135169163)),
            Endpoint::InvoiceIsPartiallyPaid(Id(135169163)),
            Endpoint::Contact(Id(138615465)),
        ];
        all.extend(lists.into_iter().map(|l| Endpoint::List(l, page)));
        all
    }

    #[test]
    fn every_endpoint_passes_the_allow_list() {
        for ep in every_endpoint() {
            check_allowed("GET", &ep.path(), &ep.query())
                .unwrap_or_else(|e| panic!("{ep:?} refused: {e}"));
        }
    }

    #[test]
    fn contacts_are_always_read_with_depth_1() {
        for ep in every_endpoint() {
            if ep.path().starts_with("/Contact/") || ep.path() == "/Contact" {
                assert!(ep.query().contains(&("depth", "1".into())), "{ep:?}");
            }
        }
    }

    #[test]
    fn the_allow_list_refuses_everything_else() {
        let refused_paths = [
            "/Invoice/1/getPdf",
            "/Invoice/1/getXml",
            "/Invoice/1/enshrine",
            "/Invoice/1/sendBy",
            "/Invoice/1/bookAmount",
            "/Invoice/1/cancelInvoice",
            "/Invoice/1/render",
            "/Invoice/1/resetToOpen",
            "/Invoice/Factory/saveInvoice",
            "/Invoice/abc",
            "/Invoice/",
            "/Invoice/1/",
            "/Invoice/../Export/datevCSV",
            "/CreditNote/1/getPdf",
            "/CreditNote/1/sendByWithRender",
            "/CreditNote/1",
            "/Export/datevCSV",
            "/Export/createDatevCsvZipExportJob",
            "/Progress/getProgress",
            "/ExportJob/jobDownloadInfo",
            "/Report/invoice",
            "/Contact/1/getTabsItemCount",
            "/Contact/Factory/findContactsByCustomFieldValue",
            "/Contact/Mapper/checkCustomerNumberAvailability",
            "/ContactAddress/1",
            "/CheckAccountTransaction",
            "/Voucher",
            "/SevClient/1/updateExportConfig",
            "/Tools/bookkeepingSystemVersion/x",
            "Invoice",
            "",
            "/",
        ];
        for path in refused_paths {
            assert!(
                matches!(
                    check_allowed("GET", path, &[]),
                    Err(Error::NotAllowed { .. })
                ),
                "GET {path} must be refused"
            );
        }
        for method in ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get"] {
            for ep in every_endpoint() {
                assert!(
                    check_allowed(method, &ep.path(), &ep.query()).is_err(),
                    "{method} {} must be refused",
                    ep.path()
                );
            }
        }
        let refused_queries: &[&[(&'static str, String)]] = &[
            &[("preventSendBy", "true".into())],
            &[("embed", "contact".into())],
            &[("enshrine", "true".into())],
            &[("enshrineDocuments", "1".into())],
            &[("status", "enshrine".into())],
            &[("token", "x".into())],
            &[("status", "200&enshrine=1".into())],
        ];
        for q in refused_queries {
            assert!(check_allowed("GET", "/Invoice", q).is_err(), "{q:?}");
        }
    }
}
