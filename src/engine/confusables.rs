//! Look-alike characters beyond NFKC and case: Unicode UTS #39 confusables
//! that look like a Latin letter, and a small curated CJK look-alike table.
//!
//! - **Latin confusables** come from the UTS #39 `confusables.txt` data as
//!   shipped by the `unicode-security` crate (its `skeleton` function): a
//!   non-ASCII letter of a Latin-like alphabet whose skeleton is one ASCII
//!   letter folds to that letter (`ɑ` → `a`, `ı` → `i`, `ᴏ` → `o`). Only
//!   letters: digits and symbols keep their meaning (a `|` is not an `l`).
//! - **CJK look-alikes** are read from `data/cjk_lookalikes.txt` (rare
//!   variants, Japanese shinjitai forms, 火星文 substitutes; see that file for
//!   the policy: never an everyday character).
//!
//! Both are consulted only while the fold table is built (once per process,
//! for the 65,536 characters of the Basic Multilingual Plane) and for the
//! rare characters outside it.

use std::sync::OnceLock;

use unicode_general_category::{get_general_category, GeneralCategory as Gc};

/// The CJK look-alike table's text, embedded at build time.
const CJK_TABLE: &str = include_str!("../../data/cjk_lookalikes.txt");

/// The ASCII letter (lowercase) a non-ASCII letter is confusable with, per
/// UTS #39, if any.
///
/// Cost: one binary search in the crate's confusables table.
pub fn latin_confusable(c: char) -> Option<char> {
    if !in_latin_like_block(c) || !is_letter(c) {
        return None;
    }
    let mut buf = [0u8; 4];
    let mut sk = unicode_security::skeleton(c.encode_utf8(&mut buf));
    match (sk.next(), sk.next()) {
        (Some(one), None) if one.is_ascii_alphabetic() => Some(one.to_ascii_lowercase()),
        _ => None,
    }
}

/// Blocks of the alphabets evaders borrow Latin look-alikes from (Latin
/// extensions, IPA, Greek, Cyrillic, Armenian, Cherokee, letterlike
/// symbols). Arabic, Hebrew and the scripts of China's minority languages
/// are left alone: their ordinary text must not turn into Latin letters.
fn in_latin_like_block(c: char) -> bool {
    matches!(c as u32,
        0x00C0..=0x058F
        | 0x13A0..=0x13FF
        | 0x1D00..=0x1DBF
        | 0x1E00..=0x1FFF
        | 0x2100..=0x214F
        | 0x2C60..=0x2C7F
        | 0xA720..=0xA7FF
        | 0xAB30..=0xAB6F)
}

fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
    )
}

/// The character a CJK look-alike stands for, from `data/cjk_lookalikes.txt`.
pub fn cjk_lookalike(c: char) -> Option<char> {
    let table = cjk_table();
    table
        .binary_search_by_key(&c, |&(from, _)| from)
        .ok()
        .map(|i| table[i].1)
}

/// Every `(from, to)` pair of the CJK table, sorted by `from`.
pub fn cjk_table() -> &'static [(char, char)] {
    static TABLE: OnceLock<Vec<(char, char)>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(CJK_TABLE).expect("data/cjk_lookalikes.txt is well-formed"))
}

/// Parses a look-alike table: `FROM TO  # note` lines. The error names the
/// line and what is wrong with it.
pub fn parse_table(text: &str) -> Result<Vec<(char, char)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let one = |s: Option<&str>| {
            let s = s?;
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            }
        };
        match (one(parts.next()), one(parts.next()), parts.next()) {
            (Some(from), Some(to), None) if from != to => out.push((from, to)),
            _ => {
                return Err(format!(
                    "data/cjk_lookalikes.txt line {}: expected `FROM TO` (two different single characters), found `{line}`",
                    i + 1
                ))
            }
        }
    }
    out.sort_unstable();
    if let Some(w) = out.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!(
            "data/cjk_lookalikes.txt: `{}` is listed twice",
            w[0].0
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_confusables_from_uts39() {
        assert_eq!(latin_confusable('ɑ'), Some('a'));
        assert_eq!(latin_confusable('ı'), Some('i'));
        assert_eq!(latin_confusable('ѕ'), Some('s'));
        assert_eq!(latin_confusable('a'), None, "ASCII stays");
        assert_eq!(latin_confusable('é'), None, "accented letters stay");
        assert_eq!(latin_confusable('赌'), None);
        assert_eq!(latin_confusable('|'), None, "symbols are not letters");
        assert_eq!(latin_confusable('ا'), None, "Arabic script (Uyghur) stays");
    }

    #[test]
    fn cjk_table_loads_and_rejects_bad_lines() {
        assert_eq!(cjk_lookalike('兲'), Some('天'));
        assert_eq!(cjk_lookalike('毐'), Some('毒'));
        assert_eq!(cjk_lookalike('天'), None);
        assert!(cjk_table().len() >= 20);
        assert!(parse_table("兲 天\n兲 夭\n").unwrap_err().contains("twice"));
        assert!(parse_table("兲天\n").unwrap_err().contains("line 1"));
    }

    #[test]
    fn cjk_targets_are_never_sources() {
        for &(_, to) in cjk_table() {
            assert_eq!(
                cjk_lookalike(to),
                None,
                "{to} is both a source and a target"
            );
        }
    }
}
