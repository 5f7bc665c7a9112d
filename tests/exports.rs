//! Local exports: good records become posts, bad ones are reported with
//! file and line and the rest is still read.

use std::fs;

use xunjian::model::{Post, SourceSpec};
use xunjian::source::file::ExportReader;
use xunjian::source::ReadProblem;

fn read(spec: SourceSpec) -> (Vec<Post>, Vec<ReadProblem>) {
    let mut posts = Vec::new();
    let mut problems = Vec::new();
    for item in ExportReader::open(&spec).expect("opens") {
        match item {
            Ok(p) => posts.push(p),
            Err(p) => problems.push(p),
        }
    }
    (posts, problems)
}

#[test]
fn jsonl_with_html_and_malformed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    fs::write(
        &path,
        concat!(
            "{\"id\": 1, \"title\": \"标题\", \"text\": \"正文\", \"published_at\": \"2026-11-20T09:30:00+08:00\"}\n",
            "{\"id\": \"2\", \"html\": \"<p>A &amp; B</p><script>var 赌博=1;</script><p>第二段</p>\", \"published_at\": \"2026-11-20 10:00\"}\n",
            "\n",
            "{not json}\n",
            "{\"title\": \"no id\", \"text\": \"x\"}\n",
            "{\"id\": \"5\", \"text\": \"x\", \"published_at\": \"yesterday\"}\n",
            "{\"id\": \"6\", \"text\": \"最后一条\"}\n",
        ),
    )
    .unwrap();
    let (posts, problems) = read(SourceSpec::Jsonl { path: path.clone() });
    let ids: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["1", "2", "6"]);
    assert_eq!(posts[1].text, "A & B\n\n第二段");
    assert_eq!(
        posts[1].published_at.unwrap().to_rfc3339(),
        "2026-11-20T10:00:00+08:00"
    );
    let lines: Vec<Option<u64>> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![Some(4), Some(5), Some(6)]);
    assert!(problems
        .iter()
        .all(|p| !p.fatal && p.file == path.display().to_string()));
    assert!(
        problems[1].message.contains("missing `id`"),
        "{}",
        problems[1]
    );
    assert!(
        problems[2].message.contains("published_at"),
        "{}",
        problems[2]
    );
}

#[test]
fn invalid_utf8_stops_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("posts");
    fs::create_dir(&folder).unwrap();
    let mut bad = b"{\"id\": \"a1\", \"text\": \"ok\"}\n{\"id\": \"a2\", \"text\": \"".to_vec();
    bad.extend_from_slice(&[0xff, 0xfe]);
    bad.extend_from_slice(b"\"}\n{\"id\": \"a3\", \"text\": \"never read\"}\n");
    fs::write(folder.join("1.jsonl"), bad).unwrap();
    fs::write(
        folder.join("2.jsonl"),
        "{\"id\": \"b1\", \"text\": \"ok\"}\n",
    )
    .unwrap();
    fs::write(folder.join("ignored.txt"), "not an export").unwrap();
    let (posts, problems) = read(SourceSpec::Jsonl { path: folder });
    let ids: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["a1", "b1"]);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].fatal && problems[0].line == Some(2),
        "{:?}",
        problems[0]
    );
    assert!(problems[0].message.contains("UTF-8"), "{}", problems[0]);
}

#[test]
fn csv_export_with_bom_quotes_and_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.csv");
    fs::write(
        &path,
        "\u{feff}id,title,text,url,published_at\r\n\
         1,,\"第一条，含逗号\r\n和换行\",https://x/1,2026-11-01 08:00\r\n\
         2,,短,https://x/2\r\n\
         3,,第三条,https://x/3,2026-11-03\r\n",
    )
    .unwrap();
    let (posts, problems) = read(SourceSpec::Csv { path });
    let ids: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["1", "3"]);
    assert_eq!(posts[0].text, "第一条，含逗号\r\n和换行");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(4), "{}", problems[0]);
}

#[test]
fn csv_with_unknown_column_is_refused_with_the_allowed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.csv");
    fs::write(&path, "id,content\n1,x\n").unwrap();
    let (posts, problems) = read(SourceSpec::Csv { path });
    assert!(posts.is_empty());
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("unknown column `content`"),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].message.contains("published_at"),
        "{}",
        problems[0]
    );
}

#[test]
fn missing_export_is_an_error_naming_the_registry_field() {
    let Err(p) = ExportReader::open(&SourceSpec::Jsonl {
        path: "/nonexistent/x.jsonl".into(),
    }) else {
        panic!("opened a missing file")
    };
    assert!(p.fatal && p.message.contains("source.path"), "{p}");
}

#[test]
fn jsonl_comments_flat_and_nested_replies_and_bad_comments_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.jsonl");
    fs::write(
        &path,
        concat!(
            "{\"id\": \"p1\", \"text\": \"正文\", \"comments\": [",
            "{\"id\": 11, \"author\": \"市民小李\", \"text\": \"请问周六开放吗？\", \"published_at\": \"2026-11-20 10:02\",",
            " \"reply\": {\"text\": \"周六上午开放。\", \"published_at\": 1795143600}},",
            "{\"id\": \"12\", \"text\": \"热线打不通\", \"published_at\": \"2026-11-20T11:00:00+08:00\"},",
            "{\"id\": \"13\", \"text\": \"已转相关科室\", \"from_account\": true, \"reply_to\": \"12\"}",
            "]}\n",
            "{\"id\": \"p2\", \"text\": \"没有评论\"}\n",
            "{\"id\": \"p3\", \"text\": \"x\", \"comments\": [{\"id\": \"1\", \"text\": \"ok\"}, {\"text\": \"no id\"}]}\n",
            "{\"id\": \"p4\", \"text\": \"x\", \"comments\": [{\"id\": \"1\", \"text\": \"ok\", \"from_account\": \"yes\"}]}\n",
            "{\"id\": \"p5\", \"text\": \"x\", \"comments\": [{\"id\": \"1\", \"text\": \"t\", \"published_at\": \"soon\"}]}\n",
        ),
    )
    .unwrap();
    let (posts, problems) = read(SourceSpec::Jsonl { path: path.clone() });
    let ids: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p1", "p2"]);
    let c = &posts[0].comments;
    let shape: Vec<(&str, bool, Option<&str>)> = c
        .iter()
        .map(|c| (c.id.as_str(), c.from_account, c.reply_to.as_deref()))
        .collect();
    assert_eq!(
        shape,
        [
            ("11", false, None),
            ("11.reply", true, Some("11")),
            ("12", false, None),
            ("13", true, Some("12")),
        ]
    );
    assert_eq!(c[0].author, "市民小李");
    assert_eq!(
        c[0].published_at.unwrap().to_rfc3339(),
        "2026-11-20T10:02:00+08:00"
    );
    assert_eq!(c[1].text, "周六上午开放。");
    assert_eq!(
        c[1].published_at.unwrap().to_rfc3339(),
        "2026-11-20T11:00:00+08:00"
    );
    assert!(posts[1].comments.is_empty());
    let lines: Vec<Option<u64>> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [Some(3), Some(4), Some(5)]);
    assert!(
        problems[0].message.contains("`comments[1]`: missing `id`"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].message.contains("from_account"),
        "{}",
        problems[1]
    );
    assert!(
        problems[2]
            .message
            .contains("`comments[0]`: `published_at`"),
        "{}",
        problems[2]
    );
}
