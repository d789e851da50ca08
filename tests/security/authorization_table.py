"""Who may call what (授权矩阵): one row per public operation, the expected answer per role.

Columns: the roles of API.md, each signed in as the user in `authorization_world.SIGNED_IN` (a row may
name another user of the role, e.g. the studio lawyer `lawyer3` for reviews). A cell is

- `"200"` (any status): that answer for the caller's own object and for someone else's;
- `"200/404"`: own object / someone else's (`own`: mediator1's session, lawyer1's request, the petition
  system's webhook, the case mediator1 and lawyer1 work on; `other`: mediator2's, lawyer2's, the
  coordinator's, a case neither works on; see `authorization_world.py`);
- `"ok"`: the row's success status; `"any"`: allowed, and the business answer depends on the object's
  state (any answer but 401, 403, 404 and 5xx).

A role allowed both objects of a document (`.pdf`) is asked about its own only: each call renders one.
A caller without a token gets 401 on every `/api/` path. Writes by a caller without the role are 403;
objects a caller may not see are 404, as if absent (API.md "Conventions").

Path parameters, and `{name}` in bodies and queries, are filled from the world: `session_id` is a
scheduled session, `objects={"session_id": "concluded"}` asks for one concluded with an agreement.
A body may be a function `(world, side) -> dict` when it needs fresh values (a free slot, a name).
To add an endpoint: add its row here; `test_every_operation_has_a_row` fails until you do. `LISTS` (at
the end) says which of the two objects each role finds in the lists.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.security.authorization_world import LAW, MED, OPINION, OTHER, OWN, World, today, uniq

ROLES = ("coordinator", "mediator", "lawyer", "petition_system", "auditor", "service")
# A path parameter names the kind of world object that fills it.
OBJECT_OF_PARAM = {"session_id": "session", "room_id": "room", "mediator_id": "mediator", "party_id": "party",
                   "case_no": "case", "handoff_id": "handoff", "webhook_id": "webhook", "delivery_id": "delivery",
                   "dead_letter_id": "dead_letter", "day": "day", "year": "year", "lawyer_id": "lawyer",
                   "leave_id": "leave", "conflict_id": "conflict", "request_id": "request",
                   "opinion_id": "opinion", "shift_id": "shift", "assist_id": "assist", "review_id": "review"}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    cells: tuple[str, ...]  # one per ROLES entry
    ok: int = 200
    body: dict | Callable[[World, str], dict] | None = None
    params: dict | None = None
    objects: dict[str, str] = field(default_factory=dict)  # path parameter -> world object kind
    users: dict[str, str] = field(default_factory=dict)  # role -> the user signed in for it in this row
    anonymous: int = 401

    def __post_init__(self) -> None:
        assert len(self.cells) == len(ROLES), f"{self.method} {self.path}: {len(self.cells)} cells"

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def expected(self, role: str) -> tuple[str, str]:
        """(own, other) expectation of a role: a status, `ok` or `any`."""
        cell = self.cells[ROLES.index(role)]
        own, _, other = cell.partition("/")
        return own, other or own


def row(method: str, path: str, cells: str, **kw: Any) -> Row:
    """`cells`: one word per role, in the order of ROLES."""
    return Row(method, path, tuple(cells.split()), **kw)


def _in(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def _month() -> str:
    return today().strftime("%Y-%m")


def _session_body(world: World, side: str) -> dict:
    start, end = world.slot()
    return {"case_no": uniq("AZ-N"), "room_id": world.value("room", side),
            "mediator_ids": [world.value("mediator", side)], "start": start, "end": end,
            "parties": [{"name": uniq("申请人"), "role": "petitioner"}]}


def _reschedule_body(world: World, side: str) -> dict:
    start, end = world.slot()
    return {"start": start, "end": end, "reason": "当事人请求改期"}


def _signatures_body(world: World, side: str) -> dict:
    return {"signed_by": world.party_names(world.current["session_id"])}


def _closure_body(world: World, side: str) -> dict:
    d = today() + timedelta(days=300 + world.counter())
    return {"start": f"{d}T09:00:00+08:00", "end": f"{d}T12:00:00+08:00", "reason": "维修"}


def _leave_body(world: World, side: str) -> dict:
    d = today() + timedelta(days=300 + world.counter())
    return {"start": f"{d}T09:00:00+08:00", "end": f"{d}T12:00:00+08:00", "reason": "培训"}


def _lawyer_leave_body(world: World, side: str) -> dict:
    d = today() + timedelta(days=500 + 3 * world.counter())
    return {"start": d.isoformat(), "end": (d + timedelta(days=1)).isoformat(), "reason": "年假"}


def _assist_body(world: World, side: str) -> dict:
    d = today() + timedelta(days=60 + world.counter())
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return {"leader": "李副区长", "start": f"{d}T14:00:00+08:00", "end": f"{d}T16:00:00+08:00", "topic": "专题接访"}


def _generate_body(world: World, side: str) -> dict:
    d = today() + timedelta(days=120 + 7 * world.counter())
    return {"from": d.isoformat(), "to": (d + timedelta(days=2)).isoformat()}


def _contract_body(world: World, side: str) -> dict:
    year = 2030 + world.counter() % 150
    return {"start": f"{year}-01-01", "end": f"{year}-12-31", "annual_hours": 100}


WEEK = {"from": _in(2), "to": _in(9)}
M, L = MED, LAW

# fmt: off
ROWS: list[Row] = [
    # -- the gateway's own ------------------------------------------------------------------------------
    # row(method, path,
    #     "coordinator mediator lawyer petition_system auditor service", options)
    row("GET", "/healthz",
        "200    200    200    200    200    200", anonymous=200),
    row("GET", "/readyz",
        "200    200    200    200    200    200", anonymous=200),
    row("GET", "/metrics",
        "200    200    200    200    200    200", anonymous=200),
    row("GET", "/.well-known/jwks.json",
        "200    200    200    200    200    200", anonymous=200),
    # a token request answers for its form, whoever calls (here: no grant_type)
    row("POST", "/oauth/token",
        "400    400    400    400    400    400", anonymous=400),
    row("GET", "/api/v1/events/dead-letters",
        "ok     403    403    403    ok     403"),
    row("POST", "/api/v1/events/dead-letters/{dead_letter_id}/replay",
        "ok     403    403    403    403    403"),
    row("POST", "/api/v1/cases/{case_no}/handoffs",
        "ok     403    403    ok     403    403", ok=202,
        body={"target": "mediation", "category": "neighbour_dispute", "summary": "相邻关系纠纷",
              "parties": [{"name": "赵甲", "role": "petitioner"}]}),
    row("GET", "/api/v1/cases/{case_no}/handoffs",
        "ok     ok/404 ok/404 ok     ok     403"),
    row("GET", "/api/v1/handoffs/{handoff_id}",
        "ok     ok/404 ok/404 ok     ok     403"),
    row("GET", "/api/v1/cases/{case_no}/timeline",
        "ok     ok/404 ok/404 ok     ok     403"),
    row("GET", "/api/v1/events",
        "ok     403    403    ok     ok     403"),
    row("PUT", "/api/v1/calendar/days/{day}",
        "ok     403    403    403    403    403",
        body={"kind": "holiday", "name": "地方假日"}),
    row("GET", "/api/v1/calendar/days/{day}",
        "ok     ok     ok     ok     ok     403"),
    row("PUT", "/api/v1/calendar/years/{year}",
        "ok     403    403    403    403    403",
        body={"days": [{"date": f"{today().year + 1}-01-01", "kind": "holiday", "name": "元旦"}]}),
    row("GET", "/api/v1/calendar/years/{year}",
        "ok     ok     ok     ok     ok     403"),
    row("POST", "/api/v1/webhooks",
        "ok     403    403    ok     403    403", ok=201,
        body={"url": "http://127.0.0.1:9/hook", "event_types": ["handoff.accepted"]}),
    row("GET", "/api/v1/webhooks",
        "ok     403    403    ok     ok     403"),
    row("GET", "/api/v1/webhooks/{webhook_id}",
        "ok     403    403    ok/404 ok     403"),
    row("DELETE", "/api/v1/webhooks/{webhook_id}",
        "ok     403    403    ok/404 403    403", ok=204),
    row("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret",
        "ok     403    403    ok/404 403    403"),
    row("GET", "/api/v1/webhooks/{webhook_id}/deliveries",
        "ok     403    403    ok/404 ok     403"),
    row("GET", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}",
        "ok     403    403    ok/404 ok     403"),
    row("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        "ok     403    403    ok/404 403    403", ok=202),
    row("GET", "/api/v1/audit/events",
        "403    403    403    403    ok     403"),
    row("GET", "/api/v1/audit/verify",
        "403    403    403    403    ok     403"),

    # -- mediation --------------------------------------------------------------------------------------
    row("GET", f"{M}/mediators/{{mediator_id}}/calendar.ics",
        "ok     ok/404 403    ok     ok     403"),
    row("GET", f"{M}/rooms/{{room_id}}/calendar.ics",
        "ok     ok     403    ok     ok     403"),
    row("POST", f"{M}/rooms",
        "ok     403    403    403    403    403", ok=201,
        body={"name": "{uniq}", "location": "二楼", "capacity": 6, "features": []}),
    row("GET", f"{M}/rooms",
        "ok     ok     ok     ok     ok     403"),
    row("GET", f"{M}/rooms/{{room_id}}",
        "ok     ok     ok     ok     ok     403"),
    row("POST", f"{M}/rooms/{{room_id}}/closures",
        "ok     403    403    403    403    403", ok=201,
        body=_closure_body),
    row("GET", f"{M}/rooms/{{room_id}}/closures",
        "ok     ok     ok     ok     ok     403"),
    row("POST", f"{M}/mediators",
        "ok     403    403    403    403    403", ok=201,
        body={"name": "{uniq}", "kind": "people_mediator", "languages": ["zh"]}),
    row("GET", f"{M}/mediators",
        "ok     ok     ok     ok     ok     403"),
    row("GET", f"{M}/mediators/{{mediator_id}}",
        "ok     ok     ok     ok     ok     403"),
    row("POST", f"{M}/mediators/{{mediator_id}}/leave",
        "ok     403    403    403    403    403", ok=201,
        body=_leave_body),
    row("GET", f"{M}/mediators/{{mediator_id}}/leave",
        "ok     ok/404 403    ok     ok     403"),
    row("POST", f"{M}/mediators/{{mediator_id}}/relations",
        "ok     ok/403 403    403    403    403", ok=201,
        body={"party_name": "{uniq}", "relation": "近亲属"}),
    row("GET", f"{M}/mediators/{{mediator_id}}/relations",
        "ok     ok/404 403    404    ok     403"),
    row("GET", f"{M}/availability",
        "ok     ok     ok     ok     ok     403",
        params={**WEEK, "duration_minutes": 60}),
    row("GET", f"{M}/office-hours",
        "ok     ok     ok     ok     ok     403", params=WEEK),
    row("GET", f"{M}/occupancy",
        "ok     ok     403    ok     ok     403", params=WEEK),
    row("POST", f"{M}/sessions",
        "ok     ok/403 403    403    403    403", ok=201,
        body=_session_body),
    row("GET", f"{M}/sessions",
        "ok     ok     403    ok     ok     403"),
    row("GET", f"{M}/sessions/{{session_id}}",
        "ok     ok/404 403    ok     ok     403"),
    row("POST", f"{M}/sessions/{{session_id}}/reschedule",
        "ok     ok/404 403    403    403    403",
        body=_reschedule_body),
    row("POST", f"{M}/sessions/{{session_id}}/cancel",
        "ok     ok/404 403    403    403    403",
        body={"reason": "当事人撤回"}),
    row("POST", f"{M}/sessions/{{session_id}}/check-in",
        "ok     ok/404 403    403    403    403"),
    row("POST", f"{M}/sessions/{{session_id}}/conclude",
        "ok     ok/404 403    403    403    403",
        body={"outcome": "no_agreement"}),
    row("GET", f"{M}/sessions/{{session_id}}/agreement",
        "ok     ok/404 403    ok     ok     403",
        objects={"session_id": "concluded"}),
    row("POST", f"{M}/sessions/{{session_id}}/satisfaction",
        "ok     ok/404 403    ok     403    403", ok=201,
        body={"rating": "satisfied"}, objects={"session_id": "concluded"}),
    row("GET", f"{M}/agreements",
        "ok     ok     403    ok     ok     403"),
    row("GET", f"{M}/cases",
        "ok     ok     403    ok     ok     403"),
    row("GET", f"{M}/cases/{{case_no}}",
        "ok     ok/404 403    ok     ok     403"),
    row("GET", f"{M}/sessions/{{session_id}}/agreement/signatures",
        "ok     ok/404 403    ok     ok     403",
        objects={"session_id": "concluded"}),
    row("POST", f"{M}/sessions/{{session_id}}/agreement/signatures",
        "ok     ok/404 403    403    403    403", ok=201,
        body=_signatures_body, objects={"session_id": "concluded"}),
    row("GET", f"{M}/sessions/{{session_id}}/agreement/judicial-confirmation",
        "ok     ok/404 403    ok     ok     403", objects={"session_id": "concluded"}),
    row("POST", f"{M}/sessions/{{session_id}}/agreement/judicial-confirmation",
        "ok     ok/404 403    403    403    403", ok=201,
        body={"applied_on": _in(0), "court": "区人民法院"}, objects={"session_id": "concluded"}),
    row("GET", f"{M}/sessions/{{session_id}}/agreement/followups",
        "ok     ok/404 403    ok     ok     403",
        objects={"session_id": "concluded"}),
    row("POST", f"{M}/sessions/{{session_id}}/agreement/followups",
        "ok     ok/404 403    403    403    403", ok=201,
        body={"visited_on": _in(0), "performance": "performed", "note": "已履行"},
        objects={"session_id": "concluded"}),
    row("GET", f"{M}/sessions/{{session_id}}/agreement.pdf",
        "ok     ok/404 403    ok     ok     403",
        objects={"session_id": "concluded"}),
    row("GET", f"{M}/sessions/{{session_id}}/record.pdf",
        "ok     ok/404 403    ok     ok     403",
        objects={"session_id": "concluded"}),
    row("GET", f"{M}/reports/monthly",
        "ok     403    403    403    ok     403",
        params={"month": _month()}),
    row("GET", f"{M}/parties/{{party_id}}/cases",
        "ok     ok/404 403    ok     ok     403"),

    # -- lawyers ----------------------------------------------------------------------------------------
    row("POST", f"{L}/lawyers",
        "ok     403    403    403    403    403", ok=201,
        body=lambda w, s: {"name": uniq("律师"), "kind": "studio_lawyer", "license_no": str(w.counter() + 10**16),
                           "firm": "明理律师事务所", "specialties": ["administrative"], "languages": ["zh"]}),
    row("GET", f"{L}/lawyers",
        "ok     ok     ok     ok     ok     403"),
    row("GET", f"{L}/lawyers/{{lawyer_id}}",
        "ok     ok     ok/404 ok     ok     403"),
    row("PATCH", f"{L}/lawyers/{{lawyer_id}}",
        "ok     403    403    403    403    403",
        body={"firm": "明理律师事务所"}),
    row("POST", f"{L}/lawyers/{{lawyer_id}}/contracts",
        "ok     403    403    403    403    403", ok=201,
        body=_contract_body),
    row("GET", f"{L}/lawyers/{{lawyer_id}}/contracts",
        "ok     ok     ok/404 ok     ok     403"),
    row("POST", f"{L}/lawyers/{{lawyer_id}}/leaves",
        "ok     403    403    403    403    403", ok=201,
        body=_lawyer_leave_body),
    row("GET", f"{L}/lawyers/{{lawyer_id}}/leaves",
        "ok     ok     ok/404 ok     ok     403"),
    row("DELETE", f"{L}/lawyers/{{lawyer_id}}/leaves/{{leave_id}}",
        "ok     403    403    403    403    403", ok=204),
    row("POST", f"{L}/lawyers/{{lawyer_id}}/conflicts",
        "ok     403    ok/404 403    403    403", ok=201,
        body={"party_name": "{uniq}", "matter": "常年法律顾问"}),
    row("GET", f"{L}/lawyers/{{lawyer_id}}/conflicts",
        "ok     404    ok/404 404    ok     403"),
    row("POST", f"{L}/conflicts/{{conflict_id}}/waivers",
        "ok     403    403    403    403    403", ok=201,
        body={"consent_ref": "ZQ-1", "signed_on": _in(0), "signed_by": "当事人"}),
    row("GET", f"{L}/conflicts/{{conflict_id}}",
        "ok     404    ok/404 404    ok     403"),
    row("GET", f"{L}/conflict-check",
        "ok     403    403    403    ok     403",
        params={"party": "某公司"}),
    row("POST", f"{L}/opinion-requests",
        "ok     403    403    ok     403    403", ok=201,
        body={"case_no": "{uniq}", "question": "是否应当支付拖欠工资？", "category": "labour",
              "parties": [{"name": "张三", "role": "petitioner"}]}),
    row("GET", f"{L}/opinion-requests",
        "ok     403    ok     ok     ok     403"),
    row("GET", f"{L}/opinion-requests/{{request_id}}",
        "ok     404    ok/404 ok     ok     403"),
    row("GET", f"{L}/opinion-requests/{{request_id}}/assignment-log",
        "ok     404    ok/404 403    ok     403"),
    row("POST", f"{L}/opinion-requests/{{request_id}}/assign",
        "ok     403    403    403    403    403",
        body={"lawyer_id": "{lawyer_id}"}),
    row("POST", f"{L}/opinion-requests/{{request_id}}/decline",
        "403    404    ok/404 403    403    403",
        body={"reason": "另有安排"}),
    row("POST", f"{L}/opinion-requests/{{request_id}}/opinion",
        "403    403    ok/404 403    403    403", ok=201,
        body=OPINION),
    row("GET", f"{L}/opinion-requests/{{request_id}}/opinions",
        "ok     404    ok/404 ok     ok     403",
        objects={"request_id": "answered"}),
    row("GET", f"{L}/opinions",
        "ok     403    ok     ok     ok     403"),
    row("GET", f"{L}/opinions/{{opinion_id}}",
        "ok     404    ok/404 ok     ok     403"),
    row("POST", f"{L}/duty-shifts/generate",
        "ok     403    403    403    403    403", ok=201,
        body=_generate_body),
    row("GET", f"{L}/duty-shifts",
        "ok     ok     ok     ok     ok     403",
        params={"from": _in(0), "to": _in(30)}),
    row("GET", f"{L}/duty-shifts/{{shift_id}}",
        "ok     404    ok/404 404    ok     403"),
    row("POST", f"{L}/duty-shifts/{{shift_id}}/swap",
        "ok     403    403    403    403    403",
        body=lambda w, s: {"with_shift_id": w.value("shift", OTHER if s == OWN else OWN), "reason": "家中有事"}),
    row("GET", f"{L}/reception-days",
        "ok     ok     ok     ok     ok     403",
        params={"from": _in(0), "to": _in(30)}),
    row("POST", f"{L}/reception-days",
        "ok     403    403    403    403    403", ok=201,
        body=lambda w, s: {"date": _in(200 + w.counter()), "leader": "王区长", "note": "专题接访"}),
    row("POST", f"{L}/reception-assists",
        "ok     403    403    403    403    403", ok=201,
        body=_assist_body),
    row("GET", f"{L}/reception-assists",
        "ok     ok     ok     ok     ok     403",
        params={"from": _in(0), "to": _in(60)}),
    row("GET", f"{L}/reception-assists/{{assist_id}}",
        "ok     404    ok/404 404    ok     403"),
    row("POST", f"{L}/reviews",
        "ok     403    403    ok     403    403", ok=201,
        body={"case_no": "{uniq}", "kind": "review", "received_on": _in(0)}),
    row("GET", f"{L}/reviews",
        "ok     403    ok     ok     ok     403",
        users={"lawyer": "lawyer3"}),
    row("GET", f"{L}/reviews/{{review_id}}",
        "ok     404    ok/404 ok     ok     403",
        users={"lawyer": "lawyer3"}),
    row("POST", f"{L}/reviews/{{review_id}}/panel",
        "ok     403    403    403    403    403",
        body=lambda w, s: {"lawyer_ids": w.panels[s]}, users={"lawyer": "lawyer3"}),
    row("POST", f"{L}/reviews/{{review_id}}/hearings",
        "ok     403    403    403    403    403", ok=201,
        body={"start": f"{_in(3)}T09:00:00+08:00", "end": f"{_in(3)}T11:00:00+08:00", "location": "听证室"},
        users={"lawyer": "lawyer3"}),
    row("POST", f"{L}/reviews/{{review_id}}/opinion",
        "403    403    ok/404 403    403    403", ok=201,
        body=OPINION, users={"lawyer": "lawyer3"}),
    row("GET", f"{L}/reviews/{{review_id}}/opinions",
        "ok     404    ok/404 ok     ok     403",
        users={"lawyer": "lawyer3"}),
    row("POST", f"{L}/time-entries",
        "ok     403    ok/403 403    403    403", ok=201,
        body={"lawyer_id": "{lawyer_id}", "date": _in(-1), "hours": 1.5, "activity": "阅卷"}),
    row("GET", f"{L}/lawyers/{{lawyer_id}}/hours",
        "ok     404    ok/404 404    ok     403"),
    row("GET", f"{L}/lawyers/{{lawyer_id}}/time-entries",
        "ok     404    ok/404 404    ok     403",
        params={"month": _month()}),
    row("POST", f"{L}/fees",
        "ok     403    403    403    403    403", ok=201,
        body={"lawyer_id": "{lawyer_id}", "date": _in(-1), "kind": "other", "amount": 500,
              "note": "交通补贴"}),
    row("GET", f"{L}/lawyers/{{lawyer_id}}/fees",
        "ok     404    ok/404 404    ok     403",
        params={"month": _month()}),
    row("GET", f"{L}/lawyers/{{lawyer_id}}/calendar.ics",
        "ok     404    ok/404 404    ok     403"),
    row("GET", f"{L}/reports/monthly",
        "ok     403    403    403    ok     403",
        params={"month": _month()}),
    row("GET", f"{L}/reports/monthly.csv",
        "ok     403    403    403    ok     403",
        params={"month": _month()}),
    row("GET", f"{L}/opinion-requests/{{request_id}}/opinion.pdf",
        "ok     404    ok/404 ok     ok     403",
        objects={"request_id": "answered"}),
]
# fmt: on


@dataclass(frozen=True)
class Listed:
    """A list answers only what the caller may see: which of the world's two objects (`kind`) each role
    finds in it when it filters on that object's case (`both`, `own` or `none`). Roles left out are refused
    the list altogether (see ROWS)."""

    path: str
    kind: str
    params: dict
    seen: dict[str, str]
    key: str = "id"  # the item field holding the object
    users: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"GET {self.path} ({self.kind})"


EVERYONE = {"coordinator": "both", "petition_system": "both", "auditor": "both"}
LISTS: list[Listed] = [
    Listed(f"{M}/sessions", "session", {"case_no": "{case_no}"}, {**EVERYONE, "mediator": "own"}),
    Listed(f"{M}/cases", "case", {"q": "{case_no}"}, {**EVERYONE, "mediator": "own"}, key="case_no"),
    Listed(f"{M}/agreements", "concluded", {"case_no": "{concluded_case}"}, {**EVERYONE, "mediator": "own"},
           key="session_id"),
    Listed(f"{L}/opinion-requests", "request", {"case_no": "{case_no}"}, {**EVERYONE, "lawyer": "own"}),
    Listed(f"{L}/opinions", "opinion", {"case_no": "{case_no}"}, {**EVERYONE, "lawyer": "own"}),
    Listed(f"{L}/reviews", "review", {"case_no": "{review_case}"}, {**EVERYONE, "lawyer": "own"},
           users={"lawyer": "lawyer3"}),
    Listed(f"{L}/lawyers", "lawyer", {"specialty": "{specialty}"},
           {**EVERYONE, "mediator": "both", "lawyer": "own"}),
    Listed("/api/v1/webhooks", "webhook", {"limit": 200}, {"coordinator": "both", "auditor": "both",
                                                          "petition_system": "own"}),
]
