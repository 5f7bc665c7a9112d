//! What every connector shares: bounded concurrency across accounts,
//! results streamed as accounts finish, one account failing never stopping
//! the others, the per-platform rate limit, secrets kept out of output.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{account, fast_options, MockServer, Reply};
use xunjian::model::{Account, Platform, SourceSpec};
use xunjian::source::net::secret::{redact_url, Secret};
use xunjian::source::net::{
    describe, fetch_all_blocking, is_network, Fetched, NetClient, NetOptions,
};

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>一</title><description>甲</description><guid>a</guid></item>
<item><title>二</title><description>乙</description><guid>b</guid></item>
</channel></rss>"#;

fn feed(id: &str, url: String) -> Account {
    account(id, Platform::Toutiao, id, SourceSpec::Feed { url })
}

/// A feed server whose `/slow` route answers after `slow`, `/missing`
/// with 404, anything else at once (after `delay`).
fn server(delay: Duration, slow: Duration) -> MockServer {
    MockServer::start(move |r| match r.path.as_str() {
        "/missing" => Reply::html(404, "<html><body>No such route</body></html>"),
        "/slow" => Reply::xml(FEED).after(slow),
        _ => Reply::xml(FEED).after(delay),
    })
}

fn run(options: NetOptions, accounts: &[Account]) -> (Vec<(usize, Fetched)>, Duration) {
    let client = NetClient::new(options).unwrap();
    let refs: Vec<&Account> = accounts.iter().collect();
    let start = Instant::now();
    let mut done = Vec::new();
    fetch_all_blocking(&client, &refs, &[], None, |i, f| done.push((i, f)));
    (done, start.elapsed())
}

#[test]
fn one_failing_account_never_stops_the_others() {
    let s = server(Duration::ZERO, Duration::ZERO);
    // A loopback port nobody listens on any more: connections are refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let accounts = vec![
        feed("ok1", format!("{}/a", s.base)),
        feed("missing", format!("{}/missing", s.base)),
        account(
            "no-env",
            Platform::Wechat,
            "gh_x",
            SourceSpec::Wechat {
                app_id_env: "UNSET_APPID".into(),
                app_secret_env: "UNSET_SECRET".into(),
                base_url: s.base.clone(),
            },
        ),
        account(
            "export",
            Platform::App,
            "x",
            SourceSpec::Jsonl {
                path: "/nonexistent.jsonl".into(),
            },
        ),
        feed("refused", format!("http://{closed}/feed")),
        feed("ok2", format!("{}/b", s.base)),
    ];
    let mut o = fast_options(&[]);
    o.connect_timeout = Duration::from_millis(200);
    let (mut done, _) = run(o, &accounts);
    done.sort_by_key(|(i, _)| *i);
    let indexes: Vec<usize> = done.iter().map(|(i, _)| *i).collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4, 5], "every account reported once");
    assert_eq!(done[0].1.posts.len(), 2);
    assert_eq!(done[5].1.posts.len(), 2);
    assert!(done[1].1.error.as_ref().unwrap().contains("HTTP 404"));
    assert!(done[2]
        .1
        .error
        .as_ref()
        .unwrap()
        .contains("`UNSET_APPID` is not set"));
    assert!(done[3]
        .1
        .error
        .as_ref()
        .unwrap()
        .contains("not a network source"));
    let refused = done[4].1.error.as_ref().unwrap();
    assert!(
        refused.contains("cannot connect") && refused.contains("gave up after 3 attempts"),
        "{refused}"
    );
    assert_eq!(done[4].1.requests, 3);
}

#[test]
fn concurrency_is_bounded_by_jobs_and_results_stream_as_they_finish() {
    let s = server(Duration::from_millis(60), Duration::from_millis(700));
    let mut accounts = vec![feed("slow", format!("{}/slow", s.base))];
    for i in 0..5 {
        accounts.push(feed(&format!("f{i}"), format!("{}/f{i}", s.base)));
    }
    let mut o = fast_options(&[]);
    o.jobs = 2;
    let (done, elapsed) = run(o, &accounts);
    assert_eq!(done.len(), 6);
    assert!(s.max_in_flight() <= 2, "in flight: {}", s.max_in_flight());
    assert_eq!(s.max_in_flight(), 2, "two at a time");
    // The slow account finishes last although it started first: the
    // others were fetched (and could be scanned) meanwhile.
    assert_eq!(done.last().unwrap().0, 0);
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[test]
fn the_platform_rate_limit_spaces_requests() {
    let s = server(Duration::ZERO, Duration::ZERO);
    let accounts: Vec<Account> = (0..5)
        .map(|i| feed(&format!("f{i}"), format!("{}/f{i}", s.base)))
        .collect();
    let mut o = fast_options(&[]);
    o.jobs = 5;
    o.rate_limits.feed = 20.0; // one request every 50 ms
    let (done, elapsed) = run(o, &accounts);
    assert_eq!(done.len(), 5);
    assert!(elapsed >= Duration::from_millis(195), "{elapsed:?}");
    // Another platform's limit does not apply to feeds.
    let mut o = fast_options(&[]);
    o.jobs = 5;
    o.rate_limits.wechat = 0.5;
    let (_, elapsed) = run(o, &accounts);
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
}

#[test]
fn cursors_are_passed_per_account() {
    let s = server(Duration::ZERO, Duration::ZERO);
    let accounts = [
        feed("a", format!("{}/a", s.base)),
        feed("b", format!("{}/b", s.base)),
    ];
    let client = NetClient::new(fast_options(&[])).unwrap();
    let refs: Vec<&Account> = accounts.iter().collect();
    let cursors = vec![None, Some(json!({"kind": "feed", "ids": ["a", "b"]}))];
    let mut done = Vec::new();
    fetch_all_blocking(&client, &refs, &cursors, None, |i, f| done.push((i, f)));
    done.sort_by_key(|(i, _)| *i);
    assert_eq!(done[0].1.posts.len(), 2);
    assert_eq!(done[1].1.posts.len(), 0);
}

#[test]
fn kinds_and_descriptions() {
    let wechat = SourceSpec::Wechat {
        app_id_env: "A".into(),
        app_secret_env: "S".into(),
        base_url: "https://api.weixin.qq.com".into(),
    };
    let feed = SourceSpec::Feed {
        url: "https://rsshub.example/weibo/user/1?key=SECRETKEY".into(),
    };
    assert!(is_network(&wechat) && is_network(&feed));
    assert!(!is_network(&SourceSpec::Csv {
        path: "x.csv".into()
    }));
    assert_eq!(describe(&wechat), "wechat https://api.weixin.qq.com");
    assert_eq!(
        describe(&feed),
        "feed https://rsshub.example/weibo/user/1?key=***"
    );
    // An export reader refuses a network source clearly.
    let err = xunjian::source::file::ExportReader::open(&feed)
        .err()
        .unwrap();
    assert!(err.message.contains("not an export source"), "{err}");
    assert!(!err.to_string().contains("SECRETKEY"));
}

#[test]
fn secrets_print_as_stars() {
    let s = Secret::new("81_Qm9ndXNUb2tlbkZvck1vY2s");
    assert_eq!(format!("{s} {s:?}"), "*** ***");
    assert_eq!(
        redact_url("POST http://h/cgi-bin/freepublish/batchget?access_token=81_Qm9n&x=1"),
        "POST http://h/cgi-bin/freepublish/batchget?access_token=***&x=1"
    );
    let o = fast_options(&[("XJ_SECRET", "VALUE-NEVER-SHOWN")]);
    let shown = format!("{o:?}");
    assert!(!shown.contains("VALUE-NEVER-SHOWN"), "{shown}");
    let client = NetClient::new(o).unwrap();
    assert!(!format!("{client:?}").contains("VALUE-NEVER-SHOWN"));
}

#[test]
fn defaults_are_conservative() {
    let o = NetOptions::default();
    assert_eq!(o.jobs, 4);
    assert!(o.rate_limits.weibo <= 1.0 && o.rate_limits.wechat <= 5.0);
    assert!(o.retry.max_attempts >= 2 && o.retry.base_delay >= Duration::from_millis(500));
    assert!(o.max_response_bytes >= 1 << 20);
    assert_eq!(o.wechat_page_size, 20);
    assert!(o.use_env_proxy);
}
