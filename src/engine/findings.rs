//! From hits to findings: grouping, snippets and fingerprints.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::model::{AccountRef, Comment, Field, Finding, Hit, Novelty, Post, PostRef, RuleRef};
use crate::rules::RuleSet;

/// Characters of context kept on each side of a match in a snippet.
pub const SNIPPET_CONTEXT: usize = 20;

/// The stable identity of a finding: SHA-256 over platform, platform account
/// id, post id, rule id and normalized match (no offsets, no field), as 32
/// hex digits. A re-scan, a re-fetch, an edit elsewhere in the post, or a
/// reordering of rule files keeps it.
pub fn fingerprint(
    platform: &str,
    account_id: &str,
    post_id: &str,
    rule_id: &str,
    normalized: &str,
) -> String {
    hash_parts(&[platform, account_id, post_id, rule_id, normalized])
}

/// The stable identity of a finding in a comment: like [`fingerprint`],
/// with the comment id as one more part, so the same word in two comments
/// of one post is two findings (and never the same as one in the body).
pub fn comment_fingerprint(
    platform: &str,
    account_id: &str,
    post_id: &str,
    comment_id: &str,
    rule_id: &str,
    normalized: &str,
) -> String {
    hash_parts(&[
        platform, account_id, post_id, rule_id, normalized, "comment", comment_id,
    ])
}

/// SHA-256 over the parts, each followed by U+001F, as 32 hex digits.
fn hash_parts(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex(&h.finalize()[..16])
}

/// `bytes` as lower-case hex digits (two per byte), in one allocation.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// The post fields a finding carries.
pub fn post_ref(post: &Post) -> PostRef {
    PostRef {
        id: post.id.clone(),
        title: post.title.clone(),
        url: post.url.clone(),
        published_at: post
            .published_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        author: post.author.clone(),
        truncated: post.truncated,
    }
}

/// The text around `start..end` of `text` on one line: up to
/// [`SNIPPET_CONTEXT`] characters each side, line breaks and tabs turned
/// into spaces, `…` where it was cut.
pub fn snippet(text: &str, start: usize, end: usize) -> String {
    // Where the context starts and ends, in bytes, and whether text was
    // cut there: one pass over the context, one allocation.
    let (from, cut_before) = match text[..start].char_indices().rev().nth(SNIPPET_CONTEXT - 1) {
        Some((i, _)) => (i, i > 0),
        None => (0, false),
    };
    let (to, cut_after) = match text[end..].char_indices().nth(SNIPPET_CONTEXT) {
        Some((i, _)) => (end + i, true),
        None => (text.len(), false),
    };
    let mut out = String::with_capacity(to - from + 6);
    if cut_before {
        out.push('…');
    }
    out.extend(text[from..to].chars().map(|c| {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            ' '
        } else {
            c
        }
    }));
    if cut_after {
        out.push('…');
    }
    out
}

const _: () = assert!(SNIPPET_CONTEXT > 0, "a snippet keeps some context");

/// The [`RuleRef`] of every rule of a [`RuleSet`], built once so the
/// findings of a rule share one (findings are many, rules few).
#[derive(Debug, Clone)]
pub struct RuleRefs(Vec<Arc<RuleRef>>);

impl RuleRefs {
    /// The references of `rules`' rules, by rule index.
    pub fn new(rules: &RuleSet) -> RuleRefs {
        RuleRefs(
            rules
                .rules
                .iter()
                .map(|rule| {
                    Arc::new(RuleRef {
                        id: rule.id.clone(),
                        name: rule.name.clone(),
                        pack: rules.pack_of(rule).id.clone(),
                        pack_version: rules.pack_of(rule).version.clone(),
                        category: rule.category,
                        severity: rule.severity,
                        article: rule.article,
                        message: rule.message.clone(),
                    })
                })
                .collect(),
        )
    }
}

/// Groups a post's hits into findings: one per (rule, normalized match),
/// reporting the first occurrence (title before body) and the count. The
/// findings share `account`, one [`PostRef`] and the rules' references.
pub fn build(
    account: &Arc<AccountRef>,
    post: &Post,
    hits: &[Hit],
    rules: &RuleRefs,
) -> Vec<Finding> {
    if hits.is_empty() {
        return Vec::new();
    }
    let mut groups: BTreeMap<(usize, &str), (usize, u32, Option<usize>)> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        let g = groups
            .entry((h.rule, h.normalized.as_str()))
            .or_insert((i, 0, None));
        g.1 += 1;
        if h.evasion && g.2.is_none() {
            g.2 = Some(i);
        }
    }
    let post_ref = Arc::new(post_ref(post));
    let mut out: Vec<Finding> = groups
        .into_values()
        .map(|(first, count, evasion)| {
            let h = &hits[first];
            let rule = &rules.0[h.rule];
            let text = match h.field {
                Field::Title => &post.title,
                // Comments go through `build_comment`.
                Field::Body | Field::Comment | Field::Registry => &post.text,
            };
            let char_start = text[..h.start].chars().count();
            let char_end = char_start + text[h.start..h.end].chars().count();
            Finding {
                fingerprint: fingerprint(
                    account.platform.as_str(),
                    &account.platform_account_id,
                    &post.id,
                    &rule.id,
                    &h.normalized,
                ),
                account: Arc::clone(account),
                post: Arc::clone(&post_ref),
                rule: Arc::clone(rule),
                field: h.field,
                matched: text[h.start..h.end].to_string(),
                normalized: h.normalized.clone(),
                occurrences: count,
                char_start,
                char_end,
                snippet: snippet(text, h.start, h.end),
                evasion: evasion.is_some(),
                evasions: evasion.map_or_else(Vec::new, |i| hits[i].evasions.labels()),
                comment_id: String::new(),
                detail: String::new(),
                novelty: Novelty::New,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.field, a.char_start, &a.rule.id, &a.normalized).cmp(&(
            b.field,
            b.char_start,
            &b.rule.id,
            &b.normalized,
        ))
    });
    out
}

/// Groups the hits of one comment into findings: one per (rule,
/// normalized match), with `field = comment`, the comment's id, a snippet
/// of the comment and a fingerprint that includes the comment id.
pub fn build_comment(
    account: &Arc<AccountRef>,
    post: &Post,
    comment: &Comment,
    hits: &[Hit],
    rules: &RuleRefs,
) -> Vec<Finding> {
    if hits.is_empty() {
        return Vec::new();
    }
    let as_post = Post {
        id: post.id.clone(),
        text: comment.text.clone(),
        ..Post::default()
    };
    let body_hits: Vec<Hit> = hits
        .iter()
        .map(|h| Hit {
            field: Field::Body,
            ..h.clone()
        })
        .collect();
    let post_ref = Arc::new(post_ref(post));
    build(account, &as_post, &body_hits, rules)
        .into_iter()
        .map(|mut f| {
            f.field = Field::Comment;
            f.comment_id = comment.id.clone();
            f.post = Arc::clone(&post_ref);
            f.fingerprint = comment_fingerprint(
                account.platform.as_str(),
                &account.platform_account_id,
                &post.id,
                &comment.id,
                &f.rule.id,
                &f.normalized,
            );
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_sensitive() {
        let a = fingerprint("weibo", "123", "p1", "r.x", "赌博");
        assert_eq!(a.len(), 32);
        // Pinned: stored findings and baselines are keyed by it, so its
        // value must never change (the first 16 bytes of SHA-256 over the
        // parts, each followed by U+001F, in lowercase hex).
        assert_eq!(
            fingerprint("weibo", "123", "p9", "classified.marks", "绝密"),
            "e9e7da46041330106e047d481e203917"
        );
        assert_eq!(a, fingerprint("weibo", "123", "p1", "r.x", "赌博"));
        assert_ne!(a, fingerprint("weibo", "123", "p2", "r.x", "赌博"));
        assert_ne!(a, fingerprint("weibo", "12", "3p1", "r.x", "赌博"));
        let c1 = comment_fingerprint("weibo", "123", "p1", "c1", "r.x", "赌博");
        let c2 = comment_fingerprint("weibo", "123", "p1", "c2", "r.x", "赌博");
        assert_ne!(c1, c2);
        assert_ne!(c1, a);
        assert_eq!(
            c1,
            comment_fingerprint("weibo", "123", "p1", "c1", "r.x", "赌博")
        );
    }

    /// The snippet as first written (two character vectors, then a
    /// second pass): the reference for the one-pass [`snippet`].
    fn snippet_reference(text: &str, start: usize, end: usize) -> String {
        let before: Vec<char> = text[..start]
            .chars()
            .rev()
            .take(SNIPPET_CONTEXT + 1)
            .collect();
        let after: Vec<char> = text[end..].chars().take(SNIPPET_CONTEXT + 1).collect();
        let mut out = String::new();
        if before.len() > SNIPPET_CONTEXT {
            out.push('…');
        }
        out.extend(before.iter().take(SNIPPET_CONTEXT).rev());
        out.push_str(&text[start..end]);
        out.extend(after.iter().take(SNIPPET_CONTEXT));
        if after.len() > SNIPPET_CONTEXT {
            out.push('…');
        }
        out.chars()
            .map(|c| {
                if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                    ' '
                } else {
                    c
                }
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn snippet_equals_the_reference(
            text in "[a-z赌博\n\t\u{2028}…一二 ]{0,60}",
            a in 0usize..70,
            b in 0usize..70,
        ) {
            let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let (a, b) = (chars[a % chars.len()], chars[b % chars.len()]);
            let (start, end) = (a.min(b), a.max(b));
            proptest::prop_assert_eq!(snippet(&text, start, end), snippet_reference(&text, start, end));
        }
    }

    #[test]
    fn snippet_cuts_and_flattens() {
        let text = "一二三四五六七八九十一二三四五六七八九十一二三\n赌博\n一二三四五六七八九十一二三四五六七八九十一二三";
        let start = text.find("赌博").unwrap();
        let s = snippet(text, start, start + "赌博".len());
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains(" 赌博 "));
        assert_eq!(s.chars().count(), 20 + 2 + 20 + 2);
    }
}
