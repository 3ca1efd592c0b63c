"""Solara's browser assets (JavaScript and CSS), from the ``solara-assets`` package on PyPI.

Solara serves its front end from a CDN that machines here cannot reach; it can instead serve
files from a local folder (``SOLARA_ASSETS_PROXY_CACHE_DIR``). The solara project publishes
exactly those files, for each solara release, as the ``solara-assets`` package, which installs
them under ``<prefix>/share/solara/cdn``. The viz extra pins ``solara`` and ``solara-assets``
to the same version, so the assets always match the front end that solara's page asks for.
``python -m orgsim.dashboard.assets --check`` says whether they are installed and match.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path

DIST = "solara-assets"


def home() -> Path:
    """The dashboard's working folder (solara's home): ``.viz/`` in a source checkout, else ~/.cache/orgsim."""
    env = os.environ.get("ORGSIM_VIZ_HOME")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file():
        return root / ".viz"
    return Path.home() / ".cache" / "orgsim"


@lru_cache(maxsize=1)
def _installed_cdn() -> Path | None:
    try:
        files = distribution(DIST).files or []
    except PackageNotFoundError:
        return None
    for f in files:
        parts = Path(str(f)).parts
        for i in range(len(parts) - 2):
            if parts[i:i + 3] == ("share", "solara", "cdn"):
                return Path(distribution(DIST).locate_file(Path(*parts[:i + 3]))).resolve()
    return None


def assets_dir() -> Path | None:
    """Where solara-assets put the files ($ORGSIM_VIZ_ASSETS overrides), or None if not installed."""
    env = os.environ.get("ORGSIM_VIZ_ASSETS")
    return Path(env) if env else _installed_cdn()


def missing() -> list[str]:
    """What stands in the way of serving the assets (empty when all is well)."""
    try:
        solara_version = version("solara")
    except PackageNotFoundError:
        return ["solara is not installed (pip install 'orgsim[viz]')"]
    if os.environ.get("ORGSIM_VIZ_ASSETS"):
        d = Path(os.environ["ORGSIM_VIZ_ASSETS"])
        return [] if d.is_dir() else [f"ORGSIM_VIZ_ASSETS={d} is not a folder"]
    try:
        assets_version = version(DIST)
    except PackageNotFoundError:
        return [f"{DIST} is not installed (pip install 'orgsim[viz]', or bash setup.sh --viz)"]
    if assets_version != solara_version:
        return [f"{DIST} {assets_version} does not match solara {solara_version} "
                f"(pip install 'solara=={assets_version}', or bash setup.sh --viz)"]
    d = _installed_cdn()
    if d is None or not d.is_dir():
        return [f"{DIST} {assets_version} is installed but its files are not under share/solara/cdn"]
    return []


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m orgsim.dashboard.assets", description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="report what is missing (exit 1 if anything is)")
    args = p.parse_args(argv)
    gone = missing()
    for problem in gone:
        print(problem)
    if not gone and not args.check:
        print(f"solara's browser assets: {assets_dir()}")
    return 1 if gone else 0


if __name__ == "__main__":
    sys.exit(main())
