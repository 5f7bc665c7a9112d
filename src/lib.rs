//! xunjian (巡检): content-compliance scanning for the official new-media
//! accounts of an organisation, enforcing its *New Media Platform Operation
//! Management Measures*.
//!
//! The pipeline: [`registry`] (which accounts) → [`source`] (their posts) →
//! [`engine`] (normalize and match against [`rules`]) → findings →
//! [`report`] (CSV, JSON, terminal). [`pipeline`] wires one scan run
//! together; [`cli`] is the command line. See `docs/ARCHITECTURE.md`.

pub mod cli;
pub mod engine;
pub mod error;
pub mod model;
pub mod pipeline;
pub mod registry;
pub mod report;
pub mod rules;
pub mod source;
pub mod store;
