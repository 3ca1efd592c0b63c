import os
import sys
from pathlib import Path

import pytest

import orgsim

# Spawned workers receive this sys.path, so they can import the test helpers by name.
sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(orgsim.__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


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


@pytest.fixture
def sweep_file(tmp_path):
    return write_sweep(tmp_path)

