"""Determinism check for engine changes: outputs must stay byte-identical.

Runs a fixed set of scenario variants and seeds (baseline; harsh discipline; events that exercise
scandals, critiques, conventions with proposals, reforms and climate changes; a closed regime; a
larger organisation; the case scenarios iso_2019 and sep_2021 where they exist) and writes
timeseries.csv, events.csv and summary.json for each.

    python benchmarks/determinism.py record REF_DIR     # before a change
    python benchmarks/determinism.py compare REF_DIR    # after it: exit 1 on any difference
    python benchmarks/determinism.py compare REF_DIR --verify   # also assert every engine cache

Run from the repository root with the worktree first on the path (PYTHONPATH=.).
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from collections import Counter
from pathlib import Path

FILES = ("timeseries.csv", "events.csv", "summary.json")
ROOT = Path(__file__).resolve().parent.parent

EVENTS = [
    {"kind": "critique", "week": 30, "stance": 0.3, "strength": 0.6, "label": "c1"},
    {"kind": "scandal", "week": 60, "severity": 0.7, "implicates": "old", "share": 0.5, "reach": 0.2},
    {"kind": "critique", "week": 80, "stance": -0.25, "defends_previous": True, "label": "c2"},
    {"kind": "convention", "week": 120, "agenda": [
        {"changes": {"faction_rights": "permanent"}, "label": "rights"},
        {"changes": {"dissent_penalty": "expulsion"}, "label": "harsher"}]},
    {"kind": "critique", "week": 140, "stance": 0.35, "by": "provisional", "label": "c3"},
    {"kind": "reform", "week": 200, "changes": {"horizontal_communication": "forbidden", "branch_minutes": True}},
    {"kind": "scandal", "week": 220, "severity": 0.9, "implicates": "leadership", "cover_up": True, "public": True},
    {"kind": "climate", "week": 260, "climate": 1.6, "competitor_pull": 0.6, "practice_gap": 0.4},
    {"kind": "critique", "week": 270, "stance": 0.3, "strength": 0.9, "label": "c4"},
]

VARIANTS: dict[str, dict] = {
    "baseline": {},
    "harsh": {"regime.dissent_penalty": "expulsion", "regime.branch_minutes": True},
    "events": {"events": EVENTS, "regime.voting": "individual", "regime.investigation": "independent"},
    "closed": {"events": EVENTS, "regime.dissent_penalty": "suspension", "regime.transparency": "secret",
               "regime.horizontal_communication": "discouraged", "regime.organiser_appointment": "appointed",
               "regime.faction_rights": "banned", "environment.practice_gap": 0.5},
    "turbulent": {"events": EVENTS, "regime.faction_rights": "permanent", "regime.dissent_penalty": "expulsion",
                  "environment.practice_gap": 0.6, "environment.competitor_pull": 0.7,
                  "parameters.factions.split_prob": 0.3, "parameters.factions.split_trust": 0.5,
                  "parameters.exit.disaffiliation_trust": 0.45, "parameters.exit.disaffiliation_prob": 0.5},
    "factions": {"parameters.voice.threshold": 0.12, "regime.faction_rights": "preconvention",
                 "parameters.factions.min_size": 3, "parameters.factions.split_trust": 0.9,
                 "parameters.factions.split_prob": 0.05, "environment.practice_gap": 0.3,
                 "parameters.exit.max_hazard": 0.05},
    "open": {"parameters.voice.threshold": 0.12, "regime.dissent_penalty": "none", "regime.faction_rights": "permanent",
             "parameters.factions.min_size": 3, "parameters.exit.max_hazard": 0.05, "events": EVENTS[:3]},
    "large": {"organisation.members": 10000, "organisation.branches": 400, "weeks": 104},
}
SEEDS = {"baseline": (1, 2, 3), "harsh": (1, 2), "events": (1, 2), "closed": (1, 2), "turbulent": (1, 2),
         "factions": (1, 2), "open": (1,), "large": (1,)}


CASES = ("iso_2019", "sep_2021")


def produce(out: Path, verify: bool = False) -> Counter:
    sys.path.insert(0, str(ROOT))
    from orgsim.model.model import OrgModel
    from orgsim.runs.run import simulate, write_files

    OrgModel.verify_caches = verify
    from orgsim.model.scenario import apply_overrides, read_toml, validate

    base = read_toml(ROOT / "scenarios" / "baseline.toml")
    kinds: Counter = Counter()
    variants = dict(VARIANTS)
    seeds = dict(SEEDS)
    for case in CASES:  # the real case scenarios, where present
        if (ROOT / "scenarios" / f"{case}.toml").exists():
            variants[case], seeds[case] = {"file": case}, (1, 2)
    for name, overrides in variants.items():
        for seed in seeds[name]:
            overrides = dict(overrides)
            source = read_toml(ROOT / "scenarios" / f"{overrides.pop('file')}.toml") if "file" in overrides else base
            data = apply_overrides(source, {**overrides, "seed": seed, "name": f"det-{name}"})
            result = simulate(validate(data, name))
            write_files(result, out / f"{name}-seed{seed}")  # the data files only
            kinds.update(result.events["kind"])
    return kinds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=("record", "compare"))
    p.add_argument("ref", type=Path)
    p.add_argument("--verify", action="store_true", help="also check every engine cache against a fresh computation (slow)")
    a = p.parse_args()
    import orgsim

    print(f"orgsim from {orgsim.__file__}")
    if a.mode == "record":
        kinds = produce(a.ref, a.verify)
        print(f"recorded {len(list(a.ref.iterdir()))} runs in {a.ref}; event kinds exercised: {dict(kinds)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        produce(Path(tmp), a.verify)
        bad = []
        for run in sorted(a.ref.iterdir()):
            for f in FILES:
                if not filecmp.cmp(run / f, Path(tmp) / run.name / f, shallow=False):
                    bad.append(f"{run.name}/{f}")
        n = len(list(a.ref.iterdir()))
        if bad:
            print(f"DIFFERENT ({len(bad)} of {n * len(FILES)} files): " + ", ".join(bad))
            return 1
        print(f"identical: {n} runs x {len(FILES)} files")
        return 0


if __name__ == "__main__":
    sys.exit(main())
