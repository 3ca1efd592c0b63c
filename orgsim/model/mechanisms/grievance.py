"""Grievance and trust (legitimacy of the leadership).

Hardship H combines the distance from the official line, the environment's gap between
principle and practice, the regime's democratic deficit and remembered injustice (sanctions
seen as unjust). Grievance G = strain + resentment (capped at 1). Strain follows
H x (1 - L) at weekly rate ``adapt``, with L the member's trust in the leadership (Epstein
2002). Resentment is a stock: it builds up by ``accumulation x (1 - G)`` each week a member
keeps his dissent hidden (the cost of preference falsification, Kuran 1991), fades by
``resentment_decay`` a week as members adapt, and is relieved by a further ``relief x efficacy``
each week he voices it without being charged. Trust returns slowly toward
``initial trust - discredit``, where discredit is what scandals a member has learnt of cost
the leadership; discredit fades only once the implicated leaders are gone. Organisers
anchored to the centre (``organiser_loyalty``) discount damaging news accordingly, and drift
toward the mean trust of the members of their region at weekly rate
``hinge_rate x (1 - loyalty)``: organisers are the hinge between members and centre.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.mechanisms.regime import democratic_deficit
from orgsim.model.state import ORGANISER

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class GrievanceParams(Strict):
    distance_weight: float = Field(1.6, ge=0.0, le=10.0, description="Hardship from distance to the line (per unit distance).")
    gap_weight: float = Field(0.5, ge=0.0, le=10.0, description="Hardship from the environment's practice gap.")
    deficit_weight: float = Field(0.25, ge=0.0, le=10.0, description="Hardship from the regime's democratic deficit (0 to 1).")
    injustice_weight: float = Field(0.4, ge=0.0, le=10.0, description="Hardship from sanctions seen as unjust.")
    adapt: Prob = Field(0.05, description="Weekly rate at which strain follows hardship times illegitimacy.")
    accumulation: float = Field(
        0.002, ge=0.0, le=0.2, description="Weekly build-up of resentment while dissent is kept hidden (cost of preference falsification); 0 ablates it."
    )
    resentment_decay: Prob = Field(0.005, description="Weekly share of resentment that fades as members adapt (bounds the build-up).")
    relief: float = Field(0.02, ge=0.0, le=0.5, description="Weekly share of resentment relieved for a member whose voice is heard (no charge), times efficacy.")
    injustice_decay: Prob = Field(0.01, description="Weekly decay of remembered injustice.")
    trust_recovery: Prob = Field(0.01, description="Weekly rate at which trust returns to its undamaged level.")
    discredit_decay: Prob = Field(0.004, description="Weekly decay of discredit from scandals whose implicated leaders are gone.")
    hinge_rate: Prob = Field(0.3, description="Weekly rate at which an organiser with no loyalty to the centre takes on his region's trust.")
    unjust_sanction_trust: Prob = Field(0.08, description="Trust lost by a member who sees a sanction he judges unjust (times severity).")


def hardship(model: "OrgModel", rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Hardship of the persons at ``rows`` (everyone by default)."""
    s, prm = model.state, model.params.grievance
    h = (
        prm.distance_weight * np.abs(s.pos[rows] - model.line)
        + prm.gap_weight * model.environment.practice_gap
        + prm.deficit_weight * democratic_deficit(model.regime)
        + prm.injustice_weight * s.injustice[rows]
    )
    return np.clip(h, 0.0, 1.0)


def step(model: "OrgModel") -> None:
    s, prm = model.state, model.params.grievance
    m = model.engaged_rows  # indexing with rows is several times faster than with a mask
    # trust
    if not model.implicated_in_office():
        s.discredit[m] *= 1.0 - prm.discredit_decay
    target = np.clip(model.state.base_trust[m] - s.discredit[m], 0.0, 1.0)
    s.trust[m] += prm.trust_recovery * (target - s.trust[m])
    _organisers_hear_their_region(model)
    # grievance
    h = hardship(model, m)
    strain = s.strain[m]
    strain += prm.adapt * (h * (1.0 - s.trust[m]) - strain)
    r = s.resentment[m]
    r += prm.accumulation * s.hidden[m] * (1.0 - s.grievance[m])
    r -= (prm.resentment_decay + prm.relief * (s.voicing[m] & (s.charged_week[m] < 0)) * s.efficacy[m]) * r
    s.strain[m] = strain
    s.resentment[m] = r
    s.grievance[m] = np.clip(strain + r, 0.0, 1.0)
    s.injustice[m] *= 1.0 - prm.injustice_decay


def _organisers_hear_their_region(model: "OrgModel") -> None:
    """Organisers drift toward the mean trust of the members they organise, at a rate scaled
    by 1 - loyalty: elected organisers answer to their members, appointed ones to the centre."""
    s, prm = model.state, model.params.grievance
    rate = prm.hinge_rate * (1.0 - model.regime.loyalty)
    if rate <= 0:
        return
    rows = model.organiser_rows
    alive = s.member[rows] & (s.role[rows] == ORGANISER)
    if not alive.any():
        return
    rf = model.engaged_rows[s.role[model.engaged_rows] != ORGANISER]
    region = model.region_of_branch[s.branch[rf]]
    ok = region >= 0
    k = rows.size
    total = np.bincount(region[ok], weights=s.trust[rf[ok]], minlength=k)
    count = np.bincount(region[ok], minlength=k)
    heard = alive & (count > 0)
    o = rows[heard]
    s.trust[o] += rate * (total[heard] / count[heard] - s.trust[o])


def _discount(model: "OrgModel", who: np.ndarray) -> np.ndarray:
    """Organisers anchored to the centre discount damaging news by their loyalty."""
    return np.where(model.state.role[who] == ORGANISER, 1.0 - model.regime.loyalty, 1.0)


def lose_trust(model: "OrgModel", who: np.ndarray, amount: float | np.ndarray) -> None:
    """A passing trust shock to the members at indices ``who`` (amount per member or scalar)."""
    s = model.state
    s.trust[who] = np.clip(s.trust[who] - _discount(model, who) * amount, 0.0, 1.0)


def add_discredit(model: "OrgModel", who: np.ndarray, amount: float | np.ndarray) -> None:
    """Lasting damage to the leadership's standing, and the immediate loss of trust; the part of
    commitment that rests on trust goes with it at once (a revelation is a shock, not a drift)."""
    s = model.state
    hit = _discount(model, who) * amount
    s.discredit[who] += hit
    before = s.trust[who].copy()
    lose_trust(model, who, amount)
    drop = model.params.exit.trust_weight * (before - s.trust[who])
    s.commitment[who] = np.clip(s.commitment[who] - drop, 0.0, 1.0)
