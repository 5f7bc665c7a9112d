//! Pinyin spellings of keywords, for rules with `pinyin = true`.
//!
//! For a keyword of two or more Han characters this generates, at
//! rule-compile time, its full pinyin (`dubo` for 赌博; spaces and case do
//! not matter because the compact view drops spaces and lowercases) and its
//! mixed Han/pinyin spellings (`du博`, `赌bo`). Polyphonic characters
//! contribute each of their readings (at most [`MAX_READINGS`]); `ü` is
//! written `v`, as on a keyboard. The variants become extra automaton
//! patterns, so matching them costs nothing extra per text.
//!
//! A full-pinyin spelling that is also the spelling of another everyday
//! word is dropped: `dushu` (赌术) reads as 读书, `chusheng` (畜生) as 出生,
//! `dama` (大麻) as 大妈 — pinyin has no tones, and such spellings appear in
//! URLs, names and English text. "Everyday" means a word of frequency ≥
//! [`EVERYDAY_FREQ`] in the segmentation dictionary ([`super::segment`]).
//! So are the rarer readings' spellings of such a keyword (`ningdu` for 冰毒,
//! whose usual `bingdu` is 病毒). Mixed spellings (`du博`) are never
//! ambiguous that way and stay.
//!
//! Cost: bounded by [`MAX_VARIANTS`] strings per keyword; the first call
//! spells the dictionary's everyday words once (tens of milliseconds).

use std::collections::HashMap;
use std::sync::OnceLock;

use pinyin::ToPinyinMulti;

use super::segment;

/// Dictionary frequency from which a word counts as everyday for the
/// homophone check.
pub const EVERYDAY_FREQ: u32 = 20;

/// Readings taken per polyphonic character.
pub const MAX_READINGS: usize = 3;
/// Variants generated per keyword at most (the full pinyin spellings first).
pub const MAX_VARIANTS: usize = 64;
/// Keywords longer than this get only the mixed spellings with one
/// character in pinyin or all but one (`zhen人娱乐城`, `zhenrenyule城`).
pub const MAX_MIXED_CHARS: usize = 4;

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{20000}'..='\u{3134f}')
}

/// The plain readings of one character (no tones, `ü` as `v`), most common first.
pub fn readings(c: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(multi) = c.to_pinyin_multi() {
        for p in multi.into_iter() {
            let r = p.plain().replace('ü', "v");
            if !r.is_empty() && !out.contains(&r) {
                out.push(r);
            }
            if out.len() == MAX_READINGS {
                break;
            }
        }
    }
    out
}

/// Everyday words of two to four Han characters by the spelling of their
/// first readings (`dushu` → [读书, …]).
fn everyday_spellings() -> &'static HashMap<String, Vec<&'static str>> {
    static MAP: OnceLock<HashMap<String, Vec<&'static str>>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: HashMap<String, Vec<&'static str>> = HashMap::new();
        for (word, freq) in segment::dictionary().words() {
            let n = word.chars().count();
            if freq < EVERYDAY_FREQ || !(2..=4).contains(&n) || !word.chars().all(is_han) {
                continue;
            }
            let mut spelling = String::new();
            for c in word.chars() {
                match c.to_pinyin_multi().and_then(|m| m.into_iter().next()) {
                    Some(p) => spelling.push_str(&p.plain().replace('ü', "v")),
                    None => {
                        spelling.clear();
                        break;
                    }
                }
            }
            if !spelling.is_empty() {
                map.entry(spelling).or_default().push(word);
            }
        }
        map
    })
}

/// True when `spelling` is also how another everyday word than `keyword` is spelled.
pub fn is_homophone(spelling: &str, keyword: &str) -> bool {
    everyday_spellings()
        .get(spelling)
        .is_some_and(|words| words.iter().any(|w| *w != keyword))
}

/// The pinyin and mixed Han/pinyin spellings of a keyword's compact form;
/// empty unless it is two or more Han characters that all have readings.
/// Full spellings that are homophones of other everyday words are left out.
pub fn variants(keyword: &str) -> Vec<String> {
    let chars: Vec<char> = keyword.chars().collect();
    if chars.len() < 2 || !chars.iter().all(|&c| is_han(c)) {
        return Vec::new();
    }
    let readings: Vec<Vec<String>> = chars.iter().map(|&c| readings(c)).collect();
    if readings.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    let n = chars.len();
    let full = (1u32 << n) - 1;
    // When the usual reading is ambiguous (冰毒 `bingdu` is 病毒), the rarer
    // readings' spellings add only noise: no full spelling at all.
    let usual: String = readings.iter().map(|r| r[0].as_str()).collect();
    let mut masks = if is_homophone(&usual, keyword) {
        Vec::new()
    } else {
        vec![full]
    };
    if n <= MAX_MIXED_CHARS {
        masks.extend(1..full);
    } else {
        // Longer keywords: one character in pinyin, or all but one.
        for i in 0..n {
            masks.push(1 << i);
            masks.push(full & !(1 << i));
        }
    }
    if masks.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for mask in masks {
        // Walk every combination of readings for the positions in `mask`.
        let mut pick = vec![0usize; n];
        loop {
            let mut s = String::new();
            for i in 0..n {
                if mask & (1 << i) != 0 {
                    s.push_str(&readings[i][pick[i]]);
                } else {
                    s.push(chars[i]);
                }
            }
            let homophone = mask == full && is_homophone(&s, keyword);
            if !homophone && !out.contains(&s) {
                out.push(s);
                if out.len() == MAX_VARIANTS {
                    return out;
                }
            }
            // Next combination (odometer over the masked positions).
            let mut i = 0;
            loop {
                if i == n {
                    break;
                }
                if mask & (1 << i) != 0 {
                    pick[i] += 1;
                    if pick[i] < readings[i].len() {
                        break;
                    }
                    pick[i] = 0;
                }
                i += 1;
            }
            if i == n {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_mixed_spellings() {
        let v = variants("赌博");
        assert_eq!(v[0], "dubo");
        for want in ["du博", "赌bo"] {
            assert!(v.contains(&want.to_string()), "{want}: {v:?}");
        }
        assert!(
            !v.contains(&"赌博".to_string()),
            "the keyword itself is not a variant"
        );
    }

    #[test]
    fn polyphones_give_each_reading_bounded() {
        // 嫖 reads piao and biao.
        let v = variants("嫖客");
        assert!(
            v.contains(&"piaoke".to_string()) && v.contains(&"biao客".to_string()),
            "{v:?}"
        );
        assert!(variants("长长长长长长长长").len() <= MAX_VARIANTS);
        let v = variants("真人娱乐城");
        assert!(v.contains(&"zhen人娱乐城".to_string()), "{v:?}");
        assert!(v.contains(&"zhenrenyulecheng".to_string()), "{v:?}");
    }

    #[test]
    fn homophones_of_everyday_words_are_dropped() {
        let v = variants("赌术");
        assert!(
            !v.contains(&"dushu".to_string()),
            "dushu reads as 读书: {v:?}"
        );
        assert!(
            v.contains(&"du术".to_string()),
            "mixed spellings stay: {v:?}"
        );
        assert!(!variants("畜生").contains(&"chusheng".to_string()));
        let v = variants("冰毒");
        assert!(
            v.iter().all(|s| !s.is_ascii()),
            "bingdu is 病毒: no full spelling: {v:?}"
        );
        assert!(v.contains(&"bing毒".to_string()));
        assert!(variants("赌博").contains(&"dubo".to_string()));
        assert!(is_homophone("dushu", "赌术"));
        assert!(!is_homophone("dubo", "赌博"));
    }

    #[test]
    fn only_han_keywords_of_two_or_more() {
        assert!(variants("赌").is_empty());
        assert!(variants("k粉").is_empty());
        assert!(variants("qq").is_empty());
        assert_eq!(variants("女色")[0], "nvse");
    }
}
