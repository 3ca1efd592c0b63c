"""Charts of a calibration (marginals, pairs, waves, predictive check) and of scenario discovery (PRIM)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.outputs.plots.style import OKABE_ITO, new_figure, save, styled


def _short(key: str) -> str:
    return key.removeprefix("parameters.")


def _grid(prior: dict, n: int = 25) -> tuple[np.ndarray, bool]:
    lo, hi, log = prior["low"], prior["high"], prior.get("log", False)
    return (np.geomspace(lo, hi, n) if log else np.linspace(lo, hi, n)), log


@styled
def marginals(post: pd.DataFrame, params: dict, path: Path) -> Path:
    """Weighted posterior histogram per parameter over its prior range; the default and the calibrated value."""
    keys = list(params)
    ncols = min(3, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    fig, axes = new_figure(nrows, ncols, width=7.5, height=2.2 * nrows)
    kept = post[post["weight"] > 0]
    for k, key in enumerate(keys):
        ax = axes[k // ncols][k % ncols]
        info = params[key]
        bins, log = _grid(info["prior"])
        ax.hist(kept[key], bins=bins, weights=kept["weight"], color=OKABE_ITO["blue"], alpha=0.8, label="posterior")
        ax.hist(post[key], bins=bins, weights=np.full(len(post), 1.0 / max(len(post), 1)), histtype="step",
                color=OKABE_ITO["grey"], label="ABC sample (NROY)")
        ax.axvline(info["default"], color=OKABE_ITO["vermillion"], lw=1.2, label="default")
        ax.axvline(info["calibrated"], color=OKABE_ITO["black"], lw=1.2, ls="--", label="calibrated (median)")
        if log:
            ax.set_xscale("log")
        ax.set_xlim(info["prior"]["low"], info["prior"]["high"])
        ax.set_title(_short(key))
        ax.set_yticks([])
    for k in range(len(keys), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    axes[0][0].legend(loc="upper right", frameon=False, fontsize=7)
    return save(fig, path)


@styled
def pairs(post: pd.DataFrame, params: dict, path: Path) -> Path:
    """Accepted points, pair by pair (size and colour by weight); rejected ABC points in grey."""
    keys = list(params)
    n = len(keys)
    fig, axes = new_figure(n, n, width=min(7.5, 1.9 * n + 1), height=min(7.5, 1.9 * n + 0.6))
    kept, rest = post[post["weight"] > 0], post[post["weight"] <= 0]
    for i, ki in enumerate(keys):
        for j, kj in enumerate(keys):
            ax = axes[i][j]
            if i == j:
                bins, log = _grid(params[ki]["prior"])
                ax.hist(kept[ki], bins=bins, weights=kept["weight"], color=OKABE_ITO["blue"])
                if log:
                    ax.set_xscale("log")
                ax.set_yticks([])
            else:
                ax.scatter(rest[kj], rest[ki], s=4, color=OKABE_ITO["grey"], alpha=0.4)
                ax.scatter(kept[kj], kept[ki], s=6 + 60 * kept["weight"] / max(kept["weight"].max(), 1e-12),
                           c=OKABE_ITO["blue"], alpha=0.7)
                for k, axis in ((kj, "x"), (ki, "y")):
                    if params[k]["prior"].get("log"):
                        getattr(ax, f"set_{axis}scale")("log")
                ax.set_xlim(params[kj]["prior"]["low"], params[kj]["prior"]["high"])
                ax.set_ylim(params[ki]["prior"]["low"], params[ki]["prior"]["high"])
            if i == n - 1:
                ax.set_xlabel(_short(kj), fontsize=7)
            if j == 0 and i != j:
                ax.set_ylabel(_short(ki), fontsize=7)
            ax.tick_params(labelsize=6)
    return save(fig, path)


@styled
def waves(table: pd.DataFrame, path: Path) -> Path:
    """History matching: the share of the prior not ruled out before each stage, and the design's implausibility."""
    fig, axes = new_figure(1, 2, width=7.5, height=2.6)
    labels = [str(w) for w in table["wave"]]
    axes[0][0].bar(labels, table["nroy_before"], color=OKABE_ITO["blue"])
    axes[0][0].set_ylim(0, 1)
    axes[0][0].set_title("share of the prior not ruled out (NROY)")
    axes[0][0].set_xlabel("stage (wave, then ABC)")
    hm = table[table["wave"].astype(str) != "abc"]
    axes[0][1].bar([str(w) for w in hm["wave"]], hm["design_below_cutoff"], color=OKABE_ITO["green"],
                   label="design points below the cut-off")
    axes[0][1].plot([str(w) for w in hm["wave"]], hm["median_max_implausibility"] / max(
        float(hm["median_max_implausibility"].max()), 1e-9), "o-", color=OKABE_ITO["vermillion"],
        label="median max implausibility (scaled)")
    axes[0][1].set_ylim(0, 1.05)
    axes[0][1].set_title("implausibility per wave")
    axes[0][1].set_xlabel("wave")
    axes[0][1].legend(frameon=False, fontsize=7, loc="lower left")
    return save(fig, path)


@styled
def ppc(table: pd.DataFrame, path: Path) -> Path:
    """Pass rate of every observation and pattern per case: posterior draws against the defaults."""
    labels = [f"{r.case}: {r.label or r.item}" + ("" if r.fitted else " (held out)") for r in table.itertuples()]
    y = np.arange(len(table))
    fig, axes = new_figure(1, 1, width=7.5, height=0.32 * len(table) + 1.2)
    ax = axes[0][0]
    ax.barh(y - 0.2, table["posterior_pass_rate"], height=0.4, color=OKABE_ITO["blue"], label="posterior draws")
    ax.barh(y + 0.2, table["defaults_pass_rate"], height=0.4, color=OKABE_ITO["orange"], label="defaults")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("pass rate across runs")
    ax.legend(frameon=False, loc="lower right", fontsize=7)
    return save(fig, path)


@styled
def discovery(traj: pd.DataFrame, chosen: int, outcome: str, path: Path) -> Path:
    """PRIM's peeling trajectory: coverage against density, coloured by the number of restricted parameters."""
    fig, axes = new_figure(1, 1, width=5.0, height=3.4)
    ax = axes[0][0]
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=18)
    ax.plot(traj["coverage"], traj["density"], color=OKABE_ITO["grey"], lw=0.6, zorder=0)
    r = traj.loc[chosen]
    ax.scatter([r["coverage"]], [r["density"]], s=90, facecolors="none", edgecolors=OKABE_ITO["vermillion"], lw=1.5,
               label=f"chosen box (step {chosen})")
    ax.set_xlabel(f"coverage (share of '{outcome}' runs in the box)")
    ax.set_ylabel(f"density (share of box runs '{outcome}')")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    fig.colorbar(sc, ax=ax, label="restricted parameters")
    ax.legend(frameon=False, loc="lower left", fontsize=7)
    return save(fig, path)
