//! The integration tests of Hub389, in one test binary (one link instead of thirteen; helpers
//! in the `hub389-tests` library). Each test spawns its own server on its own database, on
//! SQLite or PostgreSQL as `HUB389_TEST_BACKEND` says. The durability tests stay a binary of
//! their own (`tests/durability.rs`): they inject storage faults, and the server's record of
//! the last storage fault (which recycles pooled connections) is process-wide.

mod access;
mod audit_log;
mod cases_workflow;
mod contract;
mod directives_workflow;
mod feed;
mod foundation;
mod hostile;
mod identity_provider;
mod live;
mod observability;
mod publications_workflow;
mod reads;
mod reports_workflow;
mod rollups;
mod schema;
mod statistics;
mod tips_workflow;
mod watches;
