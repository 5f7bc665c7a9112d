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
        // Trie: every edge in one map keyed by (state, symbol), and the
        // words ending in each state (empty lists do not allocate).
        let mut edges: HashMap<u64, u32> = HashMap::new();
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
                let next_state = ends.len() as u32;
                s = *edges.entry(key(s, sym)).or_insert_with(|| {
                    ends.push(Vec::new());
                    next_state
                });
            }
            ends[s as usize].push(id as u32);
        }
        let states = ends.len();
        assert!(
            states < MATCH as usize,
            "a word list this large is not supported"
        );
        // Each state's children, sorted by state: (state, symbol, child).
        let mut kids: Vec<(u32, u32, u32)> = edges
            .iter()
            .map(|(&k, &t)| ((k >> 32) as u32, k as u32, t))
            .collect();
        kids.sort_unstable();
        let mut first_kid = vec![0usize; states + 1];
        for &(s, _, _) in &kids {
            first_kid[s as usize + 1] += 1;
        }
        for i in 0..states {
            first_kid[i + 1] += first_kid[i];
        }
        let children_of = |s: u32| &kids[first_kid[s as usize]..first_kid[s as usize + 1]];
        // Failure links and output lists, breadth first.
        let mut fail = vec![ROOT; states];
        let mut outputs_of = ends;
        let mut queue: std::collections::VecDeque<u32> =
            children_of(ROOT).iter().map(|&(_, _, t)| t).collect();
        while let Some(s) = queue.pop_front() {
            for &(_, sym, t) in children_of(s) {
                let mut f = fail[s as usize];
                let link = loop {
                    if let Some(&g) = edges.get(&key(f, sym)) {
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
        let tag = |s: u32| {
            if outputs_of[s as usize].is_empty() {
                s
            } else {
                s | MATCH
            }
        };
        let mut root = vec![ROOT; symbols.len() + 1];
        for &(_, sym, t) in children_of(ROOT) {
            root[sym as usize] = tag(t);
        }
        let transitions = kids.len() - children_of(ROOT).len();
        let capacity = (transitions * 2).next_power_of_two().max(16);
        let mut keys = vec![0u64; capacity];
        let mut values = vec![0u32; capacity];
        let mask = capacity - 1;
        for &(s, sym, t) in &kids[first_kid[1]..] {
            let k = key(s, sym);
            let mut i = slot(k, mask);
            while keys[i] != 0 {
                i = (i + 1) & mask;
            }
            keys[i] = k;
            values[i] = tag(t);
        }
        drop(edges);
        let links = (0..states as u32)
            .map(|s| Link {
                children: children_of(s)
                    .iter()
                    .fold(0, |acc, &(_, sym, _)| acc | 1 << (sym % 64)),
                fail: tag(fail[s as usize]),
            })
            .collect();
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
            links,
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
    #[inline(always)]
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
                let wanted = key(s, sym);
                let mut i = slot(wanted, self.mask);
                loop {
                    let k = self.keys[i];
                    if k == wanted {
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

/// The hash-table key of the transition from `state` on `sym`.
#[inline]
fn key(state: u32, sym: u32) -> u64 {
    u64::from(state) << 32 | u64::from(sym)
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
