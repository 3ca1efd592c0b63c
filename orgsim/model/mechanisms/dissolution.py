"""A crisis as a deliberation: motions to dissolve or to reform, a debate, a vote, and a motion
that can return.

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

Reform. Members who have lost trust and hold the organisation at fault but are still committed
to it (voice rather than exit, Hirschman 1970) want it reformed: trust below ``trust_below``,
grievance above ``grievance_above``, commitment at or above ``commitment_below``. A motion to
reform is tabled, debated and voted by the same rules; those who want dissolution vote for it
too (anything but the present regime), loyalists against. If it passes, the regime gives its
members the means of voice: factions at any time, talk across branches, and open books
(``REFORM``). Splitting away is not a motion of the organisation: a faction decides it for
itself (factions).
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


# What a passed reform gives the members: the means of voice.
REFORM = {"faction_rights": "permanent", "horizontal_communication": "allowed", "transparency": "open"}


def wants_reform(model: "OrgModel") -> np.ndarray:
    s, prm = model.state, model.params.dissolution
    return (model.engaged & (s.commitment >= prm.commitment_below) & (s.trust < prm.trust_below)
            & (s.grievance > prm.grievance_above))


def reformed(model: "OrgModel") -> bool:
    return all(getattr(model.regime, k) == v for k, v in REFORM.items())


def step(model: "OrgModel") -> None:
    m = model.engaged
    n = int(m.sum())
    if n == 0:
        return
    want = wants(model)
    if _deliberate(model, "dissolution", want, want, n):
        model.dissolve()
        return
    if not reformed(model) and _deliberate(model, "reform", wants_reform(model), want, n):
        model.change_regime({k: v for k, v in REFORM.items() if getattr(model.regime, k) != v},
                            "motion", "the members vote to reform the regime")


def _deliberate(model: "OrgModel", motion: str, want: np.ndarray, also: np.ndarray, n: int) -> bool:
    """Table ``motion`` when enough want it (and more than at its last failure); in the week of
    its vote, those who take part vote for it if they want it or ``also``; True if it passes."""
    prm = model.params.dissolution
    support = float(want.sum()) / n
    if model.motions[motion] is None:
        if support >= prm.motion_share and support > model.failed_support[motion]:
            model.motions[motion] = model.week + prm.debate_weeks
            model.log("motion", None, motion=motion, support=round(support, 3), vote_week=model.motions[motion])
        return False
    if model.week < model.motions[motion]:
        return False
    model.motions[motion] = None
    voters = model.engaged & (model.rng.random(model.n) < prm.participation)
    ayes, total = int((voters & (want | also)).sum()), int(voters.sum())
    share = ayes / total if total else 0.0
    passed = share > prm.majority
    model.log(f"{motion}_vote", None, yes=ayes, no=total - ayes, share=round(float(share), 3), passed=bool(passed))
    getattr(model, f"{motion}_votes").append({"week": model.week, "yes": ayes, "no": total - ayes, "share": share})
    if not passed:
        model.failed_support[motion] = support
    return passed
