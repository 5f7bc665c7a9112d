//! WeChat access tokens from `POST /cgi-bin/stable_token`, cached per
//! (base URL, app id) until `token_refresh_margin` before they expire, and
//! refreshed one at a time per app id (a tokio mutex per app id), so
//! concurrent accounts sharing an app never race to refresh.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use url::Url;

use super::super::collect::Collector;
use super::super::http::{cut, Failure, Request, Response};
use super::super::secret::Secret;
use super::super::{Inner, NetKind};
use super::errors::{classify, errcode, Endpoint, Names};

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

struct Cached {
    token: Secret,
    valid_until: Instant,
}

/// The token cache of a `NetClient`. Cost: one entry per app id.
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.slots.lock().map(|s| s.len()).unwrap_or(0);
        write!(f, "TokenCache({n} app ids)")
    }
}

impl TokenCache {
    fn slot(&self, key: String) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key).or_default().clone()
    }
}

/// What a token request needs.
#[derive(Debug)]
pub struct Creds<'a> {
    /// The API base URL.
    pub base: &'a Url,
    /// The AppID (not secret, but read from the environment like the secret).
    pub app_id: String,
    /// The AppSecret.
    pub secret: Secret,
    /// The variable names, for advice.
    pub names: Names<'a>,
}

/// A valid access token for `creds`: the cached one unless it is about to
/// expire or is `stale` (the token an API just rejected), else a new one
/// from `stable_token`. Holds the app's lock while requesting, so
/// concurrent callers wait for the one refresh and then share its token.
pub async fn get(
    net: &Inner,
    creds: &Creds<'_>,
    stale: Option<&Secret>,
    c: &mut Collector,
) -> Result<Secret, Failure> {
    let slot = net
        .wechat_tokens
        .slot(format!("{}\n{}", creds.base, creds.app_id));
    let mut guard = slot.lock().await;
    if let Some(cached) = guard.as_ref() {
        let fresh = Instant::now() < cached.valid_until;
        if fresh && stale != Some(&cached.token) {
            c.redactor.add(&cached.token);
            return Ok(cached.token.clone());
        }
    }
    let url = creds
        .base
        .join("cgi-bin/stable_token")
        .map_err(|e| Failure::Fatal(format!("bad base_url: {e}")))?;
    let body = json!({
        "grant_type": "client_credential",
        "appid": creds.app_id,
        "secret": creds.secret.expose(),
        "force_refresh": false,
    });
    let req = Request::post_json(url, body, "WeChat stable_token");
    let retry = &net.options.retry;
    let (token, expires_in) = net
        .http
        .call(NetKind::Wechat, &mut c.requests, &req, |resp| {
            parse(resp, creds.names, retry)
        })
        .await?;
    c.redactor.add(&token);
    let lifetime = Duration::from_secs(expires_in).saturating_sub(net.options.token_refresh_margin);
    *guard = Some(Cached {
        token: token.clone(),
        valid_until: Instant::now() + lifetime,
    });
    Ok(token)
}

fn parse(
    resp: Response,
    names: Names<'_>,
    retry: &super::super::RetryPolicy,
) -> Result<(Secret, u64), Failure> {
    let what = "WeChat stable_token";
    let v: serde_json::Value = match serde_json::from_slice(&resp.body) {
        Ok(v) => v,
        Err(e) => {
            return Err(Failure::from_status(&resp, what).unwrap_or_else(|| {
                Failure::Fatal(format!(
                    "{what}: the answer is not JSON ({e}): {}; check base_url",
                    resp.excerpt(120)
                ))
            }))
        }
    };
    if let Some(code) = errcode(&v).filter(|c| *c != 0) {
        let msg = v.get("errmsg").and_then(|m| m.as_str()).unwrap_or("");
        return Err(classify(code, msg, what, Endpoint::Token, names, retry));
    }
    if let Some(f) = Failure::from_status(&resp, what) {
        return Err(f);
    }
    let token = v.get("access_token").and_then(|t| t.as_str()).unwrap_or("");
    let expires = v.get("expires_in").and_then(|t| t.as_u64());
    match expires {
        Some(secs) if !token.is_empty() => Ok((Secret::new(token), secs)),
        _ => {
            // Name the fields only: the body may hold a token.
            let fields: Vec<&str> = v
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            Err(Failure::Fatal(format!(
                "{what}: the answer (HTTP {}) has no usable access_token and expires_in \
                 (fields: {}); check base_url",
                resp.status,
                cut(&fields.join(", "), 200)
            )))
        }
    }
}
