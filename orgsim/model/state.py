"""Per-person state: one NumPy array per variable, one row per person of the milieu.

Rows cover the whole milieu: members and the periphery of potential recruits. A row whose
member leaves returns to the periphery after a while as a new person (``pid`` changes).
Agents (:mod:`orgsim.model.agents`) are views onto these rows.

Invariant relied on by the cached ``member`` mask: a row's status changes to or from MEMBER only
together with the creation or removal of its agent, which calls :meth:`State.touch` (through
``OrgModel.register_agent`` / ``deregister_agent``). Code that changes ``status`` or
``suspended_until`` any other way must call ``touch()`` itself.
"""

from __future__ import annotations

import numpy as np

# status codes
PERIPHERY, MEMBER, LEFT = 0, 1, 2
# role codes
RANK_AND_FILE, ORGANISER, LEADER = 0, 1, 2
ROLE_NAMES = {RANK_AND_FILE: "member", ORGANISER: "organiser", LEADER: "leader"}
NO_FACTION = -1
NEVER = -(10**9)


class State:
    """Arrays of per-person state, all of length ``n`` (the milieu size)."""

    FLOATS = ("pos", "grievance", "trust", "fear", "commitment", "threshold", "risk_aversion",
              "injustice", "discredit", "strain", "resentment", "efficacy", "popularity", "base_trust", "identity")
    INTS = ("status", "role", "branch", "faction", "joined", "left_week", "charged_week",
            "hearing_week", "suspended_until", "sanction_level", "pid", "critic")
    BOOLS = ("voicing", "hidden", "establishment", "implicated", "cross_offence")

    def __init__(self, n: int):
        self.n = n
        for name in self.FLOATS:
            setattr(self, name, np.zeros(n))
        for name in self.INTS:
            setattr(self, name, np.zeros(n, dtype=np.int64))
        for name in self.BOOLS:
            setattr(self, name, np.zeros(n, dtype=bool))
        self.faction[:] = NO_FACTION
        self.charged_week[:] = NEVER
        self.hearing_week[:] = NEVER
        self.left_week[:] = NEVER
        self.critic[:] = -1
        self.pid[:] = np.arange(n)
        self.version = 0  # bumped by touch(); keys the cached masks
        self._member_version = -1
        self._member = np.zeros(n, dtype=bool)

    def touch(self) -> None:
        """Declare that ``status`` or ``suspended_until`` changed: cached masks are recomputed."""
        self.version += 1

    @property
    def member(self) -> np.ndarray:
        """Members in good standing or suspended (cached, read-only: copy before changing it)."""
        if self._member_version != self.version:
            self._member = self.status == MEMBER
            self._member.flags.writeable = False
            self._member_version = self.version
        return self._member

    def suspended(self, week: int) -> np.ndarray:
        return self.member & (self.suspended_until > week)

    def engaged(self, week: int) -> np.ndarray:
        """Members who take part: members not suspended."""
        return self.member & (self.suspended_until <= week)
