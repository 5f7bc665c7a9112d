//! `xunjian accounts audit`: the registry checked against the Measures'
//! Chapter 2 (`operations::audit`), recorded in the state database like a
//! scan's findings and written with the scan's report writers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::{parse_day, records, RegistryArg};
use crate::cli::{fail, DbArg, Exit, FailOn};
use crate::model::{Finding, Novelty};
use crate::operations::audit::{self, Facts, ScanFacts};
use crate::pipeline::{Gone, ScanOutcome};
use crate::registry::Record;
use crate::report::{self, json::RunMeta, Lang};
use crate::spool::Findings;
use crate::store::lock::DbLock;
use crate::store::sqlite::SqliteStore;
use crate::store::{RunKind, RunStart, RunTotals, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuditFormat {
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub(in crate::cli) struct AuditArgs {
    #[command(flatten)]
    registry: RegistryArg,
    #[command(flatten)]
    db: DbArg,
    /// Days without a post after which an account is reported as inactive (Art. 5).
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    inactive_days: u32,
    /// The day to audit for (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Folder for the reports; each audit writes into its own sub-folder (audit-<time>).
    #[arg(long, value_name = "DIR", default_value = "xunjian-reports")]
    out: PathBuf,
    /// Report formats to write.
    #[arg(long, value_delimiter = ',', default_value = "csv,json")]
    format: Vec<AuditFormat>,
    /// Exit 1 when a finding new in this audit is at or above this severity (`none`: never); known and suppressed findings do not count.
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    fail_on: FailOn,
    /// Language of the CSV headers.
    #[arg(long, default_value = "zh")]
    lang: Lang,
    /// Reviewed organisation-wide suppressions (suppressions.toml), as for scan
    /// (e.g. an emergency-only account that is dormant on purpose).
    #[arg(long, value_name = "FILE")]
    suppressions: Option<PathBuf>,
    /// Seconds to wait for a scan holding the state database.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    lock_wait: u64,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// `xunjian accounts audit`.
pub(super) fn run_audit(a: AuditArgs) -> Exit {
    let (records, _) = match records(&a.registry.registry, false) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let now = crate::pipeline::now();
    let as_of = match a
        .as_of
        .as_deref()
        .map(|s| parse_day(s, "--as-of"))
        .transpose()
    {
        Ok(d) => d.unwrap_or(now.date_naive()),
        Err(e) => return fail(e),
    };
    let suppressions = match &a.suppressions {
        None => None,
        Some(p) => match crate::suppress::Suppressions::load(p) {
            Ok(s) => Some(s),
            Err(e) => return fail(format!("the suppressions file has errors:\n{e}")),
        },
    };
    // The audit records its findings, so it takes the writers' lock.
    let mut state = if a.db.db.exists() {
        let lock = match DbLock::acquire(&a.db.db, Duration::from_secs(a.lock_wait)) {
            Ok(l) => l,
            Err(e) => return fail(e),
        };
        match a.db.open() {
            Ok(s) => Some((lock, s)),
            Err(e) => return fail(e),
        }
    } else {
        eprintln!(
            "xunjian: no state database at {}: the inactivity, never-scanned and change-filing checks are skipped and nothing is recorded (pass the --db your scans use)",
            a.db.db.display()
        );
        None
    };
    let scans = match state.as_ref().map(|(_, s)| scan_facts(s)).transpose() {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let facts = Facts {
        as_of,
        inactive_days: a.inactive_days,
        scans,
    };
    let mut findings = audit::audit(&records, &facts);
    let mut label = {
        let base = format!("audit-{}", now.format("%Y%m%dT%H%M%S"));
        let mut label = base.clone();
        let mut n = 2;
        while a.out.join(&label).exists() {
            label = format!("{base}-{n}");
            n += 1;
        }
        label
    };
    let mut gone = Vec::new();
    let mut stored = crate::model::Reviews::new();
    let mut run = None;
    if let Some((_, store)) = state.as_mut() {
        let start = RunStart {
            label: label.clone(),
            kind: RunKind::Audit,
            arguments: std::env::args().skip(1).collect(),
            started_at: now.to_rfc3339(),
            rule_versions: format!(
                "{}@{}",
                crate::operations::PACK,
                crate::operations::PACK_VERSION
            ),
        };
        let ids: Vec<&str> = audit::CHECKS.iter().map(|c| c.id).collect();
        let recorded = store.start_run(&start).and_then(|(id, l)| {
            run = Some(id);
            label = l;
            let recorded = store.record_audit(id, &findings, &ids)?;
            let (known, g) = (recorded.known, recorded.gone);
            let fps: Vec<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
            Ok((known, g, store.reviews(&fps)?))
        });
        match recorded {
            Ok((known, g, r)) => {
                for f in &mut findings {
                    if known.contains(&f.fingerprint) {
                        f.novelty = Novelty::Known;
                    }
                }
                gone = g
                    .into_iter()
                    .map(|(account, finding)| Gone { account, finding })
                    .collect();
                stored = r;
            }
            Err(e) => {
                if let Some(id) = run {
                    let totals = RunTotals {
                        status: "failed".into(),
                        finished_at: crate::pipeline::now().to_rfc3339(),
                        ..RunTotals::default()
                    };
                    let _ = store.finish_run(id, &totals, &e.0);
                }
                return fail(e);
            }
        }
    }
    let mut reviewer = crate::pipeline::Reviewer::new(suppressions.as_ref(), as_of);
    for f in &findings {
        reviewer.add(f, stored.get(&f.fingerprint));
    }
    // The audit's findings are a few per registry entry: they stay in memory
    // for the summary and go through a spool for the report writers.
    let spooled = match Findings::from_vec(findings.clone()) {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot order the findings for the reports: {e}")),
    };
    let outcome = ScanOutcome {
        started_at: now,
        finished_at: crate::pipeline::now(),
        accounts: Vec::new(),
        findings: spooled,
        gone,
        review: reviewer.finish(),
    };
    let dir = a.out.join(&label);
    let (written, failed) = write_audit_reports(&a, &dir, &label, run, &outcome);
    if let (Some((_, store)), Some(id)) = (state.as_mut(), run) {
        let new = outcome.findings_new();
        let totals = RunTotals {
            status: "complete".into(),
            finished_at: crate::pipeline::now().to_rfc3339(),
            accounts_ok: records.len() as u64,
            findings_new: new,
            findings_existing: outcome.findings.len() - new,
            ..RunTotals::default()
        };
        let note = if failed {
            "a report could not be written"
        } else {
            "registry audit"
        };
        if let Err(e) = store.finish_run(id, &totals, note) {
            eprintln!("xunjian: {e}");
        }
    }
    if !a.quiet {
        if let Some(u) = &outcome.review.suppression_use {
            for e in &u.expired {
                eprintln!("xunjian: suppression expired, no longer applied: {e}");
            }
        }
        print!(
            "{}",
            audit_summary(&records, &findings, &outcome, as_of, &written)
        );
    }
    if failed {
        Exit::ReportFailed
    } else if a.fail_on.tripped_run(&outcome) {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

/// Reads what the audit needs from the state database.
fn scan_facts(store: &SqliteStore) -> Result<ScanFacts, String> {
    let newest = store.newest_posts().map_err(|e| e.0)?;
    let newest_post = newest
        .into_iter()
        .filter_map(|(k, t)| {
            chrono::DateTime::parse_from_rfc3339(&t)
                .ok()
                .map(|t| (k, t.date_naive()))
        })
        .collect();
    Ok(ScanFacts {
        newest_post,
        scanned: store.scanned_accounts().map_err(|e| e.0)?,
        snapshots: store.registry_snapshots().map_err(|e| e.0)?,
    })
}

fn write_audit_reports(
    a: &AuditArgs,
    dir: &Path,
    label: &str,
    run: Option<i64>,
    outcome: &ScanOutcome,
) -> (Vec<String>, bool) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!(
            "xunjian: cannot create the report folder {}: {e}",
            dir.display()
        );
        return (Vec::new(), true);
    }
    let meta = RunMeta {
        id: label.to_string(),
        kind: "audit".into(),
        arguments: std::env::args().skip(1).collect(),
        registry: Some(a.registry.registry.display().to_string()),
        rules: "operations (built in)".into(),
        since: None,
        until: None,
        database: run.map(|_| a.db.db.display().to_string()),
        database_run_id: run,
    };
    let mut formats = a.format.clone();
    formats.dedup();
    let mut written = Vec::new();
    let mut failed = false;
    for f in formats {
        let (path, result) = match f {
            AuditFormat::Csv => {
                let path = dir.join("findings.csv");
                let r =
                    report::csv::write(&path, &outcome.findings, &outcome.review.reviews, a.lang);
                (path, r)
            }
            AuditFormat::Json => {
                let path = dir.join("findings.json");
                let r = report::json::write(&path, &meta, outcome, &Default::default());
                (path, r)
            }
        };
        match result {
            Ok(()) => written.push(path.display().to_string()),
            Err(e) => {
                eprintln!("xunjian: cannot write {}: {e}", path.display());
                failed = true;
            }
        }
    }
    (written, failed)
}

/// The audit's terminal summary: per account with findings, each finding's
/// severity, name, article and detail; then the totals per check.
fn audit_summary(
    records: &[Record],
    findings: &[Finding],
    outcome: &ScanOutcome,
    as_of: NaiveDate,
    written: &[String],
) -> String {
    let mut by_account: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_account.entry(f.account.id.as_str()).or_default().push(f);
    }
    let mut s = format!(
        "登记审计 {as_of}\n  账号        {} 个, {} 个有问题\n  发现        {} ({} 条新发现, {} 条此前已知, {} 条已抑制, {} 条已不再出现)\n\n",
        records.len(),
        by_account.len(),
        findings.len(),
        outcome.findings_new(),
        findings.len() as u64 - outcome.findings_new(),
        outcome.findings_suppressed(),
        outcome.gone.len()
    );
    let mut seen = std::collections::HashSet::new();
    for r in records {
        if !seen.insert(r.id.as_str()) {
            continue;
        }
        let Some(list) = by_account.get(r.id.as_str()) else {
            continue;
        };
        s.push_str(&format!(
            "{} {} ({} {}, {})\n",
            r.id,
            r.name,
            r.platform.label_zh(),
            r.platform_account_id,
            r.unit
        ));
        for f in list {
            let mut marks = Vec::new();
            if f.novelty == Novelty::Known {
                marks.push("此前已知".to_string());
            }
            if let Some(why) = outcome
                .review
                .reviews
                .get(&f.fingerprint)
                .and_then(|r| r.suppressed.as_ref())
            {
                marks.push(format!("已抑制：{why}"));
            }
            let marks = if marks.is_empty() {
                String::new()
            } else {
                format!(" （{}）", marks.join("，"))
            };
            s.push_str(&format!(
                "  [{}] {} {} · {}{marks}\n      {}\n",
                f.rule.severity.label_zh(),
                f.rule.name,
                crate::rules::article_label(f.rule.article),
                f.rule.id,
                f.detail
            ));
        }
    }
    if !findings.is_empty() {
        s.push('\n');
    }
    for c in audit::CHECKS {
        let n = findings.iter().filter(|f| f.rule.id == c.id).count();
        if n > 0 {
            s.push_str(&format!("  {:<36} {n}\n", c.id));
        }
    }
    for w in written {
        s.push_str(&format!("  报告        {w}\n"));
    }
    s
}
