"""Attraction of an organisation to those who can compare it with others.

An organisation j attracts a person at position x with weight

    presence_j x standing_j x appeal_j x exp(-|x - line_j| / confidence_j),

presence_j its share of the organised milieu (members of all organisations), standing_j its
public standing (scandals and rivals' polemics lower it; ``recruitment.standing``), appeal_j =
1 - regime_appeal x democratic deficit of its regime, and the last factor closeness to its line
(the bounded-confidence radius as the scale: people consider organisations near their views).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.mechanisms.regime import democratic_deficit

if TYPE_CHECKING:
    from orgsim.ecosystem.model import Ecosystem


def appeal(eco: "Ecosystem", k: int) -> float:
    return 1.0 - eco.prm.regime_appeal * democratic_deficit(eco.orgs[k].regime)


def presence(eco: "Ecosystem") -> np.ndarray:
    """Each organisation's share of all members (0 for organisations that ended), at the last
    :meth:`~orgsim.ecosystem.model.Ecosystem.refresh`."""
    members = eco.view["members"]
    total = members.sum()
    return members / total if total > 0 else members


def weights(eco: "Ecosystem", src: int | None, pos: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The organisations other than ``src`` that a person can go to, and each person's attraction
    to each (rows: persons at ``pos``; columns: those organisations)."""
    share, v = presence(eco), eco.view
    targets = [j for j in eco.alive() if j != src and share[j] > 0]
    w = np.zeros((pos.size, len(targets)))
    for c, j in enumerate(targets):
        scale = share[j] * eco.orgs[j].public_standing * v["appeal"][j]
        w[:, c] = scale * np.exp(-np.abs(pos - v["line"][j]) / v["confidence"][j])
    return targets, w


def choose(rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    """One column per row, with probability proportional to the row's weights (rows sum > 0)."""
    cum = np.cumsum(w, axis=1)
    u = rng.random(w.shape[0]) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), w.shape[1] - 1)
