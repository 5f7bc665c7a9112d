//! What `xunjian accounts` reads and writes in the state database: registry
//! snapshots recorded by an import (with the filing date and the accounts
//! that have no source), the snapshots of one account or of all, the newest
//! post of every account and which accounts a scan has ever read.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, OptionalExtension};

use super::sqlite::SqliteStore;
use super::{ContactChange, StoreError};
use crate::accounts::history::Snapshot;
use crate::registry::Record;

fn err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("state database: {what}: {e}"))
}

/// The day a run's start time (RFC 3339) falls on, in its own offset.
fn day_of(started_at: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(started_at.get(..10)?, "%Y-%m-%d").ok()
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
            let previous: Option<String> = tx
                .query_row(
                    "SELECT data FROM registry_snapshots WHERE account_key = ?1 AND run_id < ?2 ORDER BY run_id DESC LIMIT 1",
                    params![r.key(), run],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| err("cannot read the previous registry snapshot", e))?;
            if let Some(prev) =
                previous.and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
            {
                for role in ["leader", "admin"] {
                    let before = &prev[role];
                    let now = &data[role];
                    if before != now {
                        tx.execute(
                            "INSERT INTO contact_history (account_key, account_id, role, seen_at, run_id, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            params![r.key(), r.id, role, at, run, before.to_string(), now.to_string()],
                        )
                        .map_err(|e| err("cannot record a contact change", e))?;
                        changes.push(ContactChange {
                            account_id: r.id.clone(),
                            role: role.to_string(),
                            before: before["name"].as_str().unwrap_or_default().to_string(),
                            after: now["name"].as_str().unwrap_or_default().to_string(),
                        });
                    }
                }
            }
            tx.execute(
                "INSERT OR REPLACE INTO registry_snapshots (run_id, account_id, account_key, data) VALUES (?1, ?2, ?3, ?4)",
                params![run, r.id, r.key(), data.to_string()],
            )
            .map_err(|e| err("cannot snapshot the registry", e))?;
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

    /// The account keys a scan has read at least once (completely or not).
    pub fn scanned_accounts(&self) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT DISTINCT account_key FROM run_accounts")
            .map_err(|e| err("cannot read the run history", e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<HashSet<_>, _>>())
            .map_err(|e| err("cannot read the run history", e))?;
        Ok(rows)
    }
}
