"""Conflict-of-interest register (利益冲突登记) and waivers (知情同意书)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import Column, Date, Index, String
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime
from shared.timeutil import Day

OWNER = {"info": {"owner": "lawyers"}}
Relation = Literal["current_client", "former_client", "opposing_party", "near_relative", "own_interest",
                   "former_judicial_office", "other"]

_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"[·・•‧∙]")


def normalise_name(name: str) -> str:
    """Comparable form of a party name: NFKC (full-width -> half-width), no spaces or middle dots, casefolded."""
    n = unicodedata.normalize("NFKC", name)
    n = _SPACES.sub("", n)
    n = _DOTS.sub("", n)
    return n.casefold()


class ConflictEntry(SQLModel, table=True):
    """A party a lawyer may not act against or for: the relation, the matter and when it ends."""

    __tablename__ = "conflict_entry"
    __table_args__ = (Index("ix_conflict_entry_party_key", "party_key"),
                      Index("ix_conflict_entry_lawyer_id", "lawyer_id"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    party_name: str = Field(sa_column=Column(String(200), nullable=False))
    party_key: str = Field(sa_column=Column(String(200), nullable=False))
    relation: str = Field(sa_column=Column(String(32), nullable=False))
    matter: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    case_no: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    ends_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))


class ConflictWaiver(SQLModel, table=True):
    """A waiver backed by the party's signed informed consent (知情同意书)."""

    __tablename__ = "conflict_waiver"
    __table_args__ = (Index("ix_conflict_waiver_conflict_id", "conflict_id"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    conflict_id: str = Field(sa_column=Column(String(32), nullable=False))
    consent_ref: str = Field(sa_column=Column(String(200), nullable=False))
    signed_by: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    signed_on: date = Field(sa_column=Column(Date, nullable=False))
    case_no: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))


CaseNo = PField(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class ConflictCreate(BaseModel):
    party_name: str = PField(min_length=1, max_length=200)
    matter: str = PField(default="", max_length=500)
    relation: Relation = "other"
    ends_on: Day | None = None
    case_no: str | None = PField(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class WaiverCreate(BaseModel):
    consent_ref: str = PField(min_length=1, max_length=200, description="知情同意书 reference")
    signed_on: Day
    signed_by: str = PField(default="", max_length=200)
    case_no: str | None = PField(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


# -- answers (dates and instants are the strings of context.day() / iso()) ----------------------------
class WaiverPublic(BaseModel):
    """A recorded waiver (知情同意书)."""

    id: str
    conflict_id: str
    consent_ref: str
    signed_by: str
    signed_on: str
    case_no: str | None
    created_at: str


class ConflictPublic(BaseModel):
    """A register entry (利益冲突登记) with the last day it blocks (None: for good) and its waivers."""

    id: str
    lawyer_id: str
    party_name: str
    relation: Relation
    matter: str
    case_no: str | None
    ends_on: str | None
    blocks_until: str | None
    waivers: list[WaiverPublic]
    created_at: str


class ConflictHit(BaseModel):
    """A live entry blocking a lawyer for a party."""

    conflict_id: str
    party_name: str
    relation: Relation
    matter: str


class ConflictedLawyer(BaseModel):
    lawyer_id: str
    conflicts: list[ConflictHit]


class ConflictCheck(BaseModel):
    """Which lawyers are conflicted with these parties today (利益冲突审查)."""

    parties: list[str]
    conflicted: list[ConflictedLawyer]
