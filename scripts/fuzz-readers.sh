#!/usr/bin/env bash
# Fuzzes the readers with libFuzzer for a bounded time (default 600 s):
#   bash scripts/fuzz-readers.sh [SECONDS]
# Builds reader-fuzz with -sanitize=fuzzer into .build-fuzz, seeds the corpus from seeds/ and
# Corpus/ (and a few JSONL lines), and runs. Crashes are written to .fuzz/crashes/; replay one
# with `swift run reader-fuzz FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
bash scripts/install-deps.sh
swift build -c release --scratch-path .build-fuzz --product reader-fuzz \
  -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -parse-as-library
mkdir -p .fuzz/corpus .fuzz/crashes
cp seeds/*.txt .fuzz/corpus/ 2>/dev/null || true
find Corpus -name '*.txt' | head -20 | while read -r f; do cp "$f" ".fuzz/corpus/$(echo "$f" | tr / _)"; done
printf '%s\n' '{"id": 1, "title": "T", "text": "a b c d", "date": "2024-02-30"}' '{"id":"x","text":"caf\u00e9 &amp; \u2019s"}' 'not json' > .fuzz/corpus/lines.jsonl
.build-fuzz/release/reader-fuzz .fuzz/corpus -max_total_time="$seconds" -max_len=65536 \
  -artifact_prefix=.fuzz/crashes/ -print_final_stats=1
