//! `xunjian rules test`: every rule's examples must fire it and every
//! counter-example must not, through the real engine.

use crate::engine::{Engine, Scratch};
use crate::model::{Field, Post};

/// One example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// Rule id.
    pub rule: String,
    /// Where the rule is defined (`file:line`).
    pub origin: String,
    /// True for an example that did not fire, false for a counter-example that did.
    pub expected_match: bool,
    /// The example text.
    pub text: String,
    /// For counter-examples that fired: what matched.
    pub matched: Vec<String>,
}

/// Totals of a self-test run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Examples and counter-examples checked.
    pub checked: usize,
    /// Rules without any example.
    pub rules_without_examples: Vec<String>,
    /// Everything that misbehaved.
    pub misses: Vec<Miss>,
}

/// Runs every example and counter-example of every rule in `engine`.
///
/// Cost: one scan per example; examples are short.
pub fn run(engine: &Engine) -> Outcome {
    let mut scratch = Scratch::new();
    let mut out = Outcome::default();
    for (ri, rule) in engine.rules.rules.iter().enumerate() {
        if rule.examples.is_empty() {
            out.rules_without_examples.push(rule.id.clone());
        }
        let cases = rule
            .examples
            .iter()
            .map(|t| (t, true))
            .chain(rule.counter_examples.iter().map(|t| (t, false)));
        for (text, should) in cases {
            out.checked += 1;
            let post = Post::from_text("example", "", text);
            let matched: Vec<String> = engine
                .hits(&post, &mut scratch)
                .into_iter()
                .filter(|h| h.rule == ri && h.field == Field::Body)
                .map(|h| text[h.start..h.end].to_string())
                .collect();
            if matched.is_empty() == should {
                out.misses.push(Miss {
                    rule: rule.id.clone(),
                    origin: rule.origin.to_string(),
                    expected_match: should,
                    text: text.clone(),
                    matched,
                });
            }
        }
    }
    out
}
