"""Issue 14: one fault test per defect. Nothing orgsim did not write is deleted; work is bounded and
checked before it starts; sweep parts are verified; no process outlives its command; bad input is
one line (exit status 2, no traceback, nothing written)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import psutil
import pytest

from helpers import BASELINE, ROOT, subprocess_env, write_sweep
from orgsim.errors import OrgsimError
from reliability_helpers import OK, in_process, refused_cleanly, tree


@pytest.fixture
def ok(tmp_path) -> Path:
    path = tmp_path / "ok.toml"
    path.write_text(OK)
    return path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- 1. data loss
def test_force_never_replaces_a_folder_orgsim_did_not_write(tmp_path, ok):
    p = tmp_path / "P"
    (p / "sub").mkdir(parents=True)
    (p / "thesis.txt").write_text("thesis")
    refused_cleanly(tmp_path, "run", ok, "--no-charts", "--out", p, "--force", words=["not an orgsim run folder"])
    assert (p / "thesis.txt").read_text() == "thesis" and (p / "sub").is_dir()
    # a home-like folder holding a run folder's files but no marker is refused too
    (p / "summary.json").write_text("{}")
    refused_cleanly(tmp_path, "run", ok, "--no-charts", "--out", p, "--force")


def test_force_replaces_only_orgsim_files_of_a_run_folder(tmp_path, ok):
    out = tmp_path / "run"
    assert in_process("run", ok, "--no-charts", "--out", out, cwd=tmp_path).code == 0
    marker = json.loads((out / "orgsim.json").read_text())
    assert marker["orgsim"] == "run" and "timeseries.csv" in marker["files"]
    (out / "notes.txt").write_text("mine")
    refused_cleanly(tmp_path, "run", ok, "--no-charts", "--out", out, "--force", words=["notes.txt", "did not write"])
    (out / "notes.txt").unlink()
    (out / "overview_0_5.png").write_bytes(b"png")  # a chart `orgsim plot` adds is orgsim's own
    r = in_process("run", ok, "--no-charts", "--out", out, "--force", "--seed", "3", cwd=tmp_path)
    assert r.code == 0, r.err
    assert json.loads((out / "summary.json").read_text())["seed"] == 3
    assert not (out / "overview_0_5.png").exists() and not list(tmp_path.glob(".run.*"))


def test_sweep_force_clears_only_an_orgsim_sweep_folder(tmp_path):
    path = write_sweep(tmp_path, replicates=1, weeks=4, members=20)
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.txt").write_text("thesis")
    refused_cleanly(tmp_path, "sweep", path, "--out", out, "--force", "--workers", "1", "--no-charts",
                    words=["not an orgsim sweep folder"])
    (out / "thesis.txt").unlink()
    assert in_process("sweep", path, "--out", out, "--workers", "1", "--no-charts", cwd=tmp_path).code == 0
    assert json.loads((out / "orgsim.json").read_text())["orgsim"] == "sweep"
    (out / "parts" / "mine.txt").write_text("mine")
    refused_cleanly(tmp_path, "sweep", path, "--out", out, "--force", "--workers", "1", "--no-charts",
                    words=["parts/", "did not write"])
    (out / "parts" / "mine.txt").unlink()
    assert in_process("sweep", path, "--out", out, "--force", "--workers", "1", "--no-charts", cwd=tmp_path).code == 0


# --------------------------------------------------------------------------- 2. unbounded work
@pytest.mark.parametrize("params", [
    '"environment.climate" = {start = 0, stop = 1, num = 1000}\n'
    '"environment.competitor_pull" = {start = 0, stop = 1, num = 1000}\n'
    '"environment.practice_gap" = {start = 0, stop = 1, num = 1000}\n',
    '"environment.climate" = {start = 0, stop = 1, step = 1e-12}\n',
])
def test_sweep_size_is_refused_before_any_point_is_built(tmp_path, params):
    path = write_sweep(tmp_path, parameters=params)
    t0 = time.monotonic()
    refused_cleanly(tmp_path, "sweep", path, "--out", tmp_path / "out", "--workers", "1",
                    words=["points x 3 replicates", "the limit is 100,000 points", "--allow-large"])
    assert time.monotonic() - t0 < 10


def test_allow_large_lifts_the_size_limit_but_not_the_memory_check(tmp_path):
    path = write_sweep(tmp_path, parameters='"environment.climate" = {start = 0, stop = 1, step = 1e-12}\n')
    refused_cleanly(tmp_path, "sweep", path, "--out", tmp_path / "out", "--workers", "1", "--allow-large",
                    words=["holding the points", "of memory"])


def test_an_organisation_too_big_for_memory_is_refused_before_running(tmp_path, ok):
    t0 = time.monotonic()
    line = refused_cleanly(tmp_path, "run", ok, "--out", tmp_path / "out", "--set", "organisation.members=5000000",
                           "--set", "organisation.periphery=20", words=["needs an estimated", "GB", "is available"])
    assert time.monotonic() - t0 < 10, line


def test_memory_estimate_grows_with_members_periphery_and_ties():
    from orgsim.runs.safety import check_memory, run_memory
    from orgsim.model.scenario import validate

    small = validate({"name": "a", "organisation": {"members": 1000}})
    big = validate({"name": "a", "organisation": {"members": 5_000_000, "branches": 1000}})
    assert run_memory(big) > 4000 * run_memory(small) and run_memory(big) > 15 * 2**30
    with pytest.raises(OrgsimError, match=r"needs an estimated 2\d\.\d GB of memory; 8\.0 GB is available"):
        check_memory(run_memory(big), "x", available=8 * 2**30)


# --------------------------------------------------------------------------- 3. checked parts
KEEP = "[keep]\ntimeseries = ['members']\nevery = 2\n"


def quiet_sweep(path: Path, out: Path, **kw):
    from orgsim.experiments.sweep import load_plan, run_sweep

    return run_sweep(load_plan(path), out, workers=1, show_progress=False, log=lambda *a: None, **kw)


@pytest.fixture(scope="module")
def clean_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    path = write_sweep(folder, replicates=2, weeks=6, members=24, extra="batch = 1")
    path.write_text(path.read_text() + KEEP)
    quiet_sweep(path, folder / "clean")
    return path, folder / "clean"


def final_bytes(out: Path) -> dict:
    return {n: (out / n).read_bytes() for n in ("runs.parquet", "timeseries.parquet", "points.csv")}


def damaged_copy(clean: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(clean, dest)
    for n in ("runs.parquet", "timeseries.parquet", "points.csv"):
        (dest / n).unlink()
    return dest


@pytest.mark.parametrize("damage", ["swap_runs", "delete_timeseries", "truncate_timeseries", "truncate_runs",
                                    "edit_manifest"])
def test_resume_verifies_parts_and_recomputes_damaged_ones(clean_sweep, tmp_path, damage):
    path, clean = clean_sweep
    out = damaged_copy(clean, tmp_path / "out")
    parts = out / "parts"
    if damage == "swap_runs":  # another task's part copied over task 3's
        (parts / "runs-000003.parquet").write_bytes((parts / "runs-000005.parquet").read_bytes())
    elif damage == "delete_timeseries":
        (parts / "timeseries-000002.parquet").unlink()
    elif damage == "truncate_timeseries":
        p = parts / "timeseries-000002.parquet"
        p.write_bytes(p.read_bytes()[:100])
    elif damage == "truncate_runs":
        p = parts / "runs-000001.parquet"
        p.write_bytes(p.read_bytes()[:-10])
    else:  # a manifest copied from another task, with its part
        (parts / "task-000003.json").write_text((parts / "task-000005.json").read_text())
        (parts / "runs-000003.parquet").write_bytes((parts / "runs-000005.parquet").read_bytes())
    report = quiet_sweep(path, out)
    assert report.computed == 1  # only the damaged task (one run: batch = 1), computed again
    assert final_bytes(out) == final_bytes(clean)
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 8 and not runs.duplicated(["point", "replicate"]).any()


def test_each_part_names_its_task_and_runs(clean_sweep):
    import pyarrow.parquet as pq

    _, clean = clean_sweep
    meta = pq.read_schema(clean / "parts" / "runs-000003.parquet").metadata
    assert meta[b"orgsim_task"] == b"3" and meta[b"orgsim_runs"] == b"1,1-1,1"
    entry = json.loads((clean / "parts" / "task-000003.json").read_text())
    assert entry["task"] == 3 and entry["ids"] == [[1, 1], [1, 1]] and len(entry["files"]["runs"]["sha256"]) == 64


def test_a_second_sweep_into_a_locked_folder_is_refused(clean_sweep, tmp_path):
    from orgsim.runs.safety import FolderLock

    path, clean = clean_sweep
    out = damaged_copy(clean, tmp_path / "out")
    with FolderLock(out):
        refused_cleanly(tmp_path, "sweep", path, "--out", out, "--workers", "1", "--no-charts",
                        words=["another sweep (process", "is writing this folder"])
    # a lock file left by a dead process is taken over
    (out / ".orgsim.lock").write_text(f"{dead_pid()}\n")
    r = in_process("sweep", path, "--out", out, "--workers", "1", "--no-charts", cwd=tmp_path)
    assert r.code == 0, r.err
    assert not (out / ".orgsim.lock").exists()


# --------------------------------------------------------------------------- 4. orphans and signals
def group_alive(pgid: int) -> list[int]:
    alive = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc.pid)
        except (psutil.Error, ProcessLookupError):
            pass
    return alive


def gone(pgid: int, within: float = 5.0) -> list[int]:
    """Processes of the group still alive after ``within`` seconds (SIGKILLed then, so none is left)."""
    deadline = time.monotonic() + within
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = group_alive(pgid)
    for pid in survivors:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return survivors


def test_sigkill_of_a_sweep_leaves_no_process_behind(tmp_path):
    path = write_sweep(tmp_path, replicates=8, weeks=300, members=150, extra="batch = 1")
    proc = subprocess.Popen([sys.executable, "-m", "orgsim", "sweep", str(path), "--workers", "2", "--out",
                             str(tmp_path / "out"), "--no-charts"], env=subprocess_env(), cwd=tmp_path,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(group_alive(proc.pid)) < 4 and time.monotonic() < deadline:  # sweep, fork server, workers
        time.sleep(0.1)
    assert not list((tmp_path / "out").glob("runs.parquet"))
    os.kill(proc.pid, signal.SIGKILL)  # the parent only
    proc.wait()
    assert not gone(proc.pid)  # fork server, workers and resource tracker died with it


def _start(cmd, cwd, wait_for: str):
    proc = subprocess.Popen([sys.executable, "-m", "orgsim", *map(str, cmd)], env=subprocess_env(), cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert wait_for in proc.stdout.readline()
    time.sleep(0.5)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_a_run_like_ctrl_c(tmp_path, sig):
    p = tmp_path / "long.toml"
    p.write_text('name = "long"\nweeks = 10000\n[organisation]\nmembers = 3000\nbranches = 40\n')
    proc = _start(["run", p, "--out", tmp_path / "out"], tmp_path, "running long")
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig and "interrupted" in err and "Traceback" not in err
    assert tree(tmp_path) == {"long.toml"}


def test_sigterm_stops_a_sweep_and_sighup_a_sensitivity_keeping_finished_parts(tmp_path):
    path = write_sweep(tmp_path, replicates=6, weeks=200, members=150, extra="batch = 1")
    proc = _start(["sweep", path, "--workers", "2", "--out", tmp_path / "sw", "--no-charts"], tmp_path, "sweep tiny")
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "run the same command again to resume" in err and "Traceback" not in err
    assert not gone(proc.pid) and not (tmp_path / "sw" / ".orgsim.lock").exists()
    spec = tmp_path / "spec.toml"
    spec.write_text(f'name = "sens"\nbase = "{BASELINE.as_posix()}"\nreplicates = 2\noutput = "final_members"\n'
                    '[set]\nweeks = 300\n"organisation.members" = 150\n"organisation.branches" = 4\n'
                    '[parameters]\n"environment.climate" = {low = 0.5, high = 2.0}\n'
                    '"environment.competitor_pull" = {low = 0.0, high = 0.5}\n[morris]\ntrajectories = 4\n')
    proc = _start(["sensitivity", spec, "--workers", "1", "--out", tmp_path / "se"], tmp_path, "sensitivity sens")
    os.kill(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 129 and "resume" in err and "Traceback" not in err
    assert not gone(proc.pid)


def test_leftovers_of_killed_runs_are_cleaned_at_the_next_start(tmp_path, ok):
    out = tmp_path / "out"
    assert in_process("run", ok, "--no-charts", "--out", out, cwd=tmp_path).code == 0
    pid = dead_pid()
    partial = tmp_path / f".out.partial-{pid}"
    partial.mkdir()
    (partial / "timeseries.csv").write_text("week\n")
    old = tmp_path / f".other.old-{pid}"  # killed between its two renames: the run folder comes back
    (tmp_path / "out").rename(old)
    assert in_process("run", ok, "--no-charts", "--out", out, cwd=tmp_path).code == 0
    assert not partial.exists() and not old.exists()
    assert (tmp_path / "other" / "orgsim.json").exists() and (out / "orgsim.json").exists()
    alive = tmp_path / f".out.partial-{os.getppid()}"  # a live process's work in progress is left alone
    alive.mkdir()
    assert in_process("run", ok, "--no-charts", "--out", out, "--force", cwd=tmp_path).code == 0
    assert alive.exists()


def test_out_symlink_with_force_is_refused_and_leaves_nothing(tmp_path, ok):
    real = tmp_path / "real"
    assert in_process("run", ok, "--no-charts", "--out", real, cwd=tmp_path).code == 0
    (tmp_path / "link").symlink_to(real)
    refused_cleanly(tmp_path, "run", ok, "--no-charts", "--out", tmp_path / "link", "--force",
                    words=["is a symbolic link"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_of_viz_stops_its_server_and_frees_the_port(tmp_path):
    pytest.importorskip("solara")
    from orgsim.dashboard.assets import missing

    if missing():
        pytest.skip("solara's browser assets are not installed (bash setup.sh --dev)")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "orgsim", "viz", "--port", str(port)], env=subprocess_env(),
                            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.3)
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(20) == 143
    assert not gone(proc.pid)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# --------------------------------------------------------------------------- 5. wrong types are not coerced
@pytest.mark.parametrize("text, sets, words", [
    (OK, ["--set", "weeks=true"], ["weeks = true", "valid integer"]),
    (OK + "leaders = true\n", [], ["organisation.leaders = true", "valid integer"]),
    (OK + "[regime]\nbranch_minutes = \"yes\"\n", [], ["regime.branch_minutes = 'yes'", "valid boolean"]),
    (OK.replace("weeks = 6", 'weeks = "10"'), [], ["weeks = '10'", "valid integer"]),
    (OK, ["--set", "weeks=2.5"], ["weeks = 2.5", "valid integer"]),
    (OK, ["--set", "regime.voting=1"], ["regime.voting = 1"]),
    (OK, ["--set", "environment.climate=nan"], ["environment.climate = nan", "finite number"]),
    (OK, ["--set", "start_date=10"], ["start_date = 10"]),
])
def test_wrong_types_are_refused_not_coerced(tmp_path, text, sets, words):
    (tmp_path / "s.toml").write_text(text)
    refused_cleanly(tmp_path, "run", "s.toml", "--no-charts", "--out", "out", *sets, words=["s.toml: ", *words])


def test_toml_dates_floats_from_integers_and_date_strings_are_accepted():
    from orgsim.model.scenario import validate

    s = validate({"name": "d", "start_date": "2015-01-05", "environment": {"climate": 2}})
    assert str(s.start_date) == "2015-01-05" and s.environment.climate == 2.0


def test_sweep_values_are_strict_too(tmp_path):
    path = write_sweep(tmp_path, extra="")
    path.write_text(path.read_text().replace("replicates = 3", 'replicates = "3"'))
    refused_cleanly(tmp_path, "sweep", path, "--workers", "1", words=["replicates = '3'", "valid integer"])


# --------------------------------------------------------------------------- 6. one line instead of a traceback
def test_more_organisers_than_branches_is_one_line(tmp_path, ok):
    refused_cleanly(tmp_path, "run", ok, "--out", "out", "--set", "organisation.organisers=5", "--set",
                    "organisation.branches=2", words=["organisation: organisers (5) cannot exceed branches (2)"])


def test_start_date_overflow_is_refused_before_simulating(tmp_path):
    (tmp_path / "s.toml").write_text('name = "late"\nweeks = 10000\nstart_date = 9999-01-01\n'
                                     '[organisation]\nmembers = 4000\nbranches = 40\n')
    t0 = time.monotonic()
    refused_cleanly(tmp_path, "run", "s.toml", "--out", "out", words=["start_date 9999-01-01 plus 10000 weeks"])
    assert time.monotonic() - t0 < 10


def test_unusable_output_locations_are_refused_before_simulating(tmp_path, ok):
    (tmp_path / "afile").write_text("x")
    refused_cleanly(tmp_path, "run", ok, "--out", "afile/sub", words=["afile is a file, not a folder"])
    refused_cleanly(tmp_path, "run", ok, "--out", "afile", "--force", words=["exists and is not a folder"])
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    refused_cleanly(tmp_path, "run", ok, "--out", "dangling", words=["symbolic link", "does not exist"])
    refused_cleanly(tmp_path, "run", ok, "--out", "dangling/sub", words=["does not exist"])
    write_sweep(tmp_path, name="sw")
    refused_cleanly(tmp_path, "sweep", "sw.toml", "--out", "afile/sub", "--workers", "1",
                    words=["afile is a file, not a folder"])


def test_read_only_output_folder_is_refused_before_simulating(tmp_path, ok):
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = False
    if os.geteuid() == 0:  # root writes into a mode-555 folder: a read-only file system it is
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "none", str(ro)],
                                 capture_output=True).returncode == 0
        if not mounted:
            pytest.skip("running as root without a read-only file system to test on")
    else:
        ro.chmod(0o555)
    try:
        line = refused_cleanly(tmp_path, "run", ok, "--out", ro / "run", words=["is not writable"])
        assert "ro" in line
    finally:
        if mounted:
            subprocess.run(["umount", str(ro)], check=True)
        else:
            ro.chmod(0o755)


@pytest.mark.parametrize("spec, words", [
    ("{start = 0.0, stop = nan, step = 0.1}", ["stop = nan", "finite number"]),
    ("{start = 0.0, stop = inf, num = 3}", ["stop = inf", "finite number"]),
    ("[0.5, nan]", ["nan is not a finite number"]),
    ("{low = -inf, high = 1.0}", ["low = -inf", "finite number"]),
])
def test_nan_and_inf_in_sweep_ranges_are_one_line(tmp_path, spec, words):
    sampler = "sampler = 'random'\nsamples = 3\n" if "low" in spec else ""
    path = write_sweep(tmp_path, extra=sampler, parameters=f'"environment.climate" = {spec}\n')
    refused_cleanly(tmp_path, "sweep", path, "--workers", "1", words=words)


def test_plot_of_a_truncated_timeseries_is_one_line(tmp_path, ok):
    out = tmp_path / "run"
    assert in_process("run", ok, "--no-charts", "--out", out, cwd=tmp_path).code == 0
    ts = out / "timeseries.csv"
    full = ts.read_bytes()
    for cut, words in ((len(full) // 2 + 3, "incomplete"), (full.rindex(b"\n", 0, len(full) - 1) + 1, "summary.json"),
                       (40, "truncated or damaged")):
        ts.write_bytes(full[:cut])
        refused_cleanly(tmp_path, "plot", out, words=[str(ts), words])


def test_bad_or_unreachable_scheduler_fails_fast_in_one_line_and_creates_nothing(tmp_path):
    path = write_sweep(tmp_path)
    t0 = time.monotonic()
    refused_cleanly(tmp_path, "sweep", path, "--out", "o", "--scheduler", "bogus", words=["--scheduler 'bogus'",
                                                                                         "tcp://host:8786"])
    assert time.monotonic() - t0 < 5
    pytest.importorskip("distributed")
    t0 = time.monotonic()
    refused_cleanly(tmp_path, "sweep", path, "--out", "o", "--scheduler", "tcp://127.0.0.1:1",
                    words=["cannot reach the Dask scheduler"])
    assert time.monotonic() - t0 < 15


def test_simulate_refuses_a_dict_or_an_unvalidated_scenario():
    from orgsim.runs.run import simulate
    from orgsim.model.scenario import Scenario

    with pytest.raises(OrgsimError, match="needs a Scenario .* not a dict"):
        simulate({"name": "x"})
    with pytest.raises(OrgsimError, match="organisers"):
        simulate(Scenario.model_construct(name="x", organisation={"members": 50, "branches": 2, "organisers": 9}))
    with pytest.raises(OrgsimError, match="incomplete|required"):
        simulate(Scenario.model_construct(weeks=5))


@pytest.mark.parametrize("content, words", [
    (b"\xef\xbb\xbf" + OK.encode(), ["byte-order mark (BOM)", "without BOM"]),
    (OK.encode("utf-16"), ["UTF-16"]),
    (OK.encode("utf-16-le"), ["UTF-16"]),
    (b'name = "caf\xe9"\n', ["not UTF-8"]),
    (b"#" * (5 * 2**20), ["bytes; input files may have at most"]),
], ids=["bom", "utf-16", "utf-16-le", "latin-1", "5-MB"])
def test_unreadable_input_files_get_a_message_that_says_why(tmp_path, content, words):
    (tmp_path / "s.toml").write_bytes(content)
    refused_cleanly(tmp_path, "run", "s.toml", "--out", "out", words=words)
    write_sweep(tmp_path, name="sw")
    (tmp_path / "sw.toml").write_bytes(content)
    refused_cleanly(tmp_path, "sweep", "sw.toml", "--workers", "1", words=words)


def test_dev_zero_and_folders_are_not_read(tmp_path):
    t0 = time.monotonic()
    refused_cleanly(tmp_path, "run", "/dev/zero", "--out", "out", words=["not a regular file"])
    refused_cleanly(tmp_path, "run", tmp_path, "--out", "out", words=["is a folder, not a file"])
    assert time.monotonic() - t0 < 10


# --------------------------------------------------------------------------- 7. names
def test_names_end_at_the_end_and_are_not_echoed_whole(tmp_path, ok):
    refused_cleanly(tmp_path, "run", ok, "--out", "out", "--set", 'name="abc\\n"', words=["name 'abc\\n'"])
    refused_cleanly(tmp_path, "run", ok, "--out", "out", "--set", 'name="abc\n"')  # a raw newline: still one line
    line = refused_cleanly(tmp_path, "run", ok, "--out", "out", "--set", f"name={'a' * 100_000}", words=["1-80"])
    assert len(line) < 300
    line = refused_cleanly(tmp_path, "run", ok, "--out", "out", "--set", f"{'k' * 100_000}=1")
    assert len(line) < 300


# --------------------------------------------------------------------------- 8. low
def test_a_failed_executor_start_creates_no_sweep_folder(tmp_path):
    path = write_sweep(tmp_path)
    refused_cleanly(tmp_path, "sweep", path, "--out", "o", "--workers", "0", words=["--workers 0"])


def test_stepping_a_dissolved_model_does_not_advance_mesas_step_counter():
    from helpers import small_model

    model = small_model(weeks=4)
    for _ in range(6):
        model.step()
    assert model.steps == model.week == 4
    model = small_model()
    model.step()
    model.dissolve()
    model.step()
    model.step()
    assert model.steps == model.week == 1 and not model.running


def test_docs_dask_workers_serve_their_dashboards_on_loopback():
    text = (ROOT / "docs" / "sweeps.md").read_text()
    for line in text.splitlines():
        if line.strip().startswith(("host-b$ dask worker", "host-c$ dask worker", "host-a$ dask scheduler")):
            assert "--dashboard-address 127.0.0.1:" in line, line
