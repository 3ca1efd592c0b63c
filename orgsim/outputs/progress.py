"""Feedback while charts are drawn or a run is replayed: a rich bar on a terminal, nothing otherwise.

    with steps("sweep charts", total=12) as advance:
        for chart in charts:
            ...
            advance(description=chart.name)

The bar goes to stderr and disappears when the work is done (``transient``), so what a command
prints on stdout (the files it wrote) stays the same; in a log, a pipe or a test nothing is shown.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager


def interactive(stream=None) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


@contextmanager
def steps(label: str, total: int | None, show: bool | None = None):
    """Yield ``advance(n=1, description=None)``; a bar on a terminal (``show=None``), else silent."""
    if not (interactive() if show is None else show):
        yield lambda n=1, description=None: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[now]}"), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, now="")

        def advance(n: int = 1, description: str | None = None) -> None:
            bar.update(task, advance=n, now=description or "")

        yield advance
