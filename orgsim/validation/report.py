"""Regenerate docs/validation.md: the case patterns, the model's results and the test verdicts.

    python -m orgsim.validation.report [--replicates 30] [--no-tests]

The thresholds live in the pattern tests (tests/validation/patterns); this command runs those tests for
the verdicts, and runs the same seeded replicates itself for the figures in the table
(median and 5-95% interval over replicates) and the charts in docs/validation/.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from orgsim.validation.patterns import (measure_crisis_timeline, Replicate, describe, measure_band,
                               measure_convention, measure_cwi, measure_discipline, measure_dsa, measure_growth,
                               measure_iso_decade, measure_iso_faction, measure_revelation,
                               measure_workers_league, measure_wrp, run_replicates)

DOC = Path("docs/validation.md")
FIGS = Path("docs/validation")
ISO, ISO_CF = "scenarios/iso_2019.toml", "scenarios/iso_2019_counterfactual.toml"
SEP, SEP_CF = "scenarios/sep_2021.toml", "scenarios/sep_2021_counterfactual.toml"
GROW = "scenarios/open_growth.toml"
WRP, CWI = "scenarios/wrp_1985.toml", "scenarios/cwi_2019.toml"
WL, DSA = "scenarios/workers_league_1974.toml", "scenarios/dsa_2016.toml"
LOYAL = {"regime.organiser_loyalty": 1.0}
ABLATION = {"parameters.grievance.accumulation": 0.0}

# pattern id -> (test function, historical fact, source)
PATTERNS = {
    "ISO-1": ("test_iso1_a_decade_of_stagnation_with_hidden_dissent",
              "~1,200-1,500 members over the decade, 800-900 in 2019; dissent kept inside ('unity of thought')",
              "cases.md §1; seed 004"),
    "ISO-2": ("test_iso2_the_2013_14_faction_is_defeated_and_its_leader_expelled_or_driven_out",
              "Renewal Faction defeated and expelled at the February 2014 convention", "externalbulletin.org (2014); cases.md §1"),
    "ISO-3": ("test_iso3_the_2019_convention_replaces_the_old_leadership_unless_organisers_stay_loyal",
              "February 2019: organisers and SC members turn; the convention replaces the old clique", "seed 004; cases.md §1"),
    "ISO-4": ("test_iso4_collapse_and_dissolution_after_the_revelation_need_the_hidden_grievance",
              "March 2019 revelation; resignations and disaffiliations; ~70% of ~475 vote to dissolve (29 March)",
              "socialistworker.org 2019-04-02; seed 004"),
    "ISO-4 (departures)": ("test_iso4_half_the_members_leave_before_the_vote",
                           "'resignations, suspensions, branch disaffiliations follow in ever greater numbers'", "seed 004"),
    "ISO-6": ("test_iso6_the_crisis_takes_weeks_motion_then_vote_as_in_march_2019",
              "revelations 11-15 March 2019; all-member call 24 March; the vote closed 29 March (2-3 weeks)",
              "socialistworker.org 2019-03-15, 2019-04-02; cases.md §1"),
    "ISO-5": ("test_iso5_the_democratic_counterfactual_survives_the_same_revelation",
              "the source: a democratic organisation could have survived the same scandal", "seed 004"),
    "SEP-1": ("test_sep1_a_band_of_a_few_hundred_without_sustained_growth",
              "'a few hundred members'; no local office won in decades", "seed 000; cases.md §2"),
    "SEP-2": ("test_sep2_critic_charged_at_once_expelled_within_weeks_defender_removed_no_faction",
              "critic charged within a week, expelled 27 Feb 2021 (~6 weeks); defender's membership revoked two days later",
              "seeds 000, 001"),
    "SEP-3": ("test_sep3_witnesses_fall_silent_but_keep_their_grievance",
              "members learn that disagreement brings ridicule; 'contributions' repeat doctrine", "seeds 000, 001"),
    "SEP-4": ("test_sep4_the_counterfactual_keeps_its_dissenters_and_holds_or_grows",
              "(counterfactual) real faction rights, individual votes, no expulsion for critiques", "—"),
    "GROW-1": ("test_grow1_an_open_organisation_in_a_rising_movement_triples_without_splitting",
               "open organisations in the 2016-18 US upsurge grew several-fold", "—"),
    "GROW-1 (factions)": ("test_grow1_it_keeps_factions", "…and keep organised tendencies", "—"),
    "GEN-1": ("test_gen1_harsher_penalties_silence_dissent_and_slates_entrench_leaders",
              "harsher penalties silence dissent; slates entrench leaders", "cases.md §3-4"),
    "GEN-1 (hidden)": ("test_gen1_harsher_penalties_drive_dissent_underground",
                       "…and drive it underground (hidden dissent rises with the penalty)", "Kuran 1991; cases.md §3"),
    "STAT-1": ("test_stat1_the_default_neither_booms_nor_busts",
               "(model requirement, issue 11) the default organisation in an ordinary climate neither booms nor busts", "—"),
    "STAT-2": ("test_stat2_growth_needs_a_rising_climate_decline_a_falling_one_or_a_harsh_regime",
               "(model requirement) growth needs a rising climate, decline a falling one or a harsh regime", "—"),
    "WRP-1": ("test_wrp1_no_fragment_dissolves_within_a_year_of_the_revelation",
              "no fragment dissolved within a year of Healy's expulsion (Oct 1985)", "scenarios/wrp_1985.toml (Bailey 1995; Pitt)"),
    "WRP-2": ("test_wrp2_a_tenth_or_more_splits_away_within_eight_weeks",
              "CC 25-12; the minority's own conference within about a week (25-26 Oct 1985)", "wsws; Pitt ch. 12"),
    "WRP-3": ("test_wrp3_the_party_breaks_into_several_organisations_within_eighteen_months",
              "Torrance (Oct 1985), Hyland (Feb 1986), Banda (spring 1986) groups leave: 4+ organisations in ~18 months",
              "liquisearch; Downing; splitsandfusions"),
    "WRP-4": ("test_wrp4_a_third_to_nine_tenths_of_the_members_are_gone_a_year_later_and_a_core_remains",
              "about half of ~850 drop out; the largest fragment ~150", "Bailey and Solomon, marxism list 1995"),
    "CWI-1": ("test_cwi1_a_faction_forms_in_the_pre_congress_fight",
              "the IS founds its faction at the Nov 2018 IEC", "scenarios/cwi_2019.toml (marxist.net; owiki ISA)"),
    "CWI-1b": ("test_cwi1b_the_organised_sides_hold_at_least_a_tenth_of_the_members",
               "faction majorities in 7 of 32 sections; the IEC majority organised too", "CWI majority declaration, Aug 2019"),
    "CWI-2": ("test_cwi2_a_split_takes_a_sizeable_organised_group_within_a_year_of_the_fight_opening",
              "split in July 2019 (~8 months): 25 countries against 7 sections", "socialistparty.org.uk; CWI majority declaration"),
    "CWI-3": ("test_cwi3_no_dissolution_within_a_year", "both organisations exist a year later", "owiki ISA; osmarks CWI (2019)"),
    "WL-1": ("test_wl1_loses_more_than_two_fifths_of_its_members_in_the_year_of_the_purge",
             "more than half the members (>100) leave, Aug 1973 - Aug 1974", "wsws Foundations §45; SEP lecture 2023"),
    "WL-2": ("test_wl2_no_faction_forms_and_no_group_splits_away", "no faction, no split: members driven out one by one",
             "Steiner; WV 61"),
    "WL-3": ("test_wl3_the_league_survives", "the League continues under Mazelis (Oct 1974)", "wsws; WV 56"),
    "DSA-1": ("test_dsa1_grows_at_least_fourfold_by_the_2019_convention", "~6,000 (2015) to ~56,000 (Aug 2019)",
              "scenarios/dsa_2016.toml (IPR 2018; Atlanta DSA 2019)"),
    "DSA-2": ("test_dsa2_peaks_at_least_sevenfold", "peak ~92,000-95,000 (late 2020-21)", "Reform and Revolution 2021; California DSA 2023"),
    "DSA-3": ("test_dsa3_ebbs_at_least_a_tenth_from_its_peak_when_the_climate_falls", "~72,000-85,000 by the 2023 convention",
              "California DSA 2023; graphsearch"),
    "DSA-4": ("test_dsa4_several_caucuses_compete_at_its_conventions", "three slates each a third of the NPC (2017); permanent caucuses",
              "New Politics; Black Lamp 2023"),
    "DSA-5": ("test_dsa5_no_split_and_no_dissolution", "conflicts fought by caucuses; no split, no dissolution", "Tempest 2025"),
}


def verdicts() -> dict[str, str]:
    """Run the pattern tests; test name -> passed / failed / expected failure."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "patterns.xml"
        subprocess.run([sys.executable, "-m", "pytest", "tests/validation/patterns", "-q", "-p", "no:cacheprovider",
                        f"--junitxml={xml}"], check=False)
        out = {}
        for case in ET.parse(xml).getroot().iter("testcase"):
            tags = {child.tag for child in case}
            skipped = case.find("skipped")
            if "failure" in tags or "error" in tags:
                out[case.get("name")] = "**fail**"
            elif skipped is not None and "xfail" in (skipped.get("type", "") + skipped.get("message", "")).lower():
                out[case.get("name")] = "expected failure (not reached)"
            elif skipped is not None:
                out[case.get("name")] = "skipped"
            else:
                out[case.get("name")] = "pass"
        return out


def long_frame(groups: dict[str, list[Replicate]]):
    from orgsim.outputs.plots.replicates import pad_ended

    frames = []
    for name, reps in groups.items():
        for r in reps:
            df = r.timeseries.copy()
            df.insert(0, "replicate", r.replicate)
            df.insert(0, "group", name)
            frames.append(df)
    return pad_ended(pd.concat(frames, ignore_index=True))


def chart(groups: dict[str, list[Replicate]], title: str, path: Path, marks: dict[str, str]) -> Path:
    """Replicate bands per group, with historical dates marked."""
    from orgsim.outputs.plots.replicates import METRICS, bands_figure
    from orgsim.outputs.plots.style import save

    fig = bands_figure(long_frame(groups), title, metrics=[m for m in METRICS if m[0] != "faction_members"])
    for ax in fig.axes:
        if not ax.get_visible() or not ax.lines:
            continue
        for label, date in marks.items():
            ax.axvline(pd.Timestamp(date), color="0.3", lw=0.7, ls=":")
    if marks:
        note = fig.text(0.01, 0.005, "dotted lines: " + "; ".join(f"{k} {d}" for k, d in marks.items()),
                        fontsize=6, va="bottom")
        note.set_in_layout(False)  # a long note must not squeeze the panels
    return save(fig, path)


def rows(reps: dict[str, list[Replicate]]) -> dict[str, str]:
    iso, loyal, abl, cf = reps["iso"], reps["loyal"], reps["ablation"], reps["iso_cf"]
    dec = [measure_iso_decade(r) for r in iso]
    fac = [measure_iso_faction(r) for r in iso]
    conv = [measure_convention(r) for r in iso]
    conv_loyal = [measure_convention(r) for r in loyal]
    rev, rev_abl, rev_cf = ([measure_revelation(r) for r in x] for x in (iso, abl, cf))
    sep = [measure_discipline(r) for r in reps["sep"]]
    band, band_cf = [measure_band(r) for r in reps["sep"]], [measure_band(r) for r in reps["sep_cf"]]
    sep_cf = [measure_discipline(r) for r in reps["sep_cf"]]
    grow = [measure_growth(r) for r in reps["grow"]]
    timeline = [measure_crisis_timeline(r) for r in iso]
    base = [r.summary["final_members"] / r.summary["initial_members"] for r in reps["base"]]
    wrp = [measure_wrp(r) for r in reps["wrp"]]
    cwi = [measure_cwi(r) for r in reps["cwi"]]
    wl = [measure_workers_league(r) for r in reps["wl"]]
    dsa = [measure_dsa(r) for r in reps["dsa"]]

    def pct(xs) -> str:
        xs = list(xs)
        return f"{100 * sum(map(bool, xs)) / len(xs):.0f}%" if xs else "n/a"

    held = [c for c in conv if c["held"]]
    held_l = [c for c in conv_loyal if c["held"]]
    majorities = [x["vote_share"] for x in rev if x["dissolved"]]
    return {
        "ISO-1": (f"membership min {describe([d['min_level'] for d in dec])}, max {describe([d['max_level'] for d in dec])} "
                  f"of 2009; worst yearly loss {describe([d['worst_year_loss'] for d in dec])}; weeks with hidden > 2× voiced "
                  f"{describe([d['hidden_above_voiced'] for d in dec])}; members before the March 2019 revelation "
                  f"{describe([x['members_before'] for x in rev if x['members_before']])}"),
        "ISO-2": (f"a faction forms in {pct(f['factions_formed'] for f in fac)}; none survives a year later in "
                  f"{pct(f['factions_a_year_later'] == 0 for f in fac)}; the critique's author is out within a year in "
                  f"{pct(f['author_out_weeks_after_convention'] is not None and f['author_out_weeks_after_convention'] <= 52 for f in fac)} "
                  f"(expelled in {pct(f['author_expelled'] for f in fac)}); no leadership change before 2019 in "
                  f"{pct(f['leadership_changes_before_2019'] == 0 for f in fac)}"),
        "ISO-3": (f"convention held in {len(held)}/{len(conv)}; old leadership below half after it in "
                  f"{pct(c['old_share_after'] < 0.5 for c in held)}; with loyal organisers: in "
                  f"{pct(c['old_share_after'] < 0.5 for c in held_l)} of {len(held_l)} held"),
        "ISO-4": (f"dissolved in {pct(x['dissolved'] for x in rev)}, majority {describe(majorities)}; ablation (no "
                  f"build-up of hidden grievance): dissolved in {pct(x['dissolved'] for x in rev_abl)}, left within 8 weeks "
                  f"{describe([x['loss'] for x in rev_abl if x['members_before']])}"),
        "ISO-4 (departures)": (f"share who left (resigned, expelled, split, disaffiliated) within 8 weeks or before the "
                               f"vote {describe([x['loss'] for x in rev if x['members_before']])}"),
        "ISO-6": (f"weeks from the revelation to the motion {describe([t['motion_after'] for t in timeline if t['motion_after'] is not None])}, "
                  f"to the vote {describe([t['vote_after'] for t in timeline if t['vote_after'] is not None])} (historical: about 1.5 and 2.5); "
                  f"no vote before the revelation in {pct(t['votes_before_revelation'] == 0 for t in timeline)}"),
        "ISO-5": (f"left within 8 weeks {describe([x['loss'] for x in rev_cf])}; dissolved in {pct(x['dissolved'] for x in rev_cf)}"),
        "SEP-1": (f"members min {describe([b['min'] for b in band])}, max {describe([b['max'] for b in band])}; "
                  f"final/initial {describe([b['final_ratio'] for b in band])}; sustained growth in "
                  f"{pct(b['sustained_growth'] for b in band)}"),
        "SEP-2": (f"critic charged after {describe([x['critic_charged_after'] for x in sep])} weeks, expelled after "
                  f"{describe([x['critic_removed_after'] for x in sep])}; defender removed after "
                  f"{describe([x['defender_removed_after'] for x in sep])}; factions after the critique in "
                  f"{pct(x['factions_after_critique'] for x in sep)}; leadership changes in {pct(x['leadership_changes'] for x in sep)}"),
        "SEP-3": "see the test (followed per person: witnesses' voiced share and private grievance before and after)",
        "SEP-4": (f"critic still a member at the end in {pct(x['critic_left_after'] is None for x in sep_cf)}; expulsions "
                  f"after the critique in {pct(x['expulsions_after_critique'] for x in sep_cf)}; final/initial "
                  f"{describe([b['final_ratio'] for b in band_cf])}"),
        "GROW-1": (f"members after five years / initial {describe([g['ratio'] for g in grow])}; splits in "
                   f"{pct(g['splits'] for g in grow)}"),
        "GROW-1 (factions)": f"factions formed in {pct(g['factions_formed'] for g in grow)}",
        "GEN-1": "see the test (baseline, 400 members, five years, practice gap 0.4, four penalties and two voting systems)",
        "GEN-1 (hidden)": "see the test (the same settings)",
        "STAT-1": f"baseline members after ten years / initial {describe(base)}",
        "STAT-2": "see the test (climate 2.0 and 0.5, and a closed regime, against the default)",
        "WRP-1": (f"dissolved within a year in {pct(x['dissolved_within_year'] for x in wrp)}, "
                  f"{describe([x['dissolved_week_after'] for x in wrp])} weeks after the revelation"),
        "WRP-2": (f"largest split within 8 weeks {describe([x['largest_early_split'] for x in wrp])} of members; "
                  f">= 10% in {pct(x['largest_early_split'] >= 0.1 for x in wrp)}"),
        "WRP-3": f"splits within 78 weeks {describe([x['splits_within_fragment_weeks'] for x in wrp])}",
        "WRP-4": (f"gone a year later {describe([x['loss_year'] for x in wrp])} of the surviving replicates "
                  f"({sum(x['loss_year'] is not None for x in wrp)}/{len(wrp)} survive)"),
        "CWI-1": f"factions formed in the fight {describe([x['factions_formed'] for x in cwi])}",
        "CWI-1b": f"largest share of members in factions {describe([x['max_faction_share'] for x in cwi])}",
        "CWI-2": (f"splits in {pct(x['splits'] for x in cwi)}; largest {describe([x['largest_split'] for x in cwi])} of "
                  f"members, {describe([x['split_weeks_after_start'] for x in cwi])} weeks after the opening"),
        "CWI-3": f"dissolved within a year in {pct(x['dissolved_within_year'] for x in cwi)}",
        "WL-1": f"gone from Aug 1973 to Aug 1974 {describe([x['loss'] for x in wl])}",
        "WL-2": f"factions formed in {pct(x['factions_formed'] for x in wl)}; splits in {pct(x['splits'] for x in wl)}",
        "WL-3": f"dissolved in {pct(x['dissolved'] for x in wl)}",
        "DSA-1": f"members at the 2019 convention / 2015 {describe([x['ratio_2019'] for x in dsa])}",
        "DSA-2": f"peak / 2015 {describe([x['peak_ratio'] for x in dsa])}",
        "DSA-3": f"ebb from the peak to the 2023 convention {describe([x['ebb'] for x in dsa])}",
        "DSA-4": ("caucuses at the 2017/2019/2021/2023 conventions (medians) "
                  + "/".join(f"{statistics.median(x['caucuses_at_conventions'][i] for x in dsa):g}" for i in range(4))),
        "DSA-5": (f"splits in {pct(x['splits'] for x in dsa)}; dissolved in {pct(x['dissolved'] for x in dsa)}"),
    }


def build(n: int = 30, run_tests: bool = True) -> Path:
    reps = {
        "iso": run_replicates(ISO, n), "loyal": run_replicates(ISO, n, LOYAL),
        "ablation": run_replicates(ISO, n, ABLATION), "iso_cf": run_replicates(ISO_CF, n),
        "sep": run_replicates(SEP, n), "sep_cf": run_replicates(SEP_CF, n), "grow": run_replicates(GROW, n),
        "base": run_replicates("scenarios/baseline.toml", n),
        "wrp": run_replicates(WRP, n), "cwi": run_replicates(CWI, n), "wl": run_replicates(WL, n),
        "dsa": run_replicates(DSA, n),
    }
    FIGS.mkdir(parents=True, exist_ok=True)
    iso_marks = {"2014 convention": "2014-02-17", "leak": "2018-12-10", "2019 convention": "2019-02-18",
                 "revelation": "2019-03-11", "dissolution vote (historical)": "2019-03-29"}
    charts = {
        "iso": chart({"ISO 2019": reps["iso"]}, f"ISO 2009-2019: {n} replicates", FIGS / "iso.png", iso_marks),
        "iso_cf": chart({"ISO 2019": reps["iso"], "counterfactual regime": reps["iso_cf"],
                         "ablation: no hidden build-up": reps["ablation"], "loyal organisers": reps["loyal"]},
                        "ISO: the case, its counterfactual, an ablation and a variant", FIGS / "iso_compare.png", iso_marks),
        "sep": chart({"SEP 2021": reps["sep"], "counterfactual regime": reps["sep_cf"]},
                     f"SEP 2001-2021 and its counterfactual: {n} replicates each", FIGS / "sep_compare.png",
                     {"critique": "2021-01-18", "defence": "2021-03-19"}),
        "grow": chart({"open growth": reps["grow"]}, f"An open organisation in a rising movement: {n} replicates",
                      FIGS / "open_growth.png", {}),
    }
    verdict = verdicts() if run_tests else {}
    results = rows(reps)
    majorities = [x["vote_share"] for x in (measure_revelation(r) for r in reps["iso"]) if x["dissolved"]]
    cwi_weeks = [w for w in (measure_cwi(r)["split_weeks_after_start"] for r in reps["cwi"]) if w is not None]
    dsa = [measure_dsa(r) for r in reps["dsa"]]
    several = sum(sum(c >= 2 for c in x["caucuses_at_conventions"]) >= 3 for x in dsa)
    lines = [
        "# Validation: the cases reproduced from mechanisms",
        "",
        "Generated by `python -m orgsim.validation.report` (do not edit by hand). Pattern-oriented validation",
        f"(Grimm et al. 2005): each pattern over {n} seeded replicates (replicate r seeded from",
        "`SeedSequence(scenario seed, spawn_key=(0, r))`), one shared parameter set (the defaults of",
        "docs/ODD.md) for every case; the cases differ in regime, size, environment and events only.",
        "Thresholds are stated in the tests (`tests/validation/patterns`); the verdict column is those tests' result.",
        "Figures are medians with 5–95% intervals over replicates.",
        "",
        "| pattern | historical fact | source | model result | verdict |",
        "| --- | --- | --- | --- | --- |",
    ]
    for pid, (test, fact, source) in PATTERNS.items():
        lines.append(f"| {pid} | {fact} | {source} | {results[pid]} | {verdict.get(test, 'not run')} |")
    lines += [
        "",
        "## Charts",
        "",
        "ISO over the decade and the crisis (dotted lines: historical dates):",
        "",
        f"![ISO]({charts['iso'].relative_to(DOC.parent)})",
        "",
        "The ISO against its democratic counterfactual, the ablation of hidden grievance and the variant with loyal organisers:",
        "",
        f"![ISO comparison]({charts['iso_cf'].relative_to(DOC.parent)})",
        "",
        "The SEP against its counterfactual:",
        "",
        f"![SEP]({charts['sep'].relative_to(DOC.parent)})",
        "",
        f"![open growth]({charts['grow'].relative_to(DOC.parent)})",
        "",
        "## What the model does not reproduce, and why",
        "",
        "- **The size of the dissolution majority.** The model's majority "
        f"(median {statistics.median(majorities) if majorities else float('nan'):.2f}) "
        "is at or above the historical ~70%: "
        "a loyal core that does not believe the revelations stays and votes no, but it is smaller than the ISO's.",
        "- **Departures before the vote (ISO-4, departures).** Counted honestly (a dissolution is not a loss), fewer "
        "than half the members leave before the vote in most replicates; the historical count is not known.",
        "- **Hidden dissent and penalties (GEN-1, hidden).** Hidden dissent rises from no penalty to censure but not "
        "further: suspensions take dissenters out of the engaged, and censure's charges breed injustice.",
        "- **Many small factions.** Before each ISO convention the model forms many small factions, which then "
        "merge; history records one or a few.",
        "- The SEP's size and the ISO's regional structure are only known roughly; both are set in the scenarios.",
        "- **Scandal cases dissolve instead of splitting (WRP-1 to WRP-4).** After the October 1985 revelation trust "
        "falls for nearly everyone (no loyal core around the founder-leader), voice efficacy is nil under a fully closed "
        "regime, factions are banned so no organised group can leave, and a dissolution motion passes within about two "
        "months. The model has no leadership body that expels one of its own, and no loyalists who leave with him.",
        "- **The CWI split's timing is the scenario's (CWI-2).** Factions that have lost the fight leave when the "
        "centre's reform outlaws them (exit when voice fails), so the split comes in the week of the scripted ban "
        f"({statistics.median(cwi_weeks) if cwi_weeks else float('nan'):.0f} weeks after the opening); "
        "its size comes from the organised groups and their circles.",
        "- **A purge without exit (WL-1).** Harsher enforcement (unity of thought 1, branch minutes) finds almost nobody "
        "voicing dissent, so it sanctions almost nobody; trust and commitment hardly move and the League loses about "
        "as many members as in an ordinary year. The model has no arbitrary sanctions of non-dissenters and no loss of "
        "legitimacy from a leader's conduct other than a revealed scandal.",
        "- **A surge too small (DSA-1, DSA-2, DSA-4).** With the climate conventions of the scenario files (rising "
        "2.0, sharply rising 3.5, falling 0.5) the open organisation grows "
        f"x{statistics.median(x['ratio_2019'] for x in dsa):.1f} by 2019 (history about x9) "
        f"and peaks at x{statistics.median(x['peak_ratio'] for x in dsa):.1f} (history x13-19); "
        f"its ebb, {100 * statistics.median(x['ebb'] or 0.0 for x in dsa):.0f}%, is within "
        "history's 10-25% (surge recruits return to private life when the climate falls). Recruitment is "
        "proportional to the climate and to members' ties, so a tenfold surge needs a climate the scenario does not "
        "claim. Caucuses: at least two at three of the four conventions in "
        f"{several}/{len(dsa)} replicates (history: three slates in 2017, permanent caucuses since).",
        "",
    ]
    DOC.write_text("\n".join(lines))
    return DOC


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicates", type=int, default=30)
    p.add_argument("--no-tests", action="store_true", help="skip running the pattern tests (verdicts 'not run')")
    args = p.parse_args(argv)
    print(f"wrote {build(args.replicates, not args.no_tests)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
