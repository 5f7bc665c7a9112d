//! Operations findings: breaches of the operating duties of the Measures
//! rather than of content — registration gaps (Art. 4, 5, 14) found by
//! auditing the registry, and users' questions left unanswered (Art. 12).
//!
//! These findings come from built-in checks, not from rule packs, but they
//! are ordinary [`Finding`]s of category [`Category::Operations`]: they go
//! through the same state store, suppressions, review loop and reports as
//! content findings. This module holds what the checks share: the built-in
//! pack's identity and the constructor of a finding.

pub mod audit;
pub mod questions;
pub mod workdays;

use crate::engine::findings::{fingerprint, snippet};
use std::sync::Arc;

use crate::model::{AccountRef, Category, Field, Finding, Novelty, PostRef, RuleRef, Severity};

/// Pack id of the built-in operations checks, as shown in reports.
pub const PACK: &str = "operations";

/// Version of the built-in operations checks; bump it when a check changes
/// what it reports.
pub const PACK_VERSION: &str = "2026.11.26";

/// One built-in operations check: what the registry rules in `rules/` say
/// for content, as a constant.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Stable id, `operations.<name>`.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// How serious a breach is.
    pub severity: Severity,
    /// Article of the Measures breached.
    pub article: u32,
    /// What is wrong and what to do, for the officer.
    pub message: &'static str,
}

impl Check {
    /// The rule fields a finding of this check carries.
    pub fn rule_ref(&self) -> RuleRef {
        RuleRef {
            id: self.id.to_string(),
            name: self.name.to_string(),
            pack: PACK.to_string(),
            pack_version: PACK_VERSION.to_string(),
            category: Category::Operations,
            severity: self.severity,
            article: self.article,
            message: self.message.to_string(),
        }
    }
}

/// What an operations finding is about and where its text comes from.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The post concerned; `None` for findings about the account itself
    /// (its post fields are then empty).
    pub post: Option<PostRef>,
    /// The field the text below comes from.
    pub field: Field,
    /// The text shown as the matched text (e.g. the question asked, or the
    /// registry field that is wrong).
    pub matched: &'a str,
    /// The stable identity of what is wrong within the account or post (e.g.
    /// `leader.mobile`, or the comment id): goes into the fingerprint, so it
    /// must not change between runs while the breach persists.
    pub key: &'a str,
    /// The text the snippet is cut from (often the same as `matched`).
    pub context: &'a str,
    /// Facts for the officer, in Chinese (becomes [`Finding::detail`]).
    pub detail: String,
}

/// Builds an operations finding for `check` on `account`, fingerprinted
/// like content findings from (platform, account id, post id, check id,
/// key). Cheap: a few string copies and one SHA-256.
pub fn finding(account: &Arc<AccountRef>, check: &Check, subject: Subject<'_>) -> Finding {
    let post = subject.post.unwrap_or_else(|| PostRef {
        id: String::new(),
        title: String::new(),
        url: String::new(),
        published_at: String::new(),
        author: String::new(),
        truncated: false,
    });
    let (char_start, char_end, snip) = match subject.context.find(subject.matched) {
        Some(at) if !subject.matched.is_empty() => {
            let start = subject.context[..at].chars().count();
            (
                start,
                start + subject.matched.chars().count(),
                snippet(subject.context, at, at + subject.matched.len()),
            )
        }
        _ => (0, 0, snippet(subject.context, 0, 0)),
    };
    Finding {
        fingerprint: fingerprint(
            account.platform.as_str(),
            &account.platform_account_id,
            &post.id,
            check.id,
            subject.key,
        ),
        account: Arc::clone(account),
        post: Arc::new(post),
        rule: Arc::new(check.rule_ref()),
        field: subject.field,
        matched: subject.matched.to_string(),
        normalized: subject.key.to_string(),
        occurrences: 1,
        char_start,
        char_end,
        snippet: snip,
        evasion: false,
        evasions: Vec::new(),
        comment_id: String::new(),
        detail: subject.detail,
        novelty: Novelty::New,
    }
}
