//! Throughput of the xunjian engine against the plain Aho-Corasick floor,
//! in one process, on posts already in memory (reading and JSON parsing are
//! timed once, separately, and excluded from every other figure).
//!
//! ```text
//! cargo run --release --example engine_throughput -- --data bench-data [--threads N] [--repeat 3]
//! ```
//!
//! `--data` is a folder written by `examples/gen_corpus.rs`. Timed, each the
//! best of `--repeat` runs, the measurements taking turns (one round runs
//! each once), so a slow spell of a shared host slows them all alike:
//! - `read_jsonl_1t` (one run only): reading the accounts' JSONL exports
//!   with `ExportReader` into memory, as `xunjian scan` does;
//! - `ac_plain_1t`: `AhoCorasick::new(keywords)` (default settings),
//!   overlapping count over each post's raw `title + " " + text`;
//! - `normalize_1t`: [`Normalized::normalize`] of every title and body;
//! - `engine_hits_1t`: [`Engine::hits`] for every post (normalize, automaton,
//!   regexes, allow/context filtering);
//! - `engine_scan_1t`: [`Engine::scan_post`] (hits plus findings:
//!   grouping, snippets, fingerprints);
//! - `engine_scan_nogates_1t` (only with `--only scan-nogates`): the same
//!   with the matcher's gates off ([`xunjian::engine::Matcher::without_gates`]:
//!   normalized views, regexes, repeat and numeral passes on every text),
//!   to show what the gates save;
//! - `engine_scan_Nt`: the same on a rayon pool of `--threads` threads,
//!   `par_iter().map_init(Scratch::new, ..)` as the scan pipeline does;
//! - `ac_plain_Nt`: the plain automaton on the same pool, for reference.
//!
//! Lines `RESULT NAME MIB_PER_S POSTS_PER_S SECONDS CORES` are for
//! `scripts/bench-e2e.sh`.

#[path = "../benches/support/cpu.rs"]
mod cpu;
use cpu::cpu_seconds;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aho_corasick::AhoCorasick;
use clap::Parser;
use rayon::prelude::*;
use xunjian::engine::normalize::Normalized;
use xunjian::engine::{Engine, Scratch};
use xunjian::model::{AccountRef, Post};
use xunjian::source::file::ExportReader;

#[derive(Parser, Debug)]
#[command(about = "xunjian engine throughput vs plain Aho-Corasick")]
struct Args {
    /// Folder written by gen_corpus.
    #[arg(long, default_value = "bench-data")]
    data: PathBuf,
    /// Threads of the parallel run (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Timed runs per measurement; the best is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Run only these measurements (comma-separated: ac, normalize, hits,
    /// scan, scan-nogates, scan-par, ac-par), e.g. `--only scan` under a
    /// profiler. `scan-nogates` runs only when named.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

struct Row {
    name: String,
    what: &'static str,
    bytes: u64,
    posts: u64,
    secs: f64,
    cores: Option<f64>,
}

impl Row {
    fn mibps(&self) -> f64 {
        self.bytes as f64 / (1u64 << 20) as f64 / self.secs
    }
    fn postsps(&self) -> f64 {
        self.posts as f64 / self.secs
    }
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("engine_throughput: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Wall time of one run and the cores it kept busy on average.
#[derive(Clone, Copy)]
struct Timing {
    secs: f64,
    /// CPU time (user + system) of the process over wall time; `None` where
    /// `/proc/self/stat` cannot be read. Well under the thread count means
    /// other processes took the cores.
    cores: Option<f64>,
}

/// The fastest of `repeat` runs of `f`, and the last result.
fn best_of<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut best = Timing {
        secs: f64::INFINITY,
        cores: None,
    };
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let cpu = cpu_seconds();
        let t = Instant::now();
        let r = f();
        let secs = t.elapsed().as_secs_f64();
        if secs < best.secs {
            best = Timing {
                secs,
                cores: cpu.zip(cpu_seconds()).map(|(a, b)| (b - a) / secs),
            };
        }
        last = Some(r);
    }
    (best, last.expect("at least one run"))
}

fn run(a: &Args) -> Result<(), String> {
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let rules_dir = a.data.join("rules");
    let t = Instant::now();
    let set = xunjian::rules::load_dir(&rules_dir)
        .map_err(|e| format!("rules in {}:\n{e}", rules_dir.display()))?;
    let loaded = t.elapsed();
    let engine = Engine::new(set).map_err(|e| e.to_string())?;
    let compiled = t.elapsed() - loaded;
    let bench_rule = engine
        .rules
        .rules
        .iter()
        .position(|r| r.id == "bench.keywords");

    let registry =
        xunjian::registry::load(&a.data.join("accounts.toml")).map_err(|e| e.to_string())?;
    let accounts: Vec<std::sync::Arc<AccountRef>> = registry
        .accounts
        .iter()
        .map(|a| std::sync::Arc::new(AccountRef::from(a)))
        .collect();
    // Reading and JSON parsing, timed once: what `xunjian scan` does on one
    // thread before each batch is scanned in parallel.
    let (read, posts) = best_of(1, || -> Result<Vec<(usize, Post)>, String> {
        let mut posts = Vec::new();
        for (i, account) in registry.accounts.iter().enumerate() {
            let reader = ExportReader::open(&account.source).map_err(|e| e.to_string())?;
            for post in reader {
                posts.push((i, post.map_err(|e| e.to_string())?));
            }
        }
        Ok(posts)
    });
    let posts = posts?;
    let n_posts = posts.len() as u64;
    let bytes: u64 = posts
        .iter()
        .map(|(_, p)| (p.title.len() + p.text.len()) as u64)
        .sum();

    let kw_text =
        std::fs::read_to_string(a.data.join("keywords.txt")).map_err(|e| e.to_string())?;
    let words: Vec<&str> = kw_text
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty() && !w.starts_with('#'))
        .collect();
    let ac = AhoCorasick::new(&words).map_err(|e| e.to_string())?;
    let lines: Vec<String> = posts
        .iter()
        .map(|(_, p)| {
            let mut s = String::with_capacity(p.title.len() + 1 + p.text.len());
            s.push_str(&p.title);
            s.push(' ');
            s.extend(
                p.text
                    .chars()
                    .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
            );
            s
        })
        .collect();
    let line_bytes: u64 = lines.iter().map(|l| l.len() as u64).sum();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())?;

    println!(
        "engine_throughput: {n_posts} posts, {:.1} MiB (titles + bodies), {} accounts",
        bytes as f64 / (1u64 << 20) as f64,
        accounts.len()
    );
    println!(
        "engine_throughput: rules: {} packs, {} rules, {} distinct words; loaded in {:.0} ms, compiled in {:.0} ms",
        engine.rules.packs.len(),
        engine.rules.rules.len(),
        engine.matcher.pattern_count(),
        loaded.as_secs_f64() * 1e3,
        compiled.as_secs_f64() * 1e3
    );
    println!(
        "engine_throughput: plain automaton: {} keywords, {:?}; {threads} threads for the parallel runs; best of {}",
        words.len(),
        ac.kind(),
        a.repeat.max(1)
    );

    let want = |name: &str| a.only.is_empty() || a.only.iter().any(|o| o == name);
    // Every post through `scan_post` on one thread; the number of findings.
    let scan_all = |e: &Engine| {
        let mut scratch = Scratch::new();
        posts
            .iter()
            .map(|(i, p)| e.scan_post(&accounts[*i], p, &mut scratch).len() as u64)
            .sum::<u64>()
    };
    // The engine with its gates off, for `scan-nogates`.
    let open = Engine::new(engine.rules.clone())
        .map_err(|e| e.to_string())?
        .without_gates();
    // Every measurement is a closure returning (count, second count); they
    // run round-robin, `--repeat` rounds, each keeping its best time, so a
    // slow spell of this shared host hits all of them alike and the ratios
    // between them hold (one after the other, a ratio caught the drift).
    type Work<'w> = Box<dyn FnMut() -> (u64, u64) + 'w>;
    let mut jobs: Vec<(String, &'static str, u64, Work<'_>)> = Vec::new();
    if want("ac") {
        jobs.push((
            "ac_plain_1t".into(),
            "plain aho-corasick, raw text, count",
            line_bytes,
            Box::new(|| {
                let n = lines
                    .iter()
                    .map(|l| ac.find_overlapping_iter(l).count() as u64)
                    .sum::<u64>();
                (n, 0)
            }),
        ));
    }
    if want("normalize") {
        jobs.push((
            "normalize_1t".into(),
            "normalizer alone",
            bytes,
            Box::new(|| {
                let mut n = Normalized::new();
                let mut total = 0usize;
                for (_, p) in &posts {
                    n.normalize(&p.title);
                    total += n.compact.len();
                    n.normalize(&p.text);
                    total += n.compact.len();
                }
                (total as u64, 0)
            }),
        ));
    }
    if want("hits") {
        jobs.push((
            "engine_hits_1t".into(),
            "engine hits (normalize + match)",
            bytes,
            Box::new(|| {
                let mut scratch = Scratch::new();
                let (mut all, mut bench) = (0u64, 0u64);
                for (_, p) in &posts {
                    let h = engine.hits(p, &mut scratch);
                    all += h.len() as u64;
                    bench += h.iter().filter(|h| Some(h.rule) == bench_rule).count() as u64;
                }
                (all, bench)
            }),
        ));
    }
    if want("scan") {
        jobs.push((
            "engine_scan_1t".into(),
            "engine scan_post (hits + findings)",
            bytes,
            Box::new(|| (scan_all(&engine), 0)),
        ));
    }
    if a.only.iter().any(|o| o == "scan-nogates") {
        jobs.push((
            "engine_scan_nogates_1t".into(),
            "engine scan_post, gates off (every pass on every text)",
            bytes,
            Box::new(|| (scan_all(&open), 0)),
        ));
    }
    if want("scan-par") {
        jobs.push((
            format!("engine_scan_{threads}t"),
            "engine scan_post, rayon pool",
            bytes,
            Box::new(|| {
                let n = pool.install(|| {
                    posts
                        .par_iter()
                        .map_init(Scratch::new, |scratch, (i, p)| {
                            engine.scan_post(&accounts[*i], p, scratch).len() as u64
                        })
                        .sum::<u64>()
                });
                (n, 0)
            }),
        ));
    }
    if want("ac-par") {
        jobs.push((
            format!("ac_plain_{threads}t"),
            "plain aho-corasick, rayon pool",
            line_bytes,
            Box::new(|| {
                let n = pool.install(|| {
                    lines
                        .par_iter()
                        .map(|l| ac.find_overlapping_iter(l).count() as u64)
                        .sum::<u64>()
                });
                (n, 0)
            }),
        ));
    }
    let mut best: Vec<(Timing, (u64, u64))> = jobs
        .iter()
        .map(|_| {
            (
                Timing {
                    secs: f64::INFINITY,
                    cores: None,
                },
                (0, 0),
            )
        })
        .collect();
    for _ in 0..a.repeat.max(1) {
        for (job, slot) in jobs.iter_mut().zip(&mut best) {
            // Let the pool's idle threads stop spinning after a parallel
            // run, so they do not take the core of the next one-thread run.
            std::thread::sleep(std::time::Duration::from_millis(200));
            let (t, counts) = best_of(1, &mut job.3);
            if t.secs < slot.0.secs {
                slot.0 = t;
            }
            slot.1 = counts;
        }
    }

    let mut rows: Vec<Row> = Vec::new();
    let mut push = |name: String, what: &'static str, bytes: u64, t: Timing| {
        rows.push(Row {
            name,
            what,
            bytes,
            posts: n_posts,
            secs: t.secs,
            cores: t.cores,
        })
    };
    push(
        "read_jsonl_1t".into(),
        "ExportReader: read + parse JSONL",
        bytes,
        read,
    );
    let mut notes = Vec::new();
    let counts = |name: &str| {
        jobs.iter()
            .zip(&best)
            .find(|(j, _)| j.0 == name)
            .map(|(_, b)| b.1)
    };
    if let Some((n, _)) = counts("ac_plain_1t") {
        notes.push(format!("plain automaton: {n} matches"));
    }
    if let Some((all, bench)) = counts("engine_hits_1t") {
        notes.push(format!("engine: {all} hits ({bench} of bench.keywords)"));
    }
    let findings = counts("engine_scan_1t").map(|(n, _)| n);
    if let Some(n) = findings {
        notes.push(format!("engine: {n} findings"));
    }
    if let (Some(f), Some((n, _))) = (findings, counts("engine_scan_nogates_1t")) {
        if f != n {
            return Err(format!("gates changed the findings: {f} with, {n} without"));
        }
    }
    if let (Some(f), Some((n, _))) = (findings, counts(&format!("engine_scan_{threads}t"))) {
        if f != n {
            return Err(format!(
                "the parallel scan found {n} findings, the sequential one {f}"
            ));
        }
    }
    for ((name, what, bytes, _), (t, _)) in jobs.iter().zip(&best) {
        push(name.clone(), what, *bytes, *t);
    }

    println!("engine_throughput: {}", notes.join("; "));
    println!();
    println!(
        "{:<16} {:>10} {:>11} {:>9} {:>6}  what",
        "run", "MiB/s", "posts/s", "seconds", "cores"
    );
    for r in &rows {
        println!(
            "{:<16} {:>10.1} {:>11.0} {:>9.3} {:>6}  {}",
            r.name,
            r.mibps(),
            r.postsps(),
            r.secs,
            r.cores.map_or("?".to_string(), |c| format!("{c:.2}")),
            r.what
        );
    }
    let get = |name: &str| rows.iter().find(|r| r.name == name).map(Row::mibps);
    println!();
    if let (Some(ac1), Some(eng1)) = (get("ac_plain_1t"), get("engine_scan_1t")) {
        println!(
            "ratio engine/plain, 1 thread (throughput): {:.3}  (plain is {:.1}x faster)",
            eng1 / ac1,
            ac1 / eng1
        );
    }
    if let (Some(eng1), Some(engn)) = (
        get("engine_scan_1t"),
        get(&format!("engine_scan_{threads}t")),
    ) {
        println!(
            "ratio engine {threads} threads / 1 thread: {:.2}",
            engn / eng1
        );
    }
    for r in &rows {
        println!(
            "RESULT {} {:.2} {:.0} {:.4} {}",
            r.name,
            r.mibps(),
            r.postsps(),
            r.secs,
            r.cores.map_or("?".to_string(), |c| format!("{c:.2}"))
        );
    }
    Ok(())
}
