//! Keyset pagination: opaque cursors over (sort key, id), bounded page sizes.

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

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

/// Encodes a cursor from a sort key and an id, encrypted ([`crate::crypto::Opaque`]): clients
/// see neither the id nor the date, and cannot forge a cursor.
pub fn encode_cursor(key: &str, id: i64) -> String {
    crate::crypto::Opaque::get().seal(format!("{key}|{id}").as_bytes())
}

/// Decodes a cursor into its sort key and id; anything malformed or forged is
/// `BAD_USER_INPUT`.
pub fn decode_cursor(cursor: &str) -> AppResult<(String, i64)> {
    let bad = || AppError::bad_input("`after` is not a valid cursor");
    let bytes = crate::crypto::Opaque::get().open(cursor).ok_or_else(bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (key, id) = text.rsplit_once('|').ok_or_else(bad)?;
    let id = id.parse::<i64>().map_err(|_| bad())?;
    Ok((key.to_string(), id))
}

/// The keyset condition "after (a, b)" as a row-value comparison, `(a, b) < (x, y)` for a
/// descending sort or `>` for an ascending one: one index range on both databases, where
/// `a < x OR (a = x AND b < y)` makes PostgreSQL filter row by row.
pub fn keyset_after(
    a: impl sea_orm::ColumnTrait,
    b: impl sea_orm::ColumnTrait,
    x: impl Into<sea_orm::Value>,
    y: impl Into<sea_orm::Value>,
    descending: bool,
) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let cols = Expr::tuple([Expr::col(a), Expr::col(b)]);
    let vals = Expr::tuple([Expr::val(x.into()), Expr::val(y.into())]);
    if descending {
        cols.lt(vals)
    } else {
        cols.gt(vals)
    }
}

/// The rows after a date cursor in a newest-first list sorted by (`date_col`, `id_col`).
pub fn after_date_cursor(
    date_col: impl sea_orm::ColumnTrait,
    id_col: impl sea_orm::ColumnTrait,
    cursor: &str,
) -> AppResult<sea_orm::sea_query::Expr> {
    let (date, id) = decode_date_cursor(cursor)?;
    Ok(keyset_after(date_col, id_col, date, id, true))
}

/// A cursor holding a date and an id; `after` parsed back into them.
pub fn date_cursor(date: chrono::NaiveDate, id: i64) -> String {
    encode_cursor(&date.format("%Y-%m-%d").to_string(), id)
}

pub fn decode_date_cursor(cursor: &str) -> AppResult<(chrono::NaiveDate, i64)> {
    let (key, id) = decode_cursor(cursor)?;
    let date = chrono::NaiveDate::parse_from_str(&key, "%Y-%m-%d")
        .map_err(|_| AppError::bad_input("`after` is not a valid cursor"))?;
    Ok((date, id))
}

/// Adds to a list's filter `cond` the bounds of `column`: from `from`, to `to` (itself
/// included when `to_included`); a range that ends before it starts is refused, naming its
/// two arguments `fields`.
pub fn add_range<T>(
    cond: sea_orm::Condition,
    column: impl sea_orm::ColumnTrait,
    [from, to]: [Option<T>; 2],
    [from_field, to_field]: [&str; 2],
    to_included: bool,
) -> AppResult<sea_orm::Condition>
where
    T: PartialOrd + Into<sea_orm::Value>,
{
    if let (Some(a), Some(b)) = (&from, &to) {
        if a > b {
            return Err(AppError::bad_input(format!(
                "`{from_field}` is after `{to_field}`"
            )));
        }
    }
    let mut cond = cond;
    if let Some(a) = from {
        cond = cond.add(column.gte(a));
    }
    if let Some(b) = to {
        cond = cond.add(if to_included {
            column.lte(b)
        } else {
            column.lt(b)
        });
    }
    Ok(cond)
}

/// One page of `E`'s rows matching `filter`, newest first by `id_col` alone, after the row
/// `after` (an id read from a cursor) if any: the lists that grow by id (tips, publications,
/// audit events).
pub async fn newest_id_first<E, C>(
    conn: &C,
    filter: sea_orm::Condition,
    id_col: E::Column,
    after: Option<i64>,
    size: u64,
) -> AppResult<(Vec<E::Model>, bool)>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::ColumnTrait;
    let after = after.map(|id| id_col.lt(id));
    newest::<E, C>(conn, filter, after, &[id_col], size).await
}

/// One page of `E`'s rows matching `filter`, newest first by (`date_col`, `id_col`), after
/// the cursor if any: `size` rows and whether more follow (one statement, `size + 1` rows).
pub async fn newest_first<E, C>(
    conn: &C,
    filter: sea_orm::Condition,
    date_col: E::Column,
    id_col: E::Column,
    after: Option<&str>,
    size: u64,
) -> AppResult<(Vec<E::Model>, bool)>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    let after = after
        .map(|c| after_date_cursor(date_col, id_col, c))
        .transpose()?;
    newest::<E, C>(conn, filter, after, &[date_col, id_col], size).await
}

/// The page of a keyset list: the rows matching `filter` beyond the cursor's bound `after`,
/// in descending `order`, `size` of them and whether more follow.
async fn newest<E, C>(
    conn: &C,
    filter: sea_orm::Condition,
    after: Option<sea_orm::sea_query::Expr>,
    order: &[E::Column],
    size: u64,
) -> AppResult<(Vec<E::Model>, bool)>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{QueryFilter, QueryOrder};
    let mut query = E::find().filter(filter.add_option(after));
    for &column in order {
        query = query.order_by_desc(column);
    }
    fetch_page(conn, query, size).await
}

/// One page of `query`'s rows in its order: `size` rows and whether more follow (one
/// statement, `size + 1` rows, the extra one only telling that a next page exists).
pub async fn fetch_page<E, C>(
    conn: &C,
    query: sea_orm::Select<E>,
    size: u64,
) -> AppResult<(Vec<E::Model>, bool)>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::FromQueryResult;
    let statement = crate::service::rows::limited(query, size + 1, conn.get_database_backend());
    let rows = conn
        .query_all_raw(statement)
        .await?
        .iter()
        .map(|row| E::Model::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(split_page(rows, size))
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
        // Opaque: the plaintext is nowhere in the decoded bytes (checking the base64 text
        // itself would fail by chance whenever it happens to spell "42").
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&c)
            .unwrap();
        assert!(!raw.windows(10).any(|w| w == b"2026-05-12"), "opaque: {c}");
        assert!(decode_cursor("not a cursor!").is_err());
        // The old readable form is refused: nobody can write a cursor by hand.
        let readable = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("2026-05-12|42");
        assert!(decode_cursor(&readable).is_err());
    }

    #[test]
    fn page_bounds() {
        assert_eq!(page_size(None).unwrap(), 20);
        assert_eq!(page_size(Some(100)).unwrap(), 100);
        assert!(page_size(Some(101)).is_err());
        assert!(page_size(Some(0)).is_err());
    }
}
