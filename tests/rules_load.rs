//! Rule-pack loading errors name the file, the line and the rule, and say
//! what to do; every problem of a load is reported at once.

use std::fs;
use std::path::Path;

use xunjian::rules::{load_dir, RuleErrors};

const HEADER: &str =
    "[pack]\nid = \"p\"\nversion = \"1\"\nname = \"n\"\ncategory = \"unhealthy\"\n";

fn rule(id: &str, extra: &str) -> String {
    format!("\n[[rule]]\nid = \"{id}\"\nname = \"n\"\nmessage = \"m\"\nseverity = \"low\"\narticle = 10\n{extra}\n")
}

fn load(files: &[(&str, &str)]) -> Result<xunjian::rules::RuleSet, RuleErrors> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    load_dir(dir.path())
}

fn errors(files: &[(&str, &str)]) -> Vec<String> {
    match load(files) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

fn file_name(e: &str) -> &str {
    Path::new(e.split(':').next().unwrap())
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
}

#[test]
fn a_good_pack_loads_with_word_list_and_pack_allow() {
    let pack = format!(
        "{HEADER}allow = [\"禁毒宣传\"]\n{}",
        rule(
            "p.a",
            "keywords = [\"冰毒\"]\nkeywords_file = \"words/w.txt\"\nallow = [\"冰毒危害\"]"
        )
    );
    let set = load(&[
        ("p.toml", &pack),
        ("words/w.txt", "# comment\n摇头丸\n\n冰毒\nK粉\n"),
    ])
    .unwrap();
    assert_eq!(set.packs.len(), 1);
    let r = &set.rules[0];
    assert_eq!(r.keywords, vec!["冰毒", "摇头丸", "K粉"]);
    assert_eq!(r.allow, vec!["冰毒危害", "禁毒宣传"]);
    assert_eq!(r.origin.line, 9, "the line of the rule id");
}

#[test]
fn unknown_field_names_line_and_rule() {
    let pack = format!(
        "{HEADER}{}",
        rule("p.a", "keywords = [\"x1\"]\nkeyword = [\"typo\"]")
    );
    let e = errors(&[("p.toml", &pack)]);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(file_name(&e[0]), "p.toml");
    assert!(e[0].contains(":14:"), "{}", e[0]);
    assert!(e[0].contains("rule `p.a`"), "{}", e[0]);
    assert!(e[0].contains("unknown field `keyword`"), "{}", e[0]);
}

#[test]
fn duplicate_ids_across_files() {
    let a = format!("{HEADER}{}", rule("same.id", "keywords = [\"赌博\"]"));
    let b = format!(
        "{}{}",
        HEADER.replace("\"p\"", "\"q\""),
        rule("same.id", "keywords = [\"赌场\"]")
    );
    let e = errors(&[("a.toml", &a), ("b.toml", &b)]);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(file_name(&e[0]), "b.toml");
    assert!(
        e[0].contains("duplicate rule id, first defined at"),
        "{}",
        e[0]
    );
    assert!(e[0].contains("a.toml:8"), "{}", e[0]);
}

#[test]
fn bad_regex_empty_rule_and_bad_words_are_all_reported() {
    let pack = format!(
        "{HEADER}{}{}{}{}",
        rule("p.regex", "regex = '(?<=x)y'"),
        rule("p.empty", ""),
        rule("p.noise", "keywords = [\"★★\", \"好\"]"),
        rule("p.validator", "keywords = [\"a1\"]\nvalidator = \"luhn\""),
    );
    let e = errors(&[("p.toml", &pack)]);
    let joined = e.join("\n");
    assert_eq!(e.len(), 4, "{joined}");
    assert!(
        e[0].contains("rule `p.regex`") && e[0].contains("regex does not compile"),
        "{joined}"
    );
    assert!(
        e[1].contains("rule `p.empty`") && e[1].contains("nothing to match"),
        "{joined}"
    );
    assert!(
        e[2].contains("rule `p.noise`") && e[2].contains("can never match"),
        "{joined}"
    );
    assert!(
        e[3].contains("rule `p.validator`") && e[3].contains("add a regex"),
        "{joined}"
    );
    assert!(e[0].contains(":8:"), "{joined}");
}

#[test]
fn bad_severity_and_missing_word_file() {
    let pack = format!(
        "{HEADER}{}{}",
        rule("p.a", "keywords = [\"赌博\"]").replace("\"low\"", "\"urgent\""),
        rule("p.b", "keywords_file = \"words/missing.txt\"")
    );
    let e = errors(&[("p.toml", &pack)]);
    assert!(e[0].contains("unknown variant `urgent`"), "{e:?}");
    let pack = format!(
        "{HEADER}{}",
        rule("p.b", "keywords_file = \"words/missing.txt\"")
    );
    let e = errors(&[("p.toml", &pack)]);
    assert!(
        e[0].contains("keywords_file") && e[0].contains("missing.txt"),
        "{e:?}"
    );
}

#[test]
fn word_list_errors_name_the_list_line() {
    let pack = format!("{HEADER}{}", rule("p.a", "keywords_file = \"w.txt\""));
    let e = errors(&[("p.toml", &pack), ("w.txt", "赌博\n\n！！\n")]);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("w.txt:3"), "{}", e[0]);
}

#[test]
fn missing_folder_says_what_to_do() {
    let e = load_dir(Path::new("/nonexistent/rules")).unwrap_err();
    assert!(e.to_string().contains("--rules"), "{e}");
}

#[test]
fn evasion_options_load_and_are_checked() {
    let pack = format!(
        "{HEADER}{}{}",
        rule(
            "p.a",
            "keywords = [\"赌博\"]\nrepeat = true\npinyin = true\nword_boundary = false"
        ),
        rule("p.b", "regex = '1[3-9][0-9]{9}'\nnumerals = true")
    );
    let set = load(&[("p.toml", &pack)]).unwrap();
    let (a, b) = (&set.rules[0].options, &set.rules[1].options);
    assert!(a.repeat && a.pinyin && !a.word_boundary && !a.numerals);
    assert!(
        b.numerals && b.word_boundary,
        "word boundaries are on by default"
    );
    assert!(!b.repeat && !b.pinyin);

    let bad = format!(
        "{HEADER}{}{}",
        rule("p.c", "regex = 'x[0-9]'\npinyin = true\nrepeat = true"),
        rule("p.d", "keywords = [\"赌博\"]\nnumerals = true")
    );
    let errs = errors(&[("p.toml", &bad)]);
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].contains("`repeat = true` applies to keywords") && errs[0].contains("p.c"));
    assert!(errs[1].contains("`pinyin = true`"));
    assert!(errs[2].contains("`numerals = true`") && errs[2].contains("p.d"));
}
