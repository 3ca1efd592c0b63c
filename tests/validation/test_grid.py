"""The regime-grid report: its interval and its refusal of a folder that is not the grid."""

import math

from orgsim.validation.grid import main, wilson


def test_wilson_interval_contains_the_share_and_narrows_with_more_runs():
    lo, hi = wilson(3, 10)
    assert lo < 0.3 < hi
    lo2, hi2 = wilson(30, 100)
    assert lo < lo2 < 0.3 < hi2 < hi
    assert wilson(0, 10)[0] == 0.0 and math.isnan(wilson(0, 0)[0])


def test_a_folder_without_the_grid_gets_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "points.csv" in err[0]
