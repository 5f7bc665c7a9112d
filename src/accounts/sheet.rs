//! Reading the registration-form spreadsheet (the Measures' annex columns,
//! Chinese headers) exported as CSV: encoding detection, header mapping
//! with the synonyms units use, and validation of every row. Every bad row
//! is reported as `FILE:LINE: column 列名: what is wrong — what to do`.
//! Pure: bytes in, rows and problems out.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

use super::phone;
use crate::model::Platform;

/// Whose contact a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The responsible leader (负责人/主管领导).
    Leader,
    /// The back-end administrator (管理员).
    Admin,
}

impl Role {
    /// `leader` or `admin`, as in the registry.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Leader => "负责人",
            Role::Admin => "管理员",
        }
    }
}

/// One of a contact's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactField {
    /// Name.
    Name,
    /// 职务.
    Position,
    /// 办公电话.
    OfficePhone,
    /// 手机号码.
    Mobile,
    /// QQ.
    Qq,
    /// 微信号.
    Wechat,
}

impl ContactField {
    /// The registry field name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactField::Name => "name",
            ContactField::Position => "position",
            ContactField::OfficePhone => "office_phone",
            ContactField::Mobile => "mobile",
            ContactField::Qq => "qq",
            ContactField::Wechat => "wechat",
        }
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            ContactField::Name => "姓名",
            ContactField::Position => "职务",
            ContactField::OfficePhone => "办公电话",
            ContactField::Mobile => "手机号码",
            ContactField::Qq => "QQ",
            ContactField::Wechat => "微信号",
        }
    }
}

/// What a column of the sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// 名称.
    Name,
    /// 平台.
    Platform,
    /// 账号ID.
    PlatformAccountId,
    /// 主办单位.
    Unit,
    /// 部门.
    Department,
    /// 创建时间.
    Created,
    /// 关注人数.
    Followers,
    /// 是否认证.
    Certified,
    /// 备案日期 (latest filing registration form).
    Filed,
    /// A leader's or administrator's field.
    Contact(Role, ContactField),
    /// A column the form has but the registry does not keep (序号, 二维码, 备注…).
    Ignored,
}

const NAME: &[&str] = &[
    "名称",
    "账号名称",
    "帐号名称",
    "媒体名称",
    "平台名称",
    "媒体平台名称",
    "新媒体名称",
    "公众号名称",
];
const PLATFORM: &[&str] = &[
    "平台",
    "平台类型",
    "媒体类型",
    "类型",
    "所属平台",
    "platform",
];
const PID: &[&str] = &[
    "账号id",
    "帐号id",
    "账号",
    "帐号",
    "平台账号",
    "平台账号id",
    "原始id",
    "uid",
    "platform_account_id",
];
const UNIT: &[&str] = &["主办单位", "单位", "所属单位", "单位名称"];
const DEPARTMENT: &[&str] = &["部门", "所属部门", "科室", "承办部门"];
const CREATED: &[&str] = &[
    "创建时间",
    "创建日期",
    "开通时间",
    "开通日期",
    "注册时间",
    "注册日期",
];
const FOLLOWERS: &[&str] = &[
    "关注人数",
    "关注数",
    "粉丝数",
    "粉丝数量",
    "粉丝量",
    "订阅数",
    "关注量",
];
const CERTIFIED: &[&str] = &["是否认证", "认证", "认证情况", "认证状态", "是否已认证"];
const FILED: &[&str] = &[
    "备案日期",
    "变更备案日期",
    "备案时间",
    "备案登记日期",
    "最近备案日期",
];
const LEADER: &[&str] = &["负责人", "主管领导", "分管领导", "负责领导", "责任领导"];
const ADMIN: &[&str] = &["管理员", "后台管理员"];
const IGNORED: &[&str] = &[
    "id",
    "巡检来源",
    "序号",
    "编号",
    "二维码",
    "备注",
    "用途",
    "宗旨",
    "申请日期",
    "说明",
    "发布内容",
    "内容范围",
];
const CONTACT: &[(&str, ContactField)] = &[
    ("姓名", ContactField::Name),
    ("职务", ContactField::Position),
    ("职位", ContactField::Position),
    ("办公电话", ContactField::OfficePhone),
    ("座机", ContactField::OfficePhone),
    ("电话", ContactField::OfficePhone),
    ("手机号码", ContactField::Mobile),
    ("手机号", ContactField::Mobile),
    ("手机", ContactField::Mobile),
    ("移动电话", ContactField::Mobile),
    ("qq号码", ContactField::Qq),
    ("qq号", ContactField::Qq),
    ("qq", ContactField::Qq),
    ("微信号", ContactField::Wechat),
    ("微信", ContactField::Wechat),
    ("微信id", ContactField::Wechat),
];

/// The header as compared: no spaces, no `*` marks, no parenthesised
/// notes (`手机号码（必填）`), ASCII lowercase.
fn normalize_header(h: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in h.trim().trim_start_matches('\u{feff}').chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            ' ' | '\u{3000}' | '*' | '＊' | ':' | '：' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// What a header means; `person` is whose name column came last (a bare
/// 职务/手机号码 column belongs to that person, as on the form).
fn target_of(h: &str, person: Option<Role>) -> Result<Target, String> {
    let is = |list: &[&str]| list.contains(&h);
    Ok(if is(NAME) {
        Target::Name
    } else if is(PLATFORM) {
        Target::Platform
    } else if is(PID) {
        Target::PlatformAccountId
    } else if is(UNIT) {
        Target::Unit
    } else if is(DEPARTMENT) {
        Target::Department
    } else if is(CREATED) {
        Target::Created
    } else if is(FOLLOWERS) {
        Target::Followers
    } else if is(CERTIFIED) {
        Target::Certified
    } else if is(FILED) {
        Target::Filed
    } else if is(IGNORED) {
        Target::Ignored
    } else {
        for (role, prefixes) in [(Role::Leader, LEADER), (Role::Admin, ADMIN)] {
            for p in prefixes {
                if let Some(rest) = h.strip_prefix(p) {
                    if rest.is_empty() {
                        return Ok(Target::Contact(role, ContactField::Name));
                    }
                    if let Some((_, f)) = CONTACT.iter().find(|(n, _)| *n == rest) {
                        return Ok(Target::Contact(role, *f));
                    }
                }
            }
        }
        match CONTACT.iter().find(|(n, _)| *n == h) {
            Some((_, ContactField::Name)) | None => return Err("unknown".into()),
            Some((_, f)) => match person {
                Some(role) => Target::Contact(role, *f),
                None => {
                    return Err(
                        "comes before any 负责人 or 管理员姓名 column, so it is not clear whose it is; \
                         move it after the person's name column or name it 负责人手机号码 / 管理员手机号码"
                            .into(),
                    )
                }
            },
        }
    })
}

/// The columns a sheet must have.
const REQUIRED: &[(Target, &str)] = &[
    (Target::Name, "名称"),
    (Target::Platform, "平台"),
    (Target::PlatformAccountId, "账号ID"),
    (Target::Unit, "主办单位"),
    (Target::Contact(Role::Leader, ContactField::Name), "负责人"),
    (
        Target::Contact(Role::Admin, ContactField::Name),
        "管理员姓名",
    ),
];

/// A contact as given in one row; `None`: the cell is empty or the column
/// absent (the registry keeps what it has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetContact {
    /// Name.
    pub name: Option<String>,
    /// 职务.
    pub position: Option<String>,
    /// 办公电话.
    pub office_phone: Option<String>,
    /// 手机号码 (11 digits).
    pub mobile: Option<String>,
    /// QQ.
    pub qq: Option<String>,
    /// 微信号.
    pub wechat: Option<String>,
}

impl SheetContact {
    /// The value of `field`, if given.
    pub fn get(&self, field: ContactField) -> Option<&String> {
        match field {
            ContactField::Name => self.name.as_ref(),
            ContactField::Position => self.position.as_ref(),
            ContactField::OfficePhone => self.office_phone.as_ref(),
            ContactField::Mobile => self.mobile.as_ref(),
            ContactField::Qq => self.qq.as_ref(),
            ContactField::Wechat => self.wechat.as_ref(),
        }
    }

    fn slot(&mut self, field: ContactField) -> &mut Option<String> {
        match field {
            ContactField::Name => &mut self.name,
            ContactField::Position => &mut self.position,
            ContactField::OfficePhone => &mut self.office_phone,
            ContactField::Mobile => &mut self.mobile,
            ContactField::Qq => &mut self.qq,
            ContactField::Wechat => &mut self.wechat,
        }
    }
}

/// One valid row: an account as the sheet gives it. Optional fields are
/// `None` when the cell is empty or the column absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Line of the row in the file (1-based; the header is line 1).
    pub line: usize,
    /// 名称.
    pub name: String,
    /// 平台.
    pub platform: Platform,
    /// 账号ID.
    pub platform_account_id: String,
    /// 主办单位.
    pub unit: String,
    /// 部门.
    pub department: Option<String>,
    /// 创建时间.
    pub created: Option<NaiveDate>,
    /// 关注人数.
    pub followers: Option<u64>,
    /// 是否认证.
    pub certified: Option<bool>,
    /// 备案日期.
    pub filed: Option<NaiveDate>,
    /// 负责人.
    pub leader: SheetContact,
    /// 管理员.
    pub admin: SheetContact,
}

impl SheetRow {
    /// The account key `platform:platform_account_id`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform, self.platform_account_id)
    }
}

/// One problem of the sheet: the line, the column as headed in the file
/// (empty for the whole row), what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// Column header as written in the file.
    pub column: String,
    /// What is wrong — what to do.
    pub message: String,
}

impl Problem {
    /// The problem as `FILE:LINE: column 列名: message`.
    pub fn show(&self, file: &str) -> String {
        if self.column.is_empty() {
            format!("{file}:{}: {}", self.line, self.message)
        } else {
            format!(
                "{file}:{}: column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

/// A sheet that cannot be read at all (encoding, header), with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError(pub String);

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A read sheet: the valid rows and every problem of the others.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The text encoding found (`UTF-8` or `GB18030`).
    pub encoding: &'static str,
    /// The rows that passed validation, in file order.
    pub rows: Vec<SheetRow>,
    /// Every problem, in file order; a row with any problem is not in `rows`.
    pub problems: Vec<Problem>,
    /// The 是否认证 column's header as written, empty when there is none.
    pub certified_column: String,
}

/// Decodes the file: UTF-8 (a BOM is dropped) when it is valid UTF-8,
/// otherwise GB18030 (what Excel writes on Chinese Windows).
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), SheetError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(SheetError(
            "is an Excel workbook, not CSV; open it and save it as \"CSV UTF-8 (逗号分隔)\" (文件 → 另存为), then import the .csv".into(),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(SheetError(
            "is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8 (逗号分隔)\" or plain CSV".into(),
        ));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok((s.to_string(), "UTF-8"));
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(s) => Ok((s.into_owned(), "GB18030")),
        None => Err(SheetError(
            "is neither UTF-8 nor GB18030 text; save the sheet as CSV from Excel or WPS".into(),
        )),
    }
}

/// Parses a date as units write it: `2023-05-01`, `2023/5/1`, `2023.5.1`,
/// `2023年5月1日`, `20230501`, an Excel day number, with any time after it.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = phone::fold(s);
    let t = t.split([' ', 'T']).next().unwrap_or("");
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    if t.len() == 5 && t.chars().all(|c| c.is_ascii_digit()) {
        // An Excel serial day (1900 date system), e.g. 45047 = 2023-05-01.
        let n: i64 = t.parse().ok()?;
        if (20000..80000).contains(&n) {
            return NaiveDate::from_ymd_opt(1899, 12, 30)?
                .checked_add_signed(chrono::Duration::days(n));
        }
        return None;
    }
    let t = t.trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return None;
    }
    let n = |p: &str| {
        p.parse::<u32>()
            .ok()
            .filter(|_| !p.is_empty() && p.len() <= 4)
    };
    NaiveDate::from_ymd_opt(n(parts[0])? as i32, n(parts[1])?, n(parts[2])?)
}

/// Parses a platform label: 微信公众号/微信/公众号 → wechat, 微博/新浪微博 →
/// weibo, 头条号/今日头条 → toutiao, APP/客户端 → app, or the identifiers.
pub fn parse_platform(s: &str) -> Option<Platform> {
    let t: String = phone::fold(s)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some(match t.as_str() {
        "微信公众号" | "微信" | "公众号" | "微信公众平台" | "微信服务号" | "微信订阅号"
        | "wechat" => Platform::Wechat,
        "微博" | "新浪微博" | "官方微博" | "weibo" => Platform::Weibo,
        "头条号" | "今日头条" | "头条" | "toutiao" => Platform::Toutiao,
        "app" | "客户端" | "移动客户端" | "手机客户端" | "移动应用" | "手机app" => {
            Platform::App
        }
        _ => return None,
    })
}

fn parse_certified(s: &str) -> Option<bool> {
    let t = phone::fold(s).to_lowercase();
    Some(match t.as_str() {
        "是" | "已认证" | "认证" | "已" | "有" | "y" | "yes" | "true" | "1" | "√" | "✓" | "✔" => {
            true
        }
        "否" | "未认证" | "无" | "未" | "没有" | "n" | "no" | "false" | "0" | "×" | "✗" | "x" => {
            false
        }
        _ => return None,
    })
}

fn parse_followers(s: &str) -> Result<u64, String> {
    let t: String = phone::fold(s)
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '，'))
        .collect();
    if let Some(w) = t.strip_suffix('万') {
        if let Ok(v) = w.parse::<f64>() {
            if v >= 0.0 && v.is_finite() {
                return Ok((v * 10_000.0).round() as u64);
            }
        }
    }
    t.parse::<u64>().map_err(|_| {
        format!("“{s}” is not a count — write a whole number such as 41800 (1.2万 is accepted too)")
    })
}

/// Reads the sheet from the file's bytes. A file-level problem (encoding,
/// unknown or missing columns) is an `Err`; row problems are collected in
/// [`Sheet::problems`].
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let (text, encoding) = decode(bytes)?;
    // Excel writes CRLF; the csv reader counts lines by LF only after a
    // record, so fold CRLF for exact line numbers.
    let text = text.replace("\r\n", "\n");
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records().peekable();
    // A form often has a title row (某市新媒体平台登记表) above its header:
    // skip leading rows until one names at least three registration columns.
    let mut skipped = 0;
    while skipped < 5 {
        let looks_like_header = match records.peek() {
            Some(Ok(r)) => {
                r.iter()
                    .filter(|h| {
                        matches!(target_of(&normalize_header(h), Some(Role::Leader)), Ok(t) if t != Target::Ignored)
                    })
                    .count()
                    >= 3
            }
            _ => true,
        };
        if looks_like_header {
            break;
        }
        records.next();
        skipped += 1;
    }
    if skipped == 5 {
        return Err(SheetError(
            "line 1: no header row in the first 5 lines (名称, 平台, 账号ID, 主办单位, 负责人, 管理员姓名…); export the registration sheet with its header row".into(),
        ));
    }
    let header_line = skipped + 1;
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(SheetError(format!(
                "line {header_line}: cannot read the header row: {e}"
            )))
        }
        None => {
            return Err(SheetError(
                "is empty; export the registration sheet with its header row".into(),
            ))
        }
    };
    let mut columns: Vec<(Target, String)> = Vec::new();
    let mut unknown = Vec::new();
    let mut person = None;
    let mut seen: HashMap<Target, String> = HashMap::new();
    let mut dup = Vec::new();
    for h in header.iter() {
        let shown = h.trim().trim_start_matches('\u{feff}').to_string();
        let norm = normalize_header(h);
        if norm.is_empty() {
            columns.push((Target::Ignored, shown));
            continue;
        }
        match target_of(&norm, person) {
            Ok(t) => {
                if let Target::Contact(role, ContactField::Name) = t {
                    person = Some(role);
                }
                // A bare 职务/手机号码 column is shown with whose it is.
                let bare = CONTACT.iter().any(|(n, _)| *n == norm);
                let shown = match t {
                    Target::Contact(role, _) if bare => format!("{shown}（{}）", role.label_zh()),
                    _ => shown,
                };
                if t != Target::Ignored {
                    if let Some(prev) = seen.insert(t, shown.clone()) {
                        dup.push(format!("“{shown}” repeats “{prev}”"));
                    }
                }
                columns.push((t, shown));
            }
            Err(why) if why == "unknown" => unknown.push(format!("“{shown}”")),
            Err(why) => unknown.push(format!("“{shown}” {why}")),
        }
    }
    let mut file_problems = Vec::new();
    if !unknown.is_empty() {
        file_problems.push(format!(
            "line {header_line}: unknown column {} — rename it to a registration-form column (名称, 平台, 账号ID, 主办单位, 部门, 创建时间, 关注人数, 是否认证, 备案日期, 负责人, 职务, 办公电话, 手机号码, 管理员姓名, 职务, 办公电话, 手机号码, QQ, 微信号) or delete it; see docs/REGISTRY.md",
            unknown.join(", ")
        ));
    }
    if !dup.is_empty() {
        file_problems.push(format!(
            "line {header_line}: column {} — keep one of them",
            dup.join(", ")
        ));
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|(t, _)| !seen.contains_key(t))
        .map(|(_, n)| *n)
        .collect();
    if !missing.is_empty() {
        file_problems.push(format!(
            "line {header_line}: missing column {} — the registration form (Measures Art. 4) needs it; add the column",
            missing.join(", ")
        ));
    }
    if !file_problems.is_empty() {
        return Err(SheetError(file_problems.join("\n")));
    }
    let mut sheet = Sheet {
        encoding,
        certified_column: seen.get(&Target::Certified).cloned().unwrap_or_default(),
        ..Sheet::default()
    };
    let mut keys: HashMap<String, usize> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                sheet.problems.push(Problem {
                    line,
                    column: String::new(),
                    message: format!("cannot read the row: {e} — check its quotes"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(row) = read_row(&record, &columns, line, &mut sheet.problems) {
            match keys.get(&row.key()) {
                Some(first) => sheet.problems.push(Problem {
                    line,
                    column: column_name(&columns, Target::PlatformAccountId),
                    message: format!(
                        "{} {} is already on line {first} — keep one row per account",
                        row.platform.label_zh(),
                        row.platform_account_id
                    ),
                }),
                None => {
                    keys.insert(row.key(), line);
                    sheet.rows.push(row);
                }
            }
        }
    }
    Ok(sheet)
}

fn column_name(columns: &[(Target, String)], t: Target) -> String {
    columns
        .iter()
        .find(|(c, _)| *c == t)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

fn read_row(
    record: &csv::StringRecord,
    columns: &[(Target, String)],
    line: usize,
    problems: &mut Vec<Problem>,
) -> Option<SheetRow> {
    let mut ok = true;
    let mut bad = |column: &str, message: String| {
        problems.push(Problem {
            line,
            column: column.to_string(),
            message,
        });
    };
    let mut name = None;
    let mut platform = None;
    let mut pid = None;
    let mut unit = None;
    let mut row_fields = SheetRow {
        line,
        name: String::new(),
        platform: Platform::Wechat,
        platform_account_id: String::new(),
        unit: String::new(),
        department: None,
        created: None,
        followers: None,
        certified: None,
        filed: None,
        leader: SheetContact::default(),
        admin: SheetContact::default(),
    };
    for (i, (target, header)) in columns.iter().enumerate() {
        let raw = record.get(i).unwrap_or("");
        let cell = raw.trim().trim_start_matches('\'').trim();
        let required = REQUIRED.iter().any(|(t, _)| t == target);
        if cell.is_empty() {
            if required {
                ok = false;
                bad(
                    header,
                    "is empty — the registration form (Measures Art. 4) requires it; fill it in"
                        .into(),
                );
            }
            continue;
        }
        match target {
            Target::Name => name = Some(cell.to_string()),
            Target::Unit => unit = Some(cell.to_string()),
            Target::Department => row_fields.department = Some(cell.to_string()),
            Target::PlatformAccountId => pid = Some(phone::fold(cell)),
            Target::Platform => match parse_platform(cell) {
                Some(p) => platform = Some(p),
                None => {
                    ok = false;
                    bad(header, format!("“{cell}” is not a platform xunjian knows — write 微信公众号, 微博, 头条号 or 客户端 (APP)"));
                }
            },
            Target::Created | Target::Filed => match parse_date(cell) {
                Some(d) if *target == Target::Created => row_fields.created = Some(d),
                Some(d) => row_fields.filed = Some(d),
                None => {
                    ok = false;
                    bad(header, format!("“{cell}” is not a date — write it as 2023-05-01, 2023/5/1 or 2023年5月1日"));
                }
            },
            Target::Followers => match parse_followers(cell) {
                Ok(n) => row_fields.followers = Some(n),
                Err(m) => {
                    ok = false;
                    bad(header, m);
                }
            },
            Target::Certified => match parse_certified(cell) {
                Some(b) => row_fields.certified = Some(b),
                None => {
                    ok = false;
                    bad(
                        header,
                        format!("“{cell}” is not yes or no — write 是 or 否"),
                    );
                }
            },
            Target::Contact(role, field) => {
                let checked = match field {
                    ContactField::Mobile => phone::mobile(cell),
                    ContactField::OfficePhone => phone::office(cell),
                    ContactField::Qq => phone::qq(cell),
                    ContactField::Wechat => phone::wechat(cell),
                    ContactField::Name | ContactField::Position => Ok(cell.to_string()),
                };
                match checked {
                    Ok(v) => {
                        let contact = match role {
                            Role::Leader => &mut row_fields.leader,
                            Role::Admin => &mut row_fields.admin,
                        };
                        *contact.slot(*field) = Some(v);
                    }
                    Err(m) => {
                        ok = false;
                        bad(header, format!("“{cell}” {} — {}", m.zh, m.en));
                    }
                }
            }
            Target::Ignored => {}
        }
    }
    if !ok {
        return None;
    }
    row_fields.name = name?;
    row_fields.platform = platform?;
    row_fields.platform_account_id = pid?;
    row_fields.unit = unit?;
    Some(row_fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_row_above_the_header_is_skipped() {
        let text = "某市新媒体平台登记表,,,,,\n名称,平台,账号ID,主办单位,负责人,管理员姓名\n某市教育发布,微信,gh_1,某市教育局,王建国,李晓雯\n";
        let sheet = read(text.as_bytes()).unwrap();
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].line, 3);
        let bad = read("标题\n说明\n名称,平台,单位\n".as_bytes()).unwrap_err();
        assert!(
            bad.0
                .starts_with("line 3: missing column 账号ID, 负责人, 管理员姓名"),
            "{bad}"
        );
        let none = read("a\nb\nc\nd\ne\nf\n".as_bytes()).unwrap_err();
        assert!(
            none.0.contains("no header row in the first 5 lines"),
            "{none}"
        );
    }

    #[test]
    fn encodings() {
        let (s, e) = decode(b"\xEF\xBB\xBF\xE5\x90\x8D\xE7\xA7\xB0").unwrap();
        assert_eq!((s.as_str(), e), ("名称", "UTF-8"));
        let (gb, _, _) = encoding_rs::GB18030.encode("名称,平台");
        let (s, e) = decode(&gb).unwrap();
        assert_eq!((s.as_str(), e), ("名称,平台", "GB18030"));
        assert!(decode(b"PK\x03\x04rest")
            .unwrap_err()
            .0
            .contains("Excel workbook"));
        assert!(decode(b"\xFF\xFEa\x00").unwrap_err().0.contains("UTF-16"));
    }

    #[test]
    fn dates_in_common_forms() {
        let d = NaiveDate::from_ymd_opt(2023, 5, 1).unwrap();
        for s in [
            "2023-05-01",
            "2023/5/1",
            "2023.5.1",
            "2023年5月1日",
            "20230501",
            "45047",
            "2023-05-01 00:00:00",
            "２０２３-05-01",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        for s in ["2023-13-01", "5/1/2023", "昨天", "2023-5", "123"] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn platforms_and_headers() {
        assert_eq!(parse_platform("新浪微博"), Some(Platform::Weibo));
        assert_eq!(parse_platform(" APP "), Some(Platform::App));
        assert_eq!(parse_platform("今日头条"), Some(Platform::Toutiao));
        assert_eq!(parse_platform("抖音"), None);
        assert_eq!(normalize_header("手机号码（必填）*"), "手机号码");
        assert_eq!(
            target_of("手机号码", Some(Role::Admin)),
            Ok(Target::Contact(Role::Admin, ContactField::Mobile))
        );
        assert_eq!(
            target_of("负责人手机", None),
            Ok(Target::Contact(Role::Leader, ContactField::Mobile))
        );
        assert!(target_of("手机号码", None).is_err());
        assert_eq!(parse_followers("1.2万"), Ok(12000));
        assert_eq!(parse_followers("41,800"), Ok(41800));
        assert!(parse_followers("很多").is_err());
    }
}
