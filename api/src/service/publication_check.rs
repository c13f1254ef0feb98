//! The guard between a case's restricted data and its public summary: before a publication is
//! saved, reviewed and approved, its headline and body are searched for every restricted datum
//! of the case — subjects' names, ID numbers, dates of birth, addresses and tax codes, the
//! investigation notes and prosecution decision, customs declaration numbers, HS codes and
//! importer/exporter tax codes, and the identity and contact of the informants whose tips led
//! to the case.
//!
//! **Who is told what** (no oracle). Each datum belongs to a compartment and a holder (the case
//! for police and customs data, the tip for informant data). A viewer is told the *kind* of a
//! datum found only when it may read that datum itself ([`Restricted::scan_readable`]); data
//! it may not read is never compared on its behalf, so its answer cannot depend on them. Those
//! are checked by a reviewer who may read them and, again, at approval.
//!
//! **Matching normalises before it compares** (a false refusal costs an edit; a leak cannot be
//! undone). Text and data both go through [`canonical`]: NFKC (full-width and mathematical
//! letters and digits), default-ignorable and format characters removed (zero-width spaces,
//! joiners, soft hyphens, bidi controls), Unicode TR39 skeletons for every non-ASCII letter
//! (a Cyrillic `а` is an `a`), diacritics folded (đ → d), lower case. Then:
//! - names, addresses and e-mail addresses match as whole words ("Nguyễn Văn An" in "NGUYEN VAN
//!   AN,") *and* with every space and punctuation removed ("NguyenVanAn", "N.g.u.y.e.n");
//! - numbers match on their digits, in any script, across the spaces, dots, dashes and slashes
//!   written inside them, with the letters `O`/`o` read as 0 and `I`/`l` as 1 next to digits;
//! - dates of birth match written as digits in any order people write them (5/3/1980,
//!   05-03-1980, 1980-03-05) or in words ("5 tháng 3 năm 1980");
//! - investigation notes match on any run of six consecutive words.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use unicode_normalization::UnicodeNormalization;

use entity::{customs_records, investigation_records, subjects, tips};

use crate::auth::Viewer;
use crate::crypto::DataKey;
use crate::domain::access::Compartment;
use crate::error::{AppError, AppResult};
use crate::text::fold;

/// The kind of restricted datum found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    SubjectName,
    SubjectIdNumber,
    SubjectBirthDate,
    SubjectAddress,
    SubjectTaxCode,
    InvestigationNotes,
    DeclarationNumber,
    HsCode,
    TraderTaxCode,
    InformantName,
    InformantContact,
}

impl Finding {
    #[cfg(test)]
    pub const ALL: [Finding; 11] = [
        Finding::SubjectName,
        Finding::SubjectIdNumber,
        Finding::SubjectBirthDate,
        Finding::SubjectAddress,
        Finding::SubjectTaxCode,
        Finding::InvestigationNotes,
        Finding::DeclarationNumber,
        Finding::HsCode,
        Finding::TraderTaxCode,
        Finding::InformantName,
        Finding::InformantContact,
    ];

    /// What a viewer who may read the datum is told: its kind, never its value.
    pub fn message(self) -> &'static str {
        match self {
            Finding::SubjectName => {
                "the text contains a subject's name; public summaries never name subjects"
            }
            Finding::SubjectIdNumber => "the text contains a subject's ID number",
            Finding::SubjectBirthDate => "the text contains a subject's date of birth",
            Finding::SubjectAddress => "the text contains a subject's address",
            Finding::SubjectTaxCode => "the text contains a subject's tax code",
            Finding::InvestigationNotes => "the text quotes the investigation record",
            Finding::DeclarationNumber => "the text contains a customs declaration number",
            Finding::HsCode => "the text contains an HS code of the customs record",
            Finding::TraderTaxCode => "the text contains an importer's or exporter's tax code",
            Finding::InformantName => "the text contains an informant's name",
            Finding::InformantContact => "the text contains an informant's contact details",
        }
    }

    /// The restricted field, for the audit trail.
    pub fn field(self) -> &'static str {
        match self {
            Finding::SubjectName => "subjects.fullName",
            Finding::SubjectIdNumber => "subjects.idNumber",
            Finding::SubjectBirthDate => "subjects.dateOfBirth",
            Finding::SubjectAddress => "subjects.address",
            Finding::SubjectTaxCode => "subjects.taxCode",
            Finding::InvestigationNotes => "investigationRecords.notes",
            Finding::DeclarationNumber => "customsRecords.declarationNumber",
            Finding::HsCode => "customsRecords.hsCodes",
            Finding::TraderTaxCode => "customsRecords.taxCode",
            Finding::InformantName => "tips.reporterName",
            Finding::InformantContact => "tips.reporterContact",
        }
    }

    pub fn compartment(self) -> Compartment {
        match self {
            Finding::SubjectName
            | Finding::SubjectIdNumber
            | Finding::SubjectBirthDate
            | Finding::SubjectAddress
            | Finding::SubjectTaxCode
            | Finding::InvestigationNotes => Compartment::Police,
            Finding::DeclarationNumber | Finding::HsCode | Finding::TraderTaxCode => {
                Compartment::Customs
            }
            Finding::InformantName | Finding::InformantContact => Compartment::Informant,
        }
    }
}

/// Whose datum it is, which decides who may be told about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// Police or customs data of the case (led by this agency).
    Case { lead_agency_id: i64 },
    /// The informant of a tip (assigned to this agency, if any).
    Tip { assigned_agency_id: Option<i64> },
}

impl Holder {
    fn readable_by(self, v: &Viewer, compartment: Compartment) -> bool {
        match self {
            Holder::Case { lead_agency_id } => {
                v.reads_case_compartment(compartment, lead_agency_id)
            }
            Holder::Tip { assigned_agency_id } => v.reads_informant(assigned_agency_id),
        }
    }
}

/// How a datum is matched.
#[derive(Debug, Clone)]
enum Pattern {
    /// Canonical words, padded with spaces (" nguyen van an "), and the same letters with no
    /// separators at all ("nguyenvanan").
    Words { padded: String, compact: String },
    /// Digits (ASCII after normalisation).
    Digits(String),
    /// Six-word runs of a long text.
    Shingles(HashSet<String>),
}

#[derive(Debug, Clone)]
struct Datum {
    kind: Finding,
    holder: Holder,
    pattern: Pattern,
}

/// A case's restricted data, prepared for matching. Never leaves the server.
#[derive(Default)]
pub struct Restricted {
    data: Vec<Datum>,
    /// The tips linked to the case, whatever their reporter fields (whether an informant left
    /// a name is itself informant data, so decisions use the tips, not the data found).
    linked_tips: Vec<Holder>,
}

/// Shortest canonical name matched as words (a stray one- or two-letter "name" would refuse
/// most texts without protecting anyone).
const MIN_NAME_CHARS: usize = 3;
/// Shortest name matched with its spaces removed ("LyNa" for "Lý Na"); a match must also start
/// and end at word boundaries of the text, so "Nguyễn Văn Anh" does not match "Nguyễn Văn An".
const MIN_COMPACT_CHARS: usize = 4;
/// Shortest digit string matched (ID numbers, tax codes, declarations, phone numbers, dates of
/// birth and full HS codes are all at least this long).
const MIN_DIGITS: usize = 6;
/// Words in a quoted run of the investigation notes.
const SHINGLE_WORDS: usize = 6;

impl Restricted {
    fn push(&mut self, kind: Finding, holder: Holder, pattern: Pattern) {
        self.data.push(Datum {
            kind,
            holder,
            pattern,
        });
    }

    fn name(&mut self, kind: Finding, holder: Holder, name: &str) {
        let padded = padded_words(name);
        if padded.trim().chars().count() < MIN_NAME_CHARS {
            return;
        }
        let compact = compact(name);
        self.push(kind, holder, Pattern::Words { padded, compact });
    }

    fn number(&mut self, kind: Finding, holder: Holder, number: &str) {
        let d: String = canonical(number)
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if d.len() >= MIN_DIGITS {
            self.push(kind, holder, Pattern::Digits(d));
        }
    }

    /// A tax code is identifying by its 10-digit main part alone (a branch is `-NNN`).
    fn tax_code(&mut self, kind: Finding, holder: Holder, code: &str) {
        let main = code.split('-').next().unwrap_or(code);
        self.number(kind, holder, main);
    }

    /// An informant's contact: a phone number (matched on its digits, with or without the
    /// leading 0 or +84), or anything else (an e-mail…) matched as words.
    fn contact(&mut self, holder: Holder, contact: &str) {
        let d: String = canonical(contact)
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if d.len() >= MIN_DIGITS {
            let national = d
                .strip_prefix("84")
                .or_else(|| d.strip_prefix('0'))
                .unwrap_or(&d);
            self.number(Finding::InformantContact, holder, national);
        }
        if contact.chars().any(char::is_alphabetic) {
            self.name(Finding::InformantContact, holder, contact);
        }
    }

    /// A date of birth, as digits in the orders people write them and in words.
    fn birth_date(&mut self, holder: Holder, date: chrono::NaiveDate) {
        use chrono::Datelike;
        let (y, m, d) = (date.year(), date.month(), date.day());
        let mut seen = HashSet::new();
        for day in [format!("{d}"), format!("{d:02}")] {
            for month in [format!("{m}"), format!("{m:02}")] {
                for digits in [format!("{day}{month}{y}"), format!("{y}{month}{day}")] {
                    if seen.insert(digits.clone()) {
                        self.number(Finding::SubjectBirthDate, holder, &digits);
                    }
                }
                // "ngày 5 tháng 3 năm 1980"
                let words = format!("{day} thang {month} nam {y}");
                if seen.insert(words.clone()) {
                    self.name(Finding::SubjectBirthDate, holder, &words);
                }
            }
        }
    }

    /// An address: its first part (house, street, hamlet) — the commune, district and province
    /// that follow are public facts of the case.
    fn address(&mut self, holder: Holder, address: &str) {
        let first = address.split([',', ';']).next().unwrap_or(address);
        let words: Vec<String> = padded_words(first)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if words.len() >= 2 {
            self.name(Finding::SubjectAddress, holder, first);
        }
        // Written without its leading "số" / "nhà" / "số nhà": "12 ngõ 34 phố Lê Lợi".
        let skip = words
            .iter()
            .take_while(|w| matches!(w.as_str(), "so" | "nha"))
            .count();
        if skip > 0 && words.len() - skip >= 2 {
            self.name(Finding::SubjectAddress, holder, &words[skip..].join(" "));
        }
    }

    /// A long text quoted in part: every run of six consecutive words.
    fn notes(&mut self, holder: Holder, text: &str) {
        let words: Vec<String> = padded_words(text)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let shingles: HashSet<String> = words.windows(SHINGLE_WORDS).map(|w| w.join(" ")).collect();
        if !shingles.is_empty() {
            self.push(
                Finding::InvestigationNotes,
                holder,
                Pattern::Shingles(shingles),
            );
        }
    }

    /// The first datum `text` contains among those `include` accepts.
    fn scan_with(&self, texts: &[&str], include: impl Fn(&Datum) -> bool) -> Option<Finding> {
        let prepared: Vec<Prepared> = texts.iter().map(|t| Prepared::new(t)).collect();
        self.data
            .iter()
            .filter(|d| include(d))
            .find(|d| prepared.iter().any(|p| p.contains(&d.pattern)))
            .map(|d| d.kind)
    }

    /// The first datum of any compartment in the texts (for the server's own decisions, never
    /// to tell a viewer which).
    pub fn scan(&self, texts: &[&str]) -> Option<Finding> {
        self.scan_with(texts, |_| true)
    }

    /// The first datum `v` may itself read that the texts contain. Data it may not read are
    /// not compared at all, so the answer cannot reveal them.
    pub fn scan_readable(&self, v: &Viewer, texts: &[&str]) -> Option<Finding> {
        self.scan_with(texts, |d| d.holder.readable_by(v, d.kind.compartment()))
    }

    /// The agencies assigned the linked tips whose informants `v` may not read: who may
    /// review a text for them. Decided from the tips alone (not from whether their informants
    /// left a name), and never from any text.
    pub fn unreadable_tip_agencies(&self, v: &Viewer) -> Vec<i64> {
        let mut out = vec![];
        for h in &self.linked_tips {
            if let Holder::Tip {
                assigned_agency_id: Some(a),
            } = *h
                && !h.readable_by(v, Compartment::Informant)
                && !out.contains(&a)
            {
                out.push(a);
            }
        }
        out
    }
}

/// A text prepared once for every comparison.
struct Prepared {
    padded: String,
    compact: String,
    /// For each byte of `compact` (all ASCII): whether a word starts there / ends after it in
    /// the text, so "NguyenVanAn" and "N.g.u.y.e.n" match a name but "Nguyễn Văn Anh" does not
    /// match "Nguyễn Văn An".
    starts: Vec<bool>,
    ends: Vec<bool>,
    digit_runs: Vec<String>,
}

impl Prepared {
    fn new(text: &str) -> Prepared {
        let mut compact = String::new();
        let mut starts = vec![];
        let mut ends: Vec<bool> = vec![];
        let mut after_separator = true;
        for c in canonical(text).chars() {
            if c.is_ascii_alphanumeric() {
                compact.push(c);
                starts.push(after_separator);
                ends.push(true);
                if let Some(prev) = ends.len().checked_sub(2) {
                    ends[prev] = after_separator;
                }
                after_separator = false;
            } else {
                after_separator = true;
            }
        }
        Prepared {
            padded: padded_words(text),
            compact,
            starts,
            ends,
            digit_runs: digit_runs(text),
        }
    }

    /// Whether `needle` occurs in the compact text from the start of a word to the end of one.
    fn compact_contains(&self, needle: &str) -> bool {
        if needle.is_empty() {
            return false;
        }
        self.compact.match_indices(needle).any(|(i, m)| {
            self.starts.get(i).copied().unwrap_or(false)
                && self.ends.get(i + m.len() - 1).copied().unwrap_or(false)
        })
    }

    fn contains(&self, p: &Pattern) -> bool {
        match p {
            Pattern::Words { padded, compact } => {
                self.padded.contains(padded.as_str())
                    || (compact.chars().count() >= MIN_COMPACT_CHARS
                        && self.compact_contains(compact))
            }
            Pattern::Digits(d) => self.digit_runs.iter().any(|r| r.contains(d.as_str())),
            Pattern::Shingles(set) => {
                let words: Vec<&str> = self.padded.split_whitespace().collect();
                words
                    .windows(SHINGLE_WORDS)
                    .any(|w| set.contains(&w.join(" ")))
            }
        }
    }
}

/// Loads the restricted data of a case (archived records included: a name stays a name).
pub async fn restricted_of_case<C: ConnectionTrait>(
    conn: &C,
    key: &DataKey,
    case_id: i64,
    lead_agency_id: i64,
) -> AppResult<Restricted> {
    let mut r = Restricted::default();
    let case = Holder::Case { lead_agency_id };
    for s in subjects::Entity::find()
        .filter(subjects::Column::CaseId.eq(case_id))
        .all(conn)
        .await?
    {
        r.name(Finding::SubjectName, case, &s.full_name);
        if let Some(n) = &s.id_number {
            r.number(Finding::SubjectIdNumber, case, n);
        }
        if let Some(d) = s.date_of_birth {
            r.birth_date(case, d);
        }
        if let Some(a) = &s.address {
            r.address(case, a);
        }
        if let Some(t) = &s.tax_code {
            r.tax_code(Finding::SubjectTaxCode, case, t);
        }
    }
    for i in investigation_records::Entity::find()
        .filter(investigation_records::Column::CaseId.eq(case_id))
        .all(conn)
        .await?
    {
        r.notes(case, &i.notes);
        if let Some(p) = &i.prosecution_decision {
            r.notes(case, p);
            // Each number of the decision ("số 12/2025/QĐ ngày 05/03/2025") on its own.
            for token in p.split(|c: char| !c.is_ascii_digit()) {
                r.number(Finding::InvestigationNotes, case, token);
            }
        }
    }
    for c in customs_records::Entity::find()
        .filter(customs_records::Column::CaseId.eq(case_id))
        .all(conn)
        .await?
    {
        r.number(Finding::DeclarationNumber, case, &c.declaration_number);
        for hs in c.hs_codes.split([',', ';', ' ']) {
            r.number(Finding::HsCode, case, hs);
        }
        for t in [&c.importer_tax_code, &c.exporter_tax_code]
            .into_iter()
            .flatten()
        {
            r.tax_code(Finding::TraderTaxCode, case, t);
        }
    }
    for t in tips::Entity::find()
        .filter(tips::Column::CaseId.eq(case_id))
        .all(conn)
        .await?
    {
        let tip = Holder::Tip {
            assigned_agency_id: t.assigned_agency_id,
        };
        r.linked_tips.push(tip);
        if let Some(name) = &t.reporter_name {
            r.name(Finding::InformantName, tip, &reveal(key, name)?);
        }
        if let Some(contact) = &t.reporter_contact {
            r.contact(tip, &reveal(key, contact)?);
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

/// Default-ignorable code points (Unicode's `Default_Ignorable_Code_Point`, which includes the
/// zero-width and bidi format characters): invisible, so removed before comparing.
fn ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// The comparison form of a text (see the module doc): NFKC, invisible characters removed,
/// TR39 skeletons of non-ASCII characters, diacritics folded, lower case, ASCII only.
pub fn canonical(s: &str) -> String {
    let mut skeletal = String::with_capacity(s.len());
    for c in s.nfkc().filter(|c| !ignorable(*c)) {
        let latin_with_marks =
            c.nfd().next().is_some_and(|b| b.is_ascii()) || matches!(c, 'đ' | 'Đ');
        if c.is_ascii() || latin_with_marks {
            // ASCII, and Vietnamese letters (a Latin letter with marks, or đ), are left to
            // `fold`, which drops the marks: "Nguyen" must match "Nguyễn".
            skeletal.push(c);
        } else if let Some(d) = decimal_value(c) {
            skeletal.push(char::from(b'0' + d as u8));
        } else {
            // Any other script: what it looks like (a Cyrillic `Н` is an `H`, not the `N`
            // a transliteration would give).
            skeletal.extend(unicode_security::skeleton(&c.to_string()));
        }
    }
    fold(&skeletal)
}

/// The value of a decimal digit of another script (Arabic-Indic, Devanagari, Thai…): those
/// come in contiguous runs of ten starting at zero, which `char::to_digit` does not know.
fn decimal_value(c: char) -> Option<u32> {
    // The zero of every decimal-digit run NFKC leaves alone (Unicode 15, general category Nd).
    const ZEROS: &[u32] = &[
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
        0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
        0xAA50, 0xABF0, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450,
        0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60,
        0x16AC0, 0x16B50, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
    ];
    let u = c as u32;
    ZEROS
        .iter()
        .find(|z| (**z..**z + 10).contains(&u))
        .map(|z| u - z)
}

/// Canonical words of a text, padded with spaces so that `contains(" a b ")` matches whole
/// words only: anything but a letter or digit separates words.
fn padded_words(s: &str) -> String {
    let mut out = String::from(" ");
    for w in canonical(s)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        out.push_str(w);
        out.push(' ');
    }
    out
}

/// The letters and digits of a text with nothing between them.
fn compact(s: &str) -> String {
    canonical(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// The runs of digits of a text, joined across whatever is written between digits (spaces,
/// dots, dashes, slashes, line breaks, bullets…: anything but a letter), with the look-alike
/// letters `o` read as 0 and `i`/`l` as 1 wherever their chain of digits and look-alikes holds
/// a digit ("OO1234567890", "0912 345 67l").
fn digit_runs(s: &str) -> Vec<String> {
    let chars: Vec<char> = canonical(s).chars().collect();
    let look_alike = |c: char| matches!(c, 'o' | 'i' | 'l');
    let mut digit: Vec<Option<char>> = chars
        .iter()
        .map(|c| c.is_ascii_digit().then_some(*c))
        .collect();
    let mut i = 0;
    while i < chars.len() {
        if !(chars[i].is_ascii_digit() || look_alike(chars[i])) {
            i += 1;
            continue;
        }
        let start = i;
        let mut has_digit = false;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || look_alike(chars[i])
                || !chars[i].is_ascii_alphanumeric())
        {
            has_digit |= chars[i].is_ascii_digit();
            i += 1;
        }
        if has_digit {
            for j in start..i {
                if look_alike(chars[j]) {
                    digit[j] = Some(if chars[j] == 'o' { '0' } else { '1' });
                }
            }
        }
    }
    let mut runs = vec![];
    let mut cur = String::new();
    for (c, d) in chars.iter().zip(&digit) {
        if let Some(d) = d {
            cur.push(*d);
        } else if c.is_ascii_alphanumeric() && !cur.is_empty() {
            // A letter ends a number; anything else is written inside one.
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

/// The client error for a finding the viewer may read.
pub fn finding_error(f: Finding) -> AppError {
    AppError::bad_input(f.message())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    const CASE: Holder = Holder::Case { lead_agency_id: 1 };
    const TIP: Holder = Holder::Tip {
        assigned_agency_id: Some(7),
    };

    fn sample() -> Restricted {
        let mut r = Restricted::default();
        r.name(Finding::SubjectName, CASE, "Nguyễn Văn An");
        r.number(Finding::SubjectIdNumber, CASE, "001234567890");
        r.tax_code(Finding::SubjectTaxCode, CASE, "0101234567-001");
        r.birth_date(CASE, chrono::NaiveDate::from_ymd_opt(1980, 3, 5).unwrap());
        r.address(CASE, "Số 12 ngõ 34 phố Lê Lợi, phường Đông Kinh, Lạng Sơn");
        r.notes(
            CASE,
            "Đối tượng khai nhận được thuê vận chuyển hàng qua đường mòn Cốc Nam với giá 500 nghìn",
        );
        r.number(Finding::DeclarationNumber, CASE, "105123456789");
        r.number(Finding::HsCode, CASE, "8703.23.61");
        r.name(Finding::InformantName, TIP, "Hoàng Thị Lan");
        r.contact(TIP, "0912 345 678");
        r.contact(TIP, "lan.hoang@example.vn");
        r
    }

    fn viewer(role: Role, agency: i64) -> Viewer {
        Viewer::in_agency(role, Some(agency))
    }

    #[test]
    fn names_in_every_disguise() {
        let r = sample();
        for t in [
            "Đối tượng Nguyễn Văn An khai nhận",
            "Doi tuong NGUYEN VAN AN khai nhan",
            "doi tuong nguyen van an, 35 tuoi",
            "Đối tượng Nguyê\u{302}\u{303}n Văn An",
            // Cyrillic а and о in place of Latin letters.
            "Đối tượng Nguyễn Văn \u{0410}n",
            // Zero-width space and soft hyphen inside the name.
            "Đối tượng Nguy\u{200b}ễn V\u{00ad}ăn An",
            // No spaces, dots between letters, full-width letters.
            "Đối tượng NguyenVanAn",
            "Đối tượng N.g.u.y.e.n V.a.n A.n",
            "Đối tượng Ｎｇｕｙｅｎ Ｖａｎ Ａｎ",
        ] {
            assert_eq!(r.scan(&[t]), Some(Finding::SubjectName), "{t}");
        }
        assert_eq!(r.scan(&["Đối tượng Nguyễn Văn Anh"]), None);
        assert_eq!(r.scan(&["Đối tượng Nguyễn Văn A. (SN 1990)"]), None);
        assert_eq!(
            r.scan(&["người báo tin h\u{043e}ang thi lan"]),
            Some(Finding::InformantName)
        );
    }

    #[test]
    fn numbers_in_every_disguise() {
        let r = sample();
        for t in [
            "CCCD 0012 3456 7890",
            "CCCD ００１２３４５６７８９０",
            "CCCD 0O1234567890",
            "CCCD 001\u{200b}234\u{200b}567\u{200b}890",
            "CCCD OO1234567890",
            "CCCD 001234\n567890",
            "CCCD 001234\t567*890",
            // Arabic-Indic digits.
            "CCCD \u{0660}\u{0660}\u{0661}\u{0662}\u{0663}\u{0664}\u{0665}\u{0666}\u{0667}\u{0668}\u{0669}\u{0660}",
        ] {
            assert_eq!(r.scan(&[t]), Some(Finding::SubjectIdNumber), "{t}");
        }
        assert_eq!(r.scan(&["MST 0101234567"]), Some(Finding::SubjectTaxCode));
        assert_eq!(
            r.scan(&["tờ khai số 105.123.456.789"]),
            Some(Finding::DeclarationNumber)
        );
        assert_eq!(r.scan(&["mã HS 8703.23.61"]), Some(Finding::HsCode));
        assert_eq!(
            r.scan(&["gọi +84 912 345 678"]),
            Some(Finding::InformantContact)
        );
        assert_eq!(
            r.scan(&["email LAN.HOANG@EXAMPLE.VN"]),
            Some(Finding::InformantContact)
        );
        assert_eq!(
            r.scan(&["Ngày 15/12/2025, thu giữ 1.500 kg, phạt 45.000.000 đồng"]),
            None
        );
    }

    #[test]
    fn birth_dates_addresses_and_notes() {
        let r = sample();
        for t in [
            "sinh ngày 5/3/1980",
            "sinh ngày 05-03-1980",
            "sinh 1980-03-05",
            "sinh ngày 5 tháng 3 năm 1980",
        ] {
            assert_eq!(r.scan(&[t]), Some(Finding::SubjectBirthDate), "{t}");
        }
        assert_eq!(
            r.scan(&["trú tại Số 12 ngõ 34 phố Lê Lợi"]),
            Some(Finding::SubjectAddress)
        );
        assert_eq!(
            r.scan(&["trú tại 12 ngõ 34 phố Lê Lợi"]),
            Some(Finding::SubjectAddress)
        );
        assert_eq!(
            r.scan(&["phường Đông Kinh, Lạng Sơn"]),
            None,
            "the commune and province are public"
        );
        assert_eq!(
            r.scan(&["khai nhận được thuê vận chuyển hàng qua đường mòn"]),
            Some(Finding::InvestigationNotes)
        );
        assert_eq!(r.scan(&["vận chuyển hàng qua biên giới"]), None);
    }

    #[test]
    fn a_viewer_is_told_only_of_what_it_may_read() {
        let mut r = sample();
        let informant = "người báo tin Hoàng Thị Lan";
        // The customs lead agency (1) reads the case's police data but no informant.
        let customs = viewer(Role::Customs, 1);
        assert_eq!(r.scan_readable(&customs, &[informant]), None);
        assert_eq!(
            r.scan_readable(&customs, &["Nguyễn Văn An"]),
            Some(Finding::SubjectName)
        );
        r_link(&mut r);
        assert_eq!(r.unreadable_tip_agencies(&customs), vec![7]);
        // The police agency the tip is assigned to reads it.
        let police = viewer(Role::Police, 7);
        assert_eq!(
            r.scan_readable(&police, &[informant]),
            Some(Finding::InformantName)
        );
        assert!(r.unreadable_tip_agencies(&police).is_empty());
    }

    fn r_link(r: &mut Restricted) {
        r.linked_tips.push(TIP);
    }

    #[test]
    fn messages_name_the_kind_only() {
        for f in Finding::ALL {
            assert!(!f.message().to_lowercase().contains("nguyen"));
        }
    }
}
