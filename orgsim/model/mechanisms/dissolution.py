"""Dissolution by vote.

A member wants the organisation dissolved when his commitment is below ``commitment_below``,
his trust in the leadership below ``trust_below``, his voice efficacy below ``efficacy_below``
(he sees no prospect that voice can change things; before a convention at which an organised
opposition stands, members hope rather than despair) and his grievance above
``grievance_above`` (he holds the organisation itself to be rotten, rather than merely drifting
away from it). When the share of engaged members who
want it reaches ``motion_share`` (and no vote was held in the last ``cooldown`` weeks), a
dissolution vote is called: each engaged member takes part with probability ``participation``
and votes for dissolution if he wants it. It passes with more than ``majority`` of the votes,
and the organisation ceases to exist that week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class DissolutionParams(Strict):
    commitment_below: Prob = Field(0.35, description="A member wants dissolution when commitment is below this...")
    trust_below: Prob = Field(0.3, description="...and trust in the leadership is below this.")
    efficacy_below: Prob = Field(0.5, description="...and voice efficacy is below this (no prospect that voice can change things).")
    grievance_above: Prob = Field(0.3, description="...and grievance is above this (he holds the organisation itself to be rotten).")
    motion_share: Prob = Field(0.3, description="Share of members wanting dissolution that gets a dissolution vote called.")
    participation: Prob = Field(0.6, description="Probability that a member takes part in a dissolution vote.")
    majority: Prob = Field(0.5, description="Share of votes needed to dissolve (more than this).")
    cooldown: int = Field(8, ge=1, le=520, description="Weeks after a failed vote before another can be called.")


def wants(model: "OrgModel") -> np.ndarray:
    s, prm = model.state, model.params.dissolution
    return (model.engaged & (s.commitment < prm.commitment_below) & (s.trust < prm.trust_below)
            & (s.efficacy < prm.efficacy_below) & (s.grievance > prm.grievance_above))


def step(model: "OrgModel") -> None:
    prm = model.params.dissolution
    m = model.engaged
    n = int(m.sum())
    if n == 0 or model.week - model.last_dissolution_vote < prm.cooldown:
        return
    want = wants(model)
    if want.sum() / n < prm.motion_share:
        return
    model.last_dissolution_vote = model.week
    voters = m & (model.rng.random(model.n) < prm.participation)
    yes, total = int((voters & want).sum()), int(voters.sum())
    share = yes / total if total else 0.0
    passed = share > prm.majority
    model.log("dissolution_vote", None, yes=int(yes), no=int(total - yes), share=round(float(share), 3),
              passed=bool(passed))
    model.dissolution_votes.append({"week": model.week, "yes": yes, "no": total - yes, "share": share})
    if passed:
        model.dissolve()
