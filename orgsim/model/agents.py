"""Members, organisers and leaders as Mesa agents.

An agent holds no numeric state of its own: its attributes are views onto its row of the
model's :class:`~orgsim.model.state.State` arrays, which the weekly mechanisms update in bulk.
Its methods carry the discrete, rare actions (voice, charge, censure, suspend, expel, join or
leave a faction, resign, split away), each of which logs an event.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa

from orgsim.model.state import LEFT, LEADER, MEMBER, NEVER, NO_FACTION, ORGANISER, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class Column:
    """Descriptor: an attribute that reads and writes the agent's row of a state array."""

    def __init__(self, array: str | None = None):
        self.array = array

    def __set_name__(self, owner, name):
        self.name = self.array or name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.model.state, self.name)[agent.row].item()

    def __set__(self, agent, value):
        getattr(agent.model.state, self.name)[agent.row] = value


class _IdCounters(weakref.WeakKeyDictionary):
    """Each model's counter of agent ids (1, 2, ...), forgotten with the model.

    Mesa 3.3's ``Agent._ids`` is a class-level dict keyed by the model itself, so it keeps every
    model ever built alive, with all its agents and arrays (mesa issue #3179, fixed in Mesa 3.4,
    which needs Python 3.12): a sweep worker grew by ~2.5 MB a run. Same ids, weak keys."""

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            self[model] = counter = itertools.count(1)
            return counter


class Person(mesa.Agent):
    """A member of the organisation (any role), bound to one row of the state arrays."""

    role_code = RANK_AND_FILE
    model: "OrgModel"
    _ids = _IdCounters()  # replaces mesa.Agent._ids for orgsim's agents (see _IdCounters)

    position = Column("pos")
    grievance = Column()
    trust = Column()
    fear = Column()
    commitment = Column()
    branch = Column()
    faction = Column()
    voicing = Column()
    hidden = Column()
    joined = Column()
    establishment = Column()

    def __init__(self, model: "OrgModel", row: int):
        super().__init__(model)
        self.row = int(row)
        self.pid = int(model.state.pid[row])
        model.state.role[row] = self.role_code
        model.agent_at[row] = self

    def __repr__(self) -> str:
        return f"{type(self).__name__}(pid={self.pid}, branch={self.branch})"

    # ----------------------------------------------------------------- discrete actions
    def voice(self, reason: str = "", **detail) -> None:
        """Speak out: dissent becomes visible to ties and to the apparatus."""
        detail = {"reason": reason, **detail} if reason else detail
        s = self.model.state
        s.voicing[self.row] = True
        s.hidden[self.row] = False
        self.model.log("voiced", self, **detail)

    def join_faction(self, faction: int) -> None:
        self.model.state.faction[self.row] = faction

    def leave_faction(self) -> None:
        self.model.state.faction[self.row] = NO_FACTION

    def charge(self, hearing_week: int, reason: str = "", **detail) -> None:
        detail = {"reason": reason, **detail} if reason else detail
        s = self.model.state
        s.charged_week[self.row] = self.model.week
        s.hearing_week[self.row] = hearing_week
        self.model.log("charged", self, **detail)

    def clear_charge(self) -> None:
        s = self.model.state
        s.charged_week[self.row] = NEVER
        s.hearing_week[self.row] = NEVER

    def censure(self, reason: str = "", **detail) -> None:
        detail = {"reason": reason, **detail} if reason else detail
        self.model.state.sanction_level[self.row] = max(1, self.model.state.sanction_level[self.row])
        self.model.log("censured", self, **detail)

    def suspend(self, weeks: int, reason: str = "", **detail) -> None:
        detail = {"reason": reason, **detail} if reason else detail
        s = self.model.state
        s.suspended_until[self.row] = self.model.week + weeks
        s.touch()  # the engaged mask is cached
        s.sanction_level[self.row] = 2
        s.voicing[self.row] = False
        self.model.log("suspended", self, **detail)

    def expel(self, reason: str = "", **detail) -> None:
        detail = {"reason": reason, **detail} if reason else detail
        self.model.log("expelled", self, **self._with_faction(detail))
        self._depart("expulsions")

    def resign(self, reason: str = "", **detail) -> None:
        detail = {"reason": reason, **detail} if reason else detail
        self.model.log("resigned", self, **self._with_faction(detail))
        self._depart("resignations")

    def _with_faction(self, detail: dict) -> dict:
        """Departures name the faction the member belonged to, so a faction's fate can be traced."""
        f = self.model.state.faction[self.row]
        return detail if f == NO_FACTION else {**detail, "faction": int(f)}

    def split_away(self) -> None:
        self._depart("split_departures")

    def release(self) -> None:
        """The organisation has ended (an ecosystem releases its members to the milieu)."""
        self._depart("released")

    def _depart(self, flow: str) -> None:
        s = self.model.state
        r = self.row
        s.status[r] = LEFT
        s.left_week[r] = self.model.week
        s.voicing[r] = s.hidden[r] = False
        s.faction[r] = NO_FACTION
        s.charged_week[r] = s.hearing_week[r] = NEVER
        s.role[r] = RANK_AND_FILE
        self.model.flows[flow] += 1
        self.model.agent_at[r] = None
        self.remove()


class Member(Person):
    """A rank-and-file member."""

    role_code = RANK_AND_FILE


class Organiser(Person):
    """A paid organiser: ties the branches of a region to the centre and steers its delegates."""

    role_code = ORGANISER


class Leader(Person):
    """A member of the leadership body."""

    role_code = LEADER


ROLE_CLASSES = {RANK_AND_FILE: Member, ORGANISER: Organiser, LEADER: Leader}


def change_role(model: "OrgModel", agent: Person, role: int) -> Person:
    """Replace an agent by one of another role on the same row (same person)."""
    row, pid = agent.row, agent.pid
    agent.remove()
    new = ROLE_CLASSES[role](model, row)
    new.pid = pid
    assert model.state.status[row] == MEMBER
    return new
