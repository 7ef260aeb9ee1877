//! The SQL of the store, written once for both backends.
//!
//! Every statement uses the common subset of SQLite and PostgreSQL (`$n` placeholders,
//! `ON CONFLICT … DO UPDATE`, `RETURNING`), so one implementation serves both. Rust cannot be
//! generic over sqlx's database type without pages of trait bounds, so [`impl_store!`] stamps the
//! same `impl Store` out for `SqliteStore` and `PostgresStore`; all else is plain functions.

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::model::{NewCollectionRun, NewDebit};

/// PostgreSQL keeps microseconds; trimming before writing makes values read back equal on both.
pub(crate) fn ts(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

pub(crate) fn now() -> DateTime<Utc> {
    ts(Utc::now())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Text naming the violated constraint: PostgreSQL gives its name, SQLite the columns.
fn constraint_text(error: &sqlx::Error) -> Option<(bool, bool, bool, String)> {
    match error {
        sqlx::Error::Database(db) => Some((
            db.is_unique_violation(),
            db.is_foreign_key_violation(),
            db.is_check_violation(),
            format!("{} {}", db.constraint().unwrap_or_default(), db.message()),
        )),
        _ => None,
    }
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(constraint_text(error), Some((true, _, _, _)))
}

pub(crate) fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(constraint_text(error), Some((_, true, _, _)))
}

/// Turns the database's refusal of a debit into the error that names the invoice.
pub(crate) fn debit_insert_error(error: sqlx::Error, debit: &NewDebit) -> StoreError {
    match constraint_text(&error) {
        Some((true, _, _, text))
            if text.contains("debits_one_active_per_invoice")
                || text.contains("debits.invoice_id") =>
        {
            StoreError::AlreadyCollected {
                invoice_id: debit.invoice_id,
            }
        }
        Some((true, _, _, text)) if text.contains("end_to_end_id") => {
            StoreError::Conflict(format!(
                "the end-to-end id `{}` (invoice {}) is already used by another debit",
                debit.end_to_end_id, debit.invoice_id
            ))
        }
        Some((_, _, true, _)) => StoreError::Conflict(format!(
            "the debit for invoice {} was refused: its amount must be positive and its sequence type FRST, RCUR, OOFF or FNAL",
            debit.invoice_id
        )),
        _ => StoreError::Database(error),
    }
}

pub(crate) fn file_insert_error(error: sqlx::Error, message_id: &str) -> StoreError {
    if is_unique_violation(&error) {
        StoreError::Conflict(format!(
            "the message id `{message_id}` is already used by an earlier file"
        ))
    } else {
        StoreError::Database(error)
    }
}

/// Totals and the checks that need no database: a run has files, every file has debits, every
/// amount is positive and the sums fit.
pub(crate) struct RunTotals {
    pub(crate) debit_count: i64,
    pub(crate) total_cents: i64,
    pub(crate) file_totals: Vec<(i64, i64)>,
    pub(crate) collection_dates: String,
}

pub(crate) fn run_totals(run: &NewCollectionRun) -> Result<RunTotals, StoreError> {
    if run.files.is_empty() {
        return Err(StoreError::Conflict(
            "a collection run needs at least one file".into(),
        ));
    }
    let overflow = || StoreError::Conflict("the amounts of the run add up beyond range".into());
    let mut dates = std::collections::BTreeSet::new();
    let mut file_totals = Vec::with_capacity(run.files.len());
    let (mut debit_count, mut total_cents) = (0i64, 0i64);
    for file in &run.files {
        if file.debits.is_empty() {
            return Err(StoreError::Conflict(format!(
                "the file {} holds no debit",
                file.file_name
            )));
        }
        let mut file_total = 0i64;
        for debit in &file.debits {
            if debit.amount_cents <= 0 {
                return Err(StoreError::Conflict(format!(
                    "the debit for invoice {} has a non-positive amount ({} cents)",
                    debit.invoice_id, debit.amount_cents
                )));
            }
            file_total = file_total
                .checked_add(debit.amount_cents)
                .ok_or_else(overflow)?;
            dates.insert(debit.collection_date);
        }
        let count = i64::try_from(file.debits.len()).map_err(|_| overflow())?;
        debit_count += count;
        total_cents = total_cents.checked_add(file_total).ok_or_else(overflow)?;
        file_totals.push((count, file_total));
    }
    let collection_dates = dates
        .iter()
        .map(|date| date.format("%Y-%m-%d").to_string())
        .collect::<Vec<_>>()
        .join(",");
    Ok(RunTotals {
        debit_count,
        total_cents,
        file_totals,
        collection_dates,
    })
}

/// The follow-ups with their debits; add `WHERE`/`ORDER BY` on `d.`.
pub(crate) fn follow_up_select() -> String {
    let debit_columns = super::rows::DEBIT_COLUMNS
        .split(',')
        .map(|c| format!("d.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {debit_columns}, f.action, f.reason_code AS follow_up_reason, f.blocked_iban, \
         f.decided_at, f.decided_by FROM debit_follow_ups f JOIN debits d ON d.id = f.debit_id"
    )
}

/// `impl Store` for a struct with a field `pool: sqlx::Pool<$db>`. The names used inside are
/// imported at the call site (`sqlite.rs`, `postgres.rs`).
///
/// The two dialect differences the rules need: `$begin_write` opens a transaction that reads
/// before it writes (SQLite: `BEGIN IMMEDIATE` takes the write lock at once, so the reads see the
/// state the writes change; PostgreSQL: `BEGIN`), and `$for_update` locks the rows a rule reads
/// (PostgreSQL: `FOR UPDATE`; SQLite needs nothing under its single write lock). `$lock_registry`
/// serialises changes to the set of mandate references inside a write transaction (PostgreSQL: a
/// transaction-scoped advisory lock, since a row that does not exist yet cannot be locked;
/// SQLite: a no-op, `BEGIN IMMEDIATE` already holds the one write lock).
macro_rules! impl_store {
    ($store:ident, $db:ty, $backend:expr, $begin_write:literal, $for_update:literal, $lock_registry:literal) => {
        impl $store {
            async fn change_debit_status(
                &self,
                debit_id: i64,
                to: DebitStatus,
                allowed_from: &[DebitStatus],
                reason: Option<&str>,
            ) -> Result<Debit> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                let Some(run_id) = sqlx::query_scalar::<$db, i64>(
                    "SELECT run_id FROM debits WHERE id = $1",
                )
                .bind(debit_id)
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Err(StoreError::NotFound {
                        what: format!("debit {debit_id}"),
                    });
                };
                // The run row is the lock of its debits' status changes, so "the last debit of
                // the run was cancelled" is decided by one transaction at a time.
                sqlx::query(concat!(
                    "SELECT id FROM collection_runs WHERE id = $1",
                    $for_update
                ))
                .bind(run_id)
                .execute(&mut *tx)
                .await?;
                let allowed: Vec<String> = allowed_from
                    .iter()
                    .enumerate()
                    .map(|(i, _)| format!("${}", i + 5))
                    .collect();
                let update = format!(
                    "UPDATE debits SET status = $1, status_changed_at = $2, status_reason = $3 \
                     WHERE id = $4 AND status IN ({}) RETURNING {DEBIT_COLUMNS}",
                    allowed.join(", ")
                );
                let mut query = sqlx::query_as::<$db, DebitRow>(&update)
                    .bind(to.as_str())
                    .bind(now())
                    .bind(reason)
                    .bind(debit_id);
                for status in allowed_from {
                    query = query.bind(status.as_str());
                }
                let Some(row) = query.fetch_optional(&mut *tx).await? else {
                    let select = format!("SELECT {DEBIT_COLUMNS} FROM debits WHERE id = $1");
                    let row: DebitRow = sqlx::query_as(&select)
                        .bind(debit_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let debit = Debit::try_from(row)?;
                    return Err(StoreError::Conflict(format!(
                        "debit {debit_id} (invoice {}) is {} and cannot become {to}",
                        debit.invoice_id, debit.status
                    )));
                };
                if to == DebitStatus::Cancelled {
                    // RunStatus::Cancelled means "all of its debits were cancelled".
                    sqlx::query(
                        "UPDATE collection_runs SET status = $1 WHERE id = $2 \
                         AND NOT EXISTS (SELECT 1 FROM debits WHERE run_id = $2 AND status <> $3)",
                    )
                    .bind(RunStatus::Cancelled.as_str())
                    .bind(run_id)
                    .bind(DebitStatus::Cancelled.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Debit::try_from(row)
            }

            /// The rows with their items (one query for all items).
            async fn with_items(&self, rows: Vec<PreNotificationRow>) -> Result<Vec<PreNotification>> {
                let mut items: std::collections::HashMap<i64, Vec<PreNotificationItem>> =
                    std::collections::HashMap::new();
                for chunk in rows.chunks(500) {
                    let placeholders: Vec<String> =
                        (1..=chunk.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "SELECT pre_notification_id, invoice_id, invoice_number, amount_cents \
                         FROM pre_notification_items WHERE pre_notification_id IN ({}) \
                         ORDER BY pre_notification_id, position",
                        placeholders.join(", ")
                    );
                    let mut query = sqlx::query_as::<$db, PreNotificationItemRow>(&sql);
                    for row in chunk {
                        query = query.bind(row.id);
                    }
                    for item in query.fetch_all(&self.pool).await? {
                        items.entry(item.pre_notification_id).or_default().push(
                            PreNotificationItem {
                                invoice_id: item.invoice_id,
                                invoice_number: item.invoice_number,
                                amount_cents: item.amount_cents,
                            },
                        );
                    }
                }
                rows.into_iter()
                    .map(|row| {
                        let own = items.remove(&row.id).unwrap_or_default();
                        row.with_items(own)
                    })
                    .collect()
            }

            async fn pre_notification_by_id(&self, id: i64) -> Result<Option<PreNotification>> {
                let sql = format!(
                    "SELECT {PRE_NOTIFICATION_COLUMNS} FROM pre_notifications WHERE id = $1"
                );
                let rows: Vec<PreNotificationRow> =
                    sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await?;
                Ok(self.with_items(rows).await?.pop())
            }

            /// `sending` → `to`; the proof or the error goes with it.
            async fn finish_sending(
                &self,
                id: i64,
                update: &str,
                bind: (Option<DateTime<Utc>>, Option<&str>, Option<&[u8]>, Option<String>, Option<&str>),
            ) -> Result<PreNotification> {
                let (sent_at, reply, pdf, pdf_sha256, error) = bind;
                let changed = sqlx::query(update)
                    .bind(id)
                    .bind(now())
                    .bind(sent_at.map(ts))
                    .bind(reply)
                    .bind(pdf)
                    .bind(pdf_sha256)
                    .bind(error)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                let current = self.pre_notification_by_id(id).await?.ok_or_else(|| {
                    StoreError::NotFound {
                        what: format!("pre-notification {id}"),
                    }
                })?;
                if changed == 0 {
                    return Err(StoreError::Conflict(format!(
                        "pre-notification {id} is {} and was not being sent",
                        current.status
                    )));
                }
                Ok(current)
            }

            /// Inside a write transaction: [`StoreError::LastAdmin`] when user `id` is the only
            /// administrator. The administrators' rows are locked first, so two transactions
            /// demoting two administrators cannot both see the other one still there.
            async fn refuse_last_admin(
                &self,
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
            ) -> Result<()> {
                let admins = sqlx::query_scalar::<$db, i64>(concat!(
                    "SELECT id FROM users WHERE role = $1",
                    $for_update
                ))
                .bind(Role::Admin.as_str())
                .fetch_all(&mut **tx)
                .await?;
                if admins.contains(&id) && admins.len() <= 1 {
                    return Err(StoreError::LastAdmin);
                }
                Ok(())
            }

            async fn bank_import_by_hash(&self, sha256: &str) -> Result<Option<BankImport>> {
                let sql =
                    format!("SELECT {BANK_IMPORT_COLUMNS} FROM bank_imports WHERE sha256 = $1");
                let Some(row) = sqlx::query_as::<$db, BankImportRow>(&sql)
                    .bind(sha256)
                    .fetch_optional(&self.pool)
                    .await?
                else {
                    return Ok(None);
                };
                let sql = format!(
                    "SELECT {BANK_EVENT_COLUMNS} FROM bank_events WHERE import_id = $1 ORDER BY id"
                );
                let events: Vec<BankEventRow> = sqlx::query_as(&sql)
                    .bind(row.id)
                    .fetch_all(&self.pool)
                    .await?;
                let events = events
                    .into_iter()
                    .map(BankEvent::try_from)
                    .collect::<Result<Vec<_>>>()?;
                Ok(Some(row.with_events(events)))
            }

            async fn file_infos(&self, run_id: Option<i64>) -> Result<Vec<CollectionFileInfo>> {
                let rows: Vec<FileInfoRow> = match run_id {
                    Some(run_id) => {
                        let sql = format!(
                            "SELECT {FILE_INFO_COLUMNS} FROM collection_files WHERE run_id = $1 \
                             ORDER BY position"
                        );
                        sqlx::query_as(&sql).bind(run_id).fetch_all(&self.pool).await?
                    }
                    None => {
                        let sql = format!(
                            "SELECT {FILE_INFO_COLUMNS} FROM collection_files \
                             ORDER BY run_id, position"
                        );
                        sqlx::query_as(&sql).fetch_all(&self.pool).await?
                    }
                };
                Ok(rows.into_iter().map(CollectionFileInfo::from).collect())
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
                sqlx::query(
                    "INSERT INTO app_settings (key, value, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                     updated_at = excluded.updated_at",
                )
                .bind(key)
                .bind(value)
                .bind(now())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn setting(&self, key: &str) -> Result<Option<String>> {
                Ok(
                    sqlx::query_scalar::<$db, String>(
                        "SELECT value FROM app_settings WHERE key = $1",
                    )
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?,
                )
            }

            async fn put_secret(&self, name: &str, sealed: &[u8]) -> Result<()> {
                sqlx::query(
                    "INSERT INTO secrets (name, sealed, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, \
                     updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(sealed)
                .bind(now())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn secret(&self, name: &str) -> Result<Option<Vec<u8>>> {
                Ok(
                    sqlx::query_scalar::<$db, Vec<u8>>(
                        "SELECT sealed FROM secrets WHERE name = $1",
                    )
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?,
                )
            }

            async fn delete_secret(&self, name: &str) -> Result<bool> {
                let done = sqlx::query("DELETE FROM secrets WHERE name = $1")
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn upsert_contacts(&self, contacts: &[Contact]) -> Result<UpsertCounts> {
                let select = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1");
                let synced_at = now();
                let mut counts = UpsertCounts::default();
                let mut tx = self.pool.begin().await?;
                for contact in contacts {
                    let mut contact = contact.clone();
                    contact.updated_at = contact.updated_at.map(ts);
                    let existing: Option<ContactRow> = sqlx::query_as(&select)
                        .bind(contact.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match existing.map(Contact::from) {
                        Some(stored) if stored == contact => continue,
                        Some(_) => counts.updated += 1,
                        None => counts.inserted += 1,
                    }
                    sqlx::query(
                        "INSERT INTO contacts (id, customer_number, display_name, \
                         is_organisation, parent_id, iban, bic, mandate_reference_field, \
                         mandate_reference, signature_date_field, email, street, zip, city, \
                         country_code, sevdesk_updated_at, synced_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                         $15, $16, $17) \
                         ON CONFLICT (id) DO UPDATE SET \
                         customer_number = excluded.customer_number, \
                         display_name = excluded.display_name, \
                         is_organisation = excluded.is_organisation, \
                         parent_id = excluded.parent_id, iban = excluded.iban, \
                         bic = excluded.bic, \
                         mandate_reference_field = excluded.mandate_reference_field, \
                         mandate_reference = excluded.mandate_reference, \
                         signature_date_field = excluded.signature_date_field, \
                         email = excluded.email, street = excluded.street, zip = excluded.zip, \
                         city = excluded.city, country_code = excluded.country_code, \
                         sevdesk_updated_at = excluded.sevdesk_updated_at, \
                         synced_at = excluded.synced_at",
                    )
                    .bind(contact.id)
                    .bind(&contact.customer_number)
                    .bind(&contact.display_name)
                    .bind(contact.is_organisation)
                    .bind(contact.parent_id)
                    .bind(&contact.iban)
                    .bind(&contact.bic)
                    .bind(&contact.mandate_reference_field)
                    .bind(&contact.mandate_reference)
                    .bind(&contact.signature_date_field)
                    .bind(&contact.email)
                    .bind(&contact.street)
                    .bind(&contact.zip)
                    .bind(&contact.city)
                    .bind(&contact.country_code)
                    .bind(contact.updated_at)
                    .bind(synced_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(counts)
            }

            async fn contact(&self, id: SevdeskId) -> Result<Option<Contact>> {
                let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1");
                let row: Option<ContactRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(Contact::from))
            }

            async fn contacts(&self) -> Result<Vec<Contact>> {
                let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts ORDER BY id");
                let rows: Vec<ContactRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Contact::from).collect())
            }

            async fn upsert_invoices(&self, invoices: &[Invoice]) -> Result<UpsertCounts> {
                let select = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1");
                let synced_at = now();
                let mut counts = UpsertCounts::default();
                let mut tx = self.pool.begin().await?;
                for invoice in invoices {
                    let mut invoice = invoice.clone();
                    invoice.updated_at = invoice.updated_at.map(ts);
                    invoice.gone = false;
                    let existing: Option<InvoiceRow> = sqlx::query_as(&select)
                        .bind(invoice.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match existing.map(Invoice::from) {
                        Some(stored) if stored == invoice => continue,
                        Some(_) => counts.updated += 1,
                        None => counts.inserted += 1,
                    }
                    sqlx::query(
                        "INSERT INTO invoices (id, number, invoice_type, status, contact_id, \
                         currency, sum_gross_cents, paid_cents, payment_method_id, invoice_date, \
                         due_date, sevdesk_updated_at, gone, synced_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                         ON CONFLICT (id) DO UPDATE SET number = excluded.number, \
                         invoice_type = excluded.invoice_type, status = excluded.status, \
                         contact_id = excluded.contact_id, currency = excluded.currency, \
                         sum_gross_cents = excluded.sum_gross_cents, \
                         paid_cents = excluded.paid_cents, \
                         payment_method_id = excluded.payment_method_id, \
                         invoice_date = excluded.invoice_date, due_date = excluded.due_date, \
                         sevdesk_updated_at = excluded.sevdesk_updated_at, \
                         gone = excluded.gone, synced_at = excluded.synced_at",
                    )
                    .bind(invoice.id)
                    .bind(&invoice.number)
                    .bind(&invoice.invoice_type)
                    .bind(invoice.status)
                    .bind(invoice.contact_id)
                    .bind(&invoice.currency)
                    .bind(invoice.sum_gross_cents)
                    .bind(invoice.paid_cents)
                    .bind(invoice.payment_method_id)
                    .bind(invoice.invoice_date)
                    .bind(invoice.due_date)
                    .bind(invoice.updated_at)
                    .bind(false)
                    .bind(synced_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(counts)
            }

            async fn mark_invoices_gone(&self, ids: &[SevdeskId]) -> Result<u64> {
                let mut changed = 0;
                let mut tx = self.pool.begin().await?;
                for id in ids {
                    changed += sqlx::query(
                        "UPDATE invoices SET gone = $1 WHERE id = $2 AND gone = $3",
                    )
                    .bind(true)
                    .bind(id)
                    .bind(false)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                tx.commit().await?;
                Ok(changed)
            }

            async fn invoice(&self, id: SevdeskId) -> Result<Option<Invoice>> {
                let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1");
                let row: Option<InvoiceRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(Invoice::from))
            }

            async fn open_invoices(&self) -> Result<Vec<Invoice>> {
                let sql = format!(
                    "SELECT {INVOICE_COLUMNS} FROM invoices \
                     WHERE gone = $1 AND status IN ($2, $3) ORDER BY id"
                );
                let rows: Vec<InvoiceRow> = sqlx::query_as(&sql)
                    .bind(false)
                    .bind(invoice_status::OPEN)
                    .bind(invoice_status::PARTIALLY_PAID)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Invoice::from).collect())
            }

            async fn replace_open_credit_notes(&self, notes: &[CreditNote]) -> Result<()> {
                let synced_at = now();
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM credit_notes").execute(&mut *tx).await?;
                for note in notes {
                    sqlx::query(
                        "INSERT INTO credit_notes (id, contact_id, invoice_id, amount_cents, \
                         status, synced_at) VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (id) DO UPDATE SET contact_id = excluded.contact_id, \
                         invoice_id = excluded.invoice_id, \
                         amount_cents = excluded.amount_cents, status = excluded.status, \
                         synced_at = excluded.synced_at",
                    )
                    .bind(note.id)
                    .bind(note.contact_id)
                    .bind(note.invoice_id)
                    .bind(note.amount_cents)
                    .bind(note.status)
                    .bind(synced_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn open_credit_notes(&self) -> Result<Vec<CreditNote>> {
                let rows: Vec<CreditNoteRow> = sqlx::query_as(
                    "SELECT id, contact_id, invoice_id, amount_cents, status FROM credit_notes \
                     ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(CreditNote::from).collect())
            }

            async fn replace_payment_methods(&self, methods: &[PaymentMethod]) -> Result<()> {
                let synced_at = now();
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM payment_methods").execute(&mut *tx).await?;
                for method in methods {
                    sqlx::query(
                        "INSERT INTO payment_methods (id, name, electronic_invoice_id, \
                         synced_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                         electronic_invoice_id = excluded.electronic_invoice_id, \
                         synced_at = excluded.synced_at",
                    )
                    .bind(method.id)
                    .bind(&method.name)
                    .bind(&method.electronic_invoice_id)
                    .bind(synced_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn payment_methods(&self) -> Result<Vec<PaymentMethod>> {
                let rows: Vec<PaymentMethodRow> = sqlx::query_as(
                    "SELECT id, name, electronic_invoice_id FROM payment_methods ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(PaymentMethod::from).collect())
            }

            async fn sync_watermark(&self, resource: &str) -> Result<Option<DateTime<Utc>>> {
                Ok(sqlx::query_scalar::<$db, DateTime<Utc>>(
                    "SELECT last_update FROM sync_watermarks WHERE resource = $1",
                )
                .bind(resource)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn set_sync_watermark(
                &self,
                resource: &str,
                last_update: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sync_watermarks (resource, last_update) VALUES ($1, $2) \
                     ON CONFLICT (resource) DO UPDATE SET last_update = excluded.last_update",
                )
                .bind(resource)
                .bind(ts(last_update))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn save_sync_report(&self, report: &SyncReport) -> Result<i64> {
                let errors = serde_json::to_string(&report.problems)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                let problem_count = i64::try_from(report.problems.len()).unwrap_or(i64::MAX);
                Ok(sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO sync_runs (started_at, finished_at, new_count, changed_count, \
                     gone_count, error_count, errors) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     RETURNING id",
                )
                .bind(ts(report.started_at))
                .bind(ts(report.finished_at))
                .bind(as_i64(report.new))
                .bind(as_i64(report.changed))
                .bind(as_i64(report.gone))
                .bind(problem_count)
                .bind(errors)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn last_sync(&self) -> Result<Option<SyncRecord>> {
                let row: Option<SyncRow> = sqlx::query_as(
                    "SELECT id, started_at, finished_at, new_count, changed_count, gone_count, \
                     errors FROM sync_runs ORDER BY id DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?;
                row.map(SyncRecord::try_from).transpose()
            }

            async fn sync_history(&self, page: Page) -> Result<Paged<SyncRecord>> {
                let (limit, offset) = page.limit_offset();
                let rows: Vec<SyncRow> = sqlx::query_as(
                    "SELECT id, started_at, finished_at, new_count, changed_count, gone_count, \
                     errors FROM sync_runs ORDER BY id DESC LIMIT $1 OFFSET $2",
                )
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                let total =
                    sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM sync_runs")
                        .fetch_one(&self.pool)
                        .await?;
                Ok(Paged {
                    items: rows
                        .into_iter()
                        .map(SyncRecord::try_from)
                        .collect::<Result<_>>()?,
                    total,
                    page,
                })
            }

            async fn upsert_mandate(&self, mandate: &Mandate) -> Result<()> {
                self.upsert_mandates(std::slice::from_ref(mandate)).await
            }

            async fn upsert_mandates(&self, mandates: &[Mandate]) -> Result<()> {
                let stamp = now();
                let mut tx = self.pool.begin().await?;
                for mandate in mandates {
                    sqlx::query(
                        "INSERT INTO mandates (reference, contact_id, signature_date, scheme, status, \
                         first_collection, last_collection, last_iban, last_reference, source, \
                         one_off, ending, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $13, $11, $11) \
                         ON CONFLICT (reference) DO UPDATE SET contact_id = excluded.contact_id, \
                         signature_date = excluded.signature_date, scheme = excluded.scheme, \
                         status = excluded.status, one_off = excluded.one_off, \
                         ending = excluded.ending, \
                         first_collection = CASE WHEN mandates.first_collection IS NULL \
                         OR excluded.first_collection < mandates.first_collection \
                         THEN excluded.first_collection ELSE mandates.first_collection END, \
                         last_iban = CASE WHEN mandates.last_collection IS NULL \
                         OR excluded.last_collection > mandates.last_collection \
                         THEN COALESCE(excluded.last_iban, mandates.last_iban) \
                         ELSE COALESCE(mandates.last_iban, excluded.last_iban) END, \
                         last_reference = CASE WHEN mandates.last_collection IS NULL \
                         OR excluded.last_collection > mandates.last_collection \
                         THEN COALESCE(excluded.last_reference, mandates.last_reference) \
                         ELSE COALESCE(mandates.last_reference, excluded.last_reference) END, \
                         last_collection = CASE WHEN mandates.last_collection IS NULL \
                         OR excluded.last_collection > mandates.last_collection \
                         THEN excluded.last_collection ELSE mandates.last_collection END, \
                         source = excluded.source, updated_at = excluded.updated_at",
                    )
                    .bind(&mandate.reference)
                    .bind(mandate.contact_id)
                    .bind(mandate.signature_date)
                    .bind(mandate.scheme.as_str())
                    .bind(mandate.status.as_str())
                    .bind(mandate.first_collection)
                    .bind(mandate.last_collection)
                    .bind(&mandate.last_iban)
                    .bind(&mandate.last_reference)
                    .bind(mandate.source.as_str())
                    .bind(stamp)
                    .bind(mandate.one_off)
                    .bind(mandate.ending)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn edit_mandate(&self, reference: &str, edit: &MandateEdit) -> Result<Mandate> {
                // One statement: each field is set only when the edit names it ($2/$4/... say
                // whether), so a concurrent edit of another field is never written back.
                let changed = sqlx::query(
                    "UPDATE mandates SET \
                     signature_date = CASE WHEN $2 THEN $3 ELSE signature_date END, \
                     scheme = CASE WHEN $4 THEN $5 ELSE scheme END, \
                     status = CASE WHEN $6 THEN $7 ELSE status END, \
                     one_off = CASE WHEN $8 THEN $9 ELSE one_off END, \
                     ending = CASE WHEN $10 THEN $11 ELSE ending END, \
                     updated_at = $12 WHERE reference = $1",
                )
                .bind(reference)
                .bind(edit.signature_date.is_some())
                .bind(edit.signature_date.flatten())
                .bind(edit.scheme.is_some())
                .bind(edit.scheme.map(|s| s.as_str()).unwrap_or_default())
                .bind(edit.status.is_some())
                .bind(edit.status.map(|s| s.as_str()).unwrap_or_default())
                .bind(edit.one_off.is_some())
                .bind(edit.one_off.unwrap_or_default())
                .bind(edit.ending.is_some())
                .bind(edit.ending.unwrap_or_default())
                .bind(now())
                .execute(&self.pool)
                .await?
                .rows_affected();
                match (changed, self.mandate_by_reference(reference).await?) {
                    (1, Some(mandate)) => Ok(mandate),
                    _ => Err(StoreError::NotFound {
                        what: format!("mandate {reference}"),
                    }),
                }
            }

            async fn mandate_by_reference(&self, reference: &str) -> Result<Option<Mandate>> {
                let sql = format!("{MANDATE_SELECT} WHERE m.reference = $1");
                let row: Option<MandateRow> = sqlx::query_as(&sql)
                    .bind(reference)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Mandate::try_from).transpose()
            }

            async fn mandates_for_contact(&self, contact_id: SevdeskId) -> Result<Vec<Mandate>> {
                let sql = format!(
                    "{MANDATE_SELECT} WHERE m.contact_id = $1 ORDER BY m.reference"
                );
                let rows: Vec<MandateRow> = sqlx::query_as(&sql)
                    .bind(contact_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(Mandate::try_from).collect()
            }

            async fn mandates(&self) -> Result<Vec<Mandate>> {
                let sql = format!("{MANDATE_SELECT} ORDER BY m.reference");
                let rows: Vec<MandateRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                rows.into_iter().map(Mandate::try_from).collect()
            }

            async fn mandate_amendments(&self, reference: &str) -> Result<Vec<MandateAmendment>> {
                let rows: Vec<AmendmentRow> = sqlx::query_as(
                    "SELECT id, mandate_reference, debit_id, detected_at, original_reference, \
                     original_iban, new_iban FROM mandate_amendments \
                     WHERE mandate_reference = $1 ORDER BY id",
                )
                .bind(reference)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(MandateAmendment::from).collect())
            }

            async fn insert_mandate(&self, mandate: &Mandate) -> Result<Mandate> {
                let stamp = now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                sqlx::query($lock_registry).execute(&mut *tx).await?;
                // References are SEPA text (ASCII), so lower() folds them alike on both.
                let taken = sqlx::query_scalar::<$db, String>(
                    "SELECT reference FROM mandates WHERE lower(reference) = lower($1)",
                )
                .bind(&mandate.reference)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(taken) = taken {
                    return Err(StoreError::Conflict(if taken == mandate.reference {
                        format!("a mandate with the reference `{taken}` already exists")
                    } else {
                        format!(
                            "the reference `{}` differs only in upper/lower case from the stored mandate `{taken}`",
                            mandate.reference
                        )
                    }));
                }
                let inserted = sqlx::query(
                    "INSERT INTO mandates (reference, contact_id, signature_date, scheme, status, \
                     first_collection, last_collection, last_iban, last_reference, source, \
                     one_off, ending, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
                )
                .bind(&mandate.reference)
                .bind(mandate.contact_id)
                .bind(mandate.signature_date)
                .bind(mandate.scheme.as_str())
                .bind(mandate.status.as_str())
                .bind(mandate.first_collection)
                .bind(mandate.last_collection)
                .bind(&mandate.last_iban)
                .bind(&mandate.last_reference)
                .bind(mandate.source.as_str())
                .bind(mandate.one_off)
                .bind(mandate.ending)
                .bind(stamp)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(error) if is_unique_violation(&error) => {
                        return Err(StoreError::Conflict(format!(
                            "a mandate with the reference `{}` already exists",
                            mandate.reference
                        )));
                    }
                    Err(error) => return Err(error.into()),
                }
                let sql = format!("{MANDATE_SELECT} WHERE m.reference = $1");
                let row: MandateRow = sqlx::query_as(&sql)
                    .bind(&mandate.reference)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Mandate::try_from(row)
            }

            async fn revoke_mandate(
                &self,
                reference: &str,
                revoked_on: NaiveDate,
                note: Option<&str>,
            ) -> Result<(Mandate, MandateRevocation)> {
                let recorded_at = now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let changed = sqlx::query(
                    "UPDATE mandates SET status = $2, updated_at = $3 \
                     WHERE reference = $1 AND status <> $2",
                )
                .bind(reference)
                .bind(MandateStatus::Revoked.as_str())
                .bind(recorded_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    let exists = sqlx::query_scalar::<$db, String>(
                        "SELECT reference FROM mandates WHERE reference = $1",
                    )
                    .bind(reference)
                    .fetch_optional(&mut *tx)
                    .await?;
                    return Err(match exists {
                        None => StoreError::NotFound {
                            what: format!("mandate {reference}"),
                        },
                        Some(_) => StoreError::Conflict(format!(
                            "the mandate {reference} is already revoked"
                        )),
                    });
                }
                // A mandate revoked, made active again and revoked anew: the new date counts.
                sqlx::query(
                    "INSERT INTO mandate_revocations (mandate_reference, revoked_on, note, \
                     recorded_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (mandate_reference) DO UPDATE SET revoked_on = excluded.revoked_on, \
                     note = excluded.note, recorded_at = excluded.recorded_at",
                )
                .bind(reference)
                .bind(revoked_on)
                .bind(note)
                .bind(recorded_at)
                .execute(&mut *tx)
                .await?;
                let sql = format!("{MANDATE_SELECT} WHERE m.reference = $1");
                let row: MandateRow = sqlx::query_as(&sql)
                    .bind(reference)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok((
                    Mandate::try_from(row)?,
                    MandateRevocation {
                        mandate_reference: reference.to_string(),
                        revoked_on,
                        note: note.map(str::to_string),
                        recorded_at,
                    },
                ))
            }

            async fn mandate_revocation(
                &self,
                reference: &str,
            ) -> Result<Option<MandateRevocation>> {
                let row: Option<RevocationRow> = sqlx::query_as(
                    "SELECT mandate_reference, revoked_on, note, recorded_at \
                     FROM mandate_revocations WHERE mandate_reference = $1",
                )
                .bind(reference)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(MandateRevocation::from))
            }

            async fn attach_mandate_document(
                &self,
                reference: &str,
                document: &NewMandateDocument,
            ) -> Result<MandateDocumentInfo> {
                let size_bytes = i64::try_from(document.bytes.len()).map_err(|_| {
                    StoreError::Conflict("the document is too large to store".into())
                })?;
                let sql = format!(
                    "INSERT INTO mandate_documents (mandate_reference, file_name, content_type, \
                     bytes, sha256, size_bytes, uploaded_at, uploaded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {DOCUMENT_INFO_COLUMNS}"
                );
                let row: std::result::Result<DocumentInfoRow, sqlx::Error> = sqlx::query_as(&sql)
                    .bind(reference)
                    .bind(&document.file_name)
                    .bind(document.content_type.as_str())
                    .bind(&document.bytes)
                    .bind(sha256_hex(&document.bytes))
                    .bind(size_bytes)
                    .bind(now())
                    .bind(&document.uploaded_by)
                    .fetch_one(&self.pool)
                    .await;
                match row {
                    Ok(row) => MandateDocumentInfo::try_from(row),
                    Err(error) if is_foreign_key_violation(&error) => Err(StoreError::NotFound {
                        what: format!("mandate {reference}"),
                    }),
                    Err(error) => Err(error.into()),
                }
            }

            async fn mandate_documents(&self, reference: &str) -> Result<Vec<MandateDocumentInfo>> {
                let sql = format!(
                    "SELECT {DOCUMENT_INFO_COLUMNS} FROM mandate_documents \
                     WHERE mandate_reference = $1 ORDER BY id DESC"
                );
                let rows: Vec<DocumentInfoRow> = sqlx::query_as(&sql)
                    .bind(reference)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(MandateDocumentInfo::try_from).collect()
            }

            async fn mandate_document(
                &self,
                reference: &str,
                id: i64,
            ) -> Result<Option<MandateDocument>> {
                let sql = format!(
                    "SELECT {DOCUMENT_INFO_COLUMNS}, bytes FROM mandate_documents \
                     WHERE id = $1 AND mandate_reference = $2"
                );
                let row: Option<DocumentRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .bind(reference)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(MandateDocument::try_from).transpose()
            }

            async fn record_collection_run(&self, run: &NewCollectionRun) -> Result<CollectionRun> {
                let totals = run_totals(run)?;
                let created_at = now();
                let mut tx = self.pool.begin().await?;
                // The first statement writes, so SQLite takes the write lock at once (waiting
                // out the busy timeout) instead of failing a read-to-write upgrade later.
                let run_id = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO collection_runs (created_at, status, format, collection_dates, \
                     debit_count, total_cents, control_list_csv, confirm_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(created_at)
                .bind(RunStatus::Recorded.as_str())
                .bind(&run.format)
                .bind(&totals.collection_dates)
                .bind(totals.debit_count)
                .bind(totals.total_cents)
                .bind(&run.control_list_csv)
                .bind(&run.confirm_key)
                .fetch_one(&mut *tx)
                .await
                .map_err(|error| {
                    if is_unique_violation(&error) {
                        StoreError::Conflict(
                            "this preview has already been confirmed as a run".into(),
                        )
                    } else {
                        StoreError::Database(error)
                    }
                })?;
                for (index, (file, (file_count, file_total))) in
                    run.files.iter().zip(totals.file_totals.iter().copied()).enumerate()
                {
                    let position = i64::try_from(index + 1).unwrap_or(i64::MAX);
                    let file_id = sqlx::query_scalar::<$db, i64>(
                        "INSERT INTO collection_files (run_id, position, file_name, message_id, \
                         bytes, sha256, debit_count, total_cents) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(run_id)
                    .bind(position)
                    .bind(&file.file_name)
                    .bind(&file.message_id)
                    .bind(&file.bytes)
                    .bind(sha256_hex(&file.bytes))
                    .bind(file_count)
                    .bind(file_total)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|error| file_insert_error(error, &file.message_id))?;
                    for debit in &file.debits {
                        let debit_id = sqlx::query_scalar::<$db, i64>(
                            "INSERT INTO debits (run_id, file_id, invoice_id, contact_id, \
                             mandate_reference, iban, amount_cents, sequence_type, \
                             end_to_end_id, collection_date, status) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                        )
                        .bind(run_id)
                        .bind(file_id)
                        .bind(debit.invoice_id)
                        .bind(debit.contact_id)
                        .bind(&debit.mandate_reference)
                        .bind(&debit.iban)
                        .bind(debit.amount_cents)
                        .bind(debit.sequence_type.as_str())
                        .bind(&debit.end_to_end_id)
                        .bind(debit.collection_date)
                        .bind(DebitStatus::Pending.as_str())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|error| debit_insert_error(error, debit))?;
                        // First and last collection are read from the debits themselves (see
                        // MANDATE_SELECT), so a rejected debit stops counting by its status alone.
                        sqlx::query(
                            "UPDATE mandates SET last_iban = $1, last_reference = $2, \
                             updated_at = $3 WHERE reference = $2",
                        )
                        .bind(&debit.iban)
                        .bind(&debit.mandate_reference)
                        .bind(created_at)
                        .execute(&mut *tx)
                        .await?;
                        if let Some(amendment) = &debit.amendment {
                            sqlx::query(
                                "INSERT INTO mandate_amendments (mandate_reference, debit_id, \
                                 detected_at, original_reference, original_iban, new_iban) \
                                 VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(&debit.mandate_reference)
                            .bind(debit_id)
                            .bind(created_at)
                            .bind(&amendment.original_reference)
                            .bind(&amendment.original_iban)
                            .bind(&debit.iban)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
                tx.commit().await?;
                self.collection_run(run_id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        what: format!("collection run {run_id} just recorded"),
                    })
            }

            async fn collection_runs(&self) -> Result<Vec<CollectionRun>> {
                let sql = format!("SELECT {RUN_COLUMNS} FROM collection_runs ORDER BY id DESC");
                let rows: Vec<RunRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                let mut files: std::collections::HashMap<i64, Vec<CollectionFileInfo>> =
                    std::collections::HashMap::new();
                for info in self.file_infos(None).await? {
                    files.entry(info.run_id).or_default().push(info);
                }
                rows.into_iter()
                    .map(|row| {
                        let run_files = files.remove(&row.id).unwrap_or_default();
                        row.into_run(run_files)
                    })
                    .collect()
            }

            async fn collection_run(&self, id: i64) -> Result<Option<CollectionRun>> {
                let sql = format!("SELECT {RUN_COLUMNS} FROM collection_runs WHERE id = $1");
                let row: Option<RunRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                match row {
                    Some(row) => Ok(Some(row.into_run(self.file_infos(Some(id)).await?)?)),
                    None => Ok(None),
                }
            }

            async fn collection_run_by_confirm_key(
                &self,
                key: &str,
            ) -> Result<Option<CollectionRun>> {
                let id = sqlx::query_scalar::<$db, i64>(
                    "SELECT id FROM collection_runs WHERE confirm_key = $1",
                )
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                match id {
                    Some(id) => self.collection_run(id).await,
                    None => Ok(None),
                }
            }

            async fn set_run_status(&self, id: i64, status: RunStatus) -> Result<()> {
                let done = sqlx::query("UPDATE collection_runs SET status = $1 WHERE id = $2")
                    .bind(status.as_str())
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: format!("collection run {id}"),
                    });
                }
                Ok(())
            }

            async fn run_file(&self, file_id: i64) -> Result<Option<CollectionFile>> {
                let sql = format!(
                    "SELECT {FILE_INFO_COLUMNS}, bytes FROM collection_files WHERE id = $1"
                );
                let row: Option<FileRow> =
                    sqlx::query_as(&sql).bind(file_id).fetch_optional(&self.pool).await?;
                Ok(row.map(CollectionFile::from))
            }

            async fn run_files(&self, run_id: i64) -> Result<Vec<CollectionFile>> {
                let sql = format!(
                    "SELECT {FILE_INFO_COLUMNS}, bytes FROM collection_files WHERE run_id = $1 \
                     ORDER BY position"
                );
                let rows: Vec<FileRow> =
                    sqlx::query_as(&sql).bind(run_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(CollectionFile::from).collect())
            }

            async fn control_list(&self, run_id: i64) -> Result<Option<Vec<u8>>> {
                Ok(sqlx::query_scalar::<$db, Vec<u8>>(
                    "SELECT control_list_csv FROM collection_runs WHERE id = $1",
                )
                .bind(run_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn debits_for_run(&self, run_id: i64) -> Result<Vec<Debit>> {
                let sql = format!("SELECT {DEBIT_COLUMNS} FROM debits WHERE run_id = $1 ORDER BY id");
                let rows: Vec<DebitRow> =
                    sqlx::query_as(&sql).bind(run_id).fetch_all(&self.pool).await?;
                rows.into_iter().map(Debit::try_from).collect()
            }

            async fn debits_for_invoice(&self, invoice_id: SevdeskId) -> Result<Vec<Debit>> {
                let sql =
                    format!("SELECT {DEBIT_COLUMNS} FROM debits WHERE invoice_id = $1 ORDER BY id");
                let rows: Vec<DebitRow> =
                    sqlx::query_as(&sql).bind(invoice_id).fetch_all(&self.pool).await?;
                rows.into_iter().map(Debit::try_from).collect()
            }

            async fn debits_for_mandate(&self, reference: &str) -> Result<Vec<Debit>> {
                let sql = format!(
                    "SELECT {DEBIT_COLUMNS} FROM debits WHERE mandate_reference = $1 ORDER BY id"
                );
                let rows: Vec<DebitRow> =
                    sqlx::query_as(&sql).bind(reference).fetch_all(&self.pool).await?;
                rows.into_iter().map(Debit::try_from).collect()
            }

            async fn active_debit_invoice_ids(&self) -> Result<HashSet<SevdeskId>> {
                let ids = sqlx::query_scalar::<$db, i64>(
                    "SELECT invoice_id FROM debits WHERE status NOT IN ($1, $2, $3)",
                )
                .bind(DebitStatus::Rejected.as_str())
                .bind(DebitStatus::Returned.as_str())
                .bind(DebitStatus::Cancelled.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(ids.into_iter().collect())
            }

            async fn mandate_ledger(&self) -> Result<Vec<LedgerDebit>> {
                type Row = (i64, String, String, String, Option<String>, String, NaiveDate);
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT d.id, d.mandate_reference, d.status, d.iban, a.original_iban, \
                     d.sequence_type, d.collection_date \
                     FROM debits d LEFT JOIN mandate_amendments a ON a.debit_id = d.id \
                     ORDER BY d.id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(
                        |(id, mandate_reference, status, iban, original_iban, sequence, date)| {
                            Ok(LedgerDebit {
                                id,
                                mandate_reference,
                                status: status.parse().map_err(StoreError::Corrupt)?,
                                iban,
                                original_iban,
                                sequence_type: sequence.parse().map_err(StoreError::Corrupt)?,
                                collection_date: date,
                            })
                        },
                    )
                    .collect()
            }

            async fn newest_run_id(&self) -> Result<Option<i64>> {
                Ok(
                    sqlx::query_scalar::<$db, Option<i64>>("SELECT MAX(id) FROM collection_runs")
                        .fetch_one(&self.pool)
                        .await?,
                )
            }

            async fn mark_debit_collected(&self, debit_id: i64) -> Result<Debit> {
                self.change_debit_status(
                    debit_id,
                    DebitStatus::Collected,
                    &[DebitStatus::Pending],
                    None,
                )
                .await
            }

            async fn mark_debit_rejected(
                &self,
                debit_id: i64,
                reason: Option<&str>,
            ) -> Result<Debit> {
                // A reject comes before settlement; one that arrives after the policy already
                // took the debit for collected still wins, the bank knows better.
                self.change_debit_status(
                    debit_id,
                    DebitStatus::Rejected,
                    &[DebitStatus::Pending, DebitStatus::Collected],
                    reason,
                )
                .await
            }

            async fn mark_debits_collected_through(&self, last_date: NaiveDate) -> Result<u64> {
                // One statement: a reject recorded at the same moment either happened first
                // (the debit is no longer pending) or is refused as a conflict afterwards.
                Ok(sqlx::query(
                    "UPDATE debits SET status = $1, status_changed_at = $2, status_reason = $3 \
                     WHERE status = $4 AND collection_date <= $5",
                )
                .bind(DebitStatus::Collected.as_str())
                .bind(now())
                .bind("no reject by the policy's settlement period")
                .bind(DebitStatus::Pending.as_str())
                .bind(last_date)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn mark_debit_returned(
                &self,
                debit_id: i64,
                reason: Option<&str>,
            ) -> Result<Debit> {
                self.change_debit_status(
                    debit_id,
                    DebitStatus::Returned,
                    &[DebitStatus::Pending, DebitStatus::Collected],
                    reason,
                )
                .await
            }

            async fn mark_debit_cancelled(
                &self,
                debit_id: i64,
                reason: Option<&str>,
            ) -> Result<Debit> {
                self.change_debit_status(
                    debit_id,
                    DebitStatus::Cancelled,
                    &[DebitStatus::Pending],
                    reason,
                )
                .await
            }

            async fn record_bank_import(&self, import: &NewBankImport) -> Result<BankImportOutcome> {
                let sha256 = sha256_hex(&import.bytes);
                if let Some(existing) = self.bank_import_by_hash(&sha256).await? {
                    return Ok(BankImportOutcome::AlreadyImported(existing));
                }
                let imported_at = now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let inserted = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO bank_imports (sha256, file_name, format, message_id, bytes, \
                     imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&sha256)
                .bind(&import.file_name)
                .bind(&import.format)
                .bind(&import.message_id)
                .bind(&import.bytes)
                .bind(imported_at)
                .bind(&import.imported_by)
                .fetch_one(&mut *tx)
                .await;
                let import_id = match inserted {
                    Ok(id) => id,
                    Err(error) if is_unique_violation(&error) => {
                        // The same file, imported at the same moment by another request.
                        drop(tx);
                        return match self.bank_import_by_hash(&sha256).await? {
                            Some(existing) => Ok(BankImportOutcome::AlreadyImported(existing)),
                            None => Err(error.into()),
                        };
                    }
                    Err(error) => return Err(error.into()),
                };
                let mut events = Vec::with_capacity(import.changes.len());
                for change in &import.changes {
                    let mut effect = BankEffect::Unmatched;
                    let mut detail = change.detail.clone();
                    if let Some(debit_id) = change.debit_id {
                        let query = match change.effect {
                            BankEffect::Rejected => Some(
                                sqlx::query(
                                    "UPDATE debits SET status = 'rejected', status_changed_at = $2, \
                                     status_reason = $3, status_on = $4 \
                                     WHERE id = $1 AND status IN ('pending', 'collected') \
                                     AND NOT confirmed_by_bank",
                                )
                                .bind(debit_id)
                                .bind(imported_at)
                                .bind(&change.reason_code)
                                .bind(change.booked_on),
                            ),
                            BankEffect::Returned => Some(
                                sqlx::query(
                                    "UPDATE debits SET status = 'returned', status_changed_at = $2, \
                                     status_reason = $3, status_on = $4, fee_cents = $5 \
                                     WHERE id = $1 AND status IN ('pending', 'collected')",
                                )
                                .bind(debit_id)
                                .bind(imported_at)
                                .bind(&change.reason_code)
                                .bind(change.booked_on)
                                .bind(change.fee_cents),
                            ),
                            BankEffect::Collected => Some(
                                sqlx::query(
                                    "UPDATE debits SET status = 'collected', status_changed_at = $2, \
                                     status_on = COALESCE(status_on, $3), confirmed_by_bank = TRUE \
                                     WHERE id = $1 AND status IN ('pending', 'collected') \
                                     AND NOT confirmed_by_bank",
                                )
                                .bind(debit_id)
                                .bind(imported_at)
                                .bind(change.booked_on),
                            ),
                            BankEffect::Unchanged | BankEffect::Unmatched => None,
                        };
                        if let Some(query) = query {
                            if query.execute(&mut *tx).await?.rows_affected() == 1 {
                                effect = change.effect;
                            } else {
                                effect = BankEffect::Unchanged;
                                let status = sqlx::query_scalar::<$db, String>(
                                    "SELECT status FROM debits WHERE id = $1",
                                )
                                .bind(debit_id)
                                .fetch_optional(&mut *tx)
                                .await?
                                .unwrap_or_else(|| "unknown".into());
                                detail = format!("{detail} (debit {debit_id} is already {status})");
                            }
                        }
                    }
                    if matches!(effect, BankEffect::Rejected | BankEffect::Returned)
                        && let (Some(debit_id), Some(action)) = (change.debit_id, change.follow_up)
                    {
                        sqlx::query(
                            "INSERT INTO debit_follow_ups (debit_id, action, reason_code, \
                             blocked_iban, decided_at, decided_by) VALUES ($1, $2, $3, $4, $5, NULL) \
                             ON CONFLICT (debit_id) DO UPDATE SET action = excluded.action, \
                             reason_code = excluded.reason_code, \
                             blocked_iban = excluded.blocked_iban, decided_at = excluded.decided_at, \
                             decided_by = NULL",
                        )
                        .bind(debit_id)
                        .bind(action.as_str())
                        .bind(&change.reason_code)
                        .bind(&change.blocked_iban)
                        .bind(imported_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let sql = format!(
                        "INSERT INTO bank_events (import_id, debit_id, effect, reason_code, \
                         amount_cents, fee_cents, booked_on, detail) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {BANK_EVENT_COLUMNS}"
                    );
                    let row: BankEventRow = sqlx::query_as(&sql)
                        .bind(import_id)
                        .bind(change.debit_id)
                        .bind(effect.as_str())
                        .bind(&change.reason_code)
                        .bind(change.amount_cents)
                        .bind(change.fee_cents)
                        .bind(change.booked_on)
                        .bind(&detail)
                        .fetch_one(&mut *tx)
                        .await?;
                    events.push(BankEvent::try_from(row)?);
                }
                tx.commit().await?;
                Ok(BankImportOutcome::Imported(BankImport {
                    id: import_id,
                    sha256,
                    file_name: import.file_name.clone(),
                    format: import.format.clone(),
                    message_id: import.message_id.clone(),
                    imported_at,
                    imported_by: import.imported_by.clone(),
                    events,
                }))
            }

            async fn bank_imports(&self) -> Result<Vec<BankImport>> {
                let sql = format!("SELECT {BANK_IMPORT_COLUMNS} FROM bank_imports ORDER BY id DESC");
                let rows: Vec<BankImportRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                let sql = format!("SELECT {BANK_EVENT_COLUMNS} FROM bank_events ORDER BY id");
                let events: Vec<BankEventRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                let mut by_import: std::collections::HashMap<i64, Vec<BankEvent>> =
                    std::collections::HashMap::new();
                for event in events {
                    let event = BankEvent::try_from(event)?;
                    by_import.entry(event.import_id).or_default().push(event);
                }
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        let events = by_import.remove(&row.id).unwrap_or_default();
                        row.with_events(events)
                    })
                    .collect())
            }

            async fn bank_import_bytes(&self, id: i64) -> Result<Option<Vec<u8>>> {
                Ok(sqlx::query_scalar::<$db, Vec<u8>>(
                    "SELECT bytes FROM bank_imports WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn debits_by_end_to_end_ids(&self, ids: &[String]) -> Result<Vec<Debit>> {
                let mut found = Vec::new();
                // Bound in chunks: SQLite allows 32 766 parameters, PostgreSQL 65 535.
                for chunk in ids.chunks(500) {
                    let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "SELECT {DEBIT_COLUMNS} FROM debits WHERE end_to_end_id IN ({}) ORDER BY id",
                        marks.join(", ")
                    );
                    let mut query = sqlx::query_as::<$db, DebitRow>(&sql);
                    for id in chunk {
                        query = query.bind(id);
                    }
                    for row in query.fetch_all(&self.pool).await? {
                        found.push(Debit::try_from(row)?);
                    }
                }
                Ok(found)
            }

            async fn file_by_message_id(
                &self,
                message_id: &str,
            ) -> Result<Option<(CollectionFileInfo, Vec<Debit>)>> {
                let sql = format!(
                    "SELECT {FILE_INFO_COLUMNS} FROM collection_files WHERE message_id = $1"
                );
                let Some(row) = sqlx::query_as::<$db, FileInfoRow>(&sql)
                    .bind(message_id)
                    .fetch_optional(&self.pool)
                    .await?
                else {
                    return Ok(None);
                };
                let info = CollectionFileInfo::from(row);
                let sql = format!("SELECT {DEBIT_COLUMNS} FROM debits WHERE file_id = $1 ORDER BY id");
                let rows: Vec<DebitRow> = sqlx::query_as(&sql)
                    .bind(info.id)
                    .fetch_all(&self.pool)
                    .await?;
                let debits = rows.into_iter().map(Debit::try_from).collect::<Result<Vec<_>>>()?;
                Ok(Some((info, debits)))
            }

            async fn debit_follow_ups(&self) -> Result<Vec<DebitFollowUp>> {
                let sql = format!("{} ORDER BY d.id", follow_up_select());
                let rows: Vec<FollowUpRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                rows.into_iter().map(DebitFollowUp::try_from).collect()
            }

            async fn set_follow_up(
                &self,
                debit_id: i64,
                action: FollowUp,
                decided_by: Option<&str>,
            ) -> Result<DebitFollowUp> {
                let changed = sqlx::query(
                    "UPDATE debit_follow_ups SET action = $2, decided_at = $3, decided_by = $4 \
                     WHERE debit_id = $1",
                )
                .bind(debit_id)
                .bind(action.as_str())
                .bind(now())
                .bind(decided_by)
                .execute(&self.pool)
                .await?
                .rows_affected();
                let sql = format!("{} WHERE d.id = $1", follow_up_select());
                let row: Option<FollowUpRow> = sqlx::query_as(&sql)
                    .bind(debit_id)
                    .fetch_optional(&self.pool)
                    .await?;
                match (changed, row) {
                    (1, Some(row)) => DebitFollowUp::try_from(row),
                    _ => Err(StoreError::NotFound {
                        what: format!("the follow-up of debit {debit_id}"),
                    }),
                }
            }

            async fn prepare_pre_notifications(
                &self,
                notifications: &[NewPreNotification],
            ) -> Result<Vec<PreNotification>> {
                let created_at = now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let mut ids = Vec::with_capacity(notifications.len());
                for n in notifications {
                    let mut total = 0i64;
                    for item in &n.items {
                        if item.amount_cents <= 0 {
                            return Err(StoreError::Conflict(format!(
                                "the pre-notification for {} announces invoice {} with a non-positive amount",
                                n.mandate_reference, item.invoice_id
                            )));
                        }
                        total = total.checked_add(item.amount_cents).ok_or_else(|| {
                            StoreError::Conflict("the amounts add up beyond range".into())
                        })?;
                    }
                    let inserted = sqlx::query_scalar::<$db, i64>(
                        "INSERT INTO pre_notifications (fingerprint, created_at, collection_date, \
                         mandate_reference, contact_id, debtor_name, channel, address, creditor_id, \
                         total_cents, subject, body_text, body_html, template_version, message_id, \
                         status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                         $14, $15, 'pending') ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
                    )
                    .bind(&n.fingerprint)
                    .bind(created_at)
                    .bind(n.collection_date)
                    .bind(&n.mandate_reference)
                    .bind(n.contact_id)
                    .bind(&n.debtor_name)
                    .bind(n.channel.as_str())
                    .bind(&n.address)
                    .bind(&n.creditor_id)
                    .bind(total)
                    .bind(&n.subject)
                    .bind(&n.body_text)
                    .bind(&n.body_html)
                    .bind(&n.template_version)
                    .bind(&n.message_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let id = match inserted {
                        Some(id) => {
                            for (position, item) in n.items.iter().enumerate() {
                                sqlx::query(
                                    "INSERT INTO pre_notification_items (pre_notification_id, \
                                     position, invoice_id, invoice_number, amount_cents) \
                                     VALUES ($1, $2, $3, $4, $5)",
                                )
                                .bind(id)
                                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                                .bind(item.invoice_id)
                                .bind(&item.invoice_number)
                                .bind(item.amount_cents)
                                .execute(&mut *tx)
                                .await?;
                            }
                            id
                        }
                        None => sqlx::query_scalar::<$db, i64>(
                            "SELECT id FROM pre_notifications WHERE fingerprint = $1",
                        )
                        .bind(&n.fingerprint)
                        .fetch_one(&mut *tx)
                        .await?,
                    };
                    ids.push(id);
                }
                tx.commit().await?;
                let mut stored = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(n) = self.pre_notification_by_id(id).await? {
                        stored.push(n);
                    }
                }
                Ok(stored)
            }

            async fn pre_notifications(
                &self,
                collection_date: Option<NaiveDate>,
            ) -> Result<Vec<PreNotification>> {
                let rows: Vec<PreNotificationRow> = match collection_date {
                    Some(date) => {
                        let sql = format!(
                            "SELECT {PRE_NOTIFICATION_COLUMNS} FROM pre_notifications \
                             WHERE collection_date = $1 ORDER BY id DESC"
                        );
                        sqlx::query_as(&sql).bind(date).fetch_all(&self.pool).await?
                    }
                    None => {
                        let sql = format!(
                            "SELECT {PRE_NOTIFICATION_COLUMNS} FROM pre_notifications ORDER BY id DESC"
                        );
                        sqlx::query_as(&sql).fetch_all(&self.pool).await?
                    }
                };
                self.with_items(rows).await
            }

            async fn pre_notification(&self, id: i64) -> Result<Option<PreNotification>> {
                self.pre_notification_by_id(id).await
            }

            async fn pre_notifications_for_invoice(
                &self,
                invoice_id: SevdeskId,
            ) -> Result<Vec<PreNotification>> {
                let sql = format!(
                    "SELECT {PRE_NOTIFICATION_COLUMNS} FROM pre_notifications WHERE id IN \
                     (SELECT pre_notification_id FROM pre_notification_items WHERE invoice_id = $1) \
                     ORDER BY id DESC"
                );
                let rows: Vec<PreNotificationRow> =
                    sqlx::query_as(&sql).bind(invoice_id).fetch_all(&self.pool).await?;
                self.with_items(rows).await
            }

            async fn claim_pre_notification(&self, id: i64) -> Result<bool> {
                let claimed = sqlx::query(
                    "UPDATE pre_notifications SET status = 'sending', attempts = attempts + 1, \
                     status_changed_at = $2 WHERE id = $1 AND status IN ('pending', 'failed')",
                )
                .bind(id)
                .bind(now())
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(claimed == 1)
            }

            async fn record_pre_notification_sent(
                &self,
                id: i64,
                sent_at: DateTime<Utc>,
                server_reply: Option<&str>,
                pdf: Option<&[u8]>,
            ) -> Result<PreNotification> {
                self.finish_sending(
                    id,
                    "UPDATE pre_notifications SET status = 'sent', status_changed_at = $2, \
                     sent_at = $3, server_reply = $4, pdf = $5, pdf_sha256 = $6, last_error = $7 \
                     WHERE id = $1 AND status = 'sending'",
                    (Some(sent_at), server_reply, pdf, pdf.map(sha256_hex), None),
                )
                .await
            }

            async fn record_pre_notification_failed(
                &self,
                id: i64,
                error: &str,
            ) -> Result<PreNotification> {
                self.finish_sending(
                    id,
                    "UPDATE pre_notifications SET status = 'failed', status_changed_at = $2, \
                     sent_at = $3, server_reply = $4, pdf = $5, pdf_sha256 = $6, last_error = $7 \
                     WHERE id = $1 AND status = 'sending'",
                    (None, None, None, None, Some(error)),
                )
                .await
            }

            async fn release_pre_notification(
                &self,
                id: i64,
                note: &str,
            ) -> Result<PreNotification> {
                // The same step as a refusal: from `sending` to `failed`, with the reason.
                self.record_pre_notification_failed(id, note).await
            }

            async fn pre_notification_pdf(&self, id: i64) -> Result<Option<Vec<u8>>> {
                Ok(sqlx::query_scalar::<$db, Option<Vec<u8>>>(
                    "SELECT pdf FROM pre_notifications WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .flatten())
            }

            async fn announced_invoices(&self) -> Result<Vec<AnnouncedInvoice>> {
                let rows: Vec<AnnouncedInvoiceRow> = sqlx::query_as(
                    "SELECT i.invoice_id, i.amount_cents, n.collection_date, n.sent_at, \
                     n.id AS pre_notification_id, n.channel, n.address, n.message_id, \
                     n.server_reply, n.pdf_sha256 FROM pre_notification_items i \
                     JOIN pre_notifications n ON n.id = i.pre_notification_id \
                     WHERE n.status = 'sent' AND n.sent_at IS NOT NULL ORDER BY n.id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(AnnouncedInvoice::try_from).collect()
            }

            async fn append_request_log(&self, entries: &[NewRequestLogEntry]) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                for entry in entries {
                    sqlx::query(
                        "INSERT INTO request_log (at, method, path, status, duration_ms) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(ts(entry.at))
                    .bind(&entry.method)
                    .bind(&entry.path)
                    .bind(entry.status)
                    .bind(entry.duration_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn request_log(&self, page: Page) -> Result<Paged<RequestLogEntry>> {
                let (limit, offset) = page.limit_offset();
                let rows: Vec<RequestLogRow> = sqlx::query_as(
                    "SELECT id, at, method, path, status, duration_ms FROM request_log \
                     ORDER BY id DESC LIMIT $1 OFFSET $2",
                )
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                let total = sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM request_log")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(Paged {
                    items: rows.into_iter().map(RequestLogEntry::from).collect(),
                    total,
                    page,
                })
            }

            async fn create_user(&self, user: &NewUser) -> Result<User> {
                let created_at = now();
                let id = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO users (username, password_hash, role, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&user.username)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(created_at)
                .fetch_one(&self.pool)
                .await
                .map_err(|error| {
                    if is_unique_violation(&error) {
                        StoreError::Conflict(format!(
                            "the user name `{}` is already taken",
                            user.username
                        ))
                    } else {
                        StoreError::Database(error)
                    }
                })?;
                Ok(User {
                    id,
                    username: user.username.clone(),
                    password_hash: user.password_hash.clone(),
                    role: user.role,
                    created_at,
                })
            }

            async fn create_first_admin(&self, user: &NewUser) -> Result<Option<User>> {
                let created_at = now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let claimed = sqlx::query(
                    "INSERT INTO installation_setup (id, done_at) VALUES (1, $1)",
                )
                .bind(created_at)
                .execute(&mut *tx)
                .await;
                match claimed {
                    Ok(_) => {}
                    // Another first-start form (or an earlier setup) holds the row.
                    Err(error) if is_unique_violation(&error) => return Ok(None),
                    Err(error) => return Err(error.into()),
                }
                let id = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO users (username, password_hash, role, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&user.username)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(created_at)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(User {
                    id,
                    username: user.username.clone(),
                    password_hash: user.password_hash.clone(),
                    role: user.role,
                    created_at,
                }))
            }

            async fn user(&self, id: i64) -> Result<Option<User>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
                let row: Option<UserRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(User::try_from).transpose()
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                // Names are stored in lower case; one made before that rule is found too.
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower($1) \
                     ORDER BY username = $1 DESC, id LIMIT 1"
                );
                let row: Option<UserRow> =
                    sqlx::query_as(&sql).bind(username).fetch_optional(&self.pool).await?;
                row.map(User::try_from).transpose()
            }

            async fn users(&self) -> Result<Vec<User>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
                let rows: Vec<UserRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                rows.into_iter().map(User::try_from).collect()
            }

            async fn user_count(&self) -> Result<i64> {
                Ok(sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM users")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn set_user_password_hash(&self, id: i64, password_hash: &str) -> Result<()> {
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: format!("user {id}"),
                    });
                }
                Ok(())
            }

            async fn set_user_role(&self, id: i64, role: Role) -> Result<()> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                if role != Role::Admin {
                    self.refuse_last_admin(&mut tx, id).await?;
                }
                let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: format!("user {id}"),
                    });
                }
                tx.commit().await?;
                Ok(())
            }

            async fn delete_user(&self, id: i64) -> Result<()> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                self.refuse_last_admin(&mut tx, id).await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: format!("user {id}"),
                    });
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, session: &Session) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&session.token_hash)
                .bind(session.user_id)
                .bind(ts(session.created_at))
                .bind(ts(session.expires_at))
                .execute(&self.pool)
                .await
                .map_err(|error| {
                    if is_foreign_key_violation(&error) {
                        StoreError::NotFound {
                            what: format!("user {}", session.user_id),
                        }
                    } else if is_unique_violation(&error) {
                        StoreError::Conflict("this session token already exists".into())
                    } else {
                        StoreError::Database(error)
                    }
                })?;
                Ok(())
            }

            async fn session(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<Session>> {
                let row: Option<SessionRow> = sqlx::query_as(
                    "SELECT token_hash, user_id, created_at, expires_at FROM sessions \
                     WHERE token_hash = $1 AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(ts(now))
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Session::from))
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_sessions_of_user(&self, user_id: i64) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(ts(now))
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}

pub(crate) use impl_store;
