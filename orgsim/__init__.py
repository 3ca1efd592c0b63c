"""orgsim: agent-based simulation of the internal life of left political organisations."""

__version__ = "0.1.0"

__all__ = ["__version__"]
