"""Documentation stays in step with the code."""

import re
from pathlib import Path

from orgsim.model import SCHEDULE
from orgsim.reference import render
from orgsim.scenario import Parameters


def test_scenario_reference_is_generated_from_the_schema():
    assert Path("docs/scenario-reference.md").read_text() == render(), \
        "regenerate with: python -m orgsim.reference > docs/scenario-reference.md"


def test_odd_documents_every_submodel_and_parameter_table():
    odd = Path("docs/ODD.md").read_text()
    submodels = re.findall(r"^### 7\.\d+ (\w+)", odd, flags=re.M)
    modules = {p.stem for p in Path("orgsim/mechanisms").glob("*.py") if p.stem != "__init__"}
    assert set(submodels) == modules, "each mechanism module is one ODD submodel, and vice versa"
    for name, _ in SCHEDULE:
        assert name in submodels
    for table in Parameters.model_fields:
        assert f"[parameters.{table}]" in odd


def test_odd_parameter_tables_state_the_code_defaults():
    odd = Path("docs/ODD.md").read_text()
    for table, field in Parameters.model_fields.items():
        section = odd.split(f"\n[parameters.{table}]\n", 1)[1].split("\n### ", 1)[0]
        rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, flags=re.M))
        defaults = field.default_factory().model_dump()
        assert set(rows) == set(defaults), f"[parameters.{table}] rows differ from the schema"
        for key, text in rows.items():
            expected = str(defaults[key]).lower()
            assert text.strip().lower() == expected, f"{table}.{key}: ODD says {text.strip()}, code {expected}"
