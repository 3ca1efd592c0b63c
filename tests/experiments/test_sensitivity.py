"""Sensitivity analysis: SALib indices find the one parameter that matters, through the sweep engine."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sweep_helpers
from helpers import BASELINE
from orgsim.cli import main
from orgsim.experiments.sensitivity import run_sensitivity
from orgsim.outputs.report import write_sensitivity_report

SPEC = f"""
name = "linear"
base = "{BASELINE.as_posix()}"
replicates = 2
seed = 5
output = ["final_members", "p_growth", "expulsions"]

[set]
weeks = 5
"organisation.members" = 20
"organisation.branches" = 2

[parameters]
"regime.unity_of_thought" = {{ low = 0.0, high = 1.0 }}
"parameters.voice.threshold" = {{ low = 0.1, high = 0.4 }}
"environment.climate" = {{ low = 0.5, high = 2.0, log = true }}

[morris]
trajectories = 6

[sobol]
samples = 32
"""


def run(tmp_path: Path, method: str, spec: str = SPEC, **kw):
    path = tmp_path / "spec.toml"
    path.write_text(spec)
    return run_sensitivity(path, method=method, out=tmp_path / method, workers=1, show_progress=False,
                           runner=sweep_helpers.linear_runner, log=lambda *a: None,
                           decorate=write_sensitivity_report, **kw)


def index(table: pd.DataFrame, output: str, stat: str) -> pd.Series:
    sub = table[(table["output"] == output) & (table["statistic"] == stat)]
    return sub.set_index("parameter")["value"]


def test_morris_screens_out_parameters_without_effect(tmp_path):
    result = run(tmp_path, "morris")
    table = result["table"]
    assert result["report"].runs == 6 * 4 * 2  # trajectories x (D + 1) points x replicates
    mu = index(table, "final_members", "mu_star")
    assert mu["regime.unity_of_thought"] == pytest.approx(1000, rel=0.01)  # the slope of the fake model
    assert mu.drop("regime.unity_of_thought").max() < 0.1
    assert index(table, "expulsions", "mu_star").max() == 0  # a constant output has no effect
    assert index(table, "p_growth", "mu_star").idxmax() == "regime.unity_of_thought"
    written = pd.read_csv(result["csv"])
    assert list(written.columns) == ["method", "output", "parameter", "statistic", "value", "conf"]
    assert len(written) == 3 * 3 * 3  # outputs x parameters x (mu_star, sigma, mu)
    assert result["png"].stat().st_size > 10_000


def test_sobol_attributes_the_variance_to_the_one_parameter(tmp_path):
    result = run(tmp_path, "sobol")
    table = result["table"]
    assert result["report"].runs == 32 * (3 + 2) * 2
    st = index(table, "final_members", "ST")
    assert st["regime.unity_of_thought"] > 0.9 and st.drop("regime.unity_of_thought").max() < 0.02
    s1 = index(table, "final_members", "S1")
    assert s1["regime.unity_of_thought"] > 0.8
    assert index(table, "expulsions", "ST").isna().all()  # undefined for a constant output, not 0
    assert table.loc[table["statistic"] == "ST", "conf"].notna().any()


def test_sensitivity_resumes_without_recomputing(tmp_path):
    first = run(tmp_path, "morris")
    csv = first["csv"].read_bytes()
    again = run(tmp_path, "morris")
    assert again["report"].computed == 0 and again["csv"].read_bytes() == csv


@pytest.mark.parametrize("old, new, expected", [
    ('"environment.climate" = { low = 0.5, high = 2.0, log = true }', '"environment.climate" = [0.5, 2.0]',
     "environment.climate: give bounds {low, high}"),
    ("samples = 32", "samples = 30", "sobol.samples = 30: must be a power of two (e.g. 16 or 32)"),
    ('output = ["final_members", "p_growth", "expulsions"]', 'output = "members_at_end"',
     "unknown output 'members_at_end'; give a numeric summary metric"),
])
def test_bad_spec_gives_one_clear_message(tmp_path, capsys, old, new, expected):
    path = tmp_path / "bad.toml"
    path.write_text(SPEC.replace(old, new))
    assert main(["sensitivity", str(path), "--method", "sobol", "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"orgsim: error: {path}:") and "Traceback" not in err
    assert expected in err, err
    assert not (tmp_path / "o").exists()


def test_sample_points_are_reproducible_and_within_bounds(tmp_path):
    from orgsim.experiments.sensitivity import build_plan, load_spec

    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    spec, base = load_spec(path, "sobol")
    plan, X = build_plan(spec, base, str(path))
    plan2, _ = build_plan(*load_spec(path, "sobol"), str(path))
    assert plan.points == plan2.points and len(plan.points) == 32 * 5
    climate = np.array([p["environment.climate"] for p in plan.points])
    assert climate.min() >= 0.5 and climate.max() <= 2.0
    assert np.allclose(np.log(climate), X[:, 2], atol=1e-9)  # log-scaled: sampled in log space
