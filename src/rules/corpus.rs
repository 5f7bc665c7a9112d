//! The annotated regression corpus: texts with the rules that must and must
//! not fire on them (semgrep style), run through the real engine.
//!
//! A corpus is a folder of TOML files (one per pack by convention,
//! `tests/corpus/<pack>.toml`), each a list of cases:
//!
//! ```toml
//! [[case]]
//! text = "机 密★1年 关于……"             # the post body
//! title = "…"                          # optional post title
//! fire = ["classified.marking"]        # each must fire
//! not_fire = ["classified.keep_safe"]  # none may fire
//! clean = true                         # optional: no rule of any pack may fire
//! evasion = true                       # optional: the text is itself disguised
//! note = "spaced level"                # optional: why the case is here
//! ```
//!
//! [`run`] scores every rule named anywhere in the corpus: true positives
//! (expected and fired), false negatives (expected, silent), false positives
//! (forbidden or clean, fired) and true negatives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::{Engine, Scratch};
use crate::model::Post;

/// One annotated text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The post body.
    pub text: String,
    /// The post title (optional).
    #[serde(default)]
    pub title: String,
    /// Rule ids that must fire.
    #[serde(default)]
    pub fire: Vec<String>,
    /// Rule ids that must not fire.
    #[serde(default)]
    pub not_fire: Vec<String>,
    /// When true, no rule of any pack may fire.
    #[serde(default)]
    pub clean: bool,
    /// True when the text itself is disguised (spaced, traditional, …):
    /// such cases are not transformed again by evasion measurements.
    #[serde(default)]
    pub evasion: bool,
    /// Why the case is in the corpus.
    #[serde(default)]
    pub note: String,
    /// `file:case-number`, filled in by [`load_dir`].
    #[serde(skip)]
    pub origin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    #[serde(default)]
    case: Vec<Case>,
}

/// Reads every `*.toml` file of `dir` (sorted by name).
///
/// Errors name the file and say what to fix. Cost: reads and parses the files.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            format!(
                "cannot read the corpus folder {}: {e} (pass an existing folder of *.toml case files)",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "the corpus folder {} holds no *.toml case files",
            dir.display()
        ));
    }
    let mut cases = Vec::new();
    for f in files {
        let src =
            std::fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let parsed: CorpusFile =
            toml::from_str(&src).map_err(|e| format!("{}: not a corpus file: {e}", f.display()))?;
        for (i, mut c) in parsed.case.into_iter().enumerate() {
            c.origin = format!("{}:case {}", f.display(), i + 1);
            if c.fire.is_empty() && c.not_fire.is_empty() && !c.clean {
                return Err(format!(
                    "{}: says nothing: give `fire`, `not_fire` or `clean = true`",
                    c.origin
                ));
            }
            cases.push(c);
        }
    }
    Ok(cases)
}

/// Per-rule counts over a corpus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    /// Expected to fire and fired.
    pub tp: usize,
    /// Expected not to fire (named in `not_fire`, or a clean case) and fired.
    pub fp: usize,
    /// Expected to fire and silent.
    pub fn_: usize,
    /// Named in `not_fire` and silent.
    pub tn: usize,
}

/// A case whose outcome differs from its annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `file:case N`.
    pub origin: String,
    /// The rule.
    pub rule: String,
    /// True when the rule should have fired and did not.
    pub missed: bool,
    /// The case text.
    pub text: String,
    /// What fired (for false positives).
    pub matched: Vec<String>,
}

/// The outcome of a corpus run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Cases run.
    pub cases: usize,
    /// Counts per rule id.
    pub scores: BTreeMap<String, Score>,
    /// Every mismatch, in corpus order.
    pub mismatches: Vec<Mismatch>,
}

/// The rule ids that fire on a text (title + body), with what they matched.
///
/// Cost: one engine scan of the text.
pub fn fired(
    engine: &Engine,
    title: &str,
    text: &str,
    scratch: &mut Scratch,
) -> BTreeMap<String, Vec<String>> {
    let post = Post::from_text("corpus", title, text);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for h in engine.hits(&post, scratch) {
        let src = match h.field {
            crate::model::Field::Title => title,
            _ => text,
        };
        out.entry(engine.rules.rules[h.rule].id.clone())
            .or_default()
            .push(src.get(h.start..h.end).unwrap_or("").to_string());
    }
    out
}

/// Runs every case through `engine`. Fails (returns `Err`) when a case names
/// a rule the engine does not have, so typos in the corpus do not pass silently.
///
/// Cost: one scan per case.
pub fn run(engine: &Engine, cases: &[Case]) -> Result<Report, String> {
    let known: std::collections::HashSet<&str> =
        engine.rules.rules.iter().map(|r| r.id.as_str()).collect();
    let mut scratch = Scratch::new();
    let mut rep = Report {
        cases: cases.len(),
        ..Report::default()
    };
    for c in cases {
        for id in c.fire.iter().chain(&c.not_fire) {
            if !known.contains(id.as_str()) {
                return Err(format!(
                    "{}: unknown rule id `{id}` (see `xunjian rules list`)",
                    c.origin
                ));
            }
        }
        let got = fired(engine, &c.title, &c.text, &mut scratch);
        for id in &c.fire {
            let s = rep.scores.entry(id.clone()).or_default();
            if got.contains_key(id) {
                s.tp += 1;
            } else {
                s.fn_ += 1;
                rep.mismatches.push(Mismatch {
                    origin: c.origin.clone(),
                    rule: id.clone(),
                    missed: true,
                    text: c.text.clone(),
                    matched: Vec::new(),
                });
            }
        }
        let mut forbidden: Vec<&String> = c.not_fire.iter().collect();
        if c.clean {
            forbidden.extend(got.keys().filter(|k| !c.not_fire.contains(k)));
        }
        for id in forbidden {
            let s = rep.scores.entry(id.clone()).or_default();
            match got.get(id) {
                Some(m) => {
                    s.fp += 1;
                    rep.mismatches.push(Mismatch {
                        origin: c.origin.clone(),
                        rule: id.clone(),
                        missed: false,
                        text: c.text.clone(),
                        matched: m.clone(),
                    });
                }
                None => s.tn += 1,
            }
        }
    }
    Ok(rep)
}
