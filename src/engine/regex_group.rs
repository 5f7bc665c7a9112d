//! Where a regex's reported group lies inside a whole match, read off the
//! match's characters instead of a capture search.
//!
//! Rules mark the part of a match they report with a group `m`, the rest
//! being boundary context the regex crate has no look-around for:
//! `(?:^|[^0-9a-z])(?P<m>1[3-9][0-9]{9})(?:$|[^0-9a-z])`. A capture search
//! costs a second engine run over every match (the regex crate's bounded
//! backtracker; about 2 % of the scan on the benchmark corpus, where most
//! matches of the bank-card and credit-code regexes fail their checksum).
//! When no character the context before the group can match is one the
//! group can start with, and none the context after it can match is one
//! the group can end with, the group starts at the match's first
//! character it can start with and ends at its last character it can end
//! with, whichever way the regex engine split the match.
//!
//! Cost: one parse of the pattern when the rule set is compiled; per match,
//! one walk over its characters from each end.

use regex_syntax::hir::{Class, ClassUnicode, Hir, HirKind};

/// How to find a group inside a whole match by its first and last
/// characters (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEdges {
    /// The characters the group can start with, as sorted ranges.
    first: Vec<(char, char)>,
    /// The characters the group can end with.
    last: Vec<(char, char)>,
}

impl GroupEdges {
    /// The byte range of the group inside `whole`, a whole match of the
    /// regex these edges were read from (`None` only for text that is not
    /// such a match).
    pub fn find(&self, whole: &str) -> Option<(usize, usize)> {
        let start = whole
            .char_indices()
            .find(|&(_, c)| contains(&self.first, c))?
            .0;
        let end = whole
            .char_indices()
            .rev()
            .find(|&(_, c)| contains(&self.last, c))
            .map(|(i, c)| i + c.len_utf8())?;
        (start < end).then_some((start, end))
    }
}

fn contains(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

/// The edges of group `name` of `pattern`, when the group can be found
/// that way: the pattern is a concatenation with the group as one of its
/// parts, the group never matches the empty string, and the characters
/// of the parts before (after) it share none with the group's possible
/// first (last) characters. `None` otherwise: the caller runs a capture
/// search.
pub fn group_edges(pattern: &str, name: &str) -> Option<GroupEdges> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let at = parts
        .iter()
        .position(|p| matches!(p.kind(), HirKind::Capture(c) if c.name.as_deref() == Some(name)))?;
    let HirKind::Capture(group) = parts[at].kind() else {
        return None;
    };
    if group.sub.properties().minimum_len().unwrap_or(0) == 0 {
        return None;
    }
    let (first, _) = edge(&group.sub, Side::First)?;
    let (last, _) = edge(&group.sub, Side::Last)?;
    let before = all_chars(&parts[..at])?;
    let after = all_chars(&parts[at + 1..])?;
    if overlaps(&first, &before) || overlaps(&last, &after) {
        return None;
    }
    let ranges = |c: &ClassUnicode| c.ranges().iter().map(|r| (r.start(), r.end())).collect();
    Some(GroupEdges {
        first: ranges(&first),
        last: ranges(&last),
    })
}

fn overlaps(a: &ClassUnicode, b: &ClassUnicode) -> bool {
    let mut both = a.clone();
    both.intersect(b);
    !both.ranges().is_empty()
}

#[derive(Clone, Copy)]
enum Side {
    First,
    Last,
}

/// The characters a match of `hir` can start (end) with, and whether it
/// can be empty; `None` for byte classes and literals that are not UTF-8.
fn edge(hir: &Hir, side: Side) -> Option<(ClassUnicode, bool)> {
    Some(match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => (ClassUnicode::empty(), true),
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).ok()?;
            let c = match side {
                Side::First => s.chars().next()?,
                Side::Last => s.chars().next_back()?,
            };
            (one(c), false)
        }
        HirKind::Class(Class::Unicode(c)) => (c.clone(), false),
        HirKind::Class(Class::Bytes(_)) => return None,
        HirKind::Repetition(r) => {
            let (c, empty) = edge(&r.sub, side)?;
            (c, empty || r.min == 0)
        }
        HirKind::Capture(c) => edge(&c.sub, side)?,
        HirKind::Concat(parts) => {
            let mut acc = ClassUnicode::empty();
            let mut walk = |p: &Hir| -> Option<bool> {
                let (c, empty) = edge(p, side)?;
                acc.union(&c);
                Some(empty)
            };
            let mut empty = true;
            match side {
                Side::First => {
                    for p in parts {
                        if !walk(p)? {
                            empty = false;
                            break;
                        }
                    }
                }
                Side::Last => {
                    for p in parts.iter().rev() {
                        if !walk(p)? {
                            empty = false;
                            break;
                        }
                    }
                }
            }
            (acc, empty)
        }
        HirKind::Alternation(alts) => {
            let mut acc = ClassUnicode::empty();
            let mut empty = false;
            for a in alts {
                let (c, e) = edge(a, side)?;
                acc.union(&c);
                empty |= e;
            }
            (acc, empty)
        }
    })
}

/// Every character a match of any of `parts` can hold.
fn all_chars(parts: &[Hir]) -> Option<ClassUnicode> {
    let mut acc = ClassUnicode::empty();
    for p in parts {
        acc.union(&chars(p)?);
    }
    Some(acc)
}

fn chars(hir: &Hir) -> Option<ClassUnicode> {
    Some(match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => ClassUnicode::empty(),
        HirKind::Literal(lit) => {
            let mut acc = ClassUnicode::empty();
            for c in std::str::from_utf8(&lit.0).ok()?.chars() {
                acc.union(&one(c));
            }
            acc
        }
        HirKind::Class(Class::Unicode(c)) => c.clone(),
        HirKind::Class(Class::Bytes(_)) => return None,
        HirKind::Repetition(r) => chars(&r.sub)?,
        HirKind::Capture(c) => chars(&c.sub)?,
        HirKind::Concat(parts) | HirKind::Alternation(parts) => all_chars(parts)?,
    })
}

fn one(c: char) -> ClassUnicode {
    ClassUnicode::new([regex_syntax::hir::ClassUnicodeRange::new(c, c)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    type Spans = Vec<(usize, usize)>;

    /// The `m` spans of every match of `re`, by a capture search and by the
    /// edges.
    fn both_ways(re: &Regex, edges: &GroupEdges, text: &str) -> (Spans, Spans) {
        let captured = re
            .captures_iter(text)
            .filter_map(|c| c.name("m"))
            .map(|m| (m.start(), m.end()))
            .collect();
        let trimmed = re
            .find_iter(text)
            .filter_map(|m| {
                edges
                    .find(m.as_str())
                    .map(|(s, e)| (m.start() + s, m.start() + e))
            })
            .collect();
        (captured, trimmed)
    }

    #[test]
    fn a_group_between_disjoint_contexts_has_edges() {
        let p = r"(?:^|[^0-9a-z])(?P<m>1[3-9](?:[ -]?[0-9]){9})(?:$|[^0-9a-z])";
        let edges = group_edges(p, "m").expect("edges");
        let re = Regex::new(p).unwrap();
        let (captured, trimmed) = both_ways(&re, &edges, "电话：138-1234-5678，或 13912345678");
        assert_eq!(captured, [(9, 22), (29, 40)]);
        assert_eq!(trimmed, captured);
    }

    #[test]
    fn contexts_that_can_hold_the_groups_edges_give_none() {
        // The context before can be a digit, as the group's first character.
        assert_eq!(group_edges(r"(?:^|[^a-z])(?P<m>[0-9]{4})", "m"), None);
        // The context after can be a digit, as its last.
        assert_eq!(group_edges(r"(?P<m>[a-z]+[0-9])(?:[0-9]|$)", "m"), None);
        // A group that can be empty, or one inside an alternation.
        assert_eq!(group_edges(r"x(?P<m>[0-9]*)y", "m"), None);
        assert_eq!(group_edges(r"(?P<m>[0-9]+)|x", "m"), None);
        assert!(group_edges(r"x(?P<m>[0-9]+)y", "m").is_some());
    }

    /// The shipped rules' regexes with an `m` group.
    fn shipped() -> Vec<String> {
        static ONCE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        ONCE.get_or_init(read_shipped).clone()
    }

    fn read_shipped() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut out = Vec::new();
        for f in ["classified", "false", "personal_info", "unhealthy"] {
            let text = std::fs::read_to_string(root.join(format!("{f}.toml"))).unwrap();
            let doc: toml::Value = toml::from_str(&text).unwrap();
            for rule in doc["rule"].as_array().unwrap() {
                if let Some(re) = rule.get("regex").and_then(|r| r.as_str()) {
                    if re.contains("(?P<m>") {
                        out.push(re.to_string());
                    }
                }
            }
        }
        out
    }

    /// The shipped regexes whose group has edges, compiled once.
    fn with_edges() -> &'static [(Regex, GroupEdges)] {
        static ONCE: std::sync::OnceLock<Vec<(Regex, GroupEdges)>> = std::sync::OnceLock::new();
        ONCE.get_or_init(|| {
            shipped()
                .iter()
                .filter_map(|p| Some((Regex::new(p).unwrap(), group_edges(p, "m")?)))
                .collect()
        })
    }

    #[test]
    fn the_number_rules_have_edges() {
        // Identity card, mobile, bank card, credit code at least.
        assert!(
            with_edges().len() >= 4,
            "{} shipped regexes have edges",
            with_edges().len()
        );
        // And the edges find each one's number where the rule's context
        // is around it.
        let text =
            "身份证 11010519491231002x，手机 +86 138-1234-5678；卡号 6222 0213 0200 1234 565。\
                    统一社会信用代码：91340100ma2n0xy12q";
        let mut found = 0;
        for (re, edges) in with_edges() {
            let (captured, trimmed) = both_ways(re, edges, text);
            assert_eq!(captured, trimmed, "{re}");
            found += trimmed.len();
        }
        assert!(found >= 4, "{found} numbers found");
    }

    fn piece() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "0",
            "1",
            "3",
            "8",
            "6",
            "9",
            "x",
            "a",
            "m",
            "q",
            " ",
            "-",
            "—",
            "·",
            "*",
            "#",
            "_",
            "：",
            "，",
            "的",
            "是",
            "加",
            "微",
            "信",
            "vx",
            "86",
            "+",
            "\n",
            "138",
            "1234",
            "5678",
            "11010519491231002",
            "6222",
            "9134",
            "ma",
            "绝",
            "密",
            "★",
        ])
        .prop_map(str::to_string)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

        /// Wherever a shipped regex matches, its group found by the edges
        /// is the group a capture search reports.
        #[test]
        fn edges_find_what_captures_find(pieces in prop::collection::vec(piece(), 0..40)) {
            let text: String = pieces.concat();
            for (re, edges) in with_edges() {
                let (captured, trimmed) = both_ways(re, edges, &text);
                prop_assert_eq!(captured, trimmed, "{} on {:?}", re, text);
            }
        }
    }
}
