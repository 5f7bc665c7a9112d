//! The matcher through the public API: keywords, evasions, allow phrases,
//! context, nested words, regexes with validators and prefilters.

use xunjian::engine::{Engine, Scratch};
use xunjian::model::{Field, Post};
use xunjian::rules;

const PACK: &str = r#"
[pack]
id = "t"
version = "1"
name = "test"
category = "unhealthy"
allow = ["打击网络赌博"]

[[rule]]
id = "t.gambling"
name = "赌博"
message = "m"
severity = "high"
article = 10
keywords = ["赌博", "网络赌博", "赌"]
allow = ["赌气"]
# Nested words are what this rule tests: no dictionary word boundaries.
word_boundary = false

[[rule]]
id = "t.yellow"
name = "黄色"
message = "m"
severity = "medium"
article = 10
keywords = ["黄色"]
allow = ["黄色预警"]

[[rule]]
id = "t.sb"
name = "sb"
message = "m"
severity = "low"
article = 10
keywords = ["sb", "110"]

[[rule]]
id = "t.card"
name = "bank card"
message = "m"
severity = "high"
article = 13
category = "personal_info"
regex = '(?:^|[^0-9])(?P<m>[0-9]{16,19})(?:[^0-9]|$)'
validator = "luhn"
context = { window = 10, require = ["卡号", "账号"] }

[[rule]]
id = "t.rumour"
name = "rumour"
message = "m"
severity = "medium"
article = 10
category = "false"
keywords = ["速转"]
context = { forbid = ["辟谣"] }

[[rule]]
id = "t.marking"
name = "marking"
message = "m"
severity = "critical"
article = 13
category = "classified"
regex = '(?:绝密|机密|秘密)[★☆]\s*(?:[0-9]+年|[0-9]+个月|长期)'
prefilter = ["★", "☆"]
"#;

static FILES: &[(&str, &str)] = &[("t.toml", PACK)];

fn engine() -> Engine {
    Engine::new(rules::load_files(FILES).expect("test pack loads")).expect("compiles")
}

/// (rule id, original matched text, evasion) of every hit in `text`.
fn hits(e: &Engine, text: &str) -> Vec<(String, String, bool)> {
    let post = Post {
        id: "p".into(),
        title: String::new(),
        text: text.into(),
        url: String::new(),
        published_at: None,
        author: String::new(),
        truncated: false,
        comments: Vec::new(),
    };
    e.hits(&post, &mut Scratch::new())
        .into_iter()
        .map(|h| {
            assert_eq!(h.field, Field::Body);
            (
                e.rules.rules[h.rule].id.clone(),
                text[h.start..h.end].to_string(),
                h.evasion,
            )
        })
        .collect()
}

fn ids(v: &[(String, String, bool)]) -> Vec<&str> {
    v.iter().map(|(id, _, _)| id.as_str()).collect()
}

#[test]
fn nested_words_all_fire() {
    let e = engine();
    let h = hits(&e, "参与网络赌博的人");
    let texts: Vec<&str> = h.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(texts, vec!["网络赌博", "赌", "赌博"]);
}

#[test]
fn evasions_are_caught_and_flagged() {
    let e = engine();
    for (text, original) in [
        ("他在搞赌 博", "赌 博"),
        ("他在搞賭博", "賭博"),
        ("他在搞赌♥博", "赌♥博"),
        ("他在搞赌\u{200b}博", "赌\u{200b}博"),
        ("他在搞赌.博", "赌.博"),
    ] {
        let h = hits(&e, text);
        let found = h
            .iter()
            .find(|(id, t, _)| id == "t.gambling" && t == original);
        let (_, _, evasion) =
            found.unwrap_or_else(|| panic!("no hit `{original}` in {text}: {h:?}"));
        assert!(evasion, "{text}: evasion flag");
    }
    let h = hits(&e, "他在搞赌博");
    assert!(
        h.iter().all(|(_, _, ev)| !ev),
        "plain text is no evasion: {h:?}"
    );
}

#[test]
fn no_match_across_sentence_end_or_line_break() {
    let e = engine();
    assert!(!ids(&hits(&e, "天色泛黄。色彩很好")).contains(&"t.yellow"));
    assert!(!ids(&hits(&e, "泛黄\n色彩")).contains(&"t.yellow"));
    assert!(ids(&hits(&e, "泛黄，色彩")).contains(&"t.yellow"));
}

#[test]
fn allow_phrases_cancel_hits_inside_them() {
    let e = engine();
    assert!(hits(&e, "今天发布暴雨黄色预警信号").is_empty());
    assert!(hits(&e, "他只是在赌气").is_empty());
    assert!(
        hits(&e, "公安机关严厉打击网络赌博").is_empty(),
        "pack-wide allow"
    );
    assert_eq!(ids(&hits(&e, "黄色预警，另有黄色网站")), vec!["t.yellow"]);
}

#[test]
fn ascii_words_need_boundaries() {
    let e = engine();
    assert!(hits(&e, "请插入usb接口").is_empty());
    assert_eq!(ids(&hits(&e, "你个sb")), vec!["t.sb"]);
    assert_eq!(ids(&hits(&e, "你个ＳＢ吧")), vec!["t.sb"]);
    assert!(hits(&e, "编号1101234").is_empty());
    assert_eq!(ids(&hits(&e, "请拨打110报警")), vec!["t.sb"]);
}

#[test]
fn regex_with_validator_and_required_context() {
    let e = engine();
    assert_eq!(
        ids(&hits(&e, "请转账到卡号6222021001123456789谢谢")),
        vec!["t.card"]
    );
    assert_eq!(
        ids(&hits(&e, "卡号：６２２２０２１００１１２３４５６７８９")),
        vec!["t.card"]
    );
    assert!(hits(&e, "卡号6222021001123456788").is_empty(), "Luhn fails");
    assert!(
        hits(&e, "订单编号6222021001123456789").is_empty(),
        "no context word"
    );
    assert!(
        hits(
            &e,
            "卡号在很远很远很远很远的地方，后来才写6222021001123456789"
        )
        .is_empty(),
        "context word outside the window"
    );
}

#[test]
fn forbid_context_over_whole_field() {
    let e = engine();
    assert_eq!(ids(&hits(&e, "紧急消息，速转！")), vec!["t.rumour"]);
    assert!(hits(&e, "网传“速转”消息，经核实系谣言，特此辟谣。").is_empty());
}

#[test]
fn prefiltered_regex() {
    let e = engine();
    let h = hits(&e, "机密★1年\n关于某事项的通知");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].1, "机密★1年");
    assert!(hits(&e, "揭秘机密计算").is_empty());
}

#[test]
fn title_and_body_are_scanned_and_grouped() {
    let e = engine();
    let post = Post {
        id: "p1".into(),
        title: "赌博".into(),
        text: "赌博赌博".into(),
        url: String::new(),
        published_at: None,
        author: String::new(),
        truncated: false,
        comments: Vec::new(),
    };
    let account = std::sync::Arc::new(xunjian::model::AccountRef {
        id: "a".into(),
        name: "a".into(),
        platform: xunjian::model::Platform::Weibo,
        platform_account_id: "1".into(),
        unit: "u".into(),
        department: String::new(),
        leader: Default::default(),
        admin: Default::default(),
    });
    let f = e.scan_post(&account, &post, &mut Scratch::new());
    let g: Vec<_> = f.iter().filter(|f| f.normalized == "赌博").collect();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].occurrences, 3);
    assert_eq!(g[0].field, Field::Title);
    assert_eq!((g[0].char_start, g[0].char_end), (0, 2));
}

#[test]
fn regex_evasion_flags() {
    let e = engine();
    let flag = |t: &str| {
        let h = hits(&e, t);
        assert_eq!(h.len(), 1, "{t}: {h:?}");
        h[0].2
    };
    assert!(!flag("机密★1年"), "the marking's own star is no evasion");
    assert!(flag("机密★１年"), "full-width digit");
    assert!(!flag("紧急消息，速转！"));
}

#[test]
fn odd_case_is_an_evasion() {
    let e = engine();
    let h = hits(&e, "你个sB");
    assert_eq!(h.len(), 1);
    assert!(h[0].2, "{h:?}");
    let h = hits(&e, "你个SB");
    assert!(!h[0].2, "{h:?}");
}

/// The evasion labels of the hits of rule `rule` in `text`, longest match first.
fn labels(e: &Engine, text: &str, rule: &str) -> Vec<Vec<String>> {
    let mut h: Vec<_> = e
        .hits(&Post::from_text("p", "", text), &mut Scratch::new())
        .into_iter()
        .filter(|h| e.rules.rules[h.rule].id == rule)
        .collect();
    h.sort_by_key(|h| std::cmp::Reverse(h.end - h.start));
    h.into_iter()
        .map(|h| {
            assert_eq!(h.evasion, !h.evasions.is_empty(), "flag and list agree");
            h.evasions.labels()
        })
        .collect()
}

#[test]
fn every_hit_records_its_transformations() {
    let e = engine();
    let first = |text: &str, rule: &str| {
        labels(&e, text, rule)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {rule} hit in {text}"))
    };
    assert_eq!(first("他在搞賭博", "t.gambling"), ["traditional"]);
    assert_eq!(first("他在搞赌 博", "t.gambling"), ["skipped:1"]);
    assert_eq!(first("他在搞赌**博", "t.gambling"), ["skipped:2"]);
    assert_eq!(first("他在搞赌\u{200b}博", "t.gambling"), ["invisible"]);
    assert_eq!(first("你个ＳＢ吧", "t.sb"), ["full_width"]);
    assert_eq!(first("你个sB", "t.sb"), ["case"]);
    assert_eq!(first("你个ѕb", "t.sb"), ["look_alike"]);
    assert_eq!(
        first("他在搞賭 \u{200b}博", "t.gambling"),
        ["traditional", "skipped:1", "invisible"]
    );
    assert!(first("他在搞赌博", "t.gambling").is_empty());
    assert!(
        first("你个SB", "t.sb").is_empty(),
        "capitals are no evasion"
    );
    assert_eq!(first("机密★１年", "t.marking"), ["full_width"]);
    assert!(
        first("机密★ 1年", "t.marking").is_empty(),
        "regex: a space is no Han gap"
    );
}

#[test]
fn findings_carry_the_first_evasive_occurrence() {
    let e = engine();
    let account = std::sync::Arc::new(xunjian::model::AccountRef {
        id: "a".into(),
        name: "a".into(),
        platform: xunjian::model::Platform::Weibo,
        platform_account_id: "1".into(),
        unit: "u".into(),
        department: String::new(),
        leader: Default::default(),
        admin: Default::default(),
    });
    let post = Post::from_text("p1", "", "赌博，又见賭 博，再见賭博");
    let f = e.scan_post(&account, &post, &mut Scratch::new());
    let g = f
        .iter()
        .find(|f| f.normalized == "赌博")
        .expect("a 赌博 finding");
    assert_eq!(g.occurrences, 3);
    assert!(g.evasion);
    assert_eq!(g.evasions, ["traditional", "skipped:1"]);
    let plain = Post::from_text("p2", "", "赌博");
    let f = e.scan_post(&account, &plain, &mut Scratch::new());
    assert!(f.iter().all(|f| !f.evasion && f.evasions.is_empty()));
}

#[test]
fn look_alikes_match_and_are_labelled() {
    let e = engine();
    for text in ["你个ⓢⓑ", "你个𝐬𝐛", "你个⒮⒝", "你个ѕЬ", "你个ꜱb"] {
        let l = labels(&e, text, "t.sb");
        assert_eq!(l.len(), 1, "{text}: {l:?}");
        assert!(l[0].contains(&"look_alike".to_string()), "{text}: {l:?}");
    }
    // A CJK look-alike from data/cjk_lookalikes.txt.
    let e2 = Engine::new(
        rules::load_files(&[(
            "d.toml",
            "[pack]\nid = \"d\"\nversion = \"1\"\nname = \"d\"\ncategory = \"unhealthy\"\n\n[[rule]]\nid = \"d.drugs\"\nname = \"毒品\"\nmessage = \"m\"\nseverity = \"high\"\narticle = 10\nkeywords = [\"冰毒\"]\n",
        )])
        .expect("loads"),
    )
    .expect("compiles");
    assert_eq!(labels(&e2, "出冰毐", "d.drugs"), [["look_alike"]]);
    assert!(labels(&e2, "冰雪毒蛇", "d.drugs").is_empty());
}

const OPTIONS_PACK: &str = r#"
[pack]
id = "o"
version = "1"
name = "options"
category = "unhealthy"

[[rule]]
id = "o.gamble"
name = "赌"
message = "m"
severity = "high"
article = 10
keywords = ["赌", "黄色"]

[[rule]]
id = "o.gamble_off"
name = "赌 without word boundaries"
message = "m"
severity = "high"
article = 10
keywords = ["赌"]
word_boundary = false

[[rule]]
id = "o.gambling"
name = "赌博"
message = "m"
severity = "high"
article = 10
keywords = ["赌博", "冰毒", "k粉"]
pinyin = true
repeat = true

[[rule]]
id = "o.plain"
name = "赌博, no options"
message = "m"
severity = "high"
article = 10
keywords = ["赌博"]

[[rule]]
id = "o.mobile"
name = "mobile"
message = "m"
severity = "high"
article = 13
category = "personal_info"
regex = '(?:^|[^0-9])(?P<m>1[3-9][0-9]{9})(?:[^0-9]|$)'
numerals = true

[[rule]]
id = "o.mobile_plain"
name = "mobile without numerals"
message = "m"
severity = "high"
article = 13
category = "personal_info"
regex = '(?:^|[^0-9])(?P<m>1[3-9][0-9]{9})(?:[^0-9]|$)'
"#;

fn options_engine() -> Engine {
    static FILES: &[(&str, &str)] = &[("o.toml", OPTIONS_PACK)];
    Engine::new(rules::load_files(FILES).expect("options pack loads")).expect("compiles")
}

/// (original matched text, evasion labels) of rule `rule`'s hits in `text`.
fn matched(e: &Engine, text: &str, rule: &str) -> Vec<(String, Vec<String>)> {
    e.hits(&Post::from_text("p", "", text), &mut Scratch::new())
        .into_iter()
        .filter(|h| e.rules.rules[h.rule].id == rule)
        .map(|h| (text[h.start..h.end].to_string(), h.evasions.labels()))
        .collect()
}

#[test]
fn word_boundaries_cancel_hits_inside_everyday_words() {
    let e = options_engine();
    assert!(
        matched(&e, "他只是在赌气", "o.gamble").is_empty(),
        "赌 in 赌气"
    );
    assert!(matched(&e, "气象台发布暴雨黄色预警", "o.gamble").is_empty());
    assert!(matched(&e, "稻田一片金黄色", "o.gamble").is_empty());
    assert_eq!(matched(&e, "他又去赌了", "o.gamble").len(), 1);
    assert_eq!(matched(&e, "点开黄色网站", "o.gamble").len(), 1);
    assert_eq!(
        matched(&e, "他只是在赌气", "o.gamble_off").len(),
        1,
        "word_boundary = false keeps the hit"
    );
    // Evasion noise does not hide the everyday word.
    assert!(matched(&e, "他只是在赌 气", "o.gamble").is_empty());
}

#[test]
fn pinyin_spellings_match_with_positions() {
    let e = options_engine();
    for (text, want) in [
        ("来玩dubo吧", "dubo"),
        ("来玩du bo吧", "du bo"),
        ("来玩DuBo吧", "DuBo"),
        ("来玩du博吧", "du博"),
        ("来玩赌bo吧", "赌bo"),
        ("play du bo now", "du bo"),
        ("出bing毒", "bing毒"),
    ] {
        let m = matched(&e, text, "o.gambling");
        assert_eq!(m.len(), 1, "{text}: {m:?}");
        assert_eq!(m[0].0, want, "{text}");
        assert!(
            m[0].1.contains(&"pinyin".to_string()),
            "{text}: {:?}",
            m[0].1
        );
    }
    assert!(matched(&e, "W. E. B. Du Bois", "o.gambling").is_empty());
    assert!(
        matched(&e, "预防bingdu感染", "o.gambling").is_empty(),
        "bingdu reads as 病毒 (virus): no full spelling for 冰毒"
    );
    assert!(matched(&e, "dubois", "o.gambling").is_empty());
    assert!(
        matched(&e, "来玩dubo吧", "o.plain").is_empty(),
        "opt-in only"
    );
    // A pinyin hit groups with the Han keyword: same normalized form.
    let h = e.hits(&Post::from_text("p", "", "来玩dubo吧"), &mut Scratch::new());
    assert_eq!(h[0].normalized, "赌博");
}

#[test]
fn repeated_characters_match_when_opted_in() {
    let e = options_engine();
    assert_eq!(
        matched(&e, "来赌赌赌博", "o.gambling"),
        [("赌赌赌博".to_string(), vec!["repeat".to_string()])]
    );
    assert_eq!(
        matched(&e, "来赌博博博", "o.gambling"),
        [("赌博博博".to_string(), vec!["repeat".to_string()])]
    );
    assert_eq!(
        matched(&e, "来赌赌 赌博", "o.gambling")[0].1,
        ["skipped:1", "repeat"]
    );
    assert_eq!(
        matched(&e, "来赌赌赌博", "o.plain"),
        [("赌博".to_string(), vec![])],
        "without repeat = true only the plain word"
    );
    assert_eq!(
        matched(&e, "来赌博", "o.gambling")[0].1,
        Vec::<String>::new()
    );
    assert!(matched(&e, "哈哈哈哈", "o.gambling").is_empty());
}

#[test]
fn chinese_numerals_read_as_digits_when_opted_in() {
    let e = options_engine();
    let text = "电话一三八一二三四五六七八";
    let m = matched(&e, text, "o.mobile");
    assert_eq!(
        m,
        [(
            "一三八一二三四五六七八".to_string(),
            vec!["numeral".to_string()]
        )]
    );
    assert!(
        matched(&e, text, "o.mobile_plain").is_empty(),
        "opt-in only"
    );
    let m = matched(&e, "电话壹叁捌1234五六七八", "o.mobile");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].0, "壹叁捌1234五六七八");
    let m = matched(&e, "电话①③⑧①②③④⑤⑥⑦⑧", "o.mobile");
    assert_eq!(m.len(), 1, "circled digits via NFKC: {m:?}");
    assert_eq!(m[0].1, ["look_alike"]);
    // A plain number is found once, not twice.
    assert_eq!(matched(&e, "电话13812345678", "o.mobile").len(), 1);
    assert!(matched(&e, "一二三四五六七八九十", "o.mobile").is_empty());
    let h = e.hits(&Post::from_text("p", "", text), &mut Scratch::new());
    assert_eq!(h[0].normalized, "13812345678");
}

/// A pack with no keywords at all: the regex-only matcher has no keyword
/// automaton, so nothing records where the digit runs are, and its
/// regexes must still search the whole text.
#[test]
fn regexes_run_without_any_keyword() {
    const ONLY_REGEX: &str = r#"
[pack]
id = "r"
version = "1"
name = "regex only"
category = "personal_info"

[[rule]]
id = "r.mobile"
name = "mobile"
message = "m"
severity = "high"
article = 13
regex = '(?:^|[^0-9])(?P<m>1[3-9][0-9]{9})(?:[^0-9]|$)'
"#;
    let e = Engine::new(rules::load_files(&[("r.toml", ONLY_REGEX)]).expect("pack loads"))
        .expect("compiles");
    let found = hits(&e, "请拨打13812345678咨询");
    assert_eq!(
        found,
        vec![("r.mobile".to_string(), "13812345678".to_string(), false)]
    );
}
