//! Keyword matching with normalization in ONE pass over the original text:
//! each character is folded by a table lookup and its compact characters go
//! straight into a character automaton, so no compact string and no offset
//! map is built.
//!
//! This is the keyword path of [`super::matcher`] without the
//! [`super::normalize::Normalized`] buffers: the same folding (the tables
//! are built from [`classify`] and [`compact_form`], so both agree by
//! construction), the same overlapping semantics, the same ASCII word
//! boundaries, hits in original byte offsets. A hit (rare) finds its first
//! character by walking back over the original text, so the loop keeps no
//! record of the characters it has read; a hit ending in an ASCII letter or
//! digit is checked against the character after it once the text is read,
//! so the loop spends nothing on that either. [`super::matcher::Matcher`] runs
//! its keyword pass through it; the scan also returns [`ScanFacts`] (digit
//! runs, trigger characters, repeated characters) and, on request, the
//! spans of long digit runs, so the matcher builds the normalized views only
//! for the few texts, or windows of text, whose regexes or repeat rules may
//! fire.
//! `examples/fused_probe.rs` measures it against normalize-then-match and
//! `tests/differential.rs` checks it against a reference matcher.
//!
//! Cost: building is one [`CharAutomaton`] over the words (about 1 MiB for
//! 10,000 Chinese words) plus a 64K-entry table per matcher (256 KiB,
//! derived from a fold table built once per process). A scan is one table
//! load and one automaton step per character, with no allocation except
//! for characters outside the BMP that are not noise.

use super::char_automaton::{CharAutomaton, State};
use super::matcher::{is_han, is_numeral};
use super::normalize::{classify, compact_form, CharClass};

/// ASCII class of a compact character at a word's edge: a word starting or
/// ending with an ASCII letter (digit) does not match next to another one
/// (`sb` is not in `usb`, `110` not in `1101`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edge {
    None,
    Letter,
    Digit,
}

/// The [`Edge`] class of a character (`None` for no character).
pub(super) fn edge(c: Option<char>) -> Edge {
    match c {
        Some(c) if c.is_ascii_alphabetic() => Edge::Letter,
        Some(c) if c.is_ascii_digit() => Edge::Digit,
        _ => Edge::None,
    }
}

fn edge_bits(e: Edge) -> u32 {
    match e {
        Edge::None => 0,
        Edge::Letter => 1,
        Edge::Digit => 2,
    }
}

#[inline]
fn edge_of_bits(bits: u32) -> Edge {
    match bits & 3 {
        1 => Edge::Letter,
        2 => Edge::Digit,
        _ => Edge::None,
    }
}

/// What one BMP character is to one matcher, packed in a `u32` so a single
/// load decodes it:
/// - bits 0–20: the automaton symbol of its compact character (0: in no word);
/// - bits 21–22 ([`EDGE_SHIFT`]): ASCII class of its last compact character;
/// - bits 23–24 ([`DIGITS_SHIFT`]): its ASCII digits (0–3);
/// - bits 27–28 ([`KIND_SHIFT`]): [`K_ONE`] one compact character,
///   [`K_SKIP`] noise or format character, [`K_BREAK`] line or sentence
///   end (no word crosses it), [`K_MULTI`] several compact characters (read
///   from the fold table);
/// - bit 26 [`NUMERAL`]: a Chinese numeral; bit 30 [`NUMERAL_RESET`]: an
///   ASCII letter or other Han character, which ends a written-out number
///   (see [`ScanFacts::numeral_number`]);
/// - bit 29 [`TRIGGER`]: counted in [`ScanFacts::triggers`].
type Entry = u32;

const SYMBOL: u32 = (1 << 21) - 1;
const EDGE_SHIFT: u32 = 21;
const DIGITS_SHIFT: u32 = 23;
const KIND_SHIFT: u32 = 27;
const K_ONE: u32 = 0;
const K_SKIP: u32 = 1;
const K_BREAK: u32 = 2;
const K_MULTI: u32 = 3;
const TRIGGER: u32 = 1 << 29;
const NUMERAL: u32 = 1 << 26;
const NUMERAL_RESET: u32 = 1 << 30;
/// The bits that send a character off the scan's fast path: anything but
/// one compact character, digits, numerals, triggers. The fast path also
/// takes only characters with [`NUMERAL_RESET`] (letters and Han
/// characters), so it resets the numeral count without a test.
const SLOW: u32 = 3 << KIND_SHIFT | 3 << DIGITS_SHIFT | NUMERAL | TRIGGER;
/// In the scan's numeral count: a numeral was seen since the last reset.
const NUMERAL_SEEN: u32 = 1 << 31;

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

/// What a scan saw besides the words, for the caller to decide which
/// further passes a text needs. Counts are of the folded text (digits
/// include full-width and other forms that fold to ASCII digits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanFacts {
    /// The longest run of ASCII digits in the folded text, noise allowed
    /// between them (`138 1234-5678` is one run of 11); a line or sentence
    /// break or any other character ends a run.
    pub digit_run: u32,
    /// Characters for which the trigger of [`FusedOptions::trigger`] held
    /// (characters outside the BMP that are not noise always count).
    pub triggers: u32,
    /// True when the text may hold a number written with Chinese numerals:
    /// four or more numerals and digits with at least one numeral, nothing
    /// but noise, breaks and symbols between them (`一三八 1234`); exactly
    /// the matcher's test for its numeral pass, read in the same pass
    /// (characters folding to several count as numerals).
    pub numeral_number: bool,
    /// True when the compact view may hold two equal non-ASCII characters
    /// of the words in a row (`赌赌`, also `赌*赌`), of those
    /// [`FusedOptions::repeated`] accepts: never false when it does, rarely
    /// true when it does not (characters that fold to several).
    pub repeated: bool,
}

/// The digit run being read: its length and where it started.
#[derive(Debug, Clone, Copy, Default)]
struct DigitRun {
    len: u32,
    start: u32,
}

impl ScanFacts {
    /// Extends the current digit run by the character `at..end` with
    /// `digits` digits (one with none ends it), and records the run in
    /// `spans` once it has `span_min` digits. A character mixing digits
    /// and other characters extends it too: the run may be overstated,
    /// never understated.
    #[inline]
    fn count_run(
        &mut self,
        run: &mut DigitRun,
        digits: u32,
        (at, end): (usize, usize),
        span_min: u32,
        spans: &mut Vec<(u32, u32)>,
    ) {
        if digits == 0 {
            run.len = 0;
            return;
        }
        if run.len == 0 {
            run.start = at as u32;
        }
        run.len += digits;
        self.digit_run = self.digit_run.max(run.len);
        if run.len >= span_min {
            match spans.last_mut() {
                Some(last) if last.0 == run.start => last.1 = end as u32,
                _ => spans.push((run.start, end as u32)),
            }
        }
    }
}

/// How [`FusedMatcher::with_options`] builds the matcher.
#[derive(Clone, Copy, Default)]
pub struct FusedOptions<'a> {
    /// Per word: whether the matcher checks its ASCII word boundaries on the
    /// compact view (`true`, the default for every word) or leaves them to
    /// the caller (`false`: the word's hits are reported as found).
    pub boundaries: Option<&'a [bool]>,
    /// The characters [`ScanFacts::triggers`] counts, tested once per BMP
    /// character when the matcher is built (64K calls).
    pub trigger: Option<&'a dyn Fn(char) -> bool>,
    /// Record the original byte span of every digit run (as
    /// [`ScanFacts::digit_run`] counts them) of at least this many digits,
    /// for [`FusedScratch::digit_spans`]; 0: record none.
    pub digit_spans: u32,
    /// The compact characters whose runs [`ScanFacts::repeated`] reports
    /// (`None`: every non-ASCII character of the words), tested once per
    /// character of the words.
    pub repeated: Option<&'a dyn Fn(char) -> bool>,
}

impl std::fmt::Debug for FusedOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FusedOptions")
            .field("boundaries", &self.boundaries.map(<[bool]>::len))
            .field("trigger", &self.trigger.is_some())
            .field("digit_spans", &self.digit_spans)
            .field("repeated", &self.repeated.is_some())
            .finish()
    }
}

/// Per-thread working memory of [`FusedMatcher::scan`]: the hits waiting
/// for the word-boundary check against the character after them. Reuse it
/// across texts.
#[derive(Debug, Default)]
pub struct FusedScratch {
    /// Hits whose last character is an ASCII letter or digit: they stand
    /// only if the next compact character is not of the same class, which
    /// the scan checks at the end of the text (so the loop spends nothing
    /// on them).
    pending: Vec<(WordHit, Edge)>,
    /// The spans [`FusedOptions::digit_spans`] asks for, in text order.
    spans: Vec<(u32, u32)>,
    /// Whether the scan met a doubled character ([`ScanFacts::repeated`]).
    repeated: bool,
}

impl FusedScratch {
    /// The original byte spans of the last scanned text's digit runs of
    /// at least [`FusedOptions::digit_spans`] digits (noise between the
    /// digits included), in text order.
    pub fn digit_spans(&self) -> &[(u32, u32)] {
        &self.spans
    }
}

/// The compact form of each BMP character, for every matcher: `None` for
/// noise and format characters, `Some("")` never.
fn compact_table() -> &'static [Option<Box<str>>] {
    static TABLE: std::sync::OnceLock<Vec<Option<Box<str>>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0u32..0x10000)
            .map(|cp| {
                let c = char::from_u32(cp)?;
                match classify(c) {
                    CharClass::Noise | CharClass::Drop => None,
                    CharClass::Break => Some(c.to_string().into_boxed_str()),
                    CharClass::Text => {
                        let w = compact_form(c.encode_utf8(&mut [0; 4]));
                        (!w.is_empty()).then(|| w.into_boxed_str())
                    }
                }
            })
            .collect()
    })
}

/// A compiled word list for the fused pass. Immutable and `Sync`.
#[derive(Debug)]
pub struct FusedMatcher {
    automaton: CharAutomaton,
    /// One [`Entry`] per BMP character (a fixed-size array: indexing it
    /// with a BMP code point needs no bounds check).
    /// Beside each, in the high half, where the automaton's root goes on
    /// the character ([`CharAutomaton::root_next`]): one load gives both.
    table: Box<[u64; 0x10000]>,
    /// First and last edge class of each word (`None` where the caller
    /// checks boundaries itself).
    edges: Vec<(Edge, Edge)>,
    /// [`FusedOptions::digit_spans`], `u32::MAX` for none.
    span_min: u32,
    /// Automaton words from this index on are not the caller's: each is a
    /// character [`FusedOptions::repeated`] accepts, twice, so the
    /// automaton itself finds the repeats of [`ScanFacts::repeated`] and
    /// the loop spends nothing on them.
    repeats_from: u32,
}

impl FusedMatcher {
    /// Compiles `words`, each already in compact form (see [`compact_form`];
    /// empty words never match), checking every word's boundaries.
    pub fn new(words: &[String]) -> Result<FusedMatcher, String> {
        FusedMatcher::with_options(words, FusedOptions::default())
    }

    /// Compiles `words` as [`FusedMatcher::new`] does, with `options`.
    /// Fails only for word lists of more than 2 million distinct characters.
    pub fn with_options(
        words: &[String],
        options: FusedOptions<'_>,
    ) -> Result<FusedMatcher, String> {
        let mut doubled: Vec<char> = words
            .iter()
            .flat_map(|w| w.chars())
            .filter(|&c| !c.is_ascii() && options.repeated.is_none_or(|r| r(c)))
            .collect();
        doubled.sort_unstable();
        doubled.dedup();
        let all: Vec<String> = words
            .iter()
            .cloned()
            .chain(doubled.iter().map(|&c| [c, c].iter().collect()))
            .collect();
        let automaton = CharAutomaton::new(&all);
        let edges = words
            .iter()
            .enumerate()
            .map(|(i, w)| match options.boundaries {
                Some(b) if !b[i] => (Edge::None, Edge::None),
                _ => (edge(w.chars().next()), edge(w.chars().next_back())),
            })
            .collect();
        let mut table = Vec::with_capacity(0x10000);
        for (cp, compact) in compact_table().iter().enumerate() {
            let mut e = match compact.as_deref() {
                None => K_SKIP << KIND_SHIFT,
                Some(w) => entry(&automaton, w)?,
            };
            if options
                .trigger
                .is_some_and(|t| char::from_u32(cp as u32).is_some_and(t))
            {
                e |= TRIGGER;
            }
            let root = automaton.root_next(e & SYMBOL);
            table.push(u64::from(root.bits()) << 32 | u64::from(e));
        }
        let table: Box<[u64; 0x10000]> = table
            .into_boxed_slice()
            .try_into()
            .expect("one entry per BMP character");
        Ok(FusedMatcher {
            automaton,
            table,
            edges,
            span_min: match options.digit_spans {
                0 => u32::MAX,
                n => n,
            },
            repeats_from: words.len() as u32,
        })
    }

    /// Bytes of heap the matcher holds.
    pub fn memory_usage(&self) -> usize {
        self.automaton.memory_usage() + self.table.len() * 8 + self.edges.len() * 2
    }

    /// Calls `found` for every occurrence of every word in `text`, nested
    /// and overlapping ones included, in the order their last character is
    /// confirmed (not sorted), and returns what else it saw.
    ///
    /// The loop keeps no record of the characters it has read: hits are
    /// rare (about one in 50,000 characters of ordinary posts), so each one
    /// finds its first character by walking back over the original text.
    ///
    /// Never inlined: inlined into its caller, the loop was compiled about
    /// 10 % longer (callgrind), so the caller's changes moved its speed.
    #[inline(never)]
    pub fn scan(
        &self,
        text: &str,
        s: &mut FusedScratch,
        mut found: impl FnMut(WordHit),
    ) -> ScanFacts {
        assert!(
            text.len() < u32::MAX as usize,
            "texts over 4 GiB are not supported"
        );
        s.pending.clear();
        s.repeated = false;
        s.spans.clear();
        let mut state = self.automaton.start();
        // The root's transition on the last symbol read
        // ([`CharAutomaton::next_after`]).
        let mut last_root = state;
        // Where the current segment starts: no word crosses a break.
        let mut segment = 0usize;
        let mut facts = ScanFacts::default();
        let mut run = DigitRun::default();
        // Numerals and digits since the last letter or Han character, and
        // (bit [`NUMERAL_SEEN`]) whether one of them was a numeral.
        let mut numerals = 0u32;
        let bytes = text.as_bytes();
        let mut i = 0usize;
        while i < bytes.len() {
            // Decode one character by hand: the text is valid UTF-8, so a
            // lead byte is followed by all its continuation bytes.
            let b0 = bytes[i];
            let at = i;
            let cp = if b0 & 0xF0 == 0xE0 {
                let [_, b1, b2] = bytes[i..i + 3] else {
                    unreachable!("valid UTF-8")
                };
                i += 3;
                (u32::from(b0) & 0x0F) << 12 | (u32::from(b1) & 0x3F) << 6 | (u32::from(b2) & 0x3F)
            } else if b0 < 0x80 {
                i += 1;
                u32::from(b0)
            } else if b0 < 0xE0 {
                let [_, b1] = bytes[i..i + 2] else {
                    unreachable!("valid UTF-8")
                };
                i += 2;
                (u32::from(b0) & 0x1F) << 6 | (u32::from(b1) & 0x3F)
            } else {
                i += 4;
                let c = text[at..].chars().next().unwrap_or('\u{FFFD}');
                match classify(c) {
                    CharClass::Break => {
                        run.len = 0;
                        state = self.automaton.start();
                        segment = i;
                    }
                    CharClass::Noise | CharClass::Drop => {}
                    CharClass::Text => {
                        let w = compact_form(c.encode_utf8(&mut [0; 4]));
                        if w.is_empty() {
                            continue;
                        }
                        facts.triggers += 1;
                        numerals = (numerals + w.chars().count() as u32) | NUMERAL_SEEN;
                        facts.numeral_number |= numerals & !NUMERAL_SEEN >= 4;
                        (state, last_root) =
                            self.feed_str(state, s, &w, &mut facts, &mut run, (at, i));
                        self.emit(text, segment, at, i, state, s, &mut found);
                    }
                }
                continue;
            };
            let both = self.table[cp as usize & 0xFFFF];
            let e = both as Entry;
            if e & (SLOW | NUMERAL_RESET) == NUMERAL_RESET {
                // The fast path: one compact character, a letter or a Han
                // character (which ends a written-out number), no digit,
                // numeral or trigger.
                run.len = 0;
                numerals = 0;
                (state, last_root) = self.feed_one(
                    text,
                    (segment, at, i),
                    (state, last_root),
                    both,
                    s,
                    &mut found,
                );
                continue;
            }
            if e == K_SKIP << KIND_SHIFT {
                // Noise (and no trigger): nothing to count, nothing to feed.
                continue;
            }
            // A letter or Han character (not a numeral) resets the numeral count.
            numerals &= 0u32.wrapping_sub(u32::from(e & NUMERAL_RESET == 0));
            facts.triggers += (e >> 29) & 1;
            let digits = (e >> DIGITS_SHIFT) & 3;
            numerals += digits;
            if e & NUMERAL != 0 {
                numerals = (numerals + 1) | NUMERAL_SEEN;
            }
            facts.numeral_number |= numerals & NUMERAL_SEEN != 0 && numerals & !NUMERAL_SEEN >= 4;
            match (e >> KIND_SHIFT) & 3 {
                K_ONE => {
                    // Digit runs: a character without digits ends one.
                    facts.count_run(&mut run, digits, (at, i), self.span_min, &mut s.spans);
                    (state, last_root) = self.feed_one(
                        text,
                        (segment, at, i),
                        (state, last_root),
                        both,
                        s,
                        &mut found,
                    );
                }
                K_SKIP => {}
                K_BREAK => {
                    run.len = 0;
                    state = self.automaton.start();
                    segment = i;
                }
                _ => {
                    let w = compact_table()[cp as usize].as_deref().unwrap_or_default();
                    numerals = (numerals + w.chars().count() as u32) | NUMERAL_SEEN;
                    facts.numeral_number |= numerals & !NUMERAL_SEEN >= 4;
                    (state, last_root) = self.feed_str(state, s, w, &mut facts, &mut run, (at, i));
                    self.emit(text, segment, at, i, state, s, &mut found);
                }
            }
        }
        for (hit, last) in s.pending.drain(..) {
            if self.next_edge(text, hit.end as usize) != last {
                found(hit);
            }
        }
        facts.repeated |= s.repeated;
        facts
    }

    /// Feeds the original character `at..end` of the segment starting at
    /// `segment`, one compact character whose table entry is `both` (its
    /// [`Entry`], and its root transition in the high half) to the
    /// automaton in `state`, whose last symbol's root transition is
    /// `last_root`: steps the automaton, reports the words ending there.
    /// Returns the automaton's state and the root's transition on this
    /// character (the next step's `last_root`).
    #[inline(always)]
    fn feed_one(
        &self,
        text: &str,
        (segment, at, end): (usize, usize, usize),
        (state, last_root): (State, State),
        both: u64,
        s: &mut FusedScratch,
        found: &mut impl FnMut(WordHit),
    ) -> (State, State) {
        let e = both as Entry;
        let root_next = State::from_bits((both >> 32) as u32);
        let state = self
            .automaton
            .next_after(state, e & SYMBOL, root_next, last_root);
        self.emit(text, segment, at, end, state, s, found);
        (state, root_next)
    }

    /// Feeds a character that folds to several compact characters `w` (or
    /// lies outside the BMP): the slow path. Returns the automaton's state
    /// and the root's transition on the last symbol read.
    #[cold]
    fn feed_str(
        &self,
        mut state: State,
        s: &mut FusedScratch,
        w: &str,
        facts: &mut ScanFacts,
        run: &mut DigitRun,
        span: (usize, usize),
    ) -> (State, State) {
        facts.count_run(run, ascii_digits(w), span, self.span_min, &mut s.spans);
        facts.repeated |= !w.is_ascii();
        let mut last_root = state;
        for c in w.chars() {
            let sym = self.automaton.symbol(c);
            state = self.automaton.next(state, sym);
            last_root = self.automaton.root_next(sym);
        }
        (state, last_root)
    }

    /// Reports the words ending in `state` (if any) at the original
    /// character `at..end` of `text`, whose current segment (no break
    /// inside) starts at byte `segment`: a word whose last compact
    /// character is an ASCII letter or digit waits in `s.pending` for the
    /// end of the scan, which checks the character after it.
    /// The test is inlined at every call; the reporting (rare) is not.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn emit(
        &self,
        text: &str,
        segment: usize,
        at: usize,
        end: usize,
        state: State,
        s: &mut FusedScratch,
        found: &mut impl FnMut(WordHit),
    ) {
        if state.is_match() {
            self.emit_words(text, segment, at, end, state, s, found);
        }
    }

    /// [`FusedMatcher::emit`] for a state where words end.
    #[allow(clippy::too_many_arguments)]
    #[cold]
    fn emit_words(
        &self,
        text: &str,
        segment: usize,
        at: usize,
        end: usize,
        state: State,
        s: &mut FusedScratch,
        found: &mut impl FnMut(WordHit),
    ) {
        debug_assert!(segment <= at);
        for &word in self.automaton.outputs(state) {
            if word >= self.repeats_from {
                s.repeated = true;
                continue;
            }
            let (word_first, word_last) = self.edges[word as usize];
            let len = self.automaton.length(word);
            let (start, before) = self.locate(text, segment, end, len, word_first != Edge::None);
            if word_first != Edge::None && before == word_first {
                continue;
            }
            let hit = WordHit {
                word,
                start: start as u32,
                end: end as u32,
            };
            if word_last == Edge::None {
                found(hit);
            } else {
                s.pending.push((hit, word_last));
            }
        }
    }

    /// Where a word of `len` compact characters ending at byte `end` of
    /// `text` starts: the original character holding its first compact
    /// character (walking back, never before `segment`), and, when `before`
    /// asks for it, the ASCII class of the compact character before the
    /// word (`Edge::None` at the start of a segment, and when not asked).
    /// Costs a few character decodes; runs once per hit.
    #[cold]
    fn locate(
        &self,
        text: &str,
        segment: usize,
        end: usize,
        len: u32,
        before: bool,
    ) -> (usize, Edge) {
        let bytes = text.as_bytes();
        let back = |mut p: usize| {
            p -= 1;
            while p > 0 && bytes[p] & 0xC0 == 0x80 {
                p -= 1;
            }
            p
        };
        let mut pos = end;
        let mut seen = 0u32;
        while pos > segment {
            pos = back(pos);
            let (n, _, last) = self.compact_info(text, pos);
            seen += n;
            if seen > len {
                // The word starts inside this character's compact characters.
                return (pos, last);
            }
            if seen == len {
                if !before {
                    return (pos, Edge::None);
                }
                let mut p = pos;
                while p > segment {
                    p = back(p);
                    let (n, _, last) = self.compact_info(text, p);
                    if n > 0 {
                        return (pos, last);
                    }
                }
                return (pos, Edge::None);
            }
        }
        debug_assert!(false, "a word longer than its segment");
        (segment, Edge::None)
    }

    /// How many compact characters the original character at byte `at`
    /// folds to, and the ASCII class of the first and of the last one.
    fn compact_info(&self, text: &str, at: usize) -> (u32, Edge, Edge) {
        text[at..]
            .chars()
            .next()
            .map_or((0, Edge::None, Edge::None), |c| self.compact_edges(c))
    }

    /// [`FusedMatcher::compact_info`] of the character `c`.
    fn compact_edges(&self, c: char) -> (u32, Edge, Edge) {
        let cp = c as usize;
        let w: std::borrow::Cow<'_, str> = if cp < 0x10000 {
            let e = self.table[cp] as Entry;
            match (e >> KIND_SHIFT) & 3 {
                K_ONE => {
                    let class = edge_of_bits(e >> EDGE_SHIFT);
                    return (1, class, class);
                }
                K_SKIP => return (0, Edge::None, Edge::None),
                K_BREAK => return (1, Edge::None, Edge::None),
                _ => compact_table()[cp].as_deref().unwrap_or_default().into(),
            }
        } else {
            match classify(c) {
                CharClass::Break => return (1, Edge::None, Edge::None),
                CharClass::Noise | CharClass::Drop => return (0, Edge::None, Edge::None),
                CharClass::Text => compact_form(c.encode_utf8(&mut [0; 4])).into(),
            }
        };
        let count = w.chars().count() as u32;
        (count, edge(w.chars().next()), edge(w.chars().next_back()))
    }

    /// The ASCII class of the first compact character after byte `end` of
    /// `text` (noise skipped; `Edge::None` for a break or the end of the
    /// text): what a hit ending at `end` must not share with its last
    /// character. Costs a character decode or a few; runs once per hit on
    /// an ASCII letter or digit (so a run of noise after several such hits
    /// ending at one place is walked once for each).
    #[cold]
    fn next_edge(&self, text: &str, end: usize) -> Edge {
        text[end..]
            .chars()
            .map(|c| self.compact_edges(c))
            .find(|&(n, _, _)| n > 0)
            .map_or(Edge::None, |(_, first, _)| first)
    }
}

fn ascii_digits(s: &str) -> u32 {
    s.bytes().filter(u8::is_ascii_digit).count() as u32
}

/// The table entry of a BMP character whose compact form is `w` (a break
/// character stands for itself).
fn entry(automaton: &CharAutomaton, w: &str) -> Result<Entry, String> {
    let mut chars = w.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return Ok(K_MULTI << KIND_SHIFT);
    };
    if classify(c) == CharClass::Break {
        return Ok(K_BREAK << KIND_SHIFT);
    }
    let sym = automaton.symbol(c);
    if sym > SYMBOL {
        return Err(
            "a word list with more than 2 million distinct characters is not supported".into(),
        );
    }
    let numeral = if is_numeral(c) {
        NUMERAL
    } else if c.is_ascii_alphabetic() || is_han(c) {
        NUMERAL_RESET
    } else {
        0
    };
    Ok(sym
        | numeral
        | edge_bits(edge(Some(c))) << EDGE_SHIFT
        | ascii_digits(w) << DIGITS_SHIFT
        | K_ONE << KIND_SHIFT)
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

    fn facts(words: &[&str], text: &str) -> ScanFacts {
        let words: Vec<String> = words.iter().map(|w| compact_form(w)).collect();
        let m = FusedMatcher::new(&words).unwrap();
        m.scan(text, &mut FusedScratch::default(), |_| {})
    }

    #[test]
    fn folds_skips_noise_and_maps_back() {
        assert_eq!(
            hits(&["赌博", "网络赌博"], "参与網絡 赌*博的人"),
            vec!["網絡 赌*博", "赌*博"]
        );
        assert_eq!(hits(&["vx"], "加ＶＸ好友"), vec!["ＶＸ"]);
        assert_eq!(
            hits(&["株"], "㈱公司"),
            vec!["㈱"],
            "an expansion (株) is read"
        );
        assert_eq!(hits(&["赌博"], "𠀀赌博𠀀"), vec!["赌博"]);
    }

    /// A character that folds to several (`㍻`: 平成) leaves the automaton
    /// in a state whose failure link is the root's transition on its last
    /// compact character: the next character that misses must fall back to
    /// that character's state (`成` then `功`), not to the root.
    #[test]
    fn a_miss_after_a_character_folding_to_several_falls_back_to_its_last() {
        let (orig, w) = compact_table()
            .iter()
            .enumerate()
            .find_map(|(cp, w)| {
                let w = w.as_deref()?;
                let c = char::from_u32(cp as u32)?;
                (w.chars().count() == 2 && w.chars().all(is_han)).then(|| (c, w.to_string()))
            })
            .expect("a character that folds to two Han characters");
        let (first, last): (String, String) = (w[..3].into(), w[3..].into());
        let continuing = format!("{first}{last}甲");
        let from_last = format!("{last}乙");
        let text = format!("{orig}乙");
        assert_eq!(
            hits(&[&continuing, &from_last], &text),
            vec![text.clone()],
            "words {continuing} and {from_last} in {text}"
        );
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
        assert!(
            hits(&["sb"], "sb x").is_empty(),
            "noise before the next letter"
        );
        assert!(hits(&["110"], "110 -1").is_empty());
        assert_eq!(hits(&["sb"], "sb。x"), vec!["sb"], "a break ends the word");
        // A character that folds to several (`㏠`: 1日) is judged by its
        // first compact character.
        let (c, _) = compact_table()
            .iter()
            .enumerate()
            .find_map(|(cp, w)| {
                let w = w.as_deref()?;
                let first_digit = w.starts_with(|c: char| c.is_ascii_digit());
                let last_other = w.ends_with(|c: char| !c.is_ascii_alphanumeric());
                if !(first_digit && last_other) {
                    return None;
                }
                Some((char::from_u32(cp as u32)?, w))
            })
            .expect("a character folding to a digit, then something else");
        assert!(hits(&["110"], &format!("110{c}")).is_empty(), "110{c}");
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

    #[test]
    fn facts_report_digit_runs_and_repeats() {
        assert_eq!(facts(&["赌博"], "电话138 1234-5678转2026年").digit_run, 11);
        assert_eq!(
            facts(&["赌博"], "5678，2026年").digit_run,
            8,
            "noise never ends a run"
        );
        assert_eq!(
            facts(&["赌博"], "１３８１２３４").digit_run,
            7,
            "full-width digits"
        );
        assert_eq!(facts(&["赌博"], "12\n34").digit_run, 2);
        assert!(facts(&["赌博"], "赌*赌博").repeated);
        assert!(!facts(&["赌博"], "哈哈赌博").repeated, "哈 is in no word");
        assert!(!facts(&["赌博"], "赌。赌博").repeated);
    }

    /// A number written in numerals is four numerals or digits with at
    /// least one numeral, and a Han character or a letter between them
    /// starts the count again, whether it is in a word or not.
    #[test]
    fn a_han_character_or_a_letter_ends_a_numeral_number() {
        let number = |text: &str| facts(&["赌博"], text).numeral_number;
        assert!(number("电话一三八一"));
        assert!(number("hs八八九九"));
        assert!(number("一二 三-四"), "noise does not end it");
        assert!(number("一二34"), "digits count");
        assert!(!number("1234"), "no numeral");
        assert!(!number("一二中三四"), "中 is in no word");
        assert!(!number("一二赌三四"), "赌 is in a word");
        assert!(!number("一二a三四"));
        assert!(!number("大家一起来，第一名"));
    }

    #[test]
    fn only_the_characters_asked_for_make_a_repeat_and_words_still_match() {
        let words = vec!["赌博".to_string(), "博彩".to_string()];
        let only_du = |c: char| c == '赌';
        let m = FusedMatcher::with_options(
            &words,
            FusedOptions {
                repeated: Some(&only_du),
                ..FusedOptions::default()
            },
        )
        .unwrap();
        let scan = |text: &str| {
            let mut found = Vec::new();
            let facts = m.scan(text, &mut FusedScratch::default(), |h| found.push(h.word));
            found.sort_unstable();
            (facts.repeated, found)
        };
        assert_eq!(scan("赌赌博"), (true, vec![0]));
        assert_eq!(scan("赌博博彩"), (false, vec![0, 1]), "博 is not asked for");
        assert_eq!(scan("赌 赌"), (true, vec![]), "noise between");
    }
}
