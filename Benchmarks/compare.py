#!/usr/bin/env python3
"""Onyx vs onnxruntime: CPU latency side by side on the same inputs.

For each (model, threads, batch) config:
  * inputs are generated once per (model, batch) from a numpy seed (floats uniform in
    [-1, 1), integers in [0, 10)), with every symbolic dim set to the batch, and written to a
    temp dir as input_<i>.pb (TensorProto, named after the graph input) for onyx-bench and
    as .npy (the same arrays) for onnxruntime;
  * Onyx (`onyx-bench --json`) and onnxruntime (Benchmarks/ort_runner.py in a fresh child
    process: intra_op_num_threads=T, inter_op_num_threads=1, sequential, default graph
    optimizations) alternate A/B/A/B for --rounds rounds, each round doing the same warm-up
    and timed iteration count;
  * P50 and P95 (nearest rank: sorted[ceil(p/100*n)-1]) are taken per round and the median
    over rounds is reported per side;
  * one extra `onyx-bench --profile` run gives Onyx's per-op-type breakdown.

Writes OUT/comparison.md (also printed), OUT/results.json (all raw numbers),
OUT/comparison.svg and OUT/op_breakdown.svg. Exits non-zero only if nothing was measured
(or on a usage error such as a missing onyx-bench binary).

    .venv/bin/python Benchmarks/compare.py                      # default configs (the performance
                                                                # issue's targets: every model at batch 1,
                                                                # ResNet-18 at 4, LeNet-5 and the MLP at 64;
                                                                # 1 and 2 threads)
    .venv/bin/python Benchmarks/compare.py --quick --models lenet5,mlp_fraud
    .venv/bin/python Benchmarks/compare.py --models resnet18 --threads 1,2 --batches 1,4
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import svg_charts  # noqa: E402

FULL_MODELS = ["resnet18", "resnet50", "mobilenetv2", "squeezenet1_1"]
SMALL_MODELS = ["lenet5", "mlp_fraud"]
DEFAULT_MODELS = FULL_MODELS + SMALL_MODELS
# (iterations, warm-up) at batch 1 where the model is too slow for the general default.
MODEL_DEFAULTS = {"resnet50": (30, 3), "resnet18": (50, 5)}
GENERAL_DEFAULT = (100, 10)
MIN_BATCHED_ITERATIONS = 20
QUICK = (5, 1)
PROFILE_ITERATIONS = 20


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# statistics

def nearest_rank(samples, p: int) -> float:
    """sorted[ceil(p/100*n)-1], computed in integers so 95% of 20 is exactly rank 19."""
    s = sorted(samples)
    if not s:
        return float("nan")
    rank = -(-p * len(s) // 100)
    return s[min(max(rank, 1), len(s)) - 1]


def median_or_none(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def spread(values):
    """(max - min) / median of a side's per-round P50s, or None with fewer than two rounds."""
    v = [x for x in values if x is not None]
    if len(v) < 2:
        return None
    m = statistics.median(v)
    return (max(v) - min(v)) / m if m > 0 else None


# ---------------------------------------------------------------------------------------
# models and configs

class Model:
    def __init__(self, spec: str):
        self.spec = spec
        self.path, self.name = self._resolve(spec)

    @staticmethod
    def _resolve(spec: str):
        looks_like_path = spec.endswith(".onnx") or os.sep in spec or spec.startswith(".")
        if looks_like_path:
            p = Path(spec)
            if not p.is_absolute() and not p.exists():
                p = REPO / spec
            if p.is_dir() or (not p.exists() and p.suffix != ".onnx"):
                p = p / "model.onnx"
            name = p.parent.name if p.name == "model.onnx" else p.stem
            return p, name
        for cand in (REPO / "Models" / spec / "model.onnx", REPO / "Models" / "full" / spec / "model.onnx"):
            if cand.exists():
                return cand, spec
        # Not found: point at where it would be generated.
        where = "full" if spec in FULL_MODELS else ""
        return (REPO / "Models" / where / spec / "model.onnx") if where else (REPO / "Models" / spec / "model.onnx"), spec

    def missing_message(self) -> str:
        rel = os.path.relpath(self.path, REPO)
        if self.name in FULL_MODELS or "/full/" in str(self.path):
            return (f"model '{self.spec}' not found at {rel}: the full-size models are generated, "
                    f"run `make models-full` first; skipping it")
        return f"model '{self.spec}' not found at {rel} (give a name under Models/ or a path); skipping it"

    @property
    def display_path(self) -> str:
        try:
            return os.path.relpath(self.path, REPO)
        except ValueError:
            return str(self.path)


def default_iterations(model: Model, batch: int, args):
    if args.quick:
        iters, warm = QUICK
    else:
        iters, warm = MODEL_DEFAULTS.get(model.name, GENERAL_DEFAULT)
        if batch > 1 and model.name not in SMALL_MODELS:  # the small ones stay quick at any batch
            iters = max(MIN_BATCHED_ITERATIONS, iters // batch)
    if args.iterations is not None:
        iters = args.iterations
    if args.warmup is not None:
        warm = args.warmup
    return iters, warm


def build_configs(args):
    """Returns [(model_spec, threads, batch)]."""
    if args.models is None and args.threads is None and args.batches is None:
        configs = []
        for m in DEFAULT_MODELS:
            for t in (1, 2):
                configs.append((m, t, 1))
            big = {"resnet18": 4, "lenet5": 64, "mlp_fraud": 64}.get(m)
            if big:
                for t in (1, 2):
                    configs.append((m, t, big))
        return configs
    models = args.models or DEFAULT_MODELS
    threads = args.threads or [1, 2]
    batches = args.batches or [1]
    return [(m, t, b) for m in models for b in batches for t in threads]


def int_list(s: str):
    try:
        vals = [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got '{s}'")
    if not vals or any(v <= 0 for v in vals):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got '{s}'")
    return vals


def str_list(s: str):
    vals = [x.strip() for x in s.split(",") if x.strip()]
    if not vals:
        raise argparse.ArgumentTypeError("expected a comma-separated list")
    return vals


# ---------------------------------------------------------------------------------------
# inputs

def write_inputs(model: Model, batch: int, seed: int, root: Path) -> Path:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    m = onnx.load(str(model.path), load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    d = root / f"{model.name}_b{batch}"
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    manifest = []
    idx = 0
    for vi in m.graph.input:
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        dtype = helper.tensor_dtype_to_np_dtype(tt.elem_type) if tt.elem_type else np.dtype(np.float32)
        shape = []
        for dim in tt.shape.dim:
            if dim.HasField("dim_value") and dim.dim_value > 0:
                shape.append(dim.dim_value)
            elif dim.HasField("dim_param"):
                shape.append(batch)
            else:
                shape.append(1)
        if np.issubdtype(dtype, np.floating):
            arr = rng.uniform(-1.0, 1.0, size=shape).astype(dtype)
        elif dtype == np.bool_:
            arr = rng.integers(0, 2, size=shape).astype(np.bool_)
        else:
            arr = rng.integers(0, 10, size=shape).astype(dtype)
        (d / f"input_{idx}.pb").write_bytes(numpy_helper.from_array(arr, name=vi.name).SerializeToString())
        np.save(d / f"input_{idx}.npy", arr)
        manifest.append({"name": vi.name, "npy": f"input_{idx}.npy", "pb": f"input_{idx}.pb",
                         "shape": list(arr.shape), "dtype": str(arr.dtype)})
        idx += 1
    (d / "inputs.json").write_text(json.dumps({"seed": seed, "batch": batch, "inputs": manifest}))
    return d


# ---------------------------------------------------------------------------------------
# runners

def tail(text: str, n: int = 30) -> str:
    lines = (text or "").rstrip().splitlines()
    cut = lines[-n:]
    prefix = [f"    ... ({len(lines) - n} earlier lines)"] if len(lines) > n else []
    return "\n".join(prefix + ["    " + l for l in cut])


# Linux keeps a process's ru_maxrss across execve and a forked child starts from its parent's
# high-water mark, so a child started straight from this (large) Python process would report
# our peak RSS as its own. Going through a shell that forks the real command gives it a fresh
# mm and an honest ru_maxrss (`; exit $?` stops the shell from exec-ing it in place).
CLEAN_RSS_LAUNCHER = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]


def run_child(cmd, timeout):
    """Runs cmd in its own process group; returns (ok, stderr_or_reason, wall_s)."""
    full = (CLEAN_RSS_LAUNCHER + list(cmd)) if os.path.exists(CLEAN_RSS_LAUNCHER[0]) else list(cmd)
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                             start_new_session=True)
    except OSError as e:
        return False, f"could not start {cmd[0]}: {e}", time.perf_counter() - t0
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # the group we created: the shell and its child
        except OSError:
            pass
        _, err = p.communicate()
        return False, f"timed out after {timeout:.0f} s\n{err}", time.perf_counter() - t0
    except KeyboardInterrupt:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        p.wait()
        raise
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return False, f"exit code {p.returncode}\n{err}", wall
    return True, err, wall


def run_onyx(args, model: Model, threads, batch, inputs: Path, warmup, iterations, tmp: Path, profile=False):
    out = tmp / f"onyx_{model.name}_t{threads}_b{batch}{'_profile' if profile else ''}.json"
    if out.exists():
        out.unlink()
    cmd = [str(args.onyx_bench), str(model.path), "--batch", str(batch), "--threads", str(threads),
           "--inputs", str(inputs), "--warmup", str(warmup), "--iterations", str(iterations),
           "--json", str(out)]
    if profile:
        cmd.append("--profile")
    ok, err, wall = run_child(cmd, args.timeout)
    if not ok:
        reason, _, detail = err.partition("\n")
        return None, (f"onyx-bench {reason}", f"command: {' '.join(shlex.quote(c) for c in cmd)}\n{detail}")
    try:
        raw = json.loads(out.read_text())
    except (OSError, ValueError) as e:
        return None, (f"onyx-bench wrote no readable JSON ({e})", err)
    e2e = raw.get("end_to_end", {})
    load = raw.get("load_ms", {})
    return {
        "p50_ms": e2e.get("p50_ms"), "p95_ms": e2e.get("p95_ms"), "min_ms": e2e.get("min_ms"),
        "mean_ms": e2e.get("mean_ms"),
        "load_ms": sum(load.get(k, 0.0) for k in ("parse", "optimize", "plan")),
        "peak_rss_mb": raw.get("peak_rss_mb"), "wall_s": wall, "raw": raw,
    }, None


def run_ort(args, model: Model, threads, inputs: Path, warmup, iterations, tmp: Path):
    out = tmp / f"ort_{model.name}_t{threads}.json"
    if out.exists():
        out.unlink()
    cmd = [sys.executable, str(HERE / "ort_runner.py"), "--model", str(model.path), "--inputs", str(inputs),
           "--threads", str(threads), "--warmup", str(warmup), "--iterations", str(iterations),
           "--out", str(out)]
    ok, err, wall = run_child(cmd, args.timeout)
    if not ok:
        reason, _, detail = err.partition("\n")
        return None, (f"onnxruntime run {reason}", f"command: {' '.join(shlex.quote(c) for c in cmd)}\n{detail}")
    try:
        raw = json.loads(out.read_text())
    except (OSError, ValueError) as e:
        return None, (f"ort_runner wrote no readable JSON ({e})", err)
    s = raw["samples_ms"]
    return {
        "p50_ms": nearest_rank(s, 50), "p95_ms": nearest_rank(s, 95), "min_ms": min(s),
        "mean_ms": sum(s) / len(s), "session_ms": raw["session_ms"], "peak_rss_mb": raw["peak_rss_mb"],
        "baseline_rss_mb": raw["baseline_rss_mb"], "wall_s": wall, "raw": raw,
    }, None


def measure_ort_floor(args, tmp: Path):
    """P50 of onnxruntime's `run` on a 1-element Identity model: the per-call cost of the
    Python binding and session machinery, included in every onnxruntime figure."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    d = tmp / "floor"
    d.mkdir(parents=True, exist_ok=True)
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "floor",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(d / "model.onnx"))
    arr = np.zeros([1], dtype=np.float32)
    np.save(d / "input_0.npy", arr)
    (d / "input_0.pb").write_bytes(numpy_helper.from_array(arr, name="x").SerializeToString())
    (d / "inputs.json").write_text(json.dumps({"inputs": [{"name": "x", "npy": "input_0.npy"}]}))
    floor_model = Model(str(d / "model.onnx"))
    iters = 20 if args.quick else 300
    res, err = run_ort(args, floor_model, 1, d, 10, iters, tmp)
    if err:
        log(f"note: could not measure onnxruntime's per-call floor: {err[0]}\n{tail(err[1])}")
        return None
    return {"p50_ms": res["p50_ms"], "p95_ms": res["p95_ms"], "iterations": iters}


def summarize_side(rounds, load_key):
    ok = [r for r in rounds if r is not None]
    if not ok:
        return None
    return {
        "p50_ms": median_or_none([r["p50_ms"] for r in ok]),
        "p95_ms": median_or_none([r["p95_ms"] for r in ok]),
        "p50_per_round": [r["p50_ms"] for r in ok],
        "p95_per_round": [r["p95_ms"] for r in ok],
        "p50_spread": spread([r["p50_ms"] for r in ok]),
        load_key: median_or_none([r[load_key] for r in ok]),
        "peak_rss_mb": max((r["peak_rss_mb"] for r in ok if r.get("peak_rss_mb") is not None), default=None),
        "rounds_measured": len(ok),
    }


# ---------------------------------------------------------------------------------------
# environment

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pkg_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def swift_version():
    try:
        out = subprocess.run(["swift", "--version"], capture_output=True, text=True, timeout=30).stdout
        first = next((l for l in out.splitlines() if "Swift version" in l), "")
        return first.split("Swift version", 1)[1].split()[0] if first else None
    except (OSError, subprocess.SubprocessError):
        return None


def onyx_revision():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=REPO, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "Sources", "Package.swift",
                                "Benchmarks/OnyxBench", "Benchmarks/OnyxBenchKit"],
                               capture_output=True, text=True, cwd=REPO, timeout=30).stdout.strip()
        return (rev + ("+uncommitted changes" if dirty else "")) if rev else None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(args, argv):
    exe = sys.executable
    try:
        rel = os.path.relpath(exe, os.getcwd())
        exe = rel if not rel.startswith("..") else exe
    except ValueError:
        pass
    bench = Path(args.onyx_bench)
    built = dt.datetime.fromtimestamp(bench.stat().st_mtime).strftime("%Y-%m-%d %H:%M") if bench.exists() else None
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = None
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "loadavg_at_start": load,
        "kernel": platform.release(),
        "command": " ".join(shlex.quote(a) for a in [exe] + argv),
        "cwd": os.getcwd(),
        "onyx_revision": onyx_revision(),
        "onyx_bench": str(args.onyx_bench),
        "onyx_bench_built": built,
        "swift": swift_version(),
        "onnxruntime": pkg_version("onnxruntime"),
        "onnx": pkg_version("onnx"),
        "numpy": pkg_version("numpy"),
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------------------------------
# reporting

def fmt_ms(v):
    if v is None:
        return "—"
    if v < 1:
        return f"{v:.3f}"
    if v < 100:
        return f"{v:.2f}"
    return f"{v:.1f}"


def fmt_ratio(onyx, ort):
    if onyx is None or ort is None or ort <= 0:
        return "n/a"
    r = onyx / ort
    if r >= 1.005:
        return f"**{r:.2f}× slower**"
    if r <= 0.995:
        return f"{r:.2f}× ({1 / r:.2f}× faster)"
    return f"{r:.2f}× (parity)"


def fmt_mb(v):
    return "—" if v is None else f"{v:.0f}"


def iteration_note(results):
    by = {}
    for c in results:
        by.setdefault((c["iterations"], c["warmup"]), []).append(
            f"{c['model']}" + (f" b{c['batch']}" if c["batch"] != 1 else ""))
    parts = []
    for (it, w), names in sorted(by.items(), key=lambda kv: -kv[0][0]):
        uniq = list(dict.fromkeys(names))
        parts.append(f"{it} timed runs after {w} warm-up for {', '.join(uniq)}")
    return "; ".join(parts)


def markdown(env, args, results, skipped, profile_iters_note):
    L = []
    L.append("# Onyx vs onnxruntime — CPU latency")
    L.append("")
    L.append(f"- Date: {env['date']}")
    if args.quick:
        L.append("- **Quick smoke run (`--quick`)**: too few iterations for the numbers to mean much.")
    L.append(f"- CPU: {env['cpu']}, {env['logical_cpus']} logical CPUs, Linux {env['kernel']} "
             f"(load average at start: {env['loadavg_at_start']}, at end: {env.get('loadavg_at_end')}); "
             f"shared machine, so expect noise")
    L.append(f"- Command: `{env['command']}`")
    L.append(f"- Versions: Onyx {env['onyx_revision']} (onyx-bench built {env['onyx_bench_built']}, "
             f"Swift {env['swift']}), onnxruntime {env['onnxruntime']} (CPUExecutionProvider), "
             f"onnx {env['onnx']}, numpy {env['numpy']}, Python {env['python']}")
    L.append(f"- Method: same inputs for both (numpy seed {args.seed}, floats uniform in [-1, 1), symbolic dims = "
             f"batch); per config Onyx and onnxruntime alternate A/B for {args.rounds} round(s); "
             f"each round: {iteration_note(results)}. P50/P95 are nearest-rank per round; the table "
             f"shows the median over rounds. onnxruntime: intra_op_num_threads = threads, "
             f"inter_op_num_threads = 1, sequential, default graph optimizations, one fresh process per round, "
             f"`InferenceSession.run` timed with `time.perf_counter_ns`. Onyx: `onyx-bench --inputs` "
             f"(timed in-process around `InferenceSession.run`).")
    all_spreads = []
    for c in results:
        for side in ("onyx", "ort"):
            s = (c.get(side) or {}).get("p50_spread")
            if s is not None:
                all_spreads.append((s, side, c))
    if all_spreads:
        s, side, c = max(all_spreads, key=lambda t: t[0])
        L.append(f"- Noise: largest round-to-round P50 spread was {s * 100:.0f}% "
                 f"({'Onyx' if side == 'onyx' else 'onnxruntime'}, {c['model']} t{c['threads']} b{c['batch']}); "
                 f"ratios within that margin are not meaningful.")
    fl = env.get("ort_call_floor")
    if fl:
        L.append(f"- onnxruntime per-call floor: {fl['p50_ms'] * 1000:.0f} µs P50 for `run` on a 1-element Identity "
                 f"model (Python binding + session overhead, threads 1). It is part of every onnxruntime figure "
                 f"and only matters for sub-millisecond models (here: "
                 f"{', '.join(sorted({c['model'] for c in results if (c.get('ort') or {}).get('p50_ms', 1e9) < 1})) or 'none'}).")
    L.append("")
    L.append("## Latency (ms, lower is better)")
    L.append("")
    L.append("| model | threads | batch | Onyx P50 ms | Onyx P95 ms | onnxruntime P50 ms | onnxruntime P95 ms "
             "| ratio Onyx/ort (P50) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for c in results:
        o, r = c.get("onyx") or {}, c.get("ort") or {}
        L.append(f"| {c['model']} | {c['threads']} | {c['batch']} | {fmt_ms(o.get('p50_ms'))} | "
                 f"{fmt_ms(o.get('p95_ms'))} | {fmt_ms(r.get('p50_ms'))} | {fmt_ms(r.get('p95_ms'))} | "
                 f"{fmt_ratio(o.get('p50_ms'), r.get('p50_ms'))} |")
    L.append("")
    L.append("## Load time and memory")
    L.append("")
    L.append("Onyx load = parse + optimize + plan (from onyx-bench); onnxruntime = `InferenceSession(...)` "
             "creation (file read, graph optimization, kernel set-up). Medians over rounds. Peak RSS is each "
             "benchmark process's own high-water mark, max over rounds (Onyx: VmHWM of onyx-bench, "
             "launched through a forking shell; onnxruntime: VmHWM of the "
             "runner process, which also holds the Python interpreter and numpy: their share is the baseline in "
             "parentheses, the peak right after imports).")
    L.append("")
    L.append("| model | threads | batch | Onyx load ms | onnxruntime session ms | Onyx peak RSS MB "
             "| onnxruntime peak RSS MB (baseline) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for c in results:
        o, r = c.get("onyx") or {}, c.get("ort") or {}
        ort_rss = "—" if r.get("peak_rss_mb") is None else f"{r['peak_rss_mb']:.0f} ({r.get('baseline_rss_mb', 0):.0f})"
        L.append(f"| {c['model']} | {c['threads']} | {c['batch']} | {fmt_ms(o.get('load_ms'))} | "
                 f"{fmt_ms(r.get('session_ms'))} | {fmt_mb(o.get('peak_rss_mb'))} | {ort_rss} |")
    prof = first_profiles(results)
    if prof:
        L.append("")
        L.append(f"## Where Onyx spends its time (profiled run, {profile_iters_note}; first config per model)")
        L.append("")
        L.append("| model | config | top op types (share of end-to-end time) |")
        L.append("|---|---|---|")
        for c in prof:
            types = c["onyx_profile"]["op_types"]
            top = ", ".join(f"{t['op_type']} {t['share'] * 100:.0f}%" for t in types[:5])
            covered = sum(t["share"] for t in types)
            top += f"; outside kernels {max(0.0, 1 - covered) * 100:.0f}%"
            L.append(f"| {c['model']} | t{c['threads']} b{c['batch']} | {top} |")
    failures = [(c, side, msg) for c in results for side, msg in c.get("errors", [])]
    if skipped or failures:
        L.append("")
        L.append("## Not measured")
        L.append("")
        for s in skipped:
            L.append(f"- {s['model']}: {s['reason']}")
        for c, side, (headline, detail) in failures:
            lines = [l.strip() for l in detail.splitlines()
                     if l.strip() and not l.startswith(("command:", "[onyx-bench]"))]
            last = f": `{lines[-1][:200]}`" if lines else ""
            L.append(f"- {c['model']} t{c['threads']} b{c['batch']} ({side}): {headline}{last}")
    L.append("")
    L.append("Charts: `comparison.svg` (P50 per config, log scale), `op_breakdown.svg` (Onyx time per op type). "
             "Raw numbers: `results.json`.")
    return "\n".join(L) + "\n"


def first_profiles(results):
    seen, out = set(), []
    for c in results:
        if c["model"] in seen or not c.get("onyx_profile"):
            continue
        seen.add(c["model"])
        out.append(c)
    return out


def write_charts(out_dir: Path, env, args, results):
    rows = [{"label": f"{c['model']} · t{c['threads']} · b{c['batch']}",
             "onyx": (c.get("onyx") or {}).get("p50_ms"), "ort": (c.get("ort") or {}).get("p50_ms")}
            for c in results if c.get("onyx") or c.get("ort")]
    sub = (f"median over {args.rounds} round(s) of per-round P50 · t = threads, b = batch · "
           f"{env['cpu']} · {env['date']}")
    svg_charts.write(out_dir / "comparison.svg", svg_charts.comparison_chart(rows, subtitle=sub))
    prof = first_profiles(results)
    models = [{"label": f"{c['model']} (t{c['threads']} b{c['batch']}, "
                        f"{svg_charts.fmt_ms(c['onyx_profile']['p50_ms'])})",
               "op_types": c["onyx_profile"]["op_types"]} for c in prof]
    svg_charts.write(out_dir / "op_breakdown.svg", svg_charts.op_breakdown_chart(
        models, subtitle="onyx-bench --profile, first config per model; label shows profiled P50; "
                         "share of end-to-end time"))


# ---------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Compare Onyx (onyx-bench) with onnxruntime on the same inputs.",
        epilog="Without --models/--threads/--batches: full-size resnet18, resnet50, mobilenetv2, squeezenet1_1 "
               "and Models/lenet5, Models/mlp_fraud at threads 1 and 2, batch 1, plus resnet18 at batch 4 and lenet5 "
               "and mlp_fraud at batch 64. "
               "With any of them: the cross product (missing ones default to all six models, threads 1,2, "
               "batch 1). Default iterations: 100 (warm-up 10); resnet18 50 (5), resnet50 30 (3); at batch B > 1 "
               f"iterations // B, at least {MIN_BATCHED_ITERATIONS} (lenet5 and mlp_fraud keep theirs).")
    ap.add_argument("--models", type=str_list, help="comma-separated model names (Models/<n> or Models/full/<n>) "
                                                   "or paths to .onnx files / model folders")
    ap.add_argument("--threads", type=int_list, help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--batches", type=int_list, help="comma-separated batch sizes (default 1)")
    ap.add_argument("--iterations", type=int, help="timed runs per round for every config (overrides defaults)")
    ap.add_argument("--warmup", type=int, help="warm-up runs per round for every config")
    ap.add_argument("--rounds", type=int, default=2, help="A/B rounds per config (default 2)")
    ap.add_argument("--profile-iterations", type=int,
                    help=f"runs of the extra onyx-bench --profile run (default min(iterations, {PROFILE_ITERATIONS}))")
    ap.add_argument("--no-profile", action="store_true", help="skip the onyx-bench --profile runs")
    ap.add_argument("--seed", type=int, default=42, help="numpy seed for the inputs (default 42)")
    ap.add_argument("--out", type=Path, default=REPO / "Benchmarks" / "results",
                    help="output folder (default Benchmarks/results/)")
    ap.add_argument("--onyx-bench", type=Path, default=REPO / ".build" / "release" / "onyx-bench",
                    help="onyx-bench binary (default .build/release/onyx-bench)")
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds allowed per child run (default 1200)")
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke test: {QUICK[0]} iterations, {QUICK[1]} warm-up, 3 profiled runs")
    args = ap.parse_args(argv)
    for name in ("iterations", "rounds", "profile_iterations"):
        v = getattr(args, name)
        if v is not None and v <= 0:
            ap.error(f"--{name.replace('_', '-')} must be positive")
    if args.warmup is not None and args.warmup < 0:
        ap.error("--warmup must be non-negative")
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    wall0 = time.perf_counter()
    if not args.onyx_bench.is_absolute() and not args.onyx_bench.exists():
        args.onyx_bench = REPO / args.onyx_bench
    if not args.onyx_bench.exists():
        log(f"error: onyx-bench not found at {args.onyx_bench}\n"
            f"  build it with: swift build -c release --product onyx-bench   (or pass --onyx-bench PATH)")
        return 2
    try:
        import onnx  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        log(f"error: {e}; run this with the project venv (.venv/bin/python, `make venv`)")
        return 2
    if pkg_version("onnxruntime") is None:
        log("error: onnxruntime is not installed in this Python; use .venv/bin/python (`make venv`)")
        return 2

    env = environment(args, [os.path.relpath(__file__) if not os.path.relpath(__file__).startswith("..")
                             else __file__] + argv)
    configs = build_configs(args)
    models, skipped = {}, []
    for spec, _, _ in configs:
        if spec in models or any(s["spec"] == spec for s in skipped):
            continue
        m = Model(spec)
        if m.path.exists():
            models[spec] = m
        else:
            msg = m.missing_message()
            log(f"warning: {msg}")
            skipped.append({"spec": spec, "model": m.name, "path": m.display_path, "reason": msg})
    configs = [c for c in configs if c[0] in models]
    log(f"compare: {len(configs)} config(s), {args.rounds} round(s) each; onyx-bench = {args.onyx_bench}")

    out_dir = args.out if args.out.is_absolute() else Path.cwd() / args.out
    tmp = Path(tempfile.mkdtemp(prefix="onyx-compare-"))
    results = []
    input_dirs = {}
    try:
        env["ort_call_floor"] = measure_ort_floor(args, tmp) if configs else None
        for n, (spec, threads, batch) in enumerate(configs, 1):
            model = models[spec]
            iters, warm = default_iterations(model, batch, args)
            prof_iters = args.profile_iterations or (3 if args.quick else min(iters, PROFILE_ITERATIONS))
            tag = f"[{n}/{len(configs)}] {model.name} t{threads} b{batch}"
            c = {"model": model.name, "model_path": model.display_path, "threads": threads, "batch": batch,
                 "iterations": iters, "warmup": warm, "rounds": args.rounds, "errors": []}
            results.append(c)
            key = (spec, batch)
            if key not in input_dirs:
                try:
                    input_dirs[key] = write_inputs(model, batch, args.seed, tmp)
                except Exception as e:  # noqa: BLE001 - report and go on with the next config
                    input_dirs[key] = None
                    log(f"{tag}: could not generate inputs: {e}")
            inputs = input_dirs[key]
            if inputs is None:
                c["errors"].append(("inputs", ("could not generate inputs", "")))
                c["onyx"] = c["ort"] = None
                continue
            c["inputs"] = json.loads((inputs / "inputs.json").read_text())["inputs"]
            onyx_rounds, ort_rounds = [], []
            onyx_dead = ort_dead = False
            for r in range(args.rounds):
                if not onyx_dead:
                    res, err = run_onyx(args, model, threads, batch, inputs, warm, iters, tmp)
                    if err:
                        onyx_dead = True
                        c["errors"].append(("Onyx", err))
                        log(f"{tag}: {err[0]}; its output:\n{tail(err[1])}\n  (continuing without Onyx for this config)")
                    onyx_rounds.append(res)
                if not ort_dead:
                    res2, err2 = run_ort(args, model, threads, inputs, warm, iters, tmp)
                    if err2:
                        ort_dead = True
                        c["errors"].append(("onnxruntime", err2))
                        log(f"{tag}: {err2[0]}; its output:\n{tail(err2[1])}\n  (continuing without onnxruntime "
                            f"for this config)")
                    ort_rounds.append(res2)
                o = onyx_rounds[-1] if onyx_rounds and not onyx_dead else None
                t = ort_rounds[-1] if ort_rounds and not ort_dead else None
                def show(x):
                    return f"{fmt_ms(x['p50_ms'])} ms" if x else "failed"
                log(f"{tag} round {r + 1}/{args.rounds}: Onyx p50 {show(o)}, ort p50 {show(t)}")
            c["onyx"] = summarize_side(onyx_rounds, "load_ms")
            c["ort"] = summarize_side(ort_rounds, "session_ms")
            if c["ort"]:
                c["ort"]["baseline_rss_mb"] = median_or_none(
                    [x["baseline_rss_mb"] for x in ort_rounds if x is not None])
            c["onyx_rounds"] = onyx_rounds
            c["ort_rounds"] = ort_rounds
            if c["onyx"] and c["ort"]:
                c["ratio_p50"] = c["onyx"]["p50_ms"] / c["ort"]["p50_ms"]
                c["ratio_p95"] = c["onyx"]["p95_ms"] / c["ort"]["p95_ms"]
            if not args.no_profile and not onyx_dead:
                res, err = run_onyx(args, model, threads, batch, inputs, min(warm, 5), prof_iters, tmp,
                                    profile=True)
                if err:
                    c["errors"].append(("Onyx --profile", err))
                    log(f"{tag}: profile run: {err[0]}; its output:\n{tail(err[1])}")
                else:
                    raw = res["raw"]
                    c["onyx_profile"] = {"iterations": prof_iters, "p50_ms": res["p50_ms"],
                                         "op_types": raw.get("op_types", []), "ops": raw.get("ops", [])}
    except KeyboardInterrupt:
        log("interrupted: writing what was measured so far")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    measured = [c for c in results if c.get("onyx") or c.get("ort")]
    wall = time.perf_counter() - wall0
    env["wall_s"] = wall
    try:
        env["loadavg_at_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        env["loadavg_at_end"] = None
    prof_note = (f"{args.profile_iterations} runs" if args.profile_iterations
                 else ("3 runs" if args.quick else f"min(iterations, {PROFILE_ITERATIONS}) runs"))
    md = markdown(env, args, results, skipped, prof_note)
    md += f"\nTotal wall time of this comparison: {wall:.0f} s.\n"
    if not measured:
        print(md)
        log(f"error: nothing could be measured; left {out_dir} as it was")
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "comparison.md").write_text(md)
    doc = {"meta": env, "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
           "configs": [{**c, "errors": [{"side": s, "message": m[0], "detail": m[1]} for s, m in c.get("errors", [])]}
                       for c in results],
           "skipped": skipped}
    (out_dir / "results.json").write_text(json.dumps(doc, indent=1, default=str))
    write_charts(out_dir, env, args, results)
    print(md)
    log("wrote " + ", ".join(str(out_dir / f) for f in ("comparison.md", "results.json", "comparison.svg",
                                                        "op_breakdown.svg")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
