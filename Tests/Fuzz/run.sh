#!/usr/bin/env bash
# Runs the loader fuzz target for a given time and prints one summary line.
# usage: Tests/Fuzz/run.sh BINARY SECONDS SCRATCH_DIR
# Seeds: Models/ (models and test tensors), the generated conformance and edge-case models
# when present (make conformance edge-cases), and every past finding in Tests/Fuzz/regressions.
# The corpus grows across runs in SCRATCH_DIR/corpus; a finding is saved in SCRATCH_DIR/findings
# and the run fails. Once fixed, copy the input to Tests/Fuzz/regressions/ (swift test replays it).
set -euo pipefail
bin=$1 seconds=$2 scratch=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$scratch/seeds corpus=$scratch/corpus findings=$scratch/findings log=$scratch/fuzz.log
rm -rf "$seeds" && mkdir -p "$seeds" "$corpus" "$findings"
shopt -s nullglob
for model in "$root"/Models/*/model.onnx "$root"/Tests/Conformance/generated/*/model.onnx \
             "$root"/Tests/EdgeCases/generated/*/model.onnx; do
  dir=$(dirname "$model"); name=$(basename "$dir")
  cp "$model" "$seeds/$name.onnx"
done
for pb in "$root"/Models/*/test_data_set_*/*.pb; do
  set_dir=$(dirname "$pb")
  cp "$pb" "$seeds/$(basename "$(dirname "$set_dir")")-$(basename "$set_dir")-$(basename "$pb")"
done
for f in "$root"/Tests/Fuzz/regressions/*; do [ "$(basename "$f")" = README.md ] || cp "$f" "$seeds/"; done
echo "fuzz: $(ls "$seeds" | wc -l) seeds, $(ls "$corpus" | wc -l) inputs in the corpus, ${seconds} s"
status=0
# -timeout: one input may take 20 s (ASan build); -rss_limit_mb: the tensor cap is 256 MiB
# here (ONYX_MAX_TENSOR_BYTES, set by the target unless given), so 6 GiB means a leak.
SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=6144 \
  -print_final_stats=1 -dict="$root/Tests/Fuzz/onnx.dict" -artifact_prefix="$findings/" \
  "$corpus" "$seeds" >"$log" 2>&1 || status=$?
execs=$(grep -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
rate=$(grep -o 'average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
echo "fuzz: $execs executions ($rate/s), coverage $cov edges / $features features, corpus $(ls "$corpus" | wc -l) inputs, exit $status; log $log"
if [ "$status" -ne 0 ]; then
  grep -E 'ERROR|Fatal error|fuzz finding|Test unit written|SUMMARY' "$log" | head -20
  echo "fuzz: finding(s) in $findings: $(ls "$findings")"
fi
exit "$status"
