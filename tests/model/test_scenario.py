"""The scenario schema: defaults, overrides and clear errors."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orgsim.errors import ScenarioError
from orgsim.model.scenario import Scenario, apply_overrides, load_scenario, parse_value, to_toml_data, validate


def test_every_key_has_a_default_so_a_name_is_enough():
    s = validate({"name": "x"})
    assert s.organisation.members > 0 and s.regime.voting in ("slate", "individual")


def test_baseline_file_is_valid():
    s = load_scenario("scenarios/baseline.toml")
    assert s.name == "baseline"


@pytest.mark.parametrize("data, key, allowed", [
    ({"name": "x", "organisation": {"members": -5}}, "organisation.members = -5", "greater than or equal to 2"),
    ({"name": "x", "environment": {"competitor_pull": 1.5}}, "environment.competitor_pull = 1.5", "less than or equal to 1"),
    ({"name": "x", "regime": {"voting": "lottery"}}, "regime.voting = 'lottery'", "'slate' or 'individual'"),
    ({"name": "x", "regime": {"votin": "slate"}}, "regime.votin", "unknown key"),
    ({"name": "x", "weeks": "many"}, "weeks = 'many'", "valid integer"),
    ({"name": "x", "weeks": 10, "events": [{"kind": "scandal", "week": 12}]}, "events", "outside the horizon"),
    ({"name": "x", "events": [{"kind": "purge", "week": 1}]}, "events[0]", "unknown kind"),
    ({"name": "x", "events": [{"kind": "scandal", "date": "2020-01-01"}]}, "events", "no start_date"),
    ({"name": "../evil"}, "name", "no '..'"),
    ({"name": "/etc/x"}, "name", "letters, digits"),
])
def test_bad_values_name_file_key_value_and_what_is_allowed(data, key, allowed):
    with pytest.raises(ScenarioError) as info:
        validate(data, "my.toml")
    msg = str(info.value)
    assert msg.startswith("my.toml: ")
    assert key in msg and allowed in msg
    assert "Traceback" not in msg and len(msg.splitlines()) <= 6


def test_malformed_toml_names_file_and_position(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('name = "x"\nweeks = = 3\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: not valid TOML: .*line 2"):
        load_scenario(p)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.toml")


def test_overrides_by_dotted_path_and_parse_values():
    data = apply_overrides({"name": "x"}, {"organisation.members": parse_value("5000"),
                                           "regime.voting": parse_value("individual")})
    s = validate(data)
    assert s.organisation.members == 5000 and s.regime.voting == "individual"
    assert parse_value("0.5") == 0.5 and parse_value("true") is True and parse_value("slate") == "slate"


def test_dates_become_weeks():
    s = validate({"name": "x", "start_date": "2019-01-07", "weeks": 20,
                  "events": [{"kind": "scandal", "date": "2019-03-15"}]})
    assert s.event_week(s.events[0]) == 9


def test_resolved_scenario_round_trips():
    s = validate({"name": "x", "start_date": "2019-01-07", "weeks": 30,
                  "events": [{"kind": "convention", "week": 5, "agenda": [{"changes": {"voting": "individual"}}]},
                             {"kind": "critique", "date": "2019-02-04"}]})
    resolved = to_toml_data(s)
    assert to_toml_data(validate(resolved)) == resolved
    assert resolved["organisation"]["organisers"] == s.organisation.n_organisers


# ---------------------------------------------------------------- generated scenarios
values = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=8), st.booleans(),
                   st.none(), st.lists(st.integers(), max_size=2))
keys = st.sampled_from([
    "weeks", "seed", "organisation.members", "organisation.branches", "organisation.leaders",
    "organisation.periphery", "regime.voting", "regime.dissent_penalty", "regime.unity_of_thought",
    "environment.climate", "environment.competitor_pull", "parameters.voice.threshold",
    "parameters.factions.min_size", "network.within_degree", "regime.nonsense", "name", "start_date",
])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, values, max_size=4))
def test_any_scenario_either_validates_or_gives_one_clear_error(overrides):
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        data = apply_overrides({"name": "g"}, overrides)
        s = validate(data, "gen.toml")
    except ScenarioError as exc:
        msg = str(exc)
        assert msg.startswith(("gen.toml: ", "--set: ")) and "Traceback" not in msg
        return
    assert isinstance(s, Scenario)
    assert s.weeks >= 1 and not math.isnan(s.environment.climate)


def test_overrides_reach_into_event_lists_and_refuse_bad_indices():
    base = {"name": "x", "weeks": 20, "events": [{"kind": "scandal", "week": 3, "severity": 0.2}]}
    s = validate(apply_overrides(base, {"events.0.severity": 0.9}))
    assert s.events[0].severity == 0.9
    with pytest.raises(ScenarioError, match="not an index"):
        apply_overrides(base, {"events.5.severity": 0.9})
