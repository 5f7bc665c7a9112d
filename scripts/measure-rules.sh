#!/usr/bin/env bash
# Rule-quality measurements for docs/RULE-QUALITY.md (issue 5). Read-only: writes nothing.
#
#   scripts/measure-rules.sh [COLD_DEV_CSV]
#
# COLD_DEV_CSV defaults to /work/shared/data/cold/dev.csv (thu-coai/COLDataset dev split,
# columns `,split,topic,label,TEXT`). Needs only the Rust toolchain. Prints:
#   1. `xunjian rules test --corpus tests/corpus`  (examples + annotated corpus, per-rule TP/FN/FP/TN)
#   2. `xunjian rules lint`                        (uses jieba's dict.txt if the jieba-rs crate
#                                                   source is in the cargo registry: `cargo info jieba-rs`)
#   3. `examples/rule_quality.rs`                  (a) false-positive rate per pack on label-0 texts,
#                                                  (b) unhealthy.abuse precision/recall on dev.csv,
#                                                  (c) evasion robustness on tests/corpus
#   4. `xunjian rules mine-fp --label 0`           the most frequent hits on clean texts
set -euo pipefail
cd "$(dirname "$0")/.."
COLD="${1:-/work/shared/data/cold/dev.csv}"

cargo build --quiet --release --bin xunjian --example rule_quality
BIN=target/release/xunjian

echo "== 1. rules test --corpus tests/corpus"
"$BIN" rules test --corpus tests/corpus || true

echo
echo "== 2. rules lint"
"$BIN" rules lint || true

echo
echo "== 3. rule_quality (a) (b) (c)"
target/release/examples/rule_quality --cold "$COLD" --corpus tests/corpus

echo
echo "== 4. rules mine-fp $COLD --label 0"
"$BIN" rules mine-fp "$COLD" --label 0 --top 15
