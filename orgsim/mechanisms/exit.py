"""Exit: commitment, resignation and whole-branch disaffiliation (Hirschman 1970).

Commitment C follows a target ``w_L L + w_S social + w_E efficacy - w_G G``: trust in the
leadership, embeddedness 1 - exp(-k/4) with k one's engaged ties to members, voice efficacy (the
chance that one's voice counts: high in a legal faction, otherwise set by the regime's
openness) and grievance. The weekly resignation probability is

    base + (max - base) / (1 + exp((C - theta) / steepness)),
    theta = commitment_threshold + outside_weight (pull - 0.3) + friends_weight x left_share,

so a good outside option (a competitor's pull) or friends who left recently make members
leave at higher commitment, and a monopoly (pull 0) makes them stay longer. Paid staff and
leaders leave at a third of the rate. A branch whose mean trust falls below
``disaffiliation_trust`` while most of its members dissent disaffiliates with weekly
probability ``disaffiliation_prob``: its members resign together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.mechanisms import factions
from orgsim.mechanisms.regime import democratic_deficit
from orgsim.state import LEFT, NO_FACTION, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model import OrgModel

RECENT_WEEKS = 8
COMRADES = 4.0  # engaged ties at which embeddedness reaches 1 - 1/e


def efficacy(model: "OrgModel") -> np.ndarray:
    s = model.state
    eff = np.full(model.n, 0.5 * (1.0 - democratic_deficit(model.regime)))
    if factions.legal(model):
        eff[s.faction != NO_FACTION] = model.params.factions.efficacy
    return eff


def step(model: "OrgModel") -> None:
    s, prm = model.state, model.params.exit
    m = model.engaged_rows  # indexing with rows is several times faster than with a mask
    s.efficacy[:] = efficacy(model)
    recent = (s.status == LEFT) & (s.left_week >= model.week - RECENT_WEEKS)
    # = adj @ m and adj @ recent at members (only member rows are used below), at the cost of
    # members' ties and of the recent leavers' ties
    engaged_ties, left_ties = model.member_tie_sum(), model.tie_sum(among=np.flatnonzero(recent))
    social = 1.0 - np.exp(-engaged_ties / COMRADES)
    left_share = np.divide(left_ties, engaged_ties + left_ties, out=np.zeros(model.n), where=(engaged_ties + left_ties) > 0)

    target = (prm.trust_weight * s.trust + prm.social_weight * social
              + prm.efficacy_weight * s.efficacy - prm.grievance_weight * s.grievance)
    s.commitment[m] += prm.adapt * (np.clip(target[m], 0.0, 1.0) - s.commitment[m])

    theta = (prm.commitment_threshold + prm.outside_weight * (model.environment.competitor_pull - 0.3)
             + prm.friends_weight * left_share)
    z = np.clip((s.commitment - theta) / prm.steepness, -50, 50)
    hazard = prm.base_hazard + (prm.max_hazard - prm.base_hazard) / (1.0 + np.exp(z))
    hazard[s.role != RANK_AND_FILE] /= 3.0
    members = s.member  # suspended members may resign too
    leave = np.flatnonzero(members & (model.rng.random(model.n) < hazard))
    for row in leave:
        model.agent_at[row].resign()
    _disaffiliate(model)


def _disaffiliate(model: "OrgModel") -> None:
    s, prm = model.state, model.params.exit
    m = model.engaged_rows
    if not m.size:
        return
    nb = model.n_branches
    size = np.bincount(s.branch[m], minlength=nb)
    trust = np.bincount(s.branch[m], weights=s.trust[m], minlength=nb)
    dissent = np.bincount(s.branch[m], weights=(s.voicing | s.hidden)[m], minlength=nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = (size >= 2) & (trust / size < prm.disaffiliation_trust) & (dissent / size > 0.5)
    for b in np.flatnonzero(low):
        if model.rng.random() >= prm.disaffiliation_prob:
            continue
        rows = np.flatnonzero(s.member & (s.branch == b))
        model.log("disaffiliated", None, f"branch={b} members={rows.size}")
        for row in rows:
            model.agent_at[row].resign(f"branch {b} disaffiliated")
