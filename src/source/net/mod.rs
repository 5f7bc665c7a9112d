//! Network sources: WeChat, Weibo, RSS/Atom feeds and a unit's own CMS.
//!
//! One [`NetClient`] (a reqwest client on rustls, the WeChat token cache,
//! the per-platform rate limits) is shared by every account of a run.
//! [`NetClient::fetch`] reads one account's posts newer than a cursor,
//! page by page, and gives back a [`Fetched`]: the posts, the ids of
//! deleted items, the new cursor to persist once the posts are scanned, the
//! non-fatal problems and, when the account could not be read, an error
//! that says what to do. [`fetch_all_blocking`] fetches many accounts with
//! bounded concurrency from synchronous code.
//!
//! Each platform has its own (private) module: `wechat` (with its token
//! cache and error codes), `weibo`, `feed`, `json_api`; `http` holds the
//! shared HTTP layer (timeouts, capped body, retries with backoff and
//! jitter, `Retry-After`), `ratelimit` the per-platform request spacing,
//! [`secret`] the redaction that keeps secrets out of every message, and
//! `collect` the assembly of a [`Fetched`]. See `docs/CONNECTORS.md`.

mod collect;
mod feed;
mod http;
mod json_api;
mod ratelimit;
pub mod secret;
mod wechat;
mod weibo;

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use crate::model::{Account, Post, SourceSpec};
use crate::source::ReadProblem;
use collect::Collector;
pub use secret::Secret;

/// Looks up an environment variable by name. The default reads the
/// process environment; tests pass a map so they never mutate it.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The network source kinds, each with its own rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetKind {
    /// WeChat official account API.
    Wechat,
    /// Weibo open API.
    Weibo,
    /// RSS / Atom / JSON Feed over HTTP(S) or `file://`.
    Feed,
    /// A unit's own CMS JSON API.
    JsonApi,
}

impl NetKind {
    /// The network kind of a source, `None` for local exports.
    pub fn of(spec: &SourceSpec) -> Option<NetKind> {
        match spec {
            SourceSpec::Jsonl { .. } | SourceSpec::Csv { .. } => None,
            SourceSpec::Wechat { .. } => Some(NetKind::Wechat),
            SourceSpec::Weibo { .. } => Some(NetKind::Weibo),
            SourceSpec::Feed { .. } => Some(NetKind::Feed),
            SourceSpec::JsonApi { .. } => Some(NetKind::JsonApi),
        }
    }

    /// The identifier used in the registry (`kind = "…"`).
    pub fn as_str(self) -> &'static str {
        match self {
            NetKind::Wechat => "wechat",
            NetKind::Weibo => "weibo",
            NetKind::Feed => "feed",
            NetKind::JsonApi => "json_api",
        }
    }
}

/// True when `spec` is read over the network (or from a `file://` feed)
/// by [`NetClient`] rather than by `source::file::ExportReader`.
pub fn is_network(spec: &SourceSpec) -> bool {
    NetKind::of(spec).is_some()
}

/// A short description of where a source reads from, for messages and
/// reports: the path, or the kind and URL with credentials redacted. Never
/// contains a secret (the registry holds only environment variable names).
pub fn describe(spec: &SourceSpec) -> String {
    match spec {
        SourceSpec::Jsonl { path } | SourceSpec::Csv { path } => path.display().to_string(),
        SourceSpec::Wechat { base_url, .. } => format!("wechat {base_url}"),
        SourceSpec::Weibo { base_url, uid, .. } => format!("weibo {base_url} uid {uid}"),
        SourceSpec::Feed { url } => format!("feed {}", secret::redact_url(url)),
        SourceSpec::JsonApi { base_url, .. } => {
            format!("json_api {}", secret::redact_url(base_url))
        }
    }
}

/// Requests per second allowed per platform, across all accounts of a run.
/// `0` (or any non-positive value) means unlimited.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    /// WeChat API (default 2/s; the platform's own limits are per day and
    /// per minute, see `docs/CONNECTORS.md`).
    pub wechat: f64,
    /// Weibo API (default 0.5/s: Weibo blacklists apps that poll hard).
    pub weibo: f64,
    /// Feeds (default 1/s: RSSHub instances are often shared).
    pub feed: f64,
    /// The units' own CMS (default 5/s).
    pub json_api: f64,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            wechat: 2.0,
            weibo: 0.5,
            feed: 1.0,
            json_api: 5.0,
        }
    }
}

/// When and how often to retry a failed request.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 4). Only transient
    /// failures are retried: timeouts, connection errors, HTTP 429/5xx and
    /// the platforms' busy and rate-limit codes.
    pub max_attempts: u32,
    /// The first backoff (default 1 s); doubled after each failure.
    pub base_delay: Duration,
    /// The longest backoff (default 30 s).
    pub max_delay: Duration,
    /// The wait after a platform's rate-limit code (WeChat 45011 "retry next
    /// minute", Weibo 10022–10024), default 60 s.
    pub rate_limited_delay: Duration,
    /// The longest `Retry-After` this run honours (default 120 s); a server
    /// asking for more makes the account fail with "run again later".
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            rate_limited_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// Everything that tunes network fetching. `Default` gives conservative
/// production values; tests shorten the timeouts and delays.
#[derive(Clone)]
pub struct NetOptions {
    /// Accounts fetched at the same time by [`fetch_all_blocking`] (default 4).
    pub jobs: usize,
    /// Per-platform request rates.
    pub rate_limits: RateLimits,
    /// Time allowed to open a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included (default 60 s;
    /// RSSHub itself may take 30 s to answer).
    pub request_timeout: Duration,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// The largest response body read (default 32 MiB); a larger one is an
    /// error for the account, never a memory blow-up.
    pub max_response_bytes: u64,
    /// The largest post text kept (default 1 MiB of UTF-8); a longer post is
    /// cut there and marked `truncated`.
    pub max_post_bytes: usize,
    /// Pages read per account per run at most (default 500); reaching it is
    /// reported as a problem.
    pub max_pages: u32,
    /// WeChat `freepublish/batchget` page size, 1–20 (default 20).
    pub wechat_page_size: u32,
    /// Weibo `user_timeline` page size, 1–100 (default 100).
    pub weibo_page_size: u32,
    /// CMS JSON API page size, sent as `limit` (default 100).
    pub json_api_page_size: u32,
    /// Posts published in this many days before now are read again on
    /// every run for their comments (WeChat `comment/list`, Weibo
    /// `comments/show`), so a new comment on a recent post is seen (default
    /// 14; 0 reads no comments). Costs one or more requests per such post.
    pub comment_days: u32,
    /// A cached WeChat token is renewed this long before it expires
    /// (default 300 s, WeChat's overlap window).
    pub token_refresh_margin: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Use `HTTP(S)_PROXY` / `NO_PROXY` from the environment (default true).
    pub use_env_proxy: bool,
    /// Where secrets named in the registry are looked up (default: the
    /// process environment).
    pub env: EnvLookup,
}

impl Default for NetOptions {
    fn default() -> Self {
        NetOptions {
            jobs: 4,
            rate_limits: RateLimits::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            max_response_bytes: 32 << 20,
            max_post_bytes: 1 << 20,
            max_pages: 500,
            wechat_page_size: 20,
            weibo_page_size: 100,
            json_api_page_size: 100,
            comment_days: 14,
            token_refresh_margin: Duration::from_secs(300),
            user_agent: format!(
                "xunjian/{} (content-compliance scanner)",
                env!("CARGO_PKG_VERSION")
            ),
            use_env_proxy: true,
            env: Arc::new(|name| std::env::var(name).ok()),
        }
    }
}

impl NetOptions {
    /// Looks secrets up in `vars` instead of the process environment.
    pub fn with_env<I, K, V>(mut self, vars: I) -> NetOptions
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let map: std::collections::HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.env = Arc::new(move |name| map.get(name).cloned());
        self
    }
}

impl fmt::Debug for NetOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetOptions")
            .field("jobs", &self.jobs)
            .field("rate_limits", &self.rate_limits)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_post_bytes", &self.max_post_bytes)
            .field("max_pages", &self.max_pages)
            .field("wechat_page_size", &self.wechat_page_size)
            .field("weibo_page_size", &self.weibo_page_size)
            .field("json_api_page_size", &self.json_api_page_size)
            .field("comment_days", &self.comment_days)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .field("user_agent", &self.user_agent)
            .field("use_env_proxy", &self.use_env_proxy)
            .field("env", &"<lookup>")
            .finish()
    }
}

/// What one account's fetch produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    /// The new posts, oldest first (posts without a time last, in the order
    /// the source listed them); deleted items are not here. Posts read
    /// before a fatal error are kept, so they can still be scanned.
    pub posts: Vec<Post>,
    /// Ids of items the source reports as deleted (WeChat `is_deleted`,
    /// Weibo `deleted`, CMS `status = "deleted"`): to count and report, not
    /// to scan.
    pub deleted: Vec<String>,
    /// The position to persist once the posts are scanned, passed back to
    /// the next [`NetClient::fetch`]. `None` when the fetch failed (keep the
    /// previous cursor, so nothing is skipped); on success it is `Some`,
    /// possibly equal to the cursor given.
    pub cursor: Option<serde_json::Value>,
    /// Non-fatal problems (an unreadable item, the page budget reached, a
    /// cursor not understood); secrets redacted.
    pub problems: Vec<ReadProblem>,
    /// Optional data that could not be read while the posts were (the
    /// comments of an account without comment permission, …): reported
    /// with the account, which stays complete; secrets redacted.
    pub warnings: Vec<String>,
    /// Why the account could not be (fully) read, and what to do; secrets
    /// redacted. `None` when the fetch succeeded.
    pub error: Option<String>,
    /// HTTP requests made for this account, retries and token requests
    /// included (a `file://` feed makes none).
    pub requests: u32,
}

impl Fetched {
    /// A fetch that failed before doing anything.
    pub fn failed(error: impl Into<String>) -> Fetched {
        Fetched {
            error: Some(error.into()),
            ..Fetched::default()
        }
    }
}

/// The shared state of a [`NetClient`].
struct Inner {
    options: NetOptions,
    http: http::Http,
    wechat_tokens: wechat::token::TokenCache,
    runtime: OnceLock<RuntimeHolder>,
}

/// A tokio runtime that may be dropped anywhere (even inside another
/// runtime) without panicking.
struct RuntimeHolder(Option<tokio::runtime::Runtime>);

impl Drop for RuntimeHolder {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The client every network fetch of a run goes through: one HTTP
/// connection pool, the WeChat token cache (one refresh at a time per app
/// id), the per-platform rate limits. Cloning is cheap (an `Arc`); share
/// one per run so the limits and the token cache are shared too.
#[derive(Clone)]
pub struct NetClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for NetClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetClient")
            .field("options", &self.inner.options)
            .field("http", &self.inner.http)
            .field("wechat_tokens", &self.inner.wechat_tokens)
            .finish_non_exhaustive()
    }
}

impl NetClient {
    /// Builds the client. Cheap (no connection is opened); fails only when
    /// the TLS backend cannot start, with a message saying so.
    pub fn new(options: NetOptions) -> Result<NetClient, String> {
        let http = http::Http::new(&options)?;
        Ok(NetClient {
            inner: Arc::new(Inner {
                options,
                http,
                wechat_tokens: wechat::token::TokenCache::default(),
                runtime: OnceLock::new(),
            }),
        })
    }

    /// The options the client was built with.
    pub fn options(&self) -> &NetOptions {
        &self.inner.options
    }

    /// Reads `account`'s posts newer than `cursor` (from [`Fetched::cursor`]
    /// of the previous run), or, without a cursor, published at or after
    /// `since` (everything when both are `None`, up to `max_pages`). Never
    /// panics on bad input and never fails other accounts: every problem
    /// ends up in the returned [`Fetched`]. Cost: one request per page plus
    /// token requests, each spaced by the platform's rate limit.
    pub async fn fetch(
        &self,
        account: &Account,
        cursor: Option<&serde_json::Value>,
        since: Option<DateTime<FixedOffset>>,
    ) -> Fetched {
        let net = &*self.inner;
        let mut c = Collector::new(account, &net.options);
        let result = match &account.source {
            SourceSpec::Wechat {
                app_id_env,
                app_secret_env,
                base_url,
            } => {
                let spec = wechat::Spec {
                    app_id_env,
                    app_secret_env,
                    base_url,
                };
                wechat::fetch(net, &spec, cursor, since, &mut c).await
            }
            SourceSpec::Weibo {
                uid,
                access_token_env,
                base_url,
            } => {
                let spec = weibo::Spec {
                    uid,
                    access_token_env,
                    base_url,
                };
                weibo::fetch(net, &spec, cursor, since, &mut c).await
            }
            SourceSpec::Feed { url } => feed::fetch(net, url, cursor, since, &mut c).await,
            SourceSpec::JsonApi {
                base_url,
                token_env,
            } => json_api::fetch(net, base_url, token_env.as_deref(), cursor, since, &mut c).await,
            SourceSpec::Jsonl { .. } | SourceSpec::Csv { .. } => Err(
                "not a network source: read local exports with source::file::ExportReader".into(),
            ),
        };
        match result {
            Ok(cursor) => c.finish(cursor, None),
            Err(e) => c.finish(None, Some(e)),
        }
    }

    /// [`NetClient::fetch`] from synchronous code, on the client's own
    /// runtime. Must not be called from inside an async runtime.
    pub fn fetch_blocking(
        &self,
        account: &Account,
        cursor: Option<&serde_json::Value>,
        since: Option<DateTime<FixedOffset>>,
    ) -> Fetched {
        match self.runtime() {
            Ok(rt) => rt.block_on(self.fetch(account, cursor, since)),
            Err(e) => Fetched::failed(e),
        }
    }

    /// The client's runtime for blocking use, built on first use (two
    /// worker threads: fetching waits on the network, not the CPU).
    fn runtime(&self) -> Result<&tokio::runtime::Runtime, String> {
        if self.inner.runtime.get().is_none() {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("xunjian-net")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the network runtime: {e}"))?;
            let _ = self.inner.runtime.set(RuntimeHolder(Some(rt)));
        }
        Ok(self
            .inner
            .runtime
            .get()
            .and_then(|h| h.0.as_ref())
            .expect("the runtime was just set"))
    }
}

impl Inner {
    /// The value of the environment variable `name`, which must hold `what`.
    fn secret(&self, name: &str, what: &str) -> Result<Secret, String> {
        match (self.options.env)(name) {
            Some(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
            _ => Err(format!(
                "environment variable `{name}` is not set or empty: set it to {what} before \
                 running (the registry names the variable, never the value)"
            )),
        }
    }
}

/// Fetches `accounts` with at most `options.jobs` at a time and calls
/// `on_done(index, fetched)` on the calling thread as each one finishes (in
/// completion order), so the caller can scan one account's posts while the
/// others are still being fetched. `cursors[i]` is account `i`'s cursor
/// (missing entries mean none). Returns when every account is done; one
/// account failing, or even panicking, never stops the others. Uses the
/// client's runtime: must not be called from inside an async runtime.
/// Memory: at most about `2 × jobs` accounts' posts are held at once.
pub fn fetch_all_blocking(
    client: &NetClient,
    accounts: &[&Account],
    cursors: &[Option<serde_json::Value>],
    since: Option<DateTime<FixedOffset>>,
    mut on_done: impl FnMut(usize, Fetched),
) {
    let rt = match client.runtime() {
        Ok(rt) => rt,
        Err(e) => {
            for i in 0..accounts.len() {
                on_done(i, Fetched::failed(e.clone()));
            }
            return;
        }
    };
    let jobs = client.options().jobs.max(1);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, Fetched)>(jobs);
    let work: Vec<(usize, Account, Option<serde_json::Value>)> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (i, (*a).clone(), cursors.get(i).cloned().flatten()))
        .collect();
    let driver_client = client.clone();
    rt.spawn(async move {
        let permits = Arc::new(tokio::sync::Semaphore::new(jobs));
        for (i, account, cursor) in work {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let client = driver_client.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let task =
                    tokio::spawn(
                        async move { client.fetch(&account, cursor.as_ref(), since).await },
                    );
                let fetched = task.await.unwrap_or_else(|e| {
                    Fetched::failed(format!(
                        "internal error while fetching this account ({e}); the other accounts \
                         were fetched; please report this"
                    ))
                });
                let _ = tx.send((i, fetched)).await;
                drop(permit);
            });
        }
    });
    while let Some((i, fetched)) = rx.blocking_recv() {
        on_done(i, fetched);
    }
}
