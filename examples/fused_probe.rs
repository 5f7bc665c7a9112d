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
//! - `two_pass`: what the engine did for keywords before it used the
//!   fused pass:
//!   [`Normalized::normalize`] (folded + compact views with per-byte maps),
//!   then a DFA over the compact view, the matcher's ASCII word-boundary
//!   check, each hit mapped back to the original;
//! - `fused`: [`FusedMatcher`], the engine's keyword pass: one loop over
//!   the original characters, a 64K-entry table giving each BMP character's
//!   automaton symbol (or noise / break), a character automaton (a double
//!   array), hits mapped back by walking back over the original text,
//!   without any per-post buffer.
//!
//! `two_pass` and `fused` must find the same hits (same count and the same
//! checksum of original start/end offsets); the probe exits non-zero if not.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aho_corasick::automaton::{Automaton, OverlappingState};
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, Input, MatchKind};
use clap::Parser;
use xunjian::engine::fused::{FusedMatcher, FusedScratch};
use xunjian::engine::normalize::{compact_form, Normalized};

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

// One function per way, never inlined, so that
// `valgrind --tool=callgrind --toggle-collect='*run_fused*'` (and so on) can
// count the instructions of each alone: repeatable on a busy machine.

#[inline(never)]
fn run_plain(plain: &AhoCorasick, posts: &[&str]) -> Tally {
    let mut t = Tally::default();
    for p in posts {
        for m in plain.find_overlapping_iter(*p) {
            t.add(m.start(), m.end());
        }
    }
    t
}

#[inline(never)]
fn run_two_pass(dfa: &DFA, norm: &mut Normalized, posts: &[&str]) -> Tally {
    let mut t = Tally::default();
    for p in posts {
        norm.normalize(p);
        let mut state = OverlappingState::start();
        loop {
            dfa.try_find_overlapping(&Input::new(norm.compact.as_str()), &mut state)
                .expect("overlapping search");
            let Some(m) = state.get_match() else { break };
            // The matcher's ASCII word boundaries: a word starting (ending)
            // with a letter or digit does not match next to another one.
            let c = norm.compact.as_str();
            let word = &c[m.start()..m.end()];
            let class =
                |ch: Option<char>| ch.map(|ch| (ch.is_ascii_alphabetic(), ch.is_ascii_digit()));
            let first = class(word.chars().next()).filter(|k| k.0 || k.1);
            let last = class(word.chars().next_back()).filter(|k| k.0 || k.1);
            if (first.is_some() && class(c[..m.start()].chars().next_back()) == first)
                || (last.is_some() && class(c[m.end()..].chars().next()) == last)
            {
                continue;
            }
            let (s, e) = norm.compact_to_original(p, m.start(), m.end());
            t.add(s, e);
        }
    }
    t
}

#[inline(never)]
fn run_fused(fused: &FusedMatcher, scratch: &mut FusedScratch, posts: &[&str]) -> Tally {
    let mut t = Tally::default();
    for p in posts {
        fused.scan(p, scratch, |h| t.add(h.start as usize, h.end as usize));
    }
    t
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
    let fused = FusedMatcher::new(&compact).expect("keywords compile");
    let fused_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut scratch = FusedScratch::default();

    let (s_plain, t_plain) = best_of(a.repeat, || run_plain(&plain, &posts));
    let mut norm = Normalized::new();
    let (s_two, t_two) = best_of(a.repeat, || run_two_pass(&dfa, &mut norm, &posts));
    let (s_fused, t_fused) = best_of(a.repeat, || run_fused(&fused, &mut scratch, &posts));

    println!(
        "{} keywords, {} posts, {mib:.1} MiB; fused matcher built in {fused_ms:.0} ms",
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
        eprintln!(
            "fused_probe: the fused pass disagrees with the two-pass one: {t_two:?} vs {t_fused:?}"
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
