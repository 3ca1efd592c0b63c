"""orgsim calibrate: a toy case with a known parameter value, resume after SIGKILL, one clear message
per bad calibration file, --quick end to end; parameter files; the evaluations' seeds."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w

from orgsim.errors import ScenarioError
from orgsim.experiments.calibration import calibrate, load_calibration
from orgsim.model.scenario import apply_overrides, load_scenario, validate
from orgsim.runs.run import simulate

ROOT = Path(__file__).resolve().parents[2]
TOY = {"name": "toy", "weeks": 40, "organisation": {"members": 60, "branches": 3}}
TRUE_RATE = 0.004  # the known value the toy's observations are generated at
BUDGET = """
[budget]
waves = 1
points = 12
candidates = 3000
abc_points = 40
accept = 0.3
ppc_draws = 2
ppc_replicates = 1
"""


def toy_files(folder: Path) -> Path:
    """A stand-in case whose observations are the mean of 24 runs at recruitment.rate = TRUE_RATE."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = validate(apply_overrides(TOY, {"parameters.recruitment.rate": TRUE_RATE}))
    runs = [simulate(scenario, seed=np.random.SeedSequence(99, spawn_key=(i,))).timeseries for i in range(24)]
    obs = []
    for week in (13, 26, 39):
        m = float(np.mean([r["members"].iloc[week] for r in runs]))
        obs.append({"column": "members", "week": week, "value": round(m, 1), "tolerance": round(max(3.0, 0.05 * m), 2)})
    (folder / "toy.toml").write_text(tomli_w.dumps(
        {**TOY, "observations": obs, "patterns": [{"kind": "outcome", "outcome": "survives"}]}))
    (folder / "calib.toml").write_text('''name = "toy"
cases = ["toy.toml"]
replicates = 2
seed = 3
[parameters.recruitment]
rate = { low = 0.0005, high = 0.02, log = true }
[parameters.voice]
threshold = { low = 0.1, high = 0.4 }
''' + BUDGET)
    return folder / "calib.toml"


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    path = toy_files(folder)
    result = calibrate(path, folder / "out", workers=1, show_progress=False, log=lambda *a: None)
    return path, result


def test_the_posterior_covers_the_value_the_observations_were_generated_at(toy):
    _, result = toy
    post = pd.read_parquet(result.out / "posterior.parquet")
    kept = post.loc[post["weight"] > 0, "parameters.recruitment.rate"]
    assert kept.min() <= TRUE_RATE <= kept.max(), sorted(kept)  # inside the posterior's support
    prior_width = np.log(0.02) - np.log(0.0005)
    assert np.log(kept.max()) - np.log(kept.min()) < 0.5 * prior_width  # and it learned something
    assert post["weight"].sum() == pytest.approx(1.0) and result.summary["effective_sample_size"] > 1
    ppc = pd.read_csv(result.out / "ppc.csv")
    assert set(ppc["item"]) == {"observations[0]", "observations[1]", "observations[2]", "patterns[0]"}
    # the default recruitment rate (0.0007) misses the observed growth, the posterior draws do better
    obs = ppc[ppc["kind"] == "observation"]
    assert obs["posterior_pass_rate"].mean() > obs["defaults_pass_rate"].mean()


def test_the_calibrated_parameter_file_runs_any_scenario(toy, tmp_path):
    _, result = toy
    params = result.out / "parameters.toml"
    s = load_scenario(ROOT / "scenarios/baseline.toml", parameters=params)
    calibrated = result.summary["parameters"]["parameters.recruitment.rate"]["calibrated"]
    assert s.parameters.recruitment.rate == calibrated
    assert load_scenario(ROOT / "scenarios/baseline.toml", {"parameters.recruitment.rate": 0.01},
                         parameters=params).parameters.recruitment.rate == 0.01  # --set wins
    (tmp_path / "p.toml").write_bytes(params.read_bytes())
    (tmp_path / "s.toml").write_text('name = "s"\nparameters_file = "p.toml"\n[parameters.voice]\nthreshold = 0.3\n')
    s = load_scenario(tmp_path / "s.toml")
    assert s.parameters.recruitment.rate == calibrated and s.parameters.voice.threshold == 0.3  # the scenario's own win
    assert "parameters_file" not in s.model_dump(exclude_none=True)


def test_every_evaluation_has_its_own_seed(toy):
    _, result = toy
    keys = []
    for part in sorted((result.out / "stages").glob("*/toy/runs.parquet")):
        keys += [tuple(k) for k in pd.read_parquet(part)["seed_spawn_key"]]
    assert len(keys) == len(set(keys)) and all(len(k) == 4 for k in keys)  # (stage, case, point, replicate)
    assert {k[0] for k in keys} == {0, 1, 2, 3}


def _cli(*args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "orgsim", *args], cwd=kw.pop("cwd"), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def test_resume_after_sigkill_gives_the_same_posterior(toy, tmp_path):
    path, result = toy
    out = tmp_path / "killed"
    proc = _cli("calibrate", str(path), "--workers", "1", "--out", str(out), "--no-charts", cwd=tmp_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not list(out.glob("stages/01-abc/toy/parts/runs-*.parquet")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "posterior.parquet").exists(), "killed too late: the test needs a kill mid-run"
    again = _cli("calibrate", str(path), "--workers", "1", "--out", str(out), "--no-charts", cwd=tmp_path)
    text, _ = again.communicate(timeout=120)
    assert again.returncode == 0, text
    for name in ("posterior.parquet", "parameters.toml", "ppc.csv"):
        assert (out / name).read_bytes() == (result.out / name).read_bytes(), name


def test_quick_runs_end_to_end_from_the_command_line(tmp_path):
    path = toy_files(tmp_path)
    t0 = time.perf_counter()
    proc = _cli("calibrate", str(path), "--quick", "--workers", "2", cwd=tmp_path)
    text, _ = proc.communicate(timeout=180)
    assert proc.returncode == 0, text
    assert time.perf_counter() - t0 < 120
    out = tmp_path / "results/calibration/toy-quick"
    for name in ("posterior.parquet", "parameters.toml", "ppc.csv", "waves.csv", "summary.json", "report.html",
                 "charts/marginals.png", "charts/pairs.png", "charts/waves.png", "charts/ppc.png"):
        assert (out / name).exists(), name
    assert json.loads((out / "summary.json").read_text())["mode"] == "quick"
    assert "posterior points" in text


def test_the_shipped_calibration_file_is_valid():
    cal = load_calibration(ROOT / "scenarios/calibration/cases.toml")
    assert [c.name for c in cal.cases] == ["iso_2019", "sep_2021", "wrp_1985", "cwi_2019", "workers_league_1974", "dsa_2016"]
    assert all(k.startswith("parameters.") for k in cal.keys)


GOOD = {"name": "t", "cases": ["toy.toml"], "parameters": {"voice": {"threshold": {"low": 0.1, "high": 0.3}}}}


@pytest.mark.parametrize("change, expected", [
    ({"colour": "red"}, "calib.toml: colour = 'red': unknown key"),
    ({"parameters": {"voice": {"threshold": {"low": 0.3, "high": 0.1}}}}, "low (0.3) must be below high (0.1)"),
    ({"parameters": {"voice": {"threshold": {"low": 0.1, "high": 1.5}}}}, "on case toy: parameters.voice.threshold = 1.5: Input should be less than or equal to 1"),
    ({"parameters": {"voice": {"treshold": {"low": 0.1, "high": 0.3}}}}, "on case toy: parameters.voice.treshold = 0.1: unknown key"),
    ({"parameters": {}}, "give at least one parameter to fit"),
    ({"cases": []}, "cases = []"),
    ({"cases": ["nowhere.toml"]}, "cases[0] = 'nowhere.toml': no such file"),
    ({"cases": ["plain.toml"]}, "has no [[observations]] or [[patterns]] to fit"),
    ({"hold_out": ["toy:patterns[7]"]}, "hold_out[0] = 'toy:patterns[7]': not an item of the cases"),
    ({"budget": {"waves": -1}}, "budget.waves = -1"),
    ({"budget": {"wave": 2}}, "budget.wave = 2: unknown key"),
    ({"method": "mcmc"}, "method = 'mcmc'"),
    ({"replicates": 0}, "replicates = 0"),
])
def test_a_bad_calibration_file_gets_one_clear_message(tmp_path, change, expected):
    (tmp_path / "toy.toml").write_text(tomli_w.dumps({**TOY, "patterns": [{"kind": "outcome", "outcome": "survives"}]}))
    (tmp_path / "plain.toml").write_text(tomli_w.dumps(TOY))
    (tmp_path / "calib.toml").write_text(tomli_w.dumps({**GOOD, **change}))
    with pytest.raises(ScenarioError) as err:
        load_calibration(tmp_path / "calib.toml")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(tmp_path / "calib.toml")) and expected in msg, msg


def test_a_bad_parameter_file_gets_one_clear_message(tmp_path):
    (tmp_path / "p.toml").write_text("[parameters.voice]\nthreshold = 2.0\n")
    with pytest.raises(ScenarioError, match=r"p.toml: parameters.voice.threshold = 2.0: .*less than or equal to 1"):
        load_scenario(ROOT / "scenarios/baseline.toml", parameters=tmp_path / "p.toml")
    (tmp_path / "q.toml").write_text("weeks = 3\n")
    with pytest.raises(ScenarioError, match=r"q.toml: weeks: unknown key in a parameter file; allowed: parameters"):
        load_scenario(ROOT / "scenarios/baseline.toml", parameters=tmp_path / "q.toml")
