//! Pure rules of the domain: no database, no GraphQL, no IO. Services and resolvers call
//! these; nothing here calls them back.

pub mod access;
pub mod calendar;
pub mod figures;
pub mod lifecycle;
pub mod report_figures;
pub mod report_period;
pub mod symbol;
pub mod types;
pub mod vocab;
