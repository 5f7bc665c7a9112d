//! The CMS JSON connector against a mock of the contract in
//! docs/CONNECTORS.md (platform-apis.md §6) on 127.0.0.1.

mod support;

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support::{account, all_text, assert_no_secret, fast_options, MockServer, Reply};
use xunjian::model::{Account, Platform, SourceSpec};
use xunjian::source::net::{Fetched, NetClient, NetOptions};

const TOKEN: &str = "CMS-TOKEN-0123456789";
const PATH: &str = "/api/xunjian/items";

fn item(n: u32, status: &str) -> Value {
    json!({
        "id": format!("cms-20240603-{n:04}"),
        "title": format!("市政府召开常务会议 {n}"),
        "content_html": format!("<p>第{n}条正文</p>"),
        "url": format!("https://app.example.gov.cn/news/20240603-{n:04}"),
        "author": "新闻中心",
        "published_at": format!("2024-06-03T09:{n:02}:00+08:00"),
        "updated_at": format!("2024-06-03T10:{n:02}:00+08:00"),
        "status": status,
    })
}

struct Cms {
    items: Vec<Value>,
    /// Give `next_cursor: null` on the last page instead of a continuation.
    null_at_end: bool,
    calls: usize,
}

/// A CMS paging with opaque `off:N` cursors.
fn cms(
    items: Vec<Value>,
    null_at_end: bool,
    fail_first: Option<Reply>,
) -> (MockServer, Arc<Mutex<Cms>>) {
    let state = Arc::new(Mutex::new(Cms {
        items,
        null_at_end,
        calls: 0,
    }));
    let st = state.clone();
    let first = Mutex::new(fail_first);
    let server = MockServer::start(move |r| {
        if r.path != PATH {
            return Reply::json(json!({"error": "not found"}));
        }
        if let Some(reply) = first.lock().unwrap().take() {
            return reply;
        }
        if r.headers.get("authorization").map(String::as_str) != Some(&format!("Bearer {TOKEN}")) {
            return Reply::json(json!({"error": "unauthorized"})).status(401);
        }
        let mut s = st.lock().unwrap();
        s.calls += 1;
        let limit: usize = r.q("limit").parse().unwrap();
        let since = r.q("updated_since").to_string();
        let offset: usize = r
            .q("cursor")
            .strip_prefix("off:")
            .map(|o| o.parse().unwrap())
            .unwrap_or(0);
        let matching: Vec<Value> = s
            .items
            .iter()
            .filter(|i| {
                since.is_empty() || i["updated_at"].as_str().unwrap_or("") >= since.as_str()
            })
            .cloned()
            .collect();
        let page: Vec<Value> = matching.iter().skip(offset).take(limit).cloned().collect();
        let end = offset + page.len();
        let next = if end >= matching.len() && s.null_at_end {
            Value::Null
        } else {
            json!(format!("off:{end}"))
        };
        Reply::json(json!({"items": page, "next_cursor": next}))
    });
    (server, state)
}

trait Status {
    fn status(self, status: u16) -> Reply;
}

impl Status for Reply {
    fn status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }
}

fn cms_account(base: &str, token_env: Option<&str>) -> Account {
    account(
        "app-cms",
        Platform::App,
        "app.example.gov.cn",
        SourceSpec::JsonApi {
            base_url: format!("{base}{PATH}"),
            token_env: token_env.map(str::to_string),
        },
    )
}

fn options() -> NetOptions {
    let mut o = fast_options(&[("XJ_CMS_TOKEN", TOKEN)]);
    o.json_api_page_size = 2;
    o
}

fn fetch(base: &str, cursor: Option<&Value>) -> Fetched {
    NetClient::new(options()).unwrap().fetch_blocking(
        &cms_account(base, Some("XJ_CMS_TOKEN")),
        cursor,
        None,
    )
}

#[test]
fn pages_with_next_cursor_and_resumes_from_it() {
    let mut items: Vec<Value> = (1..=5).map(|n| item(n, "published")).collect();
    items[1]["status"] = json!("deleted");
    items.push(json!({"title": "no id", "content_html": "<p>x</p>"}));
    let mut bad = item(7, "published");
    bad["published_at"] = json!("yesterday");
    items.push(bad);
    let (server, state) = cms(items, false, None);
    let f = fetch(&server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "cms-20240603-0001",
            "cms-20240603-0003",
            "cms-20240603-0004",
            "cms-20240603-0005"
        ]
    );
    assert_eq!(f.deleted, ["cms-20240603-0002"]);
    assert_eq!(f.problems.len(), 2, "{:?}", f.problems);
    assert!(f.problems[0].message.contains("without `id`"));
    assert!(f.problems[1].message.contains("`published_at`"));
    let p = &f.posts[0];
    assert_eq!(p.title, "市政府召开常务会议 1");
    assert_eq!(p.text, "第1条正文");
    assert_eq!(p.author, "新闻中心");
    assert_eq!(p.url, "https://app.example.gov.cn/news/20240603-0001");
    assert_eq!(
        p.published_at.unwrap().to_rfc3339(),
        "2024-06-03T09:01:00+08:00"
    );

    let cursors: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.q("cursor").to_string())
        .collect();
    assert_eq!(cursors, ["", "off:2", "off:4", "off:6", "off:7"]);
    for r in server.requests() {
        assert_eq!(r.q("limit"), "2");
        assert_eq!(r.method, "GET");
    }
    let cursor = f.cursor.clone().unwrap();
    assert_eq!(cursor["next_cursor"], "off:7");
    assert_eq!(cursor["updated_since"], "2024-06-03T10:05:00+08:00");
    assert_no_secret(&all_text(&f), &[TOKEN]);

    // The next run resumes at off:7: nothing new, one request.
    let again = fetch(&server.base, Some(&cursor));
    assert!(again.posts.is_empty());
    assert_eq!(again.requests, 1);
    state.lock().unwrap().items.push(item(8, "published"));
    let third = fetch(&server.base, Some(&cursor));
    let ids: Vec<&str> = third.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["cms-20240603-0008"]);
}

#[test]
fn without_a_continuation_the_next_run_asks_updated_since() {
    let items: Vec<Value> = (1..=3).map(|n| item(n, "published")).collect();
    let (server, _) = cms(items, true, None);
    let f = fetch(&server.base, None);
    assert_eq!(f.posts.len(), 3);
    let cursor = f.cursor.unwrap();
    assert_eq!(cursor["next_cursor"], Value::Null);
    let again = fetch(&server.base, Some(&cursor));
    let last = server.requests().pop().unwrap();
    assert_eq!(last.q("updated_since"), "2024-06-03T10:03:00+08:00");
    assert_eq!(last.q("cursor"), "");
    // The newest item is at the bound and comes back once more.
    assert_eq!(again.posts.len(), 1);
}

#[test]
fn since_is_sent_as_updated_since() {
    let items: Vec<Value> = (1..=3).map(|n| item(n, "published")).collect();
    let (server, _) = cms(items, true, None);
    let since = chrono::DateTime::parse_from_rfc3339("2024-06-03T09:02:00+08:00").unwrap();
    let f = NetClient::new(options()).unwrap().fetch_blocking(
        &cms_account(&server.base, Some("XJ_CMS_TOKEN")),
        None,
        Some(since),
    );
    assert_eq!(
        server.requests()[0].q("updated_since"),
        "2024-06-03T09:02:00+08:00"
    );
    assert_eq!(f.posts.len(), 2);
}

#[test]
fn a_refused_token_is_reported_at_once() {
    let (server, _) = cms(vec![item(1, "published")], false, None);
    let o = fast_options(&[("XJ_CMS_TOKEN", "WRONG-TOKEN-987654")]);
    let f = NetClient::new(o).unwrap().fetch_blocking(
        &cms_account(&server.base, Some("XJ_CMS_TOKEN")),
        None,
        None,
    );
    let e = f.error.clone().unwrap();
    assert!(
        e.contains("HTTP 401") && e.contains("`XJ_CMS_TOKEN`"),
        "{e}"
    );
    assert_eq!(server.requests().len(), 1, "no retry");
    assert_no_secret(&all_text(&f), &["WRONG-TOKEN-987654"]);

    // Without token_env the error says to add one.
    let f = NetClient::new(options()).unwrap().fetch_blocking(
        &cms_account(&server.base, None),
        None,
        None,
    );
    assert!(f.error.unwrap().contains("add token_env"));
    assert!(!server.requests()[1].headers.contains_key("authorization"));
}

#[test]
fn a_server_error_then_success_is_retried() {
    let (server, _) = cms(
        vec![item(1, "published")],
        false,
        Some(Reply::json(json!({"error": "db down"})).status(500)),
    );
    let f = fetch(&server.base, None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.posts.len(), 1);
    assert_eq!(f.requests, 3);
}

#[test]
fn malformed_answers_are_errors() {
    let (server, _) = cms(
        vec![],
        false,
        Some(Reply::new(200, "application/json", "{\"items\": [")),
    );
    let e = fetch(&server.base, None).error.unwrap();
    assert!(e.contains("malformed answer, not JSON"), "{e}");
    assert_eq!(server.requests().len(), 1);

    let (server, _) = cms(vec![], false, Some(Reply::json(json!({"data": []}))));
    let e = fetch(&server.base, None).error.unwrap();
    assert!(e.contains("no `items` list"), "{e}");
}
