"""Observed data in a scenario file: dated values of time-series columns and qualitative patterns.

A scenario may carry what is known of the organisation it describes::

    [[observations]]            # a dated value of a time-series column
    column = "members"          # any timeseries.csv column
    date = "2013-06-03"         # or week = 230 (date needs start_date)
    value = 1500
    tolerance = 300             # absolute; default 10% of |value| (1 when value is 0)
    source = "cases.md §1"
    label = "about 1,500 at its peak"

    [[patterns]]                # a qualitative pattern
    kind = "outcome"            # outcome | vote_share | split_size | event_count
    outcome = "dissolved"
    by = "2019-04-15"           # date or week: the pattern holds by then (default: the horizon)

Observations and patterns never affect the simulation: the model does not read them. Calibration,
validation and charts do. :func:`score` judges one run's outputs (the time series, the events and
the summary that ``orgsim run`` writes) against them: per item, a hit or a miss and a distance
(0 on a hit; see :class:`Score`).

This module declares the schema; :mod:`orgsim.model.scenario` assembles it into the scenario and
checks what needs the whole scenario (dates against ``start_date``, weeks against the horizon).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import pandas as pd
from pydantic import Field, field_validator, model_validator

from orgsim.model.observe import COLUMNS, COUNTS, SPLIT_SHARE, classify
from orgsim.model.schema import Date, Strict

if TYPE_CHECKING:
    from orgsim.model.scenario import Scenario

When = Union[int, Date]  # a week (0-based) or a calendar date (needs start_date)

OUTCOMES = ("dissolved", "survives", "split", "no_split", "collapse", "decline", "growth", "stable")
VOTES = ("dissolution", "slate", "proposal")
PATTERN_KINDS = ("outcome", "vote_share", "split_size", "event_count")
DEFAULT_TOLERANCE = 0.1  # share of |value| when no tolerance is given


# --------------------------------------------------------------------------- schema
class Observation(Strict):
    column: str = Field(description="A time-series column (a column of timeseries.csv, e.g. members, expulsions).")
    week: int | None = Field(None, ge=0, description="Week of the observation (0-based); give this or date.")
    date: Date | None = Field(None, description="Calendar date of the observation (needs start_date); give this or week.")
    value: float = Field(description="The observed value.")
    tolerance: float | None = Field(
        None, gt=0, description="Absolute tolerance: a run within it is a hit. Default: 10% of |value| (1 when value is 0).")
    source: str = Field("", max_length=500, description="Where the value comes from.")
    label: str = Field("", max_length=200, description="Free text shown in charts and reports.")

    @field_validator("column")
    @classmethod
    def _column(cls, v: str) -> str:
        if v not in COLUMNS:
            raise ValueError(f"not a recorded time-series column; allowed: {', '.join(COLUMNS)}")
        return v

    @model_validator(mode="after")
    def _one_time(self) -> "Observation":
        if (self.week is None) == (self.date is None):
            raise ValueError("give exactly one of 'week' or 'date'")
        return self

    @property
    def tol(self) -> float:
        if self.tolerance is not None:
            return self.tolerance
        return DEFAULT_TOLERANCE * abs(self.value) if self.value else 1.0


class PatternBase(Strict):
    by: When | None = Field(None, description="Date or week by which the pattern holds (default: the horizon).")
    source: str = Field("", max_length=500, description="Where the pattern comes from.")
    label: str = Field("", max_length=200, description="Free text shown in charts and reports.")

    def times(self) -> list[tuple[str, When]]:
        return [("by", self.by)] if self.by is not None else []


class Band(PatternBase):
    min: float | None = Field(None, description="Lowest value that passes (at least one of min and max).")
    max: float | None = Field(None, description="Highest value that passes.")
    after: When | None = Field(None, description="Date or week from which the pattern is measured (default: week 0).")

    @model_validator(mode="after")
    def _band(self):
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self

    def times(self) -> list[tuple[str, When]]:
        return ([("after", self.after)] if self.after is not None else []) + super().times()


class OutcomePattern(PatternBase):
    kind: Literal["outcome"]
    outcome: Literal[OUTCOMES] = Field(  # type: ignore[valid-type]
        description="dissolved; survives (not dissolved); split (a split of at least 10% of the initial members) or "
                    "no_split; or the outcome class at `by` (collapse, decline, growth, stable: docs/ODD.md, Observation).")


class VoteSharePattern(Band):
    kind: Literal["vote_share"]
    vote: Literal[VOTES] = Field("dissolution", description="Which vote: the share in favour at the last such vote "
                                                           "between `after` and `by` (events.csv).")
    min: float | None = Field(None, ge=0.0, le=1.0, description="Lowest share that passes.")
    max: float | None = Field(None, ge=0.0, le=1.0, description="Highest share that passes.")


class SplitSizePattern(Band):
    kind: Literal["split_size"]
    unit: Literal["share", "members"] = Field(
        "share", description="share: the largest split between `after` and `by`, as a share of the members the week "
                             "before it; members: its size in members (0 when nothing split).")


class EventCountPattern(Band):
    kind: Literal["event_count"]
    event: str = Field(min_length=1, max_length=60,
                       description="The events.csv kind counted between `after` and `by` (e.g. expelled, resigned).")


Pattern = Annotated[Union[OutcomePattern, VoteSharePattern, SplitSizePattern, EventCountPattern],
                    Field(discriminator="kind")]


def week_of(scenario: "Scenario", when: When) -> int:
    """A week, or the week of a date (``start_date`` given)."""
    if isinstance(when, dt.date):
        return (when - scenario.start_date).days // 7
    return when


def check(scenario: "Scenario") -> None:
    """Whole-scenario checks (raised as ValueError naming the item, key and value, and what is allowed)."""
    last = scenario.weeks - 1
    items = [(f"observations[{i}]", [("date" if o.date else "week", o.date or o.week)])
             for i, o in enumerate(scenario.observations)]
    items += [(f"patterns[{i}]", p.times()) for i, p in enumerate(scenario.patterns)]
    for name, times in items:
        weeks = {}
        for key, when in times:
            if isinstance(when, dt.date) and scenario.start_date is None:
                raise ValueError(f"{name}.{key} = {when.isoformat()!r}: a date needs the scenario's start_date "
                                 f"(or give a week)")
            w = weeks[key] = week_of(scenario, when)
            if not 0 <= w <= last:
                shown = when.isoformat() if isinstance(when, dt.date) else when
                raise ValueError(f"{name}.{key} = {shown!r} falls at week {w}; allowed: the horizon 0..{last}")
        if "after" in weeks and "by" in weeks and weeks["after"] > weeks["by"]:
            raise ValueError(f"{name}.after (week {weeks['after']}) is after its `by` (week {weeks['by']})")


# --------------------------------------------------------------------------- scoring
@dataclass
class Score:
    """One observation or pattern judged on one run.

    For an observation ``distance`` is |simulated - value| / tolerance (a hit when at most 1); for a
    pattern it is 0 on a hit: for a band, how far outside
    the band the simulated value lies, in units of the band's width (or of 10% of the bound, at
    least 1e-9, for a one-sided or zero-width band); for an outcome, 0 or 1.
    """

    item: str            # "observations[0]", "patterns[2]"
    kind: str            # "observation" or the pattern kind
    label: str
    target: str          # what was asked, e.g. "members = 1500 ± 300 at week 230"
    simulated: float | None
    hit: bool
    distance: float


def _value_at(ts: pd.DataFrame, column: str, week: int, dissolved: bool) -> float:
    """A column's value at a week; after a dissolution counts are 0 and means keep their last value."""
    if week < len(ts):
        return float(ts[column].iloc[week])
    if len(ts) == 0:
        return 0.0 if column in COUNTS else math.nan
    if dissolved:
        if column == "dissolved":
            return 1.0
        if column in COUNTS:
            return 0.0
    return float(ts[column].iloc[-1])


def _band(x: float | None, lo: float | None, hi: float | None) -> tuple[bool, float]:
    if x is None or math.isnan(x):
        return False, math.inf
    width = (hi - lo) if lo is not None and hi is not None else 0.0
    scale = max(width, 0.1 * max(abs(lo or 0.0), abs(hi or 0.0)), 1e-9)
    if lo is not None and x < lo:
        return False, (lo - x) / scale
    if hi is not None and x > hi:
        return False, (x - hi) / scale
    return True, 0.0


def _values(rows: pd.DataFrame, key: str) -> list[float]:
    """One detail of each event row, as numbers: the ``key`` column of events.csv, or (run folders
    of an orgsim before events.csv had detail columns) ``key=value`` in the detail text; a
    proposal's share there was the number in brackets at the end."""
    if key in rows.columns:
        return [float(v) for v in pd.to_numeric(rows[key], errors="coerce") if not math.isnan(v)]
    if "detail" not in rows.columns:
        return []
    if key == "share" and len(rows) and (rows["kind"] == "proposal").all():
        found = rows["detail"].map(lambda t: re.search(r"\(([\d.]+)\)\s*$", str(t)))
    else:
        found = rows["detail"].map(lambda t: re.search(rf"\b{key}=([-\d.]+)", str(t)))
    return [float(m.group(1)) for m in found if m]


def _band_text(p: Band, what: str) -> str:
    if p.min is not None and p.max is not None:
        return f"{p.min:g} <= {what} <= {p.max:g}"
    return f"{what} >= {p.min:g}" if p.min is not None else f"{what} <= {p.max:g}"


def score(scenario: "Scenario", timeseries: pd.DataFrame, events: pd.DataFrame,
          summary: dict[str, Any]) -> list[Score]:
    """Judge one run's outputs against the scenario's observations and patterns (pure: reads only
    its arguments; ``events`` needs the columns of events.csv: week, kind and the details used,
    size, share, support)."""
    dissolved_week = summary.get("dissolved_week")
    initial = summary["initial_members"]
    horizon = scenario.weeks - 1
    out: list[Score] = []
    for i, o in enumerate(scenario.observations):
        w = week_of(scenario, o.date or o.week)
        x = _value_at(timeseries, o.column, w, dissolved_week is not None and dissolved_week <= w)
        d = abs(x - o.value) / o.tol if not math.isnan(x) else math.inf
        when = f"week {w}" + (f" ({o.date.isoformat()})" if o.date else "")
        out.append(Score(f"observations[{i}]", "observation", o.label,
                         f"{o.column} = {o.value:g} ± {o.tol:g} at {when}", x, d <= 1.0, d))
    for i, p in enumerate(scenario.patterns):
        by = horizon if p.by is None else week_of(scenario, p.by)
        after = 0 if getattr(p, "after", None) is None else week_of(scenario, p.after)
        window = events[(events["week"] >= after) & (events["week"] <= by)]
        name = f"patterns[{i}]"
        if isinstance(p, OutcomePattern):
            dissolved = dissolved_week is not None and dissolved_week <= by
            splits = _values(window[window["kind"] == "split"], "size")
            largest = int(max(splits)) if splits else 0
            split = largest >= SPLIT_SHARE * initial
            members = int(_value_at(timeseries, "members", by, dissolved))
            cls = classify(initial, members, dissolved, largest, weeks=min(by, len(timeseries) - 1) + 1)
            hit = {"dissolved": dissolved, "survives": not dissolved, "split": split,
                   "no_split": not split}.get(p.outcome, cls == p.outcome)
            out.append(Score(name, p.kind, p.label, f"{p.outcome} by week {by}", float(hit), hit, 0.0 if hit else 1.0))
            continue
        if isinstance(p, VoteSharePattern):
            kind, key = {"dissolution": ("dissolution_vote", "share"), "slate": ("slate_vote", "support"),
                         "proposal": ("proposal", "share")}[p.vote]
            vals = _values(window[window["kind"] == kind], key)
            x = vals[-1] if vals else None
            what = f"{p.vote} vote share"
        elif isinstance(p, SplitSizePattern):
            rows = window[window["kind"] == "split"]
            x = 0.0
            for week, size in zip(rows["week"], _values(rows, "size") if len(rows) else []):
                if p.unit == "share":
                    before = _value_at(timeseries, "members", max(0, int(week) - 1), False)
                    size = size / before if before else 0.0
                x = max(x, size)
            what = "largest split" + (" (share)" if p.unit == "share" else " (members)")
        else:  # EventCountPattern
            x = float((window["kind"] == p.event).sum())
            what = f"{p.event} events"
        hit, d = _band(x, p.min, p.max)
        out.append(Score(name, p.kind, p.label, f"{_band_text(p, what)} in weeks {after}..{by}", x, hit, d))
    return out


def score_frame(scores: list[Score]) -> pd.DataFrame:
    """Scores as a table (one row per item)."""
    return pd.DataFrame([s.__dict__ for s in scores],
                        columns=["item", "kind", "label", "target", "simulated", "hit", "distance"])
