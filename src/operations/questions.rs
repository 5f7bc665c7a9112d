//! Users' questions left unanswered (Measures Art. 12): which comments ask
//! something, whether the account answered, how long a question has waited
//! in working days, and the promises ("我们将于3个工作日内答复") that stop
//! the clock until the promised day.
//!
//! Pure: the caller passes the post (with its comments), the calendar and
//! the time to judge at (`--as-of`, default now).
//!
//! - A *question* is a user's comment ([`is_question`]).
//! - It is *answered* by a comment of the account that replies to it
//!   (`reply_to` = its id, which is how WeChat's embedded reply and Weibo's
//!   `reply_comment` arrive), or by a later comment of the account that
//!   names its author (`@author`), posted no later than the as-of time. A
//!   reply that only promises a date is not an answer: it moves the
//!   deadline to that date (the latest promise counts). A short holding
//!   reply with no date ("已收到，我们会尽快回复") is neither: Art. 12 asks
//!   for an answer or a promised date, so the clock runs on.
//! - Waiting is counted in working days after the day asked, up to and
//!   including the as-of day; the question is overdue once it has waited
//!   more than the allowed working days (asked on Friday with 2 days
//!   allowed: Monday and Tuesday are the two days, overdue from Wednesday),
//!   or, after a promise, once the promised day has passed.
//! - A question with no time, under a post with no time either, cannot be
//!   judged and is left alone.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Weekday};
use regex::Regex;

use super::workdays::Calendar;
use super::{finding, Check, Subject};
use crate::engine::findings::post_ref;
use crate::model::{AccountRef, Comment, Field, Finding, Post, Severity};

/// The built-in check for an unanswered question.
pub const UNANSWERED: Check = Check {
    id: "operations.unanswered_question",
    name: "用户留言提问未及时答复",
    severity: Severity::Medium,
    article: 12,
    message:
        "用户在评论区提出的问题超过答复期限仍未得到本账号回复：请及时答复（或回复预计答复时间），\
              并在评论区留存答复记录",
};

/// Default working days allowed for an answer (`--answer-days`).
pub const DEFAULT_ANSWER_DAYS: u32 = 2;

/// How questions are judged in a run.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Working days and holidays.
    pub calendar: Arc<Calendar>,
    /// Working days allowed for an answer.
    pub answer_days: u32,
    /// The time to judge at.
    pub as_of: DateTime<FixedOffset>,
}

impl Policy {
    /// The as-of day, in China Standard Time.
    fn today(&self) -> NaiveDate {
        local_date(self.as_of)
    }
}

/// Where one question stands at the as-of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The account answered it.
    Answered,
    /// Not answered, still within the deadline (or a promise).
    Waiting,
    /// Not answered and past the deadline (or the promised day).
    Overdue,
}

/// One user question and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question<'a> {
    /// The comment asking.
    pub comment: &'a Comment,
    /// The day it was asked (China Standard Time).
    pub asked: NaiveDate,
    /// Working days waited after the day asked, up to the as-of day.
    pub waited: u32,
    /// The latest promise from the account: (day of the reply, promised day).
    pub promise: Option<(NaiveDate, NaiveDate)>,
    /// The day of the account's latest holding reply ("已收到，尽快回复"):
    /// neither an answer nor a promise of a date, so the clock runs on.
    pub holding: Option<NaiveDate>,
    /// Where it stands.
    pub status: Status,
}

/// Every user question of `post` that can be judged, with its status.
/// Cost: one pass over the comments per question (comments per post are
/// few), plus one calendar step per day waited.
pub fn assess<'a>(post: &'a Post, policy: &Policy) -> Vec<Question<'a>> {
    let today = policy.today();
    let post_day = post.published_at.map(local_date);
    let mut out = Vec::new();
    for q in &post.comments {
        if q.from_account || !is_question(&q.text) {
            continue;
        }
        let Some(asked) = q.published_at.map(local_date).or(post_day) else {
            continue;
        };
        if asked > today {
            continue;
        }
        let mut promise: Option<(NaiveDate, NaiveDate)> = None;
        let mut holding: Option<NaiveDate> = None;
        let mut answered = false;
        for r in post.comments.iter().filter(|r| r.from_account) {
            if r.published_at.is_some_and(|t| t > policy.as_of) {
                continue;
            }
            let replies = r.reply_to.as_deref() == Some(q.id.as_str());
            let names = r.reply_to.is_none()
                && !q.author.is_empty()
                && r.text.contains(&format!("@{}", q.author))
                && match (r.published_at, q.published_at) {
                    (Some(rt), Some(qt)) => rt >= qt,
                    _ => true,
                };
            if !(replies || names) {
                continue;
            }
            let day = r.published_at.map(local_date).unwrap_or(asked);
            match promised_day(&r.text, day, &policy.calendar) {
                Some(until) => {
                    if promise.is_none_or(|(d, _)| day >= d) {
                        promise = Some((day, until));
                    }
                }
                None if is_holding(&r.text) => {
                    holding = Some(holding.map_or(day, |h| h.max(day)));
                }
                None => answered = true,
            }
        }
        let waited = policy.calendar.working_days_between(asked, today);
        let status = if answered {
            Status::Answered
        } else {
            let overdue = match promise {
                Some((_, until)) => today > until,
                None => waited > policy.answer_days,
            };
            if overdue {
                Status::Overdue
            } else {
                Status::Waiting
            }
        };
        out.push(Question {
            comment: q,
            asked,
            waited,
            promise,
            holding,
            status,
        });
    }
    out
}

/// The unanswered-question findings of `post` at the as-of time: one per
/// overdue question, keyed by the comment id (stable across runs; gone
/// once answered). Severity high when the question has waited more than
/// twice the allowed working days.
pub fn findings(account: &Arc<AccountRef>, post: &Post, policy: &Policy) -> Vec<Finding> {
    assess(post, policy)
        .into_iter()
        .filter(|q| q.status == Status::Overdue)
        .map(|q| {
            let mut detail = format!(
                "留言于{}，已等待{}个工作日（期限{}个工作日）",
                q.comment
                    .published_at
                    .map(|t| t
                        .with_timezone(&crate::source::shanghai())
                        .format("%Y-%m-%d %H:%M")
                        .to_string())
                    .unwrap_or_else(|| q.asked.to_string()),
                q.waited,
                policy.answer_days
            );
            if let Some((day, until)) = q.promise {
                detail.push_str(&format!(
                    "；账号已于{day}回复承诺在{until}前答复，已逾期未答复"
                ));
            } else if let Some(day) = q.holding {
                detail.push_str(&format!(
                    "；账号于{day}仅回复“已收到/尽快答复”类内容，既未答复也未承诺答复日期"
                ));
            }
            let mut f = finding(
                account,
                &UNANSWERED,
                Subject {
                    post: Some(post_ref(post)),
                    field: Field::Comment,
                    matched: q.comment.text.trim(),
                    key: &q.comment.id,
                    context: &q.comment.text,
                    detail,
                },
            );
            f.comment_id = q.comment.id.clone();
            if q.waited > policy.answer_days.saturating_mul(2) {
                Arc::make_mut(&mut f.rule).severity = Severity::High;
            }
            f
        })
        .collect()
}

/// True when the post has a user question not yet answered (waiting or
/// overdue): its findings change with time, so the pipeline scans such a
/// post again even when its content is unchanged.
pub fn has_open_question(post: &Post, policy: &Policy) -> bool {
    assess(post, policy)
        .iter()
        .any(|q| q.status != Status::Answered)
}

/// Phrases of a holding reply: received, forwarded, will answer soon.
const HOLDING: &[&str] = &[
    "尽快",
    "稍后",
    "已收到",
    "收到您的",
    "已转",
    "转交",
    "已反馈",
    "正在核实",
    "正在处理",
    "核实后",
    "了解后",
    "耐心等待",
];

/// Holding replies are short; a longer reply is taken as an answer.
const HOLDING_MAX_CHARS: usize = 40;

/// True when an account's reply only acknowledges the question ("已收到，
/// 已转相关科室，会尽快回复") without answering it or promising a date:
/// a holding phrase in a reply of at most 40 characters. Cost: a few
/// substring searches.
pub fn is_holding(text: &str) -> bool {
    text.chars().count() <= HOLDING_MAX_CHARS && HOLDING.iter().any(|h| text.contains(h))
}

/// Words that make a comment a question wherever they appear.
const QUESTION_WORDS: &[&str] = &[
    "请问",
    "请教",
    "怎么办",
    "怎么",
    "怎样",
    "如何",
    "能否",
    "能不能",
    "可不可以",
    "可否",
    "是否",
    "是不是",
    "有没有",
    "什么时候",
    "何时",
    "几点",
    "几号",
    "哪里",
    "哪儿",
    "哪个",
    "哪些",
    "在哪",
    "多少",
    "咨询",
    "求助",
    "求问",
    "为什么",
    "为啥",
    "咋",
];

/// Phrases that contain a question word but do not ask: exclamations
/// ("怎么这么好看"), modesty ("哪里哪里"), explanations ("这就是为什么").
/// They are removed before the question words are looked for; a question
/// mark still makes the comment a question.
const NOT_ASKING: &[&str] = &[
    "怎么这么",
    "怎么那么",
    "怎么可能",
    "哪里哪里",
    "就是为什么",
    "不知为什么",
    "多少年",
    "感谢咨询",
    "欢迎咨询",
    "已咨询",
    "咨询过",
    "或多或少",
];

/// True when a user's comment asks something: it has a question mark
/// (？ or ?), a question word (请问, 怎么, 如何, 能否, 什么时候, 咨询, 求助,
/// 为什么, …; see the source for the list), or a sentence ends in 吗 (or
/// a questioning 么, as in "可以么"). Not
/// questions: comments without a letter or ideograph (a bare "？？？" or
/// "!!!" asks nothing that could be answered), and exclamations such as
/// "怎么这么好看！" with no question mark. Cost: a few substring searches.
pub fn is_question(text: &str) -> bool {
    let t = text.trim();
    if !t.chars().any(char::is_alphanumeric) {
        return false;
    }
    if t.contains('?') || t.contains('？') {
        return true;
    }
    let mut cleaned = t.to_string();
    for phrase in NOT_ASKING {
        cleaned = cleaned.replace(phrase, "");
    }
    if QUESTION_WORDS.iter().any(|w| cleaned.contains(w)) {
        return true;
    }
    cleaned
        .split(['。', '！', '!', '，', ',', '；', ';', '\n', '～', '~', '…'])
        .map(str::trim)
        .any(|s| {
            s.ends_with('吗')
                || (s.ends_with('么')
                    && !["这么", "那么", "什么", "怎么", "多么", "要么"]
                        .iter()
                        .any(|w| s.ends_with(w)))
        })
}

/// The day an account's reply written on `day` promises an answer by, if it
/// promises one: "将于3个工作日内答复" (working days), "将在5日内回复" /
/// "3天内" (calendar days), "12月3日前答复" / "2026-12-03前", "下周一前"
/// / "本周五前", "明天" / "今天内". A reply must also speak of answering
/// (答复, 回复, 反馈, 处理, 办理, 联系, 告知, 解答, 核实, 回电) to count as
/// a promise. Cost: a few regex searches.
pub fn promised_day(text: &str, day: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
    let r = regexes();
    if !r.answering.is_match(text) {
        return None;
    }
    if let Some(c) = r.working_days.captures(text) {
        let n = number(&c[1])?;
        return Some(calendar.add_working_days(day, n));
    }
    if let Some(c) = r.days.captures(text) {
        let n = number(&c[1])?;
        return day.checked_add_signed(Duration::days(i64::from(n)));
    }
    if let Some(c) = r.iso_date.captures(text) {
        return NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    }
    if let Some(c) = r.month_day.captures(text) {
        let month: u32 = c[2].parse().ok()?;
        let dom: u32 = c[3].parse().ok()?;
        let year: i32 = match c.get(1) {
            Some(y) => y.as_str().parse().ok()?,
            None => day.year(),
        };
        let d = NaiveDate::from_ymd_opt(year, month, dom)?;
        // "1月5日前" written in December means next January.
        return Some(if c.get(1).is_none() && d < day {
            NaiveDate::from_ymd_opt(year + 1, month, dom)?
        } else {
            d
        });
    }
    if let Some(c) = r.week_day.captures(text) {
        let target = weekday(&c[2])?;
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let week_start = if &c[1] == "下" {
            monday + Duration::days(7)
        } else {
            monday
        };
        return Some(week_start + Duration::days(i64::from(target.num_days_from_monday())));
    }
    if r.tomorrow.is_match(text) {
        return day.succ_opt();
    }
    if r.today.is_match(text) {
        return Some(day);
    }
    None
}

struct Regexes {
    answering: Regex,
    working_days: Regex,
    days: Regex,
    iso_date: Regex,
    month_day: Regex,
    week_day: Regex,
    tomorrow: Regex,
    today: Regex,
}

fn regexes() -> &'static Regexes {
    static R: OnceLock<Regexes> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("built-in promise pattern");
        Regexes {
            answering: re("答复|回复|反馈|处理|办理|联系|告知|解答|核实|回电|回应"),
            working_days: re(r"([0-9]+|[一二两三四五六七八九十]+)\s*个?\s*工作日"),
            days: re(r"([0-9]+|[一二两三四五六七八九十]+)\s*(?:个)?\s*(?:日|天)\s*(?:内|之内|以内)"),
            iso_date: re(r"(20[0-9]{2})[-/.]([01]?[0-9])[-/.]([0-3]?[0-9])\s*(?:日)?\s*(?:前|之前|以前)"),
            month_day: re(
                r"(?:(20[0-9]{2})\s*年\s*)?([01]?[0-9])\s*月\s*([0-3]?[0-9])\s*(?:日|号)\s*(?:前|之前|以前)",
            ),
            week_day: re(r"(下|本|这)(?:个)?(?:周|星期|礼拜)([一二三四五六日天])\s*(?:前|之前|以前)"),
            tomorrow: re(r"明天|明日"),
            today: re(r"今天内|今日内|当天|今天下班前"),
        }
    })
}

/// `3`, `十`, `十二`, `二十`, `两`.
fn number(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as u32);
    let chars: Vec<char> = s
        .chars()
        .map(|c| if c == '两' { '二' } else { c })
        .collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        [u] => digit(*u),
        _ => None,
    }
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "一" => Weekday::Mon,
        "二" => Weekday::Tue,
        "三" => Weekday::Wed,
        "四" => Weekday::Thu,
        "五" => Weekday::Fri,
        "六" => Weekday::Sat,
        "日" | "天" => Weekday::Sun,
        _ => return None,
    })
}

/// The date of `t` in China Standard Time, where the calendar applies.
fn local_date(t: DateTime<FixedOffset>) -> NaiveDate {
    t.with_timezone(&crate::source::shanghai()).date_naive()
}
