//! WeChat `errcode`s: which are retried, which refresh the token, and what
//! to tell an officer about the others.

use super::super::http::{cut, Failure};
use super::super::RetryPolicy;

/// Which endpoint answered: 40001 means "wrong AppSecret" from the token
/// endpoint but "stale token" from any other API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/cgi-bin/stable_token`.
    Token,
    /// Any API called with an access token.
    Api,
}

/// The registry's environment variable names, for advice.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    /// Holds the AppID.
    pub app_id_env: &'a str,
    /// Holds the AppSecret.
    pub app_secret_env: &'a str,
}

/// The `errcode` of a WeChat answer (number or numeric string), if any.
pub fn errcode(v: &serde_json::Value) -> Option<i64> {
    match v.get("errcode")? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Classifies a non-zero `errcode`. Busy (-1) and the per-minute quota
/// (45011) are transient; 40001/40014/42001 from an API ask for a token
/// refresh; everything else is fatal with what to do.
pub fn classify(
    code: i64,
    errmsg: &str,
    what: &str,
    endpoint: Endpoint,
    names: Names<'_>,
    retry: &RetryPolicy,
) -> Failure {
    let detail = format!("[{what}; errmsg: {}]", cut(errmsg, 160));
    let fatal = |advice: String| Failure::Fatal(format!("WeChat {code}: {advice} {detail}"));
    match (code, endpoint) {
        (-1, _) => Failure::transient(format!("WeChat -1: the platform is busy {detail}")),
        (45011, _) => Failure::Transient {
            message: format!("WeChat 45011: the per-minute API quota is used up {detail}"),
            wait: Some(retry.rate_limited_delay),
        },
        (40001 | 40014 | 42001, Endpoint::Api) => Failure::TokenRejected(format!(
            "WeChat {code}: the access token was rejected {detail}"
        )),
        (40001 | 40125, Endpoint::Token) => fatal(format!(
            "the AppSecret in `{}` is wrong or was reset; copy the current one from \
             mp.weixin.qq.com → 设置与开发 → 基本配置",
            names.app_secret_env
        )),
        (40013, _) => fatal(format!(
            "the AppID in `{}` is not valid; copy it from mp.weixin.qq.com → 设置与开发 → 基本配置",
            names.app_id_env
        )),
        (40164, _) => fatal(
            "this machine's IP address is not in the account's IP whitelist; add the scanner's \
             egress IP under 设置与开发 → 基本配置 → IP白名单"
                .into(),
        ),
        (40243, _) => fatal(
            "the AppSecret is frozen; unfreeze it in the account's console (设置与开发 → 基本配置)"
                .into(),
        ),
        (45009, _) => fatal(
            "the daily quota of this API is used up; run again tomorrow (do not reset quotas \
             with clear_quota: it is limited to 10 resets a month)"
                .into(),
        ),
        (48001, _) => fatal(
            "this account's app is not authorised for the publish API; only verified accounts \
             can call it (since July 2025 personal and unverified accounts lose freepublish \
             access): verify the account, or register a feed source for it instead"
                .into(),
        ),
        (48004, _) => fatal(
            "the API is banned for this account for irregularities; contact WeChat (permanent \
             until lifted)"
                .into(),
        ),
        (50002, _) => fatal("the account is frozen or limited; resolve it in its console".into()),
        (40097 | 41001 | 41002 | 41004, _) => fatal(
            "the request was refused as malformed; check that base_url points at the WeChat API, \
             otherwise report this as a bug in xunjian"
                .into(),
        ),
        _ => fatal(
            "unexpected error; look the code up in WeChat's global error codes \
             (developers.weixin.qq.com); nothing was retried"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        let names = Names {
            app_id_env: "A",
            app_secret_env: "S",
        };
        let r = RetryPolicy::default();
        let c = |code, ep| classify(code, "msg", "x", ep, names, &r);
        assert!(matches!(
            c(-1, Endpoint::Api),
            Failure::Transient { wait: None, .. }
        ));
        assert!(matches!(
            c(45011, Endpoint::Api),
            Failure::Transient { wait: Some(_), .. }
        ));
        assert!(matches!(c(42001, Endpoint::Api), Failure::TokenRejected(_)));
        assert!(matches!(c(40001, Endpoint::Token), Failure::Fatal(m) if m.contains("`S`")));
        assert!(
            matches!(c(48001, Endpoint::Api), Failure::Fatal(m) if m.starts_with("WeChat 48001: this account's app is not authorised for the publish API; only verified accounts can call it"))
        );
        assert_eq!(
            errcode(&serde_json::json!({"errcode": "40001"})),
            Some(40001)
        );
        assert_eq!(errcode(&serde_json::json!({"total_count": 1})), None);
    }
}
