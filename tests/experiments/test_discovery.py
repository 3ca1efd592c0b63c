"""orgsim discover: PRIM on a sweep folder finds the region that produces an outcome."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w

from orgsim.errors import OrgsimError
from orgsim.experiments.discovery import discover

pytest.importorskip("ema_workbench")
ROOT = Path(__file__).resolve().parents[2]


def fake_sweep(folder: Path, n: int = 600) -> Path:
    """A sweep folder whose runs dissolve when competitor_pull < 0.3 and the penalty is expulsion
    (with 5% of outcomes flipped), the other parameter irrelevant."""
    rng = np.random.default_rng(1)
    pull = rng.random(n)
    gap = rng.random(n)
    penalty = rng.choice(["none", "censure", "expulsion"], n)
    dissolved = (pull < 0.3) & (penalty == "expulsion")
    dissolved ^= rng.random(n) < 0.05
    runs = pd.DataFrame({"point": np.arange(n), "replicate": 0, "environment.competitor_pull": pull,
                         "environment.practice_gap": gap, "regime.dissent_penalty": penalty,
                         "outcome": np.where(dissolved, "dissolved", "stable"), "error": None})
    folder.mkdir(parents=True)
    runs.to_parquet(folder / "runs.parquet")
    (folder / "sweep.toml").write_text(tomli_w.dumps({"name": "fake", "parameters": {
        "environment.competitor_pull": {"low": 0.0, "high": 1.0}, "environment.practice_gap": {"low": 0.0, "high": 1.0},
        "regime.dissent_penalty": ["none", "censure", "expulsion"]}}))
    return folder


def test_prim_finds_the_box_that_produces_the_outcome(tmp_path):
    folder = fake_sweep(tmp_path / "sweep")
    proc = subprocess.run([sys.executable, "-m", "orgsim", "discover", str(folder), "--outcome", "dissolved"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = folder / "discover-dissolved"
    info = json.loads((out / "discover.json").read_text())
    box = info["box"]
    assert box["regime.dissent_penalty"]["values"] == ["expulsion"]
    assert 0.25 <= box["environment.competitor_pull"]["high"] <= 0.45  # the rule says 0.3; density >= 0.8 allows some slack
    assert "environment.practice_gap" not in box
    assert info["density"] >= 0.8 and info["coverage"] >= 0.5  # the 5% flipped outcomes outside the box cap it
    for name in ("trajectory.csv", "box.csv", "tradeoff.png", "report.html"):
        assert (out / name).exists()


def test_discover_refuses_what_it_cannot_do(tmp_path):
    folder = fake_sweep(tmp_path / "sweep")
    with pytest.raises(OrgsimError, match="no run ended 'split'"):
        discover(folder, "split")
    with pytest.raises(OrgsimError, match="allowed: dissolved"):
        discover(folder, "exploded")
    with pytest.raises(OrgsimError, match="holds no runs.parquet"):
        discover(tmp_path)
