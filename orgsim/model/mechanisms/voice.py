"""Voice or silence, with preference falsification.

A member privately dissents when grievance G exceeds his threshold T (heterogeneous,
Granovetter 1978). He voices it when G - R x S x P > T (Epstein 2002), where R is risk
aversion plus fear, S the perceived severity of the regime's harshest sanction (times
``tolerated_risk`` while factions are legal, when plain dissent is not charged) and
P = 1 - exp(-k x watchers / (1 + visible dissenters)) the perceived chance of detection, with
loyal neighbours (trust above 0.6, whatever their post) as watchers. The threshold falls
with the share of neighbours who voice (``social_lowering``), so dissent can cascade once a
shock makes it visible. A voice already raised persists until G - R S P drops below 0.8 T
(hysteresis). Private dissenters who stay silent are the hidden dissent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.mechanisms import factions
from orgsim.model.mechanisms.regime import severity

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class VoiceParams(Strict):
    threshold: Prob = Field(0.22, description="Mean grievance above which a member privately dissents (and would voice without risk).")
    threshold_sd: float = Field(0.06, ge=0.0, le=0.5, description="Spread of individual thresholds (Granovetter 1978).")
    risk_aversion: Prob = Field(0.5, description="Mean risk aversion (uniform on [0, 2 x mean], Epstein 2002).")
    detection_k: float = Field(2.3, ge=0.0, le=20.0, description="Epstein's k: steepness of perceived detection in watchers per visible dissenter.")
    social_lowering: Prob = Field(0.5, description="Maximum share by which visible dissent among neighbours lowers the threshold.")
    severity_censure: Prob = Field(0.25, description="Perceived severity of censure.")
    severity_suspension: Prob = Field(0.5, description="Perceived severity of suspension.")
    severity_expulsion: Prob = Field(1.0, description="Perceived severity of expulsion.")
    fear_decay: Prob = Field(0.01, description="Weekly decay of fear.")
    tolerated_risk: Prob = Field(
        0.25, description="Share of the sanction risk that remains for dissent voiced while factions are legal (informal sanctions: ridicule, suspicion)."
    )

LOYAL_TRUST = 0.6


def step(model: "OrgModel") -> None:
    s, prm = model.state, model.params.voice
    # only engaged members take part: compute on their rows (e); everyone else stays silent
    e = model.engaged_rows
    voiced = s.voicing[e]
    loyal = (s.trust[e] > LOYAL_TRUST) & ~voiced
    # = (adj @ v)[e] for v = loyal, voiced and engaged
    watchers = model.member_tie_sum(loyal, engaged_only=True)
    voicers = model.member_tie_sum(voiced, engaged_only=True)
    ties = model.member_tie_sum()[e]
    model.watchers = np.zeros(model.n)
    model.watchers[e] = watchers
    sev = severity(model.regime, prm)
    if factions.legal(model):
        sev *= prm.tolerated_risk  # open debate: plain dissent is not charged (discipline)
    detect = 1.0 - np.exp(-prm.detection_k * watchers / (1.0 + voicers))
    fear, grievance = s.fear[e], s.grievance[e]
    risk = (s.risk_aversion[e] + fear) * sev * detect
    share = np.divide(voicers, ties, out=np.zeros(e.size), where=ties > 0)
    thr = s.threshold[e] * (1.0 - prm.social_lowering * share)
    net = grievance - risk
    dissent = grievance > thr
    keep = voiced & (net > 0.8 * thr)
    critic = s.critic[e] >= 0
    recanted = fear > model.params.discipline.recant_fear
    voicing = ((net > thr) | keep | critic) & ~recanted
    new = e[voicing & ~voiced]
    s.voicing[:] = False
    s.voicing[e] = voicing
    s.hidden[:] = False
    s.hidden[e] = dissent & ~voicing
    for row in new:
        model.agent_at[row].voice(reason="grievance", grievance=round(float(s.grievance[row]), 2))
    s.fear[e] *= 1.0 - prm.fear_decay
