//! xunjian (巡检): content-compliance scanning for the official new-media
//! accounts of an organisation, enforcing its *New Media Platform Operation
//! Management Measures*.
//!
//! The pipeline: [`registry`] (which accounts) → [`source`] (their posts) →
//! [`engine`] (normalize and match against [`rules`]) → findings →
//! [`report`] (CSV, JSON, HTML, terminal). [`pipeline`] wires one scan run
//! together, keeping its findings in a [`spool`] on disk for the reports; [`cli`] is the command line. The officers' loop: [`review`]
//! reads their edited sheet back, [`suppress`] holds organisation-wide
//! suppressions, `report::accountability` the per-unit period report. See `docs/ARCHITECTURE.md`.

pub mod accounts;
pub mod cli;
pub mod engine;
pub mod error;
pub mod model;
pub mod operations;
pub mod pipeline;
pub mod registry;
pub mod report;
pub mod review;
pub mod rules;
pub mod source;
pub mod spool;
pub mod store;
pub mod suppress;
