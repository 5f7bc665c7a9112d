//! Unanswered user questions (Art. 12): question detection, working-day
//! arithmetic with holidays and make-up days, promise parsing, and the
//! findings of a post with comments.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use xunjian::model::{AccountRef, Comment, Contact, Field, Platform, Post, Severity};
use xunjian::operations::questions::{
    assess, findings, has_open_question, is_holding, is_question, promised_day, Policy, Status,
    UNANSWERED,
};
use xunjian::operations::workdays::Calendar;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

const HOLIDAYS: &str = "\
# 2026 National Day (test data)
2026-10-01..2026-10-07   国庆节
+2026-10-10              # 调休上班 (a Saturday)
2026-12-25 work          # a Friday marked working (no effect), written as a word
";

#[test]
fn question_detection_table() {
    let positives = [
        "请问假期期间社保窗口开放吗？",
        "热线电话打不通?",
        "怎么办理居住证",
        "如何预约",
        "能否延长办理时间",
        "能不能周末办",
        "可不可以线上交材料",
        "是否需要本人到场",
        "什么时候开始报名",
        "何时恢复",
        "办事大厅在哪里",
        "想咨询一下公积金提取",
        "求助：孩子入学材料被退回",
        "为什么我的申请一直没有审核",
        "周六上班吗",
        "可以带家属么",
    ];
    for p in positives {
        assert!(is_question(p), "should be a question: {p}");
    }
    let negatives = [
        "？？？",
        "!!!",
        "   ",
        "点赞！",
        "辛苦了，感谢工作人员",
        "怎么这么好看！",
        "哪里哪里，应该的",
        "这就是为什么我们要坚持",
        "支持，已转发",
        "就这么",
        "已咨询过窗口，谢谢",
        "或多或少有帮助",
    ];
    for n in negatives {
        assert!(!is_question(n), "should not be a question: {n}");
    }
    // "定了么" does ask: a questioning 么 after a verb.
    assert!(is_question("就这么定了么"));
    assert!(is_holding("已收到，已转相关科室，会尽快回复。"));
    assert!(!is_holding("您好，周六上午开放，下午不开放。"));
    assert!(!is_holding(
        "您好，已转交社保科核实：周六上午九点至十二点开放，下午不开放，请携带身份证原件办理，谢谢关注。"
    ));
    // A question mark overrides the exclamation filter.
    assert!(is_question("怎么这么慢？"));
}

#[test]
fn working_days_skip_weekends_and_holidays_and_count_makeup_days() {
    let plain = Calendar::weekends_only();
    // 2026-11-20 is a Friday: Monday and Tuesday are the two working days after it.
    assert_eq!(plain.add_working_days(d("2026-11-20"), 2), d("2026-11-24"));
    assert_eq!(plain.add_working_days(d("2026-11-20"), 0), d("2026-11-20"));
    assert_eq!(
        plain.working_days_between(d("2026-11-20"), d("2026-11-26")),
        4
    );
    assert_eq!(
        plain.working_days_between(d("2026-11-21"), d("2026-11-22")),
        0
    );
    assert_eq!(
        plain.working_days_between(d("2026-11-26"), d("2026-11-20")),
        0
    );

    let cal = Calendar::parse(HOLIDAYS, "holidays.txt").unwrap();
    assert_eq!(cal.holiday_count(), 7);
    assert!(!cal.is_working_day(d("2026-10-05"))); // a Monday in the holiday
    assert!(cal.is_working_day(d("2026-10-10"))); // a Saturday made a working day
    assert!(!cal.is_working_day(d("2026-10-11"))); // the Sunday after stays off
                                                   // Asked Wednesday 30 September: 8 and 9 October are the first working days.
    assert_eq!(cal.add_working_days(d("2026-09-30"), 2), d("2026-10-09"));
    assert_eq!(cal.add_working_days(d("2026-09-30"), 3), d("2026-10-10"));
    assert_eq!(cal.add_working_days(d("2026-09-30"), 4), d("2026-10-12"));
    assert_eq!(
        cal.working_days_between(d("2026-09-30"), d("2026-10-11")),
        3
    );
    // Without the file the same span has 7 working days.
    assert_eq!(
        plain.working_days_between(d("2026-09-30"), d("2026-10-11")),
        7
    );
}

#[test]
fn holiday_file_errors_name_file_and_line() {
    let bad =
        "# header\n2026-13-01\n2026-10-08..2026-10-01\n+2026-10-01\n2026-10-01\nhello world\n";
    let errors = Calendar::parse(bad, "cal.txt").unwrap_err();
    let all = errors.join("\n");
    assert!(
        all.contains("cal.txt:2:") && all.contains("2026-13-01"),
        "{all}"
    );
    assert!(
        all.contains("cal.txt:3:") && all.contains("ends before"),
        "{all}"
    );
    assert!(all.contains("cal.txt:6:") && all.contains("hello"), "{all}");
    assert!(
        all.contains("2026-10-01 is listed both as a holiday and as a make-up working day"),
        "{all}"
    );
    assert_eq!(errors.len(), 4, "{all}");
}

#[test]
fn promises_are_parsed_into_days() {
    let cal = Calendar::weekends_only();
    let fri = d("2026-11-20");
    let cases: [(&str, Option<&str>); 12] = [
        ("您好，我们将于3个工作日内答复。", Some("2026-11-25")),
        ("已转相关科室，三个工作日内给您回复", Some("2026-11-25")),
        ("我们将在5日内回复您", Some("2026-11-25")),
        ("十天内反馈处理结果", Some("2026-11-30")),
        ("将于12月3日前答复", Some("2026-12-03")),
        ("1月5号前联系您", Some("2027-01-05")),
        ("2026-12-01前给您答复", Some("2026-12-01")),
        ("下周一前回复您", Some("2026-11-23")),
        ("本周五前答复", Some("2026-11-20")),
        ("明天联系您", Some("2026-11-21")),
        ("您好，窗口周六上午开放。", None),
        ("活动3天内有效", None),
    ];
    for (text, want) in cases {
        assert_eq!(
            promised_day(text, fri, &cal),
            want.map(d),
            "promise in {text}"
        );
    }
    // Working days in a promise respect the holiday file.
    let hol = Calendar::parse(HOLIDAYS, "h").unwrap();
    assert_eq!(
        promised_day("将于2个工作日内答复", d("2026-09-30"), &hol),
        Some(d("2026-10-09"))
    );
}

fn comment(id: &str, text: &str, at: &str, from_account: bool, reply_to: Option<&str>) -> Comment {
    Comment {
        id: id.into(),
        author: if from_account {
            "某市政务".into()
        } else {
            format!("user{id}")
        },
        text: text.into(),
        published_at: Some(t(at)),
        from_account,
        reply_to: reply_to.map(String::from),
    }
}

fn account() -> std::sync::Arc<AccountRef> {
    std::sync::Arc::new(AccountRef {
        id: "gov-weibo".into(),
        name: "某市政务".into(),
        platform: Platform::Weibo,
        platform_account_id: "6012345678".into(),
        unit: "市政府办公室".into(),
        department: String::new(),
        leader: Contact::default(),
        admin: Contact::default(),
    })
}

fn post() -> Post {
    Post {
        id: "p1".into(),
        text: "端午假期办事指南".into(),
        published_at: Some(t("2026-11-19T09:00:00+08:00")),
        comments: vec![
            // Asked Friday morning, never answered.
            comment(
                "c1",
                "请问周六社保窗口开放吗？",
                "2026-11-20T10:02:00+08:00",
                false,
                None,
            ),
            // Asked and answered.
            comment("c2", "怎么预约？", "2026-11-20T11:00:00+08:00", false, None),
            comment(
                "c2.reply",
                "您好，在APP上预约。",
                "2026-11-20T15:00:00+08:00",
                true,
                Some("c2"),
            ),
            // Not a question.
            comment("c3", "辛苦了！", "2026-11-20T12:00:00+08:00", false, None),
            // Asked Friday, the account promised an answer by Wednesday 25th.
            comment("c4", "能否补办？", "2026-11-20T13:00:00+08:00", false, None),
            comment(
                "c5",
                "已转业务科室，3个工作日内答复",
                "2026-11-20T16:00:00+08:00",
                true,
                Some("c4"),
            ),
            // Answered by naming the user.
            comment(
                "c6",
                "公积金怎么提取",
                "2026-11-23T09:00:00+08:00",
                false,
                None,
            ),
            comment(
                "c7",
                "@userc6 请登录公积金APP提取",
                "2026-11-23T10:00:00+08:00",
                true,
                None,
            ),
            // Asked Wednesday 25th: still within two working days on Thursday.
            comment(
                "c8",
                "什么时候恢复办理",
                "2026-11-25T09:00:00+08:00",
                false,
                None,
            ),
            // A holding reply without a date does not stop the clock.
            comment(
                "c9",
                "在哪里办理？",
                "2026-11-20T14:00:00+08:00",
                false,
                None,
            ),
            comment(
                "c10",
                "已收到，我们会尽快回复您。",
                "2026-11-20T17:00:00+08:00",
                true,
                Some("c9"),
            ),
        ],
        ..Post::default()
    }
}

fn policy(as_of: &str, days: u32) -> Policy {
    Policy {
        calendar: Arc::new(Calendar::weekends_only()),
        answer_days: days,
        as_of: t(as_of),
    }
}

#[test]
fn assess_answers_promises_and_deadlines() {
    let p = post();
    let pol = policy("2026-11-26T09:00:00+08:00", 2);
    let by_id = |id: &str| {
        assess(&p, &pol)
            .into_iter()
            .find(|q| q.comment.id == id)
            .map(|q| (q.status, q.waited, q.promise))
    };
    assert_eq!(by_id("c1"), Some((Status::Overdue, 4, None)));
    assert_eq!(by_id("c2").unwrap().0, Status::Answered);
    assert_eq!(by_id("c3"), None);
    // Promise until the 25th; on the 26th it is overdue again.
    assert_eq!(
        by_id("c4"),
        Some((Status::Overdue, 4, Some((d("2026-11-20"), d("2026-11-25")))))
    );
    assert_eq!(by_id("c6").unwrap().0, Status::Answered);
    assert_eq!(by_id("c8"), Some((Status::Waiting, 1, None)));
    assert_eq!(by_id("c9"), Some((Status::Overdue, 4, None)));

    // On Tuesday the 24th the promise still holds and c1 has waited 2 days: not overdue.
    let tue = policy("2026-11-24T18:00:00+08:00", 2);
    let statuses: Vec<(String, Status)> = assess(&p, &tue)
        .into_iter()
        .map(|q| (q.comment.id.clone(), q.status))
        .collect();
    assert!(
        statuses.contains(&("c1".into(), Status::Waiting)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("c4".into(), Status::Waiting)),
        "{statuses:?}"
    );
    assert!(has_open_question(&p, &tue));

    // A reply after the as-of time does not count yet.
    let before_reply = policy("2026-11-20T14:00:00+08:00", 0);
    let c2 = assess(&p, &before_reply)
        .into_iter()
        .find(|q| q.comment.id == "c2")
        .unwrap();
    assert_eq!(c2.status, Status::Waiting);
}

#[test]
fn findings_carry_comment_detail_and_stable_fingerprints() {
    let p = post();
    let pol = policy("2026-11-26T09:00:00+08:00", 2);
    let fs = findings(&account(), &p, &pol);
    let ids: Vec<&str> = fs.iter().map(|f| f.comment_id.as_str()).collect();
    assert_eq!(ids, ["c1", "c4", "c9"]);
    assert!(
        fs[2]
            .detail
            .ends_with("；账号于2026-11-20仅回复“已收到/尽快答复”类内容，既未答复也未承诺答复日期"),
        "{}",
        fs[2].detail
    );
    let f = &fs[0];
    assert_eq!(f.rule.id, UNANSWERED.id);
    assert_eq!(f.rule.article, 12);
    assert_eq!(f.field, Field::Comment);
    assert_eq!(f.matched, "请问周六社保窗口开放吗？");
    assert_eq!(f.post.id, "p1");
    assert_eq!(
        f.detail,
        "留言于2026-11-20 10:02，已等待4个工作日（期限2个工作日）"
    );
    assert_eq!(f.rule.severity, Severity::Medium);
    assert!(
        fs[1].detail.contains("承诺在2026-11-25前答复"),
        "{}",
        fs[1].detail
    );
    // Stable across runs (a later as-of only changes the detail) ...
    let later = findings(&account(), &p, &policy("2026-12-03T09:00:00+08:00", 2));
    assert_eq!(later[0].fingerprint, f.fingerprint);
    // ... and high once the wait exceeds twice the deadline.
    assert_eq!(later[0].rule.severity, Severity::High);
    assert_ne!(fs[0].fingerprint, fs[1].fingerprint);

    // Answering the question makes the finding go away.
    let mut answered = p.clone();
    answered.comments.push(comment(
        "c1.reply",
        "您好，周六上午开放。",
        "2026-11-26T08:00:00+08:00",
        true,
        Some("c1"),
    ));
    let fs = findings(&account(), &answered, &pol);
    assert!(fs.iter().all(|f| f.comment_id != "c1"));
}

// ---------------------------------------------------------------------------
// End to end: `xunjian scan` over a JSONL export with comments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REGISTRY: &str = r#"
[[account]]
id = "zwfw-wechat"
name = "某市政务服务"
platform = "wechat"
platform_account_id = "gh_0a1b2c3d4e5f"
unit = "某市政务服务中心"
certified = true
[account.leader]
name = "王建国"
[account.admin]
name = "李晓雯"
[account.source]
kind = "jsonl"
path = "posts.jsonl"
"#;

/// One post whose comments hold: the same gambling word in two users'
/// comments, an unanswered question (Friday 20th), a question answered by
/// WeChat's embedded reply, and a question answered through `reply_to`.
fn posts_jsonl(extra_reply: bool) -> String {
    let mut comments = vec![
        serde_json::json!({"id": "101", "author": "oUserA", "text": "网络赌博平台上线，加微信领彩金！", "published_at": "2026-11-20 09:00"}),
        serde_json::json!({"id": "102", "author": "oUserB", "text": "又是网络赌博广告", "published_at": "2026-11-20 09:30"}),
        serde_json::json!({"id": "103", "author": "oUserC", "text": "请问周六社保窗口开放吗？", "published_at": "2026-11-20 10:02"}),
        serde_json::json!({"id": "104", "author": "oUserD", "text": "怎么预约？", "published_at": "2026-11-20 11:00",
                           "reply": {"text": "您好，在APP上预约。", "published_at": "2026-11-20 15:00"}}),
        serde_json::json!({"id": "105", "author": "oUserE", "text": "能否代办？", "published_at": "2026-11-20 12:00"}),
        serde_json::json!({"id": "106", "text": "可以代办，请带委托书。", "published_at": "2026-11-20 16:00", "from_account": true, "reply_to": "105"}),
    ];
    if extra_reply {
        comments.push(serde_json::json!({"id": "107", "text": "您好，周六上午开放。", "published_at": "2026-11-27 09:00", "from_account": true, "reply_to": "103"}));
    }
    let post = serde_json::json!({
        "id": "2247490001_1", "title": "关于假期服务安排的通知", "text": "假期期间窗口安排如下。",
        "published_at": "2026-11-19T18:00:00+08:00", "url": "https://mp.weixin.qq.com/s/x",
        "comments": comments,
    });
    format!("{post}\n")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "scan",
        "--registry",
        dir.join("accounts.toml")
            .to_str()
            .unwrap()
            .to_string()
            .leak() as &str,
        "--db",
        dir.join("state.db").to_str().unwrap().to_string().leak() as &str,
        "--format",
        "csv,json,html",
        "--quiet",
    ];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(&all)
        .current_dir(dir)
        .output()
        .expect("runs")
}

/// The newest run folder's file `name` under `out`.
fn report(out: &Path, name: &str) -> PathBuf {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    runs.last().unwrap().join(name)
}

#[test]
fn cli_scan_reports_comment_findings_and_unanswered_questions_in_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("accounts.toml"), REGISTRY).unwrap();
    std::fs::write(d.join("posts.jsonl"), posts_jsonl(false)).unwrap();
    let out1 = d.join("r1");
    let o = run(
        d,
        &[
            "--out",
            out1.to_str().unwrap(),
            "--as-of",
            "2026-11-26 09:00",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report(&out1, "findings.json")).unwrap())
            .unwrap();
    let findings = json["findings"].as_array().unwrap();
    let comment_findings: Vec<(&str, &str, &str)> = findings
        .iter()
        .filter(|f| f["field"] == "comment")
        .map(|f| {
            (
                f["comment_id"].as_str().unwrap(),
                f["rule"]["id"].as_str().unwrap(),
                f["matched"].as_str().unwrap(),
            )
        })
        .collect();
    let gambling: Vec<&(&str, &str, &str)> = comment_findings
        .iter()
        .filter(|f| f.1 != UNANSWERED.id)
        .collect();
    // The same word in two comments: two findings, each with its comment.
    assert!(
        gambling.iter().any(|f| f.0 == "101"),
        "{comment_findings:?}"
    );
    assert!(
        gambling.iter().any(|f| f.0 == "102"),
        "{comment_findings:?}"
    );
    let questions: Vec<&(&str, &str, &str)> = comment_findings
        .iter()
        .filter(|f| f.1 == UNANSWERED.id)
        .collect();
    assert_eq!(
        questions,
        [&("103", UNANSWERED.id, "请问周六社保窗口开放吗？")],
        "only the unanswered question"
    );
    let q = findings
        .iter()
        .find(|f| f["rule"]["id"] == UNANSWERED.id)
        .unwrap();
    assert_eq!(q["rule"]["category"], "operations");
    assert_eq!(q["rule"]["article"], 12);
    assert_eq!(q["post"]["id"], "2247490001_1");
    assert_eq!(
        q["detail"],
        "留言于2026-11-20 10:02，已等待4个工作日（期限2个工作日）"
    );
    let fps: std::collections::HashSet<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), findings.len(), "fingerprints are distinct");

    let csv = std::fs::read_to_string(report(&out1, "findings.csv")).unwrap();
    assert!(csv.contains("评论ID"), "{csv}");
    let rows: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains("unanswered_question"))
        .collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(
        rows[0].contains("103") && rows[0].contains("已等待4个工作日"),
        "{}",
        rows[0]
    );
    assert!(
        !csv.contains("怎么预约") && !csv.contains("能否代办"),
        "answered questions are not reported"
    );
    // The HTML report marks comment findings and shows the detail line.
    let html = std::fs::read_to_string(report(&out1, "report.html")).unwrap();
    assert!(
        html.contains(r#"<span class="tag">评论</span>"#),
        "comment findings are marked in the HTML report"
    );
    assert!(
        html.contains("已等待4个工作日（期限2个工作日）"),
        "the HTML report shows the detail"
    );

    // Same content, a day later: the open question is judged again (known,
    // longer wait) although the post did not change.
    let out2 = d.join("r2");
    let o = run(
        d,
        &[
            "--out",
            out2.to_str().unwrap(),
            "--as-of",
            "2026-11-27 09:00",
        ],
    );
    // Nothing new: exit 0 (--fail-on counts new findings only).
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report(&out2, "findings.json")).unwrap())
            .unwrap();
    let q2 = json2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"]["id"] == UNANSWERED.id)
        .expect("still unanswered");
    assert_eq!(q2["fingerprint"], q["fingerprint"]);
    assert_eq!(q2["novelty"], "known");
    assert!(q2["detail"].as_str().unwrap().contains("已等待5个工作日"));

    // The account answers: the question finding is gone.
    std::fs::write(d.join("posts.jsonl"), posts_jsonl(true)).unwrap();
    let out3 = d.join("r3");
    let o = run(
        d,
        &[
            "--out",
            out3.to_str().unwrap(),
            "--as-of",
            "2026-11-27 10:00",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json3: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report(&out3, "findings.json")).unwrap())
            .unwrap();
    assert!(json3["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"]["id"] != UNANSWERED.id));
    let gone = json3["no_longer_firing"]
        .as_array()
        .expect("no_longer_firing list");
    assert!(
        gone.iter().any(|g| g["rule_id"] == UNANSWERED.id),
        "{gone:?}"
    );
}

#[test]
fn cli_holidays_extend_the_deadline_and_a_bad_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("accounts.toml"), REGISTRY).unwrap();
    std::fs::write(d.join("posts.jsonl"), posts_jsonl(false)).unwrap();
    // Monday 23rd to Wednesday 25th off: only Thursday 26th has passed.
    std::fs::write(d.join("holidays.txt"), "# test\n2026-11-23..2026-11-25\n").unwrap();
    let out = d.join("r");
    let o = run(
        d,
        &[
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            "2026-11-26",
            "--holidays",
            "holidays.txt",
            "--no-db",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report(&out, "findings.json")).unwrap())
            .unwrap();
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"]["id"] != UNANSWERED.id));
    // With --answer-days 0 the same question is overdue.
    let out0 = d.join("r0");
    let o = run(
        d,
        &[
            "--out",
            out0.to_str().unwrap(),
            "--as-of",
            "2026-11-26",
            "--holidays",
            "holidays.txt",
            "--answer-days",
            "0",
            "--no-db",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report(&out0, "findings.json")).unwrap())
            .unwrap();
    let q = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"]["id"] == UNANSWERED.id)
        .expect("overdue with no days allowed");
    assert!(q["detail"]
        .as_str()
        .unwrap()
        .contains("已等待1个工作日（期限0个工作日）"));
    assert_eq!(q["rule"]["severity"], "high");

    std::fs::write(d.join("bad.txt"), "2026-11-23\n2026-02-30\n").unwrap();
    let o = run(
        d,
        &[
            "--out",
            out.to_str().unwrap(),
            "--holidays",
            "bad.txt",
            "--no-db",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.txt:2:") && err.contains("2026-02-30"),
        "{err}"
    );
    let o = run(
        d,
        &[
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            "next week",
            "--no-db",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--as-of next week"));
}

// ---------------------------------------------------------------------------
// End to end over the network: WeChat comments through `comment/list`.

mod support;

const WX_SECRET: &str = "wx-secret-0f1e2d3c4b5a69788796";

/// A WeChat mock with two apps: `wxOK` may read comments, `wxNO` gets 88000.
fn wechat_with_comments() -> support::MockServer {
    use serde_json::json;
    let t = chrono::Utc::now().timestamp() - 86_400;
    support::MockServer::start(move |r| match r.path.as_str() {
        "/cgi-bin/stable_token" => {
            let b = r.json();
            if b["secret"] != WX_SECRET {
                return support::Reply::json(
                    json!({"errcode": 40125, "errmsg": "invalid appsecret"}),
                );
            }
            support::Reply::json(
                json!({"access_token": format!("TOKEN-{}-abcdef", b["appid"].as_str().unwrap()), "expires_in": 7200}),
            )
        }
        "/cgi-bin/freepublish/batchget" => {
            let mid = if r.q("access_token").contains("wxOK") {
                2247490001u64
            } else {
                2247490002
            };
            support::Reply::json(json!({
                "total_count": 1, "item_count": 1,
                "item": [{"article_id": format!("ART{mid}"), "update_time": t, "content": {"news_item": [
                    {"title": "关于假期服务安排的通知", "author": "办公室", "digest": "",
                     "content": "<p>机密★1年</p><p>假期期间窗口安排如下。</p>", "content_source_url": "",
                     "need_open_comment": 1, "only_fans_can_comment": 0, "is_deleted": false,
                     "url": format!("https://mp.weixin.qq.com/s?__biz=MzA&mid={mid}&idx=1&sn=01")}
                ]}}]
            }))
        }
        "/cgi-bin/comment/list" => {
            if r.q("access_token").contains("wxNO") {
                return support::Reply::json(
                    json!({"errcode": 88000, "errmsg": "without comment privilege"}),
                );
            }
            let b = r.json();
            assert!(b["count"].as_u64().unwrap() < 50);
            if b["begin"].as_u64().unwrap() > 0 {
                return support::Reply::json(
                    json!({"errcode": 0, "errmsg": "ok", "total": 0, "comment": []}),
                );
            }
            support::Reply::json(
                json!({"errcode": 0, "errmsg": "ok", "total": 3, "comment": [
                    {"user_comment_id": 11, "openid": "oA", "create_time": t + 60, "content": "网络赌博平台上线，加微信领彩金！", "comment_type": 0},
                    {"user_comment_id": 12, "openid": "oB", "create_time": t + 120, "content": "请问周六窗口开放吗？", "comment_type": 0},
                    {"user_comment_id": 13, "openid": "oC", "create_time": t + 180, "content": "怎么预约？", "comment_type": 0,
                     "reply": {"content": "您好，在APP上预约。", "create_time": t + 3600}}
                ]}),
            )
        }
        _ => support::Reply::text(404, "no such path"),
    })
}

#[test]
fn cli_scan_reads_wechat_comments_and_a_refusal_is_a_warning_not_a_failure() {
    let server = wechat_with_comments();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = |id: &str, app: &str| {
        format!(
            "[[account]]\nid = \"{id}\"\nname = \"{id} 账号\"\nplatform = \"wechat\"\nplatform_account_id = \"gh_{id}\"\n\
             unit = \"某市政务服务中心\"\ncertified = true\n[account.leader]\nname = \"王建国\"\n[account.admin]\nname = \"李晓雯\"\n\
             [account.source]\nkind = \"wechat\"\napp_id_env = \"XJ_{app}\"\napp_secret_env = \"XJ_WX_SECRET\"\nbase_url = \"{}\"\n\n",
            server.base
        )
    };
    std::fs::write(
        d.join("accounts.toml"),
        account("wxok", "OK") + &account("wxno", "NO"),
    )
    .unwrap();
    let out = d.join("r");
    let as_of = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args([
            "scan",
            "--registry",
            "accounts.toml",
            "--db",
            "state.db",
            "--format",
            "csv,json",
        ])
        .args(["--out", out.to_str().unwrap(), "--as-of", &as_of])
        .env("XJ_OK", "wxOK")
        .env("XJ_NO", "wxNO")
        .env("XJ_WX_SECRET", WX_SECRET)
        .current_dir(d)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        o.status.code(),
        Some(1),
        "complete, with new findings: {stdout}{stderr}"
    );
    let json_text = std::fs::read_to_string(report(&out, "findings.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    let of = |acc: &str| -> Vec<(String, String, String)> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["account"]["id"] == acc)
            .map(|f| {
                (
                    f["field"].as_str().unwrap().to_string(),
                    f["rule"]["id"].as_str().unwrap().to_string(),
                    f["comment_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let ok = of("wxok");
    assert!(
        ok.contains(&("body".into(), "classified.marking".into(), String::new())),
        "{ok:?}"
    );
    assert!(
        ok.iter()
            .any(|f| f.0 == "comment" && f.1 == "unhealthy.gambling" && f.2 == "11"),
        "{ok:?}"
    );
    assert!(
        ok.contains(&("comment".into(), UNANSWERED.id.into(), "12".into())),
        "{ok:?}"
    );
    assert!(
        !ok.iter().any(|f| f.2 == "13"),
        "answered by the embedded reply: {ok:?}"
    );
    // The account without comment permission: its post is still scanned,
    // the refusal is a warning and the account stays complete.
    let no = of("wxno");
    assert_eq!(
        no,
        [(
            "body".to_string(),
            "classified.marking".to_string(),
            String::new()
        )]
    );
    let accounts = json["run"]["accounts"].as_array().unwrap();
    let wxno = accounts
        .iter()
        .find(|a| a["account"]["id"] == "wxno")
        .unwrap();
    assert_eq!(wxno["status"], "complete");
    let warnings = wxno["warnings"].as_array().expect("warnings");
    assert!(
        warnings[0].as_str().unwrap().contains("88000"),
        "{warnings:?}"
    );
    assert!(
        stdout.contains("88000"),
        "the summary shows the warning: {stdout}"
    );
    let csv = std::fs::read_to_string(report(&out, "findings.csv")).unwrap();
    for text in [&stdout, &stderr, &json_text, &csv] {
        for secret in [WX_SECRET, "TOKEN-wxOK-abcdef", "TOKEN-wxNO-abcdef"] {
            assert!(!text.contains(secret), "secret {secret} leaked");
        }
    }
}

// ---------------------------------------------------------------------------
// The store keeps a post's comments beside its text, for rescans.

#[test]
fn stored_posts_come_back_with_their_comments_and_comments_change_the_hash() {
    use xunjian::store::sqlite::SqliteStore;
    use xunjian::store::{content_hash, RunKind, RunStart, ScannedPost, Store};
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("state.db"), 30).unwrap();
    let start = |label: &str| RunStart {
        label: label.into(),
        kind: RunKind::Nightly,
        arguments: Vec::new(),
        started_at: "2026-11-26T02:00:00+08:00".into(),
        rule_versions: "p@1".into(),
    };
    let (run, _) = store.start_run(&start("r1")).unwrap();
    let p = post();
    let hash = content_hash(&p);
    let mut bare = p.clone();
    bare.comments.clear();
    assert_ne!(hash, content_hash(&bare), "comments are part of the hash");
    assert_eq!(
        content_hash(&bare),
        content_hash(&Post::from_text("p1", "", "端午假期办事指南")),
        "without comments the hash is what it was before comments existed"
    );
    let mut edited = p.clone();
    edited.comments[0].text.push('！');
    assert_ne!(hash, content_hash(&edited));

    store.begin_account("weibo:6012345678").unwrap();
    store
        .record_batch(
            run,
            "weibo:6012345678",
            "p@1",
            &[ScannedPost {
                post: &p,
                content_hash: &hash,
                findings: &[],
                stored: true,
            }],
        )
        .unwrap();
    store
        .finish_account(
            run,
            "weibo:6012345678",
            &xunjian::store::AccountCommit {
                account_id: "gov-weibo",
                status: "complete",
                posts_read: 1,
                posts_scanned: 1,
                findings: 0,
                problems: &[],
                cursor: None,
                last_post_at: None,
            },
        )
        .unwrap();
    let (run2, _) = store.start_run(&start("r2")).unwrap();
    let stale = store
        .stale_posts(run2, "weibo:6012345678", "p@2", None, 10)
        .unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].post.comments, p.comments);
    assert_eq!(content_hash(&stale[0].post), hash);
}
