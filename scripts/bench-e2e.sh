#!/usr/bin/env bash
# End-to-end throughput of xunjian against a plain Aho-Corasick baseline.
#
#   scripts/bench-e2e.sh [MB] [KEYWORDS]      # defaults: 200 MiB, 10000 keywords
#
# 1. builds the release binary and the three benchmark examples;
# 2. generates bench-data/ (gitignored) with examples/gen_corpus.rs:
#    MB MiB of posts (titles + bodies) over 20 accounts, KEYWORDS keywords
#    from the houbb lexicon as the `bench` pack plus the shipped packs;
# 3. times, on this machine:
#    - examples/ac_baseline: plain AhoCorasick::new(keywords), overlapping
#      count over corpus.txt, 1 thread (own process);
#    - examples/engine_throughput: plain automaton, normalizer, engine hits,
#      engine scan_post on 1 thread and on all threads, posts in memory
#      (one process, so the ratios come from one run);
#    - `xunjian scan` end to end (read JSONL, scan, write CSV + JSON) under
#      /usr/bin/time -v for wall time and peak RSS;
# 4. prints a table: MiB/s, posts/s and cores busy (CPU time / wall time)
#    of each, and the ratios. Logs are kept in bench-data/logs/.
#
# The machine should be otherwise idle: the in-memory figures are the best
# of REPEAT runs, but the parallel and end-to-end ones suffer from any
# other load.
#
# Environment: REPEAT (timed runs per in-memory measurement, default 3),
# THREADS (default: nproc), SEED (default 42), ACCOUNTS (default 20).
set -euo pipefail

MB="${1:-200}"
KEYWORDS="${2:-10000}"
REPEAT="${REPEAT:-3}"
THREADS="${THREADS:-$(nproc)}"
SEED="${SEED:-42}"
ACCOUNTS="${ACCOUNTS:-20}"

cd "$(dirname "$0")/.."
DATA=bench-data
LOGS="$DATA/logs"

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
echo "== build (release)"
cargo build --release --bin xunjian \
    --example gen_corpus --example ac_baseline --example engine_throughput
TARGET_DIR="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}"
BIN="$TARGET_DIR/release"

mkdir -p "$LOGS"
echo "== generate $DATA ($MB MiB, $KEYWORDS keywords, seed $SEED)"
"$BIN/examples/gen_corpus" --out "$DATA" --mb "$MB" --keywords "$KEYWORDS" \
    --seed "$SEED" --accounts "$ACCOUNTS" | tee "$LOGS/gen_corpus.txt"
# "  posts     N over A accounts, X MiB scanned text ..."
POSTS=$(awk '$1 == "posts" { print $2 }' "$LOGS/gen_corpus.txt")
TEXT_MIB=$(awk '$1 == "posts" { for (i = 1; i < NF; i++) if ($(i + 1) == "MiB") { print $i; exit } }' \
    "$LOGS/gen_corpus.txt")

echo "== plain aho-corasick baseline (separate process, 1 thread)"
"$BIN/examples/ac_baseline" --keywords "$DATA/keywords.txt" --corpus "$DATA/corpus.txt" \
    --repeat "$REPEAT" | tee "$LOGS/ac_baseline.txt"

echo "== engine throughput (posts in memory; 1 and $THREADS threads)"
"$BIN/examples/engine_throughput" --data "$DATA" --threads "$THREADS" --repeat "$REPEAT" \
    | tee "$LOGS/engine_throughput.txt"

echo "== xunjian scan, end to end ($THREADS threads)"
rm -rf "$DATA/out"
set +e
/usr/bin/time -v "$BIN/xunjian" scan --registry "$DATA/accounts.toml" --rules "$DATA/rules" \
    --out "$DATA/out" --fail-on none --quiet --jobs "$THREADS" 2> "$LOGS/scan-time.txt"
CODE=$?
set -e
if [ "$CODE" -ne 0 ]; then
    cat "$LOGS/scan-time.txt" >&2
    echo "xunjian scan exited with $CODE" >&2
    exit 1
fi
WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' \
    "$LOGS/scan-time.txt")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$LOGS/scan-time.txt")
# The summary's total is the largest "findings" count in the JSON report.
FINDINGS=$(grep -o -h -E '"findings": ?[0-9]+' "$DATA"/out/*.json 2>/dev/null \
    | grep -o -E '[0-9]+$' | sort -n | tail -1 || true)
CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$LOGS/scan-time.txt")
awk -v m="$TEXT_MIB" -v p="$POSTS" -v w="$WALL" -v c="$CPU" \
    'BEGIN { printf "RESULT xunjian_scan_e2e %.2f %.0f %.2f %.2f\n", m / w, p / w, w, c / w }' \
    > "$LOGS/scan.txt"
cat "$LOGS/scan.txt"

echo
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg); \"cores\" below is CPU time / wall time:"
echo "   well under the thread count means other processes took the cores, not that xunjian idled"
echo "== results: $MB MiB, $POSTS posts, $KEYWORDS keywords, $(nproc) cores, $THREADS threads"
cat "$LOGS/ac_baseline.txt" "$LOGS/engine_throughput.txt" "$LOGS/scan.txt" | awk \
    -v threads="$THREADS" -v rss="$RSS_KB" -v findings="$FINDINGS" '
    /^RESULT/ {
        name = $2
        if (name == "ac_plain_1t" && seen_ac++) name = "ac_plain_1t (same process)"
        else if (name == "ac_plain_1t") name = "ac_plain_1t (own process)"
        mib[name] = $3; pps[name] = $4; cores[name] = $6; order[n++] = name
    }
    END {
        printf "%-30s %10s %12s %7s\n", "run", "MiB/s", "posts/s", "cores"
        for (i = 0; i < n; i++)
            printf "%-30s %10.1f %12.0f %7s\n", order[i], mib[order[i]], pps[order[i]], cores[order[i]]
        base = mib["ac_plain_1t (same process)"]
        one = mib["engine_scan_1t"]; all = mib["engine_scan_" threads "t"]
        e2e = mib["xunjian_scan_e2e"]
        print ""
        printf "engine/plain, 1 thread:            %.3f  (plain is %.1fx faster)\n", one / base, base / one
        printf "engine %s threads / 1 thread:       %.2f\n", threads, all / one
        printf "xunjian scan e2e / engine %s thr.:  %.2f\n", threads, e2e / all
        printf "xunjian scan peak RSS:             %.0f MiB; findings: %s\n", rss / 1024, findings
    }'
