"""Test-only run functions, passed to ``run_sweep(..., runner=...)`` (the documented hook).

They live in a module of their own so that spawned worker processes can import them by name.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from orgsim.model.observe import COLUMNS
from orgsim.runs.run import simulate


def failing_runner(scenario, seed):
    """The real model, except that replicate 0 of every 'individual' voting point raises."""
    _, replicate = seed.spawn_key
    if scenario.regime.voting == "individual" and replicate == 0:
        raise RuntimeError(f"deliberate failure at replicate {replicate}")
    return simulate(scenario, seed)


def linear_runner(scenario, seed):
    """A fake model whose outputs depend on unity_of_thought only (plus a little replicate noise)."""
    rng = np.random.default_rng(seed)
    unity = scenario.regime.unity_of_thought
    members = 1000.0 * unity + rng.normal(0.0, 1e-3)
    summary = {"outcome": "growth" if unity > 0.5 else "stable", "final_members": members, "expulsions": 0}
    return SimpleNamespace(summary=summary, timeseries=pd.DataFrame({"week": [0]}))


BIG_WEEKS = 2000


def big_timeseries_runner(scenario, seed):
    """A fast fake run with a large, incompressible weekly time series (for the memory test)."""
    rng = np.random.default_rng(seed)
    ts = pd.DataFrame(rng.random((BIG_WEEKS, len(COLUMNS))), columns=list(COLUMNS))
    ts.insert(0, "week", np.arange(BIG_WEEKS))
    return SimpleNamespace(summary={"outcome": "stable", "final_members": 1}, timeseries=ts)
