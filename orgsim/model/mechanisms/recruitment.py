"""Recruitment from the periphery, and renewal of the periphery.

A person of the periphery joins with weekly probability 1 - exp(-r x climate x reputation x c).
His contact c mixes personal ties and the branch's public activity (meetings, stalls, sales):
c = (1 - o) x (summed commitment of the engaged members he is tied to)
  + o x within_degree x (summed commitment of the branch's engaged members) / (branch milieu size),
with o = ``outreach``. The public term is mass action within the branch's milieu: it makes
growth logistic, saturating as the milieu is recruited, rather than stalling once the
members' own contacts are exhausted. Reputation is
``1 + reputation_weight x (mean trust - initial trust)`` times the public standing, which
public scandals lower and which recovers by a twentieth a week. A member's place in the milieu
is taken by a new person ``renewal_weeks`` after he left (students graduate, new ones arrive).
Recruits start as provisional members with the organisation's initial trust and no grievance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.mechanisms.exit import recruit_identity
from orgsim.model.state import LEFT, MEMBER, NEVER, NO_FACTION, PERIPHERY

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class RecruitmentParams(Strict):
    rate: float = Field(0.00025, ge=0.0, le=1.0, description="Weekly recruitment hazard per unit of engaged member contact.")
    outreach: Prob = Field(0.7, description="Share of recruitment contact that comes from the branch's public activity rather than personal ties.")
    reputation_weight: float = Field(1.0, ge=0.0, le=10.0, description="How strongly mean trust (reputation) scales recruitment.")
    renewal_weeks: int = Field(52, ge=1, le=1040, description="Weeks before a departed member's place in the milieu is taken by a new person.")


def step(model: "OrgModel") -> None:
    s, prm = model.state, model.params.recruitment
    renew(model)
    model.public_standing += (1.0 - model.public_standing) / 20.0
    m = model.engaged_rows
    if not m.size:
        return
    reputation = standing(model, m)
    per_branch = np.bincount(s.branch[m], weights=s.commitment[m], minlength=model.n_branches) / model.branch_size
    periphery = np.flatnonzero(s.status == PERIPHERY)  # only they can join: contact is computed for them
    public = model.scenario.network.within_degree * per_branch[s.branch[periphery]]
    contact = (1.0 - prm.outreach) * model.tie_sum(s.commitment)[periphery] + prm.outreach * public
    reached = contact > 0
    periphery, contact = periphery[reached], contact[reached]
    p = 1.0 - np.exp(-prm.rate * model.environment.climate * reputation * contact)
    joins = periphery[model.rng.random(periphery.size) < p]
    join(model, joins)
    model.flows["recruits"] += joins.size


def standing(model: "OrgModel", m: np.ndarray | None = None) -> float:
    """Reputation: 1 + reputation_weight x (mean trust of the engaged - initial trust), times the
    public standing (``m``: the engaged rows, if already at hand)."""
    s, prm = model.state, model.params.recruitment
    m = model.engaged_rows if m is None else m
    if not m.size:
        return 0.0
    reputation = max(0.0, 1.0 + prm.reputation_weight * (s.trust[m].mean() - model.scenario.organisation.initial_trust))
    reputation *= model.public_standing
    return reputation


def join(model: "OrgModel", row: int | np.ndarray) -> None:
    """Row (or rows, ascending: their state is set at once, then their agents made in order) join."""
    from orgsim.model.agents import Member

    s = model.state
    s.status[row] = MEMBER
    s.joined[row] = model.week
    s.trust[row] = model.state.base_trust[row]
    s.grievance[row] = s.strain[row] = s.resentment[row] = s.fear[row] = s.injustice[row] = s.discredit[row] = 0.0
    s.commitment[row] = 0.5
    s.identity[row] = recruit_identity(model, np.size(row))
    s.sanction_level[row] = 0
    s.faction[row] = NO_FACTION
    s.suspended_until[row] = NEVER
    for r in np.atleast_1d(row).tolist():
        Member(model, r)


def renew(model: "OrgModel") -> None:
    s = model.state
    rows = np.flatnonzero((s.status == LEFT) & (s.left_week <= model.week - model.params.recruitment.renewal_weeks))
    if rows.size == 0:
        return
    s.status[rows] = PERIPHERY
    s.left_week[rows] = NEVER
    s.pid[rows] = model.next_pid + np.arange(rows.size)
    model.next_pid += rows.size
    model.draw_traits(rows, around=model.initial_line)
