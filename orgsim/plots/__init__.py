"""Charts. Matplotlib with the non-interactive Agg backend and a colour-blind-safe palette."""
