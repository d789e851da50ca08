"""Every table of the lawyers service, imported so that Alembic and tests see them all."""
from shared.calendar import CalendarOverride  # noqa: F401
from shared.events.models import InboxEntry, OutboxEvent, SubjectSequence  # noqa: F401
