//! Rule-quality measurements for docs/RULE-QUALITY.md (issue 5):
//!
//! (a) the share of clean COLD texts (label 0) each pack flags;
//! (b) precision and recall of `unhealthy.abuse` on COLD's offensive texts;
//! (c) evasion robustness: the share of plain-text detections of the
//!     regression corpus (tests/corpus, cases with `fire` and not marked
//!     `evasion`) that survive each disguise applied to the matched text.
//!
//! ```sh
//! cargo run --release --example rule_quality -- [--cold /work/shared/data/cold/dev.csv] [--corpus tests/corpus] [--rules DIR] [--no-word-boundary]
//! ```
//!
//! Cost: one engine scan per COLD row (6,431) and ~7 scans per corpus case;
//! a few seconds in release mode.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use xunjian::engine::{Engine, Scratch};
use xunjian::model::{Field, Post};
use xunjian::rules::{self, corpus, minefp, RuleOptions};

/// A disguise: its name, the function, whether it applies to the whole text
/// (otherwise only to the matched spans), and which rules it is measured on
/// (the opt-in evasions only on the rules that opt in).
type Transform = (
    &'static str,
    fn(&str) -> String,
    bool,
    fn(&RuleOptions) -> bool,
);

fn every_rule(_: &RuleOptions) -> bool {
    true
}

fn post(text: &str) -> Post {
    Post::from_text("m", "", text)
}

fn main() {
    let mut cold = PathBuf::from("/work/shared/data/cold/dev.csv");
    let mut corpus_dir = PathBuf::from("tests/corpus");
    let mut rules_dir: Option<PathBuf> = None;
    let mut no_word_boundary = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--no-word-boundary" {
            no_word_boundary = true;
            continue;
        }
        let v = args.next().map(PathBuf::from);
        match (a.as_str(), v) {
            ("--cold", Some(v)) => cold = v,
            ("--corpus", Some(v)) => corpus_dir = v,
            ("--rules", Some(v)) => rules_dir = Some(v),
            _ => {
                eprintln!("usage: rule_quality [--cold FILE.csv] [--corpus DIR] [--rules DIR] [--no-word-boundary]");
                std::process::exit(2);
            }
        }
    }
    let set = match &rules_dir {
        Some(d) => rules::load_dir(d),
        None => rules::load_embedded(),
    }
    .unwrap_or_else(|e| panic!("rule packs have errors:\n{e}"));
    let mut set = set;
    if no_word_boundary {
        // For measuring what dictionary word boundaries change.
        for r in &mut set.rules {
            r.options.word_boundary = false;
        }
    }
    let engine = Engine::new(set).expect("rules compile");
    let mut scratch = Scratch::new();

    // (a) and (b)
    let docs = minefp::read_docs(&cold, "TEXT", None).unwrap_or_else(|e| panic!("{e}"));
    let packs: Vec<String> = engine.rules.packs.iter().map(|p| p.id.clone()).collect();
    let mut clean = 0usize;
    let mut flagged_clean: BTreeMap<String, usize> = BTreeMap::new();
    let mut flagged_cpf = 0usize;
    let mut flagged_any = 0usize;
    let (mut offensive, mut abuse_flagged, mut abuse_tp) = (0usize, 0usize, 0usize);
    let (mut unh_flagged, mut unh_tp) = (0usize, 0usize);
    let mut all_hits = 0usize;
    let mut via: BTreeMap<String, usize> = BTreeMap::new();
    for d in &docs {
        let hits = engine.hits(&post(&d.text), &mut scratch);
        all_hits += hits.len();
        for h in &hits {
            for l in h.evasions.labels() {
                let key = l.split(':').next().unwrap_or("").to_string();
                *via.entry(key).or_default() += 1;
            }
        }
        let rule_ids: Vec<&str> = hits
            .iter()
            .map(|h| engine.rules.rules[h.rule].id.as_str())
            .collect();
        let pack_hit = |p: &str| {
            hits.iter()
                .any(|h| engine.rules.packs[engine.rules.rules[h.rule].pack].id == p)
        };
        let is_off = d.label.as_deref() == Some("1");
        if d.label.as_deref() == Some("0") {
            clean += 1;
            for p in &packs {
                if pack_hit(p) {
                    *flagged_clean.entry(p.clone()).or_default() += 1;
                }
            }
            if pack_hit("classified") || pack_hit("personal_info") || pack_hit("false") {
                flagged_cpf += 1;
            }
            if !hits.is_empty() {
                flagged_any += 1;
            }
        }
        if is_off {
            offensive += 1;
        }
        if rule_ids.contains(&"unhealthy.abuse") {
            abuse_flagged += 1;
            abuse_tp += usize::from(is_off);
        }
        if pack_hit("unhealthy") {
            unh_flagged += 1;
            unh_tp += usize::from(is_off);
        }
    }
    let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    println!("(a) clean texts (label 0) of {}: {clean}", cold.display());
    println!("| pack | flagged | rate |\n|---|---:|---:|");
    for p in &packs {
        let n = flagged_clean.get(p).copied().unwrap_or(0);
        println!("| {p} | {n} | {:.2}% |", pct(n, clean));
    }
    println!(
        "| classified + personal_info + false | {flagged_cpf} | {:.2}% |",
        pct(flagged_cpf, clean)
    );
    println!(
        "| all packs | {flagged_any} | {:.2}% |",
        pct(flagged_any, clean)
    );
    println!(
        "\nhits on all {} rows: {all_hits}; hits by evasion label: {via:?}",
        docs.len()
    );
    let ratio = |n: usize, d: usize| n as f64 / d.max(1) as f64;
    println!(
        "\n(b) {} rows, {offensive} offensive (label 1)\n| rule | flagged | flagged offensive | precision | recall |\n|---|---:|---:|---:|---:|",
        docs.len()
    );
    println!(
        "| unhealthy.abuse | {abuse_flagged} | {abuse_tp} | {:.3} | {:.3} |",
        ratio(abuse_tp, abuse_flagged),
        ratio(abuse_tp, offensive)
    );
    println!(
        "| unhealthy (whole pack) | {unh_flagged} | {unh_tp} | {:.3} | {:.3} |",
        ratio(unh_tp, unh_flagged),
        ratio(unh_tp, offensive)
    );

    // (c)
    let cases = corpus::load_dir(&corpus_dir).unwrap_or_else(|e| panic!("{e}"));
    let transforms: [Transform; 11] = [
        (
            "space between characters",
            |s| interleave(s, &[" "]),
            false,
            every_rule,
        ),
        (
            "symbol between characters",
            |s| interleave(s, &["*"]),
            false,
            every_rule,
        ),
        (
            "zero-width space between characters",
            |s| interleave(s, &["\u{200b}"]),
            false,
            every_rule,
        ),
        ("simplified → traditional", traditional, false, every_rule),
        (
            "full-width Latin/digits (whole text)",
            fullwidth,
            true,
            every_rule,
        ),
        ("all mixed", mixed, false, every_rule),
        (
            "look-alikes (Cyrillic/Greek, circled digits, CJK table)",
            lookalikes,
            false,
            every_rule,
        ),
        (
            "pinyin, first character (pinyin rules)",
            pinyin_first,
            false,
            |o| o.pinyin,
        ),
        (
            "pinyin, whole word (pinyin rules)",
            pinyin_full,
            false,
            |o| o.pinyin,
        ),
        (
            "first character repeated (repeat rules)",
            repeat_first,
            false,
            |o| o.repeat,
        ),
        (
            "digits as Chinese numerals (numerals rules)",
            numerals,
            false,
            |o| o.numerals,
        ),
    ];
    // kept[transform][pack] = (kept, plain)
    let mut kept: Vec<BTreeMap<String, (usize, usize)>> = vec![BTreeMap::new(); transforms.len()];
    let mut lost: Vec<Vec<String>> = vec![Vec::new(); transforms.len()];
    for c in cases.iter().filter(|c| !c.evasion && !c.fire.is_empty()) {
        let hits = engine.hits(&post(&c.text), &mut scratch);
        for want in &c.fire {
            let Some(ri) = engine.rules.rules.iter().position(|r| &r.id == want) else {
                continue;
            };
            let mut spans: Vec<(usize, usize)> = hits
                .iter()
                .filter(|h| h.rule == ri && h.field == Field::Body)
                .map(|h| (h.start, h.end))
                .collect();
            if spans.is_empty() {
                continue; // not a plain detection; the corpus test reports it
            }
            spans.sort();
            spans.dedup();
            let pack = engine.rules.packs[engine.rules.rules[ri].pack].id.clone();
            let options = engine.rules.rules[ri].options;
            for (ti, (name, f, whole, applies)) in transforms.iter().enumerate() {
                if !applies(&options) {
                    continue;
                }
                let text = if *whole {
                    f(&c.text)
                } else {
                    apply(&c.text, &spans, *f)
                };
                if ti >= 6 && text == c.text {
                    // The added disguises count only matches they change
                    // (a match without Latin letters has no Cyrillic look-alike).
                    continue;
                }
                let after = engine.hits(&post(&text), &mut scratch);
                let ok = after.iter().any(|h| h.rule == ri);
                let e = kept[ti].entry(pack.clone()).or_default();
                e.1 += 1;
                if ok {
                    e.0 += 1;
                } else {
                    lost[ti].push(format!("{name}: {want}: {text}"));
                }
            }
        }
    }
    println!(
        "\n(c) evasion robustness on {} (share of plain detections kept)",
        corpus_dir.display()
    );
    print!("| transform |");
    for p in &packs {
        print!(" {p} |");
    }
    println!(" all |");
    println!("|---|{}---:|", "---:|".repeat(packs.len()));
    for (ti, (name, _, _, _)) in transforms.iter().enumerate() {
        print!("| {name} |");
        let (mut k, mut n) = (0, 0);
        for p in &packs {
            let (a, b) = kept[ti].get(p).copied().unwrap_or((0, 0));
            k += a;
            n += b;
            print!(" {a}/{b} |");
        }
        println!(" {k}/{n} = {:.1}% |", pct(k, n));
    }
    let lost: Vec<String> = lost.into_iter().flatten().collect();
    if !lost.is_empty() {
        println!("\nlost detections:");
        for l in lost {
            println!("  {}", l.replace('\n', "⏎"));
        }
    }
}

/// Applies `f` to each (merged) span of `text`.
fn apply(text: &str, spans: &[(usize, usize)], f: fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(s, e) in spans {
        if s < at {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(&f(&text[s..e]));
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// Inserts the separators (cycled) between every two characters.
fn interleave(s: &str, seps: &[&str]) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 {
            out.push_str(seps[(i - 1) % seps.len()]);
        }
        out.push(c);
    }
    out
}

/// ASCII letters and digits to their full-width forms.
fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// Simplified → traditional for the characters of the corpus's violations
/// (a hand-made table; characters without a traditional form stay).
fn traditional(s: &str) -> String {
    const PAIRS: &str = "机機级級内內资資传傳阅閱请請国國发發转轉实實药藥赌賭网網卖賣约約楼樓凤鳳听聽话話脑腦残殘滚滾开開办辦证證单單职職联聯系係号號签簽据據绝絕对對确確紧緊扩擴疗療断斷压壓顶頂师師团團队隊娱娛乐樂场場赢贏钱錢头頭电電烟煙码碼账賬户戶银銀帐賬门門务務凭憑体體预預备備动動员員龄齡钟鐘庄莊续續关關于於为為这這个個们們时時间間会會过過还還进進让讓说說页頁无無应應问問题題览覽报報纸紙经經济濟价價钱錢图圖书書亿億万萬与與专專业業东東丝絲两兩严嚴丧喪个個临臨丽麗举舉义義乌烏乔喬习習乡鄉买買乱亂争爭亏虧亚亞产產亲親亿億仅僅从從仓倉仪儀们們众眾优優伙夥会會伞傘传傳伤傷伦倫伪偽体體余餘佣傭侠俠侣侶侦偵侧側侨僑俭儉债債倾傾偿償储儲儿兒兑兌党黨兰蘭关關兴興兹茲养養兽獸冈岡册冊写寫军軍农農冯馮冲衝决決况況冻凍净淨凉涼减減凑湊凤鳳凭憑凯凱击擊凿鑿刍芻划劃刘劉则則刚剛创創删刪别別刹剎刽劊剂劑剐剮剑劍剥剝剧劇劝勸办辦务務劢勱动動励勵劲勁劳勞势勢勋勳匀勻匦匭匮匱区區医醫华華协協单單卖賣卢盧卤鹵卫衛却卻厂廠厅廳历歷厉厲压壓厌厭厕廁厢廂厣厴厦廈厨廚县縣叁參双雙发發变變叙敘叠疊叶葉号號叹嘆叽嘰吓嚇吕呂吗嗎吨噸听聽启啟吴吳呐吶呒嘸员員呕嘔呖嚦呗唄呙咼呛嗆呜嗚咏詠咙嚨咛嚀咝噝响響哑啞哒噠哓嘵哔嗶哕噦哗嘩哙噲哜嚌哝噥哟喲唛嘜唝嗊唠嘮唡啢唢嗩唤喚啧嘖啬嗇啭囀啮嚙啴嘽啸嘯喷噴喽嘍喾嚳嗫囁嗳噯嘘噓嘤嚶嘱囑噜嚕囱囪园園围圍囵圇国國图圖圆圓圣聖圹壙场場坏壞块塊坚堅坛壇坝壩坞塢坟墳坠墜垄壟垅壠垆壚垒壘垦墾垩堊垫墊垭埡垲塏埘塒埙塤埚堝堑塹堕墮墙牆壮壯声聲壳殼壶壺处處备備复復够夠头頭夸誇夹夾夺奪奋奮奖獎奥奧妆妝妇婦妈媽妩嫵妪嫗妫媯姗姍姹奼娄婁娅婭娆嬈娇嬌娈孌娱娛娲媧娴嫻婳嫿婴嬰婵嬋婶嬸媪媼嫒嬡嫔嬪嫱嬙嬷嬤孙孫学學孪孿宁寧宝寶实實宠寵审審宪憲宫宮宽寬宾賓寝寢对對寻尋导導寿壽将將尔爾尘塵尝嘗尧堯尴尷尸屍层層屉屜届屆属屬屡屢屦屨屿嶼岁歲岂豈岖嶇岗崗岘峴岚嵐岛島岭嶺岽崬岿巋峄嶧峡峽峣嶢峤嶠峥崢峦巒崂嶗崃崍崭嶄嵘嶸嵝嶁巅巔巩鞏巯巰币幣帅帥师師帏幃帐帳帜幟带帶帧幀帮幫帱幬帻幘帼幗幂冪庄莊庆慶庐廬庑廡库庫应應庙廟庞龐废廢廪廩开開异異弃棄弑弒张張弥彌弯彎弹彈强強归歸当當录錄彦彥彻徹径徑徕徠忆憶忏懺忧憂忾愾怀懷态態怂慫怃憮怄慪怅悵怆愴怜憐总總怼懟怿懌恋戀恒恆恳懇恶惡恸慟恹懨恺愷恻惻恼惱恽惲悦悅悫愨悬懸悭慳悯憫惊驚惧懼惨慘惩懲惫憊惬愜惭慚惮憚惯慣愠慍愤憤愦憒慑懾懑懣懒懶懔懍戆戇戋戔戏戲戗戧战戰戬戩戯戲户戶扑撲执執扩擴扪捫扫掃扬揚扰擾抚撫抛拋抟摶抠摳抡掄抢搶护護报報担擔拟擬拢攏拣揀拥擁拦攔拧擰拨撥择擇挂掛挚摯挛攣挜掗挝撾挞撻挟挾挠撓挡擋挢撟挣掙挤擠挥揮挦撏捞撈损損捡撿换換捣搗据據掳擄掴摑掷擲掸撣掺摻掼摜揽攬揾搵揿撳搀攙搁擱搂摟搅攪携攜摄攝摅攄摆擺摇搖摈擯摊攤撄攖撑撐撵攆撷擷撸擼撺攛擞擻攒攢敌敵敛斂数數斋齋斓斕斗鬥斩斬断斷无無旧舊时時旷曠旸暘昙曇昼晝显顯晋晉晒曬晓曉晔曄晕暈晖暉暂暫暧曖术術机機杀殺杂雜权權条條来來杨楊杩榪杰傑极極构構枞樅枢樞枣棗枥櫪枧梘枨棖枪槍枫楓枭梟柜櫃柠檸柽檉栀梔栅柵标標栈棧栉櫛栊櫳栋棟栌櫨栎櫟栏欄树樹栖棲样樣栾欒桠椏桡橈桢楨档檔桤榿桥橋桦樺桧檜桨槳桩樁梦夢梼檮梾棶检檢棂欞椁槨椟櫝椠槧椤欏椭橢楼樓榄欖榇櫬榈櫚榉櫸槚檟槛檻槟檳槠櫧横橫樯檣樱櫻橥櫫橱櫥橹櫓橼櫞檩檁欢歡欤歟欧歐歼殲殁歿殇殤残殘殒殞殓殮殚殫殡殯殴毆毁毀毂轂毕畢毙斃毡氈毵毿氇氌气氣氢氫氩氬氲氳汇匯汉漢汤湯汹洶沟溝没沒沣灃沤漚沥瀝沦淪沧滄沩溈沪滬泞濘泪淚泶澩泷瀧泸瀘泺濼泻瀉泼潑泽澤泾涇洁潔洒灑洼窪浃浹浅淺浆漿浇澆浈湞浊濁测測浍澮济濟浏瀏浐滻浑渾浒滸浓濃浔潯涛濤涝澇涞淶涟漣涠潿涡渦涣渙涤滌润潤涧澗涨漲涩澀渊淵渌淥渍漬渎瀆渐漸渑澠渔漁渖瀋渗滲温溫湾灣湿濕溃潰溅濺溆漵滗潷滚滾滞滯滟灩滠灄满滿滢瀅滤濾滥濫滦灤滨濱滩灘滪澦漤灠潆瀠潇瀟潋瀲潍濰潜潛潴瀦澜瀾濑瀨濒瀕灏灝灭滅灯燈灵靈灾災灿燦炀煬炉爐炖燉炜煒炝熗点點炼煉炽熾烁爍烂爛烃烴烛燭烟煙烦煩烧燒烨燁烩燴烫燙烬燼热熱焕煥焖燜焘燾煅煆爱愛爷爺牍牘牦犛牵牽牺犧犊犢状狀犷獷犸獁犹猶狈狽狝獮狞獰独獨狭狹狮獅狯獪狰猙狱獄狲猻猃獫猎獵猕獼猡玀猪豬猫貓猬蝟献獻獭獺玑璣玚瑒玛瑪玮瑋环環现現玱瑲玺璽珐琺珑瓏珰璫珲琿琏璉琐瑣琼瓊瑶瑤瑷璦璎瓔瓒瓚瓯甌电電画畫畅暢畴疇疖癤疗療疟瘧疠癘疡瘍疬癧疭瘲疮瘡疯瘋疱皰疴痾痈癰痉痙痒癢痖瘂痨癆痪瘓痫癇瘅癉瘆瘮瘗瘞瘘瘺瘪癟瘫癱瘾癮瘿癭癞癩癣癬癫癲皑皚皱皺皲皸盏盞盐鹽监監盖蓋盗盜盘盤眍瞘眦眥眬矓着著睁睜睐睞睑瞼瞒瞞矫矯矶磯矾礬矿礦砀碭码碼砖磚砗硨砚硯砜碸砺礪砻礱砾礫础礎硁硜硕碩硖硤硗磽硙磑确確硷鹼碍礙碛磧碜磣碱鹼礼禮祃禡祎禕祢禰祯禎祷禱祸禍禀稟禄祿禅禪离離秃禿秆稈种種积積称稱秽穢秾穠稆穭税稅稣穌稳穩穑穡穷窮窃竊窍竅窎窵窑窯窜竄窝窩窥窺窦竇窭窶竖豎竞競笃篤笋筍笔筆笕筧笺箋笼籠笾籩筑築筚篳筛篩筜簹筝箏筹籌签簽简簡箓籙箦簀箧篋箨籜箩籮箪簞箫簫篑簣篓簍篮籃篱籬簖籪籁籟籴糴类類籼秈粜糶粝糲粤粵粪糞粮糧糁糝糇餱紧緊絷縶纟糹纠糾纡紆红紅纣紂纤纖纥紇约約级級纨紈纩纊纪紀纫紉纬緯纭紜纮紘纯純纰紕纱紗纲綱纳納纴紝纵縱纶綸纷紛纸紙纹紋纺紡纻紵纼紖纽紐纾紓线線绀紺绁紲绂紱练練组組绅紳细細织織终終绉縐绊絆绋紼绌絀绍紹绎繹经經绐紿绑綁绒絨结結绔絝绕繞绖絰绗絎绘繪给給绚絢绛絳络絡绝絕绞絞统統绠綆绡綃绢絹绣繡绤綌绥綏绦絛继繼绨綈绩績绪緒绫綾绬緓续續绮綺绯緋绰綽绱緔绲緄绳繩维維绵綿绶綬绷繃绸綢绹綯绺綹绻綣综綜绽綻绾綰绿綠缀綴缁緇缂緙缃緗缄緘缅緬缆纜缇緹缈緲缉緝缊縕缋繢缌緦缍綞缎緞缏緶缑緱缒縋缓緩缔締缕縷编編缗緡缘緣缙縉缚縛缛縟缜縝缝縫缞縗缟縞缠纏缡縭缢縊缣縑缤繽缥縹缦縵缧縲缨纓缩縮缪繆缫繅缬纈缭繚缮繕缯繒缰韁缱繾缲繰缳繯缴繳缵纘罂罌网網罗羅罚罰罢罷罴羆羁羈羟羥羡羨翘翹翙翽翚翬耢耮耧耬耸聳耻恥聂聶聋聾职職聍聹联聯聩聵聪聰肃肅肠腸肤膚肷膁肾腎肿腫胀脹胁脅胆膽胜勝胧朧胨腖胪臚胫脛胶膠脉脈脍膾脏髒脐臍脑腦脓膿脔臠脚腳脱脫脶腡脸臉腊臘腌醃腘膕腭齶腻膩腼靦腽膃腾騰膑臏臜臢舆輿舣艤舰艦舱艙舻艫艰艱艳艷艺藝节節芈羋芗薌芜蕪芦蘆苁蓯苇葦苈藶苋莧苌萇苍蒼苎苧苏蘇茎莖茏蘢茑蔦茔塋茕煢茧繭荆荊荐薦荙薘荚莢荛蕘荜蓽荞蕎荟薈荠薺荡蕩荣榮荤葷荥滎荦犖荧熒荨蕁荩藎荪蓀荫蔭荬蕒荭葒荮葤药藥莅蒞莱萊莲蓮莳蒔莴萵莶薟获獲莸蕕莹瑩莺鶯莼蓴萝蘿萤螢营營萦縈萧蕭萨薩葱蔥蒇蕆蒉蕢蒋蔣蒌蔞蓝藍蓟薊蓠蘺蓣蕷蓥鎣蓦驀蔷薔蔹蘞蔺藺蔼藹蕲蘄蕴蘊薮藪藓蘚蘖櫱虏虜虑慮虚虛虫蟲虬虯虮蟣虽雖虾蝦虿蠆蚀蝕蚁蟻蚂螞蚕蠶蚝蠔蚬蜆蛊蠱蛎蠣蛏蟶蛮蠻蛰蟄蛱蛺蛲蟯蛳螄蛴蠐蜕蛻蜗蝸蜡蠟蝇蠅蝈蟈蝉蟬蝎蠍蝼螻蝾蠑螀螿螨蟎蟏蠨衅釁衔銜补補衬襯衮袞袄襖袅裊袆褘袜襪袭襲袯襏装裝裆襠裈褌裢褳裣襝裤褲裥襇褛褸褴襤见見观觀觃覎规規觅覓视視觇覘览覽觉覺觊覬觋覡觌覿觍覥觎覦觏覯觐覲觑覷觞觴触觸觯觶訚誾誉譽誊謄讠訁计計订訂讣訃认認讥譏讦訐讧訌讨討让讓讪訕讫訖训訓议議讯訊记記讲講讳諱讴謳讵詎讶訝讷訥许許讹訛论論讼訟讽諷设設访訪诀訣证證诂詁诃訶评評诅詛识識诈詐诉訴诊診诋詆诌謅词詞诎詘诏詔译譯诒詒诓誆诔誄试試诖詿诗詩诘詰诙詼诚誠诛誅诜詵话話诞誕诟詬诠詮诡詭询詢诣詣诤諍该該详詳诧詫诨諢诩詡诪譸诫誡诬誣语語诮誚误誤诰誥诱誘诲誨诳誑说說诵誦诶誒请請诸諸诹諏诺諾读讀诼諑诽誹课課诿諉谀諛谁誰谂諗调調谄諂谅諒谆諄谇誶谈談谊誼谋謀谌諶谍諜谎謊谏諫谐諧谑謔谒謁谓謂谔諤谕諭谖諼谗讒谘諮谙諳谚諺谛諦谜謎谝諞谞諝谟謨谠讜谡謖谢謝谣謠谤謗谥謚谦謙谧謐谨謹谩謾谪謫谫譾谬謬谭譚谮譖谯譙谰讕谱譜谲譎谳讞谴譴谵譫谶讖贝貝贞貞负負贡貢财財责責贤賢败敗账賬货貨质質贩販贪貪贫貧贬貶购購贮貯贯貫贰貳贱賤贲賁贳貰贴貼贵貴贶貺贷貸贸貿费費贺賀贻貽贼賊贽贄贾賈贿賄赁賃赂賂赃贓资資赅賅赆贐赇賕赈賑赉賚赊賒赋賦赌賭赍齎赎贖赏賞赐賜赑贔赒賙赓賡赔賠赕賧赖賴赗賵赘贅赙賻赚賺赛賽赜賾赝贗赞贊赟贇赠贈赡贍赢贏赣贛赵趙赶趕趋趨跃躍跄蹌跞躒践踐跶躂跷蹺跸蹕跹躚跻躋踊踴踌躊踪蹤踬躓踯躑蹑躡蹒蹣蹰躕蹿躥躏躪躜躦躯軀车車轧軋轨軌轩軒轫軔转轉轭軛轮輪软軟轰轟轲軻轳轤轴軸轵軹轶軼轸軫轹轢轺軺轻輕轼軾载載轾輊轿轎辀輈辁輇辂輅较較辄輒辅輔辆輛辇輦辈輩辉輝辊輥辋輞辍輟辎輜辏輳辐輻辑輯输輸辔轡辕轅辖轄辗輾辘轆辙轍辚轔辞辭辩辯辫辮边邊辽遼达達迁遷过過迈邁运運还還这這进進远遠违違连連迟遲迩邇迳逕适適选選逊遜递遞逦邐逻邏遗遺遥遙邓鄧邝鄺邬鄔邮郵邹鄒邺鄴邻鄰郏郟郐鄶郑鄭郓鄆郦酈郧鄖郸鄲酝醞酦醱酱醬酽釅酾釃酿釀释釋鉴鑒銮鑾錾鏨钆釓钇釔针針钉釘钊釗钋釙钌釕钍釷钎釺钏釧钐釤钒釩钓釣钔鍆钕釹钗釵钙鈣钚鈽钛鈦钝鈍钞鈔钟鐘钠鈉钡鋇钢鋼钣鈑钤鈐钥鑰钦欽钧鈞钨鎢钩鉤钪鈧钫鈁钬鈥钭鈄钮鈕钯鈀钰鈺钱錢钲鉦钳鉗钴鈷钵缽钶鈳钷鉕钸鈽钹鈸钺鉞钻鑽钼鉬钽鉭钾鉀钿鈿铀鈾铁鐵铂鉑铃鈴铄鑠铅鉛铆鉚铈鈰铉鉉铊鉈铋鉍铌鈮铍鈹铎鐸铐銬铑銠铒鉺铕銪铖鋮铗鋏铘鋣铙鐃铛鐺铜銅铝鋁铞銱铟銦铠鎧铡鍘铢銖铣銑铤鋌铥銩铧鏵铨銓铩鎩铪鉿铫銚铬鉻铭銘铮錚铯銫铰鉸铱銥铲鏟铳銃铴鐋铵銨银銀铷銣铸鑄铹鐒铺鋪铼錸铽鋱链鏈铿鏗销銷锁鎖锂鋰锃鋥锄鋤锅鍋锆鋯锇鋨锈鏽锉銼锊鋝锋鋒锌鋅锍鋶锎鐦锏鐧锐銳锑銻锒鋃锓鋟锔鋦锕錒锖錆锗鍺锘鍩错錯锚錨锛錛锝鍀锞錁锟錕锠鋸锡錫锢錮锣鑼锤錘锥錐锦錦锨鍁锩錈锪鍃锫錇锬錟锭錠键鍵锯鋸锰錳锱錙锲鍥锴鍇锵鏘锶鍶锷鍔锸鍤锹鍬锺鍾锻鍛锼鎪锾鍰锿鎄镀鍍镁鎂镂鏤镄鐨镅鎇镆鏌镇鎮镉鎘镊鑷镌鐫镍鎳镎鎿镏鎦镐鎬镑鎊镒鎰镓鎵镔鑌镖鏢镗鏜镘鏝镙鏍镛鏞镜鏡镝鏑镞鏃镟鏇镡鐔镢鐝镣鐐镤鏷镥鑥镦鐓镧鑭镨鐠镩鑹镪鏹镫鐙镬鑊镭鐳镯鐲镰鐮镱鐿镲鑔镳鑣镶鑲长長门門闩閂闪閃闫閆闭閉问問闯闖闰閏闱闈闲閒闳閎间間闵閔闶閌闷悶闸閘闹鬧闺閨闻聞闼闥闽閩闾閭阀閥阁閣阂閡阃閫阄鬮阅閱阆閬阈閾阉閹阊閶阋鬩阌閿阍閽阎閻阏閼阐闡阑闌阒闃阔闊阕闋阖闔阗闐阙闕阚闞队隊阳陽阴陰阵陣阶階际際陆陸陇隴陈陳陉陘陕陝陧隉陨隕险險随隨隐隱隶隸难難雏雛雠讎雳靂雾霧霁霽霭靄靓靚静靜鞑韃鞯韉韦韋韧韌韩韓韪韙韬韜韫韞韵韻响響页頁顶頂顷頃项項顺順须須顼頊顽頑顾顧顿頓颀頎颁頒颂頌颃頏预預颅顱领領颇頗颈頸颉頡颊頰颌頜颍潁颏頦颐頤频頻颓頹颔頷颖穎颗顆题題颚顎颛顓颜顏额額颞顳颟顢颠顛颡顙颢顥颤顫颦顰颧顴风風飏颺飐颭飑颮飒颯飓颶飔颸飕颼飘飄飙飆飞飛飨饗餍饜饥飢饧餳饨飩饩餼饪飪饫飫饬飭饭飯饮飲饯餞饰飾饱飽饲飼饴飴饵餌饶饒饷餉饺餃饼餅饽餑饿餓馀餘馁餒馄餛馅餡馆館馈饋馊餿馋饞馍饃馏餾馐饈馑饉馒饅馓饊馔饌馕饢马馬驭馭驮馱驯馴驰馳驱驅驳駁驴驢驵駔驶駛驷駟驸駙驹駒驺騶驻駐驼駝驽駑驾駕驿驛骀駘骁驍骂罵骄驕骅驊骆駱骇駭骈駢骊驪骋騁验驗骏駿骐騏骑騎骒騍骓騅骖驂骗騙骘騭骚騷骛騖骜驁骝騮骞騫骟騸骠驃骡騾骢驄骣驏骤驟骥驥骧驤髅髏髋髖髌髕鬓鬢魇魘魉魎鱼魚鸟鳥鸡雞鸣鳴鸦鴉鸭鴨鸿鴻鹅鵝鹤鶴鹰鷹麦麥黄黃黉黌黩黷黪黲黾黽鼋黿鼍鼉鼹鼴齐齊齑齏齿齒龀齔龁齕龂齗龃齟龄齡龅齙龆齠龇齜龈齦龉齬龊齪龋齲龌齷龙龍龚龔龛龕龟龜";
    let map: HashMap<char, char> = PAIRS
        .chars()
        .collect::<Vec<_>>()
        .chunks(2)
        .filter(|p| p.len() == 2)
        .map(|p| (p[0], p[1]))
        .collect();
    s.chars().map(|c| *map.get(&c).unwrap_or(&c)).collect()
}

/// Traditional, full-width, then space / symbol / zero-width cycled between characters.
fn mixed(s: &str) -> String {
    interleave(&fullwidth(&traditional(s)), &[" ", "*", "\u{200b}"])
}

/// Latin letters to Cyrillic/Greek look-alikes, digits to circled digits, Han
/// characters to the CJK look-alikes of `data/cjk_lookalikes.txt`.
fn lookalikes(s: &str) -> String {
    let cjk = xunjian::engine::confusables::cjk_table();
    s.chars()
        .map(|c| match c {
            'a' => 'а',
            'c' => 'с',
            'e' => 'е',
            'o' => 'о',
            'p' => 'р',
            'x' => 'х',
            'y' => 'у',
            's' => 'ѕ',
            'i' => 'і',
            'v' => 'ν',
            'k' => 'κ',
            'b' => 'Ь',
            '0' => '⓪',
            '1'..='9' => char::from_u32(0x2460 + (c as u32 - '1' as u32)).unwrap_or(c),
            _ => cjk
                .iter()
                .find(|&&(from, to)| to == c && !from.is_ascii())
                .map_or(c, |&(from, _)| from),
        })
        .collect()
}

/// The first Han character written in pinyin (`赌博` → `du博`).
fn pinyin_first(s: &str) -> String {
    let mut done = false;
    s.chars()
        .map(|c| match xunjian::engine::pinyin::readings(c).first() {
            Some(r) if !done => {
                done = true;
                r.clone()
            }
            _ => c.to_string(),
        })
        .collect()
}

/// Every Han character written in pinyin, syllables apart (`赌博` → `du bo`).
fn pinyin_full(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match xunjian::engine::pinyin::readings(c).first() {
            Some(r) => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(r);
                out.push(' ');
            }
            None => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// The first non-ASCII character written three times (`赌博` → `赌赌赌博`).
fn repeat_first(s: &str) -> String {
    let mut done = false;
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if !done && !c.is_ascii() && c.is_alphanumeric() {
            out.push(c);
            out.push(c);
            done = true;
        }
    }
    out
}

/// Digits as Chinese numerals (`138` → `一三八`).
fn numerals(s: &str) -> String {
    const N: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    s.chars()
        .map(|c| c.to_digit(10).map_or(c, |d| N[d as usize]))
        .collect()
}
