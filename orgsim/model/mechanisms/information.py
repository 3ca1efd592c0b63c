"""Information flow: critiques and revelations spread along ties.

Each piece of news is known by a set of members. Every week a member who does not know it
learns it with probability 1 - (1 - p)^e, where e is the weighted number of informed ties:
ties within a branch weigh 1, cross-branch ties weigh 1, 0.3 or 0.05 as horizontal
communication is allowed, discouraged or forbidden (parameters). Organisers and leaders are
gatekeepers: they pass news on only once their own trust in the leadership is below one half
(information control). What learning does is the
news' own business (a scandal discredits the leadership, a critique persuades).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.state import RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class InformationParams(Strict):
    pass_prob: Prob = Field(0.25, description="Weekly probability that news passes along one tie.")
    discouraged_weight: Prob = Field(0.3, description="Weight of cross-branch ties when horizontal communication is discouraged.")
    forbidden_weight: Prob = Field(0.05, description="Weight of cross-branch ties when horizontal communication is forbidden.")
    critique_pull: Prob = Field(0.15, description="Weekly pull of a heard critique on positions within the confidence radius.")


@dataclass
class News:
    kind: str
    label: str
    knows: np.ndarray
    on_learn: Callable[["OrgModel", np.ndarray], None]
    idle_weeks: int = 0
    spreading: bool = True
    extra: dict = field(default_factory=dict)


QUIET_WEEKS = 8  # news nobody has passed on for this long stops being tracked


def publish(model: "OrgModel", news: News, first: np.ndarray) -> None:
    """Start a piece of news known by the members in ``first`` (a boolean mask)."""
    first = first & model.state.member
    news.knows |= first
    model.news.append(news)
    if first.any():
        news.on_learn(model, first)


def step(model: "OrgModel") -> None:
    p = model.params.information.pass_prob
    if p <= 0:
        return
    s = model.state
    member = s.member
    engaged = model.engaged
    relays = engaged & ((s.role == RANK_AND_FILE) | (s.trust < 0.5))
    for news in model.news:
        if not news.spreading:
            continue
        exposure = model.member_tie_sum(news.knows & relays)  # = adj @ (knows & relays) at members
        candidates = member & ~news.knows & (exposure > 0)
        if not candidates.any():
            news.idle_weeks += 1
            news.spreading = news.idle_weeks < QUIET_WEEKS
            continue
        idx = np.flatnonzero(candidates)
        prob = 1.0 - (1.0 - p) ** exposure[idx]
        learn_idx = idx[model.rng.random(idx.size) < prob]
        if learn_idx.size == 0:
            news.idle_weeks += 1
            news.spreading = news.idle_weeks < QUIET_WEEKS
            continue
        news.idle_weeks = 0
        learners = np.zeros(model.n, dtype=bool)
        learners[learn_idx] = True
        news.knows |= learners
        news.on_learn(model, learners)
