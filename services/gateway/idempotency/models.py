"""Idempotency keys (幂等键): the first answer to a POST, remembered per client."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, LargeBinary, String
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime

IN_PROGRESS = "in_progress"
DONE = "done"


class IdempotencyRecord(SQLModel, table=True):
    """A POST carrying an `Idempotency-Key`: its fingerprint and, once done, its answer.

    The primary key (scope, key) decides which of two racing requests runs:
    the first insert wins, the other sees the row.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (Index("ix_idempotency_key_expires_at", "expires_at"), {"info": {"owner": "gateway"}})

    scope: str = Field(sa_column=Column(String(300), primary_key=True))  # "client_id|sub"
    key: str = Field(sa_column=Column(String(255), primary_key=True))
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))  # sha256(method, path, body)
    method: str = Field(sa_column=Column(String(10), nullable=False))
    path: str = Field(sa_column=Column(String(2000), nullable=False))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    status: int | None = Field(default=None, sa_column=Column(Integer))
    headers: list | None = Field(default=None, sa_column=Column(JSONType))
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
