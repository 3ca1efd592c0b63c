"""Replicate sets: one scenario run with many seeds, one ordinary run folder per seed.

``orgsim run SCENARIO --seeds 1-30`` writes ``results/<name>/seed-<s>/`` for each seed (the same
files, byte for byte, as ``orgsim run SCENARIO --seed s``) and, in ``results/<name>/``, the set's
summary: ``replicates.csv`` (one row per seed) and ``replicates.json`` (outcome shares with 95 %
Wilson and Jeffreys intervals, quantiles of the final membership and of the annual growth rate).

Variants made with ``--set`` get their own folder: the scenario's name, a short readable suffix
and a short stable hash of the overrides (:func:`variant_name`), so a variant never collides with
the base scenario.

A seed folder that already exists is reused when its ``scenario.toml`` is exactly the one this
run would write (same scenario, settings, seed and orgsim version), so a set can be extended
(``--seeds 1-30`` after ``--seeds 1-10``) and ``orgsim compare`` reads what is there; a folder
holding something else is refused unless ``--force``, and ``--force`` replaces only a run folder
orgsim wrote (see :func:`orgsim.runs.run.check_out_dir`). The set's folder carries the marker
``orgsim.json`` (kind "replicates") and may hold only what orgsim writes there (seed folders and the
set's files): anything else is refused before a seed is run; the folder is locked while seeds run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import shutil
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from orgsim.errors import OrgsimError
from orgsim.experiments.executors import LocalPool, available_cores
from orgsim.runs import safety

RESULTS_ROOT = Path("results")
MAX_SEEDS = 10_000
Z95 = 1.959963984540054
OUTCOMES = ("growth", "stable", "decline", "collapse", "split", "dissolved")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


# --------------------------------------------------------------------------- seeds and names
def parse_seeds(text: str, option: str = "--seeds") -> list[int]:
    """``"1-30"``, ``"1,4,7-9"`` -> sorted distinct seeds. One-line errors name the bad part."""
    seeds: set[int] = set()
    parts = [p.strip() for p in str(text).split(",")]
    for part in parts:
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not m:
            raise OrgsimError(f"{option} {text!r}: {part!r} is not a seed or a range; "
                              "give whole numbers and ranges, e.g. 1-30 or 1,4,7-9")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise OrgsimError(f"{option} {text!r}: range {part!r} runs backwards; write {hi}-{lo}")
        if hi - lo + 1 + len(seeds) > MAX_SEEDS:
            raise OrgsimError(f"{option} {text!r}: more than {MAX_SEEDS} seeds")
        seeds.update(range(lo, hi + 1))
    return sorted(seeds)


def _short_value(v: Any) -> str:
    if isinstance(v, bool):
        text = "true" if v else "false"
    elif isinstance(v, float):
        text = f"{v:g}"
    elif isinstance(v, (str, int)):
        text = str(v)
    else:
        text = "x"  # a table or a list: the hash tells variants apart
    return re.sub(r"[^A-Za-z0-9_.]+", "", text)[:16] or "x"


def overrides_hash(overrides: dict[str, Any]) -> str:
    """Six hex digits of a hash of the overrides (sorted canonical JSON): stable across runs,
    machines and the order in which ``--set`` options are given."""
    canon = json.dumps(overrides, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:6]


def variant_name(name: str, overrides: dict[str, Any]) -> str:
    """``iso_2019`` with ``{"regime.voting": "individual"}`` -> ``iso_2019-voting-individual-<hash>``.

    The suffix names up to three overridden keys (last part of each dotted key) and their values;
    the hash covers all of them. The seed is not a variant: it is left out."""
    overrides = {k: v for k, v in overrides.items() if k != "seed"}
    if not overrides:
        return name
    parts = [f"{k.split('.')[-1]}-{_short_value(v)}" for k, v in sorted(overrides.items())]
    suffix = "_".join(parts[:3])[:48] + ("_etc" if len(parts) > 3 else "")
    return f"{name}-{suffix}-{overrides_hash(overrides)}"


def default_root(name: str, overrides: dict[str, Any]) -> Path:
    return RESULTS_ROOT / variant_name(name, overrides)


# --------------------------------------------------------------------------- intervals on proportions
def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (Wilson 1927)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


def jeffreys(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Jeffreys interval: quantiles of Beta(k + 1/2, n - k + 1/2), with the lower end 0 at k = 0
    and the upper end 1 at k = n (Brown, Cai & DasGupta 2001)."""
    if n <= 0:
        return (math.nan, math.nan)
    from scipy.stats import beta

    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(a, k + 0.5, n - k + 0.5))
    hi = 1.0 if k == n else float(beta.ppf(1 - a, k + 0.5, n - k + 0.5))
    return (lo, hi)


def outcome_shares(outcomes: list[str]) -> list[dict[str, Any]]:
    """One row per outcome (all six, in their usual order): count, share, Wilson and Jeffreys 95 %."""
    n = len(outcomes)
    rows = []
    for name in OUTCOMES:
        k = sum(1 for o in outcomes if o == name)
        w, j = wilson(k, n), jeffreys(k, n)
        rows.append({"outcome": name, "count": k, "runs": n, "share": k / n if n else math.nan,
                     "wilson_lo": w[0], "wilson_hi": w[1], "jeffreys_lo": j[0], "jeffreys_hi": j[1]})
    return rows


def quantiles(values: list[float]) -> dict[str, float]:
    import numpy as np

    vals = np.asarray([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], float)
    if not vals.size:
        return {}
    return {f"q{round(q * 100):02d}": float(np.quantile(vals, q)) for q in QUANTILES} | {
        "mean": float(vals.mean()), "min": float(vals.min()), "max": float(vals.max())}


def set_summary(name: str, rows: list[dict[str, Any]], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """What replicates.json holds: the set, its outcome shares and the quantiles of the main metrics."""
    return {
        "scenario": name,
        "overrides": dict(overrides or {}),
        "runs": len(rows),
        "seeds": [r["seed"] for r in rows],
        "outcomes": outcome_shares([r["outcome"] for r in rows]),
        "final_members": quantiles([r["final_members"] for r in rows]),
        "annual_growth": quantiles([r.get("annual_growth") for r in rows]),
        "interval": "95 %: Wilson score and Jeffreys (Beta(k+1/2, n-k+1/2)) intervals on each share",
    }


# --------------------------------------------------------------------------- running a set
@dataclass
class SeedRun:
    seed: int
    folder: Path
    summary: dict[str, Any]
    status: str  # "ran" or "kept"
    seconds: float = 0.0


@dataclass
class ReplicateSet:
    name: str                   # the variant's name: the scenario's name, plus the suffix of a variant
    scenario_name: str
    root: Path
    overrides: dict[str, Any]
    runs: list[SeedRun] = field(default_factory=list)

    @property
    def summaries(self) -> list[dict[str, Any]]:
        return [r.summary for r in self.runs]


SET_FILE_RE = re.compile(r"\A(?:replicates\.(?:csv|json|png|svg)|outcomes\.(?:png|svg)|report\.html)\Z")
SET_TMP_RE = re.compile(r"\A\.(?:replicates\.(?:csv|json)\.\d{1,10}|orgsim\.json\.tmp-\d{1,10}|seed-\d+\.(?:partial|old)-\d{1,10})\Z")


def set_owned(root: Path):
    """What orgsim writes into a set's folder: seed-<n> folders (each checked as a run folder when
    it is written), the set's files, its marker and lock, and leftovers of killed processes. The set's
    files of a folder without the marker count as orgsim's only beside a replicates.json (a set from
    before the marker)."""
    marker = safety.read_marker(root)
    files_ok = (marker is not None and marker.get("orgsim") == "replicates") or (root / "replicates.json").is_file()

    def owned(name: str, path: Path) -> bool:
        if path.is_symlink():
            return False
        if re.fullmatch(r"seed-\d+", name) or SET_TMP_RE.match(name):
            return True
        if name in (safety.MARKER, safety.FolderLock.NAME):
            return path.is_file()
        return files_ok and bool(SET_FILE_RE.match(name)) and path.is_file()

    return owned


def check_set_root(root: Path) -> None:
    """Pre-flight for a set's folder: writable, and holding nothing orgsim did not write there."""
    safety.check_own_folder(root, "replicates", set_owned(Path(root)), what="a replicate set")


def _mark_root(root: Path) -> None:
    if safety.read_marker(root) is None:
        tmp = root / f".{safety.MARKER}.tmp-{os.getpid()}"
        tmp.write_text(safety.marker_text("replicates"))
        os.replace(tmp, root / safety.MARKER)


def _existing_state(folder: Path, expected_toml: str) -> str:
    """'absent', 'same' (a complete run of exactly this scenario) or 'other'."""
    if not folder.exists():
        return "absent"
    try:
        same = (folder / "scenario.toml").read_text() == expected_toml and (folder / "summary.json").is_file()
    except OSError:
        same = False
    return "same" if same else "other"


def _run_one(path: str, overrides: dict[str, Any], seed: int, folder: str, force: bool,
             decorate: Callable | None) -> tuple[int, dict[str, Any], float]:
    """One seed, in a worker process or in this one: simulate and write its run folder."""
    import time

    from orgsim.model.scenario import load_scenario
    from orgsim.runs.run import simulate, write_outputs

    t0 = time.perf_counter()
    scenario = load_scenario(path, {**overrides, "seed": seed})
    result = simulate(scenario)
    write_outputs(result, Path(folder), force=force, decorate=decorate)
    return seed, result.summary, time.perf_counter() - t0


def _run_seed(common: tuple, seed: int) -> tuple[int, dict[str, Any], float]:
    path, overrides, force, decorate, root = common
    return _run_one(path, overrides, seed, str(Path(root) / f"seed-{seed}"), force, decorate)


def _read_summary(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError) as exc:
        raise OrgsimError(f"{folder / 'summary.json'}: cannot read: {exc.__class__.__name__}") from None


def plan_set(path: str | Path, seeds: list[int], overrides: dict[str, Any] | None = None,
             root: str | Path | None = None, force: bool = False):
    """Check a set before running anything: the scenario is valid, and every seed folder is absent,
    a reusable run of this very scenario, or (with ``force``) to be replaced. Returns the set (kept
    runs filled in) and the seeds to run."""
    from orgsim.model.scenario import load_scenario
    from orgsim.runs.run import check_out_dir, resolved_toml

    overrides = {k: v for k, v in (overrides or {}).items() if k != "seed"}
    base = load_scenario(path, overrides)
    root = Path(root) if root is not None else default_root(base.name, overrides)
    check_set_root(root)
    rs = ReplicateSet(root.name if root.name else base.name, base.name, root, overrides)
    todo = []
    for s in seeds:
        folder = root / f"seed-{s}"
        state = _existing_state(folder, resolved_toml(base.model_copy(update={"seed": s})))
        if state == "same" and not force:
            rs.runs.append(SeedRun(s, folder, _read_summary(folder), "kept"))
        elif state == "other" and not force:
            raise OrgsimError(f"{folder}: already holds another run (its scenario.toml differs); pass --force "
                              f"to replace it, or choose another --out")
        else:
            if state != "absent":
                check_out_dir(folder, force)  # --force replaces only a run folder orgsim wrote
            todo.append(s)
    if todo:
        safety.check_memory(safety.run_memory(base) + safety.PROCESS_BYTES,
                            f"{base.name}: {base.organisation.members:,} members")
    return rs, todo


def run_set(path: str | Path, seeds: list[int], overrides: dict[str, Any] | None = None,
            root: str | Path | None = None, force: bool = False, workers: int | None = None,
            decorate: Callable | None = None, on_run: Callable[[SeedRun], None] | None = None,
            planned: tuple[ReplicateSet, list[int]] | None = None) -> ReplicateSet:
    """Run (or reuse) one folder per seed under ``root`` and return the set, in seed order.

    ``decorate`` is passed to :func:`orgsim.runs.run.write_outputs` (it must be picklable when
    ``workers`` > 1: a module-level function or a ``functools.partial`` of one). ``on_run`` is
    called in this process after each seed is written or found. ``planned``: the result of
    :func:`plan_set` when the caller has checked the set already."""
    rs, todo = planned if planned is not None else plan_set(path, seeds, overrides, root, force)
    for r in rs.runs:
        if on_run:
            on_run(r)
    overrides = rs.overrides
    workers = max(1, min(workers or available_cores(), len(todo) or 1))
    if not todo:
        rs.runs.sort(key=lambda r: r.seed)
        return rs
    if workers > 1:
        base = load_base(path, overrides)
        safety.check_memory(workers * (safety.run_memory(base) + safety.PROCESS_BYTES),
                            f"{workers} runs of {base.organisation.members:,} members at once")
    try:
        rs.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise safety.write_error(rs.root, exc) from None
    with safety.FolderLock(rs.root, "replicate set"):
        check_set_root(rs.root)  # again, now that no other set can change the folder
        _mark_root(rs.root)
        _run_todo(rs, path, todo, overrides, force, decorate, on_run, workers)
    rs.runs.sort(key=lambda r: r.seed)
    return rs


def load_base(path, overrides):
    from orgsim.model.scenario import load_scenario

    return load_scenario(path, overrides)


def _run_todo(rs: ReplicateSet, path, todo: list[int], overrides, force: bool, decorate, on_run, workers: int):
    job = functools.partial(_run_seed, (str(path), overrides, force, decorate, str(rs.root)))

    def done(seed: int, summary: dict[str, Any], secs: float) -> None:
        r = SeedRun(seed, rs.root / f"seed-{seed}", summary, "ran", secs)
        rs.runs.append(r)
        if on_run:
            on_run(r)

    if workers == 1:
        for s in todo:
            done(*job(s))
    else:
        pool = LocalPool(workers)
        try:
            for fut in as_completed([pool.submit(job, s) for s in todo]):
                done(*fut.result())
        except BaseException:
            pool.close(cancel=True)  # workers are stopped mid-run: remove what they were building
            for tmp in rs.root.glob(".seed-*.partial-*"):
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        pool.close()


# --------------------------------------------------------------------------- reading a set
def seed_folders(root: Path) -> list[Path]:
    """The run folders of a set: ``root/seed-*`` holding a summary, in seed order."""
    found = []
    for p in root.glob("seed-*"):
        m = re.fullmatch(r"seed-(\d+)", p.name)
        if m and p.is_dir() and (p / "summary.json").is_file():
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]


def read_set(root: str | Path, seeds: list[int] | None = None) -> ReplicateSet:
    """A set from its folder (``results/<name>``), or a single run folder as a set of one."""
    root = Path(root)
    if not root.is_dir():
        raise OrgsimError(f"{root}: no such folder")
    if (root / "summary.json").is_file():
        folders = [root]
    else:
        folders = seed_folders(root)
        if seeds is not None:
            wanted = {f"seed-{s}" for s in seeds}
            missing = sorted(wanted - {p.name for p in folders}, key=lambda n: int(n[5:]))
            if missing:
                raise OrgsimError(f"{root}: no run folder {missing[0]} (give the scenario instead of the folder "
                                  f"to run missing seeds)")
            folders = [p for p in folders if p.name in wanted]
    if not folders:
        raise OrgsimError(f"{root}: neither a run folder nor a folder of seed-* run folders")
    runs = []
    for p in folders:
        s = _read_summary(p)
        runs.append(SeedRun(int(s.get("seed", 0)), p, s, "kept"))
    scenario_name = str(runs[0].summary.get("scenario", root.name))
    name = root.name if folders != [root] else scenario_name
    return ReplicateSet(name, scenario_name, root, {}, runs)


def table(rs: ReplicateSet) -> "Any":
    """replicates.csv: one row per seed (seed, folder, the scalar summary metrics)."""
    import pandas as pd

    rows = []
    for r in rs.runs:
        row = {"seed": r.seed, "folder": r.folder.name}
        row.update({k: v for k, v in r.summary.items()
                    if k not in ("seed", "scenario", "orgsim_version") and not isinstance(v, (list, dict))})
        rows.append(row)
    return pd.DataFrame(rows)


def write_set_summary(rs: ReplicateSet) -> tuple[Path, Path]:
    """replicates.csv and replicates.json in the set's folder (written whole, then renamed)."""
    from orgsim.runs.run import FLOAT_FORMAT

    check_set_root(rs.root)
    try:
        rs.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise safety.write_error(rs.root, exc) from None
    _mark_root(rs.root)
    csv, js = rs.root / "replicates.csv", rs.root / "replicates.json"
    tmp = csv.with_name(f".{csv.name}.{os.getpid()}")
    table(rs).to_csv(tmp, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    os.replace(tmp, csv)
    tmp = js.with_name(f".{js.name}.{os.getpid()}")
    summary = set_summary(rs.scenario_name, [r.summary for r in rs.runs], rs.overrides)
    tmp.write_text(json.dumps(_rounded(summary), indent=2) + "\n")
    os.replace(tmp, js)
    return csv, js


def _rounded(x):
    if isinstance(x, float):
        return round(x, 6)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x
