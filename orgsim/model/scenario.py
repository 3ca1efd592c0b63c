"""The scenario schema: the only module that knows the scenario file format.

A scenario is a TOML file validated by pydantic v2 models with ``extra="forbid"``.
Every key has a documented default (the ``description`` of each field is the
scenario reference, see ``docs/scenario-reference.md``), so a scenario file only
states what differs from the defaults.

This module ASSEMBLES the schema: each mechanism (``orgsim/model/mechanisms/<name>.py``)
declares its own parameter model next to its rule (``[parameters.<name>]``), the regime is
declared in ``mechanisms/regime.py`` and each event kind next to what handles it; here are the
organisation, environment and network tables, the scenario itself, loading, ``--set`` parsing
and TOML output. The mechanisms never import this module.

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
from typing import Annotated, Any, Union

from pydantic import Field, ValidationError, model_validator

from orgsim.errors import ScenarioError
from orgsim.model.files import read_text_file, short
from orgsim.model.events import ClimateEvent, EventBase
from orgsim.model.mechanisms.convention import ConventionEvent, ConventionParams, Proposal
from orgsim.model.mechanisms.critique import CritiqueEvent
from orgsim.model.mechanisms.discipline import DisciplineParams
from orgsim.model.mechanisms.dissolution import DissolutionParams
from orgsim.model.mechanisms.exit import ExitParams
from orgsim.model.mechanisms.factions import FactionParams
from orgsim.model.mechanisms.grievance import GrievanceParams
from orgsim.model.mechanisms.influence import InfluenceParams
from orgsim.model.mechanisms.information import InformationParams
from orgsim.model.mechanisms.recruitment import RecruitmentParams
from orgsim.model.mechanisms.regime import ReformEvent, Regime, RegimeChanges
from orgsim.model.mechanisms.scandal import ScandalEvent, ScandalParams
from orgsim.model.mechanisms.voice import VoiceParams
from orgsim.model.network import NetworkFileError, read_network_file
from orgsim.model.observations import (EventCountPattern, Observation, OutcomePattern, Pattern, SplitSizePattern,
                                       VoteSharePattern)
from orgsim.model.observations import PATTERN_KINDS
from orgsim.model.observations import check as check_observations
from orgsim.model.schema import Date, Prob, Strict

__all__ = [  # the whole schema, assembled (declared here or in the modules above)
    "ClimateEvent", "ConventionEvent", "EventCountPattern", "Observation", "OutcomePattern", "Pattern",
    "SplitSizePattern", "VoteSharePattern", "ConventionParams", "CritiqueEvent", "DisciplineParams", "DissolutionParams",
    "Environment", "Event", "EventBase", "ExitParams", "FactionParams", "GrievanceParams", "InfluenceParams",
    "InformationParams", "Network", "Organisation", "Parameters", "Prob", "Proposal", "RecruitmentParams",
    "ReformEvent", "Regime", "RegimeChanges", "ScandalEvent", "ScandalParams", "Scenario", "Strict", "VoiceParams",
    "EVENT_KINDS", "NAME_RE", "apply_overrides", "check_name", "Date", "format_validation_error", "load_scenario", "parse_value",
    "read_toml", "resolve_paths", "to_toml_data", "validate", "read_parameters_file", "resolve_parameters_file",
    "apply_parameters", "read_scenario_data",
]

NAME_MAX = 80
NAME_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,79}\Z")  # \Z: a trailing newline is not a name


def check_name(name: str) -> str:
    if not NAME_RE.match(name) or ".." in name:
        raise ValueError(f"name {short(name)} must be 1-{NAME_MAX} letters, digits, '_', '-' or '.', "
                         "start with a letter or digit and contain no '..'")
    return name


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
    file: str | None = Field(
        None, description=(
            "The members' network from a file, relative to the scenario file: a CSV/TSV edge list "
            "`source,target[,weight]` (optional header; weight in (0, 1], default 1) or GraphML (networkx) "
            "with optional node attributes `branch`, `role` (member, organiser or leader) and `position` "
            "(in [0, 1]). Replaces the generated ties among members (`within_degree` and `cross_degree` then "
            "shape the periphery's only); `organisation.members` = the number of nodes unless given (it must "
            "then agree), `branches` from the attribute (else generated), `leaders`/`organisers` from the roles "
            "(else drawn). See docs/ODD.md, Initialisation."))


# --------------------------------------------------------------------------- parameters per submodel
# each declared by its mechanism, next to its rule (orgsim/model/mechanisms/<name>.py)
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
# the common part and climate in orgsim/model/events.py, the other kinds beside their handlers
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
    parameters_file: str | None = Field(
        None, description="A parameter file (e.g. a calibration's parameters.toml), relative to this file: its "
                          "[parameters] fill in those this file does not set. Resolved scenarios carry the values instead.")
    organisation: Organisation = Field(default_factory=Organisation)
    regime: Regime = Field(default_factory=Regime)
    environment: Environment = Field(default_factory=Environment)
    network: Network = Field(default_factory=Network)
    parameters: Parameters = Field(default_factory=Parameters)
    events: list[Event] = Field(default_factory=list, description="Scheduled events: convention, reform, scandal, critique, climate.")
    observations: list[Observation] = Field(
        default_factory=list, description="Observed values of time-series columns (never read by the model).")
    patterns: list[Pattern] = Field(
        default_factory=list, description="Observed qualitative patterns: outcome, vote_share, split_size, event_count "
                                          "(never read by the model).")

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
        check_observations(self)
        if self.network.file is not None:
            self._apply_network_file()
        return self

    def network_file(self):
        """The members' network read from ``network.file`` (a :class:`~orgsim.model.network.NetworkFile`,
        cached), or None."""
        if self.network.file is None:
            return None
        return read_network_file(self.network.file)

    def _apply_network_file(self) -> None:
        """Sizes from the file: members, branches, leaders and organisers follow it unless given,
        and must agree with it when given."""
        try:
            net = self.network_file()
        except NetworkFileError as exc:
            raise ValueError(str(exc)) from None
        org, given = self.organisation, self.organisation.model_fields_set
        shown = f"network.file = {self.network.file!r}"
        sizes = {"members": net.nodes, "branches": net.branches, "leaders": net.count("leader"),
                 "organisers": net.count("organiser")}
        why = {"members": "nodes", "branches": "distinct branch attributes", "leaders": "nodes with role = 'leader'",
               "organisers": "nodes with role = 'organiser'"}
        data = org.model_dump(exclude_unset=True)
        for key, n in sizes.items():
            if n is None:
                continue
            if key in given and getattr(org, key) != n:
                raise ValueError(f"organisation.{key} = {getattr(org, key)} conflicts with {shown}, which has {n} "
                                 f"{why[key]}; allowed: {n}, or leave organisation.{key} out")
            data[key] = n
        try:
            # set directly: an assignment would validate the scenario (and come back here) again
            self.__dict__["organisation"] = Organisation.model_validate(data)
        except ValidationError as exc:
            msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ValueError(f"organisation with {shown}: {msg}; give organisation sizes that fit the file") from None

    def event_week(self, ev: EventBase) -> int:
        if ev.week is not None:
            return ev.week
        return (ev.date - self.start_date).days // 7

    def week_date(self, week: int) -> dt.date | None:
        return None if self.start_date is None else self.start_date + dt.timedelta(weeks=week)


# --------------------------------------------------------------------------- loading and errors
def _event_tag(loc: tuple, i: int) -> bool:
    """pydantic's discriminator tag after an event's (or pattern's) index adds nothing for the reader."""
    return i > 0 and isinstance(loc[i - 1], int) and loc[i] in EVENT_KINDS + PATTERN_KINDS


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
            allowed = PATTERN_KINDS if "patterns" in e["loc"] else kinds
            msg = f"unknown kind; allowed: {', '.join(allowed)}"
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
    """A small UTF-8 TOML file (see :func:`orgsim.model.files.read_text_file` for what is refused)."""
    text = read_text_file(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested too deeply") from None


def resolve_paths(data: dict, relative_to: Path) -> dict:
    """Raw scenario data with ``network.file`` made relative to the folder of the file that gives
    it (``relative_to``: the scenario or sweep file); absolute paths are kept."""
    net = data.get("network")
    if not isinstance(net, dict) or not isinstance(net.get("file"), str):
        return data
    file = Path(net["file"])
    if file.is_absolute():
        return data
    return {**data, "network": {**net, "file": str((Path(relative_to).parent / file).resolve())}}


PARAMETER_FILE_KEYS = ("parameters", "calibration")  # [calibration] describes where the values come from


def read_parameters_file(path: str | Path) -> dict:
    """A parameter file: a ``[parameters.*]`` table (validated against the schema) and an optional
    ``[calibration]`` table of information; returns the ``parameters`` table."""
    path = Path(path)
    data = read_toml(path)
    for key in data:
        if key not in PARAMETER_FILE_KEYS:
            raise ScenarioError(f"{path}: {key}: unknown key in a parameter file; allowed: "
                                + ", ".join(PARAMETER_FILE_KEYS))
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise ScenarioError(f"{path}: parameters = {_short(params)}: expected a table of [parameters.*] tables")
    try:
        Parameters.model_validate(params)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(str(path), exc).replace(f"{path}: ", f"{path}: parameters.")) from None
    return params


def _merge(low: dict, high: dict) -> dict:
    """Nested tables merged; ``high`` wins."""
    out = dict(low)
    for k, v in high.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def resolve_parameters_file(data: dict, folder: Path, source: str = "<scenario>") -> dict:
    """Fill in a scenario's ``parameters_file`` (relative to ``folder``): the file's parameters under
    the scenario's own; the key is removed."""
    if "parameters_file" not in data:
        return data
    ref = data["parameters_file"]
    if ref is None:  # a dumped Scenario carries the unset field
        return {k: v for k, v in data.items() if k != "parameters_file"}
    if not isinstance(ref, str):
        raise ScenarioError(f"{source}: parameters_file = {_short(ref)}: expected a path (text)")
    data = {k: v for k, v in data.items() if k != "parameters_file"}
    params = read_parameters_file(folder / ref)
    own = data.get("parameters", {})
    data["parameters"] = _merge(params, own if isinstance(own, dict) else {})
    return data


def apply_parameters(data: dict, path: str | Path) -> dict:
    """``--parameters FILE``: the file's parameters over the scenario's own."""
    params = read_parameters_file(path)
    own = data.get("parameters", {})
    return {**data, "parameters": _merge(own if isinstance(own, dict) else {}, params)}


def read_scenario_data(path: Path) -> dict:
    """A scenario file's raw data, its ``parameters_file`` resolved."""
    return resolve_parameters_file(read_toml(path), path.parent, str(path))


def validate(data: dict, source: str = "<scenario>") -> Scenario:
    data = resolve_parameters_file(data, Path.cwd(), source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(source, exc)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None,
                  parameters: str | Path | None = None) -> Scenario:
    """Read, override and validate a scenario file, given by its path or its name (``iso_2019``,
    see :mod:`orgsim.model.catalogue`); ``parameters``: a parameter file applied over the scenario's
    own parameters, before the overrides."""
    from orgsim.model.catalogue import find_scenario

    path = find_scenario(path)
    data = read_scenario_data(path)
    if parameters is not None:
        data = apply_parameters(data, parameters)
    if overrides:
        data = apply_overrides(data, overrides)
    return validate(resolve_paths(data, path), str(path))


def scenario_from(scenario: "Scenario | str | Path | None" = None, params: dict[str, Any] | None = None) -> Scenario:
    """A scenario from a Scenario, a name or a path (None: every default, named "default"), with
    keyword parameters by dotted key applied (``regime__voting`` is ``regime.voting``)."""
    overrides = {k.replace("__", "."): v for k, v in (params or {}).items()}
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        return validate(apply_overrides(scenario.model_dump(mode="python", exclude_none=True), overrides),
                        f"scenario {scenario.name}")
    if scenario is None:
        return validate(apply_overrides({"name": "default"}, overrides), "keyword parameters")
    return load_scenario(scenario, overrides)


def to_toml_data(scenario: Scenario) -> dict:
    """Fully resolved scenario as plain TOML-serialisable data (every default filled in)."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    data["organisation"]["organisers"] = scenario.organisation.n_organisers
    # organiser_loyalty stays unresolved when unset: its default follows organiser_appointment,
    # which reforms may change during the run.
    if scenario.regime.first_convention is None:
        data["regime"]["first_convention"] = scenario.regime.convention_interval
    for key in ("observations", "patterns"):  # absent when empty: resolved files of scenarios without stay as they were
        if not data[key]:
            del data[key]
    for ev in data["events"]:
        for k, v in list(ev.items()):
            if isinstance(v, float) and math.isnan(v):
                del ev[k]
    return data
