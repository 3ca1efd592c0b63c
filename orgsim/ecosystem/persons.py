"""Persons moving between organisations: the bookkeeping of rows.

Each organisation keeps its own state arrays (:class:`orgsim.model.state.State`): its members
and the contacts of its milieu (periphery). A person is one row of one organisation at a time,
named by a ``pid`` unique in the ecosystem. A person who joins another organisation takes the
place (row, branch, ties) of one of its contacts, chosen at random, and that contact takes his
former place: persons move, places stay, so no person is lost or duplicated, and each
organisation's network stays the part of the milieu's network it always was. Ties to former
comrades are not carried over (docs/ODD.md §8, limitations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.mechanisms.recruitment import join
from orgsim.model.state import LEFT, MEMBER, NEVER, PERIPHERY

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel

# a person's own dispositions, which go with him; everything else belongs to his membership
TRAITS = ("pos", "threshold", "risk_aversion", "base_trust", "popularity", "pid")
PID_SPACE = 10**12  # organisation k numbers its new persons from k x PID_SPACE


def read(org: "OrgModel", row: int) -> dict:
    s = org.state
    return {name: getattr(s, name)[row].copy() for name in TRAITS}


def write(org: "OrgModel", row: int, person: dict) -> None:
    s = org.state
    for name, value in person.items():
        getattr(s, name)[row] = value


def make_contact(org: "OrgModel", row: int, person: dict) -> None:
    """The person becomes a contact (periphery) of ``org`` in ``row``, with nothing of a membership."""
    s = org.state
    write(org, row, person)
    org.reset_person(np.array([row]))
    s.status[row] = PERIPHERY
    s.left_week[row] = NEVER


def vacate(org: "OrgModel", row: int) -> None:
    """The person of a contact row left for another organisation's milieu: the place stays empty
    until a new person takes it (renewal, as after a departure). Dated to the week just run, so
    that it is not taken for one of next week's leavers; members tied to him count him among the
    friends who left recently (exit), as they would any departure."""
    org.state.status[row] = LEFT
    org.state.left_week[row] = org.week - 1


class Slots:
    """Free contact rows of each organisation (listed when it first receives someone this week), taken
    at random with the ecosystem's generator by the persons who join it."""

    def __init__(self, rng: np.random.Generator, orgs: list["OrgModel"], busy: list[np.ndarray]):
        self.rng, self.orgs, self.busy = rng, orgs, busy
        self.free: dict[int, np.ndarray] = {}
        self.left: dict[int, int] = {}

    def take(self, k: int) -> int | None:
        """A free contact row of organisation k drawn at random (None when there is none left)."""
        if k not in self.free:
            s = self.orgs[k].state
            self.free[k] = np.flatnonzero((s.status == PERIPHERY) & ~self.busy[k])
            self.left[k] = self.free[k].size
        n = self.left[k]
        if n == 0:
            return None
        i = int(self.rng.integers(n))
        free = self.free[k]
        row = int(free[i])
        free[i] = free[n - 1]  # the last free row takes the place of the one taken
        self.left[k] = n - 1
        return row


def move(orgs: list["OrgModel"], src: int, row: int, dst: int, slots: Slots) -> bool:
    """The person in ``orgs[src]``'s row (a contact, or someone who just left) joins ``orgs[dst]``:
    he takes a free contact row of ``dst``, whose person takes his row as a contact of ``src``.
    False (nothing moves) when ``dst`` has no free contact row."""
    slot = slots.take(dst)
    if slot is None:
        return False
    a, b = orgs[src], orgs[dst]
    mover, contact = read(a, row), read(b, slot)
    make_contact(a, row, contact)
    write(b, slot, mover)
    b.state.status[slot] = PERIPHERY  # join() makes the member and his agent
    join(b, np.array([slot]))
    return True


def live_pids(orgs: list["OrgModel"], active: list[np.ndarray]) -> np.ndarray:
    """The pids of every person present in the milieu: members, contacts and active former members."""
    out = []
    for org, act in zip(orgs, active):
        s = org.state
        present = (s.status == MEMBER) | (s.status == PERIPHERY) | act
        out.append(s.pid[present])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
