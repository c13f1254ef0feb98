//! The one reporting calendar (DOMAIN.md's official cut), used by statistics, periodic reports,
//! compliance and the export alike.
//!
//! - A reporting **month** M runs from the 15th of M−1 to the 14th of M (January from 15/12 of
//!   the year before); a date on or after the 15th belongs to the next month.
//! - A **quarter** is three such months (Q1: 15/12–14/3); **six months**, **nine months** and
//!   the **year** start on 15/12 of the year before and end on 14/6, 14/9 and 14/12: they are
//!   cumulative from the start of the reporting year.
//! - The **previous period** of a month or quarter is the month or quarter just before. Six
//!   months, nine months and the year are cumulative, so their previous period *is* the same
//!   period last year (15/12–14/6 of the year before for six months, not the half-year just
//!   before, which no report covers); the export then shows that comparison once.
//! - The **same period last year** is every date one year earlier.
//! - A **range** (a campaign's dates, any dates) is compared with as many days just before it
//!   and the same dates a year earlier.
//! - Years run from 1990 to 2100 everywhere (the earliest date a case may be recorded with).

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

    /// A range the statistics can read: `from` not after `to`, at most twenty years. A
    /// campaign's dates are held to it when they are set, since its period is read this way
    /// (a campaign of 1990–2100 once made `runningCampaigns` fail for every leader).
    pub fn checked(self) -> AppResult<DateRange> {
        if self.from > self.to {
            return Err(AppError::bad_input("the period's `from` is after its `to`"));
        }
        if self.days() > 366 * 20 {
            return Err(AppError::bad_input(
                "the period is longer than twenty years",
            ));
        }
        Ok(self)
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

/// The years any period may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// The years of any date the hub takes: birth dates from 1900 ([`crate::domain::types::BirthDate`]),
/// deadlines and periods to 2100. A date outside is a client's mistake, and worse than an
/// odd value: SQLite's date functions give `NULL` for a year before 0, which made the task
/// compliance table fail as an internal error once the fuzzer had stored a deadline in year
/// −1 (stop 31).
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

pub fn check_year(year: i32) -> AppResult<()> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "`year` must be between {} and {}",
            YEARS.start(),
            YEARS.end()
        )))
    }
}

impl PeriodSpec {
    /// The period's dates, its year checked against the calendar's [`YEARS`].
    pub fn range(&self) -> AppResult<DateRange> {
        match *self {
            PeriodSpec::Month { year, .. }
            | PeriodSpec::Quarter { year, .. }
            | PeriodSpec::SixMonths { year }
            | PeriodSpec::NineMonths { year }
            | PeriodSpec::Year { year } => check_year(year)?,
            PeriodSpec::Range(r) => {
                check_year(r.from.year())?;
                check_year(r.to.year())?;
            }
        }
        self.dates()
    }

    /// The period's dates, whatever its year (a comparison may reach before the first).
    fn dates(&self) -> AppResult<DateRange> {
        match *self {
            PeriodSpec::Month { year, month } => {
                if !(1..=12).contains(&month) {
                    return Err(AppError::bad_input("`month` must be 1 to 12"));
                }
                Ok(DateRange {
                    from: month_start(year, month)?,
                    to: date(year, month, 14)?,
                })
            }
            PeriodSpec::Quarter { year, quarter } => {
                if !(1..=4).contains(&quarter) {
                    return Err(AppError::bad_input("`quarter` must be 1 to 4"));
                }
                let last = quarter * 3;
                Ok(DateRange {
                    from: month_start(year, last - 2)?,
                    to: date(year, last, 14)?,
                })
            }
            PeriodSpec::SixMonths { year } => Ok(DateRange {
                from: date(year - 1, 12, 15)?,
                to: date(year, 6, 14)?,
            }),
            PeriodSpec::NineMonths { year } => Ok(DateRange {
                from: date(year - 1, 12, 15)?,
                to: date(year, 9, 14)?,
            }),
            PeriodSpec::Year { year } => Ok(DateRange {
                from: date(year - 1, 12, 15)?,
                to: date(year, 12, 14)?,
            }),
            PeriodSpec::Range(r) => r.checked(),
        }
    }

    /// The period's name as a Vietnamese report titles it ("Quý III năm 2026", "6 tháng đầu
    /// năm 2026"); `None` for a range, which only its dates name.
    pub fn name_vi(&self) -> Option<String> {
        Some(match *self {
            PeriodSpec::Month { year, month } => format!("Tháng {month} năm {year}"),
            PeriodSpec::Quarter { year, quarter } => {
                let roman = ["I", "II", "III", "IV"];
                let q = roman.get(quarter.checked_sub(1)? as usize)?;
                format!("Quý {q} năm {year}")
            }
            PeriodSpec::SixMonths { year } => format!("6 tháng đầu năm {year}"),
            PeriodSpec::NineMonths { year } => format!("9 tháng năm {year}"),
            PeriodSpec::Year { year } => format!("Năm {year}"),
            PeriodSpec::Range(_) => return None,
        })
    }

    /// Whether the previous period is the same period last year (six months, nine months and
    /// the year, which are cumulative; see the module doc).
    pub fn previous_is_last_year(&self) -> bool {
        matches!(
            self,
            PeriodSpec::SixMonths { .. } | PeriodSpec::NineMonths { .. } | PeriodSpec::Year { .. }
        )
    }

    /// The period just before, as a period of its own: the previous month or quarter; for the
    /// cumulative kinds the same period last year; for a range, as many days just before.
    pub fn previous_spec(&self) -> AppResult<PeriodSpec> {
        Ok(match *self {
            PeriodSpec::Month { year, month: 1 } => PeriodSpec::Month {
                year: year - 1,
                month: 12,
            },
            PeriodSpec::Month { year, month } => PeriodSpec::Month {
                year,
                month: month - 1,
            },
            PeriodSpec::Quarter { year, quarter: 1 } => PeriodSpec::Quarter {
                year: year - 1,
                quarter: 4,
            },
            PeriodSpec::Quarter { year, quarter } => PeriodSpec::Quarter {
                year,
                quarter: quarter - 1,
            },
            PeriodSpec::SixMonths { .. }
            | PeriodSpec::NineMonths { .. }
            | PeriodSpec::Year { .. } => self.last_year_spec()?,
            PeriodSpec::Range(_) => {
                let r = self.range()?;
                let to = r
                    .from
                    .pred_opt()
                    .ok_or_else(|| AppError::bad_input("out of range"))?;
                let from = to - chrono::Duration::days(r.days() - 1);
                PeriodSpec::Range(DateRange { from, to })
            }
        })
    }

    /// The same period one year earlier, as a period of its own.
    pub fn last_year_spec(&self) -> AppResult<PeriodSpec> {
        Ok(match *self {
            PeriodSpec::Month { year, month } => PeriodSpec::Month {
                year: year - 1,
                month,
            },
            PeriodSpec::Quarter { year, quarter } => PeriodSpec::Quarter {
                year: year - 1,
                quarter,
            },
            PeriodSpec::SixMonths { year } => PeriodSpec::SixMonths { year: year - 1 },
            PeriodSpec::NineMonths { year } => PeriodSpec::NineMonths { year: year - 1 },
            PeriodSpec::Year { year } => PeriodSpec::Year { year: year - 1 },
            PeriodSpec::Range(_) => {
                let r = self.range()?;
                let back = |d: NaiveDate| {
                    d.checked_sub_months(Months::new(12))
                        .ok_or_else(|| AppError::bad_input("out of range"))
                };
                PeriodSpec::Range(DateRange {
                    from: back(r.from)?,
                    to: back(r.to)?,
                })
            }
        })
    }

    /// The dates of [`PeriodSpec::previous_spec`]. This period's year is checked; the previous
    /// one may fall a year before the calendar's first (January 1990 compares with December
    /// 1989).
    pub fn previous(&self) -> AppResult<DateRange> {
        self.range()?;
        self.previous_spec()?.dates()
    }

    /// The dates of [`PeriodSpec::last_year_spec`].
    pub fn last_year(&self) -> AppResult<DateRange> {
        self.range()?;
        self.last_year_spec()?.dates()
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

/// A reporting month as the `YYYYMM` key the statistics and the rollups use.
pub fn month_key((year, month): (i32, u32)) -> i64 {
    i64::from(year) * 100 + i64::from(month)
}

/// The reporting months (`YYYYMM`) a range touches, in order.
pub fn months_of(r: DateRange) -> Vec<i64> {
    let (mut y, mut m) = reporting_month(r.from);
    let last = reporting_month(r.to);
    let mut out = vec![];
    while (y, m) <= last {
        out.push(month_key((y, m)));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Each reporting month of `current` with the month at its place in `previous`, counted from
/// the end: the previous period ends where the current one starts, and a range of one whole
/// month has, as many days before it, a day of one month and the whole next (counted from the
/// start, its month was paired with that one day). The months of a longer `previous` left
/// over at its start have no place.
pub fn month_places(current: DateRange, previous: DateRange) -> Vec<(i64, i64)> {
    let (current, previous) = (months_of(current), months_of(previous));
    current
        .iter()
        .rev()
        .zip(previous.iter().rev())
        .map(|(c, p)| (*c, *p))
        .rev()
        .collect()
}

/// The first and last reporting months (`YYYYMM`) of a range made of whole reporting months,
/// or `None` when it starts or ends inside one (a range, a campaign's dates).
pub fn whole_months(r: DateRange) -> Option<(i64, i64)> {
    let first = reporting_month(r.from);
    let last = reporting_month(r.to);
    // Whole: the day before starts another month, and so does the day after.
    let starts = r
        .from
        .pred_opt()
        .is_none_or(|d| reporting_month(d) != first);
    let ends = r.to.succ_opt().is_none_or(|d| reporting_month(d) != last);
    (starts && ends && r.from <= r.to).then(|| (month_key(first), month_key(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Places pair months from the end: a range of one whole month takes the whole month
    /// before, not the one day of the month before that.
    #[test]
    fn months_take_their_places_from_the_end() {
        let r = |a: NaiveDate, b: NaiveDate| DateRange { from: a, to: b };
        let month = r(d(2026, 10, 15), d(2026, 11, 14));
        let before = r(d(2026, 9, 14), d(2026, 10, 14));
        assert_eq!(months_of(before), [202609, 202610]);
        assert_eq!(month_places(month, before), [(202611, 202610)]);
        let q3 = r(d(2026, 6, 15), d(2026, 9, 14));
        let q2 = r(d(2026, 3, 15), d(2026, 6, 14));
        assert_eq!(
            month_places(q3, q2),
            [(202607, 202604), (202608, 202605), (202609, 202606)]
        );
    }

    /// The range from `from` to `to`, each as (year, month, day).
    fn span(from: (i32, u32, u32), to: (i32, u32, u32)) -> DateRange {
        DateRange {
            from: d(from.0, from.1, from.2),
            to: d(to.0, to.1, to.2),
        }
    }

    #[test]
    fn periods_are_named_as_reports_name_them() {
        let named = |p: PeriodSpec| p.name_vi();
        assert_eq!(
            named(PeriodSpec::Month {
                year: 2026,
                month: 3
            })
            .as_deref(),
            Some("Tháng 3 năm 2026")
        );
        assert_eq!(
            named(PeriodSpec::Quarter {
                year: 2026,
                quarter: 3
            })
            .as_deref(),
            Some("Quý III năm 2026")
        );
        assert_eq!(
            named(PeriodSpec::Quarter {
                year: 2026,
                quarter: 5
            }),
            None
        );
        assert_eq!(
            named(PeriodSpec::SixMonths { year: 2026 }).as_deref(),
            Some("6 tháng đầu năm 2026")
        );
        assert_eq!(
            named(PeriodSpec::NineMonths { year: 2026 }).as_deref(),
            Some("9 tháng năm 2026")
        );
        assert_eq!(
            named(PeriodSpec::Year { year: 2026 }).as_deref(),
            Some("Năm 2026")
        );
    }

    #[test]
    fn official_cuts() {
        let month = |month| PeriodSpec::Month { year: 2026, month };
        let quarter = |quarter| PeriodSpec::Quarter {
            year: 2026,
            quarter,
        };
        for (spec, want) in [
            (month(5), span((2026, 4, 15), (2026, 5, 14))),
            (month(1), span((2025, 12, 15), (2026, 1, 14))),
            (quarter(1), span((2025, 12, 15), (2026, 3, 14))),
            (quarter(3), span((2026, 6, 15), (2026, 9, 14))),
            (
                PeriodSpec::SixMonths { year: 2026 },
                span((2025, 12, 15), (2026, 6, 14)),
            ),
            (
                PeriodSpec::NineMonths { year: 2026 },
                span((2025, 12, 15), (2026, 9, 14)),
            ),
            (
                PeriodSpec::Year { year: 2026 },
                span((2025, 12, 15), (2026, 12, 14)),
            ),
        ] {
            assert_eq!(spec.range().unwrap(), want, "{spec:?}");
        }
    }

    #[test]
    fn comparisons() {
        let m = PeriodSpec::Month {
            year: 2026,
            month: 1,
        };
        let y = PeriodSpec::Year { year: 2026 };
        // Six months: the same half of the year before, as for a report.
        let six = PeriodSpec::SixMonths { year: 2026 };
        let q = PeriodSpec::Quarter {
            year: 2026,
            quarter: 1,
        };
        let range = PeriodSpec::Range(span((2026, 5, 7), (2026, 5, 30)));
        for (got, want) in [
            (m.previous(), span((2025, 11, 15), (2025, 12, 14))),
            (m.last_year(), span((2024, 12, 15), (2025, 1, 14))),
            (y.previous(), span((2024, 12, 15), (2025, 12, 14))),
            (six.previous(), span((2024, 12, 15), (2025, 6, 14))),
            (q.previous(), span((2025, 9, 15), (2025, 12, 14))),
            (range.previous(), span((2026, 4, 13), (2026, 5, 6))),
        ] {
            assert_eq!(got.unwrap(), want);
        }
        assert!(
            PeriodSpec::Month {
                year: 2026,
                month: 13
            }
            .range()
            .is_err()
        );
        assert!(
            PeriodSpec::Range(span((2026, 5, 7), (2026, 5, 1)))
                .range()
                .is_err()
        );
    }

    #[test]
    fn official_periods_are_whole_months_and_ranges_rarely() {
        for spec in periods_of(2026) {
            for r in [
                spec.range().unwrap(),
                spec.previous().unwrap(),
                spec.last_year().unwrap(),
            ] {
                let (first, last) = whole_months(r).unwrap_or_else(|| panic!("{spec:?}"));
                assert_eq!(first, month_key(reporting_month(r.from)));
                assert_eq!(last, month_key(reporting_month(r.to)));
            }
        }
        let year = PeriodSpec::Year { year: 2026 }.range().unwrap();
        assert_eq!(whole_months(year), Some((202601, 202612)));
        let range = |from, to| DateRange { from, to };
        assert_eq!(
            whole_months(range(d(2026, 4, 15), d(2026, 5, 14))),
            Some((202605, 202605))
        );
        assert_eq!(whole_months(range(d(2026, 4, 16), d(2026, 5, 14))), None);
        assert_eq!(whole_months(range(d(2026, 4, 15), d(2026, 5, 13))), None);
        assert_eq!(whole_months(range(d(2026, 5, 1), d(2026, 5, 31))), None);
    }

    #[test]
    fn months_cut_on_the_fifteenth() {
        assert_eq!(reporting_month(d(2026, 5, 14)), (2026, 5));
        assert_eq!(reporting_month(d(2026, 5, 15)), (2026, 6));
        assert_eq!(reporting_month(d(2025, 12, 15)), (2026, 1));
    }

    /// Every official period of a year, as specs.
    fn periods_of(year: i32) -> Vec<PeriodSpec> {
        let mut out: Vec<PeriodSpec> = (1..=12)
            .map(|month| PeriodSpec::Month { year, month })
            .collect();
        out.extend((1..=4).map(|quarter| PeriodSpec::Quarter { year, quarter }));
        out.extend([
            PeriodSpec::SixMonths { year },
            PeriodSpec::NineMonths { year },
            PeriodSpec::Year { year },
        ]);
        out
    }

    #[test]
    fn every_date_falls_in_exactly_one_month() {
        let months: Vec<DateRange> = (2024..=2027)
            .flat_map(|year| (1..=12).map(move |month| PeriodSpec::Month { year, month }))
            .map(|s| s.range().unwrap())
            .collect();
        let mut day = d(2024, 1, 1);
        while day <= d(2027, 12, 14) {
            let holding: Vec<_> = months
                .iter()
                .filter(|r| r.from <= day && day <= r.to)
                .collect();
            assert_eq!(holding.len(), 1, "{day}");
            let (y, m) = reporting_month(day);
            assert_eq!(
                *holding[0],
                PeriodSpec::Month { year: y, month: m }.range().unwrap(),
                "{day}"
            );
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn months_tile_quarters_halves_nine_months_and_years() {
        for year in [2024, 2025, 2026] {
            let month = |m: u32| PeriodSpec::Month { year, month: m }.range().unwrap();
            // Consecutive months meet without gap or overlap.
            for m in 1..12 {
                assert_eq!(month(m).to.succ_opt().unwrap(), month(m + 1).from);
            }
            let spans = |first: u32, last: u32| DateRange {
                from: month(first).from,
                to: month(last).to,
            };
            for q in 1..=4 {
                let r = PeriodSpec::Quarter { year, quarter: q }.range().unwrap();
                assert_eq!(r, spans(q * 3 - 2, q * 3), "{year} Q{q}");
            }
            assert_eq!(PeriodSpec::SixMonths { year }.range().unwrap(), spans(1, 6));
            assert_eq!(
                PeriodSpec::NineMonths { year }.range().unwrap(),
                spans(1, 9)
            );
            assert_eq!(PeriodSpec::Year { year }.range().unwrap(), spans(1, 12));
            // The year ends on 14/12 and the next begins on 15/12.
            let next = PeriodSpec::Year { year: year + 1 }.range().unwrap();
            assert_eq!(
                PeriodSpec::Year { year }.range().unwrap().to,
                d(year, 12, 14)
            );
            assert_eq!(next.from, d(year, 12, 15));
        }
    }

    #[test]
    fn one_meaning_of_previous_and_last_year_per_kind() {
        for spec in periods_of(2026) {
            let r = spec.range().unwrap();
            let prev = spec.previous().unwrap();
            let last = spec.last_year().unwrap();
            // The same period a year earlier, always.
            assert_eq!(
                last.from,
                r.from.checked_sub_months(Months::new(12)).unwrap()
            );
            if spec.previous_is_last_year() {
                assert_eq!(prev, last, "{spec:?}");
            } else {
                // Just before, as long.
                assert_eq!(prev.to.succ_opt().unwrap(), r.from, "{spec:?}");
                assert_eq!(
                    prev.from,
                    r.from
                        .checked_sub_months(Months::new(match spec {
                            PeriodSpec::Month { .. } => 1,
                            _ => 3,
                        }))
                        .unwrap()
                );
            }
        }
        assert!(PeriodSpec::Year { year: 1989 }.range().is_err());
        assert!(PeriodSpec::Year { year: 2101 }.range().is_err());
    }
}
