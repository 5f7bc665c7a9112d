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
#      /usr/bin/time -v for wall time, CPU time and peak RSS, three times:
#      with --no-db; with a new state database (bench-data/state.db, every
#      post new); and again with that database (every post already scanned);
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

cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
bench_build --bin xunjian --example ac_baseline --example engine_throughput
bench_generate "$MB" "$KEYWORDS"

echo "== plain aho-corasick baseline (separate process, 1 thread)"
"$BIN/examples/ac_baseline" --keywords "$DATA/keywords.txt" --corpus "$DATA/corpus.txt" \
    --repeat "$REPEAT" | tee "$LOGS/ac_baseline.txt"

echo "== engine throughput (posts in memory; 1 and $THREADS threads)"
"$BIN/examples/engine_throughput" --data "$DATA" --threads "$THREADS" --repeat "$REPEAT" \
    | tee "$LOGS/engine_throughput.txt"

# run_scan NAME [extra xunjian scan arguments]: one timed `xunjian scan`,
# appended to $LOGS/scan.txt as
# RESULT NAME MIB_PER_S POSTS_PER_S SECONDS CORES PEAK_RSS_MIB
run_scan() {
    local name="$1"
    shift
    rm -rf "$DATA/out"
    local code=0
    /usr/bin/time -v "$BIN/xunjian" scan --registry "$DATA/accounts.toml" --rules "$DATA/rules" \
        --out "$DATA/out" --fail-on none --quiet --jobs "$THREADS" "$@" \
        2> "$LOGS/$name-time.txt" || code=$?
    if [ "$code" -ne 0 ]; then
        cat "$LOGS/$name-time.txt" >&2
        echo "xunjian scan ($name) exited with $code" >&2
        exit 1
    fi
    awk -F': ' -v name="$name" -v m="$TEXT_MIB" -v p="$POSTS" '
        /Elapsed \(wall clock\)/ {
            n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
        /User time|System time/ { c += $2 }
        /Maximum resident set size/ { rss = $2 / 1024 }
        END { printf "RESULT %s %.2f %.0f %.2f %.2f %.0f\n", name, m / w, p / w, w, c / w, rss }' \
        "$LOGS/$name-time.txt" | tee -a "$LOGS/scan.txt"
}

echo "== xunjian scan, end to end ($THREADS threads)"
: > "$LOGS/scan.txt"
run_scan xunjian_scan_no_db --no-db
# The summary's total is the largest "findings" count in the JSON report.
FINDINGS=$(find "$DATA/out" -name '*.json' -exec grep -o -h -E '"findings": ?[0-9]+' {} + \
    | grep -o -E '[0-9]+$' | sort -n | tail -1 || true)
rm -f "$DATA"/state.db*
run_scan xunjian_scan_new_db --db "$DATA/state.db"
DB_MIB=$(du -m "$DATA/state.db" | cut -f1)
run_scan xunjian_scan_again_db --db "$DATA/state.db"
echo
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg); \"cores\" below is CPU time / wall time:"
echo "   well under the thread count means other processes took the cores, not that xunjian idled"
echo "== results: $MB MiB, $POSTS posts, $KEYWORDS keywords, $(nproc) cores, $THREADS threads"
cat "$LOGS/ac_baseline.txt" "$LOGS/engine_throughput.txt" "$LOGS/scan.txt" | awk \
    -v threads="$THREADS" -v findings="$FINDINGS" -v db="$DB_MIB" '
    /^RESULT/ {
        name = $2
        if (name == "ac_plain_1t" && seen_ac++) name = "ac_plain_1t (same process)"
        else if (name == "ac_plain_1t") name = "ac_plain_1t (own process)"
        mib[name] = $3; pps[name] = $4; cores[name] = $6; rss[name] = $7; order[n++] = name
    }
    END {
        printf "%-30s %10s %12s %7s %9s\n", "run", "MiB/s", "posts/s", "cores", "peak RSS"
        for (i = 0; i < n; i++) {
            k = order[i]
            printf "%-30s %10.1f %12.0f %7s %9s\n", k, mib[k], pps[k], cores[k], rss[k] == "" ? "" : rss[k] " MiB"
        }
        base = mib["ac_plain_1t (same process)"]
        one = mib["engine_scan_1t"]; all = mib["engine_scan_" threads "t"]
        print ""
        printf "engine/plain, 1 thread:                 %.3f  (plain is %.1fx faster)\n", one / base, base / one
        printf "engine %s threads / 1 thread:            %.2f\n", threads, all / one
        printf "scan --no-db / engine %s threads:        %.2f\n", threads, mib["xunjian_scan_no_db"] / all
        printf "scan with a new state db / --no-db:     %.2f  (state.db: %s MiB)\n", \
            mib["xunjian_scan_new_db"] / mib["xunjian_scan_no_db"], db
        printf "findings (--no-db run):                 %s\n", findings
    }'
