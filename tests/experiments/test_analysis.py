"""Aggregation of sweep runs into points.csv."""

import numpy as np
import pandas as pd

from helpers import BASELINE
from orgsim.experiments.analysis import SUMMARY_METRICS, point_table
from orgsim.runs.run import simulate
from orgsim.model.scenario import load_scenario


def test_summary_metric_list_matches_the_model_summary():
    scenario = load_scenario(BASELINE, {"weeks": 3, "organisation.members": 20, "organisation.branches": 2})
    summary = simulate(scenario).summary
    numeric = {k for k, v in summary.items()
               if k != "seed" and (v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)))}
    assert numeric == set(SUMMARY_METRICS)


def test_point_table_probabilities_and_intervals():
    runs = pd.DataFrame({
        "point": [0, 0, 0, 0, 1, 1],
        "replicate": [0, 1, 2, 3, 0, 1],
        "regime.voting": ["slate"] * 4 + ["individual"] * 2,
        "error": [None, None, None, "RuntimeError: x", None, None],
        "outcome": ["growth", "split", "collapse", None, "dissolved", "stable"],
        "initial_members": [100] * 6,
        "final_members": [130.0, 90.0, 40.0, np.nan, 0.0, 100.0],
        "splits": [0, 1, 1, np.nan, 1, 0],
        "expulsions": [0, 4, 2, np.nan, 1, 0],
    })
    t = point_table(runs, ["regime.voting"]).set_index("point")
    assert list(t.loc[:, "regime.voting"]) == ["slate", "individual"]
    assert list(t["runs"]) == [4, 2] and list(t["failed"]) == [1, 0]
    assert t.loc[0, "p_growth"] == t.loc[0, "p_split"] == t.loc[0, "p_collapse"] == 1 / 3
    assert t.loc[1, "p_dissolved"] == t.loc[1, "p_stable"] == 0.5
    assert t.loc[0, "p_any_split"] == 2 / 3 and t.loc[1, "p_any_split"] == 0.5
    assert t.loc[0, "p_ended_below_half"] == 1 / 3 and t.loc[1, "p_ended_below_half"] == 0.5
    assert t.loc[0, "final_members_median"] == 90.0
    assert t.loc[0, "final_members_q05"] == np.quantile([130, 90, 40], 0.05)
    assert t.loc[0, "expulsions_q95"] == np.quantile([0, 4, 2], 0.95)
    assert np.isnan(t.loc[0, "leadership_changes_median"])  # not in the runs: left empty, not invented
