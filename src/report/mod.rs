//! Reports: what officers open in Excel ([`csv`]), what machines read
//! ([`json`]), and what a person sees in the terminal ([`text`]).
//!
//! Every file is written to a temporary file beside its destination and
//! renamed into place, so a report is never left half-written.

pub mod accountability;
pub mod csv;
pub mod html;
pub mod json;
pub mod redact;
pub mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use crate::model::{Category, Finding, Severity};

/// The language of report headers and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// Chinese (the officers' default).
    #[default]
    Zh,
    /// English.
    En,
}

/// What `--redact` masks in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Redact {
    /// Personal information: resident IDs, mobiles, bank cards.
    Pii,
}

/// Writes a file atomically: `write` fills a temporary file in the same
/// folder, which is flushed, synced and renamed over `path`. On any error the
/// temporary file is removed and `path` is left as it was.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "report path has no file name")
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut buf = io::BufWriter::new(file);
        write(&mut buf)?;
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Finding counts by category and severity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// `counts[category][severity]`, every pair present.
    pub by: BTreeMap<Category, BTreeMap<Severity, u64>>,
}

impl Counts {
    /// Every (category, severity) pair at zero.
    pub fn zero() -> Counts {
        Counts {
            by: Category::ALL
                .into_iter()
                .map(|c| (c, Severity::ALL.into_iter().map(|s| (s, 0)).collect()))
                .collect(),
        }
    }

    /// Counts one more finding.
    pub fn add(&mut self, f: &Finding) {
        *self
            .by
            .entry(f.rule.category)
            .or_default()
            .entry(f.rule.severity)
            .or_default() += 1;
    }

    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Counts {
        let mut counts = Counts::zero();
        for f in findings {
            counts.add(f);
        }
        counts
    }

    /// Findings of one category.
    pub fn category(&self, c: Category) -> u64 {
        self.by.get(&c).map_or(0, |m| m.values().sum())
    }

    /// Findings of one severity.
    pub fn severity(&self, s: Severity) -> u64 {
        self.by
            .values()
            .map(|m| m.get(&s).copied().unwrap_or(0))
            .sum()
    }

    /// All findings.
    pub fn total(&self) -> u64 {
        self.by.values().flat_map(|m| m.values()).sum()
    }
}
