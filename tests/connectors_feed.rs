//! The feed connector against RSSHub-style and site feeds served on
//! 127.0.0.1, and local `file://` feeds.

mod support;

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support::{account, fast_options, MockServer, Reply};
use xunjian::model::{Account, Platform, SourceSpec};
use xunjian::source::net::{Fetched, NetClient};

/// An RSSHub answer for a Weibo route (as in platform-apis.md §5.2), plus
/// an item with `content:encoded`, one without guid and a Toutiao article.
const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>某市政务服务的微博</title>
    <link>https://weibo.com/6012345678/</link>
    <atom:link href="http://127.0.0.1:1200/weibo/user/6012345678" rel="self" type="application/rss+xml"/>
    <description>某市政务服务官方微博 - Powered by RSSHub</description>
    <generator>RSSHub</generator>
    <language>en</language>
    <lastBuildDate>Mon, 03 Jun 2024 02:00:00 GMT</lastBuildDate>
    <ttl>5</ttl>
    <item>
      <title>【端午假期办事指南】6月8日至10日放假，政务服务大厅6月10日上午开放，线上事项可通过APP办理。为方便群...</title>
      <description><![CDATA[【端午假期办事指南】6月8日至10日放假&hellip;<br><img style="" src="https://tvax1.sinaimg.cn/large/006MockPic01.jpg" referrerpolicy="no-referrer">]]></description>
      <link>https://weibo.com/6012345678/OaBcDeFgH</link>
      <guid isPermaLink="false">https://weibo.com/6012345678/OaBcDeFgH</guid>
      <pubDate>Mon, 03 Jun 2024 01:30:12 GMT</pubDate>
      <author>某市政务服务</author>
      <category>端午</category>
    </item>
    <item>
      <title>全文条目</title>
      <description>摘要而已</description>
      <content:encoded><![CDATA[<p>完整正文 &amp; 附件</p>]]></content:encoded>
      <link>https://www.example.gov.cn/news/2</link>
      <guid isPermaLink="false">news-2</guid>
      <pubDate>Sun, 02 Jun 2024 01:00:00 GMT</pubDate>
    </item>
    <item>
      <title>没有 guid 的条目</title>
      <description>&lt;p&gt;只有链接&lt;/p&gt;</description>
      <link>https://www.example.gov.cn/news/3</link>
      <pubDate>Sat, 01 Jun 2024 01:00:00 GMT</pubDate>
    </item>
    <item>
      <title>头条文章</title>
      <description>只有摘要</description>
      <link>https://www.toutiao.com/article/7376543210987654321/</link>
      <guid isPermaLink="false">https://www.toutiao.com/article/7376543210987654321/</guid>
      <pubDate>Fri, 31 May 2024 01:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>某市第一中学</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2024-06-03T10:15:00+08:00</updated>
  <entry>
    <title type="html">通知 &amp;lt;一&amp;gt;</title>
    <id>tag:yz1.example.gov.cn,2024:1</id>
    <link rel="alternate" href="https://yz1.example.gov.cn/1"/>
    <published>2024-06-03T09:00:00+08:00</published>
    <updated>2024-06-03T10:15:00+08:00</updated>
    <author><name>校办</name></author>
    <content type="html">&lt;p&gt;第一段&lt;/p&gt;&lt;p&gt;第二段&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>纯文本</title>
    <id>tag:yz1.example.gov.cn,2024:2</id>
    <updated>2024-06-02T08:00:00Z</updated>
    <summary type="text">a &lt; b 的说明</summary>
  </entry>
</feed>"#;

const RSSHUB_ERROR: &str = "<!DOCTYPE html><html><head><title>RSSHub</title><style>body{}</style></head>\
<body><h1>Looks like something went wrong in RSSHub!</h1><p>Error Message: weibo user 6012345678 not found</p></body></html>";

fn feed_account(url: &str) -> Account {
    account(
        "tt-feed",
        Platform::Toutiao,
        "MS4wLjABAAAA",
        SourceSpec::Feed { url: url.into() },
    )
}

fn fetch(url: &str, cursor: Option<&Value>) -> Fetched {
    NetClient::new(fast_options(&[]))
        .unwrap()
        .fetch_blocking(&feed_account(url), cursor, None)
}

fn serve(body: &'static str) -> MockServer {
    MockServer::start(move |_| Reply::xml(body))
}

#[test]
fn rsshub_rss_items_become_posts() {
    let server = serve(RSS);
    let url = format!("{}/weibo/user/6012345678", server.base);
    let f = fetch(&url, None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.requests, 1);
    let ids: Vec<&str> = f.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "https://www.toutiao.com/article/7376543210987654321/",
            "https://www.example.gov.cn/news/3",
            "news-2",
            "https://weibo.com/6012345678/OaBcDeFgH"
        ]
    );
    let weibo = &f.posts[3];
    assert_eq!(weibo.text, "【端午假期办事指南】6月8日至10日放假…");
    assert_eq!(weibo.url, "https://weibo.com/6012345678/OaBcDeFgH");
    assert_eq!(weibo.author, "某市政务服务");
    assert_eq!(
        weibo.published_at.unwrap().to_rfc3339(),
        "2024-06-03T09:30:12+08:00"
    );
    assert!(!weibo.truncated);
    assert_eq!(f.posts[2].text, "完整正文 & 附件", "content:encoded wins");
    assert_eq!(f.posts[1].text, "只有链接");
    assert!(
        f.posts[0].truncated,
        "RSSHub gives only a Toutiao article's abstract"
    );
    let reqs = server.requests();
    assert_eq!(reqs[0].path, "/weibo/user/6012345678");
    assert!(reqs[0].headers["user-agent"].starts_with("xunjian/"));
    let cursor = f.cursor.unwrap();
    assert_eq!(cursor["kind"], "feed");
    assert_eq!(cursor["ids"].as_array().unwrap().len(), 4);
}

#[test]
fn atom_entries_become_posts() {
    let server = serve(ATOM);
    let f = fetch(&format!("{}/atom.xml", server.base), None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.posts.len(), 2);
    let first = &f.posts[1];
    assert_eq!(first.id, "tag:yz1.example.gov.cn,2024:1");
    assert_eq!(first.title, "通知 <一>");
    assert_eq!(first.text, "第一段\n\n第二段");
    assert_eq!(first.author, "校办");
    assert_eq!(first.url, "https://yz1.example.gov.cn/1");
    assert_eq!(
        first.published_at.unwrap().to_rfc3339(),
        "2024-06-03T09:00:00+08:00"
    );
    let plain = &f.posts[0];
    assert_eq!(
        plain.text, "a < b 的说明",
        "type=\"text\" is not parsed as HTML"
    );
    assert_eq!(
        plain.published_at.unwrap().to_rfc3339(),
        "2024-06-02T16:00:00+08:00",
        "updated when there is no published"
    );
}

#[test]
fn the_cursor_keeps_only_unseen_items() {
    let body = Arc::new(Mutex::new(RSS.to_string()));
    let b = body.clone();
    let server =
        MockServer::start(move |_| Reply::new(200, "application/xml", b.lock().unwrap().clone()));
    let client = NetClient::new(fast_options(&[])).unwrap();
    let acc = feed_account(&format!("{}/feed", server.base));
    let first = client.fetch_blocking(&acc, None, None);
    let cursor = first.cursor.unwrap();
    let again = client.fetch_blocking(&acc, Some(&cursor), None);
    assert!(again.posts.is_empty());
    let added = RSS.replacen(
        "<item>",
        "<item><title>新条目</title><description>新内容</description><guid>new-1</guid>\
         <pubDate>Tue, 04 Jun 2024 01:00:00 GMT</pubDate></item><item>",
        1,
    );
    *body.lock().unwrap() = added;
    let third = client.fetch_blocking(&acc, Some(&cursor), None);
    let ids: Vec<&str> = third.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["new-1"]);
}

#[test]
fn since_bounds_a_first_fetch() {
    let server = serve(RSS);
    let since = chrono::DateTime::parse_from_rfc3339("2024-06-02T00:00:00+08:00").unwrap();
    let f = NetClient::new(fast_options(&[])).unwrap().fetch_blocking(
        &feed_account(&format!("{}/f", server.base)),
        None,
        Some(since),
    );
    assert_eq!(f.posts.len(), 2);
}

#[test]
fn an_rsshub_html_error_page_is_an_error_not_an_empty_feed() {
    // 503 with an HTML page: retried, then reported with the page's text.
    let server = MockServer::start(|_| Reply::html(503, RSSHUB_ERROR));
    let f = fetch(&format!("{}/weibo/user/6012345678", server.base), None);
    let e = f.error.unwrap();
    assert!(e.contains("HTTP 503"), "{e}");
    assert!(e.contains("weibo user 6012345678 not found"), "{e}");
    assert!(!e.contains("<h1>") && !e.contains("body{}"), "{e}");
    assert_eq!(server.requests().len(), 3, "a 503 is retried");
    assert!(f.posts.is_empty());
    assert_eq!(f.cursor, None);

    // 200 with an HTML page: not a feed.
    let server = MockServer::start(|_| Reply::html(200, RSSHUB_ERROR));
    let e = fetch(&format!("{}/x", server.base), None).error.unwrap();
    assert!(e.contains("answered with an HTML page, not a feed"), "{e}");
    assert_eq!(server.requests().len(), 1);

    // 404: a wrong route, not retried.
    let server = MockServer::start(|_| Reply::html(404, RSSHUB_ERROR));
    let e = fetch(&format!("{}/nope", server.base), None).error.unwrap();
    assert!(
        e.contains("HTTP 404") && e.contains("check source.url"),
        "{e}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_busy_503_then_success_is_retried_with_max_age() {
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let server = MockServer::start(move |_| {
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            Reply::html(503, "<html><body>another request in progress</body></html>")
                .header("cache-control", "public, max-age=30")
        } else {
            Reply::xml(RSS)
        }
    });
    let f = fetch(&format!("{}/f", server.base), None);
    assert_eq!(f.error, None);
    assert_eq!(f.posts.len(), 4);
    assert_eq!(f.requests, 2);
}

#[test]
fn a_feed_served_as_text_html_is_still_a_feed() {
    let server = MockServer::start(|_| Reply::html(200, RSS));
    let f = fetch(&format!("{}/f", server.base), None);
    assert_eq!(f.error, None);
    assert_eq!(f.posts.len(), 4);
}

#[test]
fn garbage_is_not_a_feed() {
    let server =
        MockServer::start(|_| Reply::new(200, "application/xml", "<notafeed><x/></notafeed>"));
    let e = fetch(&format!("{}/f", server.base), None).error.unwrap();
    assert!(e.contains("not an RSS/Atom/JSON feed"), "{e}");
}

#[test]
fn an_oversized_feed_is_an_error() {
    let big: &'static str = Box::leak(
        RSS.replace("摘要而已", &"长".repeat(200_000))
            .into_boxed_str(),
    );
    let server = MockServer::start(move |_| Reply::xml(big).chunked());
    let mut o = fast_options(&[]);
    o.max_response_bytes = 100_000;
    let f = NetClient::new(o).unwrap().fetch_blocking(
        &feed_account(&format!("{}/f", server.base)),
        None,
        None,
    );
    assert!(f.error.unwrap().contains("larger than 100000 bytes"));
}

#[test]
fn a_local_file_feed_is_read_without_network() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.xml");
    std::fs::write(&path, ATOM).unwrap();
    let url = url::Url::from_file_path(&path).unwrap().to_string();
    let f = fetch(&url, None);
    assert_eq!(f.error, None, "{f:?}");
    assert_eq!(f.posts.len(), 2);
    assert_eq!(f.requests, 0);

    let missing = fetch("file:///nonexistent/feed.xml", None);
    assert!(missing.error.unwrap().contains("cannot open the feed file"));
}

#[test]
fn a_wrong_cursor_is_reported_and_ignored() {
    let server = serve(RSS);
    let f = fetch(
        &format!("{}/f", server.base),
        Some(&json!({"kind": "weibo", "since_id": "1"})),
    );
    assert_eq!(f.posts.len(), 4);
    assert_eq!(f.problems.len(), 1);
    assert!(
        f.problems[0].message.contains("not a feed cursor"),
        "{:?}",
        f.problems
    );
}

#[test]
fn feed_credentials_in_the_url_are_redacted_in_messages() {
    let server = MockServer::start(|_| Reply::html(403, RSSHUB_ERROR));
    let f = fetch(
        &format!("{}/weibo/user/1?key=RSSHUB-ACCESS-KEY-42", server.base),
        None,
    );
    let text = support::all_text(&f);
    assert!(text.contains("HTTP 403"), "{text}");
    support::assert_no_secret(&text, &["RSSHUB-ACCESS-KEY-42"]);
    assert_eq!(server.requests()[0].q("key"), "RSSHUB-ACCESS-KEY-42");
    let wrong = fetch(
        &format!("{}/f?key=RSSHUB-ACCESS-KEY-42", server.base),
        Some(&json!({"kind": "x"})),
    );
    support::assert_no_secret(&support::all_text(&wrong), &["RSSHUB-ACCESS-KEY-42"]);
}
