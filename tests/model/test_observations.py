"""Observed data in scenario files: strict validation, no effect on the run, scoring a run against them."""

import pytest

from orgsim.errors import ScenarioError
from orgsim.model.observations import score, score_frame
from orgsim.model.scenario import to_toml_data, validate
from orgsim.runs.run import simulate

BASE = {"name": "obs", "weeks": 60, "start_date": "2010-01-04",
        "organisation": {"members": 120, "branches": 6}}


@pytest.mark.parametrize("extra, key, allowed", [
    ({"observations": [{"column": "members", "week": 3, "value": 1, "colour": "red"}]}, "observations[0].colour", "unknown key"),
    ({"observations": [{"column": "memberz", "week": 3, "value": 1}]}, "observations[0].column", "allowed: members"),
    ({"observations": [{"column": "members", "week": 60, "value": 1}]}, "observations[0].week = 60", "horizon 0..59"),
    ({"observations": [{"column": "members", "date": "2012-01-02", "value": 1}]}, "observations[0].date", "horizon 0..59"),
    ({"observations": [{"column": "members", "value": 1}]}, "observations[0]", "exactly one of 'week' or 'date'"),
    ({"observations": [{"column": "members", "week": 1, "value": 1, "tolerance": 0}]}, "observations[0].tolerance", "greater than 0"),
    ({"patterns": [{"kind": "vote_share", "min": 0.8, "max": 0.6}]}, "patterns[0]", "min (0.8) is above max (0.6)"),
    ({"patterns": [{"kind": "vote_share", "max": 1.5}]}, "patterns[0].max", "less than or equal to 1"),
    ({"patterns": [{"kind": "purge"}]}, "patterns[0]", "allowed: outcome, vote_share, split_size, event_count"),
    ({"patterns": [{"kind": "outcome", "outcome": "exploded"}]}, "patterns[0].outcome", "'dissolved'"),
    ({"patterns": [{"kind": "outcome", "outcome": "dissolved", "by": 99}]}, "patterns[0].by = 99", "horizon 0..59"),
    ({"patterns": [{"kind": "event_count", "event": "expelled", "min": 1, "after": 30, "by": 10}]},
     "patterns[0].after", "after its `by`"),
    ({"patterns": [{"kind": "split_size"}]}, "patterns[0]", "give min, max or both"),
])
def test_bad_observations_get_one_line_naming_file_key_and_what_is_allowed(extra, key, allowed):
    with pytest.raises(ScenarioError) as err:
        validate({**BASE, **extra}, "case.toml")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("case.toml: ") and key in msg and allowed in msg, msg


def test_a_date_needs_start_date():
    data = {k: v for k, v in BASE.items() if k != "start_date"}
    with pytest.raises(ScenarioError, match=r"observations\[0\].date = '2010-02-01': a date needs the scenario's start_date"):
        validate({**data, "observations": [{"column": "members", "date": "2010-02-01", "value": 1}]}, "case.toml")


def _observed(run):
    """Observations and patterns read off a run itself: the run must hit every one of them."""
    ts, ev = run.timeseries, run.events
    w = len(ts) // 2
    kinds = ev["kind"].value_counts()
    kind = kinds.index[0]
    return {
        "observations": [{"column": "members", "week": w, "value": float(ts["members"].iloc[w]), "tolerance": 1,
                          "label": "members mid-run"},
                         {"column": "mean_trust", "date": ts["date"].iloc[w], "value": float(ts["mean_trust"].iloc[w])}],
        "patterns": [{"kind": "outcome", "outcome": "survives" if run.summary["dissolved_week"] is None else "dissolved"},
                     {"kind": "event_count", "event": kind, "min": int(kinds.iloc[0]), "max": int(kinds.iloc[0])},
                     {"kind": "split_size", "max": 1.0}],
    }


def test_observations_never_change_the_run_and_a_run_hits_what_was_observed_of_it():
    plain = simulate(validate(BASE), seed=5)
    observed = validate({**BASE, **_observed(plain)})
    again = simulate(observed, seed=5)
    assert again.timeseries.equals(plain.timeseries) and again.events.equals(plain.events)
    assert again.summary == plain.summary
    scores = score(observed, again.timeseries, again.events, again.summary)
    assert [s.item for s in scores] == ["observations[0]", "observations[1]", "patterns[0]", "patterns[1]", "patterns[2]"]
    assert all(s.hit and s.distance == 0 for s in scores), score_frame(scores)
    assert "observations" not in to_toml_data(validate(BASE))  # resolved files of scenarios without them are unchanged
    assert to_toml_data(validate(to_toml_data(observed))) == to_toml_data(observed)


def test_misses_grow_with_the_distance_from_the_observation():
    run = simulate(validate(BASE), seed=5)
    m = float(run.timeseries["members"].iloc[20])
    far = validate({**BASE, "observations": [{"column": "members", "week": 20, "value": m + 30, "tolerance": 10},
                                             {"column": "members", "week": 20, "value": m + 60, "tolerance": 10}],
                    "patterns": [{"kind": "outcome", "outcome": "dissolved"},
                                 {"kind": "event_count", "event": "no_such_event", "min": 2}]})
    s = score(far, run.timeseries, run.events, run.summary)
    assert not any(x.hit for x in s) or run.summary["dissolved_week"] is not None
    assert s[0].distance == pytest.approx(3.0) and s[1].distance == pytest.approx(6.0)
    assert s[3].simulated == 0 and s[3].distance > 0


def test_after_a_dissolution_counts_are_zero():
    from orgsim.model.observations import _value_at
    import pandas as pd

    ts = pd.DataFrame({"members": [10, 5], "mean_trust": [0.5, 0.2], "dissolved": [0, 1]})
    assert _value_at(ts, "members", 7, dissolved=True) == 0
    assert _value_at(ts, "dissolved", 7, dissolved=True) == 1
    assert _value_at(ts, "mean_trust", 7, dissolved=True) == 0.2
    assert _value_at(ts, "members", 7, dissolved=False) == 5
