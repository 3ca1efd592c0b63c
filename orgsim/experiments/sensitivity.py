"""Global sensitivity analysis with SALib, run through the sweep engine.

A sensitivity spec (TOML) is a study like a sweep file, with bounds for each parameter, one or
more outputs and the method's settings. SALib draws the sample points (Morris trajectories or a
Sobol/Saltelli sample) from the root seed; each point is run ``replicates`` times by the sweep
engine (parallel, resumable, on Dask if asked); the output per point is the replicate mean of a
summary metric, or an outcome probability; SALib then computes the indices.

Costs: Morris ``trajectories x (D + 1)`` points; Sobol ``samples x (D + 2)`` points
(``samples x (2D + 2)`` with second order), each times ``replicates`` runs. Screen with Morris first.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from orgsim.experiments.analysis import check_output, point_means, read_runs
from orgsim.experiments.plan import SweepPlan
from orgsim.experiments.sweepfile import ParamBounds, StudyFile, Strict, check_size, load_study, resolved_toml
from orgsim.experiments.store import atomic_write

CONFIDENCE = 0.95
SAMPLE_KEY = (1,)  # SeedSequence spawn key of SALib's sampling (runs use two-element keys)


class MorrisOptions(Strict):
    trajectories: int = Field(10, ge=2, le=10_000, description="Number of Morris trajectories r.")
    levels: int = Field(4, ge=2, le=100, description="Grid levels p (even values recommended).")


class SobolOptions(Strict):
    samples: int = Field(64, ge=2, le=2**20, description="Base sample size N, a power of two.")
    second_order: bool = Field(False, description="Also estimate second-order indices (costs N x (2D + 2) points).")

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, v: int) -> int:
        if v & (v - 1):
            raise ValueError(f"must be a power of two (e.g. {1 << (v.bit_length() - 1)} or {1 << v.bit_length()})")
        return v


class SensitivitySpec(StudyFile):
    parameters: dict[str, ParamBounds] = Field(description="Parameters with bounds {low, high}.")
    output: str | list[str] = Field(description="Output metric(s): a summary metric or p_<outcome>.")
    method: Literal["morris", "sobol"] = "morris"
    morris: MorrisOptions = Field(default_factory=MorrisOptions)
    sobol: SobolOptions = Field(default_factory=SobolOptions)
    resamples: int = Field(1000, ge=10, le=100_000, description="Bootstrap resamples for confidence intervals.")

    @field_validator("parameters", mode="before")
    @classmethod
    def _bounds_only(cls, params: Any) -> Any:
        if isinstance(params, dict):
            for key, spec in params.items():
                if not (isinstance(spec, dict) and ("low" in spec or "high" in spec)):
                    raise ValueError(f"{key}: give bounds {{low, high}} (a sensitivity analysis samples "
                                     "continuous ranges; use a sweep for lists of values)")
        return params

    @field_validator("output")
    @classmethod
    def _outputs(cls, v: str | list[str]) -> list[str]:
        names = [v] if isinstance(v, str) else v
        if not names:
            raise ValueError("give at least one output")
        return [check_output(n) for n in names]

    @model_validator(mode="after")
    def _keys(self) -> "SensitivitySpec":
        self._check_keys(self.parameters, self.set)
        if len(self.parameters) < 2:
            raise ValueError("parameters: give at least two parameters to compare")
        return self

    @property
    def outputs(self) -> list[str]:
        return [self.output] if isinstance(self.output, str) else list(self.output)


def load_spec(path: str | Path, method: str | None = None) -> tuple[SensitivitySpec, dict]:
    return load_study(SensitivitySpec, path, method=method)


def problem(spec: SensitivitySpec) -> dict:
    """SALib's problem; log-scaled parameters are sampled (and reported) on the log scale."""
    bounds = [[math.log(b.low), math.log(b.high)] if b.log else [b.low, b.high] for b in spec.parameters.values()]
    return {"num_vars": len(bounds), "names": list(spec.parameters), "bounds": bounds}


def salib_seed(root: int) -> int:
    return int(np.random.SeedSequence(root, spawn_key=SAMPLE_KEY).generate_state(1)[0])


def sample(spec: SensitivitySpec) -> np.ndarray:
    prob, seed = problem(spec), salib_seed(spec.seed)
    if spec.method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, N=spec.morris.trajectories, num_levels=spec.morris.levels, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(prob, spec.sobol.samples, calc_second_order=spec.sobol.second_order, seed=seed)


def to_points(spec: SensitivitySpec, X: np.ndarray) -> list[dict]:
    """Sample rows -> scenario overrides (exp of log-scaled parameters; whole numbers where asked)."""
    points = []
    for row in X:
        point = {}
        for (key, b), x in zip(spec.parameters.items(), row):
            v = math.exp(x) if b.log else float(x)
            point[key] = int(round(v)) if b.integer else float(f"{v:.12g}")
        points.append(point)
    return points


def n_points(spec: SensitivitySpec) -> int:
    """Points the method samples (Morris r x (D + 1); Sobol N x (D + 2), or N x (2D + 2))."""
    d = len(spec.parameters)
    if spec.method == "morris":
        return spec.morris.trajectories * (d + 1)
    return spec.sobol.samples * (2 * d + 2 if spec.sobol.second_order else d + 2)


def build_plan(spec: SensitivitySpec, base: dict, source: str, allow_large: bool = False) -> tuple[SweepPlan, np.ndarray]:
    check_size(source, n_points(spec), spec.replicates, allow_large)  # before SALib samples anything
    X = sample(spec)
    plan = SweepPlan(
        name=spec.name, source=source, kind="sensitivity", resolved=resolved_toml(spec, base), base=base,
        params=list(spec.parameters), points=to_points(spec, X), replicates=spec.replicates, seed=spec.seed,
        keep=spec.keep, batch=spec.batch,
    )
    return plan, X


def analyse(spec: SensitivitySpec, X: np.ndarray, runs: pd.DataFrame) -> pd.DataFrame:
    """Tidy table: method, output, parameter, statistic, value, conf (half-width of the 95 % interval)."""
    prob, seed = problem(spec), salib_seed(spec.seed)
    rows = []
    for output in spec.outputs:
        Y = point_means(runs, output, len(X))
        if spec.method == "sobol" and np.ptp(Y) == 0:
            # Variance shares of a constant output are undefined (SALib would divide by zero).
            stats = ("S1", "ST")
            rows += [(spec.method, output, name, stat, math.nan, math.nan) for name in prob["names"] for stat in stats]
            continue
        if spec.method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(prob, X, Y, num_resamples=spec.resamples, conf_level=CONFIDENCE,
                                 num_levels=spec.morris.levels, seed=seed)
            stats = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
        else:
            from SALib.analyze import sobol

            res = sobol.analyze(prob, Y, calc_second_order=spec.sobol.second_order, num_resamples=spec.resamples,
                                conf_level=CONFIDENCE, seed=seed)
            stats = (("S1", "S1_conf"), ("ST", "ST_conf"))
        for i, name in enumerate(prob["names"]):
            for stat, conf in stats:
                rows.append((spec.method, output, name, stat, float(res[stat][i]),
                             float(res[conf][i]) if conf else math.nan))
        if spec.method == "sobol" and spec.sobol.second_order:
            names = prob["names"]
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    rows.append((spec.method, output, f"{names[i]} x {names[j]}", "S2",
                                 float(res["S2"][i, j]), float(res["S2_conf"][i, j])))
    return pd.DataFrame(rows, columns=["method", "output", "parameter", "statistic", "value", "conf"])


def run_sensitivity(path: str | Path, method: str | None = None, out: str | Path | None = None, *,
                    workers: int | None = None, scheduler: str | None = None, force: bool = False,
                    show_progress: bool = True, runner: Callable | None = None, log=print,
                    allow_large: bool = False,
                    decorate: Callable[[Path, pd.DataFrame, str], tuple[Path, Path]] | None = None) -> dict:
    """Sample, run (resumably), analyse; write sensitivity.csv beside the sweep outputs. Then
    ``decorate(out, table, title)``, if given, draws the charts and the report and returns their
    main files (``orgsim sensitivity`` passes :func:`orgsim.outputs.report.write_sensitivity_report`:
    sensitivity.png, then the sweep's charts and report.html); they are ``png`` and the last of
    ``report.files``."""
    from orgsim.experiments.sweep import run_sweep

    spec, base = load_spec(path, method)
    plan, X = build_plan(spec, base, str(path), allow_large)
    out = Path(out) if out is not None else Path("results") / f"{spec.name}-{spec.method}"
    report = run_sweep(plan, out, workers=workers, scheduler=scheduler, force=force,
                       show_progress=show_progress, runner=runner, log=log)  # charts: once below, with the table
    runs = read_runs(out / "runs.parquet", ["point", "error", "outcome", *[o for o in spec.outputs if not o.startswith("p_")]])
    table = analyse(spec, X, runs)
    csv = out / "sensitivity.csv"
    atomic_write(csv, table.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    png = None
    if decorate is not None:
        t1 = time.perf_counter()
        png, page = decorate(out, table, f"{spec.name}: {spec.method}")
        report.files.append(page)
        report.chart_seconds = time.perf_counter() - t1
    return {"report": report, "table": table, "csv": csv, "png": png}
