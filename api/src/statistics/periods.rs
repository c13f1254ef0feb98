//! Reporting periods under the official cut (DOMAIN.md): a month runs from the 15th of the
//! previous month to the 14th; a quarter ends on the 14th of its last month; six months,
//! nine months and the year start on 15/12 of the previous year and end on 14/6, 14/9, 14/12.
//! Every period is compared with the one just before it and with the same period last year.

use chrono::{Datelike, Months, NaiveDate};

use crate::error::{AppError, AppResult};

/// A closed range of local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// What a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodSpec {
    Month {
        year: i32,
        month: u32,
    },
    Quarter {
        year: i32,
        quarter: u32,
    },
    SixMonths {
        year: i32,
    },
    NineMonths {
        year: i32,
    },
    Year {
        year: i32,
    },
    /// Any range (a campaign's dates are one).
    Range(DateRange),
}

fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::bad_input("the period is out of range"))
}

/// The 15th that opens the reporting month `month` of `year` (15/12 of the previous year for
/// January).
fn month_start(year: i32, month: u32) -> AppResult<NaiveDate> {
    if month == 1 {
        date(year - 1, 12, 15)
    } else {
        date(year, month - 1, 15)
    }
}

fn check_year(year: i32) -> AppResult<()> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input("`year` must be between 1990 and 2100"))
    }
}

impl PeriodSpec {
    pub fn range(&self) -> AppResult<DateRange> {
        match *self {
            PeriodSpec::Month { year, month } => {
                check_year(year)?;
                if !(1..=12).contains(&month) {
                    return Err(AppError::bad_input("`month` must be 1 to 12"));
                }
                Ok(DateRange {
                    from: month_start(year, month)?,
                    to: date(year, month, 14)?,
                })
            }
            PeriodSpec::Quarter { year, quarter } => {
                check_year(year)?;
                if !(1..=4).contains(&quarter) {
                    return Err(AppError::bad_input("`quarter` must be 1 to 4"));
                }
                let last = quarter * 3;
                Ok(DateRange {
                    from: month_start(year, last - 2)?,
                    to: date(year, last, 14)?,
                })
            }
            PeriodSpec::SixMonths { year } => {
                check_year(year)?;
                Ok(DateRange {
                    from: date(year - 1, 12, 15)?,
                    to: date(year, 6, 14)?,
                })
            }
            PeriodSpec::NineMonths { year } => {
                check_year(year)?;
                Ok(DateRange {
                    from: date(year - 1, 12, 15)?,
                    to: date(year, 9, 14)?,
                })
            }
            PeriodSpec::Year { year } => {
                check_year(year)?;
                Ok(DateRange {
                    from: date(year - 1, 12, 15)?,
                    to: date(year, 12, 14)?,
                })
            }
            PeriodSpec::Range(r) => {
                check_year(r.from.year())?;
                check_year(r.to.year())?;
                if r.from > r.to {
                    return Err(AppError::bad_input("the period's `from` is after its `to`"));
                }
                if r.days() > 366 * 20 {
                    return Err(AppError::bad_input(
                        "the period is longer than twenty years",
                    ));
                }
                Ok(r)
            }
        }
    }

    /// The period just before: the previous month, quarter or year; for six and nine months
    /// the same length of official months before; for a range, as many days before.
    pub fn previous(&self) -> AppResult<DateRange> {
        let r = self.range()?;
        let months = |n: u32| -> AppResult<DateRange> {
            let from = r
                .from
                .checked_sub_months(Months::new(n))
                .ok_or_else(|| AppError::bad_input("out of range"))?;
            let to = r
                .from
                .pred_opt()
                .ok_or_else(|| AppError::bad_input("out of range"))?;
            Ok(DateRange { from, to })
        };
        match self {
            PeriodSpec::Month { .. } => months(1),
            PeriodSpec::Quarter { .. } => months(3),
            PeriodSpec::SixMonths { .. } => months(6),
            PeriodSpec::NineMonths { .. } => months(9),
            PeriodSpec::Year { .. } => months(12),
            PeriodSpec::Range(_) => {
                let to = r
                    .from
                    .pred_opt()
                    .ok_or_else(|| AppError::bad_input("out of range"))?;
                let from = to - chrono::Duration::days(r.days() - 1);
                Ok(DateRange { from, to })
            }
        }
    }

    /// The same period one year earlier.
    pub fn last_year(&self) -> AppResult<DateRange> {
        let r = self.range()?;
        let back = |d: NaiveDate| {
            d.checked_sub_months(Months::new(12))
                .ok_or_else(|| AppError::bad_input("out of range"))
        };
        Ok(DateRange {
            from: back(r.from)?,
            to: back(r.to)?,
        })
    }
}

/// The reporting month (year, month) a date falls in: the 15th and later belong to the next.
pub fn reporting_month(d: NaiveDate) -> (i32, u32) {
    if d.day() >= 15 {
        if d.month() == 12 {
            (d.year() + 1, 1)
        } else {
            (d.year(), d.month() + 1)
        }
    } else {
        (d.year(), d.month())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn official_cuts() {
        let r = |s: PeriodSpec| s.range().unwrap();
        assert_eq!(
            r(PeriodSpec::Month {
                year: 2026,
                month: 5
            }),
            DateRange {
                from: d(2026, 4, 15),
                to: d(2026, 5, 14)
            }
        );
        assert_eq!(
            r(PeriodSpec::Month {
                year: 2026,
                month: 1
            }),
            DateRange {
                from: d(2025, 12, 15),
                to: d(2026, 1, 14)
            }
        );
        assert_eq!(
            r(PeriodSpec::Quarter {
                year: 2026,
                quarter: 1
            }),
            DateRange {
                from: d(2025, 12, 15),
                to: d(2026, 3, 14)
            }
        );
        assert_eq!(
            r(PeriodSpec::Quarter {
                year: 2026,
                quarter: 3
            }),
            DateRange {
                from: d(2026, 6, 15),
                to: d(2026, 9, 14)
            }
        );
        assert_eq!(
            r(PeriodSpec::SixMonths { year: 2026 }),
            DateRange {
                from: d(2025, 12, 15),
                to: d(2026, 6, 14)
            }
        );
        assert_eq!(
            r(PeriodSpec::NineMonths { year: 2026 }),
            DateRange {
                from: d(2025, 12, 15),
                to: d(2026, 9, 14)
            }
        );
        assert_eq!(
            r(PeriodSpec::Year { year: 2026 }),
            DateRange {
                from: d(2025, 12, 15),
                to: d(2026, 12, 14)
            }
        );
    }

    #[test]
    fn comparisons() {
        let m = PeriodSpec::Month {
            year: 2026,
            month: 1,
        };
        assert_eq!(
            m.previous().unwrap(),
            DateRange {
                from: d(2025, 11, 15),
                to: d(2025, 12, 14)
            }
        );
        assert_eq!(
            m.last_year().unwrap(),
            DateRange {
                from: d(2024, 12, 15),
                to: d(2025, 1, 14)
            }
        );
        let y = PeriodSpec::Year { year: 2026 };
        assert_eq!(
            y.previous().unwrap(),
            DateRange {
                from: d(2024, 12, 15),
                to: d(2025, 12, 14)
            }
        );
        let q = PeriodSpec::Quarter {
            year: 2026,
            quarter: 1,
        };
        assert_eq!(
            q.previous().unwrap(),
            DateRange {
                from: d(2025, 9, 15),
                to: d(2025, 12, 14)
            }
        );
        let range = PeriodSpec::Range(DateRange {
            from: d(2026, 5, 7),
            to: d(2026, 5, 30),
        });
        assert_eq!(
            range.previous().unwrap(),
            DateRange {
                from: d(2026, 4, 13),
                to: d(2026, 5, 6)
            }
        );
        assert!(
            PeriodSpec::Month {
                year: 2026,
                month: 13
            }
            .range()
            .is_err()
        );
        assert!(
            PeriodSpec::Range(DateRange {
                from: d(2026, 5, 7),
                to: d(2026, 5, 1)
            })
            .range()
            .is_err()
        );
    }

    #[test]
    fn months_cut_on_the_fifteenth() {
        assert_eq!(reporting_month(d(2026, 5, 14)), (2026, 5));
        assert_eq!(reporting_month(d(2026, 5, 15)), (2026, 6));
        assert_eq!(reporting_month(d(2025, 12, 15)), (2026, 1));
    }
}
