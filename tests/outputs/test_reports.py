"""`orgsim run` writes its charts and report; `orgsim plot` reports bad input in one line; sweep reports."""

from __future__ import annotations

import base64
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


def embedded_images(report: str) -> dict[str, bytes]:
    """The report's images by caption file name, decoded from their data: URIs."""
    found = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="[^"]*"><figcaption>[^<]*\(([^)]+)\)', report)
    return {name: base64.b64decode(data) for data, name in found}


def test_run_writes_charts_and_a_self_contained_report_with_key_events(cli_run):
    names = {p.name for p in cli_run.iterdir()}
    assert {"overview.png", "network.png", "report.html", "timeseries.csv", "events.csv"} <= names
    report = (cli_run / "report.html").read_text()
    # the charts are embedded, byte for byte: the report can be sent as one file
    images = embedded_images(report)
    assert set(images) == {"overview.png", "network.png"}
    for name, data in images.items():
        assert data == (cli_run / name).read_bytes()
    assert len(re.findall(r"<img ", report)) == 2
    assert not re.search(r'(src|href)="(?!data:)', report)  # nothing links to a file beside it
    assert "<h2>Summary</h2>" in report and "<h2>Key events</h2>" in report
    events = pd.read_csv(cli_run / "events.csv", keep_default_na=False)
    key = key_events(events)
    assert len(key) > 0
    section = report.split("<h2>Key events</h2>")[1]
    counts_table, _, listed = section.partition("</table>")
    # first a count per kind, with its first and last date ...
    counts = key["kind"].value_counts()
    for kind, n in counts.items():
        label = kind.replace("_", " ")
        first, last = key.loc[key["kind"] == kind, "date"].iloc[[0, -1]]
        assert f"<tr><td>{label}</td><td class=\"n\">{n:,}</td><td>{first}</td><td>{last}</td></tr>" in counts_table
    # ... then every event of the rarer kinds, and none of the frequent ones
    from orgsim.outputs.report import RARE_MAX

    for kind, n in counts.items():
        label = kind.replace("_", " ")
        assert listed.count(f"<td>{label}</td>") == (n if n <= RARE_MAX else 0), kind
    assert section.count("<td>resigned</td>") == 0  # routine events stay out of the key table
    # a kind above the limit is counted but not listed, and named as not listed
    from orgsim.outputs.report import summarise_events

    most = int(counts.max())
    summary = summarise_events(events, rare_max=most - 1)
    frequent = sorted(k.replace("_", " ") for k, n in counts.items() if n == most)
    assert sorted(summary["frequent"]) == frequent
    assert len(summary["rare"]) == int(counts[counts < most].sum())
    assert not any(row[2] in frequent for row in summary["rare"])


def test_report_numbers_are_formatted(cli_run):
    import json

    report = (cli_run / "report.html").read_text()
    summary = json.loads((cli_run / "summary.json").read_text())
    assert not re.search(r"\d\.\d{4,}", report.split("<h2>Charts</h2>")[0] + report.split("</figure>")[-1])
    assert "{" not in re.sub(r"<style>.*?</style>", "", report, flags=re.S)  # no raw dict or template left
    assert f"<td class=\"n\">{summary['recruits']:,}</td>" in report
    if summary.get("final_old_leadership_share") is not None:
        assert f"{summary['final_old_leadership_share']:.0%}</td>" in report


def test_report_summarises_dissolution_votes_in_words(tmp_path):
    from orgsim.outputs.report import fmt, fmt_detail, _vote

    assert _vote({"week": 531, "yes": 278, "no": 46, "share": 0.8580246913580247}, {531: "2019-03-11"}) == \
        "2019-03-11 (week 531): 278 for, 46 against (86% for)"
    assert fmt_detail("yes=278 no=46 share=0.858 passed=True") == "yes 278, no 46, share 86%, passed yes"
    assert fmt_detail("severity=0.7 inquiry=internal a leaked document") == \
        "severity 0.7, inquiry internal a leaked document"
    assert (fmt(0.001259), fmt(12880), fmt(2019, "seed"), fmt(None), fmt(True)) == ("0.00126", "12,880", "2019", "", "yes")


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
    images = embedded_images(text)
    charts = sorted(p.name for p in (folder / "charts").iterdir())
    assert charts and sorted(images) == charts  # every chart, embedded
    assert all(images[n] == (folder / "charts" / n).read_bytes() for n in charts)
    assert "<th>p_growth</th>" in text
    assert "Warning" not in text
    # written again, the charts folder is replaced, not added to
    (folder / "charts" / "stale.png").write_bytes(b"")
    write_sweep_report(folder)
    assert not (folder / "charts" / "stale.png").exists()


def test_sweep_report_names_a_chart_that_failed_and_draws_the_others(tmp_path_factory, monkeypatch, capsys):
    import orgsim.outputs.plots.sweep as sweep_plots

    folder = shared_sweep(tmp_path_factory)

    def broken(sweep, param, by=None):
        raise ValueError("no finite values to draw")

    monkeypatch.setattr(sweep_plots, "metrics_figure", broken)
    text = write_sweep_report(folder).read_text()
    warnings = re.findall(r'<p class="warning">Warning: chart (\S+) could not be drawn: ([^<]+)</p>', text)
    assert {name for name, _ in warnings} == {"metrics_environment_climate.png", "metrics_regime_dissent_penalty.png"}
    assert all(err == "ValueError: no finite values to draw" for _, err in warnings)
    err = capsys.readouterr().err
    assert err.count("orgsim: warning: ") == 2 and "metrics_environment_climate.png" in err
    charts = sorted(p.name for p in (folder / "charts").iterdir())
    assert charts and not any(n.startswith("metrics_") for n in charts)  # the others are drawn
    assert sorted(embedded_images(text)) == charts
    monkeypatch.undo()
    write_sweep_report(folder)  # leave the shared sweep as other tests expect it


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


def _on_a_terminal(argv: list[str], cwd) -> str:
    """Run ``python -m orgsim ARGV`` with its output on a pseudo-terminal; return what it showed."""
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    main_fd, child_fd = pty.openpty()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
               COLUMNS="120", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "orgsim", *argv], stdin=child_fd, stdout=child_fd,
                            stderr=child_fd, cwd=cwd, env=env, close_fds=True)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(120) == 0, b"".join(chunks).decode(errors="replace")[-2000:]
    os.close(main_fd)
    return b"".join(chunks).decode(errors="replace")


def test_plot_shows_progress_of_the_replay_and_of_sweep_charts_on_a_terminal(cli_run, tmp_path, tmp_path_factory,
                                                                              capsys):
    shown = _on_a_terminal(["plot", str(cli_run), "--kind", "network", "--out", str(tmp_path)], tmp_path)
    assert "replaying tiny for network snapshots" in shown and re.search(r"\d+/\d+", shown)
    sweep = shared_sweep(tmp_path_factory)
    shown = _on_a_terminal(["plot", str(sweep), "--out", str(tmp_path / "sweep")], tmp_path)
    assert "tinysweep: charts" in shown and re.search(r"metrics_\S+\.png", shown)
    # off a terminal (a log, a pipe, this test's captured output) nothing but the files written
    assert main(["plot", str(cli_run), "--kind", "network", "--out", str(tmp_path / "quiet")]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.split() == ["wrote", str(tmp_path / "quiet" / "network_position.png")]
