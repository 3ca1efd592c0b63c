"""Issue 14: hypothesis-generated scenario files, sweep files and --set values through the command
line, as subprocesses. Whatever the input: exit status 0 or 2, never a traceback, and on a refusal
nothing written at all (on success, only the output folder).

Bounded for CI: few examples per property, derandomised (the same examples every run), and small
organisations over a few weeks, so that the inputs that are valid run in a fraction of a second.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliability_helpers import cli, tree

# ORGSIM_FUZZ_EXAMPLES=500 explores further (random, not derandomised), e.g. before a release
EXPLORE = int(os.environ.get("ORGSIM_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXPLORE or 20, deadline=None, derandomize=not EXPLORE, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --------------------------------------------------------------------------- values
junk = st.one_of(
    st.booleans(), st.integers(-3, 3), st.integers(-2**63, 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["", "true", "10", "1e400", "nan", "slate", "expulsion", "2015-01-05", "\n", "a" * 300]),
    st.dates(), st.lists(st.integers(0, 3), max_size=3),
)
small_int = st.integers(1, 12)


def mostly(valid, bad=junk):
    """Valid three times in four: so that a fair share of the generated files run."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda ok: valid if ok else bad)


VALID = {
    "weeks": small_int,
    "seed": st.integers(0, 99),
    "name": st.from_regex(r"[a-z][a-z0-9_.-]{0,10}", fullmatch=True),
    "start_date": st.one_of(st.dates(), st.just("9999-12-01"), st.just("2015-01-05")),
    "organisation.members": st.integers(2, 60),
    "organisation.branches": st.integers(1, 6),
    "organisation.organisers": st.integers(0, 8),
    "organisation.leaders": st.integers(1, 12),
    "organisation.periphery": st.floats(0, 4),
    "regime.voting": st.sampled_from(["slate", "individual"]),
    "regime.branch_minutes": st.booleans(),
    "regime.dissent_penalty": st.sampled_from(["none", "censure", "suspension", "expulsion"]),
    "regime.unity_of_thought": st.floats(0, 1),
    "environment.climate": st.floats(0, 3),
    "network.within_degree": st.floats(0, 10),
    "parameters.voice.threshold": st.floats(0, 1),
}
SCENARIO_KEYS = {**{k: mostly(v) for k, v in VALID.items()}, "nonsense": junk}
week = st.integers(0, 12)
EVENT = st.one_of(
    st.fixed_dictionaries({"kind": st.just("scandal"), "week": week}, optional={"severity": st.floats(0, 1)}),
    st.fixed_dictionaries({"kind": st.just("critique"), "week": week}, optional={"stance": st.floats(-1, 1)}),
    st.fixed_dictionaries({"kind": st.just("reform"), "week": week,
                           "changes": st.fixed_dictionaries({}, optional={"voting": st.sampled_from(["slate", "individual"])})}),
    st.fixed_dictionaries({"kind": st.just("convention"), "week": week}),
    st.fixed_dictionaries({"kind": st.sampled_from(["climate", "bogus", "scandal"])},
                          optional={"week": junk, "date": st.dates(), "severity": junk, "changes": junk}),
)
BASE = {"name": "fz", "weeks": 5, "organisation": {"members": 30, "branches": 3}}


def nest(flat: dict) -> dict:
    out: dict = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out


def merge(base: dict, extra: dict) -> dict:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for k, v in extra.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def toml_text(data: dict) -> str:
    """TOML of generated data; values TOML cannot hold are written as strings."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v
    try:
        return tomli_w.dumps(clean(data))
    except (TypeError, ValueError):
        return tomli_w.dumps({k: str(v) for k, v in data.items()})


def _scenario(flat: dict, events: list) -> dict:
    return merge(BASE, nest(flat)) | ({"events": events} if events else {})


def _keys(table: dict, n: int):
    return st.lists(st.sampled_from(sorted(table)), max_size=n, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: table[k] for k in keys}))


# half the files use valid values only (they mostly run), half may hold anything anywhere
scenarios = st.one_of(st.builds(_scenario, _keys(VALID, 4), st.lists(EVENT.filter(lambda e: e["kind"] != "bogus"
                                                                                   and "week" in e), max_size=2)),
                      st.builds(_scenario, _keys(SCENARIO_KEYS, 4), st.lists(EVENT, max_size=2)))


def check(folder: Path, before: set[str], r, out: str) -> None:
    if os.environ.get("ORGSIM_FUZZ_LOG"):
        with open(os.environ["ORGSIM_FUZZ_LOG"], "a") as log:
            log.write(f"{r.code} {r.err.strip()[:150]!r}\n")
    assert r.code in (0, 2), (r.code, r.err[-3000:])
    assert "Traceback" not in r.err and "Traceback" not in r.out, r.err[-3000:]
    after = tree(folder)
    if r.code == 2:
        assert r.err.startswith("orgsim: error: ") or r.err.startswith("usage: "), r.err[-3000:]
        assert after == before, sorted(after ^ before)  # nothing written on a refusal
    else:
        assert {p.split("/")[0] for p in after - before} <= {out}, sorted(after - before)


def fresh() -> Path:
    return Path(tempfile.mkdtemp(prefix="orgsim-fuzz-"))


# --------------------------------------------------------------------------- properties
@FUZZ
@given(scenarios)
def test_fuzzed_scenario_files_run_or_are_refused_in_one_message(data):
    folder = fresh()
    try:
        (folder / "s.toml").write_text(toml_text(data))
        before = tree(folder)
        r = cli("run", "s.toml", "--no-charts", "--out", "out", cwd=folder, timeout=120)
        check(folder, before, r, "out")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


set_values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
    st.sampled_from(["true", "false", "10", "-1", "1.5", "nan", "inf", '"10"', '"yes"', "[1, 2]", "{a = 1}",
                     "2015-01-05", "9999-01-01", "1e400", "0x10", "individual", "'x'", '"""', "=", "a.b=c"]),
)
set_keys = st.one_of(st.sampled_from(sorted(VALID)),
                     st.sampled_from(["", ".", "a..b", "events.0.week", "organisation", "organisation.members.x",
                                      "k" * 300]))


@FUZZ
@given(st.lists(st.tuples(set_keys, set_values), min_size=1, max_size=3))
def test_fuzzed_set_values_run_or_are_refused_in_one_message(sets):
    folder = fresh()
    try:
        (folder / "s.toml").write_text(toml_text(BASE))
        args = [a for key, value in sets for a in ("--set", f"{key}={value}")]
        before = tree(folder)
        r = cli("run", "s.toml", "--no-charts", "--out", "out", *args, cwd=folder, timeout=120)
        check(folder, before, r, "out")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


param_specs = st.one_of(
    st.lists(mostly(st.one_of(st.sampled_from(["slate", "individual"]), st.integers(1, 3), st.floats(0, 1))),
             max_size=3),
    st.fixed_dictionaries({}, optional={k: mostly(st.one_of(st.floats(allow_nan=True), st.integers(-2, 4)))
                                        for k in ("start", "stop", "step", "num", "low", "high", "log", "integer")}),
    junk,
)
PARAM_KEYS = ["regime.voting", "regime.unity_of_thought", "environment.climate", "organisation.branches",
              "weeks", "seed", "nonsense.key"]
sweeps = st.fixed_dictionaries(
    {"name": mostly(st.just("fz")),
     "base": mostly(st.one_of(st.just(BASE), st.just("missing.toml"))),
     "parameters": st.dictionaries(st.sampled_from(PARAM_KEYS), param_specs, max_size=2)},
    optional={"replicates": mostly(st.integers(1, 2)),
              "sampler": st.sampled_from(["grid", "random", "lhs", "bogus"]),
              "samples": mostly(st.integers(1, 3)),
              "seed": mostly(st.integers(0, 5)),
              "batch": mostly(st.integers(1, 3)),
              "keep": st.fixed_dictionaries({}, optional={"timeseries": mostly(st.booleans()),
                                                          "every": mostly(st.integers(1, 3))})},
)


@FUZZ
@given(sweeps)
def test_fuzzed_sweep_files_run_or_are_refused_in_one_message(data):
    folder = fresh()
    try:
        (folder / "sw.toml").write_text(toml_text(data))
        before = tree(folder)
        r = cli("sweep", "sw.toml", "--workers", "1", "--no-charts", "--out", "out", cwd=folder, timeout=120)
        check(folder, before, r, "out")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_toml_text_helper_writes_what_it_can():
    assert "weeks = 5" in toml_text(BASE)
    assert math.isnan(float("nan"))  # nan and inf are TOML values (tomli_w writes them)
