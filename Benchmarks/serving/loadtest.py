#!/usr/bin/env python3
"""Serving load test: onyx-serve (batching on and off) and FastAPI + uvicorn (2 workers) +
onnxruntime, side by side in one run, driven by wrk on loopback with the same /predict payload.

    .venv/bin/python Benchmarks/serving/loadtest.py [--duration 10] [--models mlp_fraud,lenet5,squeezenet1_1]

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


def wrk(port, payload, connections, duration):
    env = dict(os.environ, PAYLOAD=str(payload))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                          "-s", str(ROOT / "Benchmarks/serving/wrk_post.lua"), f"http://127.0.0.1:{port}/predict"],
                         capture_output=True, text=True, env=env).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    n, status_err, sock_err, p50, p95, p99, dur = line.split()[1:]
    return {"rps": int(n) / (int(dur) / 1e6), "p50": float(p50) / 1000, "p95": float(p95) / 1000,
            "p99": float(p99) / 1000, "errors": int(status_err) + int(sock_err)}


def start(cmd, env=None):
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


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
    args = ap.parse_args()
    rows = []
    tmp = Path(tempfile.mkdtemp())
    rng = np.random.default_rng(7)
    for name in args.models.split(","):
        model, row_shape, connections = MODELS[name]
        if not model.exists():
            print(f"skip {name}: {model} missing (make models-full)", file=sys.stderr)
            continue
        payload = tmp / f"{name}.json"
        payload.write_text(json.dumps({"inputs": [rng.standard_normal(row_shape).astype(np.float32).round(4).tolist()]}))
        stacks = [("onyx-serve (batching)", [str(SERVE), "--model", str(model), "--port", "18080", "--threads", "2"], 18080),
                  ("fastapi+onnxruntime (2 workers)",
                   [sys.executable, "-m", "uvicorn", "Benchmarks.serving.fastapi_app:app", "--port", "18081",
                    "--workers", "2", "--log-level", "warning"], 18081)]
        if name != "mlp_fraud":
            stacks.insert(1, ("onyx-serve (no batching)", [str(SERVE), "--model", str(model), "--port", "18082",
                                                         "--threads", "2", "--max-batch-size", "1"], 18082))
        for label, cmd, port in stacks:
            proc = start(cmd, env=dict(os.environ, ONYX_MODEL=str(model)))
            try:
                health = "/v2/health/ready" if "onyx" in label else "/healthz"
                if not wait_ready(f"http://127.0.0.1:{port}{health}"):
                    print(f"{label} did not become ready", file=sys.stderr)
                    continue
                wrk(port, payload, connections, 2)  # warm-up
                r = wrk(port, payload, connections, args.duration)
                rows.append((label, name, connections, r))
                print(f"{label:34} {name:14} c={connections} {r['rps']:9.0f} req/s  p50 {r['p50']:.2f}  "
                      f"p95 {r['p95']:.2f}  p99 {r['p99']:.2f} ms  errors {r['errors']}", file=sys.stderr)
            finally:
                stop(proc)
    print(f"\nServing load test, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, wrk -t2 -cC -d{args.duration}s "
          f"on loopback, one row per request (`make loadtest`)\n")
    print("| stack | model | connections | req/s | P50 ms | P95 ms | P99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, name, c, r in rows:
        print(f"| {label} | {name} | {c} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {r['errors']} |")


if __name__ == "__main__":
    main()
