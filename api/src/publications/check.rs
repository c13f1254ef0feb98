//! The guard between a case's restricted data and its public summary: before a publication is
//! saved (and again when it is approved), its headline and body are searched for every
//! restricted datum of the case — subjects' names, ID numbers and tax codes, customs
//! declaration numbers and importer/exporter tax codes, and the identity and contact of the
//! informants whose tips led to the case. A hit is refused naming the *kind* of datum, never
//! the datum.
//!
//! Matching is deliberately generous (a false refusal costs an edit; a leak cannot be undone):
//! - names are compared folded (`crate::text::fold`: no diacritics, lower case) word by word,
//!   so "Nguyễn Văn An", "NGUYEN VAN AN" and "nguyen van an," all match, but "Nguyễn Văn Anh"
//!   does not match "Nguyễn Văn An";
//! - numbers are compared on their digits, ignoring the spaces, dots, dashes and slashes people
//!   write inside them ("0012 3456 7890", "0101234567-001").

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use entity::{customs_records, subjects, tips};

use crate::crypto::DataKey;
use crate::error::{AppError, AppResult};
use crate::text::fold;

/// The kind of restricted datum found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    SubjectName,
    SubjectIdNumber,
    TaxCode,
    DeclarationNumber,
    InformantName,
    InformantContact,
}

impl Finding {
    /// What the drafter is told: the kind of datum, never its value.
    pub fn message(self) -> &'static str {
        match self {
            Finding::SubjectName => {
                "the text contains a subject's name; public summaries never name subjects"
            }
            Finding::SubjectIdNumber => "the text contains a subject's ID number",
            Finding::TaxCode => "the text contains a tax code of the case (subject or customs)",
            Finding::DeclarationNumber => "the text contains a customs declaration number",
            Finding::InformantName => "the text contains an informant's name",
            Finding::InformantContact => "the text contains an informant's contact details",
        }
    }

    /// The restricted field, for the audit trail.
    pub fn field(self) -> &'static str {
        match self {
            Finding::SubjectName => "subjects.fullName",
            Finding::SubjectIdNumber => "subjects.idNumber",
            Finding::TaxCode => "taxCode",
            Finding::DeclarationNumber => "customsRecords.declarationNumber",
            Finding::InformantName => "tips.reporterName",
            Finding::InformantContact => "tips.reporterContact",
        }
    }
}

/// A case's restricted data, prepared for matching (names as padded folded words, numbers as
/// digit strings). Never leaves the server.
#[derive(Default)]
pub struct Restricted {
    /// (kind, " folded words ") of names.
    names: Vec<(Finding, String)>,
    /// (kind, digits) of numbers.
    numbers: Vec<(Finding, String)>,
}

/// Shortest folded name that is matched (a stray one- or two-letter "name" would refuse most
/// texts without protecting anyone).
const MIN_NAME_CHARS: usize = 3;
/// Shortest digit string matched (ID numbers, tax codes, declarations and phone numbers are
/// all longer).
const MIN_DIGITS: usize = 6;

impl Restricted {
    fn name(&mut self, kind: Finding, name: &str) {
        let w = words(name);
        if w.trim().chars().count() >= MIN_NAME_CHARS {
            self.names.push((kind, w));
        }
    }

    fn number(&mut self, kind: Finding, number: &str) {
        let d: String = number.chars().filter(char::is_ascii_digit).collect();
        if d.len() >= MIN_DIGITS {
            self.numbers.push((kind, d));
        }
    }

    /// A tax code is identifying by its 10-digit main part alone (a branch is `-NNN`).
    fn tax_code(&mut self, code: &str) {
        let main = code.split('-').next().unwrap_or(code);
        self.number(Finding::TaxCode, main);
    }

    /// An informant's contact: a phone number (matched on its digits, with or without the
    /// leading 0 or +84), or anything else (an e-mail…) matched as words.
    fn contact(&mut self, contact: &str) {
        let d: String = contact.chars().filter(char::is_ascii_digit).collect();
        if d.len() >= MIN_DIGITS {
            let national = d
                .strip_prefix("84")
                .or_else(|| d.strip_prefix('0'))
                .unwrap_or(&d);
            self.number(Finding::InformantContact, national);
        }
        let letters = contact.chars().any(char::is_alphabetic);
        if letters {
            self.name(Finding::InformantContact, contact);
        }
    }

    /// The first restricted datum `text` contains.
    pub fn scan(&self, text: &str) -> Option<Finding> {
        let w = words(text);
        if let Some((kind, _)) = self.names.iter().find(|(_, n)| w.contains(n.as_str())) {
            return Some(*kind);
        }
        let runs = digit_runs(text);
        self.numbers
            .iter()
            .find(|(_, n)| runs.iter().any(|r| r.contains(n.as_str())))
            .map(|(kind, _)| *kind)
    }
}

/// Loads the restricted data of a case (archived records included: a name stays a name).
pub async fn restricted_of_case<C: ConnectionTrait>(
    conn: &C,
    key: &DataKey,
    case_id: i64,
) -> AppResult<Restricted> {
    let mut r = Restricted::default();
    for s in subjects::Entity::find()
        .filter(subjects::Column::CaseId.eq(case_id))
        .all(conn)
        .await?
    {
        r.name(Finding::SubjectName, &s.full_name);
        if let Some(n) = &s.id_number {
            r.number(Finding::SubjectIdNumber, n);
        }
        if let Some(t) = &s.tax_code {
            r.tax_code(t);
        }
    }
    for c in customs_records::Entity::find()
        .filter(customs_records::Column::CaseId.eq(case_id))
        .all(conn)
        .await?
    {
        r.number(Finding::DeclarationNumber, &c.declaration_number);
        for t in [&c.importer_tax_code, &c.exporter_tax_code]
            .into_iter()
            .flatten()
        {
            r.tax_code(t);
        }
    }
    for t in tips::Entity::find()
        .filter(tips::Column::CaseId.eq(case_id))
        .all(conn)
        .await?
    {
        if let Some(name) = &t.reporter_name {
            r.name(Finding::InformantName, &reveal(key, name)?);
        }
        if let Some(contact) = &t.reporter_contact {
            r.contact(&reveal(key, contact)?);
        }
    }
    Ok(r)
}

/// Decrypts an informant field (older plain values are used as they are).
fn reveal(key: &DataKey, stored: &str) -> AppResult<String> {
    if DataKey::is_encrypted(stored) {
        key.decrypt(stored)
    } else {
        Ok(stored.to_string())
    }
}

/// Folded words of a text, padded with spaces so that `contains(" a b ")` matches whole words
/// only: punctuation separates words.
fn words(s: &str) -> String {
    let folded: String = fold(s)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut out = String::from(" ");
    for w in folded.split_whitespace() {
        out.push_str(w);
        out.push(' ');
    }
    out
}

/// The runs of digits of a text, joined across the separators written inside numbers.
fn digit_runs(s: &str) -> Vec<String> {
    let mut runs = vec![];
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if matches!(
            c,
            ' ' | '.' | '-' | '/' | ',' | '\u{a0}' | '_' | '(' | ')' | '+'
        ) {
            // Keeps the run open: "0912 345 678", "0101234567-001".
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

/// Refuses a text if it contains a restricted datum.
pub fn refuse_if_found(r: &Restricted, texts: &[&str]) -> Result<(), Finding> {
    for t in texts {
        if let Some(f) = r.scan(t) {
            return Err(f);
        }
    }
    Ok(())
}

/// The client error for a finding.
pub fn finding_error(f: Finding) -> AppError {
    AppError::bad_input(f.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Restricted {
        let mut r = Restricted::default();
        r.name(Finding::SubjectName, "Nguyễn Văn An");
        r.number(Finding::SubjectIdNumber, "001234567890");
        r.tax_code("0101234567-001");
        r.number(Finding::DeclarationNumber, "105123456789");
        r.name(Finding::InformantName, "Hoàng Thị Lan");
        r.contact("0912 345 678");
        r.contact("lan.hoang@example.vn");
        r
    }

    #[test]
    fn names_with_and_without_diacritics() {
        let r = sample();
        for t in [
            "Đối tượng Nguyễn Văn An khai nhận",
            "Doi tuong NGUYEN VAN AN khai nhan",
            "doi tuong nguyen van an, 35 tuoi",
            "Đối tượng Nguyê\u{302}\u{303}n Văn An",
        ] {
            assert_eq!(r.scan(t), Some(Finding::SubjectName), "{t}");
        }
        assert_eq!(r.scan("Đối tượng Nguyễn Văn Anh"), None);
        assert_eq!(r.scan("Đối tượng Nguyễn Văn A. (SN 1990)"), None);
        assert_eq!(
            r.scan("người báo tin hoang thi lan"),
            Some(Finding::InformantName)
        );
    }

    #[test]
    fn numbers_with_separators() {
        let r = sample();
        assert_eq!(
            r.scan("CCCD 0012 3456 7890"),
            Some(Finding::SubjectIdNumber)
        );
        assert_eq!(r.scan("MST 0101234567"), Some(Finding::TaxCode));
        assert_eq!(
            r.scan("tờ khai số 105.123.456.789"),
            Some(Finding::DeclarationNumber)
        );
        assert_eq!(
            r.scan("gọi +84 912 345 678"),
            Some(Finding::InformantContact)
        );
        assert_eq!(
            r.scan("email LAN.HOANG@EXAMPLE.VN"),
            Some(Finding::InformantContact)
        );
        assert_eq!(
            r.scan("Ngày 15/12/2025, thu giữ 1.500 kg, phạt 45.000.000 đồng"),
            None
        );
    }

    #[test]
    fn messages_name_the_kind_only() {
        for f in [
            Finding::SubjectName,
            Finding::SubjectIdNumber,
            Finding::TaxCode,
            Finding::DeclarationNumber,
            Finding::InformantName,
            Finding::InformantContact,
        ] {
            assert!(!f.message().to_lowercase().contains("nguyen"));
        }
    }
}
