"""Dissolution as a deliberation: a motion, a debate, a vote, and a motion that can return.

A member wants the organisation dissolved when his commitment is below ``commitment_below``,
his trust in the leadership below ``trust_below``, his voice efficacy below ``efficacy_below``
(he sees no prospect that voice can change things) and his grievance above ``grievance_above``
(he holds the organisation itself to be rotten, rather than merely drifting away from it).

Motion. When the share of engaged members who want it reaches ``motion_share``, a motion to
dissolve is tabled (by members: no leadership can stop an all-member call) and put to the vote
``debate_weeks`` later, the notice a constitution gives for a special convention or a
referendum. Members go on learning, leaving and changing their minds during the debate; the
vote is decided by who still takes part then.

Vote. Each engaged member takes part with probability ``participation`` and votes for
dissolution if he wants it; everyone else who takes part, the loyalists included, votes to
carry on. It passes with more than ``majority`` of the votes, and the organisation ceases to
exist that week. A motion that fails can be tabled again once more members want dissolution
than wanted it at the failed vote (no fixed cooldown: a crisis that deepens brings it back, one
that abates does not).
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
    debate_weeks: int = Field(2, ge=0, le=52, description="Weeks from a tabled motion to dissolve to its vote (the notice of a special convention or referendum).")


def wants(model: "OrgModel") -> np.ndarray:
    s, prm = model.state, model.params.dissolution
    return (model.engaged & (s.commitment < prm.commitment_below) & (s.trust < prm.trust_below)
            & (s.efficacy < prm.efficacy_below) & (s.grievance > prm.grievance_above))


def step(model: "OrgModel") -> None:
    prm = model.params.dissolution
    m = model.engaged
    n = int(m.sum())
    if n == 0:
        return
    want = wants(model)
    support = float(want.sum()) / n
    if model.motion_vote_week is None:
        if support >= prm.motion_share and support > model.failed_support:
            model.motion_vote_week = model.week + prm.debate_weeks
            model.log("motion", None, support=round(support, 3), vote_week=model.motion_vote_week)
        return
    if model.week < model.motion_vote_week:
        return
    model.motion_vote_week = None
    voters = m & (model.rng.random(model.n) < prm.participation)
    yes, total = int((voters & want).sum()), int(voters.sum())
    share = yes / total if total else 0.0
    passed = share > prm.majority
    model.log("dissolution_vote", None, yes=int(yes), no=int(total - yes), share=round(float(share), 3),
              passed=bool(passed))
    model.dissolution_votes.append({"week": model.week, "yes": yes, "no": total - yes, "share": share})
    if passed:
        model.dissolve()
    else:
        model.failed_support = support
