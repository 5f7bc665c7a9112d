//! An Aho-Corasick automaton over **characters**, not bytes, for the fused
//! keyword pass ([`super::fused`]).
//!
//! Chinese keywords are made of CJK characters of 3 UTF-8 bytes each. A
//! byte DFA over 10,000 of them takes 3 dependent loads per character into
//! a 50 MiB transition table, most of them cache misses. Here each
//! character of the words gets a dense **symbol** (1, 2, …; 0 for every
//! character in no word) and the trie is laid out as a **double array**:
//! state `s` keeps its children at cells `base[s] + symbol`, and a cell
//! belongs to `s` when its `check` says so. A step is then two loads and
//! one comparison, with no probing and no branch but "is this a child".
//! A state whose failure link is the root (most of them) falls back to a
//! dense table of the root's transitions, so the common miss costs one
//! more load and no loop. For 10,000 words the whole automaton is about
//! 1 MiB and stays in the L2 cache.
//!
//! Semantics are those of `aho_corasick` with `MatchKind::Standard` in
//! overlapping mode: every occurrence of every word, nested ones included.
//!
//! Cost: building is linear in the total length of the words plus the
//! search for each state's `base` (a first fit over free cells, found
//! through a "next free cell" forest); a step is two loads for a character
//! that continues or ends a word or falls back to the root, plus one step
//! per failure link otherwise.

use std::collections::HashMap;

/// Set in a [`State`]'s tag when words end in the state.
const MATCH: u32 = 1 << 31;

/// Set in a [`State`]'s tag when the state's failure link is the root (and
/// for the root itself): a miss then goes to the root's transition.
const FAIL_ROOT: u32 = 1 << 30;

/// The bits of a [`State`]'s tag that name the state's cell.
const CELL: u32 = FAIL_ROOT - 1;

/// Marks a free cell in `check`: no state has this base.
const FREE: u32 = u32::MAX;

/// Where the automaton is: what a step needs, carried in a register so a
/// step takes one load, not two. The low 32 bits are the state's **base**
/// (its child on symbol `c` is cell `base + c`; bases are unique, so a base
/// also names its state); the high 32 bits are its cell, with a bit for
/// "words end here" and one for "the failure link is the root".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State(u64);

impl State {
    fn new(base: u32, tagged: u32) -> State {
        State(u64::from(tagged) << 32 | u64::from(base))
    }

    #[inline(always)]
    fn base(self) -> u32 {
        self.0 as u32
    }

    #[inline(always)]
    fn tagged(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// True when at least one word ends here ([`CharAutomaton::outputs`]).
    #[inline(always)]
    pub fn is_match(self) -> bool {
        self.tagged() & MATCH != 0
    }
}

/// One cell of the double array, which is also the state that lives in it.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// The base of the parent of the state in this cell ([`FREE`]: no
    /// state here).
    check: u32,
    /// The state in this cell.
    state: State,
    /// Its failure link (a cell).
    fail: u32,
}

const FREE_CELL: Cell = Cell {
    check: FREE,
    state: State(0),
    fail: 0,
};

/// A compiled word list over characters. Immutable and `Sync`.
#[derive(Debug)]
pub struct CharAutomaton {
    /// Symbol of each character that occurs in some word.
    symbols: HashMap<char, u32>,
    /// The double array: cell 0 is the root; long enough that
    /// `base + symbol` is a valid index for every state and symbol.
    cells: Vec<Cell>,
    /// The root's transition for each symbol (index 0: characters in no
    /// word).
    root: Vec<State>,
    /// Words ending at each state (cell), own and through failure links:
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
            ends.len() < (CELL as usize) / 4,
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

        // Lay the trie out, breadth first: each node's cell is chosen when
        // its parent is placed (the root lives in cell 0, base 0).
        let mut layout = Layout::new(symbols.len());
        let mut cell_of = vec![0u32; ends.len()];
        let mut order = vec![0u32];
        let mut next = 0;
        while next < order.len() {
            let n = order[next];
            next += 1;
            let kids = children_of(n);
            let syms: Vec<u32> = kids.iter().map(|&(_, sym, _)| sym).collect();
            let base = if n == 0 { 0 } else { layout.find_base(&syms) };
            let parent = cell_of[n as usize];
            layout.cells[parent as usize].state = State::new(base, 0);
            for &(_, sym, t) in kids {
                let cell = base + sym;
                layout.take(cell, base);
                cell_of[t as usize] = cell;
                order.push(t);
            }
        }
        let mut cells = layout.finish();

        // Failure links and output lists, breadth first, in cells.
        let step = |cells: &[Cell], s: u32, sym: u32| -> Option<u32> {
            let base = cells[s as usize].state.base();
            let c = base + sym;
            (cells[c as usize].check == base).then_some(c)
        };
        let mut outputs_of: Vec<Vec<u32>> = vec![Vec::new(); cells.len()];
        for (n, list) in ends.into_iter().enumerate() {
            outputs_of[cell_of[n] as usize] = list;
        }
        for &n in &order {
            let s = cell_of[n as usize];
            for &(_, sym, t) in children_of(n) {
                let child = cell_of[t as usize];
                let link = if s == 0 {
                    0
                } else {
                    let mut f = cells[s as usize].fail;
                    loop {
                        if let Some(g) = step(&cells, f, sym) {
                            break g;
                        }
                        if f == 0 {
                            break 0;
                        }
                        f = cells[f as usize].fail;
                    }
                };
                cells[child as usize].fail = link;
                let inherited = outputs_of[link as usize].clone();
                outputs_of[child as usize].extend(inherited);
            }
        }
        for (s, cell) in cells.iter_mut().enumerate() {
            let mut tagged = s as u32;
            if !outputs_of[s].is_empty() {
                tagged |= MATCH;
            }
            if cell.fail == 0 {
                tagged |= FAIL_ROOT;
            }
            cell.state = State::new(cell.state.base(), tagged);
        }
        let root = (0..=symbols.len() as u32)
            .map(|sym| {
                let c = if sym == 0 { None } else { step(&cells, 0, sym) };
                cells[c.unwrap_or(0) as usize].state
            })
            .collect();
        let mut out_start = Vec::with_capacity(cells.len() + 1);
        let mut outputs = Vec::new();
        for list in &outputs_of {
            out_start.push(outputs.len() as u32);
            outputs.extend(list);
        }
        out_start.push(outputs.len() as u32);
        CharAutomaton {
            symbols,
            cells,
            root,
            out_start,
            outputs,
            lengths,
        }
    }

    /// The start state (the root).
    #[inline]
    pub fn start(&self) -> State {
        self.cells[0].state
    }

    /// The symbol of `c`: 0 when no word contains it.
    #[inline]
    pub fn symbol(&self, c: char) -> u32 {
        self.symbols.get(&c).copied().unwrap_or(0)
    }

    /// The state after `state` reads symbol `sym`.
    #[inline(always)]
    pub fn next(&self, state: State, sym: u32) -> State {
        // Symbol 0 never has a child cell (cell `base + 0` is no child of
        // this state), so a character in no word falls through to the root.
        let child = self.cells[(state.base() + sym) as usize];
        // Whether the word goes on is data the branch predictor cannot
        // guess: pick between the child and the root's transition without
        // a branch, and branch only on the rare deeper failure.
        let hit = child.check == state.base();
        if hit | (state.tagged() & FAIL_ROOT != 0) {
            let keep = 0u64.wrapping_sub(u64::from(hit));
            return State(child.state.0 & keep | self.root[sym as usize].0 & !keep);
        }
        self.next_by_failure(state, sym)
    }

    /// [`CharAutomaton::next`] after a miss in a state whose failure link
    /// is not the root.
    #[inline(never)]
    fn next_by_failure(&self, state: State, sym: u32) -> State {
        let mut s = self.cells[(state.tagged() & CELL) as usize].fail;
        loop {
            let at = self.cells[s as usize].state;
            let child = self.cells[(at.base() + sym) as usize];
            if child.check == at.base() {
                return child.state;
            }
            if at.tagged() & FAIL_ROOT != 0 {
                return self.root[sym as usize];
            }
            s = self.cells[s as usize].fail;
        }
    }

    /// The words ending in `state` (empty unless [`State::is_match`]).
    #[inline]
    pub fn outputs(&self, state: State) -> &[u32] {
        let s = (state.tagged() & CELL) as usize;
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
            + self.cells.len() * std::mem::size_of::<Cell>()
            + self.root.len() * std::mem::size_of::<State>()
            + self.out_start.len() * 4
            + self.outputs.len() * 4
            + self.lengths.len() * 4
    }
}

/// The double array while it is being laid out.
struct Layout {
    cells: Vec<Cell>,
    /// Per cell: the first free cell at or after it, through a chain that
    /// is shortened as it is walked (a "next free cell" forest).
    free_after: Vec<u32>,
    /// Per base value: whether a state has it (bases are unique).
    base_taken: Vec<bool>,
    /// No base below this is free.
    first_free_base: u32,
    /// The largest symbol: every `base + symbol` must stay in the array.
    max_symbol: u32,
}

impl Layout {
    fn new(max_symbol: usize) -> Layout {
        let mut layout = Layout {
            cells: Vec::new(),
            free_after: Vec::new(),
            base_taken: Vec::new(),
            first_free_base: 0,
            max_symbol: max_symbol as u32,
        };
        layout.grow(max_symbol + 2);
        // The root: cell 0, base 0.
        layout.take(0, FREE);
        layout.take_base(0);
        layout
    }

    /// Makes the array at least `len` cells long.
    fn grow(&mut self, len: usize) {
        while self.cells.len() < len {
            self.free_after.push(self.cells.len() as u32);
            self.cells.push(FREE_CELL);
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

    /// Gives cell `cell` to a child of the state with base `parent`.
    fn take(&mut self, cell: u32, parent: u32) {
        self.grow(cell as usize + 2);
        debug_assert_eq!(self.cells[cell as usize].check, FREE);
        self.cells[cell as usize].check = parent;
        self.free_after[cell as usize] = cell + 1;
    }

    fn take_base(&mut self, base: u32) {
        self.grow(base as usize + 1);
        self.base_taken[base as usize] = true;
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
                    c >= self.cells.len() || self.cells[c].check == FREE
                });
            if fits {
                self.take_base(base);
                return base;
            }
            cell = self.free_at_or_after(cell + 1);
        }
    }

    /// The finished array, padded so `base + symbol` is always in it.
    fn finish(mut self) -> Vec<Cell> {
        let max_base = self.cells.iter().map(|c| c.state.base()).max().unwrap_or(0);
        self.grow((max_base + self.max_symbol + 1) as usize);
        self.cells
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
}
