"""ISO 2019: stability under a closed regime, a defeated faction, the fall of the old
leadership, collapse and dissolution after the revelation — and what a different regime changes."""

import statistics

import pytest

from orgsim.validation.patterns import (measure_convention, measure_crisis_timeline, measure_iso_decade, measure_iso_faction,
                               measure_revelation)

from pattern_helpers import reps, share

ISO = "scenarios/iso_2019.toml"
CF = "scenarios/iso_2019_counterfactual.toml"


def test_iso1_a_decade_of_stagnation_with_hidden_dissent():
    m = [measure_iso_decade(r) for r in reps(ISO)]
    within = [0.5 <= x["min_level"] and x["max_level"] <= 1.3 for x in m]
    no_bad_year = [x["worst_year_loss"] <= 0.2 for x in m]
    hidden = [x["hidden_above_voiced"] >= 0.5 for x in m]  # hidden > 2 x voiced most weeks
    assert share(within) >= 0.8, m
    assert share(no_bad_year) >= 0.8, [x["worst_year_loss"] for x in m]
    assert share(hidden) >= 0.8


def test_iso2_the_2013_14_faction_is_defeated_and_its_leader_expelled_or_driven_out():
    m = [measure_iso_faction(r) for r in reps(ISO)]
    formed = [x["factions_formed"] >= 1 for x in m]
    defeated = [x["factions_a_year_later"] == 0 for x in m]
    leader_out = [x["author_out_weeks_after_convention"] is not None
                  and x["author_out_weeks_after_convention"] <= 52 for x in m]
    same_leadership = [x["leadership_changes_before_2019"] == 0 and x["min_old_share_before_2019"] >= 0.5
                       for x in m]
    assert share(formed) >= 0.7
    assert share(defeated) >= 0.9
    assert share(leader_out) >= 0.7, [x["author_out_weeks_after_convention"] for x in m]
    assert share(same_leadership) >= 0.9


def test_iso3_the_2019_convention_replaces_the_old_leadership_unless_organisers_stay_loyal():
    held = [x for x in (measure_convention(r) for r in reps(ISO)) if x["held"]]
    assert len(held) >= 0.6 * 30
    assert share(x["old_share_after"] < 0.5 for x in held) >= 0.7
    loyal = [x for x in (measure_convention(r) for r in reps(ISO, regime__organiser_loyalty=1.0)) if x["held"]]
    assert len(loyal) >= 0.6 * 30
    assert share(x["old_share_after"] < 0.5 for x in loyal) <= 0.2


def test_iso4_collapse_and_dissolution_after_the_revelation_need_the_hidden_grievance():
    m = [measure_revelation(r) for r in reps(ISO)]
    reached = [x for x in m if x["members_before"] > 0]  # not dissolved before the revelation
    assert share(x["dissolved"] for x in m) >= 0.7
    majorities = [x["vote_share"] for x in m if x["dissolved"]]
    print(f"ISO-4 dissolution majority: median {statistics.median(majorities):.2f} "
          f"(range {min(majorities):.2f}-{max(majorities):.2f}; historical: about 0.70 of ~475)")
    ablated = [measure_revelation(r) for r in reps(ISO, parameters__grievance__accumulation=0.0)]
    dissolved, dissolved_ablated = share(x["dissolved"] for x in m), share(x["dissolved"] for x in ablated)
    loss = statistics.median(x["loss"] for x in reached)
    loss_ablated = statistics.median(x["loss"] for x in ablated if x["members_before"] > 0)
    assert dissolved_ablated <= 0.5 * dissolved or loss_ablated <= loss - 0.2, (dissolved_ablated, loss_ablated)


@pytest.mark.xfail(strict=True, reason="model v2 counts departures only (a dissolution is not a loss): "
                   "median 0.37 [0.19-0.52] of members leave before the vote (30 replicates)")
def test_iso4_half_the_members_leave_before_the_vote():
    reached = [x for x in (measure_revelation(r) for r in reps(ISO)) if x["members_before"] > 0]
    assert share(x["loss"] >= 0.5 for x in reached) >= 0.7


def test_iso6_the_crisis_takes_weeks_motion_then_vote_as_in_march_2019():
    # revelations 11-15 March 2019; all-member call 24 March; the vote closed 29 March: 2-3 weeks
    m = [measure_crisis_timeline(r) for r in reps(ISO)]
    voted = [x for x in m if x["vote_after"] is not None]
    assert share(x["votes_before_revelation"] == 0 for x in m) >= 0.9
    assert len(voted) >= 0.7 * len(m)
    assert share(2 <= x["vote_after"] <= 4 for x in voted) >= 0.8, [x["vote_after"] for x in voted]
    assert share(x["motion_after"] is not None and x["motion_after"] < x["vote_after"] for x in voted) >= 0.8


def test_iso5_the_democratic_counterfactual_survives_the_same_revelation():
    m = [measure_revelation(r) for r in reps(CF)]
    assert statistics.median(x["loss"] for x in m) < 0.3
    assert share(x["dissolved"] for x in m) <= 0.2
