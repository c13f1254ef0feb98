//! A watch-list entry (danh sách theo dõi): an agency watches a value — a subject's ID number, a
//! tax code, an HS code, a commune, a commodity group — and hears when a case holding it is
//! written. Never deleted: unwatching archives it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "watches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    /// `id_number`, `tax_code`, `hs_code`, `commune`, `commodity_group`.
    pub kind: String,
    /// The value as stored in the records it is matched against (normalised when written).
    pub value: String,
    /// Who added it (the token's subject).
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
