"""The social network of the milieu, built once with NumPy and held as SciPy sparse matrices.

Ties are dense within a branch and sparse across branches. Organisers are tied to every
person in the branches of their region, leaders to each other and to all organisers
("vertical" ties, which horizontal-communication rules do not touch). Cross-branch ties are
kept in a matrix of their own so that the regime can weight them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


# --------------------------------------------------------------------------- a network from a file
ROLES = ("member", "organiser", "leader")
EDGE_LIST = (".csv", ".tsv")
GRAPHML = (".graphml", ".xml")
NODE_ATTRIBUTES = ("branch", "role", "position")


class NetworkFileError(ValueError):
    """A network file that cannot be used; the message names the file, the value and what is allowed."""


@dataclass(frozen=True)
class NetworkFile:
    """A members' network read from a file: node ids in row order and the ties among them.

    ``src < dst`` for every tie (each listed once); ``branch`` (labels mapped to 0..B-1 in sorted
    order), ``role`` (0 member, 1 organiser, 2 leader, as :mod:`orgsim.model.state`) and
    ``position`` are None when the file does not give them.
    """

    path: str
    ids: tuple[str, ...]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    branch: np.ndarray | None
    branch_labels: tuple[str, ...] | None
    role: np.ndarray | None
    position: np.ndarray | None

    @property
    def nodes(self) -> int:
        return len(self.ids)

    @property
    def branches(self) -> int | None:
        return None if self.branch_labels is None else len(self.branch_labels)

    def count(self, role: str) -> int | None:
        return None if self.role is None else int(np.count_nonzero(self.role == ROLES.index(role)))

    def adjacency(self) -> sp.csr_matrix:
        """The file's ties as a symmetric weighted matrix over its nodes."""
        n = self.nodes
        return sp.coo_matrix((np.concatenate([self.weight, self.weight]),
                              (np.concatenate([self.src, self.dst]), np.concatenate([self.dst, self.src]))),
                             shape=(n, n)).tocsr()


def _fail(path: str, what: str, allowed: str) -> NetworkFileError:
    return NetworkFileError(f"network.file = {path!r}: {what}; allowed: {allowed}")


def _weight(path: str, where: str, text: Any) -> float:
    try:
        w = float(text)
    except (TypeError, ValueError):
        raise _fail(path, f"{where}: weight = {text!r} is not a number", "a number in (0, 1]") from None
    if not 0.0 < w <= 1.0:
        raise _fail(path, f"{where}: weight = {text!r}", "a number in (0, 1] (1 is a generated tie's strength)")
    return w


def _ties(path: str, pairs: list[tuple[str, str, float, str]], index: dict[str, int]):
    """Check the ties (no self-loops, each pair once) and return them as row arrays, src < dst."""
    seen: dict[tuple[int, int], str] = {}
    src, dst, weight = [], [], []
    for a, b, w, where in pairs:
        if a == b:
            raise _fail(path, f"{where}: self-loop {a!r} - {b!r}", "ties between two different nodes")
        i, j = sorted((index[a], index[b]))
        if (i, j) in seen:
            raise _fail(path, f"{where}: duplicate tie {a!r} - {b!r} (first at {seen[(i, j)]}; ties are undirected)",
                        "each pair of nodes once")
        seen[(i, j)] = where
        src.append(i)
        dst.append(j)
        weight.append(w)
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), np.array(weight, dtype=np.float64)


def _read_edge_list(path: str, file: Path) -> tuple[list[str], list, dict]:
    import csv

    delimiter = "\t" if file.suffix.lower() == ".tsv" else ","
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "not UTF-8 text", "a CSV/TSV edge list source,target[,weight] or GraphML") from None
    rows = [r for r in csv.reader(text.splitlines(), delimiter=delimiter)]
    ids: dict[str, int] = {}
    pairs = []
    for line, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not cells or all(not c for c in cells) or cells[0].startswith("#"):
            continue
        if line == 1 and [c.lower() for c in cells[:2]] == ["source", "target"]:
            if len(cells) > 3 or (len(cells) == 3 and cells[2].lower() != "weight"):
                raise _fail(path, f"line 1: header {','.join(cells)!r}", "source,target or source,target,weight")
            continue
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise _fail(path, f"line {line}: {delimiter.join(row)!r} has {len(cells)} field(s)",
                        "source,target[,weight] on every line")
        w = _weight(path, f"line {line}", cells[2]) if len(cells) == 3 else 1.0
        for c in cells[:2]:
            ids.setdefault(c, len(ids))
        pairs.append((cells[0], cells[1], w, f"line {line}"))
    return list(ids), pairs, {}


def _read_graphml(path: str, file: Path) -> tuple[list[str], list, dict]:
    import xml.etree.ElementTree as ET

    import networkx as nx

    try:
        root = ET.parse(file).getroot()
    except ET.ParseError as exc:
        raise _fail(path, f"not valid GraphML ({exc})", "a GraphML file (networkx.write_graphml)") from None
    seen: set[str] = set()
    for node in root.iter():
        if node.tag.rsplit("}", 1)[-1] == "node":
            nid = node.get("id")
            if nid in seen:
                raise _fail(path, f"duplicate node id {nid!r}", "each node id once")
            seen.add(nid)
    try:
        g = nx.read_graphml(file, force_multigraph=True)
    except Exception as exc:  # noqa: BLE001 - networkx raises many kinds for malformed files
        raise _fail(path, f"not valid GraphML ({type(exc).__name__}: {exc})",
                    "a GraphML file (networkx.write_graphml)") from None
    ids = [str(n) for n in g.nodes]
    pairs = []
    for k, (a, b, data) in enumerate(g.edges(data=True)):
        where = f"edge {a!r} - {b!r}"
        w = _weight(path, where, data["weight"]) if "weight" in data else 1.0
        pairs.append((str(a), str(b), w, where))
    attrs = {name: {str(n): d[name] for n, d in g.nodes(data=True) if name in d} for name in NODE_ATTRIBUTES}
    return ids, pairs, attrs


def _attributes(path: str, ids: list[str], attrs: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"branch": None, "branch_labels": None, "role": None, "position": None}
    branch = attrs.get("branch") or {}
    if branch:
        missing = [i for i in ids if i not in branch]
        if missing:
            raise _fail(path, f"node {missing[0]!r} has no branch ({len(missing)} of {len(ids)} nodes lack one)",
                        "a branch on every node, or on none (branches are then generated)")
        values = [branch[i] for i in ids]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        labels = sorted(set(values)) if numeric else sorted({str(v) for v in values})
        code = {v: k for k, v in enumerate(labels)}
        out["branch"] = np.array([code[v if numeric else str(v)] for v in values], dtype=np.int64)
        out["branch_labels"] = tuple(str(v) for v in labels)
    role = attrs.get("role") or {}
    if role:
        codes = np.zeros(len(ids), dtype=np.int64)
        for k, i in enumerate(ids):
            r = role.get(i, "member")
            if r not in ROLES:
                raise _fail(path, f"node {i!r} has role = {r!r}", ", ".join(ROLES))
            codes[k] = ROLES.index(r)
        if not (codes == 2).any():
            raise _fail(path, "no node has role = 'leader'", "at least one leader when roles are given")
        out["role"] = codes
    position = attrs.get("position") or {}
    if position:
        pos = np.full(len(ids), np.nan)
        for k, i in enumerate(ids):
            if i not in position:
                raise _fail(path, f"node {i!r} has no position",
                            "a position on every node, or on none (positions are then drawn)")
            v = position[i]
            try:
                pos[k] = float(v)
            except (TypeError, ValueError):
                pos[k] = np.nan
            if isinstance(v, bool) or not 0.0 <= pos[k] <= 1.0:
                raise _fail(path, f"node {i!r} has position = {v!r}", "a number in [0, 1] (0.5 is the initial line)")
        out["position"] = pos
    return out


_CACHE: dict[tuple, NetworkFile] = {}


def read_network_file(path: str | Path, shown: str | None = None) -> NetworkFile:
    """Read and check a members' network: a CSV/TSV edge list (``source,target[,weight]``, an
    optional header line) or GraphML (networkx), with optional node attributes ``branch``,
    ``role`` (member, organiser, leader) and ``position`` (in [0, 1]). Raises
    :class:`NetworkFileError` naming ``shown`` (the path as the scenario gives it)."""
    file = Path(path)
    shown = str(path) if shown is None else shown
    if not file.is_file():
        raise _fail(shown, f"no such file ({file})", "an existing file, relative to the scenario file")
    stat = file.stat()
    key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size, shown)
    if key in _CACHE:
        return _CACHE[key]
    suffix = file.suffix.lower()
    if suffix in EDGE_LIST:
        ids, pairs, attrs = _read_edge_list(shown, file)
    elif suffix in GRAPHML:
        ids, pairs, attrs = _read_graphml(shown, file)
    else:
        raise _fail(shown, f"unknown format {suffix or '(no extension)'!r}",
                    ".csv or .tsv (edge list source,target[,weight]) or .graphml")
    if len(ids) < 2:
        raise _fail(shown, f"{len(ids)} node(s)", "at least 2 nodes")
    index = {i: k for k, i in enumerate(ids)}
    src, dst, weight = _ties(shown, pairs, index)
    net = NetworkFile(path=str(file), ids=tuple(ids), src=src, dst=dst, weight=weight,
                      **_attributes(shown, ids, attrs))
    _CACHE[key] = net
    return net


def replace_member_ties(net: Network, branch: np.ndarray, loaded: NetworkFile) -> Network:
    """The generated network with the ties among members (rows 0..m-1) replaced by the file's:
    a tie within a branch joins ``within``, across branches ``cross``, with the file's weight.
    Ties that involve the periphery stay as generated."""
    m, n = loaded.nodes, branch.size

    def outside(mat: sp.csr_matrix) -> sp.csr_matrix:
        coo = mat.tocoo()
        keep = (coo.row >= m) | (coo.col >= m)
        return sp.coo_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=(n, n)).tocsr()

    same = branch[loaded.src] == branch[loaded.dst]

    def ties(mask: np.ndarray) -> sp.csr_matrix:
        s, d, w = loaded.src[mask], loaded.dst[mask], loaded.weight[mask]
        return sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([s, d]), np.concatenate([d, s]))),
                             shape=(n, n)).tocsr()

    within = (outside(net.within) + ties(same)).tocsr()
    cross = (outside(net.cross) + ties(~same)).tocsr()
    within.sort_indices()
    cross.sort_indices()
    degree = np.asarray(within.sum(axis=1)).ravel() + np.asarray(cross.sum(axis=1)).ravel()
    return Network(within=within, cross=cross, degree=degree)
