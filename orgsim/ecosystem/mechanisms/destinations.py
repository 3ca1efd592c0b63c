"""Where those who leave go: a rival organisation, unaffiliated activism, or withdrawal.

Everyone who left an organisation this week (resigned, expelled, left with a branch, or with a
split too small to found an organisation) and everyone a dissolution releases stays active in
the milieu with probability ``activism``; the others withdraw (their place in the milieu is
taken by a new person ``recruitment.renewal_weeks`` later, as in a single organisation). An
active leaver joins a rival at once with probability ``transfer`` x min(1, A), A his summed
attraction to the rivals (:mod:`~orgsim.ecosystem.mechanisms.attraction`), the rival drawn in
proportion to its attraction; otherwise he stays unaffiliated, and rivals may recruit him
(:mod:`~orgsim.ecosystem.mechanisms.competition`) until his place is renewed. Nobody rejoins the
organisation he has just left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.ecosystem.mechanisms import attraction

if TYPE_CHECKING:
    from orgsim.ecosystem.model import Ecosystem

UNAFFILIATED, WITHDRAWN = "unaffiliated", "withdrawn"


def decide(eco: "Ecosystem", k: int, rows: np.ndarray) -> list[tuple[int, int, int]]:
    """Destinations of the persons in ``rows`` of organisation k; returns the moves to rivals
    (src, row, dst) for the ecosystem to carry out; flags and counts the others."""
    if rows.size == 0:
        return []
    prm, org = eco.prm, eco.orgs[k]
    active = eco.rng.random(rows.size) < prm.activism
    targets, w = attraction.weights(eco, k, org.state.pos[rows])
    total = w.sum(axis=1) if targets else np.zeros(rows.size)
    go = active & (eco.rng.random(rows.size) < prm.transfer * np.minimum(1.0, total))
    moves = []
    if go.any():
        picks = attraction.choose(eco.rng, w[go])
        moves = [(k, int(r), targets[int(c)]) for r, c in zip(rows[go], picks)]
    stay = active & ~go
    eco.active[k][rows[stay]] = True
    eco.count(k, UNAFFILIATED, int(stay.sum()))
    gone = int((~active).sum())
    eco.withdrawn += gone
    eco.count(k, WITHDRAWN, gone)
    return moves
