#!/usr/bin/env python3
"""Serving load test: onyx-serve (batching on and off) and FastAPI + uvicorn (2 workers) +
onnxruntime, side by side in one run, driven by wrk on loopback with the same /predict payload.
For the CNNs, onyx-serve (batching on and off) is also driven with the same image as a KServe v2
binary tensor (`--binary-rows`, on by default): without 150k JSON numbers to parse per request,
inference is most of the work, which is where batching can show what it changes.

    .venv/bin/python Benchmarks/serving/loadtest.py [--duration 10] [--models mlp_fraud,lenet5,squeezenet1_1] [--pin]

By default every stack and wrk share all the cores. With --pin the server under test gets
CPU 0 only (onyx-serve with --threads 1; both uvicorn workers on it too) and wrk gets the
other CPUs: the same compute for both stacks, and a load generator that takes none of it.

Prints a Markdown table: stack, model, connections, req/s, P50/P95/P99 ms, errors.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "Examples/OnyxServe/.build/release/onyx-serve"
MODELS = {
    "mlp_fraud": (ROOT / "Models/mlp_fraud/model.onnx", (30,), 64),
    "lenet5": (ROOT / "Models/lenet5/model.onnx", (1, 28, 28), 32),
    "squeezenet1_1": (ROOT / "Models/full/squeezenet1_1/model.onnx", (3, 224, 224), 32),
}


def wait_ready(url, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except Exception:
            time.sleep(0.2)
    return False


def cpus_setter(cpus):
    """preexec_fn pinning a child process (and its children) to `cpus`; None when not pinning."""
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


def wrk(port, payload, connections, duration, cpus=None, path="/predict", header_length=None):
    env = dict(os.environ, PAYLOAD=str(payload))
    if header_length is not None:
        env["INFER_HEADER_LENGTH"] = str(header_length)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                          "-s", str(ROOT / "Benchmarks/serving/wrk_post.lua"), f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, env=env, preexec_fn=cpus_setter(cpus)).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    n, status_err, sock_err, p50, p95, p99, dur = line.split()[1:]
    return {"rps": int(n) / (int(dur) / 1e6), "p50": float(p50) / 1000, "p95": float(p95) / 1000,
            "p99": float(p99) / 1000, "errors": int(status_err) + int(sock_err)}


def binary_request(model, row):
    """A KServe v2 binary-extension body (JSON header + raw FP32 bytes) for one row, asking for
    binary outputs too; returns (bytes, header length)."""
    import onnx
    graph = onnx.load(str(model), load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}
    inp = next(i for i in graph.input if i.name not in initializers)
    data = row[None].astype("<f4").tobytes()
    header = json.dumps({
        "inputs": [{"name": inp.name, "shape": [1, *row.shape], "datatype": "FP32",
                    "parameters": {"binary_data_size": len(data)}}],
        "outputs": [{"name": o.name, "parameters": {"binary_data": True}} for o in graph.output],
    }).encode()
    return header + data, len(header)


def start(cmd, env=None, cpus=None):
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=cpus_setter(cpus))


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--models", default="mlp_fraud,lenet5,squeezenet1_1")
    ap.add_argument("--rounds", type=int, default=1, help="runs of every stack, alternating; the median is reported")
    ap.add_argument("--pin", action="store_true", help="server on CPU 0 (onyx-serve --threads 1), wrk on the others")
    ap.add_argument("--no-binary-rows", dest="binary_rows", action="store_false",
                    help="skip the onyx-serve rows driven with KServe v2 binary tensors (CNNs)")
    args = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) < 2:
        sys.exit("--pin needs at least 2 CPUs")
    server_cpus, client_cpus = ({cpus[0]}, set(cpus[1:])) if args.pin else (None, None)
    threads = "1" if args.pin else "2"
    rows = []
    tmp = Path(tempfile.mkdtemp())
    rng = np.random.default_rng(7)
    for name in args.models.split(","):
        model, row_shape, connections = MODELS[name]
        if not model.exists():
            print(f"skip {name}: {model} missing (make models-full)", file=sys.stderr)
            continue
        row = rng.standard_normal(row_shape).astype(np.float32).round(4)
        payload = tmp / f"{name}.json"
        payload.write_text(json.dumps({"inputs": [row.tolist()]}))
        json_post = {"payload": payload}
        onyx = [str(SERVE), "--model", str(model), "--model-name", "m", "--threads", threads]
        stacks = [("onyx-serve (batching)", onyx + ["--port", "18080"], 18080, json_post),
                  ("fastapi+onnxruntime (2 workers)",
                   [sys.executable, "-m", "uvicorn", "Benchmarks.serving.fastapi_app:app", "--port", "18081",
                    "--workers", "2", "--log-level", "warning"], 18081, json_post)]
        if name != "mlp_fraud":
            no_batching = onyx + ["--port", "18082", "--max-batch-size", "1"]
            stacks.insert(1, ("onyx-serve (no batching)", no_batching, 18082, json_post))
            if args.binary_rows:
                body, header_length = binary_request(model, row)
                binary = tmp / f"{name}.bin"
                binary.write_bytes(body)
                binary_post = {"payload": binary, "path": "/v2/models/m/infer", "header_length": header_length}
                stacks += [("onyx-serve (batching), binary tensor", onyx + ["--port", "18083"], 18083, binary_post),
                           ("onyx-serve (no batching), binary tensor", onyx + ["--port", "18084", "--max-batch-size", "1"],
                            18084, binary_post)]
        # Rounds alternate the stacks, so a change in the shared machine's speed lands on all of
        # them; each row then reports the round with the median req/s, and the errors of all rounds.
        runs = {label: [] for label, _, _, _ in stacks}
        for round_ in range(args.rounds):
            for label, cmd, port, post in stacks:
                proc = start(cmd, env=dict(os.environ, ONYX_MODEL=str(model)), cpus=server_cpus)
                try:
                    health = "/v2/health/ready" if "onyx" in label else "/healthz"
                    if not wait_ready(f"http://127.0.0.1:{port}{health}"):
                        print(f"{label} did not become ready", file=sys.stderr)
                        continue
                    wrk(port, connections=connections, duration=2, cpus=client_cpus, **post)  # warm-up
                    r = wrk(port, connections=connections, duration=args.duration, cpus=client_cpus, **post)
                    runs[label].append(r)
                    print(f"round {round_ + 1}: {label:34} {name:14} c={connections} {r['rps']:9.0f} req/s  p50 {r['p50']:.2f}  "
                          f"p95 {r['p95']:.2f}  p99 {r['p99']:.2f} ms  errors {r['errors']}", file=sys.stderr)
                finally:
                    stop(proc)
        for label, _, _, _ in stacks:
            if runs[label]:
                ordered = sorted(runs[label], key=lambda r: r["rps"])
                median = dict(ordered[(len(ordered) - 1) // 2])
                median["errors"] = sum(r["errors"] for r in runs[label])
                median["all"] = [r["rps"] for r in runs[label]]
                rows.append((label, name, connections, median))
    where = (f"server on CPU {cpus[0]} (onyx-serve --threads 1, uvicorn's 2 workers), wrk on CPU {cpus[1:]}"
             if args.pin else f"servers (onyx-serve --threads 2) and wrk sharing CPUs {cpus}")
    flags = " ".join(f for f in ([f"--rounds {args.rounds}"] if args.rounds > 1 else []) + (["--pin"] if args.pin else []))
    command = f'make loadtest LOADTEST_ARGS="{flags}"' if flags else "make loadtest"
    print(f"\nServing load test, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, wrk -t2 -cC -d{args.duration}s "
          f"on loopback, {where}, one row per request, median of {args.rounds} alternating round(s) (`{command}`)\n")
    print("| stack | model | connections | req/s (median) | every round | P50 ms | P95 ms | P99 ms | errors |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|")
    for label, name, c, r in rows:
        every = ", ".join(f"{x:.0f}" for x in r["all"])
        print(f"| {label} | {name} | {c} | {r['rps']:.0f} | {every} | {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {r['errors']} |")


if __name__ == "__main__":
    main()
