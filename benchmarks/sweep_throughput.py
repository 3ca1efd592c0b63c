"""Sweep throughput: runs per second with 1 and 2 local workers and a local Dask cluster.

    python benchmarks/sweep_throughput.py scenarios/sweeps/smoke.toml [more sweep or sensitivity files]
        [--replicates N]

Each sweep is computed from scratch into a temporary folder once per executor, each time in a fresh
Python process that starts as ``orgsim sweep`` does (so the local workers' start-up is paid every
time, as a user pays it). Reported per row: runs per second of the computing phase (runs /
``SweepReport.seconds``: worker start-up included, merging the parts and drawing the charts not);
the seconds then spent on charts and report.html (drawn in the parent, whatever the executor);
the wall time of the whole process (imports, computing, merging, charts: what a user waits) and
of the whole process less the charts;
CPU seconds per run inside the workers (independent of other load on the machine); the share of a
core each worker actually got while running tasks (CPU / wall inside tasks: 1.0 on an idle machine,
less when other processes compete); and the 1-minute load average after the row. The speed-ups are
over 1 worker, of the computing phase and of the whole process less the charts. (With 1 worker the
model is imported during the first run, inside the computing phase; the local pool's fork server
imports it while the parent starts up, before the computing phase.) The Dask cluster (``dask scheduler`` and ``dask worker
--nworkers 2 --nthreads 1`` on 127.0.0.1) is started before its measurement, as a user's would be.
The runs.parquet files of the three executors are compared byte for byte.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path


def load(path: str, replicates: int | None = None):
    """A sweep file (replicates overridden if asked), or a sensitivity spec (its sample points run as a sweep)."""
    from orgsim.experiments.sensitivity import build_plan, load_spec
    from orgsim.experiments.sweep import load_plan

    if "output" in tomllib.loads(Path(path).read_text()):
        return build_plan(*load_spec(path), path)[0]
    return load_plan(path, replicates)


def measure_here(path: str, out: Path, replicates: int | None, workers: int | None, scheduler: str | None) -> dict:
    """One sweep in this (fresh) process, started as the command line starts one."""
    from orgsim.experiments.executors import prestart

    prestart(workers, scheduler)  # as `orgsim sweep` does, before its heavy imports
    from orgsim.experiments.sweep import run_sweep
    from orgsim.outputs.report import write_sweep_report

    plan = load(path, replicates)
    tasks = []
    report = run_sweep(plan, out, force=True, show_progress=False, log=lambda *a: None, workers=workers,
                       scheduler=scheduler, decorate=write_sweep_report, on_task=lambda o, e: tasks.append((o["seconds"], o["cpu_seconds"])))
    cpu = sum(c for _, c in tasks)
    return {"runs": report.computed, "executor": report.executor, "seconds": report.seconds,
            "rate": report.runs_per_second, "chart_seconds": report.chart_seconds,
            "cpu_per_run": cpu / report.computed, "core_share": cpu / sum(s for s, _ in tasks),
            "load": os.getloadavg()[0]}


def measure(path: str, out: Path, replicates: int | None, workers: int | None = None,
            scheduler: str | None = None) -> dict:
    cmd = [sys.executable, __file__, path, "--one", str(out)] + (["--replicates", str(replicates)] if replicates else [])
    cmd += ["--scheduler", scheduler] if scheduler else ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    m = json.loads(done.stdout.strip().splitlines()[-1])
    m["process_seconds"] = wall  # the whole command: imports, computing, merging, charts
    m["bytes"] = (out / "runs.parquet").read_bytes()
    return m


@contextlib.contextmanager
def dask_cluster(workers: int):
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, as a user would start them.

    Started only for the Dask measurement, so that an idle cluster does not slow the local ones.
    """
    from distributed import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              **quiet)]
    try:
        procs.append(subprocess.Popen([dask, "worker", address, "--nworkers", str(workers), "--nthreads", "1",
                                       "--host", "127.0.0.1", "--no-dashboard"], **quiet))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sweeps", nargs="+")
    ap.add_argument("--dask-workers", type=int, default=2)
    ap.add_argument("--replicates", type=int, help="replicates per point of the sweep files (to shorten long ones)")
    ap.add_argument("--one", metavar="OUT", help=argparse.SUPPRESS)  # internal: one measurement, JSON on stdout
    ap.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--scheduler", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure_here(args.sweeps[0], Path(args.one), args.replicates, args.workers, args.scheduler)))
        return
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")
    print("| sweep | runs | executor | runs/s (computing) | speed-up | charts s | process s (less charts) | speed-up "
          "| CPU s/run | core share per worker | load after |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.sweeps:
            files, base, base_all = set(), None, None
            for k, name in enumerate(("1 worker", "2 workers", f"Dask, {args.dask_workers} x 1 thread")):
                out = Path(tmp) / f"{Path(path).stem}-{k}"
                if k < 2:
                    m = measure(path, out, args.replicates, workers=k + 1)
                else:
                    with dask_cluster(args.dask_workers) as address:
                        m = measure(path, out, args.replicates, scheduler=address)
                files.add(m["bytes"])
                assert m["executor"].startswith(("1 worker", "2 local", "Dask")[k]), m["executor"]
                no_charts = m["process_seconds"] - m["chart_seconds"]
                base, base_all = base or m["seconds"], base_all or no_charts
                print(f"| {Path(path).name} | {m['runs']} | {name} | {m['rate']:.2f} | {base / m['seconds']:.2f}x | "
                      f"{m['chart_seconds']:.1f} | {m['process_seconds']:.1f} ({no_charts:.1f}) | "
                      f"{base_all / no_charts:.2f}x | {m['cpu_per_run']:.3f} | {m['core_share']:.2f} | {m['load']:.1f} |",
                      flush=True)
            print(f"| {Path(path).name} | | runs.parquet | {'identical' if len(files) == 1 else 'DIFFERENT'} "
                  "| | | | | | | |", flush=True)


if __name__ == "__main__":
    main()
