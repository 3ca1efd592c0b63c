"""Robustness of the cases' headline verdicts to ±20 % changes of the behavioural parameters.

    python -m orgsim.validation.robustness [--quick] [--workers 2] [--budget-minutes 35]

regenerates ``docs/robustness.md`` (``--quick``: ``results/robustness-quick/robustness.md``) and
the tables under ``results/robustness/`` (``verdicts.csv``, ``morris.csv``, ``defaults.csv``,
``meta.json``). Three phases per case, each an ordinary seeded sweep through the sweep engine
(:func:`orgsim.experiments.sweep.run_sweep`, resumable; its folders under ``<out>/work/``):

1. **defaults**: the case as written, ``replicates`` runs; its majority verdict is the reference.
   Their measured cost sets the Morris budget (below).
2. **morris**: Morris screening (SALib, :mod:`orgsim.experiments.sensitivity`) of every numeric
   behavioural parameter under ``parameters.*``, within ±20 % of its default (whole numbers
   rounded; clipped to the schema's bounds, so probabilities stay in [0, 1]); output: the run's
   :func:`headline` (annualised change of membership, a dissolution counted as total loss).
   Parameters are then ranked by mu* pooled over the cases: each case's mu* divided by its
   largest, averaged over the cases, so that every case weighs the same.
3. **verdicts**: each case at ×0.8 and ×1.2 of each of the ``top`` most influential parameters,
   ``replicates`` runs each; the table gives the majority :func:`verdict` and its share and
   flags every flip of the defaults' majority verdict.

Seeding: phase p of a case is a sweep with root seed = the scenario's ``seed``; its run (point
i, replicate r) is seeded with ``SeedSequence(seed, spawn_key=(i, r))`` by the sweep engine.

Budget: the Morris phase costs ``trajectories x (D + 1) x morris_replicates`` runs per case. The
number of trajectories is the largest (at least 2, at most ``--trajectories``) for which the
whole study's estimated time, from the defaults' measured seconds per run, fits
``--budget-minutes``; the document states what was chosen and why.

Which scenarios are cases: every ``scenarios/*.toml`` except ``*_counterfactual.toml`` (the same
history under another regime is a comparison, not a case), unless ``--cases`` lists them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.errors import OrgsimError
from orgsim.experiments.analysis import read_runs
from orgsim.experiments.plan import SweepPlan
from orgsim.experiments.sensitivity import SensitivitySpec, analyse, build_plan
from orgsim.experiments.sweep import run_sweep
from orgsim.experiments.sweepfile import Keep
from orgsim.model.observe import annual_rate
from orgsim.model.scenario import Parameters, apply_overrides, read_toml, resolve_paths, validate

ROOT = Path(__file__).resolve().parents[2]
VERDICTS = ("dissolves", "splits", "survives", "declines", "grows", "stagnates")
SPLIT_SHARE = 0.05      # a split taking at least this share of the members of the week before
SURVIVE_BELOW = 0.5     # ended below this share of the initial membership (without dissolving)
GROW_RATE = 0.03        # annualised change of membership above which the organisation grows
DECLINE_RATE = -0.03    # ... and below which it declines
FACTORS = (0.8, 1.2)
QUICK_PARAMETERS = ("parameters.voice.threshold", "parameters.exit.commitment_threshold",
                    "parameters.recruitment.rate")
QUICK_CASES = ("baseline", "open_growth")
QUICK_WEEKS = 52


# --------------------------------------------------------------------------- the verdict of a run
def largest_split_share(events: pd.DataFrame, timeseries: pd.DataFrame, initial: int) -> float:
    """The largest split as a share of the members of the week before it (0 without splits)."""
    splits = events[events["kind"] == "split"]
    if splits.empty:
        return 0.0
    sizes = splits["size"].astype(float).to_numpy()
    members = timeseries["members"].to_numpy(float)
    before = np.array([members[w - 1] if w >= 1 else initial for w in splits["week"].to_numpy()])
    return float(np.max(sizes / np.maximum(before, 1.0)))


def verdict(initial: int, final: int, weeks: int, dissolved: bool, split_share: float) -> str:
    """The headline verdict of one run, from its outputs alone (never from the scenario's name).

    In order of precedence:

    * ``dissolves``: the organisation voted to dissolve, or no member is left;
    * ``splits``: a split took at least 5 % of the members (of the week before it);
    * ``survives``: it ended below half its initial membership, yet exists (a collapse survived);
    * ``declines`` / ``grows``: membership changed by less than -3 % / more than +3 % a year,
      annualised over the horizon, ``(final / initial) ** (1 / years) - 1`` (years of 365.25 days,
      :func:`orgsim.model.observe.annual_rate`);
    * ``stagnates``: otherwise.
    """
    if dissolved or final <= 0:
        return "dissolves"
    if split_share >= SPLIT_SHARE:
        return "splits"
    if final < SURVIVE_BELOW * initial:
        return "survives"
    rate = annual_rate(initial, final, weeks)
    if rate < DECLINE_RATE:
        return "declines"
    if rate > GROW_RATE:
        return "grows"
    return "stagnates"


def headline(initial: int, final: int, weeks: int, dissolved: bool) -> float:
    """The case's headline as a number (the Morris output): the annualised change of membership
    over the horizon, with a dissolution counted as the loss of every member (-1)."""
    return annual_rate(initial, 0 if dissolved else final, weeks)


def measures(result) -> dict[str, Any]:
    """Verdict, headline and largest split share of a finished run (a RunResult)."""
    s, weeks = result.summary, result.scenario.weeks
    dissolved = s["dissolved_week"] is not None
    share = largest_split_share(result.events, result.timeseries, s["initial_members"])
    return {"verdict": verdict(s["initial_members"], s["final_members"], weeks, dissolved, share),
            "headline": headline(s["initial_members"], s["final_members"], weeks, dissolved),
            "largest_split_share": share}


def verdict_runner(scenario, seed):
    """The sweep engine's runner: simulate, then add the verdict measures to the summary."""
    from orgsim.runs.run import simulate

    result = simulate(scenario, seed=seed)
    result.summary.update(measures(result))
    return result


# --------------------------------------------------------------------------- parameters and bounds
def _field_bounds(field) -> tuple[float, float, bool]:
    lo, hi, strict_lo = -math.inf, math.inf, False
    for meta in field.metadata:
        if getattr(meta, "ge", None) is not None:
            lo = max(lo, meta.ge)
        if getattr(meta, "gt", None) is not None:
            lo, strict_lo = max(lo, meta.gt), True
        if getattr(meta, "le", None) is not None:
            hi = min(hi, meta.le)
    return lo, hi, strict_lo


def behavioural_parameters(values: dict | None = None) -> dict[str, dict[str, Any]]:
    """Every numeric ``parameters.<submodel>.<name>``: its default (from ``values``, the scenario's
    resolved parameters, else the schema), its kind and the schema's bounds."""
    defaults = Parameters().model_dump() if values is None else values
    out = {}
    for sub, sub_field in Parameters.model_fields.items():
        model = sub_field.default_factory
        for name, field in model.model_fields.items():
            v = defaults[sub][name]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                continue  # rules and switches are choices, not magnitudes
            lo, hi, strict = _field_bounds(field)
            out[f"parameters.{sub}.{name}"] = {"default": v, "integer": isinstance(v, int), "lo": lo, "hi": hi,
                                               "strict_lo": strict}
    return out


def scaled(info: dict[str, Any], factor: float) -> int | float:
    """The default times ``factor``: whole numbers rounded; clipped to the schema's bounds."""
    v = info["default"] * factor
    v = min(max(v, info["lo"]), info["hi"])
    if info["strict_lo"] and v <= info["lo"]:
        v = info["default"]
    return int(round(v)) if info["integer"] else float(f"{v:.12g}")


def morris_bounds(params: dict[str, dict]) -> tuple[dict[str, dict], list[str]]:
    """Bounds {low, high} for SALib per parameter, and the parameters left out because ±20 % is
    void for them (a default of 0, or rounding or clipping leaves a single value)."""
    bounds, void = {}, []
    for key, info in params.items():
        low, high = scaled(info, FACTORS[0]), scaled(info, FACTORS[1])
        if not low < high:
            void.append(key)
            continue
        bounds[key] = {"low": low, "high": high, "integer": info["integer"]}
    return bounds, void


# --------------------------------------------------------------------------- cases
def find_cases(names: list[str] | None = None) -> list[Path]:
    folder = ROOT / "scenarios"
    if names:
        paths = [Path(n) if n.endswith(".toml") else folder / f"{n}.toml" for n in names]
        for p in paths:
            if not p.exists():
                raise OrgsimError(f"--cases: {p}: no such scenario file")
        return paths
    return sorted(p for p in folder.glob("*.toml") if not p.stem.endswith("_counterfactual"))


def case_base(path: Path, quick: bool) -> dict:
    """The raw scenario of a case (validated); ``quick`` shortens the horizon to QUICK_WEEKS and
    drops the events that would fall after it."""
    data = resolve_paths(read_toml(path), path)
    if quick:
        full = validate(data, str(path))
        data = apply_overrides(data, {"weeks": min(QUICK_WEEKS, full.weeks)}, source=f"{path}: --quick")
        data["events"] = [raw for raw, ev in zip(data.get("events", []), full.events)
                          if full.event_week(ev) < QUICK_WEEKS]
    validate(data, str(path))
    return data


def _plan(name: str, base: dict, source: str, params: list[str], points: list[dict], replicates: int,
          seed: int) -> SweepPlan:
    resolved = json.dumps({"base": base, "params": params, "points": points, "replicates": replicates,
                           "seed": seed}, sort_keys=True, default=str)
    return SweepPlan(name=name, source=source, kind="sweep", resolved=resolved, base=base, params=params,
                     points=points, replicates=replicates, seed=seed, keep=Keep())


def _sweep(plan: SweepPlan, out: Path, workers: int | None, log, force: bool = False) -> pd.DataFrame:
    report = run_sweep(plan, out, workers=workers, show_progress=False, runner=verdict_runner, log=log, force=force)
    runs = read_runs(out / "runs.parquet")
    if report.failed:
        errors = runs["error"].dropna().unique()[:3]
        raise OrgsimError(f"{out}: {report.failed} run(s) failed: " + "; ".join(errors))
    return runs


def majority(verdicts: pd.Series) -> tuple[str, float, bool]:
    """(majority verdict, its share, tie?): ties list the tied verdicts joined by ' = '."""
    counts = Counter(verdicts)
    top = max(counts.values())
    tied = [v for v in VERDICTS if counts.get(v) == top]
    return " = ".join(tied), top / len(verdicts), len(tied) > 1


# --------------------------------------------------------------------------- the study
def run_study(cases: list[Path], out: Path, *, workers: int | None = 2, replicates: int = 10,
              morris_replicates: int = 1, trajectories: int = 10, levels: int = 4, top: int = 15,
              budget_minutes: float = 35.0, quick: bool = False, only: list[str] | None = None,
              force: bool = False, on_case=None, log=print) -> dict[str, Any]:
    t_start = time.perf_counter()
    work = out / "work"
    bases = {p.stem: case_base(p, quick) for p in cases}
    seeds = {name: int(validate(b, name).seed) for name, b in bases.items()}

    # 1. defaults
    rows, t0 = [], time.perf_counter()
    for name, base in bases.items():
        runs = _sweep(_plan(f"{name}-defaults", base, name, [], [{}], replicates, seeds[name]),
                      work / name / "defaults", workers, log, force)
        runs.insert(0, "case", name)
        rows.append(runs)
    defaults = pd.concat(rows, ignore_index=True)
    default_seconds = time.perf_counter() - t0
    per_run = default_seconds / len(defaults)  # wall seconds per run on these workers (both busy)

    # 2. Morris: choose the trajectories to fit the budget
    per_case_params = {}
    for name, base in bases.items():
        params = behavioural_parameters(validate(base, name).parameters.model_dump())
        if only:
            params = {k: v for k, v in params.items() if k in only}
        per_case_params[name] = params
    bounds = {name: morris_bounds(p) for name, p in per_case_params.items()}
    n_cases = len(bases)
    verdict_runs = n_cases * min(top, max(len(b[0]) for b in bounds.values())) * len(FACTORS) * replicates
    per_trajectory = sum((len(b[0]) + 1) * morris_replicates for b in bounds.values())
    left = budget_minutes * 60 - default_seconds - verdict_runs * per_run
    fit = int(left // (per_trajectory * per_run)) if left > 0 else 0
    r = max(2, min(trajectories, fit))
    budget = {"seconds_per_run": per_run, "default_runs": len(defaults), "default_seconds": default_seconds,
              "verdict_runs": verdict_runs, "runs_per_trajectory": per_trajectory, "trajectories_asked": trajectories,
              "trajectories_fitting": fit, "trajectories": r,
              "estimated_minutes": (default_seconds + (verdict_runs + r * per_trajectory) * per_run) / 60}
    log(f"robustness: {per_run:.2f} s per run (wall, {workers} workers); Morris with {r} trajectories "
        f"({r * per_trajectory} runs), then {verdict_runs} verdict runs: estimated "
        f"{budget['estimated_minutes']:.0f} min in all (budget {budget_minutes:.0f})")

    tables = []
    t0 = time.perf_counter()
    for name, base in bases.items():
        b, _ = bounds[name]
        spec = SensitivitySpec.model_validate({
            "name": f"{name}-morris", "base": base, "parameters": b, "output": "final_members",
            "replicates": morris_replicates, "seed": seeds[name],
            "morris": {"trajectories": r, "levels": levels}})
        plan, X = build_plan(spec, base, name)
        wdir = work / name / "morris"
        run_sweep(plan, wdir, workers=workers, show_progress=False, runner=verdict_runner, log=log, force=force)
        runs = read_runs(wdir / "runs.parquet", ["point", "error", "headline"])
        table = analyse(spec.model_copy(update={"output": ["headline"]}), X, runs)
        table.insert(0, "case", name)
        tables.append(table)
    morris_seconds = time.perf_counter() - t0
    morris = pd.concat(tables, ignore_index=True)
    mu = morris[morris["statistic"] == "mu_star"].pivot(index="parameter", columns="case", values="value")
    scale = mu.max().replace(0, np.nan)
    ranking = (mu / scale).fillna(0).mean(axis=1).rename("pooled").sort_values(ascending=False, kind="stable")
    chosen = list(ranking.index[:top])

    # 3. verdicts at x0.8 and x1.2 (``on_case(study)`` after each case: partial results can be written)
    ref = {name: majority(defaults[defaults["case"] == name]["verdict"]) for name in bases}
    settings = {"workers": workers, "replicates": replicates, "morris_replicates": morris_replicates,
                "levels": levels, "top": top, "quick": quick, "budget_minutes": budget_minutes,
                "cases": {n: str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)
                          for n, p in zip(bases, cases)}}
    from orgsim.runs.provenance import versions

    commit, source, date = _git_commit(), versions()["orgsim_source"], dt.date.today().isoformat()
    t0 = time.perf_counter()
    vrows: list[dict] = []
    done: list[str] = []
    study: dict[str, Any] = {}
    for name, base in bases.items():
        params = per_case_params[name]
        points, labels = [], []
        for key in chosen:
            for f in FACTORS:
                value = scaled(params[key], f)
                labels.append((key, f, value, value == params[key]["default"]))
                # every point states every chosen parameter (the sweep's columns): the others at the default
                points.append({**{k: params[k]["default"] for k in chosen}, key: value})
        plan = _plan(f"{name}-verdicts", base, name, chosen, points, replicates, seeds[name])
        runs = _sweep(plan, work / name / "verdicts", workers, log, force)
        for i, (key, f, value, same) in enumerate(labels):
            sub = runs[runs["point"] == i]
            maj, share, tie = majority(sub["verdict"])
            flip = not (set(maj.split(" = ")) & set(ref[name][0].split(" = ")))
            vrows.append({"case": name, "parameter": key, "factor": f, "value": value, "void": same,
                          "verdicts": ",".join(sub["verdict"]), "headline_mean": sub["headline"].mean(),
                          "majority": maj, "share": share, "tie": tie, "flip": flip})
        done.append(name)
        timings = {"defaults": default_seconds, "morris": morris_seconds, "verdicts": time.perf_counter() - t0,
                   "total": time.perf_counter() - t_start}
        study = {"defaults": defaults, "reference": ref, "morris": morris, "ranking": ranking, "chosen": chosen,
                 "verdicts": pd.DataFrame(vrows), "verdict_cases": list(done), "partial": len(done) < len(bases),
                 "bounds": bounds, "budget": budget, "timings": timings, "settings": settings,
                 "commit": commit, "orgsim_source": source, "date": date}
        if on_case is not None:
            on_case(study)
    return study


# --------------------------------------------------------------------------- writing
def _git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_tables(study: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    d = study["defaults"][["case", "point", "replicate", "verdict", "headline", "initial_members", "final_members",
                           "dissolved_week", "largest_split_share"]]
    for name, frame in (("defaults.csv", d), ("morris.csv", study["morris"]), ("verdicts.csv", study["verdicts"]),
                        ("ranking.csv", study["ranking"].reset_index())):
        path = out / name
        frame.to_csv(path, index=False, float_format="%.6g", lineterminator="\n")
        files.append(path)
    meta = {"budget": study["budget"], "timings": study["timings"], "settings": study["settings"],
            "commit": study.get("commit") or _git_commit(),
            "orgsim_source": study.get("orgsim_source", "?"), "chosen": study["chosen"],
            "void_in_morris": {n: v for n, (_, v) in study["bounds"].items()},
            "date": study.get("date") or dt.date.today().isoformat()}
    path = out / "meta.json"
    path.write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return files + [path]


def load_tables(out: Path) -> dict[str, Any]:
    """The study as :func:`write_tables` stored it (for ``--render``: the document without running)."""
    try:
        meta = json.loads((out / "meta.json").read_text())
        defaults = pd.read_csv(out / "defaults.csv")
        verdicts = pd.read_csv(out / "verdicts.csv")
        morris = pd.read_csv(out / "morris.csv")
        ranking = pd.read_csv(out / "ranking.csv").set_index("parameter")["pooled"]
    except FileNotFoundError as exc:
        raise OrgsimError(f"{out}: no stored study ({exc.filename} is missing); run the study first") from None
    ref = {name: majority(g["verdict"]) for name, g in defaults.groupby("case", sort=False)}
    cases = list(dict.fromkeys(verdicts["case"]))
    return {"defaults": defaults, "reference": ref, "morris": morris, "ranking": ranking, "chosen": meta["chosen"],
            "verdicts": verdicts, "verdict_cases": cases, "partial": len(cases) < len(ref),
            "bounds": {n: ({}, v) for n, v in meta["void_in_morris"].items()}, "budget": meta["budget"],
            "timings": meta["timings"], "settings": meta["settings"], "commit": meta["commit"],
            "orgsim_source": meta.get("orgsim_source", "?"), "date": meta.get("date")}


def _cell(row) -> str:
    text = f"{row.majority} {row.share:.0%}"
    if row.void:
        text += " (= default)"
    return f"**{text} FLIP**" if row.flip else text


def render(study: dict, command: str) -> str:
    s, b, t = study["settings"], study["budget"], study["timings"]
    cases = study["verdict_cases"]
    v = study["verdicts"]
    flips = v[v["flip"]]
    lines = ["# Robustness of the cases' verdicts", "",
             f"Generated by `{command}` (commit {study.get('commit') or _git_commit()}, orgsim source fingerprint "
             f"{study.get('orgsim_source', '?')}, {study.get('date') or dt.date.today().isoformat()}); do not edit by "
             "hand (`--render` rewrites it from the tables). The method is in the docstring of "
             "`orgsim/validation/robustness.py`.", "",
             "Question (issue 11): does any case's headline verdict flip its majority under a single ±20 % "
             "change of one behavioural parameter?", "",
             *([f"**PARTIAL**: verdicts for {len(cases)} of {len(study['reference'])} cases so far "
                "(the command resumes where it stopped).", ""] if study["partial"] else []),
             "## Summary", "",
             f"- **{len(flips)} flip(s)** of the default's majority verdict in {len(v)} cells "
             f"({len(cases)} cases x {len(study['chosen'])} parameters x {len(FACTORS)} factors, "
             f"{s['replicates']} replicates each)" + (":" if len(flips) else "."), ]
    for row in flips.itertuples():
        lines.append(f"  - {row.case}: `{row.parameter}` x{row.factor} ({row.value}): {row.majority} "
                     f"{row.share:.0%} (default: {study['reference'][row.case][0]})")
    ties = v[v["tie"] & ~v["flip"]]
    if len(ties):
        lines.append(f"- {len(ties)} cell(s) tied between the default's verdict and another (not counted as flips): "
                     + "; ".join(f"{r.case} `{r.parameter}` x{r.factor}" for r in ties.itertuples()))
    lines += [f"- Cases: " + ", ".join(f"`{p}`" for p in s["cases"].values()) + ".",
              f"- Time: {t['total'] / 60:.1f} min on {s['workers']} worker(s) (defaults {t['defaults']:.0f} s, "
              f"Morris {t['morris']:.0f} s, verdicts {t['verdicts']:.0f} s); {b['seconds_per_run']:.2f} s per run "
              "(wall, measured on the defaults).",
              f"- Morris: {b['trajectories']} trajectories x (D + 1) points x {s['morris_replicates']} replicate(s), "
              f"{s['levels']} levels" + (
                  f" — reduced from {b['trajectories_asked']} to fit the {s['budget_minutes']:.0f}-minute budget"
                  + (f" ({b['trajectories_fitting']} fitted)" if b["trajectories_fitting"] >= 2 else
                     f"; even the minimum of 2 does not fit: the {b['verdict_runs']} verdict runs alone take "
                     f"~{b['verdict_runs'] * b['seconds_per_run'] / 60:.0f} min at the measured rate")
                  + f"; estimated {b['estimated_minutes']:.0f} min in all"
                  if b["trajectories"] < b["trajectories_asked"] else "") + ".", ""]
    lines += ["## Verdicts", "",
              "A run's verdict (`verdict()`), in order of precedence: **dissolves** (voted to dissolve, or no "
              f"member left); **splits** (a split took ≥ {SPLIT_SHARE:.0%} of the members of the week before); "
              f"**survives** (ended below {SURVIVE_BELOW:.0%} of its initial membership, without dissolving); "
              f"**declines** / **grows** (membership changed by < {DECLINE_RATE:+.0%} / > {GROW_RATE:+.0%} a year, "
              "annualised over the horizon); otherwise **stagnates**. A cell gives the majority verdict over the "
              "replicates and its share; **FLIP** marks a majority other than the default's; "
              "\"(= default)\" marks a factor that rounding or the schema's bounds leave at the default.", "",
              "| case | default verdict | mean headline (annual change) |", "| --- | --- | ---: |"]
    dft = study["defaults"]
    for name in study["reference"]:
        maj, share, _ = study["reference"][name]
        lines.append(f"| {name} | {maj} {share:.0%} | {dft[dft['case'] == name]['headline'].mean():+.1%} |")
    lines += ["", "| parameter | pooled mu* | " + " | ".join(f"{c} x0.8 | {c} x1.2" for c in cases) + " |",
              "| --- | ---: | " + " | ".join("--- | ---" for _ in cases) + " |"]
    for key in study["chosen"]:
        cells = []
        for c in cases:
            for f in FACTORS:
                row = next(v[(v["case"] == c) & (v["parameter"] == key) & (v["factor"] == f)].itertuples())
                cells.append(_cell(row))
        lines.append(f"| `{key.removeprefix('parameters.')}` | {study['ranking'][key]:.3f} | " + " | ".join(cells) + " |")
    lines += ["", "## Morris screening", "",
              "Output: the headline, the annualised change of membership over the case's horizon "
              "(a dissolution counts as -100 %). Bounds: ×0.8 to ×1.2 of each default, whole numbers rounded, "
              "clipped to the schema's bounds. Pooled mu* = each case's mu* divided by its largest, averaged over "
              "the cases. The 25 most influential:", "",
              f"With {b['trajectories']} trajectories and {s['morris_replicates']} replicate(s) per point, mu* mixes "
              "the parameters' effects with replicate noise: where the default verdict holds in only part of the "
              "replicates (a dissolution in 90 %, say), one run that dissolves and one that does not make an "
              "elementary effect of nearly 1 whatever the parameter, so such a case's mu* are high and alike "
              "(compare `mu_star_conf` in `morris.csv`). The ranking is a screening, which the verdict table then "
              "tests with 10 replicates per cell.", "",
              "| parameter | pooled | " + " | ".join(f"mu* {c}" for c in study["reference"]) + " |",
              "| --- | ---: | " + " | ".join("---:" for _ in study["reference"]) + " |"]
    m = study["morris"]
    mu = m[m["statistic"] == "mu_star"].pivot(index="parameter", columns="case", values="value")
    for key in study["ranking"].index[:25]:
        lines.append(f"| `{key.removeprefix('parameters.')}` | {study['ranking'][key]:.3f} | "
                     + " | ".join(f"{mu.loc[key, c]:.4f}" if c in mu.columns and key in mu.index
                                  and not pd.isna(mu.loc[key, c]) else "—" for c in study["reference"]) + " |")
    void = sorted({k for _, vd in study["bounds"].values() for k in vd})
    if void:
        lines += ["", "Left out of the screening (±20 % leaves one value after rounding or clipping): "
                  + ", ".join(f"`{k.removeprefix('parameters.')}`" for k in void) + "."]
    lines += ["", "Tables: `results/robustness/` (`defaults.csv`, `morris.csv`, `ranking.csv`, `verdicts.csv` with "
              "every replicate's verdict, `meta.json`)." if not s["quick"] else "", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m orgsim.validation.robustness", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"2 cases, 3 parameters, 2 replicates, {QUICK_WEEKS} weeks")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replicates", type=int, default=None, help="per verdict cell (default 10; quick 2)")
    ap.add_argument("--morris-replicates", type=int, default=1)
    ap.add_argument("--trajectories", type=int, default=10, help="at most this many Morris trajectories")
    ap.add_argument("--budget-minutes", type=float, default=35.0)
    ap.add_argument("--top", type=int, default=None, help="parameters taken to the verdict table (default 15; quick 3)")
    ap.add_argument("--cases", nargs="*", default=None, help="scenario names or files (default: every case)")
    ap.add_argument("--render", action="store_true", help="only rewrite the document from the stored tables")
    ap.add_argument("--force", action="store_true", help="discard results kept from an earlier run (default: resume)")
    ap.add_argument("--out", type=Path, default=None, help="tables (default results/robustness[-quick])")
    ap.add_argument("--doc", type=Path, default=None, help="the document (default docs/robustness.md; quick: in --out)")
    a = ap.parse_args(argv)
    out = a.out or ROOT / "results" / ("robustness-quick" if a.quick else "robustness")
    doc = a.doc or (out / "robustness.md" if a.quick else ROOT / "docs" / "robustness.md")
    cases = find_cases(a.cases or (list(QUICK_CASES) if a.quick else None))
    if a.quick and not a.cases:
        cases = cases[:2]
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python -m orgsim.validation.robustness", *given])

    def write(study: dict) -> None:
        study["settings"]["command"] = command
        write_tables(study, out)
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(render(study, command))
        print(f"wrote {doc} and the tables in {out}" + (" (partial)" if study["partial"] else ""), flush=True)

    if a.render:
        try:
            study = load_tables(out)
        except OrgsimError as exc:
            print(f"orgsim: error: {exc}", file=sys.stderr)
            return 2
        doc.write_text(render(study, study["settings"].get("command", command)))
        print(f"wrote {doc} from the tables in {out}")
        return 0
    try:
        run_study(cases, out, workers=a.workers, replicates=a.replicates or (2 if a.quick else 10),
                  morris_replicates=a.morris_replicates, trajectories=2 if a.quick else a.trajectories,
                  top=a.top or (3 if a.quick else 15), budget_minutes=a.budget_minutes, quick=a.quick,
                  only=list(QUICK_PARAMETERS) if a.quick else None, force=a.force, on_case=write)
    except OrgsimError as exc:
        print(f"orgsim: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
