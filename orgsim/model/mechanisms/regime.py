"""The internal regime: its schema (``[regime]`` and the reform event) and the scores shared by
several submodels: sanction severity and democratic deficit.

The democratic deficit (0 = fully open, 1 = fully closed) summarises how far the internal
regime falls short of the democratic principles left organisations profess; members feel it
as a gap between principle and practice (grievance) and as low voice efficacy (commitment).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from orgsim.model.events import EventBase
from orgsim.model.schema import Prob, Strict

if TYPE_CHECKING:
    from orgsim.model.mechanisms.voice import VoiceParams

Voting = Literal["slate", "individual"]
FactionRights = Literal["banned", "preconvention", "permanent"]
DissentPenalty = Literal["none", "censure", "suspension", "expulsion"]
Horizontal = Literal["allowed", "discouraged", "forbidden"]
Transparency = Literal["open", "secret"]
Appointment = Literal["appointed", "elected"]
Investigation = Literal["internal", "independent"]


class Regime(Strict):
    voting: Voting = Field("slate", description="Leadership election: one slate proposed by the outgoing leadership, voted up or down; or individual votes per seat.")
    faction_rights: FactionRights = Field("preconvention", description="When factions may form: never, only in the pre-convention period, or at any time.")
    dissent_penalty: DissentPenalty = Field("censure", description="The harshest sanction the leadership applies to detected dissent.")
    horizontal_communication: Horizontal = Field("allowed", description="Whether members may talk politics across branches.")
    transparency: Transparency = Field("open", description="Whether finances, figures and scandals are disclosed to members by the leadership.")
    organiser_appointment: Appointment = Field("elected", description="Whether paid organisers are appointed by the centre or elected by the members they serve.")
    investigation: Investigation = Field("internal", description="Who investigates a scandal: the leadership itself or an independent body.")
    branch_minutes: bool = Field(False, description="Branches send weekly minutes to the centre (raises detection of dissent).")
    unity_of_thought: Prob = Field(
        0.2, description="Strength of the enforcement of the official line by organisers and branch committees (0 none, 1 total)."
    )
    organiser_loyalty: Prob | None = Field(
        None,
        description="How far organisers' trust is anchored to the centre rather than their own judgement. Default: 0.6 if appointed, 0 if elected.",
    )
    convention_interval: int = Field(52, ge=0, le=1040, description="Weeks between regular conventions (0: only conventions given as events).")
    first_convention: int | None = Field(None, ge=0, description="Week of the first regular convention. Default: convention_interval.")
    preconvention_weeks: int = Field(12, ge=0, le=104, description="Length of the pre-convention discussion period before each convention.")

    @property
    def loyalty(self) -> float:
        if self.organiser_loyalty is not None:
            return self.organiser_loyalty
        return 0.6 if self.organiser_appointment == "appointed" else 0.0


class RegimeChanges(Strict):
    """A partial regime: the keys a reform or a convention proposal changes."""

    voting: Voting | None = None
    faction_rights: FactionRights | None = None
    dissent_penalty: DissentPenalty | None = None
    horizontal_communication: Horizontal | None = None
    transparency: Transparency | None = None
    organiser_appointment: Appointment | None = None
    investigation: Investigation | None = None
    branch_minutes: bool | None = None
    unity_of_thought: Prob | None = None
    organiser_loyalty: Prob | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ReformEvent(EventBase):
    kind: Literal["reform"]
    changes: RegimeChanges = Field(description="Regime keys changed at once (by decision of the leadership or from outside).")


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


def openness(regime: Regime) -> float:
    """Voice efficacy of a member outside a legal faction: half the regime's openness."""
    return 0.5 * (1.0 - democratic_deficit(regime))


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
