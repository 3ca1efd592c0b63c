"""Charts of an ecosystem run folder: membership by organisation (stacked area), who went where
(a flow matrix), and the family tree of organisations (foundings by split, dissolutions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.errors import OrgsimError
from orgsim.outputs.plots.style import CYCLE, new_figure, save, styled

FILES = ("timeseries.csv", "census.csv", "flows.csv", "organisations.csv")


def read(folder: Path) -> dict[str, pd.DataFrame]:
    try:
        return {f.removesuffix(".csv"): pd.read_csv(folder / f) for f in FILES}
    except (OSError, ValueError) as exc:
        raise OrgsimError(f"{folder}: cannot read the ecosystem's outputs: {exc.__class__.__name__}: {exc}") from None


def _colours(names: list[str]) -> dict[str, str]:
    return {n: CYCLE[i % len(CYCLE)] for i, n in enumerate(names)}


@styled
def membership(t: dict[str, pd.DataFrame]):
    ts, orgs = t["timeseries"], t["organisations"]
    names = list(orgs["organisation"])
    wide = ts.pivot_table(index="week", columns="organisation", values="members", aggfunc="sum").reindex(columns=names)
    wide = wide.fillna(0)
    census = t["census"].set_index("week")
    fig, axes = new_figure(height=3.6)
    ax = axes[0, 0]
    colours = _colours(names)
    ax.stackplot(wide.index, [wide[n].to_numpy() for n in names], labels=names,
                 colors=[colours[n] for n in names], alpha=0.85, linewidth=0)
    ax.plot(census.index, census["members"], color="black", lw=0.8, label="all members")
    for _, o in orgs.iterrows():
        if pd.notna(o["ended_week"]):
            ax.axvline(o["ended_week"], color=colours[o["organisation"]], ls=":", lw=1)
    ax.set_ylabel("members")
    ax.set_title("Membership by organisation (dotted: an organisation ends)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=min(6, len(names) + 1), frameon=False)
    return fig


@styled
def flows(t: dict[str, pd.DataFrame]):
    fl, orgs = t["flows"], t["organisations"]
    names = list(orgs["organisation"])
    sources = ["milieu", "unaffiliated", *names]
    dests = [*names, "unaffiliated", "withdrawn"]
    m = np.zeros((len(sources), len(dests)))
    tot = fl.groupby(["source", "destination"])["persons"].sum()
    for (a, b), n in tot.items():
        if a in sources and b in dests:
            m[sources.index(a), dests.index(b)] += n
    fig, axes = new_figure(width=max(5.0, 1.0 + 0.9 * len(dests)), height=max(2.8, 0.9 + 0.45 * len(sources)))
    ax = axes[0, 0]
    im = ax.imshow(np.log1p(m), cmap="Blues", aspect="auto")
    for i in range(len(sources)):
        for j in range(len(dests)):
            if m[i, j]:
                ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center", fontsize=7,
                        color="white" if np.log1p(m[i, j]) > 0.6 * np.log1p(m.max()) else "black")
    ax.set_xticks(range(len(dests)), dests, rotation=30, ha="right")
    ax.set_yticks(range(len(sources)), sources)
    ax.set_xlabel("went to")
    ax.set_ylabel("came from")
    ax.set_title("Who went where (persons over the run; unaffiliated -> withdrawn: activism lapsed)")
    ax.spines[:].set_visible(False)
    fig.colorbar(im, ax=ax, label="log(1 + persons)", shrink=0.8)
    return fig


@styled
def family(t: dict[str, pd.DataFrame]):
    orgs, ts = t["organisations"], t["timeseries"]
    names = list(orgs["organisation"])
    horizon = int(ts["week"].max()) + 1 if len(ts) else 1
    fig, axes = new_figure(height=max(2.2, 0.6 + 0.4 * len(names)))
    ax = axes[0, 0]
    colours = _colours(names)
    y = {n: i for i, n in enumerate(names)}
    for _, o in orgs.iterrows():
        n, start = o["organisation"], int(o["founded_week"])
        end = int(o["ended_week"]) if pd.notna(o["ended_week"]) else horizon
        ax.barh(y[n], end - start, left=start, height=0.5, color=colours[n], alpha=0.85)
        label = f"{n}: {int(o['initial_members'])} -> {int(o['final_members'])}"
        if isinstance(o["end"], str) and o["end"]:
            label += f" ({o['end']})"
        ax.text(start, y[n] + 0.33, label, fontsize=7, va="bottom")
        parent = o["parent"]
        if isinstance(parent, str) and parent in y:
            ax.annotate("", xy=(start, y[n]), xytext=(start, y[parent]),
                        arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.8})
    ax.set_yticks([])
    ax.set_ylim(-0.6, len(names) - 0.1)
    ax.invert_yaxis()
    ax.set_xlim(0, horizon)
    ax.set_xlabel("week")
    ax.set_title("Family tree: foundings by split (arrows) and ends")
    return fig


CHARTS = {"membership": membership, "flows": flows, "family": family}


def ecosystem_charts(folder: Path, dest: Path | None = None, fmt: str = "png") -> list[Path]:
    folder = Path(folder)
    dest = folder if dest is None else Path(dest)
    t = read(folder)
    return [save(fig_fn(t), dest / f"{name}.{fmt}") for name, fig_fn in CHARTS.items()]
