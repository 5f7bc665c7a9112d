//! Parsing and validating rule-pack files.
//!
//! Files are read through a [`PackFiles`] so the same code loads a folder on
//! disk and the packs embedded in the binary.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{Context, Origin, Pack, Rule, RuleError, RuleErrors, RuleOptions, RuleSet};
use crate::engine::normalize::{compact_form, folded_form, is_break_char};
use crate::engine::validate::Validator;
use crate::error::line_of;
use crate::model::{Category, Severity};

/// The files of a rule folder: the packs, and a way to read the word lists
/// they name.
trait PackFiles {
    /// `(display name, relative path, contents)` of every `*.toml` pack, in name order.
    fn packs(&self) -> Result<Vec<(String, String, String)>, RuleError>;
    /// Reads a word list named relative to the folder; the error says why not.
    fn read(&self, relative: &str) -> Result<(String, String), String>;
}

struct DirFiles {
    root: PathBuf,
}

impl PackFiles for DirFiles {
    fn packs(&self) -> Result<Vec<(String, String, String)>, RuleError> {
        let dir_error =
            |message: String| RuleError::new(self.root.display().to_string(), None, message);
        let entries = std::fs::read_dir(&self.root).map_err(|e| {
            dir_error(format!(
                "cannot read the rules folder: {e}; pass an existing folder with --rules, or omit --rules to use the packs built into xunjian"
            ))
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(dir_error(
                "no rule packs (*.toml) in this folder; point --rules at the folder that holds them".into(),
            ));
        }
        let mut out = Vec::new();
        for path in paths {
            let shown = path.display().to_string();
            let bytes = std::fs::read(&path)
                .map_err(|e| RuleError::new(shown.clone(), None, format!("cannot read: {e}")))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                RuleError::new(
                    shown.clone(),
                    None,
                    format!(
                        "not valid UTF-8 (byte {}); save the file as UTF-8",
                        e.utf8_error().valid_up_to()
                    ),
                )
            })?;
            let rel = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((shown, rel, text));
        }
        Ok(out)
    }

    fn read(&self, relative: &str) -> Result<(String, String), String> {
        let path = self.root.join(relative);
        let shown = path.display().to_string();
        std::fs::read_to_string(&path)
            .map(|t| (shown.clone(), t))
            .map_err(|e| format!("cannot read `{shown}`: {e}"))
    }
}

struct EmbeddedFiles {
    files: &'static [(&'static str, &'static str)],
}

impl PackFiles for EmbeddedFiles {
    fn packs(&self) -> Result<Vec<(String, String, String)>, RuleError> {
        Ok(self
            .files
            .iter()
            .filter(|(name, _)| name.ends_with(".toml") && !name.contains('/'))
            .map(|(name, text)| {
                (
                    format!("embedded:{name}"),
                    name.to_string(),
                    text.to_string(),
                )
            })
            .collect())
    }

    fn read(&self, relative: &str) -> Result<(String, String), String> {
        let wanted = normalize_rel(relative);
        self.files
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(name, text)| (format!("embedded:{name}"), text.to_string()))
            .ok_or_else(|| format!("`{relative}` is not among the embedded rule files"))
    }
}

fn normalize_rel(relative: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in relative.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// Loads every `*.toml` pack of a folder (word lists are read relative to it).
///
/// Cost: reads and validates every file, compiling each regex once to check
/// it; all problems are collected and returned together.
pub fn load_dir(dir: &Path) -> Result<RuleSet, RuleErrors> {
    load_from(&DirFiles {
        root: dir.to_path_buf(),
    })
}

/// Loads the packs shipped in `rules/` and built into the binary.
pub fn load_embedded() -> Result<RuleSet, RuleErrors> {
    load_from(&EmbeddedFiles {
        files: embedded::FILES,
    })
}

/// Loads packs given as `(file name, contents)` pairs; word lists are
/// looked up among the same pairs. Meant for tests and tools.
pub fn load_files(files: &'static [(&'static str, &'static str)]) -> Result<RuleSet, RuleErrors> {
    load_from(&EmbeddedFiles { files })
}

fn load_from(files: &dyn PackFiles) -> Result<RuleSet, RuleErrors> {
    let packs = files.packs().map_err(RuleErrors::one)?;
    let mut set = RuleSet::default();
    let mut errors = Vec::new();
    let mut pack_ids: HashMap<String, String> = HashMap::new();
    let mut rule_ids: HashMap<String, Origin> = HashMap::new();
    for (shown, rel, text) in packs {
        let mut ctx = FileCtx {
            shown: &shown,
            errors: &mut errors,
        };
        let file: PackFile = match toml::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                let (line, rule) = match e.span() {
                    Some(span) => (
                        Some(line_of(&text, span.start)),
                        rule_around(&text, span.start),
                    ),
                    None => (None, None),
                };
                ctx.errors.push(
                    RuleError::new(
                        shown.clone(),
                        line,
                        format!(
                            "{}; see docs/RULES.md for the rule-pack format",
                            e.message().trim_end()
                        ),
                    )
                    .about(rule.map(|r| format!("rule `{r}`"))),
                );
                continue;
            }
        };
        let pack_index = set.packs.len();
        let pack_line = line_of(&text, file.pack.id.span().start);
        if let Some(other) = pack_ids.get(file.pack.id.get_ref()) {
            ctx.push(
                pack_line,
                None,
                format!(
                    "pack id `{}` is also used by {other}; pack ids must be unique",
                    file.pack.id.get_ref()
                ),
            );
        }
        pack_ids.insert(file.pack.id.get_ref().clone(), shown.clone());
        if file.pack.version.trim().is_empty() {
            ctx.push(
                pack_line,
                None,
                "pack version is empty; give it a version such as \"2026.11.26\"".into(),
            );
        }
        let base_dir = Path::new(&rel)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let pack_allow = ctx.words(pack_line, None, "allow", &file.pack.allow);
        set.packs.push(Pack {
            id: file.pack.id.get_ref().clone(),
            version: file.pack.version.clone(),
            name: file.pack.name.clone(),
            category: file.pack.category,
            description: file.pack.description.clone(),
            origin: shown.clone(),
        });
        for raw in file.rule {
            let id = raw.id.get_ref().clone();
            let line = line_of(&text, raw.id.span().start);
            let origin = Origin {
                file: shown.clone(),
                line,
            };
            if id.trim().is_empty() {
                ctx.push(line, None, "rule id is empty".into());
                continue;
            }
            if let Some(prev) = rule_ids.get(&id) {
                ctx.push(line, Some(&id), format!("duplicate rule id, first defined at {prev}; rule ids must be unique across all packs"));
                continue;
            }
            rule_ids.insert(id.clone(), origin.clone());
            if let Some(rule) = ctx.rule(
                raw,
                pack_index,
                &file.pack,
                &pack_allow,
                &base_dir,
                files,
                origin,
            ) {
                set.rules.push(rule);
            }
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(crate::error::Problems(errors))
    }
}

struct FileCtx<'a> {
    shown: &'a str,
    errors: &'a mut Vec<RuleError>,
}

impl FileCtx<'_> {
    fn push(&mut self, line: usize, rule: Option<&str>, message: String) {
        self.errors.push(
            RuleError::new(self.shown, Some(line), message)
                .about(rule.map(|r| format!("rule `{r}`"))),
        );
    }

    /// Checks that every word can match (non-empty once normalized, no
    /// sentence end inside) and returns them, de-duplicated in order.
    fn words(
        &mut self,
        line: usize,
        rule: Option<&str>,
        what: &str,
        words: &[String],
    ) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for w in words {
            if let Some(problem) = word_problem(w) {
                self.push(line, rule, format!("{what} `{w}` {problem}"));
            } else if seen.insert(w.clone()) {
                out.push(w.clone());
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn rule(
        &mut self,
        raw: RawRule,
        pack_index: usize,
        pack: &RawPack,
        pack_allow: &[String],
        base_dir: &Path,
        files: &dyn PackFiles,
        origin: Origin,
    ) -> Option<Rule> {
        let line = origin.line;
        let id = raw.id.get_ref().clone();
        let rid = Some(id.as_str());
        let before = self.errors.len();
        let mut keywords = self.words(line, rid, "keyword", &raw.keywords);
        if let Some(list) = &raw.keywords_file {
            let rel = base_dir.join(list).to_string_lossy().replace('\\', "/");
            match files.read(&rel) {
                Ok((shown, text)) => {
                    let mut seen: HashSet<String> = keywords.iter().cloned().collect();
                    for (i, w) in text.lines().enumerate() {
                        let w = w.trim().trim_start_matches('\u{feff}');
                        if w.is_empty() || w.starts_with('#') {
                            continue;
                        }
                        if let Some(problem) = word_problem(w) {
                            self.errors.push(
                                RuleError::new(
                                    shown.clone(),
                                    Some(i + 1),
                                    format!("keyword `{w}` {problem}"),
                                )
                                .about(Some(format!("rule `{id}`"))),
                            );
                        } else if seen.insert(w.to_string()) {
                            keywords.push(w.to_string());
                        }
                    }
                }
                Err(why) => self.push(
                    line,
                    rid,
                    format!("keywords_file: {why}; the path is relative to the pack file"),
                ),
            }
        }
        if let Some(re) = &raw.regex {
            if let Err(e) = regex::RegexBuilder::new(re).size_limit(32 << 20).build() {
                self.push(line, rid, format!("regex does not compile: {e}; use Rust regex syntax (no look-around, no back-references)"));
            }
        }
        if raw.keywords.is_empty() && raw.keywords_file.is_none() && raw.regex.is_none() {
            self.push(
                line,
                rid,
                "rule has nothing to match: give it keywords, keywords_file or regex".into(),
            );
        } else if keywords.is_empty() && raw.regex.is_none() && self.errors.len() == before {
            self.push(
                line,
                rid,
                "rule has no usable keyword: its keyword list is empty".into(),
            );
        }
        if raw.validator.is_some() && raw.regex.is_none() {
            self.push(
                line,
                rid,
                "a validator checks regex matches: add a regex or remove the validator".into(),
            );
        }
        if !raw.prefilter.is_empty() && raw.regex.is_none() {
            self.push(
                line,
                rid,
                "prefilter words gate a regex: add a regex or move them to keywords".into(),
            );
        }
        let no_keywords = raw.keywords.is_empty() && raw.keywords_file.is_none();
        for (on, what) in [(raw.repeat, "repeat"), (raw.pinyin, "pinyin")] {
            if on && no_keywords {
                self.push(
                    line,
                    rid,
                    format!("`{what} = true` applies to keywords and the rule has none: remove it or add keywords"),
                );
            }
        }
        if raw.numerals && raw.regex.is_none() {
            self.push(
                line,
                rid,
                "`numerals = true` lets a regex read Chinese numerals as digits and the rule has no regex: remove it or add a regex".into(),
            );
        }
        if !(1..=15).contains(&raw.article) {
            self.push(
                line,
                rid,
                format!(
                    "article {} is not an article of the Measures (1 to 15)",
                    raw.article
                ),
            );
        }
        for (what, text) in [("name", &raw.name), ("message", &raw.message)] {
            if text.trim().is_empty() {
                self.push(
                    line,
                    rid,
                    format!("{what} is empty; officers read it in every report"),
                );
            }
        }
        let prefilter: Vec<String> = raw
            .prefilter
            .iter()
            .filter(|w| {
                let empty = folded_form(w).trim().is_empty();
                if empty {
                    self.push(line, rid, format!("prefilter word `{w}` is empty"));
                }
                !empty
            })
            .cloned()
            .collect();
        let mut allow = self.words(line, rid, "allow phrase", &raw.allow);
        for a in pack_allow {
            if !allow.contains(a) {
                allow.push(a.clone());
            }
        }
        let context = match raw.context {
            None => None,
            Some(c) => {
                let require = self.words(line, rid, "context word", &c.require);
                let forbid = self.words(line, rid, "context word", &c.forbid);
                if require.is_empty() && forbid.is_empty() {
                    self.push(
                        line,
                        rid,
                        "context needs `require` or `forbid` words".into(),
                    );
                }
                Some(Context {
                    window: c.window,
                    require,
                    forbid,
                })
            }
        };
        if self.errors.len() != before {
            return None;
        }
        Some(Rule {
            id,
            name: raw.name,
            message: raw.message,
            category: raw.category.unwrap_or(pack.category),
            severity: raw.severity,
            article: raw.article,
            pack: pack_index,
            keywords,
            regex: raw.regex,
            prefilter,
            validator: raw.validator,
            allow,
            context,
            examples: raw.examples,
            counter_examples: raw.counter_examples,
            options: RuleOptions {
                repeat: raw.repeat,
                pinyin: raw.pinyin,
                word_boundary: raw.word_boundary.unwrap_or(true),
                numerals: raw.numerals,
            },
            origin,
        })
    }
}

/// Why a word can never match, if it cannot.
fn word_problem(word: &str) -> Option<&'static str> {
    let compact = compact_form(word);
    if compact.is_empty() {
        Some("is empty once spaces, punctuation and symbols are skipped, so it can never match")
    } else if compact.chars().any(is_break_char) {
        Some("contains a line break or sentence end (。！？), which no match may cross")
    } else {
        None
    }
}

/// The id of the `[[rule]]` table that contains `offset`, if any.
fn rule_around(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind("[[rule]]")?;
    let after = &text[start..];
    let end = after[8..].find("[[").map_or(after.len(), |i| i + 8);
    after[..end].lines().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("id")?.trim_start().strip_prefix('=')?.trim();
        Some(rest.trim_matches(|c| c == '"' || c == '\'').to_string())
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: RawPack,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    id: Spanned<String>,
    version: String,
    name: String,
    category: Category,
    #[serde(default)]
    description: String,
    #[serde(default)]
    allow: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    name: String,
    message: String,
    severity: Severity,
    article: u32,
    #[serde(default)]
    category: Option<Category>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    keywords_file: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    prefilter: Vec<String>,
    #[serde(default)]
    validator: Option<Validator>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    context: Option<RawContext>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    counter_examples: Vec<String>,
    #[serde(default)]
    repeat: bool,
    #[serde(default)]
    pinyin: bool,
    #[serde(default)]
    word_boundary: Option<bool>,
    #[serde(default)]
    numerals: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    window: Option<usize>,
    #[serde(default)]
    require: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
}
