//! `xunjian runs list` and `xunjian runs show`: the run history kept in the
//! state database.

use clap::Subcommand;

use super::{fail, DbArg, Exit};
use crate::store::Store;

#[derive(Subcommand, Debug)]
pub(super) enum RunsCommand {
    /// List recent runs, newest first.
    List {
        #[command(flatten)]
        db: DbArg,
        /// How many runs to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show one run (by id or label) with its accounts and their problems.
    Show {
        /// Run id or label (e.g. 20261126T020000).
        run: String,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Runs a `runs` subcommand.
pub(super) fn run(c: RunsCommand) -> Exit {
    match c {
        RunsCommand::List { db, limit } => {
            let mut store = match db.open() {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let runs = match store.runs(limit) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            println!(
                "{:>5}  {:<18} {:<8} {:<10} {:>8} {:>8} {:>6} {:>6}  started",
                "id", "label", "kind", "status", "accounts", "posts", "new", "known"
            );
            for r in runs {
                println!(
                    "{:>5}  {:<18} {:<8} {:<10} {:>8} {:>8} {:>6} {:>6}  {}{}",
                    r.id,
                    r.label,
                    r.kind,
                    r.status,
                    format!(
                        "{}/{}",
                        r.totals.accounts_ok,
                        r.totals.accounts_ok + r.totals.accounts_failed
                    ),
                    r.totals.posts_scanned,
                    r.totals.findings_new,
                    r.totals.findings_existing,
                    r.started_at,
                    if r.note.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", r.note)
                    }
                );
            }
            Exit::Clean
        }
        RunsCommand::Show { run, db } => {
            let mut store = match db.open() {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let (r, accounts) = match store.run(&run) {
                Ok(Some(x)) => x,
                Ok(None) => {
                    return fail(format!(
                        "no run `{run}` in {}; see `xunjian runs list`",
                        db.db.display()
                    ))
                }
                Err(e) => return fail(e),
            };
            println!("run {} ({}), {} — {}", r.id, r.label, r.kind, r.status);
            println!("  started   {}", r.started_at);
            println!("  finished  {}", r.finished_at.as_deref().unwrap_or("-"));
            println!("  arguments {}", r.arguments);
            println!("  rules     {}", r.rule_versions);
            println!(
                "  totals    {} posts read, {} scanned, {} new findings, {} known",
                r.totals.posts_fetched,
                r.totals.posts_scanned,
                r.totals.findings_new,
                r.totals.findings_existing
            );
            if !r.note.is_empty() {
                println!("  note      {}", r.note);
            }
            for a in accounts {
                println!(
                    "  {:<20} {:<10} {} read, {} scanned, {} findings",
                    a.account_id, a.status, a.posts_read, a.posts_scanned, a.findings
                );
                for p in a.problems {
                    println!("      {p}");
                }
            }
            Exit::Clean
        }
    }
}
