//! Merging the sheet's rows into the registry by (platform, platform
//! account id): what would be added, which fields of which account would
//! change, what is unchanged. Pure; `cli::accounts` applies the plan with
//! [`crate::registry::Editor`].
//!
//! An empty cell never erases what the registry holds (a sheet often leaves
//! out what did not change); fields the sheet has no column for (`source`,
//! `department` when absent…) are kept.

use std::collections::HashSet;

use super::sheet::{ContactField, Role, SheetRow};
use crate::model::Contact;
use crate::registry::{FieldValue, Record};

/// One field changing: registry path, Chinese label, before and after as
/// shown, and the value to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Registry path, e.g. `["leader", "mobile"]`.
    pub path: Vec<&'static str>,
    /// Chinese label, e.g. `负责人手机号码`.
    pub label: String,
    /// Value before, as shown (empty when none).
    pub before: String,
    /// Value after, as shown.
    pub after: String,
    /// Value written.
    pub value: FieldValue,
}

/// An account already registered whose fields change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Registry id.
    pub id: String,
    /// Line of the sheet row.
    pub line: usize,
    /// The changes, in registry field order.
    pub changes: Vec<Change>,
}

/// An account the registry does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addition {
    /// The registry id given to it (see [`slug`]).
    pub id: String,
    /// The sheet row.
    pub row: SheetRow,
}

/// What an import would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// New accounts.
    pub added: Vec<Addition>,
    /// Registered accounts with changed fields.
    pub updated: Vec<Update>,
    /// Registry ids of registered accounts the sheet leaves as they are.
    pub unchanged: Vec<String>,
    /// Rows that cannot be taken (line, column, message), e.g. a new account
    /// without 是否认证.
    pub problems: Vec<super::sheet::Problem>,
}

impl Plan {
    /// True when applying it would change the registry.
    pub fn changes_anything(&self) -> bool {
        !self.added.is_empty() || !self.updated.is_empty()
    }
}

/// A stable registry id for a new account: `platform-<account id>` folded
/// to lowercase ASCII letters, digits, `_` and `-` (a short hash of the
/// account id when it has none of those), with `-2`, `-3`… when taken.
pub fn slug(platform: &str, platform_account_id: &str, taken: &HashSet<String>) -> String {
    let mut folded = String::new();
    for c in platform_account_id.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' {
            folded.push(c);
        } else if c.is_ascii() && !folded.is_empty() && !folded.ends_with('-') {
            folded.push('-');
        }
    }
    let folded: String = folded.trim_end_matches('-').chars().take(40).collect();
    let tail = if folded.is_empty() {
        use sha2::{Digest, Sha256};
        crate::engine::findings::hex(&Sha256::digest(platform_account_id.as_bytes())[..4])
    } else {
        folded
    };
    let base = format!("{platform}-{tail}");
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

const CONTACT_FIELDS: [ContactField; 6] = [
    ContactField::Name,
    ContactField::Position,
    ContactField::OfficePhone,
    ContactField::Mobile,
    ContactField::Qq,
    ContactField::Wechat,
];

fn contact_value(c: &Contact, f: ContactField) -> &str {
    match f {
        ContactField::Name => &c.name,
        ContactField::Position => &c.position,
        ContactField::OfficePhone => &c.office_phone,
        ContactField::Mobile => &c.mobile,
        ContactField::Qq => &c.qq,
        ContactField::Wechat => &c.wechat,
    }
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

/// Adds a change of `path` when the sheet gives a value (`after`) that
/// differs from the registry's (`before`, as shown).
fn note(
    out: &mut Vec<Change>,
    path: Vec<&'static str>,
    label: &str,
    before: String,
    after: Option<(String, FieldValue)>,
) {
    if let Some((shown, value)) = after.filter(|(a, _)| *a != before) {
        out.push(Change {
            path,
            label: label.to_string(),
            before,
            after: shown,
            value,
        });
    }
}

/// The changes `row` makes to `record` (only fields the row gives), in
/// registry field order.
pub fn changes(record: &Record, row: &SheetRow) -> Vec<Change> {
    let text = |v: &str| Some((v.to_string(), FieldValue::Str(v.to_string())));
    let opt_text = |v: &Option<String>| v.as_deref().and_then(text);
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let opt_date = |d: Option<chrono::NaiveDate>| d.and_then(|d| text(&d.to_string()));
    let mut out = Vec::new();
    note(
        &mut out,
        vec!["name"],
        "名称",
        record.name.clone(),
        text(&row.name),
    );
    note(
        &mut out,
        vec!["unit"],
        "主办单位",
        record.unit.clone(),
        text(&row.unit),
    );
    note(
        &mut out,
        vec!["department"],
        "部门",
        record.department.clone(),
        opt_text(&row.department),
    );
    note(
        &mut out,
        vec!["created"],
        "创建时间",
        date(record.created),
        opt_date(row.created),
    );
    note(
        &mut out,
        vec!["followers"],
        "关注人数",
        record.followers.map(|n| n.to_string()).unwrap_or_default(),
        row.followers.map(|n| (n.to_string(), FieldValue::Int(n))),
    );
    note(
        &mut out,
        vec!["certified"],
        "是否认证",
        yes_no(record.certified),
        row.certified.map(|b| (yes_no(b), FieldValue::Bool(b))),
    );
    note(
        &mut out,
        vec!["filed"],
        "备案日期",
        date(record.filed),
        opt_date(row.filed),
    );
    for (role, contact, given) in [
        (Role::Leader, &record.leader, &row.leader),
        (Role::Admin, &record.admin, &row.admin),
    ] {
        for f in CONTACT_FIELDS {
            note(
                &mut out,
                vec![role.as_str(), f.as_str()],
                &format!("{}{}", role.label_zh(), f.label_zh()),
                contact_value(contact, f).to_string(),
                given.get(f).and_then(|v| text(v)),
            );
        }
    }
    out
}

/// The fields of a new account's `[[account]]` table, in registry order.
pub fn new_fields(id: &str, row: &SheetRow) -> Vec<(Vec<&'static str>, FieldValue)> {
    let s = |v: &str| FieldValue::Str(v.to_string());
    let mut f = vec![
        (vec!["id"], s(id)),
        (vec!["name"], s(&row.name)),
        (vec!["platform"], s(row.platform.as_str())),
        (vec!["platform_account_id"], s(&row.platform_account_id)),
        (vec!["unit"], s(&row.unit)),
    ];
    if let Some(d) = &row.department {
        f.push((vec!["department"], s(d)));
    }
    if let Some(d) = row.created {
        f.push((vec!["created"], s(&d.to_string())));
    }
    if let Some(n) = row.followers {
        f.push((vec!["followers"], FieldValue::Int(n)));
    }
    f.push((
        vec!["certified"],
        FieldValue::Bool(row.certified.unwrap_or(false)),
    ));
    if let Some(d) = row.filed {
        f.push((vec!["filed"], s(&d.to_string())));
    }
    for (role, c) in [(Role::Leader, &row.leader), (Role::Admin, &row.admin)] {
        for field in CONTACT_FIELDS {
            let v = c.get(field).cloned().unwrap_or_default();
            f.push((vec![role.as_str(), field.as_str()], FieldValue::Str(v)));
        }
    }
    f
}

/// Plans the import of `rows` into the registry's `records`.
pub fn plan(records: &[Record], rows: &[SheetRow], certified_column: &str) -> Plan {
    let mut plan = Plan::default();
    let mut taken: HashSet<String> = records.iter().map(|r| r.id.clone()).collect();
    let mut by_key: std::collections::HashMap<String, &Record> = std::collections::HashMap::new();
    for r in records {
        by_key.entry(r.key()).or_insert(r);
    }
    for row in rows {
        match by_key.get(&row.key()) {
            Some(record) => {
                let changes = changes(record, row);
                if changes.is_empty() {
                    plan.unchanged.push(record.id.clone());
                } else {
                    plan.updated.push(Update {
                        id: record.id.clone(),
                        line: row.line,
                        changes,
                    });
                }
            }
            None if row.certified.is_none() => plan.problems.push(super::sheet::Problem {
                line: row.line,
                column: if certified_column.is_empty() {
                    "是否认证".into()
                } else {
                    certified_column.to_string()
                },
                message: "is empty for an account not yet in the registry — write 是 or 否 (the registry records certification, Art. 4)".into(),
            }),
            None => {
                let id = slug(row.platform.as_str(), &row.platform_account_id, &taken);
                taken.insert(id.clone());
                plan.added.push(Addition {
                    id,
                    row: row.clone(),
                });
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::super::sheet::SheetContact;
    use super::*;
    use crate::model::Platform;

    fn record() -> Record {
        Record {
            id: "a".into(),
            name: "某市教育发布".into(),
            platform: Platform::Wechat,
            platform_account_id: "gh_1".into(),
            unit: "某市教育局".into(),
            department: "办公室".into(),
            created: None,
            followers: Some(10),
            certified: true,
            filed: None,
            leader: Contact {
                name: "王建国".into(),
                mobile: "13905510118".into(),
                ..Contact::default()
            },
            admin: Contact {
                name: "李晓雯".into(),
                ..Contact::default()
            },
            source: None,
            line: 1,
        }
    }

    fn row() -> SheetRow {
        SheetRow {
            line: 2,
            name: "某市教育发布".into(),
            platform: Platform::Wechat,
            platform_account_id: "gh_1".into(),
            unit: "某市教育局".into(),
            department: None,
            created: None,
            followers: None,
            certified: None,
            filed: None,
            leader: SheetContact::default(),
            admin: SheetContact::default(),
        }
    }

    #[test]
    fn empty_cells_keep_and_given_values_change() {
        assert!(changes(&record(), &row()).is_empty());
        let mut r = row();
        r.leader.name = Some("刘洋".into());
        r.followers = Some(12);
        r.certified = Some(true);
        let c = changes(&record(), &r);
        let shown: Vec<(String, String, String)> = c
            .iter()
            .map(|c| (c.label.clone(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                ("关注人数".to_string(), "10".to_string(), "12".to_string()),
                ("负责人姓名".into(), "王建国".into(), "刘洋".into())
            ]
        );
        assert_eq!(c[0].value, FieldValue::Int(12));
        assert_eq!(c[1].path, ["leader", "name"]);
    }

    #[test]
    fn slugs_are_stable_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(
            slug("app", "com.example.Jiaoyu", &taken),
            "app-com-example-jiaoyu"
        );
        taken.insert("weibo-123".to_string());
        assert_eq!(slug("weibo", "123", &taken), "weibo-123-2");
        let hashed = slug("toutiao", "某市职教", &taken);
        assert!(
            hashed.starts_with("toutiao-") && hashed.len() == "toutiao-".len() + 8,
            "{hashed}"
        );
        assert_eq!(hashed, slug("toutiao", "某市职教", &taken));
    }
}
