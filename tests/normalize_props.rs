//! Property tests of the normalizer's offset map: whatever the input, every
//! normalized span maps back to whole characters of the original, in order,
//! and normalizing that original span gives the normalized span back.

use proptest::prelude::*;
use xunjian::engine::normalize::{compact_form, folded_form, span_transforms, Normalized};

/// Characters evaders and real posts use: CJK (simplified and traditional),
/// full-width forms, ASCII, punctuation, emoji, zero-width and combining
/// characters, line breaks, compatibility forms.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '赌', '博', '賭', '內', '部', '资', '料', '資', '机', '密', '★', '。', '！', '？',
            '\n', '\r', ' ', '　', '，', '.', '-', '♥', '😀', '\u{200b}', '\u{200d}', '\u{fe0f}',
            '\u{0301}', 'Ｑ', 'ｑ', '１', '①', '㈱', 'ﬁ', 'İ', 'ß', 'А', 'а', 'Ѕ', '𝐚', 'x', 'X',
            '7', '\t', '…', '¨', '\u{feff}', '\u{2028}', 'ɑ', 'ⓥ', '⒱', '𝐯', 'ᴠ', 'Ь', 'Ν', '毐',
            '薬', '兲', '壹', '〇', '！', '﹗',
        ]),
        any::<char>(),
        prop::char::range('\u{4e00}', '\u{9fff}'),
    ]
}

fn tricky_string() -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..60).prop_map(|v| v.into_iter().collect())
}

/// Byte offsets in a view where a new original character begins, plus the end.
fn source_boundaries(view: &str, map: impl Fn(usize, usize) -> (usize, usize)) -> Vec<usize> {
    let mut out = vec![0];
    let idx: Vec<usize> = view.char_indices().map(|(i, _)| i).collect();
    for w in idx.windows(2) {
        let (a, _) = map(w[0], w[1]);
        let (b, _) = map(w[1], w[1] + view[w[1]..].chars().next().unwrap().len_utf8());
        if a != b {
            out.push(w[1]);
        }
    }
    out.push(view.len());
    out.dedup();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compact_spans_round_trip(text in tricky_string()) {
        let mut n = Normalized::new();
        n.normalize(&text);
        let compact = n.compact.clone();
        prop_assert_eq!(&compact, &compact_form(&text));
        let map = |s: usize, e: usize| n.compact_to_original(&text, s, e);
        let bounds = source_boundaries(&compact, map);
        let mut last_end = 0;
        for i in 0..bounds.len() {
            for j in i + 1..bounds.len() {
                let (s, e) = (bounds[i], bounds[j]);
                let (os, oe) = n.compact_to_original(&text, s, e);
                prop_assert!(os < oe && oe <= text.len());
                prop_assert!(text.is_char_boundary(os) && text.is_char_boundary(oe));
                prop_assert_eq!(compact_form(&text[os..oe]), &compact[s..e]);
                if j == i + 1 {
                    prop_assert!(os >= last_end);
                    last_end = oe;
                }
            }
        }
    }

    #[test]
    fn folded_spans_round_trip(text in tricky_string()) {
        let mut n = Normalized::new();
        n.normalize(&text);
        let folded = n.folded.clone();
        let map = |s: usize, e: usize| n.folded_to_original(&text, s, e);
        let bounds = source_boundaries(&folded, map);
        for w in bounds.windows(2) {
            let (os, oe) = n.folded_to_original(&text, w[0], w[1]);
            prop_assert!(text.is_char_boundary(os) && text.is_char_boundary(oe) && os < oe);
            prop_assert_eq!(folded_form(&text[os..oe]), &folded[w[0]..w[1]]);
        }
    }

    #[test]
    fn views_hold_no_invisible_characters(text in tricky_string()) {
        let mut n = Normalized::new();
        n.normalize(&text);
        for v in [&n.folded, &n.compact] {
            let invisible = ['\u{200b}', '\u{feff}', '\u{fe0f}'].iter().any(|&c| v.contains(c));
            prop_assert!(!invisible, "invisible character in {:?}", v);
        }
        prop_assert!(!n.compact.contains(' ') && !n.compact.contains('♥') && !n.compact.contains('，'));
    }

    #[test]
    fn transformations_are_recorded_exactly_when_the_text_changes(text in tricky_string()) {
        // Ordinary capitals are no evasion and are left out here.
        let text: String = text
            .chars()
            .filter(|&c| c.to_lowercase().eq(std::iter::once(c)))
            .collect();
        let t = span_transforms(&text, true);
        prop_assert_eq!(
            t.is_empty(),
            compact_form(&text) == text,
            "{:?}: {:?} → {:?}",
            text,
            t.labels(),
            compact_form(&text)
        );
    }

    #[test]
    fn normalization_is_idempotent_on_the_compact_view(text in tricky_string()) {
        let once = compact_form(&text);
        prop_assert_eq!(compact_form(&once), once);
    }
}
