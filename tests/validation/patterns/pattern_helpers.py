"""Helpers of the pattern tests (issue 3): each pattern over 30 seeded replicates.

Replicates are run once per session and shared by the tests (two worker processes). Every
threshold is stated in the test; none is a number that a scenario or the code sets.
"""

from functools import lru_cache


from orgsim.validation.patterns import run_replicates

N = 30


@lru_cache(maxsize=None)
def _reps(path: str, overrides: tuple):
    return run_replicates(path, N, dict(overrides), workers=2)


def reps(path: str, **overrides):
    return _reps(path, tuple(sorted((k.replace("__", "."), v) for k, v in overrides.items())))


def share(values) -> float:
    values = list(values)
    return sum(bool(v) for v in values) / len(values)

