//! Services: reads and writes over sea-orm, with no GraphQL in them, callable from a resolver,
//! the CLI or a test alike.

pub mod audit;
pub mod case_records;
pub mod case_write;
pub mod cases;
pub mod deadlines;
pub mod directives;
pub mod events;
pub mod paging;
pub mod publication_check;
pub mod publications;
pub mod published;
pub mod reference;
pub mod reports;
pub mod rollups;
pub mod rows;
pub mod scopes;
pub mod statistics;
pub mod tips;
pub mod viewer;
pub mod watches;
pub mod write;
