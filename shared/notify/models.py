"""The reminder table: the send queue of reminders, in the owning service's database.

One row per (kind, object, recipient, lead time, target): the unique key makes the due scan
idempotent (INSERT ... ON CONFLICT DO NOTHING), so a scan run twice, or on two replicas at once,
queues each reminder once. `target` is the instant or date reminded about: a session moved to
another time, or a deadline moved by a calendar change, is a new occasion and gets its reminder;
the old row, if still unsent, is dropped by the sender.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime

SHARED = {"info": {"owner": "shared"}}


class ReminderStatus:
    pending = "pending"    # queued; the sender sends it at `next_attempt_at`
    sent = "sent"          # the SMTP server or SMS provider accepted it
    dropped = "dropped"    # no longer true or wanted (cancelled, rescheduled, done, no address)
    expired = "expired"    # not delivered before the moment it reminds of
    failed = "failed"      # gave up after `reminder_max_attempts`


class Reminder(SQLModel, table=True):
    """A reminder to one person (提醒), queued by a due scan and sent once by the sender job."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", "recipient", "lead", "target", name="uq_reminder_key"),
        Index("ix_reminder_pending", "status", "next_attempt_at"),
        Index("ix_reminder_object", "object_id"),
        SHARED,
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))          # session, judicial_confirmation, ...
    object_id: str = Field(sa_column=Column(String(64), nullable=False))     # the session, agreement, request ...
    recipient: str = Field(sa_column=Column(String(100), nullable=False))    # party:0, mediator:<id>, lawyer:<id>
    lead: str = Field(sa_column=Column(String(16), nullable=False))          # 24h, 7d, 0d
    target: str = Field(sa_column=Column(String(40), nullable=False))        # the instant or date reminded of
    channel: str = Field(sa_column=Column(String(8), nullable=False))        # email | sms
    case_no: str = Field(default="", sa_column=Column(String(64), nullable=False, default=""))
    subject: str = Field(default="", sa_column=Column(String(300), nullable=False, default=""))
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=ReminderStatus.pending, sa_column=Column(String(16), nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    last_error: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    provider: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))  # smtp, logging, ...
    provider_ref: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
