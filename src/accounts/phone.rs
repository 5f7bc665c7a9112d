//! Contact numbers on the registration form: mobile, office phone, QQ and
//! WeChat ids, checked the same way by the import (to refuse a bad row) and
//! by the audit (to report a bad registry entry).

use unicode_normalization::UnicodeNormalization;

/// Folds full-width digits and letters to ASCII (NFKC) and trims; a
/// leading `'` (Excel's "text" marker) is dropped.
pub fn fold(s: &str) -> String {
    let t: String = s.trim().nfkc().collect();
    t.trim().trim_start_matches('\'').trim().to_string()
}

/// Why a number is malformed, phrased for officers in Chinese (becomes a
/// finding's detail) and in English (import errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Chinese: what is wrong, e.g. `不是11位手机号`.
    pub zh: String,
    /// English: what is wrong and what to do.
    pub en: String,
}

fn bad(zh: &str, en: &str) -> Malformed {
    Malformed {
        zh: zh.to_string(),
        en: en.to_string(),
    }
}

fn excel_scientific(s: &str) -> bool {
    s.contains(['E', 'e'])
        && s.contains('+')
        && s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Checks a mobile number (手机号码): 11 digits starting 13–19, spaces and
/// dashes allowed, `+86`/`86` prefix allowed. Returns the 11 digits.
pub fn mobile(s: &str) -> Result<String, Malformed> {
    let t = fold(s);
    if excel_scientific(&t) {
        return Err(bad(
            "被表格软件改成了科学计数法",
            "Excel turned it into scientific notation; format the column as text and type the number again",
        ));
    }
    let mut digits: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if let Some(rest) = digits.strip_prefix("+86").or_else(|| {
        (digits.len() == 13)
            .then(|| digits.strip_prefix("86"))
            .flatten()
    }) {
        digits = rest.to_string();
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad(
            "含有数字以外的字符",
            "contains characters other than digits; write the 11 digits, e.g. 13905510118",
        ));
    }
    if digits.len() != 11 {
        return Err(Malformed {
            zh: "不是11位手机号".into(),
            en: format!(
                "has {} digits, a mobile number has 11; check it against the form",
                digits.len()
            ),
        });
    }
    if !digits.starts_with('1') || matches!(digits.as_bytes()[1], b'0'..=b'2') {
        return Err(bad(
            "不是有效的手机号段（应以13–19开头）",
            "does not start with 13–19 like a mainland mobile number; check it against the form",
        ));
    }
    Ok(digits)
}

/// Checks an office phone (办公电话): `0551-62881234`, `(0551)62881234`,
/// `62881234`, with an optional extension (`-123`, `转123`), a 400/800
/// number, or a mobile number. Returns it folded and trimmed.
pub fn office(s: &str) -> Result<String, Malformed> {
    let t = fold(s);
    if excel_scientific(&t) {
        return Err(bad(
            "被表格软件改成了科学计数法",
            "Excel turned it into scientific notation; format the column as text and type the number again",
        ));
    }
    if mobile(&t).is_ok() {
        return Ok(t);
    }
    let compact: String = t
        .replace(['(', '（'], "")
        .replace([')', '）'], "-")
        .replace("转", "-")
        .replace("ext", "-")
        .chars()
        .filter(|c| *c != ' ')
        .collect();
    let parts: Vec<&str> = compact.split('-').filter(|p| !p.is_empty()).collect();
    let digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    let ok = match parts.as_slice() {
        [local] => {
            digits(local) && matches!(local.len(), 7 | 8) && !local.starts_with('0')
                || digits(local)
                    && (local.starts_with("400") || local.starts_with("800"))
                    && local.len() == 10
                || digits(local) && local.starts_with('0') && (10..=12).contains(&local.len())
        }
        [area, local] => {
            digits(area)
                && area.starts_with('0')
                && (3..=4).contains(&area.len())
                && digits(local)
                && matches!(local.len(), 7 | 8)
                || digits(area)
                    && matches!(area.len(), 7 | 8)
                    && !area.starts_with('0')
                    && digits(local)
                    && local.len() <= 6
                || (area.starts_with("400") || area.starts_with("800"))
                    && digits(area)
                    && digits(local)
                    && compact.chars().filter(char::is_ascii_digit).count() == 10
        }
        [area, local, ext] => {
            digits(area)
                && area.starts_with('0')
                && (3..=4).contains(&area.len())
                && digits(local)
                && matches!(local.len(), 7 | 8)
                && digits(ext)
                && ext.len() <= 6
                || (area.starts_with("400") || area.starts_with("800"))
                    && digits(area)
                    && digits(local)
                    && digits(ext)
                    && compact.chars().filter(char::is_ascii_digit).count() == 10
        }
        _ => false,
    };
    if ok {
        Ok(t)
    } else {
        Err(bad(
            "不是有效的固定电话（应为区号-号码，如0551-62881234）",
            "is not a phone number; write area code and number, e.g. 0551-62881234 (extension as -123)",
        ))
    }
}

/// Checks a QQ number: 5 to 11 digits, not starting with 0.
pub fn qq(s: &str) -> Result<String, Malformed> {
    let t = fold(s);
    if t.len() >= 5 && t.len() <= 11 && !t.starts_with('0') && t.chars().all(|c| c.is_ascii_digit())
    {
        Ok(t)
    } else {
        Err(bad(
            "不是有效的QQ号（5–11位数字）",
            "is not a QQ number (5 to 11 digits); check it against the form",
        ))
    }
}

/// Checks a WeChat id: 6–20 letters, digits, `_` or `-` starting with a
/// letter, or the mobile number the account is bound to.
pub fn wechat(s: &str) -> Result<String, Malformed> {
    let t = fold(s);
    let id_ok = t.len() >= 6
        && t.len() <= 20
        && t.starts_with(|c: char| c.is_ascii_alphabetic())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if id_ok || mobile(&t).is_ok() {
        Ok(t)
    } else {
        Err(bad(
            "不是有效的微信号",
            "is not a WeChat id (6–20 letters, digits, _ or -, starting with a letter, or a mobile number)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        assert_eq!(mobile("139 0551 0118").unwrap(), "13905510118");
        assert_eq!(mobile("+86 13905510118").unwrap(), "13905510118");
        assert_eq!(mobile("１３９０５５１０１１８").unwrap(), "13905510118");
        assert_eq!(mobile("1381234").unwrap_err().zh, "不是11位手机号");
        assert!(mobile("12905510118").is_err());
        assert!(mobile("1.39055E+10").unwrap_err().en.contains("scientific"));
        assert!(mobile("1390551011x").is_err());
    }

    #[test]
    fn office_phones() {
        for ok in [
            "0551-62881234",
            "(0551)62881234",
            "0551 6288 1234",
            "62881234",
            "0551-62881234-123",
            "0551-62881234转123",
            "400-810-1234",
            "13905510118",
            "010-6288123",
        ] {
            assert!(office(ok).is_ok(), "{ok}");
        }
        for bad in [
            "6288",
            "0551-6288",
            "abc",
            "0551-62881234-1234567",
            "55162881234",
        ] {
            assert!(office(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn qq_and_wechat() {
        assert!(qq("1274583906").is_ok());
        assert!(qq("0123").is_err());
        assert!(qq("12a45").is_err());
        assert!(wechat("lixw_edu").is_ok());
        assert!(wechat("13905510118").is_ok());
        assert!(wechat("1abcdef").is_err());
        assert!(wechat("ab").is_err());
    }
}
