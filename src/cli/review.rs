//! `xunjian review export` and `xunjian review import`: the officers'
//! review round trip through the state database.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{fail, DbArg, Exit};
use crate::model::{Category, ReviewStatus, Reviews, Severity};
use crate::report::{self, Lang, Redact};
use crate::review::{self, RowOutcome};
use crate::spool::{FindingSpool, Findings, SpoolOptions};
use crate::store::review::{ReviewChange, StoredFinding};
use crate::store::sqlite::SqliteStore;

#[derive(Subcommand, Debug)]
pub(super) enum ReviewCommand {
    /// Write the findings to review as the officers' CSV (with 指纹 and the review columns).
    Export(ExportArgs),
    /// Read an edited review CSV back: validate every row, then apply all or nothing.
    Import(ImportArgs),
}

/// Which stored findings to list.
#[derive(Args, Debug, Clone, Default)]
pub(super) struct FindingFilter {
    /// Only findings with this review status (new, confirmed, false_positive, resolved, pending); repeatable.
    #[arg(long = "status", value_name = "STATUS")]
    statuses: Vec<ReviewStatus>,
    /// Only this host unit; repeatable.
    #[arg(long = "unit", value_name = "UNIT")]
    units: Vec<String>,
    /// Only this account (registry id); repeatable.
    #[arg(long = "account", value_name = "ID")]
    accounts: Vec<String>,
    /// Only this category; repeatable.
    #[arg(long = "category", value_name = "CATEGORY")]
    categories: Vec<Category>,
    /// Only this severity; repeatable.
    #[arg(long = "severity", value_name = "SEVERITY")]
    severities: Vec<Severity>,
    /// Only findings reported by this run (id or label).
    #[arg(long, value_name = "RUN")]
    run: Option<String>,
    /// Only posts published on or after this day (YYYY-MM-DD; undated posts: the day first seen).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Only posts published on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct ExportArgs {
    #[command(flatten)]
    db: DbArg,
    #[command(flatten)]
    filter: FindingFilter,
    /// The CSV to write.
    #[arg(long, short, value_name = "FILE", default_value = "review.csv")]
    out: PathBuf,
    /// Mask personal information in evidence and snippets.
    #[arg(long, value_name = "WHAT")]
    redact: Option<Redact>,
    /// Language of headers and labels.
    #[arg(long, default_value = "zh")]
    lang: Lang,
}

#[derive(Args, Debug)]
pub(super) struct ImportArgs {
    /// The edited CSV (UTF-8 with or without BOM, or GB18030/GBK as Excel saves it).
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// Recorded as who made the change when a row names no 复核人.
    #[arg(long, value_name = "NAME", default_value = "import")]
    by: String,
    /// Validate and print the report, apply nothing.
    #[arg(long)]
    dry_run: bool,
    /// Seconds to wait for a scan holding the state database.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    lock_wait: u64,
}

/// Parses a `--from`/`--to` day.
pub(super) fn day(flag: &str, v: &Option<String>) -> Result<Option<chrono::NaiveDate>, String> {
    v.as_deref()
        .map(|s| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| format!("{flag} `{s}` is not a date: write YYYY-MM-DD"))
        })
        .transpose()
}

impl FindingFilter {
    /// Calls `each` for every stored finding this filter selects, oldest
    /// first, one at a time (nothing is collected).
    pub(super) fn each(
        &self,
        store: &mut SqliteStore,
        mut each: impl FnMut(StoredFinding) -> Result<(), String>,
    ) -> Result<(), String> {
        let from = day("--from", &self.from)?;
        let to = day("--to", &self.to)?;
        let run_id =
            match &self.run {
                None => None,
                Some(r) => {
                    let row = crate::store::Store::run(store, r).map_err(|e| e.to_string())?;
                    Some(row.map(|(r, _)| r.id).ok_or_else(|| {
                        format!("--run {r}: no such run; see `xunjian runs list`")
                    })?)
                }
            };
        let selects = |f: &StoredFinding| {
            let d = report::accountability::finding_day(f);
            (self.statuses.is_empty() || self.statuses.contains(&f.review.status))
                && (self.units.is_empty() || self.units.contains(&f.finding.account.unit))
                && (self.accounts.is_empty() || self.accounts.contains(&f.finding.account.id))
                && (self.categories.is_empty()
                    || self.categories.contains(&f.finding.rule.category))
                && (self.severities.is_empty()
                    || self.severities.contains(&f.finding.rule.severity))
                && run_id.is_none_or(|r| f.first_run_id <= r && r <= f.last_run_id)
                && from.is_none_or(|x| d.is_some_and(|d| d >= x))
                && to.is_none_or(|x| d.is_some_and(|d| d <= x))
        };
        // `each`'s own error, kept apart from the store's.
        let mut failed = None;
        let read = store.each_stored_finding(|f| {
            if !selects(&f) {
                return Ok(());
            }
            each(f).map_err(|e| {
                failed = Some(e);
                crate::store::StoreError("stopped".into())
            })
        });
        match (failed, read) {
            (Some(e), _) => Err(e),
            (None, r) => r.map_err(|e| e.to_string()),
        }
    }
}

/// Stored findings gathered for a report as they are read: spooled in
/// report order (sorted chunks on disk) with their review states, so memory
/// holds one chunk and the states, not every finding.
pub(super) struct Gathered {
    spool: FindingSpool,
    reviews: Reviews,
    /// The spool's first write error: the read stops there, and
    /// [`Gathered::finish`] returns it.
    failed: Option<std::io::Error>,
}

impl Gathered {
    /// Nothing gathered yet.
    pub(super) fn new() -> Gathered {
        Gathered {
            spool: FindingSpool::new(SpoolOptions::default()),
            reviews: Reviews::new(),
            failed: None,
        }
    }

    /// Adds a finding and its review state; on a spool write error, keeps
    /// it and returns its message, to stop the read.
    pub(super) fn add(&mut self, f: StoredFinding) -> Result<(), String> {
        self.reviews.insert(f.finding.fingerprint.clone(), f.review);
        self.spool.push(f.finding).map_err(|e| {
            let message = e.to_string();
            self.failed = Some(e);
            message
        })
    }

    /// Whether a spool write failed (and so stopped the read).
    pub(super) fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// The findings in report order and their review states.
    pub(super) fn finish(self) -> std::io::Result<(Findings, Reviews)> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        Ok((self.spool.finish()?, self.reviews))
    }
}

/// `xunjian review`.
pub(super) fn run(c: ReviewCommand) -> Exit {
    match c {
        ReviewCommand::Export(a) => export(a),
        ReviewCommand::Import(a) => import(a),
    }
}

fn export(a: ExportArgs) -> Exit {
    let mut store = match a.db.open() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut gathered = Gathered::new();
    let selected = a.filter.each(&mut store, |f| gathered.add(f));
    if let (Err(e), false) = (selected, gathered.failed()) {
        return fail(e);
    }
    let (mut findings, reviews) = match gathered.finish() {
        Ok(g) => g,
        Err(e) => {
            eprintln!(
                "xunjian: cannot order the findings for {}: {e}",
                a.out.display()
            );
            return Exit::ReportFailed;
        }
    };
    if a.redact.is_some() {
        findings = findings.mapped(report::redact::redact_finding);
    }
    if let Err(e) = report::csv::write(&a.out, &findings, &reviews, a.lang) {
        eprintln!("xunjian: cannot write {}: {e}", a.out.display());
        return Exit::ReportFailed;
    }
    println!(
        "{} findings written to {} for review: fill in 复核结论 (确认违规, 误报, 已整改, 待定), 复核人, 复核日期, 整改期限, 备注, then `xunjian review import {}`",
        findings.len(),
        a.out.display(),
        a.out.display()
    );
    Exit::Clean
}

fn import(a: ImportArgs) -> Exit {
    let bytes = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", a.file.display())),
    };
    let (text, encoding) = review::decode(&bytes);
    let rows = match review::read_sheet(&text) {
        Ok(r) => r,
        Err(e) => return fail(format!("{}: {e}", a.file.display())),
    };
    // One writer at a time, as for scans: wait for a running scan to finish.
    let _lock = match crate::store::lock::DbLock::acquire(
        &a.db.db,
        std::time::Duration::from_secs(a.lock_wait),
    ) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut store = match a.db.open() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let fps: Vec<&str> = rows.iter().map(|r| r.fingerprint.as_str()).collect();
    let current = match store.review_states(&fps) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let plan = review::plan(&rows, &current);
    println!(
        "{}: {} rows ({encoding})",
        a.file.display(),
        plan.rows.len()
    );
    let mut changes = Vec::new();
    for (line, fp, o) in &plan.rows {
        let short = fp.get(..12).unwrap_or(fp);
        match o {
            RowOutcome::Change { from, to } => {
                println!(
                    "  row {line} {short}: {} → {} ({}{})",
                    from.status.label_zh(),
                    to.status.label_zh(),
                    if to.reviewer.is_empty() {
                        &a.by
                    } else {
                        &to.reviewer
                    },
                    if to.rectify_by.is_empty() {
                        String::new()
                    } else {
                        format!(", 整改期限 {}", to.rectify_by)
                    }
                );
                changes.push(ReviewChange {
                    fingerprint: fp.clone(),
                    review: (**to).clone(),
                    who: if to.reviewer.is_empty() {
                        a.by.clone()
                    } else {
                        to.reviewer.clone()
                    },
                });
            }
            RowOutcome::Unchanged => println!("  row {line} {short}: unchanged"),
            RowOutcome::Refused(why) => println!("  row {line} {short}: REFUSED: {why}"),
        }
    }
    let refused = plan.refused();
    if refused > 0 {
        eprintln!(
            "xunjian: {refused} rows refused; nothing was applied. Correct them in {} and import it again",
            a.file.display()
        );
        return Exit::Usage;
    }
    if a.dry_run {
        println!(
            "dry run: {} changes validated, nothing applied",
            changes.len()
        );
        return Exit::Clean;
    }
    let at = crate::pipeline::now().to_rfc3339();
    match store.apply_reviews(&changes, &at) {
        Ok(n) => {
            println!("{n} findings updated, each change kept in its history");
            Exit::Clean
        }
        Err(e) => fail(format!("{e}; nothing was applied")),
    }
}
