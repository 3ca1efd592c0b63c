"""OrgModel: the organisation as a Mesa model, stepped week by week.

The model owns the per-person state arrays (:mod:`orgsim.state`), the network
(:mod:`orgsim.network`) and one Mesa agent per member (:mod:`orgsim.agents`). Each week it
applies the scheduled events, then the submodels in a fixed order (see ``SCHEDULE`` and the
ODD document), then records observations.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from typing import Any

import mesa
import numpy as np
import scipy.sparse as sp

from orgsim import __version__
from orgsim.agents import Leader, Member, Organiser, Person
from orgsim.mechanisms import (convention, critique, discipline, dissolution, exit, factions, grievance,
                               influence, information, recruitment, scandal, voice)
from orgsim.mechanisms.regime import cross_weight
from orgsim.network import assign_branches, build_network
from orgsim.observe import Recorder
from orgsim.scenario import Environment, Regime, Scenario
from orgsim.state import LEADER, MEMBER, NO_FACTION, ORGANISER, PERIPHERY, State

# The weekly schedule after events: (name, function). Order matters and is documented in ODD §3.
SCHEDULE = (
    ("information", information.step),
    ("influence", influence.step),
    ("grievance", grievance.step),
    ("voice", voice.step),
    ("factions", factions.step),
    ("discipline", discipline.step),
    ("exit", exit.step),
    ("recruitment", recruitment.step),
    ("dissolution", dissolution.step),
)
INITIAL_LINE = 0.5
# tie_sum extracts the engaged members' ties (once a week) only for networks with more ties than this
EXTRACT_TIES = 1_000_000
# member ties are built afresh when they cover this many rows per member (rows of leavers weigh
# nothing but cost time); rebuilding often costs more
REBUILD = 1.1
# tie_uniforms draws every uniform when at least one tie in this many is needed (jumping ahead is then slower)
JUMP_RATIO = 1000  # a jump costs ~2 us in Python, a uniform ~2 ns


class OrgModel(mesa.Model):
    """An organisation under a regime and an environment.

    Args:
        scenario: a validated :class:`~orgsim.scenario.Scenario`.
        seed: an int or a ``numpy.random.SeedSequence``; defaults to ``scenario.seed``.
            Every random draw of the run comes from the one generator seeded here.
    """

    #: When True, every cached mask and tie sum is checked against a fresh computation (tests).
    verify_caches = False

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence | None = None):
        seed = scenario.seed if seed is None else seed
        super().__init__(rng=np.random.default_rng(seed))
        self.scenario = scenario
        self.params = scenario.parameters
        self.regime: Regime = scenario.regime.model_copy()
        self.environment: Environment = scenario.environment.model_copy()
        self.week = 0
        self.initial_line = INITIAL_LINE
        self.dissolved = False
        self.dissolved_week: int | None = None
        self.events: list[tuple[int, str, int, str]] = []
        self.flows = defaultdict(int)
        self.news: list = []
        self.critics: list[int] = []
        self.factions: set[int] = set()
        self.factions_formed = 0
        self.splits: list[int] = []
        self.dissolution_votes: list[dict[str, Any]] = []
        self.last_dissolution_vote = -10**9
        self.conventions_held = 0
        self.seat_changes = 0
        self.public_standing = 1.0
        self._engaged_key = None   # (week, state.version) of the cached engaged mask
        self._leaders_version = -1
        self._seats_changed = 0  # Leader agents made or removed: keys the cached leader rows
        self._ties: _Ties | None = None
        self._among: _MemberTies | None = None
        self._member_rows_version = -1
        self._engaged_ties_key = None  # keys the cached count of engaged ties (member_tie_sum)
        self._edges = None
        self._setup()
        self.calendar = self._calendar()
        self.recorder = Recorder(self)

    # ------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        org, net = self.scenario.organisation, self.scenario.network
        n_members = org.members
        self.n = n = n_members + int(round(org.periphery * n_members))
        self.n_branches = org.branches
        self.n_seats = org.leaders
        self.next_pid = n
        s = self.state = State(n)
        s.branch[:] = assign_branches(self.rng, n_members, n, org.branches, net.branch_size_sd)
        self.branch_size = np.maximum(np.bincount(s.branch, minlength=org.branches), 1).astype(float)
        self.draw_traits(np.arange(n), around=self.initial_line)
        s.status[:n_members] = MEMBER
        s.status[n_members:] = PERIPHERY
        # tenure at week 0: up to ten years
        s.joined[:n_members] = -self.rng.integers(0, 520, n_members)
        s.trust[:n_members] = s.base_trust[:n_members]
        s.commitment[:n_members] = 0.6

        # staff: leaders and regional organisers, drawn from the members
        k_org = org.n_organisers
        staff = self.rng.choice(n_members, size=org.leaders + k_org, replace=False)
        leaders, organisers = staff[: org.leaders], staff[org.leaders:]
        regions = np.array_split(self.rng.permutation(org.branches), max(k_org, 1))
        self.region_of_branch = np.full(org.branches, -1)
        for k, region in enumerate(regions[:k_org]):
            self.region_of_branch[region] = k
            # the organiser lives in one of the branches of his region
            s.branch[organisers[k]] = region[0]
        self.organiser_rows = organisers.copy()
        s.pos[leaders] = np.clip(self.rng.normal(self.initial_line, 0.03, leaders.size), 0, 1)
        s.trust[staff] = s.base_trust[staff] = np.clip(s.base_trust[staff] + 0.15, 0, 1)
        s.establishment[leaders] = True
        s.joined[staff] = -520
        self.net = build_network(self.rng, s.branch, net.within_degree, net.cross_degree, organisers,
                                 [r for r in regions[:k_org]], leaders)
        self._rebuild_adjacency()

        self.agent_at: list[Person | None] = [None] * n
        role_class = np.zeros(n_members, dtype=np.int64)
        role_class[organisers] = ORGANISER
        role_class[leaders] = LEADER
        for row in range(n_members):
            {0: Member, ORGANISER: Organiser, LEADER: Leader}[int(role_class[row])](self, row)

    def draw_traits(self, rows: np.ndarray, around: float) -> None:
        """Fixed dispositions of new persons of the milieu."""
        s, org, vp = self.state, self.scenario.organisation, self.params.voice
        k = rows.size
        s.pos[rows] = np.clip(self.rng.normal(around, org.initial_spread, k), 0.0, 1.0)
        s.threshold[rows] = np.clip(self.rng.normal(vp.threshold, vp.threshold_sd, k), 0.01, 1.0)
        s.risk_aversion[rows] = self.rng.uniform(0.0, 2.0 * vp.risk_aversion, k)
        s.base_trust[rows] = np.clip(self.rng.normal(org.initial_trust, 0.08, k), 0.0, 1.0)
        s.popularity[rows] = self.rng.normal(0.0, self.params.convention.popularity_sd, k)
        for name in ("grievance", "strain", "resentment", "fear", "injustice", "discredit", "commitment"):
            getattr(s, name)[rows] = 0.0
        s.trust[rows] = s.base_trust[rows]
        s.establishment[rows] = s.implicated[rows] = s.cross_offence[rows] = False
        s.voicing[rows] = s.hidden[rows] = False
        s.critic[rows] = -1
        s.faction[rows] = NO_FACTION
        s.sanction_level[rows] = 0

    def _rebuild_adjacency(self) -> None:
        ip = self.params.information
        w = cross_weight(self.regime, 1.0, ip.discouraged_weight, ip.forbidden_weight)
        self.adj = self.net.weighted(w)
        self._edges = None
        self._ties = None
        self._among = None
        self._engaged_ties_key = None

    @property
    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every tie as (src, dst, weight) in CSR order (built on first use: it is large)."""
        if self._edges is None:
            coo = self.adj.tocoo()
            self._edges = (coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data)
        return self._edges

    def _calendar(self) -> dict[int, list]:
        sc, reg = self.scenario, self.regime
        cal: dict[int, list] = defaultdict(list)
        explicit = []
        for ev in sc.events:
            w = sc.event_week(ev)
            cal[w].append(ev)
            if ev.kind == "convention":
                explicit.append(w)
        conventions = list(explicit)
        if reg.convention_interval > 0:
            first = reg.first_convention if reg.first_convention is not None else reg.convention_interval
            for w in range(first, sc.weeks, reg.convention_interval):
                if all(abs(w - e) > reg.convention_interval // 2 for e in explicit):
                    cal[w].append(None)  # a regular convention with no agenda
                    conventions.append(w)
        self.convention_weeks = sorted(conventions)
        return dict(cal)

    # ------------------------------------------------------------------ agents (Mesa hooks)
    def register_agent(self, agent) -> None:
        super().register_agent(agent)
        self.state.touch()  # a member joined or changed role: cached masks are stale
        if getattr(agent, "role_code", None) == LEADER:
            self._seats_changed += 1

    def deregister_agent(self, agent) -> None:
        super().deregister_agent(agent)
        self.state.touch()
        if getattr(agent, "role_code", None) == LEADER:
            self._seats_changed += 1

    # ------------------------------------------------------------------ derived quantities
    @property
    def engaged(self) -> np.ndarray:
        """Members who take part this week (cached until the week or the membership changes; read-only)."""
        key = (self.week, self.state.version)
        if self._engaged_key != key:
            e = self.state.engaged(self.week)
            e.flags.writeable = False
            self._engaged, self._engaged_rows, self._engaged_key = e, None, key
        elif self.verify_caches:
            s = self.state
            assert np.array_equal(s.member, s.status == MEMBER), "stale member mask: call state.touch()"
            assert np.array_equal(self._engaged, s.engaged(self.week)), "stale engaged mask: call state.touch()"
        return self._engaged

    @property
    def engaged_rows(self) -> np.ndarray:
        """Rows of the engaged members, ascending (cached like ``engaged``)."""
        e = self.engaged
        if self._engaged_rows is None:
            self._engaged_rows = np.flatnonzero(e)
            self._engaged_rows.flags.writeable = False
        return self._engaged_rows

    def leader_rows(self) -> np.ndarray:
        """Rows of the members holding a seat, ascending. Cached until a Leader agent is made or
        removed: seats change only that way (a role is set by the agent made for the row)."""
        s = self.state
        if self._leaders_version != self._seats_changed or self.verify_caches:
            rows = np.flatnonzero(s.member & (s.role == LEADER))
            if self.verify_caches and self._leaders_version == self._seats_changed:
                assert np.array_equal(rows, self._leaders), "stale leader rows"
            self._leaders, self._leaders_version = rows, self._seats_changed
        return self._leaders

    @property
    def line(self) -> float:
        leaders = self.leader_rows()
        return float(self.state.pos[leaders].mean()) if leaders.size else self.initial_line

    @property
    def in_preconvention(self) -> bool:
        # the first convention after this week decides: later ones start their period later still
        cw = self.convention_weeks
        i = bisect_right(cw, self.week)
        return i < len(cw) and cw[i] - self.regime.preconvention_weeks <= self.week

    # ------------------------------------------------------------------ sums over ties
    # The weekly mechanisms sum over ties. Doing it over every tie of the milieu costs most of
    # the run, yet only ties of members matter. These give the same numbers as the sparse products
    # over all ties, bit for bit: each person's sum runs over his ties in the same (column) order,
    # and the terms left out are exact zeros, which do not change a floating-point sum.
    def _week_ties(self) -> "_Ties":
        """Ties of the engaged members, built when first needed in a week. Within a week the
        engaged can only shrink (departures, suspensions) until recruitment has summed its
        contacts, so one build usually serves the whole week; it is rebuilt if anyone engaged is
        missing from it."""
        t = self._ties
        eng = self.engaged
        if t is None or t.week != self.week or (t.checked != self._engaged_key and (eng & ~t.within).any()):
            t = self._ties = _Ties(self.adj, self.engaged_rows, self.week)
        t.checked = self._engaged_key
        return t

    def tie_sum(self, x: np.ndarray | None = None, among: np.ndarray | None = None) -> np.ndarray:
        """Each person's sum of ``x`` over his ties to engaged members, weighted: ``adj @ v`` with
        v = x (1 if None) on the engaged members and 0 elsewhere. ``x`` may have one column per
        quantity (n, k). With ``among`` (ascending rows), v = x on those rows instead."""
        if among is not None:
            src, dst, w, _ = out_ties(self.adj, np.asarray(among))
            # grouped by destination, the terms come in ascending source order, as in adj @ v
            y = np.bincount(dst, weights=w if x is None else w * x[src], minlength=self.n)
            if self.verify_caches:
                full = np.zeros(self.n)
                full[among] = 1.0 if x is None else x[among]
                assert np.array_equal(y, self.adj @ full), "tie_sum(among=...) differs from adj @ v"
            return y
        if self.adj.nnz < EXTRACT_TIES:
            # small network: the product over every tie costs less than extracting members' ties
            m = self.engaged
            if x is None:
                return self.adj @ m.astype(np.float64)
            return self.adj @ np.where(m if x.ndim == 1 else m[:, None], x, 0.0).astype(np.float64, copy=False)
        t = self._week_ties()
        eng = self.engaged[t.rows]
        if x is None:
            v = eng.astype(np.float64)
        else:
            xr = x[t.rows]
            v = np.where(eng if xr.ndim == 1 else eng[:, None], xr, 0.0).astype(np.float64, copy=False)
        y = t.out_t @ v
        if self.verify_caches:
            m = self.engaged if x is None or x.ndim == 1 else self.engaged[:, None]
            ref = self.adj @ (m * (1.0 if x is None else x)).astype(np.float64)
            assert np.array_equal(y, ref), "tie_sum differs from the sparse product over all ties"
        return y

    @property
    def member_rows(self) -> np.ndarray:
        """Rows of the members (suspended included), ascending; cached like ``state.member``."""
        s = self.state
        if self._member_rows_version != s.version:
            self._member_rows = np.flatnonzero(s.member)
            self._member_rows.flags.writeable = False
            self._member_rows_version = s.version
        return self._member_rows

    def _member_ties(self) -> "_MemberTies":
        """The ties among a set of rows covering every member: kept up to date as people join
        (cheaper than extracting them each week), built afresh when too many of its rows have left."""
        a = self._among
        if a is None or a.adj is not self.adj:
            a = self._among = _MemberTies(self.adj, self.member_rows)
        elif a.version != self.state.version:
            rows = self.member_rows
            if a.size > REBUILD * rows.size + 64:
                a = self._among = _MemberTies(self.adj, rows)
            else:
                a.add(rows[~a.inside[rows]])
        a.version = self.state.version
        if self.verify_caches:
            assert a.inside[self.member_rows].all(), "member ties miss a member"
            ref = _MemberTies(self.adj, np.flatnonzero(a.inside))
            assert all(np.array_equal(x, y) for x, y in zip(a.ties(), ref.ties())), "member ties out of date"
        return a

    def engaged_ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, weight) of the ties among members, in CSR order (the part of ``edges`` among
        a set of rows covering the members), so every tie between engaged members and more: mask
        by ``engaged`` at both ends."""
        return self._member_ties().ties()

    def member_tie_sum(self, x: np.ndarray | None = None, engaged_only: bool = False) -> np.ndarray:
        """Each member's weighted sum of ``x`` (1 if None) over his ties to engaged members:
        ``(adj @ v)[member rows]`` bit for bit, with v = x on the engaged and 0 elsewhere. Other
        rows hold 0 or partial sums: use only member rows. It costs the ties among members only,
        with each member's sum read in row order (much cheaper than ``tie_sum``). The count of
        engaged ties (x None) is cached until the week or the membership changes (read-only).

        With ``engaged_only``, ``x`` holds values for the engaged rows (``engaged_rows``) only, and
        the sums are returned for those rows only."""
        m = self.engaged
        if x is None:
            if self._engaged_ties_key == self._engaged_key and not self.verify_caches:
                return self._engaged_tie_count
            v = m.astype(np.float64)
        elif engaged_only:
            v = np.zeros(self.n)
            v[self.engaged_rows] = x
        else:
            v = np.where(m, x, 0.0).astype(np.float64, copy=False)
        y = self._member_ties().csr @ v
        if self.verify_caches:
            check = self.member_rows
            assert np.array_equal(y[check], (self.adj @ v)[check]), "member_tie_sum differs from adj @ v"
            if x is None and self._engaged_ties_key == self._engaged_key:
                assert np.array_equal(y[check], self._engaged_tie_count[check]), "stale engaged tie count"
        if x is None:
            y.flags.writeable = False
            self._engaged_tie_count, self._engaged_ties_key = y, self._engaged_key
        return y[self.engaged_rows] if engaged_only else y

    def out_ties(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, weight, position) of every tie of the given rows (ascending), in CSR order;
        position indexes ``edges`` and ``adj.data``."""
        return out_ties(self.adj, rows)

    def tie_uniforms(self, pos: np.ndarray) -> np.ndarray:
        """``self.rng.random(len(edges))[pos]`` (pos ascending), leaving the generator in the same
        state, but drawing only the uniforms asked for when they are few. PCG64 makes one 64-bit
        draw per uniform and can jump ahead by any number of draws, so the skipped ones need not be
        generated."""
        total = int(self.adj.nnz)  # advance() wants Python ints
        bg = self.rng.bit_generator
        runs = np.flatnonzero(np.diff(pos) != 1) + 1 if pos.size else pos
        if type(bg) is not np.random.PCG64 or (runs.size + 1) * JUMP_RATIO > total:
            return self.rng.random(total)[pos]
        state = bg.state  # advance() clears the buffered 32-bit half-draw: keep it
        out = np.empty(pos.size)
        done = 0
        for a, b in zip(np.concatenate([[0], runs]).tolist(), np.concatenate([runs, [pos.size]]).tolist()):
            if a == b:
                continue
            p = int(pos[a])
            if p > done:
                bg.advance(p - done)
            out[a:b] = self.rng.random(b - a)
            done = p + (b - a)
        if total > done:
            bg.advance(total - done)
        if state["has_uint32"] or state["uinteger"]:
            now = bg.state
            now["has_uint32"], now["uinteger"] = state["has_uint32"], state["uinteger"]
            bg.state = now
        if self.verify_caches:
            check = np.random.Generator(np.random.PCG64())
            check.bit_generator.state = state
            assert np.array_equal(check.random(total)[pos], out), "tie_uniforms differs from a full draw"
            assert check.bit_generator.state == bg.state, "tie_uniforms left the generator elsewhere"
        return out

    def organiser_stance(self) -> np.ndarray:
        """Trust of each branch's organiser in the leadership (nan where the post is empty)."""
        s = self.state
        rows = self.organiser_rows
        alive = s.member[rows] & (s.role[rows] == ORGANISER)
        per_org = np.where(alive, s.trust[rows], np.nan)
        out = np.full(self.n_branches, np.nan)
        has = self.region_of_branch >= 0
        out[has] = per_org[self.region_of_branch[has]]
        return out

    def old_leadership_share(self) -> float:
        return float(self.state.establishment[self.leader_rows()].sum() / self.n_seats)

    def implicated_in_office(self) -> bool:
        return bool(self.state.implicated[self.leader_rows()].any())

    # ------------------------------------------------------------------ actions used by submodels
    def log(self, kind: str, agent: Person | None, detail: str = "") -> None:
        self.events.append((self.week, kind, -1 if agent is None else agent.pid, detail))

    def new_faction_id(self) -> int:
        fid = self.factions_formed
        self.factions_formed += 1
        self.factions.add(fid)
        return fid

    def change_regime(self, changes: dict[str, Any], detail: str) -> None:
        self.regime = Regime.model_validate({**self.regime.model_dump(), **changes})
        self.log("regime_change", None, f"{detail}: " + ", ".join(f"{k}={v}" for k, v in changes.items()))
        if "horizontal_communication" in changes:
            self._rebuild_adjacency()

    def leadership_changed(self, old_lost: bool) -> None:
        """A new majority takes office: part of the discredit of its predecessors goes with them."""
        if old_lost:
            self.state.discredit *= 0.5


    def dissolve(self) -> None:
        self.dissolved = True
        self.dissolved_week = self.week
        self.running = False
        self.log("dissolved", None, f"members={int(self.state.member.sum())}")

    # ------------------------------------------------------------------ the week
    def _apply_events(self) -> None:
        for ev in self.calendar.get(self.week, ()):
            if ev is None or ev.kind == "convention":
                convention.hold(self, ev)
            elif ev.kind == "scandal":
                scandal.reveal(self, ev)
            elif ev.kind == "critique":
                critique.circulate(self, ev)
            elif ev.kind == "reform":
                self.change_regime(ev.changes.as_dict(), f"reform: {ev.label}".rstrip(": "))
            elif ev.kind == "climate":
                changes = {k: v for k, v in ev.model_dump().items()
                           if k in ("climate", "competitor_pull", "practice_gap") and v is not None}
                self.environment = Environment.model_validate({**self.environment.model_dump(), **changes})
                self.log("climate", None, ", ".join(f"{k}={v}" for k, v in changes.items()))

    def step(self) -> None:
        if self.dissolved or self.week >= self.scenario.weeks:
            # Nothing happens after dissolution or the horizon: Mesa's step counter (which its
            # wrapper has just advanced) must not count this call either (model.steps == week).
            self.steps -= 1
            self.running = False
            return
        self.flows.clear()
        self._apply_events()
        for _, submodel in SCHEDULE:
            submodel(self)
            if self.dissolved:
                break
        self.recorder.record(self)
        self.week += 1
        if self.week >= self.scenario.weeks or not self.state.member.any():
            self.running = False

    def run(self) -> "OrgModel":
        while self.running:
            self.step()
        return self

    @property
    def version(self) -> str:
        return __version__


class _Ties:
    """The ties of a set of rows R (the engaged members when built), for OrgModel.tie_sum."""

    def __init__(self, adj, rows: np.ndarray, week: int):
        self.rows, self.week, self.checked = rows, week, None
        self.within = np.zeros(adj.shape[0], dtype=bool)
        self.within[rows] = True
        self.out = adj[rows]       # rows R, every column; each row's ties in CSR order
        # transposed (CSC), a product sums column by column, i.e. over R in ascending order: for
        # every person, the same sequence of additions as adj @ v, minus zero terms
        self.out_t = self.out.T


class _MemberTies:
    """The ties among a set of rows Q, as an n x n CSR matrix (rows outside Q empty), for
    OrgModel.engaged_ties and member_tie_sum. Q covers the members: rows are added as they join
    (their ties are merged in, much cheaper than extracting the submatrix again each week) and
    never removed; the owner builds it afresh when Q has grown too large.

    Exactness: each row of Q holds its ties to Q in ascending column order; for v that is 0 off Q,
    ``csr @ v`` adds at every row of Q the same nonzero terms in the same order as ``adj @ v``
    (the terms left out are zeros, which do not change a sum that started at +0)."""

    def __init__(self, adj, rows: np.ndarray):
        self.adj, self.n, self.version, self.csr = adj, adj.shape[0], None, None
        self.inside = np.zeros(self.n, dtype=bool)
        self.inside[rows] = True
        self.size = rows.size
        src, dst, w, _ = out_ties(adj, rows)
        keep = np.flatnonzero(self.inside[dst])
        self._set(np.bincount(src[keep], minlength=self.n), src[keep], dst[keep], w[keep])

    def _set(self, count: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> None:
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(count, out=indptr[1:])
        if self.csr is None:
            self.csr = sp.csr_matrix((w, dst, indptr), shape=(self.n, self.n))
        else:
            # swap in the new arrays: building a new matrix checks its arguments at some cost
            itype = self.csr.indices.dtype
            self.csr.indptr, self.csr.indices, self.csr.data = indptr.astype(itype), dst.astype(itype, copy=False), w
        self.count, self._src = count, src

    def add(self, rows: np.ndarray) -> None:
        if rows.size == 0:
            return
        n = self.n
        self.inside[rows] = True
        self.size += rows.size
        src, dst, w, _ = out_ties(self.adj, rows)
        keep = np.flatnonzero(self.inside[dst])
        src, dst, w = src[keep], dst[keep], w[keep]
        # the other direction of ties to rows already in (adj is symmetric); rows is ascending
        at_new = np.minimum(np.searchsorted(rows, dst), rows.size - 1)
        back = np.flatnonzero(rows[at_new] != dst)
        src, dst, w = (np.concatenate([src, dst[back]]), np.concatenate([dst, src[back]]),
                       np.concatenate([w, w[back]]))
        if src.size == 0:  # newcomers without ties to Q
            return
        key = src * n + dst
        order = np.argsort(key)
        src, dst, w, key = src[order], dst[order], w[order], key[order]
        # where each new entry goes among the old ones: after the entries of its row with a
        # smaller column (looked up among the rows that gain entries only)
        indptr, old_dst = self.csr.indptr, self.csr.indices
        first = np.flatnonzero(np.concatenate([[True], src[1:] != src[:-1]]))  # src is sorted
        u, k = src[first], np.diff(np.append(first, src.size))
        start, length = indptr[u], self.count[u]
        offset = np.cumsum(length) - length
        gpos = np.arange(int(length.sum())) + np.repeat(start - offset, length)
        gkey = np.repeat(u, length) * n + old_dst[gpos]
        which = np.repeat(np.arange(u.size), k)
        at = start[which] + (np.searchsorted(gkey, key) - offset[which])
        # merge, as np.insert would: new entry i lands at at[i] + i (a boolean mask places the
        # old entries faster than their positions would)
        total = old_dst.size + key.size
        new_to = at + np.arange(at.size)
        is_old = np.ones(total, dtype=bool)
        is_old[new_to] = False
        merged = []
        for old, add in ((self._src, src), (old_dst, dst), (self.csr.data, w)):
            out = np.empty(total, dtype=old.dtype)
            out[is_old] = old
            out[new_to] = add
            merged.append(out)
        count = self.count.copy()
        count[u] += k
        self._set(count, *merged)

    def ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, weight) in CSR order."""
        return self._src, self.csr.indices, self.csr.data


def out_ties(adj, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(src, dst, weight, position) of every tie of the given rows (ascending), in CSR order."""
    ip = adj.indptr
    start = ip[rows].astype(np.int64)
    count = ip[rows + 1] - start
    offset = np.cumsum(count) - count
    pos = np.arange(int(count.sum())) + np.repeat(start - offset, count)
    return np.repeat(rows, count), adj.indices[pos].astype(np.int64), adj.data[pos], pos
