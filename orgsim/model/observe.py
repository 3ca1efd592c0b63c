"""What is measured each week (one row per week) and the run's summary.

Events are logged by the agents and submodels themselves (``OrgModel.log``); this module
turns the weekly state into the time series and the run into a summary with an outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.model.state import LEADER, NO_FACTION, ORGANISER

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel

COLUMNS = (
    "members", "leaders", "organisers", "recruits", "resignations", "expulsions", "split_departures",
    "voiced_dissent", "hidden_dissent", "factions", "faction_members", "suspended", "charged",
    "mean_trust", "mean_grievance", "mean_fear", "mean_commitment", "mean_position", "line",
    "old_leadership_share", "dissolved",
)
FLOWS = ("recruits", "resignations", "expulsions", "split_departures")
COUNTS = {"members", "leaders", "organisers", "recruits", "resignations", "expulsions", "split_departures",
          "voiced_dissent", "hidden_dissent", "factions", "faction_members", "suspended", "charged", "dissolved"}

# Outcome thresholds (docs/ODD.md, "Observation"). Growth, decline and collapse need both a level,
# relative to the initial membership (it keeps sampling noise on short runs from reading as a trend),
# and a pace, the annualised rate of change (it keeps a long horizon from turning slow drift into
# growth or decline): growth = doubling within 20 years or faster, decline = halving within 20
# years, collapse = halving within 10 years.
GROWTH, DECLINE, COLLAPSE, SPLIT_SHARE = 1.25, 0.9, 0.5, 0.1
GROWTH_RATE = 2 ** (1 / 20) - 1      # +3.53 % a year
DECLINE_RATE = 2 ** (-1 / 20) - 1    # -3.41 % a year
COLLAPSE_RATE = 2 ** (-1 / 10) - 1   # -6.70 % a year
WEEKS_PER_YEAR = 365.25 / 7


class Recorder:
    def __init__(self, model: "OrgModel"):
        weeks = model.scenario.weeks
        self.data = {c: np.zeros(weeks) for c in COLUMNS}
        self.rows = 0
        self.initial_members = int(model.state.member.sum())

    def record(self, model: "OrgModel") -> None:
        s, w, d = model.state, self.rows, self.data
        member = np.flatnonzero(s.member)  # rows: cheaper to index with than the mask, same order
        n = member.size
        d["members"][w] = n
        role = s.role[member]
        d["leaders"][w] = np.count_nonzero(role == LEADER)
        d["organisers"][w] = np.count_nonzero(role == ORGANISER)
        for f in FLOWS:
            d[f][w] = model.flows[f]
        d["voiced_dissent"][w] = np.count_nonzero(s.voicing[member])
        d["hidden_dissent"][w] = np.count_nonzero(s.hidden[member])
        d["factions"][w] = len(model.factions)
        d["faction_members"][w] = np.count_nonzero(s.faction[member] != NO_FACTION)
        d["suspended"][w] = np.count_nonzero(s.suspended_until[member] > model.week)
        d["charged"][w] = np.count_nonzero(s.charged_week[member] >= 0)
        if n:
            for col, arr in (("mean_trust", s.trust), ("mean_grievance", s.grievance), ("mean_fear", s.fear),
                             ("mean_commitment", s.commitment), ("mean_position", s.pos)):
                d[col][w] = arr[member].mean()
        d["line"][w] = model.line
        d["old_leadership_share"][w] = model.old_leadership_share()
        d["dissolved"][w] = model.dissolved
        self.rows += 1

    def frame(self, model: "OrgModel") -> pd.DataFrame:
        df = pd.DataFrame({"week": np.arange(self.rows)})
        if model.scenario.start_date is not None:
            df["date"] = [model.scenario.week_date(w).isoformat() for w in range(self.rows)]
        for c in COLUMNS:
            col = self.data[c][: self.rows]
            df[c] = col.astype(np.int64) if c in COUNTS else np.round(col, 6)
        return df


# The columns of events.csv after week, date, kind and agent: each event's details, typed, one
# column per variable (empty where a kind has no such detail). A regime or climate change is one
# row per changed key (key, value).
EVENT_FIELDS = (
    ("reason", "why: voiced (grievance, critique), charged (member, provisional), expelled (provisional "
               "membership revoked), resigned (branch disaffiliated), stood_down, regime_change (reform, convention, motion)"),
    ("label", "the scheduled event's label: critique (voiced), scandal, proposal, regime_change"),
    ("grievance", "voiced: the member's grievance (0 to 1, two decimals)"),
    ("faction", "faction id: faction_formed, faction_merged, faction_dissolved, split; expelled or resigned member's faction"),
    ("into", "faction_merged: the faction merged into"),
    ("size", "members of the faction: faction_formed, faction_dissolved, split"),
    ("legal", "faction_formed: whether factions were allowed at that time"),
    ("branch", "disaffiliated: the branch; resigned: the branch that disaffiliated"),
    ("members", "disaffiliated: members who left with the branch; dissolved: members at dissolution"),
    ("severity", "scandal: its severity"),
    ("implicated", "scandal: persons implicated"),
    ("inquiry", "scandal: who investigated (internal, independent)"),
    ("delegates", "convention: delegates"),
    ("approval", "convention: share of delegates approving of the leadership"),
    ("old_share_before", "leadership_change: the old leadership's share of seats before the vote"),
    ("old_share_after", "leadership_change: ... and after it"),
    ("motion", "motion: what it proposes (dissolution, reform)"),
    ("support", "slate_vote: share of delegates for the slate; motion: share of engaged members who want it"),
    ("vote_week", "motion: the week of its vote"),
    ("yes", "dissolution_vote, reform_vote: votes for the motion"),
    ("no", "dissolution_vote, reform_vote: votes against"),
    ("share", "dissolution_vote, reform_vote: share of votes for; proposal: share of delegates for (or seconding)"),
    ("passed", "slate_vote, dissolution_vote, reform_vote: whether it passed"),
    ("result", "proposal: adopted, rejected or not seconded"),
    ("role", "elected: organiser when an organiser took the seat"),
    ("key", "regime_change, climate: the key changed"),
    ("value", "regime_change, climate: its new value"),
)
EVENT_COLUMNS = tuple(name for name, _ in EVENT_FIELDS)


def events_frame(model: "OrgModel") -> pd.DataFrame:
    """events.csv: week, date (with a start_date), kind, agent, then EVENT_COLUMNS."""
    events = model.events
    df = pd.DataFrame({"week": np.array([e[0] for e in events], dtype=np.int64),
                       "kind": [e[1] for e in events],
                       "agent": np.array([e[2] for e in events], dtype=np.int64)})
    if model.scenario.start_date is not None:
        df.insert(1, "date", [model.scenario.week_date(w).isoformat() for w in df["week"]])
    details = [e[3] for e in events]
    unknown = set().union(*details) - set(EVENT_COLUMNS) if details else set()
    if unknown:
        raise ValueError(f"event details without a column in EVENT_FIELDS: {sorted(unknown)}")
    for name in EVENT_COLUMNS:
        df[name] = pd.Series([d.get(name) for d in details], dtype=object, index=df.index)
    return df


def annual_rate(initial: int, final: int, weeks: int) -> float:
    """The annualised rate of change of membership over ``weeks``: (final / initial)^(1/years) - 1."""
    if initial <= 0 or weeks <= 0:
        return 0.0
    if final <= 0:
        return -1.0
    return (final / initial) ** (WEEKS_PER_YEAR / weeks) - 1.0


def classify(initial: int, final: int, dissolved: bool, largest_split: int, *, weeks: int) -> str:
    """Outcome of a run over ``weeks``; precedence dissolved > split > collapse > decline > growth > stable."""
    if dissolved:
        return "dissolved"
    if largest_split >= SPLIT_SHARE * initial:
        return "split"
    rate = annual_rate(initial, final, weeks)
    if final < COLLAPSE * initial and rate <= COLLAPSE_RATE:
        return "collapse"
    if final < DECLINE * initial and rate <= DECLINE_RATE:
        return "decline"
    if final >= GROWTH * initial and rate >= GROWTH_RATE:
        return "growth"
    return "stable"


def summary(model: "OrgModel", ts: pd.DataFrame) -> dict[str, Any]:
    initial = model.recorder.initial_members
    final = int(ts["members"].iloc[-1]) if len(ts) else initial
    kinds = [e[1] for e in model.events]
    largest_split = max(model.splits, default=0)
    return {
        "scenario": model.scenario.name,
        "seed": model.scenario.seed,
        "weeks_run": int(len(ts)),
        "outcome": classify(initial, final, model.dissolved, largest_split, weeks=int(len(ts))),
        "annual_growth": round(annual_rate(initial, final, int(len(ts))), 6),
        "initial_members": initial,
        "final_members": final,
        "peak_members": int(max(initial, ts["members"].max() if len(ts) else initial)),
        "min_members": int(min(initial, ts["members"].min() if len(ts) else initial)),
        "dissolved_week": model.dissolved_week,
        "recruits": int(ts["recruits"].sum()),
        "resignations": int(ts["resignations"].sum()),
        "expulsions": int(ts["expulsions"].sum()),
        "split_departures": int(ts["split_departures"].sum()),
        "splits": len(model.splits),
        "leadership_changes": kinds.count("leadership_change"),
        "seat_turnover": model.seat_changes,
        "regime_changes": model.regime_changes,
        "factions_formed": model.factions_formed,
        "conventions": model.conventions_held,
        "dissolution_votes": model.dissolution_votes,
        "reform_votes": model.reform_votes,
        "final_voiced_dissent": int(ts["voiced_dissent"].iloc[-1]) if len(ts) else 0,
        "final_hidden_dissent": int(ts["hidden_dissent"].iloc[-1]) if len(ts) else 0,
        "final_mean_trust": float(ts["mean_trust"].iloc[-1]) if len(ts) else None,
        "final_old_leadership_share": float(ts["old_leadership_share"].iloc[-1]) if len(ts) else None,
        "orgsim_version": model.version,
    }
