//! Hub389: the GraphQL backend of a provincial anti-smuggling data hub (Ban Chỉ đạo 389).
//!
//! Layout: one module per domain (`reference`, `cases`, `directives`, `tips`, `publications`),
//! each with its GraphQL types and query object over a service layer; `access` holds the role ×
//! compartment matrix; `graphql` merges the domains into one schema; `app` is the HTTP server.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod config;
pub mod crypto;
pub mod db;
pub mod directives;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod keys;
pub mod limiter;
pub mod publications;
pub mod reference;
pub mod reports;
pub mod seed;
pub mod service;
pub mod statistics;
pub mod telemetry;
pub mod text;
pub mod time;
pub mod tips;
pub mod workflow;
