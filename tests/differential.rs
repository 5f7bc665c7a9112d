//! Differential test: the engine's keyword path (fold table, compact view,
//! automaton, offset maps back to the original, dedup) against a reference
//! matcher written the obvious way — fold each character, drop the noise,
//! and compare every keyword at every position — on random texts with
//! random evasions (traditional forms, inserted spaces and symbols,
//! zero-width characters, sentence breaks).
//!
//! Whatever the engine does to go fast, it must report exactly the hits of
//! the reference: the same (start, end) byte ranges in the original text,
//! the same normalized keyword and the same evasion flag. (Word boundaries
//! from the segmentation dictionary are off in the generated rule: the
//! reference does not segment.)
//!
//! A third test checks the matcher's gates (which texts skip the folded
//! view, the regexes, the repeat and numeral passes): with the shipped
//! rules, on random texts rich in digits, separators, numerals and
//! contact-ad words, the gated matcher must report exactly the hits of the
//! same matcher with its gates off.

use std::collections::BTreeSet;

use proptest::prelude::*;
use xunjian::engine::fused::{FusedMatcher, FusedScratch};
use xunjian::engine::normalize::{classify, compact_form, is_disguised, CharClass};
use xunjian::engine::{Engine, Matcher, Scratch};
use xunjian::model::Post;
use xunjian::rules;

/// Keyword characters with their traditional forms, which fold onto them.
const SIMPLE: [(char, char); 4] = [('门', '門'), ('马', '馬'), ('鱼', '魚'), ('东', '東')];
/// Characters that are text but in no keyword.
const FILLER: [char; 3] = ['的', '了', '在'];
/// Noise the compact view skips.
const NOISE: [char; 5] = [' ', '*', '·', '-', '_'];
/// Invisible characters removed from both views.
const DROP: [char; 2] = ['\u{200B}', '\u{FE0F}'];
/// Sentence ends: no keyword matches across them.
const BREAKS: [char; 2] = ['\n', '。'];

/// What the reference knows about one character of the original text.
enum Ref {
    /// Folds to this keyword-alphabet (or filler) character; `true` when
    /// folding changed it.
    Text(char, bool),
    Skip,
    Break,
}

fn reference_class(c: char) -> Ref {
    if let Some(&(s, _)) = SIMPLE.iter().find(|(s, t)| *s == c || *t == c) {
        return Ref::Text(s, s != c);
    }
    if FILLER.contains(&c) {
        return Ref::Text(c, false);
    }
    if BREAKS.contains(&c) {
        return Ref::Break;
    }
    assert!(NOISE.contains(&c) || DROP.contains(&c), "unexpected {c:?}");
    Ref::Skip
}

/// (start, end, keyword, evasion) of every occurrence of every keyword.
fn reference_hits(text: &str, keywords: &[String]) -> BTreeSet<(usize, usize, String, bool)> {
    // Segments between breaks, as (folded char, start, end, changed) of the text chars,
    // plus for each text char whether noise was skipped right before it.
    let mut out = BTreeSet::new();
    let mut seg: Vec<(char, usize, usize, bool)> = Vec::new();
    let mut segments = Vec::new();
    let mut skipped_before = false;
    for (at, c) in text.char_indices() {
        match reference_class(c) {
            Ref::Text(f, changed) => {
                seg.push((f, at, at + c.len_utf8(), changed || skipped_before));
                skipped_before = false;
            }
            Ref::Skip => skipped_before = true,
            Ref::Break => {
                segments.push(std::mem::take(&mut seg));
                skipped_before = false;
            }
        }
    }
    segments.push(seg);
    for seg in &segments {
        for k in keywords {
            let k: Vec<char> = k.chars().collect();
            for i in 0..seg.len() {
                if i + k.len() <= seg.len() && (0..k.len()).all(|j| seg[i + j].0 == k[j]) {
                    let span = &seg[i..i + k.len()];
                    // The first character's "skipped before" is outside the match.
                    let evasion = span.iter().enumerate().any(|(j, s)| {
                        if j == 0 {
                            s.0 != text[s.1..s.2].chars().next().unwrap()
                        } else {
                            s.3
                        }
                    });
                    out.insert((span[0].1, span[k.len() - 1].2, k.iter().collect(), evasion));
                }
            }
        }
    }
    out
}

fn engine_for(keywords: &[String]) -> Engine {
    let list = keywords
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let pack = format!(
        "[pack]\nid = \"d\"\nversion = \"1\"\nname = \"differential\"\ncategory = \"unhealthy\"\n\n\
         [[rule]]\nid = \"d.words\"\nname = \"words\"\nmessage = \"m\"\nseverity = \"low\"\n\
         article = 10\nword_boundary = false\nkeywords = [{list}]\n"
    );
    let files: &'static [(&'static str, &'static str)] =
        Box::leak(vec![("d.toml", &*Box::leak(pack.into_boxed_str()))].into_boxed_slice());
    Engine::new(rules::load_files(files).expect("generated pack loads")).expect("compiles")
}

fn engine_hits(e: &Engine, text: &str) -> BTreeSet<(usize, usize, String, bool)> {
    e.hits(&Post::from_text("p", "", text), &mut Scratch::new())
        .into_iter()
        .map(|h| (h.start, h.end, h.normalized, h.evasion))
        .collect()
}

/// The fused one-pass matcher's hits, with the evasion flag computed from
/// the original span as the engine does.
fn fused_hits(keywords: &[String], text: &str) -> BTreeSet<(usize, usize, String, bool)> {
    let words: Vec<String> = keywords.iter().map(|k| compact_form(k)).collect();
    let m = FusedMatcher::new(&words).expect("compiles");
    let mut out = BTreeSet::new();
    m.scan(text, &mut FusedScratch::default(), |h| {
        let (s, e) = (h.start as usize, h.end as usize);
        let evasion = text[s..e].chars().any(is_disguised);
        out.insert((s, e, words[h.word as usize].clone(), evasion));
    });
    out
}

fn keyword() -> impl Strategy<Value = String> {
    prop::collection::vec(0..SIMPLE.len(), 2..=3)
        .prop_map(|v| v.into_iter().map(|i| SIMPLE[i].0).collect())
}

fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => (0..SIMPLE.len()).prop_map(|i| SIMPLE[i].0),
        2 => (0..SIMPLE.len()).prop_map(|i| SIMPLE[i].1),
        2 => (0..FILLER.len()).prop_map(|i| FILLER[i]),
        2 => (0..NOISE.len()).prop_map(|i| NOISE[i]),
        1 => (0..DROP.len()).prop_map(|i| DROP[i]),
        1 => (0..BREAKS.len()).prop_map(|i| BREAKS[i]),
    ]
}

#[test]
fn the_alphabet_is_classified_as_the_reference_assumes() {
    for (s, t) in SIMPLE {
        assert_eq!(classify(s), CharClass::Text);
        assert_eq!(classify(t), CharClass::Text);
    }
    for c in FILLER {
        assert_eq!(classify(c), CharClass::Text);
    }
    for c in NOISE {
        assert_eq!(classify(c), CharClass::Noise, "{c:?}");
    }
    for c in DROP {
        assert_eq!(classify(c), CharClass::Drop, "{c:?}");
    }
    for c in BREAKS {
        assert_eq!(classify(c), CharClass::Break, "{c:?}");
    }
}

/// ASCII words next to letters and digits: the word-boundary rules of the
/// fused pass and of the engine agree (no reference: the rule is theirs).
fn ascii_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(vec!['a', 'b', '1', '0']),
        2 => prop::sample::select(vec!['Ａ', 'B', '１', 'x']),
        2 => prop::sample::select(vec![' ', '-', '\u{200B}', '赌']),
        1 => prop::sample::select(vec!['\n', '。']),
    ]
}

fn ascii_word() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!['a', 'b', '1', '0', '赌']), 1..=3)
        .prop_map(|v| v.into_iter().collect())
}

/// Digits (ASCII, full-width), the separators the number rules allow, and
/// a comma: the start of both piece lists below.
const NUMBER_PIECES: &[&str] = &[
    "0", "1", "3", "8", "9", "5", "１", "３", "x", " ", "-", "*", "·", "，",
];

/// Pieces of text that wake the regex rules: digits (ASCII, full-width),
/// separators, Chinese numerals, contact-ad words, classification marks,
/// line and sentence breaks, letters and filler.
fn gate_piece() -> impl Strategy<Value = &'static str> {
    let mut pieces = NUMBER_PIECES.to_vec();
    pieces.extend([
        "：",
        ":",
        "\n",
        "。",
        "一",
        "三",
        "八",
        "壹",
        "幺",
        "加",
        "微信",
        "vx",
        "q",
        "Q",
        "扣扣",
        "+",
        "威信",
        "号",
        "绝密",
        "★",
        "机密",
        "密级",
        "保密期限",
        "年",
        "个月",
        "的",
        "电话",
        "a",
        "b",
        "\u{200B}",
        "速转",
        "紧急通知",
        "转发",
        "信用代码",
    ]);
    prop::sample::select(pieces)
}

/// Pieces of texts with phone, card and identity numbers: digits (some
/// full-width), the separators the regexes allow, a dropped character, and
/// characters that end or border a number.
fn digit_piece() -> impl Strategy<Value = &'static str> {
    let mut pieces = NUMBER_PIECES.to_vec();
    pieces.extend([
        "1",
        "2",
        "\u{200B}",
        "的",
        "a",
        "\n",
        "号",
        "1380013800",
        "110105194912310",
    ]);
    prop::sample::select(pieces)
}

/// Every hit the matcher reports, as comparable tuples.
fn all_hits(m: &Matcher, text: &str) -> Vec<(usize, usize, usize, String, String)> {
    let mut out = Vec::new();
    let mut scratch = Scratch::new();
    m.scan(text, xunjian::model::Field::Body, &mut scratch, &mut out);
    out.into_iter()
        .map(|h| {
            (
                h.rule,
                h.start,
                h.end,
                h.normalized,
                format!("{:?}", h.evasions),
            )
        })
        .collect()
}

/// The shipped rules' matcher with its gates on and off, built once.
fn shipped_matchers() -> &'static (Matcher, Matcher) {
    static MATCHERS: std::sync::OnceLock<(Matcher, Matcher)> = std::sync::OnceLock::new();
    MATCHERS.get_or_init(|| {
        let set = shipped();
        (
            Matcher::new(&set).expect("compiles"),
            Matcher::new(&set).expect("compiles").without_gates(),
        )
    })
}

fn shipped() -> xunjian::rules::RuleSet {
    rules::load_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .as_path(),
    )
    .expect("shipped rules load")
}

#[test]
fn gates_find_the_shipped_examples() {
    let set = shipped();
    let gated = Matcher::new(&set).expect("compiles");
    let open = Matcher::new(&set).expect("compiles").without_gates();
    for text in [
        "电话：138 1234 5678",
        "身份证号 11010519491231002X",
        "有意者加微信：abc12345。",
        "想了解的朋友加qq 1234567890",
        "加微信一三八一二三四五六七八",
        "绝密★10年",
    ] {
        let hits = all_hits(&gated, text);
        assert!(!hits.is_empty(), "no hit in {text:?}");
        assert_eq!(hits, all_hits(&open, text), "{text:?}");
    }
    // Numbers far inside long texts, with as many separators at their ends
    // as the regexes allow: the windows around digit runs must hold them.
    let filler = "的是".repeat(100);
    for number in [
        "11010519491231002---x---。",
        "证号：  11010519491231002X",
        "+86-138 1234 5678--。",
        "银行卡号：6222 0213 0200 1234 565--，",
        // A unified social credit code (a regex with prefilter words):
        // letters before its run of six digits, and after it.
        "统一社会信用代码：N---A---340104MA2P3K7L0M。",
        "税号 Y1340104---M---A---2---P---3---K---7---L---0---9，",
    ] {
        let text = format!("{filler}{number}{filler}");
        let hits = all_hits(&gated, &text);
        assert!(!hits.is_empty(), "no hit for {number:?} in filler");
        assert_eq!(hits, all_hits(&open, &text), "{number:?} in filler");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn gated_matcher_finds_exactly_what_the_ungated_one_does(
        pieces in prop::collection::vec(gate_piece(), 0..40),
    ) {
        let (gated, open) = shipped_matchers();
        let text: String = pieces.concat();
        prop_assert_eq!(all_hits(gated, &text), all_hits(open, &text), "text {:?}", text);
    }

    /// Long texts (filler of up to 150 characters between numbers), so the
    /// windows the matcher folds and searches around digit runs are much
    /// smaller than the text and their edges fall anywhere.
    #[test]
    fn windows_around_digit_runs_find_what_a_whole_text_search_does(
        parts in prop::collection::vec(
            (0usize..150, prop::collection::vec(digit_piece(), 0..30)),
            1..5,
        ),
    ) {
        let (gated, open) = shipped_matchers();
        let mut text = String::new();
        for (filler, pieces) in &parts {
            text.extend(std::iter::repeat_n("的是", filler / 2));
            text.push_str(&pieces.concat());
        }
        prop_assert_eq!(all_hits(gated, &text), all_hits(open, &text), "text {:?}", text);
    }

    #[test]
    fn engine_finds_exactly_the_reference_hits(
        keywords in prop::collection::vec(keyword(), 1..6),
        chars in prop::collection::vec(text_char(), 0..60),
    ) {
        let text: String = chars.into_iter().collect();
        let e = engine_for(&keywords);
        let expected = reference_hits(&text, &keywords);
        prop_assert_eq!(&engine_hits(&e, &text), &expected, "engine, text {:?}", text);
        prop_assert_eq!(&fused_hits(&keywords, &text), &expected, "fused pass, text {:?}", text);
    }

    #[test]
    fn fused_pass_and_engine_agree_on_ascii_boundaries(
        keywords in prop::collection::vec(ascii_word(), 1..5),
        chars in prop::collection::vec(ascii_char(), 0..40),
    ) {
        let text: String = chars.into_iter().collect();
        let e = engine_for(&keywords);
        let spans = |v: BTreeSet<(usize, usize, String, bool)>| -> BTreeSet<(usize, usize, String)> {
            v.into_iter().map(|(s, e, w, _)| (s, e, w)).collect()
        };
        prop_assert_eq!(spans(fused_hits(&keywords, &text)), spans(engine_hits(&e, &text)), "text {:?}", text);
    }
}
