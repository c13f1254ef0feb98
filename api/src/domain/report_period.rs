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

use crate::domain::calendar::PeriodSpec;
use crate::domain::vocab::PeriodKind;
use crate::error::{AppError, AppResult};

/// One reporting period: a period of the calendar, with the date its reports are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub spec: PeriodSpec,
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

impl Period {
    /// The reporting period of a calendar period (a range is none), due on `due_day` of its
    /// last month.
    pub fn from_spec(spec: PeriodSpec, due_day: u32) -> AppResult<Period> {
        let kind = match spec {
            PeriodSpec::Month { .. } => PeriodKind::Month,
            PeriodSpec::Quarter { .. } => PeriodKind::Quarter,
            PeriodSpec::SixMonths { .. } => PeriodKind::SixMonths,
            PeriodSpec::NineMonths { .. } => PeriodKind::NineMonths,
            PeriodSpec::Year { .. } => PeriodKind::Year,
            PeriodSpec::Range(_) => {
                return Err(AppError::bad_input(
                    "reports cover a month, a quarter, six or nine months, or a year",
                ));
            }
        };
        let r = spec.range()?;
        let (year, month) = (r.to.year(), r.to.month());
        let due =
            NaiveDate::from_ymd_opt(year, month, due_day.clamp(1, days_in_month(year, month)))
                .ok_or_else(|| AppError::bad_input("the period is not a valid date"))?;
        Ok(Period {
            spec,
            kind,
            start: r.from,
            end: r.to,
            due,
        })
    }

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
        let spec = match kind {
            PeriodKind::Month => {
                if quarter.is_some() {
                    return Err(AppError::bad_input(
                        "a MONTH period takes `month`, not `quarter`",
                    ));
                }
                match month {
                    Some(month @ 1..=12) => PeriodSpec::Month { year, month },
                    _ => {
                        return Err(AppError::bad_input(
                            "a MONTH period needs `month` between 1 and 12",
                        ));
                    }
                }
            }
            PeriodKind::Quarter => {
                if month.is_some() {
                    return Err(AppError::bad_input(
                        "a QUARTER period takes `quarter`, not `month`",
                    ));
                }
                match quarter {
                    Some(quarter @ 1..=4) => PeriodSpec::Quarter { year, quarter },
                    _ => {
                        return Err(AppError::bad_input(
                            "a QUARTER period needs `quarter` between 1 and 4",
                        ));
                    }
                }
            }
            PeriodKind::SixMonths => {
                none_of(month, quarter)?;
                PeriodSpec::SixMonths { year }
            }
            PeriodKind::NineMonths => {
                none_of(month, quarter)?;
                PeriodSpec::NineMonths { year }
            }
            PeriodKind::Year => {
                none_of(month, quarter)?;
                PeriodSpec::Year { year }
            }
        };
        Period::from_spec(spec, due_day)
    }

    /// The year the period is named after (that of its end).
    pub fn year(&self) -> i32 {
        self.end.year()
    }

    /// The same period a year earlier (the calendar's rule).
    pub fn same_last_year(&self, due_day: u32) -> AppResult<Period> {
        Period::from_spec(self.spec.last_year_spec()?, due_day)
    }

    /// The period just before (the calendar's rule: for the cumulative six-, nine- and
    /// twelve-month periods, the same period of the year before).
    pub fn previous(&self, due_day: u32) -> AppResult<Period> {
        Period::from_spec(self.spec.previous_spec()?, due_day)
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

    /// A report's previous period and same period last year are the calendar's, for every
    /// kind: statistics and reports mean the same thing by them.
    #[test]
    fn comparisons_are_the_calendars() {
        use crate::domain::calendar::PeriodSpec;
        let cases: Vec<(PeriodKind, Option<u32>, Option<u32>, PeriodSpec)> = vec![
            (
                PeriodKind::Month,
                Some(1),
                None,
                PeriodSpec::Month {
                    year: 2026,
                    month: 1,
                },
            ),
            (
                PeriodKind::Month,
                Some(7),
                None,
                PeriodSpec::Month {
                    year: 2026,
                    month: 7,
                },
            ),
            (
                PeriodKind::Quarter,
                None,
                Some(1),
                PeriodSpec::Quarter {
                    year: 2026,
                    quarter: 1,
                },
            ),
            (
                PeriodKind::Quarter,
                None,
                Some(3),
                PeriodSpec::Quarter {
                    year: 2026,
                    quarter: 3,
                },
            ),
            (
                PeriodKind::SixMonths,
                None,
                None,
                PeriodSpec::SixMonths { year: 2026 },
            ),
            (
                PeriodKind::NineMonths,
                None,
                None,
                PeriodSpec::NineMonths { year: 2026 },
            ),
            (
                PeriodKind::Year,
                None,
                None,
                PeriodSpec::Year { year: 2026 },
            ),
        ];
        for (kind, m, q, spec) in cases {
            let p = Period::of(kind, 2026, m, q, 17).unwrap();
            let r = spec.range().unwrap();
            assert_eq!((p.start, p.end), (r.from, r.to), "{kind:?}");
            let prev = p.previous(17).unwrap();
            let want = spec.previous().unwrap();
            assert_eq!(
                (prev.start, prev.end),
                (want.from, want.to),
                "{kind:?} previous"
            );
            let last = p.same_last_year(17).unwrap();
            let want = spec.last_year().unwrap();
            assert_eq!(
                (last.start, last.end),
                (want.from, want.to),
                "{kind:?} last year"
            );
        }
    }

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
