//! `xunjian report`: the accountability report of a period (Measures
//! Art. 14) from the state database, as the officers' CSV and an HTML
//! report with the period's findings.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::Args;

use super::review::{day, Gathered};
use super::{fail, DbArg, Exit};
use crate::model::ReviewStatus;
use crate::report::accountability::{self, Deadlines};
use crate::report::html::{self, Page, Section};
use crate::report::{self, Redact};
use crate::store::Store;

#[derive(Args, Debug)]
pub(super) struct ReportArgs {
    #[command(flatten)]
    db: DbArg,
    /// First day of the period (YYYY-MM-DD); default: the first day of last month.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day of the period, included (YYYY-MM-DD); default: the last day of last month.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Days allowed to rectify by severity, e.g. `critical=1,high=3` (defaults: critical 1, high 3, medium 7, low 30).
    #[arg(long, value_name = "SEVERITY=DAYS,…", default_value = "")]
    deadline: String,
    /// Folder to write accountability.csv and report.html into; default xunjian-reports/period-FROM-TO.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Mask personal information in evidence and snippets.
    #[arg(long, value_name = "WHAT")]
    redact: Option<Redact>,
}

/// The first and last day of the month before `today`'s.
fn last_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_this = today.with_day(1).unwrap_or(today);
    let last = first_this.pred_opt().unwrap_or(first_this);
    (last.with_day(1).unwrap_or(last), last)
}

/// `xunjian report`.
pub(super) fn report(a: ReportArgs) -> Exit {
    let today = crate::pipeline::now().date_naive();
    let (from, to) = match (day("--from", &a.from), day("--to", &a.to)) {
        (Ok(f), Ok(t)) => {
            let (df, dt) = last_month(today);
            (f.unwrap_or(df), t.unwrap_or(dt))
        }
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    if from > to {
        return fail(format!("--from {from} is after --to {to}"));
    }
    let deadlines = match Deadlines::parse(&a.deadline) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let mut store = match a.db.open() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let (accounts, history) = match store
        .accounts_as_of(Some(to))
        .and_then(|a| Ok((a, store.runs(30)?)))
    {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    // Posts and findings are counted as they are read; the period's
    // findings go to a spool, so memory does not grow with the database.
    let mut tally = accountability::Tally::new(&accounts, from, to, today, &deadlines);
    let mut gathered = Gathered::new();
    let read = store.each_stored_post(|p| tally.post(&p)).and_then(|()| {
        store.each_stored_finding(|f| {
            tally.finding(&f);
            if !tally.in_period(accountability::finding_day(&f)) {
                return Ok(());
            }
            gathered.add(f).map_err(crate::store::StoreError)
        })
    });
    if let (Err(e), false) = (read, gathered.failed()) {
        return fail(e);
    }
    let spooled = gathered.finish();
    let r = tally.finish();
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("xunjian-reports").join(format!("period-{from}-{to}")));
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("xunjian: cannot create {}: {e}", out.display());
        return Exit::ReportFailed;
    }
    let csv_path = out.join("accountability.csv");
    if let Err(e) = accountability::write_csv(&csv_path, &r) {
        eprintln!("xunjian: cannot write {}: {e}", csv_path.display());
        return Exit::ReportFailed;
    }
    let (mut shown, reviews) = match spooled {
        Ok(g) => g,
        Err(e) => {
            eprintln!("xunjian: cannot order the findings for the report: {e}");
            return Exit::ReportFailed;
        }
    };
    if a.redact.is_some() {
        shown = shown.mapped(report::redact::redact_finding);
    }
    let t = &r.total;
    let open = t.by_status[0] + t.by_status[4] + t.by_status[1];
    let page = Page {
        title: format!("问责报告 {from} 至 {to}"),
        tiles: vec![
            ("主办单位".into(), r.units.len().to_string(), ""),
            ("账号".into(), t.accounts.to_string(), ""),
            ("扫描帖子".into(), t.posts.to_string(), ""),
            ("发现".into(), t.findings.to_string(), if t.findings > 0 { "warn" } else { "" }),
            ("确认违规".into(), t.violations.to_string(), if t.violations > 0 { "bad" } else { "" }),
            ("未结".into(), open.to_string(), ""),
            ("逾期未整改".into(), t.overdue.to_string(), if t.overdue > 0 { "bad" } else { "" }),
            (
                ReviewStatus::FalsePositive.label_zh().into(),
                t.by_status[2].to_string(),
                "",
            ),
        ],
        lines: vec![
            format!(
                "统计期 {from} 至 {to}（按帖子发布日期）· 逾期判定日 {today} · 整改时限：严重 {} 天，高 {} 天，中 {} 天，低 {} 天",
                deadlines.days[3], deadlines.days[2], deadlines.days[1], deadlines.days[0]
            ),
            format!("状态数据库 {}", a.db.db.display()),
        ],
        findings: &shown,
        reviews: &reviews,
        history: &history,
        sections: vec![Section {
            title: "各单位问责情况（《办法》第十四条）".into(),
            html: accountability::html_table(&r),
        }],
    };
    let html_path = out.join("report.html");
    if let Err(e) = html::write_page(&html_path, &page) {
        eprintln!("xunjian: cannot write {}: {e}", html_path.display());
        return Exit::ReportFailed;
    }
    println!(
        "问责报告 {from} 至 {to}: {} 个单位, {} 个账号, {} 篇帖子, {} 条发现, {} 条确认违规, {} 条逾期未整改",
        r.units.len(),
        t.accounts,
        t.posts,
        t.findings,
        t.violations,
        t.overdue
    );
    println!("  报告        {}", csv_path.display());
    println!("  报告        {}", html_path.display());
    Exit::Clean
}
