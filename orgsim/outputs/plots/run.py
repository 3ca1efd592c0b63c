"""Charts of one run: membership by role, membership flows, voiced versus hidden dissent, trust and
grievance, factions; key events marked on every panel, calendar dates when the run has them.

Each panel is a function drawing on a given Axes (so the dashboard and the comparison charts reuse
them); :func:`overview_figure` stacks them and returns the Figure for inspection or saving.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from orgsim.outputs.plots.events import mark_events, normalise
from orgsim.outputs.plots.style import (OKABE_ITO, ROLE_COLOURS, finish_time_axis, new_figure, save, styled,
                                x_values)

PANELS = ("membership", "flows", "dissent", "levels", "factions")
# time-series columns drawn on each panel's own (left) axis: where observations of them are marked
OBSERVED_ON = {"membership": ("members",), "dissent": ("voiced_dissent", "hidden_dissent", "charged"),
               "levels": ("mean_trust", "mean_grievance", "old_leadership_share"), "factions": ("faction_members",)}


def _finish_right_axis(ax, ax2) -> None:
    """A right-hand count axis beside ``ax``, with one legend for both."""
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.spines["right"].set_visible(True)
    ax2.spines["top"].set_visible(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    legend_top_right(ax, h1 + h2, l1 + l2)

def legend_top_right(ax, handles=None, labels=None) -> None:
    """Legend on the title row, right-aligned, so it never hides data."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(labels), frameon=False,
              borderaxespad=0.1, handlelength=1.6, columnspacing=1.0, fontsize=7.5)


def flow_period(weeks: int) -> int:
    """Bin width of the flow bars: four weeks for short runs, a quarter (13 weeks) otherwise."""
    return 4 if weeks <= 156 else 13


def plot_membership(ax, ts: pd.DataFrame) -> None:
    x, _ = x_values(ts)
    rank_and_file = ts["members"] - ts["organisers"] - ts["leaders"]
    ax.plot(x, ts["members"], color=OKABE_ITO["black"], lw=1.6, label="all members")
    ax.plot(x, rank_and_file, color=ROLE_COLOURS["member"], lw=1.0, label="rank and file")
    ax.set_ylabel("members (persons)")
    ax.set_ylim(bottom=0)
    # staff are a handful: on their own axis so that their changes are visible
    ax2 = ax.twinx()
    ax2.step(x, ts["organisers"], where="post", color=ROLE_COLOURS["organiser"], lw=1.1, label="organisers")
    ax2.step(x, ts["leaders"], where="post", color=ROLE_COLOURS["leader"], lw=1.1, label="leaders")
    ax2.set_ylabel("staff (persons)")
    ax2.set_ylim(0, max(1, ts["organisers"].max(), ts["leaders"].max()) * 1.15)
    _finish_right_axis(ax, ax2)


def flows_table(ts: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Flows summed over periods of ``flow_period`` weeks; one row per period (column week: its start)."""
    period = flow_period(len(ts))
    bins = (ts["week"] - ts["week"].iloc[0]) // period
    cols = ["recruits", "resignations", "expulsions", "split_departures"]
    agg = ts.groupby(bins)[cols].sum()
    agg["week"] = ts.groupby(bins)["week"].first()
    if "date" in ts.columns:
        agg["date"] = ts.groupby(bins)["date"].first()
    return agg.reset_index(drop=True), period


def plot_flows(ax, ts: pd.DataFrame) -> None:
    """Recruits above zero, departures (resignations, expulsions, split departures) stacked below."""
    agg, period = flows_table(ts)
    if "date" in ts.columns:
        x = pd.to_datetime(agg["date"]) + pd.Timedelta(weeks=period / 2)
        width = pd.Timedelta(weeks=period * 0.85)
    else:
        x = agg["week"] + period / 2
        width = period * 0.85
    ax.bar(x, agg["recruits"], width=width, color=OKABE_ITO["green"], label="recruits")
    bottom = np.zeros(len(agg))
    for col, colour, label in (("resignations", OKABE_ITO["sky"], "resignations"),
                               ("expulsions", OKABE_ITO["vermillion"], "expulsions"),
                               ("split_departures", OKABE_ITO["orange"], "split departures")):
        ax.bar(x, -agg[col], width=width, bottom=bottom, color=colour, label=label)
        bottom -= agg[col].to_numpy()
    ax.axhline(0, color=OKABE_ITO["black"], lw=0.6)
    ax.set_ylabel(f"persons per {period} weeks")
    legend_top_right(ax)


def plot_dissent(ax, ts: pd.DataFrame) -> None:
    x, _ = x_values(ts)
    ax.plot(x, ts["voiced_dissent"], color=OKABE_ITO["vermillion"], label="voiced dissent")
    ax.plot(x, ts["hidden_dissent"], color=OKABE_ITO["purple"], ls="--", label="hidden dissent")
    if "charged" in ts.columns:
        ax.plot(x, ts["charged"], color=OKABE_ITO["black"], lw=0.8, ls=":", label="under charge")
    ax.set_ylabel("members (persons)")
    ax.set_ylim(bottom=0)
    legend_top_right(ax)


def plot_levels(ax, ts: pd.DataFrame) -> None:
    x, _ = x_values(ts)
    ax.plot(x, ts["mean_trust"], color=OKABE_ITO["blue"], label="mean trust in leadership")
    ax.plot(x, ts["mean_grievance"], color=OKABE_ITO["vermillion"], label="mean grievance")
    if "old_leadership_share" in ts.columns:
        ax.step(x, ts["old_leadership_share"], where="post", color=OKABE_ITO["grey"], lw=1,
                label="old leaders' share of seats")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("level (0 to 1)")
    legend_top_right(ax)


def plot_factions(ax, ts: pd.DataFrame) -> None:
    x, _ = x_values(ts)
    ax.plot(x, ts["faction_members"], color=OKABE_ITO["green"], label="members in factions")
    ax.set_ylabel("members (persons)")
    ax.set_ylim(0, max(10, ts["faction_members"].max()) * 1.1)
    ax2 = ax.twinx()
    ax2.step(x, ts["factions"], where="post", color=OKABE_ITO["orange"], lw=1, label="factions")
    ax2.set_ylabel("factions (count)")
    ax2.set_ylim(0, max(1, ts["factions"].max()) + 1)
    _finish_right_axis(ax, ax2)


DRAW = {"membership": plot_membership, "flows": plot_flows, "dissent": plot_dissent,
        "levels": plot_levels, "factions": plot_factions}
TITLES = {"membership": "Members by role", "flows": "Membership flows", "dissent": "Voiced and hidden dissent",
          "levels": "Trust and grievance", "factions": "Factions"}


def run_title(summary: dict) -> str:
    return f"{summary.get('scenario', 'run')} (seed {summary.get('seed', '?')}): outcome {summary.get('outcome', '?')}"


@styled
def overview_figure(ts: pd.DataFrame, events: pd.DataFrame, summary: dict, panels=PANELS, history=None):
    """All run panels stacked on a shared time axis, key events marked; returns the Figure.

    ``history`` (:func:`orgsim.outputs.plots.history.history_of`): the scenario's observations as
    markers on their panels and its labelled events as numbered lines, listed in the legend."""
    from orgsim.outputs.plots import history as hist

    events = normalise(events)
    history = history or hist.History()
    weeks = (int(ts["week"].min()), int(ts["week"].max())) if len(ts) else None
    x = hist.x_of(history.start_date, "date" in ts.columns)
    n_history = len(hist.visible_groups(history, weeks))
    fig, axes = new_figure(len(panels), 1, height=1.9 * len(panels) + 0.8 + 0.1 * max(0, n_history - 4), sharex=True)
    legend, observed = [], []
    for i, (ax, name) in enumerate(zip(axes[:, 0], panels)):
        DRAW[name](ax, ts)
        ax.set_title(TITLES[name], loc="left")
        legend = mark_events(ax, ts, events) or legend
        if history:
            for column in OBSERVED_ON.get(name, ()):
                observed += hist.draw_observations(ax, history, column, x, weeks)
            hist.draw_event_lines(ax, history, x, badges=(i == 0), weeks=weeks)
    last = axes[-1, 0]
    last.set_xlabel(x_values(ts)[1])
    finish_time_axis(last, ts)
    fig.suptitle(run_title(summary))
    left = list(zip(*hist.merge_legend(legend, hist.observed_entry(observed))))
    handles, labels, ncol = hist.legend_columns(left, hist.legend_entries(history, weeks))
    if labels:
        title = "events" + (" and observations" if observed else "") + \
            ("; the scenario's events, numbered on the top panel" if n_history else "")
        fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, title=title,
                   fontsize=7 if n_history else None)
    return fig


def overview(ts: pd.DataFrame, events: pd.DataFrame, summary: dict, path: Path) -> Path:
    """Write the overview chart (kept for orgsim.runs.run, which calls it with a path)."""
    return save(overview_figure(ts, events, summary), path)
