//! Directive `directive_id` cites (căn cứ) directive `cited_id`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "directive_citations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub directive_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub cited_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
