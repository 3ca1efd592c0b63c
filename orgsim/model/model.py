"""OrgModel: the organisation as a Mesa model, stepped week by week.

The model owns the per-person state arrays (:mod:`orgsim.model.state`), the network
(:mod:`orgsim.model.network`), its ties with their caches (:mod:`orgsim.model.ties`) and one Mesa
agent per member (:mod:`orgsim.model.agents`). Each week it
applies the scheduled events, then the submodels in a fixed order (see ``SCHEDULE`` and the
ODD document), then records observations.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from functools import partial
from typing import Any

import mesa
import numpy as np

from orgsim import __version__
from orgsim.model.agents import Leader, Member, Organiser, Person
from orgsim.model.mechanisms import (convention, critique, discipline, dissolution, exit, factions, grievance,
                               influence, information, recruitment, scandal, voice)
from orgsim.model.mechanisms.regime import cross_weight
from orgsim.model.network import assign_branches, build_network, replace_member_ties
from orgsim.model.observe import COLUMNS, COUNTS, Recorder
from orgsim.model.scenario import Environment, Regime, Scenario, scenario_from
from orgsim.model.state import LEADER, MEMBER, NO_FACTION, ORGANISER, PERIPHERY, State
from orgsim.model.ties import Ties

# The weekly schedule after events: (name, function). Order matters and is documented in ODD §3.
SCHEDULE = (
    ("information", information.step),
    ("scandal", scandal.step),
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


class OrgModel(mesa.Model):
    """An organisation under a regime and an environment.

    Args:
        scenario: a validated :class:`~orgsim.model.scenario.Scenario`, a scenario name
            (``"iso_2019"``) or the path of a scenario file; default the built-in defaults.
        seed: an int or a ``numpy.random.SeedSequence``; defaults to ``scenario.seed``.
            Every random draw of the run comes from the one generator seeded here.
        rng: instead of ``seed``, anything ``numpy.random.default_rng`` takes (Mesa's convention).
        **params: scenario keys by dotted path, as keyword parameters:
            ``OrgModel("iso_2019", seed=3, regime__voting="individual")`` or
            ``OrgModel(**{"regime.voting": "individual", "weeks": 104})`` (``__`` stands for ``.``).
            So ``mesa.batch_run(OrgModel, parameters={"scenario": "baseline", "regime.voting":
            ["slate", "individual"], "seed": range(5)}, max_steps=520)`` runs a grid.

    ``datacollector`` is a Mesa ``DataCollector`` with one model reporter per time-series column
    (row k: the end of week k, as in timeseries.csv). A subclass that installs its own collector
    collects into it itself.
    """

    #: When True, every cached mask and tie sum is checked against a fresh computation (tests).
    verify_caches = False

    def __init__(self, scenario: Scenario | str | None = None, seed: int | np.random.SeedSequence | None = None,
                 *, rng=None, **params: Any):
        if seed is not None and rng is not None:
            raise ValueError("give either seed or rng, not both")
        scenario = scenario_from(scenario, params)
        seed = (scenario.seed if rng is None else rng) if seed is None else seed
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
        # whether factions were legal last week, and under which rights (factions.step)
        self.factions_were_legal, self.faction_rights_before = False, self.regime.faction_rights
        self.splits: list[int] = []
        self.dissolution_votes: list[dict[str, Any]] = []
        self.reform_votes: list[dict[str, Any]] = []
        # the week of each tabled motion's vote (None: none tabled), and its support when it last failed
        self.motions: dict[str, int | None] = {"dissolution": None, "reform": None}
        self.failed_support = {"dissolution": 0.0, "reform": 0.0}
        self.conventions_held = 0
        self.regime_changes = 0
        self.seat_changes = 0
        self.public_standing = 1.0
        # set by an ecosystem (orgsim.ecosystem): the pull of rival organisations, added to the
        # environment's competitor_pull; and the rows of each split group, for it to found from
        self.outside_pull = 0.0
        self.split_groups: list[np.ndarray] = []
        self._engaged_key = None   # (week, state.version) of the cached engaged mask
        self._leaders_version = -1
        self._seats_changed = 0  # Leader agents made or removed: keys the cached leader rows
        self.ties: Ties | None = None
        self._member_rows_version = -1
        self._setup()
        self.calendar = self._calendar()
        self.recorder = Recorder(self)
        self.datacollector = self._own_collector = mesa.DataCollector(
            model_reporters={c: partial(_latest, c) for c in COLUMNS})

    # ------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        org, net = self.scenario.organisation, self.scenario.network
        n_members = org.members
        self.n = n = n_members + int(round(org.periphery * n_members))
        self.n_branches = org.branches
        self.n_seats = org.leaders
        self.next_pid = n
        s = self.state = State(n)
        loaded = self.scenario.network_file()  # None: the whole network is generated
        if loaded is not None and loaded.branch is not None:
            # members' branches from the file; the periphery spread over them in proportion
            share = np.bincount(loaded.branch, minlength=org.branches) / n_members
            s.branch[:n_members] = loaded.branch
            s.branch[n_members:] = self.rng.choice(org.branches, size=n - n_members, p=share)
        else:
            s.branch[:] = assign_branches(self.rng, n_members, n, org.branches, net.branch_size_sd)
        self.branch_size = np.maximum(np.bincount(s.branch, minlength=org.branches), 1).astype(float)
        self.draw_traits(np.arange(n), around=self.initial_line)
        s.status[:n_members] = MEMBER
        s.status[n_members:] = PERIPHERY
        # tenure at week 0: up to ten years
        s.joined[:n_members] = -self.rng.integers(0, 520, n_members)
        s.trust[:n_members] = s.base_trust[:n_members]
        s.commitment[:n_members] = 0.6
        # political identity of the founding members, grown over their tenure (exit)
        s.identity[:n_members] = exit.socialised(self, exit.recruit_identity(self, n_members), -s.joined[:n_members])

        # staff: leaders and regional organisers, drawn from the members
        k_org = org.n_organisers
        if loaded is not None and loaded.role is not None:
            leaders, organisers = np.flatnonzero(loaded.role == LEADER), np.flatnonzero(loaded.role == ORGANISER)
            staff = np.concatenate([leaders, organisers])
        else:
            staff = self.rng.choice(n_members, size=org.leaders + k_org, replace=False)
            leaders, organisers = staff[: org.leaders], staff[org.leaders:]
        if loaded is not None and loaded.branch is not None:
            regions = self._regions_around(organisers, k_org)
        else:
            regions = np.array_split(self.rng.permutation(org.branches), max(k_org, 1))
        self.region_of_branch = np.full(org.branches, -1)
        for k, region in enumerate(regions[:k_org]):
            self.region_of_branch[region] = k
            if loaded is None or loaded.branch is None:
                # the organiser lives in one of the branches of his region
                s.branch[organisers[k]] = region[0]
        self.organiser_rows = organisers.copy()
        if loaded is not None and loaded.position is not None:
            s.pos[:n_members] = loaded.position
        else:
            s.pos[leaders] = np.clip(self.rng.normal(self.initial_line, 0.03, leaders.size), 0, 1)
        s.trust[staff] = s.base_trust[staff] = np.clip(s.base_trust[staff] + 0.15, 0, 1)
        s.establishment[leaders] = True
        s.joined[staff] = -520
        s.identity[staff] = exit.socialised(self, s.identity[staff], 520)
        self.net = build_network(self.rng, s.branch, net.within_degree, net.cross_degree, organisers,
                                 [r for r in regions[:k_org]], leaders)
        if loaded is not None:
            self.net = replace_member_ties(self.net, s.branch, loaded)
        self._rebuild_adjacency()

        self.agent_at: list[Person | None] = [None] * n
        role_class = np.zeros(n_members, dtype=np.int64)
        role_class[organisers] = ORGANISER
        role_class[leaders] = LEADER
        for row in range(n_members):
            {0: Member, ORGANISER: Organiser, LEADER: Leader}[int(role_class[row])](self, row)

    def _regions_around(self, organisers: np.ndarray, k_org: int) -> list[np.ndarray]:
        """Regions when the file places the organisers: each organiser's region holds his own
        branch (unless an earlier organiser's does), the other branches are shared out at random."""
        branches = self.scenario.organisation.branches
        perm = self.rng.permutation(branches)
        regions: list[list[int]] = [[] for _ in range(max(k_org, 1))]
        claimed: set[int] = set()
        for k, row in enumerate(organisers[:k_org]):
            b = int(self.state.branch[row])
            if b not in claimed:
                regions[k].append(b)
                claimed.add(b)
        rest = [int(b) for b in perm if int(b) not in claimed]
        for k, chunk in enumerate(np.array_split(np.array(rest, dtype=np.int64), len(regions))):
            regions[k].extend(chunk.tolist())
        return [np.array(r, dtype=np.int64) for r in regions]

    def draw_traits(self, rows: np.ndarray, around: float) -> None:
        """Fixed dispositions of new persons of the milieu."""
        s, org, vp = self.state, self.scenario.organisation, self.params.voice
        k = rows.size
        s.pos[rows] = np.clip(self.rng.normal(around, org.initial_spread, k), 0.0, 1.0)
        s.threshold[rows] = np.clip(self.rng.normal(vp.threshold, vp.threshold_sd, k), 0.01, 1.0)
        s.risk_aversion[rows] = self.rng.uniform(0.0, 2.0 * vp.risk_aversion, k)
        s.base_trust[rows] = np.clip(self.rng.normal(org.initial_trust, 0.08, k), 0.0, 1.0)
        s.popularity[rows] = self.rng.normal(0.0, self.params.convention.popularity_sd, k)
        self.reset_person(rows)

    def reset_person(self, rows: np.ndarray) -> None:
        """Clear everything a person acquires in the organisation (his fixed traits are kept)."""
        s = self.state
        for name in ("grievance", "strain", "resentment", "fear", "injustice", "discredit", "commitment", "identity"):
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
        self.ties = Ties(self.adj)  # a new matrix: its caches start afresh

    @property
    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every tie as (src, dst, weight) in CSR order (built on first use: it is large)."""
        return self.ties.edges

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
    def engaged_key(self):
        """Changes whenever the engaged may have changed (the week or the membership): keys caches."""
        return self._engaged_key

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

    # ------------------------------------------------------------------ sums over ties (orgsim.model.ties)
    def tie_sum(self, x: np.ndarray | None = None, among: np.ndarray | None = None) -> np.ndarray:
        """Each person's sum of ``x`` over his ties to engaged members (see :meth:`Ties.tie_sum`)."""
        return self.ties.tie_sum(self, x, among)

    @property
    def member_rows(self) -> np.ndarray:
        """Rows of the members (suspended included), ascending; cached like ``state.member``."""
        s = self.state
        if self._member_rows_version != s.version:
            self._member_rows = np.flatnonzero(s.member)
            self._member_rows.flags.writeable = False
            self._member_rows_version = s.version
        return self._member_rows

    def engaged_ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, weight) of the ties among members, in CSR order (see :meth:`Ties.engaged_ties`)."""
        return self.ties.engaged_ties(self)

    def member_tie_sum(self, x: np.ndarray | None = None, engaged_only: bool = False) -> np.ndarray:
        """Each member's weighted sum of ``x`` over his ties to engaged members (see
        :meth:`Ties.member_tie_sum`)."""
        return self.ties.member_tie_sum(self, x, engaged_only)

    def out_ties(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, weight, position) of every tie of the given rows (ascending), in CSR order;
        position indexes ``edges`` and ``adj.data``."""
        return self.ties.out_ties(rows)

    def tie_uniforms(self, pos: np.ndarray) -> np.ndarray:
        """``self.rng.random(len(edges))[pos]`` (pos ascending), leaving the generator in the same
        state, drawing only the uniforms asked for when they are few (see :meth:`Ties.tie_uniforms`)."""
        return self.ties.tie_uniforms(self.rng, pos, self.verify_caches)

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
    def log(self, kind: str, agent: Person | None, **fields: Any) -> None:
        """Log an event; ``fields`` are its details, each a column of events.csv
        (``orgsim.model.observe.EVENT_FIELDS``)."""
        self.events.append((self.week, kind, -1 if agent is None else agent.pid, fields))

    def new_faction_id(self) -> int:
        fid = self.factions_formed
        self.factions_formed += 1
        self.factions.add(fid)
        return fid

    def change_regime(self, changes: dict[str, Any], by: str, label: str = "") -> None:
        """Change the regime; ``by`` is "reform", "convention" or "motion" (the members' vote). One
        event per changed key."""
        self.regime = Regime.model_validate({**self.regime.model_dump(), **changes})
        self.regime_changes += 1
        for k, v in changes.items():
            self.log("regime_change", None, reason=by, label=label, key=k, value=str(v))
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
        self.log("dissolved", None, members=int(self.state.member.sum()))

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
                self.change_regime(ev.changes.as_dict(), "reform", ev.label)
            elif ev.kind == "climate":
                changes = {k: v for k, v in ev.model_dump().items()
                           if k in ("climate", "competitor_pull", "practice_gap") and v is not None}
                self.environment = Environment.model_validate({**self.environment.model_dump(), **changes})
                for k, v in changes.items():
                    self.log("climate", None, key=k, value=str(v))

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
        if self.__dict__.get("datacollector") is self._own_collector:
            self._own_collector.collect(self)
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


def _latest(column: str, model: "OrgModel"):
    """The DataCollector's reporter: the value just recorded for ``column``."""
    rec = model.recorder
    value = rec.data[column][rec.rows - 1]
    return int(value) if column in COUNTS else float(value)
