//! The officers' CSV: one row per finding, ready for Excel.
//!
//! UTF-8 with a BOM (so Excel on a Chinese Windows reads it as UTF-8), CRLF
//! line ends, every field quoted. Cells that Excel would take for a formula
//! (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading `'`, and so do
//! digit strings of 12 or more digits, which Excel would otherwise show in
//! scientific notation or round (ID numbers, Weibo post ids). The review
//! columns are left empty for officers to fill in.

use std::borrow::Borrow;
use std::io::{self, Write};
use std::path::Path;

use super::{write_atomic, Lang};
use crate::model::{Contact, Finding, Novelty, Review, ReviewStatus, Reviews};
use crate::rules::article_label;
use crate::spool::Findings;

/// Column headers, Chinese and English, in order.
pub const COLUMNS: [(&str, &str); 41] = [
    ("指纹", "fingerprint"),
    ("主办单位", "unit"),
    ("部门", "department"),
    ("账号名称", "account_name"),
    ("账号标识", "account_id"),
    ("平台", "platform"),
    ("平台账号ID", "platform_account_id"),
    ("帖子ID", "post_id"),
    ("标题", "title"),
    ("链接", "url"),
    ("发布时间", "published_at"),
    ("作者", "author"),
    ("类别", "category"),
    ("严重程度", "severity"),
    ("违反条款", "article"),
    ("规则ID", "rule_id"),
    ("规则名称", "rule_name"),
    ("规则包", "rule_pack"),
    ("处理提示", "message"),
    ("命中原文", "matched"),
    ("规范化匹配", "normalized"),
    ("出现次数", "occurrences"),
    ("位置", "field"),
    ("评论ID", "comment_id"),
    ("起始字符", "char_start"),
    ("结束字符", "char_end"),
    ("上下文", "snippet"),
    ("疑似规避", "evasion"),
    ("规避方式", "evasion_detail"),
    ("说明", "detail"),
    ("内容不完整", "truncated"),
    ("新发现", "new"),
    ("主管领导", "leader"),
    ("领导联系电话", "leader_phone"),
    ("后台管理员", "admin"),
    ("管理员联系电话", "admin_phone"),
    ("复核结论", "review_verdict"),
    ("复核人", "reviewer"),
    ("复核日期", "review_date"),
    ("整改期限", "rectify_by"),
    ("备注", "review_note"),
];

/// Makes a cell safe to open in Excel: formula-looking cells and long digit
/// strings get a leading `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let formula = matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let long_digits = cell.len() >= 12 && cell.bytes().all(|b| b.is_ascii_digit());
    if formula || long_digits {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn person(c: &Contact, lang: Lang) -> String {
    match (c.position.is_empty(), lang) {
        (true, _) => c.name.clone(),
        (false, Lang::Zh) => format!("{}（{}）", c.name, c.position),
        (false, Lang::En) => format!("{} ({})", c.name, c.position),
    }
}

fn phones(c: &Contact) -> String {
    [c.mobile.as_str(), c.office_phone.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn yes_no(v: bool, lang: Lang) -> String {
    match (v, lang) {
        (true, Lang::Zh) => "是",
        (false, Lang::Zh) => "否",
        (true, Lang::En) => "yes",
        (false, Lang::En) => "no",
    }
    .to_string()
}

/// The cells of one finding's row, before neutralisation.
fn row(f: &Finding, review: Option<&Review>, lang: Lang) -> Vec<String> {
    let zh = lang == Lang::Zh;
    let pick = |a: &str, b: &str| if zh { a.to_string() } else { b.to_string() };
    vec![
        f.fingerprint.clone(),
        f.account.unit.clone(),
        f.account.department.clone(),
        f.account.name.clone(),
        f.account.id.clone(),
        pick(f.account.platform.label_zh(), f.account.platform.as_str()),
        f.account.platform_account_id.clone(),
        f.post.id.clone(),
        f.post.title.clone(),
        f.post.url.clone(),
        f.post.published_at.clone(),
        f.post.author.clone(),
        pick(f.rule.category.label_zh(), f.rule.category.as_str()),
        pick(f.rule.severity.label_zh(), f.rule.severity.as_str()),
        if zh {
            article_label(f.rule.article)
        } else {
            format!("Art. {}", f.rule.article)
        },
        f.rule.id.clone(),
        f.rule.name.clone(),
        format!("{}@{}", f.rule.pack, f.rule.pack_version),
        f.rule.message.clone(),
        f.matched.clone(),
        f.normalized.clone(),
        f.occurrences.to_string(),
        pick(f.field.label_zh(), f.field.as_str()),
        f.comment_id.clone(),
        f.char_start.to_string(),
        f.char_end.to_string(),
        f.snippet.clone(),
        yes_no(f.evasion, lang),
        f.evasions.join(", "),
        f.detail.clone(),
        yes_no(f.post.truncated, lang),
        yes_no(f.novelty == Novelty::New, lang),
        person(&f.account.leader, lang),
        phones(&f.account.leader),
        person(&f.account.admin, lang),
        phones(&f.account.admin),
        match review.map(|r| r.status) {
            None | Some(ReviewStatus::New) => String::new(),
            Some(s) if zh => s.label_zh().to_string(),
            Some(s) => s.as_str().to_string(),
        },
        review.map(|r| r.reviewer.clone()).unwrap_or_default(),
        review.map(|r| r.reviewed_at.clone()).unwrap_or_default(),
        review.map(|r| r.rectify_by.clone()).unwrap_or_default(),
        review.map(|r| r.note.clone()).unwrap_or_default(),
    ]
}

/// Writes the findings as CSV to any writer, with empty review columns.
pub fn write_to(out: &mut dyn Write, findings: &[Finding], lang: Lang) -> io::Result<()> {
    write_reviewed_to(out, findings.iter().map(Ok), &Reviews::new(), lang)
}

/// Writes the findings as CSV to any writer, in the order given, with each
/// finding's review state (from `reviews`) in the review columns. This is
/// both the scan's findings.csv and `xunjian review export`: officers edit
/// the review columns and `xunjian review import` reads them back by
/// fingerprint. Streams: one finding in memory at a time.
pub fn write_reviewed_to<F: Borrow<Finding>>(
    out: &mut dyn Write,
    findings: impl IntoIterator<Item = io::Result<F>>,
    reviews: &Reviews,
    lang: Lang,
) -> io::Result<()> {
    let mut w = officer_writer(out)?;
    let headers: Vec<&str> = COLUMNS
        .iter()
        .map(|(zh, en)| if lang == Lang::Zh { *zh } else { *en })
        .collect();
    w.write_record(&headers)?;
    for f in findings {
        let f = f?;
        let f = f.borrow();
        let cells = row(f, reviews.get(&f.fingerprint), lang);
        w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// A CSV writer in the officers' format on `out`: writes the BOM, then
/// quotes every field and ends lines with CRLF. Neutralise cells with
/// [`neutralise`] before writing them.
pub fn officer_writer(out: &mut dyn Write) -> io::Result<::csv::Writer<&mut dyn Write>> {
    out.write_all("\u{feff}".as_bytes())?;
    Ok(::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::Always)
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out))
}

/// Writes the findings CSV with review columns to `path` atomically, in
/// report order, reading them back from their spool.
pub fn write(path: &Path, findings: &Findings, reviews: &Reviews, lang: Lang) -> io::Result<()> {
    write_atomic(path, |out| {
        write_reviewed_to(out, findings.iter(), reviews, lang)
    })
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn neutralises_formulas_and_long_digits() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+86 138"), "'+86 138");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("110101199003077777"), "'110101199003077777");
        assert_eq!(neutralise("13812345678"), "13812345678");
        assert_eq!(neutralise("赌博"), "赌博");
        assert_eq!(neutralise(""), "");
    }
}
