//! Local exports: JSONL (one post per line) and CSV files.
//!
//! [`ExportReader`] streams posts one at a time, so an export of any size
//! is read in constant memory. A malformed record is reported with its file
//! and line and the reader moves on to the next one; a file that is not
//! UTF-8 is reported once and the reader moves on to the next file.
//!
//! JSONL fields: `id` (string or number, required), `title`, `text` or
//! `html` (HTML wins when both are given), `url`, `published_at`, `author`,
//! `comments` (an array of comment objects, see `parse_comments`); other
//! fields are ignored. CSV: a header row naming the same columns (CSV
//! exports carry no comments).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::html::html_to_text;
use super::{parse_time, ReadProblem};
use crate::model::{Comment, Post, SourceSpec};

/// The columns a CSV export may have.
pub const CSV_COLUMNS: [&str; 7] = [
    "id",
    "title",
    "text",
    "html",
    "url",
    "published_at",
    "author",
];

/// Streams the posts of one export source.
pub struct ExportReader {
    pending: VecDeque<PathBuf>,
    csv: bool,
    current: Option<Current>,
}

enum Current {
    Jsonl {
        shown: String,
        lines: BufReader<File>,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        shown: String,
        reader: Box<csv::Reader<File>>,
        columns: [Option<usize>; 7],
        record: csv::ByteRecord,
    },
}

impl ExportReader {
    /// Opens a source. A JSONL path may be a file or a folder (its `*.jsonl`
    /// files, in name order). Fails when the path does not exist or a folder
    /// holds no `*.jsonl` file.
    pub fn open(spec: &SourceSpec) -> Result<ExportReader, ReadProblem> {
        let (path, csv) = match spec {
            SourceSpec::Jsonl { path } => (path, false),
            SourceSpec::Csv { path } => (path, true),
            other => {
                return Err(ReadProblem {
                    file: crate::source::net::describe(other),
                    line: None,
                    message: "not an export source: this account is read over the network; \
                              fetch it with source::net::NetClient (see docs/CONNECTORS.md)"
                        .into(),
                    fatal: true,
                })
            }
        };
        let problem = |message: String| ReadProblem {
            file: path.display().to_string(),
            line: None,
            message,
            fatal: true,
        };
        let meta = std::fs::metadata(path).map_err(|e| {
            problem(format!(
                "cannot open the export: {e}; check `source.path` in the registry (relative paths are resolved against the registry's folder)"
            ))
        })?;
        let mut pending = VecDeque::new();
        if meta.is_dir() && !csv {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| problem(format!("cannot list the folder: {e}")))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(problem("the folder holds no *.jsonl file".into()));
            }
            pending.extend(files);
        } else if meta.is_dir() {
            return Err(problem("a csv source must be a file, not a folder".into()));
        } else {
            pending.push_back(path.clone());
        }
        Ok(ExportReader {
            pending,
            csv,
            current: None,
        })
    }

    fn open_next(&mut self) -> Option<Result<(), ReadProblem>> {
        let path = self.pending.pop_front()?;
        let shown = path.display().to_string();
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                return Some(Err(ReadProblem {
                    file: shown,
                    line: None,
                    message: format!("cannot open: {e}"),
                    fatal: true,
                }))
            }
        };
        if !self.csv {
            self.current = Some(Current::Jsonl {
                shown,
                lines: BufReader::new(file),
                line: 0,
                buf: Vec::new(),
            });
            return Some(Ok(()));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(file);
        let headers = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Some(Err(csv_problem(&shown, e, true))),
        };
        match csv_columns(&headers) {
            Ok(columns) => {
                self.current = Some(Current::Csv {
                    shown,
                    reader: Box::new(reader),
                    columns,
                    record: csv::ByteRecord::new(),
                });
                Some(Ok(()))
            }
            Err(message) => Some(Err(ReadProblem {
                file: shown,
                line: Some(1),
                message,
                fatal: true,
            })),
        }
    }
}

impl Iterator for ExportReader {
    type Item = Result<Post, ReadProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.current.is_none() {
                match self.open_next()? {
                    Ok(()) => {}
                    Err(p) => return Some(Err(p)),
                }
            }
            let cur = self.current.as_mut()?;
            let item = match cur {
                Current::Jsonl {
                    shown,
                    lines,
                    line,
                    buf,
                } => next_jsonl(shown, lines, line, buf),
                Current::Csv {
                    shown,
                    reader,
                    columns,
                    record,
                } => next_csv(shown, reader, columns, record),
            };
            match item {
                None => self.current = None,
                Some(Err(p)) if p.fatal => {
                    self.current = None;
                    return Some(Err(p));
                }
                Some(other) => return Some(other),
            }
        }
    }
}

#[derive(Deserialize)]
struct JsonPost {
    id: Option<serde_json::Value>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    published_at: Option<serde_json::Value>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    comments: Option<Vec<serde_json::Value>>,
}

fn next_jsonl(
    shown: &str,
    lines: &mut BufReader<File>,
    line: &mut u64,
    buf: &mut Vec<u8>,
) -> Option<Result<Post, ReadProblem>> {
    loop {
        buf.clear();
        match lines.read_until(b'\n', buf) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) => {
                return Some(Err(ReadProblem {
                    file: shown.to_string(),
                    line: Some(*line + 1),
                    message: format!("read error: {e}"),
                    fatal: true,
                }))
            }
        }
        *line += 1;
        let problem = |message: String, fatal: bool| ReadProblem {
            file: shown.to_string(),
            line: Some(*line),
            message,
            fatal,
        };
        // `simdutf8` checks a line of Chinese text several times faster
        // than the standard library; its `compat` flavour still says where
        // the first bad byte is.
        let text = match simdutf8::compat::from_utf8(buf) {
            Ok(t) => t,
            Err(e) => {
                return Some(Err(problem(
                    format!(
                        "not valid UTF-8 (byte {} of the line); the rest of this file was not read: re-export it as UTF-8",
                        e.valid_up_to() + 1
                    ),
                    true,
                )))
            }
        };
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let raw: JsonPost = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                return Some(Err(problem(
                    format!("not a JSON object: {e}; each line must hold one post object"),
                    false,
                )))
            }
        };
        let id = match raw.id {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => {
                return Some(Err(problem(
                    "missing `id`: every post needs its platform id".into(),
                    false,
                )))
            }
        };
        let published = match raw.published_at {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Some(Err(problem(
                    format!("`published_at` {other} is not a time"),
                    false,
                )));
            }
        };
        let comments = match raw.comments.map(|c| parse_comments(&c)).transpose() {
            Ok(c) => c.unwrap_or_default(),
            Err(m) => return Some(Err(problem(m, false))),
        };
        return Some(
            build_post(
                id,
                raw.title.unwrap_or_default(),
                raw.text,
                raw.html,
                raw.url.unwrap_or_default(),
                &published,
                raw.author.unwrap_or_default(),
            )
            .map(|mut p| {
                p.comments = comments;
                p
            })
            .map_err(|m| problem(m, false)),
        );
    }
}

/// The `comments` array of a JSONL post (see the module docs): each
/// comment an object with `id` (string or number), `text`, optional
/// `author`, `published_at`, `from_account` (bool), `reply_to` (id), and
/// optionally the account's reply nested as `reply` {`text`,
/// `published_at`, `author`} (WeChat's shape), which becomes a comment of
/// its own with the id `{id}.reply`. A bad comment rejects the record,
/// saying which comment and what is wrong. Also used for the `comments` of
/// the CMS JSON API (same shape).
pub fn parse_comments(items: &[serde_json::Value]) -> Result<Vec<Comment>, String> {
    use serde_json::Value;
    let mut out = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let at = |m: &str| format!("`comments[{n}]`: {m}");
        let Some(obj) = item.as_object() else {
            return Err(at(
                "not an object; each comment needs at least `id` and `text`",
            ));
        };
        let id = match obj.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(at("missing `id`: every comment needs its platform id")),
        };
        let string = |o: &serde_json::Map<String, Value>, key: &str| -> Result<String, String> {
            match o.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                Some(other) => Err(at(&format!("`{key}` {other} is not text"))),
            }
        };
        let time = |o: &serde_json::Map<String, Value>| -> Result<_, String> {
            let raw = string(o, "published_at")?;
            parse_time(&raw).map_err(|e| at(&format!("`published_at`: {e}")))
        };
        let text = string(obj, "text")?;
        if text.trim().is_empty() {
            return Err(at("missing `text`: a comment needs its text"));
        }
        let from_account = match obj.get("from_account") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(at(&format!("`from_account` {other} is not true or false"))),
        };
        let reply_to = Some(string(obj, "reply_to")?).filter(|r| !r.trim().is_empty());
        let published_at = time(obj)?;
        let author = string(obj, "author")?;
        let nested = match obj.get("reply") {
            None | Some(Value::Null) => None,
            Some(Value::Object(r)) => {
                let text = string(r, "text")?;
                if text.trim().is_empty() {
                    return Err(at("`reply` has no `text`"));
                }
                Some(Comment {
                    id: format!("{id}.reply"),
                    author: string(r, "author")?,
                    text,
                    published_at: time(r)?,
                    from_account: true,
                    reply_to: Some(id.clone()),
                })
            }
            Some(other) => return Err(at(&format!("`reply` {other} is not an object"))),
        };
        out.push(Comment {
            id,
            author,
            text,
            published_at,
            from_account,
            reply_to,
        });
        out.extend(nested);
    }
    Ok(out)
}

fn build_post(
    id: String,
    title: String,
    text: Option<String>,
    html: Option<String>,
    url: String,
    published_at: &str,
    author: String,
) -> Result<Post, String> {
    let published_at = parse_time(published_at).map_err(|e| format!("`published_at`: {e}"))?;
    let body = match (html.filter(|h| !h.trim().is_empty()), text) {
        (Some(h), _) => html_to_text(&h),
        (None, Some(t)) => t,
        (None, None) => {
            if title.trim().is_empty() {
                return Err("post has no `title`, `text` or `html`: nothing to scan".into());
            }
            String::new()
        }
    };
    Ok(Post {
        id,
        title: html_decode_title(title),
        text: body,
        url,
        published_at,
        author,
        truncated: false,
        comments: Vec::new(),
    })
}

/// Titles occasionally arrive with entities (`&amp;`); decode them through
/// the same HTML parser when they contain any.
fn html_decode_title(title: String) -> String {
    if title.contains('&') || title.contains('<') {
        html_to_text(&title)
    } else {
        title
    }
}

fn csv_columns(headers: &csv::ByteRecord) -> Result<[Option<usize>; 7], String> {
    let mut columns = [None; 7];
    for (i, h) in headers.iter().enumerate() {
        let h = std::str::from_utf8(h)
            .map_err(|_| "the header row is not UTF-8; save the file as UTF-8 CSV".to_string())?;
        let h = h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
        match CSV_COLUMNS.iter().position(|c| *c == h) {
            Some(k) if columns[k].is_some() => {
                return Err(format!("column `{h}` appears twice in the header row"))
            }
            Some(k) => columns[k] = Some(i),
            None => {
                return Err(format!(
                    "unknown column `{h}`; the header row may name {}",
                    CSV_COLUMNS.join(", ")
                ))
            }
        }
    }
    if columns[0].is_none() {
        return Err("the header row has no `id` column".into());
    }
    if columns[2].is_none() && columns[3].is_none() {
        return Err("the header row has neither a `text` nor an `html` column".into());
    }
    Ok(columns)
}

/// The physical line (1-based) that byte `offset` of `path` is on. The csv
/// crate's own line count skips line breaks inside quoted fields, which
/// would send a user to the wrong line; errors are rare, so re-reading the
/// file's head is affordable.
fn physical_line(path: &str, offset: u64) -> Option<u64> {
    use std::io::Read;
    let mut file = File::open(path).ok()?;
    let mut bom = [0u8; 3];
    let has_bom = file.read_exact(&mut bom).is_ok() && bom == [0xef, 0xbb, 0xbf];
    // The csv crate counts bytes after the BOM it strips.
    let offset = offset.saturating_sub(if has_bom { 0 } else { 3 });
    let mut head = Vec::new();
    file.take(offset).read_to_end(&mut head).ok()?;
    let leading = if has_bom {
        0
    } else {
        bom.iter().filter(|&&b| b == b'\n').count()
    };
    Some((head.iter().filter(|&&b| b == b'\n').count() + leading) as u64 + 1)
}

fn csv_problem(shown: &str, e: csv::Error, fatal: bool) -> ReadProblem {
    let line = e
        .position()
        .and_then(|p| physical_line(shown, p.byte()).or(Some(p.line())));
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "this row has {len} fields but the header row has {expected_len}; check its quoting (a field with a comma or line break must be in double quotes)"
        ),
        csv::ErrorKind::Io(io) => format!("read error: {io}"),
        _ => format!("malformed CSV: {e}"),
    };
    ReadProblem {
        file: shown.to_string(),
        line,
        message,
        fatal: fatal || e.is_io_error(),
    }
}

fn next_csv(
    shown: &str,
    reader: &mut csv::Reader<File>,
    columns: &[Option<usize>; 7],
    record: &mut csv::ByteRecord,
) -> Option<Result<Post, ReadProblem>> {
    match reader.read_byte_record(record) {
        Ok(false) => None,
        Err(e) => Some(Err(csv_problem(shown, e, false))),
        Ok(true) => {
            let line = record
                .position()
                .and_then(|p| physical_line(shown, p.byte()).or(Some(p.line())));
            let problem = |message: String, fatal: bool| ReadProblem {
                file: shown.to_string(),
                line,
                message,
                fatal,
            };
            let mut values: [Option<String>; 7] = Default::default();
            for (k, col) in columns.iter().enumerate() {
                if let Some(i) = col {
                    match std::str::from_utf8(&record[*i]) {
                        Ok(v) => values[k] = Some(v.to_string()),
                        Err(_) => {
                            return Some(Err(problem(
                                "not valid UTF-8; the rest of this file was not read: save it as UTF-8 CSV (Excel: \"CSV UTF-8\")".into(),
                                true,
                            )))
                        }
                    }
                }
            }
            let [id, title, text, html, url, published, author] = values;
            let id = id.unwrap_or_default();
            if id.trim().is_empty() {
                return Some(Err(problem(
                    "empty `id`: every post needs its platform id".into(),
                    false,
                )));
            }
            Some(
                build_post(
                    id.trim().to_string(),
                    title.unwrap_or_default(),
                    text.filter(|t| !t.is_empty()),
                    html,
                    url.unwrap_or_default(),
                    &published.unwrap_or_default(),
                    author.unwrap_or_default(),
                )
                .map_err(|m| problem(m, false)),
            )
        }
    }
}

/// Reads a whole draft file as one post (for `xunjian check`): HTML when
/// the name ends in `.html`/`.htm` or `html` is true, plain text otherwise.
pub fn read_draft(path: &Path, html: bool) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    draft_text(
        &bytes,
        html || path.extension().is_some_and(|x| x == "html" || x == "htm"),
    )
    .map_err(|m| format!("{}: {m}", path.display()))
}

/// Decodes a draft's bytes (UTF-8, BOM allowed) and converts HTML to text.
pub fn draft_text(bytes: &[u8], html: bool) -> Result<String, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 at byte {}; save the draft as UTF-8",
            e.valid_up_to()
        )
    })?;
    let text = text.trim_start_matches('\u{feff}');
    Ok(if html {
        html_to_text(text)
    } else {
        text.to_string()
    })
}
