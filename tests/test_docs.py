"""Documentation stays in step with the code: the scenario reference and the ODD's parameter
tables against the parameter models declared in the mechanism modules."""

import importlib
import re
from pathlib import Path

from pydantic import BaseModel

from orgsim.model.model import SCHEDULE
from orgsim.model.reference import render
from orgsim.model.scenario import Parameters

MECHANISMS = Path("orgsim/model/mechanisms")


def declared_params(module_name: str) -> dict[str, type[BaseModel]]:
    """The parameter models (``*Params``) a mechanism module declares itself."""
    mod = importlib.import_module(f"orgsim.model.mechanisms.{module_name}")
    return {k: v for k, v in vars(mod).items()
            if isinstance(v, type) and issubclass(v, BaseModel) and k.endswith("Params") and v.__module__ == mod.__name__}


def test_scenario_reference_is_generated_from_the_schema():
    assert Path("docs/scenario-reference.md").read_text() == render(), \
        "regenerate with: python -m orgsim.model.reference > docs/scenario-reference.md"


def test_odd_documents_every_submodel_and_parameter_table():
    odd = Path("docs/ODD.md").read_text()
    submodels = re.findall(r"^### 7\.\d+ (\w+)", odd, flags=re.M)
    modules = {p.stem for p in MECHANISMS.glob("*.py") if p.stem != "__init__"}
    assert set(submodels) == modules, "each mechanism module is one ODD submodel, and vice versa"
    for name, _ in SCHEDULE:
        assert name in submodels
    for table in Parameters.model_fields:
        assert f"[parameters.{table}]" in odd


def test_each_parameter_table_is_declared_by_its_mechanism():
    declared = {}
    for path in MECHANISMS.glob("*.py"):
        if path.stem != "__init__":
            declared.update({cls: path.stem for cls in declared_params(path.stem).values()})
    tables = {field.default_factory: name for name, field in Parameters.model_fields.items()}
    assert set(tables) == set(declared), "every [parameters.*] table is a *Params model declared in a mechanism module"
    for cls, table in tables.items():
        assert declared[cls] == table, f"[parameters.{table}] is declared in mechanisms/{declared[cls]}.py"


def test_odd_parameter_tables_state_the_code_defaults():
    odd = Path("docs/ODD.md").read_text()
    for table, field in Parameters.model_fields.items():
        section = odd.split(f"\n[parameters.{table}]\n", 1)[1].split("\n### ", 1)[0]
        rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, flags=re.M))
        params = declared_params(field.default_factory.__module__.rsplit(".", 1)[1])[field.default_factory.__name__]
        defaults = params().model_dump()
        assert set(rows) == set(defaults), f"[parameters.{table}] rows differ from {params.__module__}.{params.__name__}"
        for key, text in rows.items():
            expected = str(defaults[key]).lower()
            assert text.strip().lower() == expected, f"{table}.{key}: ODD says {text.strip()}, code {expected}"


def test_every_behavioural_parameter_states_its_source():
    odd = Path("docs/ODD.md").read_text()
    for table in Parameters.model_fields:
        section = odd.split(f"\n[parameters.{table}]\n", 1)[1].split("\n### ", 1)[0]
        rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \| ([^|]*) \|", section, flags=re.M)
        assert rows, f"[parameters.{table}] has no rows with a source column"
        for name, source, why in rows:
            assert source.strip() in ("literature", "anchor", "calibrated"), f"{table}.{name}: source {source!r}"
            assert why.strip(), f"{table}.{name}: no justification"
