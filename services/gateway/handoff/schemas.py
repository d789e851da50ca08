"""Request and response shapes of the handoff calls (API.md, gateway's own)."""
from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.handoff_contract import Target
from shared.timeutil import Day, Instant

CASE_NO = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class Party(BaseModel):
    """A party (当事人): a name, optionally a role, phone, ID number and whether they refused mediation.
    Only these fields (API.md, DOMAIN.md "Personal information": store only what a rule needs): any
    other is refused with 422."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    role: Literal["petitioner", "respondent", "third_party"] | None = None
    phone: str | None = Field(default=None, max_length=40)
    id_number: str | None = Field(default=None, min_length=6, max_length=32, pattern=r"^[0-9A-Za-z]+$")
    refused_mediation: bool | None = None  # 自愿原则: a party who refuses means no mediation


class HandoffCreate(BaseModel):
    """`POST /api/v1/cases/{case_no}/handoffs`. Target fields are checked per target; extra fields pass through."""

    model_config = ConfigDict(extra="allow")
    target: Target
    category: str = Field(min_length=1, max_length=100)
    summary: str = Field(min_length=1, max_length=10_000)
    parties: list[Party | str] = Field(default_factory=list, max_length=50)
    in_litigation: bool | None = None
    # legal_opinion
    question: str | None = Field(default=None, max_length=10_000)
    due_on: Day | None = None
    # review_studio
    kind: Literal["review", "re_examination"] | None = None
    received_on: Day | None = None
    # reception_assist
    leader: str | None = Field(default=None, max_length=100)
    start: Instant | None = None
    end: Instant | None = None
    topic: str | None = Field(default=None, max_length=500)


class HandoffAccepted(BaseModel):
    id: str
    status: str
    case_no: str
    target: str
    expires_at: Instant
    # `expires_at` rests on the Monday–Friday fallback for that year (API.md "Calendar").
    deadline_provisional: bool = False
    deadline_missing_year: int | None = None
    # The category as stored (a code of DOMAIN.md's vocabulary), its label, and the words as sent when
    # they were unknown (stored as `other`, with a warning).
    category: str | None = None
    category_label: str | None = None
    category_text: str | None = None
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    nature: str | None = None           # civil | administrative | litigation_related (DOMAIN.md)
    nature_label: str | None = None


class HandoffStepPublic(BaseModel):
    status: str
    at: Instant
    actor: str
    reason: str | None = None
    reason_code: str | None = None
    event_id: str | None = None
    note: str | None = None


class HandoffPublic(BaseModel):
    id: str
    case_no: str
    target: str
    status: str
    reason: str | None
    reason_code: str | None
    category: str
    category_label: str | None = None
    category_text: str | None = None
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    nature: str | None = None           # civil | administrative | litigation_related (DOMAIN.md)
    nature_label: str | None = None
    summary: str
    parties: list[Any]
    details: dict[str, Any]
    parent_id: str | None
    requested_at: Instant
    expires_at: Instant
    deadline_provisional: bool = False
    deadline_missing_year: int | None = None
    updated_at: Instant
    history: list[HandoffStepPublic]
