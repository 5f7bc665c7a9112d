//! `xunjian rules list` and `xunjian rules test`.

use super::{load_rules, Exit, RuleArgs};
use crate::rules;

/// `xunjian rules list`.
pub(super) fn list(a: RuleArgs) -> Exit {
    let (engine, origin) = match load_rules(&a) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let set = &engine.rules;
    println!(
        "rules from {origin}: {} packs, {} rules, {} distinct words",
        set.packs.len(),
        set.rules.len(),
        engine.matcher.pattern_count()
    );
    for (pi, pack) in set.packs.iter().enumerate() {
        println!(
            "\n{} @ {} — {} [{}]",
            pack.id, pack.version, pack.name, pack.category
        );
        for r in set.rules.iter().filter(|r| r.pack == pi) {
            let mut how = Vec::new();
            if !r.keywords.is_empty() {
                how.push(format!("{} keywords", r.keywords.len()));
            }
            if r.regex.is_some() {
                how.push("regex".to_string());
            }
            if let Some(v) = r.validator {
                how.push(format!("validator {}", v.as_str()));
            }
            if !r.allow.is_empty() {
                how.push(format!("{} allow", r.allow.len()));
            }
            if r.context.is_some() {
                how.push("context".to_string());
            }
            println!(
                "  {:<36} {:<8} {:<13} {}  {} ({})",
                r.id,
                r.severity.as_str(),
                r.category.as_str(),
                rules::article_label(r.article),
                r.name,
                how.join(", ")
            );
        }
    }
    Exit::Clean
}

/// `xunjian rules test`: exit 1 on any misbehaving example.
pub(super) fn test(a: RuleArgs) -> Exit {
    let (engine, origin) = match load_rules(&a) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let outcome = rules::selftest::run(&engine);
    for m in &outcome.misses {
        if m.expected_match {
            println!(
                "MISS   {} ({}): example did not match: {}",
                m.rule, m.origin, m.text
            );
        } else {
            println!(
                "FALSE  {} ({}): counter-example matched [{}]: {}",
                m.rule,
                m.origin,
                m.matched.join(", "),
                m.text
            );
        }
    }
    for r in &outcome.rules_without_examples {
        println!("note   {r}: no examples");
    }
    println!(
        "rules test ({origin}): {} rules, {} examples checked, {} passed, {} failed",
        engine.rules.rules.len(),
        outcome.checked,
        outcome.checked - outcome.misses.len(),
        outcome.misses.len()
    );
    if outcome.misses.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    }
}
