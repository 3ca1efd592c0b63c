"""The outside option made endogenous: the pull of rival organisations.

Each week, before an organisation's own week, its members' outside option (exit's
``competitor_pull``) gains ``pull_weight`` x the summed attraction of its rivals to its line
(:mod:`~orgsim.ecosystem.mechanisms.attraction`), capped so that the total stays at most 1. The
scenario's own ``competitor_pull`` remains as the pull of everything outside the ecosystem
(unions, movements, parties not modelled). An organisation alone in its milieu gains nothing: a
monopoly is hard to leave.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.ecosystem.mechanisms import attraction

if TYPE_CHECKING:
    from orgsim.ecosystem.model import Ecosystem


def step(eco: "Ecosystem") -> None:
    alive = eco.alive()
    if len(alive) < 2:
        for k in alive:
            eco.orgs[k].outside_pull = 0.0
        return
    v, share = eco.view, attraction.presence(eco)
    idx = np.array(alive)
    scale = share[idx] * np.array([eco.orgs[j].public_standing for j in alive]) * v["appeal"][idx]
    # attraction of each rival j at each organisation k's line (rows k, columns j; j = k excluded)
    w = scale[None, :] * np.exp(-np.abs(v["line"][idx][:, None] - v["line"][idx][None, :]) / v["confidence"][idx][None, :])
    np.fill_diagonal(w, 0.0)
    w[:, share[idx] <= 0] = 0.0
    for row, k in enumerate(alive):
        org = eco.orgs[k]
        org.outside_pull = min(1.0 - org.environment.competitor_pull, eco.prm.pull_weight * float(w[row].sum()))
