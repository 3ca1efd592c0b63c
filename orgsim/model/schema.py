"""The building blocks of the scenario schema, shared by the modules that declare parts of it.

Each mechanism declares its own parameter model (``*Params``) with these; the scenario schema
(:mod:`orgsim.model.scenario`) assembles them. Pydantic v2 models with ``extra="forbid"``: every
field carries its default and its ``description``, which is the scenario reference.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Prob = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
