"""Short reports a person can open in a browser: report.html beside the charts it shows.

``write_run_report(folder)`` decorates every run folder of ``orgsim run`` (see :func:`run_decorator`,
injected into :func:`orgsim.runs.run.write_outputs`); ``write_sweep_report(folder)`` is injected into
the sweep engine (``run_sweep(..., decorate=write_sweep_report)``) and called when a sweep (or a
sensitivity analysis, see :func:`write_sensitivity_report`) has finished.
Both read only the files in the folder, so they can also be re-run later on old outputs.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import pandas as pd

from orgsim.errors import OrgsimError
from orgsim.outputs.plots.events import key_events
from orgsim.outputs.folders import OUTCOMES, read_run, read_sweep

MAX_EVENT_ROWS = 300
CSS = """body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}img{max-width:100%;
border:1px solid #eee;margin:.5rem 0}.note{color:#666;font-size:.85rem}"""

SUMMARY_ROWS = (
    ("outcome", "outcome"), ("weeks_run", "weeks run"), ("initial_members", "members at start"),
    ("final_members", "members at end"), ("peak_members", "peak members"), ("min_members", "lowest membership"),
    ("recruits", "recruits"), ("resignations", "resignations"), ("expulsions", "expulsions"),
    ("split_departures", "left in splits"), ("splits", "splits"), ("factions_formed", "factions formed"),
    ("conventions", "conventions"), ("leadership_changes", "leadership changes"),
    ("seat_turnover", "seats changing hands"), ("regime_changes", "regime changes"),
    ("dissolved_week", "dissolved in week"), ("final_voiced_dissent", "voiced dissent at end"),
    ("final_hidden_dissent", "hidden dissent at end"), ("final_mean_trust", "mean trust at end"),
    ("final_old_leadership_share", "old leaders' share of seats at end"),
)


def _e(x) -> str:
    return html.escape(str(x))


def _page(title: str, body: list[str]) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
            f"<style>{CSS}</style></head><body>\n<h1>{_e(title)}</h1>\n" + "\n".join(body) + "\n</body></html>\n")


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cells = []
        for v in r:
            num = isinstance(v, (int, float)) and not isinstance(v, bool)
            text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else (f"{v:.3g}" if isinstance(v, float) else v)
            cells.append(f"<td class=\"n\">{_e(text)}</td>" if num else f"<td>{_e(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>\n" + "\n".join(rows) + "</table>"


def _img(folder: Path, path: Path, alt: str) -> str:
    return f"<p><img src=\"{_e(os.path.relpath(path, folder))}\" alt=\"{_e(alt)}\"></p>"


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------- runs
def write_run_report(folder: str | Path, model=None, charts: bool = True) -> Path:
    """Write the run's standard charts (overview.png; network.png when the finished ``model`` is
    given) and report.html with summary, charts and key events. Returns the report's path."""
    folder = Path(folder)
    run = read_run(folder)
    s = run.summary
    images = []
    if charts:
        # matplotlib only when drawing: its import alone takes about half a second
        from orgsim.outputs.plots.run import overview_figure
        from orgsim.outputs.plots.style import save

        images.append((save(overview_figure(run.timeseries, run.events, s), folder / "overview.png"),
                       "Members by role, membership flows, dissent, trust and grievance, factions"))
        if model is not None:
            from orgsim.outputs.plots.network import network_figure, snapshot

            fig = network_figure([snapshot(model)], "position", title=f"{run.label}: network at the end")
            images.append((save(fig, folder / "network.png"), "Network of members at the end"))
    else:
        images += [(folder / n, n) for n in ("overview.png", "network.png") if (folder / n).is_file()]

    body = [f"<p>{_e(_description(folder))}</p>" if _description(folder) else "",
            f"<p class=\"note\">Seed {_e(s.get('seed'))}; orgsim {_e(s.get('orgsim_version', '?'))}. "
            "Files: <a href=\"timeseries.csv\">timeseries.csv</a>, <a href=\"events.csv\">events.csv</a>, "
            "<a href=\"summary.json\">summary.json</a>, <a href=\"scenario.toml\">scenario.toml</a> "
            "(re-run it with <code>orgsim run scenario.toml</code> to reproduce this run).</p>",
            "<h2>Summary</h2>"]
    rows = [(label, s[k]) for k, label in SUMMARY_ROWS if k in s and s[k] is not None]
    body.append(_table(pd.DataFrame(rows, columns=["", "value"])))
    votes = s.get("dissolution_votes") or []
    if votes:
        body.append("<p>Dissolution votes: " + "; ".join(_e(", ".join(f"{k} {v}" for k, v in vote.items()))
                                                       for vote in votes) + "</p>")
    if images:
        body.append("<h2>Charts</h2>")
        body += [_img(folder, p, alt) for p, alt in images]
    body.append("<h2>Key events</h2>")
    body.append(_events_html(run.events))
    return _write(folder / "report.html", _page(f"{s.get('scenario', folder.name)}: outcome {s.get('outcome', '?')}", body))


def run_decorator(charts: bool = True):
    """``decorate`` for :func:`orgsim.runs.run.write_outputs`: the run's standard charts (unless not
    ``charts``) and report.html, drawn inside the folder being built."""
    def decorate(folder: Path, result) -> Path:
        return write_run_report(folder, model=result.model, charts=charts)

    return decorate


def _description(folder: Path) -> str:
    import tomllib

    try:
        return str(tomllib.loads((folder / "scenario.toml").read_text()).get("description", ""))
    except (OSError, tomllib.TOMLDecodeError):
        return ""


def _events_html(events: pd.DataFrame) -> str:
    ev = key_events(events)
    if ev.empty:
        return "<p>None: no convention, leadership or regime change, scandal, critique, expulsion, split or dissolution vote.</p>"
    counts = ev["kind"].value_counts()
    summary = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in counts.items())
    cols = [c for c in ("week", "date", "kind", "agent", "detail") if c in ev.columns]
    shown = ev[cols].head(MAX_EVENT_ROWS).copy()
    shown["kind"] = shown["kind"].str.replace("_", " ")
    if "agent" in shown.columns:
        shown["agent"] = shown["agent"].map(lambda a: "" if pd.isna(a) or int(a) < 0 else int(a))
    more = f"<p class=\"note\">… and {len(ev) - MAX_EVENT_ROWS} more in events.csv.</p>" if len(ev) > MAX_EVENT_ROWS else ""
    return f"<p>{_e(summary)}.</p>" + _table(shown) + more


# --------------------------------------------------------------------------- sweeps
def write_sensitivity_report(folder: str | Path, table: pd.DataFrame, title: str = "") -> tuple[Path, Path]:
    """``decorate`` for :func:`orgsim.experiments.sensitivity.run_sensitivity`: the index chart
    (sensitivity.png), then the sweep's charts and report.html. Returns (chart, report)."""
    from orgsim.outputs.plots.sensitivity import index_chart

    folder = Path(folder)
    png = index_chart(table, folder / "sensitivity.png", title=title)
    return png, write_sweep_report(folder)


def write_sweep_report(folder: str | Path) -> Path:
    """Write a sweep's charts into ``folder/charts/`` (replacing earlier ones) and ``folder/report.html``.

    Hook for the sweep engine: call it after runs.parquet and points.csv are written (and after
    sensitivity.csv for a sensitivity analysis). Returns the report's path.
    """
    from orgsim.outputs.plots.make import sweep_charts

    folder = Path(folder)
    sweep = read_sweep(folder)
    # charts are built in a fresh folder and swapped in, so stale charts of an earlier sweep never linger
    charts, tmp = folder / "charts", folder / f".charts.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        files = sweep_charts(sweep, tmp)
    except OrgsimError:
        files = []
    old = folder / f".charts.old-{os.getpid()}"
    if charts.exists():
        os.replace(charts, old)
    os.replace(tmp, charts)
    shutil.rmtree(old, ignore_errors=True)
    files = [charts / f.name for f in files]

    runs = sweep.runs
    n_runs = len(runs) if runs is not None else None
    ok = sweep.ok_runs()
    failed = (n_runs - len(ok)) if runs is not None and ok is not None else None
    body = [f"<p>{_e(sweep.study.get('description', ''))}</p>" if sweep.study.get("description") else "",
            "<h2>Study</h2>"]
    facts = [("varied parameters", ", ".join(sweep.params) or "none"),
             ("replicates per point", sweep.n_replicates() or sweep.study.get("replicates", "?")),
             ("root seed", sweep.study.get("seed", "?"))]
    if n_runs is not None:
        facts += [("runs", n_runs), ("failed runs", failed)]
    body.append(_table(pd.DataFrame(facts, columns=["", "value"])))
    if failed:
        body.append("<p class=\"note\">Failed runs are excluded from every chart; their errors are in the "
                    "error column of runs.parquet.</p>")
    if sweep.points is not None:
        cols = [c for c in sweep.points.columns
                if c in ("point", *sweep.params, "runs", "failed") or (c.startswith("p_") and c[2:] in OUTCOMES)
                or c in ("final_members_median", "expulsions_median", "leadership_changes_median")]
        body += ["<h2>Outcomes per point</h2>",
                 "<p class=\"note\">p_&lt;outcome&gt;: share of runs ending so; medians over replicates. "
                 "All columns in points.csv.</p>", _table(sweep.points[cols].head(MAX_EVENT_ROWS))]
    if files:
        body.append("<h2>Charts</h2>")
        body += [_img(folder, f, f.stem.replace("_", " ")) for f in files]
    elif (folder / "sensitivity.png").is_file():
        body += ["<h2>Charts</h2>", _img(folder, folder / "sensitivity.png", "sensitivity indices")]
    return _write(folder / "report.html", _page(f"Sweep {sweep.name}", body))


# --------------------------------------------------------------------------- calibration and discovery
def write_calibration_report(folder: str | Path) -> Path:
    """``decorate`` for :func:`orgsim.experiments.calibration.calibrate`: charts/ (marginals, pairs,
    waves, ppc) and report.html, from the files of the finished calibration folder."""
    import json

    from orgsim.outputs.plots import calibration as charts

    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    post = pd.read_parquet(folder / "posterior.parquet")
    waves = pd.read_csv(folder / "waves.csv")
    ppc = pd.read_csv(folder / "ppc.csv")
    out = folder / "charts"
    out.mkdir(exist_ok=True)
    params = summary["parameters"]
    files = [charts.marginals(post, params, out / "marginals.png"), charts.pairs(post, params, out / "pairs.png"),
             charts.waves(waves, out / "waves.png"), charts.ppc(ppc, out / "ppc.png")]
    rows = [{"parameter": k.removeprefix("parameters."),
             "prior": f"{v['prior']['low']:g} to {v['prior']['high']:g}" + (" (log)" if v["prior"].get("log") else "")
             + (" (integer)" if v["prior"].get("integer") else ""),
             "default": v["default"], "calibrated": v["calibrated"], "5%": v["q05"], "50%": v["q50"], "95%": v["q95"],
             "default's posterior quantile": v["default_quantile"]} for k, v in params.items()]
    body = [f"<p>{_e(summary['mode'])} calibration of {', '.join(map(_e, summary['cases']))}: history matching with "
            "Gaussian-process emulators, then ABC rejection in the space not ruled out (docs/calibration.md).</p>",
            "<h2>Posterior</h2>", _table(pd.DataFrame(rows)),
            f"<p class=\"note\">{summary['accepted']} of {summary['abc_points']} ABC points kept (epsilon "
            f"{summary['epsilon']:.3g}); effective sample size {summary['effective_sample_size']:.1f}; "
            f"{summary['replicates']} replicates per evaluation; {summary['runs']} runs in all. "
            "The calibrated values (parameters.toml) are the weighted posterior medians.</p>",
            "<h2>Waves</h2>", _table(waves),
            "<h2>Posterior predictive check</h2>",
            "<p class=\"note\">Pass rate of every observation and pattern across runs at posterior draws (fresh "
            "seeds), against the shared defaults.</p>",
            _table(ppc[["case", "item", "kind", "label", "fitted", "posterior_pass_rate", "defaults_pass_rate", "runs"]]),
            "<h2>Charts</h2>"] + [_img(folder, f, f.stem) for f in files]
    return _write(folder / "report.html", _page(f"Calibration {summary['name']}", body))


def write_discovery_report(result, folder: str | Path) -> Path:
    """``decorate`` for :func:`orgsim.experiments.discovery.discover`: the trade-off chart and report.html."""
    from orgsim.outputs.plots.calibration import discovery

    folder = Path(folder)
    png = discovery(result.trajectory, result.chosen, result.outcome, folder / "tradeoff.png")
    r = result.trajectory.loc[result.chosen]
    body = [f"<p>PRIM (EMA Workbench) on {_e(result.runs)} runs of the sweep, {_e(result.hits)} of them "
            f"'{_e(result.outcome)}'. Chosen box: step {result.chosen}, coverage {r['coverage']:.2f}, density "
            f"{r['density']:.2f}, mass {r['mass']:.2f}.</p>", "<h2>The box</h2>",
            _table(result.box[["parameter", "box", "of", "qp"]]), "<h2>Peeling trajectory</h2>",
            _img(folder, png, "coverage against density"), _table(result.trajectory)]
    return _write(folder / "report.html", _page(f"Scenario discovery: {result.outcome}", body))
