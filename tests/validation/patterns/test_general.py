"""Open growth, and regularities across regimes."""

import statistics

import pytest

from orgsim.validation.patterns import measure_growth

from pattern_helpers import reps, share

GROW = "scenarios/open_growth.toml"
BASE = "scenarios/baseline.toml"
SMALL = {"weeks": 260, "organisation__members": 400, "organisation__branches": 16}


def test_grow1_an_open_organisation_in_a_rising_movement_triples_without_splitting():
    m = [measure_growth(r) for r in reps(GROW)]
    assert share(x["ratio"] >= 3 for x in m) >= 0.7, [round(x["ratio"], 2) for x in m]
    assert share(x["splits"] == 0 for x in m) > 0.5


@pytest.mark.xfail(strict=True, reason="GROW-1 'keeps factions' is not reached: with low grievance nobody "
                   "voices dissent, and factions form only from voiced dissent (see docs/validation.md)")
def test_grow1_it_keeps_factions():
    m = [measure_growth(r) for r in reps(GROW)]
    assert share(x["factions_formed"] >= 1 for x in m) > 0.5


def _median_shares(**sets):
    """Median over replicates of the mean weekly share of members voicing / hiding dissent. The
    median, because mild repression occasionally backfires into a dissent wave (a heavy tail)."""
    out = []
    for r in reps(BASE, **SMALL, **sets):
        ts = r.timeseries
        out.append(((ts["voiced_dissent"] / ts["members"]).mean(), (ts["hidden_dissent"] / ts["members"]).mean()))
    return statistics.median(v for v, _ in out), statistics.median(h for _, h in out)


def test_gen1_harsher_penalties_silence_dissent_and_slates_entrench_leaders():
    levels = ["none", "censure", "suspension", "expulsion"]
    shares = [_median_shares(regime__dissent_penalty=p) for p in levels]
    voiced, hidden = [v for v, _ in shares], [h for _, h in shares]
    assert voiced == sorted(voiced, reverse=True), voiced
    assert hidden == sorted(hidden), hidden
    turnover = {v: statistics.mean(r.summary["seat_turnover"] for r in reps(BASE, **SMALL, regime__voting=v))
                for v in ("slate", "individual")}
    assert turnover["slate"] < turnover["individual"], turnover
