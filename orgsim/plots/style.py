"""Shared chart style: Okabe-Ito colour-blind-safe palette, paper-readable sizes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000", "grey": "#999999",
}
EVENT_COLOURS = {
    "convention": OKABE_ITO["grey"], "scandal": OKABE_ITO["vermillion"], "critique": OKABE_ITO["purple"],
    "leadership_change": OKABE_ITO["blue"], "regime_change": OKABE_ITO["green"], "split": OKABE_ITO["orange"],
    "dissolved": OKABE_ITO["black"], "expelled": OKABE_ITO["vermillion"],
}
RC = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
      "axes.spines.top": False, "axes.spines.right": False, "savefig.dpi": 150}


def x_values(ts: pd.DataFrame):
    """Calendar dates when the run has them, weeks otherwise; and the axis label."""
    if "date" in ts.columns:
        return pd.to_datetime(ts["date"]), "date"
    return ts["week"], "week"


def event_x(ts: pd.DataFrame, weeks):
    if "date" in ts.columns:
        start = pd.to_datetime(ts["date"].iloc[0])
        return [start + pd.Timedelta(weeks=int(w)) for w in weeks]
    return list(weeks)


def finish_time_axis(ax, ts: pd.DataFrame) -> None:
    if "date" in ts.columns:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))


__all__ = ["plt", "OKABE_ITO", "EVENT_COLOURS", "RC", "x_values", "event_x", "finish_time_axis"]
