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

# Outcome thresholds, relative to the initial membership (docs/ODD.md, "Observation").
GROWTH, DECLINE, COLLAPSE, SPLIT_SHARE = 1.25, 0.9, 0.5, 0.1


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


def events_frame(model: "OrgModel") -> pd.DataFrame:
    df = pd.DataFrame(model.events, columns=["week", "kind", "agent", "detail"])
    if model.scenario.start_date is not None:
        df.insert(1, "date", [model.scenario.week_date(w).isoformat() for w in df["week"]])
    return df


def classify(initial: int, final: int, dissolved: bool, largest_split: int) -> str:
    """Outcome of a run; precedence dissolved > split > collapse > decline > growth > stable."""
    if dissolved:
        return "dissolved"
    if largest_split >= SPLIT_SHARE * initial:
        return "split"
    if final < COLLAPSE * initial:
        return "collapse"
    if final < DECLINE * initial:
        return "decline"
    if final >= GROWTH * initial:
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
        "outcome": classify(initial, final, model.dissolved, largest_split),
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
        "regime_changes": kinds.count("regime_change"),
        "factions_formed": model.factions_formed,
        "conventions": model.conventions_held,
        "dissolution_votes": model.dissolution_votes,
        "final_voiced_dissent": int(ts["voiced_dissent"].iloc[-1]) if len(ts) else 0,
        "final_hidden_dissent": int(ts["hidden_dissent"].iloc[-1]) if len(ts) else 0,
        "final_mean_trust": float(ts["mean_trust"].iloc[-1]) if len(ts) else None,
        "final_old_leadership_share": float(ts["old_leadership_share"].iloc[-1]) if len(ts) else None,
        "orgsim_version": model.version,
    }
