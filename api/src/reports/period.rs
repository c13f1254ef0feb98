//! Reporting periods, all cut on the 15th-to-14th rule of DOMAIN.md (Lào Cai's rule):
//!
//! | kind        | identified by        | covers                                   | due before          |
//! |-------------|----------------------|------------------------------------------|---------------------|
//! | MONTH       | year, month M        | 15/(M-1) – 14/M (15/12 of year-1 for M=1) | day D of month M    |
//! | QUARTER     | year, quarter Q      | 15 of month 3Q-3 – 14/(3Q)               | day D of month 3Q   |
//! | SIX_MONTHS  | year                 | 15/12 of year-1 – 14/6                   | day D of June       |
//! | NINE_MONTHS | year                 | 15/12 of year-1 – 14/9                   | day D of September  |
//! | YEAR        | year                 | 15/12 of year-1 – 14/12                  | day D of December   |
//!
//! D is `WorkflowSettings::report_due_day` (17 by default), clamped to the month's length.
//! "Due before the 17th": `due_on` stores that day and a report filed on it or later (Vietnam
//! local date) is late; one filed up to the 16th is on time.

use chrono::{Datelike, NaiveDate};

use crate::error::{AppError, AppResult};
use crate::vocab::PeriodKind;

/// One reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
}

/// Years accepted in inputs.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::bad_input("the period is not a valid date"))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

impl Period {
    /// The period ending on the 14th of `end_month` of `year`, starting on the 15th after
    /// `months` months before it.
    fn ending(
        kind: PeriodKind,
        year: i32,
        end_month: u32,
        months: u32,
        due_day: u32,
    ) -> AppResult<Period> {
        if !YEARS.contains(&year) {
            return Err(AppError::bad_input(format!(
                "`year` must be between {} and {}",
                YEARS.start(),
                YEARS.end()
            )));
        }
        let end = date(year, end_month, 14)?;
        let back = i64::from(end_month) - i64::from(months); // month before the first month
        let (sy, sm) = if back >= 1 {
            (year, back as u32)
        } else {
            (year - 1, (back + 12) as u32)
        };
        let start = date(sy, sm, 15)?;
        let due = date(
            year,
            end_month,
            due_day.clamp(1, days_in_month(year, end_month)),
        )?;
        Ok(Period {
            kind,
            start,
            end,
            due,
        })
    }

    /// The period of `kind` identified by `year` and, for a month or a quarter, its number.
    pub fn of(
        kind: PeriodKind,
        year: i32,
        month: Option<u32>,
        quarter: Option<u32>,
        due_day: u32,
    ) -> AppResult<Period> {
        let none_of = |month: Option<u32>, quarter: Option<u32>| -> AppResult<()> {
            if month.is_some() || quarter.is_some() {
                Err(AppError::bad_input(format!(
                    "a {} period takes only `year`",
                    kind.as_str().to_uppercase()
                )))
            } else {
                Ok(())
            }
        };
        match kind {
            PeriodKind::Month => {
                if quarter.is_some() {
                    return Err(AppError::bad_input(
                        "a MONTH period takes `month`, not `quarter`",
                    ));
                }
                match month {
                    Some(m @ 1..=12) => Self::ending(kind, year, m, 1, due_day),
                    _ => Err(AppError::bad_input(
                        "a MONTH period needs `month` between 1 and 12",
                    )),
                }
            }
            PeriodKind::Quarter => {
                if month.is_some() {
                    return Err(AppError::bad_input(
                        "a QUARTER period takes `quarter`, not `month`",
                    ));
                }
                match quarter {
                    Some(q @ 1..=4) => Self::ending(kind, year, q * 3, 3, due_day),
                    _ => Err(AppError::bad_input(
                        "a QUARTER period needs `quarter` between 1 and 4",
                    )),
                }
            }
            PeriodKind::SixMonths => {
                none_of(month, quarter)?;
                Self::ending(kind, year, 6, 6, due_day)
            }
            PeriodKind::NineMonths => {
                none_of(month, quarter)?;
                Self::ending(kind, year, 9, 9, due_day)
            }
            PeriodKind::Year => {
                none_of(month, quarter)?;
                Self::ending(kind, year, 12, 12, due_day)
            }
        }
    }

    /// The year the period is named after (that of its end).
    pub fn year(&self) -> i32 {
        self.end.year()
    }

    /// Month number for a MONTH period, quarter number for a QUARTER, else `None`.
    fn number(&self) -> (Option<u32>, Option<u32>) {
        match self.kind {
            PeriodKind::Month => (Some(self.end.month()), None),
            PeriodKind::Quarter => (None, Some(self.end.month() / 3)),
            _ => (None, None),
        }
    }

    /// The same period a year earlier.
    pub fn same_last_year(&self, due_day: u32) -> AppResult<Period> {
        let (m, q) = self.number();
        Period::of(self.kind, self.year() - 1, m, q, due_day)
    }

    /// The period just before: the previous month or quarter; for the cumulative six-, nine-
    /// and twelve-month periods (which all start on 15/12), the same period of the year before.
    pub fn previous(&self, due_day: u32) -> AppResult<Period> {
        match self.number() {
            (Some(1), _) => Period::of(self.kind, self.year() - 1, Some(12), None, due_day),
            (Some(m), _) => Period::of(self.kind, self.year(), Some(m - 1), None, due_day),
            (_, Some(1)) => Period::of(self.kind, self.year() - 1, None, Some(4), due_day),
            (_, Some(q)) => Period::of(self.kind, self.year(), None, Some(q - 1), due_day),
            _ => self.same_last_year(due_day),
        }
    }

    /// Rebuilds a stored report's period from its kind and end date.
    pub fn stored(kind: PeriodKind, end: NaiveDate, due_day: u32) -> AppResult<Period> {
        let (m, q) = match kind {
            PeriodKind::Month => (Some(end.month()), None),
            PeriodKind::Quarter => (None, Some(end.month() / 3)),
            _ => (None, None),
        };
        Period::of(kind, end.year(), m, q, due_day)
    }

    /// Whether a report filed on `filed_on` (Vietnam local date) is late: due *before* the
    /// due day.
    pub fn is_late(&self, filed_on: NaiveDate) -> bool {
        filed_on >= self.due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_cut_on_the_fifteenth() {
        let p = Period::of(PeriodKind::Month, 2026, Some(6), None, 17).unwrap();
        assert_eq!(
            (p.start, p.end, p.due),
            (d("2026-05-15"), d("2026-06-14"), d("2026-06-17"))
        );
        let p = Period::of(PeriodKind::Month, 2026, Some(1), None, 17).unwrap();
        assert_eq!((p.start, p.end), (d("2025-12-15"), d("2026-01-14")));
        assert!(!p.is_late(d("2026-01-16")));
        assert!(p.is_late(d("2026-01-17")));
        let feb = Period::of(PeriodKind::Month, 2026, Some(2), None, 31).unwrap();
        assert_eq!(feb.due, d("2026-02-28"));
        assert!(Period::of(PeriodKind::Month, 2026, Some(13), None, 17).is_err());
        assert!(Period::of(PeriodKind::Month, 2026, None, None, 17).is_err());
    }

    #[test]
    fn longer_periods() {
        let q1 = Period::of(PeriodKind::Quarter, 2026, None, Some(1), 17).unwrap();
        assert_eq!((q1.start, q1.end), (d("2025-12-15"), d("2026-03-14")));
        let q3 = Period::of(PeriodKind::Quarter, 2026, None, Some(3), 17).unwrap();
        assert_eq!((q3.start, q3.end), (d("2026-06-15"), d("2026-09-14")));
        let h = Period::of(PeriodKind::SixMonths, 2026, None, None, 17).unwrap();
        assert_eq!((h.start, h.end), (d("2025-12-15"), d("2026-06-14")));
        let n = Period::of(PeriodKind::NineMonths, 2026, None, None, 17).unwrap();
        assert_eq!((n.start, n.end), (d("2025-12-15"), d("2026-09-14")));
        let y = Period::of(PeriodKind::Year, 2026, None, None, 17).unwrap();
        assert_eq!(
            (y.start, y.end, y.due),
            (d("2025-12-15"), d("2026-12-14"), d("2026-12-17"))
        );
        assert!(Period::of(PeriodKind::Year, 2026, Some(3), None, 17).is_err());
    }

    #[test]
    fn comparisons() {
        let jan = Period::of(PeriodKind::Month, 2026, Some(1), None, 17).unwrap();
        assert_eq!(jan.previous(17).unwrap().start, d("2025-11-15"));
        assert_eq!(jan.same_last_year(17).unwrap().start, d("2024-12-15"));
        let q1 = Period::of(PeriodKind::Quarter, 2026, None, Some(1), 17).unwrap();
        assert_eq!(q1.previous(17).unwrap().end, d("2025-12-14"));
        let stored = Period::stored(PeriodKind::Quarter, q1.end, 17).unwrap();
        assert_eq!(stored, q1);
    }
}
