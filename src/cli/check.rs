//! `xunjian check`: a draft checked before publication (先审后发).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::{fail, load_rules, Exit, FailOn, RuleArgs};
use crate::engine::Scratch;
use crate::model::{AccountRef, Contact, Platform, Post};
use crate::report::{self, Lang};
use crate::source::file::draft_text;

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    /// The draft to check: a text or HTML file, or `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    file: String,
    /// The draft's title, checked too.
    #[arg(long, default_value = "")]
    title: String,
    /// Treat the draft as HTML (implied by a .html/.htm name).
    #[arg(long)]
    html: bool,
    #[command(flatten)]
    rules: RuleArgs,
    /// Output format.
    #[arg(long, default_value = "text")]
    format: CheckFormat,
    /// Exit 1 when a finding is at or above this severity (`none`: never).
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    fail_on: FailOn,
    /// Language of the listing.
    #[arg(long, default_value = "zh")]
    lang: Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

/// `xunjian check`: scans one draft and lists its findings.
pub(super) fn check(a: CheckArgs) -> Exit {
    let (engine, _) = match load_rules(&a.rules) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let body = if a.file == "-" {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            return fail(format!("cannot read the draft from standard input: {e}"));
        }
        draft_text(&bytes, a.html).map_err(|e| format!("standard input: {e}"))
    } else {
        crate::source::file::read_draft(Path::new(&a.file), a.html)
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let post = Post::from_text("draft", &a.title, &body);
    let draft_account = Arc::new(AccountRef {
        id: "draft".into(),
        name: "draft".into(),
        platform: Platform::App,
        platform_account_id: "draft".into(),
        unit: String::new(),
        department: String::new(),
        leader: Contact::default(),
        admin: Contact::default(),
    });
    let findings = engine.scan_post(&draft_account, &post, &mut Scratch::new());
    match a.format {
        CheckFormat::Text => print!(
            "{}",
            report::text::check_listing(&findings, &post.title, &post.text, a.lang)
        ),
        CheckFormat::Json => {
            let doc = serde_json::json!({
                "schema_version": report::json::SCHEMA_VERSION,
                "rule_packs": engine.rules.versions().into_iter().map(|(id, v)| serde_json::json!({"id": id, "version": v})).collect::<Vec<_>>(),
                "findings": findings.iter().map(|f| serde_json::json!({
                    "rule": f.rule,
                    "field": f.field,
                    "matched": f.matched,
                    "normalized": f.normalized,
                    "occurrences": f.occurrences,
                    "char_start": f.char_start,
                    "char_end": f.char_end,
                    "snippet": f.snippet,
                    "evasion": f.evasion,
                })).collect::<Vec<_>>(),
            });
            match serde_json::to_string_pretty(&doc) {
                Ok(s) => println!("{s}"),
                Err(e) => return fail(e),
            }
        }
    }
    if a.fail_on.tripped(&findings) {
        Exit::Findings
    } else {
        Exit::Clean
    }
}
