//! An Aho-Corasick automaton over **characters**, not bytes, for the fused
//! keyword pass ([`super::fused`]).
//!
//! Chinese keywords are made of CJK characters of 3 UTF-8 bytes each. A
//! byte DFA over 10,000 of them takes 3 dependent loads per character into
//! a 50 MiB transition table, most of them cache misses. Here each
//! character of the words gets a dense **symbol** (1, 2, …; 0 for every
//! character in no word) and the trie is laid out as a **double array**:
//! state `s` keeps its children at cells `base[s] + symbol`, and a cell
//! belongs to `s` when its `check` says so. A cell is 8 bytes, the check
//! and the child's state, so a step is one load and one comparison, with
//! no probing and no branch but "is this a child". A state whose failure
//! link is the root (most of them) falls back to a dense table of the
//! root's transitions, so the common miss costs one more load (that does
//! not depend on the state) and no loop. Most other states fail to the
//! state of their own last character (`中国` to `国`); the caller that
//! keeps the root's transition on the last symbol read
//! ([`CharAutomaton::next_after`]) takes that miss with one load too,
//! again not waiting on the state. For 10,000 words the double
//! array is about 0.5 MiB and stays in the L2 cache.
//!
//! Semantics are those of `aho_corasick` with `MatchKind::Standard` in
//! overlapping mode: every occurrence of every word, nested ones included.
//!
//! Cost: building is linear in the total length of the words plus the
//! search for each state's `base` (a first fit over free cells, found
//! through a "next free cell" forest); a step is one load for a character
//! that continues or ends a word, two for one that falls back to the root
//! or (through [`CharAutomaton::next_after`]) to the state of the last
//! character, plus one step per failure link otherwise.

use std::collections::HashMap;

/// Set in a [`State`] when words end in the state.
const MATCH: u32 = 1 << 31;

/// Set in a [`State`] when the state's failure link is the root (and for
/// the root itself): a miss then goes to the root's transition.
const FAIL_ROOT: u32 = 1 << 30;

/// Set in a [`State`] when the state's failure link is the root's
/// transition on the state's own last symbol (the state of `国` for the
/// state of `中国`): a miss then needs no load of the failure link, given
/// that transition ([`CharAutomaton::next_after`]).
const FAIL_LAST: u32 = 1 << 29;

/// The bits of a [`State`] that hold its base.
const BASE: u32 = FAIL_LAST - 1;

/// The check of a free cell: no state has this value.
const FREE: u32 = u32::MAX;

/// Where the automaton is, in one register: the state's **base** (its
/// child on symbol `c` is cell `base + c`; bases are unique, so a base also
/// names its state), a bit for "words end here", one for "the failure
/// link is the root" and one for "the failure link is the root's
/// transition on the last symbol".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State(u32);

impl State {
    /// The state as bits, for a caller that packs it into a table of its
    /// own ([`State::from_bits`] gives it back).
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The state whose [`State::bits`] are `bits`. Bits that came from
    /// elsewhere make a wrong state (never an unsafe one: every access is
    /// bounds-checked).
    #[inline(always)]
    pub fn from_bits(bits: u32) -> State {
        State(bits)
    }

    #[inline(always)]
    fn base(self) -> u32 {
        self.0 & BASE
    }

    /// True when at least one word ends here ([`CharAutomaton::outputs`]).
    #[inline(always)]
    pub fn is_match(self) -> bool {
        self.0 & MATCH != 0
    }
}

/// A compiled word list over characters. Immutable and `Sync`.
#[derive(Debug)]
pub struct CharAutomaton {
    /// Symbol of each character that occurs in some word.
    symbols: HashMap<char, u32>,
    /// The double array, one `u64` a cell so a step is one load: the low
    /// half is the **check**, the [`State`] of the parent of the state in
    /// the cell ([`FREE`] for a free cell), the high half that state.
    /// Long enough that `base + symbol` is a valid index for every state
    /// and symbol.
    cells: Vec<u64>,
    /// The root's transition for each symbol (index 0: characters in no
    /// word).
    root: Vec<State>,
    /// Failure link of each state, by base.
    fail: Vec<State>,
    /// Words ending at each state (by base), own and through failure
    /// links: `outputs[out_start[b]..out_start[b + 1]]`.
    out_start: Vec<u32>,
    outputs: Vec<u32>,
    /// Length of each word in characters.
    lengths: Vec<u32>,
}

impl CharAutomaton {
    /// Compiles `words` (empty ones never match).
    pub fn new(words: &[String]) -> CharAutomaton {
        let mut symbols: HashMap<char, u32> = HashMap::new();
        // Trie: every edge in one map keyed by (node, symbol), and the
        // words ending in each node (empty lists do not allocate).
        let mut edges: HashMap<u64, u32> = HashMap::new();
        let mut ends: Vec<Vec<u32>> = vec![Vec::new()];
        let mut lengths = Vec::with_capacity(words.len());
        for (id, w) in words.iter().enumerate() {
            lengths.push(w.chars().count() as u32);
            if w.is_empty() {
                continue;
            }
            let mut s = 0u32;
            for c in w.chars() {
                let next_symbol = symbols.len() as u32 + 1;
                let sym = *symbols.entry(c).or_insert(next_symbol);
                let next_node = ends.len() as u32;
                s = *edges
                    .entry(u64::from(s) << 32 | u64::from(sym))
                    .or_insert_with(|| {
                        ends.push(Vec::new());
                        next_node
                    });
            }
            ends[s as usize].push(id as u32);
        }
        assert!(
            ends.len() < (BASE as usize) / 4,
            "a word list this large is not supported"
        );
        // Each node's children, sorted by node then symbol.
        let mut kids: Vec<(u32, u32, u32)> = edges
            .drain()
            .map(|(k, t)| ((k >> 32) as u32, k as u32, t))
            .collect();
        kids.sort_unstable();
        let mut first_kid = vec![0usize; ends.len() + 1];
        for &(n, _, _) in &kids {
            first_kid[n as usize + 1] += 1;
        }
        for i in 0..ends.len() {
            first_kid[i + 1] += first_kid[i];
        }
        let children_of = |n: u32| &kids[first_kid[n as usize]..first_kid[n as usize + 1]];

        // Lay the trie out, breadth first: each node's base is chosen when
        // it is reached, its children's cells with it (the root has base 0).
        let mut layout = Layout::new(symbols.len());
        let mut base_of = vec![0u32; ends.len()];
        // The symbol on the edge into each node.
        let mut in_sym = vec![0u32; ends.len()];
        let mut order = vec![0u32];
        let mut next = 0;
        while next < order.len() {
            let n = order[next];
            next += 1;
            let kids = children_of(n);
            let syms: Vec<u32> = kids.iter().map(|&(_, sym, _)| sym).collect();
            let base = if n == 0 { 0 } else { layout.find_base(&syms) };
            base_of[n as usize] = base;
            for &(_, sym, t) in kids {
                layout.take(base + sym, n, t);
                in_sym[t as usize] = sym;
                order.push(t);
            }
        }

        // Failure links and output lists, breadth first (a node's link is
        // shallower than it, so complete when the node is reached).
        let child = |layout: &Layout, n: u32, sym: u32| -> Option<u32> {
            let cell = (base_of[n as usize] + sym) as usize;
            (layout.parent.get(cell) == Some(&n)).then(|| layout.node[cell])
        };
        let mut fail_of = vec![0u32; ends.len()];
        for &n in &order {
            for &(_, sym, t) in children_of(n) {
                let link = if n == 0 {
                    0
                } else {
                    let mut f = fail_of[n as usize];
                    loop {
                        if let Some(g) = child(&layout, f, sym) {
                            break g;
                        }
                        if f == 0 {
                            break 0;
                        }
                        f = fail_of[f as usize];
                    }
                };
                fail_of[t as usize] = link;
                if !ends[link as usize].is_empty() {
                    let inherited = ends[link as usize].clone();
                    ends[t as usize].extend(inherited);
                }
            }
        }
        let state_of: Vec<State> = (0..ends.len())
            .map(|n| {
                let mut v = base_of[n];
                if !ends[n].is_empty() {
                    v |= MATCH;
                }
                if fail_of[n] == 0 {
                    v |= FAIL_ROOT;
                } else if child(&layout, 0, in_sym[n]) == Some(fail_of[n]) {
                    v |= FAIL_LAST;
                }
                State(v)
            })
            .collect();
        let len = layout.finish();
        assert!(
            len <= BASE as usize,
            "a word list this large is not supported"
        );
        let cells = (0..len)
            .map(|c| match layout.parent.get(c) {
                Some(&p) if p != FREE => {
                    let (parent, own) = (state_of[p as usize], state_of[layout.node[c] as usize]);
                    u64::from(own.0) << 32 | u64::from(parent.0)
                }
                _ => u64::from(FREE),
            })
            .collect();
        let root = (0..=symbols.len() as u32)
            .map(|sym| {
                let n = if sym == 0 {
                    None
                } else {
                    child(&layout, 0, sym)
                };
                state_of[n.unwrap_or(0) as usize]
            })
            .collect();
        let mut fail = vec![state_of[0]; len];
        let mut ends_at = vec![u32::MAX; len];
        for n in 0..ends.len() {
            fail[base_of[n] as usize] = state_of[fail_of[n] as usize];
            ends_at[base_of[n] as usize] = n as u32;
        }
        let mut out_start = Vec::with_capacity(len + 1);
        let mut outputs = Vec::new();
        for &n in &ends_at {
            out_start.push(outputs.len() as u32);
            if n != u32::MAX {
                outputs.extend(&ends[n as usize]);
            }
        }
        out_start.push(outputs.len() as u32);
        CharAutomaton {
            symbols,
            cells,
            root,
            fail,
            out_start,
            outputs,
            lengths,
        }
    }

    /// The start state (the root).
    #[inline]
    pub fn start(&self) -> State {
        self.root[0]
    }

    /// The symbol of `c`: 0 when no word contains it.
    #[inline]
    pub fn symbol(&self, c: char) -> u32 {
        self.symbols.get(&c).copied().unwrap_or(0)
    }

    /// The state after `state` reads symbol `sym`.
    #[inline(always)]
    pub fn next(&self, state: State, sym: u32) -> State {
        self.next_or(state, sym, self.root[sym as usize])
    }

    /// Where the root goes on symbol `sym`: what [`CharAutomaton::next_or`]
    /// needs, for a caller that keeps it per character.
    pub fn root_next(&self, sym: u32) -> State {
        self.root[sym as usize]
    }

    /// [`CharAutomaton::next`] given `root_next`, the root's transition on
    /// `sym` ([`CharAutomaton::root_next`]): a caller that reads it with the
    /// character's other data saves a dependent load.
    #[inline(always)]
    pub fn next_or(&self, state: State, sym: u32, root_next: State) -> State {
        // Symbol 0 never has a child cell (cell `base + 0` is no child of
        // this state), so a character in no word falls through to the root.
        let cell = self.cells[(state.base() + sym) as usize];
        // Whether the word goes on is data the branch predictor cannot
        // guess: pick between the child and the root's transition without
        // a branch (both values already loaded), and branch only on the
        // rare deeper failure.
        let hit = cell as u32 == state.0;
        if hit | (state.0 & FAIL_ROOT != 0) {
            return std::hint::select_unpredictable(hit, State((cell >> 32) as u32), root_next);
        }
        self.next_by_failure(state, sym)
    }

    /// [`CharAutomaton::next_or`] given also `last_root`, the root's
    /// transition on the symbol read before `sym` (any value in the start
    /// state): a miss in a state whose failure link is that transition (the
    /// common case: `中国` fails to `国`) then costs one load that does not
    /// wait for the previous step, not a walk of failure links.
    #[inline(always)]
    pub fn next_after(&self, state: State, sym: u32, root_next: State, last_root: State) -> State {
        let cell = self.cells[(state.base() + sym) as usize];
        let hit = cell as u32 == state.0;
        if hit | (state.0 & FAIL_ROOT != 0) {
            return std::hint::select_unpredictable(hit, State((cell >> 32) as u32), root_next);
        }
        if state.0 & FAIL_LAST != 0 {
            // The failure link is a state of depth 1, whose own link is
            // the root.
            let cell = self.cells[(last_root.base() + sym) as usize];
            let hit = cell as u32 == last_root.0;
            return std::hint::select_unpredictable(hit, State((cell >> 32) as u32), root_next);
        }
        self.next_by_failure(state, sym)
    }

    /// [`CharAutomaton::next`] after a miss in a state whose failure link
    /// is not the root.
    #[inline(never)]
    fn next_by_failure(&self, state: State, sym: u32) -> State {
        let mut s = self.fail[state.base() as usize];
        loop {
            let cell = self.cells[(s.base() + sym) as usize];
            if cell as u32 == s.0 {
                return State((cell >> 32) as u32);
            }
            if s.0 & FAIL_ROOT != 0 {
                return self.root[sym as usize];
            }
            s = self.fail[s.base() as usize];
        }
    }

    /// The words ending in `state` (empty unless [`State::is_match`]).
    #[inline]
    pub fn outputs(&self, state: State) -> &[u32] {
        let b = state.base() as usize;
        &self.outputs[self.out_start[b] as usize..self.out_start[b + 1] as usize]
    }

    /// Length of word `id` in characters.
    #[inline]
    pub fn length(&self, id: u32) -> u32 {
        self.lengths[id as usize]
    }

    /// Bytes of heap the automaton holds (approximate for the symbol map).
    pub fn memory_usage(&self) -> usize {
        self.symbols.capacity() * 16
            + self.cells.len() * 8
            + (self.root.len() + self.fail.len()) * std::mem::size_of::<State>()
            + self.out_start.len() * 4
            + self.outputs.len() * 4
            + self.lengths.len() * 4
    }
}

/// The double array while it is being laid out, by trie node.
struct Layout {
    /// Per cell: the node whose child lives there ([`FREE`]: none).
    parent: Vec<u32>,
    /// Per cell: the node that lives there.
    node: Vec<u32>,
    /// Per cell: the first free cell at or after it, through a chain that
    /// is shortened as it is walked (a "next free cell" forest).
    free_after: Vec<u32>,
    /// Per base value: whether a state has it (bases are unique).
    base_taken: Vec<bool>,
    /// No base below this is free.
    first_free_base: u32,
    /// The largest base given.
    max_base: u32,
    /// The largest symbol: every `base + symbol` must stay in the array.
    max_symbol: u32,
}

impl Layout {
    fn new(max_symbol: usize) -> Layout {
        let mut layout = Layout {
            parent: Vec::new(),
            node: Vec::new(),
            free_after: Vec::new(),
            base_taken: Vec::new(),
            first_free_base: 0,
            max_base: 0,
            max_symbol: max_symbol as u32,
        };
        layout.grow(max_symbol + 2);
        // The root: base 0. Cell 0 (base 0 + symbol 0) is never a child.
        layout.free_after[0] = 1;
        layout.take_base(0);
        layout
    }

    /// Makes the array at least `len` cells long.
    fn grow(&mut self, len: usize) {
        while self.parent.len() < len {
            self.free_after.push(self.parent.len() as u32);
            self.parent.push(FREE);
            self.node.push(0);
            self.base_taken.push(false);
        }
    }

    /// The first free cell at or after `at`.
    fn free_at_or_after(&mut self, at: u32) -> u32 {
        self.grow(at as usize + 1);
        let mut root = at;
        while self.free_after[root as usize] != root {
            root = self.free_after[root as usize];
            self.grow(root as usize + 1);
        }
        // Shorten the chain walked.
        let mut c = at;
        while c != root {
            let next = self.free_after[c as usize];
            self.free_after[c as usize] = root;
            c = next;
        }
        root
    }

    /// Gives cell `cell` to `node`, a child of `parent`.
    fn take(&mut self, cell: u32, parent: u32, node: u32) {
        self.grow(cell as usize + 2);
        debug_assert_eq!(self.parent[cell as usize], FREE);
        self.parent[cell as usize] = parent;
        self.node[cell as usize] = node;
        self.free_after[cell as usize] = cell + 1;
    }

    fn take_base(&mut self, base: u32) {
        self.grow(base as usize + 1);
        self.base_taken[base as usize] = true;
        self.max_base = self.max_base.max(base);
    }

    /// A base no other state has at which every symbol of `syms` (sorted)
    /// lands on a free cell: the smallest such for a state with children,
    /// the smallest unused one for a leaf.
    fn find_base(&mut self, syms: &[u32]) -> u32 {
        let Some(&first) = syms.first() else {
            while self.base_taken.get(self.first_free_base as usize) == Some(&true) {
                self.first_free_base += 1;
            }
            let base = self.first_free_base;
            self.take_base(base);
            return base;
        };
        let mut cell = self.free_at_or_after(first.max(1));
        loop {
            let base = cell - first;
            let fits = !self.base_taken[base as usize]
                && syms[1..].iter().all(|&sym| {
                    let c = (base + sym) as usize;
                    c >= self.parent.len() || self.parent[c] == FREE
                });
            if fits {
                self.take_base(base);
                return base;
            }
            cell = self.free_at_or_after(cell + 1);
        }
    }

    /// The length of the finished array: long enough that `base + symbol`
    /// is in it for every base and symbol.
    fn finish(&mut self) -> usize {
        self.grow((self.max_base + self.max_symbol + 1) as usize);
        self.parent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (start char, end char, word) of every occurrence, sorted.
    fn find(words: &[&str], text: &str) -> Vec<(usize, usize, u32)> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let a = CharAutomaton::new(&words);
        let mut s = a.start();
        let mut out = Vec::new();
        for (i, c) in text.chars().enumerate() {
            s = a.next(s, a.symbol(c));
            if s.is_match() {
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

    #[test]
    fn a_step_given_the_root_transition_is_the_plain_step() {
        let words: Vec<String> = ["赌博", "网络赌博", "博彩", "赌", "abcd", "bce"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let a = CharAutomaton::new(&words);
        let (mut plain, mut given) = (a.start(), a.start());
        let mut matches = 0;
        for c in "网络赌博彩xabceabcd赌博网".chars() {
            let sym = a.symbol(c);
            plain = a.next(plain, sym);
            given = a.next_or(given, sym, State::from_bits(a.root_next(sym).bits()));
            assert_eq!(plain, given, "after {c}");
            matches += usize::from(plain.is_match());
        }
        assert_eq!(matches, 7);
    }

    /// Random words and texts over a five-letter alphabet, so failure links
    /// of every kind occur: the step given the last symbol's root
    /// transition is the plain step, and the shortcut is taken.
    #[test]
    fn a_step_given_the_last_root_transition_is_the_plain_step() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next_rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let letter = |next_rand: &mut dyn FnMut(u64) -> u64| char::from(b'a' + next_rand(5) as u8);
        let mut shortcuts = 0;
        for _ in 0..200 {
            let words: Vec<String> = (0..1 + next_rand(12))
                .map(|_| {
                    (0..1 + next_rand(5))
                        .map(|_| letter(&mut next_rand))
                        .collect()
                })
                .collect();
            let a = CharAutomaton::new(&words);
            let (mut plain, mut after) = (a.start(), a.start());
            let mut last_root = a.start();
            for _ in 0..300 {
                let sym = a.symbol(letter(&mut next_rand));
                let cell = a.cells[(after.base() + sym) as usize];
                if cell as u32 != after.0 && after.0 & FAIL_LAST != 0 {
                    shortcuts += 1;
                }
                plain = a.next(plain, sym);
                after = a.next_after(after, sym, a.root_next(sym), last_root);
                last_root = a.root_next(sym);
                assert_eq!(plain, after, "words {words:?}");
            }
        }
        assert!(shortcuts > 1000, "the shortcut was taken {shortcuts} times");
    }
}
