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
    for k in eco.alive():
        org = eco.orgs[k]
        _, w = attraction.weights(eco, k, np.array([eco.view["line"][k]]))
        room = 1.0 - org.environment.competitor_pull
        org.outside_pull = min(room, eco.prm.pull_weight * float(w.sum())) if w.size else 0.0
