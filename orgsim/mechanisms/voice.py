"""Voice or silence, with preference falsification.

A member privately dissents when grievance G exceeds his threshold T (heterogeneous,
Granovetter 1978). He voices it when G - R x S x P > T (Epstein 2002), where R is risk
aversion plus fear, S the perceived severity of the regime's harshest sanction and
P = 1 - exp(-k x watchers / (1 + visible dissenters)) the perceived chance of detection, with
loyal neighbours (trust above 0.6, organisers and leaders) as watchers. The threshold falls
with the share of neighbours who voice (``social_lowering``), so dissent can cascade once a
shock makes it visible. A voice already raised persists until G - R S P drops below 0.8 T
(hysteresis). Private dissenters who stay silent are the hidden dissent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.mechanisms.regime import severity
from orgsim.state import RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model import OrgModel

LOYAL_TRUST = 0.6


def step(model: "OrgModel") -> None:
    s, prm = model.state, model.params.voice
    m = model.engaged
    loyal = m & ((s.trust > LOYAL_TRUST) | (s.role != RANK_AND_FILE)) & ~s.voicing
    cols = np.stack([loyal, s.voicing & m, m], axis=1).astype(np.float64)
    # = adj @ cols at members (every column is 0 off the engaged; only engaged rows are used)
    watchers, voicers, ties = model.member_tie_sum(cols).T
    model.watchers = watchers
    sev = severity(model.regime, prm)
    detect = 1.0 - np.exp(-prm.detection_k * watchers / (1.0 + voicers))
    risk = (s.risk_aversion + s.fear) * sev * detect
    share = np.divide(voicers, ties, out=np.zeros(model.n), where=ties > 0)
    thr = s.threshold * (1.0 - prm.social_lowering * share)
    net = s.grievance - risk
    dissent = m & (s.grievance > thr)
    keep = s.voicing & (net > 0.8 * thr)
    critic = s.critic >= 0
    recanted = s.fear > model.params.discipline.recant_fear
    voicing = m & ((net > thr) | keep | critic) & ~recanted
    new = np.flatnonzero(voicing & ~s.voicing)
    s.voicing[:] = voicing
    s.hidden[:] = dissent & ~voicing
    for row in new:
        model.agent_at[row].voice(f"grievance={s.grievance[row]:.2f}")
    s.fear[model.engaged_rows] *= 1.0 - prm.fear_decay
