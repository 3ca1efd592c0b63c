"""Reading what charts are drawn from: run folders and sweep folders.

A run folder is what ``orgsim run`` writes (timeseries.csv, events.csv, summary.json,
scenario.toml). A sweep folder is what the sweep engine writes: runs.parquet (one row per run),
points.csv (one row per parameter point), optionally timeseries.parquet and a sensitivity table.
The sweep format is read defensively: column names are looked up among a few spellings, and
whatever can be recomputed from runs.parquet is.

Bad paths raise :class:`~orgsim.errors.OrgsimError` with one short message.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.errors import OrgsimError

RUN_FILES = ("timeseries.csv", "summary.json")
ECOSYSTEM_FILES = ("organisations.csv", "census.csv", "flows.csv", "summary.json")
SWEEP_FILES = ("runs.parquet", "points.csv", "runs.csv")
# Columns of a sweep's runs table that are bookkeeping, not varied parameters or metrics.
ID_COLUMNS = {"point", "point_id", "replicate", "rep", "run", "run_id", "seed", "root_seed", "seed_root",
              "spawn_key", "seed_key", "seed_keys", "seed_spawn_key", "entropy", "error", "status", "elapsed",
              "elapsed_s", "failed",
              "seconds", "duration", "task", "worker", "scenario", "name", "orgsim_version", "outcome",
              "n_runs", "runs", "errors", "n_errors", "week", "date"}
# Summary metrics of one run (observe.summary); numeric ones can be charted against parameters.
SUMMARY_METRICS = ("final_members", "peak_members", "min_members", "initial_members", "weeks_run", "recruits",
                   "resignations", "expulsions", "split_departures", "splits", "leadership_changes",
                   "seat_turnover", "regime_changes", "factions_formed", "conventions", "dissolved_week",
                   "final_voiced_dissent", "final_hidden_dissent", "final_mean_trust",
                   "final_old_leadership_share", "annual_growth")
OUTCOMES = ("growth", "stable", "decline", "collapse", "split", "dissolved")
QUANTILE_SUFFIXES = {"median": ("_median", "_q50", "_p50"), "lo": ("_q05", "_p05", "_q5", "_p5", "_lo", "_low"),
                     "hi": ("_q95", "_p95", "_hi", "_high")}


# --------------------------------------------------------------------------- run folders
@dataclass
class RunFolder:
    path: Path
    timeseries: pd.DataFrame
    events: pd.DataFrame
    summary: dict

    @property
    def scenario_name(self) -> str:
        return str(self.summary.get("scenario", self.path.name))

    @property
    def seed(self):
        return self.summary.get("seed", "?")

    @property
    def label(self) -> str:
        return f"{self.scenario_name} (seed {self.seed})"


def _exists_dir(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise OrgsimError(f"{path}: no such folder")
    if not path.is_dir():
        raise OrgsimError(f"{path}: not a folder (give a run folder or a sweep folder)")
    return path


def folder_kind(path: Path) -> str:
    """'ecosystem', 'run' or 'sweep', from the files present."""
    path = _exists_dir(path)
    if all((path / f).is_file() for f in ECOSYSTEM_FILES):
        return "ecosystem"
    if all((path / f).is_file() for f in RUN_FILES):
        return "run"
    if any((path / f).is_file() for f in SWEEP_FILES):
        return "sweep"
    raise OrgsimError(f"{path}: neither a run folder (timeseries.csv, summary.json) "
                      f"nor a sweep folder (runs.parquet or points.csv)")


def read_run(path: Path) -> RunFolder:
    path = _exists_dir(path)
    for f in RUN_FILES:
        if not (path / f).is_file():
            raise OrgsimError(f"{path}: not a run folder (no {f})")
    try:
        ts = pd.read_csv(path / "timeseries.csv")
        summary = json.loads((path / "summary.json").read_text())
        ev_path = path / "events.csv"
        events = read_events(ev_path) if ev_path.is_file() else pd.DataFrame(columns=["week", "kind", "agent"])
    except (ValueError, OSError) as exc:  # pandas parse errors and JSON errors are ValueErrors
        raise OrgsimError(f"{path}: cannot read run outputs: {exc.__class__.__name__}: {exc}") from None
    if "week" not in ts.columns or "members" not in ts.columns:
        raise OrgsimError(f"{path / 'timeseries.csv'}: missing the week/members columns")
    check_timeseries(path / "timeseries.csv", ts, summary)
    return RunFolder(path, ts, events, summary)


def read_events(path: Path) -> pd.DataFrame:
    """events.csv: text columns as text ("" where empty), numbers as numbers (NaN where empty).
    Reads an older run folder's single ``detail`` column too."""
    text = {"kind": str, "date": str, "detail": str, "reason": str, "label": str, "inquiry": str,
            "result": str, "role": str, "key": str, "value": str}
    ev = pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""])
    for c in text:
        if c in ev.columns:
            ev[c] = ev[c].fillna("")
    return ev


def check_timeseries(path: Path, ts: pd.DataFrame, summary: dict) -> None:
    """A run's weekly series, whole: one complete row per week 0, 1, ..., as summary.json counts them
    (a truncated or edited file is refused with one line instead of failing inside a chart)."""
    from orgsim.model.observe import COLUMNS

    damaged = f"{path}: truncated or damaged"
    missing = [c for c in COLUMNS if c not in ts.columns]
    if missing:
        raise OrgsimError(f"{damaged}: no column {missing[0]!r}")
    if len(ts) == 0:
        raise OrgsimError(f"{damaged}: no rows")
    values = ts[["week", *COLUMNS]].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1)
    if bad.any():
        raise OrgsimError(f"{damaged}: row {int(bad.to_numpy().argmax()) + 2} is incomplete or not numeric")
    if "date" in ts.columns:
        dates = pd.to_datetime(ts["date"], format="%Y-%m-%d", errors="coerce")
        if dates.isna().any():
            raise OrgsimError(f"{damaged}: row {int(dates.isna().to_numpy().argmax()) + 2} has no valid date")
    if not (values["week"].to_numpy() == np.arange(len(ts))).all():
        raise OrgsimError(f"{damaged}: weeks are not 0, 1, 2, ... in order")
    weeks = summary.get("weeks_run") if isinstance(summary, dict) else None
    if isinstance(weeks, int) and weeks != len(ts):
        raise OrgsimError(f"{damaged}: {len(ts)} weeks, but summary.json says the run lasted {weeks}")


# --------------------------------------------------------------------------- sweep folders
def _first(columns, *names) -> str | None:
    for n in names:
        if n in columns:
            return n
    return None


def _read_table(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except ImportError:
        raise OrgsimError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow)") from None
    except (ValueError, OSError) as exc:
        raise OrgsimError(f"{path}: cannot read: {exc.__class__.__name__}") from None


def _manifest_params(folder: Path) -> list[str]:
    """Varied parameter names from a sweep manifest, if the engine wrote one."""
    for name in ("sweep.toml", "sensitivity.toml", "sweep.json", "manifest.json", "manifest.toml"):
        p = folder / name
        if not p.is_file():
            continue
        try:
            data = json.loads(p.read_text()) if p.suffix == ".json" else tomllib.loads(p.read_text())
        except (ValueError, OSError):
            continue
        for key in ("parameters", "varied", "vary", "params", "grid"):
            v = data.get(key) if isinstance(data, dict) else None
            if v is None and isinstance(data, dict) and isinstance(data.get("sweep"), dict):
                v = data["sweep"].get(key)
            if isinstance(v, dict):
                return list(v)
            if isinstance(v, list):
                return [x if isinstance(x, str) else x.get("name", x.get("key")) for x in v
                        if isinstance(x, (str, dict))]
    return []


def _study(folder: Path) -> dict:
    """The resolved study file the sweep engine writes (sweep.toml or sensitivity.toml), if any."""
    for name in ("sweep.toml", "sensitivity.toml"):
        p = folder / name
        if p.is_file():
            try:
                return tomllib.loads(p.read_text())
            except (tomllib.TOMLDecodeError, OSError):
                return {}
    return {}


@dataclass
class SweepFolder:
    path: Path
    runs: pd.DataFrame | None
    points: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    timeseries_path: Path | None
    params: list[str] = field(default_factory=list)
    point_col: str | None = None
    study: dict = field(default_factory=dict)

    @property
    def start_date(self) -> str | None:
        base = self.study.get("base", {})
        date = base.get("start_date") if isinstance(base, dict) else None
        return str(date) if date else None

    @property
    def name(self) -> str:
        if isinstance(self.study.get("name"), str):
            return self.study["name"]
        for table in (self.runs, self.points):
            if table is not None and "scenario" in table.columns and len(table):
                return str(table["scenario"].iloc[0])
        return self.path.name

    def ok_runs(self) -> pd.DataFrame | None:
        """Runs that finished without error."""
        if self.runs is None:
            return None
        err = _first(self.runs.columns, "error")
        if err is None:
            return self.runs
        e = self.runs[err]
        failed = e.notna() & (e.astype(str).str.strip() != "") & (e.astype(str) != "None")
        return self.runs[~failed]

    def n_replicates(self) -> int | None:
        runs = self.ok_runs()
        if runs is None or self.point_col is None or self.point_col not in runs.columns:
            return None
        return int(runs.groupby(self.point_col).size().median())

    def timeseries(self, points: list[int] | None = None, max_replicates: int | None = None,
                   columns: list[str] | None = None) -> pd.DataFrame | None:
        """The kept time series; with ``points`` / ``max_replicates`` only those rows are read (a
        Parquet filter), so charts of a large sweep do not load all of it."""
        if not self.timeseries_path:
            return None
        if self.timeseries_path.suffix != ".parquet" or (points is None and max_replicates is None):
            return _read_table(self.timeseries_path)
        filters = []
        if points is not None:
            filters.append(("point", "in", [int(p) for p in points]))
        if max_replicates is not None:
            filters.append(("replicate", "<", int(max_replicates)))
        if columns is not None:
            import pyarrow.parquet as pq

            present = set(pq.read_schema(self.timeseries_path).names)
            columns = [c for c in columns if c in present]
        try:
            return pd.read_parquet(self.timeseries_path, filters=filters, columns=columns)
        except (ValueError, OSError, KeyError) as exc:
            raise OrgsimError(f"{self.timeseries_path}: cannot read: {exc.__class__.__name__}") from None

    def timeseries_points(self) -> list[int]:
        """The points that have kept time series (reads one column only)."""
        if not self.timeseries_path:
            return []
        if self.timeseries_path.suffix == ".parquet":
            col = pd.read_parquet(self.timeseries_path, columns=["point"])["point"]
        else:
            col = _read_table(self.timeseries_path)["point"]
        return sorted(int(p) for p in col.unique())


def _detect_params(folder: Path, table: pd.DataFrame) -> list[str]:
    named = [p for p in _manifest_params(folder) if p in table.columns]
    if named:
        return named
    params = []
    for c in table.columns:
        lc = c.lower()
        if lc in ID_COLUMNS or c in SUMMARY_METRICS or lc.startswith(("p_", "prob_", "share_", "outcome_")):
            continue
        if any(c.endswith(s) for ss in QUANTILE_SUFFIXES.values() for s in ss):
            continue
        if "." in c or lc.startswith(("param", "p:")):
            params.append(c)
    if params:
        return params
    # last resort: columns that are neither metrics nor ids and take several values
    return [c for c in table.columns if c.lower() not in ID_COLUMNS and c not in SUMMARY_METRICS
            and not c.lower().startswith(("p_", "prob_", "final_", "mean_"))
            and table[c].nunique(dropna=True) > 1 and table[c].nunique(dropna=True) <= 50
            and not any(c.endswith(s) for ss in QUANTILE_SUFFIXES.values() for s in ss)]


def read_sweep(path: Path) -> SweepFolder:
    path = _exists_dir(path)
    runs = _read_table(path / "runs.parquet")
    if runs is None:
        runs = _read_table(path / "runs.csv")
    points = _read_table(path / "points.csv")
    if runs is None and points is None:
        raise OrgsimError(f"{path}: not a sweep folder (no runs.parquet or points.csv)")
    sens = None
    for name in ("sensitivity.csv", "sensitivity.parquet", "sobol.csv", "morris.csv", "sensitivity_indices.csv"):
        sens = _read_table(path / name)
        if sens is not None:
            break
    ts_path = next((path / n for n in ("timeseries.parquet", "timeseries.csv") if (path / n).is_file()), None)
    ref = runs if runs is not None else points
    point_col = _first(ref.columns, "point", "point_id")
    params = _detect_params(path, points if points is not None else runs)
    if runs is not None:
        params = [p for p in params if p in runs.columns] or params
    return SweepFolder(path, runs, points, sens, ts_path, params, point_col, _study(path))


# --------------------------------------------------------------------------- per-point aggregates
def outcome_probabilities(sweep: SweepFolder) -> pd.DataFrame:
    """One row per point: the varied parameters and P(outcome) for each outcome seen.

    Computed from runs.parquet when present (the truth), else read from points.csv columns named
    ``p_<outcome>``, ``prob_<outcome>`` or ``share_<outcome>``.
    """
    runs = sweep.ok_runs()
    params = sweep.params
    if runs is not None and "outcome" in runs.columns and params:
        keys = [sweep.point_col] if sweep.point_col in runs.columns else params
        counts = pd.crosstab([runs[k] for k in keys], runs["outcome"])
        probs = counts.div(counts.sum(axis=1), axis=0)
        probs.columns = [f"p_{c}" for c in probs.columns]
        probs = probs.reset_index()
        probs["n_runs"] = counts.sum(axis=1).to_numpy()
        if keys != params:
            first = runs.groupby(sweep.point_col)[params].first().reset_index()
            probs = first.merge(probs, on=sweep.point_col)
        return probs
    pts = sweep.points
    if pts is None:
        raise OrgsimError(f"{sweep.path}: no outcomes to chart (runs have no 'outcome' column and there is no points.csv)")
    out = pts[[c for c in params if c in pts.columns]].copy()
    for c in pts.columns:
        m = re.match(r"^(?:p|prob|share|outcome|P)[_:(]?([a-z_]+)\)?$", c)
        if m and m.group(1) in OUTCOMES:
            out[f"p_{m.group(1)}"] = pts[c].astype(float)
    if not any(c.startswith("p_") for c in out.columns):
        raise OrgsimError(f"{sweep.path}/points.csv: no outcome probability columns (p_<outcome>)")
    return out


def metric_bands(sweep: SweepFolder, metric: str, by: list[str]) -> pd.DataFrame:
    """Median and 5-95% of a metric per value of the ``by`` parameters (columns median, lo, hi)."""
    runs = sweep.ok_runs()
    if runs is not None and metric in runs.columns:
        vals = pd.to_numeric(runs[metric], errors="coerce")
        g = vals.groupby([runs[b] for b in by])
        out = pd.DataFrame({"median": g.median(), "lo": g.quantile(0.05), "hi": g.quantile(0.95)})
        return out.reset_index()
    pts = sweep.points
    if pts is not None:
        cols = {}
        for k, sufs in QUANTILE_SUFFIXES.items():
            cols[k] = next((metric + s for s in sufs if metric + s in pts.columns), None)
        if cols["median"] is None and metric in pts.columns:
            cols["median"] = metric
        if cols["median"] is not None:
            df = pts[by].copy()
            for k, c in cols.items():
                df[k] = pts[c].astype(float) if c else np.nan
            # several points may share the same value of `by` when other parameters vary
            return df.groupby(by, sort=True).median().reset_index()
    raise OrgsimError(f"{sweep.path}: metric {metric!r} is in neither runs.parquet nor points.csv")


def available_metrics(sweep: SweepFolder) -> list[str]:
    runs = sweep.ok_runs()
    if runs is not None:
        return [m for m in SUMMARY_METRICS if m in runs.columns and pd.api.types.is_numeric_dtype(runs[m])]
    pts = sweep.points
    if pts is None:
        return []
    return [m for m in SUMMARY_METRICS if m in pts.columns or any(m + s in pts.columns for s in QUANTILE_SUFFIXES["median"])]


def sort_values(values) -> list:
    """Parameter values in a sensible axis order: numbers ascending, other values as first seen."""
    vals = list(dict.fromkeys(v for v in values if not (isinstance(v, float) and math.isnan(v))))
    try:
        return sorted(vals, key=float)
    except (TypeError, ValueError):
        return vals
