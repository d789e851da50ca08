"""Case handoffs (案件移交) between the petition system, mediation and the lawyers, with their history."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime

OWNER = {"info": {"owner": "gateway"}}

TARGETS = ("mediation", "legal_opinion", "review_studio", "reception_assist")
REQUESTED, ACCEPTED, REJECTED, COMPLETED, EXPIRED = "requested", "accepted", "rejected", "completed", "expired"
FINAL = (REJECTED, COMPLETED, EXPIRED)


class Handoff(SQLModel, table=True):
    """A case handed to a target (调解 / 法律意见 / 复查复核 / 协助接访).

    requested -> accepted | rejected -> completed."""

    __tablename__ = "handoff"
    __table_args__ = (
        UniqueConstraint("origin", name="uq_handoff_origin"),
        Index("ix_handoff_case", "case_no", "requested_at"),
        Index("ix_handoff_due", "status", "expires_at"),
        OWNER,
    )

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    target: str = Field(sa_column=Column(String(32), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason_code: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    category: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    parties: list[Any] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_by: str = Field(sa_column=Column(String(100), nullable=False))
    client_id: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    origin: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    parent_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    requested_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class HandoffStep(SQLModel, table=True):
    """One step of a handoff's history (status change, or a late answer that changed nothing)."""

    __tablename__ = "handoff_step"
    __table_args__ = (Index("ix_handoff_step_handoff", "handoff_id", "position"), OWNER)

    position: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    handoff_id: str = Field(sa_column=Column(String(64), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason_code: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    event_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
