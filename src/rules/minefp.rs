//! `xunjian rules mine-fp`: run the packs over a corpus of clean text and
//! list the most frequent hits with contexts and candidate allow phrases,
//! for maintainers to review (every hit on clean text is a false positive).
//!
//! Input: a text file with one document a line, or a CSV file (`.csv`) with
//! a header and a text column (`TEXT` by default), e.g. the COLD dataset's
//! `,split,topic,label,TEXT`; `--label 0` keeps only rows whose `label`
//! column is `0`.

use std::collections::HashMap;
use std::path::Path;

use crate::engine::{Engine, Scratch};
use crate::model::Post;

/// One document of a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// The text.
    pub text: String,
    /// The `label` column, for CSV input that has one.
    pub label: Option<String>,
}

/// Reads a corpus: CSV (by extension) with a header and a `column` text
/// column, or plain text one document a line. `label`, when given, keeps
/// only CSV rows whose `label` column equals it.
///
/// Cost: the whole file in memory. Errors say which column is missing.
pub fn read_docs(path: &Path, column: &str, label: Option<&str>) -> Result<Vec<Doc>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let src = String::from_utf8_lossy(&raw);
    let src = src.trim_start_matches('\u{feff}');
    let is_csv = path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("csv"));
    if !is_csv {
        if label.is_some() {
            return Err("--label needs CSV input with a `label` column (a .csv file)".to_string());
        }
        return Ok(src
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| Doc {
                text: l.to_string(),
                label: None,
            })
            .collect());
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(src.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| format!("{}: cannot read the CSV header: {e}", path.display()))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let ti = find(column).ok_or_else(|| {
        format!(
            "{}: no `{column}` column (columns: {}); pick the text column with --column",
            path.display(),
            headers.iter().collect::<Vec<_>>().join(", ")
        )
    })?;
    let li = find("label");
    if label.is_some() && li.is_none() {
        return Err(format!(
            "{}: --label given but there is no `label` column",
            path.display()
        ));
    }
    let mut docs = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let l = li.and_then(|i| rec.get(i)).map(|s| s.trim().to_string());
        if let Some(want) = label {
            if l.as_deref() != Some(want) {
                continue;
            }
        }
        docs.push(Doc {
            text: rec.get(ti).unwrap_or("").to_string(),
            label: l,
        });
    }
    Ok(docs)
}

/// The hits of one (rule, normalized match) over a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mined {
    /// Rule id.
    pub rule: String,
    /// The match, normalized.
    pub normalized: String,
    /// Hits.
    pub hits: usize,
    /// Documents with at least one hit.
    pub docs: usize,
    /// Up to three contexts (the hit in `【】`).
    pub contexts: Vec<String>,
    /// Candidate allow phrases: the most frequent 4–8 character windows
    /// around the hit, with how many hits each would cancel.
    pub suggestions: Vec<(String, usize)>,
}

/// Scans every document and groups the hits by (rule, normalized match),
/// most frequent first.
///
/// Cost: one engine scan per document plus, per hit, up to 25 windows.
pub fn mine(engine: &Engine, docs: &[Doc]) -> Vec<Mined> {
    struct Acc {
        hits: usize,
        docs: usize,
        contexts: Vec<String>,
        windows: HashMap<String, usize>,
    }
    let mut scratch = Scratch::new();
    let mut acc: HashMap<(usize, String), Acc> = HashMap::new();
    for d in docs {
        let post = Post::from_text("doc", "", &d.text);
        let mut seen = std::collections::HashSet::new();
        for h in engine.hits(&post, &mut scratch) {
            let key = (h.rule, h.normalized.clone());
            let a = acc.entry(key.clone()).or_insert_with(|| Acc {
                hits: 0,
                docs: 0,
                contexts: Vec::new(),
                windows: HashMap::new(),
            });
            a.hits += 1;
            if seen.insert(key) {
                a.docs += 1;
            }
            let t = &d.text;
            if a.contexts.len() < 3 {
                a.contexts.push(context(t, h.start, h.end, 15));
            }
            for w in windows(t, h.start, h.end) {
                *a.windows.entry(w).or_insert(0) += 1;
            }
        }
    }
    let mut out: Vec<Mined> = acc
        .into_iter()
        .map(|((rule, normalized), a)| {
            let mut s: Vec<(String, usize)> =
                a.windows.into_iter().filter(|(_, n)| *n >= 2).collect();
            // Most hits cancelled first, then the shortest phrase.
            s.sort_by(|x, y| {
                y.1.cmp(&x.1)
                    .then(x.0.chars().count().cmp(&y.0.chars().count()))
                    .then(x.0.cmp(&y.0))
            });
            s.truncate(3);
            Mined {
                rule: engine.rules.rules[rule].id.clone(),
                normalized,
                hits: a.hits,
                docs: a.docs,
                contexts: a.contexts,
                suggestions: s,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.docs
            .cmp(&a.docs)
            .then(a.rule.cmp(&b.rule))
            .then(a.normalized.cmp(&b.normalized))
    });
    out
}

/// `width` characters either side of the hit, the hit in `【】`, one line.
fn context(t: &str, start: usize, end: usize, width: usize) -> String {
    let before: String = {
        let v: Vec<char> = t[..start].chars().rev().take(width).collect();
        v.into_iter().rev().collect()
    };
    let after: String = t[end..].chars().take(width).collect();
    format!("{before}【{}】{after}", &t[start..end]).replace(['\n', '\r'], " ")
}

/// Every window of 4–8 characters (at least one more than the hit) that
/// contains the hit and holds only letters and digits.
fn windows(t: &str, start: usize, end: usize) -> Vec<String> {
    let hit: Vec<char> = t[start..end].chars().collect();
    let before: Vec<char> = t[..start]
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric())
        .take(7)
        .collect();
    let after: Vec<char> = t[end..]
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .take(7)
        .collect();
    let min = 4.max(hit.len() + 1);
    let max = 8.max(hit.len() + 2);
    let mut out = Vec::new();
    for b in 0..=before.len() {
        for a in 0..=after.len() {
            let n = hit.len() + a + b;
            if n < min || n > max {
                continue;
            }
            let mut s: String = before[..b].iter().rev().collect();
            s.extend(hit.iter());
            s.extend(after[..a].iter());
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::windows;

    #[test]
    fn windows_contain_the_hit_and_stop_at_punctuation() {
        let t = "他说，卧槽真好";
        let s = t.find("卧槽").unwrap();
        let w = windows(t, s, s + "卧槽".len());
        assert!(w.contains(&"卧槽真好".to_string()));
        assert!(w.iter().all(|x| x.contains("卧槽") && !x.contains('，')));
    }
}
