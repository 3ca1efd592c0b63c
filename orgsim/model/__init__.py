"""Layer 1, the model: scenario schema, OrgModel, agents, state, ties, network, observation and
the mechanisms (one module per ODD submodel, each declaring its parameters).

Importing this package (or :mod:`orgsim.model.scenario`) does not import Mesa; ``OrgModel`` is
imported on first access.
"""


def __getattr__(name: str):
    if name == "OrgModel":
        from orgsim.model.model import OrgModel

        return OrgModel
    raise AttributeError(f"module 'orgsim.model' has no attribute {name!r}")
