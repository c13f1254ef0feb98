//! Services: reads and writes over sea-orm, with no GraphQL in them, callable from a resolver,
//! the CLI or a test alike.

pub mod audit;
pub mod events;
pub mod write;
