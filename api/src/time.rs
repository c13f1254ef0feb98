//! Local time. The province runs on Asia/Ho_Chi_Minh, which is UTC+7 all year (Vietnam has no
//! daylight saving), so a fixed offset is exact and needs no time-zone database.

use chrono::{FixedOffset, NaiveDate, Utc};

pub fn vietnam() -> FixedOffset {
    // 7 hours is always in range for FixedOffset; fall back to UTC would be a bug, not a risk.
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC offset"))
}

/// Today's date in Vietnam.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&vietnam()).date_naive()
}
