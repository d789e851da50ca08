"""Working rules (工作时间与预约规则): office hours on working days, notice, horizon, session length.

All as settings (settings.py); the working days come from the shared calendar (调休 and overrides).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.mediation.intervals import Interval, intersect, normalize
from services.mediation.settings import MediationSettings
from shared.calendar import WorkingCalendar
from shared.errors import Unprocessable
from shared.timeutil import local_date, local_dt, to_local


def field_error(field: str, message: str, code: str = "validation_error", zh: str | None = None) -> Unprocessable:
    """A 422 about one field; `zh` is the Chinese message (shown next to the form field)."""
    item = {"field": field, "message": message, "type": "value_error"}
    if zh:
        item["message_zh"] = zh
    return Unprocessable(f"{field}: {message}", code=code, detail_zh=f"{field}：{zh}" if zh else None, errors=[item])


@dataclass
class WorkingRules:
    settings: MediationSettings
    calendar: WorkingCalendar

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.settings.buffer_minutes)

    # -- the range itself ------------------------------------------------------------------
    def check_range(self, start: datetime, end: datetime) -> None:
        """422 for a reversed, too short or too long range."""
        if end <= start:
            raise field_error("end", "end must be after start", zh="结束时间须晚于开始时间")
        minutes = (end - start).total_seconds() / 60
        lo, hi = self.settings.min_session_minutes, self.settings.max_session_minutes
        if not self.allows_length(minutes):
            raise field_error("end", f"a session lasts {lo}–{hi} minutes; this one lasts {minutes:g}",
                              zh=f"一次调解时长为 {lo}–{hi} 分钟，此次为 {minutes:g} 分钟")

    def allows_length(self, minutes: float) -> bool:
        """Whether a session may last `minutes` (settings: min_session_minutes–max_session_minutes)."""
        return self.settings.min_session_minutes <= minutes <= self.settings.max_session_minutes

    def check_window(self, start: datetime, now: datetime) -> None:
        """422 when the start is inside the minimum notice or beyond the booking horizon."""
        if start < self.earliest_start(now):
            raise field_error("start", f"sessions are booked at least {self.settings.min_notice_minutes} minutes "
                                       "ahead", code="insufficient_notice",
                              zh=f"须至少提前 {self.settings.min_notice_minutes} 分钟预约")
        if local_date(start) > self.last_bookable_day(now):
            raise field_error("start", f"sessions are booked at most {self.settings.horizon_days} days ahead",
                              code="beyond_horizon", zh=f"最多只能提前 {self.settings.horizon_days} 天预约")

    def earliest_start(self, now: datetime) -> datetime:
        """The first instant a session may start: now plus the minimum notice."""
        return now + timedelta(minutes=self.settings.min_notice_minutes)

    def last_bookable_day(self, now: datetime) -> date:
        return local_date(now) + timedelta(days=self.settings.horizon_days)

    # -- working hours ---------------------------------------------------------------------
    def office_intervals(self, day: date) -> list[Interval]:
        """Office hours of `day` as UTC-aware instants; empty on rest days and holidays."""
        if not self.calendar.is_working_day(day):
            return []
        return [(local_dt(day, s), local_dt(day, e)) for s, e in self.settings.office_windows]

    def mediator_intervals(self, working_hours: list[dict] | None, day: date) -> list[Interval]:
        """A mediator's hours on `day`: the office hours, narrowed by their own weekly hours.

        On an adjustment working day (调休, a weekend made a working day) with no own entry for that
        weekday, the office hours apply.
        """
        office = self.office_intervals(day)
        if not office or not working_hours:
            return office
        own = [(local_dt(day, _t(w["start"])), local_dt(day, _t(w["end"])))
               for w in working_hours if int(w["weekday"]) == day.isoweekday()]
        if not own:
            return office if day.isoweekday() >= 6 else []
        return intersect(office, normalize(own))


def _t(v) -> time:
    return v if isinstance(v, time) else time.fromisoformat(str(v))


def describe(dt: datetime) -> str:
    return to_local(dt).strftime("%Y-%m-%d %H:%M")
