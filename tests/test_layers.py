"""The package is layered: no module imports from a layer above its own (README, Layout).

Every module under orgsim/ is parsed with ``ast``; every import counts, at module level or inside
a function, under ``if TYPE_CHECKING`` or not, absolute or relative (``from . import x``).
Order, bottom to top: errors < model < ecosystem < runs < experiments < outputs < validation < dashboard < cli.
The package's ``__init__`` (``__version__`` and the lazy public API) is exempt as an importer; an
import of one of its lazy names counts as an import of the module defining it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import orgsim

PACKAGE = Path(orgsim.__file__).resolve().parent
LAYERS = ("errors", "model", "ecosystem", "runs", "experiments", "outputs", "validation", "dashboard", "cli")
EXEMPT = {"orgsim", "orgsim.__main__"}  # the package itself (lazy API) and `python -m orgsim`


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int | None:
    """Rank of an orgsim module's layer (None: the package itself, outside the layers)."""
    parts = module.split(".")
    if parts[0] != "orgsim" or len(parts) == 1:
        return None
    return LAYERS.index(parts[1])


def imports(path: Path, name: str | None = None) -> list[tuple[int, str]]:
    """(line, imported orgsim module) for every import in the file (of module ``name``, by default
    the module at that path: it resolves relative imports)."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "orgsim"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "orgsim":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if target == "orgsim" and alias.name in orgsim._API:
                    out.append((node.lineno, orgsim._API[alias.name]))  # a lazy public name
                elif (PACKAGE.parent / (sub.replace(".", "/") + ".py")).is_file() or \
                        (PACKAGE.parent / sub.replace(".", "/")).is_dir():
                    out.append((node.lineno, sub))  # `from orgsim.model import scenario`: a module
                else:
                    out.append((node.lineno, target))
    return out


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def violations() -> list[str]:
    bad = []
    for path in modules():
        name = module_name(path)
        if name in EXEMPT:
            continue
        mine = layer(name)
        for line, target in imports(path):
            theirs = layer(target)
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if theirs is not None and theirs > mine:
                bad.append(f"{where}: {name} ({LAYERS[mine]}) imports {target} ({LAYERS[theirs]}, a layer above)")
            if name.startswith("orgsim.model.mechanisms") and target == "orgsim.model.scenario":
                bad.append(f"{where}: {name} imports orgsim.model.scenario (the schema assembles the mechanisms, "
                           "not the other way round)")
    return bad


def test_every_module_is_in_a_layer():
    for path in modules():
        name = module_name(path)
        assert name in EXEMPT or layer(name) is not None, name


def test_no_module_imports_from_a_layer_above_it():
    bad = violations()
    assert not bad, "imports against the layer order " + " < ".join(LAYERS) + ":\n" + "\n".join(bad)


def test_the_check_sees_every_kind_of_import(tmp_path):
    """Function-level, relative and lazy-name imports are all found (a check that sees nothing passes)."""
    path = tmp_path / "voice.py"
    path.write_text("import numpy\n\ndef f():\n    from ...runs import run\n    from orgsim import simulate, __version__\n"
                    "    from . import regime\n    from .regime import severity\n    import orgsim.outputs.report\n")
    got = [t for _, t in imports(path, "orgsim.model.mechanisms.voice")]
    assert got == ["orgsim.runs.run", "orgsim.runs.run", "orgsim", "orgsim.model.mechanisms.regime",
                   "orgsim.model.mechanisms.regime", "orgsim.outputs.report"]


def test_reading_a_scenario_does_not_import_mesa():
    import subprocess
    import sys

    code = "import sys, orgsim, orgsim.model.scenario; print('mesa' in sys.modules, 'orgsim.model.model' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parent)
    assert out.stdout.split() == ["False", "False"]
