"""The building blocks of the scenario schema, shared by the modules that declare parts of it.

Each mechanism declares its own parameter model (``*Params``) with these; the scenario schema
(:mod:`orgsim.model.scenario`) assembles them. Pydantic v2 models with ``extra="forbid"``: every
field carries its default and its ``description``, which is the scenario reference.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from orgsim.model.files import short

Prob = Annotated[float, Field(ge=0.0, le=1.0)]


def _date(value: Any) -> Any:
    """A date is a TOML date (2015-01-05) or the same as a string ("2015-01-05"), nothing else."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date like 2015-01-05, not a date and time")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value
        except ValueError:
            raise ValueError(f"{short(value)} is not a calendar date (YYYY-MM-DD)") from None
    return value


Date = Annotated[dt.date, BeforeValidator(_date)]


class Strict(BaseModel):
    # Strict types: an integer key takes an integer, a boolean key true or false, a text key a string
    # (TOML's own types; a float key also takes an integer). No NaN or infinity.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)
