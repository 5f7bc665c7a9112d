//! The officers' side of the state database: findings with their review
//! state for exports and period reports, review decisions applied in one
//! transaction with their history, and the posts and registry a period
//! report counts.
//!
//! These are queries on [`SqliteStore`] only (the pipeline needs none of
//! them but [`Store::reviews`](super::Store::reviews)). Each reads whole
//! tables once and filters in memory: the tables hold one row per finding
//! or post, a few hundred thousand at most, read in well under a second.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::sqlite::SqliteStore;
use super::StoreError;
use crate::model::{
    AccountRef, Category, Field, Finding, Novelty, PostRef, Review, Reviews, RuleRef, Severity,
};
use crate::source::parse_time;

/// A finding as stored, with its review state and when it was first seen.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFinding {
    /// The finding as last reported (rebuilt from its columns for findings
    /// recorded before schema 3).
    pub finding: Finding,
    /// Its review state.
    pub review: Review,
    /// Label of the run that first reported it.
    pub first_run: String,
    /// Start of that run, RFC 3339.
    pub first_seen_at: String,
    /// Id of the last run that reported it.
    pub last_run_id: i64,
    /// Id of the first run that reported it.
    pub first_run_id: i64,
}

/// One decision to record: the new review state of a finding, who made it.
#[derive(Debug, Clone)]
pub struct ReviewChange {
    /// The finding.
    pub fingerprint: String,
    /// Its new review state (`suppressed` is ignored).
    pub review: Review,
    /// Who decided (the history's `who`; the reviewer, or `import`).
    pub who: String,
}

/// One entry of a finding's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// When, RFC 3339 or a date.
    pub at: String,
    /// Status before (`None` when the finding was created).
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: String,
    /// Who.
    pub who: String,
    /// Note.
    pub note: String,
}

/// A post as counted by a period report.
#[derive(Debug, Clone)]
pub struct StoredPostRow {
    /// `platform:platform_account_id`.
    pub account_key: String,
    /// Publication time, when known.
    pub published_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

fn err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("state database: {what}: {e}"))
}

impl SqliteStore {
    /// Every finding in the database with its review state, oldest first.
    /// Cost: one pass over `findings` joined with `posts` and `runs`, and
    /// memory for all of them (about 3 KB each); see
    /// [`SqliteStore::each_stored_finding`] for one at a time.
    pub fn stored_findings(&self) -> Result<Vec<StoredFinding>, StoreError> {
        let mut all = Vec::new();
        self.each_stored_finding(|f| {
            all.push(f);
            Ok(())
        })?;
        Ok(all)
    }

    /// Calls `each` for every finding in the database with its review
    /// state, oldest first, holding one at a time; stops at the first
    /// error `each` returns. Cost: one pass over `findings` joined with
    /// `posts` and `runs`.
    pub fn each_stored_finding(
        &self,
        mut each: impl FnMut(StoredFinding) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let c = self.connection();
        let accounts = self.latest_accounts()?;
        let mut stmt = c
            .prepare(
                "SELECT f.fingerprint, f.data, f.status, f.reviewer, f.reviewed_at, f.rectify_by, f.review_note,
                        r.label, r.started_at, f.account_key, f.post_id, f.rule_id, f.normalized, f.matched,
                        f.category, f.severity, f.occurrences, p.published_at, p.title, p.url, p.author, f.last_run, f.first_run
                 FROM findings f JOIN runs r ON r.id = f.first_run
                 LEFT JOIN posts p ON p.account_key = f.account_key AND p.post_id = f.post_id
                 ORDER BY f.first_run, f.rowid",
            )
            .map_err(|e| err("cannot read findings", e))?;
        let rows = stmt
            .query_map([], |r| {
                let data: Option<String> = r.get(1)?;
                let status: String = r.get(2)?;
                let account_key: String = r.get(9)?;
                let finding = data
                    .and_then(|d| serde_json::from_str::<Finding>(&d).ok())
                    .map(Ok)
                    .unwrap_or_else(|| -> rusqlite::Result<Finding> {
                        let category: String = r.get(14)?;
                        let severity: String = r.get(15)?;
                        let matched: String = r.get(13)?;
                        let account = accounts
                            .get(&account_key)
                            .cloned()
                            .unwrap_or_else(|| bare_account(&account_key));
                        Ok(Finding {
                            fingerprint: r.get(0)?,
                            account: Arc::new(account),
                            post: Arc::new(PostRef {
                                id: r.get(10)?,
                                title: r.get::<_, Option<String>>(18)?.unwrap_or_default(),
                                url: r.get::<_, Option<String>>(19)?.unwrap_or_default(),
                                published_at: r.get::<_, Option<String>>(17)?.unwrap_or_default(),
                                author: r.get::<_, Option<String>>(20)?.unwrap_or_default(),
                                truncated: false,
                            }),
                            rule: Arc::new(RuleRef {
                                id: r.get(11)?,
                                name: r.get(11)?,
                                pack: String::new(),
                                pack_version: String::new(),
                                category: category.parse().unwrap_or(Category::Unhealthy),
                                severity: severity.parse().unwrap_or(Severity::Low),
                                article: 0,
                                message: String::new(),
                            }),
                            field: Field::Body,
                            snippet: matched.clone(),
                            matched,
                            normalized: r.get(12)?,
                            occurrences: r.get(16)?,
                            char_start: 0,
                            char_end: 0,
                            evasion: false,
                            evasions: Vec::new(),
                            comment_id: String::new(),
                            detail: String::new(),
                            novelty: Novelty::New,
                        })
                    })?;
                Ok(StoredFinding {
                    finding,
                    review: Review {
                        status: status.parse().unwrap_or_default(),
                        reviewer: r.get(3)?,
                        reviewed_at: r.get(4)?,
                        rectify_by: r.get(5)?,
                        note: r.get(6)?,
                        suppressed: None,
                    },
                    first_run: r.get(7)?,
                    first_seen_at: r.get(8)?,
                    last_run_id: r.get(21)?,
                    first_run_id: r.get(22)?,
                })
            })
            .map_err(|e| err("cannot read findings", e))?;
        for row in rows {
            each(row.map_err(|e| err("cannot read findings", e))?)?;
        }
        Ok(())
    }

    /// The account fields of the newest registry snapshot of every account,
    /// by account key.
    pub fn latest_accounts(&self) -> Result<HashMap<String, AccountRef>, StoreError> {
        self.accounts_as_of(None)
    }

    /// The account fields of every account as registered at the last run
    /// started on or before `day` (the first run after it when there is
    /// none), by account key: who was responsible then (Art. 4, 14).
    pub fn accounts_as_of(
        &self,
        day: Option<chrono::NaiveDate>,
    ) -> Result<HashMap<String, AccountRef>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT s.account_key, s.data, r.started_at FROM registry_snapshots s JOIN runs r ON r.id = s.run_id ORDER BY s.run_id",
            )
            .map_err(|e| err("cannot read registry snapshots", e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| err("cannot read registry snapshots", e))?;
        let mut out: HashMap<String, (bool, AccountRef)> = HashMap::new();
        for (k, d, at) in rows {
            let Ok(a) = serde_json::from_str::<AccountRef>(&d) else {
                continue;
            };
            let before = match day {
                None => true,
                Some(day) => at
                    .get(..10)
                    .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .is_some_and(|d| d <= day),
            };
            match out.get(&k) {
                // Keep the first snapshot after the day only when none is before it.
                Some((_, _)) if !before => {}
                _ => {
                    out.insert(k, (before, a));
                }
            }
        }
        Ok(out.into_iter().map(|(k, (_, a))| (k, a)).collect())
    }

    /// Calls `each` for every stored post's account and publication time,
    /// one at a time. Cost: one pass over `posts`.
    pub fn each_stored_post(&self, mut each: impl FnMut(StoredPostRow)) -> Result<(), StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT account_key, published_at FROM posts")
            .map_err(|e| err("cannot read posts", e))?;
        let rows = stmt
            .query_map([], |r| {
                let t: Option<String> = r.get(1)?;
                Ok(StoredPostRow {
                    account_key: r.get(0)?,
                    published_at: t.and_then(|t| parse_time(&t).ok().flatten()),
                })
            })
            .map_err(|e| err("cannot read posts", e))?;
        for row in rows {
            each(row.map_err(|e| err("cannot read posts", e))?);
        }
        Ok(())
    }

    /// The review state of each of `fingerprints` known to the database
    /// (unknown ones are absent).
    pub fn review_states(&self, fingerprints: &[&str]) -> Result<Reviews, StoreError> {
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT status, reviewer, reviewed_at, rectify_by, review_note FROM findings WHERE fingerprint = ?1",
            )
            .map_err(|e| err("cannot read review states", e))?;
        let mut out = Reviews::new();
        for fp in fingerprints {
            let row = stmt
                .query_row(params![fp], |r| {
                    let status: String = r.get(0)?;
                    Ok(Review {
                        status: status.parse().unwrap_or_default(),
                        reviewer: r.get(1)?,
                        reviewed_at: r.get(2)?,
                        rectify_by: r.get(3)?,
                        note: r.get(4)?,
                        suppressed: None,
                    })
                })
                .optional()
                .map_err(|e| err("cannot read review states", e))?;
            if let Some(review) = row {
                out.insert(fp.to_string(), review);
            }
        }
        Ok(out)
    }

    /// Applies every change in one transaction, each with a history entry
    /// (who, when, from what, to what, note): all or nothing. A change that
    /// alters nothing is skipped. Returns how many findings changed.
    pub fn apply_reviews(
        &mut self,
        changes: &[ReviewChange],
        at: &str,
    ) -> Result<usize, StoreError> {
        let tx = self.connection_mut().transaction().map_err(|e| {
            err(
                "cannot start the review transaction (is a scan running?)",
                e,
            )
        })?;
        let mut changed = 0;
        for ch in changes {
            let before: Option<(String, String, String, String, String)> = tx
                .query_row(
                    "SELECT status, reviewer, reviewed_at, rectify_by, review_note FROM findings WHERE fingerprint = ?1",
                    params![ch.fingerprint],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()
                .map_err(|e| err("cannot read a finding", e))?;
            let Some(before) = before else {
                return Err(StoreError(format!(
                    "finding {} is not in the state database; nothing was applied",
                    ch.fingerprint
                )));
            };
            let r = &ch.review;
            let after = (
                r.status.as_str().to_string(),
                r.reviewer.clone(),
                r.reviewed_at.clone(),
                r.rectify_by.clone(),
                r.note.clone(),
            );
            if before == after {
                continue;
            }
            tx.execute(
                "UPDATE findings SET status = ?2, reviewer = ?3, reviewed_at = ?4, rectify_by = ?5, review_note = ?6 WHERE fingerprint = ?1",
                params![ch.fingerprint, after.0, after.1, after.2, after.3, after.4],
            )
            .map_err(|e| err("cannot update a finding", e))?;
            tx.execute(
                "INSERT INTO finding_history (fingerprint, at, run_id, from_status, to_status, who, note) VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6)",
                params![ch.fingerprint, at, before.0, after.0, ch.who, after.4],
            )
            .map_err(|e| err("cannot record the finding's history", e))?;
            changed += 1;
        }
        tx.commit()
            .map_err(|e| err("cannot commit the review; nothing was applied", e))?;
        Ok(changed)
    }

    /// A finding's history, oldest first.
    pub fn history(&self, fingerprint: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT at, from_status, to_status, who, note FROM finding_history WHERE fingerprint = ?1 ORDER BY id")
            .map_err(|e| err("cannot read history", e))?;
        let rows = stmt
            .query_map(params![fingerprint], |r| {
                Ok(HistoryEntry {
                    at: r.get(0)?,
                    from_status: r.get(1)?,
                    to_status: r.get(2)?,
                    who: r.get(3)?,
                    note: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| err("cannot read history", e))?;
        Ok(rows)
    }
}

fn bare_account(key: &str) -> AccountRef {
    let (platform, id) = key.split_once(':').unwrap_or(("app", key));
    AccountRef {
        id: key.to_string(),
        name: key.to_string(),
        platform: platform.parse().unwrap_or(crate::model::Platform::App),
        platform_account_id: id.to_string(),
        unit: String::new(),
        department: String::new(),
        leader: Default::default(),
        admin: Default::default(),
    }
}

/// Reviews of the stored state that matter to a run: every finding an
/// officer has touched (a verdict, a reviewer, a deadline or a note).
pub(super) fn non_new(reviews: Reviews) -> Reviews {
    reviews
        .into_iter()
        .filter(|(_, r)| *r != Review::default())
        .collect()
}
