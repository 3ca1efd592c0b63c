"""Aggregation of sweep outputs: per-point outcome probabilities and metric intervals.

Probabilities and quantiles are over the runs of a point that finished without error;
``failed`` counts the others.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from orgsim.errors import OrgsimError
from orgsim.model.observe import COLLAPSE

OUTCOMES = ("growth", "stable", "decline", "collapse", "split", "dissolved")
# Numeric per-run summary metrics (orgsim.model.observe.summary; tests/test_analysis.py checks the list).
SUMMARY_METRICS = (
    "weeks_run", "initial_members", "final_members", "peak_members", "min_members", "dissolved_week",
    "recruits", "resignations", "expulsions", "split_departures", "splits", "leadership_changes", "seat_turnover",
    "regime_changes", "factions_formed", "conventions", "final_voiced_dissent", "final_hidden_dissent",
    "final_mean_trust", "final_old_leadership_share", "annual_growth",
)
MAIN_METRICS = ("final_members", "expulsions", "leadership_changes", "final_voiced_dissent",
                "final_hidden_dissent", "resignations", "splits", "final_mean_trust")
QUANTILES = {"q05": 0.05, "median": 0.5, "q95": 0.95}
OUTPUT_HELP = ("a numeric summary metric (" + ", ".join(SUMMARY_METRICS) + ") averaged over replicates, "
               "or an outcome probability p_<outcome> with outcome in " + ", ".join(OUTCOMES))


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(np.nan, index=df.index)


def point_table(runs: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """One row per point: parameters, run counts, outcome probabilities, median and 5-95 % of main metrics."""
    ok = runs["error"].isna()
    good = runs[ok]
    out = runs.groupby("point", sort=True)[params].first() if params else pd.DataFrame(index=sorted(runs["point"].unique()))
    out["runs"] = runs.groupby("point", sort=True).size()
    out["failed"] = (~ok).groupby(runs["point"]).sum()
    outcome = _column(good, "outcome")
    n_ok = good.groupby("point").size().reindex(out.index, fill_value=0)
    for name in OUTCOMES:
        out[f"p_{name}"] = (outcome == name).groupby(good["point"]).sum().reindex(out.index) / n_ok
    split_any = _column(good, "splits").fillna(0) > 0
    out["p_any_split"] = split_any.groupby(good["point"]).sum().reindex(out.index) / n_ok
    below = (outcome == "dissolved") | (_column(good, "final_members") < COLLAPSE * _column(good, "initial_members"))
    out["p_ended_below_half"] = below.groupby(good["point"]).sum().reindex(out.index) / n_ok
    for metric in MAIN_METRICS:
        values = _column(good, metric).astype(float)
        for label, q in QUANTILES.items():
            out[f"{metric}_{label}"] = values.groupby(good["point"]).quantile(q).reindex(out.index)
    out.index.name = "point"
    return out.reset_index()


def read_runs(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    if columns is not None:
        present = set(pq.read_schema(path).names)
        columns = [c for c in columns if c in present]
    return pq.read_table(path, columns=columns).to_pandas()


def write_points(runs_path: Path, params: list[str], dest: Path) -> Path:
    wanted = ["point", "replicate", "error", "outcome", "initial_members", *params, *MAIN_METRICS]
    table = point_table(read_runs(runs_path, list(dict.fromkeys(wanted))), params)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    table.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
    os.replace(tmp, dest)
    return dest


def check_output(name: str) -> str:
    if name in SUMMARY_METRICS or (name.startswith("p_") and name[2:] in OUTCOMES):
        return name
    raise ValueError(f"unknown output {name!r}; give {OUTPUT_HELP}")


def point_means(runs: pd.DataFrame, output: str, n_points: int) -> np.ndarray:
    """The output per point, averaged over its successful replicates (in point order)."""
    good = runs[runs["error"].isna()]
    if output.startswith("p_"):
        values = (_column(good, "outcome") == output[2:]).astype(float)
    else:
        values = _column(good, output).astype(float)
    means = values.groupby(good["point"]).mean().reindex(range(n_points))
    missing = int(means.isna().sum())
    if missing:
        raise OrgsimError(f"{missing} of {n_points} sample points have no value of {output} (every replicate "
                          "failed, or the metric is undefined there); see the error column of runs.parquet")
    return means.to_numpy()
