"""The ecosystem (issue 12): conservation of persons, splits that found organisations, release at
dissolution, equivalence with the single engine for one organisation, files and messages."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from orgsim.ecosystem import persons
from orgsim.ecosystem.mechanisms import founding
from orgsim.ecosystem.model import Ecosystem
from orgsim.ecosystem.scenario import validate_ecosystem
from orgsim.errors import ScenarioError
from orgsim.model.model import OrgModel
from orgsim.model.scenario import validate
from orgsim.model.state import MEMBER

SMALL = {"members": 200, "branches": 8}
# factions form easily and leave soon: splits large enough to found organisations
SPLITTING = {"name": "parent", "organisation": {"members": 400, "branches": 12, "initial_trust": 0.3},
             "regime": {"faction_rights": "permanent"},
             "parameters": {"factions": {"split_trust": 0.5, "split_prob": 0.3}}}
# everyone soon wants dissolution, and a small majority carries it
DISSOLVING = {"name": "doomed", "organisation": {"members": 120, "branches": 4},
              "parameters": {"dissolution": {"commitment_below": 1.0, "trust_below": 1.0, "efficacy_below": 1.0,
                                             "grievance_above": 0.0, "motion_share": 0.05, "majority": 0.05}}}
HARSH = {"name": "harsh", "organisation": SMALL, "regime": {"dissent_penalty": "expulsion", "horizontal_communication": "forbidden"}}
OPEN = {"name": "open", "organisation": SMALL, "regime": {"voting": "individual", "faction_rights": "permanent"}}


def ecosystem(*orgs, weeks=156, seed=1, **top) -> Ecosystem:
    return Ecosystem(validate_ecosystem({"name": "t", "weeks": weeks, "seed": seed, "organisations": list(orgs), **top}))


def check_census(eco: Ecosystem) -> None:
    c = eco.census()
    assert c["members"] + c["unaffiliated"] + c["withdrawn"] == c["milieu"], c
    pids = persons.live_pids(eco.orgs, eco.active)
    assert np.unique(pids).size == pids.size, "a person is in two places"
    assert pids.size == c["members"] + c["unaffiliated"]


def test_conservation_every_week_with_splits_dissolution_and_transfers():
    eco = ecosystem(SPLITTING, DISSOLVING, HARSH, OPEN, weeks=156, seed=2)
    moved = founded = 0
    while eco.running:
        eco.step()
        check_census(eco)
        moved += sum(n for (a, b), n in eco.flows.items() if isinstance(b, int))
    founded = len(eco.orgs) - 4
    assert founded >= 1 and moved > 0 and eco.withdrawn > 0  # the test exercised every path
    assert eco.ended[1] is not None  # the doomed organisation ended


def test_a_split_founds_an_organisation_of_the_split_group(monkeypatch):
    seen = []
    original = founding.found

    def spy(eco, k, group):
        pids = set(eco.orgs[k].state.pid[group].tolist())
        index = original(eco, k, group)
        seen.append((pids, index))
        return index

    monkeypatch.setattr(founding, "found", spy)
    eco = ecosystem(SPLITTING, weeks=104, seed=3)
    while eco.running and not any(i is not None for _, i in seen):
        eco.step()
    pids, index = next((p, i) for p, i in seen if i is not None)
    new = eco.orgs[index]
    members = set(new.state.pid[new.state.status == MEMBER].tolist())
    assert members == pids
    assert eco.parent[index] == 0
    assert new.regime.voting == "individual" and new.regime.faction_rights == "permanent"
    # its leaders are the group's most popular members
    s = new.state
    leaders = s.popularity[new.leader_rows()]
    others = s.popularity[(s.status == MEMBER) & (s.role == 0)]
    assert leaders.min() >= others.max()


def test_a_dissolved_organisations_members_go_elsewhere_or_withdraw():
    eco = ecosystem(DISSOLVING, OPEN, weeks=104, seed=4)
    while eco.running and eco.ended[0] is None:
        eco.step()
    assert eco.ended[0] is not None, "the organisation did not dissolve"
    org = eco.orgs[0]
    released = int(org.events[-1][3]["members"]) if org.events[-1][1] == "dissolved" else None
    flows = eco.flows
    out = sum(n for (a, b), n in flows.items() if a == 0)
    assert released is not None and out >= released  # every released member was given a destination
    assert not org.state.member.any()
    assert flows[(0, 1)] + flows[(0, "unaffiliated")] + flows[(0, "withdrawn")] == out


def _single(seed, weeks=260):
    sc = validate({"name": "one", "weeks": weeks, "seed": seed, "organisation": SMALL})
    return OrgModel(sc).run()


def test_one_organisation_runs_exactly_as_the_single_engine_without_founding():
    eco = ecosystem({"name": "one", "organisation": SMALL}, weeks=260, seed=7, ecosystem={"found_min": 1_000_000})
    eco.run()
    a = eco.orgs[0].recorder.frame(eco.orgs[0])
    b = _single(7).recorder.frame(_single(7))
    pd.testing.assert_frame_equal(a, b)


def test_one_organisation_matches_the_single_engine_statistically():
    """30 replicates each, different seeds: same distribution of final membership (KS) and of outcomes."""
    eco_final, eco_outcome, one_final, one_outcome = [], [], [], []
    from orgsim.model.observe import summary

    for r in range(30):
        eco = ecosystem({"name": "one", "organisation": SMALL}, weeks=260, seed=1000 + r).run()
        org = eco.orgs[0]
        s = summary(org, org.recorder.frame(org))
        eco_final.append(s["final_members"])
        eco_outcome.append(s["outcome"])
        m = _single(2000 + r)
        s = summary(m, m.recorder.frame(m))
        one_final.append(s["final_members"])
        one_outcome.append(s["outcome"])
    assert stats.ks_2samp(eco_final, one_final).pvalue > 0.05
    kinds = sorted(set(eco_outcome) | set(one_outcome))
    table = np.array([[eco_outcome.count(k) for k in kinds], [one_outcome.count(k) for k in kinds]])
    if len(kinds) > 1:
        assert stats.chi2_contingency(table + 0.5).pvalue > 0.05


def test_rivals_pull_members_out_of_a_harsh_regime_and_a_monopoly_holds_them():
    alone = ecosystem(HARSH, weeks=156, seed=9).run()
    assert alone.orgs[0].outside_pull == 0.0
    rivals = ecosystem(HARSH, OPEN, weeks=156, seed=9).run()
    assert rivals.orgs[0].outside_pull > 0.0
    moved = sum(r[3] for r in rivals.recorder.flows if r[1] == "harsh" and r[2] == "open")
    assert moved > 0

def test_same_seed_same_bytes(tmp_path):
    from orgsim.runs.ecosystem import simulate_ecosystem

    eco = validate_ecosystem({"name": "t", "weeks": 80, "seed": 5, "organisations": [SPLITTING, OPEN]})
    a, b = simulate_ecosystem(eco), simulate_ecosystem(eco)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(b.summary, sort_keys=True)


@pytest.mark.parametrize("data, says", [
    ({"name": "t", "organisations": []}, "expected one or more [[organisations]]"),
    ({"name": "t", "organisations": [{"name": "a"}, {"name": "a"}]}, "'a' is given twice"),
    ({"name": "t", "colour": 1, "organisations": [{"name": "a"}]}, "colour: unknown key"),
    ({"name": "t", "organisations": [{"organisation": {"members": 10}}]}, "organisations[0]: name: missing"),
    ({"name": "t", "organisations": [{"name": "a", "scenario": "nowhere.toml"}]}, "no such file"),
    ({"name": "t", "organisations": [{"name": "a", "regime": {"voting": "lottery"}}]}, "organisations[0]"),
    ({"name": "t", "ecosystem": {"activism": 2}, "organisations": [{"name": "a"}]}, "ecosystem.activism"),
])
def test_bad_ecosystem_files_get_one_clear_message(data, says):
    with pytest.raises(ScenarioError) as exc:
        validate_ecosystem(data, "eco.toml")
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_cli_runs_and_plots_an_ecosystem(tmp_path):
    f = tmp_path / "eco.toml"
    f.write_text('name = "eco"\nweeks = 52\nseed = 2\n[[organisations]]\nname = "a"\n'
                 '[organisations.organisation]\nmembers = 150\nbranches = 6\n'
                 '[[organisations]]\nname = "b"\nscenario = "single.toml"\n')
    (tmp_path / "single.toml").write_text('name = "b"\n[organisation]\nmembers = 100\nbranches = 4\n')
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "orgsim", "run", str(f), "--out", str(out),
                        "--set", "organisations.b.regime.voting=individual"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for name in ("timeseries.csv", "census.csv", "flows.csv", "events.csv", "organisations.csv", "summary.json",
                 "membership.png", "flows.png", "family.png"):
        assert (out / name).is_file(), name
    orgs = pd.read_csv(out / "organisations.csv")
    assert list(orgs["organisation"]) == ["a", "b"] and orgs.loc[1, "voting"] == "individual"
    ts = pd.read_csv(out / "timeseries.csv")
    assert set(ts["organisation"]) == {"a", "b"} and ts["week"].max() == 51
    # the resolved scenario reproduces the run
    again = tmp_path / "again"
    r = subprocess.run([sys.executable, "-m", "orgsim", "run", str(out / "scenario.toml"), "--out", str(again),
                        "--no-charts"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (again / "timeseries.csv").read_bytes() == (out / "timeseries.csv").read_bytes()
    r = subprocess.run([sys.executable, "-m", "orgsim", "run", str(f), "--seeds", "1-3"], capture_output=True, text=True)
    assert r.returncode == 2 and "one seed at a time" in r.stderr and "Traceback" not in r.stderr


def test_odd_section_8_documents_every_ecosystem_submodel_and_parameter():
    import re
    from pathlib import Path

    from orgsim.ecosystem.scenario import EcosystemParams

    odd = Path("docs/ODD.md").read_text()
    submodels = set(re.findall(r"^### 8\.\d+ (\w+)", odd, flags=re.M))
    modules = {p.stem for p in Path("orgsim/ecosystem/mechanisms").glob("*.py") if p.stem != "__init__"}
    assert submodels == modules
    section = odd.split("\n[ecosystem]\n", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \| assumption \|", section, flags=re.M))
    defaults = EcosystemParams().model_dump()
    assert set(rows) == set(defaults)
    for key, text in rows.items():
        assert text.strip().lower() == str(defaults[key]).lower(), key


def test_the_experiments_intervals():
    from orgsim.validation.ecosystem import boot_ci, wilson

    lo, hi = wilson(0, 30)
    assert lo == pytest.approx(0.0, abs=1e-12) and 0.10 < hi < 0.13  # the rule of three, roughly
    mean, lo, hi = boot_ci(np.arange(30.0), np.random.default_rng(0))
    assert mean == 14.5 and lo < mean < hi and hi - lo < 8
