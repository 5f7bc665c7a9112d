//! The state database through real SQLite files: incremental runs, edited
//! posts, rescans that keep review status, changed rules, the one-writer
//! lock, crash-and-rerun with SIGKILL at several points, migrations, and
//! damaged or newer databases.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rusqlite::Connection;
use serde_json::Value;
use xunjian::store::sqlite::{schema_version, SqliteStore};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A copy of the demo in a temporary folder, with its own database.
struct Demo {
    dir: tempfile::TempDir,
}

impl Demo {
    fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("fixtures/demo"), &dir.path().join("demo"));
        Demo { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn db(&self) -> PathBuf {
        self.path("state.db")
    }

    fn command(&self, extra: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_xunjian"));
        c.arg("scan")
            .arg("--registry")
            .arg(self.path("demo/accounts.toml"))
            .arg("--db")
            .arg(self.db())
            .arg("--out")
            .arg(self.path("reports"))
            .arg("--quiet")
            .args(extra)
            .stdin(Stdio::null());
        c
    }

    /// Runs a scan; returns its output and the newest run's JSON report.
    fn scan(&self, extra: &[&str]) -> (Output, Value) {
        let o = self.command(extra).output().unwrap();
        let reports = self.path("reports");
        let mut runs: Vec<PathBuf> = fs::read_dir(&reports)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        runs.sort_by_key(|p| {
            fs::metadata(p.join("findings.json"))
                .and_then(|m| m.modified())
                .ok()
        });
        let json = runs
            .last()
            .and_then(|p| fs::read_to_string(p.join("findings.json")).ok())
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap_or(Value::Null);
        (o, json)
    }

    fn sql_count(&self, sql: &str) -> i64 {
        Connection::open(self.db())
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }

    fn fingerprints(&self) -> BTreeSet<String> {
        let c = Connection::open(self.db()).unwrap();
        let mut s = c.prepare("SELECT fingerprint FROM findings").unwrap();
        let rows = s.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn summary(r: &Value, key: &str) -> u64 {
    r["summary"][key]
        .as_u64()
        .unwrap_or_else(|| panic!("summary.{key} in {r}"))
}

/// The fingerprints of a JSON report's findings, as a set.
fn fingerprints(r: &Value) -> BTreeSet<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

/// How many posts a scan report's accounts scanned from their stored text.
fn posts_from_store(r: &Value) -> u64 {
    r["run"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["posts_from_store"].as_u64().unwrap())
        .sum()
}

/// A copy of the shipped rule packs in the demo's folder, to edit.
fn own_rules(demo: &Demo) -> PathBuf {
    let rules = demo.path("rules");
    copy_dir(&root().join("rules"), &rules);
    rules
}

fn append_post(demo: &Demo, file: &str, line: &str) {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(demo.path(file))
        .unwrap();
    writeln!(f, "{line}").unwrap();
}

#[test]
fn second_run_scans_nothing_and_new_posts_only_are_scanned() {
    let demo = Demo::new();
    let (o, r1) = demo.scan(&[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(summary(&r1, "posts_scanned"), 300);
    let first = summary(&r1, "findings");
    assert_eq!(summary(&r1, "findings_new"), first);

    let (o, r2) = demo.scan(&[]);
    assert_eq!(code(&o), 0, "nothing new: {}", stderr(&o));
    assert_eq!(summary(&r2, "posts_scanned"), 0);
    assert_eq!(summary(&r2, "posts_unchanged"), 300);
    assert_eq!(summary(&r2, "findings"), 0);

    append_post(
        &demo,
        "demo/posts/jyj-weibo.jsonl",
        r#"{"id":"9000000000000001","title":"","text":"网络赌博平台上线，加微信 dd12345 领彩金","url":"","published_at":"2026-11-25T23:00:00+08:00","author":""}"#,
    );
    let (o, r3) = demo.scan(&[]);
    assert_eq!(code(&o), 1);
    assert_eq!(summary(&r3, "posts_scanned"), 1);
    assert!(summary(&r3, "findings_new") >= 2);
    assert_eq!(demo.sql_count("SELECT count(*) FROM posts"), 301);
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM findings"),
        first as i64 + summary(&r3, "findings_new") as i64
    );
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM runs WHERE status = 'complete'"),
        3
    );
}

#[test]
fn posts_whose_ids_need_escaping_are_known_on_the_next_run() {
    // The store looks a batch's ids up in one query, passed as a JSON
    // array: quotes, backslashes and the rest must come back as the same ids.
    let demo = Demo::new();
    let ids = [
        r#"q\"uote"#,
        r#"back\\slash"#,
        "空 格 中文",
        "[1,2]",
        "1' OR '1'='1",
        r#"caf\u00e9"#,
    ];
    for (n, id) in ids.iter().enumerate() {
        append_post(
            &demo,
            "demo/posts/jyj-weibo.jsonl",
            &format!(
                r#"{{"id":"{id}","title":"","text":"第{n}条社区通知","url":"","published_at":"2026-10-01T08:00:00+08:00","author":""}}"#
            ),
        );
    }
    let (o, r1) = demo.scan(&[]);
    assert_eq!(summary(&r1, "posts_scanned"), 306, "{}", stderr(&o));
    assert_eq!(
        demo.sql_count(
            "SELECT count(*) FROM posts WHERE post_id IN ('q\"uote', 'back\\slash', 'café')"
        ),
        3
    );
    let (o, r2) = demo.scan(&[]);
    assert_eq!(summary(&r2, "posts_scanned"), 0, "{}", stderr(&o));
    assert_eq!(summary(&r2, "posts_unchanged"), 306);
}

#[test]
fn an_edited_post_is_scanned_again_and_vanished_findings_are_reported_not_deleted() {
    let demo = Demo::new();
    demo.scan(&[]);
    let before = demo.sql_count("SELECT count(*) FROM findings");
    // The Weibo post with the citizen's mobile number is edited to remove it.
    let path = demo.path("demo/posts/jyj-weibo.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("15856231478"));
    fs::write(&path, text.replace("15856231478", "（已隐去）")).unwrap();
    let (o, r) = demo.scan(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(summary(&r, "posts_scanned"), 1);
    let gone = r["no_longer_firing"].as_array().unwrap();
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0]["rule_id"], "personal_info.mobile");
    assert_eq!(gone[0]["account"], "jyj-weibo");
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM findings"),
        before,
        "kept, not deleted"
    );
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM findings WHERE gone_run IS NOT NULL"),
        1
    );
}

#[test]
fn rescan_keeps_review_status_and_duplicates_nothing() {
    let demo = Demo::new();
    let (_, r1) = demo.scan(&[]);
    let account_findings = r1["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["account"]["id"] == "jyj-weibo")
        .count();
    assert!(account_findings > 0);
    let c = Connection::open(demo.db()).unwrap();
    let confirmed: String = c
        .query_row(
            "SELECT fingerprint FROM findings WHERE account_key = 'weibo:' || (SELECT json_extract(data, '$.platform_account_id') FROM registry_snapshots WHERE account_id = 'jyj-weibo') LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    c.execute(
        "UPDATE findings SET status = 'confirmed' WHERE fingerprint = ?1",
        [&confirmed],
    )
    .unwrap();
    c.execute(
        "INSERT INTO finding_history (fingerprint, at, from_status, to_status, who, note) VALUES (?1, '2026-11-26', 'new', 'confirmed', '张审核', '确认违规')",
        [&confirmed],
    )
    .unwrap();
    drop(c);
    let total = demo.sql_count("SELECT count(*) FROM findings");
    let (o, r2) = demo.scan(&["--account", "jyj-weibo", "--rescan"]);
    assert_eq!(
        code(&o),
        0,
        "known findings do not trip --fail-on: {}",
        stderr(&o)
    );
    assert_eq!(r2["run"]["kind"], "rescan");
    assert_eq!(summary(&r2, "posts_scanned"), 40);
    assert_eq!(summary(&r2, "findings"), account_findings as u64);
    assert_eq!(summary(&r2, "findings_new"), 0);
    assert!(r2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["novelty"] == "known"));
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM findings"),
        total,
        "no duplicates"
    );
    let c = Connection::open(demo.db()).unwrap();
    let status: String = c
        .query_row(
            "SELECT status FROM findings WHERE fingerprint = ?1",
            [&confirmed],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "confirmed");
    let history: i64 = c
        .query_row(
            "SELECT count(*) FROM finding_history WHERE fingerprint = ?1",
            [&confirmed],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        history, 2,
        "creation and the officer's decision, nothing more"
    );
}

#[test]
fn changed_rules_rescan_stored_posts_on_request() {
    let demo = Demo::new();
    let rules = own_rules(&demo);
    let rules_arg = ["--rules", rules.to_str().unwrap()];
    demo.scan(&rules_arg);
    // A new rule version with one more keyword that occurs in ordinary posts.
    let pack = rules.join("false.toml");
    let text = fs::read_to_string(&pack).unwrap();
    let text = text.replacen("version = \"2026.11.26\"", "version = \"2026.12.01\"", 1);
    let text = text.replacen(
        "    \"据内部消息\",",
        "    \"据内部消息\",\n    \"教育局\",",
        1,
    );
    assert!(text.contains("\"教育局\""), "keyword added");
    fs::write(&pack, text).unwrap();
    let (_, r) = demo.scan(&rules_arg);
    assert_eq!(
        summary(&r, "posts_scanned"),
        0,
        "new rules alone do not rescan"
    );
    // The source no longer delivers one account's posts: they come from the store.
    fs::write(demo.path("demo/posts/jyj-wechat.jsonl"), "").unwrap();
    let (o, r) = demo.scan(&[&rules_arg[..], &["--rescan-changed-rules"]].concat());
    assert!(matches!(code(&o), 0 | 1), "{}", stderr(&o));
    assert_eq!(summary(&r, "posts_scanned"), 300);
    let from_store = posts_from_store(&r);
    assert_eq!(
        from_store, 36,
        "jyj-wechat's posts were scanned from their stored text"
    );
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["normalized"] == "教育局" && f["novelty"] == "new"));
    let (_, r) = demo.scan(&[&rules_arg[..], &["--rescan-changed-rules"]].concat());
    assert_eq!(summary(&r, "posts_scanned"), 0, "now up to date");
}

#[test]
fn changed_rules_rescan_pages_through_an_account_of_several_batches() {
    // 5,000 more stored posts in one account, whose export is then emptied:
    // `--rescan-changed-rules` reads them from the store in three pages, the
    // next page read while the one before is recorded. Each post is scanned
    // once, none is left behind, and the findings are those of the first run.
    let demo = Demo::new();
    let rules = own_rules(&demo);
    let rules_arg = ["--rules", rules.to_str().unwrap()];
    append_many(&demo, 5000);
    let export = demo.path("demo/posts/jyj-weibo.jsonl");
    let in_export = fs::read_to_string(&export).unwrap().lines().count() as u64;
    assert!(in_export > 5000);
    let (o, r1) = demo.scan(&rules_arg);
    assert_eq!(summary(&r1, "posts_scanned"), 5300, "{}", stderr(&o));

    let pack = rules.join("false.toml");
    let text = fs::read_to_string(&pack).unwrap();
    let text = text.replacen("version = \"2026.11.26\"", "version = \"2026.12.01\"", 1);
    assert!(text.contains("2026.12.01"), "version changed");
    fs::write(&pack, text).unwrap();
    fs::write(&export, "").unwrap();
    let rescan = [&rules_arg[..], &["--rescan-changed-rules"]].concat();
    let (o, r2) = demo.scan(&rescan);
    assert_eq!(code(&o), 0, "no new findings: {}", stderr(&o));
    assert_eq!(summary(&r2, "posts_scanned"), 5300, "each post once");
    let from_store = posts_from_store(&r2);
    assert_eq!(from_store, in_export);
    assert_eq!(fingerprints(&r2), fingerprints(&r1));
    assert_eq!(summary(&r2, "findings_new"), 0);
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM posts WHERE rule_versions NOT LIKE '%2026.12.01%'"),
        0,
        "every stored post carries the new versions"
    );
    let (_, r3) = demo.scan(&rescan);
    assert_eq!(summary(&r3, "posts_scanned"), 0, "now up to date");
}

#[test]
fn registry_changes_of_leader_are_kept_as_history() {
    let demo = Demo::new();
    demo.scan(&[]);
    let reg = demo.path("demo/accounts.toml");
    let text = fs::read_to_string(&reg).unwrap();
    fs::write(
        &reg,
        text.replacen("name = \"王建国\"", "name = \"赵新民\"", 1),
    )
    .unwrap();
    demo.scan(&[]);
    let text = fs::read_to_string(&reg).unwrap();
    fs::write(
        &reg,
        text.replacen("name = \"赵新民\"", "name = \"钱进\"", 1),
    )
    .unwrap();
    // Without --quiet, the change is announced.
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args([
            "scan",
            "--registry",
            reg.to_str().unwrap(),
            "--db",
            demo.db().to_str().unwrap(),
        ])
        .args(["--out", demo.path("reports").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        stderr(&o).contains("responsible leader from 赵新民 to 钱进"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM contact_history WHERE role = 'leader'"),
        2
    );
    assert_eq!(
        demo.sql_count("SELECT count(DISTINCT run_id) FROM registry_snapshots"),
        3
    );
}

/// Starts a scan that stops at `hold`, waits until it says so, and kills it
/// with SIGKILL.
fn kill_at(demo: &Demo, hold: &str) {
    let mut child = demo
        .command(&[])
        .env("XUNJIAN_TEST_HOLD", hold)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.starts_with("xunjian-test-hold") => break,
            Some(Ok(_)) => continue,
            other => panic!("the scan ended before reaching {hold}: {other:?}"),
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

#[test]
fn killed_runs_lose_nothing_and_duplicate_nothing() {
    let clean = Demo::new();
    clean.scan(&[]);
    let expected = clean.fingerprints();
    assert!(expected.len() > 50);
    for hold in [
        "before-commit:1",
        "after-commit:1",
        "before-commit:4",
        "after-commit:7",
        "before-commit:10",
    ] {
        let demo = Demo::new();
        kill_at(&demo, hold);
        let (o, r) = demo.scan(&[]);
        assert!(matches!(code(&o), 0 | 1), "{hold}: {}", stderr(&o));
        let committed_before: u64 = r["summary"]["posts_unchanged"].as_u64().unwrap();
        assert_eq!(
            summary(&r, "posts_scanned") + committed_before,
            300,
            "{hold}: every post read"
        );
        assert_eq!(
            demo.sql_count("SELECT count(*) FROM posts"),
            300,
            "{hold}: every post recorded once"
        );
        assert_eq!(
            demo.fingerprints(),
            expected,
            "{hold}: the same findings as an uninterrupted run"
        );
        assert_eq!(
            demo.sql_count("SELECT count(*) FROM finding_history"),
            expected.len() as i64,
            "{hold}: one creation entry per finding"
        );
        assert_eq!(
            demo.sql_count(
                "SELECT count(*) FROM runs WHERE status = 'failed' AND note LIKE 'interrupted%'"
            ),
            1,
            "{hold}: the killed run is recorded as interrupted"
        );
        let (_, again) = demo.scan(&[]);
        assert_eq!(
            summary(&again, "posts_scanned"),
            0,
            "{hold}: nothing left to scan"
        );
    }
}

#[test]
fn a_second_concurrent_run_waits_or_exits_2_and_a_dead_holder_is_taken_over() {
    let demo = Demo::new();
    let mut child = demo
        .command(&[])
        .env("XUNJIAN_TEST_HOLD", "before-commit:2")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    while let Some(Ok(l)) = lines.next() {
        if l.starts_with("xunjian-test-hold") {
            break;
        }
    }
    let (o, _) = demo.scan(&["--lock-wait", "1"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("another xunjian run is using the state database"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!("pid {}", child.id())),
        "names the holder: {}",
        stderr(&o)
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args([
            "scan",
            "--registry",
            demo.path("demo/accounts.toml").to_str().unwrap(),
        ])
        .args([
            "--db",
            demo.db().to_str().unwrap(),
            "--out",
            demo.path("reports").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(matches!(code(&o), 0 | 1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("took over the state database lock"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn damaged_or_newer_databases_are_refused_and_left_alone() {
    let demo = Demo::new();
    fs::write(
        demo.db(),
        b"this is not a database, but somebody's file\n".repeat(200),
    )
    .unwrap();
    let before = fs::read(demo.db()).unwrap();
    let (o, _) = demo.scan(&[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("damaged or not a xunjian database"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(demo.db()).unwrap(), before, "never replaced");

    let demo = Demo::new();
    demo.scan(&[]);
    Connection::open(demo.db())
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let (o, _) = demo.scan(&[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("newer than this xunjian understands"),
        "{}",
        stderr(&o)
    );

    let demo = Demo::new();
    fs::create_dir(demo.db()).unwrap();
    let (o, _) = demo.scan(&[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
}

#[test]
fn an_older_schema_is_migrated_on_open_keeping_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let old = SqliteStore::open_at_version(&path, 30, 1).unwrap();
    assert_eq!(old.version().unwrap(), 1);
    old.connection()
        .execute(
            "INSERT INTO runs (label, kind, arguments, started_at, status, rule_versions) VALUES ('old', 'nightly', '[]', '2026-01-01T00:00:00+08:00', 'complete', 'a@1')",
            [],
        )
        .unwrap();
    drop(old);
    let store = SqliteStore::open(&path, 30).unwrap();
    assert_eq!(store.version().unwrap(), schema_version());
    let n: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'findings_by_post'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1, "migration 2 applied");
    let label: String = store
        .connection()
        .query_row("SELECT label FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(label, "old");

    // Migration 6 drops the index of posts by rule versions, which nothing
    // reads since stale posts are paged by the primary key.
    let index = |store: &SqliteStore| -> i64 {
        store
            .connection()
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'posts_by_rules'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(index(&store), 0, "migration 6 applied");
    let path5 = dir.path().join("five.db");
    let five = SqliteStore::open_at_version(&path5, 30, 5).unwrap();
    assert_eq!(index(&five), 1);
    drop(five);
    assert_eq!(index(&SqliteStore::open(&path5, 30).unwrap()), 0);
}

#[test]
fn runs_list_and_show_print_the_history() {
    let demo = Demo::new();
    demo.scan(&[]);
    fs::write(demo.path("demo/posts/zhjy-app.jsonl"), "{broken\n").unwrap();
    let (o, r) = demo.scan(&[]);
    assert_eq!(code(&o), 3);
    let label = r["run"]["id"].as_str().unwrap().to_string();
    let list = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(["runs", "list", "--db", demo.db().to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&list.stdout);
    assert_eq!(code(&list), 0);
    assert!(
        out.contains("complete") && out.contains("incomplete") && out.contains(&label),
        "{out}"
    );
    let show = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(["runs", "show", &label, "--db", demo.db().to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&show.stdout);
    assert!(
        out.contains("zhjy-app") && out.contains("zhjy-app.jsonl:1"),
        "{out}"
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args([
            "runs",
            "list",
            "--db",
            demo.path("nope.db").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(code(&missing), 2);
}

/// Appends `n` plain posts to the demo's jyj-weibo export; every 500th
/// carries a mobile number. Returns the ids of those.
fn append_many(demo: &Demo, n: usize) -> Vec<String> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(demo.path("demo/posts/jyj-weibo.jsonl"))
        .unwrap();
    let mut planted = Vec::new();
    for i in 0..n {
        let id = format!("8{i:015}");
        let text = if i % 500 == 0 {
            planted.push(id.clone());
            format!("第{i}期社区活动报名，联系电话15856231478，欢迎参加。")
        } else {
            format!("第{i}期社区活动报名，欢迎居民朋友们参加。")
        };
        writeln!(
            f,
            r#"{{"id":"{id}","title":"","text":"{text}","url":"","published_at":"2026-10-01T08:00:00+08:00","author":""}}"#
        )
        .unwrap();
    }
    planted
}

#[test]
fn an_account_of_several_batches_is_recorded_whole_and_rescanned_incrementally() {
    // 5,000 more posts in one account: three batches of 2,048, so a batch
    // is scanned while the one before is recorded.
    let demo = Demo::new();
    let planted = append_many(&demo, 5000);
    assert_eq!(planted.len(), 10);
    let no_db = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("scan")
        .arg("--registry")
        .arg(demo.path("demo/accounts.toml"))
        .args(["--no-db", "--quiet", "--format", "json", "--out"])
        .arg(demo.path("reports-no-db"))
        .output()
        .unwrap();
    assert_eq!(code(&no_db), 1, "{}", stderr(&no_db));

    let (o, r1) = demo.scan(&[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(summary(&r1, "posts_scanned"), 5300);
    let first = summary(&r1, "findings");
    assert_eq!(summary(&r1, "findings_new"), first);
    let per_post = (first - 93) / 10;
    assert!(per_post >= 1 && first == 93 + 10 * per_post, "{first}");
    assert_eq!(demo.sql_count("SELECT count(*) FROM posts"), 5300);
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM findings"),
        first as i64
    );
    let no_db_json: Value = fs::read_dir(demo.path("reports-no-db"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| fs::read_to_string(e.path().join("findings.json")).unwrap())
        .map(|t| serde_json::from_str(&t).unwrap())
        .next()
        .unwrap();
    assert_eq!(fingerprints(&r1), fingerprints(&no_db_json));
    assert_eq!(fingerprints(&r1), demo.fingerprints());

    // The number leaves the first planted post (first batch) and appears
    // in a post of the last batch.
    let path = demo.path("demo/posts/jyj-weibo.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    let edited: String = text
        .lines()
        .map(|l| {
            if l.contains(&format!(r#""id":"{}""#, planted[0])) {
                l.replace("15856231478", "（已隐去）")
            } else if l.contains(r#""id":"8000000000004999""#) {
                l.replace("欢迎居民", "联系电话15856231478，欢迎居民")
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    fs::write(&path, edited).unwrap();
    let (o, r2) = demo.scan(&[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(summary(&r2, "posts_scanned"), 2);
    assert_eq!(summary(&r2, "posts_unchanged"), 5298);
    assert_eq!(summary(&r2, "findings_new"), per_post);
    let gone = r2["no_longer_firing"].as_array().unwrap();
    assert_eq!(gone.len() as u64, per_post, "{gone:?}");
    assert!(gone.iter().all(|g| g["post_id"] == planted[0].as_str()));
    assert_eq!(
        demo.sql_count("SELECT count(*) FROM findings"),
        (first + per_post) as i64
    );

    let (o, r3) = demo.scan(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(summary(&r3, "posts_scanned"), 0);
    assert_eq!(summary(&r3, "posts_unchanged"), 5300);
}
