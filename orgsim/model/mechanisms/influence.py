"""Political position and influence: bounded-confidence opinion dynamics over the network.

Positions lie in [0, 1]; the official line is the leadership's mean position. Two rules, chosen
by ``rule``:

- ``pairwise`` (the default; Deffuant et al. 2000): each week the engaged members meet in random
  disjoint pairs along their ties (each proposes to one tie, chosen in proportion to its weight;
  a proposal is kept where it outranks every other proposal touching either partner, so the
  pairs are disjoint and each week is a batch of independent Deffuant encounters). If the
  position a partner *expresses* lies within ``confidence`` of one's own, one moves a share
  ``rate`` (Deffuant's mu) of the way to it. From uniform positions on a complete graph this
  gives about floor(1/(2 confidence)) clusters, as Deffuant et al. report.
- ``averaging`` (Hegselmann & Krause 2002): every engaged member moves a share ``rate`` of the
  way to the weighted mean of the positions his engaged neighbours express within
  ``confidence`` of his own.

With ``falsification`` on, a silent dissenter expresses the official line rather than his
private position (Kuran 1991), which entrenches the line. Organisers and branch committees pull
every member toward the line with weekly strength ``line_pull x unity_of_thought x trust``.
Leaders set the line and are moved only by drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.state import LEADER

FAR = 1e300  # a position no one is within confidence of; finite, so that 0 x FAR = 0

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class InfluenceParams(Strict):
    confidence: Prob = Field(0.2, description="Bounded-confidence radius: neighbours farther than this are ignored (Deffuant et al. 2000).")
    rule: Literal["pairwise", "averaging"] = Field(
        "pairwise", description="Bounded-confidence rule: pairwise encounters (Deffuant et al. 2000) or averaging over all accepted neighbours (Hegselmann & Krause 2002).")
    rate: Prob = Field(0.3, description="Share of the distance to an accepted partner's position (pairwise: Deffuant's mu) or to the mean of accepted neighbours (averaging, weekly) that a member moves.")
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

    follower = np.flatnonzero(engaged & (s.role != LEADER))
    move = np.zeros(model.n)
    if prm.rule == "pairwise":
        _pairwise(model, expressed, move)
    else:
        _averaging(model, expressed, follower, move)
    move[s.role == LEADER] = 0.0
    # enforcement of the official line, accepted in proportion to trust
    pull = prm.line_pull * model.regime.unity_of_thought
    if pull > 0:
        move[follower] += pull * s.trust[follower] * (line - s.pos[follower])
    if prm.drift > 0:
        rows = model.engaged_rows
        move[rows] += model.rng.normal(0.0, prm.drift, rows.size)
    np.clip(s.pos + move, 0.0, 1.0, out=s.pos)


def _averaging(model: "OrgModel", expressed: np.ndarray, follower: np.ndarray, move: np.ndarray) -> None:
    s, prm = model.state, model.params.influence
    src, dst, w = model.engaged_ties()  # ties among members (and recent leavers)
    diff = expressed[dst] - s.pos[src]
    wa = np.where(np.abs(diff) < prm.confidence, w, 0.0)
    num = np.bincount(src, weights=wa * diff, minlength=model.n)
    den = np.bincount(src, weights=wa, minlength=model.n)
    ok = follower[den[follower] > 0]  # rows rather than masks to index with: several times faster
    move[ok] = prm.rate * num[ok] / den[ok]


def _pairwise(model: "OrgModel", expressed: np.ndarray, move: np.ndarray) -> None:
    """One batch of disjoint Deffuant encounters along ties between engaged members."""
    s, prm = model.state, model.params.influence
    src, dst, w = model.engaged_ties()
    # ties to non-engaged persons weigh nothing (their expressed position is FAR)
    w = np.where(expressed[dst] < FAR, w, 0.0)
    total = np.bincount(src, weights=w, minlength=model.n)
    who = np.flatnonzero((total > 0) & (expressed < FAR))
    if who.size == 0:
        return
    # each proposes to one tie, drawn in proportion to its weight: src is grouped (CSR order),
    # so the ties of ``who`` are a contiguous run of the cumulative weights
    cum = np.cumsum(w)
    start = np.searchsorted(src, who)
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    u = model.rng.random(who.size)
    pick = np.searchsorted(cum, before + u * total[who], side="right")
    pick = np.minimum(pick, src.size - 1)
    a, b = who, dst[pick]
    # keep a proposal when its random rank is the highest among the proposals touching a or b
    rank = model.rng.random(who.size)
    best = np.full(model.n, -1.0)
    np.maximum.at(best, a, rank)
    np.maximum.at(best, b, rank)
    keep = (best[a] == rank) & (best[b] == rank)
    a, b = a[keep], b[keep]
    for x, y in ((a, b), (b, a)):
        d = expressed[y] - s.pos[x]
        ok = np.abs(d) < prm.confidence
        move[x[ok]] += prm.rate * d[ok]
