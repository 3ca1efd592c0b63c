"""Outcome shares of replicate sets, with 95 % intervals on each proportion.

One horizontal bar per set and outcome (the outcomes seen in any set, in their usual order), the
whiskers the Wilson score interval. Sets are coloured as in the bands chart (the same order), so
the two charts of a comparison read together.
"""

from __future__ import annotations

import numpy as np

from orgsim.outputs.plots.style import CYCLE, new_figure, styled


@styled
def outcome_shares_figure(pairs: list[tuple[str, dict]], title: str = "Outcomes"):
    """``pairs``: (label, replicate-set summary with ``outcomes`` rows and ``runs``)."""
    from matplotlib.ticker import PercentFormatter

    order = [o["outcome"] for o in pairs[0][1]["outcomes"]]
    count = {(label, o["outcome"]): o for label, s in pairs for o in s["outcomes"]}
    seen = [name for name in order if any(count[(label, name)]["count"] for label, _ in pairs)] or order[:1]
    k = len(pairs)
    height = 0.8 / k
    fig, axes = new_figure(height=1.4 + 0.32 * len(seen) * max(1, k) ** 0.7)
    ax = axes[0, 0]
    y = np.arange(len(seen))
    for i, (label, s) in enumerate(pairs):
        rows = [count[(label, name)] for name in seen]
        share = np.array([r["share"] for r in rows])
        lo = np.clip(share - np.array([r["wilson_lo"] for r in rows]), 0, None)  # rounding
        hi = np.clip(np.array([r["wilson_hi"] for r in rows]) - share, 0, None)
        pos = y - 0.4 + height * (i + 0.5)
        colour = CYCLE[i % len(CYCLE)]
        ax.barh(pos, share, height=height * 0.9, color=colour, alpha=0.85,
                label=f"{label} ({s['runs']} run{'s' if s['runs'] != 1 else ''})")
        ax.errorbar(share, pos, xerr=[lo, hi], fmt="none", ecolor="#333333", elinewidth=0.9, capsize=2.5)
    ax.set_yticks(y, seen)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of runs (whiskers: 95% Wilson interval)")
    fig.legend(loc="outside lower center", ncol=1 if max(len(p[0]) for p in pairs) > 40 else min(3, k),
              frameon=False)
    ax.set_title(title, loc="left")
    return fig
