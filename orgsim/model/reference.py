"""Generate the scenario reference (docs/scenario-reference.md) from the schema.

``python -m orgsim.reference > docs/scenario-reference.md``; a test keeps the file in sync.
"""

from __future__ import annotations

import typing

from pydantic import BaseModel

from orgsim.scenario import (ClimateEvent, ConventionEvent, CritiqueEvent, Environment, Network, Organisation,
                             Parameters, Proposal, ReformEvent, Regime, ScandalEvent, Scenario)

HEADER = """# Scenario reference

Generated from the schema in `orgsim/scenario.py` by `python -m orgsim.reference`; do not edit by hand.
A scenario is a TOML file. Every key but `name` has a default, so a file states only what differs.
Any key can be overridden on the command line by its dotted path: `orgsim run FILE --set regime.voting=individual`.
Unknown keys, wrong types and out-of-range values are refused with a message naming the file, the key and
what is allowed. The model behind the parameters is described in `docs/ODD.md`.
"""


def _type(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type(a) for a in typing.get_args(annotation) if a is not type(None)) + " (optional)"
    if origin is typing.Annotated:
        return _type(typing.get_args(annotation)[0])
    if origin is list:
        return "list of " + _type(typing.get_args(annotation)[0])
    return getattr(annotation, "__name__", str(annotation))


def _bounds(field) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(meta, attr, None)
            if v is not None:
                parts.append(f"{sym} {v}")
    return ", ".join(parts)


def _default(field) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return "(table)" if isinstance(field.default_factory(), BaseModel) else "`[]`"
    d = field.default
    if d is None:
        return "derived" if "Default:" in (field.description or "") else "unset"
    if isinstance(d, bool):
        return f"`{str(d).lower()}`"
    return f"`{d!r}`" if isinstance(d, str) else f"`{d}`"


def table(model: type[BaseModel], prefix: str) -> str:
    rows = ["| key | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        if isinstance(field.default_factory, type) and issubclass(field.default_factory, BaseModel):
            continue
        desc = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | {_type(field.annotation)} | {_default(field)} | {_bounds(field)} | {desc} |")
    return "\n".join(rows)


def render() -> str:
    out = [HEADER]
    sections = [("Top level", Scenario, ""), ("[organisation]", Organisation, "organisation."),
                ("[regime]", Regime, "regime."), ("[environment]", Environment, "environment."),
                ("[network]", Network, "network.")]
    for title, model, prefix in sections:
        out += [f"## {title}", "", table(model, prefix), ""]
    out += ["## [parameters.*]: one table per submodel (docs/ODD.md, section 7)", ""]
    for name, field in Parameters.model_fields.items():
        out += [f"### [parameters.{name}]", "", table(field.default_factory, f"parameters.{name}."), ""]
    out += ["## [[events]]", "",
            "Each event has `kind` and exactly one of `week` (0-based) or `date` (needs `start_date`), and an "
            "optional `label`. Events after the horizon are refused.", ""]
    for model in (ConventionEvent, ReformEvent, ScandalEvent, CritiqueEvent, ClimateEvent):
        kind = typing.get_args(model.model_fields["kind"].annotation)[0]
        out += [f"### kind = \"{kind}\"", "", table(model, ""), ""]
    out += ["### Convention agenda items (`agenda = [{ changes = {...}, label = \"...\" }]`)", "",
            table(Proposal, ""), "",
            "`changes` (of a proposal or a reform) takes any of the `[regime]` keys above.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
