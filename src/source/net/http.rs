//! The HTTP layer every connector shares: one reqwest client (rustls, no
//! native TLS), the per-platform rate limits, a capped incremental body
//! read, and the retry loop with exponential backoff, jitter and
//! `Retry-After`.
//!
//! Connectors build a [`Request`], and classify each [`Response`] into a
//! value or a [`Failure`]; [`Http::call`] does the rest.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use reqwest::header::{HeaderMap, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use url::Url;

use super::ratelimit::RateLimiter;
use super::secret::Secret;
use super::{NetKind, NetOptions, RetryPolicy};

/// One HTTP request a connector wants made.
#[derive(Debug, Clone)]
pub struct Request {
    /// GET or POST.
    pub method: reqwest::Method,
    /// The full URL, query included (it may carry a token: never show it
    /// unredacted).
    pub url: Url,
    /// A JSON body, sent with `Content-Type: application/json`.
    pub json: Option<serde_json::Value>,
    /// A bearer token for the `Authorization` header.
    pub bearer: Option<Secret>,
    /// What the request is, for messages (e.g. `freepublish/batchget offset 40`);
    /// never contains a secret.
    pub what: String,
}

impl Request {
    /// A GET of `url`.
    pub fn get(url: Url, what: impl Into<String>) -> Request {
        Request {
            method: reqwest::Method::GET,
            url,
            json: None,
            bearer: None,
            what: what.into(),
        }
    }

    /// A POST of `body` as JSON to `url`.
    pub fn post_json(url: Url, body: serde_json::Value, what: impl Into<String>) -> Request {
        Request {
            method: reqwest::Method::POST,
            url,
            json: Some(body),
            bearer: None,
            what: what.into(),
        }
    }
}

/// A response read whole (up to the size limit).
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, lowercased, empty when absent.
    pub content_type: String,
    /// The wait the server asked for with `Retry-After`, if any.
    pub retry_after: Option<Duration>,
    /// `Cache-Control: max-age`, which RSSHub sends with "busy" 503s.
    pub cache_max_age: Option<Duration>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// True for 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (lossy), cut to `max` characters, for messages.
    pub fn excerpt(&self, max: usize) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        cut(&text, max)
    }
}

/// Parses a configured base URL so that [`Url::join`] appends to its path
/// (a trailing slash is added when missing).
pub fn base_url(s: &str) -> Result<Url, String> {
    let mut url = Url::parse(s.trim()).map_err(|e| {
        format!(
            "base_url `{}` is not a URL: {e}",
            super::secret::redact_url(s)
        )
    })?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `s` cut to at most `max` characters, with `…` when cut.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Why an attempt did not produce a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth retrying: timeout, connection error, HTTP 429/5xx, a platform's
    /// busy or rate-limit code. `wait` overrides the backoff (Retry-After,
    /// "next minute").
    Transient {
        /// What happened.
        message: String,
        /// How long to wait before the next attempt, when the server said.
        wait: Option<Duration>,
    },
    /// The access token was rejected (WeChat 40001/40014/42001): refresh it
    /// once and try again.
    TokenRejected(String),
    /// Not worth retrying: authentication, permission, configuration,
    /// malformed or oversized response. The message says what to do.
    Fatal(String),
}

impl Failure {
    /// The message of a failure that is final for the account (retries, if
    /// any, are over).
    pub fn into_message(self) -> String {
        match self {
            Failure::Fatal(m) | Failure::TokenRejected(m) => m,
            Failure::Transient { message, .. } => message,
        }
    }
}

impl Failure {
    /// A transient failure with the default backoff.
    pub fn transient(message: impl Into<String>) -> Failure {
        Failure::Transient {
            message: message.into(),
            wait: None,
        }
    }

    /// The generic classification of an HTTP status: 429 and 5xx are
    /// transient (honouring `Retry-After`), `None` otherwise.
    pub fn from_status(resp: &Response, what: &str) -> Option<Failure> {
        if resp.status == 429 || resp.status >= 500 {
            Some(Failure::Transient {
                message: format!(
                    "{what}: HTTP {}{}",
                    resp.status,
                    if resp.status == 429 {
                        " (too many requests)"
                    } else {
                        " (server error)"
                    }
                ),
                wait: resp.retry_after,
            })
        } else {
            None
        }
    }
}

/// The shared HTTP client. Cost: one connection pool and four rate
/// limiters; cheap to share behind an `Arc`.
pub struct Http {
    client: reqwest::Client,
    limiters: [RateLimiter; 4],
    max_response_bytes: u64,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// Builds the client from the options: timeouts, user agent, proxy
    /// use, rate limits. Fails only when the TLS backend cannot start.
    pub fn new(options: &NetOptions) -> Result<Http, String> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(options.user_agent.clone())
            .redirect(reqwest::redirect::Policy::limited(5));
        if !options.use_env_proxy {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {}", chain(&e)))?;
        let r = &options.rate_limits;
        Ok(Http {
            client,
            limiters: [
                RateLimiter::new(r.wechat),
                RateLimiter::new(r.weibo),
                RateLimiter::new(r.feed),
                RateLimiter::new(r.json_api),
            ],
            max_response_bytes: options.max_response_bytes,
            retry: options.retry.clone(),
        })
    }

    fn limiter(&self, kind: NetKind) -> &RateLimiter {
        &self.limiters[match kind {
            NetKind::Wechat => 0,
            NetKind::Weibo => 1,
            NetKind::Feed => 2,
            NetKind::JsonApi => 3,
        }]
    }

    /// Makes one attempt: waits for the platform's rate limit, sends, and
    /// reads the body up to `max_response_bytes`. Transport problems are
    /// [`Failure::Transient`]; an oversized body is [`Failure::Fatal`].
    pub async fn send(&self, kind: NetKind, req: &Request) -> Result<Response, Failure> {
        self.limiter(kind).acquire().await;
        let mut rb = self.client.request(req.method.clone(), req.url.clone());
        if let Some(body) = &req.json {
            rb = rb
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body).unwrap_or_default());
        }
        if let Some(token) = &req.bearer {
            rb = rb.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        let mut resp = rb.send().await.map_err(|e| transport(&req.what, &e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let too_large = || {
            Failure::Fatal(format!(
                "{}: the response is larger than {} bytes (max_response_bytes); \
                 lower the page size or raise the limit if this source really sends that much",
                req.what, self.max_response_bytes
            ))
        };
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_response_bytes)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > self.max_response_bytes {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(transport(&req.what, &e)),
            }
        }
        Ok(Response {
            status,
            content_type: header_str(&headers, CONTENT_TYPE).to_ascii_lowercase(),
            retry_after: retry_after(&headers),
            cache_max_age: max_age(&headers),
            body,
        })
    }

    /// Sends `req` and classifies the response with `classify`, retrying
    /// transient failures with exponential backoff and jitter (or the wait
    /// the server asked for) up to `retry.max_attempts` attempts in all.
    /// `requests` counts every attempt. Gives back [`Failure::Fatal`] (with
    /// the last reason) when the attempts run out or the server asks to wait
    /// longer than `retry.max_retry_after`, and passes
    /// [`Failure::TokenRejected`] through for the caller to refresh.
    pub async fn call<T>(
        &self,
        kind: NetKind,
        requests: &mut u32,
        req: &Request,
        mut classify: impl FnMut(Response) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let max = self.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            *requests += 1;
            let result = match self.send(kind, req).await {
                Ok(resp) => classify(resp),
                Err(f) => Err(f),
            };
            let (message, wait) = match result {
                Err(Failure::Transient { message, wait }) => (message, wait),
                other => return other,
            };
            if let Some(w) = wait.filter(|w| *w > self.retry.max_retry_after) {
                return Err(Failure::Fatal(format!(
                    "{message}; the server asked to wait {} s, longer than the {} s this run waits \
                     (retry.max_retry_after): run again later",
                    w.as_secs(),
                    self.retry.max_retry_after.as_secs()
                )));
            }
            if attempt >= max {
                return Err(Failure::Fatal(format!(
                    "{message}; gave up after {attempt} attempts: the service may be down or \
                     rate-limiting this client, run again later"
                )));
            }
            let delay = wait.unwrap_or_else(|| backoff(&self.retry, attempt));
            tokio::time::sleep(delay).await;
        }
    }
}

/// The delay before attempt `attempt + 1`: `base · 2^(attempt-1)` capped at
/// `max_delay`, of which a random half is kept ("equal jitter"), so that
/// clients that failed together do not retry together.
pub fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(policy.max_delay);
    let half = exp / 2;
    half + half.mul_f64(random_unit())
}

/// A random number in `[0, 1)` from the standard library's hasher seed.
fn random_unit() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x9e37_79b9_7f4a_7c15);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn header_str(headers: &HeaderMap, name: reqwest::header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// `Retry-After` as delta-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = header_str(headers, RETRY_AFTER).trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(delta.max(0) as u64))
}

fn max_age(headers: &HeaderMap) -> Option<Duration> {
    header_str(headers, CACHE_CONTROL)
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// A transport error as a transient failure, without the URL (which may
/// carry a token).
fn transport(what: &str, e: &reqwest::Error) -> Failure {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the answer"
    } else {
        "the request failed"
    };
    Failure::transient(format!("{what}: {kind} ({})", chain(e)))
}

/// An error's causes on one line, without the URL reqwest's own message
/// names (it may carry a token).
fn chain(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = std::error::Error::source(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        let mut s = e.to_string();
        if let Some(url) = e.url() {
            s = s
                .replace(&format!(" ({url})"), "")
                .replace(url.as_str(), "<url>");
        }
        parts.push(s);
    }
    super::secret::redact_url(&parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            rate_limited_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(60),
        };
        for _ in 0..50 {
            let d1 = backoff(&p, 1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d2 = backoff(&p, 2);
            assert!(d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200));
            let d9 = backoff(&p, 9);
            assert!(d9 >= Duration::from_millis(150) && d9 <= Duration::from_millis(300));
        }
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(CACHE_CONTROL, "public, max-age=30".parse().unwrap());
        assert_eq!(max_age(&h), Some(Duration::from_secs(30)));
    }

    #[test]
    fn cut_counts_characters() {
        assert_eq!(cut("巡检工作", 2), "巡检…");
        assert_eq!(cut("ab", 2), "ab");
    }
}
