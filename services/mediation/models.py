"""Every table of the mediation service, imported so that Alembic and tests see them all."""
from services.mediation.agreement.models import Agreement, Satisfaction  # noqa: F401
from services.mediation.casefile.models import CaseIntake, LegalOpinion  # noqa: F401
from services.mediation.followthrough.models import (  # noqa: F401
    AgreementSignature,
    FollowupVisit,
    JudicialConfirmation,
)
from services.mediation.mediator.models import Mediator, MediatorLeave, MediatorRelation  # noqa: F401
from services.mediation.room.models import Room, RoomClosure  # noqa: F401
from services.mediation.session.models import (  # noqa: F401
    MediationSession,
    ResourceClaim,
    SessionFlag,
    SessionMediator,
    SessionParty,
    SessionReminder,
)
from shared.calendar import CalendarOverride, CalendarYear  # noqa: F401
from shared.deadlines import DeadlineChange  # noqa: F401
from shared.events.models import InboxEntry, OutboxEvent, SubjectSequence  # noqa: F401
from shared.notify.models import Reminder  # noqa: F401  (reminders people receive)
