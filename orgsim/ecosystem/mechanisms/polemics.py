"""Polemics: rivals publicise a purge.

Expulsions are internal matters in a monopoly; where rival organisations exist they are news.
Each week an organisation that expelled e of its m members loses public standing by the factor
exp(-polemics x r x e / m), r the rivals' share of the organised milieu (1 - its own presence):
the more of the milieu belongs to others, the more widely the purge is told. Public standing
recovers by a twentieth a week (:mod:`orgsim.model.mechanisms.recruitment`) and enters
recruitment and the attraction of the organisation to those who compare. Scandals need no
separate rule: their public part already lowers the standing that rivals' members and the milieu
see (:mod:`orgsim.model.mechanisms.scandal`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import math

from orgsim.ecosystem.mechanisms import attraction

if TYPE_CHECKING:
    from orgsim.ecosystem.model import Ecosystem


def step(eco: "Ecosystem") -> None:
    share = attraction.presence(eco)
    for k in eco.alive():
        org = eco.orgs[k]
        expelled = org.flows["expulsions"]
        if not expelled:
            continue
        rivals = 1.0 - share[k]
        members = max(1, eco.members(k) + expelled)
        org.public_standing *= math.exp(-eco.prm.polemics * rivals * expelled / members)
