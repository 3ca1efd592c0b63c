"""The model's ties and the structures and caches that make sums over them cheap.

:class:`Ties` holds the weighted adjacency of the milieu (``adj``, CSR, symmetric) and what is
derived from it: every tie as arrays (``edges``), the ties of the week's engaged members
(:class:`EngagedTies`), the ties among a set of rows covering the members (:class:`MemberTies`,
kept up to date as people join) and the cached count of engaged ties. It is built afresh whenever
the adjacency changes (a reform of horizontal communication), so no cache outlives its matrix.

Membership comes from the owner (an :class:`~orgsim.model.model.OrgModel`), passed to each call
as ``m``: ``m.engaged`` (mask) and ``m.engaged_rows``, ``m.engaged_key`` (changes whenever the
engaged may have changed), ``m.week``, ``m.member_rows``, ``m.state.version`` (changes when anyone
joins, leaves or changes role) and ``m.verify_caches``.

Exactness: every sum gives the same numbers as the sparse product over all ties, bit for bit:
each person's sum runs over his ties in the same (column) order, and the terms left out are exact
zeros, which do not change a floating-point sum. With ``m.verify_caches`` every call checks itself
against that full computation (tests/model/test_ties.py checks the invariants directly).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

# tie_sum extracts the engaged members' ties (once a week) only for networks with more ties than this
EXTRACT_TIES = 1_000_000
# member ties are built afresh when they cover this many rows per member (rows of leavers weigh
# nothing but cost time); rebuilding often costs more
REBUILD = 1.1
# tie_uniforms draws every uniform when at least one tie in this many is needed (jumping ahead is then slower)
JUMP_RATIO = 1000  # a jump costs ~2 us in Python, a uniform ~2 ns


class Ties:
    """The ties of one adjacency matrix with their caches (see the module's docstring)."""

    def __init__(self, adj):
        self.adj = adj
        self.n = adj.shape[0]
        self._edges = None
        self._week: EngagedTies | None = None
        self._among: MemberTies | None = None
        self._count_key = None  # keys the cached count of engaged ties (member_tie_sum)
        self._count = None

    @property
    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every tie as (src, dst, weight) in CSR order (built on first use: it is large)."""
        if self._edges is None:
            coo = self.adj.tocoo()
            self._edges = (coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data)
        return self._edges

    def out_ties(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, weight, position) of every tie of the given rows (ascending), in CSR order;
        position indexes ``edges`` and ``adj.data``."""
        return out_ties(self.adj, rows)

    # ------------------------------------------------------------------ sums over ties
    # The weekly mechanisms sum over ties. Doing it over every tie of the milieu costs most of
    # the run, yet only ties of members matter.
    def week_ties(self, m: Any) -> "EngagedTies":
        """Ties of the engaged members, built when first needed in a week. Within a week the
        engaged can only shrink (departures, suspensions) until recruitment has summed its
        contacts, so one build usually serves the whole week; it is rebuilt if anyone engaged is
        missing from it."""
        t = self._week
        eng = m.engaged
        if t is None or t.week != m.week or (t.checked != m.engaged_key and (eng & ~t.within).any()):
            t = self._week = EngagedTies(self.adj, m.engaged_rows, m.week)
        t.checked = m.engaged_key
        return t

    def tie_sum(self, m: Any, x: np.ndarray | None = None, among: np.ndarray | None = None) -> np.ndarray:
        """Each person's sum of ``x`` over his ties to engaged members, weighted: ``adj @ v`` with
        v = x (1 if None) on the engaged members and 0 elsewhere. ``x`` may have one column per
        quantity (n, k). With ``among`` (ascending rows), v = x on those rows instead."""
        adj = self.adj
        if among is not None:
            src, dst, w, _ = out_ties(adj, np.asarray(among))
            # grouped by destination, the terms come in ascending source order, as in adj @ v
            y = np.bincount(dst, weights=w if x is None else w * x[src], minlength=self.n)
            if m.verify_caches:
                full = np.zeros(self.n)
                full[among] = 1.0 if x is None else x[among]
                assert np.array_equal(y, adj @ full), "tie_sum(among=...) differs from adj @ v"
            return y
        if adj.nnz < EXTRACT_TIES:
            # small network: the product over every tie costs less than extracting members' ties
            e = m.engaged
            if x is None:
                return adj @ e.astype(np.float64)
            return adj @ np.where(e if x.ndim == 1 else e[:, None], x, 0.0).astype(np.float64, copy=False)
        t = self.week_ties(m)
        eng = m.engaged[t.rows]
        if x is None:
            v = eng.astype(np.float64)
        else:
            xr = x[t.rows]
            v = np.where(eng if xr.ndim == 1 else eng[:, None], xr, 0.0).astype(np.float64, copy=False)
        y = t.out_t @ v
        if m.verify_caches:
            e = m.engaged if x is None or x.ndim == 1 else m.engaged[:, None]
            ref = adj @ (e * (1.0 if x is None else x)).astype(np.float64)
            assert np.array_equal(y, ref), "tie_sum differs from the sparse product over all ties"
        return y

    def member_ties(self, m: Any) -> "MemberTies":
        """The ties among a set of rows covering every member: kept up to date as people join
        (cheaper than extracting them each week), built afresh when too many of its rows have left."""
        a = self._among
        version = m.state.version
        if a is None:
            a = self._among = MemberTies(self.adj, m.member_rows)
        elif a.version != version:
            rows = m.member_rows
            if a.size > REBUILD * rows.size + 64:
                a = self._among = MemberTies(self.adj, rows)
            else:
                a.add(rows[~a.inside[rows]])
        a.version = version
        if m.verify_caches:
            assert a.inside[m.member_rows].all(), "member ties miss a member"
            ref = MemberTies(self.adj, np.flatnonzero(a.inside))
            assert all(np.array_equal(x, y) for x, y in zip(a.ties(), ref.ties())), "member ties out of date"
        return a

    def engaged_ties(self, m: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, weight) of the ties among members, in CSR order (the part of ``edges`` among
        a set of rows covering the members), so every tie between engaged members and more: mask
        by ``engaged`` at both ends."""
        return self.member_ties(m).ties()

    def member_tie_sum(self, m: Any, x: np.ndarray | None = None, engaged_only: bool = False) -> np.ndarray:
        """Each member's weighted sum of ``x`` (1 if None) over his ties to engaged members:
        ``(adj @ v)[member rows]`` bit for bit, with v = x on the engaged and 0 elsewhere. Other
        rows hold 0 or partial sums: use only member rows. It costs the ties among members only,
        with each member's sum read in row order (much cheaper than ``tie_sum``). The count of
        engaged ties (x None) is cached until the engaged may have changed (read-only).

        With ``engaged_only``, ``x`` holds values for the engaged rows (``engaged_rows``) only, and
        the sums are returned for those rows only."""
        e = m.engaged
        key = m.engaged_key
        if x is None:
            if self._count_key == key and not m.verify_caches:
                return self._count
            v = e.astype(np.float64)
        elif engaged_only:
            v = np.zeros(self.n)
            v[m.engaged_rows] = x
        else:
            v = np.where(e, x, 0.0).astype(np.float64, copy=False)
        y = self.member_ties(m).csr @ v
        if m.verify_caches:
            check = m.member_rows
            assert np.array_equal(y[check], (self.adj @ v)[check]), "member_tie_sum differs from adj @ v"
            if x is None and self._count_key == key:
                assert np.array_equal(y[check], self._count[check]), "stale engaged tie count"
        if x is None:
            y.flags.writeable = False
            self._count, self._count_key = y, key
        return y[m.engaged_rows] if engaged_only else y

    def tie_uniforms(self, rng: np.random.Generator, pos: np.ndarray, verify: bool = False) -> np.ndarray:
        """``rng.random(len(edges))[pos]`` (pos ascending), leaving the generator in the same
        state, but drawing only the uniforms asked for when they are few. PCG64 makes one 64-bit
        draw per uniform and can jump ahead by any number of draws, so the skipped ones need not be
        generated."""
        total = int(self.adj.nnz)  # advance() wants Python ints
        bg = rng.bit_generator
        runs = np.flatnonzero(np.diff(pos) != 1) + 1 if pos.size else pos
        if type(bg) is not np.random.PCG64 or (runs.size + 1) * JUMP_RATIO > total:
            return rng.random(total)[pos]
        state = bg.state  # advance() clears the buffered 32-bit half-draw: keep it
        out = np.empty(pos.size)
        done = 0
        for a, b in zip(np.concatenate([[0], runs]).tolist(), np.concatenate([runs, [pos.size]]).tolist()):
            if a == b:
                continue
            p = int(pos[a])
            if p > done:
                bg.advance(p - done)
            out[a:b] = rng.random(b - a)
            done = p + (b - a)
        if total > done:
            bg.advance(total - done)
        if state["has_uint32"] or state["uinteger"]:
            now = bg.state
            now["has_uint32"], now["uinteger"] = state["has_uint32"], state["uinteger"]
            bg.state = now
        if verify:
            check = np.random.Generator(np.random.PCG64())
            check.bit_generator.state = state
            assert np.array_equal(check.random(total)[pos], out), "tie_uniforms differs from a full draw"
            assert check.bit_generator.state == bg.state, "tie_uniforms left the generator elsewhere"
        return out


class EngagedTies:
    """The ties of a set of rows R (the engaged members when built), for :meth:`Ties.tie_sum`."""

    def __init__(self, adj, rows: np.ndarray, week: int):
        self.rows, self.week, self.checked = rows, week, None
        self.within = np.zeros(adj.shape[0], dtype=bool)
        self.within[rows] = True
        self.out = adj[rows]       # rows R, every column; each row's ties in CSR order
        # transposed (CSC), a product sums column by column, i.e. over R in ascending order: for
        # every person, the same sequence of additions as adj @ v, minus zero terms
        self.out_t = self.out.T


class MemberTies:
    """The ties among a set of rows Q, as an n x n CSR matrix (rows outside Q empty), for
    :meth:`Ties.engaged_ties` and :meth:`Ties.member_tie_sum`. Q covers the members: rows are added as they join
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
