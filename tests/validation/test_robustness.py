"""The robustness study (docs/robustness.md): the verdict of a run, the ±20 % bounds, and the
--quick study end to end through the sweep engine (seeded, flips flagged against the defaults)."""

import time

import numpy as np
import pandas as pd
import pytest

from helpers import ROOT
from orgsim.model.observe import WEEKS_PER_YEAR
from orgsim.model.scenario import Parameters, load_scenario
from orgsim.runs.run import simulate
from orgsim.validation import robustness as rb


def test_verdict_precedence_and_thresholds():
    weeks = 520
    years = weeks / WEEKS_PER_YEAR
    grow_edge = 1000 * (1 + rb.GROW_RATE) ** years
    decline_edge = 1000 * (1 + rb.DECLINE_RATE) ** years
    assert rb.verdict(1000, int(grow_edge) + 1, weeks, False, 0.0) == "grows"
    assert rb.verdict(1000, int(grow_edge) - 1, weeks, False, 0.0) == "stagnates"
    assert rb.verdict(1000, int(decline_edge) + 1, weeks, False, 0.0) == "stagnates"
    assert rb.verdict(1000, int(decline_edge) - 1, weeks, False, 0.0) == "declines"
    below_half = int(rb.SURVIVE_BELOW * 1000) - 1
    assert rb.verdict(1000, below_half, weeks, False, 0.0) == "survives"
    assert rb.verdict(1000, below_half, weeks, False, rb.SPLIT_SHARE) == "splits"
    assert rb.verdict(1000, int(grow_edge) + 1, weeks, True, rb.SPLIT_SHARE) == "dissolves"
    assert rb.verdict(1000, 0, weeks, False, 0.0) == "dissolves"
    assert rb.headline(1000, 900, weeks, True) == -1.0


def test_split_share_is_taken_against_the_members_of_the_week_before():
    ts = pd.DataFrame({"week": range(4), "members": [100, 80, 40, 40]})
    events = pd.DataFrame({"week": [2, 3], "kind": ["split", "split"], "agent": [1, 2],
                           "faction": [0, 1], "size": [8, 6]})
    assert rb.largest_split_share(events, ts, 100) == pytest.approx(max(8 / 80, 6 / 40))
    assert rb.largest_split_share(events.iloc[:0], ts, 100) == 0.0


def test_bounds_are_20_percent_rounded_and_clipped():
    params = rb.behavioural_parameters()
    schema = Parameters().model_dump()
    assert len(params) == sum(isinstance(v, (int, float)) and not isinstance(v, bool)
                              for sub in schema.values() for v in sub.values())
    for key, info in params.items():
        lo, hi = rb.scaled(info, 0.8), rb.scaled(info, 1.2)
        assert info["lo"] <= lo <= info["default"] <= hi <= info["hi"]
        if info["integer"]:
            assert isinstance(lo, int) and lo == round(info["default"] * 0.8)
        elif info["default"] * 1.2 <= info["hi"]:
            assert hi == pytest.approx(info["default"] * 1.2)
        else:
            assert hi == info["hi"]  # e.g. a probability at 1 stays at 1
    bounds, void = rb.morris_bounds(params)
    assert set(bounds) | set(void) == set(params)
    assert all(b["low"] < b["high"] for b in bounds.values())


def test_quick_study_runs_through_the_sweep_engine(tmp_path):
    t0 = time.perf_counter()
    cases = rb.find_cases(list(rb.QUICK_CASES))
    assert rb.main(["--quick", "--workers", "1", "--out", str(tmp_path), "--force"]) == 0
    assert time.perf_counter() - t0 < 60
    doc = (tmp_path / "robustness.md").read_text()
    assert rb.main(["--quick", "--out", str(tmp_path), "--render"]) == 0  # the document again, from the tables
    assert (tmp_path / "robustness.md").read_text() == doc
    verdicts = pd.read_csv(tmp_path / "verdicts.csv")
    defaults = pd.read_csv(tmp_path / "defaults.csv")
    assert len(verdicts) == len(cases) * len(rb.QUICK_PARAMETERS) * len(rb.FACTORS)
    assert set(verdicts["parameter"]) == set(rb.QUICK_PARAMETERS)
    assert all(len(v.split(",")) == 2 for v in verdicts["verdicts"])
    assert set(verdicts["majority"]) <= set(rb.VERDICTS)
    # a flip is a majority other than the defaults'
    ref = {c: rb.majority(g["verdict"])[0] for c, g in defaults.groupby("case")}
    assert list(verdicts["flip"]) == [m != ref[c] for c, m in zip(verdicts["case"], verdicts["majority"])]
    assert f"**{int(verdicts['flip'].sum())} flip(s)**" in doc
    # every cell is in the table
    for row in verdicts.itertuples():
        assert f"{row.majority} {row.share:.0%}" in doc
    # the sweep engine's seeding: point i, replicate r <- SeedSequence(seed, spawn_key=(i, r))
    row = verdicts.iloc[-1]
    sc = load_scenario(ROOT / "scenarios" / f"{row['case']}.toml",
                       {"weeks": rb.QUICK_WEEKS, row["parameter"]: row["value"]})
    point = len(verdicts[verdicts["case"] == row["case"]]) - 1
    result = simulate(sc, seed=np.random.SeedSequence(sc.seed, spawn_key=(point, 1)))
    assert rb.measures(result)["verdict"] == row["verdicts"].split(",")[1]
