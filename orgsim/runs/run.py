"""One run: scenario -> model -> observations -> files in a run folder.

Outputs are written into a temporary sibling folder and moved into place only when complete,
so an error or Ctrl-C never leaves a half-written run folder. This layer writes the data files
only; charts and reports belong to a layer above, which the caller injects as ``decorate``
(called with the folder being built and the result, before the folder is moved into place).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import tomli_w

from orgsim import __version__
from orgsim.errors import OrgsimError
from orgsim.model.model import OrgModel
from orgsim.model.observe import events_frame, summary
from orgsim.model.scenario import Scenario, to_toml_data

RESULTS_ROOT = Path("results")
FLOAT_FORMAT = "%.6f"


@dataclass
class RunResult:
    scenario: Scenario
    model: OrgModel
    timeseries: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence | None = None,
             on_week: Callable[[int], Any] | None = None) -> RunResult:
    """Run one scenario to its horizon (or dissolution) and collect what was observed.
    ``on_week(weeks_done)`` is called after each week (progress; it cannot change the run)."""
    model = OrgModel(scenario, seed=seed)
    if on_week is None:
        model.run()
    else:
        while model.running:
            model.step()
            on_week(model.week)
    ts = model.recorder.frame(model)
    return RunResult(scenario, model, ts, events_frame(model), summary(model, ts))


def default_out_dir(scenario: Scenario) -> Path:
    return RESULTS_ROOT / scenario.name / f"seed-{scenario.seed}"


def check_out_dir(out: Path, force: bool) -> None:
    if out.exists() and not force:
        raise OrgsimError(f"{out}: already exists; pass --force to overwrite it")
    if out.exists() and not out.is_dir():
        raise OrgsimError(f"{out}: exists and is not a folder")


def resolved_toml(scenario: Scenario) -> str:
    data = to_toml_data(scenario)
    data["orgsim_version"] = __version__
    return tomli_w.dumps(data)


#: ``decorate(folder, result)``: adds files (charts, report) to a run folder being built
Decorate = Callable[[Path, RunResult], Any]


def write_files(result: RunResult, folder: Path, decorate: Decorate | None = None) -> None:
    """The data files of a run (timeseries.csv, events.csv, summary.json, scenario.toml), then
    whatever ``decorate`` adds."""
    folder.mkdir(parents=True, exist_ok=True)
    result.timeseries.to_csv(folder / "timeseries.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    result.events.to_csv(folder / "events.csv", index=False, lineterminator="\n")
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2, sort_keys=True) + "\n")
    (folder / "scenario.toml").write_text(resolved_toml(result.scenario))
    if decorate is not None:
        decorate(folder, result)  # e.g. the standard charts and report.html, inside the folder being built


def write_outputs(result: RunResult, out: Path, force: bool = False, decorate: Decorate | None = None) -> Path:
    """Write a run folder atomically: build it beside ``out`` (data files, then ``decorate``) and
    move it in when complete."""
    check_out_dir(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        write_files(result, tmp, decorate)
        if out.exists():
            os.rename(out, old)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out
