"""Scenario discovery: the boxes of a sweep's parameter space that lead to an outcome (PRIM).

Friedman and Fisher's Patient Rule Induction Method, as implemented by the EMA Workbench
(``ema_workbench.analysis.prim``, Kwakkel 2017; BSD-3; the ``ema`` extra: ``pip install
'orgsim[ema]'``), run on a finished sweep's ``runs.parquet``: the inputs are the varied
parameters (numbers, or categories for value lists), the output is whether each run ended with
the outcome. PRIM peels the box step by step; along the peeling trajectory *coverage* is the share
of all runs with the outcome that fall in the box, *density* the share of runs in the box that have
it, *mass* the share of all runs in the box. The box reported is the one with the highest coverage
among those with density of at least ``threshold`` (the last one otherwise).

Outputs in ``SWEEP/discover-<outcome>/``: ``trajectory.csv`` (the peeling trajectory), ``box.csv``
(the chosen box: per restricted parameter its range or its values, and PRIM's quasi-p-value),
``discover.json``; the chart and report.html are drawn by the layer above (``decorate``).
"""

from __future__ import annotations

import json
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from orgsim.errors import OrgsimError
from orgsim.experiments.store import atomic_write

OUTCOMES = ("dissolved", "split", "collapse", "decline", "growth", "stable")


@dataclass
class Discovery:
    folder: Path
    outcome: str
    params: list[str]
    runs: int
    hits: int
    trajectory: pd.DataFrame
    box: pd.DataFrame
    chosen: int
    limits: dict


def _inputs(runs: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    x = runs[params].copy()
    for c in params:
        if x[c].dtype == bool or x[c].dtype == object or isinstance(x[c].dtype, pd.StringDtype):
            x[c] = pd.Categorical(x[c].astype(str))
        else:
            x[c] = x[c].astype(float)
    return x


def discover(folder: str | Path, outcome: str = "dissolved", threshold: float = 0.8, peel_alpha: float = 0.05,
             out: str | Path | None = None, decorate: Callable[[Discovery, Path], Path] | None = None) -> Discovery:
    """PRIM on a sweep folder; writes trajectory.csv, box.csv and discover.json (and ``decorate``'s files)."""
    folder = Path(folder)
    if not (folder / "runs.parquet").exists():
        raise OrgsimError(f"{folder}: holds no runs.parquet (a finished sweep folder is needed)")
    if outcome not in OUTCOMES:
        raise OrgsimError(f"--outcome {outcome}: allowed: {', '.join(OUTCOMES)}")
    if not 0 < threshold <= 1:
        raise OrgsimError(f"--threshold {threshold}: give a density between 0 and 1")
    try:
        study = tomllib.loads((folder / "sweep.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        raise OrgsimError(f"{folder}: holds no readable sweep.toml") from None
    params = list(study.get("parameters", {}))
    runs = pd.read_parquet(folder / "runs.parquet")
    runs = runs[runs["error"].isna()]
    params = [p for p in params if p in runs.columns and runs[p].nunique() > 1]
    if not params:
        raise OrgsimError(f"{folder}: no varied parameter takes more than one value; PRIM needs some")
    y = (runs["outcome"] == outcome).to_numpy()
    if not y.any():
        raise OrgsimError(f"{folder}: no run ended {outcome!r} (outcomes: "
                          + ", ".join(f"{k} {v}" for k, v in runs["outcome"].value_counts().items()) + ")")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise OrgsimError("orgsim discover needs the EMA Workbench: pip install 'orgsim[ema]' "
                          "(or bash setup.sh --dev)") from None
    x = _inputs(runs, params).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha)
        box = p.find_box()
    traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
    traj.insert(0, "step", np.arange(len(traj)))
    ok = traj.index[traj["density"] >= threshold]
    chosen = int(traj.loc[ok, "coverage"].idxmax()) if len(ok) else int(traj.index[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box.select(chosen)
        lims = box.box_lims[chosen]
        try:
            qp = box.qp[chosen]
        except (AttributeError, IndexError, KeyError):
            qp = {}
    full = box.box_lims[0]
    rows, limits = [], {}
    for c in params:
        lo, hi = lims[c].iloc[0], lims[c].iloc[1]
        flo, fhi = full[c].iloc[0], full[c].iloc[1]
        if isinstance(lo, set):
            if lo == flo:
                continue
            values = sorted(lo)
            rows.append({"parameter": c, "kind": "values", "box": ", ".join(values),
                         "of": ", ".join(sorted(flo)), "low": np.nan, "high": np.nan, "qp": _qp(qp, c)})
            limits[c] = {"values": values}
        else:
            if lo == flo and hi == fhi:
                continue
            rows.append({"parameter": c, "kind": "range", "box": f"{lo:.3g} to {hi:.3g}",
                         "of": f"{flo:.3g} to {fhi:.3g}", "low": float(lo), "high": float(hi), "qp": _qp(qp, c)})
            limits[c] = {"low": float(lo), "high": float(hi), "full": [float(flo), float(fhi)]}
    table = pd.DataFrame(rows, columns=["parameter", "kind", "box", "of", "low", "high", "qp"])
    dest = Path(out) if out is not None else folder / f"discover-{outcome}"
    dest.mkdir(parents=True, exist_ok=True)
    atomic_write(dest / "trajectory.csv", traj.to_csv(index=False, lineterminator="\n", float_format="%.4f"))
    atomic_write(dest / "box.csv", table.to_csv(index=False, lineterminator="\n", float_format="%.4f"))
    r = traj.loc[chosen]
    info = {"sweep": str(folder), "outcome": outcome, "runs": int(len(y)), "with_outcome": int(y.sum()),
            "threshold": threshold, "peel_alpha": peel_alpha, "chosen_step": chosen,
            "coverage": float(r["coverage"]), "density": float(r["density"]), "mass": float(r["mass"]),
            "box": limits, "method": "PRIM (ema_workbench.analysis.prim)"}
    atomic_write(dest / "discover.json", json.dumps(info, indent=2) + "\n")
    result = Discovery(dest, outcome, params, int(len(y)), int(y.sum()), traj, table, chosen, limits)
    if decorate is not None:
        decorate(result, dest)
    return result


def _qp(qp, c) -> float:
    try:
        v = qp[c]
        return float(max(v)) if isinstance(v, (list, tuple)) else float(v)
    except (KeyError, TypeError, ValueError):
        return float("nan")
