//! Row reads every service shares: one row by id, or `NOT_FOUND` naming what was looked for
//! (the first step of most writes); and a select that reads only the columns a reader needs.

use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IdenStatic, IntoActiveModel, Iterable, PrimaryKeyTrait, QueryResult, QuerySelect, QueryTrait,
    Select, Statement, TryIntoModel, Value,
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

/// A read of `E` that asks the table only for the columns `reads` keeps, and the ones that
/// cannot stand empty (keys, numbers, dates that are never null). Every other column of the
/// model gets a stand-in — `None` for a nullable one, `""` for text — so the database does not
/// send, nor the server allocate, what nobody reads.
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
    /// Every column at its stand-in (`Default` of its Rust type), and the shape each kept
    /// column decodes into.
    template: E::ActiveModel,
}

impl<E: EntityTrait> Narrowed<E>
where
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + TryIntoModel<E::Model>,
{
    pub fn new(reads: impl Fn(E::Column) -> bool) -> Self {
        let kept = E::Column::iter()
            .filter(|&column| !can_stand_in(column) || reads(column))
            .collect();
        Self {
            kept,
            template: <E::ActiveModel as ActiveModelTrait>::default_values(),
        }
    }

    /// The columns the read asks the table for, in the order of the select.
    pub fn kept(&self) -> &[E::Column] {
        &self.kept
    }

    /// The select of the kept columns, in their order (private: a select that did not come
    /// from here would be decoded by position all the same, and wrongly).
    fn select(&self) -> Select<E> {
        self.kept
            .iter()
            .fold(E::find().select_only(), |query, column| {
                query.column(*column)
            })
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
        rows.iter().map(|row| self.decode(row)).collect()
    }

    fn decode(&self, row: &QueryResult) -> Result<E::Model, DbErr> {
        let mut model = self.template.clone();
        for (place, column) in self.kept.iter().enumerate() {
            let like = match self.template.get(*column) {
                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => v,
                ActiveValue::NotSet => {
                    return Err(DbErr::Type(format!(
                        "{}: no default value to decode into",
                        column.as_str()
                    )));
                }
            };
            model.try_set(*column, value_at(row, place, &like)?)?;
        }
        model.try_into_model()
    }
}

/// Whether a column may be left out of a read and stand in empty: a nullable one (`None`) or
/// text (`""`). (A text column decoded into something stricter than a `String`, such as a
/// sea-orm `ActiveEnum`, would have no `""`: a loud error, never a wrong value.)
fn can_stand_in<C: ColumnTrait>(column: C) -> bool {
    let def = column.def();
    def.is_null()
        || matches!(
            def.get_column_type(),
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_)
        )
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
        Value::String(_) => Value::String(row.try_get_by_index(place)?),
        Value::ChronoDate(_) => Value::ChronoDate(row.try_get_by_index(place)?),
        Value::ChronoDateTimeUtc(_) => Value::ChronoDateTimeUtc(row.try_get_by_index(place)?),
        other => {
            return Err(DbErr::Type(format!(
                "a narrowed read does not decode {other:?}"
            )));
        }
    })
}
