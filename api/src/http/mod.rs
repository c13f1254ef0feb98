//! The HTTP layer: GraphQL over HTTP and websockets, GraphiQL, the exports, the newsroom
//! feed, and the cross-origin policy.

pub mod app;
pub mod cors;
pub mod export;
pub mod feed;
pub mod graphiql;
pub mod graphql;
pub mod live;
pub mod state;
