//! One scan run: read each selected account's posts, skip what the state
//! store has already scanned, scan the rest in parallel, and record posts,
//! findings and the account's position in one transaction per account.
//!
//! Accounts are read one after another; each account's posts are read in
//! batches of [`BATCH_POSTS`] on a reading thread while the batch before is
//! scanned on the rayon pool the caller installed and written into the
//! account's open transaction. Each finding gets its review state there
//! ([`Reviewer`]: stored verdict, suppressions) and goes to a [`FindingSpool`]
//! (a temporary file, sorted a chunk at a time), so memory stays bounded by
//! three batches and one chunk of findings, whatever the size of the sources
//! and however many findings they give. A process that dies before an account's
//! commit leaves nothing of it in the store: the next run reads it again.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Local};
use rayon::prelude::*;

use crate::engine::{Engine, Scratch};
use crate::model::{
    Account, AccountRef, Finding, Novelty, Post, Review, ReviewStatus, Reviews, Severity,
};
use crate::operations::questions;
use crate::source::file::ExportReader;
use crate::source::net::{self, Fetched, NetClient};
use crate::source::ReadProblem;
use crate::spool::{FindingSpool, Findings, SpoolOptions};
use crate::store::{content_hash, AccountCommit, GoneFinding, ScannedPost, Store, StoreError};
use crate::suppress::{SuppressionUse, Suppressions};

/// Posts read before a batch is handed to the scanning threads.
pub const BATCH_POSTS: usize = 2048;

/// Problems kept per account for reports (the count covers them all).
pub const MAX_PROBLEMS_KEPT: usize = 100;

/// A place in a run where a test can stop the process (see [`Hold`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldPoint {
    /// After the account's posts and findings are written, before the commit.
    BeforeCommit,
    /// Right after the account's commit.
    AfterCommit,
}

/// Test hook: stop at a point of the n-th account (1-based), announce it on
/// stderr and wait to be killed. Set from `XUNJIAN_TEST_HOLD` by the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// Where.
    pub point: HoldPoint,
    /// Which account, counting from 1.
    pub account: usize,
}

/// What a run scans and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Scan only posts published at or after this time.
    pub since: Option<DateTime<FixedOffset>>,
    /// Scan only posts published before this time.
    pub until: Option<DateTime<FixedOffset>>,
    /// Scan posts again even when the store has scanned them unchanged.
    pub rescan: bool,
    /// Scan again the stored posts last scanned with other rule versions,
    /// from their stored text when the source no longer delivers them.
    pub rescan_changed_rules: bool,
    /// `pack@version,…` of the rules in use.
    pub rule_versions: String,
    /// Test hook.
    pub hold: Option<Hold>,
    /// Organisation-wide suppressions (`--suppressions FILE`).
    pub suppressions: Option<std::sync::Arc<Suppressions>>,
    /// How users' questions in comments are judged (Art. 12); `None`: not
    /// checked. A post with a question not yet answered is scanned again
    /// on every run, even unchanged, since its findings change with time.
    pub questions: Option<questions::Policy>,
    /// Where the run's findings are kept until the reports are written.
    pub spool: SpoolOptions,
}

/// How far one account's scan got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Every post was read and scanned.
    Complete,
    /// Some records or files could not be read; the rest were scanned.
    Incomplete,
    /// Nothing could be read.
    Failed,
}

impl AccountStatus {
    /// The identifier stored and reported.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Complete => "complete",
            AccountStatus::Incomplete => "incomplete",
            AccountStatus::Failed => "failed",
        }
    }
}

/// The outcome for one account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountResult {
    /// The account (shared by its findings).
    pub account: Arc<AccountRef>,
    /// How far the scan got.
    pub status: AccountStatus,
    /// Posts read from the source.
    pub posts_read: u64,
    /// Posts scanned in this run.
    pub posts_scanned: u64,
    /// Posts read but already scanned, unchanged, with the same rules.
    pub posts_unchanged: u64,
    /// Stored posts scanned again because the rules changed.
    pub posts_from_store: u64,
    /// Posts read but outside --since/--until.
    pub posts_out_of_range: u64,
    /// Posts scanned that had no publication time (kept even with --since/--until).
    pub posts_without_time: u64,
    /// Posts the source delivered only in part.
    pub posts_truncated: u64,
    /// Items the source reports as deleted (counted, not scanned).
    pub posts_deleted: u64,
    /// HTTP requests made for this account (network sources).
    pub requests: u64,
    /// Bytes of title and body text scanned.
    pub bytes_scanned: u64,
    /// Findings in this account in this run.
    pub findings: u64,
    /// Of those, findings first seen in this run.
    pub findings_new: u64,
    /// Every problem counted.
    pub problem_count: u64,
    /// The first [`MAX_PROBLEMS_KEPT`] problems.
    pub problems: Vec<String>,
    /// What could not be read beside the posts (e.g. comments without
    /// permission); the account stays complete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Progress of a run, reported after each batch.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Accounts finished so far.
    pub accounts_done: usize,
    /// Accounts selected.
    pub accounts_total: usize,
    /// The account being read.
    pub account: &'a str,
    /// Posts scanned so far in the run.
    pub posts: u64,
    /// Findings so far in the run.
    pub findings: u64,
    /// Time since the run started.
    pub elapsed: Duration,
}

/// A finding that no longer fires on a post scanned again, with its account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Gone {
    /// Registry id of the account.
    pub account: String,
    /// The stored finding.
    #[serde(flatten)]
    pub finding: GoneFinding,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct ScanOutcome {
    /// When the run started.
    pub started_at: DateTime<FixedOffset>,
    /// When the run finished.
    pub finished_at: DateTime<FixedOffset>,
    /// One result per selected account, in registry order.
    pub accounts: Vec<AccountResult>,
    /// Every finding of the run, spooled to a temporary file: read them
    /// back in report order ([`crate::spool::report_order`]) with
    /// `findings.iter()`; their counts need no reading.
    pub findings: Findings,
    /// Findings recorded earlier that no longer fire on posts scanned again.
    pub gone: Vec<Gone>,
    /// The review state of the findings and what it counted ([`Reviewer`]).
    pub review: Reviewed,
}

/// The review state of a run's findings ([`Reviewer`]).
#[derive(Debug, Clone, Default)]
pub struct Reviewed {
    /// The review state of the findings that have one (stored verdicts,
    /// suppressions); a finding absent here is `new` and counts. Memory:
    /// one entry per reviewed or suppressed finding.
    pub reviews: Reviews,
    /// How the suppressions file fared, when one was given.
    pub suppression_use: Option<SuppressionUse>,
    /// Findings suppressed (a false-positive verdict or a suppressions entry).
    pub suppressed: u64,
    /// Findings new in this run and not suppressed, by severity (index:
    /// position in [`Severity::ALL`]): what `--fail-on` looks at.
    pub alerting: [u64; Severity::ALL.len()],
}

impl ScanOutcome {
    /// True when every account was read completely.
    pub fn complete(&self) -> bool {
        self.accounts
            .iter()
            .all(|a| a.status == AccountStatus::Complete)
    }

    /// Posts scanned in all accounts.
    pub fn posts_scanned(&self) -> u64 {
        self.accounts.iter().map(|a| a.posts_scanned).sum()
    }

    /// Posts read in all accounts.
    pub fn posts_read(&self) -> u64 {
        self.accounts.iter().map(|a| a.posts_read).sum()
    }

    /// Posts skipped as already scanned.
    pub fn posts_unchanged(&self) -> u64 {
        self.accounts.iter().map(|a| a.posts_unchanged).sum()
    }

    /// Bytes scanned in all accounts.
    pub fn bytes_scanned(&self) -> u64 {
        self.accounts.iter().map(|a| a.bytes_scanned).sum()
    }

    /// Findings suppressed in this run (a false-positive verdict or a
    /// suppressions entry): listed, but not counted for `--fail-on`.
    pub fn findings_suppressed(&self) -> u64 {
        self.review.suppressed
    }

    /// Findings first seen in this run.
    pub fn findings_new(&self) -> u64 {
        self.findings.new_count()
    }

    /// True when a finding new in this run and not suppressed is at or
    /// above `threshold`.
    pub fn alerts_at(&self, threshold: Severity) -> bool {
        Severity::ALL
            .iter()
            .zip(self.review.alerting)
            .any(|(s, n)| *s >= threshold && n > 0)
    }
}

/// The current local time with its offset.
pub fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

/// The store of a run and the run's id in it.
pub struct RunStore<'a> {
    /// The store.
    pub store: &'a mut (dyn Store + Send),
    /// The run's id.
    pub run: i64,
}

/// Scans `accounts` on the current rayon pool, recording into `store` when
/// given, calling `progress` after every batch. Export accounts are read
/// first; network accounts are fetched by `net` (at most its `jobs` at a
/// time) and each is scanned as soon as its fetch completes. Fails only on a
/// store error (the accounts committed before it stay committed).
pub fn scan(
    engine: &Engine,
    accounts: &[&Account],
    options: &ScanOptions,
    mut store: Option<RunStore<'_>>,
    net: Option<&NetClient>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ScanOutcome, StoreError> {
    let started_at = now();
    let clock = Instant::now();
    let mut results: Vec<Option<AccountResult>> = vec![None; accounts.len()];
    let today = now().date_naive();
    let mut out = Collected {
        findings: FindingSpool::new(options.spool.clone()),
        gone: Vec::new(),
        reviewer: Reviewer::new(options.suppressions.as_deref(), today),
    };
    let mut posts_total = 0u64;
    let mut done = 0usize;
    let (remote, local): (Vec<usize>, Vec<usize>) =
        (0..accounts.len()).partition(|&i| net::is_network(&accounts[i].source));
    let mut scan_one = |i: usize,
                        source: AccountSource,
                        store: &mut Option<RunStore<'_>>,
                        out: &mut Collected<'_>|
     -> Result<(), StoreError> {
        let account = accounts[i];
        let mut tick = |posts_in_account: u64, findings_so_far: u64| {
            progress(Progress {
                accounts_done: done,
                accounts_total: accounts.len(),
                account: &account.id,
                posts: posts_total + posts_in_account,
                findings: findings_so_far,
                elapsed: clock.elapsed(),
            })
        };
        let mut run = AccountRun {
            engine,
            account,
            options,
            store: store.as_mut(),
            out,
            result: AccountResult::new(account),
            last_post_at: None,
            ordinal: i + 1,
        };
        if let Err(e) = run.run(source, &mut tick) {
            if let Some(s) = store.as_mut() {
                s.store.abort_account();
            }
            return Err(e);
        }
        posts_total += run.result.posts_scanned;
        done += 1;
        results[i] = Some(run.result);
        Ok(())
    };
    for &i in &local {
        scan_one(i, AccountSource::Export, &mut store, &mut out)?;
    }
    if !remote.is_empty() {
        let remote_accounts: Vec<&Account> = remote.iter().map(|&i| accounts[i]).collect();
        let mut cursors = Vec::with_capacity(remote.len());
        for a in &remote_accounts {
            let cursor = match (store.as_mut(), options.rescan) {
                (Some(s), false) => s.store.cursor(&a.key())?.0,
                _ => None,
            };
            cursors.push(cursor.and_then(|c| serde_json::from_str(&c).ok()));
        }
        let mut first_error: Option<StoreError> = None;
        let mut on_done = |k: usize, fetched: Fetched| {
            if first_error.is_none() {
                let r = scan_one(
                    remote[k],
                    AccountSource::Fetched(fetched),
                    &mut store,
                    &mut out,
                );
                if let Err(e) = r {
                    first_error = Some(e);
                }
            }
        };
        match net {
            Some(client) => net::fetch_all_blocking(
                client,
                &remote_accounts,
                &cursors,
                options.since,
                &mut on_done,
            ),
            None => {
                for k in 0..remote.len() {
                    on_done(
                        k,
                        Fetched::failed("no network client was set up for this run"),
                    );
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
    }
    progress(Progress {
        accounts_done: accounts.len(),
        accounts_total: accounts.len(),
        account: "",
        posts: posts_total,
        findings: out.findings.len(),
        elapsed: clock.elapsed(),
    });
    Ok(ScanOutcome {
        started_at,
        finished_at: now(),
        accounts: results.into_iter().flatten().collect(),
        findings: out.findings.finish().map_err(spool_error)?,
        gone: out.gone,
        review: out.reviewer.finish(),
    })
}

/// What the accounts' scans add to as they go.
struct Collected<'a> {
    findings: FindingSpool,
    gone: Vec<Gone>,
    reviewer: Reviewer<'a>,
}

/// The findings spool failed (the temporary file could not be written or
/// read back): the run cannot report, so it stops as on a store error.
fn spool_error(e: std::io::Error) -> StoreError {
    StoreError(format!(
        "cannot keep the run's findings for the reports: {e}"
    ))
}

/// Gives each finding of a run its review state as it is produced: its
/// stored verdict, marked suppressed when it is a false positive or when a
/// suppression in force on `today` matches it; and counts what depends on
/// it. Memory: one entry per finding with something to say (a verdict or a
/// suppression); nothing for the others.
pub struct Reviewer<'a> {
    suppressions: Option<&'a Suppressions>,
    today: chrono::NaiveDate,
    used: Vec<usize>,
    out: Reviewed,
}

impl<'a> Reviewer<'a> {
    /// A reviewer applying `suppressions` as they stand on `today`.
    pub fn new(suppressions: Option<&'a Suppressions>, today: chrono::NaiveDate) -> Reviewer<'a> {
        Reviewer {
            suppressions,
            today,
            used: suppressions.map_or_else(Vec::new, |s| vec![0; s.entries.len()]),
            out: Reviewed::default(),
        }
    }

    /// Gives `f` its review state from its stored verdict (`None`: the store
    /// has none, or there is no store). Cost: one test per suppression entry.
    pub fn add(&mut self, f: &Finding, stored: Option<&Review>) {
        let mut r: Review = stored.cloned().unwrap_or_default();
        if r.status == ReviewStatus::FalsePositive {
            let who = [r.reviewer.as_str(), r.reviewed_at.as_str()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            r.suppressed = Some(if who.is_empty() {
                "误报 / false positive".to_string()
            } else {
                format!("误报 / false positive ({who})")
            });
        }
        // An entry counts as used even when a verdict already suppresses
        // the finding.
        if let Some(s) = self.suppressions {
            if let Some(i) = s.position(f, self.today) {
                self.used[i] += 1;
                if r.suppressed.is_none() {
                    r.suppressed = Some(s.entries[i].describe(&s.file));
                }
            }
        }
        if r.suppressed.is_some() {
            self.out.suppressed += 1;
        } else if f.novelty == Novelty::New {
            if let Some(i) = Severity::ALL.iter().position(|s| *s == f.rule.severity) {
                self.out.alerting[i] += 1;
            }
        }
        if r != Review::default() {
            self.out.reviews.insert(f.fingerprint.clone(), r);
        }
    }

    /// The review state of every finding added.
    pub fn finish(mut self) -> Reviewed {
        self.out.suppression_use = self.suppressions.map(|s| s.usage_of(self.used, self.today));
        self.out
    }
}

/// Where one account's posts come from in this run.
enum AccountSource {
    /// A local export, read by [`ExportReader`].
    Export,
    /// What a connector fetched.
    Fetched(Fetched),
}

impl AccountResult {
    fn new(account: &Account) -> AccountResult {
        AccountResult {
            account: Arc::new(AccountRef::from(account)),
            status: AccountStatus::Complete,
            posts_read: 0,
            posts_scanned: 0,
            posts_unchanged: 0,
            posts_from_store: 0,
            posts_out_of_range: 0,
            posts_without_time: 0,
            posts_truncated: 0,
            posts_deleted: 0,
            requests: 0,
            bytes_scanned: 0,
            findings: 0,
            findings_new: 0,
            problem_count: 0,
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn note(&mut self, problem: &ReadProblem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS_KEPT {
            self.problems.push(problem.to_string());
        }
    }
}

/// The scan of one account.
struct AccountRun<'a, 's, 'o> {
    engine: &'a Engine,
    account: &'a Account,
    options: &'a ScanOptions,
    store: Option<&'a mut RunStore<'s>>,
    out: &'a mut Collected<'o>,
    result: AccountResult,
    last_post_at: Option<DateTime<FixedOffset>>,
    ordinal: usize,
}

impl AccountRun<'_, '_, '_> {
    fn run(
        &mut self,
        source: AccountSource,
        tick: &mut dyn FnMut(u64, u64),
    ) -> Result<(), StoreError> {
        let key = self.account.key();
        if let Some(s) = self.store.as_mut() {
            s.store.begin_account(&key)?;
        }
        let mut cursor = None;
        match source {
            AccountSource::Export => match ExportReader::open(&self.account.source) {
                Ok(reader) => self.read_all(reader, tick)?,
                Err(p) => {
                    self.result.status = AccountStatus::Failed;
                    self.result.note(&p);
                }
            },
            AccountSource::Fetched(f) => {
                self.result.posts_deleted = f.deleted.len() as u64;
                self.result.requests = u64::from(f.requests);
                for p in &f.problems {
                    self.result.note(p);
                }
                self.result.warnings = f.warnings.clone();
                if let Some(e) = &f.error {
                    self.result.note(&ReadProblem {
                        file: net::describe(&self.account.source),
                        line: None,
                        message: e.clone(),
                        fatal: true,
                    });
                }
                // A position is kept only when everything up to it was
                // scanned: not after --until (later posts were read but not
                // scanned) and not on a rescan (it must not move backwards).
                if self.options.until.is_none() && !self.options.rescan {
                    cursor = f.cursor.map(|c| c.to_string());
                }
                self.read_all(f.posts.into_iter().map(Ok), tick)?;
            }
        }
        if self.options.rescan_changed_rules {
            self.rescan_stored(tick)?;
        }
        if self.result.problem_count > 0 && self.result.status == AccountStatus::Complete {
            self.result.status = if self.result.posts_read == 0 {
                AccountStatus::Failed
            } else {
                AccountStatus::Incomplete
            };
        }
        self.hold(HoldPoint::BeforeCommit);
        if let Some(s) = self.store.as_mut() {
            let last = self.last_post_at.map(|t| t.to_rfc3339());
            s.store.finish_account(
                s.run,
                &key,
                &AccountCommit {
                    account_id: &self.account.id,
                    status: self.result.status.as_str(),
                    posts_read: self.result.posts_read,
                    posts_scanned: self.result.posts_scanned,
                    findings: self.result.findings,
                    problems: &self.result.problems,
                    cursor: cursor.as_deref(),
                    last_post_at: last.as_deref(),
                },
            )?;
        }
        self.hold(HoldPoint::AfterCommit);
        Ok(())
    }

    fn hold(&self, point: HoldPoint) {
        if self.options.hold
            == Some(Hold {
                point,
                account: self.ordinal,
            })
        {
            eprintln!("xunjian-test-hold {point:?} {}", self.ordinal);
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
    }

    /// Reads the posts on a thread of their own, scans each batch on the
    /// thread pool while this thread records the batch before (SQLite, the
    /// spool, the review), so parsing JSON, matching and recording overlap.
    /// The reader sends whole batches of [`BATCH_POSTS`] through a channel
    /// of one: at most four batches are alive (being read, waiting, being
    /// scanned, being recorded).
    ///
    /// Looking batch N + 1 up in the store before batch N is recorded gives
    /// the same answers as after: the reader passes each post id of the
    /// account once, so no post of N + 1 is in N.
    fn read_all(
        &mut self,
        reader: impl Iterator<Item = Result<Post, ReadProblem>> + Send,
        tick: &mut dyn FnMut(u64, u64),
    ) -> Result<(), StoreError> {
        let filter = ReadFilter {
            account_id: self.account.id.clone(),
            since: self.options.since,
            until: self.options.until,
        };
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<ReadBatch>(1);
            scope.spawn(move || filter.read(reader, &tx));
            let mut batches = rx.into_iter();
            self.scan_all(tick, |this| {
                let Some(batch) = batches.next() else {
                    return Ok(None);
                };
                this.apply(&batch);
                this.prepare(batch.posts, false).map(Some)
            })
        })
    }

    /// Scans and records the batches `next` prepares until it returns
    /// `None`, one batch in flight: batch N + 1 is scanned on the thread
    /// pool this runs in (`--jobs`) while this thread records batch N,
    /// then helps with the scan. `next` runs before batch N is recorded,
    /// so what it asks the store must not depend on batch N's record (the
    /// reader passes each post id once; stored posts are paged by id).
    fn scan_all(
        &mut self,
        tick: &mut dyn FnMut(u64, u64),
        mut next: impl FnMut(&mut Self) -> Result<Option<Prepared>, StoreError>,
    ) -> Result<(), StoreError> {
        let (engine, options) = (self.engine, self.options);
        let account = self.result.account.clone();
        let mut waiting: Option<Scanned> = None;
        while let Some(prepared) = next(self)? {
            let mut found = Vec::new();
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| found = scan_batch(engine, options, &account, &prepared));
                waiting.take().map_or(Ok(()), |w| self.record(w))
            })?;
            waiting = Some(Scanned { prepared, found });
            tick(self.result.posts_scanned, self.out.findings.len());
        }
        if let Some(w) = waiting {
            self.record(w)?;
            tick(self.result.posts_scanned, self.out.findings.len());
        }
        Ok(())
    }

    /// Adds what reading one batch counted to the account's result.
    fn apply(&mut self, batch: &ReadBatch) {
        for p in &batch.problems {
            self.result.note(p);
        }
        self.result.posts_read += batch.posts_read;
        self.result.posts_out_of_range += batch.posts_out_of_range;
        self.result.posts_without_time += batch.posts_without_time;
        if let Some(t) = batch.last_post_at {
            if self.last_post_at.is_none_or(|l| t > l) {
                self.last_post_at = Some(t);
            }
        }
    }

    /// Scans again the stored posts last scanned with other rule versions
    /// (`--rescan-changed-rules`), in pages of [`BATCH_POSTS`] by post id.
    fn rescan_stored(&mut self, tick: &mut dyn FnMut(u64, u64)) -> Result<(), StoreError> {
        let key = self.account.key();
        // The last post id of the page before: each page starts after it,
        // so a page costs its own posts, not the ones rescanned before it.
        let mut after: Option<String> = None;
        self.scan_all(tick, |this| {
            let Some(s) = this.store.as_mut() else {
                return Ok(None);
            };
            let stored = s.store.stale_posts(
                s.run,
                &key,
                &this.options.rule_versions,
                after.as_deref(),
                BATCH_POSTS,
            )?;
            let Some(last) = stored.last() else {
                return Ok(None);
            };
            after = Some(last.post.id.clone());
            this.result.posts_from_store += stored.len() as u64;
            this.prepare(stored.into_iter().map(|p| p.post).collect(), true)
                .map(Some)
        })
    }

    /// Looks a batch up in the store: which posts it has seen as they are
    /// (not scanned again) and which it holds at all.
    /// `forced`: scan every post (they came from the store).
    fn prepare(&mut self, batch: Vec<Post>, forced: bool) -> Result<Prepared, StoreError> {
        // Content hashes tell the store what changed; without one they are not needed.
        let hashes: Vec<String> = if self.store.is_some() {
            batch.par_iter().map(content_hash).collect()
        } else {
            Vec::new()
        };
        let key = self.account.key();
        let mut wanted = vec![true; batch.len()];
        // Whether the store may hold each post already (see `ScannedPost::stored`).
        let mut stored = vec![true; batch.len()];
        if let (Some(s), false, false) = (self.store.as_mut(), forced, self.options.rescan) {
            let ids: Vec<&str> = batch.iter().map(|p| p.id.as_str()).collect();
            let known = s.store.known_posts(&key, &ids)?;
            for (i, p) in batch.iter().enumerate() {
                stored[i] = known.contains_key(&p.id);
                if let Some(k) = known.get(&p.id) {
                    let same_rules = k.rule_versions == self.options.rule_versions;
                    let open_question = self
                        .options
                        .questions
                        .as_ref()
                        .is_some_and(|q| questions::has_open_question(p, q));
                    if k.content_hash == hashes[i]
                        && (same_rules || !self.options.rescan_changed_rules)
                        && !open_question
                    {
                        wanted[i] = false;
                    }
                }
            }
        }
        Ok(Prepared {
            batch,
            hashes,
            wanted,
            stored,
        })
    }

    /// Records a scanned batch: its posts and findings in the store (which
    /// tells which findings are known and which are gone), the findings in
    /// the spool and the review, the counts in the account's result.
    fn record(&mut self, scanned: Scanned) -> Result<(), StoreError> {
        let Scanned {
            prepared:
                Prepared {
                    batch,
                    hashes,
                    stored,
                    ..
                },
            found: mut scanned,
        } = scanned;
        if batch.is_empty() {
            return Ok(());
        }
        let key = self.account.key();
        self.result.posts_unchanged += (batch.len() - scanned.len()) as u64;
        let mut verdicts = Reviews::new();
        if let Some(s) = self.store.as_mut() {
            let records: Vec<ScannedPost<'_>> = scanned
                .iter()
                .map(|(i, f)| ScannedPost {
                    post: &batch[*i],
                    content_hash: &hashes[*i],
                    findings: f,
                    stored: stored[*i],
                })
                .collect();
            let outcome =
                s.store
                    .record_batch(s.run, &key, &self.options.rule_versions, &records)?;
            let known: HashSet<&str> = outcome.known.iter().map(String::as_str).collect();
            for f in scanned.iter_mut().flat_map(|(_, fs)| fs.iter_mut()) {
                if known.contains(f.fingerprint.as_str()) {
                    f.novelty = Novelty::Known;
                }
            }
            self.out.gone.extend(outcome.gone.into_iter().map(|g| Gone {
                account: self.account.id.clone(),
                finding: g,
            }));
            // Findings known before this run keep their verdicts.
            let fps: Vec<&str> = scanned
                .iter()
                .flat_map(|(_, fs)| fs.iter().map(|f| f.fingerprint.as_str()))
                .collect();
            if !fps.is_empty() {
                verdicts = s.store.reviews(&fps)?;
            }
        }
        for (i, _) in &scanned {
            let p = &batch[*i];
            self.result.posts_scanned += 1;
            self.result.bytes_scanned += (p.title.len()
                + p.text.len()
                + p.comments.iter().map(|c| c.text.len()).sum::<usize>())
                as u64;
            if p.truncated {
                self.result.posts_truncated += 1;
            }
        }
        for (_, fs) in scanned {
            self.result.findings += fs.len() as u64;
            self.result.findings_new +=
                fs.iter().filter(|f| f.novelty == Novelty::New).count() as u64;
            for f in &fs {
                self.out.reviewer.add(f, verdicts.get(&f.fingerprint));
            }
            self.out.findings.extend(fs).map_err(spool_error)?;
        }
        Ok(())
    }
}

/// A batch looked up in the store ([`AccountRun::prepare`]), ready to scan.
struct Prepared {
    batch: Vec<Post>,
    /// Content hash of each post (none without a store).
    hashes: Vec<String>,
    /// Whether each post is scanned (the store has not seen it as it is).
    wanted: Vec<bool>,
    /// Whether the store may hold each post already.
    stored: Vec<bool>,
}

/// A batch scanned, waiting for [`AccountRun::record`].
struct Scanned {
    prepared: Prepared,
    /// The index in the batch and the findings of each post scanned.
    found: Vec<(usize, Vec<Finding>)>,
}

/// Scans the wanted posts of a batch on all threads (rayon), with the
/// open-question findings of `options`' policy. Touches no store, so it
/// runs while the batch before is recorded.
fn scan_batch(
    engine: &Engine,
    options: &ScanOptions,
    account: &Arc<AccountRef>,
    prepared: &Prepared,
) -> Vec<(usize, Vec<Finding>)> {
    let policy = options.questions.as_ref();
    prepared
        .batch
        .par_iter()
        .enumerate()
        .filter(|(i, _)| prepared.wanted[*i])
        .map_init(Scratch::new, |scratch, (i, post)| {
            let mut found = engine.scan_post(account, post, scratch);
            if let Some(policy) = policy {
                found.extend(questions::findings(account, post, policy));
            }
            (i, found)
        })
        .collect()
}

/// The posts of one batch as read, and what reading them counted.
#[derive(Debug, Default)]
struct ReadBatch {
    posts: Vec<Post>,
    problems: Vec<ReadProblem>,
    posts_read: u64,
    posts_out_of_range: u64,
    posts_without_time: u64,
    last_post_at: Option<DateTime<FixedOffset>>,
}

/// What the reading thread needs to sort posts into batches: duplicates and
/// posts outside `--since`/`--until` are counted, not scanned.
struct ReadFilter {
    account_id: String,
    since: Option<DateTime<FixedOffset>>,
    until: Option<DateTime<FixedOffset>>,
}

impl ReadFilter {
    /// Reads every post of `reader` into batches of [`BATCH_POSTS`] sent on
    /// `tx` (the last one possibly short or empty, so its counts arrive).
    /// Stops early when the receiver is gone (the scan failed).
    fn read(
        &self,
        reader: impl Iterator<Item = Result<Post, ReadProblem>>,
        tx: &std::sync::mpsc::SyncSender<ReadBatch>,
    ) {
        let mut seen: HashSet<String> = HashSet::new();
        let mut batch = ReadBatch::default();
        for item in reader {
            let post = match item {
                Ok(p) => p,
                Err(p) => {
                    batch.problems.push(p);
                    continue;
                }
            };
            batch.posts_read += 1;
            if !seen.insert(post.id.clone()) {
                batch.problems.push(ReadProblem {
                    file: self.account_id.clone(),
                    line: None,
                    message: format!(
                        "post id `{}` appears more than once; only the first was scanned",
                        post.id
                    ),
                    fatal: false,
                });
                continue;
            }
            match post.published_at {
                Some(t)
                    if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) =>
                {
                    batch.posts_out_of_range += 1;
                    continue;
                }
                Some(t) => {
                    if batch.last_post_at.is_none_or(|l| t > l) {
                        batch.last_post_at = Some(t);
                    }
                }
                None => batch.posts_without_time += 1,
            }
            batch.posts.push(post);
            if batch.posts.len() == BATCH_POSTS && tx.send(std::mem::take(&mut batch)).is_err() {
                return;
            }
        }
        let _ = tx.send(batch);
    }
}
