"""One module per submodel of the ODD document (docs/ODD.md, section 7).

Each module exposes a ``step(model)`` (or event handlers) that reads and writes the model's
state arrays. Mechanisms know nothing of files, the command line or charts.
"""
