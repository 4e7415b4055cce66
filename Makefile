# Onyx: set-up, tests and model generation. `make test` is what CI runs.
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libprotobuf-c-dev protobuf-c-compiler python3-venv pkg-config
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CONFORMANCE_DIR := Tests/Conformance/generated

.PHONY: setup apt venv build run serve loadtest test test-serve test-deploy test-schemathesis overload soak conformance edge-cases models models-full bench-compare clean fuzz test-asan test-tsan

## setup: install missing apt packages and the pinned Python venv for reference data
setup: apt venv

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.stamp
$(VENV)/.stamp: Models/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r Models/requirements.txt
	touch $@

build: apt
	swift build

## serve: build and start the example server (KServe v2 + /predict) on the bundled fraud MLP
##   at http://127.0.0.1:8080; pass flags with SERVE_ARGS, e.g. make serve SERVE_ARGS="--port 9000"
serve: apt
	swift build -c release --package-path Examples/OnyxServe --product onyx-serve
	Examples/OnyxServe/.build/release/onyx-serve --model Models/mlp_fraud/model.onnx $(SERVE_ARGS)

## loadtest: onyx-serve (batching on/off) vs FastAPI + uvicorn (2 workers) + onnxruntime, same
##   run, wrk on loopback: fraud MLP at 64 connections, LeNet-5 and SqueezeNet 1.1 at 32
##   (LOADTEST_ARGS="--rounds 3" for medians of alternating rounds, "--pin" for server and wrk on separate cores)
loadtest: venv models-full
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	$(PY) -m pip install -q --disable-pip-version-check -r Benchmarks/serving/requirements.txt
	swift build -c release --package-path Examples/OnyxServe --product onyx-serve
	$(PY) Benchmarks/serving/loadtest.py $(LOADTEST_ARGS)

## run: build and run `onyx` on the bundled LeNet-5 model
run: setup
	swift build -c release --product onyx
	.build/release/onyx info Models/lenet5/model.onnx
	.build/release/onyx run Models/lenet5/model.onnx --input Models/lenet5/test_data_set_0/input_0.pb --output-dir .build/run-output
	$(PY) -c "import onnx; from onnx import numpy_helper as h; t = onnx.TensorProto(); t.ParseFromString(open('.build/run-output/output_0.pb','rb').read()); print(t.name, [round(float(v), 3) for v in h.to_array(t).ravel()])"

## conformance: write ONNX's backend node tests named in the allowlist
conformance: venv
	$(PY) Tests/Conformance/export_node_tests.py --allowlist Tests/Conformance/allowlist.txt --out $(CONFORMANCE_DIR) \
	  --ops Tests/Conformance/ops.txt --excluded Tests/Conformance/excluded.txt

## edge-cases: write the attribute edge-case corpus (goldens from onnxruntime)
edge-cases: venv
	$(PY) Tests/EdgeCases/generate_edge_cases.py --out Tests/EdgeCases/generated

## test: everything CI checks
test: setup conformance edge-cases models-full
	swift build
	timeout 45m swift test 2>&1 | tee .build/test.log; test $${PIPESTATUS[0]} -eq 0
	Tests/cli_test.sh .build/debug/onyx
	$(MAKE) test-serve
	$(MAKE) test-deploy
	@echo "== summary =="
	@echo "golden models checked: $$(grep -c '^golden: ' .build/test.log) (each at batch 1 and batch > 1)"
	@grep -E '^conformance: ran' .build/test.log | tail -1
	@grep -E '^edge cases: ran' .build/test.log | tail -1
	@grep -E 'Test run with' .build/test.log | tail -1
	@grep -E 'Test run with' .build/test-serve.log | tail -1 | sed 's/^/server: /'
	@grep -E '^drain' .build/test-drain.log | tail -1
	@grep -E '^soak' .build/test-soak.log | tail -1
	@grep -E '^deploy: ' .build/test-deploy.log | tail -1

## test-serve: the example server's tests (real HTTP on an ephemeral port), then SIGTERM
##   under load against the real onyx-serve process (Examples/OnyxServe/Tests/drain_test.py)
test-serve: apt
	mkdir -p .build
	timeout 30m swift test --package-path Examples/OnyxServe 2>&1 | tee .build/test-serve.log; test $${PIPESTATUS[0]} -eq 0
	swift build --package-path Examples/OnyxServe --product onyx-serve
	timeout 5m python3 Examples/OnyxServe/Tests/drain_test.py --serve-bin Examples/OnyxServe/.build/debug/onyx-serve \
	  | tee .build/test-drain.log; test $${PIPESTATUS[0]} -eq 0
	command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }; timeout 3m python3 Examples/OnyxServe/Tests/soak.py --serve-bin Examples/OnyxServe/.build/debug/onyx-serve --seconds 36 --segments 4 --capacity-seconds 5 --max-rss-growth 0.10 | tee .build/test-soak.log; test $${PIPESTATUS[0]} -eq 0

## test-deploy: Kubernetes manifests, Dockerfile, Prometheus rules and dashboard checked against a
##   live onyx-serve scraped by a real Prometheus under wrk load (Examples/OnyxServe/deploy/check.py)
test-deploy: apt venv
	@need=""; for t in prometheus:prometheus promtool:prometheus wrk:wrk kubectl:kubectl; do \
	  command -v $${t%%:*} >/dev/null || need="$$need $${t##*:}"; done; need=$$(echo $$need | tr ' ' '\n' | sort -u); \
	if [ -n "$$need" ]; then echo "installing:" $$need; $(SUDO) apt-get update -qq; \
	  for p in $$need; do DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$p >/dev/null \
	    || echo "apt-get install $$p failed$$( [ $$p = kubectl ] && echo ': the kustomize checks will be skipped')"; done; fi
	$(PY) -m pip install -q --disable-pip-version-check -r Examples/OnyxServe/deploy/requirements.txt
	swift build --package-path Examples/OnyxServe --product onyx-serve
	mkdir -p .build
	timeout 15m $(PY) Examples/OnyxServe/deploy/check.py --serve-bin Examples/OnyxServe/.build/debug/onyx-serve 2>&1 \
	  | tee .build/test-deploy.log; test $${PIPESTATUS[0]} -eq 0

## test-schemathesis: request fuzzing: schemathesis (pinned, into .venv) against a live onyx-serve,
##   from Examples/OnyxServe/openapi.yaml: no 5xx, every answer as the spec says
test-schemathesis: apt venv
	$(PY) -m pip install -q --disable-pip-version-check -r Examples/OnyxServe/Tests/requirements-schemathesis.txt
	swift build --package-path Examples/OnyxServe --product onyx-serve
	mkdir -p .build
	timeout 15m $(PY) Examples/OnyxServe/Tests/schemathesis_test.py --serve-bin Examples/OnyxServe/.build/debug/onyx-serve \
	  $(SCHEMATHESIS_ARGS) 2>&1 | tee .build/test-schemathesis.log; test $${PIPESTATUS[0]} -eq 0

## overload: server on one core; capacity, then 30 s of requests scheduled at 2x it (release build):
##   503s fast, bounded P99 for accepted requests, bounded memory, recovery (OVERLOAD_ARGS for flags)
overload: apt venv
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	swift build -c release --package-path Examples/OnyxServe --product onyx-serve
	timeout 10m $(PY) Examples/OnyxServe/Tests/overload.py $(OVERLOAD_ARGS)

## soak: ~70% of capacity for SOAK_SECONDS (default 600, release build): zero errors, RSS growth
##   under 5% after warm-up, latency percentiles per segment
SOAK_SECONDS ?= 600
soak: apt venv
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	swift build -c release --package-path Examples/OnyxServe --product onyx-serve
	timeout $$(( $(SOAK_SECONDS) + 300 ))s $(PY) Examples/OnyxServe/Tests/soak.py --seconds $(SOAK_SECONDS) --segments 10

## models: regenerate the committed small models and their golden data
models: venv
	$(PY) Models/generate.py

## models-full: generate the full-size benchmark models into Models/full (git-ignored)
models-full: venv
	@if [ -f Models/full/.stamp ] && [ Models/full/.stamp -nt Models/generate.py ]; then echo "Models/full is up to date"; \
	else $(PY) Models/generate.py --full && touch Models/full/.stamp; fi

## bench-compare: Onyx vs onnxruntime latency on the same inputs; writes Benchmarks/results/
##   (comparison.md, results.json, comparison.svg, op_breakdown.svg). Pass options with
##   COMPARE_ARGS, e.g. make bench-compare COMPARE_ARGS="--quick --models lenet5,mlp_fraud"
bench-compare: venv models-full
	swift build -c release --product onyx-bench
	$(PY) Benchmarks/compare.py $(COMPARE_ARGS)

## fuzz: libFuzzer + ASan on the model loader and tensor reader (Tests/Fuzz) for FUZZ_SECONDS,
##   seeded with Models/ and the generated conformance/edge-case models; corpus and findings
##   in .build-fuzz/ (a finding fails the run: fix it, then keep it in Tests/Fuzz/regressions)
FUZZ_SECONDS ?= 300
fuzz: apt
	swift build -c release --package-path Tests/Fuzz --scratch-path $(CURDIR)/.build-fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address
	Tests/Fuzz/run.sh $(CURDIR)/.build-fuzz/release/onyx-fuzz-loader $(FUZZ_SECONDS) $(CURDIR)/.build-fuzz

## test-asan / test-tsan: the whole `swift test` under AddressSanitizer / ThreadSanitizer
##   (own scratch folders; not part of `make test`, a sanitized build and run take a while)
test-asan: apt conformance edge-cases
	mkdir -p .build
	LSAN_OPTIONS="suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp $(LSAN_OPTIONS)" \
	  timeout 60m swift test --sanitize=address --scratch-path $(CURDIR)/.build-asan 2>&1 | tee .build/test-asan.log; \
	  test $${PIPESTATUS[0]} -eq 0
	@grep -E 'Test run with|Executed .* tests' .build/test-asan.log | tail -2

TSAN_FILTER ?=
test-tsan: apt conformance edge-cases
	mkdir -p .build
	TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" timeout 90m swift test --sanitize=thread \
	  --scratch-path $(CURDIR)/.build-tsan $(if $(TSAN_FILTER),--filter '$(TSAN_FILTER)') 2>&1 | tee .build/test-tsan.log; \
	  test $${PIPESTATUS[0]} -eq 0
	@grep -E 'Test run with|Executed .* tests' .build/test-tsan.log | tail -2

clean:
	rm -rf .build $(CONFORMANCE_DIR) Tests/EdgeCases/generated
