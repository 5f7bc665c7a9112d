//! The machine-readable report.
//!
//! `schema_version` changes whenever a field is renamed or removed; fields
//! may be added without changing it. Findings are sorted as in every other
//! report ([`crate::spool::report_order`]) and streamed from the run's
//! spool: one finding in memory at a time.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};

use super::write_atomic;
use crate::model::{Finding, Review, Reviews};
use crate::pipeline::{AccountResult, AccountStatus, Gone, ScanOutcome};
use crate::rules::RuleSet;
use crate::spool;
use crate::suppress::SuppressionUse;

/// Version of the JSON layout.
pub const SCHEMA_VERSION: u32 = 1;

/// What the JSON report says about the run itself.
#[derive(Debug, Clone, Serialize)]
pub struct RunMeta {
    /// Run id (start time, `YYYYMMDDTHHMMSS`).
    pub id: String,
    /// `scan` or `check`.
    pub kind: String,
    /// The command line, without the program name.
    pub arguments: Vec<String>,
    /// Registry file, for scans.
    pub registry: Option<String>,
    /// Where the rules came from (a folder, or `embedded`).
    pub rules: String,
    /// `--since`, RFC 3339.
    pub since: Option<String>,
    /// `--until`, RFC 3339.
    pub until: Option<String>,
    /// The state database, when one was used.
    pub database: Option<String>,
    /// The run's id in the state database.
    pub database_run_id: Option<i64>,
}

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    run: Run<'a>,
    rule_packs: Vec<PackEntry<'a>>,
    summary: Summary,
    findings: Entries<'a>,
    /// How the suppressions file fared (`--suppressions`): entries expired
    /// and entries that matched nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<&'a SuppressionUse>,
    /// Findings recorded by earlier runs that no longer fire on posts scanned
    /// again in this run (edited posts, changed rules); kept, not deleted.
    no_longer_firing: &'a [Gone],
}

/// The findings, each with its review state, read from the spool as they
/// are serialized (once).
struct Entries<'a> {
    findings: Cell<Option<spool::Iter<'a>>>,
    reviews: &'a Reviews,
}

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let findings = self
            .findings
            .take()
            .ok_or_else(|| S::Error::custom("the findings were already written"))?;
        let mut seq = serializer.serialize_seq(None)?;
        for f in findings {
            let f = f.map_err(S::Error::custom)?;
            seq.serialize_element(&Entry {
                finding: &f,
                review: self.reviews.get(&f.fingerprint),
            })?;
        }
        seq.end()
    }
}

/// A finding with its review state (`review` absent: new, not suppressed).
#[derive(Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<&'a Review>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    #[serde(flatten)]
    meta: &'a RunMeta,
    started_at: String,
    finished_at: String,
    complete: bool,
    accounts: &'a [AccountResult],
    failed_accounts: Vec<Failed<'a>>,
}

#[derive(Serialize)]
struct Failed<'a> {
    id: &'a str,
    status: AccountStatus,
    reasons: &'a [String],
}

#[derive(Serialize)]
struct PackEntry<'a> {
    id: &'a str,
    version: &'a str,
    name: &'a str,
    origin: &'a str,
    rules: usize,
}

#[derive(Serialize)]
struct Summary {
    accounts: usize,
    accounts_failed: usize,
    accounts_incomplete: usize,
    posts_read: u64,
    posts_scanned: u64,
    posts_unchanged: u64,
    bytes_scanned: u64,
    findings: u64,
    findings_new: u64,
    findings_known: u64,
    /// Findings listed but suppressed (false positive, suppressions file).
    findings_suppressed: u64,
    evasions: u64,
    by_category: BTreeMap<String, u64>,
    by_severity: BTreeMap<String, u64>,
    by_category_severity: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Writes the JSON report to any writer.
pub fn write_to(
    out: &mut dyn Write,
    meta: &RunMeta,
    outcome: &ScanOutcome,
    rules: &RuleSet,
) -> io::Result<()> {
    let counts = outcome.findings.counts();
    let count_status = |s| outcome.accounts.iter().filter(|a| a.status == s).count();
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "xunjian",
            version: env!("CARGO_PKG_VERSION"),
        },
        run: Run {
            meta,
            started_at: outcome.started_at.to_rfc3339(),
            finished_at: outcome.finished_at.to_rfc3339(),
            complete: outcome.complete(),
            accounts: &outcome.accounts,
            failed_accounts: outcome
                .accounts
                .iter()
                .filter(|a| a.status != AccountStatus::Complete)
                .map(|a| Failed {
                    id: &a.account.id,
                    status: a.status,
                    reasons: &a.problems,
                })
                .collect(),
        },
        rule_packs: rules
            .packs
            .iter()
            .enumerate()
            .map(|(i, p)| PackEntry {
                id: &p.id,
                version: &p.version,
                name: &p.name,
                origin: &p.origin,
                rules: rules.rules.iter().filter(|r| r.pack == i).count(),
            })
            .collect(),
        summary: Summary {
            accounts: outcome.accounts.len(),
            accounts_failed: count_status(AccountStatus::Failed),
            accounts_incomplete: count_status(AccountStatus::Incomplete),
            posts_read: outcome.posts_read(),
            posts_scanned: outcome.posts_scanned(),
            posts_unchanged: outcome.posts_unchanged(),
            bytes_scanned: outcome.bytes_scanned(),
            findings: counts.total(),
            findings_new: outcome.findings_new(),
            findings_known: counts.total() - outcome.findings_new(),
            findings_suppressed: outcome.findings_suppressed(),
            evasions: outcome.findings.evasions(),
            by_category: counts
                .by
                .keys()
                .map(|c| (c.as_str().to_string(), counts.category(*c)))
                .collect(),
            by_severity: crate::model::Severity::ALL
                .into_iter()
                .map(|s| (s.as_str().to_string(), counts.severity(s)))
                .collect(),
            by_category_severity: counts
                .by
                .iter()
                .map(|(c, m)| {
                    (
                        c.as_str().to_string(),
                        m.iter()
                            .map(|(s, n)| (s.as_str().to_string(), *n))
                            .collect(),
                    )
                })
                .collect(),
        },
        findings: Entries {
            findings: Cell::new(Some(outcome.findings.iter())),
            reviews: &outcome.review.reviews,
        },
        suppressions: outcome.review.suppression_use.as_ref(),
        no_longer_firing: &outcome.gone,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}

/// Writes the JSON report to `path` atomically.
pub fn write(
    path: &Path,
    meta: &RunMeta,
    outcome: &ScanOutcome,
    rules: &RuleSet,
) -> io::Result<()> {
    write_atomic(path, |out| write_to(out, meta, outcome, rules))
}
