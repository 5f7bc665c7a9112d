//! The officers' CSV, byte for byte: BOM, CRLF, every field quoted,
//! formula cells and long digit strings neutralised, review columns empty.
//!
//! Regenerate the golden file after an intended change with
//! `XUNJIAN_BLESS=1 cargo test --test csv_report`.

use xunjian::model::{
    AccountRef, Category, Contact, Field, Finding, Novelty, Platform, PostRef, RuleRef, Severity,
};
use xunjian::report::{csv, Lang};

fn finding(matched: &str, title: &str, snippet: &str) -> Finding {
    Finding {
        fingerprint: "0123456789abcdef0123456789abcdef".into(),
        account: std::sync::Arc::new(AccountRef {
            id: "jyj-weibo".into(),
            name: "某市教育微博".into(),
            platform: Platform::Weibo,
            platform_account_id: "5068000001".into(),
            unit: "某市教育局".into(),
            department: "办公室".into(),
            leader: Contact {
                name: "王建国".into(),
                position: "副局长".into(),
                office_phone: "0551-62881234".into(),
                mobile: "13905510118".into(),
                ..Contact::default()
            },
            admin: Contact {
                name: "李晓雯".into(),
                ..Contact::default()
            },
        }),
        post: std::sync::Arc::new(PostRef {
            id: "5068003349200016".into(),
            title: title.into(),
            url: "https://weibo.com/5068000001/5068003349200016".into(),
            published_at: "2026-10-09T18:20:00+08:00".into(),
            author: "".into(),
            truncated: false,
        }),
        rule: std::sync::Arc::new(RuleRef {
            id: "personal_info.resident_id".into(),
            name: "居民身份证号".into(),
            pack: "personal_info".into(),
            pack_version: "2026.11.26".into(),
            category: Category::PersonalInfo,
            severity: Severity::High,
            article: 13,
            message: "请删除或脱敏，\"含引号\"".into(),
        }),
        field: Field::Body,
        matched: matched.into(),
        normalized: matched.to_lowercase(),
        occurrences: 2,
        char_start: 12,
        char_end: 30,
        snippet: snippet.into(),
        evasion: false,
        evasions: Vec::new(),
        comment_id: String::new(),
        detail: String::new(),
        novelty: Novelty::New,
    }
}

fn render(lang: Lang) -> Vec<u8> {
    let findings = vec![
        finding(
            "34010420100315232X",
            "=HYPERLINK(\"http://evil\")",
            "身份证号34010420100315232X，",
        ),
        finding("340104201003152326", "+86 通知", "-1, @SUM(A1)\tx"),
    ];
    let mut out = Vec::new();
    csv::write_to(&mut out, &findings, lang).unwrap();
    out
}

fn golden(name: &str, bytes: &[u8]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("XUNJIAN_BLESS").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        expected == bytes,
        "{} differs:\n{}",
        name,
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn chinese_csv_matches_golden_file() {
    let bytes = render(Lang::Zh);
    assert!(bytes.starts_with("\u{feff}\"指纹\",\"主办单位\"".as_bytes()));
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(
        text.matches("\r\n").count(),
        3,
        "CRLF after header and both rows"
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "formula neutralised, quotes doubled"
    );
    assert!(
        text.contains("\"'340104201003152326\""),
        "long digits kept as text"
    );
    assert!(
        text.contains("\"34010420100315232X\""),
        "not all digits: unchanged"
    );
    assert!(text.contains("\"'+86 通知\"") && text.contains("\"'-1, @SUM(A1)\tx\""));
    assert!(text.contains("\"复核结论\",\"复核人\",\"复核日期\",\"整改期限\",\"备注\"\r\n"));
    assert!(
        text.contains("\"第十三条\"")
            && text.contains("\"王建国（副局长）\",\"13905510118 / 0551-62881234\"")
    );
    assert!(
        text.trim_end().ends_with("\"\",\"\",\"\",\"\",\"\""),
        "review columns left empty"
    );
    golden("findings-zh.csv", &bytes);
}

#[test]
fn english_csv_matches_golden_file() {
    let bytes = render(Lang::En);
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.starts_with("\u{feff}\"fingerprint\",\"unit\""));
    assert!(text.contains("\"personal_info\",\"high\",\"Art. 13\""));
    golden("findings-en.csv", &bytes);
}
