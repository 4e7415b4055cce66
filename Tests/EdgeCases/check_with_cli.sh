#!/usr/bin/env bash
# Runs every edge case of the corpus written by generate_edge_cases.py through `onyx run` and
# compares the outputs with onnxruntime's goldens (Tests/compare_outputs.py).  Prints one line per
# failing case with the error text, then a summary; exits 1 if any case fails.
#
# usage: Tests/EdgeCases/check_with_cli.sh [CORPUS_DIR] [ONYX]
#   CORPUS_DIR  default Tests/EdgeCases/generated
#   ONYX        default .build/debug/onyx
# environment: PY (python with onnx + numpy, default .venv/bin/python), JOBS (parallel cases,
#   default nproc), TIMEOUT (seconds per onyx run, default 60), FILTER (only case names
#   containing this substring).
set -uo pipefail
cd "$(dirname "$0")/../.."
CORPUS=${1:-Tests/EdgeCases/generated}
ONYX=${2:-.build/debug/onyx}
PY=${PY:-.venv/bin/python}
JOBS=${JOBS:-$(nproc)}
TIMEOUT=${TIMEOUT:-60}
FILTER=${FILTER:-}

[ -x "$ONYX" ] || { echo "error: $ONYX not found; run 'swift build' first" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "error: $CORPUS not found; run Tests/EdgeCases/generate_edge_cases.py --out $CORPUS" >&2; exit 2; }

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# Run a private copy: a concurrent `swift build` may replace the binary mid-run ("Text file busy").
cp "$ONYX" "$results/onyx" || exit 2
ONYX_ORIG=$ONYX
ONYX="$results/onyx"

# check_case CASE_DIR RESULTS_DIR: writes RESULTS_DIR/NAME.pass or RESULTS_DIR/NAME.fail (error text).
check_case() {
  local dir=$1 res=$2
  local name set out err code
  name=$(basename "$dir")
  set="$dir/test_data_set_0"
  out="$res/$name.outputs"
  local inputs=()
  # input_<i>.pb in numeric order of i.
  while IFS= read -r f; do inputs+=(--input "$set/$f"); done < <(ls "$set" | grep '^input_[0-9]*\.pb$' | sort -t_ -k2 -n)
  err=$(timeout "$TIMEOUT" "$ONYX" run "$dir/model.onnx" "${inputs[@]}" --output-dir "$out" 2>&1 >/dev/null)
  code=$?
  if [ $code -eq 124 ]; then
    echo "onyx timed out after ${TIMEOUT} s" >"$res/$name.fail"
  elif [ $code -gt 128 ]; then
    echo "onyx crashed (signal $((code - 128))): $(echo "$err" | tail -3 | tr '\n' ' ')" >"$res/$name.fail"
  elif [ $code -ne 0 ]; then
    echo "onyx exit $code: $(echo "$err" | head -3 | tr '\n' ' ')" >"$res/$name.fail"
  elif ! err=$("$PY" Tests/compare_outputs.py "$out" "$set" 2>&1); then
    echo "wrong output: $(echo "$err" | tail -1)" >"$res/$name.fail"
  else
    : >"$res/$name.pass"
  fi
  rm -rf "$out"
}
export -f check_case
export ONYX PY TIMEOUT

find "$CORPUS" -mindepth 2 -maxdepth 2 -name model.onnx -printf '%h\n' | sort | grep -F -- "$FILTER" |
  xargs -r -P "$JOBS" -I{} bash -c 'check_case "$1" "$2"' _ {} "$results"

passed=$(find "$results" -name '*.pass' | wc -l)
failed=$(find "$results" -name '*.fail' | wc -l)
if [ "$failed" -ne 0 ]; then
  echo "failures:"
  for f in $(find "$results" -name '*.fail' | sort); do
    printf '  FAIL %s: %s\n' "$(basename "$f" .fail)" "$(head -c 600 "$f")"
  done
fi
echo "edge cases: $passed passed, $failed failed ($((passed + failed)) run from $CORPUS with $ONYX_ORIG)"
[ "$failed" -eq 0 ]
