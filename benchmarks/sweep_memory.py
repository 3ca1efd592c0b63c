"""Memory over a long sweep: resident memory (RSS) of the parent and of each local worker after
every task, to show it stays flat.

    PYTHONPATH=. python benchmarks/sweep_memory.py [scenarios/sweeps/morris-main.toml] [--workers 2]

Runs the sweep (or the sample points of a sensitivity file) from scratch into a temporary folder,
without charts, and prints RSS in MB after a selection of tasks. The processes listed are the
parent's children: the fork server, its resource tracker and the workers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep_throughput import load  # noqa: E402  (a sweep file or a sensitivity spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", nargs="?", default="scenarios/sweeps/morris-main.toml")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    from orgsim.experiments.executors import prestart

    prestart(a.workers, None)
    from orgsim.experiments.sweep import run_sweep

    me = psutil.Process()
    mb = 2.0 ** 20
    rows: list[tuple[int, float, list[float]]] = []

    def after_task(_outcome, _error) -> None:
        kids = sorted(c.memory_info().rss / mb for c in me.children(recursive=True))
        rows.append((len(rows) + 1, me.memory_info().rss / mb, kids))

    with tempfile.TemporaryDirectory() as tmp:
        report = run_sweep(load(a.sweep), Path(tmp) / "out", workers=a.workers, force=True, show_progress=False,
                           log=lambda *_: None, on_task=after_task)
    print(f"{a.sweep}: {report.computed} runs in {len(rows)} tasks on {report.executor}, {report.seconds:.1f} s")
    print("| after task | parent MB | children MB, sorted (resource tracker, fork server, workers) |")
    print("|---:|---:|---|")
    n = len(rows)
    for i in sorted({1, 2, 5, 10, n // 4, n // 2, 3 * n // 4, n} - {0}):
        task, parent, kids = rows[i - 1]
        print(f"| {task} | {parent:.0f} | {', '.join(f'{k:.0f}' for k in kids)} |")


if __name__ == "__main__":
    main()
