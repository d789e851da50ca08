"""The CloudEvents 1.0 envelope every event travels in."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.timeutil import Instant
from shared.tracing import valid_traceparent


class CloudEvent(BaseModel):
    """A CloudEvent (JSON format). `subject` is the case number (信访件编号).

    `sequence` is the producer's per-subject counter (extension attribute): the
    consumer applies the events of one subject in that order. `traceparent` (extension attribute,
    CloudEvents distributed tracing) is the W3C trace context the event was emitted in (shared/tracing.py).
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
    traceparent: str | None = None

    @field_validator("traceparent", mode="before")
    @classmethod
    def _only_valid_traceparent(cls, v):
        return valid_traceparent(v) if isinstance(v, str) else None  # a bad one is dropped, never an error

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
