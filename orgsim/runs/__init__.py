"""Layer 2, running: one scenario and seed -> an output folder (data files, provenance, progress).

It writes the data files only; charts and reports are injected by the caller (``decorate=``).
"""
