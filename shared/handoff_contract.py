"""The handoff contract (案件移交约定): which service answers which target, and the handoff events' data.

The gateway routes `handoff.requested` to the service that answers its target (`ANSWERED_BY`);
that service answers `<service>.handoff.accepted|rejected|completed`, and the gateway reports
each status change as `handoff.<status>`. Both ends build and read these payloads through the
models below: `data()` is the event's `data` exactly as it travels (the wire is unchanged).
"""
from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_serializer, model_validator

MEDIATION, LAWYERS = "mediation", "lawyers"
Target = Literal["mediation", "legal_opinion", "review_studio", "reception_assist"]
# The routing table: which service answers (accepts, rejects, completes) each target.
ANSWERED_BY: dict[str, str] = {"mediation": MEDIATION, "legal_opinion": LAWYERS, "review_studio": LAWYERS,
                               "reception_assist": LAWYERS}
TARGETS: tuple[str, ...] = get_args(Target)

REQUESTED = "handoff.requested"
VERBS = ("accepted", "rejected", "completed")  # a target service's answers


def targets_of(service: str) -> frozenset[str]:
    """The targets `service` answers for (the handoffs routed to it)."""
    return frozenset(t for t, s in ANSWERED_BY.items() if s == service)


def answer_type(service: str, verb: str) -> str:
    """The wire type of a target service's answer: `mediation.handoff.accepted`, ..."""
    return f"{service}.handoff.{verb}"


def status_type(status: str) -> str:
    """The wire type of the gateway's report of a status change: `handoff.accepted`, ..., `handoff.expired`."""
    return f"handoff.{status}"


class Payload(BaseModel):
    """An event's `data`. `omit_none`: absent fields are left out (else they travel as null)."""

    omit_none: ClassVar[bool] = False

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=self.omit_none)

    @classmethod
    def read(cls, data: Any) -> Self | None:
        """The payload of a received event, or None when it does not fit the contract."""
        try:
            return cls.model_validate(data)
        except ValidationError:
            return None


# -- the request ------------------------------------------------------------------------------------
class HandoffDetails(BaseModel):
    """The target's fields of a handoff request (the gateway's `HandoffCreate` beyond category, summary and
    parties), as the request sent them; other fields the client sent (e.g. `language`), and the vocabulary's
    `category_text` and `nature`, pass through as extra fields."""

    model_config = ConfigDict(extra="allow")
    in_litigation: bool | None = None
    # legal_opinion
    question: str | None = None
    due_on: str | None = None
    # review_studio
    kind: str | None = None
    received_on: str | None = None
    # reception_assist
    leader: str | None = None
    start: str | None = None
    end: str | None = None
    topic: str | None = None

    def get(self, name: str) -> Any:
        """A field by name, declared or passed through (None when absent)."""
        if name in type(self).model_fields:
            return getattr(self, name)
        return (self.model_extra or {}).get(name)


_HEAD = ("handoff_id", "case_no", "target", "category", "summary", "parties")
_TAIL = ("requested_by", "requested_at", "expires_at")


class HandoffRequested(Payload):
    """`handoff.requested` (案件移交请求): the handoff as recorded, its target's fields (`details`) flat beside
    the others on the wire, who asked (`requested_by`) and the instants of the request and of its expiry
    (local ISO). Parties' phones and ID numbers are sealed (shared/handoff_pii.py)."""

    omit_none: ClassVar[bool] = True
    handoff_id: str
    case_no: str
    target: str
    category: str = ""
    summary: str = ""
    parties: list[Any] = Field(default_factory=list)
    details: HandoffDetails = Field(default_factory=HandoffDetails)
    requested_by: str | None = None
    requested_at: str | None = None
    expires_at: str | None = None

    @classmethod
    def of(cls, *, handoff_id: str, case_no: str, target: str, category: str, summary: str, parties: list[Any],
           details: dict[str, Any], requested_by: str, requested_at: str, expires_at: str) -> HandoffRequested:
        """The request of a recorded handoff; a detail named like one of the handoff's own fields is dropped."""
        head = {"handoff_id": handoff_id, "case_no": case_no, "target": target, "category": category,
                "summary": summary, "parties": parties}
        tail = {"requested_by": requested_by, "requested_at": requested_at, "expires_at": expires_at}
        return cls.model_validate({**head, **details, **head, **tail})

    @model_validator(mode="before")
    @classmethod
    def _gather_details(cls, value: Any) -> Any:
        """On the wire the details sit among the other keys (the only way in): gather them under `details`."""
        if not isinstance(value, dict):
            return value
        named = {k: v for k, v in value.items() if k in _HEAD or k in _TAIL}
        return {**named, "details": {k: v for k, v in value.items() if k not in named}}

    @model_serializer(mode="wrap")
    def _spread_details(self, handler) -> dict[str, Any]:
        out = handler(self)
        details = out.pop("details", None) or {}
        head = {k: out[k] for k in _HEAD if k in out}
        tail = {k: out[k] for k in _TAIL if k in out}
        return {**head, **{k: v for k, v in details.items() if k not in head and k not in tail}, **tail}


# -- the answers ------------------------------------------------------------------------------------
class HandoffAnswer(Payload):
    """What the gateway reads of any target service's answer (`<service>.handoff.<verb>`)."""

    model_config = ConfigDict(extra="allow")
    handoff_id: str
    case_no: str | None = None
    reason: str | None = None        # a rejection's
    reason_code: str | None = None


class HandoffRejected(Payload):
    """`<service>.handoff.rejected`: the target service refuses the handoff (e.g. 诉访分离), with a reason."""

    handoff_id: str
    case_no: str | None
    reason: str
    reason_code: str


class MediationHandoffAccepted(Payload):
    """`mediation.handoff.accepted`: a case intake (调解受理) with its target date (调解期限)."""

    handoff_id: str
    case_no: str
    intake_id: str
    target_on: date
    deadline_provisional: bool
    deadline_missing_year: int | None


class MediationHandoffCompleted(Payload):
    """`mediation.handoff.completed`: the first concluded session of the handed-off case."""

    handoff_id: str
    case_no: str
    outcome: str


class OpinionHandoffAccepted(Payload):
    """`lawyers.handoff.accepted` of a `legal_opinion` handoff: the opinion request (法律意见请求)."""

    handoff_id: str
    case_no: str
    request_id: str
    status: str
    assignee_id: str | None
    due_on: date


class ReviewHandoffAccepted(Payload):
    """`lawyers.handoff.accepted` of a `review_studio` handoff: the review matter (复查复核)."""

    handoff_id: str
    case_no: str
    review_id: str
    due_on: date


class AssistHandoffTaken(Payload):
    """`lawyers.handoff.accepted`, then at once `.completed`, of a `reception_assist` handoff (协助接访)."""

    handoff_id: str
    case_no: str
    assist_id: str
    lawyer_id: str


class OpinionHandoffCompleted(Payload):
    """`lawyers.handoff.completed` of a `legal_opinion` handoff: the opinion (法律意见书) is filed."""

    handoff_id: str
    case_no: str
    request_id: str
    opinion_id: str


class ReviewHandoffCompleted(Payload):
    """`lawyers.handoff.completed` of a `review_studio` handoff: the review is decided."""

    handoff_id: str
    case_no: str
    review_id: str
    opinion_id: str


# -- the gateway's reports -------------------------------------------------------------------------
class HandoffStatusChanged(Payload):
    """`handoff.<status>` (source gateway): a handoff moved to `status`; a reason when there is one."""

    omit_none: ClassVar[bool] = True
    handoff_id: str
    case_no: str
    target: str
    status: str
    reason: str | None = None
    reason_code: str | None = None
