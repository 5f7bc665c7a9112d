//! RSS 2.0, Atom and JSON Feed sources: an RSSHub route (Toutiao accounts,
//! WeChat or Weibo mirrors), a unit's own site, or a local `file://` feed.
//!
//! The raw bytes go to `feed-rs` (it honours the XML prolog's encoding),
//! with sanitising off so nothing is removed before scanning. An item is
//! identified by its guid/id, else its link, else a hash of its title and
//! body. The body is `content:encoded` / Atom `content` when present, else
//! `description` / `summary`, converted from HTML to text.
//!
//! RSSHub answers errors with an HTML page (503 busy or upstream failure,
//! 403 rejected, 404 unknown route or empty account): those are errors,
//! never an empty feed. A 503 is retried, honouring `Retry-After` or
//! `Cache-Control: max-age`. A Toutiao article link marks the post
//! `truncated`: RSSHub gives only the abstract of Toutiao articles.
//!
//! The cursor keeps the ids of the items the feed listed; the next run
//! takes only items it has not seen.

use std::io::Read;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

use super::collect::{make_cursor, Collector};
use super::http::{cut, Failure, Request, Response};
use super::{Inner, NetKind};
use crate::model::Post;
use crate::source::html::html_to_text;

/// Item ids kept in the cursor at most (feeds list tens of items).
const MAX_CURSOR_IDS: usize = 2000;

/// The saved position: the ids the feed listed last time, and the newest
/// item time then (for information).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Cursor {
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    newest: Option<String>,
}

/// Reads a feed's new items into `c`; gives back the cursor to save, or
/// what went wrong and what to do.
pub async fn fetch(
    net: &Inner,
    url: &str,
    cursor: Option<&Value>,
    since: Option<DateTime<FixedOffset>>,
    c: &mut Collector,
) -> Result<Option<Value>, String> {
    let parsed = Url::parse(url.trim()).map_err(|e| {
        format!(
            "feed url `{}` is not a URL ({e}); fix source.url in the registry",
            super::secret::redact_url(url)
        )
    })?;
    let bytes = match parsed.scheme() {
        "file" => read_file(&parsed, net.options.max_response_bytes).await?,
        "http" | "https" => {
            let req = Request::get(parsed.clone(), "feed");
            let retry_cap = net.options.retry.max_delay;
            net.http
                .call(NetKind::Feed, &mut c.requests, &req, |resp| {
                    classify(resp, retry_cap)
                })
                .await
                .map_err(Failure::into_message)?
        }
        other => {
            return Err(format!(
                "feed url scheme `{other}` is not supported; use http(s):// or file://"
            ))
        }
    };
    let feed = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .id_generator(|_, _, _| String::new())
        .build()
        .parse(&bytes[..])
        .map_err(|e| {
            format!(
                "the answer is not an RSS/Atom/JSON feed ({e}); check source.url: {}",
                cut(
                    &String::from_utf8_lossy(&bytes[..bytes.len().min(400)]),
                    120
                )
            )
        })?;
    let old: Option<Cursor> = c.cursor(NetKind::Feed, cursor);
    let mut ids = Vec::new();
    let mut newest: Option<DateTime<FixedOffset>> = None;
    for entry in feed.entries {
        let post = to_post(entry);
        ids.push(post.id.clone());
        if let Some(t) = post.published_at {
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
        if old.as_ref().is_some_and(|o| o.ids.contains(&post.id)) {
            continue;
        }
        if let (Some(s), Some(t)) = (since, post.published_at) {
            if t < s {
                continue;
            }
        }
        c.post(post);
    }
    ids.truncate(MAX_CURSOR_IDS);
    let cur = Cursor {
        ids,
        newest: newest.map(|t| t.to_rfc3339()),
    };
    Ok(Some(make_cursor(NetKind::Feed, &cur)))
}

/// Reads a local feed file, refusing one larger than `max` bytes.
async fn read_file(url: &Url, max: u64) -> Result<Vec<u8>, String> {
    let path = url.to_file_path().map_err(|_| {
        "the file:// url has no usable local path; write file:///absolute/path".to_string()
    })?;
    tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)
            .map_err(|e| format!("cannot open the feed file {}: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the feed file {}: {e}", path.display()))?;
        if bytes.len() as u64 > max {
            return Err(format!(
                "the feed file {} is larger than {max} bytes (max_response_bytes)",
                path.display()
            ));
        }
        Ok(bytes)
    })
    .await
    .map_err(|e| format!("reading the feed file failed: {e}"))?
}

/// True when the body is an HTML page rather than a feed.
fn is_html(resp: &Response) -> bool {
    let start: String = String::from_utf8_lossy(&resp.body[..resp.body.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(20)
        .collect::<String>()
        .to_ascii_lowercase();
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return true;
    }
    let feedish = ["<?xml", "<rss", "<feed", "<rdf", "{"]
        .iter()
        .any(|p| start.starts_with(p));
    resp.content_type.contains("html") && !feedish
}

/// The visible text of an HTML error page, shortened.
fn page_text(resp: &Response) -> String {
    let text = html_to_text(&String::from_utf8_lossy(&resp.body));
    cut(&text.split_whitespace().collect::<Vec<_>>().join(" "), 200)
}

fn classify(resp: Response, retry_cap: std::time::Duration) -> Result<Vec<u8>, Failure> {
    let what = "feed";
    if resp.status == 503 {
        return Err(Failure::Transient {
            message: format!(
                "{what}: HTTP 503 (RSSHub: upstream failure or busy): {}",
                page_text(&resp)
            ),
            wait: resp
                .retry_after
                .or(resp.cache_max_age.map(|a| a.min(retry_cap))),
        });
    }
    if let Some(f) = Failure::from_status(&resp, what) {
        return Err(f);
    }
    match resp.status {
        200..=299 if is_html(&resp) => Err(Failure::Fatal(format!(
            "{what}: the URL answered with an HTML page, not a feed: \"{}\"; check source.url \
             (an RSSHub error page is not an empty feed)",
            page_text(&resp)
        ))),
        200..=299 => Ok(resp.body),
        403 => Err(Failure::Fatal(format!(
            "{what}: HTTP 403, the route was refused: \"{}\"; the upstream account may be \
             unavailable or the RSSHub instance may need cookies or an access key",
            page_text(&resp)
        ))),
        404 => Err(Failure::Fatal(format!(
            "{what}: HTTP 404: \"{}\"; check source.url (RSSHub also answers 404 for an account \
             that has published nothing)",
            page_text(&resp)
        ))),
        s => Err(Failure::Fatal(format!(
            "{what}: HTTP {s}: \"{}\"; check source.url",
            page_text(&resp)
        ))),
    }
}

fn text_of(content: &str, content_type: &str) -> String {
    if content_type.contains("plain") {
        content.trim().to_string()
    } else {
        html_to_text(content)
    }
}

fn to_post(entry: feed_rs::model::Entry) -> Post {
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .map(|l| l.href.trim().to_string())
        .unwrap_or_default();
    let title = entry
        .title
        .as_ref()
        .map(|t| text_of(&t.content, t.content_type.as_str()))
        .unwrap_or_default();
    let body = entry
        .content
        .as_ref()
        .and_then(|c| {
            c.body
                .as_deref()
                .filter(|b| !b.trim().is_empty())
                .map(|b| text_of(b, c.content_type.as_str()))
        })
        .or_else(|| {
            entry
                .summary
                .as_ref()
                .map(|s| text_of(&s.content, s.content_type.as_str()))
        })
        .unwrap_or_default();
    let id = if !entry.id.trim().is_empty() {
        entry.id.trim().to_string()
    } else if !link.is_empty() {
        link.clone()
    } else {
        let digest = Sha256::digest(format!("{title}\n{body}").as_bytes());
        let hex = crate::engine::findings::hex(&digest[..12]);
        format!("sha256:{hex}")
    };
    let published_at = entry
        .published
        .or(entry.updated)
        .map(|t| t.with_timezone(&crate::source::shanghai()));
    let author = entry
        .authors
        .iter()
        .filter_map(|a| a.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Post {
        truncated: link.contains("toutiao.com/article/"),
        comments: Vec::new(),
        id,
        title,
        text: body,
        url: link,
        published_at,
        author,
    }
}
