"""What users do every day (issue 15, part A): replicate sets, variant folders, compare, scenarios
by name, fast errors, Python functions returning DataFrames, Mesa's batch_run."""

import base64
import filecmp
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from orgsim.cli import main
from orgsim.experiments.replicates import jeffreys, parse_seeds, variant_name, wilson

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "organisation.members=120", "--set", "organisation.branches=6", "--set", "weeks=30"]
SMALL_OVERRIDES = {"organisation.members": 120, "organisation.branches": 6, "weeks": 30}


def cli(*args) -> int:
    return main([str(a) for a in args])


def orgsim_subprocess(*args, cwd=None, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "orgsim", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)
    return proc, time.perf_counter() - t0


# --------------------------------------------------------------------------- seeds, names, intervals
def test_seed_lists_and_ranges():
    assert parse_seeds("1-5") == [1, 2, 3, 4, 5]
    assert parse_seeds("1,4,7-9") == [1, 4, 7, 8, 9]
    assert parse_seeds("3, 1, 2-3") == [1, 2, 3]


@pytest.mark.parametrize("bad", ["", "a", "5-1", "1-", "1;2", "-3"])
def test_bad_seed_lists_are_one_line_errors(bad, capsys):
    assert cli("run", "baseline", "--seeds", bad) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--seeds" in err and "Traceback" not in err


def test_variant_names_are_readable_stable_and_distinct():
    a = variant_name("iso_2019", {"regime.voting": "individual"})
    assert a.startswith("iso_2019-voting-individual-") and len(a.rsplit("-", 1)[1]) == 6
    assert a == variant_name("iso_2019", {"regime.voting": "individual", "seed": 4})  # the seed is no variant
    b = variant_name("iso_2019", {"organisation.members": 500, "regime.voting": "individual"})
    assert b == variant_name("iso_2019", {"regime.voting": "individual", "organisation.members": 500})
    assert len({a, b, variant_name("iso_2019", {"regime.voting": "slate"}), "iso_2019"}) == 4
    assert variant_name("iso_2019", {}) == "iso_2019"
    events = variant_name("x", {"events": [{"kind": "critique", "week": 3}]})
    assert "[" not in events and "{" not in events


def test_intervals_on_proportions_contain_the_share_and_narrow_with_n():
    for k, n in [(0, 10), (3, 10), (10, 10), (30, 100)]:
        for lo, hi in (wilson(k, n), jeffreys(k, n)):
            assert 0 <= lo <= k / n <= hi <= 1
    assert wilson(3, 10)[1] - wilson(3, 10)[0] > wilson(30, 100)[1] - wilson(30, 100)[0]
    assert jeffreys(0, 10)[0] == 0 and jeffreys(10, 10)[1] == 1
    # Wilson's interval for 0 of n has the closed form z^2 / (n + z^2) as its upper end
    z = 1.959963984540054
    assert wilson(0, 30)[1] == pytest.approx(z * z / (30 + z * z))
    assert all(math.isnan(x) for x in wilson(0, 0))


# --------------------------------------------------------------------------- replicate sets
def test_seeds_give_one_folder_per_seed_identical_to_single_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli("run", "baseline", "--seeds", "1-3", "--workers", 1, *SMALL) == 0
    root = tmp_path / "results" / variant_name("baseline", SMALL_OVERRIDES)
    assert sorted(p.name for p in root.glob("seed-*")) == ["seed-1", "seed-2", "seed-3"]
    for f in ("replicates.csv", "replicates.json", "replicates.png", "outcomes.png", "report.html"):
        assert (root / f).stat().st_size > 0
    report = (root / "report.html").read_text()  # self-contained: both charts embedded, byte for byte
    for f in ("replicates.png", "outcomes.png"):
        assert f'src="data:image/png;base64,{base64.b64encode((root / f).read_bytes()).decode()}"' in report
    assert cli("run", "baseline", "--seed", 2, "--out", tmp_path / "single", "--no-charts", *SMALL) == 0
    for f in ("timeseries.csv", "events.csv", "summary.json", "scenario.toml"):
        assert filecmp.cmp(root / "seed-2" / f, tmp_path / "single" / f, shallow=False), f
    summary = json.loads((root / "replicates.json").read_text())
    table = pd.read_csv(root / "replicates.csv")
    assert summary["runs"] == 3 and summary["seeds"] == [1, 2, 3] and list(table["seed"]) == [1, 2, 3]
    shares = {o["outcome"]: o for o in summary["outcomes"]}
    assert sum(o["count"] for o in shares.values()) == 3
    for o in shares.values():
        assert o["count"] == int((table["outcome"] == o["outcome"]).sum())
        assert o["wilson_lo"] <= o["share"] <= o["wilson_hi"]
    assert summary["final_members"]["q50"] == pytest.approx(table["final_members"].median())
    out = capsys.readouterr().out
    assert "95% Wilson" in out and "final members" in out
    # extending the set reuses the seeds already there
    assert cli("run", "baseline", "--seeds", "1-4", "--workers", 1, "--no-charts", *SMALL) == 0
    assert "3 already in" in capsys.readouterr().out
    assert json.loads((root / "replicates.json").read_text())["runs"] == 4


def test_a_seed_folder_holding_another_run_is_refused(tmp_path, capsys):
    root = tmp_path / "set"
    assert cli("run", "baseline", "--seed", 1, "--out", root / "seed-1", "--no-charts", *SMALL,
               "--set", "regime.voting=individual") == 0
    assert cli("run", "baseline", "--seeds", "1-2", "--out", root, "--no-charts", *SMALL) == 2
    err = capsys.readouterr().err
    assert "seed-1" in err and "--force" in err and err.count("\n") == 1
    assert not (root / "seed-2").exists()  # nothing ran


def test_parallel_set_equals_serial_set(tmp_path):
    assert cli("run", "baseline", "--seeds", "1-2", "--out", tmp_path / "a", "--workers", 1, "--no-charts", *SMALL) == 0
    assert cli("run", "baseline", "--seeds", "1-2", "--out", tmp_path / "b", "--workers", 2, "--no-charts", *SMALL) == 0
    for s in (1, 2):
        for f in ("timeseries.csv", "events.csv", "summary.json"):
            assert filecmp.cmp(tmp_path / "a" / f"seed-{s}" / f, tmp_path / "b" / f"seed-{s}" / f, shallow=False)
    assert filecmp.cmp(tmp_path / "a" / "replicates.csv", tmp_path / "b" / "replicates.csv", shallow=False)


def test_set_variants_get_their_own_default_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("run", "baseline", "--no-charts", *SMALL) == 0
    assert cli("run", "baseline", "--no-charts", *SMALL, "--set", "regime.voting=individual") == 0
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert len(folders) == 2 and all(f.startswith("baseline-") for f in folders)
    assert any("voting-individual" in f for f in folders)


# --------------------------------------------------------------------------- compare
def test_compare_runs_missing_seeds_and_labels_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('name = "closed"\nweeks = 30\n[organisation]\nmembers = 120\nbranches = 6\n'
                 '[regime]\ndissent_penalty = "expulsion"\n')
    b.write_text('name = "open"\nweeks = 30\n[organisation]\nmembers = 120\nbranches = 6\n'
                 '[regime]\ndissent_penalty = "none"\nvoting = "individual"\n')
    assert cli("run", a, "--seeds", "1-2", "--no-charts", "--workers", 1) == 0
    capsys.readouterr()
    assert cli("compare", a, b, "--seeds", "1-3", "--workers", 1, "--labels", "closed regime,open regime") == 0
    out = capsys.readouterr().out
    assert "closed regime" in out and "open regime" in out
    assert len(list((tmp_path / "results" / "closed").glob("seed-*"))) == 3  # seed 3 added, 1-2 kept
    dest = tmp_path / "results" / "compare" / "closed-vs-open"
    table = pd.read_csv(dest / "outcomes.csv")
    assert set(table["label"]) == {"closed regime", "open regime"}
    assert (table.groupby("label")["count"].sum() == 3).all()
    assert ((table["wilson_lo"] <= table["share"]) & (table["share"] <= table["wilson_hi"])).all()
    for f in ("compare.png", "outcomes.png", "report.html"):
        assert (dest / f).stat().st_size > 0
    report = (dest / "report.html").read_text()
    assert report.count('src="data:image/png;base64,') == 2 and "<img src=\"compare.png" not in report
    # a replicate folder is read as it is
    assert cli("compare", tmp_path / "results" / "closed", tmp_path / "results" / "open", "--no-charts",
               "--out", tmp_path / "c") == 0
    assert "closed" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["compare", "baseline"], ["two or more"]),
    (["compare", "baseline", "nope_x"], ["nope_x", "no scenario"]),
    (["compare", "baseline", "open_growth", "--labels", "only one"], ["--labels", "1 labels for 2"]),
    (["compare", "baseline", "baseline", "--no-charts", "--seeds", "1"], ["same name", "--labels"]),
])
def test_compare_errors_are_one_line(args, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli(*args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    for w in words:
        assert w in err
    assert not (tmp_path / "results").exists()


def test_counterfactual_chart_labels_name_the_scenarios(tmp_path):
    """Labels name the scenarios, never the Python text of differing event lists; variants of one
    scenario name the setting that differs; the title is not a fixed phrase."""
    from orgsim.outputs.folders import read_run
    from orgsim.outputs.plots.make import group_labels

    base = ["--set", "organisation.members=60", "--set", "organisation.branches=3", "--set", "organisation.organisers=1",
            "--no-charts"]
    assert cli("run", "iso_2019", "--out", tmp_path / "iso", *base) == 0
    assert cli("run", "iso_2019_counterfactual", "--out", tmp_path / "cf", *base) == 0
    assert cli("run", "iso_2019", "--out", tmp_path / "ind", *base, "--set", "regime.voting=individual") == 0
    runs = [read_run(tmp_path / n) for n in ("iso", "cf", "ind")]
    groups, _ = group_labels(runs)
    assert groups[1] == "iso_2019_counterfactual"
    assert groups[0] == "iso_2019 (voting=slate)" and groups[2] == "iso_2019 (voting=individual)"
    assert not any(t in g for g in groups for t in ("datetime", "{", "'label'"))
    assert cli("plot", tmp_path / "iso", tmp_path / "cf", "--out", tmp_path / "charts") == 0
    assert (tmp_path / "charts" / "compare.png").stat().st_size > 0


# --------------------------------------------------------------------------- scenarios by name, fast errors
def test_scenarios_lists_the_shipped_cases_from_anywhere(tmp_path):
    proc, _ = orgsim_subprocess("scenarios", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in ("baseline", "iso_2019", "iso_2019_counterfactual", "sep_2021", "open_growth"):
        assert name in proc.stdout
    assert "ISO (US)" in proc.stdout  # descriptions
    proc, _ = orgsim_subprocess("scenarios", "--sweeps", cwd=tmp_path)
    assert "smoke" in proc.stdout and "penalty-voting" in proc.stdout


def test_every_command_takes_a_name_or_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scenarios/ here: names come from the shipped folder
    assert cli("run", "open_growth", "--set", "weeks=3", "--no-charts", "--out", tmp_path / "n") == 0
    assert cli("run", ROOT / "scenarios" / "open_growth.toml", "--set", "weeks=3", "--no-charts",
               "--out", tmp_path / "p") == 0
    assert filecmp.cmp(tmp_path / "n" / "timeseries.csv", tmp_path / "p" / "timeseries.csv", shallow=False)
    from orgsim.experiments.sweep import load_plan
    from orgsim.dashboard.serve import resolve_scenario

    assert load_plan("smoke").name == "smoke"
    assert resolve_scenario("iso_2019") == "iso_2019"


def test_a_wheel_build_ships_the_scenarios(tmp_path):
    """setup.py's build step copies scenarios/ into the package (what a wheel holds)."""
    proc = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    shipped = {p.relative_to(tmp_path / "orgsim" / "scenarios").as_posix()
               for p in (tmp_path / "orgsim" / "scenarios").rglob("*.toml")}
    source = {p.relative_to(ROOT / "scenarios").as_posix() for p in (ROOT / "scenarios").rglob("*.toml")}
    assert shipped == source and "iso_2019.toml" in shipped and "sweeps/smoke.toml" in shipped


def test_a_missing_file_is_reported_at_once(tmp_path):
    """Measured on the project's machine: about 0.2 s (was 1.8-8.6 s); the bound allows a loaded CI box."""
    for args in (["run", "nope.toml"], ["run", "no_such_scenario", "--seeds", "1-30"], ["sweep", "nope.toml"],
                 ["compare", "nope.toml", "baseline"]):
        proc, seconds = orgsim_subprocess(*args, cwd=tmp_path)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "nope" in proc.stderr or \
            "no_such_scenario" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
        assert seconds < 1.5, f"{args}: {seconds:.2f} s"
    assert not (tmp_path / "results").exists()


# --------------------------------------------------------------------------- Python and Mesa
def test_python_functions_return_dataframes():
    import orgsim

    ts = orgsim.run("baseline", seeds="1-2", **SMALL_OVERRIDES)
    assert list(ts.columns[:3]) == ["seed", "week", "date"] and set(ts["seed"]) == {1, 2}
    assert len(ts) == 2 * 30
    one = orgsim.run("baseline", seed=2, table="summary", organisation__members=120, organisation__branches=6,
                     weeks=30)
    summary = orgsim.run("baseline", seeds=[1, 2], table="summary", **SMALL_OVERRIDES)
    assert one.iloc[0].to_dict() == summary.iloc[1].to_dict()
    assert int(ts.loc[ts["seed"] == 2, "members"].iloc[-1]) == int(summary.loc[1, "final_members"])
    runs = orgsim.sweep("baseline", parameters={"regime.voting": ["slate", "individual"]}, replicates=2,
                        **SMALL_OVERRIDES)
    assert len(runs) == 4 and set(runs["regime.voting"]) == {"slate", "individual"}
    assert runs["error"].isna().all() and "outcome" in runs.columns


def test_top_level_import_stays_light():
    code = "import sys, orgsim; print(sorted(m for m in ('pandas', 'numpy', 'mesa', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60).stdout
    assert out.strip() == "[]"


def test_orgmodel_from_keyword_parameters_and_mesa_batch_run():
    import mesa

    from orgsim.model.model import OrgModel

    a = OrgModel(**{"regime.voting": "individual", "weeks": 8}, seed=3)
    b = OrgModel(regime__voting="individual", weeks=8, seed=3)
    assert a.regime.voting == b.regime.voting == "individual"
    a.run(), b.run()
    assert a.datacollector.get_model_vars_dataframe().equals(b.datacollector.get_model_vars_dataframe())
    params = {"scenario": "baseline", "weeks": 6, "organisation.members": 80, "organisation.branches": 4,
              "regime.voting": ["slate", "individual"], "seed": [1, 2]}
    rows = pd.DataFrame(mesa.batch_run(OrgModel, parameters=params, iterations=2, max_steps=20,
                                       display_progress=False))
    assert len(rows) == 2 * 2 * 2 and set(rows["regime.voting"]) == {"slate", "individual"}
    assert (rows["Step"] == 5).all()  # mesa: the index of the last collected row (week 5 of 0..5)
    # the collector's last row is the run's last week, as in timeseries.csv
    from orgsim.runs.run import simulate
    from orgsim.model.scenario import scenario_from

    ts = simulate(scenario_from("baseline", {k: v for k, v in params.items() if k in ("weeks", "organisation.members",
                                                                                      "organisation.branches")}
                                | {"regime.voting": "individual"}), seed=2).timeseries
    row = rows[(rows["regime.voting"] == "individual") & (rows["seed"] == 2)].iloc[0]
    for col in ("members", "voiced_dissent", "mean_trust"):
        assert row[col] == pytest.approx(ts[col].iloc[-1], abs=1e-6)
    # iterations of the same seed are the same run
    same = rows[(rows["regime.voting"] == "slate") & (rows["seed"] == 1)]
    assert same["members"].nunique() == 1


def test_ema_workbench_wrapper():
    """The five-line wrapper of docs/sweeps.md."""
    pytest.importorskip("ema_workbench")
    from ema_workbench import CategoricalParameter, Model, RealParameter, ScalarOutcome, perform_experiments

    import orgsim

    def orgsim_model(**kw):  # EMA passes one keyword per uncertainty; dotted keys are written with __
        return orgsim.run("baseline", table="summary", **SMALL_OVERRIDES, **kw).iloc[0][
            ["final_members", "annual_growth"]].to_dict()

    model = Model("orgsim", function=orgsim_model)
    model.uncertainties = [RealParameter("environment__climate", 0.5, 2.0),
                           CategoricalParameter("regime__voting", ["slate", "individual"])]
    model.outcomes = [ScalarOutcome("final_members"), ScalarOutcome("annual_growth")]
    experiments, outcomes = perform_experiments(model, scenarios=3)
    assert len(experiments) == 3 and len(outcomes["final_members"]) == 3
    assert (outcomes["final_members"] > 0).all()


def test_run_progress_counts_weeks_and_is_quiet_off_a_terminal(tmp_path):
    from orgsim.model.scenario import scenario_from
    from orgsim.runs.progress import week_progress
    from orgsim.runs.run import simulate

    scenario = scenario_from("baseline", SMALL_OVERRIDES)
    seen = []
    with_bar = simulate(scenario, on_week=seen.append)
    assert seen == list(range(1, len(with_bar.timeseries) + 1))
    assert with_bar.timeseries.equals(simulate(scenario).timeseries)  # progress cannot change the run
    assert week_progress("x", 10) is None  # pytest's stderr is no terminal
    proc, _ = orgsim_subprocess("run", "baseline", "--out", tmp_path / "r", "--no-charts", *SMALL)
    assert proc.returncode == 0 and proc.stderr == ""
