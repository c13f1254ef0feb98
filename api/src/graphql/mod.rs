//! The GraphQL layer: thin types and resolvers over the services. `context` is its leaf (what a
//! resolver may ask of the request), `schema` merges the domain modules; children import the
//! leaf, never this module or the schema, so no import runs in a circle.

pub mod context;
pub mod cost;
pub mod enums;
pub mod error;
pub mod guards;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod schema;
pub mod spec;
pub mod trusted;
pub mod visibility;
