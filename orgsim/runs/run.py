"""One run: scenario -> model -> observations -> files in a run folder.

Outputs are written into a temporary sibling folder and moved into place only when complete,
so an error or Ctrl-C never leaves a half-written run folder. This layer writes the data files
only; charts and reports belong to a layer above, which the caller injects as ``decorate``
(called with the folder being built and the result, before the folder is moved into place).
A run folder carries the marker ``orgsim.json`` (listing its files); ``--force`` replaces only
such a folder, and only when it holds nothing but orgsim's own files. Leftovers of killed runs
(``.NAME.partial-PID``, ``.NAME.old-PID``) are cleaned at the next start.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import tomli_w

from orgsim import __version__
from orgsim.runs import safety
from orgsim.errors import OrgsimError
from orgsim.model.model import OrgModel
from orgsim.model.observe import events_frame, summary
from orgsim.model.scenario import Scenario, to_toml_data, validate

RESULTS_ROOT = Path("results")
FLOAT_FORMAT = "%.6f"


@dataclass
class RunResult:
    scenario: Scenario
    model: OrgModel
    timeseries: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]

    def write_data(self, folder: Path) -> None:
        """timeseries.csv, events.csv, summary.json, scenario.toml."""
        self.timeseries.to_csv(folder / "timeseries.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        self.events.to_csv(folder / "events.csv", index=False, lineterminator="\n")
        (folder / "summary.json").write_text(json.dumps(self.summary, indent=2, sort_keys=True) + "\n")
        (folder / "scenario.toml").write_text(resolved_toml(self.scenario))


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence | None = None,
             on_week: Callable[[int], Any] | None = None) -> RunResult:
    """Run one scenario to its horizon (or dissolution) and collect what was observed.
    ``on_week(weeks_done)`` is called after each week (progress; it cannot change the run)."""
    scenario = checked_scenario(scenario)
    model = OrgModel(scenario, seed=seed)
    if on_week is None:
        model.run()
    else:
        while model.running:
            model.step()
            on_week(model.week)
    ts = model.recorder.frame(model)
    return RunResult(scenario, model, ts, events_frame(model), summary(model, ts))


def checked_scenario(scenario: Any) -> Scenario:
    """A validated Scenario: a dict or a ``model_construct``-ed Scenario is refused with one line."""
    if not isinstance(scenario, Scenario):
        raise OrgsimError(f"simulate() needs a Scenario (from orgsim.model.scenario.load_scenario or validate), "
                          f"not a {type(scenario).__name__}")
    try:
        data = scenario.model_dump(mode="python", round_trip=True, warnings=False)
    except Exception:  # noqa: BLE001 - a constructed model with missing or broken fields
        raise OrgsimError("simulate(): the Scenario is incomplete (built without validation?); "
                          "use orgsim.model.scenario.validate") from None
    return validate(data, "simulate()")


def default_out_dir(scenario: Scenario) -> Path:
    return RESULTS_ROOT / scenario.name / f"seed-{scenario.seed}"


# files orgsim writes into a run folder (`orgsim plot` adds charts named after their kind)
RUN_FILE_RE = re.compile(r"\A(?:timeseries\.csv|events\.csv|summary\.json|scenario\.toml|report\.html|orgsim\.json"
                         r"|census\.csv|flows\.csv|organisations\.csv"  # an ecosystem's
                         r"|(?:overview|network|membership|flows|family)[A-Za-z0-9_.-]{0,120}\.(?:png|svg))\Z")


def run_owned(listed=()):
    listed = set(listed)

    def owned(name: str, path: Path) -> bool:
        if path.is_symlink() or path.is_dir():
            return False
        return name in listed or bool(RUN_FILE_RE.match(name))

    return owned


def clean_leftovers(out: Path) -> None:
    """Remove what killed runs left beside ``out``; put back a run folder a kill left renamed away."""
    for path, kind, name in list(safety.dead_leftovers(out.parent)):
        if not path.is_dir() or path.is_symlink():
            continue
        target = path.parent / name
        if kind == "old" and safety.read_marker(path) and not os.path.lexists(target):
            os.rename(path, target)  # killed between the two renames: the previous run comes back
            continue
        safety.remove_owned(path, run_owned((safety.read_marker(path) or {}).get("files", ())))


def check_out_dir(out: Path, force: bool) -> None:
    """Pre-flight for a run folder: writable, and replaceable only if it is an orgsim run folder."""
    out = Path(out)
    safety.check_writable(out)
    if not out.exists():
        return
    if not force:
        raise OrgsimError(f"{out}: already exists; pass --force to overwrite it")
    marker = safety.read_marker(out)
    if marker is None or marker.get("orgsim") != "run":
        what = f"an orgsim {marker['orgsim']} folder" if marker else "not an orgsim run folder (no orgsim.json)"
        raise OrgsimError(f"{out}: {what}; --force replaces only run folders orgsim wrote; "
                          "choose another --out")
    foreign = safety.foreign_entries(out, run_owned(marker.get("files", ())))
    if foreign:
        raise OrgsimError(f"{out}: holds files orgsim did not write ({safety.describe_entries(foreign)}); "
                          "not replaced: move them away or choose another --out")


def preflight(scenario: Scenario, out: Path, force: bool) -> None:
    """Everything that can be checked before simulating: the output folder, and the memory needed."""
    check_out_dir(out, force)
    safety.check_memory(safety.run_memory(scenario) + safety.PROCESS_BYTES,
                        f"{scenario.name}: {scenario.organisation.members:,} members")


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
    result.write_data(folder)  # a RunResult's files, or an ecosystem's (orgsim.runs.ecosystem)
    if decorate is not None:
        decorate(folder, result)  # e.g. the standard charts and report.html, inside the folder being built


def _missing_parents(out: Path) -> list[Path]:
    missing, p = [], out.parent
    while not os.path.lexists(p):
        missing.append(p)
        p = p.parent
    return missing


def write_outputs(result: RunResult, out: Path, force: bool = False, decorate: Decorate | None = None) -> Path:
    """Write a run folder atomically: build it beside ``out`` (data files, then ``decorate``) and
    move it in when complete.

    A replaced folder (``force``) loses only the files orgsim wrote into it; ``check_out_dir``
    has refused any folder holding something else.
    """
    out = Path(out)
    check_out_dir(out, force)
    if out.parent.is_dir():
        clean_leftovers(out)
    created = _missing_parents(out)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    previous = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            shutil.rmtree(tmp)
        write_files(result, tmp, decorate)
        files = sorted(p.name for p in tmp.iterdir())
        (tmp / safety.MARKER).write_text(safety.marker_text("run", files + [safety.MARKER]))
        if out.exists():
            previous = safety.read_marker(out) or {}
            os.rename(out, old)
        os.rename(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.rename(old, out)
        for p in created:  # the parents this call made, if still empty
            try:
                p.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError):
            raise safety.write_error(out, exc) from None
        raise
    if previous is not None:
        safety.remove_owned(old, run_owned(previous.get("files", ())))
    return out
