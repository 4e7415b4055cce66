#!/usr/bin/env python3
"""Overload: twice the server's capacity for 30 s, against a real onyx-serve process.

The server runs on one core (like a 1-CPU pod: pinned with sched_setaffinity, --threads 1) and
the load generator on the other, so the generator can offer more than the server can answer;
on one shared core it could only offer about what it got answered.

1. Capacity: wrk at a moderate connection count (32, closed loop) on POST /predict (one row of
   --model, by default the bundled resnet_mini CNN, whose inference outweighs its HTTP and JSON
   work as in the CNNs people serve; on the fraud MLP the HTTP work runs out first and a 503
   costs about as much as a 200); capacity = 200s per second.
2. Overload: wrk starting requests on a fixed schedule of --factor (default 2) times the
   capacity (open loop: wrk_status.lua's RATE, with --connections, default 1024, so a free
   connection is there when a request is due), for --seconds, while a prober sends one request
   every 20 ms on its own connection and times each answer by status (wrk's histogram mixes
   200s and 503s), and the server's resident memory is sampled every 0.5 s. The offered load
   is the answered requests per second (every request is answered); the run fails when it is
   under --min-ratio times the capacity.
3. Recovery: the moment wrk stops, single requests must answer 200 at once.

Checks: the server answers every request (200 or 503 with Retry-After, never 5xx otherwise,
no socket errors on the prober), 503s come fast (P99 under --max-503-p99-ms), accepted requests
keep a bounded P99 (under --max-p99-ms), peak resident memory stays within --max-rss-growth-mib
of the level before the overload, and the first request after the load answers 200 within
--max-recovery-ms.

Usage: overload.py [--serve-bin PATH] [--seconds 30] [--factor 2] [--connections 1024]
Prints the figures and one line starting with "overload:"; exits 1 on a failed check.
"""
import argparse
import http.client
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_harness import (ROOT, MemorySampler, Prober, Server, measure_capacity, mib, model_row,  # noqa: E402
                           payload_file, percentile, report, wrk)


def single_request(port, row, timeout=5):
    """(status, seconds) of one POST /predict on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    try:
        conn.request("POST", "/predict", body=json.dumps({"inputs": [row]}), headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.perf_counter() - start
    except OSError:
        return None, time.perf_counter() - start
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve-bin", default=str(ROOT / "Examples/OnyxServe/.build/release/onyx-serve"))
    ap.add_argument("--model", default=str(ROOT / "Models/resnet_mini/model.onnx"),
                    help="served model; the default's inference, not HTTP, is what runs out first")
    ap.add_argument("--serve-args", default="", help="extra onyx-serve flags, space-separated")
    ap.add_argument("--capacity-connections", type=int, default=32)
    ap.add_argument("--capacity-seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=1024)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--factor", type=float, default=2.0, help="offered load to aim for, times the capacity")
    ap.add_argument("--min-ratio", type=float, default=1.8, help="offered load / capacity the run must reach")
    ap.add_argument("--server-threads", type=int, default=1)
    ap.add_argument("--max-queue-size", type=int, default=128,
                    help="onyx-serve's queue bound: accepted requests wait about (queue + batch) / goodput, "
                         "so size it to the latency budget (256, the server's default, gave a P99 of ~1.04 s here)")
    ap.add_argument("--settle-seconds", type=float, default=12, help="idle wait before the last memory reading")
    ap.add_argument("--max-p99-ms", type=float, default=1000)
    ap.add_argument("--max-503-p99-ms", type=float, default=500)
    ap.add_argument("--max-rss-growth-mib", type=float, default=256)
    ap.add_argument("--max-recovery-ms", type=float, default=500)
    args = ap.parse_args()

    # Server on CPU 0, this script, wrk and the prober on the others (no pinning on one CPU).
    cpus = sorted(os.sched_getaffinity(0))
    server_cpus, client_cpus = ({cpus[0]}, set(cpus[1:])) if len(cpus) > 1 else (None, None)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)
    else:
        print("one CPU only: server and load generator share it, the offered load may not reach the factor")
    server = Server(args.serve_bin, ["--model", args.model, "--model-name", "overload", "--threads", str(args.server_threads),
                                     "--max-queue-size", str(args.max_queue_size), *args.serve_args.split()], cpus=server_cpus)
    row = model_row(server, "overload")
    payload = payload_file(row=row)
    failures = []
    try:
        cap = measure_capacity(server, payload, args.capacity_connections, args.capacity_seconds)
        capacity = cap["capacity"]
        print(f"capacity: {capacity:.0f} req/s at {args.capacity_connections} connections, server on CPU {server_cpus or 'any'} "
              f"with {args.server_threads} thread(s), load from CPU {client_cpus or 'any'} "
              f"(P50 {cap['p50']:.1f} ms, P99 {cap['p99']:.1f} ms, non-200 {cap['requests'] - cap['statuses'].get(200, 0)})")
        time.sleep(1)
        rss_before = server.rss()

        memory = MemorySampler(server)
        prober = Prober(server.port, interval=0.02, row=row)
        memory.start()
        prober.start()
        started = time.time()
        load = wrk(server.port, payload, args.connections, args.seconds, timeout_s=10, rate=round(args.factor * capacity))
        ended = time.time()
        # Recovery: the very next request, then a few more.
        recovery = [single_request(server.port, row) for _ in range(20)]
        prober.stop()
        time.sleep(2)
        memory.stop()
        rss_after = server.rss()
        # Idle past the server's memory trim (every 10 s by default): what the burst leaves behind.
        time.sleep(args.settle_seconds)
        rss_settled = server.rss()

        ok = load["statuses"].get(200, 0)
        shed = load["statuses"].get(503, 0)
        other = {s: n for s, n in load["statuses"].items() if s not in (200, 503)}
        offered = load["requests"] / load["seconds"]
        goodput = ok / load["seconds"]
        shed_rate = shed / max(1, load["requests"])
        during = [(s, dt) for t, s, dt in prober.samples if started <= t <= ended]
        p200 = [dt * 1000 for s, dt in during if s == 200]
        p503 = [dt * 1000 for s, dt in during if s == 503]
        probe_failed = [s for s, _ in during if s not in (200, 503)]
        rss_peak = max(memory.between(started, ended + 1), default=None)
        first_status, first_seconds = recovery[0]
        recovery_ms = [dt * 1000 for _, dt in recovery]

        print(f"offered:  {offered:.0f} req/s = {offered / capacity:.2f}x capacity (scheduled {args.factor:g}x), {args.connections} connections "
              f"for {load['seconds']:.1f} s")
        print(f"answers:  {ok} x 200 ({goodput:.0f}/s), {shed} x 503, other {other or 0}, socket errors "
              f"{load['socket_errors']}, timeouts {load['timeouts']}; shed rate {shed_rate:.1%}")
        print(f"wrk (all answers): P50 {load['p50']:.1f} ms, P90 {load['p90']:.1f} ms, P99 {load['p99']:.1f} ms, max {load['max']:.1f} ms")
        print(f"prober:   {len(p200)} x 200 P50 {percentile(p200, 50) or 0:.1f} ms P99 {percentile(p200, 99) or 0:.1f} ms; "
              f"{len(p503)} x 503 P50 {percentile(p503, 50) or 0:.1f} ms P99 {percentile(p503, 99) or 0:.1f} ms; "
              f"{len(probe_failed)} failed")
        print(f"memory:   RSS before {mib(rss_before)}, peak {mib(rss_peak)}, 2 s after {mib(rss_after)}, "
              f"{args.settle_seconds:g} s later {mib(rss_settled)}")
        print(f"recovery: first request {first_status} in {first_seconds * 1000:.1f} ms; next 19 max {max(recovery_ms[1:]):.1f} ms, "
              f"statuses {sorted({s for s, _ in recovery}, key=str)}")

        if not server.alive():
            failures.append(f"the server died: {server.log_tail()}")
        if offered < args.min_ratio * capacity:
            failures.append(f"offered load {offered:.0f} req/s is under {args.min_ratio}x capacity: not an overload")
        if shed == 0:
            failures.append("no request was shed (503): the queue bound never acted")
        if other:
            failures.append(f"answers other than 200/503: {other}")
        if load["socket_errors"] or load["timeouts"]:
            failures.append(f"wrk saw {load['socket_errors']} socket errors and {load['timeouts']} timeouts")
        if probe_failed:
            failures.append(f"{len(probe_failed)} prober requests got no answer or a status other than 200/503: {sorted(set(probe_failed), key=str)}")
        if not p200 or percentile(p200, 99) > args.max_p99_ms:
            failures.append(f"accepted requests' P99 {percentile(p200, 99)} ms is over {args.max_p99_ms} ms")
        if p503 and percentile(p503, 99) > args.max_503_p99_ms:
            failures.append(f"503s' P99 {percentile(p503, 99):.1f} ms is over {args.max_503_p99_ms} ms")
        if rss_peak is not None and rss_before is not None and rss_peak - rss_before > args.max_rss_growth_mib * 2**20:
            failures.append(f"resident memory grew by {mib(rss_peak - rss_before)} (limit {args.max_rss_growth_mib} MiB)")
        if first_status != 200 or first_seconds * 1000 > args.max_recovery_ms:
            failures.append(f"first request after the load: {first_status} in {first_seconds * 1000:.1f} ms "
                            f"(want 200 within {args.max_recovery_ms} ms)")
        if any(s != 200 for s, _ in recovery):
            failures.append(f"requests after the load were not all 200: {[s for s, _ in recovery]}")

        summary = (f"overload: capacity {capacity:.0f} req/s; offered {offered:.0f} req/s ({offered / capacity:.1f}x) "
                   f"for {load['seconds']:.0f} s: {ok} x 200, {shed} x 503 (shed {shed_rate:.0%}), {sum(other.values())} other; "
                   f"P99 200s {percentile(p200, 99) or 0:.0f} ms, P99 503s {percentile(p503, 99) or 0:.0f} ms; "
                   f"RSS {mib(rss_before)} -> peak {mib(rss_peak)} -> {mib(rss_settled)} idle; "
                   f"first request after: {first_status} in {first_seconds * 1000:.0f} ms")
        report("overload", summary, failures)
    finally:
        server.kill()


if __name__ == "__main__":
    main()
