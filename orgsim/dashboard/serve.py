"""``orgsim viz``: serve the dashboard (:mod:`orgsim.dashboard.app`) with solara on 127.0.0.1 only.

Solara runs in production mode, never opens a browser, never checks for updates, sends no
telemetry and serves its browser assets from the pinned ``solara-assets`` package (the CDN
address points at a closed local port, so a missing asset fails fast instead of leaving the box).
Its log stays quiet: one line when it starts, then only what goes wrong.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from orgsim.errors import OrgsimError
from orgsim.runs.safety import exit_status, set_parent_death_signal

HOST = "127.0.0.1"


def scenario_dir() -> Path:
    """Where the dashboard's scenario list comes from: $ORGSIM_SCENARIOS_DIR, ./scenarios, or the
    scenarios that ship with orgsim (orgsim.model.catalogue)."""
    from orgsim.model.catalogue import shipped_dir

    env = os.environ.get("ORGSIM_SCENARIOS_DIR")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    return here if here.is_dir() else (shipped_dir() or here)


def server_env(scenario: str | None = None) -> dict[str, str]:
    """Environment for the solara process (also used by the tests)."""
    from orgsim.dashboard.assets import assets_dir, home

    solara_home = home() / "solara-home"
    solara_home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ,
               SOLARA_HOME=str(solara_home),
               SOLARA_TELEMETRY_MIXPANEL_ENABLE="false",
               SOLARA_ASSETS_CDN="http://127.0.0.1:9/",
               MPLBACKEND="Agg")
    cdn = assets_dir()
    if cdn is not None:
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cdn)
    # on 127.0.0.1 the session cookie cannot be samesite=none: solara falls back to lax, and says so
    # in twelve lines at every first request
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"),
                                                   "ignore:Cookies with samesite=none require https"]))
    # the server process must import this very orgsim (a work tree may shadow an installed one)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    if scenario:
        env["ORGSIM_VIZ_SCENARIO"] = scenario
    if "ORGSIM_SCENARIOS_DIR" not in env and (Path.cwd() / "scenarios").is_dir():
        env["ORGSIM_SCENARIOS_DIR"] = str(Path.cwd() / "scenarios")
    return env


def server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", "orgsim.dashboard.app", "--host", HOST, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def check_ready() -> None:
    for mod in ("solara", "mesa.visualization"):
        if importlib.util.find_spec(mod.split(".")[0]) is None:
            raise OrgsimError("the dashboard needs the viz extra: pip install -e '.[viz]' (or bash setup.sh --dev)")
    from orgsim.dashboard.assets import missing

    gone = missing()
    if gone:
        raise OrgsimError(f"solara's browser assets: {gone[0]}")


def resolve_scenario(scenario: str | None) -> str | None:
    """A scenario name (stem in scenarios/) or a path to a TOML file, checked before serving."""
    if scenario is None:
        return None
    p = Path(scenario)
    if p.suffix == ".toml":
        if not p.is_file():
            raise OrgsimError(f"{p}: no such file")
        from orgsim.model.scenario import load_scenario

        load_scenario(p)  # a bad file is reported now, not in the browser
        return str(p.resolve())
    if not (scenario_dir() / f"{scenario}.toml").is_file():
        raise OrgsimError(f"no scenario {scenario!r} in {scenario_dir()}")
    return scenario


def serve(scenario: str | None = None, port: int = 8765) -> int:
    check_ready()
    if not 1 <= port <= 65535:
        raise OrgsimError(f"--port {port}: give a port between 1 and 65535")
    chosen = resolve_scenario(scenario)
    print(f"orgsim dashboard on http://{HOST}:{port}/ (Ctrl-C to stop)", flush=True)
    # The server dies with this process, even when it is SIGKILLed (Linux parent-death signal);
    # SIGTERM and SIGHUP stop it as Ctrl-C does (orgsim.cli), and the port is free again.
    proc = subprocess.Popen(server_command(port), env=server_env(chosen),
                            preexec_fn=lambda: set_parent_death_signal(signal.SIGTERM))
    try:
        return proc.wait()
    except KeyboardInterrupt as exc:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return exit_status(exc)
