#!/usr/bin/env bash
# Measures what --profile costs: alternates plain and profiled onyx-bench runs on the same
# model and prints the median P50 of each and their ratio.
# usage: Benchmarks/profiler_overhead.sh MODEL [THREADS] [ROUNDS] [ITERATIONS]
set -euo pipefail
model=$1; threads=${2:-1}; rounds=${3:-5}; iterations=${4:-50}
bench=${ONYX_BENCH:-.build/release/onyx-bench}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  "$bench" "$model" --threads "$threads" --iterations "$iterations" --json "$tmp/plain_$r.json" >/dev/null 2>&1
  "$bench" "$model" --threads "$threads" --iterations "$iterations" --profile --json "$tmp/prof_$r.json" >/dev/null 2>&1
done
python3 - "$tmp" "$rounds" "$model" <<'PY'
import json, statistics, sys
d, rounds, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
p50 = lambda kind: statistics.median(json.load(open(f"{d}/{kind}_{r}.json"))["end_to_end"]["p50_ms"] for r in range(1, rounds + 1))
plain, prof = p50("plain"), p50("prof")
print(f"{model}: plain p50 {plain:.3f} ms, profiled p50 {prof:.3f} ms, overhead {100 * (prof / plain - 1):+.1f}%")
PY
