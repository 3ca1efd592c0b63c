"""Reading the user's input files safely, and showing user values in messages.

Regular files only, at most ``MAX_INPUT_BYTES``, UTF-8 without a byte-order mark (a BOM or UTF-16
gets a message that says so): /dev/zero, a FIFO or a huge file is refused before it is read.
"""

from __future__ import annotations

import stat
from pathlib import Path

from orgsim.errors import ScenarioError

MAX_INPUT_BYTES = 4 * 2**20   # scenario, sweep and sensitivity files: a few kB in practice


def short(value, limit: int = 60) -> str:
    """A value as shown in messages: its repr, cut to ``limit`` characters (never echoed whole)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."



# --------------------------------------------------------------------------- input files
def read_text_file(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The text of a small UTF-8 file, or a one-line :class:`ScenarioError` saying what is wrong."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise ScenarioError(f"{path}: a symbolic link to a file that does not exist") from None
        raise ScenarioError(f"{path}: no such file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc.__class__.__name__}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(f"{path}: not a regular file (a device, pipe or socket); give a TOML file")
    if st.st_size > max_bytes:
        raise ScenarioError(f"{path}: {st.st_size:,} bytes; input files may have at most {max_bytes:,}")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc.__class__.__name__}") from None
    if len(data) > max_bytes:
        raise ScenarioError(f"{path}: more than {max_bytes:,} bytes; input files may have at most {max_bytes:,}")
    if data.startswith(b"\xef\xbb\xbf"):
        raise ScenarioError(f"{path}: starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) >= 2 and (data[0] == 0 or data[1] == 0)):
        raise ScenarioError(f"{path}: is UTF-16 (or another two-byte encoding); save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8") from None
