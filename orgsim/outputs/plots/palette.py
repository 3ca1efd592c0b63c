"""Colours and time-axis helpers shared by charts and reports, without importing matplotlib.

Writing a run's outputs without charts (report.html's key-event table) needs these but not
matplotlib, whose import costs about half a second; :mod:`orgsim.outputs.plots.style` re-exports them.
"""

from __future__ import annotations

import pandas as pd

OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000", "grey": "#999999",
}
# Colour cycle for several series of the same kind (points, replicate groups, factions).
CYCLE = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]
EVENT_COLOURS = {
    "convention": OKABE_ITO["grey"], "scandal": OKABE_ITO["vermillion"], "critique": OKABE_ITO["purple"],
    "leadership_change": OKABE_ITO["blue"], "regime_change": OKABE_ITO["green"], "split": OKABE_ITO["orange"],
    "dissolved": OKABE_ITO["black"], "expelled": OKABE_ITO["vermillion"],
}
ROLE_COLOURS = {"member": OKABE_ITO["grey"], "organiser": OKABE_ITO["orange"], "leader": OKABE_ITO["blue"]}
OUTCOME_COLOURS = {
    "growth": OKABE_ITO["green"], "stable": OKABE_ITO["sky"], "decline": OKABE_ITO["yellow"],
    "collapse": OKABE_ITO["orange"], "split": OKABE_ITO["purple"], "dissolved": OKABE_ITO["black"],
}
# Sequential map for probabilities (perceptually uniform, readable in grey) and a diverging one for
# political positions (0 to 1 around the line at 0.5).
PROB_CMAP = "cividis"
POSITION_CMAP = "PuOr"


def x_values(ts: pd.DataFrame):
    """Calendar dates when the run has them, weeks otherwise; and the axis label."""
    if "date" in ts.columns:
        return pd.to_datetime(ts["date"]), "date"
    return ts["week"], "week"


def event_x(ts: pd.DataFrame, weeks):
    if "date" in ts.columns:
        start = pd.to_datetime(ts["date"].iloc[0]) - pd.Timedelta(weeks=int(ts["week"].iloc[0]))
        return [start + pd.Timedelta(weeks=int(w)) for w in weeks]
    return list(weeks)
