"""A study resolved into runs and tasks.

Runs are numbered point-major: run ``k`` is point ``k // replicates``, replicate ``k % replicates``.
A task is a contiguous block of runs, so the parts of finished tasks, read in task order, are
already sorted by (point, replicate) and can be merged by streaming.

Short runs are batched: the task size is chosen from an *estimated* run time (a fixed formula of
the scenario size, not a measurement) so that the plan is the same on every machine and resume
finds the same tasks. Tasks aim at about one second each, and at least ``MIN_TASKS`` tasks when the
sweep is small, so that workers stay evenly loaded.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from orgsim.ecosystem.scenario import EcosystemScenario, override_any, people_weeks, validate_any
from orgsim.errors import ScenarioError
from orgsim.model.scenario import Scenario
from orgsim.experiments.sweepfile import Keep, describe_point
from orgsim.runs.safety import run_memory

TARGET_TASK_SECONDS = 1.0
MIN_TASKS = 16
# Estimated seconds per run: per person-week (members and their milieu) plus a fixed set-up cost.
# Measured with mesa 3.3.1 on one core (200 members x 104 weeks: 0.08 s; 1000 x 520: 1.2 s).
SECONDS_PER_PERSON_WEEK = 7e-7
SECONDS_PER_RUN = 0.005


@dataclass
class SweepPlan:
    """Everything the engine needs; built from a sweep file or a sensitivity spec."""

    name: str
    source: str                     # file the study came from (messages only)
    kind: str                       # "sweep" or "sensitivity"
    resolved: str                   # resolved study as TOML: identical text <=> same study
    base: dict[str, Any]            # raw base scenario data, [set] applied
    params: list[str]               # varied dotted keys (column order)
    points: list[dict[str, Any]]    # one override dict per point
    replicates: int
    seed: int
    keep: Keep
    batch: int | None = None
    costs: list[float] = field(default_factory=list)  # estimated seconds per run, per point
    # Run (i, r) is seeded SeedSequence(seed, spawn_key=(*spawn_prefix, i, r)): a calibration numbers its
    # stages and cases here, so that no two of its evaluations share a seed; sweeps leave it empty.
    spawn_prefix: tuple[int, ...] = ()
    memory: list[float] = field(default_factory=list)  # estimated peak bytes of a run, per point

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replicates

    def points_digest(self) -> str:
        """Fingerprint of the sampled points: resume refuses points drawn differently (other SALib, say)."""
        text = json.dumps(self.points, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def estimate_seconds(scenario: Scenario | EcosystemScenario) -> float:
    people, weeks = people_weeks(scenario)
    return SECONDS_PER_RUN + SECONDS_PER_PERSON_WEEK * people * weeks


def point_scenario(base: dict, point: dict, source: str) -> Scenario | EcosystemScenario:
    """The scenario of a point: a single organisation's or an ecosystem's, as the base is."""
    return validate_any(override_any(base, point, source=source), source)


def check_points(plan: SweepPlan) -> None:
    """Validate every point before any run starts; record each point's estimated run time."""
    plan.costs, plan.memory = [], []
    n = len(plan.points)
    for i, point in enumerate(plan.points):
        try:
            scenario = point_scenario(plan.base, point, f"{plan.source}: point {i} of {n}")
        except ScenarioError as exc:
            raise ScenarioError(f"{exc}\n{plan.source}: point {i} is {describe_point(point)}") from None
        plan.costs.append(estimate_seconds(scenario))
        plan.memory.append(run_memory(scenario))


def task_sizes(plan: SweepPlan) -> list[int]:
    """Runs per task, in run order (deterministic: depends on the plan only)."""
    total = plan.n_runs
    if total == 0:
        return []
    if plan.batch is not None:
        full, rest = divmod(total, plan.batch)
        return [plan.batch] * full + ([rest] if rest else [])
    costs = plan.costs or [SECONDS_PER_RUN] * len(plan.points)
    total_cost = sum(costs) * plan.replicates
    target = min(TARGET_TASK_SECONDS, total_cost / MIN_TASKS)
    sizes, size, acc = [], 0, 0.0
    for k in range(total):
        size += 1
        acc += costs[k // plan.replicates]
        if acc >= target:
            sizes.append(size)
            size, acc = 0, 0.0
    if size:
        sizes.append(size)
    return sizes


def task_bounds(sizes: list[int]) -> list[tuple[int, int]]:
    """[start, stop) run indices of each task."""
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    return bounds


@dataclass(frozen=True)
class Task:
    """One unit of work sent to a worker: a block of runs sharing the base scenario."""

    task_id: int
    base: dict
    params: tuple[str, ...]
    runs: tuple[tuple[int, int, dict], ...]   # (point, replicate, overrides)
    seed: int
    keep_columns: tuple[str, ...] | None
    every: int
    runner: Callable | None = None            # None: orgsim.runs.run.simulate
    spawn_prefix: tuple[int, ...] = ()        # seeds: SeedSequence(seed, spawn_key=(*spawn_prefix, point, replicate))


def make_tasks(plan: SweepPlan, sizes: list[int], todo: set[int], runner: Callable | None) -> Iterator[Task]:
    """Tasks still to do, generated lazily (memory stays flat however long the sweep)."""
    R = plan.replicates
    cols = plan.keep.columns
    for task_id, (start, stop) in enumerate(task_bounds(sizes)):
        if task_id not in todo:
            continue
        runs = tuple((k // R, k % R, plan.points[k // R]) for k in range(start, stop))
        yield Task(task_id, plan.base, tuple(plan.params), runs, plan.seed, cols, plan.keep.every, runner,
                   tuple(plan.spawn_prefix))


def describe(plan: SweepPlan, n_tasks: int) -> str:
    est = sum(plan.costs) * plan.replicates if plan.costs else math.nan
    return (f"{plan.kind} {plan.name}: {len(plan.points)} points x {plan.replicates} replicates = "
            f"{plan.n_runs} runs in {n_tasks} tasks (estimated {est:.0f} s of computing)")
