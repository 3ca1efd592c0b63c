"""Conventions: delegates, leadership elections and votes on regime changes.

Delegates. Each branch sends one delegate per ``delegate_ratio`` engaged members (at least
one), drawn without replacement with weights exp(3 b z) x experience, where experience grows
with tenure to two years and z = s (trust - 1/2) + (1 - s)(1/2 - trust) with s the trust of
the branch's organiser: a loyal organiser steers the choice to loyal members ("only the most
experienced"), a disaffected one to dissenters. b is ``organiser_bias`` for appointed
organisers and a quarter of it for elected ones. Organisers attend as delegates.

Approval. A delegate's approval of the old leadership is (1 - w) trust + w s_o + noise, with
w the organiser's sway (``organiser_sway``, a quarter for elected organisers).

Election. Each seat holder has a personal standing (popularity, minus 0.3 if implicated in a
scandal). Under a slate, the outgoing leadership proposes its loyal seat holders plus
co-opted loyal members for the other seats (who join the old leadership if elected), and the slate passes if more than half of the
delegates rate it above ``slate_threshold`` (approval plus the slate's mean standing: the
bundle). A slate voted down, or individual voting, elects seat by seat: a delegate backs an
old-leadership incumbent when approval + standing > ``seat_threshold`` and a newer one when
1 - approval + standing > ``seat_threshold``. Caucuses are represented in proportion (a
ranked, proportional ballot): a caucus holding c delegates is due c // q seats, with q the Droop
quota (delegates // (seats + 1) + 1); seats its members hold count, its most prominent delegates
take the rest, displacing the incumbents with the least support if no seat is open (under a
slate that passes, the majority takes every seat). A seat that loses a majority goes to the most
prominent opposition delegate (organisers first, then faction members, then voicing members)
when most delegates disapprove of the old leadership, else to the most trusting member; either
way the newcomer owes his seat to the delegates and is not counted as old leadership.

Defeat. When the old leadership keeps its majority, members of factions lose ``defeat_trust``
of their trust (losers' consent).

Proposals. A proposal that lowers the democratic deficit is backed by delegates with approval
below one half, one that raises it by the others. It reaches the floor with ``seconders`` of
the delegates and passes with more than half.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from orgsim.model.mechanisms.grievance import lose_trust
from orgsim.model.events import EventBase
from orgsim.model.mechanisms.regime import Regime, RegimeChanges, democratic_deficit
from orgsim.model.schema import Prob, Strict
from orgsim.model.state import LEADER, NO_FACTION, ORGANISER, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class ConventionParams(Strict):
    delegate_ratio: int = Field(10, ge=1, le=10_000, description="Members per delegate.")
    organiser_bias: Prob = Field(0.8, description="How strongly an appointed organiser steers delegate selection (elected: a quarter of it).")
    organiser_sway: Prob = Field(0.5, description="How strongly an appointed organiser sways his region's delegates (elected: a quarter of it).")
    slate_threshold: Prob = Field(0.4, description="Approval below which a delegate votes a slate down (status-quo bias).")
    seat_threshold: Prob = Field(0.5, description="Approval below which a delegate votes against an individual incumbent.")
    popularity_sd: float = Field(0.1, ge=0.0, le=1.0, description="Spread of individual leaders' personal standing.")
    seconders: Prob = Field(0.05, description="Share of delegates needed to second a proposal to the floor.")
    defeat_trust: Prob = Field(0.15, description="Trust lost by members of factions when the old leadership keeps its majority.")
    vote_noise: float = Field(0.08, ge=0.0, le=1.0, description="Standard deviation of delegates' judgement noise.")


class Proposal(Strict):
    changes: RegimeChanges = Field(description="Regime keys the proposal changes if adopted.")
    label: str = Field("", max_length=200)


class ConventionEvent(EventBase):
    kind: Literal["convention"]
    agenda: list[Proposal] = Field(default_factory=list, description="Proposals on the agenda (regime changes put to the delegates).")


def select_delegates(model: "OrgModel") -> np.ndarray:
    s, prm = model.state, model.params.convention
    m = model.engaged
    appointed = model.regime.organiser_appointment == "appointed"
    bias = prm.organiser_bias * (1.0 if appointed else 0.25)
    stance = model.organiser_stance()  # per branch, nan where no organiser
    rows = np.flatnonzero(m & (s.role == RANK_AND_FILE) & (s.charged_week < 0))
    if rows.size == 0:
        return rows
    so = np.nan_to_num(stance[s.branch[rows]], nan=0.5)
    z = so * (s.trust[rows] - 0.5) + (1.0 - so) * (0.5 - s.trust[rows])
    experience = 0.2 + np.minimum(1.0, (model.week - s.joined[rows]) / 104.0)
    key = 3.0 * bias * z + np.log(experience) + model.rng.gumbel(size=rows.size)
    order = np.lexsort((-key, s.branch[rows]))
    rows, branch = rows[order], s.branch[rows][order]
    size = np.bincount(branch, minlength=model.n_branches)
    quota = np.maximum(1, np.rint(size / prm.delegate_ratio)).astype(int)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    rank = np.arange(rows.size) - start[branch]
    chosen = rows[rank < quota[branch]]
    organisers = np.flatnonzero(m & (s.role == ORGANISER))
    return np.concatenate([chosen, organisers])


def approval(model: "OrgModel", delegates: np.ndarray) -> np.ndarray:
    s, prm = model.state, model.params.convention
    appointed = model.regime.organiser_appointment == "appointed"
    sway = prm.organiser_sway * (1.0 if appointed else 0.25)
    so = model.organiser_stance()[s.branch[delegates]]
    so = np.where(np.isnan(so) | (s.role[delegates] == ORGANISER), s.trust[delegates], so)
    a = (1.0 - sway) * s.trust[delegates] + sway * so
    return a + model.rng.normal(0.0, prm.vote_noise, delegates.size)


def standing(model: "OrgModel", seats: np.ndarray) -> np.ndarray:
    s = model.state
    return s.popularity[seats] - 0.3 * s.implicated[seats]


def hold(model: "OrgModel", ev: ConventionEvent | None) -> None:
    s, prm = model.state, model.params.convention
    delegates = select_delegates(model)
    if delegates.size == 0:
        return
    appr = approval(model, delegates)
    model.log("convention", None, delegates=int(delegates.size), approval=round(float(np.mean(appr > 0.5)), 2))
    seats = np.flatnonzero(s.member & (s.role == LEADER))
    before_old = model.old_leadership_share()
    if model.regime.voting == "slate":
        elected = _slate(model, seats, delegates, appr)
    else:
        elected = _individual(model, seats, delegates, appr)
    _install(model, seats, elected)
    after_old = model.old_leadership_share()
    if before_old >= 0.5 > after_old or before_old < 0.5 <= after_old:
        model.log("leadership_change", None, old_share_before=round(float(before_old), 2),
                  old_share_after=round(float(after_old), 2))
        model.leadership_changed(old_lost=after_old < 0.5)
    if after_old >= 0.5 and model.factions:
        # losers' consent: an opposition defeated by the old leadership loses trust in it
        opposition = np.flatnonzero(s.member & (s.faction != NO_FACTION))
        lose_trust(model, opposition, prm.defeat_trust)
    for proposal in (ev.agenda if ev else []):
        _vote_proposal(model, proposal, delegates, appr)
    model.conventions_held += 1


def _loyalists(model: "OrgModel", exclude: np.ndarray, k: int) -> np.ndarray:
    """The k most trusting engaged rank-and-file members (ties broken at random)."""
    s = model.state
    pool = np.flatnonzero(model.engaged & (s.role == RANK_AND_FILE) & (s.charged_week < 0))
    pool = np.setdiff1d(pool, exclude)
    return pool[np.argsort(-(s.trust[pool] + 0.01 * model.rng.random(pool.size)))[:k]]


def _slate(model: "OrgModel", seats: np.ndarray, delegates: np.ndarray, appr: np.ndarray) -> np.ndarray:
    s, prm = model.state, model.params.convention
    loyal = seats[s.establishment[seats] & (s.trust[seats] >= 0.5)]
    co_opted = _loyalists(model, seats, model.n_seats - loyal.size)
    slate = np.concatenate([loyal, co_opted])
    bundle = appr + (standing(model, slate).mean() if slate.size else 0.0)
    support = float(np.mean(bundle > prm.slate_threshold))
    model.log("slate_vote", None, support=round(float(support), 2), passed=bool(support > 0.5))
    if support > 0.5:
        s.establishment[co_opted] = True  # the old leadership's own choice
        return slate
    return _individual(model, seats, delegates, appr)


def _individual(model: "OrgModel", seats: np.ndarray, delegates: np.ndarray, appr: np.ndarray) -> np.ndarray:
    s, prm = model.state, model.params.convention
    support = np.array([np.mean((appr if s.establishment[seat] else 1.0 - appr) + st > prm.seat_threshold)
                        for seat, st in zip(seats, standing(model, seats))])
    kept = support > 0.5
    keep, keep_support = seats[kept], support[kept]
    # caucuses elect their quota (a ranked, proportional ballot): their winners displace the
    # incumbents with the least support when no seat is open for them
    won = _caucus_winners(model, delegates, keep)
    displaced = won.size - (model.n_seats - keep.size)
    if displaced > 0:
        keep = keep[np.sort(np.argsort(-keep_support, kind="stable")[: max(0, keep.size - displaced)])]
    s.establishment[won] = False
    open_seats = model.n_seats - keep.size - won.size
    if open_seats <= 0:
        return np.concatenate([keep, won])[: model.n_seats]
    taken = np.concatenate([seats, won])
    if np.mean(appr > 0.5) > 0.5:
        newcomers = _loyalists(model, taken, open_seats)
    else:
        newcomers = _challengers(model, delegates, appr, taken, open_seats)
    model.state.establishment[newcomers] = False  # they owe their seat to the delegates
    return np.concatenate([keep, won, newcomers])


def _caucus_winners(model: "OrgModel", delegates: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Caucus members elected on their caucus's quota: a caucus holding c delegates is due
    c // q seats, q = the Droop quota D // (seats + 1) + 1 of a ranked, proportional ballot
    (its members rank one another first). Seats it already holds count; its most prominent
    delegates (organisers first) take the rest."""
    s = model.state
    fac = s.faction[delegates]
    if not (fac != NO_FACTION).any():
        return delegates[:0]
    quota = delegates.size // (model.n_seats + 1) + 1
    won = []
    for fid, count in zip(*np.unique(fac[fac != NO_FACTION], return_counts=True)):
        due = int(count) // quota - int(np.count_nonzero(s.faction[keep] == fid))
        if due <= 0:
            continue
        pool = delegates[(fac == fid) & (s.role[delegates] != LEADER)]
        prominence = 2.0 * (s.role[pool] == ORGANISER) + model.rng.random(pool.size)
        won.append(pool[np.argsort(-prominence)[:due]])
    won = np.concatenate(won) if won else delegates[:0]
    return won[: model.n_seats]


def _challengers(model: "OrgModel", delegates, appr, exclude, k) -> np.ndarray:
    s = model.state
    pool = np.setdiff1d(delegates[appr < 0.5], exclude)
    prominence = (2.0 * (s.role[pool] == ORGANISER) + 1.0 * (s.faction[pool] != NO_FACTION)
                  + 0.5 * s.voicing[pool] + model.rng.random(pool.size) * 0.1)
    return pool[np.argsort(-prominence)[:k]]


def _install(model: "OrgModel", seats: np.ndarray, elected: np.ndarray) -> None:
    from orgsim.model.agents import change_role

    s = model.state
    elected_set = set(elected.tolist())
    model.seat_changes += len(elected_set - set(seats.tolist()))
    for row in seats:
        if row not in elected_set:
            agent = model.agent_at[row]
            change_role(model, agent, RANK_AND_FILE)
            model.log("unseated", agent)
    for row in elected:
        if s.role[row] != LEADER:
            agent = model.agent_at[row]
            was = s.role[row]
            change_role(model, agent, LEADER)
            model.log("elected", model.agent_at[row], **({"role": "organiser"} if was == ORGANISER else {}))
            s.popularity[row] = model.rng.normal(0.0, model.params.convention.popularity_sd)


def _vote_proposal(model: "OrgModel", proposal, delegates: np.ndarray, appr: np.ndarray) -> None:
    prm = model.params.convention
    changes = proposal.changes.as_dict()
    current = model.regime
    proposed = Regime.model_validate({**current.model_dump(), **changes})
    democratising = democratic_deficit(proposed) <= democratic_deficit(current)
    backers = (appr < 0.5) if democratising else (appr >= 0.5)
    share = float(backers.mean())
    label = proposal.label or ", ".join(f"{k}: {v}" for k, v in changes.items())
    if share < prm.seconders:
        model.log("proposal", None, label=label, result="not seconded", share=round(float(share), 2))
        return
    passed = share > 0.5
    model.log("proposal", None, label=label, result="adopted" if passed else "rejected", share=round(float(share), 2))
    if passed:
        model.change_regime(changes, "convention", label)
