//! The SEPA mandate form to sign ("SEPA-Lastschriftmandat"): one A4 page per debtor, prefilled
//! with the creditor, the mandate reference the mandate will have and what is known of the
//! debtor, with the EPC mandate text of the scheme in German and English.
//!
//! The PDF uses the built-in Helvetica of every PDF reader with the WinAnsi encoding (see
//! [`crate::pdf::winansi`]): nothing is embedded, umlauts and ß are single characters that text extraction
//! reads back, and every line is measured with the font's metrics and wrapped to the page. A
//! page whose content would not fit is set in a smaller size, never cut off.

use pdf_writer::{Content, Name, Str};

use crate::collect::Explanation;
use crate::pdf::winansi::{self, Face};
use crate::pdf::wrap;
use lastschrift_store::Scheme;

/// The longest name a form takes: twice the SEPA limit of a party's name (the file shortens it
/// to 70; on paper the debtor reads it whole).
pub const MAX_NAME_CHARS: usize = 140;
/// Address lines per party.
pub const MAX_ADDRESS_LINES: usize = 4;
/// Characters per address line: twice the SEPA limit of an address line.
pub const MAX_ADDRESS_LINE_CHARS: usize = 140;

use crate::pdf::{PAGE_HEIGHT, PAGE_WIDTH};
/// 2 cm all around.
const MARGIN: f32 = 56.7;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const TEXT_WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = PAGE_HEIGHT - MARGIN;
const BOTTOM: f32 = MARGIN;

/// Why a form cannot be made. `Display` is the English sentence, [`FormError::german`] the German.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error(
        "the mandate form needs the creditor's {field}, which is not set; enter it on the settings page or in the [creditor] section of the configuration file"
    )]
    MissingCreditorField { field: &'static str },
    #[error("the creditor identifier {value} is not valid: {}", reason.english)]
    InvalidCreditorId { value: String, reason: Explanation },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} has more than {max} lines")]
    TooManyLines { field: &'static str, max: usize },
    #[error("there is no mandate form to make")]
    Empty,
}

impl FormError {
    pub fn code(&self) -> &'static str {
        match self {
            FormError::MissingCreditorField { .. } => "creditor_incomplete",
            FormError::InvalidCreditorId { .. } => "invalid_creditor",
            FormError::TooLong { .. } | FormError::TooManyLines { .. } => "form_text_too_long",
            FormError::Empty => "no_mandate_form",
        }
    }

    pub fn german(&self) -> String {
        match self {
            FormError::MissingCreditorField { field } => format!(
                "Für das Mandatsformular fehlt beim Gläubiger: {field}; bitte auf der Einstellungsseite (oder im Abschnitt [creditor] der Konfigurationsdatei) eintragen."
            ),
            FormError::InvalidCreditorId { value, reason } => format!(
                "Die Gläubiger-Identifikationsnummer {value} ist ungültig: {}",
                reason.german
            ),
            FormError::TooLong { field, max } => {
                format!("{field} ist länger als {max} Zeichen.")
            }
            FormError::TooManyLines { field, max } => {
                format!("{field} hat mehr als {max} Zeilen.")
            }
            FormError::Empty => "Es gibt kein Mandatsformular zu erstellen.".into(),
        }
    }
}

/// A name and address as the form prints them: in characters the PDF font has (others are
/// transliterated), within the SEPA lengths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormParty {
    name: String,
    address: Vec<String>,
}

impl FormParty {
    /// `field` names the party in errors (`creditor`, `debtor`). Empty address lines are left out.
    pub fn new(
        field: &'static str,
        name: &str,
        address: &[String],
    ) -> Result<FormParty, FormError> {
        let name = winansi::printable(name);
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(FormError::TooLong {
                field: if field == "creditor" {
                    "the creditor's name"
                } else {
                    "the debtor's name"
                },
                max: MAX_NAME_CHARS,
            });
        }
        let address: Vec<String> = address
            .iter()
            .map(|line| winansi::printable(line))
            .filter(|line| !line.is_empty())
            .collect();
        let address_field = if field == "creditor" {
            "the creditor's address"
        } else {
            "the debtor's address"
        };
        if address.len() > MAX_ADDRESS_LINES {
            return Err(FormError::TooManyLines {
                field: address_field,
                max: MAX_ADDRESS_LINES,
            });
        }
        if address
            .iter()
            .any(|line| line.chars().count() > MAX_ADDRESS_LINE_CHARS)
        {
            return Err(FormError::TooLong {
                field: address_field,
                max: MAX_ADDRESS_LINE_CHARS,
            });
        }
        Ok(FormParty { name, address })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn address(&self) -> &[String] {
        &self.address
    }
}

/// What one form shows, before it is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MandateFormInput {
    pub creditor: FormParty,
    pub creditor_id: sepa::CreditorId,
    /// The reference the mandate will have (reserved in the registry).
    pub reference: sepa::MandateId,
    /// The debtor as far as known; an empty name is a line to fill in.
    pub debtor: FormParty,
    /// Prefilled when known; else a line to fill in.
    pub iban: Option<sepa::Iban>,
    pub bic: Option<sepa::Bic>,
    pub scheme: Scheme,
    /// A one-off payment (OOFF) rather than recurrent payments.
    pub one_off: bool,
}

/// One checked mandate form. Place, date and signature are always left empty to sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MandateForm(MandateFormInput);

impl MandateForm {
    /// Checks what the SEPA values cannot: the creditor has a name and an address.
    pub fn new(input: MandateFormInput) -> Result<MandateForm, FormError> {
        if input.creditor.name.is_empty() {
            return Err(FormError::MissingCreditorField { field: "name" });
        }
        if input.creditor.address.is_empty() {
            return Err(FormError::MissingCreditorField { field: "address" });
        }
        Ok(MandateForm(input))
    }

    pub fn reference(&self) -> &sepa::MandateId {
        &self.0.reference
    }

    pub fn scheme(&self) -> Scheme {
        self.0.scheme
    }
}

/// The title of a mandate of `scheme`: German, English.
pub fn title(scheme: Scheme) -> (&'static str, &'static str) {
    match scheme {
        Scheme::Core => ("SEPA-Lastschriftmandat", "SEPA Direct Debit Mandate"),
        Scheme::B2b => (
            "SEPA-Firmenlastschrift-Mandat",
            "SEPA Business-to-Business Direct Debit Mandate",
        ),
    }
}

/// The mandate text of the scheme for `creditor`, as German banks print it (Deutsche
/// Kreditwirtschaft) and in the wording of the EPC rulebooks' mandate annex: German paragraphs,
/// English paragraphs.
pub fn mandate_text(scheme: Scheme, creditor: &str) -> (Vec<String>, Vec<String>) {
    let c = creditor;
    match scheme {
        Scheme::Core => (
            vec![
                format!(
                    "Ich ermächtige {c}, Zahlungen von meinem Konto mittels Lastschrift einzuziehen. Zugleich weise ich mein Kreditinstitut an, die von {c} auf mein Konto gezogenen Lastschriften einzulösen."
                ),
                "Hinweis: Ich kann innerhalb von acht Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages verlangen. Es gelten dabei die mit meinem Kreditinstitut vereinbarten Bedingungen.".into(),
            ],
            vec![
                format!(
                    "By signing this mandate form, you authorise (A) {c} to send instructions to your bank to debit your account and (B) your bank to debit your account in accordance with the instructions from {c}."
                ),
                "As part of your rights, you are entitled to a refund from your bank under the terms and conditions of your agreement with your bank. A refund must be claimed within 8 weeks starting from the date on which your account was debited. Your rights are explained in a statement that you can obtain from your bank.".into(),
            ],
        ),
        Scheme::B2b => (
            vec![
                format!(
                    "Ich ermächtige/Wir ermächtigen {c}, Zahlungen von meinem/unserem Konto mittels Lastschrift einzuziehen. Zugleich weise ich mein/weisen wir unser Kreditinstitut an, die von {c} auf mein/unser Konto gezogenen Lastschriften einzulösen."
                ),
                "Hinweis: Dieses Lastschriftmandat dient nur dem Einzug von Lastschriften, die auf Konten von Unternehmen gezogen sind. Ich bin/Wir sind nicht berechtigt, nach der erfolgten Einlösung eine Erstattung des belasteten Betrages zu verlangen. Ich bin/Wir sind berechtigt, mein/unser Kreditinstitut bis zum Fälligkeitstag anzuweisen, Lastschriften nicht einzulösen.".into(),
            ],
            vec![
                format!(
                    "By signing this mandate form, you authorise (A) {c} to send instructions to your bank to debit your account and (B) your bank to debit your account in accordance with the instructions from {c}."
                ),
                "This mandate is only intended for business-to-business transactions. You are not entitled to a refund from your bank after your account has been debited, but you are entitled to request your bank not to debit your account up until the day on which the payment is due.".into(),
            ],
        ),
    }
}

/// What the debtor of a B2B mandate must do before the first debit: German, English.
pub const B2B_BANK_NOTE: (&str, &str) = (
    "Bitte geben Sie Ihrem Kreditinstitut vor der ersten Lastschrift eine Kopie dieses Mandats oder bestätigen Sie es dort: Bei der SEPA-Firmenlastschrift prüft Ihr Kreditinstitut das Mandat, bevor es eine Lastschrift einlöst.",
    "Before the first debit, please give your bank a copy of this mandate or confirm it with your bank: in the business-to-business scheme your bank checks the mandate before it pays a direct debit.",
);

/// The PDF of `forms`: one A4 page per form, in order.
pub fn render_pdf(forms: &[MandateForm]) -> Result<Vec<u8>, FormError> {
    if forms.is_empty() {
        return Err(FormError::Empty);
    }
    let pages: Vec<Vec<u8>> = forms.iter().map(layout).collect();
    let title = match forms {
        [one] => format!("{} {}", title(one.scheme()).0, one.reference().as_str()),
        many => format!("SEPA-Lastschriftmandate ({} Formulare)", many.len()),
    };
    Ok(crate::pdf::document(
        &pages,
        &title,
        Some("SEPA-Lastschriftmandat / SEPA Direct Debit Mandate"),
    ))
}

/// The content stream of one page, in the largest size at which everything fits.
fn layout(form: &MandateForm) -> Vec<u8> {
    const SCALES: [f32; 7] = [1.0, 0.92, 0.84, 0.76, 0.68, 0.6, 0.52];
    for scale in SCALES {
        let sheet = draw(form, scale);
        if sheet.y >= BOTTOM {
            return sheet.content.finish().to_vec();
        }
    }
    // The longest names and addresses the form takes fit at the smallest size (a unit test
    // holds this); drawing past the margin would still stay on the page.
    draw(form, SCALES[SCALES.len() - 1])
        .content
        .finish()
        .to_vec()
}

/// A page being written from the top down.
struct Sheet {
    content: Content,
    /// Baseline of the next line.
    y: f32,
    scale: f32,
}

impl Sheet {
    fn new(scale: f32) -> Sheet {
        let mut content = Content::new();
        content.set_line_width(0.6);
        Sheet {
            content,
            y: TOP,
            scale,
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points * self.scale;
    }

    /// One line of text at `x` on the current baseline; does not move down.
    fn put(&mut self, face: Face, size: f32, x: f32, text: &str) {
        self.content
            .begin_text()
            .set_font(Name(face.resource()), size * self.scale)
            .next_line(x, self.y)
            .show(Str(&winansi::encode(text)))
            .end_text();
    }

    /// `text` wrapped to `width` from `x`, one line per baseline.
    fn paragraph(&mut self, face: Face, size: f32, x: f32, width: f32, text: &str) {
        let size_pt = size * self.scale;
        let leading = size_pt * 1.3;
        for line in wrap(text, face, size_pt, width) {
            self.y -= leading;
            self.put(face, size, x, &line);
        }
    }

    fn label(&mut self, text: &str) {
        self.gap(4.0);
        self.paragraph(Face::Bold, 8.0, LEFT, TEXT_WIDTH, text);
    }

    fn value(&mut self, text: &str) {
        self.paragraph(Face::Regular, 10.0, LEFT, TEXT_WIDTH, text);
    }

    /// An empty line to write on.
    fn blank(&mut self, from: f32, to: f32) {
        self.y -= 20.0 * self.scale;
        self.content
            .move_to(from, self.y - 2.0)
            .line_to(to, self.y - 2.0)
            .stroke();
    }

    /// A checkbox, crossed when `checked`, followed by `text`.
    fn choice(&mut self, checked: bool, text: &str) {
        let size = 9.0 * self.scale;
        self.y -= size * 1.6;
        let side = size;
        self.content.rect(LEFT, self.y - 1.5, side, side).stroke();
        if checked {
            self.put(Face::Bold, 9.0, LEFT + side * 0.18, "X");
        }
        self.put(Face::Regular, 9.0, LEFT + side * 1.8, text);
    }
}

fn draw(form: &MandateForm, scale: f32) -> Sheet {
    let f = &form.0;
    let mut s = Sheet::new(scale);
    let (title_de, title_en) = title(f.scheme);
    s.y -= 15.0 * scale;
    s.put(Face::Bold, 15.0, LEFT, title_de);
    s.gap(15.0);
    s.put(Face::Regular, 11.0, LEFT, title_en);
    s.gap(8.0);

    s.label("Zahlungsempfänger / Creditor");
    s.value(&f.creditor.name);
    for line in &f.creditor.address {
        s.value(line);
    }
    s.label("Gläubiger-Identifikationsnummer / Creditor identifier");
    s.value(f.creditor_id.as_str());
    s.label("Mandatsreferenz / Mandate reference");
    s.value(f.reference.as_str());

    s.gap(8.0);
    let (german, english) = mandate_text(f.scheme, &f.creditor.name);
    for paragraph in &german {
        s.paragraph(Face::Regular, 9.0, LEFT, TEXT_WIDTH, paragraph);
        s.gap(3.0);
    }
    s.gap(4.0);
    for paragraph in &english {
        s.paragraph(Face::Regular, 9.0, LEFT, TEXT_WIDTH, paragraph);
        s.gap(3.0);
    }

    s.label("Zahlungsart / Type of payment");
    s.choice(!f.one_off, "Wiederkehrende Zahlung / Recurrent payment");
    s.choice(f.one_off, "Einmalige Zahlung / One-off payment");

    s.gap(6.0);
    s.label("Zahlungspflichtiger (Kontoinhaber) / Debtor (account holder)");
    s.label("Name / Name");
    if f.debtor.name.is_empty() {
        s.blank(LEFT, RIGHT);
    } else {
        s.value(&f.debtor.name);
    }
    s.label("Anschrift (Straße, Hausnummer, PLZ, Ort) / Address (street, number, postcode, town)");
    if f.debtor.address.is_empty() {
        s.blank(LEFT, RIGHT);
        s.blank(LEFT, RIGHT);
    } else {
        for line in &f.debtor.address {
            s.value(line);
        }
    }
    s.label("IBAN");
    match &f.iban {
        Some(iban) => s.value(&iban.grouped()),
        None => s.blank(LEFT, RIGHT),
    }
    s.label("BIC (8 oder 11 Stellen) / BIC (8 or 11 characters)");
    match &f.bic {
        Some(bic) => s.value(bic.as_str()),
        None => s.blank(LEFT, LEFT + TEXT_WIDTH * 0.5),
    }

    // Place, date and signature: lines to write on, their labels below.
    s.gap(34.0);
    let split = LEFT + TEXT_WIDTH * 0.4;
    s.content
        .move_to(LEFT, s.y)
        .line_to(split - 14.0, s.y)
        .move_to(split, s.y)
        .line_to(RIGHT, s.y)
        .stroke();
    s.gap(10.0);
    s.put(Face::Regular, 8.0, LEFT, "Ort, Datum / Place, date");
    let signature_label = "Unterschrift(en) des Zahlungspflichtigen / Signature(s) of the debtor";
    let size = 8.0 * scale;
    for (i, line) in wrap(signature_label, Face::Regular, size, RIGHT - split)
        .iter()
        .enumerate()
    {
        if i > 0 {
            s.y -= size * 1.3;
        }
        s.put(Face::Regular, 8.0, split, line);
    }

    s.gap(10.0);
    if f.scheme == Scheme::B2b {
        s.paragraph(Face::Bold, 7.5, LEFT, TEXT_WIDTH, B2B_BANK_NOTE.0);
        s.paragraph(Face::Bold, 7.5, LEFT, TEXT_WIDTH, B2B_BANK_NOTE.1);
        s.gap(3.0);
    }
    let to = std::iter::once(f.creditor.name.as_str())
        .chain(f.creditor.address.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ");
    s.paragraph(
        Face::Regular,
        7.5,
        LEFT,
        TEXT_WIDTH,
        &format!("Bitte unterschrieben zurücksenden an / Please return the signed form to: {to}"),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn party(field: &'static str, name: &str, address: &[&str]) -> FormParty {
        let address: Vec<String> = address.iter().map(|l| l.to_string()).collect();
        FormParty::new(field, name, &address).unwrap()
    }

    fn form(debtor: FormParty, scheme: Scheme) -> MandateForm {
        MandateForm::new(MandateFormInput {
            creditor: party(
                "creditor",
                "Muster Software GmbH",
                &["Hauptstraße 1", "10115 Berlin"],
            ),
            creditor_id: sepa::CreditorId::parse("DE98ZZZ09999999999").unwrap(),
            reference: sepa::MandateId::parse("K-1001").unwrap(),
            debtor,
            iban: Some(sepa::Iban::parse("DE02120300000000202051").unwrap()),
            bic: None,
            scheme,
            one_off: false,
        })
        .unwrap()
    }

    /// Every text line of the content stream stays between the margins: the widest line any
    /// `wrap` produced is no wider than the text width.
    #[test]
    fn wrapped_lines_fit_the_width_and_long_words_are_split() {
        let word = "W".repeat(70);
        let lines = wrap(&format!("a {word} b"), Face::Bold, 10.0, 200.0);
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            assert!(winansi::width(line, Face::Bold, 10.0) <= 200.0, "{line}");
        }
        assert_eq!(lines.concat().replace(' ', ""), format!("a{word}b"));
        assert_eq!(wrap("", Face::Regular, 10.0, 100.0), vec![String::new()]);
    }

    #[test]
    fn the_longest_inputs_fit_one_page() {
        let long = "W".repeat(MAX_NAME_CHARS);
        let lines: Vec<String> = (0..MAX_ADDRESS_LINES).map(|_| long.clone()).collect();
        let wide = FormParty::new("debtor", &long, &lines).unwrap();
        let mut input = form(wide.clone(), Scheme::B2b).0;
        input.creditor = FormParty::new("creditor", &long, &lines).unwrap();
        let sheet = (0..7)
            .map(|i| draw(&MandateForm(input.clone()), 1.0 - 0.08 * i as f32))
            .find(|s| s.y >= BOTTOM);
        assert!(sheet.is_some(), "does not fit even at the smallest size");
        // An ordinary form keeps the full size.
        let normal = form(
            party("debtor", "Erika Mustermann", &["Weg 2"]),
            Scheme::Core,
        );
        assert!(draw(&normal, 1.0).y >= BOTTOM);
    }

    #[test]
    fn limits_are_checked() {
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            FormParty::new("debtor", &long, &[]).unwrap_err(),
            FormError::TooLong {
                field: "the debtor's name",
                max: MAX_NAME_CHARS
            }
        );
        let lines = vec!["a".to_string(); MAX_ADDRESS_LINES + 1];
        assert!(matches!(
            FormParty::new("creditor", "A", &lines),
            Err(FormError::TooManyLines { .. })
        ));
        let mut input = form(party("debtor", "", &[]), Scheme::Core).0;
        input.creditor = party("creditor", "Muster GmbH", &[]);
        assert_eq!(
            MandateForm::new(input).unwrap_err(),
            FormError::MissingCreditorField { field: "address" }
        );
        assert_eq!(render_pdf(&[]).unwrap_err(), FormError::Empty);
    }

    #[test]
    fn a_batch_is_one_pdf_with_a_page_per_form_and_reads_back() {
        let forms = [
            form(
                party(
                    "debtor",
                    "Bäckerei Müller GmbH",
                    &["Große Straße 5", "80331 München"],
                ),
                Scheme::Core,
            ),
            form(party("debtor", "", &[]), Scheme::B2b),
        ];
        let pdf = render_pdf(&forms).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(test_support::pdf::page_count(&pdf), 2);
        let text = test_support::pdf::text(&pdf);
        for expected in [
            "SEPA-Lastschriftmandat",
            "SEPA Direct Debit Mandate",
            "SEPA-Firmenlastschrift-Mandat",
            "Zahlungsempfänger",
            "Gläubiger-Identifikationsnummer",
            "DE98ZZZ09999999999",
            "K-1001",
            "Bäckerei Müller GmbH",
            "Große Straße 5",
            "DE02 1203 0000 0000 2020 51",
            "Ich ermächtige Muster Software GmbH, Zahlungen von meinem Konto mittels Lastschrift einzuziehen.",
            "Hinweis: Ich kann innerhalb von acht Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages verlangen. Es gelten dabei die mit meinem Kreditinstitut vereinbarten Bedingungen.",
            "A refund must be claimed within 8 weeks starting from the date on which your account was debited.",
            "Dieses Lastschriftmandat dient nur dem Einzug von Lastschriften, die auf Konten von Unternehmen gezogen sind.",
            "nicht berechtigt, nach der erfolgten Einlösung eine Erstattung des belasteten Betrages zu verlangen.",
            "You are not entitled to a refund from your bank after your account has been debited",
            "Wiederkehrende Zahlung / Recurrent payment",
            "Ort, Datum",
            "Unterschrift(en)",
        ] {
            assert!(
                text.contains(expected),
                "`{expected}` is not in the PDF text:\n{text}"
            );
        }
        let info = test_support::pdf::info(&pdf);
        assert!(
            info.contains("SEPA-Lastschriftmandate (2 Formulare)"),
            "{info}"
        );
    }

    proptest! {
        // Each case runs pdftotext: a few dozen cases, whatever PROPTEST_CASES says.
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn any_name_and_address_renders_and_reads_back(
            name in "[A-Za-z0-9äöüÄÖÜßéèçñ &.,'()/-]{1,140}",
            street in "[A-Za-zäöüÄÖÜß0-9 .-]{0,70}",
            town in "[0-9]{5} [A-Za-zäöüÄÖÜß -]{1,40}",
        ) {
            let debtor = FormParty::new("debtor", &name, &[street.clone(), town.clone()]).unwrap();
            let pdf = render_pdf(&[form(debtor, Scheme::Core)]).unwrap();
            prop_assert_eq!(test_support::pdf::page_count(&pdf), 1);
            // Wrapping may put a long word on two lines: compare without white space, and
            // without hyphens, which pdftotext drops at the end of a line (it joins what it
            // takes for a hyphenated word).
            let squeeze = |s: &str| -> String {
                s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
            };
            let text = squeeze(&test_support::pdf::text(&pdf));
            for part in [&name, &street, &town] {
                let part = squeeze(part);
                prop_assert!(text.contains(&part), "`{}` not in {}", part, text);
            }
        }
    }
}
