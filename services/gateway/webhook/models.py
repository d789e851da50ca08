"""Webhook subscriptions (订阅), their deliveries and each delivery attempt."""
from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime
from shared.timeutil import Instant

OWNER = {"info": {"owner": "gateway"}}

ENDPOINT_ACTIVE, ENDPOINT_DISABLED = "active", "disabled"
PENDING, SUCCEEDED, FAILED, CANCELLED = "pending", "succeeded", "failed", "cancelled"
DELIVERY_STATUSES = (PENDING, SUCCEEDED, FAILED, CANCELLED)

# "*", an exact type ("handoff.accepted") or a prefix pattern ("handoff.*", "mediation.session.*").
EVENT_TYPE_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")


class WebhookEndpoint(SQLModel, table=True):
    """A subscriber's URL and the event types it wants; one signing secret (two during a rotation)."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_owner_created", "owner", "created_at"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    owner: str = Field(sa_column=Column(String(100), nullable=False))
    url: str = Field(sa_column=Column(String(2048), nullable=False))
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    secret: str = Field(sa_column=Column(String(200), nullable=False))
    previous_secret: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    previous_secret_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    status: str = Field(default=ENDPOINT_ACTIVE, sa_column=Column(String(16), nullable=False))
    disabled_reason: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one endpoint; `body` is the exact JSON sent on every attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_event"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
        Index("ix_webhook_delivery_event", "event_id"),
        OWNER,
    )

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    endpoint_id: str = Field(sa_column=Column(String(32), ForeignKey("webhook_endpoint.id", ondelete="CASCADE"),
                                              nullable=False))
    event_id: str = Field(sa_column=Column(String(128), nullable=False))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=PENDING, sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    max_attempts: int = Field(sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    manual: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(String(1000), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class WebhookAttempt(SQLModel, table=True):
    """One HTTP attempt of a delivery (the delivery log)."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery", "delivery_id", "number"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    delivery_id: str = Field(sa_column=Column(String(32), ForeignKey("webhook_delivery.id", ondelete="CASCADE"),
                                              nullable=False))
    number: int = Field(sa_column=Column(Integer, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    duration_ms: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(String(1000), nullable=True))
    outcome: str = Field(sa_column=Column(String(16), nullable=False))
    manual: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))


# -- schemas ------------------------------------------------------------------------------
class WebhookCreate(BaseModel):
    url: str = PField(min_length=1, max_length=2048)
    event_types: list[str] = PField(min_length=1, max_length=50)

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for t in value:
            t = t.strip()
            if len(t) > 200 or not EVENT_TYPE_PATTERN.match(t):
                raise ValueError(f"{t!r} is not an event type, '*' or a prefix pattern like 'handoff.*'")
            if t not in out:
                out.append(t)
        return out


class WebhookPublic(BaseModel):
    id: str
    url: str
    event_types: list[str]
    status: str
    disabled_reason: str | None = None
    disabled_at: Instant | None = None
    owner: str
    previous_secret_expires_at: Instant | None = None
    created_at: Instant
    updated_at: Instant


class WebhookWithSecret(WebhookPublic):
    """Answer of creation and rotation: the only times the secret is shown."""

    secret: str


class AttemptPublic(BaseModel):
    number: int
    started_at: Instant
    duration_ms: int
    status_code: int | None
    error: str | None
    outcome: str
    manual: bool


class DeliveryPublic(BaseModel):
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    subject: str | None
    status: str
    attempt_count: int
    next_attempt_at: Instant | None
    last_status_code: int | None
    last_error: str | None
    created_at: Instant
    completed_at: Instant | None
    attempts: list[AttemptPublic]
