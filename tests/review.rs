//! The officers' workflow through real files and the real binary: review
//! export → Excel-style edit (GB18030, re-quoted, BOM, leading `'`) →
//! import, all-or-nothing on a bad row, false positives and
//! suppressions.toml (with expiry) in later runs and `--fail-on`,
//! `--redact pii`, migration of a schema-2 database, and the HTML report
//! in headless Chromium (hostile post content must not run).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rusqlite::Connection;
use serde_json::Value;
use xunjian::store::sqlite::{schema_version, SqliteStore};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn db(&self) -> PathBuf {
        self.p("state.db")
    }
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xunjian"))
            .args(args)
            .arg("--db")
            .arg(self.db())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
    /// Scans the demo into `reports/<n>`; returns exit code and JSON.
    fn scan(&self, n: &str, extra: &[&str]) -> (i32, Value, PathBuf) {
        let out = self.p(&format!("reports-{n}"));
        let reg = root().join("fixtures/demo/accounts.toml");
        let mut args = vec![
            "scan",
            "--registry",
            reg.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let o = self.run(&args);
        let dir = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
        let json =
            serde_json::from_str(&fs::read_to_string(dir.join("findings.json")).unwrap()).unwrap();
        (o.status.code().unwrap(), json, dir)
    }
}

fn status_of(db: &Path, fp: &str) -> (String, String, String, String) {
    Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT status, reviewer, reviewed_at, rectify_by FROM findings WHERE fingerprint = ?1",
            [fp],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = fs::read(path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Writes rows as Excel on a Chinese Windows would: GB18030, minimal
/// quoting, CRLF, the leading `'` kept on the fingerprint.
fn write_excel_gb18030(path: &Path, rows: &[Vec<String>]) {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let (bytes, _, bad) = encoding_rs::GB18030.encode(&text);
    assert!(!bad);
    fs::write(path, bytes).unwrap();
}

fn col(rows: &[Vec<String>], name: &str) -> usize {
    rows[0].iter().position(|h| h == name).unwrap()
}

#[test]
fn each_export_filter_selects_the_findings_it_names() {
    // The export reads the stored findings one at a time; each filter, and
    // two together, must select what the full export shows for it.
    let env = Env::new();
    let (code, _, _) = env.scan("1", &[]);
    assert_eq!(code, 1);
    let export = |name: &str, filter: &[&str]| -> Vec<Vec<String>> {
        let o = env.run(&[&["review", "export", "--out", name][..], filter].concat());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        read_csv(&env.p(name))
    };
    let all = export("all.csv", &[]);
    let (fp, unit, account, severity, published) = (
        col(&all, "指纹"),
        col(&all, "主办单位"),
        col(&all, "账号标识"),
        col(&all, "严重程度"),
        col(&all, "发布时间"),
    );
    let fingerprints = |rows: &[Vec<String>]| -> Vec<String> {
        let mut v: Vec<String> = rows[1..].iter().map(|r| r[fp].clone()).collect();
        v.sort();
        v
    };
    let expected = |keep: &dyn Fn(&Vec<String>) -> bool| -> Vec<String> {
        let mut v: Vec<String> = all[1..]
            .iter()
            .filter(|r| keep(r))
            .map(|r| r[fp].clone())
            .collect();
        v.sort();
        v
    };
    let some_unit = all[1][unit].clone();
    let some_account = all[all.len() - 1][account].clone();
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (
            vec!["--severity", "high"],
            expected(&|r| r[severity] == "高"),
        ),
        (
            vec!["--unit", &some_unit],
            expected(&|r| r[unit] == some_unit),
        ),
        (
            vec!["--account", &some_account],
            expected(&|r| r[account] == some_account),
        ),
        (
            vec!["--unit", &some_unit, "--severity", "high"],
            expected(&|r| r[unit] == some_unit && r[severity] == "高"),
        ),
        (
            vec!["--from", "2026-11-20", "--to", "2026-11-22"],
            expected(&|r| ("2026-11-20".."2026-11-23").contains(&&r[published][..10])),
        ),
        (vec!["--run", "1"], fingerprints(&all)),
        (vec!["--from", "2099-01-01"], Vec::new()),
    ];
    for (n, (filter, want)) in cases.iter().enumerate() {
        let got = fingerprints(&export(&format!("f{n}.csv"), filter));
        assert_eq!(&got, want, "{filter:?}");
    }
    // The cases are not all trivially full or empty.
    assert!(
        cases
            .iter()
            .filter(|(_, w)| !w.is_empty() && w.len() < all.len() - 1)
            .count()
            >= 4
    );
}

#[test]
fn review_round_trip_through_excel_files_and_false_positives_stay_suppressed() {
    let env = Env::new();
    let (code, r1, _) = env.scan("1", &[]);
    assert_eq!(code, 1);
    let total = r1["findings"].as_array().unwrap().len();
    let o = env.run(&[
        "review",
        "export",
        "--out",
        "review.csv",
        "--category",
        "false",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut rows = read_csv(&env.p("review.csv"));
    let false_n = r1["summary"]["by_category"]["false"].as_u64().unwrap() as usize;
    assert!(false_n >= 10, "MANIFEST plants 10 false posts");
    assert_eq!(rows.len(), 1 + false_n, "every false-category finding");
    let (v, who, date, by, note) = (
        col(&rows, "复核结论"),
        col(&rows, "复核人"),
        col(&rows, "复核日期"),
        col(&rows, "整改期限"),
        col(&rows, "备注"),
    );
    let fp = |rows: &[Vec<String>], i: usize| rows[i][0].trim_start_matches('\'').to_string();
    let (fp1, fp2, fp3) = (fp(&rows, 1), fp(&rows, 2), fp(&rows, 3));
    rows[1][v] = "确认违规".into();
    rows[1][who] = "张审核".into();
    rows[1][date] = "2026/11/26".into();
    rows[1][by] = "2026年11月29日".into();
    rows[1][note] = "已通知单位删除，\"限期整改\"".into();
    rows[2][v] = "误报".into();
    rows[2][who] = "李复核".into();
    rows[2][date] = "2026-11-26".into();
    rows[3][v] = " False Positive ".into();
    rows[3][who] = "李复核".into();
    rows[3][0] = format!("'{}", fp3);
    // A bad row (typo in the verdict) makes the whole import apply nothing.
    let mut bad = rows.clone();
    bad[4][v] = "确认违归".into();
    write_excel_gb18030(&env.p("bad.csv"), &bad);
    let o = env.run(&["review", "import", "bad.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("row 5") && out.contains("unknown verdict `确认违归`"),
        "{out}"
    );
    assert_eq!(status_of(&env.db(), &fp1).0, "new", "nothing applied");
    // Unknown fingerprint, bad date, disagreeing duplicates: refused too.
    let mut bad2 = rows.clone();
    bad2[4][0] = "deadbeef".into();
    bad2[5][v] = "待定".into();
    bad2[5][date] = "下周".into();
    let mut dup = rows[1].clone();
    dup[v] = "已整改".into();
    bad2.push(dup);
    write_excel_gb18030(&env.p("bad2.csv"), &bad2);
    let o = env.run(&["review", "import", "bad2.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("unknown fingerprint `deadbeef`"), "{out}");
    assert!(out.contains("复核日期 `下周` is not a date"), "{out}");
    assert!(
        out.contains("appears on row 2 with a different review"),
        "{out}"
    );
    assert_eq!(status_of(&env.db(), &fp1).0, "new");
    // The good sheet, as Excel saves it in GB18030; a dry run first.
    write_excel_gb18030(&env.p("good.csv"), &rows);
    let o = env.run(&["review", "import", "good.csv", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        status_of(&env.db(), &fp1).0,
        "new",
        "a dry run applies nothing"
    );
    let o = env.run(&["review", "import", "good.csv"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("GB18030"));
    assert_eq!(
        status_of(&env.db(), &fp1),
        (
            "confirmed".into(),
            "张审核".into(),
            "2026-11-26".into(),
            "2026-11-29".into()
        )
    );
    assert_eq!(status_of(&env.db(), &fp2).0, "false_positive");
    assert_eq!(status_of(&env.db(), &fp3).0, "false_positive");
    let c = Connection::open(env.db()).unwrap();
    let (from, to, who, note): (String, String, String, String) = c
        .query_row(
            "SELECT from_status, to_status, who, note FROM finding_history WHERE fingerprint = ?1 ORDER BY id DESC LIMIT 1",
            [&fp1],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (from.as_str(), to.as_str(), who.as_str()),
        ("new", "confirmed", "张审核")
    );
    assert!(note.contains("限期整改"));
    // Importing the same sheet again (UTF-8 with BOM this time) changes nothing.
    let mut w = csv::WriterBuilder::new().from_writer(b"\xef\xbb\xbf".to_vec());
    for r in &rows {
        w.write_record(r).unwrap();
    }
    fs::write(env.p("again.csv"), w.into_inner().unwrap()).unwrap();
    let o = env.run(&["review", "import", "again.csv"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 findings updated"));
    let n: i64 = c
        .query_row("SELECT count(*) FROM finding_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n as usize, total + 3, "one creation each + three decisions");
    // A later rescan keeps the verdicts; false positives are listed as
    // suppressed and do not trip --fail-on.
    let (code, r2, _) = env.scan("2", &["--rescan", "--fail-on", "low"]);
    assert_eq!(code, 0, "known findings do not trip --fail-on");
    let f2: Vec<&Value> = r2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fingerprint"] == fp2.as_str())
        .collect();
    assert_eq!(f2.len(), 1, "still listed");
    assert_eq!(f2[0]["review"]["status"], "false_positive");
    assert!(f2[0]["review"]["suppressed"].is_string());
    assert_eq!(r2["summary"]["findings_suppressed"], 2);
    assert_eq!(r2["summary"]["findings"].as_u64().unwrap() as usize, total);
    // The export of confirmed findings carries the review back out.
    let o = env.run(&[
        "review",
        "export",
        "--out",
        "c.csv",
        "--status",
        "confirmed",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let rows = read_csv(&env.p("c.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][v], "确认违规");
    assert_eq!(rows[1][by], "2026-11-29");
    // English headers and verdicts work the same way.
    let o = env.run(&[
        "review",
        "export",
        "--out",
        "en.csv",
        "--status",
        "confirmed",
        "--lang",
        "en",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let mut rows = read_csv(&env.p("en.csv"));
    let v = col(&rows, "review_verdict");
    assert_eq!(rows[1][v], "confirmed");
    rows[1][v] = "Resolved".into();
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    for r in &rows {
        w.write_record(r).unwrap();
    }
    fs::write(env.p("en.csv"), w.into_inner().unwrap()).unwrap();
    let o = env.run(&["review", "import", "en.csv", "--by", "王主任"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(status_of(&env.db(), &fp1).0, "resolved");
    let hist: Vec<(Option<String>, String)> = c
        .prepare(
            "SELECT from_status, to_status FROM finding_history WHERE fingerprint = ?1 ORDER BY id",
        )
        .unwrap()
        .query_map([&fp1], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        hist,
        vec![
            (None, "new".to_string()),
            (Some("new".into()), "confirmed".into()),
            (Some("confirmed".into()), "resolved".into())
        ],
        "the whole history is kept"
    );
}

#[test]
fn suppressions_file_applies_until_expiry_and_reports_problems() {
    let env = Env::new();
    // File, line and field on a bad entry.
    fs::write(
        env.p("bad.toml"),
        "[[suppress]]\nrule = \"false.absolute\"\nmatch = \"第一\"\ndecided_by = \"张三\"\ndecided_at = 2026-11-01\n",
    )
    .unwrap();
    let reg = root().join("fixtures/demo/accounts.toml");
    let o = env.run(&[
        "scan",
        "--registry",
        reg.to_str().unwrap(),
        "--suppressions",
        "bad.toml",
        "--no-db",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.toml:1: field `reason`: required"),
        "{err}"
    );
    let (_, r0, _) = env.scan("0", &["--no-db", "--fail-on", "none"]);
    let all = r0["findings"].as_array().unwrap().clone();
    let weibo: Vec<&Value> = all
        .iter()
        .filter(|f| f["account"]["id"] == "jyj-weibo")
        .collect();
    let rule = weibo[0]["rule"]["id"].as_str().unwrap();
    let same_rule = weibo.iter().filter(|f| f["rule"]["id"] == rule).count();
    let one = &all[0];
    fs::write(
        env.p("suppressions.toml"),
        format!(
            "[[suppress]]\nrule = \"{rule}\"\naccount = \"jyj-weibo\"\nreason = \"已核实\"\ndecided_by = \"张三\"\ndecided_at = 2026-11-01\n\n\
             [[suppress]]\nfingerprint = \"{}\"\nreason = \"过期的决定\"\ndecided_by = \"李四\"\ndecided_at = 2025-01-01\nexpires = 2025-12-31\n\n\
             [[suppress]]\nrule = \"nothing.here\"\nmatch = \"无\"\nreason = \"无用\"\ndecided_by = \"王五\"\ndecided_at = \"2026-11-02\"\n",
            one["fingerprint"].as_str().unwrap()
        ),
    )
    .unwrap();
    let (_, r, _) = env.scan(
        "1",
        &[
            "--no-db",
            "--suppressions",
            "suppressions.toml",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(
        r["findings"].as_array().unwrap().len(),
        all.len(),
        "nothing dropped"
    );
    assert_eq!(r["summary"]["findings_suppressed"], same_rule as u64);
    let expired = r["suppressions"]["expired"].as_array().unwrap();
    assert_eq!(expired.len(), 1);
    assert!(expired[0].as_str().unwrap().contains("suppressions.toml:8"));
    let unused = r["suppressions"]["unused"].as_array().unwrap();
    assert_eq!(unused.len(), 1);
    assert!(unused[0].as_str().unwrap().contains("suppressions.toml:15"));
    // Suppressed findings do not count for --fail-on: suppress everything
    // of one account and scan only that account.
    let rules: std::collections::BTreeSet<&str> = weibo
        .iter()
        .map(|f| f["rule"]["id"].as_str().unwrap())
        .collect();
    let mut text = String::new();
    for r in rules {
        text.push_str(&format!(
            "[[suppress]]\nrule = \"{r}\"\naccount = \"jyj-weibo\"\nreason = \"x\"\ndecided_by = \"y\"\ndecided_at = 2026-11-01\n"
        ));
    }
    fs::write(env.p("all.toml"), text).unwrap();
    let (code, _, _) = env.scan(
        "2",
        &[
            "--no-db",
            "--account",
            "jyj-weibo",
            "--suppressions",
            "all.toml",
        ],
    );
    assert_eq!(code, 0);
    let (code, _, _) = env.scan("3", &["--no-db", "--account", "jyj-weibo"]);
    assert_eq!(code, 1);
}

#[test]
fn redact_pii_masks_reports_but_not_fingerprints() {
    let env = Env::new();
    let (_, plain, _) = env.scan("0", &["--no-db", "--fail-on", "none"]);
    let (_, red, dir) = env.scan("1", &["--no-db", "--fail-on", "none", "--redact", "pii"]);
    let fps = |r: &Value| -> Vec<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fps(&plain), fps(&red));
    let all = [
        fs::read_to_string(dir.join("findings.json")).unwrap(),
        fs::read_to_string(dir.join("findings.csv")).unwrap(),
        fs::read_to_string(dir.join("report.html")).unwrap(),
    ]
    .join("\n");
    for secret in [
        "340104201003152326",
        "15856231478",
        "6217001540837261096",
        "6228 4800 1937 4620 581",
    ] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    assert!(all.contains("340104********2326"));
    assert!(all.contains("158****1478"));
    assert!(all.contains("***************1096"));
}

#[test]
fn a_schema_2_database_is_migrated_keeping_reviews() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    let old = SqliteStore::open_at_version(&path, 30, 2).unwrap();
    old.connection()
        .execute_batch(
            "INSERT INTO runs (label, kind, arguments, started_at, status, rule_versions) VALUES ('old', 'nightly', '[]', '2026-10-01T02:30:00+08:00', 'complete', 'a@1');
             INSERT INTO findings (fingerprint, account_key, post_id, rule_id, normalized, matched, category, severity, first_run, last_run, occurrences, status)
               VALUES ('fp1', 'weibo:1', 'p1', 'unhealthy.gambling', '赌博', '赌博', 'unhealthy', 'high', 1, 1, 1, 'confirmed');",
        )
        .unwrap();
    drop(old);
    let store = SqliteStore::open(&path, 30).unwrap();
    assert_eq!(store.version().unwrap(), schema_version());
    assert_eq!(schema_version(), 6);
    let all = store.stored_findings().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].review.status.as_str(), "confirmed");
    assert_eq!(all[0].finding.matched, "赌博");
    assert_eq!(all[0].review.reviewer, "");
}

/// Headless Chromium, when installed (CI installs Debian's `chromium`).
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn dump_dom(browser: &Path, url: &str, shot: Option<&Path>) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--virtual-time-budget=3000",
        "--window-size=1400,1600",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()));
    match shot {
        Some(p) => c.arg(format!("--screenshot={}", p.display())),
        None => c.arg("--dump-dom"),
    };
    let o = c.arg(url).stdin(Stdio::null()).output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The `<body …>` start tag of a dumped DOM, where the page's script
/// records readiness, errors and (if it ever ran) the hostile payload.
fn body_tag(dom: &str) -> String {
    let start = dom.find("<body").expect("a body");
    let end = dom[start..].find('>').unwrap() + start;
    dom[start..=end].to_string()
}

#[test]
fn html_report_runs_in_headless_chromium_and_hostile_posts_stay_text() {
    let env = Env::new();
    // A registry with one hostile account next to the demo's.
    let posts = env.p("hostile.jsonl");
    fs::write(
        &posts,
        concat!(
            r#"{"id":"h1","title":"<script>document.body.setAttribute('data-pwned','1')</script>赌博","text":"<script>document.body.dataset.pwned=1</script>加微信 <img src=x onerror=document.body.dataset.pwned=2>买冰毒 \"><svg onload=document.body.dataset.pwned=3>","url":"javascript:document.body.setAttribute('data-pwned','4')","published_at":"2026-11-20T10:00:00+08:00"}"#,
            "\n"
        ),
    )
    .unwrap();
    let demo = fs::read_to_string(root().join("fixtures/demo/accounts.toml"))
        .unwrap()
        .replace(
            "path = \"",
            &format!("path = \"{}/", root().join("fixtures/demo").display()),
        );
    let reg = env.p("accounts.toml");
    fs::write(
        &reg,
        format!(
            "{demo}\n[[account]]\nid = \"hostile\"\nname = \"<img src=x onerror=document.body.dataset.pwned=5>\"\nplatform = \"app\"\nplatform_account_id = \"h\"\ncertified = false\nunit = \"测试单位\"\nleader = {{ name = \"某领导\" }}\nadmin = {{ name = \"某管理员\" }}\nsource = {{ kind = \"jsonl\", path = \"{}\" }}\n",
            posts.display()
        ),
    )
    .unwrap();
    let out = env.p("reports");
    let o = env.run(&[
        "scan",
        "--registry",
        reg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("<script>document"), "escaped");
    assert!(!html.contains("<img src=x"), "escaped");
    assert!(!html.contains("href=\"javascript:"), "no javascript: links");
    assert!(!html.contains("http://") || html.contains("href=\"http"));
    assert!(
        !html.contains("<link") && !html.contains(" src=\"http"),
        "self-contained"
    );
    let Some(browser) = chromium() else {
        println!("SKIPPED the browser part: no /usr/bin/chromium (apt-get install chromium); static checks ran");
        return;
    };
    let url = format!("file://{}", dir.join("report.html").display());
    let dom = dump_dom(&browser, &url, None);
    let body = body_tag(&dom);
    assert!(body.contains("data-ready=\"1\""), "script finished: {body}");
    assert!(!body.contains("data-errors"), "no script errors: {body}");
    assert!(
        !body.contains("data-pwned"),
        "hostile content did not run: {body}"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=document.body.dataset.pwned=5&gt;"),
        "the hostile account name is shown as text"
    );
    assert!(
        dom.contains("pwned=2&gt;买<mark>冰毒</mark>"),
        "evidence in context, as text"
    );
    let rows = dom.matches("<tr data-unit").count();
    assert!(rows > 90, "{rows}");
    // Filters driven through the URL hash.
    let json: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("findings.json")).unwrap()).unwrap();
    let critical = json["summary"]["by_severity"]["critical"].as_u64().unwrap();
    assert!(critical >= 4, "MANIFEST plants classification markings");
    let dom = dump_dom(&browser, &format!("{url}#severity=critical"), None);
    assert!(dom.contains("data-ready=\"1\""));
    assert!(
        body_tag(&dom).contains(&format!("data-shown=\"{critical}\"")),
        "only the critical findings shown"
    );
    let shown = dom.matches("data-shown=\"1\"").count();
    assert_eq!(shown as u64, critical);
    let dom = dump_dom(
        &browser,
        &format!("{url}#unit=%E6%B5%8B%E8%AF%95%E5%8D%95%E4%BD%8D&category=unhealthy"),
        None,
    );
    assert!(!body_tag(&dom).contains("data-pwned"));
    let n: usize = dom
        .split("<body")
        .nth(1)
        .and_then(|b| b.split("data-shown=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(n >= 2, "the hostile account's unhealthy findings: {n}");
    let shot = root().join("target/html-report.png");
    dump_dom(&browser, &url, Some(&shot));
    assert!(fs::metadata(&shot)
        .map(|m| m.len() > 10_000)
        .unwrap_or(false));
}

/// The accountability CSV as (account id or unit, cells by header).
fn accountability(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let rows = read_csv(path);
    rows[1..]
        .iter()
        .map(|r| rows[0].iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

#[test]
fn accountability_report_on_the_demo_matches_hand_counts() {
    let env = Env::new();
    let (_, scan, _) = env.scan("1", &[]);
    // Officers decide on two of sxx-weibo's November findings (MANIFEST:
    // 时时彩 and 加微信 in post 5068706144000019, 色♥情视频 in 5068706144900020).
    let o = env.run(&[
        "review",
        "export",
        "--out",
        "r.csv",
        "--account",
        "sxx-weibo",
        "--from",
        "2026-11-01",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let mut rows = read_csv(&env.p("r.csv"));
    assert_eq!(rows.len(), 4, "three November findings in sxx-weibo");
    let (v, m, by) = (
        col(&rows, "复核结论"),
        col(&rows, "命中原文"),
        col(&rows, "整改期限"),
    );
    for r in rows.iter_mut().skip(1) {
        match r[m].as_str() {
            "时时彩" => {
                r[v] = "确认违规".into();
                r[by] = "2026-11-20".into();
            }
            m if m.starts_with("加微信") => r[v] = "误报".into(),
            _ => {}
        }
    }
    write_excel_gb18030(&env.p("r.csv"), &rows);
    assert_eq!(
        env.run(&["review", "import", "r.csv"]).status.code(),
        Some(0)
    );
    let report = |extra: &[&str], out: &str| {
        let mut args = vec!["report", "--out", out];
        args.extend_from_slice(extra);
        let o = env.run(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        accountability(&env.p(out).join("accountability.csv"))
    };
    let find = |lines: &[std::collections::HashMap<String, String>], unit: &str, id: &str| {
        lines
            .iter()
            .find(|l| l["主办单位"] == unit && l["账号标识"] == id)
            .cloned()
            .unwrap()
    };
    let nov = report(&["--from", "2026-11-01", "--to", "2026-11-30"], "nov");
    let s = find(&nov, "市实验小学", "sxx-weibo");
    // 11 posts published in November (fixtures/demo/posts/sxx-weibo.csv).
    assert_eq!(s["扫描帖子"], "11");
    assert_eq!(s["发现"], "3");
    assert_eq!(s["不健康"], "3");
    assert_eq!(s["确认违规"], "1");
    assert_eq!(s["误报"], "1");
    assert_eq!(s["未复核"], "1");
    assert_eq!(s["确认违规（含已整改）"], "1");
    assert_eq!(
        s["逾期未整改"], "1",
        "the confirmed one is past its 整改期限 2026-11-20"
    );
    assert_eq!(s["主管领导"], "刘春燕");
    assert_eq!(s["后台管理员"], "许宁");
    // The whole demo period: MANIFEST's per-account post counts.
    let all = report(&["--from", "2026-09-01", "--to", "2026-11-30"], "all");
    let u = find(&all, "某市教育局", "");
    assert_eq!(u["账号数"], "3");
    assert_eq!(u["扫描帖子"], (36 + 40 + 34).to_string());
    assert_eq!(u["主管领导"], "王建国");
    let t = find(&all, "合计", "");
    assert_eq!(t["扫描帖子"], "300");
    // Every finding of the demo falls in the period; the per-category totals
    // agree with the scan's own summary.
    assert_eq!(t["发现"], scan["summary"]["findings"].to_string());
    for (label, id) in [
        ("涉密", "classified"),
        ("个人信息", "personal_info"),
        ("不实", "false"),
        ("不健康", "unhealthy"),
    ] {
        assert_eq!(
            t[label],
            scan["summary"]["by_category"][id].to_string(),
            "{label}"
        );
    }
    assert_eq!(t["确认违规"], "1");
    assert_eq!(t["误报"], "1");
    // Pretend the run was a month ago: open findings pass the default
    // deadlines; a generous --deadline keeps only the explicit one overdue.
    Connection::open(env.db())
        .unwrap()
        .execute(
            "UPDATE runs SET started_at = '2026-10-01T02:30:00+08:00'",
            [],
        )
        .unwrap();
    let late = report(&["--from", "2026-11-01", "--to", "2026-11-30"], "late");
    assert_eq!(find(&late, "市实验小学", "sxx-weibo")["逾期未整改"], "2");
    let lenient = report(
        &[
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--deadline",
            "low=999,medium=999,high=999,critical=999",
        ],
        "lenient",
    );
    assert_eq!(find(&lenient, "市实验小学", "sxx-weibo")["逾期未整改"], "1");
    let html = fs::read_to_string(env.p("nov/report.html")).unwrap();
    assert!(html.contains("各单位问责情况") && html.contains("刘春燕"));
    if let Some(browser) = chromium() {
        let dom = dump_dom(
            &browser,
            &format!("file://{}", env.p("nov/report.html").display()),
            None,
        );
        let body = body_tag(&dom);
        assert!(
            body.contains("data-ready=\"1\"") && !body.contains("data-errors"),
            "{body}"
        );
    }
}

#[test]
fn accountability_names_the_leader_registered_at_the_time() {
    let env = Env::new();
    let reg = root().join("fixtures/demo/accounts.toml");
    let o = env.run(&[
        "scan",
        "--registry",
        reg.to_str().unwrap(),
        "--out",
        "r1",
        "--quiet",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    // The first run was in October; by the second the leader has changed.
    Connection::open(env.db())
        .unwrap()
        .execute(
            "UPDATE runs SET started_at = '2026-10-01T02:30:00+08:00'",
            [],
        )
        .unwrap();
    let demo = fs::read_to_string(&reg)
        .unwrap()
        .replace("王建国", "王新任")
        .replace(
            "path = \"",
            &format!("path = \"{}/", root().join("fixtures/demo").display()),
        );
    fs::write(env.p("accounts.toml"), demo).unwrap();
    let o = env.run(&[
        "scan",
        "--registry",
        "accounts.toml",
        "--out",
        "r2",
        "--quiet",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let leader = |to: &str, out: &str| {
        let o = env.run(&["report", "--from", "2026-09-01", "--to", to, "--out", out]);
        assert_eq!(o.status.code(), Some(0));
        accountability(&env.p(out).join("accountability.csv"))
            .into_iter()
            .find(|l| l["主办单位"] == "某市教育局" && l["账号标识"].is_empty())
            .unwrap()["主管领导"]
            .clone()
    };
    assert_eq!(leader("2026-10-31", "oct"), "王建国");
    assert_eq!(leader("2026-11-30", "nov"), "王新任");
}
