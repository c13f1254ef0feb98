//! Row reads every service shares: one row by id, or `NOT_FOUND` naming what was looked for
//! (the first step of most writes); and a select that reads only the columns a reader needs.

use sea_orm::sea_query::{ColumnType, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, Iterable, PrimaryKeyTrait, QuerySelect,
    Select,
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

/// A select of `E` that reads from the table only the columns `reads` keeps, and the ones that
/// cannot stand empty (keys, numbers, dates that are never null). Every other column comes back
/// as a stand-in — `NULL` for a nullable one, `''` for text — so the row still decodes into
/// `E::Model` without the database sending, or the server allocating, what nobody reads.
/// (A text column decoded into something stricter than a `String`, such as a sea-orm
/// `ActiveEnum`, would refuse `''`: a loud error, never a wrong value.)
///
/// The rows are only fit for a reader of the kept columns: a caller that caches them must key
/// the cache by what was kept (as the narrowed loaders of `graphql::loaders` do).
pub fn narrowed<E: EntityTrait>(reads: impl Fn(E::Column) -> bool) -> Select<E> {
    let mut query = E::find().select_only();
    for column in E::Column::iter() {
        let def = column.def();
        let stand_in = if def.is_null() {
            Some("NULL")
        } else if matches!(
            def.get_column_type(),
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_)
        ) {
            Some("''")
        } else {
            None
        };
        query = match stand_in {
            Some(empty) if !reads(column) => query.expr_as(Expr::cust(empty), column.as_str()),
            _ => query.column(column),
        };
    }
    query
}
