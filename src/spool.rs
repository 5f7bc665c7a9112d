//! The findings of a run, kept on disk instead of in memory, and read back
//! in report order.
//!
//! A scan of a million posts produces tens of thousands of findings of about
//! 2.5 KB each (every finding carries its account, post and rule fields), so
//! a run that kept them all in memory for its reports would grow without
//! bound. [`FindingSpool`] sorts the findings in chunks of
//! [`SpoolOptions::chunk`] as they come and appends each sorted chunk (a
//! *run*, one JSON line per finding, with its account and rule as numbers
//! into tables kept once in memory) to an anonymous temporary file; its
//! [`FindingSpool::finish`] gives [`Findings`], which reads them back merged
//! into report order ([`report_order`]) as often as there are reports, and
//! knows the figures the summaries need (counts by category and severity,
//! new, evasions, units) without reading the file. A run with no more than
//! one chunk of findings never touches the disk.
//!
//! Memory: one chunk being filled, the distinct accounts and rules, then
//! per run on disk a read buffer and the finding at its head while merging;
//! nothing per finding. Disk: about 600 bytes per finding, freed when the last
//! [`Findings`] handle is dropped (the file has no name).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{AccountRef, Field, Finding, Novelty, PostRef, RuleRef};
use crate::report::Counts;

/// Findings sorted in memory before they are written as one run: about
/// 10 MB of findings.
pub const CHUNK_FINDINGS: usize = 4096;

/// Read buffers of all the runs together while merging (each between
/// 8 KiB and 256 KiB).
const MERGE_BUFFERS: usize = 16 << 20;

/// Where and how a spool keeps its findings.
#[derive(Debug, Clone)]
pub struct SpoolOptions {
    /// Folder of the temporary file (created when needed); `None`: the
    /// system's temporary folder.
    pub dir: Option<PathBuf>,
    /// Findings sorted in memory before they are written as one run
    /// (at least 1): the memory held while scanning, against the number of
    /// runs merged when reading back.
    pub chunk: usize,
}

impl Default for SpoolOptions {
    fn default() -> Self {
        SpoolOptions {
            dir: None,
            chunk: CHUNK_FINDINGS,
        }
    }
}

/// The order of findings in every report: unit, account, publication time,
/// post, field, comment, position, rule, match. Deterministic for a given
/// input; findings equal on all of these keep the order they came in.
pub fn report_order(a: &Finding, b: &Finding) -> Ordering {
    (
        &a.account.unit,
        &a.account.id,
        &a.post.published_at,
        &a.post.id,
        a.field,
        &a.comment_id,
        a.char_start,
        &a.rule.id,
        &a.normalized,
    )
        .cmp(&(
            &b.account.unit,
            &b.account.id,
            &b.post.published_at,
            &b.post.id,
            b.field,
            &b.comment_id,
            b.char_start,
            &b.rule.id,
            &b.normalized,
        ))
}

/// Sorts findings in report order ([`report_order`], stable). Cost:
/// O(n log n) comparisons of strings.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(report_order);
}

/// The figures of a set of findings that the summaries need, counted as
/// each finding is added.
#[derive(Debug, Clone)]
struct Facts {
    len: u64,
    counts: Counts,
    new: u64,
    evasions: u64,
    units: BTreeMap<String, u64>,
}

impl Facts {
    fn new() -> Facts {
        Facts {
            len: 0,
            counts: Counts::zero(),
            new: 0,
            evasions: 0,
            units: BTreeMap::new(),
        }
    }

    fn add(&mut self, f: &Finding) {
        self.len += 1;
        self.counts.add(f);
        self.new += u64::from(f.novelty == Novelty::New);
        self.evasions += u64::from(f.evasion);
        match self.units.get_mut(&f.account.unit) {
            Some(n) => *n += 1,
            None => {
                self.units.insert(f.account.unit.clone(), 1);
            }
        }
    }
}

/// The accounts and rules of the findings on disk, each kept once: a record
/// names them by their index.
#[derive(Debug, Default)]
struct Tables {
    accounts: Vec<Arc<AccountRef>>,
    account_index: HashMap<Arc<AccountRef>, u32>,
    rules: Vec<Arc<RuleRef>>,
    rule_index: HashMap<Arc<RuleRef>, u32>,
}

impl Tables {
    fn account(&mut self, a: &Arc<AccountRef>) -> u32 {
        intern(&mut self.accounts, &mut self.account_index, a)
    }

    fn rule(&mut self, r: &Arc<RuleRef>) -> u32 {
        intern(&mut self.rules, &mut self.rule_index, r)
    }

    /// The finding a record read back stands for.
    fn finding(&self, r: Record) -> io::Result<Finding> {
        let (Some(account), Some(rule)) = (
            self.accounts.get(r.account as usize),
            self.rules.get(r.rule as usize),
        ) else {
            return Err(unreadable("a record names an unknown account or rule"));
        };
        Ok(Finding {
            fingerprint: r.fingerprint,
            account: account.clone(),
            post: Arc::new(r.post),
            rule: rule.clone(),
            field: r.field,
            matched: r.matched,
            normalized: r.normalized,
            occurrences: r.occurrences,
            char_start: r.char_start,
            char_end: r.char_end,
            snippet: r.snippet,
            evasion: r.evasion,
            evasions: r.evasions,
            comment_id: r.comment_id,
            detail: r.detail,
            novelty: r.novelty,
        })
    }
}

fn intern<T: Clone + Eq + std::hash::Hash>(
    list: &mut Vec<T>,
    index: &mut HashMap<T, u32>,
    x: &T,
) -> u32 {
    if let Some(&i) = index.get(x) {
        return i;
    }
    let i = list.len() as u32;
    list.push(x.clone());
    index.insert(x.clone(), i);
    i
}

/// One finding on disk, as written: a [`Finding`] with its account and rule
/// as indexes into [`Tables`].
#[derive(Serialize)]
struct RecordRef<'a> {
    account: u32,
    rule: u32,
    fingerprint: &'a str,
    post: &'a PostRef,
    field: Field,
    matched: &'a str,
    normalized: &'a str,
    occurrences: u32,
    char_start: usize,
    char_end: usize,
    snippet: &'a str,
    evasion: bool,
    evasions: &'a [String],
    comment_id: &'a str,
    detail: &'a str,
    novelty: Novelty,
}

impl<'a> RecordRef<'a> {
    fn new(f: &'a Finding, tables: &mut Tables) -> RecordRef<'a> {
        // Naming every field: a field added to `Finding` must be added here.
        let Finding {
            fingerprint,
            account,
            post,
            rule,
            field,
            matched,
            normalized,
            occurrences,
            char_start,
            char_end,
            snippet,
            evasion,
            evasions,
            comment_id,
            detail,
            novelty,
        } = f;
        RecordRef {
            account: tables.account(account),
            rule: tables.rule(rule),
            fingerprint,
            post,
            field: *field,
            matched,
            normalized,
            occurrences: *occurrences,
            char_start: *char_start,
            char_end: *char_end,
            snippet,
            evasion: *evasion,
            evasions,
            comment_id,
            detail,
            novelty: *novelty,
        }
    }
}

/// One finding on disk, as read back.
#[derive(Deserialize)]
struct Record {
    account: u32,
    rule: u32,
    fingerprint: String,
    post: PostRef,
    field: Field,
    matched: String,
    normalized: String,
    occurrences: u32,
    char_start: usize,
    char_end: usize,
    snippet: String,
    evasion: bool,
    evasions: Vec<String>,
    comment_id: String,
    detail: String,
    novelty: Novelty,
}

fn unreadable(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the findings' temporary file cannot be read back: {e}"),
    )
}

/// The findings of a run as they are produced: sorted and written to a
/// temporary file a chunk at a time. Memory: at most one chunk of findings,
/// and each distinct account and rule once.
pub struct FindingSpool {
    options: SpoolOptions,
    file: Option<BufWriter<File>>,
    written: u64,
    runs: Vec<Range<u64>>,
    chunk: Vec<Finding>,
    tables: Tables,
    facts: Facts,
}

impl FindingSpool {
    /// An empty spool; nothing is created on disk until the first chunk is full.
    pub fn new(options: SpoolOptions) -> FindingSpool {
        FindingSpool {
            options,
            file: None,
            written: 0,
            runs: Vec::new(),
            chunk: Vec::new(),
            tables: Tables::default(),
            facts: Facts::new(),
        }
    }

    /// Adds one finding; writes a sorted run when the chunk is full.
    pub fn push(&mut self, f: Finding) -> io::Result<()> {
        self.facts.add(&f);
        self.chunk.push(f);
        if self.chunk.len() >= self.options.chunk.max(1) {
            self.spill()?;
        }
        Ok(())
    }

    /// Adds findings in order, as [`FindingSpool::push`] does.
    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) -> io::Result<()> {
        findings.into_iter().try_for_each(|f| self.push(f))
    }

    /// Findings added so far.
    pub fn len(&self) -> u64 {
        self.facts.len
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.facts.len == 0
    }

    /// Ends the spool: the last chunk is sorted, and written too when
    /// earlier ones were (so no finding stays in memory), and the file is
    /// flushed for reading back.
    pub fn finish(mut self) -> io::Result<Findings> {
        let memory = if self.file.is_some() {
            self.spill()?;
            Vec::new()
        } else {
            sort_findings(&mut self.chunk);
            std::mem::take(&mut self.chunk)
        };
        let file = match self.file.take() {
            Some(w) => Some(w.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        Ok(Findings {
            data: Arc::new(Spooled {
                file,
                runs: self.runs,
                memory,
                tables: self.tables,
                facts: self.facts,
            }),
            map: None,
        })
    }

    /// Sorts the chunk and appends it to the file as one run.
    fn spill(&mut self) -> io::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        if self.file.is_none() {
            let file = match &self.options.dir {
                Some(dir) => {
                    std::fs::create_dir_all(dir)?;
                    tempfile::tempfile_in(dir)
                }
                None => tempfile::tempfile(),
            }
            .map_err(|e| {
                let dir = self.options.dir.clone().unwrap_or_else(std::env::temp_dir);
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot create the findings' temporary file in {}: {e}",
                        dir.display()
                    ),
                )
            })?;
            self.file = Some(BufWriter::with_capacity(256 << 10, file));
        }
        let Some(out) = self.file.as_mut() else {
            return Ok(());
        };
        sort_findings(&mut self.chunk);
        let start = self.written;
        let mut counter = Counter {
            inner: out,
            count: 0,
        };
        for f in &self.chunk {
            serde_json::to_writer(&mut counter, &RecordRef::new(f, &mut self.tables))?;
            counter.write_all(b"\n")?;
        }
        self.chunk.clear();
        self.written += counter.count;
        self.runs.push(start..self.written);
        Ok(())
    }
}

/// Counts the bytes written through it.
struct Counter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What a finished spool holds.
#[derive(Debug)]
struct Spooled {
    file: Option<File>,
    runs: Vec<Range<u64>>,
    memory: Vec<Finding>,
    tables: Tables,
    facts: Facts,
}

/// The findings of a finished spool: read back in report order with
/// [`Findings::iter`] (each call reads the file once more), figures without
/// reading. Cloning shares the file.
#[derive(Debug, Clone)]
pub struct Findings {
    data: Arc<Spooled>,
    map: Option<fn(Finding) -> Finding>,
}

impl Findings {
    /// Spools `findings` with the default options (for reports of findings
    /// already in memory: the stored ones, an audit's).
    pub fn from_vec(findings: Vec<Finding>) -> io::Result<Findings> {
        let mut spool = FindingSpool::new(SpoolOptions::default());
        spool.extend(findings)?;
        spool.finish()
    }

    /// How many findings there are.
    pub fn len(&self) -> u64 {
        self.data.facts.len
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.data.facts.len == 0
    }

    /// Counts by category and severity (every pair present).
    pub fn counts(&self) -> &Counts {
        &self.data.facts.counts
    }

    /// Findings first seen in this run.
    pub fn new_count(&self) -> u64 {
        self.data.facts.new
    }

    /// Findings with an evasion (folding or noise needed to match).
    pub fn evasions(&self) -> u64 {
        self.data.facts.evasions
    }

    /// Findings per host unit, by unit.
    pub fn units(&self) -> &BTreeMap<String, u64> {
        &self.data.facts.units
    }

    /// The same findings, each passed through `map` as it is read (after
    /// ordering, e.g. redaction). `map` must keep what the figures count:
    /// category, severity, novelty, evasion and unit.
    pub fn mapped(&self, map: fn(Finding) -> Finding) -> Findings {
        Findings {
            data: Arc::clone(&self.data),
            map: Some(map),
        }
    }

    /// Every finding in report order, read back from the file (a k-way
    /// merge of the sorted runs). Cost: decoding every finding once.
    pub fn iter(&self) -> Iter<'_> {
        let data = &*self.data;
        let mut sources: Vec<Source<'_>> = Vec::with_capacity(data.runs.len() + 1);
        if let Some(file) = &data.file {
            let buffer = (MERGE_BUFFERS / data.runs.len().max(1)).clamp(8 << 10, 256 << 10);
            for r in &data.runs {
                sources.push(Source::Disk {
                    reader: BufReader::with_capacity(
                        buffer,
                        RangeReader {
                            file,
                            pos: r.start,
                            end: r.end,
                        },
                    ),
                    line: Vec::new(),
                    tables: &data.tables,
                });
            }
        }
        if !data.memory.is_empty() {
            sources.push(Source::Memory(data.memory.iter()));
        }
        Iter {
            sources,
            heap: BinaryHeap::new(),
            started: false,
            failed: false,
            map: self.map,
        }
    }

    /// Calls `f` with every finding in report order; stops at the first error.
    pub fn try_for_each(&self, mut f: impl FnMut(Finding) -> io::Result<()>) -> io::Result<()> {
        for x in self.iter() {
            f(x?)?;
        }
        Ok(())
    }
}

/// Reads one byte range of the file with positional reads, which leave the
/// handle's own position alone: the runs of one [`Iter`], and iterators on
/// other threads (the reports are written side by side), share the handle.
struct RangeReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = (self.end - self.pos).min(buf.len() as u64) as usize;
        if left == 0 {
            return Ok(0);
        }
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, &mut buf[..left], self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, &mut buf[..left], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// One sorted run being read.
enum Source<'a> {
    Disk {
        reader: BufReader<RangeReader<'a>>,
        line: Vec<u8>,
        tables: &'a Tables,
    },
    Memory(std::slice::Iter<'a, Finding>),
}

impl Source<'_> {
    fn next(&mut self) -> io::Result<Option<Finding>> {
        match self {
            Source::Memory(it) => Ok(it.next().cloned()),
            Source::Disk {
                reader,
                line,
                tables,
            } => {
                line.clear();
                if reader.read_until(b'\n', line)? == 0 {
                    return Ok(None);
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                let record: Record = serde_json::from_slice(line).map_err(unreadable)?;
                tables.finding(record).map(Some)
            }
        }
    }
}

/// The next finding of one run, ordered so that the heap's top is the
/// smallest in report order (the earlier run first on a tie).
struct Head {
    finding: Finding,
    source: usize,
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        report_order(&other.finding, &self.finding).then(other.source.cmp(&self.source))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// The findings of a [`Findings`] in report order; an error ends it.
pub struct Iter<'a> {
    sources: Vec<Source<'a>>,
    heap: BinaryHeap<Head>,
    started: bool,
    failed: bool,
    map: Option<fn(Finding) -> Finding>,
}

impl Iter<'_> {
    fn refill(&mut self, source: usize) -> io::Result<()> {
        if let Some(finding) = self.sources[source].next()? {
            self.heap.push(Head { finding, source });
        }
        Ok(())
    }
}

impl Iterator for Iter<'_> {
    type Item = io::Result<Finding>;

    fn next(&mut self) -> Option<io::Result<Finding>> {
        if self.failed {
            return None;
        }
        if !self.started {
            self.started = true;
            for i in 0..self.sources.len() {
                if let Err(e) = self.refill(i) {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        let head = self.heap.pop()?;
        if let Err(e) = self.refill(head.source) {
            self.failed = true;
            return Some(Err(e));
        }
        Some(Ok(match self.map {
            Some(map) => map(head.finding),
            None => head.finding,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountRef, Contact, Field, Platform, PostRef, RuleRef};

    fn finding(unit: &str, post: &str, at: &str, rule: &str) -> Finding {
        Finding {
            fingerprint: format!("{unit}/{post}/{rule}"),
            account: std::sync::Arc::new(AccountRef {
                id: format!("acct-{unit}"),
                name: "n".into(),
                platform: Platform::Wechat,
                platform_account_id: "gh".into(),
                unit: unit.into(),
                department: String::new(),
                leader: Contact::default(),
                admin: Contact::default(),
            }),
            post: std::sync::Arc::new(PostRef {
                id: post.into(),
                title: "标题\n第二行".into(),
                url: String::new(),
                published_at: at.into(),
                author: String::new(),
                truncated: false,
            }),
            rule: std::sync::Arc::new(RuleRef {
                id: rule.into(),
                name: rule.into(),
                pack: "p".into(),
                pack_version: "1".into(),
                category: crate::model::Category::PersonalInfo,
                severity: crate::model::Severity::High,
                article: 10,
                message: "m".into(),
            }),
            field: Field::Body,
            matched: "x".into(),
            normalized: "x".into(),
            occurrences: 1,
            char_start: 0,
            char_end: 1,
            snippet: "…x…".into(),
            evasion: post.ends_with('7'),
            evasions: Vec::new(),
            comment_id: String::new(),
            detail: String::new(),
            novelty: if post.ends_with('3') {
                Novelty::Known
            } else {
                Novelty::New
            },
        }
    }

    fn sample() -> Vec<Finding> {
        // Scrambled units, times and rules, with exact duplicates.
        (0..200u32)
            .map(|i| {
                let k = i.wrapping_mul(2_654_435_761) % 1000;
                finding(
                    ["乙", "甲", "丙"][(k % 3) as usize],
                    &format!("p{}", k % 17),
                    &format!("2026-01-{:02}T08:00:00+08:00", 1 + k % 28),
                    ["r.b", "r.a"][(k % 2) as usize],
                )
            })
            .collect()
    }

    #[test]
    fn reads_back_every_finding_in_report_order_whatever_the_chunk() {
        let mut expected = sample();
        sort_findings(&mut expected);
        for chunk in [1, 2, 7, 64, 199, 200, 201, 10_000] {
            let mut spool = FindingSpool::new(SpoolOptions { dir: None, chunk });
            spool.extend(sample()).unwrap();
            let findings = spool.finish().unwrap();
            assert_eq!(findings.data.file.is_some(), chunk <= 200, "chunk {chunk}");
            for _ in 0..2 {
                let got: Vec<Finding> = findings.iter().collect::<io::Result<_>>().unwrap();
                assert_eq!(got, expected, "chunk {chunk}");
            }
            assert_eq!(findings.len(), 200);
            assert_eq!(findings.counts(), &Counts::of(&expected));
            assert_eq!(
                findings.new_count(),
                expected
                    .iter()
                    .filter(|f| f.novelty == Novelty::New)
                    .count() as u64
            );
            assert_eq!(
                findings.evasions(),
                expected.iter().filter(|f| f.evasion).count() as u64
            );
            assert_eq!(findings.units().values().sum::<u64>(), 200);
        }
    }

    #[test]
    fn iterators_on_several_threads_each_read_every_finding() {
        let mut expected = sample();
        sort_findings(&mut expected);
        let mut spool = FindingSpool::new(SpoolOptions {
            dir: None,
            chunk: 7,
        });
        spool.extend(sample()).unwrap();
        let findings = spool.finish().unwrap();
        assert!(findings.data.file.is_some());
        std::thread::scope(|scope| {
            let readers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..20)
                            .map(|_| findings.iter().collect::<io::Result<Vec<Finding>>>())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for reader in readers {
                for got in reader.join().unwrap() {
                    assert_eq!(got.unwrap(), expected);
                }
            }
        });
    }

    #[test]
    fn ties_keep_the_order_they_came_in() {
        let mut a = finding("甲", "p1", "t", "r");
        a.snippet = "first".into();
        let mut b = a.clone();
        b.snippet = "second".into();
        let mut spool = FindingSpool::new(SpoolOptions {
            dir: None,
            chunk: 1,
        });
        spool.extend([a, b]).unwrap();
        let got: Vec<String> = spool
            .finish()
            .unwrap()
            .iter()
            .map(|f| f.unwrap().snippet)
            .collect();
        assert_eq!(got, ["first", "second"]);
    }

    #[test]
    fn mapped_applies_after_ordering() {
        let mut spool = FindingSpool::new(SpoolOptions {
            dir: None,
            chunk: 3,
        });
        spool.extend(sample()).unwrap();
        let findings = spool.finish().unwrap().mapped(|mut f| {
            f.normalized = "*".into();
            f
        });
        let got: Vec<Finding> = findings.iter().collect::<io::Result<_>>().unwrap();
        assert_eq!(got.len(), 200);
        assert!(got.iter().all(|f| f.normalized == "*"));
    }
}
