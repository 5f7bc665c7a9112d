//! The floor xunjian is compared with: a plain Aho-Corasick automaton
//! (`AhoCorasick::new`, default settings) over the raw text, counting
//! overlapping matches, one thread, no normalization, no findings.
//!
//! ```text
//! cargo run --release --example ac_baseline -- --keywords bench-data/keywords.txt --corpus bench-data/corpus.txt
//! ```
//!
//! `corpus.txt` holds one post a line (see `examples/gen_corpus.rs`). The
//! file is read into memory first; only the scan is timed (best of
//! `--repeat` runs). The last line, `RESULT ac_plain_1t MIB_PER_S POSTS_PER_S
//! SECONDS CORES`, is for `scripts/bench-e2e.sh`.

#[path = "../benches/support/cpu.rs"]
mod cpu;
use cpu::cpu_seconds;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Plain Aho-Corasick baseline over corpus.txt")]
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
    /// Automaton implementation: `auto` is `AhoCorasick::new`'s default
    /// choice (a contiguous NFA for thousands of keywords); `dfa` trades
    /// memory and build time for speed.
    #[arg(long, default_value = "auto")]
    kind: Kind,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum Kind {
    Auto,
    NoncontiguousNfa,
    ContiguousNfa,
    Dfa,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let (keywords, corpus) = match (read(&a.keywords), read(&a.corpus)) {
        (Ok(k), Ok(c)) => (k, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("ac_baseline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let words: Vec<&str> = keywords
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty() && !w.starts_with('#'))
        .collect();
    let t = Instant::now();
    let kind = match a.kind {
        Kind::Auto => None,
        Kind::NoncontiguousNfa => Some(AhoCorasickKind::NoncontiguousNFA),
        Kind::ContiguousNfa => Some(AhoCorasickKind::ContiguousNFA),
        Kind::Dfa => Some(AhoCorasickKind::DFA),
    };
    let ac = match AhoCorasick::builder().kind(kind).build(&words) {
        Ok(ac) => ac,
        Err(e) => {
            eprintln!("ac_baseline: cannot build the automaton: {e}");
            return ExitCode::FAILURE;
        }
    };
    let build = t.elapsed();
    let (mut best, mut cores) = (f64::INFINITY, None);
    let (mut posts, mut matches, mut with_match) = (0u64, 0u64, 0u64);
    for _ in 0..a.repeat.max(1) {
        let cpu = cpu_seconds();
        let t = Instant::now();
        (posts, matches, with_match) = (0, 0, 0);
        for line in corpus.lines() {
            let n = ac.find_overlapping_iter(line).count() as u64;
            posts += 1;
            matches += n;
            with_match += u64::from(n > 0);
        }
        let secs = t.elapsed().as_secs_f64();
        if secs < best {
            best = secs;
            cores = cpu.zip(cpu_seconds()).map(|(a, b)| (b - a) / secs);
        }
    }
    let cores = cores.map_or("?".to_string(), |c| format!("{c:.2}"));
    let mib = corpus.len() as f64 / (1u64 << 20) as f64;
    println!(
        "ac_baseline: {} keywords ({:?} automaton, {:.1} MiB, built in {:.0} ms), {posts} posts, {mib:.1} MiB",
        words.len(),
        ac.kind(),
        ac.memory_usage() as f64 / (1u64 << 20) as f64,
        build.as_secs_f64() * 1e3
    );
    println!(
        "ac_baseline: {matches} overlapping matches in {with_match} posts ({:.2}%)",
        100.0 * with_match as f64 / posts.max(1) as f64
    );
    println!(
        "ac_baseline: best of {}: {best:.3} s, {:.1} MiB/s, {:.0} posts/s (1 thread, {cores} cores busy)",
        a.repeat.max(1),
        mib / best,
        posts as f64 / best
    );
    println!(
        "RESULT ac_plain_1t {:.2} {:.0} {best:.4} {cores}",
        mib / best,
        posts as f64 / best
    );
    ExitCode::SUCCESS
}
