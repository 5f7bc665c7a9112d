//! One scan run: read each selected account's posts, scan them in parallel,
//! collect findings and per-account results.
//!
//! Accounts are read one after another; each account's posts are read in
//! batches of [`BATCH_POSTS`] and every batch is scanned on the rayon pool
//! the caller installed, so memory stays bounded by one batch plus the
//! findings, whatever the size of the exports.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Local};
use rayon::prelude::*;

use crate::engine::{Engine, Scratch};
use crate::model::{Account, AccountRef, Finding, Post};
use crate::source::file::ExportReader;
use crate::source::ReadProblem;

/// Posts read before a batch is handed to the scanning threads.
pub const BATCH_POSTS: usize = 2048;

/// Problems kept per account for reports (the count covers them all).
pub const MAX_PROBLEMS_KEPT: usize = 100;

/// How a run treats posts by date.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Scan only posts published at or after this time.
    pub since: Option<DateTime<FixedOffset>>,
    /// Scan only posts published before this time.
    pub until: Option<DateTime<FixedOffset>>,
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

/// The outcome for one account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountResult {
    /// The account.
    pub account: AccountRef,
    /// How far the scan got.
    pub status: AccountStatus,
    /// Posts read from the source.
    pub posts_read: u64,
    /// Posts scanned (read and within --since/--until).
    pub posts_scanned: u64,
    /// Posts read but outside --since/--until.
    pub posts_out_of_range: u64,
    /// Posts scanned that had no publication time (kept even with --since/--until).
    pub posts_without_time: u64,
    /// Bytes of title and body text scanned.
    pub bytes_scanned: u64,
    /// Findings in this account.
    pub findings: u64,
    /// Every problem counted.
    pub problem_count: u64,
    /// The first [`MAX_PROBLEMS_KEPT`] problems.
    pub problems: Vec<String>,
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

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct ScanOutcome {
    /// When the run started.
    pub started_at: DateTime<FixedOffset>,
    /// When the run finished.
    pub finished_at: DateTime<FixedOffset>,
    /// One result per selected account, in registry order.
    pub accounts: Vec<AccountResult>,
    /// Every finding, sorted by [`sort_findings`].
    pub findings: Vec<Finding>,
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

    /// Bytes scanned in all accounts.
    pub fn bytes_scanned(&self) -> u64 {
        self.accounts.iter().map(|a| a.bytes_scanned).sum()
    }
}

/// The current local time with its offset.
pub fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

/// Scans `accounts` on the current rayon pool, calling `progress` after
/// every batch.
pub fn scan(
    engine: &Engine,
    accounts: &[&Account],
    options: &ScanOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> ScanOutcome {
    let started_at = now();
    let clock = Instant::now();
    let mut results = Vec::with_capacity(accounts.len());
    let mut findings = Vec::new();
    let mut posts_total = 0u64;
    for (done, account) in accounts.iter().enumerate() {
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
        let result = scan_account(engine, account, options, &mut findings, &mut tick);
        posts_total += result.posts_scanned;
        results.push(result);
    }
    progress(Progress {
        accounts_done: accounts.len(),
        accounts_total: accounts.len(),
        account: "",
        posts: posts_total,
        findings: findings.len() as u64,
        elapsed: clock.elapsed(),
    });
    sort_findings(&mut findings);
    ScanOutcome {
        started_at,
        finished_at: now(),
        accounts: results,
        findings,
    }
}

fn scan_account(
    engine: &Engine,
    account: &Account,
    options: &ScanOptions,
    findings: &mut Vec<Finding>,
    tick: &mut dyn FnMut(u64, u64),
) -> AccountResult {
    let account_ref = AccountRef::from(account);
    let mut result = AccountResult {
        account: account_ref.clone(),
        status: AccountStatus::Complete,
        posts_read: 0,
        posts_scanned: 0,
        posts_out_of_range: 0,
        posts_without_time: 0,
        bytes_scanned: 0,
        findings: 0,
        problem_count: 0,
        problems: Vec::new(),
    };
    let reader = match ExportReader::open(&account.source) {
        Ok(r) => r,
        Err(p) => {
            result.status = AccountStatus::Failed;
            note(&mut result, &p);
            return result;
        }
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut batch: Vec<Post> = Vec::with_capacity(BATCH_POSTS);
    let flush = |batch: &mut Vec<Post>, result: &mut AccountResult, findings: &mut Vec<Finding>| {
        let found: Vec<Vec<Finding>> = batch
            .par_iter()
            .map_init(Scratch::new, |scratch, post| {
                engine.scan_post(&account_ref, post, scratch)
            })
            .collect();
        for f in found {
            result.findings += f.len() as u64;
            findings.extend(f);
        }
        batch.clear();
    };
    for item in reader {
        let post = match item {
            Ok(p) => p,
            Err(p) => {
                note(&mut result, &p);
                continue;
            }
        };
        result.posts_read += 1;
        if !seen.insert(post.id.clone()) {
            note(
                &mut result,
                &ReadProblem {
                    file: account.id.clone(),
                    line: None,
                    message: format!(
                        "post id `{}` appears more than once; only the first was scanned",
                        post.id
                    ),
                    fatal: false,
                },
            );
            continue;
        }
        match post.published_at {
            Some(t)
                if options.since.is_some_and(|s| t < s)
                    || options.until.is_some_and(|u| t >= u) =>
            {
                result.posts_out_of_range += 1;
                continue;
            }
            None => result.posts_without_time += 1,
            Some(_) => {}
        }
        result.posts_scanned += 1;
        result.bytes_scanned += (post.title.len() + post.text.len()) as u64;
        batch.push(post);
        if batch.len() == BATCH_POSTS {
            flush(&mut batch, &mut result, findings);
            tick(result.posts_scanned, findings.len() as u64);
        }
    }
    flush(&mut batch, &mut result, findings);
    tick(result.posts_scanned, findings.len() as u64);
    if result.problem_count > 0 && result.status == AccountStatus::Complete {
        result.status = if result.posts_read == 0 {
            AccountStatus::Failed
        } else {
            AccountStatus::Incomplete
        };
    }
    result
}

fn note(result: &mut AccountResult, problem: &ReadProblem) {
    result.problem_count += 1;
    if result.problems.len() < MAX_PROBLEMS_KEPT {
        result.problems.push(problem.to_string());
    }
}

/// The order of findings in every report: unit, account, publication time,
/// post, field, position, rule, match. Deterministic for a given input.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            &a.account.unit,
            &a.account.id,
            &a.post.published_at,
            &a.post.id,
            a.field,
            a.char_start,
            &a.rule.id,
            &a.normalized,
        )
            .cmp(&(
                &b.account.unit,
                &b.account.id,
                &b.post.published_at,
                &b.post.id,
                b.field,
                b.char_start,
                &b.rule.id,
                &b.normalized,
            ))
    });
}
