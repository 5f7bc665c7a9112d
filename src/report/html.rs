//! The HTML report: one self-contained file (no external scripts, fonts,
//! styles or images, so it opens on an offline office PC) with a summary,
//! inline-SVG charts (by unit, category, severity, and the trend across
//! recent runs), the findings table with filters and sorting, each piece of
//! evidence highlighted in its context, and links to the original posts.
//!
//! All post content is untrusted: every text is HTML-escaped, links are
//! kept only for `http(s)` URLs, and a Content-Security-Policy with a
//! per-file nonce lets only the report's own script run. The script honours
//! `#unit=…&category=…&severity=…&status=…&q=…` in the URL to preset the
//! filters, sets `data-ready="1"` on `<body>` when it has run, and records
//! any script error in `data-errors`. Cost: linear in the findings, read
//! once from their spool; memory: one chunk of the page.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use super::write_atomic;
use crate::model::{Category, Field, Finding, Novelty, Review, ReviewStatus, Reviews, Severity};
use crate::pipeline::ScanOutcome;
use crate::report::json::RunMeta;
use crate::spool::Findings;
use crate::store::RunRow;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One extra section of a page (e.g. the accountability table), already HTML.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Body, already escaped HTML.
    pub html: String,
}

/// Everything one page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// Title (also the top heading).
    pub title: String,
    /// Summary tiles: (label, value, tone: "", "warn" or "bad").
    pub tiles: Vec<(String, String, &'static str)>,
    /// Lines under the title (period, database, …).
    pub lines: Vec<String>,
    /// The findings listed, in the order read back from their spool.
    pub findings: &'a Findings,
    /// Their review state.
    pub reviews: &'a Reviews,
    /// Recent runs for the trend chart, newest first.
    pub history: &'a [RunRow],
    /// Extra sections after the charts.
    pub sections: Vec<Section>,
}

/// Writes the report of one scan run to `path` atomically.
pub fn write_run(
    path: &Path,
    meta: &RunMeta,
    outcome: &ScanOutcome,
    history: &[RunRow],
) -> io::Result<()> {
    let counts = outcome.findings.counts();
    let suppressed = outcome.findings_suppressed();
    let page = Page {
        title: format!("巡检报告 {}", meta.id),
        tiles: vec![
            ("账号".into(), outcome.accounts.len().to_string(), ""),
            ("扫描帖子".into(), outcome.posts_scanned().to_string(), ""),
            (
                "发现".into(),
                counts.total().to_string(),
                if counts.total() > 0 { "warn" } else { "" },
            ),
            (
                "新发现".into(),
                outcome.findings_new().to_string(),
                if outcome.findings_new() > 0 {
                    "bad"
                } else {
                    ""
                },
            ),
            (
                "严重".into(),
                counts.severity(Severity::Critical).to_string(),
                if counts.severity(Severity::Critical) > 0 {
                    "bad"
                } else {
                    ""
                },
            ),
            ("已抑制".into(), suppressed.to_string(), ""),
        ],
        lines: vec![
            format!(
                "运行 {} · {} 至 {} · {}",
                meta.id,
                outcome.started_at.format("%Y-%m-%d %H:%M:%S"),
                outcome.finished_at.format("%H:%M:%S"),
                if outcome.complete() {
                    "完整"
                } else {
                    "不完整：部分账号未能读取"
                }
            ),
            format!(
                "规则 {} · 登记表 {}",
                meta.rules,
                meta.registry.as_deref().unwrap_or("-")
            ),
        ],
        findings: &outcome.findings,
        reviews: &outcome.review.reviews,
        history,
        sections: Vec::new(),
    };
    write_page(path, &page)
}

/// Writes any page to `path` atomically, streaming the findings' rows (the
/// page is never whole in memory: a run with 100,000 findings makes a page
/// of about 150 MB).
pub fn write_page(path: &Path, page: &Page<'_>) -> io::Result<()> {
    write_atomic(path, |out| render_to(page, out))
}

fn nonce(page: &Page<'_>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(page.title.as_bytes());
    h.update(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            .to_le_bytes(),
    );
    h.update(std::process::id().to_le_bytes());
    crate::engine::findings::hex(&h.finalize()[..16])
}

/// Renders a page to a string (for tests and small pages; see [`render_to`]).
pub fn render(page: &Page<'_>) -> String {
    let mut out = Vec::new();
    render_to(page, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("the page is UTF-8")
}

/// Renders a page to `out`, a chunk of about [`CHUNK`] bytes at a time.
pub fn render_to(page: &Page<'_>, out: &mut dyn io::Write) -> io::Result<()> {
    let nonce = nonce(page);
    let mut s = String::with_capacity(2 * CHUNK);
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style nonce="{nonce}">{STYLE}</style></head>
<body data-ready="0"><header><h1>{title}</h1>"#,
        title = esc(&page.title)
    );
    for l in &page.lines {
        let _ = write!(s, r#"<p class="meta">{}</p>"#, esc(l));
    }
    s.push_str(r#"</header><section class="tiles">"#);
    for (label, value, tone) in &page.tiles {
        let _ = write!(
            s,
            r#"<div class="tile {tone}"><div class="v">{}</div><div class="l">{}</div></div>"#,
            esc(value),
            esc(label)
        );
    }
    s.push_str("</section>");
    charts(&mut s, page);
    for sec in &page.sections {
        let _ = write!(
            s,
            r#"<section class="card"><h2>{}</h2>{}</section>"#,
            esc(&sec.title),
            sec.html
        );
    }
    table(&mut s, page, out)?;
    let _ = write!(
        s,
        r#"<footer>xunjian {} · 本报告为离线文件，帖子内容均已转义显示。</footer><script nonce="{nonce}">{SCRIPT}</script></body></html>"#,
        env!("CARGO_PKG_VERSION")
    );
    s.push('\n');
    out.write_all(s.as_bytes())
}

/// Bytes of HTML gathered before they are written out.
pub const CHUNK: usize = 64 * 1024;

const COLORS: [&str; 4] = ["#94a3b8", "#f59e0b", "#ea580c", "#b91c1c"];

fn bar_chart(s: &mut String, title: &str, rows: &[(String, u64, &str)]) {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let h = 26 * rows.len().max(1) + 8;
    let _ = write!(
        s,
        r#"<figure class="chart"><figcaption>{}</figcaption><svg viewBox="0 0 420 {h}" width="100%" role="img" aria-label="{}">"#,
        esc(title),
        esc(title)
    );
    if rows.is_empty() {
        s.push_str(r##"<text x="10" y="20" fill="#64748b">无</text>"##);
    }
    for (i, (label, n, color)) in rows.iter().enumerate() {
        let y = 4 + i * 26;
        let w = (*n as f64 / max as f64 * 220.0).round() as u64;
        let _ = write!(
            s,
            r##"<text x="150" y="{ty}" text-anchor="end" class="lbl">{label}</text><rect x="156" y="{y}" width="{w}" height="18" rx="3" fill="{color}"/><text x="{tx}" y="{ty}" class="num">{n}</text>"##,
            ty = y + 14,
            tx = 160 + w,
            label = esc(&truncate(label, 12)),
        );
    }
    s.push_str("</svg></figure>");
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn charts(s: &mut String, page: &Page<'_>) {
    let counts = page.findings.counts();
    let mut units: Vec<(String, u64, &str)> = page
        .findings
        .units()
        .iter()
        .map(|(u, n)| (u.clone(), *n, "#2563eb"))
        .collect();
    units.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    s.push_str(r#"<section class="charts">"#);
    bar_chart(s, "按主办单位", &units);
    let cats: Vec<(String, u64, &str)> = Category::ALL
        .iter()
        .map(|c| (c.label_zh().to_string(), counts.category(*c), "#0f766e"))
        .collect();
    bar_chart(s, "按类别", &cats);
    let sevs: Vec<(String, u64, &str)> = Severity::ALL
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| (v.label_zh().to_string(), counts.severity(*v), COLORS[3 - i]))
        .collect();
    bar_chart(s, "按严重程度", &sevs);
    trend(s, page.history);
    s.push_str("</section>");
}

fn trend(s: &mut String, history: &[RunRow]) {
    let runs: Vec<&RunRow> = history.iter().take(14).rev().collect();
    if runs.is_empty() {
        s.push_str(r##"<figure class="chart"><figcaption>近期运行趋势</figcaption><svg viewBox="0 0 420 30" width="100%"><text x="10" y="20" fill="#64748b">无运行记录（未使用状态数据库）</text></svg></figure>"##);
        return;
    }
    let _ = write!(
        s,
        r#"<figure class="chart"><figcaption>近期运行趋势（新发现 / 已知发现）</figcaption><svg viewBox="0 0 420 180" width="100%" role="img" aria-label="trend">"#
    );

    let max = runs
        .iter()
        .map(|r| r.totals.findings_new + r.totals.findings_existing)
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = 400.0 / runs.len().max(1) as f64;
    let _ = write!(
        s,
        r##"<line x1="8" y1="150.5" x2="412" y2="150.5" stroke="#cbd5e1"/><text x="10" y="14" class="tiny">最多 {max} 条</text><rect x="300" y="6" width="9" height="9" fill="#dc2626"/><text x="312" y="14" class="tiny">新发现</text><rect x="350" y="6" width="9" height="9" fill="#94a3b8"/><text x="362" y="14" class="tiny">已知</text>"##
    );
    for (i, r) in runs.iter().enumerate() {
        let x = 10.0 + i as f64 * slot;
        let w = (slot * 0.6).clamp(4.0, 28.0);
        let hn = r.totals.findings_new as f64 / max as f64 * 125.0;
        let he = r.totals.findings_existing as f64 / max as f64 * 125.0;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{he:.1}" fill="#94a3b8"><title>{} 已知 {}</title></rect><rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{hn:.1}" fill="#dc2626"><title>{} 新 {}</title></rect><text x="{:.1}" y="163" class="tiny" text-anchor="middle">{}</text><text x="{:.1}" y="174" class="tiny" text-anchor="middle">{}</text>"##,
            150.0 - he,
            esc(&r.label),
            r.totals.findings_existing,
            150.0 - he - hn,
            esc(&r.label),
            r.totals.findings_new,
            x + w / 2.0,
            esc(&r
                .label
                .get(4..8)
                .map_or(r.label.clone(), |d| format!("{}/{}", &d[..2], &d[2..]))),
            x + w / 2.0,
            esc(&r
                .label
                .get(9..13)
                .map_or(String::new(), |t| format!("{}:{}", &t[..2], &t[2..]))),
        );
    }
    s.push_str("</svg></figure>");
}

fn status_label(r: Option<&Review>) -> (&'static str, String) {
    match r {
        Some(r) if r.suppressed.is_some() => ("suppressed", "已抑制".to_string()),
        Some(r) => (r.status.as_str(), r.status.label_zh().to_string()),
        None => ("new", ReviewStatus::New.label_zh().to_string()),
    }
}

/// The evidence cell: where the match is (a comment is marked as one), the
/// snippet with the match highlighted, and the finding's detail line.
fn evidence(f: &Finding) -> String {
    let mut out = String::new();
    if f.field == Field::Comment {
        out.push_str(r#"<span class="tag">评论</span> "#);
    }
    out.push_str(&highlight(&f.snippet, &f.matched));
    if !f.detail.is_empty() {
        let _ = write!(out, r#"<br><span class="sub">{}</span>"#, esc(&f.detail));
    }
    out
}

/// The snippet with the first occurrence of `matched` wrapped in `<mark>`,
/// everything escaped.
fn highlight(snippet: &str, matched: &str) -> String {
    match (!matched.is_empty())
        .then(|| snippet.find(matched))
        .flatten()
    {
        Some(i) => format!(
            "{}<mark>{}</mark>{}",
            esc(&snippet[..i]),
            esc(matched),
            esc(&snippet[i + matched.len()..])
        ),
        None => format!("<mark>{}</mark> · {}", esc(matched), esc(snippet)),
    }
}

fn options(s: &mut String, id: &str, label: &str, values: &[(String, String)]) {
    let _ = write!(
        s,
        r#"<label>{}<select id="{id}" data-key="{id}"><option value="">全部</option>"#,
        esc(label)
    );
    for (v, l) in values {
        let _ = write!(s, r#"<option value="{}">{}</option>"#, esc(v), esc(l));
    }
    s.push_str("</select></label>");
}

fn table(s: &mut String, page: &Page<'_>, out: &mut dyn io::Write) -> io::Result<()> {
    s.push_str(r#"<section class="card"><h2>发现明细</h2><div class="filters">"#);
    options(
        s,
        "unit",
        "主办单位",
        &page
            .findings
            .units()
            .keys()
            .map(|u| (u.clone(), u.clone()))
            .collect::<Vec<_>>(),
    );
    options(
        s,
        "category",
        "类别",
        &Category::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), c.label_zh().to_string()))
            .collect::<Vec<_>>(),
    );
    options(
        s,
        "severity",
        "严重程度",
        &Severity::ALL
            .iter()
            .rev()
            .map(|c| (c.as_str().to_string(), c.label_zh().to_string()))
            .collect::<Vec<_>>(),
    );
    let mut statuses: Vec<(String, String)> = ReviewStatus::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), c.label_zh().to_string()))
        .collect();
    statuses.push(("suppressed".into(), "已抑制".into()));
    options(s, "status", "复核状态", &statuses);
    let _ = write!(
        s,
        r#"<label>搜索<input id="q" data-key="q" type="search" placeholder="标题、命中、账号…"></label><span id="shown" class="count">{n} / {n}</span></div>"#,
        n = page.findings.len()
    );
    s.push_str(
        r#"<div class="scroll"><table id="findings"><thead><tr><th data-sort="sev" class="sorted-desc">严重程度</th><th data-sort="text">类别</th><th data-sort="text">主办单位 / 账号</th><th data-sort="time">发布时间</th><th data-sort="text">标题</th><th>命中及上下文</th><th data-sort="text">规则 / 条款</th><th data-sort="text">状态</th><th>责任人</th></tr></thead><tbody>"#,
    );
    for f in page.findings.iter() {
        let f = f?;
        row(s, &f, page.reviews.get(&f.fingerprint));
        if s.len() >= CHUNK {
            out.write_all(s.as_bytes())?;
            s.clear();
        }
    }
    s.push_str("</tbody></table></div>");
    if page.findings.is_empty() {
        s.push_str(r#"<p class="empty">本期无发现。</p>"#);
    }
    s.push_str("</section>");
    Ok(())
}

fn row(s: &mut String, f: &Finding, review: Option<&Review>) {
    let (status, status_text) = status_label(review);
    let search = format!(
        "{} {} {} {} {} {} {}",
        f.account.unit, f.account.name, f.post.title, f.matched, f.rule.name, f.rule.id, f.snippet
    );
    let sev_rank = f.rule.severity as u8;
    let title = if f.field == Field::Registry {
        "（账号登记信息）".to_string()
    } else if f.post.title.is_empty() {
        "（无标题）".to_string()
    } else {
        f.post.title.clone()
    };
    let url = f.post.url.trim();
    let title_html = if url.starts_with("https://") || url.starts_with("http://") {
        format!(
            r#"<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>"#,
            esc(url),
            esc(&title)
        )
    } else {
        esc(&title)
    };
    let _ = write!(
        s,
        r#"<tr data-unit="{unit}" data-category="{cat}" data-severity="{sev}" data-status="{status}" data-fp="{fp}" data-search="{search}"><td data-v="{sev_rank}"><span class="sev s{sev_rank}">{sevl}</span>{newb}</td><td>{catl}</td><td><b>{unit}</b><br><span class="sub">{acct} · {plat}</span></td><td data-v="{time}" class="nowrap">{timeshort}</td><td>{title_html}</td><td class="ev">{ev}{evasion}</td><td>{rule}<br><span class="sub">{art} · {rid}</span></td><td><span class="st st-{status}">{status_text}</span>{note}</td><td class="sub">{leader}<br>{admin}</td></tr>"#,
        unit = esc(&f.account.unit),
        cat = f.rule.category.as_str(),
        sev = f.rule.severity.as_str(),
        fp = esc(&f.fingerprint),
        search = esc(&search.to_lowercase()),
        sevl = f.rule.severity.label_zh(),
        newb = if f.novelty == Novelty::New {
            r#" <span class="new">新</span>"#
        } else {
            ""
        },
        catl = f.rule.category.label_zh(),
        acct = esc(&f.account.name),
        plat = f.account.platform.label_zh(),
        time = esc(&f.post.published_at),
        timeshort = esc(f
            .post
            .published_at
            .get(..16)
            .unwrap_or(&f.post.published_at))
        .replace('T', " "),
        ev = evidence(f),
        evasion = match (f.evasion, f.evasions.is_empty()) {
            (false, _) => String::new(),
            (true, true) => r#" <span class="tag">疑似规避</span>"#.to_string(),
            (true, false) => format!(
                r#" <span class="tag">疑似规避：{}</span>"#,
                esc(&f.evasions.join("、"))
            ),
        },
        rule = esc(&f.rule.name),
        art = esc(&crate::rules::article_label(f.rule.article)),
        rid = esc(&f.rule.id),
        note = review
            .map(|r| {
                let mut t = String::new();
                if !r.reviewer.is_empty() {
                    let _ = write!(
                        t,
                        r#"<br><span class="sub">{} {}</span>"#,
                        esc(&r.reviewer),
                        esc(&r.reviewed_at)
                    );
                }
                if !r.rectify_by.is_empty() {
                    let _ = write!(
                        t,
                        r#"<br><span class="sub">整改期限 {}</span>"#,
                        esc(&r.rectify_by)
                    );
                }
                if let Some(why) = &r.suppressed {
                    let _ = write!(t, r#"<br><span class="sub">{}</span>"#, esc(why));
                }
                t
            })
            .unwrap_or_default(),
        leader = esc(&f.account.leader.name),
        admin = esc(&f.account.admin.name),
    );
}

const STYLE: &str = r#"
*{box-sizing:border-box}body{margin:0;font:14px/1.5 "Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",system-ui,sans-serif;color:#0f172a;background:#f1f5f9}
header{background:#1e3a8a;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}.meta{margin:0;color:#c7d2fe;font-size:13px}
.tiles{display:flex;flex-wrap:wrap;gap:12px;padding:16px 28px 0}.tile{background:#fff;border-radius:8px;padding:12px 18px;min-width:120px;box-shadow:0 1px 2px #0001;border-top:4px solid #2563eb}
.tile.warn{border-top-color:#f59e0b}.tile.bad{border-top-color:#dc2626}.tile .v{font-size:26px;font-weight:700}.tile .l{color:#475569;font-size:13px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px;padding:16px 28px 0}.chart{background:#fff;border-radius:8px;margin:0;padding:10px 14px;box-shadow:0 1px 2px #0001}
figcaption{font-weight:600;margin-bottom:4px}.lbl{font-size:12px;fill:#334155}.num{font-size:12px;fill:#0f172a;font-weight:600}.tiny{font-size:9px;fill:#64748b}
.card{background:#fff;border-radius:8px;margin:16px 28px;padding:14px 18px;box-shadow:0 1px 2px #0001}h2{font-size:17px;margin:0 0 10px}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:end;margin-bottom:10px}.filters label{display:flex;flex-direction:column;font-size:12px;color:#475569}
select,input{font:inherit;padding:4px 6px;border:1px solid #cbd5e1;border-radius:4px;min-width:120px}.count{margin-left:auto;color:#475569}
.scroll{overflow:auto}table{border-collapse:collapse;width:100%;font-size:13px}th{position:sticky;top:0;background:#e2e8f0;text-align:left;padding:6px;white-space:nowrap}
th[data-sort]{cursor:pointer}th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}td{border-top:1px solid #e2e8f0;padding:6px;vertical-align:top}
tr:hover td{background:#f8fafc}.sub{color:#64748b;font-size:12px}.nowrap{white-space:nowrap}.ev{max-width:420px}mark{background:#fde047;padding:0 2px;border-radius:2px;font-weight:600}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}.s0{background:#94a3b8}.s1{background:#f59e0b}.s2{background:#ea580c}.s3{background:#b91c1c}
.new{color:#dc2626;font-size:11px;font-weight:700}.tag{background:#ede9fe;color:#5b21b6;border-radius:3px;padding:0 4px;font-size:11px}
.st{padding:1px 6px;border-radius:3px;font-size:12px;background:#e2e8f0;white-space:nowrap}.st-confirmed{background:#fee2e2;color:#991b1b}.st-false_positive,.st-suppressed{background:#f1f5f9;color:#64748b}.st-resolved{background:#dcfce7;color:#166534}.st-pending{background:#fef9c3;color:#854d0e}
.acc td,.acc th{white-space:nowrap}.acc td.n{text-align:right}.acc tr.unit td{background:#eff6ff;font-weight:600}.overdue{color:#b91c1c;font-weight:700}
footer{color:#64748b;font-size:12px;padding:8px 28px 24px}.empty{color:#64748b}
"#;

const SCRIPT: &str = r#"
(function(){
var body=document.body;
window.onerror=function(m){body.setAttribute('data-errors',(body.getAttribute('data-errors')||'')+String(m)+';');};
var table=document.getElementById('findings');
var rows=table?Array.prototype.slice.call(table.tBodies[0].rows):[];
var keys=['unit','category','severity','status','q'];
function ctl(k){return document.getElementById(k);}
function apply(){
  var n=0,f={};keys.forEach(function(k){var c=ctl(k);f[k]=c?c.value.trim().toLowerCase():'';});
  rows.forEach(function(r){
    var ok=(!f.unit||r.getAttribute('data-unit').toLowerCase()===f.unit)&&(!f.category||r.getAttribute('data-category')===f.category)
      &&(!f.severity||r.getAttribute('data-severity')===f.severity)&&(!f.status||r.getAttribute('data-status')===f.status)
      &&(!f.q||r.getAttribute('data-search').indexOf(f.q)>=0);
    r.hidden=!ok;r.setAttribute('data-shown',ok?'1':'0');if(ok)n++;
  });
  var s=document.getElementById('shown');if(s)s.textContent=n+' / '+rows.length;
  body.setAttribute('data-shown',String(n));
}
function fromHash(){
  var h=(location.hash||'').replace(/^#/,'');
  h.split('&').forEach(function(p){var i=p.indexOf('=');if(i<0)return;var k=decodeURIComponent(p.slice(0,i)),v=decodeURIComponent(p.slice(i+1).replace(/\+/g,' '));
    var c=ctl(k);if(c&&keys.indexOf(k)>=0)c.value=v;});
}
function toHash(){
  var parts=[];keys.forEach(function(k){var c=ctl(k);if(c&&c.value)parts.push(k+'='+encodeURIComponent(c.value));});
  try{history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname+location.search);}catch(e){}
}
keys.forEach(function(k){var c=ctl(k);if(c)c.addEventListener('input',function(){apply();toHash();});});
if(table){Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
  var kind=th.getAttribute('data-sort');if(!kind)return;
  th.addEventListener('click',function(){
    var desc=!th.classList.contains('sorted-desc');
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.classList.remove('sorted-asc','sorted-desc');});
    th.classList.add(desc?'sorted-desc':'sorted-asc');
    var val=function(r){var c=r.cells[col];var v=c.getAttribute('data-v');return v!==null?v:c.textContent;};
    rows.sort(function(a,b){var x=val(a),y=val(b);var c=kind==='sev'?(+x)-(+y):(x<y?-1:x>y?1:0);return desc?-c:c;});
    var tb=table.tBodies[0];rows.forEach(function(r){tb.appendChild(r);});
  });
});}
fromHash();apply();
window.addEventListener('hashchange',function(){fromHash();apply();});
body.setAttribute('data-ready','1');
})();
"#;
