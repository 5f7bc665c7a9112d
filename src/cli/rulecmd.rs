//! `xunjian rules list`, `test`, `lint` and `mine-fp`.

use std::path::PathBuf;

use clap::Args;

use super::{fail, load_rules, Exit, RuleArgs};
use crate::rules;
use crate::rules::lint::{Dictionary, Level};

/// Arguments of `xunjian rules test`.
#[derive(Args, Debug, Clone)]
pub(super) struct TestArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Also run an annotated regression corpus: a folder of *.toml case files
    /// (the project's is tests/corpus); see docs/RULE-QUALITY.md.
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
}

/// Arguments of `xunjian rules lint`.
#[derive(Args, Debug, Clone)]
pub(super) struct LintArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Segmentation dictionary for the common-word check (jieba's dict.txt:
    /// `WORD FREQ TAG` a line); default: $XUNJIAN_DICT, else the jieba-rs
    /// crate's dict.txt in the cargo registry (fetch it with `cargo info jieba-rs`).
    #[arg(long, value_name = "FILE", env = "XUNJIAN_DICT")]
    dict: Option<PathBuf>,
    /// Dictionary frequency from which a keyword counts as a common word.
    #[arg(long, default_value_t = 2000, value_name = "N")]
    common_freq: u64,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
}

/// Arguments of `xunjian rules mine-fp`.
#[derive(Args, Debug, Clone)]
pub(super) struct MineFpArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Clean texts: a .csv file with a header, or a text file with one document a line.
    #[arg(value_name = "CORPUS")]
    corpus: PathBuf,
    /// CSV text column.
    #[arg(long, default_value = "TEXT", value_name = "NAME")]
    column: String,
    /// Keep only CSV rows whose `label` column is this (COLD: 0 = safe).
    #[arg(long, value_name = "VALUE")]
    label: Option<String>,
    /// How many (rule, match) groups to list.
    #[arg(long, default_value_t = 30, value_name = "N")]
    top: usize,
}

/// `xunjian rules list`.
pub(super) fn list(a: RuleArgs) -> Exit {
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

/// `xunjian rules test`: exit 1 on any misbehaving example or corpus case.
pub(super) fn test(args: TestArgs) -> Exit {
    let a = args.rules;
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
    let mut corpus_ok = true;
    if let Some(dir) = &args.corpus {
        match corpus(&engine, dir) {
            Ok(ok) => corpus_ok = ok,
            Err(e) => return fail(e),
        }
    }
    if outcome.misses.is_empty() && corpus_ok {
        Exit::Clean
    } else {
        Exit::Findings
    }
}

/// Runs the annotated corpus and prints per-rule scores; `Ok(false)` on any mismatch.
fn corpus(engine: &crate::engine::Engine, dir: &std::path::Path) -> Result<bool, String> {
    let cases = rules::corpus::load_dir(dir)?;
    let rep = rules::corpus::run(engine, &cases)?;
    for m in &rep.mismatches {
        if m.missed {
            println!("FN     {} ({}): did not fire: {}", m.rule, m.origin, m.text);
        } else {
            println!(
                "FP     {} ({}): fired [{}]: {}",
                m.rule,
                m.origin,
                m.matched.join(", "),
                m.text
            );
        }
    }
    println!(
        "\n{:<36} {:>4} {:>4} {:>4} {:>4}",
        "corpus rule", "TP", "FN", "FP", "TN"
    );
    for (id, s) in &rep.scores {
        println!("{id:<36} {:>4} {:>4} {:>4} {:>4}", s.tp, s.fn_, s.fp, s.tn);
    }
    println!(
        "corpus ({}): {} cases, {} mismatches",
        dir.display(),
        rep.cases,
        rep.mismatches.len()
    );
    Ok(rep.mismatches.is_empty())
}

/// `xunjian rules lint`: exit 1 on errors (or on warnings with --deny-warnings).
pub(super) fn lint(a: LintArgs) -> Exit {
    let (engine, origin) = match load_rules(&a.rules) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let path = a.dict.clone().or_else(rules::lint::find_jieba_dict);
    let dict = match &path {
        Some(p) => match Dictionary::load(p) {
            Ok(d) => Some(d),
            Err(e) => return fail(e),
        },
        None => {
            println!("note   common-word check skipped: no dictionary (pass --dict FILE, or run `cargo info jieba-rs` to fetch jieba's dict.txt)");
            None
        }
    };
    let opts = rules::lint::Options {
        dict,
        common_freq: a.common_freq,
    };
    let found = rules::lint::lint(&engine.rules, &opts);
    let (mut errors, mut warnings) = (0, 0);
    for l in &found {
        let tag = match l.level {
            Level::Error => {
                errors += 1;
                "error"
            }
            Level::Warning => {
                warnings += 1;
                "warn "
            }
        };
        println!(
            "{tag}  {:<20} {} ({}): {}",
            l.check, l.rule, l.origin, l.message
        );
    }
    println!(
        "rules lint ({origin}): {} rules, {errors} errors, {warnings} warnings{}",
        engine.rules.rules.len(),
        path.map(|p| format!(", dictionary {}", p.display()))
            .unwrap_or_default()
    );
    if errors > 0 || (a.deny_warnings && warnings > 0) {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

/// `xunjian rules mine-fp`: always exits 0 once the corpus is read.
pub(super) fn mine_fp(a: MineFpArgs) -> Exit {
    let (engine, origin) = match load_rules(&a.rules) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let docs = match rules::minefp::read_docs(&a.corpus, &a.column, a.label.as_deref()) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let mined = rules::minefp::mine(&engine, &docs);
    let flagged: usize = {
        let mut scratch = crate::engine::Scratch::new();
        docs.iter()
            .filter(|d| !rules::corpus::fired(&engine, "", &d.text, &mut scratch).is_empty())
            .count()
    };
    println!(
        "mine-fp ({origin}) over {}: {} documents, {} flagged ({:.2}%), {} distinct (rule, match)",
        a.corpus.display(),
        docs.len(),
        flagged,
        100.0 * flagged as f64 / docs.len().max(1) as f64,
        mined.len()
    );
    for m in mined.iter().take(a.top) {
        println!(
            "\n{:<28} {}  {} docs, {} hits",
            m.rule, m.normalized, m.docs, m.hits
        );
        for c in &m.contexts {
            println!("    … {c}");
        }
        if !m.suggestions.is_empty() {
            let s: Vec<String> = m
                .suggestions
                .iter()
                .map(|(p, n)| format!("{p} ({n})"))
                .collect();
            println!("    allow? {}", s.join(", "));
        }
    }
    Exit::Clean
}
