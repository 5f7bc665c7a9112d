//! What compiling a large rule set costs: wall time to load the packs and
//! build the engine, and the memory the compiled engine holds.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --out bench-data-60k --mb 1 --keywords 60000
//! cargo run --release --example compile_cost -- --rules bench-data-60k/rules
//! ```
//!
//! `--rules` is a rules folder (the generator's `bench` pack of N lexicon
//! keywords plus the shipped packs). Reported, best of `--repeat` builds:
//! - `load`: reading and validating the TOML packs and word lists;
//! - `compile`: `Engine::new` (normalizing every word, building the
//!   Aho-Corasick automaton, the regexes and the RegexSet);
//! - `held`: growth of the process's resident set while one engine is
//!   alive (RSS after building minus RSS before), read from
//!   `/proc/self/statm`, so it includes allocator slack: an upper bound.
//!
//! The last line, `RESULT compile WORDS LOAD_S COMPILE_S HELD_MIB`, is for
//! scripts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use xunjian::engine::Engine;

#[derive(Parser, Debug)]
#[command(about = "Time and memory of compiling a rules folder")]
struct Args {
    /// Rules folder (packs + word lists).
    #[arg(long, default_value = "bench-data/rules")]
    rules: PathBuf,
    /// Builds; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

/// Resident set size of this process in MiB (Linux; 0 elsewhere).
fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn main() -> ExitCode {
    let a = Args::parse();
    let mut best_load = f64::INFINITY;
    let mut best_compile = f64::INFINITY;
    let mut held = 0.0;
    let mut words = 0usize;
    for round in 0..a.repeat.max(1) {
        let before = rss_mib();
        let t = Instant::now();
        let set = match xunjian::rules::load_dir(&a.rules) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("compile_cost: {e}");
                return ExitCode::FAILURE;
            }
        };
        best_load = best_load.min(t.elapsed().as_secs_f64());
        words = set.rules.iter().map(|r| r.keywords.len()).sum();
        let t = Instant::now();
        let engine = match Engine::new(set) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("compile_cost: {e}");
                return ExitCode::FAILURE;
            }
        };
        best_compile = best_compile.min(t.elapsed().as_secs_f64());
        if round == 0 {
            // Later rounds reuse memory the allocator kept: only the first
            // build shows what a fresh process needs.
            held = rss_mib() - before;
        }
        drop(engine);
    }
    println!("keywords (all rules):  {words}");
    println!("load (TOML + lists):   {best_load:.3} s");
    println!("compile (Engine::new): {best_compile:.3} s");
    println!("held while alive:      {held:.1} MiB (RSS growth, upper bound)");
    println!("RESULT compile {words} {best_load:.3} {best_compile:.3} {held:.1}");
    ExitCode::SUCCESS
}
