//! The Weibo connector against a mock of `statuses/user_timeline.json` on
//! 127.0.0.1: `since_id`/`max_id` paging (max_id inclusive), long posts,
//! reposts, error codes as numbers and strings, retries.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{account, all_text, assert_no_secret, fast_options, MockServer, Recorded, Reply};
use xunjian::model::{Account, Platform, SourceSpec};
use xunjian::source::net::{Fetched, NetClient, NetOptions};

const TOKEN: &str = "2.00MockTokenForTestsOnly0123456789";
const UID: &str = "6012345678";
const PATH: &str = "/2/statuses/user_timeline.json";

fn status(id: u64, created_at: &str, text: &str) -> Value {
    json!({
        "created_at": created_at,
        "id": id,
        "idstr": id.to_string(),
        "mid": id.to_string(),
        "text": text,
        "textLength": text.chars().count(),
        "isLongText": false,
        "truncated": false,
        "source": "<a href=\"http://app.weibo.com/t/feed/1tqBja\" rel=\"nofollow\">微博 weibo.com</a>",
        "favorited": false,
        "in_reply_to_status_id": "",
        "pic_urls": [],
        "geo": null,
        "user": {"id": 6012345678u64, "idstr": UID, "screen_name": "某市政务服务", "name": "某市政务服务"},
        "reposts_count": 0, "comments_count": 0, "attitudes_count": 0,
        "visible": {"type": 0, "list_id": 0}
    })
}

/// Five statuses, newest first: a long post, a repost of a deleted post,
/// a post with markup, two plain ones.
fn timeline() -> Vec<Value> {
    let mut long = status(
        5040012345678901,
        "Mon Jun 03 09:30:12 +0800 2024",
        "【端午假期办事指南】6月8日至10日放假，政务服务大厅6月10日上午开放……特别提醒：假期期间部分事项...全文： http://m.weibo.cn/6012345678/5040012345678901 \u{200b}",
    );
    long["isLongText"] = json!(true);
    long["textLength"] = json!(412);
    let mut repost = status(
        5039998765432100,
        "Sun Jun 02 18:05:00 +0800 2024",
        "转发微博",
    );
    repost["retweeted_status"] = json!({
        "created_at": "Sun Jun 02 17:40:00 +0800 2024",
        "id": 5039990000000001u64, "idstr": "5039990000000001", "mid": "5039990000000001",
        "text": "此微博已被原作者删除。", "user": null,
        "reposts_count": 0, "comments_count": 0, "attitudes_count": 0
    });
    vec![
        long,
        repost,
        status(
            5039900000000003,
            "Sat Jun 01 08:00:00 +0800 2024",
            "儿童节快乐 <a href=\"http://t.cn/x\">网页链接</a> &amp; 祝福",
        ),
        status(5039800000000002, "Fri May 31 08:00:00 +0800 2024", "第四条"),
        status(5039700000000001, "Thu May 30 08:00:00 +0800 2024", "第五条"),
    ]
}

type Hook = dyn Fn(&Recorded, usize) -> Option<Reply> + Send + Sync;

/// A Weibo mock serving `statuses` (newest first) to the owner's token.
/// `hook(request, call_number)` may answer a call itself.
fn weibo(
    statuses: Vec<Value>,
    hook: impl Fn(&Recorded, usize) -> Option<Reply> + Send + Sync + 'static,
) -> (MockServer, Arc<Mutex<Vec<Value>>>) {
    let data = Arc::new(Mutex::new(statuses));
    let calls = Arc::new(Mutex::new(0usize));
    let hook: Arc<Hook> = Arc::new(hook);
    let d = data.clone();
    let server = MockServer::start(move |r| {
        if r.path != PATH || r.method != "GET" {
            return Reply::text(404, "no such API");
        }
        let n = {
            let mut c = calls.lock().unwrap();
            *c += 1;
            *c
        };
        if let Some(reply) = hook(r, n) {
            return reply;
        }
        if r.q("access_token") != TOKEN {
            return Reply::new(
                400,
                "application/json",
                json!({"request": PATH, "error_code": 21327, "error": "expired_token"}).to_string(),
            );
        }
        if r.q("uid") != UID {
            return Reply::json(
                json!({"request": PATH, "error_code": 21335, "error": "request uid's value must be the current user"}),
            );
        }
        let count: usize = r.q("count").parse().unwrap_or(20);
        let since: u64 = r.q("since_id").parse().unwrap_or(0);
        let max: u64 = r.q("max_id").parse().unwrap_or(u64::MAX);
        let page: Vec<Value> = d
            .lock()
            .unwrap()
            .iter()
            .filter(|s| {
                let id = s["id"].as_u64().unwrap();
                id > since && id <= max
            })
            .take(count)
            .cloned()
            .collect();
        Reply::json(json!({
            "statuses": page,
            "hasvisible": false,
            "previous_cursor": 0,
            "next_cursor": 0,
            "total_number": 1834
        }))
    });
    (server, data)
}

fn weibo_account(base: &str) -> Account {
    account(
        "zwfw-weibo",
        Platform::Weibo,
        UID,
        SourceSpec::Weibo {
            uid: UID.into(),
            access_token_env: "XJ_WB_TOKEN".into(),
            base_url: base.into(),
        },
    )
}

fn options() -> NetOptions {
    let mut o = fast_options(&[("XJ_WB_TOKEN", TOKEN)]);
    o.weibo_page_size = 2;
    o
}

fn fetch(o: NetOptions, base: &str, cursor: Option<&Value>) -> Fetched {
    NetClient::new(o)
        .unwrap()
        .fetch_blocking(&weibo_account(base), cursor, None)
}

#[test]
fn pages_with_max_id_and_maps_posts() {
    let (server, _) = weibo(timeline(), |_, _| None);
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "5039700000000001",
            "5039800000000002",
            "5039900000000003",
            "5039998765432100",
            "5040012345678901"
        ]
    );
    let reqs = server.requests_to(PATH);
    let max_ids: Vec<&str> = reqs.iter().map(|r| r.q("max_id")).collect();
    // max_id is inclusive: the next page asks for the oldest id − 1.
    assert_eq!(max_ids, ["", "5039998765432099", "5039800000000001"]);
    for r in &reqs {
        assert_eq!(r.q("access_token"), TOKEN);
        assert_eq!(r.q("uid"), UID);
        assert_eq!(r.q("count"), "2");
        assert_eq!(r.q("since_id"), "");
    }
    assert_eq!(f.requests, 3);

    let long = &f.posts[4];
    assert!(long.truncated, "isLongText marks the post truncated");
    assert!(long.title.is_empty());
    assert_eq!(long.url, "https://weibo.com/6012345678/5040012345678901");
    assert_eq!(long.author, "某市政务服务");
    assert_eq!(
        long.published_at.unwrap().to_rfc3339(),
        "2024-06-03T09:30:12+08:00"
    );
    let repost = &f.posts[3];
    assert!(!repost.truncated);
    assert_eq!(
        repost.text,
        "转发微博\n\n//转发原文：此微博已被原作者删除。"
    );
    let markup = &f.posts[2];
    assert_eq!(markup.text, "儿童节快乐 网页链接 & 祝福");

    let cursor = f.cursor.unwrap();
    assert_eq!(
        cursor,
        json!({"kind": "weibo", "since_id": "5040012345678901", "newest_at": 1717378212})
    );
}

#[test]
fn since_id_reads_only_newer_posts() {
    let (server, data) = weibo(timeline(), |_, _| None);
    let client = NetClient::new(options()).unwrap();
    let acc = weibo_account(&server.base);
    let cursor = json!({"kind": "weibo", "since_id": "5039900000000003"});
    let f = client.fetch_blocking(&acc, Some(&cursor), None);
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["5039998765432100", "5040012345678901"]);
    let reqs = server.requests_to(PATH);
    assert!(reqs.iter().all(|r| r.q("since_id") == "5039900000000003"));
    // A full page, then an empty one.
    assert_eq!(reqs.len(), 2);
    let next = f.cursor.unwrap();
    assert_eq!(next["since_id"], "5040012345678901");

    // Nothing new: one short (empty) page, the same position.
    let again = client.fetch_blocking(&acc, Some(&next), None);
    assert!(again.posts.is_empty());
    assert_eq!(again.requests, 1);
    assert_eq!(again.cursor.as_ref(), Some(&next));

    data.lock().unwrap().insert(
        0,
        status(5040100000000000, "Tue Jun 04 08:00:00 +0800 2024", "新微博"),
    );
    let third = client.fetch_blocking(&acc, Some(&next), None);
    assert_eq!(third.posts.len(), 1);
    assert_eq!(third.posts[0].text, "新微博");
}

#[test]
fn since_time_bounds_a_first_fetch() {
    let (server, _) = weibo(timeline(), |_, _| None);
    let since = chrono::DateTime::parse_from_rfc3339("2024-06-01T00:00:00+08:00").unwrap();
    let f = NetClient::new(options()).unwrap().fetch_blocking(
        &weibo_account(&server.base),
        None,
        Some(since),
    );
    assert_eq!(f.posts.len(), 3);
    // Page 2 reached a post older than `since`: no page 3.
    assert_eq!(server.requests_to(PATH).len(), 2);
}

#[test]
fn an_expired_token_with_a_string_error_code_is_reported_at_once() {
    let (server, _) = weibo(timeline(), |_, _| {
        Some(Reply::new(
            400,
            "application/json",
            json!({"request": PATH, "error_code": "21327", "error": "expired_token"}).to_string(),
        ))
    });
    let f = fetch(options(), &server.base, None);
    let e = f.error.clone().unwrap();
    assert!(
        e.starts_with("Weibo 21327: the access token in `XJ_WB_TOKEN` expired"),
        "{e}"
    );
    assert!(e.contains("authorise"), "{e}");
    assert_eq!(server.requests_to(PATH).len(), 1, "no retry");
    assert_no_secret(&all_text(&f), &[TOKEN]);
}

#[test]
fn a_uid_that_is_not_the_token_owner_says_what_to_fix() {
    let (server, _) = weibo(timeline(), |_, _| None);
    let mut acc = weibo_account(&server.base);
    acc.source = SourceSpec::Weibo {
        uid: "7000000001".into(),
        access_token_env: "XJ_WB_TOKEN".into(),
        base_url: server.base.clone(),
    };
    let f = NetClient::new(options())
        .unwrap()
        .fetch_blocking(&acc, None, None);
    let e = f.error.unwrap();
    assert!(
        e.starts_with("Weibo 21335: uid 7000000001 is not the owner"),
        "{e}"
    );
}

#[test]
fn rate_limit_codes_and_server_errors_are_retried() {
    let (server, _) = weibo(timeline(), |_, n| match n {
        1 => Some(Reply::json(
            json!({"request": PATH, "error_code": 10023, "error": "User requests out of rate limit!"}),
        )),
        2 => Some(Reply::html(
            502,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )),
        4 => Some(Reply::json(
            json!({"request": PATH, "error_code": "10001", "error": "system error"}),
        )),
        _ => None,
    });
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.posts.len(), 5);
    let max_ids: Vec<String> = server
        .requests_to(PATH)
        .iter()
        .map(|r| r.q("max_id").to_string())
        .collect();
    assert_eq!(
        max_ids,
        [
            "",
            "",
            "",
            "5039998765432099",
            "5039998765432099",
            "5039800000000001"
        ]
    );
}

#[test]
fn retry_after_is_honoured() {
    let (server, _) = weibo(timeline(), |_, n| {
        (n == 1).then(|| Reply::text(429, "slow down").header("retry-after", "1"))
    });
    let start = Instant::now();
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.requests_to(PATH).len(), 4);
}

#[test]
fn a_retry_after_beyond_the_limit_fails_the_account_at_once() {
    let (server, _) = weibo(timeline(), |_, _| {
        Some(Reply::text(503, "maintenance").header("retry-after", "3600"))
    });
    let start = Instant::now();
    let f = fetch(options(), &server.base, None);
    let e = f.error.unwrap();
    assert!(
        e.contains("asked to wait 3600 s") && e.contains("run again later"),
        "{e}"
    );
    assert_eq!(server.requests_to(PATH).len(), 1);
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn malformed_json_is_an_error() {
    let (server, _) = weibo(timeline(), |_, _| {
        Some(Reply::new(
            200,
            "application/json",
            "{\"statuses\": [ {\"id\": ",
        ))
    });
    let f = fetch(options(), &server.base, None);
    assert!(f.error.unwrap().contains("malformed answer, not JSON"));
    assert_eq!(server.requests_to(PATH).len(), 1);
}

#[test]
fn deleted_statuses_are_recorded_not_scanned() {
    let mut statuses = timeline();
    statuses[3]["deleted"] = json!("1");
    statuses[3]["text"] = json!("此微博已被作者删除。");
    let (server, _) = weibo(statuses, |_, _| None);
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.posts.len(), 4);
    assert_eq!(f.deleted, ["5039800000000002"]);
}

const COMMENTS_PATH: &str = "/2/comments/show.json";

/// A Weibo time `days` days ago.
fn weibo_time(secs_ago: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::seconds(secs_ago))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%a %b %d %H:%M:%S %z %Y")
        .to_string()
}

fn wb_comment(
    id: u64,
    secs_ago: i64,
    text: &str,
    user: (u64, &str),
    reply_to: Option<u64>,
) -> Value {
    let mut c = json!({
        "created_at": weibo_time(secs_ago), "id": id, "idstr": id.to_string(), "text": text,
        "source": "<a href=\"http://weibo.com/\" rel=\"nofollow\">微博 weibo.com</a>", "mid": id.to_string(),
        "user": {"id": user.0, "idstr": user.0.to_string(), "screen_name": user.1},
        "status": {"id": 1, "idstr": "1"}
    });
    if let Some(r) = reply_to {
        c["reply_comment"] = json!({"id": r, "idstr": r.to_string(), "text": "…"});
    }
    c
}

struct WbComments {
    statuses: Vec<Value>,
    comments: std::collections::HashMap<String, Vec<Value>>,
    error: Option<Value>,
}

/// A mock of `user_timeline` and `comments/show`: yesterday's status with
/// 55 comments (one the account's reply), one without comments, and an old one.
fn weibo_with_comments() -> (MockServer, Arc<Mutex<WbComments>>) {
    let mut recent = status(5100000000000002, &weibo_time(86_400), "假期办事指南");
    recent["comments_count"] = json!(55);
    let mut quiet = status(5100000000000001, &weibo_time(90_000), "今天天气晴");
    quiet["comments_count"] = json!(0);
    let mut old = status(5000000000000001, "Mon Jun 03 09:30:12 +0800 2024", "旧微博");
    old["comments_count"] = json!(3);
    let mut list: Vec<Value> = (1..=54)
        .map(|i| {
            wb_comment(
                7000 + i,
                80_000 - i as i64,
                &format!("评论{i}"),
                (7000000000 + i, "网友"),
                None,
            )
        })
        .collect();
    list[0] = wb_comment(
        7001,
        80_000,
        "请问10号下午能办理户籍业务吗？",
        (7000000001, "市民小李"),
        None,
    );
    list.push(wb_comment(
        7100,
        70_000,
        "您好，10号下午正常办理。",
        (6012345678, "某市政务服务"),
        Some(7001),
    ));
    let state = Arc::new(Mutex::new(WbComments {
        statuses: vec![recent, quiet, old],
        comments: [("5100000000000002".to_string(), list)]
            .into_iter()
            .collect(),
        error: None,
    }));
    let st = state.clone();
    let server = MockServer::start(move |r| {
        let s = st.lock().unwrap();
        if r.q("access_token") != TOKEN {
            return Reply::new(
                400,
                "application/json",
                json!({"error_code": 21327, "error": "expired_token"}).to_string(),
            );
        }
        match r.path.as_str() {
            PATH => {
                let count: usize = r.q("count").parse().unwrap_or(20);
                let since: u64 = r.q("since_id").parse().unwrap_or(0);
                let max: u64 = r.q("max_id").parse().unwrap_or(u64::MAX);
                let page: Vec<Value> = s
                    .statuses
                    .iter()
                    .filter(|x| {
                        let id = x["id"].as_u64().unwrap();
                        id > since && id <= max
                    })
                    .take(count)
                    .cloned()
                    .collect();
                Reply::json(json!({"statuses": page, "hasvisible": false, "total_number": 3}))
            }
            COMMENTS_PATH => {
                if let Some(e) = &s.error {
                    return Reply::json(e.clone());
                }
                let count: usize = r.q("count").parse().unwrap();
                let page_no: usize = r.q("page").parse().unwrap();
                let all = s.comments.get(r.q("id")).cloned().unwrap_or_default();
                let page: Vec<Value> = all
                    .iter()
                    .skip((page_no - 1) * count)
                    .take(count)
                    .cloned()
                    .collect();
                Reply::json(
                    json!({"comments": page, "hasvisible": false, "previous_cursor": 0,
                                   "next_cursor": 0, "total_number": all.len()}),
                )
            }
            _ => Reply::text(404, "no such API"),
        }
    });
    (server, state)
}

#[test]
fn comments_are_read_page_by_page_and_the_accounts_replies_marked() {
    let (server, _) = weibo_with_comments();
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    let post = |id: &str| f.posts.iter().find(|p| p.id == id).unwrap();
    let c = &post("5100000000000002").comments;
    assert_eq!(c.len(), 55);
    assert_eq!(c[0].id, "7001");
    assert_eq!(c[0].author, "市民小李");
    assert_eq!(c[0].text, "请问10号下午能办理户籍业务吗？");
    assert!(!c[0].from_account);
    assert!(c[0].published_at.is_some());
    let reply = c.iter().find(|c| c.id == "7100").unwrap();
    assert!(reply.from_account);
    assert_eq!(reply.reply_to.as_deref(), Some("7001"));
    assert!(post("5100000000000001").comments.is_empty());
    assert!(post("5000000000000001").comments.is_empty());
    let asked: Vec<(String, String, String)> = server
        .requests_to(COMMENTS_PATH)
        .iter()
        .map(|r| {
            (
                r.q("id").to_string(),
                r.q("count").to_string(),
                r.q("page").to_string(),
            )
        })
        .collect();
    // Only the recent status with comments; two pages of 50.
    assert_eq!(
        asked,
        [
            ("5100000000000002".into(), "50".into(), "1".into()),
            ("5100000000000002".into(), "50".into(), "2".into())
        ]
    );
    assert_no_secret(&all_text(&f), &[TOKEN]);
}

#[test]
fn a_comment_permission_error_is_a_warning_and_the_posts_still_arrive() {
    let (server, state) = weibo_with_comments();
    state.lock().unwrap().error = Some(
        json!({"request": COMMENTS_PATH, "error_code": 10014, "error": "Insufficient app permissions!"}),
    );
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.posts.len(), 3);
    assert!(f.posts.iter().all(|p| p.comments.is_empty()));
    assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    assert!(f.warnings[0].contains("10014"), "{}", f.warnings[0]);
    assert_eq!(server.requests_to(COMMENTS_PATH).len(), 1);
    assert_no_secret(&all_text(&f), &[TOKEN]);
}

#[test]
fn recent_posts_behind_the_cursor_are_read_again_for_new_comments() {
    let (server, state) = weibo_with_comments();
    let first = fetch(options(), &server.base, None);
    let cursor = first.cursor.unwrap();
    assert_eq!(cursor["since_id"], "5100000000000002");
    assert!(cursor["newest_at"].is_i64());
    state
        .lock()
        .unwrap()
        .comments
        .get_mut("5100000000000002")
        .unwrap()
        .push(wb_comment(
            7200,
            60,
            "怎么预约？",
            (7000000099, "新网友"),
            None,
        ));
    let before = server.requests_to(PATH).len();
    let again = fetch(options(), &server.base, Some(&cursor));
    assert_eq!(again.error, None);
    let ids: Vec<&str> = again.posts.iter().map(|p| p.id.as_str()).collect();
    // The recent status with comments comes again, with the new comment;
    // the one without comments and the old one do not.
    assert_eq!(ids, ["5100000000000002"]);
    assert_eq!(again.posts[0].comments.len(), 56);
    assert_eq!(
        again.cursor.as_ref().unwrap()["since_id"],
        "5100000000000002"
    );
    let timeline: Vec<(String, String)> = server.requests_to(PATH)[before..]
        .iter()
        .map(|r| (r.q("since_id").to_string(), r.q("max_id").to_string()))
        .collect();
    assert_eq!(timeline[0], ("5100000000000002".to_string(), String::new()));
    assert_eq!(timeline[1], (String::new(), "5100000000000002".to_string()));
}
