"""The ecosystem scenario: several organisations in one milieu (docs/ecosystem.md, ODD §8).

An ecosystem file is a scenario file with a list of ``[[organisations]]``. Each organisation is a
single-organisation scenario: its own tables (``organisation``, ``regime``, ``network``,
``parameters``, ``events``), optionally on top of a scenario file given as ``scenario = "..."``
(relative to the ecosystem file). The ecosystem gives what they share: the horizon, the seed, the
start date, the milieu's ``[environment]`` (over each organisation's own), a shared
``[parameters]`` set (under each organisation's own) and the ``[ecosystem]`` parameters of the
submodels that connect them. A single-organisation scenario file is not an ecosystem file and
keeps running as before.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from orgsim.errors import ScenarioError
from orgsim.model.schema import Date, Prob, Strict
from orgsim.model.scenario import (Environment, Parameters, Scenario, _merge, _short, apply_overrides, check_name,
                                   format_validation_error, read_scenario_data, resolve_paths, to_toml_data, validate)

SHARED_KEYS = ("name", "description", "seed", "weeks", "start_date", "orgsim_version", "members", "environment",
               "parameters", "ecosystem", "organisations")
MAX_ORGANISATIONS = 50
DEFAULT_LINE = 0.5  # the single engine's line at week 0
MEMBERS_PER_BRANCH = 25  # the default organisation's 1000 members in 40 branches


class EcosystemParams(Strict):
    """The ``[ecosystem]`` table: the submodels between organisations (ODD §8)."""

    activism: Prob = Field(0.5, description="Share of those who leave an organisation (or are released by its dissolution) who stay active in the milieu; the others withdraw from politics.")
    transfer: Prob = Field(0.5, description="Chance that an active leaver joins a rival at once when rivals are fully attractive (scaled by their attraction).")
    reach: Prob = Field(0.25, description="Strength of an organisation's public activity among the contacts of other organisations, relative to its own milieu.")
    pull_weight: float = Field(0.5, ge=0.0, le=5.0, description="How much the rivals' attraction adds to an organisation's outside option (competitor_pull).")
    regime_appeal: Prob = Field(0.5, description="How much a closed regime (democratic deficit 1) lowers an organisation's appeal to those who can compare it with rivals.")
    polemics: float = Field(2.0, ge=0.0, le=50.0, description="How much rivals' publicity of a purge lowers the public standing of the organisation that expels (per expelled share of members, at full rival presence).")
    found_min: int = Field(10, ge=2, le=1_000_000, description="A split of at least this many members founds a new organisation; a smaller one disperses into the milieu.")
    founded_regime: Literal["argued", "parent"] = Field("argued", description="Regime of an organisation founded by a split: the one its faction argued for (individual votes, permanent faction rights, dissent at most censured, open books) or the parent's.")


class EcosystemScenario(Strict):
    name: str = Field(description="Name of the ecosystem; names the output folder.")
    description: str = Field("", max_length=5000, description="Free text.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed of the run.")
    weeks: int = Field(520, ge=1, le=10_400, description="Number of weekly steps (every organisation's horizon).")
    start_date: Date | None = Field(None, description="Calendar date of week 0.")
    orgsim_version: str | None = Field(None, description="Written into resolved scenarios; informational.")
    members: int | None = Field(None, ge=2, le=50_000_000, description="Members of all organisations at week 0, shared out by the organisations' `share` (then each organisation's members, and its branches unless given, follow from it).")
    ecosystem: EcosystemParams = Field(default_factory=EcosystemParams)
    organisations: list[Scenario] = Field(description="The organisations at week 0, each a full single-organisation scenario.")
    lines: list[float] = Field(default_factory=list, description="Each organisation's political line in the milieu at week 0 (0 to 1; an organisation's `line` key, default 0.5): its members and contacts are drawn around it.")


def is_ecosystem(data: dict) -> bool:
    return isinstance(data, dict) and "organisations" in data


def _organisation_data(entry: Any, i: int, shared: dict, folder: Path, source: str) -> dict:
    where = f"{source}: organisations[{i}]"
    if not isinstance(entry, dict):
        raise ScenarioError(f"{where} = {_short(entry)}: expected a table ([[organisations]])")
    entry = dict(entry)
    base: dict = {}
    if "scenario" in entry:
        ref = entry.pop("scenario")
        if not isinstance(ref, str):
            raise ScenarioError(f"{where}.scenario = {_short(ref)}: expected the path of a scenario file")
        path = (folder / ref).resolve()
        if not path.is_file():
            raise ScenarioError(f"{where}.scenario = {ref!r}: no such file (looked for {path})")
        base = resolve_paths(read_scenario_data(path), path)
        if "organisations" in base:
            raise ScenarioError(f"{where}.scenario = {ref!r}: an ecosystem file cannot be one organisation")
        for key in ("observations", "patterns"):  # the case's data belong to its own validation
            base.pop(key, None)
    entry.pop("share", None)  # sizes from shares and lines are applied by validate_ecosystem
    entry.pop("line", None)
    if "name" not in entry and "name" not in base:
        raise ScenarioError(f"{where}: name: missing; each organisation needs a name")
    data = _merge(base, entry)
    # shared by all: the horizon, the seed and the calendar
    for key in ("weeks", "seed", "start_date"):
        if key in shared:
            data[key] = shared[key]
        else:
            data.pop(key, None)
    data["parameters"] = _merge(shared.get("parameters", {}), data.get("parameters", {}))
    data["environment"] = _merge(data.get("environment", {}), shared.get("environment", {}))
    return data


def _sizes_from_shares(data: dict, orgs: list, source: str) -> list[int] | None:
    """Members of each organisation when the ecosystem gives ``members`` and each organisation a
    ``share`` (relative sizes, normalised): one key then sets how dominant one organisation is."""
    shares = [o.get("share") if isinstance(o, dict) else None for o in orgs]
    total = data.get("members")
    if all(x is None for x in shares):
        return None  # sizes as each organisation gives them (a resolved file: members is then a record)
    if total is None:
        raise ScenarioError(f"{source}: members: missing; organisations with a share need the ecosystem's members")
    for i, x in enumerate(shares):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x <= 1e6:
            raise ScenarioError(f"{source}: organisations[{i}].share = {_short(x)}: expected a positive number "
                                "(relative size; every organisation needs one when the ecosystem gives members)")
    if isinstance(total, bool) or not isinstance(total, int) or total < 2 * len(orgs):
        raise ScenarioError(f"{source}: members = {_short(total)}: expected a whole number of at least {2 * len(orgs)}")
    return [max(2, round(total * x / sum(shares))) for x in shares]


def validate_ecosystem(data: dict, source: str = "<ecosystem>", folder: Path | None = None) -> EcosystemScenario:
    folder = Path.cwd() if folder is None else folder
    unknown = [k for k in data if k not in SHARED_KEYS]
    if unknown:
        raise ScenarioError(f"{source}: {unknown[0]}: unknown key in an ecosystem file; allowed: " + ", ".join(SHARED_KEYS))
    orgs = data.get("organisations")
    if not isinstance(orgs, list) or not orgs:
        raise ScenarioError(f"{source}: organisations = {_short(orgs)}: expected one or more [[organisations]] tables")
    if len(orgs) > MAX_ORGANISATIONS:
        raise ScenarioError(f"{source}: organisations: {len(orgs)} given; allowed: at most {MAX_ORGANISATIONS}")
    for key in ("environment", "parameters"):
        if key in data:
            table = data[key]
            if not isinstance(table, dict):
                raise ScenarioError(f"{source}: {key} = {_short(table)}: expected a table")
            model = Environment if key == "environment" else Parameters
            try:
                model.model_validate(table)
            except ValidationError as exc:
                raise ScenarioError(format_validation_error(source, exc).replace(f"{source}: ", f"{source}: {key}.")) from None
    sizes = _sizes_from_shares(data, orgs, source)
    resolved = []
    for i, entry in enumerate(orgs):
        org_data = _organisation_data(entry, i, data, folder, source)
        if sizes is not None:
            table = dict(org_data.get("organisation", {}))
            given = entry.get("organisation", {}) if isinstance(entry.get("organisation"), dict) else {}
            table["members"] = sizes[i]
            if "branches" not in given:
                table["branches"] = max(1, round(sizes[i] / MEMBERS_PER_BRANCH))
            org_data["organisation"] = table
        resolved.append(validate(org_data, f"{source}: organisations[{i}]"))
    names = [o.name for o in resolved]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError(f"{source}: organisations: the name {dup[0]!r} is given twice; each organisation needs its own name")
    lines = []
    for i, o in enumerate(orgs):
        x = o.get("line", DEFAULT_LINE) if isinstance(o, dict) else DEFAULT_LINE
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.0 <= x <= 1.0:
            raise ScenarioError(f"{source}: organisations[{i}].line = {_short(x)}: expected a position from 0 to 1")
        lines.append(float(x))
    top = {k: v for k, v in data.items() if k not in ("organisations", "environment", "parameters", "lines")}
    top["lines"] = lines
    try:
        check_name(str(top.get("name", "")))
        return EcosystemScenario.model_validate({**top, "organisations": resolved})
    except (ValidationError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise ScenarioError(format_validation_error(source, exc)) from None
        raise ScenarioError(f"{source}: name: {exc}") from None


def ecosystem_overrides(data: dict, overrides: dict[str, Any], source: str = "--set") -> dict:
    """Dotted overrides; ``organisations.NAME.key`` (or ``organisations.INDEX.key``) sets an
    organisation's key."""
    data = copy.deepcopy(data)
    names = [o.get("name") if isinstance(o, dict) else None for o in data.get("organisations", [])]
    plain = {}
    for key, value in overrides.items():
        parts = key.split(".")
        if parts[0] == "organisations" and len(parts) > 2 and not parts[1].isdigit():
            if parts[1] not in names:
                raise ScenarioError(f"{source}: {key}: no organisation named {parts[1]!r}; named: {', '.join(map(str, names))}")
            key = ".".join(["organisations", str(names.index(parts[1])), *parts[2:]])
        plain[key] = value
    return apply_overrides(data, plain, source)


def load_ecosystem(path: str | Path, overrides: dict[str, Any] | None = None) -> EcosystemScenario:
    from orgsim.model.catalogue import find_scenario

    path = find_scenario(path)
    data = read_scenario_data(path)
    if overrides:
        data = ecosystem_overrides(data, overrides)
    return validate_ecosystem(data, str(path), path.parent)


def ecosystem_toml_data(eco: EcosystemScenario) -> dict:
    """Fully resolved ecosystem as TOML data: each organisation fully resolved."""
    data = eco.model_dump(mode="python", exclude_none=True, exclude={"organisations", "lines"})
    data["organisations"] = []
    for org, line in zip(eco.organisations, eco.lines):
        od = to_toml_data(org)
        for key in ("weeks", "seed", "start_date", "orgsim_version"):
            od.pop(key, None)
        od["line"] = line
        data["organisations"].append(od)
    return data


def resolve_ecosystem_paths(data: dict, relative_to: Path) -> dict:
    """Raw ecosystem data with each organisation's ``scenario`` file made absolute (relative to the
    folder of ``relative_to``), so that the data can be validated from anywhere (sweeps)."""
    orgs = data.get("organisations")
    if not isinstance(orgs, list):
        return data
    out = []
    for o in orgs:
        if isinstance(o, dict) and isinstance(o.get("scenario"), str) and not Path(o["scenario"]).is_absolute():
            o = {**o, "scenario": str((Path(relative_to).parent / o["scenario"]).resolve())}
        out.append(o)
    return {**data, "organisations": out}


def validate_any(data: dict, source: str = "<scenario>") -> "Scenario | EcosystemScenario":
    """A single-organisation scenario or an ecosystem, whichever the data is."""
    return validate_ecosystem(data, source) if is_ecosystem(data) else validate(data, source)


def override_any(data: dict, overrides: dict[str, Any], source: str = "--set") -> dict:
    return ecosystem_overrides(data, overrides, source) if is_ecosystem(data) else apply_overrides(data, overrides, source)


def organisations_of(scenario: "Scenario | EcosystemScenario") -> list[Scenario]:
    """The organisations a run starts with: an ecosystem's, or the single organisation itself."""
    return scenario.organisations if isinstance(scenario, EcosystemScenario) else [scenario]


def people_weeks(scenario: "Scenario | EcosystemScenario") -> tuple[float, int]:
    """(persons of the milieu at week 0, weeks): the size that run time scales with."""
    orgs = organisations_of(scenario)
    return sum(o.organisation.members * (1.0 + o.organisation.periphery) for o in orgs), scenario.weeks

