"""One ecosystem run: ecosystem scenario -> Ecosystem -> files in a run folder.

The folder is written like a single run's (atomically, with its marker; ``orgsim.runs.run``):
``timeseries.csv`` (one row per organisation and week), ``census.csv`` (the milieu each week),
``flows.csv`` (who went where each week), ``events.csv`` (naming the organisation),
``organisations.csv`` (the family tree), ``summary.json`` and ``scenario.toml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import tomli_w

from orgsim import __version__
from orgsim.ecosystem.model import Ecosystem
from orgsim.ecosystem.observe import frames, summary
from orgsim.ecosystem.scenario import EcosystemScenario, ecosystem_toml_data
from orgsim.runs import safety
from orgsim.runs.run import FLOAT_FORMAT, check_out_dir

TABLES = ("timeseries", "census", "flows", "events", "organisations")


@dataclass
class EcosystemResult:
    scenario: EcosystemScenario
    model: Ecosystem
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]

    @property
    def timeseries(self) -> pd.DataFrame:
        """The ecosystem's own series, one row a week (what a sweep keeps): the census."""
        return self.tables["census"]

    def write_data(self, folder: Path) -> None:
        for name in TABLES:
            self.tables[name].to_csv(folder / f"{name}.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        (folder / "summary.json").write_text(json.dumps(self.summary, indent=2, sort_keys=True) + "\n")
        data = ecosystem_toml_data(self.scenario)
        data["orgsim_version"] = __version__
        (folder / "scenario.toml").write_text(tomli_w.dumps(data))


def simulate_ecosystem(scenario: EcosystemScenario, seed: int | np.random.SeedSequence | None = None,
                       on_week: Callable[[int], Any] | None = None) -> EcosystemResult:
    eco = Ecosystem(scenario, seed=seed)
    while eco.running:
        eco.step()
        if on_week is not None:
            on_week(eco.week)
    tables = frames(eco)
    return EcosystemResult(scenario, eco, tables, summary(eco, tables))


def preflight(scenario: EcosystemScenario, out: Path, force: bool) -> None:
    check_out_dir(out, force)
    need = safety.run_memory(scenario)
    members = sum(o.organisation.members for o in scenario.organisations)
    safety.check_memory(need + safety.PROCESS_BYTES, f"{scenario.name}: {members:,} members in "
                                                     f"{len(scenario.organisations)} organisations")
