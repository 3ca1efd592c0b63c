"""Sweep files: parameter specs, samplers, and one clear message for every mistake."""


import numpy as np
import pytest

from helpers import write_sweep
from orgsim.cli import main
from orgsim.errors import ScenarioError
from orgsim.experiments.plan import check_points
from orgsim.experiments.sampling import grid_points, range_values, sampled_points
from orgsim.experiments.sweep import load_plan
from orgsim.experiments.sweepfile import ParamBounds, ParamRange


def test_ranges_include_stop_and_keep_whole_numbers():
    assert range_values(ParamRange(start=0.0, stop=0.3, step=0.1)) == [0.0, 0.1, 0.2, 0.3]
    assert range_values(ParamRange(start=100, stop=400, step=100)) == [100, 200, 300, 400]
    assert range_values(ParamRange(start=0, stop=1, num=5)) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert range_values(ParamRange(start=1, stop=100, num=3, log=True)) == [1, 10, 100]


def test_integer_range_rounds_and_drops_repeats():
    values = range_values(ParamRange(start=1, stop=2, num=5, integer=True))
    assert values == sorted(set(values)) and set(values) == {1, 2}


def test_grid_is_the_full_product_first_key_slowest():
    pts = grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(pts) == 6
    assert [p["a"] for p in pts] == [1, 1, 1, 2, 2, 2]
    assert [p["b"] for p in pts[:3]] == ["x", "y", "z"]


def test_latin_hypercube_puts_one_point_in_every_stratum():
    n = 20
    pts = sampled_points({"u": ParamBounds(low=0, high=10), "k": list(range(n))}, "lhs", n, root=7)
    strata = sorted(int(p["u"] // (10 / n)) for p in pts)
    assert strata == list(range(n))
    assert sorted(p["k"] for p in pts) == list(range(n))


def test_sampling_is_reproducible_from_the_root_seed():
    spec = {"u": ParamBounds(low=0, high=1), "m": ParamBounds(low=10, high=20, integer=True)}
    a = sampled_points(spec, "random", 30, root=1)
    assert a == sampled_points(spec, "random", 30, root=1)
    assert a != sampled_points(spec, "random", 30, root=2)
    assert all(isinstance(p["m"], int) and 10 <= p["m"] <= 20 for p in a)
    assert len({p["m"] for p in a}) > 3


def test_log_bounds_spread_over_orders_of_magnitude():
    pts = sampled_points({"x": ParamBounds(low=0.001, high=1000, log=True)}, "lhs", 60, root=3)
    logs = np.log10([p["x"] for p in pts])
    assert (logs < -1).sum() >= 15 and (logs > 1).sum() >= 15  # uniform on the log scale: ~1/3 each


def test_nested_parameter_tables_are_dotted_keys(tmp_path):
    path = write_sweep(tmp_path, parameters='[parameters.regime]\nvoting = ["slate", "individual"]\n'
                                            'unity_of_thought = { start = 0.0, stop = 0.5, step = 0.25 }\n')
    plan = load_plan(path)
    assert plan.params == ["regime.voting", "regime.unity_of_thought"]
    assert len(plan.points) == 6 and plan.n_runs == 18


BAD = [
    # (text added or replaced, words the single message must contain)
    ("batch = 0", ["batch = 0", "greater than or equal to 1"]),
    ("sampler = 'grid'\nsamples = 5", ["samples", "only for sampler"]),
    ("sampler = 'lhs'", ["samples", "required"]),
    ("colour = 'red'", ["colour", "unknown key"]),
    ("[keep]\ntimeseries = ['membrs']", ["keep.timeseries", "membrs", "allowed: members"]),
]


@pytest.mark.parametrize("extra, words", BAD)
def test_bad_sweep_file_gives_one_clear_message(tmp_path, capsys, extra, words):
    if extra.startswith("[keep]"):
        path = write_sweep(tmp_path)
        path.write_text(path.read_text() + "\n" + extra + "\n")
    else:
        path = write_sweep(tmp_path, extra=extra)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(f"orgsim: error: {path}:")
    for w in words:
        assert w in err
    assert not (tmp_path / "out").exists()


BAD_PARAMS = [
    ('"regime.voting" = ["slate", "slate"]', ["regime.voting", "repeats the value 'slate'"]),
    ('"regime.voting" = ["slate", 3]', ["regime.voting", "one kind"]),
    ('"regime.voting" = "slate"', ["regime.voting", "expected a list of values"]),
    ('"regime.unity_of_thought" = { start = 0, stop = 1 }', ["give exactly one of 'step' or 'num'"]),
    ('"regime.unity_of_thought" = { low = 0, high = 1 }', ["regime.unity_of_thought", "need sampler"]),
    ('seed = [1, 2]', ["parameters.seed", "cannot be varied"]),
    # a value the scenario schema rejects: named with its point, before any run starts
    ('"regime.dissent_penalty" = ["none", "shooting"]', ["point 1 of 2", "regime.dissent_penalty = 'shooting'",
                                                         "'expulsion'"]),
    ('"organisation.membrs" = [10, 20]', ["point 0 of 2", "organisation.membrs", "unknown key"]),
    ('"organisation.leaders" = [3, 40]', ["point 1 of 2", "leaders plus organisers must be fewer than members"]),
    ('"organisation.members" = [10, 20]', ["organisation.members", "also given in [set]"]),
]


@pytest.mark.parametrize("params, words", BAD_PARAMS)
def test_bad_parameters_are_named_before_any_run(tmp_path, capsys, params, words):
    path = write_sweep(tmp_path, parameters=params + "\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("orgsim: error: ")
    for w in words:
        assert w in err, err
    assert not (tmp_path / "out" / "parts").exists() or not any((tmp_path / "out" / "parts").iterdir())


def test_missing_base_and_bad_toml_are_one_line(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nbase = "nowhere.toml"\n[parameters]\n"regime.voting" = ["slate"]\n')
    assert main(["sweep", str(path), "--workers", "1"]) == 2
    assert capsys.readouterr().err.strip() == f"orgsim: error: {tmp_path / 'nowhere.toml'}: no such file"
    path.write_text('name = "s"\nbase = \n')
    assert main(["sweep", str(path), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "not valid TOML" in err and "line 2" in err and err.count("\n") == 1


def test_inline_base_table_is_accepted(tmp_path):
    path = tmp_path / "inline.toml"
    path.write_text('name = "inline"\nreplicates = 2\n[base]\nname = "b"\nweeks = 5\n[base.organisation]\n'
                    'members = 20\nbranches = 2\n[parameters]\n"regime.voting" = ["slate", "individual"]\n')
    plan = load_plan(path)
    check_points(plan)
    assert plan.base["organisation"]["members"] == 20 and plan.n_runs == 4


def test_invalid_point_is_a_scenario_error(tmp_path):
    path = write_sweep(tmp_path, parameters='"network.within_degree" = [4.0, 500.0]\n')
    with pytest.raises(ScenarioError, match=r"point 1 of 2: network\.within_degree = 500\.0"):
        check_points(load_plan(path))


def test_lhs_sweep_file_draws_the_asked_number_of_points(tmp_path):
    path = write_sweep(tmp_path, extra="sampler = 'lhs'\nsamples = 12",
                       parameters='"regime.unity_of_thought" = { low = 0.1, high = 0.9 }\n'
                                  '"regime.voting" = ["slate", "individual"]\n')
    plan = load_plan(path)
    check_points(plan)
    u = [p["regime.unity_of_thought"] for p in plan.points]
    assert len(u) == 12 and all(0.1 <= x <= 0.9 for x in u)
    assert sorted(p["regime.voting"] for p in plan.points) == ["individual"] * 6 + ["slate"] * 6
