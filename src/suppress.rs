//! Organisation-wide suppressions (`suppressions.toml`): reviewed decisions
//! that a finding, a phrase under a rule, or a rule on an account is not a
//! violation. Suppressed findings stay in every report with their reason;
//! they only stop counting for `--fail-on` and for open-finding totals.
//!
//! ```toml
//! [[suppress]]
//! fingerprint = "3f9a…"              # one finding
//! reason = "公示名单，已脱敏处理"      # required
//! decided_by = "张审核"               # required
//! decided_at = 2026-11-20             # required (date)
//! expires = 2027-05-20                # optional: after this day it no longer applies
//!
//! [[suppress]]
//! rule = "false.absolute_claim"       # the phrase under this rule, anywhere
//! match = "第一"                      # as in the report's 规范化匹配 / normalized column
//! reason = "…"
//! decided_by = "…"
//! decided_at = 2026-11-20
//!
//! [[suppress]]
//! rule = "unhealthy.contact"          # this rule on this account (registry id)
//! account = "jyj-weibo"
//! reason = "…"
//! decided_by = "…"
//! decided_at = 2026-11-20
//! ```
//!
//! Loading reports every problem of the file at once with file, line and
//! field ([`crate::error::Located`]). Matching is a linear scan of the
//! entries per finding; files hold tens of entries.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{line_of, Located, Problems};
use crate::model::Finding;

/// What a suppression applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Selector {
    /// One finding.
    Fingerprint {
        /// Its fingerprint.
        fingerprint: String,
    },
    /// The same normalized phrase under a rule, in any post.
    Match {
        /// Rule id.
        rule: String,
        /// Normalized match.
        normalized: String,
    },
    /// Every finding of a rule on one account.
    Account {
        /// Rule id.
        rule: String,
        /// Registry id of the account.
        account: String,
    },
}

/// One reviewed suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// What it applies to.
    pub selector: Selector,
    /// Why it is not a violation.
    pub reason: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: NaiveDate,
    /// Last day it applies, if it expires.
    pub expires: Option<NaiveDate>,
    /// Line of the entry in its file.
    pub line: usize,
}

impl Suppression {
    /// True when it applies to `f`, regardless of expiry.
    pub fn matches(&self, f: &Finding) -> bool {
        match &self.selector {
            Selector::Fingerprint { fingerprint } => &f.fingerprint == fingerprint,
            Selector::Match { rule, normalized } => {
                &f.rule.id == rule && &f.normalized == normalized
            }
            Selector::Account { rule, account } => &f.rule.id == rule && &f.account.id == account,
        }
    }

    /// True when it has expired by `today`.
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|e| e < today)
    }

    /// A one-line description for reports: `file:line (reason, who, date)`.
    pub fn describe(&self, file: &str) -> String {
        format!(
            "{file}:{} ({}; {} {})",
            self.line, self.reason, self.decided_by, self.decided_at
        )
    }
}

/// A loaded `suppressions.toml`.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    /// The file, as shown in messages.
    pub file: String,
    /// The entries, in file order.
    pub entries: Vec<Suppression>,
}

/// How the suppressions fared in a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SuppressionUse {
    /// Findings suppressed, per entry (index into `entries`).
    pub used: Vec<usize>,
    /// Entries past their expiry (they no longer apply): `file:line …`.
    pub expired: Vec<String>,
    /// Entries in force that matched no finding of the run.
    pub unused: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    suppress: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    fingerprint: Option<String>,
    rule: Option<String>,
    #[serde(rename = "match")]
    matched: Option<String>,
    account: Option<String>,
    reason: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<toml::Value>,
    expires: Option<toml::Value>,
}

fn date(v: &toml::Value) -> Option<NaiveDate> {
    match v {
        toml::Value::Datetime(d) => d
            .date
            .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())),
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        _ => None,
    }
}

impl Suppressions {
    /// Reads and validates `path`; every problem is reported at once.
    pub fn load(path: &Path) -> Result<Suppressions, Problems> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Problems::one(Located::new(
                &shown,
                None,
                format!("cannot read the suppressions file: {e}"),
            ))
        })?;
        Self::parse(&text, &shown)
    }

    /// Parses suppressions text; `shown` names the file in errors.
    pub fn parse(text: &str, shown: &str) -> Result<Suppressions, Problems> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            Problems::one(Located::new(
                shown,
                e.span().map(|s| line_of(text, s.start)),
                format!(
                    "{}; each entry is a [[suppress]] table, see the suppress module docs (docs/REVIEW.md)",
                    e.message().trim_end()
                ),
            ))
        })?;
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for e in raw.suppress {
            let line = line_of(text, e.span().start);
            let e = e.into_inner();
            let mut bad = |field: &str, message: &str| {
                problems.push(
                    Located::new(shown, Some(line), message)
                        .about(Some(format!("field `{field}`"))),
                )
            };
            let nonempty = |v: &Option<String>| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let selector = match (
                nonempty(&e.fingerprint),
                nonempty(&e.rule),
                nonempty(&e.matched),
                nonempty(&e.account),
            ) {
                (Some(fingerprint), None, None, None) => {
                    Some(Selector::Fingerprint { fingerprint })
                }
                (None, Some(rule), Some(normalized), None) => {
                    Some(Selector::Match { rule, normalized })
                }
                (None, Some(rule), None, Some(account)) => {
                    Some(Selector::Account { rule, account })
                }
                _ => {
                    bad(
                        "fingerprint",
                        "give exactly one of: `fingerprint`; `rule` + `match`; `rule` + `account`",
                    );
                    None
                }
            };
            let reason = nonempty(&e.reason);
            if reason.is_none() {
                bad("reason", "required: say why this is not a violation");
            }
            let decided_by = nonempty(&e.decided_by);
            if decided_by.is_none() {
                bad("decided_by", "required: who decided");
            }
            let decided_at = e.decided_at.as_ref().and_then(date);
            if decided_at.is_none() {
                bad(
                    "decided_at",
                    "required: the date of the decision, YYYY-MM-DD",
                );
            }
            let expires = match &e.expires {
                None => None,
                Some(v) => {
                    let d = date(v);
                    if d.is_none() {
                        bad("expires", "not a date: write YYYY-MM-DD or leave it out");
                    }
                    d
                }
            };
            if let (Some(selector), Some(reason), Some(decided_by), Some(decided_at)) =
                (selector, reason, decided_by, decided_at)
            {
                entries.push(Suppression {
                    selector,
                    reason,
                    decided_by,
                    decided_at,
                    expires,
                    line,
                });
            }
        }
        if problems.is_empty() {
            Ok(Suppressions {
                file: shown.to_string(),
                entries,
            })
        } else {
            Err(Problems(problems))
        }
    }

    /// The index of the first entry in force on `today` that matches `f`:
    /// the one that suppresses it. Cost: one test per entry.
    pub fn position(&self, f: &Finding, today: NaiveDate) -> Option<usize> {
        self.entries
            .iter()
            .position(|s| !s.expired(today) && s.matches(f))
    }

    /// Which entries matched, which have expired, which matched nothing,
    /// from how many findings each entry matched (`used[i]` for entry `i`,
    /// as counted with [`Suppressions::position`]).
    pub fn usage_of(&self, used: Vec<usize>, today: NaiveDate) -> SuppressionUse {
        let mut u = SuppressionUse {
            used,
            ..SuppressionUse::default()
        };
        for (i, s) in self.entries.iter().enumerate() {
            if s.expired(today) {
                u.expired.push(s.describe(&self.file));
            } else if u.used[i] == 0 {
                u.unused.push(s.describe(&self.file));
            }
        }
        u
    }
}

#[cfg(test)]
mod tests {
    use super::Suppressions;

    #[test]
    fn every_problem_with_line_and_field() {
        let e = Suppressions::parse(
            "[[suppress]]\nrule = \"r\"\nreason = \"x\"\ndecided_by = \"y\"\ndecided_at = 2026-01-01\n\n[[suppress]]\nfingerprint = \"f\"\nreason = \"x\"\ndecided_by = \"y\"\ndecided_at = \"soon\"\nexpires = 5\n",
            "s.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("s.toml:1: field `fingerprint`: give exactly one of"),
            "{e}"
        );
        assert!(e.contains("s.toml:7: field `decided_at`"), "{e}");
        assert!(e.contains("s.toml:7: field `expires`"), "{e}");
        let e = Suppressions::parse("[[suppress]]\nwho = 1\n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.toml:2") && e.contains("who"), "{e}");
    }
}
