//! The web UI's words, German first and English second, in one catalogue.
//!
//! Templates look words up by key (`{{ tr.t("nav.invoices") }}`). A key that is missing from the
//! catalogue shows as `[?]` (visible, never a crash); the unit test below reads every
//! template and fails on any key that is not here, so that cannot ship.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The two UI languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of German or English the browser lists (`Accept-Language`, by weight); German
    /// when it lists neither, since the product is made for German and Austrian bookkeepers.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::De;
        };
        let mut best: Option<(u32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u32);
            let lang = match tag.split('-').next().unwrap_or("") {
                "de" => Lang::De,
                "en" => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::De, |(_, lang)| lang)
    }
}

/// What a template uses to translate: the language plus the lookup.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// Generic over the key's reference type because templates pass keys as `&str`, `&&str` or
    /// `String`, depending on where they come from.
    pub fn t<S: AsRef<str> + ?Sized>(&self, key: &S) -> &'static str {
        lookup(self.lang, key.as_ref())
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// A debit's ledger status in words (the stored text stays English, for scripts).
    pub fn debit_status(&self, status: lastschrift_core::store::DebitStatus) -> &'static str {
        self.t(&format!("status.{}", status.as_str()))
    }

    /// A collection run's status in words.
    pub fn run_status(&self, status: lastschrift_core::store::RunStatus) -> &'static str {
        self.t(&format!("status.{}", status.as_str()))
    }

    pub fn de(&self) -> bool {
        self.lang == Lang::De
    }

    /// A core error's sentence in this language.
    pub fn error(&self, error: &lastschrift_core::CoreError) -> String {
        if self.de() {
            error.german()
        } else {
            error.to_string()
        }
    }

    /// Euro cents as the UI shows them: `1.234,56 €` in German, `€1,234.56` in English.
    pub fn money(&self, cents: impl Borrow<i64>) -> String {
        let cents = *cents.borrow();
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        let (euros, rest) = (abs / 100, abs % 100);
        let digits = euros.to_string();
        let sep = if self.de() { '.' } else { ',' };
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(sep);
            }
            grouped.push(c);
        }
        if self.de() {
            format!("{sign}{grouped},{rest:02} €")
        } else {
            format!("{sign}€{grouped}.{rest:02}")
        }
    }

    /// A date as `29.11.2026` (German) or `2026-11-29` (English).
    pub fn date(&self, date: impl Borrow<chrono::NaiveDate>) -> String {
        let date = date.borrow();
        if self.de() {
            date.format("%d.%m.%Y").to_string()
        } else {
            date.format("%Y-%m-%d").to_string()
        }
    }

    pub fn datetime(&self, at: impl Borrow<chrono::DateTime<chrono::Utc>>) -> String {
        let local = at.borrow().with_timezone(&chrono_tz::Europe::Berlin);
        if self.de() {
            local.format("%d.%m.%Y %H:%M:%S").to_string()
        } else {
            local.format("%Y-%m-%d %H:%M:%S").to_string()
        }
    }
}

fn lookup(lang: Lang, key: &str) -> &'static str {
    static MAP: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        CATALOGUE
            .iter()
            .map(|(k, de, en)| (*k, (*de, *en)))
            .collect()
    });
    match map.get(key) {
        Some((de, en)) => match lang {
            Lang::De => de,
            Lang::En => en,
        },
        None => {
            // Visible on the page, never a crash; the template test keeps this from shipping.
            tracing::warn!(key, "missing UI text");
            "[?]"
        }
    }
}

/// key, German, English.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    ("app.name", "Lastschrift", "Lastschrift"),
    ("nav.dashboard", "Übersicht", "Dashboard"),
    ("nav.invoices", "Rechnungen", "Invoices"),
    ("nav.mandates", "Mandate", "Mandates"),
    ("nav.run", "Einzugslauf", "Collection run"),
    ("nav.archive", "Archiv", "Archive"),
    ("nav.sync", "Abgleich", "Sync"),
    ("nav.requests", "Anfragen", "Requests"),
    ("nav.users", "Benutzer", "Users"),
    ("nav.settings", "Einstellungen", "Settings"),
    ("nav.logout", "Abmelden", "Log out"),
    ("nav.bank", "Bankantworten", "Bank answers"),
    ("nav.worklist", "Rücklastschriften", "Returns"),
    ("bank.title", "Antworten der Bank", "The bank's answers"),
    (
        "bank.intro",
        "Statusberichte (pain.002) und Buchungen (camt.054, camt.053) aus dem Online-Banking hochladen, auch mehrere auf einmal. Ablehnungen und Rücklastschriften werden den Lastschriften zugeordnet; dieselbe Datei ein zweites Mal ändert nichts.",
        "Upload status reports (pain.002) and bookings (camt.054, camt.053) from online banking, several at once. Rejects and returns are matched to the debits; the same file a second time changes nothing.",
    ),
    (
        "bank.files",
        "Dateien der Bank (XML, je höchstens 5 MiB):",
        "Bank files (XML, at most 5 MiB each):",
    ),
    ("bank.import_submit", "Einlesen", "Import"),
    (
        "bank.no_file",
        "Bitte mindestens eine Datei wählen.",
        "Please choose at least one file.",
    ),
    (
        "bank.already",
        "Schon eingelesen; nichts geändert",
        "Imported before; nothing changed",
    ),
    ("bank.imports", "Eingelesene Dateien", "Imported files"),
    ("bank.imported_at", "Eingelesen", "Imported"),
    ("bank.format", "Format", "Format"),
    ("bank.by", "Von", "By"),
    ("bank.effects", "Wirkung", "Effect"),
    ("bank.debit", "Lastschrift", "Debit"),
    ("bank.fee", "Gebühr", "Fee"),
    ("bank.detail", "Angabe der Bank", "What the bank said"),
    ("bank.date", "Datum", "Date"),
    (
        "status.pending",
        "offen (bei der Bank)",
        "pending (at the bank)",
    ),
    ("status.collected", "eingezogen", "collected"),
    ("status.rejected", "abgelehnt", "rejected"),
    ("status.returned", "zurückgegeben", "returned"),
    ("status.cancelled", "storniert", "cancelled"),
    ("status.recorded", "gespeichert", "recorded"),
    ("status.exported", "Datei geschrieben", "file written"),
    ("nav.notify", "Vorabankündigungen", "Pre-notifications"),
    ("notify.title", "Vorabankündigungen", "Pre-notifications"),
    (
        "notify.intro",
        "Vor dem Einzug erfahren die Zahlungspflichtigen Betrag und Datum: per E-Mail an die Adresse aus sevdesk, sonst per Brief (PDF zum Drucken). Eine Lastschrift geht erst mit, wenn ihre Vorabankündigung rechtzeitig verschickt wurde.",
        "Before the debit the debtors learn amount and date: by e-mail to the address in sevdesk, else by letter (a PDF to print). A debit goes into a file only when its pre-notification went out in time.",
    ),
    (
        "notify.preview",
        "Vorschau jeder Nachricht",
        "Preview of every message",
    ),
    (
        "notify.nothing",
        "Für dieses Datum ist nichts anzukündigen.",
        "Nothing to announce for this date.",
    ),
    ("notify.send", "Jetzt verschicken", "Send now"),
    (
        "notify.unannounceable",
        "Nicht ankündbar",
        "Cannot be announced",
    ),
    (
        "notify.recorded",
        "Verschickt und vorbereitet (mit Nachweis)",
        "Sent and prepared (with proof)",
    ),
    (
        "notify.none_recorded",
        "Noch keine Vorabankündigungen.",
        "No pre-notifications yet.",
    ),
    ("notify.column", "Vorabankündigung", "Pre-notification"),
    ("notify.by_invoice", "durch die Rechnung", "by the invoice"),
    ("notify.email", "E-Mail", "e-mail"),
    ("notify.letter", "Brief", "letter"),
    ("notify.channel", "Weg", "Channel"),
    ("notify.address", "An", "To"),
    ("notify.sent_at", "Verschickt am", "Sent at"),
    ("notify.proof", "Nachweis", "Proof"),
    ("notify.before", "schon vorher", "before"),
    ("notify.status.pending", "vorbereitet", "prepared"),
    (
        "notify.status.sending",
        "unklar (begonnen, nicht bestätigt)",
        "unclear (started, not confirmed)",
    ),
    (
        "notify.release",
        "Nicht angekommen: erneut senden lassen",
        "Did not arrive: let it be sent again",
    ),
    (
        "notify.released",
        "Freigegeben: Beim nächsten Verschicken geht diese Nachricht erneut hinaus.",
        "Released: the next send includes this message again.",
    ),
    ("notify.status.sent", "verschickt", "sent"),
    ("notify.status.failed", "fehlgeschlagen", "failed"),
    (
        "run.notify_link",
        "Vorabankündigungen ansehen und verschicken",
        "Review and send the pre-notifications",
    ),
    ("bank.rejected", "abgelehnt", "rejected"),
    ("bank.returned", "zurückgegeben", "returned"),
    ("bank.collected", "eingezogen", "collected"),
    ("bank.unchanged", "unverändert", "unchanged"),
    ("bank.unmatched", "nicht zugeordnet", "unmatched"),
    (
        "worklist.title",
        "Rücklastschriften und Ablehnungen",
        "Returns and rejects",
    ),
    (
        "worklist.intro",
        "Was die Bank zurückgegeben oder abgelehnt hat, mit Grund, Gebühr und dem nächsten Schritt nach der Regel für den Grund. Die Gebühren können dem Kunden weiterberechnet werden (CSV-Export).",
        "What the bank returned or rejected, with reason, fee and the next step from the rule for the reason. The fees may be passed on to the customer (CSV export).",
    ),
    ("worklist.empty", "Nichts zu tun.", "Nothing to do."),
    (
        "worklist.show_all",
        "Auch erledigte zeigen",
        "Show handled ones too",
    ),
    ("worklist.open_only", "Nur offene", "Open only"),
    ("worklist.next", "Nächster Schritt", "Next step"),
    (
        "worklist.collect_again",
        "Erneut einziehen",
        "Collect again",
    ),
    ("worklist.block", "Mandat sperren", "Block mandate"),
    ("worklist.done", "Erledigt", "Done"),
    (
        "dashboard.returns",
        "Offene Rücklastschriften",
        "Open returns",
    ),
    ("nav.language", "Sprache", "Language"),
    ("lang.switch", "English", "Deutsch"),
    ("common.save", "Speichern", "Save"),
    ("common.search", "Suchen", "Search"),
    ("common.none", "Keine Einträge.", "Nothing here."),
    ("common.page", "Seite", "Page"),
    ("common.of", "von", "of"),
    ("common.next", "Weiter", "Next"),
    ("common.previous", "Zurück", "Previous"),
    ("common.never", "noch nie", "never"),
    ("common.yes", "ja", "yes"),
    ("common.no", "nein", "no"),
    ("common.total", "Summe", "Total"),
    ("common.count", "Anzahl", "Count"),
    ("common.date", "Datum", "Date"),
    ("common.status", "Status", "Status"),
    ("common.amount", "Betrag", "Amount"),
    ("common.reason", "Grund", "Reason"),
    ("common.all", "Alle", "All"),
    ("common.done", "erledigt", "done"),
    ("common.open", "offen", "to do"),
    ("error.title", "Fehler", "Error"),
    (
        "error.forbidden",
        "Dafür fehlt Ihrer Rolle die Berechtigung.",
        "Your role is not allowed to do this.",
    ),
    (
        "run.warnings",
        "Angepasst, damit die Bank die Datei annimmt",
        "Adjusted so that the bank accepts the file",
    ),
    (
        "error.bad_request",
        "Die Anfrage enthielt einen ungültigen Wert (etwa eine Seitenzahl, die keine Zahl ist). Bitte über die Links und Formulare der Seite weitergehen.",
        "The request held a value that is not valid (such as a page number that is no number). Please go on through the page's links and forms.",
    ),
    (
        "error.bad_upload",
        "Die hochgeladene Datei kam nicht vollständig an (die Verbindung brach ab oder das Formular war beschädigt). Bitte noch einmal hochladen.",
        "The uploaded file did not arrive complete (the connection broke off or the form was damaged). Please upload it again.",
    ),
    (
        "error.timeout",
        "Die Anfrage kam nicht rechtzeitig an (die Verbindung stockte). Bitte noch einmal senden.",
        "The request did not arrive in time (the connection stalled). Please send it again.",
    ),
    (
        "error.busy",
        "Gerade läuft ein anderer Import; bitte in einer Minute noch einmal versuchen.",
        "Another import is running; please try again in a minute.",
    ),
    (
        "error.too_large",
        "Die Anfrage ist zu groß: Dateien dürfen höchstens 5 MiB haben.",
        "The request is too large: files may have at most 5 MiB.",
    ),
    (
        "error.csrf",
        "Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
        "The form has expired or is invalid. Please reload the page and try again.",
    ),
    (
        "error.not_found",
        "Diese Seite gibt es nicht.",
        "This page does not exist.",
    ),
    (
        "error.internal",
        "Etwas ist schiefgegangen. Die Einzelheiten stehen im Protokoll des Servers.",
        "Something went wrong. The details are in the server log.",
    ),
    ("error.back", "Zur Übersicht", "Back to the dashboard"),
    ("login.title", "Anmelden", "Log in"),
    ("login.username", "Benutzername", "User name"),
    ("login.password", "Passwort", "Password"),
    ("login.submit", "Anmelden", "Log in"),
    (
        "login.failed",
        "Benutzername oder Passwort ist falsch.",
        "Wrong user name or password.",
    ),
    (
        "login.limited",
        "Zu viele Fehlversuche. Bitte in einer Minute erneut versuchen.",
        "Too many failed attempts. Please try again in a minute.",
    ),
    (
        "admin.title",
        "Ersten Administrator anlegen",
        "Create the first administrator",
    ),
    (
        "admin.intro",
        "Willkommen! Legen Sie zuerst den Administrator dieser Installation an.",
        "Welcome! First create the administrator of this installation.",
    ),
    (
        "admin.password2",
        "Passwort wiederholen",
        "Repeat the password",
    ),
    (
        "admin.submit",
        "Administrator anlegen",
        "Create administrator",
    ),
    (
        "admin.mismatch",
        "Die Passwörter stimmen nicht überein.",
        "The passwords do not match.",
    ),
    (
        "admin.short",
        "Das Passwort braucht mindestens 10 Zeichen.",
        "The password needs at least 10 characters.",
    ),
    (
        "admin.username_empty",
        "Bitte einen Benutzernamen eingeben.",
        "Please enter a user name.",
    ),
    ("users.new_password", "Neues Passwort", "New password"),
    ("users.reset_password", "Passwort setzen", "Set password"),
    (
        "users.invalid_role",
        "Diese Rolle gibt es nicht; bitte Betrachter, Vorbereiter oder Administrator wählen.",
        "There is no such role; please choose viewer, preparer or administrator.",
    ),
    (
        "admin.username_invalid",
        "Benutzernamen bestehen aus Kleinbuchstaben a–z, Ziffern und . _ - @ (höchstens 64 Zeichen).",
        "User names consist of letters a–z, digits and . _ - @ (at most 64 characters).",
    ),
    (
        "settings.title",
        "Einrichtung und Einstellungen",
        "Setup and settings",
    ),
    ("settings.checklist", "Einrichtung", "Setup"),
    ("settings.creditor", "Gläubiger", "Creditor"),
    (
        "settings.creditor_name",
        "Name des Zahlungsempfängers",
        "Creditor name",
    ),
    ("settings.iban", "IBAN", "IBAN"),
    ("settings.bic", "BIC (optional)", "BIC (optional)"),
    (
        "settings.creditor_id",
        "Gläubiger-Identifikationsnummer",
        "Creditor identifier",
    ),
    ("settings.saved", "Gespeichert.", "Saved."),
    (
        "settings.from_file",
        "Gläubigerdaten aus der Konfigurationsdatei; hier Gespeichertes hat Vorrang.",
        "Creditor data from the configuration file; what is saved here takes precedence.",
    ),
    ("settings.sevdesk", "sevdesk-Zugang", "sevdesk access"),
    ("settings.token", "API-Token", "API token"),
    (
        "settings.token_hint",
        "sevdesk → Einstellungen → Benutzer → API-Token. Wird mit einem lesenden Aufruf geprüft und verschlüsselt gespeichert.",
        "sevdesk → Settings → Users → API token. Checked with one read-only call and stored encrypted.",
    ),
    (
        "settings.token_stored",
        "Gespeichertes Token",
        "Stored token",
    ),
    (
        "settings.token_none",
        "Noch kein Token gespeichert.",
        "No token stored yet.",
    ),
    (
        "settings.token_ok",
        "Verbunden; das Token ist verschlüsselt gespeichert.",
        "Connected; the token is stored encrypted.",
    ),
    (
        "settings.token_rejected",
        "Das Token wurde nicht gespeichert",
        "The token was not stored",
    ),
    ("settings.policies", "Regeln", "Policies"),
    (
        "settings.pre_notification_days",
        "Tage Vorabankündigung",
        "Pre-notification days",
    ),
    (
        "settings.bank_lead_days",
        "Vorlaufzeit der Bank (TARGET2-Geschäftstage)",
        "Bank lead time (TARGET2 business days)",
    ),
    (
        "settings.max_days_ahead",
        "Einzugsdatum höchstens so viele Tage im Voraus",
        "Collection date at most this many days ahead",
    ),
    (
        "settings.invalid_choice",
        "Diese Auswahl gibt es nicht; bitte einen der angebotenen Werte wählen.",
        "There is no such choice; please pick one of the values offered.",
    ),
    (
        "settings.cut_off_time",
        "Annahmeschluss der Bank (HH:MM)",
        "Bank cut-off time (HH:MM)",
    ),
    ("settings.sequence_type", "Sequenztyp", "Sequence type"),
    (
        "settings.seq_rcur_only",
        "immer Folgelastschrift (RCUR)",
        "always recurring (RCUR)",
    ),
    (
        "settings.seq_frst",
        "Erstlastschrift (FRST) beim ersten Einzug",
        "first (FRST) on first use",
    ),
    ("settings.output_format", "Dateiformat", "File format"),
    (
        "settings.partial",
        "Restbeträge teilweise bezahlter Rechnungen einziehen",
        "Collect remainders of partly paid invoices",
    ),
    (
        "settings.invalid_number",
        "Bitte eine ganze Zahl im erlaubten Bereich eingeben.",
        "Please enter a whole number in the allowed range.",
    ),
    (
        "settings.invalid_time",
        "Bitte eine Uhrzeit als HH:MM eingeben.",
        "Please enter a time as HH:MM.",
    ),
    ("settings.required", "Pflichtfeld.", "Required."),
    (
        "settings.address",
        "Anschrift (optional; mit Ort und Land)",
        "Address (optional; with town and country)",
    ),
    ("settings.street", "Straße", "Street"),
    ("settings.building", "Hausnummer", "Building number"),
    ("settings.postcode", "Postleitzahl", "Postcode"),
    ("settings.town", "Ort", "Town"),
    (
        "settings.country",
        "Land (ISO-Code, z. B. DE)",
        "Country (ISO code, e.g. DE)",
    ),
    ("settings.invalid", "Ungültig", "Invalid"),
    ("dashboard.title", "Übersicht", "Dashboard"),
    ("dashboard.last_sync", "Letzter Abgleich", "Last sync"),
    ("dashboard.ready", "Bereit zum Einzug", "Ready to collect"),
    ("dashboard.blocked", "Blockiert", "Blocked"),
    (
        "dashboard.expiring",
        "Mandate, die bald verfallen",
        "Mandates about to expire",
    ),
    ("dashboard.expires_on", "verfällt am", "expires on"),
    (
        "dashboard.last_runs",
        "Letzte Einzugsläufe",
        "Last collection runs",
    ),
    (
        "dashboard.setup_missing",
        "Die Einrichtung ist noch nicht abgeschlossen.",
        "Setup is not finished yet.",
    ),
    ("invoices.title", "Rechnungen", "Invoices"),
    ("invoices.number", "Rechnung", "Invoice"),
    ("invoices.customer", "Kunde", "Customer"),
    ("invoices.due", "Fällig", "Due"),
    ("invoices.open", "Offener Betrag", "Open amount"),
    ("invoices.ready", "bereit", "ready"),
    ("invoices.blocked", "blockiert", "blocked"),
    ("invoices.collected", "eingezogen", "collected"),
    ("invoices.returned", "zurückgegeben", "returned"),
    ("invoices.filter", "Filter", "Filter"),
    (
        "invoices.search_placeholder",
        "Rechnungsnummer oder Kunde",
        "Invoice number or customer",
    ),
    ("mandates.title", "Mandate", "Mandates"),
    ("mandates.reference", "Mandatsreferenz", "Mandate reference"),
    ("mandates.customer", "Kunde", "Customer"),
    (
        "mandates.signature_date",
        "Datum der Unterschrift",
        "Signature date",
    ),
    ("mandates.scheme", "Verfahren", "Scheme"),
    (
        "mandates.last_collection",
        "Letzter Einzug",
        "Last collection",
    ),
    ("mandates.source", "Herkunft", "Source"),
    ("mandates.edit", "Bearbeiten", "Edit"),
    (
        "mandates.core",
        "SEPA-Basislastschrift (CORE)",
        "SEPA Core (CORE)",
    ),
    (
        "mandates.b2b",
        "SEPA-Firmenlastschrift (B2B)",
        "SEPA B2B (B2B)",
    ),
    ("mandates.active", "aktiv", "active"),
    ("mandates.revoked", "widerrufen", "revoked"),
    ("mandates.expired", "verfallen", "expired"),
    (
        "mandates.needs",
        "Kunden ohne Mandatsdaten",
        "Customers without mandate data",
    ),
    (
        "mandates.needs_intro",
        "Diese Rechnungen sollen per Lastschrift bezahlt werden, aber es fehlen Mandatsdaten.",
        "These invoices are to be paid by direct debit, but mandate data is missing.",
    ),
    (
        "mandates.forms",
        "Mandatsformulare (PDF)",
        "Mandate forms (PDF)",
    ),
    (
        "mandates.forms_intro",
        "Ein vorausgefülltes SEPA-Lastschriftmandat zum Unterschreiben je Kunde dieser Liste, eine Seite je Kunde. Die Mandatsreferenz auf dem Formular wird in der Mandatsverwaltung reserviert; die Rechnungen warten, bis das Datum der Unterschrift eingetragen ist.",
        "A prefilled SEPA direct debit mandate to sign for each customer of this list, one page each. The mandate reference on the form is reserved in the registry; the invoices wait until the signature date is entered.",
    ),
    ("mandates.form_one", "Mandatsformular", "Mandate form"),
    (
        "mandates.forms_scheme_default",
        "Verfahren: wie reserviert, sonst Basislastschrift",
        "Scheme: as reserved, else Core",
    ),
    (
        "mandates.forms_none",
        "Es wurde kein Mandatsformular erstellt.",
        "No mandate form was made.",
    ),
    ("mandates.import", "CSV-Import", "CSV import"),
    (
        "mandates.import_hint",
        "CSV mit Kopfzeile einfügen (reference, contact_id, signature_date, scheme).",
        "Paste CSV with a header line (reference, contact_id, signature_date, scheme).",
    ),
    ("mandates.import_submit", "Importieren", "Import"),
    (
        "mandates.import_file",
        "CSV-Datei hochladen (höchstens 5 MiB) – oder unten einfügen:",
        "Upload a CSV file (at most 5 MiB) – or paste below:",
    ),
    (
        "mandates.import_empty",
        "Bitte eine CSV-Datei wählen oder CSV-Text einfügen.",
        "Please choose a CSV file or paste CSV text.",
    ),
    (
        "mandates.upload_too_large",
        "Die Datei ist zu groß: höchstens 5 MiB.",
        "The file is too large: at most 5 MiB.",
    ),
    (
        "mandates.upload_unreadable",
        "Das Formular konnte nicht gelesen werden. Bitte noch einmal hochladen.",
        "The form could not be read. Please upload again.",
    ),
    (
        "mandates.import_unavailable",
        "Der CSV-Import ist in dieser Version noch nicht verfügbar.",
        "CSV import is not available in this version yet.",
    ),
    ("mandates.new", "Neues Mandat", "New mandate"),
    (
        "mandate.new",
        "Neues Mandat erfassen",
        "Enter a new mandate",
    ),
    (
        "mandate.new_intro",
        "Ein unterschriebenes Mandat eines Kunden aus sevdesk; es gelten dieselben Prüfungen wie beim CSV-Import. Den Kunden über die Kundennummer oder die sevdesk-Kontakt-ID angeben.",
        "A signed mandate of a customer from sevdesk; the same checks as the CSV import apply. Name the customer by customer number or sevdesk contact id.",
    ),
    ("mandate.customer_number", "Kundennummer", "Customer number"),
    (
        "mandate.contact_id",
        "Kontakt-ID (sevdesk)",
        "Contact id (sevdesk)",
    ),
    ("mandate.kind", "Typ", "Kind"),
    ("mandate.kind_recurrent", "wiederkehrend", "recurrent"),
    ("mandate.kind_one_off", "einmalig (OOFF)", "one-off (OOFF)"),
    (
        "mandate.kind_ending",
        "endet mit der nächsten Lastschrift (FNAL)",
        "ends with the next debit (FNAL)",
    ),
    ("mandate.title", "Mandat", "Mandate"),
    (
        "mandate.first_collection",
        "Erster Einzug",
        "First collection",
    ),
    ("mandate.debits", "Lastschriften", "Debits"),
    ("mandate.documents", "Unterschriebene Kopie", "Signed copy"),
    (
        "mandate.no_document",
        "Noch keine unterschriebene Kopie hinterlegt.",
        "No signed copy stored yet.",
    ),
    ("mandate.file", "Datei", "File"),
    ("mandate.uploaded", "Hochgeladen", "Uploaded"),
    ("mandate.size", "Größe", "Size"),
    ("common.download", "Herunterladen", "Download"),
    (
        "mandate.upload",
        "Scan oder PDF des unterschriebenen Mandats (PDF, PNG oder JPEG, höchstens 5 MiB):",
        "Scan or PDF of the signed mandate (PDF, PNG or JPEG, at most 5 MiB):",
    ),
    ("mandate.upload_submit", "Hochladen", "Upload"),
    ("mandate.revoke", "Widerruf erfassen", "Record a revocation"),
    (
        "mandate.revoke_intro",
        "Hat der Kunde das Mandat widerrufen, wird darunter nichts mehr eingezogen. Ohne Datum gilt heute.",
        "When the customer revoked the mandate, nothing more is collected under it. Without a date, today counts.",
    ),
    ("mandate.revoked_on", "Widerrufen am", "Revoked on"),
    ("mandate.note", "Notiz", "Note"),
    ("mandate.revoke_submit", "Widerrufen", "Revoke"),
    (
        "mandate.revoked_notice",
        "Der Widerruf ist gespeichert; unter diesem Mandat wird nichts mehr eingezogen.",
        "The revocation is stored; nothing more is collected under this mandate.",
    ),
    (
        "mandate.attached_notice",
        "Die unterschriebene Kopie ist gespeichert.",
        "The signed copy is stored.",
    ),
    ("mandates.row", "Zeile", "Row"),
    (
        "mandates.invalid_date",
        "Bitte ein Datum als TT.MM.JJJJ oder JJJJ-MM-TT eingeben.",
        "Please enter a date as DD.MM.YYYY or YYYY-MM-DD.",
    ),
    (
        "mandates.future_date",
        "Das Unterschriftsdatum darf nicht in der Zukunft liegen.",
        "The signature date must not lie in the future.",
    ),
    (
        "run.title",
        "Einzugslauf vorbereiten",
        "Prepare a collection run",
    ),
    ("run.date", "Fälligkeitsdatum", "Collection date"),
    (
        "run.earliest",
        "Frühestes Fälligkeitsdatum",
        "Earliest collection date",
    ),
    ("run.preview", "Vorschau", "Preview"),
    ("run.debits", "Lastschriften", "Direct debits"),
    ("run.exclusions", "Nicht eingezogen", "Not collected"),
    (
        "run.confirm",
        "Einzugslauf erstellen",
        "Create collection run",
    ),
    (
        "run.nothing",
        "Keine Rechnung kann zu diesem Datum eingezogen werden.",
        "No invoice can be collected on this date.",
    ),
    (
        "run.changed",
        "Seit der Vorschau hat sich der Einzugslauf geändert (Rechnungen, Mandate oder Einstellungen); es wurde nichts geschrieben. Bitte die neue Vorschau prüfen und erneut bestätigen.",
        "The collection run changed since the preview (invoices, mandates or settings); nothing was written. Please check the new preview and confirm again.",
    ),
    ("run.sequence", "Sequenz", "Sequence"),
    ("run.iban", "IBAN", "IBAN"),
    (
        "run.unavailable",
        "Die Planung von Einzugsläufen ist in dieser Version noch nicht verfügbar.",
        "Planning collection runs is not available in this version yet.",
    ),
    (
        "run.no_creditor",
        "Bitte zuerst die Gläubigerdaten eintragen.",
        "Please enter the creditor data first.",
    ),
    (
        "archive.title",
        "Archiv der Einzugsläufe",
        "Archive of collection runs",
    ),
    ("archive.run", "Lauf", "Run"),
    ("archive.created", "Erstellt", "Created"),
    ("archive.files", "Dateien", "Files"),
    ("archive.control_list", "Kontrollliste", "Control list"),
    ("archive.download", "Herunterladen", "Download"),
    ("archive.format", "Format", "Format"),
    ("sync.title", "Abgleich mit sevdesk", "Sync with sevdesk"),
    ("sync.start", "Abgleich starten", "Start sync"),
    (
        "sync.running",
        "Der Abgleich läuft …",
        "The sync is running …",
    ),
    (
        "sync.stage_reading_full",
        "Alles aus sevdesk lesen",
        "Reading everything from sevdesk",
    ),
    (
        "sync.stage_reading_changes",
        "Änderungen aus sevdesk lesen",
        "Reading changes from sevdesk",
    ),
    (
        "sync.stage_contacts",
        "Kontakte speichern",
        "Storing contacts",
    ),
    (
        "sync.stage_invoices",
        "Rechnungen speichern",
        "Storing invoices",
    ),
    ("sync.stage_starting", "Startet", "Starting"),
    ("sync.finished", "Abgleich abgeschlossen", "Sync finished"),
    (
        "sync.failed",
        "Der Abgleich ist fehlgeschlagen",
        "The sync failed",
    ),
    ("sync.new", "neu", "new"),
    ("sync.changed", "geändert", "changed"),
    ("sync.gone", "nicht mehr offen", "no longer open"),
    ("sync.requests", "Anfragen (alle GET)", "Requests (all GET)"),
    ("sync.problems", "Probleme", "Problems"),
    (
        "sync.no_token",
        "Bitte zuerst das sevdesk-Token in den Einstellungen speichern.",
        "Please store the sevdesk token in the settings first.",
    ),
    (
        "requests.title",
        "Anfragen an sevdesk",
        "Requests sent to sevdesk",
    ),
    (
        "requests.intro",
        "Jede Anfrage an sevdesk, neueste zuerst — der Nachweis, dass nur gelesen wurde.",
        "Every request sent to sevdesk, newest first — the proof that only reads were made.",
    ),
    ("requests.method", "Methode", "Method"),
    ("requests.path", "Pfad", "Path"),
    ("requests.duration", "Dauer (ms)", "Duration (ms)"),
    ("users.title", "Benutzer", "Users"),
    ("users.role", "Rolle", "Role"),
    ("users.created", "Angelegt", "Created"),
    ("users.add", "Benutzer anlegen", "Add user"),
    ("users.delete", "Löschen", "Delete"),
    (
        "users.taken",
        "Dieser Benutzername ist vergeben.",
        "This user name is taken.",
    ),
    (
        "users.last_admin",
        "Der letzte Administrator kann nicht gelöscht werden.",
        "The last administrator cannot be deleted.",
    ),
    ("users.change_role", "Rolle ändern", "Change role"),
    (
        "users.last_admin_role",
        "Der letzte Administrator muss Administrator bleiben.",
        "The last administrator must stay an administrator.",
    ),
    ("account.title", "Mein Konto", "My account"),
    ("account.password", "Passwort ändern", "Change password"),
    ("account.current", "Aktuelles Passwort", "Current password"),
    ("account.new", "Neues Passwort", "New password"),
    (
        "account.new2",
        "Neues Passwort wiederholen",
        "Repeat the new password",
    ),
    (
        "account.wrong_current",
        "Das aktuelle Passwort stimmt nicht.",
        "The current password is wrong.",
    ),
    (
        "account.changed",
        "Passwort geändert. Alle anderen Anmeldungen dieses Kontos wurden beendet.",
        "Password changed. All other logins of this account have been ended.",
    ),
    ("role.admin", "Administrator", "Administrator"),
    ("role.preparer", "Vorbereiter", "Preparer"),
    ("role.viewer", "Leser", "Viewer"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_known_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::De);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("fr-FR, en;q=0.5, de;q=0.8")),
            Lang::De
        );
        assert_eq!(Lang::from_accept_language(Some("fr, it")), Lang::De);
        assert_eq!(Lang::from_accept_language(Some("de-AT")), Lang::De);
    }

    #[test]
    fn money_is_formatted_per_language() {
        assert_eq!(Tr::new(Lang::De).money(12_345_678), "123.456,78 €");
        assert_eq!(Tr::new(Lang::En).money(12_345_678), "€123,456.78");
        assert_eq!(Tr::new(Lang::De).money(-5), "-0,05 €");
        assert_eq!(Tr::new(Lang::De).money(100), "1,00 €");
    }

    #[test]
    fn catalogue_keys_are_unique_and_complete() {
        let mut seen = std::collections::HashSet::new();
        for (key, de, en) in CATALOGUE {
            assert!(seen.insert(*key), "duplicate key {key}");
            assert!(!de.is_empty() && !en.is_empty(), "empty text for {key}");
        }
    }

    /// Every `tr.t("…")` in every template names a catalogue key.
    #[test]
    fn every_key_used_in_a_template_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut used = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split("tr.t(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                used += 1;
                assert!(
                    CATALOGUE.iter().any(|(k, _, _)| *k == key),
                    "{}: key `{key}` is not in the catalogue",
                    path.display()
                );
            }
        }
        assert!(
            used > 50,
            "only {used} keys found; is the template folder right?"
        );
    }
}
