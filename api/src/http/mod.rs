//! The HTTP layer: GraphQL over HTTP, GraphiQL, and the cross-origin policy.

pub mod cors;
pub mod graphiql;
pub mod graphql;
