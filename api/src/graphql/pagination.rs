//! Relay connections over the keyset pages of [`crate::service::paging`].

use async_graphql::SimpleObject;

pub use crate::service::paging::*;

#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection `$conn` (`edges`, `nodes`, `pageInfo`, `totalCount`) and its
/// edge `$edge`, over rows of `$entity` wrapped in the node type `$node(Model)`, with
/// `$cursor(&Model) -> String`. `totalCount` is one `COUNT` over the list's filter (without the
/// cursor), run only when selected; `total_count_doc = [..]` replaces its usual description
/// (`[]`: none). One definition for every list that grows with time.
#[macro_export]
macro_rules! relay_connection {
    ($conn:ident, $edge:ident, $node:ident, $entity:ty, $cursor:expr $(, visible = $vis:literal)?) => {
        $crate::relay_connection!(
            $conn, $edge, $node, $entity, $cursor $(, visible = $vis)?,
            total_count_doc = ["Matching records in all pages (one `COUNT`, run only when asked for)."]
        );
    };
    ($conn:ident, $edge:ident, $node:ident, $entity:ty, $cursor:expr $(, visible = $vis:literal)?, total_count_doc = [$($count_doc:literal)?]) => {
        pub struct $conn {
            pub rows: Vec<<$entity as sea_orm::EntityTrait>::Model>,
            pub has_next: bool,
            pub has_previous: bool,
            /// The list's filter without the cursor, for `totalCount`.
            pub filter: sea_orm::Condition,
        }

        impl $conn {
            /// The page of `rows` (and whether more follow, as [`fetch_page`] says) over
            /// `filter`, read after the cursor `after`: a page read after a cursor has one
            /// before it.
            ///
            /// [`fetch_page`]: $crate::service::paging::fetch_page
            pub fn page(
                (rows, has_next): (Vec<<$entity as sea_orm::EntityTrait>::Model>, bool),
                after: &Option<String>,
                filter: sea_orm::Condition,
            ) -> Self {
                $conn {
                    rows,
                    has_next,
                    has_previous: after.is_some(),
                    filter,
                }
            }
        }

        #[derive(async_graphql::SimpleObject)]
        $(#[graphql(visible = $vis)])?
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        #[async_graphql::Object($(visible = $vis)?)]
        impl $conn {
            async fn edges(&self) -> Vec<$edge> {
                self.rows
                    .iter()
                    .map(|r| $edge {
                        cursor: ($cursor)(r),
                        node: $node(r.clone().into()),
                    })
                    .collect()
            }
            async fn nodes(&self) -> Vec<$node> {
                self.rows.iter().map(|r| $node(r.clone().into())).collect()
            }
            async fn page_info(&self) -> $crate::graphql::pagination::PageInfo {
                $crate::graphql::pagination::PageInfo {
                    has_next_page: self.has_next,
                    has_previous_page: self.has_previous,
                    start_cursor: self.rows.first().map($cursor),
                    end_cursor: self.rows.last().map($cursor),
                }
            }
            $(#[doc = $count_doc])?
            #[graphql(complexity = "crate::graphql::cost::COUNT")]
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<u64> {
                use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
                Ok(<$entity as EntityTrait>::find()
                    .filter(self.filter.clone())
                    .count($crate::graphql::context::db(ctx)?)
                    .await
                    .map_err($crate::error::AppError::from)?)
            }
        }
    };
}
