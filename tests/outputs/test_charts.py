"""Every chart kind, drawn from real model outputs, has the axes, series and marks it promises."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection, QuadMesh
from matplotlib.dates import ConciseDateFormatter

from orgsim.errors import OrgsimError
from orgsim.outputs.plots.events import LINES, normalise, weeks_of
from orgsim.outputs.folders import read_run, read_sweep
from orgsim.outputs.plots.make import plot, sweep_bands_long
from orgsim.outputs.plots.network import capture, network_figure
from orgsim.outputs.plots.replicates import bands_figure, stack_runs
from orgsim.outputs.plots.run import PANELS, TITLES, overview_figure
from orgsim.outputs.plots.sweep import metrics_figure, outcomes_figure, phase_figure, sensitivity_figure
from viz_data import TINY, run_folder, sensitivity_table, shared_sweep

CLIMATE, PENALTY = "environment.climate", "regime.dissent_penalty"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return run_folder(tmp_path_factory.mktemp("runs") / "tiny")


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    return shared_sweep(tmp_path_factory)


def panels(fig):
    return {ax.get_title(loc="left"): ax for ax in fig.axes if ax.get_title(loc="left")}


def legend_labels(ax_or_fig):
    legends = [ax_or_fig.get_legend()] if hasattr(ax_or_fig, "get_legend") and ax_or_fig.get_legend() \
        else list(getattr(ax_or_fig, "legends", []))
    return [t.get_text() for lg in legends for t in lg.get_texts()]


def vlines(ax):
    """Event lines: vertical lines spanning the axes."""
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 2 and ln.get_xdata()[0] == ln.get_xdata()[1]
            and list(ln.get_ydata()) == [0, 1]]


# --------------------------------------------------------------------------- one run
def test_run_overview_has_every_panel_its_series_and_the_events(run_dir):
    run = read_run(run_dir)
    fig = overview_figure(run.timeseries, run.events, run.summary)
    p = panels(fig)
    assert list(p) == [TITLES[k] for k in PANELS]
    members = p["Members by role"]
    assert members.get_ylabel() == "members (persons)"
    assert list(members.get_lines()[0].get_ydata()) == list(run.timeseries["members"])
    assert {"all members", "rank and file", "organisers", "leaders"} <= set(legend_labels(members))
    assert {"voiced dissent", "hidden dissent"} <= set(legend_labels(p["Voiced and hidden dissent"]))
    assert {"mean trust in leadership", "mean grievance"} <= set(legend_labels(p["Trust and grievance"]))
    assert {"recruits", "resignations", "expulsions", "split departures"} <= set(legend_labels(p["Membership flows"]))
    assert p["Membership flows"].get_ylabel().startswith("persons per")
    assert {"members in factions", "factions"} <= set(legend_labels(p["Factions"]))
    # calendar dates on the shared time axis
    last = p["Factions"]
    assert last.get_xlabel() == "date"
    assert isinstance(last.xaxis.get_major_formatter(), ConciseDateFormatter)
    # every week with a key event is a line on every panel; the legend names each kind with its
    # number of events (not of weeks: two events of a kind in one week count two)
    events = normalise(run.events)
    expected = sum(len(weeks_of(events, kind)) for kind, *_ in LINES)
    assert expected > 0
    for ax in p.values():
        assert len(vlines(ax)) == expected
    labels = legend_labels(fig)
    for kind, label, *_ in LINES:
        n = int((events["kind"] == kind).sum())
        assert (f"{label} ({n})" in labels) == (n > 0)


def test_run_overview_uses_weeks_without_a_start_date(tmp_path):
    data = {k: v for k, v in TINY.items() if k != "start_date"}
    from orgsim.model.scenario import validate
    from orgsim.outputs.report import run_decorator
    from orgsim.runs.run import simulate, write_outputs

    out = write_outputs(simulate(validate(data, "t")), tmp_path / "nodate", decorate=run_decorator(charts=False))
    run = read_run(out)
    fig = overview_figure(run.timeseries, run.events, run.summary)
    assert panels(fig)["Factions"].get_xlabel() == "week"


def test_network_snapshots_replay_the_run(run_dir):
    run = read_run(run_dir)
    # weeks when the tiny organisation still has leaders (in model v2 it collapses by branch
    # disaffiliations after its scandal, leaders included, before week 78)
    weeks = [0, 40, 60]
    snaps = capture(run_dir, weeks, run.timeseries)
    assert [s.week for s in snaps] == weeks
    for s in snaps:  # the replay holds the members the stored series counted
        assert int(s.members.sum()) == int(run.timeseries.loc[run.timeseries["week"] == s.week, "members"].iloc[0])
    fig = network_figure(snaps, "role", title="t")
    p = [ax for title, ax in panels(fig).items() if title.startswith("week")]
    assert len(p) == 3
    for ax, s in zip(p, snaps):
        dots = {c.get_label(): len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)}
        role = s.state["role"][s.members]
        assert dots.get("member", 0) == int((role == 0).sum())
        assert dots.get("leader", 0) == int((role == 2).sum()) > 0
    assert {"member", "organiser", "leader"} <= set(legend_labels(fig))
    by_position = network_figure(snaps[:1], "position")
    assert any(ax.get_ylabel() == "political position (0 to 1)" for ax in by_position.axes)  # colour bar


def test_network_of_a_big_organisation_is_a_sample_of_branches(run_dir):
    run = read_run(run_dir)
    snaps = capture(run_dir, [5], run.timeseries)
    fig = network_figure(snaps, "faction", max_nodes=60)
    ax = [a for t, a in panels(fig).items() if t.startswith("week")][0]
    drawn = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert drawn < int(snaps[0].members.sum())
    assert "sample of" in fig._suptitle.get_text()


def test_network_replay_that_does_not_match_is_refused(run_dir, tmp_path):
    import shutil

    copy = tmp_path / "edited"
    shutil.copytree(run_dir, copy)
    ts = pd.read_csv(copy / "timeseries.csv")
    ts.loc[ts["week"] == 3, "members"] += 7
    ts.to_csv(copy / "timeseries.csv", index=False)
    with pytest.raises(OrgsimError, match="does not reproduce"):
        capture(copy, [3], ts)
    with pytest.raises(OrgsimError, match="outside the run"):
        capture(copy, [10_000], ts)


# --------------------------------------------------------------------------- several runs
def test_replicate_bands_are_the_median_and_quantiles_of_the_runs(tmp_path):
    dirs = [run_folder(tmp_path / f"s{s}", seed=s) for s in (1, 2, 3)]
    runs = [read_run(d) for d in dirs]
    long = stack_runs(runs)
    fig = bands_figure(long, "t")
    members = panels(fig)["Members"]
    assert members.get_ylabel() == "members (persons)"
    assert len(members.get_lines()) == 1
    assert sum(isinstance(c, PolyCollection) for c in members.collections) == 1  # the 5-95% band
    horizon = max(len(r.timeseries) for r in runs)
    series = [r.timeseries["members"].reindex(range(horizon), fill_value=0) for r in runs]  # 0 after an end
    assert np.allclose(members.get_lines()[0].get_ydata(), pd.concat(series, axis=1).median(axis=1))
    assert legend_labels(fig) == ["tiny (3 runs)"]
    written = plot(dirs, out=tmp_path / "charts")
    assert [f.name for f in written] == ["replicates.png"] and written[0].stat().st_size > 0


def test_comparison_puts_scenario_and_counterfactual_on_the_same_axes(run_dir, tmp_path):
    cf = run_folder(tmp_path / "cf", regime__dissent_penalty="none")
    written = plot([run_dir, cf], out=tmp_path / "charts", fmt="svg")
    assert [f.name for f in written] == ["compare.svg"]
    assert written[0].read_text().lstrip().startswith("<?xml")
    from orgsim.outputs.plots.make import group_labels

    runs = [read_run(run_dir), read_run(cf)]
    groups, _ = group_labels(runs)
    assert groups == ["tiny (dissent_penalty=expulsion)", "tiny (dissent_penalty=none)"]
    fig = bands_figure(stack_runs(runs, group_of=lambda r: groups[runs.index(r)]), "t")
    for ax in panels(fig).values():
        assert len(ax.get_lines()) == 2
        assert not any(isinstance(c, PolyCollection) for c in ax.collections)  # one run each: no band
    assert legend_labels(fig) == [f"{g} (1 run)" for g in groups]


# --------------------------------------------------------------------------- sweeps
def test_phase_diagram_shows_outcome_probabilities_with_a_half_contour(sweep_dir):
    sweep = read_sweep(sweep_dir)
    assert sweep.params == [CLIMATE, PENALTY]
    runs = sweep.ok_runs()
    fig = phase_figure(sweep, CLIMATE, PENALTY)
    crossing = 0
    for title, ax in panels(fig).items():
        outcome = title[2:-1]  # "P(growth)"
        p = (runs["outcome"] == outcome).groupby([runs[PENALTY], runs[CLIMATE]]).mean()
        expected = np.array([[p[(pen, c)] for c in (0.2, 3.0)] for pen in ("none", "expulsion")])
        mesh = [c for c in ax.collections if isinstance(c, QuadMesh)]
        assert len(mesh) == 1
        assert np.allclose(np.asarray(mesh[0].get_array()).reshape(2, 2), expected)
        crosses = expected.min() < 0.5 < expected.max()
        crossing += crosses
        contours = [c for c in ax.collections if type(c).__name__ == "QuadContourSet"]
        assert bool(contours) == crosses
    assert crossing >= 1  # a climate of 3 against 0.2 does change the outcome
    axes = list(panels(fig).values())
    assert "climate" in axes[-1].get_xlabel() and "dissent penalty" in axes[0].get_ylabel()
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["none", "expulsion"]
    assert [t.get_text() for t in axes[-1].get_xticklabels()] == ["0.2", "3"]
    assert any(ax.get_ylabel() == "probability of the outcome (share of runs)" for ax in fig.axes)


def test_metrics_and_outcomes_against_a_parameter(sweep_dir):
    sweep = read_sweep(sweep_dir)
    fig = metrics_figure(sweep, CLIMATE, by=PENALTY)
    p = panels(fig)
    assert "final members" in p and p["final members"].get_ylabel() == "members at the end (persons)"
    for ax in p.values():
        assert len(ax.get_lines()) == 2  # one line per dissent penalty
        assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2
    assert set(legend_labels(fig)) == {"dissent_penalty = none", "dissent_penalty = expulsion"}
    runs = sweep.ok_runs()
    med = runs[runs[PENALTY] == "none"].groupby(CLIMATE)["final_members"].median()
    line = [ln for ln in p["final members"].get_lines() if ln.get_color() == p["final members"].get_lines()[0].get_color()][0]
    assert np.allclose(sorted(line.get_ydata()), sorted(med.to_numpy())) or \
        np.allclose(sorted(p["final members"].get_lines()[1].get_ydata()), sorted(med.to_numpy()))
    fig = outcomes_figure(sweep, CLIMATE)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "share of runs (0 to 1)"
    heights = pd.DataFrame([(b.get_x(), b.get_height()) for b in ax.patches]).groupby(0)[1].sum()
    assert np.allclose(heights, 1.0)  # outcome shares of each value add up to one
    assert set(legend_labels(fig)) == set(runs["outcome"])


def test_sensitivity_bars_with_intervals():
    table = sensitivity_table()
    fig = sensitivity_figure(table, title="t")
    ax = panels(fig)["final members"]
    assert len(ax.patches) == 4  # two parameters x (mu*, sigma)
    bars = [c for c in ax.containers if type(c).__name__ == "BarContainer"]
    assert len(bars) == 2
    assert bars[0].errorbar is not None and bars[1].errorbar is None  # mu* has its 95% interval, sigma none
    widths = sorted(b.get_width() for b in bars[0])
    mu_star = table[(table["statistic"] == "mu_star")]["value"].sort_values()
    assert np.allclose(widths, mu_star)
    assert [t.get_text() for t in ax.get_yticklabels()] and {"climate", "competitor pull"} == \
        {t.get_text() for t in ax.get_yticklabels()}
    assert any(label.startswith("μ*") for label in legend_labels(fig))


def test_sweep_folder_gives_every_sweep_chart(sweep_dir, tmp_path):
    written = plot([sweep_dir], out=tmp_path / "c")
    names = {f.name for f in written}
    assert {"phase_environment_climate__regime_dissent_penalty.png", "outcomes_environment_climate.png",
            "metrics_environment_climate.png", "metrics_regime_dissent_penalty.png", "replicates_points.png"} <= names
    long = sweep_bands_long(read_sweep(sweep_dir))
    assert long["group"].nunique() == 4
    with pytest.raises(OrgsimError, match="sensitivity"):
        plot([sweep_dir], kind="sensitivity", out=tmp_path / "c")


# --------------------------------------------------------------------------- history on the charts
HISTORY_EVENTS = [
    {"kind": "critique", "week": 10, "label": "union line", "strength": 0.8},
    {"kind": "scandal", "week": 30, "severity": 0.9, "cover_up": True, "reach": 0.5, "label": "the leak"},
    {"kind": "climate", "week": 33, "climate": 1.4, "label": "a strike wave"},  # within MERGE_WEEKS of the leak
    {"kind": "convention", "week": 40, "agenda": [{"changes": {"voting": "individual"}, "label": "individual votes"}],
     "label": "special convention"},
]
OBSERVATIONS = [
    {"column": "members", "date": "2019-05-20", "value": 180, "tolerance": 20, "source": "minutes", "label": "spring count"},
    {"column": "members", "week": 60, "value": 120, "source": "minutes", "label": "autumn count"},
    {"column": "voiced_dissent", "week": 35, "value": 15, "source": "a memoir", "label": "open letter"},
]


@pytest.fixture(scope="module")
def history_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("history")
    return [run_folder(base / f"s{s}", seed=s, events=HISTORY_EVENTS, observations=OBSERVATIONS) for s in (1, 2)]


def _markers(ax):
    """(x, y) of the observation markers (diamonds) on ``ax``."""
    return [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in ax.get_lines() if ln.get_marker() == "D"]


def _badges(ax):
    return [t for t in ax.texts if t.get_bbox_patch() is not None and t.get_text().isdigit()]


def test_history_groups_events_and_reads_the_observations(history_runs):
    from orgsim.outputs.plots.history import MERGE_WEEKS, history_of

    h = history_of(history_runs[0])
    assert [(g.first, g.last, g.labels) for g in h.groups] == \
        [(10, 10, ["union line"]), (30, 33, ["the leak", "a strike wave"]), (40, 40, ["special convention"])]
    assert 33 - 30 <= MERGE_WEEKS < 40 - 30
    assert h.groups[1].text().startswith("2019-08-05 – 08-26: the leak; a strike wave")
    assert [(o.column, o.week, o.value) for o in h.observations] == \
        [("members", 19, 180.0), ("voiced_dissent", 35, 15.0), ("members", 60, 120.0)]
    assert h.observations[-1].tolerance == 12.0  # the schema's default: 10% of the value


@pytest.mark.parametrize("chart", ["overview", "replicates", "compare"])
def test_every_time_series_chart_shows_the_observations_and_the_labelled_events(history_runs, chart, tmp_path):
    from orgsim.outputs.plots.history import history_of

    runs = [read_run(d) for d in history_runs]
    h = history_of(history_runs[0])
    start = pd.Timestamp(TINY["start_date"])
    if chart == "overview":
        fig = overview_figure(runs[0].timeseries, runs[0].events, runs[0].summary, history=h)
        members, dissent = panels(fig)["Members by role"], panels(fig)["Voiced and hidden dissent"]
        top = [members]
    else:
        if chart == "compare":
            cf = run_folder(tmp_path / "cf", regime__dissent_penalty="none", events=HISTORY_EVENTS,
                            observations=OBSERVATIONS)
            runs = [runs[0], read_run(cf)]
        fig = bands_figure(stack_runs(runs, group_of=lambda r: f"g{runs.index(r)}" if chart == "compare"
                                      else r.scenario_name), "t", history=h)
        members, dissent = panels(fig)["Members"], panels(fig)["Voiced dissent"]
        top = [ax for ax in fig.axes if ax.get_visible() and ax.get_subplotspec().rowspan.start == 0]
    import matplotlib.dates as mdates

    def as_date(x):
        return pd.Timestamp(mdates.num2date(x).date()) if not isinstance(x, pd.Timestamp) else x

    # each observation is a marker at its date and value, on the panel of its column, with its label
    got = sorted((as_date(x), y) for x, y in _markers(members))
    assert got == [(start + pd.Timedelta(weeks=19), 180.0), (start + pd.Timedelta(weeks=60), 120.0)]
    assert [(as_date(x), y) for x, y in _markers(dissent)] == [(start + pd.Timedelta(weeks=35), 15.0)]
    texts = {t.get_text() for ax in (members, dissent) for t in ax.texts}
    assert {"spring count", "autumn count", "open letter"} <= texts
    assert members.get_ylim()[1] >= 200  # 180 + 20: the observation and its tolerance are inside the axis
    # the labelled events: numbered badges on the top row only, one per group, listed in the legend
    for ax in fig.axes:
        assert len(_badges(ax)) == (3 if ax in top else 0)
    labels = legend_labels(fig)
    assert any(lab.startswith("2019-03-18: union line") for lab in labels)
    assert any(lab.startswith("2019-08-05 – 08-26: the leak; a strike wave") for lab in labels)
    assert any(lab.startswith("observed (a memoir; minutes") for lab in labels)


def test_badges_of_close_event_groups_are_staggered_not_stacked(history_runs):
    from orgsim.outputs.plots.history import EventGroup, History, draw_event_lines, x_of

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 2))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_xlim(0, 500)
    groups = [EventGroup(i + 1, w, w, (None, None), [f"e{i}"]) for i, w in enumerate((100, 104, 108, 300))]
    draw_event_lines(ax, History([], groups), x_of(None, False), badges=True)
    ys = [t.get_position()[1] for t in _badges(ax)]
    assert len(set(ys[:3])) == 3  # four weeks apart on a 500-week axis: three levels
    assert ys[3] == ys[0]  # far from the others: back on the first level
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in _badges(ax)]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
