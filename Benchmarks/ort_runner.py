"""Times onnxruntime on one model; run as a child process by Benchmarks/compare.py.

    python Benchmarks/ort_runner.py --model M --inputs DIR --threads T --warmup W \
        --iterations I --out FILE

DIR holds inputs.json ({"inputs": [{"name": ..., "npy": "input_0.npy"}, ...]}) next to the
.npy arrays; compare.py writes the same arrays as input_<i>.pb for onyx-bench. Imports only
numpy and onnxruntime, so the peak RSS it reports is onnxruntime's plus the interpreter's
(`baseline_rss_mb` is the peak RSS right after the imports, before the session is created).

Writes FILE as JSON: session_ms, samples_ms (one per timed run), baseline_rss_mb,
peak_rss_mb, versions.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import onnxruntime as ort


def peak_rss_mb() -> float:
    """Peak resident set of this process in MiB: VmHWM of our own address space where /proc
    has it (ru_maxrss can carry over the launching process's peak across fork + exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    baseline = peak_rss_mb()
    with open(os.path.join(a.inputs, "inputs.json")) as f:
        manifest = json.load(f)
    feeds = {e["name"]: np.load(os.path.join(a.inputs, e["npy"])) for e in manifest["inputs"]}

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # graph_optimization_level left at its default (ORT_ENABLE_ALL).
    t0 = time.perf_counter_ns()
    sess = ort.InferenceSession(a.model, sess_options=so, providers=["CPUExecutionProvider"])
    t1 = time.perf_counter_ns()

    names = [i.name for i in sess.get_inputs()]
    missing = [n for n in names if n not in feeds]
    if missing:
        print(f"ort_runner: no input data for graph input(s) {missing}; have {sorted(feeds)}", file=sys.stderr)
        return 2
    feeds = {n: feeds[n] for n in names}

    for _ in range(a.warmup):
        sess.run(None, feeds)
    samples = []
    clock = time.perf_counter_ns
    for _ in range(a.iterations):
        s = clock()
        sess.run(None, feeds)
        samples.append((clock() - s) / 1e6)

    result = {
        "session_ms": (t1 - t0) / 1e6,
        "samples_ms": samples,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak_rss_mb(),
        "threads": a.threads,
        "warmup": a.warmup,
        "iterations": a.iterations,
        "graph_optimization_level": str(so.graph_optimization_level),
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }
    with open(a.out, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
