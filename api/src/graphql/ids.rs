//! Global ids: the kind of a row and its number, made opaque. A leaf of this layer: every
//! object type makes its id here, and the `node` query (which imports every type) resolves
//! them, so types never import `node`.

use async_graphql::ID;

use crate::crypto::Opaque;
use crate::error::{AppError, AppResult};

/// async-graphql's `ID`, re-exported for callers without async-graphql (tests, tools).
pub type GqlId = ID;

/// The kinds of object with a global id (the number is part of the id: never renumber).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Case = 1,
    Directive = 2,
    Task = 3,
    Campaign = 4,
    Tip = 5,
    Publication = 6,
    PeriodicReport = 7,
    Agency = 8,
    Commune = 9,
    /// A watch-list entry: read through `watches` only (`node` does not resolve it).
    Watch = 10,
}

impl NodeKind {
    /// The kind behind an audit event's entity name (`case`, `periodic_report`…).
    pub fn of_entity(entity: &str) -> Option<NodeKind> {
        Some(match entity {
            "case" => NodeKind::Case,
            "directive" => NodeKind::Directive,
            "task" => NodeKind::Task,
            "campaign" => NodeKind::Campaign,
            "tip" => NodeKind::Tip,
            "publication" => NodeKind::Publication,
            "periodic_report" => NodeKind::PeriodicReport,
            "agency" => NodeKind::Agency,
            "commune" => NodeKind::Commune,
            "watch" => NodeKind::Watch,
            _ => return None,
        })
    }

    fn from_u8(k: u8) -> Option<NodeKind> {
        use NodeKind::*;
        [
            Case,
            Directive,
            Task,
            Campaign,
            Tip,
            Publication,
            PeriodicReport,
            Agency,
            Commune,
            Watch,
        ]
        .into_iter()
        .find(|n| *n as u8 == k)
    }
}

/// The global id of a row.
pub fn global_id(kind: NodeKind, id: i64) -> ID {
    ID(Opaque::get().global_id(kind as u8, id))
}

/// The kind and row id of a global id, if it is one.
pub fn parse_global_id(id: &str) -> Option<(NodeKind, i64)> {
    let (k, id) = Opaque::get().parse_global_id(id)?;
    Some((NodeKind::from_u8(k)?, id))
}

/// Parses an id argument of `kind` into a row id: its global id (what every `id` field of that
/// kind returns), or a plain row number (accepted for scripts that read ids from exports).
/// A global id of another kind is refused, not read as a number: a client that passes a
/// tip's id where a case's is asked must not change the case with the tip's row number.
/// Anything else is `BAD_USER_INPUT`.
pub fn parse_id(id: &ID, kind: NodeKind) -> AppResult<i64> {
    match parse_global_id(id) {
        Some((k, row)) if k == kind => Ok(row),
        // The variants are named as their GraphQL types.
        Some(_) => Err(AppError::bad_input(format!("not the id of a {kind:?}"))),
        None => parse_row(id),
    }
}

/// Parses the id of a record without a global id (a subject, a seizure, a customs or
/// investigation record): its row number, as its `id` field gives it.
pub fn parse_row(id: &ID) -> AppResult<i64> {
    id.parse::<i64>()
        .map_err(|_| AppError::bad_input("not a valid id"))
}
