//! The accountability report (Measures Art. 14): per host unit, and per
//! account under it, the posts scanned in a period, findings by category,
//! severity and verdict, confirmed violations, and open findings past their
//! rectification deadline, with the responsible leaders and administrators
//! named. Computed from the state database ([`crate::store::review`]).
//!
//! A finding belongs to the period of its post's publication day (the day
//! it was first seen when the post has no time). Its rectification deadline
//! is the officer's 整改期限 when set, else the day it was first seen plus
//! the days allowed for its severity ([`Deadlines`]); it is *overdue* when
//! still open (new, pending or confirmed) after that day. Cost: one pass
//! over the stored findings and posts.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use super::csv::{neutralise, officer_writer};
use super::write_atomic;
use crate::model::{AccountRef, Category, ReviewStatus, Severity};
use crate::store::review::{StoredFinding, StoredPostRow};

/// Days allowed to rectify a finding, per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Days for low, medium, high, critical (indexed by `Severity as usize`).
    pub days: [i64; 4],
}

impl Default for Deadlines {
    /// low 30, medium 7, high 3, critical 1 day.
    fn default() -> Self {
        Deadlines {
            days: [30, 7, 3, 1],
        }
    }
}

impl Deadlines {
    /// Parses `critical=1,high=3` over the defaults; an error says what to write.
    pub fn parse(s: &str) -> Result<Deadlines, String> {
        let mut d = Deadlines::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || {
                format!("--deadline {part}: write SEVERITY=DAYS, e.g. critical=1,high=3,medium=7,low=30")
            };
            let (sev, days) = part.split_once('=').ok_or_else(bad)?;
            let sev: Severity = sev.trim().parse().map_err(|_| bad())?;
            let days: i64 = days
                .trim()
                .trim_end_matches('d')
                .parse()
                .map_err(|_| bad())?;
            d.days[sev as usize] = days;
        }
        Ok(d)
    }
}

/// One line of the report: a unit (all its accounts) or one account.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Line {
    /// Host unit.
    pub unit: String,
    /// Registry id of the account; empty on a unit line.
    pub account_id: String,
    /// Account name(s).
    pub account: String,
    /// Platform (Chinese label), empty on a unit line.
    pub platform: String,
    /// Responsible leaders (主管领导), `、`-separated.
    pub leaders: String,
    /// Administrators (后台管理员), `、`-separated.
    pub admins: String,
    /// Accounts counted.
    pub accounts: u64,
    /// Posts published in the period and scanned.
    pub posts: u64,
    /// Findings in the period.
    pub findings: u64,
    /// By category, in [`Category::ALL`] order.
    pub by_category: [u64; Category::ALL.len()],
    /// By severity, in [`Severity::ALL`] order.
    pub by_severity: [u64; 4],
    /// By verdict, in [`ReviewStatus::ALL`] order.
    pub by_status: [u64; 5],
    /// Confirmed violations (confirmed or resolved).
    pub violations: u64,
    /// Open findings past their rectification deadline.
    pub overdue: u64,
}

impl Line {
    /// An empty line for one account, naming its unit and people.
    fn for_account(a: &AccountRef) -> Line {
        Line {
            unit: a.unit.clone(),
            account_id: a.id.clone(),
            account: a.name.clone(),
            platform: a.platform.label_zh().to_string(),
            leaders: a.leader.name.clone(),
            admins: a.admin.name.clone(),
            accounts: 1,
            ..Line::default()
        }
    }

    fn add(&mut self, o: &Line) {
        self.accounts += o.accounts;
        self.posts += o.posts;
        self.findings += o.findings;
        self.violations += o.violations;
        self.overdue += o.overdue;
        add_counts(&mut self.by_category, &o.by_category);
        add_counts(&mut self.by_severity, &o.by_severity);
        add_counts(&mut self.by_status, &o.by_status);
    }
}

/// A unit's line followed by its accounts' lines.
#[derive(Debug, Clone, Serialize)]
pub struct UnitBlock {
    /// The unit's totals.
    pub unit: Line,
    /// Its accounts, by registry id.
    pub accounts: Vec<Line>,
}

/// The report of a period.
#[derive(Debug, Clone, Serialize)]
pub struct Accountability {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// The day overdue is judged on.
    pub today: NaiveDate,
    /// Units, by name.
    pub units: Vec<UnitBlock>,
    /// Totals of every unit.
    pub total: Line,
}

/// The day a stored finding belongs to (its post's publication day, else
/// the day first seen).
pub fn finding_day(f: &StoredFinding) -> Option<NaiveDate> {
    let t = if f.finding.post.published_at.is_empty() {
        &f.first_seen_at
    } else {
        &f.finding.post.published_at
    };
    t.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The rectification deadline of a finding.
pub fn deadline(f: &StoredFinding, d: &Deadlines) -> Option<NaiveDate> {
    if let Ok(x) = NaiveDate::parse_from_str(&f.review.rectify_by, "%Y-%m-%d") {
        return Some(x);
    }
    let seen = f
        .first_seen_at
        .get(..10)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())?;
    Some(seen + chrono::Duration::days(d.days[f.finding.rule.severity as usize]))
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = it.filter(|s| !s.is_empty()).collect();
    v.sort();
    v.dedup();
    v.join("、")
}

/// Computes the report from the stored `findings`, `posts` and `accounts`
/// (latest registry snapshot, by account key); [`Tally`] does the same
/// one post and one finding at a time.
pub fn compute(
    findings: &[StoredFinding],
    posts: &[StoredPostRow],
    accounts: &HashMap<String, AccountRef>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    deadlines: &Deadlines,
) -> Accountability {
    let mut tally = Tally::new(accounts, from, to, today, deadlines);
    for p in posts {
        tally.post(p);
    }
    for f in findings {
        tally.finding(f);
    }
    tally.finish()
}

/// The report's figures as posts and findings are read: memory for one
/// line per account, whatever the number of posts and findings.
pub struct Tally<'a> {
    lines: BTreeMap<String, Line>,
    /// Registry id of each account key.
    by_key: HashMap<String, String>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    deadlines: &'a Deadlines,
}

impl<'a> Tally<'a> {
    /// An empty tally of the period `from..=to` for `accounts` (latest
    /// registry snapshot, by account key), overdue as of `today`.
    pub fn new(
        accounts: &HashMap<String, AccountRef>,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        deadlines: &'a Deadlines,
    ) -> Tally<'a> {
        let mut lines = BTreeMap::new();
        let mut by_key = HashMap::new();
        for (k, a) in accounts {
            by_key.insert(k.clone(), a.id.clone());
            lines.insert(a.id.clone(), Line::for_account(a));
        }
        Tally {
            lines,
            by_key,
            from,
            to,
            today,
            deadlines,
        }
    }

    /// Whether `day` is in the period.
    pub fn in_period(&self, day: Option<NaiveDate>) -> bool {
        day.is_some_and(|d| d >= self.from && d <= self.to)
    }

    /// Counts a stored post published in the period for its account.
    pub fn post(&mut self, p: &StoredPostRow) {
        if self.in_period(p.published_at.map(|t| t.date_naive())) {
            if let Some(l) = self
                .by_key
                .get(&p.account_key)
                .and_then(|id| self.lines.get_mut(id))
            {
                l.posts += 1;
            }
        }
    }

    /// Counts a stored finding of the period (others are ignored).
    pub fn finding(&mut self, f: &StoredFinding) {
        if !self.in_period(finding_day(f)) {
            return;
        }
        let a = &f.finding.account;
        let l = self
            .lines
            .entry(a.id.clone())
            .or_insert_with(|| Line::for_account(a));
        l.findings += 1;
        let ci = Category::ALL
            .iter()
            .position(|c| *c == f.finding.rule.category)
            .unwrap_or(0);
        l.by_category[ci] += 1;
        l.by_severity[f.finding.rule.severity as usize] += 1;
        let si = ReviewStatus::ALL
            .iter()
            .position(|s| *s == f.review.status)
            .unwrap_or(0);
        l.by_status[si] += 1;
        if matches!(
            f.review.status,
            ReviewStatus::Confirmed | ReviewStatus::Resolved
        ) {
            l.violations += 1;
        }
        if f.review.status.is_open() && deadline(f, self.deadlines).is_some_and(|d| self.today > d)
        {
            l.overdue += 1;
        }
    }

    /// The report: per unit, its accounts, and the total.
    pub fn finish(self) -> Accountability {
        let mut units: BTreeMap<String, UnitBlock> = BTreeMap::new();
        for (_, l) in self.lines {
            let b = units.entry(l.unit.clone()).or_insert_with(|| UnitBlock {
                unit: Line {
                    unit: l.unit.clone(),
                    ..Line::default()
                },
                accounts: Vec::new(),
            });
            b.unit.add(&l);
            b.accounts.push(l);
        }
        let mut total = Line {
            unit: "合计".into(),
            ..Line::default()
        };
        let units: Vec<UnitBlock> = units
            .into_values()
            .map(|mut b| {
                b.unit.account = names(b.accounts.iter().map(|a| a.account.as_str()));
                b.unit.leaders = names(b.accounts.iter().map(|a| a.leaders.as_str()));
                b.unit.admins = names(b.accounts.iter().map(|a| a.admins.as_str()));
                total.add(&b.unit);
                b
            })
            .collect();
        Accountability {
            from: self.from,
            to: self.to,
            today: self.today,
            units,
            total,
        }
    }
}

/// Column headers of the CSV and the HTML table.
pub fn headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "主办单位",
        "账号标识",
        "账号名称",
        "平台",
        "主管领导",
        "后台管理员",
        "账号数",
        "扫描帖子",
        "发现",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(Category::ALL.iter().map(|c| c.label_zh().to_string()));
    h.extend(Severity::ALL.iter().map(|c| c.label_zh().to_string()));
    h.extend(ReviewStatus::ALL.iter().map(|c| c.label_zh().to_string()));
    h.push("确认违规（含已整改）".into());
    h.push("逾期未整改".into());
    h
}

/// The cells of one line, in [`headers`] order.
pub fn cells(l: &Line) -> Vec<String> {
    let mut c = vec![
        l.unit.clone(),
        l.account_id.clone(),
        l.account.clone(),
        l.platform.clone(),
        l.leaders.clone(),
        l.admins.clone(),
        l.accounts.to_string(),
        l.posts.to_string(),
        l.findings.to_string(),
    ];
    c.extend(l.by_category.iter().map(u64::to_string));
    c.extend(l.by_severity.iter().map(u64::to_string));
    c.extend(l.by_status.iter().map(u64::to_string));
    c.push(l.violations.to_string());
    c.push(l.overdue.to_string());
    c
}

/// Writes the report as the officers' CSV (BOM, CRLF, quoted, neutralised):
/// each unit's line, then its accounts' lines, then the total.
pub fn write_csv_to(out: &mut dyn Write, r: &Accountability) -> io::Result<()> {
    let mut w = officer_writer(out)?;
    w.write_record(headers())?;
    let mut put = |l: &Line| w.write_record(cells(l).iter().map(|c| neutralise(c).into_owned()));
    for b in &r.units {
        put(&b.unit)?;
        for a in &b.accounts {
            put(a)?;
        }
    }
    put(&r.total)?;
    w.flush()
}

/// Writes the CSV to `path` atomically.
pub fn write_csv(path: &Path, r: &Accountability) -> io::Result<()> {
    write_atomic(path, |out| write_csv_to(out, r))
}

/// The report as an HTML table (escaped), for the period's HTML report.
pub fn html_table(r: &Accountability) -> String {
    use super::html::esc;
    use std::fmt::Write as _;
    let mut s = String::from(r#"<div class="scroll"><table class="acc"><thead><tr>"#);
    for h in headers() {
        let _ = write!(s, "<th>{}</th>", esc(&h));
    }
    s.push_str("</tr></thead><tbody>");
    let overdue_col = headers().len() - 1;
    let mut row = |l: &Line, class: &str| {
        let _ = write!(s, r#"<tr class="{class}">"#);
        for (i, c) in cells(l).iter().enumerate() {
            let numeric = i >= 6;
            let cls = if i == overdue_col && l.overdue > 0 {
                "n overdue"
            } else if numeric {
                "n"
            } else {
                ""
            };
            let _ = write!(s, r#"<td class="{cls}">{}</td>"#, esc(c));
        }
        s.push_str("</tr>");
    };
    for b in &r.units {
        row(&b.unit, "unit");
        for a in &b.accounts {
            row(a, "account");
        }
    }
    row(&r.total, "unit");
    s.push_str("</tbody></table></div>");
    s
}

/// Adds `from` into `into`, element by element.
fn add_counts(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}
