//! The WeChat connector against a mock of `stable_token` and
//! `freepublish/batchget` on 127.0.0.1, speaking the platform's shapes.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{account, all_text, assert_no_secret, fast_options, MockServer, Recorded, Reply};
use xunjian::model::{Account, Platform, SourceSpec};
use xunjian::source::net::{fetch_all_blocking, Fetched, NetClient, NetOptions};

const APP_ID: &str = "wx0a1b2c3d4e5f6a7b";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const TOKEN_PATH: &str = "/cgi-bin/stable_token";
const BATCH_PATH: &str = "/cgi-bin/freepublish/batchget";
const COMMENT_PATH: &str = "/cgi-bin/comment/list";
const SUMMARY_PATH: &str = "/datacube/getarticlesummary";

/// The mock's state: tokens issued, the one currently valid, calls made.
#[derive(Default)]
struct Wx {
    issued: usize,
    valid: String,
    batch_calls: usize,
    publishes: Vec<Value>,
    expires_in: u64,
    token_delay: Duration,
    batch_delay: Duration,
    /// Comments by (msg_data_id, index), as `comment/list` returns them.
    comments: std::collections::HashMap<(u64, u64), Vec<Value>>,
    /// An errcode `comment/list` answers with instead.
    comment_error: Option<i64>,
    /// What `datacube/getarticlesummary` lists (any day).
    summary: Vec<Value>,
}

type Hook = dyn Fn(&Recorded, &mut Wx) -> Option<Reply> + Send + Sync;

/// A WeChat mock serving `publishes` (newest first). `hook` may answer a
/// batchget call itself (it sees the call number in `Wx::batch_calls`).
fn wechat(
    publishes: Vec<Value>,
    hook: impl Fn(&Recorded, &mut Wx) -> Option<Reply> + Send + Sync + 'static,
) -> (MockServer, Arc<Mutex<Wx>>) {
    let state = Arc::new(Mutex::new(Wx {
        publishes,
        expires_in: 7200,
        ..Wx::default()
    }));
    let hook: Arc<Hook> = Arc::new(hook);
    let st = state.clone();
    let server = MockServer::start(move |r| {
        let mut s = st.lock().unwrap();
        match r.path.as_str() {
            TOKEN_PATH => {
                let b = r.json();
                if b["grant_type"] != "client_credential" || b["appid"] != APP_ID {
                    return Reply::json(json!({"errcode": 40013, "errmsg": "invalid appid"}));
                }
                if b["secret"] != SECRET {
                    return Reply::json(json!({"errcode": 40125, "errmsg": "invalid appsecret"}));
                }
                s.issued += 1;
                s.valid = format!("81_TOKEN{}_Qm9ndXNUb2tlbg", s.issued);
                Reply::json(json!({"access_token": s.valid, "expires_in": s.expires_in}))
                    .after(s.token_delay)
            }
            BATCH_PATH => {
                s.batch_calls += 1;
                if let Some(reply) = hook(r, &mut s) {
                    return reply;
                }
                if r.query.contains_key("offset") {
                    return Reply::json(json!({"errcode": 40097, "errmsg": "invalid args"}));
                }
                if r.q("access_token") != s.valid {
                    return Reply::json(
                        json!({"errcode": 42001, "errmsg": "access_token expired rid: 6650a1b2"}),
                    );
                }
                let b = r.json();
                let offset = b["offset"].as_u64().unwrap() as usize;
                let count = b["count"].as_u64().unwrap() as usize;
                assert!((1..=20).contains(&count), "count {count}");
                let items: Vec<Value> = s
                    .publishes
                    .iter()
                    .skip(offset)
                    .take(count)
                    .cloned()
                    .collect();
                Reply::json(json!({
                    "total_count": s.publishes.len(),
                    "item_count": items.len(),
                    "item": items,
                }))
                .after(s.batch_delay)
            }
            COMMENT_PATH => {
                if r.q("access_token") != s.valid {
                    return Reply::json(
                        json!({"errcode": 42001, "errmsg": "access_token expired"}),
                    );
                }
                if let Some(code) = s.comment_error {
                    return Reply::json(json!({"errcode": code, "errmsg": "no comment privilege"}));
                }
                let b = r.json();
                let count = b["count"].as_u64().unwrap();
                if count >= 50 || count == 0 || b["type"].as_u64().is_none() {
                    return Reply::json(json!({"errcode": 40097, "errmsg": "invalid args"}));
                }
                let key = (
                    b["msg_data_id"].as_u64().unwrap(),
                    b["index"].as_u64().unwrap_or(0),
                );
                let Some(all) = s.comments.get(&key) else {
                    return Reply::json(
                        json!({"errcode": 88001, "errmsg": "msg_data is not exists"}),
                    );
                };
                let begin = b["begin"].as_u64().unwrap() as usize;
                let page: Vec<Value> = all
                    .iter()
                    .skip(begin)
                    .take(count as usize)
                    .cloned()
                    .collect();
                // WeChat's `total` is the page size in practice.
                Reply::json(
                    json!({"errcode": 0, "errmsg": "ok", "total": page.len(), "comment": page}),
                )
            }
            SUMMARY_PATH => {
                if r.q("access_token") != s.valid {
                    return Reply::json(
                        json!({"errcode": 42001, "errmsg": "access_token expired"}),
                    );
                }
                let b = r.json();
                assert_eq!(b["begin_date"], b["end_date"], "one day at a time");
                Reply::json(json!({"list": s.summary}))
            }
            _ => Reply::text(404, "no such path"),
        }
    });
    (server, state)
}

fn news(title: &str, html: &str, deleted: bool) -> Value {
    json!({
        "title": title,
        "author": "办公室",
        "digest": "",
        "content": html,
        "content_source_url": "",
        "thumb_media_id": "MEDIA_THUMB_001",
        "thumb_url": "https://mmbiz.qpic.cn/mmbiz_jpg/abc/0?wx_fmt=jpeg",
        "need_open_comment": 1,
        "only_fans_can_comment": 0,
        "url": format!("https://mp.weixin.qq.com/s/{title}"),
        "is_deleted": deleted,
    })
}

fn publish(id: &str, update_time: i64, items: Vec<Value>) -> Value {
    json!({"article_id": id, "update_time": update_time, "content": {"news_item": items}})
}

/// Five publishes, newest first: ART0 has two articles, ART2's article is deleted.
fn five() -> Vec<Value> {
    let t0 = 1_717_405_200;
    vec![
        publish(
            "ART0",
            t0,
            vec![
                news(
                    "关于端午节假期服务安排的通知",
                    "<section><p>各位市民：</p><p><img data-src=\"https://mmbiz.qpic.cn/x.png\" /></p><p>端午节期间&nbsp;正常办公。</p></section>",
                    false,
                ),
                news("便民服务热线一览", "<p>服务热线……</p>", false),
            ],
        ),
        publish("ART1", t0 - 3600, vec![news("第二篇", "<p>正文一</p>", false)]),
        publish("ART2", t0 - 7200, vec![news("（已删除）活动预告", "<p>本周六</p>", true)]),
        publish("ART3", t0 - 10800, vec![news("第四篇", "<p>正文三</p>", false)]),
        publish("ART4", t0 - 14400, vec![news("第五篇", "<p>正文四</p>", false)]),
    ]
}

fn wechat_account(base: &str) -> Account {
    account(
        "jyj-wechat",
        Platform::Wechat,
        "gh_3a9c2f1e8b70",
        SourceSpec::Wechat {
            app_id_env: "XJ_WX_APPID".into(),
            app_secret_env: "XJ_WX_SECRET".into(),
            base_url: base.into(),
        },
    )
}

fn options() -> NetOptions {
    let mut o = fast_options(&[("XJ_WX_APPID", APP_ID), ("XJ_WX_SECRET", SECRET)]);
    o.wechat_page_size = 2;
    o
}

fn fetch(options: NetOptions, base: &str, cursor: Option<&Value>) -> Fetched {
    let client = NetClient::new(options).unwrap();
    client.fetch_blocking(&wechat_account(base), cursor, None)
}

fn secrets(server: &Arc<Mutex<Wx>>) -> Vec<String> {
    let issued = server.lock().unwrap().issued;
    let mut s: Vec<String> = (1..=issued)
        .map(|i| format!("81_TOKEN{i}_Qm9ndXNUb2tlbg"))
        .collect();
    s.push(SECRET.into());
    s
}

fn check_no_secrets(f: &Fetched, state: &Arc<Mutex<Wx>>) {
    let secrets = secrets(state);
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&all_text(f), &refs);
}

#[test]
fn pages_multi_article_publishes_and_deleted_items() {
    let (server, state) = wechat(five(), |_, _| None);
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    // Oldest first; ART0's two articles share a time and keep their order.
    assert_eq!(ids, ["ART4_1", "ART3_1", "ART1_1", "ART0_1", "ART0_2"]);
    assert_eq!(f.deleted, ["ART2_1"]);
    let first = &f.posts[3];
    assert_eq!(first.title, "关于端午节假期服务安排的通知");
    assert_eq!(first.text, "各位市民：\n\n端午节期间 正常办公。");
    assert_eq!(first.author, "办公室");
    assert_eq!(
        first.url,
        "https://mp.weixin.qq.com/s/关于端午节假期服务安排的通知"
    );
    assert_eq!(
        first.published_at.unwrap().to_rfc3339(),
        "2024-06-03T17:00:00+08:00"
    );
    assert!(!first.truncated);

    let tokens = server.requests_to(TOKEN_PATH);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].method, "POST");
    assert_eq!(
        tokens[0].json(),
        json!({"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET, "force_refresh": false})
    );
    let pages = server.requests_to(BATCH_PATH);
    let offsets: Vec<u64> = pages
        .iter()
        .map(|r| r.json()["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets, [0, 2, 4]);
    for p in &pages {
        assert_eq!(p.method, "POST");
        assert_eq!(p.json()["count"], 2);
        assert_eq!(p.json()["no_content"], 0);
        assert_eq!(p.q("access_token"), "81_TOKEN1_Qm9ndXNUb2tlbg");
        assert!(p.headers["content-type"].starts_with("application/json"));
    }
    assert_eq!(f.requests, 4);
    let cursor = f.cursor.clone().unwrap();
    assert_eq!(cursor["kind"], "wechat");
    assert_eq!(cursor["update_time"], 1_717_405_200);
    check_no_secrets(&f, &state);
}

#[test]
fn cursor_reads_only_new_publishes_and_stops_early() {
    let (server, state) = wechat(five(), |_, _| None);
    let client = NetClient::new(options()).unwrap();
    let acc = wechat_account(&server.base);
    let first = client.fetch_blocking(&acc, None, None);
    assert_eq!(first.posts.len(), 5);
    let cursor = first.cursor.unwrap();

    // Nothing new: one page read, nothing returned, same position.
    let again = client.fetch_blocking(&acc, Some(&cursor), None);
    assert_eq!(again.error, None);
    assert!(again.posts.is_empty() && again.deleted.is_empty());
    assert_eq!(
        again.requests, 1,
        "the cached token is reused, one page read"
    );
    assert_eq!(again.cursor.as_ref(), Some(&cursor));

    // A new publish and an edit of ART3 (its update_time moves up).
    {
        let mut s = state.lock().unwrap();
        let mut edited = s.publishes.remove(3);
        edited["update_time"] = json!(1_717_405_300);
        s.publishes.insert(0, edited);
        s.publishes.insert(
            0,
            publish(
                "ART5",
                1_717_409_000,
                vec![news("新发布", "<p>新内容</p>", false)],
            ),
        );
    }
    let third = client.fetch_blocking(&acc, Some(&cursor), None);
    let ids: Vec<&str> = third.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ART3_1", "ART5_1"]);
    assert_eq!(third.cursor.unwrap()["update_time"], 1_717_409_000);
    // Page 1 (ART5, ART3) had news, page 2 (ART0, ART1) had none: stop.
    assert_eq!(third.requests, 2);
}

#[test]
fn since_bounds_a_first_fetch() {
    let (server, _state) = wechat(five(), |_, _| None);
    let client = NetClient::new(options()).unwrap();
    let since = chrono::DateTime::parse_from_rfc3339("2024-06-03T15:30:00+08:00").unwrap();
    let f = client.fetch_blocking(&wechat_account(&server.base), None, Some(since));
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ART1_1", "ART0_1", "ART0_2"]);
    // Page 2 (ART2, ART3) holds nothing at or after `since`: stop there.
    assert_eq!(server.requests_to(BATCH_PATH).len(), 2);
}

#[test]
fn token_expiring_mid_run_is_refreshed_once_and_the_call_retried() {
    let (server, state) = wechat(five(), |_, s| {
        if s.batch_calls == 2 {
            // The token expires between page 1 and page 2.
            s.valid = "expired".into();
        }
        None
    });
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.posts.len(), 5);
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
    let pages: Vec<(u64, String)> = server
        .requests_to(BATCH_PATH)
        .iter()
        .map(|r| {
            (
                r.json()["offset"].as_u64().unwrap(),
                r.q("access_token").to_string(),
            )
        })
        .collect();
    assert_eq!(
        pages,
        [
            (0, "81_TOKEN1_Qm9ndXNUb2tlbg".to_string()),
            (2, "81_TOKEN1_Qm9ndXNUb2tlbg".to_string()),
            (2, "81_TOKEN2_Qm9ndXNUb2tlbg".to_string()),
            (4, "81_TOKEN2_Qm9ndXNUb2tlbg".to_string()),
        ]
    );
    assert_eq!(f.requests, 6);
    check_no_secrets(&f, &state);
}

#[test]
fn a_token_rejected_again_after_refresh_is_an_error() {
    let (server, state) = wechat(five(), |_, _| {
        Some(Reply::json(
            json!({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}),
        ))
    });
    let f = fetch(options(), &server.base, None);
    let e = f.error.clone().expect("an error");
    assert!(e.contains("WeChat 40001"), "{e}");
    assert!(
        e.contains("a fresh token was rejected too") && e.contains("XJ_WX_SECRET"),
        "{e}"
    );
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
    assert_eq!(server.requests_to(BATCH_PATH).len(), 2);
    assert_eq!(f.cursor, None);
    check_no_secrets(&f, &state);
}

#[test]
fn busy_rate_limit_and_server_errors_are_retried() {
    let (server, state) = wechat(five(), |_, s| match s.batch_calls {
        1 => Some(Reply::json(
            json!({"errcode": 45011, "errmsg": "api minute-quota reach limit, must slower, retry next minute"}),
        )),
        2 => Some(Reply::html(
            500,
            "<html><body>Internal Server Error</body></html>",
        )),
        4 => Some(Reply::json(
            json!({"errcode": -1, "errmsg": "system error"}),
        )),
        _ => None,
    });
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.posts.len(), 5);
    let offsets: Vec<u64> = server
        .requests_to(BATCH_PATH)
        .iter()
        .map(|r| r.json()["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets, [0, 0, 0, 2, 2, 4]);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    check_no_secrets(&f, &state);
}

#[test]
fn retries_run_out_into_an_error_that_says_so() {
    let (server, _state) = wechat(five(), |_, _| {
        Some(Reply::json(
            json!({"errcode": -1, "errmsg": "system error"}),
        ))
    });
    let f = fetch(options(), &server.base, None);
    let e = f.error.unwrap();
    assert!(
        e.contains("WeChat -1") && e.contains("gave up after 3 attempts"),
        "{e}"
    );
    assert_eq!(server.requests_to(BATCH_PATH).len(), 3);
}

#[test]
fn a_permission_error_is_reported_at_once_with_what_to_do() {
    let (server, state) = wechat(five(), |_, _| {
        Some(Reply::json(
            json!({"errcode": 48001, "errmsg": "api unauthorized rid: 6650a1b2-1"}),
        ))
    });
    let f = fetch(options(), &server.base, None);
    let e = f.error.clone().unwrap();
    assert!(
        e.starts_with("WeChat 48001: this account's app is not authorised for the publish API; only verified accounts can call it"),
        "{e}"
    );
    assert_eq!(server.requests_to(BATCH_PATH).len(), 1, "no retry");
    assert!(f.posts.is_empty());
    assert_eq!(f.cursor, None);
    check_no_secrets(&f, &state);
}

#[test]
fn a_daily_quota_error_is_not_retried() {
    let (server, _state) = wechat(five(), |_, _| {
        Some(Reply::json(
            json!({"errcode": 45009, "errmsg": "reach max api daily quota limit"}),
        ))
    });
    let f = fetch(options(), &server.base, None);
    assert!(f.error.unwrap().contains("run again tomorrow"));
    assert_eq!(server.requests_to(BATCH_PATH).len(), 1);
}

#[test]
fn a_timeout_is_retried() {
    let (server, _state) = wechat(five(), |_, s| {
        (s.batch_calls == 1)
            .then(|| Reply::json(json!({"late": true})).after(Duration::from_secs(2)))
    });
    let mut o = options();
    o.request_timeout = Duration::from_millis(300);
    let start = Instant::now();
    let f = fetch(o, &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.posts.len(), 5);
    assert_eq!(server.requests_to(BATCH_PATH).len(), 4);
    assert!(
        start.elapsed() < Duration::from_millis(1800),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_timeout_every_time_ends_in_an_error() {
    let (server, _state) = wechat(five(), |_, _| {
        Some(Reply::json(json!({})).after(Duration::from_millis(600)))
    });
    let mut o = options();
    o.request_timeout = Duration::from_millis(150);
    o.retry.max_attempts = 2;
    let f = fetch(o, &server.base, None);
    let e = f.error.unwrap();
    assert!(
        e.contains("timed out") && e.contains("gave up after 2 attempts"),
        "{e}"
    );
    assert!(!e.contains("access_token=81"), "{e}");
}

#[test]
fn malformed_json_is_an_error_without_retry() {
    let (server, state) = wechat(five(), |_, _| {
        Some(Reply::new(
            200,
            "application/json",
            "{\"total_count\": 3, \"item\": [ {",
        ))
    });
    let f = fetch(options(), &server.base, None);
    let e = f.error.clone().unwrap();
    assert!(e.contains("malformed answer, not JSON"), "{e}");
    assert_eq!(server.requests_to(BATCH_PATH).len(), 1);
    check_no_secrets(&f, &state);
}

#[test]
fn an_oversized_response_is_an_error_not_an_allocation() {
    let big = "<p>".to_string() + &"巡".repeat(100_000) + "</p>";
    for chunked in [false, true] {
        let body = json!({"total_count": 1, "item_count": 1, "item": [publish("BIG", 1, vec![news("大", &big, false)])]});
        let (server, _state) = wechat(vec![], move |_, _| {
            let r = Reply::json(body.clone());
            Some(if chunked { r.chunked() } else { r })
        });
        let mut o = options();
        o.max_response_bytes = 64 * 1024;
        let f = fetch(o, &server.base, None);
        let e = f.error.unwrap();
        assert!(
            e.contains("larger than 65536 bytes"),
            "chunked={chunked}: {e}"
        );
        assert_eq!(server.requests_to(BATCH_PATH).len(), 1, "not retried");
    }
}

#[test]
fn an_oversized_post_is_cut_and_marked_truncated() {
    let long = "<p>".to_string() + &"检".repeat(1000) + "</p>";
    let (server, _state) = wechat(
        vec![publish(
            "LONG",
            1_717_405_200,
            vec![news("长文", &long, false)],
        )],
        |_, _| None,
    );
    let mut o = options();
    o.max_post_bytes = 100;
    let f = fetch(o, &server.base, None);
    assert_eq!(f.posts.len(), 1);
    let p = &f.posts[0];
    assert!(p.truncated);
    assert_eq!(p.text, "检".repeat(33));
}

#[test]
fn missing_env_var_is_reported_without_any_request() {
    let (server, _state) = wechat(five(), |_, _| None);
    let o = fast_options(&[("XJ_WX_APPID", APP_ID)]);
    let f = fetch(o, &server.base, None);
    let e = f.error.unwrap();
    assert!(e.contains("`XJ_WX_SECRET` is not set"), "{e}");
    assert_eq!(f.requests, 0);
    assert!(server.requests().is_empty());
}

#[test]
fn a_wrong_secret_names_the_variable_never_the_value() {
    let (server, _state) = wechat(five(), |_, _| None);
    let wrong = "ffffffffffffffffffffffffffffffff";
    let o = fast_options(&[("XJ_WX_APPID", APP_ID), ("XJ_WX_SECRET", wrong)]);
    let f = fetch(o, &server.base, None);
    let e = f.error.clone().unwrap();
    assert!(
        e.starts_with("WeChat 40125: the AppSecret in `XJ_WX_SECRET` is wrong"),
        "{e}"
    );
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
    assert_no_secret(&all_text(&f), &[wrong]);
}

#[test]
fn accounts_sharing_an_app_id_share_one_token_refresh() {
    let (server, state) = wechat(five(), |_, _| None);
    // A slow token endpoint, so the three fetches would all ask at once
    // without the per-app lock.
    state.lock().unwrap().token_delay = Duration::from_millis(200);
    state.lock().unwrap().batch_delay = Duration::from_millis(50);
    let accounts: Vec<Account> = (0..3)
        .map(|i| {
            let mut a = wechat_account(&server.base);
            a.id = format!("acc{i}");
            a.platform_account_id = format!("gh_{i}");
            a
        })
        .collect();
    let refs: Vec<&Account> = accounts.iter().collect();
    let mut o = options();
    o.jobs = 3;
    let client = NetClient::new(o).unwrap();
    let mut done = Vec::new();
    fetch_all_blocking(&client, &refs, &[], None, |i, f| done.push((i, f)));
    assert_eq!(done.len(), 3);
    for (_, f) in &done {
        assert_eq!(f.error, None);
        assert_eq!(f.posts.len(), 5);
    }
    assert_eq!(
        server.requests_to(TOKEN_PATH).len(),
        1,
        "one token for the app id"
    );
    assert!(server.max_in_flight() >= 2, "the fetches overlapped");
}

#[test]
fn a_token_about_to_expire_is_renewed_before_use() {
    let (server, state) = wechat(five(), |_, _| None);
    state.lock().unwrap().expires_in = 200; // less than the 300 s margin
    let client = NetClient::new(options()).unwrap();
    let acc = wechat_account(&server.base);
    client.fetch_blocking(&acc, None, None);
    client.fetch_blocking(&acc, None, None);
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);

    let (server, _state) = wechat(five(), |_, _| None);
    let client = NetClient::new(options()).unwrap();
    let acc = wechat_account(&server.base);
    client.fetch_blocking(&acc, None, None);
    client.fetch_blocking(&acc, None, None);
    assert_eq!(
        server.requests_to(TOKEN_PATH).len(),
        1,
        "cached while valid"
    );
}

#[test]
fn debug_output_of_the_client_holds_no_secret() {
    let (server, state) = wechat(five(), |_, _| None);
    let client = NetClient::new(options()).unwrap();
    let f = client.fetch_blocking(&wechat_account(&server.base), None, None);
    assert_eq!(f.error, None);
    let shown = format!("{client:?} {:?}", client.options());
    let secrets = secrets(&state);
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&shown, &refs);
    assert!(shown.contains("TokenCache(1 app ids)"), "{shown}");
}

/// One `comment/list` entry; `reply` is the account's answer.
fn wx_comment(id: u64, create_time: i64, content: &str, reply: Option<(&str, i64)>) -> Value {
    let mut c = json!({"user_comment_id": id, "openid": format!("oUser{id}"), "create_time": create_time,
                       "content": content, "comment_type": 0});
    if let Some((text, t)) = reply {
        c["reply"] = json!({"content": text, "create_time": t});
    }
    c
}

fn news_at(title: &str, url: &str, open: bool) -> Value {
    let mut n = news(title, "<p>正文</p>", false);
    n["url"] = json!(url);
    n["need_open_comment"] = json!(if open { 1 } else { 0 });
    n
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Yesterday's publish with three articles: one with a long-form link, one
/// found through the article summary, one with comments closed; plus an
/// old publish outside the comment window.
fn with_comments() -> (MockServer, Arc<Mutex<Wx>>, i64) {
    let t = now() - 86_400;
    let publishes = vec![
        publish(
            "ART9",
            t,
            vec![
                news_at(
                    "关于社保窗口假期安排的通知",
                    "https://mp.weixin.qq.com/s?__biz=MzA5NjAwMDAwMA==&mid=2247480001&idx=1&sn=ab",
                    true,
                ),
                news_at("公积金提取指南", "https://mp.weixin.qq.com/s/Short", true),
                news_at("评论关闭的一篇", "https://mp.weixin.qq.com/s/Closed", false),
            ],
        ),
        publish(
            "ART8",
            1_717_405_200,
            vec![news_at(
                "旧文",
                "https://mp.weixin.qq.com/s?__biz=x&mid=2247470000&idx=1",
                true,
            )],
        ),
    ];
    let (server, state) = wechat(publishes, |_, _| None);
    {
        let mut s = state.lock().unwrap();
        let mut first: Vec<Value> = (1..=60)
            .map(|i| wx_comment(i, t + 60 * i as i64, &format!("第{i}条留言"), None))
            .collect();
        first[0] = wx_comment(
            1,
            t + 60,
            "请问假期期间社保窗口开放吗？",
            Some(("您好，6月10日上午开放。", t + 3600)),
        );
        let mut anonymous = wx_comment(61, t + 7200, "热线电话打不通", None);
        anonymous.as_object_mut().unwrap().remove("openid");
        first.push(anonymous);
        s.comments.insert((2247480001, 0), first);
        s.comments.insert(
            (2247480002, 1),
            vec![wx_comment(7, t + 100, "怎么提取？", None)],
        );
        s.comments.insert(
            (2247470000, 0),
            vec![wx_comment(8, 1_717_406_000, "旧评论", None)],
        );
        s.summary = vec![
            json!({"ref_date": "x", "msgid": "2247480002_2", "title": "公积金提取指南", "int_page_read_user": 3}),
            json!({"ref_date": "x", "msgid": "2247480002_1", "title": "关于社保窗口假期安排的通知"}),
        ];
    }
    (server, state, t)
}

#[test]
fn comments_are_read_page_by_page_with_the_accounts_replies() {
    let (server, state, t) = with_comments();
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    let post = |id: &str| f.posts.iter().find(|p| p.id == id).unwrap();
    let first = &post("ART9_1").comments;
    // 61 user comments and one embedded reply.
    assert_eq!(first.len(), 62);
    assert_eq!(first[0].id, "1");
    assert_eq!(first[0].text, "请问假期期间社保窗口开放吗？");
    assert_eq!(first[0].author, "oUser1");
    assert!(!first[0].from_account);
    assert_eq!(first[0].published_at.unwrap().timestamp(), t + 60);
    assert_eq!(first[1].id, "1.reply");
    assert!(first[1].from_account);
    assert_eq!(first[1].reply_to.as_deref(), Some("1"));
    assert_eq!(first[1].text, "您好，6月10日上午开放。");
    assert_eq!(first[1].published_at.unwrap().timestamp(), t + 3600);
    let anonymous = first.iter().find(|c| c.id == "61").unwrap();
    assert_eq!(anonymous.author, "");
    // The second article's message came from the day's article summary.
    let second = &post("ART9_2").comments;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].text, "怎么提取？");
    assert!(post("ART9_3").comments.is_empty());
    // The old publish is outside the comment window: no comments asked for.
    assert!(post("ART8_1").comments.is_empty());

    let calls = server.requests_to(COMMENT_PATH);
    let asked: Vec<(u64, u64, u64, u64)> = calls
        .iter()
        .map(|r| {
            let b = r.json();
            (
                b["msg_data_id"].as_u64().unwrap(),
                b["index"].as_u64().unwrap(),
                b["begin"].as_u64().unwrap(),
                b["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        asked,
        [
            (2247480001, 0, 0, 49),
            (2247480001, 0, 49, 49),
            (2247480002, 1, 0, 49)
        ]
    );
    assert!(calls.iter().all(|r| r.json()["type"] == 0));
    assert_eq!(server.requests_to(SUMMARY_PATH).len(), 1);
    check_no_secrets(&f, &state);
}

#[test]
fn no_comment_permission_is_one_warning_and_the_posts_still_arrive() {
    let (server, state, _) = with_comments();
    state.lock().unwrap().comment_error = Some(88000);
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ART8_1", "ART9_1", "ART9_2", "ART9_3"]);
    assert!(f.posts.iter().all(|p| p.comments.is_empty()));
    assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    assert!(
        f.warnings[0].contains("88000") && f.warnings[0].contains("comment privilege"),
        "{}",
        f.warnings[0]
    );
    // Reading comments stopped at the first refusal.
    assert_eq!(server.requests_to(COMMENT_PATH).len(), 1);
    check_no_secrets(&f, &state);
}

#[test]
fn a_missing_message_skips_that_article_with_a_warning() {
    let (server, state, _) = with_comments();
    state.lock().unwrap().comments.remove(&(2247480001, 0));
    let f = fetch(options(), &server.base, None);
    assert_eq!(f.error, None);
    let second = f.posts.iter().find(|p| p.id == "ART9_2").unwrap();
    assert_eq!(second.comments.len(), 1, "the next article is still read");
    assert!(
        f.warnings.iter().any(|w| w.contains("88001")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn a_recent_publish_behind_the_cursor_is_read_again_for_new_comments() {
    let (server, state, t) = with_comments();
    let cursor = json!({"kind": "wechat", "update_time": t, "ids": ["ART9"]});
    let f = fetch(options(), &server.base, Some(&cursor));
    assert_eq!(f.error, None);
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    // Known but recent: delivered again with comments (the pipeline skips
    // them when nothing changed); comments closed or old: not delivered.
    assert_eq!(ids, ["ART9_1", "ART9_2"]);
    assert_eq!(f.posts[0].comments.len(), 62);
    assert_eq!(f.cursor.as_ref().unwrap()["update_time"], t);
    // Without a comment window nothing is read again.
    let mut o = options();
    o.comment_days = 0;
    let before = server.requests_to(COMMENT_PATH).len();
    let f = fetch(o, &server.base, Some(&cursor));
    assert!(f.posts.is_empty());
    assert_eq!(server.requests_to(COMMENT_PATH).len(), before);
    check_no_secrets(&f, &state);
}
