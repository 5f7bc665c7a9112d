//! Test support for the connector tests: a real HTTP/1.1 server (hyper)
//! on 127.0.0.1 and an ephemeral port, answering with a scripted handler
//! and recording every request; plus accounts and fast client options.
//!
//! The server only ever binds the loopback address.

#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use xunjian::model::{Account, Contact, Platform, SourceSpec};
use xunjian::source::net::{NetOptions, RateLimits, RetryPolicy};

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    /// The body parsed as JSON (Null when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A query parameter, or "".
    pub fn q(&self, name: &str) -> &str {
        self.query.get(name).map(String::as_str).unwrap_or("")
    }
}

/// What the server answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait before answering (to provoke client timeouts).
    pub delay: Duration,
    /// Send the body with chunked encoding, without Content-Length.
    pub chunked: bool,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            chunked: false,
        }
    }

    pub fn json(v: serde_json::Value) -> Reply {
        Reply::new(200, "application/json", v.to_string())
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply::new(status, "text/plain", body)
    }

    pub fn html(status: u16, body: &str) -> Reply {
        Reply::new(status, "text/html; charset=utf-8", body)
    }

    pub fn xml(body: &str) -> Reply {
        Reply::new(200, "application/rss+xml; charset=utf-8", body)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A mock server; stops when dropped.
pub struct MockServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    in_flight: Arc<Mutex<(usize, usize)>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockServer {
    /// Starts a server on 127.0.0.1 answering every request with `handler`.
    pub fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> MockServer {
        let handler: Arc<Handler> = Arc::new(handler);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(Mutex::new((0usize, 0usize)));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let reqs = requests.clone();
        let flight = in_flight.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let handler = handler.clone();
                            let reqs = reqs.clone();
                            let flight = flight.clone();
                            tokio::spawn(async move {
                                let service = service_fn(move |req| {
                                    serve(req, handler.clone(), reqs.clone(), flight.clone())
                                });
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                        _ = &mut rx => break,
                    }
                }
            });
        });
        let addr = addr_rx.recv().unwrap();
        assert!(addr.ip().is_loopback());
        MockServer {
            base: format!("http://{addr}"),
            requests,
            in_flight,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests to `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The most requests handled at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    req: hyper::Request<Incoming>,
    handler: Arc<Handler>,
    reqs: Arc<Mutex<Vec<Recorded>>>,
    flight: Arc<Mutex<(usize, usize)>>,
) -> Result<hyper::Response<BoxBody<Bytes, Infallible>>, Infallible> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect::<HashMap<_, _>>()
        })
        .unwrap_or_default();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .unwrap_or_default();
    let rec = Recorded {
        method,
        path,
        query,
        headers,
        body,
    };
    reqs.lock().unwrap().push(rec.clone());
    {
        let mut f = flight.lock().unwrap();
        f.0 += 1;
        f.1 = f.1.max(f.0);
    }
    let reply = handler(&rec);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    flight.lock().unwrap().0 -= 1;
    let mut resp = hyper::Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        resp = resp.header(k, v);
    }
    let body = if reply.chunked {
        Chunked {
            data: reply.body,
            pos: 0,
        }
        .boxed()
    } else {
        Full::new(Bytes::from(reply.body)).boxed()
    };
    Ok(resp.body(body).unwrap())
}

/// A body of unknown length, sent in 16 KiB chunks.
struct Chunked {
    data: Vec<u8>,
    pos: usize,
}

impl Body for Chunked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.pos >= self.data.len() {
            return Poll::Ready(None);
        }
        let end = (self.pos + 16 * 1024).min(self.data.len());
        let chunk = Bytes::copy_from_slice(&self.data[self.pos..end]);
        self.pos = end;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }
}

/// Client options for tests: no proxy, no rate limit, short timeouts and
/// backoffs, secrets from `env`.
pub fn fast_options(env: &[(&str, &str)]) -> NetOptions {
    NetOptions {
        jobs: 4,
        rate_limits: RateLimits {
            wechat: 0.0,
            weibo: 0.0,
            feed: 0.0,
            json_api: 0.0,
        },
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(1500),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            rate_limited_delay: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(3),
        },
        use_env_proxy: false,
        ..NetOptions::default()
    }
    .with_env(
        env.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>(),
    )
}

/// A registered account with `source`.
pub fn account(
    id: &str,
    platform: Platform,
    platform_account_id: &str,
    source: SourceSpec,
) -> Account {
    Account {
        id: id.into(),
        name: format!("{id} 账号"),
        platform,
        platform_account_id: platform_account_id.into(),
        unit: "某市教育局".into(),
        department: String::new(),
        created: None,
        followers: None,
        certified: true,
        leader: Contact {
            name: "王建国".into(),
            ..Contact::default()
        },
        admin: Contact {
            name: "李晓雯".into(),
            ..Contact::default()
        },
        source,
    }
}

/// Asserts that none of `secrets` appears in `text`.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "secret {s:?} leaked into: {text}");
    }
}

/// Everything a fetch exposes as text: error, problems, Debug output.
pub fn all_text(f: &xunjian::source::net::Fetched) -> String {
    let mut out = format!("{f:?}\n");
    if let Some(e) = &f.error {
        out.push_str(e);
        out.push('\n');
    }
    for p in &f.problems {
        out.push_str(&p.to_string());
        out.push('\n');
    }
    out
}
