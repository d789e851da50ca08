"""设置 (coordinator only): rooms and closures, mediators and recusal relations, lawyers, calendar
overrides, webhooks with their deliveries, and dead letters.

Every form posts here and goes to the public API with the coordinator's token. A 422 re-renders
the page with the API's reasons beside each field and the typed values kept; a 409 shows an
alert naming what is taken; success redirects with a status notice. A webhook's secret is shown
once, on the page answering its creation (never in a URL).
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from services.console import labels
from services.console.formatting import from_local_input, instant, now_local, today_local
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, form_allow, redirect, render

router = APIRouter()
Coordinator = Annotated[ConsoleSession, Depends(allow("coordinator"))]
CoordinatorForm = Annotated[ConsoleSession, Depends(form_allow("coordinator"))]

SECTIONS = (("rooms", "调解室"), ("mediators", "调解员"), ("lawyers", "律师"), ("calendar", "日历调整"),
            ("webhooks", "回调（Webhooks）"), ("dead-letters", "死信"))
SECTION_NAME = dict(SECTIONS)
SPLIT = re.compile(r"[,，、;；\n]+")
LANGUAGE_CHOICES = list(labels.LANGUAGE.items())
EVENT_TYPES = ["handoff.requested", "handoff.accepted", "handoff.rejected", "handoff.completed", "handoff.expired",
               "mediation.session.scheduled", "mediation.session.rescheduled", "mediation.session.cancelled",
               "mediation.session.concluded", "lawyers.opinion.assigned", "lawyers.opinion.filed",
               "lawyers.review.due_soon", "lawyers.review.overdue"]


@dataclass
class Form:
    """One form's state on a page: what was typed, the reasons beside fields, an alert for the whole form."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    alert: str = ""


def _text(form: FormData, name: str) -> str:
    v = form.get(name)
    return v.strip() if isinstance(v, str) else ""


def _list(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def _split(text: str) -> list[str]:
    return [x.strip() for x in SPLIT.split(text) if x.strip()]


def _int(values: dict, errors: dict, name: str, what: str) -> int | None:
    raw = values.get(name, "")
    if raw == "":
        errors[name] = f"请填写{what}。"
        return None
    try:
        return int(raw)
    except ValueError:
        errors[name] = f"{what}须为整数。"
        return None


def _instant(values: dict, errors: dict, name: str, what: str) -> str | None:
    raw = values.get(name, "")
    if not raw:
        errors[name] = f"请填写{what}。"
        return None
    try:
        return from_local_input(raw).isoformat()
    except ValueError:
        errors[name] = f"{what}格式不正确。"
        return None


def _day(values: dict, errors: dict, name: str, what: str, required: bool = True) -> str | None:
    raw = values.get(name, "")
    if not raw:
        if required:
            errors[name] = f"请填写{what}。"
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        errors[name] = f"{what}格式应为 YYYY-MM-DD。"
        return None


def _api_reasons(err: ApiError, fields: set[str], rename: dict[str, str] | None = None) -> Form:
    """A refused call as a form state: per-field reasons where a field shows them, the rest in the alert."""
    rename = rename or {}
    errors: dict[str, str] = {}
    rest: list[str] = []
    for name, message in err.field_errors().items():
        target = rename.get(name, name)
        if target in fields and target not in errors:
            errors[target] = message
        else:
            rest.append(message)
    alert = ""
    if err.status == 409 or rest or not errors:
        alert = err.detail if not rest else err.detail + "（" + "；".join(rest) + "）"
    return Form(errors=errors, alert=alert)


async def _soft(coro, default):
    try:
        return await coro
    except (ApiError, ApiUnavailable):
        return default


async def _page(request: Request, api: Api, section: str, status_code: int = 200, **forms: Form):
    """A settings page: its lists from the API, each form empty or as given."""
    data = await LOADERS[section](api, request)
    context: dict[str, Any] = {f"f_{name}": Form() for name in FORMS[section]}
    context.update({f"f_{name}": f for name, f in forms.items()})
    return render(request, f"settings/{section.replace('-', '_')}.html", status_code=status_code, section=section,
                  sections=SECTIONS, section_name=SECTION_NAME[section], **data, **context)


async def _submit(request: Request, api: Api, section: str, form_name: str, values: dict, errors: dict,
                  call: Callable[[], Awaitable[Any]], fields: set[str], success: str, msg: str,
                  rename: dict[str, str] | None = None):
    """Call the API unless the form already has reasons; re-render with reasons, or redirect with `msg`."""
    if errors:
        return await _page(request, api, section, 422, **{form_name: Form(values, errors)})
    try:
        await call()
    except ApiError as err:
        if err.status not in (400, 404, 409, 422):
            raise
        f = _api_reasons(err, fields, rename)
        f.values = values
        return await _page(request, api, section, err.status, **{form_name: f})
    return redirect(request, success, msg=msg)


# -- overview -------------------------------------------------------------------------------------------
@router.get("/settings")
async def overview(request: Request, person: Coordinator):
    return render(request, "settings/index.html", sections=SECTIONS, section="", section_name="")


# -- 调解室 ------------------------------------------------------------------------------------------------
async def _rooms(api: Api, request: Request) -> dict:
    rooms = await api.get_all("/mediation/rooms")
    closures = await asyncio.gather(*(_soft(api.get(f"/mediation/rooms/{r['id']}/closures"), {"items": []})
                                      for r in rooms))
    now = now_local()
    upcoming = [c for group in closures for c in group.get("items", []) if instant(c["end"]) >= now]
    return {"rooms": rooms, "closures": sorted(upcoming, key=lambda c: c["start"]),
            "room_names": {r["id"]: r["name"] for r in rooms}, "room_options": [(r["id"], r["name"]) for r in rooms]}


@router.get("/settings/rooms")
async def rooms_page(request: Request, person: Coordinator, api: Api):
    return await _page(request, api, "rooms")


@router.post("/settings/rooms")
async def add_room(request: Request, person: CoordinatorForm, api: Api):
    form = await request.form()
    values = {k: _text(form, k) for k in ("name", "location", "capacity", "features")}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "请填写名称。"
    capacity = _int(values, errors, "capacity", "容纳人数")
    body = {"name": values["name"], "location": values["location"], "capacity": capacity,
            "features": _split(values["features"])}
    return await _submit(request, api, "rooms", "room", values, errors,
                         lambda: api.post("/mediation/rooms", body), {"name", "location", "capacity", "features"},
                         "/settings/rooms", f"已添加调解室：{values['name']}")


@router.post("/settings/rooms/closures")
async def add_closure(request: Request, person: CoordinatorForm, api: Api):
    form = await request.form()
    values = {k: _text(form, k) for k in ("room_id", "start", "end", "reason")}
    errors: dict[str, str] = {}
    if not values["room_id"]:
        errors["room_id"] = "请选择调解室。"
    start = _instant(values, errors, "start", "开始时间")
    end = _instant(values, errors, "end", "结束时间")
    if start and end and end <= start and "end" not in errors:
        errors["end"] = "结束时间须晚于开始时间。"
    body = {"start": start, "end": end, "reason": values["reason"]}
    return await _submit(request, api, "rooms", "closure", values, errors,
                         lambda: api.post(f"/mediation/rooms/{values['room_id']}/closures", body),
                         {"room_id", "start", "end", "reason"}, "/settings/rooms", "已添加停用时段")


# -- 调解员 ------------------------------------------------------------------------------------------------
async def _mediators(api: Api, request: Request) -> dict:
    mediators = await api.get_all("/mediation/mediators")
    relations = await asyncio.gather(*(_soft(api.get(f"/mediation/mediators/{m['id']}/relations"), {"items": []})
                                       for m in mediators))
    relations_of = {m["id"]: r.get("items", []) for m, r in zip(mediators, relations, strict=True)}
    return {"mediators": mediators, "relations": relations_of,
            "mediator_options": [(m["id"], m["name"]) for m in mediators],
            "languages": LANGUAGE_CHOICES, "mediator_kinds": list(labels.MEDIATOR_KIND.items())}


@router.get("/settings/mediators")
async def mediators_page(request: Request, person: Coordinator, api: Api):
    return await _page(request, api, "mediators")


@router.post("/settings/mediators")
async def add_mediator(request: Request, person: CoordinatorForm, api: Api):
    form = await request.form()
    values: dict[str, Any] = {k: _text(form, k) for k in ("name", "kind", "user")}
    values["languages"] = _list(form, "languages")
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "请填写姓名。"
    if values["kind"] not in labels.MEDIATOR_KIND:
        errors["kind"] = "请选择类型。"
    if not values["languages"]:
        errors["languages"] = "请至少选择一种语言。"
    body = {"name": values["name"], "kind": values["kind"], "languages": values["languages"],
            "user": values["user"] or None}
    return await _submit(request, api, "mediators", "mediator", values, errors,
                         lambda: api.post("/mediation/mediators", body), {"name", "kind", "languages", "user"},
                         "/settings/mediators", f"已添加调解员：{values['name']}")


@router.post("/settings/mediators/relations")
async def add_relation(request: Request, person: CoordinatorForm, api: Api):
    form = await request.form()
    values = {k: _text(form, k) for k in ("mediator_id", "party_name", "relation")}
    errors: dict[str, str] = {}
    if not values["mediator_id"]:
        errors["mediator_id"] = "请选择调解员。"
    if not values["party_name"]:
        errors["party_name"] = "请填写当事人姓名。"
    if not values["relation"]:
        errors["relation"] = "请填写关系。"
    body = {"party_name": values["party_name"], "relation": values["relation"]}
    return await _submit(request, api, "mediators", "relation", values, errors,
                         lambda: api.post(f"/mediation/mediators/{values['mediator_id']}/relations", body),
                         {"mediator_id", "party_name", "relation"}, "/settings/mediators",
                         f"已登记回避关系：{values['party_name']}")


# -- 律师 ---------------------------------------------------------------------------------------------------
LAWYER_FIELDS = ("name", "kind", "license_no", "firm", "user", "contract_start", "contract_end", "annual_hours",
                 "certificate_no", "legal_work_since")
LAWYER_RENAME = {"start": "contract_start", "end": "contract_end", "contract": "contract_start",
                 "qualification": "certificate_no"}


async def _lawyers(api: Api, request: Request) -> dict:
    return {"lawyers": await api.get_all("/lawyers/lawyers"), "lawyer_kinds": list(labels.LAWYER_KIND.items()),
            "specialties": list(labels.SPECIALTY.items()), "languages": LANGUAGE_CHOICES}


@router.get("/settings/lawyers")
async def lawyers_page(request: Request, person: Coordinator, api: Api):
    return await _page(request, api, "lawyers")


@router.post("/settings/lawyers")
async def add_lawyer(request: Request, person: CoordinatorForm, api: Api):
    form = await request.form()
    values: dict[str, Any] = {k: _text(form, k) for k in LAWYER_FIELDS}
    values["specialties"] = _list(form, "specialties")
    values["languages"] = _list(form, "languages")
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "请填写姓名。"
    if values["kind"] not in labels.LAWYER_KIND:
        errors["kind"] = "请选择类型。"
    if not values["license_no"]:
        errors["license_no"] = "请填写执业证号。"
    body: dict[str, Any] = {"name": values["name"], "kind": values["kind"], "license_no": values["license_no"],
                            "firm": values["firm"], "specialties": values["specialties"],
                            "languages": values["languages"] or ["zh"], "user": values["user"] or None}
    contract_given = any(values[k] for k in ("contract_start", "contract_end", "annual_hours"))
    if values["kind"] == "retained_counsel" or contract_given:
        need = values["kind"] == "retained_counsel"
        start = _day(values, errors, "contract_start", "合同开始日期", need or contract_given)
        end = _day(values, errors, "contract_end", "合同结束日期", need or contract_given)
        hours: float | None = None
        if not values["annual_hours"]:
            errors["annual_hours"] = "请填写年度工时。"
        else:
            try:
                hours = float(values["annual_hours"])
            except ValueError:
                errors["annual_hours"] = "年度工时须为数字。"
        body["contract"] = {"start": start, "end": end, "annual_hours": hours}
    qualification_given = any(values[k] for k in ("certificate_no", "legal_work_since"))
    if values["kind"] == "public_lawyer" or qualification_given:
        if not values["certificate_no"]:
            errors["certificate_no"] = "公职律师须填写法律职业资格证书编号。"
        since = _day(values, errors, "legal_work_since", "从事法律工作起始日期")
        body["qualification"] = {"certificate_no": values["certificate_no"], "legal_work_since": since}
    fields = set(LAWYER_FIELDS) | {"specialties", "languages"}
    return await _submit(request, api, "lawyers", "lawyer", values, errors, lambda: api.post("/lawyers/lawyers", body),
                         fields, "/settings/lawyers", f"已添加律师：{values['name']}", LAWYER_RENAME)


# -- 日历调整 -------------------------------------------------------------------------------------------------
async def _calendar(api: Api, request: Request) -> dict:
    year = today_local().year
    years = []
    for y in (year, year + 1):
        got = await _soft(api.get(f"/calendar/years/{y}"), None)
        if isinstance(got, dict) and isinstance(got.get("days"), list):
            years.append({"year": y, "covered": got.get("covered"), "days": sorted(got["days"],
                                                                                  key=lambda d: d.get("date", ""))})
    looked_up, lookup_error = None, ""
    day = (request.query_params.get("day") or "").strip()
    if day:
        try:
            date.fromisoformat(day)
            looked_up = await api.get(f"/calendar/days/{day}")
        except ValueError:
            lookup_error = "日期格式应为 YYYY-MM-DD。"
        except ApiError as err:
            lookup_error = err.detail
    return {"years": years, "day": day, "looked_up": looked_up, "lookup_error": lookup_error,
            "day_kinds": list(labels.DAY_KIND.items())}


@router.get("/settings/calendar")
async def calendar_page(request: Request, person: Coordinator, api: Api):
    return await _page(request, api, "calendar")


@router.post("/settings/calendar")
async def set_day(request: Request, person: CoordinatorForm, api: Api):
    form = await request.form()
    values = {k: _text(form, k) for k in ("date", "kind", "name")}
    errors: dict[str, str] = {}
    day = _day(values, errors, "date", "日期")
    if values["kind"] not in labels.DAY_KIND:
        errors["kind"] = "请选择休息日或工作日。"
    body = {"kind": values["kind"], "name": values["name"]}
    kind = labels.label(values["kind"], "day_kind")
    return await _submit(request, api, "calendar", "day", values, errors,
                         lambda: api.put(f"/calendar/days/{day}", body), {"date", "kind", "name"},
                         f"/settings/calendar?day={day}", f"已将 {day} 设为{kind}")


# -- 回调（webhooks） ------------------------------------------------------------------------------------------
async def _webhooks(api: Api, request: Request) -> dict:
    return {"webhooks": await api.get_all("/webhooks"),
            "event_types": [("*", "全部事件（*）")] + [(t,
                                                  f"{labels.label(t, 'event_type')}（{t}）") for t in EVENT_TYPES]}


@router.get("/settings/webhooks")
async def webhooks_page(request: Request, person: Coordinator, api: Api):
    return await _page(request, api, "webhooks")


@router.post("/settings/webhooks")
async def add_webhook(request: Request, person: CoordinatorForm, api: Api):
    form = await request.form()
    values: dict[str, Any] = {"url": _text(form, "url"), "event_types": _list(form, "event_types")}
    errors: dict[str, str] = {}
    if not values["url"]:
        errors["url"] = "请填写回调地址。"
    if not values["event_types"]:
        errors["event_types"] = "请至少选择一种事件类型。"
    if errors:
        return await _page(request, api, "webhooks", 422, webhook=Form(values, errors))
    try:
        created = await api.post("/webhooks", {"url": values["url"], "event_types": values["event_types"]})
    except ApiError as err:
        if err.status not in (400, 409, 422):
            raise
        f = _api_reasons(err, {"url", "event_types"})
        f.values = values
        return await _page(request, api, "webhooks", err.status, webhook=f)
    # The secret is shown once, here (never put in a URL); the page lists the new webhook too.
    data = await _webhooks(api, request)
    return render(request, "settings/webhooks.html", status_code=201, section="webhooks", sections=SECTIONS,
                  section_name=SECTION_NAME["webhooks"], created=created, f_webhook=Form(), **data)


@router.get("/settings/webhooks/{webhook_id}")
async def webhook_deliveries(request: Request, webhook_id: str, person: Coordinator, api: Api):
    webhook, deliveries = await asyncio.gather(api.get(f"/webhooks/{webhook_id}"),
                                               api.get(f"/webhooks/{webhook_id}/deliveries", limit=100))
    return render(request, "settings/deliveries.html", section="webhooks", sections=SECTIONS,
                  section_name=SECTION_NAME["webhooks"], webhook=webhook, deliveries=deliveries.get("items", []))


# -- 死信 ----------------------------------------------------------------------------------------------------
async def _dead_letters(api: Api, request: Request) -> dict:
    items = await api.get_all("/events/dead-letters", cap=500, include_replayed="true")
    return {"dead_letters": sorted(items, key=lambda d: d.get("dead_at", ""), reverse=True)}


@router.get("/settings/dead-letters")
async def dead_letters_page(request: Request, person: Coordinator, api: Api):
    return await _page(request, api, "dead-letters")


@router.post("/settings/dead-letters/{dead_letter_id}/replay")
async def replay(request: Request, dead_letter_id: str, person: CoordinatorForm, api: Api):
    try:
        await api.post(f"/events/dead-letters/{dead_letter_id}/replay")
    except ApiError as err:
        if err.status not in (404, 409, 422):
            raise
        return await _page(request, api, "dead-letters", err.status, replay=Form(alert=err.detail))
    return redirect(request, "/settings/dead-letters", msg="已重新投递该事件")


LOADERS: dict[str, Callable[[Api, Request], Awaitable[dict]]] = {
    "rooms": _rooms, "mediators": _mediators, "lawyers": _lawyers, "calendar": _calendar, "webhooks": _webhooks,
    "dead-letters": _dead_letters}
FORMS = {"rooms": ("room", "closure"), "mediators": ("mediator", "relation"), "lawyers": ("lawyer",),
         "calendar": ("day",), "webhooks": ("webhook",), "dead-letters": ("replay",)}
