"""Charts of a sweep: phase diagrams of outcome probabilities over two parameters, outcome shares
and metrics (median, 5-95% of runs) against one parameter, and sensitivity-index bars.

Parameters are placed on index positions (one cell per swept value, labelled with the value), so
categorical regimes ("slate", "individual") and uneven numeric grids look alike; a parameter with
many distinct values (a random or Sobol sample) is cut into bins. When a sweep varies more than the
two parameters of a chart, the chart averages over the others and says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from orgsim.errors import OrgsimError
from orgsim.outputs.folders import (OUTCOMES, SweepFolder, available_metrics, metric_bands, outcome_probabilities,
                                  sort_values)
from orgsim.outputs.plots.style import CYCLE, OKABE_ITO, OUTCOME_COLOURS, PROB_CMAP, new_figure, styled

MAIN_METRICS = ("final_members", "resignations", "expulsions", "leadership_changes", "final_voiced_dissent",
                "final_hidden_dissent", "final_mean_trust", "splits")
METRIC_LABELS = {
    "final_members": "members at the end (persons)", "peak_members": "peak members (persons)",
    "min_members": "lowest membership (persons)", "resignations": "resignations (persons)",
    "expulsions": "expulsions (persons)", "recruits": "recruits (persons)",
    "split_departures": "left in splits (persons)", "leadership_changes": "leadership changes (count)",
    "regime_changes": "regime changes (count)", "factions_formed": "factions formed (count)",
    "splits": "splits (count)", "conventions": "conventions (count)", "dissolved_week": "week of dissolution",
    "final_voiced_dissent": "voiced dissent at the end (persons)",
    "final_hidden_dissent": "hidden dissent at the end (persons)",
    "final_mean_trust": "mean trust at the end (0 to 1)", "seat_turnover": "seats changing hands (count)",
    "final_old_leadership_share": "old leaders' share of seats (0 to 1)", "weeks_run": "weeks run",
}
MAX_LEVELS = 12   # more distinct values than this are binned
BINS = 8


def param_label(key: str, values=None) -> str:
    """Axis label of a scenario key, with its unit where it has one."""
    leaf = key.split(".")[-1].replace("_", " ")
    section = key.split(".")[0] if "." in key else ""
    unit = ""
    if "weeks" in key or "interval" in key or key.endswith("first_convention"):
        unit = " (weeks)"
    elif key.endswith(("members", "branches", "leaders", "organisers")) and "organisation" in key:
        unit = " (count)"
    elif key.endswith("climate"):
        unit = " (× ordinary recruitment)"
    elif values is not None and _numeric(values) and 0 <= min(map(float, values)) and max(map(float, values)) <= 1:
        unit = " (0 to 1)"
    return f"{leaf}{unit}" + (f" [{section}]" if section else "")


def _numeric(values) -> bool:
    try:
        [float(v) for v in values]
        return not any(isinstance(v, (bool, np.bool_, str)) for v in values)
    except (TypeError, ValueError):
        return False


def _fmt(v) -> str:
    if isinstance(v, pd.Interval):
        return f"{v.left:.3g}–{v.right:.3g}"
    if isinstance(v, (float, np.floating)):
        return f"{v:.3g}"
    return str(v)


def levels(df: pd.DataFrame, key: str) -> tuple[pd.Series, list]:
    """Axis levels of a parameter: its values, or bins when a sample has too many distinct values."""
    col = df[key]
    vals = sort_values(col.unique())
    if len(vals) <= MAX_LEVELS or not _numeric(vals):
        return col, vals
    binned = pd.cut(col.astype(float), BINS)
    return binned, list(binned.cat.categories)


def _check_params(sweep: SweepFolder, *keys) -> None:
    for k in keys:
        if k not in sweep.params:
            raise OrgsimError(f"{sweep.path}: {k!r} is not a varied parameter (varied: {', '.join(sweep.params) or 'none'})")


def _note_others(sweep: SweepFolder, used: list[str]) -> str:
    others = [p for p in sweep.params if p not in used]
    return f"; averaged over {', '.join(others)}" if others else ""


def _reps(sweep: SweepFolder) -> str:
    n = sweep.n_replicates()
    return f"{n} replicates per point" if n else "replicates per point"


def _xticks(ax, lv, panel_width: float) -> None:
    """Value labels on the x axis, slanted when they would not fit side by side."""
    labels = [_fmt(v) for v in lv]
    crowded = sum(len(t) + 1 for t in labels) * 0.075 > panel_width  # about 0.075 in per character
    ax.set_xticks(range(len(lv)), labels, rotation=35 if crowded else 0, ha="right" if crowded else "center",
                  rotation_mode="anchor" if crowded else "default")


# --------------------------------------------------------------------------- phase diagram
def phase_grid(probs: pd.DataFrame, x: str, y: str, outcome: str) -> tuple[np.ndarray, list, list]:
    """Mean P(outcome) on the (y, x) grid of levels; nan where no point fell."""
    xs, xl = levels(probs, x)
    ys, yl = levels(probs, y)
    col = f"p_{outcome}"
    p = probs[col] if col in probs.columns else pd.Series(0.0, index=probs.index)
    grid = p.groupby([ys, xs], observed=True).mean()
    out = np.full((len(yl), len(xl)), np.nan)
    for (yv, xv), v in grid.items():
        out[yl.index(yv), xl.index(xv)] = v
    return out, xl, yl


@styled
def phase_figure(sweep: SweepFolder, x: str, y: str, outcomes=None):
    """P(outcome) over two swept parameters, one panel per outcome; a 0.5 contour where it is crossed."""
    _check_params(sweep, x, y)
    if x == y:
        raise OrgsimError("a phase diagram needs two different parameters")
    probs = outcome_probabilities(sweep)
    seen = [o for o in OUTCOMES if f"p_{o}" in probs.columns and probs[f"p_{o}"].max() > 0]
    outcomes = list(outcomes) if outcomes else seen
    if not outcomes:
        raise OrgsimError(f"{sweep.path}: no outcomes to draw")
    ncols = min(3, len(outcomes))
    nrows = int(np.ceil(len(outcomes) / ncols))
    fig, axes = new_figure(nrows, ncols, height=2.6 * nrows + 1.1, sharex=True, sharey=True)
    norm = Normalize(0, 1)
    mesh = None
    for ax, outcome in zip(axes.flat, outcomes):
        grid, xl, yl = phase_grid(probs, x, y, outcome)
        mesh = ax.pcolormesh(np.arange(len(xl) + 1) - 0.5, np.arange(len(yl) + 1) - 0.5,
                             np.ma.masked_invalid(grid), cmap=PROB_CMAP, norm=norm, shading="flat")
        finite = grid[np.isfinite(grid)]
        if grid.shape[0] >= 2 and grid.shape[1] >= 2 and finite.size and finite.min() < 0.5 < finite.max():
            ax.contour(np.arange(len(xl)), np.arange(len(yl)), np.ma.masked_invalid(grid), levels=[0.5],
                       colors=[OKABE_ITO["vermillion"]], linewidths=1.6)
        if grid.size <= 80:
            for (i, j), v in np.ndenumerate(grid):
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if v < 0.55 else "black")
        _xticks(ax, xl, panel_width=7.0 / ncols)
        ax.set_yticks(range(len(yl)), [_fmt(v) for v in yl])
        ax.set_title(f"P({outcome})", loc="left")
        ax.spines[:].set_visible(False)
    for ax in axes[-1, :]:
        ax.set_xlabel(param_label(x, probs[x].unique()))
    for ax in axes[:, 0]:
        ax.set_ylabel(param_label(y, probs[y].unique()))
    for ax in axes.flat[len(outcomes):]:
        ax.set_visible(False)
    cb = fig.colorbar(mesh, ax=axes, shrink=0.8, pad=0.02)
    cb.set_label("probability of the outcome (share of runs)")
    cb.ax.axhline(0.5, color=OKABE_ITO["vermillion"], lw=1.6)
    fig.suptitle(f"{sweep.name}: outcome probabilities over {x} and {y}\n"
                 f"({_reps(sweep)}{_note_others(sweep, [x, y])}; line: probability 0.5)", fontsize=9)
    return fig


# --------------------------------------------------------------------------- against one parameter
def _positions(df: pd.DataFrame, key: str):
    col, lv = levels(df, key)
    return col.map({v: i for i, v in enumerate(lv)}).astype(float), lv


@styled
def outcomes_figure(sweep: SweepFolder, param: str):
    """Share of runs ending in each outcome, stacked, for each value of one parameter."""
    _check_params(sweep, param)
    probs = outcome_probabilities(sweep)
    pos, lv = _positions(probs, param)
    cols = [f"p_{o}" for o in OUTCOMES if f"p_{o}" in probs.columns]
    table = probs[cols].groupby(pos).mean().reindex(range(len(lv)))
    fig, axes = new_figure(1, 1, width=6.0, height=3.4)
    ax = axes[0, 0]
    bottom = np.zeros(len(lv))
    for c in cols:
        v = table[c].fillna(0).to_numpy()
        ax.bar(range(len(lv)), v, bottom=bottom, color=OUTCOME_COLOURS[c[2:]], label=c[2:], width=0.7,
               edgecolor="white", linewidth=0.5)
        bottom += v
    _xticks(ax, lv, panel_width=4.5)
    ax.set_xlabel(param_label(param, probs[param].unique()))
    ax.set_ylabel("share of runs (0 to 1)")
    ax.set_ylim(0, 1)
    fig.legend(loc="outside right upper", frameon=False, title="outcome", reverse=True)
    ax.set_title(f"{sweep.name}: outcomes by {param.split('.')[-1].replace('_', ' ')}\n"
                 f"({_reps(sweep)}{_note_others(sweep, [param])})", fontsize=9)
    return fig


@styled
def metrics_figure(sweep: SweepFolder, param: str, metrics=None, by: str | None = None):
    """Median and 5-95% of runs of each metric against one parameter; one line per value of ``by``."""
    _check_params(sweep, param)
    if by is not None:
        _check_params(sweep, by)
    have = available_metrics(sweep)
    metrics = [m for m in (metrics or MAIN_METRICS) if m in have]
    if not metrics:
        raise OrgsimError(f"{sweep.path}: none of the metrics to chart is in the sweep outputs")
    keys = [param] + ([by] if by else [])
    ncols = 2 if len(metrics) > 1 else 1
    nrows = int(np.ceil(len(metrics) / ncols))
    fig, axes = new_figure(nrows, ncols, height=2.1 * nrows + 1.0, sharex=True)
    ref = sweep.ok_runs() if sweep.ok_runs() is not None else sweep.points
    _, lv = levels(ref, param)
    for ax, metric in zip(axes.flat, metrics):
        b = metric_bands(sweep, metric, keys)
        b["_x"] = b[param].map({v: i for i, v in enumerate(lv)})
        groups = [(None, b)] if by is None else [(v, b[b[by] == v]) for v in sort_values(b[by].unique())]
        for k, (value, g) in enumerate(groups):
            g = g.sort_values("_x")
            colour = CYCLE[k % len(CYCLE)]
            label = "median" if by is None else f"{by.split('.')[-1]} = {_fmt(value)}"
            ax.plot(g["_x"], g["median"], marker="o", ms=3.5, color=colour, label=label)
            ax.fill_between(g["_x"], g["lo"], g["hi"], color=colour, alpha=0.18, lw=0,
                            label="5–95% of runs" if by is None else None)
        ax.set_ylabel(METRIC_LABELS.get(metric, metric.replace("_", " ")))
        ax.set_title(metric.replace("_", " "), loc="left")
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    for ax in axes[-1, :]:
        _xticks(ax, lv, panel_width=7.0 / ncols)
        ax.set_xlabel(param_label(param, ref[param].unique()))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(labels)), frameon=False)
    note = "" if by else _note_others(sweep, [param])
    fig.suptitle(f"{sweep.name}: metrics by {param} — median and 5–95% of runs\n({_reps(sweep)}{note})",
                 fontsize=9)
    return fig


# --------------------------------------------------------------------------- sensitivity
INDEX_BARS = {
    "morris": (("mu_star", "μ* (mean |elementary effect|)"), ("sigma", "σ (interactions, non-linearity)")),
    "sobol": (("ST", "ST (total effect)"), ("S1", "S1 (first order)")),
}


def tidy_sensitivity(table: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity table in long form: method, output, parameter, statistic, value, conf.

    Accepts the sweep engine's long form and SALib's wide form (one row per parameter with
    columns such as S1, S1_conf, ST, ST_conf or mu_star, mu_star_conf, sigma).
    """
    if {"parameter", "statistic", "value"} <= set(table.columns):
        t = table.copy()
    else:
        pcol = next((c for c in ("parameter", "param", "name", "names", "Unnamed: 0") if c in table.columns), None)
        if pcol is None:
            raise OrgsimError("sensitivity table: no parameter column")
        ocol = next((c for c in ("output", "metric") if c in table.columns), None)
        stats = [c for c in table.columns if c in ("S1", "ST", "mu_star", "sigma", "mu")]
        if not stats:
            raise OrgsimError("sensitivity table: no index columns (S1/ST or mu_star/sigma)")
        rows = []
        for _, r in table.iterrows():
            for st in stats:
                rows.append({"output": r[ocol] if ocol else "output", "parameter": r[pcol], "statistic": st,
                             "value": r[st], "conf": r.get(f"{st}_conf", np.nan)})
        t = pd.DataFrame(rows)
    if "output" not in t.columns:
        t["output"] = "output"
    if "conf" not in t.columns:
        t["conf"] = np.nan
    if "method" not in t.columns:
        t["method"] = "sobol" if t["statistic"].isin(["S1", "ST"]).any() else "morris"
    return t[t["statistic"] != "S2"]


@styled
def sensitivity_figure(table: pd.DataFrame, title: str = ""):
    """Horizontal bars of the main indices per parameter (largest on top), 95% intervals as error bars."""
    t = tidy_sensitivity(table)
    method = str(t["method"].iloc[0])
    bars = INDEX_BARS.get(method, INDEX_BARS["morris"])
    outputs = list(dict.fromkeys(t["output"]))
    n_params = t["parameter"].nunique()
    ncols = min(3, len(outputs))
    nrows = int(np.ceil(len(outputs) / ncols))
    fig, axes = new_figure(nrows, ncols, width=max(5.0, 2.6 * ncols + 2.0),
                           height=(0.42 * n_params + 1.2) * nrows + 0.6)
    for ax, output in zip(axes.flat, outputs):
        sub = t[t["output"] == output]
        main = sub[sub["statistic"] == bars[0][0]].set_index("parameter")["value"].sort_values()
        order = list(main.index)
        y = np.arange(len(order))
        h = 0.38
        for k, (stat, label) in enumerate(bars):
            s = sub[sub["statistic"] == stat].set_index("parameter").reindex(order)
            if s["value"].isna().all():
                continue
            err = s["conf"].to_numpy(dtype=float)
            ax.barh(y + (0.5 - k) * h, s["value"], height=h, color=CYCLE[k], label=label,
                    xerr=None if np.all(np.isnan(err)) else np.nan_to_num(err),
                    error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": OKABE_ITO["black"]})
        ax.set_yticks(y, [p.split(".")[-1].replace("_", " ") for p in order])
        ax.axvline(0, color=OKABE_ITO["grey"], lw=0.6)
        ax.set_title(output.replace("_", " "), loc="left")
        ax.set_xlabel("index (units of the output)" if method == "morris" else "share of output variance")
    for ax in axes.flat[len(outputs):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False,
               title="bars: estimate; whiskers: 95% confidence interval")
    fig.suptitle(title or f"Sensitivity indices ({method})")
    return fig
