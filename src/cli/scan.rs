//! `xunjian scan`: the nightly scan, a rescan of chosen accounts, and the
//! state-database handling around them (lock, run record, registry snapshot).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use clap::{Args, ValueEnum};

use super::{fail, load_rules, DbArg, Exit, FailOn, RuleArgs};
use crate::model::{Account, Platform};
use crate::pipeline::{self, Hold, HoldPoint, Progress, RunStore, ScanOptions, ScanOutcome};
use crate::report::{self, json::RunMeta, Lang};
use crate::source::net::{self, NetClient, NetOptions};
use crate::spool::SpoolOptions;
use crate::store::lock::DbLock;
use crate::store::sqlite::SqliteStore;
use crate::store::{RunKind, RunStart, RunTotals, Store};

#[derive(Args, Debug)]
pub(super) struct ScanArgs {
    /// The account registry.
    #[arg(long, value_name = "FILE", default_value = "accounts.toml")]
    registry: PathBuf,
    #[command(flatten)]
    rules: RuleArgs,
    /// Scan only this account (registry id); repeatable.
    #[arg(long = "account", value_name = "ID")]
    accounts: Vec<String>,
    /// Scan only accounts of this host unit (主办单位); repeatable.
    #[arg(long = "unit", value_name = "UNIT")]
    units: Vec<String>,
    /// Scan only accounts on this platform; repeatable.
    #[arg(long = "platform", value_name = "PLATFORM")]
    platforms: Vec<PlatformArg>,
    /// Scan only posts published from this point: YYYY-MM-DD (midnight in --tz), `today`, `yesterday`, `7d` (7 days ago), or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Scan only posts published up to this point: YYYY-MM-DD, `today` and `yesterday` include that whole day.
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// Time zone for dates in --since/--until: an IANA name or an offset such as +08:00.
    #[arg(long, value_name = "TZ", default_value = "Asia/Shanghai")]
    tz: String,
    /// Folder for the reports; each run writes into its own sub-folder named after the run.
    #[arg(long, value_name = "DIR", default_value = "xunjian-reports")]
    out: PathBuf,
    /// Report formats to write.
    #[arg(long, value_delimiter = ',', default_value = "csv,json,html")]
    format: Vec<ReportFormat>,
    /// Exit 1 when a finding new in this run is at or above this severity (`none`: never).
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    fail_on: FailOn,
    /// Scanning threads (default: all cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    db: DbArg,
    /// Scan without a state database: every post is scanned and every finding is new.
    #[arg(long, conflicts_with_all = ["rescan", "rescan_changed_rules"])]
    no_db: bool,
    /// Scan the selected accounts' posts again even if already scanned (from --since, or from the start).
    #[arg(long)]
    rescan: bool,
    /// Scan again the stored posts last scanned with other rule-pack versions.
    #[arg(long)]
    rescan_changed_rules: bool,
    /// Days a post's text is kept in the state database for --rescan-changed-rules (0: not kept).
    #[arg(long, value_name = "DAYS", default_value_t = 180)]
    keep_text_days: u32,
    /// Seconds to wait for another run holding the state database.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    lock_wait: u64,
    /// Network accounts fetched at the same time (default 4).
    #[arg(long, value_name = "N")]
    fetch_jobs: Option<usize>,
    /// Requests per second allowed to a platform, e.g. `weibo=0.2` (repeatable;
    /// platforms: wechat, weibo, feed, json_api; 0 = unlimited).
    #[arg(long = "rate", value_name = "PLATFORM=RPS")]
    rates: Vec<String>,
    /// Seconds allowed for one HTTP request, body included (default 60).
    #[arg(long, value_name = "SECONDS")]
    request_timeout: Option<u64>,
    /// Largest HTTP response read, in MiB (default 32).
    #[arg(long, value_name = "MIB")]
    max_response_mib: Option<u64>,
    /// Reviewed organisation-wide suppressions (suppressions.toml): matching
    /// findings are listed with their reason but do not count for --fail-on.
    #[arg(long, value_name = "FILE")]
    suppressions: Option<PathBuf>,
    /// Working days the account has to answer a user's question in the
    /// comments (Art. 12) before it is reported as unanswered.
    #[arg(long, value_name = "N", default_value_t = crate::operations::questions::DEFAULT_ANSWER_DAYS)]
    answer_days: u32,
    /// Public holidays and make-up working days (调休) for --answer-days:
    /// one date per line (`2026-10-01`, a range `2026-10-01..2026-10-07`, or
    /// `+2026-10-10` for a make-up working day), `#` comments.
    #[arg(long, value_name = "FILE")]
    holidays: Option<PathBuf>,
    /// Judge unanswered questions as of this time instead of now: an RFC
    /// 3339 time, `YYYY-MM-DD HH:MM` in --tz, or YYYY-MM-DD (the end of that day).
    #[arg(long, value_name = "DATETIME")]
    as_of: Option<String>,
    /// Do not check users' questions for an answer (comments are still scanned).
    #[arg(long)]
    no_questions: bool,
    /// Days back from now whose posts the platform connectors read comments
    /// of again on every run (new comments on recent posts); 0: read no comments.
    #[arg(long, value_name = "DAYS")]
    comment_days: Option<u32>,
    /// Mask personal information (resident IDs, mobiles, bank cards) in every report.
    #[arg(long, value_name = "WHAT")]
    redact: Option<report::Redact>,
    /// Language of report headers and the summary.
    #[arg(long, default_value = "zh")]
    lang: Lang,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// The network options of a run, from the defaults and the flags.
fn net_options(a: &ScanArgs) -> Result<NetOptions, String> {
    let mut o = NetOptions::default();
    if let Some(j) = a.fetch_jobs {
        if j == 0 {
            return Err("--fetch-jobs must be at least 1".into());
        }
        o.jobs = j;
    }
    for r in &a.rates {
        let bad = || {
            format!("--rate {r}: write PLATFORM=RPS, e.g. weibo=0.2 (platforms: wechat, weibo, feed, json_api)")
        };
        let (platform, rps) = r.split_once('=').ok_or_else(bad)?;
        let rps: f64 = rps.trim().parse().map_err(|_| bad())?;
        match platform.trim() {
            "wechat" => o.rate_limits.wechat = rps,
            "weibo" => o.rate_limits.weibo = rps,
            "feed" => o.rate_limits.feed = rps,
            "json_api" => o.rate_limits.json_api = rps,
            _ => return Err(bad()),
        }
    }
    if let Some(t) = a.request_timeout {
        o.request_timeout = Duration::from_secs(t.max(1));
    }
    if let Some(m) = a.max_response_mib {
        o.max_response_bytes = m.max(1) << 20;
    }
    if let Some(d) = a.comment_days {
        o.comment_days = d;
    }
    Ok(o)
}

/// A time zone given by name or by offset.
#[derive(Debug, Clone, Copy)]
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Zone {
    fn parse(s: &str) -> Result<Zone, String> {
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset")));
        }
        DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{s}"))
            .map(|t| Zone::Fixed(*t.offset()))
            .map_err(|_| format!("--tz {s}: not a time zone; use an IANA name such as Asia/Shanghai or an offset such as +08:00"))
    }

    fn today(self) -> NaiveDate {
        match self {
            Zone::Named(tz) => Utc::now().with_timezone(&tz).date_naive(),
            Zone::Fixed(off) => Utc::now().with_timezone(&off).date_naive(),
        }
    }

    fn midnight(self, d: NaiveDate) -> Result<DateTime<FixedOffset>, String> {
        let n = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        match self {
            Zone::Named(tz) => tz
                .from_local_datetime(&n)
                .earliest()
                .map(|t| t.fixed_offset()),
            Zone::Fixed(off) => off.from_local_datetime(&n).single(),
        }
        .ok_or_else(|| format!("{d} has no midnight in this time zone"))
    }
}

/// Parses `--since`/`--until`. An `until` day includes the whole day.
fn parse_bound(s: &str, end_of_day: bool, zone: Zone) -> Result<DateTime<FixedOffset>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    if let Some(days) = s.strip_suffix('d').and_then(|n| n.parse::<i64>().ok()) {
        return Ok((Utc::now() - chrono::Duration::days(days)).fixed_offset());
    }
    let day = match s {
        "today" => zone.today(),
        "yesterday" => zone.today().pred_opt().unwrap_or(zone.today()),
        _ => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            format!("`{s}` is not a date: use YYYY-MM-DD, today, yesterday, Nd or an RFC 3339 time")
        })?,
    };
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    zone.midnight(day)
}

/// How users' questions are judged in this run: --answer-days, the
/// --holidays file (read here, parsed by `operations::workdays`), --as-of.
fn question_policy(
    a: &ScanArgs,
    zone: Zone,
) -> Result<crate::operations::questions::Policy, String> {
    use crate::operations::workdays::Calendar;
    let calendar = match &a.holidays {
        None => Calendar::weekends_only(),
        Some(p) => {
            let shown = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|e| {
                format!("--holidays {shown}: cannot read the file: {e}; check the path (it must be UTF-8 text)")
            })?;
            Calendar::parse(&text, &shown).map_err(|errors| {
                format!(
                    "the holiday file has errors:\n{}\n(one date per line: 2026-10-01, a range 2026-10-01..2026-10-07, or +2026-10-10 for a make-up working day; # starts a comment)",
                    errors.join("\n")
                )
            })?
        }
    };
    let as_of = match &a.as_of {
        None => pipeline::now(),
        Some(s) => parse_as_of(s, zone).map_err(|e| format!("--as-of {s}: {e}"))?,
    };
    Ok(crate::operations::questions::Policy {
        calendar: std::sync::Arc::new(calendar),
        answer_days: a.answer_days,
        as_of,
    })
}

/// `--as-of`: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` in `zone`, or a day (its end).
fn parse_as_of(s: &str, zone: Zone) -> Result<DateTime<FixedOffset>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            let midnight = zone.midnight(n.date())?;
            return Ok(midnight + (n - n.date().and_hms_opt(0, 0, 0).expect("midnight exists")));
        }
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        "not a time: use an RFC 3339 time, YYYY-MM-DD HH:MM (in --tz) or YYYY-MM-DD".to_string()
    })?;
    Ok(zone.midnight(day)? + chrono::Duration::seconds(86_399))
}

/// Reads the test hook `XUNJIAN_TEST_HOLD=before-commit:N|after-commit:N`.
fn test_hold() -> Option<Hold> {
    let v = std::env::var("XUNJIAN_TEST_HOLD").ok()?;
    let (point, n) = v.split_once(':')?;
    let point = match point {
        "before-commit" => HoldPoint::BeforeCommit,
        "after-commit" => HoldPoint::AfterCommit,
        _ => return None,
    };
    Some(Hold {
        point,
        account: n.parse().ok()?,
    })
}

/// A run label (report folder name) not used yet in `out`.
fn run_label(started: DateTime<FixedOffset>, out: &Path) -> String {
    let base = started.format("%Y%m%dT%H%M%S").to_string();
    let mut label = base.clone();
    let mut n = 2;
    while out.join(&label).exists() {
        label = format!("{base}-{n}");
        n += 1;
    }
    label
}

/// The state database of a run, held for its length.
struct State {
    _lock: DbLock,
    store: SqliteStore,
    run: i64,
    label: String,
}

fn open_state(
    a: &ScanArgs,
    start: &RunStart,
    accounts: &[&Account],
    quiet: bool,
) -> Result<State, String> {
    let lock =
        DbLock::acquire(&a.db.db, Duration::from_secs(a.lock_wait)).map_err(|e| e.to_string())?;
    if let (Some(note), false) = (&lock.took_over, quiet) {
        eprintln!("xunjian: {note}");
    }
    let mut store = SqliteStore::open(&a.db.db, a.keep_text_days).map_err(|e| e.to_string())?;
    let (run, label) = store.start_run(start).map_err(|e| e.to_string())?;
    let changes = store
        .record_registry(run, &start.started_at, accounts)
        .map_err(|e| e.to_string())?;
    if !quiet {
        for c in changes {
            eprintln!(
                "xunjian: note: {} changed its {} from {} to {} since the last run; the Measures (Art. 4) require a new filing form",
                c.account_id,
                if c.role == "leader" { "responsible leader" } else { "administrator" },
                c.before,
                c.after
            );
        }
    }
    Ok(State {
        _lock: lock,
        store,
        run,
        label,
    })
}

/// `xunjian scan`.
pub(super) fn scan(a: ScanArgs) -> Exit {
    let registry = match crate::registry::load(&a.registry) {
        Ok(r) => r,
        Err(e) => return fail(format!("the registry has errors:\n{e}")),
    };
    let unsourced = registry.unsourced();
    if !unsourced.is_empty() && !a.quiet {
        eprintln!(
            "xunjian: not scanned, no [account.source] in the registry yet: {} (add one, see docs/REGISTRY.md)",
            unsourced.join(", ")
        );
    }
    if let Some(id) = a
        .accounts
        .iter()
        .find(|id| unsourced.contains(&id.as_str()))
    {
        return fail(format!(
            "--account {id}: registered but has no [account.source] yet, so it cannot be scanned; add one (docs/REGISTRY.md)"
        ));
    }
    if registry.accounts.is_empty() {
        return fail(format!(
            "no account of {} has a source to read: add [account.source] to the accounts to scan (docs/REGISTRY.md)",
            a.registry.display()
        ));
    }
    let selected = match select(&registry.accounts, &a) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let zone = match Zone::parse(&a.tz) {
        Ok(z) => z,
        Err(e) => return fail(e),
    };
    let bound = |v: &Option<String>, end: bool, flag: &str| {
        v.as_deref()
            .map(|s| parse_bound(s, end, zone))
            .transpose()
            .map_err(|e| format!("{flag}: {e}"))
    };
    let (since, until) = match (
        bound(&a.since, false, "--since"),
        bound(&a.until, true, "--until"),
    ) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let suppressions = match &a.suppressions {
        None => None,
        Some(p) => match crate::suppress::Suppressions::load(p) {
            Ok(s) => Some(std::sync::Arc::new(s)),
            Err(e) => return fail(format!("the suppressions file has errors:\n{e}")),
        },
    };
    let questions = if a.no_questions {
        None
    } else {
        match question_policy(&a, zone) {
            Ok(p) => Some(p),
            Err(e) => return fail(e),
        }
    };
    let (engine, rules_origin) = match load_rules(&a.rules) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let pool = match thread_pool(a.jobs) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let net = if selected.iter().any(|acc| net::is_network(&acc.source)) {
        let options = match net_options(&a) {
            Ok(o) => o,
            Err(e) => return fail(e),
        };
        match NetClient::new(options) {
            Ok(c) => Some(c),
            Err(e) => return fail(format!("cannot set up the network client: {e}")),
        }
    } else {
        None
    };
    let rule_versions: Vec<String> = engine
        .rules
        .versions()
        .into_iter()
        .map(|(id, v)| format!("{id}@{v}"))
        .collect();
    let started = pipeline::now();
    let label = run_label(started, &a.out);
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let start = RunStart {
        label: label.clone(),
        kind: if a.rescan {
            RunKind::Rescan
        } else {
            RunKind::Nightly
        },
        arguments: arguments.clone(),
        started_at: started.to_rfc3339(),
        rule_versions: rule_versions.join(","),
    };
    let mut state = if a.no_db {
        None
    } else {
        match open_state(&a, &start, &selected, a.quiet) {
            Ok(s) => Some(s),
            Err(e) => return fail(e),
        }
    };
    // The store may have given the run another label (two runs in a second).
    let label = state.as_ref().map_or(label, |s| s.label.clone());
    let out_dir = a.out.join(&label);
    let options = ScanOptions {
        since,
        until,
        rescan: a.rescan,
        rescan_changed_rules: a.rescan_changed_rules,
        rule_versions: start.rule_versions.clone(),
        hold: test_hold(),
        suppressions,
        questions,
        spool: SpoolOptions {
            dir: Some(a.out.clone()),
            ..SpoolOptions::default()
        },
    };
    let tty = std::io::stderr().is_terminal();
    let mut printer = ProgressPrinter {
        enabled: !a.quiet,
        tty,
        // In a log, the first line comes after the first interval.
        last: if tty { None } else { Some(Instant::now()) },
    };
    let run_store = state.as_mut().map(|s| RunStore {
        store: &mut s.store,
        run: s.run,
    });
    let result = pool.install(|| {
        pipeline::scan(
            &engine,
            &selected,
            &options,
            run_store,
            net.as_ref(),
            &mut |p| printer.update(p),
        )
    });
    let outcome: ScanOutcome = match result {
        Ok(o) => o,
        Err(e) => {
            if let Some(s) = state.as_mut() {
                let totals = RunTotals {
                    status: "failed".into(),
                    finished_at: pipeline::now().to_rfc3339(),
                    ..RunTotals::default()
                };
                let _ = s.store.finish_run(s.run, &totals, &e.to_string());
            }
            return fail(format!(
                "{e}\nthe accounts committed before this error are kept; rerun to continue"
            ));
        }
    };
    let meta = RunMeta {
        id: label.clone(),
        kind: start.kind.as_str().into(),
        arguments,
        registry: Some(registry.path.display().to_string()),
        rules: rules_origin,
        since: options.since.map(|t| t.to_rfc3339()),
        until: options.until.map(|t| t.to_rfc3339()),
        database: if a.no_db {
            None
        } else {
            Some(a.db.db.display().to_string())
        },
        database_run_id: state.as_ref().map(|s| s.run),
    };
    if let (Some(u), false) = (&outcome.review.suppression_use, a.quiet) {
        for e in &u.expired {
            eprintln!("xunjian: suppression expired, no longer applied: {e}");
        }
        for e in &u.unused {
            eprintln!("xunjian: suppression matched no finding in this run: {e}");
        }
    }
    // The trend is of scans: registry imports and audits are left out.
    let mut history: Vec<crate::store::RunRow> = state
        .as_mut()
        .and_then(|s| s.store.runs(30).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.kind != RunKind::Import.as_str() && r.kind != RunKind::Audit.as_str())
        .collect();
    // This run's totals are recorded after its reports: show them now.
    if let Some(me) = state
        .as_ref()
        .and_then(|s| history.iter_mut().find(|r| r.id == s.run))
    {
        me.totals.findings_new = outcome.findings_new();
        me.totals.findings_existing = outcome.findings.len() - outcome.findings_new();
    }
    let (written, report_failed) = if a.redact.is_some() {
        let mut shown = outcome.clone();
        shown.findings = outcome.findings.mapped(report::redact::redact_finding);
        for g in &mut shown.gone {
            g.finding.normalized = report::redact::redact_pii(&g.finding.normalized);
        }
        write_reports(&a, &out_dir, &meta, &shown, &engine.rules, &history)
    } else {
        write_reports(&a, &out_dir, &meta, &outcome, &engine.rules, &history)
    };
    if let Some(s) = state.as_mut() {
        let failed = outcome
            .accounts
            .iter()
            .filter(|x| x.status != pipeline::AccountStatus::Complete)
            .count() as u64;
        let totals = RunTotals {
            status: if outcome.complete() {
                "complete"
            } else {
                "incomplete"
            }
            .into(),
            finished_at: outcome.finished_at.to_rfc3339(),
            accounts_ok: outcome.accounts.len() as u64 - failed,
            accounts_failed: failed,
            posts_fetched: outcome.posts_read(),
            posts_scanned: outcome.posts_scanned(),
            findings_new: outcome.findings_new(),
            findings_existing: outcome.findings.len() - outcome.findings_new(),
        };
        let note = if report_failed {
            "a report could not be written"
        } else {
            ""
        };
        if let Err(e) = s.store.finish_run(s.run, &totals, note) {
            eprintln!("xunjian: {e}");
        }
    }
    if !a.quiet {
        print!("{}", report::text::scan_summary(&outcome, &written, a.lang));
        for acc in outcome.accounts.iter().filter(|x| !x.warnings.is_empty()) {
            println!("\n  ~ {} ({}):", acc.account.id, acc.account.name);
            for w in &acc.warnings {
                println!("      {w}");
            }
        }
    }
    if report_failed {
        Exit::ReportFailed
    } else if !outcome.complete() {
        Exit::Incomplete
    } else if a.fail_on.tripped_run(&outcome) {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

/// Writes the run's reports into `dir`; returns the paths written and
/// whether any failed.
fn write_reports(
    a: &ScanArgs,
    dir: &Path,
    meta: &RunMeta,
    outcome: &ScanOutcome,
    rules: &crate::rules::RuleSet,
    history: &[crate::store::RunRow],
) -> (Vec<String>, bool) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!(
            "xunjian: cannot create the report folder {}: {e}",
            dir.display()
        );
        return (Vec::new(), true);
    }
    // Each report reads the findings back from the spool on its own, so
    // they are written side by side, one thread each.
    let results: Vec<_> = std::thread::scope(|scope| {
        let writers: Vec<_> = dedup(&a.format)
            .into_iter()
            .map(|format| {
                scope.spawn(move || match format {
                    ReportFormat::Csv => {
                        let path = dir.join("findings.csv");
                        let r = report::csv::write(
                            &path,
                            &outcome.findings,
                            &outcome.review.reviews,
                            a.lang,
                        );
                        (path, r)
                    }
                    ReportFormat::Html => {
                        let path = dir.join("report.html");
                        let r = report::html::write_run(&path, meta, outcome, history);
                        (path, r)
                    }
                    ReportFormat::Json => {
                        let path = dir.join("findings.json");
                        let r = report::json::write(&path, meta, outcome, rules);
                        (path, r)
                    }
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut written = Vec::new();
    let mut failed = false;
    for (path, result) in results {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Csv,
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlatformArg {
    Wechat,
    Weibo,
    Toutiao,
    App,
}

impl From<PlatformArg> for Platform {
    fn from(p: PlatformArg) -> Platform {
        match p {
            PlatformArg::Wechat => Platform::Wechat,
            PlatformArg::Weibo => Platform::Weibo,
            PlatformArg::Toutiao => Platform::Toutiao,
            PlatformArg::App => Platform::App,
        }
    }
}

fn select<'a>(accounts: &'a [Account], a: &ScanArgs) -> Result<Vec<&'a Account>, String> {
    for id in &a.accounts {
        if !accounts.iter().any(|x| &x.id == id) {
            let known: Vec<&str> = accounts.iter().map(|x| x.id.as_str()).collect();
            return Err(format!(
                "--account {id}: no such account in the registry; known ids: {}",
                known.join(", ")
            ));
        }
    }
    for unit in &a.units {
        if !accounts.iter().any(|x| &x.unit == unit) {
            return Err(format!(
                "--unit {unit}: no account of the registry belongs to this unit"
            ));
        }
    }
    let platforms: Vec<Platform> = a.platforms.iter().map(|&p| p.into()).collect();
    let chosen: Vec<&Account> = accounts
        .iter()
        .filter(|x| a.accounts.is_empty() || a.accounts.contains(&x.id))
        .filter(|x| a.units.is_empty() || a.units.contains(&x.unit))
        .filter(|x| platforms.is_empty() || platforms.contains(&x.platform))
        .collect();
    if chosen.is_empty() {
        return Err(
            "no account matches the selection (--account/--unit/--platform together)".into(),
        );
    }
    Ok(chosen)
}

pub(super) fn thread_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, String> {
    let n = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if n == 0 {
        return Err("--jobs must be at least 1".into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| format!("cannot start {n} scanning threads: {e}"))
}

/// Prints progress to stderr: a self-updating line on a terminal, a line
/// every 10 seconds in a log.
struct ProgressPrinter {
    enabled: bool,
    tty: bool,
    last: Option<Instant>,
}

impl ProgressPrinter {
    fn update(&mut self, p: Progress<'_>) {
        if !self.enabled {
            return;
        }
        let every = if self.tty {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(10)
        };
        let finished = p.accounts_done == p.accounts_total;
        if !finished && self.last.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        // A short run in a log needs no progress line at all.
        if finished && !self.tty && p.elapsed < every {
            return;
        }
        self.last = Some(Instant::now());
        let line = format!(
            "[{}/{}] {} posts, {} findings, {:.0} posts/s {}",
            p.accounts_done,
            p.accounts_total,
            p.posts,
            p.findings,
            p.posts as f64 / p.elapsed.as_secs_f64().max(1e-3),
            p.account
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
            if finished {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "{line}");
        }
    }
}

fn dedup(formats: &[ReportFormat]) -> Vec<ReportFormat> {
    let mut out = Vec::new();
    for f in formats {
        if !out.contains(f) {
            out.push(*f);
        }
    }
    out
}
