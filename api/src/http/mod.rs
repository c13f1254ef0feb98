//! The HTTP layer: GraphQL over HTTP and websockets, GraphiQL, and the cross-origin policy.

pub mod app;
pub mod cors;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod live;
pub mod state;
