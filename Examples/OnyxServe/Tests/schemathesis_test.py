#!/usr/bin/env python3
"""Request fuzzing: schemathesis generates requests from Examples/OnyxServe/openapi.yaml (valid
ones, boundary values, and schema-violating ones) against a real onyx-serve on a free loopback
port, and checks every answer: no 5xx, status codes, content types, headers and bodies as the
spec says, schema-violating requests rejected with 4xx, undeclared methods 405 with Allow.

One check is left out: positive_data_acceptance expects every schema-valid request to succeed,
but JSON Schema cannot say that `data` must hold shape[0] x shape[1] values of the model's
input, so most valid-looking tensors are rightly 400.

Independently of schemathesis, the server's own http_requests_total must show no 5xx, and the
process must still be running at the end.

Usage: schemathesis_test.py --serve-bin PATH [--max-examples 60] [--seed 1]
Prints one line starting with "schemathesis:" and exits 1 on any failure.
"""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_harness import ROOT, Server  # noqa: E402

SPEC = ROOT / "Examples/OnyxServe/openapi.yaml"


def server_5xx(server):
    status, body = server.get("/metrics")
    if status != 200:
        return None
    total = 0
    for line in body.decode().splitlines():
        if line.startswith("http_requests_total{") and re.search(r'status="5\d\d"', line):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve-bin", required=True)
    ap.add_argument("--st", default=str(ROOT / ".venv/bin/st"))
    ap.add_argument("--max-examples", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=600, help="seconds for the whole schemathesis run")
    args = ap.parse_args()

    work = ROOT / ".build/schemathesis"
    work.mkdir(parents=True, exist_ok=True)
    server = Server(args.serve_bin, ["--threads", "1", "--drain-delay-seconds", "0"])
    failures = []
    try:
        cmd = [args.st, "run", str(SPEC), "--url", f"http://127.0.0.1:{server.port}",
               "--checks", "all", "--exclude-checks", "positive_data_acceptance",
               "--max-examples", str(args.max_examples), "--seed", str(args.seed),
               "--request-timeout", "10", "--workers", "2", "--no-color",
               "--report", "junit", "--report-junit-path", str(work / "junit.xml")]
        # cwd: schemathesis keeps its example database in ./.schemathesis.
        try:
            run = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=args.timeout,
                                 env=dict(os.environ, NO_COLOR="1"))
            output = run.stdout + run.stderr
            code = run.returncode
        except subprocess.TimeoutExpired as e:
            output, code = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""), None
            failures.append(f"schemathesis still running after {args.timeout} s")
        (work / "output.txt").write_text(output)
        cases = re.search(r"(\d+) generated", output)
        operations = re.search(r"Tested: (\d+)", output)
        found = re.search(r"found (\d+) unique failures", output)
        if code not in (0, None):
            failures.append(f"schemathesis exit {code}; see .build/schemathesis/output.txt")
        fivexx = server_5xx(server)
        if fivexx:
            failures.append(f"the server answered {fivexx} requests with 5xx (its http_requests_total)")
        if not server.alive():
            failures.append(f"the server died: {server.log_tail()}")
        summary = (f"schemathesis: {cases.group(1) if cases else '?'} generated requests on "
                   f"{operations.group(1) if operations else '?'} operations (seed {args.seed}, "
                   f"{args.max_examples} examples each), {found.group(1) if found else 0} failures, "
                   f"{fivexx if fivexx is not None else '?'} 5xx in the server's metrics, server "
                   f"{'alive' if server.alive() else 'DEAD'}")
        if failures:
            print(output[-6000:])
            print(summary.replace("schemathesis:", "schemathesis: FAIL", 1))
            for f in failures:
                print("  - " + f)
            sys.exit(1)
        print(summary)
    finally:
        server.kill()


if __name__ == "__main__":
    main()
