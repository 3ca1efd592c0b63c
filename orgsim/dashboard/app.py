"""The interactive dashboard: Mesa's SolaraViz over the same OrgModel the command line runs.

Serve it with ``orgsim viz [SCENARIO]`` (see :mod:`orgsim.dashboard.serve`), which runs
``solara run orgsim.dashboard.app`` on 127.0.0.1 with the browser assets of the pinned
``solara-assets`` package.

SolaraViz builds a model from keyword parameters on Reset and reads a ``datacollector``;
:class:`DashboardModel` is the adapter: it loads the chosen scenario file, applies the regime,
environment and size chosen in the sidebar as dotted-key overrides (the same mechanism as
``orgsim run --set``), builds an ordinary :class:`~orgsim.model.model.OrgModel` and collects the last
recorded week after each step. A select left at "(scenario)" keeps the scenario's own value.

Speed: Mesa's play loop draws every page once per model step after a fixed pause, which cost
about a second per week here; its threaded mode lets the model change state during every render
pass, which solara stops with "Too many renders" on a busy machine. :func:`PlayControls` plays at
a chosen number of weeks per second instead: each frame steps the weeks due since the last one,
draws the page once, and waits until the page has shown it. The charts
(:mod:`orgsim.dashboard.live`) keep their figures and only move new data in.

The page is composed of Mesa's SolaraViz parts (``ModelCreator`` for the parameters, ``ShowSteps``)
with these controls and the charts laid out directly: SolaraViz itself would add its own play loop
and put the charts under a lone tab named "Page 0".
"""

from __future__ import annotations

import html
import os
import threading
import time
import warnings
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
# Mesa 3.3.1's ComponentsView trips solara's hook lint when imported: harmless, and not ours to fix
warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
import solara  # noqa: E402
from mesa import DataCollector  # noqa: E402
from mesa.visualization.solara_viz import ModelCreator, ShowSteps  # noqa: E402
from mesa.visualization.utils import force_update, update_counter  # noqa: E402

from orgsim.dashboard.live import Frame, LineChart, NetworkChart  # noqa: E402
from orgsim.dashboard.serve import scenario_dir  # noqa: E402
from orgsim.errors import OrgsimError  # noqa: E402
from orgsim.model.model import OrgModel  # noqa: E402
from orgsim.model.observe import Recorder  # noqa: E402
from orgsim.model.scenario import load_scenario  # noqa: E402
from orgsim.outputs.plots import COLOR_BY  # noqa: E402
from orgsim.outputs.plots.events import KEY_KINDS  # noqa: E402
from orgsim.outputs.plots.network import snapshot  # noqa: E402
from orgsim.outputs.plots.style import OKABE_ITO  # noqa: E402
from orgsim.outputs.report import event_detail  # noqa: E402

KEEP = "(scenario)"  # a select left at this value keeps the scenario's own setting
# sidebar control -> (dotted scenario key, label, choices)
OVERRIDES = {
    "voting": ("regime.voting", "Leadership election", ["slate", "individual"]),
    "faction_rights": ("regime.faction_rights", "Faction rights", ["banned", "preconvention", "permanent"]),
    "dissent_penalty": ("regime.dissent_penalty", "Dissent penalty", ["none", "censure", "suspension", "expulsion"]),
    "horizontal_communication": ("regime.horizontal_communication", "Horizontal communication",
                                 ["allowed", "discouraged", "forbidden"]),
    "transparency": ("regime.transparency", "Transparency", ["open", "secret"]),
    "organiser_appointment": ("regime.organiser_appointment", "Organisers are", ["appointed", "elected"]),
    "investigation": ("regime.investigation", "Scandal investigation", ["internal", "independent"]),
    "branch_minutes": ("regime.branch_minutes", "Weekly branch minutes", [False, True]),
    "unity_of_thought": ("regime.unity_of_thought", "Unity of thought (0-1)", [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    "climate": ("environment.climate", "Movement climate (x recruitment)", [0.25, 0.5, 1.0, 1.5, 2.0, 3.0]),
    "competitor_pull": ("environment.competitor_pull", "Pull of competitors (0-1)", [0.0, 0.1, 0.3, 0.5, 0.8]),
    "members": ("organisation.members", "Members at start", [100, 200, 500, 1000, 2000]),
}
SERIES = ("members", "organisers", "leaders", "recruits", "resignations", "expulsions", "voiced_dissent",
          "hidden_dissent", "faction_members", "factions", "mean_trust", "mean_grievance")
MAX_DRAWN = 1500  # members drawn in the network view (a sample of whole branches beyond this)


SPEED = 40         # weeks per second while playing (the sidebar's slider)
SPEEDS = (1, 200)   # its range


def _given() -> Path | None:
    """The scenario file given on the command line (``orgsim viz path/to/file.toml``), if any."""
    extra = os.environ.get("ORGSIM_VIZ_SCENARIO")
    return Path(extra) if extra and extra.endswith(".toml") else None


def scenario_choices() -> list[str]:
    """Scenario names of scenarios/*.toml, plus the file given on the command line (by its name)."""
    names = sorted(p.stem for p in scenario_dir().glob("*.toml"))
    given = _given()
    extra = given.stem if given else os.environ.get("ORGSIM_VIZ_SCENARIO")
    if extra and extra not in names:
        names.insert(0, extra)
    return names or ["baseline"]


def scenario_path(choice: str) -> Path:
    given = _given()
    if given is not None and choice in (given.stem, str(given)):
        return given
    p = Path(choice)
    if p.suffix == ".toml" and p.is_file():
        return p
    candidate = scenario_dir() / f"{choice}.toml"
    if not candidate.is_file():
        raise OrgsimError(f"no scenario {choice!r} in {scenario_dir()}")
    return candidate


def initial_scenario() -> str:
    choices = scenario_choices()
    given = _given()
    wanted = given.stem if given else os.environ.get("ORGSIM_VIZ_SCENARIO")
    if wanted in choices:
        return wanted
    return "baseline" if "baseline" in choices else choices[0]


class DashboardModel(OrgModel):
    """OrgModel built from keyword parameters (as SolaraViz does on Reset), with a DataCollector."""

    # Every control is an explicit keyword (SolaraViz checks the signature against its parameters).
    def __init__(self, scenario: str = "baseline", seed: int = 1, *, voting=KEEP, faction_rights=KEEP,
                 dissent_penalty=KEEP, horizontal_communication=KEEP, transparency=KEEP,
                 organiser_appointment=KEEP, investigation=KEEP, branch_minutes=KEEP, unity_of_thought=KEEP,
                 climate=KEEP, competitor_pull=KEEP, members=KEEP):
        controls = {k: v for k, v in locals().items() if k in OVERRIDES}
        sets = {OVERRIDES[k][0]: v for k, v in controls.items() if v != KEEP}
        if "organisation.members" in sets:
            # keep the scenario's members per branch when the size changes
            org = load_scenario(scenario_path(scenario)).organisation
            branches = max(1, round(sets["organisation.members"] * org.branches / org.members))
            sets["organisation.branches"] = branches
            if org.organisers is not None:  # an explicit number of organisers scales with the branches
                sets["organisation.organisers"] = min(branches, max(1, round(org.organisers * branches / org.branches)))
        super().__init__(load_scenario(scenario_path(scenario), sets), seed=int(seed))
        self.choice = scenario
        self.latest: dict[str, float] = {}
        self.datacollector = DataCollector(model_reporters={c: _reporter(c) for c in SERIES})
        # the play loop steps in one thread while frames are drawn in another: both hold this lock
        self.lock = threading.RLock()
        self.key_events: list[tuple[int, str, str]] = []  # (week, kind, detail), collected as they happen
        self._seen = 0
        self._frame: Frame | None = None
        self.shown = threading.Condition()
        self.shown_steps = -1  # the last step the page has drawn
        self._collect()

    def _collect(self) -> None:
        rec = self.recorder
        if rec.rows:
            self.latest = {c: float(rec.data[c][rec.rows - 1]) for c in SERIES}
        else:  # before the first step: measure week 0 with a throwaway recorder
            probe = Recorder(self)
            probe.record(self)
            self.latest = {c: float(probe.data[c][0]) for c in SERIES}
        self.datacollector.collect(self)
        for week, kind, _agent, detail in self.events[self._seen:]:
            if kind == "voiced" and isinstance(detail, dict) and detail.get("reason") == "critique":
                kind = "critique"
            if kind in KEY_KINDS:
                self.key_events.append((int(week), kind, event_detail(detail)))
        self._seen = len(self.events)

    def step(self) -> None:
        with self.lock:
            super().step()
            self._collect()

    def frame(self) -> Frame:
        """A consistent copy of what the page shows, made once per step (under the lock)."""
        with self.lock:
            if self._frame is None or self._frame.steps != self.steps:
                status = "dissolved" if self.dissolved else ("finished" if not self.running else "running")
                self._frame = Frame(
                    steps=self.steps, week=self.week, weeks=self.scenario.weeks,
                    start_date=self.scenario.start_date,
                    series={c: np.asarray(v, dtype=float) for c, v in self.datacollector.model_vars.items()},
                    snap=snapshot(self), key_events=list(self.key_events), status=status)
            return self._frame


    def mark_shown(self, steps: int) -> None:
        with self.shown:
            self.shown_steps = max(self.shown_steps, steps)
            self.shown.notify_all()

    def wait_shown(self, steps: int, timeout: float = 5.0) -> bool:
        with self.shown:
            return self.shown.wait_for(lambda: self.shown_steps >= steps, timeout)


def _reporter(column: str):
    return lambda m: m.latest[column]


def model_params() -> dict:
    params = {
        "scenario": {"type": "Select", "value": initial_scenario(), "values": scenario_choices(), "label": "Scenario"},
        "seed": {"type": "SliderInt", "value": 1, "min": 0, "max": 99, "step": 1, "label": "Seed"},
    }
    for name, (_, label, values) in OVERRIDES.items():
        params[name] = {"type": "Select", "value": KEEP, "values": [KEEP, *values], "label": label}
    return params


# --------------------------------------------------------------------------- components
LINE_CHARTS = {
    "membership": ([("members", "members", OKABE_ITO["black"], "-"),
                    ("faction_members", "in factions", OKABE_ITO["green"], "-")], "members (persons)", None),
    "dissent": ([("voiced_dissent", "voiced dissent", OKABE_ITO["vermillion"], "-"),
                 ("hidden_dissent", "hidden dissent", OKABE_ITO["purple"], "--")], "members (persons)", None),
    "trust": ([("mean_trust", "mean trust in leadership", OKABE_ITO["blue"], "-"),
               ("mean_grievance", "mean grievance", OKABE_ITO["vermillion"], "-")], "level (0 to 1)", (-0.02, 1.02)),
}
TITLES = {"membership": "Membership", "dissent": "Voiced and hidden dissent", "trust": "Trust and grievance"}


@solara.component
def NetworkView(model):
    update_counter.get()
    color_by, set_color_by = solara.use_state("position")
    chart = solara.use_memo(lambda: NetworkChart(model.frame(), MAX_DRAWN, model.scenario.name), [model])
    png = chart.png(model.frame(), color_by)
    with solara.Column(gap="4px"):
        solara.ToggleButtonsSingle(value=color_by, values=list(COLOR_BY), on_value=set_color_by)
        solara.Image(png)


@solara.component
def LinePlot(model, which: str):
    update_counter.get()
    series, ylabel, ylim = LINE_CHARTS[which]
    chart = solara.use_memo(
        lambda: LineChart(model.frame(), series, ylabel, f"{model.scenario.name}: {TITLES[which].lower()}"
                          if which == "membership" else TITLES[which], ylim), [model])
    solara.Image(chart.png(model.frame()))


@solara.component
def EventsView(model):
    update_counter.get()
    f = model.frame()
    s = model.scenario
    regime = ", ".join(f"{k.replace('_', ' ')} {getattr(model.regime, k)}" for k in
                       ("voting", "faction_rights", "dissent_penalty", "horizontal_communication"))
    now = f" ({f.when(f.week)})" if f.start_date else ""
    solara.HTML(tag="p", unsafe_innerHTML=f"<b>{html.escape(s.name)}</b> — week {f.week} of {s.weeks}{now}, "
                f"{f.status}. Regime: {html.escape(regime)}.")
    if not f.key_events:
        solara.Text("No key events yet.")
        return
    head = "date" if f.start_date else "week"
    rows = "".join(f"<tr><td>{f.when(w) if f.start_date else w}</td><td>{html.escape(k.replace('_', ' '))}</td>"
                   f"<td>{html.escape(d[:70])}</td></tr>" for w, k, d in f.key_events[-8:])
    solara.HTML(tag="table", unsafe_innerHTML=f"<thead><tr><th>{head}</th><th>event</th><th>detail</th></tr></thead>"
                f"<tbody>{rows}</tbody>", style="text-align:left; font-size:0.9em; border-spacing:12px 2px")


@solara.component
def Charts(model):
    """The main page: network and membership, dissent and trust, then the week and the key events."""
    with solara.Columns([1, 1]):
        NetworkView(model)
        LinePlot(model, "membership")
    with solara.Columns([1, 1]):
        LinePlot(model, "dissent")
        LinePlot(model, "trust")
    EventsView(model)
    Shown(model)


@solara.component
def Shown(model):
    """Rendered last: tells the play loop that the page now shows the model's current step."""
    update_counter.get()
    model.mark_shown(model.frame().steps)


def play(model, playing, speed, max_frames: int | None = None) -> None:
    """Step ``model`` at ``speed`` weeks per second while ``playing``: each frame steps the weeks due,
    draws the page once (``force_update``) and waits until it is shown before the next."""
    t0, done, frames = time.monotonic(), 0, 0
    while playing.value and model.running and (max_frames is None or frames < max_frames):
        rate = max(float(speed.value), 0.1)
        due = int(rate * (time.monotonic() - t0)) - done
        if due <= 0:
            time.sleep(min(0.05, 1.0 / rate))
            continue
        cap = max(1, int(rate / 2))  # at most half a second of play per frame: a slow page drops weeks' debt
        if due > cap:
            done += due - cap
            due = cap
        for _ in range(due):
            model.step()
            done += 1
            if not model.running or not playing.value:
                break
        frames += 1
        force_update()
        model.wait_shown(model.steps)
        time.sleep(0.005)  # a breath between frames: the page's render loop always settles


@solara.component
def PlayControls(model: solara.Reactive, model_parameters: solara.Reactive):
    """Reset, play/pause and Step (one week), and the speed of play in weeks per second."""
    update_counter.get()
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEED)
    error = solara.use_reactive(None)
    running = model.value.running

    def loop():
        try:
            play(model.value, playing, speed)
        except Exception as exc:  # noqa: BLE001 - shown on the page, not lost in a thread
            error.set(f"error while playing: {exc}")
            raise
        finally:
            if not model.value.running:  # the run ended: the button goes back to ▶ (disabled)
                playing.set(False)

    solara.use_thread(loop, dependencies=[playing.value, model.value], intrusive_cancel=False)

    def reset():
        playing.set(False)
        error.set(None)
        model.value = model.value.__class__(**model_parameters.value)

    def step():
        model.value.step()
        force_update()

    solara.SliderInt(label="Speed (weeks per second)", value=speed, min=SPEEDS[0], max=SPEEDS[1])
    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(label="❚❚" if playing.value else "▶", color="primary", disabled=not running,
                      on_click=lambda: playing.set(not playing.value))
        solara.Button(label="Step", color="primary", on_click=step, disabled=playing.value or not running)
    if error.value:
        solara.Error(label=error.value)


@solara.component
def Page():
    # one model per browser session: a module-level model would be shared by every tab
    params = model_params()
    first = solara.use_memo(
        lambda: DashboardModel(**{k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}), [])
    model = solara.use_reactive(first)
    model_parameters = solara.use_reactive({})
    title = f"orgsim: {model.value.scenario.name}"
    solara.Title(title)
    with solara.AppBar():
        solara.AppBarTitle(title)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            PlayControls(model, model_parameters)
        with solara.Card("Model Parameters"):
            ModelCreator(model, params, model_parameters=model_parameters)
        with solara.Card("Information"):
            ShowSteps(model.value)
    Charts(model.value)
