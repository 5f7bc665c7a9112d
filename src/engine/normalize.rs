//! Text normalization with a map back to the original offsets.
//!
//! Evaders change what a filter sees but not what a reader sees: full-width
//! letters, traditional characters, zero-width characters, look-alike
//! letters, symbols slipped between the characters of a word. This module
//! folds all of that away, one character at a time, and remembers for every
//! byte it produces which character of the original text it came from, so
//! that reports quote what was actually published.
//!
//! It produces two views of a text:
//! - **folded**: every character folded (NFKC, lowercase, traditional →
//!   simplified, look-alikes → Latin), format characters removed, noise kept.
//!   Regex rules run here, so digits stay apart where the author kept them apart.
//! - **compact**: the folded text without noise (spaces, punctuation,
//!   symbols, emoji). Keywords run here, so `赌 博`, `賭♥博` and `赌博` are one
//!   word. Line breaks and sentence ends (`。！？!?`) are kept, and no keyword
//!   contains one, so a match never spans two sentences.
//!
//! Cost: one table lookup per character of the Basic Multilingual Plane (the
//! table, about 256 KiB, is built once per process in a few milliseconds),
//! and two buffers plus two `u32` offset maps per text, reused across calls.

use std::sync::OnceLock;

use unicode_general_category::{get_general_category, GeneralCategory as Gc};
use unicode_normalization::UnicodeNormalization;

use super::confusables::{cjk_lookalike, latin_confusable};
use super::transforms::Transforms;

/// What normalization does with one original character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    /// A character that is part of words; kept in both views.
    Text,
    /// Noise between words (space, punctuation, symbol, emoji): kept in the
    /// folded view, skipped in the compact one.
    Noise,
    /// A format or combining character (zero-width space, variation
    /// selector): removed from both views.
    Drop,
    /// A line break or sentence end: kept in both views; no match crosses it.
    Break,
}

// Table entry layout: tag in the top 3 bits, the fold's reasons (the low
// byte of the `Transforms` flags: full-width, traditional, look-alike, case,
// invisible) in the next 8 bits, payload (a char or an index into the
// expansion list) in the low 21 bits.
const TAG_SHIFT: u32 = 29;
const REASON_SHIFT: u32 = 21;
const PAYLOAD: u32 = (1 << REASON_SHIFT) - 1;
const T_TEXT_SAME: u32 = 0;
const T_TEXT_ONE: u32 = 1;
const T_MULTI: u32 = 2;
const T_DROP: u32 = 3;
const T_BREAK: u32 = 4;
const T_NOISE_SAME: u32 = 5;
const T_NOISE_ONE: u32 = 6;

/// A folded expansion of one character into several (e.g. `㈱` → `(株)`).
#[derive(Debug)]
struct Expansion {
    folded: Box<str>,
    compact: Box<str>,
}

/// The per-character fold table for the Basic Multilingual Plane.
struct FoldTable {
    bmp: Vec<u32>,
    expansions: Vec<Expansion>,
}

/// How one character folds: the folded view's text and the compact view's text.
enum Fold {
    Same(CharClass),
    One(CharClass, char),
    Multi(usize),
}

fn table() -> &'static FoldTable {
    static TABLE: OnceLock<FoldTable> = OnceLock::new();
    TABLE.get_or_init(FoldTable::build)
}

impl FoldTable {
    fn build() -> FoldTable {
        let mut expansions = Vec::new();
        let mut bmp = vec![0u32; 0x10000];
        for (cp, slot) in bmp.iter_mut().enumerate() {
            let Some(c) = char::from_u32(cp as u32) else {
                *slot = T_TEXT_SAME << TAG_SHIFT;
                continue;
            };
            let (fold, reasons) = fold_char_slow(c);
            let reasons = u32::from(reasons) << REASON_SHIFT;
            *slot = reasons
                | match fold {
                    SlowFold::Drop => T_DROP << TAG_SHIFT,
                    SlowFold::Break => T_BREAK << TAG_SHIFT,
                    SlowFold::Chars(class, s) => {
                        let mut it = s.chars();
                        match (it.next(), it.next()) {
                            (Some(one), None) => {
                                let same = one == c;
                                let tag = match (class, same) {
                                    (CharClass::Noise, true) => T_NOISE_SAME,
                                    (CharClass::Noise, false) => T_NOISE_ONE,
                                    (_, true) => T_TEXT_SAME,
                                    (_, false) => T_TEXT_ONE,
                                };
                                (tag << TAG_SHIFT) | one as u32
                            }
                            _ => {
                                expansions.push(expansion(&s));
                                (T_MULTI << TAG_SHIFT) | (expansions.len() as u32 - 1)
                            }
                        }
                    }
                };
        }
        FoldTable { bmp, expansions }
    }

    /// Why `c` folds the way it does: `Transforms` flags (full-width,
    /// traditional, look-alike, case, invisible).
    #[inline]
    fn reasons(&self, c: char) -> u16 {
        let cp = c as u32;
        if cp < 0x10000 {
            ((self.bmp[cp as usize] >> REASON_SHIFT) & 0xFF) as u16
        } else {
            u16::from(fold_char_slow(c).1)
        }
    }

    #[inline]
    fn lookup(&self, c: char) -> Fold {
        let cp = c as u32;
        if cp < 0x10000 {
            let e = self.bmp[cp as usize];
            let payload = e & PAYLOAD;
            return match e >> TAG_SHIFT {
                T_TEXT_SAME => Fold::Same(CharClass::Text),
                T_TEXT_ONE => Fold::One(CharClass::Text, char_from(payload)),
                T_MULTI => Fold::Multi(payload as usize),
                T_DROP => Fold::Same(CharClass::Drop),
                T_BREAK => Fold::Same(CharClass::Break),
                T_NOISE_SAME => Fold::Same(CharClass::Noise),
                _ => Fold::One(CharClass::Noise, char_from(payload)),
            };
        }
        Fold::Multi(usize::MAX)
    }
}

#[inline]
fn char_from(payload: u32) -> char {
    char::from_u32(payload).unwrap_or('\u{FFFD}')
}

fn expansion(s: &str) -> Expansion {
    let compact: String = s.chars().filter(|&c| !is_noise(c)).collect();
    Expansion {
        folded: s.into(),
        compact: compact.into(),
    }
}

/// The result of folding one character the slow way (used to build the
/// table, and directly for characters outside the BMP).
enum SlowFold {
    Drop,
    Break,
    Chars(CharClass, String),
}

/// True for the characters that end a sentence or a line.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' | '。' | '!' | '?'
    )
}

fn is_noise(c: char) -> bool {
    matches!(
        get_general_category(c),
        Gc::SpaceSeparator
            | Gc::LineSeparator
            | Gc::ParagraphSeparator
            | Gc::Control
            | Gc::ConnectorPunctuation
            | Gc::DashPunctuation
            | Gc::OpenPunctuation
            | Gc::ClosePunctuation
            | Gc::InitialPunctuation
            | Gc::FinalPunctuation
            | Gc::OtherPunctuation
            | Gc::MathSymbol
            | Gc::CurrencySymbol
            | Gc::ModifierSymbol
            | Gc::OtherSymbol
            | Gc::PrivateUse
    )
}

fn is_drop(c: char) -> bool {
    matches!(
        get_general_category(c),
        Gc::Format | Gc::NonspacingMark | Gc::EnclosingMark
    ) || matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Latin look-alikes among Cyrillic and Greek letters (after lowercasing,
/// plus the capitals whose lowercase form no longer looks Latin).
fn lookalike(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'В' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' | 'н' | 'Н' | 'η' => 'h',
        'і' | 'ι' | 'ӏ' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' | 'М' | 'Μ' => 'm',
        'Ν' => 'n',
        'Υ' => 'y',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'Т' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ζ' => 'z',
        other => other,
    }
}

/// Traditional → simplified for one character, via the `fast2s` table.
fn to_simplified(c: char) -> char {
    if c.len_utf8() != 3 {
        return c;
    }
    let mut buf = [0u8; 4];
    let s = fast2s::convert(c.encode_utf8(&mut buf));
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// Full-width and half-width forms, and the ideographic space.
fn is_width_form(c: char) -> bool {
    matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FFEF}')
}

/// Folds one character the slow way and says why it changed (a byte of
/// `Transforms` flags).
fn fold_char_slow(c: char) -> (SlowFold, u8) {
    const FULL_WIDTH: u8 = Transforms::FULL_WIDTH as u8;
    const TRADITIONAL: u8 = Transforms::TRADITIONAL as u8;
    const LOOK_ALIKE: u8 = Transforms::LOOK_ALIKE as u8;
    const CASE: u8 = Transforms::CASE as u8;
    const INVISIBLE: u8 = Transforms::INVISIBLE as u8;
    if is_break(c) {
        return (SlowFold::Break, 0);
    }
    if is_drop(c) {
        return (SlowFold::Drop, INVISIBLE);
    }
    let mut reasons = 0u8;
    let mut out = String::new();
    let mut nfkc = c.nfkc();
    if !(nfkc.next() == Some(c) && nfkc.next().is_none()) {
        reasons |= if is_width_form(c) {
            FULL_WIDTH
        } else {
            LOOK_ALIKE
        };
    }
    for k in c.nfkc() {
        // A capital that looks like a Latin letter folds to it before
        // lowercasing (`Ь` → b), except to `l`: UTS #39 puts capital I and
        // small l together, and a capital I look-alike means i.
        let k2 = match latin_confusable(k) {
            Some(x) if k.is_uppercase() && x != 'l' => x,
            _ => lookalike(k),
        };
        if k2 != k {
            reasons |= LOOK_ALIKE;
        }
        for l in k2.to_lowercase() {
            if l != k2 {
                reasons |= CASE;
            }
            let s = to_simplified(l);
            if s != l {
                reasons |= TRADITIONAL;
            }
            let mut m = lookalike(s);
            if let Some(x) = latin_confusable(m).or_else(|| cjk_lookalike(m)) {
                m = x;
            }
            if m != s {
                reasons |= LOOK_ALIKE;
            }
            if !is_drop(m) {
                out.push(m);
            } else {
                reasons |= INVISIBLE;
            }
        }
    }
    (classify_folded(c, out), reasons)
}

fn classify_folded(c: char, out: String) -> SlowFold {
    let mut it = out.chars();
    match (it.next(), it.next()) {
        (None, _) => SlowFold::Drop,
        (Some(one), None) if is_break(one) => SlowFold::Break,
        (Some(one), None) => {
            let class = if is_noise(one) || (is_noise(c) && !one.is_alphanumeric()) {
                CharClass::Noise
            } else {
                CharClass::Text
            };
            SlowFold::Chars(class, out)
        }
        _ => {
            let class = if out.chars().all(is_noise) {
                CharClass::Noise
            } else {
                CharClass::Text
            };
            SlowFold::Chars(class, out)
        }
    }
}

/// How normalization treats one character of the original text.
pub fn classify(c: char) -> CharClass {
    match table().lookup(c) {
        Fold::Same(class) | Fold::One(class, _) => class,
        Fold::Multi(usize::MAX) => match fold_char_slow(c).0 {
            SlowFold::Drop => CharClass::Drop,
            SlowFold::Break => CharClass::Break,
            SlowFold::Chars(class, _) => class,
        },
        Fold::Multi(i) => {
            if table().expansions[i].compact.is_empty() {
                CharClass::Noise
            } else {
                CharClass::Text
            }
        }
    }
}

/// True when normalization changes `c` beyond ASCII case: the character
/// was folded (full-width, traditional, look-alike, compatibility form),
/// dropped (zero-width) or is noise. Used to flag evasion.
pub fn is_disguised(c: char) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    !matches!(table().lookup(c), Fold::Same(CharClass::Text))
}

/// The transformations a match needed, from the original text it covers:
/// the fold reasons of its characters, invisible characters, and the noise
/// characters skipped between them (`skip_noise`; regex matches count their
/// own noise separately). Odd letter case counts only in mixed-case spellings
/// (`vX`), not in ordinary capitals (`QQ`).
///
/// Cost: one table lookup per character of the match.
pub fn span_transforms(original: &str, skip_noise: bool) -> Transforms {
    let t = table();
    let mut out = Transforms::none();
    for c in original.chars() {
        match classify(c) {
            CharClass::Noise => {
                if skip_noise {
                    out.add_skipped(1);
                }
            }
            // Sentence ends in a regex match are the text's own (`！`).
            CharClass::Break => {}
            CharClass::Text | CharClass::Drop => out.insert(t.reasons(c)),
        }
    }
    if !odd_case(original) {
        out.remove(Transforms::CASE);
    } else {
        out.insert(Transforms::CASE);
    }
    out
}

/// A lowercase ASCII letter directly followed by an uppercase one (`vX`,
/// `wEiXin`): no ordinary spelling does that.
pub fn odd_case(original: &str) -> bool {
    original
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

/// The fold reasons of one character (`Transforms` flags: full-width,
/// traditional, look-alike, case, invisible); empty for characters that
/// fold to themselves.
pub fn fold_reasons(c: char) -> Transforms {
    Transforms::of(table().reasons(c))
}

/// Reusable buffers holding the two normalized views of one text and their
/// maps back to the original.
///
/// Create one per thread and call [`Normalized::normalize`] for each text;
/// the buffers grow to the longest text seen and are then reused.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    /// The folded view: folded characters, noise kept, format characters removed.
    pub folded: String,
    /// The compact view: the folded view without noise.
    pub compact: String,
    /// Per byte of `folded`, where it came from in the original: the same
    /// byte for a character that folds to itself, the character's start
    /// for one that folds to something else.
    folded_src: Vec<u32>,
    /// The same for `compact`.
    compact_src: Vec<u32>,
}

impl Normalized {
    /// Empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Normalizes `text` into both views, replacing what was there.
    ///
    /// Cost: linear in `text`, one table lookup per character, no
    /// allocation once the buffers have grown.
    pub fn normalize(&mut self, text: &str) {
        self.normalize_views::<true>(text);
    }

    /// Normalizes `text` into the folded view only (the compact view is left
    /// empty): what regex rules need, at about half the cost.
    pub fn normalize_folded(&mut self, text: &str) {
        self.normalize_views::<false>(text);
    }

    fn normalize_views<const COMPACT: bool>(&mut self, text: &str) {
        assert!(
            text.len() < u32::MAX as usize,
            "texts over 4 GiB are not supported"
        );
        self.folded.clear();
        self.compact.clear();
        self.folded_src.clear();
        self.compact_src.clear();
        self.folded.reserve(text.len());
        self.folded_src.reserve(text.len());
        if COMPACT {
            self.compact.reserve(text.len());
            self.compact_src.reserve(text.len());
        }
        let t = table();
        // Characters that fold to themselves are copied a run at a time:
        // `verbatim` starts the run pending for the folded view, `kept` the
        // one for the compact view (which noise also ends).
        let mut verbatim = 0;
        let mut kept = 0;
        for (pos, c) in text.char_indices() {
            let fold = t.lookup(c);
            let next = pos + c.len_utf8();
            match fold {
                Fold::Same(CharClass::Text) | Fold::Same(CharClass::Break) => continue,
                Fold::Same(CharClass::Noise) => {
                    if COMPACT {
                        copy(&mut self.compact, &mut self.compact_src, text, kept, pos);
                        kept = next;
                    }
                    continue;
                }
                _ => {}
            }
            self.copy_runs::<COMPACT>(text, (verbatim, kept), pos);
            (verbatim, kept) = (next, next);
            let pos = pos as u32;
            match fold {
                Fold::Same(_) => {} // dropped (the kept classes continued above)
                Fold::One(CharClass::Text, f) => self.push_both::<COMPACT>(f, pos),
                Fold::One(_, f) => push(&mut self.folded, &mut self.folded_src, f, pos),
                Fold::Multi(usize::MAX) => self.push_slow::<COMPACT>(c, pos),
                Fold::Multi(i) => {
                    let e = &t.expansions[i];
                    push_str(&mut self.folded, &mut self.folded_src, &e.folded, pos);
                    if COMPACT {
                        push_str(&mut self.compact, &mut self.compact_src, &e.compact, pos);
                    }
                }
            }
        }
        self.copy_runs::<COMPACT>(text, (verbatim, kept), text.len());
    }

    /// Copies the pending runs of characters that fold to themselves up to
    /// byte `to` of `text`: from `verbatim` into the folded view, from
    /// `kept` into the compact one.
    #[inline]
    fn copy_runs<const COMPACT: bool>(
        &mut self,
        text: &str,
        (verbatim, kept): (usize, usize),
        to: usize,
    ) {
        copy(&mut self.folded, &mut self.folded_src, text, verbatim, to);
        if COMPACT {
            copy(&mut self.compact, &mut self.compact_src, text, kept, to);
        }
    }

    #[inline]
    fn push_both<const COMPACT: bool>(&mut self, c: char, pos: u32) {
        push(&mut self.folded, &mut self.folded_src, c, pos);
        if COMPACT {
            push(&mut self.compact, &mut self.compact_src, c, pos);
        }
    }

    #[cold]
    fn push_slow<const COMPACT: bool>(&mut self, c: char, pos: u32) {
        match fold_char_slow(c).0 {
            SlowFold::Drop => {}
            SlowFold::Break => self.push_both::<COMPACT>(c, pos),
            SlowFold::Chars(CharClass::Noise, s) => {
                push_str(&mut self.folded, &mut self.folded_src, &s, pos)
            }
            SlowFold::Chars(_, s) => {
                push_str(&mut self.folded, &mut self.folded_src, &s, pos);
                if COMPACT {
                    let e = expansion(&s);
                    push_str(&mut self.compact, &mut self.compact_src, &e.compact, pos);
                }
            }
        }
    }

    /// Maps a byte range of the compact view back to the original text.
    ///
    /// `start..end` must be a non-empty range on character boundaries of
    /// [`Normalized::compact`]; the result covers whole original characters.
    pub fn compact_to_original(&self, original: &str, start: usize, end: usize) -> (usize, usize) {
        map_back(&self.compact_src, original, start, end)
    }

    /// Maps a byte range of the original text (whole characters) to the
    /// compact bytes its characters produced. Cost: two binary searches.
    pub fn original_to_compact(&self, start: usize, end: usize) -> (usize, usize) {
        let at = |o: usize| self.compact_src.partition_point(|&p| (p as usize) < o);
        (at(start), at(end))
    }

    /// The folded byte offset where the original character at byte `start`
    /// (or the first one after it that is not dropped) begins. Cost: a
    /// binary search.
    pub fn original_to_folded(&self, start: usize) -> usize {
        self.folded_src.partition_point(|&p| (p as usize) < start)
    }

    /// Maps a byte range of the folded view back to the original text.
    ///
    /// Same contract as [`Normalized::compact_to_original`].
    pub fn folded_to_original(&self, original: &str, start: usize, end: usize) -> (usize, usize) {
        map_back(&self.folded_src, original, start, end)
    }
}

/// Appends the original bytes `from..to` of `text` (characters that fold
/// to themselves), each mapped to its own offset.
#[inline]
fn copy(buf: &mut String, src: &mut Vec<u32>, text: &str, from: usize, to: usize) {
    if from < to {
        buf.push_str(&text[from..to]);
        src.extend(from as u32..to as u32);
    }
}

/// Appends `c`, a character folded from the original one at `pos`, every
/// byte mapped to `pos`.
#[inline]
fn push(buf: &mut String, src: &mut Vec<u32>, c: char, pos: u32) {
    buf.push(c);
    for _ in 0..c.len_utf8() {
        src.push(pos);
    }
}

fn push_str(buf: &mut String, src: &mut Vec<u32>, s: &str, pos: u32) {
    buf.push_str(s);
    src.extend(std::iter::repeat_n(pos, s.len()));
}

fn map_back(src: &[u32], original: &str, start: usize, end: usize) -> (usize, usize) {
    if start >= end || end > src.len() {
        let at = src.get(start).map_or(original.len(), |&p| p as usize);
        return (at, at);
    }
    let o_start = src[start] as usize;
    // The last byte maps into the original character it came from (to the
    // byte itself when copied, to the character's start when folded):
    // the range ends where that character does.
    let mut o_end = src[end - 1] as usize + 1;
    while !original.is_char_boundary(o_end) {
        o_end += 1;
    }
    (o_start, o_end)
}

/// The compact form of a word: what a keyword, allow phrase or context word
/// is matched as. Empty when the word is all noise.
pub fn compact_form(word: &str) -> String {
    let mut n = Normalized::new();
    n.normalize(word);
    n.compact
}

/// Calls `f` with each character `c` folds to in the folded view (none
/// for a dropped character). Cost: one table lookup in the BMP.
pub fn fold_char(c: char, mut f: impl FnMut(char)) {
    match table().lookup(c) {
        Fold::Same(CharClass::Drop) => {}
        Fold::Same(_) => f(c),
        Fold::One(_, x) => f(x),
        Fold::Multi(usize::MAX) => folded_form(c.encode_utf8(&mut [0; 4])).chars().for_each(f),
        Fold::Multi(i) => table().expansions[i].folded.chars().for_each(f),
    }
}

/// The folded form of a text (noise kept).
pub fn folded_form(text: &str) -> String {
    let mut n = Normalized::new();
    n.normalize(text);
    n.folded
}

/// True when `c` ends a sentence or a line, so no match may cross it.
pub fn is_break_char(c: char) -> bool {
    matches!(table().lookup(c), Fold::Same(CharClass::Break))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_and_traditional() {
        assert_eq!(compact_form("ＱＱ"), "qq");
        assert_eq!(compact_form("賭博"), "赌博");
        assert_eq!(compact_form("內部資料"), "内部资料");
        assert_eq!(compact_form("①②"), "12");
        assert_eq!(compact_form("Vx"), "vx");
    }

    #[test]
    fn skips_noise_but_not_breaks() {
        assert_eq!(compact_form("赌 博"), "赌博");
        assert_eq!(compact_form("冰.毒"), "冰毒");
        assert_eq!(compact_form("色♥情"), "色情");
        assert_eq!(compact_form("色😀情"), "色情");
        assert_eq!(compact_form("赌\u{200b}博"), "赌博");
        assert_eq!(compact_form("赌。博"), "赌。博");
        assert_eq!(compact_form("赌\n博"), "赌\n博");
        assert_eq!(compact_form("赌！博"), "赌！博");
    }

    #[test]
    fn folded_keeps_noise() {
        assert_eq!(folded_form("１３８ 1234"), "138 1234");
        assert_eq!(folded_form("a\u{200b}b"), "ab");
    }

    #[test]
    fn lookalikes_fold_to_latin() {
        assert_eq!(compact_form("QQ号"), "qq号");
        assert_eq!(compact_form("Ѕех"), "sex");
        assert_eq!(compact_form("ΝΥΜ"), "nym", "Greek capitals look Latin");
        // UTS #39 confusables beyond the hand table
        assert_eq!(compact_form("ɑpp"), "app");
        assert_eq!(compact_form("ᴠɪp"), "vip");
        // circled, parenthesised, superscript, styled (non-BMP) letters and digits
        assert_eq!(compact_form("ⓥⓧ"), "vx");
        assert_eq!(compact_form("⒱⒳"), "vx");
        assert_eq!(compact_form("ᵛˣ"), "vx");
        assert_eq!(compact_form("𝐀𝒜𝔸𝕧𝖝"), "aaavx");
        assert_eq!(compact_form("①⑶⒏¹₂"), "13812");
        // CJK look-alikes from data/cjk_lookalikes.txt
        assert_eq!(compact_form("冰毐"), "冰毒");
        assert_eq!(compact_form("麻薬"), "麻药");
    }

    #[test]
    fn fold_reasons_name_the_fold() {
        let r = |c: char| fold_reasons(c).labels();
        assert_eq!(r('Ｑ'), ["full_width", "case"]);
        assert_eq!(r('賭'), ["traditional"]);
        assert_eq!(r('ѕ'), ["look_alike"]);
        assert_eq!(r('毐'), ["look_alike"]);
        assert_eq!(r('①'), ["look_alike"]);
        assert_eq!(r('𝐀'), ["look_alike", "case"]);
        assert_eq!(r('\u{200b}'), ["invisible"]);
        assert!(r('赌').is_empty());
        assert!(r('a').is_empty());
    }

    #[test]
    fn everyday_cjk_never_folds_to_latin() {
        // No Han character of the BMP may become an ASCII letter or digit,
        // except the curated look-alikes of data/cjk_lookalikes.txt (卩 → p).
        let curated = super::super::confusables::cjk_table();
        for cp in 0x4E00u32..=0x9FFF {
            let c = char::from_u32(cp).unwrap();
            if curated.iter().any(|&(from, _)| from == c) {
                continue;
            }
            let f = compact_form(&c.to_string());
            assert!(
                !f.chars().any(|x| x.is_ascii_alphanumeric()),
                "{c} folds to {f}"
            );
        }
    }

    #[test]
    fn maps_back_to_original() {
        let text = "请加 ＶＸ：賭 博";
        let mut n = Normalized::new();
        n.normalize(text);
        let at = n.compact.find("赌博").unwrap();
        let (s, e) = n.compact_to_original(text, at, at + "赌博".len());
        assert_eq!(&text[s..e], "賭 博");
        let at = n.compact.find("vx").unwrap();
        let (s, e) = n.compact_to_original(text, at, at + 2);
        assert_eq!(&text[s..e], "ＶＸ");
    }

    #[test]
    fn disguise_detection() {
        assert!(!is_disguised('a'));
        assert!(!is_disguised('赌'));
        assert!(is_disguised('賭'));
        assert!(is_disguised('Ｑ'));
        assert!(is_disguised(' '));
        assert!(is_disguised('\u{200b}'));
    }
}
