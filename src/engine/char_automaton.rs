//! An Aho-Corasick automaton over **characters**, not bytes, for the fused
//! keyword pass ([`super::fused`]).
//!
//! Chinese keywords are made of CJK characters of 3 UTF-8 bytes each. A
//! byte DFA over 10,000 of them takes 3 dependent loads per character into
//! a 50 MiB transition table, most of them cache misses. Here each
//! character of the words gets a dense **symbol** (1, 2, …; 0 for every
//! character in no word), the root has a dense table of symbols, and every
//! other transition sits in one open-addressing hash table keyed by (state,
//! symbol): for 10,000 words the whole automaton is about 1 MiB and stays
//! in the L2 cache. A character in no word sends the automaton straight
//! back to the root.
//!
//! Semantics are those of `aho_corasick` with `MatchKind::Standard` in
//! overlapping mode: every occurrence of every word, nested ones included.
//!
//! Cost: building is linear in the total length of the words (plus the
//! failure links, one breadth-first pass); a step is one lookup for a
//! character in no word, else one hash probe (plus failure links on a miss).

use std::collections::HashMap;

/// The root state.
pub const ROOT: u32 = 0;

/// Set in a state id when that state ends at least one word.
pub const MATCH: u32 = 1 << 31;

/// One state's child filter and failure link, side by side in memory.
#[derive(Debug, Clone, Copy)]
struct Link {
    children: u64,
    fail: u32,
}

/// A compiled word list over characters. Immutable and `Sync`.
#[derive(Debug)]
pub struct CharAutomaton {
    /// Symbol of each character that occurs in some word.
    symbols: HashMap<char, u32>,
    /// The root's transition for each symbol (index 0: characters in no word).
    root: Vec<u32>,
    /// Transitions of the other states: key `state << 32 | symbol`, 0 empty.
    keys: Vec<u64>,
    values: Vec<u32>,
    /// `keys.len() - 1`.
    mask: usize,
    /// Per state: a 64-bit filter of its children's symbols (bit
    /// `symbol % 64`), so most misses skip the hash probe, and its failure link.
    links: Vec<Link>,
    /// Words ending at each state, own and through failure links:
    /// `outputs[out_start[s]..out_start[s + 1]]`.
    out_start: Vec<u32>,
    outputs: Vec<u32>,
    /// Length of each word in characters.
    lengths: Vec<u32>,
}

impl CharAutomaton {
    /// Compiles `words` (empty ones never match).
    pub fn new(words: &[String]) -> CharAutomaton {
        let mut symbols: HashMap<char, u32> = HashMap::new();
        // Trie: children per state, words ending per state.
        let mut children: Vec<HashMap<u32, u32>> = vec![HashMap::new()];
        let mut ends: Vec<Vec<u32>> = vec![Vec::new()];
        let mut lengths = Vec::with_capacity(words.len());
        for (id, w) in words.iter().enumerate() {
            lengths.push(w.chars().count() as u32);
            if w.is_empty() {
                continue;
            }
            let mut s = ROOT;
            for c in w.chars() {
                let next_symbol = symbols.len() as u32 + 1;
                let sym = *symbols.entry(c).or_insert(next_symbol);
                s = match children[s as usize].get(&sym) {
                    Some(&t) => t,
                    None => {
                        let t = children.len() as u32;
                        children.push(HashMap::new());
                        ends.push(Vec::new());
                        children[s as usize].insert(sym, t);
                        t
                    }
                };
            }
            ends[s as usize].push(id as u32);
        }
        let states = children.len();
        assert!(
            states < MATCH as usize,
            "a word list this large is not supported"
        );
        // Failure links and output lists, breadth first.
        let mut fail = vec![ROOT; states];
        let mut outputs_of: Vec<Vec<u32>> = ends;
        let mut order = Vec::with_capacity(states);
        let mut queue = std::collections::VecDeque::new();
        for &t in children[ROOT as usize].values() {
            queue.push_back(t);
        }
        while let Some(s) = queue.pop_front() {
            order.push(s);
            let kids: Vec<(u32, u32)> =
                children[s as usize].iter().map(|(&a, &t)| (a, t)).collect();
            for (sym, t) in kids {
                let mut f = fail[s as usize];
                let link = loop {
                    if let Some(&g) = children[f as usize].get(&sym) {
                        break g;
                    }
                    if f == ROOT {
                        break ROOT;
                    }
                    f = fail[f as usize];
                };
                fail[t as usize] = link;
                let inherited = outputs_of[link as usize].clone();
                outputs_of[t as usize].extend(inherited);
                queue.push_back(t);
            }
        }
        let has_output = |s: u32| !outputs_of[s as usize].is_empty();
        let tag = |s: u32| if has_output(s) { s | MATCH } else { s };
        let mut root = vec![ROOT; symbols.len() + 1];
        for (&sym, &t) in &children[ROOT as usize] {
            root[sym as usize] = tag(t);
        }
        let transitions: usize = children.iter().skip(1).map(HashMap::len).sum();
        let capacity = (transitions * 2).next_power_of_two().max(16);
        let mut keys = vec![0u64; capacity];
        let mut values = vec![0u32; capacity];
        let mask = capacity - 1;
        for (s, kids) in children.iter().enumerate().skip(1) {
            for (&sym, &t) in kids {
                let key = (s as u64) << 32 | u64::from(sym);
                let mut i = slot(key, mask);
                while keys[i] != 0 {
                    i = (i + 1) & mask;
                }
                keys[i] = key;
                values[i] = tag(t);
            }
        }
        let mut out_start = Vec::with_capacity(states + 1);
        let mut outputs = Vec::new();
        for list in &outputs_of {
            out_start.push(outputs.len() as u32);
            outputs.extend(list);
        }
        out_start.push(outputs.len() as u32);
        CharAutomaton {
            symbols,
            root,
            keys,
            values,
            mask,
            links: children
                .iter()
                .zip(fail)
                .map(|(kids, f)| Link {
                    children: kids.keys().fold(0, |acc, &sym| acc | 1 << (sym % 64)),
                    fail: tag(f),
                })
                .collect(),
            out_start,
            outputs,
            lengths,
        }
    }

    /// The symbol of `c`: 0 when no word contains it.
    #[inline]
    pub fn symbol(&self, c: char) -> u32 {
        self.symbols.get(&c).copied().unwrap_or(0)
    }

    /// The state after `state` (a value this automaton returned, or
    /// [`ROOT`]) reads symbol `sym`; [`MATCH`] is set when words end there.
    #[inline]
    pub fn next(&self, mut state: u32, sym: u32) -> u32 {
        if sym == 0 {
            return ROOT;
        }
        loop {
            let s = state & !MATCH;
            if s == ROOT {
                return self.root[sym as usize];
            }
            let link = self.links[s as usize];
            if link.children >> (sym % 64) & 1 != 0 {
                let key = u64::from(s) << 32 | u64::from(sym);
                let mut i = slot(key, self.mask);
                loop {
                    let k = self.keys[i];
                    if k == key {
                        return self.values[i];
                    }
                    if k == 0 {
                        break;
                    }
                    i = (i + 1) & self.mask;
                }
            }
            state = link.fail;
        }
    }

    /// The words ending in `state` (one with [`MATCH`] set).
    #[inline]
    pub fn outputs(&self, state: u32) -> &[u32] {
        let s = (state & !MATCH) as usize;
        &self.outputs[self.out_start[s] as usize..self.out_start[s + 1] as usize]
    }

    /// Length of word `id` in characters.
    #[inline]
    pub fn length(&self, id: u32) -> u32 {
        self.lengths[id as usize]
    }

    /// Bytes of heap the automaton holds (approximate for the symbol map).
    pub fn memory_usage(&self) -> usize {
        self.symbols.capacity() * 16
            + self.root.len() * 4
            + self.keys.len() * 12
            + self.links.len() * 16
            + self.out_start.len() * 4
            + self.outputs.len() * 4
            + self.lengths.len() * 4
    }
}

/// Hash-table slot of a key (Fibonacci hashing).
#[inline]
fn slot(key: u64, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (start char, end char, word) of every occurrence, sorted.
    fn find(words: &[&str], text: &str) -> Vec<(usize, usize, u32)> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let a = CharAutomaton::new(&words);
        let mut s = ROOT;
        let mut out = Vec::new();
        for (i, c) in text.chars().enumerate() {
            s = a.next(s, a.symbol(c));
            if s & MATCH != 0 {
                for &w in a.outputs(s) {
                    out.push((i + 1 - a.length(w) as usize, i + 1, w));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn finds_every_overlapping_and_nested_word() {
        assert_eq!(
            find(&["赌博", "网络赌博", "博彩", "赌"], "网络赌博彩"),
            vec![(0, 4, 1), (2, 3, 3), (2, 4, 0), (3, 5, 2)]
        );
        assert_eq!(find(&["aa"], "aaaa"), vec![(0, 2, 0), (1, 3, 0), (2, 4, 0)]);
        assert_eq!(find(&["he", "she", "his", "hers"], "ushers").len(), 3);
        assert!(find(&["", "x"], "abc").is_empty());
        assert_eq!(find(&["ab", "ab"], "ab"), vec![(0, 2, 0), (0, 2, 1)]);
    }

    #[test]
    fn failure_links_recover_after_a_miss() {
        assert_eq!(find(&["abcd", "bce"], "abce"), vec![(1, 4, 1)]);
        assert_eq!(find(&["赌博网站", "博网"], "赌博网"), vec![(1, 3, 1)]);
    }
}
