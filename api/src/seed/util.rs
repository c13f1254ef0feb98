//! Helpers shared by the seed modules: bulk inserts, id bookkeeping, dates, Vietnamese
//! number formatting, and reading the seed tables kept as JSON beside the code.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, IdenStatic, InsertMany,
    IntoActiveModel, Iterable, ModelTrait, Statement, Value,
};

/// A seed table kept as JSON in this folder, parsed on first use: `LazyLock::new(|| table(…))`.
pub(super) type Table<T> = std::sync::LazyLock<anyhow::Result<T>>;

/// Parses a seed table compiled into the binary. Its `&'static str` fields are borrowed from
/// the file, so the rows are as `'static` as Rust tables would be; a string with a JSON escape
/// (a `"` or `\`) cannot be borrowed, and its field must be a `String` (as a tip's content).
pub(super) fn table<T: serde::Deserialize<'static>>(
    file: &str,
    json: &'static str,
) -> anyhow::Result<T> {
    serde_json::from_str(json).with_context(|| format!("seed table {file}"))
}

/// The rows of a [`Table`], or why its file did not parse.
pub(super) fn loaded<T>(table: &'static Table<T>) -> anyhow::Result<&'static T> {
    table.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))
}

/// A term of a vocabulary as the seed tables spell it: its Rust name (`"BorderTrail"`), for
/// `#[serde(deserialize_with = "term")]`.
pub(super) fn term<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: crate::domain::vocab::Vocabulary,
{
    let name = <&str as serde::Deserialize>::deserialize(d)?;
    find_term(name)
}

/// A list of terms, as [`term`].
pub(super) fn terms<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: crate::domain::vocab::Vocabulary,
{
    let names = <Vec<&str> as serde::Deserialize>::deserialize(d)?;
    names.into_iter().map(find_term).collect()
}

fn find_term<T: crate::domain::vocab::Vocabulary, E: serde::de::Error>(name: &str) -> Result<T, E> {
    T::TERMS
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.value)
        .ok_or_else(|| E::custom(format_args!("{name} is not a {}", T::NAME)))
}

/// Bound parameters per statement we allow ourselves: below SQLite's 32766 (and PostgreSQL's
/// 65535), with headroom.
const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` with multi-row `INSERT`s, as many rows per statement as the parameter limit
/// allows, so a million cases need thousands of statements rather than millions.
pub(super) async fn insert_chunked<C, A, M>(conn: &C, rows: Vec<M>) -> anyhow::Result<()>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + Send,
    M: IntoActiveModel<A> + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<M> = rows.by_ref().take(per_statement).collect();
        InsertMany::<A>::many(chunk)
            .exec_without_returning(conn)
            .await
            .with_context(|| {
                format!(
                    "bulk insert into {}",
                    sea_orm::EntityName::table_name(&<A::Entity as Default>::default())
                )
            })?;
    }
    Ok(())
}

/// PostgreSQL's way for [`insert_chunked`]'s rows in a bulk load: one `COPY … FROM STDIN` a
/// table, in `COPY`'s text format. The server parses it several times faster than multi-row
/// `INSERT`s of bound parameters, and we skip building those statements and binding 30 000
/// values each (`seed --cases`, issue 11's load target). The rows are written out before the
/// `COPY` starts, so a value it cannot carry fails with nothing sent.
pub(super) async fn copy_rows<M: ModelTrait>(
    conn: &mut sea_orm::sqlx::PgConnection,
    rows: &[M],
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let table = EntityName::table_name(&<M::Entity as Default>::default());
    let columns: Vec<_> = <M::Entity as EntityTrait>::Column::iter().collect();
    let names: Vec<String> = columns
        .iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect();
    let mut text = String::with_capacity(rows.len() * 256);
    for row in rows {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                text.push('\t');
            }
            copy_field(&mut text, row.get(*column))
                .with_context(|| format!("{table}.{}", column.as_str()))?;
        }
        text.push('\n');
    }
    let statement = format!("COPY {table} ({}) FROM STDIN", names.join(", "));
    let mut copy = conn.copy_in_raw(&statement).await?;
    copy.send(text.as_bytes()).await?;
    copy.finish()
        .await
        .with_context(|| format!("bulk copy into {table}"))?;
    Ok(())
}

/// One value in `COPY`'s text format: `\N` for NULL; in text, the backslash, tab, newline and
/// carriage return escaped; dates and instants in ISO form. Only the types the generated
/// tables hold: another is an error, not a guess.
fn copy_field(out: &mut String, value: Value) -> anyhow::Result<()> {
    use std::fmt::Write;
    match value {
        Value::Bool(Some(v)) => out.push(if v { 't' } else { 'f' }),
        Value::Int(Some(v)) => write!(out, "{v}")?,
        Value::BigInt(Some(v)) => write!(out, "{v}")?,
        // Rust writes the shortest form that reads back to the same double, never with an
        // exponent: PostgreSQL reads it as written.
        Value::Double(Some(v)) if v.is_finite() => write!(out, "{v}")?,
        Value::String(Some(v)) => {
            for c in v.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
        Value::ChronoDate(Some(v)) => write!(out, "{}", v.format("%Y-%m-%d"))?,
        Value::ChronoDateTimeUtc(Some(v)) => {
            write!(out, "{}", v.format("%Y-%m-%d %H:%M:%S%.6f+00"))?
        }
        Value::Bool(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::Double(None)
        | Value::String(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None) => out.push_str("\\N"),
        other => anyhow::bail!("no COPY form for {other:?}"),
    }
    Ok(())
}

/// The largest id in `table`, 0 when empty. Seed rows carry explicit ids (so children can point
/// at parents without a round trip per row); this is where numbering continues.
pub(super) async fn max_id<C: ConnectionTrait>(conn: &C, table: &str) -> anyhow::Result<i64> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT MAX(id) AS m FROM {table}"),
        ))
        .await?;
    let max = match row {
        Some(row) => row.try_get_by_index::<Option<i64>>(0)?,
        None => None,
    };
    Ok(max.unwrap_or(0))
}

/// After inserting explicit ids, PostgreSQL's sequences still point at 1; move each past the
/// largest id so the application's own inserts do not collide. SQLite tracks this itself.
pub(super) async fn sync_sequences<C: ConnectionTrait>(
    conn: &C,
    tables: &[&str],
) -> anyhow::Result<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in tables {
        conn.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))
        .await
        .with_context(|| format!("resetting the id sequence of {table}"))?;
    }
    Ok(())
}

/// Rebuilds the rollups from the rows just written behind the services' back (one statement
/// at the end of a seed, not one per row).
pub(super) async fn rebuild_rollups<C: ConnectionTrait>(conn: &C) -> anyhow::Result<()> {
    crate::service::rollups::rebuild(conn)
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding the rollups: {e:?}"))
}

/// Parses an ISO date written in the seed tables.
pub(super) fn date(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("bad seed date {s}"))
}

/// The demo's "today": the data reads as of this date (tasks overdue, reports missing…).
pub(super) fn today() -> anyhow::Result<NaiveDate> {
    date("2026-11-23")
}

/// A local (UTC+7) wall-clock time on `d`, as a UTC instant.
pub(super) fn local(d: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = d.and_time(NaiveTime::MIN)
        + Duration::hours(i64::from(hour))
        + Duration::minutes(i64::from(minute));
    local.and_utc() - Duration::hours(7)
}

/// `dd/mm/yyyy`, as Vietnamese documents write dates.
pub(super) fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Groups thousands with dots, the Vietnamese way: 1250000 → "1.250.000".
pub(super) fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A quantity as Vietnamese text: thousands grouped with dots, one decimal after a comma when
/// the unit needs it ("3,5 m³").
pub(super) fn quantity(q: f64, decimals: bool) -> String {
    if decimals {
        let tenths = (q * 10.0).round() as i64;
        let (whole, frac) = (tenths / 10, tenths % 10);
        if frac == 0 {
            thousands(whole)
        } else {
            format!("{},{}", thousands(whole), frac)
        }
    } else {
        thousands(q.round() as i64)
    }
}

/// A money amount in words a newspaper would use: "45 triệu đồng", "1,2 tỷ đồng".
pub(super) fn money_words(vnd: i64) -> String {
    if vnd >= 1_000_000_000 {
        let tenths = (vnd as f64 / 100_000_000.0).round() as i64;
        if tenths % 10 == 0 {
            format!("{} tỷ đồng", tenths / 10)
        } else {
            format!("{},{} tỷ đồng", tenths / 10, tenths % 10)
        }
    } else if vnd >= 1_000_000 {
        format!(
            "{} triệu đồng",
            thousands((vnd as f64 / 1_000_000.0).round() as i64)
        )
    } else {
        format!("{} đồng", thousands(vnd))
    }
}

/// Lower-cases the first character (for a name used mid-sentence: "cửa khẩu quốc tế Hữu Nghị").
pub(super) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A string of `n` random decimal digits.
pub(super) fn digits(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.u8(0..10))).collect()
}

/// Picks an element; the seed tables are never empty, the error only guards a programming slip.
pub(super) fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> anyhow::Result<&'a T> {
    if items.is_empty() {
        anyhow::bail!("seed: picking from an empty list");
    }
    Ok(&items[rng.usize(..items.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_vietnamese_numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_250_000), "1.250.000");
        assert_eq!(quantity(3.54, true), "3,5");
        assert_eq!(quantity(1250.2, false), "1.250");
        assert_eq!(money_words(45_000_000), "45 triệu đồng");
        assert_eq!(money_words(1_230_000_000), "1,2 tỷ đồng");
        assert_eq!(lower_first("Cửa khẩu Chi Ma"), "cửa khẩu Chi Ma");
    }

    #[test]
    fn local_time_is_utc_plus_seven() {
        let d = date("2026-05-12").expect("date");
        assert_eq!(local(d, 8, 30).to_rfc3339(), "2026-05-12T01:30:00+00:00");
    }
}
