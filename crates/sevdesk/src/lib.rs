//! Read-only sevdesk API client.
//!
//! The client can send nothing but GET requests to an explicit allow-list of paths (see the
//! private `endpoint` module): every request goes through one function that takes a private enum
//! of endpoints, and the finished method, path and query are checked against the allow-list
//! once more before sending. Side-effecting GETs (`getPdf`, `sendByWithRender`, `Export/*`,
//! anything with `enshrine`) are unreachable. Every request is recorded in a [`RequestLog`].
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

pub use client::{Client, ClientConfig, RetryPolicy, SEVDESK_BASE_URL, Snapshot};
pub use de::Id;
pub use endpoint::InvoiceQuery;
pub use error::Error;
pub use log::{RequestLog, RequestRecord};
pub use model::{
    BookkeepingSystemVersion, Category, CommunicationWay, CommunicationWayType, Contact,
    ContactAddress, ContactCustomField, ContactCustomFieldSetting, ContactStatus, CreditNote,
    CreditNoteStatus, Invoice, InvoiceStatus, InvoiceType, PaymentMethod, Ref, StaticCountry,
};
pub use token::ApiToken;
