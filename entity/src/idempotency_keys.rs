//! A creating mutation's idempotency key: a retry with the same key returns the first result.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject: String,
    pub key: String,
    pub operation: String,
    pub entity: String,
    pub entity_id: i64,
    pub created_at: DateTimeUtc,
    /// SHA-256 of the canonical request (operation and arguments, without the key): a key
    /// reused with a different input is refused instead of silently replaying the first.
    pub request_fingerprint: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
