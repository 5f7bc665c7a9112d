//! WeChat official accounts through the publish API:
//! `POST /cgi-bin/freepublish/batchget?access_token=…` with `offset`,
//! `count` (≤ 20) and `no_content = 0` in the JSON body.
//!
//! Every article (`news_item`) of a publish becomes its own post with id
//! `{article_id}_{n}` (`n` from 1, as in WeChat's `idx`); articles marked
//! `is_deleted` are recorded as deleted. The body HTML goes through
//! `source::html::html_to_text`. The publish's `update_time` is the post's
//! time (the API gives no other).
//!
//! Comments: the articles of publishes updated in the last
//! `comment_days` days (and comments open) get their comments from
//! `comment/list` (see [`comments`]); those publishes are read again on
//! every run even when the cursor has passed them, so new comments are
//! seen (the pipeline skips a post whose content and comments are
//! unchanged). Comment errors are warnings, never failures of the account.
//!
//! Incremental reads: the cursor keeps the newest `update_time` seen and
//! the publishes at that second. Pages are read from offset 0 (the list is
//! newest first in practice, though WeChat does not document it) until a
//! page holds nothing newer than the cursor (or `since`), the list ends, or
//! `max_pages` is reached. An edited publish gets a newer `update_time`, so
//! it is read and scanned again.

pub mod comments;
pub mod errors;
pub mod token;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use super::collect::{make_cursor, Collector};
use super::http::{base_url, Failure, Request, Response};
use super::{Inner, NetKind};
use crate::model::Post;
use crate::source::html::html_to_text;
use errors::{classify, errcode, Endpoint, Names};
use token::Creds;

/// The registry fields of a WeChat source.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// Names the variable holding the AppID.
    pub app_id_env: &'a str,
    /// Names the variable holding the AppSecret.
    pub app_secret_env: &'a str,
    /// The API base URL.
    pub base_url: &'a str,
}

/// The saved position: the newest `update_time` seen and the publishes
/// (article ids) with exactly that time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Cursor {
    update_time: i64,
    #[serde(default)]
    ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    total_count: u64,
    #[serde(default)]
    item: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Publish {
    article_id: String,
    #[serde(default)]
    update_time: i64,
    #[serde(default)]
    content: PublishContent,
}

#[derive(Debug, Default, Deserialize)]
struct PublishContent {
    #[serde(default)]
    news_item: Vec<NewsItem>,
}

#[derive(Debug, Deserialize)]
struct NewsItem {
    #[serde(default)]
    title: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    content_source_url: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    is_deleted: Value,
    #[serde(default)]
    need_open_comment: Value,
}

/// Reads a WeChat account's new articles into `c`; gives back the cursor
/// to save, or what went wrong and what to do.
pub async fn fetch(
    net: &Inner,
    spec: &Spec<'_>,
    cursor: Option<&Value>,
    since: Option<DateTime<FixedOffset>>,
    c: &mut Collector,
) -> Result<Option<Value>, String> {
    let names = Names {
        app_id_env: spec.app_id_env,
        app_secret_env: spec.app_secret_env,
    };
    let app_id = net.secret(spec.app_id_env, "the account's WeChat AppID")?;
    let secret = net.secret(spec.app_secret_env, "the account's WeChat AppSecret")?;
    c.redactor.add(&secret);
    let base = base_url(spec.base_url)?;
    let creds = Creds {
        base: &base,
        app_id: app_id.expose().to_string(),
        secret,
        names,
    };
    let old: Option<Cursor> = c.cursor(NetKind::Wechat, cursor);
    let since_ts = since.map(|s| s.timestamp());
    let bounded = old.is_some() || since_ts.is_some();
    let is_new = |t: i64, id: &str| {
        if let Some(o) = &old {
            if t < o.update_time || (t == o.update_time && o.ids.iter().any(|i| i == id)) {
                return false;
            }
        }
        since_ts.is_none_or(|s| t >= s)
    };

    // Publishes updated since this time are read again for their comments.
    let comment_from = (net.options.comment_days > 0)
        .then(|| chrono::Utc::now().timestamp() - i64::from(net.options.comment_days) * 86_400);
    let recent = |t: i64| comment_from.is_some_and(|f| t >= f) && since_ts.is_none_or(|s| t >= s);
    let mut reader = comments::Reader::default();

    let mut token = token::get(net, &creds, None, c).await.map_err(message)?;
    let count = net.options.wechat_page_size.clamp(1, 20);
    let mut newest = old.clone().unwrap_or_default();
    let mut offset: u64 = 0;
    let mut pages = 0;
    loop {
        if pages >= net.options.max_pages {
            c.problem(format!(
                "stopped after {pages} pages (max_pages); older articles were not read: raise the \
                 page budget or scan with --since"
            ));
            break;
        }
        let page = match batchget(net, &base, &token, offset, count, names, c).await {
            Err(Failure::TokenRejected(_)) => {
                token = token::get(net, &creds, Some(&token), c)
                    .await
                    .map_err(message)?;
                match batchget(net, &base, &token, offset, count, names, c).await {
                    Err(Failure::TokenRejected(m)) => {
                        return Err(format!(
                            "{m}; a fresh token was rejected too: check that the AppSecret in \
                             `{}` is current and that no other system resets this app's tokens",
                            spec.app_secret_env
                        ))
                    }
                    other => other.map_err(message)?,
                }
            }
            other => other.map_err(message)?,
        };
        pages += 1;
        let listed = page.item.len() as u64;
        let mut any_new = false;
        for raw in page.item {
            let publish: Publish = match serde_json::from_value(raw) {
                Ok(p) => p,
                Err(e) => {
                    c.problem(format!(
                        "a publish at offset {offset} could not be read ({e}); skipped"
                    ));
                    continue;
                }
            };
            let t = publish.update_time;
            if t > newest.update_time {
                newest = Cursor {
                    update_time: t,
                    ids: vec![publish.article_id.clone()],
                };
            } else if t == newest.update_time && !newest.ids.contains(&publish.article_id) {
                newest.ids.push(publish.article_id.clone());
            }
            let new = is_new(t, &publish.article_id);
            if !new && !recent(t) {
                continue;
            }
            any_new = true;
            let with_comments = recent(t);
            for (post, open) in articles(publish, new, c) {
                let mut post = post;
                let read = if with_comments && open {
                    attach_comments(net, &base, &creds, &mut token, &mut reader, &mut post, c).await
                } else {
                    false
                };
                // A known publish is read again only for its comments: when
                // they could not be read, it is left as the store has it.
                if new || read {
                    c.post(post);
                }
            }
        }
        offset += listed;
        let ended = listed == 0
            || listed < u64::from(count)
            || (page.total_count > 0 && offset >= page.total_count);
        if ended || (bounded && !any_new) {
            break;
        }
    }
    reader.finish(c);
    Ok(Some(make_cursor(NetKind::Wechat, &newest)))
}

/// Reads the comments of `post` into it; true when they were read. Every
/// failure becomes a warning (see [`comments`]); a rejected token is
/// refreshed once.
async fn attach_comments(
    net: &Inner,
    base: &Url,
    creds: &Creds<'_>,
    token: &mut super::Secret,
    reader: &mut comments::Reader,
    post: &mut Post,
    c: &mut Collector,
) -> bool {
    if reader.disabled {
        return false;
    }
    let Some(at) = reader.msg_ref(net, base, token, post, c).await else {
        reader.unmatched += 1;
        return false;
    };
    let mut refreshed = false;
    loop {
        match comments::list(net, base, token, at, c).await {
            Ok(list) => {
                post.comments = list;
                return true;
            }
            Err(comments::Stop::Article) => {
                reader.missing += 1;
                return false;
            }
            Err(comments::Stop::Token(m)) if !refreshed => {
                refreshed = true;
                match token::get(net, creds, Some(token), c).await {
                    Ok(t) => *token = t,
                    Err(f) => {
                        reader.disabled = true;
                        c.warning(format!(
                            "comments were not read: {m}; and a new token could not be had: {}",
                            message(f)
                        ));
                        return false;
                    }
                }
            }
            Err(comments::Stop::Token(m) | comments::Stop::Account(m)) => {
                reader.disabled = true;
                c.warning(format!(
                    "comments were not read for this account (its posts were): {m}"
                ));
                return false;
            }
        }
    }
}

fn message(f: Failure) -> String {
    match f {
        Failure::Transient { message, .. } | Failure::TokenRejected(message) => message,
        Failure::Fatal(m) => m,
    }
}

/// One `freepublish/batchget` page, retried on transient failures.
async fn batchget(
    net: &Inner,
    base: &Url,
    token: &super::Secret,
    offset: u64,
    count: u32,
    names: Names<'_>,
    c: &mut Collector,
) -> Result<Page, Failure> {
    let mut url = base
        .join("cgi-bin/freepublish/batchget")
        .map_err(|e| Failure::Fatal(format!("bad base_url: {e}")))?;
    url.query_pairs_mut()
        .append_pair("access_token", token.expose());
    let what = format!("WeChat freepublish/batchget offset {offset}");
    let body = json!({"offset": offset, "count": count, "no_content": 0});
    let req = Request::post_json(url, body, what.clone());
    let retry = &net.options.retry;
    net.http
        .call(NetKind::Wechat, &mut c.requests, &req, |resp| {
            parse_page(resp, &what, names, retry)
        })
        .await
}

fn parse_page(
    resp: Response,
    what: &str,
    names: Names<'_>,
    retry: &super::RetryPolicy,
) -> Result<Page, Failure> {
    let v: Value = match serde_json::from_slice(&resp.body) {
        Ok(v) => v,
        Err(e) => {
            return Err(Failure::from_status(&resp, what).unwrap_or_else(|| {
                Failure::Fatal(format!(
                    "{what}: malformed answer, not JSON ({e}): {}; the service may be \
                     misbehaving or base_url may point at something else",
                    resp.excerpt(120)
                ))
            }))
        }
    };
    if let Some(code) = errcode(&v).filter(|c| *c != 0) {
        let msg = v.get("errmsg").and_then(|m| m.as_str()).unwrap_or("");
        return Err(classify(code, msg, what, Endpoint::Api, names, retry));
    }
    if let Some(f) = Failure::from_status(&resp, what) {
        return Err(f);
    }
    if !resp.ok() {
        return Err(Failure::Fatal(format!(
            "{what}: HTTP {}: {}; check base_url",
            resp.status,
            resp.excerpt(120)
        )));
    }
    serde_json::from_value(v).map_err(|e| {
        Failure::Fatal(format!(
            "{what}: malformed answer ({e}); expected total_count, item_count and item[]"
        ))
    })
}

/// The articles of a publish as posts, each with whether its comments are
/// open (`need_open_comment`); deleted articles of a `new` publish are
/// recorded as such (a known one was counted when it was new).
fn articles(publish: Publish, new: bool, c: &mut Collector) -> Vec<(Post, bool)> {
    let mut out = Vec::new();
    let published_at = DateTime::from_timestamp(publish.update_time, 0)
        .map(|t| t.with_timezone(&crate::source::shanghai()));
    for (i, news) in publish.content.news_item.into_iter().enumerate() {
        let id = format!("{}_{}", publish.article_id, i + 1);
        if truthy(&news.is_deleted) {
            if new {
                c.deleted(id);
            }
            continue;
        }
        let (text, truncated) = match news.content.as_deref().map(str::trim) {
            Some(html) if !html.is_empty() => (html_to_text(html), false),
            // Without the body only the digest (≤ 54 characters) is known.
            _ => (news.digest.clone(), true),
        };
        let title = if news.title.contains('&') || news.title.contains('<') {
            html_to_text(&news.title)
        } else {
            news.title
        };
        let open = truthy(&news.need_open_comment);
        out.push((
            Post {
                id,
                title,
                text,
                url: if news.url.is_empty() {
                    news.content_source_url
                } else {
                    news.url
                },
                published_at,
                author: news.author,
                truncated,
                comments: Vec::new(),
            },
            open,
        ));
    }
    out
}

/// `true`, `1` or `"1"`/`"true"`.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}
