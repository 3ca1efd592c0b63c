"""Layer 3, experiments: many runs. Sweep files, sampling, plans, tasks, executors (local or
Dask), resumable storage, aggregation and sensitivity analysis. Charts and reports of a finished
sweep are injected by the caller (``decorate=``).
"""
