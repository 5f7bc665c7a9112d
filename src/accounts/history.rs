//! The dated history of an account's registration, from the registry
//! snapshots the state database keeps (one per scan and per import): what
//! changed between consecutive snapshots, field by field. Pure: snapshots
//! in, changes out. `xunjian accounts history` prints it and the audit's
//! `operations.change_not_filed` check reads the leader and administrator
//! changes from it.

use serde_json::Value;

/// One registry snapshot of an account.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Day it describes (YYYY-MM-DD).
    pub date: chrono::NaiveDate,
    /// The run that recorded it (label), e.g. `import-20261126T101500`.
    pub run: String,
    /// The account as recorded (JSON of the registry entry).
    pub data: Value,
}

/// One field that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Field path, e.g. `leader.name`.
    pub field: String,
    /// Chinese label, e.g. `负责人姓名`.
    pub label: String,
    /// Before.
    pub before: String,
    /// After.
    pub after: String,
}

/// What changed between two consecutive snapshots.
#[derive(Debug, Clone)]
pub struct Event {
    /// Day of the earlier snapshot: the change happened after it.
    pub since: chrono::NaiveDate,
    /// Day of the snapshot that first shows the change.
    pub seen: chrono::NaiveDate,
    /// The run that recorded it.
    pub run: String,
    /// The changed fields.
    pub changes: Vec<FieldChange>,
    /// The filing date (备案日期) in the snapshot that shows the change, if
    /// one was recorded.
    pub filed: Option<String>,
}

impl Event {
    /// The leader or administrator name changes (Art. 4: a new filing is due).
    pub fn person_changes(&self) -> impl Iterator<Item = &FieldChange> {
        self.changes
            .iter()
            .filter(|c| c.field == "leader.name" || c.field == "admin.name")
    }
}

/// The fields compared, with their Chinese labels. `source` and `id` are
/// not: paths and slugs are not registration facts.
pub const FIELDS: &[(&str, &str)] = &[
    ("name", "名称"),
    ("unit", "主办单位"),
    ("department", "部门"),
    ("created", "创建时间"),
    ("followers", "关注人数"),
    ("certified", "是否认证"),
    ("filed", "备案日期"),
    ("leader.name", "负责人姓名"),
    ("leader.position", "负责人职务"),
    ("leader.office_phone", "负责人办公电话"),
    ("leader.mobile", "负责人手机号码"),
    ("leader.qq", "负责人QQ"),
    ("leader.wechat", "负责人微信号"),
    ("admin.name", "管理员姓名"),
    ("admin.position", "管理员职务"),
    ("admin.office_phone", "管理员办公电话"),
    ("admin.mobile", "管理员手机号码"),
    ("admin.qq", "管理员QQ"),
    ("admin.wechat", "管理员微信号"),
];

/// The value of `path` in a snapshot as text; `None` when the snapshot
/// does not record the field at all (older snapshots, or a scan's, which
/// do not carry the filing date).
fn get(data: &Value, path: &str) -> Option<String> {
    let mut v = data;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    Some(match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        other => other.to_string(),
    })
}

/// The changes between consecutive snapshots (sorted by date, then in the
/// order given). A field missing from either snapshot is not compared.
pub fn events(snapshots: &[Snapshot]) -> Vec<Event> {
    let mut sorted: Vec<&Snapshot> = snapshots.iter().collect();
    sorted.sort_by_key(|s| s.date);
    let mut out = Vec::new();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let changes: Vec<FieldChange> = FIELDS
            .iter()
            .filter_map(|(field, label)| {
                let before = get(&a.data, field)?;
                let after = get(&b.data, field)?;
                (before != after).then(|| FieldChange {
                    field: field.to_string(),
                    label: label.to_string(),
                    before,
                    after,
                })
            })
            .collect();
        if !changes.is_empty() {
            out.push(Event {
                since: a.date,
                seen: b.date,
                run: b.run.clone(),
                changes,
                filed: get(&b.data, "filed").filter(|f| !f.is_empty()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(day: u32, data: Value) -> Snapshot {
        Snapshot {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            run: format!("r{day}"),
            data,
        }
    }

    #[test]
    fn changes_between_snapshots_ignore_fields_one_side_lacks() {
        let s = [
            snap(
                1,
                serde_json::json!({"name": "A", "leader": {"name": "王"}, "admin": {"name": "李"}}),
            ),
            snap(
                5,
                serde_json::json!({"name": "A", "leader": {"name": "王"}, "admin": {"name": "李"}, "filed": "2026-11-04"}),
            ),
            snap(
                9,
                serde_json::json!({"name": "A", "leader": {"name": "刘"}, "admin": {"name": "李"}, "filed": null}),
            ),
        ];
        let e = events(&s);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].since.to_string(), "2026-11-05");
        assert_eq!(e[0].seen.to_string(), "2026-11-09");
        let fields: Vec<&str> = e[0].changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["filed", "leader.name"]);
        assert_eq!(e[0].person_changes().count(), 1);
        assert_eq!(e[0].filed, None);
    }
}
