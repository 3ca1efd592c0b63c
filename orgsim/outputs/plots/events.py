"""Which logged events matter to a reader, and how they are marked on time axes.

The model logs many small events (every charge, censure, resignation); charts and reports show
the few that structure a run's story. A critique is logged by its author as a ``voiced`` event
with reason "critique", so it is recognised from that reason (or, in run folders of orgsim before
events.csv had detail columns, from a detail text starting with "critique").
"""

from __future__ import annotations

import pandas as pd

from orgsim.outputs.plots.palette import EVENT_COLOURS, OKABE_ITO, event_x

# Kinds drawn as vertical lines on time axes: (kind, label, colour, line style, width).
LINES = (
    ("convention", "convention", EVENT_COLOURS["convention"], ":", 0.8),
    ("scandal", "scandal", EVENT_COLOURS["scandal"], "-", 1.2),
    ("critique", "critique circulated", EVENT_COLOURS["critique"], "-.", 1.0),
    ("leadership_change", "leadership change", EVENT_COLOURS["leadership_change"], "-", 1.2),
    ("regime_change", "regime change", EVENT_COLOURS["regime_change"], "--", 1.0),
    ("split", "split", EVENT_COLOURS["split"], "-", 1.2),
    ("dissolution_vote", "dissolution vote", OKABE_ITO["black"], "--", 0.8),
    ("dissolved", "dissolution", EVENT_COLOURS["dissolved"], "-", 2.0),
)
# Frequent kinds drawn as a rug of short ticks along the top of each panel.
RUG = (("expelled", "expulsion", EVENT_COLOURS["expelled"]),)
# Kinds listed in a report's key-event table, in this order of importance for ties in the same week.
KEY_KINDS = ("convention", "slate_vote", "proposal", "leadership_change", "regime_change", "scandal", "stood_down",
             "critique", "expelled", "faction_formed", "split", "disaffiliated", "dissolution_vote", "dissolved")


def detail_text(events: pd.DataFrame) -> pd.Series:
    """A short readable text of each event's detail columns (for tables), e.g. "faction 3, size 12"."""
    from orgsim.model.observe import EVENT_COLUMNS

    cols = [c for c in EVENT_COLUMNS if c in events.columns]
    if not cols:
        return pd.Series("", index=events.index, dtype=object)

    def text(row) -> str:
        parts = []
        for c in cols:
            v = row[c]
            if v is None or (isinstance(v, float) and pd.isna(v)) or v == "":
                continue
            if isinstance(v, float) and v.is_integer() and c not in ("severity", "approval", "support", "share",
                                                                   "grievance", "old_share_before", "old_share_after"):
                v = int(v)
            parts.append(str(v) if c in ("label", "reason", "result") else f"{c.replace('_', ' ')} {v}")
        return ", ".join(parts)

    return events[cols].apply(text, axis=1).astype(object) if len(events) else pd.Series([], dtype=object)


def normalise(events: pd.DataFrame) -> pd.DataFrame:
    """Events with critiques re-labelled as kind ``critique`` and a readable ``detail`` text; an
    empty frame keeps its columns."""
    ev = events.copy()
    if ev.empty:
        return ev.reindex(columns=list(dict.fromkeys([*ev.columns, "week", "kind", "agent", "detail"])))
    if "detail" in ev.columns:  # a run folder of an older orgsim: one detail text
        detail = ev["detail"].fillna("").astype(str)
        critique = detail.str.startswith("critique")
    else:
        reason = ev["reason"].fillna("").astype(str) if "reason" in ev.columns else pd.Series("", index=ev.index)
        critique = reason == "critique"
        detail = detail_text(ev)
    ev.loc[(ev["kind"] == "voiced") & critique, "kind"] = "critique"
    ev["detail"] = detail
    return ev


def weeks_of(events: pd.DataFrame, kind: str) -> list[int]:
    return sorted(set(int(w) for w in events.loc[events["kind"] == kind, "week"]))


def mark_events(ax, ts: pd.DataFrame, events: pd.DataFrame) -> list[tuple]:
    """Draw event lines and the expulsion rug on ``ax``; return legend entries (handle, label) used."""
    from matplotlib.lines import Line2D

    used = []
    for kind, label, colour, style, width in LINES:
        weeks = weeks_of(events, kind)
        for x in event_x(ts, weeks):
            ax.axvline(x, color=colour, lw=width, ls=style, alpha=0.85, zorder=0.5)
        if weeks:  # one line a week, but the legend counts the events (two slate votes in one week are two)
            n = int((events["kind"] == kind).sum())
            used.append((Line2D([], [], color=colour, lw=width, ls=style), f"{label} ({n})"))
    for kind, label, colour in RUG:
        rows = events.loc[events["kind"] == kind, "week"]
        if len(rows):
            xs = event_x(ts, rows.astype(int))
            ax.plot(xs, [0.985] * len(xs), ls="", marker="|", ms=6, mew=1, color=colour,
                    transform=ax.get_xaxis_transform(), clip_on=False, zorder=3)
            used.append((Line2D([], [], ls="", marker="|", ms=8, mew=1.2, color=colour), f"{label} ({len(rows)})"))
    return used


def key_events(events: pd.DataFrame) -> pd.DataFrame:
    """The rows of the events table a reader wants: structure-changing events, in time order."""
    ev = normalise(events)
    ev = ev[ev["kind"].isin(KEY_KINDS)].copy()
    ev["_order"] = ev["kind"].map({k: i for i, k in enumerate(KEY_KINDS)})
    ev = ev.sort_values(["week", "_order"], kind="stable").drop(columns="_order")
    return ev.reset_index(drop=True)
