"""Discipline: detection of dissent, charges, hearings and sanctions, and what witnesses learn.

Voiced dissent is an offence under any regime whose dissent penalty is not ``none``, except
while factions are legal (open debate), when only aggravated offences are: a critique sent
across branches, or a faction spanning branches, where horizontal communication is forbidden
("sabotage"), and membership of an illegal faction. Each week an uncharged offender is reported with probability
``detection_base + detection_minutes x branch_minutes + detection_watchers x watchers``
(capped at 1); a critique is signed, so its author is reported whenever he voices it. A report
brings a charge; the hearing follows after a geometric delay of mean
``hearing_weeks`` (``provisional_weeks`` for a provisional member, who has no hearing).
The sanction climbs a ladder censure < suspension < expulsion, capped by the regime's
penalty: one step above the member's previous sanction for plain dissent, straight to the cap
for an aggravated offence. A charged member who recants (stops voicing
out of fear) gets one step less. A provisional member is removed outright when the cap is
suspension or expulsion.

Witnesses (ties and branch mates; for an expulsion every member, with weight
``distant_witness``) gain fear in proportion to severity. Those who privately dissent or stand
close to the sanctioned member's position judge the sanction unjust: they remember the
injustice (grievance) and lose trust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.mechanisms import factions
from orgsim.model.mechanisms.grievance import lose_trust
from orgsim.model.mechanisms.regime import PENALTY_LEVEL
from orgsim.model.state import NEVER, NO_FACTION

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class DisciplineParams(Strict):
    detection_base: Prob = Field(0.05, description="Weekly probability that voiced dissent is reported without minutes or watchers.")
    detection_minutes: Prob = Field(0.5, description="Added detection probability with weekly branch minutes to the centre.")
    detection_watchers: Prob = Field(0.1, description="Added detection probability per loyal watcher among one's ties (capped).")
    hearing_weeks: float = Field(5.0, ge=0.5, le=104.0, description="Mean weeks from charge to the hearing that decides the sanction.")
    provisional_weeks: float = Field(1.0, ge=0.1, le=52.0, description="Mean weeks to summary removal of a charged provisional member.")
    suspension_weeks: int = Field(12, ge=1, le=520, description="Length of a suspension.")
    fear_gain: Prob = Field(0.3, description="Fear added to a close witness of a sanction of severity 1.")
    distant_witness: Prob = Field(0.3, description="Relative effect on members who only hear of an expulsion (announced to all).")
    recant_fear: Prob = Field(0.5, description="Fear above which a charged member stops voicing and the sanction is reduced one step.")

CENSURE, SUSPENSION, EXPULSION = 1, 2, 3
PROCEDURE_STAGES = 3  # charge, investigation, hearing


def _procedure_weeks(model: "OrgModel", mean: float, stages: int) -> int:
    """Weeks until the hearing: ``stages`` procedural stages, each of at least one week and
    geometric length, ``mean`` weeks in all (a negative binomial: a procedure has a floor)."""
    if mean <= stages:
        return stages
    return stages + int(model.rng.negative_binomial(stages, stages / mean))


def step(model: "OrgModel") -> None:
    cap = PENALTY_LEVEL[model.regime.dissent_penalty]
    s = model.state
    if cap > 0:
        _detect(model)
    due = np.flatnonzero(model.state.member & (s.hearing_week != NEVER) & (s.hearing_week <= model.week))
    for row in due:
        _hearing(model, row, cap)


def _detect(model: "OrgModel") -> None:
    s, prm = model.state, model.params.discipline
    offenders = model.engaged & s.voicing & (s.charged_week == NEVER)
    if factions.legal(model):
        offenders &= aggravated(model)  # open debate: only aggravated offences are charged
    if not offenders.any():
        return
    idx = np.flatnonzero(offenders)
    p = prm.detection_base + prm.detection_minutes * model.regime.branch_minutes
    p = np.clip(p + prm.detection_watchers * model.watchers[idx], 0.0, 1.0)
    p[s.critic[idx] >= 0] = 1.0  # a critique is signed: its author's dissent is known
    caught = idx[model.rng.random(idx.size) < p]
    for row in caught:
        provisional = model.week - s.joined[row] < model.scenario.organisation.provisional_weeks
        mean = prm.provisional_weeks if provisional else prm.hearing_weeks
        delay = _procedure_weeks(model, mean, stages=1 if provisional else PROCEDURE_STAGES)
        model.agent_at[row].charge(model.week + delay, reason="provisional" if provisional else "member")


def aggravated(model: "OrgModel") -> np.ndarray:
    """Aggravated offences: a critique sent across branches, or a faction spanning branches, where
    horizontal communication is forbidden ("sabotage"); membership of an illegal faction."""
    s = model.state
    forbidden = model.regime.horizontal_communication == "forbidden"
    if not factions.legal(model):
        return (s.faction != NO_FACTION) | (s.cross_offence & forbidden)
    if not forbidden:
        return np.zeros(model.n, dtype=bool)
    out = s.cross_offence.copy()
    for fid in model.factions:
        rows = np.flatnonzero(s.faction == fid)
        if np.unique(s.branch[rows]).size > 1:
            out[rows] = True
    return out


def _hearing(model: "OrgModel", row: int, cap: int) -> None:
    s, prm = model.state, model.params.discipline
    agent = model.agent_at[row]
    agent.clear_charge()
    if cap == 0:
        return
    level = cap if aggravated(model)[row] else min(cap, s.sanction_level[row] + 1)
    if not s.voicing[row] and s.fear[row] > prm.recant_fear:
        level -= 1
    provisional = model.week - s.joined[row] < model.scenario.organisation.provisional_weeks
    if provisional and cap >= SUSPENSION and level >= CENSURE:
        level = EXPULSION
    if level <= 0:
        return
    witness(model, row, level)
    if level == CENSURE:
        agent.censure()
    elif level == SUSPENSION:
        agent.suspend(prm.suspension_weeks)
    else:
        agent.expel(**({"reason": "provisional membership revoked"} if provisional else {}))


def witness(model: "OrgModel", row: int, level: int) -> None:
    """Fear and perceived injustice among those who see member ``row`` sanctioned."""
    s, prm, vp = model.state, model.params.discipline, model.params.voice
    sev = (vp.severity_censure, vp.severity_suspension, vp.severity_expulsion)[level - 1]
    # (on the engaged members' rows only, not the whole milieu: same witnesses, same weights)
    e = model.engaged_rows
    if e.size == 0:
        return
    close = s.branch[e] == s.branch[row]
    ties = model.adj.indices[model.adj.indptr[row]:model.adj.indptr[row + 1]]
    at = np.searchsorted(e, ties)  # the engaged among his ties (e is ascending)
    close[at[(at < e.size) & (e[np.minimum(at, e.size - 1)] == ties)]] = True
    weight = np.where(close, 1.0, prm.distant_witness if level == EXPULSION else 0.0)  # expulsions are announced to all
    weight[e == row] = 0.0
    keep = weight > 0
    who, w = e[keep], weight[keep]
    if who.size == 0:
        return
    s.fear[who] = np.clip(s.fear[who] + prm.fear_gain * sev * w, 0.0, 1.0)
    eps = model.params.influence.confidence
    unjust = (s.grievance[who] > s.threshold[who]) | (np.abs(s.pos[who] - s.pos[row]) < eps)
    uw = who[unjust]
    s.injustice[uw] = np.clip(s.injustice[uw] + sev * w[unjust], 0.0, 1.0)
    lose_trust(model, uw, model.params.grievance.unjust_sanction_trust * sev * w[unjust])
