"""`orgsim run` writes its charts and report; `orgsim plot` reports bad input in one line; sweep reports."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from orgsim.cli import main
from orgsim.outputs.plots.events import key_events
from orgsim.outputs.report import write_sweep_report
from viz_data import TINY, shared_sweep, write_scenario


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    scenario = write_scenario(tmp / "tiny.toml", TINY)
    out = tmp / "run"
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    return out


def test_run_writes_charts_and_a_report_with_key_events(cli_run):
    names = {p.name for p in cli_run.iterdir()}
    assert {"overview.png", "network.png", "report.html", "timeseries.csv", "events.csv"} <= names
    report = (cli_run / "report.html").read_text()
    for src in re.findall(r'<img src="([^"]+)"', report):
        assert (cli_run / src).is_file()
    assert len(re.findall(r"<img ", report)) == 2
    assert "<h2>Summary</h2>" in report and "<h2>Key events</h2>" in report
    events = pd.read_csv(cli_run / "events.csv", keep_default_na=False)
    key = key_events(events)
    assert len(key) > 0
    table = report.split("<h2>Key events</h2>")[1]
    for kind, n in key["kind"].value_counts().items():
        label = kind.replace("_", " ")
        assert table.count(f"<td>{label}</td>") == min(n, 300), kind
    assert table.count("<td>resigned</td>") == 0  # routine events stay out of the key table


def test_run_without_charts_still_writes_the_report(tmp_path):
    scenario = write_scenario(tmp_path / "tiny.toml", {**TINY, "weeks": 20, "events": []})
    assert main(["run", str(scenario), "--out", str(tmp_path / "r"), "--no-charts"]) == 0
    assert (tmp_path / "r" / "report.html").is_file() and not (tmp_path / "r" / "overview.png").exists()


def test_plot_cli_writes_the_files_it_names(cli_run, tmp_path, capsys):
    assert main(["plot", str(cli_run), "--kind", "network", "--weeks", "0,20", "--color-by", "faction",
                 "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == ["wrote", str(tmp_path / "network_faction.png")]
    assert (tmp_path / "network_faction.png").stat().st_size > 0


@pytest.mark.parametrize("args, message", [
    (["plot", "{tmp}/nowhere"], "no such folder"),
    (["plot", "{tmp}/file.txt"], "not a folder"),
    (["plot", "{tmp}"], "neither a run folder"),
    (["plot", "{run}", "--kind", "phase"], "needs several run folders or a sweep folder"),
    (["plot", "{run}", "--weeks", "1,x"], "expected whole numbers"),
    (["plot", "{run}", "--weeks", "9999", "--kind", "network"], "outside the run"),
])
def test_plot_cli_bad_input_is_one_short_line(cli_run, tmp_path, capsys, args, message):
    (tmp_path / "file.txt").write_text("x")
    argv = [a.format(tmp=tmp_path, run=cli_run) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("orgsim: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_sweep_report_shows_the_study_the_points_and_the_charts(tmp_path_factory):
    folder = shared_sweep(tmp_path_factory)
    report = write_sweep_report(folder)
    text = report.read_text()
    assert "environment.climate, regime.dissent_penalty" in text
    imgs = re.findall(r'<img src="([^"]+)"', text)
    assert imgs and all((folder / src).is_file() for src in imgs)
    assert all(src.startswith("charts/") for src in imgs)
    assert "<th>p_growth</th>" in text
    # written again, the charts folder is replaced, not added to
    (folder / "charts" / "stale.png").write_bytes(b"")
    write_sweep_report(folder)
    assert not (folder / "charts" / "stale.png").exists()


def test_plot_window_narrows_the_run_overview(cli_run, tmp_path):
    from orgsim.outputs.folders import read_run
    from orgsim.outputs.plots.make import window_of

    run = read_run(cli_run)
    part, suffix = window_of(run, ("2019-06-03", "60"))
    assert part.timeseries["date"].iloc[0] >= "2019-06-03" and int(part.timeseries["week"].max()) <= 60
    assert part.events["week"].between(part.timeseries["week"].min(), 60).all()
    assert suffix == "_2019-06-03_60"
    assert main(["plot", str(cli_run), "--kind", "run", "--from", "20", "--to", "40", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "overview_20_40.png").is_file()


def test_viz_bad_scenario_is_one_short_line(capsys):
    assert main(["viz", "no-such-scenario"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("orgsim: error: ") and err.count("\n") == 1
