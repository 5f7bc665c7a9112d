//! The annotated regression corpus (tests/corpus), `rules lint` and
//! `rules mine-fp` on the shipped packs.

use std::path::PathBuf;
use std::process::Command;

use xunjian::engine::Engine;
use xunjian::rules;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn engine() -> Engine {
    Engine::new(rules::load_embedded().expect("shipped packs load")).expect("compile")
}

#[test]
fn the_corpus_agrees_with_the_shipped_packs() {
    let e = engine();
    let cases = rules::corpus::load_dir(&root().join("tests/corpus")).expect("corpus loads");
    assert!(cases.len() >= 80, "corpus has {} cases", cases.len());
    for pack in ["classified", "personal_info", "false", "unhealthy"] {
        let n = cases
            .iter()
            .filter(|c| c.origin.contains(&format!("{pack}.toml")))
            .count();
        assert!(n >= 20, "{pack}: only {n} cases");
    }
    let rep = rules::corpus::run(&e, &cases).expect("corpus names known rules");
    let lines: Vec<String> = rep
        .mismatches
        .iter()
        .map(|m| {
            format!(
                "{} {} {} [{}]: {}",
                if m.missed { "FN" } else { "FP" },
                m.rule,
                m.origin,
                m.matched.join(","),
                m.text
            )
        })
        .collect();
    assert!(lines.is_empty(), "corpus mismatches:\n{}", lines.join("\n"));
    // Every rule of every pack is exercised by at least one positive case.
    for r in &e.rules.rules {
        assert!(
            rep.scores.get(&r.id).is_some_and(|s| s.tp > 0),
            "{}: no positive case in tests/corpus",
            r.id
        );
    }
}

#[test]
fn a_corpus_naming_an_unknown_rule_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("x.toml"),
        "[[case]]\ntext = \"abc\"\nfire = [\"no.such_rule\"]\n",
    )
    .unwrap();
    let cases = rules::corpus::load_dir(d.path()).unwrap();
    let err = rules::corpus::run(&engine(), &cases).unwrap_err();
    assert!(err.contains("no.such_rule"), "{err}");
}

#[test]
fn lint_finds_no_errors_in_the_shipped_packs_and_flags_bad_rules() {
    let set = rules::load_embedded().unwrap();
    let found = rules::lint::lint(&set, &rules::lint::Options::default());
    let errors: Vec<_> = found
        .iter()
        .filter(|l| l.level == rules::lint::Level::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");

    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("p.toml"),
        r#"[pack]
id = "p"
version = "1"
name = "p"
category = "unhealthy"

[[rule]]
id = "p.bad"
name = "bad"
message = "m"
severity = "low"
article = 10
keywords = ["赌", "赌博", "网络赌博", "賭博"]
allow = ["天气晴朗"]
"#,
    )
    .unwrap();
    let set = rules::load_dir(d.path()).unwrap();
    let dict = rules::lint::Dictionary::parse("赌博 3000 n\n");
    let found = rules::lint::lint(
        &set,
        &rules::lint::Options {
            dict: Some(dict),
            common_freq: 2000,
        },
    );
    let checks: Vec<&str> = found.iter().map(|l| l.check).collect();
    for c in [
        "single-char",
        "duplicate",
        "shadowed",
        "dead-allow",
        "no-examples",
        "common-word",
    ] {
        assert!(checks.contains(&c), "{c} not reported: {checks:?}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(["rules", "lint", "--rules"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "lint errors exit 1");
}

#[test]
fn rules_test_runs_the_corpus_and_mine_fp_reads_cold_csv() {
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(["rules", "test", "--corpus", "tests/corpus"])
        .current_dir(root())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("0 mismatches"), "{out}");

    let d = tempfile::tempdir().unwrap();
    let csv = d.path().join("cold.csv");
    std::fs::write(
        &csv,
        "\u{feff},split,topic,label,TEXT\n1,dev,race,0,今天天气很好\n2,dev,race,0,你个傻逼吧\n3,dev,race,0,你个傻逼吧\n4,dev,race,1,你个傻逼\n",
    )
    .unwrap();
    let docs = rules::minefp::read_docs(&csv, "TEXT", Some("0")).unwrap();
    assert_eq!(docs.len(), 3);
    let mined = rules::minefp::mine(&engine(), &docs);
    assert_eq!(mined[0].rule, "unhealthy.abuse");
    assert_eq!(mined[0].docs, 2);
    assert!(mined[0].suggestions.iter().any(|(p, _)| p.contains("傻逼")));
    let o = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(["rules", "mine-fp", "--label", "0"])
        .arg(&csv)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("3 documents, 2 flagged"), "{out}");
}
