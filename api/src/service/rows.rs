//! Row reads every service shares: one row by id, or `NOT_FOUND` naming what was looked for
//! (the first step of most writes); a select that reads only the columns a reader needs; and a
//! page of such a select with its rows' children, in one statement.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use sea_orm::sea_query::{
    Alias, CommonTableExpression, DynIden, Expr, IntoIden, MysqlQueryBuilder, Order,
    PostgresQueryBuilder, Query, QueryBuilder, QueryStatementWriter, SelectStatement, SqlWriter,
    SqlWriterValues, SqliteQueryBuilder, UnionType, WithClause, WithQuery,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr,
    EntityTrait, IdenStatic, IntoActiveModel, Iterable, ModelTrait, PrimaryKeyToColumn,
    PrimaryKeyTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
    Statement, StatementBuilder, TryIntoModel, Value,
};

use crate::db::Reads;
use crate::error::{AppError, AppResult};

pub async fn by_id<E, C>(conn: &C, id: i64, what: &str) -> AppResult<E::Model>
where
    E: EntityTrait,
    C: ConnectionTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    by_id_within::<E, C>(conn, Condition::all(), id, what).await
}

/// Row `id` of `E` within `cond` (a viewer's scope, [`crate::service::scopes`]): `NOT_FOUND`
/// ("no such `what`") when it is absent or out of scope alike, in one statement either way.
pub async fn by_id_within<E, C>(
    conn: &C,
    cond: Condition,
    id: i64,
    what: &str,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    C: ConnectionTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .filter(cond)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no such {what}")))
}

/// The statement of `query` limited to its first `rows` rows, the count written as a number
/// ([`statement`]).
pub fn limited<E: EntityTrait>(query: Select<E>, rows: u64, backend: DbBackend) -> Statement {
    statement(&query.limit(rows).into_query(), backend)
}

/// `query`'s statement for `backend`, as sea-query builds it but for its row counts (`LIMIT`),
/// which are written into the text as numbers instead of bound.
///
/// PostgreSQL plans a prepared statement once for all executions (a generic plan) only when
/// that plan is not dearer than the plans made for the parameters of each call. With the row
/// count a parameter, the generic plan of `ORDER BY … LIMIT $n` must assume a tenth of the
/// table, so every execution of a page was planned again: after eight runs of the case page,
/// `pg_prepared_statements` counted 8 custom plans and no generic one (issue 11). A number
/// there — a page size, bounded by the caller — makes one statement per page size whose plan
/// is kept. sea-query has no way to write a number there itself, so [`CountsWritten`] is the
/// writer it builds into.
pub fn statement<Q>(query: &Q, backend: DbBackend) -> Statement
where
    Q: QueryStatementWriter + StatementBuilder,
{
    fn build(
        query: &impl QueryStatementWriter,
        builder: impl QueryBuilder,
    ) -> (String, sea_orm::sea_query::Values) {
        let (placeholder, numbered) = builder.placeholder();
        let mut sql = CountsWritten {
            sql: SqlWriterValues::new(placeholder, numbered),
            after_count: false,
        };
        query.build_collect_into(builder, &mut sql);
        sql.sql.into_parts()
    }
    let (sql, values) = match backend {
        DbBackend::Postgres => build(query, PostgresQueryBuilder),
        DbBackend::Sqlite => build(query, SqliteQueryBuilder),
        DbBackend::MySql => build(query, MysqlQueryBuilder),
        // A backend sea-orm adds later: its own build, the count bound.
        _ => return backend.build(query),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// sea-query's writer of a statement and its bound values, except that the value it writes
/// right after `LIMIT` or `OFFSET` (a `u64`, as sea-query holds them) goes into the text as a
/// number. Every other value is bound, a `u64` included.
struct CountsWritten {
    sql: SqlWriterValues,
    /// The last text written was ` LIMIT ` or ` OFFSET `, as sea-query writes them.
    after_count: bool,
}

impl std::fmt::Write for CountsWritten {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.after_count = matches!(s, " LIMIT " | " OFFSET ");
        self.sql.write_str(s)
    }
}

impl std::fmt::Display for CountsWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.sql.fmt(f)
    }
}

impl SqlWriter for CountsWritten {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, query_builder: &T) {
        match value {
            Value::BigUnsigned(Some(count)) if self.after_count => {
                let _ = write!(self.sql, "{count}");
            }
            value => self.sql.push_param(value, query_builder),
        }
        self.after_count = false;
    }

    fn as_writer(&mut self) -> &mut dyn std::fmt::Write {
        self
    }
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
    /// A model with every column at its stand-in (`Default` of its Rust type), which each
    /// row's kept columns are set on; `None` when a column has no stand-in (then `decode`
    /// refuses every row). Setting them on a model, not on an active model turned into one
    /// afterwards, saves a copy of every column per row (2 % of a case list's instructions,
    /// callgrind, stop 30).
    template: Option<E::Model>,
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
            template: template.try_into_model().ok(),
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

    /// The select of one member of a [`page_beside`] statement, from `table` (`E`'s own, or
    /// the page's name there): the member's number, the `before` places (the [`Narrowed::nulls`]
    /// of the members before it), the kept columns, the `after` places.
    fn member(
        &self,
        table: DynIden,
        number: u8,
        before: &[Expr],
        after: &[Expr],
    ) -> SelectStatement {
        let mut query = Query::select();
        query.expr(Expr::cust(number.to_string()));
        query.exprs(before.iter().cloned());
        for column in &self.kept {
            query.column((table.clone(), *column));
        }
        query.exprs(after.iter().cloned());
        query.from(table);
        query
    }

    /// A `NULL` for each kept column, cast to the column's type, to stand in other members'
    /// rows where its values stand in this one's. PostgreSQL types a compound select's columns
    /// member by member, from the left: two untyped `NULL`s make `text`, which a third member's
    /// number then cannot join. The type is the SQL one of the column's Rust type (its stand-in);
    /// SQLite casts a `NULL` to `NULL` whatever the type.
    fn nulls(&self) -> Vec<Expr> {
        self.shapes
            .iter()
            .map(|shape| {
                let ty = match shape {
                    Some(Value::Bool(_)) => "boolean",
                    Some(Value::SmallInt(_)) => "smallint",
                    Some(Value::Int(_)) => "integer",
                    Some(Value::BigInt(_)) => "bigint",
                    Some(Value::Float(_)) => "real",
                    Some(Value::Double(_)) => "double precision",
                    Some(Value::String(_)) => "text",
                    Some(Value::ChronoDate(_)) => "date",
                    Some(Value::ChronoDateTimeUtc(_)) => "timestamptz",
                    // Not a type `decode` reads: the read fails there, loudly.
                    _ => return Expr::cust("NULL"),
                };
                Expr::cust(format!("CAST(NULL AS {ty})"))
            })
            .collect()
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
        let no_default = |column: &E::Column| {
            DbErr::Type(format!(
                "{}: no default value to decode into",
                column.as_str()
            ))
        };
        let mut model = match &self.template {
            Some(template) => template.clone(),
            None => {
                let column = self
                    .kept
                    .iter()
                    .zip(&self.shapes)
                    .find(|(_, s)| s.is_none());
                return Err(column.map_or_else(
                    || DbErr::Type("no model of stand-ins".into()),
                    |(column, _)| no_default(column),
                ));
            }
        };
        for (place, (column, shape)) in self.kept.iter().zip(&self.shapes).enumerate() {
            let Some(shape) = shape else {
                return Err(no_default(column));
            };
            model.try_set(*column, value_at(row, from + place, shape)?)?;
        }
        Ok(model)
    }
}

/// `column` is one of `ids`: on PostgreSQL `column = ANY($1)` with the ids as one array, so the
/// statement's text is the same whatever their number; elsewhere `column IN (…)`.
///
/// Why: a statement is prepared once per connection and text (sqlx keeps 100 per connection);
/// each new text costs a round trip to prepare it and a plan. With `IN ($1, …, $n)`, every count
/// of ids is a text of its own. (A page's own relations name their parents inside its
/// statement, [`Parents::OfPage`], and send no ids at all.)
pub fn among<C: ColumnTrait>(column: C, ids: BTreeSet<i64>, backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => column.eq_any(ids),
        _ => column.is_in(ids),
    }
}

/// Whose children a read of a relation asks for: the parents' ids as a condition on the
/// children's `column`.
pub enum Parents {
    /// These ids ([`among`]).
    Ids(BTreeSet<i64>),
    /// The rows of the page read in the same statement ([`page_beside`]) that meet this
    /// condition, written on the page's columns as `(PAGE, column)`: their `id`s. Only a side
    /// of [`page_beside`] can name them (elsewhere there is no `page`, and the statement
    /// fails).
    OfPage(Condition),
}

/// The name the page bears inside a [`page_beside`] statement.
pub const PAGE: &str = "page";

impl Parents {
    /// `column` holds one of the parents' ids.
    ///
    /// The page's ids are `= ANY(ARRAY(SELECT id FROM page …))` on PostgreSQL: it makes them one
    /// array, once, and scans the children's index for all of them in one pass, as it does for
    /// ids the server sends ([`among`]). Written `IN (SELECT …)`, it hashes the page and scans
    /// the index once per case: pgbench ran the case page's statement about a fifth fewer
    /// times a second that way (one client, alternated: 760 against 980). SQLite has no
    /// arrays.
    pub fn of<C: ColumnTrait>(self, column: C, backend: DbBackend) -> Expr {
        match self {
            Parents::Ids(ids) => among(column, ids, backend),
            Parents::OfPage(condition) => {
                let mut ids = Query::select();
                ids.column((Alias::new(PAGE), Alias::new("id")))
                    .from(Alias::new(PAGE))
                    .cond_where(condition);
                match backend {
                    DbBackend::Postgres => Expr::cust_with_exprs(
                        "$1 = ANY(ARRAY($2))",
                        [
                            column.into_expr(),
                            Expr::SubQuery(None, Box::new(ids.into())),
                        ],
                    ),
                    _ => column.in_subquery(ids),
                }
            }
        }
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

/// A page of `E`'s rows: a narrowed read, its conditions, its order (the columns, each kept,
/// and their directions; the last one `E`'s key, so that the order is total and the page one
/// set of rows however often the statement names it) and how many rows.
pub struct Page<'a, E: EntityTrait> {
    pub read: &'a Narrowed<E>,
    pub condition: Condition,
    pub order: Vec<(E::Column, Order)>,
    pub rows: u64,
}

/// A relation's read beside a [`Page`]: a narrowed read, its conditions (its parents as
/// [`Parents::OfPage`], and its own), and the kept column its rows are ordered by. The
/// conditions are a [`Condition`], not a closure over the select, so that no side can bring an
/// order, a limit or a lock of its own: written into a compound select, they would cut or break
/// the whole statement.
pub struct Side<'a, E: EntityTrait> {
    pub read: &'a Narrowed<E>,
    pub condition: Condition,
    pub order: E::Column,
}

/// A page's rows and their children in two relations, in one statement:
///
/// ```sql
/// WITH page AS (SELECT … FROM p WHERE … ORDER BY … LIMIT n)
/// SELECT 0, page.…, NULL…       FROM page
/// UNION ALL SELECT 1, NULL…, a.…, NULL… FROM a WHERE a.parent = ANY(ARRAY(SELECT id FROM page …)) …
/// UNION ALL SELECT 2, NULL…, b.… FROM b WHERE …
/// ```
///
/// Why (issue 11): a case page, its subjects and its seizures were three statements, then two
/// (the relations together, their parents' ids sent back from the page). Each is a round trip
/// to PostgreSQL, which in production is on another host. Here the relations name the page's
/// rows inside the statement, so the ids never travel, and the page and its children are read
/// in one snapshot. Through `scripts/bench/distance.py` (a round trip of 2.5 ms), a case list
/// took 6.8 / 7.4 ms against 9.7 / 9.6 ms with two statements.
///
/// Each row starts with its member's number; a member's places hold its kept columns (decoded
/// by place as [`Narrowed`] decodes them) and `NULL` where the others' columns stand.
/// PostgreSQL takes each column's type from the member that has a value there; SQLite takes
/// the first member's declared types, and a value decodes by its own storage class all the
/// same. PostgreSQL keeps a page that the statement names more than once as one materialised
/// result.
///
/// The statement has no `ORDER BY`: the rows are put in the page's order and each side's
/// (`sort_by`) once read. Sorting the whole union in PostgreSQL (a page with its children is
/// some 200 rows of 18 columns) was about a tenth of its CPU for the statement (pgbench, one
/// client, alternated), as much as the second round trip had cost it.
///
/// Without a side, this is the page's own select. The statement's text depends on the page's
/// conditions and columns and on each side's, never on the ids read.
pub async fn page_beside<P: Readable, A: Readable, B: Readable>(
    conn: &Reads,
    page: Page<'_, P>,
    a: Option<Side<'_, A>>,
    b: Option<Side<'_, B>>,
) -> Result<(Vec<P::Model>, Vec<A::Model>, Vec<B::Model>), DbErr> {
    let backend = conn.get_database_backend();
    if a.is_none() && b.is_none() {
        let Page {
            read,
            condition,
            order,
            rows,
        } = page;
        let rows = read
            .first(conn, |q| ordered(q, condition, &order), rows)
            .await?;
        return Ok((rows, vec![], vec![]));
    }
    // What decoding and sorting need once the statement has taken the conditions.
    let (read_p, order_p) = (page.read, page.order.clone());
    let (read_a, read_b) = (
        a.as_ref().map(|a| (a.read, a.order)),
        b.as_ref().map(|b| (b.read, b.order)),
    );
    let statement = page_beside_statement(page, a, b, backend)?;
    // It begins `WITH`: declared a read, so that a hold keeps it on its connection.
    let rows = conn.read_all(statement).await?;
    let width_p = read_p.kept.len();
    let width_a = read_a.map_or(0, |(read, _)| read.kept.len());
    // Each vector sized once: a model is some hundreds of bytes, and growing by pushes copied
    // every row of a page several times over (2 % of the server's instructions per case list).
    let members = rows
        .iter()
        .map(|row| row.try_get_by_index::<i32>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let count = |m: i32| members.iter().filter(|&&n| n == m).count();
    let (mut page_rows, mut a_rows, mut b_rows) = (
        Vec::with_capacity(count(0)),
        Vec::with_capacity(count(1)),
        Vec::with_capacity(count(2)),
    );
    for (row, member) in rows.iter().zip(members) {
        match (member, read_a, read_b) {
            (0, _, _) => page_rows.push(read_p.decode(row, 1)?),
            (1, Some((a, _)), _) => a_rows.push(a.decode(row, 1 + width_p)?),
            (2, _, Some((b, _))) => b_rows.push(b.decode(row, 1 + width_p + width_a)?),
            (other, _, _) => return Err(DbErr::Type(format!("no member {other} in a page read"))),
        }
    }
    // The statement has no ORDER BY (see `page_beside`'s doc): each member in its order.
    sort_by(&mut page_rows, &order_p);
    if let Some((_, order)) = read_a {
        sort_by(&mut a_rows, &[(order, Order::Asc)]);
    }
    if let Some((_, order)) = read_b {
        sort_by(&mut b_rows, &[(order, Order::Asc)]);
    }
    Ok((page_rows, a_rows, b_rows))
}

/// Sorts `rows` as `ORDER BY` sorts by `order`'s columns, each up or down, of the kinds
/// [`compare`] orders.
fn sort_by<M: ModelTrait>(rows: &mut [M], order: &[(<M::Entity as EntityTrait>::Column, Order)]) {
    rows.sort_by(|x, y| {
        order
            .iter()
            .map(|(column, direction)| {
                // Other kinds are refused before the read (`page_beside_statement`).
                let by = compare(&x.get(*column), &y.get(*column)).unwrap_or(Ordering::Equal);
                match direction {
                    Order::Desc => by.reverse(),
                    _ => by,
                }
            })
            .find(|by| by.is_ne())
            .unwrap_or(Ordering::Equal)
    });
}

/// The order of two values of a column as PostgreSQL and SQLite give it, `NULL` after every
/// value going up; `None` for a kind whose order the server cannot reproduce: floats (no total
/// order) and text (the database's collation), and what a narrowed read does not decode.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    fn nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
        }
    }
    Some(match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => nulls_last(a, b),
        (Value::SmallInt(a), Value::SmallInt(b)) => nulls_last(a, b),
        (Value::Int(a), Value::Int(b)) => nulls_last(a, b),
        (Value::BigInt(a), Value::BigInt(b)) => nulls_last(a, b),
        (Value::ChronoDate(a), Value::ChronoDate(b)) => nulls_last(a, b),
        (Value::ChronoDateTimeUtc(a), Value::ChronoDateTimeUtc(b)) => nulls_last(a, b),
        _ => return None,
    })
}

/// The statement of [`page_beside`] without a side, for tests of its shape.
#[cfg(test)]
pub(crate) fn page_statement<P: Readable>(page: &Page<'_, P>, backend: DbBackend) -> Statement {
    let query = ordered(page.read.select(), page.condition.clone(), &page.order);
    limited(query, page.rows, backend)
}

/// `query` with a page's conditions, in its order.
fn ordered<E: EntityTrait>(
    query: Select<E>,
    condition: Condition,
    order: &[(E::Column, Order)],
) -> Select<E> {
    order
        .iter()
        .fold(query.filter(condition), |q, (column, order)| {
            q.order_by(*column, order.clone())
        })
}

/// The statement of [`page_beside`] with at least one side.
///
/// It takes the page and its sides whole: their conditions move into the statement. (Each
/// `.to_owned()` of sea-query's builders, and its own `WithClause::query`, copies the whole
/// statement built so far, conditions and subqueries included: about 4 % of a case list's
/// instructions, callgrind, stop 30.)
fn page_beside_statement<P: Readable, A: Readable, B: Readable>(
    page: Page<'_, P>,
    a: Option<Side<'_, A>>,
    b: Option<Side<'_, B>>,
    backend: DbBackend,
) -> Result<Statement, DbErr> {
    // The rows are put in order after they are read (`sort_by`): refuse an order `sort_by`
    // cannot give — a column not kept (its stand-in would sort), of a kind it does not
    // compare, or a direction other than up or down — and a page order that does not end
    // with the key (ties would make the row dropped after the page an arbitrary one).
    fn sortable<E: Readable>(
        read: &Narrowed<E>,
        column: E::Column,
        direction: &Order,
    ) -> Result<(), DbErr> {
        let refused = |why: &str| DbErr::Custom(format!("{}: {why}", column.as_str()));
        let place = read
            .place(column)
            .ok_or_else(|| refused("not a kept column"))?;
        if !matches!(read.shapes[place].as_ref(), Some(shape) if compare(shape, shape).is_some()) {
            return Err(refused("not a kind the read sorts"));
        }
        if !matches!(direction, Order::Asc | Order::Desc) {
            return Err(refused("not ordered up or down"));
        }
        Ok(())
    }
    for (column, direction) in &page.order {
        sortable(page.read, *column, direction)?;
    }
    match page.order.last() {
        Some((column, _)) if is_key::<P>(*column) => {}
        _ => return Err(DbErr::Custom("a page's order must end with its key".into())),
    }
    let nulls_p = page.read.nulls();
    let nulls_a = a.as_ref().map(|a| a.read.nulls()).unwrap_or_default();
    let nulls_b = b.as_ref().map(|b| b.read.nulls()).unwrap_or_default();
    let name = Alias::new(PAGE).into_iden();
    let others = [nulls_a.as_slice(), &nulls_b].concat();
    let mut query = page.read.member(name.clone(), 0, &[], &others);
    if let Some(a) = a {
        sortable(a.read, a.order, &Order::Asc)?;
        let mut member = a
            .read
            .member(A::default().into_iden(), 1, &nulls_p, &nulls_b);
        member.cond_where(a.condition);
        query.union(UnionType::All, member);
    }
    if let Some(b) = b {
        sortable(b.read, b.order, &Order::Asc)?;
        let before = [nulls_p.as_slice(), &nulls_a].concat();
        let mut member = b.read.member(B::default().into_iden(), 2, &before, &[]);
        member.cond_where(b.condition);
        query.union(UnionType::All, member);
    }
    let rows = ordered(page.read.select(), page.condition, &page.order)
        .limit(page.rows)
        .into_query();
    let mut cte = CommonTableExpression::new();
    cte.query(rows).table_name(name);
    let mut with = WithClause::new();
    with.cte(cte);
    let mut whole = WithQuery::new();
    whole.with_clause(with).query(query);
    Ok(statement(&whole, backend))
}

/// Whether `column` is (part of) `E`'s primary key: every read keeps it.
fn is_key<E: EntityTrait>(column: E::Column) -> bool {
    E::PrimaryKey::iter().any(|key| key.into_column().as_str() == column.as_str())
}

/// The value at `place` of `row`, of the same type as `like`.
///
/// On PostgreSQL the kinds a case list reads (`int4`, `int8`, `date`, `timestamptz`, text) are
/// decoded here ([`pg_at`], [`pg_text`]) rather than through sea-orm's `try_get_by_index`,
/// which turns every `NULL` into an error and back and has sqlx compare the column's type with
/// the Rust type's by value for every cell: 2 % of a case list's instructions (callgrind, stop
/// 30). Other kinds (`boolean`, `smallint`, floats) keep sea-orm's path.
fn value_at(row: &QueryResult, place: usize, like: &Value) -> Result<Value, DbErr> {
    use sea_orm::sqlx::postgres::types::Oid;
    // The OIDs of PostgreSQL's built-in types (fixed in its catalogue, `pg_type.dat`).
    const INT4: Oid = Oid(23);
    const INT8: Oid = Oid(20);
    const DATE: Oid = Oid(1082);
    const TIMESTAMPTZ: Oid = Oid(1184);
    if let Some(pg) = row.try_as_pg_row() {
        match like {
            Value::Int(_) => return Ok(Value::Int(pg_at(pg, place, INT4)?)),
            Value::BigInt(_) => return Ok(Value::BigInt(pg_at(pg, place, INT8)?)),
            Value::ChronoDate(_) => return Ok(Value::ChronoDate(pg_at(pg, place, DATE)?)),
            Value::ChronoDateTimeUtc(_) => {
                return Ok(Value::ChronoDateTimeUtc(pg_at(pg, place, TIMESTAMPTZ)?));
            }
            Value::String(_) => return Ok(Value::String(pg_text(pg, place)?)),
            _ => {}
        }
    }
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

/// The raw value at `place` of a PostgreSQL row, `None` for `NULL` (as sqlx decodes an
/// `Option`), once its column's type is known to fit `T`: one of `oids` first (the types `T`
/// is read from), then sqlx's own check for any other type, so what is accepted is what sqlx
/// accepts.
fn pg_raw<'r, T: sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>>(
    pg: &'r sea_orm::sqlx::postgres::PgRow,
    place: usize,
    oids: &[sea_orm::sqlx::postgres::types::Oid],
) -> Result<Option<sea_orm::sqlx::postgres::PgValueRef<'r>>, DbErr> {
    use sea_orm::sqlx::{Row, TypeInfo, ValueRef};
    let refused = |why: String| DbErr::Type(format!("column {place}: {why}"));
    let value = pg.try_get_raw(place).map_err(|e| refused(e.to_string()))?;
    if value.is_null() {
        return Ok(None);
    }
    let kind = value.type_info();
    let known = kind.oid().is_some_and(|oid| oids.contains(&oid));
    if !known && !kind.is_null() && !T::compatible(&kind) {
        return Err(refused(format!(
            "{} is not {}",
            kind.name(),
            T::type_info().name()
        )));
    }
    Ok(Some(value))
}

/// The `T` at `place` of a PostgreSQL row ([`pg_raw`], then sqlx's decoding of `T`).
fn pg_at<'r, T>(
    pg: &'r sea_orm::sqlx::postgres::PgRow,
    place: usize,
    oid: sea_orm::sqlx::postgres::types::Oid,
) -> Result<Option<T>, DbErr>
where
    T: sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>,
{
    match pg_raw::<T>(pg, place, &[oid])? {
        None => Ok(None),
        Some(value) => T::decode(value)
            .map(Some)
            .map_err(|e| DbErr::Type(format!("column {place}: {e}"))),
    }
}

/// The text at `place` of a PostgreSQL row. Its bytes are checked as UTF-8 by `simdutf8`:
/// sqlx's `String` decode uses the standard library's check, which leaves its fast path at
/// every byte outside ASCII, so at every Vietnamese diacritic. Those checks were 4.5 % of the
/// server's CPU on a page of cases with subjects and seizures (issue 11; `perf`, before this
/// change and the kept connections, which were measured together). simdutf8 checks text of 64
/// bytes and more with SIMD (titles, names with diacritics) and hands shorter text to the
/// standard library. `text` and `varchar` are taken by their OIDs ([`pg_raw`]) before sqlx's
/// check, which compared the type with six others, one of them built by name,
/// for every value (4 % of a case list's instructions, callgrind, stop 29). A value that is
/// not UTF-8 is refused (PostgreSQL checks the encoding itself, so this is a guard, not a
/// path).
fn pg_text(pg: &sea_orm::sqlx::postgres::PgRow, place: usize) -> Result<Option<String>, DbErr> {
    use sea_orm::sqlx::postgres::types::Oid;
    const TEXT_AND_VARCHAR: [Oid; 2] = [Oid(25), Oid(1043)];
    let refused = |why: String| DbErr::Type(format!("column {place}: {why}"));
    let Some(value) = pg_raw::<String>(pg, place, &TEXT_AND_VARCHAR)? else {
        return Ok(None);
    };
    let bytes = value.as_bytes().map_err(|e| refused(e.to_string()))?;
    let text = simdutf8::basic::from_utf8(bytes).map_err(|_| refused("not UTF-8".into()))?;
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::{seizures, subjects};
    use sea_orm::ColumnTrait;
    use sea_orm::sea_query::ExprTrait;

    /// The values written right after `LIMIT` and `OFFSET` go into the text as numbers; any
    /// other value is bound, a `u64` too.
    #[test]
    fn only_row_counts_are_written_as_numbers() {
        let mut query = Query::select();
        query
            .expr(Expr::val(5u64))
            .from(subjects::Entity)
            .and_where(subjects::Column::Id.gt(7u64))
            .limit(51)
            .offset(3);
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let statement = statement(&query, backend);
            assert!(
                statement.sql.ends_with(" LIMIT 51 OFFSET 3"),
                "{}",
                statement.sql
            );
            let values = statement.values.expect("bound values").0;
            assert_eq!(
                values,
                vec![Value::BigUnsigned(Some(5)), Value::BigUnsigned(Some(7))],
                "{}",
                statement.sql
            );
        }
    }

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

    /// [`page_beside_statement`] of copies of `page` and its sides (it takes them whole).
    fn beside_statement<P: Readable, A: Readable, B: Readable>(
        page: &Page<'_, P>,
        a: Option<&Side<'_, A>>,
        b: Option<&Side<'_, B>>,
        backend: DbBackend,
    ) -> Result<Statement, DbErr> {
        fn copy<'a, E: EntityTrait>(side: &Side<'a, E>) -> Side<'a, E> {
            Side {
                read: side.read,
                condition: side.condition.clone(),
                order: side.order,
            }
        }
        let page = Page {
            read: page.read,
            condition: page.condition.clone(),
            order: page.order.clone(),
            rows: page.rows,
        };
        page_beside_statement(page, a.map(copy), b.map(copy), backend)
    }

    /// A page read with two relations: the page as a `WITH` in its order, whose row count is a
    /// number; its columns, then side A's, then side B's, each member padded with typed `NULL`s
    /// where the others' stand; each side's parents named from the page; no order after the
    /// `WITH` (the rows are sorted once read: `sort_by`).
    #[test]
    fn a_page_read_with_two_relations_writes_each_member_in_its_places() {
        use entity::cases;
        // Cases keep id, lead_agency_id, detected_on (3 places); subjects id, case_id,
        // full_name; seizures id, case_id, item.
        let page_read = Narrowed::<cases::Entity>::new(|c| {
            ["lead_agency_id", "detected_on"].contains(&c.as_str())
        });
        let people =
            Narrowed::<subjects::Entity>::new(|c| ["case_id", "full_name"].contains(&c.as_str()));
        let goods =
            Narrowed::<seizures::Entity>::new(|c| ["case_id", "item"].contains(&c.as_str()));
        let widths = (
            page_read.kept().len(),
            people.kept().len(),
            goods.kept().len(),
        );
        assert_eq!(widths, (3, 3, 3));
        let page = Page {
            read: &page_read,
            condition: Condition::all().add(cases::Column::Status.eq("DETECTED")),
            order: vec![
                (cases::Column::DetectedOn, Order::Desc),
                (cases::Column::Id, Order::Desc),
            ],
            rows: 51,
        };
        let readable =
            Condition::all().add(Expr::col((Alias::new(PAGE), cases::Column::LeadAgencyId)).eq(7));
        let side_a = |backend| Side {
            read: &people,
            condition: Condition::all()
                .add(Parents::OfPage(readable.clone()).of(subjects::Column::CaseId, backend)),
            order: subjects::Column::Id,
        };
        let side_b = Side {
            read: &goods,
            condition: Condition::all().add(seizures::Column::Item.ne("x")),
            order: seizures::Column::Id,
        };
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let side_a = side_a(backend);
            let statement = beside_statement(&page, Some(&side_a), Some(&side_b), backend).unwrap();
            let bound = statement.values.as_ref().map_or(0, |v| v.0.len());
            assert_eq!(bound, 3, "status, agency, item: {statement:?}");
            if backend == DbBackend::Postgres {
                // Bound in the order they are written: the page's first, then each side's.
                for placed in [
                    r#""cases"."status" = $1"#,
                    r#""page"."lead_agency_id" = $2"#,
                    r#""seizures"."item" <> $3"#,
                ] {
                    assert!(
                        statement.sql.contains(placed),
                        "{placed}: {}",
                        statement.sql
                    );
                }
            }
            let sql = statement.to_string();
            let (with, rest) = sql.split_once(r#") SELECT 0, "page"."#).expect("a WITH");
            assert!(
                with.starts_with(r#"WITH "page" AS (SELECT "cases"."id""#),
                "{sql}"
            );
            assert!(
                with.ends_with(
                    r#"ORDER BY "cases"."detected_on" DESC, "cases"."id" DESC LIMIT 51"#
                ),
                "{sql}"
            );
            // PostgreSQL's members after the first are parenthesised; SQLite's may not be.
            let members: Vec<&str> = rest
                .split(" UNION ALL ")
                .map(|m| m.strip_prefix('(').unwrap_or(m))
                .collect();
            assert_eq!(members.len(), 3, "{sql}");
            assert_eq!(members[0].matches("CAST(NULL AS ").count(), 6, "{sql}");
            assert!(members[0].ends_with(r#"FROM "page""#), "{sql}");
            // Typed: `CAST(NULL AS bigint), CAST(NULL AS bigint), CAST(NULL AS date)` for the
            // page's id, lead agency and detection date.
            assert!(
                members[1].starts_with(
                    "SELECT 1, CAST(NULL AS bigint), CAST(NULL AS bigint), CAST(NULL AS date), "
                ),
                "{sql}"
            );
            assert!(members[1].contains(r#""subjects"."full_name""#), "{sql}");
            let parents = match backend {
                DbBackend::Postgres => {
                    r#""subjects"."case_id" = ANY(ARRAY((SELECT "page"."id" FROM "page" WHERE "page"."lead_agency_id" = 7)))"#
                }
                _ => {
                    r#""subjects"."case_id" IN (SELECT "page"."id" FROM "page" WHERE "page"."lead_agency_id" = 7)"#
                }
            };
            assert!(members[1].contains(parents), "{sql}");
            assert!(!members[1].contains("seizures"), "{sql}");
            assert!(
                members[2].starts_with("SELECT 2, CAST(NULL AS bigint), "),
                "{sql}"
            );
            assert_eq!(members[2].matches("CAST(NULL AS ").count(), 6, "{sql}");
            assert!(
                members[2].contains(r#"CAST(NULL AS text), "seizures"."id""#),
                "{sql}"
            );
            assert!(members[2].contains(r#""seizures"."item" <> 'x'"#), "{sql}");
            assert_eq!(rest.matches("ORDER BY").count(), 0, "{sql}");
        }
        // An order column the read does not keep would sort by its stand-in: refused.
        let unkept = Side {
            read: &goods,
            condition: Condition::all(),
            order: seizures::Column::Unit,
        };
        let none = None::<&Side<'_, subjects::Entity>>;
        let refused = |page: &Page<'_, cases::Entity>, side: &Side<'_, seizures::Entity>| {
            beside_statement(page, none, Some(side), DbBackend::Postgres).is_err()
        };
        assert!(refused(&page, &unkept));
        // So would a float (no total order), and a page order that leaves ties.
        let with_quantity = Narrowed::<seizures::Entity>::new(|c| c.as_str() == "quantity");
        let by_quantity = Side {
            read: &with_quantity,
            condition: Condition::all(),
            order: seizures::Column::Quantity,
        };
        assert!(refused(&page, &by_quantity));
        let by_day = Page {
            read: &page_read,
            condition: Condition::all(),
            order: vec![(cases::Column::DetectedOn, Order::Desc)],
            rows: 51,
        };
        assert!(refused(&by_day, &side_b));
        assert!(!refused(&page, &side_b));
        // A side whose conditions were taken (`Beside::side` leaves an empty `any`) reads no
        // row: `WHERE FALSE`, never a side without a condition.
        let taken = Side {
            read: &goods,
            condition: Condition::any(),
            order: seizures::Column::Id,
        };
        let sql = beside_statement(&page, none, Some(&taken), DbBackend::Postgres)
            .unwrap()
            .to_string();
        assert!(sql.ends_with(r#"FROM "seizures" WHERE FALSE)"#), "{sql}");
    }

    /// Rows read without `ORDER BY` are put in the order `ORDER BY` gives: each column in its
    /// direction, the next one breaking ties, `NULL` after every value going up.
    #[test]
    fn rows_are_sorted_as_order_by_sorts_them() {
        use chrono::NaiveDate;
        use entity::cases;
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("a date");
        // A case at every column's stand-in.
        let blank = Narrowed::<cases::Entity>::new(|_| false)
            .template
            .expect("a model");
        let case = |id, detected_on| cases::Model {
            id,
            detected_on,
            ..blank.clone()
        };
        let mut rows = vec![
            case(1, day(2)),
            case(4, day(1)),
            case(3, day(2)),
            case(2, day(9)),
        ];
        sort_by(
            &mut rows,
            &[
                (cases::Column::DetectedOn, Order::Desc),
                (cases::Column::Id, Order::Desc),
            ],
        );
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        assert_eq!(ids, [2, 3, 1, 4]);
        let handled = |id, handled: Option<NaiveDate>| cases::Model {
            id,
            handled_on: handled,
            ..blank.clone()
        };
        let mut rows = vec![
            handled(1, None),
            handled(2, Some(day(5))),
            handled(3, Some(day(1))),
        ];
        sort_by(&mut rows, &[(cases::Column::HandledOn, Order::Asc)]);
        assert_eq!(rows.iter().map(|c| c.id).collect::<Vec<_>>(), [3, 2, 1]);
        sort_by(&mut rows, &[(cases::Column::HandledOn, Order::Desc)]);
        assert_eq!(rows.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
