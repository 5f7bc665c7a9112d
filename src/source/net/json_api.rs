//! A unit's own CMS through the JSON contract of `docs/CONNECTORS.md`
//! (platform-apis.md §6):
//!
//! `GET {base_url}?limit=N[&cursor=C | &updated_since=RFC3339]`, with
//! `Authorization: Bearer <token>` when the registry names a `token_env`,
//! answering `{"items": [{id, title, content_html, url, author,
//! published_at, updated_at, status, comments}], "next_cursor": "…" | null}`.
//! `comments` is optional, in the shape of the JSONL exports (README, "Export
//! format": `id`, `text`, `author`, `published_at`, `from_account`,
//! `reply_to`, or a nested `reply`); an item with a bad comment is skipped
//! with a problem naming the comment.
//!
//! Pages follow `next_cursor` until a page is empty or has no next cursor.
//! Items with `status` `deleted`, `withdrawn`, `removed` or `unpublished`
//! are recorded as deleted; any other status is scanned. The cursor keeps
//! the last `next_cursor` and the newest `updated_at`, so the next run
//! resumes where this one stopped.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::collect::{make_cursor, Collector};
use super::http::{cut, Failure, Request, Response};
use super::{Inner, NetKind};
use crate::model::Post;
use crate::source::html::html_to_text;
use crate::source::parse_time;

/// Statuses that mean the item is no longer published.
const DELETED: [&str; 4] = ["deleted", "withdrawn", "removed", "unpublished"];

/// The saved position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Cursor {
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    updated_since: Option<String>,
}

struct Page {
    items: Vec<Value>,
    next_cursor: Option<String>,
}

/// Reads a CMS's new items into `c`; gives back the cursor to save, or
/// what went wrong and what to do.
pub async fn fetch(
    net: &Inner,
    base_url: &str,
    token_env: Option<&str>,
    cursor: Option<&Value>,
    since: Option<DateTime<FixedOffset>>,
    c: &mut Collector,
) -> Result<Option<Value>, String> {
    let token = match token_env {
        Some(name) => {
            let t = net.secret(name, "the CMS API token")?;
            c.redactor.add(&t);
            Some(t)
        }
        None => None,
    };
    let endpoint = url::Url::parse(base_url.trim()).map_err(|e| {
        format!(
            "base_url `{}` is not a URL ({e})",
            super::secret::redact_url(base_url)
        )
    })?;
    let old: Option<Cursor> = c.cursor(NetKind::JsonApi, cursor);
    let mut next = old.as_ref().and_then(|o| o.next_cursor.clone());
    let updated_since = match (&next, old.as_ref().and_then(|o| o.updated_since.clone())) {
        (Some(_), _) => None,
        (None, Some(u)) => Some(u),
        (None, None) => since.map(|s| s.to_rfc3339()),
    };
    let mut newest: Option<DateTime<FixedOffset>> = old
        .as_ref()
        .and_then(|o| o.updated_since.as_deref())
        .and_then(|u| DateTime::parse_from_rfc3339(u).ok());
    let mut resume = next.clone();
    let limit = net.options.json_api_page_size.max(1);
    let mut pages = 0;
    loop {
        if pages >= net.options.max_pages {
            c.problem(format!(
                "stopped after {pages} pages (max_pages); the next run continues from here"
            ));
            break;
        }
        let mut url = endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("limit", &limit.to_string());
            match (&next, &updated_since) {
                (Some(cur), _) => {
                    q.append_pair("cursor", cur);
                }
                (None, Some(u)) => {
                    q.append_pair("updated_since", u);
                }
                (None, None) => {}
            }
        }
        let what = format!("CMS page {}", pages + 1);
        let mut req = Request::get(url, what.clone());
        req.bearer = token.clone();
        let page = net
            .http
            .call(NetKind::JsonApi, &mut c.requests, &req, |resp| {
                parse_page(resp, &what, token_env)
            })
            .await
            .map_err(Failure::into_message)?;
        pages += 1;
        let empty = page.items.is_empty();
        for item in page.items {
            match to_item(&item) {
                Ok((Some(post), updated)) => {
                    newest = max_time(newest, updated.or(post.published_at));
                    if let (Some(s), Some(t)) = (since, post.published_at) {
                        if t < s {
                            continue;
                        }
                    }
                    c.post(post);
                }
                Ok((None, updated)) => {
                    newest = max_time(newest, updated);
                    if let Some(id) = id_of(&item) {
                        c.deleted(id);
                    }
                }
                Err(m) => c.problem(m),
            }
        }
        match page.next_cursor {
            Some(n) => {
                let same = Some(&n) == next.as_ref();
                resume = Some(n.clone());
                next = Some(n);
                if same || empty {
                    break;
                }
            }
            None => {
                // The CMS gave no continuation: resume by updated_since.
                resume = None;
                break;
            }
        }
    }
    let cur = Cursor {
        next_cursor: resume,
        updated_since: newest.map(|t| t.to_rfc3339()),
    };
    Ok(Some(make_cursor(NetKind::JsonApi, &cur)))
}

fn max_time(
    a: Option<DateTime<FixedOffset>>,
    b: Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn id_of(item: &Value) -> Option<String> {
    match item.get("id")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_field(item: &Value, key: &str) -> String {
    item.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

/// One item: `Some(post)` to scan, `None` when deleted, with its
/// `updated_at`; an error message for an unreadable item.
#[allow(clippy::type_complexity)]
fn to_item(item: &Value) -> Result<(Option<Post>, Option<DateTime<FixedOffset>>), String> {
    let Some(id) = id_of(item) else {
        return Err(format!(
            "an item without `id` was skipped: {}",
            cut(&item.to_string(), 120)
        ));
    };
    let time = |key: &str| -> Result<Option<DateTime<FixedOffset>>, String> {
        match item.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                parse_time(s).map_err(|e| format!("item `{id}`: `{key}`: {e}; skipped"))
            }
            Some(Value::Number(n)) => parse_time(&n.to_string())
                .map_err(|e| format!("item `{id}`: `{key}`: {e}; skipped")),
            Some(other) => Err(format!(
                "item `{id}`: `{key}` {other} is not a time; skipped"
            )),
        }
    };
    let published_at = time("published_at")?;
    let updated_at = time("updated_at")?;
    let status = str_field(item, "status").to_ascii_lowercase();
    if DELETED.contains(&status.as_str()) {
        return Ok((None, updated_at));
    }
    let comments = match item.get("comments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => crate::source::file::parse_comments(list)
            .map_err(|e| format!("item `{id}`: {e}; skipped"))?,
        Some(other) => {
            return Err(format!(
                "item `{id}`: `comments` {} is not a list; skipped",
                cut(&other.to_string(), 60)
            ))
        }
    };
    let title = str_field(item, "title");
    let html = str_field(item, "content_html");
    if title.trim().is_empty() && html.trim().is_empty() {
        return Err(format!(
            "item `{id}` has neither `title` nor `content_html`: nothing to scan; skipped"
        ));
    }
    Ok((
        Some(Post {
            id,
            title: if title.contains('&') || title.contains('<') {
                html_to_text(&title)
            } else {
                title
            },
            text: html_to_text(&html),
            url: str_field(item, "url"),
            published_at,
            author: str_field(item, "author"),
            truncated: false,
            comments,
        }),
        updated_at,
    ))
}

fn parse_page(resp: Response, what: &str, token_env: Option<&str>) -> Result<Page, Failure> {
    if let Some(f) = Failure::from_status(&resp, what) {
        return Err(f);
    }
    if resp.status == 401 || resp.status == 403 {
        return Err(Failure::Fatal(match token_env {
            Some(env) => format!(
                "{what}: HTTP {}: the CMS refused the token in `{env}`; put a valid API token in \
                 `{env}`",
                resp.status
            ),
            None => format!(
                "{what}: HTTP {}: the CMS wants credentials; add token_env to the account's \
                 [account.source] and set that variable",
                resp.status
            ),
        }));
    }
    if !resp.ok() {
        return Err(Failure::Fatal(format!(
            "{what}: HTTP {}: {}; check base_url",
            resp.status,
            resp.excerpt(120)
        )));
    }
    let v: Value = serde_json::from_slice(&resp.body).map_err(|e| {
        Failure::Fatal(format!(
            "{what}: malformed answer, not JSON ({e}): {}; check base_url and the CMS",
            resp.excerpt(120)
        ))
    })?;
    if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
        let msg = err.as_str().map(str::to_string).unwrap_or(err.to_string());
        return Err(Failure::Fatal(format!(
            "{what}: the CMS reported an error: {}",
            cut(&msg, 200)
        )));
    }
    let Some(items) = v.get("items").and_then(|i| i.as_array()) else {
        return Err(Failure::Fatal(format!(
            "{what}: malformed answer: no `items` list; the CMS must follow the contract in \
             docs/CONNECTORS.md"
        )));
    };
    let next_cursor = v
        .get("next_cursor")
        .and_then(|n| n.as_str())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Ok(Page {
        items: items.clone(),
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_carry_optional_comments() {
        let item = serde_json::json!({
            "id": 7, "title": "通知", "content_html": "<p>正文</p>",
            "comments": [
                {"id": "c1", "text": "请问几点开门？", "published_at": "2026-11-20 10:00"},
                {"id": "c2", "text": "九点。", "from_account": true, "reply_to": "c1"}
            ]
        });
        let (post, _) = to_item(&item).unwrap();
        let post = post.unwrap();
        assert_eq!(post.comments.len(), 2);
        assert_eq!(post.comments[1].reply_to.as_deref(), Some("c1"));
        assert!(post.comments[1].from_account);
        let bad = serde_json::json!({"id": 8, "title": "x", "comments": [{"text": "no id"}]});
        let e = to_item(&bad).unwrap_err();
        assert!(
            e.contains("item `8`") && e.contains("`comments[0]`: missing `id`"),
            "{e}"
        );
        let not_list = serde_json::json!({"id": 9, "title": "x", "comments": "none"});
        assert!(to_item(&not_list).unwrap_err().contains("not a list"));
    }
}
