"""orgsim: agent-based simulation of the internal life of left political organisations.

The package is layered, in the order data flows (a module imports only from its own layer or
those below it; ``tests/test_layers.py`` checks this):

    errors         OrgsimError, the base of every layer's errors
    model/         1. the scenario schema, OrgModel, agents, state, ties, network, observation, mechanisms
    runs/          2. one run -> an output folder
    experiments/   3. many runs: sweeps, sampling, executors, storage, sensitivity analysis
    outputs/       4. reading output folders, charts, reports
    validation/    5. the case patterns and the validation report
    dashboard/     6. the SolaraViz dashboard
    cli            the command line

``import orgsim`` stays light: the public API below is imported on first use. ``orgsim.run(...)``
and ``orgsim.sweep(...)`` return DataFrames (:mod:`orgsim.experiments.api`).
"""

__version__ = "0.1.0"

# public name -> module defining it (imported on first access)
_API = {
    "load_scenario": "orgsim.model.scenario",
    "Scenario": "orgsim.model.scenario",
    "OrgModel": "orgsim.model.model",
    "simulate": "orgsim.runs.run",
    "run": "orgsim.experiments.api",
    "sweep": "orgsim.experiments.api",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'orgsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
