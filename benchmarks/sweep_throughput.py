"""Sweep throughput: runs per second with 1 and 2 local workers and a local Dask cluster.

    python benchmarks/sweep_throughput.py scenarios/sweeps/smoke.toml [more sweep or sensitivity files]
        [--replicates N]

Each sweep is computed from scratch into a temporary folder once per executor. Reported per row:
runs per second (runs / wall time of ``run_sweep``, worker start-up included, as a user sees it);
CPU seconds per run inside the workers (independent of other load on the machine); the share of
a core each worker actually got while running tasks (CPU / wall inside tasks: 1.0 on an idle
machine, less when other processes compete); and the 1-minute load average after the row. The Dask
cluster (2 single-threaded worker processes) is started beforehand, as a user's would be. The
runs.parquet files of the three executors are compared byte for byte.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tomllib
from pathlib import Path


def load(path: str, replicates: int | None = None):
    """A sweep file (replicates overridden if asked), or a sensitivity spec (its sample points run as a sweep)."""
    from orgsim.sensitivity import build_plan, load_spec
    from orgsim.sweep import load_plan

    if "output" in tomllib.loads(Path(path).read_text()):
        return build_plan(*load_spec(path), path)[0]
    return load_plan(path, replicates)


def measure(path: str, out: Path, replicates: int | None, **executor) -> dict:
    from orgsim.sweep import run_sweep

    plan = load(path, replicates)
    tasks = []
    t0 = time.perf_counter()
    report = run_sweep(plan, out, force=True, show_progress=False, log=lambda *a: None,
                       on_task=lambda o, e: tasks.append((o["seconds"], o["cpu_seconds"])))
    wall = time.perf_counter() - t0
    cpu = sum(c for _, c in tasks)
    return {"runs": report.computed, "rate": report.computed / wall, "cpu_per_run": cpu / report.computed,
            "core_share": cpu / sum(s for s, _ in tasks), "load": os.getloadavg()[0],
            "bytes": (out / "runs.parquet").read_bytes()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sweeps", nargs="+")
    ap.add_argument("--dask-workers", type=int, default=2)
    ap.add_argument("--replicates", type=int, help="replicates per point of the sweep files (to shorten long ones)")
    args = ap.parse_args()
    from distributed import LocalCluster

    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")
    print("| sweep | runs | executor | runs/s | CPU s/run | core share per worker | load after |")
    print("|---|---:|---|---:|---:|---:|---:|")
    with LocalCluster(n_workers=args.dask_workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, tempfile.TemporaryDirectory() as tmp:
        executors = (("1 worker", {"workers": 1}), ("2 workers", {"workers": 2}),
                     (f"Dask, {args.dask_workers} x 1 thread", {"scheduler": cluster.scheduler_address}))
        for path in args.sweeps:
            files = set()
            for k, (name, executor) in enumerate(executors):
                m = measure(path, Path(tmp) / f"{Path(path).stem}-{k}", args.replicates, **executor)
                files.add(m["bytes"])
                print(f"| {Path(path).name} | {m['runs']} | {name} | {m['rate']:.2f} | {m['cpu_per_run']:.3f} | "
                      f"{m['core_share']:.2f} | {m['load']:.1f} |", flush=True)
            print(f"| {Path(path).name} | | runs.parquet | {'identical' if len(files) == 1 else 'DIFFERENT'} | | | |",
                  flush=True)


if __name__ == "__main__":
    main()
