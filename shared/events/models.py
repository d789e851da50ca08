"""Outbox, inbox and per-subject sequence tables, present in every service's database."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, String
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime

SHARED = {"info": {"owner": "shared"}}


class OutboxEvent(SQLModel, table=True):
    """An event written in the same transaction as the state change (transactional outbox)."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_pending", "published_at", "position"), SHARED)

    position: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    id: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    source: str = Field(sa_column=Column(String(200), nullable=False))
    type: str = Field(sa_column=Column(String(200), nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    sequence: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    time: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    # The W3C trace context the event was emitted in (shared/tracing.py); None when tracing was off.
    traceparent: str | None = Field(default=None, sa_column=Column(String(55), nullable=True))


class SubjectSequence(SQLModel, table=True):
    """The last sequence number given to a subject's events by this producer."""

    __tablename__ = "subject_sequence"
    __table_args__ = (SHARED,)

    subject: str = Field(sa_column=Column(String(128), primary_key=True))
    last: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class InboxEntry(SQLModel, table=True):
    """An event a consumer has applied; written in the same transaction as the effect."""

    __tablename__ = "inbox_event"
    __table_args__ = (SHARED,)

    consumer: str = Field(sa_column=Column(String(100), primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
    type: str = Field(sa_column=Column(String(200), nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    applied_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
