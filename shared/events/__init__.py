"""Events: CloudEvents envelope, transactional outbox, relay, inbox dedupe, transports."""
from shared.events.envelope import CloudEvent
from shared.events.outbox import emit

__all__ = ["CloudEvent", "emit"]
