"""One module per submodel of the ODD document (docs/ODD.md, section 7).

Each module declares its parameter model (``*Params``, the ``[parameters.<name>]`` table, with
every field's default and meaning) and, where it handles an event kind, that event's schema, next
to its rule; the scenario schema (:mod:`orgsim.model.scenario`) assembles them, and no mechanism
imports it. Each module exposes a ``step(model)`` (or event handlers) that reads and writes the
model's state arrays. Mechanisms know nothing of files, the command line or charts.

The schema imports every mechanism for its declarations, so mechanisms import Mesa's agents and
SciPy's graph routines inside the functions that use them: reading a scenario needs neither.
"""
