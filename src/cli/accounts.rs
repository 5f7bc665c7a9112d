//! `xunjian accounts`: import the Information Center's registration sheet
//! into the registry, list the registered accounts, show one account's
//! dated history, and audit the registry against the Measures' Chapter 2
//! (findings of category `operations`, written with the scan's report
//! writers).

mod audit;
mod import;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use super::{fail, DbArg, Exit};
use crate::accounts::history::{self, Snapshot};
use crate::accounts::sheet;
use crate::model::Platform;
use crate::registry::{self, Record};
use crate::report;

#[derive(Subcommand, Debug)]
pub(super) enum AccountsCommand {
    /// Import the registration sheet (CSV, UTF-8 or GB18030) into the registry: all rows or none (--partial: the valid ones).
    Import(import::ImportArgs),
    /// List the registered accounts.
    List(ListArgs),
    /// Show the dated changes of one account's registration (leader, administrator, contacts, filing date).
    History(HistoryArgs),
    /// Audit the registry (Measures Art. 4, 5, 14): findings of category `operations` in CSV/JSON reports.
    Audit(audit::AuditArgs),
}

#[derive(Args, Debug, Clone)]
struct RegistryArg {
    /// The account registry.
    #[arg(long, value_name = "FILE", default_value = "accounts.toml")]
    registry: PathBuf,
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
        AccountsCommand::Import(a) => import::import(a),
        AccountsCommand::List(a) => list(a),
        AccountsCommand::History(a) => show_history(a),
        AccountsCommand::Audit(a) => audit::run_audit(a),
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
