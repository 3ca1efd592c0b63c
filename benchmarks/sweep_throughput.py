"""Sweep throughput: runs per second with 1 and 2 local workers and a local Dask cluster.

    python benchmarks/sweep_throughput.py scenarios/sweeps/smoke.toml [more sweep or sensitivity files]

Each sweep is computed from scratch into a temporary folder once per executor; the figure is runs
computed / wall time of ``run_sweep`` (worker start-up included, as a user sees it). The Dask cluster
is started beforehand (scheduler and workers as separate processes on 127.0.0.1), as a user's would
be. Results are also checked to be byte-identical across executors.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path


def load(path: str):
    """A sweep file, or a sensitivity spec (its sample points run as a sweep)."""
    import tomllib

    from orgsim.sensitivity import build_plan, load_spec
    from orgsim.sweep import load_plan

    if "output" in tomllib.loads(Path(path).read_text()):
        return build_plan(*load_spec(path), path)[0]
    return load_plan(path)


def measure(plan_path: str, out: Path, **executor) -> tuple[float, int, bytes]:
    from orgsim.sweep import run_sweep

    plan = load(plan_path)
    t0 = time.perf_counter()
    report = run_sweep(plan, out, force=True, show_progress=False, log=lambda *a: None, **executor)
    wall = time.perf_counter() - t0
    return report.computed / wall, report.computed, (out / "runs.parquet").read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sweeps", nargs="+")
    ap.add_argument("--dask-workers", type=int, default=2)
    args = ap.parse_args()
    from distributed import LocalCluster

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print("| sweep | runs | 1 worker | 2 workers | Dask (local cluster, "
          f"{args.dask_workers} x 1 thread) |")
    print("|---|---:|---:|---:|---:|")
    with LocalCluster(n_workers=args.dask_workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, tempfile.TemporaryDirectory() as tmp:
        for path in args.sweeps:
            rates, files = [], set()
            for name, executor in (("w1", {"workers": 1}), ("w2", {"workers": 2}),
                                   ("dask", {"scheduler": cluster.scheduler_address})):
                rate, n, data = measure(path, Path(tmp) / f"{Path(path).stem}-{name}", **executor)
                rates.append(rate)
                files.add(data)
            same = "identical" if len(files) == 1 else "DIFFERENT"
            print(f"| {Path(path).name} | {n} | {rates[0]:.2f} runs/s | {rates[1]:.2f} runs/s | "
                  f"{rates[2]:.2f} runs/s | ({same} runs.parquet)", flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
