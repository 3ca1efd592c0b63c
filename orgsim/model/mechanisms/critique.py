"""Critique: one member circulates a critique of the line.

The author is the engaged rank-and-file member (a provisional one if the event says so), not
silenced by fear, whose position is nearest to ``line + stance``; a defence of the previous
critic is written by the member nearest to that critic's position. The author takes the critique's position, voices
it and keeps voicing until fear silences him, and sends it to all his ties, across branches
too (an aggravated offence where horizontal communication is forbidden). Members who hear
it and stand within the confidence radius of it are pulled toward it by
``critique_pull x strength``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from orgsim.model.events import EventBase
from orgsim.model.mechanisms.information import News, publish
from orgsim.model.schema import Prob
from orgsim.model.state import RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class CritiqueEvent(EventBase):
    kind: Literal["critique"]
    stance: float = Field(0.3, ge=-1.0, le=1.0, description="Position of the critique relative to the line.")
    strength: Prob = Field(0.5, description="Persuasiveness of the critique.")
    by: Literal["member", "provisional"] = Field("member", description="Who circulates it: a full member or a provisional member.")
    defends_previous: bool = Field(False, description="Whether it defends the author of the previous critique.")


def circulate(model: "OrgModel", ev: CritiqueEvent) -> None:
    s = model.state
    # a member silenced by fear does not put his name to a critique
    eligible = (model.engaged & (s.role == RANK_AND_FILE) & (s.charged_week < 0)
                & (s.fear <= model.params.discipline.recant_fear))
    tenure = model.week - s.joined
    provisional = tenure < model.scenario.organisation.provisional_weeks
    eligible &= provisional if ev.by == "provisional" else ~provisional
    if not eligible.any():
        eligible = model.engaged & (s.role == RANK_AND_FILE)
        if not eligible.any():
            return
    idx = np.flatnonzero(eligible)
    target = float(np.clip(model.line + ev.stance, 0.0, 1.0))
    if ev.defends_previous and model.critics:
        target = float(s.pos[model.critics[-1]]) if s.member[model.critics[-1]] else target
    author = int(idx[np.argmin(np.abs(s.pos[idx] - target) + 1e-9 * model.rng.random(idx.size))])
    s.pos[author] = target
    s.critic[author] = len(model.critics)
    s.grievance[author] = max(s.grievance[author], s.threshold[author] * 1.5)
    s.cross_offence[author] = True  # he circulates a document to members beyond his branch's channel
    model.critics.append(author)
    agent = model.agent_at[author]
    agent.voice(reason="critique", label=ev.label)

    eps = model.params.influence.confidence
    pull = model.params.information.critique_pull * ev.strength

    def on_learn(m: "OrgModel", learners: np.ndarray) -> None:
        who = np.flatnonzero(learners & (np.abs(m.state.pos - target) < eps))
        who = who[who != author]
        m.state.pos[who] += pull * (target - m.state.pos[who])

    first = np.zeros(model.n, dtype=bool)
    first[author] = True
    ties = model.adj.indices[model.adj.indptr[author]:model.adj.indptr[author + 1]]
    first[ties] = True
    publish(model, News("critique", ev.label, np.zeros(model.n, dtype=bool), on_learn), first)
