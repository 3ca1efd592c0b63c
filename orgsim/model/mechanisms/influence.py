"""Political position and influence: bounded-confidence opinion dynamics over the network.

Positions lie in [0, 1]; the official line is the leadership's mean position. Each week an
engaged member moves a share ``rate`` of the way to the weighted mean of the positions his
engaged neighbours *express* that lie within ``confidence`` of his own (Deffuant et al.
2000; Hegselmann & Krause 2002). With ``falsification`` on, a silent dissenter expresses the
official line rather than his private position (Kuran 1991), which entrenches the line.
Organisers and branch committees pull every member toward the line with weekly strength
``line_pull x unity_of_thought x trust``. Leaders set the line and are moved only by drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.state import LEADER

FAR = 1e300  # a position no one is within confidence of; finite, so that 0 x FAR = 0

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class InfluenceParams(Strict):
    confidence: Prob = Field(0.2, description="Bounded-confidence radius: neighbours farther than this are ignored (Deffuant et al. 2000).")
    rate: Prob = Field(0.1, description="Weekly share of the distance to the mean of accepted neighbours that a member moves.")
    line_pull: Prob = Field(0.05, description="Weekly pull toward the official line at unity_of_thought = 1, scaled by trust.")
    drift: float = Field(0.006, ge=0.0, le=0.2, description="Standard deviation of weekly idiosyncratic drift of positions.")
    falsification: bool = Field(True, description="Silent dissenters show the official line to their neighbours (Kuran 1991).")


def step(model: "OrgModel") -> None:
    s, prm = model.state, model.params.influence
    engaged = model.engaged
    line = model.line
    expressed = s.pos.copy()
    if prm.falsification:
        expressed[s.hidden] = line
    # Only engaged neighbours are heard: the others express a position so far away that no one
    # accepts it (its terms are exact zeros, as a mask would give, at less cost per tie). Sums at
    # non-engaged rows are not used.
    expressed[~engaged] = FAR

    src, dst, w = model.engaged_ties()  # ties among members (and recent leavers)
    diff = expressed[dst] - s.pos[src]
    wa = np.where(np.abs(diff) < prm.confidence, w, 0.0)
    num = np.bincount(src, weights=wa * diff, minlength=model.n)
    den = np.bincount(src, weights=wa, minlength=model.n)
    # rows rather than masks to index with: several times faster
    follower = np.flatnonzero(engaged & (s.role != LEADER))
    move = np.zeros(model.n)
    ok = follower[den[follower] > 0]
    move[ok] = prm.rate * num[ok] / den[ok]
    # enforcement of the official line, accepted in proportion to trust
    pull = prm.line_pull * model.regime.unity_of_thought
    if pull > 0:
        move[follower] += pull * s.trust[follower] * (line - s.pos[follower])
    if prm.drift > 0:
        rows = model.engaged_rows
        move[rows] += model.rng.normal(0.0, prm.drift, rows.size)
    np.clip(s.pos + move, 0.0, 1.0, out=s.pos)
