"""What an ecosystem run observes: the census, the flows between organisations, each
organisation's own time series (its weeks mapped to the ecosystem's) and the summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.model.observe import classify, events_frame, summary as org_summary

if TYPE_CHECKING:
    from orgsim.ecosystem.model import Ecosystem

CENSUS = ("members", "unaffiliated", "withdrawn", "milieu")
ENTRENCHED = 0.999  # weeks in which every seat is still held by the leadership of week 0
FLAT = ("final_members", "outcome", "expulsions", "transfers_out", "mean_hidden_dissent", "years_entrenched",
        "leadership_changes")
ORG_COLUMNS = ("from_milieu", "transfers_in", "transfers_out", "to_unaffiliated", "to_withdrawn",
               "outside_pull", "standing")


class EcoRecorder:
    def __init__(self, eco: "Ecosystem"):
        self.census: list[dict[str, Any]] = []
        self.per_org: list[dict[str, Any]] = []
        self.flows: list[tuple[int, str, str, int]] = []

    def record(self, eco: "Ecosystem") -> None:
        from orgsim.ecosystem.mechanisms.destinations import UNAFFILIATED, WITHDRAWN

        w = eco.week
        self.census.append({"week": w, **eco.census(), "organisations": len(eco.alive())})
        name = lambda x: eco.orgs[x].scenario.name if isinstance(x, (int, np.integer)) else str(x)  # noqa: E731
        for (src, dst), n in sorted(eco.flows.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
            self.flows.append((w, name(src), name(dst), int(n)))
        for k, org in enumerate(eco.orgs):
            if eco.founded[k] > w or (eco.ended[k] is not None and eco.ended[k] < w):
                continue
            ins = sum(n for (a, b), n in eco.flows.items() if b == k and isinstance(a, int) and a != k)
            outs = sum(n for (a, b), n in eco.flows.items() if a == k and isinstance(b, int) and b != k)
            self.per_org.append({
                "week": w, "organisation": org.scenario.name, "members": eco.members(k),
                "from_milieu": eco.flows.get(("milieu", k), 0), "transfers_in": ins, "transfers_out": outs,
                "to_unaffiliated": eco.flows.get((k, UNAFFILIATED), 0), "to_withdrawn": eco.flows.get((k, WITHDRAWN), 0),
                "outside_pull": round(org.environment.competitor_pull + org.outside_pull, 6),
                "standing": round(org.public_standing, 6),
            })


def frames(eco: "Ecosystem") -> dict[str, pd.DataFrame]:
    """timeseries (one row per organisation and week: its own columns, then the ecosystem's),
    census, flows, events and organisations (the family tree)."""
    rec = eco.recorder
    own = []
    for k, org in enumerate(eco.orgs):
        ts = org.recorder.frame(org).drop(columns=["date"], errors="ignore")
        ts["week"] += eco.founded[k]
        ts.insert(1, "organisation", org.scenario.name)
        own.append(ts)
    own_df = pd.concat(own, ignore_index=True)
    per_org = pd.DataFrame(rec.per_org, columns=["week", "organisation", "members", *ORG_COLUMNS])
    ts = per_org.merge(own_df.drop(columns=["members"]), on=["week", "organisation"], how="left")
    order = {o.scenario.name: k for k, o in enumerate(eco.orgs)}
    ts = ts.sort_values(["week", "organisation"], key=lambda c: c.map(order) if c.name == "organisation" else c,
                        kind="stable").reset_index(drop=True)
    census = pd.DataFrame(rec.census, columns=["week", *CENSUS, "organisations"])
    flows = pd.DataFrame(rec.flows, columns=["week", "source", "destination", "persons"])
    events = []
    for k, org in enumerate(eco.orgs):
        ev = events_frame(org).drop(columns=["date"], errors="ignore")
        ev["week"] += eco.founded[k]
        ev.insert(1, "organisation", org.scenario.name)
        events.append(ev)
    eco_ev = pd.DataFrame({"week": [e[0] for e in eco.events],
                           "organisation": [eco.orgs[e[1]].scenario.name for e in eco.events],
                           "kind": [e[2] for e in eco.events], "agent": -1})
    for field in ("reason", "members", "size"):
        eco_ev[field] = [e[3].get(field) for e in eco.events]
    eco_ev["founded"] = [e[3].get("organisation") for e in eco.events]
    events_df = pd.concat([*events, eco_ev], ignore_index=True).sort_values("week", kind="stable").reset_index(drop=True)
    events_df["week"] = events_df["week"].astype(np.int64)
    events_df["agent"] = events_df["agent"].astype(np.int64)
    return {"timeseries": ts, "census": census, "flows": flows, "events": events_df,
            "organisations": organisations(eco, ts)}


def organisations(eco: "Ecosystem", ts: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for k, org in enumerate(eco.orgs):
        mine = ts[ts["organisation"] == org.scenario.name]
        initial = org.recorder.initial_members
        final = eco.members(k)
        weeks = int(len(mine))
        rows.append({
            "organisation": org.scenario.name,
            "parent": "" if eco.parent[k] is None else eco.orgs[eco.parent[k]].scenario.name,
            "founded_week": eco.founded[k], "ended_week": eco.ended[k], "end": eco.end[k],
            "initial_members": initial, "final_members": final,
            "peak_members": int(max(initial, mine["members"].max() if weeks else initial)),
            "outcome": classify(initial, final, org.dissolved or eco.end[k] == "emptied",
                                max(org.splits, default=0), weeks=max(weeks, 1)),
            "voting": org.regime.voting, "faction_rights": org.regime.faction_rights,
            "dissent_penalty": org.regime.dissent_penalty,
        })
    return pd.DataFrame(rows)


def summary(eco: "Ecosystem", fr: dict[str, pd.DataFrame]) -> dict[str, Any]:
    census = fr["census"]
    last = census.iloc[-1].to_dict() if len(census) else eco.census()
    first_members = sum(o.recorder.initial_members for o in eco.orgs[: len(eco.scenario.organisations)])
    flows = fr["flows"]
    names = [o.scenario.name for o in eco.orgs]
    between = flows[flows["source"].isin(names) & flows["destination"].isin(names)]
    per_org, flat = {}, {}
    for k, org in enumerate(eco.orgs):
        ts = org.recorder.frame(org)
        s = org_summary(org, ts)
        s.pop("orgsim_version", None)
        s.pop("dissolution_votes", None)
        s.pop("reform_votes", None)
        s["final_members"] = eco.members(k)
        s["years_entrenched"] = round(float((ts["old_leadership_share"] >= ENTRENCHED).sum()) / 52.0, 3)
        s["mean_hidden_dissent"] = round(float((ts["hidden_dissent"] / ts["members"].clip(lower=1)).mean()), 6)
        s["transfers_out"] = int(fr["timeseries"].loc[fr["timeseries"]["organisation"] == org.scenario.name,
                                                       "transfers_out"].sum())
        per_org[org.scenario.name] = s
        if k < len(eco.scenario.organisations):  # the initial organisations' headline figures, as sweep metrics
            for key in FLAT:
                flat[f"{org.scenario.name}_{key}"] = s[key]
    return {
        "scenario": eco.scenario.name,
        "seed": eco.scenario.seed,
        "weeks_run": int(len(census)),
        "organisations_initial": len(eco.scenario.organisations),
        "organisations_founded": len(eco.orgs) - len(eco.scenario.organisations),
        "organisations_ended": len(eco.ended_orgs()),
        "organisations_final": len(eco.alive()),
        "initial_members": int(first_members),
        "final_members": int(last["members"]),
        "final_unaffiliated": int(last["unaffiliated"]),
        "withdrawn": int(last["withdrawn"]),
        "milieu": int(last["milieu"]),
        "movements_between_organisations": int(between["persons"].sum()),
        "largest_share": round(max((eco.members(k) for k in range(len(eco.orgs))), default=0)
                               / max(1, int(last["members"])), 6),
        "milieu_survival": round(int(last["members"]) / max(1, first_members), 6),
        **flat,
        "organisations": per_org,
        "orgsim_version": eco.version,
    }
