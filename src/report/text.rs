//! What a person sees in the terminal: the scan summary table and the
//! draft check listing.

use std::fmt::Write as _;

use super::Lang;
use crate::model::{Category, Finding, Severity};
use crate::pipeline::{AccountStatus, ScanOutcome};
use crate::rules::article_label;

/// The summary printed after a scan: accounts, posts, findings by category
/// and severity, and where the reports are.
pub fn scan_summary(outcome: &ScanOutcome, reports: &[String], lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let counts = outcome.findings.counts();
    let status_n = |s| outcome.accounts.iter().filter(|a| a.status == s).count();
    let secs = (outcome.finished_at - outcome.started_at).num_milliseconds() as f64 / 1000.0;
    let bytes = outcome.bytes_scanned();
    let mut s = String::new();
    let status = if outcome.complete() {
        if zh {
            "完整"
        } else {
            "complete"
        }
    } else if zh {
        "不完整"
    } else {
        "INCOMPLETE"
    };
    let _ = writeln!(
        s,
        "{} {} ({status})",
        if zh { "巡检完成" } else { "scan finished" },
        outcome.started_at.format("%Y-%m-%d %H:%M:%S")
    );
    let _ = writeln!(
        s,
        "  {:<10}{} {}, {} {}, {} {}",
        if zh { "账号" } else { "accounts" },
        outcome.accounts.len(),
        if zh { "个" } else { "scanned" },
        status_n(AccountStatus::Incomplete),
        if zh { "个不完整" } else { "incomplete" },
        status_n(AccountStatus::Failed),
        if zh { "个失败" } else { "failed" },
    );
    let _ = writeln!(
        s,
        "  {:<10}{} {}, {} {} ({:.2} MB, {:.1} s, {:.0} posts/s)",
        if zh { "帖子" } else { "posts" },
        outcome.posts_scanned(),
        if zh { "篇已扫描" } else { "scanned" },
        outcome.posts_unchanged(),
        if zh {
            "篇此前已扫描且未变"
        } else {
            "unchanged since an earlier run"
        },
        bytes as f64 / 1e6,
        secs,
        outcome.posts_scanned() as f64 / secs.max(1e-3),
    );
    let new = outcome.findings_new();
    let _ = writeln!(
        s,
        "  {:<10}{} ({} {}, {} {}, {} {})",
        if zh { "发现" } else { "findings" },
        counts.total(),
        new,
        if zh { "条新发现" } else { "new" },
        counts.total() - new,
        if zh {
            "条此前已知"
        } else {
            "already known"
        },
        outcome.findings.evasions(),
        if zh {
            "条疑似规避"
        } else {
            "with evasion"
        },
    );
    let suppressed = outcome.findings_suppressed();
    if suppressed > 0 {
        let _ = writeln!(
            s,
            "  {:<10}{} {}",
            "",
            suppressed,
            if zh {
                "条已抑制（误报或抑制清单），仍列于报告中"
            } else {
                "suppressed (false positive or suppressions file), still listed"
            }
        );
    }
    if !outcome.gone.is_empty() {
        let _ = writeln!(
            s,
            "  {:<10}{} {}",
            "",
            outcome.gone.len(),
            if zh {
                "条此前的发现在重新扫描的帖子中不再出现（见 JSON 报告 no_longer_firing）"
            } else {
                "earlier findings no longer fire on posts scanned again (JSON: no_longer_firing)"
            }
        );
    }
    let _ = write!(s, "\n  {:<14}", "");
    for sev in Severity::ALL {
        let _ = write!(
            s,
            "{}",
            rpad(if zh { sev.label_zh() } else { sev.as_str() }, 9)
        );
    }
    let _ = writeln!(s, "{}", rpad(if zh { "合计" } else { "total" }, 9));
    for cat in Category::ALL {
        let label = if zh { cat.label_zh() } else { cat.as_str() };
        let _ = write!(s, "  {}", pad(label, 14));
        for sev in Severity::ALL {
            let _ = write!(s, "{:>9}", counts.by[&cat][&sev]);
        }
        let _ = writeln!(s, "{:>9}", counts.category(cat));
    }
    for a in outcome
        .accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Complete)
    {
        let _ = writeln!(
            s,
            "\n  ! {} ({}): {:?}, {} {}",
            a.account.id,
            a.account.name,
            a.status,
            a.problem_count,
            if zh { "个问题：" } else { "problem(s):" }
        );
        for p in a.problems.iter().take(5) {
            let _ = writeln!(s, "      {p}");
        }
        if a.problem_count > 5 {
            let _ = writeln!(
                s,
                "      … {} {}",
                a.problem_count - 5,
                if zh {
                    "个更多问题见 JSON 报告"
                } else {
                    "more in the JSON report"
                }
            );
        }
    }
    if !reports.is_empty() {
        let _ = writeln!(s);
        for r in reports {
            let _ = writeln!(s, "  {:<10}{r}", if zh { "报告" } else { "report" });
        }
    }
    s
}

/// Display columns of a label (CJK characters count two).
fn columns(label: &str) -> usize {
    label
        .chars()
        .map(|c| if c.len_utf8() > 1 { 2 } else { 1 })
        .sum()
}

/// Pads a label on the right to `width` display columns.
fn pad(label: &str, width: usize) -> String {
    format!(
        "{label}{}",
        " ".repeat(width.saturating_sub(columns(label)))
    )
}

/// Pads a label on the left to `width` display columns.
fn rpad(label: &str, width: usize) -> String {
    format!(
        "{}{label}",
        " ".repeat(width.saturating_sub(columns(label)))
    )
}

/// The listing printed by `xunjian check`: each finding with its line and
/// column and the offending text marked 【like this】 in its line.
pub fn check_listing(findings: &[Finding], title: &str, body: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut s = String::new();
    if findings.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            if zh {
                "未发现问题。"
            } else {
                "No findings."
            }
        );
        return s;
    }
    for f in findings {
        let (text, start, end) = match f.field {
            crate::model::Field::Title => (title, f.char_start, f.char_end),
            crate::model::Field::Body => (body, f.char_start, f.char_end),
            // A draft has no comments or registry record; show the match alone.
            crate::model::Field::Comment | crate::model::Field::Registry => {
                (f.matched.as_str(), 0, f.matched.chars().count())
            }
        };
        let (line_no, col, marked) = mark_in_line(text, start, end);
        let _ = writeln!(
            s,
            "[{}] {} {} {} · {}{}",
            if zh {
                f.rule.severity.label_zh()
            } else {
                f.rule.severity.as_str()
            },
            if zh {
                f.rule.category.label_zh()
            } else {
                f.rule.category.as_str()
            },
            f.rule.name,
            if zh {
                article_label(f.rule.article)
            } else {
                format!("Art. {}", f.rule.article)
            },
            f.rule.id,
            evasion_note(f, zh),
        );
        let _ = writeln!(
            s,
            "  {}:{line_no}:{col}  {marked}{}",
            if zh {
                f.field.label_zh()
            } else {
                f.field.as_str()
            },
            if f.occurrences > 1 {
                format!("  (×{})", f.occurrences)
            } else {
                String::new()
            }
        );
        let _ = writeln!(s, "  → {}", f.rule.message);
    }
    let _ = writeln!(
        s,
        "\n{} {}",
        findings.len(),
        if zh { "条发现" } else { "finding(s)" }
    );
    s
}

/// Line number, column (both 1-based, in characters) and the line with the
/// span marked, for a character span of `text`.
fn mark_in_line(text: &str, char_start: usize, char_end: usize) -> (usize, usize, String) {
    let mut line_no = 1;
    let mut line_start = 0;
    for (i, c) in text.chars().enumerate() {
        if i >= char_start {
            break;
        }
        if c == '\n' {
            line_no += 1;
            line_start = i + 1;
        }
    }
    let line: Vec<char> = text
        .chars()
        .skip(line_start)
        .take_while(|&c| c != '\n')
        .collect();
    let (a, b) = (
        char_start - line_start,
        (char_end - line_start).min(line.len()),
    );
    let from = a.saturating_sub(30);
    let to = (b + 30).min(line.len());
    let mut marked = String::new();
    if from > 0 {
        marked.push('…');
    }
    marked.extend(&line[from..a]);
    marked.push('【');
    marked.extend(&line[a..b]);
    marked.push('】');
    marked.extend(&line[b..to]);
    if to < line.len() {
        marked.push('…');
    }
    (line_no, a + 1, marked)
}

/// ` （疑似规避：traditional、skipped:2）` after a finding whose match needed
/// evasion transformations (just ` （疑似规避）` when they are not known);
/// empty otherwise.
fn evasion_note(f: &Finding, zh: bool) -> String {
    if !f.evasion {
        return String::new();
    }
    match (f.evasions.is_empty(), zh) {
        (true, true) => " （疑似规避）".to_string(),
        (true, false) => " (evasion)".to_string(),
        (false, true) => format!(" （疑似规避：{}）", f.evasions.join("、")),
        (false, false) => format!(" (evasion: {})", f.evasions.join(", ")),
    }
}
