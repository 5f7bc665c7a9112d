//! The command line: argument parsing, wiring the library together, and
//! exit codes a scheduler can act on.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | complete, nothing at or above `--fail-on` |
//! | 1 | complete, findings at or above `--fail-on` |
//! | 2 | usage, registry or rule error: nothing scanned |
//! | 3 | incomplete: some account or post could not be read (outranks 1) |
//! | 4 | a report could not be written |

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::{Engine, Scratch};
use crate::model::{Account, AccountRef, Contact, Finding, Platform, Post, Severity};
use crate::pipeline::{self, Progress, ScanOptions, ScanOutcome};
use crate::report::{self, json::RunMeta, Lang};
use crate::rules::{self, RuleSet};
use crate::source::{file::draft_text, shanghai};

/// Exit codes; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: complete, nothing at or above `--fail-on`.
    Clean = 0,
    /// 1: findings at or above `--fail-on`.
    Findings = 1,
    /// 2: usage, registry or rule error.
    Usage = 2,
    /// 3: incomplete.
    Incomplete = 3,
    /// 4: a report could not be written.
    ReportFailed = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "xunjian",
    version,
    about = "巡检 — content-compliance scanning for official new-media accounts",
    long_about = "巡检 (xunjian) scans the posts of an organisation's registered WeChat, Weibo, Toutiao and app accounts against rule packs for classified (涉密), personal, false (不实) and unhealthy (不健康) content, and writes findings officers can review in Excel.\n\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/registry/rule error, 3 incomplete scan, 4 report not written."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan the registry's accounts and write CSV/JSON reports.
    Scan(ScanArgs),
    /// Check a draft before publication (先审后发).
    Check(CheckArgs),
    /// List or test the rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Args, Debug, Clone)]
struct RuleArgs {
    /// Folder of rule packs (*.toml); default: the packs built into xunjian.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ScanArgs {
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
    /// Scan only posts published on or after this date or time (YYYY-MM-DD is Beijing midnight).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Scan only posts published on or before this date (the whole day), or before this RFC 3339 time.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Folder for the reports (created if missing).
    #[arg(long, value_name = "DIR", default_value = "xunjian-reports")]
    out: PathBuf,
    /// Report formats to write.
    #[arg(long, value_delimiter = ',', default_value = "csv,json")]
    format: Vec<ReportFormat>,
    /// Exit 1 when a finding is at or above this severity (`none`: never).
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    fail_on: FailOn,
    /// Scanning threads (default: all cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Language of report headers and the summary.
    #[arg(long, default_value = "zh")]
    lang: Lang,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The draft to check: a text or HTML file, or `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    file: String,
    /// The draft's title, checked too.
    #[arg(long, default_value = "")]
    title: String,
    /// Treat the draft as HTML (implied by a .html/.htm name).
    #[arg(long)]
    html: bool,
    #[command(flatten)]
    rules: RuleArgs,
    /// Output format.
    #[arg(long, default_value = "text")]
    format: CheckFormat,
    /// Exit 1 when a finding is at or above this severity (`none`: never).
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    fail_on: FailOn,
    /// Language of the listing.
    #[arg(long, default_value = "zh")]
    lang: Lang,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// List every rule of every pack.
    List(RuleArgs),
    /// Run every rule's examples and counter-examples; exit 1 on any miss.
    Test(RuleArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Low,
    Medium,
    High,
    Critical,
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::None => None,
        }
    }

    fn tripped(self, findings: &[Finding]) -> bool {
        self.threshold()
            .is_some_and(|t| findings.iter().any(|f| f.rule.severity >= t))
    }
}

/// Parses the command line, runs the command and returns its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Scan(a) => scan(a),
        Command::Check(a) => check(a),
        Command::Rules(RulesCommand::List(a)) => rules_list(a),
        Command::Rules(RulesCommand::Test(a)) => rules_test(a),
    };
    exit.into()
}

fn fail(message: impl std::fmt::Display) -> Exit {
    eprintln!("xunjian: {message}");
    Exit::Usage
}

fn load_rules(args: &RuleArgs) -> Result<(Engine, String), Exit> {
    let (loaded, origin) = match &args.rules {
        Some(dir) => (rules::load_dir(dir), dir.display().to_string()),
        None => (rules::load_embedded(), "embedded".to_string()),
    };
    let set: RuleSet = loaded.map_err(|e| fail(format!("rule packs have errors:\n{e}")))?;
    let engine = Engine::new(set).map_err(|e| fail(format!("cannot compile the rules: {e}")))?;
    Ok((engine, origin))
}

/// Parses `--since`/`--until`: RFC 3339, or a date (Beijing time); a bare
/// `--until` date includes that whole day.
fn parse_bound(s: &str, end_of_day: bool) -> Result<DateTime<FixedOffset>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date: use YYYY-MM-DD or an RFC 3339 time"))?;
    let d = if end_of_day {
        d.succ_opt().unwrap_or(d)
    } else {
        d
    };
    shanghai()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .ok_or_else(|| format!("`{s}` has no midnight in Beijing time"))
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

fn thread_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, String> {
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

fn scan(a: ScanArgs) -> Exit {
    let registry = match crate::registry::load(&a.registry) {
        Ok(r) => r,
        Err(e) => return fail(format!("the registry has errors:\n{e}")),
    };
    let selected = match select(&registry.accounts, &a) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let options = match (|| -> Result<ScanOptions, String> {
        Ok(ScanOptions {
            since: a
                .since
                .as_deref()
                .map(|s| parse_bound(s, false))
                .transpose()
                .map_err(|e| format!("--since: {e}"))?,
            until: a
                .until
                .as_deref()
                .map(|s| parse_bound(s, true))
                .transpose()
                .map_err(|e| format!("--until: {e}"))?,
        })
    })() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let (engine, rules_origin) = match load_rules(&a.rules) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let pool = match thread_pool(a.jobs) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!(
            "xunjian: cannot create the report folder {}: {e}",
            a.out.display()
        );
        return Exit::ReportFailed;
    }
    let tty = std::io::stderr().is_terminal();
    let mut printer = ProgressPrinter {
        enabled: !a.quiet,
        tty,
        // In a log, the first line comes after the first interval.
        last: if tty { None } else { Some(Instant::now()) },
    };
    let outcome: ScanOutcome =
        pool.install(|| pipeline::scan(&engine, &selected, &options, &mut |p| printer.update(p)));
    let meta = RunMeta {
        id: outcome.started_at.format("%Y%m%dT%H%M%S").to_string(),
        kind: "scan".into(),
        arguments: std::env::args().skip(1).collect(),
        registry: Some(registry.path.display().to_string()),
        rules: rules_origin,
        since: options.since.map(|t| t.to_rfc3339()),
        until: options.until.map(|t| t.to_rfc3339()),
    };
    let mut written = Vec::new();
    let mut report_failed = false;
    for format in dedup(&a.format) {
        let (ext, result) = match format {
            ReportFormat::Csv => {
                let path = a.out.join(format!("xunjian-{}.csv", meta.id));
                (
                    path.clone(),
                    report::csv::write(&path, &outcome.findings, a.lang),
                )
            }
            ReportFormat::Json => {
                let path = a.out.join(format!("xunjian-{}.json", meta.id));
                (
                    path.clone(),
                    report::json::write(&path, &meta, &outcome, &engine.rules),
                )
            }
        };
        match result {
            Ok(()) => written.push(ext.display().to_string()),
            Err(e) => {
                eprintln!("xunjian: cannot write {}: {e}", ext.display());
                report_failed = true;
            }
        }
    }
    if !a.quiet {
        print!("{}", report::text::scan_summary(&outcome, &written, a.lang));
    }
    if report_failed {
        Exit::ReportFailed
    } else if !outcome.complete() {
        Exit::Incomplete
    } else if a.fail_on.tripped(&outcome.findings) {
        Exit::Findings
    } else {
        Exit::Clean
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

fn check(a: CheckArgs) -> Exit {
    let (engine, _) = match load_rules(&a.rules) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let body = if a.file == "-" {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            return fail(format!("cannot read the draft from standard input: {e}"));
        }
        draft_text(&bytes, a.html).map_err(|e| format!("standard input: {e}"))
    } else {
        crate::source::file::read_draft(Path::new(&a.file), a.html)
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let post = Post {
        id: "draft".into(),
        title: a.title.clone(),
        text: body,
        url: String::new(),
        published_at: None,
        author: String::new(),
        truncated: false,
    };
    let draft_account = AccountRef {
        id: "draft".into(),
        name: "draft".into(),
        platform: Platform::App,
        platform_account_id: "draft".into(),
        unit: String::new(),
        department: String::new(),
        leader: Contact::default(),
        admin: Contact::default(),
    };
    let findings = engine.scan_post(&draft_account, &post, &mut Scratch::new());
    match a.format {
        CheckFormat::Text => print!(
            "{}",
            report::text::check_listing(&findings, &post.title, &post.text, a.lang)
        ),
        CheckFormat::Json => {
            let doc = serde_json::json!({
                "schema_version": report::json::SCHEMA_VERSION,
                "rule_packs": engine.rules.versions().into_iter().map(|(id, v)| serde_json::json!({"id": id, "version": v})).collect::<Vec<_>>(),
                "findings": findings.iter().map(|f| serde_json::json!({
                    "rule": f.rule,
                    "field": f.field,
                    "matched": f.matched,
                    "normalized": f.normalized,
                    "occurrences": f.occurrences,
                    "char_start": f.char_start,
                    "char_end": f.char_end,
                    "snippet": f.snippet,
                    "evasion": f.evasion,
                })).collect::<Vec<_>>(),
            });
            match serde_json::to_string_pretty(&doc) {
                Ok(s) => println!("{s}"),
                Err(e) => return fail(e),
            }
        }
    }
    if a.fail_on.tripped(&findings) {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

fn rules_list(a: RuleArgs) -> Exit {
    let (engine, origin) = match load_rules(&a) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let set = &engine.rules;
    println!(
        "rules from {origin}: {} packs, {} rules, {} distinct words",
        set.packs.len(),
        set.rules.len(),
        engine.matcher.pattern_count()
    );
    for (pi, pack) in set.packs.iter().enumerate() {
        println!(
            "\n{} @ {} — {} [{}]",
            pack.id, pack.version, pack.name, pack.category
        );
        for r in set.rules.iter().filter(|r| r.pack == pi) {
            let mut how = Vec::new();
            if !r.keywords.is_empty() {
                how.push(format!("{} keywords", r.keywords.len()));
            }
            if r.regex.is_some() {
                how.push("regex".to_string());
            }
            if let Some(v) = r.validator {
                how.push(format!("validator {}", v.as_str()));
            }
            if !r.allow.is_empty() {
                how.push(format!("{} allow", r.allow.len()));
            }
            if r.context.is_some() {
                how.push("context".to_string());
            }
            println!(
                "  {:<36} {:<8} {:<13} {}  {} ({})",
                r.id,
                r.severity.as_str(),
                r.category.as_str(),
                rules::article_label(r.article),
                r.name,
                how.join(", ")
            );
        }
    }
    Exit::Clean
}

fn rules_test(a: RuleArgs) -> Exit {
    let (engine, origin) = match load_rules(&a) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let outcome = rules::selftest::run(&engine);
    for m in &outcome.misses {
        if m.expected_match {
            println!(
                "MISS   {} ({}): example did not match: {}",
                m.rule, m.origin, m.text
            );
        } else {
            println!(
                "FALSE  {} ({}): counter-example matched [{}]: {}",
                m.rule,
                m.origin,
                m.matched.join(", "),
                m.text
            );
        }
    }
    for r in &outcome.rules_without_examples {
        println!("note   {r}: no examples");
    }
    println!(
        "rules test ({origin}): {} rules, {} examples checked, {} passed, {} failed",
        engine.rules.rules.len(),
        outcome.checked,
        outcome.checked - outcome.misses.len(),
        outcome.misses.len()
    );
    if outcome.misses.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    }
}
