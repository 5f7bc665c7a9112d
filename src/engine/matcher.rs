//! The compiled rule set and the scan of one text against it.
//!
//! Every word of every rule — keywords, regex prefilter words, allow
//! phrases, context words — goes into **one** Aho-Corasick automaton over
//! the compact view of the text; each automaton pattern remembers which
//! rules use it and how. One overlapping pass over a text therefore finds
//! every keyword hit (nested words too), every allow phrase and every
//! context word at once. Regex rules then run on the folded view, only in
//! texts where one of their prefilter words occurred, or (for regexes
//! without prefilter words) only where a shared [`RegexSet`] pass says
//! they can match.
//!
//! A [`Matcher`] is immutable and `Sync`: build it once, share it across
//! threads, and give each thread its own [`Scratch`].

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::normalize::{
    classify, compact_form, folded_form, span_transforms, CharClass, Normalized,
};
use super::transforms::Transforms;
use super::validate::Validator;
use crate::model::{Field, Hit};
use crate::rules::RuleSet;

/// How a rule uses one automaton pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Keyword(u32),
    Prefilter(u32),
    Allow(u32),
    Require(u32),
    Forbid(u32),
}

/// One distinct normalized word in the automaton.
#[derive(Debug)]
struct Pattern {
    text: String,
    /// Class of the first and last character when ASCII alphanumeric: such a
    /// word only matches where the neighbour is not of the same class.
    first: Edge,
    last: Edge,
    uses: Vec<Use>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    None,
    Letter,
    Digit,
}

fn edge(c: Option<char>) -> Edge {
    match c {
        Some(c) if c.is_ascii_alphabetic() => Edge::Letter,
        Some(c) if c.is_ascii_digit() => Edge::Digit,
        _ => Edge::None,
    }
}

/// Per-rule data the scan needs.
#[derive(Debug)]
struct CompiledRule {
    regex: Option<Regex>,
    /// Whether the regex reports its `m` group rather than the whole match.
    regex_group: bool,
    has_prefilter: bool,
    /// Prefilter words made only of symbols (e.g. `★`), looked for in the folded view.
    literal_prefilter: Vec<String>,
    validator: Option<Validator>,
    window: Option<usize>,
    has_require: bool,
    has_forbid: bool,
}

/// Every rule of a [`RuleSet`], compiled for scanning.
///
/// Cost: building is linear in the total size of the words plus regex
/// compilation; a scan is one normalization pass, one automaton pass, and
/// regex passes only where prefilters allow.
#[derive(Debug)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    rules: Vec<CompiledRule>,
    /// Rules whose regex has no prefilter words, and the set that screens them.
    unfiltered: Vec<usize>,
    unfiltered_set: Option<RegexSet>,
}

/// An error compiling a rule set that loaded cleanly (e.g. an automaton too
/// large for memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError(pub String);

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CompileError {}

impl Matcher {
    /// Compiles every rule of `set` into one automaton plus regexes.
    pub fn new(set: &RuleSet) -> Result<Matcher, CompileError> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut add = |word: &str, usage: Use| {
            let text = compact_form(word);
            if text.is_empty() {
                return;
            }
            let i = *index.entry(text.clone()).or_insert_with(|| {
                patterns.push(Pattern {
                    first: edge(text.chars().next()),
                    last: edge(text.chars().next_back()),
                    text,
                    uses: Vec::new(),
                });
                patterns.len() - 1
            });
            if !patterns[i].uses.contains(&usage) {
                patterns[i].uses.push(usage);
            }
        };
        let mut rules = Vec::with_capacity(set.rules.len());
        let mut unfiltered = Vec::new();
        for (ri, rule) in set.rules.iter().enumerate() {
            let r = ri as u32;
            for w in &rule.keywords {
                add(w, Use::Keyword(r));
            }
            let mut literal_prefilter = Vec::new();
            for w in &rule.prefilter {
                if compact_form(w).is_empty() {
                    literal_prefilter.push(folded_form(w));
                } else {
                    add(w, Use::Prefilter(r));
                }
            }
            for w in &rule.allow {
                add(w, Use::Allow(r));
            }
            if let Some(c) = &rule.context {
                for w in &c.require {
                    add(w, Use::Require(r));
                }
                for w in &c.forbid {
                    add(w, Use::Forbid(r));
                }
            }
            let regex = match &rule.regex {
                Some(re) => Some(RegexBuilder::new(re).size_limit(32 << 20).build().map_err(
                    |e| CompileError(format!("rule `{}` ({}): {e}", rule.id, rule.origin)),
                )?),
                None => None,
            };
            if regex.is_some() && rule.prefilter.is_empty() {
                unfiltered.push(ri);
            }
            rules.push(CompiledRule {
                regex_group: regex
                    .as_ref()
                    .is_some_and(|re| re.capture_names().any(|n| n == Some("m"))),
                regex,
                has_prefilter: !rule.prefilter.is_empty(),
                literal_prefilter,
                validator: rule.validator,
                window: rule.context.as_ref().and_then(|c| c.window),
                has_require: rule.context.as_ref().is_some_and(|c| !c.require.is_empty()),
                has_forbid: rule.context.as_ref().is_some_and(|c| !c.forbid.is_empty()),
            });
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .kind(automaton_kind(patterns.len()))
                    .build(patterns.iter().map(|p| p.text.as_str()))
                    .map_err(|e| {
                        CompileError(format!("cannot build the keyword automaton: {e}"))
                    })?,
            )
        };
        let unfiltered_set = if unfiltered.is_empty() {
            None
        } else {
            Some(
                RegexSetBuilder::new(
                    unfiltered
                        .iter()
                        .filter_map(|&i| set.rules[i].regex.as_deref()),
                )
                .size_limit(64 << 20)
                .build()
                .map_err(|e| CompileError(format!("cannot build the regex set: {e}")))?,
            )
        };
        Ok(Matcher {
            automaton,
            patterns,
            rules,
            unfiltered,
            unfiltered_set,
        })
    }

    /// Number of distinct words in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Scans one text (a title or a body) and appends its hits to `out`, in
    /// order of position. Hits are in original-text coordinates.
    pub fn scan(&self, text: &str, field: Field, scratch: &mut Scratch, out: &mut Vec<Hit>) {
        if text.is_empty() {
            return;
        }
        scratch.reset(self.rules.len());
        scratch.norm.normalize(text);
        self.find_words(text, scratch);
        self.run_regexes(text, scratch);
        let first = out.len();
        for cand in &scratch.candidates {
            let rule = cand.rule as usize;
            if self.is_allowed(cand, scratch) || !self.context_holds(text, cand, scratch) {
                continue;
            }
            let (start, end) = (cand.start as usize, cand.end as usize);
            let original = &text[start..end];
            let (normalized, mut evasions) = match cand.pattern {
                Some(p) => (
                    self.patterns[p as usize].text.clone(),
                    span_transforms(original, true),
                ),
                None => (compact_form(original), regex_transforms(original)),
            };
            evasions.insert(cand.via);
            out.push(Hit {
                rule,
                field,
                start,
                end,
                normalized,
                evasion: !evasions.is_empty(),
                evasions,
            });
        }
        out[first..].sort_by_key(|h| (h.start, h.end, h.rule));
    }

    fn find_words(&self, text: &str, s: &mut Scratch) {
        let Some(ac) = &self.automaton else { return };
        let compact = s.norm.compact.as_str();
        for m in ac.find_overlapping_iter(compact) {
            let p = &self.patterns[m.pattern().as_usize()];
            if p.first != Edge::None && edge(compact[..m.start()].chars().next_back()) == p.first {
                continue;
            }
            if p.last != Edge::None && edge(compact[m.end()..].chars().next()) == p.last {
                continue;
            }
            let (os, oe) = s.norm.compact_to_original(text, m.start(), m.end());
            let span = Span {
                rule: 0,
                start: os as u32,
                end: oe as u32,
                pattern: Some(m.pattern().as_u32()),
                via: 0,
            };
            for &u in &p.uses {
                match u {
                    Use::Keyword(r) => s.candidates.push(Span { rule: r, ..span }),
                    Use::Prefilter(r) => s.prefiltered[r as usize] = true,
                    Use::Allow(r) => s.allows.push(Span { rule: r, ..span }),
                    Use::Require(r) => s.requires.push(Span { rule: r, ..span }),
                    Use::Forbid(r) => s.forbids.push(Span { rule: r, ..span }),
                }
            }
        }
    }

    fn run_regexes(&self, text: &str, s: &mut Scratch) {
        let folded = s.norm.folded.as_str();
        let run = |ri: usize, s_candidates: &mut Vec<Span>| {
            let rule = &self.rules[ri];
            let Some(re) = &rule.regex else { return };
            let mut emit = |fs: usize, fe: usize| {
                if fs >= fe {
                    return;
                }
                if let Some(v) = rule.validator {
                    if !v.check(&folded[fs..fe]) {
                        return;
                    }
                }
                let (os, oe) = s.norm.folded_to_original(text, fs, fe);
                s_candidates.push(Span {
                    rule: ri as u32,
                    start: os as u32,
                    end: oe as u32,
                    pattern: None,
                    via: 0,
                });
            };
            if rule.regex_group {
                for caps in re.captures_iter(folded) {
                    if let Some(m) = caps.name("m") {
                        emit(m.start(), m.end());
                    }
                }
            } else {
                for m in re.find_iter(folded) {
                    emit(m.start(), m.end());
                }
            }
        };
        let mut candidates = std::mem::take(&mut s.candidates);
        for (ri, rule) in self.rules.iter().enumerate() {
            if rule.has_prefilter
                && (s.prefiltered[ri]
                    || rule
                        .literal_prefilter
                        .iter()
                        .any(|w| folded.contains(w.as_str())))
            {
                run(ri, &mut candidates);
            }
        }
        if let Some(set) = &self.unfiltered_set {
            for k in set.matches(folded).iter() {
                run(self.unfiltered[k], &mut candidates);
            }
        }
        s.candidates = candidates;
    }

    fn is_allowed(&self, c: &Span, s: &Scratch) -> bool {
        s.allows
            .iter()
            .any(|a| a.rule == c.rule && a.start <= c.start && c.end <= a.end)
    }

    fn context_holds(&self, text: &str, c: &Span, s: &Scratch) -> bool {
        let rule = &self.rules[c.rule as usize];
        if !rule.has_require && !rule.has_forbid {
            return true;
        }
        let (lo, hi) = match rule.window {
            None => (0, text.len()),
            Some(w) => window(text, c.start as usize, c.end as usize, w),
        };
        let near = |spans: &[Span]| {
            spans
                .iter()
                .any(|x| x.rule == c.rule && x.start as usize >= lo && x.end as usize <= hi)
        };
        (!rule.has_require || near(&s.requires)) && !(rule.has_forbid && near(&s.forbids))
    }
}

/// The evasions a regex match shows: folded or invisible characters (see
/// [`span_transforms`]), and spaces between two Han characters (`机 密`),
/// which Chinese text does not use, counted as skipped. The ideographic
/// space (`秘　密`) is official-document typesetting, punctuation and
/// symbols (`绝密★`, `通知】受`) are the text's own, and spaces between
/// digits (`138 1234 5678`) are ordinary formatting.
fn regex_transforms(original: &str) -> Transforms {
    let mut out = span_transforms(original, false);
    let mut prev_han = false;
    let mut gap = 0usize;
    for c in original.chars() {
        match classify(c) {
            CharClass::Noise if c.is_whitespace() && c != '\u{3000}' => gap += 1,
            CharClass::Noise | CharClass::Break => {
                prev_han = false;
                gap = 0;
            }
            CharClass::Drop => {}
            CharClass::Text => {
                let han = is_han(c);
                if han && prev_han && gap > 0 {
                    out.add_skipped(gap);
                }
                prev_han = han;
                gap = 0;
            }
        }
    }
    out
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
}

/// Word counts up to which the automaton is a full DFA.
///
/// A DFA matches about twice as fast as the crate's default contiguous NFA
/// on Chinese text (measured: `examples/engine_throughput.rs`, 10,000 words),
/// at about 5 KiB of memory and 20 µs of build time per word; beyond this
/// many words the memory grows past what a scanner should hold, and the
/// crate chooses.
pub const DFA_MAX_WORDS: usize = 20_000;

fn automaton_kind(words: usize) -> Option<AhoCorasickKind> {
    (words <= DFA_MAX_WORDS).then_some(AhoCorasickKind::DFA)
}

/// The byte range `w` characters either side of `start..end`.
fn window(text: &str, start: usize, end: usize, w: usize) -> (usize, usize) {
    let lo = if w == 0 {
        start
    } else {
        text[..start]
            .char_indices()
            .rev()
            .nth(w - 1)
            .map_or(0, |(i, _)| i)
    };
    let hi = text[end..]
        .char_indices()
        .nth(w)
        .map_or(text.len(), |(i, _)| end + i);
    (lo, hi)
}

/// A span found in one text, in original byte offsets.
#[derive(Debug, Clone, Copy)]
struct Span {
    rule: u32,
    start: u32,
    end: u32,
    /// The automaton pattern, for word hits; `None` for regex hits.
    pattern: Option<u32>,
    /// Transformations the match needed beyond folding (pinyin, repeat,
    /// numerals): `Transforms` flags.
    via: u16,
}

/// Per-thread working memory for [`Matcher::scan`]; reuse it across texts.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: Normalized,
    candidates: Vec<Span>,
    allows: Vec<Span>,
    requires: Vec<Span>,
    forbids: Vec<Span>,
    prefiltered: Vec<bool>,
}

impl Scratch {
    /// Empty working memory.
    pub fn new() -> Self {
        Self::default()
    }

    fn reset(&mut self, rules: usize) {
        self.candidates.clear();
        self.allows.clear();
        self.requires.clear();
        self.forbids.clear();
        self.prefiltered.clear();
        self.prefiltered.resize(rules, false);
    }
}
