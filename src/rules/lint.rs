//! `xunjian rules lint`: static checks of a loaded rule set that loading
//! does not reject but that make rules noisy, dead or untestable.
//!
//! | check | level |
//! |---|---|
//! | `single-char` keyword (one character once normalized) | error |
//! | `duplicate` keyword within a rule (same normalized form) | error |
//! | `no-examples`: a rule without examples | error |
//! | `shared` keyword: also a keyword of another rule of the same category | warning |
//! | `shadowed` keyword: contains another keyword of the same rule, so it never adds a hit | warning |
//! | `dead-allow`: an allow phrase containing no keyword and no regex match of its rule | warning |
//! | `no-prefilter`: a regex without prefilter words | warning |
//! | `no-counter-examples`: a rule without counter-examples | warning |
//! | `common-word`: a keyword that is a frequent word of a segmentation dictionary | warning |
//!
//! Errors make the command exit 1; warnings are for review (`--deny-warnings`
//! makes them errors too).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::engine::normalize::{compact_form, folded_form};
use crate::rules::{Rule, RuleSet};

/// How serious a lint finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth a look; does not fail the command.
    Warning,
    /// Fails the command.
    Error,
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    /// Error or warning.
    pub level: Level,
    /// Short check name (`single-char`, `common-word`, …).
    pub check: &'static str,
    /// Rule id.
    pub rule: String,
    /// Where the rule is defined (`file:line`).
    pub origin: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Word frequencies of a segmentation dictionary (jieba's `dict.txt`
/// format: `WORD FREQ [TAG]` a line), keyed by the word's compact form.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    freq: HashMap<String, u64>,
}

impl Dictionary {
    /// Reads a jieba-format dictionary. Cost: the whole file in memory
    /// (jieba's 350,000 words: about 30 MB, under a second).
    pub fn load(path: &Path) -> Result<Dictionary, String> {
        let src = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read the dictionary {}: {e} (pass a jieba-format dict.txt with --dict)",
                path.display()
            )
        })?;
        Ok(Dictionary::parse(&src))
    }

    /// Parses `WORD FREQ [TAG]` lines; malformed lines are skipped.
    pub fn parse(src: &str) -> Dictionary {
        let mut freq = HashMap::new();
        for line in src.lines() {
            let mut it = line.split_whitespace();
            if let (Some(w), Some(f)) = (it.next(), it.next()) {
                if let Ok(f) = f.parse::<u64>() {
                    let e = freq.entry(w.to_lowercase()).or_insert(0);
                    *e = (*e).max(f);
                }
            }
        }
        Dictionary { freq }
    }

    /// The frequency of a word, if the dictionary has it.
    pub fn freq(&self, word: &str) -> Option<u64> {
        self.freq.get(word).copied()
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.freq.len()
    }

    /// True when no word was read.
    pub fn is_empty(&self) -> bool {
        self.freq.is_empty()
    }
}

/// Where jieba's dictionary usually is on a machine that has fetched the
/// `jieba-rs` crate (`cargo info jieba-rs` downloads it): the crate source
/// under `$CARGO_HOME/registry/src`. `None` when it is not there.
pub fn find_jieba_dict() -> Option<std::path::PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let src = home.join("registry").join("src");
    let mut found = Vec::new();
    for idx in std::fs::read_dir(src).ok()?.flatten() {
        for krate in std::fs::read_dir(idx.path()).ok()?.flatten() {
            let name = krate.file_name().to_string_lossy().to_string();
            if name.starts_with("jieba-rs-") {
                let p = krate.path().join("src").join("data").join("dict.txt");
                if p.is_file() {
                    found.push(p);
                }
            }
        }
    }
    found.sort();
    found.pop()
}

/// Lint options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Dictionary for the common-word check (skipped when `None`).
    pub dict: Option<Dictionary>,
    /// A keyword whose dictionary frequency is at least this is a common word.
    pub common_freq: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dict: None,
            common_freq: 2000,
        }
    }
}

/// Runs every check over `set`. Cost: quadratic in the keywords of one rule
/// (a few hundred at most), plus one regex compile per regex rule.
pub fn lint(set: &RuleSet, opts: &Options) -> Vec<Lint> {
    let mut out = Vec::new();
    let pack_allow = pack_wide_allow(set);
    // keyword -> rules (same category) using it
    let mut owners: HashMap<(String, String), Vec<String>> = HashMap::new();
    for r in &set.rules {
        let mut seen = HashSet::new();
        for k in &r.keywords {
            let c = compact_form(k);
            if seen.insert(c.clone()) {
                owners
                    .entry((r.category.as_str().to_string(), c))
                    .or_default()
                    .push(r.id.clone());
            }
        }
    }
    for r in &set.rules {
        let mut push = |level, check, message: String| {
            out.push(Lint {
                level,
                check,
                rule: r.id.clone(),
                origin: r.origin.to_string(),
                message,
            })
        };
        let compact: Vec<(String, String)> = r
            .keywords
            .iter()
            .map(|k| (k.clone(), compact_form(k)))
            .collect();
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for (k, c) in &compact {
            if c.chars().count() == 1 {
                push(
                    Level::Error,
                    "single-char",
                    format!("keyword `{k}` is one character: it fires inside countless ordinary words; use a longer phrase"),
                );
            }
            if let Some(first) = seen.insert(c, k) {
                push(
                    Level::Error,
                    "duplicate",
                    format!(
                        "keyword `{k}` duplicates `{first}` (same once normalized); remove one"
                    ),
                );
            }
            let others = &owners[&(r.category.as_str().to_string(), c.clone())];
            if let Some(o) = others.iter().find(|o| **o != r.id) {
                if others.first() == Some(&r.id) {
                    push(
                        Level::Warning,
                        "shared",
                        format!("keyword `{k}` is also a keyword of {o}: a text fires both; keep it in one rule"),
                    );
                }
            }
            if let Some((sk, _)) = compact
                .iter()
                .find(|(_, s)| s != c && !s.is_empty() && c.contains(s.as_str()))
            {
                push(
                    Level::Warning,
                    "shadowed",
                    format!("keyword `{k}` contains keyword `{sk}` of the same rule, so it never adds a hit; remove it or turn it into an allow phrase"),
                );
            }
            if let Some(d) = &opts.dict {
                if let Some(f) = d.freq(c) {
                    if f >= opts.common_freq {
                        push(
                            Level::Warning,
                            "common-word",
                            format!("keyword `{k}` is a common word (dictionary frequency {f}): expect false positives; add context or use a longer phrase"),
                        );
                    }
                }
            }
        }
        let re = r.regex.as_deref().and_then(|x| regex::Regex::new(x).ok());
        for a in &r.allow {
            if allow_is_live(r, &compact, re.as_ref(), a) {
                continue;
            }
            // A pack-wide phrase is live when any rule of the pack can use it.
            if pack_allow[r.pack].contains(a) {
                continue;
            }
            push(
                Level::Warning,
                "dead-allow",
                format!("allow phrase `{a}` contains no keyword and no regex match of this rule, so it never cancels a hit; fix or remove it"),
            );
        }
        if r.regex.is_some() && r.prefilter.is_empty() {
            push(
                Level::Warning,
                "no-prefilter",
                "regex has no prefilter words: it is screened on every field; add `prefilter` words if every match contains one".to_string(),
            );
        }
        if r.examples.is_empty() {
            push(
                Level::Error,
                "no-examples",
                "rule has no examples: add texts it must fire on (checked by `xunjian rules test`)"
                    .to_string(),
            );
        }
        if r.counter_examples.is_empty() {
            push(
                Level::Warning,
                "no-counter-examples",
                "rule has no counter-examples: add look-alike texts it must not fire on"
                    .to_string(),
            );
        }
    }
    // Pack-wide phrases that no rule of their pack can use.
    for (pi, phrases) in pack_allow.iter().enumerate() {
        let rules: Vec<&Rule> = set.rules.iter().filter(|r| r.pack == pi).collect();
        for a in phrases {
            let live = rules.iter().any(|r| {
                let compact: Vec<(String, String)> = r
                    .keywords
                    .iter()
                    .map(|k| (k.clone(), compact_form(k)))
                    .collect();
                let re = r.regex.as_deref().and_then(|x| regex::Regex::new(x).ok());
                allow_is_live(r, &compact, re.as_ref(), a)
            });
            if !live {
                out.push(Lint {
                    level: Level::Warning,
                    check: "dead-allow",
                    rule: format!("pack {}", set.packs[pi].id),
                    origin: set.packs[pi].origin.clone(),
                    message: format!("pack allow phrase `{a}` contains no keyword and no regex match of any rule of the pack; fix or remove it"),
                });
            }
        }
    }
    out.sort_by(|a, b| b.level.cmp(&a.level).then(a.rule.cmp(&b.rule)));
    out
}

fn allow_is_live(
    _r: &Rule,
    compact: &[(String, String)],
    re: Option<&regex::Regex>,
    allow: &str,
) -> bool {
    let a = compact_form(allow);
    compact
        .iter()
        .any(|(_, c)| !c.is_empty() && a.contains(c.as_str()))
        || re.is_some_and(|re| {
            // With a group `m` only part of a match is the hit and the allow
            // phrase only needs to cover that part, which is not decidable
            // here: count it live when it shares two Han characters in a row
            // with the regex's own Han characters.
            re.is_match(&folded_form(allow))
                || (re.capture_names().any(|n| n == Some("m"))
                    && shares_han_bigram(re.as_str(), &a))
        })
}

/// True when two consecutive Han characters of `phrase` occur in a row among
/// the Han characters of `regex` (regex syntax and noise classes skipped).
fn shares_han_bigram(regex: &str, phrase: &str) -> bool {
    let han = |c: &char| ('\u{3400}'..='\u{9FFF}').contains(c);
    let src: String = regex.chars().filter(han).collect();
    let p: Vec<char> = phrase.chars().collect();
    p.windows(2)
        .any(|w| han(&w[0]) && han(&w[1]) && src.contains(&format!("{}{}", w[0], w[1])))
}

/// Allow phrases shared by every rule of a pack: the pack's own `allow`
/// (the loader merges them into each rule).
fn pack_wide_allow(set: &RuleSet) -> Vec<HashSet<String>> {
    set.packs
        .iter()
        .enumerate()
        .map(|(pi, _)| {
            let mut rules = set.rules.iter().filter(|r| r.pack == pi);
            let Some(first) = rules.next() else {
                return HashSet::new();
            };
            let mut common: HashSet<String> = first.allow.iter().cloned().collect();
            for r in rules {
                let s: HashSet<&String> = r.allow.iter().collect();
                common.retain(|a| s.contains(a));
            }
            common
        })
        .collect()
}
