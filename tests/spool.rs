//! The scan's findings spool: a run whose findings are written to the
//! temporary file in many small sorted runs must give back exactly the
//! findings the engine produces, each once, in report order, and the same
//! as a run that keeps them in memory.

use std::path::PathBuf;

use xunjian::engine::{Engine, Scratch};
use xunjian::model::{AccountRef, Finding};
use xunjian::pipeline::{self, ScanOptions, ScanOutcome};
use xunjian::source::file::ExportReader;
use xunjian::spool::{report_order, sort_findings, SpoolOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn engine() -> Engine {
    Engine::new(xunjian::rules::load_dir(&root().join("rules")).expect("shipped rules load"))
        .expect("compiles")
}

fn scan(engine: &Engine, spool: SpoolOptions) -> ScanOutcome {
    let registry =
        xunjian::registry::load(&root().join("fixtures/demo/accounts.toml")).expect("demo loads");
    let accounts: Vec<_> = registry.accounts.iter().collect();
    let options = ScanOptions {
        spool,
        ..ScanOptions::default()
    };
    pipeline::scan(engine, &accounts, &options, None, None, &mut |_| {}).expect("scans")
}

fn read_back(outcome: &ScanOutcome) -> Vec<Finding> {
    outcome
        .findings
        .iter()
        .collect::<std::io::Result<_>>()
        .expect("the spool reads back")
}

/// Every finding of the demo exports, scanned post by post without the
/// pipeline, in report order.
fn reference(engine: &Engine) -> Vec<Finding> {
    let registry =
        xunjian::registry::load(&root().join("fixtures/demo/accounts.toml")).expect("demo loads");
    let mut scratch = Scratch::new();
    let mut all = Vec::new();
    for account in &registry.accounts {
        let account_ref = std::sync::Arc::new(AccountRef::from(account));
        let mut seen = std::collections::HashSet::new();
        for post in ExportReader::open(&account.source).expect("export opens") {
            let Ok(post) = post else { continue };
            if seen.insert(post.id.clone()) {
                all.extend(engine.scan_post(&account_ref, &post, &mut scratch));
            }
        }
    }
    sort_findings(&mut all);
    all
}

#[test]
fn spooled_findings_are_all_there_once_and_in_report_order() {
    let engine = engine();
    let expected = reference(&engine);
    let accounts: std::collections::BTreeSet<&str> =
        expected.iter().map(|f| f.account.id.as_str()).collect();
    assert!(
        expected.len() >= 20 && accounts.len() >= 3,
        "the demo should give findings in several accounts: {} in {:?}",
        expected.len(),
        accounts
    );
    let in_memory = scan(
        &engine,
        SpoolOptions {
            dir: None,
            chunk: usize::MAX,
        },
    );
    assert_eq!(read_back(&in_memory), expected);
    let dir = tempfile::tempdir().unwrap();
    for chunk in [1, 2, 3, 7] {
        let spooled = scan(
            &engine,
            SpoolOptions {
                dir: Some(dir.path().join("spool")),
                chunk,
            },
        );
        let got = read_back(&spooled);
        assert_eq!(
            got.len(),
            expected.len(),
            "chunk {chunk}: lost or duplicated"
        );
        assert!(
            got.windows(2)
                .all(|w| report_order(&w[0], &w[1]) != std::cmp::Ordering::Greater),
            "chunk {chunk}: out of report order"
        );
        assert_eq!(got, expected, "chunk {chunk}");
        // Read twice (one pass per report): the same again.
        assert_eq!(read_back(&spooled), expected, "chunk {chunk}, second read");
        assert_eq!(spooled.findings.len(), expected.len() as u64);
        assert_eq!(
            spooled.findings.counts(),
            &xunjian::report::Counts::of(&expected)
        );
        assert_eq!(
            spooled.findings_new(),
            in_memory.findings_new(),
            "chunk {chunk}"
        );
    }
    // The temporary file has no name: nothing is left in the folder.
    let left: Vec<_> = std::fs::read_dir(dir.path().join("spool"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
