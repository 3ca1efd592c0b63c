"""The worker side of a sweep: run one task (a block of runs) and return its rows as Parquet bytes.

Everything here is a module-level function so that spawned processes and Dask workers can import
it. A worker never touches the output folder: it returns compressed bytes that the parent writes,
so a cluster needs no shared file system.

Run (point i, replicate r) is seeded with ``SeedSequence(seed, spawn_key=(i, r))``: its result
depends on nothing else — not the worker, the task it was batched into, nor the order of completion.
A run that raises is recorded with its error string and the task goes on.
"""

from __future__ import annotations

import io
import signal
import time
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orgsim.experiments.plan import Task, point_scenario
from orgsim.runs.provenance import versions

ID_COLUMNS = ("point", "replicate")
SEED_COLUMNS = ("seed_root", "seed_spawn_key")
ERROR_COLUMN = "error"
# Summary entries that are not per-run metrics: constant in a sweep, or replaced by the seed columns.
NOT_METRICS = frozenset({"scenario", "seed", "orgsim_version"})
PART_COMPRESSION = "zstd"


def ignore_sigint(parent: int = 0) -> None:
    """Pool initializer: Ctrl-C (and SIGTERM, SIGHUP) are handled by the parent, which keeps finished
    parts; the worker dies with its parent (the fork server, which dies with the sweep)."""
    from orgsim.runs.safety import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _default_runner():
    return simulate_any


def simulate_any(scenario, seed):
    """One run of a single organisation or of an ecosystem (its summary's scalars are the metrics;
    its kept time series are the census)."""
    from orgsim.ecosystem.scenario import EcosystemScenario

    if isinstance(scenario, EcosystemScenario):
        from orgsim.runs.ecosystem import simulate_ecosystem

        return simulate_ecosystem(scenario, seed)
    from orgsim.runs.run import simulate

    return simulate(scenario, seed)


def scalar_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items()
            if k not in NOT_METRICS and (v is None or isinstance(v, (bool, int, float, str, np.generic)))}


def thin(ts, columns: tuple[str, ...], every: int):
    """Keep the chosen columns at weeks 0, k, 2k, ... and the last recorded week."""
    if len(ts) == 0:
        return ts.loc[:, ["week", *columns]]
    week = ts["week"].to_numpy()
    mask = (week % every == 0) | (week == week[-1])
    return ts.loc[mask, ["week", *columns]]


def name_task(table: pa.Table, task: Task) -> pa.Table:
    """Each part names its task and runs in its metadata (dropped when the parts are merged)."""
    (p0, r0, _), (p1, r1, _) = task.runs[0], task.runs[-1]
    return table.replace_schema_metadata({"orgsim_task": str(task.task_id), "orgsim_runs": f"{p0},{r0}-{p1},{r1}"})


def to_parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=PART_COMPRESSION)
    return sink.getvalue()


def run_rows(task: Task) -> tuple[list[dict], list[pa.Table], int]:
    runner = task.runner or _default_runner()
    rows, series, failed = [], [], 0
    for point, replicate, overrides in task.runs:
        row: dict[str, Any] = {"point": point, "replicate": replicate}
        row.update({k: overrides[k] for k in task.params})
        row["seed_root"] = task.seed
        key = (*task.spawn_prefix, point, replicate)
        row["seed_spawn_key"] = list(key)
        try:
            scenario = point_scenario(task.base, overrides, f"point {point}")
            result = runner(scenario, np.random.SeedSequence(task.seed, spawn_key=key))
            row.update(scalar_metrics(result.summary))
            row[ERROR_COLUMN] = None
            if task.keep_columns is not None:
                ts = thin(result.timeseries, task.keep_columns, task.every)
                table = pa.Table.from_pandas(ts, preserve_index=False)
                n = table.num_rows
                table = table.add_column(0, "point", pa.array(np.full(n, point, dtype=np.int64)))
                table = table.add_column(1, "replicate", pa.array(np.full(n, replicate, dtype=np.int64)))
                series.append(table.replace_schema_metadata(None))
        except Exception as exc:  # noqa: BLE001 - a failing run is data, recorded with its error
            failed += 1
            row[ERROR_COLUMN] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return rows, series, failed


def rows_table(rows: list[dict]) -> pa.Table:
    """Columns in a fixed order: ids, parameters, seeds, metrics (first appearance), error."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(k for k in row if k != ERROR_COLUMN))
    names[ERROR_COLUMN] = None
    arrays = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name == "seed_spawn_key":
            arrays[name] = pa.array(values, type=pa.list_(pa.int64()))
        elif name == ERROR_COLUMN:
            arrays[name] = pa.array(values, type=pa.string())
        else:
            arrays[name] = pa.array([v.item() if isinstance(v, np.generic) else v for v in values])
    return pa.table(arrays)


def run_task(task: Task) -> dict[str, Any]:
    """Run a task's runs; return Parquet bytes of its rows (and kept time series) and a provenance stamp."""
    t0, c0 = time.perf_counter(), time.process_time()
    rows, series, failed = run_rows(task)
    out = {
        "task_id": task.task_id,
        "runs": to_parquet_bytes(name_task(rows_table(rows), task)),
        "timeseries": None,
        "n_runs": len(rows),
        "n_failed": failed,
        "versions": versions(),
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - c0,  # wall minus this is time the worker waited for a core
    }
    if series:
        out["timeseries"] = to_parquet_bytes(name_task(pa.concat_tables(series, promote_options="permissive"), task))
    return out
