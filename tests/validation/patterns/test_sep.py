"""SEP 2021: stagnation, swift expulsions, silenced witnesses — and the counterfactual."""

import statistics
from concurrent.futures import ProcessPoolExecutor

from orgsim.model.scenario import load_scenario
from orgsim.validation.patterns import measure_band, measure_discipline, measure_witnesses

from pattern_helpers import N, reps, share

SEP = "scenarios/sep_2021.toml"
CF = "scenarios/sep_2021_counterfactual.toml"


def test_sep1_a_band_of_a_few_hundred_without_sustained_growth():
    m = [measure_band(r) for r in reps(SEP)]
    assert share(100 <= x["min"] and x["max"] <= 600 for x in m) >= 0.9, m
    assert share(not x["sustained_growth"] for x in m) >= 0.8


def test_sep2_critic_charged_at_once_expelled_within_weeks_defender_removed_no_faction():
    m = [measure_discipline(r) for r in reps(SEP)]
    charged = [x["critic_charged_after"] for x in m]
    removed = [x["critic_removed_after"] for x in m if x["critic_removed_after"] is not None]
    assert share(c is not None and c <= 2 for c in charged) >= 0.8, charged
    assert len(removed) >= 0.8 * N
    assert 4 <= statistics.median(removed) <= 10, removed
    assert share(3 <= w <= 12 for w in removed) >= 0.8, removed
    defender = [x["defender_removed_after"] for x in m]
    assert share(d is not None and d <= 3 for d in defender) >= 0.8, defender
    assert share(x["factions_after_critique"] == 0 for x in m) >= 0.9
    assert share(x["leadership_changes"] == 0 for x in m) >= 0.9


def test_sep3_witnesses_fall_silent_but_keep_their_grievance():
    scenario = load_scenario(SEP)
    with ProcessPoolExecutor(2) as ex:
        m = [x for x in ex.map(measure_witnesses, [scenario] * N, range(N)) if x is not None]
    assert len(m) >= 0.8 * N
    assert statistics.mean(x["voiced_after"] for x in m) < statistics.mean(x["voiced_before"] for x in m)
    assert share(x["voiced_after"] <= x["voiced_before"] for x in m) >= 0.9
    assert share(x["grievance_after"] >= 0.95 * x["grievance_before"] for x in m) >= 0.8


def test_sep4_the_counterfactual_keeps_its_dissenters_and_holds_or_grows():
    m = [measure_discipline(r) for r in reps(CF)]
    bands = [measure_band(r) for r in reps(CF)]
    # (no expulsions would hold by construction: the counterfactual's harshest penalty is censure;
    # whether the critic stays is not: he may resign)
    assert share(x["critic_removed_after"] is None and x["critic_left_after"] is None for x in m) >= 0.8
    assert share(b["final_ratio"] >= 0.9 for b in bands) >= 0.8
