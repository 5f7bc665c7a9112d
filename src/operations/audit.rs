//! The registry audit (`xunjian accounts audit`): the Measures' duties of
//! Chapter 2 checked against the registry and what the state database
//! knows, as findings of category `operations`. Pure: registry records and
//! facts in, findings out.
//!
//! | check | article | what |
//! |---|---|---|
//! | `operations.leader_missing`, `operations.admin_missing` | 4 | no responsible leader / administrator named |
//! | `operations.leader_contact_missing`, `operations.admin_contact_missing` | 4 | neither office phone nor mobile |
//! | `operations.phone_malformed` | 4 | a mobile or office phone that is not a phone number |
//! | `operations.not_certified` | 4 | not certified on its platform |
//! | `operations.duplicate_account_id` | 4 | the same platform account registered twice |
//! | `operations.change_not_filed` | 4 | leader or administrator changed with no filing date on or after the change |
//! | `operations.inactive` | 5 | no post for more than N days: a candidate for closing |
//! | `operations.not_scanned` | 14 | no source, or never read by a scan: not supervised |

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;

use super::{finding, Check, Subject};
use crate::accounts::history::{self, Snapshot};
use crate::accounts::phone;
use crate::model::{Contact, Field, Finding, Severity};
use crate::registry::Record;

/// No responsible leader named.
pub const LEADER_MISSING: Check = Check {
    id: "operations.leader_missing",
    name: "未登记负责人",
    severity: Severity::High,
    article: 4,
    message: "账号未登记主管领导（负责人）。第四条要求开设账号须明确主管领导；请主办单位补报并更新登记表。",
};

/// No administrator named.
pub const ADMIN_MISSING: Check = Check {
    id: "operations.admin_missing",
    name: "未登记管理员",
    severity: Severity::High,
    article: 4,
    message:
        "账号未登记后台管理员。第四条要求开设账号须明确后台管理员；请主办单位补报并更新登记表。",
};

/// The leader has neither office phone nor mobile.
pub const LEADER_CONTACT_MISSING: Check = Check {
    id: "operations.leader_contact_missing",
    name: "负责人联系方式缺失",
    severity: Severity::Medium,
    article: 4,
    message: "主管领导没有登记办公电话或手机号码，出现问题时无法及时联系；请补充联系方式。",
};

/// The administrator has neither office phone nor mobile.
pub const ADMIN_CONTACT_MISSING: Check = Check {
    id: "operations.admin_contact_missing",
    name: "管理员联系方式缺失",
    severity: Severity::Medium,
    article: 4,
    message: "后台管理员没有登记办公电话或手机号码，出现问题时无法及时联系；请补充联系方式。",
};

/// A phone number that is not one.
pub const PHONE_MALFORMED: Check = Check {
    id: "operations.phone_malformed",
    name: "联系电话格式错误",
    severity: Severity::Medium,
    article: 4,
    message: "登记的联系电话不是有效号码，无法联系到责任人；请核对登记表后更正。",
};

/// Not certified on its platform.
pub const NOT_CERTIFIED: Check = Check {
    id: "operations.not_certified",
    name: "账号未认证",
    severity: Severity::Medium,
    article: 4,
    message:
        "账号尚未在平台完成认证。第四条要求账号开通后及时申请认证；请主办单位办理认证并更新登记。",
};

/// The same platform account registered more than once.
pub const DUPLICATE_ACCOUNT_ID: Check = Check {
    id: "operations.duplicate_account_id",
    name: "平台账号重复登记",
    severity: Severity::High,
    article: 4,
    message: "同一平台账号在登记库中出现多次，责任人无法唯一确定；请合并为一条登记。",
};

/// Leader or administrator changed without a filing.
pub const CHANGE_NOT_FILED: Check = Check {
    id: "operations.change_not_filed",
    name: "人员变更未备案",
    severity: Severity::Medium,
    article: 4,
    message: "主管领导或后台管理员发生变更，但没有变更后的备案日期。第四条要求人员变更后重新填报备案登记表；请补办备案并登记备案日期。",
};

/// No post for a long time.
pub const INACTIVE: Check = Check {
    id: "operations.inactive",
    name: "长期未更新",
    severity: Severity::Low,
    article: 5,
    message: "账号长期没有发布内容。第五条规定不再使用的账号应通过平台注销；请主办单位说明用途或办理注销。",
};

/// Not read by any scan.
pub const NOT_SCANNED: Check = Check {
    id: "operations.not_scanned",
    name: "未纳入巡检",
    severity: Severity::Low,
    article: 14,
    message: "账号的发布内容没有被巡检读取，无法落实内容监管（第十四条）；请在登记库中配置采集来源并运行巡检。",
};

/// Every check, in report order.
pub const CHECKS: [&Check; 10] = [
    &LEADER_MISSING,
    &ADMIN_MISSING,
    &LEADER_CONTACT_MISSING,
    &ADMIN_CONTACT_MISSING,
    &PHONE_MALFORMED,
    &NOT_CERTIFIED,
    &DUPLICATE_ACCOUNT_ID,
    &CHANGE_NOT_FILED,
    &INACTIVE,
    &NOT_SCANNED,
];

/// What the state database knows, for the activity and change checks.
#[derive(Debug, Clone, Default)]
pub struct ScanFacts {
    /// Newest publication day of the stored posts, by account key.
    pub newest_post: HashMap<String, NaiveDate>,
    /// Account keys a scan has read at least once (not counting failed reads).
    pub scanned: HashSet<String>,
    /// Registry snapshots by account key, oldest first.
    pub snapshots: HashMap<String, Vec<Snapshot>>,
}

/// The audit's inputs besides the registry.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The day the audit is for (`--as-of`).
    pub as_of: NaiveDate,
    /// Days without a post after which an account is inactive.
    pub inactive_days: u32,
    /// What the state database knows; `None` when there is none (the
    /// activity, scan and change checks are then skipped, not guessed).
    pub scans: Option<ScanFacts>,
}

fn has_phone(c: &Contact) -> bool {
    !c.office_phone.trim().is_empty() || !c.mobile.trim().is_empty()
}

/// Audits every record and returns the findings, by account in registry
/// order, then by check. Cost: linear in records plus snapshots.
pub fn audit(records: &[Record], facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut by_key: HashMap<String, Vec<&str>> = HashMap::new();
    for r in records {
        by_key.entry(r.key()).or_default().push(&r.id);
    }
    for r in records {
        let account = Arc::new(r.account_ref());
        // Fingerprints come from the platform account; two registry entries
        // for one platform account need the entry's id to stay apart.
        let shared = by_key[&r.key()].len() > 1;
        let mut push = |check: &Check, matched: &str, key: &str, context: &str, detail: String| {
            let key = if shared {
                format!("{key}@{}", r.id)
            } else {
                key.to_string()
            };
            out.push(finding(
                &account,
                check,
                Subject {
                    post: None,
                    field: Field::Registry,
                    matched,
                    key: &key,
                    context,
                    detail,
                },
            ));
        };
        for (role, label, contact, missing, no_contact) in [
            (
                "leader",
                "主管领导",
                &r.leader,
                &LEADER_MISSING,
                &LEADER_CONTACT_MISSING,
            ),
            (
                "admin",
                "后台管理员",
                &r.admin,
                &ADMIN_MISSING,
                &ADMIN_CONTACT_MISSING,
            ),
        ] {
            if contact.name.trim().is_empty() {
                push(
                    missing,
                    "",
                    &format!("{role}.name"),
                    "",
                    format!("登记信息中{label}姓名为空"),
                );
            } else if !has_phone(contact) {
                push(
                    no_contact,
                    &contact.name,
                    &format!("{role}.phone"),
                    &contact.name,
                    format!("{label}“{}”未登记办公电话和手机号码", contact.name),
                );
            }
        }
        for (role, label, contact) in [
            ("leader", "主管领导", &r.leader),
            ("admin", "管理员", &r.admin),
        ] {
            for (field, flabel, value, check) in [
                (
                    "mobile",
                    "手机号码",
                    &contact.mobile,
                    phone::mobile as fn(&str) -> Result<String, phone::Malformed>,
                ),
                (
                    "office_phone",
                    "办公电话",
                    &contact.office_phone,
                    phone::office as fn(&str) -> Result<String, phone::Malformed>,
                ),
            ] {
                if value.trim().is_empty() {
                    continue;
                }
                if let Err(m) = check(value) {
                    push(
                        &PHONE_MALFORMED,
                        value,
                        &format!("{role}.{field}"),
                        &format!("{label}{flabel}：{value}"),
                        format!("{label}{flabel}“{value}”{}", m.zh),
                    );
                }
            }
        }
        if !r.certified {
            push(
                &NOT_CERTIFIED,
                "否",
                "certified",
                "是否认证：否",
                format!("{}“{}”登记为未认证", r.platform.label_zh(), r.name),
            );
        }
        let same = &by_key[&r.key()];
        if same.len() > 1 {
            let others: Vec<&str> = same.iter().copied().filter(|id| *id != r.id).collect();
            push(
                &DUPLICATE_ACCOUNT_ID,
                &r.platform_account_id,
                "platform_account_id",
                &r.platform_account_id,
                format!(
                    "{}账号ID“{}”还登记在：{}",
                    r.platform.label_zh(),
                    r.platform_account_id,
                    others.join("、")
                ),
            );
        }
        if r.source.is_none() {
            push(
                &NOT_SCANNED,
                "",
                "source",
                "",
                "登记信息中没有采集来源（[account.source]），巡检无法读取该账号的发布内容".into(),
            );
        }
        let Some(scans) = &facts.scans else { continue };
        for e in scans
            .snapshots
            .get(&r.key())
            .map(|s| history::events(s))
            .unwrap_or_default()
        {
            for c in e.person_changes() {
                let filed_ok = r.filed.is_some_and(|f| f >= e.since);
                if filed_ok {
                    continue;
                }
                let who = if c.field == "leader.name" {
                    "主管领导"
                } else {
                    "后台管理员"
                };
                let why = match r.filed {
                    None => "登记信息中没有备案日期".to_string(),
                    Some(f) => format!("登记的备案日期{f}早于变更"),
                };
                let context = format!("{who}：{} → {}", c.before, c.after);
                push(
                    &CHANGE_NOT_FILED,
                    &c.after,
                    &format!("{}:{}>{}", c.field, c.before, c.after),
                    &context,
                    format!(
                        "{who}由“{}”变更为“{}”（变更发生在{}至{}之间），{why}，应重新填报备案登记表",
                        c.before, c.after, e.since, e.seen
                    ),
                );
            }
        }
        if r.source.is_none() {
            continue;
        }
        match scans.newest_post.get(&r.key()) {
            Some(last) => {
                let days = (facts.as_of - *last).num_days();
                if days > i64::from(facts.inactive_days) {
                    let last = last.to_string();
                    push(
                        &INACTIVE,
                        &last,
                        "inactive",
                        &format!("最后一次发布：{last}"),
                        format!(
                            "最后一次发布于{last}，已{days}天未更新（超过{}天）",
                            facts.inactive_days
                        ),
                    );
                }
            }
            None if scans.scanned.contains(&r.key()) => push(
                &INACTIVE,
                "",
                "inactive",
                "",
                "巡检已读取该账号，但没有任何带发布时间的帖子记录".into(),
            ),
            None => push(
                &NOT_SCANNED,
                "",
                "source",
                "",
                "该账号尚未被巡检成功读取过（状态数据库中没有读取记录），无法判断是否长期未更新"
                    .into(),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Platform;

    fn record(id: &str, pid: &str) -> Record {
        let contact = |name: &str, mobile: &str| Contact {
            name: name.into(),
            mobile: mobile.into(),
            ..Contact::default()
        };
        Record {
            id: id.into(),
            name: "某市教育发布".into(),
            platform: Platform::Wechat,
            platform_account_id: pid.into(),
            unit: "某市教育局".into(),
            department: String::new(),
            created: None,
            followers: None,
            certified: true,
            filed: None,
            leader: contact("王建国", "13905510118"),
            admin: contact("李晓雯", "13856012347"),
            source: Some(crate::model::SourceSpec::Jsonl { path: "x".into() }),
            line: 1,
        }
    }

    fn facts() -> Facts {
        Facts {
            as_of: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            inactive_days: 90,
            scans: None,
        }
    }

    fn ids(f: &[Finding]) -> Vec<(String, String)> {
        f.iter()
            .map(|f| (f.account.id.clone(), f.rule.id.clone()))
            .collect()
    }

    #[test]
    fn clean_record_has_no_findings() {
        assert!(audit(&[record("a", "gh_1")], &facts()).is_empty());
    }

    #[test]
    fn each_gap_is_one_finding_with_detail() {
        let mut r = record("a", "gh_1");
        r.admin.mobile = "1381234".into();
        r.certified = false;
        let f = audit(&[r], &facts());
        assert_eq!(
            ids(&f),
            [
                ("a".to_string(), "operations.phone_malformed".to_string()),
                ("a".into(), "operations.not_certified".into())
            ]
        );
        assert_eq!(f[0].detail, "管理员手机号码“1381234”不是11位手机号");
        assert_eq!(f[0].field, Field::Registry);
        assert_eq!(f[0].account.leader.name, "王建国");
    }

    #[test]
    fn inactive_and_never_scanned() {
        let mut f = facts();
        let mut scans = ScanFacts::default();
        scans.newest_post.insert(
            "wechat:gh_1".into(),
            NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
        );
        scans.scanned.insert("wechat:gh_1".into());
        f.scans = Some(scans);
        let out = audit(&[record("a", "gh_1"), record("b", "gh_2")], &f);
        assert_eq!(
            ids(&out),
            [
                ("a".to_string(), "operations.inactive".to_string()),
                ("b".into(), "operations.not_scanned".into())
            ]
        );
        assert_eq!(
            out[0].detail,
            "最后一次发布于2026-05-02，已208天未更新（超过90天）"
        );
    }

    #[test]
    fn duplicate_registrations_get_distinct_fingerprints() {
        let out = audit(&[record("a", "gh_1"), record("b", "gh_1")], &facts());
        assert_eq!(
            ids(&out),
            [
                (
                    "a".to_string(),
                    "operations.duplicate_account_id".to_string()
                ),
                ("b".into(), "operations.duplicate_account_id".into())
            ]
        );
        assert_ne!(out[0].fingerprint, out[1].fingerprint);
        assert!(out[0].detail.ends_with("还登记在：b"), "{}", out[0].detail);
    }
}
