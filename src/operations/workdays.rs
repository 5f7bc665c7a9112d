//! The working-day calendar deadlines are counted in: Monday to Friday,
//! minus public holidays, plus the make-up working days (调休) on which
//! offices open on a Saturday or Sunday.
//!
//! Pure: [`Calendar::parse`] takes the holiday file's text (the CLI reads
//! the file). The format, one entry per line:
//!
//! ```text
//! # 2026 national holidays (国务院办公厅通知)
//! 2026-10-01          # a holiday: not a working day
//! 2026-10-02 国庆节    # anything after the date is a note
//! 2026-10-01..2026-10-08   # a range of holidays, both ends included
//! +2026-10-10         # a make-up working day (调休上班), even on a weekend
//! 2026-10-10 work     # the same, written as a word (also 班 or 上班)
//! ```
//!
//! Blank lines and `#` comments are ignored. A line that is not one of
//! these, an impossible date, a range that ends before it starts, or a date
//! listed both as a holiday and as a working day is an error naming the
//! file and line.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Which days are working days. Cheap to query (two set look-ups).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

/// Ranges longer than this in a holiday file are refused as typos.
const MAX_RANGE_DAYS: i64 = 366;

impl Calendar {
    /// Weekends off, no holidays.
    pub fn weekends_only() -> Calendar {
        Calendar::default()
    }

    /// Reads a holiday file's `text` (see the module docs); `file` names it
    /// in errors. Every bad line is reported, as `file:line: what is wrong`.
    pub fn parse(text: &str, file: &str) -> Result<Calendar, Vec<String>> {
        let mut cal = Calendar::default();
        let mut errors = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            let line = line.trim_start_matches('\u{feff}');
            if line.is_empty() {
                continue;
            }
            match parse_line(line) {
                Ok(Entry::Holidays(from, to)) => {
                    let mut d = from;
                    while d <= to {
                        cal.holidays.insert(d);
                        d += Duration::days(1);
                    }
                }
                Ok(Entry::Workday(d)) => {
                    cal.workdays.insert(d);
                }
                Err(e) => errors.push(format!("{file}:{line_no}: {e}")),
            }
        }
        for d in cal.holidays.intersection(&cal.workdays) {
            errors.push(format!(
                "{file}: {d} is listed both as a holiday and as a make-up working day; keep one"
            ));
        }
        if errors.is_empty() {
            Ok(cal)
        } else {
            Err(errors)
        }
    }

    /// True when offices are open on `d`: a make-up working day, or a
    /// weekday that is not a holiday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The `n`-th working day after `d` (`d` itself not counted; `n = 0`
    /// gives `d`). Cost: one step per calendar day crossed.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`): how many working days something raised on `from`
    /// has waited by `to`. Cost: one step per calendar day.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    /// Holidays listed (for messages and tests).
    pub fn holiday_count(&self) -> usize {
        self.holidays.len()
    }
}

enum Entry {
    Holidays(NaiveDate, NaiveDate),
    Workday(NaiveDate),
}

fn parse_line(line: &str) -> Result<Entry, String> {
    let (first, rest) = match line.split_once(char::is_whitespace) {
        Some((a, b)) => (a, b.trim()),
        None => (line, ""),
    };
    if let Some(d) = first.strip_prefix('+') {
        return date(d).map(Entry::Workday);
    }
    let marker = rest.split_whitespace().next().unwrap_or("");
    let is_work = matches!(
        marker.to_ascii_lowercase().as_str(),
        "work" | "workday" | "班" | "上班" | "调休上班"
    );
    if let Some((a, b)) = first.split_once("..") {
        if is_work {
            return Err(
                "a range cannot be a make-up working day; list those days one by one with `+`"
                    .into(),
            );
        }
        let (from, to) = (date(a)?, date(b)?);
        if to < from {
            return Err(format!("the range {from}..{to} ends before it starts"));
        }
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(format!(
                "the range {from}..{to} is longer than a year; is one of the dates a typo?"
            ));
        }
        return Ok(Entry::Holidays(from, to));
    }
    let d = date(first)?;
    Ok(if is_work {
        Entry::Workday(d)
    } else {
        Entry::Holidays(d, d)
    })
}

fn date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .map_err(|_| {
            format!(
                "`{s}` is not a date: write YYYY-MM-DD (a holiday), YYYY-MM-DD..YYYY-MM-DD (holidays), \
                 or +YYYY-MM-DD (a make-up working day)"
            )
        })
}
