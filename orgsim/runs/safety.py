"""Guards shared by every command: output folders, memory, locks, signals, processes.

Standard library only (psutil is used when installed): the local pool's fork server imports it first.

* Input files are read by :func:`orgsim.model.files.read_text_file` (the model layer's own).
* Every output folder orgsim writes carries a marker, ``orgsim.json``; orgsim replaces or clears a
  folder only when it holds that marker, and then removes only the files it writes itself.
* :func:`check_writable` and :func:`check_memory` are the pre-flight checks made before any work.
* :class:`FolderLock` keeps two processes from writing one folder; a lock left by a dead process is
  taken over.
* :func:`die_with_parent` makes a helper process (fork server, pool worker, dashboard server) die
  with the process that started it; :func:`stop_on_signals` turns SIGTERM and SIGHUP into the
  same clean stop as Ctrl-C.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path

from orgsim.errors import OrgsimError
from orgsim.model.files import short

MARKER = "orgsim.json"        # present in every run, sweep, sensitivity, replicate-set and comparison folder
KINDS = ("run", "sweep", "sensitivity", "replicates", "compare")
PARENT_ENV = "ORGSIM_PARENT_PID"


# --------------------------------------------------------------------------- output folders
def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def read_marker(folder: Path) -> dict | None:
    """The marker of an orgsim output folder, or None (not one, or unreadable)."""
    try:
        data = json.loads((Path(folder) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("orgsim") in KINDS else None


def marker_text(kind: str, files: list[str] | None = None) -> str:
    from orgsim import __version__

    data = {"orgsim": kind, "version": __version__}
    if files is not None:
        data["files"] = sorted(files)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def foreign_entries(folder: Path, owned) -> list[str]:
    """Names in ``folder`` that ``owned(name, path)`` does not claim for orgsim."""
    return sorted(p.name + ("/" if p.is_dir() and not p.is_symlink() else "")
                  for p in Path(folder).iterdir() if not owned(p.name, p))


def describe_entries(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(short(n, 40).strip("'\"") for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def remove_owned(folder: Path, owned) -> None:
    """Remove what ``owned`` claims in ``folder``, then the folder if that left it empty."""
    folder = Path(folder)
    for p in list(folder.iterdir()):
        if not owned(p.name, p):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
    try:
        folder.rmdir()
    except OSError:
        pass  # something else is there: kept


def check_own_folder(out: Path, kind: str, owned, flag: str = "--out", what: str = "") -> None:
    """Pre-flight for a folder orgsim rewrites in place (a replicate set's, a comparison's): it may be
    absent or empty, or carry no other kind's marker and hold only what ``owned(name, path)`` claims
    (what orgsim writes there). Nothing is ever deleted here."""
    out = Path(out)
    check_writable(out, flag)
    if not out.is_dir() or not any(out.iterdir()):
        return
    marker = read_marker(out)
    what = what or f"an orgsim {kind} folder"
    if marker is not None and marker.get("orgsim") != kind:
        raise OrgsimError(f"{out}: an orgsim {marker['orgsim']} folder, not {what}; choose another --out")
    foreign = foreign_entries(out, owned)
    if foreign:
        raise OrgsimError(f"{out}: holds files orgsim did not write ({describe_entries(foreign)}); "
                          f"not used for {what}: move them away or choose another --out")


def _nearest_existing(path: Path) -> Path:
    p = Path(os.path.abspath(path))
    while not os.path.lexists(p):
        p = p.parent
    return p


def check_writable(out: Path, flag: str = "--out") -> None:
    """Refuse at once an output location that cannot be written (before any work is done)."""
    out = Path(out)
    if out.is_symlink():
        target = os.readlink(out)
        if not out.exists():
            raise OrgsimError(f"{flag} {out}: a symbolic link to {short(target, 60)}, which does not exist")
        raise OrgsimError(f"{flag} {out}: is a symbolic link (to {short(target, 60)}); give the real folder")
    if out.exists() and not out.is_dir():
        raise OrgsimError(f"{flag} {out}: exists and is not a folder")
    base = _nearest_existing(out)
    if base.is_symlink() and not base.exists():
        raise OrgsimError(f"{flag} {out}: {base} is a symbolic link to a folder that does not exist")
    if not base.is_dir():
        raise OrgsimError(f"{flag} {out}: {base} is a file, not a folder")
    # the folder itself if it exists (files are replaced in it), else the parent it is created in
    if not os.access(base, os.W_OK | os.X_OK):
        raise OrgsimError(f"{flag} {out}: {base} is not writable")
    try:
        free = shutil.disk_usage(base).free
    except OSError:
        return
    if free < 1 * 2**20:
        raise OrgsimError(f"{flag} {out}: the file system of {base} is full ({free // 1024} kB free)")


def write_error(out: Path, exc: OSError) -> OrgsimError:
    reason = exc.strerror or exc.__class__.__name__
    if exc.errno == errno.ENOSPC:
        reason = "the file system is full"
    elif exc.errno == errno.EROFS:
        reason = "the file system is read-only"
    return OrgsimError(f"{out}: cannot write the outputs: {reason}; nothing was kept")


# --------------------------------------------------------------------------- memory
def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (MemAvailable), or None if unknown."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def gb(n: float) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def check_memory(estimate: float, what: str, available: int | None = None) -> None:
    available = available_memory() if available is None else available
    if available is not None and estimate > available:
        raise OrgsimError(f"{what} needs an estimated {gb(estimate)} of memory; {gb(available)} is available "
                          "(make the organisation or its periphery smaller, or use fewer workers)")


# --------------------------------------------------------------------------- locks
class FolderLock:
    """An exclusive lock on an output folder (``.orgsim.lock``, holding the owner's PID).

    Held with ``flock``: the system releases it when its process dies, so a lock file left by a
    dead process (SIGKILL, power loss) is simply taken over.
    """

    NAME = ".orgsim.lock"

    def __init__(self, folder: Path, what: str = "sweep"):
        self.path = Path(folder) / self.NAME
        self.what = what
        self.fd: int | None = None

    def acquire(self) -> "FolderLock":
        import fcntl

        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                try:
                    owner = os.read(fd, 64).decode(errors="replace").split()[0]
                except (OSError, IndexError):
                    owner = "?"
                os.close(fd)
                raise OrgsimError(f"{self.path.parent}: another {self.what} (process {owner}) is writing "
                                  "this folder; wait for it to finish, or stop it") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a file its previous owner unlinked while we waited
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink()
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


# --------------------------------------------------------------------------- processes and signals
PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(expected_parent: int | None = None, sig: int = signal.SIGKILL) -> None:
    """Die when the parent does; exit now if it is already gone (re-parented before the prctl).

    ``expected_parent``: the parent's PID (None: from $ORGSIM_PARENT_PID; 0: not checked)."""
    set_parent_death_signal(sig)
    if expected_parent is None:
        try:
            expected_parent = int(os.environ.get(PARENT_ENV, "0") or 0)
        except ValueError:
            expected_parent = 0
    if expected_parent and os.getppid() != expected_parent:
        os._exit(1)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stops a command like Ctrl-C (a KeyboardInterrupt) and keeps its signal."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop_on_signals() -> dict:
    """SIGTERM (a batch system's time limit, `kill`) and SIGHUP (a closed terminal) stop a command
    cleanly, as Ctrl-C does: partial outputs are removed, finished sweep parts kept."""

    def stop(signum, frame):
        raise Stopped(signum)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, stop)
        except (ValueError, OSError):  # not the main thread, or not supported here
            pass
    return previous


def restore_signals(previous: dict) -> None:
    for sig, handler in previous.items():
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError, TypeError):
            pass


def exit_status(exc: KeyboardInterrupt) -> int:
    return 128 + exc.signum if isinstance(exc, Stopped) else 130


# --------------------------------------------------------------------------- leftovers of dead processes
LEFTOVER_RE = re.compile(r"\A\.(?P<name>.+)\.(?P<kind>partial|old|tmp)-(?P<pid>\d{1,10})\Z")


def dead_leftovers(folder: Path, name: str | None = None):
    """``(path, kind)`` of hidden ``.NAME.partial-PID``, ``.NAME.old-PID`` and ``.NAME.tmp-PID``
    entries in ``folder`` whose process is gone."""
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return
    for p in entries:
        m = LEFTOVER_RE.match(p.name)
        if m and (name is None or m["name"] == name) and not pid_alive(int(m["pid"])):
            yield p, m["kind"], m["name"]


# --------------------------------------------------------------------------- run size
# Measured with mesa 3.3.1 (benchmarks: 100,000 members, periphery 0 to 10, within_degree 8 to 40):
# about 600 bytes per row of state (a member or a person of the periphery) and 190 per tie.
ROW_BYTES = 640
TIE_BYTES = 200
PROCESS_BYTES = 200 * 2**20   # Python, NumPy, pandas, Mesa


def run_memory(scenario) -> float:
    """Estimated peak memory of one run, from the scenario's size: members x (1 + periphery) rows
    and members x (within + cross degree) ties, summed over an ecosystem's organisations."""
    from orgsim.ecosystem.scenario import organisations_of

    total = 0.0
    for o in organisations_of(scenario):
        org, net = o.organisation, o.network
        rows = org.members * (1.0 + org.periphery)
        ties = org.members * (net.within_degree + net.cross_degree)
        total += rows * ROW_BYTES + ties * TIE_BYTES
    return total
