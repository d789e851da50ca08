"""Mediation sessions (调解会), their mediators and parties, resource claims and reminders."""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel, field_validator, model_validator
from pydantic import Field as PField
from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime, table_of
from shared.pii import normalise_id_number
from shared.timeutil import Instant

OWNER = {"info": {"owner": "mediation"}}
CASE_NO_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


class SessionStatus(str, Enum):
    scheduled = "scheduled"
    in_progress = "in_progress"
    concluded = "concluded"
    cancelled = "cancelled"


class PartyRole(str, Enum):
    petitioner = "petitioner"      # 信访人 / 申请人
    respondent = "respondent"      # 被申请人
    third_party = "third_party"    # 第三人


class Outcome(str, Enum):
    agreement = "agreement"
    partial_agreement = "partial_agreement"
    no_agreement = "no_agreement"
    no_show = "no_show"


class MediationSession(SQLModel, table=True):
    """A mediation session: a room, 1–3 mediators and the parties, for one slot."""

    __tablename__ = "mediation_session"
    __table_args__ = (Index("ix_mediation_session_case_no", "case_no"),
                      Index("ix_mediation_session_room_start", "room_id", "starts_at"),
                      Index("ix_mediation_session_start", "starts_at"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    room_id: str = Field(sa_column=Column(String(32), ForeignKey("room.id"), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    language: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    lawyer_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    version: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    checked_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    concluded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    outcome: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    cancel_reason: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    reschedule_reason: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    # no_agreement: the other routes the parties were told of (人民调解法 art. 26).
    routes_told: list[str] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    legal_opinion_question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SessionMediator(SQLModel, table=True):
    __tablename__ = "session_mediator"
    __table_args__ = (Index("ix_session_mediator_mediator", "mediator_id"), OWNER)

    session_id: str = Field(sa_column=Column(String(32), ForeignKey("mediation_session.id", ondelete="CASCADE"),
                                             primary_key=True))
    mediator_id: str = Field(sa_column=Column(String(32), ForeignKey("mediator.id"), primary_key=True))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))


class SessionParty(SQLModel, table=True):
    """A party (当事人) of a session; `party_key` is the identity used for double-booking checks.

    The phone and the ID number are personal data (services/mediation/party/crypto.py): sealed
    (AES-GCM, the key's id in `pii_kid`) and matched by keyed hashes; never stored in clear.
    `party_key` is a keyed hash too: of the ID number when given, else of name + phone, else of the name.
    """

    __tablename__ = "session_party"
    __table_args__ = (Index("ix_session_party_key", "party_key"), Index("ix_session_party_name_key", "name_key"),
                      Index("ix_session_party_id_hash", "id_hash"), OWNER)

    session_id: str = Field(sa_column=Column(String(32), ForeignKey("mediation_session.id", ondelete="CASCADE"),
                                             primary_key=True))
    position: int = Field(sa_column=Column(Integer, primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    party_key: str = Field(sa_column=Column(String(240), nullable=False))
    name_key: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    phone_cipher: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    id_number_cipher: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pii_kid: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    phone_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    id_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


# No claim lasts a day (a session is bounded by office hours): overlap queries scan an index range.
MAX_CLAIM = timedelta(hours=24)


class ResourceClaim(SQLModel, table=True):
    """A resource (room, mediator, party) held by a session over [starts_at, ends_at), buffer included.

    On PostgreSQL an exclusion constraint (btree_gist) forbids two overlapping claims of one resource.
    """

    __tablename__ = "resource_claim"
    __table_args__ = (Index("ix_resource_claim_lookup", "resource_kind", "resource_key", "starts_at"),
                      Index("ix_resource_claim_session", "session_id"),
                      # Availability reads every claim of a day: a range on starts_at, covering the rest.
                      Index("ix_resource_claim_start", "starts_at", "resource_kind", "resource_key", "ends_at"),
                      OWNER)

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    session_id: str = Field(sa_column=Column(String(32), ForeignKey("mediation_session.id", ondelete="CASCADE"),
                                             nullable=False))
    resource_kind: str = Field(sa_column=Column(String(16), nullable=False))
    resource_key: str = Field(sa_column=Column(String(240), nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ClaimKindUnindexed(ColumnElement[str]):
    """`resource_claim.resource_kind` for a condition SQLite must not drive a query by: written
    `+resource_kind` on SQLite (elsewhere the column itself).

    Without statistics (an office database is never ANALYZEd) SQLite's planner picks
    `ix_resource_claim_lookup` on the kind alone, a scan of every claim of that kind ever made, over the
    better index the query offers: the period's claims from `ix_resource_claim_start` (availability), or a
    party name's few rows (the same-name check, inside a booking's write lock: 5.9 against 0.04 ms among
    6,000 sessions, and growing with every session booked). Tests: tests/mediation/*/test_claims_query_plan.py.
    """

    type = String()
    # No state of its own: the class is its whole cache key, so statements using it stay in SQLAlchemy's
    # compiled cache (with `inherit_cache` alone the key was None: compiled again on every execution).
    _traverse_internals = []  # noqa: RUF012  # SQLAlchemy reads it from the class
    inherit_cache = True


@compiles(ClaimKindUnindexed)
def _claim_kind(_element, compiler, **kw):
    return compiler.process(table_of(ResourceClaim).c.resource_kind, **kw)


@compiles(ClaimKindUnindexed, "sqlite")
def _claim_kind_sqlite(_element, compiler, **kw):
    return "+" + compiler.process(table_of(ResourceClaim).c.resource_kind, **kw)


class SessionReminder(SQLModel, table=True):
    """A reminder due before a session (24 h, 2 h); claimed and sent once by the reminder job."""

    __tablename__ = "session_reminder"
    __table_args__ = (Index("ix_session_reminder_due", "sent_at", "due_at"), OWNER)

    session_id: str = Field(sa_column=Column(String(32), ForeignKey("mediation_session.id", ondelete="CASCADE"),
                                             primary_key=True))
    lead_hours: int = Field(sa_column=Column(Integer, primary_key=True))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # False when a later reminder superseded this one (nothing was sent).
    delivered: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))


class SessionFlag(SQLModel, table=True):
    """A flag on a session that needs the coordinator (session/flags.py), until it is resolved (rescheduled
    or cancelled)."""

    __tablename__ = "session_flag"
    __table_args__ = (Index("ix_session_flag_session", "session_id", "resolved_at"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    session_id: str = Field(sa_column=Column(String(32), nullable=False))
    flag: str = Field(sa_column=Column(String(40), nullable=False))
    mediator_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    party_name: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    relation_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    detail: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    resolution: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))


# -- schemas ------------------------------------------------------------------------------
class PartyIn(BaseModel):
    name: str = PField(min_length=1, max_length=200)
    role: PartyRole
    phone: str | None = PField(default=None, min_length=3, max_length=32, pattern=r"^\+?[0-9 ()-]{3,32}$")
    # The 18-character resident ID number (optional; check digit verified); identifies the same person.
    id_number: str | None = PField(default=None, min_length=18, max_length=20)

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("name must not be blank")
        return v

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, v: str | None) -> str | None:
        return None if v is None else normalise_id_number(v)


class PartyPublic(BaseModel):
    # `id`: the party as booked in this session, for GET /parties/{id}/cases (the same person's cases).
    id: str | None = None
    name: str
    role: PartyRole
    # Masked (`138****1234`, `440***********1234`) except for coordinators and the session's mediators.
    phone: str | None = None
    id_number: str | None = None


class SessionCreate(BaseModel):
    case_no: str = PField(pattern=CASE_NO_PATTERN)
    room_id: str = PField(min_length=1, max_length=64)
    mediator_ids: list[str] = PField(min_length=1, max_length=3)
    start: Instant
    end: Instant
    parties: list[PartyIn] = PField(min_length=1, max_length=20)
    language: str | None = PField(default=None, max_length=16)
    lawyer_id: str | None = PField(default=None, max_length=64)
    notes: str = PField(default="", max_length=4000)

    @field_validator("mediator_ids")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("mediator_ids must not repeat")
        return v

    @model_validator(mode="after")
    def _parties_unique(self) -> Any:
        keys = [party_key(p.name, p.phone) for p in self.parties]
        ids = [p.id_number for p in self.parties if p.id_number]
        if len(set(keys)) != len(keys) or len(set(ids)) != len(ids):
            raise ValueError("a party is listed twice")
        return self


class RescheduleIn(BaseModel):
    start: Instant
    end: Instant
    room_id: str | None = PField(default=None, min_length=1, max_length=64)
    # A party may ask for the mediator to be replaced (特邀调解规定 art. 15): the new list, 1–3.
    mediator_ids: list[str] | None = PField(default=None, min_length=1, max_length=3)
    reason: str = PField(default="", max_length=500)

    @field_validator("mediator_ids")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("mediator_ids must not repeat")
        return v


class CancelIn(BaseModel):
    reason: str = PField(default="", max_length=500)


class SessionPublic(BaseModel):
    id: str
    case_no: str
    room_id: str
    mediator_ids: list[str]
    start: Instant
    end: Instant
    status: SessionStatus
    parties: list[PartyPublic]
    language: str | None
    lawyer_id: str | None
    notes: str
    created_at: Instant
    updated_at: Instant
    version: int
    checked_in_at: Instant | None
    concluded_at: Instant | None
    outcome: Outcome | None
    cancel_reason: str | None
    reschedule_reason: str | None
    routes_told: list[str] | None
    agreement_id: str | None = None
    # The question of the legal opinion asked for when the session was concluded, if any.
    legal_opinion_question: str | None = None
    # Needs the coordinator, e.g. `recusal_conflict`: a relation added after the booking (session/flags.py).
    flags: list[str] = []
    flag_details: list[dict[str, Any]] = []


def party_key(name: str, phone: str | None) -> str:
    """Name and phone digits in clear: only to compare the parties of one request (never stored; the stored
    `party_key` is the keyed hash of services/mediation/party/crypto.py)."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return " ".join(name.split()).casefold() + "|" + digits

