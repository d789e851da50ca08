"""Every table of the gateway, imported so that Alembic and tests see them all."""
from services.gateway.handoff.models import Handoff, HandoffStep  # noqa: F401
from services.gateway.hub.models import DeadLetter, HubDelivery, HubEvent, HubSubject  # noqa: F401
from services.gateway.idempotency.models import IdempotencyRecord  # noqa: F401
from services.gateway.oauth.models import OAuthClient, RevokedSubject, UserAccount  # noqa: F401
from services.gateway.webhook.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: F401
from shared.calendar import CalendarOverride, CalendarYear  # noqa: F401
from shared.deadlines import DeadlineChange  # noqa: F401  (handoff deadlines moved by the calendar)
from shared.events.models import InboxEntry, OutboxEvent, SubjectSequence  # noqa: F401
