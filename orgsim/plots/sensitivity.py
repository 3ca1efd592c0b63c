"""Bar charts of sensitivity indices: Morris mu* and sigma, or Sobol S1 and ST, one panel per output."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.plots.style import OKABE_ITO, RC, plt

# Main index first: parameters are ordered by it, largest at the top.
BARS = {
    "morris": (("mu_star", "mu* (mean |elementary effect|)", OKABE_ITO["blue"]),
               ("sigma", "sigma (interactions, non-linearity)", OKABE_ITO["orange"])),
    "sobol": (("ST", "ST (total effect)", OKABE_ITO["blue"]),
              ("S1", "S1 (first order)", OKABE_ITO["orange"])),
}


def index_chart(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    method = table["method"].iloc[0]
    outputs = list(dict.fromkeys(table["output"]))
    bars = BARS[method]
    first = table[table["statistic"] == bars[0][0]]
    n_params = first["parameter"].nunique()
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, len(outputs), figsize=(3.6 * len(outputs) + 1.6, 0.45 * n_params + 1.6),
                                 squeeze=False, constrained_layout=True)
        for ax, output in zip(axes[0], outputs):
            sub = table[table["output"] == output]
            main = sub[sub["statistic"] == bars[0][0]].set_index("parameter")
            order = main["value"].sort_values().index  # ascending: largest bar at the top
            y = np.arange(len(order))
            height = 0.38
            for k, (stat, label, colour) in enumerate(bars):
                s = sub[sub["statistic"] == stat].set_index("parameter").reindex(order)
                err = s["conf"].to_numpy()
                ax.barh(y + (0.5 - k) * height, s["value"], height=height, color=colour, label=label,
                        xerr=None if np.all(np.isnan(err)) else np.nan_to_num(err),
                        error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": OKABE_ITO["black"]})
            ax.set_yticks(y, order)
            ax.set_title(output)
            ax.axvline(0, color=OKABE_ITO["grey"], lw=0.6)
        axes[0][0].legend(loc="lower right", frameon=False)
        if title:
            fig.suptitle(title)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.png")
        fig.savefig(tmp, metadata={"Software": None})
        plt.close(fig)
    os.replace(tmp, path)
    return path
