//! Criterion benchmarks of the matching engine against a plain
//! Aho-Corasick automaton, on a synthetic corpus generated in process.
//!
//! ```text
//! cargo bench --bench engine                 # 8 MiB corpus, 10,000 keywords
//! XUNJIAN_BENCH_MB=32 cargo bench --bench engine
//! ```
//!
//! Setup (not timed): 10,000 keywords drawn from the houbb lexicon
//! (`../shared/data/lexicon-houbb/sensitive_word_dict.txt`, or
//! `XUNJIAN_LEXICON`), written as the `bench` pack next to copies of the
//! shipped packs in a temporary rules folder and loaded with
//! `xunjian::rules::load_dir`; then about 8 MiB of posts (see
//! `benches/corpus/mod.rs`, shared with `examples/gen_corpus.rs`).
//!
//! Group `scan` (throughput in bytes of title + body, one thread):
//! - `aho_corasick_plain`: `AhoCorasick::new(keywords)`, default settings,
//!   overlapping count over each post's raw `title + " " + text`;
//! - `normalize`: `Normalized::normalize` of every title and body;
//! - `fused_keywords`: `engine::fused::FusedMatcher` over the same keywords
//!   (one-pass fold + DFA, no regexes), the planned keyword path;
//! - `engine_hits`: `Engine::hits` for every post;
//! - `engine_scan_post`: `Engine::scan_post` (hits plus findings).
//!
//! Group `compile`: `Engine::new` over the same rule set.

mod corpus;

use std::path::PathBuf;
use std::time::Duration;

use aho_corasick::AhoCorasick;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use xunjian::engine::fused::{FusedMatcher, FusedScratch};
use xunjian::engine::normalize::{compact_form, Normalized};
use xunjian::engine::{Engine, Scratch};
use xunjian::model::{AccountRef, Contact, Platform, Post};
use xunjian::rules::RuleSet;

const KEYWORDS: usize = 10_000;
const SEED: u64 = 42;

struct Setup {
    keywords: Vec<String>,
    rules: RuleSet,
    engine: Engine,
    posts: Vec<Post>,
    lines: Vec<String>,
    account: std::sync::Arc<AccountRef>,
}

fn setup() -> Setup {
    let mib: f64 = std::env::var("XUNJIAN_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8.0);
    let lexicon = std::env::var_os("XUNJIAN_LEXICON")
        .map(PathBuf::from)
        .unwrap_or_else(corpus::default_lexicon);
    let text = std::fs::read_to_string(&lexicon).unwrap_or_else(|e| {
        panic!(
            "cannot read the lexicon {}: {e}; set XUNJIAN_LEXICON",
            lexicon.display()
        )
    });
    let candidates = corpus::lexicon_candidates(&text);
    let keywords = corpus::pick_keywords(&candidates, KEYWORDS, SEED).keywords;

    let dir = tempfile::tempdir().expect("temporary folder");
    let rules_dir = dir.path().join("rules");
    corpus::write_rules_dir(&rules_dir, &keywords, &corpus::shipped_rules())
        .expect("write the bench rules folder");
    let rules = xunjian::rules::load_dir(&rules_dir)
        .unwrap_or_else(|e| panic!("bench rules do not load:\n{e}"));
    let engine = Engine::new(rules.clone()).expect("bench rules compile");

    let target = (mib * (1u64 << 20) as f64) as usize;
    let mut gen = corpus::PostGen::new(SEED, &keywords);
    let (mut posts, mut lines, mut size) = (Vec::new(), Vec::new(), 0);
    while size < target {
        let p = gen.post(posts.len() % 20, posts.len() / 20);
        size += p.scanned_bytes();
        lines.push(p.corpus_line());
        posts.push(p.to_model());
    }
    eprintln!(
        "bench setup: {} posts, {:.1} MiB, {} keywords, {} rules, {} distinct words",
        posts.len(),
        size as f64 / (1u64 << 20) as f64,
        keywords.len(),
        engine.rules.rules.len(),
        engine.matcher.pattern_count()
    );
    Setup {
        keywords,
        rules,
        engine,
        posts,
        lines,
        account: std::sync::Arc::new(AccountRef {
            id: "bench".into(),
            name: "bench".into(),
            platform: Platform::Wechat,
            platform_account_id: "gh_bench".into(),
            unit: "bench".into(),
            department: String::new(),
            leader: Contact::default(),
            admin: Contact::default(),
        }),
    }
}

fn benches(c: &mut Criterion) {
    let s = setup();
    let post_bytes: u64 = s
        .posts
        .iter()
        .map(|p| (p.title.len() + p.text.len()) as u64)
        .sum();
    let line_bytes: u64 = s.lines.iter().map(|l| l.len() as u64).sum();
    let ac = AhoCorasick::new(&s.keywords).expect("plain automaton");

    let mut g = c.benchmark_group("scan");
    g.sampling_mode(SamplingMode::Flat);

    g.throughput(Throughput::Bytes(line_bytes));
    g.bench_function("aho_corasick_plain", |b| {
        b.iter(|| {
            s.lines
                .iter()
                .map(|l| ac.find_overlapping_iter(l).count())
                .sum::<usize>()
        })
    });

    g.throughput(Throughput::Bytes(post_bytes));
    g.bench_function("normalize", |b| {
        let mut n = Normalized::new();
        b.iter(|| {
            let mut total = 0;
            for p in &s.posts {
                n.normalize(&p.title);
                total += n.compact.len();
                n.normalize(&p.text);
                total += n.compact.len();
            }
            total
        })
    });
    g.bench_function("fused_keywords", |b| {
        // The one-pass fold + DFA keyword matcher (engine::fused) over the
        // same 10,000 keywords, no regexes: issue 7's planned keyword path.
        let words: Vec<String> = s.keywords.iter().map(|w| compact_form(w)).collect();
        let m = FusedMatcher::new(&words).expect("fused matcher");
        let mut scratch = FusedScratch::default();
        b.iter(|| {
            let mut total = 0usize;
            for p in &s.posts {
                m.scan(&p.title, &mut scratch, |_| total += 1);
                m.scan(&p.text, &mut scratch, |_| total += 1);
            }
            total
        })
    });
    g.bench_function("engine_hits", |b| {
        let mut scratch = Scratch::new();
        b.iter(|| {
            s.posts
                .iter()
                .map(|p| s.engine.hits(p, &mut scratch).len())
                .sum::<usize>()
        })
    });
    g.bench_function("engine_scan_post", |b| {
        let mut scratch = Scratch::new();
        b.iter(|| {
            s.posts
                .iter()
                .map(|p| s.engine.scan_post(&s.account, p, &mut scratch).len())
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("compile");
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("engine_new", |b| {
        b.iter_batched(
            || s.rules.clone(),
            |rules| Engine::new(rules).expect("compiles"),
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = engine;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(engine);
