"""Ecosystem: several organisations sharing one milieu, stepped week by week.

Each organisation is an :class:`~orgsim.model.model.OrgModel` with its own members, contacts,
network, regime and events. Each week the ecosystem (ODD §8, schedule):

1. sets each organisation's outside option from its rivals (``pull``);
2. runs each living organisation's own week, in the order of founding;
3. founds organisations from this week's large enough splits (``founding``);
4. releases the members of organisations that dissolved or emptied;
5. decides who the rivals recruit from the rest of the milieu (``competition``) and where this
   week's leavers and the released go (``destinations``), then moves them;
6. lets rivals publicise purges (``polemics``);
7. records the census and the flows.

Seeding: organisation 0 is seeded with the ecosystem's seed itself, organisation k > 0 with
``SeedSequence(seed, spawn_key=(*key, k))`` and the ecosystem's own draws with spawn key
``(*key, 0)`` — so an ecosystem of one organisation, whose submodels then draw only from the
ecosystem's generator and change nothing, runs that organisation exactly as the single engine does
(tests/test_ecosystem.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from orgsim import __version__
from orgsim.ecosystem import persons
from orgsim.ecosystem.mechanisms import competition, destinations, founding, polemics, pull
from orgsim.ecosystem.scenario import EcosystemScenario, load_ecosystem
from orgsim.model.model import OrgModel
from orgsim.model.mechanisms.recruitment import renew
from orgsim.model.state import LEFT, MEMBER, PERIPHERY

ECOSYSTEM_KEY = 0  # spawn key of the ecosystem's own generator (organisation k > 0 has k)
MILIEU = "milieu"  # the source of a flow of contacts who join


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def place_line(org: OrgModel, line: float) -> None:
    """An organisation whose line stands elsewhere in the milieu: its members and contacts, drawn
    around the single engine's line, are shifted with it (no draw; nothing changes at 0.5)."""
    shift = line - org.initial_line
    if shift:
        org.state.pos[:] = np.clip(org.state.pos + shift, 0.0, 1.0)
        org.initial_line = line


class Ecosystem(mesa.Model):
    """Several organisations in one milieu.

    Args:
        scenario: an :class:`~orgsim.ecosystem.scenario.EcosystemScenario` or the path of an
            ecosystem file.
        seed: an int or a ``numpy.random.SeedSequence``; defaults to ``scenario.seed``.
    """

    def __init__(self, scenario: EcosystemScenario | str | Path, seed: int | np.random.SeedSequence | None = None):
        if not isinstance(scenario, EcosystemScenario):
            scenario = load_ecosystem(scenario)
        self.scenario = scenario
        self.prm = scenario.ecosystem
        self.seed = scenario.seed if seed is None else seed
        self.root = seed_sequence(self.seed)
        super().__init__(rng=np.random.default_rng(self.seed_for(ECOSYSTEM_KEY)))
        self.week = 0
        self.orgs: list[OrgModel] = []
        self.parent: list[int | None] = []
        self.founded: list[int] = []       # ecosystem week of each organisation's week 0
        self.ended: list[int | None] = []  # week it dissolved or emptied
        self.end: list[str] = []
        self.active: list[np.ndarray] = []  # per organisation: rows holding an unaffiliated former member
        self.founded_from: Counter = Counter()
        self.withdrawn = 0
        self.arrivals = 0
        self.initial_persons = 0
        self.flows: Counter = Counter()      # (src, dst) -> persons this week; dst an index or a word
        self.events: list[tuple[int, int, str, dict]] = []
        for k, org_scenario in enumerate(scenario.organisations):
            org = OrgModel(org_scenario, seed=self.seed if k == 0 else self.seed_for(k))
            place_line(org, scenario.lines[k] if k < len(scenario.lines) else org.initial_line)
            self.number(org, k)
            self.add(org, parent=None, founded=0, arrivals=0)
        self.initial_persons = sum(o.n for o in self.orgs)
        self.refresh()
        from orgsim.ecosystem.observe import EcoRecorder

        self.recorder = EcoRecorder(self)

    # ------------------------------------------------------------------ organisations
    def seed_for(self, key: int) -> np.random.SeedSequence:
        """Organisation k's seed (k > 0), or the ecosystem's own (ECOSYSTEM_KEY): a child of the root."""
        return np.random.SeedSequence(self.root.entropy, spawn_key=(*self.root.spawn_key, key))

    @staticmethod
    def number(org: OrgModel, k: int) -> None:
        """pids unique in the ecosystem: organisation k numbers its persons from k x PID_SPACE
        (call before any person from elsewhere is placed in it)."""
        if k:
            org.state.pid += k * persons.PID_SPACE
            org.next_pid += k * persons.PID_SPACE
            for agent in org.agent_at:
                if agent is not None:
                    agent.pid += k * persons.PID_SPACE

    def add(self, org: OrgModel, parent: int | None, founded: int, arrivals: int) -> None:
        """Append an organisation numbered by :meth:`number`. Its own Mesa DataCollector is not
        filled (its recorder keeps the same columns; the collector would cost a tenth of the week)."""
        org.datacollector = None
        self.orgs.append(org)
        self.parent.append(parent)
        self.founded.append(founded)
        self.ended.append(None)
        self.end.append("")
        self.active.append(np.zeros(org.n, dtype=bool))
        self.arrivals += arrivals

    def refresh(self) -> None:
        """What the submodels between organisations read of each: members, line, regime appeal and
        confidence radius, computed once per phase of the week (``self.view``)."""
        from orgsim.ecosystem.mechanisms.attraction import appeal

        n = len(self.orgs)
        self.view = {
            "members": np.array([self.members(k) for k in range(n)], dtype=float),
            "line": np.array([o.line for o in self.orgs]),
            "appeal": np.array([appeal(self, k) for k in range(n)]),
            "confidence": np.array([o.params.influence.confidence for o in self.orgs]),
        }

    def alive(self) -> list[int]:
        return [k for k, e in enumerate(self.ended) if e is None]

    def members(self, k: int) -> int:
        return 0 if self.ended[k] is not None else int(np.count_nonzero(self.orgs[k].state.member))

    def date(self, week: int) -> dt.date | None:
        sd = self.scenario.start_date
        return None if sd is None else sd + dt.timedelta(weeks=week)

    def log(self, k: int, kind: str, **fields: Any) -> None:
        self.events.append((self.week, k, kind, fields))

    def count(self, src: int, dst: int | str, n: int = 1) -> None:
        if n:
            self.flows[(src, dst)] += n

    # ------------------------------------------------------------------ census
    def census(self) -> dict[str, int]:
        """Members of all organisations, the unaffiliated (contacts and active former members),
        the withdrawn, and the milieu: everyone who was ever in it (initial persons + arrivals)."""
        members = sum(int(np.count_nonzero(o.state.status == MEMBER)) for o in self.orgs)
        unaffiliated = sum(int(np.count_nonzero(o.state.status == PERIPHERY) + np.count_nonzero(a))
                           for o, a in zip(self.orgs, self.active))
        return {"members": members, "unaffiliated": unaffiliated, "withdrawn": self.withdrawn,
                "milieu": self.initial_persons + self.arrivals}

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        if self.week >= self.scenario.weeks or not self.alive():
            self.steps -= 1
            self.running = False
            return
        self.flows.clear()
        self.refresh()
        pull.step(self)
        leavers: dict[int, np.ndarray] = {}
        for k in self.alive():
            org = self.orgs[k]
            before = org.next_pid
            org.split_groups.clear()
            if org.running:
                org.step()
            self.arrivals += org.next_pid - before
            self._lapse(k)
            s = org.state
            leavers[k] = np.flatnonzero((s.status == LEFT) & (s.left_week == org.week - 1))
        for k in self.ended_orgs():
            self._renew_ended(k)
        moved = {k: np.zeros(self.orgs[k].n, dtype=bool) for k in leavers}
        for k in list(leavers):
            for group in self.orgs[k].split_groups:
                if group.size < self.prm.found_min:
                    continue
                new = founding.found(self, k, group)
                if new is not None:
                    moved[k][group] = True
                    self.count(k, new, int(group.size))
            self.orgs[k].split_groups.clear()
        for k in list(leavers):
            org = self.orgs[k]
            if org.dissolved or not org.state.member.any():
                released = self._release(k)
                leavers[k] = np.union1d(leavers[k], released)
        self.refresh()
        moves = competition.decide(self)
        for k, rows in leavers.items():
            moves += destinations.decide(self, k, rows[~moved[k][rows]])
        self._carry_out(moves)
        polemics.step(self)  # the rivals' presence as it stood when this week's moves were decided
        self.recorder.record(self)
        self.week += 1
        if self.week >= self.scenario.weeks or not self.alive():
            self.running = False

    def ended_orgs(self) -> list[int]:
        return [k for k, e in enumerate(self.ended) if e is not None]

    def _lapse(self, k: int) -> None:
        """Unaffiliated former members whose place was renewed have drifted out of politics."""
        act = self.active[k]
        gone = act & (self.orgs[k].state.status != LEFT)
        n = int(np.count_nonzero(gone))
        if n:
            act[gone] = False
            self.withdrawn += n
            self.count(destinations.UNAFFILIATED, destinations.WITHDRAWN, n)

    def _renew_ended(self, k: int) -> None:
        """An ended organisation's places in the milieu are still renewed (its weeks go on)."""
        org = self.orgs[k]
        org.week = self.week - self.founded[k]
        before = org.next_pid
        renew(org)
        self.arrivals += org.next_pid - before
        self._lapse(k)

    def _release(self, k: int) -> np.ndarray:
        """An organisation that dissolved or emptied ends: its members are released to the milieu."""
        org = self.orgs[k]
        self.ended[k] = self.week
        self.end[k] = "dissolved" if org.dissolved else "emptied"
        rows = np.flatnonzero(org.state.member)
        for row in rows.tolist():
            org.agent_at[row].release()
        org.state.left_week[rows] = org.week - 1
        org.running = False
        self.log(k, "ended", reason=self.end[k], members=int(rows.size))
        return rows

    def _carry_out(self, moves: list[tuple[int, int, int]]) -> None:
        """Move the persons decided this week. A contact who joins counts as a flow from the
        milieu, an unaffiliated former member as one from the unaffiliated, this week's leaver as one
        from the organisation he left."""
        busy = [np.zeros(o.n, dtype=bool) for o in self.orgs]
        for src, row, _ in moves:
            busy[src][row] = True
        slots = persons.Slots(self.rng, self.orgs, busy)
        for src, row, dst in moves:
            s = self.orgs[src].state
            contact = s.status[row] == PERIPHERY
            was_active = bool(self.active[src][row])
            if persons.move(self.orgs, src, row, dst, slots):
                self.active[src][row] = False
                self.count(MILIEU if contact else destinations.UNAFFILIATED if was_active else src, dst)
            elif not contact and not was_active:
                # this week's leaver finds no place free in the rival: he stays unaffiliated
                self.active[src][row] = True
                self.count(src, destinations.UNAFFILIATED)

    def run(self) -> "Ecosystem":
        while self.running:
            self.step()
        return self

    @property
    def version(self) -> str:
        return __version__
