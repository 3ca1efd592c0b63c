"""The sweep file format: the only module that knows how a sweep or sensitivity file is written.

A sweep file (TOML) names a base scenario (a path relative to the sweep file, or an inline
``[base]`` table), fixed overrides (``[set]``), parameters to vary by dotted scenario key
(``[parameters]``), a sampler, replicates per point, a root seed and what to keep per run.
Validation uses pydantic v2 with ``extra="forbid"``; every problem is reported as one short
message naming the file, the key path, the value and what is allowed (:class:`ScenarioError`).

Parameter specs (see docs/sweeps.md):

* a list of values ``["slate", "individual"]``;
* a range ``{start, stop, step}`` or ``{start, stop, num}`` (stop included; ``log = true`` with num);
* bounds ``{low, high}`` for the random and Latin hypercube samplers (``log``, ``integer``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import tomli_w
from pydantic import (AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator,
                      model_validator)

from orgsim.errors import ScenarioError
from orgsim.ecosystem.scenario import override_any, resolve_ecosystem_paths, validate_any
from orgsim.model.observe import COLUMNS
from orgsim.model.scenario import (apply_overrides, check_name, format_validation_error, read_scenario_data, read_toml,
                                   resolve_parameters_file, resolve_paths, validate)

SPEC_KEYS = {"start", "stop", "step", "num", "low", "high", "log", "integer"}
# Scenario keys a sweep must not vary: the sweep's own seeding replaces the scenario seed.
UNVARIABLE = {"seed", "name", "description", "orgsim_version"}
SPEC_TAGS = ("list", "range", "bounds")
SCALAR_KINDS = (bool, int, float, str)
DOCS = "docs/sweeps.md"


class Strict(BaseModel):
    # as the scenario schema: strict types (TOML's own), no NaN or infinity
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- parameter specs
class ParamRange(Strict):
    start: float
    stop: float
    step: float | None = Field(None, gt=0)
    num: int | None = Field(None, ge=1, le=100_000)
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> "ParamRange":
        if (self.step is None) == (self.num is None):
            raise ValueError("give exactly one of 'step' or 'num'")
        if self.step is not None and self.stop < self.start:
            raise ValueError(f"stop ({self.stop}) is below start ({self.start})")
        if self.log and (self.num is None or self.start <= 0 or self.stop <= 0):
            raise ValueError("log = true needs 'num' and positive start and stop")
        return self


class ParamBounds(Strict):
    low: float
    high: float
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _order(self) -> "ParamBounds":
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError("log = true needs a positive low bound")
        if self.integer and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError("integer = true needs whole-number bounds")
        return self


def _spec_kind(value: Any) -> str | None:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        if "low" in value or "high" in value:
            return "bounds"
        if value.keys() & SPEC_KEYS:
            return "range"
    if isinstance(value, (ParamRange, ParamBounds)):
        return "range" if isinstance(value, ParamRange) else "bounds"
    return None


def check_values(values: list) -> list:
    """A value list: non-empty, scalars of one kind; ints mixed with floats become floats."""
    if not values:
        raise ValueError("give at least one value")
    for v in values:
        if not isinstance(v, SCALAR_KINDS):
            raise ValueError(f"values must be numbers, strings or true/false, not {type(v).__name__}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"{v} is not a finite number")
    kinds = {bool if isinstance(v, bool) else (float if isinstance(v, (int, float)) else str) for v in values}
    if len(kinds) > 1:
        raise ValueError("values must all be of one kind (numbers, strings or true/false)")
    if any(isinstance(v, float) for v in values) and not any(isinstance(v, bool) for v in values):
        values = [float(v) for v in values]
    seen = set()
    for v in values:  # one kind only, so 1 and true cannot be confused here
        if v in seen:
            raise ValueError(f"repeats the value {v!r}")
        seen.add(v)
    return values


ParamSpec = Annotated[
    Union[Annotated[list[Any], AfterValidator(check_values), Tag("list")],
          Annotated[ParamRange, Tag("range")], Annotated[ParamBounds, Tag("bounds")]],
    Discriminator(_spec_kind, custom_error_type="param_spec",
                  custom_error_message="expected a list of values, a range {start, stop, step or num} "
                                       "or bounds {low, high}"),
]


def flatten(table: Any, spec_leaves: bool) -> Any:
    """Nested TOML tables -> one level of dotted keys (``[parameters.regime] voting = ...``).

    With ``spec_leaves`` a table holding range/bounds keys is a leaf (a parameter spec).
    """
    if not isinstance(table, dict):
        return table
    out: dict[str, Any] = {}

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and not (spec_leaves and value.keys() & SPEC_KEYS):
                walk(value, path)
            else:
                out[path] = value

    walk(table, "")
    return out


# --------------------------------------------------------------------------- what to keep
class Keep(Strict):
    timeseries: bool | list[str] = Field(False, description="Keep weekly time series: false, true (all columns) or a list of columns.")
    every: int = Field(1, ge=1, le=10_400, description="Keep every k-th week (week 0, k, 2k, ... and the last week).")

    @field_validator("timeseries")
    @classmethod
    def _columns(cls, v):
        if isinstance(v, list):
            if not v:
                raise ValueError("give at least one column, or true for all of them")
            for c in v:
                if c not in COLUMNS:
                    raise ValueError(f"unknown column {c!r}; allowed: {', '.join(COLUMNS)}")
        return v

    @property
    def columns(self) -> tuple[str, ...] | None:
        """Time-series columns to keep; None keeps none."""
        if self.timeseries is False:
            return None
        return tuple(COLUMNS) if self.timeseries is True else tuple(dict.fromkeys(self.timeseries))


# --------------------------------------------------------------------------- sweep and study files
class StudyFile(Strict):
    """What sweeps and sensitivity analyses share: base, fixed overrides, replicates, seeding, storage."""

    name: str = Field(description="Name of the study; names the output folder.")
    description: str = Field("", max_length=5000)
    base: str | dict[str, Any] = Field(description="Base scenario: a path relative to this file, a scenario name, or an inline table.")
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides of the base by dotted key.")
    replicates: int = Field(10, ge=1, le=1_000_000, description="Seeded replicates per point.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed: run (i, r) gets SeedSequence(seed, spawn_key=(i, r)).")
    batch: int | None = Field(None, ge=1, le=100_000, description="Runs per task (default: chosen from the estimated run time).")
    keep: Keep = Field(default_factory=Keep)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if "set" in data:
                data["set"] = flatten(data["set"], spec_leaves=False)
            if "parameters" in data:
                data["parameters"] = flatten(data["parameters"], spec_leaves=True)
        return data

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @staticmethod
    def _check_keys(params: dict, fixed: dict) -> None:
        if not params:
            raise ValueError("parameters: give at least one parameter to vary")
        for key in params:
            if key in UNVARIABLE:
                raise ValueError(f"parameters.{key}: cannot be varied (allowed: any scenario key except "
                                 f"{', '.join(sorted(UNVARIABLE))}; the sweep's seed sets every run's seed)")
            if key in fixed:
                raise ValueError(f"parameters.{key}: also given in [set]; keep it in one place")


class SweepFile(StudyFile):
    parameters: dict[str, ParamSpec] = Field(description="Parameters to vary, by dotted scenario key.")
    sampler: Literal["grid", "random", "lhs"] = Field("grid", description="Full grid, random sampling or Latin hypercube.")
    samples: int | None = Field(None, ge=1, le=10_000_000, description="Points drawn by the random and lhs samplers.")

    @model_validator(mode="after")
    def _sampler(self) -> "SweepFile":
        self._check_keys(self.parameters, self.set)
        if self.sampler == "grid":
            if self.samples is not None:
                raise ValueError("samples: only for sampler = 'random' or 'lhs' (a grid takes every combination)")
            for key, spec in self.parameters.items():
                if isinstance(spec, ParamBounds):
                    raise ValueError(f"parameters.{key}: bounds {{low, high}} need sampler = 'random' or 'lhs'; "
                                     "for a grid give a list or a range with step or num")
        elif self.samples is None:
            raise ValueError(f"samples: required with sampler = {self.sampler!r} (the number of points to draw)")
        return self


# --------------------------------------------------------------------------- errors and loading
def _spec_tag(loc: tuple, i: int) -> bool:
    """The tag of a parameter spec (list, range, bounds) adds nothing for the reader."""
    return i >= 2 and loc[0] == "parameters" and loc[i] in SPEC_TAGS


def format_error(source: str, err: ValidationError) -> str:
    """One short line per problem: file, key path, value and what is allowed."""
    return format_validation_error(source, err, docs=DOCS, is_tag=_spec_tag, kinds=SPEC_TAGS)


def parse_study(model: type[StudyFile], data: dict, source: str):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_error(source, exc)) from None


def base_data(study: StudyFile, path: Path) -> tuple[dict, str]:
    """The raw base scenario with [set] applied, and a label for messages."""
    if isinstance(study.base, dict):
        raw, label = resolve_paths(resolve_parameters_file(study.base, path.parent, f"{path}: base"), path), "base"
    else:
        base_path = path.parent / study.base
        if not base_path.is_file() and not study.base.endswith(".toml"):
            from orgsim.model.catalogue import find_scenario

            base_path = find_scenario(study.base)  # a scenario name, e.g. base = "iso_2019"
        raw, label = resolve_paths(read_scenario_data(base_path), base_path), f"base {study.base}"
        raw = resolve_ecosystem_paths(raw, base_path)
    data = override_any(raw, study.set, source=f"{path}: set")
    validate_any(data, f"{path}: {label}" + (" with [set]" if study.set else ""))
    return data, label


def load_study(model: type[StudyFile], path: str | Path, **overrides):
    """Read and validate a sweep or sensitivity file, with top-level keys overridden (None
    leaves a key as the file has it); returns it and its base data (raw, [set] applied)."""
    from orgsim.model.catalogue import find_sweep

    path = find_sweep(path)
    data = read_toml(path)
    data.update({k: v for k, v in overrides.items() if v is not None})
    study = parse_study(model, data, str(path))
    return study, base_data(study, path)[0]


def load_sweep(path: str | Path, replicates: int | None = None) -> tuple[SweepFile, dict]:
    """Read and validate a sweep file; returns it and its base data (raw, [set] applied)."""
    return load_study(SweepFile, path, replicates=replicates)


def resolved_toml(study: StudyFile, base: dict) -> str:
    """The study as it was run: base inlined (raw, with [set] applied), every default filled in.

    Re-running this text gives the same results; comparing it detects a changed study.
    """
    data = study.model_dump(mode="python", exclude_none=True)
    data["base"] = base
    data["set"] = {}
    return tomli_w.dumps(data)


# --------------------------------------------------------------------------- size, before any point is built
MAX_POINTS = 100_000      # points of one study; past this, --allow-large (docs/sweeps.md)
MAX_RUNS = 1_000_000      # points x replicates
POINT_BYTES = 1_000       # memory of one point's overrides, validated (the parent holds them all)


def spec_size(spec) -> float:
    """Values of a list or range, counted without building them (inf when there is no end)."""
    if isinstance(spec, list):
        return len(spec)
    if isinstance(spec, ParamRange):
        if spec.num is not None:
            return spec.num
        n = (spec.stop - spec.start) / spec.step
        return math.floor(n + 1e-9) + 1 if math.isfinite(n) and n < 1e18 else math.inf
    return math.inf


def study_points(study) -> float:
    """How many points a sweep file makes, by arithmetic."""
    if getattr(study, "sampler", "grid") != "grid":
        return study.samples
    total = 1
    for spec in study.parameters.values():
        total *= spec_size(spec)
        if total > 1e18:
            return math.inf
    return total


def check_size(source: str, n_points: float, replicates: int, allow_large: bool) -> None:
    """Refuse a study past the documented size (unless ``allow_large``), before any point is built."""
    from orgsim.errors import OrgsimError
    from orgsim.runs.safety import check_memory

    runs = n_points * replicates
    pts = "unbounded" if not math.isfinite(n_points) else f"{n_points:,.0f}"
    what = f"{source}: {pts} points x {replicates:,} replicates"
    if not math.isfinite(n_points):
        raise OrgsimError(f"{what}: too many to build")
    if not allow_large and (n_points > MAX_POINTS or runs > MAX_RUNS):
        raise OrgsimError(f"{what} = {runs:,.0f} runs; the limit is {MAX_POINTS:,} points and {MAX_RUNS:,} runs "
                          "(docs/sweeps.md); pass --allow-large to run it anyway")
    check_memory(n_points * POINT_BYTES, f"{what}: holding the points")


def describe_point(point: dict) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in point.items())
    return text if len(text) <= 120 else text[:117] + "..."

