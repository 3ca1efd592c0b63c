"""The interactive dashboard: Mesa's SolaraViz over the same OrgModel the command line runs.

Serve it with ``orgsim viz [SCENARIO]`` (see :mod:`orgsim.dashboard.serve`), which runs
``solara run orgsim.dashboard.app`` on 127.0.0.1 with the browser assets installed by ``setup.sh``.

SolaraViz builds a model from keyword parameters on Reset and reads a ``datacollector``;
:class:`DashboardModel` is the adapter: it loads the chosen scenario file, applies the regime,
environment and size chosen in the sidebar as dotted-key overrides (the same mechanism as
``orgsim run --set``), builds an ordinary :class:`~orgsim.model.model.OrgModel` and collects the last
recorded week after each step. A select left at "(scenario)" keeps the scenario's own value.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import solara  # noqa: E402
from mesa import DataCollector  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from orgsim.errors import OrgsimError  # noqa: E402
from orgsim.model.model import OrgModel  # noqa: E402
from orgsim.model.observe import Recorder  # noqa: E402
from orgsim.outputs.plots.events import key_events  # noqa: E402
from orgsim.outputs.plots.network import COLOR_BY, draw_network, layout, place_leaders, snapshot, choose_rows  # noqa: E402
from orgsim.outputs.plots.style import OKABE_ITO, RC, Figure, plt  # noqa: E402
from orgsim.model.scenario import load_scenario  # noqa: E402
from orgsim.dashboard.serve import scenario_dir  # noqa: E402

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


def scenario_choices() -> list[str]:
    """Scenario names of scenarios/*.toml, plus the one given on the command line if it is elsewhere."""
    names = sorted(p.stem for p in scenario_dir().glob("*.toml"))
    extra = os.environ.get("ORGSIM_VIZ_SCENARIO")
    if extra and extra not in names:
        names.insert(0, extra)
    return names or ["baseline"]


def scenario_path(choice: str) -> Path:
    p = Path(choice)
    if p.suffix == ".toml" and p.is_file():
        return p
    candidate = scenario_dir() / f"{choice}.toml"
    if not candidate.is_file():
        raise OrgsimError(f"no scenario {choice!r} in {scenario_dir()}")
    return candidate


def initial_scenario() -> str:
    choices = scenario_choices()
    wanted = os.environ.get("ORGSIM_VIZ_SCENARIO")
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
        self._view = None  # cached network layout
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

    def step(self) -> None:
        super().step()
        self._collect()

    def view(self):
        """Network layout, computed once per model (the branch structure does not change)."""
        if self._view is None:
            snap = snapshot(self)
            branches, sampled = choose_rows([snap], MAX_DRAWN)
            self._view = (*layout(snap, branches), sampled)
        return self._view


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
def _week_axis(model):
    df = model.datacollector.get_model_vars_dataframe()
    return df, list(range(len(df)))  # row 0 is the state at the start, row k the end of week k-1


@solara.component
def NetworkView(model):
    update_counter.get()
    color_by, set_color_by = solara.use_state("position")
    base, centre, sampled = model.view()
    snap = snapshot(model)
    with plt.rc_context(RC):
        # fixed margins: constrained layout would double the time of each frame
        fig = Figure(figsize=(6, 4.4))
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.93)
        ax = fig.subplots()
        draw_network(ax, snap, place_leaders(snap, base, centre), color_by)
        n = int(snap.members.sum())
        ax.set_title(f"week {model.week}: {n} members" + (" (sample of branches)" if sampled else "")
                     + f"; colour: {color_by}", loc="left", fontsize=9)
    with solara.Column():
        solara.ToggleButtonsSingle(value=color_by, values=list(COLOR_BY), on_value=set_color_by)
        solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value, model, color_by])


def _lines(model, series, ylabel, title, ylim=None):
    df, x = _week_axis(model)
    with plt.rc_context(RC):
        fig = Figure(figsize=(6, 3.0))
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.16, top=0.9)
        ax = fig.subplots()
        for col, label, colour, style in series:
            ax.plot(x, df[col], color=colour, ls=style, label=label)
        ax.set_xlabel("week")
        ax.set_xlim(0, max(10, len(x) - 1))
        ax.set_ylabel(ylabel)
        if ylim:
            ax.set_ylim(*ylim)
        else:  # counts of persons: from zero, and never a fractional axis when nothing has happened yet
            top = max(float(df[[c for c, *_ in series]].max().max()), 4.0)
            ax.set_ylim(0, top * 1.12)
        ax.set_title(title, loc="left", fontsize=9)
        ax.legend(loc="best", fontsize=7, frameon=False)
    return fig


@solara.component
def MembershipPlot(model):
    update_counter.get()
    fig = _lines(model, [("members", "members", OKABE_ITO["black"], "-"),
                         ("faction_members", "in factions", OKABE_ITO["green"], "-")],
                 "members (persons)", f"{model.scenario.name}: membership")
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value, model])


@solara.component
def DissentPlot(model):
    update_counter.get()
    fig = _lines(model, [("voiced_dissent", "voiced dissent", OKABE_ITO["vermillion"], "-"),
                         ("hidden_dissent", "hidden dissent", OKABE_ITO["purple"], "--")],
                 "members (persons)", "Voiced and hidden dissent")
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value, model])


@solara.component
def TrustPlot(model):
    update_counter.get()
    fig = _lines(model, [("mean_trust", "mean trust in leadership", OKABE_ITO["blue"], "-"),
                         ("mean_grievance", "mean grievance", OKABE_ITO["vermillion"], "-")],
                 "level (0 to 1)", "Trust and grievance", ylim=(-0.02, 1.02))
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value, model])


@solara.component
def EventsView(model):
    update_counter.get()
    import pandas as pd

    from orgsim.model.observe import events_frame

    ev = key_events(events_frame(model))
    s = model.scenario
    status = "dissolved" if model.dissolved else ("finished" if not model.running else "running")
    lines = [f"**{s.name}** — week {model.week} of {s.weeks}, {status}. Regime: "
             + ", ".join(f"{k.replace('_', ' ')} {getattr(model.regime, k)}" for k in
                         ("voting", "faction_rights", "dissent_penalty", "horizontal_communication")) + "."]
    if ev.empty:
        lines.append("No key events yet.")
    else:
        lines.append("| week | event | detail |\n|---:|---|---|")
        for _, r in ev.tail(8).iterrows():
            lines.append(f"| {r['week']} | {r['kind'].replace('_', ' ')} | {str(r['detail'])[:60]} |")
    solara.Markdown("\n\n".join(lines[:2]) + ("\n" + "\n".join(lines[2:]) if len(lines) > 2 else ""))


@solara.component
def Page():
    # one model per browser session: a module-level model would be shared by every tab
    params = model_params()
    model = solara.use_memo(
        lambda: DashboardModel(**{k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}), [])
    SolaraViz(model, components=[NetworkView, MembershipPlot, DissentPlot, TrustPlot, EventsView],
              model_params=params, name="orgsim dashboard", play_interval=150)
