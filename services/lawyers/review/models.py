"""Review studio matters (复查 / 复核), their panel and hearings (听证)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import Boolean, Column, Date, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from services.lawyers.opinion.models import OpinionPublic, PartyIn, PartyPublic
from shared.db import JSONType, UTCDateTime
from shared.timeutil import Day, Instant

OWNER = {"info": {"owner": "lawyers"}}
ReviewKind = Literal["review", "re_examination"]
RULE_OF_KIND = {"review": "review_opinion", "re_examination": "re_examination_opinion"}


class ReviewMatter(SQLModel, table=True):
    """A review (复查, art. 35) or re-examination (复核, art. 36) before the studio."""

    __tablename__ = "review_matter"
    __table_args__ = (
        Index("ix_review_matter_case_no", "case_no"),
        Index("ix_review_matter_status_due", "status", "due_on"),
        # 不再受理: one re-examination per matter, enforced by the database as well.
        Index("uq_review_matter_re_examination", "case_no", unique=True,
              sqlite_where=text("kind = 're_examination'"), postgresql_where=text("kind = 're_examination'")),
        OWNER,
    )

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    received_on: date = Field(sa_column=Column(Date, nullable=False))
    due_on: date = Field(sa_column=Column(Date, nullable=False))
    hearing_days: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    # The year whose holidays were missing when `due_on` was computed (the Monday–Friday fallback).
    deadline_missing_year: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    parties: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    summary: str = Field(default="", sa_column=Column(String(2000), nullable=False, default=""))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    panel_complete: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    due_soon_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    overdue_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    handoff_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))


class ReviewPanelMember(SQLModel, table=True):
    """A studio lawyer on a review's panel."""

    __tablename__ = "review_panel_member"
    __table_args__ = (Index("ix_review_panel_member_lawyer", "lawyer_id"), OWNER)

    review_id: str = Field(sa_column=Column(String(32), primary_key=True))
    lawyer_id: str = Field(sa_column=Column(String(32), primary_key=True))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    assigned_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ReviewHearing(SQLModel, table=True):
    """A hearing (听证); the calendar days it takes are not counted against the deadline."""

    __tablename__ = "review_hearing"
    __table_args__ = (Index("ix_review_hearing_review", "review_id", "start"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    review_id: str = Field(sa_column=Column(String(32), nullable=False))
    start: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    end: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    location: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    note: str = Field(default="", sa_column=Column(String(1000), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ReviewCreate(BaseModel):
    case_no: str = PField(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    kind: ReviewKind
    received_on: Day
    parties: list[PartyIn | str] = PField(default_factory=list, max_length=50)
    summary: str = PField(default="", max_length=2000)

    @field_validator("parties")
    @classmethod
    def _names(cls, v: list) -> list[PartyIn]:
        return [PartyIn(name=p) if isinstance(p, str) else p for p in v]


class HearingIn(BaseModel):
    start: Instant
    end: Instant
    location: str = PField(default="", max_length=200)
    note: str = PField(default="", max_length=1000)


class PanelIn(BaseModel):
    lawyer_ids: list[str] = PField(min_length=1, max_length=10)


# -- answers (dates and instants are the strings of context.day() / iso()) ----------------------------
class HearingPublic(BaseModel):
    """A hearing (听证)."""

    id: str
    review_id: str
    start: str
    end: str
    location: str
    note: str


class ReviewPublic(BaseModel):
    """A review or re-examination (复查 / 复核) with its panel, hearings and latest opinion."""

    id: str
    case_no: str
    kind: ReviewKind
    received_on: str
    due_on: str
    hearing_days: int
    parties: list[PartyPublic]
    summary: str
    status: Literal["open", "decided"]
    panel: list[str]
    panel_complete: bool
    hearings: list[HearingPublic]
    due_soon: bool
    overdue: bool
    decided_at: str | None
    handoff_id: str | None
    created_at: str
    opinion: OpinionPublic | None
    deadline_provisional: bool
    deadline_missing_year: int | None


class HearingScheduled(HearingPublic):
    """The hearing and the review as it stands after it (the deadline moved)."""

    review: ReviewPublic
