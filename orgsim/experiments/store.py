"""The output folder of a sweep: identity check, resumable parts, final merged files.

Layout of DIR::

    sweep.toml          the resolved study (sensitivity.toml for a sensitivity analysis)
    versions.json       orgsim version and code fingerprint, mesa, numpy, ..., python
    plan.json           digest of the points and runs per task, fixed at the first start so
                        resume finds the same tasks
    parts/runs-NNNNNN.parquet, parts/timeseries-NNNNNN.parquet   one per finished task
    runs.parquet, points.csv, timeseries.parquet                 written when every task is done

Every file is written to a temporary name and moved into place with ``os.replace``, so a crash
or SIGKILL never leaves a half-written file: resuming is listing the finished parts. The final
files depend only on the runs' content (row groups of a fixed size, rows in run order), so an
interrupted and resumed sweep ends with the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from orgsim.errors import OrgsimError
from orgsim.experiments.plan import SweepPlan, task_sizes
from orgsim.runs.provenance import versions

PARTS = "parts"
RUNS, TIMESERIES, POINTS = "runs.parquet", "timeseries.parquet", "points.csv"
ROW_GROUP_RUNS = 65_536
ROW_GROUP_TIMESERIES = 65_536  # about 12 MB of all columns: bounds the merge's memory (a few groups in flight)
COMPRESSION = "zstd"
OWNED = ("sweep.toml", "sensitivity.toml", "versions.json", "plan.json", RUNS, TIMESERIES, POINTS,
         "sensitivity.csv", "sensitivity.png", "charts", "report.html", PARTS)


def atomic_write(path: Path, data: bytes | str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(data, str):
        data = data.encode()
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: data}


def first_difference(old: str, new: str) -> str:
    a, b = _flat(tomllib.loads(old)), _flat(tomllib.loads(new))
    for key in list(a) + [k for k in b if k not in a]:
        if a.get(key, "(absent)") != b.get(key, "(absent)"):
            return f"{key}: {a.get(key, '(absent)')!r} there, {b.get(key, '(absent)')!r} now"
    return "formatting only"


class SweepStore:
    """One sweep's output folder."""

    def __init__(self, out: Path, plan: SweepPlan):
        self.out = Path(out)
        self.plan = plan
        self.parts = self.out / PARTS
        self.marker = self.out / f"{plan.kind}.toml"

    # ------------------------------------------------------------------ opening
    def open(self, force: bool) -> "SweepStore":
        """Create the folder, or check that it holds this very study (and code) and resume it.

        ``force`` discards whatever a sweep wrote there before and starts again.
        """
        out = self.out
        if out.exists() and not out.is_dir():
            raise OrgsimError(f"{out}: exists and is not a folder")
        if out.exists() and any(out.iterdir()):
            if force:
                self.clear()
            elif problem := self._mismatch():
                raise OrgsimError(f"{out}: {problem}; pass --force to discard those results and start again, "
                                  "or choose another --out")
        self.parts.mkdir(parents=True, exist_ok=True)
        if not self.marker.exists():
            atomic_write(out / "versions.json", json.dumps(versions(), indent=2, sort_keys=True) + "\n")
            atomic_write(self.marker, self.plan.resolved)
        for stale in self.parts.glob(".*.tmp-*"):
            stale.unlink()  # left by a killed sweep; never a finished part
        return self

    def _mismatch(self) -> str | None:
        if not self.marker.exists():
            kinds = [p.name for p in (self.out / "sweep.toml", self.out / "sensitivity.toml") if p.exists()]
            return f"holds {kinds[0]}, not a {self.plan.kind}" if kinds else f"exists and holds no {self.plan.kind}"
        old = self.marker.read_text()
        if old != self.plan.resolved:
            return f"holds results of a different {self.plan.kind} ({first_difference(old, self.plan.resolved)})"
        try:
            stored = json.loads((self.out / "versions.json").read_text())
        except (OSError, ValueError):
            return "has no readable versions.json"
        changed = [f"{k} {stored.get(k)} there, {v} now" for k, v in versions().items() if stored.get(k) != v]
        if changed:
            return "was computed with other code or libraries (" + "; ".join(changed) + ")"
        plan_file = self.out / "plan.json"
        if plan_file.exists():
            digest = json.loads(plan_file.read_text()).get("points")
            if digest != self.plan.points_digest():
                return "holds other sample points (the sampler drew them differently)"
        return None

    def clear(self) -> None:
        """Remove what a sweep writes, and nothing else."""
        for name in OWNED:
            p = self.out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    # ------------------------------------------------------------------ plan and parts
    def task_sizes(self) -> list[int]:
        path = self.out / "plan.json"
        if path.exists():
            sizes = json.loads(path.read_text())["task_sizes"]
            if sum(sizes) != self.plan.n_runs:
                raise OrgsimError(f"{path}: does not match the sweep ({sum(sizes)} runs, expected "
                                  f"{self.plan.n_runs}); pass --force to start again")
            return sizes
        sizes = task_sizes(self.plan)
        stored = {"points": self.plan.points_digest(), "task_sizes": sizes}
        atomic_write(path, json.dumps(stored, separators=(",", ":")) + "\n")
        return sizes

    def part(self, kind: str, task_id: int) -> Path:
        return self.parts / f"{kind}-{task_id:06d}.parquet"

    def finished(self, sizes: list[int]) -> tuple[set[int], int, int]:
        """Tasks whose runs part is present and complete; and their runs and failed runs."""
        done, runs, failed = set(), 0, 0
        for task_id, size in enumerate(sizes):
            path = self.part("runs", task_id)
            if not path.exists():
                continue
            try:
                table = pq.read_table(path, columns=["error"])
            except (OSError, pa.ArrowException):
                continue  # unreadable: computed again
            if table.num_rows == size:
                done.add(task_id)
                runs += size
                failed += table.num_rows - table["error"].null_count
        return done, runs, failed

    def write_part(self, output: dict) -> None:
        """Time series first, runs last: a runs part marks the task as done."""
        task_id = output["task_id"]
        if output.get("timeseries"):
            atomic_write(self.part("timeseries", task_id), output["timeseries"])
        atomic_write(self.part("runs", task_id), output["runs"])

    # ------------------------------------------------------------------ final files
    def finish(self, sizes: list[int]) -> list[Path]:
        written = []
        runs_parts = [self.part("runs", i) for i in range(len(sizes))]
        missing = [p.name for p in runs_parts if not p.exists()]
        if missing:
            raise OrgsimError(f"{self.out}: {len(missing)} task(s) unfinished (e.g. {missing[0]}); run again to resume")
        merge_parts(runs_parts, self.out / RUNS, ROW_GROUP_RUNS, last=("error",))
        written.append(self.out / RUNS)
        ts_parts = [p for p in (self.part("timeseries", i) for i in range(len(sizes))) if p.exists()]
        if self.plan.keep.columns is not None and ts_parts:
            merge_parts(ts_parts, self.out / TIMESERIES, ROW_GROUP_TIMESERIES)
            written.append(self.out / TIMESERIES)
        return written


def _unified_schema(paths: Iterable[Path], last: tuple[str, ...]) -> pa.Schema:
    schema = pa.unify_schemas([pq.read_schema(p).remove_metadata() for p in paths], promote_options="permissive")
    fields = [f for f in schema if f.name not in last] + [f for f in schema if f.name in last]
    # A metric that no run ever set (e.g. dissolved_week when nothing dissolved) has no type: float64 nulls.
    fields = [pa.field(f.name, pa.float64()) if pa.types.is_null(f.type) else f for f in fields]
    return pa.schema(fields)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    cols = []
    for f in schema:
        if f.name in table.column_names:
            cols.append(table[f.name].cast(f.type))
        else:
            cols.append(pa.nulls(table.num_rows, type=f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def merge_parts(paths: list[Path], dest: Path, row_group: int, last: tuple[str, ...] = ()) -> None:
    """Concatenate parts (already in row order) into one Parquet file, streaming.

    Row groups have a fixed number of rows, so the file depends on the rows only, not on how
    they were split into tasks.
    """
    schema = _unified_schema(paths, last)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    buffer: list[pa.Table] = []
    buffered = 0
    with pq.ParquetWriter(tmp, schema, compression=COMPRESSION) as writer:
        for path in paths:
            table = _conform(pq.read_table(path), schema)
            buffer.append(table)
            buffered += table.num_rows
            while buffered >= row_group:
                merged = pa.concat_tables(buffer)
                writer.write_table(merged.slice(0, row_group), row_group_size=row_group)
                rest = merged.slice(row_group)
                buffer, buffered = [rest], rest.num_rows
        if buffered:
            writer.write_table(pa.concat_tables(buffer), row_group_size=row_group)
    os.replace(tmp, dest)
