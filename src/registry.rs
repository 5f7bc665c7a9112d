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
        let source = match source_spec(&raw.source, raw.platform, &pid, text, base) {
            Ok(spec) => spec,
            Err(problems) => {
                for (l, field, message) in problems {
                    err(l, &format!("account.source.{field}"), message);
                }
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
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    app_id_env: Option<Spanned<String>>,
    #[serde(default)]
    app_secret_env: Option<Spanned<String>>,
    #[serde(default)]
    access_token_env: Option<Spanned<String>>,
    #[serde(default)]
    token_env: Option<Spanned<String>>,
    #[serde(default)]
    uid: Option<Spanned<StrOrInt>>,
    #[serde(default)]
    base_url: Option<Spanned<String>>,
    #[serde(default)]
    url: Option<Spanned<String>>,
}

/// A value written as a string or a bare integer (a Weibo uid).
#[derive(Deserialize)]
#[serde(untagged)]
enum StrOrInt {
    Str(String),
    Int(i64),
}

impl StrOrInt {
    fn text(&self) -> String {
        match self {
            StrOrInt::Str(s) => s.trim().to_string(),
            StrOrInt::Int(i) => i.to_string(),
        }
    }
}

/// The source kinds and the fields each takes (required first).
const SOURCE_KINDS: [(&str, &[&str], &[&str]); 6] = [
    ("jsonl", &["path"], &[]),
    ("csv", &["path"], &[]),
    ("wechat", &["app_id_env", "app_secret_env"], &["base_url"]),
    ("weibo", &["access_token_env"], &["uid", "base_url"]),
    ("feed", &["url"], &[]),
    ("json_api", &["base_url"], &["token_env"]),
];

/// The default API base URLs.
pub const WECHAT_BASE_URL: &str = "https://api.weixin.qq.com";
/// The default Weibo API base URL.
pub const WEIBO_BASE_URL: &str = "https://api.weibo.com";

/// One problem in `[account.source]`: line, field (without the
/// `account.source.` prefix), message.
type SourceProblem = (usize, &'static str, String);

/// Builds and validates an account's source from its `[account.source]`
/// table: the fields its kind requires, no field it does not use,
/// environment variable NAMES (never values), well-formed URLs.
fn source_spec(
    raw: &RawSource,
    platform: Platform,
    platform_account_id: &str,
    text: &str,
    base: &Path,
) -> Result<SourceSpec, Vec<SourceProblem>> {
    let kind_line = line_of(text, raw.kind.span().start);
    let kind = raw.kind.get_ref().trim();
    let Some((_, required, optional)) = SOURCE_KINDS.iter().find(|(k, _, _)| *k == kind) else {
        let all: Vec<&str> = SOURCE_KINDS.iter().map(|(k, _, _)| *k).collect();
        return Err(vec![(
            kind_line,
            "kind",
            format!(
                "unknown source kind `{kind}`; expected one of {} (see docs/REGISTRY.md)",
                all.join(", ")
            ),
        )]);
    };
    let fields: [(&'static str, Option<(usize, String)>); 8] = [
        ("path", spanned(text, &raw.path)),
        ("app_id_env", spanned(text, &raw.app_id_env)),
        ("app_secret_env", spanned(text, &raw.app_secret_env)),
        ("access_token_env", spanned(text, &raw.access_token_env)),
        ("token_env", spanned(text, &raw.token_env)),
        (
            "uid",
            raw.uid
                .as_ref()
                .map(|u| (line_of(text, u.span().start), u.get_ref().text())),
        ),
        ("base_url", spanned(text, &raw.base_url)),
        ("url", spanned(text, &raw.url)),
    ];
    let mut problems = Vec::new();
    let takes = required
        .iter()
        .chain(optional.iter())
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    for (name, value) in &fields {
        if let Some((line, _)) = value {
            if !required.contains(name) && !optional.contains(name) {
                problems.push((
                    *line,
                    *name,
                    format!(
                        "is not used by kind `{kind}`; remove it (kind `{kind}` takes {takes})"
                    ),
                ));
            }
        }
    }
    for name in required.iter() {
        let present = fields
            .iter()
            .any(|(n, v)| n == name && v.as_ref().is_some_and(|(_, s)| !s.is_empty()));
        if !present {
            let field = fields.iter().find(|(n, _)| n == name).map(|(n, _)| *n);
            problems.push((
                kind_line,
                field.unwrap_or("kind"),
                format!("is missing: kind `{kind}` needs {}", field_hint(name)),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let get = |name: &str| -> Option<(usize, String)> {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
    };
    let mut env = |name: &'static str| -> Option<String> {
        let (line, value) = get(name)?;
        match env_name_problem(&value) {
            None => Some(value),
            Some(m) => {
                problems.push((line, name, m));
                None
            }
        }
    };
    let spec = match kind {
        "jsonl" | "csv" => {
            let path = base.join(get("path").map(|(_, p)| p).unwrap_or_default());
            if kind == "jsonl" {
                SourceSpec::Jsonl { path }
            } else {
                SourceSpec::Csv { path }
            }
        }
        "wechat" => {
            let app_id_env = env("app_id_env");
            let app_secret_env = env("app_secret_env");
            if platform != Platform::Wechat {
                problems.push((
                    kind_line,
                    "kind",
                    format!("kind `wechat` reads WeChat accounts, but this account's platform is `{platform}`; use kind = \"feed\" for a mirror of it"),
                ));
            }
            let base_url = checked_url(&mut problems, get("base_url"), "base_url", false)
                .unwrap_or_else(|| WECHAT_BASE_URL.to_string());
            SourceSpec::Wechat {
                app_id_env: app_id_env.unwrap_or_default(),
                app_secret_env: app_secret_env.unwrap_or_default(),
                base_url,
            }
        }
        "weibo" => {
            let access_token_env = env("access_token_env");
            if platform != Platform::Weibo {
                problems.push((
                    kind_line,
                    "kind",
                    format!("kind `weibo` reads Weibo accounts, but this account's platform is `{platform}`; use kind = \"feed\" for a mirror of it"),
                ));
            }
            let (uid_line, uid) =
                get("uid").unwrap_or((kind_line, platform_account_id.to_string()));
            if uid.is_empty() || !uid.bytes().all(|b| b.is_ascii_digit()) {
                problems.push((
                    uid_line,
                    "uid",
                    format!("`{uid}` is not a Weibo uid; give the number from weibo.com/u/<uid> (it defaults to platform_account_id)"),
                ));
            }
            let base_url = checked_url(&mut problems, get("base_url"), "base_url", false)
                .unwrap_or_else(|| WEIBO_BASE_URL.to_string());
            SourceSpec::Weibo {
                uid,
                access_token_env: access_token_env.unwrap_or_default(),
                base_url,
            }
        }
        "feed" => {
            let url = get("url").map(|(line, u)| (line, resolve_file_url(&u, base)));
            SourceSpec::Feed {
                url: checked_url(&mut problems, url, "url", true).unwrap_or_default(),
            }
        }
        _ => {
            let token_env = env("token_env");
            SourceSpec::JsonApi {
                base_url: checked_url(&mut problems, get("base_url"), "base_url", false)
                    .unwrap_or_default(),
                token_env,
            }
        }
    };
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}

fn spanned(text: &str, v: &Option<Spanned<String>>) -> Option<(usize, String)> {
    v.as_ref().map(|s| {
        (
            line_of(text, s.span().start),
            s.get_ref().trim().to_string(),
        )
    })
}

/// What a required source field should hold, for "is missing" errors.
fn field_hint(name: &str) -> &'static str {
    match name {
        "path" => "the export's path, e.g. path = \"posts/edu-wechat.jsonl\"",
        "app_id_env" => {
            "the NAME of the environment variable holding the AppID, e.g. app_id_env = \"XJ_EDU_WECHAT_APPID\""
        }
        "app_secret_env" => {
            "the NAME of the environment variable holding the AppSecret, e.g. app_secret_env = \"XJ_EDU_WECHAT_SECRET\""
        }
        "access_token_env" => {
            "the NAME of the environment variable holding the account owner's access token, e.g. access_token_env = \"XJ_EDU_WEIBO_TOKEN\""
        }
        "url" => "the feed's URL, e.g. url = \"https://rsshub.example.gov.cn/toutiao/user/token/MS4wLj…\"",
        "base_url" => "the API's URL, e.g. base_url = \"https://app.example.gov.cn/api/xunjian/items\"",
        _ => "a value",
    }
}

/// Why `name` is not an environment variable NAME, if it is not. The value
/// is never echoed: it may be a secret pasted in by mistake.
fn env_name_problem(name: &str) -> Option<String> {
    let valid = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let looks_secret = name.len() >= 20
        && !name.contains('_')
        && name.bytes().any(|b| b.is_ascii_digit())
        && name.bytes().any(|b| b.is_ascii_alphabetic());
    if !valid || looks_secret {
        Some(
            "is not an environment variable NAME (letters, digits and _, not starting with a digit); \
             the registry names the variable, the secret itself goes in the environment \
             (the value is not shown here in case it is a secret)"
                .into(),
        )
    } else {
        None
    }
}

/// A registry-relative `file:` URL (`file:posts/feed.xml`) made absolute
/// against the registry's folder; anything else unchanged.
fn resolve_file_url(url: &str, base: &Path) -> String {
    match url.strip_prefix("file:") {
        Some(rest) if !rest.starts_with('/') && !rest.is_empty() => {
            let joined = base.join(rest);
            let path = std::path::absolute(&joined).unwrap_or(joined);
            url::Url::from_file_path(&path)
                .map(|u| u.to_string())
                .unwrap_or_else(|_| url.to_string())
        }
        _ => url.to_string(),
    }
}

/// A validated URL with any trailing slash removed: http(s) with a host
/// (and `file:` when `file_ok`), no password in it.
fn checked_url(
    problems: &mut Vec<SourceProblem>,
    value: Option<(usize, String)>,
    field: &'static str,
    file_ok: bool,
) -> Option<String> {
    let (line, value) = value?;
    let shown = crate::source::net::secret::redact_url(&value);
    let problem = match url::Url::parse(&value) {
        Err(e) => Some(format!(
            "`{shown}` is not a valid URL ({e}); write it in full, e.g. https://host/path"
        )),
        Ok(u) if u.scheme() == "file" && file_ok => None,
        Ok(u) if !matches!(u.scheme(), "http" | "https") => Some(format!(
            "`{shown}` must start with http:// or https://{}",
            if file_ok { " (or file:)" } else { "" }
        )),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Some(format!("`{shown}` has no host")),
        Ok(u) if u.password().is_some() => Some(
            "must not carry a password; put credentials in the environment (the URL is not shown)"
                .into(),
        ),
        Ok(_) => None,
    };
    match problem {
        Some(m) => {
            problems.push((line, field, m));
            None
        }
        None if field == "base_url" => Some(value.trim_end_matches('/').to_string()),
        None => Some(value),
    }
}
