#!/usr/bin/env bash
# End-to-end checks of the `onyx` CLI contract: info, run on every committed model and
# data set (compared with onnxruntime's goldens), input matching, and error exits.
set -uo pipefail
ONYX=${1:-.build/debug/onyx}
PY=${PY:-.venv/bin/python}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
pass() { echo "  ok: $1"; }
fail() { echo "  FAIL: $1"; failures=$((failures + 1)); }

echo "cli: onyx run on committed models"
runs=0
for model in Models/*/model.onnx Models/full/*/model.onnx; do
  [ -f "$model" ] || continue
  dir=$(dirname "$model")
  for set in "$dir"/test_data_set_*; do
    inputs=()
    for f in "$set"/input_*.pb; do inputs+=(--input "$f"); done
    out="$tmp/$(basename "$dir")_$(basename "$set")"
    if "$ONYX" run "$model" "${inputs[@]}" --output-dir "$out" --threads 2 && $PY Tests/compare_outputs.py "$out" "$set"; then
      runs=$((runs + 1))
    else
      fail "$set"
    fi
  done
done
echo "  $runs data sets agree with onnxruntime"

echo "cli: onyx info"
"$ONYX" info Models/lenet5/model.onnx | grep -q "input: float32 \[N, 1, 28, 28\]" && pass "info text" || fail "info text"
"$ONYX" info Models/lenet5/model.onnx --json | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["inputs"][0]["shape"] == ["N", 1, 28, 28], d["inputs"]
assert d["op_types"]["Conv"] == 2 and d["parameters"] > 0 and d["unsupported"] == []
' && pass "info --json" || fail "info --json"

# Error cases: exit 1 (not a signal), one `error:` line, fast.
expect_error() { # description, pattern, command...
  local what=$1 pattern=$2; shift 2
  local start=$(date +%s%N)
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"; local code=$?
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ $code -eq 1 ] && grep -q "^error: .*$pattern" "$tmp/stderr" && [ "$(wc -l <"$tmp/stderr")" -eq 1 ] && [ $ms -lt 1000 ]; then
    pass "$what (${ms} ms): $(cat "$tmp/stderr")"
  else
    fail "$what: exit $code after ${ms} ms, stderr: $(cat "$tmp/stderr")"
  fi
}
echo "cli: errors"
head -c 3000 Models/lenet5/model.onnx >"$tmp/truncated.onnx"
head -c 4096 /dev/urandom >"$tmp/random.onnx"
$PY - "$tmp" <<'PYEOF'
import sys
from onnx import helper, TensorProto
d = sys.argv[1]
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])
nodes = [helper.make_node("Relu", ["x"], ["a"], name="r"),
         helper.make_node("NonMaxSuppression", ["a"], ["b"], name="nms"),
         helper.make_node("GridSample", ["b"], ["y"], name="warp")]
g = helper.make_graph(nodes, "g", [x], [y])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)])
open(f"{d}/unsupported.onnx", "wb").write(m.SerializeToString())
PYEOF
expect_error "truncated model" "invalid model" "$ONYX" run "$tmp/truncated.onnx" --input Models/lenet5/test_data_set_0/input_0.pb --output-dir "$tmp/o"
expect_error "random bytes" "invalid model" "$ONYX" info "$tmp/random.onnx"
expect_error "unsupported ops" "NonMaxSuppression.*GridSample" "$ONYX" run "$tmp/unsupported.onnx" --input Models/lenet5/test_data_set_0/input_0.pb --output-dir "$tmp/o"
"$ONYX" info "$tmp/unsupported.onnx" | grep -q "unsupported ops: 2" && pass "info lists unsupported ops" || fail "info lists unsupported ops"
expect_error "missing file" "cannot read model.*no such file" "$ONYX" info "$tmp/nope.onnx"
expect_error "a model folder" "is a directory (the model in it is '.*lenet5/model.onnx')" "$ONYX" info Models/lenet5
expect_error "wrong input shape" "must have shape \[N, 1, 28, 28\]" "$ONYX" run Models/lenet5/model.onnx --input Models/mlp_fraud/test_data_set_0/input_0.pb --output-dir "$tmp/o"
expect_error "missing input" "missing input" "$ONYX" run Models/lenet5/model.onnx --output-dir "$tmp/o"
expect_error "bad flag" "unknown option" "$ONYX" run Models/lenet5/model.onnx --bogus
expect_error "corrupt input file" "not a valid TensorProto" "$ONYX" run Models/lenet5/model.onnx --input "$tmp/random.onnx" --output-dir "$tmp/o"

if [ $failures -ne 0 ]; then echo "cli: $failures failure(s)"; exit 1; fi
echo "cli: all checks passed"
