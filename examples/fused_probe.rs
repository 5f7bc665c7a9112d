//! Experiment for issue 7 (throughput): how fast can keyword matching with
//! normalization go if folding and the automaton run in ONE pass over the
//! original text, with no compact string and no offset maps built?
//!
//! ```text
//! cargo run --release --example fused_probe -- --keywords bench-data/keywords.txt --corpus bench-data/corpus.txt
//! ```
//!
//! Three ways to count every overlapping keyword occurrence in every post
//! (one post a line of `--corpus`), one thread, best of `--repeat`, in one
//! process so the ratios come from one run:
//! - `ac_plain`: `AhoCorasick::new(keywords)` over the raw text (the issue's
//!   floor; no normalization, so it misses every evasion);
//! - `two_pass`: what the engine does today for keywords:
//!   [`Normalized::normalize`] (folded + compact views with per-byte maps),
//!   then a DFA over the compact view, each hit mapped back to the original;
//! - `fused`: one loop over the original characters: a 64K-entry table gives
//!   each BMP character's compact bytes (or noise / break / drop), the bytes
//!   go straight into the same DFA (`Automaton::next_state`), and a small
//!   ring of original offsets (one per compact byte of the longest keyword)
//!   maps a hit back without any per-post buffer.
//! `two_pass` and `fused` must find the same hits (same count and the same
//! checksum of original start/end offsets); the probe exits non-zero if not.
//! Characters outside the BMP take the slow path of `compact_form`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind};
use clap::Parser;
use xunjian::engine::normalize::{classify, compact_form, CharClass, Normalized};

#[derive(Parser, Debug)]
#[command(about = "Fused normalize-and-match experiment")]
struct Args {
    /// Keywords, one a line.
    #[arg(long, default_value = "bench-data/keywords.txt")]
    keywords: PathBuf,
    /// Posts, one a line.
    #[arg(long, default_value = "bench-data/corpus.txt")]
    corpus: PathBuf,
    /// Timed runs; the best is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

/// What one BMP character becomes in the compact view.
#[derive(Clone, Copy)]
enum Entry {
    /// Up to 4 compact bytes (`len` of `bytes`).
    Bytes { len: u8, bytes: [u8; 4] },
    /// Longer expansions, in [`FoldTable::long`].
    Long(u32),
    /// Skipped (noise or dropped format character).
    Skip,
    /// Resets the automaton: no keyword crosses it.
    Break,
}

/// The per-character table of the fused pass, built from the engine's own
/// normalizer so both passes fold identically.
struct FoldTable {
    bmp: Vec<Entry>,
    long: Vec<String>,
}

impl FoldTable {
    fn build() -> FoldTable {
        let mut long = Vec::new();
        let bmp = (0u32..0x10000)
            .map(|cp| match char::from_u32(cp) {
                None => Entry::Skip,
                Some(c) => entry(c, &mut long),
            })
            .collect();
        FoldTable { bmp, long }
    }
}

fn entry(c: char, long: &mut Vec<String>) -> Entry {
    match classify(c) {
        CharClass::Break => Entry::Break,
        CharClass::Noise | CharClass::Drop => Entry::Skip,
        CharClass::Text => {
            let s = compact_form(c.encode_utf8(&mut [0; 4]));
            if s.is_empty() {
                Entry::Skip
            } else if s.len() <= 4 {
                let mut bytes = [0; 4];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                Entry::Bytes {
                    len: s.len() as u8,
                    bytes,
                }
            } else {
                long.push(s);
                Entry::Long(long.len() as u32 - 1)
            }
        }
    }
}

/// Count and checksum of hits (original start/end byte offsets).
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct Tally {
    hits: u64,
    sum: u64,
}

impl Tally {
    fn add(&mut self, start: usize, end: usize) {
        self.hits += 1;
        self.sum = self
            .sum
            .wrapping_add((start as u64).wrapping_mul(31) ^ end as u64);
    }
}

/// The fused pass over one text.
fn fused(dfa: &DFA, table: &FoldTable, ring: &mut [u32], text: &str, t: &mut Tally) {
    let mask = ring.len() - 1;
    let start = dfa.start_state(Anchored::No).expect("unanchored start");
    let mut sid = start;
    let mut cpos = 0usize; // compact bytes so far
    let mut feed = |sid: &mut _, cpos: &mut usize, bytes: &[u8], at: usize, end: usize, t: &mut Tally| {
        for &b in bytes {
            ring[*cpos & mask] = at as u32;
            *cpos += 1;
            *sid = dfa.next_state(Anchored::No, *sid, b);
        }
        if dfa.is_special(*sid) && dfa.is_match(*sid) {
            for i in 0..dfa.match_len(*sid) {
                let len = dfa.pattern_len(dfa.match_pattern(*sid, i));
                t.add(ring[(*cpos - len) & mask] as usize, end);
            }
        }
    };
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        let cp = c as u32;
        if cp < 0x10000 {
            match table.bmp[cp as usize] {
                Entry::Bytes { len, bytes } => {
                    feed(&mut sid, &mut cpos, &bytes[..len as usize], at, end, t)
                }
                Entry::Skip => {}
                Entry::Break => sid = start,
                Entry::Long(i) => {
                    feed(&mut sid, &mut cpos, table.long[i as usize].as_bytes(), at, end, t)
                }
            }
        } else {
            match classify(c) {
                CharClass::Break => sid = start,
                CharClass::Noise | CharClass::Drop => {}
                CharClass::Text => {
                    let s = compact_form(c.encode_utf8(&mut [0; 4]));
                    feed(&mut sid, &mut cpos, s.as_bytes(), at, end, t)
                }
            }
        }
    }
}

fn best_of(repeat: usize, mut f: impl FnMut() -> Tally) -> (f64, Tally) {
    let mut best = f64::INFINITY;
    let mut last = Tally::default();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        last = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, last)
}

fn main() -> ExitCode {
    let a = Args::parse();
    let (keywords, corpus) = match (
        std::fs::read_to_string(&a.keywords),
        std::fs::read_to_string(&a.corpus),
    ) {
        (Ok(k), Ok(c)) => (k, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("fused_probe: cannot read the inputs: {e}");
            return ExitCode::FAILURE;
        }
    };
    let words: Vec<&str> = keywords.lines().filter(|w| !w.is_empty()).collect();
    let compact: Vec<String> = words
        .iter()
        .map(|w| compact_form(w))
        .filter(|w| !w.is_empty())
        .collect();
    let posts: Vec<&str> = corpus.lines().collect();
    let mib = corpus.len() as f64 / (1024.0 * 1024.0);

    let plain = AhoCorasick::new(&words).expect("keywords compile");
    let dfa = DFA::builder()
        .match_kind(MatchKind::Standard)
        .build(&compact)
        .expect("keywords compile");
    let t = Instant::now();
    let table = FoldTable::build();
    let table_ms = t.elapsed().as_secs_f64() * 1e3;
    let longest = compact.iter().map(|w| w.len()).max().unwrap_or(1);
    let mut ring = vec![0u32; longest.next_power_of_two().max(64)];

    let (s_plain, t_plain) = best_of(a.repeat, || {
        let mut t = Tally::default();
        for p in &posts {
            for m in plain.find_overlapping_iter(*p) {
                t.add(m.start(), m.end());
            }
        }
        t
    });
    let mut norm = Normalized::new();
    let (s_two, t_two) = best_of(a.repeat, || {
        let mut t = Tally::default();
        for p in &posts {
            norm.normalize(p);
            let mut state = aho_corasick::automaton::OverlappingState::start();
            loop {
                dfa.try_find_overlapping(&Input::new(norm.compact.as_str()), &mut state)
                    .expect("overlapping search");
                let Some(m) = state.get_match() else { break };
                let (s, e) = norm.compact_to_original(p, m.start(), m.end());
                t.add(s, e);
            }
        }
        t
    });
    let (s_fused, t_fused) = best_of(a.repeat, || {
        let mut t = Tally::default();
        for p in &posts {
            fused(&dfa, &table, &mut ring, p, &mut t);
        }
        t
    });

    println!(
        "{} keywords, {} posts, {mib:.1} MiB; fold table built in {table_ms:.0} ms",
        words.len(),
        posts.len()
    );
    for (name, s, t) in [
        ("ac_plain", s_plain, t_plain),
        ("two_pass", s_two, t_two),
        ("fused", s_fused, t_fused),
    ] {
        println!(
            "RESULT {name} {:.2} {:.0} {s:.3} hits={} ({:.2}x plain)",
            mib / s,
            posts.len() as f64 / s,
            t.hits,
            s_plain / s
        );
    }
    if t_two != t_fused {
        eprintln!("fused_probe: the fused pass disagrees with the two-pass one: {t_two:?} vs {t_fused:?}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
