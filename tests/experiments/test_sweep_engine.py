"""The sweep engine: same results whatever the executor, failures recorded, lost workers retried,
resumable after SIGKILL, flat memory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sweep_helpers
from helpers import ROOT, subprocess_env, write_sweep
from orgsim.cli import main
from orgsim.experiments.sweep import load_plan, rerun, run_sweep
from orgsim.outputs.report import write_sweep_report

FINAL_FILES = ("runs.parquet", "timeseries.parquet", "points.csv", "sweep.toml", "versions.json")
KEEP = "[keep]\ntimeseries = ['members', 'mean_trust']\nevery = 3\n"


def tiny_plan(folder: Path, **kw):
    path = write_sweep(folder, **kw)
    if "keep" not in kw.get("extra", ""):
        path.write_text(path.read_text() + KEEP)
    return load_plan(path)


def quiet(plan, out, **kw):
    # with the charts and report, as `orgsim sweep` draws them
    return run_sweep(plan, out, show_progress=False, log=lambda *a: None, decorate=write_sweep_report, **kw)


def read_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FINAL_FILES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny sweep computed in this process (one worker)."""
    folder = tmp_path_factory.mktemp("reference")
    plan = tiny_plan(folder)
    report = quiet(plan, folder / "out", workers=1)
    return plan, report, folder / "out"


def test_reference_sweep_is_complete_and_sorted(reference):
    plan, report, out = reference
    runs = pd.read_parquet(out / "runs.parquet")
    assert report.runs == plan.n_runs == len(runs) == 12 and report.failed == 0
    assert list(zip(runs["point"], runs["replicate"])) == [(p, r) for p in range(4) for r in range(3)]
    assert runs["error"].isna().all()
    assert set(runs["regime.voting"]) == {"slate", "individual"}
    assert (runs["seed_root"] == 42).all()
    assert [tuple(k) for k in runs["seed_spawn_key"]] == list(zip(runs["point"], runs["replicate"]))
    # replicates are different runs: with 30 members, trust after 10 weeks never coincides exactly
    assert runs["final_mean_trust"].nunique() == len(runs)
    points = pd.read_csv(out / "points.csv")
    assert len(points) == 4 and (points["runs"] == 3).all()
    outcome_cols = [c for c in points if c.startswith("p_") and c[2:] in
                    ("growth", "stable", "decline", "collapse", "split", "dissolved")]
    assert np.allclose(points[outcome_cols].sum(axis=1), 1.0)


def test_each_run_depends_only_on_its_point_and_replicate(reference):
    plan, _, out = reference
    runs = pd.read_parquet(out / "runs.parquet").set_index(["point", "replicate"])
    for point, replicate in [(0, 0), (2, 1), (3, 2)]:
        again = rerun(out, point, replicate)  # computed alone, outside any sweep
        row = runs.loc[(point, replicate)]
        assert again.summary["final_members"] == row["final_members"]
        assert again.summary["final_mean_trust"] == row["final_mean_trust"]
        assert again.scenario.regime.voting == row["regime.voting"]


def test_timeseries_keeps_chosen_columns_every_kth_week_and_the_last(reference):
    _, _, out = reference
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["point", "replicate", "week", "members", "mean_trust"]
    one = ts[(ts["point"] == 1) & (ts["replicate"] == 2)]
    assert list(one["week"]) == [0, 3, 6, 9]  # weeks 0..9, every 3rd; 9 is also the last
    runs = pd.read_parquet(out / "runs.parquet").set_index(["point", "replicate"])
    assert one["members"].iloc[-1] == runs.loc[(1, 2), "final_members"]


def test_two_local_workers_give_identical_files(reference, tmp_path):
    plan, _, ref_out = reference
    report = quiet(plan, tmp_path / "out", workers=2)
    assert report.executor.startswith("2 local")
    assert read_bytes(tmp_path / "out") == read_bytes(ref_out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster():
    """A real scheduler and one worker process, on 127.0.0.1 only; stopped afterwards."""
    from distributed import Client

    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = subprocess_env()
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs.append(subprocess.Popen([str(dask), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                       "--host", "127.0.0.1", "--no-dashboard"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for p in reversed(procs):  # the worker first, while its scheduler can still say goodbye
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_dask_cluster_gives_identical_files(reference, tmp_path, dask_cluster):
    plan, _, ref_out = reference
    report = quiet(plan, tmp_path / "out", scheduler=dask_cluster)
    assert report.executor.startswith("Dask cluster at tcp://127.0.0.1")
    assert read_bytes(tmp_path / "out") == read_bytes(ref_out)


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path):
    plan = tiny_plan(tmp_path)
    report = quiet(plan, tmp_path / "out", workers=2, runner=sweep_helpers.failing_runner)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    failed = runs[runs["error"].notna()]
    assert len(runs) == plan.n_runs and report.failed == len(failed) == 2  # 2 'individual' points x replicate 0
    assert set(failed["regime.voting"]) == {"individual"} and set(failed["replicate"]) == {0}
    assert all(e == "RuntimeError: deliberate failure at replicate 0" for e in failed["error"])
    assert failed["final_members"].isna().all()
    ok = runs[runs["error"].isna()]
    assert ok["outcome"].notna().all() and len(ok) == 10
    points = pd.read_csv(tmp_path / "out" / "points.csv")
    assert list(points["failed"]) == [0, 1, 0, 1]


def test_a_killed_worker_is_replaced_and_its_tasks_rerun(reference, tmp_path):
    plan, _, ref_out = reference
    plan.batch = 1  # 12 tasks, so that some are in flight when the worker dies
    killed = []

    def kill_one_worker(output, executor):
        if not killed:
            pid = executor.pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    quiet(plan, tmp_path / "out", workers=2, on_task=kill_one_worker)
    assert killed
    # same rows as the reference: nothing lost, nothing recorded as failed (part sizes differ, files do not)
    assert (tmp_path / "out" / "runs.parquet").read_bytes() == (ref_out / "runs.parquet").read_bytes()


def test_sigkill_then_resume_gives_identical_files(tmp_path):
    path = write_sweep(tmp_path, name="resume", members=120, weeks=52, replicates=6, extra="batch = 2",
                       parameters='"regime.dissent_penalty" = ["none", "censure", "expulsion"]\n'
                                  '"regime.voting" = ["slate", "individual"]\n')
    path.write_text(path.read_text() + KEEP)
    env = subprocess_env()
    cmd = [sys.executable, "-m", "orgsim", "sweep", str(path), "--workers", "2"]
    interrupted = tmp_path / "interrupted"
    proc = subprocess.Popen(cmd + ["--out", str(interrupted)], env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = interrupted / "parts"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(parts.glob("runs-*.parquet"))) < 4:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-way
    proc.wait()
    n_parts = len(list(parts.glob("runs-*.parquet")))
    assert 4 <= n_parts < 18 and not (interrupted / "runs.parquet").exists()

    resumed = subprocess.run(cmd + ["--out", str(interrupted)], env=env, cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{n_parts} tasks already done" in resumed.stdout
    assert "runs (100%), 0 failed" in resumed.stderr  # plain progress lines without a TTY

    clean = tmp_path / "clean"
    subprocess.run(cmd + ["--out", str(clean)], env=env, cwd=ROOT, check=True, capture_output=True)
    assert read_bytes(interrupted) == read_bytes(clean)
    runs = pd.read_parquet(interrupted / "runs.parquet")
    assert len(runs) == 36 and not runs.duplicated(["point", "replicate"]).any()


def test_changed_sweep_in_existing_folder_is_refused_unless_forced(reference, tmp_path, capsys):
    _, _, ref_out = reference
    out = tmp_path / "out"
    path = write_sweep(tmp_path, replicates=2)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    path.write_text(path.read_text().replace("replicates = 2", "replicates = 3"))
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "holds results of a different sweep (replicates: 2 there, 3 now)" in err and "--force" in err
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--force"]) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == 12
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--replicates", "2"]) == 2
    # results computed by other model code are not mixed with new ones either
    versions = json.loads((out / "versions.json").read_text())
    versions["orgsim_source"] = "0123456789abcdef"
    (out / "versions.json").write_text(json.dumps(versions))
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert "was computed with other code or libraries (orgsim_source 0123456789abcdef there" in capsys.readouterr().err


MEMORY_SCRIPT = """
import json, sys
import psutil
import sweep_helpers
from orgsim.experiments.sweep import load_plan, run_sweep

def main():
    plan = load_plan(sys.argv[1])
    proc = psutil.Process()
    rss = []
    # no decorate (charts): this probes the streaming of results, not chart rendering
    run_sweep(plan, sys.argv[2], workers=2, show_progress=False, log=lambda *a: None,
              runner=sweep_helpers.big_timeseries_runner, on_task=lambda o, e: rss.append(proc.memory_info().rss))
    # VmHWM: this process's own peak. ru_maxrss would not do: on Linux it survives exec, so it
    # reports the forking parent's (pytest's) size when that is larger.
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) * 1024
    print(json.dumps({"rss": rss, "peak": peak}))

if __name__ == "__main__":
    main()
"""


def test_parent_memory_stays_flat_over_a_long_sweep(tmp_path):
    """~100 MB of incompressible time series flow through the parent; its memory must not grow with it."""
    path = write_sweep(tmp_path, name="memory", replicates=50, extra="batch = 2",
                       parameters='"regime.unity_of_thought" = { start = 0.0, stop = 0.5, step = 0.1 }\n')
    path.write_text(path.read_text() + "[keep]\ntimeseries = true\n")
    script = tmp_path / "memory_probe.py"
    script.write_text(MEMORY_SCRIPT)
    res = subprocess.run([sys.executable, str(script), str(path), str(tmp_path / "out")], env=subprocess_env(),
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    probe = json.loads(res.stdout.strip().splitlines()[-1])
    rss = np.array(probe["rss"]) / 2**20
    stored = sum(p.stat().st_size for p in (tmp_path / "out" / "parts").glob("timeseries-*")) / 2**20
    assert len(rss) == 150 and stored > 90  # the data really flowed through (4x the bound below)
    growth = np.median(rss[-20:]) - np.median(rss[10:30])
    assert growth < 25, f"parent RSS grew {growth:.0f} MB while {stored:.0f} MB passed through"
    assert probe["peak"] / 2**20 - np.median(rss[10:30]) < 150  # merging streams too
