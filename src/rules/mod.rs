//! Rule packs: the data that says what to look for.
//!
//! A pack is one TOML file (see `docs/RULES.md` for the format); a
//! [`RuleSet`] is every pack of a folder (or the packs embedded in the
//! binary) loaded, validated and flattened into one list of rules. Loading
//! checks everything that can be checked without text to scan: unknown
//! fields, duplicate ids, regexes that do not compile, keywords that can
//! never match, and names the file, line and rule of every problem.
//!
//! Compiling the rules into an automaton is the engine's job
//! ([`crate::engine::Matcher`]); running each rule's examples is
//! [`selftest`]'s.

pub mod corpus;
pub mod lint;
mod load;
pub mod minefp;
pub mod selftest;

use std::fmt;

use crate::engine::validate::Validator;
use crate::model::{Category, Severity};

pub use load::{load_dir, load_embedded, load_files};

/// Metadata of one rule pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    /// Unique pack id.
    pub id: String,
    /// Version, written into every report so a finding can be traced to the rules that made it.
    pub version: String,
    /// Human name.
    pub name: String,
    /// Default category of its rules.
    pub category: Category,
    /// What the pack covers.
    pub description: String,
    /// Where it was loaded from (a path, or `embedded:NAME`).
    pub origin: String,
}

/// Words that must, or must not, occur near a hit for it to count.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    /// Distance in characters from the hit; `None` means anywhere in the same field.
    pub window: Option<usize>,
    /// At least one of these must occur within the window (when non-empty).
    pub require: Vec<String>,
    /// None of these may occur within the window.
    pub forbid: Vec<String>,
}

/// One rule, after loading and validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable, unique id (part of every fingerprint).
    pub id: String,
    /// Short name.
    pub name: String,
    /// Message for officers: what is wrong and what to do.
    pub message: String,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// The article of the Measures the rule enforces.
    pub article: u32,
    /// Index of the rule's pack in [`RuleSet::packs`].
    pub pack: usize,
    /// Literal keywords (as written; the engine normalizes them).
    pub keywords: Vec<String>,
    /// Regex run on the folded text.
    pub regex: Option<String>,
    /// Words that must occur in a field before the regex runs there.
    pub prefilter: Vec<String>,
    /// Check applied to each regex match.
    pub validator: Option<Validator>,
    /// Allow phrases (the rule's own and its pack's).
    pub allow: Vec<String>,
    /// Proximity conditions.
    pub context: Option<Context>,
    /// Texts the rule must fire on.
    pub examples: Vec<String>,
    /// Texts the rule must not fire on.
    pub counter_examples: Vec<String>,
    /// Evasion options (all off but `word_boundary`).
    pub options: RuleOptions,
    /// Where the rule is defined.
    pub origin: Origin,
}

/// Per-rule evasion options (`repeat`, `pinyin`, `word_boundary`,
/// `numerals` in the rule TOML). Each costs scan time only for the rules
/// that turn it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleOptions {
    /// Keywords also match with characters repeated (`赌赌赌博` for `赌博`).
    pub repeat: bool,
    /// Keywords of two or more Han characters also match in full pinyin
    /// (`dubo`, `du bo`, `DuBo`) and mixed Han/pinyin (`du博`, `赌bo`).
    pub pinyin: bool,
    /// A keyword hit strictly inside a more frequent dictionary word (`黄色`
    /// in `黄色预警`) is cancelled. On by default.
    pub word_boundary: bool,
    /// The regex also sees Chinese numerals as digits (`一三八` → `138`).
    pub numerals: bool,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            repeat: false,
            pinyin: false,
            word_boundary: true,
            numerals: false,
        }
    }
}

/// A place in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (path, or `embedded:NAME`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Every rule of every loaded pack.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleSet {
    /// The packs, in load order (file name order).
    pub packs: Vec<Pack>,
    /// The rules, pack by pack, in file order.
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The pack a rule belongs to.
    pub fn pack_of(&self, rule: &Rule) -> &Pack {
        &self.packs[rule.pack]
    }

    /// `id@version` of every pack, for reports.
    pub fn versions(&self) -> Vec<(String, String)> {
        self.packs
            .iter()
            .map(|p| (p.id.clone(), p.version.clone()))
            .collect()
    }
}

/// A problem found while loading rule packs: which file, which line, which
/// rule, what is wrong and what to do.
pub type RuleError = crate::error::Located;

/// Every problem found in a load, so a rule author fixes them all in one go.
pub type RuleErrors = crate::error::Problems;

/// The article's number as officers write it, e.g. `第十三条`.
pub fn article_label(article: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let n = article as usize;
    let num = match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 => {
            let tail = if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            };
            format!("{}十{}", DIGITS[n / 10], tail)
        }
        _ => n.to_string(),
    };
    format!("第{num}条")
}

#[cfg(test)]
mod tests {
    use super::article_label;

    #[test]
    fn article_labels() {
        assert_eq!(article_label(10), "第十条");
        assert_eq!(article_label(13), "第十三条");
        assert_eq!(article_label(4), "第四条");
        assert_eq!(article_label(20), "第二十条");
    }
}
