//! The matching engine: pure and synchronous, no I/O.
//!
//! - [`normalize`] folds text and keeps a map back to the original offsets;
//! - [`fused`] folds and matches keywords in one pass over the original
//!   text, on a [`char_automaton`] (Aho-Corasick over characters);
//! - [`matcher`] compiles every rule into one automaton plus regexes and
//!   scans one text, building normalized views only where its gates
//!   ([`regex_gate`]) say a regex or repeat rule may fire;
//! - [`regex_group`] reads the group a regex reports off its whole match,
//!   where the regex allows, so no capture search runs;
//! - [`validate`] holds the checksum validators regex rules can name;
//! - [`findings`] turns the hits of a post into findings with fingerprints.
//!
//! [`Engine`] bundles a loaded rule set with its compiled matcher.

pub mod char_automaton;
pub mod confusables;
pub mod findings;
pub mod fused;
pub mod matcher;
pub mod normalize;
pub mod pinyin;
pub mod regex_gate;
pub mod regex_group;
pub mod segment;
pub mod transforms;
pub mod validate;

pub use matcher::{CompileError, Matcher, Scratch};

use std::sync::Arc;

use crate::model::{AccountRef, Field, Finding, Hit, Post};

use crate::rules::RuleSet;

/// A rule set and its compiled matcher, shared read-only by every scanning thread.
#[derive(Debug)]
pub struct Engine {
    /// The rules as loaded.
    pub rules: RuleSet,
    /// The rules compiled.
    pub matcher: Matcher,
    /// What findings say of each rule, shared by them.
    rule_refs: findings::RuleRefs,
}

impl Engine {
    /// Compiles `rules`.
    pub fn new(rules: RuleSet) -> Result<Engine, CompileError> {
        let matcher = Matcher::new(&rules)?;
        let rule_refs = findings::RuleRefs::new(&rules);
        Ok(Engine {
            rules,
            matcher,
            rule_refs,
        })
    }

    /// This engine with its matcher's gates off
    /// ([`Matcher::without_gates`]): same findings, slower.
    pub fn without_gates(self) -> Engine {
        Engine {
            matcher: self.matcher.without_gates(),
            ..self
        }
    }

    /// Every hit in a post's title and body, title first.
    pub fn hits(&self, post: &Post, scratch: &mut Scratch) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.matcher
            .scan(&post.title, Field::Title, scratch, &mut hits);
        self.matcher
            .scan(&post.text, Field::Body, scratch, &mut hits);
        hits
    }

    /// The findings of a post: one per (rule, normalized match) in its
    /// title and body, then one per (comment, rule, normalized match) in its
    /// comments (users' and the account's replies alike). The findings
    /// share `account` (pass the same one for every post of an account).
    /// Cost: one matcher pass per field and per comment.
    pub fn scan_post(
        &self,
        account: &Arc<AccountRef>,
        post: &Post,
        scratch: &mut Scratch,
    ) -> Vec<Finding> {
        let hits = self.hits(post, scratch);
        let mut out = findings::build(account, post, &hits, &self.rule_refs);
        let mut comment_hits = Vec::new();
        for comment in &post.comments {
            comment_hits.clear();
            self.matcher
                .scan(&comment.text, Field::Comment, scratch, &mut comment_hits);
            out.extend(findings::build_comment(
                account,
                post,
                comment,
                &comment_hits,
                &self.rule_refs,
            ));
        }
        out
    }
}
