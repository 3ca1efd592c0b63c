"""The new cases' measures read splits and losses from a run's outputs (synthetic outputs here,
since the current model produces no split in those cases): a dissolution is not a loss."""

import pandas as pd

from orgsim.model.scenario import load_scenario
from orgsim.validation.patterns import Replicate, _loss, measure_wrp, splits_of


def _rep(members, events, dissolved_week=None):
    sc = load_scenario("scenarios/wrp_1985.toml")
    ts = pd.DataFrame({"week": range(len(members)), "members": members})
    ev = pd.DataFrame(events, columns=["week", "kind", "size"])
    return Replicate(sc, 0, ts, ev, {"initial_members": members[0], "dissolved_week": dissolved_week, "splits": 0})


def test_splits_are_sized_against_the_members_of_the_week_before():
    rep = _rep([100] * 10 + [60] * 10, [(10, "split", 40), (15, "faction_formed", 5), (18, "split", 6)])
    assert splits_of(rep) == [{"week": 10, "size": 40, "share": 0.4}, {"week": 18, "size": 6, "share": 0.1}]
    assert [s["week"] for s in splits_of(rep, 11, 20)] == [18]


def test_a_dissolution_is_not_counted_as_a_loss():
    rep = _rep([100] * 10 + [50] * 5, [], dissolved_week=14)
    assert _loss(rep, 5, 12) == 0.5
    assert _loss(rep, 5, 20) is None


def test_wrp_measure_reads_the_revelation_from_the_scenario():
    sc = load_scenario("scenarios/wrp_1985.toml")
    w = next(sc.event_week(e) for e in sc.events if "expels Healy" in e.label)
    members = [800] * w + [500] * (sc.weeks - w)
    m = measure_wrp(_rep(members, [(w + 2, "split", 200)]))
    assert m["largest_early_split"] == 200 / 500 and m["splits_within_fragment_weeks"] == 1
    assert m["loss_year"] == 1 - 500 / 800 and not m["dissolved_within_year"]
