"""Charts of one run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orgsim.plots.style import EVENT_COLOURS, OKABE_ITO, RC, event_x, finish_time_axis, plt, x_values

MARKED = ("convention", "scandal", "critique", "leadership_change", "regime_change", "split", "dissolved")


def mark_events(ax, ts: pd.DataFrame, events: pd.DataFrame, labels: bool = False) -> None:
    seen = set()
    for kind in MARKED:
        weeks = sorted(set(events.loc[events["kind"] == kind, "week"]))
        for x in event_x(ts, weeks):
            ax.axvline(x, color=EVENT_COLOURS[kind], lw=0.8, ls=":" if kind == "convention" else "-",
                       alpha=0.8, label=kind.replace("_", " ") if labels and kind not in seen else None)
            seen.add(kind)


def overview(ts: pd.DataFrame, events: pd.DataFrame, summary: dict, path: Path) -> Path:
    """Members by role and flows, voiced vs hidden dissent, trust and grievance; events marked."""
    x, xlabel = x_values(ts)
    with plt.rc_context(RC):
        fig, axes = plt.subplots(3, 1, figsize=(7.5, 8), sharex=True, constrained_layout=True)
        ax = axes[0]
        ax.plot(x, ts["members"], color=OKABE_ITO["black"], label="members")
        ax.set_ylabel("members (persons)")
        ax2 = ax.twinx()
        ax2.plot(x, ts["organisers"], color=OKABE_ITO["orange"], lw=1, label="organisers")
        ax2.plot(x, ts["leaders"], color=OKABE_ITO["blue"], lw=1, label="leaders")
        ax2.set_ylabel("staff (persons)")
        ax2.spines["right"].set_visible(True)
        mark_events(ax, ts, events, labels=True)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", ncol=3, frameon=False)
        ax.set_title(f"{summary['scenario']} (seed {summary['seed']}): outcome {summary['outcome']}")

        ax = axes[1]
        ax.plot(x, ts["voiced_dissent"], color=OKABE_ITO["vermillion"], label="voiced dissent")
        ax.plot(x, ts["hidden_dissent"], color=OKABE_ITO["purple"], ls="--", label="hidden dissent")
        ax.plot(x, ts["faction_members"], color=OKABE_ITO["green"], lw=1, label="in factions")
        ax.set_ylabel("members (persons)")
        mark_events(ax, ts, events)
        ax.legend(loc="upper left", frameon=False)

        ax = axes[2]
        ax.plot(x, ts["mean_trust"], color=OKABE_ITO["blue"], label="mean trust in leadership")
        ax.plot(x, ts["mean_grievance"], color=OKABE_ITO["vermillion"], label="mean grievance")
        ax.plot(x, ts["old_leadership_share"], color=OKABE_ITO["grey"], lw=1, label="old leadership's share of seats")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("level (0 to 1)")
        ax.set_xlabel(xlabel)
        mark_events(ax, ts, events)
        ax.legend(loc="upper left", frameon=False)
        finish_time_axis(ax, ts)
        fig.savefig(path)
        plt.close(fig)
    return path
