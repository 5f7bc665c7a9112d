//! The account registry: which official accounts exist, who answers for
//! them, and where their posts come from.
//!
//! The registry is a TOML file with one `[[account]]` table per account,
//! carrying the fields of the Measures' registration forms (see
//! `docs/REGISTRY.md`). Loading validates it whole and reports every
//! problem with file, line and field: unknown fields, missing required
//! fields, bad dates, duplicate ids and duplicate platform account ids.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::line_of;
use crate::model::{Account, Contact, Platform, SourceSpec};

/// A problem in the registry file: file, line, field, what to do.
pub type RegistryError = crate::error::Located;

/// Every problem found in a registry, so they can all be fixed in one go.
pub type RegistryErrors = crate::error::Problems;

/// A loaded, validated registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The accounts, in file order.
    pub accounts: Vec<Account>,
}

impl Registry {
    /// The account with registry id `id`.
    pub fn get(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

/// Reads and validates a registry file. Source paths are resolved against
/// the registry file's folder.
pub fn load(path: &Path) -> Result<Registry, RegistryErrors> {
    let shown = path.display().to_string();
    let one =
        |message: String| RegistryErrors::one(RegistryError::new(shown.clone(), None, message));
    let bytes = std::fs::read(path).map_err(|e| {
        one(format!(
            "cannot read the registry: {e}; pass the registry file with --registry (the demo's is fixtures/demo/accounts.toml)"
        ))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        one(format!(
            "not valid UTF-8 at byte {}; save the registry as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, &shown, &base).map(|accounts| Registry {
        path: path.to_path_buf(),
        accounts,
    })
}

/// Parses registry text; `shown` names the file in errors and `base` is the
/// folder relative source paths are resolved against.
pub fn parse(text: &str, shown: &str, base: &Path) -> Result<Vec<Account>, RegistryErrors> {
    let file: RawRegistry = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        RegistryErrors::one(RegistryError::new(
            shown,
            line,
            format!(
                "{}; see docs/REGISTRY.md for the registry format",
                e.message().trim_end()
            ),
        ))
    })?;
    let mut errors = Vec::new();
    let mut accounts = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut platform_ids: HashMap<(Platform, String), usize> = HashMap::new();
    if file.account.is_empty() {
        errors.push(RegistryError::new(
            shown,
            None,
            "no accounts: add one [[account]] table per official account",
        ));
    }
    for raw in file.account {
        let line = line_of(text, raw.id.span().start);
        let mut err = |l: usize, field: &str, message: String| {
            errors.push(
                RegistryError::new(shown, Some(l), message).about(Some(format!("field `{field}`"))),
            )
        };
        let id = raw.id.get_ref().trim().to_string();
        if id.is_empty() {
            err(
                line,
                "account.id",
                "is empty; give the account a short slug such as \"edu-wechat\"".into(),
            );
        } else if let Some(prev) = ids.insert(id.clone(), line) {
            err(
                line,
                "account.id",
                format!("`{id}` is already used by the account at line {prev}"),
            );
        }
        let pid_line = line_of(text, raw.platform_account_id.span().start);
        let pid = raw.platform_account_id.get_ref().trim().to_string();
        if pid.is_empty() {
            err(
                pid_line,
                "account.platform_account_id",
                "is empty; copy the account id from the platform".into(),
            );
        } else if let Some(prev) = platform_ids.insert((raw.platform, pid.clone()), pid_line) {
            err(
                pid_line,
                "account.platform_account_id",
                format!("{}:{pid} is already registered at line {prev}; each platform account is registered once", raw.platform),
            );
        }
        for (field, value) in [
            ("account.name", &raw.name),
            ("account.unit", &raw.unit),
            ("account.leader.name", &raw.leader.name),
            ("account.admin.name", &raw.admin.name),
        ] {
            if value.get_ref().trim().is_empty() {
                err(
                    line_of(text, value.span().start),
                    field,
                    "is empty; the Measures (Art. 4) require it".into(),
                );
            }
        }
        let created = match &raw.created {
            None => None,
            Some(s) => match chrono::NaiveDate::parse_from_str(s.get_ref().trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    err(
                        line_of(text, s.span().start),
                        "account.created",
                        format!(
                            "`{}` is not a date; write it as YYYY-MM-DD, e.g. 2019-03-12",
                            s.get_ref()
                        ),
                    );
                    None
                }
            },
        };
        let source = match raw.source.kind.get_ref().as_str() {
            "jsonl" => SourceSpec::Jsonl {
                path: base.join(&raw.source.path),
            },
            "csv" => SourceSpec::Csv {
                path: base.join(&raw.source.path),
            },
            other => {
                err(
                    line_of(text, raw.source.kind.span().start),
                    "account.source.kind",
                    format!("unknown source kind `{other}`; expected jsonl or csv"),
                );
                continue;
            }
        };
        accounts.push(Account {
            id,
            name: raw.name.into_inner(),
            platform: raw.platform,
            platform_account_id: pid,
            unit: raw.unit.into_inner(),
            department: raw.department,
            created,
            followers: raw.followers,
            certified: raw.certified,
            leader: raw.leader.into_contact(),
            admin: raw.admin.into_contact(),
            source,
        });
    }
    if errors.is_empty() {
        Ok(accounts)
    } else {
        Err(crate::error::Problems(errors))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    #[serde(default)]
    account: Vec<RawAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    id: Spanned<String>,
    name: Spanned<String>,
    platform: Platform,
    platform_account_id: Spanned<String>,
    unit: Spanned<String>,
    #[serde(default)]
    department: String,
    #[serde(default)]
    created: Option<Spanned<String>>,
    #[serde(default)]
    followers: Option<u64>,
    certified: bool,
    leader: RawContact,
    admin: RawContact,
    source: RawSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    name: Spanned<String>,
    #[serde(default)]
    position: String,
    #[serde(default)]
    office_phone: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    qq: String,
    #[serde(default)]
    wechat: String,
}

impl RawContact {
    fn into_contact(self) -> Contact {
        Contact {
            name: self.name.into_inner(),
            position: self.position,
            office_phone: self.office_phone,
            mobile: self.mobile,
            qq: self.qq,
            wechat: self.wechat,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    kind: Spanned<String>,
    path: String,
}
