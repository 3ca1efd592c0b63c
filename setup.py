"""Packaging hook: ship the top-level scenarios/ folder inside the package as orgsim/scenarios/.

scenarios/ stays the one source (README commands use scenarios/*.toml); a wheel (or a regular
install) gets a copy as package data, which orgsim.model.catalogue finds by name. An editable
install and a checkout read scenarios/ where it is. Everything else is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_scenarios(build_py):
    def run(self):
        super().run()
        src = HERE / "scenarios"
        dest = Path(self.build_lib) / "orgsim" / "scenarios"
        for path in sorted(src.rglob("*.toml")):
            target = dest / path.relative_to(src)
            self.mkpath(str(target.parent))
            self.copy_file(str(path), str(target))


setup(cmdclass={"build_py": build_py_with_scenarios})
