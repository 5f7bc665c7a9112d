//! What a regex needs of a text before it can match, so the matcher runs
//! it (and builds the folded view it runs on) only for the few texts that
//! have it. The digit run and the reach serve every regex; the literals
//! serve those without prefilter words.
//!
//! Facts are read off the regex's syntax tree, bounds that hold for every
//! match, so skipping a text (or the part of it) that lacks them loses
//! nothing:
//! - **digit run**: the longest run of ASCII digits every match contains,
//!   where only noise characters (spaces, dashes, dots …) may sit between
//!   two digits of the run. The identity-card, mobile and bank-card rules
//!   need 11 to 17; dates (`2026年11月`) and prices never have that many.
//! - **literals**: strings of which every match contains at least one, as
//!   they appear in the compact view (noise dropped), e.g. `微信`, `vx`,
//!   `q` for the contact rule. They join the keyword automaton as extra
//!   patterns without word boundaries.
//! - **reach**: with a digit run, the most characters a match has before
//!   the run's first digit and after its last (the mobile rule: 12 and 4;
//!   its separators inside the run count as the run's). The matcher folds
//!   and searches only those windows around a text's digit runs.
//!
//! The fused keyword pass measures a text's longest digit run and finds the
//! literals (see [`super::fused::ScanFacts`]).
//!
//! Cost: one parse of the pattern when the rule set is compiled.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::normalize::{classify, CharClass};

/// What every match of one regex contains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gate {
    /// The longest run of ASCII digits (noise allowed between them) every
    /// match contains; 0 when none is certain.
    pub digit_run: u32,
    /// Compact-view strings of which every match contains one; `None` when
    /// no useful set is certain.
    pub literals: Option<Vec<String>>,
    /// The most characters a match can have (`None`: no bound).
    pub max_chars: Option<u32>,
    /// With a digit run: the most characters a match has before the first
    /// digit of that run and after its last (`None`: no bound). A match
    /// lies within that reach of a digit run of the text (the text's run
    /// holds the match's), so the matcher folds and searches only a window
    /// around each run.
    pub run_reach: Option<(u32, u32)>,
}

/// The gate of `pattern`; an empty gate (every text passes) when the
/// pattern does not parse (the regex crate reports that error).
pub fn gate(pattern: &str) -> Gate {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return Gate::default();
    };
    let runs = runs(&hir);
    let run = runs.best;
    let info = literals(&hir);
    Gate {
        digit_run: run.digits,
        literals: best([info.exact.filter(|e| !has_empty(e)), info.req]),
        max_chars: (runs.len < u32::MAX).then_some(runs.len),
        run_reach: (run.digits > 0 && run.lead < u32::MAX && run.trail < u32::MAX)
            .then_some((run.lead, run.trail)),
    }
}

// ---- digit runs ----

/// One digit run of a node's matches: at least `digits` digits (noise
/// allowed between them), and at most `lead` characters of the match before
/// its first digit and `trail` after its last. With no digit (`digits ==
/// 0`), `lead` and `trail` are the node's length: the run may be anywhere.
/// Lengths saturate at `u32::MAX` (unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    digits: u32,
    lead: u32,
    trail: u32,
}

impl Run {
    /// A run of `x` in a node of `x_len` characters followed by a run of
    /// `y` in one of `y_len`, read as one run: where `x` ends its node
    /// and `y` starts its own (a junction of two nodes, or two pure nodes).
    fn join(x: Run, x_len: u32, y: Run, y_len: u32) -> Run {
        Run {
            digits: x.digits.saturating_add(y.digits),
            lead: if x.digits > 0 {
                x.lead
            } else {
                x_len.saturating_add(y.lead)
            },
            trail: if y.digits > 0 {
                y.trail
            } else {
                x.trail.saturating_add(y_len)
            },
        }
    }

    /// The same run with `before` more characters in front of it and
    /// `after` more behind it.
    fn widen(self, before: u32, after: u32) -> Run {
        Run {
            digits: self.digits,
            lead: self.lead.saturating_add(before),
            trail: self.trail.saturating_add(after),
        }
    }

    /// The run of either of two alternatives.
    fn either(self, b: Run) -> Run {
        Run {
            digits: self.digits.min(b.digits),
            lead: self.lead.max(b.lead),
            trail: self.trail.max(b.trail),
        }
    }

    /// The longer run; of two as long, the one a window around it can keep
    /// narrower.
    fn longer(self, b: Run) -> Run {
        let width = |r: Run| r.lead.saturating_add(r.trail);
        if b.digits > self.digits || (b.digits == self.digits && width(b) < width(self)) {
            b
        } else {
            self
        }
    }
}

/// Digit-run bounds of one node over all its matches.
#[derive(Debug, Clone, Copy)]
struct Runs {
    /// Every match is only digits and noise.
    pure: bool,
    /// The most characters a match has (`u32::MAX`: unbounded).
    len: u32,
    /// The run every match starts with (digits from its first character).
    pre: Run,
    /// The run every match ends with.
    suf: Run,
    /// The longest run every match contains.
    best: Run,
}

impl Runs {
    /// A node whose every match is digits and noise, with at least
    /// `digits` digits and at most `lead` characters before the first and
    /// `trail` after the last.
    fn pure(len: u32, digits: u32, lead: u32, trail: u32) -> Runs {
        let run = if digits == 0 {
            Run {
                digits,
                lead: len,
                trail: len,
            }
        } else {
            Run {
                digits,
                lead,
                trail,
            }
        };
        Runs {
            pure: true,
            len,
            pre: run,
            suf: run,
            best: run,
        }
    }

    /// A node of at most `len` characters that guarantees no digit.
    fn opaque(len: u32) -> Runs {
        let none = Run {
            digits: 0,
            lead: len,
            trail: len,
        };
        Runs {
            pure: false,
            len,
            pre: none,
            suf: none,
            best: none,
        }
    }

    fn then(self, b: Runs) -> Runs {
        let len = self.len.saturating_add(b.len);
        let junction = Run::join(self.suf, self.len, b.pre, b.len);
        if self.pure && b.pure {
            return Runs::pure(len, junction.digits, junction.lead, junction.trail);
        }
        Runs {
            pure: false,
            len,
            pre: if self.pure {
                junction
            } else {
                self.pre.widen(0, b.len)
            },
            suf: if b.pure {
                junction
            } else {
                b.suf.widen(self.len, 0)
            },
            best: self
                .best
                .widen(0, b.len)
                .longer(b.best.widen(self.len, 0))
                .longer(junction),
        }
    }

    fn or(self, b: Runs) -> Runs {
        Runs {
            pure: self.pure && b.pure,
            len: self.len.max(b.len),
            pre: self.pre.either(b.pre),
            suf: self.suf.either(b.suf),
            best: self.best.either(b.best),
        }
    }
}

/// What one character is to a digit run.
enum Part {
    Digit,
    Gap,
    Other,
}

fn part(c: char) -> Part {
    if c.is_ascii_digit() {
        Part::Digit
    } else if matches!(classify(c), CharClass::Noise | CharClass::Drop) {
        Part::Gap
    } else {
        Part::Other
    }
}

/// The runs of one character of this kind.
fn part_runs(p: Part) -> Runs {
    match p {
        Part::Digit => Runs::pure(1, 1, 0, 0),
        Part::Gap => Runs::pure(1, 0, 1, 1),
        Part::Other => Runs::opaque(1),
    }
}

fn runs(hir: &Hir) -> Runs {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Runs::pure(0, 0, 0, 0),
        HirKind::Literal(lit) => String::from_utf8_lossy(&lit.0)
            .chars()
            .map(|c| part_runs(part(c)))
            .fold(Runs::pure(0, 0, 0, 0), Runs::then),
        HirKind::Class(class) => match class_chars(class, 256) {
            Some(chars) if !chars.is_empty() => {
                let parts: Vec<Part> = chars.into_iter().map(part).collect();
                if parts.iter().all(|p| matches!(p, Part::Digit)) {
                    part_runs(Part::Digit)
                } else if parts.iter().all(|p| !matches!(p, Part::Other)) {
                    // Digits or gaps: part of a run, adding no certain digit.
                    part_runs(Part::Gap)
                } else {
                    part_runs(Part::Other)
                }
            }
            _ => part_runs(Part::Other),
        },
        HirKind::Capture(cap) => runs(&cap.sub),
        HirKind::Repetition(rep) => {
            let sub = runs(&rep.sub);
            let times = rep.max.unwrap_or(u32::MAX);
            let len = if sub.len == 0 {
                0
            } else {
                sub.len.saturating_mul(times)
            };
            // Characters of the other copies, on either side of a run in
            // one copy (or of a run across two neighbouring copies).
            let others = sub.len.saturating_mul(times.saturating_sub(1));
            let others2 = sub.len.saturating_mul(times.saturating_sub(2));
            if sub.pure {
                let digits = sub.best.digits.saturating_mul(rep.min);
                return Runs::pure(len, digits, sub.best.lead, sub.best.trail);
            }
            if rep.min == 0 {
                return Runs::opaque(len);
            }
            // A run in the first copy: the others come after it.
            let mut best = sub.best.widen(0, others);
            if rep.min >= 2 {
                best = best
                    .longer(Run::join(sub.suf, sub.len, sub.pre, sub.len).widen(others2, others2));
            }
            Runs {
                pure: false,
                len,
                pre: sub.pre.widen(0, others),
                suf: sub.suf.widen(others, 0),
                best,
            }
        }
        HirKind::Concat(parts) => parts
            .iter()
            .map(runs)
            .fold(Runs::pure(0, 0, 0, 0), Runs::then),
        HirKind::Alternation(branches) => branches
            .iter()
            .map(runs)
            .reduce(Runs::or)
            .unwrap_or(Runs::opaque(0)),
    }
}

/// The characters of `class` when it has at most `limit` of them.
fn class_chars(class: &Class, limit: usize) -> Option<Vec<char>> {
    let mut out = Vec::new();
    match class {
        Class::Unicode(c) => {
            for r in c.ranges() {
                if (r.end() as usize) - (r.start() as usize) + out.len() >= limit {
                    return None;
                }
                out.extend(r.start()..=r.end());
            }
        }
        Class::Bytes(c) => {
            for r in c.ranges() {
                if r.end() >= 0x80 {
                    return None;
                }
                out.extend((r.start()..=r.end()).map(char::from));
            }
        }
    }
    Some(out)
}

// ---- required literals ----

/// At most this many strings in a set, and bytes in a string.
const MAX_SET: usize = 64;
const MAX_LEN: usize = 32;

/// Literal facts of one node: `exact`, every compact string a match can be
/// (when few); `req`, strings of which every match contains one.
#[derive(Debug, Clone, Default)]
struct Lits {
    exact: Option<Vec<String>>,
    req: Option<Vec<String>>,
}

/// `s` as the compact view shows it: noise and format characters dropped.
fn compact(s: &str) -> String {
    s.chars()
        .filter(|&c| !matches!(classify(c), CharClass::Noise | CharClass::Drop))
        .collect()
}

/// True when `s` holds a line break or sentence end, which no automaton
/// pattern may contain.
fn has_break(s: &str) -> bool {
    s.chars().any(|c| classify(c) == CharClass::Break)
}

fn has_empty(set: &[String]) -> bool {
    set.iter().any(String::is_empty)
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// At most this many one-character strings in a useful set: any letter
/// (`[a-z]`) is in nearly every text.
const MAX_SINGLES: usize = 4;

/// How rare a set's strings are, as the length in characters of its
/// shortest string; digit-only strings count 0 (the digit run covers them),
/// and so does a set with more than [`MAX_SINGLES`] one-character strings.
fn score(set: &[String]) -> usize {
    if set.iter().filter(|s| s.chars().count() == 1).count() > MAX_SINGLES {
        return 0;
    }
    set.iter()
        .map(|s| {
            if s.bytes().all(|b| b.is_ascii_digit()) {
                0
            } else {
                s.chars().count()
            }
        })
        .min()
        .unwrap_or(0)
}

/// The rarest of the candidate sets (fewest strings among equals); `None`
/// when none is of use.
fn best(candidates: impl IntoIterator<Item = Option<Vec<String>>>) -> Option<Vec<String>> {
    candidates
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty() && !has_empty(s) && score(s) > 0)
        .max_by(|a, b| score(a).cmp(&score(b)).then(b.len().cmp(&a.len())))
}

fn product(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() * b.len() > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            if x.len() + y.len() > MAX_LEN {
                return None;
            }
            out.push(format!("{x}{y}"));
        }
    }
    Some(dedup(out))
}

fn literals(hir: &Hir) -> Lits {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits {
            exact: Some(vec![String::new()]),
            req: None,
        },
        HirKind::Literal(lit) => {
            let s = compact(&String::from_utf8_lossy(&lit.0));
            if has_break(&s) {
                // The fused pass restarts at a break: no literal across one.
                return Lits::default();
            }
            let exact = vec![s];
            Lits {
                req: Some(exact.clone()).filter(|e| !has_empty(e)),
                exact: Some(exact),
            }
        }
        HirKind::Class(class) => {
            let exact = class_chars(class, MAX_SET)
                .map(|cs| dedup(cs.into_iter().map(|c| compact(&c.to_string())).collect()))
                .filter(|e| !e.iter().any(|s| has_break(s)));
            Lits {
                req: exact.clone().filter(|e| !has_empty(e)),
                exact,
            }
        }
        HirKind::Capture(cap) => literals(&cap.sub),
        HirKind::Repetition(rep) => {
            let sub = literals(&rep.sub);
            let empty_only = sub
                .exact
                .as_ref()
                .is_some_and(|e| e.iter().all(String::is_empty));
            if empty_only {
                Lits {
                    exact: Some(vec![String::new()]),
                    req: None,
                }
            } else if rep.min == 0 {
                Lits::default()
            } else if rep.min == 1 && rep.max == Some(1) {
                sub
            } else {
                Lits {
                    exact: None,
                    req: best([sub.exact, sub.req]),
                }
            }
        }
        HirKind::Concat(parts) => {
            let mut candidates: Vec<Option<Vec<String>>> = Vec::new();
            // The product of the current run of children with exact sets.
            let mut run: Option<Vec<String>> = Some(vec![String::new()]);
            let mut all_exact = true;
            for part in parts.iter().map(literals) {
                candidates.push(part.req.clone());
                match part.exact {
                    Some(e) => {
                        candidates.push(Some(e.clone()));
                        run = match run.as_deref().and_then(|r| product(r, &e)) {
                            Some(p) => Some(p),
                            None => {
                                candidates.push(run.take());
                                all_exact = false;
                                Some(e)
                            }
                        };
                    }
                    None => {
                        candidates.push(run.take());
                        all_exact = false;
                        run = Some(vec![String::new()]);
                    }
                }
            }
            let exact = if all_exact { run.clone() } else { None };
            candidates.push(run);
            Lits {
                exact,
                req: best(candidates),
            }
        }
        HirKind::Alternation(branches) => {
            let parts: Vec<Lits> = branches.iter().map(literals).collect();
            let exact = parts
                .iter()
                .map(|p| p.exact.clone())
                .collect::<Option<Vec<_>>>()
                .map(|sets| dedup(sets.concat()))
                .filter(|e| e.len() <= MAX_SET);
            let req = parts
                .into_iter()
                .map(|p| best([p.exact.filter(|e| !has_empty(e)), p.req]))
                .collect::<Option<Vec<_>>>()
                .map(|sets| dedup(sets.concat()));
            Lits { exact, req }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::gate;
    use crate::engine::normalize::{classify, CharClass};
    use proptest::prelude::*;

    const SEP: &str = r"[ \-*·•_~#]{0,3}";

    #[test]
    fn match_length_bounds() {
        assert_eq!(gate(r"1[3-9]\d{9}").max_chars, Some(11));
        assert_eq!(
            gate(r"(?:^|[^0-9])(?P<m>\d(?:[ -]{0,3}\d){10})").max_chars,
            Some(42)
        );
        assert_eq!(gate("电话|手机号").max_chars, Some(3));
        assert_eq!(gate(r"\d{11}.*").max_chars, None);
        assert_eq!(gate(r"\d{11,}").max_chars, None);
    }

    #[test]
    fn reach_around_the_digit_run() {
        let reach = |p: &str| gate(p).run_reach;
        assert_eq!(reach(r"[0-9]{11}"), Some((0, 0)));
        assert_eq!(
            reach(&format!("1{SEP}[3-9](?:{SEP}[0-9]){{9}}")),
            Some((0, 0)),
            "separators inside the run are the run's"
        );
        assert_eq!(reach(&format!("[0-9]{{4}}{SEP}")), Some((0, 3)));
        assert_eq!(reach(r"(?:^|[^0-9])[0-9]{6}(?:[^0-9]|$)"), Some((1, 1)));
        assert_eq!(
            reach(r"(?:86)?[0-9]{11}"),
            Some((2, 0)),
            "optional digits may stand before the run"
        );
        assert_eq!(reach(r"电话[:：]?[0-9]{8}号?"), Some((3, 1)));
        assert_eq!(
            reach(r"[0-9]{2}年[0-9]{6}月"),
            Some((3, 1)),
            "the longer run"
        );
        assert_eq!(
            reach(r"(?:[0-9]{3}[a-z]){2}"),
            Some((0, 5)),
            "the first copy's"
        );
        assert_eq!(
            reach(r"[0-9]{2}(?:a[0-9]{3}|b[0-9]{3})[0-9]"),
            Some((3, 0)),
            "a run across a group's end"
        );
        assert_eq!(reach(r"[a-z]{1,3}[0-9]{5}[a-z]{0,2}"), Some((3, 2)));
        assert_eq!(reach(r"[a-z]*[0-9]{5}"), None, "unbounded before");
        assert_eq!(reach(r"[0-9]{5}.*"), None, "unbounded after");
        assert_eq!(reach(r"[a-z]{3}"), None, "no run");
    }

    /// Pieces of random regexes for the reach property: digits, noise,
    /// other characters, and classes mixing them.
    fn atom() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "1",
            "7",
            "[0-9]",
            "[0-9]{2}",
            "[0-9]{3}",
            " ",
            "-",
            "[ -]",
            "a",
            "的",
            "[0-9a]",
            "[0-9 ]",
            "(?:^|[^0-9])",
            "(?:$|[^0-9])",
        ])
        .prop_map(str::to_string)
    }

    fn pattern() -> impl Strategy<Value = String> {
        atom().prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..5).prop_map(|v| v.concat()),
                prop::collection::vec(inner.clone(), 2..4)
                    .prop_map(|v| format!("(?:{})", v.join("|"))),
                (inner, 0u32..3, 0u32..3)
                    .prop_map(|(p, lo, extra)| format!("(?:{p}){{{lo},{}}}", lo + extra)),
            ]
        })
    }

    /// The maximal digit runs of `text` (noise allowed between digits), as
    /// character ranges from the first digit to after the last, with their
    /// digit counts.
    fn text_runs(text: &[char]) -> Vec<(usize, usize, u32)> {
        let mut out: Vec<(usize, usize, u32)> = Vec::new();
        let mut open = false;
        for (i, &c) in text.iter().enumerate() {
            if c.is_ascii_digit() {
                match out.last_mut() {
                    Some(run) if open => {
                        run.1 = i + 1;
                        run.2 += 1;
                    }
                    _ => out.push((i, i + 1, 1)),
                }
                open = true;
            } else if !matches!(classify(c), CharClass::Noise | CharClass::Drop) {
                open = false;
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// Every match of a random regex with a digit-run gate lies within
        /// the gate's reach of a run of the text with enough digits: what
        /// the matcher's windows rely on.
        #[test]
        fn every_match_lies_within_reach_of_a_long_enough_run(
            pattern in pattern(),
            text in prop::collection::vec(
                prop::sample::select(vec![
                    '1', '2', '7', '9', '1', '2', '7', '9', ' ', '-', 'a', 'b', '的', '\n',
                ]),
                0..60,
            ),
        ) {
            let g = gate(&pattern);
            let Some((lead, trail)) = g.run_reach else { return Ok(()) };
            prop_assume!(g.digit_run > 0);
            let re = regex::Regex::new(&pattern).expect("the pieces make valid regexes");
            let hay: String = text.iter().collect();
            let runs = text_runs(&text);
            let char_at = |byte: usize| hay[..byte].chars().count();
            for at in hay.char_indices().map(|(i, _)| i).chain([hay.len()]) {
                let Some(m) = re.find_at(&hay, at) else { continue };
                let (start, end) = (char_at(m.start()), char_at(m.end()));
                let held = runs.iter().any(|&(a, b, digits)| {
                    digits >= g.digit_run
                        && start + lead as usize >= a
                        && end <= b + trail as usize
                });
                prop_assert!(
                    held,
                    "{pattern:?} matches {:?} in {hay:?}: not within ({lead}, {trail}) of a run of {} digits",
                    m.as_str(),
                    g.digit_run
                );
            }
        }
    }

    #[test]
    fn digit_runs_every_match_contains() {
        let run = |p: &str| gate(p).digit_run;
        assert_eq!(run(r"1[3-9][0-9]{9}"), 11);
        assert_eq!(run(&format!("1{SEP}[3-9](?:{SEP}[0-9]){{9}}")), 11);
        assert_eq!(run(r"[0-9]{6}|[0-9]{2}"), 2);
        assert_eq!(run(r"[0-9]{4}年[0-9]{2}"), 4, "a Han character ends a run");
        assert_eq!(run(r"(?:^|[^0-9])[0-9]{3}"), 3);
        assert_eq!(run(r"\d{9}"), 0, r"\d is Unicode, not only ASCII");
        assert_eq!(run(r"[0-9](?:[a-z0-9]){5}"), 1);
        assert_eq!(run(r"(unclosed"), 0);
    }

    #[test]
    fn literals_every_match_contains() {
        let lits = |p: &str| gate(p).literals;
        assert_eq!(
            lits(&format!("(?:加|\\+){SEP}(?:微{SEP}信|q)[0-9]{{5}}")),
            Some(vec!["q".to_string(), "微信".to_string()])
        );
        assert_eq!(
            lits(r"v[ *]{0,3}x|weixin"),
            Some(vec!["vx".into(), "weixin".into()])
        );
        assert_eq!(lits(r"[0-9]{11}"), None, "digits are the digit run's job");
        assert_eq!(lits(r"[a-z]+[0-9]"), None);
        assert_eq!(lits(r"(?:微信)?[0-9]+"), None);
        assert_eq!(
            lits(r"通知！[0-9]"),
            None,
            "a sentence end splits the compact view"
        );
        assert_eq!(lits(r"通知[!。][0-9]"), Some(vec!["通知".into()]));
    }
}
