"""Helpers shared by the tests (import them with `from helpers import ...`)."""

import os
import sys
from pathlib import Path

import orgsim
from orgsim.model.model import OrgModel
from orgsim.model.scenario import apply_overrides, validate

# Spawned workers receive this sys.path, so they can import the test helpers by name.
sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(orgsim.__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"name": "t", "weeks": 52, "organisation": {"members": 200, "branches": 8}}


def small_model(seed: int = 0, **sets) -> OrgModel:
    """A 200-member model; keyword args are dotted-key overrides with '__' for '.'."""
    data = apply_overrides(SMALL, {k.replace("__", "."): v for k, v in sets.items()})
    return OrgModel(validate(data, "test"), seed=seed)





def subprocess_env() -> dict:
    """Child processes import this worktree's orgsim and the test helpers."""
    env = dict(os.environ)
    paths = [str(ROOT), str(Path(__file__).parent)]
    env["PYTHONPATH"] = os.pathsep.join(paths + [env["PYTHONPATH"]] if env.get("PYTHONPATH") else paths)
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    return env


def write_sweep(folder: Path, name: str = "tiny", members: int = 30, weeks: int = 10, replicates: int = 3,
                extra: str = "", parameters: str | None = None) -> Path:
    """A tiny sweep on the baseline: penalty x voting, small and short."""
    parameters = parameters or ('"regime.dissent_penalty" = ["none", "expulsion"]\n'
                                '"regime.voting" = ["slate", "individual"]\n')
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nbase = "{BASELINE.as_posix()}"\nreplicates = {replicates}\nseed = 42\n{extra}\n'
        f'[set]\nweeks = {weeks}\n"organisation.members" = {members}\n"organisation.branches" = 3\n\n'
        f"[parameters]\n{parameters}"
    )
    return path



