"""Replicates: median and 5-95% bands over runs of one scenario (or of each of several groups).

Used for several run folders of one scenario (different seeds), for a sweep's
timeseries.parquet (one group per point) and, with one group per scenario, for comparing a
scenario with its counterfactual on the same axes. Quantiles come from pandas and are drawn with
``fill_between`` (the measured fast path; seaborn's bootstrap took 70 times longer).

A run that dissolves (or empties) stops early. Counts of persons are carried on at zero after its
end, so that the bands describe all replicates; levels such as mean trust are undefined there and
the bands describe the runs still going.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from orgsim.errors import OrgsimError
from orgsim.model.observe import COUNTS
from orgsim.outputs.folders import RunFolder
from orgsim.outputs.plots.style import CYCLE, date_axis, new_figure, styled

# (metric, panel title, y label)
METRICS = (
    ("members", "Members", "members (persons)"),
    ("voiced_dissent", "Voiced dissent", "members (persons)"),
    ("hidden_dissent", "Hidden dissent", "members (persons)"),
    ("faction_members", "Members in factions", "members (persons)"),
    ("mean_trust", "Mean trust in leadership", "level (0 to 1)"),
    ("mean_grievance", "Mean grievance", "level (0 to 1)"),
)
LO, HI = 0.05, 0.95


def stack_runs(runs: list[RunFolder], group_of=lambda r: r.scenario_name) -> pd.DataFrame:
    """One long frame: group, replicate, week, date (if any) and the time-series columns."""
    if not runs:
        raise OrgsimError("no runs to stack")
    frames = []
    for i, r in enumerate(runs):
        df = r.timeseries.copy()
        df.insert(0, "replicate", f"{r.seed}#{i}")
        df.insert(0, "group", group_of(r))
        frames.append(df)
    return pad_ended(pd.concat(frames, ignore_index=True))


def pad_ended(long: pd.DataFrame) -> pd.DataFrame:
    """Carry counts on at zero after a run ends early, up to the last week of any run."""
    out = []
    horizon = int(long["week"].max())  # one horizon for all groups, so a scenario and its counterfactual align
    for group, g in long.groupby("group", sort=False):
        for _, r in g.groupby("replicate", sort=False):
            last = int(r["week"].max())
            if last < horizon:
                extra = pd.DataFrame({"week": np.arange(last + 1, horizon + 1)})
                extra["group"], extra["replicate"] = group, r["replicate"].iloc[0]
                for c in r.columns:
                    if c in COUNTS and c != "dissolved":
                        extra[c] = 0
                if "dissolved" in r.columns:
                    extra["dissolved"] = r["dissolved"].iloc[-1]
                r = pd.concat([r, extra], ignore_index=True)
            out.append(r)
    long = pd.concat(out, ignore_index=True)
    if "date" in long.columns:
        # dates of padded weeks follow from the group's first date
        start = pd.to_datetime(long.groupby("group")["date"].transform("first")) \
            - pd.to_timedelta(long.groupby("group")["week"].transform("first") * 7, unit="D")
        long["date"] = (start + pd.to_timedelta(long["week"] * 7, unit="D")).dt.strftime("%Y-%m-%d")
    return long


def bands(long: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per group and week: median, 5% and 95% quantiles of ``metric`` and the number of runs."""
    g = long.groupby(["group", "week"], sort=False)[metric]
    q = g.quantile([LO, 0.5, HI]).unstack()
    q.columns = ["lo", "median", "hi"]
    q["n"] = g.count()
    return q.reset_index()


def _time(long: pd.DataFrame, weeks: pd.Series):
    """Dates when every group has them and they share one start; weeks otherwise."""
    if "date" in long.columns and long["date"].notna().all():
        starts = long[long["week"] == long["week"].min()].groupby("group")["date"].first().unique()
        if len(starts) == 1:
            return pd.to_datetime(starts[0]) + pd.to_timedelta(weeks * 7, unit="D"), "date"
    return weeks, "week"


def group_sizes(long: pd.DataFrame) -> dict:
    return long.groupby("group", sort=False)["replicate"].nunique().to_dict()


@styled
def bands_figure(long: pd.DataFrame, title: str, metrics=METRICS, labels: dict | None = None, history=None):
    """A grid of panels, one per metric; each group a colour, median line and 5-95% band.

    ``history`` (:func:`orgsim.outputs.plots.history.history_of`): the scenario's observations as
    markers on the panels of their columns, its labelled events as numbered lines."""
    from matplotlib.patches import Patch

    from orgsim.outputs.plots import history as hist

    history = history or hist.History()
    sizes = group_sizes(long)
    groups = list(sizes)
    metrics = [m for m in metrics if m[0] in long.columns]
    if not metrics:
        raise OrgsimError("none of the charted time-series columns is present")
    ncols = 2 if len(metrics) > 1 else 1
    nrows = int(np.ceil(len(metrics) / ncols))
    fig, axes = new_figure(nrows, ncols, height=2.2 * nrows + 0.9 + 0.18 * len(groups), sharex=True)
    xlabel = "week"
    weeks = (int(long["week"].min()), int(long["week"].max()))
    observed = []
    for i, (ax, (metric, panel, ylabel)) in enumerate(zip(axes.flat, metrics)):
        b = bands(long, metric)
        for k, group in enumerate(groups):
            gb = b[b["group"] == group]
            x, xlabel = _time(long, gb["week"])
            colour = CYCLE[k % len(CYCLE)]
            ax.plot(x, gb["median"], color=colour, lw=1.4)
            if sizes[group] > 1:
                ax.fill_between(x, gb["lo"], gb["hi"], color=colour, alpha=0.2, lw=0)
        ax.set_title(panel, loc="left")
        ax.set_ylabel(ylabel)
        if metric.startswith("mean_"):
            ax.set_ylim(-0.02, 1.02)
        else:
            ax.set_ylim(bottom=0)
        if history:
            x_hist = hist.x_of(history.start_date, xlabel == "date")
            observed += hist.draw_observations(ax, history, metric, x_hist, weeks)
            hist.draw_event_lines(ax, history, x_hist, badges=i < ncols, weeks=weeks)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    for ax in axes.flat[max(0, len(metrics) - ncols):len(metrics)]:
        ax.set_xlabel(xlabel)
        ax.xaxis.set_tick_params(labelbottom=True)
        if xlabel == "date":
            date_axis(ax, maxticks=6)
    handles, names = [], []
    for k, group in enumerate(groups):
        colour = CYCLE[k % len(CYCLE)]
        line = Line2D([], [], color=colour, lw=1.4)
        handles.append((Patch(color=colour, alpha=0.2, lw=0), line) if sizes[group] > 1 else line)
        n = sizes[group]
        names.append(f"{(labels or {}).get(group, group)} ({n} run{'s' if n > 1 else ''})")
    wide = max(len(n) for n in names) > 45
    numbered = hist.legend_entries(history, weeks)
    if numbered or observed:  # groups (and observations) in the first column, the scenario's events in the second
        left = list(zip(handles, names)) + hist.observed_entry(observed)
        if wide:  # long group names: everything in one column
            handles, names, ncol = [h for h, _ in left + numbered], [n for _, n in left + numbered], 1
        else:
            handles, names, ncol = hist.legend_columns(left, numbered)
        fig.legend(handles, names, loc="outside lower center", ncol=ncol, frameon=False, fontsize=7,
                   title="the scenario's events are numbered on the top panels" if numbered else None,
                   title_fontsize=7.5)
    else:
        fig.legend(handles, names, loc="outside lower center", ncol=1 if wide else min(3, len(names)), frameon=False)
    banded = any(n > 1 for n in sizes.values())
    fig.suptitle(title + ("\n(lines: median; shaded: 5–95% of runs)" if banded else ""), fontsize=10)
    return fig


def replicates_title(long: pd.DataFrame) -> str:
    sizes = group_sizes(long)
    if len(sizes) == 1:
        (group, n), = sizes.items()
        return f"{group}: {n} replicates"
    return " vs ".join(map(str, sizes))
