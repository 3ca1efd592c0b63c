"""``orgsim plot``: decide which charts a set of folders calls for, draw them, write the files.

One run folder gives the run overview and network snapshots; several run folders of one scenario
give replicate bands; run folders of different scenarios (or of one scenario with different
settings) give a comparison on the same axes; a sweep folder gives phase diagrams, outcome shares
and metric bands against each parameter, sensitivity bars and, when it kept time series, bands per
point. ``kind`` picks one family instead of all that apply.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path

import pandas as pd

from orgsim.outputs.plots import KINDS
from orgsim.errors import OrgsimError
from orgsim.outputs.folders import RunFolder, SweepFolder, folder_kind, read_run, read_sweep
from orgsim.outputs.plots.style import FORMATS, save, slug

RUN_KINDS = ("run", "network")
MULTI_KINDS = ("replicates", "compare")
SWEEP_KINDS = ("phase", "outcomes", "metrics", "sensitivity", "replicates")
MAX_BAND_REPLICATES = 30  # 5-95% bands from 30 replicates per point; more costs memory, not insight
MAX_POINTS = 6  # bands per point: more than this is unreadable on one chart


def plot(paths: list[str | Path], kind: str = "auto", fmt: str = "png", out: str | Path | None = None,
         weeks: list[int] | None = None, color_by: str = "position", points: list[int] | None = None,
         window: tuple[str | None, str | None] = (None, None)) -> list[Path]:
    """Draw the charts for ``paths``; return the files written. ``window`` (from, to: week numbers or
    YYYY-MM-DD dates) narrows the run overview to a period."""
    if fmt not in FORMATS:
        raise OrgsimError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if kind not in KINDS:
        raise OrgsimError(f"--kind {kind!r}: choose one of {', '.join(KINDS)}")
    if not paths:
        raise OrgsimError("give at least one run folder or sweep folder")
    paths = [Path(p) for p in paths]
    kinds = {p: folder_kind(p) for p in paths}
    ecosystems = [p for p in paths if kinds[p] == "ecosystem"]
    if ecosystems:
        if len(paths) > 1:
            raise OrgsimError(f"{ecosystems[0]}: give an ecosystem run folder on its own")
        if kind not in ("auto", "ecosystem"):
            raise OrgsimError(f"--kind {kind}: an ecosystem run folder has the ecosystem charts (--kind ecosystem)")
        from orgsim.outputs.plots.ecosystem import ecosystem_charts

        return ecosystem_charts(paths[0], _out(out, paths[0]), fmt)
    sweeps = [p for p in paths if kinds[p] == "sweep"]
    if sweeps and len(paths) > 1:
        raise OrgsimError(f"{sweeps[0]}: give a sweep folder on its own (it cannot be combined with other folders)")
    if sweeps:
        sweep = read_sweep(sweeps[0])
        dest = _out(out, sweeps[0] / "charts")
        return sweep_charts(sweep, dest, kind, fmt, points)
    runs = [read_run(p) for p in paths]
    if len(runs) == 1:
        if kind not in ("auto", *RUN_KINDS):
            raise OrgsimError(f"--kind {kind}: needs several run folders or a sweep folder (got one run folder)")
        return run_charts(runs[0], _out(out, paths[0]), kind, fmt, weeks, color_by, window)
    if kind not in ("auto", *MULTI_KINDS):
        raise OrgsimError(f"--kind {kind}: with several run folders, choose replicates or compare")
    names = list(dict.fromkeys(r.scenario_name for r in runs))
    if kind == "auto":
        kind = "replicates" if len(names) == 1 and _same_settings(runs) else "compare"
    dest = _out(out, Path("results") / "plots" / slug("-vs-".join(names))[:100])
    return [multi_chart(runs, dest, kind, fmt)]


def _out(out, default: Path) -> Path:
    dest = Path(out) if out is not None else default
    if dest.exists() and not dest.is_dir():
        raise OrgsimError(f"{dest}: exists and is not a folder")
    dest.mkdir(parents=True, exist_ok=True)
    return dest


# --------------------------------------------------------------------------- one run
def _week_of(run: RunFolder, text: str | None, default: int) -> int:
    if text is None or text == "":
        return default
    if text.lstrip("-").isdigit():
        return int(text)
    if "date" not in run.timeseries.columns:
        raise OrgsimError(f"{run.path}: {text!r}: this run has no calendar dates; give a week number")
    try:
        when = pd.Timestamp(text)
    except ValueError:
        raise OrgsimError(f"{text!r}: give a week number or a date YYYY-MM-DD") from None
    start = pd.Timestamp(run.timeseries["date"].iloc[0]) - pd.Timedelta(weeks=int(run.timeseries["week"].iloc[0]))
    return int((when - start).days // 7)


def window_of(run: RunFolder, window) -> tuple[RunFolder, str]:
    """The run cut to weeks [from, to] (both ends included), and a file-name suffix."""
    lo_text, hi_text = window or (None, None)
    if lo_text is None and hi_text is None:
        return run, ""
    ts = run.timeseries
    lo = _week_of(run, lo_text, int(ts["week"].min()))
    hi = _week_of(run, hi_text, int(ts["week"].max()))
    part = ts[(ts["week"] >= lo) & (ts["week"] <= hi)]
    if len(part) < 2:
        raise OrgsimError(f"{run.path}: the period {lo_text or 'start'} to {hi_text or 'end'} holds fewer than "
                          f"two recorded weeks (the run has weeks {int(ts['week'].min())}..{int(ts['week'].max())})")
    ev = run.events[(run.events["week"] >= lo) & (run.events["week"] <= hi)]
    return RunFolder(run.path, part.reset_index(drop=True), ev, run.summary), f"_{slug(lo_text or 'start')}_{slug(hi_text or 'end')}"


def run_charts(run: RunFolder, dest: Path, kind: str = "auto", fmt: str = "png", weeks=None,
               color_by: str = "position", window=(None, None)) -> list[Path]:
    from orgsim.outputs.plots.network import capture, default_weeks, network_figure
    from orgsim.outputs.plots.run import overview_figure

    written = []
    if kind in ("auto", "run"):
        part, suffix = window_of(run, window)
        from orgsim.outputs.plots.history import history_of

        written.append(save(overview_figure(part.timeseries, part.events, part.summary, history=history_of(run.path)),
                            dest / f"overview{suffix}.{fmt}"))
    if kind in ("auto", "network"):
        last = int(run.timeseries["week"].max())
        snaps = capture(run.path, list(weeks) if weeks else default_weeks(last), run.timeseries)
        fig = network_figure(snaps, color_by, title=f"{run.label}: network of members")
        written.append(save(fig, dest / f"network_{color_by}.{fmt}"))
    return written


# --------------------------------------------------------------------------- several runs
def _flat(data, prefix=""):
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else k))
        return out
    return {prefix: data}


IGNORED_KEYS = ("name", "seed", "description", "orgsim_version")


def scenario_settings(run: RunFolder) -> dict:
    """The run's resolved scenario, flattened to dotted keys, less name, seed and description."""
    p = run.path / "scenario.toml"
    try:
        data = tomllib.loads(p.read_text()) if p.is_file() else {}
    except (tomllib.TOMLDecodeError, OSError):
        data = {}
    return {k: v for k, v in _flat(data).items() if k not in IGNORED_KEYS}


def _same_settings(runs: list[RunFolder]) -> bool:
    first = scenario_settings(runs[0])
    return all(scenario_settings(r) == first for r in runs[1:])


def _setting_text(key: str, value) -> str:
    """One differing setting, short: ``voting=individual``; a list or table by its size only
    (``events: 9``), never the Python text of its items."""
    name = key.split(".")[-1]
    if isinstance(value, (list, tuple)):
        return f"{name}: {len(value)}"
    if isinstance(value, dict):
        return f"{name}: {len(value)} keys"
    if value is None:
        return f"{name} unset"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{name}={text if len(text) <= 24 else text[:23] + '…'}"


def group_labels(runs: list[RunFolder], names: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """A group per distinct scenario (name and settings), labelled by the scenario's name; runs of
    one name with different settings (variants made with ``--set``) add the settings that differ
    among them, a list such as ``events`` by its length. ``names`` (one per run) replace the
    scenario names, e.g. labels given on the command line."""
    settings = [scenario_settings(r) for r in runs]
    names = names or [r.scenario_name for r in runs]
    canon = [json.dumps(s, sort_keys=True, default=str) for s in settings]
    groups = []
    for name, c, s in zip(names, canon, settings):
        variants = {cc: ss for n, cc, ss in zip(names, canon, settings) if n == name}
        if len(variants) == 1:
            groups.append(name)
            continue
        keys = sorted(set().union(*variants.values()))
        differ = [k for k in keys if len({json.dumps(v.get(k), sort_keys=True, default=str)
                                          for v in variants.values()}) > 1]
        parts = [_setting_text(k, s.get(k)) for k in differ[:3]]
        label = f"{name} ({', '.join(parts)}{', …' if len(differ) > 3 else ''})"
        groups.append(label)
    # still ambiguous (e.g. two event lists of the same length): number the variants
    for label in set(groups):
        members = list(dict.fromkeys(c for g, c in zip(groups, canon) if g == label))
        if len(members) > 1:
            groups = [f"{g} #{members.index(c) + 1}" if g == label else g for g, c in zip(groups, canon)]
    return groups, {g: g for g in groups}


def compare_title(long: pd.DataFrame) -> str:
    """``A vs B``, with the number of runs when every group has one (no bands)."""
    from orgsim.outputs.plots.replicates import group_sizes

    sizes = group_sizes(long)
    title = " vs ".join(map(str, sizes))
    if len(title) > 90:
        title = f"{len(sizes)} scenarios compared"
    return title + (": one run each" if max(sizes.values()) == 1 else "")


def multi_chart(runs: list[RunFolder], dest: Path, kind: str, fmt: str) -> Path:
    from orgsim.outputs.plots.replicates import bands_figure, replicates_title, stack_runs

    groups, labels = group_labels(runs)
    group_of = dict(zip(map(id, runs), groups))
    long = stack_runs(runs, group_of=lambda r: group_of[id(r)])
    n_groups = long["group"].nunique()
    if kind == "replicates" and n_groups > 1:
        raise OrgsimError("--kind replicates: the run folders hold different scenarios; use --kind compare")
    if kind == "compare" and n_groups < 2:
        raise OrgsimError("--kind compare: all run folders hold the same scenario; use --kind replicates")
    if kind == "compare":
        title = compare_title(long)
    else:
        title = replicates_title(long)
    from orgsim.outputs.plots.history import history_of

    # the first run's scenario says what is known (a counterfactual shares the case's history)
    return save(bands_figure(long, title, labels=labels, history=history_of(runs[0].path)), dest / f"{kind}.{fmt}")


# --------------------------------------------------------------------------- sweeps
def point_labels(sweep: SweepFolder) -> dict:
    table = sweep.points if sweep.points is not None else sweep.ok_runs()
    if table is None or sweep.point_col is None or sweep.point_col not in table.columns:
        return {}
    first = table.groupby(sweep.point_col)[sweep.params].first()
    return {int(p): ", ".join(f"{k.split('.')[-1]}={v}" for k, v in row.items()) for p, row in first.iterrows()}


def sweep_bands_long(sweep: SweepFolder, points: list[int] | None = None) -> pd.DataFrame | None:
    if not sweep.timeseries_path:
        return None
    try:
        all_points = sweep.timeseries_points()
    except KeyError:
        raise OrgsimError(f"{sweep.timeseries_path}: expected point, replicate and week columns") from None
    if not all_points:
        return None
    if points:
        missing = [p for p in points if p not in set(all_points)]
        if missing:
            raise OrgsimError(f"{sweep.path}: no time series for point {missing[0]} (points {all_points[0]}..{all_points[-1]})")
        chosen = list(points)
    elif len(all_points) > MAX_POINTS:
        step = (len(all_points) - 1) / (MAX_POINTS - 1)
        chosen = [all_points[round(i * step)] for i in range(MAX_POINTS)]
    else:
        chosen = all_points
    # bands need a few dozen replicates at most: read only those rows of the chosen points
    from orgsim.outputs.plots.replicates import METRICS

    wanted = ["point", "replicate", "week", "date", *(m for m, _, _ in METRICS)]
    ts = sweep.timeseries(points=chosen, max_replicates=MAX_BAND_REPLICATES, columns=wanted)
    pcol, rcol = "point", "replicate"
    if ts is None or ts.empty or rcol not in ts.columns or "week" not in ts.columns:
        raise OrgsimError(f"{sweep.timeseries_path}: expected point, replicate and week columns")
    labels = point_labels(sweep)
    long = ts[ts[pcol].isin(chosen)].copy()
    long["group"] = long[pcol].map(lambda p: f"point {p}: {labels.get(int(p), '')}".rstrip(": "))
    long["replicate"] = long[rcol]
    if sweep.start_date and "date" not in long.columns:
        long["date"] = (pd.Timestamp(sweep.start_date) + pd.to_timedelta(long["week"] * 7, unit="D")).dt.strftime("%Y-%m-%d")
    return long


def sweep_charts(sweep: SweepFolder, dest: Path, kind: str = "auto", fmt: str = "png",
                 points: list[int] | None = None, errors: list | None = None) -> list[Path]:
    """Draw a sweep's charts into ``dest``; return the files written.

    With an ``errors`` list, a chart that fails is recorded there as (file name, error text) and the
    others are still drawn; without one, the first failure is raised. A bar shows the progress on a
    terminal (one step per chart).
    """
    from orgsim.outputs.plots.replicates import bands_figure
    from orgsim.outputs.plots.sweep import metrics_figure, outcomes_figure, phase_figure, sensitivity_figure
    from orgsim.outputs.progress import steps

    if kind not in ("auto", *SWEEP_KINDS):
        raise OrgsimError(f"--kind {kind}: not a sweep chart; choose one of {', '.join(SWEEP_KINDS)}")
    jobs = []  # (file name, function drawing the figure), decided before anything is drawn
    params = sweep.params
    has_outcomes = sweep.runs is not None and "outcome" in sweep.runs.columns or sweep.points is not None
    if kind in ("auto", "phase"):
        if len(params) < 2 and kind == "phase":
            raise OrgsimError(f"{sweep.path}: a phase diagram needs two varied parameters (varied: {', '.join(params) or 'none'})")
        for x, y in itertools.combinations(params, 2):
            if has_outcomes:
                jobs.append((f"phase_{slug(x)}__{slug(y)}.{fmt}", lambda x=x, y=y: phase_figure(sweep, x, y)))
    if kind in ("auto", "outcomes") and has_outcomes:
        for p in params:
            jobs.append((f"outcomes_{slug(p)}.{fmt}", lambda p=p: outcomes_figure(sweep, p)))
    if kind in ("auto", "metrics"):
        for p in params:
            others = [q for q in params if q != p]
            by = others[0] if len(others) == 1 and _few_values(sweep, others[0]) else None
            jobs.append((f"metrics_{slug(p)}.{fmt}", lambda p=p, by=by: metrics_figure(sweep, p, by=by)))
    if kind in ("auto", "sensitivity"):
        if sweep.sensitivity is not None:
            jobs.append((f"sensitivity_indices.{fmt}",
                         lambda: sensitivity_figure(sweep.sensitivity, title=f"{sweep.name}: sensitivity indices")))
        elif kind == "sensitivity":
            raise OrgsimError(f"{sweep.path}: no sensitivity table (sensitivity.csv); run `orgsim sensitivity` first")
    if kind in ("auto", "replicates"):
        long = sweep_bands_long(sweep, points)
        if long is not None:
            jobs.append((f"replicates_points.{fmt}", lambda: bands_figure(long, f"{sweep.name}: replicates per point")))
        elif kind == "replicates":
            raise OrgsimError(f"{sweep.path}: the sweep kept no time series ([keep] timeseries in the sweep file)")
    if not jobs:
        raise OrgsimError(f"{sweep.path}: nothing to chart for --kind {kind}")
    written = []
    with steps(f"{sweep.name}: charts", len(jobs)) as advance:
        for name, draw in jobs:
            advance(0, description=name)
            try:
                written.append(save(draw(), dest / name))
            except Exception as exc:  # noqa: BLE001 - one broken chart must not cost the others
                if errors is None:
                    raise
                errors.append((name, f"{type(exc).__name__}: {exc}"))
            advance(description=name)
    return written


def _few_values(sweep: SweepFolder, key: str, limit: int = 6) -> bool:
    table = sweep.ok_runs() if sweep.ok_runs() is not None else sweep.points
    return table is not None and key in table.columns and table[key].nunique() <= limit
