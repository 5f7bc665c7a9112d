//! What `xunjian accounts` reads and writes in the state database: registry
//! snapshots recorded by an import (with the filing date and the accounts
//! that have no source), the snapshots of one account or of all, the newest
//! post of every account and which accounts a scan has ever read.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, OptionalExtension};

use super::sqlite::{snapshot_account, SqliteStore};
use super::{ContactChange, GoneFinding, StoreError};
use crate::accounts::history::Snapshot;
use crate::model::Finding;
use crate::registry::Record;

fn err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("state database: {what}: {e}"))
}

/// The day a run's start time (RFC 3339) falls on, in its own offset.
fn day_of(started_at: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(started_at.get(..10)?, "%Y-%m-%d").ok()
}

/// What recording an audit learned.
#[derive(Debug, Clone, Default)]
pub struct AuditRecorded {
    /// Fingerprints already recorded by an earlier run.
    pub known: Vec<String>,
    /// Stored audit findings that did not come back, with the registry id
    /// of their account.
    pub gone: Vec<(String, GoneFinding)>,
}

impl SqliteStore {
    /// Snapshots every registered account (with or without a source) for
    /// `run`, like [`super::Store::record_registry`] does for a scan, and
    /// notes leader/administrator changes in `contact_history`. One
    /// transaction; cost: one lookup and one insert per account.
    pub fn record_registry_records(
        &mut self,
        run: i64,
        at: &str,
        records: &[Record],
    ) -> Result<Vec<ContactChange>, StoreError> {
        let tx = self
            .connection_mut()
            .transaction()
            .map_err(|e| err("cannot snapshot the registry", e))?;
        let mut changes = Vec::new();
        for r in records {
            let data = serde_json::to_value(r).unwrap_or_default();
            changes.extend(
                snapshot_account(&tx, run, at, &r.key(), &r.id, &data)
                    .map_err(|(w, x)| err(w, x))?,
            );
        }
        tx.commit()
            .map_err(|e| err("cannot snapshot the registry", e))?;
        Ok(changes)
    }

    /// Every registry snapshot, by account key, oldest first (by the day of
    /// its run, then by run). Cost: one pass over `registry_snapshots`.
    pub fn registry_snapshots(&self) -> Result<HashMap<String, Vec<Snapshot>>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT s.account_key, s.data, r.started_at, r.label FROM registry_snapshots s JOIN runs r ON r.id = s.run_id ORDER BY r.started_at, r.id",
            )
            .map_err(|e| err("cannot read registry snapshots", e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| err("cannot read registry snapshots", e))?;
        let mut out: HashMap<String, Vec<Snapshot>> = HashMap::new();
        for (key, data, started, label) in rows {
            let (Some(date), Ok(data)) = (day_of(&started), serde_json::from_str(&data)) else {
                continue;
            };
            out.entry(key).or_default().push(Snapshot {
                date,
                run: label,
                data,
            });
        }
        Ok(out)
    }

    /// The newest publication time (RFC 3339) of the stored posts of every
    /// account key that has any. Cost: one grouped pass over `posts`.
    pub fn newest_posts(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT account_key, MAX(published_at) FROM posts WHERE published_at IS NOT NULL GROUP BY account_key")
            .map_err(|e| err("cannot read posts", e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .and_then(|rows| rows.collect::<Result<HashMap<_, _>, _>>())
            .map_err(|e| err("cannot read posts", e))?;
        Ok(rows)
    }

    /// The account keys a scan has read at least once (completely or in
    /// part; an account whose every read failed is not among them).
    pub fn scanned_accounts(&self) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT DISTINCT account_key FROM run_accounts WHERE status != 'failed'")
            .map_err(|e| err("cannot read the run history", e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<HashSet<_>, _>>())
            .map_err(|e| err("cannot read the run history", e))?;
        Ok(rows)
    }

    /// Records the findings of a registry audit run (`run`) like a scan
    /// records its own: a new fingerprint is inserted with a `first
    /// detected` history entry, a known one gets this run as its last (and
    /// keeps its review status). Stored findings of the `checks` (account
    /// findings, no post) that did not come back are marked gone and
    /// returned with their registry id. One transaction.
    pub fn record_audit(
        &mut self,
        run: i64,
        findings: &[Finding],
        checks: &[&str],
    ) -> Result<AuditRecorded, StoreError> {
        let now = chrono::Utc::now().to_rfc3339();
        let tx = self
            .connection_mut()
            .transaction()
            .map_err(|e| err("cannot record the audit (is a scan running?)", e))?;
        let mut known = Vec::new();
        let mut seen = HashSet::new();
        for f in findings {
            seen.insert(f.fingerprint.as_str());
            let mut stored = f.clone();
            stored.novelty = crate::model::Novelty::New;
            let data = serde_json::to_string(&stored).unwrap_or_default();
            let first: Option<i64> = tx
                .query_row(
                    "SELECT first_run FROM findings WHERE fingerprint = ?1",
                    params![f.fingerprint],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| err("cannot read findings", e))?;
            match first {
                Some(first) => {
                    tx.execute(
                        "UPDATE findings SET last_run = ?2, matched = ?3, gone_run = NULL, data = ?4 WHERE fingerprint = ?1",
                        params![f.fingerprint, run, f.matched, data],
                    )
                    .map_err(|e| err("cannot record a finding", e))?;
                    if first != run {
                        known.push(f.fingerprint.clone());
                    }
                }
                None => {
                    let key = format!("{}:{}", f.account.platform, f.account.platform_account_id);
                    tx.execute(
                        "INSERT INTO findings (fingerprint, account_key, post_id, rule_id, normalized, matched, category, severity, first_run, last_run, occurrences, status, data)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, 1, 'new', ?10)",
                        params![
                            f.fingerprint,
                            key,
                            f.post.id,
                            f.rule.id,
                            f.normalized,
                            f.matched,
                            f.rule.category.as_str(),
                            f.rule.severity.as_str(),
                            run,
                            data
                        ],
                    )
                    .map_err(|e| err("cannot record a finding", e))?;
                    tx.execute(
                        "INSERT INTO finding_history (fingerprint, at, run_id, from_status, to_status, who, note) VALUES (?1, ?2, ?3, NULL, 'new', 'xunjian', 'first detected')",
                        params![f.fingerprint, now, run],
                    )
                    .map_err(|e| err("cannot record finding history", e))?;
                }
            }
        }
        let mut gone = Vec::new();
        {
            let mut stmt = tx
                .prepare(
                    "SELECT fingerprint, post_id, rule_id, normalized, status, data FROM findings WHERE post_id = '' AND gone_run IS NULL",
                )
                .map_err(|e| err("cannot read findings", e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        GoneFinding {
                            fingerprint: r.get(0)?,
                            post_id: r.get(1)?,
                            rule_id: r.get(2)?,
                            normalized: r.get(3)?,
                            status: r.get(4)?,
                        },
                        r.get::<_, Option<String>>(5)?,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| err("cannot read findings", e))?;
            for (g, data) in rows {
                if seen.contains(g.fingerprint.as_str()) || !checks.contains(&g.rule_id.as_str()) {
                    continue;
                }
                let account = data
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                    .and_then(|v| v["account"]["id"].as_str().map(str::to_string))
                    .unwrap_or_default();
                gone.push((account, g));
            }
        }
        for (_, g) in &gone {
            tx.execute(
                "UPDATE findings SET gone_run = ?2 WHERE fingerprint = ?1",
                params![g.fingerprint, run],
            )
            .map_err(|e| err("cannot record findings", e))?;
        }
        tx.commit().map_err(|e| err("cannot record the audit", e))?;
        Ok(AuditRecorded { known, gone })
    }
}
