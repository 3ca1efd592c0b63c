"""Charts. Matplotlib with the non-interactive Agg backend and a colour-blind-safe palette.

This package module stays free of matplotlib so the command line can list the chart kinds
without paying for the import.
"""

# what `orgsim plot --kind` accepts (orgsim/outputs/plots/make.py draws them)
KINDS = ("auto", "run", "network", "replicates", "compare", "phase", "outcomes", "metrics", "sensitivity", "ecosystem")
# what network snapshots can be coloured by (orgsim/outputs/plots/network.py)
COLOR_BY = ("position", "faction", "role")
