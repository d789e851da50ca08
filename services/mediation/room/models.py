"""Rooms (信访调解室) and their closures."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, model_validator
from pydantic import Field as PField
from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime
from shared.timeutil import Instant

OWNER = {"info": {"owner": "mediation"}}


class Room(SQLModel, table=True):
    """A mediation room (调解室)."""

    __tablename__ = "room"
    __table_args__ = (OWNER,)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    location: str = Field(default="", sa_column=Column(String(300), nullable=False, default=""))
    capacity: int = Field(sa_column=Column(Integer, nullable=False))
    features: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class RoomClosure(SQLModel, table=True):
    """A time the room cannot be used (maintenance, meetings)."""

    __tablename__ = "room_closure"
    __table_args__ = (Index("ix_room_closure_room_start", "room_id", "starts_at"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    room_id: str = Field(sa_column=Column(String(32), ForeignKey("room.id", ondelete="CASCADE"), nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    reason: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# -- schemas ------------------------------------------------------------------------------
class RoomCreate(BaseModel):
    name: str = PField(min_length=1, max_length=200)
    location: str = PField(default="", max_length=300)
    capacity: int = PField(ge=1, le=1000)
    features: list[str] = PField(default_factory=list, max_length=50)


class RoomPublic(BaseModel):
    id: str
    name: str
    location: str
    capacity: int
    features: list[str]
    created_at: Instant


class Period(BaseModel):
    """A closed interval [start, end) with offsets; end after start."""

    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> Any:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ClosureCreate(Period):
    reason: str = PField(default="", max_length=500)


class ClosurePublic(BaseModel):
    id: str
    room_id: str
    start: Instant
    end: Instant
    reason: str
    affected_session_ids: list[str] = []
