"""Python functions that return DataFrames: ``orgsim.run(...)`` and ``orgsim.sweep(...)``.

    import orgsim
    ts = orgsim.run("iso_2019", seeds=range(1, 6), regime__voting="individual")   # weekly rows
    runs = orgsim.sweep("baseline", parameters={"regime.voting": ["slate", "individual"]},
                        replicates=5, weeks=104)                                  # one row per run

Scenario keys are keyword parameters by dotted path (``**{"regime.voting": "individual"}``) or
with ``__`` for the dots (``regime__voting="individual"``). Nothing is written to disk unless
``out=`` is given to ``sweep``. Both are imported on first use of ``orgsim.run`` / ``orgsim.sweep``
(the package's top level stays light).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from orgsim.errors import OrgsimError

TABLES = ("timeseries", "summary", "events")


def _overrides(params: dict[str, Any]) -> dict[str, Any]:
    return {k.replace("__", "."): v for k, v in params.items()}


def run(scenario: Any = "baseline", seed: int | None = None, *, seeds: Iterable[int] | str | None = None,
        table: str = "timeseries", **params: Any) -> pd.DataFrame:
    """Run a scenario (name, path or :class:`~orgsim.model.scenario.Scenario`) with one seed or
    several and return one table with a ``seed`` column first:

    - ``table="timeseries"`` (default): one row per seed and week (the columns of timeseries.csv);
    - ``table="summary"``: one row per seed (the scalar metrics of summary.json, outcome included);
    - ``table="events"``: one row per event (the columns of events.csv).

    Each seed's run is exactly ``orgsim run SCENARIO --seed S`` (same numbers)."""
    from orgsim.experiments.replicates import parse_seeds
    from orgsim.model.scenario import scenario_from
    from orgsim.runs.run import simulate

    if table not in TABLES:
        raise OrgsimError(f"table={table!r}: choose one of {', '.join(TABLES)}")
    if seed is not None and seeds is not None:
        raise OrgsimError("give seed or seeds, not both")
    base = scenario_from(scenario, _overrides(params))
    if seeds is None:
        seed_list = [base.seed if seed is None else int(seed)]
    elif isinstance(seeds, str):
        seed_list = parse_seeds(seeds, "seeds")
    else:
        seed_list = [int(s) for s in seeds]
    if not seed_list:
        raise OrgsimError("seeds: give at least one seed")
    frames = []
    for s in seed_list:
        result = simulate(base.model_copy(update={"seed": s}))
        if table == "summary":
            row = {k: v for k, v in result.summary.items() if not isinstance(v, (list, dict))}
            df = pd.DataFrame([row]).drop(columns=["seed"])
        else:
            df = (result.timeseries if table == "timeseries" else result.events).copy()
        df.insert(0, "seed", s)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def sweep(source: Any = None, *, parameters: dict[str, Any] | None = None, replicates: int | None = None,
          seed: int = 0, out: str | Path | None = None, workers: int | None = 1, name: str = "sweep",
          timeseries: bool | list[str] = False, show_progress: bool = False,
          **params: Any) -> pd.DataFrame:
    """Run a sweep and return runs.parquet as a DataFrame (one row per run: point, replicate, the
    varied parameters by dotted key, the seeding, every scalar summary metric, error).

    ``source`` is a sweep file (name or path: its own parameters, replicates and seed are used,
    ``replicates=`` overrides) or a scenario (name, path or Scenario) with ``parameters=`` — a
    grid ``{"regime.voting": ["slate", "individual"]}`` or sampled ``{"environment.climate":
    {"low": 0.5, "high": 2.0}}`` as in a sweep file — and fixed overrides as keyword parameters.
    With ``out`` the sweep folder is kept (and resumable); otherwise it is a temporary folder.
    ``timeseries=True`` also keeps the weekly series: they are in ``df.attrs["timeseries"]``."""
    from orgsim.experiments.sweep import load_plan, plan_from_sweep, run_sweep
    from orgsim.experiments.sweepfile import SweepFile, base_data, parse_study

    if parameters is None:
        if source is None:
            raise OrgsimError("sweep: give a sweep file, or a scenario and parameters={...}")
        if params:
            raise OrgsimError("sweep: fixed overrides go with a scenario and parameters=, not with a sweep file")
        plan = load_plan(source, replicates=replicates)
    else:
        from orgsim.model.scenario import Scenario, read_toml, to_toml_data
        from orgsim.model.catalogue import find_scenario

        if isinstance(source, Scenario):
            base = to_toml_data(source)
        else:
            base = read_toml(find_scenario(source if source is not None else "baseline"))
        data = {"name": name, "base": base, "set": _overrides(params), "parameters": parameters,
                "replicates": replicates or 10, "seed": seed, "keep": {"timeseries": timeseries}}
        study = parse_study(SweepFile, data, "orgsim.sweep()")
        plan = plan_from_sweep(study, base_data(study, Path("."))[0], "orgsim.sweep()")
    with tempfile.TemporaryDirectory(prefix="orgsim-sweep-") as tmp:
        folder = Path(out) if out is not None else Path(tmp) / plan.name
        report = run_sweep(plan, folder, workers=workers, show_progress=show_progress,
                           log=(print if show_progress else (lambda *a, **k: None)))
        runs = pd.read_parquet(report.out / "runs.parquet")
        ts_path = report.out / "timeseries.parquet"
        if ts_path.is_file():
            runs.attrs["timeseries"] = pd.read_parquet(ts_path)
    return runs
