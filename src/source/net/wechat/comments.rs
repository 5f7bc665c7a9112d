//! Comments (留言) of WeChat articles: `POST /cgi-bin/comment/list` with
//! `msg_data_id`, `index` (from 0), `begin`, `count` (≤ 49: WeChat rejects
//! 50 and more) and `type = 0` (all comments) in the JSON body.
//!
//! Comments are keyed by the 群发 `msg_data_id`, which the publish API does
//! not give. It is taken from the article link when the link is the long
//! form (`mp.weixin.qq.com/s?__biz=…&mid=<msg_data_id>&idx=<n from 1>`),
//! else from `POST /datacube/getarticlesummary` for the publish's day
//! (`msgid` = `<msg_data_id>_<n from 1>`, matched by title; only days
//! before today). An article neither gives is counted and reported once.
//!
//! Each comment becomes a [`Comment`]; its embedded `reply` (the account's
//! answer) becomes a second one, `from_account`, with the id
//! `{user_comment_id}.reply` and `reply_to` = the user's comment. Pages are
//! read until a short or empty page (WeChat's `total` is unreliable).
//!
//! Errors never fail the account: no comment permission (88000), an
//! unverified account (48001), a used-up quota (45009) or any other error
//! stops reading comments for the account with one warning; a message that
//! no longer exists (88001) skips that article.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use super::super::collect::Collector;
use super::super::http::{cut, Failure, Request, Response};
use super::super::secret::Secret;
use super::super::{Inner, NetKind};
use super::errors::errcode;
use crate::model::{Comment, Post};

/// Comments asked for per page (WeChat rejects 50 and more).
pub const PAGE: u32 = 49;

/// Where an article's comments are: the 群发 message and the article's
/// place in it (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsgRef {
    /// `msg_data_id`.
    pub msg_data_id: u64,
    /// `index`, from 0.
    pub index: u32,
}

/// The `msg_data_id` and index in a long-form article link
/// (`…/s?__biz=…&mid=2247480001&idx=1&sn=…`), if it is one.
pub fn msg_ref_from_url(link: &str) -> Option<MsgRef> {
    let url = Url::parse(link).ok()?;
    let mut mid = None;
    let mut idx = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "mid" | "appmsgid" => mid = v.parse::<u64>().ok(),
            "idx" | "itemidx" => idx = v.parse::<u32>().ok(),
            _ => {}
        }
    }
    Some(MsgRef {
        msg_data_id: mid?,
        index: idx.unwrap_or(1).saturating_sub(1),
    })
}

/// `"2247483701_1"` → message 2247483701, index 0.
pub fn msg_ref_from_msgid(msgid: &str) -> Option<MsgRef> {
    let (mid, n) = msgid.split_once('_')?;
    Some(MsgRef {
        msg_data_id: mid.trim().parse().ok()?,
        index: n.trim().parse::<u32>().ok()?.saturating_sub(1),
    })
}

/// Why reading one article's comments stopped.
#[derive(Debug)]
pub enum Stop {
    /// Skip this article only (the message no longer exists).
    Article,
    /// Stop reading comments for the whole account, with this warning.
    Account(String),
    /// The token was rejected: refresh it and try again.
    Token(String),
}

/// The state of comment reading for one account's fetch.
#[derive(Debug, Default)]
pub struct Reader {
    /// Set after an account-wide stop: no more comment requests.
    pub disabled: bool,
    /// Articles with comments open whose message id could not be found.
    pub unmatched: u32,
    /// Articles skipped because their message no longer exists.
    pub missing: u32,
    /// `getarticlesummary` answers by day (`None` when it failed).
    summaries: HashMap<NaiveDate, Vec<(String, MsgRef)>>,
    summary_failed: bool,
}

impl Reader {
    /// The article's message reference: from its link, else from the
    /// day's article summary (one request per day, cached), matched by
    /// title. `None` when neither gives it.
    pub async fn msg_ref(
        &mut self,
        net: &Inner,
        base: &Url,
        token: &Secret,
        post: &Post,
        c: &mut Collector,
    ) -> Option<MsgRef> {
        if let Some(r) = msg_ref_from_url(&post.url) {
            return Some(r);
        }
        let local =
            |t: DateTime<chrono::Utc>| t.with_timezone(&crate::source::shanghai()).date_naive();
        let day = local(post.published_at?.to_utc());
        if day >= local(chrono::Utc::now()) || self.summary_failed {
            return None;
        }
        if let Entry::Vacant(slot) = self.summaries.entry(day) {
            match summary(net, base, token, day, c).await {
                Ok(list) => {
                    slot.insert(list);
                }
                Err(m) => {
                    self.summary_failed = true;
                    c.warning(format!(
                        "WeChat article summaries (datacube/getarticlesummary) could not be read, so \
                         comments of articles without a long-form link were not read: {m}"
                    ));
                    return None;
                }
            }
        }
        self.summaries[&day]
            .iter()
            .find(|(t, _)| t.trim() == post.title.trim())
            .map(|(_, r)| *r)
    }

    /// Warnings for what was skipped, once per fetch.
    pub fn finish(&self, c: &mut Collector) {
        if self.unmatched > 0 {
            c.warning(format!(
                "{} article(s) with comments open were not matched to a 群发 msg_data_id (published \
                 through 发表 only, published today, or not in the day's article summary); their \
                 comments were not read",
                self.unmatched
            ));
        }
        if self.missing > 0 {
            c.warning(format!(
                "{} article(s) have no comment list any more (WeChat 88001: the message does not \
                 exist); their comments were not read",
                self.missing
            ));
        }
    }
}

#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(default)]
    user_comment_id: Value,
    #[serde(default)]
    openid: String,
    #[serde(default)]
    create_time: i64,
    #[serde(default)]
    content: String,
    #[serde(default)]
    reply: Option<RawReply>,
}

#[derive(Debug, Deserialize)]
struct RawReply {
    #[serde(default)]
    content: String,
    #[serde(default)]
    create_time: i64,
}

/// Every comment of one article, page by page.
pub async fn list(
    net: &Inner,
    base: &Url,
    token: &Secret,
    at: MsgRef,
    c: &mut Collector,
) -> Result<Vec<Comment>, Stop> {
    let mut out = Vec::new();
    let mut begin: u32 = 0;
    let mut pages = 0;
    loop {
        if pages >= net.options.max_pages {
            c.warning(format!(
                "comments of message {} stopped after {pages} pages (max_pages)",
                at.msg_data_id
            ));
            break;
        }
        let mut url = base
            .join("cgi-bin/comment/list")
            .map_err(|e| Stop::Account(format!("bad base_url: {e}")))?;
        url.query_pairs_mut()
            .append_pair("access_token", token.expose());
        let what = format!(
            "WeChat comment/list msg_data_id {} index {} begin {begin}",
            at.msg_data_id, at.index
        );
        let body = json!({
            "msg_data_id": at.msg_data_id,
            "index": at.index,
            "begin": begin,
            "count": PAGE,
            "type": 0,
        });
        let req = Request::post_json(url, body, what.clone());
        let page = net
            .http
            .call(NetKind::Wechat, &mut c.requests, &req, |resp| {
                parse(resp, &what)
            })
            .await;
        let page = match page {
            Ok(p) => p,
            Err(Failure::TokenRejected(m)) => return Err(Stop::Token(m)),
            Err(Failure::Fatal(m)) if m.starts_with("WeChat 88001") => return Err(Stop::Article),
            Err(f) => return Err(Stop::Account(f.into_message())),
        };
        pages += 1;
        let n = page.len() as u32;
        for raw in page {
            let id = match &raw.user_comment_id {
                Value::Number(n) => n.to_string(),
                Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
                _ => {
                    c.warning(format!(
                        "a comment of message {} without user_comment_id was skipped",
                        at.msg_data_id
                    ));
                    continue;
                }
            };
            let time = |t: i64| {
                (t > 0)
                    .then(|| DateTime::from_timestamp(t, 0))
                    .flatten()
                    .map(|t| t.with_timezone(&crate::source::shanghai()))
            };
            out.push(Comment {
                id: id.clone(),
                author: raw.openid,
                text: raw.content,
                published_at: time(raw.create_time),
                from_account: false,
                reply_to: None,
            });
            if let Some(r) = raw.reply.filter(|r| !r.content.trim().is_empty()) {
                out.push(Comment {
                    id: format!("{id}.reply"),
                    author: String::new(),
                    text: r.content,
                    published_at: time(r.create_time),
                    from_account: true,
                    reply_to: Some(id),
                });
            }
        }
        if n < PAGE {
            break;
        }
        begin += n;
    }
    Ok(out)
}

fn parse(resp: Response, what: &str) -> Result<Vec<Raw>, Failure> {
    let v: Value = match serde_json::from_slice(&resp.body) {
        Ok(v) => v,
        Err(e) => {
            return Err(Failure::from_status(&resp, what).unwrap_or_else(|| {
                Failure::Fatal(format!(
                    "{what}: malformed answer, not JSON ({e}): {}",
                    resp.excerpt(120)
                ))
            }))
        }
    };
    if let Some(code) = errcode(&v).filter(|c| *c != 0) {
        let msg = cut(v.get("errmsg").and_then(|m| m.as_str()).unwrap_or(""), 160);
        return Err(classify(code, &msg, what));
    }
    if let Some(f) = Failure::from_status(&resp, what) {
        return Err(f);
    }
    if !resp.ok() {
        return Err(Failure::Fatal(format!(
            "{what}: HTTP {}: {}",
            resp.status,
            resp.excerpt(120)
        )));
    }
    match v.get("comment") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(list) => serde_json::from_value(list.clone()).map_err(|e| {
            Failure::Fatal(format!(
                "{what}: malformed answer ({e}); expected comment[] with user_comment_id, \
                 create_time, content"
            ))
        }),
    }
}

/// Comment API error codes: busy and per-minute quota are retried, a
/// rejected token is refreshed, the rest say what to do.
fn classify(code: i64, errmsg: &str, what: &str) -> Failure {
    let detail = format!("[{what}; errmsg: {errmsg}]");
    let fatal = |advice: &str| Failure::Fatal(format!("WeChat {code}: {advice} {detail}"));
    match code {
        -1 => Failure::transient(format!("WeChat -1: the platform is busy {detail}")),
        45011 => Failure::transient(format!(
            "WeChat 45011: the per-minute API quota is used up {detail}"
        )),
        40001 | 40014 | 42001 => Failure::TokenRejected(format!(
            "WeChat {code}: the access token was rejected {detail}"
        )),
        88000 => fatal(
            "this account has no comment privilege (留言功能 not opened, or the API needs a \
             verified account): open 留言 in the console or verify the account; its users' \
             questions cannot be checked until then",
        ),
        88001 => fatal("the 群发 message does not exist (deleted, or not a 群发 message)"),
        48001 => fatal(
            "the account's app is not authorised for the comment API (only verified accounts may \
             call it): verify the account",
        ),
        45009 => {
            fatal("the daily quota of comment/list is used up; comments are read again tomorrow")
        }
        _ => fatal("unexpected error from the comment API; comments were not read"),
    }
}

/// `POST /datacube/getarticlesummary` for one day: (title, message ref)
/// of each article listed.
async fn summary(
    net: &Inner,
    base: &Url,
    token: &Secret,
    day: NaiveDate,
    c: &mut Collector,
) -> Result<Vec<(String, MsgRef)>, String> {
    let mut url = base
        .join("datacube/getarticlesummary")
        .map_err(|e| format!("bad base_url: {e}"))?;
    url.query_pairs_mut()
        .append_pair("access_token", token.expose());
    let d = day.format("%Y-%m-%d").to_string();
    let what = format!("WeChat datacube/getarticlesummary {d}");
    let req = Request::post_json(url, json!({"begin_date": d, "end_date": d}), what.clone());
    let v: Value = net
        .http
        .call(NetKind::Wechat, &mut c.requests, &req, |resp| {
            let v: Value = serde_json::from_slice(&resp.body).map_err(|e| {
                Failure::from_status(&resp, &what).unwrap_or_else(|| {
                    Failure::Fatal(format!("{what}: malformed answer, not JSON ({e})"))
                })
            })?;
            if let Some(code) = errcode(&v).filter(|c| *c != 0) {
                let msg = cut(v.get("errmsg").and_then(|m| m.as_str()).unwrap_or(""), 160);
                return Err(classify(code, &msg, &what));
            }
            Ok(v)
        })
        .await
        .map_err(Failure::into_message)?;
    let list = v
        .get("list")
        .and_then(|l| l.as_array())
        .cloned()
        .unwrap_or_default();
    Ok(list
        .iter()
        .filter_map(|item| {
            let title = item.get("title")?.as_str()?.to_string();
            let msgid = item.get("msgid")?.as_str()?;
            Some((title, msg_ref_from_msgid(msgid)?))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_refs_from_links_and_msgids() {
        assert_eq!(
            msg_ref_from_url(
                "https://mp.weixin.qq.com/s?__biz=MzA5NjAwMDAwMA==&mid=2247480001&idx=2&sn=01"
            ),
            Some(MsgRef {
                msg_data_id: 2247480001,
                index: 1
            })
        );
        assert_eq!(
            msg_ref_from_url("https://mp.weixin.qq.com/s/AbCdEfGh"),
            None
        );
        assert_eq!(
            msg_ref_from_msgid("2247483701_1"),
            Some(MsgRef {
                msg_data_id: 2247483701,
                index: 0
            })
        );
        assert_eq!(msg_ref_from_msgid("x_1"), None);
    }
}
