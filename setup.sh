#!/usr/bin/env bash
# Set up orgsim on a fresh machine. Idempotent: steps already done are skipped quickly.
#   bash setup.sh          the package (orgsim run, sweep, plot)
#   bash setup.sh --viz    plus the dashboard (orgsim viz): the viz extra, with solara's browser assets (solara-assets)
#   bash setup.sh --dev    plus what the tests need: pytest, Playwright and Debian's chromium, and the
#                          EMA Workbench for orgsim discover (also alone: pip install -e ".[ema]")
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-}"
case "$mode" in
  "") extras="" ;;
  --viz) extras="[viz]" ;;
  --dev) extras="[dev]" ;;
  *) echo "usage: bash setup.sh [--viz|--dev]" >&2; exit 2 ;;
esac

apt_updated=""
apt_install() {  # Debian packages, installed only when missing (the browser test needs a system chromium)
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: please install $* with your system's package manager" >&2; exit 1
  fi
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "$mode" = "--dev" ] && ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi

# pip takes ~10 s even when nothing changed: skip it when this checkout is installed with every requirement met
installed() {
  python - "$mode" <<'PY' 2>/dev/null
import sys, tomllib, pathlib, importlib.metadata as md
from packaging.requirements import Requirement
import orgsim
here = pathlib.Path.cwd().resolve()
assert pathlib.Path(orgsim.__file__).resolve().parents[1] == here
proj = tomllib.loads((here / "pyproject.toml").read_text())["project"]
reqs, extras = list(proj["dependencies"]), {"": [], "--viz": ["viz"], "--dev": ["dev"]}[sys.argv[1]]
while extras:
    for r in proj["optional-dependencies"][extras.pop()]:
        req = Requirement(r)
        if req.name == "orgsim":
            extras += list(req.extras)
        else:
            reqs.append(r)
for r in map(Requirement, reqs):
    assert r.specifier.contains(md.version(r.name), prereleases=True), r
PY
}
installed || python -m pip install --quiet --disable-pip-version-check -e ".${extras}"

if [ -n "$mode" ]; then
  python -m orgsim.dashboard.assets --check >&2 || { echo "setup.sh: solara's browser assets do not match solara" >&2; exit 1; }
fi
