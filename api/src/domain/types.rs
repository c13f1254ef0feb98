//! Validated values of the domain: each is made only by `parse`, so a value of the type is a
//! valid one wherever it travels, and each rule is written once.

use chrono::NaiveDate;

use crate::error::{AppError, AppResult};

/// An amount in whole Vietnamese đồng (VND has no minor unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Vnd(pub i64);

impl Vnd {
    /// 10^13 đồng (ten thousand billion, mười nghìn tỷ): several times the largest smuggling
    /// case on record, and low enough that a sum stays exact and inside a 64-bit integer for
    /// some nine hundred thousand cases at the bound in one cell (at 10^15, a review of stop 37
    /// overflowed a month's kept totals with 9 224 cases: statistics then panicked, and
    /// PostgreSQL refused every later write of the cell). Sums stop at `i64::MAX` anyway
    /// (`figures::bounded_sum`).
    pub const MAX: i64 = 10_000_000_000_000;

    pub fn parse(v: i64) -> AppResult<Vnd> {
        if (0..=Vnd::MAX).contains(&v) {
            Ok(Vnd(v))
        } else {
            Err(AppError::bad_input(
                "an amount in VND is a whole number from 0 to 10^13",
            ))
        }
    }
}

/// A number or code as typed, without what groups its digits: spaces and dots ("001 234 567
/// 890", "2402.20.90"), and white space around it (a pasted line's end).
fn ungrouped(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect()
}

/// Only ASCII digits, of one of the lengths.
fn digits_of(field: &str, v: &str, lens: &[usize]) -> AppResult<String> {
    let v = ungrouped(v);
    if v.chars().all(|c| c.is_ascii_digit()) && lens.contains(&v.len()) {
        Ok(v)
    } else {
        Err(AppError::bad_input(format!(
            "`{field}` must be {} digits",
            lens.iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }
}

/// A citizen ID number: 12 digits (CCCD), or 9 for the old identity card (CMND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(field: &str, v: &str) -> AppResult<IdNumber> {
        digits_of(field, v, &[9, 12]).map(IdNumber)
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A customs declaration number (số tờ khai): 12 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationNumber(String);

impl DeclarationNumber {
    pub fn parse(field: &str, v: &str) -> AppResult<DeclarationNumber> {
        digits_of(field, v, &[12]).map(DeclarationNumber)
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A tax code (mã số thuế): 10 digits, or 10-3 for a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxCode(String);

impl TaxCode {
    pub fn parse(field: &str, v: &str) -> AppResult<TaxCode> {
        let v = v.trim();
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        // A dash must be followed by the 3-digit branch.
        let ok = match v.split_once('-') {
            None => v.len() == 10 && all_digits(v),
            Some((main, branch)) => {
                main.len() == 10 && all_digits(main) && branch.len() == 3 && all_digits(branch)
            }
        };
        if ok {
            Ok(TaxCode(v.to_string()))
        } else {
            Err(AppError::bad_input(format!(
                "`{field}` must be 10 digits or 10-3 digits"
            )))
        }
    }

    /// An optional tax code: blank means none.
    pub fn parse_optional(field: &str, v: Option<&str>) -> AppResult<Option<TaxCode>> {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| TaxCode::parse(field, v))
            .transpose()
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An HS code (mã HS): 4 to 10 digits, stored without the dots people write in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsCode(String);

impl HsCode {
    pub fn parse(field: &str, v: &str) -> AppResult<HsCode> {
        let v = ungrouped(v);
        if (4..=10).contains(&v.len()) && v.chars().all(|c| c.is_ascii_digit()) {
            Ok(HsCode(v))
        } else {
            Err(AppError::bad_input(format!(
                "`{field}` must be an HS code of 4 to 10 digits"
            )))
        }
    }
    pub fn into_inner(self) -> String {
        self.0
    }

    /// The first digits of a code, as a filter takes them: 1 to 10 digits once ungrouped.
    pub fn prefix(field: &str, v: &str) -> AppResult<String> {
        let v = ungrouped(v);
        if (1..=10).contains(&v.len()) && v.chars().all(|c| c.is_ascii_digit()) {
            Ok(v)
        } else {
            Err(AppError::bad_input(format!(
                "`{field}` is an HS code or its first digits (dots and spaces allowed)"
            )))
        }
    }
}

/// A vehicle plate (biển số xe) as Vietnamese plates are written — `29A-123.45`, `12C-12345`,
/// `51LD-123.45`, `29-B1 123.45` — stored as its letters and digits only, upper case
/// (`29A12345`), so the same plate typed two ways compares equal: two digits of the province,
/// then at least one letter, 6 to 10 characters in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehiclePlate(String);

impl VehiclePlate {
    pub fn parse(field: &str, v: &str) -> AppResult<VehiclePlate> {
        let kept: String = v
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '.' | ' '))
            .flat_map(char::to_uppercase)
            .collect();
        let ok = (6..=10).contains(&kept.len())
            && kept.chars().all(|c| c.is_ascii_alphanumeric())
            && kept.chars().take(2).all(|c| c.is_ascii_digit())
            && kept.chars().any(|c| c.is_ascii_alphabetic());
        if ok {
            Ok(VehiclePlate(kept))
        } else {
            Err(AppError::bad_input(format!(
                "`{field}` must be a vehicle plate such as 29A-123.45"
            )))
        }
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A date of birth: not in the future (Vietnam time), and no earlier than 1900 — not the
/// event-date floor, which would refuse most subjects (born before 1990).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    pub fn parse(d: NaiveDate) -> AppResult<BirthDate> {
        Self::parse_on(d, crate::time::today())
    }

    fn parse_on(d: NaiveDate, today: NaiveDate) -> AppResult<BirthDate> {
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
        if d > today {
            Err(AppError::bad_input("`dateOfBirth` is in the future"))
        } else if d < earliest {
            Err(AppError::bad_input("`dateOfBirth` is before 1900"))
        } else {
            Ok(BirthDate(d))
        }
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_typed_in_groups_are_their_digits() {
        let id = |v: &str| IdNumber::parse("n", v).map(IdNumber::into_inner);
        assert_eq!(id("001 234 567 890").unwrap(), "001234567890");
        assert_eq!(id("001234567890\n").unwrap(), "001234567890");
        assert_eq!(
            HsCode::parse("h", " 8517 12 ").unwrap().into_inner(),
            "851712"
        );
        assert_eq!(id("001.234.567").unwrap(), "001234567");
        assert!(id("00123456789x").is_err() && id("0012345678").is_err());
        assert_eq!(
            DeclarationNumber::parse("n", "105 123 456 789")
                .unwrap()
                .into_inner(),
            "105123456789"
        );
    }

    #[test]
    fn a_plate_typed_any_way_is_one_plate() {
        for typed in ["29A-123.45", "29a 12345", " 29A12345 "] {
            assert_eq!(
                VehiclePlate::parse("p", typed).unwrap().into_inner(),
                "29A12345"
            );
        }
        assert_eq!(
            VehiclePlate::parse("p", "51LD-123.45")
                .unwrap()
                .into_inner(),
            "51LD12345"
        );
        assert_eq!(
            VehiclePlate::parse("p", "29-B1 123.45")
                .unwrap()
                .into_inner(),
            "29B112345"
        );
        for bad in ["", "12345678", "A29-12345", "29A-12345678901", "29Ă-123.45"] {
            assert!(VehiclePlate::parse("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_type_takes_what_it_should() {
        assert!(Vnd::parse(0).is_ok() && Vnd::parse(Vnd::MAX).is_ok());
        assert!(Vnd::parse(-1).is_err() && Vnd::parse(Vnd::MAX + 1).is_err());
        assert!(IdNumber::parse("idNumber", " 020080804601 ").is_ok());
        assert!(IdNumber::parse("idNumber", "123456789").is_ok());
        assert!(IdNumber::parse("idNumber", "02008080460").is_err());
        assert!(IdNumber::parse("idNumber", "02008080460X").is_err());
        assert!(DeclarationNumber::parse("d", "105123456789").is_ok());
        assert!(DeclarationNumber::parse("d", "10512345678").is_err());
        assert!(TaxCode::parse("t", "0101234567").is_ok());
        assert!(TaxCode::parse("t", "0101234567-001").is_ok());
        assert!(TaxCode::parse("t", "0101234567-01").is_err());
        assert!(TaxCode::parse("t", "0101234567-").is_err());
        assert!(TaxCode::parse("t", "010123456").is_err());
        assert_eq!(TaxCode::parse_optional("t", Some("  ")).unwrap(), None);
        assert_eq!(
            HsCode::parse("h", "8703.23.61").unwrap().into_inner(),
            "87032361"
        );
        assert!(HsCode::parse("h", "870").is_err());
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(
            BirthDate::parse_on(d(1975, 3, 5), today).is_ok(),
            "born before 1990"
        );
        assert!(BirthDate::parse_on(d(2027, 1, 1), today).is_err());
        assert!(BirthDate::parse_on(d(1899, 12, 31), today).is_err());
    }

    #[test]
    fn messages_name_the_field() {
        let e = TaxCode::parse("importerTaxCode", "x").unwrap_err();
        assert!(e.message().contains("importerTaxCode"));
    }
}
