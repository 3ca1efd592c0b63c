"""Calibration: history matching with Gaussian-process emulators, then ABC rejection (docs/calibration.md).

A calibration file (TOML, see docs/calibration.md) names mechanism parameters with priors (bounds,
``log``, ``integer``: uniform, or log-uniform, within the bounds), the case scenarios fitted
jointly (each carries its ``[[observations]]`` and ``[[patterns]]``), replicates per evaluation,
the weights of the distance, the method's budget and a root seed.

The method, in stages that each run through the sweep engine (:func:`run_sweep`: local pool or
Dask, resumable parts, progress), one sweep per stage and case:

1. **History matching** (Vernon et al. 2010; McCulloch et al. 2022), ``waves`` waves of ``points``
   parameter points. Wave 0 is a Latin hypercube over the prior. After each wave a scikit-learn
   Gaussian process is fitted per case item (the replicate mean of an observation's simulated
   value; a pattern's pass rate) on every point run so far, and a candidate sample of the prior is
   cut to the points that no wave's emulators rule out: the implausibility
   ``I = |z - E[f(x)]| / sqrt(Var_emulator + Var_observation + Var_runs)`` (an observation: its
   tolerance squared and the replicate variance; a pattern: the target z = 1 with Bernoulli
   variance, floored at 0.01) is at most ``cutoff`` for every item. The next wave samples the
   not-ruled-out-yet (NROY) space.
2. **ABC rejection** within the final NROY space: ``abc_points`` points drawn uniformly from it
   (the prior restricted to NROY), each run ``replicates`` times; distance
   ``D = sqrt(sum w_j d_j^2 / sum w_j)`` over every case item not held out, ``d_j`` the replicate
   mean of the item's distance (:func:`orgsim.model.observations.score`, capped at ``cap``);
   the ``accept`` fraction closest is kept with Epanechnikov weights ``1 - (D / eps)^2``.
3. **Posterior predictive check**: ``ppc_draws`` weighted draws from the posterior, each run
   ``ppc_replicates`` times with fresh seeds, and the shared defaults run as many times: the pass
   rate of every observation and pattern per case (held-out items included).

Seeding: evaluation (stage s, case c, point i, replicate r) is seeded with
``SeedSequence(seed, spawn_key=(s, c, i, r))``; the stage's own draws (design, candidates, posterior
draws) with ``SeedSequence(seed, spawn_key=(SAMPLING, s))``; the Gaussian processes with fixed
``random_state``. Every stage depends only on the stored results of the stages before it, so a run
killed at any moment and started again recomputes the same points and ends with the same posterior.
"""

from __future__ import annotations

import json
import math
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd
import tomli_w
from pydantic import Field, ValidationError, field_validator, model_validator

from orgsim.errors import OrgsimError, ScenarioError
from orgsim.experiments.plan import SweepPlan
from orgsim.experiments.store import atomic_write
from orgsim.experiments.sweep import run_sweep
from orgsim.experiments.sweepfile import Keep, ParamBounds, Strict, flatten, format_error
from orgsim.model.scenario import NAME_RE, apply_overrides, read_scenario_data, read_toml, validate
from orgsim.runs.provenance import versions

DOCS = "docs/calibration.md"
SAMPLING = 1_000_000           # spawn key of a stage's own draws: (SAMPLING, stage)
GP_RANDOM_STATE = 0
RESULTS_ROOT = Path("results") / "calibration"
OWNED = ("calibration.toml", "versions.json", "stages", "posterior.parquet", "parameters.toml", "waves.csv",
         "ppc.csv", "summary.json", "charts", "report.html")


# --------------------------------------------------------------------------- the calibration file
class Budget(Strict):
    waves: int = Field(3, ge=0, le=20, description="History-matching waves.")
    points: int = Field(60, ge=4, le=100_000, description="Parameter points per wave.")
    cutoff: float = Field(3.0, gt=0, le=100, description="Implausibility cut-off (Pukelsheim's three-sigma rule).")
    candidates: int = Field(20_000, ge=100, le=10_000_000, description="Prior candidates screened by the emulators per stage.")
    abc_points: int = Field(200, ge=2, le=1_000_000, description="Points of the ABC stage, drawn from the final NROY space.")
    accept: float = Field(0.2, gt=0, le=1, description="Share of the ABC points kept (the closest).")
    ppc_draws: int = Field(40, ge=1, le=100_000, description="Posterior draws of the predictive check.")
    ppc_replicates: int = Field(2, ge=1, le=10_000, description="Replicates per posterior draw in the check.")
    replicates: int | None = Field(None, ge=1, le=10_000, description="Replicates per evaluation (default: the file's).")


class QuickBudget(Budget):
    """``--quick``: checks the machinery, not the numbers."""

    waves: int = Field(1, ge=0, le=20)
    points: int = Field(6, ge=4, le=100_000)
    candidates: int = Field(2000, ge=100, le=10_000_000)
    abc_points: int = Field(8, ge=2, le=1_000_000)
    accept: float = Field(0.5, gt=0, le=1)
    ppc_draws: int = Field(2, ge=1, le=100_000)
    ppc_replicates: int = Field(1, ge=1, le=10_000)
    replicates: int | None = Field(1, ge=1, le=10_000)


class Distance(Strict):
    observations: float = Field(1.0, ge=0, description="Weight of each observation in the ABC distance.")
    patterns: float = Field(1.0, ge=0, description="Weight of each pattern in the ABC distance.")
    cap: float = Field(10.0, gt=0, description="Per-run item distances are capped here (a missing vote is infinitely far).")


class CalibrationFile(Strict):
    name: str = Field(description="Name; names the output folder results/calibration/<name>/.")
    description: str = Field("", max_length=5000)
    cases: list[str] = Field(min_length=1, description="Case scenarios (paths relative to this file), fitted jointly.")
    parameters: dict[str, ParamBounds] = Field(description="Priors: [parameters.<table>] key = {low, high, log, integer}.")
    replicates: int = Field(4, ge=1, le=10_000, description="Seeded replicates per evaluation (per point and case).")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed.")
    hold_out: list[str] = Field(default_factory=list, description="Items left out of the fit and only checked, "
                                                                  "as '<case name>:observations[i]' or ':patterns[i]'.")
    method: Literal["history_matching_abc"] = Field("history_matching_abc", description="The method (the only one).")
    distance: Distance = Field(default_factory=Distance)
    budget: Budget = Field(default_factory=Budget)
    quick: QuickBudget = Field(default_factory=QuickBudget)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
            data = dict(data)
            data["parameters"] = {f"parameters.{k}": v for k, v in flatten(data["parameters"], spec_leaves=True).items()}
        return data

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v) or ".." in v:
            raise ValueError("must be 1-80 letters, digits, '_', '-' or '.', start with a letter or digit and contain no '..'")
        return v

    @field_validator("parameters")
    @classmethod
    def _some(cls, v: dict) -> dict:
        if not v:
            raise ValueError("give at least one parameter to fit, e.g. [parameters.voice] threshold = {low = 0.1, high = 0.3}")
        for key in v:
            if key.count(".") != 2:
                raise ValueError(f"{key}: give [parameters.<table>] <key> = {{low, high}}, e.g. voice.threshold")
        return v


@dataclass
class Case:
    index: int
    name: str
    path: Path
    data: dict
    scenario: Any
    items: list[tuple[str, str]]     # (item, kind): observations[i] / patterns[i]


@dataclass
class Calibration:
    spec: CalibrationFile
    path: Path
    cases: list[Case]
    budget: Budget
    replicates: int
    quick: bool
    fitted: set[tuple[int, str]] = field(default_factory=set)   # (case, item) used in the fit

    @property
    def keys(self) -> list[str]:
        return list(self.spec.parameters)

    def resolved(self) -> str:
        data = self.spec.model_dump(mode="python", exclude_none=True)
        data["mode"] = "quick" if self.quick else "full"
        data["case_data"] = {c.name: c.data for c in self.cases}
        return tomli_w.dumps(data)


def load_calibration(path: str | Path, quick: bool = False) -> Calibration:
    """Read and check a calibration file and its cases; every problem is one line naming file and key."""
    path = Path(path)
    raw = read_toml(path)
    try:
        spec = CalibrationFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_error(str(path), exc).replace("docs/sweeps.md", DOCS)) from None
    cases = []
    for i, rel in enumerate(spec.cases):
        case_path = path.parent / rel
        if not case_path.exists():
            raise ScenarioError(f"{path}: cases[{i}] = {rel!r}: no such file (paths are relative to the calibration file)")
        data = read_scenario_data(case_path)
        scenario = validate(data, str(case_path))
        items = [(f"observations[{j}]", "observation") for j in range(len(scenario.observations))]
        items += [(f"patterns[{j}]", p.kind) for j, p in enumerate(scenario.patterns)]
        if not items:
            raise ScenarioError(f"{path}: cases[{i}] = {rel!r}: the scenario has no [[observations]] or [[patterns]] "
                                "to fit (see docs/scenario-reference.md)")
        if any(c.name == scenario.name for c in cases):
            raise ScenarioError(f"{path}: cases[{i}] = {rel!r}: a second case named {scenario.name!r}")
        for key, prior in spec.parameters.items():
            for bound in (prior.low, prior.high):
                value = int(bound) if prior.integer else bound
                try:
                    validate(apply_overrides(data, {key: value}), f"{path}: a bound of a prior, on case {scenario.name}")
                except ScenarioError as exc:
                    raise ScenarioError(str(exc).splitlines()[0]) from None
        cases.append(Case(i, scenario.name, case_path, data, scenario, items))
    known = {f"{c.name}:{item}" for c in cases for item, _ in c.items}
    for j, item in enumerate(spec.hold_out):
        if item not in known:
            raise ScenarioError(f"{path}: hold_out[{j}] = {item!r}: not an item of the cases; allowed e.g. "
                                + ", ".join(sorted(known)[:4]))
    budget = spec.quick if quick else spec.budget
    replicates = budget.replicates or spec.replicates
    cal = Calibration(spec, path, cases, budget, replicates, quick)
    cal.fitted = {(c.index, item) for c in cases for item, _ in c.items if f"{c.name}:{item}" not in spec.hold_out}
    if not cal.fitted:
        raise ScenarioError(f"{path}: hold_out: every item is held out; nothing is left to fit")
    return cal


# --------------------------------------------------------------------------- the worker side
@dataclass
class Scored:
    summary: dict
    timeseries: Any = None


def score_runner(scenario, seed) -> Scored:
    """Run one scenario and score it against its observations and patterns (a sweep ``runner``)."""
    from orgsim.model.observations import score
    from orgsim.runs.run import simulate

    res = simulate(scenario, seed)
    summary = {k: v for k, v in res.summary.items() if k not in ("dissolution_votes", "reform_votes")}
    for s in score(scenario, res.timeseries, res.events, res.summary):
        summary[f"hit:{s.item}"] = bool(s.hit)
        summary[f"dist:{s.item}"] = float(s.distance)
        summary[f"sim:{s.item}"] = None if s.simulated is None else float(s.simulated)
    return Scored(summary)


# --------------------------------------------------------------------------- priors and sampling
def to_values(cal: Calibration, unit: np.ndarray) -> list[dict[str, Any]]:
    """Points of the unit cube -> parameter values (uniform, log-uniform or integer priors)."""
    out = []
    for u in np.atleast_2d(unit):
        point = {}
        for k, (key, prior) in enumerate(cal.spec.parameters.items()):
            if prior.integer:
                lo, hi = int(prior.low), int(prior.high)
                point[key] = int(min(hi, math.floor(lo + u[k] * (hi - lo + 1))))
            elif prior.log:
                point[key] = float(math.exp(math.log(prior.low) + u[k] * (math.log(prior.high) - math.log(prior.low))))
            else:
                point[key] = float(prior.low + u[k] * (prior.high - prior.low))
        out.append(point)
    return out


def _rng(cal: Calibration, stage: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(cal.spec.seed, spawn_key=(SAMPLING, stage)))


# --------------------------------------------------------------------------- evaluation through the sweep engine
def evaluate(cal: Calibration, out: Path, stage: int, label: str, points: list[dict], replicates: int,
             engine: dict, log) -> dict[int, pd.DataFrame]:
    """Run every point on every case (one resumable sweep per case); the runs table of each case."""
    results = {}
    for case in cal.cases:
        resolved = tomli_w.dumps({"calibration": cal.spec.name, "stage": stage, "label": label, "case": case.name,
                                  "seed": cal.spec.seed, "replicates": replicates,
                                  "points": [{"values": p} for p in points], "base": case.data})
        plan = SweepPlan(name=f"{cal.spec.name} {label} {case.name}", source=str(cal.path), kind="sweep",
                         resolved=resolved, base=case.data, params=cal.keys, points=points, replicates=replicates,
                         seed=cal.spec.seed, keep=Keep(), spawn_prefix=(stage, case.index))
        folder = out / "stages" / f"{stage:02d}-{label}" / case.name
        report = run_sweep(plan, folder, runner=score_runner, log=lambda *a: None, **engine)
        log(f"  {label} on {case.name}: {report.runs} runs ({report.computed} computed, {report.failed} failed) "
            f"in {report.seconds:.1f} s")
        results[case.index] = pd.read_parquet(folder / "runs.parquet")
    return results


def point_stats(cal: Calibration, runs: dict[int, pd.DataFrame], n_points: int, cap: float) -> dict[str, np.ndarray]:
    """Per (case, item): replicate means of the simulated value, its variance, the pass rate and the
    capped distance, one row per point (a failed run counts as a miss at the cap)."""
    stats = {}
    for case in cal.cases:
        df = runs[case.index]
        ok = df["error"].isna().to_numpy()
        for item, kind in case.items:
            hit = np.where(ok, df.get(f"hit:{item}", pd.Series(False, index=df.index)).fillna(False).astype(float), 0.0)
            dist = df.get(f"dist:{item}", pd.Series(np.nan, index=df.index)).to_numpy(float)
            dist = np.where(ok & np.isfinite(dist), np.minimum(dist, cap), cap)
            sim = df.get(f"sim:{item}", pd.Series(np.nan, index=df.index)).to_numpy(float)
            g = pd.DataFrame({"point": df["point"], "hit": hit, "dist": dist, "sim": sim}).groupby("point")
            key = f"{case.index}:{item}"
            stats[f"hit|{key}"] = g["hit"].mean().reindex(range(n_points)).to_numpy()
            stats[f"dist|{key}"] = g["dist"].mean().reindex(range(n_points)).to_numpy()
            stats[f"sim|{key}"] = g["sim"].mean().reindex(range(n_points)).to_numpy()
            stats[f"var|{key}"] = g["sim"].var(ddof=1).reindex(range(n_points)).to_numpy()
    return stats


# --------------------------------------------------------------------------- emulators and implausibility
@dataclass
class Target:
    case: int
    item: str
    kind: str            # "observation" or a pattern kind
    z: float             # observed value (observation) or 1 (pattern)
    var_obs: float       # tolerance^2 (observation) or 0
    var_runs: float      # pooled replicate variance (observation) or 0 (patterns: Bernoulli, at prediction)


class Emulators:
    """One Gaussian process per fitted item, trained on the points run so far."""

    def __init__(self, cal: Calibration, targets: list[Target], unit: np.ndarray, stats: dict[str, np.ndarray]):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        d = unit.shape[1]
        self.models = []
        for t in targets:
            y = stats[("sim|" if t.kind == "observation" else "hit|") + f"{t.case}:{t.item}"]
            keep = np.isfinite(y)
            kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.3), (0.05, 10.0))
                      + WhiteKernel(1e-2, (1e-6, 1e1)))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2,
                                          random_state=GP_RANDOM_STATE)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", UserWarning)
                if keep.sum() >= 2:
                    gp.fit(unit[keep], y[keep])
                else:
                    gp = None
            self.models.append((t, gp))

    def implausibility(self, unit: np.ndarray) -> np.ndarray:
        """(points, targets) implausibilities."""
        cols = []
        for t, gp in self.models:
            if gp is None:
                cols.append(np.zeros(len(unit)))
                continue
            mean, sd = gp.predict(unit, return_std=True)
            if t.kind == "observation":
                cols.append(np.abs(mean - t.z) / np.sqrt(sd**2 + t.var_obs + t.var_runs))
            else:
                p = np.clip(mean, 0.0, 1.0)
                cols.append((1.0 - p) / np.sqrt(sd**2 + np.maximum(p * (1.0 - p), 0.01)))
        return np.column_stack(cols) if cols else np.zeros((len(unit), 0))


def targets(cal: Calibration, stats: dict[str, np.ndarray]) -> list[Target]:
    out = []
    for case in cal.cases:
        for item, kind in case.items:
            if (case.index, item) not in cal.fitted:
                continue
            if kind == "observation":
                o = case.scenario.observations[int(item.split("[")[1][:-1])]
                var = stats[f"var|{case.index}:{item}"]
                pooled = float(np.nanmean(var)) if np.isfinite(var).any() else 0.0
                out.append(Target(case.index, item, kind, o.value, o.tol**2, pooled))
            else:
                out.append(Target(case.index, item, kind, 1.0, 0.0, 0.0))
    return out


def abc_distance(cal: Calibration, stats: dict[str, np.ndarray]) -> np.ndarray:
    w = cal.spec.distance
    num, den = 0.0, 0.0
    for case in cal.cases:
        for item, kind in case.items:
            if (case.index, item) not in cal.fitted:
                continue
            weight = w.observations if kind == "observation" else w.patterns
            num = num + weight * stats[f"dist|{case.index}:{item}"] ** 2
            den += weight
    return np.sqrt(num / den) if den else np.zeros(0)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    c = np.cumsum(w) - 0.5 * w
    return float(np.interp(q * w.sum(), c, x))


# --------------------------------------------------------------------------- the output folder
def _open(out: Path, resolved: str, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OrgsimError(f"{out}: exists and is not a folder")
    marker = out / "calibration.toml"
    if out.exists() and any(out.iterdir()):
        if force:
            for name in OWNED:
                p = out / name
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        elif not marker.exists():
            raise OrgsimError(f"{out}: exists and holds no calibration; choose another --out")
        elif marker.read_text() != resolved:
            from orgsim.experiments.store import first_difference

            raise OrgsimError(f"{out}: holds a different calibration ({first_difference(marker.read_text(), resolved)}); "
                              "pass --force to discard it and start again, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    if not marker.exists():
        atomic_write(out / "versions.json", json.dumps(versions(), indent=2, sort_keys=True) + "\n")
        atomic_write(marker, resolved)


def default_out(cal: Calibration) -> Path:
    return RESULTS_ROOT / (cal.spec.name + ("-quick" if cal.quick else ""))


@dataclass
class CalibrationResult:
    out: Path
    summary: dict
    files: list[Path]


def calibrate(path: str | Path, out: str | Path | None = None, *, quick: bool = False, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, show_progress: bool = True, log=print,
              decorate: Callable[[Path], Path] | None = None) -> CalibrationResult:
    """Run (or resume) a calibration; write posterior.parquet, parameters.toml, waves.csv, ppc.csv,
    summary.json, then ``decorate(out)`` (charts and report.html, injected by the command line)."""
    t_start = time.perf_counter()
    cal = load_calibration(path, quick)
    out = Path(out) if out is not None else default_out(cal)
    _open(out, cal.resolved(), force)
    b, R, D = cal.budget, cal.replicates, len(cal.keys)
    engine = {"workers": workers, "scheduler": scheduler, "show_progress": show_progress}
    log(f"calibration {cal.spec.name}{' (quick)' if quick else ''}: {D} parameters, {len(cal.cases)} cases "
        f"({', '.join(c.name for c in cal.cases)}), {len(cal.fitted)} items fitted; {b.waves} waves x {b.points} points, "
        f"ABC {b.abc_points} points, {R} replicates each; check {b.ppc_draws} x {b.ppc_replicates}")
    from scipy.stats import qmc

    # ---- history matching
    unit_all = np.zeros((0, D))
    stats_all: dict[str, np.ndarray] = {}
    emulators: list[Emulators] = []
    waves = []
    seconds = {}

    def nroy(stage: int, n: int) -> tuple[np.ndarray, float]:
        cand = _rng(cal, stage).random((b.candidates, D))
        if not emulators:
            return cand[:n], 1.0
        keep = np.ones(len(cand), dtype=bool)
        worst = np.zeros(len(cand))
        for em in emulators:
            imp = em.implausibility(cand)
            m = imp.max(axis=1) if imp.shape[1] else np.zeros(len(cand))
            worst = np.maximum(worst, m)
            keep &= m <= b.cutoff
        frac = float(keep.mean())
        if keep.sum() == 0:
            log(f"  no candidate is below the cut-off {b.cutoff}: the {n} least implausible are used")
            return cand[np.argsort(worst, kind="stable")[:n]], frac
        return cand[keep][:n], frac

    for w in range(b.waves):
        t0 = time.perf_counter()
        if w == 0:
            unit = qmc.LatinHypercube(d=D, seed=_rng(cal, 0)).random(b.points)
            frac = 1.0
        else:
            unit, frac = nroy(w, b.points)
        runs = evaluate(cal, out, w, f"wave{w}", to_values(cal, unit), R, engine, log)
        stats = point_stats(cal, runs, len(unit), cal.spec.distance.cap)
        unit_all = np.vstack([unit_all, unit])
        stats_all = {k: np.concatenate([stats_all.get(k, np.zeros(0)), v]) for k, v in stats.items()}
        em = Emulators(cal, targets(cal, stats_all), unit_all, stats_all)
        emulators.append(em)
        imp = em.implausibility(unit)
        max_imp = imp.max(axis=1) if imp.shape[1] else np.zeros(len(unit))
        waves.append({"wave": w, "points": len(unit), "runs": len(unit) * R * len(cal.cases),
                      "nroy_before": frac, "design_below_cutoff": float(np.mean(max_imp <= b.cutoff)),
                      "median_max_implausibility": float(np.median(max_imp)),
                      "mean_abc_distance": float(np.mean(abc_distance(cal, stats))),
                      "seconds": round(time.perf_counter() - t0, 1)})
        log(f"wave {w}: {len(unit)} points (NROY {frac:.1%} of the prior), {waves[-1]['design_below_cutoff']:.0%} "
            f"of them below the cut-off")

    # ---- ABC rejection in the final NROY space
    t0 = time.perf_counter()
    stage = b.waves
    unit, frac = nroy(stage, b.abc_points)
    waves.append({"wave": "abc", "points": len(unit), "runs": len(unit) * R * len(cal.cases), "nroy_before": frac,
                  "design_below_cutoff": float("nan"), "median_max_implausibility": float("nan"),
                  "mean_abc_distance": float("nan"), "seconds": 0.0})
    points = to_values(cal, unit)
    runs = evaluate(cal, out, stage, "abc", points, R, engine, log)
    stats = point_stats(cal, runs, len(unit), cal.spec.distance.cap)
    dist = abc_distance(cal, stats)
    waves[-1]["mean_abc_distance"] = float(np.mean(dist))
    waves[-1]["seconds"] = round(time.perf_counter() - t0, 1)
    eps = float(np.quantile(dist, b.accept))
    accepted = dist <= eps
    if eps > 0:
        weight = np.where(dist < eps, 1.0 - (dist / eps) ** 2, 0.0)
        if weight.sum() == 0:
            weight = accepted.astype(float)
    else:
        weight = accepted.astype(float)
    weight = weight / weight.sum()
    ess = float(weight.sum() ** 2 / (weight**2).sum())
    post = pd.DataFrame(points)
    post.insert(0, "point", np.arange(len(points)))
    post["distance"] = dist
    post["accepted"] = weight > 0
    post["weight"] = weight
    for case in cal.cases:
        for item, _ in case.items:
            post[f"{case.name}:{item}:pass_rate"] = stats[f"hit|{case.index}:{item}"]
    log(f"ABC: {len(points)} points (NROY {frac:.1%} of the prior), eps {eps:.3g}, {int((weight > 0).sum())} kept, "
        f"effective sample size {ess:.1f}")

    # ---- calibrated parameters: weighted posterior medians
    kept = post[post["weight"] > 0]
    calibrated, summary_params = {}, {}
    for key, prior in cal.spec.parameters.items():
        x, wt = kept[key].to_numpy(float), kept["weight"].to_numpy(float)
        med = weighted_quantile(x, wt, 0.5)
        value = int(round(med)) if prior.integer else float(f"{med:.4g}")
        calibrated[key] = value
        default = cal.cases[0].scenario
        for part in key.split("."):
            default = getattr(default, part)
        q05, q95 = weighted_quantile(x, wt, 0.05), weighted_quantile(x, wt, 0.95)
        summary_params[key] = {
            "prior": prior.model_dump(), "default": default, "calibrated": value,
            "mean": float(np.average(x, weights=wt)), "q05": q05, "q50": med, "q95": q95,
            "default_quantile": float(wt[x <= default].sum()), "default_inside_90": bool(q05 <= default <= q95)}

    # ---- posterior predictive check, and the defaults for comparison
    t0 = time.perf_counter()
    stage_ppc = b.waves + 1
    draws = _rng(cal, stage_ppc).choice(len(points), size=b.ppc_draws, p=weight)
    ppc_points = [points[i] for i in draws]
    ppc_runs = evaluate(cal, out, stage_ppc, "check", ppc_points, b.ppc_replicates, engine, log)
    defaults = {}
    for case in cal.cases:
        value = {}
        for key in cal.keys:
            v = case.scenario
            for part in key.split("."):
                v = getattr(v, part)
            value[key] = v
        defaults[case.index] = value
    default_runs = {}
    for case in cal.cases:  # each case at its own (default) values: one point, many replicates
        sub = Calibration(cal.spec, cal.path, [case], b, R, quick, cal.fitted)
        default_runs.update(evaluate(sub, out, b.waves + 2, "defaults", [defaults[case.index]],
                                     b.ppc_draws * b.ppc_replicates, engine, log))
    rows = []
    for case in cal.cases:
        p_df, d_df = ppc_runs[case.index], default_runs[case.index]
        for item, kind in case.items:
            if kind == "observation":
                o = case.scenario.observations[int(item.split("[")[1][:-1])]
                label, source = o.label, o.source
            else:
                p = case.scenario.patterns[int(item.split("[")[1][:-1])]
                label, source = p.label, p.source
            rows.append({"case": case.name, "item": item, "kind": kind, "label": label, "source": source,
                         "fitted": (case.index, item) in cal.fitted,
                         "posterior_pass_rate": float(p_df[f"hit:{item}"].fillna(False).astype(float).mean()),
                         "defaults_pass_rate": float(d_df[f"hit:{item}"].fillna(False).astype(float).mean()),
                         "runs": len(p_df)})
    ppc = pd.DataFrame(rows)
    seconds["check"] = round(time.perf_counter() - t0, 1)

    # ---- files
    files = []
    tmp = out / ".posterior.parquet.tmp"
    post.to_parquet(tmp, index=False)
    tmp.replace(out / "posterior.parquet")
    files.append(out / "posterior.parquet")
    params_toml: dict[str, Any] = {"calibration": {
        "name": cal.spec.name, "method": "history matching (scikit-learn GP emulators) then ABC rejection",
        "statistic": "weighted posterior median", "mode": "quick" if quick else "full",
        "effective_sample_size": round(ess, 2), "source": str(cal.path)}, "parameters": {}}
    for key, value in calibrated.items():
        _, table, name = key.split(".")
        params_toml["parameters"].setdefault(table, {})[name] = value
    atomic_write(out / "parameters.toml", "# Calibrated parameters: use with `orgsim run SCENARIO --parameters FILE` or\n"
                 "# `parameters_file = \"...\"` in a scenario. Written by `orgsim calibrate`.\n" + tomli_w.dumps(params_toml))
    files.append(out / "parameters.toml")
    atomic_write(out / "waves.csv", pd.DataFrame(waves).to_csv(index=False, lineterminator="\n"))
    atomic_write(out / "ppc.csv", ppc.to_csv(index=False, lineterminator="\n", float_format="%.4f"))
    files += [out / "waves.csv", out / "ppc.csv"]
    summary = {"name": cal.spec.name, "mode": "quick" if quick else "full", "cases": [c.name for c in cal.cases],
               "parameters": summary_params, "epsilon": eps, "accepted": int((weight > 0).sum()),
               "abc_points": len(points), "effective_sample_size": ess, "replicates": R,
               "waves": waves, "hold_out": cal.spec.hold_out,
               "runs": int(sum(w["runs"] for w in waves) + len(cal.cases) * 2 * b.ppc_draws * b.ppc_replicates),
               "seconds_this_call": round(time.perf_counter() - t_start, 1)}
    atomic_write(out / "summary.json", json.dumps(summary, indent=2, default=float) + "\n")
    files.append(out / "summary.json")
    if decorate is not None:
        files.append(decorate(out))
    return CalibrationResult(out, summary, files)
