"""What the lawyers' screens share (法律意见, 值班表, 接访, 复查复核, 工时): names, months, the opinion form.

Not a screen (no `router`). Lawyer names come from `GET /lawyers/lawyers`, which answers every lawyer to
coordinators, mediators and auditors and only their own record to a lawyer: other lawyers then show
as what the API carries (a generic word), never a guess.
"""
from __future__ import annotations

import calendar as _calendar
from datetime import date
from typing import Any

from services.console import labels
from services.console.formatting import today_local
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.sessions import ConsoleSession
from services.console.web import PersonApi


async def roster(api: PersonApi) -> list[dict]:
    """The lawyers the person may see (everyone for overseers, their own record for a lawyer); [] when refused."""
    try:
        return await api.get_all("/lawyers/lawyers")
    except (ApiError, ApiUnavailable):
        return []


def names_of(lawyers: list[dict]) -> dict[str, str]:
    return {lw["id"]: lw["name"] for lw in lawyers}


def mine(lawyers: list[dict], person: ConsoleSession) -> dict | None:
    """The person's own roster record (the lawyer whose `user` is their login), if any."""
    if not person.has("lawyer"):
        return None
    return next((lw for lw in lawyers if lw.get("user") == person.username), None)


# -- months --------------------------------------------------------------------------------------
def parse_month(value: str | None) -> date | None:
    """`YYYY-MM` → the month's first day, or None when absent or malformed."""
    value = (value or "").strip()
    try:
        y, m = value.split("-")
        if len(y) != 4 or len(m) != 2:
            return None
        first = date(int(y), int(m), 1)
    except ValueError:
        return None
    return first if 2000 <= first.year <= 2100 else None


def month_or_today(value: str | None) -> date:
    return parse_month(value) or today_local().replace(day=1)


def last_day(first: date) -> date:
    return first.replace(day=_calendar.monthrange(first.year, first.month)[1])


def shift_month(first: date, delta: int) -> date:
    n = first.year * 12 + first.month - 1 + delta
    return date(n // 12, n % 12 + 1, 1)


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def month_title(first: date) -> str:
    return f"{first.year}年{first.month}月"


# -- the opinion form (法律意见 and 复查复核 share it) ---------------------------------------------------
OPINION_FIELDS = ("summary", "analysis", "legality", "recommended_channel", "legal_basis")
_API_FIELD = {"summary": "summary", "analysis": "analysis", "legality": "legality",
              "recommended_channel": "recommended_channel", "legal_basis": "legal_basis"}
MAX_BASIS = 100


def read_opinion_form(form) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """The typed values (to re-show), the API body and the errors the browser cannot catch."""
    values = {k: str(form.get(k) or "") for k in OPINION_FIELDS}
    basis = [line.strip() for line in values["legal_basis"].splitlines() if line.strip()]
    errors: dict[str, str] = {}
    if not values["summary"].strip():
        errors["summary"] = "请填写摘要。"
    if not values["analysis"].strip():
        errors["analysis"] = "请填写分析。"
    if values["legality"] not in labels.LEGALITY:
        errors["legality"] = "请选择合法性。"
    if values["recommended_channel"] not in labels.CHANNEL:
        errors["recommended_channel"] = "请选择建议途径。"
    if len(basis) > MAX_BASIS:
        errors["legal_basis"] = f"法律依据最多 {MAX_BASIS} 条（每行一条）。"
    body = {"summary": values["summary"].strip(), "analysis": values["analysis"].strip(),
            "legality": values["legality"], "recommended_channel": values["recommended_channel"],
            "legal_basis": basis}
    return values, body, errors


def opinion_api_errors(err: ApiError) -> tuple[dict[str, str], str]:
    """A 422 from an opinion call: errors beside the form's fields, and the rest as one alert text."""
    fields: dict[str, str] = {}
    rest: list[str] = []
    for name, message in err.field_errors().items():
        if name in _API_FIELD:
            fields[_API_FIELD[name]] = message
        else:
            rest.append(message)
    alert = "意见未提交，请修改标出的内容。" if fields else err.detail
    if rest and fields:
        alert += " " + err.detail
    return fields, alert
