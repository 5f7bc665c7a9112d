//! Plain data types shared by every stage of the pipeline.
//!
//! Nothing here does I/O or matching; these are the nouns the other modules
//! pass between each other: platforms, accounts, posts, rule categories and
//! severities, hits and findings.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The four kinds of official account the Measures cover (Art. 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// WeChat official account (微信公众号).
    Wechat,
    /// Weibo account (微博).
    Weibo,
    /// Toutiao account (头条号).
    Toutiao,
    /// The organisation's own mobile app (APP).
    App,
}

impl Platform {
    /// Every platform, in display order.
    pub const ALL: [Platform; 4] = [
        Platform::Wechat,
        Platform::Weibo,
        Platform::Toutiao,
        Platform::App,
    ];

    /// The lowercase identifier used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Wechat => "wechat",
            Platform::Weibo => "weibo",
            Platform::Toutiao => "toutiao",
            Platform::App => "app",
        }
    }

    /// The Chinese name officers read in reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Platform::Wechat => "微信公众号",
            Platform::Weibo => "微博",
            Platform::Toutiao => "头条号",
            Platform::App => "客户端",
        }
    }
}

/// What kind of breach a rule detects; each maps to articles of the Measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Classified or internal-only material (Art. 13).
    Classified,
    /// Personal information of staff or citizens (Art. 13, 14).
    PersonalInfo,
    /// Rumours, unverified claims, prohibited absolute claims (Art. 10).
    False,
    /// Vulgar, pornographic, gambling, drugs, abuse, fraud (Art. 10).
    Unhealthy,
    /// Breaches of the operating duties rather than of content: registration
    /// gaps (Art. 4, 5, 14) and unanswered user questions (Art. 12).
    Operations,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 5] = [
        Category::Classified,
        Category::PersonalInfo,
        Category::False,
        Category::Unhealthy,
        Category::Operations,
    ];

    /// The identifier used in rule files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Classified => "classified",
            Category::PersonalInfo => "personal_info",
            Category::False => "false",
            Category::Unhealthy => "unhealthy",
            Category::Operations => "operations",
        }
    }

    /// The Chinese label officers read in reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Classified => "涉密",
            Category::PersonalInfo => "个人信息",
            Category::False => "不实",
            Category::Unhealthy => "不健康",
            Category::Operations => "运营管理",
        }
    }
}

/// How serious a finding is; ordered so that `Low < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Probably a breach.
    Medium,
    /// A breach to act on.
    High,
    /// A breach to act on today (e.g. a classification marking).
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The identifier used in rule files, JSON and `--fail-on`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The Chinese label officers read in reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
            Severity::Critical => "严重",
        }
    }
}

/// `Display` (the identifier) and `FromStr` (from the identifier) for the
/// enums below that have `ALL` and `as_str`, with an error that lists the
/// accepted values.
macro_rules! identifier_enum {
    ($t:ty, $what:literal) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        let all: Vec<&str> = <$t>::ALL.iter().map(|v| v.as_str()).collect();
                        format!(
                            "unknown {} `{s}`: expected one of {}",
                            $what,
                            all.join(", ")
                        )
                    })
            }
        }
    };
}

identifier_enum!(Platform, "platform");
identifier_enum!(Category, "category");
identifier_enum!(Severity, "severity");

/// A person named on the registration form: the responsible leader
/// (主管领导) or the back-end administrator (后台管理员).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// Position (职务).
    #[serde(default)]
    pub position: String,
    /// Office phone (办公电话).
    #[serde(default)]
    pub office_phone: String,
    /// Mobile phone (手机号码).
    #[serde(default)]
    pub mobile: String,
    /// QQ number.
    #[serde(default)]
    pub qq: String,
    /// WeChat id (微信号).
    #[serde(default)]
    pub wechat: String,
}

/// Where an account's posts come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SourceSpec {
    /// A JSONL export: one file, or a folder whose `*.jsonl` files are read in name order.
    Jsonl {
        /// Absolute or registry-relative path, resolved against the registry's folder.
        path: std::path::PathBuf,
    },
    /// A CSV export with a header row.
    Csv {
        /// Absolute or registry-relative path, resolved against the registry's folder.
        path: std::path::PathBuf,
    },
    /// A WeChat official account read through the publish API
    /// (`freepublish/batchget`), see `docs/CONNECTORS.md`.
    Wechat {
        /// NAME of the environment variable holding the AppID (never the value).
        app_id_env: String,
        /// NAME of the environment variable holding the AppSecret (never the value).
        app_secret_env: String,
        /// API base URL without a trailing slash (default `https://api.weixin.qq.com`).
        base_url: String,
    },
    /// A Weibo account read through `statuses/user_timeline` with the
    /// account owner's OAuth2 token.
    Weibo {
        /// The account's numeric uid (defaults to `platform_account_id`).
        uid: String,
        /// NAME of the environment variable holding the access token (never the value).
        access_token_env: String,
        /// API base URL without a trailing slash (default `https://api.weibo.com`).
        base_url: String,
    },
    /// An RSS 2.0 / Atom / JSON Feed: an RSSHub route, a unit's own site, or
    /// a local `file://` feed.
    Feed {
        /// Absolute `http(s)://` or `file://` URL (registry-relative `file:` URLs
        /// are resolved when the registry is loaded).
        url: String,
    },
    /// A unit's own CMS speaking the JSON contract of `docs/CONNECTORS.md`.
    JsonApi {
        /// The items endpoint, e.g. `https://app.example.gov.cn/api/xunjian/items`.
        base_url: String,
        /// NAME of the environment variable holding a bearer token, if the CMS needs one.
        token_env: Option<String>,
    },
}

/// One registered official account, as filed with the Information Center.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// Short human slug, unique in the registry (e.g. `edu-wechat`).
    pub id: String,
    /// Account name as shown on the platform.
    pub name: String,
    /// Which platform it lives on.
    pub platform: Platform,
    /// The platform's own id for the account (WeChat gh_ id, Weibo uid, ...).
    pub platform_account_id: String,
    /// Host unit (主办单位).
    pub unit: String,
    /// Department inside the unit, if any.
    pub department: String,
    /// Date the account was created (YYYY-MM-DD).
    pub created: Option<chrono::NaiveDate>,
    /// Follower count at filing.
    pub followers: Option<u64>,
    /// Whether the account is certified on its platform (认证).
    pub certified: bool,
    /// The responsible leader (主管领导).
    pub leader: Contact,
    /// The back-end administrator (后台管理员).
    pub admin: Contact,
    /// How to obtain its posts.
    pub source: SourceSpec,
}

impl Account {
    /// The stable account key `platform:platform_account_id`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform, self.platform_account_id)
    }
}

/// One published (or draft) post, reduced to plain text.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Post {
    /// The post's id on its platform (or in the export).
    pub id: String,
    /// Title; empty for platforms without titles (Weibo).
    pub title: String,
    /// Body as plain text (HTML already converted).
    pub text: String,
    /// Link to the published post, if known.
    pub url: String,
    /// Publication time, if known.
    pub published_at: Option<DateTime<FixedOffset>>,
    /// Author or editor, if known.
    pub author: String,
    /// True when the source delivered only part of the post (e.g. a Weibo
    /// long post cut at its preview, or a post over the size limit): the scan
    /// saw only what is in `text`.
    pub truncated: bool,
    /// Comments under the post, users' and the account's own replies, in
    /// the order the source gave them (empty when the source has none or
    /// does not deliver them). Scanned like the body; users' questions
    /// among them are checked for an answer (Art. 12).
    pub comments: Vec<Comment>,
}

/// One comment under a post: a user's, or the account's own reply.
///
/// Every platform shape maps onto this flat form: a WeChat comment with an
/// embedded `reply` becomes two comments (the user's, then the account's
/// with `reply_to` = the user's id and the id `{user id}.reply`); a Weibo
/// comment whose `user` is the account is `from_account`, and its
/// `reply_comment` gives `reply_to`; exports may use either form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// The comment's id on its platform (unique within the post).
    pub id: String,
    /// Who wrote it (screen name or openid; may be empty).
    #[serde(default)]
    pub author: String,
    /// The comment's text.
    pub text: String,
    /// When it was posted, if known.
    #[serde(default)]
    pub published_at: Option<DateTime<FixedOffset>>,
    /// True when the account itself wrote it (a reply by the account's
    /// administrator): such comments answer questions, they never ask.
    #[serde(default)]
    pub from_account: bool,
    /// The id of the comment this one replies to, if any.
    #[serde(default)]
    pub reply_to: Option<String>,
}

impl Post {
    /// A post that exists only as text (a draft, a rule example, a corpus
    /// document): no link, time or author.
    pub fn from_text(id: &str, title: &str, text: &str) -> Post {
        Post {
            id: id.to_string(),
            title: title.to_string(),
            text: text.to_string(),
            ..Post::default()
        }
    }
}

/// Which part of a post a hit was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The post's title.
    Title,
    /// The post's body.
    Body,
    /// A user's comment under the post (or the account's reply to one).
    Comment,
    /// The account's registration record, not a post (registry audit findings).
    Registry,
}

impl Field {
    /// The identifier used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Body => "body",
            Field::Comment => "comment",
            Field::Registry => "registry",
        }
    }

    /// The Chinese label officers read in reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Field::Title => "标题",
            Field::Body => "正文",
            Field::Comment => "评论",
            Field::Registry => "登记信息",
        }
    }
}

/// One match of one rule in one field of a post, in original-text coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the rule in the compiled rule set.
    pub rule: usize,
    /// Which field of the post it is in.
    pub field: Field,
    /// Byte range in the original field text.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
    /// The matched text in its normalized form (folded, noise removed): the
    /// part of the fingerprint that identifies *what* matched.
    pub normalized: String,
    /// True when the match needed folding (full-width, traditional, look-alike)
    /// or skipping inserted noise: a sign of deliberate evasion.
    pub evasion: bool,
    /// Which transformations the match needed (empty when `evasion` is false).
    pub evasions: crate::engine::transforms::Transforms,
}

/// The account fields every finding carries, so a report row stands alone
/// (Measures Art. 14: who is accountable for this account).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountRef {
    /// Registry slug.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Platform.
    pub platform: Platform,
    /// Platform account id.
    pub platform_account_id: String,
    /// Host unit (主办单位).
    pub unit: String,
    /// Department.
    pub department: String,
    /// Responsible leader.
    pub leader: Contact,
    /// Administrator.
    pub admin: Contact,
}

impl From<&Account> for AccountRef {
    fn from(a: &Account) -> Self {
        AccountRef {
            id: a.id.clone(),
            name: a.name.clone(),
            platform: a.platform,
            platform_account_id: a.platform_account_id.clone(),
            unit: a.unit.clone(),
            department: a.department.clone(),
            leader: a.leader.clone(),
            admin: a.admin.clone(),
        }
    }
}

/// The post fields every finding carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRef {
    /// Post id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link.
    pub url: String,
    /// Publication time (RFC 3339), empty when unknown.
    pub published_at: String,
    /// Author.
    pub author: String,
    /// True when the scan saw only part of the post (see [`Post::truncated`]).
    pub truncated: bool,
}

/// The rule fields every finding carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleRef {
    /// Stable rule id.
    pub id: String,
    /// Short name.
    pub name: String,
    /// Pack id.
    pub pack: String,
    /// Pack version.
    pub pack_version: String,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// The article of the Measures the rule enforces.
    pub article: u32,
    /// Message for officers.
    pub message: String,
}

/// One finding: one (post, rule, normalized match), however often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identity: hash of platform, account id, post id, rule id and
    /// normalized match (no offsets), see [`crate::engine::findings::fingerprint`].
    pub fingerprint: String,
    /// The account the post belongs to (shared by the findings of one
    /// scan of the account: one allocation, not one per finding).
    pub account: Arc<AccountRef>,
    /// The post (shared by the post's findings).
    pub post: Arc<PostRef>,
    /// The rule that fired (shared by the rule's findings).
    pub rule: Arc<RuleRef>,
    /// Field of the first occurrence.
    pub field: Field,
    /// Original text of the first occurrence, as published.
    pub matched: String,
    /// Normalized form of the match.
    pub normalized: String,
    /// How many times this (rule, normalized match) occurs in the post.
    pub occurrences: u32,
    /// Character offset (Unicode scalar values) of the first occurrence in its field.
    pub char_start: usize,
    /// Character offset of the end of the first occurrence (exclusive).
    pub char_end: usize,
    /// Text around the first occurrence, on one line.
    pub snippet: String,
    /// True when any occurrence needed folding or noise skipping.
    pub evasion: bool,
    /// Which transformations the first evasive occurrence needed to match,
    /// e.g. `traditional`, `full_width`, `look_alike`, `skipped:2`, `pinyin`;
    /// empty when it matched as published. Deliberate evasion is evidence.
    #[serde(default)]
    pub evasions: Vec<String>,
    /// Id of the comment the match is in when `field` is `comment`; empty
    /// otherwise.
    #[serde(default)]
    pub comment_id: String,
    /// Facts the officer needs beyond the match, in Chinese (e.g. how long a
    /// question has waited, which registry field is wrong); empty for most
    /// content findings.
    #[serde(default)]
    pub detail: String,
    /// Whether this finding was already known before this run (set by the
    /// state store; `New` without one).
    pub novelty: Novelty,
}

/// Whether a finding is new in this run or was already known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Novelty {
    /// First seen in this run.
    #[default]
    New,
    /// Reported by an earlier run.
    Known,
}

/// An officer's verdict on a finding (复核结论), kept in the state database
/// with its history.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Not reviewed yet.
    #[default]
    New,
    /// 确认违规: a confirmed violation; the unit must rectify it.
    Confirmed,
    /// 误报: not a violation; suppressed in later runs.
    FalsePositive,
    /// 已整改: the unit has rectified it.
    Resolved,
    /// 待定: under review.
    Pending,
}

impl ReviewStatus {
    /// Every status, in report order.
    pub const ALL: [ReviewStatus; 5] = [
        ReviewStatus::New,
        ReviewStatus::Confirmed,
        ReviewStatus::FalsePositive,
        ReviewStatus::Resolved,
        ReviewStatus::Pending,
    ];

    /// The identifier stored in the database and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::New => "new",
            ReviewStatus::Confirmed => "confirmed",
            ReviewStatus::FalsePositive => "false_positive",
            ReviewStatus::Resolved => "resolved",
            ReviewStatus::Pending => "pending",
        }
    }

    /// The Chinese verdict officers write in the review column.
    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewStatus::New => "未复核",
            ReviewStatus::Confirmed => "确认违规",
            ReviewStatus::FalsePositive => "误报",
            ReviewStatus::Resolved => "已整改",
            ReviewStatus::Pending => "待定",
        }
    }

    /// Parses a verdict as officers write it: the Chinese label, the
    /// identifier, or an English phrase (`confirmed`, `false positive`,
    /// `resolved`, `pending`); case and surrounding spaces are ignored.
    /// `None` for anything else (a typo must be refused, not guessed).
    pub fn parse_verdict(s: &str) -> Option<ReviewStatus> {
        let t = s.trim().to_lowercase().replace(['-', ' '], "_");
        Some(match t.as_str() {
            "确认违规" | "确认" | "违规" | "confirmed" | "violation" | "confirmed_violation" => {
                ReviewStatus::Confirmed
            }
            "误报" | "false_positive" | "falsepositive" | "fp" => ReviewStatus::FalsePositive,
            "已整改" | "resolved" | "rectified" | "fixed" => ReviewStatus::Resolved,
            "待定" | "pending" | "undecided" => ReviewStatus::Pending,
            "未复核" | "new" => ReviewStatus::New,
            _ => return None,
        })
    }

    /// True while the finding still needs action (new, pending or confirmed
    /// and not yet rectified).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReviewStatus::New | ReviewStatus::Pending | ReviewStatus::Confirmed
        )
    }
}

identifier_enum!(ReviewStatus, "review status");

/// The review state of one finding: the officer's verdict and, when an
/// organisation-wide suppression applies, which one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The verdict (`new` until an officer decides).
    pub status: ReviewStatus,
    /// Who decided (复核人), empty when nobody has.
    pub reviewer: String,
    /// When (复核日期, YYYY-MM-DD), empty when nobody has.
    pub reviewed_at: String,
    /// Rectification deadline (整改期限, YYYY-MM-DD), empty when none.
    pub rectify_by: String,
    /// The officer's note (备注).
    pub note: String,
    /// Why the finding is suppressed in this run (`false positive` verdict,
    /// or the `suppressions.toml` entry that matched), `None` when it counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

/// Review state by fingerprint; a finding missing from the map is `new`.
pub type Reviews = std::collections::HashMap<String, Review>;
