//! Deterministic synthetic corpus for the benchmarks: keywords drawn from a
//! lexicon, a rule pack built from them, and government-account news posts.
//!
//! Shared by `benches/engine.rs` (as `mod corpus;`) and
//! `examples/gen_corpus.rs` (as `#[path = "../benches/corpus/mod.rs"]`).
//! It lives in a folder so that Cargo does not take it for a bench target.
//!
//! Everything here is a pure function of the seed: the same seed, lexicon and
//! shipped rules give byte-identical output on every machine.

#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasickBuilder, MatchKind};
use xunjian::engine::normalize::{compact_form, is_break_char, Normalized};

/// Share of posts that get a keyword from the list inserted.
pub const KEYWORD_RATE: f64 = 0.01;
/// Share of the keyword-carrying posts whose keyword is disguised (noise
/// between characters, full-width letters).
pub const EVASION_SHARE: f64 = 0.1;

/// splitmix64: tiny, fast, good enough for test data, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 11) as u128 * n as u128) >> 53) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below((hi - lo + 1) as usize) as u64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-300);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The houbb lexicon next to the crate (`../shared/data/lexicon-houbb/`).
pub fn default_lexicon() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/lexicon-houbb/sensitive_word_dict.txt")
}

/// The shipped rule packs (`rules/` of the crate).
pub fn shipped_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// The usable entries of a lexicon, in file order, de-duplicated: at least
/// two characters, no whitespace, already in the engine's normalized form
/// (so the plain automaton and the engine look for exactly the same
/// strings), no sentence end inside.
pub fn lexicon_candidates(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let w = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
        if w.chars().count() < 2 || w.chars().any(char::is_whitespace) {
            continue;
        }
        if w.chars().any(|c| c.is_control() || is_break_char(c)) || compact_form(w) != w {
            continue;
        }
        if seen.insert(w.to_string()) {
            out.push(w.to_string());
        }
    }
    out
}

/// The keywords chosen for a run.
#[derive(Debug, Clone)]
pub struct KeywordPick {
    pub keywords: Vec<String>,
    /// Usable lexicon entries (after filtering).
    pub usable: usize,
    /// Entries dropped because they occur in ordinary generated news text
    /// (e.g. a two-character entry that is also a common word).
    pub dropped_common: usize,
    /// True when fewer keywords were available than asked for.
    pub short: bool,
}

/// Draws `n` keywords from `candidates`, deterministically for a seed,
/// after dropping the ones that occur in clean generated text (so that
/// about [`KEYWORD_RATE`] of posts carry a keyword, not most of them).
pub fn pick_keywords(candidates: &[String], n: usize, seed: u64) -> KeywordPick {
    // 4 MB of keyword-free text, normalized like the engine does.
    let mut gen = PostGen::new(seed ^ 0x5eed_c1ea_4000_0000, &[]);
    let mut norm = Normalized::new();
    let mut compact = String::new();
    let mut seq = 0;
    while compact.len() < 4 << 20 {
        let p = gen.post(seq % 20, seq);
        seq += 1;
        for field in [&p.title, &p.text] {
            norm.normalize(field);
            compact.push_str(&norm.compact);
            compact.push('\n');
        }
    }
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(candidates)
        .expect("lexicon automaton builds");
    let mut common = vec![false; candidates.len()];
    for m in ac.find_overlapping_iter(&compact) {
        common[m.pattern().as_usize()] = true;
    }
    let mut pool: Vec<&String> = candidates
        .iter()
        .zip(&common)
        .filter(|(_, c)| !**c)
        .map(|(w, _)| w)
        .collect();
    let dropped_common = candidates.len() - pool.len();
    // Partial Fisher–Yates: the first n of a seeded shuffle.
    let mut rng = Rng::new(seed ^ 0x6b65_7977_6f72_6473);
    let take = n.min(pool.len());
    for i in 0..take {
        let j = i + rng.below(pool.len() - i);
        pool.swap(i, j);
    }
    KeywordPick {
        keywords: pool[..take].iter().map(|w| w.to_string()).collect(),
        usable: candidates.len(),
        dropped_common,
        short: take < n,
    }
}

/// The rule pack (TOML) that makes the keyword list one rule.
pub const BENCH_PACK: &str = r#"# Generated by examples/gen_corpus.rs (benchmark data). Do not edit.
[pack]
id = "bench"
version = "bench-1"
name = "基准测试关键词"
category = "unhealthy"
description = "Keywords drawn from the houbb lexicon for throughput benchmarks."

[[rule]]
id = "bench.keywords"
name = "基准测试关键词"
message = "命中基准测试关键词表（仅用于性能测试）。"
severity = "low"
article = 10
keywords_file = "words/bench.txt"
"#;

/// What [`write_rules_dir`] copied.
#[derive(Debug, Clone, Default)]
pub struct RulesCopy {
    /// Shipped packs (`*.toml`) copied.
    pub packs: usize,
    /// Other shipped files (word lists) copied.
    pub files: usize,
}

/// Writes a rules folder: the bench pack (`bench.toml` +
/// `words/bench.txt`) plus copies of every file of `shipped` (its
/// `*.toml` packs and every file in its subfolders). A missing or empty
/// `shipped` folder is not an error: only the bench pack is written.
pub fn write_rules_dir(dir: &Path, keywords: &[String], shipped: &Path) -> io::Result<RulesCopy> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join("words"))?;
    let mut copy = RulesCopy::default();
    copy_tree(shipped, dir, true, &mut copy)?;
    std::fs::write(dir.join("bench.toml"), BENCH_PACK)?;
    let mut list = String::with_capacity(keywords.len() * 16);
    list.push_str("# Generated by examples/gen_corpus.rs (benchmark data). Do not edit.\n");
    for w in keywords {
        list.push_str(w);
        list.push('\n');
    }
    std::fs::write(dir.join("words/bench.txt"), list)?;
    Ok(copy)
}

fn copy_tree(from: &Path, to: &Path, top: bool, copy: &mut RulesCopy) -> io::Result<()> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Some(name) = path.file_name() else {
            continue;
        };
        let target = to.join(name);
        if path.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_tree(&path, &target, false, copy)?;
        } else if top {
            if path.extension().is_some_and(|x| x == "toml") && name != "bench.toml" {
                std::fs::copy(&path, &target)?;
                copy.packs += 1;
            }
        } else if !(name == "bench.txt" && to.ends_with("words")) {
            std::fs::copy(&path, &target)?;
            copy.files += 1;
        }
    }
    Ok(())
}

/// The registry (`accounts.toml`) of `accounts` generated accounts whose
/// posts are in `posts/acct-NN.jsonl` next to it.
pub fn registry_toml(accounts: usize) -> String {
    const PLATFORMS: [(&str, &str); 4] = [
        ("wechat", "微信公众号"),
        ("weibo", "官方微博"),
        ("toutiao", "头条号"),
        ("app", "客户端"),
    ];
    let mut r = Rng::new(0x0acc_0a17);
    let mut out =
        String::from("# Generated by examples/gen_corpus.rs (benchmark data). Do not edit.\n");
    for i in 0..accounts {
        let (platform, label) = PLATFORMS[i % PLATFORMS.len()];
        let unit = UNITS[i % UNITS.len()];
        let pid = match platform {
            "wechat" => format!("gh_bench{i:06}"),
            "weibo" => format!("{}", 7_000_000_000u64 + i as u64),
            "toutiao" => format!("{}", 1_600_000_000_000u64 + i as u64),
            _ => format!("app-bench-{i:03}"),
        };
        let _ = write!(
            out,
            "\n[[account]]\nid = \"acct-{i:02}\"\nname = \"{unit}{label}\"\nplatform = \"{platform}\"\n\
             platform_account_id = \"{pid}\"\nunit = \"{unit}\"\ndepartment = \"办公室\"\n\
             created = \"20{:02}-{:02}-{:02}\"\nfollowers = {}\ncertified = true\n\n\
             [account.leader]\nname = \"{}\"\nposition = \"分管副局长\"\n\n\
             [account.admin]\nname = \"{}\"\nposition = \"宣传科科员\"\n\n\
             [account.source]\nkind = \"jsonl\"\npath = \"posts/acct-{i:02}.jsonl\"\n",
            r.range(14, 24),
            r.range(1, 12),
            r.range(1, 28),
            r.range(800, 900_000),
            name(&mut r),
            name(&mut r),
        );
    }
    out
}

/// One generated post.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GenPost {
    pub id: String,
    pub title: String,
    pub text: String,
    pub url: String,
    pub published_at: String,
    pub author: String,
    /// Whether a keyword was inserted (not serialized).
    #[serde(skip)]
    pub injected: bool,
}

impl GenPost {
    /// The post as one line of `corpus.txt`: title, a space, the text,
    /// line breaks turned into spaces.
    pub fn corpus_line(&self) -> String {
        let mut s = String::with_capacity(self.title.len() + 1 + self.text.len());
        s.push_str(&self.title);
        s.push(' ');
        s.extend(
            self.text
                .chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
        );
        s
    }

    /// Bytes the engine scans: title plus body.
    pub fn scanned_bytes(&self) -> usize {
        self.title.len() + self.text.len()
    }

    pub fn to_model(&self) -> xunjian::model::Post {
        xunjian::model::Post {
            id: self.id.clone(),
            title: self.title.clone(),
            text: self.text.clone(),
            url: self.url.clone(),
            published_at: chrono::DateTime::parse_from_rfc3339(&self.published_at).ok(),
            author: self.author.clone(),
            truncated: false,
            comments: Vec::new(),
        }
    }
}

/// Generates posts for one seed.
pub struct PostGen<'k> {
    rng: Rng,
    keywords: &'k [String],
}

impl<'k> PostGen<'k> {
    pub fn new(seed: u64, keywords: &'k [String]) -> PostGen<'k> {
        PostGen {
            rng: Rng::new(seed),
            keywords,
        }
    }

    /// Post number `seq` of account `account`.
    pub fn post(&mut self, account: usize, seq: usize) -> GenPost {
        let r = &mut self.rng;
        // Body length: log-normal, median 480 bytes, clamped to 50..=3000
        // (mean about 600 bytes).
        let target = (480.0 * (0.7 * r.normal()).exp()).clamp(50.0, 3000.0) as usize;
        let footer = if target > 400 && r.chance(0.5) {
            format!(
                "\n（文字：{} 编辑：{} 审核：{}）",
                name(r),
                name(r),
                name(r)
            )
        } else {
            String::new()
        };
        let target = target - footer.len();
        let title = title(r);
        let mut text = String::with_capacity(target + 128);
        if r.chance(0.3) {
            let _ = write!(text, "{}讯 ", pick(r, SOURCES));
        }
        let mut in_para = 0;
        let mut sentences = 0;
        loop {
            let before = text.len();
            sentence(r, &mut text);
            if text.len() > target {
                if sentences == 0 {
                    // A short post: cut its only sentence.
                    truncate_chars(&mut text, target);
                } else if text.len() - target > target - before && before >= 50 {
                    // Closer to the target without the last sentence.
                    text.truncate(before);
                }
                break;
            }
            sentences += 1;
            in_para += 1;
            if in_para >= 2 && r.chance(0.35) {
                text.push('\n');
                in_para = 0;
            }
        }
        let mut text = text.trim_end().to_string();
        text.push_str(&footer);
        let mut post = GenPost {
            id: format!("acct{account:02}-{seq:07}"),
            title,
            text,
            url: format!("https://mp.example.gov.cn/acct-{account:02}/{seq:07}.html"),
            published_at: time(r),
            author: name(r),
            injected: false,
        };
        if !self.keywords.is_empty() && self.rng.chance(KEYWORD_RATE) {
            self.inject(&mut post);
        }
        post
    }

    fn inject(&mut self, post: &mut GenPost) {
        let r = &mut self.rng;
        let kw = r.pick(self.keywords).clone();
        let kw = if r.chance(EVASION_SHARE) {
            disguise(r, &kw)
        } else {
            kw
        };
        post.injected = true;
        if r.chance(0.05) {
            post.title.push_str(&kw);
            return;
        }
        if r.chance(0.5) {
            let s = format!("{}“{}”{}", pick(r, INJECT_PRE), kw, pick(r, INJECT_POST));
            let at = sentence_end(&post.text, r.below(post.text.len() + 1));
            post.text.insert_str(at, &s);
        } else {
            let mut at = r.below(post.text.len() + 1);
            while !post.text.is_char_boundary(at) {
                at -= 1;
            }
            post.text.insert_str(at, &kw);
        }
    }
}

/// A disguised keyword: noise between its characters, or full-width
/// ASCII.
fn disguise(r: &mut Rng, kw: &str) -> String {
    if kw.chars().any(|c| c.is_ascii_alphanumeric()) && r.chance(0.5) {
        return kw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect();
    }
    let sep = pick(r, &[" ", "*", "\u{200b}", "·", "♥", "/", "_"]);
    let mut out = String::new();
    for (i, c) in kw.chars().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// The byte offset just after the sentence end at or before `at` (0 if none).
fn sentence_end(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| c == '。' || c == '\n')
        .map_or(0, |(i, c)| i + c.len_utf8())
}

fn truncate_chars(s: &mut String, max: usize) {
    let mut at = max.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    s.truncate(at);
}

fn pick<'a>(r: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[r.below(xs.len())]
}

fn name(r: &mut Rng) -> String {
    let mut s = String::from(pick(r, SURNAMES));
    s.push_str(pick(r, GIVEN));
    s
}

fn time(r: &mut Rng) -> String {
    const DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let month = r.below(12);
    let day = r.range(1, DAYS[month]);
    format!(
        "2025-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        month + 1,
        day,
        r.range(7, 22),
        r.below(60),
        r.below(60)
    )
}

fn date(r: &mut Rng) -> String {
    let m = r.range(1, 12);
    let d = r.range(1, 28);
    match r.below(4) {
        0 => format!("{m}月{d}日"),
        1 => format!("{m}月{d}日上午"),
        2 => format!("{m}月{d}日下午"),
        _ => format!("2025年{m}月{d}日"),
    }
}

fn num(r: &mut Rng, lo: u64, hi: u64) -> String {
    r.range(lo, hi).to_string()
}

fn pct(r: &mut Rng) -> String {
    format!("{}.{}", r.range(1, 45), r.below(10))
}

fn mobile(r: &mut Rng) -> String {
    let prefix = pick(
        r,
        &[
            "130", "135", "138", "139", "150", "152", "158", "177", "186", "189",
        ],
    );
    format!("{prefix}{:08}", r.below(100_000_000))
}

fn landline(r: &mut Rng) -> String {
    let area = pick(
        r,
        &["0571", "0574", "010", "021", "025", "0551", "027", "028"],
    );
    format!("{area}-{}{:07}", r.range(5, 8), r.below(10_000_000))
}

/// An 18-character number: a plausible identity-card-shaped number (valid
/// check digit about half the time), a project number, or a unified social
/// credit code.
fn eighteen(r: &mut Rng) -> String {
    match r.below(3) {
        0 => {
            let area = pick(
                r,
                &["330102", "330106", "110105", "320102", "440304", "510104"],
            );
            let body = format!(
                "{area}{}{:02}{:02}{:03}",
                r.range(1950, 2005),
                r.range(1, 12),
                r.range(1, 28),
                r.below(1000)
            );
            let check = if r.chance(0.5) {
                id_check(&body)
            } else {
                char::from(b'0' + r.below(10) as u8)
            };
            format!("{body}{check}")
        }
        1 => format!(
            "{}{:014}",
            r.range(2021, 2025),
            r.next_u64() % 100_000_000_000_000
        ),
        _ => {
            const ALNUM: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
            let mut s = String::from(pick(r, &["91", "12", "11", "52"]));
            s.push_str(pick(r, &["330100", "330106", "110000", "320100"]));
            for _ in 0..10 {
                s.push(ALNUM[r.below(ALNUM.len())] as char);
            }
            s
        }
    }
}

/// GB 11643 check character of the first 17 digits.
fn id_check(body: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

fn title(r: &mut Rng) -> String {
    let mut t = match r.below(9) {
        0 => format!(
            "{}召开{}{}",
            pick(r, UNITS),
            pick(r, TOPICS),
            pick(r, MEETINGS)
        ),
        1 => format!(
            "{}：{}{}",
            pick(r, PLACES),
            pick(r, TOPICS),
            pick(r, TITLE_TAILS)
        ),
        2 => format!("【{}】{}这样做", pick(r, COLUMNS), pick(r, TOPICS)),
        3 => format!("{}，{}在行动", pick(r, TOPICS), pick(r, UNITS)),
        4 => format!("关于{}的{}", pick(r, TOPICS), pick(r, NOTICES)),
        5 => format!(
            "{}项举措{}{}",
            num(r, 3, 30),
            pick(r, VERBS_ACT),
            pick(r, TOPICS)
        ),
        6 => format!(
            "{}{}{}",
            pick(r, PLACES),
            pick(r, VERBS_ACT),
            pick(r, GOALS)
        ),
        7 => format!(
            "{}｜{}{}",
            pick(r, COLUMNS),
            pick(r, UNITS),
            pick(r, TITLE_TAILS)
        ),
        _ => format!("{}{}", pick(r, TOPICS), pick(r, TITLE_TAILS)),
    };
    while t.chars().count() < 10 {
        t.push_str(pick(r, &["工作", "取得新成效", "再上新台阶", "见实效"]));
    }
    if t.chars().count() > 30 {
        t = t.chars().take(30).collect();
    }
    t
}

fn sentence(r: &mut Rng, out: &mut String) {
    // Phone numbers and 18-character numbers are occasional (measured on
    // 50 MiB): a hotline in about 1 post in 8, a mobile number in about 1 in
    // 25, an 18-character number in about 1 in 20.
    if r.chance(0.025) {
        let phone = match r.below(4) {
            0 => mobile(r),
            1 => landline(r),
            _ => "12345".to_string(),
        };
        let _ = write!(
            out,
            "市民如有疑问，可拨打{}热线{}咨询。",
            pick(r, HOTLINES),
            phone
        );
        return;
    }
    if r.chance(0.012) {
        let _ = if r.chance(0.2) {
            write!(
                out,
                "联系人：{}，联系电话：{}。",
                name(r),
                if r.chance(0.5) {
                    mobile(r)
                } else {
                    landline(r)
                }
            )
        } else {
            write!(
                out,
                "{}：{}。",
                pick(r, &["项目编号", "统一社会信用代码", "备案编号", "登记号"]),
                eighteen(r)
            )
        };
        return;
    }
    let _ = match r.below(18) {
        0 | 1 => write!(
            out,
            "{}，{}召开{}{}，{}{}出席会议并讲话。",
            date(r),
            pick(r, UNITS),
            pick(r, TOPICS),
            pick(r, MEETINGS),
            pick(r, ROLES),
            name(r)
        ),
        2 | 3 => write!(
            out,
            "会议{}，要{}{}{}工作，{}{}{}。",
            pick(r, VERBS_SAY),
            pick(r, ADVS),
            pick(r, VERBS_ACT),
            pick(r, TOPICS),
            pick(r, ADVS),
            pick(r, VERBS_ACT),
            pick(r, GOALS)
        ),
        4 | 5 => write!(
            out,
            "今年以来，{}{}{}{}，累计{}{}{}，同比增长{}%。",
            pick(r, UNITS),
            pick(r, ADVS),
            pick(r, VERBS_ACT),
            pick(r, TOPICS),
            pick(r, COUNT_VERBS),
            num(r, 12, 98_000),
            pick(r, MEASURES),
            pct(r)
        ),
        6 => write!(
            out,
            "{}{}{}{}，总投资{}.{}亿元，预计{}年{}月建成投用。",
            pick(r, PLACES),
            pick(r, VERBS_ACT),
            pick(r, TOPICS),
            pick(r, PROJECTS),
            num(r, 1, 60),
            r.below(10),
            r.range(2025, 2028),
            r.range(1, 12)
        ),
        7 => write!(
            out,
            "据了解，{}已建成{}{}个，覆盖{}余名群众。",
            pick(r, PLACES),
            pick(r, FACILITIES),
            num(r, 3, 480),
            num(r, 2, 90) + "万"
        ),
        8 | 9 => write!(
            out,
            "下一步，{}将{}{}{}，{}{}{}，为{}作出新的更大贡献。",
            pick(r, UNITS),
            pick(r, ADVS),
            pick(r, VERBS_ACT),
            pick(r, GOALS),
            pick(r, ADVS),
            pick(r, VERBS_ACT),
            pick(r, TOPICS),
            pick(r, FINAL_GOALS)
        ),
        10 | 11 => write!(
            out,
            "{}{}表示，{}{}，{}。",
            pick(r, ROLES),
            name(r),
            pick(r, QUOTE_HEADS),
            pick(r, GOALS),
            pick(r, QUOTE_TAILS)
        ),
        12 | 13 => write!(
            out,
            "活动现场，{}向{}{}{}，{}。",
            pick(r, STAFF),
            pick(r, CROWDS),
            pick(r, VERBS_SHOW),
            pick(r, MATERIALS),
            pick(r, RESULTS)
        ),
        14 | 15 => write!(
            out,
            "在{}{}中，共检查{}{}家，发现问题{}处，已全部{}。",
            pick(r, TOPICS),
            pick(r, CHECKS),
            pick(r, OBJECTS),
            num(r, 5, 900),
            num(r, 1, 120),
            pick(r, FIXES)
        ),
        16 => write!(
            out,
            "{}，{}，{}。",
            date(r),
            pick(r, WEATHER),
            pick(r, WEATHER_TAILS)
        ),
        _ => write!(
            out,
            "{}{}{}{}，{}。",
            pick(r, PLACES),
            pick(r, ADVS),
            pick(r, VERBS_ACT),
            pick(r, TOPICS),
            pick(r, RESULTS)
        ),
    };
}

const SOURCES: &[&str] = &[
    "本报",
    "本网",
    "新华社",
    "人民网",
    "本台",
    "通讯员",
    "融媒体中心",
    "市政府网站",
];

const UNITS: &[&str] = &[
    "市教育局",
    "区卫生健康局",
    "县人民政府办公室",
    "市公安局交警支队",
    "市场监督管理局",
    "街道办事处",
    "市文化广电旅游局",
    "市生态环境局",
    "市人力资源和社会保障局",
    "市住房和城乡建设局",
    "区农业农村局",
    "市应急管理局",
    "市税务局",
    "市医疗保障局",
    "区退役军人事务局",
    "市民政局",
    "市司法局",
    "市交通运输局",
    "区水利局",
    "市自然资源和规划局",
    "市商务局",
    "市科技局",
    "市统计局",
    "区城市管理局",
    "市消防救援支队",
    "市气象局",
    "市总工会",
    "团市委",
    "市妇联",
    "市图书馆",
    "市人民医院",
    "区疾控中心",
    "市数据资源管理局",
    "市行政审批服务局",
];

const MEETINGS: &[&str] = &[
    "专题会议",
    "工作推进会",
    "座谈会",
    "动员部署会",
    "培训班",
    "现场观摩会",
    "调度会",
    "联席会议",
    "工作会议",
    "总结表彰大会",
    "新闻发布会",
    "协调会",
];

const TOPICS: &[&str] = &[
    "安全生产",
    "乡村振兴",
    "营商环境优化",
    "垃圾分类",
    "文明城市创建",
    "防汛抗旱",
    "森林防火",
    "校园安全",
    "食品安全",
    "民生实事",
    "城市更新",
    "老旧小区改造",
    "医保政策宣传",
    "就业创业",
    "基层治理",
    "数字政府建设",
    "河长制",
    "消防安全",
    "道路交通安全",
    "农村人居环境整治",
    "养老服务",
    "托育服务",
    "义务教育",
    "全民健身",
    "非遗保护",
    "招商引资",
    "科技创新",
    "人才引进",
    "生态保护",
    "节能减排",
    "政务服务",
    "法治宣传",
    "普法教育",
    "志愿服务",
    "社区服务",
    "住房保障",
    "冬季供暖",
    "秋冬季农业生产",
    "耕地保护",
    "水环境治理",
    "大气污染防治",
    "文旅融合",
    "夜间经济",
    "消费帮扶",
    "双拥共建",
    "慈善救助",
    "残疾人服务",
    "未成年人保护",
    "燃气安全",
    "电动自行车安全",
];

const TITLE_TAILS: &[&str] = &[
    "取得阶段性成效",
    "工作扎实推进",
    "再添新举措",
    "跑出加速度",
    "交出亮眼答卷",
    "按下快进键",
    "走深走实",
    "见行见效",
    "亮点纷呈",
    "持续发力",
];

const COLUMNS: &[&str] = &[
    "政务动态",
    "基层风采",
    "便民服务",
    "权威发布",
    "工作动态",
    "一线传真",
    "民生关注",
    "政策解读",
];

const NOTICES: &[&str] = &[
    "通知",
    "公告",
    "通告",
    "实施意见",
    "工作方案",
    "情况通报",
    "温馨提示",
];

const PLACES: &[&str] = &[
    "城东街道",
    "西湖区",
    "高新区",
    "经济开发区",
    "临江镇",
    "青山村",
    "滨江社区",
    "南湖新区",
    "北山街道",
    "桃源镇",
    "东港村",
    "文教区",
    "老城区",
    "新城片区",
    "工业园区",
    "梅林社区",
    "白沙镇",
    "石桥村",
];

const ROLES: &[&str] = &[
    "党组书记、局长",
    "副市长",
    "区委常委、副区长",
    "主任",
    "副主任",
    "党委书记",
    "副局长",
    "镇长",
    "社区党委书记",
    "校长",
    "院长",
    "支队长",
];

const SURNAMES: &[&str] = &[
    "张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "建华", "志强", "海燕", "晓东", "文静", "国庆", "立新", "春梅", "建国", "丽华", "振宇",
    "思远", "雨桐", "浩然", "子涵",
];

const VERBS_SAY: &[&str] = &["强调", "指出", "要求", "认为", "明确", "提出"];

const ADVS: &[&str] = &[
    "切实",
    "扎实",
    "全面",
    "持续",
    "进一步",
    "加快",
    "统筹",
    "有序",
    "着力",
    "大力",
    "深入",
    "稳步",
];

const VERBS_ACT: &[&str] = &[
    "推进", "落实", "开展", "加强", "提升", "完善", "深化", "做好", "抓好", "优化", "健全", "推动",
];

const GOALS: &[&str] = &[
    "高质量发展",
    "群众满意度",
    "服务水平",
    "治理能力",
    "工作质效",
    "风险防控能力",
    "长效机制",
    "责任体系",
    "制度建设",
    "队伍建设",
    "基础设施",
    "公共服务供给",
    "群众获得感",
    "应急处置能力",
];

const FINAL_GOALS: &[&str] = &[
    "全市经济社会发展",
    "建设共同富裕示范区",
    "打造一流营商环境",
    "保障人民群众生命财产安全",
    "推进城市治理现代化",
];

const COUNT_VERBS: &[&str] = &[
    "服务", "培训", "走访", "受理", "办结", "帮扶", "排查", "接待",
];

const MEASURES: &[&str] = &["人次", "件", "户", "家", "场次", "个", "项"];

const PROJECTS: &[&str] = &[
    "重点项目",
    "示范工程",
    "提升工程",
    "综合体",
    "服务中心",
    "产业园",
    "民生工程",
];

const FACILITIES: &[&str] = &[
    "便民服务站",
    "城市书房",
    "口袋公园",
    "充电桩",
    "养老服务中心",
    "健身驿站",
    "垃圾分类投放点",
    "社区食堂",
];

const HOTLINES: &[&str] = &["政务服务", "市民服务", "医保咨询", "消费者投诉", "社保咨询"];

const QUOTE_HEADS: &[&str] = &[
    "我们将始终坚持以人民为中心，不断提升",
    "下阶段将聚焦群众急难愁盼，全力提高",
    "这项工作事关千家万户，必须切实提升",
    "我们将对标先进地区经验，着力增强",
];

const QUOTE_TAILS: &[&str] = &[
    "让群众办事更方便、更快捷",
    "确保各项任务按期完成",
    "真正把好事办好、实事办实",
    "努力交出让群众满意的答卷",
];

const STAFF: &[&str] = &[
    "工作人员",
    "志愿者",
    "执法人员",
    "医护人员",
    "民警",
    "社区网格员",
];

const CROWDS: &[&str] = &[
    "过往市民",
    "辖区居民",
    "学生家长",
    "企业代表",
    "老年人",
    "外来务工人员",
];

const VERBS_SHOW: &[&str] = &["发放", "讲解", "赠送", "展示", "介绍"];

const MATERIALS: &[&str] = &[
    "宣传手册",
    "政策明白纸",
    "防诈骗知识",
    "安全用电常识",
    "健康知识读本",
    "惠民政策要点",
];

const RESULTS: &[&str] = &[
    "受到群众广泛好评",
    "现场气氛热烈",
    "取得良好社会效果",
    "进一步增强了群众的安全意识",
    "有效提升了群众知晓率",
    "为后续工作打下坚实基础",
];

const CHECKS: &[&str] = &["专项检查", "明查暗访", "联合执法", "隐患排查", "督导检查"];

const OBJECTS: &[&str] = &[
    "餐饮单位",
    "生产经营单位",
    "建筑工地",
    "学校食堂",
    "农贸市场",
    "人员密集场所",
    "加油站",
    "小区",
];

const FIXES: &[&str] = &["整改到位", "责令限期整改", "完成整改", "移交相关部门处理"];

const WEATHER: &[&str] = &[
    "市气象台发布寒潮蓝色预警",
    "全市迎来新一轮强降雨",
    "受冷空气影响我市气温明显下降",
    "今年第12号台风逐渐靠近",
];

const WEATHER_TAILS: &[&str] = &[
    "请广大市民注意防范",
    "相关部门已启动应急响应",
    "预计最低气温降至零下3摄氏度",
    "请注意出行安全",
];

const INJECT_PRE: &[&str] = &[
    "近日有网友发布涉及",
    "经核查，网传",
    "有群众举报",
    "据反映，有人在群内散布",
];

const INJECT_POST: &[&str] = &[
    "的不实信息，相关部门已依法处置。",
    "一事，目前正在进一步调查。",
    "等内容，请广大市民提高警惕。",
    "相关信息，已提醒群众注意甄别。",
];
