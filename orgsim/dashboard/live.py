"""The dashboard's charts: matplotlib figures built once per model and updated in place.

Building a figure from scratch for every frame (axes, ticks, legend, a new network drawing)
cost about a third of a second per frame, so the dashboard played about one simulated week a
second. Here each chart keeps its figure for the life of a model, and a frame only moves data
into its artists (``set_data``, ``set_offsets``). The static part (axes, ticks, labels, legend)
is rendered once and kept as a bitmap (matplotlib's blitting: ``copy_from_bbox`` /
``restore_region``); a frame draws only the changing artists over it and encodes one PNG at a
low compression level. It is re-rendered only when it changes (an axis that has to grow, a new
faction in the legend). The time axis (calendar dates when the scenario has a ``start_date``)
starts at a year and doubles when the run reaches its end, up to the horizon, so it moves a few
times per run rather than every week, and the first weeks are visible even in a century-long run.
Ties between branches are drawn as one line per pair of branches (width: number of ties)
rather than thousands of member-to-member lines.

A :class:`Frame` is a copy of what the charts need, taken under the model's lock: the model may
be stepping in another thread (the dashboard plays with Mesa's threaded play loop).
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from orgsim.model.state import LEADER, NO_FACTION, ORGANISER, ROLE_NAMES
from orgsim.outputs.plots.network import (POSITION_RANGE, Snapshot, choose_rows, layout, place_leaders)
from orgsim.outputs.plots.style import CYCLE, OKABE_ITO, POSITION_CMAP, RC, ROLE_COLOURS, Figure, date_axis, plt

DPI = 100
PNG = {"compress_level": 1}  # zlib level 1: a third of the encode time of the default, files ~20% larger
ROLES = ((0, "o", 9, "member"), (ORGANISER, "s", 40, "organiser"), (LEADER, "*", 110, "leader"))
NO_FACTION_COLOUR = "#DDDDDD"


@dataclass
class Frame:
    """What the charts show at one moment, copied from the model (see DashboardModel.frame)."""

    steps: int
    week: int
    weeks: int
    start_date: dt.date | None
    series: dict[str, np.ndarray]       # one value per collected row (row k: after week k)
    snap: Snapshot
    key_events: list[tuple[int, str, str]] = field(default_factory=list)
    status: str = "running"

    @property
    def rows(self) -> int:
        return len(next(iter(self.series.values())))

    def when(self, week: int) -> str:
        """A week as a date (the scenario has a start_date) or as "week N"."""
        if self.start_date is None:
            return f"week {week}"
        return (self.start_date + dt.timedelta(weeks=int(week))).isoformat()


def time_axis(start_date: dt.date | None, weeks: int):
    """x value of every row 0..weeks (matplotlib date numbers, or week numbers) and the axis label."""
    rows = np.arange(weeks + 1, dtype=float)
    if start_date is None:
        return rows, "week"
    import matplotlib.dates as mdates

    return mdates.date2num(np.datetime64(start_date, "D") + (7 * rows).astype("timedelta64[D]")), "date"


class Blitter:
    """Render a figure's static part once; per frame, paint the animated artists over it."""

    def __init__(self, fig, animated):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig, self.animated = fig, list(animated)
        self.canvas = FigureCanvasAgg(fig)
        for a in self.animated:
            a.set_animated(True)
        self.background = None

    def invalidate(self) -> None:
        self.background = None

    def png(self) -> bytes:
        from PIL import Image

        with plt.rc_context(RC):
            if self.background is None:
                self.canvas.draw()
                self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            else:
                self.canvas.restore_region(self.background)
            for a in self.animated:
                (a.axes or self.fig).draw_artist(a)
        rgb = np.asarray(self.canvas.buffer_rgba())[..., :3]
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="png", **PNG)
        return buf.getvalue()


def nice_top(value: float) -> float:
    """An axis top above ``value`` from 1, 1.5, 2, 3, 5, 7.5 x 10^k: the axis grows in few steps."""
    value = max(value, 4.0) * 1.08
    k = 10 ** np.floor(np.log10(value))
    return float(next(m * k for m in (1, 1.5, 2, 3, 5, 7.5, 10) if m * k >= value))


class LineChart:
    """Lines over the whole horizon; a frame moves the data in and re-encodes the PNG."""

    def __init__(self, frame: Frame, series, ylabel: str, title: str, ylim=None):
        self.series, self.fixed = series, ylim
        self.x, xlabel = time_axis(frame.start_date, frame.weeks)
        self.lock = threading.Lock()
        with plt.rc_context(RC):
            self.fig = Figure(figsize=(6, 3.0), dpi=DPI)
            self.fig.subplots_adjust(left=0.12, right=0.97, bottom=0.16, top=0.9)
            ax = self.ax = self.fig.subplots()
            self.lines = [ax.plot([], [], color=colour, ls=style, label=label)[0]
                          for _, label, colour, style in series]
            self.span = None
            if xlabel == "date":
                ax.xaxis_date()
                date_axis(ax, maxticks=8)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.set_ylim(*(ylim or (0, 4.5)))
            ax.set_title(title, loc="left", fontsize=9)
            ax.legend(loc="upper left", fontsize=7, frameon=False)
        self.top = None
        self.blit = Blitter(self.fig, self.lines)
        self._fit_x(frame.rows)

    def _fit_x(self, rows: int) -> None:
        """x from the start to 52 weeks, doubled until it holds the rows so far (at most the horizon)."""
        span = 52
        while span < rows - 1 and span < self.x.size - 1:
            span *= 2
        span = min(span, self.x.size - 1)
        if span != self.span:
            self.span = span
            self.ax.set_xlim(self.x[0], self.x[span])
            self.blit.invalidate()

    def png(self, frame: Frame) -> bytes:
        with self.lock:
            n = min(frame.rows, self.x.size)
            self._fit_x(n)
            top = 0.0
            for line, (col, *_) in zip(self.lines, self.series):
                y = frame.series[col][:n]
                line.set_data(self.x[:n], y)
                if y.size:
                    top = max(top, float(np.nanmax(y)))
            if not self.fixed:  # counts of persons: from zero, never a fractional axis while nothing happens
                top = nice_top(top)
                if top != self.top:
                    self.top = top
                    self.ax.set_ylim(0, top)
                    self.blit.invalidate()
            return self.blit.png()


class NetworkChart:
    """Members around their branches (layout fixed per model), coloured by position, faction or role."""

    def __init__(self, frame: Frame, max_drawn: int, title: str):
        snap = frame.snap
        self.branches, self.sampled = choose_rows([snap], max_drawn)
        self.base, self.centre = layout(snap, self.branches)
        # branch centres: the mean of each branch's jittered places (nan for branches not drawn)
        branch = snap.state["branch"]
        nb = int(max(branch.max() + 1, snap.n_branches))
        ok = ~np.isnan(self.base[:, 0])
        total = np.zeros((nb, 2))
        np.add.at(total, branch[ok], self.base[ok])
        count = np.bincount(branch[ok], minlength=nb)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            self.centres = total / count
        self.title = title
        self.views: dict[str, tuple] = {}
        self.lock = threading.Lock()

    def _view(self, color_by: str):
        """Figure and artists for one colouring, built the first time it is shown."""
        if color_by in self.views:
            return self.views[color_by]
        from matplotlib.collections import LineCollection
        from matplotlib.colors import Normalize

        with plt.rc_context(RC):
            fig = Figure(figsize=(6, 4.4), dpi=DPI)
            fig.subplots_adjust(left=0.02, right=0.8 if color_by == "position" else 0.74, bottom=0.02, top=0.9)
            ax = fig.subplots()
            edges = LineCollection([], colors=OKABE_ITO["grey"], alpha=0.45, zorder=0, capstyle="round")
            ax.add_collection(edges)
            norm = Normalize(*POSITION_RANGE)
            dots = {}
            for code, marker, size, label in ROLES:
                kw = dict(cmap=POSITION_CMAP, norm=norm) if color_by == "position" else {}
                dots[code] = ax.scatter(np.empty(0), np.empty(0), c=np.empty(0) if kw else None, s=size,
                                        marker=marker, linewidths=0.2 if code == 0 else 0.8, edgecolors="black",
                                        zorder=2 + code, label=label, **kw)
            xy = self.base[~np.isnan(self.base[:, 0])]
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            pad = 0.06 * max(hi - lo)
            ax.set_xlim(lo[0] - pad, hi[0] + pad)
            ax.set_ylim(lo[1] - pad, hi[1] + pad)
            ax.set_aspect("equal", adjustable="box")
            ax.set_axis_off()
            title = ax.set_title("", loc="left", fontsize=9)
            if color_by == "position":
                cax = fig.add_axes((0.84, 0.06, 0.025, 0.5))  # below the legend of roles
                cb = fig.colorbar(dots[0], cax=cax, extend="both")
                cb.set_label("political position (0 to 1)", fontsize=7)
                line = cax.axhline(0.5, color="black", lw=1.5)
            else:
                line = None
            animated = [edges, *dots.values(), title] + ([line] if line is not None else [])
        self.views[color_by] = (fig, ax, edges, dots, title, line, Blitter(fig, animated), ["(none yet)"])
        return self.views[color_by]

    def png(self, frame: Frame, color_by: str) -> bytes:
        with self.lock:
            fig, ax, edges, dots, title, line, blit, shown = self._view(color_by)
            snap = frame.snap
            s = snap.state
            xy = place_leaders(snap, self.base, self.centre)
            rows = np.flatnonzero(snap.members & ~np.isnan(xy[:, 0]))
            segs, widths = self._bundles(snap, rows)
            edges.set_segments(segs)
            edges.set_linewidths(widths)
            role, faction = s["role"][rows], s["faction"][rows]
            ids = sorted(set(faction.tolist()) - {NO_FACTION})
            palette = {f: CYCLE[i % len(CYCLE)] for i, f in enumerate(ids)}
            for code, *_ in ROLES:
                r = rows[role == code]
                sc = dots[code]
                sc.set_offsets(xy[r] if r.size else np.empty((0, 2)))
                if color_by == "position":
                    sc.set_array(s["pos"][r])
                elif color_by == "role":
                    sc.set_facecolor([ROLE_COLOURS[ROLE_NAMES[code]]] * r.size)
                else:
                    sc.set_facecolor([palette.get(int(f), NO_FACTION_COLOUR) for f in s["faction"][r]])
            if line is not None:
                line.set_ydata([snap.line, snap.line])
            legend = ids[:8] + [len(ids)] if color_by == "faction" else None
            if legend != shown[0]:  # the legend is part of the static background
                shown[0] = legend
                self._legend(ax, color_by, ids, palette)
                blit.invalidate()
            n = int(snap.members.sum())
            title.set_text(f"{self.title}, {frame.when(frame.week)}: {n} members"
                           + (" (sample of branches)" if self.sampled else "") + f"; colour: {color_by}")
            return blit.png()

    def _bundles(self, snap: Snapshot, rows: np.ndarray):
        """Ties between branches (the leadership body counts as one) as one line per pair of branch
        centres, its width growing with the number of ties; ties within a branch are its cluster."""
        s = snap.state
        leaders = s["role"] == LEADER
        coo = sp.triu(snap.ties[rows][:, rows], k=1).tocoo()
        a, b = rows[coo.row], rows[coo.col]
        ga = np.where(leaders[a], -1, s["branch"][a])
        gb = np.where(leaders[b], -1, s["branch"][b])
        cross = ga != gb
        if not cross.any():
            return np.empty((0, 2, 2)), []
        pairs, counts = np.unique(np.sort(np.stack([ga[cross], gb[cross]], 1), axis=1), axis=0, return_counts=True)
        centre = np.vstack([self.centres, self.centre])  # row -1: the leadership ring
        segs = np.stack([centre[pairs[:, 0]], centre[pairs[:, 1]]], axis=1)
        return segs, 0.3 + 0.6 * np.sqrt(counts)

    @staticmethod
    def _legend(ax, color_by: str, ids: list[int], palette: dict) -> None:
        """Roles by marker (and colour when coloured by role); factions by colour, up to eight."""
        from matplotlib.lines import Line2D

        handles, labels = [], []
        for code, marker, size, label in ROLES:
            face = ROLE_COLOURS[label] if color_by == "role" else "white"
            handles.append(Line2D([], [], ls="", marker=marker, ms={0: 5, ORGANISER: 7, LEADER: 11}[code],
                                  mfc=face, mec="black", mew=0.8))
            labels.append(label)
        if color_by == "faction":
            handles.append(Line2D([], [], ls="", marker="o", ms=6, mfc=NO_FACTION_COLOUR, mec="black", mew=0.3))
            labels.append("no faction")
            for f in ids[:8]:
                handles.append(Line2D([], [], ls="", marker="o", ms=6, mfc=palette[f], mec="black", mew=0.3))
                labels.append(f"faction {f}")
            if len(ids) > 8:
                handles.append(Line2D([], [], ls=""))
                labels.append(f"+{len(ids) - 8} more")
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False,
                  title="roles" + (" and factions" if color_by == "faction" else ""), title_fontsize=7)

