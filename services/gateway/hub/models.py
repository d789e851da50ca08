"""The event hub's tables: every event stored once, one delivery row per subscriber, dead letters."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime

OWNER = {"info": {"owner": "gateway"}}

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


class HubEvent(SQLModel, table=True):
    """An event as the hub received it (CloudEvent); `position` orders the feed and the timeline."""

    __tablename__ = "hub_event"
    __table_args__ = (
        UniqueConstraint("id", name="uq_hub_event_id"),
        Index("ix_hub_event_subject", "subject", "position"),
        OWNER,
    )

    position: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    id: str = Field(sa_column=Column(String(64), nullable=False))
    source: str = Field(sa_column=Column(String(200), nullable=False))
    type: str = Field(sa_column=Column(String(200), nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    sequence: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    time: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    traceparent: str | None = Field(default=None, sa_column=Column(String(55), nullable=True))  # shared/tracing.py


class HubSubject(SQLModel, table=True):
    """Per (source, subject): the highest sequence up to which every event has arrived (no gap)."""

    __tablename__ = "hub_subject"
    __table_args__ = (OWNER,)

    source: str = Field(sa_column=Column(String(200), primary_key=True))
    subject: str = Field(sa_column=Column(String(128), primary_key=True))
    contiguous: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class HubDelivery(SQLModel, table=True):
    """One event owed to one subscriber: pending -> delivered, or dead after too many attempts."""

    __tablename__ = "hub_delivery"
    __table_args__ = (
        UniqueConstraint("subscriber", "event_id", name="uq_hub_delivery_subscriber"),
        Index("ix_hub_delivery_due", "status", "next_attempt_at"),
        Index("ix_hub_delivery_order", "subscriber", "source", "subject", "sequence"),
        OWNER,
    )

    position: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    subscriber: str = Field(sa_column=Column(String(100), nullable=False))
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    source: str = Field(sa_column=Column(String(200), nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    sequence: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(default=PENDING, sa_column=Column(String(16), nullable=False, default=PENDING))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    @property
    def stored_position(self) -> int:
        """`position` of a stored row (the database assigns it on insert)."""
        assert self.position is not None, "hub delivery not flushed yet"
        return self.position


class DeadLetter(SQLModel, table=True):
    """An event a consumer gave up on (hub delivery or NATS consumer); listed and replayed by coordinators."""

    __tablename__ = "dead_letter"
    __table_args__ = (
        UniqueConstraint("transport", "consumer", "event_id", name="uq_dead_letter_consumer"),
        OWNER,
    )

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    transport: str = Field(sa_column=Column(String(16), nullable=False))
    consumer: str = Field(sa_column=Column(String(100), nullable=False))
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    event: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    dead_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    replayed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    replays: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
