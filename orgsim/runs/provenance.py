"""Versions and a fingerprint of the code that computes a run.

Sweep results are only reproducible, and only safely resumable, with the same code. The
fingerprint hashes the source of every orgsim module that can change a run's result; the front
end (command line, sweep engine, storage, aggregation, charts) is left out, so improving a chart
does not invalidate stored runs. Dask workers report their fingerprint with every task, so a
cluster running other code is caught at the first task.
"""

from __future__ import annotations

import functools
import hashlib
import platform
from importlib import metadata
from pathlib import Path

import orgsim

# Modules that do not affect what a run computes (paths relative to the package).
# Sweep points are checked by content instead (plan.json holds their digest), so the code that
# reads sweep files and samples points is left out too.
FRONT_END = frozenset({
    "__main__.py", "cli.py", "dashboard/app.py", "experiments/sweep.py", "experiments/executors.py",
    "experiments/store.py", "runs/progress.py", "experiments/analysis.py", "errors.py", "experiments/sweepfile.py",
    "experiments/sampling.py", "experiments/sensitivity.py", "experiments/replicates.py", "experiments/api.py",
    "model/catalogue.py", "outputs/replicates.py",
})
FRONT_END_DIRS = ("outputs/plots/",)


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    root = Path(orgsim.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in FRONT_END or rel.startswith(FRONT_END_DIRS):
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """What a result depends on: code fingerprint, model libraries, Python."""
    return {
        "orgsim": orgsim.__version__,
        "orgsim_source": source_fingerprint(),
        "mesa": _version("mesa"),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "pandas": _version("pandas"),
        "pydantic": _version("pydantic"),
        "python": platform.python_version(),
    }
