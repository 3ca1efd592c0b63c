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


# GEN-1 is judged where there is dissent to silence: the default organisation of model v2 is
# content (mean grievance ~0.05, ~1% dissenting), so the regularity is measured in the same
# organisation with a practice gap of 0.4 (the ISO's), mean grievance ~0.1.
AGGRIEVED = {"environment__practice_gap": 0.4}
LEVELS = ["none", "censure", "suspension", "expulsion"]


def test_gen1_harsher_penalties_silence_dissent_and_slates_entrench_leaders():
    voiced = [_median_shares(**AGGRIEVED, regime__dissent_penalty=p)[0] for p in LEVELS]
    assert voiced == sorted(voiced, reverse=True), voiced
    turnover = {v: statistics.mean(r.summary["seat_turnover"] for r in reps(BASE, **SMALL, regime__voting=v))
                for v in ("slate", "individual")}
    assert turnover["slate"] < turnover["individual"], turnover


@pytest.mark.xfail(strict=True, reason="model v2: hidden dissent rises from none to censure but not further "
                   "(median shares over 30 replicates: 0, 0.088, 0.048, 0.039): suspensions take dissenters "
                   "out of the engaged, and censure's charges breed injustice (see docs/validation.md)")
def test_gen1_harsher_penalties_drive_dissent_underground():
    hidden = [_median_shares(**AGGRIEVED, regime__dissent_penalty=p)[1] for p in LEVELS]
    assert hidden == sorted(hidden), hidden


def _ratios(**sets):
    return sorted(r.summary["final_members"] / r.summary["initial_members"] for r in reps(BASE, **sets))


def test_stat1_the_default_neither_booms_nor_busts():
    # issue 11: in an ordinary climate under the default regime, ten years end within 0.8-1.25 of the start
    assert 0.8 <= statistics.median(_ratios()) <= 1.25, _ratios()


def test_stat2_growth_needs_a_rising_climate_decline_a_falling_one_or_a_harsh_regime():
    default = statistics.median(_ratios())
    assert statistics.median(_ratios(environment__climate=2.0)) > 1.25 > default
    assert statistics.median(_ratios(environment__climate=0.5)) < 0.8 < default
    harsh = _ratios(regime__dissent_penalty="expulsion", regime__faction_rights="banned",
                    regime__horizontal_communication="forbidden", regime__transparency="secret",
                    regime__organiser_appointment="appointed")
    assert statistics.median(harsh) < 0.9 * default, harsh
