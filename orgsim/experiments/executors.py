"""Where tasks run: in this process, in a local process pool, or on a Dask cluster.

The sweep engine only sees ``concurrent.futures`` futures. A local pool that breaks because a
worker process died (killed, out of memory) is rebuilt and its tasks resubmitted; Dask
reschedules the tasks of a lost worker itself.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import multiprocessing.forkserver
import os
import re
import sys
import time
from concurrent.futures.process import BrokenProcessPool

from orgsim.errors import OrgsimError
from orgsim.runs.safety import PARENT_ENV, short

# Kept light (no numpy, pandas, pyarrow here): the command line calls prestart() before its heavy imports.

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_TIMEOUT = "3s"  # a scheduler that does not answer this fast is not there
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# What a worker needs before its first run (about a second to import). The fork server imports it
# once; each worker is then forked from it ready to run, instead of importing it all itself.
WORKER_PRELOAD = ["orgsim.experiments.forkserver_guard", "orgsim.experiments.tasks", "orgsim.runs.run"]  # the guard first: see its docstring
# pyarrow's bundled jemalloc starts a background thread at import; without it the fork server has
# a single thread, so forking from it is safe. (Arrow allocates through mimalloc by default anyway.)
JEMALLOC_CONF = ("JE_ARROW_MALLOC_CONF", "background_thread:false")


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Inline:
    """One worker: tasks run in this process, one at a time (no start-up cost, easy to debug)."""

    generation = 0

    def submit(self, fn, arg) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(arg))
        except Exception as exc:  # noqa: BLE001 - reported through the future, as a pool would
            future.set_exception(exc)
        return future

    def capacity(self) -> int:
        return 1

    def recover(self, exc: BaseException, generation: int) -> bool:
        return False

    def check(self) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        pass

    def describe(self) -> str:
        return "1 worker (this process)"


class LocalPool:
    """A process pool on this machine; rebuilt when a worker dies.

    Workers are forked from a "forkserver" process that has imported the model once (started at
    once, so its imports overlap with the parent's preparation), not spawned as fresh interpreters
    that each import it: a spawned worker needs about a second before its first run. Never "fork"
    from this process: pyarrow and OpenBLAS have started threads here, and a worker forked from a
    multi-threaded process can deadlock. The fork server is single-threaded (see ``JEMALLOC_CONF``);
    each worker still gets the parent's sys.path, working folder and ``__main__`` as with spawn.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.generation = 0
        self._context = multiprocessing.get_context("forkserver")
        self._pool = self._new()

    @staticmethod
    def start_server() -> None:
        """Start the fork server if it is not running (it is shared by all pools of this process)."""
        # One BLAS/OpenMP thread per worker process: N processes x N threads would oversubscribe the
        # cores. Workers inherit the fork server's environment, taken when it starts; a user's setting is kept.
        for var in THREAD_VARS:
            os.environ.setdefault(var, "1")
        name, setting = JEMALLOC_CONF
        user = os.environ.get(name)
        env = {name: f"{user},{setting}" if user else setting,  # the later option wins in jemalloc
               PARENT_ENV: str(os.getpid()),  # the server dies with this process (orgsim.forkserver_guard)
               # The server must import the same orgsim as this process (Python 3.11 ignores the sys.path
               # that multiprocessing hands it, and a worker keeps the modules it was forked with).
               "PYTHONPATH": os.pathsep.join(p or os.getcwd() for p in sys.path)}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # the server takes this process's environment when it starts
        try:
            multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_PRELOAD)
            multiprocessing.forkserver.ensure_running()  # returns at once; the server imports in the background
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def _new(self) -> cf.ProcessPoolExecutor:
        # Also when rebuilding after a lost worker: a fork server that died with it is restarted
        # here, with the settings above, rather than implicitly by multiprocessing without them.
        from orgsim.experiments.tasks import ignore_sigint

        self.start_server()
        server = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None) or 0
        return cf.ProcessPoolExecutor(self.workers, mp_context=self._context, initializer=ignore_sigint,
                                      initargs=(server,))  # each worker dies with the fork server

    def submit(self, fn, arg) -> cf.Future:
        return self._pool.submit(fn, arg)

    def capacity(self) -> int:
        return 2 * self.workers  # one running and one waiting per worker

    def recover(self, exc: BaseException, generation: int) -> bool:
        """After a dead worker: a new pool (once per broken pool); the caller resubmits."""
        if not isinstance(exc, BrokenProcessPool):
            return True  # an error inside the task machinery: worth one more try
        if generation == self.generation:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new()
            self.generation += 1
        return True

    def check(self) -> None:
        pass

    def pids(self) -> list[int]:
        return list(getattr(self._pool, "_processes", {}) or {})

    def close(self, cancel: bool = False) -> None:
        """On cancel (Ctrl-C, an error) the running tasks are abandoned: stop their processes at once."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
        if cancel:
            for proc in processes:
                proc.terminate()
            for proc in processes:
                proc.join(timeout=5)

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers != 1 else ''}"


class DaskCluster:
    """An existing Dask distributed cluster, reached through its scheduler."""

    generation = 0
    REFRESH = 30.0

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise OrgsimError("a Dask scheduler was given but the 'distributed' package is not installed "
                              "(pip install 'dask[distributed]')") from None
        self.address = check_address(address)
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError, CommClosedError...
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise OrgsimError(f"cannot reach the Dask scheduler at {short(address, 80)} within {CONNECT_TIMEOUT}: "
                              f"{short(reason, 120)}") from None
        self.executor = self.client.get_executor(pure=False)
        self._threads, self._asked = 1, -float("inf")

    def submit(self, fn, arg) -> cf.Future:
        return self.executor.submit(fn, arg)

    def threads(self) -> int:
        """Worker threads in the cluster, asked again every ``REFRESH`` seconds (clusters grow and shrink)."""
        now = time.monotonic()
        if now - self._asked >= self.REFRESH:
            self._asked = now
            try:
                self._threads = max(1, sum(self.client.nthreads().values()))
            except Exception:  # noqa: BLE001 - a busy or lost scheduler: keep the last answer
                pass
        return self._threads

    def capacity(self) -> int:
        return 2 * self.threads()

    def check(self) -> None:
        if self.client.status in ("closing", "closed", "failed"):
            raise OrgsimError(f"lost the Dask scheduler at {self.address}; finished tasks are saved: "
                              "run the same command again to resume")

    def recover(self, exc: BaseException, generation: int) -> bool:
        from distributed import KilledWorker

        if isinstance(exc, KilledWorker):
            return False  # Dask already retried it on other workers: the task itself kills them
        if isinstance(exc, cf.CancelledError) or self.client.status not in ("running", "connecting"):
            raise OrgsimError(f"lost the Dask scheduler at {self.address}; finished tasks are saved: "
                              "run the same command again to resume")
        return True

    def close(self, cancel: bool = False) -> None:
        try:
            self.executor.shutdown(wait=False)
        finally:
            self.client.close()

    def describe(self) -> str:
        return f"Dask cluster at {self.address} ({self.threads()} worker threads)"


ADDRESS_RE = re.compile(r"\A(?:(?P<scheme>tcp|tls|ws|wss|ucx)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]{1,253})"
                        r":(?P<port>\d{1,5})\Z")
MAX_WORKERS = 4096


def check_address(address: str, flag: str = "--scheduler") -> str:
    """A Dask scheduler address, checked for its form before any connection is tried."""
    m = ADDRESS_RE.match(address)
    if m is None or not 1 <= int(m["port"]) <= 65535:
        raise OrgsimError(f"{flag} {short(address)}: expected a scheduler address like tcp://host:8786")
    return address


def _resolve(workers: int | None, scheduler: str | None) -> tuple[str | None, int]:
    """(Dask scheduler address or None, local worker processes) that ``connect`` will use."""
    flag = "--scheduler"
    if scheduler is None and workers is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
        flag = f"${SCHEDULER_ENV}"
    if scheduler is not None:
        if workers is not None:
            raise OrgsimError("--workers is for the local pool; a Dask cluster uses its own workers")
        return check_address(scheduler, flag), 0
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise OrgsimError(f"--workers {short(workers)}: give a number from 1 to {MAX_WORKERS}")
    return None, available_cores() if workers is None else workers


def local_workers(workers: int | None = None, scheduler: str | None = None) -> int:
    """Worker processes on this machine (0 for a Dask cluster)."""
    return _resolve(workers, scheduler)[1]


def prestart(workers: int | None = None, scheduler: str | None = None) -> None:
    """Start the local pool's fork server now, if ``connect`` will need it, so that its imports (about
    a second) overlap with this process's own start-up. Harmless if the sweep then needs no pool."""
    scheduler, n = _resolve(workers, scheduler)
    if not scheduler and n > 1:
        LocalPool.start_server()


def connect(workers: int | None = None, scheduler: str | None = None):
    """``scheduler`` (or $DASK_SCHEDULER_ADDRESS when no --workers is given) selects Dask; else a local pool."""
    scheduler, n = _resolve(workers, scheduler)
    if scheduler:
        return DaskCluster(scheduler)
    return Inline() if n == 1 else LocalPool(n)
