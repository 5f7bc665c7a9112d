//! The state a nightly scan keeps between runs: runs, per-account cursors,
//! the posts already scanned, findings by fingerprint with their status
//! history, and registry snapshots.
//!
//! The pipeline talks to a [`Store`]; [`sqlite::SqliteStore`] is the
//! embedded implementation (one SQLite file, bundled library). A server
//! database can sit behind the same trait later.
//!
//! Per account, the pipeline calls [`Store::begin_account`], then
//! [`Store::known_posts`] and [`Store::record_batch`] for each batch, then
//! [`Store::finish_account`], which commits everything (posts, findings,
//! cursor) in one transaction. A process that dies before that commit leaves
//! nothing of the account behind, so the next run reads its posts again:
//! nothing is lost and nothing is recorded twice.

pub mod accounts;
pub mod lock;
pub mod review;
pub mod sqlite;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::model::{Account, Finding, Post};

/// A problem with the state database: what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// What a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// A scheduled or manual scan of new posts.
    Nightly,
    /// A rescan of selected accounts (`--rescan`).
    Rescan,
    /// A draft check.
    Check,
    /// A registry import (`xunjian accounts import`): records a registry
    /// snapshot, scans nothing.
    Import,
    /// A registry audit (`xunjian accounts audit`): records its findings,
    /// scans nothing.
    Audit,
}

impl RunKind {
    /// The identifier stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Nightly => "nightly",
            RunKind::Rescan => "rescan",
            RunKind::Check => "check",
            RunKind::Import => "import",
            RunKind::Audit => "audit",
        }
    }
}

/// What is recorded when a run starts.
#[derive(Debug, Clone)]
pub struct RunStart {
    /// Human label, also the report folder name (`20261126T020000`).
    pub label: String,
    /// Kind of run.
    pub kind: RunKind,
    /// Command-line arguments.
    pub arguments: Vec<String>,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// `pack@version` of every rule pack, comma-separated: posts scanned with
    /// another value are stale when the rules change.
    pub rule_versions: String,
}

/// Totals recorded when a run ends.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunTotals {
    /// `complete`, `incomplete` or `failed`.
    pub status: String,
    /// End time, RFC 3339.
    pub finished_at: String,
    /// Accounts read completely.
    pub accounts_ok: u64,
    /// Accounts incomplete or failed.
    pub accounts_failed: u64,
    /// Posts read from sources.
    pub posts_fetched: u64,
    /// Posts scanned.
    pub posts_scanned: u64,
    /// Findings first seen in this run.
    pub findings_new: u64,
    /// Findings seen again.
    pub findings_existing: u64,
}

/// What the store knows of a post already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPost {
    /// Content hash when last scanned.
    pub content_hash: String,
    /// Rule versions it was last scanned with.
    pub rule_versions: String,
}

/// One post scanned in this run, with its findings.
#[derive(Debug, Clone)]
pub struct ScannedPost<'a> {
    /// The post.
    pub post: &'a Post,
    /// Its content hash.
    pub content_hash: &'a str,
    /// Its findings in this run (possibly none).
    pub findings: &'a [Finding],
    /// Whether the store may already hold the post and findings of it:
    /// `false` only for a post [`Store::known_posts`] just did not find,
    /// which spares the look-up of its earlier findings.
    pub stored: bool,
}

/// A finding recorded earlier for a post scanned again in this run that
/// did not fire this time (the post was edited, or the rules changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoneFinding {
    /// Fingerprint.
    pub fingerprint: String,
    /// Post id.
    pub post_id: String,
    /// Rule id.
    pub rule_id: String,
    /// The normalized match.
    pub normalized: String,
    /// Review status it keeps (`new`, `confirmed`, …).
    pub status: String,
}

/// What recording a batch learned.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    /// Fingerprints of findings already known before this run.
    pub known: Vec<String>,
    /// Findings that no longer fire on the posts of the batch.
    pub gone: Vec<GoneFinding>,
}

/// A change of an account's responsible leader or administrator, noticed
/// by comparing the registry with the previous run's snapshot (Art. 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactChange {
    /// Registry id.
    pub account_id: String,
    /// `leader` or `admin`.
    pub role: String,
    /// The name before.
    pub before: String,
    /// The name after.
    pub after: String,
}

/// A stored post whose text can be scanned again without fetching it.
#[derive(Debug, Clone)]
pub struct StoredPost {
    /// The post, rebuilt from the store.
    pub post: Post,
    /// Its content hash.
    pub content_hash: String,
}

/// One row of the run history.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    /// Database id.
    pub id: i64,
    /// Label (report folder name).
    pub label: String,
    /// Kind.
    pub kind: String,
    /// Status: `running`, `complete`, `incomplete`, `failed`.
    pub status: String,
    /// Start time.
    pub started_at: String,
    /// End time, if it ended.
    pub finished_at: Option<String>,
    /// Totals.
    pub totals: RunTotals,
    /// Arguments.
    pub arguments: String,
    /// Rule versions.
    pub rule_versions: String,
    /// Why it failed, when it did.
    pub note: String,
}

/// One account's line in a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunAccountRow {
    /// Registry id.
    pub account_id: String,
    /// Status.
    pub status: String,
    /// Posts read.
    pub posts_read: u64,
    /// Posts scanned.
    pub posts_scanned: u64,
    /// Findings.
    pub findings: u64,
    /// Problems (file:line: message).
    pub problems: Vec<String>,
}

/// The per-account result the store records with the commit.
#[derive(Debug, Clone)]
pub struct AccountCommit<'a> {
    /// Registry id.
    pub account_id: &'a str,
    /// `complete`, `incomplete` or `failed`.
    pub status: &'a str,
    /// Posts read.
    pub posts_read: u64,
    /// Posts scanned.
    pub posts_scanned: u64,
    /// Findings in this run.
    pub findings: u64,
    /// Problems.
    pub problems: &'a [String],
    /// The new cursor (source position), if the source has one.
    pub cursor: Option<&'a str>,
    /// Publication time of the newest post seen, RFC 3339.
    pub last_post_at: Option<&'a str>,
}

/// The state store the pipeline records into.
pub trait Store {
    /// Records the start of a run and returns its id and label (the given
    /// label, with `-2`, `-3`… appended if a run already has it). Runs left
    /// `running` by a process that died are marked failed first.
    fn start_run(&mut self, start: &RunStart) -> Result<(i64, String), StoreError>;

    /// Records the end of a run.
    fn finish_run(&mut self, run: i64, totals: &RunTotals, note: &str) -> Result<(), StoreError>;

    /// Snapshots the registry for `run` and returns the leader/administrator
    /// changes since the previous snapshot (kept as dated history).
    fn record_registry(
        &mut self,
        run: i64,
        at: &str,
        accounts: &[&Account],
    ) -> Result<Vec<ContactChange>, StoreError>;

    /// The stored cursor and newest post time of an account.
    fn cursor(&mut self, account_key: &str)
        -> Result<(Option<String>, Option<String>), StoreError>;

    /// Opens the account's transaction.
    fn begin_account(&mut self, account_key: &str) -> Result<(), StoreError>;

    /// What the store knows of these posts of the account.
    fn known_posts(
        &mut self,
        account_key: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, KnownPost>, StoreError>;

    /// Records scanned posts and their findings inside the open transaction.
    fn record_batch(
        &mut self,
        run: i64,
        account_key: &str,
        rule_versions: &str,
        posts: &[ScannedPost<'_>],
    ) -> Result<BatchOutcome, StoreError>;

    /// Stored posts of the account last scanned with other rule versions,
    /// not yet scanned in `run`, whose text is still kept: at most `limit`,
    /// in order of post id, from the first id after `after` (a page of
    /// them; `None`: from the first). Cost: the page's posts, read by the
    /// primary key.
    fn stale_posts(
        &mut self,
        run: i64,
        account_key: &str,
        rule_versions: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError>;

    /// Records the account's result and cursor and commits its transaction.
    fn finish_account(
        &mut self,
        run: i64,
        account_key: &str,
        commit: &AccountCommit<'_>,
    ) -> Result<(), StoreError>;

    /// The stored review state of those of `fingerprints` an officer has
    /// decided on (absent: `new`), so a run reports each finding with its
    /// verdict and keeps false positives suppressed. One indexed lookup per
    /// fingerprint.
    fn reviews(&mut self, fingerprints: &[&str]) -> Result<crate::model::Reviews, StoreError>;

    /// Rolls the account's transaction back (after a store error).
    fn abort_account(&mut self);

    /// The run history, newest first.
    fn runs(&mut self, limit: usize) -> Result<Vec<RunRow>, StoreError>;

    /// One run and its accounts, by id or label.
    fn run(
        &mut self,
        id_or_label: &str,
    ) -> Result<Option<(RunRow, Vec<RunAccountRow>)>, StoreError>;
}

/// The content hash of a post: SHA-256 of title, text and (when there are
/// any) its comments, 32 hex digits. An edited post, or one with a new,
/// edited or deleted comment, gets a new hash and is scanned again; a post
/// without comments keeps the hash it had before comments were read.
pub fn content_hash(post: &Post) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(post.title.as_bytes());
    h.update([0]);
    h.update(post.text.as_bytes());
    for c in &post.comments {
        h.update([0x1e]);
        for part in [
            c.id.as_str(),
            c.author.as_str(),
            c.text.as_str(),
            c.reply_to.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.update(
            c.published_at
                .map(|t| t.timestamp().to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        h.update([u8::from(c.from_account)]);
    }
    crate::engine::findings::hex(&h.finalize()[..16])
}
