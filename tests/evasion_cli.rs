//! End to end: a scan reports how each finding was disguised, in the JSON
//! report (`evasions`) and the CSV column 规避方式.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn find_report(out: &Path, name: &str) -> PathBuf {
    for run in fs::read_dir(out)
        .expect("report folder")
        .filter_map(Result::ok)
    {
        let p = run.path().join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("no {name} under {}", out.display());
}

#[test]
fn scan_reports_the_evasions_of_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let posts = [
        r#"{"id":"1","text":"最火的網上賭 博平台，日赚千元"}"#,
        r#"{"id":"2","text":"来玩dubo平台，注册就送彩金"}"#,
        r#"{"id":"3","text":"失主电话：一三九一二三四五六七八，请拾到者联系"}"#,
        r#"{"id":"4","text":"赌博平台，注册就送彩金"}"#,
    ];
    fs::write(dir.path().join("posts.jsonl"), posts.join("\n") + "\n").unwrap();
    let reg = dir.path().join("accounts.toml");
    fs::write(
        &reg,
        "[[account]]\nid = \"t\"\nname = \"测试号\"\nplatform = \"weibo\"\nplatform_account_id = \"42\"\nunit = \"测试单位\"\ncertified = true\n[account.leader]\nname = \"甲\"\n[account.admin]\nname = \"乙\"\n[account.source]\nkind = \"jsonl\"\npath = \"posts.jsonl\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args([
            "scan",
            "--registry",
            reg.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-db",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(find_report(&out, "findings.json")).unwrap())
            .unwrap();
    let evasions = |post: &str, rule: &str| -> Vec<String> {
        let f = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["post"]["id"] == post && f["rule"]["id"] == rule)
            .unwrap_or_else(|| panic!("no {rule} finding in post {post}"));
        f["evasions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        evasions("1", "unhealthy.gambling"),
        ["traditional", "skipped:1"]
    );
    assert_eq!(evasions("2", "unhealthy.gambling"), ["pinyin"]);
    assert_eq!(evasions("3", "personal_info.mobile"), ["numeral"]);
    assert!(evasions("4", "unhealthy.gambling").is_empty());

    let csv = fs::read_to_string(find_report(&out, "findings.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| h.contains("规避方式") || h.contains("evasion_detail"))
        .expect("a 规避方式 column");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let cells: Vec<String> = rdr
        .records()
        .map(|r| r.unwrap().get(col).unwrap_or_default().to_string())
        .collect();
    assert!(
        cells.iter().any(|c| c == "traditional, skipped:1"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "pinyin"), "{cells:?}");
}
