"""The audit trail (审计): per service, append-only and hash-chained; see chain.py, writer.py, api.py."""
from shared.audit.writer import AuditWriteFailed, note, record, record_now, skip  # noqa: F401
