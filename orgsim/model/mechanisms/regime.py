"""Regime scores shared by several submodels: sanction severity and democratic deficit.

The democratic deficit (0 = fully open, 1 = fully closed) summarises how far the internal
regime falls short of the democratic principles left organisations profess; members feel it
as a gap between principle and practice (grievance) and as low voice efficacy (commitment).
"""

from __future__ import annotations

from orgsim.scenario import Regime, VoiceParams

# Each regime key's contribution to the democratic deficit, equally weighted.
DEFICIT = {
    "voting": {"individual": 0.0, "slate": 1.0},
    "faction_rights": {"permanent": 0.0, "preconvention": 0.5, "banned": 1.0},
    "dissent_penalty": {"none": 0.0, "censure": 0.3, "suspension": 0.6, "expulsion": 1.0},
    "horizontal_communication": {"allowed": 0.0, "discouraged": 0.5, "forbidden": 1.0},
    "transparency": {"open": 0.0, "secret": 1.0},
    "organiser_appointment": {"elected": 0.0, "appointed": 1.0},
}
PENALTY_LEVEL = {"none": 0, "censure": 1, "suspension": 2, "expulsion": 3}


def democratic_deficit(regime: Regime) -> float:
    return sum(table[getattr(regime, key)] for key, table in DEFICIT.items()) / len(DEFICIT)


def severity(regime: Regime, params: VoiceParams) -> float:
    """Perceived severity of the harshest sanction the regime applies to dissent."""
    return {
        "none": 0.0,
        "censure": params.severity_censure,
        "suspension": params.severity_suspension,
        "expulsion": params.severity_expulsion,
    }[regime.dissent_penalty]


def cross_weight(regime: Regime, horizontal_allowed: float, discouraged: float, forbidden: float) -> float:
    return {"allowed": horizontal_allowed, "discouraged": discouraged, "forbidden": forbidden}[
        regime.horizontal_communication
    ]
