//! Chinese word boundaries from a segmentation dictionary: is a keyword hit
//! strictly inside a longer everyday word (`赌` in `赌气`, `黄色` in `黄色预警`)?
//!
//! The dictionary is jieba's (`data/jieba_dict_min.txt`: every word of
//! frequency ≥ 20, see `data/README.md`) plus `data/segment_extra.txt`,
//! embedded at build time. At rule-compile time each keyword gets the list
//! of its **containers**: dictionary words of frequency ≥ 20 that contain it
//! and that a jieba-style segmenter would keep whole — the word's
//! probability beats the keyword's times the probabilities of the pieces
//! around it (`p(赌气) > p(赌)·p(气)`). At scan time only hits are checked,
//! by comparing the compact text around the hit with those containers.
//!
//! Cost: the dictionary (80,000 words) is parsed once per process (a few
//! milliseconds); finding the containers of a rule set is one Aho-Corasick
//! pass over the dictionary's words.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::normalize::compact_form;

const JIEBA: &str = include_str!("../../data/jieba_dict_min.txt");
const EXTRA: &str = include_str!("../../data/segment_extra.txt");

/// Word frequencies of the embedded segmentation dictionary.
#[derive(Debug)]
pub struct Dictionary {
    words: HashMap<&'static str, u32>,
    /// Total frequency of the full dictionary (probabilities are freq / total).
    total: f64,
}

/// A dictionary word that contains a keyword and that segmentation keeps
/// whole: the keyword hit is cancelled where the text has this word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// Bytes of the compact form that come before the keyword.
    pub before: usize,
    /// The word's compact form.
    pub text: Box<str>,
}

/// The embedded dictionary, parsed on first use.
pub fn dictionary() -> &'static Dictionary {
    static DICT: OnceLock<Dictionary> = OnceLock::new();
    DICT.get_or_init(|| Dictionary::parse(&[JIEBA, EXTRA]))
}

impl Dictionary {
    /// Parses `word frequency` lines (`# total N` sets the total; other `#`
    /// lines are comments). Later files override earlier ones.
    pub fn parse(files: &[&'static str]) -> Dictionary {
        let mut words = HashMap::new();
        let mut total = 0f64;
        for text in files {
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("# total ") {
                    total = rest.trim().parse().unwrap_or(total);
                    continue;
                }
                if line.starts_with('#') {
                    continue;
                }
                let mut parts = line.split_whitespace();
                if let (Some(w), Some(f)) = (parts.next(), parts.next()) {
                    if let Ok(f) = f.parse::<u32>() {
                        words.insert(w, f);
                    }
                }
            }
        }
        if total <= 0.0 {
            total = words.values().map(|&f| f64::from(f)).sum::<f64>().max(1.0);
        }
        Dictionary { words, total }
    }

    /// Every `(word, frequency)` of the dictionary, in no particular order.
    pub fn words(&self) -> impl Iterator<Item = (&'static str, u32)> + '_ {
        self.words.iter().map(|(&w, &f)| (w, f))
    }

    /// The frequency of a word, if the dictionary has it.
    pub fn freq(&self, word: &str) -> Option<u32> {
        self.words.get(word).copied()
    }

    /// Log-probability of a piece of text as segmentation would score it:
    /// the word's own when the dictionary has it, otherwise the sum over its
    /// characters (unknown characters count as frequency 1, as in jieba).
    fn log_p(&self, piece: &str) -> f64 {
        if piece.is_empty() {
            return 0.0;
        }
        if let Some(f) = self.freq(piece) {
            return (f64::from(f) / self.total).ln();
        }
        piece
            .chars()
            .map(|c| {
                let mut b = [0u8; 4];
                let f = self.freq(c.encode_utf8(&mut b)).unwrap_or(1).max(1);
                (f64::from(f) / self.total).ln()
            })
            .sum()
    }

    /// For each keyword (compact form), the containers that cancel its hits.
    ///
    /// Cost: one overlapping Aho-Corasick pass over every dictionary word.
    pub fn containers(&self, keywords: &[&str]) -> Vec<Vec<Container>> {
        let mut out = vec![Vec::new(); keywords.len()];
        if keywords.is_empty() {
            return out;
        }
        let Ok(ac) = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(keywords)
        else {
            return out;
        };
        for (&word, _) in self.words.iter() {
            if word.chars().nth(1).is_none() {
                continue;
            }
            for m in ac.find_overlapping_iter(word) {
                let k = m.pattern().as_usize();
                if m.len() == word.len() {
                    continue;
                }
                let (pre, kw, post) = (
                    &word[..m.start()],
                    &word[m.start()..m.end()],
                    &word[m.end()..],
                );
                if self.log_p(word) > self.log_p(pre) + self.log_p(kw) + self.log_p(post) {
                    let text = compact_form(word);
                    let before = compact_form(pre).len();
                    if text.len() > keywords[k].len() {
                        out[k].push(Container {
                            before,
                            text: text.into(),
                        });
                    }
                }
            }
        }
        for list in &mut out {
            list.sort_by(|a, b| (a.before, &a.text).cmp(&(b.before, &b.text)));
            list.dedup();
        }
        out
    }
}

/// True when the compact-view match `start..end` lies inside one of
/// `containers` written out in `compact`.
#[inline]
pub fn inside_container(compact: &str, start: usize, end: usize, containers: &[Container]) -> bool {
    let bytes = compact.as_bytes();
    containers.iter().any(|c| {
        start >= c.before
            && bytes[start - c.before..].starts_with(c.text.as_bytes())
            && start - c.before + c.text.len() >= end
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_has_frequencies() {
        let d = dictionary();
        assert_eq!(d.freq("赌博"), Some(610));
        assert!(d.freq("黄色预警").is_some(), "extra words are read");
        assert!(d.total > 6e7);
    }

    #[test]
    fn containers_follow_segmentation() {
        let d = dictionary();
        let c = d.containers(&["赌", "黄色", "冰毒"]);
        let texts = |i: usize| c[i].iter().map(|c| c.text.to_string()).collect::<Vec<_>>();
        assert!(texts(0).contains(&"赌气".to_string()), "{:?}", texts(0));
        assert!(texts(1).contains(&"黄色预警".to_string()));
        assert!(texts(1).contains(&"金黄色".to_string()));
        let gold = c[1].iter().find(|c| &*c.text == "金黄色").unwrap();
        assert_eq!(gold.before, "金".len());
        assert!(inside_container("一片金黄色的", 9, 15, &c[1]));
        assert!(!inside_container("一片黄色的", 6, 12, &c[1]));
    }
}
