"""The engine's shortcuts give the same numbers as the plain computations they replace.

OrgModel.verify_caches makes every cached mask, tie structure and tie sum check itself against a
fresh computation over the whole milieu (and every jump-ahead of the generator against a full
draw) while the model runs. Speed is measured by benchmarks/bench.py, not here.
"""

import numpy as np
import pytest

from orgsim.model.model import OrgModel
from orgsim.model.scenario import apply_overrides, validate

BASE = {"name": "engine", "weeks": 80, "organisation": {"members": 150, "branches": 6}}
EVENTS = [
    {"kind": "critique", "week": 10, "stance": 0.3, "strength": 0.8},
    {"kind": "scandal", "week": 20, "severity": 0.8, "reach": 0.2},
    {"kind": "critique", "week": 30, "stance": -0.3, "defends_previous": True},
    {"kind": "convention", "week": 40, "agenda": [{"changes": {"faction_rights": "permanent"}}]},
    {"kind": "reform", "week": 50, "changes": {"horizontal_communication": "forbidden"}},
]
VARIANTS = {
    "default": {},
    "harsh": {"regime.dissent_penalty": "expulsion", "regime.branch_minutes": True},
    "events": {"events": EVENTS, "regime.voting": "individual", "regime.horizontal_communication": "discouraged"},
    "factions": {"parameters.voice.threshold": 0.12, "regime.faction_rights": "permanent",
                 "parameters.factions.min_size": 3, "parameters.factions.split_trust": 0.9},
}


@pytest.fixture
def verified(monkeypatch):
    monkeypatch.setattr(OrgModel, "verify_caches", True)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_shortcuts_match_full_computations(verified, name):
    data = apply_overrides(BASE, VARIANTS[name])
    model = OrgModel(validate(data, name), seed=3).run()
    assert model.week > 0


def test_verified_run_gives_the_same_outputs(monkeypatch):
    data = apply_overrides(BASE, VARIANTS["events"])
    plain = OrgModel(validate(data, "e"), seed=5).run()
    monkeypatch.setattr(OrgModel, "verify_caches", True)
    checked = OrgModel(validate(data, "e"), seed=5).run()
    assert plain.events == checked.events
    a, b = plain.recorder.frame(plain), checked.recorder.frame(checked)
    assert a.equals(b)


@pytest.mark.parametrize("buffered", [False, True])
@pytest.mark.parametrize("k", [3, 400])  # jumps ahead; draws all
def test_tie_uniforms_equal_a_full_draw(buffered, k):
    model = OrgModel(validate(BASE, "u"), seed=1)
    if buffered:
        model.rng.permutation(7)  # may leave half a 64-bit draw buffered in the generator
    state = model.rng.bit_generator.state
    total = model.adj.nnz
    pos = np.sort(np.random.default_rng(0).choice(total, k, replace=False))
    got = model.tie_uniforms(pos)
    ref = np.random.Generator(np.random.PCG64())
    ref.bit_generator.state = state
    assert np.array_equal(got, ref.random(total)[pos])
    assert ref.bit_generator.state == model.rng.bit_generator.state
    assert np.array_equal(model.rng.random(5), ref.random(5))


def test_a_finished_model_is_freed_once_dropped():
    """Sweep workers run hundreds of models: none may be kept alive by a class-level registry
    (Mesa 3.3's Agent._ids kept every model, ~2.5 MB a run in a worker)."""
    import gc
    import weakref

    model = OrgModel(validate(BASE, "m"), seed=2)
    model.run()
    second = OrgModel(validate(BASE, "m"), seed=2)  # ids are counted per model, from 1
    assert sorted(a.unique_id for a in second.agents) == list(range(1, len(second.agents) + 1))
    ref = weakref.ref(model)
    del model, second
    gc.collect()
    assert ref() is None
