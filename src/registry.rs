//! The account registry: which official accounts exist, who answers for
//! them, and where their posts come from.
//!
//! The registry is a TOML file with one `[[account]]` table per account,
//! carrying the fields of the Measures' registration forms (see
//! `docs/REGISTRY.md`). Loading validates it whole and reports every
//! problem with file, line and field: unknown fields, missing required
//! fields, bad dates, duplicate ids and duplicate platform account ids.
//!
//! Two readings of the same file: [`load`] is strict (what a scan needs:
//! every account has a leader and an administrator, each platform account
//! is registered once) and [`load_lenient`] keeps those gaps as data so
//! that `xunjian accounts audit` can report them as findings. An account
//! without `[account.source]` is registered but not scanned (it is in
//! [`Registry::records`], not in [`Registry::accounts`]). [`Editor`]
//! rewrites the file for `xunjian accounts import`, keeping its comments
//! and layout.

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
    /// The accounts that have a source (the ones a scan reads), in file order.
    pub accounts: Vec<Account>,
    /// Every registered account, with or without a source, in file order.
    pub records: Vec<Record>,
}

impl Registry {
    /// The account with registry id `id`.
    pub fn get(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The ids of the registered accounts without a source: not scanned
    /// until one is added.
    pub fn unsourced(&self) -> Vec<&str> {
        self.records
            .iter()
            .filter(|r| r.source.is_none())
            .map(|r| r.id.as_str())
            .collect()
    }
}

/// One account as registered (the registration form's fields), whether or
/// not xunjian can read its posts. Serialized with the same field names as
/// [`Account`], so a registry snapshot of it reads back as an
/// [`AccountRef`](crate::model::AccountRef).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Record {
    /// Short slug, unique in the registry.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Platform.
    pub platform: Platform,
    /// The platform's id for the account.
    pub platform_account_id: String,
    /// Host unit (主办单位).
    pub unit: String,
    /// Department, empty when none.
    pub department: String,
    /// Creation date.
    pub created: Option<chrono::NaiveDate>,
    /// Follower count at filing.
    pub followers: Option<u64>,
    /// Certified on its platform (认证).
    pub certified: bool,
    /// Date of the latest filing registration form (备案日期) with the
    /// Information Center, if recorded: a leader or administrator change
    /// needs a filing on or after it (Art. 4).
    pub filed: Option<chrono::NaiveDate>,
    /// Responsible leader.
    pub leader: Contact,
    /// Administrator.
    pub admin: Contact,
    /// Where its posts come from; `None`: registered, not scanned.
    #[serde(skip)]
    pub source: Option<SourceSpec>,
    /// Line of its `[[account]]` table in the registry file.
    #[serde(skip)]
    pub line: usize,
}

impl Record {
    /// The stable account key `platform:platform_account_id`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform, self.platform_account_id)
    }

    /// The account fields every finding carries.
    pub fn account_ref(&self) -> crate::model::AccountRef {
        crate::model::AccountRef {
            id: self.id.clone(),
            name: self.name.clone(),
            platform: self.platform,
            platform_account_id: self.platform_account_id.clone(),
            unit: self.unit.clone(),
            department: self.department.clone(),
            leader: self.leader.clone(),
            admin: self.admin.clone(),
        }
    }

    /// The scannable account, when it has a source.
    pub fn account(&self) -> Option<Account> {
        Some(Account {
            id: self.id.clone(),
            name: self.name.clone(),
            platform: self.platform,
            platform_account_id: self.platform_account_id.clone(),
            unit: self.unit.clone(),
            department: self.department.clone(),
            created: self.created,
            followers: self.followers,
            certified: self.certified,
            leader: self.leader.clone(),
            admin: self.admin.clone(),
            source: self.source.clone()?,
        })
    }
}

/// Reads and validates a registry file. Source paths are resolved against
/// the registry file's folder.
pub fn load(path: &Path) -> Result<Registry, RegistryErrors> {
    load_with(path, true)
}

/// Reads a registry file like [`load`] but keeps the gaps the audit reports
/// (empty leader or administrator names, a platform account registered
/// twice) instead of refusing them; format errors are still errors.
pub fn load_lenient(path: &Path) -> Result<Registry, RegistryErrors> {
    load_with(path, false)
}

fn load_with(path: &Path, strict: bool) -> Result<Registry, RegistryErrors> {
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
    parse_records(&text, &shown, &base, strict).map(|records| Registry {
        path: path.to_path_buf(),
        accounts: records.iter().filter_map(Record::account).collect(),
        records,
    })
}

/// Parses registry text strictly and returns the accounts that have a
/// source; `shown` names the file in errors and `base` is the folder
/// relative source paths are resolved against.
pub fn parse(text: &str, shown: &str, base: &Path) -> Result<Vec<Account>, RegistryErrors> {
    parse_records(text, shown, base, true)
        .map(|records| records.iter().filter_map(Record::account).collect())
}

/// Parses registry text into every registered account. `strict` refuses
/// empty leader/administrator names and platform accounts registered twice
/// (what a scan needs); without it they are kept for the audit.
pub fn parse_records(
    text: &str,
    shown: &str,
    base: &Path,
    strict: bool,
) -> Result<Vec<Record>, RegistryErrors> {
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
    let text = &LineIndex::new(text);
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
        let line = text.line(raw.id.span().start);
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
        let pid_line = text.line(raw.platform_account_id.span().start);
        let pid = raw.platform_account_id.get_ref().trim().to_string();
        if pid.is_empty() {
            err(
                pid_line,
                "account.platform_account_id",
                "is empty; copy the account id from the platform".into(),
            );
        } else if let Some(prev) = platform_ids
            .insert((raw.platform, pid.clone()), pid_line)
            .filter(|_| strict)
        {
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
            let gap = field.starts_with("account.leader") || field.starts_with("account.admin");
            if value.get_ref().trim().is_empty() && (strict || !gap) {
                err(
                    text.line(value.span().start),
                    field,
                    "is empty; the Measures (Art. 4) require it".into(),
                );
            }
        }
        let created = date_field(&raw.created, text, "account.created", &mut err);
        let filed = date_field(&raw.filed, text, "account.filed", &mut err);
        let source = match raw
            .source
            .as_ref()
            .map(|s| source_spec(s, raw.platform, &pid, text, base))
        {
            None => None,
            Some(Ok(spec)) => Some(spec),
            Some(Err(problems)) => {
                for (l, field, message) in problems {
                    err(l, &format!("account.source.{field}"), message);
                }
                continue;
            }
        };
        accounts.push(Record {
            id,
            name: raw.name.into_inner(),
            platform: raw.platform,
            platform_account_id: pid,
            unit: raw.unit.into_inner(),
            department: raw.department,
            created,
            followers: raw.followers,
            certified: raw.certified,
            filed,
            leader: raw.leader.into_contact(),
            admin: raw.admin.into_contact(),
            source,
            line,
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
    #[serde(default)]
    filed: Option<Spanned<String>>,
    leader: RawContact,
    admin: RawContact,
    #[serde(default)]
    source: Option<RawSource>,
}

/// Parses an optional `YYYY-MM-DD` field, reporting a bad one through `err`.
fn date_field(
    value: &Option<Spanned<String>>,
    text: &LineIndex,
    field: &str,
    err: &mut impl FnMut(usize, &str, String),
) -> Option<chrono::NaiveDate> {
    let s = value.as_ref()?;
    match chrono::NaiveDate::parse_from_str(s.get_ref().trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            err(
                text.line(s.span().start),
                field,
                format!(
                    "`{}` is not a date; write it as YYYY-MM-DD, e.g. 2019-03-12",
                    s.get_ref()
                ),
            );
            None
        }
    }
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
    text: &LineIndex,
    base: &Path,
) -> Result<SourceSpec, Vec<SourceProblem>> {
    let kind_line = text.line(raw.kind.span().start);
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
                .map(|u| (text.line(u.span().start), u.get_ref().text())),
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

fn spanned(text: &LineIndex, v: &Option<Spanned<String>>) -> Option<(usize, String)> {
    v.as_ref()
        .map(|s| (text.line(s.span().start), s.get_ref().trim().to_string()))
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

/// The line numbers of byte offsets in one text, each found by binary
/// search over the newline offsets (one pass to build), so validating a
/// registry of thousands of accounts stays linear.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The 1-based line of byte `offset`, as [`line_of`] counts it.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// A value written into the registry by [`Editor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A string (names, phones, `YYYY-MM-DD` dates).
    Str(String),
    /// A count (followers).
    Int(u64),
    /// A flag (certified).
    Bool(bool),
}

impl FieldValue {
    fn to_toml(&self) -> toml_edit::Value {
        match self {
            FieldValue::Str(s) => s.as_str().into(),
            FieldValue::Int(n) => (*n as i64).into(),
            FieldValue::Bool(b) => (*b).into(),
        }
    }
}

/// Edits a registry file in place for `xunjian accounts import`: sets
/// fields of existing accounts and appends new `[[account]]` tables,
/// keeping every comment, blank line and field it does not touch (the
/// source tables in particular). Cost: one parse and one print of the file.
pub struct Editor {
    doc: toml_edit::DocumentMut,
    /// Index of each account id's table, built once.
    ids: HashMap<String, usize>,
}

impl Editor {
    /// Parses registry text (an empty string starts a new registry).
    pub fn new(text: &str, shown: &str) -> Result<Editor, RegistryErrors> {
        let doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let line = e.span().map(|s| line_of(text, s.start));
            RegistryErrors::one(RegistryError::new(
                shown,
                line,
                format!("{}; see docs/REGISTRY.md", e.message().trim_end()),
            ))
        })?;
        let mut editor = Editor {
            doc,
            ids: HashMap::new(),
        };
        let ids = editor
            .tables()
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((t.get("id")?.as_str()?.to_string(), i)))
            .collect();
        editor.ids = ids;
        Ok(editor)
    }

    fn tables(&mut self) -> &mut toml_edit::ArrayOfTables {
        if !self.doc.contains_key("account") {
            self.doc
                .insert("account", toml_edit::ArrayOfTables::new().into());
        }
        self.doc["account"]
            .as_array_of_tables_mut()
            .expect("`account` is an array of tables in a registry that loaded")
    }

    /// Sets `path` (`["name"]` or `["leader", "mobile"]`) of the account
    /// with registry id `id`, keeping the comment after the old value.
    /// False when there is no such account.
    pub fn set(&mut self, id: &str, path: &[&str], value: &FieldValue) -> bool {
        let Some(&at) = self.ids.get(id) else {
            return false;
        };
        let Some(table) = self.tables().get_mut(at) else {
            return false;
        };
        let mut target: &mut dyn toml_edit::TableLike = table;
        for part in &path[..path.len() - 1] {
            if target.get(part).is_none() {
                let mut sub = toml_edit::Table::new();
                sub.set_implicit(false);
                target.insert(part, toml_edit::Item::Table(sub));
            }
            match target.get_mut(part).and_then(|i| i.as_table_like_mut()) {
                Some(t) => target = t,
                None => return false,
            }
        }
        let key = path[path.len() - 1];
        let mut new = value.to_toml();
        if let Some(old) = target.get(key).and_then(|i| i.as_value()) {
            *new.decor_mut() = old.decor().clone();
        }
        target.insert(key, toml_edit::Item::Value(new));
        true
    }

    /// Appends a new `[[account]]` table with `fields` in order (paths of
    /// one or two parts, as in [`Editor::set`]), preceded by `comment`
    /// lines.
    pub fn add(&mut self, comment: &[String], fields: &[(Vec<&str>, FieldValue)]) {
        let mut table = toml_edit::Table::new();
        let mut prefix = String::from("\n");
        for c in comment {
            prefix.push_str(&format!("# {c}\n"));
        }
        table.decor_mut().set_prefix(prefix);
        for (path, value) in fields {
            match path.as_slice() {
                [key] => {
                    table.insert(key, toml_edit::value(value.to_toml()));
                }
                [sub, key] => {
                    if !table.contains_key(sub) {
                        table.insert(sub, toml_edit::Item::Table(toml_edit::Table::new()));
                    }
                    if let Some(t) = table[*sub].as_table_mut() {
                        t.insert(key, toml_edit::value(value.to_toml()));
                    }
                }
                _ => {}
            }
        }
        let id = table.get("id").and_then(|v| v.as_str()).map(str::to_string);
        let tables = self.tables();
        tables.push(table);
        let at = tables.len() - 1;
        if let Some(id) = id {
            self.ids.insert(id, at);
        }
    }

    /// The edited registry text.
    pub fn text(&self) -> String {
        self.doc.to_string()
    }
}

/// Writes registry text to `path` atomically (temporary file in the same
/// folder, synced, renamed), so a crash leaves the old registry or the new
/// one, never half of one.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    crate::report::write_atomic(path, |out| out.write_all(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_line_of() {
        let text = "a\nbc\n\nd";
        let idx = LineIndex::new(text);
        for off in 0..=text.len() + 2 {
            assert_eq!(idx.line(off), line_of(text, off), "offset {off}");
        }
    }
}
