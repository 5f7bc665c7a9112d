//! Weibo accounts through `GET /2/statuses/user_timeline.json` with the
//! account owner's OAuth2 access token (Weibo only serves a token's own
//! timeline).
//!
//! Pages go from newest to oldest with `max_id` (inclusive, so the next
//! page asks for `oldest id − 1`); `since_id` (from the cursor) limits a
//! run to posts newer than the last one seen. Reading stops at an empty
//! page, a short page (unless Weibo says it hid some with `hasvisible`),
//! a post older than `since`, or `max_pages`.
//!
//! A post cut by the timeline (`isLongText`, or a `全文：` link) is kept as
//! `truncated`: only its preview is scanned. A repost carries the reposted
//! text after `//转发原文`, so what the account spread is scanned too.
//! `error_code` is accepted as a number or a string.
//!
//! Comments: statuses published in the last `comment_days` days with
//! comments get them from `comments/show` (see `CommentReader`); when the
//! cursor's newest status is itself that recent, the timeline is paged
//! again from it back to the window's start, so new comments on known
//! posts are seen (the pipeline skips a post whose content and comments
//! are unchanged). Comment errors are warnings, never failures.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::collect::{make_cursor, Collector};
use super::http::{base_url, cut, Failure, Request, Response};
use super::{Inner, NetKind, RetryPolicy};
use crate::model::Post;
use crate::source::html::html_to_text;

/// The registry fields of a Weibo source.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// The account's numeric uid.
    pub uid: &'a str,
    /// Names the variable holding the access token.
    pub access_token_env: &'a str,
    /// The API base URL.
    pub base_url: &'a str,
}

/// The saved position: the newest status id seen (a string: ids exceed
/// what JSON numbers carry safely in other languages).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Cursor {
    #[serde(default)]
    since_id: String,
    /// Unix time of that status, when known: tells whether the posts
    /// behind the cursor are recent enough to be read again for comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    newest_at: Option<i64>,
}

struct Page {
    statuses: Vec<Value>,
    hasvisible: bool,
}

/// Reads a Weibo account's new posts into `c`; gives back the cursor to
/// save, or what went wrong and what to do.
pub async fn fetch(
    net: &Inner,
    spec: &Spec<'_>,
    cursor: Option<&Value>,
    since: Option<DateTime<FixedOffset>>,
    c: &mut Collector,
) -> Result<Option<Value>, String> {
    let token = net.secret(
        spec.access_token_env,
        "the account owner's Weibo OAuth2 access token",
    )?;
    c.redactor.add(&token);
    let base = base_url(spec.base_url)?;
    let endpoint = base
        .join("2/statuses/user_timeline.json")
        .map_err(|e| format!("bad base_url: {e}"))?;
    let old: Option<Cursor> = c.cursor(NetKind::Weibo, cursor);
    let since_id: Option<u64> = old.as_ref().and_then(|o| o.since_id.parse().ok());
    let count = net.options.weibo_page_size.clamp(1, 100);
    let mut newest = since_id;
    let mut newest_at = old.as_ref().and_then(|o| o.newest_at);
    let comment_from = (net.options.comment_days > 0)
        .then(|| chrono::Utc::now().timestamp() - i64::from(net.options.comment_days) * 86_400);
    let mut comments = CommentReader::default();
    let mut max_id: Option<u64> = None;
    let mut pages = 0;
    loop {
        if pages >= net.options.max_pages {
            c.problem(format!(
                "stopped after {pages} pages (max_pages); older posts were not read: raise the \
                 page budget or scan with --since"
            ));
            break;
        }
        let mut url = endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("access_token", token.expose())
                .append_pair("uid", spec.uid)
                .append_pair("count", &count.to_string());
            if let Some(s) = since_id {
                q.append_pair("since_id", &s.to_string());
            }
            if let Some(m) = max_id {
                q.append_pair("max_id", &m.to_string());
            }
        }
        let what = match max_id {
            Some(m) => format!("Weibo user_timeline max_id {m}"),
            None => "Weibo user_timeline".to_string(),
        };
        let req = Request::get(url, what.clone());
        let retry = &net.options.retry;
        let page = net
            .http
            .call(NetKind::Weibo, &mut c.requests, &req, |resp| {
                parse_page(resp, &what, spec, retry)
            })
            .await
            .map_err(Failure::into_message)?;
        pages += 1;
        if page.statuses.is_empty() {
            break;
        }
        let listed = page.statuses.len();
        let mut oldest = u64::MAX;
        let mut reached_since = false;
        for status in page.statuses {
            let Some(id) = status_id(&status) else {
                c.problem(format!(
                    "a status without a usable id was skipped: {}",
                    cut(&status.to_string(), 120)
                ));
                continue;
            };
            oldest = oldest.min(id);
            let created = created_at(&status);
            if newest.is_none_or(|n| id > n) {
                newest = Some(id);
                newest_at = created.map(|t| t.timestamp());
            }
            if since_id.is_some_and(|s| id <= s) {
                continue;
            }
            if let (Some(s), Some(t)) = (since, created) {
                if t < s {
                    reached_since = true;
                    continue;
                }
            }
            if truthy(status.get("deleted")) {
                c.deleted(id.to_string());
                continue;
            }
            let mut post = to_post(id, &status, created, spec.uid);
            if wants_comments(&status, created, comment_from) {
                comments
                    .attach(net, &token, &base, spec, &mut post, c)
                    .await;
            }
            c.post(post);
        }
        if reached_since || oldest == u64::MAX || oldest == 0 {
            break;
        }
        if (listed as u32) < count && !page.hasvisible {
            break;
        }
        if max_id.is_some_and(|m| oldest > m) {
            c.problem(
                "Weibo ignored max_id (a page repeated); stopped paging to avoid a loop"
                    .to_string(),
            );
            break;
        }
        max_id = Some(oldest - 1);
    }
    // Posts behind the cursor but still recent are read again for their
    // comments (new comments on known posts).
    if let (Some(s), Some(from)) = (since_id, comment_from) {
        if old
            .as_ref()
            .and_then(|o| o.newest_at)
            .is_some_and(|t| t >= from)
        {
            reread_recent(
                net,
                &token,
                &endpoint,
                &base,
                spec,
                s,
                from,
                &mut comments,
                c,
            )
            .await;
        }
    }
    let cursor = newest.map(|n| Cursor {
        since_id: n.to_string(),
        newest_at,
    });
    Ok(Some(match cursor {
        Some(cur) => make_cursor(NetKind::Weibo, &cur),
        None => serde_json::json!({"kind": NetKind::Weibo.as_str()}),
    }))
}

/// True when a status's comments are read: comments are being read, it is
/// recent, and it has comments (or does not say).
fn wants_comments(
    status: &Value,
    created: Option<DateTime<FixedOffset>>,
    comment_from: Option<i64>,
) -> bool {
    let Some(from) = comment_from else {
        return false;
    };
    let recent = created.is_some_and(|t| t.timestamp() >= from);
    let has = status
        .get("comments_count")
        .and_then(number)
        .is_none_or(|n| n > 0);
    recent && has
}

/// Pages the timeline from the cursor's status back to `from` (unix time)
/// and delivers again the posts whose comments could be read.
#[allow(clippy::too_many_arguments)]
async fn reread_recent(
    net: &Inner,
    token: &super::Secret,
    endpoint: &url::Url,
    base: &url::Url,
    spec: &Spec<'_>,
    since_id: u64,
    from: i64,
    comments: &mut CommentReader,
    c: &mut Collector,
) {
    let count = net.options.weibo_page_size.clamp(1, 100);
    let mut max_id = since_id;
    for _ in 0..net.options.max_pages {
        let mut url = endpoint.clone();
        url.query_pairs_mut()
            .append_pair("access_token", token.expose())
            .append_pair("uid", spec.uid)
            .append_pair("count", &count.to_string())
            .append_pair("max_id", &max_id.to_string());
        let what = format!("Weibo user_timeline max_id {max_id} (recent posts, for comments)");
        let req = Request::get(url, what.clone());
        let retry = &net.options.retry;
        let page = match net
            .http
            .call(NetKind::Weibo, &mut c.requests, &req, |resp| {
                parse_page(resp, &what, spec, retry)
            })
            .await
        {
            Ok(p) => p,
            Err(f) => {
                c.warning(format!(
                    "recent posts were not read again for new comments: {}",
                    f.into_message()
                ));
                return;
            }
        };
        let mut oldest = u64::MAX;
        let mut past = false;
        for status in page.statuses {
            let Some(id) = status_id(&status) else {
                continue;
            };
            oldest = oldest.min(id);
            let created = created_at(&status);
            if created.is_none_or(|t| t.timestamp() < from) {
                past = true;
                continue;
            }
            if truthy(status.get("deleted")) || !wants_comments(&status, created, Some(from)) {
                continue;
            }
            let mut post = to_post(id, &status, created, spec.uid);
            if comments.attach(net, token, base, spec, &mut post, c).await {
                c.post(post);
            }
        }
        if past || oldest == u64::MAX || oldest == 0 || oldest > max_id {
            return;
        }
        max_id = oldest - 1;
    }
}

/// Reads comments with `GET /2/comments/show.json` (`id`, `count` = 50,
/// `page` from 1) until an empty or short page or `total_number`; the
/// account's own comments (`user.id` = the uid) are `from_account`, and
/// `reply_comment` gives what a comment replies to. A failure is a
/// warning: comments stop for the account (20101, a deleted status, only
/// skips that one).
#[derive(Debug, Default)]
struct CommentReader {
    disabled: bool,
}

/// Comments asked for per page.
const COMMENT_PAGE: u32 = 50;

impl CommentReader {
    async fn attach(
        &mut self,
        net: &Inner,
        token: &super::Secret,
        base: &url::Url,
        spec: &Spec<'_>,
        post: &mut Post,
        c: &mut Collector,
    ) -> bool {
        if self.disabled {
            return false;
        }
        let Ok(endpoint) = base.join("2/comments/show.json") else {
            return false;
        };
        let mut out = Vec::new();
        let mut page_no = 1u32;
        loop {
            if page_no > net.options.max_pages {
                c.warning(format!(
                    "comments of status {} stopped after {} pages (max_pages)",
                    post.id, net.options.max_pages
                ));
                break;
            }
            let mut url = endpoint.clone();
            url.query_pairs_mut()
                .append_pair("access_token", token.expose())
                .append_pair("id", &post.id)
                .append_pair("count", &COMMENT_PAGE.to_string())
                .append_pair("page", &page_no.to_string());
            let what = format!("Weibo comments/show id {} page {page_no}", post.id);
            let req = Request::get(url, what.clone());
            let retry = &net.options.retry;
            let got = net
                .http
                .call(NetKind::Weibo, &mut c.requests, &req, |resp| {
                    parse_comments(resp, &what, spec, retry)
                })
                .await;
            let (list, total) = match got {
                Ok(x) => x,
                Err(Failure::Fatal(m)) if m.starts_with("Weibo 20101") => return false,
                Err(f) => {
                    self.disabled = true;
                    c.warning(format!(
                        "comments were not read for this account (its posts were): {}",
                        f.into_message()
                    ));
                    return false;
                }
            };
            let n = list.len() as u32;
            out.extend(list.iter().filter_map(|v| to_comment(v, spec.uid)));
            if n < COMMENT_PAGE || total.is_some_and(|t| out.len() as u64 >= t) {
                break;
            }
            page_no += 1;
        }
        post.comments = out;
        true
    }
}

fn to_comment(v: &Value, uid: &str) -> Option<crate::model::Comment> {
    let id = status_id(v)?.to_string();
    let user = v.get("user");
    let user_id = user
        .and_then(|u| u.get("idstr").and_then(|x| x.as_str()).map(String::from))
        .or_else(|| {
            user.and_then(|u| u.get("id"))
                .and_then(number)
                .map(|n| n.to_string())
        })
        .unwrap_or_default();
    let reply_to = v
        .get("reply_comment")
        .filter(|r| r.is_object())
        .and_then(status_id)
        .map(|n| n.to_string());
    Some(crate::model::Comment {
        id,
        author: user
            .and_then(|u| u.get("screen_name"))
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string(),
        text: plain(str_field(v, "text")),
        published_at: created_at(v),
        from_account: !user_id.is_empty() && user_id == uid,
        reply_to,
    })
}

fn parse_comments(
    resp: Response,
    what: &str,
    spec: &Spec<'_>,
    retry: &RetryPolicy,
) -> Result<(Vec<Value>, Option<u64>), Failure> {
    let v = checked_answer(&resp, what, spec, retry, Hints::NONE)?;
    let list = match v.get("comments") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        _ => {
            return Err(Failure::Fatal(format!(
                "{what}: malformed answer: `comments` is not a list"
            )))
        }
    };
    Ok((list, v.get("total_number").and_then(number)))
}

/// The status id from `idstr`, else `id`.
fn status_id(s: &Value) -> Option<u64> {
    s.get("idstr")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .or_else(|| s.get("id").and_then(number))
}

fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// `created_at` as `"Mon Jun 03 09:30:12 +0800 2024"`.
fn created_at(s: &Value) -> Option<DateTime<FixedOffset>> {
    let text = s.get("created_at")?.as_str()?;
    DateTime::parse_from_str(text.trim(), "%a %b %d %H:%M:%S %z %Y").ok()
}

fn plain(text: &str) -> String {
    if text.contains('<') || text.contains('&') {
        html_to_text(text)
    } else {
        text.trim().to_string()
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(|x| x.as_str()).unwrap_or("")
}

fn to_post(id: u64, s: &Value, created: Option<DateTime<FixedOffset>>, uid: &str) -> Post {
    let long = s
        .get("longText")
        .and_then(|l| l.get("longTextContent"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.trim().is_empty());
    let raw = str_field(s, "text");
    let truncated = long.is_none()
        && (truthy(s.get("isLongText")) || (raw.contains("全文：") && raw.contains("m.weibo.cn")));
    let mut text = plain(long.unwrap_or(raw));
    if let Some(rt) = s.get("retweeted_status").filter(|r| r.is_object()) {
        let who = rt
            .get("user")
            .and_then(|u| u.get("screen_name"))
            .and_then(|n| n.as_str())
            .unwrap_or("");
        let quoted = plain(str_field(rt, "text"));
        if !quoted.is_empty() {
            let from = if who.is_empty() {
                String::new()
            } else {
                format!(" @{who}")
            };
            text.push_str(&format!("\n\n//转发原文{from}：{quoted}"));
        }
    }
    let author = s
        .get("user")
        .and_then(|u| u.get("screen_name"))
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_string();
    Post {
        id: id.to_string(),
        title: String::new(),
        text,
        url: format!("https://weibo.com/{uid}/{id}"),
        published_at: created,
        author,
        truncated,
        comments: Vec::new(),
    }
}

/// What to add to the two messages of [`checked_answer`].
#[derive(Clone, Copy)]
struct Hints {
    not_json: &'static str,
    http: &'static str,
}

impl Hints {
    /// No hint (comments: the timeline already proved the base URL).
    const NONE: Hints = Hints {
        not_json: "",
        http: "",
    };
    /// Point at `base_url` (the timeline, the first call to a service).
    const BASE_URL: Hints = Hints {
        not_json: "; the service may be misbehaving or base_url may point at something else",
        http: "; check base_url",
    };
}

/// The JSON of a Weibo answer, or the failure it reports: not JSON, a Weibo
/// `error_code` (classified for retries and messages), or an HTTP error.
/// Shared by the timeline and the comments.
fn checked_answer(
    resp: &Response,
    what: &str,
    spec: &Spec<'_>,
    retry: &RetryPolicy,
    hints: Hints,
) -> Result<Value, Failure> {
    let v: Value = match serde_json::from_slice(&resp.body) {
        Ok(v) => v,
        Err(e) => {
            return Err(Failure::from_status(resp, what).unwrap_or_else(|| {
                Failure::Fatal(format!(
                    "{what}: malformed answer, not JSON ({e}): {}{}",
                    resp.excerpt(120),
                    hints.not_json
                ))
            }))
        }
    };
    if let Some(code) = error_code(&v) {
        let msg = cut(str_field(&v, "error"), 160);
        return Err(classify(code, &msg, what, spec, retry));
    }
    if let Some(f) = Failure::from_status(resp, what) {
        return Err(f);
    }
    if !resp.ok() {
        return Err(Failure::Fatal(format!(
            "{what}: HTTP {}: {}{}",
            resp.status,
            resp.excerpt(120),
            hints.http
        )));
    }
    Ok(v)
}

/// The `error_code` of a Weibo answer, number or string.
fn error_code(v: &Value) -> Option<i64> {
    match v.get("error_code")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn parse_page(
    resp: Response,
    what: &str,
    spec: &Spec<'_>,
    retry: &RetryPolicy,
) -> Result<Page, Failure> {
    let v = checked_answer(&resp, what, spec, retry, Hints::BASE_URL)?;
    let statuses = match v.get("statuses") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None if v.is_object() => Vec::new(),
        _ => {
            return Err(Failure::Fatal(format!(
                "{what}: malformed answer: no `statuses` list"
            )))
        }
    };
    Ok(Page {
        statuses,
        hasvisible: truthy(v.get("hasvisible")),
    })
}

/// Weibo error codes (v2 meanings): system busy codes are retried, the
/// hourly rate limits wait `rate_limited_delay`, token and permission
/// problems are fatal with what to do.
fn classify(code: i64, error: &str, what: &str, spec: &Spec<'_>, retry: &RetryPolicy) -> Failure {
    let detail = format!("[{what}; error: {error}]");
    let fatal = |advice: String| Failure::Fatal(format!("Weibo {code}: {advice} {detail}"));
    match code {
        10001 | 10002 | 10009 => {
            Failure::transient(format!("Weibo {code}: the platform is busy {detail}"))
        }
        10022..=10024 => Failure::Transient {
            message: format!(
                "Weibo {code}: the hourly request limit was reached {detail}; run again after the \
                 top of the hour or lower the weibo rate limit"
            ),
            wait: Some(retry.rate_limited_delay),
        },
        21301 | 21314..=21319 | 21327 | 21330 | 21332 => fatal(format!(
            "the access token in `{}` expired or was revoked: the account owner must authorise the \
             scanner's app again and the new token be put in `{}`",
            spec.access_token_env, spec.access_token_env
        )),
        20101 => fatal("the status does not exist any more (deleted)".into()),
        21335 => fatal(format!(
            "uid {} is not the owner of the token in `{}`: Weibo serves only the token owner's \
             timeline; set source.uid to the owner's uid or use this account's own token",
            spec.uid, spec.access_token_env
        )),
        10014 => fatal("the scanner's Weibo app lacks permission for this API; request it on open.weibo.com".into()),
        10006 | 10016 | 10017 => fatal(
            "the request was refused as malformed; check base_url, otherwise report this as a bug in xunjian"
                .into(),
        ),
        _ => fatal("unexpected error; see Weibo's error code table; nothing was retried".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_and_ids() {
        let s = serde_json::json!({"created_at": "Mon Jun 03 09:30:12 +0800 2024", "id": 5040012345678901u64});
        assert_eq!(
            created_at(&s).unwrap().to_rfc3339(),
            "2024-06-03T09:30:12+08:00"
        );
        assert_eq!(status_id(&s), Some(5040012345678901));
        assert_eq!(
            error_code(&serde_json::json!({"error_code": "21327"})),
            Some(21327)
        );
    }
}
