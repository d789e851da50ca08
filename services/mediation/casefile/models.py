"""Case intake (访调对接 handoffs) and legal opinions attached to a case file."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, model_validator
from sqlalchemy import Column, Date, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from shared import vocabulary
from shared.db import JSONType, UTCDateTime
from shared.timeutil import Instant

OWNER = {"info": {"owner": "mediation"}}


class IntakeStatus(str, Enum):
    pending = "pending"        # accepted, waiting for a session to be booked
    scheduled = "scheduled"    # a session is booked
    completed = "completed"    # a session concluded; the handoff is reported completed
    rejected = "rejected"      # outside the 访调对接 scope


class CaseIntake(SQLModel, table=True):
    """A case handed to mediation (访调对接): the coordinator books sessions for it."""

    __tablename__ = "case_intake"
    __table_args__ = (Index("ix_case_intake_case_no", "case_no"), Index("ix_case_intake_status", "status"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    handoff_id: str | None = Field(default=None, sa_column=Column(String(64), unique=True, nullable=True))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    category: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    # The words as sent when the category was unknown (stored as `other`; shared/vocabulary.py).
    category_text: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    parties: list[dict] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason_code: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    target_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # The year `target_on` rested on the Monday–Friday fallback for (provisional); None when it did not.
    deadline_missing_year: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    outcome: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class IntakeParty(SQLModel, table=True):
    """A party the petition system sent with a handoff, indexed by its keyed hashes (重复信访 lookups).

    The intake keeps the party as sent (sealed, `case_intake.parties`); this row only says who it is:
    the name as compared and the keyed hashes of phone and ID number (casefile/parties.py)."""

    __tablename__ = "intake_party"
    __table_args__ = (Index("ix_intake_party_id_hash", "id_hash"), Index("ix_intake_party_name_key", "name_key"),
                      OWNER)

    intake_id: str = Field(sa_column=Column(String(32), primary_key=True))
    position: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    role: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    name_key: str = Field(sa_column=Column(String(200), nullable=False))
    phone_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    id_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class LegalOpinion(SQLModel, table=True):
    """A legal opinion (法律意见书) filed by a lawyer, attached to the case file by event."""

    __tablename__ = "attached_opinion"
    __table_args__ = (Index("ix_attached_opinion_case_no", "case_no"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    event_id: str = Field(sa_column=Column(String(128), unique=True, nullable=False))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    opinion: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    filed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class IntakePublic(BaseModel):
    id: str
    case_no: str
    handoff_id: str | None
    status: IntakeStatus
    category: str
    category_label: str | None = None
    category_text: str | None = None
    warnings: list[dict] = []
    summary: str
    parties: list[dict]
    reason: str | None
    reason_code: str | None
    target_on: date | None
    deadline_provisional: bool = False  # `target_on` rests on the Monday–Friday fallback (API.md "Calendar")
    deadline_missing_year: int | None = None
    outcome: str | None
    received_at: Instant
    completed_at: Instant | None

    @model_validator(mode="after")
    def _vocabulary(self) -> IntakePublic:
        """The category's label and, for unknown words, the warning (shared/vocabulary.py)."""
        fields = vocabulary.category_fields(self.category, self.category_text)
        self.category_label, self.warnings = fields["category_label"], fields["warnings"]
        self.deadline_provisional = self.deadline_missing_year is not None
        return self


class LegalOpinionPublic(BaseModel):
    id: str
    case_no: str
    opinion: dict[str, Any]
    filed_at: Instant
