//! The GraphQL layer: thin types and resolvers over the services. `context` is its leaf (what a
//! resolver may ask of the request), `schema` merges the domain modules; children import the
//! leaf, never this module or the schema, so no import runs in a circle.

pub mod audit;
pub mod cases;
pub mod context;
pub mod cost;
pub mod directives;
pub mod documents;
pub mod enums;
pub mod error;
pub mod guards;
pub mod ids;
pub mod inputs;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod operation;
pub mod pagination;
pub mod pipeline;
pub mod publications;
pub mod reference;
pub mod reports;
pub mod schema;
pub mod spec;
pub mod statistics;
pub mod subscriptions;
pub mod tips;
pub mod trusted;
pub mod visibility;
pub mod watches;
pub mod workflow;
