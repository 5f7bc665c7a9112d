//! Generates the benchmark data set: keywords, a rules folder, posts of
//! synthetic government accounts, their registry, and the same texts as one
//! flat file for the plain Aho-Corasick baseline.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --out bench-data --mb 200 --keywords 10000 [--seed 42] [--accounts 20]
//! ```
//!
//! Writes, under `--out`:
//! - `keywords.txt`: the keywords, one a line;
//! - `rules/`: the `bench` pack (one rule, `bench.keywords`, over
//!   `words/bench.txt`) plus copies of the shipped packs in `rules/`;
//! - `posts/acct-NN.jsonl`: the posts, one JSON object a line;
//! - `accounts.toml`: the registry of those accounts;
//! - `corpus.txt`: title and text of every post, one post a line.
//!
//! `--mb` is the volume of scanned text (titles plus bodies) in MiB; the
//! JSONL files are about a quarter larger (field names, ids, URLs, times).
//! Output is a pure function of the arguments, the lexicon and the shipped
//! rules.

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Generate the xunjian benchmark corpus")]
struct Args {
    /// Output folder (created; its rules/ and posts/ are replaced).
    #[arg(long)]
    out: PathBuf,
    /// Scanned text volume (titles + bodies), in MiB.
    #[arg(long, default_value_t = 200.0)]
    mb: f64,
    /// Number of keywords drawn from the lexicon.
    #[arg(long, default_value_t = 10_000)]
    keywords: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of accounts the posts are spread over.
    #[arg(long, default_value_t = 20)]
    accounts: usize,
    /// The lexicon keywords are drawn from (one word a line).
    #[arg(long)]
    lexicon: Option<PathBuf>,
    /// The shipped rule packs to copy next to the bench pack.
    #[arg(long)]
    shipped_rules: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(a: &Args) -> Result<(), String> {
    if a.accounts == 0 || a.accounts > 99 {
        return Err("--accounts must be between 1 and 99".into());
    }
    let clock = Instant::now();
    let lexicon = a.lexicon.clone().unwrap_or_else(corpus::default_lexicon);
    let shipped = a
        .shipped_rules
        .clone()
        .unwrap_or_else(corpus::shipped_rules);
    let text = std::fs::read_to_string(&lexicon)
        .map_err(|e| format!("cannot read the lexicon {}: {e}", lexicon.display()))?;
    let candidates = corpus::lexicon_candidates(&text);
    let pick = corpus::pick_keywords(&candidates, a.keywords, a.seed);
    if pick.short {
        eprintln!(
            "gen_corpus: asked for {} keywords but the lexicon has only {} usable entries \
             ({} dropped as common words); using all {}",
            a.keywords,
            pick.usable,
            pick.dropped_common,
            pick.keywords.len()
        );
    }
    let keywords = pick.keywords;

    let out = &a.out;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let io = |what: &Path, e: std::io::Error| format!("{}: {e}", what.display());
    let kw_path = out.join("keywords.txt");
    let mut list = keywords.join("\n");
    list.push('\n');
    std::fs::write(&kw_path, list).map_err(|e| io(&kw_path, e))?;

    let rules_dir = out.join("rules");
    let copied =
        corpus::write_rules_dir(&rules_dir, &keywords, &shipped).map_err(|e| io(&rules_dir, e))?;
    let rules_summary = match check_rules(&rules_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "gen_corpus: WARNING: the shipped packs copied from {} do not load:\n{e}\n\
                 gen_corpus: WARNING: falling back to the bench pack alone; figures will not \
                 include the shipped rules",
                shipped.display()
            );
            corpus::write_rules_dir(&rules_dir, &keywords, Path::new(""))
                .map_err(|e| io(&rules_dir, e))?;
            check_rules(&rules_dir)?
        }
    };
    if copied.packs == 0 {
        eprintln!(
            "gen_corpus: note: no shipped packs in {}; the rules folder holds the bench pack only",
            shipped.display()
        );
    }

    let reg_path = out.join("accounts.toml");
    std::fs::write(&reg_path, corpus::registry_toml(a.accounts)).map_err(|e| io(&reg_path, e))?;

    let posts_dir = out.join("posts");
    if posts_dir.exists() {
        std::fs::remove_dir_all(&posts_dir).map_err(|e| io(&posts_dir, e))?;
    }
    std::fs::create_dir_all(&posts_dir).map_err(|e| io(&posts_dir, e))?;
    let mut files = Vec::with_capacity(a.accounts);
    for i in 0..a.accounts {
        let p = posts_dir.join(format!("acct-{i:02}.jsonl"));
        let f = File::create(&p).map_err(|e| io(&p, e))?;
        files.push(BufWriter::with_capacity(1 << 20, f));
    }
    let corpus_path = out.join("corpus.txt");
    let mut flat = BufWriter::with_capacity(
        1 << 20,
        File::create(&corpus_path).map_err(|e| io(&corpus_path, e))?,
    );

    let target = (a.mb * (1u64 << 20) as f64) as u64;
    let mut gen = corpus::PostGen::new(a.seed, &keywords);
    let (mut posts, mut scanned, mut jsonl, mut injected) = (0u64, 0u64, 0u64, 0u64);
    let (mut shortest, mut longest) = (usize::MAX, 0usize);
    let mut line = Vec::with_capacity(8192);
    while scanned < target {
        let account = (posts % a.accounts as u64) as usize;
        let seq = (posts / a.accounts as u64) as usize;
        let post = gen.post(account, seq);
        line.clear();
        serde_json::to_writer(&mut line, &post).map_err(|e| e.to_string())?;
        line.push(b'\n');
        files[account]
            .write_all(&line)
            .map_err(|e| io(&posts_dir, e))?;
        jsonl += line.len() as u64;
        let flat_line = post.corpus_line();
        flat.write_all(flat_line.as_bytes())
            .and_then(|()| flat.write_all(b"\n"))
            .map_err(|e| io(&corpus_path, e))?;
        posts += 1;
        scanned += post.scanned_bytes() as u64;
        shortest = shortest.min(post.text.len());
        longest = longest.max(post.text.len());
        injected += u64::from(post.injected);
    }
    for mut f in files {
        f.flush().map_err(|e| io(&posts_dir, e))?;
    }
    flat.flush().map_err(|e| io(&corpus_path, e))?;

    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    println!("gen_corpus: wrote {}", out.display());
    println!(
        "  posts     {posts} over {} accounts, {:.1} MiB scanned text (titles + bodies), \
         {:.1} MiB JSONL",
        a.accounts,
        mib(scanned),
        mib(jsonl)
    );
    println!(
        "  sizes     mean {:.0} bytes/post (body {shortest}..{longest} bytes)",
        scanned as f64 / posts.max(1) as f64
    );
    println!(
        "  keywords  {} (of {} usable lexicon entries, {} dropped as common words); \
         inserted in {injected} posts ({:.2}%)",
        keywords.len(),
        pick.usable,
        pick.dropped_common,
        100.0 * injected as f64 / posts.max(1) as f64
    );
    println!(
        "  rules     {rules_summary} ({} shipped packs, {} word lists copied)",
        copied.packs, copied.files
    );
    println!(
        "  seed      {}  ({:.1} s)",
        a.seed,
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Loads and compiles a rules folder; a one-line summary or the errors.
fn check_rules(dir: &Path) -> Result<String, String> {
    let set = xunjian::rules::load_dir(dir).map_err(|e| e.to_string())?;
    let engine = xunjian::engine::Engine::new(set).map_err(|e| e.to_string())?;
    Ok(format!(
        "{} packs, {} rules, {} distinct words",
        engine.rules.packs.len(),
        engine.rules.rules.len(),
        engine.matcher.pattern_count()
    ))
}
