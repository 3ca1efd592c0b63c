"""Network snapshots: the members' ties at chosen weeks, coloured by position, faction or role.

A run folder stores no network, but its resolved scenario.toml and seed reproduce the run
exactly, so :func:`capture` re-runs the model and copies the state at the weeks asked for
(checking on the way that the replay matches the stored time series). Layout: branches are
placed by a networkx spring layout of the branch graph (weighted by cross-branch ties), with the
leadership body as one more node; each person sits at a fixed jitter around his branch, so the
picture is stable from week to week. Large organisations are drawn as a sample of whole
branches (plus the leaders), so local structure stays intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from orgsim.outputs.plots import COLOR_BY
from orgsim.errors import OrgsimError
from orgsim.outputs.plots.style import (CYCLE, OKABE_ITO, POSITION_CMAP, ROLE_COLOURS, new_figure, styled)
from orgsim.model.state import LEADER, MEMBER, NO_FACTION, ORGANISER, ROLE_NAMES

MAX_NODES = 2000
POSITION_RANGE = (0.2, 0.8)
FIELDS = ("pos", "faction", "role", "status", "branch", "voicing", "hidden", "trust")


@dataclass
class Snapshot:
    week: int
    date: str | None
    line: float
    state: dict[str, np.ndarray]
    ties: sp.csr_matrix          # all ties between rows (within + cross), 0/1
    n_branches: int

    @property
    def members(self) -> np.ndarray:
        return self.state["status"] == MEMBER


def snapshot(model) -> Snapshot:
    """Copy what the drawing needs from a live model (the week just recorded)."""
    s = model.state
    week = max(model.week - 1, 0)
    date = model.scenario.week_date(week)
    return Snapshot(week, date.isoformat() if date else None, float(model.line),
                    {f: getattr(s, f).copy() for f in FIELDS}, (model.net.within + model.net.cross).tocsr(),
                    model.n_branches)


def default_weeks(last: int, k: int = 4) -> list[int]:
    return sorted(set(int(round(w)) for w in np.linspace(0, last, k)))


def capture(folder: Path, weeks: list[int], timeseries: pd.DataFrame | None = None,
            show_progress: bool | None = None) -> list[Snapshot]:
    """Re-run a run folder's resolved scenario and copy the state at each of ``weeks``.

    The replay can take a while (the ISO case: 536 weeks): on a terminal a bar shows its weeks
    (``show_progress=None``), elsewhere nothing is printed."""
    from orgsim.model.model import OrgModel
    from orgsim.model.scenario import load_scenario
    from orgsim.outputs.progress import steps

    folder = Path(folder)
    toml = folder / "scenario.toml"
    if not toml.is_file():
        raise OrgsimError(f"{folder}: no scenario.toml to re-run for a network snapshot")
    scenario = load_scenario(toml)
    if timeseries is not None:
        last = int(timeseries["week"].max())
        late = [w for w in weeks if w > last or w < 0]
        if late:
            raise OrgsimError(f"{folder}: week {late[0]} is outside the run (weeks 0..{last})")
    model = OrgModel(scenario)
    wanted, out = sorted(set(weeks)), []
    label = f"replaying {scenario.name} for network snapshots"
    with steps(label, (wanted[-1] + 1) if wanted else 0, show_progress) as advance:
        while wanted and model.running:
            model.step()
            advance(description=f"week {model.recorder.rows - 1}")
            recorded = model.recorder.rows - 1
            if recorded == wanted[0]:
                wanted.pop(0)
                if timeseries is not None:
                    _check_replay(folder, model, timeseries, recorded)
                out.append(snapshot(model))
    if wanted:
        raise OrgsimError(f"{folder}: the replay ended before week {wanted[0]}")
    return out


def _check_replay(folder: Path, model, ts: pd.DataFrame, week: int) -> None:
    row = ts.loc[ts["week"] == week]
    if row.empty:
        return
    stored, now = int(row["members"].iloc[0]), int(model.recorder.data["members"][week])
    if stored != now:
        raise OrgsimError(f"{folder}: re-running scenario.toml does not reproduce timeseries.csv "
                          f"(week {week}: {now} members, stored {stored}); was it written by another orgsim version?")


# --------------------------------------------------------------------------- layout
def choose_rows(snaps: list[Snapshot], max_nodes: int = MAX_NODES, seed: int = 0) -> tuple[np.ndarray, bool]:
    """Branches to draw: all, or a random sample of whole branches of about ``max_nodes`` members."""
    branch = snaps[0].state["branch"]
    nb = snaps[0].n_branches
    if max(int(s.members.sum()) for s in snaps) <= max_nodes:
        return np.arange(nb), False
    sizes = np.max([np.bincount(branch[s.members], minlength=nb) for s in snaps], axis=0)
    order = np.random.default_rng(seed).permutation(nb)
    take = order[: max(1, int(np.searchsorted(np.cumsum(sizes[order]), max_nodes)))]
    return np.sort(take), True


def layout(snap: Snapshot, branches: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x, y of every row of the drawn branches (branch centre from a spring layout of the branch
    graph, plus a fixed per-person jitter; nan elsewhere) and the centre of the leadership ring."""
    import networkx as nx

    s = snap.state
    branch, n = s["branch"], s["branch"].size
    leaders = (s["role"] == LEADER) & snap.members
    # branch graph weighted by the number of ties between branches; the leadership body is node -1
    coo = sp.triu(snap.ties, k=1).tocoo()
    a = np.where(leaders[coo.row], -1, branch[coo.row])
    b = np.where(leaders[coo.col], -1, branch[coo.col])
    nodes = np.array([-1, *branches.tolist()])
    ok = (a != b) & np.isin(a, nodes) & np.isin(b, nodes)
    g = nx.Graph()
    g.add_nodes_from(nodes.tolist())
    if ok.any():
        pairs, counts = np.unique(np.stack([a[ok], b[ok]], 1), axis=0, return_counts=True)
        g.add_weighted_edges_from((int(u), int(v), float(c)) for (u, v), c in zip(pairs, counts))
    centres = nx.spring_layout(g, seed=seed, weight="weight", k=1.6 / np.sqrt(len(g)))
    rng = np.random.default_rng(seed + 1)
    nb = int(max(branch.max() + 1, snap.n_branches))
    size = np.bincount(branch[snap.members], minlength=nb)
    radius = 0.35 / np.sqrt(len(g)) * np.sqrt(size / max(size.max(), 1))
    centre = np.full((nb, 2), np.nan)
    for b_ in branches:
        centre[b_] = centres[int(b_)]
    ang, rad = rng.uniform(0, 2 * np.pi, n), np.sqrt(rng.uniform(0, 1, n))
    xy = centre[branch] + (rad * radius[branch])[:, None] * np.c_[np.cos(ang), np.sin(ang)]
    return xy, np.asarray(centres[-1])


def place_leaders(snap: Snapshot, xy: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """This snapshot's leaders on a small ring at the centre of the leadership node."""
    out = xy.copy()
    li = np.flatnonzero((snap.state["role"] == LEADER) & snap.members)
    t = 2 * np.pi * np.arange(li.size) / max(li.size, 1)
    out[li] = centre + 0.06 * np.c_[np.cos(t), np.sin(t)]
    return out


# --------------------------------------------------------------------------- drawing
def draw_network(ax, snap: Snapshot, xy: np.ndarray, color_by: str = "position", show_colorbar: bool = True):
    """Draw the members of one snapshot on ``ax``; return the scatter artist of rank and file."""
    from matplotlib.collections import LineCollection

    if color_by not in COLOR_BY:
        raise OrgsimError(f"colour by {color_by!r}: choose one of {', '.join(COLOR_BY)}")
    s = snap.state
    drawn = snap.members & ~np.isnan(xy[:, 0])
    rows = np.flatnonzero(drawn)
    coo = sp.triu(snap.ties[rows][:, rows], k=1).tocoo()
    segs = np.stack([xy[rows[coo.row]], xy[rows[coo.col]]], axis=1)
    ax.add_collection(LineCollection(segs, colors=OKABE_ITO["grey"], linewidths=0.25, alpha=0.25, zorder=0))
    role = s["role"]
    colours, cmap, norm = _colours(snap, rows, color_by)
    artist = None
    for code, marker, size, label in ((0, "o", 9, "member"), (ORGANISER, "s", 40, "organiser"),
                                      (LEADER, "*", 110, "leader")):
        sel = role[rows] == code
        if not sel.any():
            continue
        r = rows[sel]
        sc = ax.scatter(xy[r, 0], xy[r, 1], c=colours[sel] if cmap is None else s["pos"][r], cmap=cmap, norm=norm,
                        s=size, marker=marker, linewidths=0.2 if code == 0 else 0.8, edgecolors="black",
                        zorder=2 + code, label=label)
        artist = artist or sc
    if color_by == "position" and show_colorbar and artist is not None:
        cb = ax.figure.colorbar(artist, ax=ax, shrink=0.7, pad=0.01, extend="both")
        cb.set_label("political position (0 to 1)")
        cb.ax.axhline(snap.line, color="black", lw=1.5)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.autoscale_view()
    return artist


def _colours(snap: Snapshot, rows: np.ndarray, color_by: str):
    from matplotlib.colors import Normalize

    s = snap.state
    if color_by == "position":
        # members cluster near the line: a 0.2-0.8 scale keeps their differences visible
        return None, POSITION_CMAP, Normalize(POSITION_RANGE[0], POSITION_RANGE[1])
    if color_by == "role":
        return np.array([ROLE_COLOURS[ROLE_NAMES[int(r)]] for r in s["role"][rows]]), None, None
    fac = s["faction"][rows]
    ids = sorted(set(fac.tolist()) - {NO_FACTION})
    palette = {f: CYCLE[i % len(CYCLE)] for i, f in enumerate(ids)}
    return np.array([palette.get(int(f), "#DDDDDD") for f in fac]), None, None


def legend_entries(snaps: list[Snapshot], rows_branches, color_by: str) -> tuple[list, list]:
    from matplotlib.lines import Line2D

    h, lab = [], []
    for marker, size, label in (("o", 5, "member"), ("s", 7, "organiser"), ("*", 11, "leader")):
        colour = ROLE_COLOURS[label] if color_by == "role" else "white"
        h.append(Line2D([], [], ls="", marker=marker, ms=size, mfc=colour, mec="black", mew=0.8))
        lab.append(label)
    if color_by == "faction":
        ids = sorted(set(np.concatenate([s.state["faction"][s.members] for s in snaps]).tolist()) - {NO_FACTION})
        h.append(Line2D([], [], ls="", marker="o", ms=6, mfc="#DDDDDD", mec="black", mew=0.3))
        lab.append("no faction")
        for i, f in enumerate(ids[:8]):
            h.append(Line2D([], [], ls="", marker="o", ms=6, mfc=CYCLE[i % len(CYCLE)], mec="black", mew=0.3))
            lab.append(f"faction {f}")
    return h, lab


@styled
def network_figure(snaps: list[Snapshot], color_by: str = "position", title: str = "",
                   max_nodes: int = MAX_NODES, seed: int = 0):
    """One panel per snapshot, the same layout in all; returns the Figure."""
    if not snaps:
        raise OrgsimError("no network snapshots to draw")
    branches, sampled = choose_rows(snaps, max_nodes, seed)
    base, centre = layout(snaps[0], branches, seed)
    ncols = min(len(snaps), 2)
    nrows = int(np.ceil(len(snaps) / ncols))
    fig, axes = new_figure(nrows, ncols, height=3.4 * nrows + 0.8)
    for ax, snap in zip(axes.flat, snaps):
        xy = place_leaders(snap, base, centre)
        draw_network(ax, snap, xy, color_by, show_colorbar=(ax is axes.flat[ncols - 1]))
        n_members = int(snap.members.sum())
        shown = int((snap.members & ~np.isnan(xy[:, 0])).sum())
        when = f"week {snap.week}" + (f" ({snap.date})" if snap.date else "")
        ax.set_title(f"{when}\n{n_members} members" + (f", {shown} drawn" if shown < n_members else ""),
                     loc="left")
    for ax in axes.flat[len(snaps):]:
        ax.set_visible(False)
    h, lab = legend_entries(snaps, branches, color_by)
    fig.legend(h, lab, loc="outside lower center", ncol=min(len(lab), 6), frameon=False)
    note = f"sample of {branches.size} of {snaps[0].n_branches} branches; " if sampled else ""
    fig.suptitle(f"{title}\n{note}coloured by {color_by}; members grouped by branch, leaders as a ring of stars",
                 fontsize=9)
    return fig
