//! Hub389: the GraphQL backend of a provincial anti-smuggling data hub (Ban Chỉ đạo 389).
//!
//! Layers, each importing only those below it (`python3 scripts/layers.py` checks it):
//! `domain` pure rules (the access matrix, the reporting calendar, the figures, validated
//! values); `service` reads and writes over sea-orm with no GraphQL; `graphql` thin types and
//! resolvers; `http` the server. The modules at this level are the kernel all of them share.

pub mod auth;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod keys;
pub mod limiter;
pub mod seed;
pub mod service;
pub mod telemetry;
pub mod text;
pub mod time;
