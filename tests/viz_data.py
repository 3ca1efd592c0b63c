"""Real outputs for the chart, report and dashboard tests: tiny runs and a tiny sweep.

Everything here is produced by the model itself (orgsim.runs.run.simulate), never mocked. The sweep
folder is made by the sweep engine when this checkout has it (orgsim.experiments.sweep); otherwise it is
written here in the engine's documented format (runs.parquet, points.csv, timeseries.parquet,
sweep.toml), from runs seeded the same way: SeedSequence(root, spawn_key=(point, replicate)).
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from orgsim.outputs.report import run_decorator
from orgsim.runs.run import simulate, write_outputs
from orgsim.model.scenario import apply_overrides, validate

TINY = {
    "name": "tiny", "description": "A small organisation with a critique, a scandal and a convention.",
    "seed": 11, "weeks": 78, "start_date": "2019-01-07",
    "organisation": {"members": 200, "branches": 8},
    "regime": {"dissent_penalty": "expulsion", "faction_rights": "permanent"},
    "environment": {"competitor_pull": 0.1},
    "events": [
        {"kind": "critique", "week": 10, "label": "union line", "strength": 0.8},
        {"kind": "scandal", "week": 30, "severity": 0.9, "cover_up": True, "reach": 0.5},
        {"kind": "convention", "week": 40, "agenda": [{"changes": {"voting": "individual"}, "label": "individual votes"}]},
    ],
}
SWEEP_PARAMS = {"environment.climate": [0.2, 3.0], "regime.dissent_penalty": ["none", "expulsion"]}
# two years: in model v2 (a stationary default) a climate of 3 needs more than one to show as growth
SWEEP_BASE = {"name": "tiny", "weeks": 104, "start_date": "2019-01-07", "organisation": {"members": 150, "branches": 6}}
SWEEP_SEED, SWEEP_REPLICATES = 5, 3
KEEP_COLUMNS = ["members", "voiced_dissent", "hidden_dissent", "mean_trust"]


def write_scenario(path: Path, data: dict) -> Path:
    path.write_text(tomli_w.dumps(data))
    return path


def run_folder(out: Path, **sets) -> Path:
    """Run the tiny scenario (with dotted-key overrides, '__' for '.') and write a run folder
    (without its standard charts: the chart tests draw their own)."""
    data = apply_overrides(TINY, {k.replace("__", "."): v for k, v in sets.items()})
    return write_outputs(simulate(validate(data, "tiny")), out, decorate=run_decorator(charts=False))


_SHARED: dict[str, Path] = {}


def shared_sweep(tmp_path_factory) -> Path:
    """One tiny sweep per test session (several test modules read it; none writes into its data)."""
    if "sweep" not in _SHARED:
        _SHARED["sweep"] = sweep_folder(tmp_path_factory.getbasetemp() / "shared-sweep" / "tinysweep")
    return _SHARED["sweep"]


def sweep_folder(out: Path) -> Path:
    if importlib.util.find_spec("orgsim.experiments.sweep") is not None:
        return _engine_sweep(out)
    return _own_sweep(out)


def _sweep_file(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    base = write_scenario(out.parent / "sweep_base.toml", SWEEP_BASE)
    data = {"name": "tinysweep", "description": "climate x dissent penalty", "base": base.name,
            "replicates": SWEEP_REPLICATES, "seed": SWEEP_SEED, "parameters": SWEEP_PARAMS,
            "keep": {"timeseries": KEEP_COLUMNS, "every": 2}}
    return write_scenario(out.parent / "tinysweep.toml", data)


def _engine_sweep(out: Path) -> Path:
    from orgsim.experiments.sweep import load_plan, run_sweep
    from orgsim.outputs.report import write_sweep_report

    run_sweep(load_plan(_sweep_file(out)), out, workers=1, show_progress=False, log=lambda *a, **k: None,
              decorate=write_sweep_report)
    return out


def _own_sweep(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    keys = list(SWEEP_PARAMS)
    rows, series = [], []
    for point, values in enumerate(itertools.product(*SWEEP_PARAMS.values())):
        overrides = dict(zip(keys, values))
        scenario = validate(apply_overrides(SWEEP_BASE, overrides), "sweep")
        for rep in range(SWEEP_REPLICATES):
            res = simulate(scenario, np.random.SeedSequence(SWEEP_SEED, spawn_key=(point, rep)))
            row = {"point": point, "replicate": rep, **overrides, "seed_root": SWEEP_SEED,
                   "seed_spawn_key": [point, rep]}
            row.update({k: v for k, v in res.summary.items()
                        if k not in ("scenario", "seed", "orgsim_version", "dissolution_votes", "reform_votes")})
            row["error"] = None
            rows.append(row)
            ts = res.timeseries[["week", *KEEP_COLUMNS]].iloc[::2].copy()
            ts.insert(0, "replicate", rep)
            ts.insert(0, "point", point)
            series.append(ts)
    runs = pd.DataFrame(rows)
    runs.to_parquet(out / "runs.parquet")
    pd.concat(series, ignore_index=True).to_parquet(out / "timeseries.parquet")
    good = runs[runs["error"].isna()]
    pts = runs.groupby("point")[keys].first()
    pts["runs"] = runs.groupby("point").size()
    pts["failed"] = 0
    for o in ("growth", "stable", "decline", "collapse", "split", "dissolved"):
        pts[f"p_{o}"] = (good["outcome"] == o).groupby(good["point"]).mean()
    for m in ("final_members", "expulsions", "final_mean_trust"):
        for label, q in (("q05", 0.05), ("median", 0.5), ("q95", 0.95)):
            pts[f"{m}_{label}"] = good.groupby("point")[m].quantile(q)
    pts.reset_index().to_csv(out / "points.csv", index=False)
    (out / "sweep.toml").write_text(tomli_w.dumps({"name": "tinysweep", "replicates": SWEEP_REPLICATES,
                                                   "seed": SWEEP_SEED, "base": SWEEP_BASE,
                                                   "parameters": SWEEP_PARAMS}))
    return out


def sensitivity_table() -> pd.DataFrame:
    """A real Morris analysis (SALib) of a few tiny runs, in the sweep engine's long format."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    problem = {"num_vars": 2, "names": ["environment.climate", "environment.competitor_pull"],
               "bounds": [[0.3, 2.5], [0.05, 0.6]]}
    X = sample.sample(problem, N=3, num_levels=4, seed=3)
    Y = np.array([simulate(validate(apply_overrides(SWEEP_BASE, {"environment.climate": float(x[0]),
                                                                  "environment.competitor_pull": float(x[1])}),
                                    "sens"), 9).summary["final_members"] for x in X], dtype=float)
    res = analyze.analyze(problem, X, Y, num_levels=4, num_resamples=200, seed=3)
    rows = []
    for i, name in enumerate(problem["names"]):
        rows.append(("morris", "final_members", name, "mu_star", res["mu_star"][i], res["mu_star_conf"][i]))
        rows.append(("morris", "final_members", name, "sigma", res["sigma"][i], np.nan))
    return pd.DataFrame(rows, columns=["method", "output", "parameter", "statistic", "value", "conf"])
