"""The four new calibration cases (issue 11, point 9): the WRP's break-up after its founder-leader's
scandal (1985), the CWI's faction fight and international split (2018-19), the Workers League's loss
of more than half its members under a purge regime (1973-74), and DSA's surge and ebb (2015-23).

Each threshold is taken from the historical figure (scenario files and /tmp/research notes, cited in
each scenario's header) with the tolerance stated next to it; none is read off the model. A pattern
the current model does not reach is marked xfail(strict) with the figure measured over 30 replicates
(median [5-95%]); the threshold stays as history sets it.
"""

import statistics

import pytest

from orgsim.validation.patterns import (describe, measure_cwi, measure_dsa, measure_workers_league,
                                        measure_wrp)

from pattern_helpers import reps, share

WRP = "scenarios/wrp_1985.toml"
CWI = "scenarios/cwi_2019.toml"
WL = "scenarios/workers_league_1974.toml"
DSA = "scenarios/dsa_2016.toml"

# Replicates share of a pattern must hold in (as in the ISO and SEP tests).
MOST = 0.7
NEARLY_ALL = 0.9


# --------------------------------------------------------------------------- WRP 1985
@pytest.mark.xfail(strict=True, reason="dissolved within a year in 30/30 replicates, 9 [6.45, 10] weeks after the October revelation")
def test_wrp1_no_fragment_dissolves_within_a_year_of_the_revelation():
    # History: none of the fragments dissolved within a year; the Torrance WRP and the Redgrave group
    # still existed in 1995. Tolerance: at most one replicate in ten may dissolve.
    m = [measure_wrp(r) for r in reps(WRP)]
    print("WRP-1 dissolved weeks after the revelation:", describe([x["dissolved_week_after"] for x in m]))
    assert share(not x["dissolved_within_year"] for x in m) >= NEARLY_ALL


@pytest.mark.xfail(strict=True, reason="no split in 30/30 replicates (largest split within 8 weeks: 0 of the members)")
def test_wrp2_a_tenth_or_more_splits_away_within_eight_weeks():
    # History: the CC split 25-12 and the minority held its own conference within about a week
    # (25-26 Oct 1985). Its member count is unknown; 12 of 37 CC members is a third. Threshold: a
    # split of at least a tenth of the members (half the CC minority's share less a tolerance,
    # and the model's own definition of a split outcome), within 8 weeks (a week, plus tolerance).
    m = [measure_wrp(r) for r in reps(WRP)]
    print("WRP-2 largest split within 8 weeks (share):", describe([x["largest_early_split"] for x in m]))
    assert share(x["largest_early_split"] >= 0.10 for x in m) >= MOST


@pytest.mark.xfail(strict=True, reason="no split in 30/30 replicates (splits within 78 weeks: 0 [0, 0])")
def test_wrp3_the_party_breaks_into_several_organisations_within_eighteen_months():
    # History: three groups left the main body by spring 1986 (the Torrance minority in Oct 1985,
    # the Hyland group in Feb 1986, the Banda group in spring 1986): four or more organisations
    # within about 18 months. Threshold: at least two splits within 78 weeks (one fewer, tolerance).
    m = [measure_wrp(r) for r in reps(WRP)]
    print("WRP-3 splits within 78 weeks:", describe([x["splits_within_fragment_weeks"] for x in m]))
    assert share(x["splits_within_fragment_weeks"] >= 2 for x in m) >= MOST


@pytest.mark.xfail(strict=True, reason="dissolved in 30/30 replicates before a year had passed: no surviving organisation whose loss could be measured")
def test_wrp4_a_third_to_nine_tenths_of_the_members_are_gone_a_year_later_and_a_core_remains():
    # History: about half of ~850 dropped out soon after the split, and the largest fragment had
    # ~150 (an 82% loss for the main body). Threshold: between 30% (half, less a ~40% tolerance on an
    # unverified figure) and 90% (150 of 850 halved) gone a year after the revelation. A dissolution
    # is not a 100% loss: a dissolved replicate fails the pattern.
    m = [measure_wrp(r) for r in reps(WRP)]
    print("WRP-4 loss a year after (surviving replicates):", describe([x["loss_year"] for x in m]))
    assert share(x["loss_year"] is not None and 0.3 <= x["loss_year"] <= 0.9 for x in m) >= MOST


# --------------------------------------------------------------------------- CWI 2019
def test_cwi1_a_faction_forms_in_the_pre_congress_fight():
    # History: the IS majority founded its faction at the November 2018 IEC, at the opening of the
    # pre-congress debate; the IEC majority organised too (the "Non-Faction Faction").
    m = [measure_cwi(r) for r in reps(CWI)]
    print("CWI-1 factions formed in the fight:", describe([x["factions_formed"] for x in m]))
    assert share(x["factions_formed"] >= 1 for x in m) >= NEARLY_ALL


def test_cwi1b_the_organised_sides_hold_at_least_a_tenth_of_the_members():
    # History: the faction held membership majorities in 7 of 32 sections (22%, including SPEW, the
    # largest) and the IEC majority the other 25; both sides were organised. Threshold: at some point
    # in the fight at least a tenth of the members are in factions (22% halved, tolerance).
    m = [measure_cwi(r) for r in reps(CWI)]
    print("CWI-1b organised share:", describe([x["max_faction_share"] for x in m]))
    assert share(x["max_faction_share"] >= 0.10 for x in m) >= MOST


def test_cwi2_a_split_takes_a_sizeable_organised_group_within_a_year_of_the_fight_opening():
    # History: the split came about 8 months after the faction was founded (Nov 2018 to July 2019)
    # and divided the international: 25 countries against 7 sections by the majority's count, "a
    # pretty clear majority of the membership" on the side that left the leadership's CWI, SPEW
    # 83/17 the other way. Threshold: a split of between a fifth and four fifths of the members
    # (each side held at least ~22% of sections), within 52 weeks of the opening of the debate
    # (35 weeks, plus tolerance).
    m = [measure_cwi(r) for r in reps(CWI)]
    print("CWI-2 largest split (share):", describe([x["largest_split"] for x in m]),
          "weeks after the opening:", describe([x["split_weeks_after_start"] for x in m]))
    assert share(0.2 <= x["largest_split"] <= 0.8 and x["split_weeks_after_start"] <= 52 for x in m) >= MOST


def test_cwi3_no_dissolution_within_a_year():
    # History: both organisations existed a year later (ISA with over 30 sections, the CWI with 13).
    m = [measure_cwi(r) for r in reps(CWI)]
    assert share(not x["dissolved_within_year"] for x in m) >= NEARLY_ALL


# --------------------------------------------------------------------------- Workers League 1973-74
@pytest.mark.xfail(strict=True, reason="lost 0.083 [0.048, 0.137] of its members from August 1973 to August 1974; >= 0.4 in 0/30")
def test_wl1_loses_more_than_two_fifths_of_its_members_in_the_year_of_the_purge():
    # History: "more than one-half of its membership" (more than 100 members) left between August
    # 1973 and August 1974 (wsws; the party's own count). Threshold: at least 40% (a tenth of
    # tolerance on the party's own figure) from the start of the purge regime to the removal.
    m = [measure_workers_league(r) for r in reps(WL)]
    print("WL-1 loss in the year of the purge:", describe([x["loss"] for x in m]))
    assert share(x["loss"] is not None and x["loss"] >= 0.4 for x in m) >= MOST


def test_wl2_no_faction_forms_and_no_group_splits_away():
    # History: no opposition faction formed and no rival organisation split off; members left one
    # by one or were driven out.
    m = [measure_workers_league(r) for r in reps(WL)]
    assert share(x["factions_formed"] == 0 and x["splits"] == 0 for x in m) >= NEARLY_ALL


def test_wl3_the_league_survives():
    # History: the League continued under a new national secretary (Mazelis, October 1974) and is
    # the predecessor of today's SEP. Horizon: a year after the removal.
    m = [measure_workers_league(r) for r in reps(WL)]
    assert share(not x["dissolved"] for x in m) >= NEARLY_ALL


# --------------------------------------------------------------------------- DSA 2015-23
@pytest.mark.xfail(strict=True, reason="members at the 2019 convention 3.59 [3.25, 3.83] x the 2015 level; >= 4 in 0/30")
def test_dsa1_grows_at_least_fourfold_by_the_2019_convention():
    # History: ~6,000 (5,000-7,000) to ~56,000 at the August 2019 convention: x8-11. Threshold:
    # x4 (half the lower figure).
    m = [measure_dsa(r) for r in reps(DSA)]
    print("DSA-1 ratio at the 2019 convention:", describe([x["ratio_2019"] for x in m]))
    assert share(x["ratio_2019"] >= 4 for x in m) >= MOST


@pytest.mark.xfail(strict=True, reason="peak 5.18 [4.77, 5.45] x the 2015 level; >= 7 in 0/30")
def test_dsa2_peaks_at_least_sevenfold():
    # History: a peak of ~92,000-95,000 in late 2020-21, x13-19 the ~6,000 (5,000-7,000) of 2015.
    # Threshold: x7 (half the lower figure).
    m = [measure_dsa(r) for r in reps(DSA)]
    print("DSA-2 peak ratio:", describe([x["peak_ratio"] for x in m]))
    assert share(x["peak_ratio"] >= 7 for x in m) >= MOST


def test_dsa3_ebbs_at_least_a_tenth_from_its_peak_when_the_climate_falls():
    # History: from ~92,000-95,000 to ~72,000 (California DSA) or ~85,000 (Wikipedia) at the 2023
    # convention: 10-25% down. Threshold: at least 10% (the lower figure).
    m = [measure_dsa(r) for r in reps(DSA)]
    print("DSA-3 ebb:", describe([x["ebb"] for x in m]))
    assert share(x["ebb"] is not None and x["ebb"] >= 0.10 for x in m) >= MOST


@pytest.mark.xfail(strict=True, reason="caucuses at the four conventions: at least two at three or more of them in 17/30, 0.7 needs 21 (medians 1, 2, 2, 2)")
def test_dsa4_several_caucuses_compete_at_its_conventions():
    # History: three slates each won about a third of the NPC in 2017; caucuses organise and publish
    # permanently (Black Lamp; Working Mass). Threshold: at least two caucuses at three of the four
    # conventions (one fewer than the 2017 slates, and one convention of tolerance).
    m = [measure_dsa(r) for r in reps(DSA)]
    counts = [x["caucuses_at_conventions"] for x in m]
    print("DSA-4 caucuses at the conventions (median per convention):",
          [statistics.median(c[i] for c in counts) for i in range(len(counts[0]))])
    assert share(sum(c >= 2 for c in x["caucuses_at_conventions"]) >= 3 for x in m) >= MOST


def test_dsa5_no_split_and_no_dissolution():
    # History: internal conflicts (Bowman, the BDS working group, the rail-strike vote) were fought
    # by caucuses in public, with no split into rival organisations and no dissolution.
    m = [measure_dsa(r) for r in reps(DSA)]
    assert share(x["splits"] == 0 and not x["dissolved"] for x in m) >= NEARLY_ALL
