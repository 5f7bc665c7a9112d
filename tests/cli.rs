//! The `xunjian` binary end to end: the demo scan's exact findings, exit
//! codes, report files, account selection, draft checks and rule tests.
//!
//! Regenerate `tests/golden/demo-findings.tsv` after an intended change to
//! the rules or the demo with `XUNJIAN_BLESS=1 cargo test --test cli`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A state database path of its own for each command, so that no test
/// writes `xunjian.db` into the repository or shares state with another.
fn scratch_db() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("xunjian-cli-test-{}-{n}.db", std::process::id()))
}

/// Removes a [`scratch_db`] database and the files SQLite and the lock
/// keep beside it, once its command has finished.
fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal", ".lock"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}

fn xunjian(args: &[&str]) -> Output {
    let db = scratch_db();
    let out = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(args)
        .env("XUNJIAN_DB", &db)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    remove_db(&db);
    out
}

fn xunjian_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let db = scratch_db();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(args)
        .env("XUNJIAN_DB", &db)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    remove_db(&db);
    out
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The report of a run: `<out>/<run label>/findings.json`.
fn find_report(out: &Path, name: &str) -> Option<PathBuf> {
    for run in fs::read_dir(out).ok()?.filter_map(Result::ok) {
        let p = run.path().join(name);
        if p.exists() {
            return Some(p);
        }
    }
    None
}

fn read_json(out: &Path) -> Option<Value> {
    find_report(out, "findings.json")
        .map(|p| serde_json::from_str(&fs::read_to_string(p).unwrap()).unwrap())
}

/// Runs a scan of the demo with a fresh state database and report folder;
/// returns (output, the JSON report, the folder).
fn scan(extra: &[&str]) -> (Output, Option<Value>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let db = dir.path().join("state.db");
    let mut args = vec![
        "scan",
        "--registry",
        "fixtures/demo/accounts.toml",
        "--out",
        out.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = xunjian(&args);
    (o, read_json(&out), dir)
}

fn golden_lines(report: &Value) -> String {
    let mut s = String::new();
    for f in report["findings"].as_array().unwrap() {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            f["account"]["id"].as_str().unwrap(),
            f["post"]["id"].as_str().unwrap(),
            f["field"].as_str().unwrap(),
            f["rule"]["id"].as_str().unwrap(),
            f["matched"]
                .as_str()
                .unwrap()
                .replace('\u{200b}', "\\u200b"),
            f["occurrences"],
            if f["evasion"].as_bool().unwrap() {
                "evasion"
            } else {
                "-"
            },
        ));
    }
    s
}

#[test]
fn demo_scan_reports_exactly_the_expected_findings() {
    let (o, report, dir) = scan(&[]);
    assert_eq!(code(&o), 1, "findings at or above low: {}", text(&o.stderr));
    let report = report.expect("JSON report written");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["run"]["complete"], true);
    assert_eq!(report["summary"]["accounts"], 10);
    assert_eq!(report["summary"]["posts_scanned"], 300);
    assert_eq!(report["rule_packs"].as_array().unwrap().len(), 4);
    let lines = golden_lines(&report);
    let path = root().join("tests/golden/demo-findings.tsv");
    if std::env::var_os("XUNJIAN_BLESS").is_some() {
        fs::write(&path, &lines).unwrap();
    }
    let expected = fs::read_to_string(&path).unwrap();
    assert!(expected == lines, "demo findings changed; got:\n{lines}");
    // The summary names the reports; the CSV opens in Excel.
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("300") && stdout.contains(".csv") && stdout.contains(".json"),
        "{stdout}"
    );
    let csv = find_report(&dir.path().join("reports"), "findings.csv").unwrap();
    let bytes = fs::read(&csv).unwrap();
    assert!(bytes.starts_with("\u{feff}\"指纹\"".as_bytes()));
    let rows = text(&bytes).matches("\r\n").count();
    assert_eq!(
        rows as u64,
        1 + report["summary"]["findings"].as_u64().unwrap()
    );
    // No temporary files are left behind.
    let leftovers: Vec<_> = fs::read_dir(csv.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn scans_are_deterministic() {
    let (_, a, _d1) = scan(&["--jobs", "1"]);
    let (_, b, _d2) = scan(&["--jobs", "2"]);
    assert_eq!(a.unwrap()["findings"], b.unwrap()["findings"]);
}

#[test]
fn fail_on_threshold_sets_the_exit_code() {
    assert_eq!(code(&scan(&["--fail-on", "none", "--format", "json"]).0), 0);
    assert_eq!(
        code(&scan(&["--fail-on", "critical", "--format", "json"]).0),
        1
    );
}

#[test]
fn account_platform_and_date_selection() {
    let (o, r, _d) = scan(&["--account", "jyj-weibo", "--format", "json"]);
    let r = r.unwrap();
    assert_eq!(r["summary"]["accounts"], 1, "{}", text(&o.stderr));
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["account"]["id"] == "jyj-weibo"));
    let (_, r, _d) = scan(&["--platform", "weibo", "--format", "json"]);
    assert_eq!(r.unwrap()["summary"]["accounts"], 3);
    let (_, r, _d) = scan(&[
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-10",
        "--format",
        "json",
    ]);
    let r = r.unwrap();
    for f in r["findings"].as_array().unwrap() {
        let t = f["post"]["published_at"].as_str().unwrap();
        assert!(("2026-11-01".."2026-11-11").contains(&t), "{t}");
    }
    let scanned = r["summary"]["posts_scanned"].as_u64().unwrap();
    assert!(scanned > 0 && scanned < 300, "{scanned}");
    let o = xunjian(&[
        "scan",
        "--registry",
        "fixtures/demo/accounts.toml",
        "--account",
        "nope",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("known ids: jyj-wechat"),
        "{}",
        text(&o.stderr)
    );
}

fn write_registry(dir: &Path, posts: &str) -> PathBuf {
    fs::write(dir.join("posts.jsonl"), posts).unwrap();
    let reg = dir.join("accounts.toml");
    fs::write(
        &reg,
        r#"[[account]]
id = "t"
name = "测试号"
platform = "weibo"
platform_account_id = "42"
unit = "测试单位"
certified = true
[account.leader]
name = "甲"
[account.admin]
name = "乙"
[account.source]
kind = "jsonl"
path = "posts.jsonl"
"#,
    )
    .unwrap();
    reg
}

#[test]
fn malformed_lines_make_the_run_incomplete_but_are_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let reg = write_registry(
        dir.path(),
        "{\"id\":\"1\",\"text\":\"网络赌博，加微信\"}\n{broken\n{\"id\":\"3\",\"text\":\"平安无事\"}\n",
    );
    let out = dir.path().join("out");
    let o = xunjian(&[
        "scan",
        "--registry",
        reg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-db",
    ]);
    assert_eq!(code(&o), 3, "incomplete outranks findings");
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("posts.jsonl:2"),
        "problem named in the summary: {stdout}"
    );
    let r = read_json(&out).expect("JSON report");
    assert_eq!(r["run"]["complete"], false);
    assert_eq!(r["run"]["failed_accounts"][0]["id"], "t");
    assert_eq!(r["run"]["accounts"][0]["status"], "incomplete");
    assert_eq!(r["run"]["accounts"][0]["posts_scanned"], 2);
    assert!(!r["findings"].as_array().unwrap().is_empty());
}

#[test]
fn a_missing_export_fails_that_account() {
    let dir = tempfile::tempdir().unwrap();
    let reg = write_registry(dir.path(), "");
    fs::remove_file(dir.path().join("posts.jsonl")).unwrap();
    let o = xunjian(&[
        "scan",
        "--registry",
        reg.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3);
    assert!(text(&o.stdout).contains("Failed"), "{}", text(&o.stdout));
}

#[test]
fn registry_and_rule_errors_exit_2_before_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let reg = dir.path().join("accounts.toml");
    fs::write(&reg, "[[account]]\nid = \"x\"\nnmae = \"typo\"\n").unwrap();
    let o = xunjian(&[
        "scan",
        "--registry",
        reg.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("accounts.toml:3"),
        "{}",
        text(&o.stderr)
    );
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    fs::write(rules.join("bad.toml"), "[pack]\nid = \"p\"\n").unwrap();
    let o = xunjian(&[
        "scan",
        "--registry",
        "fixtures/demo/accounts.toml",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("bad.toml"), "{}", text(&o.stderr));
    let o = xunjian(&[
        "scan",
        "--registry",
        "fixtures/demo/accounts.toml",
        "--fail-on",
        "urgent",
    ]);
    assert_eq!(code(&o), 2, "usage error");
}

#[test]
fn unwritable_report_folder_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    fs::write(&file, "x").unwrap();
    let o = xunjian(&[
        "scan",
        "--registry",
        "fixtures/demo/accounts.toml",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
}

#[test]
fn check_marks_the_offending_text_and_sets_the_exit_code() {
    let o = xunjian_stdin(
        &["check", "--title", "通知"],
        "第一行正常。\n请勿外传：机密★1年\n",
    );
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    assert!(out.contains("【机密★1年】"), "{out}");
    assert!(out.contains("正文:2:"), "line number: {out}");
    let o = xunjian_stdin(&["check"], "今天天气晴朗，学校组织学生参观科技馆。");
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let o = xunjian_stdin(&["check", "--format", "json"], "加微信 abc12345 买冰毒");
    assert_eq!(code(&o), 1);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"]["category"] == "unhealthy"));
    let o = xunjian_stdin(
        &["check", "--fail-on", "critical"],
        "加微信 abc12345 买冰毒",
    );
    assert_eq!(code(&o), 0, "below the threshold");
    let o = xunjian(&["check", "/nonexistent/draft.txt"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn rules_test_passes_on_shipped_packs_and_fails_on_a_bad_example() {
    let o = xunjian(&["rules", "test"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains(" 0 failed"));
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("p.toml"),
        "[pack]\nid = \"p\"\nversion = \"1\"\nname = \"n\"\ncategory = \"false\"\n\n[[rule]]\nid = \"p.x\"\nname = \"n\"\nmessage = \"m\"\nseverity = \"low\"\narticle = 10\nkeywords = [\"速转\"]\nexamples = [\"请速转\", \"没有命中\"]\ncounter_examples = [\"速转给大家\"]\n",
    )
    .unwrap();
    let o = xunjian(&["rules", "test", "--rules", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    assert!(
        out.contains("MISS   p.x") && out.contains("没有命中"),
        "{out}"
    );
    assert!(
        out.contains("FALSE  p.x") && out.contains("速转给大家"),
        "{out}"
    );
    let o = xunjian(&["rules", "list"]);
    assert_eq!(code(&o), 0);
    assert!(text(&o.stdout).contains("personal_info.") && text(&o.stdout).contains("第十三条"));
}

/// Rows of a markdown table section of the demo manifest: (account, post id, cells).
fn manifest_rows(section: &str) -> Vec<(String, String, Vec<String>)> {
    let text = fs::read_to_string(root().join("fixtures/demo/MANIFEST.md")).unwrap();
    let mut in_section = false;
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.starts_with("## ") {
            in_section = line.contains(section);
            continue;
        }
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        if !in_section || cells.len() < 5 || cells[0] == "account" || cells[0].starts_with("---") {
            continue;
        }
        rows.push((
            cells[0].clone(),
            cells[1].trim_matches('`').to_string(),
            cells,
        ));
    }
    rows
}

#[test]
fn demo_findings_agree_with_the_manifest() {
    let (_, report, _d) = scan(&["--format", "json"]);
    let report = report.unwrap();
    let findings = report["findings"].as_array().unwrap();
    let of_post = |a: &str, p: &str| -> Vec<&Value> {
        findings
            .iter()
            .filter(|f| f["account"]["id"] == a && f["post"]["id"] == p)
            .collect()
    };
    let violations = manifest_rows("Violations");
    let lookalikes = manifest_rows("look-alike");
    assert!(
        violations.len() > 40 && lookalikes.len() > 30,
        "manifest parsed"
    );
    for (a, p, cells) in &violations {
        let category = &cells[3];
        let got = of_post(a, p);
        assert!(
            got.iter()
                .any(|f| f["rule"]["category"] == category.as_str()),
            "{a}/{p}: expected a {category} finding, got {got:?}"
        );
        if !cells[5].is_empty() {
            assert!(
                got.iter().any(|f| f["evasion"] == true),
                "{a}/{p}: evasion `{}` not flagged",
                cells[5]
            );
        }
    }
    for (a, p, _) in &lookalikes {
        assert!(
            of_post(a, p).is_empty(),
            "look-alike {a}/{p} flagged: {:?}",
            of_post(a, p)
        );
    }
    for f in findings {
        let (a, p) = (
            f["account"]["id"].as_str().unwrap(),
            f["post"]["id"].as_str().unwrap(),
        );
        assert!(
            violations.iter().any(|(va, vp, _)| va == a && vp == p),
            "finding on a post the manifest calls ordinary: {a}/{p} {}",
            f["matched"]
        );
    }
}
