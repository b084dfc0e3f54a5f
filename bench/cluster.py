"""1 vs 2 vs 4 app processes behind nginx, on PostgreSQL and Redis: `bench/live.py --url` against
`deploy/cluster.py` (what `make cluster` runs), for each process count and client count.

    .venv/bin/python bench/cluster.py                                # 1, 2, 4 × 1,000, 2,000
    .venv/bin/python bench/cluster.py --processes 1 2 --clients 1000 --duration 20

Each setting gets a fresh cluster (its own PostgreSQL data, Redis, nginx, demo) in a temporary
folder, stopped afterwards. The bench clients all come from 127.0.0.1, so the per-address limits
are lifted for the run (ROADMAP_ADDRESS_OP_RATE_PER_SECOND=0, a join limit of 100,000 a minute).
It prints one row per setting: broadcast and ack latency, ops/s, lost and duplicated ops, and the
CPU the app processes used over the whole run (joins and connects included; psutil, from
their pid files). Everything shares this
machine's cores with the clients: compare the rows of one run, not with other machines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_cpu(base: Path) -> float:
    total = 0.0
    for pid_file in base.glob("app-*.pid"):
        try:
            proc = psutil.Process(int(pid_file.read_text().strip()))
            for p in [proc, *proc.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
        except (psutil.Error, ValueError, OSError):
            continue
    return total


def run(processes: int, clients: int, opts: argparse.Namespace) -> dict:
    base = Path(tempfile.mkdtemp(prefix=f"bench-cluster-{processes}-"))
    port = free_port()
    env = {
        **os.environ,
        "ROADMAP_ADDRESS_OP_RATE_PER_SECOND": "0",
        "ROADMAP_JOIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "ROADMAP_JOIN_LIMIT_PER_EVENT": "100000 per minute",
    }
    cluster = [PY, "deploy/cluster.py", "--processes", str(processes), "--port", str(port)]
    cluster += ["--dir", str(base)]
    subprocess.run([*cluster, "start"], cwd=ROOT, env=env, check=True, capture_output=True)
    try:
        before = app_cpu(base)
        started = time.monotonic()
        args = [PY, "bench/live.py", "--url", f"http://127.0.0.1:{port}", "--code", "ARAT19"]
        args += ["--clients", str(clients), "--rate", str(opts.rate), "--boards", str(opts.boards)]
        args += ["--duration", str(opts.duration), "--procs", str(opts.procs), "--json"]
        out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        wall = time.monotonic() - started
        cpu = app_cpu(base) - before
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if out.returncode or not lines:
            return {"processes": processes, "clients": clients, "failed": out.stderr[-2000:]}
        figures = json.loads(lines[-1])
        applied = max(figures["ops_per_s"] * opts.duration, 1)
        figures.update(
            processes=processes,
            app_cpu_s=cpu,
            app_cpu_ms_per_op=cpu / applied * 1000,
            wall_s=wall,
            text=out.stdout,
        )
        return figures
    finally:
        subprocess.run([*cluster, "stop"], cwd=ROOT, env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--boards", type=int, default=0, help="0: all five (as live.py)")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--procs", type=int, default=2, help="bench client processes")
    parser.add_argument("--verbose", action="store_true", help="print live.py's whole output")
    opts = parser.parse_args()
    print(
        "| app processes | clients | connected | broadcast p50 / p95 / p99 (ms) | ack p99 (ms) "
        "| ops/s | lost, dup | errors | app CPU, whole run | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for clients in opts.clients:
        for processes in opts.processes:
            r = run(processes, clients, opts)
            if "failed" in r:
                print(f"| {processes} | {clients} | failed: {r['failed'][-300:]!r} |")
                continue
            b, a = r["broadcast_ms"], r["ack_ms"]
            print(
                f"| {processes} | {clients} | {r['connected']} | {b['p50']:.0f} / {b['p95']:.0f} / "
                f"**{b['p99']:.0f}** | {a['p99']:.0f} | {r['ops_per_s']:.1f} | {r['lost']}, "
                f"{r['duplicated']} | {r['errors']} | {r['app_cpu_s']:.1f} s "
                f"| {r['load_average']:.1f} |",
                flush=True,
            )
            if opts.verbose:
                print(r["text"])


if __name__ == "__main__":
    main()
