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
        Sha256::digest(platform_account_id.as_bytes())[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
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

/// The changes `row` makes to `record` (only fields the row gives).
pub fn changes(record: &Record, row: &SheetRow) -> Vec<Change> {
    let mut out = Vec::new();
    let mut text = |path: Vec<&'static str>, label: &str, before: &str, after: Option<&String>| {
        if let Some(after) = after {
            if after != before {
                out.push(Change {
                    path,
                    label: label.to_string(),
                    before: before.to_string(),
                    after: after.clone(),
                    value: FieldValue::Str(after.clone()),
                });
            }
        }
    };
    text(vec!["name"], "名称", &record.name, Some(&row.name));
    text(vec!["unit"], "主办单位", &record.unit, Some(&row.unit));
    text(
        vec!["department"],
        "部门",
        &record.department,
        row.department.as_ref(),
    );
    let show = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let created = row.created.map(|d| d.to_string());
    text(
        vec!["created"],
        "创建时间",
        &show(record.created),
        created.as_ref(),
    );
    if let Some(n) = row.followers.filter(|n| Some(*n) != record.followers) {
        out.push(Change {
            path: vec!["followers"],
            label: "关注人数".into(),
            before: record.followers.map(|n| n.to_string()).unwrap_or_default(),
            after: n.to_string(),
            value: FieldValue::Int(n),
        });
    }
    if let Some(b) = row.certified.filter(|b| *b != record.certified) {
        out.push(Change {
            path: vec!["certified"],
            label: "是否认证".into(),
            before: yes_no(record.certified),
            after: yes_no(b),
            value: FieldValue::Bool(b),
        });
    }
    let filed = row.filed.map(|d| d.to_string());
    let mut text = |path: Vec<&'static str>, label: &str, before: &str, after: Option<&String>| {
        if let Some(after) = after.filter(|a| *a != before) {
            out.push(Change {
                path,
                label: label.to_string(),
                before: before.to_string(),
                after: after.clone(),
                value: FieldValue::Str(after.clone()),
            });
        }
    };
    text(
        vec!["filed"],
        "备案日期",
        &show(record.filed),
        filed.as_ref(),
    );
    for (role, contact, given) in [
        (Role::Leader, &record.leader, &row.leader),
        (Role::Admin, &record.admin, &row.admin),
    ] {
        for f in CONTACT_FIELDS {
            text(
                vec![role.as_str(), f.as_str()],
                &format!("{}{}", role.label_zh(), f.label_zh()),
                contact_value(contact, f),
                given.get(f),
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
    let mut touched = HashSet::new();
    for row in rows {
        match records.iter().find(|r| r.key() == row.key()) {
            Some(record) => {
                touched.insert(record.id.clone());
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
