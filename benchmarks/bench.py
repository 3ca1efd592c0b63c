"""orgsim speed and memory benchmark (separate from the test suite; nothing here is asserted).

    PYTHONPATH=. python benchmarks/bench.py [--quick] [--json out.json] [--sizes 1000,10000,100000]

Run from the repository root. Every measurement runs in a fresh subprocess pinned to one core
(os.sched_setaffinity, BLAS/OpenMP threads = 1), so peak memory (RSS) is per measurement and
nothing is shared or warmed between them. It measures:

* orgsim member-steps per second = initial members x weeks run / wall time of ``model.run()``
  for scenarios/baseline.toml at each size (branches = members / 25). Set-up (network, agents)
  is timed separately and excluded. Also: time per week per (milieu row + tie), which should
  stay roughly flat if the step cost is linear in people + ties.
* Mesa's own example ``mesa.examples.advanced.epstein_civil_violence`` (default 40x40 grid):
  agent-steps per second = agents x steps / wall time of the steps; and the orgsim/Epstein ratio.
* An ISO-like scenario end to end (load scenario, build, run, write outputs): scenarios/iso_2019.toml
  when it exists, otherwise baseline with 1,500 members, 40 branches and 536 weeks (said in the
  output). Timed in-process without and with charts, and as a whole ``python -m orgsim run``
  command (interpreter start and imports included).
* Sweep throughput: ``scenarios/sweeps/smoke.toml`` with N = 1 and 2 workers, each in a fresh process
  (``benchmarks/sweep_throughput.py --one``): runs/s of the computing phase and the charts' seconds
  apart. Skipped with a message while ``orgsim.experiments.sweep`` is not importable.

``--quick`` shortens everything (fewer weeks and steps) for a smoke check of the script itself;
``--iso-standin`` times the stand-in ISO scenario even where the real one exists (to compare trees).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
ISO = ROOT / "scenarios" / "iso_2019.toml"
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.toml"
ISO_STANDIN = {"organisation.members": 1500, "organisation.branches": 40, "weeks": 536}
SINGLE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


# --------------------------------------------------------------------------- helpers
def _env() -> dict:
    env = {**os.environ, **SINGLE_THREAD}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _pin() -> int:
    """Pin this process to one core (the last one it may use)."""
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far (VmHWM), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _worker(kind: str, *args: str) -> dict:
    """Run one measurement in a fresh subprocess and return its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, *args]
    out = subprocess.run(cmd, env=_env(), cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"worker {kind} {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- workers (in subprocesses)
def work_orgsim(members: int, weeks: int) -> dict:
    cpu = _pin()
    from orgsim.model.model import OrgModel
    from orgsim.model.scenario import load_scenario

    rss_imports = _peak_rss_mb()
    sc = load_scenario(BASELINE, {"organisation.members": members, "organisation.branches": max(1, members // 25),
                                  "weeks": weeks})
    t0 = time.perf_counter()
    model = OrgModel(sc)
    t1 = time.perf_counter()
    c1 = time.process_time()
    model.run()
    t2 = time.perf_counter()
    cpu = time.process_time() - c1  # CPU time: what other processes on the machine change least
    run = t2 - t1
    ties = int(model.net.within.nnz + model.net.cross.nnz)  # directed entries, i.e. 2 x undirected ties
    return {
        "members": members, "weeks": model.week, "rows": model.n, "ties": ties, "cpu": cpu,
        "setup_s": t1 - t0, "run_s": run, "run_cpu_s": cpu, "member_steps_per_s": members * model.week / run,
        "member_steps_per_cpu_s": members * model.week / cpu,
        "member_weeks": int(model.recorder.data["members"][: model.recorder.rows].sum()),
        "us_per_week": 1e6 * run / model.week,
        "ns_per_row_tie_week": 1e9 * run / model.week / (model.n + ties),
        "final_members": int(model.state.member.sum()),
        "peak_rss_mb": _peak_rss_mb(), "rss_after_imports_mb": rss_imports,
        "orgsim": str(Path(sys.modules["orgsim"].__file__).parent),
    }


def work_ecosystem(orgs: int, members: int, weeks: int) -> dict:
    """An ecosystem of ``orgs`` baseline organisations of ``members`` each (issue 12's case)."""
    cpu = _pin()
    from orgsim.ecosystem.model import Ecosystem
    from orgsim.ecosystem.scenario import validate_ecosystem

    org = {"organisation": {"members": members, "branches": max(1, members // 25)}}
    eco = Ecosystem(validate_ecosystem({"name": "bench", "weeks": weeks, "seed": 0,
                                        "organisations": [{"name": f"o{k}", **org} for k in range(orgs)]}))
    c1 = time.process_time()
    t1 = time.perf_counter()
    eco.run()
    run, cpu = time.perf_counter() - t1, time.process_time() - c1
    member_weeks = int(sum(o.recorder.data["members"][: o.recorder.rows].sum() for o in eco.orgs))
    return {"organisations": orgs, "members_each": members, "weeks": eco.week, "run_s": run, "run_cpu_s": cpu,
            "member_weeks": member_weeks, "cpu_us_per_member_week": 1e6 * cpu / member_weeks,
            "moved": int(sum(r[3] for r in eco.recorder.flows if r[2] in {o.scenario.name for o in eco.orgs})),
            "final_organisations": len(eco.alive()), "peak_rss_mb": _peak_rss_mb()}


def work_epstein(steps: int) -> dict:
    cpu = _pin()
    import mesa
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    t0 = time.perf_counter()
    model = EpsteinCivilViolence(seed=1)  # defaults: 40x40 torus, ~1,200 citizens and cops
    t1 = time.perf_counter()
    agents = len(model.agents)
    c1 = time.process_time()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    run_cpu = time.process_time() - c1
    return {"agents": agents, "steps": steps, "setup_s": t1 - t0, "run_s": t2 - t1, "run_cpu_s": run_cpu,
            "agent_steps_per_s": agents * steps / (t2 - t1), "agent_steps_per_cpu_s": agents * steps / run_cpu,
            "mesa": mesa.__version__, "cpu": cpu,
            "peak_rss_mb": _peak_rss_mb()}


def _iso_scenario():
    from orgsim.model.scenario import load_scenario

    if ISO.exists() and not os.environ.get("ORGSIM_BENCH_ISO_STANDIN"):
        return load_scenario(ISO), f"{ISO.relative_to(ROOT)}"
    why = "forced by --iso-standin" if ISO.exists() else "scenarios/iso_2019.toml not found"
    return (load_scenario(BASELINE, {**ISO_STANDIN, "name": "iso-standin"}),
            f"stand-in ({why}): baseline with 1,500 members, 40 branches, 536 weeks")


def work_iso(charts: str) -> dict:
    """Load, build, run and write outputs, in-process; imports before the clock except charts'."""
    cpu_id = _pin()
    import orgsim.runs.run as run
    from orgsim.outputs.report import run_decorator

    with_charts = charts == "charts"
    with tempfile.TemporaryDirectory() as tmp:
        c0 = time.process_time()
        t0 = time.perf_counter()
        sc, label = _iso_scenario()
        t1 = time.perf_counter()
        result = run.simulate(sc)
        t2 = time.perf_counter()
        run.write_outputs(result, Path(tmp) / "out", decorate=run_decorator(charts=with_charts))
        t3 = time.perf_counter()
        cpu = time.process_time() - c0
    return {"scenario": label, "charts": with_charts, "members": sc.organisation.members, "weeks": result.summary["weeks_run"],
            "load_s": t1 - t0, "simulate_s": t2 - t1, "write_s": t3 - t2, "total_s": t3 - t0, "total_cpu_s": cpu,
            "cpu": cpu_id,
            "peak_rss_mb": _peak_rss_mb()}


def iso_cli(charts: bool) -> dict:
    """The whole command, as a user types it: interpreter start, imports, run, outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        if ISO.exists() and not os.environ.get("ORGSIM_BENCH_ISO_STANDIN"):
            cmd = [sys.executable, "-m", "orgsim", "run", str(ISO)]
        else:
            cmd = [sys.executable, "-m", "orgsim", "run", str(BASELINE), "--set", "name=iso-standin"]
            cmd += [a for k, v in ISO_STANDIN.items() for a in ("--set", f"{k}={v}")]
        cmd += ["--out", str(Path(tmp) / "out")] + ([] if charts else ["--no-charts"])
        cpu = max(os.sched_getaffinity(0))
        t0 = time.perf_counter()
        subprocess.run(["taskset", "-c", str(cpu)] + cmd if shutil.which("taskset") else cmd,
                       env=_env(), cwd=ROOT, check=True, capture_output=True)
        return {"charts": charts, "wall_s": time.perf_counter() - t0}


def sweep(workers: int) -> dict:
    """One sweep of smoke.toml in a fresh process started as ``orgsim sweep`` starts (see sweep_throughput.py):
    runs/s of the computing phase (worker start-up included), and the charts' seconds apart."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "benchmarks" / "sweep_throughput.py"), str(SMOKE), "--one", str(Path(tmp) / "out"),
               "--workers", str(workers)]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, env=_env(), cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            return {"workers": workers, "error": (p.stderr or p.stdout)[-500:]}
        m = json.loads(p.stdout.strip().splitlines()[-1])
        return {"workers": workers, "runs": m["runs"], "computing_s": m["seconds"], "runs_per_s": m["rate"],
                "charts_s": m["chart_seconds"], "cpu_per_run_s": m["cpu_per_run"], "process_wall_s": wall,
                "load_after": m["load"]}


def sweep_available() -> str | None:
    """None if the sweep engine can be benchmarked, else why not."""
    probe = subprocess.run([sys.executable, "-c", "import orgsim.experiments.sweep as s; print(s.__file__)"], env=_env(), cwd=ROOT,
                           capture_output=True, text=True)
    # an editable install of another checkout may supply a module this tree lacks: it must be this tree's
    if probe.returncode != 0 or not Path(probe.stdout.strip()).resolve().is_relative_to(ROOT):
        return "orgsim.experiments.sweep is not importable from this tree (the sweep engine is not on this branch yet)"
    if not SMOKE.exists():
        return f"{SMOKE.relative_to(ROOT)} not found"
    return None


# --------------------------------------------------------------------------- driver
def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import mesa
    import numpy
    import scipy

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "mesa": mesa.__version__, "load_avg_at_start": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="orgsim speed and memory benchmark")
    p.add_argument("--quick", action="store_true", help="short runs: checks the script, numbers are rough")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument("--sizes", default="1000,10000,100000", help="comma-separated member counts")
    p.add_argument("--weeks", type=int, default=None, help="weeks per size run (default 520; 52 with --quick)")
    p.add_argument("--skip", default="", help="comma-separated parts to skip: orgsim,epstein,ecosystem,iso,sweep")
    p.add_argument("--iso-standin", action="store_true",
                   help="time the stand-in ISO scenario even if scenarios/iso_2019.toml exists (to compare with older trees)")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args(argv)

    if a.worker:
        kind, *args = a.worker
        fn = {"orgsim": lambda m, w: work_orgsim(int(m), int(w)), "epstein": lambda s: work_epstein(int(s)),
              "iso": work_iso, "ecosystem": lambda n, m, w: work_ecosystem(int(n), int(m), int(w))}[kind]
        print(json.dumps(fn(*args)))
        return 0

    skip = set(filter(None, a.skip.split(",")))
    if a.iso_standin:
        os.environ["ORGSIM_BENCH_ISO_STANDIN"] = "1"  # inherited by the measuring subprocesses
    weeks = a.weeks or (52 if a.quick else 520)
    sizes = [int(x) for x in a.sizes.split(",") if x]
    res: dict = {"machine": machine(), "command": " ".join(["python", "benchmarks/bench.py", *(argv or sys.argv[1:])]),
                 "quick": a.quick}
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "orgsim"], cwd=ROOT, capture_output=True, text=True)
    res["commit"] = git.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    print(f"orgsim benchmark @ {res['commit']} on {res['machine']['cpu']} ({res['machine']['cores']} cores), "
          f"one core per measurement; load average at start {res['machine']['load_avg_at_start'][0]:.2f}")

    if "orgsim" not in skip:
        res["orgsim"] = []
        print(f"\nbaseline.toml, {weeks} weeks, branches = members/25 (set-up excluded from the rate)")
        print(f"{'members':>9} {'rows':>8} {'ties':>9} {'set-up s':>9} {'run s':>8} {'(CPU s)':>8} {'member-steps/s':>15} "
              f"{'(per CPU s)':>12} {'ns/(row+tie)/wk':>16} {'peak RSS MB':>12}")
        for m in sizes:
            r = _worker("orgsim", str(m), str(weeks))
            res["orgsim"].append(r)
            print(f"{m:>9,} {r['rows']:>8,} {r['ties']:>9,} {r['setup_s']:>9.3f} {r['run_s']:>8.3f} {r['run_cpu_s']:>8.3f} "
                  f"{r['member_steps_per_s']:>15,.0f} {r['member_steps_per_cpu_s']:>12,.0f} "
                  f"{r['ns_per_row_tie_week']:>16.2f} {r['peak_rss_mb']:>12.0f}")
        print(f"(peak RSS includes ~{res['orgsim'][0]['rss_after_imports_mb']:.0f} MB of interpreter and imports)")

    if "epstein" not in skip:
        steps = 20 if a.quick else 100
        e = res["epstein"] = _worker("epstein", str(steps))
        print(f"\nMesa {e['mesa']} epstein_civil_violence (defaults): {e['agents']} agents x {steps} steps in "
              f"{e['run_s']:.2f} s = {e['agent_steps_per_s']:,.0f} agent-steps/s ({e['agent_steps_per_cpu_s']:,.0f} per CPU s)")
        if "orgsim" in res:
            res["ratio"] = {str(r["members"]): r["member_steps_per_s"] / e["agent_steps_per_s"] for r in res["orgsim"]}
            res["ratio_cpu"] = {str(r["members"]): r["member_steps_per_cpu_s"] / e["agent_steps_per_cpu_s"]
                                for r in res["orgsim"]}
            print("orgsim / Epstein (wall): " + ", ".join(f"{int(k):,} members {v:,.0f}x" for k, v in res["ratio"].items()))
            print("orgsim / Epstein (CPU):  " + ", ".join(f"{int(k):,} members {v:,.0f}x" for k, v in res["ratio_cpu"].items()))

    if "ecosystem" not in skip:
        n, each = (5, 200) if a.quick else (5, 1000)
        e = _worker("ecosystem", str(n), str(each), str(weeks))
        one = _worker("orgsim", str(n * each), str(weeks))
        single = 1e6 * one["run_cpu_s"] / one["member_weeks"]
        res["ecosystem"] = {"ecosystem": e, "single": one, "single_cpu_us_per_member_week": single,
                            "ratio": e["cpu_us_per_member_week"] / single}
        print(f"\necosystem of {n} x {each:,} members vs one organisation of {n * each:,}, {weeks} weeks (CPU per member-week): "
              f"{e['cpu_us_per_member_week']:.3f} us vs {single:.3f} us = {res['ecosystem']['ratio']:.2f}x "
              f"(target: at most 2x); {e['moved']} moves between organisations")

    if "iso" not in skip:
        res["iso"] = {"in_process": [_worker("iso", c) for c in ("nocharts", "charts")],
                      "cli": [iso_cli(False), iso_cli(True)]}
        i0, i1 = res["iso"]["in_process"]
        c0, c1 = res["iso"]["cli"]
        print(f"\nISO-like scenario end to end: {i0['scenario']}")
        print(f"  in-process, load + simulate + write: {i0['total_s']:.3f} s without charts "
              f"(simulate {i0['simulate_s']:.3f}, write {i0['write_s']:.3f}; CPU {i0['total_cpu_s']:.3f} s); "
              f"{i1['total_s']:.3f} s with charts (write {i1['write_s']:.3f}, matplotlib import included; "
              f"CPU {i1['total_cpu_s']:.3f} s)")
        print(f"  whole command `python -m orgsim run`: {c0['wall_s']:.2f} s with --no-charts, {c1['wall_s']:.2f} s with charts")

    if "sweep" not in skip:
        why = sweep_available()
        if why:
            res["sweep"] = {"skipped": why}
            print(f"\nsweep: skipped: {why}")
        else:
            res["sweep"] = [sweep(1), sweep(2)]
            print(f"\nsweep {SMOKE.relative_to(ROOT)} (each in a fresh process; runs/s of the computing phase, "
                  "worker start-up included; charts and report.html timed apart):")
            for s in res["sweep"]:
                if "error" in s:
                    print(f"  --workers {s['workers']}: failed: {s['error']}")
                    continue
                print(f"  --workers {s['workers']}: {s['runs']} runs in {s['computing_s']:.2f} s, {s['runs_per_s']:.1f} runs/s "
                      f"(CPU {s['cpu_per_run_s']:.3f} s/run in the workers); charts {s['charts_s']:.2f} s; "
                      f"whole process {s['process_wall_s']:.2f} s; load after {s['load_after']:.1f}")
            if not any("error" in s for s in res["sweep"]):
                one, two = res["sweep"]
                print(f"  speed-up with 2 workers (computing phase): {one['computing_s'] / two['computing_s']:.2f}x")

    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(res, indent=2) + "\n")
        print(f"\nwrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
