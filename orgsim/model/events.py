"""The schema common to scheduled events (week or date, label) and the climate event, which the
model applies itself. Each other kind is declared next to the mechanism that handles it:
convention (mechanisms/convention.py), reform (mechanisms/regime.py), scandal
(mechanisms/scandal.py), critique (mechanisms/critique.py); the scenario schema assembles them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from orgsim.model.schema import Date, Prob, Strict


class EventBase(Strict):
    week: int | None = Field(None, ge=0, description="Week of the event (0-based); give this or date.")
    date: Date | None = Field(None, description="Calendar date of the event (needs start_date); give this or week.")
    label: str = Field("", max_length=200, description="Free text shown in events and charts.")

    @model_validator(mode="after")
    def _one_time(self):
        if (self.week is None) == (self.date is None):
            raise ValueError("give exactly one of 'week' or 'date'")
        return self


class ClimateEvent(EventBase):
    kind: Literal["climate"]
    climate: float | None = Field(None, ge=0.0, le=10.0, description="New movement climate.")
    competitor_pull: Prob | None = Field(None, description="New pull of outside options.")
    practice_gap: Prob | None = Field(None, description="New practice gap.")
