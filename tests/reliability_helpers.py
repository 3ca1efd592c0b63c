"""Helpers of the reliability tests (issue 14): the command line as a subprocess, and checks that a
refusal is one line, without a traceback, and wrote nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import ROOT, subprocess_env

OK = 'name = "ok"\nweeks = 6\n[organisation]\nmembers = 40\nbranches = 3\n'


@dataclass
class Result:
    code: int
    out: str
    err: str


def cli(*args, cwd: Path, timeout: float = 120, env: dict | None = None) -> Result:
    proc = subprocess.run([sys.executable, "-m", "orgsim", *map(str, args)], cwd=cwd, env=env or subprocess_env(),
                          capture_output=True, text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def tree(folder: Path) -> set[str]:
    """Every path under ``folder`` (hidden ones too), relative to it."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            out.add(os.path.relpath(os.path.join(dirpath, name), folder))
    return out


def assert_one_line(r: Result, *words: str) -> str:
    """Exit status 2, a single line on stderr naming ``words``, no traceback."""
    assert r.code == 2, (r.code, r.err[-2000:])
    assert "Traceback" not in r.err, r.err[-2000:]
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orgsim: error: "), r.err[-2000:]
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def in_process(*args, cwd: Path) -> Result:
    """The command line called in this process (no interpreter start-up): any exception other than
    the CLI's own handling propagates, so a traceback fails the test."""
    import contextlib
    import io

    from orgsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        os.chdir(here)
    return Result(code, out.getvalue(), err.getvalue())


def refused_cleanly(folder: Path, *args, words=(), subprocess: bool = False, **kw) -> str:
    """Run the command in ``folder`` (in this process, or as a subprocess): refused in one line,
    and nothing written anywhere in ``folder``."""
    before = tree(folder)
    r = cli(*args, cwd=folder, **kw) if subprocess else in_process(*args, cwd=folder)
    line = assert_one_line(r, *words)
    assert tree(folder) == before, sorted(tree(folder) ^ before)
    return line


__all__ = ["OK", "ROOT", "Result", "assert_one_line", "cli", "refused_cleanly", "tree"]
