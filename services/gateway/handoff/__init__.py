"""Case handoffs (案件移交)."""
