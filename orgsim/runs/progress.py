"""Progress of a sweep: a rich bar on a terminal, plain periodic lines otherwise (CI logs); and of
one run, in weeks: a bar on a terminal, nothing otherwise."""

from __future__ import annotations

import sys
import time


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class PlainProgress:
    """A line every ``interval`` seconds and at the end: done/total, failures, rate, ETA."""

    def __init__(self, label: str, stream=None, interval: float = 10.0):
        self.label, self.stream, self.interval = label, stream or sys.stderr, interval

    def start(self, total: int, done: int, failed: int) -> None:
        self.total, self.done, self.failed = total, done, failed
        self.t0 = self.last = time.monotonic()
        self.done0 = done
        if done:
            self._line(f"resuming: {done} runs already done")

    def advance(self, runs: int, failed: int) -> None:
        self.done += runs
        self.failed += failed
        now = time.monotonic()
        if now - self.last >= self.interval or self.done == self.total:
            self.last = now
            self._line(self.status(now))

    def status(self, now: float) -> str:
        rate = (self.done - self.done0) / max(now - self.t0, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        pct = 100.0 * self.done / self.total if self.total else 100.0
        eta_text = _hms(eta) if eta == eta else "?"
        return (f"{self.done}/{self.total} runs ({pct:.0f}%), {self.failed} failed, "
                f"{rate:.1f} runs/s, ETA {eta_text}")

    def _line(self, text: str) -> None:
        print(f"{self.label}: {text}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichProgress:
    def __init__(self, label: str):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=Console(stderr=True), transient=False,
        )
        self.label = label

    def start(self, total: int, done: int, failed: int) -> None:
        self.failed = failed
        self.progress.start()
        self.task = self.progress.add_task(self.label, total=total, completed=done, failed=failed)

    def advance(self, runs: int, failed: int) -> None:
        self.failed += failed
        self.progress.update(self.task, advance=runs, failed=self.failed)

    def close(self) -> None:
        self.progress.stop()


class NoProgress:
    """For library use and tests: nothing printed."""

    def start(self, total: int, done: int, failed: int) -> None:
        pass

    def advance(self, runs: int, failed: int) -> None:
        pass

    def close(self) -> None:
        pass


def make_progress(label: str, show: bool = True):
    if not show:
        return NoProgress()
    return RichProgress(label) if sys.stderr.isatty() else PlainProgress(label)


class WeekProgress:
    """A transient rich bar of weeks simulated, redrawn at most ~10 times a second."""

    def __init__(self, label: str, weeks: int):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                 TextColumn("week {task.completed:.0f}/{task.total:.0f}"), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True),
                                 transient=True, refresh_per_second=10)
        self.progress.start()
        self.task = self.progress.add_task(label, total=weeks)

    def __call__(self, week: int) -> None:
        self.progress.update(self.task, completed=week)

    def close(self) -> None:
        self.progress.stop()


def week_progress(label: str, weeks: int, show: bool = True) -> WeekProgress | None:
    """A week bar when stderr is a terminal (and ``show``), else None: quiet in logs and pipes."""
    if not show or not sys.stderr.isatty():
        return None
    return WeekProgress(label, weeks)
