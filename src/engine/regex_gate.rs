//! What a regex without prefilter words needs of a text before it can
//! match, so the matcher runs it (and builds the folded view it runs on)
//! only for the few texts that have it.
//!
//! Two facts are read off the regex's syntax tree, both lower bounds that
//! hold for every match, so skipping a text that lacks them loses nothing:
//! - **digit run**: the longest run of ASCII digits every match contains,
//!   where only noise characters (spaces, dashes, dots …) may sit between
//!   two digits of the run. The identity-card, mobile and bank-card rules
//!   need 11 to 17; dates (`2026年11月`) and prices never have that many.
//! - **literals**: strings of which every match contains at least one, as
//!   they appear in the compact view (noise dropped), e.g. `微信`, `vx`,
//!   `q` for the contact rule. They join the keyword automaton as extra
//!   patterns without word boundaries.
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
    /// The most characters a match can have (`None`: no bound). With a
    /// digit run, it bounds how far from the run a match can reach, so the
    /// matcher can fold and search only a window around each run.
    pub max_chars: Option<u32>,
}

/// The gate of `pattern`; an empty gate (every text passes) when the
/// pattern does not parse (the regex crate reports that error).
pub fn gate(pattern: &str) -> Gate {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return Gate::default();
    };
    let run = runs(&hir);
    let info = literals(&hir);
    Gate {
        digit_run: run.best,
        literals: best([info.exact.filter(|e| !has_empty(e)), info.req]),
        max_chars: max_chars(&hir),
    }
}

/// The most characters any match of `hir` has; `None` when unbounded (or
/// beyond `u32`).
fn max_chars(hir: &Hir) -> Option<u32> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(0),
        HirKind::Literal(lit) => Some(match std::str::from_utf8(&lit.0) {
            Ok(s) => s.chars().count() as u32,
            Err(_) => lit.0.len() as u32,
        }),
        HirKind::Class(_) => Some(1),
        HirKind::Repetition(rep) => max_chars(&rep.sub)?.checked_mul(rep.max?),
        HirKind::Capture(cap) => max_chars(&cap.sub),
        HirKind::Concat(subs) => subs
            .iter()
            .try_fold(0u32, |sum, h| sum.checked_add(max_chars(h)?)),
        HirKind::Alternation(subs) => subs
            .iter()
            .try_fold(0u32, |most, h| Some(most.max(max_chars(h)?))),
    }
}

// ---- digit runs ----

/// Digit-run bounds of one node over all its matches.
#[derive(Debug, Clone, Copy)]
struct Runs {
    /// `Some(d)`: every match is only digits and noise, with at least `d` digits.
    pure: Option<u32>,
    /// Digits in the run every match starts with.
    pre: u32,
    /// Digits in the run every match ends with.
    suf: u32,
    /// The longest run every match contains.
    best: u32,
}

impl Runs {
    fn pure(d: u32) -> Runs {
        Runs {
            pure: Some(d),
            pre: d,
            suf: d,
            best: d,
        }
    }

    const OPAQUE: Runs = Runs {
        pure: None,
        pre: 0,
        suf: 0,
        best: 0,
    };

    fn then(self, b: Runs) -> Runs {
        Runs {
            pure: self.pure.zip(b.pure).map(|(x, y)| x.saturating_add(y)),
            pre: match self.pure {
                Some(x) => x.saturating_add(b.pre),
                None => self.pre,
            },
            suf: match b.pure {
                Some(y) => self.suf.saturating_add(y),
                None => b.suf,
            },
            best: self.best.max(b.best).max(self.suf.saturating_add(b.pre)),
        }
    }

    fn or(self, b: Runs) -> Runs {
        Runs {
            pure: self.pure.zip(b.pure).map(|(x, y)| x.min(y)),
            pre: self.pre.min(b.pre),
            suf: self.suf.min(b.suf),
            best: self.best.min(b.best),
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

fn runs(hir: &Hir) -> Runs {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Runs::pure(0),
        HirKind::Literal(lit) => String::from_utf8_lossy(&lit.0)
            .chars()
            .map(|c| match part(c) {
                Part::Digit => Runs::pure(1),
                Part::Gap => Runs::pure(0),
                Part::Other => Runs::OPAQUE,
            })
            .fold(Runs::pure(0), Runs::then),
        HirKind::Class(class) => match class_chars(class, 256) {
            Some(chars) if !chars.is_empty() => {
                let parts: Vec<Part> = chars.into_iter().map(part).collect();
                if parts.iter().all(|p| matches!(p, Part::Digit)) {
                    Runs::pure(1)
                } else if parts.iter().all(|p| matches!(p, Part::Gap)) {
                    Runs::pure(0)
                } else if parts.iter().all(|p| !matches!(p, Part::Other)) {
                    // Digits or gaps: part of a run, adding no certain digit.
                    Runs::pure(0)
                } else {
                    Runs::OPAQUE
                }
            }
            _ => Runs::OPAQUE,
        },
        HirKind::Capture(cap) => runs(&cap.sub),
        HirKind::Repetition(rep) => {
            let sub = runs(&rep.sub);
            match sub.pure {
                Some(d) => Runs::pure(d.saturating_mul(rep.min)),
                None if rep.min == 0 => Runs::OPAQUE,
                None => Runs {
                    pure: None,
                    pre: sub.pre,
                    suf: sub.suf,
                    best: if rep.min >= 2 {
                        sub.best.max(sub.suf.saturating_add(sub.pre))
                    } else {
                        sub.best
                    },
                },
            }
        }
        HirKind::Concat(parts) => parts.iter().map(runs).fold(Runs::pure(0), Runs::then),
        HirKind::Alternation(branches) => branches
            .iter()
            .map(runs)
            .reduce(Runs::or)
            .unwrap_or(Runs::OPAQUE),
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
