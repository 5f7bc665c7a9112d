//! Reading back the officers' review sheet: the findings CSV
//! ([`crate::report::csv`]) after officers filled in 复核结论, 复核人, 复核日期,
//! 整改期限 and 备注 in Excel.
//!
//! Accepts what Excel writes: UTF-8 with or without BOM, or GB18030/GBK (a
//! Chinese Windows saving "CSV"); Chinese or English headers in any order;
//! re-quoted fields; the leading `'` of formula neutralisation; dates as
//! `2026-11-26`, `2026/11/26`, `2026.11.26` or `2026年11月26日`. Every row is
//! validated before anything is applied ([`plan`]); the caller applies the
//! accepted changes in one transaction only when no row was refused.
//! Cost: the file is read into memory once.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::model::{Review, ReviewStatus, Reviews};
use crate::report::csv::COLUMNS;

/// One row of the sheet that carries a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Row number as Excel shows it (the header is row 1).
    pub line: usize,
    /// The finding.
    pub fingerprint: String,
    /// The verdict cell as written (empty: keep the current status).
    pub verdict: String,
    /// 复核人.
    pub reviewer: String,
    /// 复核日期 as written.
    pub reviewed_at: String,
    /// 整改期限 as written.
    pub rectify_by: String,
    /// 备注.
    pub note: String,
}

/// Decodes the file's bytes: UTF-8 (BOM stripped) when valid, else GB18030.
/// Returns the text and the encoding name.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// A cell as the officer meant it: trimmed, without the `'` that
/// neutralisation (or Excel) put in front.
fn clean(cell: &str) -> String {
    let t = cell.trim();
    t.strip_prefix('\'').unwrap_or(t).trim().to_string()
}

/// Parses a date as Excel may have rewritten it; `None` when it is not one.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    let t = t.replace(['年', '月', '/', '.'], "-").replace('日', "");
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()
}

/// Reads the rows of a review sheet. Errors (no fingerprint column, a
/// malformed CSV line) say what to do.
pub fn read_sheet(text: &str) -> Result<Vec<SheetRow>, String> {
    let mut r = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .clone();
    let find = |en: &str| -> Option<usize> {
        let zh = COLUMNS.iter().find(|c| c.1 == en).map(|c| c.0)?;
        headers.iter().position(|h| {
            let h = clean(h);
            h == zh || h.eq_ignore_ascii_case(en)
        })
    };
    let fp = find("fingerprint").ok_or(
        "no 指纹 / fingerprint column: import the CSV written by `xunjian review export` or `xunjian scan` (keep its first column)",
    )?;
    let cols = [
        find("review_verdict"),
        find("reviewer"),
        find("review_date"),
        find("rectify_by"),
        find("review_note"),
    ];
    if cols[0].is_none() {
        return Err(
            "no 复核结论 / review_verdict column: keep the review columns of the exported sheet"
                .into(),
        );
    }
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("line {}: {e}", i + 2))?;
        // The row number Excel shows (the header is row 1).
        let line = i + 2;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(clean).unwrap_or_default();
        let fingerprint = get(Some(fp));
        if fingerprint.is_empty() && rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(SheetRow {
            line,
            fingerprint,
            verdict: get(cols[0]),
            reviewer: get(cols[1]),
            reviewed_at: get(cols[2]),
            rectify_by: get(cols[3]),
            note: get(cols[4]),
        });
    }
    Ok(rows)
}

/// What importing one row would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    /// The review changes from `from` to `to`.
    Change {
        /// State before.
        from: Box<Review>,
        /// State after.
        to: Box<Review>,
    },
    /// The row says what the database already holds.
    Unchanged,
    /// The row is refused, with why and what to do.
    Refused(String),
}

/// The plan of an import: one outcome per row, in file order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// (line, fingerprint, outcome).
    pub rows: Vec<(usize, String, RowOutcome)>,
}

impl Plan {
    /// True when some row was refused: nothing may be applied.
    pub fn refused(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.2, RowOutcome::Refused(_)))
            .count()
    }
}

/// Validates every row against the stored review states (`current`, by
/// fingerprint; a fingerprint absent there is unknown) and plans the changes.
pub fn plan(rows: &[SheetRow], current: &Reviews) -> Plan {
    let mut plan = Plan::default();
    let mut seen: HashMap<&str, (usize, Review)> = HashMap::new();
    for row in rows {
        let fp = row.fingerprint.as_str();
        let outcome = (|| {
            let Some(before) = current.get(fp) else {
                return RowOutcome::Refused(if fp.is_empty() {
                    "no fingerprint: keep the 指纹 column as exported".into()
                } else {
                    format!("unknown fingerprint `{fp}`: not a finding in this state database (was the sheet exported from another --db?)")
                });
            };
            let status = if row.verdict.is_empty() {
                before.status
            } else {
                match ReviewStatus::parse_verdict(&row.verdict) {
                    Some(s) => s,
                    None => {
                        return RowOutcome::Refused(format!(
                            "unknown verdict `{}`: write 确认违规, 误报, 已整改 or 待定 (confirmed, false positive, resolved, pending)",
                            row.verdict
                        ))
                    }
                }
            };
            let mut dates = [String::new(), String::new()];
            for (i, (name, v)) in [
                ("复核日期", &row.reviewed_at),
                ("整改期限", &row.rectify_by),
            ]
            .into_iter()
            .enumerate()
            {
                if !v.is_empty() {
                    match parse_date(v) {
                        Some(d) => dates[i] = d.format("%Y-%m-%d").to_string(),
                        None => {
                            return RowOutcome::Refused(format!(
                                "{name} `{v}` is not a date: write YYYY-MM-DD"
                            ))
                        }
                    }
                }
            }
            let [reviewed_at, rectify_by] = dates;
            let to = Review {
                status,
                reviewer: row.reviewer.clone(),
                reviewed_at,
                rectify_by,
                note: row.note.clone(),
                suppressed: None,
            };
            if let Some((line, other)) = seen.get(fp) {
                if *other != to {
                    return RowOutcome::Refused(format!(
                        "the same finding appears on row {line} with a different review: keep one row per finding"
                    ));
                }
            }
            seen.insert(fp, (row.line, to.clone()));
            let mut b = before.clone();
            b.suppressed = None;
            if b == to {
                RowOutcome::Unchanged
            } else {
                RowOutcome::Change {
                    from: Box::new(b),
                    to: Box::new(to),
                }
            }
        })();
        plan.rows.push((row.line, row.fingerprint.clone(), outcome));
    }
    // A duplicate that agrees changes nothing the first one does not.
    let mut applied: HashMap<String, usize> = HashMap::new();
    for (line, fp, o) in plan.rows.iter_mut() {
        if matches!(o, RowOutcome::Change { .. }) {
            if applied.contains_key(fp.as_str()) {
                *o = RowOutcome::Unchanged;
            } else {
                applied.insert(fp.clone(), *line);
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_excel_writes_them() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 6);
        for s in [
            "2026-11-06",
            "2026/11/6",
            "2026.11.06",
            "2026年11月6日",
            "2026/11/6 0:00",
        ] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("下周"), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn decodes_utf8_bom_and_gb18030() {
        assert_eq!(
            decode("\u{feff}指纹".as_bytes()),
            ("指纹".to_string(), "UTF-8")
        );
        let (gbk, _, _) = encoding_rs::GB18030.encode("复核结论,误报");
        assert_eq!(decode(&gbk), ("复核结论,误报".to_string(), "GB18030"));
    }

    #[test]
    fn english_headers_and_neutralised_cells() {
        let rows = read_sheet("fingerprint,review_verdict,reviewer\n'abc,Confirmed,x\n").unwrap();
        assert_eq!(rows[0].fingerprint, "abc");
        assert_eq!(rows[0].line, 2);
        let mut cur = Reviews::new();
        cur.insert("abc".into(), Review::default());
        let p = plan(&rows, &cur);
        assert_eq!(p.refused(), 0);
        assert!(
            matches!(&p.rows[0].2, RowOutcome::Change { to, .. } if to.status == ReviewStatus::Confirmed)
        );
    }
}
