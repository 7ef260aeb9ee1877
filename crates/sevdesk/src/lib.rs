//! Read-only sevdesk API client.
//!
//! The client can send nothing but GET requests to an explicit allow-list of paths (see the
//! private `endpoint` module): every request goes through one function that takes a private enum
//! of endpoints, and the finished method, path and query are checked against the allow-list
//! once more before sending. Side-effecting GETs (`getPdf`, `sendByWithRender`, `Export/*`,
//! anything with `enshrine`) are unreachable. Every request is recorded in a [`RequestLog`].
//!
//! # What it reads
//!
//! [`Client::read_all`] reads everything the application needs in bulk, concurrently within
//! [`ClientConfig::max_concurrency`] (default 4): bookkeeping system version, payment methods,
//! open invoices (status 200 and 750, one request series each), all contacts (`depth=1`, so
//! persons too), all addresses, all EMAIL communication ways, custom fields and their settings,
//! address categories, countries and open credit notes (status 200 and 750) — one request per page of 1000, nothing
//! per contact. [`Client::read_changes`] reads what changed since a given instant
//! (`updateAfter`). [`Client::invoice`] re-reads one invoice before export.
//!
//! # Paging and filters
//!
//! Lists are read with `limit=1000&offset=…&countAll=true`; with the `total` of the first page
//! the remaining pages are fetched concurrently. Records are de-duplicated by id and returned
//! sorted by id. If the pages add up to fewer records than `total` (records deleted while we
//! paged), the list is read once more; a failed page fails the whole call, so a partial list is
//! never returned. sevdesk ignores filters it does not know and then returns everything, so
//! every filter (status, contact, type, payment method, `updateAfter`) is re-checked here.
//! `embed` is never sent.
//!
//! # Errors and retries
//!
//! 429 (honouring `Retry-After` up to [`RetryPolicy::max_retry_after`]), 5xx, timeouts,
//! connection failures and cut-off bodies are retried [`RetryPolicy::max_retries`] times with
//! exponential backoff and jitter. 401 (also inside an HTTP 200 error envelope), 403, 404,
//! 400/422, error envelopes, HTML pages and malformed JSON are not. Every [`Error`] has a
//! technical `Display` for the log and [`Error::user_message`] for the bookkeeper; neither
//! contains the token. Redirects are not followed (they could lead off the allow-list).
//!
//! A 404 means a deleted record ([`Error::NotFound`]) only on a read of one record by id; on a
//! list or the version check it means sevdesk does not offer the endpoint
//! ([`Error::EndpointUnavailable`], naming it). [`Error::endpoint`] tells which
//! [`ApiEndpoint`] any failure belongs to. `/PaymentMethod` is the one endpoint a caller may go
//! on without ([`ApiEndpoint::is_optional`]): [`Client::read_all_with`] with
//! [`ReadOptions::payment_methods_optional`] then lists it in [`Snapshot::unavailable`].
//! A parse error ([`Error::Malformed`]) names the endpoint, the field and the record's id, in
//! the log and in the bookkeeper's sentence.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sevdesk::Error> {
//! use sevdesk::{ApiToken, Client, ClientConfig};
//! let client = Client::new(ClientConfig::new(ApiToken::new("0123456789abcdef0123456789abcdef")?))?;
//! let snapshot = client.read_all().await?;
//! println!("{} open invoices", snapshot.invoices.len());
//! # Ok(()) }
//! ```

mod client;
mod de;
mod endpoint;
mod error;
mod log;
mod model;
mod token;

#[cfg(all(test, feature = "reference"))]
mod reference;

pub use client::{Client, ClientConfig, ReadOptions, RetryPolicy, SEVDESK_BASE_URL, Snapshot};
pub use de::Id;
pub use endpoint::{ApiEndpoint, InvoiceQuery};
pub use error::Error;
pub use log::{RequestLog, RequestRecord};
pub use model::{
    BookkeepingSystemVersion, Category, CommunicationWay, CommunicationWayType, Contact,
    ContactAddress, ContactCustomField, ContactCustomFieldSetting, ContactStatus, CreditNote,
    CreditNoteStatus, Invoice, InvoiceStatus, InvoiceType, PaymentMethod, Ref, StaticCountry,
};
pub use token::ApiToken;
