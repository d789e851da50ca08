"""The CloudEvents 1.0 envelope every event travels in."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.timeutil import Instant


class CloudEvent(BaseModel):
    """A CloudEvent (JSON format). `subject` is the case number (信访件编号).

    `sequence` is the producer's per-subject counter (extension attribute): the
    consumer applies the events of one subject in that order.
    """

    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: str = Field(min_length=1, max_length=128)
    source: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=200)
    subject: str | None = None
    time: Instant
    datacontenttype: str = "application/json"
    data: dict[str, Any] = Field(default_factory=dict)
    sequence: int | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @property
    def time_utc(self) -> datetime:
        return self.time
