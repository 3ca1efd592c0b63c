"""Pattern-oriented validation: the case patterns, measured over seeded replicates.

Each ``measure_*`` function reads one replicate's outputs (time series, events, summary), the
same files ``orgsim run`` writes, and returns the quantities a pattern is judged on; the pattern
tests (tests/validation/patterns) and the validation report (docs/validation.md) both use them. Dates of
historical events are read from the scenario's own event list (by label), never hard-coded
weeks, so the measures follow the scenario file.

Replicate r of a scenario is seeded from ``SeedSequence(scenario.seed, spawn_key=(0, r))``.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.model.scenario import Scenario, load_scenario


@dataclass
class Replicate:
    scenario: Scenario
    replicate: int
    timeseries: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]


def _one(args: tuple[Scenario, int]) -> Replicate:
    from orgsim.runs.run import simulate

    scenario, r = args
    res = simulate(scenario, seed=np.random.SeedSequence(scenario.seed, spawn_key=(0, r)))
    return Replicate(scenario, r, res.timeseries, res.events, res.summary)


def run_replicates(path: str | Path, n: int, overrides: dict | None = None,
                   workers: int | None = None) -> list[Replicate]:
    """Run n seeded replicates of a scenario file (with optional dotted-key overrides)."""
    scenario = load_scenario(path, overrides)
    jobs = [(scenario, r) for r in range(n)]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [_one(j) for j in jobs]
    with ProcessPoolExecutor(workers) as ex:
        return list(ex.map(_one, jobs, chunksize=max(1, n // (4 * workers))))


# --------------------------------------------------------------------------- helpers
def week_of(scenario: Scenario, date: str | dt.date) -> int:
    d = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return (d - scenario.start_date).days // 7


def event_week(scenario: Scenario, kind: str, label_contains: str = "", nth: int = 0) -> int:
    """Week of the nth scheduled event of a kind (optionally whose label contains a text)."""
    weeks = [scenario.event_week(e) for e in scenario.events
             if e.kind == kind and label_contains.lower() in e.label.lower()]
    if len(weeks) <= nth:
        raise ValueError(f"scenario {scenario.name} has no {kind} event #{nth} labelled {label_contains!r}")
    return sorted(weeks)[nth]


def members_at(rep: Replicate, week: int) -> int:
    """Members at the end of ``week``; 0 once the organisation has dissolved."""
    ts = rep.timeseries
    if week >= len(ts):
        return 0 if rep.summary["dissolved_week"] is not None else int(ts["members"].iloc[-1])
    return int(ts["members"].iloc[week])


def dissolution(rep: Replicate) -> dict[str, Any]:
    votes = rep.summary["dissolution_votes"]
    passed = [v for v in votes if v["share"] > rep.scenario.parameters.dissolution.majority]
    last = passed[0] if passed else (votes[-1] if votes else None)
    return {"dissolved": rep.summary["dissolved_week"] is not None,
            "vote_share": None if last is None else last["share"],
            "voters": None if last is None else last["yes"] + last["no"]}


def _faction_ids(ev: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(ev["faction"], errors="coerce")


# --------------------------------------------------------------------------- ISO
def measure_iso_decade(rep: Replicate, until_label: str = "leaked") -> dict[str, float]:
    """ISO-1: membership level and yearly losses in the decade before the 2018-19 crisis (up to
    the scandal whose label contains ``until_label``); hidden versus voiced dissent."""
    end = event_week(rep.scenario, "scandal", until_label)
    ts = rep.timeseries.iloc[:end]
    initial = rep.summary["initial_members"]
    m = ts["members"].to_numpy(float)
    yearly_loss = (m[:-52] - m[52:]) / m[:-52]
    return {
        "min_level": float(m.min() / initial),
        "max_level": float(m.max() / initial),
        "worst_year_loss": float(max(0.0, yearly_loss.max())),
        "hidden_above_voiced": float(np.mean(ts["hidden_dissent"] > 2 * ts["voiced_dissent"])),
    }


def measure_iso_faction(rep: Replicate, critique_label: str = "Renewal", convention_label: str = "2014") -> dict:
    """ISO-2: the 2013-14 faction forms, is defeated, and its members are expelled or leave;
    the leadership does not change before 2019."""
    sc, ev, ts = rep.scenario, rep.events, rep.timeseries
    start = event_week(sc, "critique", critique_label)
    conv = event_week(sc, "convention", convention_label)
    formed = ev[(ev["kind"] == "faction_formed") & ev["week"].between(start, conv)]
    ids = set(_faction_ids(formed).dropna().astype(int))
    size = int(pd.to_numeric(formed["size"]).sum()) if len(formed) else 0
    after = ev[ev["kind"].isin(["expelled", "resigned"]) & ev["week"].between(start, conv + 52)]
    gone = after[_faction_ids(after).isin(ids)]
    author = _critic(ev, start)
    author_out = None if author is None else _first_week(ev, author, ("expelled", "resigned"), start)
    author_expelled = None if author is None else _first_week(ev, author, ("expelled",), start)
    before_2019 = week_of(sc, "2019-01-01")
    changes = ev[(ev["kind"] == "leadership_change") & (ev["week"] < before_2019)]
    return {
        "factions_formed": len(ids),
        "founding_members": size,
        "members_expelled": int((gone["kind"] == "expelled").sum()),
        "members_gone": int(len(gone)),
        "gone_share": float(len(gone) / size) if size else 0.0,
        "author_out_weeks_after_convention": None if author_out is None else author_out - conv,
        "author_expelled": author_expelled is not None and author_expelled <= conv + 52,
        "factions_a_year_later": int(ts["factions"].iloc[min(conv + 52, len(ts) - 1)]),
        "leadership_changes_before_2019": int(len(changes)),
        "min_old_share_before_2019": float(ts["old_leadership_share"].iloc[:before_2019].min()),
    }


def measure_convention(rep: Replicate, label: str = "2019") -> dict[str, float]:
    """ISO-3: the old leadership's share of seats just after a convention."""
    w = event_week(rep.scenario, "convention", label)
    ts = rep.timeseries
    if w >= len(ts):  # dissolved before the convention
        return {"old_share_after": float("nan"), "old_share_before": float("nan"), "held": False}
    return {"old_share_after": float(ts["old_leadership_share"].iloc[w]),
            "old_share_before": float(ts["old_leadership_share"].iloc[w - 1]), "held": True}


def measure_revelation(rep: Replicate, label: str = "2013 handling", weeks: int = 8) -> dict[str, Any]:
    """ISO-4/5: share of members who left within ``weeks`` of a revelation (by resignation,
    expulsion, split or disaffiliation: a dissolution within the window counts the members who
    were still there to vote, not as a loss); the dissolution vote."""
    w = event_week(rep.scenario, "scandal", label)
    before = members_at(rep, w - 1)
    ts = rep.timeseries
    after = int(ts["members"].iloc[min(w + weeks, len(ts) - 1)]) if len(ts) > w else members_at(rep, w + weeks)
    out = {"members_before": before, "loss": float(1 - after / before) if before else 1.0}
    out.update(dissolution(rep))
    return out


def measure_crisis_timeline(rep: Replicate, label: str = "2013 handling") -> dict[str, Any]:
    """ISO-6: weeks from a revelation to the first dissolution motion and vote after it, and the
    dissolution votes held before it."""
    w = event_week(rep.scenario, "scandal", label)
    ev = rep.events
    motions = ev[(ev["kind"] == "motion") & (ev["motion"] == "dissolution") & (ev["week"] >= w)]["week"]
    votes = ev[ev["kind"] == "dissolution_vote"]["week"]
    after = votes[votes >= w]
    return {"motion_after": int(motions.iloc[0]) - w if len(motions) else None,
            "vote_after": int(after.iloc[0]) - w if len(after) else None,
            "votes_before_revelation": int((votes < w).sum())}


# --------------------------------------------------------------------------- SEP
def measure_band(rep: Replicate) -> dict[str, float]:
    """SEP-1: the band membership stays in, and whether it grew in a sustained way."""
    m = rep.timeseries["members"].to_numpy(float)
    initial = rep.summary["initial_members"]
    five_years = 260
    sustained = np.all(m[five_years:] > 1.25 * initial) if m.size > five_years else False
    return {"min": float(m.min()), "max": float(m.max()), "final_ratio": float(m[-1] / initial),
            "sustained_growth": bool(sustained)}


def _critic(ev: pd.DataFrame, week: int) -> int | None:
    voiced = ev[(ev["week"] == week) & (ev["kind"] == "voiced") & (ev["reason"] == "critique")]
    return int(voiced["agent"].iloc[0]) if len(voiced) else None


def _first_week(ev: pd.DataFrame, agent: int, kinds: tuple[str, ...], after: int) -> int | None:
    rows = ev[(ev["agent"] == agent) & ev["kind"].isin(kinds) & (ev["week"] >= after)]
    return int(rows["week"].iloc[0]) if len(rows) else None


def measure_discipline(rep: Replicate) -> dict[str, Any]:
    """SEP-2: weeks from each critique to its author's charge and removal; factions; leadership."""
    sc, ev = rep.scenario, rep.events
    out: dict[str, Any] = {}
    for i, name in enumerate(("critic", "defender")):
        w = event_week(sc, "critique", nth=i)
        who = _critic(ev, w)
        charged = None if who is None else _first_week(ev, who, ("charged",), w)
        removed = None if who is None else _first_week(ev, who, ("expelled",), w)
        out[f"{name}_charged_after"] = None if charged is None else charged - w
        out[f"{name}_removed_after"] = None if removed is None else removed - w
        out[f"{name}_left_after"] = None if who is None else (
            lambda x: None if x is None else x - w)(_first_week(ev, who, ("expelled", "resigned"), w))
    first = event_week(sc, "critique", nth=0)
    out["factions_after_critique"] = int(((ev["kind"] == "faction_formed") & (ev["week"] >= first)).sum())
    out["factions_formed"] = rep.summary["factions_formed"]
    out["leadership_changes"] = rep.summary["leadership_changes"]
    out["min_old_share"] = float(rep.timeseries["old_leadership_share"].min())
    out["expulsions_after_critique"] = int(((ev["kind"] == "expelled") & (ev["week"] >= first)).sum())
    return out


def measure_growth(rep: Replicate, years: float = 5.0) -> dict[str, Any]:
    """GROW-1: growth within the horizon, factions and splits."""
    w = min(int(round(years * 52)) - 1, len(rep.timeseries) - 1)
    return {"ratio": members_at(rep, w) / rep.summary["initial_members"],
            "factions_formed": rep.summary["factions_formed"],
            "max_factions": int(rep.timeseries["factions"].max()),
            "splits": rep.summary["splits"]}


def table(values: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(values)


def describe(x) -> str:
    """Median and 5-95% interval of a numeric series, for reports."""
    s = pd.Series(x, dtype=float).dropna()
    if s.empty:
        return "n/a"
    q = s.quantile([0.05, 0.5, 0.95])
    return f"{q[0.5]:.3g} [{q[0.05]:.3g}, {q[0.95]:.3g}]"




def measure_witnesses(scenario: Scenario, replicate: int, window: int = 8) -> dict[str, float] | None:
    """SEP-3: replay a replicate and follow those who saw the first critic expelled (his branch
    and his ties): their voiced-dissent share and mean private grievance in the ``window`` weeks
    after the critique and before the expulsion, against the ``window`` weeks after it.
    None when the critic was not expelled."""
    from orgsim.model.model import OrgModel

    model = OrgModel(scenario, seed=np.random.SeedSequence(scenario.seed, spawn_key=(0, replicate)))
    start = event_week(scenario, "critique")
    s = model.state
    history: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    critic = expelled_week = None
    while model.running and (expelled_week is None or model.week <= expelled_week + window):
        model.step()
        history.append((s.voicing.copy(), s.grievance.copy(), s.member.copy()))
        if critic is None and model.critics and model.week > start:
            critic = model.critics[0]
        if critic is not None and expelled_week is None:
            done = [e for e in model.events[-200:] if e[1] == "expelled" and e[2] == int(s.pid[critic])]
            if done:
                expelled_week = model.week - 1
    if expelled_week is None:
        return None
    ties = model.adj.indices[model.adj.indptr[critic]:model.adj.indptr[critic + 1]]
    saw = np.zeros(model.n, dtype=bool)
    saw[ties] = True
    saw |= s.branch == s.branch[critic]
    saw[critic] = False
    saw &= history[expelled_week][2]  # members when he was expelled
    stay = saw & history[-1][2]  # ... and still members at the end of the window

    def mean(weeks, which):
        vals = [history[w][which][stay].mean() for w in weeks if 0 <= w < len(history)]
        return float(np.mean(vals)) if vals else float("nan")

    before = range(max(start, expelled_week - window), expelled_week)
    after = range(expelled_week + 1, expelled_week + 1 + window)
    return {"witnesses": int(stay.sum()), "voiced_before": mean(before, 0), "voiced_after": mean(after, 0),
            "grievance_before": mean(before, 1), "grievance_after": mean(after, 1)}


# --------------------------------------------------------------------------- new cases (issue 11, point 9)
def splits_of(rep: Replicate, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
    """The splits of a run between weeks ``start`` and ``end`` (inclusive), from the event log:
    week, size (the faction and the circle that left with it) and share of the members of the
    week before."""
    ev = rep.events
    rows = ev[(ev["kind"] == "split") & (ev["week"] >= start)]
    if end is not None:
        rows = rows[rows["week"] <= end]
    out = []
    for w, d in zip(rows["week"], pd.to_numeric(rows["size"])):
        size = int(d)
        before = members_at(rep, int(w) - 1) if w > 0 else rep.summary["initial_members"]
        out.append({"week": int(w), "size": size, "share": size / before if before else float("nan")})
    return out


def _dissolved_by(rep: Replicate, week: int) -> bool:
    d = rep.summary["dissolved_week"]
    return d is not None and d <= week


def _loss(rep: Replicate, start: int, end: int) -> float | None:
    """Share of the members of week ``start - 1`` no longer members at week ``end``; None if the
    organisation dissolved by then (a dissolution is not a loss of members: it is judged apart)."""
    if _dissolved_by(rep, end):
        return None
    before = members_at(rep, start - 1)
    return float(1 - members_at(rep, end) / before) if before else None


def measure_wrp(rep: Replicate, label: str = "expels Healy", split_weeks: int = 8,
                fragment_weeks: int = 78) -> dict[str, Any]:
    """WRP 1985: after the revelation that made the scandal public (the scandal whose label
    contains ``label``): dissolution within a year; the largest split within ``split_weeks``
    (share of the members of the week before it); splits within ``fragment_weeks``; the share
    of members lost within a year (None when dissolved)."""
    w = event_week(rep.scenario, "scandal", label)
    early = splits_of(rep, w, w + split_weeks)
    return {
        "members_before": members_at(rep, w - 1),
        "dissolved_within_year": _dissolved_by(rep, w + 52),
        "dissolved_week_after": None if rep.summary["dissolved_week"] is None else rep.summary["dissolved_week"] - w,
        "largest_early_split": max((s["share"] for s in early), default=0.0),
        "splits_within_fragment_weeks": len(splits_of(rep, w, w + fragment_weeks)),
        "loss_year": _loss(rep, w, w + 52),
        "factions_after": int(((rep.events["kind"] == "faction_formed") & (rep.events["week"] >= w)).sum()),
    }


def measure_cwi(rep: Replicate, congress_label: str = "World Congress", end_label: str = "ends the pre-congress") -> dict[str, Any]:
    """CWI 2019: factions formed in the pre-congress period (from ``preconvention_weeks`` before
    the World Congress to the centre's ending of the fight, the reform whose label contains
    ``end_label``), their largest membership as a share of members; the largest split from the
    start of the fight to the horizon (share of the members of the week before it) and its week
    after the start; dissolution within a year of the end of the fight."""
    sc, ev, ts = rep.scenario, rep.events, rep.timeseries
    congress = event_week(sc, "convention", congress_label)
    start = congress - sc.regime.preconvention_weeks
    end = event_week(sc, "reform", end_label)
    formed = ev[(ev["kind"] == "faction_formed") & ev["week"].between(start, end)]
    window = ts.iloc[start:min(end + 1, len(ts))]
    fshare = (window["faction_members"] / window["members"].clip(lower=1)).max() if len(window) else 0.0
    splits = splits_of(rep, start)
    largest = max(splits, key=lambda s: s["share"], default=None)
    return {
        "factions_formed": int(len(formed)),
        "max_faction_share": float(fshare),
        "splits": len(splits),
        "largest_split": 0.0 if largest is None else largest["share"],
        "split_weeks_after_start": None if largest is None else largest["week"] - start,
        "dissolved_within_year": _dissolved_by(rep, end + 52),
    }


def measure_workers_league(rep: Replicate, start_label: str = "purge regime",
                           end_label: str = "removed") -> dict[str, Any]:
    """Workers League 1973-74: share of members lost from the start of the purge regime (the
    reform whose label contains ``start_label``) to the leader's removal (``end_label``) (None
    when dissolved); factions formed and splits from the start to the horizon; dissolution by
    the horizon."""
    sc, ev = rep.scenario, rep.events
    w0, w1 = event_week(sc, "reform", start_label), event_week(sc, "reform", end_label)
    return {
        "members_before": members_at(rep, w0 - 1),
        "loss": _loss(rep, w0, w1),
        "factions_formed": int(((ev["kind"] == "faction_formed") & (ev["week"] >= w0)).sum()),
        "splits": len(splits_of(rep, w0)),
        "dissolved": rep.summary["dissolved_week"] is not None,
    }


def measure_dsa(rep: Replicate, growth_label: str = "2019", end_label: str = "2023",
                fall_label: str = "ebbs") -> dict[str, Any]:
    """DSA 2015-23: membership at the convention whose label contains ``growth_label`` and at
    its peak, over the initial membership; the ebb from the peak (up to the convention labelled
    ``end_label``) to that convention, and whether the peak came before it; factions (caucuses)
    at each convention; splits; dissolution."""
    sc, ts = rep.scenario, rep.timeseries
    initial = rep.summary["initial_members"]
    w19, w23 = event_week(sc, "convention", growth_label), event_week(sc, "convention", end_label)
    fall = event_week(sc, "climate", fall_label)
    m = ts["members"].to_numpy(float)[: w23 + 1]
    peak_week = int(np.argmax(m)) if m.size else 0
    peak = float(m.max()) if m.size else float(initial)
    at_end = members_at(rep, w23)
    conv_weeks = [sc.event_week(e) for e in sc.events if e.kind == "convention"]
    return {
        "ratio_2019": members_at(rep, w19) / initial,
        "peak_ratio": peak / initial,
        "peak_weeks_after_fall": peak_week - fall,
        "ebb": float(1 - at_end / peak) if not _dissolved_by(rep, w23) else None,
        "caucuses_at_conventions": [int(ts["factions"].iloc[w]) if w < len(ts) else 0 for w in sorted(conv_weeks)],
        "splits": rep.summary["splits"],
        "dissolved": rep.summary["dissolved_week"] is not None,
    }
