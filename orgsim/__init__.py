"""orgsim: agent-based simulation of the internal life of left political organisations.

``orgsim.run(...)`` and ``orgsim.sweep(...)`` return DataFrames (see :mod:`orgsim.experiments.api`);
``orgsim.OrgModel`` is the Mesa model. They are imported on first use, so ``import orgsim`` stays light.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "run", "sweep", "OrgModel"]


def __getattr__(name: str):
    if name in ("run", "sweep"):
        from orgsim.experiments import api

        return getattr(api, name)
    if name == "OrgModel":
        from orgsim.model.model import OrgModel

        return OrgModel
    raise AttributeError(f"module 'orgsim' has no attribute {name!r}")
