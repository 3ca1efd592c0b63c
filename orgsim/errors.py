"""Errors that the command line reports as one short message, without a traceback."""


class OrgsimError(Exception):
    """A user-facing error: bad input, refused output folder and the like."""


class ScenarioError(OrgsimError):
    """A scenario or sweep file that cannot be read or is invalid."""
