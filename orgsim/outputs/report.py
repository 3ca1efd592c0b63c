"""Short reports a person can open in a browser, or send: report.html with its charts embedded.

``write_run_report(folder)`` decorates every run folder of ``orgsim run`` (see :func:`run_decorator`,
injected into :func:`orgsim.runs.run.write_outputs`); ``write_sweep_report(folder)`` is injected into
the sweep engine (``run_sweep(..., decorate=write_sweep_report)``) and called when a sweep (or a
sensitivity analysis, see :func:`write_sensitivity_report`) has finished.
Both read only the files in the folder, so they can also be re-run later on old outputs.

The pages are jinja2 templates (``orgsim/outputs/templates/``), autoescaped; images are embedded as
base64 ``data:`` URIs, so report.html is one file. Numbers are formatted for reading (thousands
separators, three significant digits, shares as percentages) and the key events are summarised:
a count per kind with its first and last occurrence, then every event of the rarer kinds.
"""

from __future__ import annotations

import base64
import math
import os
import re
import shutil
import sys
from functools import lru_cache
from pathlib import Path

import pandas as pd

from orgsim.errors import OrgsimError
from orgsim.outputs.folders import OUTCOMES, read_run, read_sweep
from orgsim.outputs.plots.events import key_events

MAX_EVENT_ROWS = 300
RARE_MAX = 10  # kinds with at most this many key events are listed event by event
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
SHARES = ("share", "support", "approval", "old_share_before", "old_share_after")  # fractions shown as percentages
MIME = {".png": "image/png", ".svg": "image/svg+xml"}


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("orgsim.outputs", "templates"), autoescape=select_autoescape(["j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context) -> str:
    return _env().get_template(template).render(**context)


# --------------------------------------------------------------------------- formatting
def fmt(value, key: str = "") -> str:
    """A value as a reader wants it: 1,288; 0.00126; 86% for a share; yes/no; "" for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, int):
        return f"{value:,}" if "week" not in key and key != "seed" else str(value)
    if isinstance(value, float):
        if key in SHARES or key.endswith("_share"):
            return f"{value:.0%}"
        if key.startswith(("mean_", "final_mean_")):  # scores on [0, 1]: two decimals say it
            return f"{value:.2f}"
        if value.is_integer() and abs(value) < 1e15:
            return fmt(int(value), key)
        return f"{value:,.3g}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


_NUM = re.compile(r"-?\d+\.\d+(e-?\d+)?|-?\d+")


def fmt_detail(text: str) -> str:
    """An event's ``k=v k=v free text`` detail as ``k v, k v free text``, numbers formatted."""
    out, last_kv = [], False
    for token in str(text or "").split():
        m = re.fullmatch(r"([A-Za-z_]+)=(\S+)", token)
        if m:
            key, raw = m.groups()
            value = {"True": "yes", "False": "no"}.get(raw, raw)
            if _NUM.fullmatch(raw):
                value = fmt(float(raw) if "." in raw or "e" in raw else int(raw), key)
            out.append(("," if last_kv else "") + f" {key.replace('_', ' ')} {value}")
            last_kv = True
        else:
            out.append(" " + token)
            last_kv = False
    return "".join(out).strip()


PLAIN = ("label", "reason", "result")  # detail columns shown as text, without their name


def event_detail(detail) -> str:
    """An event's details as a short text: ``{"support": 0.99, "passed": True}`` (a model's event,
    or a row of events.csv's detail columns) as "support 99%, passed yes"; the one ``detail`` text of
    older run folders (``k=v`` pairs) as well."""
    if detail is None or (isinstance(detail, float) and math.isnan(detail)):
        return ""
    if isinstance(detail, str):
        return fmt_detail(detail)
    parts = []
    for key, value in dict(detail).items():
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, str) and value in ("True", "False"):  # read back from events.csv
            value = value == "True"
        parts.append(str(value) if key in PLAIN else f"{key.replace('_', ' ')} {fmt(value, key)}")
    return ", ".join(parts)


def embed(path: Path, alt: str) -> dict:
    """An image as a data: URI, so the page needs no file beside it."""
    path = Path(path)
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {"src": f"data:{MIME.get(path.suffix.lower(), 'application/octet-stream')};base64,{data}",
            "alt": alt, "name": path.name}


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
        from orgsim.outputs.plots.history import history_of
        from orgsim.outputs.plots.run import overview_figure
        from orgsim.outputs.plots.style import save

        fig = overview_figure(run.timeseries, run.events, s, history=history_of(folder))
        images.append((save(fig, folder / "overview.png"),
                       "Members by role, membership flows, dissent, trust and grievance, factions"))
        if model is not None:
            from orgsim.outputs.plots.network import network_figure, snapshot

            fig = network_figure([snapshot(model)], "position", title=f"{run.label}: network at the end")
            images.append((save(fig, folder / "network.png"), "Network of members at the end"))
    else:
        images += [(folder / n, n) for n in ("overview.png", "network.png") if (folder / n).is_file()]

    summary = [(label, fmt(s[k], k)) for k, label in SUMMARY_ROWS if k in s and s[k] is not None]
    dates = _week_dates(run.timeseries)
    votes = {"Dissolution votes": [_vote(v, dates) for v in s.get("dissolution_votes") or []],
             "Reform votes": [_vote(v, dates) for v in s.get("reform_votes") or []]}
    page = render("run.html.j2", title=f"{s.get('scenario', folder.name)}: outcome {s.get('outcome', '?')}",
                  description=_description(folder), seed=s.get("seed", "?"), version=s.get("orgsim_version", "?"),
                  summary=summary, votes=votes, images=[embed(p, alt) for p, alt in images],
                  events=summarise_events(run.events))
    return _write(folder / "report.html", page)


def run_decorator(charts: bool = True):
    """``decorate`` for :func:`orgsim.runs.run.write_outputs`: the run's standard charts (unless not
    ``charts``) and report.html, drawn inside the folder being built."""
    def decorate(folder: Path, result) -> Path:
        return write_run_report(folder, model=result.model, charts=charts)

    return decorate


def ecosystem_decorator(charts: bool = True):
    """``decorate`` for an ecosystem run folder: membership, flows and family-tree charts."""
    def decorate(folder: Path, result) -> list[Path]:
        if not charts:
            return []
        from orgsim.outputs.plots.ecosystem import ecosystem_charts

        return ecosystem_charts(folder, folder)

    return decorate


def _description(folder: Path) -> str:
    import tomllib

    try:
        return str(tomllib.loads((folder / "scenario.toml").read_text()).get("description", ""))
    except (OSError, tomllib.TOMLDecodeError):
        return ""


def _week_dates(ts: pd.DataFrame) -> dict[int, str]:
    if ts is None or "date" not in ts.columns:
        return {}
    return dict(zip(ts["week"].astype(int), ts["date"].astype(str)))


def _when(week, dates: dict[int, str]) -> str:
    week = int(week)
    return f"{dates[week]} (week {week})" if week in dates else f"week {week}"


def _vote(vote: dict, dates: dict[int, str]) -> str:
    """``{"week": 531, "yes": 278, "no": 46, "share": 0.858}`` as "2019-03-25 (week 531): 278 for, 46 against (86%)"."""
    rest = {k: v for k, v in vote.items() if k not in ("week", "yes", "no", "share")}
    text = _when(vote["week"], dates) + ": " if "week" in vote else ""
    if "yes" in vote and "no" in vote:
        text += f"{fmt(vote['yes'])} for, {fmt(vote['no'])} against"
    if "share" in vote:
        text += f" ({fmt(vote['share'], 'share')} for)"
    text += "".join(f", {k.replace('_', ' ')} {fmt(v, k)}" for k, v in rest.items())
    return text.strip()


def summarise_events(events: pd.DataFrame, rare_max: int = RARE_MAX) -> dict:
    """Key events for the report: a count per kind (first and last), then each event of the rarer kinds
    (at most ``rare_max`` events of the kind)."""
    ev = key_events(events)
    out = {"total": len(ev), "kinds": [], "rare": [], "frequent": [], "rare_max": rare_max,
           "columns": ["date", "week", "event", "detail"] if "date" in ev.columns else ["week", "event", "detail"]}
    if ev.empty:
        return out
    counts = ev["kind"].value_counts(sort=False)
    order = sorted(counts.index, key=lambda k: (-counts[k], list(counts.index).index(k)))
    when = (lambda r: r["date"]) if "date" in ev.columns else (lambda r: f"week {int(r['week'])}")
    for kind in order:
        rows = ev[ev["kind"] == kind]
        out["kinds"].append((kind.replace("_", " "), fmt(int(counts[kind])), when(rows.iloc[0]), when(rows.iloc[-1])))
        if counts[kind] > rare_max:
            out["frequent"].append(kind.replace("_", " "))
    rare = ev[ev["kind"].map(counts) <= rare_max].head(MAX_EVENT_ROWS)
    from orgsim.model.observe import EVENT_COLUMNS

    columns = [c for c in EVENT_COLUMNS if c in rare.columns]
    for _, r in rare.iterrows():
        cells = [str(r["date"])] if "date" in ev.columns else []
        detail = {c: r[c] for c in columns} if columns else r.get("detail", "")
        out["rare"].append((*cells, int(r["week"]), r["kind"].replace("_", " "), event_detail(detail)))
    return out


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
    errors: list[tuple[str, str]] = []
    try:
        files = sweep_charts(sweep, tmp, errors=errors)
    except OrgsimError as exc:  # nothing to chart (e.g. no varied parameter): said in the report
        files, nothing = [], str(exc)
    else:
        nothing = ""
    for name, error in errors:
        print(f"orgsim: warning: {sweep.name}: chart {name} could not be drawn: {error}", file=sys.stderr)
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
    facts = [("varied parameters", ", ".join(sweep.params) or "none"),
             ("replicates per point", fmt(sweep.n_replicates() or sweep.study.get("replicates", "?"))),
             ("root seed", fmt(sweep.study.get("seed", "?"), "seed"))]
    if n_runs is not None:
        facts += [("runs", fmt(n_runs)), ("failed runs", fmt(failed))]
    points = None
    if sweep.points is not None:
        cols = [c for c in sweep.points.columns
                if c in ("point", *sweep.params, "runs", "failed") or (c.startswith("p_") and c[2:] in OUTCOMES)
                or c in ("final_members_median", "expulsions_median", "leadership_changes_median")]
        table = sweep.points[cols].head(MAX_EVENT_ROWS)
        points = {"columns": cols,
                  "rows": [[fmt(v, "seed" if c == "point" else c) for c, v in zip(cols, row)]
                           for row in table.itertuples(index=False)],
                  "numeric": [i for i, c in enumerate(cols) if pd.api.types.is_numeric_dtype(table[c])
                              and not pd.api.types.is_bool_dtype(table[c])]}
    images = [embed(f, f.stem.replace("_", " ")) for f in files]
    if not files and (folder / "sensitivity.png").is_file():
        images = [embed(folder / "sensitivity.png", "sensitivity indices")]
    page = render("sweep.html.j2", title=f"Sweep {sweep.name}", description=sweep.study.get("description", ""),
                  facts=facts, failed=failed, points=points, images=images, chart_errors=errors,
                  nothing=nothing if not images else "")
    return _write(folder / "report.html", page)


# --------------------------------------------------------------------------- calibration and discovery
# Plain pages (images embedded, like the other reports); small enough not to need a template yet.
_CSS = ("body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}"
        "table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;"
        "text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}img{max-width:100%}"
        ".note{color:#666;font-size:.85rem}")


def _e(x) -> str:
    import html

    return html.escape(str(x))


def _page(title: str, body: list[str]) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n<h1>{_e(title)}</h1>\n" + "\n".join(body) + "\n</body></html>\n")


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    rows = []
    for r in df.itertuples(index=False):
        cells = [f"<td class=\"n\">{_e(fmt(v))}</td>" if isinstance(v, (int, float)) and not isinstance(v, bool)
                 else f"<td>{_e(fmt(v))}</td>" for v in r]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>\n" + "\n".join(rows) + "</table>"


def _img(path: Path, alt: str) -> str:
    image = embed(path, alt)
    return f"<p><img src=\"{image['src']}\" alt=\"{_e(alt)}\"></p>"


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
            "<h2>Charts</h2>"] + [_img(f, f.stem) for f in files]
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
            _img(png, "coverage against density"), _table(result.trajectory)]
    return _write(folder / "report.html", _page(f"Scenario discovery: {result.outcome}", body))
