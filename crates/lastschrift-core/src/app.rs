//! [`App`]: the one object the CLI and the web call. It owns the settings sources, the store, the
//! secret key, the sevdesk client factory and the clock, and offers every use case as one method.
//!
//! A face (a CLI command, a web handler) parses its input, calls one `App` method and renders the
//! result. It never sees the store: the rules live here, in the use-case modules this file calls,
//! in the store (what must hold under concurrency is one atomic store method) and in the SEPA
//! crate.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::bank;
use crate::collect::{self, CollectError, CollectionOutcome, CollectionPlan};
use crate::error::CoreError;
use crate::mandates::{
    self, FormRequest, ImportReport, MandateDetail, MandateFormBatch, MandateView,
};
use crate::overview::{self, ExpiringMandate, InvoiceOverview};
use crate::runs::{self, DebitMark, MarkedDebit, RunDetail};
use crate::saved_settings;
use crate::secret::{self, SecretKey, SevdeskToken};
use crate::settings::{
    CreditorSettings, EffectiveSettings, Policies, SavedSettings, Settings, SettingsSources,
};
use crate::sync::{self, SyncProgress, SyncSummary};
use crate::users::{self, SessionToken, UserError};
use lastschrift_store::{
    Backend, CollectionFile, CollectionRun, FollowUp, Mandate, MandateDocument,
    MandateDocumentInfo, MandateEdit, MandateRevocation, NewUser, Page, Paged, RequestLogEntry,
    Role, Session, Store, StoreError, SyncRecord, User,
};

/// What time it is. The application asks this instead of the system, so tests can set it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The application. Cheap to clone (one shared inner part).
#[derive(Clone, Debug)]
pub struct App(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    sources: SettingsSources,
    store: Arc<dyn Store>,
    key: SecretKey,
    sevdesk: SevdeskConnector,
    clock: Arc<dyn Clock>,
}

/// The one place a sevdesk client is made: the configured address, the stored token, and the
/// retry policy (shorter in tests).
#[derive(Clone, Debug, Default)]
struct SevdeskConnector {
    retry: Option<sevdesk::RetryPolicy>,
}

impl SevdeskConnector {
    fn client(
        &self,
        settings: &Settings,
        token: &SevdeskToken,
    ) -> Result<sevdesk::Client, CoreError> {
        let api_token = sevdesk::ApiToken::new(token.expose()).map_err(CoreError::Sevdesk)?;
        let mut config =
            sevdesk::ClientConfig::new(api_token).with_base_url(settings.sevdesk.base_url.clone());
        if let Some(retry) = &self.retry {
            config.retry = retry.clone();
        }
        sevdesk::Client::new(config).map_err(CoreError::Sevdesk)
    }
}

/// The answer of [`App::connect`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "connected")]
pub enum ConnectOutcome {
    /// The token works and is stored encrypted.
    #[serde(rename = "true")]
    Connected {
        bookkeeping_system_version: String,
        /// The token with all but its last characters masked.
        token: String,
    },
    /// sevdesk refused the token (or could not be reached); nothing was stored.
    #[serde(rename = "false")]
    Refused { reason: String },
}

/// What is set up already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SetupStatus {
    pub creditor: bool,
    pub token: bool,
}

impl SetupStatus {
    pub fn complete(&self) -> bool {
        self.creditor && self.token
    }
}

/// What `notify` would send, before anything is recorded.
#[derive(Clone, Debug, Serialize)]
pub struct NotificationPreview {
    /// The run the pre-notifications announce.
    pub plan: CollectionPlan,
    pub announcement: crate::notify::announce::Announcement,
    /// Those of them recorded before (sent, failed, …).
    pub recorded: Vec<lastschrift_store::PreNotification>,
}

/// What `notify` did.
#[derive(Clone, Debug, Serialize)]
pub struct NotifyOutcome {
    pub preview: NotificationPreview,
    pub report: crate::notify::send::SendReport,
}

/// The policy keys the web UI edits; `None` leaves a key as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PolicyChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_notification_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_lead_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_days_ahead: Option<u32>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_optional_time"
    )]
    pub cut_off_time: Option<chrono::NaiveTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_type: Option<crate::settings::SequenceTypePolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<crate::settings::OutputFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collect_partial_remainders: Option<bool>,
}

impl PolicyChanges {
    fn apply_to(&self, policies: &mut crate::settings::Policies) {
        let PolicyChanges {
            pre_notification_days,
            bank_lead_days,
            max_days_ahead,
            cut_off_time,
            sequence_type,
            output_format,
            collect_partial_remainders,
        } = self.clone();
        let set = |target: &mut _, value: Option<_>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut policies.pre_notification_days, pre_notification_days);
        set(&mut policies.bank_lead_days, bank_lead_days);
        set(&mut policies.max_days_ahead, max_days_ahead);
        if let Some(time) = cut_off_time {
            policies.cut_off_time = time;
        }
        if let Some(value) = sequence_type {
            policies.sequence_type = value;
        }
        if let Some(value) = output_format {
            policies.output_format = value;
        }
        if let Some(value) = collect_partial_remainders {
            policies.collect_partial_remainders = value;
        }
    }
}

fn serialize_optional_time<S: serde::Serializer>(
    time: &Option<chrono::NaiveTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.collect_str(&time.format("%H:%M")),
        None => serializer.serialize_none(),
    }
}

impl App {
    /// Loads the settings (defaults, `config_file` or the default file, environment), opens and
    /// migrates the database they name, and reads the secret key.
    pub async fn open(config_file: Option<&Path>) -> Result<App, CoreError> {
        let sources = SettingsSources::load(config_file)?;
        let store = lastschrift_store::open_url(&sources.base().database_url()).await?;
        let key = SecretKey::from_settings(sources.base())?;
        Ok(App::new(sources, store, key))
    }

    /// An application on settings handed over whole (the demo): opens the database they name and
    /// reads their secret key.
    pub async fn open_given(settings: Settings) -> Result<App, CoreError> {
        let store = lastschrift_store::open_url(&settings.database_url()).await?;
        let key = SecretKey::from_settings(&settings)?;
        Ok(App::new(SettingsSources::given(settings), store, key))
    }

    /// An application on parts made elsewhere (tests).
    pub fn new(sources: SettingsSources, store: Arc<dyn Store>, key: SecretKey) -> App {
        App(Arc::new(Inner {
            sources,
            store,
            key,
            sevdesk: SevdeskConnector::default(),
            clock: Arc::new(SystemClock),
        }))
    }

    /// The same application with another clock (tests).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> App {
        self.rebuild(|inner| inner.clock = clock)
    }

    /// The same application with another retry policy for sevdesk requests (tests keep it short).
    pub fn with_sevdesk_retry(self, retry: sevdesk::RetryPolicy) -> App {
        self.rebuild(|inner| inner.sevdesk.retry = Some(retry))
    }

    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> App {
        let mut inner = match Arc::try_unwrap(self.0) {
            Ok(inner) => inner,
            Err(shared) => Inner {
                sources: shared.sources.clone(),
                store: shared.store.clone(),
                key: shared.key.clone(),
                sevdesk: shared.sevdesk.clone(),
                clock: shared.clock.clone(),
            },
        };
        change(&mut inner);
        App(Arc::new(inner))
    }

    fn store(&self) -> &dyn Store {
        &*self.0.store
    }

    /// Waits for open database work to finish and closes the connections.
    pub async fn close(&self) {
        self.store().close().await;
    }

    pub fn backend(&self) -> Backend {
        self.store().backend()
    }

    /// HMAC-SHA256 of `data` for `purpose` under the installation key: a value handed out
    /// that the installation (every instance with the key) later recognises as its own.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        self.0.key.mac(purpose, data)
    }

    /// Whether `tag` is [`App::mac`] of `data` for `purpose` (in constant time).
    pub fn verify_mac(&self, purpose: &str, data: &[u8], tag: &[u8]) -> bool {
        self.0.key.verify_mac(purpose, data, tag)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// The bank's wall-clock time (Europe/Berlin): cut-off times and "today" are the bank's.
    pub fn bank_now(&self) -> NaiveDateTime {
        collect::bank_time(self.now())
    }

    pub fn bank_today(&self) -> NaiveDate {
        self.bank_now().date()
    }

    // --- settings -----------------------------------------------------------------------------

    /// The settings in force, for the CLI and the web alike (see [`crate::settings::sources`] for
    /// the order of the sources), with the source of every value.
    pub async fn settings(&self) -> Result<EffectiveSettings, CoreError> {
        let saved = saved_settings::load(self.store()).await?;
        Ok(self.0.sources.resolve(&saved)?)
    }

    async fn effective(&self) -> Result<Settings, CoreError> {
        Ok(self.settings().await?.settings)
    }

    /// Checks the creditor data the way a collection run does and saves it as the UI's creditor.
    pub async fn save_creditor(&self, creditor: CreditorSettings) -> Result<(), CoreError> {
        let mut saved = saved_settings::load(self.store()).await?;
        saved.creditor = Some(creditor);
        let effective = self.0.sources.resolve(&saved)?;
        collect::build::creditor(&effective.settings)?;
        saved_settings::save(self.store(), &saved).await?;
        Ok(())
    }

    /// Saves the policy keys the UI edited; the whole result is checked before anything is stored.
    pub async fn save_policies(&self, changes: PolicyChanges) -> Result<(), CoreError> {
        let mut saved = saved_settings::load(self.store()).await?;
        if let serde_json::Value::Object(map) = serde_json::to_value(&changes).unwrap_or_default() {
            saved.policies.extend(map);
        }
        self.0.sources.resolve(&saved)?;
        saved_settings::save(self.store(), &saved).await?;
        Ok(())
    }

    /// Every policy value the changes would put out of its range, all at once and each naming
    /// its key: the same checks the configuration file gets, before anything is saved.
    pub async fn policy_problems(
        &self,
        changes: &PolicyChanges,
    ) -> Result<Vec<crate::settings::SettingsError>, CoreError> {
        let mut policies = self.effective().await?.policies;
        changes.apply_to(&mut policies);
        Ok(policies.problems())
    }

    /// The creditor checks of a collection run, per field, for values not saved yet (the web's
    /// live check and the settings form).
    pub fn check_creditor(
        &self,
        creditor: &CreditorSettings,
        policies: &Policies,
    ) -> Result<(), Vec<collect::FieldProblem>> {
        let settings = Settings {
            creditor: Some(creditor.clone()),
            policies: policies.clone(),
            ..self.0.sources.base().clone()
        };
        match collect::build::creditor(&settings) {
            Ok(_) => Ok(()),
            Err(CollectError::InvalidCreditor(problems)) => Err(problems),
            Err(other) => Err(vec![collect::FieldProblem {
                field: "creditor".into(),
                code: other.code(),
                english: other.to_string(),
                german: other.german(),
            }]),
        }
    }

    // --- sevdesk ------------------------------------------------------------------------------

    /// Checks the token with one read-only call and, if sevdesk accepts it, stores it encrypted.
    pub async fn connect(&self, token: SevdeskToken) -> Result<ConnectOutcome, CoreError> {
        let settings = self.effective().await?;
        let client = self.0.sevdesk.client(&settings, &token)?;
        match client.bookkeeping_system_version().await {
            Ok(version) => {
                secret::save_sevdesk_token(self.store(), &self.0.key, &token).await?;
                Ok(ConnectOutcome::Connected {
                    bookkeeping_system_version: version,
                    token: token.masked(),
                })
            }
            Err(error) => {
                tracing::info!(error = %error, "token check failed");
                Ok(ConnectOutcome::Refused {
                    reason: error.user_message(),
                })
            }
        }
    }

    /// The stored token, masked, if there is one.
    pub async fn token_masked(&self) -> Result<Option<String>, CoreError> {
        Ok(secret::load_sevdesk_token(self.store(), &self.0.key)
            .await?
            .map(|t| t.masked()))
    }

    async fn client(&self, settings: &Settings) -> Result<sevdesk::Client, CoreError> {
        let token = secret::load_sevdesk_token(self.store(), &self.0.key)
            .await?
            .ok_or(CoreError::NoToken)?;
        self.0.sevdesk.client(settings, &token)
    }

    /// Reads sevdesk (GET only) into the store.
    pub async fn sync(&self, progress: &dyn SyncProgress) -> Result<SyncSummary, CoreError> {
        let settings = self.effective().await?;
        let client = self.client(&settings).await?;
        Ok(sync::sync(self.store(), &client, &settings, progress, self.now()).await?)
    }

    pub async fn last_sync(&self) -> Result<Option<SyncRecord>, CoreError> {
        Ok(self.store().last_sync().await?)
    }

    /// Every request sent to sevdesk, newest first.
    pub async fn request_log(&self, page: Page) -> Result<Paged<RequestLogEntry>, CoreError> {
        Ok(self.store().request_log(page).await?)
    }

    // --- mandates -----------------------------------------------------------------------------

    /// Imports a mandate CSV; signature dates must not lie after `today`.
    pub async fn import_mandates(
        &self,
        csv: &[u8],
        today: NaiveDate,
    ) -> Result<ImportReport, CoreError> {
        Ok(mandates::import_csv(self.store(), csv, today).await?)
    }

    pub async fn mandates(&self, today: NaiveDate) -> Result<Vec<MandateView>, CoreError> {
        Ok(mandates::list(self.store(), today).await?)
    }

    pub async fn mandate(
        &self,
        reference: &str,
        today: NaiveDate,
    ) -> Result<Option<MandateDetail>, CoreError> {
        Ok(mandates::show(self.store(), reference, today).await?)
    }

    /// The open invoices held back for missing or broken mandate data (the "needs mandate" list),
    /// from the current plan.
    pub async fn needs_mandate(&self) -> Result<Vec<collect::Exclusion>, CoreError> {
        let plan = self.plan(None).await?;
        Ok(plan
            .exclusions
            .into_iter()
            .filter(|e| e.reason.needs_mandate_data())
            .collect())
    }

    /// Mandate forms to sign, one PDF page per contact: for the contacts `request` names, or for
    /// every contact on the needs-mandate list. The reference each form names is reserved in the
    /// registry (no signature date, so the contact's invoices wait for the signed form); a
    /// contact reserved before gets its form again. Contacts that need no new mandate (one that
    /// works, or only another value to fix) are skipped with the reason.
    pub async fn mandate_forms(
        &self,
        request: &FormRequest,
    ) -> Result<MandateFormBatch, CoreError> {
        let settings = self.effective().await?;
        let plan = self.plan(None).await?;
        mandates::make_forms(self.store(), &settings, &plan, request, self.bank_today()).await
    }

    /// The registry record of one mandate (the edit form).
    pub async fn mandate_record(&self, reference: &str) -> Result<Option<Mandate>, CoreError> {
        Ok(self.store().mandate_by_reference(reference).await?)
    }

    /// Changes only the fields the edit names (a concurrent edit of other fields is kept).
    pub async fn edit_mandate(
        &self,
        reference: &str,
        edit: &MandateEdit,
    ) -> Result<Mandate, CoreError> {
        mandates::check_edit(edit, self.bank_today())?;
        Ok(self.store().edit_mandate(reference, edit).await?)
    }

    /// Enters one mandate with the checks of the import; a reference the registry has in any
    /// upper/lower case is refused.
    pub async fn add_mandate(
        &self,
        entry: &mandates::NewMandate,
        form: mandates::EntryForm,
    ) -> Result<Mandate, CoreError> {
        Ok(mandates::add(self.store(), entry, form, self.bank_today()).await?)
    }

    /// Records the debtor's revocation (on `on`, or today); nothing is collected under the
    /// mandate any more.
    pub async fn revoke_mandate(
        &self,
        reference: &str,
        on: Option<&str>,
        note: Option<&str>,
    ) -> Result<(Mandate, MandateRevocation), CoreError> {
        Ok(mandates::revoke(self.store(), reference, on, note, self.bank_today()).await?)
    }

    /// Keeps the signed copy (PDF, PNG or JPEG, at most [`mandates::MAX_DOCUMENT_BYTES`]) with
    /// the mandate.
    pub async fn attach_mandate_document(
        &self,
        reference: &str,
        file_name: &str,
        bytes: Vec<u8>,
        uploaded_by: Option<&str>,
    ) -> Result<MandateDocumentInfo, CoreError> {
        Ok(mandates::attach(self.store(), reference, file_name, bytes, uploaded_by).await?)
    }

    /// The mandate's signed copies, newest first.
    pub async fn mandate_documents(
        &self,
        reference: &str,
    ) -> Result<Vec<MandateDocumentInfo>, CoreError> {
        Ok(self.store().mandate_documents(reference.trim()).await?)
    }

    /// One signed copy with its bytes; `None` when the mandate has no copy with this id.
    pub async fn mandate_document(
        &self,
        reference: &str,
        id: i64,
    ) -> Result<Option<MandateDocument>, CoreError> {
        Ok(self.store().mandate_document(reference.trim(), id).await?)
    }

    /// The date and note of the mandate's revocation, when it was revoked here.
    pub async fn mandate_revocation(
        &self,
        reference: &str,
    ) -> Result<Option<MandateRevocation>, CoreError> {
        Ok(self.store().mandate_revocation(reference.trim()).await?)
    }

    // --- the bank's answers --------------------------------------------------------------------

    /// Imports bank files (pain.002, camt.054, camt.053), each on its own: a refused or
    /// unreadable file is reported and the others still apply.
    pub async fn import_bank_files(
        &self,
        files: Vec<(String, Vec<u8>)>,
        imported_by: Option<&str>,
    ) -> Result<Vec<bank::BankFileReport>, CoreError> {
        let settings = self.effective().await?;
        let creditor_iban = settings.creditor.as_ref().map(|c| c.iban.clone());
        let mut reports = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            reports.push(
                bank::import_file(
                    self.store(),
                    &settings.policies.bank_answers,
                    creditor_iban.as_deref(),
                    &name,
                    bytes,
                    imported_by,
                )
                .await?,
            );
        }
        Ok(reports)
    }

    /// Rejected and returned debits with what happens next, newest first.
    pub async fn worklist(&self) -> Result<Vec<bank::WorklistItem>, CoreError> {
        let settings = self.effective().await?;
        Ok(bank::worklist(self.store(), &settings.policies.bank_answers).await?)
    }

    /// How many rejected or returned debits are not marked done (the dashboard's count; no
    /// contact or invoice is read for it).
    pub async fn open_returns(&self) -> Result<usize, CoreError> {
        Ok(self
            .store()
            .debit_follow_ups()
            .await?
            .iter()
            .filter(|f| f.action != FollowUp::Done)
            .count())
    }

    /// The user's decision on a rejected or returned debit (collect again, block, done).
    pub async fn decide_follow_up(
        &self,
        debit_id: i64,
        action: FollowUp,
        decided_by: Option<&str>,
    ) -> Result<lastschrift_store::DebitFollowUp, CoreError> {
        Ok(self
            .store()
            .set_follow_up(debit_id, action, decided_by)
            .await?)
    }

    /// Every imported bank file, newest first, with what it did.
    pub async fn bank_imports(&self) -> Result<Vec<lastschrift_store::BankImport>, CoreError> {
        Ok(self.store().bank_imports().await?)
    }

    /// The exact bytes of an imported bank file.
    pub async fn bank_import_bytes(&self, id: i64) -> Result<Option<Vec<u8>>, CoreError> {
        Ok(self.store().bank_import_bytes(id).await?)
    }

    // --- collection runs ----------------------------------------------------------------------

    /// What a run would collect now (the dry run, the web preview). Writes nothing.
    pub async fn plan(
        &self,
        requested_date: Option<NaiveDate>,
    ) -> Result<CollectionPlan, CoreError> {
        let settings = self.effective().await?;
        self.check_requested_date(&settings, requested_date)?;
        self.settle_debits(&settings).await?;
        Ok(
            collect::plan_collection(self.store(), &settings, self.bank_now(), requested_date)
                .await?,
        )
    }

    /// A requested date at most `policies.max_days_ahead` days ahead (an earlier one than the
    /// calendar allows is moved by the planner, with the reason).
    fn check_requested_date(
        &self,
        settings: &Settings,
        requested_date: Option<NaiveDate>,
    ) -> Result<(), CoreError> {
        let max_days_ahead = settings.policies.max_days_ahead;
        let latest = self.bank_today() + chrono::Duration::days(i64::from(max_days_ahead));
        match requested_date {
            Some(requested) if requested > latest => Err(collect::CollectError::DateTooFar {
                requested,
                latest,
                max_days_ahead,
            }
            .into()),
            _ => Ok(()),
        }
    }

    /// Pending debits past the policy's settlement period without a reject become collected.
    /// Runs before anything that shows or uses a debit's state, so every face sees the same.
    async fn settle_debits(&self, settings: &Settings) -> Result<(), CoreError> {
        let settled = runs::settle_debits(
            self.store(),
            self.bank_today(),
            settings.policies.collected_after_business_days,
        )
        .await?;
        if settled > 0 {
            tracing::info!(
                settled,
                "debits past their settlement period marked collected"
            );
        }
        Ok(())
    }

    // --- pre-notifications ----------------------------------------------------------------

    /// What `notify` would announce for a run on `requested_date` (default: the earliest date a
    /// pre-notification sent today allows): every message as it would go out, the debtors that
    /// cannot get one, and which were recorded or sent before. Records and sends nothing.
    pub async fn notification_preview(
        &self,
        requested_date: Option<NaiveDate>,
    ) -> Result<NotificationPreview, CoreError> {
        let settings = self.effective().await?;
        if settings.policies.pre_notification == crate::settings::PreNotificationPolicy::Invoice {
            return Err(crate::notify::NotifyError::InvoiceAnnounces.into());
        }
        let creditor = settings
            .creditor
            .clone()
            .ok_or(crate::notify::NotifyError::NoCreditor)?;
        self.check_requested_date(&settings, requested_date)?;
        self.settle_debits(&settings).await?;
        let snapshot = collect::Snapshot::load(self.store()).await?;
        let plan = collect::plan_for(
            &snapshot,
            &settings,
            self.bank_now(),
            requested_date,
            collect::Purpose::Announce,
        );
        let announcement = crate::notify::announce::announce(
            &plan,
            &snapshot.contacts,
            &creditor,
            &settings.notifications,
            &settings
                .notifications
                .message_id_domain(settings.smtp.as_ref()),
        );
        let mut recorded = Vec::new();
        for n in self.store().pre_notifications(None).await? {
            if announcement
                .notifications
                .iter()
                .any(|a| a.fingerprint == n.fingerprint)
            {
                recorded.push(n);
            }
        }
        Ok(NotificationPreview {
            plan,
            announcement,
            recorded,
        })
    }

    /// Records the pre-notifications of a run on `requested_date` (once: the same ones again
    /// are the same records) and sends every one of them not sent yet. Never sends one twice.
    pub async fn notify(
        &self,
        requested_date: Option<NaiveDate>,
    ) -> Result<NotifyOutcome, CoreError> {
        let preview = self.notification_preview(requested_date).await?;
        let recorded = self
            .store()
            .prepare_pre_notifications(&preview.announcement.notifications)
            .await?;
        let report = self.send_pre_notifications(recorded).await?;
        Ok(NotifyOutcome { preview, report })
    }

    /// Sends the given recorded pre-notifications that are pending or failed (a retry sends
    /// only what is missing).
    pub async fn send_pre_notifications(
        &self,
        notifications: Vec<lastschrift_store::PreNotification>,
    ) -> Result<crate::notify::send::SendReport, CoreError> {
        let settings = self.effective().await?;
        let creditor = settings
            .creditor
            .clone()
            .ok_or(crate::notify::NotifyError::NoCreditor)?;
        let mailer = match &settings.smtp {
            Some(smtp) => Some(
                crate::notify::mail::Mailer::new(smtp).map_err(crate::notify::NotifyError::from)?,
            ),
            None => None,
        };
        let sender = crate::notify::send::Sender {
            mailer: mailer.as_ref(),
            creditor: &creditor,
            language: settings.notifications.language,
            now: self.now(),
            today: self.bank_today(),
        };
        Ok(crate::notify::send::send(self.store(), &sender, notifications).await?)
    }

    /// A pre-notification left unclear by a crash (claimed, never confirmed), released after a
    /// person checked that it did not go out: the next `notify` sends it.
    pub async fn release_pre_notification(
        &self,
        id: i64,
        released_by: &str,
    ) -> Result<lastschrift_store::PreNotification, CoreError> {
        let note = format!(
            "released for sending again by {released_by} at {} (it had not arrived)",
            self.now().format("%Y-%m-%d %H:%M UTC")
        );
        Ok(self.store().release_pre_notification(id, &note).await?)
    }

    /// Every recorded pre-notification, newest first; with a date those announcing it.
    pub async fn pre_notifications(
        &self,
        collection_date: Option<NaiveDate>,
    ) -> Result<Vec<lastschrift_store::PreNotification>, CoreError> {
        Ok(self.store().pre_notifications(collection_date).await?)
    }

    /// What every sent pre-notification announced (invoice, amount, date, proof): the face
    /// shows it next to each debit.
    pub async fn announced_invoices(
        &self,
    ) -> Result<Vec<lastschrift_store::AnnouncedInvoice>, CoreError> {
        Ok(self.store().announced_invoices().await?)
    }

    /// The PDF of a pre-notification sent as a letter.
    pub async fn pre_notification_pdf(&self, id: i64) -> Result<Option<Vec<u8>>, CoreError> {
        Ok(self.store().pre_notification_pdf(id).await?)
    }

    /// Makes a collection run: re-read, build, record, write. `confirm` is the fingerprint of the
    /// preview the user confirmed ([`CollectionPlan::fingerprint`]): a second confirmation of the
    /// same preview (a double click, two browsers) gets the run the first one made.
    pub async fn collect(
        &self,
        requested_date: Option<NaiveDate>,
        confirm: Option<&str>,
    ) -> Result<CollectionOutcome, CoreError> {
        let settings = self.effective().await?;
        self.check_requested_date(&settings, requested_date)?;
        self.settle_debits(&settings).await?;
        let client = self.client(&settings).await?;
        Ok(collect::execute_collection(
            self.store(),
            &client,
            &settings,
            self.bank_now(),
            requested_date,
            confirm,
        )
        .await?)
    }

    /// Writes the files of runs a crash left recorded but not written.
    pub async fn export_recorded_runs(&self) -> Result<Vec<std::path::PathBuf>, CoreError> {
        let settings = self.effective().await?;
        Ok(collect::export_recorded_runs(self.store(), &settings).await?)
    }

    pub async fn runs(&self) -> Result<Vec<CollectionRun>, CoreError> {
        self.settle_debits(&self.effective().await?).await?;
        Ok(runs::list(self.store()).await?)
    }

    pub async fn run(&self, id: i64) -> Result<Option<RunDetail>, CoreError> {
        self.settle_debits(&self.effective().await?).await?;
        Ok(runs::show(self.store(), id).await?)
    }

    /// One file of a run with its exact bytes; `None` when the run has no such file.
    pub async fn run_file(
        &self,
        run_id: i64,
        file_id: i64,
    ) -> Result<Option<CollectionFile>, CoreError> {
        Ok(runs::file_bytes(self.store(), file_id)
            .await?
            .filter(|f| f.info.run_id == run_id))
    }

    /// The control list of a run: its file name and bytes.
    pub async fn control_list(&self, run_id: i64) -> Result<Option<(String, Vec<u8>)>, CoreError> {
        let Some(run) = self.store().collection_run(run_id).await? else {
            return Ok(None);
        };
        Ok(runs::control_list(self.store(), run_id)
            .await?
            .map(|bytes| (collect::control_list_file_name(&run), bytes)))
    }

    /// Rejected, returned or cancelled: frees the invoice for a later run.
    pub async fn mark_debit(
        &self,
        debit_id: i64,
        mark: DebitMark,
        reason: Option<&str>,
    ) -> Result<MarkedDebit, CoreError> {
        Ok(runs::mark_debit(self.store(), debit_id, mark, reason).await?)
    }

    // --- users and sessions (the web UI) ------------------------------------------------------

    pub async fn has_users(&self) -> Result<bool, CoreError> {
        Ok(self.store().user_count().await? > 0)
    }

    pub async fn users(&self) -> Result<Vec<User>, CoreError> {
        Ok(self.store().users().await?)
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>, CoreError> {
        Ok(self.store().user(id).await?)
    }

    /// The first administrator of a new installation — exactly one, even when several first-start
    /// forms arrive at once.
    pub async fn create_first_admin(
        &self,
        username: &str,
        password: &str,
    ) -> Result<User, CoreError> {
        let username = users::check_username(username)?;
        let password = password.to_owned();
        let user = NewUser {
            username,
            password_hash: off_the_workers(move || users::hash_new_password(&password)).await?,
            role: Role::Admin,
        };
        self.store()
            .create_first_admin(&user)
            .await?
            .ok_or(CoreError::User(UserError::AlreadySetUp))
    }

    pub async fn create_user(
        &self,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<User, CoreError> {
        let username = users::check_username(username)?;
        let password = password.to_owned();
        let user = NewUser {
            username,
            password_hash: off_the_workers(move || users::hash_new_password(&password)).await?,
            role,
        };
        match self.store().create_user(&user).await {
            Err(StoreError::Conflict(_)) => Err(UserError::UsernameTaken.into()),
            other => Ok(other?),
        }
    }

    /// Deletes a user and their sessions; never the last administrator.
    pub async fn delete_user(&self, id: i64) -> Result<(), CoreError> {
        self.store().delete_user(id).await?;
        tracing::info!(user_id = id, "user deleted");
        Ok(())
    }

    /// Changes a role; never leaves the installation without an administrator.
    pub async fn set_user_role(&self, id: i64, role: Role) -> Result<(), CoreError> {
        self.store().set_user_role(id, role).await?;
        tracing::info!(user_id = id, role = role.as_str(), "role changed");
        Ok(())
    }

    /// The user with these credentials, or `None` (the same work is done for an unknown name).
    pub async fn check_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, CoreError> {
        let user = self.store().user_by_username(username.trim()).await?;
        let password = password.to_owned();
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        // argon2 takes a core for a while: off the async workers, so pages keep being served.
        let valid = off_the_workers(move || match hash {
            Some(hash) => users::verify_password(&password, &hash),
            None => {
                let _ = users::verify_password(&password, users::dummy_hash());
                false
            }
        })
        .await;
        Ok(user.filter(|_| valid))
    }

    /// A user by name (case does not matter).
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, CoreError> {
        Ok(self.store().user_by_username(username.trim()).await?)
    }

    /// Sets a new password without the current one (an administrator for another user, or the
    /// CLI to recover access); ends every session of the user.
    pub async fn reset_password(&self, user_id: i64, new: &str) -> Result<(), CoreError> {
        self.store()
            .user(user_id)
            .await?
            .ok_or(CoreError::User(UserError::NotFound))?;
        let new = new.to_owned();
        let hash = off_the_workers(move || users::hash_new_password(&new)).await?;
        self.store().set_user_password_hash(user_id, &hash).await?;
        self.store().delete_sessions_of_user(user_id).await?;
        tracing::info!(user_id, "password reset");
        Ok(())
    }

    /// Sets a new password after checking the current one; ends every session of the user.
    /// `Ok(false)`: the current password was wrong, nothing changed.
    pub async fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
    ) -> Result<bool, CoreError> {
        let user = self
            .store()
            .user(user_id)
            .await?
            .ok_or(CoreError::User(UserError::NotFound))?;
        let (current, stored) = (current.to_owned(), user.password_hash.clone());
        if !off_the_workers(move || users::verify_password(&current, &stored)).await {
            return Ok(false);
        }
        let new = new.to_owned();
        let hash = off_the_workers(move || users::hash_new_password(&new)).await?;
        self.store().set_user_password_hash(user_id, &hash).await?;
        self.store().delete_sessions_of_user(user_id).await?;
        Ok(true)
    }

    /// A new session for the user; the store keeps only the token's hash.
    pub async fn start_session(&self, user_id: i64) -> Result<SessionToken, CoreError> {
        let token = SessionToken::generate();
        let now = self.now();
        self.store()
            .create_session(&Session {
                token_hash: token.hash(),
                user_id,
                created_at: now,
                expires_at: now + users::SESSION_LIFETIME,
            })
            .await?;
        // Housekeeping; a failure here must not fail the login.
        let _ = self.store().delete_expired_sessions(now).await;
        Ok(token)
    }

    /// The live session with this token hash and its user.
    pub async fn session_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, User)>, CoreError> {
        let Some(session) = self.store().session(token_hash, self.now()).await? else {
            return Ok(None);
        };
        Ok(self
            .store()
            .user(session.user_id)
            .await?
            .map(|user| (session, user)))
    }

    pub async fn end_session(&self, token_hash: &str) -> Result<(), CoreError> {
        Ok(self.store().delete_session(token_hash).await?)
    }

    /// The UI language a user chose (`de`, `en`), if any.
    pub async fn language(&self, user_id: i64) -> Result<Option<String>, CoreError> {
        Ok(self
            .store()
            .setting(&saved_settings::language_key(user_id))
            .await?)
    }

    pub async fn set_language(&self, user_id: i64, code: &str) -> Result<(), CoreError> {
        Ok(self
            .store()
            .put_setting(&saved_settings::language_key(user_id), code)
            .await?)
    }

    // --- read models of the web UI ----------------------------------------------------------------

    /// Where every invoice stands, with the dashboard figures (the planner over every open
    /// invoice plus the ledger).
    pub async fn invoice_overview(&self) -> Result<InvoiceOverview, CoreError> {
        let plan = self.plan(None).await;
        Ok(overview::build(self.store(), plan).await?)
    }

    /// Active mandates that lapse within `days`, soonest first.
    pub async fn expiring_mandates(&self, days: i64) -> Result<Vec<ExpiringMandate>, CoreError> {
        Ok(overview::expiring_mandates(self.store(), self.bank_today(), days).await?)
    }

    /// What the first start still lacks: the creditor data, the sevdesk token.
    pub async fn setup_status(&self) -> Result<SetupStatus, CoreError> {
        Ok(SetupStatus {
            creditor: self.effective().await?.creditor.is_some(),
            token: self.store().secret(secret::SEVDESK_TOKEN).await?.is_some(),
        })
    }

    // --- for the demo --------------------------------------------------------------------------

    /// Stores a token without checking it (the demo's own sandbox token).
    pub async fn store_token(&self, token: &SevdeskToken) -> Result<(), CoreError> {
        Ok(secret::save_sevdesk_token(self.store(), &self.0.key, token).await?)
    }

    /// The saved UI values (the settings page shows which keys the UI owns).
    pub async fn saved_settings(&self) -> Result<SavedSettings, CoreError> {
        Ok(saved_settings::load(self.store()).await?)
    }
}

/// Runs CPU-heavy work (argon2) on the blocking pool, so the async workers keep serving; a
/// panic inside is passed on.
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}
