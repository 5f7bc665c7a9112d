//! Keyword matching with normalization in ONE pass over the original text:
//! each character is folded by a table lookup and its compact bytes go
//! straight into a DFA, so no compact string and no offset map is built.
//!
//! This is the keyword path of [`super::matcher`] without the
//! [`super::normalize::Normalized`] buffers: the same folding (the table is
//! built from [`classify`] and [`compact_form`], so both agree by
//! construction), the same overlapping semantics, the same ASCII word
//! boundaries, hits in original byte offsets. A ring of the original offsets
//! of the last compact bytes (as many as the longest word) maps a hit back.
//! `examples/fused_probe.rs` measures it against normalize-then-match and
//! `tests/differential.rs` checks it against a reference matcher; wiring it
//! into the matcher (with the folded view built only for texts whose regex
//! rules may fire) is issue 7's next step (docs/PERFORMANCE.md).
//!
//! Cost: building is one DFA over the words (about 5 KiB per word); the
//! 64K-entry character table (0.5 MiB, 5 ms) is built once per process. A scan is one table lookup per character
//! and one DFA transition per compact byte, with no allocation except for
//! characters outside the BMP that are not noise.

use aho_corasick::automaton::Automaton;
use aho_corasick::automaton::StateID;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

use super::normalize::{classify, compact_form, CharClass};

/// What one BMP character becomes in the compact view.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// Up to 4 compact bytes (`len` of `bytes`) and the ASCII class of the
    /// last compact character, for word boundaries.
    Bytes { len: u8, edge: Edge, bytes: [u8; 4] },
    /// Longer expansions, in [`Table::long`].
    Long(u32),
    /// Skipped: noise, or a format character.
    Skip,
    /// Resets the automaton: no word crosses it.
    Break,
}

/// ASCII class of a compact character at a word's edge: a word starting or
/// ending with an ASCII letter (digit) does not match next to another one
/// (`sb` is not in `usb`, `110` not in `1101`).
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

/// One word found: the index of the word as given to [`FusedMatcher::new`],
/// and the byte range of the original text it covers (whole characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordHit {
    /// Index into the word list.
    pub word: u32,
    /// Start byte in the original text.
    pub start: u32,
    /// End byte in the original text (exclusive).
    pub end: u32,
}

/// Per-thread working memory of [`FusedMatcher::scan`]: the ring of
/// offsets and the hits waiting for the next character's word-boundary
/// check. Reuse it across texts.
#[derive(Debug, Default)]
pub struct FusedScratch {
    /// Original start offset and edge class of the character that produced
    /// each of the last compact bytes.
    ring: Vec<(u32, Edge)>,
    /// Hits whose last character is an ASCII letter or digit: they stand
    /// only if the next compact character is not of the same class.
    pending: Vec<(WordHit, Edge)>,
}

/// The per-character table: what each BMP character becomes. The same for
/// every word list, so built once per process.
#[derive(Debug)]
struct Table {
    bmp: Vec<Entry>,
    long: Vec<(Box<str>, Edge)>,
}

fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut long = Vec::new();
        let bmp = (0u32..0x10000)
            .map(|cp| char::from_u32(cp).map_or(Entry::Skip, |c| entry(c, &mut long)))
            .collect();
        Table { bmp, long }
    })
}

/// A compiled word list for the fused pass. Immutable and `Sync`.
#[derive(Debug)]
pub struct FusedMatcher {
    dfa: DFA,
    table: &'static Table,
    /// First and last edge class of each word.
    edges: Vec<(Edge, Edge)>,
    /// Ring size: a power of two at least as long as the longest word.
    ring_len: usize,
}

impl FusedMatcher {
    /// Compiles `words`, each already in compact form (see [`compact_form`];
    /// empty words never match). Fails only if the DFA cannot be built.
    pub fn new(words: &[String]) -> Result<FusedMatcher, String> {
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .build(words)
            .map_err(|e| format!("cannot build the keyword automaton: {e}"))?;
        let edges = words
            .iter()
            .map(|w| (edge(w.chars().next()), edge(w.chars().next_back())))
            .collect();
        let longest = words.iter().map(String::len).max().unwrap_or(1);
        Ok(FusedMatcher {
            dfa,
            table: table(),
            edges,
            ring_len: longest.next_power_of_two().max(64),
        })
    }

    /// Calls `found` for every occurrence of every word in `text`, nested
    /// and overlapping ones included, in the order their last character is
    /// confirmed (not sorted).
    pub fn scan(&self, text: &str, s: &mut FusedScratch, mut found: impl FnMut(WordHit)) {
        assert!(
            text.len() < u32::MAX as usize,
            "texts over 4 GiB are not supported"
        );
        // Every slot a scan reads was written earlier in the same scan, so
        // the ring is only sized, never cleared.
        if s.ring.len() != self.ring_len {
            s.ring.clear();
            s.ring.resize(self.ring_len, (0, Edge::None));
        }
        s.pending.clear();
        let start = self
            .dfa
            .start_state(Anchored::No)
            .expect("an unanchored DFA has an unanchored start state");
        let mut st = State {
            sid: start,
            start,
            cpos: 0,
        };
        for (at, c) in text.char_indices() {
            let at = at as u32;
            let end = at + c.len_utf8() as u32;
            let cp = c as u32;
            if cp < 0x10000 {
                match self.table.bmp[cp as usize] {
                    Entry::Bytes { len, edge, bytes } => self.feed(
                        &mut st,
                        s,
                        &bytes[..len as usize],
                        edge,
                        at,
                        end,
                        &mut found,
                    ),
                    Entry::Skip => {}
                    Entry::Break => self.reset(&mut st, s, at, &mut found),
                    Entry::Long(i) => {
                        let (w, e) = &self.table.long[i as usize];
                        self.feed(&mut st, s, w.as_bytes(), *e, at, end, &mut found)
                    }
                }
            } else {
                match classify(c) {
                    CharClass::Break => self.reset(&mut st, s, at, &mut found),
                    CharClass::Noise | CharClass::Drop => {}
                    CharClass::Text => {
                        let w = compact_form(c.encode_utf8(&mut [0; 4]));
                        let e = edge(w.chars().next_back());
                        self.feed(&mut st, s, w.as_bytes(), e, at, end, &mut found)
                    }
                }
            }
        }
        settle(&mut s.pending, Edge::None, &mut found);
    }

    /// A break at `at`: it settles the pending hits, takes one ring slot
    /// (with no word-edge class, so a word may start right after it) and
    /// restarts the automaton.
    fn reset(
        &self,
        st: &mut State,
        s: &mut FusedScratch,
        at: u32,
        found: &mut impl FnMut(WordHit),
    ) {
        settle(&mut s.pending, Edge::None, found);
        s.ring[st.cpos & (self.ring_len - 1)] = (at, Edge::None);
        st.cpos += 1;
        st.sid = st.start;
    }

    /// Feeds the compact bytes of one original character `at..end`.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn feed(
        &self,
        st: &mut State,
        s: &mut FusedScratch,
        bytes: &[u8],
        last_edge: Edge,
        at: u32,
        end: u32,
        found: &mut impl FnMut(WordHit),
    ) {
        if bytes.is_empty() {
            return;
        }
        // The first compact character of this original character decides
        // the pending hits' boundaries.
        if !s.pending.is_empty() {
            let first = edge(
                std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|w| w.chars().next()),
            );
            settle(&mut s.pending, first, found);
        }
        let mask = self.ring_len - 1;
        for &b in bytes {
            s.ring[st.cpos & mask] = (at, last_edge);
            st.cpos += 1;
            st.sid = self.dfa.next_state(Anchored::No, st.sid, b);
        }
        if !(self.dfa.is_special(st.sid) && self.dfa.is_match(st.sid)) {
            return;
        }
        for i in 0..self.dfa.match_len(st.sid) {
            let pid = self.dfa.match_pattern(st.sid, i);
            let len = self.dfa.pattern_len(pid);
            let first = st.cpos - len;
            let (first_edge, last) = self.edges[pid.as_usize()];
            if first_edge != Edge::None && first > 0 && s.ring[(first - 1) & mask].1 == first_edge {
                continue;
            }
            let hit = WordHit {
                word: pid.as_u32(),
                start: s.ring[first & mask].0,
                end,
            };
            if last == Edge::None {
                found(hit);
            } else {
                s.pending.push((hit, last));
            }
        }
    }
}

/// Automaton state and compact position during one scan.
struct State {
    sid: StateID,
    /// The unanchored start state, where a break sends the automaton.
    start: StateID,
    cpos: usize,
}

/// Emits the pending hits whose last edge differs from `next`, the class of
/// the following compact character, and forgets the rest.
fn settle(pending: &mut Vec<(WordHit, Edge)>, next: Edge, found: &mut impl FnMut(WordHit)) {
    for (hit, last) in pending.drain(..) {
        if last != next {
            found(hit);
        }
    }
}

fn entry(c: char, long: &mut Vec<(Box<str>, Edge)>) -> Entry {
    match classify(c) {
        CharClass::Break => Entry::Break,
        CharClass::Noise | CharClass::Drop => Entry::Skip,
        CharClass::Text => {
            let w = compact_form(c.encode_utf8(&mut [0; 4]));
            let e = edge(w.chars().next_back());
            if w.is_empty() {
                Entry::Skip
            } else if w.len() <= 4 {
                let mut bytes = [0; 4];
                bytes[..w.len()].copy_from_slice(w.as_bytes());
                Entry::Bytes {
                    len: w.len() as u8,
                    edge: e,
                    bytes,
                }
            } else {
                long.push((w.into_boxed_str(), e));
                Entry::Long(long.len() as u32 - 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original text of every hit, sorted.
    fn hits(words: &[&str], text: &str) -> Vec<String> {
        let words: Vec<String> = words.iter().map(|w| compact_form(w)).collect();
        let m = FusedMatcher::new(&words).unwrap();
        let mut out = Vec::new();
        m.scan(text, &mut FusedScratch::default(), |h| {
            out.push(text[h.start as usize..h.end as usize].to_string());
        });
        out.sort();
        out
    }

    #[test]
    fn folds_skips_noise_and_maps_back() {
        assert_eq!(
            hits(&["赌博", "网络赌博"], "参与網絡 赌*博的人"),
            vec!["網絡 赌*博", "赌*博"]
        );
        assert_eq!(hits(&["vx"], "加ＶＸ好友"), vec!["ＶＸ"]);
    }

    #[test]
    fn no_match_crosses_a_break() {
        assert!(hits(&["赌博"], "赌。博").is_empty());
        assert!(hits(&["赌博"], "赌\n博").is_empty());
        assert_eq!(hits(&["赌博"], "赌。赌博"), vec!["赌博"]);
    }

    #[test]
    fn ascii_words_respect_word_boundaries() {
        assert!(hits(&["sb"], "usb接口").is_empty());
        assert!(hits(&["sb"], "sbx").is_empty());
        assert_eq!(hits(&["sb"], "你是sb吗"), vec!["sb"]);
        assert_eq!(hits(&["sb"], "s b!"), vec!["s b"]);
        assert!(hits(&["110"], "1101").is_empty());
        assert_eq!(hits(&["110"], "拨打110报警"), vec!["110"]);
        // A digit next to a letter word is no boundary problem.
        assert_eq!(hits(&["sb"], "2sb3"), vec!["sb"]);
    }

    #[test]
    fn nested_and_overlapping_words_all_fire() {
        assert_eq!(
            hits(&["赌", "赌博", "网络赌博"], "网络赌博"),
            vec!["网络赌博", "赌", "赌博"]
        );
    }
}
