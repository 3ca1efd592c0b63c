"""Charts and report of a replicate set (``orgsim run --seeds``) and of a comparison of sets
(``orgsim compare``): time-series bands from the replicate chart code
(:mod:`orgsim.outputs.plots.replicates`), outcome shares with 95 % intervals on proportions
(:mod:`orgsim.outputs.plots.compare`), and an HTML page of both.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.errors import OrgsimError
from orgsim.runs import safety


def decorate_run(folder: Path, result, charts: bool = True) -> Path:
    """``decorate`` for a seed of a set (a module-level function, so worker processes can take it)."""
    from orgsim.outputs.report import write_run_report

    return write_run_report(folder, model=result.model, charts=charts)


def _long(groups: list[tuple[str, list[Path]]]) -> pd.DataFrame:
    """The stacked time series of several sets, one group per label."""
    from orgsim.outputs.folders import read_run
    from orgsim.outputs.plots.replicates import stack_runs

    runs, group_of = [], {}
    for label, folders in groups:
        for f in folders:
            r = read_run(f)
            runs.append(r)
            group_of[id(r)] = label
    return stack_runs(runs, group_of=lambda r: group_of[id(r)])


def _pct(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def share_text(row: dict[str, Any]) -> str:
    """``40% [17–69]``: the share and its 95 % Wilson interval, in percent."""
    return f"{_pct(row['share'])} [{100 * row['wilson_lo']:.0f}–{100 * row['wilson_hi']:.0f}]"


def shares_table(sets: list[tuple[str, dict[str, Any]]]) -> pd.DataFrame:
    """outcomes.csv: one row per set and outcome: label, outcome, count, runs, share, intervals."""
    rows = []
    for label, summary in sets:
        for r in summary["outcomes"]:
            rows.append({"label": label, **r})
    return pd.DataFrame(rows)


def text_table(sets: list[tuple[str, dict[str, Any]]]) -> str:
    """The shares as aligned text for the terminal: outcomes seen in any set, then final members."""
    seen = [o["outcome"] for o in sets[0][1]["outcomes"]
            if any(next(x for x in s["outcomes"] if x["outcome"] == o["outcome"])["count"] for _, s in sets)]
    head = ["outcome (95% Wilson)"] + [label for label, _ in sets]
    lines = [head]
    for name in seen:
        row = [name]
        for _, s in sets:
            row.append(share_text(next(x for x in s["outcomes"] if x["outcome"] == name)))
        lines.append(row)
    q = ["final members, median [5-95%]"]
    for _, s in sets:
        fm = s["final_members"]
        q.append(f"{fm['q50']:.0f} [{fm['q05']:.0f}-{fm['q95']:.0f}]" if fm else "")
    lines.append(q)
    g = ["growth per year, median"]
    for _, s in sets:
        ag = s.get("annual_growth") or {}
        g.append(f"{100 * ag['q50']:+.1f}%" if ag else "")
    lines.append(g)
    lines.append(["runs"] + [str(s["runs"]) for _, s in sets])
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in lines)


def set_outputs(root: Path, name: str, folders: list[Path], summary: dict[str, Any], charts: bool = True,
                fmt: str = "png") -> list[Path]:
    """replicates.<fmt> (bands) and outcomes.<fmt> (shares) in the set's folder, and report.html."""
    written = []
    if charts:
        from orgsim.outputs.plots.compare import outcome_shares_figure
        from orgsim.outputs.plots.replicates import bands_figure, replicates_title
        from orgsim.outputs.plots.style import save

        from orgsim.outputs.plots.history import history_of

        long = _long([(name, folders)])
        history = history_of(folders[0]) if folders else None  # the scenario's observations and events
        written.append(save(bands_figure(long, replicates_title(long), history=history), root / f"replicates.{fmt}"))
        written.append(save(outcome_shares_figure([(name, summary)], title=f"{name}: outcomes of "
                                                  f"{summary['runs']} runs"), root / f"outcomes.{fmt}"))
    written.append(_report(root, f"{name}: {summary['runs']} replicates", [(name, summary)], written,
                           files=["replicates.csv", "replicates.json"], runs=folders))
    return written


COMPARE_FILE_RE = re.compile(r"\A(?:outcomes\.csv|(?:compare|outcomes)\.(?:png|svg)|report\.html|orgsim\.json"
                             r"|\.(?:outcomes\.csv|report\.html|orgsim\.json)\.tmp-\d{1,10})\Z")


def compare_owned(name: str, path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and bool(COMPARE_FILE_RE.match(name))


def check_compare_out(out: Path) -> None:
    """Pre-flight for a comparison's folder (before any seed is run): absent, empty, or an orgsim
    comparison folder holding only its own files (rewritten in place); anything else is refused."""
    out = Path(out)
    safety.check_own_folder(out, "compare", compare_owned, what="a comparison")
    if out.is_dir() and any(out.iterdir()):
        marker = safety.read_marker(out)
        if marker is None or marker.get("orgsim") != "compare":
            raise OrgsimError(f"{out}: not an orgsim comparison folder (no {safety.MARKER}); a comparison "
                              "replaces only a folder orgsim wrote: choose another --out")


def compare_outputs(out: Path, sets: list[tuple[str, list[Path], dict[str, Any]]], charts: bool = True,
                    fmt: str = "png") -> list[Path]:
    """outcomes.csv, compare.<fmt> (bands, one colour per set), outcomes.<fmt> and report.html."""
    labels = [label for label, _, _ in sets]
    if len(set(labels)) != len(labels):
        raise OrgsimError(f"two sets have the same label ({', '.join(labels)}); give distinct --labels")
    out = Path(out)
    check_compare_out(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise safety.write_error(out, exc) from None
    if safety.read_marker(out) is None:  # marked first: a comparison killed half-way can be redone
        _write_text(out / safety.MARKER, safety.marker_text("compare"))
    pairs = [(label, summary) for label, _, summary in sets]
    csv = out / "outcomes.csv"
    tmp = out / f".outcomes.csv.tmp-{os.getpid()}"
    shares_table(pairs).to_csv(tmp, index=False, float_format="%.6f", lineterminator="\n")
    os.replace(tmp, csv)
    written = [csv]
    title = " vs ".join(labels)
    if len(title) > 90:
        title = f"{len(labels)} scenarios"
    if charts:
        from orgsim.outputs.plots.compare import outcome_shares_figure
        from orgsim.outputs.plots.replicates import bands_figure
        from orgsim.outputs.plots.style import save

        from orgsim.outputs.plots.history import history_of

        long = _long([(label, folders) for label, folders, _ in sets])
        # the first set's scenario says what is known (a counterfactual shares the case's history)
        history = history_of(sets[0][1][0]) if sets and sets[0][1] else None
        written.append(save(bands_figure(long, title, history=history), out / f"compare.{fmt}"))
        written.append(save(outcome_shares_figure(pairs, title=f"Outcomes: {title}"), out / f"outcomes.{fmt}"))
    written.append(_report(out, title, pairs, [p for p in written if p.suffix != ".csv"], files=["outcomes.csv"],
                           runs=[f for _, folders, _ in sets for f in folders]))
    return written


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _report(folder: Path, title: str, pairs, images: list[Path], files: list[str], runs: list[Path]) -> Path:
    import os

    from orgsim.outputs.report import _write, embed, render

    rows = []
    for label, s in pairs:
        row = {"": label, "runs": s["runs"]}
        for o in s["outcomes"]:
            if any(next(x for x in t["outcomes"] if x["outcome"] == o["outcome"])["count"] for _, t in pairs):
                row[o["outcome"]] = share_text(o)
        fm = s["final_members"]
        row["final members, median [5–95 %]"] = f"{fm['q50']:.0f} [{fm['q05']:.0f}–{fm['q95']:.0f}]" if fm else ""
        ag = s.get("annual_growth") or {}
        row["growth per year, median"] = f"{100 * ag['q50']:+.1f} %" if ag else ""
        rows.append(row)
    table = pd.DataFrame(rows).fillna("")
    runs_shown = [(os.path.relpath(p / "report.html", folder), p.parent.name + "/" + p.name) for p in runs[:60]]
    page = render("sets.html.j2", title=title, columns=list(table.columns),
                  rows=[[str(v) for v in r] for r in table.itertuples(index=False)], numeric=[1],
                  files=files, images=[embed(p, p.stem) for p in images], runs=runs_shown, more=len(runs) > 60)
    return _write(folder / "report.html", page)
