"""Scenarios by name: where scenario and sweep files are found, and the list of them.

A command's SCENARIO argument is a path to a TOML file or a name. A name (``iso_2019``) is looked
up, in this order, in ``$ORGSIM_SCENARIOS_DIR``, in ``./scenarios/`` and among the scenarios that
ship with orgsim; a sweep name (``smoke``) likewise in the ``sweeps/`` folder of each.

The shipped scenarios are the checkout's top-level ``scenarios/`` folder, the one source: an
editable install or a work tree reads it where it is; building a wheel copies it into the package
as ``orgsim/scenarios/`` (setup.py's build step), where an installed orgsim finds it.

This module imports nothing heavy (no pydantic, no numpy), so that a missing file is reported
at once.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from orgsim.errors import ScenarioError
from orgsim.model.files import read_text_file

_PACKAGE = Path(__file__).resolve().parents[1]   # .../orgsim


def shipped_dir() -> Path | None:
    """The scenarios that come with orgsim: inside an installed package, or the checkout's."""
    for candidate in (_PACKAGE / "scenarios", _PACKAGE.parent / "scenarios"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    return None


def search_dirs() -> list[Path]:
    """Folders searched for a scenario name, first match wins (duplicates removed)."""
    dirs = []
    env = os.environ.get("ORGSIM_SCENARIOS_DIR")
    if env:
        dirs.append(Path(env))
    dirs.append(Path.cwd() / "scenarios")
    shipped = shipped_dir()
    if shipped is not None:
        dirs.append(shipped)
    out, seen = [], set()
    for d in dirs:
        key = d.resolve() if d.exists() else d
        if key not in seen and d.is_dir():
            seen.add(key)
            out.append(d)
    return out


def _is_name(text: str) -> bool:
    return bool(text) and "/" not in text and os.sep not in text and not text.endswith(".toml")


def _names(sub: str = "") -> list[str]:
    return sorted({p.stem for d in search_dirs() for p in (d / sub if sub else d).glob("*.toml")})


def find(text: str | Path, sub: str = "", what: str = "scenario") -> Path:
    """The file for ``text``: an existing path as it is, else a name looked up in the search
    folders (``sub``: "sweeps" for sweep files). Raises a one-line ScenarioError."""
    path = Path(text)
    if path.is_file() or not _is_name(str(text)):
        if not path.exists():
            raise ScenarioError(f"{path}: no such file")
        return path
    for d in search_dirs():
        candidate = (d / sub if sub else d) / f"{text}.toml"
        if candidate.is_file():
            return candidate
    known = _names(sub)
    listing = (f"; known: {', '.join(known[:12])}" + (" ..." if len(known) > 12 else "")) if known else ""
    command = "orgsim scenarios" + (" --sweeps" if sub else "")
    raise ScenarioError(f"{text}: no such file and no {what} of that name (see `{command}`{listing})")


def find_scenario(text: str | Path) -> Path:
    return find(text)


def find_sweep(text: str | Path) -> Path:
    return find(text, "sweeps", "sweep file")


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    description: str


def catalogue(sub: str = "") -> list[Entry]:
    """Every scenario (or sweep file) found by name, with its description; first folder wins."""
    entries: dict[str, Entry] = {}
    for d in search_dirs():
        for p in sorted((d / sub if sub else d).glob("*.toml")):
            if p.stem in entries:
                continue
            try:  # read as any input file is (size, encoding, regular file: orgsim.model.files)
                data = tomllib.loads(read_text_file(p))
            except (ScenarioError, tomllib.TOMLDecodeError, RecursionError):
                data = {"description": "(cannot be read)"}
            entries[p.stem] = Entry(p.stem, p, str(data.get("description", "")).strip())
    return [entries[k] for k in sorted(entries)]
