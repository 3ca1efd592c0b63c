"""From parameter specs to the list of sweep points: full grid, random sampling, Latin hypercube.

Points are generated deterministically from the sweep's root seed: the sampler draws from
``SeedSequence(root, spawn_key=(0,))`` (runs use two-element keys ``(point, replicate)``, so the
streams never coincide).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.stats import qmc

from orgsim.experiments.sweepfile import ParamBounds, ParamRange

SAMPLER_KEY = (0,)


def sampler_rng(root: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(root, spawn_key=SAMPLER_KEY))


def _tidy(x: float) -> float:
    """0.1 + 0.2 -> 0.3: twelve significant digits, so ranges give the values a reader expects."""
    return float(f"{x:.12g}")


def range_values(spec: ParamRange) -> list:
    """The values of a range, stop included; whole numbers when start, stop and step are."""
    if spec.num is not None:
        if spec.num == 1:
            raw = [spec.start]
        elif spec.log:
            raw = list(np.geomspace(spec.start, spec.stop, spec.num))
        else:
            raw = list(np.linspace(spec.start, spec.stop, spec.num))
    else:
        n = int(math.floor((spec.stop - spec.start) / spec.step + 1e-9)) + 1
        raw = [spec.start + k * spec.step for k in range(n)]
    values = [_tidy(float(v)) for v in raw]
    whole_inputs = all(float(x).is_integer() for x in (spec.start, spec.stop, spec.step or 1.0))
    if spec.integer or (whole_inputs and all(v.is_integer() for v in values)):
        values = list(dict.fromkeys(int(round(v)) for v in values))
    return values


def discrete_values(spec) -> list | None:
    """The finite value set of a list or range spec; None for bounds."""
    if isinstance(spec, list):
        return spec
    if isinstance(spec, ParamRange):
        return range_values(spec)
    return None


def from_unit(spec, u: np.ndarray) -> list:
    """Map uniform numbers in [0, 1) onto a spec: a value index for discrete specs, the interval for bounds."""
    values = discrete_values(spec)
    if values is not None:
        idx = np.minimum((u * len(values)).astype(np.int64), len(values) - 1)
        return [values[i] for i in idx]
    b: ParamBounds = spec
    if b.integer:
        lo, hi = int(b.low), int(b.high)
        return [int(v) for v in np.minimum(np.floor(lo + u * (hi - lo + 1)), hi)]
    if b.log:
        x = np.exp(np.log(b.low) + u * (np.log(b.high) - np.log(b.low)))
    else:
        x = b.low + u * (b.high - b.low)
    return [_tidy(float(v)) for v in x]


def grid_points(params: dict) -> list[dict]:
    """Every combination, the first parameter varying slowest."""
    keys = list(params)
    axes = [discrete_values(params[k]) for k in keys]
    return [dict(zip(keys, combo)) for combo in itertools.product(*axes)]


def unit_sample(sampler: str, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    if sampler == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(n)
    return rng.random((n, d))


def sampled_points(params: dict, sampler: str, n: int, root: int) -> list[dict]:
    """``n`` points drawn at random or by Latin hypercube (stratified in every parameter)."""
    keys = list(params)
    u = unit_sample(sampler, n, len(keys), sampler_rng(root))
    columns = [from_unit(params[k], u[:, j]) for j, k in enumerate(keys)]
    return [dict(zip(keys, row)) for row in zip(*columns)]


def points(sweep) -> list[dict]:
    if sweep.sampler == "grid":
        return grid_points(sweep.parameters)
    return sampled_points(sweep.parameters, sweep.sampler, sweep.samples, sweep.seed)
