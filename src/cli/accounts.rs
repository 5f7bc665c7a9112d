//! `xunjian accounts`: import the Information Center's registration sheet
//! into the registry, list the registered accounts, show one account's
//! dated history, and audit the registry against the Measures' Chapter 2
//! (findings of category `operations`, written with the scan's report
//! writers).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use super::{fail, DbArg, Exit, FailOn};
use crate::accounts::history::{self, Snapshot};
use crate::accounts::{merge, sheet};
use crate::model::{Finding, Novelty, Platform};
use crate::operations::audit::{self, Facts, ScanFacts};
use crate::pipeline::{Gone, ScanOutcome};
use crate::registry::{self, Editor, Record};
use crate::report::{self, json::RunMeta, Lang};
use crate::store::lock::DbLock;
use crate::store::sqlite::SqliteStore;
use crate::store::{RunKind, RunStart, RunTotals, Store};

#[derive(Subcommand, Debug)]
pub(super) enum AccountsCommand {
    /// Import the registration sheet (CSV, UTF-8 or GB18030) into the registry: all rows or none (--partial: the valid ones).
    Import(ImportArgs),
    /// List the registered accounts.
    List(ListArgs),
    /// Show the dated changes of one account's registration (leader, administrator, contacts, filing date).
    History(HistoryArgs),
    /// Audit the registry (Measures Art. 4, 5, 14): findings of category `operations` in CSV/JSON reports.
    Audit(AuditArgs),
}

#[derive(Args, Debug, Clone)]
struct RegistryArg {
    /// The account registry.
    #[arg(long, value_name = "FILE", default_value = "accounts.toml")]
    registry: PathBuf,
}

#[derive(Args, Debug)]
pub(super) struct ImportArgs {
    /// The registration sheet saved as CSV from Excel or WPS (UTF-8 with or without BOM, or GB18030).
    file: PathBuf,
    #[command(flatten)]
    registry: RegistryArg,
    #[command(flatten)]
    db: DbArg,
    /// Do not record a registry snapshot in the state database.
    #[arg(long)]
    no_db: bool,
    /// Take the valid rows and list the others (exit 3 when any row was rejected).
    #[arg(long)]
    partial: bool,
    /// Show what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The day the sheet describes (YYYY-MM-DD), recorded as the snapshot's date; default today. For importing older sheets in order.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Seconds to wait for a scan holding the state database.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    lock_wait: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Table,
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub(super) struct ListArgs {
    #[command(flatten)]
    registry: RegistryArg,
    /// Only accounts of this host unit (主办单位).
    #[arg(long, value_name = "UNIT")]
    unit: Option<String>,
    /// Only accounts on this platform (wechat, weibo, toutiao, app, or 微信公众号, 微博…).
    #[arg(long, value_name = "PLATFORM", value_parser = platform_arg)]
    platform: Option<Platform>,
    /// Only accounts whose responsible leader's name contains this.
    #[arg(long, value_name = "NAME")]
    leader: Option<String>,
    /// Output format.
    #[arg(long, default_value = "table")]
    format: ListFormat,
}

#[derive(Args, Debug)]
pub(super) struct HistoryArgs {
    /// Registry id of the account (or its platform:account id key).
    id: String,
    #[command(flatten)]
    registry: RegistryArg,
    #[command(flatten)]
    db: DbArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuditFormat {
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub(super) struct AuditArgs {
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

fn platform_arg(s: &str) -> Result<Platform, String> {
    sheet::parse_platform(s)
        .ok_or_else(|| format!("unknown platform `{s}`: use wechat, weibo, toutiao or app"))
}

fn parse_day(s: &str, flag: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{flag} {s}: not a date; write YYYY-MM-DD, e.g. 2026-11-26"))
}

/// Runs an `accounts` subcommand.
pub(super) fn run(c: AccountsCommand) -> Exit {
    match c {
        AccountsCommand::Import(a) => import(a),
        AccountsCommand::List(a) => list(a),
        AccountsCommand::History(a) => show_history(a),
        AccountsCommand::Audit(a) => run_audit(a),
    }
}

/// The registry's records, leniently (an absent file is an empty registry
/// when `missing_ok`).
fn records(path: &Path, missing_ok: bool) -> Result<(Vec<Record>, String), Exit> {
    if missing_ok && !path.exists() {
        return Ok((Vec::new(), String::new()));
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    match registry::load_lenient(path) {
        Ok(r) => Ok((r.records, text)),
        Err(e) => Err(fail(format!("the registry has errors:\n{e}"))),
    }
}

fn import(a: ImportArgs) -> Exit {
    let shown = a.file.display().to_string();
    let bytes = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {shown}: {e}")),
    };
    let as_of = match a
        .as_of
        .as_deref()
        .map(|s| parse_day(s, "--as-of"))
        .transpose()
    {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let sheet = match sheet::read(&bytes) {
        Ok(s) => s,
        Err(e) => {
            for line in e.0.lines() {
                match line.strip_prefix("line ") {
                    Some(rest) => eprintln!("{shown}:{rest}"),
                    None => eprintln!("{shown}: {line}"),
                }
            }
            return fail(format!(
                "{shown}: cannot import this sheet; nothing changed"
            ));
        }
    };
    let reg_path = &a.registry.registry;
    let (existing, text) = match records(reg_path, true) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let plan = merge::plan(&existing, &sheet.rows, &sheet.certified_column);
    let mut problems: Vec<&sheet::Problem> =
        sheet.problems.iter().chain(plan.problems.iter()).collect();
    problems.sort_by_key(|p| p.line);
    let mut rejected: Vec<usize> = problems.iter().map(|p| p.line).collect();
    rejected.dedup();
    for p in &problems {
        eprintln!("{}", p.show(&shown));
    }
    if !problems.is_empty() && !a.partial {
        eprintln!(
            "xunjian: {} row(s) of {shown} cannot be imported: nothing changed, {} is as it was. Fix them and import again, or pass --partial to take the valid rows.",
            rejected.len(),
            reg_path.display()
        );
        return Exit::Usage;
    }
    let today = crate::pipeline::now();
    let day = as_of.unwrap_or(today.date_naive());
    let reg_shown = reg_path.display().to_string();
    let mut editor = match Editor::new(&text, &reg_shown) {
        Ok(e) => e,
        Err(e) => return fail(format!("the registry has errors:\n{e}")),
    };
    for u in &plan.updated {
        for c in &u.changes {
            editor.set(&u.id, &c.path, &c.value);
        }
    }
    let file_name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| shown.clone());
    for add in &plan.added {
        editor.add(
            &[
                format!("imported from {file_name} on {day} (line {})", add.row.line),
                "no [account.source] yet: registered and audited, not scanned until one is added (docs/REGISTRY.md)".into(),
            ],
            &merge::new_fields(&add.id, &add.row),
        );
    }
    let new_text = editor.text();
    let base = reg_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let merged = match registry::parse_records(&new_text, &reg_shown, &base, true) {
        Ok(r) => r,
        Err(e) => {
            return fail(format!(
                "after this import the registry would not load, so nothing was written:\n{e}\nfix {reg_shown} (or the sheet) and import again"
            ))
        }
    };
    print!(
        "{}",
        import_summary(&shown, sheet.encoding, &plan, &existing, rejected.len())
    );
    let exit = if rejected.is_empty() {
        Exit::Clean
    } else {
        Exit::Incomplete
    };
    if a.dry_run {
        println!("试运行（--dry-run）：未写入登记库和状态数据库");
        return exit;
    }
    // Take the database first: when it is busy or damaged, nothing is written.
    let state = if a.no_db {
        None
    } else {
        let opened = DbLock::acquire(&a.db.db, Duration::from_secs(a.lock_wait))
            .and_then(|lock| SqliteStore::open(&a.db.db, 0).map(|store| (lock, store)));
        match opened {
            Ok(s) => Some(s),
            Err(e) => return fail(format!("{e}\nnothing was imported")),
        }
    };
    if plan.changes_anything() {
        if let Err(e) = registry::write(reg_path, &new_text) {
            eprintln!("xunjian: cannot write {reg_shown}: {e}; it is unchanged");
            return Exit::ReportFailed;
        }
        println!("登记库      {reg_shown} 已更新");
    } else {
        println!("登记库      {reg_shown} 无需修改");
    }
    let Some((_lock, mut store)) = state else {
        return exit;
    };
    let at = if as_of.is_some() {
        day.and_hms_opt(12, 0, 0)
            .and_then(|t| t.and_local_timezone(*today.offset()).single())
            .unwrap_or(today)
    } else {
        today
    };
    match snapshot(&mut store, &merged, at, &plan) {
        Ok(label) => {
            println!("快照        已记录到 {} ({label})", a.db.db.display());
            exit
        }
        Err(e) => fail(format!(
            "{reg_shown} was written, but its snapshot could not be recorded: {e}\nimport the same sheet again to record it (nothing else will change)"
        )),
    }
}

/// Records the merged registry as a dated snapshot in an `import` run.
fn snapshot(
    store: &mut SqliteStore,
    merged: &[Record],
    at: chrono::DateTime<chrono::FixedOffset>,
    plan: &merge::Plan,
) -> Result<String, String> {
    let now = crate::pipeline::now();
    let start = RunStart {
        label: format!("import-{}", now.format("%Y%m%dT%H%M%S")),
        kind: RunKind::Import,
        arguments: std::env::args().skip(1).collect(),
        started_at: at.to_rfc3339(),
        rule_versions: String::new(),
    };
    let (run, label) = store.start_run(&start).map_err(|e| e.0)?;
    if let Err(e) = store.record_registry_records(run, &at.to_rfc3339(), merged) {
        let totals = RunTotals {
            status: "failed".into(),
            finished_at: crate::pipeline::now().to_rfc3339(),
            ..RunTotals::default()
        };
        let _ = store.finish_run(run, &totals, &e.0);
        return Err(e.0);
    }
    let totals = RunTotals {
        status: "complete".into(),
        finished_at: crate::pipeline::now().to_rfc3339(),
        accounts_ok: merged.len() as u64,
        ..RunTotals::default()
    };
    let note = format!(
        "registry import: {} added, {} updated",
        plan.added.len(),
        plan.updated.len()
    );
    store.finish_run(run, &totals, &note).map_err(|e| e.0)?;
    Ok(label)
}

/// The import's summary: counts, then each added and updated account with
/// its field-level changes.
fn import_summary(
    file: &str,
    encoding: &str,
    plan: &merge::Plan,
    existing: &[Record],
    rejected: usize,
) -> String {
    let mut s = format!(
        "导入 {file} ({encoding})\n  新增 {}, 更新 {}, 未变 {}, 拒绝 {} 行\n",
        plan.added.len(),
        plan.updated.len(),
        plan.unchanged.len(),
        rejected
    );
    for add in &plan.added {
        let r = &add.row;
        s.push_str(&format!(
            "  新增  {}  {} ({} {}, {})，未配置采集来源，暂不巡检\n",
            add.id,
            r.name,
            r.platform.label_zh(),
            r.platform_account_id,
            r.unit
        ));
    }
    for u in &plan.updated {
        let name = existing
            .iter()
            .find(|r| r.id == u.id)
            .map_or("", |r| r.name.as_str());
        s.push_str(&format!("  更新  {}  {name} (第{}行)\n", u.id, u.line));
        for c in &u.changes {
            let show = |v: &str| {
                if v.is_empty() {
                    "—".to_string()
                } else {
                    v.to_string()
                }
            };
            s.push_str(&format!(
                "          {}: {} → {}\n",
                c.label,
                show(&c.before),
                show(&c.after)
            ));
        }
    }
    s
}

fn list(a: ListArgs) -> Exit {
    let (records, _) = match records(&a.registry.registry, false) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let chosen: Vec<&Record> = records
        .iter()
        .filter(|r| a.unit.as_ref().is_none_or(|u| &r.unit == u))
        .filter(|r| a.platform.is_none_or(|p| r.platform == p))
        .filter(|r| {
            a.leader
                .as_ref()
                .is_none_or(|l| r.leader.name.contains(l.as_str()))
        })
        .collect();
    // The CSV's headers are the sheet's, so a listed registry edited in
    // Excel imports back (`id` and 巡检来源 are ignored by the import).
    let headers = [
        "id",
        "名称",
        "平台",
        "账号ID",
        "主办单位",
        "部门",
        "创建时间",
        "关注人数",
        "是否认证",
        "备案日期",
        "负责人",
        "负责人职务",
        "负责人办公电话",
        "负责人手机号码",
        "负责人QQ",
        "负责人微信号",
        "管理员姓名",
        "管理员职务",
        "管理员办公电话",
        "管理员手机号码",
        "管理员QQ",
        "管理员微信号",
        "巡检来源",
    ];
    let row = |r: &Record| -> Vec<String> {
        let mut v = vec![
            r.id.clone(),
            r.name.clone(),
            r.platform.label_zh().to_string(),
            r.platform_account_id.clone(),
            r.unit.clone(),
            r.department.clone(),
            r.created.map(|d| d.to_string()).unwrap_or_default(),
            r.followers.map(|n| n.to_string()).unwrap_or_default(),
            if r.certified { "是" } else { "否" }.to_string(),
            r.filed.map(|d| d.to_string()).unwrap_or_default(),
        ];
        for c in [&r.leader, &r.admin] {
            v.extend(
                [
                    &c.name,
                    &c.position,
                    &c.office_phone,
                    &c.mobile,
                    &c.qq,
                    &c.wechat,
                ]
                .into_iter()
                .cloned(),
            );
        }
        v.push(
            r.source
                .as_ref()
                .map_or("无".to_string(), crate::source::net::describe),
        );
        v
    };
    match a.format {
        ListFormat::Json => {
            #[derive(serde::Serialize)]
            struct Entry<'a> {
                #[serde(flatten)]
                record: &'a Record,
                scanned: bool,
            }
            let entries: Vec<Entry> = chosen
                .iter()
                .map(|r| Entry {
                    record: r,
                    scanned: r.source.is_some(),
                })
                .collect();
            match serde_json::to_string_pretty(&entries) {
                Ok(s) => println!("{s}"),
                Err(e) => return fail(e),
            }
        }
        ListFormat::Csv => {
            let mut out = std::io::stdout().lock();
            let written = (|| -> std::io::Result<()> {
                let mut w = report::csv::officer_writer(&mut out)?;
                w.write_record(headers)?;
                for r in &chosen {
                    w.write_record(
                        row(r)
                            .iter()
                            .map(|c| report::csv::neutralise(c).into_owned()),
                    )?;
                }
                w.flush()
            })();
            if let Err(e) = written {
                return fail(format!("cannot write the list: {e}"));
            }
        }
        ListFormat::Table => {
            let shown = [0usize, 1, 2, 4, 8, 9, 10, 16, 22];
            let rows: Vec<Vec<String>> = chosen.iter().map(|r| row(r)).collect();
            let width = |i: usize| {
                rows.iter()
                    .map(|r| display_width(&r[i]))
                    .chain([display_width(headers[i])])
                    .max()
                    .unwrap_or(0)
            };
            let widths: Vec<usize> = shown.iter().map(|&i| width(i)).collect();
            let line = |cells: Vec<&str>| {
                let mut s = String::new();
                for (k, c) in cells.iter().enumerate() {
                    s.push_str(c);
                    if k + 1 < cells.len() {
                        s.push_str(&" ".repeat(widths[k] - display_width(c) + 2));
                    }
                }
                println!("{}", s.trim_end());
            };
            line(shown.iter().map(|&i| headers[i]).collect());
            for r in &rows {
                line(shown.iter().map(|&i| r[i].as_str()).collect());
            }
            println!("{} 个账号", rows.len());
        }
    }
    Exit::Clean
}

/// Terminal columns of a string (CJK characters take two).
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn show_history(a: HistoryArgs) -> Exit {
    let registered = if a.registry.registry.exists() {
        match records(&a.registry.registry, false) {
            Ok((r, _)) => r,
            Err(e) => return e,
        }
    } else {
        Vec::new()
    };
    let store = match a.db.open() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let all = match store.registry_snapshots() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let key = registered
        .iter()
        .find(|r| r.id == a.id || r.key() == a.id)
        .map(Record::key)
        .or_else(|| all.contains_key(&a.id).then(|| a.id.clone()))
        .or_else(|| {
            all.iter()
                .find(|(_, s)| s.iter().any(|s| s.data["id"] == a.id.as_str()))
                .map(|(k, _)| k.clone())
        });
    let Some(key) = key else {
        return fail(format!(
            "no account `{}` in {} or in the snapshots of {}; see `xunjian accounts list`",
            a.id,
            a.registry.registry.display(),
            a.db.db.display()
        ));
    };
    let snaps: &[Snapshot] = all.get(&key).map_or(&[], |v| v.as_slice());
    print!("{}", history_text(&a.id, &key, snaps));
    Exit::Clean
}

/// The dated history of one account as text.
fn history_text(id: &str, key: &str, snaps: &[Snapshot]) -> String {
    let mut s = String::new();
    let Some(first) = snaps.first() else {
        return format!("{id} ({key}): 状态数据库中没有它的登记快照（运行一次 scan 或 accounts import 后才有历史）\n");
    };
    let name = first.data["name"].as_str().unwrap_or_default();
    s.push_str(&format!("{id} {name} ({key})\n"));
    let field = |d: &serde_json::Value, p: &str, q: &str| {
        d[p][q]
            .as_str()
            .filter(|v| !v.is_empty())
            .unwrap_or("—")
            .to_string()
    };
    let filed = |d: &serde_json::Value| {
        d["filed"]
            .as_str()
            .filter(|v| !v.is_empty())
            .unwrap_or("—")
            .to_string()
    };
    s.push_str(&format!(
        "  {}  首次记录 ({})  负责人 {}，管理员 {}，备案日期 {}\n",
        first.date,
        first.run,
        field(&first.data, "leader", "name"),
        field(&first.data, "admin", "name"),
        filed(&first.data)
    ));
    let events = history::events(snaps);
    for e in &events {
        s.push_str(&format!(
            "  {}  变更 ({}，发生在 {} 之后)  备案日期 {}\n",
            e.seen,
            e.run,
            e.since,
            e.filed.as_deref().unwrap_or("—")
        ));
        for c in &e.changes {
            let show = |v: &str| {
                if v.is_empty() {
                    "—".to_string()
                } else {
                    v.to_string()
                }
            };
            s.push_str(&format!(
                "      {}: {} → {}\n",
                c.label,
                show(&c.before),
                show(&c.after)
            ));
        }
    }
    if events.is_empty() {
        s.push_str(&format!("  {} 个快照，没有变更\n", snaps.len()));
    }
    s
}

fn run_audit(a: AuditArgs) -> Exit {
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
    let reviews = crate::pipeline::apply_reviews(&findings, stored, suppressions.as_ref(), as_of);
    let outcome = ScanOutcome {
        started_at: now,
        finished_at: crate::pipeline::now(),
        accounts: Vec::new(),
        suppression_use: suppressions.as_ref().map(|s| s.usage(&findings, as_of)),
        findings,
        gone,
        reviews,
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
            findings_existing: outcome.findings.len() as u64 - new,
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
        if let Some(u) = &outcome.suppression_use {
            for e in &u.expired {
                eprintln!("xunjian: suppression expired, no longer applied: {e}");
            }
        }
        print!("{}", audit_summary(&records, &outcome, as_of, &written));
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
                let r = report::csv::write(&path, &outcome.findings, &outcome.reviews, a.lang);
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
    outcome: &ScanOutcome,
    as_of: NaiveDate,
    written: &[String],
) -> String {
    let findings = &outcome.findings;
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
