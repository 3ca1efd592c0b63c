import numpy as np
import pytest

from orgsim.model import OrgModel
from orgsim.scenario import apply_overrides, validate

SMALL = {"name": "t", "weeks": 52, "organisation": {"members": 200, "branches": 8}}


def small_model(seed: int = 0, **sets) -> OrgModel:
    """A 200-member model; keyword args are dotted-key overrides with '__' for '.'."""
    data = apply_overrides(SMALL, {k.replace("__", "."): v for k, v in sets.items()})
    return OrgModel(validate(data, "test"), seed=seed)


@pytest.fixture
def model():
    return small_model()


def mask(model, rows):
    m = np.zeros(model.n, dtype=bool)
    m[rows] = True
    return m
