"""The scenario schema: the only module that knows the scenario file format.

A scenario is a TOML file validated by pydantic v2 models with ``extra="forbid"``.
Every key has a documented default (the ``description`` of each field is the
scenario reference, see ``docs/scenario-reference.md``), so a scenario file only
states what differs from the defaults.

Errors never surface as tracebacks: :func:`load_scenario` raises
:class:`ScenarioError` whose message names the file, the key path, the offending
value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from orgsim.errors import ScenarioError
from orgsim.safety import read_text_file, short

Voting = Literal["slate", "individual"]
FactionRights = Literal["banned", "preconvention", "permanent"]
DissentPenalty = Literal["none", "censure", "suspension", "expulsion"]
Horizontal = Literal["allowed", "discouraged", "forbidden"]
Transparency = Literal["open", "secret"]
Appointment = Literal["appointed", "elected"]
Investigation = Literal["internal", "independent"]

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
NAME_MAX = 80
NAME_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,79}\Z")  # \Z: a trailing newline is not a name


def check_name(name: str) -> str:
    if not NAME_RE.match(name) or ".." in name:
        raise ValueError(f"name {short(name)} must be 1-{NAME_MAX} letters, digits, '_', '-' or '.', "
                         "start with a letter or digit and contain no '..'")
    return name


def _date(value: Any) -> Any:
    """A date is a TOML date (2015-01-05) or the same as a string ("2015-01-05"), nothing else."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date like 2015-01-05, not a date and time")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value
        except ValueError:
            raise ValueError(f"{short(value)} is not a calendar date (YYYY-MM-DD)") from None
    return value


Date = Annotated[dt.date, BeforeValidator(_date)]


class Strict(BaseModel):
    # Strict types: an integer key takes an integer, a boolean key true or false, a text key a string
    # (TOML's own types; a float key also takes an integer). No NaN or infinity.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- organisation
class Organisation(Strict):
    members: int = Field(1000, ge=2, le=5_000_000, description="Members at week 0 (leaders and organisers included).")
    branches: int = Field(40, ge=1, le=100_000, description="Local branches; members are spread over them with heterogeneous sizes.")
    organisers: int | None = Field(
        None, ge=0, description="Paid regional organisers, each covering a region of branches. Default: one per five branches (at least one)."
    )
    leaders: int = Field(9, ge=1, le=200, description="Seats on the leadership body (e.g. a steering or central committee).")
    periphery: float = Field(
        3.0, ge=0.0, le=20.0,
        description="Size of the milieu of potential recruits, per initial member. Bounds how far the organisation can grow.",
    )
    provisional_weeks: int = Field(
        26, ge=0, le=520, description="Weeks a recruit stays a provisional member (summary removal, no hearing)."
    )
    initial_trust: Prob = Field(0.75, description="Mean trust in the leadership at week 0.")
    initial_spread: float = Field(
        0.12, ge=0.0, le=0.5, description="Standard deviation of members' political positions around the line at week 0."
    )

    @model_validator(mode="after")
    def _sizes(self) -> "Organisation":
        if self.branches > self.members:
            raise ValueError(f"branches ({self.branches}) cannot exceed members ({self.members})")
        if self.n_organisers > self.branches:
            raise ValueError(f"organisers ({self.n_organisers}) cannot exceed branches ({self.branches}): "
                             "each organiser covers at least one branch")
        if self.leaders + self.n_organisers >= self.members:
            raise ValueError("leaders plus organisers must be fewer than members")
        return self

    @property
    def n_organisers(self) -> int:
        return max(1, self.branches // 5) if self.organisers is None else self.organisers


# --------------------------------------------------------------------------- regime
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


# --------------------------------------------------------------------------- environment
class Environment(Strict):
    climate: float = Field(1.0, ge=0.0, le=10.0, description="Movement climate: multiplies recruitment (1 ordinary, >1 rising movement, <1 ebb).")
    competitor_pull: Prob = Field(
        0.3, description="Pull of outside options (competing organisations, other movements). 0 is a monopoly on the far left: exit is costly."
    )
    practice_gap: Prob = Field(0.2, description="Gap between the organisation's principles and its practice (failed analyses, tailing).")


# --------------------------------------------------------------------------- network
class Network(Strict):
    within_degree: float = Field(8.0, ge=0.0, le=200.0, description="Mean number of ties to members of one's own branch.")
    cross_degree: float = Field(1.0, ge=0.0, le=50.0, description="Mean number of ties to members of other branches.")
    branch_size_sd: float = Field(0.6, ge=0.0, le=3.0, description="Log-normal spread of branch sizes.")


# --------------------------------------------------------------------------- parameters per submodel
class InfluenceParams(Strict):
    confidence: Prob = Field(0.2, description="Bounded-confidence radius: neighbours farther than this are ignored (Deffuant et al. 2000).")
    rate: Prob = Field(0.1, description="Weekly share of the distance to the mean of accepted neighbours that a member moves.")
    line_pull: Prob = Field(0.05, description="Weekly pull toward the official line at unity_of_thought = 1, scaled by trust.")
    drift: float = Field(0.006, ge=0.0, le=0.2, description="Standard deviation of weekly idiosyncratic drift of positions.")
    falsification: bool = Field(True, description="Silent dissenters show the official line to their neighbours (Kuran 1991).")


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


class InformationParams(Strict):
    pass_prob: Prob = Field(0.25, description="Weekly probability that news passes along one tie.")
    discouraged_weight: Prob = Field(0.3, description="Weight of cross-branch ties when horizontal communication is discouraged.")
    forbidden_weight: Prob = Field(0.05, description="Weight of cross-branch ties when horizontal communication is forbidden.")
    critique_pull: Prob = Field(0.15, description="Weekly pull of a heard critique on positions within the confidence radius.")


class FactionParams(Strict):
    min_size: int = Field(5, ge=2, le=10_000, description="Voicing, connected, like-minded members needed to form a faction.")
    dissolve_below: int = Field(3, ge=1, le=10_000, description="A faction with fewer members dissolves.")
    split_trust: Prob = Field(0.25, description="Mean trust below which a faction considers leaving together.")
    split_prob: Prob = Field(0.05, description="Weekly probability that a faction below split_trust leaves together.")
    efficacy: Prob = Field(0.6, description="Voice efficacy of a member of a legal faction (0 to 1).")


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


class ExitParams(Strict):
    base_hazard: Prob = Field(0.0015, description="Weekly resignation probability of a committed member (life events).")
    max_hazard: Prob = Field(0.2, description="Weekly resignation probability of a member with no commitment and a good outside option.")
    commitment_threshold: Prob = Field(0.25, description="Commitment at which the discontent hazard is half its maximum.")
    steepness: float = Field(0.04, gt=0.0, le=1.0, description="Width of the logistic step of the hazard in commitment.")
    outside_weight: float = Field(0.4, ge=0.0, le=5.0, description="How much the outside option raises the effective threshold.")
    friends_weight: float = Field(0.25, ge=0.0, le=5.0, description="How much friends' recent departures raise the effective threshold.")
    trust_weight: Prob = Field(0.55, description="Weight of trust in the leadership in commitment.")
    social_weight: Prob = Field(0.25, description="Weight of ties to fellow members in commitment.")
    efficacy_weight: Prob = Field(0.3, description="Weight of voice efficacy in commitment.")
    grievance_weight: float = Field(0.2, ge=0.0, le=5.0, description="Weight of grievance against commitment.")
    adapt: Prob = Field(0.08, description="Weekly rate at which commitment follows its target.")
    disaffiliation_trust: Prob = Field(0.15, description="Mean branch trust below which a branch may disaffiliate.")
    disaffiliation_prob: Prob = Field(0.1, description="Weekly probability that such a branch disaffiliates.")


class RecruitmentParams(Strict):
    rate: float = Field(0.0007, ge=0.0, le=1.0, description="Weekly recruitment hazard per unit of engaged member contact.")
    outreach: Prob = Field(0.7, description="Share of recruitment contact that comes from the branch's public activity rather than personal ties.")
    reputation_weight: float = Field(1.0, ge=0.0, le=10.0, description="How strongly mean trust (reputation) scales recruitment.")
    renewal_weeks: int = Field(52, ge=1, le=1040, description="Weeks before a departed member's place in the milieu is taken by a new person.")


class ConventionParams(Strict):
    delegate_ratio: int = Field(10, ge=1, le=10_000, description="Members per delegate.")
    organiser_bias: Prob = Field(0.8, description="How strongly an appointed organiser steers delegate selection (elected: a quarter of it).")
    organiser_sway: Prob = Field(0.5, description="How strongly an appointed organiser sways his region's delegates (elected: a quarter of it).")
    slate_threshold: Prob = Field(0.4, description="Approval below which a delegate votes a slate down (status-quo bias).")
    seat_threshold: Prob = Field(0.5, description="Approval below which a delegate votes against an individual incumbent.")
    popularity_sd: float = Field(0.1, ge=0.0, le=1.0, description="Spread of individual leaders' personal standing.")
    seconders: Prob = Field(0.05, description="Share of delegates needed to second a proposal to the floor.")
    defeat_trust: Prob = Field(0.15, description="Trust lost by members of factions when the old leadership keeps its majority.")
    vote_noise: float = Field(0.08, ge=0.0, le=1.0, description="Standard deviation of delegates' judgement noise.")


class ScandalParams(Strict):
    credibility_internal: Prob = Field(0.2, description="Credibility of an internal inquiry (0 if the inquirers are implicated).")
    credibility_independent: Prob = Field(0.8, description="Credibility of an independent inquiry.")
    cover_up_factor: float = Field(1.5, ge=1.0, le=5.0, description="Damage multiplier when a withheld scandal is learnt through leaks.")
    reputation_hit: Prob = Field(0.5, description="Drop of public reputation (recruitment) after a public scandal of severity 1.")


class DissolutionParams(Strict):
    commitment_below: Prob = Field(0.35, description="A member wants dissolution when commitment is below this...")
    trust_below: Prob = Field(0.3, description="...and trust in the leadership is below this.")
    efficacy_below: Prob = Field(0.5, description="...and voice efficacy is below this (no prospect that voice can change things).")
    grievance_above: Prob = Field(0.3, description="...and grievance is above this (he holds the organisation itself to be rotten).")
    motion_share: Prob = Field(0.3, description="Share of members wanting dissolution that gets a dissolution vote called.")
    participation: Prob = Field(0.6, description="Probability that a member takes part in a dissolution vote.")
    majority: Prob = Field(0.5, description="Share of votes needed to dissolve (more than this).")
    cooldown: int = Field(8, ge=1, le=520, description="Weeks after a failed vote before another can be called.")


class Parameters(Strict):
    influence: InfluenceParams = Field(default_factory=InfluenceParams)
    grievance: GrievanceParams = Field(default_factory=GrievanceParams)
    voice: VoiceParams = Field(default_factory=VoiceParams)
    information: InformationParams = Field(default_factory=InformationParams)
    factions: FactionParams = Field(default_factory=FactionParams)
    discipline: DisciplineParams = Field(default_factory=DisciplineParams)
    exit: ExitParams = Field(default_factory=ExitParams)
    recruitment: RecruitmentParams = Field(default_factory=RecruitmentParams)
    convention: ConventionParams = Field(default_factory=ConventionParams)
    scandal: ScandalParams = Field(default_factory=ScandalParams)
    dissolution: DissolutionParams = Field(default_factory=DissolutionParams)


# --------------------------------------------------------------------------- events
class EventBase(Strict):
    week: int | None = Field(None, ge=0, description="Week of the event (0-based); give this or date.")
    date: Date | None = Field(None, description="Calendar date of the event (needs start_date); give this or week.")
    label: str = Field("", max_length=200, description="Free text shown in events and charts.")

    @model_validator(mode="after")
    def _one_time(self):
        if (self.week is None) == (self.date is None):
            raise ValueError("give exactly one of 'week' or 'date'")
        return self


class Proposal(Strict):
    changes: RegimeChanges = Field(description="Regime keys the proposal changes if adopted.")
    label: str = Field("", max_length=200)


class ConventionEvent(EventBase):
    kind: Literal["convention"]
    agenda: list[Proposal] = Field(default_factory=list, description="Proposals on the agenda (regime changes put to the delegates).")


class ReformEvent(EventBase):
    kind: Literal["reform"]
    changes: RegimeChanges = Field(description="Regime keys changed at once (by decision of the leadership or from outside).")


class ScandalEvent(EventBase):
    kind: Literal["scandal"]
    severity: Prob = Field(0.5, description="Gravity of what is revealed.")
    implicates: Literal["old", "new", "leadership", "none"] = Field(
        "leadership", description="Who is implicated: the old leadership (present at week 0 and its co-optees), leaders elected since, all current leaders, or nobody in office."
    )
    share: Prob = Field(0.5, description="Share of that group implicated.")
    reach: Prob = Field(0.1, description="Share of members who learn of it at once (a leak or a publication); the rest hear it along ties.")
    cover_up: bool = Field(False, description="Whether it reveals that the leadership covered something up.")
    public: bool = Field(False, description="Whether it is public outside the organisation (hurts recruitment).")


class CritiqueEvent(EventBase):
    kind: Literal["critique"]
    stance: float = Field(0.3, ge=-1.0, le=1.0, description="Position of the critique relative to the line.")
    strength: Prob = Field(0.5, description="Persuasiveness of the critique.")
    by: Literal["member", "provisional"] = Field("member", description="Who circulates it: a full member or a provisional member.")
    defends_previous: bool = Field(False, description="Whether it defends the author of the previous critique.")


class ClimateEvent(EventBase):
    kind: Literal["climate"]
    climate: float | None = Field(None, ge=0.0, le=10.0, description="New movement climate.")
    competitor_pull: Prob | None = Field(None, description="New pull of outside options.")
    practice_gap: Prob | None = Field(None, description="New practice gap.")


Event = Annotated[
    Union[ConventionEvent, ReformEvent, ScandalEvent, CritiqueEvent, ClimateEvent],
    Field(discriminator="kind"),
]
EVENT_KINDS = ("convention", "reform", "scandal", "critique", "climate")


# --------------------------------------------------------------------------- scenario
class Scenario(Strict):
    name: str = Field(description="Name of the scenario; names the output folder (letters, digits, '_', '-', '.').")
    description: str = Field("", max_length=5000, description="Free text.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed of the run.")
    weeks: int = Field(520, ge=1, le=10_400, description="Number of weekly steps.")
    start_date: Date | None = Field(None, description="Calendar date of week 0 (outputs then carry dates).")
    orgsim_version: str | None = Field(None, description="Written into resolved scenarios; informational.")
    organisation: Organisation = Field(default_factory=Organisation)
    regime: Regime = Field(default_factory=Regime)
    environment: Environment = Field(default_factory=Environment)
    network: Network = Field(default_factory=Network)
    parameters: Parameters = Field(default_factory=Parameters)
    events: list[Event] = Field(default_factory=list, description="Scheduled events: convention, reform, scandal, critique, climate.")

    @model_validator(mode="after")
    def _check(self) -> "Scenario":
        check_name(self.name)
        if self.start_date is not None:
            try:
                self.start_date + dt.timedelta(weeks=self.weeks)
            except OverflowError:
                raise ValueError(f"start_date {self.start_date} plus {self.weeks} weeks passes the last "
                                 f"calendar date ({dt.date.max}); give an earlier start_date") from None
        for i, ev in enumerate(self.events):
            if ev.date is not None and self.start_date is None:
                raise ValueError(f"events[{i}] gives a date but the scenario has no start_date")
            w = self.event_week(ev)
            if w < 0 or w >= self.weeks:
                raise ValueError(f"events[{i}] falls at week {w}, outside the horizon 0..{self.weeks - 1}")
        return self

    def event_week(self, ev: EventBase) -> int:
        if ev.week is not None:
            return ev.week
        return (ev.date - self.start_date).days // 7

    def week_date(self, week: int) -> dt.date | None:
        return None if self.start_date is None else self.start_date + dt.timedelta(weeks=week)


# --------------------------------------------------------------------------- loading and errors
def _event_tag(loc: tuple, i: int) -> bool:
    """pydantic's discriminator tag after an event's index adds nothing for the reader."""
    return i > 0 and isinstance(loc[i - 1], int) and loc[i] in EVENT_KINDS


def _loc(loc: tuple, is_tag) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and _UNION_BRANCH.match(str(part)):
            continue
        elif not is_tag(loc, i):
            out += ("." if out else "") + str(part)
    return out


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as TOML writes it
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return short(value)


# pydantic names the branch of a union it tried (``base.str``, ``keep.timeseries.bool``): not a key
_UNION_BRANCH = re.compile(r"\A(?:str|int|float|bool|date|none|list\[.*\]|dict\[.*\]|function-.*)\Z")


def format_validation_error(source: str, err: ValidationError, *, docs: str = "docs/scenario-reference.md",
                            is_tag=_event_tag, kinds: tuple[str, ...] = EVENT_KINDS) -> str:
    """One short line per problem: file, key path, value and what is allowed (shared by the
    scenario and sweep file formats; ``is_tag`` drops discriminator tags from key paths)."""
    lines = []
    for e in err.errors(include_url=False)[:5]:
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"unknown key (check spelling; see {docs})"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif e["type"] == "union_tag_invalid":
            msg = f"unknown kind; allowed: {', '.join(kinds)}"
        if not e["loc"]:
            lines.append(f"{source}: {msg}")  # whole-file checks name their own keys
            continue
        # a table's own checks (e.g. organisers against branches) name their keys: no dump of the table
        value = "" if e["type"] == "missing" or isinstance(e.get("input"), dict) else f" = {_short(e.get('input'))}"
        lines.append(f"{source}: {_loc(e['loc'], is_tag)}{value}: {msg}")
    more = len(err.errors()) - len(lines)
    if more > 0:
        lines.append(f"{source}: ... and {more} more problem(s)")
    return "\n".join(lines)


def parse_value(text: str) -> Any:
    """Parse a --set value as a TOML value; bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: dict, overrides: dict[str, Any], source: str = "--set") -> dict:
    """Return a copy of raw scenario data with dotted-key overrides applied."""
    import copy

    data = copy.deepcopy(data)
    for key, value in overrides.items():
        parts = key.split(".")
        if not all(parts):
            raise ScenarioError(f"{source}: {key!r} is not a dotted key path like organisation.members")
        node = data
        for part in parts[:-1]:
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(f"{source}: {key}: {part!r} is not an index of the {len(node)} items")
                node = node[int(part)]
                continue
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, (dict, list)):
                raise ScenarioError(f"{source}: {key}: {part!r} is a value, not a table")
            node = nxt
        if isinstance(node, list):
            raise ScenarioError(f"{source}: {key}: cannot replace a whole list item; set its keys")
        node[parts[-1]] = value
    return data


def read_toml(path: Path) -> dict:
    """A small UTF-8 TOML file (see :func:`orgsim.safety.read_text_file` for what is refused)."""
    text = read_text_file(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested too deeply") from None


def validate(data: dict, source: str = "<scenario>") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(source, exc)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file."""
    path = Path(path)
    data = read_toml(path)
    if overrides:
        data = apply_overrides(data, overrides)
    return validate(data, str(path))


def to_toml_data(scenario: Scenario) -> dict:
    """Fully resolved scenario as plain TOML-serialisable data (every default filled in)."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    data["organisation"]["organisers"] = scenario.organisation.n_organisers
    # organiser_loyalty stays unresolved when unset: its default follows organiser_appointment,
    # which reforms may change during the run.
    if scenario.regime.first_convention is None:
        data["regime"]["first_convention"] = scenario.regime.convention_interval
    for ev in data["events"]:
        for k, v in list(ev.items()):
            if isinstance(v, float) and math.isnan(v):
                del ev[k]
    return data
