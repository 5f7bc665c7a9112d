//! Assembling one account's [`Fetched`]: posts (deduplicated, capped at
//! the post size limit), deleted ids, problems, the request count, and the
//! final redaction of every message.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::secret::Redactor;
use super::{describe, Fetched, NetKind, NetOptions};
use crate::model::{Account, Post};
use crate::source::ReadProblem;

/// Accumulates what a connector finds while it pages through a source.
/// Cost: the posts themselves plus one id per post.
#[derive(Debug)]
pub struct Collector {
    posts: Vec<Post>,
    seen: HashSet<String>,
    deleted: Vec<String>,
    problems: Vec<ReadProblem>,
    warnings: Vec<String>,
    max_post_bytes: usize,
    source: String,
    /// HTTP requests made so far (incremented by `Http::call`).
    pub requests: u32,
    /// The secrets this fetch used, scrubbed from every message at the end.
    pub redactor: Redactor,
}

impl Collector {
    /// An empty collector for `account`.
    pub fn new(account: &Account, options: &NetOptions) -> Collector {
        Collector {
            posts: Vec::new(),
            seen: HashSet::new(),
            deleted: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            max_post_bytes: options.max_post_bytes.max(1),
            source: describe(&account.source),
            requests: 0,
            redactor: Redactor::default(),
        }
    }

    /// Adds a post, unless one with the same id was already added (pages
    /// of a moving list overlap). A title or text longer than the post size
    /// limit is cut there and the post marked `truncated`.
    pub fn post(&mut self, mut post: Post) {
        if !self.seen.insert(post.id.clone()) {
            return;
        }
        if cap(&mut post.text, self.max_post_bytes) | cap(&mut post.title, self.max_post_bytes) {
            post.truncated = true;
        }
        self.posts.push(post);
    }

    /// Records the id of an item the source reports as deleted.
    pub fn deleted(&mut self, id: String) {
        if self.seen.insert(id.clone()) {
            self.deleted.push(id);
        }
    }

    /// Records a non-fatal problem.
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(ReadProblem {
            file: self.source.clone(),
            line: None,
            message: message.into(),
            fatal: false,
        });
    }

    /// Records a warning: something optional could not be read (e.g. the
    /// comments of a post, for lack of permission) while the posts were.
    /// Reported with the account, but the account stays complete.
    pub fn warning(&mut self, message: impl Into<String>) {
        let m = message.into();
        if !self.warnings.contains(&m) {
            self.warnings.push(m);
        }
    }

    /// Reads a cursor saved by an earlier run of this kind of source. A
    /// cursor of another kind or shape (the registry entry changed) is
    /// reported and ignored, so the fetch runs as a first one, bounded by
    /// `since`.
    pub fn cursor<T: DeserializeOwned>(
        &mut self,
        kind: NetKind,
        value: Option<&serde_json::Value>,
    ) -> Option<T> {
        let value = value?;
        let parsed = (value.get("kind").and_then(|k| k.as_str()) == Some(kind.as_str()))
            .then(|| serde_json::from_value::<T>(value.clone()).ok())
            .flatten();
        if parsed.is_none() {
            self.problem(format!(
                "the saved position is not a {} cursor (did the account's source change?); \
                 read as on a first run, bounded by --since",
                kind.as_str()
            ));
        }
        parsed
    }

    /// The finished result: posts sorted oldest first (untimed last),
    /// every message redacted.
    pub fn finish(self, cursor: Option<serde_json::Value>, error: Option<String>) -> Fetched {
        let mut posts = self.posts;
        posts.sort_by_key(|p| (p.published_at.is_none(), p.published_at));
        let redactor = self.redactor;
        let problems = self
            .problems
            .into_iter()
            .map(|mut p| {
                p.file = redactor.redact(&p.file);
                p.message = redactor.redact(&p.message);
                p
            })
            .collect();
        let warnings = self.warnings.iter().map(|w| redactor.redact(w)).collect();
        Fetched {
            posts,
            warnings,
            deleted: self.deleted,
            cursor: if error.is_some() { None } else { cursor },
            problems,
            error: error.map(|e| redactor.redact(&e)),
            requests: self.requests,
        }
    }
}

/// A cursor value tagged with its kind, as [`Collector::cursor`] reads it.
pub fn make_cursor<T: Serialize>(kind: NetKind, cursor: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(cursor).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.insert("kind".into(), kind.as_str().into());
    }
    v
}

/// Cuts `s` to at most `max` bytes at a character boundary; true when cut.
fn cap(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    true
}

#[cfg(test)]
mod tests {
    use super::cap;

    #[test]
    fn cap_respects_char_boundaries() {
        let mut s = "巡检巡检".to_string();
        assert!(cap(&mut s, 7));
        assert_eq!(s, "巡检");
        let mut t = "ab".to_string();
        assert!(!cap(&mut t, 2));
    }
}
