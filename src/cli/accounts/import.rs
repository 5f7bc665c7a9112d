//! `xunjian accounts import`: the registration sheet into the registry
//! (all rows or none, or `--partial`), atomically, with a dated snapshot in
//! the state database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::{parse_day, records, RegistryArg};
use crate::accounts::{merge, sheet};
use crate::cli::{fail, DbArg, Exit};
use crate::registry::{self, Editor, Record};
use crate::store::lock::DbLock;
use crate::store::sqlite::SqliteStore;
use crate::store::{RunKind, RunStart, RunTotals, Store};

#[derive(Args, Debug)]
pub(in crate::cli) struct ImportArgs {
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

/// `xunjian accounts import`.
pub(super) fn import(a: ImportArgs) -> Exit {
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
            if !editor.set(&u.id, &c.path, &c.value) {
                return fail(format!(
                    "cannot set {} of account `{}` in {reg_shown}; nothing was written",
                    c.path.join("."),
                    u.id
                ));
            }
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
