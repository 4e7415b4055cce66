#!/usr/bin/env python3
"""Soak: ~70% of the server's capacity for a long time, against a real onyx-serve process.

Measures capacity (wrk, 32 connections, POST /predict), then holds a fraction of it (wrk with a
per-request delay, calibrated once after a few seconds) for --seconds, in equal segments so
latency percentiles can be compared over time. The first segment is the warm-up.

Checks: zero errors (every answer 200, no socket errors or timeouts); resident memory after
the warm-up grows by less than --max-rss-growth (max of the last segment against the end of the
warm-up); the server is alive at the end. Latencies are reported, first vs last segment, and
only a gross drift fails (last P99 over --max-p99-drift times the first plus 50 ms): the machine
is shared, so timings are figures, not assertions.

Usage: soak.py [--serve-bin PATH] [--seconds 600] [--segments 10] [--fraction 0.7]
Prints one line per segment and one line starting with "soak:"; exits 1 on a failed check.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_harness import MemorySampler, ROOT, Server, measure_capacity, mib, payload_file, report, wrk  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve-bin", default=str(ROOT / "Examples/OnyxServe/.build/release/onyx-serve"))
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--segments", type=int, default=10)
    ap.add_argument("--fraction", type=float, default=0.7, help="of the measured capacity")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--capacity-seconds", type=int, default=10)
    ap.add_argument("--max-rss-growth", type=float, default=0.05, help="fraction, after warm-up")
    ap.add_argument("--max-p99-drift", type=float, default=5.0)
    args = ap.parse_args()

    server = Server(args.serve_bin, ["--request-timeout-ms", "5000"])
    payload = payload_file()
    failures = []
    try:
        cap = measure_capacity(server, payload, args.connections, args.capacity_seconds)
        capacity = cap["capacity"]
        target = args.fraction * capacity
        # Each connection sends, waits for the answer, then waits `delay` ms: a rate of about
        # connections / (delay + latency). Start from the unloaded latency, then correct once.
        delay = max(1, round(1000 * args.connections / target - cap["p50"] / 2))
        probe = wrk(server.port, payload, args.connections, 3, delay_ms=delay)
        delay = max(1, round(delay * probe["rps"] / target))
        print(f"capacity {capacity:.0f} req/s; target {target:.0f} req/s ({args.fraction:.0%}): "
              f"{args.connections} connections, {delay} ms between requests")

        memory = MemorySampler(server, interval=1.0)
        memory.start()
        segment = max(1, args.seconds // args.segments)
        results = []
        for i in range(args.segments):
            start = time.time()
            r = wrk(server.port, payload, args.connections, segment, delay_ms=delay, timeout_s=10)
            r["start"], r["end"] = start, time.time()
            r["errors"] = r["socket_errors"] + r["timeouts"] + sum(n for s, n in r["statuses"].items() if s != 200)
            rss = memory.between(start, r["end"])
            r["rss_end"], r["rss_max"] = (rss[-1], max(rss)) if rss else (None, None)
            results.append(r)
            print(f"  segment {i + 1}/{args.segments}{' (warm-up)' if i == 0 else ''}: {r['rps']:.0f} req/s "
                  f"({r['rps'] / capacity:.0%} of capacity), P50 {r['p50']:.2f} ms, P90 {r['p90']:.2f} ms, "
                  f"P99 {r['p99']:.2f} ms, errors {r['errors']}, RSS {mib(r['rss_end'])}", flush=True)
            if not server.alive():
                failures.append(f"the server died in segment {i + 1}: {server.log_tail()}")
                break
        memory.stop()

        total = sum(r["requests"] for r in results)
        errors = sum(r["errors"] for r in results)
        first, last = results[0], results[-1]
        baseline = first["rss_end"]
        after_warmup = [b for r in results[1:] for b in memory.between(r["start"], r["end"])]
        peak = max(after_warmup, default=baseline)
        final = last["rss_max"]
        growth = (final - baseline) / baseline if baseline and final else None
        compare = results[1] if len(results) > 2 else first   # first segment after the warm-up
        if errors:
            failures.append(f"{errors} errors")
        if growth is None or growth > args.max_rss_growth:
            failures.append(f"resident memory grew {growth if growth is None else f'{growth:.1%}'} after warm-up "
                            f"(limit {args.max_rss_growth:.0%})")
        if last["p99"] > args.max_p99_drift * compare["p99"] + 50:
            failures.append(f"P99 drifted from {compare['p99']:.1f} ms to {last['p99']:.1f} ms")
        if not server.alive():
            failures.append("the server is not running at the end")

        summary = (f"soak: {sum(r['seconds'] for r in results):.0f} s at {total / sum(r['seconds'] for r in results):.0f} req/s "
                   f"({total / sum(r['seconds'] for r in results) / capacity:.0%} of {capacity:.0f}), {total} requests, "
                   f"{errors} errors; RSS after warm-up {mib(baseline)} -> end {mib(final)} "
                   f"({growth * 100 if growth is not None else float('nan'):+.1f}%, peak {mib(peak)}); "
                   f"P50/P99 first {compare['p50']:.1f}/{compare['p99']:.1f} ms, last {last['p50']:.1f}/{last['p99']:.1f} ms")
        report("soak", summary, failures)
    finally:
        server.kill()


if __name__ == "__main__":
    main()
