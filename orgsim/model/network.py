"""The social network of the milieu, built once with NumPy and held as SciPy sparse matrices.

Ties are dense within a branch and sparse across branches. Organisers are tied to every
person in the branches of their region, leaders to each other and to all organisers
("vertical" ties, which horizontal-communication rules do not touch). Cross-branch ties are
kept in a matrix of their own so that the regime can weight them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class Network:
    within: sp.csr_matrix   # same-branch and vertical ties (symmetric, 0/1)
    cross: sp.csr_matrix    # cross-branch ties (symmetric, 0/1)
    degree: np.ndarray      # total degree per row

    def weighted(self, cross_weight: float) -> sp.csr_matrix:
        """Adjacency with cross-branch ties weighted by the communication regime."""
        if cross_weight == 1.0:
            return (self.within + self.cross).tocsr()
        return (self.within + cross_weight * self.cross).tocsr()


def assign_branches(rng: np.random.Generator, n_members: int, n_total: int, branches: int, size_sd: float) -> np.ndarray:
    """Branch of every row: members first (every branch gets at least one), then the periphery."""
    weights = rng.lognormal(0.0, size_sd, branches)
    weights /= weights.sum()
    extra = rng.multinomial(n_members - branches, weights)
    member_branch = np.repeat(np.arange(branches), extra + 1)
    rng.shuffle(member_branch)
    periphery_branch = rng.choice(branches, size=n_total - n_members, p=weights)
    return np.concatenate([member_branch, periphery_branch]).astype(np.int64)


def _symmetric(rows: np.ndarray, cols: np.ndarray, n: int) -> sp.csr_matrix:
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    data = np.ones(2 * rows.size, dtype=np.float64)
    m = sp.coo_matrix((data, (np.concatenate([rows, cols]), np.concatenate([cols, rows]))), shape=(n, n)).tocsr()
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def build_network(rng: np.random.Generator, branch: np.ndarray, within_degree: float, cross_degree: float,
                  organisers: np.ndarray, organiser_region: list[np.ndarray], leaders: np.ndarray) -> Network:
    n = branch.size
    order = np.argsort(branch, kind="stable")
    counts = np.bincount(branch)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])

    # within-branch: each row draws about within_degree/2 partners from its own branch
    k_in = rng.poisson(within_degree / 2.0, n)
    src = np.repeat(np.arange(n), k_in)
    b = branch[src]
    dst = order[starts[b] + (rng.random(src.size) * counts[b]).astype(np.int64)]
    rows, cols = [src], [dst]

    # vertical ties: organisers to their region, leaders to leaders and organisers
    # (one pass for all regions: a branch is in at most one region)
    region_of_branch = np.full(counts.size, -1)
    for k, region in enumerate(organiser_region):
        region_of_branch[region] = k
    k_of_row = region_of_branch[branch]
    in_region = np.flatnonzero(k_of_row >= 0)
    by_region = in_region[np.argsort(k_of_row[in_region], kind="stable")]  # ascending rows within a region
    rows.append(np.repeat(np.asarray(organisers)[: len(organiser_region)],
                          np.bincount(k_of_row[in_region], minlength=len(organiser_region))))
    cols.append(by_region)
    staff = np.concatenate([leaders, organisers])
    ii, jj = np.meshgrid(staff, staff)
    rows.append(ii.ravel())
    cols.append(jj.ravel())
    within = _symmetric(np.concatenate(rows), np.concatenate(cols), n)

    # cross-branch: sparse random ties between different branches
    k_x = rng.poisson(cross_degree / 2.0, n)
    xs = np.repeat(np.arange(n), k_x)
    xd = rng.integers(0, n, xs.size)
    keep = branch[xs] != branch[xd]
    cross = _symmetric(xs[keep], xd[keep], n)
    cross = cross - cross.multiply(within)  # a pair tied both ways counts once, as within
    cross.eliminate_zeros()
    cross = cross.tocsr()

    degree = np.asarray(within.sum(axis=1)).ravel() + np.asarray(cross.sum(axis=1)).ravel()
    return Network(within=within, cross=cross, degree=degree)
