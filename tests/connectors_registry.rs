//! Registry entries for the network source kinds: defaults, and errors
//! naming the line and the field.

use std::path::Path;

use xunjian::model::SourceSpec;
use xunjian::registry::parse;

/// One account of `platform` with `source` as its `[account.source]` body.
/// The source table's first line (`kind = …`) is line 13.
fn registry(platform: &str, pid: &str, source: &str) -> String {
    format!(
        r#"[[account]]
id = "a"
name = "某市教育发布"
platform = "{platform}"
platform_account_id = "{pid}"
unit = "某市教育局"
certified = true
[account.leader]
name = "王建国"
[account.admin]
name = "李晓雯"
[account.source]
{source}
"#
    )
}

fn spec(platform: &str, pid: &str, source: &str) -> SourceSpec {
    let accounts = parse(
        &registry(platform, pid, source),
        "reg.toml",
        Path::new("/base"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    accounts[0].source.clone()
}

fn errors(platform: &str, pid: &str, source: &str) -> Vec<String> {
    parse(
        &registry(platform, pid, source),
        "reg.toml",
        Path::new("/base"),
    )
    .expect_err("expected errors")
    .0
    .iter()
    .map(|e| e.to_string())
    .collect()
}

#[test]
fn wechat_with_default_and_custom_base_url() {
    assert_eq!(
        spec(
            "wechat",
            "gh_1",
            "kind = \"wechat\"\napp_id_env = \"XJ_EDU_WECHAT_APPID\"\napp_secret_env = \"XJ_EDU_WECHAT_SECRET\""
        ),
        SourceSpec::Wechat {
            app_id_env: "XJ_EDU_WECHAT_APPID".into(),
            app_secret_env: "XJ_EDU_WECHAT_SECRET".into(),
            base_url: "https://api.weixin.qq.com".into(),
        }
    );
    let s = spec(
        "wechat",
        "gh_1",
        "kind = \"wechat\"\napp_id_env = \"A\"\napp_secret_env = \"S\"\nbase_url = \"http://127.0.0.1:8080/wx/\"",
    );
    assert!(
        matches!(s, SourceSpec::Wechat { base_url, .. } if base_url == "http://127.0.0.1:8080/wx")
    );
}

#[test]
fn weibo_uid_defaults_to_the_platform_account_id() {
    assert_eq!(
        spec(
            "weibo",
            "6012345678",
            "kind = \"weibo\"\naccess_token_env = \"XJ_WB\""
        ),
        SourceSpec::Weibo {
            uid: "6012345678".into(),
            access_token_env: "XJ_WB".into(),
            base_url: "https://api.weibo.com".into(),
        }
    );
    let s = spec(
        "weibo",
        "zwfw",
        "kind = \"weibo\"\naccess_token_env = \"XJ_WB\"\nuid = 7000000001",
    );
    assert!(matches!(s, SourceSpec::Weibo { uid, .. } if uid == "7000000001"));
}

#[test]
fn feed_and_json_api() {
    assert_eq!(
        spec(
            "toutiao",
            "MS4w",
            "kind = \"feed\"\nurl = \"https://rsshub.example.gov.cn/toutiao/user/token/MS4w\""
        ),
        SourceSpec::Feed {
            url: "https://rsshub.example.gov.cn/toutiao/user/token/MS4w".into()
        }
    );
    assert_eq!(
        spec("app", "x", "kind = \"feed\"\nurl = \"file:feeds/app.xml\""),
        SourceSpec::Feed {
            url: "file:///base/feeds/app.xml".into()
        },
        "a relative file: URL is resolved against the registry's folder"
    );
    assert_eq!(
        spec("app", "x", "kind = \"feed\"\nurl = \"file:///srv/app.xml\""),
        SourceSpec::Feed {
            url: "file:///srv/app.xml".into()
        }
    );
    assert_eq!(
        spec("app", "x", "kind = \"json_api\"\nbase_url = \"https://app.example.gov.cn/api/items\"\ntoken_env = \"XJ_CMS\""),
        SourceSpec::JsonApi {
            base_url: "https://app.example.gov.cn/api/items".into(),
            token_env: Some("XJ_CMS".into()),
        }
    );
}

#[test]
fn missing_fields_name_the_line_and_field() {
    let e = errors("wechat", "gh_1", "kind = \"wechat\"\napp_id_env = \"A\"");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("reg.toml:13: field `account.source.app_secret_env`: is missing"),
        "{}",
        e[0]
    );
    assert!(
        e[0].contains("NAME of the environment variable"),
        "{}",
        e[0]
    );
    let e = errors("toutiao", "t", "kind = \"feed\"");
    assert!(
        e[0].starts_with("reg.toml:13: field `account.source.url`: is missing"),
        "{}",
        e[0]
    );
    let e = errors("app", "t", "kind = \"json_api\"");
    assert!(
        e[0].starts_with("reg.toml:13: field `account.source.base_url`: is missing"),
        "{}",
        e[0]
    );
    let e = errors("app", "t", "kind = \"jsonl\"");
    assert!(
        e[0].starts_with("reg.toml:13: field `account.source.path`: is missing"),
        "{}",
        e[0]
    );
}

#[test]
fn fields_of_another_kind_are_refused() {
    let e = errors(
        "wechat",
        "gh_1",
        "kind = \"wechat\"\napp_id_env = \"A\"\napp_secret_env = \"S\"\nurl = \"https://x\"",
    );
    assert!(
        e[0].starts_with("reg.toml:16: field `account.source.url`: is not used by kind `wechat`"),
        "{}",
        e[0]
    );
    let e = errors(
        "toutiao",
        "t",
        "kind = \"feed\"\nurl = \"https://x\"\npath = \"a.jsonl\"",
    );
    assert!(
        e[0].starts_with("reg.toml:15: field `account.source.path`"),
        "{}",
        e[0]
    );
}

#[test]
fn a_secret_pasted_instead_of_a_name_is_refused_without_echo() {
    let secret = "0123456789abcdef0123456789abcdef";
    let e = errors(
        "wechat",
        "gh_1",
        &format!("kind = \"wechat\"\napp_id_env = \"A\"\napp_secret_env = \"{secret}\""),
    );
    assert!(
        e[0].starts_with("reg.toml:15: field `account.source.app_secret_env`: is not an environment variable NAME"),
        "{}",
        e[0]
    );
    assert!(!e[0].contains(secret));
    let token = "2.00MockTokenForTestsOnly0123456789";
    let e = errors(
        "weibo",
        "1",
        &format!("kind = \"weibo\"\naccess_token_env = \"{token}\""),
    );
    assert!(
        e[0].starts_with("reg.toml:14: field `account.source.access_token_env`"),
        "{}",
        e[0]
    );
    assert!(!e[0].contains(token));
}

#[test]
fn malformed_urls_are_refused() {
    let e = errors(
        "toutiao",
        "t",
        "kind = \"feed\"\nurl = \"rsshub.example/toutiao\"",
    );
    assert!(
        e[0].starts_with(
            "reg.toml:14: field `account.source.url`: `rsshub.example/toutiao` is not a valid URL"
        ),
        "{}",
        e[0]
    );
    let e = errors(
        "app",
        "t",
        "kind = \"json_api\"\nbase_url = \"ftp://cms.example/items\"",
    );
    assert!(
        e[0].contains("must start with http:// or https://"),
        "{}",
        e[0]
    );
    let e = errors(
        "wechat",
        "gh",
        "kind = \"wechat\"\napp_id_env = \"A\"\napp_secret_env = \"S\"\nbase_url = \"file:///etc\"",
    );
    assert!(
        e[0].starts_with("reg.toml:16: field `account.source.base_url`"),
        "{}",
        e[0]
    );
    let e = errors(
        "app",
        "t",
        "kind = \"json_api\"\nbase_url = \"https://u:hunter2@cms.example/items\"",
    );
    assert!(
        e[0].contains("must not carry a password") && !e[0].contains("hunter2"),
        "{}",
        e[0]
    );
}

#[test]
fn kind_and_platform_must_agree_and_uids_are_numbers() {
    let e = errors(
        "weibo",
        "1",
        "kind = \"wechat\"\napp_id_env = \"A\"\napp_secret_env = \"S\"",
    );
    assert!(
        e[0].starts_with(
            "reg.toml:13: field `account.source.kind`: kind `wechat` reads WeChat accounts"
        ),
        "{}",
        e[0]
    );
    let e = errors(
        "weibo",
        "zwfw",
        "kind = \"weibo\"\naccess_token_env = \"T\"",
    );
    assert!(
        e[0].starts_with("reg.toml:13: field `account.source.uid`: `zwfw` is not a Weibo uid"),
        "{}",
        e[0]
    );
    let e = errors("weibo", "1", "kind = \"rss\"");
    assert!(
        e[0].starts_with("reg.toml:13: field `account.source.kind`: unknown source kind `rss`"),
        "{}",
        e[0]
    );
    assert!(e[0].contains("wechat, weibo, feed, json_api"), "{}", e[0]);
}
