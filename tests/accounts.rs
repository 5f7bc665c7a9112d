//! `xunjian accounts` end to end: importing the registration sheet (both
//! encodings, all-or-nothing and --partial, dry run), the registry round
//! trip, history after two imports, the audit on a fixture registry and
//! database with a known set of defects, and the reports it writes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use xunjian::model::SourceSpec;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary folder holding a copy of `fixtures/accounts` (registry,
/// posts, sheet).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/accounts"), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Runs xunjian in `dir`; the database defaults to `dir/state.db`.
fn xunjian(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(args)
        .env("XUNJIAN_DB", dir.join("state.db"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The problems the fixture sheet has, as reported (after the file name).
const SHEET_PROBLEMS: [&str; 6] = [
    ":6: column 平台: “抖音” is not a platform xunjian knows — write 微信公众号, 微博, 头条号 or 客户端 (APP)",
    ":7: column 创建时间: “2014-13-08” is not a date — write it as 2023-05-01, 2023/5/1 or 2023年5月1日",
    ":7: column 手机号码（管理员）: “1381234” 不是11位手机号 — has 7 digits, a mobile number has 11; check it against the form",
    ":8: column 关注人数: “很多” is not a count",
    ":9: column 账号ID: 微信公众号 gh_3a9c2f1e8b70 is already on line 2 — keep one row per account",
    ":10: column 负责人: is empty — the registration form (Measures Art. 4) requires it",
];

fn problem_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("sheet"))
        .map(str::to_string)
        .collect()
}

fn assert_sheet_problems(stderr: &str, file: &str) {
    let lines = problem_lines(stderr);
    assert_eq!(lines.len(), SHEET_PROBLEMS.len(), "{stderr}");
    for (line, want) in lines.iter().zip(SHEET_PROBLEMS) {
        assert!(
            line.starts_with(&format!("{file}{want}")),
            "{line}\n  wanted {file}{want}"
        );
    }
}

#[test]
fn all_or_nothing_import_reports_every_bad_row_and_changes_nothing() {
    let dir = workspace();
    let before = fs::read(dir.path().join("accounts.toml")).unwrap();
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "sheet.csv",
            "--registry",
            "accounts.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_sheet_problems(&stderr, "sheet.csv");
    assert!(stderr.contains("5 row(s) of sheet.csv cannot be imported: nothing changed"));
    assert_eq!(fs::read(dir.path().join("accounts.toml")).unwrap(), before);
    assert!(
        !dir.path().join("state.db").exists(),
        "a rejected import records nothing"
    );
}

#[test]
fn partial_import_takes_the_valid_rows_keeps_sources_and_round_trips() {
    let dir = workspace();
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "sheet.csv",
            "--registry",
            "accounts.toml",
            "--partial",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{}{stdout}", text(&out.stderr));
    assert_sheet_problems(&text(&out.stderr), "sheet.csv");
    assert!(
        stdout.contains("新增 2, 更新 1, 未变 1, 拒绝 5 行"),
        "{stdout}"
    );
    assert!(stdout.contains("负责人姓名: 王建国 → 刘洋"), "{stdout}");
    assert!(stdout.contains("备案日期: — → 2026-11-20"), "{stdout}");

    // The written registry loads strictly (what scan does) and kept what
    // the sheet does not carry.
    let path = dir.path().join("accounts.toml");
    let reg = xunjian::registry::load(&path).expect("the imported registry loads");
    assert_eq!(reg.records.len(), 9);
    assert_eq!(reg.accounts.len(), 7, "new accounts are not scanned");
    let edu = reg.records.iter().find(|r| r.id == "jyj-wechat").unwrap();
    assert_eq!(edu.leader.name, "刘洋");
    assert_eq!(edu.leader.mobile, "13905519999");
    assert_eq!(edu.leader.position, "副局长");
    assert_eq!(edu.department, "办公室", "a column the sheet lacks is kept");
    assert_eq!(edu.filed.unwrap().to_string(), "2026-11-20");
    assert_eq!(
        edu.source,
        Some(SourceSpec::Jsonl {
            path: dir.path().join("posts/jyj-wechat.jsonl")
        })
    );
    let weibo = reg
        .records
        .iter()
        .find(|r| r.id == "weibo-7012345678")
        .unwrap();
    assert_eq!(weibo.name, "某市教育局官方微博");
    assert_eq!(weibo.followers, Some(12_000));
    assert_eq!(weibo.created.unwrap().to_string(), "2023-05-01");
    assert_eq!(
        weibo.leader.mobile, "13905510118",
        "normalised from 139 0551 0118"
    );
    assert_eq!(weibo.admin.wechat, "zhangmin_edu");
    assert!(weibo.certified);
    assert!(weibo.source.is_none());
    let app = reg
        .records
        .iter()
        .find(|r| r.id == "app-com-example-jiaoyu")
        .unwrap();
    assert!(!app.certified);
    assert_eq!(
        reg.unsourced(),
        ["weibo-7012345678", "app-com-example-jiaoyu"]
    );
    // Comments and untouched accounts survive the rewrite.
    let written = fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("[account.source]  # the export the Information Center receives nightly")
    );
    assert!(written.contains("# imported from sheet.csv on "));
    let untouched =
        xunjian::registry::load(&root().join("fixtures/accounts/accounts.toml")).unwrap();
    for r in untouched.records.iter().filter(|r| r.id != "jyj-wechat") {
        let now = reg.records.iter().find(|x| x.id == r.id).unwrap();
        assert_eq!(now.account_ref(), r.account_ref(), "{}", r.id);
    }

    // Importing the same sheet again changes nothing.
    let again = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "sheet.csv",
            "--registry",
            "accounts.toml",
            "--partial",
        ],
    );
    assert!(
        text(&again.stdout).contains("新增 0, 更新 0, 未变 4, 拒绝 5 行"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), written);

    // A scan says which accounts it does not read.
    let scan = xunjian(
        dir.path(),
        &[
            "scan",
            "--registry",
            "accounts.toml",
            "--out",
            "out",
            "--format",
            "json",
            "--account",
            "jyj-wechat",
        ],
    );
    assert!(
        text(&scan.stderr).contains("not scanned, no [account.source] in the registry yet: weibo-7012345678, app-com-example-jiaoyu"),
        "{}",
        text(&scan.stderr)
    );
    let unsourced = xunjian(
        dir.path(),
        &[
            "scan",
            "--registry",
            "accounts.toml",
            "--no-db",
            "--account",
            "weibo-7012345678",
        ],
    );
    assert_eq!(unsourced.status.code(), Some(2));
    assert!(
        text(&unsourced.stderr)
            .contains("--account weibo-7012345678: registered but has no [account.source] yet"),
        "{}",
        text(&unsourced.stderr)
    );
}

#[test]
fn gb18030_sheet_imports_like_utf8() {
    let dir = workspace();
    let utf8 = fs::read(dir.path().join("sheet.csv")).unwrap();
    let body = std::str::from_utf8(&utf8[3..]).unwrap();
    let (gbk, _, bad) = encoding_rs::GB18030.encode(body);
    assert!(!bad);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the fixture must not be valid UTF-8"
    );
    fs::write(dir.path().join("sheet-gb.csv"), &gbk).unwrap();
    let args = |f: &'static str| {
        vec![
            "accounts",
            "import",
            f,
            "--registry",
            "accounts.toml",
            "--partial",
            "--dry-run",
        ]
    };
    let a = xunjian(dir.path(), &args("sheet.csv"));
    let b = xunjian(dir.path(), &args("sheet-gb.csv"));
    assert_eq!(b.status.code(), Some(3));
    assert_sheet_problems(&text(&b.stderr), "sheet-gb.csv");
    let sa = text(&a.stdout).replace("sheet.csv (UTF-8)", "X");
    let sb = text(&b.stdout).replace("sheet-gb.csv (GB18030)", "X");
    assert_eq!(sa, sb);
    assert!(
        sb.contains("新增  weibo-7012345678  某市教育局官方微博"),
        "{sb}"
    );

    // All or nothing applies in GB18030 too.
    let before = fs::read(dir.path().join("accounts.toml")).unwrap();
    let c = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "sheet-gb.csv",
            "--registry",
            "accounts.toml",
        ],
    );
    assert_eq!(c.status.code(), Some(2));
    assert_eq!(fs::read(dir.path().join("accounts.toml")).unwrap(), before);
}

#[test]
fn dry_run_writes_nothing() {
    let dir = workspace();
    let before = fs::read(dir.path().join("accounts.toml")).unwrap();
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "sheet.csv",
            "--registry",
            "accounts.toml",
            "--partial",
            "--dry-run",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("新增 2, 更新 1"), "{stdout}");
    assert!(stdout.contains("--dry-run"), "{stdout}");
    assert_eq!(fs::read(dir.path().join("accounts.toml")).unwrap(), before);
    assert!(!dir.path().join("state.db").exists());
}

#[test]
fn unknown_and_missing_columns_are_refused_by_name() {
    let dir = workspace();
    fs::write(
        dir.path().join("bad.csv"),
        "名称,平台,账号ID,主办单位,负责人,负责人邮箱\n某市教育发布,微信,gh_1,某市教育局,王建国,a@b.cn\n",
    )
    .unwrap();
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "bad.csv",
            "--registry",
            "accounts.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.csv:1: unknown column “负责人邮箱”"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.csv:1: missing column 管理员姓名"),
        "{stderr}"
    );
}

/// Two sheets: the first as the registry stands, the second changing three
/// people (one filed in time, one with no filing date, one filed before
/// the change).
const V1: &str = "名称,平台,账号ID,主办单位,负责人,管理员姓名,手机号码,备案日期
某市教育发布,微信公众号,gh_3a9c2f1e8b70,某市教育局,王建国,李晓雯,,
某市教育发布,微博,5712348096,某市教育局,王建国,陈浩,,
某市第一中学,微信公众号,gh_7d41b09e2c5a,市第一中学,赵立新,孙丽,,2019-12-01
";
const V2: &str = "名称,平台,账号ID,主办单位,负责人,管理员姓名,手机号码,备案日期
某市教育发布,微信公众号,gh_3a9c2f1e8b70,某市教育局,刘洋,李晓雯,,2020-01-15
某市教育发布,微博,5712348096,某市教育局,王建国,张敏,18955107788,
某市第一中学,微信公众号,gh_7d41b09e2c5a,市第一中学,钱伟,孙丽,,
";

fn two_imports(dir: &Path) {
    fs::write(dir.join("v1.csv"), V1).unwrap();
    fs::write(dir.join("v2.csv"), V2).unwrap();
    for (f, day) in [("v1.csv", "2020-01-01"), ("v2.csv", "2020-02-01")] {
        let out = xunjian(
            dir,
            &[
                "accounts",
                "import",
                f,
                "--registry",
                "accounts.toml",
                "--as-of",
                day,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

#[test]
fn history_shows_dated_changes_after_two_imports() {
    let dir = workspace();
    two_imports(dir.path());
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "history",
            "jyj-wechat",
            "--registry",
            "accounts.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("2020-01-01  首次记录"), "{s}");
    assert!(
        s.contains("负责人 王建国，管理员 李晓雯，备案日期 —"),
        "{s}"
    );
    assert!(s.contains("2020-02-01  变更"), "{s}");
    assert!(
        s.contains("发生在 2020-01-01 之后)  备案日期 2020-01-15"),
        "{s}"
    );
    assert!(s.contains("负责人姓名: 王建国 → 刘洋"), "{s}");
    assert!(!s.contains("管理员姓名:"), "{s}");
    let other = xunjian(
        dir.path(),
        &[
            "accounts",
            "history",
            "jyj-weibo",
            "--registry",
            "accounts.toml",
        ],
    );
    let s = text(&other.stdout);
    assert!(s.contains("管理员姓名: 陈浩 → 张敏"), "{s}");
    assert!(
        s.contains("管理员手机号码: 17755103418 → 18955107788"),
        "{s}"
    );
    let missing = xunjian(
        dir.path(),
        &["accounts", "history", "nope", "--registry", "accounts.toml"],
    );
    assert_eq!(missing.status.code(), Some(2));
}

/// Accounts appended after the scan: a second registration of
/// jyj-wechat's platform account, and an account with no leader and no
/// source. The strict loader refuses both; the audit reports them.
const APPENDED: &str = r#"
[[account]]
id = "jyj-wechat-copy"
name = "某市教育发布"
platform = "wechat"
platform_account_id = "gh_3a9c2f1e8b70"
unit = "某市教育局"
certified = true
filed = "2020-01-15"
[account.leader]
name = "刘洋"
mobile = "13905510118"
[account.admin]
name = "李晓雯"
mobile = "13856012347"
[account.source]
kind = "jsonl"
path = "posts/jyj-wechat.jsonl"

[[account]]
id = "jxjy-weibo"
name = "某市继续教育"
platform = "weibo"
platform_account_id = "7100000001"
unit = "市继续教育中心"
certified = true
[account.leader]
name = ""
[account.admin]
name = "高远"
mobile = "13955100001"
"#;

/// Every defect planted in fixtures/accounts (see its MANIFEST.md).
const EXPECTED: [(&str, &str); 12] = [
    ("jyj-wechat", "operations.duplicate_account_id"),
    ("jyj-weibo", "operations.change_not_filed"),
    ("yz1-wechat", "operations.change_not_filed"),
    ("sxx-weibo", "operations.phone_malformed"),
    ("sxx-weibo", "operations.not_certified"),
    ("zjx-toutiao", "operations.leader_contact_missing"),
    ("zjx-toutiao", "operations.phone_malformed"),
    ("ksy-app", "operations.inactive"),
    ("qsn-wechat", "operations.not_scanned"),
    ("jyj-wechat-copy", "operations.duplicate_account_id"),
    ("jxjy-weibo", "operations.leader_missing"),
    ("jxjy-weibo", "operations.not_scanned"),
];

fn audited(dir: &Path) {
    two_imports(dir);
    let scan = xunjian(
        dir,
        &[
            "scan",
            "--registry",
            "accounts.toml",
            "--out",
            "out",
            "--format",
            "json",
            "--quiet",
            "--account",
            "jyj-wechat",
            "--account",
            "jyj-weibo",
            "--account",
            "yz1-wechat",
            "--account",
            "sxx-weibo",
            "--account",
            "zjx-toutiao",
            "--account",
            "ksy-app",
        ],
    );
    assert!(
        matches!(scan.status.code(), Some(0 | 1)),
        "{}",
        text(&scan.stderr)
    );
    let path = dir.join("accounts.toml");
    let mut reg = fs::read_to_string(&path).unwrap();
    reg.push_str(APPENDED);
    fs::write(&path, reg).unwrap();
}

#[test]
fn audit_finds_every_planted_defect_and_nothing_else() {
    let dir = workspace();
    audited(dir.path());
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "audit",
            "--registry",
            "accounts.toml",
            "--as-of",
            "2026-11-26",
            "--out",
            "reports",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let reports: Vec<PathBuf> = fs::read_dir(dir.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(reports.len(), 1);
    let json: Value =
        serde_json::from_str(&fs::read_to_string(reports[0].join("findings.json")).unwrap())
            .unwrap();
    let mut got: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["rule"]["category"], "operations");
            assert_eq!(f["field"], "registry");
            assert_eq!(f["rule"]["pack"], "operations");
            (
                f["account"]["id"].as_str().unwrap().to_string(),
                f["rule"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut want: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(a, c)| (a.to_string(), c.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(json["summary"]["by_category"]["operations"], 12);
    let mut fps: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 12, "every finding has its own fingerprint");

    let detail = |id: &str, check: &str| -> String {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["account"]["id"] == id && f["rule"]["id"] == check)
            .map(|f| f["detail"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(
        detail("ksy-app", "operations.inactive"),
        "最后一次发布于2026-05-01，已209天未更新（超过90天）"
    );
    assert_eq!(
        detail("sxx-weibo", "operations.phone_malformed"),
        "管理员手机号码“1381234”不是11位手机号"
    );
    assert!(detail("jyj-weibo", "operations.change_not_filed")
        .starts_with("后台管理员由“陈浩”变更为“张敏”（变更发生在2020-01-01至2020-02-01之间），登记信息中没有备案日期"));
    assert!(detail("yz1-wechat", "operations.change_not_filed")
        .contains("登记的备案日期2019-12-01早于变更"));
    assert!(detail("qsn-wechat", "operations.not_scanned").contains("尚未被巡检成功读取过"));
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["account"]["id"] == "sxx-weibo")
        .unwrap();
    assert_eq!(finding["account"]["leader"]["name"], "刘春燕");
    assert_eq!(finding["account"]["admin"]["name"], "马骏");
    assert_eq!(finding["rule"]["article"], 4);

    // The CSV is the scan's: same columns, the operations rows with their detail.
    let csv = fs::read_to_string(reports[0].join("findings.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("说明") && header.contains("复核结论"),
        "{header}"
    );
    assert_eq!(csv.matches("运营管理").count(), 12, "{csv}");
    assert!(csv.contains("管理员手机号码“1381234”不是11位手机号"));
    assert!(csv.contains("第五条"), "{csv}");

    // The terminal summary is per account.
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("ksy-app 某市招考 (客户端 com.example.zhaokao, 市教育考试院)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[低] 长期未更新 第五条 · operations.inactive"),
        "{stdout}"
    );

    // --fail-on: nothing is critical.
    let quiet = xunjian(
        dir.path(),
        &[
            "accounts",
            "audit",
            "--registry",
            "accounts.toml",
            "--as-of",
            "2026-11-26",
            "--out",
            "reports",
            "--fail-on",
            "critical",
            "--quiet",
        ],
    );
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stdout.is_empty());
    // A longer threshold clears the inactive account.
    let lenient = xunjian(
        dir.path(),
        &[
            "accounts",
            "audit",
            "--registry",
            "accounts.toml",
            "--as-of",
            "2026-11-26",
            "--out",
            "reports",
            "--inactive-days",
            "365",
            "--format",
            "json",
        ],
    );
    assert!(!text(&lenient.stdout).contains("operations.inactive"));
}

#[test]
fn audit_without_a_database_skips_what_it_cannot_know() {
    let dir = workspace();
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "audit",
            "--registry",
            "accounts.toml",
            "--db",
            "none.db",
            "--as-of",
            "2026-11-26",
            "--out",
            "reports",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no state database at none.db"));
    let stdout = text(&out.stdout);
    for absent in [
        "operations.inactive",
        "operations.not_scanned",
        "operations.change_not_filed",
    ] {
        assert!(!stdout.contains(absent), "{stdout}");
    }
    assert!(stdout.contains("operations.not_certified"), "{stdout}");
    assert!(!dir.path().join("none.db").exists());
}

#[test]
fn list_filters_and_formats() {
    let dir = workspace();
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "list",
            "--registry",
            "accounts.toml",
            "--platform",
            "微博",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["jyj-weibo", "sxx-weibo"]);
    assert_eq!(v[0]["leader"]["name"], "王建国");
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "list",
            "--registry",
            "accounts.toml",
            "--leader",
            "王建国",
            "--format",
            "csv",
        ],
    );
    let csv = text(&out.stdout);
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), 3, "{csv}");

    // The list's CSV is an import sheet: importing it back changes nothing,
    // except that the planted malformed numbers are refused.
    let all = xunjian(
        dir.path(),
        &[
            "accounts",
            "list",
            "--registry",
            "accounts.toml",
            "--format",
            "csv",
        ],
    );
    fs::write(dir.path().join("listed.csv"), &all.stdout).unwrap();
    let before = fs::read(dir.path().join("accounts.toml")).unwrap();
    let back = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "listed.csv",
            "--registry",
            "accounts.toml",
            "--no-db",
            "--partial",
        ],
    );
    assert_eq!(back.status.code(), Some(3), "{}", text(&back.stderr));
    let stderr = text(&back.stderr);
    assert!(
        stderr.contains("listed.csv:5: column 管理员手机号码: “1381234”"),
        "{stderr}"
    );
    assert!(
        stderr.contains("listed.csv:6: column 管理员办公电话: “6288”"),
        "{stderr}"
    );
    assert!(
        text(&back.stdout).contains("新增 0, 更新 0, 未变 5, 拒绝 2 行"),
        "{}",
        text(&back.stdout)
    );
    assert_eq!(fs::read(dir.path().join("accounts.toml")).unwrap(), before);
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "list",
            "--registry",
            "accounts.toml",
            "--unit",
            "市教育考试院",
        ],
    );
    let table = text(&out.stdout);
    assert!(table.contains("ksy-app"), "{table}");
    assert!(!table.contains("jyj-wechat"), "{table}");
    assert!(table.contains("1 个账号"), "{table}");
}

fn audit_json(dir: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args = vec![
        "accounts",
        "audit",
        "--registry",
        "accounts.toml",
        "--as-of",
        "2026-11-26",
        "--out",
        "reports",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = xunjian(dir, &args);
    let folder = text(&out.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("报告").map(|p| p.trim().to_string()))
        .expect("the summary names the report");
    let json = serde_json::from_str(&fs::read_to_string(dir.join(folder)).unwrap()).unwrap();
    (out, json)
}

fn find<'a>(json: &'a Value, account: &str, check: &str) -> Option<&'a Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["account"]["id"] == account && f["rule"]["id"] == check)
}

#[test]
fn audit_findings_join_the_review_loop() {
    let dir = workspace();
    let d = dir.path();
    audited(d);
    let (first, json) = audit_json(d, &[]);
    assert_eq!(first.status.code(), Some(1));
    assert_eq!(json["run"]["kind"], "audit");
    assert_eq!(json["summary"]["findings_new"], 12);

    // Seen again: known, so nothing new for --fail-on.
    let (second, json) = audit_json(d, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stdout));
    assert_eq!(json["summary"]["findings_known"], 12);
    assert!(text(&second.stdout).contains("（此前已知）"));

    // The officers' export lists them; a verdict comes back in.
    let export = xunjian(
        d,
        &[
            "review",
            "export",
            "--category",
            "operations",
            "--out",
            "review.csv",
        ],
    );
    assert_eq!(export.status.code(), Some(0), "{}", text(&export.stderr));
    let sheet = fs::read_to_string(d.join("review.csv")).unwrap();
    assert_eq!(sheet.lines().count(), 13, "{sheet}");
    let inactive = find(&json, "ksy-app", "operations.inactive").unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    fs::write(
        d.join("verdicts.csv"),
        format!(
            "fingerprint,review_verdict,reviewer,review_date\n{inactive},误报,张三,2026-11-26\n"
        ),
    )
    .unwrap();
    let import = xunjian(d, &["review", "import", "verdicts.csv", "--by", "张三"]);
    assert_eq!(import.status.code(), Some(0), "{}", text(&import.stderr));

    // A fixed defect is no longer reported; the false positive is suppressed.
    let path = d.join("accounts.toml");
    let reg = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        reg.replace(
            "office_phone = \"6288\"",
            "office_phone = \"0551-62881111\"",
        ),
    )
    .unwrap();
    let (third, json) = audit_json(d, &[]);
    assert_eq!(third.status.code(), Some(0));
    assert!(find(&json, "zjx-toutiao", "operations.phone_malformed").is_none());
    let gone = json["no_longer_firing"].as_array().unwrap();
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0]["account"], "zjx-toutiao");
    assert_eq!(gone[0]["rule_id"], "operations.phone_malformed");
    let fp = find(&json, "ksy-app", "operations.inactive").unwrap();
    assert_eq!(fp["review"]["status"], "false_positive");
    assert!(fp["review"]["suppressed"]
        .as_str()
        .unwrap()
        .contains("误报"));
    assert_eq!(json["summary"]["findings_suppressed"], 1);
}

#[test]
fn import_changes_nothing_while_a_scan_holds_the_database() {
    let dir = workspace();
    let db = dir.path().join("state.db");
    let _held = xunjian::store::lock::DbLock::acquire(&db, std::time::Duration::ZERO).unwrap();
    let before = fs::read(dir.path().join("accounts.toml")).unwrap();
    let out = xunjian(
        dir.path(),
        &[
            "accounts",
            "import",
            "sheet.csv",
            "--registry",
            "accounts.toml",
            "--partial",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("nothing was imported"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fs::read(dir.path().join("accounts.toml")).unwrap(), before);
}
