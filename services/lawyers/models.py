"""Every table of the lawyers service, imported so that Alembic and tests see them all."""
from services.lawyers.conflict.models import ConflictEntry, ConflictWaiver  # noqa: F401
from services.lawyers.duty.models import DutyShift, ReceptionAssist, ReceptionDay  # noqa: F401
from services.lawyers.hours.models import FeeEntry, HoursWarning, TimeEntry  # noqa: F401
from services.lawyers.lawyer.models import Lawyer, LawyerContract, LawyerLeave, RosterState  # noqa: F401
from services.lawyers.opinion.models import AssignmentDecision, LegalOpinion, OpinionRequest  # noqa: F401
from services.lawyers.review.models import ReviewHearing, ReviewMatter, ReviewPanelMember  # noqa: F401
from shared.calendar import CalendarOverride, CalendarYear  # noqa: F401
from shared.deadlines import DeadlineChange  # noqa: F401
from shared.events.models import InboxEntry, OutboxEvent, SubjectSequence  # noqa: F401
from shared.notify.models import Reminder  # noqa: F401  (reminders people receive)
