"""Splits found organisations.

A split group (a faction and the circle that follows it, :mod:`orgsim.model.mechanisms.factions`)
of at least ``found_min`` members founds a new organisation the week after it leaves. Its members
are the group; its leaders and organisers are the group's most popular members (in that order);
its sizes follow the parent's per member (branches, periphery) with at least one leader per
five members up to the parent's number of seats; its regime is the one the faction argued for
(``founded_regime = "argued"``: individual votes, permanent faction rights, dissent at most
censured, horizontal talk allowed, open books, elected organisers) or the parent's. Its
contacts are taken from the parent's, at random, in proportion (the parent's places stay empty
until renewed); any it still lacks are new persons. Founders keep their positions, dispositions,
political identity and tenure; they trust their new leadership as founders do. A smaller split
disperses into the milieu (:mod:`~orgsim.ecosystem.mechanisms.destinations`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.ecosystem import persons
from orgsim.model.scenario import to_toml_data, validate
from orgsim.model.state import LEADER, MEMBER, ORGANISER, PERIPHERY, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.ecosystem.model import Ecosystem
    from orgsim.model.model import OrgModel

ARGUED = {"voting": "individual", "faction_rights": "permanent", "horizontal_communication": "allowed",
          "transparency": "open", "organiser_appointment": "elected", "branch_minutes": False}
HARSH = ("suspension", "expulsion")


def founded_data(eco: "Ecosystem", k: int, size: int, weeks: int) -> dict:
    """The new organisation's scenario data, from its parent's."""
    parent = eco.orgs[k]
    data = to_toml_data(parent.scenario)
    for key in ("events", "observations", "patterns", "orgsim_version"):
        data.pop(key, None)
    data.get("network", {}).pop("file", None)
    eco.founded_from[k] += 1
    data["name"] = f"{parent.scenario.name}.{eco.founded_from[k]}"
    data["description"] = f"Founded by a split from {parent.scenario.name} in week {eco.week}."
    data["weeks"] = weeks
    if parent.scenario.start_date is not None:
        data["start_date"] = eco.date(eco.week + 1)
    org = parent.scenario.organisation
    ratio = size / max(1, parent.recorder.initial_members)
    branches = int(np.clip(round(org.branches * ratio), 1, max(1, size // 3)))
    leaders = int(np.clip(size // 5, 1, org.leaders))
    organisers = min(branches, max(1, branches // 5)) if size > leaders + 1 else 0
    data["organisation"] = {**data["organisation"], "members": size, "branches": branches,
                            "leaders": leaders, "organisers": organisers}
    regime = dict(data["regime"])
    regime.pop("first_convention", None)
    if eco.prm.founded_regime == "argued":
        regime.update(ARGUED)
        if regime["dissent_penalty"] in HARSH:
            regime["dissent_penalty"] = "censure"
        regime.pop("organiser_loyalty", None)
    data["regime"] = regime
    return data


def found(eco: "Ecosystem", k: int, group: np.ndarray) -> int | None:
    """Found an organisation from ``group`` (rows of organisation k that split away this week);
    returns its index, or None when the horizon leaves it no week."""
    from orgsim.model.model import OrgModel

    weeks = eco.scenario.weeks - (eco.week + 1)
    if weeks < 1:
        return None
    parent = eco.orgs[k]
    scenario = validate(founded_data(eco, k, int(group.size), weeks), f"organisation founded from {parent.scenario.name}")
    index = len(eco.orgs)
    new = OrgModel(scenario, seed=eco.seed_for(index))
    new.initial_line = parent.initial_line  # its milieu is the same milieu
    eco.number(new, index)
    _place_founders(parent, new, group)
    taken = _take_contacts(eco, parent, new)
    eco.add(new, parent=k, founded=eco.week + 1, arrivals=int(new.n - group.size - taken))
    eco.log(k, "founded", organisation=scenario.name, size=int(group.size))
    return index


def _place_founders(parent: "OrgModel", new: "OrgModel", group: np.ndarray) -> None:
    ps, ns = parent.state, new.state
    order = group[np.argsort(-ps.popularity[group], kind="stable")]
    rows = np.flatnonzero(ns.status == MEMBER)
    role = ns.role[rows]
    rows = np.concatenate([rows[role == LEADER], rows[role == ORGANISER], rows[role == RANK_AND_FILE]])
    for person, row in zip(order.tolist(), rows.tolist()):
        persons.write(new, row, persons.read(parent, person))
        ns.identity[row] = ps.identity[person]
        ns.joined[row] = ps.joined[person] - (parent.week - 1)  # tenure carried over
        new.agent_at[row].pid = int(ns.pid[row])
    staff = rows[ns.role[rows] != RANK_AND_FILE]
    ns.trust[rows] = ns.base_trust[rows]
    ns.trust[staff] = ns.base_trust[staff] = np.clip(ns.base_trust[staff] + 0.15, 0, 1)


def _take_contacts(eco: "Ecosystem", parent: "OrgModel", new: "OrgModel") -> int:
    """The new organisation's contacts, taken at random from the parent's; returns how many."""
    free = np.flatnonzero(parent.state.status == PERIPHERY)
    mine = np.flatnonzero(new.state.status == PERIPHERY)
    k = min(free.size, mine.size)
    src = eco.rng.choice(free, size=k, replace=False) if k else free[:0]
    for a, b in zip(src.tolist(), mine[:k].tolist()):
        persons.make_contact(new, b, persons.read(parent, a))
        persons.vacate(parent, a)
    return int(k)
