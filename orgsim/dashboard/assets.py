"""Solara's browser assets (JavaScript and CSS), fetched once from the npm registry.

Solara serves its front end from a CDN that machines here cannot reach; it can instead serve
files from a local proxy-cache folder (``SOLARA_ASSETS_PROXY_CACHE_DIR``). This module works out
which npm packages the installed solara needs (from its own page template and widgets, so an
upgrade of solara asks for the matching versions), and unpacks each one with ``npm pack`` into
that folder. ``bash setup.sh --dev`` runs it; ``python -m orgsim.dashboard.assets`` does it by hand.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SPEC = r"((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/"


def home() -> Path:
    """The dashboard's working folder: ``.viz/`` in a source checkout, else ~/.cache/orgsim."""
    env = os.environ.get("ORGSIM_VIZ_HOME")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file():
        return root / ".viz"
    return Path.home() / ".cache" / "orgsim"


def assets_dir() -> Path:
    return Path(os.environ.get("ORGSIM_VIZ_ASSETS", home() / "solara-cdn"))


def _solara_root() -> Path:
    spec = importlib.util.find_spec("solara")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("solara is not installed: pip install 'orgsim[viz]' (or bash setup.sh --dev)")
    return Path(list(spec.submodule_search_locations)[0])


def _vue3() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return int(version("ipyvue").split(".")[0]) >= 2
    except (PackageNotFoundError, ValueError):
        return False


def required() -> list[str]:
    """npm package specs (name@version) the installed solara loads from its CDN for our dashboard."""
    root = _solara_root()
    specs = set(re.findall(r"\{\{ ?cdn ?\}\}/" + SPEC, (root / "server/templates/solara.html.j2").read_text()))
    # Mesa's SolaraViz lays out components with solara's GridDraggable (vue-grid-layout)
    for vue in ("widgets/vue/gridlayout.vue",):
        p = root / vue
        if p.is_file():
            specs |= set(re.findall(r"getCdn\(\)\}/" + SPEC, p.read_text()))
    fa = re.search(r"fontawesome_path: str = \"/" + SPEC, (root / "server/settings.py").read_text())
    if fa:
        specs.add(fa.group(1))
    # solara's page loads the Vue 2 or the Vue 3 app bundle, following the ipyvue major version
    drop = "solara-vuetify-app@" if _vue3() else "solara-vuetify3-app@"
    return sorted(s for s in specs if drop not in s)


def missing(dest: Path | None = None) -> list[str]:
    dest = dest or assets_dir()
    return [s for s in required() if not (dest / s / "package.json").is_file()]


def fetch(dest: Path | None = None, quiet: bool = False) -> list[str]:
    """npm-pack and unpack every missing package into ``dest``; return the specs fetched."""
    dest = dest or assets_dir()
    todo = missing(dest)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch solara's browser assets (apt-get install -y npm)")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec in todo:
            out = subprocess.run([npm, "pack", "--silent", spec], cwd=tmp, capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"npm pack {spec} failed: {out.stderr.strip()[-500:]}")
            tgz = Path(tmp) / out.stdout.strip().splitlines()[-1]
            staging = Path(tmp) / "unpacked"
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(tgz) as tar:
                tar.extractall(staging, filter="data")
            inner = next(staging.iterdir())  # npm tarballs hold one top folder ("package")
            target = dest / spec
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(inner), str(target))
            if not quiet:
                print(f"fetched {spec}")
    return todo


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m orgsim.dashboard.assets", description=__doc__.splitlines()[0])
    p.add_argument("--dest", type=Path, help=f"folder (default {assets_dir()})")
    p.add_argument("--check", action="store_true", help="only report what is missing (exit 1 if anything is)")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.check:
        gone = missing(args.dest)
        for s in gone:
            print(f"missing {s}")
        return 1 if gone else 0
    fetch(args.dest, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
