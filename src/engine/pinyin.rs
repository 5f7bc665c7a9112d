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
//! Cost: bounded by [`MAX_VARIANTS`] strings per keyword.

use pinyin::ToPinyinMulti;

/// Readings taken per polyphonic character.
pub const MAX_READINGS: usize = 3;
/// Variants generated per keyword at most (the full pinyin spellings first).
pub const MAX_VARIANTS: usize = 64;
/// Keywords longer than this get full-pinyin variants only, not mixed ones.
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

/// The pinyin and mixed Han/pinyin spellings of a keyword's compact form;
/// empty unless it is two or more Han characters that all have readings.
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
    let mut masks = vec![full];
    if n <= MAX_MIXED_CHARS {
        masks.extend(1..full);
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
            if !out.contains(&s) {
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
        // 行 reads xing and hang.
        let v = variants("银行");
        assert!(
            v.contains(&"yinhang".to_string()) && v.contains(&"yinxing".to_string()),
            "{v:?}"
        );
        assert!(variants("长长长长长长长长").len() <= MAX_VARIANTS);
    }

    #[test]
    fn only_han_keywords_of_two_or_more() {
        assert!(variants("赌").is_empty());
        assert!(variants("k粉").is_empty());
        assert!(variants("qq").is_empty());
        assert_eq!(variants("女色")[0], "nvse");
    }
}
