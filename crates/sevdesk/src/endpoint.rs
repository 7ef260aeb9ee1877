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

/// The sevdesk endpoints this crate can read, for callers that need to know which endpoint a
/// failure belongs to ([`Error::endpoint`]) or to go on without an optional one
/// ([`ApiEndpoint::is_optional`], [`crate::ReadOptions`]).
///
/// `Display` shows the path template, e.g. `/PaymentMethod` or `/Invoice/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ApiEndpoint {
    /// `GET /Tools/bookkeepingSystemVersion`: the token check.
    BookkeepingSystemVersion,
    /// `GET /PaymentMethod` (undocumented in sevdesk's OpenAPI document).
    PaymentMethods,
    /// `GET /Invoice` (list).
    Invoices,
    /// `GET /Invoice/{id}` (one invoice).
    Invoice,
    /// `GET /Invoice/{id}/getIsPartiallyPaid` (one invoice).
    InvoiceIsPartiallyPaid,
    /// `GET /Contact` (list).
    Contacts,
    /// `GET /Contact/{id}` (one contact).
    Contact,
    /// `GET /ContactAddress` (list).
    ContactAddresses,
    /// `GET /CommunicationWay` (list).
    CommunicationWays,
    /// `GET /ContactCustomField` (list).
    ContactCustomFields,
    /// `GET /ContactCustomFieldSetting` (list).
    ContactCustomFieldSettings,
    /// `GET /Category?objectType=ContactAddress` (list, undocumented).
    AddressCategories,
    /// `GET /StaticCountry` (list, undocumented).
    StaticCountries,
    /// `GET /CreditNote` (list).
    CreditNotes,
}

impl ApiEndpoint {
    /// Every endpoint, in the order above.
    pub const ALL: [ApiEndpoint; 14] = [
        ApiEndpoint::BookkeepingSystemVersion,
        ApiEndpoint::PaymentMethods,
        ApiEndpoint::Invoices,
        ApiEndpoint::Invoice,
        ApiEndpoint::InvoiceIsPartiallyPaid,
        ApiEndpoint::Contacts,
        ApiEndpoint::Contact,
        ApiEndpoint::ContactAddresses,
        ApiEndpoint::CommunicationWays,
        ApiEndpoint::ContactCustomFields,
        ApiEndpoint::ContactCustomFieldSettings,
        ApiEndpoint::AddressCategories,
        ApiEndpoint::StaticCountries,
        ApiEndpoint::CreditNotes,
    ];

    /// The path template relative to the base URL, e.g. `/PaymentMethod`, `/Invoice/{id}`.
    pub fn path(self) -> &'static str {
        match self {
            ApiEndpoint::BookkeepingSystemVersion => "/Tools/bookkeepingSystemVersion",
            ApiEndpoint::PaymentMethods => "/PaymentMethod",
            ApiEndpoint::Invoices => "/Invoice",
            ApiEndpoint::Invoice => "/Invoice/{id}",
            ApiEndpoint::InvoiceIsPartiallyPaid => "/Invoice/{id}/getIsPartiallyPaid",
            ApiEndpoint::Contacts => "/Contact",
            ApiEndpoint::Contact => "/Contact/{id}",
            ApiEndpoint::ContactAddresses => "/ContactAddress",
            ApiEndpoint::CommunicationWays => "/CommunicationWay",
            ApiEndpoint::ContactCustomFields => "/ContactCustomField",
            ApiEndpoint::ContactCustomFieldSettings => "/ContactCustomFieldSetting",
            ApiEndpoint::AddressCategories => "/Category",
            ApiEndpoint::StaticCountries => "/StaticCountry",
            ApiEndpoint::CreditNotes => "/CreditNote",
        }
    }

    /// True for the reads of one record by its id (`/Invoice/{id}`, `/Contact/{id}`,
    /// `/Invoice/{id}/getIsPartiallyPaid`): there a 404 means the record is gone
    /// ([`Error::NotFound`]). Everywhere else a 404 means sevdesk does not offer the endpoint
    /// ([`Error::EndpointUnavailable`]).
    pub fn reads_one_record(self) -> bool {
        matches!(
            self,
            ApiEndpoint::Invoice | ApiEndpoint::InvoiceIsPartiallyPaid | ApiEndpoint::Contact
        )
    }

    /// True for the list (collection) endpoints, read page by page.
    pub fn is_list(self) -> bool {
        !self.reads_one_record() && self != ApiEndpoint::BookkeepingSystemVersion
    }

    /// True for an endpoint a caller may go on without, with a warning, when sevdesk does not
    /// offer it ([`Error::EndpointUnavailable`]). Only `/PaymentMethod`: it is not in sevdesk's
    /// OpenAPI document, and which payment methods mean direct debit can come from the
    /// caller's own settings instead. (See [`crate::ReadOptions::payment_methods_optional`].)
    pub fn is_optional(self) -> bool {
        self == ApiEndpoint::PaymentMethods
    }

    /// The endpoint a concrete request path belongs to (`/Invoice/135169163` →
    /// [`ApiEndpoint::Invoice`]); `None` for a path the client never requests.
    pub fn from_path(path: &str) -> Option<ApiEndpoint> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        let is_id =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        Some(match segments.as_slice() {
            ["Tools", "bookkeepingSystemVersion"] => ApiEndpoint::BookkeepingSystemVersion,
            ["PaymentMethod"] => ApiEndpoint::PaymentMethods,
            ["Invoice"] => ApiEndpoint::Invoices,
            ["Invoice", id] if is_id(id) => ApiEndpoint::Invoice,
            ["Invoice", id, "getIsPartiallyPaid"] if is_id(id) => {
                ApiEndpoint::InvoiceIsPartiallyPaid
            }
            ["Contact"] => ApiEndpoint::Contacts,
            ["Contact", id] if is_id(id) => ApiEndpoint::Contact,
            ["ContactAddress"] => ApiEndpoint::ContactAddresses,
            ["CommunicationWay"] => ApiEndpoint::CommunicationWays,
            ["ContactCustomField"] => ApiEndpoint::ContactCustomFields,
            ["ContactCustomFieldSetting"] => ApiEndpoint::ContactCustomFieldSettings,
            ["Category"] => ApiEndpoint::AddressCategories,
            ["StaticCountry"] => ApiEndpoint::StaticCountries,
            ["CreditNote"] => ApiEndpoint::CreditNotes,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ApiEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path())
    }
}

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
    pub(crate) fn api(&self) -> ApiEndpoint {
        match self {
            List::PaymentMethods => ApiEndpoint::PaymentMethods,
            List::Invoices(_) => ApiEndpoint::Invoices,
            List::Contacts { .. } => ApiEndpoint::Contacts,
            List::ContactAddresses { .. } => ApiEndpoint::ContactAddresses,
            List::CommunicationWays { .. } => ApiEndpoint::CommunicationWays,
            List::ContactCustomFields { .. } => ApiEndpoint::ContactCustomFields,
            List::ContactCustomFieldSettings => ApiEndpoint::ContactCustomFieldSettings,
            List::AddressCategories => ApiEndpoint::AddressCategories,
            List::StaticCountries => ApiEndpoint::StaticCountries,
            List::CreditNotes { .. } => ApiEndpoint::CreditNotes,
        }
    }

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
    pub(crate) fn api(&self) -> ApiEndpoint {
        match self {
            Endpoint::BookkeepingSystemVersion => ApiEndpoint::BookkeepingSystemVersion,
            Endpoint::Invoice(_) => ApiEndpoint::Invoice,
            Endpoint::InvoiceIsPartiallyPaid(_) => ApiEndpoint::InvoiceIsPartiallyPaid,
            Endpoint::Contact(_) => ApiEndpoint::Contact,
            Endpoint::List(list, _) => list.api(),
        }
    }

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
    fn every_endpoint_knows_its_public_name_and_back() {
        let mut seen = std::collections::BTreeSet::new();
        for ep in every_endpoint() {
            let api = ep.api();
            seen.insert(api);
            assert_eq!(ApiEndpoint::from_path(&ep.path()), Some(api), "{ep:?}");
            let path = ep.path();
            let template: Vec<&str> = path
                .split('/')
                .map(|seg| {
                    if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                        "{id}"
                    } else {
                        seg
                    }
                })
                .collect();
            assert_eq!(template.join("/"), api.path(), "{ep:?}");
            assert_eq!(api.is_list(), matches!(ep, Endpoint::List(..)), "{ep:?}");
        }
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            ApiEndpoint::ALL.to_vec()
        );
        assert_eq!(ApiEndpoint::from_path("/Invoice/1/getPdf"), None);
        assert_eq!(ApiEndpoint::from_path("/Invoice/abc"), None);
        assert_eq!(ApiEndpoint::from_path("Invoice"), None);
        let optional: Vec<ApiEndpoint> = ApiEndpoint::ALL
            .into_iter()
            .filter(|e| e.is_optional())
            .collect();
        assert_eq!(optional, [ApiEndpoint::PaymentMethods]);
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
