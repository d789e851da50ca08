"""Events the agreement feature emits (调解协议: recorded, rated, follow-up and judicial-confirmation dates),
always inside the change's transaction; the wire types are `mediation.*`."""
from __future__ import annotations

from services.mediation.session.events import publish

AGREEMENT_RECORDED = "mediation.agreement.recorded"
FOLLOWUP_DUE = "mediation.followup.due"
JUDICIAL_CONFIRMATION_CLOSING = "mediation.judicial_confirmation.closing"
SATISFACTION_RECORDED = "mediation.satisfaction.recorded"

__all__ = ["AGREEMENT_RECORDED", "FOLLOWUP_DUE", "JUDICIAL_CONFIRMATION_CLOSING", "SATISFACTION_RECORDED", "publish"]
