"""Exit: commitment, resignation and whole-branch disaffiliation (Hirschman 1970).

Commitment C follows a target ``w_L L + w_S social + w_E efficacy - w_G G``: trust in the
leadership, embeddedness 1 - exp(-k/2.5) with k one's engaged ties to members, voice efficacy (the
chance that one's voice counts: high in a legal faction, otherwise set by the regime's
openness) and grievance. The weekly resignation probability is

    base + (max - base) / (1 + exp((C - theta) / steepness)),
    theta = commitment_threshold + outside_weight (pull - 0.3) + friends_weight x left_share,
    base = base_hazard x climate ** (-shifting x (1 - identity))   (shifting involvements),

so a good outside option (a competitor's pull) or friends who left recently make members
leave at higher commitment, and a monopoly (pull 0) makes them stay longer. Paid staff and
leaders leave at a third of the rate. A branch whose mean trust falls below
``disaffiliation_trust`` while most of its members dissent disaffiliates with weekly
probability ``disaffiliation_prob``: its members resign together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.mechanisms import factions
from orgsim.model.mechanisms.regime import democratic_deficit, openness
from orgsim.model.state import LEFT, NO_FACTION, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class ExitParams(Strict):
    base_hazard: Prob = Field(0.0015, description="Weekly resignation probability of a committed member (life events).")
    max_hazard: Prob = Field(0.2, description="Weekly resignation probability of a member with no commitment and a good outside option.")
    commitment_threshold: Prob = Field(0.25, description="Commitment at which the discontent hazard is half its maximum.")
    steepness: float = Field(0.04, gt=0.0, le=1.0, description="Width of the logistic step of the hazard in commitment.")
    outside_weight: float = Field(0.4, ge=0.0, le=5.0, description="How much the outside option raises the effective threshold.")
    friends_weight: float = Field(0.25, ge=0.0, le=5.0, description="How much friends' recent departures raise the effective threshold.")
    trust_weight: Prob = Field(0.55, description="Weight of trust in the leadership in commitment.")
    social_weight: Prob = Field(0.25, description="Weight of ties to fellow members in commitment.")
    efficacy_weight: Prob = Field(0.3, description="Weight of voice efficacy in commitment.")
    grievance_weight: float = Field(0.2, ge=0.0, le=5.0, description="Weight of grievance against commitment.")
    adapt: Prob = Field(0.08, description="Weekly rate at which commitment follows its target.")
    identity_weight: Prob = Field(0.3, description="Weight of political identity (bound through ownership or deference) in commitment.")
    socialisation: Prob = Field(0.004, description="Weekly share of the gap to full identity that membership closes (sunk costs, comrades, tradition).")
    shifting: float = Field(1.0, ge=0.0, le=5.0, description="Exponent of the climate in the life-events hazard of a member with no political identity (shifting involvements); 0 ablates it.")
    disaffiliation_trust: Prob = Field(0.15, description="Mean branch trust below which a branch may disaffiliate.")
    disaffiliation_prob: Prob = Field(0.1, description="Weekly probability that such a branch disaffiliates.")

RECENT_WEEKS = 8
COMRADES = 2.5  # engaged ties at which embeddedness reaches 1 - 1/e


def efficacy(model: "OrgModel") -> np.ndarray:
    """Voice efficacy: the regime's openness; a legal faction's weight for its members; and, in
    the pre-convention period, everyone's hope that the convention can change things, in
    proportion to the opposition: the share of engaged members who are organised in factions or
    would vote the leadership down (trust below the threshold of the current ballot), full hope
    at half of them, when the leadership would fall."""
    s = model.state
    eff = np.full(model.n, openness(model.regime))
    if factions.legal(model):
        f_eff = model.params.factions.efficacy
        in_faction = s.faction != NO_FACTION
        eff[in_faction] = f_eff
        if model.in_preconvention:
            # a convention is coming: everyone's hope that it can change things grows with the
            # strength of the opposition, organised or not (voice instead of exit, Hirschman 1970)
            e = model.engaged
            cp = model.params.convention
            cutoff = cp.slate_threshold if model.regime.voting == "slate" else cp.seat_threshold
            opposed = in_faction | (s.trust < cutoff)
            share = np.count_nonzero(opposed & e) / max(1, np.count_nonzero(e))
            eff[:] = np.maximum(eff, f_eff * min(1.0, 2.0 * share))
    return eff


def recruit_identity(model: "OrgModel", k: int) -> np.ndarray:
    """Political identity of new members: Beta(2, 1 + climate), mean 2 / (3 + climate). Those who
    join in a surge come with the mood of the moment rather than with the politics."""
    return model.rng.beta(2.0, 1.0 + max(model.environment.climate, 0.05), k)


def socialised(model: "OrgModel", identity: np.ndarray, weeks: np.ndarray | int) -> np.ndarray:
    """Identity after ``weeks`` of membership: the gap to 1 closes at ``socialisation`` a week."""
    return 1.0 - (1.0 - identity) * (1.0 - model.params.exit.socialisation) ** np.asarray(weeks)


def life_events(model: "OrgModel", identity: np.ndarray) -> np.ndarray:
    """Shifting involvements (Hirschman 1982): the pull of private life on a member, relative to
    an ordinary climate, climate ** (-shifting x (1 - identity)). A falling movement sends those
    who joined with its mood back to private life; a rising one holds them; the politically
    formed are unmoved either way."""
    climate = max(model.environment.climate, 0.05)
    return climate ** (-model.params.exit.shifting * (1.0 - identity))


def step(model: "OrgModel") -> None:
    s, prm = model.state, model.params.exit
    # computed on the rows of members only (mr; m: the engaged among them): nobody else can leave
    mr, m = model.member_rows, model.engaged_rows
    s.efficacy[:] = efficacy(model)
    recent = (s.status == LEFT) & (s.left_week >= model.week - RECENT_WEEKS)
    # = (adj @ engaged)[mr] and (adj @ recent)[mr], at the cost of members' and recent leavers' ties
    engaged_ties, left_ties = model.member_tie_sum()[mr], model.tie_sum(among=np.flatnonzero(recent))[mr]
    social = 1.0 - np.exp(-engaged_ties / COMRADES)
    left_share = np.divide(left_ties, engaged_ties + left_ties, out=np.zeros(mr.size), where=(engaged_ties + left_ties) > 0)

    s.identity[m] += prm.socialisation * (1.0 - s.identity[m])
    # identity binds to the organisation through the members' own politics where the regime lets
    # them own it, and through deference to the leadership where it does not
    own = 1.0 - democratic_deficit(model.regime)
    attach = s.identity[m] * (own + (1.0 - own) * s.trust[m])
    target = (prm.trust_weight * s.trust[m] + prm.social_weight * social[np.searchsorted(mr, m)]
              + prm.efficacy_weight * s.efficacy[m] + prm.identity_weight * attach
              - prm.grievance_weight * s.grievance[m])
    s.commitment[m] += prm.adapt * (np.clip(target, 0.0, 1.0) - s.commitment[m])

    theta = (prm.commitment_threshold + prm.outside_weight * (model.environment.competitor_pull + model.outside_pull - 0.3)
             + prm.friends_weight * left_share)
    z = np.clip((s.commitment[mr] - theta) / prm.steepness, -50, 50)
    base = prm.base_hazard * life_events(model, s.identity[mr])
    hazard = base + (prm.max_hazard - base) / (1.0 + np.exp(z))
    hazard[s.role[mr] != RANK_AND_FILE] /= 3.0
    # suspended members may resign too; one uniform is drawn per row of the milieu, as always
    leave = mr[model.rng.random(model.n)[mr] < hazard]
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
        model.log("disaffiliated", None, branch=int(b), members=int(rows.size))
        for row in rows:
            model.agent_at[row].resign(reason="branch disaffiliated", branch=int(b))
