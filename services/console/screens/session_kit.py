"""What 排期, 预约 and 调解 share: rooms and mediators by id, the booking form, and the Chinese reading of
the API's booking errors (409 `slot_conflict` / `mediator_recused`, 422 `outside_working_hours`, field errors).

Not a screen (no `router`). Everything comes from the public API with the person's token.
"""
from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from typing import Any

from services.console.formatting import from_local_input, parse_instant
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.sessions import ConsoleSession
from services.console.web import PersonApi

CASE_NO = re.compile(r"^[A-Za-z0-9-]{1,64}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{3,32}$")
PARTY_ROLES = ("petitioner", "respondent", "third_party")
DEFAULT_MINUTES = 60  # a free cell of 排期 proposes an hour
RESOURCE_WORD = {"room": "调解室", "mediator": "调解员", "party": "当事人"}


# -- lookups ---------------------------------------------------------------------------------------
async def rooms_and_mediators(api: PersonApi) -> tuple[list[dict], list[dict]]:
    rooms, mediators = await asyncio.gather(api.get_all("/mediation/rooms"), api.get_all("/mediation/mediators"))
    return rooms, mediators


def by_id(items: list[dict]) -> dict[str, dict]:
    return {x["id"]: x for x in items}


def own_mediator(mediators: list[dict], person: ConsoleSession) -> dict | None:
    """The mediator record linked to the person's login (`user`), for a mediator."""
    if not person.has("mediator"):
        return None
    return next((m for m in mediators if m.get("user") == person.username), None)


async def session_or_none(api: PersonApi, session_id: str) -> dict | None:
    """A session the person may see, or None (another mediator's session answers 404)."""
    try:
        return await api.get(f"/mediation/sessions/{session_id}")
    except ApiError:
        return None


async def office_hours(api: PersonApi, first: date, last: date) -> dict | None:
    try:
        return await api.get("/mediation/office-hours", **{"from": first.isoformat(), "to": last.isoformat()})
    except (ApiError, ApiUnavailable):
        return None


def windows_text(day: dict | None) -> str:
    """`09:00–12:00、14:00–17:30` for one day of `GET /office-hours`."""
    if not day or not day.get("windows"):
        return ""
    return "、".join(f"{parse_instant(w['start']):%H:%M}–{parse_instant(w['end']):%H:%M}" for w in day["windows"])


# -- reading forms ---------------------------------------------------------------------------------
def text(form, name: str) -> str:
    v = form.get(name)
    return v.strip() if isinstance(v, str) else ""


def read_instant(values: dict, errors: dict, name: str, what: str) -> datetime | None:
    raw = values.get(name, "")
    if not raw:
        errors[name] = f"请填写{what}"
        return None
    try:
        return from_local_input(raw)
    except ValueError:
        errors[name] = f"{what}格式不正确，应为 年-月-日 时:分"
        return None


def read_range(values: dict, errors: dict, start_name: str = "start", end_name: str = "end"
               ) -> tuple[datetime | None, datetime | None]:
    start = read_instant(values, errors, start_name, "开始时间")
    end = read_instant(values, errors, end_name, "结束时间")
    if start and end and end <= start:
        errors[end_name] = "结束时间必须晚于开始时间"
    return start, end


BOOKING_FIELDS = ("case_no", "room_id", "mediator_id", "start", "end", "party_name", "party_role", "party_phone",
                  "second_party_name", "second_party_role", "second_party_phone")


def read_booking(form) -> tuple[dict, dict, dict | None]:
    """(typed values, errors by field, API body or None when there are errors)."""
    values = {k: text(form, k) for k in BOOKING_FIELDS}
    errors: dict[str, str] = {}
    if not values["case_no"]:
        errors["case_no"] = "请填写案件编号"
    elif not CASE_NO.match(values["case_no"]):
        errors["case_no"] = "案件编号只能包含字母、数字和连字符（-），最多 64 个字符"
    if not values["room_id"]:
        errors["room_id"] = "请选择调解室"
    if not values["mediator_id"]:
        errors["mediator_id"] = "请选择调解员"
    start, end = read_range(values, errors)
    parties = []
    for prefix, required in (("", True), ("second_", False)):
        name, role, phone = (values[f"{prefix}party_name"], values[f"{prefix}party_role"],
                             values[f"{prefix}party_phone"])
        if not required and not name and not phone:
            continue
        if not name:
            errors[f"{prefix}party_name"] = "请填写当事人姓名"
        elif len(name) > 200:
            errors[f"{prefix}party_name"] = "姓名最多 200 个字符"
        if role not in PARTY_ROLES:
            errors[f"{prefix}party_role"] = "请选择当事人身份"
        if phone and not PHONE.match(phone):
            errors[f"{prefix}party_phone"] = "联系电话格式不正确：只能包含数字、空格、括号、+ 和 -"
        party: dict[str, Any] = {"name": name, "role": role}
        if phone:
            party["phone"] = phone
        parties.append(party)
    if errors:
        return values, errors, None
    assert start is not None and end is not None  # read_range reports a missing one in errors
    body = {"case_no": values["case_no"], "room_id": values["room_id"], "mediator_ids": [values["mediator_id"]],
            "start": start.isoformat(), "end": end.isoformat(), "parties": parties}
    return values, errors, body


# -- the API's answers in Chinese -----------------------------------------------------------------------
def map_field_errors(err: ApiError, mapping: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """A 422's `errors` as {form field: message}; what maps to no field comes back as general messages."""
    fields: dict[str, str] = {}
    general: list[str] = []
    for e in err.problem.get("errors") or []:
        path = str(e.get("field") or "")
        message = str(e.get("message") or "格式不正确")
        target = mapping.get(path)
        if target is None:
            for prefix, name in mapping.items():
                if prefix.endswith("*") and path.startswith(prefix[:-1]):
                    target = name
                    break
        if target and target not in fields:
            fields[target] = message
        else:
            general.append(message)
    return fields, general


BOOKING_MAP = {"case_no": "case_no", "room_id": "room_id", "mediator_ids*": "mediator_id", "start": "start",
               "end": "end", "parties.0.name": "party_name", "parties.0.role": "party_role",
               "parties.0.phone": "party_phone", "parties.1.name": "second_party_name",
               "parties.1.role": "second_party_role", "parties.1.phone": "second_party_phone",
               "parties": "second_party_name"}


async def explain(api: PersonApi, err: ApiError, rooms: dict[str, dict], mediators: dict[str, dict],
                  day: date | None, field_map: dict[str, str]) -> dict:
    """What to show for a refused booking or reschedule.

    `{"fields": {...}, "general": [...], "conflicts": [...], "recusals": [...], "hours": bool, "detail": str}`:
    each conflict is one session holding resources: their names (调解室 / 调解员 / 当事人) and the session's
    case number and time (`visible` when the person may open it).
    """
    out: dict[str, Any] = {"fields": {}, "general": [], "conflicts": [], "recusals": [], "hours": None,
                           "detail": err.detail, "code": err.code}
    if err.status == 409 and err.code == "slot_conflict":
        out["conflicts"] = await _conflicts(api, err.problem.get("conflicts") or [], rooms, mediators, day)
    elif err.status == 409 and err.code == "mediator_recused":
        out["recusals"] = [{"mediator": mediators.get(r.get("mediator_id"), {}).get("name") or "所选调解员",
                            "party": r.get("party_name") or "", "relation": r.get("relation") or ""}
                           for r in err.problem.get("recusals") or []]
    elif err.status == 422 and err.code == "outside_working_hours":
        known = await office_hours(api, day, day) if day else None
        if known and known.get("days"):  # "" on a rest day; None when unknown
            out["hours"] = windows_text(known["days"][0])
    elif err.status == 422 and err.code in ("insufficient_notice", "beyond_horizon"):
        fields, _ = map_field_errors(err, field_map)
        message = fields.get("start", "")
        if not message or message.startswith("取值无效"):  # no Chinese text for this field: the problem's detail
            message = re.sub(r"^[a-z_.]+[：:]\s*", "", err.detail)
        out["fields"] = {"start": message}
    elif err.status == 422:
        out["fields"], out["general"] = map_field_errors(err, field_map)
        if not out["fields"] and not out["general"]:
            out["general"] = [err.detail]
    else:
        out["general"] = [err.detail]
    return out


async def _conflicts(api: PersonApi, items: list[dict], rooms: dict[str, dict], mediators: dict[str, dict],
                     day: date | None) -> list[dict]:
    sids = list(dict.fromkeys(str(c["session_id"]) for c in items if c.get("session_id")))
    found = dict(zip(sids, await asyncio.gather(*(session_or_none(api, s) for s in sids)), strict=True))
    if day and any(v is None for v in found.values()):
        try:  # sessions the person may not open: their case number and time from the room occupancy
            taken = await api.get_all("/mediation/occupancy", **{"from": day.isoformat(), "to": day.isoformat()})
        except (ApiError, ApiUnavailable):
            taken = []
        for t in taken:
            if found.get(t["session_id"], 0) is None:
                found[t["session_id"]] = dict(t, hidden=True)
    by_session: dict[str, dict] = {}
    for c in items:
        kind = str(c.get("resource") or "")
        rid = str(c.get("id") or "")
        if kind == "room":
            name = rooms.get(rid, {}).get("name") or rid
        elif kind == "mediator":
            name = mediators.get(rid, {}).get("name") or rid
        else:
            name = rid
        sid = c.get("session_id") or ""
        s = found.get(sid) or {}
        entry = by_session.setdefault(sid, {
            "resources": [], "session_id": sid, "case_no": s.get("case_no"), "start": s.get("start"),
            "end": s.get("end"), "visible": bool(s) and not s.get("hidden")})
        entry["resources"].append(f"{RESOURCE_WORD.get(kind, '资源')}「{name}」")
    return list(by_session.values())
