//! The HTTP core: one GET function over [`Endpoint`], retries, paging and the public operations.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;
use rand::Rng;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio::sync::Semaphore;

use crate::de::{self, Id, OneOrMany};
use crate::endpoint::{
    ApiEndpoint, Endpoint, InvoiceQuery, List, MAX_PAGE_SIZE, Page, check_allowed,
    updated_at_or_after,
};
use crate::error::Error;
use crate::log::{RequestLog, RequestRecord};
use crate::model::{
    BookkeepingSystemVersion, Category, CommunicationWay, CommunicationWayType, Contact,
    ContactAddress, ContactCustomField, ContactCustomFieldSetting, CreditNote, CreditNoteStatus,
    HasId, Invoice, InvoiceStatus, PaymentMethod, StaticCountry,
};
use crate::token::ApiToken;

/// The real sevdesk API.
pub const SEVDESK_BASE_URL: &str = "https://my.sevdesk.de/api/v1";

/// Answers larger than this are refused (1000 invoices are about 3 MB).
const MAX_BODY_BYTES: usize = 128 * 1024 * 1024;

/// How failed requests are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each further retry, with random jitter.
    pub initial_backoff: Duration,
    /// Upper bound of the backoff.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails with
    /// [`Error::RateLimited`] at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_backoff);
        // "Equal jitter": half fixed, half random, so parallel clients spread out.
        let half = exp / 2;
        let jitter = if half.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_nanos(
                rand::rng().random_range(0..=u64::try_from(half.as_nanos()).unwrap_or(u64::MAX)),
            )
        };
        let backoff = half + jitter;
        retry_after.map_or(backoff, |ra| ra.max(backoff))
    }
}

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API base URL without trailing slash, e.g. [`SEVDESK_BASE_URL`] or the sandbox's URL.
    /// Plain `http` is accepted only for loopback addresses, unless `allow_plain_http` is set.
    pub base_url: String,
    /// Accept a plain `http` base URL on another host (e.g. the sandbox in another container).
    /// The token then travels unencrypted; never set this for the real sevdesk.
    pub allow_plain_http: bool,
    pub token: ApiToken,
    pub user_agent: String,
    /// Limit for one whole request, answer body included. A hung server fails after this.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// Requests in flight at once, over all operations of this client (sevdesk-api.md §12: ≤ 4).
    pub max_concurrency: usize,
    /// Objects per page, 1 … 1000.
    pub page_size: u32,
    pub retry: RetryPolicy,
    /// Records kept in the request log.
    pub request_log_capacity: usize,
}

impl ClientConfig {
    /// Defaults for the real sevdesk API.
    pub fn new(token: ApiToken) -> Self {
        ClientConfig {
            base_url: SEVDESK_BASE_URL.into(),
            allow_plain_http: false,
            token,
            user_agent: format!(
                "lastschrift/{} (read-only SEPA export)",
                env!("CARGO_PKG_VERSION")
            ),
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_concurrency: 4,
            page_size: MAX_PAGE_SIZE,
            retry: RetryPolicy::default(),
            request_log_capacity: 10_000,
        }
    }

    /// The same settings against another base URL (e.g. the sandbox).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }
}

/// What one `read_all` or `read_changes` call read.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// When the read started; pass it (or a little earlier) as `since` of the next
    /// [`Client::read_changes`].
    pub started_at: DateTime<Utc>,
    /// `None` for a full read; `Some(since)` for an incremental one.
    pub updated_after: Option<DateTime<Utc>>,
    pub bookkeeping_system_version: String,
    pub payment_methods: Vec<PaymentMethod>,
    /// Full read: the open invoices (status 200 and 750). Incremental read: every invoice changed
    /// since `updated_after`, whatever its status, so that invoices paid or cancelled meanwhile
    /// show up too.
    pub invoices: Vec<Invoice>,
    /// All contacts (organisations and persons), or those changed since.
    pub contacts: Vec<Contact>,
    pub contact_addresses: Vec<ContactAddress>,
    /// Communication ways of type EMAIL only.
    pub email_addresses: Vec<CommunicationWay>,
    pub custom_fields: Vec<ContactCustomField>,
    pub custom_field_settings: Vec<ContactCustomFieldSetting>,
    /// Categories of `objectType` ContactAddress.
    pub address_categories: Vec<Category>,
    pub countries: Vec<StaticCountry>,
    /// Full read: the open credit notes (status 200 and 750). Incremental read: every credit note changed
    /// since `updated_after`.
    pub credit_notes: Vec<CreditNote>,
    /// Optional endpoints that sevdesk does not offer (HTTP 404, [`Error::EndpointUnavailable`])
    /// and that the read went on without because its [`ReadOptions`] allowed it; their lists
    /// above are empty. Always empty for [`Client::read_all`] and [`Client::read_changes`],
    /// which fail instead.
    pub unavailable: Vec<ApiEndpoint>,
}

/// What [`Client::read_all_with`] and [`Client::read_changes_with`] may go on without.
/// The default is to go on without nothing, as [`Client::read_all`] does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    payment_methods_optional: bool,
}

impl ReadOptions {
    /// Nothing optional: every endpoint must answer.
    pub fn new() -> Self {
        ReadOptions::default()
    }

    /// When sevdesk answers `GET /PaymentMethod` with 404 ([`Error::EndpointUnavailable`]),
    /// read everything else, leave [`Snapshot::payment_methods`] empty and list
    /// [`ApiEndpoint::PaymentMethods`] in [`Snapshot::unavailable`]. Only for a caller that
    /// knows the direct-debit payment methods from elsewhere (its own settings). Any other
    /// failure of that endpoint (401, 5xx, malformed data, …) still fails the read.
    pub fn payment_methods_optional(mut self) -> Self {
        self.payment_methods_optional = true;
        self
    }

    /// Whether the read may go on without `endpoint` when sevdesk does not offer it.
    pub fn allows_unavailable(&self, endpoint: ApiEndpoint) -> bool {
        endpoint == ApiEndpoint::PaymentMethods && self.payment_methods_optional
    }
}

/// The read-only sevdesk client. Cheap to clone; clones share the connection pool, the
/// concurrency limit and the request log.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    config: ClientConfig,
    permits: Semaphore,
    /// After a 429 no request of this client is sent before this instant: the other pages in
    /// flight would only provoke more 429s (and risk sevdesk blocking the token).
    paused_until: std::sync::Mutex<Option<tokio::time::Instant>>,
    log: RequestLog,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Parsed sevdesk answer.
pub(crate) struct Answer<T> {
    pub(crate) objects: Option<T>,
    pub(crate) total: Option<u64>,
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(default, borrow)]
    objects: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "de::opt_count")]
    total: Option<u64>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// `{"objects": true}` of `getIsPartiallyPaid`.
struct Flag(Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::opt_bool(d).map(Flag)
    }
}

/// Why an attempt may be retried.
pub(crate) enum Retryable {
    RateLimited(Option<Duration>),
    Server(u16),
    Timeout,
    Connection(String),
    Truncated(u16, String),
}

pub(crate) enum Outcome<T> {
    Done(Result<Answer<T>, Error>),
    Retry(Retryable),
}

impl Client {
    /// Checks the configuration and builds the HTTP client. Sends nothing.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let invalid = |detail: String| Error::InvalidConfig { detail };
        let base = parse_base_url(&config.base_url, config.allow_plain_http)?;
        if !(1..=MAX_PAGE_SIZE).contains(&config.page_size) {
            return Err(invalid(format!(
                "the page size must be between 1 and {MAX_PAGE_SIZE}, not {}",
                config.page_size
            )));
        }
        if config.max_concurrency == 0 {
            return Err(invalid(
                "at least one request must be allowed in flight".into(),
            ));
        }
        if config.request_timeout.is_zero() {
            return Err(invalid(
                "the request timeout must be longer than zero".into(),
            ));
        }
        let mut auth = HeaderValue::from_str(config.token.expose())
            .map_err(|_| invalid("the API token cannot be sent in an HTTP header".into()))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            // A redirect could lead a GET to a path outside the allow-list.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(config.max_concurrency)
            .build()
            .map_err(|e| invalid(format!("the HTTP client could not be built: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                permits: Semaphore::new(config.max_concurrency),
                paused_until: std::sync::Mutex::new(None),
                log: RequestLog::with_capacity(config.request_log_capacity),
                config,
            }),
        })
    }

    /// The shared request log of this client.
    pub fn request_log(&self) -> RequestLog {
        self.inner.log.clone()
    }

    /// The configuration the client was built with (the token stays masked).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// `GET /Tools/bookkeepingSystemVersion`: `"1.0"` or `"2.0"`. Cheap; doubles as a token check.
    pub async fn bookkeeping_system_version(&self) -> Result<String, Error> {
        let ep = Endpoint::BookkeepingSystemVersion;
        let answer: Answer<BookkeepingSystemVersion> = self.get(&ep).await?;
        answer
            .objects
            .and_then(|v| v.version)
            .ok_or_else(|| Error::Malformed {
                path: ep.path(),
                field: Some("version".into()),
                record_id: None,
                detail: "field version: the answer holds no version".into(),
            })
    }

    /// `GET /PaymentMethod`, all pages.
    pub async fn payment_methods(&self) -> Result<Vec<PaymentMethod>, Error> {
        self.list_all(List::PaymentMethods).await
    }

    /// `GET /Invoice` with filters, all pages; every filter is re-checked on each invoice.
    pub async fn invoices(&self, query: &InvoiceQuery) -> Result<Vec<Invoice>, Error> {
        let all: Vec<Invoice> = self.list_all(List::Invoices(query.clone())).await?;
        Ok(all.into_iter().filter(|i| query.matches(i)).collect())
    }

    /// Open invoices: status 200 and status 750, read separately (one status per request) and
    /// merged, sorted by id.
    pub async fn open_invoices(
        &self,
        updated_after: Option<DateTime<Utc>>,
    ) -> Result<Vec<Invoice>, Error> {
        let q = |status| InvoiceQuery {
            status: Some(status),
            updated_after,
            ..InvoiceQuery::default()
        };
        let (open_query, partial_query) = (q(InvoiceStatus::Open), q(InvoiceStatus::PartiallyPaid));
        let (open, partial) =
            tokio::try_join!(self.invoices(&open_query), self.invoices(&partial_query),)?;
        let mut all = open;
        all.extend(partial);
        Ok(dedup_by_id(all))
    }

    /// `GET /Invoice/{id}`: the re-check of one invoice right before export.
    pub async fn invoice(&self, id: Id) -> Result<Invoice, Error> {
        self.by_id(Endpoint::Invoice(id), id).await
    }

    /// `GET /Invoice/{id}/getIsPartiallyPaid`.
    pub async fn invoice_is_partially_paid(&self, id: Id) -> Result<bool, Error> {
        let ep = Endpoint::InvoiceIsPartiallyPaid(id);
        let answer: Answer<Flag> = self.get(&ep).await?;
        answer
            .objects
            .and_then(|f| f.0)
            .ok_or_else(|| Error::Malformed {
                path: ep.path(),
                field: Some("objects".into()),
                record_id: None,
                detail: "field objects: the answer holds no yes/no value".into(),
            })
    }

    /// `GET /Contact?depth=1`, all pages (organisations and persons).
    pub async fn contacts(
        &self,
        updated_after: Option<DateTime<Utc>>,
    ) -> Result<Vec<Contact>, Error> {
        let all: Vec<Contact> = self.list_all(List::Contacts { updated_after }).await?;
        Ok(keep_updated(all, updated_after))
    }

    /// `GET /Contact/{id}?depth=1`.
    pub async fn contact(&self, id: Id) -> Result<Contact, Error> {
        self.by_id(Endpoint::Contact(id), id).await
    }

    /// `GET /ContactAddress`, all addresses of all contacts in bulk.
    pub async fn contact_addresses(
        &self,
        updated_after: Option<DateTime<Utc>>,
    ) -> Result<Vec<ContactAddress>, Error> {
        let all: Vec<ContactAddress> = self
            .list_all(List::ContactAddresses { updated_after })
            .await?;
        Ok(keep_updated(all, updated_after))
    }

    /// `GET /CommunicationWay?type=EMAIL`, all e-mail addresses of all contacts in bulk.
    pub async fn email_addresses(
        &self,
        updated_after: Option<DateTime<Utc>>,
    ) -> Result<Vec<CommunicationWay>, Error> {
        let all: Vec<CommunicationWay> = self
            .list_all(List::CommunicationWays {
                kind: Some(CommunicationWayType::Email),
                updated_after,
            })
            .await?;
        let emails = all
            .into_iter()
            .filter(|c| c.kind == Some(CommunicationWayType::Email))
            .collect();
        Ok(keep_updated(emails, updated_after))
    }

    /// `GET /ContactCustomField`: the values of user-defined contact fields, in bulk.
    pub async fn contact_custom_fields(
        &self,
        updated_after: Option<DateTime<Utc>>,
    ) -> Result<Vec<ContactCustomField>, Error> {
        let all: Vec<ContactCustomField> = self
            .list_all(List::ContactCustomFields { updated_after })
            .await?;
        Ok(keep_updated(all, updated_after))
    }

    /// `GET /ContactCustomFieldSetting`: the definitions of user-defined contact fields.
    pub async fn contact_custom_field_settings(
        &self,
    ) -> Result<Vec<ContactCustomFieldSetting>, Error> {
        self.list_all(List::ContactCustomFieldSettings).await
    }

    /// `GET /Category?objectType=ContactAddress`: address categories (invoice address, …).
    /// Categories that name another object type are dropped; those without one are kept.
    pub async fn address_categories(&self) -> Result<Vec<Category>, Error> {
        let all: Vec<Category> = self.list_all(List::AddressCategories).await?;
        Ok(all
            .into_iter()
            .filter(|c| {
                c.object_type
                    .as_deref()
                    .is_none_or(|t| t == "ContactAddress")
            })
            .collect())
    }

    /// `GET /StaticCountry`: countries with their ISO codes.
    pub async fn static_countries(&self) -> Result<Vec<StaticCountry>, Error> {
        self.list_all(List::StaticCountries).await
    }

    /// `GET /CreditNote`, optionally one status, all pages; filters re-checked.
    pub async fn credit_notes(
        &self,
        status: Option<CreditNoteStatus>,
        updated_after: Option<DateTime<Utc>>,
    ) -> Result<Vec<CreditNote>, Error> {
        let all: Vec<CreditNote> = self
            .list_all(List::CreditNotes {
                status: status.clone(),
                updated_after,
            })
            .await?;
        let matching = all
            .into_iter()
            .filter(|c| status.as_ref().is_none_or(|s| c.status.as_ref() == Some(s)))
            .collect();
        Ok(keep_updated(matching, updated_after))
    }

    /// Open credit notes: status 200 and status 750 (partially settled), read separately and
    /// merged, sorted by id. Money owed to the customer: guard against debiting them.
    pub async fn open_credit_notes(&self) -> Result<Vec<CreditNote>, Error> {
        let (open, partial) = tokio::try_join!(
            self.credit_notes(Some(CreditNoteStatus::Open), None),
            self.credit_notes(Some(CreditNoteStatus::PartiallyPaid), None),
        )?;
        let mut all = open;
        all.extend(partial);
        Ok(dedup_by_id(all))
    }

    /// Everything the application needs, read in bulk and concurrently (within the client's
    /// concurrency limit): no request per contact or per invoice.
    pub async fn read_all(&self) -> Result<Snapshot, Error> {
        self.read(None, &ReadOptions::new()).await
    }

    /// [`Client::read_all`], going on without the optional endpoints `options` allows when
    /// sevdesk does not offer them (listed in [`Snapshot::unavailable`]).
    pub async fn read_all_with(&self, options: &ReadOptions) -> Result<Snapshot, Error> {
        self.read(None, options).await
    }

    /// What changed since `since` (sevdesk's `updateAfter`, whole seconds; re-checked on our
    /// side). The small lookup lists (payment methods, custom field settings, categories,
    /// countries) are always read whole.
    pub async fn read_changes(&self, since: DateTime<Utc>) -> Result<Snapshot, Error> {
        self.read(Some(since), &ReadOptions::new()).await
    }

    /// [`Client::read_changes`], going on without the optional endpoints `options` allows when
    /// sevdesk does not offer them (listed in [`Snapshot::unavailable`]).
    pub async fn read_changes_with(
        &self,
        since: DateTime<Utc>,
        options: &ReadOptions,
    ) -> Result<Snapshot, Error> {
        self.read(Some(since), options).await
    }

    async fn read(
        &self,
        since: Option<DateTime<Utc>>,
        options: &ReadOptions,
    ) -> Result<Snapshot, Error> {
        let started_at = Utc::now();
        let payment_methods = async {
            match self.payment_methods().await {
                Err(e)
                    if e.is_endpoint_unavailable()
                        && e.endpoint()
                            .is_some_and(|ep| options.allows_unavailable(ep)) =>
                {
                    tracing::warn!(
                        error = %e,
                        "sevdesk does not offer the payment methods; going on without them"
                    );
                    Ok(None)
                }
                other => other.map(Some),
            }
        };
        let invoices = async {
            match since {
                None => self.open_invoices(None).await,
                Some(t) => {
                    self.invoices(&InvoiceQuery {
                        updated_after: Some(t),
                        ..InvoiceQuery::default()
                    })
                    .await
                }
            }
        };
        let credit_notes = async {
            match since {
                None => self.open_credit_notes().await,
                Some(t) => self.credit_notes(None, Some(t)).await,
            }
        };
        let (
            bookkeeping_system_version,
            payment_methods,
            invoices,
            contacts,
            contact_addresses,
            email_addresses,
            custom_fields,
            custom_field_settings,
            address_categories,
            countries,
            credit_notes,
        ) = tokio::try_join!(
            self.bookkeeping_system_version(),
            payment_methods,
            invoices,
            self.contacts(since),
            self.contact_addresses(since),
            self.email_addresses(since),
            self.contact_custom_fields(since),
            self.contact_custom_field_settings(),
            self.address_categories(),
            self.static_countries(),
            credit_notes,
        )?;
        let mut unavailable = Vec::new();
        if payment_methods.is_none() {
            unavailable.push(ApiEndpoint::PaymentMethods);
        }
        Ok(Snapshot {
            started_at,
            updated_after: since,
            bookkeeping_system_version,
            payment_methods: payment_methods.unwrap_or_default(),
            invoices,
            contacts,
            contact_addresses,
            email_addresses,
            custom_fields,
            custom_field_settings,
            address_categories,
            countries,
            credit_notes,
            unavailable,
        })
    }

    async fn by_id<T: DeserializeOwned + HasId>(&self, ep: Endpoint, id: Id) -> Result<T, Error> {
        let answer: Answer<OneOrMany<T>> = self.get(&ep).await?;
        let items = answer.objects.map(|o| o.0).unwrap_or_default();
        // A by-id read is a one-element list; an ignored path parameter would give many.
        items
            .into_iter()
            .find(|item| item.id() == id)
            .ok_or(Error::NotFound {
                path: ep.path(),
                status: 200,
            })
    }

    /// All pages of a list. A failed page fails the whole call; if the pages do not add up to
    /// sevdesk's `total` (records deleted while we read), the list is read once more.
    async fn list_all<T: DeserializeOwned + HasId>(&self, list: List) -> Result<Vec<T>, Error> {
        match self.list_once(&list).await {
            Err(Error::Inconsistent { .. }) => self.list_once(&list).await,
            other => other,
        }
    }

    async fn list_once<T: DeserializeOwned + HasId>(&self, list: &List) -> Result<Vec<T>, Error> {
        let limit = self.inner.config.page_size;
        let page = |offset| Endpoint::List(list.clone(), Page { offset, limit });
        let first: Answer<OneOrMany<T>> = self.get(&page(0)).await?;
        let mut items = first.objects.map(|o| o.0).unwrap_or_default();
        let first_len = items.len() as u64;
        match first.total {
            Some(total) => {
                if total > first_len {
                    // sevdesk may serve smaller pages than asked for; step by what it served.
                    let step = if first_len < u64::from(limit) {
                        first_len
                    } else {
                        u64::from(limit)
                    };
                    if step == 0 {
                        return Err(Error::Inconsistent {
                            path: list.path().into(),
                            expected: total,
                            got: 0,
                        });
                    }
                    let offsets = (1..total.div_ceil(step)).map(|n| n * step);
                    let pages = try_join_all(offsets.map(|offset| {
                        let ep = page(offset);
                        async move { self.get::<OneOrMany<T>>(&ep).await }
                    }))
                    .await?;
                    for p in pages {
                        items.extend(p.objects.map(|o| o.0).unwrap_or_default());
                    }
                }
                let items = dedup_by_id(items);
                if (items.len() as u64) < total {
                    return Err(Error::Inconsistent {
                        path: list.path().into(),
                        expected: total,
                        got: items.len() as u64,
                    });
                }
                Ok(items)
            }
            None => {
                // No total: read on until a short page.
                let mut last_len = first_len;
                let mut offset = first_len;
                while last_len >= u64::from(limit) {
                    let next: Answer<OneOrMany<T>> = self.get(&page(offset)).await?;
                    let batch = next.objects.map(|o| o.0).unwrap_or_default();
                    last_len = batch.len() as u64;
                    offset += last_len;
                    items.extend(batch);
                }
                Ok(dedup_by_id(items))
            }
        }
    }

    /// The only function that sends requests: GET of an [`Endpoint`], with retries.
    async fn get<T: DeserializeOwned>(&self, ep: &Endpoint) -> Result<Answer<T>, Error> {
        let path = ep.path();
        let query = ep.query();
        check_allowed("GET", &path, &query)?;
        let mut url = self.inner.base.clone();
        url.set_path(&format!(
            "{}{}",
            self.inner.base.path().trim_end_matches('/'),
            path
        ));
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }
        let query_string = url.query().unwrap_or_default().to_owned();
        let policy = &self.inner.config.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let (started_at, duration, status, outcome) =
                self.attempt::<T>(ep.api(), &path, url.clone()).await;
            let last = attempt > policy.max_retries;
            let summary = match &outcome {
                Outcome::Done(Ok(_)) => "ok".to_owned(),
                Outcome::Done(Err(e)) => format!("failed: {e}"),
                Outcome::Retry(r) if last => format!("failed: {}", retry_reason(r)),
                Outcome::Retry(r) => format!("retrying: {}", retry_reason(r)),
            };
            tracing::debug!(
                method = "GET",
                path = %path,
                query = %query_string,
                status = status.map(i64::from).unwrap_or(-1),
                duration_ms = duration.as_millis() as u64,
                attempt,
                outcome = %summary,
                "sevdesk request"
            );
            self.inner.log.push(RequestRecord {
                started_at,
                method: "GET",
                path: path.clone(),
                query: query_string.clone(),
                status,
                duration,
                attempt,
                outcome: summary,
            });
            let reason = match outcome {
                Outcome::Done(result) => return result,
                Outcome::Retry(reason) => reason,
            };
            let retry_after = match &reason {
                Retryable::RateLimited(Some(ra)) if *ra > policy.max_retry_after => {
                    return Err(give_up(reason, &path, attempt, self));
                }
                Retryable::RateLimited(ra) => *ra,
                _ => None,
            };
            if last {
                return Err(give_up(reason, &path, attempt, self));
            }
            let wait = policy.backoff(attempt, retry_after);
            if matches!(reason, Retryable::RateLimited(_)) {
                self.pause_all_until(tokio::time::Instant::now() + wait);
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn pause_all_until(&self, until: tokio::time::Instant) {
        let mut paused = self
            .inner
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    /// Waits while the client is paused after a 429.
    async fn wait_for_pause(&self) {
        loop {
            let until = *self
                .inner
                .paused_until
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match until {
                Some(u) if u > tokio::time::Instant::now() => tokio::time::sleep_until(u).await,
                _ => return,
            }
        }
    }

    /// One request, holding a concurrency permit while it runs. Returns when it was sent and
    /// how long it took (without the wait for the permit), the HTTP status and the outcome.
    async fn attempt<T: DeserializeOwned>(
        &self,
        endpoint: ApiEndpoint,
        path: &str,
        url: Url,
    ) -> (SystemTime, Duration, Option<u16>, Outcome<T>) {
        let Ok(permit) = self.inner.permits.acquire().await else {
            // The semaphore is never closed; treat it like a connection failure all the same.
            return (
                SystemTime::now(),
                Duration::ZERO,
                None,
                Outcome::Retry(Retryable::Connection("client shut down".into())),
            );
        };
        self.wait_for_pause().await;
        let started_at = SystemTime::now();
        let start = Instant::now();
        let timeout = self.inner.config.request_timeout;
        let sent = tokio::time::timeout(timeout, async {
            let response = self.inner.http.get(url).send().await?;
            let status = response.status();
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = read_body(response).await;
            Ok::<_, reqwest::Error>((status, content_type, retry_after, body))
        })
        .await;
        let duration = start.elapsed();
        // Parsing needs no connection: let the next request go.
        drop(permit);
        let (status, outcome) = match sent {
            Err(_elapsed) => (None, Outcome::Retry(Retryable::Timeout)),
            Ok(Err(e)) if e.is_timeout() => (None, Outcome::Retry(Retryable::Timeout)),
            Ok(Err(e)) => (
                None,
                Outcome::Retry(Retryable::Connection(error_chain(&e.without_url()))),
            ),
            Ok(Ok((status, content_type, retry_after, body))) => (
                Some(status.as_u16()),
                classify(endpoint, path, status, &content_type, retry_after, body),
            ),
        };
        (started_at, duration, status, outcome)
    }
}

fn retry_reason(r: &Retryable) -> String {
    match r {
        Retryable::RateLimited(_) => "HTTP 429".into(),
        Retryable::Server(s) => format!("HTTP {s}"),
        Retryable::Timeout => "timeout".into(),
        Retryable::Connection(d) => format!("connection failed: {d}"),
        Retryable::Truncated(_, d) => format!("answer cut off: {d}"),
    }
}

fn give_up(reason: Retryable, path: &str, attempts: u32, client: &Client) -> Error {
    let path = path.to_owned();
    match reason {
        Retryable::RateLimited(retry_after) => Error::RateLimited {
            path,
            attempts,
            retry_after,
        },
        Retryable::Server(status) => Error::Server {
            path,
            status,
            attempts,
        },
        Retryable::Timeout => Error::Timeout {
            path,
            attempts,
            timeout: client.inner.config.request_timeout,
        },
        Retryable::Connection(detail) => Error::Connection {
            path,
            attempts,
            detail,
        },
        Retryable::Truncated(status, detail) => Error::Truncated {
            path,
            status,
            attempts,
            detail,
        },
    }
}

/// The body, or why it broke off. Too large a body counts as broken off.
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(format!("the answer exceeds {MAX_BODY_BYTES} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err("timeout while reading the answer".into()),
            Err(e) => return Err(error_chain(&e.without_url())),
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

pub(crate) fn classify<T: DeserializeOwned>(
    endpoint: ApiEndpoint,
    path: &str,
    status: StatusCode,
    content_type: &str,
    retry_after: Option<Duration>,
    body: Result<Vec<u8>, String>,
) -> Outcome<T> {
    let code = status.as_u16();
    let p = || path.to_owned();
    // Status first: a 503 with an HTML maintenance page is still worth a retry.
    if code == 429 {
        return Outcome::Retry(Retryable::RateLimited(retry_after));
    }
    if status.is_server_error() {
        return Outcome::Retry(Retryable::Server(code));
    }
    let body = match body {
        Ok(b) => b,
        Err(detail) => return Outcome::Retry(Retryable::Truncated(code, detail)),
    };
    if !status.is_success() {
        let message = error_message(&body);
        let err = match code {
            401 => Error::Unauthorized { path: p() },
            403 => Error::Forbidden { path: p() },
            // Only a read of one record can find "nothing": a 404 on a list (or on the version
            // check) means the endpoint itself is not there for this account.
            404 if endpoint.reads_one_record() => Error::NotFound {
                path: p(),
                status: code,
            },
            404 => Error::EndpointUnavailable {
                endpoint,
                path: p(),
                status: code,
            },
            400 | 422 => Error::Rejected {
                path: p(),
                status: code,
                message,
            },
            _ => Error::UnexpectedStatus {
                path: p(),
                status: code,
            },
        };
        return Outcome::Done(Err(err));
    }
    let text = String::from_utf8_lossy(&body);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Outcome::Retry(Retryable::Truncated(code, "the answer is empty".into()));
    }
    if content_type.to_ascii_lowercase().contains("html") || trimmed.starts_with('<') {
        return Outcome::Done(Err(Error::NotJson {
            path: p(),
            status: code,
            content_type: if content_type.is_empty() {
                "no content type".into()
            } else {
                content_type.to_owned()
            },
            snippet: trimmed.chars().take(80).collect(),
        }));
    }
    let envelope: RawEnvelope<'_> = match serde_json::from_str(&text) {
        Ok(env) => env,
        Err(e) if e.is_eof() => {
            return Outcome::Retry(Retryable::Truncated(code, e.to_string()));
        }
        Err(e) => {
            return Outcome::Done(Err(Error::Malformed {
                path: p(),
                field: None,
                record_id: None,
                detail: e.to_string(),
            }));
        }
    };
    if let Some(err) = envelope.error.as_ref().and_then(ErrorBody::from_value) {
        let e = if err.response_code == Some(401) {
            Error::Unauthorized { path: p() }
        } else {
            Error::Api {
                path: p(),
                status: code,
                code: err.code,
                response_code: err.response_code,
                message: err.message,
            }
        };
        return Outcome::Done(Err(e));
    }
    let objects = match envelope.objects {
        None => None,
        Some(raw) => match serde_json::from_str::<T>(raw.get()) {
            Ok(v) => Some(v),
            Err(e) => {
                let located = locate_parse_error::<T>(raw.get(), e);
                return Outcome::Done(Err(Error::Malformed {
                    path: p(),
                    field: located.field,
                    record_id: located.record_id,
                    detail: located.detail,
                }));
            }
        },
    };
    Outcome::Done(Ok(Answer {
        objects,
        total: envelope.total,
    }))
}

/// Where in an answer a parse error is.
struct ParseErrorLocation {
    /// Dotted field path inside the record, e.g. `sumGross` or `contact.id`.
    field: Option<String>,
    /// The id of the record, as sent, if it has one.
    record_id: Option<String>,
    /// For the log, e.g. `record 2 (id 135169163), field sumGross: "12,50" is not a decimal …`.
    detail: String,
}

/// Names the record (position and id) and the field a parse error is about. A missing field
/// is named too (serde reports it at the enclosing object: "missing field `id`").
fn locate_parse_error<T: DeserializeOwned>(
    text: &str,
    error: serde_json::Error,
) -> ParseErrorLocation {
    let unlocated = |error: &serde_json::Error| ParseErrorLocation {
        field: None,
        record_id: None,
        detail: error.to_string(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let Err(traced) = serde_path_to_error::deserialize::<_, T>(&mut de) else {
        return unlocated(&error);
    };
    let mut segments = traced.path().iter();
    let mut record = String::new();
    let record_id;
    let mut first = segments.next();
    if let Some(serde_path_to_error::Segment::Seq { index }) = first {
        record_id = serde_json::from_str::<Vec<&RawValue>>(text)
            .ok()
            .and_then(|items| items.get(*index).copied())
            .and_then(|item| id_of(item.get()));
        record.push_str(&format!("record {}", index + 1));
        if let Some(id) = &record_id {
            record.push_str(&format!(" (id {id})"));
        }
        first = segments.next();
    } else {
        // The record is the top-level object (a single object instead of a list).
        record_id = id_of(text);
    }
    let mut field: Vec<String> = first
        .into_iter()
        .chain(segments)
        .filter(|s| !matches!(s, serde_path_to_error::Segment::Unknown))
        .map(|s| s.to_string())
        .collect();
    let message = traced.inner().to_string();
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        field.push(missing.to_owned());
    }
    let field = (!field.is_empty()).then(|| field.join("."));
    let mut detail = record;
    if let Some(f) = &field {
        if !detail.is_empty() {
            detail.push_str(", ");
        }
        detail.push_str(&format!("field {f}"));
    }
    if detail.is_empty() {
        return unlocated(&error);
    }
    ParseErrorLocation {
        field,
        record_id,
        detail: format!("{detail}: {}", traced.inner()),
    }
}

/// The `id` of a JSON object, as sent (string or number).
fn id_of(object: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(object)
        .ok()?
        .get("id")?
    {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// sevdesk's `error` member: `{"message", "code", "responseCode", …}` (or just a string).
struct ErrorBody {
    message: Option<String>,
    code: Option<i64>,
    response_code: Option<i64>,
}

impl ErrorBody {
    fn from_value(v: &serde_json::Value) -> Option<ErrorBody> {
        let int = |v: Option<&serde_json::Value>| match v {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        match v {
            serde_json::Value::String(s) => Some(ErrorBody {
                message: Some(s.clone()),
                code: None,
                response_code: None,
            }),
            serde_json::Value::Object(map) => Some(ErrorBody {
                message: map
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned),
                code: int(map.get("code")),
                response_code: int(map.get("responseCode")),
            }),
            _ => None,
        }
    }
}

fn error_message(body: &[u8]) -> Option<String> {
    let env: RawEnvelope<'_> = serde_json::from_slice(body).ok()?;
    ErrorBody::from_value(env.error.as_ref()?)?.message
}

fn parse_base_url(text: &str, allow_plain_http: bool) -> Result<Url, Error> {
    let invalid = |detail: String| Error::InvalidConfig { detail };
    let url = Url::parse(text.trim().trim_end_matches('/'))
        .map_err(|e| invalid(format!("the sevdesk address {text:?} is not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "the sevdesk address must not contain a user name or password".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "the sevdesk address must not contain '?' or '#'".into(),
        ));
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        // The token would travel in clear text.
        "http" if loopback || allow_plain_http => {}
        "http" => {
            return Err(invalid(
                "the sevdesk address must use https (plain http only for this computer)".into(),
            ));
        }
        other => {
            return Err(invalid(format!(
                "the sevdesk address must use https, not {other}"
            )));
        }
    }
    Ok(url)
}

fn dedup_by_id<T: HasId>(mut items: Vec<T>) -> Vec<T> {
    items.sort_by_key(|i| i.id());
    items.dedup_by_key(|i| i.id());
    items
}

fn keep_updated<T: HasId>(items: Vec<T>, after: Option<DateTime<Utc>>) -> Vec<T> {
    items
        .into_iter()
        .filter(|i| updated_at_or_after(i.updated(), after))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(parse_base_url(SEVDESK_BASE_URL, false).is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080/api/v1/", false).is_ok());
        assert!(parse_base_url("http://[::1]:8080/api/v1", false).is_ok());
        assert!(parse_base_url("http://localhost:1/api/v1", false).is_ok());
        assert!(parse_base_url("http://my.sevdesk.de/api/v1", false).is_err());
        assert!(parse_base_url("http://sandbox:8080/api/v1", true).is_ok());
        assert!(parse_base_url("https://user:pw@my.sevdesk.de/api/v1", false).is_err());
        assert!(parse_base_url("https://my.sevdesk.de/api/v1?token=x", false).is_err());
        assert!(parse_base_url("ftp://my.sevdesk.de/", true).is_err());
        assert!(parse_base_url("sevdesk", false).is_err());
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
            max_retry_after: Duration::from_secs(10),
        };
        for _ in 0..100 {
            let first = p.backoff(1, None);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = p.backoff(3, None);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let tenth = p.backoff(10, None);
            assert!(tenth <= Duration::from_millis(400));
            assert!(p.backoff(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
        }
    }

    fn classify_body(status: u16, ct: &str, body: &str) -> Outcome<OneOrMany<Invoice>> {
        classify(
            ApiEndpoint::Invoices,
            "/Invoice",
            StatusCode::from_u16(status).unwrap(),
            ct,
            None,
            Ok(body.as_bytes().to_vec()),
        )
    }

    #[test]
    fn a_404_is_a_missing_record_only_on_reads_of_one_record() {
        let body =
            r#"{"error":{"message":"not found","code":151,"responseCode":404},"objects":null}"#;
        let outcome = |endpoint: ApiEndpoint, path: &str| -> Result<(), Error> {
            match classify::<OneOrMany<Invoice>>(
                endpoint,
                path,
                StatusCode::NOT_FOUND,
                "application/json",
                None,
                Ok(body.as_bytes().to_vec()),
            ) {
                Outcome::Done(r) => r.map(|_| ()),
                Outcome::Retry(_) => panic!("a 404 is never retried"),
            }
        };
        for endpoint in ApiEndpoint::ALL {
            let path = endpoint.path().replace("{id}", "135169163");
            let err = outcome(endpoint, &path).expect_err("a 404 is an error");
            assert_eq!(err.endpoint(), Some(endpoint), "{err:?}");
            if endpoint.reads_one_record() {
                assert!(
                    matches!(err, Error::NotFound { status: 404, .. }),
                    "{err:?}"
                );
                assert!(
                    err.user_message().contains("deleted"),
                    "{}",
                    err.user_message()
                );
            } else {
                assert!(
                    matches!(&err, Error::EndpointUnavailable { endpoint: e, status: 404, .. } if *e == endpoint),
                    "{err:?}"
                );
                assert!(err.is_endpoint_unavailable());
                let msg = err.user_message();
                assert!(msg.contains(endpoint.path()), "{msg}");
                assert!(!msg.contains("deleted"), "{msg}");
            }
        }
    }

    #[test]
    fn a_missing_field_is_named_with_its_record() {
        // A ContactAddress as the official OpenAPI example gives it: no id, a contact without id.
        match classify::<OneOrMany<ContactAddress>>(
            ApiEndpoint::ContactAddresses,
            "/ContactAddress",
            StatusCode::OK,
            "application/json",
            None,
            Ok(br#"{"objects":[{"id":"7","contact":{"id":"1"}},{"objectName":"ContactAddress","street":"South road 15"}]}"#.to_vec()),
        ) {
            Outcome::Done(Err(e @ Error::Malformed { .. })) => {
                let Error::Malformed { field, record_id, detail, .. } = &e else { unreachable!() };
                assert_eq!(field.as_deref(), Some("id"), "{detail}");
                assert_eq!(record_id, &None);
                assert!(detail.starts_with("record 2, field id: missing field"), "{detail}");
                let msg = e.user_message();
                assert!(msg.contains("/ContactAddress") && msg.contains("\u{201c}id\u{201d}"), "{msg}");
            }
            _ => panic!("a record without id must be Malformed"),
        }
        match classify::<OneOrMany<ContactAddress>>(
            ApiEndpoint::ContactAddresses,
            "/ContactAddress",
            StatusCode::OK,
            "application/json",
            None,
            Ok(br#"{"objects":[{"id":"7","contact":{"objectName":"Contact"}}]}"#.to_vec()),
        ) {
            Outcome::Done(Err(e @ Error::Malformed { .. })) => {
                let Error::Malformed {
                    field, record_id, ..
                } = &e
                else {
                    unreachable!()
                };
                assert_eq!(field.as_deref(), Some("contact.id"));
                assert_eq!(record_id.as_deref(), Some("7"));
                let msg = e.user_message();
                assert!(
                    msg.contains("\u{201c}contact.id\u{201d} of the record with id 7"),
                    "{msg}"
                );
            }
            _ => panic!("a reference without id must be Malformed"),
        }
    }

    #[test]
    fn classification_of_answers() {
        let ok = classify_body(
            200,
            "application/json",
            r#"{"objects":[{"id":"1"}],"total":"1"}"#,
        );
        assert!(matches!(
            ok,
            Outcome::Done(Ok(Answer { total: Some(1), .. }))
        ));
        let envelope = classify_body(
            200,
            "application/json",
            r#"{"error":{"message":"boom","code":151,"responseCode":404},"objects":null}"#,
        );
        assert!(matches!(
            envelope,
            Outcome::Done(Err(Error::Api {
                code: Some(151),
                response_code: Some(404),
                ..
            }))
        ));
        let html = classify_body(200, "text/html", "<html><body>Wartung</body></html>");
        assert!(matches!(html, Outcome::Done(Err(Error::NotJson { .. }))));
        let cut = classify_body(200, "application/json", r#"{"objects":[{"id":"1"#);
        assert!(matches!(cut, Outcome::Retry(Retryable::Truncated(..))));
        let broken = classify_body(200, "application/json", r#"{"objects":[}"#);
        assert!(matches!(
            broken,
            Outcome::Done(Err(Error::Malformed { .. }))
        ));
        let bad_amount = classify_body(
            200,
            "application/json",
            r#"{"objects":[{"id":"1","sumGross":"1.00"},{"id":"135169163","sumGross":"12,50"}]}"#,
        );
        match bad_amount {
            Outcome::Done(Err(e @ Error::Malformed { .. })) => {
                let msg = e.user_message();
                let Error::Malformed {
                    detail,
                    field,
                    record_id,
                    ..
                } = e
                else {
                    unreachable!()
                };
                assert!(detail.contains("record 2 (id 135169163)"), "{detail}");
                assert!(detail.contains("field sumGross"), "{detail}");
                assert!(detail.contains("12,50"), "{detail}");
                assert_eq!(field.as_deref(), Some("sumGross"));
                assert_eq!(record_id.as_deref(), Some("135169163"));
                // The bookkeeper's sentence names the endpoint, the field and the record.
                assert!(msg.contains("/Invoice"), "{msg}");
                assert!(msg.contains("sumGross"), "{msg}");
                assert!(msg.contains("135169163"), "{msg}");
            }
            _ => panic!("a bad amount must be Malformed"),
        }
        let wrong_shape = classify_body(200, "application/json", r#"{"objects":[{"id":"x"}]}"#);
        assert!(matches!(
            wrong_shape,
            Outcome::Done(Err(Error::Malformed { .. }))
        ));
        let unauthorized = classify_body(
            401,
            "application/json",
            r#"{"error":{"message":"Authentication required"}}"#,
        );
        assert!(matches!(
            unauthorized,
            Outcome::Done(Err(Error::Unauthorized { .. }))
        ));
        let rejected = classify_body(
            422,
            "application/json",
            r#"{"error":{"message":"nope","code":null}}"#,
        );
        match rejected {
            Outcome::Done(Err(Error::Rejected { message, .. })) => {
                assert_eq!(message.as_deref(), Some("nope"))
            }
            _ => panic!("422 must be Rejected"),
        }
        assert!(matches!(
            classify_body(503, "text/html", "<html/>"),
            Outcome::Retry(Retryable::Server(503))
        ));
        assert!(matches!(
            classify_body(429, "", ""),
            Outcome::Retry(Retryable::RateLimited(None))
        ));
        assert!(matches!(
            classify_body(302, "", ""),
            Outcome::Done(Err(Error::UnexpectedStatus { status: 302, .. }))
        ));
        assert!(matches!(
            classify_body(200, "application/json", "  "),
            Outcome::Retry(Retryable::Truncated(..))
        ));
    }
}
