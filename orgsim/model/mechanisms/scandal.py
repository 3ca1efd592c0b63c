"""Scandals: revelations with a severity and implicated leaders, and the leadership's answer.

A scandal implicates a share of the old leadership (the leaders of week 0 and those they
co-opted), of the leaders elected since, of all current leaders, or nobody in office. A share
``reach`` of members learn of it at once (a leak, a publication); the rest hear it along ties
(see information). Where the regime is open the leadership discloses it to every member
itself. Each member who learns of it adds to his discredit of the leadership

    severity x (1 - credibility) x (0.3 + 0.7 x b) x (cover_up_factor if covered up or withheld),

where b is the share of leadership seats held by implicated persons, and credibility is that of
the inquiry: an independent inquiry is credible and removes the implicated leaders from office;
an internal one is barely credible, and not at all when the implicated hold a majority of the
leadership that runs it. Discredit fades only once no implicated person holds a
seat (grievance). A public scandal lowers recruitment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from orgsim.model.mechanisms.grievance import add_discredit
from orgsim.model.events import EventBase
from orgsim.model.mechanisms.information import News, publish
from orgsim.model.schema import Prob, Strict
from orgsim.model.state import LEADER, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class ScandalParams(Strict):
    credibility_internal: Prob = Field(0.2, description="Credibility of an internal inquiry (0 if the inquirers are implicated).")
    credibility_independent: Prob = Field(0.8, description="Credibility of an independent inquiry.")
    cover_up_factor: float = Field(1.5, ge=1.0, le=5.0, description="Damage multiplier when a withheld scandal is learnt through leaks.")
    reputation_hit: Prob = Field(0.5, description="Drop of public reputation (recruitment) after a public scandal of severity 1.")


class ScandalEvent(EventBase):
    kind: Literal["scandal"]
    severity: Prob = Field(0.5, description="Gravity of what is revealed.")
    implicates: Literal["old", "new", "leadership", "none"] = Field(
        "leadership", description="Who is implicated: the old leadership (present at week 0 and its co-optees), leaders elected since, all current leaders, or nobody in office."
    )
    share: Prob = Field(0.5, description="Share of that group implicated.")
    reach: Prob = Field(0.1, description="Share of members who learn of it at once (a leak or a publication); the rest hear it along ties.")
    cover_up: bool = Field(False, description="Whether it reveals that the leadership covered something up.")
    public: bool = Field(False, description="Whether it is public outside the organisation (hurts recruitment).")


def reveal(model: "OrgModel", ev: ScandalEvent) -> None:
    from orgsim.model.agents import change_role

    s, prm = model.state, model.params.scandal
    leaders = np.flatnonzero(s.member & (s.role == LEADER))
    group = {
        "old": leaders[s.establishment[leaders]],
        "new": leaders[~s.establishment[leaders]],
        "leadership": leaders,
        "none": leaders[:0],
    }[ev.implicates]
    k = int(np.ceil(ev.share * group.size)) if ev.share > 0 else 0
    implicated = model.rng.choice(group, size=min(k, group.size), replace=False) if k else group[:0]
    s.implicated[implicated] = True

    independent = model.regime.investigation == "independent"
    blame = implicated.size / model.n_seats  # share of the leadership implicated
    if independent:
        credibility = prm.credibility_independent
    else:
        credibility = 0.0 if blame > 0.5 else prm.credibility_internal
    # nobody in office to blame: the organisation's standing still suffers (0.3)
    damage = ev.severity * (1.0 - credibility) * (0.3 + 0.7 * min(1.0, blame))
    withheld = model.regime.transparency == "secret"
    if ev.cover_up or withheld:
        damage *= prm.cover_up_factor

    model.log("scandal", None, severity=ev.severity, implicated=int(implicated.size),
              inquiry=model.regime.investigation, label=ev.label)
    if independent:
        for row in implicated:
            agent = model.agent_at[row]
            if agent is not None and s.role[row] == LEADER:
                change_role(model, agent, RANK_AND_FILE)
                model.log("stood_down", agent, reason="implicated; independent inquiry")
    if ev.public:
        model.public_standing *= 1.0 - model.params.scandal.reputation_hit * ev.severity

    def on_learn(m: "OrgModel", learners: np.ndarray) -> None:
        add_discredit(m, np.flatnonzero(learners), damage)

    first = model.rng.random(model.n) < ev.reach
    first[leaders] = True
    if not withheld:
        first[:] = True  # an open leadership tells every member itself
    publish(model, News("scandal", ev.label, np.zeros(model.n, dtype=bool), on_learn), first)
