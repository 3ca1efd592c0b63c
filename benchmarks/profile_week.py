"""Where the weekly step spends its time: CPU time per mechanism per week.

    PYTHONPATH=. python benchmarks/profile_week.py [--members 10000] [--weeks 104] [--warm 8]

Runs scenarios/baseline.toml (branches = members/25) on one core, times each submodel of
OrgModel.SCHEDULE, the recorder and the scheduled events with the process's CPU clock (less
disturbed by other processes than wall time) after ``--warm`` weeks, and prints microseconds per
week, largest first. For line-level detail use py-spy or line_profiler on the same command.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--members", type=int, default=10000)
    p.add_argument("--weeks", type=int, default=104)
    p.add_argument("--warm", type=int, default=8, help="weeks run before timing starts")
    a = p.parse_args()
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    import orgsim.model.model as M
    from orgsim.model.scenario import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "baseline.toml", {
        "organisation.members": a.members, "organisation.branches": max(1, a.members // 25), "weeks": a.warm + a.weeks})
    spent: dict[str, float] = defaultdict(float)
    timing = [False]

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.process_time()
            out = fn(*args, **kwargs)
            if timing[0]:
                spent[name] += time.process_time() - t
            return out
        return wrapper

    M.SCHEDULE = tuple((name, timed(name, fn)) for name, fn in M.SCHEDULE)
    model = M.OrgModel(sc)
    model.recorder.record = timed("record (observe)", model.recorder.record)
    model._apply_events = timed("scheduled events", model._apply_events)
    for _ in range(a.warm):
        model.step()
    timing[0] = True
    t = time.process_time()
    model.run()
    total = time.process_time() - t
    weeks = model.week - a.warm
    print(f"{a.members:,} members, weeks {a.warm}-{model.week} (orgsim from {Path(M.__file__).parent})")
    for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:18s} {1e6 * sec / weeks:9.0f} us/week  {100 * sec / total:5.1f}%")
    rest = total - sum(spent.values())
    print(f"  {'rest of step':18s} {1e6 * rest / weeks:9.0f} us/week  {100 * rest / total:5.1f}%")
    print(f"  {'total':18s} {1e6 * total / weeks:9.0f} us/week  ({a.members * weeks / total:,.0f} member-steps per CPU second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
