//! One row by id, or `NOT_FOUND` naming what was looked for: the first step of most writes.

use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait};

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
