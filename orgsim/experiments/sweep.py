"""Many seeded runs: the sweep engine.

``run_sweep`` validates every point, opens (or resumes) the output folder, sends the unfinished
tasks to an executor (this process, a local process pool or a Dask cluster), writes each task's
part as it arrives and, when all are done, merges them into ``runs.parquet``, ``timeseries.parquet``
and ``points.csv``. At most a few tasks per worker are in flight, so memory stays flat however long
the sweep. Results do not depend on the executor: see :mod:`orgsim.experiments.tasks` for the seeding.
Charts and report.html belong to a layer above: the caller injects them as ``decorate``.
"""

from __future__ import annotations

import time
import tomllib
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from orgsim.experiments.analysis import write_points
from orgsim.errors import OrgsimError
from orgsim.experiments.executors import connect, local_workers
from orgsim.experiments.plan import SweepPlan, Task, check_points, describe, make_tasks, point_scenario
from orgsim.runs import safety
from orgsim.runs.progress import make_progress
from orgsim.runs.provenance import versions
from orgsim.experiments.sampling import points as sweep_points
from orgsim.experiments.sweepfile import SweepFile, check_size, load_sweep, resolved_toml, study_points
from orgsim.experiments.store import POINTS, SweepStore
from orgsim.experiments.tasks import ERROR_COLUMN, name_task, rows_table, run_task, to_parquet_bytes

RESULTS_ROOT = Path("results")  # as orgsim.runs.run, without importing the model into this process
MAX_ATTEMPTS = 3  # a task whose worker dies this many times is recorded as failed


@dataclass
class SweepReport:
    out: Path
    runs: int
    failed: int
    computed: int        # runs computed in this call (the rest were already done)
    seconds: float       # the computing phase (worker start-up included), not merging nor charts
    executor: str
    files: list[Path]
    chart_seconds: float = 0.0  # charts and report.html, drawn in this process after the runs

    @property
    def runs_per_second(self) -> float:
        """Throughput of the computing phase; the charts are timed separately (``chart_seconds``)."""
        return self.computed / self.seconds if self.seconds > 0 else float("nan")


def plan_from_sweep(sweep: SweepFile, base: dict, source: str, allow_large: bool = False) -> SweepPlan:
    check_size(source, study_points(sweep), sweep.replicates, allow_large)  # before any point is built
    return SweepPlan(
        name=sweep.name, source=source, kind="sweep", resolved=resolved_toml(sweep, base), base=base,
        params=list(sweep.parameters), points=sweep_points(sweep), replicates=sweep.replicates,
        seed=sweep.seed, keep=sweep.keep, batch=sweep.batch,
    )


def load_plan(path: str | Path, replicates: int | None = None, allow_large: bool = False) -> SweepPlan:
    sweep, base = load_sweep(path, replicates)
    return plan_from_sweep(sweep, base, str(path), allow_large)


def default_out(plan: SweepPlan) -> Path:
    return RESULTS_ROOT / plan.name


def failed_output(task: Task, reason: str) -> dict:
    """Rows for a task that could not be run at all (its worker kept dying)."""
    rows = []
    for point, replicate, overrides in task.runs:
        row = {"point": point, "replicate": replicate, **{k: overrides[k] for k in task.params},
               "seed_root": task.seed, "seed_spawn_key": [*task.spawn_prefix, point, replicate], ERROR_COLUMN: reason}
        rows.append(row)
    return {"task_id": task.task_id, "runs": to_parquet_bytes(name_task(rows_table(rows), task)), "timeseries": None,
            "n_runs": len(rows), "n_failed": len(rows), "versions": versions()}


def _check_worker(output: dict, executor) -> None:
    mine = versions()
    theirs = output.get("versions", {})
    diff = [f"{k} {theirs.get(k)} there, {v} here" for k, v in mine.items() if theirs.get(k) != v]
    if diff:
        raise OrgsimError(f"a worker of {executor.describe()} runs other code or libraries ("
                          + "; ".join(diff) + "); install the same orgsim on the workers")


def execute(tasks, executor, store: SweepStore, progress, on_task: Callable | None = None) -> None:
    """Keep a bounded number of tasks in flight; store each result as it comes; retry lost tasks."""
    task_iter = iter(tasks)
    retry: deque[Task] = deque()
    inflight: dict = {}
    attempts: Counter = Counter()

    def fill() -> None:
        while len(inflight) < executor.capacity():
            task = retry.popleft() if retry else next(task_iter, None)
            if task is None:
                return
            generation = executor.generation
            inflight[executor.submit(run_task, task)] = (task, generation)

    stored = 0
    fill()
    while inflight:
        done, _ = wait(list(inflight), timeout=1.0, return_when=FIRST_COMPLETED)
        if not done:
            executor.check()  # a lost Dask scheduler would otherwise leave us waiting forever
        for future in done:
            task, generation = inflight.pop(future)
            try:
                output = future.result()
            except Exception as exc:  # noqa: BLE001 - lost worker or broken machinery, not a failing run
                attempts[task.task_id] += 1
                if executor.recover(exc, generation) and attempts[task.task_id] < MAX_ATTEMPTS:
                    retry.append(task)
                    continue
                if stored == 0:
                    raise OrgsimError(f"workers keep failing and no task has succeeded ({type(exc).__name__}: "
                                      f"{exc}); a script calling run_sweep needs `if __name__ == '__main__':`")
                output = failed_output(task, f"task lost {attempts[task.task_id]} time(s): "
                                             f"{type(exc).__name__}: {exc}")
            _check_worker(output, executor)
            store.write_part(output)
            stored += 1
            progress.advance(output["n_runs"], output["n_failed"])
            if on_task is not None:
                on_task(output, executor)
        fill()


def run_sweep(plan: SweepPlan, out: str | Path | None = None, *, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, show_progress: bool = True,
              runner: Callable | None = None, on_task: Callable | None = None, log=print,
              decorate: Callable[[Path], Path] | None = None) -> SweepReport:
    """Run (or resume) a sweep and write its outputs; then ``decorate(out)``, if given, adds files
    to the finished folder (``orgsim sweep`` passes :func:`orgsim.outputs.report.write_sweep_report`:
    charts/ and report.html) and returns the main one.

    Hooks for library use and tests: ``runner(scenario, seed)`` replaces :func:`orgsim.runs.run.simulate`
    (a module-level function returning an object with ``summary`` and ``timeseries``); ``on_task(output,
    executor)`` is called in this process after each task is stored.
    """
    check_points(plan)
    out = Path(out) if out is not None else default_out(plan)
    n_local = local_workers(workers, scheduler)  # also checks --workers and the scheduler's address
    if n_local and plan.memory:
        safety.check_memory(max(plan.memory) * min(n_local, plan.n_runs) + safety.PROCESS_BYTES,
                            f"{plan.source}: {min(n_local, plan.n_runs)} run(s) at once on this machine")
    store = SweepStore(out, plan)
    store.check(force)  # before anything is created or started
    executor = None
    if not out.exists():
        executor = connect(workers, scheduler)  # a pool or cluster that cannot start leaves no folder behind
    try:
        store.open(force)
    except BaseException:
        if executor is not None:
            executor.close(cancel=True)
        raise
    try:
        sizes = store.task_sizes()
        done, done_runs, done_failed = store.finished(sizes)
        todo = set(range(len(sizes))) - done
        log(describe(plan, len(sizes)) + (f"; {len(done)} tasks already done" if done else ""))
        t0 = time.perf_counter()
        computed = sum(sizes[i] for i in todo)
        executor_name = "nothing to compute"
        if todo:
            executor = executor or connect(workers, scheduler)
            executor_name = executor.describe()
            log(f"running on {executor_name}")
            progress = make_progress(plan.name, show_progress)
            progress.start(plan.n_runs, done_runs, done_failed)
            finished = False
            try:
                execute(make_tasks(plan, sizes, todo, runner), executor, store, progress, on_task)
                finished = True
            finally:
                progress.close()
                executor.close(cancel=not finished)
                executor = None
        seconds = time.perf_counter() - t0
        files = store.finish(sizes)
        files.append(write_points(out / "runs.parquet", plan.params, out / POINTS))
        chart_seconds = 0.0
        if decorate is not None:  # e.g. charts and report.html of the finished sweep
            t1 = time.perf_counter()
            files.append(decorate(out))
            chart_seconds = time.perf_counter() - t1
        _, runs, failed = store.finished(sizes)
    finally:
        if executor is not None:
            executor.close(cancel=True)
        store.close()
    return SweepReport(out, runs, failed, computed, seconds, executor_name, files, chart_seconds)


def rerun(out: str | Path, point: int, replicate: int, runner: Callable | None = None):
    """Recompute one run of a stored sweep (e.g. to look at a surprising one in detail)."""
    out = Path(out)
    path = out / "sweep.toml"
    if not path.exists():
        raise OrgsimError(f"{out}: holds no sweep.toml")
    from orgsim.experiments.sweepfile import parse_study
    from orgsim.model.scenario import read_toml

    sweep = parse_study(SweepFile, read_toml(path), str(path))
    pts = sweep_points(sweep)
    if not (0 <= point < len(pts) and 0 <= replicate < sweep.replicates):
        raise OrgsimError(f"no run (point {point}, replicate {replicate}) in {out}")
    from orgsim.experiments.tasks import simulate_any

    scenario = point_scenario(sweep.base, pts[point], f"{path}: point {point}")
    return (runner or simulate_any)(scenario, np.random.SeedSequence(sweep.seed, spawn_key=(point, replicate)))
