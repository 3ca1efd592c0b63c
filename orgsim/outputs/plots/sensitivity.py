"""Bar charts of sensitivity indices: Morris mu* and sigma, or Sobol S1 and ST, one panel per output."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.outputs.plots.style import OKABE_ITO, RC, plt

# Main index first: parameters are ordered by it, largest at the top.
BARS = {
    "morris": (("mu_star", "mu* (mean |elementary effect|)", OKABE_ITO["blue"]),
               ("sigma", "sigma (interactions, non-linearity)", OKABE_ITO["orange"])),
    "sobol": (("ST", "ST (total effect)", OKABE_ITO["blue"]),
              ("S1", "S1 (first order)", OKABE_ITO["orange"])),
}


def index_chart(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Parameters ordered by the main index of the first output (largest at the top), shared by all panels."""
    method = table["method"].iloc[0]
    outputs = list(dict.fromkeys(table["output"]))
    bars = BARS[method]
    first = table[(table["statistic"] == bars[0][0]) & (table["output"] == outputs[0])].set_index("parameter")
    order = first["value"].fillna(0).sort_values(kind="stable").index
    y = np.arange(len(order))
    height = 0.38
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, len(outputs), figsize=(2.8 * len(outputs) + 2.4, 0.42 * len(order) + 1.5),
                                 squeeze=False, sharey=True, constrained_layout=True)
        for ax, output in zip(axes[0], outputs):
            sub = table[table["output"] == output]
            for k, (stat, label, colour) in enumerate(bars):
                s = sub[sub["statistic"] == stat].set_index("parameter").reindex(order)
                err = s["conf"].to_numpy(dtype=float)
                ax.barh(y + (k - 0.5) * -height, s["value"].fillna(0), height=height, color=colour, label=label,
                        xerr=None if np.all(np.isnan(err)) else np.nan_to_num(err),
                        error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": OKABE_ITO["black"]})
            if sub["value"].isna().all():
                ax.text(0.5, 0.5, "undefined\n(constant output)", transform=ax.transAxes, ha="center",
                        va="center", color=OKABE_ITO["grey"])
            ax.set_title(output)
            ax.axvline(0, color=OKABE_ITO["grey"], lw=0.6)
        axes[0][0].set_yticks(y, order)
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
        if title:
            fig.suptitle(title)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.png")
        fig.savefig(tmp, metadata={"Software": None})
        plt.close(fig)
    os.replace(tmp, path)
    return path
