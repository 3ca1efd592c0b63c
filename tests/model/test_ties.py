"""The tie structures and caches (orgsim.model.ties) against plain computations over every tie.

Each cache must give, bit for bit, what the sparse product over the whole milieu gives, however
members join and leave; the member ties kept up to date as people join must equal ties built
afresh; drawing only the uniforms asked for must equal a full draw.
"""

import numpy as np
import pytest

from helpers import small_model
from orgsim.model import ties as T
from orgsim.model.mechanisms.recruitment import join
from orgsim.model.state import PERIPHERY


def fresh_tie_count(model):
    return model.adj @ model.engaged.astype(np.float64)


def churn(model, seed=0):
    """Some members resign and some of the milieu join (as the weekly mechanisms do)."""
    rng = np.random.default_rng(seed)
    members = [model.agent_at[r] for r in model.member_rows if model.agent_at[r] is not None]
    for agent in rng.choice(members, 12, replace=False):
        if agent.role_code == 0:
            agent.resign("test")
    outside = np.flatnonzero(model.state.status == PERIPHERY)
    join(model, np.sort(rng.choice(outside, 15, replace=False)))


@pytest.fixture(params=[False, True], ids=["product", "extracted"])
def model(request, monkeypatch):
    if request.param:  # the small model's network is below the threshold: extract its ties anyway
        monkeypatch.setattr(T, "EXTRACT_TIES", 0)
    m = small_model(seed=4)
    for _ in range(3):
        m.step()
    return m


def test_cached_sums_equal_a_fresh_computation_after_members_join_and_leave(model):
    x = np.random.default_rng(1).random(model.n)
    xs = np.random.default_rng(2).random((model.n, 3))
    for round_ in range(3):
        rows = model.member_rows
        count = model.member_tie_sum()
        assert np.array_equal(count[rows], fresh_tie_count(model)[rows])
        assert model.member_tie_sum() is count  # cached while the membership stays
        assert np.array_equal(model.member_tie_sum(x)[rows], (model.adj @ np.where(model.engaged, x, 0.0))[rows])
        eng = model.engaged_rows
        assert np.array_equal(model.member_tie_sum(x[eng], engaged_only=True),
                              (model.adj @ np.where(model.engaged, x, 0.0))[eng])
        assert np.array_equal(model.tie_sum(), fresh_tie_count(model))
        assert np.array_equal(model.tie_sum(xs), model.adj @ np.where(model.engaged[:, None], xs, 0.0))
        among = np.sort(np.random.default_rng(round_).choice(model.n, 40, replace=False))
        v = np.zeros(model.n)
        v[among] = x[among]
        assert np.array_equal(model.tie_sum(x, among=among), model.adj @ v)
        before = model.state.version
        churn(model, seed=round_)
        assert model.state.version != before  # the membership changed: the caches must notice


def test_incremental_member_ties_equal_a_rebuild(model):
    ties = model.ties
    first = ties.member_ties(model)
    for round_ in range(3):
        churn(model, seed=10 + round_)
        kept = ties.member_ties(model)
        assert kept is first, "a few joiners are merged in, not rebuilt"
        assert kept.inside[model.member_rows].all(), "every member is covered"
        rebuilt = T.MemberTies(model.adj, np.flatnonzero(kept.inside))
        for a, b in zip(kept.ties(), rebuilt.ties()):
            assert np.array_equal(a, b)
        assert np.array_equal(kept.csr.indptr, rebuilt.csr.indptr)


def test_member_ties_are_the_edges_among_their_rows(model):
    src, dst, w = model.engaged_ties()
    inside = model.ties.member_ties(model).inside
    es, ed, ew = model.edges
    keep = inside[es] & inside[ed]
    assert np.array_equal(src, es[keep]) and np.array_equal(dst, ed[keep]) and np.array_equal(w, ew[keep])


def test_out_ties_are_the_rows_of_the_matrix(model):
    rows = np.array([0, 3, 4, 50])
    src, dst, w, pos = model.out_ties(rows)
    sub = model.adj[rows].tocoo()
    assert np.array_equal(src, rows[sub.row]) and np.array_equal(dst, sub.col) and np.array_equal(w, sub.data)
    assert np.array_equal(model.adj.data[pos], w) and np.array_equal(model.edges[1][pos], dst)


def test_a_new_adjacency_starts_with_fresh_caches(model):
    old = model.ties
    model.member_tie_sum()
    model.change_regime({"horizontal_communication": "forbidden"}, "test")
    assert model.ties is not old and model.ties.adj is model.adj
    rows = model.member_rows
    assert np.array_equal(model.member_tie_sum()[rows], fresh_tie_count(model)[rows])


@pytest.mark.parametrize("buffered", [False, True])
@pytest.mark.parametrize("k", [1, 5, 300, 3000])  # jumps ahead ... draws all
def test_tie_uniforms_match_a_full_draw(buffered, k):
    m = small_model(seed=1)
    ties = m.ties
    total = m.adj.nnz
    rng = np.random.default_rng(7)
    if buffered:
        rng.integers(0, 2**31, 3, dtype=np.int32)  # may leave half a 64-bit draw buffered
    state = rng.bit_generator.state
    pos = np.sort(np.random.default_rng(k).choice(total, min(k, total), replace=False))
    got = ties.tie_uniforms(rng, pos, verify=True)
    ref = np.random.Generator(np.random.PCG64())
    ref.bit_generator.state = state
    assert np.array_equal(got, ref.random(total)[pos])
    assert ref.bit_generator.state == rng.bit_generator.state
    assert np.array_equal(rng.random(4), ref.random(4))
