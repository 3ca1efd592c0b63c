"""Shared chart style: Okabe-Ito colour-blind-safe palette, paper-readable sizes."""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from orgsim.outputs.plots.palette import (CYCLE, EVENT_COLOURS, OKABE_ITO, OUTCOME_COLOURS, POSITION_CMAP,  # noqa: E402,F401
                                  PROB_CMAP, ROLE_COLOURS, event_x, x_values)

RC = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
      "axes.spines.top": False, "axes.spines.right": False, "savefig.dpi": 150,
      "svg.fonttype": "none"}
FORMATS = ("png", "svg")


def styled(func):
    """Build a chart inside the house rc context (fonts, spines), without touching global rcParams."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with plt.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 7.5, height: float = 3.2, **kw):
    """A figure sized for a paper page (7.5 in wide), outside pyplot's global figure registry.

    Using ``Figure`` directly (not ``plt.subplots``) keeps charts thread-safe in the dashboard and
    means nobody has to remember ``plt.close``. Call it inside a :func:`styled` function.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def save(fig: Figure, path: Path) -> Path:
    """Write a figure; the format follows the file suffix (.png or .svg)."""
    path = Path(path)
    with plt.rc_context(RC):
        fig.savefig(path, dpi=RC["savefig.dpi"])
    return path


def finish_time_axis(ax, ts: pd.DataFrame, maxticks: int = 10) -> None:
    if "date" in ts.columns:
        date_axis(ax, maxticks)


def date_axis(ax, maxticks: int = 10) -> None:
    """Concise calendar ticks (years, then months) that do not collide in narrow panels."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def slug(text: str) -> str:
    """A file-name-safe version of a parameter or metric name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in str(text)).strip("_") or "x"


__all__ = ["plt", "Figure", "OKABE_ITO", "CYCLE", "EVENT_COLOURS", "ROLE_COLOURS", "OUTCOME_COLOURS", "PROB_CMAP",
           "POSITION_CMAP", "RC", "FORMATS", "styled", "new_figure", "save", "x_values", "event_x", "finish_time_axis", "date_axis", "slug"]
