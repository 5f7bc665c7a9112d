# Shared by benches/compare.sh and scripts/bench-e2e.sh (sourced, not run):
# builds the release binaries they need and generates bench-data/.
#
#   bench_build EXTRA_CARGO_ARGS...   # sets $BIN (the release folder)
#   bench_generate MB KEYWORDS        # sets $DATA, $LOGS, $POSTS, $TEXT_MIB
#
# Generation is skipped when bench-data/ already holds a corpus made with
# the same MB, KEYWORDS, SEED and ACCOUNTS (bench-data/params), since it is
# a pure function of them; `FRESH=1` forces it.

SEED="${SEED:-42}"
ACCOUNTS="${ACCOUNTS:-20}"
DATA=bench-data
LOGS="$DATA/logs"

bench_build() {
    echo "== build (release)"
    cargo build --release --locked --example gen_corpus "$@"
    local target
    target="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}"
    BIN="$target/release"
}

bench_generate() {
    local mb="$1" keywords="$2"
    local params="mb=$mb keywords=$keywords seed=$SEED accounts=$ACCOUNTS"
    mkdir -p "$LOGS"
    if [ "${FRESH:-0}" = 1 ] || [ "$(cat "$DATA/params" 2>/dev/null)" != "$params" ] \
        || [ ! -s "$LOGS/gen_corpus.txt" ]; then
        echo "== generate $DATA ($params)"
        rm -f "$DATA/params"
        "$BIN/examples/gen_corpus" --out "$DATA" --mb "$mb" --keywords "$keywords" \
            --seed "$SEED" --accounts "$ACCOUNTS" | tee "$LOGS/gen_corpus.txt"
        echo "$params" > "$DATA/params"
    else
        echo "== reuse $DATA ($params; FRESH=1 regenerates)"
        cat "$LOGS/gen_corpus.txt"
    fi
    # "  posts     N over A accounts, X MiB scanned text ..."
    POSTS=$(awk '$1 == "posts" { print $2 }' "$LOGS/gen_corpus.txt")
    TEXT_MIB=$(awk '$1 == "posts" { for (i = 1; i < NF; i++) if ($(i + 1) == "MiB") { print $i; exit } }' \
        "$LOGS/gen_corpus.txt")
}
