//! Keyset pagination: opaque cursors over (sort key, id), bounded page sizes.

use async_graphql::SimpleObject;
use base64::Engine;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Validates `first`: 1 to 100, default 20.
pub fn page_size(first: Option<i32>) -> AppResult<u64> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if n >= 1 && (n as u64) <= MAX_PAGE => Ok(n as u64),
        Some(n) => Err(AppError::bad_input(format!(
            "`first` must be between 1 and {MAX_PAGE}, got {n}"
        ))),
    }
}

/// Encodes a cursor from a sort key and an id.
pub fn encode_cursor(key: &str, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{key}|{id}"))
}

/// Decodes a cursor into its sort key and id; anything malformed is `BAD_USER_INPUT`.
pub fn decode_cursor(cursor: &str) -> AppResult<(String, i64)> {
    let bad = || AppError::bad_input("`after` is not a valid cursor");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (key, id) = text.rsplit_once('|').ok_or_else(bad)?;
    let id = id.parse::<i64>().map_err(|_| bad())?;
    Ok((key.to_string(), id))
}

/// Splits a fetched `first + 1` rows into the page and whether there is a next page.
pub fn split_page<T>(mut rows: Vec<T>, size: u64) -> (Vec<T>, bool) {
    let has_next = rows.len() as u64 > size;
    rows.truncate(size as usize);
    (rows, has_next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let c = encode_cursor("2026-05-12", 42);
        assert_eq!(decode_cursor(&c).unwrap(), ("2026-05-12".to_string(), 42));
        assert!(decode_cursor("not a cursor!").is_err());
    }

    #[test]
    fn page_bounds() {
        assert_eq!(page_size(None).unwrap(), 20);
        assert_eq!(page_size(Some(100)).unwrap(), 100);
        assert!(page_size(Some(101)).is_err());
        assert!(page_size(Some(0)).is_err());
    }
}
