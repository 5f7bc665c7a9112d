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

mod accounts;
mod check;
mod report;
mod review;
mod rulecmd;
mod runs;
mod scan;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::Engine;
use crate::model::{Finding, Novelty, Severity};
use crate::rules::{self, RuleSet};
use crate::store::sqlite::SqliteStore;

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
    long_about = "巡检 (xunjian) scans the posts of an organisation's registered WeChat, Weibo, Toutiao and app accounts against rule packs for classified (涉密), personal, false (不实) and unhealthy (不健康) content, checks the operating duties (registration gaps, users' questions left unanswered), and writes findings officers can review in Excel.\n\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/registry/rule error, 3 incomplete scan, 4 report not written."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process; boxing the scan arguments would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Scan the registry's accounts and write CSV/JSON reports.
    Scan(scan::ScanArgs),
    /// Check a draft before publication (先审后发).
    Check(check::CheckArgs),
    /// List, test or lint the rule packs, or mine a clean corpus for false positives.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Show the run history kept in the state database.
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// The officers' review round trip: export findings to CSV, import the edited sheet.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// The accountability report of a period (per unit and account), as CSV and HTML.
    Report(report::ReportArgs),
    /// The account registry: import the registration sheet, list, history, audit (Art. 4, 5, 14).
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
}

#[derive(Args, Debug, Clone)]
struct RuleArgs {
    /// Folder of rule packs (*.toml); default: the packs built into xunjian.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

/// The state database argument, shared by every command that uses one.
#[derive(Args, Debug, Clone)]
pub(super) struct DbArg {
    /// The state database: what was scanned, findings and their review status, run history.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "xunjian.db",
        env = "XUNJIAN_DB"
    )]
    pub(super) db: PathBuf,
}

impl DbArg {
    /// Opens an existing database (never creates one).
    pub(super) fn open(&self) -> Result<SqliteStore, String> {
        if !self.db.exists() {
            return Err(format!(
                "state database {} does not exist: pass the --db your scans use",
                self.db.display()
            ));
        }
        SqliteStore::open(&self.db, 0).map_err(|e| e.to_string())
    }
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// List every rule of every pack.
    List(RuleArgs),
    /// Run every rule's examples and counter-examples (and an annotated corpus with --corpus); exit 1 on any miss.
    Test(rulecmd::TestArgs),
    /// Check the packs for noisy, dead or untested rules; exit 1 on errors.
    Lint(rulecmd::LintArgs),
    /// Run the packs over clean text and list the most frequent hits with suggested allow phrases.
    MineFp(rulecmd::MineFpArgs),
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

    /// True when a finding new in this run reaches the threshold (findings
    /// already known from earlier runs were alerted on then; suppressed
    /// findings do not count).
    fn tripped(self, findings: &[Finding]) -> bool {
        self.threshold().is_some_and(|t| {
            findings
                .iter()
                .any(|f| f.novelty == Novelty::New && f.rule.severity >= t)
        })
    }

    /// [`FailOn::tripped`] for a scan run: suppressed findings do not count.
    fn tripped_run(self, outcome: &crate::pipeline::ScanOutcome) -> bool {
        self.threshold().is_some_and(|t| outcome.alerts_at(t))
    }
}

/// Parses the command line, runs the command and returns its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Scan(a) => scan::scan(a),
        Command::Check(a) => check::check(a),
        Command::Rules(RulesCommand::List(a)) => rulecmd::list(a),
        Command::Rules(RulesCommand::Test(a)) => rulecmd::test(a),
        Command::Rules(RulesCommand::Lint(a)) => rulecmd::lint(a),
        Command::Rules(RulesCommand::MineFp(a)) => rulecmd::mine_fp(a),
        Command::Runs(c) => runs::run(c),
        Command::Review(c) => review::run(c),
        Command::Report(a) => report::report(a),
        Command::Accounts(c) => accounts::run(c),
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
