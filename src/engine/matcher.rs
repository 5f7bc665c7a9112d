//! The compiled rule set and the scan of one text against it.
//!
//! Every word of every rule — keywords, regex prefilter words, allow
//! phrases, context words, and the gate literals of regexes without
//! prefilter words ([`regex_gate`]) — goes into **one** character automaton
//! run by the fused normalize-and-match pass ([`super::fused`]) over the
//! original text; each automaton pattern remembers which rules use it and
//! how. One overlapping pass over a text therefore finds every keyword hit
//! (nested words too), every allow phrase and every context word at once,
//! in original offsets, without building any normalized view.
//!
//! The same pass reports [`ScanFacts`], and the **gates** decide from them
//! which texts need more: the two normalized views ([`Normalized`]) are
//! built only for a text whose regex rules may fire (a prefilter word or
//! gate literal occurred, a long enough run of digits, a symbol prefilter
//! character, a number in Chinese numerals), whose repeat rules may fire
//! (a repeated character), or whose hit needs a segmentation check. Regex
//! rules then run on the folded view: those whose prefilter words occurred,
//! and the prefilter-less ones behind a shared [`RegexSet`]. On generated
//! government news about 6 % of texts pass a gate (the ones with a phone
//! or identity number); [`Matcher::without_gates`] turns the gates off,
//! and `tests/differential.rs` checks both give the same hits.
//!
//! A [`Matcher`] is immutable and `Sync`: build it once, share it across
//! threads, and give each thread its own [`Scratch`].

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::fused::{edge, Edge, FusedMatcher, FusedOptions, FusedScratch, ScanFacts, WordHit};
use super::normalize::{
    classify, compact_form, fold_char, folded_form, span_transforms, CharClass, Normalized,
};
use super::pinyin;
use super::regex_gate;
use super::regex_group::{self, GroupEdges};
use super::segment::{self, inside_container, Container};
use super::transforms::Transforms;
use super::validate::Validator;
use crate::model::{Field, Hit};
use crate::rules::RuleSet;

/// How a rule uses one automaton pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Keyword(u32),
    /// A generated spelling (pinyin) of the keyword pattern `canon` of rule
    /// `rule`; `via` holds its `Transforms` flag.
    Variant {
        rule: u32,
        canon: u32,
        via: u16,
    },
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
    /// A generated spelling: ASCII boundaries are checked against the
    /// original text's neighbours, so `du bo` stands apart in `play du bo`.
    variant: bool,
    /// Dictionary words that contain this keyword and cancel its hits for
    /// rules with word boundaries (see [`segment`]).
    containers: Vec<Container>,
    /// A gate literal of an unfiltered regex (see [`regex_gate`]): matched
    /// anywhere, with no word boundaries.
    raw: bool,
}

/// Per-rule data the scan needs.
#[derive(Debug)]
struct CompiledRule {
    regex: Option<Regex>,
    /// Whether the regex reports its `m` group rather than the whole match.
    regex_group: bool,
    /// For a regex whose `m` group can be read off its whole match by the
    /// group's first and last characters ([`regex_group`]): those, so no
    /// capture search is needed.
    group_edges: Option<GroupEdges>,
    has_prefilter: bool,
    /// Prefilter words made only of symbols (e.g. `★`), looked for in the folded view.
    literal_prefilter: Vec<String>,
    validator: Option<Validator>,
    window: Option<usize>,
    has_require: bool,
    has_forbid: bool,
    word_boundary: bool,
    numerals: bool,
    /// The digit run every match of the regex holds ([`regex_gate`]; 0
    /// for none, and for rules without a regex): the regex runs only on
    /// texts whose longest run is at least this long.
    run_gate: u32,
    /// Whether the regex runs only on texts where one of its words
    /// occurred (its prefilter words, or the gate literals read off an
    /// unfiltered regex), which set its `prefiltered` flag.
    needs_word: bool,
    /// For a regex whose every match holds a digit run of at least
    /// [`WINDOW_MIN_RUN`] and reaches a bounded distance from it: how many
    /// folded characters a match has before the run's first digit and
    /// after its last ([`regex_gate::Gate::run_reach`]), so only windows
    /// around a text's digit runs need folding and searching.
    reach: Option<(u32, u32)>,
}

/// Keywords of the rules with `repeat = true`, matched on the text with
/// runs of a repeated character collapsed.
#[derive(Debug)]
struct RepeatSet {
    automaton: AhoCorasick,
    /// Per pattern: (rule, canonical keyword pattern in the main automaton).
    uses: Vec<Vec<(u32, u32)>>,
    edges: Vec<(Edge, Edge)>,
}

/// Every rule of a [`RuleSet`], compiled for scanning.
///
/// Cost: building is linear in the total size of the words plus regex
/// compilation (60,000 keywords: about 0.4 s); a scan is one fused pass
/// (a table load and an automaton step per character), plus a
/// normalization and regex passes only for the texts the gates let through.
#[derive(Debug)]
pub struct Matcher {
    /// Every pattern, matched in one fused normalize-and-match pass.
    words: Option<FusedMatcher>,
    patterns: Vec<Pattern>,
    rules: Vec<CompiledRule>,
    /// Rules with a regex: each runs only on the texts that meet its gate
    /// (`run_gate`, `needs_word`).
    regex_rules: Vec<usize>,
    /// The shortest `run_gate` of a regex that needs no word (`u32::MAX`
    /// for none): a text with a shorter longest run and no word of a regex
    /// needs no regex.
    open_run: u32,
    /// Rules whose regex has no prefilter words, and the set that screens
    /// them when more than two are to run on a whole text.
    unfiltered: Vec<usize>,
    unfiltered_set: Option<RegexSet>,
    /// Whether [`ScanFacts::triggers`] counts characters that need the
    /// folded view (the first characters of symbol prefilter words).
    has_triggers: bool,
    /// False to run every pass on every text (see [`Matcher::without_gates`]).
    gates: bool,
    repeat: Option<RepeatSet>,
    /// Rules with `numerals = true`.
    numeral_rules: Vec<usize>,
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
        let mut add = |word: &str, usage: Use| -> Option<usize> {
            let text = compact_form(word);
            if text.is_empty() {
                return None;
            }
            let i = *index.entry(text.clone()).or_insert_with(|| {
                patterns.push(Pattern {
                    first: edge(text.chars().next()),
                    last: edge(text.chars().next_back()),
                    text,
                    uses: Vec::new(),
                    variant: false,
                    containers: Vec::new(),
                    raw: false,
                });
                patterns.len() - 1
            });
            if !patterns[i].uses.contains(&usage) {
                patterns[i].uses.push(usage);
            }
            if matches!(usage, Use::Variant { .. }) {
                patterns[i].variant = true;
            }
            Some(i)
        };
        let mut rules = Vec::with_capacity(set.rules.len());
        let mut unfiltered = Vec::new();
        let mut regex_rules = Vec::new();
        // The gate literals of each unfiltered regex, matched as words.
        let mut gate_literals: Vec<(usize, Vec<String>)> = Vec::new();
        // (collapsed keyword, rule, canonical pattern) for `repeat` rules.
        let mut repeat_words: Vec<(String, u32, u32)> = Vec::new();
        for (ri, rule) in set.rules.iter().enumerate() {
            let r = ri as u32;
            for w in &rule.keywords {
                let Some(canon) = add(w, Use::Keyword(r)) else {
                    continue;
                };
                let text = compact_form(w);
                if rule.options.pinyin {
                    for v in pinyin::variants(&text) {
                        add(
                            &v,
                            Use::Variant {
                                rule: r,
                                canon: canon as u32,
                                via: Transforms::PINYIN,
                            },
                        );
                    }
                }
                if rule.options.repeat {
                    let mut collapsed = String::new();
                    collapse_runs(&text, |c, _, _| collapsed.push(c));
                    // Keywords with a doubled character of their own
                    // (哈哈) or of one character would match everyday text.
                    if collapsed == text && collapsed.chars().nth(1).is_some() {
                        repeat_words.push((collapsed, r, canon as u32));
                    }
                }
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
            let gate = rule.regex.as_deref().map(regex_gate::gate);
            if let Some(gate) = &gate {
                regex_rules.push(ri);
                if rule.prefilter.is_empty() {
                    unfiltered.push(ri);
                    gate_literals.push((ri, gate.literals.clone().unwrap_or_default()));
                }
            }
            let has_literals = gate
                .as_ref()
                .is_some_and(|g| g.literals.as_ref().is_some_and(|l| !l.is_empty()));
            rules.push(CompiledRule {
                regex_group: regex
                    .as_ref()
                    .is_some_and(|re| re.capture_names().any(|n| n == Some("m"))),
                group_edges: rule
                    .regex
                    .as_deref()
                    .and_then(|re| regex_group::group_edges(re, "m")),
                regex,
                has_prefilter: !rule.prefilter.is_empty(),
                literal_prefilter,
                validator: rule.validator,
                window: rule.context.as_ref().and_then(|c| c.window),
                has_require: rule.context.as_ref().is_some_and(|c| !c.require.is_empty()),
                has_forbid: rule.context.as_ref().is_some_and(|c| !c.forbid.is_empty()),
                word_boundary: rule.options.word_boundary,
                numerals: rule.options.numerals && rule.regex.is_some(),
                run_gate: gate.as_ref().map_or(0, |g| g.digit_run),
                needs_word: !rule.prefilter.is_empty() || has_literals,
                reach: gate.as_ref().and_then(|g| {
                    g.run_reach.filter(|&(lead, trail)| {
                        g.digit_run >= WINDOW_MIN_RUN
                            && lead <= WINDOW_MAX_REACH
                            && trail <= WINDOW_MAX_REACH
                    })
                }),
            });
        }
        attach_containers(&mut patterns, &rules);
        for (ri, literals) in gate_literals {
            for text in literals {
                patterns.push(Pattern {
                    text,
                    first: Edge::None,
                    last: Edge::None,
                    uses: vec![Use::Prefilter(ri as u32)],
                    variant: false,
                    containers: Vec::new(),
                    raw: true,
                });
            }
        }
        // Only a run of a character of some repeat word can make a repeat hit.
        let mut repeat_chars: Vec<char> = repeat_words
            .iter()
            .flat_map(|(w, _, _)| w.chars())
            .collect();
        repeat_chars.sort_unstable();
        repeat_chars.dedup();
        let repeatable = |c: char| repeat_chars.binary_search(&c).is_ok();
        let repeat = build_repeat(repeat_words)?;
        let numeral_rules: Vec<usize> = (0..rules.len()).filter(|&i| rules[i].numerals).collect();
        // Characters that send a text to the folded view: the first
        // character of a symbol prefilter word (`★`).
        let mut trigger_chars: Vec<char> = rules
            .iter()
            .flat_map(|r| r.literal_prefilter.iter().filter_map(|w| w.chars().next()))
            .collect();
        trigger_chars.sort_unstable();
        trigger_chars.dedup();
        let has_triggers = !trigger_chars.is_empty();
        // The shortest digit run a windowed regex needs: the fused pass
        // records the spans of runs this long.
        let window_run = rules
            .iter()
            .filter(|r| r.reach.is_some())
            .map(|r| r.run_gate)
            .min()
            .unwrap_or(0);
        let words = if patterns.is_empty() {
            None
        } else {
            let texts: Vec<String> = patterns.iter().map(|p| p.text.clone()).collect();
            // Generated spellings check their boundaries on the original text.
            let boundaries: Vec<bool> = patterns.iter().map(|p| !p.variant && !p.raw).collect();
            let trigger = |c: char| {
                let mut hit = false;
                fold_char(c, |f| hit |= trigger_chars.binary_search(&f).is_ok());
                hit
            };
            Some(
                FusedMatcher::with_options(
                    &texts,
                    FusedOptions {
                        boundaries: Some(&boundaries),
                        trigger: has_triggers.then_some(&trigger as &dyn Fn(char) -> bool),
                        digit_spans: window_run,
                        repeated: Some(&repeatable as &dyn Fn(char) -> bool),
                    },
                )
                .map_err(CompileError)?,
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
        let open_run = rules
            .iter()
            .filter(|r| r.regex.is_some() && !r.needs_word)
            .map(|r| r.run_gate)
            .min()
            .unwrap_or(u32::MAX);
        Ok(Matcher {
            words,
            patterns,
            rules,
            open_run,
            regex_rules,
            unfiltered,
            unfiltered_set,
            has_triggers,
            gates: true,
            repeat,
            numeral_rules,
        })
    }

    /// This matcher with its gates off: the normalized views are built and
    /// the repeat, regex and numeral passes run on every text, whatever the
    /// fused pass saw. Slower, same hits: for differential tests and to
    /// measure what the gates save.
    pub fn without_gates(mut self) -> Matcher {
        self.gates = false;
        self
    }

    /// Number of patterns in the automaton: distinct words, plus the gate
    /// literals of regexes without prefilter words.
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
        let facts = self.find_words(text, scratch);
        let all = !self.gates;
        if self.repeat.is_some() && (all || facts.repeated) {
            scratch.normalize(text);
            self.find_repeats(text, scratch);
        }
        // The regexes this text meets the gate of (a rule with prefilter
        // words needs one of them even with the gates off).
        let mut eligible = std::mem::take(&mut scratch.eligible);
        eligible.clear();
        if all || scratch.regex_words || facts.digit_run >= self.open_run {
            eligible.extend(self.regex_rules.iter().copied().filter(|&ri| {
                let r = &self.rules[ri];
                let word = scratch.prefiltered[ri];
                (word || !r.has_prefilter)
                    && (all || (facts.digit_run >= r.run_gate && (word || !r.needs_word)))
            }));
        }
        let gated = !eligible.is_empty();
        let triggered = self.has_triggers && (all || facts.triggers > 0);
        let numerals = !self.numeral_rules.is_empty() && (all || facts.numeral_number);
        // Windows need the digit-run spans of the fused pass, which a
        // matcher without words does not run.
        let windowed = !(all || triggered || numerals)
            && gated
            && self.words.is_some()
            && eligible.iter().all(|&ri| self.rules[ri].reach.is_some());
        if windowed {
            self.run_windowed(text, scratch, &eligible);
        } else if all || gated || triggered || numerals {
            scratch.normalize_folded(text);
            self.run_regexes(text, scratch, &eligible);
            if numerals {
                self.run_numeral_regexes(text, scratch);
            }
        }
        scratch.eligible = eligible;
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
                None if cand.via & Transforms::NUMERAL != 0 => (
                    numerals_to_digits(&compact_form(original)),
                    regex_transforms(original),
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

    /// The fused keyword pass: every pattern's hits, sorted into
    /// candidates, allow and context spans, and prefilter flags.
    fn find_words(&self, text: &str, s: &mut Scratch) -> ScanFacts {
        let Some(words) = &self.words else {
            // No words: nothing to learn from a pass, so every later pass runs.
            return ScanFacts {
                digit_run: u32::MAX,
                numeral_number: true,
                triggers: 1,
                repeated: true,
            };
        };
        let mut hits = std::mem::take(&mut s.word_hits);
        hits.clear();
        let facts = words.scan(text, &mut s.fused, |h| hits.push(h));
        for &WordHit { word, start, end } in &hits {
            let p = &self.patterns[word as usize];
            let (os, oe) = (start as usize, end as usize);
            if p.variant {
                let before = text[..os].chars().next_back();
                let after = text[oe..].chars().next();
                if p.first != Edge::None && edge(before) == p.first {
                    continue;
                }
                if p.last != Edge::None && edge(after) == p.last {
                    continue;
                }
            }
            let inside = !p.containers.is_empty() && {
                s.normalize(text);
                let (cs, ce) = s.norm.original_to_compact(os, oe);
                inside_container(&s.norm.compact, cs, ce, &p.containers)
            };
            let span = Span {
                rule: 0,
                start,
                end,
                pattern: Some(word),
                via: 0,
            };
            for &u in &p.uses {
                match u {
                    Use::Keyword(r) => {
                        if !(inside && self.rules[r as usize].word_boundary) {
                            s.candidates.push(Span { rule: r, ..span })
                        }
                    }
                    Use::Variant { rule, canon, via } => s.candidates.push(Span {
                        rule,
                        pattern: Some(canon),
                        via,
                        ..span
                    }),
                    Use::Prefilter(r) => {
                        s.prefiltered[r as usize] = true;
                        s.regex_words = true;
                    }
                    Use::Allow(r) => s.allows.push(Span { rule: r, ..span }),
                    Use::Require(r) => s.requires.push(Span { rule: r, ..span }),
                    Use::Forbid(r) => s.forbids.push(Span { rule: r, ..span }),
                }
            }
        }
        s.word_hits = hits;
        facts
    }

    /// Regex rules on the folded view (which must be built): the
    /// `eligible` ones (rule indices) and those whose symbol prefilter words
    /// (`★`) occur in it. Of the unfiltered ones, one or two run directly,
    /// more behind the shared [`RegexSet`] screen.
    fn run_regexes(&self, text: &str, s: &mut Scratch, eligible: &[usize]) {
        let folded = s.norm.folded.as_str();
        let norm = &s.norm;
        let run = |ri: usize, candidates: &mut Vec<Span>| {
            self.regex_matches(ri, folded, None, |fs, fe| {
                let (os, oe) = norm.folded_to_original(text, fs, fe);
                candidates.push(Span {
                    rule: ri as u32,
                    start: os as u32,
                    end: oe as u32,
                    pattern: None,
                    via: 0,
                });
            })
        };
        let mut candidates = std::mem::take(&mut s.candidates);
        for (ri, rule) in self.rules.iter().enumerate() {
            if rule.has_prefilter
                && (eligible.contains(&ri)
                    || rule
                        .literal_prefilter
                        .iter()
                        .any(|w| folded.contains(w.as_str())))
            {
                run(ri, &mut candidates);
            }
        }
        let unfiltered = eligible.iter().filter(|&&ri| !self.rules[ri].has_prefilter);
        match &self.unfiltered_set {
            Some(set) if unfiltered.clone().count() > 2 => {
                for k in set.matches(folded).iter() {
                    let ri = self.unfiltered[k];
                    if eligible.contains(&ri) {
                        run(ri, &mut candidates);
                    }
                }
            }
            _ => {
                for &ri in unfiltered {
                    run(ri, &mut candidates);
                }
            }
        }
        s.candidates = candidates;
    }

    /// The matches of rule `ri`'s regex in the folded text `folded` (its
    /// `m` group where it has one) that pass the rule's validator, as
    /// folded byte ranges. `from: Some(at)` searches from byte `at` on
    /// (the bytes before it only as look-behind context) for regexes whose
    /// matches are never empty; `None` searches all of `folded`.
    fn regex_matches(
        &self,
        ri: usize,
        folded: &str,
        from: Option<usize>,
        mut emit: impl FnMut(usize, usize),
    ) {
        let rule = &self.rules[ri];
        let Some(re) = &rule.regex else { return };
        let mut found = |fs: usize, fe: usize| {
            if fs < fe && rule.validator.is_none_or(|v| v.check(&folded[fs..fe])) {
                emit(fs, fe);
            }
        };
        // What a whole match reports: the match, or its group read off the
        // group's edges.
        let reported = |whole: regex::Match<'_>| match &rule.group_edges {
            Some(edges) => edges
                .find(whole.as_str())
                .map(|(s, e)| (whole.start() + s, whole.start() + e)),
            None => Some((whole.start(), whole.end())),
        };
        // A capture search only for a group without edges.
        match (from, rule.regex_group && rule.group_edges.is_none()) {
            (None, true) => {
                for caps in re.captures_iter(folded) {
                    if let Some(m) = caps.name("m") {
                        found(m.start(), m.end());
                    }
                }
            }
            (Some(mut at), true) => {
                while let Some(caps) = re.captures_at(folded, at) {
                    if let Some(m) = caps.name("m") {
                        found(m.start(), m.end());
                    }
                    let whole = caps.get(0).expect("group 0 is the match");
                    at = next_search(folded, whole.start(), whole.end());
                }
            }
            (None, false) => {
                for (fs, fe) in re.find_iter(folded).filter_map(reported) {
                    found(fs, fe);
                }
            }
            (Some(mut at), false) => {
                while let Some(m) = re.find_at(folded, at) {
                    if let Some((fs, fe)) = reported(m) {
                        found(fs, fe);
                    }
                    at = next_search(folded, m.start(), m.end());
                }
            }
        }
    }

    /// The eligible regexes (rule indices, all with a `reach`) over
    /// windows around the digit runs the fused pass recorded: every match
    /// holds one of those runs and has at most `lead` folded characters
    /// before its first digit and `trail` after its last. Each window is
    /// folded with one character of context before it (for look-behind)
    /// and searched from its start; overlapping windows are merged, so the
    /// matches are those a search of the whole text finds.
    fn run_windowed(&self, text: &str, s: &mut Scratch, eligible: &[usize]) {
        let (lead, trail) = eligible
            .iter()
            .filter_map(|&ri| self.rules[ri].reach)
            .fold((0, 0), |(l, t), (lead, trail)| {
                (l.max(lead as usize), t.max(trail as usize))
            });
        s.windows.clear();
        for &(a, b) in s.fused.digit_spans() {
            let from = back_folded(text, a as usize, lead);
            let to = forward_folded(text, b as usize, trail + 1);
            match s.windows.last_mut() {
                Some(w) if from <= w.2 => w.2 = w.2.max(to),
                _ => s.windows.push((back_folded(text, from, 1), from, to)),
            }
        }
        let mut candidates = std::mem::take(&mut s.candidates);
        for &(ctx, from, to) in &s.windows {
            let piece = &text[ctx..to];
            s.window.normalize_folded(piece);
            let folded = s.window.folded.as_str();
            let at = s.window.original_to_folded(from - ctx);
            for &ri in eligible {
                self.regex_matches(ri, folded, Some(at), |fs, fe| {
                    let (os, oe) = s.window.folded_to_original(piece, fs, fe);
                    candidates.push(Span {
                        rule: ri as u32,
                        start: (ctx + os) as u32,
                        end: (ctx + oe) as u32,
                        pattern: None,
                        via: 0,
                    });
                });
            }
        }
        s.candidates = candidates;
    }

    /// Keyword hits of `repeat` rules on the compact view with runs of a
    /// repeated character collapsed (`赌赌赌博` → `赌博`). Only hits that
    /// needed the collapse are added; plain hits inside them are dropped.
    fn find_repeats(&self, text: &str, s: &mut Scratch) {
        let Some(rs) = &self.repeat else { return };
        let compact = s.norm.compact.as_str();
        if !has_run(compact) {
            return;
        }
        s.rep.clear();
        s.rep_start.clear();
        s.rep_end.clear();
        let mut any = false;
        {
            let (rep, starts, ends) = (&mut s.rep, &mut s.rep_start, &mut s.rep_end);
            collapse_runs(compact, |c, start, end| {
                any |= end - start > c.len_utf8();
                rep.push(c);
                for _ in 0..c.len_utf8() {
                    starts.push(start as u32);
                    ends.push(end as u32);
                }
            });
        }
        if !any {
            return;
        }
        let first_new = s.candidates.len();
        for m in rs.automaton.find_overlapping_iter(s.rep.as_str()) {
            let cs = s.rep_start[m.start()] as usize;
            let ce = s.rep_end[m.end() - 1] as usize;
            if ce - cs == m.len() {
                continue; // no repeat inside: the plain pass has it
            }
            let (first, last) = rs.edges[m.pattern().as_usize()];
            if first != Edge::None && edge(compact[..cs].chars().next_back()) == first {
                continue;
            }
            if last != Edge::None && edge(compact[ce..].chars().next()) == last {
                continue;
            }
            let (os, oe) = s.norm.compact_to_original(text, cs, ce);
            for &(rule, canon) in &rs.uses[m.pattern().as_usize()] {
                s.candidates.push(Span {
                    rule,
                    start: os as u32,
                    end: oe as u32,
                    pattern: Some(canon),
                    via: Transforms::REPEAT,
                });
            }
        }
        if s.candidates.len() > first_new {
            let (old, new) = s.candidates.split_at(first_new);
            let new = new.to_vec();
            let keep: Vec<bool> = old
                .iter()
                .map(|c| {
                    !new.iter().any(|n| {
                        n.rule == c.rule
                            && n.pattern == c.pattern
                            && n.start <= c.start
                            && c.end <= n.end
                    })
                })
                .collect();
            let mut i = 0;
            s.candidates.retain(|_| {
                let k = keep.get(i).copied().unwrap_or(true);
                i += 1;
                k
            });
        }
    }

    /// Regexes of `numerals` rules on the folded view with Chinese numerals
    /// read as digits (`一三八` → `138`, `壹` → `1`). Runs only where the
    /// text has a numeral; adds only matches that read one.
    fn run_numeral_regexes(&self, text: &str, s: &mut Scratch) {
        let folded = s.norm.folded.as_str();
        if !has_numeral_number(folded) {
            return;
        }
        s.num.clear();
        s.num_src.clear();
        for (i, c) in folded.char_indices() {
            let d = numeral_digit(c).unwrap_or(c);
            s.num.push(d);
            for _ in 0..d.len_utf8() {
                s.num_src.push(i as u32);
            }
        }
        let view = s.num.as_str();
        for &ri in &self.numeral_rules {
            let rule = &self.rules[ri];
            let Some(re) = &rule.regex else { continue };
            if rule.has_prefilter && !s.prefiltered[ri] {
                continue;
            }
            let mut emit = |vs: usize, ve: usize| {
                if vs >= ve {
                    return;
                }
                let fs = s.num_src[vs] as usize;
                let last = s.num_src[ve - 1] as usize;
                let fe = last + folded[last..].chars().next().map_or(0, char::len_utf8);
                if fe - fs == ve - vs {
                    return; // no numeral read: the plain pass has it
                }
                if let Some(v) = rule.validator {
                    if !v.check(&view[vs..ve]) {
                        return;
                    }
                }
                let (os, oe) = s.norm.folded_to_original(text, fs, fe);
                s.candidates.push(Span {
                    rule: ri as u32,
                    start: os as u32,
                    end: oe as u32,
                    pattern: None,
                    via: Transforms::NUMERAL,
                });
            };
            if rule.regex_group {
                for caps in re.captures_iter(view) {
                    if let Some(m) = caps.name("m") {
                        emit(m.start(), m.end());
                    }
                }
            } else {
                for m in re.find_iter(view) {
                    emit(m.start(), m.end());
                }
            }
        }
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

/// Regexes whose every match holds a digit run at least this long and
/// has at most [`WINDOW_MAX_REACH`] characters on either side of it are
/// searched only in windows around a text's digit runs
/// ([`Matcher::run_windowed`]).
const WINDOW_MIN_RUN: u32 = 4;
const WINDOW_MAX_REACH: u32 = 512;

/// Where the next search of an iteration starts after a match `start..end`
/// of `hay`: at its end, or one character on after an empty match.
fn next_search(hay: &str, start: usize, end: usize) -> usize {
    if end > start {
        end
    } else {
        end + hay[end..].chars().next().map_or(1, char::len_utf8)
    }
}

/// The byte offset `n` folded characters before byte `at` of `text` (a
/// character boundary), or 0; dropped characters count none, expansions
/// all they fold to.
fn back_folded(text: &str, at: usize, n: usize) -> usize {
    let mut seen = 0;
    let mut pos = at;
    for (i, c) in text[..at].char_indices().rev() {
        if seen >= n {
            break;
        }
        fold_char(c, |_| seen += 1);
        pos = i;
    }
    pos
}

/// The byte offset `n` folded characters after byte `at` of `text`, or
/// its end (see [`back_folded`]).
fn forward_folded(text: &str, at: usize, n: usize) -> usize {
    let mut seen = 0;
    for (i, c) in text[at..].char_indices() {
        if seen >= n {
            return at + i;
        }
        fold_char(c, |_| seen += 1);
    }
    text.len()
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

/// True for a Han character (CJK unified ideographs and their extensions).
pub(super) fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
}

/// Calls `f(c, start, end)` for each run of one character in `s`, where
/// `start..end` is the run's byte range; runs of ASCII characters are not
/// collapsed (`qq`, `100` stay), only runs of others (`赌赌赌`).
fn collapse_runs(s: &str, mut f: impl FnMut(char, usize, usize)) {
    let mut run: Option<(char, usize)> = None;
    for (i, c) in s.char_indices() {
        match run {
            Some((r, _)) if r == c && !c.is_ascii() => {}
            Some((r, start)) => {
                f(r, start, i);
                run = Some((c, i));
            }
            None => run = Some((c, i)),
        }
    }
    if let Some((r, start)) = run {
        f(r, start, s.len());
    }
}

/// True when `s` has two equal non-ASCII characters in a row (cheap: no
/// decoding beyond comparing neighbours).
fn has_run(s: &str) -> bool {
    let mut prev = None;
    for c in s.chars() {
        if !c.is_ascii() && prev == Some(c) {
            return true;
        }
        prev = Some(c);
    }
    false
}

/// True when `s` has a number that a numeral reading could complete: four
/// or more numerals and digits with at least one Chinese numeral, noise
/// allowed between them, no letter or other Han character (`一三八 1234`,
/// `hs八八九九`), so everyday text (`一起`, `第一`, `2026年`) skips the pass.
fn has_numeral_number(s: &str) -> bool {
    let (mut count, mut numeral) = (0usize, false);
    for c in s.chars() {
        if is_numeral(c) {
            count += 1;
            numeral = true;
        } else if c.is_ascii_digit() {
            count += 1;
        } else if c.is_ascii_alphabetic() || is_han(c) {
            count = 0;
            numeral = false;
        }
        if numeral && count >= 4 {
            return true;
        }
    }
    false
}

/// Every Chinese numeral [`numeral_digit`] reads.
const NUMERALS: [char; 21] = [
    '〇', '零', '一', '幺', '壹', '二', '贰', '三', '叁', '四', '肆', '五', '伍', '六', '陆', '七',
    '柒', '八', '捌', '九', '玖',
];

/// One bit per code point of the Basic Multilingual Plane: is it in [`NUMERALS`]?
static NUMERAL_BITS: [u64; 1024] = {
    let mut bits = [0u64; 1024];
    let mut i = 0;
    while i < NUMERALS.len() {
        let cp = NUMERALS[i] as usize;
        bits[cp >> 6] |= 1 << (cp & 63);
        i += 1;
    }
    bits
};

/// True for a Chinese numeral (one table load: this runs on every character
/// of every text when a rule has `numerals = true`).
#[inline]
pub(super) fn is_numeral(c: char) -> bool {
    let cp = c as usize;
    cp < 0x10000 && NUMERAL_BITS[cp >> 6] >> (cp & 63) & 1 == 1
}

/// The digit a Chinese numeral stands for in a number written out
/// (`〇零一二三四五六七八九`, `幺` for 1, financial `壹贰叁肆伍陆柒捌玖`).
fn numeral_digit(c: char) -> Option<char> {
    Some(match c {
        '〇' | '零' => '0',
        '一' | '幺' | '壹' => '1',
        '二' | '贰' => '2',
        '三' | '叁' => '3',
        '四' | '肆' => '4',
        '五' | '伍' => '5',
        '六' | '陆' => '6',
        '七' | '柒' => '7',
        '八' | '捌' => '8',
        '九' | '玖' => '9',
        _ => return None,
    })
}

#[cfg(test)]
#[test]
fn numeral_table_and_digits_agree() {
    for cp in 0u32..0x10000 {
        if let Some(c) = char::from_u32(cp) {
            assert_eq!(is_numeral(c), numeral_digit(c).is_some(), "{c}");
        }
    }
    assert!(has_numeral_number("电话一三八一"));
    assert!(has_numeral_number("hs八八九九"));
    assert!(!has_numeral_number("大家一起来，第一名"));
    assert!(!has_numeral_number("2026年"));
}

/// `s` with Chinese numerals replaced by digits.
fn numerals_to_digits(s: &str) -> String {
    s.chars().map(|c| numeral_digit(c).unwrap_or(c)).collect()
}

/// Gives each keyword pattern of a rule with word boundaries its
/// containers from the segmentation dictionary.
fn attach_containers(patterns: &mut [Pattern], rules: &[CompiledRule]) {
    let wanted: Vec<usize> = (0..patterns.len())
        .filter(|&i| {
            !patterns[i].variant
                && patterns[i].uses.iter().any(|u| match u {
                    Use::Keyword(r) => rules[*r as usize].word_boundary,
                    _ => false,
                })
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let words: Vec<&str> = wanted.iter().map(|&i| patterns[i].text.as_str()).collect();
    let containers = segment::dictionary().containers(&words);
    for (i, list) in wanted.into_iter().zip(containers) {
        patterns[i].containers = list;
    }
}

fn build_repeat(words: Vec<(String, u32, u32)>) -> Result<Option<RepeatSet>, CompileError> {
    if words.is_empty() {
        return Ok(None);
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut texts: Vec<String> = Vec::new();
    let mut uses: Vec<Vec<(u32, u32)>> = Vec::new();
    for (text, rule, canon) in words {
        let i = *index.entry(text.clone()).or_insert_with(|| {
            texts.push(text);
            uses.push(Vec::new());
            texts.len() - 1
        });
        if !uses[i].contains(&(rule, canon)) {
            uses[i].push((rule, canon));
        }
    }
    let edges = texts
        .iter()
        .map(|t| (edge(t.chars().next()), edge(t.chars().next_back())))
        .collect();
    let automaton = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(automaton_kind(texts.len()))
        .build(&texts)
        .map_err(|e| CompileError(format!("cannot build the repeat automaton: {e}")))?;
    Ok(Some(RepeatSet {
        automaton,
        uses,
        edges,
    }))
}

/// Word counts up to which the repeat automaton (the keywords of `repeat`
/// rules, run on the few texts with a repeated character) is a full DFA.
///
/// A DFA matches about twice as fast as the crate's default contiguous NFA
/// on Chinese text, at about 5 KiB of memory and 20 µs of build time per
/// word; beyond this many words the memory grows past what a scanner
/// should hold, and the crate chooses.
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
    /// The fused pass's pending hits and digit-run spans, and the hits it found.
    fused: FusedScratch,
    word_hits: Vec<WordHit>,
    /// The normalized views, built only when a later pass needs them:
    /// `views` is 0 (none yet), 1 (folded only) or 2 (both).
    norm: Normalized,
    views: u8,
    candidates: Vec<Span>,
    allows: Vec<Span>,
    requires: Vec<Span>,
    forbids: Vec<Span>,
    prefiltered: Vec<bool>,
    /// Whether a word of some regex rule occurred (a `prefiltered` flag is set).
    regex_words: bool,
    /// The rules whose regex gate a text meets.
    eligible: Vec<usize>,
    /// Windows around digit runs (context start, search start, end, as
    /// original bytes) and the folded view of one of them.
    windows: Vec<(usize, usize, usize)>,
    window: Normalized,
    /// The compact view with runs collapsed, and each byte's run in it.
    rep: String,
    rep_start: Vec<u32>,
    rep_end: Vec<u32>,
    /// The folded view with numerals as digits, and each byte's folded offset.
    num: String,
    num_src: Vec<u32>,
}

impl Scratch {
    /// Empty working memory.
    pub fn new() -> Self {
        Self::default()
    }

    fn reset(&mut self, rules: usize) {
        self.views = 0;
        self.regex_words = false;
        self.candidates.clear();
        self.allows.clear();
        self.requires.clear();
        self.forbids.clear();
        self.prefiltered.clear();
        self.prefiltered.resize(rules, false);
    }

    /// Builds both normalized views of `text` unless this scan already did.
    fn normalize(&mut self, text: &str) {
        if self.views < 2 {
            self.norm.normalize(text);
            self.views = 2;
        }
    }

    /// Builds the folded view of `text` unless this scan already did.
    fn normalize_folded(&mut self, text: &str) {
        if self.views == 0 {
            self.norm.normalize_folded(text);
            self.views = 1;
        }
    }
}
