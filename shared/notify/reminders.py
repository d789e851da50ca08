"""Reminders that reach a person: queue them once (the due scan), send each once (the sender).

The due scan of a service (its `reminder/` package) finds what is due and calls `queue()`, which
writes `reminder` rows with INSERT ... ON CONFLICT DO NOTHING on the row's unique key, in the scan's
one transaction: running the scan again, after a restart or on another replica at the same time,
queues nothing twice. The `reminder` table is the notification outbox.

`send_due()` is the sender: one transaction per reminder. It claims one pending row (`FOR UPDATE
SKIP LOCKED` on PostgreSQL; on SQLite the transaction holds the database's write lock from its
first statement, `BEGIN IMMEDIATE`), checks with the service's resolver that the reminder is still
true and who gets it (the address is read from the owning row now, not copied into the queue),
sends it, marks it sent and commits. Another sender never sees a row that is being sent (it is
locked) nor one that was sent (marked in the same transaction), so two schedulers never send the
same reminder twice, and a restart does not resend what was sent.

The one window: a process that dies after the SMTP server or the SMS provider accepted a message
and before its transaction commits leaves that row pending, and it is sent again later; at most
that one reminder per dying sender. E-mails carry a Message-ID derived from the row
(`<reminder.<service>.<id>@...>`), the same on the resend, so mail systems can drop the duplicate.

A failed send (server down, refused) leaves the row pending with `attempts` + 1, `last_error` and
`next_attempt_at` moved out by an exponential backoff; after `reminder_max_attempts` it is
`failed`. A reminder not delivered before the moment it reminds of is `expired`, not sent late.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from shared.db import table_of, utcnow
from shared.jobs import Job, claim
from shared.notify.mail import make_mailer, mask_email
from shared.notify.models import Reminder, ReminderStatus
from shared.notify.sms import load_sms_provider, mask_phone
from shared.timeutil import SHANGHAI, local_date

log = logging.getLogger("suite.notify")

KEY = ("kind", "object_id", "recipient", "lead", "target")
CHUNK = 200


@dataclass(frozen=True)
class Due:
    """A reminder that a rule found due: one recipient, one channel, its text."""

    kind: str
    object_id: str
    recipient: str
    lead: str
    target: str
    channel: str          # "email" | "sms"
    body: str
    due_at: datetime
    expires_at: datetime
    case_no: str = ""
    subject: str = ""


@dataclass(frozen=True)
class Skip:
    """The resolver's answer when a queued reminder is no longer to be sent, and why."""

    reason: str


# A resolver checks a pending reminder against the service's current data just before it is sent:
# the address to send it to, or `Skip(reason)` (cancelled, moved, done, recipient gone, no address).
Resolver = Callable[[Session, Reminder], "str | Skip"]


# -- lead times -----------------------------------------------------------------------------------
def parse_leads(spec: str) -> list[int]:
    """`"7,1"` -> [7, 1]: distinct non-negative numbers, largest first."""
    out = sorted({int(x) for x in spec.split(",") if x.strip()}, reverse=True)
    if any(n < 0 for n in out):
        raise ValueError(f"lead times must not be negative: {spec!r}")
    return out


def nearest_lead(dues: Iterable[tuple[str, datetime]], now: datetime,
                 expires_at: datetime) -> tuple[str, datetime] | None:
    """Of the (lead, due_at) pairs, the one due most recently, if any is due and the moment not passed.

    Only the nearest lead is queued: a booking made 3 hours ahead gets one reminder, not the 24 h and
    the 2 h ones at once; an earlier lead that was never queued is superseded, never sent late.
    """
    if now >= expires_at:
        return None
    due = [(lead, at) for lead, at in dues if at <= now]
    return max(due, key=lambda x: x[1]) if due else None


def day_due(day: date, lead_days: int, day_time: str) -> datetime:
    """When a reminder `lead_days` before `day` falls due: that day at `day_time`, Asia/Shanghai."""
    return datetime.combine(day - timedelta(days=lead_days), time.fromisoformat(day_time), tzinfo=SHANGHAI)


def end_of_day(day: date) -> datetime:
    """The end of `day` in Asia/Shanghai (a deadline on that day is met until then)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class DayWindow:
    """The due window of one day-based rule at `now` (e.g. 司法确认 deadlines, opinions due): its lead
    times in days, largest first, today (Asia/Shanghai) and the time of day reminders fall due."""

    leads: tuple[int, ...]
    now: datetime
    day_time: str

    @property
    def today(self) -> date:
        return local_date(self.now)

    @property
    def last(self) -> date:
        """The last deadline day worth looking at now: today + the longest lead."""
        return self.today + timedelta(days=self.leads[0])

    def days_left(self, day: date) -> int:
        return (day - self.today).days

    def lead(self, day: date) -> tuple[str, datetime] | None:
        """For a deadline on `day`: the lead due now (`"7d"`) and when it fell due, or None (none due yet,
        or the day is over)."""
        return nearest_lead([(f"{d}d", day_due(day, d, self.day_time)) for d in self.leads], self.now,
                            end_of_day(day))


def day_window(spec: str, now: datetime, day_time: str) -> DayWindow | None:
    """The window of a rule whose lead times in days are `spec` (`"7,1"`); None when it has none (off)."""
    leads = parse_leads(spec)
    return DayWindow(tuple(leads), now, day_time) if leads else None


WEEKDAY_ZH = "一二三四五六日"


def day_zh(d: date) -> str:
    """`2027年1月4日（星期一）`, as the reminders write a day."""
    return f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAY_ZH[d.weekday()]}）"


# -- queueing (the due scan) ----------------------------------------------------------------------
def queue(session: Session, items: list[Due], now: datetime | None = None) -> int:
    """Queue the reminders not yet queued; returns how many rows were written.

    Keys already present are filtered first (the scan runs every minute over the same objects); the
    insert itself is ON CONFLICT DO NOTHING, so a concurrent scan that queued the same key first wins
    and this one adds nothing.
    """
    if not items:
        return 0
    now = now or utcnow()
    items = list({tuple(getattr(i, k) for k in KEY): i for i in items}.values())
    objects = sorted({i.object_id for i in items})
    have: set[tuple] = set()
    for k in range(0, len(objects), 500):
        have.update(tuple(r) for r in session.execute(
            select(*(getattr(Reminder, c) for c in KEY)).where(col(Reminder.object_id).in_(objects[k:k + 500]))))
    rows = [{"kind": i.kind, "object_id": i.object_id, "recipient": i.recipient, "lead": i.lead,
             "target": i.target, "channel": i.channel, "case_no": i.case_no, "subject": i.subject[:300],
             "body": i.body, "status": ReminderStatus.pending, "due_at": i.due_at, "expires_at": i.expires_at,
             "next_attempt_at": i.due_at, "attempts": 0, "created_at": now}
            for i in items if tuple(getattr(i, k) for k in KEY) not in have]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    written = 0
    for k in range(0, len(rows), CHUNK):
        stmt = (insert(table_of(Reminder)).values(rows[k:k + CHUNK])
                .on_conflict_do_nothing(index_elements=list(KEY)).returning(table_of(Reminder).c.id))
        written += len(session.execute(stmt).all())
    return written


# -- sending --------------------------------------------------------------------------------------
class Notifier:
    """What a service sends with: a mailer per sender run (SMTP or logging) and the SMS provider."""

    def __init__(self, settings, sms=None, mailer_factory: Callable | None = None) -> None:
        self.settings = settings
        self.sms = sms or load_sms_provider(settings.sms_provider, settings)
        self.mailer_factory = mailer_factory or make_mailer
        if settings.suite_env == "prod" and (not settings.smtp_host or self.sms.name == "logging"):
            log.warning("reminders are only logged, not delivered: set SMTP_HOST and SMS_PROVIDER")

    def mailer(self):
        return self.mailer_factory(self.settings)


def notifier(app) -> Notifier:
    """The app's notifier, made from its settings on first use (tests may set `app.state.notifier`)."""
    n = getattr(app.state, "notifier", None)
    if n is None:
        n = app.state.notifier = Notifier(app.state.settings)
    return n


def _backoff(settings, attempts: int) -> timedelta:
    seconds = settings.reminder_retry_base_seconds * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, settings.reminder_retry_max_seconds))


def _message_id(settings, r: Reminder) -> str:
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "petition-suite.invalid"
    return f"<reminder.{settings.service_name}.{r.id}@{domain}>"


def send_due(app, resolvers: dict[str, Resolver], now: datetime | None = None) -> dict[str, int]:
    """Send the pending reminders that are due, each in its own transaction; returns counts by outcome."""
    settings = app.state.settings
    n = notifier(app)
    now = now or utcnow()
    counts: Counter = Counter()
    paused: set[str] = set()  # channels that failed in this run: the rest of their rows wait for the next
    mailer = n.mailer()
    try:
        for _ in range(settings.reminder_batch):
            with app.state.db.session() as s:
                q = select(Reminder).where(col(Reminder.status) == ReminderStatus.pending,
                                           col(Reminder.next_attempt_at) <= now)
                if paused:
                    q = q.where(col(Reminder.channel).not_in(sorted(paused)))
                rows = claim(s, q.order_by(col(Reminder.next_attempt_at), col(Reminder.id)).limit(1))
                if not rows:
                    break
                r = rows[0]
                outcome = _send_one(s, r, resolvers, n, mailer, settings, now)
                counts[outcome] += 1
                if outcome == "retry":
                    paused.add(r.channel)
    finally:
        mailer.close()
    return dict(counts)


def _send_one(s: Session, r: Reminder, resolvers: dict[str, Resolver], n: Notifier, mailer, settings,
              now: datetime) -> str:
    if now >= r.expires_at:
        r.status, r.last_error = ReminderStatus.expired, "not delivered before the moment it reminds of"
        return "expired"
    resolver = resolvers.get(r.kind)
    try:
        with s.begin_nested():  # a failed query here must not abort the transaction that records it
            verdict = resolver(s, r) if resolver else Skip(f"no resolver for kind {r.kind!r}")
    except Exception as e:  # e.g. a phone sealed under a key no longer configured: never block the queue
        log.exception("reminder %s (%s): its recipient could not be read", r.id, r.kind)
        _failed(r, settings, now, e)
        return "error"
    if isinstance(verdict, Skip):
        r.status, r.last_error = ReminderStatus.dropped, verdict.reason[:500]
        return "dropped"
    address = verdict
    try:
        if r.channel == "email":
            ref = mailer.send(address, r.subject, r.body, message_id=_message_id(settings, r))
            provider, shown = mailer.name, mask_email(address)
        elif r.channel == "sms":
            ref = n.sms.send(address, settings.sms_signature + r.body)
            provider, shown = n.sms.name, mask_phone(address)
        else:
            r.status, r.last_error = ReminderStatus.dropped, f"unknown channel {r.channel!r}"
            return "dropped"
    except Exception as e:  # the server or provider did not take it: retry later
        _failed(r, settings, now, e)
        log.warning("reminder %s (%s, %s) not sent, attempt %d: %s", r.id, r.kind, r.channel, r.attempts,
                    r.last_error)
        return "retry"
    r.attempts += 1
    r.status, r.sent_at, r.provider, r.last_error = ReminderStatus.sent, now, provider, None
    r.provider_ref = str(ref)[:200] if ref else None
    log.info("reminder %s (%s %s) sent by %s to %s", r.id, r.kind, r.lead, r.channel, shown)
    return "sent"


def _failed(r: Reminder, settings, now: datetime, e: Exception) -> None:
    """Count a failed attempt: retry after a doubling delay, or give up after the last attempt."""
    r.attempts += 1
    r.last_error = f"{type(e).__name__}: {e}"[:500]
    if r.attempts >= settings.reminder_max_attempts:
        r.status = ReminderStatus.failed
    else:
        r.next_attempt_at = now + _backoff(settings, r.attempts)


def reminder_jobs(prefix: str, settings, scan: Callable, send: Callable) -> list[Job]:
    """The two scheduled jobs of a service: the due scan and the sender."""
    return [Job(f"{prefix}.reminders.scan", scan, settings.reminder_scan_seconds),
            Job(f"{prefix}.reminders.send", send, settings.reminder_send_seconds)]
