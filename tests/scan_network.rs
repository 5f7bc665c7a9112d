//! `xunjian scan` end to end over accounts that point at mock platform
//! servers on 127.0.0.1: every connector feeds the same pipeline, one
//! failing account does not stop the others, cursors are kept so a second
//! run fetches only what is new, and no secret reaches any output.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support::{MockServer, Reply};

const APP_SECRET: &str = "wx-secret-9f8e7d6c5b4a39281706";
const WEIBO_TOKEN: &str = "2.00weibo-token-abcdef123456";

/// What the mock platforms publish; the second run adds one Weibo status.
struct Platforms {
    weibo_statuses: Vec<Value>,
}

fn weibo_status(id: u64, text: &str) -> Value {
    json!({
        "created_at": "Mon Nov 23 09:30:00 +0800 2026",
        "id": id, "idstr": id.to_string(), "mid": id.to_string(),
        "text": text, "textLength": text.chars().count(),
        "isLongText": false, "truncated": false,
        "user": {"id": 6012345678u64, "idstr": "6012345678"},
        "reposts_count": 0, "comments_count": 0, "attitudes_count": 0
    })
}

fn start() -> (MockServer, Arc<Mutex<Platforms>>) {
    let state = Arc::new(Mutex::new(Platforms {
        weibo_statuses: vec![
            weibo_status(5100000000000002, "今天天气晴。"),
            weibo_status(
                5100000000000001,
                "网络赌博平台上线，加微信 dd12345 领彩金！",
            ),
        ],
    }));
    let st = state.clone();
    let server = MockServer::start(move |r| match r.path.as_str() {
        "/cgi-bin/stable_token" => {
            Reply::json(json!({"access_token": "81_TOKEN_mock", "expires_in": 7200}))
        }
        "/cgi-bin/freepublish/batchget" => Reply::json(json!({
            "total_count": 1, "item_count": 1,
            "item": [{"article_id": "ART1", "update_time": 1_795_000_000, "content": {"news_item": [
                {"title": "关于全市教育质量监测的通知", "author": "办公室", "digest": "",
                 "content": "<p>机密★1年</p><p>各学校：现将有关事项通知如下。</p>",
                 "content_source_url": "", "thumb_media_id": "M", "thumb_url": "", "need_open_comment": 0,
                 "only_fans_can_comment": 0, "url": "https://mp.weixin.qq.com/s/ART1", "is_deleted": false},
                {"title": "便民服务热线", "author": "办公室", "digest": "", "content": "<p>服务热线12345。</p>",
                 "content_source_url": "", "thumb_media_id": "M", "thumb_url": "", "need_open_comment": 0,
                 "only_fans_can_comment": 0, "url": "https://mp.weixin.qq.com/s/ART1b", "is_deleted": false}
            ]}}]
        })),
        "/2/statuses/user_timeline.json" => {
            let statuses = st.lock().unwrap().weibo_statuses.clone();
            let since: u64 = r
                .query
                .get("since_id")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = statuses
                .into_iter()
                .filter(|s| s["id"].as_u64().unwrap() > since)
                .collect();
            Reply::json(
                json!({"statuses": page, "total_number": page.len(), "since_id": 0, "max_id": 0}),
            )
        }
        "/feed.xml" => Reply::xml(
            r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>头条号</title><link>http://127.0.0.1/</link><description>d</description>
            <item><title>紧急扩散</title><description>速转！明天全市停课，消息绝对可靠。</description><guid>t-1</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0800</pubDate></item>
            </channel></rss>"#,
        ),
        _ => Reply::text(404, "no such path"),
    });
    (server, state)
}

fn registry(dir: &Path, base: &str) -> std::path::PathBuf {
    let reg = dir.join("accounts.toml");
    let contact = "[account.leader]\nname = \"王建国\"\n[account.admin]\nname = \"李晓雯\"\n";
    let text = format!(
        r#"[[account]]
id = "wx"
name = "某市教育发布"
platform = "wechat"
platform_account_id = "gh_1"
unit = "某市教育局"
certified = true
{contact}[account.source]
kind = "wechat"
app_id_env = "XJ_TEST_APPID"
app_secret_env = "XJ_TEST_SECRET"
base_url = "{base}"

[[account]]
id = "wb"
name = "某市教育微博"
platform = "weibo"
platform_account_id = "6012345678"
unit = "某市教育局"
certified = true
{contact}[account.source]
kind = "weibo"
access_token_env = "XJ_TEST_WEIBO_TOKEN"
base_url = "{base}"

[[account]]
id = "tt"
name = "某市教育头条"
platform = "toutiao"
platform_account_id = "77"
unit = "某市教育局"
certified = true
{contact}[account.source]
kind = "feed"
url = "{base}/feed.xml"

[[account]]
id = "app"
name = "某市教育客户端"
platform = "app"
platform_account_id = "edu-app"
unit = "某市教育局"
certified = true
{contact}[account.source]
kind = "json_api"
base_url = "{base}/no-such-cms"
"#
    );
    fs::write(&reg, text).unwrap();
    reg
}

fn scan(dir: &Path, reg: &Path) -> (Output, Value) {
    let out = dir.join("reports");
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args([
            "scan",
            "--registry",
            reg.to_str().unwrap(),
            "--db",
            dir.join("state.db").to_str().unwrap(),
        ])
        .args(["--out", out.to_str().unwrap()])
        .env("XJ_TEST_APPID", "wx0a1b2c3d4e5f")
        .env("XJ_TEST_SECRET", APP_SECRET)
        .env("XJ_TEST_WEIBO_TOKEN", WEIBO_TOKEN)
        .output()
        .unwrap();
    let mut runs: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    runs.sort();
    let json = serde_json::from_str(
        &fs::read_to_string(runs.last().unwrap().join("findings.json")).unwrap(),
    )
    .unwrap();
    (o, json)
}

fn rules_of(report: &Value, account: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["account"]["id"] == account)
        .map(|f| f["rule"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn scan_pulls_every_platform_and_keeps_cursors() {
    let (server, state) = start();
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path(), &server.base);
    let (o, r) = scan(dir.path(), &reg);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(3),
        "the CMS account fails, the others are scanned: {stderr}{stdout}"
    );
    assert!(
        rules_of(&r, "wx").contains(&"classified.marking".to_string()),
        "{r}"
    );
    assert!(rules_of(&r, "wb").contains(&"unhealthy.gambling".to_string()));
    assert!(rules_of(&r, "tt").contains(&"false.rumor_speed_forward".to_string()));
    let accounts = r["run"]["accounts"].as_array().unwrap();
    let status =
        |id: &str| accounts.iter().find(|a| a["account"]["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("wx"), "complete");
    assert_eq!(status("wb"), "complete");
    assert_eq!(status("tt"), "complete");
    assert_eq!(status("app"), "failed");
    assert_eq!(
        accounts
            .iter()
            .find(|a| a["account"]["id"] == "wx")
            .unwrap()["posts_scanned"],
        2,
        "one post per article"
    );
    assert!(
        stdout.contains("app"),
        "the failed account is named in the summary: {stdout}"
    );

    // No secret anywhere: output, reports, database.
    let mut everything = format!("{stderr}{stdout}{r}");
    everything.push_str(&String::from_utf8_lossy(
        &fs::read(dir.path().join("state.db")).unwrap(),
    ));
    for secret in [APP_SECRET, WEIBO_TOKEN, "81_TOKEN_mock"] {
        assert!(!everything.contains(secret), "secret {secret} leaked");
    }

    // The second run asks Weibo only for what is newer than the stored cursor.
    state.lock().unwrap().weibo_statuses.insert(
        0,
        weibo_status(5100000000000003, "据内部消息，消息绝对可靠，速转！"),
    );
    let before = server.requests_to("/2/statuses/user_timeline.json").len();
    let (_, r2) = scan(dir.path(), &reg);
    let weibo_requests = server.requests_to("/2/statuses/user_timeline.json");
    assert!(weibo_requests.len() > before);
    assert_eq!(
        weibo_requests[before].q("since_id"),
        "5100000000000002",
        "the cursor from the first run"
    );
    let wb = r2["run"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"]["id"] == "wb")
        .unwrap()
        .clone();
    assert_eq!(wb["posts_scanned"], 1, "only the new status: {wb}");
    assert!(
        rules_of(&r2, "wb")
            .iter()
            .all(|rule| rule.starts_with("false.")),
        "{r2}"
    );
}
