//! Where posts come from.
//!
//! Each source yields an account's posts as [`Post`](crate::model::Post)s,
//! reporting every record it cannot read as a [`ReadProblem`] (file, line,
//! what is wrong) instead of stopping or skipping silently. Local exports
//! are in [`file`](mod@file); HTML bodies become plain text in [`html`];
//! platform connectors (WeChat, Weibo, feeds, a unit's CMS) are in [`net`].

pub mod file;
pub mod html;
pub mod net;

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

/// A record or file a source could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// The file (or URL) at fault.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// What is wrong and what to do.
    pub message: String,
    /// True when the rest of the file could not be read either.
    pub fatal: bool,
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// China Standard Time, the offset assumed for times written without one.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// Parses a publication time: RFC 3339 (`2026-11-20T09:30:00+08:00`), or
/// `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DDTHH:MM[:SS]` / `YYYY-MM-DD` taken as
/// Asia/Shanghai time, or a Unix timestamp in seconds. Empty means unknown.
pub fn parse_time(s: &str) -> Result<Option<DateTime<FixedOffset>>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return local(n).map(Some);
        }
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return local(d.and_hms_opt(0, 0, 0).expect("midnight exists")).map(Some);
        }
    }
    if let Ok(secs) = s.parse::<i64>() {
        if let Some(t) = DateTime::from_timestamp(secs, 0) {
            return Ok(Some(t.with_timezone(&shanghai())));
        }
    }
    Err(format!(
        "`{s}` is not a time; use RFC 3339 (2026-11-20T09:30:00+08:00) or YYYY-MM-DD HH:MM:SS (Beijing time)"
    ))
}

fn local(n: NaiveDateTime) -> Result<DateTime<FixedOffset>, String> {
    shanghai()
        .from_local_datetime(&n)
        .single()
        .ok_or_else(|| format!("`{n}` does not exist in Beijing time"))
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times() {
        let t = parse_time("2026-11-20T09:30:00+08:00").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T09:30:00+08:00");
        let t = parse_time("2026-11-20 09:30").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T09:30:00+08:00");
        assert_eq!(parse_time("").unwrap(), None);
        assert!(parse_time("20 Nov").is_err());
        assert!(parse_time("2026-02-30").is_err());
    }
}
