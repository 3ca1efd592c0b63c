"""Competing recruitment: organisations reach the contacts of the others.

Each organisation recruits its own contacts as a single organisation does
(:mod:`orgsim.model.mechanisms.recruitment`). In an ecosystem its public activity (meetings,
press, stalls) also reaches the rest of the milieu: the contacts of every other organisation
(and of those that ended) and the unaffiliated former members of others. Such a person joins
organisation j with weekly hazard

    rate x climate x reputation_j x reach x outreach x within_degree x intensity_j x appeal_j
        x exp(-|x - line_j| / confidence_j),

intensity_j = summed commitment of j's engaged members per person of the whole milieu (its public
activity, which in its own milieu is shared among its branches' contacts, is here spread over
everyone: reaching far costs reach), the other factors as in
:mod:`~orgsim.ecosystem.mechanisms.attraction`. Hazards of several organisations add; the one he
joins is drawn in proportion to its hazard. The milieu is one pool: a person recruited by one
organisation is no longer available to the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.ecosystem.mechanisms import attraction
from orgsim.model.mechanisms.recruitment import standing
from orgsim.model.state import PERIPHERY

if TYPE_CHECKING:
    from orgsim.ecosystem.model import Ecosystem


def coefficients(eco: "Ecosystem") -> dict[int, float]:
    """The position-free part of each recruiting organisation's hazard."""
    out = {}
    everyone = sum(o.n for o in eco.orgs)
    for j in eco.alive():
        org = eco.orgs[j]
        m = org.engaged_rows
        if not m.size:
            continue
        prm = org.params.recruitment
        intensity = float(org.state.commitment[m].sum()) / everyone
        out[j] = (prm.rate * org.environment.climate * standing(org, m) * eco.prm.reach * prm.outreach
                  * org.scenario.network.within_degree * intensity * eco.view["appeal"][j])
    return out


def decide(eco: "Ecosystem") -> list[tuple[int, int, int]]:
    """This week's joins from the rest of the milieu: (src, row, dst) moves."""
    coef = coefficients(eco)
    moves: list[tuple[int, int, int]] = []
    if not coef or len(eco.orgs) < 2:
        return moves
    for i, org in enumerate(eco.orgs):
        targets = [j for j in coef if j != i]
        if not targets:
            continue
        s = org.state
        rows = np.flatnonzero((s.status == PERIPHERY) | eco.active[i])
        # thinning (exact): each candidate's hazard is at most the sum of the coefficients, so draw
        # the candidates at that bound, then keep each with his own probability over the bound's
        h_max = sum(coef[j] for j in targets)
        p_max = 1.0 - np.exp(-h_max)
        k = int(eco.rng.binomial(rows.size, p_max)) if rows.size else 0
        if not k:
            continue
        rows = np.sort(eco.rng.choice(rows, size=k, replace=False))
        h = np.empty((rows.size, len(targets)))
        v = eco.view
        for c, j in enumerate(targets):
            h[:, c] = coef[j] * np.exp(-np.abs(s.pos[rows] - v["line"][j]) / v["confidence"][j])
        joins = eco.rng.random(rows.size) * p_max < 1.0 - np.exp(-h.sum(axis=1))
        if joins.any():
            picks = attraction.choose(eco.rng, h[joins])
            moves.extend((i, int(r), targets[int(c)]) for r, c in zip(rows[joins], picks))
    return moves
