"""The output folder of a sweep: identity check, resumable parts, final merged files.

Layout of DIR::

    sweep.toml          the resolved study (sensitivity.toml for a sensitivity analysis)
    versions.json       orgsim version and code fingerprint, mesa, numpy, ..., python
    orgsim.json         the marker of an orgsim output folder (what --force may clear)
    plan.json           digest of the points and runs per task, fixed at the first start so
                        resume finds the same tasks
    parts/runs-NNNNNN.parquet, parts/timeseries-NNNNNN.parquet   one per finished task
    parts/task-NNNNNN.json    the task's manifest: its (point, replicate) ids, rows and the
                              SHA-256 of each of its part files
    runs.parquet, points.csv, timeseries.parquet                 written when every task is done
    .orgsim.lock        held while a sweep writes the folder (a second one is refused)

Every file is written to a temporary name and moved into place with ``os.replace``, so a crash
or SIGKILL never leaves a half-written file. A task counts as done only when its manifest, the
hashes of its parts and the run ids inside them all agree with the plan; anything else (a part
missing, truncated, swapped with another task's, edited) is computed again, and each task's part
is merged exactly once, in task order. The final files depend only on the runs' content (row
groups of a fixed size, rows in run order), so an interrupted and resumed sweep ends with the
same bytes as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from orgsim.runs import safety
from orgsim.errors import OrgsimError
from orgsim.experiments.plan import SweepPlan, task_bounds, task_sizes
from orgsim.runs.provenance import versions

PARTS = "parts"
RUNS, TIMESERIES, POINTS = "runs.parquet", "timeseries.parquet", "points.csv"
ROW_GROUP_RUNS = 65_536
ROW_GROUP_TIMESERIES = 65_536  # about 12 MB of all columns: bounds the merge's memory (a few groups in flight)
COMPRESSION = "zstd"
OWNED = ("sweep.toml", "sensitivity.toml", "versions.json", "plan.json", RUNS, TIMESERIES, POINTS,
         "sensitivity.csv", "sensitivity.png", "charts", "report.html", PARTS, safety.MARKER)
PART_RE = re.compile(r"\A(?:(?:runs|timeseries)-\d{6}\.parquet|task-\d{6}\.json|\..+\.tmp-\d+)\Z")
CHART_RE = re.compile(r"\A[A-Za-z0-9_.-]+\.(?:png|svg)\Z")
TMP_RE = re.compile(r"\A\..+\.tmp-\d+\Z")


def _only(folder: Path, pattern: re.Pattern) -> bool:
    return all(pattern.match(p.name) and p.is_file() and not p.is_symlink() for p in folder.iterdir())


def sweep_owned(name: str, path: Path) -> bool:
    """What a sweep or sensitivity analysis writes into its folder (and only that)."""
    if path.is_symlink():
        return False
    if name == PARTS:
        return path.is_dir() and _only(path, PART_RE)
    if name == "charts":
        return path.is_dir() and _only(path, CHART_RE)
    if name in OWNED or name == safety.FolderLock.NAME or TMP_RE.match(name):
        return path.is_file()
    return False


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    def is_ours(self) -> bool:
        """An orgsim sweep folder: the marker, or (folders from before it) the study, versions and plan."""
        marker = safety.read_marker(self.out)
        if marker is not None:
            return marker.get("orgsim") in ("sweep", "sensitivity")
        return ((self.out / "versions.json").is_file() and (self.out / "plan.json").is_file()
                and any((self.out / f).is_file() for f in ("sweep.toml", "sensitivity.toml")))

    def _fresh(self) -> bool:
        """Empty, or all a killed sweep left before writing its study: marker, lock, empty parts/."""
        for p in self.out.iterdir():
            if p.name in (safety.MARKER, safety.FolderLock.NAME) or TMP_RE.match(p.name):
                continue
            if p.name == PARTS and p.is_dir() and not any(p.iterdir()):
                continue
            return False
        return True

    def check(self, force: bool) -> None:
        """Pre-flight, writing nothing: the folder can be written, and resumed or (``force``) cleared."""
        out = self.out
        safety.check_writable(out)
        if not out.exists() or self._fresh():
            return
        if force:
            if not self.is_ours():
                raise OrgsimError(f"{out}: not an orgsim sweep folder (no {safety.MARKER}); --force clears only "
                                  "folders orgsim wrote; choose another --out")
            foreign = safety.foreign_entries(out, sweep_owned)
            if foreign:
                raise OrgsimError(f"{out}: holds files orgsim did not write ({safety.describe_entries(foreign)}); "
                                  "not cleared: move them away or choose another --out")
        elif problem := self._mismatch():
            raise OrgsimError(f"{out}: {problem}; pass --force to discard those results and start again, "
                              "or choose another --out")

    def open(self, force: bool) -> "SweepStore":
        """Create the folder, or check that it holds this very study (and code) and resume it.

        ``force`` discards whatever a sweep wrote there before and starts again (only an orgsim
        sweep folder holding nothing else; see :meth:`check`). The folder stays locked until
        :meth:`close`: a second sweep into it is refused.
        """
        self.check(force)
        out = self.out
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise safety.write_error(out, exc) from None
        self.lock = safety.FolderLock(out, self.plan.kind).acquire()
        try:
            self.check(force)  # again, now that no other sweep can change the folder
            if force:
                self.clear()
            self.parts.mkdir(parents=True, exist_ok=True)
            if safety.read_marker(out) is None:
                atomic_write(out / safety.MARKER, safety.marker_text(self.plan.kind))
            if not self.marker.exists():
                atomic_write(out / "versions.json", json.dumps(versions(), indent=2, sort_keys=True) + "\n")
                atomic_write(self.marker, self.plan.resolved)
            for folder in (out, self.parts):
                for stale in folder.glob(".*.tmp-*"):
                    stale.unlink()  # left by a killed sweep (we hold the lock): never a finished file
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        lock = getattr(self, "lock", None)
        if lock is not None:
            lock.release()
            self.lock = None

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
        """Remove what a sweep writes, and nothing else (the lock stays: we hold it)."""
        for p in list(self.out.iterdir()):
            if p.name == safety.FolderLock.NAME or not sweep_owned(p.name, p):
                continue
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()

    # ------------------------------------------------------------------ plan and parts
    def task_sizes(self) -> list[int]:
        path = self.out / "plan.json"
        if path.exists():
            sizes = json.loads(path.read_text())["task_sizes"]
            if sum(sizes) != self.plan.n_runs:
                raise OrgsimError(f"{path}: does not match the sweep ({sum(sizes)} runs, expected "
                                  f"{self.plan.n_runs}); pass --force to start again")
            self._sizes = sizes
            return sizes
        sizes = task_sizes(self.plan)
        stored = {"points": self.plan.points_digest(), "task_sizes": sizes}
        atomic_write(path, json.dumps(stored, separators=(",", ":")) + "\n")
        self._sizes = sizes
        return sizes

    def part(self, kind: str, task_id: int) -> Path:
        return self.parts / f"{kind}-{task_id:06d}.parquet"

    def manifest(self, task_id: int) -> Path:
        return self.parts / f"task-{task_id:06d}.json"

    def expected_ids(self, start: int, stop: int) -> list[list[int]]:
        R = self.plan.replicates
        return [[k // R, k % R] for k in (start, stop - 1)]

    def _check_task(self, task_id: int, start: int, stop: int) -> int | None:
        """Failed runs of a finished, intact task; None if it must be computed (again)."""
        runs_path = self.part("runs", task_id)
        if not runs_path.exists():
            return None
        try:
            entry = json.loads(self.manifest(task_id).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("task") != task_id or entry.get("n") != stop - start \
                or entry.get("ids") != self.expected_ids(start, stop):
            return None
        files = entry.get("files")
        if not isinstance(files, dict) or not isinstance(files.get("runs"), dict):
            return None
        keep_ts = self.plan.keep.columns is not None
        for kind, info in files.items():
            if info is None:
                continue
            path = self.part(kind, task_id) if kind in ("runs", "timeseries") else None
            try:
                if path is None or info.get("name") != path.name or sha256(path.read_bytes()) != info.get("sha256"):
                    return None
            except (OSError, AttributeError):
                return None
        R = self.plan.replicates
        want = [(k // R, k % R) for k in range(start, stop)]
        try:
            table = pq.read_table(runs_path, columns=["point", "replicate", "error"])
            got = list(zip(table["point"].to_pylist(), table["replicate"].to_pylist()))
            if got != want:
                return None
            failed = table.num_rows - table["error"].null_count
            if keep_ts and files.get("timeseries") is None and failed < len(want):
                return None  # runs succeeded but their kept time series are gone
            ts = files.get("timeseries")
            if ts is not None:
                ids = pq.read_table(self.part("timeseries", task_id), columns=["point", "replicate"])
                pairs = set(zip(ids["point"].to_pylist(), ids["replicate"].to_pylist()))
                if not pairs <= set(want):
                    return None
        except (OSError, KeyError, pa.ArrowException):
            return None
        return failed

    def finished(self, sizes: list[int]) -> tuple[set[int], int, int]:
        """Tasks whose parts are present, intact and hold the runs the plan gives them; their runs
        and failed runs."""
        done, runs, failed = set(), 0, 0
        for task_id, (start, stop) in enumerate(task_bounds(sizes)):
            bad = self._check_task(task_id, start, stop)
            if bad is None:
                continue
            done.add(task_id)
            runs += stop - start
            failed += bad
        return done, runs, failed

    def write_part(self, output: dict) -> None:
        """Time series first, then the task's manifest, the runs part last: a runs part that its
        manifest vouches for marks the task as done."""
        task_id = output["task_id"]
        sizes = getattr(self, "_sizes", None) or self.task_sizes()
        start, stop = task_bounds(sizes)[task_id]
        files = {"runs": {"name": self.part("runs", task_id).name, "sha256": sha256(output["runs"]),
                          "bytes": len(output["runs"])},
                 "timeseries": None}
        if output.get("timeseries"):
            atomic_write(self.part("timeseries", task_id), output["timeseries"])
            files["timeseries"] = {"name": self.part("timeseries", task_id).name,
                                   "sha256": sha256(output["timeseries"]), "bytes": len(output["timeseries"])}
        else:
            self.part("timeseries", task_id).unlink(missing_ok=True)  # a stale one from an earlier attempt
        entry = {"task": task_id, "n": stop - start, "ids": self.expected_ids(start, stop), "files": files}
        atomic_write(self.manifest(task_id), json.dumps(entry, sort_keys=True) + "\n")
        atomic_write(self.part("runs", task_id), output["runs"])

    # ------------------------------------------------------------------ final files
    def finish(self, sizes: list[int]) -> list[Path]:
        """Merge each task's verified parts, once each, in task order."""
        written = []
        done, _, _ = self.finished(sizes)
        missing = [self.part("runs", i).name for i in range(len(sizes)) if i not in done]
        if missing:
            raise OrgsimError(f"{self.out}: {len(missing)} task(s) unfinished or damaged (e.g. {missing[0]}); "
                              "run again to compute them")
        runs_parts = [self.part("runs", i) for i in range(len(sizes))]
        merge_parts(runs_parts, self.out / RUNS, ROW_GROUP_RUNS, last=("error",))
        rows = pq.ParquetFile(self.out / RUNS).metadata.num_rows
        if rows != self.plan.n_runs:
            raise OrgsimError(f"{self.out / RUNS}: {rows} rows merged, {self.plan.n_runs} expected; run again")
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
