//! Row reads every service shares: one row by id, or `NOT_FOUND` naming what was looked for
//! (the first step of most writes); a select that reads only the columns a reader needs; and
//! two such selects in one statement.

use std::collections::BTreeSet;

use sea_orm::sea_query::{Expr, Order, UnionType};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr,
    EntityTrait, IdenStatic, IntoActiveModel, Iterable, PrimaryKeyToColumn, PrimaryKeyTrait,
    QueryFilter, QueryResult, QuerySelect, QueryTrait, Select, Statement, TryIntoModel, Value,
};

use crate::error::{AppError, AppResult};

pub async fn by_id<E, C>(conn: &C, id: i64, what: &str) -> AppResult<E::Model>
where
    E: EntityTrait,
    C: ConnectionTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no such {what}")))
}

/// The statement of `query` limited to its first `rows` rows, the count written as a number.
///
/// PostgreSQL plans a prepared statement once for all executions (a generic plan) only when
/// that plan is not dearer than the plans made for the parameters of each call. With the row
/// count a parameter, the generic plan of `ORDER BY … LIMIT $n` must assume a tenth of the
/// table, so every execution of a page was planned again: after eight runs of the case page,
/// `pg_prepared_statements` counted 8 custom plans and no generic one (issue 11). A number
/// there — a page size, bounded by the caller — makes one statement per page size whose plan
/// is kept. `LIMIT` is the last clause of these selects: `query` must have no limit, offset
/// or locking clause of its own (a second `LIMIT` is an SQL error, never a wrong page).
pub fn limited<E: EntityTrait>(query: Select<E>, rows: u64, backend: DbBackend) -> Statement {
    let mut statement = query.build(backend);
    statement.sql.push_str(&format!(" LIMIT {rows}"));
    statement
}

/// A read of `E` that asks the table only for the columns `reads` keeps, and its primary key.
/// Every other column of the model gets a stand-in, the default of its Rust type — `None`,
/// `""`, `0`, the epoch — so the database does not send, nor the server decode, what nobody
/// reads. A column whose type has no default (a sea-orm `ActiveEnum`, say) has no stand-in and
/// this read cannot decode it: reading such an entity fails with an error, never a wrong value.
///
/// The stand-ins look like values, so `reads` must name every column the caller will look at
/// — the keys it groups or checks access by included (the case page lists the few columns
/// that may stand in; the narrowed loaders keep their parent key).
///
/// The kept columns are decoded by their place in the row, not by name: sea-orm's derived
/// decoding looks each column up by name (a hash of the name per column and row) and, for
/// every `NULL`, formats an error before it becomes `None`; on a page of cases with subjects
/// and seizures that was 23 % of the server's CPU per request (issue 11).
///
/// The rows are only fit for a reader of the kept columns: a caller that caches them must key
/// the cache by what was kept (as the narrowed loaders of `graphql::loaders` do).
pub struct Narrowed<E: EntityTrait> {
    /// The kept columns, in the order of the select.
    kept: Vec<E::Column>,
    /// Each kept column's stand-in, in the same order: the shape its value decodes into
    /// (`None` for a type without a default, which this read cannot decode).
    shapes: Vec<Option<Value>>,
    /// Every column at its stand-in (`Default` of its Rust type).
    template: E::ActiveModel,
}

impl<E: EntityTrait> Narrowed<E>
where
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + TryIntoModel<E::Model>,
{
    pub fn new(reads: impl Fn(E::Column) -> bool) -> Self {
        let template = <E::ActiveModel as ActiveModelTrait>::default_values();
        let (kept, shapes) = E::Column::iter()
            .filter_map(|column| match template.get(column) {
                ActiveValue::Set(shape) | ActiveValue::Unchanged(shape) => {
                    (is_key::<E>(column) || reads(column)).then_some((column, Some(shape)))
                }
                // No default, so no stand-in either: asked for, and refused loudly by `decode`
                // (never a wrong value).
                ActiveValue::NotSet => Some((column, None)),
            })
            .unzip();
        Self {
            kept,
            shapes,
            template,
        }
    }

    /// The columns the read asks the table for, in the order of the select.
    pub fn kept(&self) -> &[E::Column] {
        &self.kept
    }

    /// The select of the kept columns, in their order (private: a select that did not come
    /// from here would be decoded by position all the same, and wrongly).
    fn select(&self) -> Select<E> {
        self.columns(E::find().select_only())
    }

    /// `query` with the kept columns added, in their order.
    fn columns(&self, query: Select<E>) -> Select<E> {
        self.kept
            .iter()
            .fold(query, |query, column| query.column(*column))
    }

    /// The select of one side of [`both`]: the side's number, `before` empty places (the
    /// other side's columns when this is the second side), the kept columns, `after` empty
    /// places.
    fn side(&self, number: u8, before: usize, after: usize) -> Select<E> {
        let nulls = |query: Select<E>, n| (0..n).fold(query, |q, _| q.expr(Expr::cust("NULL")));
        let query = E::find().select_only().expr(Expr::cust(number.to_string()));
        nulls(self.columns(nulls(query, before)), after)
    }

    /// The place of `column` among the kept ones.
    fn place(&self, column: E::Column) -> Option<usize> {
        self.kept.iter().position(|c| c.as_str() == column.as_str())
    }

    /// Reads the rows of the kept columns' select with `narrow` applied (conditions and
    /// order; no limit, offset or locking clause: see [`Narrowed::first`]).
    pub async fn all<C: ConnectionTrait>(
        &self,
        conn: &C,
        narrow: impl FnOnce(Select<E>) -> Select<E>,
    ) -> Result<Vec<E::Model>, DbErr> {
        let statement = narrow(self.select()).build(conn.get_database_backend());
        self.run(conn, statement).await
    }

    /// [`Narrowed::all`] for the first `rows` rows (the `LIMIT` written by [`limited`]).
    pub async fn first<C: ConnectionTrait>(
        &self,
        conn: &C,
        narrow: impl FnOnce(Select<E>) -> Select<E>,
        rows: u64,
    ) -> Result<Vec<E::Model>, DbErr> {
        let statement = limited(narrow(self.select()), rows, conn.get_database_backend());
        self.run(conn, statement).await
    }

    /// The SQL of [`Narrowed::first`], for tests of its shape.
    #[cfg(test)]
    pub(crate) fn first_statement(
        &self,
        narrow: impl FnOnce(Select<E>) -> Select<E>,
        rows: u64,
        backend: DbBackend,
    ) -> Statement {
        limited(narrow(self.select()), rows, backend)
    }

    async fn run<C: ConnectionTrait>(
        &self,
        conn: &C,
        statement: Statement,
    ) -> Result<Vec<E::Model>, DbErr> {
        let rows = conn.query_all_raw(statement).await?;
        rows.iter().map(|row| self.decode(row, 0)).collect()
    }

    /// The model in `row`, whose kept columns start at place `from`.
    fn decode(&self, row: &QueryResult, from: usize) -> Result<E::Model, DbErr> {
        let mut model = self.template.clone();
        for (place, (column, shape)) in self.kept.iter().zip(&self.shapes).enumerate() {
            let Some(shape) = shape else {
                return Err(DbErr::Type(format!(
                    "{}: no default value to decode into",
                    column.as_str()
                )));
            };
            model.try_set(*column, value_at(row, from + place, shape)?)?;
        }
        model.try_into_model()
    }
}

/// `column` is one of `ids`: on PostgreSQL `column = ANY($1)` with the ids as one array, so the
/// statement's text is the same whatever their number; elsewhere `column IN (…)`.
///
/// Why: a statement is prepared once per connection and text (sqlx keeps 100 per connection);
/// each new text costs a round trip to prepare it and a plan. With `IN ($1, …, $n)`, every count
/// of ids is a text of its own, and a read of two relations in one statement ([`both`]) has the
/// product of both sides' counts: for a viewer who reads some cases' subjects and not others,
/// each count of readable cases on a page is a text of its own, for each page size.
pub fn among<C: ColumnTrait>(column: C, ids: BTreeSet<i64>, backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => column.eq_any(ids),
        _ => column.is_in(ids),
    }
}

/// An entity whose models a [`Narrowed`] read can build: sea-orm's bounds for it, named once.
pub trait Readable:
    EntityTrait<
        Model: IntoActiveModel<Self::ActiveModel>,
        ActiveModel: ActiveModelTrait<Entity = Self> + TryIntoModel<Self::Model>,
    >
{
}

impl<E> Readable for E
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + TryIntoModel<E::Model>,
{
}

/// One side of [`both`]: a narrowed read, its conditions, and the kept column its rows are
/// ordered by. The conditions are a [`Condition`], not a closure over the select, so that no
/// side can bring an order, a limit or a lock of its own: written into a compound select, they
/// would cut or break the whole statement.
pub struct Side<'a, E: EntityTrait> {
    pub read: &'a Narrowed<E>,
    pub condition: Condition,
    pub order: E::Column,
}

/// Two narrowed reads in one statement: `SELECT 0, a…, NULL… FROM a WHERE … UNION ALL SELECT
/// 1, NULL…, b… FROM b WHERE …`, ordered by side and then by each side's column.
///
/// Why (issue 11): a case page's subjects and seizures were two statements, so two round trips
/// to PostgreSQL where one carries both. On one machine's loopback a round trip is cheap (the
/// CPU per case list hardly moved); with PostgreSQL on another host, as in production, each is
/// a network round trip, and the case list made three before its audit. Through
/// `scripts/bench/distance.py`, where a round trip took about 2.4 ms, one fewer took a case list
/// from 11.4 to 9.0 ms.
///
/// Each row starts with its side's number; a side's places hold its kept columns (decoded by
/// place as [`Narrowed`] decodes them) and `NULL` where the other side's columns stand.
/// PostgreSQL takes each column's type from the side that has a value there. SQLite takes the
/// first side's declared types, and a value decodes by its own storage class all the same.
///
/// The statement's text depends on both sides' columns, and so do the connections' statement
/// caches: one text per pair of column sets, whatever the ids when they are given by [`among`]
/// (on PostgreSQL).
pub async fn both<A: Readable, B: Readable, C: ConnectionTrait>(
    conn: &C,
    a: Side<'_, A>,
    b: Side<'_, B>,
) -> Result<(Vec<A::Model>, Vec<B::Model>), DbErr> {
    let width_a = a.read.kept.len();
    let statement = both_statement(&a, &b, conn.get_database_backend())?;
    let rows = conn.query_all_raw(statement).await?;
    let (mut left, mut right) = (vec![], vec![]);
    for row in &rows {
        match row.try_get_by_index::<i32>(0)? {
            0 => left.push(a.read.decode(row, 1)?),
            1 => right.push(b.read.decode(row, 1 + width_a)?),
            other => return Err(DbErr::Type(format!("no side {other} in a read of two"))),
        }
    }
    Ok((left, right))
}

/// The statement of [`both`].
fn both_statement<A: Readable, B: Readable>(
    a: &Side<'_, A>,
    b: &Side<'_, B>,
    backend: DbBackend,
) -> Result<Statement, DbErr> {
    let (width_a, width_b) = (a.read.kept.len(), b.read.kept.len());
    let not_kept = |column: &str| DbErr::Custom(format!("{column}: not a kept column"));
    let order_a = a
        .read
        .place(a.order)
        .ok_or_else(|| not_kept(a.order.as_str()))?;
    let order_b = b
        .read
        .place(b.order)
        .ok_or_else(|| not_kept(b.order.as_str()))?;
    let mut query = a
        .read
        .side(0, 0, width_b)
        .filter(a.condition.clone())
        .into_query();
    query.union(
        UnionType::All,
        b.read
            .side(1, width_a, 0)
            .filter(b.condition.clone())
            .into_query(),
    );
    // By place, counted from 1: a compound select is ordered by its output columns (the side's
    // number, then side A's columns, then side B's).
    for place in [1, 2 + order_a, 2 + width_a + order_b] {
        query.order_by_expr(Expr::cust(place.to_string()), Order::Asc);
    }
    Ok(backend.build(&query))
}

/// Whether `column` is (part of) `E`'s primary key: every read keeps it.
fn is_key<E: EntityTrait>(column: E::Column) -> bool {
    E::PrimaryKey::iter().any(|key| key.into_column().as_str() == column.as_str())
}

/// The value at `place` of `row`, of the same type as `like`.
fn value_at(row: &QueryResult, place: usize, like: &Value) -> Result<Value, DbErr> {
    Ok(match like {
        Value::Bool(_) => Value::Bool(row.try_get_by_index(place)?),
        Value::SmallInt(_) => Value::SmallInt(row.try_get_by_index(place)?),
        Value::Int(_) => Value::Int(row.try_get_by_index(place)?),
        Value::BigInt(_) => Value::BigInt(row.try_get_by_index(place)?),
        Value::Float(_) => Value::Float(row.try_get_by_index(place)?),
        Value::Double(_) => Value::Double(row.try_get_by_index(place)?),
        Value::String(_) => Value::String(text_at(row, place)?),
        Value::ChronoDate(_) => Value::ChronoDate(row.try_get_by_index(place)?),
        Value::ChronoDateTimeUtc(_) => Value::ChronoDateTimeUtc(row.try_get_by_index(place)?),
        other => {
            return Err(DbErr::Type(format!(
                "a narrowed read does not decode {other:?}"
            )));
        }
    })
}

/// The text at `place` of `row`. On PostgreSQL its bytes are checked as UTF-8 by `simdutf8`:
/// sqlx's `String` decode uses the standard library's check, which leaves its fast path at
/// every byte outside ASCII, so at every Vietnamese diacritic. Those checks were 4.5 % of the
/// server's CPU on a page of cases with subjects and seizures (issue 11; `perf`, before this
/// change and the kept connections, which were measured together). simdutf8 checks text of 64
/// bytes and more with SIMD (titles, names with diacritics) and hands shorter text to the
/// standard library. The column's type is checked as sqlx checks it, `NULL` is `None` before
/// that as in sqlx, and a value that is not UTF-8 is refused (PostgreSQL checks the encoding
/// itself, so this is a guard, not a path).
fn text_at(row: &QueryResult, place: usize) -> Result<Option<String>, DbErr> {
    use sea_orm::sqlx::postgres::Postgres;
    use sea_orm::sqlx::{Row, Type, TypeInfo, ValueRef};
    let Some(pg) = row.try_as_pg_row() else {
        return Ok(row.try_get_by_index(place)?);
    };
    let refused = |why: String| DbErr::Type(format!("column {place}: {why}"));
    let value = pg.try_get_raw(place).map_err(|e| refused(e.to_string()))?;
    if value.is_null() {
        return Ok(None);
    }
    let kind = value.type_info();
    if !<String as Type<Postgres>>::compatible(&kind) {
        return Err(refused(format!("{} is not text", kind.name())));
    }
    let bytes = value.as_bytes().map_err(|e| refused(e.to_string()))?;
    let text = simdutf8::basic::from_utf8(bytes).map_err(|_| refused("not UTF-8".into()))?;
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::{seizures, subjects};
    use sea_orm::ColumnTrait;

    /// On PostgreSQL the ids are one array parameter: another count, the same statement text
    /// (so the same prepared statement); SQLite has no arrays and lists them.
    #[test]
    fn ids_are_one_array_on_postgres() {
        let text = |ids: &[i64], backend| {
            subjects::Entity::find()
                .filter(among(
                    subjects::Column::CaseId,
                    ids.iter().copied().collect(),
                    backend,
                ))
                .build(backend)
                .sql
        };
        let (two, three) = (
            text(&[1, 2], DbBackend::Postgres),
            text(&[1, 2, 3], DbBackend::Postgres),
        );
        assert_eq!(two, three);
        assert!(
            two.ends_with(r#"WHERE "subjects"."case_id" = ANY($1)"#),
            "{two}"
        );
        assert!(text(&[1, 2], DbBackend::Sqlite).ends_with(r#""case_id" IN (?, ?)"#));
    }

    /// The read of two: side A's columns then side B's, each padded with `NULL` where the other
    /// side's stand, and the statement ordered by side, then A's order column, then B's — by
    /// their places in the output, the one order a compound select takes on both databases.
    #[test]
    fn a_read_of_two_orders_each_side_by_its_own_column() {
        // Subjects keep id, case_id, full_name (3 places); seizures id, case_id, item.
        let people =
            Narrowed::<subjects::Entity>::new(|c| ["case_id", "full_name"].contains(&c.as_str()));
        let goods =
            Narrowed::<seizures::Entity>::new(|c| ["case_id", "item"].contains(&c.as_str()));
        assert_eq!((people.kept().len(), goods.kept().len()), (3, 3));
        let side_a = Side {
            read: &people,
            condition: Condition::all().add(subjects::Column::CaseId.is_in([1, 2])),
            order: subjects::Column::Id,
        };
        let side_b = Side {
            read: &goods,
            condition: Condition::all().add(seizures::Column::CaseId.is_in([3])),
            order: seizures::Column::Id,
        };
        let id_a = 2 + people.place(subjects::Column::Id).unwrap();
        let id_b = 2 + 3 + goods.place(seizures::Column::Id).unwrap();
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let sql = both_statement(&side_a, &side_b, backend)
                .unwrap()
                .to_string();
            let (first, second) = sql.split_once(" UNION ALL ").expect("a compound select");
            assert!(first.starts_with("SELECT 0, "), "{sql}");
            assert_eq!(first.matches("NULL").count(), 3, "{sql}");
            assert!(first.contains(r#""subjects"."full_name""#), "{sql}");
            assert!(!first.contains("seizures"), "{sql}");
            assert!(second.contains("SELECT 1, NULL, NULL, NULL, "), "{sql}");
            assert!(second.contains(r#""seizures"."item""#), "{sql}");
            assert!(
                sql.ends_with(&format!("ORDER BY 1 ASC, {id_a} ASC, {id_b} ASC")),
                "{sql}"
            );
            // Each side's own conditions, and only its own.
            assert!(
                first.contains("IN (1, 2)") && !first.contains("IN (3)"),
                "{sql}"
            );
            assert!(second.contains("IN (3)"), "{sql}");
        }
    }
}
