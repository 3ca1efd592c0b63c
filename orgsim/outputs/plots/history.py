"""History on the time-series charts: a scenario's observations and its labelled events.

A scenario can say what is known of the organisation (``[[observations]]``: dated values of a
time-series column, with a source and a label; see :mod:`orgsim.model.observations`) and what
happened to it (``[[events]]`` with a ``label``). Every time-series chart (the run overview, the
replicate bands and the comparison) draws them the same way:

- an observation is a black diamond at its date and value, with a bar for its tolerance, on the
  panel of its column, labelled with its text (labels that would overlap are stacked); the legend
  says "observed (source)";
- the scenario's events are numbered badges at the top of the first row of panels, on a thin line
  through every panel, and the legend lists each number with its date and label. Events within
  ``MERGE_WEEKS`` of each other are one group (one line, one badge, their labels joined), so
  lines never pile up; badges closer than their width are staggered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orgsim.outputs.plots.palette import OKABE_ITO

MERGE_WEEKS = 6   # events at most this far apart are one labelled group
MAX_LABEL = 46    # characters of an event group's labels in the legend (after its date)
OBS_COLOUR = OKABE_ITO["black"]
BADGE_COLOUR = "#444444"


@dataclass
class Observed:
    week: int
    date: dt.date | None
    column: str
    value: float
    tolerance: float
    label: str
    source: str


@dataclass
class EventGroup:
    number: int
    first: int                  # week of the first event, and of the last
    last: int
    dates: tuple[dt.date | None, dt.date | None]
    labels: list[str]

    def text(self, max_len: int = MAX_LABEL) -> str:
        when = _span(*self.dates) if self.dates[0] else (f"week {self.first}" if self.first == self.last
                                                         else f"weeks {self.first}–{self.last}")
        each = max(14, max_len // len(self.labels))
        return f"{when}: " + _cut("; ".join(_cut(lab, each) for lab in self.labels), max_len)


@dataclass
class History:
    observations: list[Observed] = field(default_factory=list)
    groups: list[EventGroup] = field(default_factory=list)
    start_date: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.observations or self.groups)

    def columns(self) -> set[str]:
        return {o.column for o in self.observations}


def _cut(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _span(a: dt.date, b: dt.date | None) -> str:
    if b is None or a == b:
        return a.isoformat()
    if a.year == b.year:
        return f"{a.isoformat()} – {b.strftime('%m-%d')}"
    return f"{a.isoformat()} – {b.isoformat()}"


def history_of_scenario(scenario, merge_weeks: int = MERGE_WEEKS) -> History:
    """The observations and labelled events of a validated :class:`~orgsim.model.scenario.Scenario`."""
    from orgsim.model.observations import week_of

    start = scenario.start_date
    observed = []
    for o in getattr(scenario, "observations", None) or []:
        week = week_of(scenario, o.date if o.date is not None else o.week)
        observed.append(Observed(int(week), o.date or scenario.week_date(week), o.column, float(o.value),
                                 float(o.tol), o.label or "", o.source or ""))
    labelled = sorted((scenario.event_week(e), e.label) for e in scenario.events if getattr(e, "label", ""))
    groups: list[EventGroup] = []
    for week, label in labelled:
        if groups and week - groups[-1].first <= merge_weeks:
            g = groups[-1]
            g.last = week
            g.labels.append(label)
        else:
            groups.append(EventGroup(len(groups) + 1, week, week, (None, None), [label]))
    for g in groups:
        g.dates = (scenario.week_date(g.first), scenario.week_date(g.last))
    return History(sorted(observed, key=lambda o: (o.week, o.column)), groups, start)


def history_of(folder: str | Path) -> History:
    """The history in a run folder's scenario.toml (empty if there is none or it cannot be read)."""
    from orgsim.errors import OrgsimError
    from orgsim.model.scenario import load_scenario

    path = Path(folder) / "scenario.toml"
    if not path.is_file():
        return History()
    try:
        return history_of_scenario(load_scenario(path))
    except (OrgsimError, OSError, ValueError):
        return History()


# --------------------------------------------------------------------------- drawing
def x_of(start: dt.date | None, use_dates: bool):
    """week -> x on a chart's time axis: a Timestamp when the axis has dates, else the week."""
    if use_dates and start is not None:
        base = pd.Timestamp(start)
        return lambda week: base + pd.Timedelta(weeks=int(week))
    return lambda week: int(week)


def _renderer(fig):
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _within(week: int, weeks) -> bool:
    return weeks is None or weeks[0] <= week <= weeks[1]


def draw_observations(ax, history: History, column: str, x, weeks: tuple[int, int] | None = None) -> list:
    """Markers (and tolerance bars) for the observations of ``column`` on ``ax`` (those within
    ``weeks``, first and last); labels stacked when they would collide. Returns the legend entries used."""
    from matplotlib.lines import Line2D

    obs = [o for o in history.observations if o.column == column and _within(o.week, weeks)]
    if not obs:
        return []
    placed: list[tuple[float, float, int]] = []  # (x pixel start, end, level) of labels already drawn
    lo, hi = ax.get_ylim()
    top = max(o.value + o.tolerance for o in obs)
    if top > hi:  # the axis was fixed to the data: make room for what was observed
        ax.set_ylim(lo, lo + (top - lo) * 1.1)
    renderer = _renderer(ax.figure)
    for o in obs:
        xo = x(o.week)
        ax.errorbar([xo], [o.value], yerr=[[o.tolerance], [o.tolerance]], fmt="D", ms=5, color=OBS_COLOUR,
                    mfc="white", mew=1.3, elinewidth=1.0, capsize=3, zorder=6)
        if not o.label:
            continue
        dx = -6 if _fraction(ax, xo) > 0.7 else 6  # near the right edge the label goes to the left
        text = ax.annotate(_cut(o.label, 40), (xo, o.value), xytext=(dx, 6), textcoords="offset points",
                           fontsize=6.5, color=OBS_COLOUR, zorder=7, va="bottom", ha="right" if dx < 0 else "left",
                           bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
        box = text.get_window_extent(renderer)
        level = 0
        while any(not (box.x1 < a or box.x0 > b) and lv == level for a, b, lv in placed):
            level += 1
        if level:
            text.set_position((dx, 6 + 9 * level))
        placed.append((box.x0, box.x1, level))
    return obs


def observed_entry(drawn: list[Observed]) -> list:
    """One legend entry for every observation drawn: "observed (their sources)"."""
    from matplotlib.lines import Line2D

    if not drawn:
        return []
    sources = sorted({o.source for o in drawn if o.source})
    label = "observed" + (f" ({_cut('; '.join(sources), 34)})" if sources else "")
    return [(Line2D([], [], ls="", marker="D", ms=5, color=OBS_COLOUR, mfc="white", mew=1.3), label)]


def draw_event_lines(ax, history: History, x, badges: bool, weeks: tuple[int, int] | None = None) -> None:
    """A thin line (or band, for a group) per event group on ``ax``; numbered badges on top if ``badges``."""
    groups = visible_groups(history, weeks)
    for g in groups:
        if g.last > g.first:
            ax.axvspan(x(g.first), x(g.last), color=BADGE_COLOUR, alpha=0.12, lw=0, zorder=0.4)
        ax.axvline(x(g.first), color=BADGE_COLOUR, lw=0.7, ls=(0, (1, 1.5)), zorder=0.45)
    if not badges:
        return
    lo, hi = ax.get_ylim()  # headroom at the top of the panel for the badges
    ax.set_ylim(lo, hi + (hi - lo) * 0.16)
    trans = ax.get_xaxis_transform()
    # a badge is about 12 pixels wide; the axes take about 80% of the figure's width
    width = 14.0 / (ax.figure.get_figwidth() * ax.figure.dpi * 0.8)
    right: list[float] = []  # right edge of the last badge on each level, as a fraction of the axis
    for g in groups:
        at = _fraction(ax, x(g.first))
        level = next((i for i, r in enumerate(right) if at - width / 2 > r), len(right))
        if level == len(right):
            right.append(-1.0)
        right[level] = at + width / 2
        ax.text(x(g.first), 0.955 - 0.1 * level, str(g.number), transform=trans, ha="center", va="top",
                fontsize=6, color="white", fontweight="bold", zorder=8,
                bbox=dict(boxstyle="circle,pad=0.15", fc=BADGE_COLOUR, ec="none"))


def _fraction(ax, value) -> float:
    """Where ``value`` lies along the x axis, 0 (left) to 1 (right), whatever the layout does later."""
    lo, hi = ax.get_xlim()
    return (_num(ax, value) - lo) / (hi - lo) if hi > lo else 0.5


def _num(ax, value) -> float:
    """A datetime or number in the axis' own units (matplotlib's date numbers for a date axis)."""
    return float(ax.xaxis.convert_units(value)) if not isinstance(value, (int, float)) else float(value)


def visible_groups(history: History, weeks=None) -> list[EventGroup]:
    return [g for g in history.groups if weeks is None or (g.last >= weeks[0] and g.first <= weeks[1])]


def legend_entries(history: History, weeks=None) -> list:
    """(handle, label) per event group shown: a numbered marker and "date: label"."""
    from matplotlib.lines import Line2D

    return [(Line2D([], [], ls="", marker=f"${g.number}$", ms=6 if g.number < 10 else 8, color=BADGE_COLOUR),
             g.text()) for g in visible_groups(history, weeks)]


def legend_columns(left: list, right: list) -> tuple[list, list, int]:
    """One legend, two columns: ``left`` entries (line kinds, observations), then ``right`` (the
    numbered events), each column padded to the same height; returns handles, labels, ncol."""
    from matplotlib.lines import Line2D

    if not right:
        h, lab = merge_legend(left)
        return h, lab, min(4, len(lab))
    rows = max(len(left), len(right))
    blank = (Line2D([], [], ls=""), "")
    left = list(left) + [blank] * (rows - len(left))
    right = list(right) + [blank] * (rows - len(right))
    return [h for h, _ in left + right], [lab for _, lab in left + right], 2


def merge_legend(*entry_lists) -> tuple[list, list]:
    """Handles and labels of several (handle, label) lists, each label once."""
    seen, handles, labels = set(), [], []
    for entries in entry_lists:
        for h, lab in entries:
            if lab not in seen:
                seen.add(lab)
                handles.append(h)
                labels.append(lab)
    return handles, labels
