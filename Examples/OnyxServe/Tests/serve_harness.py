"""Shared pieces of the overload and soak runs: a real onyx-serve process on a free loopback
port (in its own process group, always killed on exit), wrk with per-status counts, a prober
that times single requests by status, and a resident-memory sampler.
"""
import atexit
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WRK_SCRIPT = HERE / "wrk_status.lua"
ROW = [round(0.01 * (i % 100) - 0.2, 3) for i in range(30)]   # one row of the fraud MLP's input


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100) of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class Server:
    """onyx-serve started with `args` on a free port; stop() (or exit) kills its process group."""

    def __init__(self, binary, args=(), ready_timeout=90, cpus=None):
        """`cpus`: the CPU numbers the server may run on (all when None)."""
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="onyx-serve-", suffix=".log", delete=False)
        cmd = [str(binary), "--port", str(self.port), *map(str, args)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        atexit.register(self.kill)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        deadline = time.time() + ready_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"onyx-serve exited early ({self.proc.returncode}): {self.log_tail()}")
            if self.get("/v2/health/ready", timeout=2)[0] == 200:
                return
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("onyx-serve never became ready")

    def _on_signal(self, signum, frame):
        self.kill()
        raise SystemExit(128 + signum)

    def log_tail(self, chars=2000):
        try:
            return Path(self.log.name).read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def get(self, path, timeout=5):
        """(status, body) or (None, error)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        except OSError as e:
            return None, str(e)
        finally:
            conn.close()

    def alive(self):
        return self.proc.poll() is None

    def rss(self):
        """Resident bytes from /proc (None once the process is gone)."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def metric_sum(self, name, **labels):
        """Sum of a Prometheus series from /metrics whose labels include `labels`."""
        status, body = self.get("/metrics")
        total = 0.0
        if status != 200:
            return None
        for line in body.decode().splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            head, value = line.rsplit(" ", 1)
            if all(f'{k}="{v}"' in head for k, v in labels.items()):
                total += float(value)
        return total

    def stop(self, timeout=20):
        """SIGTERM, wait, and return the exit code (SIGKILL after `timeout`)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()


def model_row(server, name):
    """One /predict row for the served model `name`'s first input (its metadata's shape without
    the batch dim), as nested lists of small deterministic values."""
    status, body = server.get(f"/v2/models/{name}")
    if status != 200:
        raise RuntimeError(f"GET /v2/models/{name}: {status} {body}")
    dims = json.loads(body)["inputs"][0]["shape"][1:]
    if any(d < 1 for d in dims):
        raise RuntimeError(f"model '{name}' has free dims besides the batch: {dims}")
    count = 1
    for d in dims:
        count *= d
    values = iter([round(0.01 * (i % 100) - 0.2, 3) for i in range(count)])

    def nest(level):
        return [next(values) for _ in range(dims[level])] if level == len(dims) - 1 else \
            [nest(level + 1) for _ in range(dims[level])]
    return nest(0)


def payload_file(rows=1, row=ROW):
    f = tempfile.NamedTemporaryFile("w", prefix="onyx-predict-", suffix=".json", delete=False)
    json.dump({"inputs": [row] * rows}, f)
    f.close()
    atexit.register(lambda: os.path.exists(f.name) and os.unlink(f.name))
    return f.name


def wrk(port, payload, connections, seconds, threads=2, delay_ms=0, timeout_s=10, rate=0):
    """Runs wrk on POST /predict; returns counts by status, errors and latency percentiles (ms).
    `delay_ms`: think time per connection between requests; `rate`: requests per second started
    on a fixed schedule (open loop, see wrk_status.lua)."""
    env = dict(os.environ, PAYLOAD=payload, DELAY_MS=str(delay_ms), RATE=str(rate), THREADS=str(threads))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{timeout_s}s",
           "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}/predict"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    fields = line.split()
    n, sock_err, timeouts, p50, p90, p99, pmax, dur = map(int, fields[1:9])
    statuses = {int(k): int(v) for k, v in (f.split("=") for f in fields[9:])}
    return {"requests": n, "socket_errors": sock_err, "timeouts": timeouts, "seconds": dur / 1e6,
            "p50": p50 / 1000, "p90": p90 / 1000, "p99": p99 / 1000, "max": pmax / 1000,
            "statuses": statuses, "rps": n / (dur / 1e6)}


class Prober(threading.Thread):
    """Sends POST /predict every `interval` seconds on its own connection (a new one after an
    error), recording (send time, status or None, seconds) for each: per-status latency that
    wrk's overall histogram cannot give."""

    def __init__(self, port, interval, timeout=10, row=ROW):
        super().__init__(daemon=True)
        self.port, self.interval, self.timeout = port, interval, timeout
        self.body = json.dumps({"inputs": [row]})
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        conn = None
        next_at = time.time()
        while not self.stopped.is_set():
            now = time.time()
            if now < next_at:
                time.sleep(next_at - now)
            next_at += self.interval
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            start = time.perf_counter()
            try:
                conn.request("POST", "/predict", body=self.body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except OSError:
                status = None
                conn.close()
                conn = None
            self.samples.append((time.time(), status, time.perf_counter() - start))

    def stop(self):
        self.stopped.set()
        self.join(timeout=self.timeout + 5)


class MemorySampler(threading.Thread):
    """Samples the server's resident memory every `interval` seconds: (time, bytes)."""

    def __init__(self, server, interval=0.5):
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            rss = self.server.rss()
            if rss is not None:
                self.samples.append((time.time(), rss))
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)

    def between(self, start, end):
        return [b for t, b in self.samples if start <= t <= end]


def mib(n):
    return f"{n / 2**20:.1f} MiB" if n is not None else "n/a"


def measure_capacity(server, payload, connections=32, seconds=10):
    """Throughput of 200s at a moderate connection count (closed loop: the server's capacity)."""
    result = wrk(server.port, payload, connections, seconds)
    ok = result["statuses"].get(200, 0)
    result["capacity"] = ok / result["seconds"]
    return result


def report(label, summary, failures):
    """Prints the run's summary line (marked FAIL when a check failed) and each failure, then
    exits 1 on any failure, 0 otherwise."""
    if failures:
        summary = summary.replace(f"{label}:", f"{label}: FAIL", 1)
    print(summary)
    for f in failures:
        print("  - " + f)
    sys.exit(1 if failures else 0)
