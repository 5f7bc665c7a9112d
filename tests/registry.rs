//! Registry validation: every problem names the file, the line and the field.

use std::path::Path;

use xunjian::model::{Platform, SourceSpec};
use xunjian::registry::{load, parse};

const GOOD: &str = r#"
[[account]]
id = "a"
name = "某市教育发布"
platform = "wechat"
platform_account_id = "gh_1"
unit = "某市教育局"
created = "2019-03-12"
followers = 100
certified = true
[account.leader]
name = "王建国"
position = "副局长"
[account.admin]
name = "李晓雯"
[account.source]
kind = "jsonl"
path = "posts/a.jsonl"

[[account]]
id = "b"
name = "某市教育微博"
platform = "weibo"
platform_account_id = "123"
unit = "某市教育局"
certified = false
[account.leader]
name = "王建国"
[account.admin]
name = "张三"
[account.source]
kind = "csv"
path = "/abs/b.csv"
"#;

fn errors(text: &str) -> Vec<String> {
    parse(text, "reg.toml", Path::new("/base"))
        .expect_err("expected errors")
        .0
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn good_registry_loads_with_resolved_paths() {
    let accounts = parse(GOOD, "reg.toml", Path::new("/base")).unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0].platform, Platform::Wechat);
    assert_eq!(accounts[0].key(), "wechat:gh_1");
    assert_eq!(accounts[0].leader.position, "副局长");
    assert_eq!(
        accounts[0].source,
        SourceSpec::Jsonl {
            path: "/base/posts/a.jsonl".into()
        }
    );
    assert_eq!(
        accounts[1].source,
        SourceSpec::Csv {
            path: "/abs/b.csv".into()
        }
    );
    assert_eq!(accounts[0].created.unwrap().to_string(), "2019-03-12");
}

#[test]
fn duplicates_are_errors_with_lines() {
    let text = GOOD
        .replace("id = \"b\"", "id = \"a\"")
        .replace("platform = \"weibo\"", "platform = \"wechat\"")
        .replace("\"123\"", "\"gh_1\"");
    let e = errors(&text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with(
            "reg.toml:21: field `account.id`: `a` is already used by the account at line 3"
        ),
        "{}",
        e[0]
    );
    assert!(e[1].starts_with("reg.toml:24: field `account.platform_account_id`: wechat:gh_1 is already registered at line 6"), "{}", e[1]);
}

#[test]
fn bad_date_and_empty_required_fields() {
    let text = GOOD
        .replace("2019-03-12", "2019-13-40")
        .replace("name = \"张三\"", "name = \"\"");
    let e = errors(&text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with("reg.toml:8: field `account.created`"),
        "{}",
        e[0]
    );
    assert!(e[0].contains("YYYY-MM-DD"), "{}", e[0]);
    assert!(
        e[1].starts_with("reg.toml:30: field `account.admin.name`: is empty"),
        "{}",
        e[1]
    );
}

#[test]
fn unknown_and_missing_fields_name_the_line() {
    let e = errors(&GOOD.replace("followers = 100", "follower = 100"));
    assert!(
        e[0].starts_with("reg.toml:9:") && e[0].contains("unknown field `follower`"),
        "{}",
        e[0]
    );
    let e = errors(&GOOD.replace("unit = \"某市教育局\"\ncreated", "created"));
    assert!(e[0].contains("missing field `unit`"), "{}", e[0]);
    assert!(e[0].starts_with("reg.toml:"), "{}", e[0]);
    let e = errors(&GOOD.replace("platform = \"weibo\"", "platform = \"douyin\""));
    assert!(
        e[0].starts_with("reg.toml:23:") && e[0].contains("douyin"),
        "{}",
        e[0]
    );
    let e = errors(&GOOD.replace("kind = \"csv\"", "kind = \"xml\""));
    assert!(
        e[0].starts_with("reg.toml:32: field `account.source.kind`"),
        "{}",
        e[0]
    );
}

#[test]
fn missing_file_says_what_to_do() {
    let e = load(Path::new("/nonexistent/accounts.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--registry"), "{e}");
}
