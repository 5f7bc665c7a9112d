//! `--redact pii`: masks personal information in what reports show
//! (matched text, normalized match, snippet, title), never in what is
//! stored or fingerprinted: fingerprints are computed by the engine on the
//! unmasked text before any report is written.
//!
//! - resident ID (18 digits, last may be X): `110105********002X`
//! - mobile (11 digits starting 1[3-9], spaces or dashes allowed): `138****5678`
//! - bank card (16–19 digits, optionally in groups of four): `************1234`
//!
//! Full-width digits count as digits. Cost: one regex pass per field.

use std::sync::{Arc, OnceLock};

use regex::Regex;

use crate::model::Finding;

fn digit_runs() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[0-9０-９](?:[0-9０-９]|[ \-][0-9０-９])*[Xx]?").expect("valid regex")
    })
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Masks the digits of `run` (a digit run, possibly with separators and a
/// final X) when it is a resident ID, a mobile or a bank card; `None` when
/// it is none of them as a whole.
fn mask_whole(run: &str) -> Option<String> {
    let chars: Vec<char> = run.chars().collect();
    let digits: Vec<char> = chars
        .iter()
        .copied()
        .filter(|c| is_digit(*c) || *c == 'X' || *c == 'x')
        .collect();
    let has_sep = chars.len() != digits.len();
    let x_last = matches!(digits.last(), Some('X' | 'x'));
    let n = digits.len();
    let mask = |keep_head: usize, keep_tail: usize| -> String {
        let mut i = 0;
        chars
            .iter()
            .map(|&c| {
                if is_digit(c) || c == 'X' || c == 'x' {
                    i += 1;
                    if i <= keep_head || i > n - keep_tail {
                        c
                    } else {
                        '*'
                    }
                } else {
                    c
                }
            })
            .collect()
    };
    if n == 18 && !has_sep {
        return Some(mask(6, 4));
    }
    if x_last {
        return None;
    }
    let first = digits[0].to_digit(10).or_else(|| {
        char::from_u32(digits[0] as u32 - '０' as u32 + '0' as u32).and_then(|c| c.to_digit(10))
    });
    if n == 11 && first == Some(1) {
        return Some(mask(3, 4));
    }
    let groups: Vec<usize> = run.split([' ', '-']).map(|g| g.chars().count()).collect();
    let grouped = groups.len() == 1
        || groups[..groups.len() - 1].iter().all(|&g| g == 4)
            && groups.last().is_some_and(|&g| (1..=4).contains(&g));
    if (16..=19).contains(&n) && grouped {
        return Some(mask(0, 4));
    }
    None
}

/// `text` with resident IDs, mobiles and bank card numbers masked.
pub fn redact_pii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in digit_runs().find_iter(text) {
        out.push_str(&text[last..m.start()]);
        let run = m.as_str();
        match mask_whole(run) {
            Some(masked) => out.push_str(&masked),
            None => {
                // Separated pieces may be a date next to a mobile: mask each.
                for piece in run.split_inclusive([' ', '-']) {
                    let (body, sep) = match piece.strip_suffix([' ', '-']) {
                        Some(b) => (b, &piece[b.len()..]),
                        None => (piece, ""),
                    };
                    match mask_whole(body) {
                        Some(m) if !body.is_empty() => out.push_str(&m),
                        _ => out.push_str(body),
                    }
                    out.push_str(sep);
                }
            }
        }
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

/// `f` with personal information masked in the matched text, normalized
/// match, snippet and post title (fingerprint, counts and order keys other
/// than the match unchanged): the map of
/// [`crate::spool::Findings::mapped`] for `--redact pii`.
pub fn redact_finding(mut f: Finding) -> Finding {
    f.matched = redact_pii(&f.matched);
    f.normalized = redact_pii(&f.normalized);
    f.snippet = redact_pii(&f.snippet);
    let title = redact_pii(&f.post.title);
    Arc::make_mut(&mut f.post).title = title;
    f
}

#[cfg(test)]
mod tests {
    use super::redact_pii;

    #[test]
    fn masks_ids_mobiles_and_cards() {
        assert_eq!(
            redact_pii("身份证110105199001010020X"),
            "身份证110105199001010020X"
        );
        assert_eq!(
            redact_pii("身份证11010519900101002X。"),
            "身份证110105********002X。"
        );
        assert_eq!(redact_pii("电话13812345678"), "电话138****5678");
        assert_eq!(redact_pii("１８７５６０２３４１６"), "１８７****３４１６");
        assert_eq!(
            redact_pii("卡号6228 4800 1937 4620 581"),
            "卡号**** **** **** ***0 581"
        );
        assert_eq!(
            redact_pii("卡号6217001540837261096"),
            "卡号***************1096"
        );
        assert_eq!(
            redact_pii("2026-11-26 13812345678"),
            "2026-11-26 138****5678"
        );
        assert_eq!(redact_pii("共2026人"), "共2026人");
    }
}
