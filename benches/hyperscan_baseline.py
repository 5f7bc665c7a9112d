#!/usr/bin/env python3
"""Hyperscan baseline for benches/compare.sh: the same keywords over the same
corpus, counting every (overlapping) match, one thread, no normalization.

    python3 benches/hyperscan_baseline.py KEYWORDS.txt CORPUS.txt [--repeat N] [--only NAME]

Two measurements, both timing only the scan (best of --repeat runs):
- `hs_whole`:    one `Database.scan` call over the whole corpus buffer;
- `hs_per_post`: one call per post (line), as a per-post service would.
Each prints `RESULT NAME MIB_PER_S POSTS_PER_S SECONDS 1.00 MATCHES` for the
script; `--only NAME` runs one of them (compare.sh times `hs_whole` in turns
with the engine). Exits with status 3 and a message when the `hyperscan` module is
missing (`pip install hyperscan`), so the caller can skip the column.

Cost: the Python binding calls back into Python once per match, so the
figures include that callback; the pure-literal compiler (Hyperscan >= 5.2)
is used, as a keyword list calls for.
"""
import argparse
import sys
import time

try:
    import hyperscan
except ImportError:
    print("hyperscan_baseline: the `hyperscan` Python module is not installed "
          "(pip install hyperscan); skipping", file=sys.stderr)
    sys.exit(3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("keywords")
    ap.add_argument("corpus")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["hs_whole", "hs_per_post"])
    a = ap.parse_args()

    with open(a.keywords, "rb") as f:
        words = [w for w in f.read().split(b"\n") if w]
    with open(a.corpus, "rb") as f:
        corpus = f.read()
    lines = corpus.split(b"\n")
    posts = sum(1 for l in lines if l)
    mib = len(corpus) / (1024 * 1024)

    t = time.perf_counter()
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=words, ids=list(range(len(words))),
               elements=len(words), flags=0, literal=True)
    print(f"hyperscan: {len(words)} literals compiled in "
          f"{time.perf_counter() - t:.2f} s", file=sys.stderr)

    count = [0]

    def on_match(_id, _start, _end, _flags, _ctx):
        count[0] += 1
        return None

    def whole():
        db.scan(corpus, match_event_handler=on_match)

    def per_post():
        for line in lines:
            if line:
                db.scan(line, match_event_handler=on_match)

    for name, run in (("hs_whole", whole), ("hs_per_post", per_post)):
        if a.only and name != a.only:
            continue
        best = float("inf")
        matches = 0
        for _ in range(max(1, a.repeat)):
            count[0] = 0
            t = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t)
            matches = count[0]
        print(f"RESULT {name} {mib / best:.2f} {posts / best:.0f} {best:.3f} 1.00 {matches}")


if __name__ == "__main__":
    main()
